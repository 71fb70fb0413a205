/* correlation.c: Sigma correlation rules (event_count, value_count, value_sum, value_avg, temporal,
 * temporal_ordered). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/sigma_int.h"

/*
 * A correlation watches the hits of the rules it names, per group (the values of its
 * group-by fields in the hitting event), over a sliding timespan of event time. When its
 * condition holds it fires once and the group starts afresh, so a burst of a thousand
 * failed logons is one alert, not nine hundred. State is kept per group; groups are capped
 * (MAX_GROUPS) and each keeps at most MAX_ENTRIES hits.
 */

#define MAX_GROUPS 65536
#define MAX_ENTRIES 4096

/* ---- building ---- */

static bool parse_span(const char *t, int64_t *out)
{
    size_t n = strlen(t);
    uint64_t v;
    if (n < 2 || !ts_parse_u64(ts_str_make(t, n - 1), &v) || v == 0 || v > 100000000)
        return false;
    int64_t unit = t[n - 1] == 's' ? 1 : t[n - 1] == 'm' ? 60 : t[n - 1] == 'h' ? 3600 : t[n - 1] == 'd' ? 86400 : 0;
    *out = (int64_t)v * unit * 1000000000LL;
    return unit != 0;
}

static bool parse_condition(sg_corr *c, ts_arena *a, const sy_node *cond, char *why, size_t cap)
{
    static const char *ops[] = {"eq", "lt", "lte", "gt", "gte", "neq"};
    static const uint8_t cmps[] = {CMP_EQ, CMP_LT, CMP_LTE, CMP_GT, CMP_GTE, CMP_NEQ};
    bool have = false;
    for (size_t i = 0; cond && cond->kind == SY_MAP && i + 1 < cond->nkids; i += 2) {
        const sy_node *k = cond->kids[i], *v = cond->kids[i + 1];
        if (k->kind != SY_SCALAR || v->kind != SY_SCALAR)
            return snprintf(why, cap, "correlation: bad condition"), false;
        if (!strcmp(k->s, "field")) {
            c->value_field = ts_arena_strndup(a, v->s, v->n);
            continue;
        }
        size_t j = 0;
        while (j < 6 && strcmp(k->s, ops[j]))
            j++;
        char *end;
        double d = strtod(v->s, &end);
        if (j == 6 || end != v->s + v->n || !v->n)
            return snprintf(why, cap, "correlation: bad condition '%s'", k->s), false;
        if (have)
            return snprintf(why, cap, "correlation: ranges (two bounds) are not supported yet"), false;
        c->cmp = cmps[j], c->threshold = d, have = true;
    }
    bool temporal = c->type == CT_TEMPORAL || c->type == CT_TEMPORAL_ORDERED;
    if (!have && !temporal)
        return snprintf(why, cap, "correlation: no condition"), false;
    if (!have) /* temporal: every rule seen */
        c->cmp = CMP_GTE, c->threshold = (double)c->nrules;
    if (c->type != CT_EVENT_COUNT && !temporal && !c->value_field)
        return snprintf(why, cap, "correlation: value_count, value_sum and value_avg need a condition field"), false;
    return true;
}

static bool list_into(ts_arena *a, const sy_node *l, char **out, size_t max, size_t *n)
{
    *n = 0;
    if (l && l->kind == SY_SCALAR) {
        out[(*n)++] = ts_arena_strndup(a, l->s, l->n);
        return true;
    }
    for (size_t i = 0; l && l->kind == SY_SEQ && i < l->nkids; i++) {
        if (l->kids[i]->kind != SY_SCALAR || *n == max)
            return false;
        out[(*n)++] = ts_arena_strndup(a, l->kids[i]->s, l->kids[i]->n);
    }
    return true;
}

