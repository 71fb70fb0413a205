/* store_read.c: loads runs and incidents into owned views for the reports. */
#include "store/store_read.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "core/vec.h"

/* Allocation failures are noted and reported once at the end, so each column read
 * stays one line. */
typedef struct reader {
    ts_store *s;
    bool oom;
} reader;

static char *col(reader *r, st_stmt *st, int i)
{
    const char *t = st_col_text(st, i);
    char *d;
    if (!t)
        return NULL;
    if (!(d = strdup(t)))
        r->oom = true;
    return d;
}

static uint64_t col_u64(st_stmt *st, int i)
{
    int64_t v = st_col_int64(st, i);
    return v < 0 ? 0 : (uint64_t)v;
}

/* A row read into a view by a table of its columns: the column, the field, and how the
 * field is read, picked from the field's own type (so a table cannot read a number into a
 * string): text is copied (col), counts are never negative (col_u64). */
typedef enum col_kind { COL_TEXT, COL_I64, COL_U64, COL_U32, COL_INT, COL_DBL } col_kind;
typedef struct col_field {
    int col;
    col_kind kind;
    size_t offset;
} col_field;
#define COL_KIND(x) \
    _Generic((x), char *: COL_TEXT, int64_t: COL_I64, uint64_t: COL_U64, uint32_t: COL_U32, int: COL_INT, \
             double: COL_DBL)
#define COL(view, field, c)                                    \
    {                                                          \
        c, COL_KIND(((view *)0)->field), offsetof(view, field) \
    }

/* Reads the n columns of f, from column base on, into the view at v. */
static void from_row(reader *r, st_stmt *st, int base, const col_field *f, size_t n, void *v)
{
    for (size_t i = 0; i < n; i++) {
        void *p = (char *)v + f[i].offset;
        int c = base + f[i].col;
        switch (f[i].kind) {
        case COL_TEXT:
            *(char **)p = col(r, st, c);
            break;
        case COL_I64:
            *(int64_t *)p = st_col_int64(st, c);
            break;
        case COL_U64:
            *(uint64_t *)p = col_u64(st, c);
            break;
        case COL_U32:
            *(uint32_t *)p = (uint32_t)st_col_int64(st, c);
            break;
        case COL_INT:
            *(int *)p = st_col_int(st, c);
            break;
        case COL_DBL:
            *(double *)p = st_col_double(st, c);
            break;
        }
    }
}
#define FROM_ROW(r, st, base, table, v) from_row(r, st, base, table, sizeof table / sizeof *table, v)

/* Statement id with its first parameter bound: to text when key is set, else to num.
 * NULL when the store cannot prepare it. */
static st_stmt *by_key(reader *r, st_id id, const char *key, int64_t num)
{
    st_stmt *st = st_get(r->s, id);
    if (st && key)
        st_text_nn(st, 1, key);
    else if (st)
        st_int(st, 1, num);
    return st;
}

/* Makes room for one more element in *v (n used, *cap allocated), the new room zeroed. */
static bool grow(reader *r, void **v, size_t *cap, size_t n, size_t elem)
{
    size_t old = *cap;
    if (n < old)
        return true;
    if (!ts_vec_grow_(v, cap, n + 1, elem, TS_VEC_NOCAP)) {
        r->oom = true;
        return false;
    }
    memset((char *)*v + old * elem, 0, (*cap - old) * elem);
    return true;
}

/* Ends a row loop: DONE is success, anything else a failure of the store. */
static tocsin_code finish(reader *r, st_stmt *st, int step, const char *what)
{
    tocsin_code rc = TOCSIN_OK;
    if (step != STEP_DONE && step != STEP_ROW)
        rc = st_fail(r->s, what);
    st_reset(st);
    if (rc == TOCSIN_OK && r->oom)
        rc = TOCSIN_E_NOMEM;
    return rc;
}

