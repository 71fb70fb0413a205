/* tables.c: the containers the intelligence store is built from: a block pool with stable
 * pointers, id lists packed in 32-bit slots, and a string-keyed hash table. */
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/vec.h"
#include "intel/intel_int.h"

/* ---- pool ---------------------------------------------------------------------------- */

struct ts_pblk {
    struct ts_pblk *next;
    size_t used, cap;
    max_align_t data[];
};

#define TS_PBLK_SIZE (64 * 1024)

void *ts_pool_alloc(ts_pool *p, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    struct ts_pblk *b = p->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > TS_PBLK_SIZE / 2 ? n : TS_PBLK_SIZE;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->used = 0;
        b->cap = cap;
        p->bytes += sizeof *b + cap;
        if (p->head && cap != TS_PBLK_SIZE) {
            /* A big one-off block goes behind the current one so its free space stays usable. */
            b->next = p->head->next;
            p->head->next = b;
        } else {
            b->next = p->head;
            p->head = b;
        }
    }
    void *r = (char *)b->data + b->used;
    b->used += n;
    return r;
}

char *ts_pool_strdup(ts_pool *p, const char *s, size_t n)
{
    char *r = ts_pool_alloc(p, n + 1);
    if (!r)
        return NULL;
    if (n)
        memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

void ts_pool_free(ts_pool *p)
{
    struct ts_pblk *b = p->head;
    while (b) {
        struct ts_pblk *next = b->next;
        free(b);
        b = next;
    }
    p->head = NULL;
    p->bytes = 0;
}

/* ---- id lists -------------------------------------------------------------------------- */

static uint32_t multi_alloc(ts_multi *m, uint32_t cap)
{
    size_t need = m->n + 2 + cap;
    if (need >= TS_MULTI_BIT)
        return UINT32_MAX;
    if (!ts_vec_grow(m->v, m->cap, need, TS_VEC_NOCAP))
        return UINT32_MAX;
    uint32_t off = (uint32_t)m->n;
    m->v[off] = 0;
    m->v[off + 1] = cap;
    m->n = need;
    return off;
}

bool ts_multi_add(ts_multi *m, uint32_t *slot, uint32_t id, bool *added)
{
    *added = false;
    if (*slot == 0) {
        *slot = id;
        *added = true;
        return true;
    }
    if (!(*slot & TS_MULTI_BIT)) {
        if (*slot == id)
            return true;
        uint32_t off = multi_alloc(m, 2);
        if (off == UINT32_MAX)
            return false;
        m->v[off] = 2;
        m->v[off + 2] = *slot;
        m->v[off + 3] = id;
        *slot = off | TS_MULTI_BIT;
        *added = true;
        return true;
    }
    uint32_t off = *slot & ~TS_MULTI_BIT;
    uint32_t n = m->v[off], cap = m->v[off + 1];
    for (uint32_t i = 0; i < n; i++)
        if (m->v[off + 2 + i] == id)
            return true;
    if (n == cap) {
        /* Lists only grow; the old space is left behind (values rarely gain many feeds). */
        uint32_t noff = multi_alloc(m, cap * 2);
        if (noff == UINT32_MAX)
            return false;
        memcpy(&m->v[noff + 2], &m->v[off + 2], n * sizeof(uint32_t));
        off = noff;
        *slot = off | TS_MULTI_BIT;
    }
    m->v[off + 2 + n] = id;
    m->v[off] = n + 1;
    *added = true;
    return true;
}

size_t ts_multi_get(const ts_multi *m, uint32_t slot, const uint32_t **ids, uint32_t *one)
{
    if (slot == 0) {
        *ids = NULL;
        return 0;
    }
    if (!(slot & TS_MULTI_BIT)) {
        *one = slot;
        *ids = one;
        return 1;
    }
    uint32_t off = slot & ~TS_MULTI_BIT;
    *ids = &m->v[off + 2];
    return m->v[off];
}

void ts_multi_free(ts_multi *m)
{
    free(m->v);
    memset(m, 0, sizeof *m);
}

/* ---- string table ---------------------------------------------------------------------- */

/* The core hash folded to 32 bits, then a final mix so the low bits used for the slot
 * depend on every byte. */
uint32_t ts_hash_bytes(const void *p, size_t n)
{
    uint64_t h64 = ts_hash(TS_HASH_SEED, p, n);
    uint32_t h = (uint32_t)(h64 ^ (h64 >> 32));
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    return h ? h : 1;
}

/* The filter word of hash h and the two bits it sets there (from bits the slot index
 * does not use up: a multiply spreads h before they are taken). */
static inline size_t bloom_word(const ts_stab *t, uint32_t h)
{
    return h & (t->cap / 8 - 1);
}
static inline uint64_t bloom_bits(uint32_t h)
{
    uint32_t m = h * 0x9E3779B1u;
    return (1ull << (m >> 26)) | (1ull << ((m >> 20) & 63));
}

static void bloom_set(ts_stab *t, uint32_t h)
{
    t->bloom[bloom_word(t, h)] |= bloom_bits(h);
}

ts_sent *ts_stab_find(const ts_stab *t, const char *s, size_t n)
{
    if (!t->cap)
        return NULL;
    uint32_t h = ts_hash_bytes(s, n);
    uint64_t bits = bloom_bits(h);
    if ((t->bloom[bloom_word(t, h)] & bits) != bits)
        return NULL;
    size_t mask = t->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        ts_sent *e = &t->e[i];
        if (!e->s)
            return NULL;
        if (e->hash == h && e->len == n && memcmp(e->s, s, n) == 0)
            return e;
    }
}

