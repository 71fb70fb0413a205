/* rule.c: one Sigma rule document (metadata, log source, detection, condition) into compiled nodes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/attack.h"
#include "sigma/sigma_int.h"
#include "core/vec.h"

#define MAX_IDS 512
#define MAX_ITEMS 65536

uint32_t sg_add_node(ts_sigma *s, uint8_t op, uint32_t a, uint32_t n)
{
    if (!ts_vec_grow(s->nodes, s->cap_nodes, s->nnodes + 1, TS_VEC_NOCAP))
        return UINT32_MAX;
    s->nodes[s->nnodes] = (sg_node){op, a, n};
    return (uint32_t)s->nnodes++;
}

uint32_t sg_add_list(ts_sigma *s, uint8_t op, const uint32_t *ids, size_t n)
{
    if (n == 1)
        return ids[0];
    if (n == 0)
        return sg_add_node(s, op == N_AND ? N_TRUE : N_FALSE, 0, 0);
    uint32_t start = (uint32_t)s->kids.n;
    for (size_t i = 0; i < n; i++)
        if (!sg_u32v_push(&s->kids, ids[i]))
            return UINT32_MAX;
    return sg_add_node(s, op, start, (uint32_t)n);
}

/* Atoms are shared: the same test on the same field of the same group is one atom. The
 * key is the test's bytes, laid out field by field (not printed: formatting a key per atom
 * was a tenth of loading SigmaHQ's Windows rules); short keys stay on the stack. */
uint32_t sg_add_atom(ts_sigma *s, const sg_atom *at)
{
    char small[256];
    const size_t fixed = 8 + 3 * sizeof(uint32_t) + sizeof at->num + sizeof at->ip.b;
    size_t kn = fixed + at->plen;
    char *key = kn <= sizeof small ? small : malloc(kn);
    if (!key)
        return UINT32_MAX;
    uint8_t b[8] = {at->kind, at->anchors, at->rxflags, at->is_regex, at->cmp, at->tpart, at->prefix, 0};
    uint32_t w[3] = {at->group, at->field, at->field2};
    size_t k = 0;
    memcpy(key + k, b, sizeof b), k += sizeof b;
    memcpy(key + k, w, sizeof w), k += sizeof w;
    memcpy(key + k, &at->num, sizeof at->num), k += sizeof at->num;
    memcpy(key + k, at->ip.b, sizeof at->ip.b), k += sizeof at->ip.b;
    if (at->plen)
        memcpy(key + k, at->pat, at->plen);
    k += at->plen;
    uint32_t id = sg_map_get(&s->atom_index, key, k);
    if (id != UINT32_MAX) {
        if (key != small)
            free(key);
        return id;
    }
    if (!ts_vec_grow(s->atoms, s->cap_atoms, s->natoms + 1, TS_VEC_NOCAP)) {
        id = UINT32_MAX;
        goto out;
    }
    sg_atom *dst = &s->atoms[s->natoms];
    *dst = *at;
    dst->pat = NULL;
    if (at->plen || at->pat) {
        dst->pat = ts_arena_strndup(&s->arena, at->pat ? at->pat : "", at->plen);
        if (!dst->pat) {
            id = UINT32_MAX;
            goto out;
        }
    }
    id = (uint32_t)s->natoms;
    if (!sg_map_put(&s->atom_index, key, k, id))
        id = UINT32_MAX;
    else
        s->natoms++;
out:
    if (key != small)
        free(key);
    return id;
}

/* ---- detection ---- */

typedef struct ident {
    const char *name;
    size_t n;
    uint32_t node;
} ident;

typedef struct build {
    ts_sigma *s;
    uint32_t group;
    ident ids[MAX_IDS];
    size_t nids;
    char *why;
    size_t cap;
    bool filter; /* a filter's map: its "rules" key is not a search identifier */
} build;

