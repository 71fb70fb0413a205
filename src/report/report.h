/* report.h: what people and tools read: text by default, NDJSON with json = 1. Every
 * string that came from input is escaped for the terminal (text) or for JSON. */
#ifndef TS_REPORT_H
#define TS_REPORT_H

#include <stdio.h>

#include "detect/detect.h"
#include "enrich/enrich.h"
#include "intel/intel.h"
#include "store/store.h"

/* Counts a hunt gathered, for the run summary; gave_up lists the rules that could not
 * finish on some events (none: NULL). */
typedef struct ts_hunt_stats {
    uint64_t files, events, rejected, alerts, incidents;
    double seconds;
    const ts_rule_gave_up *gave_up;
    size_t n_gave_up;
} ts_hunt_stats;

/* The hunt's report: its summary, then every incident this run wrote, in full. */
tocsin_code ts_report_run(ts_store *s, int64_t run_id, const ts_hunt_stats *st, FILE *out, int json);
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
tocsin_code ts_report_html(ts_store *s, const ts_intel *ti, const char *const *ids, size_t n, FILE *out, char *err,
                           size_t cap);

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
