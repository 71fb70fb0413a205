/* correlation.c: running Sigma correlation rules over a stream of hits: per-group state, bounded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "sigma/sigma_int.h"
#include "core/vec.h"

/*
 * A correlation watches the hits of the rules (or correlations) it names, per group (the
 * values of its group-by fields in the hitting event, through its aliases), over a sliding
 * timespan of event time. When its condition holds it fires once and the group starts
 * afresh, so a burst of a thousand failed logons is one alert, not nine hundred; a firing
 * correlation is itself a hit for the correlations that name it.
 *
 * Bounds, so that a stream never grows it without limit:
 * - at most MAX_GROUPS groups per scratch; when full, groups idle for longer than their
 *   timespan are swept out, and if that frees little, new groups are not tracked until a
 *   minute of event time has passed (cs->dropped counts the hits so lost);
 * - temporal and temporal_ordered keep one time per named rule, nothing per hit;
 * - the other types keep (time, value) per hit, at most MAX_ENTRIES per group (the oldest
 *   go first) and MAX_TOTAL_ENTRIES allocated over all groups, 16 bytes each.
 * A condition that needs more hits than MAX_ENTRIES is refused at load (corr_build.c).
 */

#define MAX_GROUPS 65536
#define MAX_TOTAL_ENTRIES (4u << 20) /* 64 MiB of hits at most */
#define SWEEP_PAUSE_NS (60 * 1000000000LL)
#define NONE INT64_MIN
#define FIRED (1ull << 63) /* value_percentile: this hit's value already fired */

/* ---- state ---- */

typedef struct group {
    int64_t *ts;    /* hit times, oldest first; temporal: per named rule, see temporal_hit */
    uint64_t *vals; /* value_count, value_percentile: hashes of the values; value_sum/avg: the
                       doubles' bits; unused by event_count and the temporal types */
    uint32_t n, cap;
    uint32_t corr;
    int64_t last; /* the newest hit: a group idle for longer than its timespan is dead */
} group;

struct sg_corr_state {
    sg_map index; /* correlation + group key -> group */
    group *g;
    size_t n, cap;
    size_t entries;   /* allocated hit slots over all groups */
    int64_t no_sweep; /* no sweep before this event time */
    uint64_t dropped; /* hits lost to the group bound */
    struct {
        uint64_t key;
        uint32_t gen;
    } * set; /* value_count: a hash set of one group's values, see distinct */
    uint32_t set_gen;
};

sg_corr_state *sg_corr_state_new(const ts_sigma *s)
{
    (void)s;
    sg_corr_state *cs = calloc(1, sizeof *cs);
    if (cs)
        cs->no_sweep = NONE;
    return cs;
}

static void group_drop(sg_corr_state *cs, group *g)
{
    free(g->ts), free(g->vals);
    cs->entries -= g->cap;
}

void sg_corr_state_free(sg_corr_state *cs)
{
    if (!cs)
        return;
    for (size_t i = 0; i < cs->n; i++)
        group_drop(cs, &cs->g[i]);
    free(cs->g);
    free(cs->set);
    sg_map_free(&cs->index);
    free(cs);
}

void sg_corr_usage(const sg_corr_state *cs, uint64_t *groups, uint64_t *max, uint64_t *dropped,
                   uint64_t *bytes, uint64_t *bound)
{
    size_t keys = 0;
    for (size_t i = 0; cs && i < cs->index.cap; i++)
        if (cs->index.keys[i])
            keys += cs->index.lens[i] + 1;
    size_t slot = sizeof(char *) + sizeof(size_t) + sizeof(uint32_t); /* of the index */
    size_t idx = 1;
    while (idx < 2 * MAX_GROUPS)
        idx *= 2;
    *groups = cs ? cs->n : 0;
    *max = MAX_GROUPS;
    *dropped = cs ? cs->dropped : 0;
    *bytes = cs ? cs->cap * sizeof(group) + cs->entries * 16 + cs->index.cap * slot + keys : 0;
    *bound = MAX_GROUPS * sizeof(group) + (uint64_t)MAX_TOTAL_ENTRIES * 16 + idx * slot;
}

/* Frees the groups whose newest hit is older than their timespan, renumbering the rest;
 * false when that freed less than an eighth of the table. */
/* The start of the window of span (>= 0) ending at now, saturated: a log's time may lie as
 * early as 1678, where subtracting even a minute leaves int64. */
static int64_t since(int64_t now, int64_t span)
{
    return now < INT64_MIN + span ? INT64_MIN : now - span;
}

