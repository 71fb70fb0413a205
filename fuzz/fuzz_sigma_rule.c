/* fuzz_sigma_rule.c: libFuzzer target: the input as a Sigma rule file, loaded, compiled and run on one event
 * three times. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/sigma.h"

static void on_hit(void *ud, const ts_sigma_rule_info *r, const ts_event *ev)
{
    (void)ud, (void)r, (void)ev;
}

/* Every input compiles a new rule set: caching each would fill the disk, not test it. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    setenv("TOCSIN_CACHE_DIR", "off", 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_sigma *s = ts_sigma_new(TOCSIN_DATA_DIR "/sigma/logsources.tsv", NULL, NULL);
    if (!s)
        abort(); /* no log-source mapping: every input would test nothing */
    ts_sigma_load_text(s, "fuzz.yml", (const char *)data, size, NULL, NULL);
    if (ts_sigma_compile(s, NULL, NULL) == TOCSIN_OK) {
        ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
        ts_field f[] = {{TS_STR_LIT("Image"), TS_STR_LIT("C:\\Windows\\System32\\cmd.exe")},
                        {TS_STR_LIT("CommandLine"), TS_STR_LIT("cmd /c whoami -all 10.1.2.3")},
                        {TS_STR_LIT("UtcTime"), TS_STR_LIT("2025-12-25 14:30:27.352")},
                        {TS_STR_LIT("ProcessId"), TS_STR_LIT("4242")}};
        ts_event ev;
        ts_event_clear(&ev);
        ev.channel = TS_STR_LIT("Microsoft-Windows-Sysmon/Operational");
        ev.code = 1, ev.has_code = true;
        ev.dataset = TS_STR_LIT("windows.sysmon");
        ev.fields = f, ev.n_fields = sizeof f / sizeof *f;
        /* three times, a minute apart, so that correlations (and chains of them) count */
        for (int i = 0; sc && i < 3; i++) {
            ev.ts_ns = (int64_t)i * 60 * 1000000000LL;
            ts_sigma_match(s, sc, &ev, on_hit, NULL);
        }
        ts_sigma_idle_correlations(s, NULL, NULL);
        ts_sigma_scratch_free(sc);
    }
    ts_sigma_free(s);
    return 0;
}