/* One "Field|mod|mod: value(s)" item. */
static uint32_t field_item(build *b, const sy_node *key, const sy_node *val)
{
    const char *bar = memchr(key->s, '|', key->n);
    size_t fn = bar ? (size_t)(bar - key->s) : key->n;
    sg_mods m;
    if (!sg_parse_mods(bar ? bar + 1 : "", bar ? key->n - fn - 1 : 0, &m, b->why, b->cap))
        return UINT32_MAX;
    uint32_t field = fn ? sg_group_field(b->s, b->group, key->s, fn) : SG_ANY_FIELD;
    if (fn && field == UINT32_MAX)
        return snprintf(b->why, b->cap, "out of memory"), UINT32_MAX;
    if (val->kind == SY_MAP)
        return snprintf(b->why, b->cap, "line %u: a field's value cannot be a map", val->line), UINT32_MAX;
    size_t nv = val->kind == SY_SEQ ? val->nkids : 1;
    if (nv > MAX_ITEMS)
        return snprintf(b->why, b->cap, "line %u: too many values", val->line), UINT32_MAX;
    uint32_t *ids = malloc((nv ? nv : 1) * sizeof *ids);
    if (!ids)
        return UINT32_MAX;
    bool ok = true;
    for (size_t i = 0; ok && i < nv; i++) {
        const sy_node *v = val->kind == SY_SEQ ? val->kids[i] : val;
        ids[i] = sg_value_node(b->s, b->group, field, &m, v, b->why, b->cap);
        ok = ids[i] != UINT32_MAX;
    }
    uint32_t r = ok ? sg_add_list(b->s, m.all ? N_AND : N_OR, ids, nv) : UINT32_MAX;
    free(ids);
    if (r != UINT32_MAX && m.neq)
        r = sg_add_node(b->s, N_NOT, r, 0);
    return r;
}

/* A map: every item must hold. */
static uint32_t map_node(build *b, const sy_node *map)
{
    size_t n = map->nkids / 2;
    if (n > MAX_ITEMS)
        return snprintf(b->why, b->cap, "line %u: too many items", map->line), UINT32_MAX;
    uint32_t *ids = malloc((n ? n : 1) * sizeof *ids);
    if (!ids)
        return UINT32_MAX;
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        const sy_node *k = map->kids[2 * i];
        if (k->kind != SY_SCALAR) {
            snprintf(b->why, b->cap, "line %u: a field name must be a scalar", k->line);
            ok = false;
            break;
        }
        ids[i] = field_item(b, k, map->kids[2 * i + 1]);
        ok = ids[i] != UINT32_MAX;
    }
    uint32_t r = ok ? sg_add_list(b->s, N_AND, ids, n) : UINT32_MAX;
    free(ids);
    return r;
}

/* A search identifier's definition: a map, a list of maps (any), or keywords. */
static uint32_t search_node(build *b, const sy_node *def)
{
    if (def->kind == SY_MAP)
        return map_node(b, def);
    static const sy_node empty_key = {.kind = SY_SCALAR, .s = "", .n = 0};
    if (def->kind == SY_SCALAR)
        return field_item(b, &empty_key, def);
    size_t n = def->nkids;
    if (n > MAX_ITEMS)
        return snprintf(b->why, b->cap, "line %u: too many items", def->line), UINT32_MAX;
    bool maps = n && def->kids[0]->kind == SY_MAP;
    for (size_t i = 0; i < n; i++)
        if ((def->kids[i]->kind == SY_MAP) != maps)
            return snprintf(b->why, b->cap, "line %u: a list mixes maps and keywords", def->line), UINT32_MAX;
    if (!maps)
        return field_item(b, &empty_key, def);
    uint32_t *ids = malloc((n ? n : 1) * sizeof *ids);
    if (!ids)
        return UINT32_MAX;
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++)
        ok = (ids[i] = map_node(b, def->kids[i])) != UINT32_MAX;
    uint32_t r = ok ? sg_add_list(b->s, N_OR, ids, n) : UINT32_MAX;
    free(ids);
    return r;
}

static uint32_t cond_node(build *b, const sc_node *c);

/* "1 of x*", "all of them": over the identifiers the pattern names ("them": every one not
 * starting with '_'). */
