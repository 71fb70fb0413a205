/* fuzz_warninglist.c: the warninglist feed loader on arbitrary bytes, then lookups of its lines. */
#include <stdint.h>
#include <string.h>

#include "intel/intel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_intel *ti = ts_intel_new();
    if (!ti)
        return 0;
    ts_feed_opts o = {.actor = NULL};
    ts_intel_load_buffer(ti, "fuzz.json", "warninglist", (const char *)data, size, &o);
    ts_intel_finalise(ti);
    /* Look every line up as every type: matching must cope with what loading accepted. */
    ts_ioc_hit hits[8];
    const char *p = (const char *)data, *end = p + size;
    for (int lines = 0; p < end && lines < 64; lines++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        ts_str v = ts_str_make(p, nl ? (size_t)(nl - p) : (size_t)(end - p));
        for (int t = TS_IOC_IP; t < TS_IOC__COUNT; t++)
            ts_intel_match(ti, (ts_ioc_type)t, v, hits, 8);
        p = nl ? nl + 1 : end;
    }
    ts_intel_free(ti);
    return 0;
}