static int64_t count_of(ts_store *s, st_id id, int64_t arg, tocsin_code *rc)
{
    st_stmt *st = st_get(s, id);
    int64_t n = 0;
    if (!st) {
        *rc = TOCSIN_E_DB;
        return 0;
    }
    st_int(st, 1, arg);
    int step = st_step(st);
    if (step == STEP_ROW)
        n = st_col_int64(st, 0);
    else if (step != STEP_DONE)
        *rc = st_fail(s, "counting");
    st_reset(st);
    return n;
}

tocsin_code ts_store_run_get(ts_store *s, int64_t id, ts_run_view *out)
{
    reader r = {s, false};
    st_stmt *st = st_get(s, ST_RUN_GET);
    tocsin_code rc = TOCSIN_OK;
    memset(out, 0, sizeof *out);
    if (!st)
        return TOCSIN_E_DB;
    st_int(st, 1, id);
    int step = st_step(st);
    if (step == STEP_DONE) {
        st_reset(st);
        snprintf(s->err, sizeof s->err, "no run %lld in the store", (long long)id);
        return TOCSIN_E_NOTFOUND;
    }
    static const col_field run_cols[] = {
        COL(ts_run_view, id, 0),      COL(ts_run_view, started_ns, 1), COL(ts_run_view, ended_ns, 2),
        COL(ts_run_view, command, 3), COL(ts_run_view, events, 4),     COL(ts_run_view, rejected, 5),
        COL(ts_run_view, version, 6), COL(ts_run_view, files, 7),
    };
    if (step == STEP_ROW)
        FROM_ROW(&r, st, 0, run_cols, out);
    if ((rc = finish(&r, st, step, "reading a run")) == TOCSIN_OK) {
        int64_t a = count_of(s, ST_RUN_ALERT_COUNT, id, &rc);
        int64_t i = count_of(s, ST_RUN_INCIDENT_COUNT, id, &rc);
        out->alerts = a > 0 ? (uint64_t)a : 0;
        out->incidents = i > 0 ? (uint64_t)i : 0;
        int64_t sup = count_of(s, ST_RUN_SUPPRESSED_COUNT, id, &rc);
        out->suppressed = sup > 0 ? (uint64_t)sup : 0;
        int64_t rou = count_of(s, ST_RUN_ROUTINE_COUNT, id, &rc);
        out->routine = rou > 0 ? (uint64_t)rou : 0;
    }
    if (rc != TOCSIN_OK)
        ts_run_view_clear(out);
    return rc;
}

void ts_run_view_clear(ts_run_view *v)
{
    free(v->command);
    free(v->version);
    memset(v, 0, sizeof *v);
}

tocsin_code ts_store_run_formats(ts_store *s, int64_t id, ts_format_view **out, size_t *n)
{
    reader r = {s, false};
    st_stmt *st = st_get(s, ST_RUN_FORMATS);
    ts_format_view *v = NULL;
    size_t cap = 0, k = 0;
    int step;
    *out = NULL;
    *n = 0;
    if (!st)
        return TOCSIN_E_DB;
    st_int(st, 1, id);
    while ((step = st_step(st)) == STEP_ROW && grow(&r, (void **)&v, &cap, k, sizeof *v)) {
        v[k].format = col(&r, st, 0);
        v[k].files = col_u64(st, 1);
        v[k].events = col_u64(st, 2);
        v[k].rejected = col_u64(st, 3);
        k++;
    }
    tocsin_code rc = finish(&r, st, step, "reading a run's files");
    if (rc != TOCSIN_OK) {
        ts_format_views_free(v, k);
        return rc;
    }
    *out = v;
    *n = k;
    return TOCSIN_OK;
}

void ts_format_views_free(ts_format_view *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].format);
    free(v);
}

