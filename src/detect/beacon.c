/* beacon.c: detector "beacon": internal hosts calling a destination on a timer (command and control). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/saved.h"
#include "detect/alert_util.h"
#include "detect/beacon_stats.h"
#include "detect/behave_util.h"
#include "detect/detect.h"
#include "core/vec.h"

/*
 * Rationale. An implant on a compromised host asks its controller for work on a timer:
 * every minute, every five, with some jitter, each time much the same request. People
 * browse in bursts and irregular sizes. Scoring every internal source -> destination
 * pair on the regularity of its intervals and sizes, the evenness of its hourly
 * histogram and the share of the window it covers (RITA's beacon analysis; see
 * beacon_stats.c) picks the implant out of ordinary traffic without knowing it.
 *
 * ATT&CK: T1071 Application Layer Protocol; T1071.001 Web Protocols when the pair is
 * seen in HTTP or TLS, or through a web proxy.
 *
 * Destinations. A pair's destination is the remote address (Zeek conn, Suricata flow)
 * and, separately, the name it was asked for: the HTTP Host, the TLS SNI (Zeek http and
 * ssl, Suricata http and tls). Through a web proxy the address is the proxy's, so the
 * name is what counts: a CONNECT names host:port, a proxied plain request carries an
 * absolute URI and the Host header. An internal address that receives such requests is
 * remembered as a proxy, and TLS through it counts by SNI. One connection seen as both
 * a CONNECT and a TLS session counts once (the pair + connection id is remembered). A
 * proxied request's size is its connection's bytes (orig + resp) from the conn / flow
 * record of the same connection id, which the readers deliver first (conn.log sorts
 * before http.log and ssl.log). Other requests' sizes are unknown (their address pair
 * has them), and a pair without sizes is scored without the size measure.
 *
 * Internal destinations. A pair whose destination is internal and not reached through a
 * proxy is not scored: NTP, monitoring polls, domain controllers and backup agents are
 * regular by design, and C2 must leave the network at some point, where it is seen as
 * internal -> external or by the name requested from the proxy.
 *
 * Window. Like RITA, the pairs are judged on the last `window` of data: from the start of
 * the hour of the newest record, `window` back (or from the oldest record if later). A
 * beacon slower than a few calls an hour (Destover's implants called each of their
 * servers about every 17 hours) has too few connections in a day, so a pair seen before
 * the window is also judged on the last `long_window` of what it keeps, its histogram in
 * bins of four median intervals; the better of the two scores counts.
 *
 * State stays bounded: at most `max_pairs` pairs (when full, the least recently active
 * eighth is evicted), at most `max_samples` connections per pair (the newest kept), rings
 * growing past 16 connections only while all hold fewer than `max_connections`, and
 * two fixed-size caches keyed by connection id (`join_cache` slots each). Alerts are
 * emitted at finish, highest score first.
 *
 * A live watch (tocsin watch) never reaches the end of its data, so there the pairs are
 * judged as the hours close (on event time): when the stream passes an hour's end, every
 * pair not yet reported that had a connection since the last close is judged as finish
 * would judge it at that moment (its last `window`, its long window, its active periods
 * and its fast runs), and reported at once if it stands out. Until the watch has seen a
 * whole `window` of data its baseline is young: a pair is judged on the data there is,
 * and an alert then is 10 lower and says so. finish, when the watch stops, judges only
 * the pairs not reported. A hunt (not live) judges everything once, at finish.
 *
 * Batching. Every pair lives in a table far bigger than the caches, so finding a pair and
 * appending to its ring costs three dependent memory fetches (bucket, pair, ring). Alerts
 * come only at finish, so connections wait in a batch of 32 (with what creating their
 * pair needs, up to four sources of provenance) and are applied in their order when it
 * fills, a fifth source comes or at finish: the fetches of the whole batch are requested first, so that they
 * overlap.
 *
 * Tunables ([beacon] in data/detect.conf): min_connections, threshold, window,
 * long_window, max_pairs, max_samples, max_connections, join_cache, dur_min_hours,
 * dur_ideal_hours.
 */

#define NIL UINT32_MAX
#define WAYS 4
#define MAX_NAME 256
#define MAX_PROXIES 64
#define MAX_STRS 1024
#define HOUR_NS (3600LL * 1000000000LL)

/* One connection of a pair: time and size side by side, and where its record is (the
 * file interned, 0: unknown; its line), so that an alert can name the events behind it. */
typedef struct conn_rec {
    int64_t t;
    uint64_t line;
    uint32_t sz;
    uint16_t file;
} conn_rec;

typedef struct pair {
    uint64_t hash;
    uint32_t next; /* chain in the bucket, or the free list */
    bool live, by_name, web;
    bool alerted;        /* a live watch raised it already (finish leaves it out) */
    bool smtp, not_smtp; /* connections to an SMTP port, and to any other */
    ts_ip src;
    ts_ip dst; /* the remote address (for a name: the last outside address seen) */
    ts_geo dst_geo;
    ts_ip proxy; /* set when reached through a proxy */
    uint16_t proxy_port;
    uint16_t dataset, file; /* provenance of the first event, interned */
    char *name;             /* host name (lower case), or the address as text */
    uint64_t total;         /* connections ever seen */
    int64_t first_ns, last_ns;
    conn_rec *c; /* ring of the newest connections */
    uint32_t n, cap, head;
} pair;

/* An internal address that accepts SMTP from outside senders: the organisation's mail server,
   whose SMTP to other mail servers (partners' relays, on a queue's timer) is its job. */
#define MAX_RELAYS 64
typedef struct relay_addr {
    ts_ip ip;
    uint64_t senders; /* a 64-bit linear-counting sketch of the outside senders seen */
} relay_addr;

typedef struct proxy_addr {
    ts_ip ip;
    uint16_t port;
} proxy_addr;

typedef struct join_slot {
    uint64_t id;
    uint64_t bytes;
} join_slot;

/* One connection waiting in the batch for its pair (see "Batching" below). */
typedef struct queued {
    uint64_t hash;
    int64_t ts;
    uint64_t bytes;
    ts_ip src, dst; /* dst: the remote address, or the proxy's */
    ts_geo dst_geo;
    uint16_t dst_port;
    uint64_t line; /* of the record, in its source's file */
    bool request, proxied;
    uint16_t name_off; /* of the name in the batch's names, for a request */
    uint8_t source;    /* in the batch's sources */
} queued;

/* Where queued connections came from (conn.log and http.log records interleave). */
typedef struct source {
    char *dataset, *file; /* NULL: none */
    size_t dataset_n;
    uint16_t file_id; /* file interned (0: none, or the table is full) */
} source;

#define BATCH 32
#define SOURCES 4
typedef struct batch {
    queued q[BATCH];
    size_t n, names_n;
    char names[BATCH * MAX_NAME];
    source src[SOURCES];
    size_t n_src, next_src;
} batch;

typedef struct beacon_state {
    /* tunables */
    uint32_t min_conn, max_pairs, max_samples;
    double threshold, fast_threshold;
    int64_t window_ns, long_ns;
    bc_params params;
    /* pairs */
    pair *pairs;
    uint32_t n_pairs, free_head, live;
    size_t cap_pairs;
    uint64_t evicted;            /* pairs evicted to stay within max_pairs */
    uint64_t samples, max_conns; /* connections the rings hold room for, and the most */
    uint64_t overwritten;        /* connections a ring dropped because it could not grow */
    uint32_t *buckets;
    size_t bucket_mask;
    /* caches keyed by connection id */
    join_slot *join;
    uint64_t *seen;
    size_t cache_mask;
    proxy_addr proxies[MAX_PROXIES];
    size_t n_proxies;
    relay_addr relays[MAX_RELAYS];
    size_t n_relays;
    uint32_t relay_senders; /* distinct outside senders that make a mail server; 0: off */
    char *strs[MAX_STRS];   /* interned provenance; index 0 unused */
    size_t n_strs;
    int64_t min_ns, max_ns;
    /* A live watch (ctx->live): the end of the next hour to judge (0: none yet) */
    bool live_watch;
    int64_t judge_ns;
    batch *b;
} beacon_state;

