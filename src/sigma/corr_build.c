/* corr_build.c: Sigma correlation rules read from YAML, then resolved (inputs, aliases, chains) at compile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/sigma_int.h"
#include "core/vec.h"

/* ---- reading one correlation document ---- */

/* The longest timespan, in seconds (about 31 years): its nanoseconds fit in 64 bits with
 * room to spare for "now - timespan". */
#define MAX_SPAN_S 1000000000LL

static bool parse_span(const char *t, int64_t *out)
{
    size_t n = strlen(t);
    uint64_t v;
    if (n < 2 || !ts_parse_u64(ts_str_make(t, n - 1), &v) || v == 0 || v > MAX_SPAN_S)
        return false;
    int64_t unit = t[n - 1] == 's'   ? 1
                   : t[n - 1] == 'm' ? 60
                   : t[n - 1] == 'h' ? 3600
                   : t[n - 1] == 'd' ? 86400
                                     : 0;
    /* checked before multiplying: "100000000d" overflowed (fuzz_sigma_rule) */
    if (unit == 0 || (int64_t)v > MAX_SPAN_S / unit)
        return false;
    *out = (int64_t)v * unit * 1000000000LL;
    return true;
}

/* A scalar or a list of scalars into out (at most max); false when it is neither or too long. */
static bool list_into(ts_arena *a, const sy_node *l, char **out, size_t max, size_t *n)
{
    *n = 0;
    if (l && l->kind == SY_SCALAR && !l->is_null) {
        out[(*n)++] = ts_arena_strndup(a, l->s, l->n);
        return out[0] != NULL;
    }
    if (l && l->kind == SY_MAP)
        return false;
    for (size_t i = 0; l && l->kind == SY_SEQ && i < l->nkids; i++) {
        if (l->kids[i]->kind != SY_SCALAR || *n == max)
            return false;
        if (!(out[(*n)++] = ts_arena_strndup(a, l->kids[i]->s, l->kids[i]->n)))
            return false;
    }
    return true;
}

static bool one_bound(sg_corr *c, const sy_node *k, const sy_node *v, char *why, size_t cap)
{
    static const char *ops[] = {"eq", "lt", "lte", "gt", "gte", "neq"};
    static const uint8_t cmps[] = {CMP_EQ, CMP_LT, CMP_LTE, CMP_GT, CMP_GTE, CMP_NEQ};
    size_t j = 0;
    while (j < 6 && strcmp(k->s, ops[j]))
        j++;
    double d;
    if (j == 6 || v->kind != SY_SCALAR || !ts_parse_double(ts_str_make(v->s, v->n), &d))
        return snprintf(why, cap,
                        "correlation: bad condition '%.40s' (want eq, neq, lt, lte, gt or gte with a number)",
                        k->s),
               false;
    if (c->ncond == 2)
        return snprintf(why, cap, "correlation: a condition has at most two bounds (a range)"), false;
    c->cmp[c->ncond] = cmps[j], c->threshold[c->ncond] = d, c->ncond++;
    return true;
}

