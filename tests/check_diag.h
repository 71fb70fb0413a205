/* check_diag.h: a ts_diag_fn for tests: counts the problems, keeps the last one to assert
 * on, and prints each (so a failing test shows why). */
#ifndef TS_CHECK_DIAG_H
#define TS_CHECK_DIAG_H

#include <stdio.h>

#include "core/diag.h"

typedef struct check_diags {
    int n;
    tocsin_code code;
    uint64_t line;
    char file[256], msg[512];
} check_diags;

static inline void check_diag_keep(void *ud, const ts_diag *d)
{
    check_diags *k = ud;
    k->n++;
    k->code = d->code;
    k->line = d->line;
    snprintf(k->file, sizeof k->file, "%s", d->file ? d->file : "");
    snprintf(k->msg, sizeof k->msg, "%s", d->msg ? d->msg : "");
    fprintf(stderr, "  (diag) %s:%llu: %s\n", k->file, (unsigned long long)d->line, k->msg);
}

#endif