static size_t pow2_at_least(size_t n)
{
    size_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

/* Tunables: the [beacon] section of data/detect.conf. */
typedef struct beacon_settings {
    double min_connections, threshold, window, long_window, max_pairs, max_samples, max_connections,
        join_cache, dur_min_hours, dur_ideal_hours, gap_factor, gap_min, burst_share_max, burst_ratio,
        fast_min_connections, fast_window, fast_min_interval, fast_max_interval, fast_threshold,
        mail_relay_senders;
} beacon_settings;

static const ts_tunable beacon_tunables[] = {
    TS_TUNE(beacon_settings, min_connections, TS_TUNE_COUNT, 20, 4, 1e6),
    TS_TUNE(beacon_settings, threshold, TS_TUNE_NUM, 0.8, 0.01, 1),
    TS_TUNE(beacon_settings, window, TS_TUNE_SECONDS, 86400, 0, 31 * 86400.0),
    TS_TUNE(beacon_settings, long_window, TS_TUNE_SECONDS, 30 * 86400, 0, 92 * 86400.0),
    TS_TUNE(beacon_settings, max_pairs, TS_TUNE_COUNT, 100000, 16, 1e7),
    TS_TUNE(beacon_settings, max_samples, TS_TUNE_COUNT, 4096, 4, 1e6),
    TS_TUNE(beacon_settings, max_connections, TS_TUNE_COUNT, 8e6, 1024, 1e10),
    TS_TUNE(beacon_settings, join_cache, TS_TUNE_COUNT, 65536, 16, 1e8),
    TS_TUNE(beacon_settings, dur_min_hours, TS_TUNE_NUM, 6, 0, 8760),
    TS_TUNE(beacon_settings, dur_ideal_hours, TS_TUNE_NUM, 12, 1, 8760),
    TS_TUNE(beacon_settings, gap_factor, TS_TUNE_NUM, 4, 2, 1000),
    TS_TUNE(beacon_settings, gap_min, TS_TUNE_SECONDS, 7200, 60, 30 * 86400.0),
    TS_TUNE(beacon_settings, burst_share_max, TS_TUNE_NUM, 0.75, 0, 0.99),
    TS_TUNE(beacon_settings, burst_ratio, TS_TUNE_NUM, 0.1, 0.001, 0.999),
    TS_TUNE(beacon_settings, fast_min_connections, TS_TUNE_COUNT, 30, 0, 100000),
    TS_TUNE(beacon_settings, fast_window, TS_TUNE_SECONDS, 3600, 60, 30 * 86400.0),
    TS_TUNE(beacon_settings, fast_min_interval, TS_TUNE_SECONDS, 1, 0, 86400),
    TS_TUNE(beacon_settings, fast_max_interval, TS_TUNE_SECONDS, 60, 0.001, 86400),
    TS_TUNE(beacon_settings, fast_threshold, TS_TUNE_NUM, 0.85, 0.01, 1),
    TS_TUNE(beacon_settings, mail_relay_senders, TS_TUNE_COUNT, 10, 0, 48),
    {0},
};

static tocsin_code beacon_init(void *state, const ts_detect_ctx *ctx)
{
    beacon_state *st = state;
    const ts_config *c = ctx ? ctx->config : NULL;
    beacon_settings tune;
    if (!ts_tune_read(c, "beacon", beacon_tunables, &tune))
        return TOCSIN_E_ARG;
    double min_conn = tune.min_connections;
    double thr = tune.threshold;
    double window = tune.window;
    double long_window = tune.long_window;
    double max_pairs = tune.max_pairs;
    double max_samples = tune.max_samples;
    double max_conns = tune.max_connections;
    double join = tune.join_cache;
    st->params.dur_min_hours = tune.dur_min_hours;
    st->params.dur_ideal_hours = tune.dur_ideal_hours;
    bc_params *bp = &st->params;
    bp->gap_factor = tune.gap_factor;
    bp->gap_min_s = tune.gap_min;
    bp->burst_share_max = tune.burst_share_max;
    bp->burst_ratio = tune.burst_ratio;
    bp->fast_min = tune.fast_min_connections;
    bp->fast_window_s = tune.fast_window;
    bp->fast_min_interval_s = tune.fast_min_interval;
    bp->fast_max_interval_s = tune.fast_max_interval;
    double fast_thr = tune.fast_threshold;
    if (!(bp->gap_factor >= 2 && bp->gap_factor <= 1000) || !(bp->gap_min_s >= 60) ||
        !(bp->burst_share_max >= 0 && bp->burst_share_max < 1) ||
        !(bp->burst_ratio > 0 && bp->burst_ratio < 1) ||
        !(bp->fast_min == 0 || (bp->fast_min >= 8 && bp->fast_min <= 1e5)) || !(bp->fast_window_s >= 60) ||
        !(bp->fast_min_interval_s >= 0) || !(bp->fast_max_interval_s > bp->fast_min_interval_s) ||
        !(fast_thr > 0 && fast_thr <= 1))
        return TOCSIN_E_ARG;
    st->fast_threshold = fast_thr;
    st->relay_senders = (uint32_t)tune.mail_relay_senders;
    if (!(min_conn >= 4 && min_conn <= 1e6) || !(thr > 0 && thr <= 1) ||
        !(window >= 0 && window <= 31 * 86400.0) || !(long_window >= 0 && long_window <= 92 * 86400.0) ||
        !(max_pairs >= 16 && max_pairs <= 1e7) || !(max_samples >= min_conn && max_samples <= 1e6) ||
        !(max_conns >= 1024 && max_conns <= 1e10) || !(join >= 16 && join <= 1e8) ||
        !(st->params.dur_min_hours >= 0) || !(st->params.dur_ideal_hours >= 1))
        return TOCSIN_E_ARG;
    st->min_conn = (uint32_t)min_conn;
    st->threshold = thr;
    st->window_ns = (int64_t)(window * 1e9);
    st->long_ns = (int64_t)(long_window * 1e9);
    st->live_watch = ctx && ctx->live;
    st->max_pairs = (uint32_t)max_pairs;
    st->max_samples = (uint32_t)max_samples;
    st->max_conns = (uint64_t)max_conns;
    size_t nb = pow2_at_least((size_t)max_pairs * 2);
    size_t nc = pow2_at_least((size_t)join);
    st->buckets = malloc(nb * sizeof *st->buckets);
    st->join = calloc(nc, sizeof *st->join);
    st->seen = calloc(nc, sizeof *st->seen);
    st->b = calloc(1, sizeof *st->b);
    if (!st->buckets || !st->join || !st->seen || !st->b)
        return TOCSIN_E_NOMEM;
    memset(st->buckets, 0xff, nb * sizeof *st->buckets);
    st->bucket_mask = nb - 1;
    st->cache_mask = nc - 1;
    st->free_head = NIL;
    st->n_strs = 1;
    return TOCSIN_OK;
}

static void pair_release(pair *p)
{
    free(p->name);
    free(p->c);
    memset(p, 0, sizeof *p);
}

static void beacon_fini(void *state)
{
    beacon_state *st = state; /* the pairs and buckets went with the saved table */
    free(st->join);
    free(st->seen);
    if (st->b) {
        for (size_t i = 0; i < st->b->n_src; i++) {
            free(st->b->src[i].dataset);
            free(st->b->src[i].file);
        }
        free(st->b);
    }
    for (size_t i = 1; i < st->n_strs; i++)
        free(st->strs[i]);
}

/* An index for s in the intern table (0 when absent or the table is full). */
static uint16_t intern(beacon_state *st, ts_str s)
{
    if (!s.n)
        return 0;
    for (size_t i = st->n_strs; i-- > 1;)
        if (strlen(st->strs[i]) == s.n && memcmp(st->strs[i], s.p, s.n) == 0)
            return (uint16_t)i;
    if (st->n_strs == MAX_STRS || !(st->strs[st->n_strs] = ts_strndup(s)))
        return 0;
    return (uint16_t)st->n_strs++;
}

/* ---- the pair table ---- */

static uint64_t pair_hash(const ts_ip *src, const ts_ip *dst, const char *name, size_t nlen)
{
    uint64_t h = bh_ip(BH_SEED, src);
    h = name ? bh_hash(h ^ 0x9e, name, nlen) : bh_ip(h, dst);
    return bh_mix(h);
}

static pair *pair_find(beacon_state *st, uint64_t h, const ts_ip *src, const ts_ip *dst, const char *name)
{
    for (uint32_t i = st->buckets[h & st->bucket_mask]; i != NIL; i = st->pairs[i].next) {
        pair *p = &st->pairs[i];
        if (p->hash != h || !ts_ip_eq(&p->src, src))
            continue;
        if (name ? p->by_name && strcmp(p->name, name) == 0 : !p->by_name && ts_ip_eq(&p->dst, dst))
            return p;
    }
    return NULL;
}

static void pair_unlink(beacon_state *st, uint32_t idx)
{
    uint32_t *link = &st->buckets[st->pairs[idx].hash & st->bucket_mask];
    while (*link != idx)
        link = &st->pairs[*link].next;
    *link = st->pairs[idx].next;
    st->samples -= st->pairs[idx].cap;
    pair_release(&st->pairs[idx]);
    st->pairs[idx].next = st->free_head;
    st->free_head = idx;
    st->live--;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Frees about an eighth of the table: the pairs whose last connection is oldest (the
 * cut-off is estimated from a sample of 256 pairs). Amortised over the insertions that
 * refill the eighth, this costs a few pair visits per insertion. */
static void evict(beacon_state *st)
{
    int64_t sample[256];
    size_t ns = 0, step = st->n_pairs / 256 ? st->n_pairs / 256 : 1;
    for (uint32_t i = 0; i < st->n_pairs && ns < 256; i += (uint32_t)step)
        if (st->pairs[i].live)
            sample[ns++] = st->pairs[i].last_ns;
    if (!ns)
        return;
    qsort(sample, ns, sizeof *sample, cmp_i64);
    int64_t cut = sample[ns / 8];
    for (uint32_t i = 0; i < st->n_pairs; i++)
        if (st->pairs[i].live && st->pairs[i].last_ns <= cut) {
            pair_unlink(st, i);
            st->evicted++;
        }
}

/* A slot for a new pair (growing the array up to max_pairs), or NIL. */
static uint32_t pair_slot(beacon_state *st)
{
    if (st->live >= st->max_pairs)
        evict(st);
    if (st->free_head != NIL) {
        uint32_t i = st->free_head;
        st->free_head = st->pairs[i].next;
        return i;
    }
    if (!ts_vec_grow(st->pairs, st->cap_pairs, (size_t)st->n_pairs + 1, st->max_pairs))
        return NIL;
    return st->n_pairs++;
}

/* A new pair of src and name (or, name NULL, destination dst) whose hash is h, linked in
 * its bucket; NULL when out of memory or room. */
static pair *pair_new(beacon_state *st, uint64_t h, const ts_ip *src, const ts_ip *dst, const char *name)
{
    uint32_t i = pair_slot(st);
    if (i == NIL)
        return NULL;
    pair *p = &st->pairs[i];
    memset(p, 0, sizeof *p);
    if (name && !(p->name = strdup(name))) {
        p->next = st->free_head;
        st->free_head = i;
        return NULL;
    }
    p->hash = h;
    p->live = true;
    p->by_name = name != NULL;
    p->src = *src;
    if (!name)
        p->dst = *dst; /* its identity (its name is formatted when it alerts) */
    p->next = st->buckets[h & st->bucket_mask];
    st->buckets[h & st->bucket_mask] = i;
    st->live++;
    return p;
}

/* The pair of q's source and name (or, name NULL, destination address), created if new
 * with q's provenance; NULL when out of memory or room. */
static pair *pair_get(beacon_state *st, const queued *q, const char *name)
{
    pair *p = pair_find(st, q->hash, &q->src, &q->dst, name);
    if (p || !(p = pair_new(st, q->hash, &q->src, &q->dst, name)))
        return p;
    const source *from = &st->b->src[q->source];
    p->dataset = intern(st, ts_str_make(from->dataset, from->dataset_n));
    p->file = from->file_id;
    return p;
}

/* Records one connection, whose record is at line of the interned file (0: unknown); the
 * ring keeps the newest max_samples. A ring grows past its first 16 only while all the
 * rings hold fewer than max_connections; one that cannot grow keeps its newest. */
static void pair_add(beacon_state *st, pair *p, int64_t ts, uint64_t bytes, uint16_t file, uint64_t line)
{
    if (p->n == p->cap && p->cap < st->max_samples) {
        uint32_t nc = p->cap ? p->cap * 2 : 16;
        if (nc > st->max_samples)
            nc = st->max_samples;
        conn_rec *nr =
            !p->cap || st->samples + (nc - p->cap) <= st->max_conns ? realloc(p->c, nc * sizeof *nr) : NULL;
        if (nr) {
            st->samples += nc - p->cap;
            p->c = nr;
            p->cap = nc;
        }
    }
    uint32_t b = bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
    conn_rec c = {ts, file ? line : 0, b, line ? file : 0};
    if (p->n < p->cap)
        p->c[p->n++] = c;
    else if (p->cap) {
        st->overwritten += p->cap < st->max_samples;
        p->c[p->head] = c;
        p->head = (p->head + 1) % p->cap;
    }
    if (!p->total || ts < p->first_ns)
        p->first_ns = ts;
    p->total++;
    if (ts > p->last_ns)
        p->last_ns = ts;
}

/* ---- the batch ---- */

/* Applies one queued connection to its pair. */
static void apply(beacon_state *st, const queued *q)
{
    const char *name = q->request ? st->b->names + q->name_off : NULL;
    pair *p = pair_get(st, q, name);
    if (!p)
        return;
    if (!q->request) {
        p->dst = q->dst;
        p->dst_geo = q->dst_geo;
        p->web = p->web || q->dst_port == 80 || q->dst_port == 443;
        bool smtp = q->dst_port == 25 || q->dst_port == 465 || q->dst_port == 587;
        p->smtp = p->smtp || smtp;
        p->not_smtp = p->not_smtp || !smtp;
    } else {
        p->web = true;
        if (q->proxied) {
            p->proxy = q->dst;
            p->proxy_port = q->dst_port;
        } else {
            p->dst = q->dst;
            p->dst_geo = q->dst_geo;
        }
    }
    pair_add(st, p, q->ts, q->bytes, st->b->src[q->source].file_id, q->line);
}

/* Applies the queued connections in their order. First every bucket, then every pair,
 * then the ring slot each will write are asked for, so that the misses overlap; the
 * lookups of the prefetch passes are repeated for real in the last (a pair created or
 * evicted on the way changes nothing but the hints). */
static void flush(beacon_state *st)
{
    batch *b = st->b;
    for (size_t i = 0; i < b->n; i++)
        __builtin_prefetch(&st->buckets[b->q[i].hash & st->bucket_mask]);
    for (size_t i = 0; i < b->n; i++) {
        uint32_t k = st->buckets[b->q[i].hash & st->bucket_mask];
        if (k != NIL) {
            const char *p = (const char *)&st->pairs[k];
            __builtin_prefetch(p);
            __builtin_prefetch(p + 64);
            __builtin_prefetch(p + sizeof(pair) - 1);
        }
    }
    for (size_t i = 0; i < b->n; i++) {
        const queued *q = &b->q[i];
        const pair *p = pair_find(st, q->hash, &q->src, &q->dst, q->request ? b->names + q->name_off : NULL);
        if (p && p->c)
            __builtin_prefetch(&p->c[p->n < p->cap ? p->n : p->head], 1);
    }
    for (size_t i = 0; i < b->n; i++)
        apply(st, &b->q[i]);
    b->n = b->names_n = 0;
}

/* Whether ev came from src. */
static bool same_source(const source *src, const ts_event *ev)
{
    if (ev->dataset.n != src->dataset_n ||
        (ev->dataset.n && memcmp(ev->dataset.p, src->dataset, ev->dataset.n) != 0))
        return false;
    return ev->file ? src->file && strcmp(ev->file, src->file) == 0 : !src->file;
}

/* Makes src ev's provenance; false when out of memory (src unchanged). */
static bool set_source(source *src, const ts_event *ev)
{
    char *ds = ev->dataset.n ? ts_strndup(ev->dataset) : NULL, *f = ev->file ? strdup(ev->file) : NULL;
    if ((ev->dataset.n && !ds) || (ev->file && !f)) {
        free(ds);
        free(f);
        return false;
    }
    free(src->dataset);
    free(src->file);
    *src = (source){ds, f, ev->dataset.n};
    return true;
}

/* The batch's source for ev's provenance, added if new (when all are taken, the batch is
 * applied first and one is replaced); -1 when out of memory. */
static int source_of(beacon_state *st, const ts_event *ev)
{
    batch *b = st->b;
    for (size_t i = 0; i < b->n_src; i++)
        if (same_source(&b->src[i], ev))
            return (int)i;
    size_t k;
    if (b->n_src < SOURCES) {
        k = b->n_src;
        b->src[b->n_src++] = (source){NULL, NULL, 0};
    } else {
        if (b->n)
            flush(st);
        k = b->next_src;
        b->next_src = (k + 1) % SOURCES;
    }
    if (!set_source(&b->src[k], ev))
        return -1;
    b->src[k].file_id = intern(st, ts_str_c(b->src[k].file));
    return (int)k;
}

/* Queues one connection of ev (a request when name is set) for the pair whose hash is h. */
static void enqueue(beacon_state *st, const ts_event *ev, uint64_t h, uint64_t bytes, const char *name,
                    size_t nlen, bool proxied)
{
    batch *b = st->b;
    if (b->n == BATCH)
        flush(st);
    int from = source_of(st, ev);
    if (from < 0)
        return;
    queued *q = &b->q[b->n++];
    __builtin_prefetch(&st->buckets[h & st->bucket_mask]);
    *q = (queued){.hash = h,
                  .ts = ev->ts_ns,
                  .bytes = bytes,
                  .src = ev->src_ip,
                  .dst = ev->dst_ip,
                  .dst_geo = ev->dst_geo,
                  .dst_port = ev->dst_port,
                  .line = ev->line,
                  .request = name != NULL,
                  .proxied = proxied,
                  .source = (uint8_t)from};
    if (name) {
        q->name_off = (uint16_t)b->names_n;
        memcpy(b->names + b->names_n, name, nlen + 1);
        b->names_n += nlen + 1;
    }
}

/* ---- events ---- */

static uint64_t id_hash(ts_str id)
{
    return id.n ? bh_mix(bh_hash(BH_SEED, id.p, id.n)) | 1 : 0;
}

/* The caches are WAYS-way set associative: a set of WAYS slots per index, a free slot
 * taken first, else one picked by the hash's top bits, so that two busy ids rarely
 * push each other out. */
static join_slot *join_set(const beacon_state *st, uint64_t id)
{
    return &st->join[id & st->cache_mask & ~(uint64_t)(WAYS - 1)];
}

static const join_slot *join_find(const beacon_state *st, uint64_t id)
{
    const join_slot *set = join_set(st, id);
    for (size_t i = 0; i < WAYS; i++)
        if (set[i].id == id)
            return &set[i];
    return NULL;
}

static void join_put(beacon_state *st, uint64_t id, uint64_t bytes)
{
    join_slot *set = join_set(st, id), *s = &set[(id >> 61) % WAYS];
    for (size_t i = 0; i < WAYS; i++)
        if (set[i].id == id || !set[i].id) {
            s = &set[i];
            break;
        }
    s->id = id;
    s->bytes = bytes;
}

static bool is_proxy(const beacon_state *st, const ts_ip *ip, uint16_t port)
{
    for (size_t i = 0; i < st->n_proxies; i++)
        if (st->proxies[i].port == port && ts_ip_eq(&st->proxies[i].ip, ip))
            return true;
    return false;
}

static void add_proxy(beacon_state *st, const ts_ip *ip, uint16_t port)
{
    if (st->n_proxies < MAX_PROXIES && !is_proxy(st, ip, port))
        st->proxies[st->n_proxies++] = (proxy_addr){*ip, port};
}

/* The host part of "host:port", "[v6]:port", "http://host:port/path" or "host". */
static ts_str host_part(ts_str s)
{
    size_t i = 0;
    if (ts_str_istarts(s, "http://"))
        i = 7;
    else if (ts_str_istarts(s, "https://"))
        i = 8;
    if (!s.n)
        return s; /* an empty view may have no pointer to offset */
    s = ts_str_make(s.p + i, s.n - i);
    if (s.n && s.p[0] == '[') {
        const char *e = memchr(s.p, ']', s.n);
        return e ? ts_str_make(s.p + 1, (size_t)(e - s.p - 1)) : ts_str_make(NULL, 0);
    }
    size_t n = 0;
    while (n < s.n && s.p[n] != ':' && s.p[n] != '/' && s.p[n] != '?' && s.p[n] != '@')
        n++;
    return ts_str_make(s.p, n);
}

/* The requested host of a web or TLS event in lower case into buf; 0 when there is none.
 * *via_proxy says the request was made to a proxy (CONNECT or an absolute URI). */
static size_t requested_host(const ts_event *ev, char *buf, bool *via_proxy)
{
    ts_str h = TS_STR_NULL;
    *via_proxy = false;
    if (ev->category & TS_CAT_WEB) {
        bool connect = ts_str_ieq(ev->action, "CONNECT");
        bool absolute = ts_str_istarts(ev->url, "http://") || ts_str_istarts(ev->url, "https://");
        ts_str u = ts_event_field(ev, "uri");
        if (u.n)
            absolute = ts_str_istarts(u, "http://") || ts_str_istarts(u, "https://");
        *via_proxy = connect || absolute;
        if (connect)
            h = host_part(u.n ? u : ev->url);
        if (!h.n)
            h = host_part(ev->domain);
        if (!h.n && absolute)
            h = host_part(u.n ? u : ev->url);
    } else {
        h = ev->domain;
    }
    while (h.n && h.p[h.n - 1] == '.')
        h.n--;
    /* a NUL byte (a damaged URL) is no host name: the pair's name is a C string, and one
       cut to "" was saved and then refused on loading (fuzz_detectors) */
    if (!h.n || h.n >= MAX_NAME || memchr(h.p, '\0', h.n))
        return 0;
    size_t n = ts_lower(h, buf, MAX_NAME - 1);
    if (n)
        buf[n] = '\0';
    return n;
}

static void on_flow(beacon_state *st, const ts_event *ev, bool dst_internal)
{
    uint64_t bytes = ev->bytes_out + ev->bytes_in, id = 0;
    bool scored = !dst_internal && ev->dst_ip.v;
    /* Only a connection to an internal address (a proxy) needs its size joined to the
       requests it carried: the name is then the pair's only identity. A direct
       connection is scored by its address with its own sizes, and keeping every one
       would cost a cache miss per record for little. */
    if (dst_internal) {
        id = id_hash(bh_conn_id(ev));
        if (id)
            join_put(st, id, bytes);
    }
    if (scored)
        enqueue(st, ev, pair_hash(&ev->src_ip, &ev->dst_ip, NULL, 0), bytes, NULL, 0, false);
}

static void on_request(beacon_state *st, const ts_event *ev, bool dst_internal)
{
    char name[MAX_NAME];
    bool via_proxy;
    size_t nlen = requested_host(ev, name, &via_proxy);
    if (!nlen)
        return;
    bool proxied = false;
    if (dst_internal) {
        if ((ev->category & TS_CAT_WEB) && via_proxy)
            add_proxy(st, &ev->dst_ip, ev->dst_port);
        else if (!is_proxy(st, &ev->dst_ip, ev->dst_port))
            return;
        proxied = true;
    }
    ts_str cid = bh_conn_id(ev);
    uint64_t id = id_hash(cid), bytes = ev->bytes_out + ev->bytes_in;
    if (id) {
        uint64_t k = bh_mix(bh_hash(id, name, nlen)) | 1;
        uint64_t *set = &st->seen[k & st->cache_mask & ~(uint64_t)(WAYS - 1)];
        size_t way = WAYS;
        for (size_t i = 0; i < WAYS; i++) {
            if (set[i] == k)
                return; /* this connection already counted for this name */
            if (!set[i] && way == WAYS)
                way = i;
        }
        set[way < WAYS ? way : (k >> 61) % WAYS] = k;
        const join_slot *s = join_find(st, id);
        if (s)
            bytes = s->bytes;
    }
    enqueue(st, ev, pair_hash(&ev->src_ip, &ev->dst_ip, name, nlen), bytes, name, nlen, proxied);
}

/* Inbound SMTP from an outside sender to dst: one more sender for that mail server. */
static void note_inbound_smtp(beacon_state *st, const ts_ip *dst, const ts_ip *sender)
{
    size_t i = 0;
    while (i < st->n_relays && !ts_ip_eq(&st->relays[i].ip, dst))
        i++;
    if (i == st->n_relays) {
        if (st->n_relays == MAX_RELAYS)
            return;
        st->relays[st->n_relays++] = (relay_addr){*dst, 0};
    }
    uint64_t h = bh_mix(bh_ip(0x534d5450, sender));
    st->relays[i].senders |= 1ull << (h % 64);
}

/* Whether ip accepted SMTP from at least relay_senders distinct outside senders. */
static bool is_relay(const beacon_state *st, const ts_ip *ip)
{
    if (!st->relay_senders)
        return false;
    for (size_t i = 0; i < st->n_relays; i++)
        if (ts_ip_eq(&st->relays[i].ip, ip))
            return (uint32_t)__builtin_popcountll(st->relays[i].senders) >= st->relay_senders;
    return false;
}

static void close_hours(beacon_state *st, int64_t ts_ns, const ts_alert_sink *out);

static void beacon_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    beacon_state *st = state;
    if (!(ev->category & TS_CAT_NETWORK) || ev->ts_ns <= 0 || !ev->src_ip.v)
        return;
    bool flow = bh_is_flow(ev), req = (ev->category & (TS_CAT_WEB | TS_CAT_TLS)) != 0;
    if (!flow && !req)
        return;
    if (!bh_internal(&ev->src_ip, &ev->src_geo)) {
        if (flow && ev->dst_port == 25 && ev->dst_ip.v && bh_internal(&ev->dst_ip, &ev->dst_geo))
            note_inbound_smtp(st, &ev->dst_ip, &ev->src_ip);
        if (flow)
            on_flow(st, ev, true); /* only remembers the bytes of the connection */
        return;
    }
    if (!st->min_ns || ev->ts_ns < st->min_ns)
        st->min_ns = ev->ts_ns;
    if (ev->ts_ns > st->max_ns)
        st->max_ns = ev->ts_ns;
    if (st->live_watch)
        close_hours(st, ev->ts_ns, out);
    bool dst_internal = bh_internal(&ev->dst_ip, &ev->dst_geo);
    if (flow)
        on_flow(st, ev, dst_internal);
    else
        on_request(st, ev, dst_internal);
}

/* ---- scoring and alerts ---- */

typedef struct sample {
    double t, sz;
} sample;

typedef struct found {
    uint32_t pair;
    uint32_t n;
    enum { BY_WINDOW, BY_LONG, BY_ACTIVE, BY_FAST } how; /* which judgement scored it */
    bc_scores sc;
    int64_t first_ns, last_ns;
} found;

static int cmp_sample(const void *a, const void *b)
{
    double x = ((const sample *)a)->t, y = ((const sample *)b)->t;
    return (x > y) - (x < y);
}

static int cmp_found(const void *a, const void *b)
{
    double x = ((const found *)a)->sc.score, y = ((const found *)b)->sc.score;
    return (x < y) - (x > y);
}

/* Scratch for scoring one pair: max_samples entries of each. */
typedef struct work {
    sample *s;
    double *t, *sz, *scratch;
} work;

/* Scores p on its connections inside [start_ns, end_ns] with histogram bins of bin_s
 * seconds (0: adaptive); false if it has too few. */
/* Loads p's connections inside [start_ns, end_ns] into w->t (seconds from start_ns,
 * ascending) and w->sz; returns how many. */
static uint32_t load_pair(const pair *p, int64_t start_ns, int64_t end_ns, work *w)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->n; i++)
        if (p->c[i].t >= start_ns && p->c[i].t <= end_ns)
            w->s[n++] = (sample){(double)(p->c[i].t - start_ns) / 1e9, p->c[i].sz};
    qsort(w->s, n, sizeof *w->s, cmp_sample);
    for (uint32_t i = 0; i < n; i++) {
        w->t[i] = w->s[i].t;
        w->sz[i] = w->s[i].sz;
    }
    return n;
}

