/* hunt.c: the pipeline, one event at a time: ingest -> enrich -> detect -> correlate, then
 * attribute -> store, then the results to the caller (results.c). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/merge.h"
#include "api/pool.h"
#include "api/session.h"
#include "core/esc.h"
#include "attribute/attribute.h"
#include "core/config.h"
#include "correlate/correlate.h"
#include "correlate/routine.h"
#include "correlate/suppress.h"
#include "detect/detect.h"
#include "api/alert_out.h"
#include "ingest/ingest.h"
#include "report/report.h"
#include "report/report_int.h"
#include "core/vec.h"

#define MAX_DETECTORS 64
/* Messages shown for one file; the rest are counted and summed up in one line at its end,
 * so a damaged file cannot bury the others' messages (or take minutes to print). */
#define DIAG_PER_FILE 20
/* The routine learner's row in the store's detector_state table. */
#define ROUTINE_STATE "routine"

typedef struct hunt {
    tocsin *t;
    ts_correlator *corr;
    ts_routine *routine; /* sources whose usual doing is not raised */
    const ts_detector *det[MAX_DETECTORS];
    void *det_state[MAX_DETECTORS];
    size_t n_det;
    ts_alert_sink alerts;
    ts_hunt_stats st;
    ts_rule_gave_up *gave_up; /* st.gave_up's storage */
    size_t cap_gave_up;
    int64_t run;
    ts_file_counts *file; /* the counts of the file events come from (merge.h) */
    ts_file_counts no_file;
    int progress;
    double started, last_progress;
    /* `tocsin watch`: more to write in the findings' transaction (its file positions) */
    tocsin_code (*also_store)(void *ud);
    void *also_ud;
    ts_scratch scratch; /* `tocsin watch` reads pieces of files itself (a hunt's merge has its own) */
    char part[256];     /* a stream partition's suffix to the state's names ("@events:p3"), or "" */
    bool live;          /* `tocsin watch`'s pipeline: detectors judge as their windows close */
    bool fresh;         /* logs hunted before are read again: no state resumed (rerun.c) */
    /* --jobs above 1: the pool, the detectors that prepare events ahead in it (indexes in
       det, ascending) and each thread's scratch for each: workers[w * n_prep + k]. */
    ts_jobpool *pool;
    size_t prep_det[MAX_DETECTORS], n_prep;
    void **workers;
    size_t n_workers;
    unsigned jobs; /* --jobs, for the detectors' set-up too; 0: one thread */
} hunt;

/* The store's name of a detector's state: its own, or with the partition's suffix. */
static const char *state_key(const hunt *h, const char *name, char *buf, size_t cap)
{
    if (!h->part[0])
        return name;
    snprintf(buf, cap, "%s%s", name, h->part);
    return buf;
}

/* What prepare_event returns when it could not (out of memory): the detectors then see the
 * event whole, as without workers. */
static char unprepared;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void show_progress(hunt *h, const char *file, int final)
{
    double now = now_s();
    if (!h->progress || (!final && now - h->last_progress < 0.25))
        return;
    h->last_progress = now;
    double secs = now - h->started;
    fprintf(stderr, "\r\033[K%llu files, %llu events (%.0f/s), %llu alerts%s",
            (unsigned long long)h->st.files, (unsigned long long)h->st.events,
            secs > 0 ? (double)h->st.events / secs : 0.0,
            (unsigned long long)ts_correlator_alert_count(h->corr), final ? "\n" : "");
    (void)file;
}

static void on_alert(void *ud, ts_alert *a)
{
    hunt *h = ud;
    h->st.alerts++;
    ts_routine_observe(h->routine, a);
    ts_correlator_add(h->corr, a);
}

static void on_habit(void *ud, const char *key, int64_t ts_ns)
{
    hunt *h = ud;
    ts_routine_habit(h->routine, key, ts_ns);
}