bool sg_corr_build(ts_sigma *s, const sy_node *doc, const char *file, char *why, size_t cap)
{
    const sy_node *c = sy_get(doc, "correlation");
    if (!c || c->kind != SY_MAP)
        return snprintf(why, cap, "correlation: not a map"), false;
    const char *type = sg_scalar(c, "type");
    sg_corr k = {0};
    if (!strcmp(type, "event_count"))
        k.type = CT_EVENT_COUNT;
    else if (!strcmp(type, "value_count"))
        k.type = CT_VALUE_COUNT;
    else if (!strcmp(type, "temporal"))
        k.type = CT_TEMPORAL;
    else if (!strcmp(type, "temporal_ordered"))
        k.type = CT_TEMPORAL_ORDERED;
    else if (!strcmp(type, "value_sum"))
        k.type = CT_VALUE_SUM;
    else if (!strcmp(type, "value_avg"))
        k.type = CT_VALUE_AVG;
    else if (!strcmp(type, "value_percentile"))
        return snprintf(why, cap, "correlation type value_percentile: its meaning is not defined precisely enough "
                                  "to implement"), false;
    else
        return snprintf(why, cap, "correlation type '%.40s' not supported yet", type), false;
    if (sy_get(c, "aliases"))
        return snprintf(why, cap, "correlation: aliases not supported yet"), false;
    if (!list_into(&s->arena, sy_get(c, "rules"), k.refs, SG_CORR_MAX_RULES, &k.nrules) || !k.nrules)
        return snprintf(why, cap, "correlation: rules must be a list of up to %d rule ids or names", SG_CORR_MAX_RULES),
               false;
    if (!list_into(&s->arena, sy_get(c, "group-by"), k.group_by, SG_CORR_MAX_GROUP, &k.ngroup))
        return snprintf(why, cap, "correlation: bad group-by"), false;
    if (!parse_span(sg_scalar(c, "timespan"), &k.span_ns))
        return snprintf(why, cap, "correlation: timespan must be like 90s, 5m, 1h, 2d"), false;
    if (!parse_condition(&k, &s->arena, sy_get(c, "condition"), why, cap))
        return false;
    k.generate = !strcmp(sg_scalar(c, "generate"), "true");
    if (s->ncorrs == s->cap_corrs) {
        size_t nc = s->cap_corrs ? s->cap_corrs * 2 : 16;
        sg_corr *p = realloc(s->corrs, nc * sizeof *p);
        if (!p)
            return snprintf(why, cap, "out of memory"), false;
        s->corrs = p, s->cap_corrs = nc;
    }
    const char *id = sg_scalar(doc, "id");
    k.id = ts_arena_strndup(&s->arena, id[0] ? id : file, strlen(id[0] ? id : file));
    k.title = ts_arena_strndup(&s->arena, sg_scalar(doc, "title"), strlen(sg_scalar(doc, "title")));
    k.level = sg_lower_dup(&s->arena, sg_scalar(doc, "level"));
    k.techniques = sg_techniques(&s->arena, sy_get(doc, "tags"));
    k.file = ts_arena_strndup(&s->arena, file, strlen(file));
    if (!k.id || !k.title || !k.level || !k.techniques || !k.file)
        return snprintf(why, cap, "out of memory"), false;
    k.info = (ts_sigma_rule_info){k.id, k.title, k.level, k.techniques, k.file, doc->line};
    s->corrs[s->ncorrs++] = k;
    return true;
}

/* Resolves each correlation's rules by id or name; one with an unknown rule stays idle. */
bool sg_corr_compile(ts_sigma *s)
{
    if (!s->ncorrs)
        return true;
    s->rule_corrs = calloc(s->nrules + 1, sizeof *s->rule_corrs);
    if (!s->rule_corrs)
        return false;
    for (uint32_t c = 0; c < s->ncorrs; c++) {
        sg_corr *k = &s->corrs[c];
        k->active = true;
        for (size_t i = 0; i < k->nrules; i++) {
            k->rules[i] = UINT32_MAX;
            for (uint32_t r = 0; r < s->nrules && k->rules[i] == UINT32_MAX; r++)
                if (!strcmp(s->rules[r].id, k->refs[i]) || (s->rules[r].name[0] && !strcmp(s->rules[r].name, k->refs[i])))
                    k->rules[i] = r;
            k->active &= k->rules[i] != UINT32_MAX;
        }
        for (size_t i = 0; k->active && i < k->nrules; i++) {
            if (!sg_u32v_push(&s->rule_corrs[k->rules[i]], c))
                return false;
            if (!k->generate)
                s->rules[k->rules[i]].quiet = true;
        }
    }
    return true;
}

