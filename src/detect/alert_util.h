/* alert_util.h: helpers the detectors share to fill alerts (internal to src/detect/). */
#ifndef TS_ALERT_UTIL_H
#define TS_ALERT_UTIL_H

#include "detect/detect.h"

/* Sets a's remote entity to the given side of ev (TS_SIDE_SRC or TS_SIDE_DST) and its
 * internal entity to the other side: internal_ip, internal_host (replacing any) and the
 * direction. Used when the detector knows which side is the outside party, such as the
 * side that matched an indicator. A remote side that is itself internal gives
 * TS_DIR_INTERNAL (both internal) or TS_DIR_UNKNOWN; so does a remote side without an
 * address, or an event naming nobody of ours (no other address, no host.name). */
void ts_alert_orient(ts_alert *a, const ts_event *ev, ts_side remote);

/* A malloc'ed printf-formatted string; NULL on allocation failure. */
char *ts_fmt_alloc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Who on our side an alert is about, for keys and titles: the internal address (written
 * into buf, TS_IP_STRLEN bytes), else the host name, else the account, else "-". */
const char *ts_alert_internal_entity(const ts_alert *a, char *buf);

/* For keys: "|logon" or "|logon-failed" for an authentication event with an outcome, else
 * "". A successful logon must not vanish into an aggregate of failed attempts. */
const char *ts_auth_key_suffix(const ts_event *ev);

/* "in", "out", "internal" or "unknown", for keys. */
const char *ts_direction_name(ts_direction d);

#endif
