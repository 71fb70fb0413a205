/* coverage.c: which rules could ever fire on a body of logs (log source and fields seen). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/sigma_int.h"

/*
 * A rule could fire when events of its log source were seen and, in its detection, some
 * way to be true needs only fields that were seen: an AND needs all its branches, an OR
 * one, and a negation (or a null test) holds without the field.
 */

struct ts_sigma_coverage {
    const ts_sigma *s;
    uint8_t *group_seen, *field_seen;
    const ts_event *ev;
};

ts_sigma_coverage *ts_sigma_coverage_new(const ts_sigma *s)
{
    ts_sigma_coverage *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->s = s;
    c->group_seen = calloc(s->ngroups + 1, 1);
    c->field_seen = calloc(s->nfields_total + 1, 1);
    if (!c->group_seen || !c->field_seen) {
        ts_sigma_coverage_free(c);
        return NULL;
    }
    return c;
}

void ts_sigma_coverage_free(ts_sigma_coverage *c)
{
    if (!c)
        return;
    free(c->group_seen), free(c->field_seen);
    free(c);
}

static void on_source(void *ud, uint32_t si)
{
    ts_sigma_coverage *c = ud;
    const ts_sigma *s = c->s;
    const sg_source *src = &s->src[si];
    for (size_t i = 0; i < src->groups.n; i++) {
        const sg_group *g = &s->groups[src->groups.v[i]];
        c->group_seen[src->groups.v[i]] = 1;
        for (size_t f = 0; f < c->ev->n_fields; f++) {
            char buf[128];
            ts_str k = sg_field_name(src, c->ev->fields[f].key, buf, sizeof buf);
            uint32_t id = sg_map_get(&g->fields, k.p, k.n);
            if (id != UINT32_MAX)
                c->field_seen[g->fbase + id] = 1;
        }
    }
}

void ts_sigma_coverage_event(ts_sigma_coverage *c, const ts_event *ev)
{
    if (!c->s->compiled)
        return;
    c->ev = ev;
    sg_route(c->s, ev, on_source, c);
}

static bool field_ok(const ts_sigma_coverage *c, uint32_t group, uint32_t field)
{
    return field == SG_ANY_FIELD || c->field_seen[c->s->groups[group].fbase + field];
}

/* Whether node could be true; *missing names a field that stopped it. */
static bool could(const ts_sigma_coverage *c, uint32_t node, const sg_atom **missing)
{
    const ts_sigma *s = c->s;
    const sg_node *n = &s->nodes[node];
    switch (n->op) {
    case N_ATOM: {
        const sg_atom *at = &s->atoms[n->a];
        if (at->kind == AT_NULL)
            return true;
        bool ok =
            field_ok(c, at->group, at->field) && (at->kind != AT_FREF || field_ok(c, at->group, at->field2));
        if (!ok && !*missing)
            *missing = at;
        return ok;
    }
    case N_AND:
        for (uint32_t i = 0; i < n->n; i++)
            if (!could(c, s->kids.v[n->a + i], missing))
                return false;
        return true;
    case N_OR:
        for (uint32_t i = 0; i < n->n; i++)
            if (could(c, s->kids.v[n->a + i], missing))
                return true;
        return false;
    case N_FALSE:
        return false;
    default:
        return true;
    }
}

static bool rule_could(const ts_sigma_coverage *c, uint32_t r, char *why, size_t cap)
{
    const sg_rule *rule = &c->s->rules[r];
    const sg_group *g = &c->s->groups[rule->group];
    if (!c->group_seen[rule->group]) {
        snprintf(why, cap, "no events of its log source (product=%s category=%s service=%s)",
                 g->product[0] ? g->product : "-", g->category[0] ? g->category : "-",
                 g->service[0] ? g->service : "-");
        return false;
    }
    const sg_atom *missing = NULL;
    if (could(c, rule->root, &missing))
        return true;
    if (missing)
        snprintf(why, cap, "field %s never seen in its log source",
                 g->field_names[c->field_seen[g->fbase + missing->field] ? missing->field2 : missing->field]);
    else
        snprintf(why, cap, "its detection can never hold");
    return false;
}

/* A correlation could fire when it runs and every rule under it (through the correlations it
 * names) could. */
static bool corr_could(const ts_sigma_coverage *c, uint32_t k, char *why, size_t cap)
{
    const sg_corr *corr = &c->s->corrs[k];
    if (!corr->active) {
        snprintf(why, cap, "%s", corr->idle);
        return false;
    }
    for (size_t i = 0; i < corr->nrules; i++) {
        uint32_t in = corr->inputs[i];
        if (in & SG_CORR_INPUT_CORR ? !corr_could(c, in & ~SG_CORR_INPUT_CORR, why, cap)
                                    : !rule_could(c, in, why, cap))
            return false;
    }
    return true;
}

void ts_sigma_coverage_report(const ts_sigma_coverage *c, ts_sigma_cover_fn fn, void *ud)
{
    char why[512];
    for (uint32_t r = 0; r < c->s->nrules; r++) {
        why[0] = 0;
        bool ok = rule_could(c, r, why, sizeof why);
        fn(ud, &c->s->rules[r].info, ok, ok ? NULL : why);
    }
    for (uint32_t k = 0; k < c->s->ncorrs; k++) {
        why[0] = 0;
        bool ok = corr_could(c, k, why, sizeof why);
        fn(ud, &c->s->corrs[k].info, ok, ok ? NULL : why);
    }
}