static bool score_pair(const beacon_state *st, const pair *p, int64_t start_ns, int64_t end_ns, double bin_s,
                       work *w, found *f)
{
    uint32_t n = load_pair(p, start_ns, end_ns, w);
    if (n < st->min_conn)
        return false;
    if (!bc_score(w->t, n, w->sz, 0, (double)(end_ns - start_ns) / 1e9, bin_s, &st->params, w->scratch,
                  &f->sc))
        return false;
    f->n = n;
    f->first_ns = start_ns + (int64_t)(w->t[0] * 1e9);
    f->last_ns = start_ns + (int64_t)(w->t[n - 1] * 1e9);
    return true;
}

/* Judges p over everything it kept since start_ns on its active periods (bc_active) and
 * on its fastest steady run (bc_fast_run); keeps in *best whichever scores higher than
 * it, relative to its own threshold. */
static void score_active(const beacon_state *st, const pair *p, int64_t start_ns, work *w, found *best,
                         bool *got)
{
    uint32_t n = load_pair(p, start_ns, INT64_MAX, w);
    found f = {.pair = best->pair, .how = BY_ACTIVE};
    if (n >= st->min_conn && bc_active(w->t, n, w->sz, &st->params, w->scratch, &f.sc) &&
        (!*got || f.sc.score > best->sc.score)) {
        f.n = n;
        f.first_ns = start_ns + (int64_t)(w->t[0] * 1e9);
        f.last_ns = start_ns + (int64_t)(w->t[n - 1] * 1e9);
        *best = f;
        *got = true;
    }
    size_t first, count;
    found r = {.pair = best->pair, .how = BY_FAST};
    if (st->params.fast_min && n >= st->params.fast_min &&
        bc_fast_run(w->t, n, w->sz, &st->params, w->scratch, &r.sc, &first, &count) &&
        r.sc.score >= st->fast_threshold && (!*got || best->sc.score < st->threshold)) {
        /* a fast run stands in only for a pair not otherwise a beacon; its score is put on
           the main threshold's scale so that the ranking stays one */
        r.n = (uint32_t)count;
        r.first_ns = start_ns + (int64_t)(w->t[first] * 1e9);
        r.last_ns = start_ns + (int64_t)(w->t[first + count - 1] * 1e9);
        r.sc.score = st->threshold + (r.sc.score - st->fast_threshold) / (1 - st->fast_threshold + 1e-9) *
                                         (1 - st->threshold);
        *best = r;
        *got = true;
    }
}

