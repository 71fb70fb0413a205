/* detectors.c: the registry of detectors; adding one is one line in DETECTORS below. */
#include "detect/detect.h"

#include <string.h>

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
