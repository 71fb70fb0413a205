/* alert_util.h: helpers the detectors share to fill alerts (internal to src/detect/). */
#ifndef TS_ALERT_UTIL_H
#define TS_ALERT_UTIL_H

#include "detect/detect.h"

/* Sets a's remote entity to the given side of ev (TS_SIDE_SRC or TS_SIDE_DST) and its
 * internal entity to the other side: internal_ip, internal_host (replacing any) and the
 * direction. Used when the detector knows which side is the outside party, such as the
 * side that matched an indicator. A remote side that is itself internal gives
 * TS_DIR_INTERNAL (both internal) or TS_DIR_UNKNOWN. */
void ts_alert_orient(ts_alert *a, const ts_event *ev, ts_side remote);

#endif
