/* detectors.c: the registry of detectors; adding one is one line in DETECTORS below. */
#include "detect/detect.h"

/* Each X(name) names a `const ts_detector ts_detector_<name>` defined in its own file. */
#define DETECTORS(X)  \
    X(intel)          \
    X(home_network)   \
    X(sigma_rules)    \
    X(credential)     \
    X(lateral)        \
    X(destruction)    \
    X(phishing)       \
    X(beacon)         \
    X(exfil)          \
    X(collection)     \
    X(host_attack)    \
    X(bursts)         \
    X(powershell)

#define DECLARE(name) extern const ts_detector ts_detector_##name;
DETECTORS(DECLARE)
#undef DECLARE

#define LIST(name) &ts_detector_##name,
const ts_detector *const ts_detectors[] = {DETECTORS(LIST) NULL};
#undef LIST
