/* rd.c: helpers shared by the readers: errors, event assembly, times, the line loop and the JSON driver. */
#include "ingest/rd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vec.h"

void rd_error(const rd_ctx *c, uint64_t line, uint64_t record, tocsin_code code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ts_diag_say(c->sink->error, c->sink->ud, c->file, line, record, code, msg);
}

void rd_warn(const rd_ctx *c, uint64_t line, uint64_t record, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ts_diag_say(c->sink->warn ? c->sink->warn : c->sink->error, c->sink->ud, c->file, line, record, TOCSIN_OK,
                msg);
}

tocsin_code rd_input_error(const rd_ctx *c, tocsin_code code)
{
    rd_error(c, ts_input_lineno(c->in), 0, code, "%s", ts_input_error(c->in));
    return code == TOCSIN_E_TOOLONG ? TOCSIN_OK : code;
}

void rd_begin(rd_ctx *c, uint64_t line, uint64_t record)
{
    ts_event *ev = &c->s->ev;
    ts_event_clear(ev);
    ts_fieldbuf_reset(&c->s->fields);
    ts_arena_reset(&c->s->arena);
    ev->file = c->file;
    ev->line = line;
    ev->record = record;
}

void rd_emit(rd_ctx *c)
{
    ts_event *ev = &c->s->ev;
    ev->fields = c->s->fields.v;
    ev->n_fields = c->s->fields.n;
    if (c->sink->event)
        c->sink->event(c->sink->ud, ev);
}

/* Records of one file share their date, hour and minute: the last such prefix (with the
 * zone suffix) and its time are kept so most stamps only need seconds and fraction. */
typedef struct time_memo {
    char prefix[16], zone[8];
    size_t nzone;
    int64_t base;
    bool set;
} time_memo;

/* Splits "YYYY-MM-DDTHH:MM:SS[.frac][zone]" at the seconds; false if not that shape. */
static bool split_iso(ts_str s, int64_t *sec_ns, ts_str *zone)
{
    if (s.n < 19 || s.p[16] != ':' || s.p[17] < '0' || s.p[17] > '5' || s.p[18] < '0' || s.p[18] > '9')
        return false;
    int64_t v = ((s.p[17] - '0') * 10 + (s.p[18] - '0')) * 1000000000LL;
    size_t i = 19;
    if (i < s.n && s.p[i] == '.') {
        int64_t scale = 100000000;
        for (i++; i < s.n && s.p[i] >= '0' && s.p[i] <= '9'; i++) {
            v += (s.p[i] - '0') * scale;
            scale /= 10;
        }
    }
    *sec_ns = v;
    *zone = ts_str_make(s.p + i, s.n - i);
    return zone->n < sizeof((time_memo *)0)->zone;
}

static bool iso_time(ts_str s, int64_t *ns)
{
    static _Thread_local time_memo memo;
    int64_t sec_ns;
    ts_str zone;
    bool split = split_iso(s, &sec_ns, &zone);
    if (split && memo.set && memo.nzone == zone.n && memcmp(memo.prefix, s.p, 16) == 0 &&
        memcmp(memo.zone, zone.p, zone.n) == 0) {
        *ns = memo.base + sec_ns;
        return true;
    }
    char buf[72];
    memcpy(buf, s.p, s.n);
    size_t n = s.n;
    /* "-0600" (Suricata) becomes "-06:00" for the shared parser. */
    if (n > 5 && (buf[n - 5] == '+' || buf[n - 5] == '-') && buf[n - 3] != ':' && buf[n - 4] >= '0' &&
        buf[n - 4] <= '9' && buf[n - 1] >= '0' && buf[n - 1] <= '9') {
        buf[n] = buf[n - 1];
        buf[n - 1] = buf[n - 2];
        buf[n - 2] = ':';
        n++;
    }
    if (!ts_parse_iso8601_ns(ts_str_make(buf, n), ns))
        return false;
    if (split) {
        memcpy(memo.prefix, s.p, 16);
        memcpy(memo.zone, zone.p, zone.n);
        memo.nzone = zone.n;
        memo.base = *ns - sec_ns;
        memo.set = true;
    }
    return true;
}

