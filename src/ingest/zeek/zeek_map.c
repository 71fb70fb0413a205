/* zeek_map.c: Zeek log records (conn, dns, http, ssl, smtp, files, notice, kerberos, ntlm,
 * rdp, smb_mapping, pe and any other log's common fields) to typed events. */
#include "ingest/zeek/zeek_map.h"

#include <string.h>

#include "ingest/rd.h"

static const struct {
    const char *name;
    const char *protocol; /* network.protocol when the log implies one */
    uint32_t category, type;
    const char *action; /* event.action when the log implies one */
} logs[ZK_NLOGS] = {
    [ZK_GENERIC] = {"", "", TS_CAT_NETWORK, 0, ""},
    /* conn.log is written when a connection ends: a summary, like a Suricata flow */
    [ZK_CONN] = {"conn", "", TS_CAT_NETWORK | TS_CAT_SESSION, TS_TYPE_CONNECTION | TS_TYPE_END, ""},
    [ZK_DNS] = {"dns", "dns", TS_CAT_NETWORK | TS_CAT_DNS, 0, "dns-query"},
    [ZK_HTTP] = {"http", "http", TS_CAT_NETWORK | TS_CAT_WEB, 0, ""},
    [ZK_SSL] = {"ssl", "tls", TS_CAT_NETWORK | TS_CAT_TLS, 0, ""},
    [ZK_SMTP] = {"smtp", "smtp", TS_CAT_NETWORK | TS_CAT_EMAIL, 0, ""},
    [ZK_FILES] = {"files", "", TS_CAT_NETWORK | TS_CAT_FILE, 0, ""},
    [ZK_NOTICE] = {"notice", "", TS_CAT_NETWORK | TS_CAT_ALERT, 0, ""},
    [ZK_KERBEROS] = {"kerberos", "kerberos", TS_CAT_NETWORK | TS_CAT_AUTH, 0, ""},
    [ZK_NTLM] = {"ntlm", "ntlm", TS_CAT_NETWORK | TS_CAT_AUTH, 0, ""},
    [ZK_RDP] = {"rdp", "rdp", TS_CAT_NETWORK | TS_CAT_AUTH | TS_CAT_SESSION,
                TS_TYPE_CONNECTION | TS_TYPE_START, "remote-desktop-connection"},
    /* a share mapped over SMB: what Windows logs as 5140 on the server */
    [ZK_SMB_MAPPING] = {"smb_mapping", "smb", TS_CAT_NETWORK | TS_CAT_FILE, TS_TYPE_ACCESS,
                        "network-share-accessed"},
    /* no addresses: files.log and http.log (resp_fuids) name the transfer by the same id */
    [ZK_PE] = {"pe", "", TS_CAT_FILE, 0, ""},
};

zk_log zk_log_from_path(ts_str path)
{
    for (int i = 1; i < ZK_NLOGS; i++)
        if (ts_str_eq(path, logs[i].name))
            return (zk_log)i;
    return ZK_GENERIC;
}

ts_str zk_dataset(zk_log log, ts_str path, ts_arena *a)
{
    static const char *const names[ZK_NLOGS] = {
        [ZK_GENERIC] = "zeek.unknown", [ZK_CONN] = "zeek.conn",     [ZK_DNS] = "zeek.dns",
        [ZK_HTTP] = "zeek.http",       [ZK_SSL] = "zeek.ssl",       [ZK_SMTP] = "zeek.smtp",
        [ZK_FILES] = "zeek.files",     [ZK_NOTICE] = "zeek.notice", [ZK_KERBEROS] = "zeek.kerberos",
        [ZK_NTLM] = "zeek.ntlm",       [ZK_RDP] = "zeek.rdp",       [ZK_SMB_MAPPING] = "zeek.smb_mapping",
        [ZK_PE] = "zeek.pe",
    };
    if (log != ZK_GENERIC || !path.n)
        return ts_str_c(names[log]);
    ts_str d = rd_cat(a, TS_STR_LIT("zeek."), path, TS_STR_NULL);
    return d.n ? d : ts_str_c(names[ZK_GENERIC]);
}

/* Field names that betray a log kind, as bits. */
enum {
    H_QUERY = 1 << 0,
    H_QTYPE = 1 << 1,
    H_SERVER_NAME = 1 << 2,
    H_CIPHER = 1 << 3,
    H_MAILFROM = 1 << 4,
    H_RCPTTO = 1 << 5,
    H_HELO = 1 << 6,
    H_CONN_STATE = 1 << 7,
    H_SERVICE = 1 << 8,
    H_ORIG_BYTES = 1 << 9,
    H_METHOD = 1 << 10,
    H_URI = 1 << 11,
    H_NOTE = 1 << 12,
    H_REQUEST_TYPE = 1 << 13,
    H_CLIENT = 1 << 14,
    H_NB_NAME = 1 << 15,
    H_DOMAINNAME = 1 << 16,
    H_COOKIE = 1 << 17,
    H_SEC_PROTO = 1 << 18,
    H_SHARE_TYPE = 1 << 19,
    H_FUID = 1 << 20,
    H_HASH = 1 << 21,
    H_MIME = 1 << 22,
    H_USERNAME = 1 << 23,
};