static bool sweep(const ts_sigma *s, sg_corr_state *cs, int64_t now)
{
    uint32_t *to = malloc(cs->n * sizeof *to);
    if (!to)
        return false;
    size_t kept = 0;
    for (size_t i = 0; i < cs->n; i++) {
        group *g = &cs->g[i];
        if (g->last < since(now, s->corrs[g->corr].span_ns)) {
            group_drop(cs, g);
            to[i] = UINT32_MAX;
            continue;
        }
        to[i] = (uint32_t)kept;
        cs->g[kept++] = *g;
    }
    sg_map m = {0};
    bool ok = true;
    for (size_t i = 0; ok && i < cs->index.cap; i++)
        if (cs->index.keys[i] && to[cs->index.vals[i]] != UINT32_MAX)
            ok = sg_map_put(&m, cs->index.keys[i], cs->index.lens[i], to[cs->index.vals[i]]);
    free(to);
    sg_map_free(&cs->index);
    cs->index = m;
    if (!ok) { /* the index could not be rebuilt: start afresh rather than lie */
        for (size_t i = 0; i < kept; i++)
            group_drop(cs, &cs->g[i]);
        kept = 0;
        sg_map_free(&cs->index);
    }
    size_t freed = cs->n - kept;
    cs->n = kept;
    return freed >= MAX_GROUPS / 8;
}

static group *group_of(const ts_sigma *s, sg_corr_state *cs, uint32_t c, const char *key, size_t n,
                       int64_t now)
{
    uint32_t gi = sg_map_get(&cs->index, key, n);
    if (gi != UINT32_MAX)
        return &cs->g[gi];
    if (cs->n == MAX_GROUPS && now >= cs->no_sweep && !sweep(s, cs, now))
        cs->no_sweep = /* mostly live: do not sweep on every new group */
            now > INT64_MAX - SWEEP_PAUSE_NS ? INT64_MAX : now + SWEEP_PAUSE_NS;
    if (cs->n == MAX_GROUPS)
        return cs->dropped++, NULL;
    if (!ts_vec_grow(cs->g, cs->cap, cs->n + 1, TS_VEC_NOCAP))
        return NULL;
    if (!sg_map_put(&cs->index, key, n, (uint32_t)cs->n))
        return NULL;
    group *g = &cs->g[cs->n++];
    memset(g, 0, sizeof *g);
    g->corr = c;
    g->last = now;
    return g;
}

/* ---- hits of the count and value types ---- */

/* Makes room for one more hit: grows within the bounds, else drops the oldest. */
static bool room(sg_corr_state *cs, group *g)
{
    if (g->n < g->cap)
        return true;
    if (g->n == SG_CORR_MAX_ENTRIES || (g->n && cs->entries + g->cap > MAX_TOTAL_ENTRIES)) {
        memmove(g->ts, g->ts + 1, (g->n - 1) * sizeof *g->ts);
        memmove(g->vals, g->vals + 1, (g->n - 1) * sizeof *g->vals);
        g->n--;
        return true;
    }
    uint32_t nc = g->cap ? g->cap * 2 : 8;
    if (nc > SG_CORR_MAX_ENTRIES)
        nc = SG_CORR_MAX_ENTRIES;
    int64_t *t = realloc(g->ts, nc * sizeof *t);
    if (t)
        g->ts = t;
    uint64_t *v = realloc(g->vals, nc * sizeof *v);
    if (v)
        g->vals = v;
    if (!t || !v)
        return false;
    cs->entries += nc - g->cap;
    g->cap = nc;
    return true;
}

/* Adds a hit, keeping the list sorted by time (events may arrive slightly out of order);
 * returns its position, or UINT32_MAX. */
static uint32_t add_hit(sg_corr_state *cs, group *g, int64_t ts, uint64_t val)
{
    if (!room(cs, g))
        return UINT32_MAX;
    uint32_t at = g->n;
    while (at > 0 && g->ts[at - 1] > ts)
        at--;
    memmove(g->ts + at + 1, g->ts + at, (g->n - at) * sizeof *g->ts);
    memmove(g->vals + at + 1, g->vals + at, (g->n - at) * sizeof *g->vals);
    g->ts[at] = ts, g->vals[at] = val;
    g->n++;
    return at;
}

static void expire(group *g, int64_t now, int64_t span)
{
    uint32_t drop = 0;
    while (drop < g->n && g->ts[drop] < since(now, span))
        drop++;
    if (!drop)
        return; /* also a new group, whose lists are not allocated yet */
    memmove(g->ts, g->ts + drop, (g->n - drop) * sizeof *g->ts);
    memmove(g->vals, g->vals + drop, (g->n - drop) * sizeof *g->vals);
    g->n -= drop;
}

static double sum(const group *g)
{
    double t = 0;
    for (size_t i = 0; i < g->n; i++) {
        double d;
        memcpy(&d, &g->vals[i], sizeof d);
        t += d;
    }
    return t;
}

/* How many distinct values the group holds: one pass over a scratch hash set whose slots
 * are stamped with a generation, so it never needs clearing (O(n), not O(n log n)). */