bool rd_time(ts_str s, int64_t *ns)
{
    *ns = 0;
    if (s.n == 0)
        return false;
    if (s.n < 64 && s.n > 10 && (s.p[4] == '-' || s.p[4] == '/'))
        return iso_time(s, ns);
    return ts_parse_epoch_ns(s, ns);
}

bool rd_port(ts_str s, uint16_t *port)
{
    uint64_t v;
    if (!ts_parse_u64(s, &v) || v > 65535)
        return false;
    *port = (uint16_t)v;
    return true;
}

/* The common case, a plain dotted quad without leading zeros, parsed inline; anything
 * else is left to ts_ip_parse, which has the last word. */
static bool ip4_fast(ts_str s, ts_ip *ip)
{
    uint8_t b[4];
    size_t i = 0;
    for (int k = 0; k < 4; k++) {
        unsigned v = 0, digits = 0;
        while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(s.p[i++] - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && s.p[i - digits] == '0'))
            return false;
        b[k] = (uint8_t)v;
        if (k < 3 && (i >= s.n || s.p[i++] != '.'))
            return false;
    }
    if (i != s.n)
        return false;
    memset(ip, 0, sizeof *ip);
    ip->v = 4;
    memcpy(ip->b, b, 4);
    return true;
}

void rd_ip(ts_str s, ts_ip *ip)
{
    if (s.n && !ip4_fast(s, ip) && !ts_ip_parse(s, ip))
        memset(ip, 0, sizeof *ip);
}

ts_str rd_cat(ts_arena *a, ts_str x, ts_str y, ts_str z)
{
    size_t n = x.n + y.n + z.n;
    char *p = ts_arena_alloc(a, n + 1);
    if (!p)
        return TS_STR_NULL;
    char *q = p;
    if (x.n)
        memcpy(q, x.p, x.n), q += x.n;
    if (y.n)
        memcpy(q, y.p, y.n), q += y.n;
    if (z.n)
        memcpy(q, z.p, z.n), q += z.n;
    *q = '\0';
    return ts_str_make(p, n);
}

const char *rd_find(const char *hay, size_t n, const char *needle)
{
    return n ? memmem(hay, n, needle, strlen(needle)) : NULL;
}

ts_str rd_first_line(const char *head, size_t len)
{
    size_t i = 0;
    while (i < len && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
        i++;
    const char *nl = memchr(head + i, '\n', len - i);
    size_t e = nl ? (size_t)(nl - head) : len;
    while (e > i && (head[e - 1] == '\r' || head[e - 1] == ' '))
        e--;
    return ts_str_make(head + i, e - i);
}

void rd_bool_outcome(ts_event *ev, ts_str v)
{
    if (RD_EQ(v, "T") || RD_EQ(v, "true"))
        ev->outcome = TS_OUTCOME_SUCCESS;
    else if (RD_EQ(v, "F") || RD_EQ(v, "false"))
        ev->outcome = TS_OUTCOME_FAILURE;
}

tocsin_code rd_lines(rd_ctx *c, const rd_line_ops *ops, void *st)
{
    tocsin_code rc;
    for (;;) {
        const char *p;
        size_t n;
        rc = ts_input_line(c->in, &p, &n);
        if (rc == TOCSIN_E_TOOLONG && ops->too_long && ops->too_long(c, st, ts_input_lineno(c->in)))
            continue;
        if (rc != TOCSIN_OK) {
            if ((rc = rd_input_error(c, rc)) != TOCSIN_OK)
                break;
            continue;
        }
        if (!p)
            break;
        if (ops->flags & RD_TRIM)
            while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
                n--;
        if (!n && (ops->flags & RD_SKIP_EMPTY))
            continue;
        uint64_t line = ts_input_lineno(c->in);
        if ((rc = ops->line(c, st, p, n, line)) != TOCSIN_OK) {
            rd_error(c, line, 0, rc, "%s; the rest of the input is not read", tocsin_strerror(rc));
            break;
        }
    }
    if (ops->end)
        ops->end(c, st, rc);
    return rc;
}

/* One record's bytes: parse, walk, map. Returns the error, not yet reported, with *why set
 * (valid until the next record). */
static tocsin_code json_record(rd_ctx *c, const rd_json_ops *ops, void *st, const char *p, size_t n,
                               uint64_t line, uint64_t record, const char **why)
{
    rd_begin(c, line, record);
    ops->begin(st);
    tocsin_code rc = ts_json_walk(c->s->json, p, n, ops->leaf, st, why);
    if (rc == TOCSIN_OK)
        ops->done(st);
    else if (rc == TOCSIN_E_PARSE && !ts_utf8_valid(p, n))
        rc = TOCSIN_E_ENCODING;
    return rc;
}

static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    return true;
}