/* ev, with what the preparing detectors found in it ahead (prepare_event), or &unprepared. */
static void on_event_prep(void *ud, ts_event *ev, void *prep)
{
    hunt *h = ud;
    void **v = prep == &unprepared ? NULL : prep;
    /* The sink contract (ingest.h) lets enrichment write the event's geo in place: a copy
       of the whole event per record cost more than the rest of this function. */
    if (h->t->enrich)
        ts_enrich_event(h->t->enrich, ev);
    ts_correlator_observe(h->corr, ev);
    ts_routine_event(h->routine, ev);
    for (size_t i = 0, k = 0; i < h->n_det; i++) {
        if (k < h->n_prep && h->prep_det[k] == i && prep != &unprepared)
            h->det[i]->event_prepared(h->det_state[i], ev, v ? v[k] : NULL, &h->alerts);
        else
            h->det[i]->event(h->det_state[i], ev, &h->alerts);
        k += k < h->n_prep && h->prep_det[k] == i;
    }
    free(v);
    h->st.events++;
    h->file->events++;
    if ((h->st.events & 0x3fff) == 0)
        show_progress(h, ev->file, 0);
}

static void on_error(void *ud, const ts_diag *d);

static void on_event(void *ud, ts_event *ev)
{
    char msg[120];
    if (ts_merge_bad_time(ev, msg, sizeof msg)) { /* a lone file and watch skip the merge */
        on_error(ud, &(ts_diag){ev->file, ev->line, ev->record, TOCSIN_E_PARSE, msg});
        return;
    }
    on_event_prep(ud, ev, &unprepared);
}

/* In worker w: each preparing detector's look at ev, or NULL when none found anything. */
static void *prepare_event(void *ud, unsigned w, const ts_event *ev)
{
    hunt *h = ud;
    void **v = NULL;
    for (size_t k = 0; k < h->n_prep; k++) {
        const ts_detector *d = h->det[h->prep_det[k]];
        void *p = d->prepare(h->det_state[h->prep_det[k]], h->workers[w * h->n_prep + k], ev);
        if (!p)
            continue;
        if (!v && !(v = calloc(h->n_prep, sizeof *v))) {
            d->prep_free(p);
            return &unprepared;
        }
        v[k] = p;
    }
    return v;
}

static void free_prep(void *ud, void *prep)
{
    hunt *h = ud;
    void **v = prep;
    if (prep == &unprepared)
        return;
    for (size_t k = 0; k < h->n_prep; k++)
        if (v[k])
            h->det[h->prep_det[k]]->prep_free(v[k]);
    free(v);
}

static void on_error(void *ud, const ts_diag *d)
{
    hunt *h = ud;
    h->st.rejected++;
    if (++h->file->rejected > DIAG_PER_FILE)
        return;
    if (h->progress)
        fputs("\r\033[K", stderr);
    ts_session_diag_fn(h->t, d);
}

/* A record read with a flaw (a field it could not use): said, not counted as rejected. */
static void on_warn(void *ud, const ts_diag *d)
{
    hunt *h = ud;
    if (h->progress)
        fputs("\r\033[K", stderr);
    ts_session_diag_fn(h->t, d);
}

static void enter_file(void *ud, ts_file_counts *c)
{
    hunt *h = ud;
    h->file = c;
}

/* A file was read (or could not be): its messages summed up, its figures stored. */
static void end_file(void *ud, const char *file, const char *reader, const ts_file_counts *c)
{
    hunt *h = ud;
    char more[32];
    h->st.files++;
    if (h->progress && (c->rejected > DIAG_PER_FILE || c->late))
        fputs("\r\033[K", stderr);
    if (c->rejected > DIAG_PER_FILE)
        ts_session_diag(h->t, file, 0, "and %s more like it",
                        rpt_count(c->rejected - DIAG_PER_FILE, more, sizeof more));
    if (c->late)
        ts_session_diag(
            h->t, file, 0,
            "%s events were more than %d s or %d events out of time order; detectors saw them late",
            rpt_count(c->late, more, sizeof more), (int)(TS_MERGE_WINDOW_NS / 1000000000),
            TS_MERGE_WINDOW_EVENTS);
    ts_store_source(h->t->store, h->run, file, reader ? reader : "-", c->events, c->rejected);
}

/* A detector continues from what it learned in earlier runs. A blob it cannot use leaves
 * it as init made it, whatever the load hook had read before it failed. */