static bool parse_condition(sg_corr *c, ts_arena *a, const sy_node *cond, char *why, size_t cap)
{
    if (cond && cond->kind != SY_MAP && !cond->is_null)
        return snprintf(why, cap, "correlation: the condition must be a map"), false;
    for (size_t i = 0; cond && cond->kind == SY_MAP && i + 1 < cond->nkids; i += 2) {
        const sy_node *k = cond->kids[i], *v = cond->kids[i + 1];
        if (k->kind != SY_SCALAR)
            return snprintf(why, cap, "correlation: bad condition"), false;
        if (!strcmp(k->s, "field")) {
            if (!list_into(a, v, c->value_fields, SG_CORR_MAX_GROUP, &c->nvalue) || !c->nvalue)
                return snprintf(why, cap,
                                "correlation: the condition field must be a name or a list of up to %d",
                                SG_CORR_MAX_GROUP),
                       false;
            continue;
        }
        if (!one_bound(c, k, v, why, cap))
            return false;
    }
    bool temporal = c->type == CT_TEMPORAL || c->type == CT_TEMPORAL_ORDERED;
    if (!c->ncond && !temporal)
        return snprintf(why, cap, "correlation: no condition"), false;
    if (!c->ncond) /* temporal: every rule seen */
        c->cmp[0] = CMP_GTE, c->threshold[0] = (double)c->nrules, c->ncond = 1;
    if (c->type != CT_EVENT_COUNT && !temporal && !c->nvalue)
        return snprintf(why, cap,
                        "correlation: value_count, value_sum, value_avg and value_percentile need a "
                        "condition field"),
               false;
    for (size_t i = 0; i < c->ncond && (c->type == CT_EVENT_COUNT || c->type == CT_VALUE_COUNT); i++) {
        uint8_t op = c->cmp[i];
        double t = c->threshold[i];
        if ((op == CMP_GT && t >= SG_CORR_MAX_ENTRIES) ||
            ((op == CMP_GTE || op == CMP_EQ) && t > SG_CORR_MAX_ENTRIES))
            return snprintf(why, cap,
                            "correlation: a count above %d within one timespan is more than tocsin keeps per "
                            "group",
                            SG_CORR_MAX_ENTRIES),
                   false;
    }
    if (c->nvalue > 1 && c->type != CT_VALUE_COUNT)
        return snprintf(why, cap,
                        "correlation: only value_count takes a list of fields; value_sum, value_avg and "
                        "value_percentile take one"),
               false;
    return true;
}

/* aliases: {alias: {rule name or id: field, ...}, ...} */
static bool parse_aliases(sg_corr *c, ts_arena *a, const sy_node *al, char *why, size_t cap)
{
    if (!al || al->is_null)
        return true;
    if (al->kind != SY_MAP || al->nkids / 2 > SG_CORR_MAX_ALIASES)
        return snprintf(why, cap, "correlation: aliases must be a map of up to %d aliases",
                        SG_CORR_MAX_ALIASES),
               false;
    c->aliases = ts_arena_alloc(a, (al->nkids / 2 + 1) * sizeof *c->aliases);
    if (!c->aliases)
        return snprintf(why, cap, "out of memory"), false;
    for (size_t i = 0; i + 1 < al->nkids; i += 2) {
        const sy_node *k = al->kids[i], *m = al->kids[i + 1];
        sg_alias *x = &c->aliases[c->naliases++];
        memset(x, 0, sizeof *x);
        if (k->kind != SY_SCALAR || m->kind != SY_MAP || m->nkids / 2 > SG_CORR_MAX_RULES)
            return snprintf(why, cap,
                            "correlation: alias '%.40s' must map up to %d rule names to field names",
                            k->kind == SY_SCALAR ? k->s : "?", SG_CORR_MAX_RULES),
                   false;
        x->name = ts_arena_strndup(a, k->s, k->n);
        for (size_t j = 0; j + 1 < m->nkids; j += 2) {
            const sy_node *r = m->kids[j], *f = m->kids[j + 1];
            if (r->kind != SY_SCALAR || f->kind != SY_SCALAR || !f->n)
                return snprintf(why, cap, "correlation: alias '%.40s': want rule name: field name", k->s),
                       false;
            x->rule[x->n] = ts_arena_strndup(a, r->s, r->n);
            x->field[x->n] = ts_arena_strndup(a, f->s, f->n);
            if (!x->rule[x->n] || !x->field[x->n])
                return snprintf(why, cap, "out of memory"), false;
            x->n++;
        }
        if (!x->name)
            return snprintf(why, cap, "out of memory"), false;
    }
    return true;
}

/* generate: at the top level (the v2 schema) or inside correlation (where some tools write it). */
static bool parse_generate(sg_corr *k, const sy_node *doc, const sy_node *c, char *why, size_t cap)
{
    const sy_node *g = sy_get(doc, "generate");
    if (!g)
        g = sy_get(c, "generate");
    if (!g || g->is_null)
        return true;
    if (g->kind == SY_SCALAR && (!strcmp(g->s, "true") || !strcmp(g->s, "True")))
        return k->generate = true, true;
    if (g->kind == SY_SCALAR && (!strcmp(g->s, "false") || !strcmp(g->s, "False")))
        return true;
    return snprintf(why, cap, "correlation: generate must be true or false"), false;
}

