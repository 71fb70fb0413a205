/* fuzz_sharing.c: libFuzzer target for the shared-infrastructure class table reader
 * (data/attribution/sharing.tsv, which TOCSIN_DATA may point anywhere) and the matching of
 * warninglist names and values against it. */
#include <stdint.h>
#include <stdio.h>

#include "attribute/sharing.h"

static void no_diag(void *ud, const ts_diag *d)
{
    (void)ud, (void)d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    ts_share_table t;
    if (ts_share_read(f, "fuzz", &t, no_diag, NULL) == TOCSIN_OK) {
        static const char *const names[] = {"warninglist: List of known Amazon AWS IP address ranges",
                                            "Tor exit nodes",
                                            "",
                                            "s",
                                            "a  b",
                                            "warninglist: "};
        static const char *const values[] = {
            "http://a.duckdns.org:80/x", "user@x.org", "", ".", "a..b.", "@"};
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            ts_share_classify(&t, names[i], values[i]);
        /* the input's own first bytes as a name and a value */
        char buf[64];
        size_t n = size < sizeof buf - 1 ? size : sizeof buf - 1;
        for (size_t i = 0; i < n; i++)
            buf[i] = data[i] ? (char)data[i] : ' ';
        buf[n] = '\0';
        ts_share_classify(&t, buf, buf);
        ts_share_free(&t);
    }
    fclose(f);
    return 0;
}