tocsin_code ts_store_incident_ids(ts_store *s, int64_t run_id, char ***ids, size_t *n)
{
    reader r = {s, false};
    st_stmt *st = st_get(s, run_id >= 0 ? ST_RUN_INCIDENTS : ST_INCIDENT_IDS);
    char **v = NULL;
    size_t cap = 0, k = 0;
    int step;
    *ids = NULL;
    *n = 0;
    if (!st)
        return TOCSIN_E_DB;
    if (run_id >= 0)
        st_int(st, 1, run_id);
    while ((step = st_step(st)) == STEP_ROW && grow(&r, (void **)&v, &cap, k, sizeof *v))
        v[k++] = col(&r, st, 0);
    tocsin_code rc = finish(&r, st, step, "listing incidents");
    if (rc != TOCSIN_OK) {
        ts_strv_free(v, k);
        return rc;
    }
    *ids = v;
    *n = k;
    return TOCSIN_OK;
}

void ts_strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static tocsin_code load_row(reader *r, const char *id, ts_incident_view *v)
{
    st_stmt *st = by_key(r, ST_INCIDENT_GET, id, 0);
    if (!st)
        return TOCSIN_E_DB;
    int step = st_step(st);
    if (step == STEP_DONE) {
        st_reset(st);
        return TOCSIN_E_NOTFOUND;
    }
    static const col_field incident_cols[] = {
        COL(ts_incident_view, id, 0),
        COL(ts_incident_view, first_ns, 1),
        COL(ts_incident_view, last_ns, 2),
        COL(ts_incident_view, severity, 3),
        COL(ts_incident_view, summary, 4),
        COL(ts_incident_view, created_run, 5),
        COL(ts_incident_view, updated_run, 6),
        COL(ts_incident_view, alert_total, 7),
        COL(ts_incident_view, status, 8),
        COL(ts_incident_view, disposition, 9),
        COL(ts_incident_view, note, 10),
        COL(ts_incident_view, closed_ns, 11),
        COL(ts_incident_view, reopened, 12),
        COL(ts_incident_view, suppressed_alerts, 13),
        COL(ts_incident_view, joined, 14),
        COL(ts_incident_view, apart, 15),
        COL(ts_incident_view, quiet_alerts, 16),
    };
    if (step == STEP_ROW)
        FROM_ROW(r, st, 0, incident_cols, v);
    return finish(r, st, step, "reading an incident");
}

static tocsin_code load_entities(reader *r, ts_incident_view *v)
{
    st_stmt *st = by_key(r, ST_INCIDENT_ENTITIES, v->id, 0);
    size_t cap = 0;
    int step;
    if (!st)
        return TOCSIN_E_DB;
    while ((step = st_step(st)) == STEP_ROW &&
           grow(r, (void **)&v->entities, &cap, v->n_entities, sizeof *v->entities)) {
        ts_entity_view *e = &v->entities[v->n_entities++];
        e->kind = col(r, st, 0);
        e->value = col(r, st, 1);
    }
    return finish(r, st, step, "reading an incident's entities");
}

static tocsin_code load_actors(reader *r, ts_alert_view *a)
{
    st_stmt *st = by_key(r, ST_ALERT_ACTORS, NULL, a->id);
    size_t cap = 0, cap2 = 0;
    int step;
    if (!st)
        return TOCSIN_E_DB;
    while ((step = st_step(st)) == STEP_ROW &&
           grow(r, (void **)&a->actors, &cap, a->n_actors, sizeof *a->actors) &&
           grow(r, (void **)&a->actor_ids, &cap2, a->n_actors, sizeof *a->actor_ids)) {
        a->actors[a->n_actors] = col(r, st, 0);
        a->actor_ids[a->n_actors++] = col(r, st, 1);
    }
    return finish(r, st, step, "reading an alert's actors");
}

