/* rd.c: helpers shared by the readers: errors, event assembly, times and the JSON driver. */
#include "ingest/rd.h"

#include <stdio.h>
#include <string.h>

void rd_error(const rd_ctx *c, uint64_t line, uint64_t record, tocsin_code code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->sink->error)
        c->sink->error(c->sink->ud, c->file, line, record, code, msg);
}

void rd_warn(const rd_ctx *c, uint64_t line, uint64_t record, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->sink->warn)
        c->sink->warn(c->sink->ud, c->file, line, record, msg);
    else if (c->sink->error)
        c->sink->error(c->sink->ud, c->file, line, record, TOCSIN_E_PARSE, msg);
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
    return zone->n < sizeof ((time_memo *)0)->zone;
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
    if (n > 5 && (buf[n - 5] == '+' || buf[n - 5] == '-') && buf[n - 3] != ':' &&
        buf[n - 4] >= '0' && buf[n - 4] <= '9' && buf[n - 1] >= '0' && buf[n - 1] <= '9') {
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

/* One record's bytes: parse, walk, map. */
static void json_record(rd_ctx *c, const rd_json_ops *ops, void *st, const char *p, size_t n,
                        uint64_t record)
{
    char err[160];
    rd_begin(c, ts_input_lineno(c->in), record);
    ops->begin(st);
    tocsin_code rc = ts_json_walk(c->s->json, p, n, ops->leaf, st, err, sizeof err);
    if (rc != TOCSIN_OK) {
        if (rc == TOCSIN_E_PARSE && !ts_utf8_valid(p, n))
            rc = TOCSIN_E_ENCODING;
        rd_error(c, c->s->ev.line, record, rc, "%s", err);
        return;
    }
    ops->done(st);
}

static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    return true;
}

tocsin_code rd_json_records(rd_ctx *c, const rd_json_ops *ops, void *st)
{
    const char *head;
    size_t hn = ts_input_peek(c->in, &head);
    ts_str first = rd_first_line(head, hn);
    bool array = first.n && first.p[0] == '[';
    uint64_t index = 0;
    for (;;) {
        const char *p;
        size_t n;
        tocsin_code rc = array ? ts_input_json_element(c->in, &p, &n) : ts_input_line(c->in, &p, &n);
        if (rc != TOCSIN_OK) {
            if ((rc = rd_input_error(c, rc)) != TOCSIN_OK)
                return rc;
            continue;
        }
        if (!p)
            return TOCSIN_OK;
        if (array)
            json_record(c, ops, st, p, n, ++index);
        else if (!blank(p, n))
            json_record(c, ops, st, p, n, 0);
    }
}
