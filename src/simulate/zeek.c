/* zeek.c: writes Zeek logs as Zeek's ASCII writer does (TSV with #separator/#fields/#types
 * headers) and as its JSON writer does (one object per line, epoch times, unset omitted). */
#include <stdio.h>

#include "simulate/sim.h"

typedef struct zschema {
    const char *path;
    const char *fields[32];
    const char *types[32];
} zschema;

#define ID4 "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"
#define ID4T "time", "string", "addr", "port", "addr", "port"

static const zschema schemas[Z_N] = {
    [Z_CONN] = {"conn",
                {ID4, "proto", "service", "duration", "orig_bytes", "resp_bytes", "conn_state", "local_orig",
                 "local_resp", "missed_bytes", "history", "orig_pkts", "orig_ip_bytes", "resp_pkts",
                 "resp_ip_bytes", "tunnel_parents"},
                {ID4T, "enum", "string", "interval", "count", "count", "string", "bool", "bool", "count",
                 "string", "count", "count", "count", "count", "set[string]"}},
    [Z_DNS] = {"dns",
               {ID4, "proto", "trans_id", "rtt", "query", "qclass", "qclass_name", "qtype", "qtype_name",
                "rcode", "rcode_name", "AA", "TC", "RD", "RA", "Z", "answers", "TTLs", "rejected"},
               {ID4T, "enum", "count", "interval", "string", "count", "string", "count", "string", "count",
                "string", "bool", "bool", "bool", "bool", "count", "vector[string]", "vector[interval]",
                "bool"}},
    [Z_HTTP] = {"http",
                {ID4,
                 "trans_depth",
                 "method",
                 "host",
                 "uri",
                 "referrer",
                 "version",
                 "user_agent",
                 "origin",
                 "request_body_len",
                 "response_body_len",
                 "status_code",
                 "status_msg",
                 "info_code",
                 "info_msg",
                 "tags",
                 "username",
                 "password",
                 "proxied",
                 "orig_fuids",
                 "orig_filenames",
                 "orig_mime_types",
                 "resp_fuids",
                 "resp_filenames",
                 "resp_mime_types"},
                {ID4T,
                 "count",
                 "string",
                 "string",
                 "string",
                 "string",
                 "string",
                 "string",
                 "string",
                 "count",
                 "count",
                 "count",
                 "string",
                 "count",
                 "string",
                 "set[enum]",
                 "string",
                 "string",
                 "set[string]",
                 "vector[string]",
                 "vector[string]",
                 "vector[string]",
                 "vector[string]",
                 "vector[string]",
                 "vector[string]"}},
    [Z_SSL] = {"ssl",
               {ID4, "version", "cipher", "curve", "server_name", "resumed", "last_alert", "next_protocol",
                "established", "ssl_history", "cert_chain_fps", "client_cert_chain_fps", "sni_matches_cert",
                "validation_status"},
               {ID4T, "string", "string", "string", "string", "bool", "string", "string", "bool", "string",
                "vector[string]", "vector[string]", "bool", "string"}},
    [Z_SMTP] = {"smtp",
                {ID4,
                 "trans_depth",
                 "helo",
                 "mailfrom",
                 "rcptto",
                 "date",
                 "from",
                 "to",
                 "cc",
                 "reply_to",
                 "msg_id",
                 "in_reply_to",
                 "subject",
                 "x_originating_ip",
                 "first_received",
                 "second_received",
                 "last_reply",
                 "path",
                 "user_agent",
                 "tls",
                 "fuids",
                 "is_webmail"},
                {ID4T,     "count",       "string",         "string", "set[string]", "string",
                 "string", "set[string]", "set[string]",    "string", "string",      "string",
                 "string", "addr",        "string",         "string", "string",      "vector[addr]",
                 "string", "bool",        "vector[string]", "bool"}},
    [Z_FILES] = {"files", /* the Zeek 5+ layout: the connection's uid and ids */
                 {"ts",
                  "fuid",
                  "uid",
                  "id.orig_h",
                  "id.orig_p",
                  "id.resp_h",
                  "id.resp_p",
                  "source",
                  "depth",
                  "analyzers",
                  "mime_type",
                  "filename",
                  "duration",
                  "local_orig",
                  "is_orig",
                  "seen_bytes",
                  "total_bytes",
                  "missing_bytes",
                  "overflow_bytes",
                  "timedout",
                  "parent_fuid",
                  "md5",
                  "sha1",
                  "sha256",
                  "extracted",
                  "extracted_cutoff",
                  "extracted_size"},
                 {"time",   "string", "string",      "addr",   "port",   "addr",     "port",
                  "string", "count",  "set[string]", "string", "string", "interval", "bool",
                  "bool",   "count",  "count",       "count",  "count",  "bool",     "string",
                  "string", "string", "string",      "string", "bool",   "count"}},
    [Z_KERBEROS] = {"kerberos",
                    {ID4, "request_type", "client", "service", "success", "error_msg", "from", "till",
                     "cipher", "forwardable", "renewable", "client_cert_subject", "client_cert_fuid",
                     "server_cert_subject", "server_cert_fuid"},
                    {ID4T, "string", "string", "string", "bool", "string", "time", "time", "string", "bool",
                     "bool", "string", "string", "string", "string"}},
    [Z_NTLM] = {"ntlm",
                {ID4, "username", "hostname", "domainname", "server_nb_computer_name",
                 "server_dns_computer_name", "server_tree_name", "success"},
                {ID4T, "string", "string", "string", "string", "string", "string", "bool"}},
    [Z_SMB] = {"smb_mapping",
               {ID4, "path", "service", "native_file_system", "share_type"},
               {ID4T, "string", "string", "string", "string"}},
    [Z_RDP] = {"rdp",
               {ID4, "cookie", "result", "security_protocol", "client_channels", "keyboard_layout",
                "client_build", "client_name", "client_dig_product_id", "desktop_width", "desktop_height",
                "requested_color_depth", "cert_type", "cert_count", "cert_permanent", "encryption_level",
                "encryption_method"},
               {ID4T, "string", "string", "string", "vector[string]", "string", "string", "string", "string",
                "count", "count", "string", "string", "count", "bool", "string", "string"}},
};

