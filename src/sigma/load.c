/* load.c: the rule set's life: creation, rule files and trees, placeholders, and freeing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/input.h"
#include "sigma/sigma_int.h"
#include "core/vec.h"

#define MAX_RULE_FILE (8u << 20)
#define MAX_PLACEHOLDER_VALUES 4096

ts_sigma *ts_sigma_new(const char *logsources_path, char *err, size_t cap)
{
    ts_sigma *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, cap, "out of memory");
        return NULL;
    }
    if (!sg_sources_load(s, logsources_path, err, cap)) {
        ts_sigma_free(s);
        return NULL;
    }
    return s;
}

void ts_sigma_free(ts_sigma *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nsrc; i++)
        free(s->src[i].groups.v);
    free(s->src);
    free(s->src_next);
    sg_map_free(&s->chan_index);
    sg_map_free(&s->ds_index);
    free(s->any_src.v);
    for (size_t g = 0; g < s->ngroups; g++) {
        sg_group *gr = &s->groups[g];
        for (size_t f = 0; gr->db && f < gr->nfields; f++)
            sg_matcher_free(gr->db[f]);
        for (size_t f = 0; gr->db_short && f < gr->nfields; f++)
            sg_matcher_free(gr->db_short[f]);
        free(gr->db_short);
        sg_matcher_free(gr->db_any);
        free(gr->db);
        free(gr->sources.v), free(gr->rules.v), free(gr->always.v), free(gr->field_names);
        sg_map_free(&gr->fields);
    }
    free(s->groups);
    for (size_t i = 0; i < s->natoms; i++)
        if (s->atoms[i].re)
            sg_atom_pcre_free(&s->atoms[i]);
    for (size_t i = 0; s->triggers && i < s->natoms; i++)
        free(s->triggers[i].v);
    free(s->triggers);
    free(s->atom_hs);
    free(s->atoms);
    sg_map_free(&s->atom_index);
    free(s->nodes);
    free(s->kids.v);
    sg_corr_free(s);
    free(s->filters);
    free(s->rules);
    sg_map_free(&s->placeholders);
    free(s->ph);
    ts_arena_free(&s->arena);
    free(s);
}

/* Reads a whole file (at most MAX_RULE_FILE bytes) into a malloc'ed buffer sized to it: an
 * 8 MiB buffer per rule file was most of fuzz_sigma_placeholders' time, and a mapping and
 * unmapping per file of a rule tree of thousands. */
static char *slurp(const char *path, size_t *n, char *err, size_t cap)
{
    char *buf;
    tocsin_code rc = ts_input_slurp_path(path, MAX_RULE_FILE, &buf, n);
    if (rc == TOCSIN_OK)
        return buf;
    snprintf(err, cap, "%s",
             rc == TOCSIN_E_NOMEM      ? "out of memory"
             : rc == TOCSIN_E_TOOLONG  ? "larger than 8 MiB"
             : rc == TOCSIN_E_NOTFOUND ? "cannot open"
                                       : "cannot open or read");
    return NULL;
}

/* ---- placeholders ---- */

static bool add_placeholder(ts_sigma *s, const sy_node *k, const sy_node *v)
{
    size_t n = v->kind == SY_SEQ ? v->nkids : 1;
    if (k->kind != SY_SCALAR || v->kind == SY_MAP || n > MAX_PLACEHOLDER_VALUES)
        return false;
    char **vals = ts_arena_alloc(&s->arena, (n ? n : 1) * sizeof *vals);
    if (!vals || !ts_vec_grow(s->ph, s->cap_ph, s->nph_names + 1, TS_VEC_NOCAP))
        return false;
    for (size_t i = 0; i < n; i++) {
        const sy_node *x = v->kind == SY_SEQ ? v->kids[i] : v;
        if (x->kind != SY_SCALAR || !(vals[i] = ts_arena_strndup(&s->arena, x->s, x->n)))
            return false;
    }
    s->ph[s->nph_names] = (struct sg_placeholder){vals, n};
    return sg_map_put(&s->placeholders, k->s, k->n, (uint32_t)s->nph_names++);
}

tocsin_code ts_sigma_load_placeholders(ts_sigma *s, const char *path, char *err, size_t cap)
{
    size_t n;
    char *text = slurp(path, &n, err, cap);
    if (!text)
        return TOCSIN_E_IO;
    sy_node **docs;
    size_t nd;
    uint32_t line;
    tocsin_code rc = TOCSIN_OK;
    if (!sy_parse(&s->arena, text, n, &docs, &nd, err, cap, &line))
        rc = TOCSIN_E_PARSE;
    else if (nd != 1 || docs[0]->kind != SY_MAP)
        snprintf(err, cap, "%s: want one YAML map of placeholder -> values", path), rc = TOCSIN_E_PARSE;
    for (size_t i = 0; rc == TOCSIN_OK && i + 1 < docs[0]->nkids; i += 2)
        if (!add_placeholder(s, docs[0]->kids[i], docs[0]->kids[i + 1]))
            snprintf(err, cap, "%s line %u: bad placeholder", path, docs[0]->kids[i]->line),
                rc = TOCSIN_E_PARSE;
    free(text);
    return rc;
}

