/* sysmon_linux.c: reader for Sysmon for Linux: each event is a syslog line whose message
 * is the event in Windows' XML ("Nov 24 08:30:01 host sysmon: <Event><System><Provider
 * Name="Linux-Sysmon" ..."), in /var/log/syslog, /var/log/messages or the journal. The
 * event keeps Sysmon's own field names (Image, CommandLine, ParentImage, User,
 * DestinationIp ...), the names Sigma's Linux process_creation, network_connection and
 * file_event rules use; dataset linux.sysmon. A syslog file where Sysmon is one program
 * among others is linux-auth's, which hands these lines here (ts_sysmon_linux_event). */
#include <string.h>

#include "ingest/winxml.h"

static const struct {
    uint32_t id;
    const char *action;
    uint32_t category, type; /* event.category, event.type */
} kinds[] = {
    {1, "process-created", TS_CAT_PROCESS, TS_TYPE_START},
    {3, "network-connection", TS_CAT_NETWORK, TS_TYPE_CONNECTION | TS_TYPE_START},
    {4, "sysmon-state-changed", TS_CAT_HOST, TS_TYPE_CHANGE},
    {5, "process-terminated", TS_CAT_PROCESS, TS_TYPE_END},
    {9, "raw-access-read", TS_CAT_FILE, TS_TYPE_ACCESS},
    {11, "file-created", TS_CAT_FILE, TS_TYPE_CREATION},
    {16, "sysmon-config-changed", TS_CAT_HOST, TS_TYPE_CHANGE},
    {23, "file-deleted", TS_CAT_FILE, TS_TYPE_DELETION},
};

void ts_linux_sysmon_normalise(ts_event *ev)
{
    ts_winevent_normalise(ev); /* the fields Sysmon names alike on both systems */
    ev->dataset = TS_STR_LIT("linux.sysmon");
    ev->category = TS_CAT_HOST;
    ev->action = TS_STR_NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (ev->has_code && kinds[i].id == ev->code) {
            ev->action = ts_str_c(kinds[i].action);
            ev->category = kinds[i].category;
            ev->type = kinds[i].type;
        }
}

void ts_sysmon_linux_event(rd_ctx *c, uint64_t line, const char *p, size_t n)
{
    rd_begin(c, line, 0);
    const char *err = ts_winxml_fields(c, p, n);
    ts_event *ev = &c->s->ev;
    ev->fields = c->s->fields.v;
    ev->n_fields = c->s->fields.n;
    if (err && !ts_event_field(ev, "EventID").p) {
        rd_error(c, line, 0, TOCSIN_E_PARSE, "Sysmon event: %s (no EventID read before it)", err);
        return;
    }
    if (ts_winxml_linux_sysmon(ev))
        ts_linux_sysmon_normalise(ev);
    else /* another program's Windows event: named as the Windows readers name it */
        ts_winevent_normalise(ev);
    if (err) /* rsyslog cuts lines at its size limit: what came before is still the event */
        rd_warn(c, line, 0, "Sysmon event: %s; the fields before it are kept", err);
    else if (!ev->has_code)
        rd_warn(c, line, 0, "Sysmon event: EventID is not a number; the event is kept without it");
    else if (!ev->ts_ns)
        rd_warn(c, line, 0, "Sysmon event: no usable TimeCreated SystemTime; kept without a time");
    rd_emit(c);
}

/* A line that is not a Sysmon event, in a file of them: kept as the syslog text it is. */
static void other_line(rd_ctx *c, uint64_t line, const char *p, size_t n)
{
    rd_begin(c, line, 0);
    ts_event *ev = &c->s->ev;
    ev->dataset = TS_STR_LIT("linux.syslog");
    ev->category = TS_CAT_HOST;
    rd_field(c, TS_STR_LIT("message"), ts_str_make(p, n));
    rd_emit(c);
}

static tocsin_code sl_line(rd_ctx *c, void *st, const char *p, size_t n, uint64_t line)
{
    (void)st;
    size_t at = ts_winxml_find(p, n);
    if (at < n)
        ts_sysmon_linux_event(c, line, p + at, n - at);
    else
        other_line(c, line, p, n);
    return TOCSIN_OK;
}

static tocsin_code sl_read(ts_input *in, ts_scratch *scratch, const ts_sink *sink)
{
    static const rd_line_ops ops = {.line = sl_line, .flags = RD_TRIM | RD_SKIP_EMPTY};
    rd_ctx c = rd_make(in, scratch, sink);
    return rd_lines(&c, &ops, NULL);
}

/* The first line is a Sysmon for Linux event, with a syslog header or none. */
static int sl_sniff(const char *head, size_t len)
{
    ts_str l = rd_first_line(head, len);
    size_t at = ts_winxml_find(l.p, l.n);
    if (at == l.n || at > 512)
        return 0;
    return rd_find(l.p + at, l.n - at, "<Provider Name=\"Linux-Sysmon\"") ||
                   rd_find(l.p + at, l.n - at, "<Provider Name='Linux-Sysmon'")
               ? 95
               : 0;
}

const ts_reader ts_reader_sysmon_linux = {
    .name = "sysmon-linux",
    .summary = "Sysmon for Linux: syslog lines carrying the event's XML (process, network, file events)",
    .sniff = sl_sniff,
    .read = sl_read,
};
