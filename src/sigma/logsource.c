/* logsource.c: the log source mapping (data/sigma/logsources.tsv) and the rule groups it feeds. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/sigma_int.h"
#include "core/vec.h"

#define MAX_LINE 4096
#define MAX_EIDS 64
#define MAX_RENAMES 16

static char *dup_lower(ts_arena *a, const char *p, size_t n)
{
    char *s = ts_arena_strndup(a, p, n);
    for (size_t i = 0; s && i < n; i++)
        if (s[i] >= 'A' && s[i] <= 'Z')
            s[i] = (char)(s[i] - 'A' + 'a');
    return s;
}

/* The next field of a tab-separated line; "-" is the empty field. */
static ts_str take(ts_str *line, char sep)
{
    const char *t = memchr(line->p, sep, line->n);
    size_t n = t ? (size_t)(t - line->p) : line->n;
    ts_str f = ts_str_make(line->p, n);
    line->p += t ? n + 1 : n;
    line->n -= t ? n + 1 : n;
    return f.n == 1 && f.p[0] == '-' ? ts_str_make(f.p, 0) : f;
}

static bool parse_eids(ts_arena *a, sg_source *src, ts_str v)
{
    uint32_t tmp[MAX_EIDS];
    size_t n = 0;
    while (v.n) {
        ts_str e = take(&v, ',');
        uint64_t x;
        if (n == MAX_EIDS || !ts_parse_u64(ts_str_trim(e), &x) || x > UINT32_MAX)
            return false;
        tmp[n++] = (uint32_t)x;
    }
    src->eids = ts_arena_alloc(a, n * sizeof *tmp + 1);
    if (!src->eids)
        return false;
    memcpy(src->eids, tmp, n * sizeof *tmp);
    src->neids = n;
    return n > 0;
}

static bool parse_match(ts_arena *a, sg_source *src, ts_str m)
{
    while (m.n) {
        ts_str c = take(&m, ';');
        const char *eq = memchr(c.p, '=', c.n);
        if (!eq)
            return false;
        ts_str k = ts_str_make(c.p, (size_t)(eq - c.p));
        ts_str v = ts_str_make(eq + 1, c.n - k.n - 1);
        if (ts_str_eq(k, "channel"))
            src->channel = dup_lower(a, v.p, v.n);
        else if (ts_str_eq(k, "provider"))
            src->provider = dup_lower(a, v.p, v.n);
        else if (ts_str_eq(k, "dataset"))
            src->dataset = ts_arena_strndup(a, v.p, v.n);
        else if (!ts_str_eq(k, "eventid") || !parse_eids(a, src, v))
            return false;
    }
    return src->channel || src->provider || src->dataset;
}

static bool parse_renames(ts_arena *a, sg_source *src, ts_str r)
{
    sg_rename tmp[MAX_RENAMES];
    size_t n = 0;
    while (r.n) {
        ts_str c = take(&r, ',');
        const char *eq = memchr(c.p, '=', c.n);
        if (!eq || n == MAX_RENAMES)
            return false;
        tmp[n].from = ts_arena_strndup(a, c.p, (size_t)(eq - c.p));
        tmp[n].to = ts_arena_strndup(a, eq + 1, c.n - (size_t)(eq - c.p) - 1);
        n++;
    }
    src->ren = ts_arena_alloc(a, n * sizeof *tmp + 1);
    if (!src->ren)
        return false;
    memcpy(src->ren, tmp, n * sizeof *tmp);
    src->nren = n;
    return true;
}

/* Links source i into the index under key (chains in src_next). */
static bool index_source(ts_sigma *s, sg_map *m, const char *key, uint32_t i)
{
    uint32_t head = sg_map_get(m, key, strlen(key));
    s->src_next[i] = head;
    return sg_map_put(m, key, strlen(key), i);
}

/* Adds one mapping line; NULL, or the problem (static text) with *code. */
static const char *add_line(ts_sigma *s, ts_str line, size_t *cap, tocsin_code *code)
{
    *code = TOCSIN_E_NOMEM;
    if (!ts_vec_grow(s->src, *cap, s->nsrc + 1, TS_VEC_NOCAP))
        return "out of memory";
    sg_source *src = &s->src[s->nsrc];
    memset(src, 0, sizeof *src);
    ts_str prod = take(&line, '\t'), cat = take(&line, '\t'), svc = take(&line, '\t');
    ts_str match = take(&line, '\t'), ren = take(&line, '\t');
    src->product = dup_lower(&s->arena, prod.p, prod.n);
    src->category = dup_lower(&s->arena, cat.p, cat.n);
    src->service = dup_lower(&s->arena, svc.p, svc.n);
    if (!src->product || !src->category || !src->service)
        return "out of memory";
    *code = TOCSIN_E_PARSE;
    if (!parse_match(&s->arena, src, match))
        return "bad log source mapping line: its match (4th column) is not ';'-separated channel=, "
               "provider=, dataset= or eventid=N,... conditions";
    if (!parse_renames(&s->arena, src, ren))
        return "bad log source mapping line: its renames (5th column) are not FROM=TO,... (at most 16)";
    s->nsrc++;
    return NULL;
}