/* ---- rule documents ---- */

/* b over a: maps merge key by key (recursively), anything else b replaces. Sigma 1.0
 * collections put shared parts in an "action: global" document. */
static sy_node *merge(ts_arena *ar, const sy_node *a, const sy_node *b)
{
    if (!a || a->kind != SY_MAP || !b || b->kind != SY_MAP)
        return (sy_node *)(b ? b : a);
    sy_node *m = ts_arena_alloc(ar, sizeof *m);
    sy_node **kids = ts_arena_alloc(ar, (a->nkids + b->nkids + 1) * sizeof *kids);
    if (!m || !kids)
        return NULL;
    *m = *b;
    m->kids = kids;
    size_t k = 0;
    for (size_t i = 0; i + 1 < a->nkids; i += 2) {
        const sy_node *key = a->kids[i];
        const sy_node *bv = key->kind == SY_SCALAR ? sy_get(b, key->s) : NULL;
        kids[k++] = a->kids[i];
        kids[k++] = bv ? merge(ar, a->kids[i + 1], bv) : a->kids[i + 1];
        if (!kids[k - 1])
            return NULL;
    }
    for (size_t i = 0; i + 1 < b->nkids; i += 2) {
        const sy_node *key = b->kids[i];
        if (key->kind == SY_SCALAR && sy_get(a, key->s))
            continue;
        kids[k++] = b->kids[i];
        kids[k++] = b->kids[i + 1];
    }
    m->nkids = k;
    return m;
}

static void report(ts_sigma_status_fn fn, void *ud, const char *file, uint64_t line, const char *id,
                   const char *title, const char *why)
{
    if (!fn)
        return;
    ts_sigma_status st = {file, line, id ? id : "", title ? title : "", why == NULL, why};
    fn(ud, &st);
}

tocsin_code ts_sigma_load_text(ts_sigma *s, const char *name, const char *text, size_t n,
                               ts_sigma_status_fn fn, void *ud)
{
    char why[512];
    if (s->compiled) {
        report(fn, ud, name, 0, NULL, NULL, "the rule set is already compiled");
        return TOCSIN_E_ARG;
    }
    sy_node **docs;
    size_t nd;
    uint32_t line;
    if (!sy_parse(&s->arena, text, n, &docs, &nd, why, sizeof why, &line)) {
        report(fn, ud, name, line, NULL, NULL, why);
        return TOCSIN_OK;
    }
    const sy_node *global = NULL, *prev = NULL;
    for (size_t i = 0; i < nd; i++) {
        const sy_node *d = docs[i];
        const sy_node *act = sy_get(d, "action");
        const char *a = act && act->kind == SY_SCALAR ? act->s : "";
        if (!strcmp(a, "global")) {
            global = d;
            continue;
        }
        if (!strcmp(a, "reset")) {
            global = NULL;
            continue;
        }
        const sy_node *rule = merge(&s->arena, !strcmp(a, "repeat") ? prev : global, d);
        if (!rule) {
            report(fn, ud, name, d->line, NULL, NULL, "out of memory");
            return TOCSIN_E_NOMEM;
        }
        prev = rule;
        const char *id, *title;
        why[0] = 0;
        bool ok = sg_rule_build(s, rule, name, why, sizeof why, &id, &title);
        report(fn, ud, name, d->line, id, title, ok ? NULL : why);
    }
    return TOCSIN_OK;
}

typedef struct walk_ctx {
    ts_sigma *s;
    ts_sigma_status_fn fn;
    void *ud;
    tocsin_code rc;
} walk_ctx;

static bool yaml_name(const char *f)
{
    size_t n = strlen(f);
    return (n > 4 && !strcmp(f + n - 4, ".yml")) || (n > 5 && !strcmp(f + n - 5, ".yaml"));
}

static int on_file(void *ud, const char *file, const char *err)
{
    walk_ctx *w = ud;
    char msg[256];
    if (err) {
        report(w->fn, w->ud, file, 0, NULL, NULL, err);
        w->rc = TOCSIN_E_IO;
        return 0;
    }
    if (!yaml_name(file))
        return 0;
    size_t n;
    char *text = slurp(file, &n, msg, sizeof msg);
    if (!text) {
        report(w->fn, w->ud, file, 0, NULL, NULL, msg);
        return 0;
    }
    tocsin_code rc = ts_sigma_load_text(w->s, file, text, n, w->fn, w->ud);
    free(text);
    if (rc == TOCSIN_E_NOMEM)
        w->rc = rc;
    return rc == TOCSIN_E_NOMEM;
}

tocsin_code ts_sigma_load_path(ts_sigma *s, const char *path, ts_sigma_status_fn fn, void *ud)
{
    walk_ctx w = {s, fn, ud, TOCSIN_OK};
    FILE *f = fopen(path, "rb");
    if (!f) {
        report(fn, ud, path, 0, NULL, NULL, "cannot open");
        return TOCSIN_E_IO;
    }
    fclose(f);
    ts_walk(path, on_file, &w);
    return w.rc;
}
