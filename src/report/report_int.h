/* report_int.h: what the run and incident reports share: layout, colour, and the JSON
 * and text forms of an incident read back from the store. Not for use outside src/report/. */
#ifndef TS_REPORT_INT_H
#define TS_REPORT_INT_H

#include <stdbool.h>
#include <stdio.h>

#include "core/jsonw.h"
#include "store/store_read.h"

#define RPT_WIDTH 100 /* text output fits this many columns */

/* How text is decorated: colour only on a terminal and when NO_COLOR is not set. */
typedef struct rpt {
    FILE *out;
    bool colour;
    int width; /* columns: the terminal's (COLUMNS, else its size) when out is one, else RPT_WIDTH */
} rpt;

void rpt_init(rpt *r, FILE *out);

/* SGR pieces; empty strings when colour is off. */
enum rpt_style { RS_BOLD, RS_DIM, RS_RED, RS_YELLOW, RS_GREEN, RS_CYAN, RS_RESET };
const char *rpt_sgr(const rpt *r, enum rpt_style s);

/* "critical" (>= 90), "high" (>= 70), "medium" (>= 40) or "low". */
const char *rpt_severity_name(int severity);
enum rpt_style rpt_severity_style(int severity);

/* ISO 8601 UTC; with seconds = true the fraction is dropped. buf >= 40 bytes. */
char *rpt_time(int64_t ns, bool seconds, char *buf, size_t len);
/* key: the time ns as rpt_time writes it, or null when ns is 0 (not known, not yet). */
void rpt_jw_time(ts_jw *w, const char *key, int64_t ns);
/* "1h18m", "42s", "3d4h": a duration for people. buf >= 24 bytes. */
char *rpt_duration(int64_t ns, char *buf, size_t len);
/* 1234567 as "1,234,567". buf >= 32 bytes. */
char *rpt_count(uint64_t n, char *buf, size_t len);

/* The UUID version 5 (RFC 4122 4.3: SHA-1 of the namespace and the name) of name in ns, as
 * 36 characters and a NUL: identifiers that stay the same when an export is made again. */
void rpt_uuid5(const unsigned char ns[16], const char *name, char out[37]);

/* Writes untrusted text escaped, wrapped at spaces to RPT_WIDTH: the first line goes
 * on from column col, the others start with indent spaces. Returns the column it ends at. */
int rpt_wrap(const rpt *r, const char *text, int col, int indent);
/* Writes untrusted text escaped and cut to at most max columns ("..." when cut). */
void rpt_cut(const rpt *r, const char *text, int max);

/* An incident in full, for people: header, entities, verdict, hypotheses with their
 * contributions, timeline with provenance. */
void rpt_incident_text(const rpt *r, const ts_incident_view *v);
/* The same as NDJSON: one "incident" line, one "hypothesis" line per hypothesis and one
 * "alert" line per alert of the timeline (see docs/json-output.md). */
/* The ATT&CK tactics the alerts of v reached (v loaded with its alerts), short names in
 * matrix order, comma-separated, into buf; "" when none is known (html_export.c). */
struct ts_intel;
void rpt_stages(const struct ts_intel *ti, const ts_incident_view *v, char *buf, size_t cap);
/* The verdict as one phrase: "Lazarus Group 92%", "unattributed (leading: X 40%)". */
void rpt_verdict(const ts_incident_view *v, char *buf, size_t cap);
/* One line per incident: id, last activity, severity, alerts, verdict, hosts and users. */
void rpt_incident_line(const rpt *r, const ts_incident_view *v);
void rpt_incident_json(FILE *out, const ts_incident_view *v);
/* Just the "incident" line. */
void rpt_incident_json_line(FILE *out, const ts_incident_view *v);

/* The earlier incidents sharing infrastructure with one ("seen before: INC-..., same ip
 * 203.131.222.102"), as text lines or NDJSON "seen_before" lines (actor_view.c). */
void rpt_seen_before(const rpt *r, ts_store *s, const char *incident);
void rpt_seen_before_json(FILE *out, ts_store *s, const char *incident);

#endif
