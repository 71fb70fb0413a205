/* linefeed.h: what the text feed loaders (list, CSV, warninglist) share: capped
 * diagnostics, the feed's source name, default confidence and declared actor. Internal. */
#ifndef TS_LINEFEED_H
#define TS_LINEFEED_H

#include <stdbool.h>
#include <stdint.h>

#include "intel/intel_int.h"

/* More problems than this in one file are counted, not reported one by one. */
#define TS_LF_MAX_DIAGS 100

typedef struct ts_lf {
    ts_intel *ti;
    const char *name;      /* the feed's name (a path), for messages */
    const ts_feed_opts *o; /* may be NULL */
    size_t errors;         /* entries rejected as malformed */
    size_t reported;       /* messages sent, errors and notes */
    size_t suppressed;     /* messages over the cap */
    size_t loaded;         /* indicators added */
} ts_lf;

void ts_lf_init(ts_lf *f, ts_intel *ti, const char *name, const ts_feed_opts *o);
/* Reports a problem; error: the entry was malformed (the load ends TOCSIN_E_PARTIAL),
 * otherwise a note about something deliberately not loaded. */
void ts_lf_diag(ts_lf *f, uint64_t line, bool error, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Says how many messages were left out; TOCSIN_E_PARTIAL if any entry was malformed. */
tocsin_code ts_lf_finish(ts_lf *f);

/* The last path component of name. */
const char *ts_lf_base(const char *name);
/* A printable copy of p[0..n) for a message: control bytes become '?', cut at cap - 1. */
char *ts_lf_clean(const char *p, size_t n, char *buf, size_t cap);
/* The options' default confidence, or 50. */
uint8_t ts_lf_confidence(const ts_lf *f);
/* The actor set of the options' declared actor (0: none). */
uint32_t ts_lf_declared(ts_lf *f);
/* Unix seconds from "2014-12-19", an RFC 3339 time or epoch seconds; 0 if none of these. */
int64_t ts_lf_time(ts_str s);
/* The next line of data[*pos..len) without its "\r\n"; false at the end. */
bool ts_lf_next_line(const char *data, size_t len, size_t *pos, ts_str *line);

#endif
