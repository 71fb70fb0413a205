/* fuzz_sigma_placeholders.c: libFuzzer target: the input as the values of Sigma's expand
 * placeholders (a YAML map of name -> value or list, --placeholders), then rules that expand
 * them compiled and run. */
#include <stdint.h>
#include <stdlib.h>

#include "memfile.h"
#include "sigma/sigma.h"

/* Names a short input can spell ("a") and real ones (tests/data/sigma/placeholders.yml). */
static const char rules[] = "title: t1\n"
                            "id: 6f1d3b0e-0000-4000-8000-000000000002\n"
                            "logsource:\n  product: windows\n  category: process_creation\n"
                            "detection:\n  sel:\n    Image|expand|endswith: '%admin_tools%'\n"
                            "  other:\n    CommandLine|expand|contains: '%a%'\n"
                            "  condition: sel or other\n"
                            "---\n"
                            "title: t2\n"
                            "id: 6f1d3b0e-0000-4000-8000-000000000003\n"
                            "logsource:\n  product: windows\n  category: process_creation\n"
                            "detection:\n  sel:\n    Computer|expand: '%dc_hosts%'\n"
                            "  condition: sel\n";

static void on_hit(void *ud, const ts_sigma_rule_info *r, const ts_event *ev)
{
    (void)ud, (void)r, (void)ev;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    setenv("TOCSIN_CACHE_DIR", "off", 1); /* new patterns each input: caching would fill the disk */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    ts_sigma *s = ts_sigma_new(TOCSIN_DATA_DIR "/sigma/logsources.tsv", NULL, NULL);
    if (!s)
        abort(); /* no log-source mapping: every input would test nothing */
    int fd = memfile(data, size, path, sizeof path);
    if (fd >= 0 && ts_sigma_load_placeholders(s, path, NULL, NULL) == TOCSIN_OK) {
        ts_sigma_load_text(s, "fuzz.yml", rules, sizeof rules - 1, NULL, NULL);
        if (ts_sigma_compile(s, NULL, NULL) == TOCSIN_OK) {
            ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
            ts_field f[] = {{TS_STR_LIT("Image"), TS_STR_LIT("C:\\Tools\\psexec.exe")},
                            {TS_STR_LIT("CommandLine"), TS_STR_LIT("psexec \\\\DC01 -s cmd")},
                            {TS_STR_LIT("Computer"), TS_STR_LIT("DC01")}};
            ts_event ev;
            ts_event_clear(&ev);
            ev.channel = TS_STR_LIT("Microsoft-Windows-Sysmon/Operational");
            ev.code = 1, ev.has_code = true;
            ev.dataset = TS_STR_LIT("windows.sysmon");
            ev.fields = f, ev.n_fields = sizeof f / sizeof *f;
            if (sc)
                ts_sigma_match(s, sc, &ev, on_hit, NULL);
            ts_sigma_scratch_free(sc);
        }
    }
    if (fd >= 0)
        close(fd);
    ts_sigma_free(s);
    return 0;
}
