/* reload.c: the alerts of earlier watches, read back from the store into a new watch's
 * correlator. Without them an alert that goes on repeating after a restart would start
 * again as a second alert, and its incident would get another id: with them, the watch
 * ends with the alerts and incidents a single uninterrupted run would have. */
#include <stdlib.h>
#include <string.h>

#include "api/session.h"
#include "live/live.h"
#include "store/store_read.h"

static char *dup0(const char *s)
{
    return s ? strdup(s) : NULL;
}

static ts_evidence_kind kind_of(const char *k)
{
    if (k && strcmp(k, "home-network") == 0)
        return TS_EV_HOME_NETWORK;
    if (k && strcmp(k, "rule") == 0)
        return TS_EV_RULE;
    if (k && strcmp(k, "behaviour") == 0)
        return TS_EV_BEHAVIOUR;
    return TS_EV_INDICATOR;
}

static ts_direction direction_of(const char *d)
{
    if (!d)
        return TS_DIR_UNKNOWN;
    if (strcmp(d, "inbound") == 0)
        return TS_DIR_INBOUND;
    if (strcmp(d, "outbound") == 0)
        return TS_DIR_OUTBOUND;
    return strcmp(d, "internal") == 0 ? TS_DIR_INTERNAL : TS_DIR_UNKNOWN;
}

static ts_side side_of(const char *s)
{
    if (!s)
        return TS_SIDE_NONE;
    if (strcmp(s, "src") == 0)
        return TS_SIDE_SRC;
    if (strcmp(s, "dst") == 0)
        return TS_SIDE_DST;
    return strcmp(s, "file") == 0 ? TS_SIDE_FILE : TS_SIDE_NONE;
}

/* The actors the store names, as the session's set of ids: names, not ids, are stored. */
static uint32_t actors_of(ts_intel *ti, const ts_alert_view *v)
{
    uint32_t ids[64];
    size_t n = 0;
    for (size_t i = 0; ti && i < v->n_actors && n < 64; i++) {
        uint32_t id;
        const char *name = v->actor_ids && v->actor_ids[i] ? v->actor_ids[i] : v->actors[i];
        if (name && ts_intel_actor_resolve(ti, name, &id, 1) >= 1)
            ids[n++] = id;
    }
    return n ? ts_intel_actorset(ti, ids, n) : 0;
}

static bool copy_hits(ts_alert *a, const ts_alert_view *v)
{
    if (!v->n_hits)
        return true;
    if (!(a->hits = calloc(v->n_hits, sizeof *a->hits)))
        return false;
    for (size_t i = 0; i < v->n_hits; i++) {
        const ts_hit_view *h = &v->hits[i];
        ts_alert_hit *o = &a->hits[a->n_hits++];
        o->ts_ns = h->ts_ns, o->line = h->line, o->record = h->record;
        o->file = dup0(h->file), o->host = dup0(h->host), o->user = dup0(h->user);
        o->process = dup0(h->process), o->command_line = dup0(h->command_line), o->parent = dup0(h->parent);
        o->uid = dup0(h->uid), o->community_id = dup0(h->community_id), o->flow_id = dup0(h->flow_id);
    }
    return true;
}

/* One stored alert as the detector made it; NULL when its detector is not running. */
static ts_alert *alert_of(ts_intel *ti, const ts_alert_view *v)
{
    const ts_detector *d = v->detector ? ts_detector_find(v->detector, strlen(v->detector)) : NULL;
    ts_alert *a = d ? calloc(1, sizeof *a) : NULL;
    if (!a)
        return NULL;
    a->detector = d->name;
    a->key = dup0(v->key), a->title = dup0(v->title), a->techniques = dup0(v->techniques);
    a->kind = kind_of(v->kind);
    a->severity = (uint8_t)v->severity;
    a->first_ns = v->first_ns, a->last_ns = v->last_ns, a->count = v->count;
    if (v->internal_ip)
        ts_ip_parse(ts_str_c(v->internal_ip), &a->internal_ip);
    if (v->remote_ip)
        ts_ip_parse(ts_str_c(v->remote_ip), &a->remote_ip);
    if (v->remote_cc)
        snprintf(a->remote_geo.cc, sizeof a->remote_geo.cc, "%s", v->remote_cc);
    a->remote_geo.asn = v->remote_asn;
    a->internal_host = dup0(v->internal_host), a->user = dup0(v->user), a->remote_name = dup0(v->remote_name);
    a->direction = direction_of(v->direction);
    a->ioc_type = v->ioc_type ? ts_ioc_type_parse(v->ioc_type) : 0;
    a->ioc_value = dup0(v->ioc_value), a->observed = dup0(v->observed);
    a->side = side_of(v->side);
    a->actorset = actors_of(ti, v);
    a->source = ti && v->source ? ts_intel_source(ti, v->source) : 0;
    a->confidence = v->confidence < 0 ? 0 : (uint8_t)v->confidence;
    a->shared = (uint8_t)v->shared;
    a->suppressed = dup0(v->suppressed);
    a->suppression = v->suppression, a->suppression_note = dup0(v->suppression_note);
    a->dataset = dup0(v->dataset), a->file = dup0(v->file);
    a->line = v->line, a->record = v->record;
    if (!a->key || !copy_hits(a, v)) {
        ts_alert_free(a);
        return NULL;
    }
    return a;
}

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
            ts_alert *a = alert_of(ti, &v->alerts[k]);
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
        ts_alert *a = alert_of(ti, &v[i]);
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
        ts_alert *a = alert_of(ti, &r->v[i]);
        if (a)
            ts_pipeline_seed(p, a);
    }
    return TOCSIN_OK;
}
