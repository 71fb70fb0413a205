/* winevent_json.c: reader for Windows events as JSON: evtx_dump's {"Event":{"System":..,
 * "EventData":..}} (one per line or pretty-printed, several per file; xmltodict's "@Name"
 * attributes too), Winlogbeat/ECS, and NXLog's flat records (im_msvistalog: System values
 * under NXLog's names and the event data at the top level). */
#include <stdlib.h>
#include <string.h>

#include "core/vec.h"
#include "ingest/rd.h"

typedef struct wj_state {
    rd_ctx *c;
    ts_str timestamp, host_name; /* Winlogbeat's @timestamp and host.name */
    ts_str created;              /* a flat record's TimeCreated (NXLog): the event's own time */
    ts_str data_name;            /* the Name of the <Data> element whose text comes next */
} wj_state;

static bool ends_with(ts_str s, const char *suffix)
{
    size_t n = strlen(suffix);
    return s.n >= n && memcmp(s.p + s.n - n, suffix, n) == 0;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* Case-insensitive prefix test against a literal of known length (the exact case first:
 * it is the case evtx_dump writes). */
static bool istarts(ts_str s, const char *lit, size_t n)
{
    if (s.n < n)
        return false;
    if (memcmp(s.p, lit, n) == 0)
        return true;
    for (size_t i = 0; i < n; i++)
        if (lower(s.p[i]) != lower(lit[i]))
            return false;
    return true;
}
#define ISTARTS(s, lit) istarts(s, lit, sizeof(lit) - 1)

/* Splits "Elem.#attributes.Attr" (evtx_dump) or "Elem.@Attr" (xmltodict) at the marker:
 * the first ".#attributes.", else the first ".@". One pass over the dots of r. */
static bool attribute(ts_str r, ts_str *elem, ts_str *attr)
{
    const char *at = NULL, *end = r.p + r.n;
    size_t skip = 0;
    for (const char *d = r.n ? memchr(r.p, '.', r.n) : NULL; d;
         d = memchr(d + 1, '.', (size_t)(end - d - 1))) {
        size_t left = (size_t)(end - d);
        if (left >= 13 && memcmp(d, ".#attributes.", 13) == 0) {
            at = d, skip = 13;
            break;
        }
        if (!at && left >= 2 && d[1] == '@')
            at = d, skip = 2;
    }
    if (!at)
        return false;
    *elem = ts_str_make(r.p, (size_t)(at - r.p));
    *attr = ts_str_make(at + skip, r.n - (size_t)(at - r.p) - skip);
    return true;
}

/* "Event.System.R": Sigma's names for System values ("EventID", "Provider_Name",
 * "TimeCreated_SystemTime": element, underscore, attribute). */
static ts_str system_key(ts_arena *a, ts_str r)
{
    if (ends_with(r, ".#text"))
        r.n -= 6;
    ts_str elem, attr;
    if (!attribute(r, &elem, &attr))
        return r;
    static const ts_str known[] = {TS_STR_LIT("Provider_Name"),          TS_STR_LIT("Provider_Guid"),
                                   TS_STR_LIT("TimeCreated_SystemTime"), TS_STR_LIT("Execution_ProcessID"),
                                   TS_STR_LIT("Execution_ThreadID"),     TS_STR_LIT("Security_UserID")};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        ts_str k = known[i];
        if (elem.n + 1 + attr.n == k.n && memcmp(k.p, elem.p, elem.n) == 0 && k.p[elem.n] == '_' &&
            memcmp(k.p + elem.n + 1, attr.p, attr.n) == 0)
            return k;
    }
    return rd_cat(a, elem, TS_STR_LIT("_"), attr);
}

/* An EventData/UserData value's key: its name. <Data Name="X">v</Data> written as an
 * element with a Name attribute then its text ({"@Name":"X","#text":"v"}) is keyed X;
 * other attributes are not data. */