void sg_corr_free(ts_sigma *s)
{
    for (size_t r = 0; s->rule_corrs && r < s->nrules; r++)
        free(s->rule_corrs[r].v);
    free(s->rule_corrs);
    free(s->corrs);
}

/* ---- state ---- */

typedef struct group {
    int64_t *ts;     /* hit times, oldest first */
    uint64_t *vals;  /* value_count: hashes of the values; value_sum/avg: the doubles' bits;
                        temporal: which rule */
    size_t n, cap;
} group;

struct sg_corr_state {
    sg_map index; /* correlation + group key -> group */
    group *g;
    size_t n, cap;
};

sg_corr_state *sg_corr_state_new(const ts_sigma *s)
{
    (void)s;
    return calloc(1, sizeof(sg_corr_state));
}

void sg_corr_state_free(sg_corr_state *cs)
{
    if (!cs)
        return;
    for (size_t i = 0; i < cs->n; i++)
        free(cs->g[i].ts), free(cs->g[i].vals);
    free(cs->g);
    sg_map_free(&cs->index);
    free(cs);
}

/* The key "c\x1fv1\x1fv2..." of a correlation's group for ev; false if it does not fit. */
static bool group_key(const sg_corr *k, uint32_t c, const ts_event *ev, char *buf, size_t cap, size_t *len)
{
    int n = snprintf(buf, cap, "%u", c);
    size_t at = (size_t)n;
    for (size_t i = 0; i < k->ngroup; i++) {
        ts_str v = ts_event_field(ev, k->group_by[i]);
        if (at + v.n + 1 >= cap)
            return false;
        buf[at++] = 0x1f;
        if (v.n)
            memcpy(buf + at, v.p, v.n);
        at += v.n;
    }
    *len = at;
    return true;
}

static group *group_of(sg_corr_state *cs, const char *key, size_t n)
{
    uint32_t gi = sg_map_get(&cs->index, key, n);
    if (gi != UINT32_MAX)
        return &cs->g[gi];
    if (cs->n == MAX_GROUPS)
        return NULL;
    if (cs->n == cs->cap) {
        size_t nc = cs->cap ? cs->cap * 2 : 64;
        group *p = realloc(cs->g, nc * sizeof *p);
        if (!p)
            return NULL;
        cs->g = p, cs->cap = nc;
    }
    if (!sg_map_put(&cs->index, key, n, (uint32_t)cs->n))
        return NULL;
    memset(&cs->g[cs->n], 0, sizeof(group));
    return &cs->g[cs->n++];
}

static bool add_hit(group *g, int64_t ts, uint64_t val)
{
    if (g->n == MAX_ENTRIES) { /* drop the oldest */
        memmove(g->ts, g->ts + 1, (g->n - 1) * sizeof *g->ts);
        memmove(g->vals, g->vals + 1, (g->n - 1) * sizeof *g->vals);
        g->n--;
    }
    if (g->n == g->cap) {
        size_t nc = g->cap ? g->cap * 2 : 8;
        int64_t *t = realloc(g->ts, nc * sizeof *t);
        if (t)
            g->ts = t;
        uint64_t *v = realloc(g->vals, nc * sizeof *v);
        if (v)
            g->vals = v;
        if (!t || !v)
            return false;
        g->cap = nc;
    }
    /* events may arrive slightly out of order: keep the list sorted by time */
    size_t at = g->n;
    while (at > 0 && g->ts[at - 1] > ts)
        at--;
    memmove(g->ts + at + 1, g->ts + at, (g->n - at) * sizeof *g->ts);
    memmove(g->vals + at + 1, g->vals + at, (g->n - at) * sizeof *g->vals);
    g->ts[at] = ts, g->vals[at] = val;
    g->n++;
    return true;
}

