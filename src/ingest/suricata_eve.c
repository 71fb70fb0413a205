/* suricata_eve.c: reader for Suricata EVE JSON, one object per line or one JSON array. */
#include <string.h>

#include "ingest/rd.h"

typedef struct eve_state {
    rd_ctx *c;
    ts_str event_type, hostname, url, email_from, email_to[TS_MAX_RCPT];
    uint8_t n_email_to;
} eve_state;

/* The mail address inside "<...>", as SMTP writes it. */
static ts_str bare_addr(ts_str v)
{
    ts_str t = ts_str_trim(v);
    if (t.n >= 2 && t.p[0] == '<' && t.p[t.n - 1] == '>')
        return ts_str_make(t.p + 1, t.n - 2);
    return t;
}

static ts_str transport(ts_str v)
{
    if (RD_EQ(v, "TCP"))
        return TS_STR_LIT("tcp");
    if (RD_EQ(v, "UDP"))
        return TS_STR_LIT("udp");
    if (RD_EQ(v, "ICMP"))
        return TS_STR_LIT("icmp");
    if (RD_EQ(v, "IPv6-ICMP"))
        return TS_STR_LIT("ipv6-icmp");
    return v;
}

/* Keys under "alert.", "dns.", "http.", "tls.", "fileinfo.", "smtp.", "email.", "flow.". */
static void eve_nested(eve_state *st, ts_event *ev, ts_str k, ts_str v)
{
    switch (k.p[0]) {
    case 'a':
        if (RD_EQ(k, "alert.signature"))
            ev->rule_name = v;
        else if (RD_EQ(k, "alert.action"))
            ev->action = v;
        break;
    case 'd':
        if ((RD_EQ(k, "dns.rrname") || RD_EQ(k, "dns.queries.rrname")) && !ev->domain.n)
            ev->domain = v;
        break;
    case 'h':
        if (RD_EQ(k, "http.hostname"))
            ev->domain = st->hostname = v;
        else if (RD_EQ(k, "http.url"))
            st->url = v;
        else if (RD_EQ(k, "http.http_user_agent"))
            ev->user_agent = v;
        break;
    case 't':
        if (RD_EQ(k, "tls.sni"))
            ev->domain = v;
        break;
    case 'f':
        if (RD_EQ(k, "fileinfo.filename"))
            ev->file_path = v;
        else if (RD_EQ(k, "fileinfo.md5"))
            ev->md5 = v;
        else if (RD_EQ(k, "fileinfo.sha1"))
            ev->sha1 = v;
        else if (RD_EQ(k, "fileinfo.sha256"))
            ev->sha256 = v;
        else if (RD_EQ(k, "flow.bytes_toserver"))
            ts_parse_u64(v, &ev->bytes_out);
        else if (RD_EQ(k, "flow.bytes_toclient"))
            ts_parse_u64(v, &ev->bytes_in);
        break;
    case 's':
        if (RD_EQ(k, "smtp.mail_from"))
            ev->mail_from = bare_addr(v);
        else if (RD_EQ(k, "smtp.rcpt_to") && ev->n_mail_to < TS_MAX_RCPT)
            ev->mail_to[ev->n_mail_to++] = bare_addr(v);
        break;
    case 'e':
        if (RD_EQ(k, "email.from"))
            st->email_from = bare_addr(v);
        else if (RD_EQ(k, "email.to") && st->n_email_to < TS_MAX_RCPT)
            st->email_to[st->n_email_to++] = bare_addr(v);
        else if (RD_EQ(k, "email.subject"))
            ev->mail_subject = v;
        else if (RD_EQ(k, "email.message_id"))
            ev->mail_msgid = v;
        break;
    }
}

static int eve_leaf(void *ud, const char *path, size_t plen, ts_json_type type, const char *val, size_t vlen)
{
    eve_state *st = ud;
    if (type == TS_JSON_NULL || plen == 0)
        return 0;
    ts_event *ev = &st->c->s->ev;
    ts_str k = ts_str_make(path, plen), v = ts_str_make(val, vlen);
    rd_field(st->c, k, v);
    /* Nested keys of interest all start "alert.", "dns.", ... "fileinfo.": a dot within
     * the first 9 bytes. Other keys fall through to top-level names they cannot match. */
    size_t lim = plen < 9 ? plen : 9;
    for (size_t i = 0; i < lim; i++)
        if (path[i] == '.') {
            eve_nested(st, ev, k, v);
            return 0;
        }
    if (RD_EQ(k, "timestamp"))
        rd_time(v, &ev->ts_ns);
    else if (RD_EQ(k, "event_type"))
        st->event_type = v;
    else if (RD_EQ(k, "src_ip"))
        rd_ip(v, &ev->src_ip);
    else if (RD_EQ(k, "dest_ip"))
        rd_ip(v, &ev->dst_ip);
    else if (RD_EQ(k, "src_port"))
        rd_port(v, &ev->src_port);
    else if (RD_EQ(k, "dest_port"))
        rd_port(v, &ev->dst_port);
    else if (RD_EQ(k, "proto"))
        ev->transport = transport(v);
    else if (RD_EQ(k, "app_proto"))
        ev->protocol = v;
    else if (RD_EQ(k, "host"))
        ev->host = v; /* the sensor that logged it */
    return 0;
}

