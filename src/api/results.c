/* results.c: what a hunt gives back once its findings are stored: each incident it wrote,
 * as data, to the caller's tocsin_options.result, and its report, printed only when the
 * caller asks (tocsin_report_run). The library never prints a hunt on its own. */
#include <stdlib.h>
#include <string.h>

#include "api/session.h"
#include "report/report.h"
#include "report/report_int.h"
#include "store/store_read.h"

/* The session's last hunt: its run, and the figures the store does not keep (events
 * matched, rules that gave up, the detectors' state), for its report. */
struct ts_last_hunt {
    int64_t run;
    ts_hunt_stats st;
    ts_rule_gave_up *gave_up; /* st.gave_up, its strings copied: the detectors' go with them */
};

void ts_results_forget(tocsin *t)
{
    struct ts_last_hunt *l = t->last_hunt;
    if (!l)
        return;
    for (size_t i = 0; i < l->st.n_gave_up; i++) {
        free((char *)l->gave_up[i].rule);
        free((char *)l->gave_up[i].title);
        free((char *)l->gave_up[i].file);
    }
    free(l->gave_up);
    free(l);
    t->last_hunt = NULL;
}

static char *dup_or_null(const char *s, int *failed)
{
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        *failed = 1;
    return d;
}

/* Copies the hunt's figures; the state rows' names are static (detectors' names, tables'). */
static tocsin_code keep_figures(tocsin *t, int64_t run, const ts_hunt_stats *st)
{
    struct ts_last_hunt *l = calloc(1, sizeof *l);
    int failed = 0;
    if (!l)
        return TOCSIN_E_NOMEM;
    l->run = run;
    l->st = *st;
    l->st.intel = t->intel;
    l->st.gave_up = NULL;
    l->st.n_gave_up = 0;
    t->last_hunt = l;
    if (!st->n_gave_up)
        return TOCSIN_OK;
    if (!(l->gave_up = calloc(st->n_gave_up, sizeof *l->gave_up)))
        return TOCSIN_E_NOMEM;
    for (size_t i = 0; i < st->n_gave_up; i++) {
        ts_rule_gave_up g = st->gave_up[i];
        g.rule = dup_or_null(g.rule, &failed);
        g.title = dup_or_null(g.title, &failed);
        g.file = dup_or_null(g.file, &failed);
        l->gave_up[l->st.n_gave_up++] = g;
    }
    l->st.gave_up = l->gave_up;
    return failed ? TOCSIN_E_NOMEM : TOCSIN_OK;
}

/* Why an alert weighs nothing, as the report says it, or NULL: raised. */
static const char *not_raised(const ts_alert_view *a)
{
    if (a->suppressed)
        return a->suppressed;
    if (a->suppression)
        return a->suppression_note ? a->suppression_note : "suppressed by an analyst's rule";
    return NULL;
}

/* The names of the view's entities of one kind, into names (room for all of them). */
static size_t entities_of(const ts_incident_view *v, const char *kind, const char **names)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n_entities; i++)
        if (strcmp(v->entities[i].kind, kind) == 0)
            names[n++] = v->entities[i].value;
    return n;
}

/* One stored incident handed to the caller; *stop set when it wants no more. */
static tocsin_code hand_over(tocsin *t, const char *id, int *stop)
{
    ts_incident_view *v;
    tocsin_code rc = ts_store_incident_load(t->store, id, TS_VIEW_ALERTS, &v);
    if (rc != TOCSIN_OK)
        return rc;
    tocsin_alert *alerts = calloc(v->n_alerts ? v->n_alerts : 1, sizeof *alerts);
    const char **names = calloc(v->n_entities ? 2 * v->n_entities : 1, sizeof *names);
    if (!alerts || !names) {
        free(alerts);
        free(names);
        ts_incident_view_free(v);
        return TOCSIN_E_NOMEM;
    }
    for (size_t i = 0; i < v->n_alerts; i++) {
        const ts_alert_view *a = &v->alerts[i];
        alerts[i] = (tocsin_alert){.detector = a->detector,
                                   .title = a->title,
                                   .severity = a->severity,
                                   .techniques = a->techniques,
                                   .first_ns = a->first_ns,
                                   .last_ns = a->last_ns,
                                   .events = a->count,
                                   .host = a->internal_host ? a->internal_host : a->internal_ip,
                                   .user = a->user,
                                   .remote_ip = a->remote_ip,
                                   .remote_name = a->remote_name,
                                   .file = a->file,
                                   .line = a->line,
                                   .record = a->record,
                                   .not_raised = not_raised(a)};
    }
    char verdict[200];
    rpt_verdict(v, verdict, sizeof verdict);
    tocsin_incident inc = {.id = v->id,
                           .first_ns = v->first_ns,
                           .last_ns = v->last_ns,
                           .severity = v->severity,
                           .alert_count = v->alert_total,
                           .verdict = verdict,
                           .top_actor = v->n_hyps ? v->hyps[0].actor : NULL,
                           .top_probability = v->n_hyps ? v->hyps[0].probability : 0,
                           .joined = v->joined,
                           .apart = v->apart,
                           .alerts = alerts,
                           .n_alerts = v->n_alerts};
    inc.hosts = names;
    inc.n_hosts = entities_of(v, "host", names);
    inc.users = names + inc.n_hosts;
    inc.n_users = entities_of(v, "user", names + inc.n_hosts);
    *stop = t->o.result(t->o.result_ud, &inc) != 0;
    free(alerts);
    free(names);
    ts_incident_view_free(v);
    return TOCSIN_OK;
}

/* Every incident the run wrote, oldest activity first, until the caller says stop. */
static tocsin_code hand_over_all(tocsin *t, int64_t run)
{
    char **ids;
    size_t n;
    int stop = 0;
    tocsin_code rc = ts_store_incident_ids(t->store, run, &ids, &n);
    if (rc != TOCSIN_OK)
        return rc;
    for (size_t i = 0; rc == TOCSIN_OK && i < n && !stop; i++)
        rc = hand_over(t, ids[i], &stop);
    ts_strv_free(ids, n);
    return rc;
}

tocsin_code ts_results_hunted(tocsin *t, tocsin_code rc, int64_t run, const ts_hunt_stats *st)
{
    ts_results_forget(t);
    if (rc != TOCSIN_OK)
        return rc;
    rc = keep_figures(t, run, st);
    if (rc == TOCSIN_OK && t->o.result)
        rc = hand_over_all(t, run);
    if (rc == TOCSIN_E_DB)
        return ts_session_fail(t, rc, "%s", ts_store_error(t->store));
    if (rc != TOCSIN_OK)
        return ts_session_fail(t, rc, "the findings are stored, but handing them over failed: %s",
                               tocsin_strerror(rc));
    return rc;
}

int64_t tocsin_last_run(const tocsin *t)
{
    return t->last_hunt ? t->last_hunt->run : 0;
}

tocsin_code tocsin_report_run(tocsin *t, int64_t run_id)
{
    const ts_hunt_stats *st = t->last_hunt && t->last_hunt->run == run_id ? &t->last_hunt->st : NULL;
    tocsin_code rc = ts_report_run(t->store, run_id, st, t->out, t->o.json, t->shown);
    if (rc == TOCSIN_E_DB)
        return ts_session_fail(t, rc, "%s", ts_store_error(t->store));
    if (rc == TOCSIN_E_NOTFOUND)
        return ts_session_fail(t, rc, "no run %lld in %s", (long long)run_id, t->db_path);
    return rc;
}
