/* sgmap.c: the small string -> uint32 hash map and vector the Sigma engine indexes with. */
#include <stdlib.h>
#include <string.h>

#include "sigma/sigma_int.h"
#include "core/vec.h"

static inline uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

/* Eight bytes a step, then mixed so that the low bits the tables index by depend on all
 * of them: field names are hashed per event and group, so this is on the hot path. */
uint64_t sg_hash(const char *p, size_t n)
{
    const uint64_t k = 0x9E3779B97F4A7C15ULL;
    uint64_t h = (uint64_t)n * k;
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

uint32_t sg_map_get(const sg_map *m, const char *key, size_t n)
{
    return m->cap ? sg_map_get_h(m, key, n, sg_hash(key, n)) : UINT32_MAX;
}

uint32_t sg_map_get_h(const sg_map *m, const char *key, size_t n, uint64_t h)
{
    if (!m->cap)
        return UINT32_MAX;
    size_t i = h & (m->cap - 1);
    while (m->keys[i]) {
        if (m->lens[i] == n && memcmp(m->keys[i], key, n) == 0)
            return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return UINT32_MAX;
}

/* Doubles the table; false on allocation failure (the map is unchanged). */
static bool grow(sg_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    char **keys = calloc(cap, sizeof *keys);
    size_t *lens = calloc(cap, sizeof *lens);
    uint32_t *vals = calloc(cap, sizeof *vals);
    if (!keys || !lens || !vals) {
        free(keys), free(lens), free(vals);
        return false;
    }
    for (size_t j = 0; j < m->cap; j++) {
        if (!m->keys[j])
            continue;
        size_t i = sg_hash(m->keys[j], m->lens[j]) & (cap - 1);
        while (keys[i])
            i = (i + 1) & (cap - 1);
        keys[i] = m->keys[j], lens[i] = m->lens[j], vals[i] = m->vals[j];
    }
    free(m->keys), free(m->lens), free(m->vals);
    m->keys = keys, m->lens = lens, m->vals = vals, m->cap = cap;
    return true;
}

bool sg_map_put(sg_map *m, const char *key, size_t n, uint32_t val)
{
    if ((m->n + 1) * 2 > m->cap && !grow(m))
        return false;
    size_t i = sg_hash(key, n) & (m->cap - 1);
    while (m->keys[i]) {
        if (m->lens[i] == n && memcmp(m->keys[i], key, n) == 0) {
            m->vals[i] = val;
            return true;
        }
        i = (i + 1) & (m->cap - 1);
    }
    char *k = malloc(n + 1);
    if (!k)
        return false;
    memcpy(k, key, n);
    k[n] = 0;
    m->keys[i] = k, m->lens[i] = n, m->vals[i] = val;
    m->n++;
    return true;
}

void sg_map_free(sg_map *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys), free(m->lens), free(m->vals);
    memset(m, 0, sizeof *m);
}

bool sg_u32v_push(sg_u32v *v, uint32_t x)
{
    if (!ts_vec_grow(v->v, v->cap, v->n + 1, TS_VEC_NOCAP))
        return false;
    v->v[v->n++] = x;
    return true;
}