/* A record written over several lines (pretty-printed, as `jq .` writes), gathered until its
 * braces balance. Only a line that fails alone and leaves an object open starts one, so one
 * record per line costs nothing more. */
typedef struct multi {
    char *buf;
    size_t n, cap;
    long depth;     /* containers open */
    uint64_t first; /* line it starts on */
    char last;      /* last byte that is not blank, to tell where a value may follow */
    bool active;
    bool indented; /* its second line is indented: later lines at column 0 are '}' or new */
    bool over;     /* past TS_MAX_RECORD: scanned to its end, not kept */
    size_t lines;
} multi;

/* Adds the containers p[0..n) opens less those it closes to *depth; false when the line
 * ends inside a string (a JSON string never holds a raw line break). */
static bool balance(const char *p, size_t n, long *depth, char *last)
{
    bool str = false;
    for (size_t i = 0; i < n; i++) {
        char b = p[i];
        if (str) {
            if (b == '\\')
                i++;
            else if (b == '"')
                str = false, *last = '"';
            continue;
        }
        if (b == '"')
            str = true;
        else if (b == '{' || b == '[')
            ++*depth;
        else if (b == '}' || b == ']')
            --*depth;
        if (b != ' ' && b != '\t' && b != '\r')
            *last = b;
    }
    return !str;
}

/* A pretty-printed record's lines end with '{', '[', ',' or ':' unless the next one closes
 * a container. */
static bool open_end(char last)
{
    return last == '{' || last == '[' || last == ',' || last == ':';
}

/* Whether line p[0..n) goes on with m rather than showing m broken (and maybe beginning a
 * new record): inside a valid record a '{' follows ':', ',' or '[', and in an indented one
 * never sits at column 0; a line that is a whole object alone is the next record. */
static bool continues(const multi *m, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
        i++;
    if (i == n || p[i] == '}' || p[i] == ']')
        return true;
    if (!open_end(m->last))
        return false;
    if (p[0] != '{')
        return true;
    if (m->indented || m->last == '{')
        return false;
    long d = 0;
    char last = 0;
    return !(balance(p, n, &d, &last) && d == 0 && last == '}');
}

static tocsin_code multi_add(multi *m, const char *p, size_t n)
{
    if (m->lines++ == 1)
        m->indented = n && (p[0] == ' ' || p[0] == '\t');
    balance(p, n, &m->depth, &m->last);
    if (m->over)
        return TOCSIN_OK;
    if (m->n + n + 1 > TS_MAX_RECORD) {
        m->over = true;
        return TOCSIN_OK;
    }
    if (!ts_vec_grow(m->buf, m->cap, m->n + n + 1 + TS_JSON_PAD, TS_VEC_NOCAP))
        return TOCSIN_E_NOMEM;
    memcpy(m->buf + m->n, p, n);
    m->n += n;
    m->buf[m->n++] = '\n';
    return TOCSIN_OK;
}