static tocsin_code restore_state(hunt *h, const ts_detector *d, void *state, const ts_detect_ctx *ctx)
{
    void *blob;
    size_t len;
    char key[320];
    if (!ts_detector_keeps_state(d) || h->fresh)
        return TOCSIN_OK;
    tocsin_code rc = ts_store_state_get(h->t->store, state_key(h, d->name, key, sizeof key), &blob, &len);
    if (rc == TOCSIN_E_DB)
        return ts_session_fail(h->t, rc, "%s", ts_store_error(h->t->store));
    char why[400];
    if (rc == TOCSIN_OK && blob && ts_detector_load(d, state, blob, len, why, sizeof why) != TOCSIN_OK) {
        /* why names the detector and, for a table, the field: "lateral: saved state damaged at ..." */
        ts_session_diag(h->t, h->t->db_path, 0, "detector %s; it starts afresh", why);
        ts_detector_fini(d, state);
        memset(state, 0, d->state_size ? d->state_size : 1);
        rc = d->init ? d->init(state, ctx) : TOCSIN_OK;
    }
    free(blob);
    return rc;
}

/* Set-up notes on the progress line; the line is cleared before the first file's figures. */
static void setup_progress(void *ud, const char *msg)
{
    (void)ud;
    fputs("\r\033[K", stderr);
    ts_fputs_term(msg, stderr);
}

static void rules_diag(void *ud, const ts_diag *d)
{
    hunt *h = ud;
    if (h->progress) /* a message starts its own line, not the end of the progress line */
        fputs("\r\033[K", stderr);
    ts_session_diag_fn(h->t, d);
}

/* Whether name is in the comma-separated list (NULL: every detector is). */
static int chosen(const char *list, const char *name)
{
    ts_str it;
    for (const char *p = list; ts_str_next_item(&p, &it);)
        if (ts_str_eq(it, name))
            return 1;
    return !list;
}

/* Every name in the list must be a detector: a typo would silently disable detection. The
 * message (escaped by ts_session_fail) lists the names there are. */
static tocsin_code check_chosen(tocsin *t, const char *list)
{
    ts_str it;
    for (const char *p = list; ts_str_next_item(&p, &it);) {
        if (ts_detector_find(it.p, it.n))
            continue;
        char known[512] = "";
        size_t used = 0;
        for (size_t k = 0; ts_detectors[k]; k++) {
            int w = snprintf(known + used, sizeof known - used, "%s%s", k ? ", " : "", ts_detectors[k]->name);
            if (w > 0 && (size_t)w < sizeof known - used)
                used += (size_t)w;
        }
        return ts_session_fail(t, TOCSIN_E_ARG, "--detectors: no detector is called '%.*s' (known: %s)",
                               (int)(it.n < 63 ? it.n : 63), it.p, known);
    }
    return TOCSIN_OK;
}

/* The routine sources (correlate/routine.h) continue from what earlier runs learned. */
static tocsin_code start_routine(hunt *h)
{
    void *blob = NULL;
    size_t len = 0;
    char key[320];
    if (!(h->routine = ts_routine_new(h->t->config, h->t->data_dir, rules_diag, h)))
        return TOCSIN_E_NOMEM;
    if (h->fresh)
        return TOCSIN_OK;
    tocsin_code rc =
        ts_store_state_get(h->t->store, state_key(h, ROUTINE_STATE, key, sizeof key), &blob, &len);
    if (rc == TOCSIN_E_DB)
        return ts_session_fail(h->t, rc, "%s", ts_store_error(h->t->store));
    if (rc == TOCSIN_OK && blob && ts_routine_load(h->routine, blob, len) != TOCSIN_OK)
        ts_session_diag(h->t, h->t->db_path, 0,
                        "routine sources: the saved state is unusable; learning afresh");
    free(blob);
    return TOCSIN_OK;
}

static tocsin_code start_detectors(hunt *h)
{
    ts_detect_ctx ctx = {h->t->intel,
                         h->t->watch,
                         h->t->config,
                         h->t->data_dir,
                         h->t->o.rules_dirs,
                         h->t->o.n_rules_dirs,
                         h->t->o.sigma_placeholders,
                         rules_diag,
                         h,
                         h->progress ? setup_progress : NULL,
                         h,
                         h->live,
                         h->jobs};
    tocsin_code rc = check_chosen(h->t, h->t->o.detectors);
    for (size_t i = 0; rc == TOCSIN_OK && ts_detectors[i] && i < MAX_DETECTORS; i++) {
        const ts_detector *d = ts_detectors[i];
        if (!chosen(h->t->o.detectors, d->name))
            continue;
        void *state = calloc(1, d->state_size ? d->state_size : 1);
        if (!state)
            return TOCSIN_E_NOMEM;
        rc = d->init ? d->init(state, &ctx) : TOCSIN_OK;
        if (rc != TOCSIN_OK) {
            free(state);
            return ts_session_fail(h->t, rc, "detector %s: %s", d->name, tocsin_strerror(rc));
        }
        h->det[h->n_det] = d;
        h->det_state[h->n_det++] = state;
        rc = restore_state(h, d, state, &ctx);
    }
    return rc == TOCSIN_OK ? start_routine(h) : rc;
}

