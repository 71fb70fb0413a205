/* session.h: what a tocsin session holds; shared by the files of src/api and by src/eval,
 * which runs a hunt and reads its store. */
#ifndef TS_SESSION_H
#define TS_SESSION_H

#include "enrich/enrich.h"
#include "intel/intel.h"
#include "store/store.h"
#include "tocsin.h"

struct tocsin {
    tocsin_options o;
    FILE *out;
    char *db_path;
    char *data_dir;
    char *watch;
    ts_store *store;
    ts_intel *intel;
    ts_enrich *enrich;                /* without a location database it still marks internal ranges */
    struct ts_config *config;         /* detector tunables, or NULL when there are none */
    struct ts_tz_table *tz;           /* home time zones for attribution (data/attribution), or NULL */
    struct ts_timeline_filter *shown; /* what a hunt's report lists (tocsin_hunt_view), or NULL */
    FILE *own_out;                    /* the file tocsin_hunt_view opened for the report, or NULL */
    struct ts_share_table *share;     /* classes of shared infrastructure (data/attribution), or NULL */
    struct ts_alert_out *alerts_out;  /* --alerts-to, or NULL */
    struct ts_last_hunt *last_hunt;   /* the last hunt's run and figures, for its report (results.c) */
    char err[512];
};

/* Reports a problem with input through the session's diagnostic callback. */
void ts_session_diag(tocsin *t, const char *file, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Hands d, whole, to the session's diagnostic callback (none set: dropped): a ts_diag_fn
 * (core/diag.h) whose ud is the session. */
void ts_session_diag_fn(void *ud, const ts_diag *d);
/* A ts_diag_fn (ud: the session) for a problem that ends the call: keeps it, named by its
 * file and line, for tocsin_last_error. */
void ts_session_fail_fn(void *ud, const ts_diag *d);
/* Records a failure message for tocsin_last_error and returns code. */
tocsin_code ts_session_fail(tocsin *t, tocsin_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Loads a feed (file or directory) into the session's intelligence; persist: keep it in
 * the store. Returns TOCSIN_E_PARTIAL when entries were rejected. */
tocsin_code ts_session_load_feed(tocsin *t, const char *path, const char *actor, int persist);

/* tocsin_hunt; with report set, the results are given back (ts_results_hunted) as
 * tocsin_hunt does, else the hunt is quiet (src/eval reads the store itself); *run_id (may
 * be NULL) receives the run's id in the store (0 when none was begun). */
tocsin_code ts_session_hunt(tocsin *t, const char *const *paths, size_t npaths, const char *const *intel,
                            size_t nintel, int report, int64_t *run_id);

/* results.c: the end of a hunt whose code so far is rc: forgets the last hunt's figures
 * and, when rc is TOCSIN_OK (the findings stored), keeps this one's for tocsin_report_run
 * and hands each incident the run wrote to the caller's tocsin_options.result. Returns rc,
 * or why keeping or handing over failed. ts_results_forget frees what it kept. */
struct ts_hunt_stats;
tocsin_code ts_results_hunted(tocsin *t, tocsin_code rc, int64_t run, const struct ts_hunt_stats *st);
void ts_results_forget(tocsin *t);

/* rerun.c: a hunt reading files that earlier runs read. fresh: whether any of paths (a
 * file, or a directory holding files) was read by an earlier run: its detectors then start
 * afresh rather than from their saved state, which holds those events already. seed gives
 * c the alerts stored from the files run read (its sources) and the other alerts of their
 * incidents (ts_correlator_add_stored), before its incidents are formed; forget, inside
 * the findings' transaction, removes the stored incidents with alerts from those files
 * that are not among the n formed now (joined into one of them). */
tocsin_code ts_rerun_fresh(tocsin *t, const char *const *paths, size_t npaths, bool *fresh);
tocsin_code ts_rerun_seed(tocsin *t, int64_t run, ts_correlator *c);
tocsin_code ts_rerun_forget(tocsin *t, int64_t run, ts_incident *const *inc, size_t n);

/* The hunt's pipeline held open for `tocsin watch` (hunt.c): open starts the detectors
 * from their saved state and begins a run named command; read feeds one input through
 * reader r and returns the events it gave; checkpoint forms incidents from every alert
 * held and, for those hooks->keep accepts (NULL: all), attributes them and stores them
 * with the detectors' state, calling also_store (may be NULL) inside that transaction and,
 * once committed, changed with them (borrowed). final: the input ends, so detectors flush
 * what they were holding. */
typedef struct hunt ts_pipeline;
typedef struct ts_pipeline_hooks {
    int (*keep)(void *ud, const ts_incident *inc);
    tocsin_code (*also_store)(void *ud);
    void (*changed)(void *ud, ts_incident *const *inc, size_t n);
    void *ud;
    /* Set: incidents are formed elsewhere (a stream partition's, src/live/consume.c): of the
       incidents keep accepts, only the alerts keep_alert accepts are stored, alone; nothing
       is attributed. */
    int (*keep_alert)(void *ud, const ts_alert *a);
    /* May be NULL: what of the i-th incident keep accepted is stored already, so that only
       the rest is written (ts_store_incident_delta; NULL: write it whole). */
    const struct ts_incident_stored *(*stored)(void *ud, size_t i, const ts_incident *inc);
} ts_pipeline_hooks;
tocsin_code ts_pipeline_open(tocsin *t, const char *command, ts_pipeline **out);
/* The same for one partition of a shared stream: the detectors' state is kept under their
 * names followed by part ("@events:p3"), one copy per partition. */
tocsin_code ts_pipeline_open_part(tocsin *t, const char *command, const char *part, ts_pipeline **out);
struct ts_input;
struct ts_reader;
uint64_t ts_pipeline_read(ts_pipeline *p, struct ts_input *in, const struct ts_reader *r);
tocsin_code ts_pipeline_checkpoint(ts_pipeline *p, int final, const ts_pipeline_hooks *hooks);
/* A pipeline without detectors that forms, attributes and stores the incidents of alerts
 * seeded into it (the incidents of every partition of a stream, src/live/consume.c). */
tocsin_code ts_pipeline_open_correlator(tocsin *t, const char *command, ts_pipeline **out);
/* Gives the correlator an alert made before (read back from the store); takes a. */
void ts_pipeline_seed(ts_pipeline *p, ts_alert *a);
/* Drops every alert the correlator holds (before seeding them all again). */
tocsin_code ts_pipeline_forget_alerts(ts_pipeline *p);
void ts_pipeline_close(ts_pipeline *p);

#endif
