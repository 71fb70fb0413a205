/* routine.h: sources that do the same thing to many hosts on a schedule (vulnerability
 * scanners, deployment and backup servers, monitoring, VPN pools), learned from their
 * alerts or named in the configuration. Their alerts are kept and marked routine, with the
 * reason; they add nothing to an incident's severity or attribution. A routine source doing
 * something new (another detector or technique, another direction, another time of week)
 * alerts as anyone would. */
#ifndef TS_ROUTINE_H
#define TS_ROUTINE_H

#include <stddef.h>

#include "core/config.h"
#include "correlate/correlate.h"

typedef struct ts_routine ts_routine;

/* The [routine] tunables (core/config.h). */
extern const ts_tunable ts_routine_tunables[];
/* Thresholds from c's [routine] section (NULL: the defaults); the named sources from its
 * `sources` file, else data_dir/routine/sources.tsv (absent: none). A bad line of that file
 * goes to diag (file, line, message) and is skipped. NULL when out of memory. */
ts_routine *ts_routine_new(const ts_config *c, const char *data_dir, ts_diag_fn diag, void *ud);
void ts_routine_free(ts_routine *r);

/* Learns from one alert as a detector emitted it (before repeats aggregate, so its first_ns
 * is its event's time). Alerts may come in any time order. */
void ts_routine_observe(ts_routine *r, const ts_alert *a);

/* Learns that a lesser instance of the alert with this key (below its detector's threshold)
 * happened at ts_ns (ts_alert_sink.habit): a day of that host's habit, as a day the alert
 * itself came is. Only alerts of habit_detectors are ever judged by it. */
void ts_routine_habit(ts_routine *r, const char *key, int64_t ts_ns);

/* Learns from one event what alerts cannot say: the estate's size and the inside addresses
 * that connect to many internal hosts a day (sweeps). Cheap: most events touch one slot. */
struct ts_event;
void ts_routine_event(ts_routine *r, const struct ts_event *ev);

/* Marks the alerts of inc that are a routine source's usual doing (alerts already
 * suppressed are left alone): a->routine set, a->suppressed holds "routine: REASON".
 * inc->severity becomes the highest of the alerts left active. Returns how many it marked,
 * or (size_t)-1 when out of memory (the marks made so far stand). */
size_t ts_routine_mark(const ts_routine *r, ts_incident *inc);

/* Whether an alert's suppressed text is a mark ts_routine_mark made (after the alerts were
 * joined into incidents), not one its detector made (Sigma's rules below [sigma]
 * min_level, "routine: Sigma level ..."): an alert read back from the store joins as its
 * detector made it, and is judged again. */
bool ts_routine_stage_mark(const char *suppressed);

/* What it learned, as a blob for the store's detector_state table, and back. load leaves r
 * as it was when the blob is unusable (TOCSIN_E_FORMAT). */
tocsin_code ts_routine_save(const ts_routine *r, void **blob, size_t *len);
tocsin_code ts_routine_load(ts_routine *r, const void *blob, size_t len);

/* Its table, for the run summary. */
size_t ts_routine_usage(const ts_routine *r, ts_state_use *out, size_t n);

#endif
