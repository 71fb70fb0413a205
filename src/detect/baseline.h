/* baseline.h: what the behavioural detectors learn, kept bounded and saved between runs
 * (internal to src/detect/): hashes, a bounded map from 64-bit keys to fixed records,
 * small distinct-value sets, and the codec that saves a map (core/saved.h). */
#ifndef TS_BASELINE_H
#define TS_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/hash.h"
#include "core/saved.h"
#include "core/str.h"
#include "tocsin.h"

#define BL_NS 1000000000LL

/* 64-bit FNV-1a of s, ASCII case folded (account and host names compare case-blind on
 * Windows), continued from seed (use BL_SEED to start). Never 0: 0 marks an empty slot. */
#define BL_SEED TS_HASH_SEED
uint64_t bl_hash(ts_str s, uint64_t seed);
/* An address's hash (no formatting: cheap enough for every event). */
struct ts_ip;
uint64_t bl_hash_ip(const struct ts_ip *ip, uint64_t seed);
/* One more number into a hash (a port, a country, a separator between two strings). */
uint64_t bl_hash_u64(uint64_t h, uint64_t v);

/* A map from a 64-bit key to a zeroed record of vsize bytes, with the time each key was
 * last touched. It holds at most max keys: when full, the quarter touched longest ago is
 * dropped (exactly a quarter, ties broken by slot), so memory stays bounded and what is
 * forgotten is what went quiet; evicted counts the keys so dropped. The table is a power
 * of two at most half full (the last one, at the cap, four fifths), so it never exceeds
 * bl_map_bound(max, vsize) bytes, and an eviction works in place (no second table). Records move when the map
 * grows or drops keys: a pointer from get/put lives until the next put. */
typedef struct bl_map {
    uint8_t *slots;
    size_t cap, n, max, vsize, ssize;
    uint64_t evicted; /* keys dropped to stay within max (not saved: a run's figure) */
} bl_map;

void bl_map_init(bl_map *m, size_t vsize, size_t max);
void bl_map_free(bl_map *m);
/* The record of key, or NULL. */
void *bl_map_get(const bl_map *m, uint64_t key);
/* The record of key, created zeroed when absent (*created says so; may be NULL), its
 * time set to ts_ns. NULL when out of memory. */
void *bl_map_put(bl_map *m, uint64_t key, int64_t ts_ns, bool *created);
/* The slot where the search for key (0 taken as 1, as put does) begins. */
static inline size_t bl_map_first_slot(const bl_map *m, uint64_t key)
{
    key = key ? key : 1;
    return (size_t)(key ^ (key >> 29)) & (m->cap - 1);
}
/* Where the search for key begins, for the caller to prefetch
 * (__builtin_prefetch(bl_map_at(m, key))), so that the lookups one event makes in
 * several maps wait for memory once, not once each. NULL for an empty map. (The
 * prefetch has to be the caller's own: GCC takes a function doing nothing but prefetch
 * for pure and drops its calls.) */
static inline const void *bl_map_at(const bl_map *m, uint64_t key)
{
    return m->cap ? m->slots + bl_map_first_slot(m, key) * m->ssize : NULL;
}
/* Adds key to a map used as a set; true if it was new (false also when out of memory). */
bool bl_set_add(bl_map *m, uint64_t key, int64_t ts_ns);
/* The most bytes a map of at most max records of vsize bytes holds (its largest table). */
size_t bl_map_bound(size_t max, size_t vsize);
/* m's figures for a detector's usage hook, under the given table name (static text). */
struct ts_state_use;
void bl_map_use(const bl_map *m, const char *table, struct ts_state_use *u);
/* The k-th smallest (0-based) of v[0..n), k < n; v is reordered (Hoare's selection:
 * linear on average, where a sort would cost a log factor on every eviction). */
int64_t bl_select(int64_t *v, size_t n, size_t k);
/* A usage hook's body for k maps named by names: fills at most n of out, returns k. */
size_t bl_maps_use(const bl_map *const *maps, const char *const *names, size_t k, struct ts_state_use *out,
                   size_t n);

/* Distinct 32-bit values (destination hosts, accounts) counted up to BL_DISTINCT_MAX in a
 * fixed table: past that the count saturates, which every threshold below it tolerates. */
#define BL_DISTINCT_SLOTS 128
#define BL_DISTINCT_MAX 96
typedef struct bl_distinct {
    uint32_t v[BL_DISTINCT_SLOTS];
    uint32_t n;
} bl_distinct;
/* Adds x (0 is mapped to 1); true if it was new and counted. */
bool bl_distinct_add(bl_distinct *d, uint32_t x);

/* A map in a saved state: written and read by these, or declared in a state table
 * (core/saved.h) as TS_SAVED_WITH(state, field, bl_map_codec, 0). The reader takes records
 * as they were saved into m (initialised, with the same vsize); a size mismatch or a short
 * blob fails r. */
void bl_put_map(ts_blob_w *b, const bl_map *m);
void bl_get_map(ts_blob_r *r, bl_map *m);
extern const ts_saved_codec bl_map_codec;
/* A map field of a saved table, named table in the run's summary of state: state struct,
 * field, flags (TS_SAVED_OPTIONAL). */
#define BL_SAVED_MAP(st, field, flags, table)                                        \
    {                                                                                \
#field, offsetof(st, field), TS_SAVED_NESTED, 0, &bl_map_codec, flags, table \
    }
/* The usage rows of the named map fields of t, in table order (as bl_maps_use). */
size_t bl_saved_use(const ts_saved *t, const void *state, struct ts_state_use *out, size_t n);

/* Hour of the day (0..23, UTC) of a time in ns. */
int bl_hour(int64_t ts_ns);

/* A TS_EV_BEHAVIOUR alert of detector for ev (entities and provenance from ev) with
 * the given severity, techniques (static text, copied), key and title (malloc'ed, taken
 * over: NULL for either gives no alert), or NULL. */
struct ts_alert;
struct ts_alert_sink;
struct ts_event;
struct ts_alert *bl_alert(const char *detector, const struct ts_event *ev, uint8_t severity,
                          const char *techniques, char *key, char *title);
/* bl_alert, then hands the alert to out. */
void bl_emit(const struct ts_alert_sink *out, const char *detector, const struct ts_event *ev,
             uint8_t severity, const char *techniques, char *key, char *title);

/* Whether s contains needle, ASCII case-insensitive. */
bool bl_icontains(ts_str s, const char *needle);
/* Whether s contains, case-blind, any item of the comma-separated list (items of 256 bytes
 * or more are skipped). */
bool bl_list_icontains(const char *list, ts_str s);
/* Whether name is an item of the comma-separated list, as bl_hash compares them. */
bool bl_list_has(const char *list, ts_str name);
/* The last path component of a Windows or POSIX path. */
ts_str bl_basename(ts_str path);

#endif