static int type_of(const char *t)
{
    static const struct {
        const char *name;
        int type;
    } types[] = {{"event_count", CT_EVENT_COUNT},
                 {"value_count", CT_VALUE_COUNT},
                 {"temporal", CT_TEMPORAL},
                 {"temporal_ordered", CT_TEMPORAL_ORDERED},
                 {"value_sum", CT_VALUE_SUM},
                 {"value_avg", CT_VALUE_AVG},
                 {"value_percentile", CT_VALUE_PERCENTILE}};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (!strcmp(t, types[i].name))
            return types[i].type;
    return -1;
}

static bool set_meta(ts_sigma *s, sg_corr *k, const sy_node *doc, const char *file)
{
    const char *id = sg_scalar(doc, "id");
    k->id = ts_arena_strndup(&s->arena, id[0] ? id : file, strlen(id[0] ? id : file));
    k->name = ts_arena_strndup(&s->arena, sg_scalar(doc, "name"), strlen(sg_scalar(doc, "name")));
    k->title = ts_arena_strndup(&s->arena, sg_scalar(doc, "title"), strlen(sg_scalar(doc, "title")));
    k->level = sg_lower_dup(&s->arena, sg_scalar(doc, "level"));
    k->techniques = sg_techniques(&s->arena, sy_get(doc, "tags"));
    k->file = ts_arena_strndup(&s->arena, file, strlen(file));
    k->info = (ts_sigma_rule_info){k->id, k->title, k->level, k->techniques, k->file, doc->line};
    return k->id && k->name && k->title && k->level && k->techniques && k->file;
}

/* Reads the correlation section c of doc into k; false with a reason. */
static bool read_corr(ts_sigma *s, sg_corr *k, const sy_node *doc, const sy_node *c, const char *file,
                      char *why, size_t cap)
{
    int type = type_of(sg_scalar(c, "type"));
    if (type < 0)
        return snprintf(why, cap,
                        "correlation type '%.40s' is not one of event_count, value_count, temporal, "
                        "temporal_ordered, value_sum, value_avg, value_percentile",
                        sg_scalar(c, "type")),
               false;
    k->type = (uint8_t)type;
    if (!list_into(&s->arena, sy_get(c, "rules"), k->refs, SG_CORR_MAX_RULES, &k->nrules) || !k->nrules)
        return snprintf(why, cap, "correlation: rules must be a list of up to %d rule ids or names",
                        SG_CORR_MAX_RULES),
               false;
    if (!list_into(&s->arena, sy_get(c, "group-by"), k->group_by, SG_CORR_MAX_GROUP, &k->ngroup))
        return snprintf(why, cap, "correlation: group-by must be a list of up to %d field names",
                        SG_CORR_MAX_GROUP),
               false;
    if (!parse_span(sg_scalar(c, "timespan"), &k->span_ns))
        return snprintf(why, cap, "correlation: timespan must be like 90s, 5m, 1h, 2d (at most 11574d)"),
               false;
    if (!parse_condition(k, &s->arena, sy_get(c, "condition"), why, cap) ||
        !parse_aliases(k, &s->arena, sy_get(c, "aliases"), why, cap) || !parse_generate(k, doc, c, why, cap))
        return false;
    if (!set_meta(s, k, doc, file))
        return snprintf(why, cap, "out of memory"), false;
    return true;
}

bool sg_corr_build(ts_sigma *s, const sy_node *doc, const char *file, char *why, size_t cap)
{
    const sy_node *c = sy_get(doc, "correlation");
    if (!c || c->kind != SY_MAP)
        return snprintf(why, cap, "correlation: not a map"), false;
    if (!ts_vec_grow(s->corrs, s->cap_corrs, s->ncorrs + 1, TS_VEC_NOCAP))
        return snprintf(why, cap, "out of memory"), false;
    /* built in place (it is large: the per-input field tables); kept only when whole */
    sg_corr *k = &s->corrs[s->ncorrs];
    memset(k, 0, sizeof *k);
    if (!read_corr(s, k, doc, c, file, why, cap))
        return false;
    s->ncorrs++;
    return true;
}

/* ---- resolution at compile ---- */

