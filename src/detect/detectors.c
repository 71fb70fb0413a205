/* detectors.c: the registry of detectors; adding one is one line in DETECTORS below. */
#include "detect/detect.h"

#include <stdio.h>
#include <string.h>

#include "core/saved.h"
#include "detect/baseline.h"

/* Each X(name) names a `const ts_detector ts_detector_<name>` defined in its own file. */
#define DETECTORS(X) \
    X(intel)         \
    X(home_network)  \
    X(sigma)         \
    X(credential)    \
    X(lateral)       \
    X(destruction)   \
    X(phishing)      \
    X(beacon)        \
    X(exfil)         \
    X(collection)    \
    X(host_attack)   \
    X(bursts)        \
    X(powershell)    \
    X(sensor)        \
    X(fetch)         \
    X(cleanup)       \
    X(attachment)    \
    X(sideload)      \
    X(privilege)     \
    X(account_admin) \
    X(cloud_upload)

#define DECLARE(name) extern const ts_detector ts_detector_##name;
DETECTORS(DECLARE)
#undef DECLARE

#define LIST(name) &ts_detector_##name,
const ts_detector *const ts_detectors[] = {DETECTORS(LIST) NULL};
#undef LIST

const ts_detector *ts_detector_find(const char *name, size_t len)
{
    for (size_t i = 0; name && ts_detectors[i]; i++)
        if (strlen(ts_detectors[i]->name) == len && memcmp(ts_detectors[i]->name, name, len) == 0)
            return ts_detectors[i];
    return NULL;
}

void ts_detector_fini(const ts_detector *d, void *state)
{
    if (d->saved)
        ts_saved_fini(d->saved, state);
    if (d->fini)
        d->fini(state);
}

bool ts_detector_keeps_state(const ts_detector *d)
{
    return d->saved || (d->save && d->load);
}

size_t ts_detector_usage(const ts_detector *d, void *state, ts_state_use *out, size_t n)
{
    if (d->usage)
        return d->usage(state, out, n);
    return d->saved ? bl_saved_use(d->saved, state, out, n) : 0;
}

tocsin_code ts_detector_save(const ts_detector *d, void *state, void **blob, size_t *len)
{
    *blob = NULL;
    *len = 0;
    if (d->saved)
        return ts_saved_save(d->saved, state, blob, len);
    return d->save ? d->save(state, blob, len) : TOCSIN_E_ARG;
}

tocsin_code ts_detector_load(const ts_detector *d, void *state, const void *blob, size_t len, char *why,
                             size_t why_n)
{
    if (d->saved)
        return ts_saved_load(d->saved, state, blob, len, why, why_n);
    tocsin_code rc = d->load ? d->load(state, blob, len) : TOCSIN_E_ARG;
    if (rc != TOCSIN_OK && why && why_n)
        snprintf(why, why_n, "%s: saved state refused: %s", d->name, tocsin_strerror(rc));
    return rc;
}