static ts_str data_key(wj_state *st, ts_str r, ts_str v)
{
    ts_str elem, attr;
    if (ISTARTS(r, "#attributes") || (r.n && r.p[0] == '@'))
        return TS_STR_NULL;
    if (attribute(r, &elem, &attr)) {
        if (RD_EQ(elem, "Data") && RD_EQ(attr, "Name"))
            st->data_name = v;
        return TS_STR_NULL;
    }
    ts_str name = st->data_name;
    st->data_name = TS_STR_NULL;
    if (RD_EQ(r, "Data.#text") && name.n)
        return name;
    if (RD_EQ(r, "#text") || RD_EQ(r, "Data.#text"))
        return TS_STR_LIT("Data"); /* unnamed <Data> */
    if (ends_with(r, ".#text"))
        r.n -= 6;
    return r;
}

static ts_str after(ts_str k, size_t n)
{
    return ts_str_make(k.p + n, k.n - n);
}

/* evtx_dump's (and xmltodict's) paths under "Event.". */
static ts_str evtx_key(wj_state *st, ts_str k, ts_str v)
{
    if (ISTARTS(k, "Event.EventData."))
        return data_key(st, after(k, 16), v);
    if (ISTARTS(k, "Event.System."))
        return system_key(&st->c->s->arena, after(k, 13));
    if (ISTARTS(k, "Event.UserData.")) {
        ts_str r = after(k, 15); /* "<Element>.<Name>": the element only wraps */
        const char *dot = memchr(r.p, '.', r.n);
        return dot ? data_key(st, after(r, (size_t)(dot - r.p) + 1), v) : r;
    }
    if (ISTARTS(k, "Event.#attributes") || ISTARTS(k, "Event.@"))
        return TS_STR_NULL;
    return after(k, 6);
}

/* A literal with its length, so that the lookup below, run for every field of every record,
 * compares lengths first and never measures a string (strlen here was 9% of a hunt's CPU). */
#define WJ_LIT(s)          \
    {                      \
        (s), sizeof(s) - 1 \
    }

/* Whether k starts with prefix (lower case), ASCII case-insensitive. */
static bool starts_with(ts_str k, ts_str prefix)
{
    if (k.n < prefix.n)
        return false;
    for (size_t i = 0; i < prefix.n; i++)
        if ((k.p[i] >= 'A' && k.p[i] <= 'Z' ? k.p[i] + ('a' - 'A') : k.p[i]) != prefix.p[i])
            return false;
    return true;
}

/* Winlogbeat's "winlog.*" names to the System names Sigma uses. */
static ts_str winlog_key(ts_str k)
{
    static const ts_str map[][2] = {
        {WJ_LIT("winlog.event_id"), WJ_LIT("EventID")},
        {WJ_LIT("winlog.channel"), WJ_LIT("Channel")},
        {WJ_LIT("winlog.provider_name"), WJ_LIT("Provider_Name")},
        {WJ_LIT("winlog.provider_guid"), WJ_LIT("Provider_Guid")},
        {WJ_LIT("winlog.computer_name"), WJ_LIT("Computer")},
        {WJ_LIT("winlog.record_id"), WJ_LIT("EventRecordID")},
        {WJ_LIT("winlog.process.pid"), WJ_LIT("Execution_ProcessID")},
        {WJ_LIT("winlog.process.thread.id"), WJ_LIT("Execution_ThreadID")},
        {WJ_LIT("winlog.user.identifier"), WJ_LIT("Security_UserID")},
        {WJ_LIT("winlog.task"), WJ_LIT("Task")},
        {WJ_LIT("winlog.opcode"), WJ_LIT("Opcode")},
        {WJ_LIT("winlog.keywords"), WJ_LIT("Keywords")},
        {WJ_LIT("winlog.version"), WJ_LIT("Version")},
        /* NXLog's im_msvistalog names for System values (the event data sits beside them
         * under its own names). Its EventTime is local time without a zone: not used. */
        {WJ_LIT("Hostname"), WJ_LIT("Computer")},
        {WJ_LIT("SourceName"), WJ_LIT("Provider_Name")},
        {WJ_LIT("ProviderGuid"), WJ_LIT("Provider_Guid")},
        {WJ_LIT("RecordNumber"), WJ_LIT("EventRecordID")},
        {WJ_LIT("ExecutionProcessID"), WJ_LIT("Execution_ProcessID")},
        {WJ_LIT("ThreadID"), WJ_LIT("Execution_ThreadID")},
        {WJ_LIT("UserID"), WJ_LIT("Security_UserID")},
        {WJ_LIT("TimeCreated"), WJ_LIT("TimeCreated_SystemTime")},
        /* Winlogbeat before 7.0 kept these at the top level. */
        {WJ_LIT("event_id"), WJ_LIT("EventID")},
        {WJ_LIT("log_name"), WJ_LIT("Channel")},
        {WJ_LIT("source_name"), WJ_LIT("Provider_Name")},
        {WJ_LIT("computer_name"), WJ_LIT("Computer")},
        {WJ_LIT("record_number"), WJ_LIT("EventRecordID")},
    };
    static const ts_str event_data = WJ_LIT("winlog.event_data."), user_data = WJ_LIT("winlog.user_data."),
                        old_event_data = WJ_LIT("event_data.");
    if (starts_with(k, event_data))
        return after(k, event_data.n);
    if (starts_with(k, user_data))
        return after(k, user_data.n);
    if (starts_with(k, old_event_data))
        return after(k, old_event_data.n);
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (k.n == map[i][0].n && memcmp(k.p, map[i][0].p, k.n) == 0)
            return map[i][1];
    return k;
}

