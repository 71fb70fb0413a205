/* exfil_store.c: the exfiltration detector's learned state as a blob, saved between runs. */
#include <stdlib.h>
#include <string.h>

#include "detect/exfil_int.h"

/*
 * Layout (native byte order; the store keeps it on this machine): a header of the magic
 * "TSXF", the format version and the sizes compiled in (a build with other sizes refuses
 * the blob rather than misread it), the peers' pool, then one fixed-size record per host.
 * The open day is kept (its volume and fresh destinations), so a run cut at any point
 * continues the same day; the day's named destinations are not.
 */

#define MAGIC "TSXF"
#define VERSION 3u /* 2: blocked Bloom filters; 3: the organisation's first and last day */

enum { HEADER = 4 + 9 * 4 };
enum {
    HOST_REC = 1 + 16 + 4 + 4 + 2 + 1 + 1 + XF_HIST * 4 + 8 + 8 + 8 + 8 + 2 * XF_BLOOM_WORDS * 8,
};

typedef struct cursor {
    unsigned char *p;
    const unsigned char *r;
    size_t left;
} cursor;

static void put(cursor *c, const void *v, size_t n)
{
    memcpy(c->p, v, n);
    c->p += n;
}

static bool get(cursor *c, void *v, size_t n)
{
    if (c->left < n)
        return false;
    memcpy(v, c->r, n);
    c->r += n;
    c->left -= n;
    return true;
}

static void put_u32(cursor *c, uint32_t v)
{
    put(c, &v, 4);
}

tocsin_code xf_save(void *state, void **blob, size_t *len)
{
    const exfil_state *st = state;
    size_t n = HEADER + st->pool_n * sizeof(float) + st->n_hosts * (size_t)HOST_REC;
    unsigned char *b = malloc(n);
    if (!b)
        return TOCSIN_E_NOMEM;
    cursor c = {b, NULL, 0};
    put(&c, MAGIC, 4);
    put_u32(&c, VERSION);
    put_u32(&c, XF_BLOOM_WORDS);
    put_u32(&c, XF_HIST);
    put_u32(&c, XF_POOL);
    put_u32(&c, (uint32_t)st->n_hosts);
    put_u32(&c, st->pool_n);
    put_u32(&c, st->pool_head);
    put(&c, &st->first_day, 4);
    put(&c, &st->last_day, 4);
    put(&c, st->pool, st->pool_n * sizeof(float));
    for (size_t i = 0; i <= st->mask; i++) { /* in index order, as before the index */
        if (st->index[i] == XF_EMPTY)
            continue;
        const xf_host *h = &st->hosts[(uint32_t)st->index[i]];
        put(&c, &h->ip.v, 1);
        put(&c, h->ip.b, 16);
        put(&c, &h->day, 4);
        put(&c, &h->alerted_day, 4);
        put(&c, &h->ndays, 2);
        put(&c, &h->hist_n, 1);
        put(&c, &h->hist_head, 1);
        put(&c, h->hist, sizeof h->hist);
        put(&c, &h->out_today, 8);
        put(&c, &h->new_today, 8);
        put(&c, &h->first_new_ns, 8);
        put(&c, &h->last_new_ns, 8);
        put(&c, h->known, sizeof h->known);
        put(&c, h->fresh, sizeof h->fresh);
    }
    *blob = b;
    *len = (size_t)(c.p - b);
    return TOCSIN_OK;
}

static bool get_u32(cursor *c, uint32_t *v)
{
    return get(c, v, 4);
}

/* Reads one host record into h; false if the record is cut short or nonsense. */
static bool get_host(cursor *c, xf_host *h)
{
    if (!get(c, &h->ip.v, 1) || !get(c, h->ip.b, 16) || !get(c, &h->day, 4) || !get(c, &h->alerted_day, 4) ||
        !get(c, &h->ndays, 2) || !get(c, &h->hist_n, 1) || !get(c, &h->hist_head, 1) ||
        !get(c, h->hist, sizeof h->hist) || !get(c, &h->out_today, 8) || !get(c, &h->new_today, 8) ||
        !get(c, &h->first_new_ns, 8) || !get(c, &h->last_new_ns, 8) || !get(c, h->known, sizeof h->known) ||
        !get(c, h->fresh, sizeof h->fresh))
        return false;
    if ((h->ip.v != 4 && h->ip.v != 6) || h->hist_n > XF_HIST || h->hist_head >= XF_HIST || h->day < -1)
        return false;
    for (size_t i = 0; i < h->hist_n; i++)
        if (!(h->hist[i] >= 0 && h->hist[i] < 30)) /* log10 bytes: NaN and junk refused */
            return false;
    return true;
}

tocsin_code xf_load(void *state, const void *blob, size_t len)
{
    exfil_state *st = state;
    cursor c = {NULL, blob, len};
    char magic[4];
    uint32_t ver, words, hist, pool, nhosts, pool_n, pool_head;
    int32_t first_day, last_day;
    if (!blob || !get(&c, magic, 4) || memcmp(magic, MAGIC, 4) != 0 || !get_u32(&c, &ver) || ver != VERSION ||
        !get_u32(&c, &words) || !get_u32(&c, &hist) || !get_u32(&c, &pool) || !get_u32(&c, &nhosts) ||
        !get_u32(&c, &pool_n) || !get_u32(&c, &pool_head) || !get(&c, &first_day, 4) ||
        !get(&c, &last_day, 4))
        return TOCSIN_E_PARSE;
    if (words != XF_BLOOM_WORDS || hist != XF_HIST || pool != XF_POOL || pool_n > XF_POOL ||
        pool_head >= XF_POOL || (size_t)nhosts > (len - HEADER) / HOST_REC || first_day < 0 ||
        last_day < first_day)
        return TOCSIN_E_PARSE;
    float pv[XF_POOL];
    if (!get(&c, pv, pool_n * sizeof(float)))
        return TOCSIN_E_PARSE;
    for (uint32_t i = 0; i < pool_n; i++)
        if (!(pv[i] >= 0 && pv[i] < 30))
            return TOCSIN_E_PARSE;
    memcpy(st->pool, pv, pool_n * sizeof(float));
    st->pool_n = pool_n;
    st->pool_head = pool_head;
    st->pool_dirty = true;
    st->first_day = first_day;
    st->last_day = last_day;
    for (uint32_t i = 0; i < nhosts; i++) {
        xf_host tmp = {0};
        if (!get_host(&c, &tmp))
            return TOCSIN_E_PARSE;
        xf_host *h = xf_host_get(st, &tmp.ip, true);
        if (!h)
            break; /* more hosts than this run keeps: the rest start afresh */
        *h = tmp;
        xf_host_stats(h);
    }
    return c.left ? TOCSIN_E_PARSE : TOCSIN_OK;
}
