/* sightings.c: an actor's incidents and indicators over time, and the earlier incidents an
 * incident shares infrastructure with. Read-only queries over the stored alerts, incidents
 * and hypotheses (schema.c). */
#include "store/sightings.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "core/vec.h"

static char *col_dup(st_stmt *st, int i)
{
    const char *t = st_col_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

static tocsin_code prepare(ts_store *s, const char *sql, st_stmt **st)
{
    if (!s)
        return TOCSIN_E_ARG;
    return st_prepare(s, sql, st, "reading an actor's history");
}

/* Steps st to its end; on a row calls row(ud, st) which returns false on no memory. */
static tocsin_code each_row(ts_store *s, st_stmt *st, bool (*row)(void *ud, st_stmt *st), void *ud)
{
    int rc;
    tocsin_code out = TOCSIN_OK;
    while ((rc = st_step(st)) == STEP_ROW)
        if (!row(ud, st)) {
            out = TOCSIN_E_NOMEM;
            break;
        }
    if (out == TOCSIN_OK && rc != STEP_DONE)
        out = st_fail(s, "reading an actor's history");
    st_finalize(st);
    return out;
}

/* ---- sightings ------------------------------------------------------------------------------ */

typedef struct sight_acc {
    ts_sighting *v;
    size_t n, cap;
} sight_acc;

static bool sight_row(void *ud, st_stmt *st)
{
    sight_acc *a = ud;
    if (!ts_vec_grow(a->v, a->cap, a->n + 1, TS_VEC_NOCAP))
        return false;
    ts_sighting *x = &a->v[a->n];
    *x = (ts_sighting){.incident = col_dup(st, 0),
                       .first_ns = st_col_int64(st, 1),
                       .last_ns = st_col_int64(st, 2),
                       .rank = st_col_int(st, 3),
                       .probability = st_col_double(st, 4),
                       .wording = col_dup(st, 5)};
    a->n++;
    return x->incident != NULL;
}

tocsin_code ts_store_actor_sightings(ts_store *s, const char *name, const char *attack_id, double min_p,
                                     ts_sighting **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    st_stmt *st;
    tocsin_code rc = prepare(s,
                             "SELECT h.incident, i.first_ns, i.last_ns, h.rank, h.probability, h.wording "
                             "FROM hypotheses h JOIN incidents i ON i.id = h.incident "
                             "WHERE (lower(h.actor) = lower(?1) OR (?2 IS NOT NULL AND h.attack_id = ?2)) "
                             "AND h.probability >= ?3 ORDER BY i.first_ns, h.incident",
                             &st);
    if (rc != TOCSIN_OK)
        return rc;
    st_text(st, 1, name);
    st_text(st, 2, attack_id);
    st_real(st, 3, min_p);
    sight_acc a = {0};
    rc = each_row(s, st, sight_row, &a);
    if (rc != TOCSIN_OK) {
        ts_sightings_free(a.v, a.n);
        return rc;
    }
    *out = a.v;
    *n = a.n;
    return TOCSIN_OK;
}

void ts_sightings_free(ts_sighting *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].incident);
        free(v[i].wording);
    }
    free(v);
}

/* ---- indicators ----------------------------------------------------------------------------- */

typedef struct ioc_acc {
    ts_actor_ioc *v;
    size_t n, cap;
} ioc_acc;

static bool ioc_row(void *ud, st_stmt *st)
{
    ioc_acc *a = ud;
    if (!ts_vec_grow(a->v, a->cap, a->n + 1, TS_VEC_NOCAP))
        return false;
    ts_actor_ioc *x = &a->v[a->n];
    *x = (ts_actor_ioc){.type = col_dup(st, 0),
                        .value = col_dup(st, 1),
                        .first_ns = st_col_int64(st, 2),
                        .last_ns = st_col_int64(st, 3),
                        .alerts = (uint64_t)st_col_int64(st, 4)};
    a->n++;
    return x->value != NULL;
}

