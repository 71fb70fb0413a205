/* memo.c: the bounded memory of field scans (memo.h): direct-mapped slots over one store. */
#include "sigma/memo.h"

#include <stdlib.h>
#include <string.h>

/* Sizes: 16,384 slots (512 KiB) over a 4 MiB store hold the distinct values of hours of
 * ordinary logs; values longer than MEMO_MAX_VALUE (scripts, long command lines) are
 * rarely repeated and are scanned every time. */
enum { MEMO_SLOTS = 1 << 14, MEMO_STORE = 4 << 20, MEMO_MAX_VALUE = 1024, MEMO_MAX_ATOMS = 255 };

typedef struct memo_slot {
    uint64_t h;
    const void *matcher; /* NULL: empty */
    uint32_t off;        /* in store: the value's bytes, then its atoms (aligned) */
    uint32_t n;          /* the value's length */
    uint32_t natoms;
    uint32_t pad;
} memo_slot;

struct sg_memo {
    memo_slot *slot;
    unsigned char *store;
    size_t used;
    uint64_t hits, misses, resets;
};

sg_memo *sg_memo_new(void)
{
    sg_memo *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->slot = calloc(MEMO_SLOTS, sizeof *m->slot);
    m->store = malloc(MEMO_STORE);
    if (!m->slot || !m->store) {
        sg_memo_free(m);
        return NULL;
    }
    return m;
}

void sg_memo_free(sg_memo *m)
{
    if (!m)
        return;
    free(m->slot), free(m->store);
    free(m);
}

static inline uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

/* A hash of the matcher and the value, eight bytes a step. */
static uint64_t value_hash(const void *matcher, const char *p, size_t n)
{
    const uint64_t k = 0x9E3779B97F4A7C15ULL;
    uint64_t h = ((uint64_t)(uintptr_t)matcher ^ n) * k;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (rotl(h, 23) ^ w) * k;
    }
    if (i < n) {
        uint64_t w = 0;
        memcpy(&w, p + i, n - i);
        h = (rotl(h, 23) ^ w) * k;
    }
    h ^= h >> 32;
    h *= k;
    return h ^ (h >> 29);
}

bool sg_memo_key_make(const sg_memo *m, sg_memo_key *k, const void *matcher, const char *p, size_t n)
{
    (void)m;
    if (n > MEMO_MAX_VALUE)
        return false;
    k->matcher = matcher, k->p = p ? p : "", k->n = n;
    k->h = value_hash(matcher, k->p, n);
    k->slot = (uint32_t)(k->h & (MEMO_SLOTS - 1));
    return true;
}

bool sg_memo_replay(sg_memo *m, const sg_memo_key *k, sg_match_fn fn, void *ud)
{
    const memo_slot *s = &m->slot[k->slot];
    if (s->matcher != k->matcher || s->h != k->h || s->n != k->n || memcmp(m->store + s->off, k->p, k->n)) {
        m->misses++;
        return false;
    }
    m->hits++;
    const unsigned char *a = m->store + s->off + ((s->n + 3) & ~(size_t)3);
    for (uint32_t i = 0; i < s->natoms; i++) {
        uint32_t atom;
        memcpy(&atom, a + 4 * i, 4);
        fn(ud, atom);
    }
    return true;
}

void sg_memo_put(sg_memo *m, const sg_memo_key *k, const uint32_t *atoms, size_t n)
{
    if (n > MEMO_MAX_ATOMS)
        return;
    size_t need = ((k->n + 3) & ~(size_t)3) + 4 * n;
    if (m->used + need > MEMO_STORE) { /* full: start again */
        memset(m->slot, 0, MEMO_SLOTS * sizeof *m->slot);
        m->used = 0;
        m->resets++;
    }
    memo_slot *s = &m->slot[k->slot];
    s->h = k->h, s->matcher = k->matcher;
    s->off = (uint32_t)m->used, s->n = (uint32_t)k->n, s->natoms = (uint32_t)n;
    memcpy(m->store + m->used, k->p, k->n);
    if (n)
        memcpy(m->store + m->used + ((k->n + 3) & ~(size_t)3), atoms, 4 * n);
    m->used += need;
}

void sg_memo_counts(const sg_memo *m, uint64_t *hits, uint64_t *misses, uint64_t *resets)
{
    *hits = m->hits, *misses = m->misses, *resets = m->resets;
}