static void fmt_interval(double s, char *buf, size_t cap)
{
    if (s >= 3600)
        snprintf(buf, cap, "%.1f h", s / 3600);
    else if (s >= 60)
        snprintf(buf, cap, "%.1f min", s / 60);
    else
        snprintf(buf, cap, "%.1f s", s);
}

/* Whether connection x comes before y: by time, then place in the input. */
static bool conn_before(const conn_rec *x, const conn_rec *y)
{
    if (x->t != y->t)
        return x->t < y->t;
    return x->file != y->file ? x->file < y->file : x->line < y->line;
}

/* The events behind a's judgement of p: its earliest connections in [first_ns, last_ns]
 * whose records are known become a's hits, the first of them its provenance when it is
 * the span's first connection. An alert that names the records it stands on lets an
 * analyst open them and an evaluation tie it to what wrote them. */
static void add_places(const beacon_state *st, const pair *p, ts_alert *a)
{
    const conn_rec *best[TS_ALERT_HITS], *first = NULL;
    size_t n = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        const conn_rec *c = &p->c[i];
        if (c->t < a->first_ns || c->t > a->last_ns)
            continue;
        if (!first || conn_before(c, first))
            first = c;
        if (!c->file || (n == TS_ALERT_HITS && !conn_before(c, best[n - 1])))
            continue;
        size_t k = n < TS_ALERT_HITS ? n++ : n - 1;
        while (k > 0 && conn_before(c, best[k - 1])) {
            best[k] = best[k - 1];
            k--;
        }
        best[k] = c;
    }
    if (first && first->file) {
        a->line = first->line;
        free(a->file);
        a->file = strdup(st->strs[first->file]);
    }
    if (!n || !(a->hits = calloc(n, sizeof *a->hits)))
        return;
    for (size_t i = 0; i < n; i++) {
        ts_alert_hit *h = &a->hits[a->n_hits];
        h->ts_ns = best[i]->t;
        h->line = best[i]->line;
        if ((h->file = strdup(st->strs[best[i]->file])))
            a->n_hits++;
    }
}

