/* incident.c: freeing an incident and its attribution, which the stages after correlate
 * hand on. */
#include <stdlib.h>

#include "core/incident.h"

void ts_attribution_free(ts_attribution *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++) {
        for (size_t j = 0; j < a->hyps[i].n_contribs; j++)
            free(a->hyps[i].contribs[j].what);
        free(a->hyps[i].contribs);
        free(a->hyps[i].name);
    }
    free(a->hyps);
    free(a->summary);
    for (size_t i = 0; i < a->n_ach; i++)
        free(a->ach[i].evidence);
    free(a->ach);
    free(a);
}

void ts_incident_free(ts_incident *inc)
{
    if (!inc)
        return;
    for (size_t i = 0; i < inc->n_alerts; i++)
        ts_alert_free(inc->alerts[i]);
    free(inc->alerts);
    for (size_t i = 0; i < inc->n_hosts; i++)
        free(inc->hosts[i]);
    free(inc->hosts);
    for (size_t i = 0; i < inc->n_users; i++)
        free(inc->users[i]);
    free(inc->users);
    ts_attribution_free(inc->attribution);
    for (size_t i = 0; i < inc->n_joined; i++)
        free(inc->joined[i]);
    free(inc->joined);
    for (size_t i = 0; i < inc->n_apart; i++)
        free(inc->apart[i]);
    free(inc->apart);
    free(inc);
}