/* An event's columns, from column c on. */
static void hit_from_row(reader *r, st_stmt *st, int c, ts_hit_view *h)
{
    static const col_field hit_cols[] = {
        COL(ts_hit_view, ts_ns, 0),   COL(ts_hit_view, file, 1),          COL(ts_hit_view, line, 2),
        COL(ts_hit_view, record, 3),  COL(ts_hit_view, host, 4),          COL(ts_hit_view, user, 5),
        COL(ts_hit_view, process, 6), COL(ts_hit_view, command_line, 7),  COL(ts_hit_view, parent, 8),
        COL(ts_hit_view, uid, 9),     COL(ts_hit_view, community_id, 10), COL(ts_hit_view, flow_id, 11),
    };
    FROM_ROW(r, st, c, hit_cols, h);
}

static tocsin_code load_hits(reader *r, ts_alert_view *a)
{
    st_stmt *st = by_key(r, ST_ALERT_HITS, NULL, a->id);
    size_t cap = 0;
    int step;
    if (!st)
        return TOCSIN_E_DB;
    while ((step = st_step(st)) == STEP_ROW && grow(r, (void **)&a->hits, &cap, a->n_hits, sizeof *a->hits))
        hit_from_row(r, st, 0, &a->hits[a->n_hits++]);
    return finish(r, st, step, "reading an alert's events");
}

static void alert_from_row(reader *r, st_stmt *st, ts_alert_view *a)
{
    static const col_field alert_cols[] = {
        COL(ts_alert_view, id, 0),
        COL(ts_alert_view, detector, 1),
        COL(ts_alert_view, key, 2),
        COL(ts_alert_view, file, 3),
        COL(ts_alert_view, line, 4),
        COL(ts_alert_view, record, 5),
        COL(ts_alert_view, first_ns, 6),
        COL(ts_alert_view, kind, 7),
        COL(ts_alert_view, title, 8),
        COL(ts_alert_view, severity, 9),
        COL(ts_alert_view, techniques, 10),
        COL(ts_alert_view, last_ns, 11),
        COL(ts_alert_view, count, 12),
        COL(ts_alert_view, internal_ip, 13),
        COL(ts_alert_view, internal_host, 14),
        COL(ts_alert_view, user, 15),
        COL(ts_alert_view, remote_ip, 16),
        COL(ts_alert_view, remote_cc, 17),
        COL(ts_alert_view, remote_asn, 18),
        COL(ts_alert_view, remote_name, 19),
        COL(ts_alert_view, direction, 20),
        COL(ts_alert_view, ioc_type, 21),
        COL(ts_alert_view, ioc_value, 22),
        COL(ts_alert_view, observed, 23),
        COL(ts_alert_view, side, 24),
        COL(ts_alert_view, source, 25),
        /* 26: confidence, NULL when the alert is no indicator's: below */
        COL(ts_alert_view, shared, 27),
        COL(ts_alert_view, suppressed, 28),
        COL(ts_alert_view, dataset, 29),
        COL(ts_alert_view, suppression, 30),
        COL(ts_alert_view, suppression_note, 31),
    };
    FROM_ROW(r, st, 0, alert_cols, a);
    a->confidence = st_col_null(st, 26) ? -1 : st_col_int(st, 26);
}

static tocsin_code load_alerts(reader *r, ts_incident_view *v)
{
    st_stmt *st = by_key(r, ST_INCIDENT_ALERTS, v->id, 0);
    size_t cap = 0;
    int step;
    tocsin_code rc;
    if (!st)
        return TOCSIN_E_DB;
    while ((step = st_step(st)) == STEP_ROW &&
           grow(r, (void **)&v->alerts, &cap, v->n_alerts, sizeof *v->alerts))
        alert_from_row(r, st, &v->alerts[v->n_alerts++]);
    if ((rc = finish(r, st, step, "reading an incident's alerts")) != TOCSIN_OK)
        return rc;
    for (size_t i = 0; i < v->n_alerts && rc == TOCSIN_OK; i++) {
        rc = load_actors(r, &v->alerts[i]);
        if (rc == TOCSIN_OK)
            rc = load_hits(r, &v->alerts[i]);
    }
    return rc;
}