static size_t distinct(sg_corr_state *cs, const group *g)
{
    enum { SLOTS = 2 * SG_CORR_MAX_ENTRIES }; /* at most half full */
    if (!cs->set && !(cs->set = calloc(SLOTS, sizeof *cs->set)))
        return 0;
    if (++cs->set_gen == 0) { /* wrapped: old stamps could look current */
        memset(cs->set, 0, SLOTS * sizeof *cs->set);
        cs->set_gen = 1;
    }
    size_t d = 0;
    for (size_t i = 0; i < g->n; i++) {
        size_t at = (size_t)(g->vals[i] ^ (g->vals[i] >> 29)) & (SLOTS - 1);
        while (cs->set[at].gen == cs->set_gen && cs->set[at].key != g->vals[i])
            at = (at + 1) & (SLOTS - 1);
        if (cs->set[at].gen != cs->set_gen)
            cs->set[at].gen = cs->set_gen, cs->set[at].key = g->vals[i], d++;
    }
    return d;
}

/* value_percentile: the share (0..100) of the group's hits whose value is that of the hit
 * at position at; *fired when one of them already fired. */
static double share(const group *g, uint32_t at, bool *fired)
{
    uint64_t v = g->vals[at] & ~FIRED;
    size_t same = 0;
    *fired = false;
    for (size_t i = 0; i < g->n; i++)
        if ((g->vals[i] & ~FIRED) == v)
            same++, *fired |= (g->vals[i] & FIRED) != 0;
    return 100.0 * (double)same / (double)g->n;
}

/* ---- temporal types: one time per named rule ---- */

/*
 * temporal: ts[i] is the newest hit of input i. temporal_ordered: ts[i] is the latest start
 * time of a run of hits of inputs 0..i in that order (each no earlier than the one before),
 * so a flood of one rule's hits costs nothing and cannot push out the others.
 */
static bool temporal_hit(const sg_corr *k, group *g, uint32_t in, int64_t t)
{
    if (!g->ts) {
        if (!(g->ts = malloc(k->nrules * sizeof *g->ts)))
            return false;
        for (size_t i = 0; i < k->nrules; i++)
            g->ts[i] = NONE;
    }
    for (size_t i = k->nrules; i-- > 0;) { /* backwards: one hit fills one place of a run */
        if (k->inputs[i] != in)
            continue;
        if (k->type == CT_TEMPORAL) {
            if (g->ts[i] == NONE || t > g->ts[i]) /* a late event does not hide a newer hit */
                g->ts[i] = t;
        } else if (i == 0)
            g->ts[0] = t;
        else if (g->ts[i - 1] != NONE && (g->ts[i] == NONE || g->ts[i - 1] > g->ts[i]))
            g->ts[i] = g->ts[i - 1];
    }
    return true;
}

/* temporal: how many inputs hit within the window; ordered: how long a run is complete. */
static double temporal_seen(const sg_corr *k, const group *g, int64_t now)
{
    size_t seen = 0;
    for (size_t i = 0; i < k->nrules; i++) {
        bool in = g->ts[i] != NONE && g->ts[i] >= since(now, k->span_ns);
        if (k->type == CT_TEMPORAL)
            seen += in;
        else if (in)
            seen = i + 1;
    }
    return (double)seen;
}

/* ---- feeding ---- */

static bool compare(double a, uint8_t cmp, double b)
{
    switch (cmp) {
    case CMP_LT:
        return a < b;
    case CMP_LTE:
        return a <= b;
    case CMP_GT:
        return a > b;
    case CMP_GTE:
        return a >= b;
    case CMP_NEQ:
        return a != b;
    default:
        return a == b;
    }
}

static bool holds(const sg_corr *k, double x)
{
    for (size_t i = 0; i < k->ncond; i++)
        if (!compare(x, k->cmp[i], k->threshold[i]))
            return false;
    return true;
}

/* The value of the field rules call name in ev (the source's renames applied), or empty. */
static ts_str field_of(const sg_source *src, const ts_event *ev, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < ev->n_fields; i++) {
        char buf[128];
        ts_str k = src ? sg_field_name(src, ev->fields[i].key, buf, sizeof buf) : ev->fields[i].key;
        if (k.n == n && !memcmp(k.p, name, n))
            return ev->fields[i].val;
    }
    return TS_STR_NULL;
}

/* The key "c\x1fv1\x1fv2..." of a correlation's group for a hit of input i; false when the
 * event lacks a group-by field (it belongs to no group, as in a backend's "count by") or
 * the key does not fit. */
