/* fuzz_config.c: libFuzzer target: the input as a detector tunables file (data/detect.conf's
 * INI format), loaded, some keys looked up, then held against every table of tunables and
 * read through them. */
#include <stdint.h>
#include <stdlib.h>

#include "api/tunables.h"
#include "core/config.h"
#include "memfile.h"

static void count(void *ud, const ts_diag *d)
{
    if (!d->msg || !d->line)
        abort(); /* every problem of a file has its line and says what it is */
    ++*(unsigned *)ud;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = memfile(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    ts_config *c = NULL;
    unsigned problems = 0;
    if (ts_config_load(path, &c, count, &problems) == TOCSIN_OK) {
        /* Sections and keys a short input can spell, and the real ones. */
        static const char *const sections[] = {"a", "beacon", "exfil", "credential", "", "x y"};
        static const char *const keys[] = {"a", "threshold", "min_bytes", "max_pairs", "", "k"};
        for (size_t s = 0; s < sizeof sections / sizeof *sections; s++)
            for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
                const char *v = ts_config_get(c, sections[s], keys[k]);
                double d = ts_config_num(c, sections[s], keys[k], -1);
                if (!v && d != -1)
                    abort(); /* a number from nowhere */
            }
        ts_tune_section sec[64];
        size_t n = ts_tune_sections(sec, 64);
        size_t bad = ts_config_check(c, sec, n < 64 ? n : 64, count, &problems);
        for (size_t i = 0; i < n && i < 64; i++) {
            double settings[64]; /* room for any detector's settings struct */
            bool ok = ts_tune_read(c, sec[i].name, sec[i].keys, settings);
            if (!ok && !bad)
                abort(); /* read refused a value the check let through */
        }
        ts_config_free(c);
    }
    close(fd);
    return 0;
}
