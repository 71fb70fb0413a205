/* fuzz_sigma_condition.c: libFuzzer target: the input as a Sigma condition, parsed and resolved in a rule. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/sigma_int.h"

#define MAX_COND 4096

static const char head[] =
    "title: f\nlogsource:\n  product: windows\n  category: process_creation\n"
    "detection:\n  sel_a:\n    Image: a\n  sel_b:\n    User: b\n  _x:\n    Company: c\n"
    "  keywords:\n    - k\n  condition: \"";

/* Every input compiles a new rule set: caching each would fill the disk, not test it. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    setenv("TOCSIN_CACHE_DIR", "off", 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    ts_arena a = TS_ARENA_INIT;
    sc_parse(&a, (const char *)data, size, err, sizeof err);
    ts_arena_free(&a);
    if (size > MAX_COND)
        return 0;
    /* the same text inside a rule, every byte escaped for a YAML double-quoted string */
    char *y = malloc(sizeof head + size * 4 + 4);
    if (!y)
        return 0;
    size_t k = sizeof head - 1;
    memcpy(y, head, k);
    for (size_t i = 0; i < size; i++)
        k += (size_t)snprintf(y + k, 5, "\\x%02x", data[i]);
    memcpy(y + k, "\"\n", 3);
    k += 2;
    ts_sigma *s = ts_sigma_new(TOCSIN_DATA_DIR "/sigma/logsources.tsv", NULL, NULL);
    if (!s)
        abort(); /* no log-source mapping: every input would test nothing */
    ts_sigma_load_text(s, "fuzz.yml", y, k, NULL, NULL);
    ts_sigma_compile(s, NULL, NULL);
    ts_sigma_free(s);
    free(y);
    return 0;
}
