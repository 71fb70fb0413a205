/* memo.h: a bounded per-thread memory of field scans: which atoms a matcher reported for a value. */
#ifndef TS_SIGMA_MEMO_H
#define TS_SIGMA_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sigma/sigma_int.h"

/*
 * Ordinary logs repeat their values: the same images, parents, directories, users and
 * DNS names come back event after event. A scan is a pure function of the matcher and
 * the value's bytes, so its result is remembered and replayed (in the order the matcher
 * reported it) when the same bytes come back for the same matcher. Entries are verified
 * byte for byte, never trusted on their hash. The memory is fixed: when its storage is
 * full it is emptied and starts again, whatever the size of the input.
 */
typedef struct sg_memo sg_memo;

/* An empty memory; NULL when out of memory. */
sg_memo *sg_memo_new(void);
void sg_memo_free(sg_memo *m);

/* A scan of p[0..n) by matcher, remembered or to be remembered. */
typedef struct sg_memo_key {
    const void *matcher;
    const char *p;
    size_t n;
    uint64_t h;
    uint32_t slot;
} sg_memo_key;

/* Fills k for matcher and p[0..n); false when such values are not remembered (too long). */
bool sg_memo_key_make(const sg_memo *m, sg_memo_key *k, const void *matcher, const char *p, size_t n);
/* Calls fn for each atom remembered for k, in order, and returns true; false when k is
 * not remembered. */
bool sg_memo_replay(sg_memo *m, const sg_memo_key *k, sg_match_fn fn, void *ud);
/* Remembers that a scan of k reported atoms[0..n) in that order. */
void sg_memo_put(sg_memo *m, const sg_memo_key *k, const uint32_t *atoms, size_t n);

/* Counters: lookups answered, lookups missed, times the memory was emptied. */
void sg_memo_counts(const sg_memo *m, uint64_t *hits, uint64_t *misses, uint64_t *resets);

#endif
