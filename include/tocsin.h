/* tocsin.h: the one public interface of libtocsin, from raw logs to attributed incidents. */
#ifndef TOCSIN_H
#define TOCSIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TOCSIN_VERSION "0.1.0"

/* Error codes. Numbers are never reused; add new ones at the end. */
typedef enum tocsin_code {
    TOCSIN_OK = 0,
    TOCSIN_E_NOMEM = 1,      /* out of memory */
    TOCSIN_E_IO = 2,         /* a file could not be opened or read */
    TOCSIN_E_FORMAT = 3,     /* the input is in no format tocsin reads */
    TOCSIN_E_PARSE = 4,      /* a record or document could not be parsed */
    TOCSIN_E_DB = 5,         /* the SQLite store failed */
    TOCSIN_E_ARG = 6,        /* a bad argument */
    TOCSIN_E_NOTFOUND = 7,   /* no such incident, value or file */
    TOCSIN_E_TOOLONG = 8,    /* a line or record is over the size limit */
    TOCSIN_E_PARTIAL = 9,    /* the work finished, but some input was rejected */
    TOCSIN_E_TRUNCATED = 10, /* a compressed or binary file ends early */
    TOCSIN_E_ENCODING = 11,  /* invalid UTF-8 or another bad encoding */
    TOCSIN_E_ENRICH = 12,    /* the IP location database could not be opened */
} tocsin_code;

/* Returns a static English description of code; never NULL. */
const char *tocsin_strerror(tocsin_code code);

/* A session over one store (SQLite file) and its loaded intelligence. */
typedef struct tocsin tocsin;

/* A problem in outside input (a log, a feed, the configuration, a rule, the store), or a
 * note about it. Every pointer is valid during the call only. */
typedef struct tocsin_diag {
    const char *file; /* the file, feed or store it is about; NULL: none */
    uint64_t line;    /* 1-based line; 0: not known or not line-based */
    uint64_t record;  /* 1-based record (an EVTX record, a JSON array element); 0: none */
    tocsin_code code; /* why the record or input was rejected (TOCSIN_E_PARSE: it could not
                         be parsed, TOCSIN_E_TOOLONG ...); TOCSIN_OK: a note, nothing was
                         rejected (a record kept without a field it could not use, a summary) */
    const char *msg;  /* what is wrong and what was done about it */
} tocsin_diag;

/* Receives every diagnostic, one call each. */
typedef void (*tocsin_diag_fn)(void *ud, const tocsin_diag *d);

/* ---- Results as data: what a hunt hands its caller (tocsin_options.result) ---- */

/* One alert of an incident: what the hits of one detector on one key folded into. Times
 * are Unix nanoseconds (UTC); a string is NULL when the alert has none. */
typedef struct tocsin_alert {
    const char *detector;   /* the detector's name: "beacon", "intel", "sigma" ... */
    const char *title;      /* one line for people */
    int severity;           /* 0..100: 40 medium, 70 high, 90 critical */
    const char *techniques; /* ATT&CK technique ids, "T1071.001, T1105" */
    int64_t first_ns, last_ns;
    uint64_t events;                     /* events it folds */
    const char *host;                    /* the internal host's name, else its address */
    const char *user;                    /* the account */
    const char *remote_ip, *remote_name; /* the outside side: address, and domain or host name */
    const char *file;                    /* where its first event was read */
    uint64_t line;                       /* that event's line (0: not line-based) */
    uint64_t record;                     /* or its EVTX record number (0: none) */
    const char *not_raised;              /* why it weighs nothing (an analyst's suppression, a routine
                                            source's usual doing), or NULL: raised */
} tocsin_alert;