/* The timeline position of stored alert id (alerts are few per incident). */
static size_t alert_index(const ts_incident_view *v, int64_t id)
{
    for (size_t i = 0; i < v->n_alerts; i++)
        if (v->alerts[i].id == id)
            return i;
    return SIZE_MAX;
}

static tocsin_code load_contribs(reader *r, ts_incident_view *v, int64_t hyp_id, ts_hyp_view *h)
{
    st_stmt *st = by_key(r, ST_HYP_CONTRIBS, NULL, hyp_id);
    size_t cap = 0;
    int step;
    if (!st)
        return TOCSIN_E_DB;
    while ((step = st_step(st)) == STEP_ROW &&
           grow(r, (void **)&h->contribs, &cap, h->n_contribs, sizeof *h->contribs)) {
        ts_contrib_view *c = &h->contribs[h->n_contribs++];
        c->what = col(r, st, 0);
        c->weight = st_col_double(st, 1);
        c->alert = st_col_null(st, 2) ? SIZE_MAX : alert_index(v, st_col_int64(st, 2));
    }
    return finish(r, st, step, "reading a hypothesis' contributions");
}

static tocsin_code load_hyps(reader *r, ts_incident_view *v, bool contribs)
{
    st_stmt *st = by_key(r, ST_INCIDENT_HYPS, v->id, 0);
    int64_t *ids = NULL;
    size_t cap = 0, cap2 = 0;
    int step;
    tocsin_code rc;
    if (!st)
        return TOCSIN_E_DB;
    while ((step = st_step(st)) == STEP_ROW && grow(r, (void **)&v->hyps, &cap, v->n_hyps, sizeof *v->hyps) &&
           grow(r, (void **)&ids, &cap2, v->n_hyps, sizeof *ids)) {
        static const col_field hyp_cols[] = {
            COL(ts_hyp_view, rank, 1),        COL(ts_hyp_view, actor, 2),   COL(ts_hyp_view, attack_id, 3),
            COL(ts_hyp_view, probability, 4), COL(ts_hyp_view, wording, 5), COL(ts_hyp_view, score, 6),
        };
        ids[v->n_hyps] = st_col_int64(st, 0); /* the hypothesis' id, for its contributions */
        FROM_ROW(r, st, 0, hyp_cols, &v->hyps[v->n_hyps++]);
    }
    rc = finish(r, st, step, "reading an incident's hypotheses");
    /* Contributions are read after the loop: the hypotheses statement is reset by then. */
    for (size_t i = 0; contribs && i < v->n_hyps && rc == TOCSIN_OK; i++)
        rc = load_contribs(r, v, ids[i], &v->hyps[i]);
    free(ids);
    return rc;
}

tocsin_code ts_store_incident_load(ts_store *s, const char *id, unsigned what, ts_incident_view **out)
{
    reader r = {s, false};
    ts_incident_view *v;
    tocsin_code rc;
    *out = NULL;
    if (!id)
        return TOCSIN_E_ARG;
    if (!(v = calloc(1, sizeof *v)))
        return TOCSIN_E_NOMEM;
    rc = load_row(&r, id, v);
    if (rc == TOCSIN_OK)
        rc = load_entities(&r, v);
    if (rc == TOCSIN_OK && (what & TS_VIEW_ALERTS))
        rc = load_alerts(&r, v);
    if (rc == TOCSIN_OK)
        rc = load_hyps(&r, v, (what & TS_VIEW_CONTRIBS) != 0);
    if (rc != TOCSIN_OK) {
        if (rc == TOCSIN_E_NOTFOUND)
            snprintf(s->err, sizeof s->err, "no incident %.64s in the store", id);
        ts_incident_view_free(v);
        return rc;
    }
    *out = v;
    return TOCSIN_OK;
}

static void alert_view_clear(ts_alert_view *a);

