/* yaml.c: YAML documents (libyaml's event parser) into the small sy_node tree rules are built from. */
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "sigma/sigma_int.h"

#define MAX_DEPTH 64
#define MAX_DOCS 4096

typedef struct kids {
    sy_node **v;
    size_t n, cap;
} kids;

typedef struct builder {
    ts_arena *a;
    sy_node *stack[MAX_DEPTH];
    kids kv[MAX_DEPTH];
    int depth;
    sy_node **docs;
    size_t ndocs, capdocs;
} builder;

/* Appends to a growing arena array: the old copy stays in the arena until the set dies. */
static bool push(ts_arena *a, kids *k, sy_node *x)
{
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 8;
        sy_node **p = ts_arena_alloc(a, cap * sizeof *p);
        if (!p)
            return false;
        if (k->n)
            memcpy(p, k->v, k->n * sizeof *p);
        k->v = p, k->cap = cap;
    }
    k->v[k->n++] = x;
    return true;
}

static sy_node *node(ts_arena *a, sy_kind kind, uint32_t line)
{
    sy_node *n = ts_arena_alloc(a, sizeof *n);
    if (n)
        memset(n, 0, sizeof *n), n->kind = kind, n->line = line;
    return n;
}

/* A plain scalar that YAML 1.1/1.2 calls null. */
static bool null_scalar(const yaml_event_t *e)
{
    const char *v = (const char *)e->data.scalar.value;
    size_t n = e->data.scalar.length;
    if (e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    return n == 0 || (n == 1 && v[0] == '~') ||
           (n == 4 && (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) || !memcmp(v, "NULL", 4)));
}

/* Attaches a finished node to its parent, or ends a document with it. */
static bool attach(builder *b, sy_node *x)
{
    if (b->depth == 0) {
        if (b->ndocs == b->capdocs) {
            size_t cap = b->capdocs ? b->capdocs * 2 : 4;
            if (cap > MAX_DOCS)
                return false;
            sy_node **p = ts_arena_alloc(b->a, cap * sizeof *p);
            if (!p)
                return false;
            if (b->ndocs)
                memcpy(p, b->docs, b->ndocs * sizeof *p);
            b->docs = p, b->capdocs = cap;
        }
        b->docs[b->ndocs++] = x;
        return true;
    }
    return push(b->a, &b->kv[b->depth - 1], x);
}

static bool on_event(builder *b, const yaml_event_t *e, char *err, size_t cap)
{
    uint32_t line = (uint32_t)e->start_mark.line + 1;
    switch (e->type) {
    case YAML_SCALAR_EVENT: {
        sy_node *x = node(b->a, SY_SCALAR, line);
        if (!x)
            return snprintf(err, cap, "out of memory"), false;
        x->s = ts_arena_strndup(b->a, (const char *)e->data.scalar.value, e->data.scalar.length);
        x->n = e->data.scalar.length;
        x->is_null = null_scalar(e);
        if (!x->s)
            return snprintf(err, cap, "out of memory"), false;
        return attach(b, x) || (snprintf(err, cap, "out of memory or too many documents"), false);
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        if (b->depth == MAX_DEPTH)
            return snprintf(err, cap, "nesting deeper than %d", MAX_DEPTH), false;
        sy_node *x = node(b->a, e->type == YAML_SEQUENCE_START_EVENT ? SY_SEQ : SY_MAP, line);
        if (!x)
            return snprintf(err, cap, "out of memory"), false;
        b->stack[b->depth] = x;
        b->kv[b->depth] = (kids){0};
        b->depth++;
        return true;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
        sy_node *x = b->stack[--b->depth];
        x->kids = b->kv[b->depth].v;
        x->nkids = b->kv[b->depth].n;
        return attach(b, x) || (snprintf(err, cap, "out of memory or too many documents"), false);
    }
    case YAML_ALIAS_EVENT:
        return snprintf(err, cap, "YAML aliases are not supported in rules"), false;
    default:
        return true;
    }
}

bool sy_parse(ts_arena *a, const char *text, size_t n, sy_node ***docs, size_t *ndocs, char *err, size_t cap,
              uint32_t *errline)
{
    yaml_parser_t p;
    builder b = {.a = a};
    bool ok = true, done = false;
    *errline = 0;
    if (!yaml_parser_initialize(&p))
        return snprintf(err, cap, "out of memory"), false;
    yaml_parser_set_input_string(&p, (const unsigned char *)text, n);
    while (ok && !done) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            snprintf(err, cap, "YAML: %s%s%s", p.problem ? p.problem : "syntax error", p.context ? " " : "",
                     p.context ? p.context : "");
            *errline = (uint32_t)p.problem_mark.line + 1;
            ok = false;
            break;
        }
        done = e.type == YAML_STREAM_END_EVENT;
        if (!on_event(&b, &e, err, cap)) {
            *errline = (uint32_t)e.start_mark.line + 1;
            ok = false;
        }
        yaml_event_delete(&e);
    }
    yaml_parser_delete(&p);
    *docs = b.docs;
    *ndocs = ok ? b.ndocs : 0;
    return ok;
}

const sy_node *sy_get(const sy_node *map, const char *key)
{
    if (!map || map->kind != SY_MAP)
        return NULL;
    size_t n = strlen(key);
    for (size_t i = 0; i + 1 < map->nkids; i += 2) {
        const sy_node *k = map->kids[i];
        if (k->kind == SY_SCALAR && k->n == n && memcmp(k->s, key, n) == 0)
            return map->kids[i + 1];
    }
    return NULL;
}
