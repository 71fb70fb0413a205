/* report.h: what people and tools read: text by default, NDJSON with json = 1. Every
 * string that came from input is escaped for the terminal (text) or for JSON. */
#ifndef TS_REPORT_H
#define TS_REPORT_H

#include <stdio.h>

#include "enrich/enrich.h"
#include "intel/intel.h"
#include "store/store.h"

/* Counts a hunt gathered, for the run summary. */
typedef struct ts_hunt_stats {
    uint64_t files, events, rejected, alerts, incidents;
    double seconds;
    uint64_t suppressed; /* distinct alerts an analyst's suppression marked */
} ts_hunt_stats;

/* The hunt's report: its summary, then every incident this run wrote, in full. */
tocsin_code ts_report_run(ts_store *s, int64_t run_id, const ts_hunt_stats *st, FILE *out, int json);
/* One line per stored incident, newest first. */
tocsin_code ts_report_incidents(ts_store *s, FILE *out, int json);
/* One incident in full: timeline, entities, hypotheses with every contribution, and where
 * each alert came from. TOCSIN_E_NOTFOUND for an unknown id. */
tocsin_code ts_report_show(ts_store *s, const char *incident_id, FILE *out, int json);

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
