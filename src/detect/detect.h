/* detect.h: detectors turn events into alerts. Each is one file holding one static const
 * ts_detector, registered by one line in detectors.c. */
#ifndef TS_DETECT_H
#define TS_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/alert.h"
#include "core/config.h"
#include "core/event.h"
#include "intel/intel.h"
#include "tocsin.h"

/* Receives alerts; takes ownership of a. */
typedef struct ts_alert_sink {
    void (*emit)(void *ud, ts_alert *a);
    void *ud;
    /* Optional (NULL: ignored): a lesser instance, below the detector's threshold, of what
       would be the alert with this key (the admin's two recon tools today, where four make an
       alert), at ts_ns. A host's habit (correlate/routine.h) is learned from these days too,
       not only from the days the threshold was crossed. */
    void (*habit)(void *ud, const char *key, int64_t ts_ns);
} ts_alert_sink;

/* What a detector may consult. All read-only during the hunt. */
typedef struct ts_detect_ctx {
    const ts_intel *intel;
    const char *watch;              /* watched home networks: "KP,AS131279" */
    const struct ts_config *config; /* tunables, data/detect.conf section per detector; may be NULL */
    const char *data_dir;           /* bundled data (data/sigma/logsources.tsv) */
    const char *const *rules_dirs;  /* Sigma rule trees; none: the detector idles */
    size_t n_rules_dirs;
    const char *sigma_placeholders; /* NULL: none */
    ts_diag_fn diag;                /* problems with rules and tables (core/diag.h); NULL: silent */
    void *diag_ud;
    /* A one-line note of slow set-up work (compiling rules), shown as progress on a
       terminal; NULL: none. msg is borrowed. */
    void (*progress)(void *ud, const char *msg);
    void *progress_ud;
    /* A live watch (tocsin watch): the data never ends, so a detector that would judge at
       finish judges as its windows close instead. false: a hunt over finished files. */
    bool live;
    /* Threads that may load the detector's tables at once (--jobs); 0 or 1: the caller's. */
    unsigned jobs;
} ts_detect_ctx;

/* A rule that could not finish on some events: a regex it needed went over its budget, so
 * on those events it neither fired nor was ruled out. */
typedef struct ts_rule_gave_up {
    const char *rule, *title; /* id and title */
    uint64_t events;
    const char *file; /* where the first was (NULL if unknown) */
    uint64_t line, record;
} ts_rule_gave_up;
typedef void (*ts_rule_gave_up_fn)(void *ud, const ts_rule_gave_up *g);
/* One bounded table of a detector's state, for the run's summary: what it holds, the most
 * it may hold (a tunable in data/detect.conf), and what it forgot to stay there. */
typedef struct ts_state_use {
    const char *table; /* static: "accounts", "pairs" ... */
    uint64_t kept;     /* entries held now */
    uint64_t cap;      /* the most it holds */
    uint64_t evicted;  /* entries dropped this run to stay within cap (least recently seen
                          first), or, for a table that refuses newcomers when full, refused */
    uint64_t bytes;    /* memory the table holds now */
    uint64_t bound;    /* the most memory it can hold */
    bool refuses;      /* full, it turns newcomers away instead of forgetting old entries */
} ts_state_use;

typedef struct ts_detector {
    const char *name; /* "intel", "home-network", ... */
    const char *summary;
    size_t state_size; /* bytes of zeroed state the pipeline allocates for it */
    tocsin_code (*init)(void *state, const ts_detect_ctx *ctx);
    /* Sees one enriched event; emits alerts as soon as it can decide. */
    void (*event)(void *state, const ts_event *ev, const ts_alert_sink *out);
    /* End of input: emits what it still holds. May be NULL. */
    void (*finish)(void *state, const ts_alert_sink *out);
    /* Frees what the saved table below does not hold (held alerts, tables read at init);
     * the table's fields are freed through it first (ts_detector_fini). May be NULL. */
    void (*fini)(void *state);
    /* Learned state (baselines, counters) kept in the store between runs, so a later run
     * or a restart continues where this one stopped. save returns a malloc'ed blob the
     * caller frees; load is called after init with the last saved blob. A detector
     * declares its state as a table of fields (saved: core/saved.h) or, for a layout no
     * table holds, as the two hooks; all NULL for one without state worth keeping. Callers
     * go through ts_detector_save and ts_detector_load, which take either. */
    const struct ts_saved *saved;
    tocsin_code (*save)(void *state, void **blob, size_t *len);
    tocsin_code (*load)(void *state, const void *blob, size_t len);
    /* Calls fn for each rule that gave up on some event so far; the strings stay valid
     * until fini. NULL for a detector whose rules always finish. */
    void (*gave_up)(void *state, ts_rule_gave_up_fn fn, void *ud);
    /* Its bounded tables: fills at most n of out, returns how many it has. May be NULL:
     * then the named maps of saved are its tables (ts_detector_usage), or it has no state
     * that grows with the input. */
    size_t (*usage)(void *state, ts_state_use *out, size_t n);
    /* Optional, all five or none: the costly part of event that reads nothing event
     * changes, done ahead of it by worker threads when a hunt has more than one job
     * (--jobs), in any order, on the event as read (before enrichment). worker_new makes one
     * thread's scratch after init and load (NULL: out of memory); prepare returns what
     * event_prepared needs (NULL: nothing); event_prepared, called instead of event in the
     * events' order, does the rest with it, the same as event would have, and frees it;
     * prep_free frees one that was never passed on. */
    void *(*worker_new)(void *state);
    void (*worker_free)(void *worker);
    void *(*prepare)(const void *state, void *worker, const ts_event *ev);
    void (*event_prepared)(void *state, const ts_event *ev, void *prep, const ts_alert_sink *out);
    void (*prep_free)(void *prep);
    /* Its tunables, the keys of its [name] section in data/detect.conf, ended by {0}; init
     * reads them with ts_tune_read. NULL: none. */
    const ts_tunable *tunables;
} ts_detector;

extern const ts_detector *const ts_detectors[]; /* NULL-terminated */
/* The detector whose name is name[0..len), or NULL. */
const ts_detector *ts_detector_find(const char *name, size_t len);

/* The end of d's state: its saved table's fields freed through the table, then d->fini for
 * the rest. Every caller ends a detector through this, never d->fini alone. */
void ts_detector_fini(const ts_detector *d, void *state);

/* Whether d keeps a state between runs. */
bool ts_detector_keeps_state(const ts_detector *d);
/* d's state as a malloc'ed blob the caller frees (its table's, or its save hook's). */
/* d's bounded tables, from usage or else from the named maps of its saved table. */
size_t ts_detector_usage(const ts_detector *d, void *state, ts_state_use *out, size_t n);
tocsin_code ts_detector_save(const ts_detector *d, void *state, void **blob, size_t *len);
/* Reads a saved blob into d's state (after init). Not TOCSIN_OK: the blob is refused and
 * why (may be NULL) says why, naming the field where a table found it damaged. */
tocsin_code ts_detector_load(const ts_detector *d, void *state, const void *blob, size_t len, char *why,
                             size_t why_n);

#endif
