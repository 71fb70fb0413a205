/* alert.c: the life of an alert: freeing, copying, filling it from the event that raised it,
 * and merging the events behind two of its repeats. */
#include <stdlib.h>
#include <string.h>

#include "core/alert.h"

/* Every owned string of ts_alert, so free and dup cannot drift apart. */
#define ALERT_STRINGS(X) \
    X(key)               \
    X(title)             \
    X(techniques)        \
    X(internal_host)     \
    X(user)              \
    X(remote_name)       \
    X(ioc_value)         \
    X(observed)          \
    X(suppressed)        \
    X(suppression_note)  \
    X(dataset)           \
    X(file)

/* Every owned string of ts_alert_hit. */
#define HIT_STRINGS(X) \
    X(file)            \
    X(host)            \
    X(user)            \
    X(process)         \
    X(command_line)    \
    X(parent)          \
    X(uid)             \
    X(community_id)    \
    X(flow_id)

static void hit_clear(ts_alert_hit *h)
{
#define FREE_ONE(f) free(h->f);
    HIT_STRINGS(FREE_ONE)
#undef FREE_ONE
}

static void hits_free(ts_alert_hit *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        hit_clear(&v[i]);
    free(v);
}

void ts_alert_free(ts_alert *a)
{
    if (!a)
        return;
#define FREE_ONE(f) free(a->f);
    ALERT_STRINGS(FREE_ONE)
#undef FREE_ONE
    hits_free(a->hits, a->n_hits);
    free(a);
}

ts_alert *ts_alert_dup(const ts_alert *a)
{
    ts_alert *d = malloc(sizeof *d);
    if (!d)
        return NULL;
    *d = *a;
    bool ok = true;
#define DUP_ONE(f)           \
    if (a->f) {              \
        d->f = strdup(a->f); \
        ok = ok && d->f;     \
    }
    ALERT_STRINGS(DUP_ONE)
#undef DUP_ONE
    d->hits = NULL;
    d->n_hits = 0;
    if (ok && a->n_hits) {
        if (!(d->hits = calloc(a->n_hits, sizeof *d->hits)))
            ok = false;
        for (uint32_t i = 0; ok && i < a->n_hits; i++, d->n_hits++) {
            const ts_alert_hit *h = &a->hits[i];
            d->hits[i] = *h;
#define DUP_HIT(f)                   \
    if (h->f) {                      \
        d->hits[i].f = strdup(h->f); \
        ok = ok && d->hits[i].f;     \
    }
            HIT_STRINGS(DUP_HIT)
#undef DUP_HIT
        }
    }
    if (!ok) {
        ts_alert_free(d);
        return NULL;
    }
    return d;
}

/* Whether an address is the organisation's: the enrich stage's verdict when it ran, else
 * the default internal ranges (an event that skipped enrichment, as in unit tests). */
static bool side_internal(const ts_ip *ip, const ts_geo *geo)
{
    if (!ip->v)
        return false;
    if (geo->flags & TS_NET_KNOWN)
        return (geo->flags & TS_NET_INTERNAL) != 0;
    return ts_ip_is_internal_default(ip);
}

/* A copy of a view as an owned string, or NULL when empty (or out of memory: the field is
 * then simply absent, which every reader of alerts already handles). */
static char *dup_view(ts_str s)
{
    return s.n ? ts_strndup(s) : NULL;
}

void ts_alert_orient(ts_alert *a, const ts_event *ev, ts_side remote)
{
    bool rsrc = remote == TS_SIDE_SRC;
    const ts_ip *rip = rsrc ? &ev->src_ip : &ev->dst_ip, *oip = rsrc ? &ev->dst_ip : &ev->src_ip;
    const ts_geo *rgeo = rsrc ? &ev->src_geo : &ev->dst_geo, *ogeo = rsrc ? &ev->dst_geo : &ev->src_geo;
    a->remote_ip = *rip;
    a->remote_geo = *rgeo;
    a->internal_ip = *oip;
    /* host.name is the machine that logged the event: the receiving end of a connection
       that came in; for one going out, the client's own name (source.domain) is better. */
    free(a->internal_host);
    a->internal_host = dup_view(rsrc || !ev->src_host.n ? ev->host : ev->src_host);
    bool ri = side_internal(rip, rgeo), oi = side_internal(oip, ogeo);
    if (ri)
        a->direction = oi ? TS_DIR_INTERNAL : TS_DIR_UNKNOWN;
    else if (!rip->v || (!oip->v && !ev->host.n))
        a->direction = TS_DIR_UNKNOWN; /* nobody of ours is named on the other side */
    else
        a->direction = rsrc ? TS_DIR_INBOUND : TS_DIR_OUTBOUND;
}