static uint32_t hint(ts_str k)
{
    static const struct {
        const char *key;
        uint32_t bit;
    } hints[] = {
        {"query", H_QUERY},
        {"qtype", H_QTYPE},
        {"qtype_name", H_QTYPE},
        {"rcode", H_QTYPE},
        {"server_name", H_SERVER_NAME},
        {"cipher", H_CIPHER},
        {"mailfrom", H_MAILFROM},
        {"rcptto", H_RCPTTO},
        {"helo", H_HELO},
        {"conn_state", H_CONN_STATE},
        {"service", H_SERVICE},
        {"orig_bytes", H_ORIG_BYTES},
        {"method", H_METHOD},
        {"uri", H_URI},
        {"note", H_NOTE},
        {"request_type", H_REQUEST_TYPE},
        {"client", H_CLIENT},
        {"server_nb_computer_name", H_NB_NAME},
        {"domainname", H_DOMAINNAME},
        {"cookie", H_COOKIE},
        {"security_protocol", H_SEC_PROTO},
        {"share_type", H_SHARE_TYPE},
        {"fuid", H_FUID},
        {"md5", H_HASH},
        {"sha1", H_HASH},
        {"mime_type", H_MIME},
        {"seen_bytes", H_MIME},
        {"username", H_USERNAME},
    };
    for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++)
        if (ts_str_eq(k, hints[i].key))
            return hints[i].bit;
    return 0;
}

zk_log zk_log_infer(const ts_field *f, size_t n)
{
    uint32_t h = 0;
    for (size_t i = 0; i < n; i++)
        h |= hint(f[i].key);
    if (h & H_NOTE)
        return ZK_NOTICE;
    if ((h & H_QUERY) && (h & H_QTYPE))
        return ZK_DNS;
    if (h & (H_SERVER_NAME | H_CIPHER))
        return ZK_SSL;
    if (h & (H_MAILFROM | H_RCPTTO | H_HELO))
        return ZK_SMTP;
    if ((h & H_METHOD) && (h & H_URI))
        return ZK_HTTP;
    if ((h & H_REQUEST_TYPE) && (h & H_CLIENT))
        return ZK_KERBEROS;
    if ((h & H_NB_NAME) || ((h & H_DOMAINNAME) && (h & H_USERNAME)))
        return ZK_NTLM;
    if (h & (H_COOKIE | H_SEC_PROTO))
        return ZK_RDP;
    if (h & H_SHARE_TYPE)
        return ZK_SMB_MAPPING;
    if ((h & H_FUID) && (h & (H_HASH | H_MIME)))
        return ZK_FILES;
    if ((h & H_CONN_STATE) || ((h & H_SERVICE) && (h & H_ORIG_BYTES)))
        return ZK_CONN;
    return ZK_GENERIC;
}

/* What a record carries that is only usable once every field is seen. */
typedef struct map_state {
    ts_str host, uri;
    ts_str src, dst, p; /* notice without id.* */
    ts_str tx, rx;      /* files: first of tx_hosts / rx_hosts */
    ts_str header_from;
    bool has_ts, has_conn; /* a ts field; a uid or id.* field */
    zk_flaw flaw;
} map_state;

static void flaw(map_state *ms, const char *why, ts_str k, ts_str v)
{
    if (!ms->flaw.why)
        ms->flaw = (zk_flaw){why, k, v};
}

/* Every field passes here: the key's length picks the one or four names it can be. */
static void map_common(ts_event *ev, ts_str k, ts_str v, map_state *ms)
{
    switch (k.n) {
    case 2:
        if (RD_EQ(k, "ts")) {
            ms->has_ts = true;
            if (!rd_time(v, &ev->ts_ns))
                flaw(ms, "a time", k, v);
        }
        break;
    case 3:
        if (RD_EQ(k, "uid"))
            ms->has_conn = true;
        break;
    case 5:
        if (RD_EQ(k, "proto"))
            ev->transport = v;
        break;
    case 9:
        if (k.p[0] != 'i' || k.p[1] != 'd' || k.p[2] != '.')
            break;
        ms->has_conn = true;
        if (RD_EQ(k, "id.orig_h"))
            rd_ip(v, &ev->src_ip);
        else if (RD_EQ(k, "id.resp_h"))
            rd_ip(v, &ev->dst_ip);
        else if (RD_EQ(k, "id.orig_p")) {
            if (!rd_port(v, &ev->src_port))
                flaw(ms, "a port", k, v);
            break;
        } else if (RD_EQ(k, "id.resp_p")) {
            if (!rd_port(v, &ev->dst_port))
                flaw(ms, "a port", k, v);
            break;
        } else
            break;
        if (v.n && !ts_ip_set(k.p[3] == 'o' ? &ev->src_ip : &ev->dst_ip))
            flaw(ms, "an address", k, v);
        break;
    default:
        break;
    }
}

