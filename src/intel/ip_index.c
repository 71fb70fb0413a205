/* ip_index.c: addresses and CIDRs, one open-addressing hash table per prefix length,
 * probed from the longest length present down, so a lookup costs one probe per length
 * that holds entries (a feed of single addresses: one probe). */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "intel/intel_int.h"

/* Tables above this size ask for transparent huge pages: a lookup in a table of ten
 * million addresses then misses the TLB far less often. */
#define TS_HUGE (2u << 20)

static void *table_alloc(size_t bytes)
{
    void *p;
    if (bytes >= TS_HUGE) {
        p = aligned_alloc(TS_HUGE, (bytes + TS_HUGE - 1) & ~(size_t)(TS_HUGE - 1));
        if (p) {
            madvise(p, bytes, MADV_HUGEPAGE);
            memset(p, 0, bytes);
        }
        return p;
    }
    p = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    if (p)
        memset(p, 0, bytes);
    return p;
}

static inline uint32_t mask4(unsigned len)
{
    return len ? ~(uint32_t)0 << (32 - len) : 0;
}

static inline size_t hash4(uint32_t key, size_t mask)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

/* The key's bit in the filter of a table of nb buckets (nb * 32 bits), from another hash
 * than hash4's so that the two do not fail together. */
static inline size_t filt_bit(uint32_t key, size_t nb)
{
    return (size_t)((key * 0xC2B2AE3D27D4EB4Full) >> 24) & (nb * 32 - 1);
}

static inline void filt_set(uint64_t *filt, uint32_t key, size_t nb)
{
    size_t bit = filt_bit(key, nb);
    filt[bit / 64] |= 1ull << (bit % 64);
}

static inline bool filt_has(const uint64_t *filt, uint32_t key, size_t nb)
{
    size_t bit = filt_bit(key, nb);
    return (filt[bit / 64] >> (bit % 64)) & 1;
}

static inline size_t hash6(uint64_t hi, uint64_t lo, size_t mask)
{
    uint64_t h = (hi ^ (lo * 0xC2B2AE3D27D4EB4Full)) * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 32) & mask;
}

static void load6(const ts_ip *ip, unsigned len, uint64_t *hi, uint64_t *lo)
{
    uint64_t h = 0, l = 0;
    for (int i = 0; i < 8; i++) {
        h = h << 8 | ip->b[i];
        l = l << 8 | ip->b[8 + i];
    }
    uint64_t mh = len >= 64 ? ~0ull : (len ? ~0ull << (64 - len) : 0);
    uint64_t ml = len <= 64 ? 0 : (len >= 128 ? ~0ull : ~0ull << (128 - len));
    *hi = h & mh;
    *lo = l & ml;
}

static void store6(uint64_t hi, uint64_t lo, ts_ip *out)
{
    out->v = 6;
    for (int i = 7; i >= 0; i--) {
        out->b[i] = (uint8_t)hi;
        out->b[8 + i] = (uint8_t)lo;
        hi >>= 8;
        lo >>= 8;
    }
}

/* ---- insertion ------------------------------------------------------------------------- */

/* Rehashes t into nb buckets (a power of two, larger than now). */
static bool resize4(ts_ip4tab *t, size_t nb)
{
    ts_ip4b *b = table_alloc(nb * sizeof *b);
    uint64_t *filt = table_alloc(nb * 32 / 8);
    if (!b || !filt) {
        free(b);
        free(filt);
        return false;
    }
    for (size_t i = 0; i < t->nb; i++) {
        for (int k = 0; k < TS_IP4B; k++) {
            if (!t->b[i].val[k])
                continue;
            uint32_t key = t->b[i].key[k];
            filt_set(filt, key, nb);
            for (size_t j = hash4(key, nb - 1);; j = (j + 1) & (nb - 1)) {
                int e = 0;
                while (e < TS_IP4B && b[j].val[e])
                    e++;
                if (e < TS_IP4B) {
                    b[j].key[e] = key;
                    b[j].val[e] = t->b[i].val[k];
                    break;
                }
            }
        }
    }
    free(t->b);
    free(t->filt);
    t->b = b;
    t->filt = filt;
    t->nb = nb;
    return true;
}

static bool grow4(ts_ip4tab *t)
{
    return resize4(t, t->nb ? t->nb * 2 : 2);
}

