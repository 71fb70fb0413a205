/* load.c: the rule set's life: creation, rule files and trees, placeholders, and freeing. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/input.h"
#include "sigma/sigma_int.h"
#include "core/vec.h"

#define MAX_RULE_FILE (8u << 20)
#define MAX_PLACEHOLDER_VALUES 4096

ts_sigma *ts_sigma_new(const char *logsources_path, ts_diag_fn diag, void *ud)
{
    ts_sigma *s = calloc(1, sizeof *s);
    if (!s) {
        ts_diag_say(diag, ud, logsources_path, 0, 0, TOCSIN_E_NOMEM, "out of memory");
        return NULL;
    }
    if (!sg_sources_load(s, logsources_path, diag, ud)) {
        ts_sigma_free(s);
        return NULL;
    }
    return s;
}

_Thread_local sg_fail_hold *sg_fail_held;

bool sg_fail(ts_sigma *s, tocsin_code code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (sg_fail_held) {
        if (sg_fail_held->code == TOCSIN_OK)
            sg_fail_held->code = code, snprintf(sg_fail_held->msg, sizeof sg_fail_held->msg, "%s", msg);
        return false;
    }
    if (s->failed == TOCSIN_OK)
        s->failed = code;
    ts_diag_say(s->diag, s->diag_ud, NULL, 0, 0, code, msg);
    return false;
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

/* Reads a whole file (at most MAX_RULE_FILE bytes) into a malloc'ed buffer; NULL with
 * the problem in *code and *why (static text or strerror's, to follow "cannot read it: "). */
static char *slurp(const char *path, size_t *n, tocsin_code *code, const char **why)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *code = errno == ENOENT ? TOCSIN_E_NOTFOUND : TOCSIN_E_IO;
        *why = strerror(errno);
        return NULL;
    }
    /* As large as the file: 8 MiB for each of SigmaHQ's 3,000 small files was a memory map
       and its page faults per file. A file grown since is read as far as it was. */
    struct stat st;
    size_t want = MAX_RULE_FILE + 1;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size < (off_t)MAX_RULE_FILE)
        want = (size_t)st.st_size + 1;
    char *buf = malloc(want + 1);
    size_t got = buf ? fread(buf, 1, want, f) : 0;
    bool unreadable = ferror(f), big = got > MAX_RULE_FILE;
    fclose(f);
    if (!buf || unreadable || big) {
        *code = !buf ? TOCSIN_E_NOMEM : big ? TOCSIN_E_TOOLONG : TOCSIN_E_IO;
        *why = !buf ? "out of memory" : big ? "larger than 8 MiB" : "unreadable";
        free(buf);
        return NULL;
    }
    buf[got] = 0;
    *n = got;
    return buf;
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

tocsin_code ts_sigma_load_placeholders(ts_sigma *s, const char *path, ts_diag_fn diag, void *ud)
{
    size_t n;
    tocsin_code rc;
    const char *why;
    char *text = slurp(path, &n, &rc, &why);
    if (!text) {
        char msg[300];
        snprintf(msg, sizeof msg, "cannot read it: %s", why);
        ts_diag_say(diag, ud, path, 0, 0, rc, msg);
        return rc;
    }
    sy_node **docs;
    size_t nd;
    uint32_t line;
    char msg[512];
    rc = TOCSIN_OK;
    if (!sy_parse(&s->arena, text, n, &docs, &nd, msg, sizeof msg, &line)) {
        ts_diag_say(diag, ud, path, line, 0, TOCSIN_E_PARSE, msg);
        rc = TOCSIN_E_PARSE;
    } else if (nd != 1 || docs[0]->kind != SY_MAP) {
        ts_diag_say(diag, ud, path, 0, 0, TOCSIN_E_PARSE, "want one YAML map of placeholder -> values");
        rc = TOCSIN_E_PARSE;
    }
    for (size_t i = 0; rc == TOCSIN_OK && i + 1 < docs[0]->nkids; i += 2)
        if (!add_placeholder(s, docs[0]->kids[i], docs[0]->kids[i + 1])) {
            ts_diag_say(diag, ud, path, docs[0]->kids[i]->line, 0, TOCSIN_E_PARSE,
                        "bad placeholder: want a name and a list of at most 4096 strings");
            rc = TOCSIN_E_PARSE;
        }
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

/* One document's fate: why NULL when it loaded, else code says what kind of refusal. */
static void report(ts_sigma_status_fn fn, void *ud, const char *file, uint64_t line, const char *id,
                   const char *title, tocsin_code code, const char *why)
{
    if (!fn)
        return;
    ts_sigma_status st = {
        {file, line, 0, why ? code : TOCSIN_OK, why}, id ? id : "", title ? title : "", !why};
    fn(ud, &st);
}

/* The rules of one file's parsed documents. */
static tocsin_code load_docs(ts_sigma *s, const char *name, sy_node **docs, size_t nd, ts_sigma_status_fn fn,
                             void *ud)
{
    char why[512];
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
            report(fn, ud, name, d->line, NULL, NULL, TOCSIN_E_NOMEM, "out of memory");
            return TOCSIN_E_NOMEM;
        }
        prev = rule;
        const char *id, *title;
        why[0] = 0;
        bool ok = sg_rule_build(s, rule, name, why, sizeof why, &id, &title);
        report(fn, ud, name, d->line, id, title, TOCSIN_E_PARSE, ok ? NULL : why);
    }
    return TOCSIN_OK;
}