/* The detectors' and the correlator's bounded tables, for the summary. */
static void gather_state(hunt *h)
{
    ts_hunt_stats *st = &h->st;
    for (size_t i = 0; i < h->n_det; i++) {
        ts_state_use u[TS_STATE_ROWS];
        size_t n = ts_detector_usage(h->det[i], h->det_state[i], u, TS_STATE_ROWS);
        for (size_t k = 0; k < n && k < TS_STATE_ROWS && st->n_state < TS_STATE_ROWS; k++)
            st->state[st->n_state++] = (ts_state_row){h->det[i]->name, u[k]};
    }
    ts_state_use u;
    if (st->n_state < TS_STATE_ROWS && ts_routine_usage(h->routine, &u, 1))
        st->state[st->n_state++] = (ts_state_row){"routine", u};
    if (st->n_state < TS_STATE_ROWS && ts_correlator_usage(h->corr, &u, 1))
        st->state[st->n_state++] = (ts_state_row){"correlate", u};
}

/* --jobs N above 1: a pool of N workers, in which the detectors that can prepare events do
 * so ahead of the merge, each worker with a scratch of its own.
 * Out of memory, the hunt runs without. */
static tocsin_code start_workers(hunt *h, unsigned jobs, ts_slots *slots)
{
    if (jobs < 2)
        return TOCSIN_OK;
    for (size_t i = 0; i < h->n_det; i++)
        if (h->det[i]->prepare)
            h->prep_det[h->n_prep++] = i;
    h->n_workers = (size_t)jobs * h->n_prep;
    if (h->n_workers && !(h->workers = calloc(h->n_workers, sizeof *h->workers)))
        return TOCSIN_E_NOMEM;
    for (size_t w = 0; w < h->n_workers; w++) {
        size_t i = h->prep_det[w % h->n_prep];
        if (!(h->workers[w] = h->det[i]->worker_new(h->det_state[i])))
            return TOCSIN_E_NOMEM;
    }
    h->pool = ts_jobpool_new(jobs, slots);
    return h->pool ? TOCSIN_OK : TOCSIN_E_NOMEM;
}

static void stop_workers(hunt *h)
{
    ts_jobpool_free(h->pool);
    h->pool = NULL;
    for (size_t w = 0; w < h->n_workers && h->workers; w++)
        if (h->workers[w])
            h->det[h->prep_det[w % h->n_prep]]->worker_free(h->workers[w]);
    free(h->workers);
    h->workers = NULL;
    h->n_workers = h->n_prep = 0;
}

static void stop_detectors(hunt *h)
{
    for (size_t i = 0; i < h->n_det; i++) {
        ts_detector_fini(h->det[i], h->det_state[i]);
        free(h->det_state[i]);
    }
    h->n_det = 0;
    ts_routine_free(h->routine);
    h->routine = NULL;
}

/* Writes what each detector learned, inside the findings' transaction. Each state is made
 * there, one at a time: making a blob costs about what writing it does, and one at a time
 * the memory peak is the largest state, not all of them. A detector that cannot save keeps
 * its state of the last run, so the next hunt sees these events afresh. */
static tocsin_code keep_states(hunt *h)
{
    tocsin_code rc = TOCSIN_OK;
    char key[320];
    for (size_t i = 0; i < h->n_det && rc == TOCSIN_OK; i++) {
        const ts_detector *d = h->det[i];
        void *blob = NULL;
        size_t len = 0;
        if (!ts_detector_keeps_state(d))
            continue;
        tocsin_code src = ts_detector_save(d, h->det_state[i], &blob, &len);
        if (src == TOCSIN_OK)
            rc = ts_store_state_put(h->t->store, state_key(h, d->name, key, sizeof key), h->run, blob, len);
        else
            ts_session_diag(h->t, h->t->db_path, 0, "detector %s: cannot keep its state: %s", d->name,
                            tocsin_strerror(src));
        free(blob);
    }
    void *blob = NULL;
    size_t len = 0;
    if (rc == TOCSIN_OK && h->routine && ts_routine_save(h->routine, &blob, &len) == TOCSIN_OK)
        rc = ts_store_state_put(h->t->store, state_key(h, ROUTINE_STATE, key, sizeof key), h->run, blob, len);
    free(blob);
    return rc;
}

