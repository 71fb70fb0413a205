/* fuzz_catalogue.c: libFuzzer target: the input as a tocsin actor catalogue, loaded into a fresh intel store.
 */
#include <stddef.h>
#include <stdint.h>

#include "intel/intel.h"
#include "intel/loaders.h"

extern const ts_loader ts_loader_catalogue;

static void quiet(void *ud, const ts_diag *d)
{
    (void)ud;
    (void)d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_intel *ti = ts_intel_new();
    ts_feed_opts o = {.actor = "Fuzz Actor", .diag = quiet};
    if (!ti)
        return 0;
    ts_loader_catalogue.sniff((const char *)data, size);
    ts_loader_catalogue.load(ti, "fuzz", (const char *)data, size, &o);
    ts_intel_free(ti);
    return 0;
}
