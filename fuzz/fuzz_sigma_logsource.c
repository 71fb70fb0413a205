/* fuzz_sigma_logsource.c: libFuzzer target: the input as the Sigma log-source map
 * (data/sigma/logsources.tsv's format), then a rule compiled against it and run on events. */
#include <stdint.h>
#include <stdlib.h>

#include "memfile.h"
#include "sigma/sigma.h"

static const char rule[] = "title: t\n"
                           "id: 6f1d3b0e-0000-4000-8000-000000000001\n"
                           "logsource:\n  product: windows\n  category: process_creation\n"
                           "detection:\n  sel:\n    Image|endswith: '\\cmd.exe'\n    ParentImage: '*'\n"
                           "  condition: sel\n";

static void on_hit(void *ud, const ts_sigma_rule_info *r, const ts_event *ev)
{
    (void)ud, (void)r, (void)ev;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    setenv("TOCSIN_CACHE_DIR", "off", 1); /* a new map each input: caching would fill the disk */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = memfile(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    ts_sigma *s = ts_sigma_new(path, NULL, NULL);
    close(fd);
    if (!s)
        return 0;
    ts_sigma_load_text(s, "fuzz.yml", rule, sizeof rule - 1, NULL, NULL);
    if (ts_sigma_compile(s, NULL, NULL) == TOCSIN_OK) {
        ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
        ts_field f[] = {{TS_STR_LIT("NewProcessName"), TS_STR_LIT("C:\\Windows\\System32\\cmd.exe")},
                        {TS_STR_LIT("ParentProcessName"), TS_STR_LIT("C:\\Windows\\explorer.exe")},
                        {TS_STR_LIT("Image"), TS_STR_LIT("C:\\Windows\\System32\\cmd.exe")}};
        ts_event ev;
        ts_event_clear(&ev);
        ev.fields = f, ev.n_fields = sizeof f / sizeof *f;
        ev.has_code = true;
        /* The events the real map names, and others, so each kind of match condition is tried. */
        static const struct {
            const char *channel, *provider, *dataset;
            uint32_t code;
        } kinds[] = {
            {"Security", "Microsoft-Windows-Security-Auditing", "windows.security", 4688},
            {"Microsoft-Windows-Sysmon/Operational", "Microsoft-Windows-Sysmon", "windows.sysmon", 1},
            {"", "", "zeek.dns", 0},
            {"a", "b", "c", 1}};
        for (size_t i = 0; sc && i < sizeof kinds / sizeof *kinds; i++) {
            ev.channel = ts_str_c(kinds[i].channel);
            ev.provider = ts_str_c(kinds[i].provider);
            ev.dataset = ts_str_c(kinds[i].dataset);
            ev.code = kinds[i].code;
            ev.ts_ns = (int64_t)i * 1000000000LL;
            ts_sigma_match(s, sc, &ev, on_hit, NULL);
        }
        ts_sigma_scratch_free(sc);
    }
    ts_sigma_free(s);
    return 0;
}