static bool build_index(ts_sigma *s)
{
    s->src_next = calloc(s->nsrc ? s->nsrc : 1, sizeof *s->src_next);
    if (!s->src_next)
        return false;
    for (uint32_t i = (uint32_t)s->nsrc; i-- > 0;) {
        const sg_source *src = &s->src[i];
        bool ok = true;
        if (src->channel)
            ok = index_source(s, &s->chan_index, src->channel, i);
        else if (src->dataset && src->dataset[0] != '*')
            ok = index_source(s, &s->ds_index, src->dataset, i);
        if (!ok)
            return false;
    }
    for (uint32_t i = 0; i < s->nsrc; i++)
        if (!s->src[i].channel && !(s->src[i].dataset && s->src[i].dataset[0] != '*') &&
            !sg_u32v_push(&s->any_src, i))
            return false;
    return true;
}

bool sg_sources_load(ts_sigma *s, const char *path, ts_diag_fn diag, void *ud)
{
    FILE *f = fopen(path, "rb");
    char line[MAX_LINE];
    size_t srccap = 0;
    uint64_t lineno = 0;
    if (!f) {
        char msg[300];
        snprintf(msg, sizeof msg, "cannot open the Sigma log source mapping: %s", strerror(errno));
        ts_diag_say(diag, ud, path, 0, 0, errno == ENOENT ? TOCSIN_E_NOTFOUND : TOCSIN_E_IO, msg);
        return false;
    }
    const char *bad = NULL;
    tocsin_code code = TOCSIN_OK;
    while (!bad && fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (!n || line[0] == '#')
            continue;
        bad = add_line(s, ts_str_make(line, n), &srccap, &code);
    }
    fclose(f);
    if (!bad && !build_index(s))
        bad = "out of memory", code = TOCSIN_E_NOMEM, lineno = 0;
    ts_diag_say(bad ? diag : NULL, ud, path, lineno, 0, code, bad);
    return !bad;
}

/* A rule's product/category/service accepts a line when each one it gives is equal. */
static bool accepts(const char *rule, const char *line)
{
    return !rule[0] || strcmp(rule, line) == 0;
}

static uint32_t new_group(ts_sigma *s, const char *p, const char *c, const char *v)
{
    if (!ts_vec_grow(s->groups, s->cap_groups, s->ngroups + 1, TS_VEC_NOCAP))
        return UINT32_MAX;
    sg_group *g = &s->groups[s->ngroups];
    memset(g, 0, sizeof *g);
    g->product = ts_arena_strndup(&s->arena, p, strlen(p));
    g->category = ts_arena_strndup(&s->arena, c, strlen(c));
    g->service = ts_arena_strndup(&s->arena, v, strlen(v));
    if (!g->product || !g->category || !g->service)
        return UINT32_MAX;
    uint32_t gi = (uint32_t)s->ngroups;
    for (uint32_t i = 0; i < s->nsrc; i++) {
        const sg_source *src = &s->src[i];
        if (accepts(p, src->product) && accepts(c, src->category) && accepts(v, src->service) &&
            (!sg_u32v_push(&g->sources, i) || !sg_u32v_push(&s->src[i].groups, gi)))
            return UINT32_MAX;
    }
    s->ngroups++;
    return gi;
}

uint32_t sg_group_for(ts_sigma *s, const char *product, const char *category, const char *service, char *why,
                      size_t cap)
{
    for (uint32_t i = 0; i < s->ngroups; i++) {
        const sg_group *g = &s->groups[i];
        if (!strcmp(g->product, product) && !strcmp(g->category, category) && !strcmp(g->service, service))
            return i;
    }
    bool any = false;
    for (uint32_t i = 0; i < s->nsrc && !any; i++)
        any = accepts(product, s->src[i].product) && accepts(category, s->src[i].category) &&
              accepts(service, s->src[i].service);
    if (!any || (!product[0] && !category[0] && !service[0])) {
        snprintf(why, cap, "log source not read by tocsin: product=%s category=%s service=%s",
                 product[0] ? product : "-", category[0] ? category : "-", service[0] ? service : "-");
        return UINT32_MAX;
    }
    uint32_t g = new_group(s, product, category, service);
    if (g == UINT32_MAX)
        snprintf(why, cap, "out of memory");
    return g;
}

uint32_t sg_group_field(ts_sigma *s, uint32_t gi, const char *name, size_t n)
{
    sg_group *g = &s->groups[gi];
    uint32_t f = sg_map_get(&g->fields, name, n);
    if (f != UINT32_MAX)
        return f;
    if (!ts_vec_grow(g->field_names, g->cap_fields, g->nfields + 1, TS_VEC_NOCAP))
        return UINT32_MAX;
    char *copy = ts_arena_strndup(&s->arena, name, n);
    if (!copy || !sg_map_put(&g->fields, name, n, (uint32_t)g->nfields))
        return UINT32_MAX;
    g->field_names[g->nfields] = copy;
    return (uint32_t)g->nfields++;
}