static int wj_leaf(void *ud, const char *path, size_t plen, ts_json_type type, const char *val, size_t vlen)
{
    wj_state *st = ud;
    if (type == TS_JSON_NULL)
        return 0;
    ts_str k = ts_str_make(path, plen), v = ts_str_make(val, vlen);
    if (plen > 6 && memcmp(path, "Event.", 6) == 0) {
        k = evtx_key(st, k, v);
        if (!k.n)
            return 0;
    } else {
        if (RD_EQ(k, "@timestamp"))
            st->timestamp = v;
        else if (RD_EQ(k, "host.name"))
            st->host_name = v;
        else if (RD_EQ(k, "TimeCreated"))
            st->created = v;
        k = winlog_key(k);
    }
    rd_field(st->c, k, v);
    return 0;
}

static void wj_begin(void *ud)
{
    wj_state *st = ud;
    st->timestamp = st->host_name = st->data_name = st->created = TS_STR_NULL;
}

static void wj_done(void *ud)
{
    wj_state *st = ud;
    ts_scratch *s = st->c->s;
    ts_event *ev = &s->ev;
    ev->fields = s->fields.v;
    ev->n_fields = s->fields.n;
    /* A collector's @timestamp is when it received the event: the event's own time first. */
    if (!(st->created.n && rd_time(st->created, &ev->ts_ns)) && st->timestamp.n)
        rd_time(st->timestamp, &ev->ts_ns);
    ts_winevent_normalise(ev);
    if (!ev->host.n)
        ev->host = st->host_name;
    /* Read as far as it goes, and said: a record without a usable ID or time is kept. */
    ts_str id = ts_event_field(ev, "EventID");
    if (!ev->has_code && id.n)
        rd_warn(st->c, ev->line, ev->record, "EventID \"%.*s\" is not a number; the event is kept without it",
                (int)(id.n > 40 ? 40 : id.n), id.p);
    else if (!ev->has_code)
        rd_warn(st->c, ev->line, ev->record, "no EventID; the event is kept without it");
    if (!ev->ts_ns)
        rd_warn(st->c, ev->line, ev->record, "no event time that can be read; the event is kept without one");
    rd_emit(st->c);
}

/* Collects documents that may span lines (pretty-printed) or share one (compact). */
typedef struct doc_acc {
    char *buf;
    size_t n, cap;
    int depth;
    bool str, esc;
    bool skip;     /* the document went over the limit: its bytes are scanned, not kept */
    bool at_col0;  /* it started at the start of its line, as a document a line does */
    uint64_t line; /* where the document started */
} doc_acc;

static bool acc_put(doc_acc *d, const char *p, size_t n)
{
    if (!ts_vec_grow(d->buf, d->cap, d->n + n + TS_JSON_PAD, TS_VEC_NOCAP))
        return false;
    memcpy(d->buf + d->n, p, n);
    d->n += n;
    return true;
}