void ts_ipset_reserve4(ts_ipset *set, uint8_t prefix, size_t n)
{
    ts_ip4tab *t = &set->v4[prefix <= 32 ? prefix : 32];
    size_t nb = t->nb ? t->nb : 2;
    while (nb * TS_IP4B * 3 < (t->n + n) * 4)
        nb *= 2;
    if (nb > t->nb)
        resize4(t, nb); /* on failure the table grows step by step instead */
}

void ts_ipset_prefetch(const ts_ipset *set, const ts_ip *ip, uint8_t prefix)
{
    if (ip->v != 4 || prefix > 32 || !set->v4[prefix].nb)
        return;
    const ts_ip4tab *t = &set->v4[prefix];
    __builtin_prefetch(&t->b[hash4(ts_ip4_u32(ip) & mask4(prefix), t->nb - 1)], 1);
}

static uint32_t *slot4(ts_ip4tab *t, uint32_t key)
{
    if ((t->n + 1) * 4 > t->nb * TS_IP4B * 3 && !grow4(t))
        return NULL;
    size_t mask = t->nb - 1;
    for (size_t i = hash4(key, mask);; i = (i + 1) & mask) {
        ts_ip4b *b = &t->b[i];
        for (int k = 0; k < TS_IP4B; k++) {
            if (!b->val[k]) {
                b->key[k] = key;
                filt_set(t->filt, key, t->nb);
                t->n++;
                return &b->val[k];
            }
            if (b->key[k] == key)
                return &b->val[k];
        }
    }
}

static bool grow6(ts_ip6tab *t)
{
    size_t nc = t->cap ? t->cap * 2 : 16;
    ts_ip6e *e = table_alloc(nc * sizeof *e);
    if (!e)
        return false;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->e[i].val)
            continue;
        size_t j = hash6(t->e[i].hi, t->e[i].lo, nc - 1);
        while (e[j].val)
            j = (j + 1) & (nc - 1);
        e[j] = t->e[i];
    }
    free(t->e);
    t->e = e;
    t->cap = nc;
    return true;
}

static uint32_t *slot6(ts_ip6tab *t, uint64_t hi, uint64_t lo)
{
    if ((t->n + 1) * 4 > t->cap * 3 && !grow6(t))
        return NULL;
    size_t mask = t->cap - 1;
    for (size_t i = hash6(hi, lo, mask);; i = (i + 1) & mask) {
        ts_ip6e *e = &t->e[i];
        if (!e->val) {
            e->hi = hi;
            e->lo = lo;
            t->n++;
            return &e->val;
        }
        if (e->hi == hi && e->lo == lo)
            return &e->val;
    }
}

tocsin_code ts_ipset_add(ts_intel *ti, ts_ipset *set, const ts_ip *net, uint8_t prefix, uint32_t meta_id,
                         bool *added)
{
    uint32_t *slot;
    *added = false;
    if (net->v == 4) {
        if (prefix > 32)
            return TOCSIN_E_PARSE;
        slot = slot4(&set->v4[prefix], ts_ip4_u32(net) & mask4(prefix));
        if (slot)
            set->bits4 |= 1ull << prefix;
    } else if (net->v == 6) {
        if (prefix > 128)
            return TOCSIN_E_PARSE;
        uint64_t hi, lo;
        load6(net, prefix, &hi, &lo);
        slot = slot6(&set->v6[prefix], hi, lo);
        if (slot)
            set->bits6[prefix / 64] |= 1ull << (prefix % 64);
    } else {
        return TOCSIN_E_PARSE;
    }
    if (!slot)
        return TOCSIN_E_NOMEM;
    /* A new key whose list cannot be stored leaves val 0, which reads as an empty slot
       again; the entry count then runs one high, which only makes the table grow early. */
    return ts_multi_add(&ti->multi, slot, meta_id, added) ? TOCSIN_OK : TOCSIN_E_NOMEM;
}

tocsin_code ts_intel_add_ip_id(ts_intel *ti, const ts_ip *ip, uint8_t prefix, uint32_t meta_id)
{
    const ts_ioc_meta *m = ts_intel_meta_get(ti, meta_id);
    if (!m)
        return TOCSIN_E_ARG;
    bool allow = m->flags & TS_IOC_ALLOW, added;
    tocsin_code rc = ts_ipset_add(ti, allow ? &ti->allow : &ti->ind, ip, prefix, meta_id, &added);
    if (rc == TOCSIN_OK && added)
        ts_intel_count(ti, TS_IOC_IP, meta_id);
    return rc;
}