static void expire(group *g, int64_t now, int64_t span)
{
    size_t drop = 0;
    while (drop < g->n && g->ts[drop] < now - span)
        drop++;
    memmove(g->ts, g->ts + drop, (g->n - drop) * sizeof *g->ts);
    memmove(g->vals, g->vals + drop, (g->n - drop) * sizeof *g->vals);
    g->n -= drop;
}

static bool compare(double a, uint8_t cmp, double b)
{
    switch (cmp) {
    case CMP_LT: return a < b;
    case CMP_LTE: return a <= b;
    case CMP_GT: return a > b;
    case CMP_GTE: return a >= b;
    case CMP_NEQ: return a != b;
    default: return a == b;
    }
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

static size_t distinct(const group *g)
{
    size_t d = 0;
    for (size_t i = 0; i < g->n; i++) {
        size_t j = 0;
        while (j < i && g->vals[j] != g->vals[i])
            j++;
        d += j == i;
    }
    return d;
}

/* temporal: how many of the rules hit in the window; ordered: how long a prefix of them
 * hit in that order. */
static size_t rules_seen(const group *g, const sg_corr *k)
{
    if (k->type == CT_TEMPORAL) {
        size_t seen = 0;
        for (size_t r = 0; r < k->nrules; r++)
            for (size_t i = 0; i < g->n; i++)
                if (g->vals[i] == r) {
                    seen++;
                    break;
                }
        return seen;
    }
    size_t next = 0;
    for (size_t i = 0; i < g->n && next < k->nrules; i++)
        if (g->vals[i] == next)
            next++;
    return next;
}

static void feed_one(const ts_sigma *s, sg_corr_state *cs, uint32_t c, uint32_t r, const ts_event *ev,
                     ts_sigma_hit_fn fn, void *ud)
{
    const sg_corr *k = &s->corrs[c];
    char key[1024];
    size_t kn;
    if (!group_key(k, c, ev, key, sizeof key, &kn))
        return;
    group *g = group_of(cs, key, kn);
    if (!g)
        return;
    uint64_t val = 0;
    if (k->type == CT_VALUE_COUNT) {
        ts_str v = ts_event_field(ev, k->value_field);
        if (!v.n)
            return; /* no value, nothing to count */
        val = sg_hash(v.p, v.n);
    } else if (k->type == CT_VALUE_SUM || k->type == CT_VALUE_AVG) {
        char buf[64], *end;
        ts_str v = ts_event_field(ev, k->value_field);
        if (!v.n || v.n >= sizeof buf)
            return; /* no number, nothing to add */
        memcpy(buf, v.p, v.n);
        buf[v.n] = 0;
        double d = strtod(buf, &end);
        if (end != buf + v.n)
            return;
        memcpy(&val, &d, sizeof d);
    } else if (k->type != CT_EVENT_COUNT) {
        for (size_t i = 0; i < k->nrules; i++)
            if (k->rules[i] == r)
                val = i;
    }
    if (!add_hit(g, ev->ts_ns, val))
        return;
    expire(g, ev->ts_ns, k->span_ns);
    double n;
    switch (k->type) {
    case CT_EVENT_COUNT: n = (double)g->n; break;
    case CT_VALUE_COUNT: n = (double)distinct(g); break;
    case CT_VALUE_SUM: n = sum(g); break;
    case CT_VALUE_AVG: n = g->n ? sum(g) / (double)g->n : 0; break;
    default: n = (double)rules_seen(g, k); break;
    }
    if (compare(n, k->cmp, k->threshold)) {
        fn(ud, &k->info, ev);
        g->n = 0;
    }
}

void sg_corr_feed(const ts_sigma *s, sg_corr_state *cs, uint32_t r, const ts_event *ev, ts_sigma_hit_fn fn, void *ud)
{
    if (!s->rule_corrs || !cs)
        return;
    const sg_u32v *l = &s->rule_corrs[r];
    for (size_t i = 0; i < l->n; i++)
        feed_one(s, cs, l->v[i], r, ev, fn, ud);
}