/* The message of a failure to store the findings: the store's own names the file. */
static tocsin_code findings_lost(hunt *h, tocsin_code rc, const char *incident)
{
    char why[600];
    if (rc == TOCSIN_E_DB)
        snprintf(why, sizeof why, "%s", ts_store_error(h->t->store));
    else
        snprintf(why, sizeof why, "%s: %s", h->t->db_path, tocsin_strerror(rc));
    return ts_session_fail(h->t, rc, "%s%s%s%s; nothing this hunt found was stored", why,
                           incident ? " (incident " : "", incident ? incident : "", incident ? ")" : "");
}

/* The run's findings in one transaction: its incidents with their alerts, what the
 * detectors learned, and the run's end. Any failure rolls back all of them. */
static tocsin_code write_findings(hunt *h, ts_incident **inc, size_t n, const ts_pipeline_hooks *k)
{
    ts_store *s = h->t->store;
    tocsin_code rc = ts_store_begin(s);
    size_t i;
    for (i = 0; i < n && rc == TOCSIN_OK; i++) {
        const ts_incident_stored *d = k && k->stored ? k->stored(k->ud, i, inc[i]) : NULL;
        rc = d ? ts_store_incident_delta(s, h->run, inc[i], h->t->intel, d)
               : ts_store_incident(s, h->run, inc[i], h->t->intel);
    }
    if (rc != TOCSIN_OK)
        return findings_lost(h, rc, i > 0 ? inc[i - 1]->id : NULL);
    if (!h->live) /* a hunt of logs read before: what it joined goes */
        rc = ts_rerun_forget(h->t, h->run, inc, n);
    if (rc == TOCSIN_OK)
        rc = keep_states(h);
    if (rc == TOCSIN_OK && h->also_store)
        rc = h->also_store(h->also_ud);
    if (rc == TOCSIN_OK)
        rc = ts_store_run_end(s, h->run, h->st.events, h->st.rejected);
    if (rc == TOCSIN_OK)
        rc = ts_store_commit(s);
    if (rc == TOCSIN_OK && h->t->alerts_out && !h->also_store) /* a watch sends only its new ones */
        ts_alert_out_incidents(h->t->alerts_out, inc, n);
    return rc == TOCSIN_OK ? rc : findings_lost(h, rc, NULL);
}

/* A stream partition's findings when incidents are formed across partitions (src/live):
 * the alerts keep_alert accepts, the detectors' state and the caller's part, in one
 * transaction; no incident, no attribution. */
static tocsin_code write_alerts(hunt *h, ts_incident **inc, size_t n, const ts_pipeline_hooks *k)
{
    ts_store *s = h->t->store;
    tocsin_code rc = ts_store_begin(s);
    for (size_t i = 0; i < n && rc == TOCSIN_OK; i++)
        for (size_t a = 0; a < inc[i]->n_alerts && rc == TOCSIN_OK; a++)
            if (k->keep_alert(k->ud, inc[i]->alerts[a]))
                rc = ts_store_alert(s, h->run, inc[i]->alerts[a], h->t->intel);
    if (rc == TOCSIN_OK)
        rc = keep_states(h);
    if (rc == TOCSIN_OK && k->also_store)
        rc = k->also_store(k->ud);
    if (rc == TOCSIN_OK)
        rc = ts_store_run_end(s, h->run, h->st.events, h->st.rejected);
    if (rc == TOCSIN_OK)
        rc = ts_store_commit(s);
    return rc == TOCSIN_OK ? rc : findings_lost(h, rc, NULL);
}

/* Collects a rule that gave up on some events, for the run summary. */
static void add_gave_up(void *ud, const ts_rule_gave_up *g)
{
    hunt *h = ud;
    if (!ts_vec_grow(h->gave_up, h->cap_gave_up, h->st.n_gave_up + 1, TS_VEC_NOCAP))
        return;
    h->gave_up[h->st.n_gave_up++] = *g;
    h->st.gave_up = h->gave_up;
}

