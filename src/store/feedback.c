/* feedback.c: what analysts tell the store: suppressions, and incidents closed as benign or
 * malicious. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "core/vec.h"

tocsin_code ts_store_suppress_add(ts_store *s, const ts_suppression *r, int64_t *id)
{
    if (!ts_suppression_valid(r) || !r->reason || !*r->reason) {
        snprintf(s->err, sizeof s->err, "a suppression needs a condition and a reason");
        return TOCSIN_E_ARG;
    }
    st_stmt *st = st_get(s, ST_SUPPRESS_ADD);
    if (!st)
        return TOCSIN_E_DB;
    const char *text[] = {r->detector,  r->rule,  r->host,  r->user,  r->ip,
                          r->indicator, r->field, r->value, r->reason};
    for (int i = 0; i < 9; i++)
        st_text(st, i + 1, text[i]);
    st_int(st, 10, r->created_ns ? r->created_ns : st_now_ns());
    if (r->expires_ns)
        st_int(st, 11, r->expires_ns);
    int64_t row = 0;
    tocsin_code rc = st_insert_id(s, st, "recording a suppression", &row);
    if (rc == TOCSIN_OK && id)
        *id = row;
    return rc;
}

static char *dup_col(st_stmt *st, int i, bool *oom)
{
    const char *t = st_col_text(st, i);
    char *d = t ? strdup(t) : NULL;
    if (t && !d)
        *oom = true;
    return d;
}

tocsin_code ts_store_suppressions(ts_store *s, int64_t now_ns, ts_suppression **out, size_t *n)
{
    st_stmt *st = st_get(s, ST_SUPPRESS_LIST);
    ts_suppression *v = NULL;
    size_t k = 0, cap = 0;
    bool oom = false;
    int step;
    *out = NULL;
    *n = 0;
    if (!st)
        return TOCSIN_E_DB;
    st_int(st, 1, now_ns);
    while (!oom && (step = st_step(st)) == STEP_ROW) {
        if (!ts_vec_grow(v, cap, k + 1, TS_VEC_NOCAP)) {
            oom = true;
            break;
        }
        ts_suppression *r = &v[k++];
        memset(r, 0, sizeof *r);
        r->id = st_col_int64(st, 0);
        char **text[] = {&r->detector,  &r->rule,  &r->host,  &r->user,  &r->ip,
                         &r->indicator, &r->field, &r->value, &r->reason};
        for (int i = 0; i < 9; i++)
            *text[i] = dup_col(st, i + 1, &oom);
        r->created_ns = st_col_int64(st, 10);
        r->expires_ns = st_col_int64(st, 11);
    }
    tocsin_code rc = oom                 ? TOCSIN_E_NOMEM
                     : step == STEP_DONE ? TOCSIN_OK
                                         : st_fail(s, "reading the suppressions");
    st_reset(st);
    if (rc != TOCSIN_OK) {
        ts_suppressions_free(v, k);
        return rc;
    }
    *out = v;
    *n = k;
    return TOCSIN_OK;
}

void ts_suppressions_free(ts_suppression *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ts_suppression_clear(&v[i]);
    free(v);
}

tocsin_code ts_store_suppress_remove(ts_store *s, int64_t id)
{
    st_stmt *st = st_get(s, ST_SUPPRESS_REMOVE);
    if (!st)
        return TOCSIN_E_DB;
    st_int(st, 1, id);
    tocsin_code rc = st_done(s, st, "removing a suppression");
    if (rc == TOCSIN_OK && st_changes(s) == 0) {
        snprintf(s->err, sizeof s->err, "no suppression %lld in the store (tocsin suppress --list)",
                 (long long)id);
        return TOCSIN_E_NOTFOUND;
    }
    return rc;
}

tocsin_code ts_store_incident_close(ts_store *s, const char *id, const char *disposition, const char *note)
{
    if (!id || !disposition || (strcmp(disposition, "benign") != 0 && strcmp(disposition, "malicious") != 0))
        return TOCSIN_E_ARG;
    st_stmt *st = st_get(s, ST_INCIDENT_CLOSE);
    if (!st)
        return TOCSIN_E_DB;
    st_text(st, 1, id);
    st_text(st, 2, disposition);
    st_text(st, 3, note);
    st_int(st, 4, st_now_ns());
    tocsin_code rc = st_done(s, st, "closing the incident");
    if (rc == TOCSIN_OK && st_changes(s) == 0) {
        snprintf(s->err, sizeof s->err, "no incident %.64s in the store", id);
        return TOCSIN_E_NOTFOUND;
    }
    if (rc == TOCSIN_OK && st_is_pg(s))
        rc = st_notify(s, id, "closed", 0);
    return rc;
}