/* Picks the remote side: the outside one; when both are internal the destination (the
 * source is the host acting); when neither, the lone address, else the destination. */
static void set_entities(ts_alert *a, const ts_event *ev)
{
    bool si = side_internal(&ev->src_ip, &ev->src_geo);
    bool di = side_internal(&ev->dst_ip, &ev->dst_geo);
    ts_side remote = TS_SIDE_DST;
    if (di && !si && ev->src_ip.v)
        remote = TS_SIDE_SRC;
    else if (!si && !di && ev->src_ip.v && !ev->dst_ip.v)
        remote = TS_SIDE_SRC;
    ts_alert_orient(a, ev, remote);
    /* Two outside addresses (a site whose public ranges are not configured as internal):
       which one is ours is a guess, so the direction is left unknown. */
    if (!si && !di && ev->src_ip.v && ev->dst_ip.v)
        a->direction = TS_DIR_UNKNOWN;
    a->user = dup_view(ev->user);
}

/* a is a fresh alert (zeroed): the strings set here are not freed first, except
 * internal_host, which ts_alert_orient replaces. */
/* The event as the alert's first hit (none when out of memory: the alert still stands). */
static void first_hit(ts_alert *a, const ts_event *ev)
{
    ts_alert_hit *h = calloc(1, sizeof *h);
    if (!h)
        return;
    h->ts_ns = ev->ts_ns;
    h->file = ev->file ? strdup(ev->file) : NULL;
    h->line = ev->line;
    h->record = ev->record;
    h->host = dup_view(ev->host);
    h->user = dup_view(ev->user);
    h->process = dup_view(ev->process);
    h->command_line = dup_view(ev->command_line);
    h->parent = dup_view(ev->parent_process);
    /* The identifiers that find the event again in Zeek, Suricata and anything that
       computes a Community ID; read from the raw record only here, when an alert is made. */
    h->uid = dup_view(ts_event_field(ev, "uid"));
    h->community_id = dup_view(ts_event_field(ev, "community_id"));
    h->flow_id = dup_view(ts_event_field(ev, "flow_id"));
    a->hits = h;
    a->n_hits = 1;
}

void ts_alert_from_event(ts_alert *a, const ts_event *ev)
{
    a->first_ns = a->last_ns = ev->ts_ns;
    a->count = 1;
    a->dataset = dup_view(ev->dataset);
    a->file = ev->file ? strdup(ev->file) : NULL;
    a->line = ev->line;
    a->record = ev->record;
    set_entities(a, ev);
    first_hit(a, ev);
}

static int str0cmp(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* Order of hits: time, then place in the input, so the kept ones do not depend on the
 * order alerts arrive in. */
static int hit_cmp(const void *pa, const void *pb)
{
    const ts_alert_hit *a = pa, *b = pb;
    if (a->ts_ns != b->ts_ns)
        return a->ts_ns < b->ts_ns ? -1 : 1;
    int f = str0cmp(a->file, b->file);
    if (f)
        return f;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return a->record < b->record ? -1 : a->record > b->record;
}

bool ts_alert_merge_hits(ts_alert *k, ts_alert *r)
{
    if (!r->n_hits)
        return true;
    uint32_t n = k->n_hits + r->n_hits;
    ts_alert_hit *v = realloc(k->hits, n * sizeof *v);
    if (!v) {
        hits_free(r->hits, r->n_hits);
        r->hits = NULL, r->n_hits = 0;
        return false;
    }
    memcpy(v + k->n_hits, r->hits, r->n_hits * sizeof *v);
    free(r->hits); /* its strings now belong to k */
    r->hits = NULL, r->n_hits = 0;
    qsort(v, n, sizeof *v, hit_cmp);
    /* the same event reported twice (a rerun, two detectors' repeats) is kept once */
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (m && hit_cmp(&v[m - 1], &v[i]) == 0) {
            hit_clear(&v[i]);
            continue;
        }
        v[m++] = v[i];
    }
    for (uint32_t i = TS_ALERT_HITS; i < m; i++)
        hit_clear(&v[i]);
    k->hits = v;
    k->n_hits = m < TS_ALERT_HITS ? m : TS_ALERT_HITS;
    return true;
}