/* The rule or correlation a reference names (by id, then name); UINT32_MAX when none. */
static uint32_t resolve(const ts_sigma *s, uint32_t self, const char *ref)
{
    for (uint32_t r = 0; r < s->nrules; r++)
        if (!strcmp(s->rules[r].id, ref) || (s->rules[r].name[0] && !strcmp(s->rules[r].name, ref)))
            return r;
    for (uint32_t c = 0; c < s->ncorrs; c++)
        if (c != self &&
            (!strcmp(s->corrs[c].id, ref) || (s->corrs[c].name[0] && !strcmp(s->corrs[c].name, ref))))
            return SG_CORR_INPUT_CORR | c;
    return UINT32_MAX;
}

static void input_names(const ts_sigma *s, uint32_t in, const char **id, const char **name)
{
    if (in & SG_CORR_INPUT_CORR)
        *id = s->corrs[in & ~SG_CORR_INPUT_CORR].id, *name = s->corrs[in & ~SG_CORR_INPUT_CORR].name;
    else
        *id = s->rules[in].id, *name = s->rules[in].name;
}

/* The field that name stands for in the events of input i: its alias entry for that input
 * (named as written in rules:, or by the input's id or name), else name itself. */
static const char *alias_field(const sg_corr *k, const ts_sigma *s, size_t i, const char *name)
{
    const char *id, *nm;
    input_names(s, k->inputs[i], &id, &nm);
    for (size_t a = 0; a < k->naliases; a++) {
        const sg_alias *x = &k->aliases[a];
        if (strcmp(x->name, name))
            continue;
        for (size_t j = 0; j < x->n; j++)
            if (!strcmp(x->rule[j], k->refs[i]) || !strcmp(x->rule[j], id) ||
                (nm[0] && !strcmp(x->rule[j], nm)))
                return x->field[j];
    }
    return name;
}

/* Resolves k's inputs and fields; false (with k->idle set) when it cannot run. */
static bool resolve_one(ts_sigma *s, uint32_t c)
{
    sg_corr *k = &s->corrs[c];
    for (size_t i = 0; i < k->nrules; i++) {
        k->inputs[i] = resolve(s, c, k->refs[i]);
        if (k->inputs[i] == UINT32_MAX) {
            snprintf(k->idle, sizeof k->idle, "names '%.60s', which is not a loaded rule or correlation",
                     k->refs[i]);
            return false;
        }
    }
    /* every alias entry must name one of the inputs, or a typo would silently never join */
    for (size_t a = 0; a < k->naliases; a++)
        for (size_t j = 0; j < k->aliases[a].n; j++) {
            bool found = false;
            for (size_t i = 0; i < k->nrules && !found; i++) {
                const char *id, *nm;
                input_names(s, k->inputs[i], &id, &nm);
                const char *w = k->aliases[a].rule[j];
                found = !strcmp(w, k->refs[i]) || !strcmp(w, id) || (nm[0] && !strcmp(w, nm));
            }
            if (!found) {
                snprintf(k->idle, sizeof k->idle, "alias '%.40s' names '%.60s', which is not among its rules",
                         k->aliases[a].name, k->aliases[a].rule[j]);
                return false;
            }
        }
    for (size_t i = 0; i < k->nrules; i++) {
        for (size_t g = 0; g < k->ngroup; g++)
            k->gfield[i][g] = alias_field(k, s, i, k->group_by[g]);
        for (size_t v = 0; v < k->nvalue; v++)
            k->vfield[i][v] = alias_field(k, s, i, k->value_fields[v]);
    }
    return true;
}

/* Depth-first over correlation inputs: a correlation is active when all it names are, with
 * no cycle and a chain of at most SG_CORR_MAX_CHAIN. mark: 0 new, 1 on the path, 2 done.
 * Returns the chain height (1 for a correlation of rules only), 0 when idle. */