/* young_h: hours of data a live watch had seen when it judged a pair on less than a whole
 * window (0: a whole window or more). */
static void emit_one(const beacon_state *st, const found *f, double young_h, const ts_alert_sink *out)
{
    const pair *p = &st->pairs[f->pair];
    ts_alert *a = calloc(1, sizeof *a);
    if (!a)
        return;
    a->detector = "beacon";
    a->kind = TS_EV_BEHAVIOUR;
    double over = (f->sc.score - st->threshold) / (1 - st->threshold + 1e-9);
    a->severity = (uint8_t)lround(40 + 40 * fmin(1, fmax(0, over)) - (young_h > 0 ? 10 : 0));
    a->first_ns = f->first_ns;
    a->last_ns = f->last_ns;
    a->count = f->n;
    a->internal_ip = p->src;
    a->remote_ip = p->dst;
    a->remote_geo = p->dst_geo;
    a->direction = TS_DIR_OUTBOUND;
    a->side = TS_SIDE_DST;
    a->remote_name = p->by_name ? strdup(p->name) : NULL;
    char dstbuf[TS_IP_STRLEN];
    const char *name = p->by_name ? p->name : ts_ip_format(&p->dst, dstbuf);
    a->dataset = p->dataset ? strdup(st->strs[p->dataset]) : NULL;
    a->file = p->file ? strdup(st->strs[p->file]) : NULL;
    a->techniques = strdup(p->web ? "T1071,T1071.001" : "T1071");
    char src[TS_IP_STRLEN], prx[TS_IP_STRLEN + 16] = "", every[32];
    ts_ip_format(&p->src, src);
    if (p->proxy.v) {
        char pip[TS_IP_STRLEN];
        snprintf(prx, sizeof prx, " via proxy %s:%u", ts_ip_format(&p->proxy, pip), (unsigned)p->proxy_port);
    }
    fmt_interval(f->sc.interval, every, sizeof every);
    a->key = ts_fmt_alloc("beacon|%s|%s", src, name);
    char span[48] = "";
    if (f->how == BY_LONG)
        snprintf(span, sizeof span, " over %.1f days", (double)(f->last_ns - f->first_ns) / 86400e9);
    else if (f->how == BY_ACTIVE)
        snprintf(span, sizeof span, " in %zu active hours over %.1f days", f->sc.hours,
                 (double)(f->last_ns - f->first_ns) / 86400e9);
    else if (f->how == BY_FAST)
        snprintf(span, sizeof span, " in a fast run of %.0f min", (double)(f->last_ns - f->first_ns) / 60e9);
    char young[64] = "";
    if (young_h > 0)
        snprintf(young, sizeof young, " (baseline young: %.0f h of data)", young_h);
    a->title = ts_fmt_alloc("%s beacons to %s%s: score %.3f, %u connections%s, about every %s%s", src, name,
                            prx, f->sc.score, (unsigned)f->n, span, every, young);
    if (!a->key || !a->title || !a->techniques || (p->by_name && !a->remote_name)) {
        ts_alert_free(a);
        return;
    }
    add_places(st, p, a);
    out->emit(out->ud, a);
}