tocsin_code ts_sigma_load_text(ts_sigma *s, const char *name, const char *text, size_t n,
                               ts_sigma_status_fn fn, void *ud)
{
    char why[512];
    if (s->compiled) {
        report(fn, ud, name, 0, NULL, NULL, TOCSIN_E_ARG, "the rule set is already compiled");
        return TOCSIN_E_ARG;
    }
    sy_node **docs;
    size_t nd;
    uint32_t line;
    if (!sy_parse(&s->arena, text, n, &docs, &nd, why, sizeof why, &line)) {
        report(fn, ud, name, line, NULL, NULL, TOCSIN_E_PARSE, why);
        return TOCSIN_OK;
    }
    return load_docs(s, name, docs, nd, fn, ud);
}

void ts_sigma_set_threads(ts_sigma *s, unsigned n)
{
    s->threads = n;
}

/* ---- rule trees: files read and parsed by several threads, built in order ---- */

/* A rule file of the walk, read and parsed by whichever thread took it. */
typedef struct rfile {
    char *path;
    char *walk_err; /* the walk's complaint, or NULL */
    bool read;      /* false: code and msg say why */
    bool parsed;    /* false: why and line say where it fails */
    tocsin_code code;
    char msg[300];
    sy_node **docs;
    size_t nd;
    uint32_t line;
    char why[512];
    bool ready; /* under the loader's lock */
} rfile;

typedef struct loader {
    rfile *v;
    size_t n, cap;
    bool nomem;
    atomic_size_t next; /* the next file to take */
    pthread_mutex_t mu;
    pthread_cond_t ready;
} loader;

static bool yaml_name(const char *f)
{
    size_t n = strlen(f);
    return (n > 4 && !strcmp(f + n - 4, ".yml")) || (n > 5 && !strcmp(f + n - 5, ".yaml"));
}

/* The walk's entry for file (err NULL) or its complaint about a path (code, err): kept in
 * order with the files, so problems are said where the walk met them. */
static int add_file(loader *l, const char *file, tocsin_code code, const char *err)
{
    if (!ts_vec_grow(l->v, l->cap, l->n + 1, TS_VEC_NOCAP))
        return l->nomem = true;
    rfile *f = &l->v[l->n];
    memset(f, 0, sizeof *f);
    f->path = strdup(file);
    f->walk_err = err ? strdup(err) : NULL;
    f->code = code;
    if (!f->path || (err && !f->walk_err)) {
        free(f->path), free(f->walk_err);
        return l->nomem = true;
    }
    l->n++;
    return 0;
}

static int collect(void *ud, const char *file)
{
    return yaml_name(file) ? add_file(ud, file, TOCSIN_OK, NULL) : 0;
}

/* A path under the tree that could not be opened: the tree cannot be read whole. */
static void on_walk_problem(void *ud, const ts_diag *d)
{
    add_file(ud, d->file ? d->file : "?", d->code, d->msg ? d->msg : "cannot be read");
}

/* Reads and parses file i into a (its nodes live as long as a does). */
static void prepare(loader *l, size_t i, ts_arena *a)
{
    rfile *f = &l->v[i];
    if (!f->walk_err) {
        size_t n;
        const char *why = NULL;
        char *text = slurp(f->path, &n, &f->code, &why);
        f->read = text != NULL;
        if (!text)
            snprintf(f->msg, sizeof f->msg, "cannot read it: %s", why);
        f->parsed = text && sy_parse(a, text, n, &f->docs, &f->nd, f->why, sizeof f->why, &f->line);
        free(text);
    }
    pthread_mutex_lock(&l->mu);
    f->ready = true;
    pthread_cond_broadcast(&l->ready);
    pthread_mutex_unlock(&l->mu);
}