/* One incident a hunt wrote (new, or an earlier one it added to), with its alerts. */
typedef struct tocsin_incident {
    const char *id; /* "INC-" and 16 hex digits; stable across hunts */
    int64_t first_ns, last_ns;
    int severity;             /* 0..100, as its alerts: 40 medium, 70 high, 90 critical */
    uint64_t alert_count;     /* every alert linked to it (n_alerts may be fewer: see alerts) */
    const char *verdict;      /* "Lazarus Group 72%", "unattributed (leading: APT28 40%)",
                                 "not attributed": what the CLI shows */
    const char *top_actor;    /* the most probable hypothesis, or NULL when none */
    double top_probability;   /* its probability, 0..1 (0 when none) */
    const char *const *hosts; /* internal hosts involved */
    size_t n_hosts;
    const char *const *users; /* accounts involved */
    size_t n_users;
    const char *joined;         /* why alerts of several places are one incident, or NULL */
    const char *apart;          /* why it stands apart from other incidents, or NULL */
    const tocsin_alert *alerts; /* its timeline, oldest first, as stored */
    size_t n_alerts;
} tocsin_incident;

/* Receives, once the hunt's findings are stored, each incident the hunt wrote, oldest
 * activity first. Everything inc points to is valid during the call only: copy what you
 * keep. Return 0 to go on, anything else to receive no more (the findings stay stored and
 * the hunt returns as it would have). Called on the thread that called tocsin_hunt. */
typedef int (*tocsin_result_fn)(void *ud, const tocsin_incident *inc);

typedef struct tocsin_options {
    const char *db_path;  /* NULL: "tocsin.db" in the current directory */
    const char *data_dir; /* bundled defaults; NULL: $TOCSIN_DATA or the installed one */
    const char *watch;    /* watched home networks, "KP,AS131279"; NULL: the default */
    const char *config;   /* detector tunables; NULL: detect.conf in the data directory */
    const char *internal; /* extra internal CIDRs, comma-separated; NULL: none */
    int64_t window_ns;    /* correlation window; 0: the default (7 days) */
    int json;             /* 1: NDJSON output, one object per line */
    int progress;         /* -1: when stderr is a terminal, 0: never, 1: always */
    int no_defaults;      /* 1: do not load the bundled intelligence */
    int read_only;        /* 1: never create the store: a missing one reads as empty */
    FILE *out;            /* report output; NULL: stdout */
    tocsin_diag_fn diag;  /* NULL: diagnostics are dropped (the CLI prints them) */
    void *diag_ud;
    const char *const *rules_dirs; /* Sigma rule trees (files or directories) for hunt */
    size_t n_rules_dirs;
    const char *sigma_placeholders; /* YAML map of expand placeholders; NULL: none */
    const char *detectors;          /* detectors hunt runs, comma-separated names
                                       ("intel,home-network"); NULL: all of them */
    int jobs;                       /* hunt, eval: threads working at once; 0: one per core.
                                       The findings are the same for any number */
    tocsin_result_fn result;        /* receives each incident tocsin_hunt wrote; NULL: none */
    void *result_ud;
} tocsin_options;

/* Opens (creating if needed, unless opts->read_only) the store and loads the bundled and
 * stored intelligence. On failure *out is NULL and the code says why.
 * Ownership of *opts: tocsin_open copies the struct itself (opts may go once it returns).
 * db_path, data_dir and watch are copied; config and internal are read during tocsin_open
 * only. The rest is borrowed and must outlive the session (until tocsin_close): the
 * rules_dirs array and its strings, sigma_placeholders and detectors (read by each hunt),
 * the out stream (never closed by tocsin) and the diag_ud and result_ud pointers. */
tocsin_code tocsin_open(const tocsin_options *opts, tocsin **out);
void tocsin_close(tocsin *t);

/* A message about the last failure of t, or "" when none. */
const char *tocsin_last_error(const tocsin *t);

/* Reads every file under paths (directories recursively, .gz transparently), loads the
 * extra intelligence feeds in intel (for this hunt only), detects, correlates, attributes
 * and stores, then hands each incident it wrote to opts->result (when set). It prints no
 * report: tocsin_report_run does, when asked. Diagnostics go to opts->diag, progress to
 * stderr (opts->progress). TOCSIN_E_PARTIAL when some input was rejected (the findings
 * are stored and handed over all the same). */
tocsin_code tocsin_hunt(tocsin *t, const char *const *paths, size_t npaths, const char *const *intel,
                        size_t nintel);

