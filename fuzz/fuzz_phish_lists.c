/* fuzz_phish_lists.c: the phishing detector's list parser (brands, services, phrases of
 * data/phishing/) on arbitrary bytes as each kind of file, then every query on lines of
 * the same bytes: folding, brand lookups, service lookups and the phrase scan. */
#include <stdint.h>
#include <string.h>

#include "detect/phishing/phish_lists.h"

static volatile size_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    phish_lists *l = phish_lists_new();
    if (!l)
        return 0;
    for (int kind = 0; kind < 3; kind++)
        sink += phish_lists_parse(l, kind, "fuzz", text, size, NULL, NULL);
    phish_lists_ready(l);
    static char folded[1 << 16];
    const char *p = text, *end = text + size;
    for (int lines = 0; p < end && lines < 32; lines++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        ts_str line = ts_str_make(p, nl ? (size_t)(nl - p) : (size_t)(end - p));
        size_t hidden = 0;
        size_t fn = phish_fold(line, folded, sizeof folded, &hidden);
        ts_str f = ts_str_make(folded, fn);
        const char *name = NULL;
        ts_str first[PHISH_CAT_N];
        sink += phish_lists_scan(l, f, first) + hidden;
        sink += (size_t)(phish_lists_brand_named(l, f, &name) + 1);
        sink += (size_t)(phish_lists_brand_in_letters(l, f, &name) + 1);
        int b = phish_lists_brand_of(l, line);
        const char *doms[8];
        sink += phish_lists_brand_domains(l, b, doms, 8) + strlen(phish_lists_brand_name(l, b));
        for (int k = 0; k < PHISH_SVC_N; k++)
            sink += phish_lists_service(l, (phish_svc)k, line, line);
        p = nl ? nl + 1 : end;
    }
    phish_lists_free(l);
    return 0;
}