/* The alerts read, by store id, to find whose an actor or event row is. */
typedef struct by_id {
    int64_t id;
    size_t at;
} by_id;

static int by_id_cmp(const void *a, const void *b)
{
    int64_t x = ((const by_id *)a)->id, y = ((const by_id *)b)->id;
    return x < y ? -1 : x > y;
}

static ts_alert_view *alert_by_id(const by_id *ix, size_t n, ts_alert_view *v, int64_t id)
{
    by_id key = {id, 0};
    const by_id *f = bsearch(&key, ix, n, sizeof *ix, by_id_cmp);
    return f ? &v[f->at] : NULL;
}

/* Every actor and event of the alerts in v (read by ts_store_runs_alerts), in two reads
 * rather than two per alert. */
static tocsin_code load_runs_details(reader *r, const char *prefix, int64_t since, int64_t files_of,
                                     ts_alert_view *v, size_t n)
{
    by_id *ix = malloc((n ? n : 1) * sizeof *ix);
    st_stmt *st;
    int step = STEP_DONE;
    tocsin_code rc;
    if (!ix)
        return TOCSIN_E_NOMEM;
    for (size_t i = 0; i < n; i++)
        ix[i] = (by_id){v[i].id, i};
    qsort(ix, n, sizeof *ix, by_id_cmp);
    size_t *cap = calloc(n ? n : 1, sizeof *cap), *cap2 = calloc(n ? n : 1, sizeof *cap2);
    rc = cap && cap2 ? TOCSIN_OK : TOCSIN_E_NOMEM;
    if (rc == TOCSIN_OK && !(st = st_get(r->s, ST_RUN_ALERT_ACTORS)))
        rc = TOCSIN_E_DB;
    if (rc != TOCSIN_OK) {
        free(ix), free(cap), free(cap2);
        return rc;
    }
    st_text_nn(st, 1, prefix);
    st_int(st, 2, since);
    st_int(st, 3, files_of);
    while ((step = st_step(st)) == STEP_ROW) {
        ts_alert_view *a = alert_by_id(ix, n, v, st_col_int64(st, 0));
        size_t k = a ? (size_t)(a - v) : 0;
        if (!a)
            continue;
        if (!grow(r, (void **)&a->actors, &cap[k], a->n_actors, sizeof *a->actors) ||
            !grow(r, (void **)&a->actor_ids, &cap2[k], a->n_actors, sizeof *a->actor_ids))
            break;
        a->actors[a->n_actors] = col(r, st, 1);
        a->actor_ids[a->n_actors++] = col(r, st, 2);
    }
    rc = finish(r, st, step, "reading a stream's alerts' actors");
    memset(cap, 0, (n ? n : 1) * sizeof *cap);
    if (rc == TOCSIN_OK && !(st = st_get(r->s, ST_RUN_ALERT_HITS)))
        rc = TOCSIN_E_DB;
    if (rc == TOCSIN_OK) {
        st_text_nn(st, 1, prefix);
        st_int(st, 2, since);
        st_int(st, 3, files_of);
        while ((step = st_step(st)) == STEP_ROW) {
            ts_alert_view *a = alert_by_id(ix, n, v, st_col_int64(st, 0));
            size_t k = a ? (size_t)(a - v) : 0;
            if (!a)
                continue;
            if (!grow(r, (void **)&a->hits, &cap[k], a->n_hits, sizeof *a->hits))
                break;
            hit_from_row(r, st, 1, &a->hits[a->n_hits++]);
        }
        rc = finish(r, st, step, "reading a stream's alerts' events");
    }
    free(ix), free(cap), free(cap2);
    return rc;
}

