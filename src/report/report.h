/* report.h: what people and tools read: text by default, NDJSON with json = 1. Every
 * string that came from input is escaped for the terminal (text) or for JSON. */
#ifndef TS_REPORT_H
#define TS_REPORT_H

#include <stdio.h>

#include "detect/detect.h"
#include "enrich/enrich.h"
#include "intel/intel.h"
#include "store/store.h"

/* One bounded table of state at the end of a hunt, and whose it is. */
typedef struct ts_state_row {
    const char *owner; /* a detector's name, or "correlate" */
    ts_state_use use;
} ts_state_row;
#define TS_STATE_ROWS 48

/* Counts a hunt gathered, for the run summary; gave_up lists the rules that could not
 * finish on some events (none: NULL). */
typedef struct ts_hunt_stats {
    uint64_t files, events, rejected, alerts, incidents;
    double seconds;
    const ts_rule_gave_up *gave_up;
    size_t n_gave_up;
    ts_state_row state[TS_STATE_ROWS]; /* the detectors' and the correlator's tables */
    size_t n_state;
    uint64_t suppressed;   /* distinct alerts an analyst's suppression marked */
    uint64_t routine;      /* distinct alerts marked as a routine source's usual doing */
    const ts_intel *intel; /* the catalogue, for the ATT&CK stages of the summary; may be NULL */
} ts_hunt_stats;

/* The hunt's report: its figures, then one entry per incident this run wrote (text, at
 * most a screenful), or every incident in full (json); with shown_only (may be NULL), only
 * the incidents at or above its level with activity within its bounds. */
struct ts_timeline_filter;
tocsin_code ts_report_run(ts_store *s, int64_t run_id, const ts_hunt_stats *st, FILE *out, int json,
                          const struct ts_timeline_filter *shown_only);
/* One line per stored incident, newest first. */
tocsin_code ts_report_incidents(ts_store *s, FILE *out, int json);
/* One incident in full: timeline, entities, hypotheses with every contribution, and where
 * each alert came from. TOCSIN_E_NOTFOUND for an unknown id. */
tocsin_code ts_report_show(ts_store *s, const char *incident_id, FILE *out, int json);

/* Incidents ids[0..n) for other tools: one STIX 2.1 bundle (identity, incident, campaign,
 * indicators with observed data and sightings, attack-patterns, intrusion-sets with
 * attributed-to relationships and their confidence, and a report holding them all), or one
 * MISP event per line (attributes, galaxy and estimative-language tags). Identifiers are
 * derived from the incidents, so a second export gives the same ones. TOCSIN_E_NOTFOUND
 * for an unknown id, named in err. */
tocsin_code ts_report_stix(ts_store *s, const char *const *ids, size_t n, FILE *out, char *err, size_t cap);
tocsin_code ts_report_misp(ts_store *s, const char *const *ids, size_t n, FILE *out, char *err, size_t cap);
/* The same incidents as one self-contained HTML page for people (docs/export.md): verdict
 * and ATT&CK stages reached (tactics of the alerts' techniques, from the catalogue in ti),
 * timeline, graph, hypotheses with their evidence, the competing-hypotheses matrix, and
 * every alert's events. Loads nothing from anywhere; every string from the store escaped. */
tocsin_code ts_report_html(ts_store *s, const ts_intel *ti, const char *const *ids, size_t n, FILE *out,
                           char *err, size_t cap);

/* Which rows a timeline holds, and as what. */
typedef struct ts_timeline_filter {
    int jsonl;                  /* 1: JSON lines, 0: CSV with a header */
    int min_severity;           /* alerts below are left out (40 medium, 70 high, 90 critical) */
    int64_t since_ns, until_ns; /* events outside are left out; 0: no bound */
} ts_timeline_filter;

/* One row per event kept behind the alerts of incidents ids[0..n), oldest first (an alert
 * stored without its events gives one row for its first). TOCSIN_E_NOTFOUND for an unknown
 * id, named in err. */
tocsin_code ts_report_timeline(ts_store *s, const char *const *ids, size_t n, const ts_timeline_filter *f,
                               FILE *out, char *err, size_t cap);
/* `tocsin actor NAME`: the actor's incidents (as verdict or candidate), its indicators that
 * alerts matched, first and last seen. TOCSIN_E_NOTFOUND when the name is neither
 * catalogued nor in the store. `tocsin incidents --actor NAME`: the incidents whose verdict or
 * a candidate of 20% or more it is, newest first. (actor_view.c) */
tocsin_code ts_report_actor(ts_store *s, const ts_intel *ti, const char *name, FILE *out, int json);
tocsin_code ts_report_incidents_of_actor(ts_store *s, const ts_intel *ti, const char *name, FILE *out,
                                         int json);
/* The analyst's suppressions, oldest first, each with its conditions, reason, and expiry
 * ("expired" once past now_ns); "no suppressions" when there are none. */
tocsin_code ts_report_suppressions(ts_store *s, int64_t now_ns, FILE *out, int json);

/* intel stats and intel lookup. */
void ts_report_intel_stats(const ts_intel *ti, FILE *out, int json);
/* Looks value up as whatever it looks like: an address (indicators, actors, country, ASN,
 * flags), a domain, URL, hash or mail address (indicators), or an actor name or alias
 * (the actors it may mean). Returns TOCSIN_E_NOTFOUND when nothing matched. */
tocsin_code ts_report_lookup(const ts_intel *ti, ts_enrich *en, const char *value, FILE *out, int json);
/* The ranked hypotheses of an attribution (for `tocsin attribute`). */
struct ts_attribution;
void ts_report_attribution(const ts_intel *ti, const struct ts_attribution *a, FILE *out, int json);

#endif