tocsin_code ts_intel_add_ip(ts_intel *ti, const ts_ip *ip, uint8_t prefix, const ts_ioc_meta *meta)
{
    uint32_t id = ts_intel_meta_intern(ti, meta);
    return id ? ts_intel_add_ip_id(ti, ip, prefix, id) : TOCSIN_E_NOMEM;
}

/* ---- lookup ---------------------------------------------------------------------------- */

/* The value of key in its bucket chain, 0 if absent. Few instructions matter here: the
 * CPU overlaps the memory waits of consecutive lookups only as far as its reorder window
 * reaches, so a shorter lookup is a faster one even though the work is one cache miss. */
static inline __attribute__((always_inline)) uint32_t find4(const ts_ip4tab *t, uint32_t key)
{
    if (!filt_has(t->filt, key, t->nb))
        return 0;
    size_t mask = t->nb - 1;
    for (size_t i = hash4(key, mask);; i = (i + 1) & mask) {
        const ts_ip4b *b = &t->b[i];
#ifdef __SSE2__
        const __m128i k = _mm_set1_epi32((int)key), zero = _mm_setzero_si128();
        const __m128i *kv = (const __m128i *)b->key, *vv = (const __m128i *)b->val;
        int eq = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(_mm_load_si128(kv), k))) |
                 _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(_mm_load_si128(kv + 1), k))) << 4;
        int empty = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(_mm_load_si128(vv), zero))) |
                    _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(_mm_load_si128(vv + 1), zero))) << 4;
        eq &= ~empty;
        if (eq)
            return b->val[__builtin_ctz((unsigned)eq)];
        if (empty)
            return 0; /* slots fill in order, so an empty one ends the search */
#else
        uint32_t r = 0, full = 1;
        for (int k = 0; k < TS_IP4B; k++) {
            r |= b->key[k] == key ? b->val[k] : 0;
            full &= b->val[k] != 0;
        }
        if (r || !full)
            return r;
#endif
    }
}

static uint32_t find6(const ts_ip6tab *t, uint64_t hi, uint64_t lo)
{
    size_t mask = t->cap - 1;
    for (size_t i = hash6(hi, lo, mask);; i = (i + 1) & mask) {
        const ts_ip6e *e = &t->e[i];
        if (!e->val || (e->hi == hi && e->lo == lo))
            return e->val;
    }
}

/* Appends a hit per meta of slot for the network ip/len; returns the new count. */
static size_t emit(const ts_intel *ti, uint32_t slot, const ts_ip *ip, unsigned len, ts_ioc_hit *out,
                   size_t n, size_t max)
{
    const uint32_t *ids = &slot;
    size_t k = 1;
    if (slot & TS_MULTI_BIT) /* several feeds name this network */
        k = ts_multi_get(&ti->multi, slot, &ids, &slot);
    ts_ip net = {.v = ip->v};
    if (ip->v == 4) {
        uint32_t a = ts_ip4_u32(ip) & mask4(len);
        net.b[0] = (uint8_t)(a >> 24);
        net.b[1] = (uint8_t)(a >> 16);
        net.b[2] = (uint8_t)(a >> 8);
        net.b[3] = (uint8_t)a;
    } else {
        uint64_t hi, lo;
        load6(ip, len, &hi, &lo);
        store6(hi, lo, &net);
    }
    for (size_t i = 0; i < k && n < max; i++) {
        ts_ioc_hit *h = &out[n++];
        h->type = TS_IOC_IP;
        h->meta = ts_intel_meta_get(ti, ids[i]);
        h->prefix = (uint8_t)len;
        h->net = net;
        h->matched = TS_STR_NULL;
    }
    return n;
}

/* One IPv4 hit per meta of slot, for the network net/len: the common single-meta case
 * written directly, since every instruction on this path counts (see find4). */
