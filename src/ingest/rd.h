/* rd.h: helpers shared by the readers in src/ingest (not part of any stage contract). */
#ifndef TS_INGEST_RD_H
#define TS_INGEST_RD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "ingest/ingest.h"

/* One read() call: where records come from and where they go. */
typedef struct rd_ctx {
    ts_input *in;
    ts_scratch *s;
    const ts_sink *sink;
    const char *file;
} rd_ctx;

static inline rd_ctx rd_make(ts_input *in, ts_scratch *s, const ts_sink *sink)
{
    return (rd_ctx){in, s, sink, ts_input_path(in)};
}

/* Reports one rejected record (line/record 0: the whole file) with a printf-style message. */
void rd_error(const rd_ctx *c, uint64_t line, uint64_t record, tocsin_code code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Reports a record that is read but flawed (see ts_sink.warn), printf-style. */
void rd_warn(const rd_ctx *c, uint64_t line, uint64_t record, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Reports an error of ts_input_line/ts_input_json_element. Returns TOCSIN_OK when reading
 * may go on (an over-long record was skipped), else the code, which stops the reader. */
tocsin_code rd_input_error(const rd_ctx *c, tocsin_code code);

/* Starts a record: clears the event, its fields and the arena; sets provenance. */
void rd_begin(rd_ctx *c, uint64_t line, uint64_t record);
/* Adds a raw field (both views borrowed from buffers that outlive the sink call). */
static inline void rd_field(rd_ctx *c, ts_str key, ts_str val)
{
    ts_fieldbuf *fb = &c->s->fields;
    if (fb->n < fb->cap) /* the hot path: storage kept from earlier records */
        fb->v[fb->n++] = (ts_field){key, val};
    else
        ts_fieldbuf_add(fb, key, val);
}
/* Hands the finished event (with its raw fields) to the sink. */
void rd_emit(rd_ctx *c);

/* The views are equal to the literal. */
#define RD_EQ(s, lit) ((s).n == sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)

/* Epoch seconds ("1521911720.865716") or ISO 8601, also with "+hhmm" offsets, to ns. */
bool rd_time(ts_str s, int64_t *ns);
/* A port number 0..65535. */
bool rd_port(ts_str s, uint16_t *port);
/* An address; empty or unparsable text leaves *ip unset. */
void rd_ip(ts_str s, ts_ip *ip);
/* Concatenates up to three views into the arena (NULL views skipped); empty on failure. */
ts_str rd_cat(ts_arena *a, ts_str x, ts_str y, ts_str z);
/* First occurrence of needle in hay[0..n) (NULL if none). */
const char *rd_find(const char *hay, size_t n, const char *needle);
/* The head's first line that is not blank (up to len). */
ts_str rd_first_line(const char *head, size_t len);
/* Sets outcome from a Zeek/JSON boolean text ("T", "true", "F", "false"). */
void rd_bool_outcome(ts_event *ev, ts_str v);

/* Drives a reader of lines, the one record loop every line-based format shares: each line
 * (up to TS_MAX_RECORD bytes, its "\n" or "\r\n" gone, a last line without "\n" read like
 * any other) goes to line() with its 1-based number. A line over the limit is reported and
 * skipped (unless too_long takes it) and reading goes on; a failing read (a gzip stream cut
 * short, an I/O error) is reported and stops. line() reports its own bad records and
 * returns TOCSIN_OK; any other code (out of memory) stops reading and is reported here,
 * naming the line. end() then hears why reading ended (TOCSIN_OK: the end of the input), so
 * a record left open over lines is kept or reported: nothing already read is lost. Returns
 * TOCSIN_OK or the code that stopped it. */
typedef struct rd_line_ops {
    tocsin_code (*line)(rd_ctx *c, void *st, const char *p, size_t n, uint64_t line);
    /* A line over the limit: true when st took it as part of an open record (and reports that
     * record its own way); NULL or false: reported as a skipped line. */
    bool (*too_long)(rd_ctx *c, void *st, uint64_t line);
    void (*end)(rd_ctx *c, void *st, tocsin_code rc); /* NULL: nothing left open */
    unsigned flags;                                   /* RD_TRIM, RD_SKIP_EMPTY */
} rd_line_ops;
#define RD_TRIM 1u       /* trailing spaces, tabs and carriage returns are dropped */
#define RD_SKIP_EMPTY 2u /* an empty line (after RD_TRIM) is not handed to line() */
tocsin_code rd_lines(rd_ctx *c, const rd_line_ops *ops, void *st);

/* Drives a reader of JSON records: one object per line (or spread over lines, pretty-printed),
 * or the elements of one top-level array when the content starts with '['. For each record:
 * rd_begin, begin(st), walk every scalar to leaf(st, ...), then done(st) (which maps and
 * emits). Records that fail to parse, or are over TS_MAX_RECORD, are reported once each
 * (by their first line) and skipped. */
typedef struct rd_json_ops {
    void (*begin)(void *st); /* before each record's walk */
    ts_json_leaf_fn leaf;
    void (*done)(void *st);
} rd_json_ops;
tocsin_code rd_json_records(rd_ctx *c, const rd_json_ops *ops, void *st);

#endif
