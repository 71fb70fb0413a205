/* eval.h: the parts of tocsin eval: the ground truth read back (truth.c), alerts matched to
 * campaign steps (match.c), the scores (score.c) and their table or NDJSON (eval_report.c). */
#ifndef TS_EVAL_H
#define TS_EVAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/diag.h"
#include "store/store_read.h"
#include "tocsin.h"

/* No time: a step never detected, a campaign with no alert. */
#define EV_NEVER INT64_MAX

/* One campaign step of truth.jsonl, and what the evaluation found for it. */
typedef struct ev_step {
    char *name, *action, *actor, *about;
    char *techniques;      /* "T1204.001,T1105" */
    char **hosts, **users; /* as the truth names them */
    size_t n_hosts, n_users;
    int64_t start_ns, end_ns;
    uint64_t declared_events; /* its "events" count */
    uint64_t line;            /* its line in truth.jsonl */
    /* found */
    uint64_t events; /* event lines that name it */
    uint64_t alerts, by_line, by_overlap;
    int64_t detected_ns; /* log time of its first alert, EV_NEVER when none */
    int64_t first_alert; /* the store id of that alert */
    char *first_title;   /* its title and detector (owned) */
    char *first_detector;
} ev_step;

/* One event line: which step wrote it, where (file index, 1-based line) and when. */
typedef struct ev_event {
    uint32_t step, file;
    uint32_t host; /* index into ev_truth.hosts, EV_NO_HOST when its id names none */
    uint64_t line;
    int64_t ts_ns;
} ev_event;

#define EV_NO_HOST UINT32_MAX

/* A routine look-alike of an attack the simulator wrote into normal activity (a
 * vulnerability scan, a deployment push...): its records are "benign" truth lines. An
 * alert on one is a false alert; eval says which look-alike raised it. */
typedef struct ev_lookalike {
    char *name;
    uint64_t events;       /* benign lines that name it */
    uint64_t false_alerts; /* found: false alerts whose first event is one of them */
} ev_lookalike;

typedef struct ev_benign {
    uint32_t file, kind; /* index into ev_truth.files / .lookalikes */
    uint64_t line;
} ev_benign;

typedef struct ev_truth {
    char *scenario, *actor;
    char **aliases;
    size_t n_aliases, cap_aliases;
    uint64_t seed;
    uint64_t users, days;
    int64_t start_ns, end_ns;
    ev_step *steps;
    size_t n_steps, cap_steps;
    char **files; /* distinct files the events name, relative to the directory */
    size_t n_files, cap_files;
    char **hosts; /* distinct hosts the events' ids name ("host#record", "host:pid") */
    size_t n_hosts, cap_hosts;
    ev_event *by_place; /* every event, ordered by (file, line) */
    ev_event *by_time;  /* the same, ordered by (step, time) */
    size_t n_events;
    size_t *step_first; /* by_time[step_first[s] .. step_first[s + 1]) are step s's */
    ev_lookalike *lookalikes;
    size_t n_lookalikes, cap_lookalikes;
    ev_benign *benign; /* every benign record, ordered by (file, line) */
    size_t n_benign, cap_benign;
} ev_truth;

/* The look-alike whose record is at (file, line), or -1. file is relative to the directory. */
long ev_lookalike_at(const ev_truth *t, const char *file, uint64_t line);

/* Reads a truth.jsonl from f (name is the file diagnostics name). On failure diag (may be
 * NULL) is told what is wrong, with the line, and *t is left empty. */
tocsin_code ev_truth_read(FILE *f, const char *name, ev_truth *t, ts_diag_fn diag, void *ud);
void ev_truth_free(ev_truth *t);
/* Parses an ISO 8601 time ("2014-09-09T05:17:40.584114Z") to nanoseconds since the epoch;
 * returns 0 on success. */
int ev_parse_time(const char *s, int64_t *ns);

/* Is name the truth's actor or one of its aliases (case-insensitive)? */
int ev_is_actor(const ev_truth *t, const char *name);