static bool group_key(const sg_corr *k, uint32_t c, size_t i, const sg_source *src, const ts_event *ev,
                      char *buf, size_t cap, size_t *len)
{
    size_t at = (size_t)snprintf(buf, cap, "%u", c);
    for (size_t g = 0; g < k->ngroup; g++) {
        ts_str v = field_of(src, ev, k->gfield[i][g]);
        if (!v.n || at + v.n + 1 >= cap)
            return false;
        buf[at++] = 0x1f;
        if (v.n)
            memcpy(buf + at, v.p, v.n);
        at += v.n;
    }
    *len = at;
    return true;
}

/* The value a hit of input i adds: a hash of the field value(s), or a number's bits; false
 * when the event has none (it adds nothing). */
static bool hit_value(const sg_corr *k, size_t i, const sg_source *src, const ts_event *ev, uint64_t *out)
{
    if (k->type == CT_VALUE_SUM || k->type == CT_VALUE_AVG) {
        double d;
        if (!ts_parse_double(field_of(src, ev, k->vfield[i][0]), &d))
            return false;
        memcpy(out, &d, sizeof d);
        return true;
    }
    uint64_t h = TS_HASH_SEED;
    bool any = false;
    for (size_t f = 0; f < k->nvalue; f++) { /* several fields: their combination counts */
        ts_str v = field_of(src, ev, k->vfield[i][f]);
        any |= v.n > 0;
        uint64_t vh = sg_hash(v.p ? v.p : "", v.n);
        h = ts_hash(h, &vh, sizeof vh);
    }
    *out = h & ~FIRED;
    return any;
}

/* Records a hit of input i on g and sets *x to the figure the condition is tested on; false
 * when the hit adds nothing (or, for value_percentile, must not fire). */
static bool update(sg_corr_state *cs, const sg_corr *k, group *g, size_t i, const sg_source *src,
                   const ts_event *ev, double *x)
{
    int64_t now = ev->ts_ns;
    if (k->type == CT_TEMPORAL || k->type == CT_TEMPORAL_ORDERED) {
        if (!temporal_hit(k, g, k->inputs[i], now))
            return false;
        *x = temporal_seen(k, g, now);
        return true;
    }
    uint64_t val = 0;
    if (k->type != CT_EVENT_COUNT && !hit_value(k, i, src, ev, &val))
        return false;
    expire(g, now, k->span_ns);
    uint32_t at = add_hit(cs, g, now, val);
    if (at == UINT32_MAX)
        return false;
    switch (k->type) {
    case CT_EVENT_COUNT:
        *x = (double)g->n;
        break;
    case CT_VALUE_COUNT:
        *x = (double)distinct(cs, g);
        break;
    case CT_VALUE_SUM:
        *x = sum(g);
        break;
    case CT_VALUE_AVG:
        *x = sum(g) / (double)g->n;
        break;
    default: {
        bool fired;
        *x = share(g, at, &fired);
        if (fired || !holds(k, *x))
            return false;
        g->vals[at] |= FIRED; /* once per value while it stays in the window */
        return true;
    }
    }
    return true;
}

static void feed_one(const ts_sigma *s, sg_corr_state *cs, uint32_t c, uint32_t in, const sg_source *src,
                     const ts_event *ev, ts_sigma_hit_fn fn, void *ud)
{
    const sg_corr *k = &s->corrs[c];
    size_t i = 0;
    while (i < k->nrules && k->inputs[i] != in)
        i++;
    char key[1024];
    size_t kn;
    if (i == k->nrules || !group_key(k, c, i, src, ev, key, sizeof key, &kn))
        return;
    group *g = group_of(s, cs, c, key, kn, ev->ts_ns);
    if (!g)
        return;
    if (ev->ts_ns > g->last)
        g->last = ev->ts_ns;
    double x;
    if (!update(cs, k, g, i, src, ev, &x) || !holds(k, x))
        return;
    /* fired: the group starts afresh, except value_percentile, whose window is its baseline */
    if (k->type == CT_TEMPORAL || k->type == CT_TEMPORAL_ORDERED)
        for (size_t r = 0; r < k->nrules; r++)
            g->ts[r] = NONE;
    else if (k->type != CT_VALUE_PERCENTILE)
        g->n = 0;
    if (!k->quiet)
        fn(ud, &k->info, ev);
    /* g may move from here on: the correlations fed next can add groups */
    const sg_u32v *up = &s->corr_corrs[c];
    for (size_t u = 0; u < up->n; u++)
        feed_one(s, cs, up->v[u], SG_CORR_INPUT_CORR | c, src, ev, fn, ud);
}

void sg_corr_feed(const ts_sigma *s, sg_corr_state *cs, uint32_t r, const sg_source *src, const ts_event *ev,
                  ts_sigma_hit_fn fn, void *ud)
{
    if (!s->rule_corrs || !cs)
        return;
    const sg_u32v *l = &s->rule_corrs[r];
    for (size_t i = 0; i < l->n; i++)
        feed_one(s, cs, l->v[i], r, src, ev, fn, ud);
}
