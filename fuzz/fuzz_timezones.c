/* fuzz_timezones.c: libFuzzer target for the home time zone table reader
 * (data/attribution/timezones.tsv, which TOCSIN_DATA may point anywhere) and the time
 * evidence it gives. */
#include <stdint.h>
#include <stdio.h>

#include "attribute/timezone.h"

static void no_diag(void *ud, const ts_diag *d)
{
    (void)ud, (void)d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    ts_tz_table tz;
    if (ts_tz_read(f, "fuzz", &tz, no_diag, NULL) == TOCSIN_OK) {
        /* hours around the epoch and far from it, in both directions */
        int64_t ns[8] = {0,
                         -1,
                         3600000000000LL,
                         -3600000000001LL,
                         1416790800000000000LL,
                         INT64_MAX / 2,
                         INT64_MIN / 2,
                         1416794400000000000LL};
        ts_evbuf b = {0};
        ts_tz_evidence(&tz, ns, 8, &b);
        ts_evbuf_free(&b);
        ts_tz_free(&tz);
    }
    fclose(f);
    return 0;
}