static void map_conn(ts_event *ev, ts_str k, ts_str v, map_state *ms)
{
    if (RD_EQ(k, "service"))
        ev->protocol = v;
    else if (RD_EQ(k, "orig_bytes") && !ts_parse_u64(v, &ev->bytes_out))
        flaw(ms, "a byte count", k, v);
    else if (RD_EQ(k, "resp_bytes") && !ts_parse_u64(v, &ev->bytes_in))
        flaw(ms, "a byte count", k, v);
}

static void map_smtp(ts_event *ev, ts_str k, ts_str v, map_state *ms)
{
    if (RD_EQ(k, "mailfrom"))
        ev->mail_from = v;
    else if (RD_EQ(k, "from"))
        ms->header_from = v;
    else if (RD_EQ(k, "rcptto")) {
        if (ev->n_mail_to < TS_MAX_RCPT)
            ev->mail_to[ev->n_mail_to++] = v;
    } else if (RD_EQ(k, "subject"))
        ev->mail_subject = v;
    else if (RD_EQ(k, "msg_id"))
        ev->mail_msgid = v;
}

static void map_files(ts_event *ev, ts_str k, ts_str v, map_state *ms)
{
    if (RD_EQ(k, "md5"))
        ev->md5 = v;
    else if (RD_EQ(k, "sha1"))
        ev->sha1 = v;
    else if (RD_EQ(k, "sha256"))
        ev->sha256 = v;
    else if (RD_EQ(k, "filename"))
        ev->file_path = v;
    else if (RD_EQ(k, "tx_hosts") && !ms->tx.n)
        ms->tx = v;
    else if (RD_EQ(k, "rx_hosts") && !ms->rx.n)
        ms->rx = v;
    else if (RD_EQ(k, "source"))
        ev->protocol = v; /* "HTTP", "SMTP", "SMB": what carried the file */
}

static void map_notice(ts_event *ev, ts_str k, ts_str v, map_state *ms)
{
    if (RD_EQ(k, "note"))
        ev->rule_name = v;
    else if (RD_EQ(k, "actions") && !ev->action.n)
        ev->action = v;
    else if (RD_EQ(k, "src"))
        ms->src = v;
    else if (RD_EQ(k, "dst"))
        ms->dst = v;
    else if (RD_EQ(k, "p"))
        ms->p = v;
}

/* Kerberos names the client "user/REALM" (service principals "svc/host/REALM"): the
 * realm is what follows the last slash. */
static void map_kerberos(ts_event *ev, ts_str k, ts_str v)
{
    if (RD_EQ(k, "client")) {
        const char *slash = NULL;
        for (size_t i = v.n; i-- > 0;)
            if (v.p[i] == '/') {
                slash = v.p + i;
                break;
            }
        if (slash) {
            ev->user = ts_str_make(v.p, (size_t)(slash - v.p));
            ev->user_domain = ts_str_make(slash + 1, v.n - (size_t)(slash - v.p) - 1);
        } else {
            ev->user = v;
        }
    } else if (RD_EQ(k, "success")) {
        rd_bool_outcome(ev, v);
    } else if (RD_EQ(k, "request_type")) {
        ev->action = v;
    }
}

static void map_ntlm(ts_event *ev, ts_str k, ts_str v)
{
    if (RD_EQ(k, "username"))
        ev->user = v;
    else if (RD_EQ(k, "domainname"))
        ev->user_domain = v;
    else if (RD_EQ(k, "hostname"))
        ev->src_host = v;
    else if (RD_EQ(k, "success"))
        rd_bool_outcome(ev, v);
    else if (RD_EQ(k, "status") && ev->outcome == TS_OUTCOME_UNKNOWN)
        ev->outcome = RD_EQ(v, "SUCCESS") ? TS_OUTCOME_SUCCESS : TS_OUTCOME_FAILURE;
}

static bool has_fail(ts_str v)
{
    for (size_t i = 0; i + 4 <= v.n; i++)
        if (ts_str_istarts(ts_str_make(v.p + i, v.n - i), "fail"))
            return true;
    return false;
}