static uint32_t of_node(build *b, const sc_node *c)
{
    bool them = c->nlen == 4 && !memcmp(c->name, "them", 4);
    uint32_t ids[MAX_IDS];
    size_t n = 0;
    for (size_t i = 0; i < b->nids; i++) {
        const ident *d = &b->ids[i];
        if (them ? d->name[0] != '_' : sc_glob(c->name, c->nlen, d->name, d->n))
            ids[n++] = d->node;
    }
    if (!n)
        return snprintf(b->why, b->cap, "condition: '%.*s' names no search identifier", (int)c->nlen,
                        c->name),
               UINT32_MAX;
    return sg_add_list(b->s, c->op == SC_ALL_OF ? N_AND : N_OR, ids, n);
}

static uint32_t cond_node(build *b, const sc_node *c)
{
    switch (c->op) {
    case SC_ID:
        for (size_t i = 0; i < b->nids; i++)
            if (b->ids[i].n == c->nlen && !memcmp(b->ids[i].name, c->name, c->nlen))
                return b->ids[i].node;
        return snprintf(b->why, b->cap, "condition: unknown search identifier '%.*s'", (int)c->nlen, c->name),
               UINT32_MAX;
    case SC_ONE_OF:
    case SC_ALL_OF:
        return of_node(b, c);
    case SC_NOT: {
        uint32_t a = cond_node(b, c->a);
        return a == UINT32_MAX ? a : sg_add_node(b->s, N_NOT, a, 0);
    }
    default: {
        uint32_t ids[2] = {cond_node(b, c->a), UINT32_MAX};
        if (ids[0] == UINT32_MAX || (ids[1] = cond_node(b, c->b)) == UINT32_MAX)
            return UINT32_MAX;
        return sg_add_list(b->s, c->op == SC_AND ? N_AND : N_OR, ids, 2);
    }
    }
}

static uint32_t detection(build *b, const sy_node *det)
{
    const sy_node *cond = NULL;
    for (size_t i = 0; i + 1 < det->nkids; i += 2) {
        const sy_node *k = det->kids[i];
        if (k->kind != SY_SCALAR)
            return snprintf(b->why, b->cap, "line %u: bad search identifier", k->line), UINT32_MAX;
        if (!strcmp(k->s, "condition")) {
            cond = det->kids[i + 1];
            continue;
        }
        if (!strcmp(k->s, "timeframe") || (b->filter && !strcmp(k->s, "rules")))
            continue;
        if (b->nids == MAX_IDS)
            return snprintf(b->why, b->cap, "too many search identifiers"), UINT32_MAX;
        uint32_t n = search_node(b, det->kids[i + 1]);
        if (n == UINT32_MAX)
            return UINT32_MAX;
        b->ids[b->nids++] = (ident){k->s, k->n, n};
    }
    if (!cond)
        return snprintf(b->why, b->cap, "detection has no condition"), UINT32_MAX;
    size_t nc = cond->kind == SY_SEQ ? cond->nkids : 1;
    if (nc > MAX_IDS || cond->kind == SY_MAP)
        return snprintf(b->why, b->cap, "line %u: bad condition", cond->line), UINT32_MAX;
    uint32_t roots[MAX_IDS];
    ts_arena tmp = TS_ARENA_INIT;
    bool ok = true;
    for (size_t i = 0; ok && i < nc; i++) {
        const sy_node *c = cond->kind == SY_SEQ ? cond->kids[i] : cond;
        sc_node *t = c->kind == SY_SCALAR ? sc_parse(&tmp, c->s, c->n, b->why, b->cap) : NULL;
        if (c->kind != SY_SCALAR)
            snprintf(b->why, b->cap, "line %u: a condition must be a string", c->line);
        ok = t && (roots[i] = cond_node(b, t)) != UINT32_MAX;
    }
    ts_arena_free(&tmp);
    return ok ? sg_add_list(b->s, N_OR, roots, nc) : UINT32_MAX;
}

/* ---- metadata ---- */

const char *sg_scalar(const sy_node *map, const char *key)
{
    const sy_node *n = sy_get(map, key);
    return n && n->kind == SY_SCALAR && !n->is_null ? n->s : "";
}

