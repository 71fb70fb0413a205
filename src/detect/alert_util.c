/* alert_util.c: helpers the detectors share to fill alerts' keys and titles. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "detect/alert_util.h"

const char *ts_alert_internal_entity(const ts_alert *a, char *buf)
{
    if (a->internal_ip.v)
        return ts_ip_format(&a->internal_ip, buf);
    if (a->internal_host)
        return a->internal_host;
    if (a->user)
        return a->user;
    return "-";
}

const char *ts_direction_name(ts_direction d)
{
    switch (d) {
    case TS_DIR_INBOUND:
        return "in";
    case TS_DIR_OUTBOUND:
        return "out";
    case TS_DIR_INTERNAL:
        return "internal";
    default:
        return "unknown";
    }
}

const char *ts_auth_key_suffix(const ts_event *ev)
{
    if (!(ev->category & TS_CAT_AUTH))
        return "";
    return ev->outcome == TS_OUTCOME_SUCCESS   ? "|logon"
           : ev->outcome == TS_OUTCOME_FAILURE ? "|logon-failed"
                                               : "";
}
