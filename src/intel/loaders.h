/* loaders.h: the feed formats, one file each, registered in one list (loaders.c);
 * ts_intel_load_buffer picks the loader whose sniff scores highest. */
#ifndef TS_LOADERS_H
#define TS_LOADERS_H

#include "intel/intel.h"

typedef struct ts_loader {
    const char *name; /* "stix", "misp-event", "warninglist", "catalogue", "csv", "list" */
    /* 0 (not this format) .. 100 (certain), from the first bytes of the content. */
    int (*sniff)(const char *data, size_t len);
    /* Loads the feed; problems with single entries go to o->diag and loading goes on. */
    tocsin_code (*load)(ts_intel *ti, const char *name, const char *data, size_t len, const ts_feed_opts *o);
} ts_loader;

extern const ts_loader *const ts_loaders[]; /* NULL-terminated */
const ts_loader *ts_loader_find(const char *name);

/* A MISP feed directory (manifest.json beside <uuid>.json event files). */
tocsin_code ts_misp_load_feed_dir(ts_intel *ti, const char *dir, const ts_feed_opts *o);

#endif