tocsin_code ts_store_actor_indicators(ts_store *s, const char *name, const char *attack_id,
                                      ts_actor_ioc **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    st_stmt *st;
    tocsin_code rc = prepare(s,
                             "SELECT a.ioc_type, a.ioc_value, MIN(a.first_ns), MAX(a.last_ns), COUNT(*) "
                             "FROM alerts a JOIN alert_actors aa ON aa.alert = a.id "
                             "WHERE (lower(aa.name) = lower(?1) OR (?2 IS NOT NULL AND aa.attack_id = ?2)) "
                             "AND a.ioc_value IS NOT NULL AND a.suppressed IS NULL "
                             "GROUP BY a.ioc_type, a.ioc_value ORDER BY MIN(a.first_ns), a.ioc_value",
                             &st);
    if (rc != TOCSIN_OK)
        return rc;
    st_text(st, 1, name);
    st_text(st, 2, attack_id);
    ioc_acc a = {0};
    rc = each_row(s, st, ioc_row, &a);
    if (rc != TOCSIN_OK) {
        ts_actor_iocs_free(a.v, a.n);
        return rc;
    }
    *out = a.v;
    *n = a.n;
    return TOCSIN_OK;
}

void ts_actor_iocs_free(ts_actor_ioc *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].type);
        free(v[i].value);
    }
    free(v);
}

/* ---- seen before ---------------------------------------------------------------------------- */

typedef struct link_acc {
    ts_link *v;
    size_t n, cap;
} link_acc;

static bool link_row(void *ud, st_stmt *st)
{
    link_acc *a = ud;
    if (!ts_vec_grow(a->v, a->cap, a->n + 1, TS_VEC_NOCAP))
        return false;
    ts_link *x = &a->v[a->n];
    *x = (ts_link){.incident = col_dup(st, 0),
                   .first_ns = st_col_int64(st, 1),
                   .shared = col_dup(st, 2),
                   .n_shared = (uint64_t)st_col_int64(st, 3),
                   .verdict = col_dup(st, 4)};
    a->n++;
    return x->incident && x->shared;
}

/* What the incident shows of the outside: matched indicators and outside addresses and
 * domains (internal hosts are the victim's, not the actor's). PCT writes a probability as a
 * whole percentage, in each database's words. */
#define SEEN_BEFORE(PCT)                                                                                  \
    "WITH mine(what, value) AS ("                                                                         \
    "  SELECT a.ioc_type, a.ioc_value FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert"           \
    "  WHERE ia.incident = ?1 AND a.ioc_value IS NOT NULL AND a.suppressed IS NULL"                       \
    "  UNION SELECT 'ip', a.remote_ip FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert"           \
    "  WHERE ia.incident = ?1 AND a.remote_ip IS NOT NULL AND a.direction IN ('inbound', 'outbound')"     \
    "  UNION SELECT 'name', a.remote_name FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert"       \
    "  WHERE ia.incident = ?1 AND a.remote_name IS NOT NULL AND a.direction IN ('inbound', 'outbound'))," \
    " theirs(incident, what, value) AS ("                                                                 \
    "  SELECT ia.incident, m.what, m.value FROM mine m JOIN alerts a"                                     \
    "  ON a.ioc_value = m.value OR a.remote_ip = m.value OR a.remote_name = m.value"                      \
    "  JOIN incident_alerts ia ON ia.alert = a.id WHERE ia.incident <> ?1)"                               \
    "SELECT i.id, i.first_ns, MIN(t.what || ' ' || t.value), COUNT(DISTINCT t.value),"                    \
    "  (SELECT h.actor || ' ' || " PCT " FROM hypotheses h"                                               \
    "   WHERE h.incident = i.id AND h.rank = 1)"                                                          \
    " FROM theirs t JOIN incidents i ON i.id = t.incident"                                                \
    " WHERE i.first_ns < (SELECT first_ns FROM incidents WHERE id = ?1)"                                  \
    " GROUP BY i.id ORDER BY i.first_ns DESC LIMIT ?2"

tocsin_code ts_store_seen_before(ts_store *s, const char *incident, size_t max, ts_link **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    st_stmt *st;
    tocsin_code rc = prepare(s,
                             st_is_pg(s) ? SEEN_BEFORE("to_char(h.probability * 100, 'FM990') || '%'")
                                         : SEEN_BEFORE("printf('%.0f%%', h.probability * 100)"),
                             &st);
    if (rc != TOCSIN_OK)
        return rc;
    st_text(st, 1, incident);
    st_int(st, 2, (int64_t)max);
    link_acc a = {0};
    rc = each_row(s, st, link_row, &a);
    if (rc != TOCSIN_OK) {
        ts_links_free(a.v, a.n);
        return rc;
    }
    *out = a.v;
    *n = a.n;
    return TOCSIN_OK;
}

void ts_links_free(ts_link *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].incident);
        free(v[i].shared);
        free(v[i].verdict);
    }
    free(v);
}
