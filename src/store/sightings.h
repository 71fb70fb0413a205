/* sightings.h: an actor's history in the store (the incidents it was a hypothesis of, the
 * indicators of its that alerts matched) and the earlier incidents an incident shares
 * infrastructure with: years of tracking, read back. */
#ifndef TS_STORE_SIGHTINGS_H
#define TS_STORE_SIGHTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct ts_sighting {
    char *incident;
    int64_t first_ns, last_ns;
    int rank; /* the actor's rank among the incident's hypotheses, 1 = the verdict */
    double probability;
    char *wording;
} ts_sighting;

/* The incidents in which the actor (its stored name, case ignored, or its ATT&CK id when not
 * NULL) is a hypothesis with probability >= min_p, oldest first. *out is owned by the caller
 * (ts_sightings_free). */
tocsin_code ts_store_actor_sightings(ts_store *s, const char *name, const char *attack_id, double min_p,
                                     ts_sighting **out, size_t *n);
void ts_sightings_free(ts_sighting *v, size_t n);

/* An indicator of the actor that alerts matched (warninglisted hits left out). */
typedef struct ts_actor_ioc {
    char *type, *value;
    int64_t first_ns, last_ns;
    uint64_t alerts;
} ts_actor_ioc;
tocsin_code ts_store_actor_indicators(ts_store *s, const char *name, const char *attack_id,
                                      ts_actor_ioc **out, size_t *n);
void ts_actor_iocs_free(ts_actor_ioc *v, size_t n);

/* An earlier incident sharing infrastructure with one: the same indicator value or the same
 * outside address or domain. */
typedef struct ts_link {
    char *incident;
    int64_t first_ns;
    char *shared; /* the first shared value ("ip 203.131.222.102") */
    uint64_t n_shared;
    char *verdict;     /* its top hypothesis, or NULL */
    double similarity; /* ts_store_similar_before: how close the profiles are (0..1); 0 otherwise */
} ts_link;
/* Up to max earlier incidents (first activity before the incident's), latest first. */
tocsin_code ts_store_seen_before(ts_store *s, const char *incident, size_t max, ts_link **out, size_t *n);
void ts_links_free(ts_link *v, size_t n);

/* Earlier incidents with a close technique and software profile: cosine similarity of the
 * ATT&CK ids their raised alerts carry, each weighed by its rarity among the stored
 * incidents, at least TS_SIMILAR_MIN, with at least TS_SIMILAR_MIN_SHARED ids in common. Up
 * to max, closest first; shared is "profile: " and the rarest ids in common, n_shared how
 * many. (profile_match.c) */
#define TS_SIMILAR_MIN 0.6
#define TS_SIMILAR_MIN_SHARED 3
tocsin_code ts_store_similar_before(ts_store *s, const char *incident, size_t max, ts_link **out, size_t *n);

#endif
