/* alert_util.h: helpers the detectors share to fill alerts (internal to src/detect/). */
#ifndef TS_ALERT_UTIL_H
#define TS_ALERT_UTIL_H

#include "core/str.h" /* ts_fmt_alloc */
#include "detect/detect.h"

/* Who on our side an alert is about, for keys and titles: the internal address (written
 * into buf, TS_IP_STRLEN bytes), else the host name, else the account, else "-". */
const char *ts_alert_internal_entity(const ts_alert *a, char *buf);

/* For keys: "|logon" or "|logon-failed" for an authentication event with an outcome, else
 * "". A successful logon must not vanish into an aggregate of failed attempts. */
const char *ts_auth_key_suffix(const ts_event *ev);

/* "in", "out", "internal" or "unknown", for keys. */
const char *ts_direction_name(ts_direction d);

#endif