static void map_rdp(ts_event *ev, ts_str k, ts_str v)
{
    if (RD_EQ(k, "cookie"))
        ev->user = v;
    else if (RD_EQ(k, "result")) {
        /* "encrypted" and "Unknown" say nothing about the logon itself. */
        if (ts_str_ieq(v, "Success"))
            ev->outcome = TS_OUTCOME_SUCCESS;
        else if (has_fail(v))
            ev->outcome = TS_OUTCOME_FAILURE;
    }
}

static void map_field(ts_event *ev, zk_log log, ts_str k, ts_str v, map_state *ms)
{
    map_common(ev, k, v, ms);
    switch (log) {
    case ZK_CONN:
        map_conn(ev, k, v, ms);
        break;
    case ZK_DNS:
        if (RD_EQ(k, "query"))
            ev->domain = v;
        break;
    case ZK_HTTP:
        if (RD_EQ(k, "host"))
            ev->domain = ms->host = v;
        else if (RD_EQ(k, "uri"))
            ms->uri = v;
        else if (RD_EQ(k, "user_agent"))
            ev->user_agent = v;
        else if (RD_EQ(k, "method"))
            ev->action = v;
        break;
    case ZK_SSL:
        if (RD_EQ(k, "server_name"))
            ev->domain = v;
        break;
    case ZK_SMTP:
        map_smtp(ev, k, v, ms);
        break;
    case ZK_FILES:
        map_files(ev, k, v, ms);
        break;
    case ZK_NOTICE:
        map_notice(ev, k, v, ms);
        break;
    case ZK_KERBEROS:
        map_kerberos(ev, k, v);
        break;
    case ZK_NTLM:
        map_ntlm(ev, k, v);
        break;
    case ZK_RDP:
        map_rdp(ev, k, v);
        break;
    case ZK_SMB_MAPPING:
        if (RD_EQ(k, "path"))
            ev->file_path = v;
        break;
    case ZK_PE: /* its fields stay as they are: id, machine, is_exe... */
    case ZK_GENERIC:
    case ZK_NLOGS:
        break;
    }
}

/* url.original from the request line: absolute URIs as they are, origin-form paths
 * joined to the Host header, CONNECT's authority form as it is. */
static void build_url(ts_event *ev, const map_state *ms, ts_arena *a)
{
    if (!ms->uri.n)
        return;
    if (ms->host.n && ms->uri.p[0] == '/')
        ev->url = rd_cat(a, TS_STR_LIT("http://"), ms->host, ms->uri);
    else
        ev->url = ms->uri;
}

zk_flaw zk_map(ts_event *ev, zk_log log, ts_str dataset, ts_arena *a)
{
    /* Copied from a zeroed constant: gcc zeroes a local of this size with rep stos, which
       costs more to start than these few moves (a sixth of zk_map's samples). */
    static const map_state none;
    map_state ms = none;
    for (size_t i = 0; i < ev->n_fields; i++)
        map_field(ev, log, ev->fields[i].key, ev->fields[i].val, &ms);
    ev->dataset = dataset;
    ev->category = logs[log].category;
    ev->type = logs[log].type;
    if (logs[log].action[0] && !ev->action.n)
        ev->action = ts_str_c(logs[log].action);
    if (logs[log].protocol[0] && !ev->protocol.n)
        ev->protocol = ts_str_c(logs[log].protocol);
    switch (log) {
    case ZK_HTTP:
        build_url(ev, &ms, a);
        break;
    case ZK_SMTP:
        if (!ev->mail_from.n)
            ev->mail_from = ms.header_from;
        break;
    case ZK_NOTICE:
        if (!ts_ip_set(&ev->src_ip))
            rd_ip(ms.src, &ev->src_ip);
        if (!ts_ip_set(&ev->dst_ip))
            rd_ip(ms.dst, &ev->dst_ip);
        if (!ev->dst_port && ms.p.n)
            rd_port(ms.p, &ev->dst_port);
        break;
    case ZK_FILES:
        if (!ts_ip_set(&ev->src_ip))
            rd_ip(ms.tx, &ev->src_ip);
        if (!ts_ip_set(&ev->dst_ip))
            rd_ip(ms.rx, &ev->dst_ip);
        break;
    default:
        break;
    }
    if (!ms.has_ts && ms.has_conn)
        flaw(&ms, "missing", TS_STR_LIT("ts"), TS_STR_NULL);
    return ms.flaw;
}

void zk_warn(rd_ctx *c, const ts_event *ev, zk_flaw f)
{
    if (!f.why)
        return;
    if (!f.val.p)
        rd_warn(c, ev->line, ev->record, "no %.*s field; the record is kept without it", (int)f.key.n,
                f.key.p);
    else
        rd_warn(c, ev->line, ev->record, "%.*s \"%.*s\" is not %s; the record is kept without it",
                (int)f.key.n, f.key.p, (int)(f.val.n > 64 ? 64 : f.val.n), f.val.p, f.why);
}