/* What the matcher needs of an alert. file is relative to the directory when the alert
 * came from a file inside it. host: the alert's internal host, else the name its
 * internal address was seen with in other alerts. */
/* The place of one more event an alert kept (file relative as above), and its time. */
typedef struct ev_place {
    const char *file;
    uint64_t line;
    int64_t ts_ns;
} ev_place;

typedef struct ev_alert {
    const char *file;
    uint64_t line;
    int64_t first_ns, last_ns;
    uint64_t count;
    const char *host, *user;
    int indicator;        /* an intelligence or home-network match: matched by place only */
    const ev_place *kept; /* the events it kept beside its first (may repeat it) */
    size_t n_kept;
} ev_alert;

enum { EV_NO = 0, EV_BY_LINE = 1, EV_BY_OVERLAP = 2 };

/* How soon after an alert's first event a step's event must come for the alert to belong
 * to the step by overlap. */
#define EV_OVERLAP_NS (86400LL * 1000000000LL)

/* Which steps the alert belongs to (docs/eval.md, "Matching"): for each step s, how[s]
 * is EV_NO, EV_BY_LINE or EV_BY_OVERLAP and at[s] the log time at which the alert shows
 * the step. Returns the number of steps it belongs to. */
size_t ev_match(const ev_truth *t, const ev_alert *a, unsigned char *how, int64_t *at);

/* Host names compare by their first label, case-insensitively ("WS-0008" is
 * "ws-0008.corp.example.com"); addresses compare whole. Users compare without a
 * "DOMAIN\" prefix or "@realm" suffix, case-insensitively. */
int ev_same_host(const char *a, const char *b);
int ev_same_user(const char *a, const char *b);

/* Everything a report shows. */
typedef struct ev_check {
    const char *option; /* "--min-detected" */
    char want[160], got[160];
    int ok;
} ev_check;

/* Alerts of one detector: of the campaign and false. */
typedef struct ev_detector {
    char *name;
    uint64_t campaign, false_alerts;
} ev_detector;

typedef struct ev_hyp {
    char *actor;
    double probability;
} ev_hyp;

typedef struct ev_scores {
    const char *dir;
    tocsin_eval_result r;
    uint64_t events, rejected, files; /* of the hunt */
    double hunt_seconds;
    int64_t reference_ns;   /* the first click, else the campaign's first step */
    const char *reference;  /* "first click" or "first step" */
    int64_t first_alert_at; /* log time of the first campaign alert, EV_NEVER when none */
    char *main_incident;    /* the incident with most campaign alerts, or NULL */
    char *top_wording;
    ev_hyp *hyps; /* its ranked hypotheses */
    size_t n_hyps;
    char *blamed_actor;           /* the outside actor blamed most often, or NULL */
    uint64_t by_line, by_overlap; /* campaign alerts matched each way */
    ev_detector *detectors;       /* by name */
    size_t n_detectors, cap_detectors;
    const ts_alert_view **falses; /* the false alerts, borrowed from the scored incidents */
    size_t n_falses, cap_falses;
    ev_check checks[8];
    size_t n_checks;
} ev_scores;

/* Scores the incidents (loaded with their alerts) of one hunt against the truth. dir: the
 * evaluated directory, to make alert files relative. */
tocsin_code ev_score(ev_truth *t, const char *dir, ts_incident_view *const *inc, size_t n_inc, ev_scores *s);
/* Compares the scores with the thresholds; fills s->checks and s->r.checks/failed. */
void ev_check_thresholds(ev_scores *s, const ev_truth *t, const tocsin_eval_options *o);
void ev_scores_free(ev_scores *s);

/* The table for people, or NDJSON (docs/eval.md). */
void ev_report(const ev_truth *t, const ev_scores *s, FILE *out, int json);

/* "2d 3h", "4m 10s", "-" for EV_NEVER or a negative span, into buf. */
const char *ev_span(int64_t ns, char *buf, size_t cap);

#endif
