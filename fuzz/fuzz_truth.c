/* fuzz_truth.c: libFuzzer target for the ground-truth reader of tocsin eval (truth.jsonl),
 * and the matcher over whatever it accepted. */
#include <stdint.h>
#include <stdio.h>

#include "eval/eval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ev_truth t;
    if (!size)
        return 0;
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    if (ev_truth_read(f, "truth.jsonl", &t, NULL, NULL) == TOCSIN_OK) {
        unsigned char how[64];
        int64_t at[64];
        if (t.n_steps <= 64 && t.n_events) {
            const ev_event *e = &t.by_place[0];
            ev_alert a = {t.files[e->file], e->line, e->ts_ns, e->ts_ns + 86400000000000LL, 2,
                          "ws-0001",        "lwang"};
            ev_match(&t, &a, how, at);
            a.line = 0;
            ev_match(&t, &a, how, at);
        }
        ev_truth_free(&t);
    }
    fclose(f);
    return 0;
}