/* "attack.t1059.001" tags as "T1059.001", by current ids (core/attack.h: a rule written
 * against an older ATT&CK and one written against a newer name the same technique);
 * attack.g0032 (a group) and attack.s0002 (software) tags too, as "G0032" and "S0002": the
 * only names attribution takes from a rule. */
char *sg_techniques(ts_arena *a, const sy_node *tags)
{
    char buf[1024];
    size_t k = 0;
    for (size_t i = 0; tags && tags->kind == SY_SEQ && i < tags->nkids; i++) {
        const sy_node *t = tags->kids[i];
        if (t->kind != SY_SCALAR || t->n < 9 || strncmp(t->s, "attack.", 7) || t->s[8] < '0' ||
            t->s[8] > '9' || (t->s[7] != 't' && t->s[7] != 'g' && t->s[7] != 's'))
            continue;
        if (k + t->n + 2 >= sizeof buf)
            break;
        if (k)
            buf[k++] = ',';
        buf[k++] = (char)(t->s[7] - 'a' + 'A');
        memcpy(buf + k, t->s + 8, t->n - 8);
        k += t->n - 8;
    }
    buf[k] = 0;
    char *cur = ts_attack_current_list(ts_attack_default(), buf);
    char *r = cur ? ts_arena_strndup(a, cur, strlen(cur)) : ts_arena_strndup(a, buf, k);
    free(cur);
    return r;
}

char *sg_lower_dup(ts_arena *a, const char *p)
{
    char *s = ts_arena_strndup(a, p, strlen(p));
    for (char *q = s; q && *q; q++)
        if (*q >= 'A' && *q <= 'Z')
            *q = (char)(*q - 'A' + 'a');
    return s;
}

static bool add_rule(ts_sigma *s, const sy_node *doc, const char *file, uint32_t group, uint32_t root)
{
    if (!ts_vec_grow(s->rules, s->cap_rules, s->nrules + 1, TS_VEC_NOCAP))
        return false;
    sg_rule *r = &s->rules[s->nrules];
    memset(r, 0, sizeof *r);
    const char *id = sg_scalar(doc, "id");
    r->id = ts_arena_strndup(&s->arena, id[0] ? id : file, strlen(id[0] ? id : file));
    r->title = ts_arena_strndup(&s->arena, sg_scalar(doc, "title"), strlen(sg_scalar(doc, "title")));
    r->level = sg_lower_dup(&s->arena, sg_scalar(doc, "level"));
    r->techniques = sg_techniques(&s->arena, sy_get(doc, "tags"));
    r->file = ts_arena_strndup(&s->arena, file, strlen(file));
    r->name = ts_arena_strndup(&s->arena, sg_scalar(doc, "name"), strlen(sg_scalar(doc, "name")));
    if (!r->id || !r->name || !r->title || !r->level || !r->techniques || !r->file)
        return false;
    r->group = group;
    r->root = root;
    r->info = (ts_sigma_rule_info){r->id, r->title, r->level, r->techniques, r->file, doc->line};
    s->nrules++;
    return sg_u32v_push(&s->groups[group].rules, (uint32_t)(s->nrules - 1));
}