/* The analyst's suppressions in force now mark the alerts they match, before attribution
 * (which weighs a suppressed alert at nothing) and storage (which keeps it, marked). */
static tocsin_code apply_suppressions(hunt *h, ts_incident **inc, size_t n)
{
    ts_suppression *rules;
    size_t nr;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    tocsin_code rc =
        ts_store_suppressions(h->t->store, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec, &rules, &nr);
    if (rc != TOCSIN_OK)
        return ts_session_fail(h->t, rc, "%s",
                               rc == TOCSIN_E_DB ? ts_store_error(h->t->store) : tocsin_strerror(rc));
    for (size_t i = 0; i < n && nr && rc == TOCSIN_OK; i++) {
        size_t marked = ts_suppress_incident(rules, nr, inc[i]);
        if (marked == (size_t)-1)
            rc = TOCSIN_E_NOMEM;
        else
            h->st.suppressed += marked;
    }
    ts_suppressions_free(rules, nr);
    return rc;
}

/* Alerts the analyst left standing that are a routine source's usual doing are marked
 * (kept, shown with the reason, weighing nothing), before attribution. */
static tocsin_code apply_routine(hunt *h, ts_incident **inc, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t marked = ts_routine_mark(h->routine, inc[i]);
        if (marked == (size_t)-1)
            return TOCSIN_E_NOMEM;
        h->st.routine += marked;
    }
    return TOCSIN_OK;
}

/* End of input: detectors flush, incidents form and get attributed, then the findings are
 * stored. The state goes with the alerts: kept without them (a kill or a failure between
 * two commits), the detectors would skip, in the next hunt, events whose alerts were never
 * stored. Attribution, the slow part, comes first, so another hunt waits on this one's
 * lock only while it writes. */
static tocsin_code conclude(hunt *h)
{
    ts_incident **inc = NULL;
    for (size_t i = 0; i < h->n_det; i++) {
        if (h->det[i]->finish)
            h->det[i]->finish(h->det_state[i], &h->alerts);
        if (h->det[i]->gave_up)
            h->det[i]->gave_up(h->det_state[i], add_gave_up, h);
    }
    /* Marked before incidents form, the held alerts (with an earlier run's, api/rerun.c)
     * seen as one incident: a routine or suppressed alert then ties no hosts together
     * (ts_correlator_alerts). */
    tocsin_code rc = ts_rerun_seed(h->t, h->run, h->corr);
    ts_incident held = {0}, *all = &held;
    held.alerts = ts_correlator_alerts(h->corr, &held.n_alerts);
    if (rc == TOCSIN_OK)
        rc = apply_suppressions(h, &all, 1);
    if (rc == TOCSIN_OK)
        rc = apply_routine(h, &all, 1);
    size_t n = rc == TOCSIN_OK ? ts_correlator_finish(h->corr, &inc) : 0;
    h->st.incidents = n;
    for (size_t i = 0; i < n && rc == TOCSIN_OK; i++)
        ts_attribute_incident_with(h->t->intel, h->t->tz, h->t->share, inc[i]);
    if (rc == TOCSIN_OK)
        rc = write_findings(h, inc, n, NULL);
    if (rc != TOCSIN_OK)
        ts_store_rollback(h->t->store);
    for (size_t i = 0; i < n; i++)
        ts_incident_free(inc[i]);
    free(inc);
    return rc;
}

tocsin_code tocsin_hunt(tocsin *t, const char *const *paths, size_t npaths, const char *const *intel,
                        size_t nintel)
{
    return ts_session_hunt(t, paths, npaths, intel, nintel, 1, NULL);
}

