/* fuzz_stix_pattern.c: libFuzzer target: the input as a STIX 2.1 pattern. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "intel/stix_pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_stix_pattern pat;
    tocsin_code rc = ts_stix_pattern_parse((const char *)data, size, &pat);
    /* Every kept value is NUL-terminated inside the parser's buffer and never longer
       than the input. */
    for (size_t i = 0; rc == TOCSIN_OK && i < pat.n; i++)
        if (pat.cmp[i].value[pat.cmp[i].len] != 0 || pat.cmp[i].len > size)
            __builtin_trap();
    if (rc != TOCSIN_OK && pat.n != 0)
        __builtin_trap();
    ts_stix_pattern_free(&pat);
    return 0;
}
