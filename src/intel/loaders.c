/* loaders.c: the one list of feed formats; adding a format is one line here. */
#include <string.h>

#include "intel/loaders.h"

extern const ts_loader ts_loader_stix, ts_loader_misp_event, ts_loader_catalogue;
extern const ts_loader ts_loader_warninglist, ts_loader_csv, ts_loader_list;

const ts_loader *const ts_loaders[] = {
    &ts_loader_stix,
    &ts_loader_misp_event,
    &ts_loader_catalogue,
    &ts_loader_warninglist,
    &ts_loader_csv,
    &ts_loader_list,
    NULL,
};

const ts_loader *ts_loader_find(const char *name)
{
    for (size_t i = 0; name && ts_loaders[i]; i++)
        if (strcmp(ts_loaders[i]->name, name) == 0)
            return ts_loaders[i];
    return NULL;
}