/* Judges pair i as of end_ns: on [start_ns, end_ns] in hourly bins, with every_day also on
 * each earlier `window` back to long_start_ns, on [long_start_ns, end_ns] when it began
 * before start_ns, and, when none of these flags it, on its active periods and fast runs
 * (score_active). True, with *out, when it stands over the threshold. */
static bool judge_pair(const beacon_state *st, uint32_t i, int64_t start, int64_t long_start, int64_t end_ns,
                       bool every_day, work *w, found *out)
{
    const pair *p = &st->pairs[i];
    found f = {.pair = i}, lf = {.pair = i, .how = BY_LONG};
    if (!p->live || p->alerted || (p->n < st->min_conn && p->n < st->params.fast_min))
        return false;
    if (p->smtp && !p->not_smtp && !p->by_name && is_relay(st, &p->src))
        return false; /* the mail server delivering to another mail server */
    bool got = score_pair(st, p, start, end_ns, 3600, w, &f);
    /* every earlier day of the hunt too: an implant quiet on the last day still counts */
    for (int64_t end = start; every_day && st->window_ns && end > p->first_ns && end > long_start;
         end -= st->window_ns) {
        found df = {.pair = i};
        if (score_pair(st, p, end - st->window_ns, end, 3600, w, &df) && (!got || df.sc.score > f.sc.score)) {
            f = df;
            got = true;
        }
    }
    /* a pair with connections before the day also gets judged on the long window */
    if (st->long_ns && long_start < start && p->first_ns < start &&
        score_pair(st, p, long_start, end_ns, 0, w, &lf) && (!got || lf.sc.score > f.sc.score)) {
        f = lf;
        got = true;
    }
    /* the judgements below stand in only for a pair the windows do not flag, so that a
       beacon keeps the score and count RITA would give it */
    if (!got || f.sc.score < st->threshold)
        score_active(st, p, long_start, w, &f, &got);
    if (!got || f.sc.score < st->threshold)
        return false;
    *out = f;
    return true;
}

/* Judges, as of end_ns, the pairs judge_pair flags among those last active at or after
 * since_ns (all: INT64_MIN), and emits them highest score first; a live watch marks them
 * reported. every_day: the end of the data (finish), as a hunt judges; else an hour a live
 * watch closed. */
static void judge_all(beacon_state *st, int64_t end_ns, int64_t since_ns, bool every_day,
                      const ts_alert_sink *out)
{
    int64_t start = st->min_ns, long_start = st->min_ns;
    if (st->window_ns) {
        int64_t hour = end_ns - end_ns % HOUR_NS;
        if (hour - st->window_ns > start)
            start = hour - st->window_ns;
    }
    if (end_ns - st->long_ns > long_start)
        long_start = end_ns - st->long_ns;
    /* a live watch that has not yet seen a whole window judges on what it has, and says so */
    double young_h = !every_day && end_ns - st->min_ns < st->window_ns
                         ? fmax(1, (double)(end_ns - st->min_ns) / (double)HOUR_NS)
                         : 0;
    size_t m = st->max_samples;
    work w = {malloc(m * sizeof *w.s), malloc(m * sizeof *w.t), malloc(m * sizeof *w.sz),
              malloc(4 * m * sizeof *w.scratch)};
    found *fs = NULL;
    size_t nf = 0, capf = 0;
    for (uint32_t i = 0; w.s && w.t && w.sz && w.scratch && i < st->n_pairs; i++) {
        found f;
        if (st->pairs[i].last_ns < since_ns ||
            !judge_pair(st, i, start, long_start, end_ns, every_day, &w, &f))
            continue;
        if (!ts_vec_grow(fs, capf, nf + 1, TS_VEC_NOCAP))
            break;
        fs[nf++] = f;
    }
    if (nf)
        qsort(fs, nf, sizeof *fs, cmp_found);
    for (size_t i = 0; i < nf; i++) {
        emit_one(st, &fs[i], young_h, out);
        st->pairs[fs[i].pair].alerted = st->live_watch;
    }
    free(fs);
    free(w.s);
    free(w.t);
    free(w.sz);
    free(w.scratch);
}