static inline __attribute__((always_inline)) size_t emit4(const ts_intel *ti, uint32_t slot, const ts_ip *ip,
                                                          unsigned len, ts_ioc_hit *out, size_t n, size_t max)
{
    if ((slot & TS_MULTI_BIT) || n >= max)
        return emit(ti, slot, ip, len, out, n, max);
    ts_ioc_hit *h = &out[n];
    h->type = TS_IOC_IP;
    h->meta = &ti->meta_chunks[(slot - 1) / TS_META_CHUNK][(slot - 1) % TS_META_CHUNK];
    h->prefix = (uint8_t)len;
    /* Built from the query's first four bytes; the rest is cleared whatever the caller left. */
    uint32_t be;
    memcpy(&be, ip->b, 4);
    be &= htonl(mask4(len));
    memset(&h->net, 0, sizeof h->net);
    h->net.v = 4;
    memcpy(h->net.b, &be, 4);
    h->matched = TS_STR_NULL;
    return n + 1;
}

/* IPv4: the longest prefix of set covering a (all of them when every is true). With
 * several lengths present, every filter word is prefetched first so their misses overlap. */
static size_t probe4(const ts_intel *ti, const ts_ipset *set, const ts_ip *ip, bool every, ts_ioc_hit *out,
                     size_t n, size_t max)
{
    uint32_t a = ts_ip4_u32(ip);
    uint64_t bits = set->bits4;
    if (bits & (bits - 1)) {
        for (uint64_t b = bits; b; b &= b - 1) {
            unsigned len = (unsigned)__builtin_ctzll(b);
            const ts_ip4tab *t = &set->v4[len];
            __builtin_prefetch(&t->filt[filt_bit(a & mask4(len), t->nb) / 64]);
        }
    }
    while (bits) {
        unsigned len = 63 - (unsigned)__builtin_clzll(bits);
        uint32_t v = find4(&set->v4[len], a & mask4(len));
        if (v) {
            n = emit4(ti, v, ip, len, out, n, max);
            if (!every)
                break;
        }
        bits ^= 1ull << len;
    }
    return n;
}

static size_t probe6(const ts_intel *ti, const ts_ipset *set, const ts_ip *ip, bool every, ts_ioc_hit *out,
                     size_t n, size_t max)
{
    for (int w = 2; w >= 0; w--) {
        for (uint64_t bits = set->bits6[w]; bits;) {
            unsigned bit = 63 - (unsigned)__builtin_clzll(bits), len = (unsigned)w * 64 + bit;
            uint64_t hi, lo;
            load6(ip, len, &hi, &lo);
            uint32_t v = find6(&set->v6[len], hi, lo);
            if (v) {
                n = emit(ti, v, ip, len, out, n, max);
                if (!every)
                    return n;
            }
            bits ^= 1ull << bit;
        }
    }
    return n;
}

size_t ts_intel_match_ip(const ts_intel *ti, const ts_ip *ip, ts_ioc_hit *out, size_t max)
{
    if (!ip)
        return 0;
    if (ip->v == 4) {
        uint64_t bits = ti->ind.bits4;
        size_t n = 0;
        if (bits & (bits - 1)) {
            n = probe4(ti, &ti->ind, ip, false, out, 0, max);
        } else if (bits) {
            /* One prefix length (a feed of addresses): one probe, inline. */
            unsigned len = (unsigned)__builtin_ctzll(bits);
            uint32_t v = find4(&ti->ind.v4[len], ts_ip4_u32(ip) & mask4(len));
            if (v)
                n = emit4(ti, v, ip, len, out, 0, max);
        }
        return ti->allow.bits4 ? probe4(ti, &ti->allow, ip, true, out, n, max) : n;
    }
    if (ip->v != 6)
        return 0;
    size_t n = probe6(ti, &ti->ind, ip, false, out, 0, max);
    return probe6(ti, &ti->allow, ip, true, out, n, max);
}

/* ---- accounting ------------------------------------------------------------------------ */

size_t ts_ipset_bytes(const ts_ipset *set)
{
    size_t b = 0;
    for (int i = 0; i <= 32; i++)
        b += set->v4[i].nb * (sizeof(ts_ip4b) + 32 / 8);
    for (int i = 0; i <= 128; i++)
        b += set->v6[i].cap * sizeof(ts_ip6e);
    return b;
}

void ts_ipset_free(ts_ipset *set)
{
    for (int i = 0; i <= 32; i++)
        free(set->v4[i].b), free(set->v4[i].filt);
    for (int i = 0; i <= 128; i++)
        free(set->v6[i].e);
    memset(set, 0, sizeof *set);
}
