/* hs_cache.h: Hyperscan databases compiled once and kept in the cache directory, so that a
 * hunt with thousands of Sigma rules does not compile them again (docs/sigma.md). An entry
 * answers for a set of candidate expressions: the database of those Hyperscan took, and
 * which it did not (they go to PCRE2), since finding that out costs a parse of each. */
#ifndef TS_SIGMA_HS_CACHE_H
#define TS_SIGMA_HS_CACHE_H

#include <hs.h>
#include <stdbool.h>
#include <stdint.h>

/* The key of a set of candidate expressions: every input of compiling them (expressions,
 * flags, ids), with the versions of tocsin and Hyperscan. False when out of memory. */
bool ts_hs_cache_key(const char *const *exprs, const unsigned *flags, const unsigned *ids, unsigned n,
                     char key[65]);

/* The entry saved under key: the database (the caller frees it with hs_free_database) and
 * the ids of the candidates that Hyperscan could not take (malloc'ed; the caller frees
 * it). False when there is none, or it is damaged, truncated or made by another version:
 * such an entry is never used, and the next ts_hs_cache_put replaces it. */
bool ts_hs_cache_get(const char *key, hs_database_t **db, unsigned **refused, unsigned *n_refused);

/* Saves db (NULL: every candidate was refused) and the refused ids under key, atomically;
 * a cache directory that cannot be written only costs compiling again next time. */
void ts_hs_cache_put(const char *key, const hs_database_t *db, const unsigned *refused, unsigned n_refused);

/* What the cache did in this process (for the run summary and the benchmark). */
typedef struct ts_hs_cache_stats {
    uint64_t hits, misses, rejected; /* rejected: entries present but unusable */
} ts_hs_cache_stats;
ts_hs_cache_stats ts_hs_cache_stats_get(void);

#endif