/* The store's id of the run the session's last tocsin_hunt began; 0 when none did. */
int64_t tocsin_last_run(const tocsin *t);

/* Writes the report of a stored run to the session's output (NDJSON with opts->json): its
 * figures, then one entry per incident it wrote (text, a screenful) or every incident in
 * full (json), as tocsin_hunt_view filters them. For the session's last hunt the figures
 * are the hunt's own (events matched, rules that gave up, the detectors' state); for an
 * earlier run, what the store recorded. TOCSIN_E_NOTFOUND for an unknown run. */
tocsin_code tocsin_report_run(tocsin *t, int64_t run_id);

/* How tocsin_watch runs. stop (may be NULL) is polled between reads: set it, from a
 * signal handler say, to have tocsin_watch store what it read and return. */
typedef struct tocsin_watch_options {
    double interval;          /* seconds between looks at the files when idle; 0: 0.2 */
    const volatile int *stop; /* an int: sig_atomic_t would pull <signal.h> into every user */
} tocsin_watch_options;

/* Follows files and directories as they grow (through rotation and truncation) with the
 * detectors of tocsin_hunt, printing each new alert and new or changed incident as it
 * happens (NDJSON with opts json). Every checkpoint stores the findings, the detectors'
 * state and each file's position in one transaction: a restart reads on from there,
 * nothing lost and nothing read twice. Returns when *wo->stop is set (TOCSIN_OK) or the
 * store fails. docs/live.md. */
tocsin_code tocsin_watch(tocsin *t, const char *const *paths, size_t npaths, const tocsin_watch_options *wo);

/* Sends each alert a hunt stores, and each new alert of a watch, also to targets,
 * comma-separated: "ndjson" (standard output), "redis://HOST[:PORT][/DB]/KEY" (a stream,
 * each alert id once), "syslog" (/dev/log) or "syslog://HOST[:PORT]" (RFC 5424 over UDP).
 * Every one carries the alert's id and its incident's. docs/live.md. */
tocsin_code tocsin_alerts_to(tocsin *t, const char *targets);

/* `tocsin ship`: follows files like tocsin_watch and adds each record to a Redis stream,
 * the files' positions kept in Redis in the same transaction (docs/live.md). */
typedef struct tocsin_ship_options {
    const char *redis;   /* redis://HOST[:PORT][/DB] */
    const char *stream;  /* the stream's key; with partitions > 1, KEY:p0 .. KEY:pN-1 */
    unsigned partitions; /* 0 or 1: one stream */
    double interval;     /* as tocsin_watch_options */
    const volatile int *stop;
    int once; /* ship what the files hold now, then return */
} tocsin_ship_options;
tocsin_code tocsin_ship(const char *const *paths, size_t npaths, const tocsin_ship_options *o);

/* `tocsin watch --redis`: a worker of a consumer group over the stream tocsin_ship (or
 * Suricata's own redis output, stream mode) fills, owning some of its partitions at a
 * time (docs/live.md). */
typedef struct tocsin_stream_options {
    const char *redis, *stream, *group, *consumer;
    unsigned partitions;     /* as the shipper's; 0: what the stream's KEY:meta says, else 1 */
    double claim_idle;       /* seconds a pending entry of another consumer idles before it is
                                claimed; 0: the lease time */
    double lease;            /* seconds a partition's lease lasts unrenewed; 0: 10 */
    unsigned max_deliveries; /* deliveries before an entry goes to KEY:dead; 0: 5 */
    unsigned max_entry;      /* bytes of the largest entry read; 0: 1 MiB */
    const volatile int *stop;
    int drain; /* return once every owned partition is read to its end */
} tocsin_stream_options;
tocsin_code tocsin_watch_stream(tocsin *t, const tocsin_stream_options *o);

/* Loads a feed (file or directory) and keeps it in the store for later sessions.
 * actor: the declared actor of a plain list or CSV without one (may be NULL). */