/* A live watch: the stream passed the end of an hour (or several): every pair active since
 * the last close is judged as of this one. */
static void close_hours(beacon_state *st, int64_t ts_ns, const ts_alert_sink *out)
{
    int64_t end = ts_ns - ts_ns % HOUR_NS;
    if (!st->judge_ns) { /* the first hour of the watch */
        st->judge_ns = end + HOUR_NS;
        return;
    }
    if (ts_ns < st->judge_ns)
        return;
    flush(st);
    judge_all(st, end, st->judge_ns - HOUR_NS, false, out);
    st->judge_ns = end + HOUR_NS;
}

/* Scores every pair with enough connections in the window and emits those over the
 * threshold, highest score first (in a live watch, those not reported yet). */
static void beacon_finish(void *state, const ts_alert_sink *out)
{
    beacon_state *st = state;
    flush(st);
    if (!st->live || st->max_ns <= st->min_ns)
        return;
    judge_all(st, st->max_ns, INT64_MIN, true, out);
}

/* ---- saved state ---- */

/* What a restarted watch or a later hunt continues from: the span of the data, the hour a
 * live watch judges next, every pair with its newest connections, and the proxies and mail
 * servers learnt. Not kept: the caches keyed by connection id (a connection does not span
 * a restart) and the interned provenance (each pair's is written as text). A load keeps
 * the caps of this run's configuration: pairs past max_pairs evict the oldest as new ones
 * would, a ring keeps its newest max_samples and grows only within max_connections. */
#define MAGIC 0x314e4342u  /* "BCN1" */
#define MAX_SAVED_STR 4096 /* longer provenance is written empty rather than refused on load */

/* The state whose field f is (the codecs are given a field's address). */
#define STATE_OF(f, field) ((beacon_state *)((char *)(f)-offsetof(beacon_state, field)))

static void put_ip(ts_blob_w *b, const ts_ip *ip)
{
    ts_blob_put(b, &ip->v, 1);
    ts_blob_put(b, ip->b, sizeof ip->b);
}

static void get_ip(ts_blob_r *r, ts_ip *ip)
{
    ts_blob_get(r, &ip->v, 1);
    ts_blob_get(r, ip->b, sizeof ip->b);
    if (ip->v != 0 && ip->v != 4 && ip->v != 6)
        ts_blob_fail(r, "not an address");
}

static void put_str(ts_blob_w *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n >= MAX_SAVED_STR)
        n = 0;
    ts_blob_put_u64(b, n);
    if (n)
        ts_blob_put(b, s, n);
}

/* A string of fewer than cap bytes, without NULs, into buf; false (r failed) otherwise. */
static bool get_str(ts_blob_r *r, char *buf, size_t cap)
{
    uint64_t n = ts_blob_get_u64(r);
    if (n >= cap) {
        ts_blob_fail(r, "a string too long");
        return false;
    }
    ts_blob_get(r, buf, (size_t)n);
    buf[n] = '\0';
    if (!r->fail && strlen(buf) != n)
        ts_blob_fail(r, "a NUL inside a string");
    return !r->fail;
}

enum { SF_BY_NAME = 1, SF_WEB = 2, SF_ALERTED = 4, SF_SMTP = 8, SF_NOT_SMTP = 16 };
#define CONN_BYTES 12 /* t and sz of a saved connection */

/* What a later run can still judge is saved, nothing more. A connection older than
 * long_window before the newest data lies outside every window a judgment reads. A pair
 * is judged once it has min_connections in a window, so one is saved when the k >= 2
 * connections it keeps, at the pace they came, would make min_connections within
 * long_window (k over their span), or when a live watch reported it. Dropped: a pair with a single connection
 * (most pairs: one visit to a site; a beacon whose first call it was is judged one call
 * later after a restart) and a few connections days apart (visits, not a timer's ticks).
 * Each pair saves at most its ring, max_samples connections of CONN_BYTES each. */
static int64_t saved_from(const beacon_state *st)
{
    return st->max_ns - st->long_ns;
}

/* How many of p's connections are saved (the newest: a ring is in time order). */
static uint32_t saved_conns(const beacon_state *st, const pair *p)
{
    int64_t from = saved_from(st);
    uint32_t k = 0;
    while (k < p->n && p->c[(p->head + p->n - 1 - k) % p->n].t >= from)
        k++;
    return k;
}

static bool pair_saved(const beacon_state *st, const pair *p)
{
    uint32_t k = saved_conns(st, p);
    if (k == 0 || (k == 1 && !p->alerted))
        return false;
    if (p->alerted) /* a live watch reported it: a restart must know */
        return true;
    int64_t last = p->c[(p->head + p->n - 1) % p->n].t, first = p->c[(p->head + p->n - k) % p->n].t;
    return (double)k * (double)st->long_ns >= (double)st->min_conn * (double)(last - first);
}

static void put_pair(ts_blob_w *b, const beacon_state *st, const pair *p)
{
    put_ip(b, &p->src);
    put_ip(b, &p->dst);
    put_ip(b, &p->proxy);
    ts_blob_put(b, p->dst_geo.cc, sizeof p->dst_geo.cc);
    ts_blob_put_u64(b, p->dst_geo.asn);
    ts_blob_put_u64(b, p->dst_geo.flags);
    ts_blob_put_u64(b, p->proxy_port);
    ts_blob_put_u64(b, (p->by_name ? SF_BY_NAME : 0) | (p->web ? SF_WEB : 0) | (p->alerted ? SF_ALERTED : 0) |
                           (p->smtp ? SF_SMTP : 0) | (p->not_smtp ? SF_NOT_SMTP : 0));
    ts_blob_put_u64(b, p->total);
    ts_blob_put_u64(b, (uint64_t)p->first_ns);
    ts_blob_put_u64(b, (uint64_t)p->last_ns);
    put_str(b, p->by_name ? p->name : NULL);
    put_str(b, p->dataset ? st->strs[p->dataset] : NULL);
    put_str(b, p->file ? st->strs[p->file] : NULL);
    /* oldest first: a full ring's oldest is at head, a filling one's at 0 (head 0) */
    uint32_t keep = saved_conns(st, p);
    ts_blob_put_u64(b, keep);
    for (uint32_t k = p->n - keep; k < p->n; k++) {
        const conn_rec *c = &p->c[(p->head + k) % p->n];
        ts_blob_put(b, &c->t, 8);
        ts_blob_put(b, &c->sz, 4);
    }
}

static void pairs_put(ts_blob_w *b, const void *field)
{
    /* Connections still waiting in the batch reach their pairs first: applying them early
       changes nothing but when, so the saved state is the one a finish would judge. */
    beacon_state *st = STATE_OF(field, pairs);
    flush(st);
    uint64_t n = 0;
    for (uint32_t i = 0; i < st->n_pairs; i++)
        n += st->pairs[i].live && pair_saved(st, &st->pairs[i]);
    ts_blob_put_u64(b, n);
    for (uint32_t i = 0; i < st->n_pairs; i++)
        if (st->pairs[i].live && pair_saved(st, &st->pairs[i]))
            put_pair(b, st, &st->pairs[i]);
}

