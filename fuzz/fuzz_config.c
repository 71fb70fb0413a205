/* fuzz_config.c: libFuzzer target: the input as a detector tunables file (data/detect.conf's
 * INI format), loaded and every key the detectors read looked up. */
#include <stdint.h>
#include <stdlib.h>

#include "core/config.h"
#include "memfile.h"

static void count(void *ud, const char *file, unsigned line, const char *msg)
{
    (void)file, (void)line, (void)msg;
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
        ts_config_free(c);
    }
    close(fd);
    return 0;
}