tocsin_code tocsin_intel_load(tocsin *t, const char *path, const char *actor);
tocsin_code tocsin_intel_stats(tocsin *t);
tocsin_code tocsin_intel_lookup(tocsin *t, const char *value);

/* Lists stored incidents; shows one by its id. */
tocsin_code tocsin_incidents(tocsin *t);
/* The incidents whose verdict, or a candidate of 20% or more, is actor (name, alias or
 * ATT&CK id), newest first. */
tocsin_code tocsin_incidents_of(tocsin *t, const char *actor);
/* An actor's sightings over time: incidents, matched indicators, first and last seen. */
tocsin_code tocsin_actor(tocsin *t, const char *name);
tocsin_code tocsin_show(tocsin *t, const char *incident_id);

/* What tocsin_export writes. */
typedef enum tocsin_export_format {
    TOCSIN_EXPORT_STIX = 1, /* one STIX 2.1 bundle */
    TOCSIN_EXPORT_MISP,     /* one MISP event (JSON) per line, one per incident */
    TOCSIN_EXPORT_HTML,     /* one self-contained HTML page for people */
} tocsin_export_format;

/* Writes the stored incidents ids[0..n) (n = 0: every stored incident) to path ("-": the
 * session's output) in format f, for a threat-intelligence platform. The file is written
 * beside path and renamed in, so a failure leaves no half-written export. */
tocsin_code tocsin_export(tocsin *t, const char *const *ids, size_t n, tocsin_export_format f,
                          const char *path);

/* What tocsin_timeline writes; NULL strings set no filter. */
typedef struct tocsin_timeline_options {
    int jsonl;                 /* 1: JSON lines; 0: CSV (datetime, timestamp_desc, message, ...) */
    const char *min_level;     /* "low", "medium", "high" or "critical" */
    const char *since, *until; /* ISO 8601 times or dates, "2014-11-24" or "2014-11-24T08:00:00Z" */
    const char *path;          /* where it goes; NULL or "-": the session's output */
} tocsin_timeline_options;

/* One row per event behind the alerts of the stored incidents ids[0..n) (n = 0: all),
 * oldest first, for Timesketch, Timeline Explorer or a spreadsheet. TOCSIN_E_ARG for a bad
 * level or time (tocsin_last_error says which). */
tocsin_code tocsin_timeline(tocsin *t, const char *const *ids, size_t n, const tocsin_timeline_options *o);
/* What tocsin_report_run lists (the store keeps everything): incidents
 * with an alert at or above o->min_level and activity between o->since and o->until; with
 * o->path, the report goes to that file (created or emptied now). o->jsonl is ignored.
 * TOCSIN_E_ARG for a bad level or time. */
tocsin_code tocsin_hunt_view(tocsin *t, const tocsin_timeline_options *o);
/* ---- Analyst feedback, kept in the store and honoured by every later hunt ---- */

/* What a suppression matches: every condition given must hold (NULL: any; at least one).
 * Values are globs, case-insensitive ("scan-*"); ip may be a CIDR. */
typedef struct tocsin_suppression {
    const char *detector;  /* a detector's name */
    const char *rule;      /* a Sigma rule's id or title */
    const char *host;      /* the internal host's name or address */
    const char *user;      /* the account */
    const char *ip;        /* an address or CIDR, either side */
    const char *indicator; /* the matched indicator, observed value or outside name */
    const char *field;     /* "NAME=VALUE" of an alert field (docs/json-output.md) */
    const char *reason;    /* required */
    const char *expires;   /* "30d", "12h", "2w", "2027-01-31", "2027-01-31T18:00:00Z"; NULL: never */
} tocsin_suppression;

/* Adds a suppression and prints its id. TOCSIN_E_ARG (with a message) when it has no
 * condition or reason, or a field or expiry that does not parse. */
tocsin_code tocsin_suppress(tocsin *t, const tocsin_suppression *s);
/* Lists every suppression, expired ones marked; removes one by its id. */
tocsin_code tocsin_suppress_list(tocsin *t);
tocsin_code tocsin_suppress_remove(tocsin *t, const char *id);
/* Closes a stored incident as "benign" or "malicious", with a note (may be NULL). */
tocsin_code tocsin_close_incident(tocsin *t, const char *incident_id, const char *disposition,
                                  const char *note);