static tocsin_code runs_alerts(ts_store *s, const char *prefix, int (*want)(void *ud, const char *command),
                               void *ud, int64_t since, int64_t files_of, int64_t *upto, ts_alert_view **out,
                               size_t *n)
{
    reader r = {s, false};
    st_stmt *st = st_get(s, ST_RUN_ALERTS);
    size_t cap = 0;
    int step;
    tocsin_code rc;
    int64_t last = since;
    *out = NULL, *n = 0;
    if (!st)
        return TOCSIN_E_DB;
    st_text_nn(st, 1, prefix);
    st_int(st, 2, since);
    st_int(st, 3, files_of);
    while ((step = st_step(st)) == STEP_ROW) {
        const char *command = st_col_text(st, 32);
        int64_t change = st_col_int64(st, 33);
        if (change > last)
            last = change;
        if (!command || !want(ud, command))
            continue;
        if (!grow(&r, (void **)out, &cap, *n, sizeof **out))
            break;
        alert_from_row(&r, st, &(*out)[(*n)++]);
    }
    rc = finish(&r, st, step, "reading a stream's alerts");
    if (rc == TOCSIN_OK)
        rc = load_runs_details(&r, prefix, since, files_of, *out, *n);
    if (rc != TOCSIN_OK) {
        ts_alert_views_free(*out, *n);
        *out = NULL, *n = 0;
    }
    *upto = rc == TOCSIN_OK ? last : since;
    return rc;
}

tocsin_code ts_store_runs_alerts(ts_store *s, const char *prefix, int (*want)(void *ud, const char *command),
                                 void *ud, int64_t since, int64_t *upto, ts_alert_view **out, size_t *n)
{
    return runs_alerts(s, prefix, want, ud, since, -1, upto, out, n);
}

static int any_command(void *ud, const char *command)
{
    (void)ud, (void)command;
    return 1;
}

tocsin_code ts_store_rerun_alerts(ts_store *s, int64_t run, ts_alert_view **out, size_t *n)
{
    int64_t upto;
    return runs_alerts(s, "", any_command, NULL, -1, run, &upto, out, n);
}

void ts_alert_view_clear(ts_alert_view *v)
{
    alert_view_clear(v);
}

void ts_alert_views_free(ts_alert_view *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        alert_view_clear(&v[i]);
    free(v);
}

static void alert_view_clear(ts_alert_view *a)
{
    char *strs[] = {a->detector,        a->key,         a->kind,          a->title,
                    a->techniques,      a->internal_ip, a->internal_host, a->user,
                    a->remote_ip,       a->remote_cc,   a->remote_name,   a->direction,
                    a->ioc_type,        a->ioc_value,   a->observed,      a->side,
                    a->source,          a->suppressed,  a->dataset,       a->file,
                    a->suppression_note};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(strs[i]);
    ts_strv_free(a->actors, a->n_actors);
    ts_strv_free(a->actor_ids, a->n_actors);
    for (size_t i = 0; i < a->n_hits; i++) {
        ts_hit_view *h = &a->hits[i];
        char *hs[] = {h->file,   h->host, h->user,         h->process, h->command_line,
                      h->parent, h->uid,  h->community_id, h->flow_id};
        for (size_t k = 0; k < sizeof hs / sizeof hs[0]; k++)
            free(hs[k]);
    }
    free(a->hits);
}

void ts_incident_view_free(ts_incident_view *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n_entities; i++) {
        free(v->entities[i].kind);
        free(v->entities[i].value);
    }
    free(v->entities);
    for (size_t i = 0; i < v->n_hyps; i++) {
        ts_hyp_view *h = &v->hyps[i];
        for (size_t k = 0; k < h->n_contribs; k++)
            free(h->contribs[k].what);
        free(h->contribs);
        free(h->actor);
        free(h->attack_id);
        free(h->wording);
    }
    free(v->hyps);
    for (size_t i = 0; i < v->n_alerts; i++)
        alert_view_clear(&v->alerts[i]);
    free(v->alerts);
    free(v->id);
    free(v->summary);
    free(v->joined);
    free(v->apart);
    free(v->status);
    free(v->disposition);
    free(v->note);
    free(v->reopened);
    free(v);
}
