/* loaders.c: the one list of feed formats; adding a format is one line in LOADERS. */
#include <string.h>

#include "intel/loaders.h"

/* Each X(name) names a `const ts_loader ts_loader_<name>` defined in its own file; ties in
 * sniffing go to the earlier one. */
#define LOADERS(X) \
    X(stix)        \
    X(misp_event)  \
    X(catalogue)   \
    X(warninglist) \
    X(csv)         \
    X(list)

#define DECLARE(name) extern const ts_loader ts_loader_##name;
LOADERS(DECLARE)
#undef DECLARE

#define LIST(name) &ts_loader_##name,
const ts_loader *const ts_loaders[] = {LOADERS(LIST) NULL};
#undef LIST

const ts_loader *ts_loader_find(const char *name)
{
    for (size_t i = 0; name && ts_loaders[i]; i++)
        if (strcmp(ts_loaders[i]->name, name) == 0)
            return ts_loaders[i];
    return NULL;
}