tocsin_code ts_session_hunt(tocsin *t, const char *const *paths, size_t npaths, const char *const *intel,
                            size_t nintel, int report, int64_t *run_id)
{
    hunt h = {.t = t};
    h.file = &h.no_file;
    tocsin_code rc;
    if (run_id)
        *run_id = 0;
    h.progress = t->o.progress < 0 ? isatty(STDERR_FILENO) : t->o.progress;
    h.alerts = (ts_alert_sink){on_alert, &h, on_habit};
    h.started = now_s();
    for (size_t i = 0; i < nintel; i++) {
        rc = ts_session_load_feed(t, intel[i], NULL, 0);
        if (rc != TOCSIN_OK && rc != TOCSIN_E_PARTIAL)
            return rc;
    }
    if (nintel)
        ts_intel_finalise(t->intel);
    h.corr = ts_correlator_new(t->o.window_ns);
    ts_correlator_configure(h.corr, t->config);
    if (!h.corr)
        return TOCSIN_E_NOMEM;
    rc = ts_store_run_begin(t->store, "hunt", &h.run);
    if (rc != TOCSIN_OK)
        rc = ts_session_fail(t, rc, "%s", ts_store_error(t->store));
    unsigned jobs = t->o.jobs > 0 ? (unsigned)t->o.jobs : ts_cores();
    h.jobs = jobs;
    /* Fewer jobs than cores: slots keep the threads working at once to jobs. As many or
       more: the cores bound them already, and a thread waiting for a slot held by one the
       system paused (a loaded machine) would only idle a core. */
    ts_slots slots, *bound = jobs < ts_cores() ? &slots : NULL;
    ts_slots_init(&slots, jobs);
    /* With jobs, the first files are read while the rules load. */
    ts_merge_hooks hooks = {{on_event, on_error, &h, on_warn}, enter_file, end_file, bound};
    ts_merge *merge = NULL;
    if (rc == TOCSIN_OK) /* a misspelt --detectors fails before any file is opened */
        rc = check_chosen(t, t->o.detectors);
    if (rc == TOCSIN_OK && ts_merge_open(paths, npaths, &hooks, jobs > 1 ? jobs : 0, &merge) != TOCSIN_OK)
        rc = ts_session_fail(t, TOCSIN_E_NOMEM, "out of memory while reading the logs");
    if (rc == TOCSIN_OK)
        rc = ts_rerun_fresh(t, paths, npaths, &h.fresh);
    if (rc == TOCSIN_OK)
        rc = start_detectors(&h);
    if (rc == TOCSIN_OK && start_workers(&h, jobs, bound) != TOCSIN_OK) {
        stop_workers(&h);
        ts_session_diag(t, NULL, 0, "out of memory for %u jobs: the detectors run in one thread", jobs);
    }
    if (rc == TOCSIN_OK) {
        tocsin_code mrc = h.pool ? ts_merge_run(merge, h.pool, prepare_event, on_event_prep, free_prep)
                                 : ts_merge_run(merge, NULL, NULL, NULL, NULL);
        if (mrc != TOCSIN_OK)
            rc = ts_session_fail(t, TOCSIN_E_NOMEM, "out of memory while reading the logs");
        stop_workers(&h);
        show_progress(&h, NULL, 1);
        if (rc == TOCSIN_OK)
            rc = conclude(&h);
        gather_state(&h);
    }
    ts_merge_close(merge);
    h.st.seconds = now_s() - h.started;
    if (run_id)
        *run_id = h.run;
    if (report) /* before the detectors go: the rules that gave up are named in their state */
        rc = ts_results_hunted(t, rc, h.run, &h.st);
    stop_workers(&h);
    stop_detectors(&h);
    ts_slots_destroy(&slots);
    free(h.gave_up);
    ts_correlator_free(h.corr);
    if (rc == TOCSIN_OK && h.st.rejected)
        rc = TOCSIN_E_PARTIAL;
    return rc;
}

/* The pipeline held open for `tocsin watch` (src/live): the same detectors and correlator
 * as a hunt, fed a piece of a file at a time, with findings stored at each checkpoint. */
tocsin_code ts_pipeline_open(tocsin *t, const char *command, ts_pipeline **out)
{
    return ts_pipeline_open_part(t, command, NULL, out);
}

static tocsin_code open_pipeline(tocsin *t, const char *command, const char *part, bool detectors,
                                 ts_pipeline **out);

tocsin_code ts_pipeline_open_part(tocsin *t, const char *command, const char *part, ts_pipeline **out)
{
    return open_pipeline(t, command, part, true, out);
}

tocsin_code ts_pipeline_open_correlator(tocsin *t, const char *command, ts_pipeline **out)
{
    return open_pipeline(t, command, NULL, false, out);
}

