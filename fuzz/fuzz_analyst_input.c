/* fuzz_analyst_input.c: libFuzzer target for the analyst evidence reader (tocsin attribute). */
#include <stdint.h>
#include <stdio.h>

#include "attribute/attribute.h"

/* A small catalogue, built once: two actors, techniques, software and indicators. */
static ts_intel *catalogue(void)
{
    static ts_intel *ti;
    if (ti)
        return ti;
    ti = ts_intel_new();
    uint32_t laz = ts_intel_actor_add(ti, "Lazarus Group", "G0032", "KP");
    uint32_t apt = ts_intel_actor_add(ti, "APT28", "G0007", "RU");
    ts_intel_actor_alias(ti, laz, "HIDDEN COBRA");
    uint32_t t = ts_intel_technique(ti, "T1574.013", "KernelCallbackTable", NULL);
    ts_intel_actor_uses_technique(ti, laz, t);
    uint32_t s = ts_intel_software_add(ti, "HOPLIGHT", "S0376", "malware");
    ts_intel_actor_uses_software(ti, laz, s);
    uint32_t m = ts_intel_software_add(ti, "Mimikatz", "S0002", "tool");
    ts_intel_actor_uses_software(ti, laz, m);
    ts_intel_actor_uses_software(ti, apt, m);
    uint32_t both[] = {laz, apt};
    ts_ioc_meta meta = {
        .source = ts_intel_source(ti, "fuzz"), .actors = ts_intel_actorset(ti, both, 2), .confidence = 80};
    ts_intel_add(ti, TS_IOC_IP, ts_str_c("203.0.113.0/24"), &meta);
    ts_intel_add(ti, TS_IOC_DOMAIN, ts_str_c("evil.example"), &meta);
    meta.flags = TS_IOC_ALLOW;
    ts_intel_add(ti, TS_IOC_IP, ts_str_c("8.8.8.8"), &meta);
    ts_intel_finalise(ti);
    return ti;
}

static void no_diag(void *ud, const ts_diag *d)
{
    (void)ud, (void)d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0; /* fmemopen refuses empty buffers */
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    ts_attribution *a = NULL;
    if (ts_attribute_read(catalogue(), f, "fuzz", &a, no_diag, NULL) == TOCSIN_OK)
        ts_attribution_free(a);
    fclose(f);
    return 0;
}