static bool stab_grow(ts_stab *t)
{
    size_t nc = t->cap ? t->cap * 2 : 64;
    ts_sent *e = calloc(nc, sizeof *e);
    uint64_t *bloom = calloc(nc / 8, sizeof *bloom);
    if (!e || !bloom) {
        free(e);
        free(bloom);
        return false;
    }
    for (size_t i = 0; i < t->cap; i++) {
        ts_sent *o = &t->e[i];
        if (!o->s)
            continue;
        size_t j = o->hash & (nc - 1);
        while (e[j].s)
            j = (j + 1) & (nc - 1);
        e[j] = *o;
    }
    free(t->e);
    free(t->bloom);
    t->e = e;
    t->bloom = bloom;
    t->cap = nc;
    for (size_t i = 0; i < nc; i++)
        if (e[i].s)
            bloom_set(t, e[i].hash);
    return true;
}

ts_sent *ts_stab_put(ts_stab *t, ts_pool *pool, const char *s, size_t n, bool *created)
{
    *created = false;
    ts_sent *f = ts_stab_find(t, s, n);
    if (f)
        return f;
    if (n > UINT32_MAX)
        return NULL;
    if ((t->n + 1) * 4 > t->cap * 3 && !stab_grow(t))
        return NULL;
    const char *copy = ts_pool_strdup(pool, s, n);
    if (!copy)
        return NULL;
    uint32_t h = ts_hash_bytes(s, n);
    size_t mask = t->cap - 1, i = h & mask;
    while (t->e[i].s)
        i = (i + 1) & mask;
    t->e[i] = (ts_sent){copy, (uint32_t)n, h, 0};
    bloom_set(t, h);
    t->n++;
    *created = true;
    return &t->e[i];
}

void ts_stab_free(ts_stab *t)
{
    free(t->e);
    free(t->bloom);
    memset(t, 0, sizeof *t);
}

/* ---- pointer vector ------------------------------------------------------------------- */

bool ts_vec_push(ts_vec *v, void *p)
{
    if (!ts_vec_grow(v->v, v->cap, v->n + 1, TS_VEC_NOCAP))
        return false;
    v->v[v->n++] = p;
    return true;
}