/* Reads evidence (indicators, ATT&CK technique ids, software and actor names), one per
 * line, from in and prints the ranked actor hypotheses that explain it. */
tocsin_code tocsin_attribute(tocsin *t, FILE *in);

/* Loads the Sigma rule tree at path and prints, rule by rule, whether it loaded or was
 * refused and why, then the counts. TOCSIN_E_PARTIAL when some rule was refused. */
tocsin_code tocsin_rules_check(tocsin *t, const char *path);

/* Loads the Sigma rule tree at rules, reads every file under logs, and prints rule by rule
 * whether it could ever fire on them (events of its log source with the fields its
 * detection needs were seen) or why not, then the ATT&CK techniques the rules that could
 * fire cover. TOCSIN_E_PARTIAL when some log input was rejected. */
tocsin_code tocsin_rules_coverage(tocsin *t, const char *rules, const char *const *logs, size_t nlogs);

/* ---- The event dumper: what the readers make of logs, with no session ---- */

/* Reads every file under paths (directories recursively, .gz transparently, the format
 * from content) and writes each normalised event to out (NULL: stdout) as one NDJSON
 * object: its typed fields, its provenance and its raw fields (docs/ingest.md). Rejected
 * records and files go to diag (NULL: dropped). TOCSIN_E_PARTIAL when some input was
 * rejected, TOCSIN_E_IO when out could not be written. */
tocsin_code tocsin_events(const char *const *paths, size_t npaths, FILE *out, tocsin_diag_fn diag,
                          void *diag_ud);

/* ---- The simulator: a synthetic organisation with a campaign inside, and its truth ---- */

/* Which outputs tocsin_simulate writes (tocsin_sim_options.formats); 0 means all. */
enum {
    TOCSIN_SIM_WINDOWS = 1 << 0,   /* windows/{security,sysmon,system}.jsonl (evtx_dump JSON) */
    TOCSIN_SIM_ZEEK_TSV = 1 << 1,  /* zeek/NAME.log */
    TOCSIN_SIM_ZEEK_JSON = 1 << 2, /* zeek-json/NAME.json (the same records) */
    TOCSIN_SIM_SURICATA = 1 << 3,  /* suricata/eve.json */
    TOCSIN_SIM_MAIL = 1 << 4,      /* mail/mail.mbox */
    TOCSIN_SIM_LINUX = 1 << 5,     /* linux/auth.log */
    TOCSIN_SIM_INTEL = 1 << 6,     /* intel/bundle.json (STIX 2.1) */
};

/* Progress of a simulation: fraction of the period done (0..1) and bytes written. */
typedef void (*tocsin_sim_progress_fn)(void *ud, double done, uint64_t bytes);

typedef struct tocsin_sim_options {
    const char *scenario; /* "sony-2014", "insider", "false-flag", "none", or a .playbook path */
    const char *out_dir;  /* created when missing; files in it are overwritten */
    const char *data_dir; /* playbooks and rates; NULL: $TOCSIN_DATA or the installed data */
    const char *conf;     /* rates file; NULL: <data_dir>/simulate/normal.conf */
    const char *start;    /* first day, "YYYY-MM-DD"; NULL: "2014-09-01" */
    uint32_t users;       /* people in the organisation, up to 100000; 0: 200 */
    uint32_t days;        /* length of the period; 0: 90 */
    uint64_t seed;        /* same seed and options, same bytes */
    unsigned formats;     /* TOCSIN_SIM_* bits; 0: all */
    int progress;         /* -1: to stderr when it is a terminal, 0: never, 1: always */
    tocsin_sim_progress_fn progress_fn; /* when set, receives progress instead of stderr */
    void *progress_ud;
    tocsin_diag_fn diag; /* why it failed: the rates file or playbook with its line, the
                            output that could not be written, a bad option; NULL: dropped */
    void *diag_ud;
} tocsin_sim_options;

