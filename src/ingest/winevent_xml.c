/* winevent_xml.c: reader for Windows events as XML: one <Event> per line as wevtutil qe
 * /f:xml and Splunk's XmlWinEventLog exports write them, several on one line, or one
 * pretty-printed over many lines (Get-WinEvent's ToXml(), Event Viewer's "Save as XML",
 * an <Events> root around them). The fields are the ones the JSON and EVTX readers give
 * (winxml.c), normalised by the same code, so a Sigma rule fires the same way. */
#include <stdlib.h>
#include <string.h>

#include "core/vec.h"
#include "ingest/winxml.h"

#define END_TAG "</Event>"

/* An event that spans lines, collected until its end tag. */
typedef struct xacc {
    char *buf;
    size_t n, cap;
    uint64_t line; /* where it started */
    bool open;
} xacc;

static bool acc_put(xacc *a, const char *p, size_t n)
{
    if (!ts_vec_grow(a->buf, a->cap, a->n + n + 1, TS_VEC_NOCAP))
        return false;
    memcpy(a->buf + a->n, p, n);
    a->n += n;
    return true;
}

static bool has_field(const ts_event *ev, const char *key)
{
    return ts_event_field(ev, key).p != NULL;
}

/* One event's text: fields, normalisation, and a word about what could not be read. */
static void record(rd_ctx *c, const char *p, size_t n, uint64_t line)
{
    rd_begin(c, line, 0);
    const char *err = ts_winxml_fields(c, p, n);
    ts_event *ev = &c->s->ev;
    ev->fields = c->s->fields.v;
    ev->n_fields = c->s->fields.n;
    if (err && !has_field(ev, "EventID")) {
        rd_error(c, line, 0, TOCSIN_E_PARSE, "%s (no EventID read before it)", err);
        return;
    }
    if (ts_winxml_linux_sysmon(ev))
        ts_linux_sysmon_normalise(ev);
    else
        ts_winevent_normalise(ev);
    ts_str id = ts_event_field(ev, "EventID");
    if (err)
        rd_warn(c, line, 0, "%s; the fields before it are kept", err);
    else if (!ev->has_code)
        rd_warn(c, line, 0, "EventID \"%.*s\" is not a number; the event is kept without it",
                (int)(id.n > 32 ? 32 : id.n), id.p);
    else if (!ev->ts_ns)
        rd_warn(c, line, 0, "no usable TimeCreated SystemTime; the event is kept without a time");
    rd_emit(c);
}

/* Lines outside events that a Windows XML export holds: its declaration and <Events> root. */
static bool wrapper(const char *p, size_t n)
{
    ts_str l = ts_str_trim(ts_str_make(p, n));
    return !l.n || ts_str_istarts(l, "<?xml") || ts_str_istarts(l, "<Events") ||
           ts_str_istarts(l, "</Events");
}

/* Feeds one line: events that close on it are read, one left open is collected in a. */
static tocsin_code feed(rd_ctx *c, void *acc, const char *p, size_t n, uint64_t line)
{
    xacc *a = acc;
    while (n) {
        if (a->open) {
            const char *e = rd_find(p, n, END_TAG);
            size_t take = e ? (size_t)(e - p) + sizeof END_TAG - 1 : n;
            if (a->n + take + 1 > TS_MAX_RECORD) {
                rd_error(c, a->line, 0, TOCSIN_E_TOOLONG, "an event longer than the limit; skipped");
                a->open = false;
                a->n = 0;
                if (!e)
                    return TOCSIN_OK;
            } else if (!acc_put(a, "\n", 1) || !acc_put(a, p, take)) {
                return TOCSIN_E_NOMEM;
            } else if (e) {
                record(c, a->buf, a->n, a->line);
                a->open = false;
                a->n = 0;
            }
            p += take, n -= take;
            continue;
        }
        size_t at = ts_winxml_find(p, n);
        if (at == n) {
            if (!wrapper(p, n))
                rd_error(c, line, 0, TOCSIN_E_PARSE, "not a Windows event in XML");
            return TOCSIN_OK;
        }
        if (!wrapper(p, at))
            rd_error(c, line, 0, TOCSIN_E_PARSE, "text before an <Event> element");
        p += at, n -= at;
        const char *e = rd_find(p, n, END_TAG);
        if (e) { /* the usual case: the whole event on this line, read in place */
            size_t len = (size_t)(e - p) + sizeof END_TAG - 1;
            record(c, p, len, line);
            p += len, n -= len;
            continue;
        }
        a->open = true;
        a->line = line;
        a->n = 0;
        if (!acc_put(a, p, n))
            return TOCSIN_E_NOMEM;
        return TOCSIN_OK;
    }
    return TOCSIN_OK;
}

static void wx_end(rd_ctx *c, void *acc, tocsin_code rc)
{
    xacc *a = acc;
    (void)rc;
    if (a->open) /* the file ends inside an event: what was read of it is kept */
        record(c, a->buf, a->n, a->line);
}

static tocsin_code wx_read(ts_input *in, ts_scratch *scratch, const ts_sink *sink)
{
    static const rd_line_ops ops = {.line = feed, .end = wx_end};
    rd_ctx c = rd_make(in, scratch, sink);
    xacc a = {0};
    tocsin_code rc = rd_lines(&c, &ops, &a);
    free(a.buf);
    return rc;
}

static int wx_sniff(const char *head, size_t len)
{
    size_t at = ts_winxml_find(head, len);
    if (at == len || !wrapper(head, at))
        return 0;
    size_t n = len < 8192 ? len : 8192;
    if (!rd_find(head + at, n - (at < n ? at : n), "<System>"))
        return 0;
    /* Sysmon for Linux events without their syslog header are read here too, but a
     * syslog file of them is the sysmon-linux reader's. */
    return 90;
}

const ts_reader ts_reader_winevent_xml = {
    .name = "winevent-xml",
    .summary = "Windows events as XML: wevtutil /f:xml, XmlWinEventLog exports, ToXml() (lines or pretty)",
    .sniff = wx_sniff,
    .read = wx_read,
};
