/* diag.h: one shape for "a problem at file:line", through which every outside input
 * reports: the readers' sink (ingest.h), intelligence feeds, the configuration, routine
 * sources, the detectors' set-up (Sigma rules, their tables, the phishing lists), analyst
 * input, time zones and sharing classes (attribute/), and the files a watch follows
 * (live.h). The library's caller gets them as tocsin_diag_fn (tocsin.h). */
#ifndef TS_DIAG_H
#define TS_DIAG_H

#include <stdint.h>

#include "tocsin.h"

/* A problem in outside input: the public tocsin_diag (file, line, record, code, message),
 * so what a reader or loader says reaches the library's caller whole. */
typedef tocsin_diag ts_diag;

/* Receives problems; may be NULL wherever one is taken (they are then dropped). */
typedef tocsin_diag_fn ts_diag_fn;

/* Sends one problem to fn (nothing when fn is NULL). */
static inline void ts_diag_say(ts_diag_fn fn, void *ud, const char *file, uint64_t line, uint64_t record,
                               tocsin_code code, const char *msg)
{
    if (fn) {
        ts_diag d = {file, line, record, code, msg};
        fn(ud, &d);
    }
}

#endif
