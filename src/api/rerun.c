/* rerun.c: a hunt reading logs that earlier runs read already (the same files again, or a
 * file that grew) carries on from what they found. Its detectors resume from their saved
 * state, so they do not raise again what they raised before; without the alerts stored
 * from those files its correlator would miss them, join less, and leave new incidents
 * beside the old ones. With them the rerun's incidents are those of one run over the logs:
 * the alerts found again count once, and an incident the rerun joins into another goes. */
#include <stdlib.h>
#include <string.h>

#include "api/session.h"
#include "correlate/routine.h"
#include "store/store_read.h"

tocsin_code ts_rerun_fresh(tocsin *t, const char *const *paths, size_t npaths, bool *fresh)
{
    *fresh = false;
    for (size_t i = 0; i < npaths && !*fresh; i++) {
        char *full = realpath(paths[i], NULL); /* runs name their files in full */
        tocsin_code rc = ts_store_read_before(t->store, full ? full : paths[i], fresh);
        free(full);
        if (rc != TOCSIN_OK)
            return ts_session_fail(t, rc, "%s",
                                   rc == TOCSIN_E_DB ? ts_store_error(t->store) : tocsin_strerror(rc));
    }
    return TOCSIN_OK;
}

tocsin_code ts_rerun_seed(tocsin *t, int64_t run, ts_correlator *c)
{
    ts_alert_view *v;
    size_t n;
    tocsin_code rc = ts_store_rerun_alerts(t->store, run, &v, &n);
    if (rc != TOCSIN_OK)
        return ts_session_fail(t, rc, "%s",
                               rc == TOCSIN_E_DB ? ts_store_error(t->store) : tocsin_strerror(rc));
    for (size_t i = 0; i < n; i++) {
        ts_alert *a = ts_alert_from_view(t->intel, &v[i]);
        if (a && ts_routine_stage_mark(a->suppressed)) { /* marked after the join: judged again */
            free(a->suppressed);
            a->suppressed = NULL;
        }
        if (a)
            ts_correlator_add_stored(c, a);
    }
    ts_alert_views_free(v, n);
    return TOCSIN_OK;
}

tocsin_code ts_rerun_forget(tocsin *t, int64_t run, ts_incident *const *inc, size_t n)
{
    char **ids;
    size_t nids;
    tocsin_code rc = ts_store_rerun_incidents(t->store, run, &ids, &nids);
    for (size_t i = 0; i < nids && rc == TOCSIN_OK; i++) {
        bool formed = false;
        for (size_t k = 0; k < n && !formed; k++)
            formed = strcmp(inc[k]->id, ids[i]) == 0;
        if (!formed)
            rc = ts_store_incident_forget(t->store, ids[i]);
    }
    ts_strv_free(ids, nids);
    return rc;
}