typedef struct helper {
    loader *l;
    ts_arena arena;
    pthread_t thread;
} helper;

static void *help(void *arg)
{
    helper *h = arg;
    for (size_t i; (i = atomic_fetch_add(&h->l->next, 1)) < h->l->n;)
        prepare(h->l, i, &h->arena);
    return NULL;
}

/* File i, once ready: the caller's thread reads the next files meanwhile, or waits. */
static void await(loader *l, size_t i, ts_arena *a)
{
    for (;;) {
        pthread_mutex_lock(&l->mu);
        bool ready = l->v[i].ready;
        pthread_mutex_unlock(&l->mu);
        if (ready)
            return;
        size_t j = atomic_fetch_add(&l->next, 1);
        if (j < l->n) {
            prepare(l, j, a);
            continue;
        }
        pthread_mutex_lock(&l->mu);
        while (!l->v[i].ready)
            pthread_cond_wait(&l->ready, &l->mu);
        pthread_mutex_unlock(&l->mu);
        return;
    }
}

/* File i's rules, built and reported. */
static tocsin_code build_file(ts_sigma *s, const rfile *f, ts_sigma_status_fn fn, void *ud)
{
    if (f->walk_err) {
        report(fn, ud, f->path, 0, NULL, NULL, f->code, f->walk_err);
        return TOCSIN_E_IO;
    }
    if (!f->read) {
        report(fn, ud, f->path, 0, NULL, NULL, f->code, f->msg);
        return TOCSIN_OK;
    }
    if (s->compiled) {
        report(fn, ud, f->path, 0, NULL, NULL, TOCSIN_E_ARG, "the rule set is already compiled");
        return TOCSIN_E_ARG;
    }
    if (!f->parsed) {
        report(fn, ud, f->path, f->line, NULL, NULL, TOCSIN_E_PARSE, f->why);
        return TOCSIN_OK;
    }
    return load_docs(s, f->path, f->docs, f->nd, fn, ud);
}

tocsin_code ts_sigma_load_path(ts_sigma *s, const char *path, ts_sigma_status_fn fn, void *ud)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        char msg[300];
        snprintf(msg, sizeof msg, "cannot open it: %s", strerror(errno));
        report(fn, ud, path, 0, NULL, NULL, TOCSIN_E_IO, msg);
        return TOCSIN_E_IO;
    }
    fclose(fp);
    loader l = {0};
    tocsin_code rc = TOCSIN_OK;
    ts_walk(path, collect, on_walk_problem, &l);
    if (l.nomem) {
        report(fn, ud, path, 0, NULL, NULL, TOCSIN_E_NOMEM, "out of memory");
        rc = TOCSIN_E_NOMEM;
    }
    atomic_init(&l.next, rc == TOCSIN_OK ? 0 : l.n);
    pthread_mutex_init(&l.mu, NULL);
    pthread_cond_init(&l.ready, NULL);
    /* Helpers read and parse ahead (the files' YAML was two thirds of loading SigmaHQ's
       rules); the rules are built here, in the walk's order, as each file is ready. */
    helper hs[7];
    size_t nh = 0;
    for (size_t want = s->threads > 1 ? s->threads - 1 : 0; nh < want && nh < 7 && nh + 1 < l.n; nh++) {
        hs[nh] = (helper){&l, TS_ARENA_INIT, 0};
        if (pthread_create(&hs[nh].thread, NULL, help, &hs[nh]) != 0)
            break;
    }
    for (size_t i = 0; i < l.n && rc != TOCSIN_E_NOMEM; i++) {
        await(&l, i, &s->arena);
        tocsin_code frc = build_file(s, &l.v[i], fn, ud);
        if (frc == TOCSIN_E_NOMEM || (frc == TOCSIN_E_IO && rc == TOCSIN_OK))
            rc = frc;
    }
    atomic_store(&l.next, l.n); /* after a failure, the helpers take no more */
    for (size_t h = 0; h < nh; h++) {
        pthread_join(hs[h].thread, NULL);
        ts_arena_adopt(&s->arena, &hs[h].arena);
    }
    for (size_t i = 0; i < l.n; i++)
        free(l.v[i].path), free(l.v[i].walk_err);
    free(l.v);
    pthread_mutex_destroy(&l.mu);
    pthread_cond_destroy(&l.ready);
    return rc;
}