static int settle(ts_sigma *s, uint32_t c, uint8_t *mark, int *height)
{
    sg_corr *k = &s->corrs[c];
    if (mark[c] == 2)
        return height[c];
    if (mark[c] == 1) {
        snprintf(k->idle, sizeof k->idle, "is part of a cycle of correlations naming one another");
        return 0;
    }
    mark[c] = 1;
    int h = k->idle[0] ? 0 : 1;
    for (size_t i = 0; h && i < k->nrules; i++) {
        if (!(k->inputs[i] & SG_CORR_INPUT_CORR))
            continue;
        uint32_t d = k->inputs[i] & ~SG_CORR_INPUT_CORR;
        int hd = settle(s, d, mark, height);
        if (!hd) {
            if (!k->idle[0])
                snprintf(k->idle, sizeof k->idle, "names correlation '%.60s', which cannot run", k->refs[i]);
            h = 0;
        } else if (hd + 1 > SG_CORR_MAX_CHAIN) {
            snprintf(k->idle, sizeof k->idle, "stacks more than %d correlations on one another",
                     SG_CORR_MAX_CHAIN);
            h = 0;
        } else if (hd + 1 > h) {
            h = hd + 1;
        }
    }
    mark[c] = 2;
    height[c] = h;
    k->active = h > 0;
    return h;
}

/* Wires active correlations to what feeds them. A rule or correlation that feeds active
 * correlations alerts on its own only when one of them says generate: true. */
static bool wire(ts_sigma *s)
{
    for (uint32_t c = 0; c < s->ncorrs; c++) {
        const sg_corr *k = &s->corrs[c];
        for (size_t i = 0; k->active && i < k->nrules; i++) {
            uint32_t in = k->inputs[i];
            bool dup = false; /* a rule named twice feeds once */
            for (size_t j = 0; j < i; j++)
                dup |= k->inputs[j] == in;
            if (dup)
                continue;
            sg_u32v *l =
                in & SG_CORR_INPUT_CORR ? &s->corr_corrs[in & ~SG_CORR_INPUT_CORR] : &s->rule_corrs[in];
            if (!sg_u32v_push(l, c))
                return false;
        }
    }
    for (uint32_t r = 0; r < s->nrules; r++) {
        bool gen = false;
        for (size_t i = 0; i < s->rule_corrs[r].n; i++)
            gen |= s->corrs[s->rule_corrs[r].v[i]].generate;
        s->rules[r].quiet = s->rule_corrs[r].n && !gen;
    }
    for (uint32_t c = 0; c < s->ncorrs; c++) {
        bool gen = false;
        for (size_t i = 0; i < s->corr_corrs[c].n; i++)
            gen |= s->corrs[s->corr_corrs[c].v[i]].generate;
        s->corrs[c].quiet = s->corr_corrs[c].n && !gen;
    }
    return true;
}

bool sg_corr_compile(ts_sigma *s)
{
    if (!s->ncorrs)
        return true;
    s->rule_corrs = calloc(s->nrules + 1, sizeof *s->rule_corrs);
    s->corr_corrs = calloc(s->ncorrs, sizeof *s->corr_corrs);
    uint8_t *mark = calloc(s->ncorrs, 1);
    int *height = calloc(s->ncorrs, sizeof *height);
    bool ok = s->rule_corrs && s->corr_corrs && mark && height;
    for (uint32_t c = 0; ok && c < s->ncorrs; c++)
        resolve_one(s, c);
    for (uint32_t c = 0; ok && c < s->ncorrs; c++)
        settle(s, c, mark, height);
    ok = ok && wire(s);
    free(mark);
    free(height);
    return ok;
}

size_t ts_sigma_idle_correlations(const ts_sigma *s, ts_sigma_status_fn fn, void *ud)
{
    size_t n = 0;
    for (size_t c = 0; s->compiled && c < s->ncorrs; c++) {
        const sg_corr *k = &s->corrs[c];
        if (k->active)
            continue;
        n++;
        char why[200];
        snprintf(why, sizeof why, "correlation stays idle: %s", k->idle);
        const char *id = strcmp(k->id, k->file) ? k->id : ""; /* no id: it was named after its file */
        ts_sigma_status st = {{k->file, k->info.line, 0, TOCSIN_E_ARG, why}, id, k->title, false};
        if (fn)
            fn(ud, &st);
    }
    return n;
}

void sg_corr_free(ts_sigma *s)
{
    for (size_t r = 0; s->rule_corrs && r < s->nrules; r++)
        free(s->rule_corrs[r].v);
    for (size_t c = 0; s->corr_corrs && c < s->ncorrs; c++)
        free(s->corr_corrs[c].v);
    free(s->rule_corrs);
    free(s->corr_corrs);
    free(s->corrs);
}
