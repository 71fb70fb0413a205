/* incident.h: what the correlate stage makes of alerts and the attribute stage explains:
 * an incident with its timeline, the entities involved and its attribution. */
#ifndef TS_INCIDENT_H
#define TS_INCIDENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/alert.h"
#include "core/attribution.h"

typedef struct ts_incident {
    char id[24]; /* "INC-" + 16 hex digits, stable across runs over the same logs */
    int64_t first_ns, last_ns;
    ts_alert **alerts; /* the timeline, ordered by first_ns; owned */
    size_t n_alerts;
    uint8_t severity; /* the highest of its alerts */
    char **hosts;     /* internal host names or addresses involved; owned */
    size_t n_hosts;
    char **users; /* accounts involved; owned */
    size_t n_users;
    struct ts_attribution *attribution; /* set by the attribute stage; owned */
    /* Why alerts of different hosts or recipients are one incident, one line per shared
     * outside key ("same sender domain sony-pictures-hr.com"), at most TS_JOINED_MAX;
     * n_joined_more counts the reasons beyond. Owned; NULL when nothing outside joined. */
    char **joined;
    size_t n_joined, n_joined_more;
    /* Why it stands apart from other incidents, one line per entity it shares with alerts
     * elsewhere that did not join ("host mail-01 is in alerts of more than 8 accounts: a
     * hub, joins nothing"; "same account jdoe as other alerts, but more than 7 days
     * apart"), or that it shares nothing with them; at most TS_APART_MAX. Owned; NULL when
     * it is the run's only incident. */
    char **apart;
    size_t n_apart;
} ts_incident;

#define TS_JOINED_MAX 8
#define TS_APART_MAX 4

/* Frees inc, its alerts and its attribution (NULL: nothing). */
void ts_incident_free(ts_incident *inc);

#endif
