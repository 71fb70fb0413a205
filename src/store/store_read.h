/* store_read.h: reading runs and incidents back out of the store, for the reports. Every
 * string in these views is owned by the view (freed with it); NULL means not recorded. */
#ifndef TS_STORE_READ_H
#define TS_STORE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct ts_run_view {
    int64_t id, started_ns, ended_ns; /* ended_ns 0: the run did not finish */
    char *command, *version;
    uint64_t events, rejected;
    uint64_t files;      /* source files recorded */
    uint64_t alerts;     /* distinct alerts in the incidents it wrote */
    uint64_t incidents;  /* incidents it wrote */
    uint64_t suppressed; /* of those alerts, the ones an analyst's suppression marks now */
    uint64_t routine;    /* of those alerts, the ones marked as a routine source's usual doing */
} ts_run_view;

/* Files, events and rejected records of a run, per detected format. */
typedef struct ts_format_view {
    char *format;
    uint64_t files, events, rejected;
} ts_format_view;

/* One event behind an alert (alert_hits); strings NULL when the event had none. */
typedef struct ts_hit_view {
    int64_t ts_ns;
    char *file;
    uint64_t line, record;
    char *host, *user, *process, *command_line, *parent, *uid, *community_id, *flow_id;
} ts_hit_view;

typedef struct ts_alert_view {
    int64_t id; /* the store's alert id */
    char *detector, *key, *kind, *title, *techniques;
    int severity;
    int64_t first_ns, last_ns;
    uint64_t count;
    char *internal_ip, *internal_host, *user, *remote_ip, *remote_cc, *remote_name, *direction;
    uint32_t remote_asn; /* 0: unknown */
    char *ioc_type, *ioc_value, *observed, *side, *source, *suppressed;
    int confidence; /* -1: not an indicator */
    int shared;
    char **actors, **actor_ids; /* n_actors names and ATT&CK ids (an id may be NULL) */
    size_t n_actors;
    char *dataset, *file; /* provenance of the first event */
    uint64_t line, record;
    ts_hit_view *hits; /* the events kept (at most TS_ALERT_HITS), oldest first;
                          count says how many there were */
    size_t n_hits;
    int64_t suppression;    /* the analyst's suppression that marked it; 0: none */
    char *suppression_note; /* what it said: "host = scan-01: weekly scan" */
} ts_alert_view;

typedef struct ts_contrib_view {
    char *what;
    double weight;
    size_t alert; /* index into the view's alerts, or SIZE_MAX when it names none (or
                     alerts were not loaded) */
} ts_contrib_view;

typedef struct ts_hyp_view {
    int rank;
    char *actor, *attack_id, *wording;
    double probability, score;
    ts_contrib_view *contribs;
    size_t n_contribs;
} ts_hyp_view;

typedef struct ts_entity_view {
    char *kind, *value; /* kind: "host", "user", "ip" or "domain" */
} ts_entity_view;

typedef struct ts_incident_view {
    char *id;
    int64_t first_ns, last_ns;
    int severity;
    char *summary;
    int64_t created_run, updated_run;
    uint64_t alert_total;       /* alerts linked, loaded or not */
    uint64_t suppressed_alerts; /* of those, marked by an analyst's suppression */
    uint64_t quiet_alerts;      /* of those, weighing nothing: routine, warninglisted or suppressed */
    char *status;               /* "open" or "closed" */
    char *disposition;          /* "benign", "malicious", or NULL: never closed */
    char *note;                 /* the analyst's note when closing */
    int64_t closed_ns;          /* 0: never closed */
    char *reopened;             /* why a later hunt reopened it, NULL if it did not */
    char *joined; /* why alerts of several places are one ("same sender domain x; ..."), or NULL */
    char *apart;  /* why it stands apart from other incidents ("host x is ... a hub"; ...), or NULL */
    ts_entity_view *entities;
    size_t n_entities;
    ts_hyp_view *hyps; /* ranked, most probable first */
    size_t n_hyps;
    ts_alert_view *alerts; /* the timeline, oldest first (with TS_VIEW_ALERTS) */
    size_t n_alerts;
} ts_incident_view;

enum {
    TS_VIEW_ALERTS = 1 << 0,   /* load the timeline */
    TS_VIEW_CONTRIBS = 1 << 1, /* load every hypothesis' contributions */
    TS_VIEW_FULL = TS_VIEW_ALERTS | TS_VIEW_CONTRIBS,
};

/* A run by id: TOCSIN_E_NOTFOUND if there is none. Clear with ts_run_view_clear. */
tocsin_code ts_store_run_get(ts_store *s, int64_t id, ts_run_view *out);
void ts_run_view_clear(ts_run_view *v);
/* The run's formats, most files first; free with ts_format_views_free. */
tocsin_code ts_store_run_formats(ts_store *s, int64_t id, ts_format_view **out, size_t *n);
void ts_format_views_free(ts_format_view *v, size_t n);

/* Incident ids: those run wrote (oldest activity first), or every incident (run_id < 0,
 * most recent activity first). Free with ts_strv_free. */
tocsin_code ts_store_incident_ids(ts_store *s, int64_t run_id, char ***ids, size_t *n);
void ts_strv_free(char **v, size_t n);

/* One incident with what (TS_VIEW_*) asks for; entities and hypotheses always.
 * TOCSIN_E_NOTFOUND for an unknown id. Free with ts_incident_view_free. */
tocsin_code ts_store_incident_load(ts_store *s, const char *id, unsigned what, ts_incident_view **out);
void ts_incident_view_free(ts_incident_view *v);

/* The alerts first stored by the runs whose command starts with prefix and which want
 * accepts (the runs of a stream's partitions, "watch@KEY:p3"), stored new or changed after
 * the change since (-1: all), oldest first, with their actors and events. *upto: the last
 * change read (since when none), to give as since next time: a change committed later has
 * a higher number. Free with ts_alert_views_free. */
tocsin_code ts_store_runs_alerts(ts_store *s, const char *prefix, int (*want)(void *ud, const char *command),
                                 void *ud, int64_t since, int64_t *upto, ts_alert_view **out, size_t *n);
/* The alerts earlier runs stored from the files run read (its sources), and the other
 * alerts of their incidents, with their actors and events, oldest first: what a hunt
 * reading the same logs again found before. */
tocsin_code ts_store_rerun_alerts(ts_store *s, int64_t run, ts_alert_view **out, size_t *n);
void ts_alert_views_free(ts_alert_view *v, size_t n);
/* A stored alert as its detector made it (actors resolved through ti, which may be NULL);
 * NULL when its detector is unknown or out of memory. */
ts_alert *ts_alert_from_view(ts_intel *ti, const ts_alert_view *v);
/* Frees what one view holds (not the view). */
void ts_alert_view_clear(ts_alert_view *v);

#endif