static tocsin_code open_pipeline(tocsin *t, const char *command, const char *part, bool detectors,
                                 ts_pipeline **out)
{
    *out = NULL;
    hunt *h = calloc(1, sizeof *h);
    if (!h)
        return TOCSIN_E_NOMEM;
    h->t = t;
    snprintf(h->part, sizeof h->part, "%s", part ? part : "");
    h->live = true;
    h->alerts = (ts_alert_sink){on_alert, h, on_habit};
    h->started = now_s();
    h->file = &h->no_file;
    h->corr = ts_correlator_new(t->o.window_ns);
    if (!h->corr || ts_scratch_init(&h->scratch) != TOCSIN_OK) {
        ts_correlator_free(h->corr);
        free(h);
        return TOCSIN_E_NOMEM;
    }
    ts_correlator_configure(h->corr, t->config);
    tocsin_code rc = ts_store_run_begin(t->store, command, &h->run);
    if (rc != TOCSIN_OK)
        rc = ts_session_fail(t, rc, "%s", ts_store_error(t->store));
    if (rc == TOCSIN_OK && detectors)
        rc = start_detectors(h);
    if (rc != TOCSIN_OK) {
        ts_pipeline_close(h);
        return rc;
    }
    *out = h;
    return TOCSIN_OK;
}

uint64_t ts_pipeline_read(ts_pipeline *h, ts_input *in, const ts_reader *r)
{
    ts_sink sink = {on_event, on_error, h, on_warn};
    uint64_t before = h->st.events;
    h->no_file = (ts_file_counts){0}; /* the per-file message cap counts from each piece */
    h->file = &h->no_file;
    r->read(in, &h->scratch, &sink);
    return h->st.events - before;
}

/* Incidents are formed from every alert the session holds, so one that grows keeps its id;
 * only those keep accepts (new or changed) are attributed and written, and afterwards
 * every alert goes back into the correlator for the next checkpoint. */
tocsin_code ts_pipeline_checkpoint(ts_pipeline *h, int final, const ts_pipeline_hooks *k)
{
    ts_incident **inc = NULL, **out = NULL;
    for (size_t i = 0; final && i < h->n_det; i++)
        if (h->det[i]->finish)
            h->det[i]->finish(h->det_state[i], &h->alerts);
    ts_incident held = {0}, *all = &held; /* marked before incidents form, as in conclude */
    held.alerts = ts_correlator_alerts(h->corr, &held.n_alerts);
    tocsin_code rc = apply_suppressions(h, &all, 1);
    size_t n = ts_correlator_finish(h->corr, &inc), m = 0;
    if (n && rc == TOCSIN_OK && !(out = malloc(n * sizeof *out)))
        rc = TOCSIN_E_NOMEM;
    for (size_t i = 0; i < n && rc == TOCSIN_OK; i++)
        if (!k->keep || k->keep(k->ud, inc[i])) {
            if (!k->keep_alert)
                ts_attribute_incident_with(h->t->intel, h->t->tz, h->t->share, inc[i]);
            out[m++] = inc[i];
        }
    h->st.incidents = m;
    h->also_store = k->also_store;
    h->also_ud = k->ud;
    if (rc == TOCSIN_OK)
        rc = k->keep_alert ? write_alerts(h, out, m, k) : write_findings(h, out, m, k);
    h->also_store = NULL;
    if (rc != TOCSIN_OK)
        ts_store_rollback(h->t->store);
    else if (k->changed)
        k->changed(k->ud, out, m);
    for (size_t i = 0; i < n; i++) {
        for (size_t a = 0; a < inc[i]->n_alerts; a++)
            ts_correlator_add(h->corr, inc[i]->alerts[a]);
        inc[i]->n_alerts = 0;
        ts_incident_free(inc[i]);
    }
    free(out);
    free(inc);
    return rc;
}

void ts_pipeline_seed(ts_pipeline *h, ts_alert *a)
{
    ts_correlator_add(h->corr, a);
}

tocsin_code ts_pipeline_forget_alerts(ts_pipeline *h)
{
    ts_correlator *c = ts_correlator_new(h->t->o.window_ns);
    if (!c)
        return TOCSIN_E_NOMEM;
    ts_correlator_configure(c, h->t->config);
    ts_correlator_free(h->corr);
    h->corr = c;
    return TOCSIN_OK;
}

void ts_pipeline_close(ts_pipeline *h)
{
    if (!h)
        return;
    stop_detectors(h);
    free(h->gave_up);
    ts_scratch_free(&h->scratch);
    ts_correlator_free(h->corr);
    free(h);
}