bool sg_rule_build(ts_sigma *s, const sy_node *doc, const char *file, char *why, size_t cap,
                   const char **id_out, const char **title_out)
{
    *id_out = sg_scalar(doc, "id");
    *title_out = sg_scalar(doc, "title");
    if (doc->kind != SY_MAP)
        return snprintf(why, cap, "a rule must be a YAML map"), false;
    if (sy_get(doc, "correlation"))
        return sg_corr_build(s, doc, file, why, cap);
    if (sy_get(doc, "filter"))
        return sg_filter_add(s, doc, why, cap);
    const sy_node *det = sy_get(doc, "detection"), *ls = sy_get(doc, "logsource");
    if (!det || det->kind != SY_MAP)
        return snprintf(why, cap, "no detection map"), false;
    if (!ls || ls->kind != SY_MAP)
        return snprintf(why, cap, "no logsource map"), false;
    char prod[128], cat[128], svc[128];
    snprintf(prod, sizeof prod, "%s", sg_scalar(ls, "product"));
    snprintf(cat, sizeof cat, "%s", sg_scalar(ls, "category"));
    snprintf(svc, sizeof svc, "%s", sg_scalar(ls, "service"));
    for (char *p = prod; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    for (char *p = cat; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    for (char *p = svc; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    uint32_t g = sg_group_for(s, prod, cat, svc, why, cap);
    if (g == UINT32_MAX)
        return false;
    build *b = calloc(1, sizeof *b);
    if (!b)
        return snprintf(why, cap, "out of memory"), false;
    *b = (build){.s = s, .group = g, .why = why, .cap = cap};
    why[0] = 0;
    uint32_t root = detection(b, det);
    free(b);
    if (root == UINT32_MAX) {
        if (!why[0])
            snprintf(why, cap, "out of memory");
        return false;
    }
    if (!add_rule(s, doc, file, g, root))
        return snprintf(why, cap, "out of memory"), false;
    return true;
}

/* ---- filters ---- */

bool sg_filter_add(ts_sigma *s, const sy_node *doc, char *why, size_t cap)
{
    const sy_node *f = sy_get(doc, "filter"), *rules = sy_get(f, "rules"), *cond = sy_get(f, "condition");
    if (!f || f->kind != SY_MAP)
        return snprintf(why, cap, "filter: not a map"), false;
    if (!rules || (rules->kind != SY_SEQ && rules->kind != SY_SCALAR) ||
        (rules->kind == SY_SEQ && !rules->nkids))
        return snprintf(why, cap, "filter: rules must name the rules to filter"), false;
    if (!cond || cond->kind != SY_SCALAR)
        return snprintf(why, cap, "filter: no condition"), false;
    ts_arena tmp = TS_ARENA_INIT;
    bool ok = sc_parse(&tmp, cond->s, cond->n, why, cap) != NULL;
    ts_arena_free(&tmp);
    if (!ok)
        return false;
    if (!ts_vec_grow(s->filters, s->cap_filters, s->nfilters + 1, TS_VEC_NOCAP))
        return snprintf(why, cap, "out of memory"), false;
    s->filters[s->nfilters++] = doc;
    return true;
}

static bool names_rule(const sy_node *rules, const sg_rule *r)
{
    size_t n = rules->kind == SY_SEQ ? rules->nkids : 1;
    for (size_t i = 0; i < n; i++) {
        const sy_node *x = rules->kind == SY_SEQ ? rules->kids[i] : rules;
        if (x->kind == SY_SCALAR && (!strcmp(x->s, r->id) || (r->name[0] && !strcmp(x->s, r->name))))
            return true;
    }
    return false;
}

/* Each filter becomes "and not (its condition)" on every rule it names, built in that
 * rule's group. A filter that cannot be built for a rule (a field type error) leaves the
 * rule as it was and is counted in *failed. */
bool sg_filters_apply(ts_sigma *s, size_t *failed)
{
    char why[256];
    *failed = 0;
    for (size_t i = 0; i < s->nfilters; i++) {
        const sy_node *f = sy_get(s->filters[i], "filter"), *rules = sy_get(f, "rules");
        for (size_t r = 0; r < s->nrules; r++) {
            if (!names_rule(rules, &s->rules[r]))
                continue;
            build *b = calloc(1, sizeof *b);
            if (!b)
                return false;
            *b = (build){.s = s, .group = s->rules[r].group, .why = why, .cap = sizeof why, .filter = true};
            uint32_t fn = detection(b, f);
            free(b);
            uint32_t not = fn == UINT32_MAX ? fn : sg_add_node(s, N_NOT, fn, 0);
            uint32_t both[2] = {s->rules[r].root, not };
            uint32_t root = not == UINT32_MAX ? not : sg_add_list(s, N_AND, both, 2);
            if (root == UINT32_MAX)
                (*failed)++;
            else
                s->rules[r].root = root;
        }
    }
    return true;
}