static const struct {
    const char *type, *dataset;
    uint32_t category, ev_type; /* event.category, event.type */
} kinds[] = {
    {"alert", "suricata.alert", TS_CAT_NETWORK | TS_CAT_ALERT},
    {"dns", "suricata.dns", TS_CAT_NETWORK | TS_CAT_DNS},
    {"http", "suricata.http", TS_CAT_NETWORK | TS_CAT_WEB},
    {"tls", "suricata.tls", TS_CAT_NETWORK | TS_CAT_TLS},
    {"flow", "suricata.flow", TS_CAT_NETWORK | TS_CAT_SESSION, TS_TYPE_CONNECTION | TS_TYPE_END},
    {"netflow", "suricata.netflow", TS_CAT_NETWORK | TS_CAT_SESSION, TS_TYPE_CONNECTION | TS_TYPE_END},
    {"fileinfo", "suricata.fileinfo", TS_CAT_NETWORK | TS_CAT_FILE},
    {"smtp", "suricata.smtp", TS_CAT_NETWORK | TS_CAT_EMAIL},
    {"ssh", "suricata.ssh", TS_CAT_NETWORK | TS_CAT_SESSION},
    {"rdp", "suricata.rdp", TS_CAT_NETWORK | TS_CAT_AUTH | TS_CAT_SESSION,
     TS_TYPE_CONNECTION | TS_TYPE_START},
    {"anomaly", "suricata.anomaly", TS_CAT_NETWORK},
    {"drop", "suricata.drop", TS_CAT_NETWORK | TS_CAT_ALERT, TS_TYPE_DENIED},
};

static void eve_begin(void *ud)
{
    eve_state *st = ud;
    rd_ctx *c = st->c;
    memset(st, 0, sizeof *st);
    st->c = c;
}

static void eve_done(void *ud)
{
    eve_state *st = ud;
    ts_scratch *s = st->c->s;
    ts_event *ev = &s->ev;
    ev->category = TS_CAT_NETWORK;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (ts_str_eq(st->event_type, kinds[i].type)) {
            ev->dataset = ts_str_c(kinds[i].dataset);
            ev->category = kinds[i].category;
            ev->type = kinds[i].ev_type;
            break;
        }
    if (!ev->dataset.n)
        ev->dataset = st->event_type.n
                          ? rd_cat(&s->arena, TS_STR_LIT("suricata."), st->event_type, TS_STR_NULL)
                          : TS_STR_LIT("suricata.unknown");
    if (st->url.n)
        ev->url = st->hostname.n && st->url.p[0] == '/'
                      ? rd_cat(&s->arena, TS_STR_LIT("http://"), st->hostname, st->url)
                      : st->url;
    if (!ev->mail_from.n)
        ev->mail_from = st->email_from;
    if (!ev->n_mail_to) {
        memcpy(ev->mail_to, st->email_to, sizeof st->email_to);
        ev->n_mail_to = st->n_email_to;
    }
    if (ts_str_eq(st->event_type, "dns") && ev->domain.n)
        ev->action = TS_STR_LIT("dns-query");
    rd_emit(st->c);
}

static int eve_sniff(const char *head, size_t len)
{
    ts_str l = rd_first_line(head, len);
    if (!l.n)
        return 0;
    if (l.p[0] == '{')
        return rd_find(l.p, l.n, "\"event_type\"") && rd_find(l.p, l.n, "\"timestamp\"") ? 95 : 0;
    if (l.p[0] == '[' && rd_find(head, len, "\"event_type\"") && rd_find(head, len, "\"timestamp\""))
        return 95;
    return 0;
}

static tocsin_code eve_read(ts_input *in, ts_scratch *scratch, const ts_sink *sink)
{
    rd_ctx c = rd_make(in, scratch, sink);
    eve_state st = {.c = &c};
    static const rd_json_ops ops = {eve_begin, eve_leaf, eve_done};
    return rd_json_records(&c, &ops, &st);
}

const ts_reader ts_reader_suricata_eve = {
    .name = "suricata-eve",
    .summary = "Suricata EVE JSON (alert, dns, http, tls, flow, fileinfo, smtp, ...), lines or one array",
    .sniff = eve_sniff,
    .read = eve_read,
};