static int nfields(int z)
{
    int n = 0;
    while (n < 32 && schemas[z].fields[n])
        n++;
    return n;
}

static void put_open_time(sim_out *o, int64_t us)
{
    sim_civil c;
    sim_civil_of(us, &c);
    char b[24];
    snprintf(b, sizeof b, "%04d-%02u-%02u-%02u-%02u-%02u", c.y, c.mo, c.d, c.h, c.mi, c.s);
    sim_puts(o, b);
}

void sim_zeek_headers(sim_ctx *x)
{
    for (int z = 0; z < Z_N; z++) {
        sim_out *o = &x->out[F_ZTSV + z];
        if (!x->on[F_ZTSV + z])
            continue;
        SIM_PUTL(o, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t");
        sim_puts(o, schemas[z].path);
        SIM_PUTL(o, "\n#open\t");
        put_open_time(o, x->start);
        SIM_PUTL(o, "\n#fields");
        int n = nfields(z);
        for (int i = 0; i < n; i++) {
            sim_putc(o, '\t');
            sim_puts(o, schemas[z].fields[i]);
        }
        SIM_PUTL(o, "\n#types");
        for (int i = 0; i < n; i++) {
            sim_putc(o, '\t');
            sim_puts(o, schemas[z].types[i]);
        }
        sim_putc(o, '\n');
        o->line += 8;
    }
}

void sim_zeek_footers(sim_ctx *x)
{
    for (int z = 0; z < Z_N; z++) {
        sim_out *o = &x->out[F_ZTSV + z];
        if (!x->on[F_ZTSV + z])
            continue;
        SIM_PUTL(o, "#close\t");
        put_open_time(o, x->end);
        sim_putc(o, '\n');
        o->line++;
    }
}

static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

void sim_uid(sim_ctx *x, char *buf, char prefix)
{
    /* a bijection of a counter, so uids never repeat, spelled as Zeek does (18 chars) */
    uint64_t v = sim_mix(++x->uid_ctr ^ x->seed);
    uint64_t w = sim_mix(v);
    buf[0] = prefix;
    for (int i = 1; i <= 11; i++) {
        buf[i] = b62[v % 62];
        v /= 62;
    }
    for (int i = 12; i < 18; i++) {
        buf[i] = b62[w % 62];
        w /= 62;
    }
    buf[18] = 0;
}

/* TSV escaping as Zeek's ASCII writer: the separator and non-printables as \xNN, a
 * backslash doubled. */
static void put_tsv_str(sim_out *o, const char *s)
{
    size_t run = 0, i = 0;
    for (; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            continue;
        sim_put(o, s + run, i - run);
        run = i + 1;
        if (c == '\\') {
            SIM_PUTL(o, "\\\\");
        } else {
            SIM_PUTL(o, "\\x");
            sim_put_hex(o, c, 2, false);
        }
    }
    sim_put(o, s + run, i - run);
}

static void put_interval(sim_out *o, uint64_t us)
{
    sim_put_u64(o, us / SIM_US);
    char b[8];
    unsigned f = (unsigned)(us % SIM_US);
    b[0] = '.';
    for (int i = 6; i >= 1; i--) {
        b[i] = (char)('0' + f % 10);
        f /= 10;
    }
    sim_put(o, b, 7);
}

static void tsv_value(sim_out *o, const sim_zv *v)
{
    switch (v->t) {
    case ZV_UNSET:
        sim_putc(o, '-');
        break;
    case ZV_TIME:
        sim_put_epoch(o, (int64_t)v->u);
        break;
    case ZV_STR:
    case ZV_SET:
        if (!v->s)
            sim_putc(o, '-');
        else if (!v->s[0])
            SIM_PUTL(o, "(empty)");
        else
            put_tsv_str(o, v->s);
        break;
    case ZV_ADDR:
        sim_put_ip4(o, (uint32_t)v->u);
        break;
    case ZV_COUNT:
        sim_put_u64(o, v->u);
        break;
    case ZV_INTERVAL:
        put_interval(o, v->u);
        break;
    case ZV_BOOL:
        sim_putc(o, v->u ? 'T' : 'F');
        break;
    case ZV_EMPTYSET:
        SIM_PUTL(o, "(empty)");
        break;
    }
}

/* true when the schema type is a container whose elements are numbers */
static bool numeric_elems(const char *type)
{
    return strcmp(type, "vector[interval]") == 0;
}

static void json_set(sim_out *o, const char *s, bool numeric)
{
    sim_putc(o, '[');
    const char *p = s;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (numeric)
            sim_put(o, p, n);
        else
            sim_put_jstrn(o, p, n);
        if (!e)
            break;
        sim_putc(o, ',');
        p = e + 1;
    }
    sim_putc(o, ']');
}

