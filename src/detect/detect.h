/* detect.h: detectors turn events into alerts. Each is one file holding one static const
 * ts_detector, registered by one line in detectors.c. */
#ifndef TS_DETECT_H
#define TS_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/event.h"
#include "intel/intel.h"
#include "tocsin.h"

/* What kind of evidence an alert is; the attribution model weighs each differently. */
typedef enum ts_evidence_kind {
    TS_EV_INDICATOR = 1, /* a value matched a threat-intelligence indicator */
    TS_EV_HOME_NETWORK,  /* a connection to or from a watched home network */
    TS_EV_RULE,          /* a detection rule (Sigma, Suricata signature) fired */
    TS_EV_BEHAVIOUR,     /* a behavioural detector (beaconing, lateral movement ...) */
} ts_evidence_kind;

/* Which side of the event held the matched value. An actor's address as the source of a
 * logon is not the same evidence as an internal host reaching an actor's server. */
typedef enum ts_side {
    TS_SIDE_NONE = 0,
    TS_SIDE_SRC,  /* source.ip, the mail sender */
    TS_SIDE_DST,  /* destination.ip, queried domain, requested URL, recipient */
    TS_SIDE_FILE, /* a file hash */
} ts_side;

typedef enum ts_direction {
    TS_DIR_UNKNOWN = 0,
    TS_DIR_INBOUND,  /* from outside to an internal host */
    TS_DIR_OUTBOUND, /* from an internal host to outside */
    TS_DIR_INTERNAL, /* between internal hosts */
} ts_direction;

/* One event behind an alert, for the timeline: where it is in the input, when, and the
 * fields an analyst reads first. Every string is owned (NULL when the event had none). */
typedef struct ts_alert_hit {
    int64_t ts_ns;
    char *file;
    uint64_t line, record;
    char *host, *user;
    char *process, *command_line, *parent; /* process.executable, .command_line, .parent.executable */
    char *uid, *community_id, *flow_id;    /* Zeek uid, Community ID, Suricata flow_id */
} ts_alert_hit;

/* Events kept per alert: the earliest ones (by time, then place in the input); the
 * alert's count says how many there were in all. Sixteen events of ~200 bytes keep an
 * alert under 4 KB however often it repeats. */
#define TS_ALERT_HITS 16

/* One alert. Every string is malloc'ed and owned by the alert (ts_alert_free frees it).
 * An alert is keyed (detector + key) so that repeats aggregate into one with a count. */
typedef struct ts_alert {
    const char *detector; /* static: the detector's name */
    char *key;            /* what makes two events the same alert, e.g. "ip|203.0.113.7|10.0.0.5" */
    char *title;          /* one line for people */
    ts_evidence_kind kind;
    uint8_t severity; /* 0..100 */
    char *techniques; /* ATT&CK ids, comma-separated, or NULL */
    int64_t first_ns, last_ns;
    uint64_t count; /* events aggregated into this alert */

    /* entities */
    ts_ip internal_ip;   /* the organisation's host involved, if known */
    char *internal_host; /* its name, if known */
    char *user;          /* the account involved, if any */
    ts_ip remote_ip;     /* the outside address involved, if any */
    ts_geo remote_geo;
    char *remote_name; /* the outside domain, URL, mail address, or NULL */
    ts_direction direction;

    /* evidence, for TS_EV_INDICATOR (and the country/ASN for TS_EV_HOME_NETWORK) */
    ts_ioc_type ioc_type;
    char *ioc_value; /* the indicator as stored ("175.45.176.0/22", "evil.com") */
    char *observed;  /* the value in the event ("a.b.evil.com") */
    ts_side side;
    uint32_t actorset;  /* in the session's ts_intel; 0: none */
    uint32_t source;    /* the feed, in the session's ts_intel */
    uint8_t confidence; /* of the indicator, 0..100 */
    uint8_t shared;     /* the indicator is known shared infrastructure */
    char *suppressed;   /* warninglist reason when a hit was suppressed, or "routine: REASON"
                           (correlate/routine.h) when a routine source's usual doing; else NULL */
    uint8_t routine;    /* set with suppressed by the routine stage: no attribution weight */
    /* The analyst's suppression that matched (its id in the store's suppressions) and what
       it said ("host = scan-01: weekly scan"), set at the end of a hunt; 0 and NULL: none. */
    int64_t suppression;
    char *suppression_note;

    /* provenance of the first event */
    char *dataset;
    char *file;
    uint64_t line, record;
    ts_alert_hit *hits; /* the events behind it, at most TS_ALERT_HITS, oldest first */
    uint32_t n_hits;
} ts_alert;

void ts_alert_free(ts_alert *a);
/* A deep copy; NULL on allocation failure. */
ts_alert *ts_alert_dup(const ts_alert *a);
/* Fills the provenance and time fields of a from ev (and its first hit), and its entities
 * from ev's addresses (the internal side becomes internal_ip, the other remote_ip). */
void ts_alert_from_event(ts_alert *a, const ts_event *ev);
/* Moves r's hits into k's (r keeps none), keeping the earliest TS_ALERT_HITS. False when
 * out of memory (k's hits are then unchanged and r's freed). */
bool ts_alert_merge_hits(ts_alert *k, ts_alert *r);

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
    tocsin_diag_fn diag;            /* problems with rules; NULL: silent */
    void *diag_ud;
    /* A one-line note of slow set-up work (compiling rules), shown as progress on a
       terminal; NULL: none. msg is borrowed. */
    void (*progress)(void *ud, const char *msg);
    void *progress_ud;
    /* A live watch (tocsin watch): the data never ends, so a detector that would judge at
       finish judges as its windows close instead. false: a hunt over finished files. */
    bool live;
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
    void (*fini)(void *state); /* may be NULL */
    /* Learned state (baselines, counters) kept in the store between runs, so a later run
     * or a restart continues where this one stopped. save returns a malloc'ed blob the
     * caller frees; load is called after init with the last saved blob. Both NULL for a
     * detector without state worth keeping. */
    tocsin_code (*save)(void *state, void **blob, size_t *len);
    tocsin_code (*load)(void *state, const void *blob, size_t len);
    /* Calls fn for each rule that gave up on some event so far; the strings stay valid
     * until fini. NULL for a detector whose rules always finish. */
    void (*gave_up)(void *state, ts_rule_gave_up_fn fn, void *ud);
    /* Its bounded tables: fills at most n of out, returns how many it has. May be NULL
     * (no state that grows with the input). */
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

#endif