/* The gathered record ends: parsed when whole, else reported once, by its first line. */
static void multi_end(rd_ctx *c, const rd_json_ops *ops, void *st, multi *m, bool closed)
{
    const char *why;
    uint64_t last = m->first + m->lines - 1;
    m->active = false;
    if (m->over) {
        rd_error(c, m->first, 0, TOCSIN_E_TOOLONG,
                 "JSON record of lines %llu-%llu is longer than the %u-byte limit; skipped",
                 (unsigned long long)m->first, (unsigned long long)last, TS_MAX_RECORD);
        return;
    }
    if (!closed) {
        rd_error(c, m->first, 0, TOCSIN_E_PARSE, "JSON record not closed by line %llu; skipped",
                 (unsigned long long)last);
        return;
    }
    memset(m->buf + m->n, 0, TS_JSON_PAD);
    tocsin_code rc = json_record(c, ops, st, m->buf, m->n, m->first, 0, &why);
    if (rc != TOCSIN_OK)
        rd_error(c, m->first, 0, rc, "%s", why);
}

/* One line of JSON lines: a record, the start of one spread over lines, or a bad record. */
static tocsin_code json_line(rd_ctx *c, const rd_json_ops *ops, void *st, multi *m, const char *p, size_t n,
                             uint64_t line)
{
    const char *why;
    tocsin_code rc = json_record(c, ops, st, p, n, line, 0, &why);
    if (rc == TOCSIN_OK)
        return TOCSIN_OK;
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    long depth = 0;
    char last = 0;
    if (i < n && p[i] == '{' && balance(p, n, &depth, &last) && depth > 0 && open_end(last)) {
        *m = (multi){.buf = m->buf, .cap = m->cap, .first = line, .active = true};
        return multi_add(m, p, n);
    }
    rd_error(c, line, 0, rc, "%s", why);
    return TOCSIN_OK;
}

/* JSON lines over rd_lines: the reader's walk, and the record being gathered over lines. */
typedef struct json_lines_st {
    const rd_json_ops *ops;
    void *st;
    multi m;
} json_lines_st;

static tocsin_code jl_line(rd_ctx *c, void *ud, const char *p, size_t n, uint64_t line)
{
    json_lines_st *j = ud;
    multi *m = &j->m;
    if (m->active) {
        if (continues(m, p, n)) {
            tocsin_code rc = multi_add(m, p, n);
            if (rc == TOCSIN_OK && m->depth <= 0)
                multi_end(c, j->ops, j->st, m, true);
            return rc;
        }
        multi_end(c, j->ops, j->st, m, false);
    }
    return blank(p, n) ? TOCSIN_OK : json_line(c, j->ops, j->st, m, p, n, line);
}

/* An over-long line inside a gathered record makes the record too long. */
static bool jl_too_long(rd_ctx *c, void *ud, uint64_t line)
{
    (void)c, (void)line;
    multi *m = &((json_lines_st *)ud)->m;
    if (!m->active)
        return false;
    m->over = true;
    m->lines++;
    return true;
}

/* A record still gathered when reading ends is reported, not dropped unsaid. */
static void jl_end(rd_ctx *c, void *ud, tocsin_code rc)
{
    json_lines_st *j = ud;
    (void)rc;
    if (j->m.active)
        multi_end(c, j->ops, j->st, &j->m, false);
}

static tocsin_code json_lines(rd_ctx *c, const rd_json_ops *ops, void *st)
{
    static const rd_line_ops lines = {jl_line, jl_too_long, jl_end, 0};
    json_lines_st j = {ops, st, {0}};
    tocsin_code rc = rd_lines(c, &lines, &j);
    free(j.m.buf);
    return rc;
}

tocsin_code rd_json_records(rd_ctx *c, const rd_json_ops *ops, void *st)
{
    const char *head;
    size_t hn = ts_input_peek(c->in, &head);
    ts_str first = rd_first_line(head, hn);
    if (!first.n || first.p[0] != '[')
        return json_lines(c, ops, st);
    uint64_t index = 0;
    for (;;) {
        const char *p;
        size_t n;
        const char *why;
        tocsin_code rc = ts_input_json_element(c->in, &p, &n);
        if (rc != TOCSIN_OK) {
            if ((rc = rd_input_error(c, rc)) != TOCSIN_OK)
                return rc;
            continue;
        }
        if (!p)
            return TOCSIN_OK;
        uint64_t line = ts_input_lineno(c->in);
        if ((rc = json_record(c, ops, st, p, n, line, ++index, &why)) != TOCSIN_OK)
            rd_error(c, line, index, rc, "%s", why);
    }
}