static void parse_doc(rd_ctx *c, wj_state *st, doc_acc *d, uint64_t record)
{
    static const rd_json_ops ops = {wj_begin, wj_leaf, wj_done};
    const char *why;
    memset(d->buf + d->n, 0, TS_JSON_PAD);
    rd_begin(c, d->line, record);
    ops.begin(st);
    tocsin_code rc = ts_json_walk(c->s->json, d->buf, d->n, ops.leaf, st, &why);
    if (rc == TOCSIN_OK)
        ops.done(st);
    else
        rd_error(c, d->line, record, ts_utf8_valid(d->buf, d->n) ? rc : TOCSIN_E_ENCODING, "%s", why);
    d->n = 0;
}

/* Index of the first '"' or '\\' in p[0..n), or n: eight bytes a step (the zero-byte test
 * of quote- and backslash-xored words; the lowest flagged byte is exact), the tail one by one. */
static size_t quote_or_escape(const char *p, size_t n)
{
    _Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the lowest byte must come first");
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
        uint64_t hit = (((q - ones) & ~q) | ((b - ones) & ~b)) & highs;
        if (hit)
            return i + (size_t)(__builtin_ctzll(hit) >> 3);
    }
    for (; i < n; i++)
        if (p[i] == '"' || p[i] == '\\')
            return i;
    return n;
}

/* The usual line, one whole document, walked in place (lines are padded for it). False,
 * with nothing emitted, when the line is not exactly one valid document: the caller then
 * takes it byte by byte, which finds the same document when there is one. */
static bool whole_line(rd_ctx *c, wj_state *st, const char *p, size_t n, uint64_t line)
{
    if (!n || p[0] != '{')
        return false;
    rd_begin(c, line, 0);
    wj_begin(st);
    if (ts_json_walk(c->s->json, p, n, wj_leaf, st, NULL) != TOCSIN_OK)
        return false;
    wj_done(st);
    return true;
}

/* One message for a document over the limit; its remaining lines are then scanned only to
 * find its end (taken one by one, each would be reported as a bad record). */
static void over_limit(rd_ctx *c, doc_acc *d)
{
    rd_error(c, d->line, 0, TOCSIN_E_TOOLONG, "JSON object longer than the %u-byte limit; skipped",
             TS_MAX_RECORD);
    d->n = 0;
    d->skip = true;
}

/* A reading of documents over lines: the walk's state and the document being gathered. */
typedef struct wj_lines {
    wj_state st;
    doc_acc d;
} wj_lines;

/* Feeds one line; whole documents found in it are parsed as they close. */
static tocsin_code feed_line(rd_ctx *c, void *ud, const char *p, size_t n, uint64_t line)
{
    wj_lines *wl = ud;
    wj_state *st = &wl->st;
    doc_acc *d = &wl->d;
    size_t from = 0;
    if (d->depth == 0 && whole_line(c, st, p, n, line))
        return TOCSIN_OK;
    /* One document a line, and the last line's was cut short: this line is a whole document
       of its own, not the rest of that one (which would take every later line with it). */
    if (d->depth > 0 && !d->skip && d->at_col0 && d->line + 1 == line && whole_line(c, st, p, n, line)) {
        rd_error(c, d->line, 0, TOCSIN_E_PARSE,
                 "the JSON object on this line is not closed (the next line starts another); skipped");
        d->depth = 0;
        d->str = d->esc = false;
        d->n = 0;
        return TOCSIN_OK;
    }
    for (size_t i = 0; i < n; i++) {
        char b = p[i];
        if (d->depth == 0) {
            if (b == ' ' || b == '\t' || b == '\r' || b == ',')
                continue;
            if (b != '{' && b != '[') {
                /* Not JSON: evtx_dump's "Record N" separators are expected, and so is the
                 * macOS metadata (an AppleDouble block, magic 00 05 16 07) that archiving
                 * on a Mac appends to a file; the rest is bad. */
                if (!(n > 7 && memcmp(p, "Record ", 7) == 0) && !(n >= 4 && memcmp(p, "\0\5\26\7", 4) == 0))
                    rd_error(c, line, 0, TOCSIN_E_PARSE, "not a JSON object");
                return TOCSIN_OK;
            }
            d->line = line;
            d->at_col0 = i == 0;
            from = i;
        }
        if (d->str) {
            if (d->esc) {
                d->esc = false;
                continue;
            }
            i += quote_or_escape(p + i, n - i); /* the string's plain bytes need no look */
            if (i == n)
                break;
            if (p[i] == '\\')
                d->esc = true;
            else
                d->str = false;
        } else if (b == '"') {
            d->str = true;
        } else if (b == '{' || b == '[') {
            d->depth++;
        } else if ((b == '}' || b == ']') && --d->depth == 0) {
            if (d->skip)
                d->skip = false; /* the end of the over-long document: reported already */
            else if (!acc_put(d, p + from, i + 1 - from))
                return TOCSIN_E_NOMEM;
            else
                parse_doc(c, st, d, 0);
            from = i + 1;
        }
    }
    if (d->depth > 0 && !d->skip) {
        if (d->n + n - from > TS_MAX_RECORD) {
            over_limit(c, d);
            return TOCSIN_OK;
        }
        if (!acc_put(d, p + from, n - from) || !acc_put(d, "\n", 1))
            return TOCSIN_E_NOMEM;
    }
    return TOCSIN_OK;
}