/* Generates the organisation's logs over the period, with the scenario's campaign, the
 * ground truth (out_dir/truth.jsonl) and the defender's intelligence. Streams: memory
 * does not grow with days. Every failure is told to o->diag before it returns. */
tocsin_code tocsin_simulate(const tocsin_sim_options *o);

/* ---- Evaluation: a hunt over a simulated directory scored against its ground truth ---- */

/* Thresholds of tocsin_eval; a negative number (or NULL, 0 for the flag) sets none. */
typedef struct tocsin_eval_options {
    const char *db_path;           /* the hunt's store; NULL: DIR/eval.db, removed first. A path
                                      given must not hold a store already (alerts of an earlier
                                      hunt would be scored too) */
    double min_detected;           /* share of campaign steps detected, 0..1 */
    double max_false_per_kuserday; /* alerts tied to no step per 1,000 user-days */
    int64_t max_first_alert_ns;    /* from the first click (else the first step) to the first
                                      campaign alert */
    const char *expect_actor;      /* the top hypothesis of the main campaign incident */
    int expect_unattributed;       /* 1: no incident blames an outside actor (p >= 0.5) */
    int attribution; /* tocsin eval --attribution (the CLI's switch to tocsin_eval_attribution) */
} tocsin_eval_options;

/* Sets every threshold of o to "none". */
void tocsin_eval_options_init(tocsin_eval_options *o);

/* The figures of an evaluation (docs/eval.md says how each is defined). */
typedef struct tocsin_eval_result {
    size_t steps, detected;   /* campaign steps, and those with an alert */
    uint64_t alerts;          /* distinct alerts of the hunt */
    uint64_t campaign_alerts; /* alerts that belong to a step */
    uint64_t false_alerts;    /* alerts that belong to none */
    double false_per_kuserday;
    int64_t first_alert_ns;                                /* reference to first campaign alert; -1: none */
    size_t incidents, campaign_incidents, right_incidents; /* right: top hypothesis = actor */
    char top_actor[128]; /* main campaign incident's top hypothesis, "" when none */
    double top_probability;
    int actor_rank;           /* the true actor's rank there (1 = top), 0: not ranked */
    double truth_probability; /* the true actor's probability there (0: not ranked) */
    char true_actor[128];     /* the truth's actor ("none": no campaign) */
    size_t blamed_incidents;  /* incidents whose top hypothesis is an outside actor, p >= 0.5 */
    size_t checks, failed;    /* thresholds given, and missed */
} tocsin_eval_result;

/* Hunts every log folder of the simulated directory dir (its intel/ loaded for this hunt
 * only; truth.jsonl and the store left out), scores the alerts, incidents and hypotheses
 * against dir/truth.jsonl, prints a table (or NDJSON with opts->json) to opts->out and
 * fills *res (may be NULL). opts configures the session as for tocsin_open (its db_path is
 * ignored: eo->db_path says where the store goes). A missed threshold is no error: res->failed
 * counts them. TOCSIN_E_PARTIAL when some log input was rejected (the scores still stand).
 * Every failure is told to opts->diag (with file and line for a bad truth file) before it
 * returns, as are the hunt's diagnostics. */
tocsin_code tocsin_eval(const tocsin_options *opts, const char *dir, const tocsin_eval_options *eo,
                        tocsin_eval_result *res);

/* Scores attribution alone over n simulated directories (tocsin eval --attribution): each
 * is hunted into a fresh DIR/eval.db as tocsin_eval does, quietly; then one line per
 * directory (scenario, true actor, the main incident's top hypothesis, the truth's rank and
 * probability) and, over them, top-1, top-3, Brier and the expected calibration error of
 * the top hypothesis, to opts->out (NDJSON with opts->json). A "none" scenario is right when
 * no incident names an outside actor at 50% or more. A failure is told to opts->diag, naming
 * the directory's file at fault. */
tocsin_code tocsin_eval_attribution(const tocsin_options *opts, const char *const *dirs, size_t n);

#ifdef __cplusplus
}
#endif
#endif
