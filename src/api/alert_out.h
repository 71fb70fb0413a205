/* alert_out.h: where alerts go besides the store, for a SOAR or a pager (--alerts-to):
 * NDJSON on standard output, a Redis stream, syslog (RFC 5424). Each carries the alert's
 * stable id and its incident's id. */
#ifndef TS_ALERT_OUT_H
#define TS_ALERT_OUT_H

#include <stdint.h>
#include <stdio.h>

#include "correlate/correlate.h"
#include "tocsin.h"

typedef struct ts_alert_out ts_alert_out;

/* spec: comma-separated targets: "ndjson" (to out), "redis://[:pw@]host[:port][/db]/KEY",
 * "syslog" (the local /dev/log) or "syslog://host[:port]" (UDP, default port 514).
 * TOCSIN_E_ARG with err saying why for a target it does not know. */
tocsin_code ts_alert_out_new(const char *spec, FILE *out, ts_alert_out **o, char *err, size_t errlen);
void ts_alert_out_free(ts_alert_out *o);
/* Sends one alert of inc to every target. A Redis target that is down keeps the alert and
 * sends it with the next; the stream gets each alert id once (a replay adds nothing). */
void ts_alert_out_send(ts_alert_out *o, const ts_incident *inc, const ts_alert *a);
/* Sends every alert of the incidents (a hunt's findings, once stored). */
void ts_alert_out_incidents(ts_alert_out *o, ts_incident *const *inc, size_t n);
/* The alert's identity, as the store's (detector, key, file, line, record, first time),
 * hashed: the same event makes the same id in a hunt, a watch and a worker. */
uint64_t ts_alert_uid(const ts_alert *a);

#endif