/* Reads one pair and adds it; false (r failed) when it is damaged. */
static bool get_pair(ts_blob_r *r, beacon_state *st)
{
    ts_ip src, dst, proxy;
    ts_geo geo = {0};
    get_ip(r, &src);
    get_ip(r, &dst);
    get_ip(r, &proxy);
    ts_blob_get(r, geo.cc, sizeof geo.cc);
    uint64_t asn = ts_blob_get_u64(r), gflags = ts_blob_get_u64(r), port = ts_blob_get_u64(r),
             flags = ts_blob_get_u64(r), total = ts_blob_get_u64(r);
    int64_t first = (int64_t)ts_blob_get_u64(r), last = (int64_t)ts_blob_get_u64(r);
    char name[MAX_NAME], dataset[MAX_SAVED_STR], file[MAX_SAVED_STR];
    if (!get_str(r, name, sizeof name) || !get_str(r, dataset, sizeof dataset) ||
        !get_str(r, file, sizeof file))
        return false;
    uint64_t n = ts_blob_get_u64(r);
    bool by_name = flags & SF_BY_NAME;
    if (r->fail)
        return false;
    if (!src.v || (by_name ? !name[0] : !dst.v || name[0]) || asn > UINT32_MAX || gflags > UINT16_MAX ||
        port > UINT16_MAX || flags >= 32 || n > total || n > (r->n - r->off) / CONN_BYTES || first > last) {
        ts_blob_fail(r, "an inconsistent pair");
        return false;
    }
    uint64_t h = pair_hash(&src, &dst, by_name ? name : NULL, strlen(name));
    if (pair_find(st, h, &src, &dst, by_name ? name : NULL)) {
        ts_blob_fail(r, "a pair twice");
        return false;
    }
    pair *p = pair_new(st, h, &src, &dst, by_name ? name : NULL);
    if (!p) {
        ts_blob_fail(r, "out of memory");
        return false;
    }
    p->dst = dst;
    p->dst_geo = (ts_geo){{geo.cc[0], geo.cc[1], geo.cc[2]}, (uint32_t)asn, (uint16_t)gflags};
    p->proxy = proxy;
    p->proxy_port = (uint16_t)port;
    p->web = flags & SF_WEB;
    p->alerted = flags & SF_ALERTED;
    p->smtp = flags & SF_SMTP;
    p->not_smtp = flags & SF_NOT_SMTP;
    p->dataset = intern(st, ts_str_c(dataset));
    p->file = intern(st, ts_str_c(file));
    /* a ring keeps the newest max_samples (this run's cap may be smaller than the last's) */
    for (uint64_t k = 0; k < n; k++) {
        conn_rec c;
        ts_blob_get(r, &c.t, 8);
        ts_blob_get(r, &c.sz, 4);
        if (k + st->max_samples >= n)
            pair_add(st, p, c.t, c.sz, 0, 0); /* places are not kept across runs */
    }
    p->total = total;
    p->first_ns = first;
    p->last_ns = last;
    return !r->fail;
}

static void pairs_clear(void *field)
{
    beacon_state *st = STATE_OF(field, pairs);
    for (uint32_t i = 0; i < st->n_pairs; i++)
        if (st->pairs[i].live)
            pair_release(&st->pairs[i]);
    memset(st->buckets, 0xff, (st->bucket_mask + 1) * sizeof *st->buckets);
    st->n_pairs = st->live = 0;
    st->free_head = NIL;
    st->samples = 0;
}

static void pairs_get(ts_blob_r *r, void *field)
{
    beacon_state *st = STATE_OF(field, pairs);
    uint64_t n = ts_blob_get_u64(r);
    for (uint64_t i = 0; i < n && get_pair(r, st); i++)
        ;
}

/* The pairs and their hash buckets, freed at the end. */
static void pairs_fini(void *field)
{
    beacon_state *st = STATE_OF(field, pairs);
    for (uint32_t i = 0; i < st->n_pairs; i++)
        if (st->pairs[i].live)
            pair_release(&st->pairs[i]);
    free(st->pairs);
    free(st->buckets);
    st->pairs = NULL, st->buckets = NULL;
    st->n_pairs = st->live = 0;
}

static const ts_saved_codec pairs_codec = {pairs_put, pairs_get, pairs_clear, pairs_fini};

static void proxies_put(ts_blob_w *b, const void *field)
{
    const beacon_state *st = STATE_OF(field, proxies);
    ts_blob_put_u64(b, st->n_proxies);
    for (size_t i = 0; i < st->n_proxies; i++) {
        put_ip(b, &st->proxies[i].ip);
        ts_blob_put_u64(b, st->proxies[i].port);
    }
}

static void proxies_get(ts_blob_r *r, void *field)
{
    beacon_state *st = STATE_OF(field, proxies);
    uint64_t n = ts_blob_get_u64(r);
    if (n > MAX_PROXIES) {
        ts_blob_fail(r, "too many proxies");
        return;
    }
    for (size_t i = 0; i < n && !r->fail; i++) {
        ts_ip ip;
        get_ip(r, &ip);
        uint64_t port = ts_blob_get_u64(r);
        if (!ip.v || port > UINT16_MAX)
            ts_blob_fail(r, "an inconsistent proxy");
        add_proxy(st, &ip, (uint16_t)port);
    }
}

static void proxies_clear(void *field)
{
    STATE_OF(field, proxies)->n_proxies = 0;
}

static const ts_saved_codec proxies_codec = {proxies_put, proxies_get, proxies_clear};

static void relays_put(ts_blob_w *b, const void *field)
{
    const beacon_state *st = STATE_OF(field, relays);
    ts_blob_put_u64(b, st->n_relays);
    for (size_t i = 0; i < st->n_relays; i++) {
        put_ip(b, &st->relays[i].ip);
        ts_blob_put_u64(b, st->relays[i].senders);
    }
}

static void relays_get(ts_blob_r *r, void *field)
{
    beacon_state *st = STATE_OF(field, relays);
    uint64_t n = ts_blob_get_u64(r);
    if (n > MAX_RELAYS) {
        ts_blob_fail(r, "too many mail servers");
        return;
    }
    for (size_t i = 0; i < n && !r->fail; i++) {
        relay_addr a;
        get_ip(r, &a.ip);
        a.senders = ts_blob_get_u64(r);
        if (!a.ip.v)
            ts_blob_fail(r, "an inconsistent mail server");
        st->relays[st->n_relays++] = a;
    }
}

static void relays_clear(void *field)
{
    STATE_OF(field, relays)->n_relays = 0;
}

static const ts_saved_codec relays_codec = {relays_put, relays_get, relays_clear};

static const ts_saved_field beacon_saved_fields[] = {
    TS_SAVED_FIELD(beacon_state, min_ns),
    TS_SAVED_FIELD(beacon_state, max_ns),
    TS_SAVED_FIELD(beacon_state, judge_ns),
    TS_SAVED_WITH(beacon_state, proxies, proxies_codec, 0),
    TS_SAVED_WITH(beacon_state, relays, relays_codec, 0),
    TS_SAVED_WITH(beacon_state, pairs, pairs_codec, 0),
    {0},
};
static const ts_saved beacon_saved = {"beacon", MAGIC, beacon_saved_fields};

/* The pairs (their records, index and names, and the two fixed caches), and the
 * connections their rings hold room for. The pairs' bound counts every name at its
 * longest; the rings' bound is max_connections plus a first ring of 16 for every pair. */
static size_t beacon_usage(void *state, ts_state_use *out, size_t n)
{
    const beacon_state *st = state;
    size_t fixed = (st->bucket_mask + 1) * sizeof *st->buckets +
                   (st->cache_mask + 1) * (sizeof *st->join + sizeof *st->seen),
           names = 0;
    for (uint32_t i = 0; i < st->n_pairs; i++)
        if (st->pairs[i].live && st->pairs[i].name)
            names += strlen(st->pairs[i].name) + 1;
    ts_state_use u[] = {
        {"pairs", st->live, st->max_pairs, st->evicted, fixed + st->cap_pairs * sizeof(pair) + names,
         fixed + (size_t)st->max_pairs * (sizeof(pair) + MAX_NAME)},
        {"connections", st->samples, st->max_conns + 16 * (uint64_t)st->max_pairs, st->overwritten,
         st->samples * sizeof(conn_rec), (st->max_conns + 16 * (uint64_t)st->max_pairs) * sizeof(conn_rec)},
    };
    for (size_t i = 0; i < 2 && i < n; i++)
        out[i] = u[i];
    return 2;
}

const ts_detector ts_detector_beacon = {
    .name = "beacon",
    .tunables = beacon_tunables,
    .summary = "internal hosts calling one destination at regular intervals with regular sizes (command and "
               "control)",
    .state_size = sizeof(beacon_state),
    .init = beacon_init,
    .event = beacon_event,
    .finish = beacon_finish,
    .fini = beacon_fini,
    .saved = &beacon_saved,
    .usage = beacon_usage,
};