/* An over-long line inside a document: the document is over the limit. */
static bool wj_too_long(rd_ctx *c, void *ud, uint64_t line)
{
    wj_lines *wl = ud;
    (void)line;
    if (wl->d.depth == 0)
        return false;
    if (!wl->d.skip)
        over_limit(c, &wl->d);
    return true;
}

/* A document still open when reading ends (the file ends early, or reading stopped) is said. */
static void wj_end(rd_ctx *c, void *ud, tocsin_code rc)
{
    wj_lines *wl = ud;
    (void)rc;
    if (wl->d.depth > 0 && !wl->d.skip)
        rd_error(c, wl->d.line, 0, TOCSIN_E_TRUNCATED, "the JSON object starting here is not closed");
}

static tocsin_code wj_read(ts_input *in, ts_scratch *scratch, const ts_sink *sink)
{
    rd_ctx c = rd_make(in, scratch, sink);
    wj_lines wl = {.st = {.c = &c}};
    const char *head;
    size_t hn = ts_input_peek(in, &head);
    ts_str first = rd_first_line(head, hn);
    if (first.n && first.p[0] == '[' && (first.n == 1 || first.p[1] != ']')) {
        static const rd_json_ops ops = {wj_begin, wj_leaf, wj_done};
        return rd_json_records(&c, &ops, &wl.st);
    }
    static const rd_line_ops lines = {.line = feed_line, .too_long = wj_too_long, .end = wj_end};
    tocsin_code rc = rd_lines(&c, &lines, &wl);
    free(wl.d.buf);
    return rc;
}

static int wj_sniff(const char *head, size_t len)
{
    ts_str l = rd_first_line(head, len);
    if (l.n > 7 && memcmp(l.p, "Record ", 7) == 0) { /* evtx_dump's record header */
        size_t skip = (size_t)(l.p + l.n - head);
        l = rd_first_line(head + skip, len - skip);
    }
    if (!l.n || (l.p[0] != '{' && l.p[0] != '['))
        return 0;
    size_t n = len < 512 ? len : 512;
    const char *ev = rd_find(head, n, "\"Event\"");
    if (ev && rd_find(head, len < 4096 ? len : 4096, "\"System\""))
        return 90;
    if (rd_find(l.p, l.n, "\"winlog\"") && rd_find(l.p, l.n, "\"event_id\""))
        return 90;
    if (rd_find(l.p, l.n, "\"event_data\"") && rd_find(l.p, l.n, "\"computer_name\""))
        return 80;
    if (rd_find(l.p, l.n, "\"EventID\"") && rd_find(l.p, l.n, "\"Hostname\"") &&
        (rd_find(l.p, l.n, "\"SourceName\"") || rd_find(l.p, l.n, "\"Channel\"")))
        return 80; /* NXLog */
    return 0;
}

const ts_reader ts_reader_winevent_json = {
    .name = "winevent-json",
    .summary = "Windows events as JSON: evtx_dump output (lines or pretty) and Winlogbeat/ECS",
    .sniff = wj_sniff,
    .read = wj_read,
};