static void json_value(sim_out *o, const sim_zv *v, const char *type)
{
    switch (v->t) {
    case ZV_TIME:
        sim_put_epoch(o, (int64_t)v->u);
        break;
    case ZV_STR:
        sim_put_jstr(o, v->s);
        break;
    case ZV_SET:
        json_set(o, v->s, numeric_elems(type));
        break;
    case ZV_EMPTYSET:
        SIM_PUTL(o, "[]");
        break;
    case ZV_ADDR:
        sim_putc(o, '"');
        sim_put_ip4(o, (uint32_t)v->u);
        sim_putc(o, '"');
        break;
    case ZV_COUNT:
        sim_put_u64(o, v->u);
        break;
    case ZV_INTERVAL:
        put_interval(o, v->u);
        break;
    case ZV_BOOL:
        if (v->u)
            SIM_PUTL(o, "true");
        else
            SIM_PUTL(o, "false");
        break;
    default:
        SIM_PUTL(o, "null");
    }
}

void sim_zeek(sim_ctx *x, int z, const sim_zv *v, const char *id)
{
    int n = nfields(z);
    int64_t ts = (int64_t)v[0].u;
    if (x->on[F_ZTSV + z]) {
        sim_out *o = &x->out[F_ZTSV + z];
        for (int i = 0; i < n; i++) {
            if (i)
                sim_putc(o, '\t');
            tsv_value(o, &v[i]);
        }
        sim_end_line(x, F_ZTSV + z, ts, id);
    }
    if (x->on[F_ZJSON + z]) {
        sim_out *o = &x->out[F_ZJSON + z];
        bool first = true;
        sim_putc(o, '{');
        for (int i = 0; i < n; i++) {
            if (v[i].t == ZV_UNSET || ((v[i].t == ZV_STR || v[i].t == ZV_SET) && !v[i].s))
                continue;
            if (!first)
                sim_putc(o, ',');
            first = false;
            sim_putc(o, '"');
            sim_puts(o, schemas[z].fields[i]);
            SIM_PUTL(o, "\":");
            json_value(o, &v[i], schemas[z].types[i]);
        }
        sim_putc(o, '}');
        sim_end_line(x, F_ZJSON + z, ts, id);
    }
}
