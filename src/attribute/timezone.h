/* timezone.h: the home time zones and working weeks of the countries actors are suspected
 * to be based in (data/attribution/timezones.tsv), and the time evidence of an incident:
 * how many of its hands-on hours fall in each country's working time. */
#ifndef TS_ATTR_TIMEZONE_H
#define TS_ATTR_TIMEZONE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "attribute/evbuf.h"
#include "core/diag.h"

typedef struct ts_tz {
    char cc[3];
    int offset_min;   /* local standard time - UTC */
    uint8_t workdays; /* bit d set: day d (0 Sunday .. 6 Saturday) is a working day */
} ts_tz;

typedef struct ts_tz_table {
    ts_tz *v;
    size_t n;
} ts_tz_table;

/* Reads a table: "CC<TAB>UTC offset in hours<TAB>first-last working day" ("KP 9 mon-fri"),
 * "#" comments and blank lines. A bad line goes to diag (core/diag.h; may be NULL) with the
 * path and its 1-based number, and is skipped. TOCSIN_E_IO when the file cannot be read;
 * *out is then empty. */
tocsin_code ts_tz_load(const char *path, ts_tz_table *out, ts_diag_fn diag, void *ud);
/* The same from an open stream (not closed); name is the file's name in diagnostics (may be
 * NULL). */
tocsin_code ts_tz_read(FILE *f, const char *name, ts_tz_table *out, ts_diag_fn diag, void *ud);
void ts_tz_free(ts_tz_table *t);

/* Working time: 08:00 to 19:00 local on a working day. */
#define TS_TZ_WORK_START 8
#define TS_TZ_WORK_END 19
/* Fewer distinct active hours than this say nothing about a time zone. */
#define TS_TZ_MIN_HOURS 6

/* Adds one TS_AE_TIMEZONE piece per country of tz, from the distinct hours (UTC, as ns
 * since the epoch, n of them, any order, repeats allowed) in which hands-on activity began. */
void ts_tz_evidence(const ts_tz_table *tz, const int64_t *ns, size_t n, ts_evbuf *b);

#endif
