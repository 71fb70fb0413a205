/* reload.c: the alerts of earlier watches, read back from the store into a new watch's
 * correlator. Without them an alert that goes on repeating after a restart would start
 * again as a second alert, and its incident would get another id: with them, the watch
 * ends with the alerts and incidents a single uninterrupted run would have. */
#include <stdlib.h>
#include <string.h>

#include "api/session.h"
#include "live/live.h"
#include "store/store_read.h"

tocsin_code ts_live_reload(ts_store *s, ts_intel *ti, ts_pipeline *p, const char *command, size_t *reloaded)
{
    char **ids;
    size_t n;
    *reloaded = 0;
    tocsin_code rc = ts_store_run_incidents(s, command, &ids, &n);
    for (size_t i = 0; i < n && rc == TOCSIN_OK; i++) {
        ts_incident_view *v;
        rc = ts_store_incident_load(s, ids[i], TS_VIEW_ALERTS, &v);
        if (rc == TOCSIN_E_NOTFOUND) { /* deleted since */
            rc = TOCSIN_OK;
            continue;
        }
        for (size_t k = 0; rc == TOCSIN_OK && k < v->n_alerts; k++) {
            ts_alert *a = ts_alert_from_view(ti, &v->alerts[k]);
            if (a) {
                ts_pipeline_seed(p, a);
                (*reloaded)++;
            }
        }
        ts_incident_view_free(v);
    }
    ts_strv_free(ids, n);
    return rc;
}

tocsin_code ts_live_reload_runs(ts_store *s, ts_intel *ti, ts_pipeline *p, const char *prefix,
                                int (*want)(void *ud, const char *command), void *ud, size_t *reloaded)
{
    ts_alert_view *v;
    size_t n;
    *reloaded = 0;
    int64_t upto;
    tocsin_code rc = ts_store_runs_alerts(s, prefix, want, ud, -1, &upto, &v, &n);
    for (size_t i = 0; i < n && rc == TOCSIN_OK; i++) {
        ts_alert *a = ts_alert_from_view(ti, &v[i]);
        if (a) {
            ts_pipeline_seed(p, a);
            (*reloaded)++;
        }
    }
    ts_alert_views_free(v, n);
    return rc;
}

void ts_live_rows_clear(ts_live_rows *r)
{
    ts_alert_views_free(r->v, r->n);
    *r = (ts_live_rows){NULL, 0, -1};
}

/* The store's order: first event time, then id (an alert's first time never changes). */
static int view_cmp(const ts_alert_view *a, const ts_alert_view *b)
{
    if (a->first_ns != b->first_ns)
        return a->first_ns < b->first_ns ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Merges the changed views v (in the store's order, owned) into r: a view of an alert r
 * holds replaces it. */
static tocsin_code merge_rows(ts_live_rows *r, ts_alert_view *v, size_t n)
{
    ts_alert_view *m = malloc((r->n + n ? r->n + n : 1) * sizeof *m);
    if (!m) {
        ts_alert_views_free(v, n);
        return TOCSIN_E_NOMEM;
    }
    size_t i = 0, k = 0, o = 0;
    while (i < r->n || k < n) {
        int c = i == r->n ? 1 : k == n ? -1 : view_cmp(&r->v[i], &v[k]);
        if (c == 0)
            ts_alert_view_clear(&r->v[i++]); /* the newer version follows */
        else
            m[o++] = c < 0 ? r->v[i++] : v[k++];
    }
    free(r->v);
    free(v); /* its views were moved */
    r->v = m, r->n = o;
    return TOCSIN_OK;
}

tocsin_code ts_live_reload_changed(ts_store *s, ts_intel *ti, ts_pipeline *p, const char *prefix,
                                   int (*want)(void *ud, const char *command), void *ud, ts_live_rows *r,
                                   size_t *read)
{
    ts_alert_view *v;
    size_t n;
    int64_t upto;
    *read = 0;
    tocsin_code rc = ts_store_runs_alerts(s, prefix, want, ud, r->since, &upto, &v, &n);
    if (rc == TOCSIN_OK)
        rc = merge_rows(r, v, n);
    if (rc == TOCSIN_OK)
        rc = ts_pipeline_forget_alerts(p);
    if (rc != TOCSIN_OK)
        return rc;
    r->since = upto, *read = n;
    for (size_t i = 0; i < r->n; i++) {
        ts_alert *a = ts_alert_from_view(ti, &r->v[i]);
        if (a)
            ts_pipeline_seed(p, a);
    }
    return TOCSIN_OK;
}
