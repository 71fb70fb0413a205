/* net.c: network activity as a sensor pair sees it: Zeek inside (conn, dns, http, ssl,
 * files, smb_mapping, kerberos, ntlm, rdp) and Suricata EVE at the Internet edge. */
#include <stdio.h>

#include "core/hash.h"
#include "simulate/sim.h"

bool sim_is_internal(uint32_t ip)
{
    return (ip >> 24) == 10 || (ip >> 20) == (172u << 4 | 1) || (ip >> 16) == (192u << 8 | 168);
}

static bool at_edge(const sim_conn *c)
{
    return sim_is_internal(c->src) != sim_is_internal(c->dst);
}

static const char *upper_proto(const char *p)
{
    return p[0] == 'u' ? "UDP" : "TCP";
}

static void eve_head(sim_ctx *x, const sim_conn *c, int64_t ts, const char *type)
{
    sim_out *o = &x->out[F_EVE];
    SIM_PUTL(o, "{\"timestamp\":\"");
    sim_put_eve_time(o, ts);
    SIM_PUTL(o, "\",\"flow_id\":");
    sim_put_u64(o, c->flow_id);
    SIM_PUTL(o, ",\"in_iface\":\"eth1\",\"event_type\":\"");
    sim_puts(o, type);
    SIM_PUTL(o, "\",\"src_ip\":\"");
    sim_put_ip4(o, c->src);
    SIM_PUTL(o, "\",\"src_port\":");
    sim_put_u64(o, c->sport);
    SIM_PUTL(o, ",\"dest_ip\":\"");
    sim_put_ip4(o, c->dst);
    SIM_PUTL(o, "\",\"dest_port\":");
    sim_put_u64(o, c->dport);
    SIM_PUTL(o, ",\"proto\":\"");
    sim_puts(o, upper_proto(c->proto));
    sim_putc(o, '"');
}

static void eve_end(sim_ctx *x, int64_t ts, uint64_t flow)
{
    char id[24];
    sim_fmt_u64(id, flow);
    sim_putc(&x->out[F_EVE], '}');
    sim_end_line(x, F_EVE, ts, id);
}

static uint64_t pkts(uint64_t bytes)
{
    return bytes / 1200 + 2;
}

static void eve_flow(sim_ctx *x, const sim_conn *c)
{
    sim_out *o = &x->out[F_EVE];
    int64_t end = c->ts + c->dur;
    eve_head(x, c, end, "flow");
    if (c->service) {
        SIM_PUTL(o, ",\"app_proto\":\"");
        sim_puts(o, strcmp(c->service, "ssl") == 0 ? "tls" : c->service);
        sim_putc(o, '"');
    }
    SIM_PUTL(o, ",\"flow\":{\"pkts_toserver\":");
    sim_put_u64(o, pkts(c->obytes));
    SIM_PUTL(o, ",\"pkts_toclient\":");
    sim_put_u64(o, c->rbytes ? pkts(c->rbytes) : 0);
    SIM_PUTL(o, ",\"bytes_toserver\":");
    sim_put_u64(o, c->obytes + 60 * pkts(c->obytes));
    SIM_PUTL(o, ",\"bytes_toclient\":");
    sim_put_u64(o, c->rbytes ? c->rbytes + 60 * pkts(c->rbytes) : 0);
    SIM_PUTL(o, ",\"start\":\"");
    sim_put_eve_time(o, c->ts);
    SIM_PUTL(o, "\",\"end\":\"");
    sim_put_eve_time(o, end);
    SIM_PUTL(o, "\",\"age\":");
    sim_put_u64(o, (uint64_t)(c->dur / SIM_US));
    SIM_PUTL(o, ",\"state\":\"");
    sim_puts(o, c->state[0] == 'S' && c->state[1] == 'F' ? "closed" : "new");
    SIM_PUTL(o, "\",\"reason\":\"timeout\",\"alerted\":false}");
    eve_end(x, end, c->flow_id);
}

/* unique for 2^32 flows and spread like Suricata's hashes */
static uint64_t next_flow(sim_ctx *x)
{
    uint64_t k = ++x->flow_ctr;
    return ((sim_mix(k ^ x->seed) & 0x3ffffULL) << 32 | (k & 0xffffffffULL)) + 1;
}

void sim_net_conn(sim_ctx *x, sim_conn *c, char *uid)
{
    c->flow_id = next_flow(x);
    x->last_conn = *c;
    sim_uid(x, uid, 'C');
    bool tcp = c->proto[0] == 't';
    bool sf = strcmp(c->state, "SF") == 0;
    const char *hist = !tcp                           ? (c->rbytes ? "Dd" : "D")
                       : sf                           ? "ShADadFf"
                       : strcmp(c->state, "REJ") == 0 ? "Sr"
                                                      : "S";
    uint64_t op = pkts(c->obytes), rp = c->rbytes || sf ? pkts(c->rbytes) : 0;
    sim_zv v[21] = {ZTIME(c->ts),
                    ZSTR(uid),
                    ZADDR(c->src),
                    ZCOUNT(c->sport),
                    ZADDR(c->dst),
                    ZCOUNT(c->dport),
                    ZSTR(c->proto),
                    c->service ? ZSTR(c->service) : ZUNSET,
                    ZIVAL(c->dur),
                    ZCOUNT(c->obytes),
                    ZCOUNT(c->rbytes),
                    ZSTR(c->state),
                    ZBOOL(sim_is_internal(c->src)),
                    ZBOOL(sim_is_internal(c->dst)),
                    ZCOUNT(0),
                    ZSTR(hist),
                    ZCOUNT(op),
                    ZCOUNT(c->obytes + op * (tcp ? 52 : 28)),
                    ZCOUNT(rp),
                    ZCOUNT(c->rbytes + rp * (tcp ? 52 : 28)),
                    ZUNSET};
    if (!sf && tcp) { /* no bytes and no duration for failed attempts */
        v[8] = ZUNSET;
        v[9] = ZUNSET;
        v[10] = ZUNSET;
    }
    sim_zeek(x, Z_CONN, v, uid);
    if (x->on[F_EVE] && at_edge(c))
        eve_flow(x, c);
}

void sim_eve_alert(sim_ctx *x, const sim_conn *c, uint32_t sid, const char *sig, const char *category,
                   int severity)
{
    if (!x->on[F_EVE])
        return;
    sim_out *o = &x->out[F_EVE];
    eve_head(x, c, c->ts + SIM_US / 5, "alert");
    SIM_PUTL(o, ",\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":");
    sim_put_u64(o, sid);
    SIM_PUTL(o, ",\"rev\":");
    sim_put_u64(o, 2 + sid % 7);
    SIM_PUTL(o, ",\"signature\":");
    sim_put_jstr(o, sig);
    SIM_PUTL(o, ",\"category\":");
    sim_put_jstr(o, category);
    SIM_PUTL(o, ",\"severity\":");
    sim_put_u64(o, (uint64_t)severity);
    sim_putc(o, '}');
    if (c->service) {
        SIM_PUTL(o, ",\"app_proto\":\"");
        sim_puts(o, strcmp(c->service, "ssl") == 0 ? "tls" : c->service);
        sim_putc(o, '"');
    }
    eve_end(x, c->ts + SIM_US / 5, c->flow_id);
}

void sim_eve_dns(sim_ctx *x, const sim_conn *c, const char *q, uint32_t answer)
{
    if (!x->on[F_EVE])
        return;
    sim_out *o = &x->out[F_EVE];
    eve_head(x, c, c->ts + c->dur, "dns");
    SIM_PUTL(o, ",\"dns\":{\"version\":2,\"type\":\"answer\",\"id\":");
    sim_put_u64(o, c->flow_id & 0xffff);
    SIM_PUTL(o, ",\"flags\":\"8180\",\"qr\":true,\"rd\":true,\"ra\":true,\"rrname\":");
    sim_put_jstr(o, q);
    SIM_PUTL(o, ",\"rrtype\":\"A\",\"rcode\":\"");
    sim_puts(o, answer ? "NOERROR" : "NXDOMAIN");
    sim_putc(o, '"');
    if (answer) {
        SIM_PUTL(o, ",\"answers\":[{\"rrname\":");
        sim_put_jstr(o, q);
        SIM_PUTL(o, ",\"rrtype\":\"A\",\"ttl\":300,\"rdata\":\"");
        sim_put_ip4(o, answer);
        SIM_PUTL(o, "\"}]");
    }
    sim_putc(o, '}');
    eve_end(x, c->ts + c->dur, c->flow_id);
}

void sim_eve_tls(sim_ctx *x, const sim_conn *c, const char *sni)
{
    if (!x->on[F_EVE])
        return;
    sim_out *o = &x->out[F_EVE];
    eve_head(x, c, c->ts + SIM_US / 20, "tls");
    SIM_PUTL(o, ",\"tls\":{");
    if (sni) {
        SIM_PUTL(o, "\"subject\":\"CN=");
        sim_puts(o, sni);
        SIM_PUTL(o, "\",\"issuerdn\":\"C=US, O=DigiCert Inc, CN=DigiCert SHA2 Secure Server CA\",\"sni\":");
        sim_put_jstr(o, sni);
        sim_putc(o, ',');
    }
    SIM_PUTL(o, "\"version\":\"TLS 1.2\"}");
    eve_end(x, c->ts + SIM_US / 20, c->flow_id);
}

void sim_eve_http(sim_ctx *x, const sim_conn *c, const char *host, const char *uri, const char *ua,
                  int status, uint64_t len)
{
    if (!x->on[F_EVE])
        return;
    sim_out *o = &x->out[F_EVE];
    eve_head(x, c, c->ts + SIM_US / 10, "http");
    SIM_PUTL(o, ",\"tx_id\":0,\"http\":{\"hostname\":");
    sim_put_jstr(o, host);
    SIM_PUTL(o, ",\"url\":");
    sim_put_jstr(o, uri);
    SIM_PUTL(o, ",\"http_user_agent\":");
    sim_put_jstr(o, ua);
    SIM_PUTL(o, ",\"http_method\":\"GET\",\"protocol\":\"HTTP/1.1\",\"status\":");
    sim_put_u64(o, (uint64_t)status);
    SIM_PUTL(o, ",\"length\":");
    sim_put_u64(o, len);
    SIM_PUTL(o, "}");
    eve_end(x, c->ts + SIM_US / 10, c->flow_id);
}

/* ---------------------------------------------------------------- composite activity */

static uint16_t eph(sim_ctx *x)
{
    return (uint16_t)(49152 + sim_below(&x->rng, 16383));
}

void sim_dns(sim_ctx *x, int64_t ts, uint32_t src, const char *name, uint32_t ans, char *uid)
{
    sim_host *dc = &x->org.hosts[x->org.dcs[src % x->org.ndc]];
    sim_conn c = {ts,
                  400 + sim_below(&x->rng, 30000),
                  src,
                  dc->ip,
                  eph(x),
                  53,
                  "udp",
                  "dns",
                  30 + strlen(name),
                  ans ? 46 + strlen(name) : 30 + strlen(name),
                  "SF",
                  0};
    sim_net_conn(x, &c, uid);
    char ip[16], ttl[32];
    if (ans)
        sim_fmt_ip4(ip, ans);
    memcpy(ttl + sim_fmt_u64(ttl, 60 + sim_mix(ans) % 3540), ".000000", 8);
    sim_zv v[24] = {ZTIME(ts),
                    ZSTR(uid),
                    ZADDR(src),
                    ZCOUNT(c.sport),
                    ZADDR(dc->ip),
                    ZCOUNT(53),
                    ZSTR("udp"),
                    ZCOUNT(sim_below(&x->rng, 65536)),
                    ZIVAL(c.dur),
                    ZSTR(name),
                    ZCOUNT(1),
                    ZSTR("C_INTERNET"),
                    ZCOUNT(1),
                    ZSTR("A"),
                    ZCOUNT(ans ? 0 : 3),
                    ZSTR(ans ? "NOERROR" : "NXDOMAIN"),
                    ZBOOL(0),
                    ZBOOL(0),
                    ZBOOL(1),
                    ZBOOL(1),
                    ZCOUNT(0),
                    ans ? ZSET(ip) : ZUNSET,
                    ans ? ZSET(ttl) : ZUNSET,
                    ZBOOL(0)};
    sim_zeek(x, Z_DNS, v, uid);
    /* the domain controller resolves outside names through the ISP's resolver: Suricata,
     * at the edge, sees the controller ask, not the workstation */
    /* ... and only on a cache miss: about a third of lookups, decided by name and time so
     * that it costs the PRNG nothing */
    /* this seed (not TS_HASH_SEED) is the one the scenarios were made with: another would
     * change which lookups miss, and so every simulated log */
    uint64_t hn = ts_hash(1469598103934665603ULL, name, strlen(name));
    if (x->on[F_EVE] && sim_mix(hn ^ (uint64_t)(ts / (300 * SIM_US))) % 3 == 0 && !strstr(name, x->org.ad)) {
        sim_conn e = {ts + 200, c.dur, dc->ip, 0x08080808, (uint16_t)(1024 + c.sport / 2),
                      53,       "udp", "dns",  c.obytes,   c.rbytes,
                      "SF",     0};
        e.flow_id = next_flow(x);
        sim_eve_dns(x, &e, name, ans);
    }
}

static const char *const ciphers[] = {
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA"};

void sim_tls(sim_ctx *x, int64_t ts, uint32_t src, uint32_t dst, uint16_t dport, const char *sni, uint64_t ob,
             uint64_t rb, int64_t dur, char *uid)
{
    sim_conn c = {ts, dur, src, dst, eph(x), dport, "tcp", "ssl", ob, rb, "SF", 0};
    sim_net_conn(x, &c, uid);
    char fp[65];
    uint64_t h = sim_mix(dst ^ 0xce27);
    for (int i = 0; i < 64; i++) {
        fp[i] = "0123456789abcdef"[h & 15];
        h = (i % 15 == 14) ? sim_mix(h) : h >> 4;
    }
    fp[64] = 0;
    sim_zv v[19] = {ZTIME(ts + 20000),
                    ZSTR(uid),
                    ZADDR(src),
                    ZCOUNT(c.sport),
                    ZADDR(dst),
                    ZCOUNT(dport),
                    ZSTR("TLSv12"),
                    ZSTR(ciphers[dst % 4]),
                    ZSTR("secp256r1"),
                    sni ? ZSTR(sni) : ZUNSET,
                    ZBOOL(0),
                    ZUNSET,
                    ZSTR("h2"),
                    ZBOOL(1),
                    ZSTR("CsxknGIti"),
                    ZSET(fp),
                    ZEMPTY,
                    sni ? ZBOOL(1) : ZUNSET,
                    ZSTR("ok")};
    if (!sni)
        v[12] = ZUNSET;
    sim_zeek(x, Z_SSL, v, uid);
    if (x->on[F_EVE] && at_edge(&c)) {
        sim_eve_tls(x, &c, sni);
        /* a policy rule that fires on legitimate and illegitimate use alike */
        if (sni && strstr(sni, "dropbox"))
            sim_eve_alert(x, &c, 2012647, "ET POLICY Dropbox.com Offsite File Backup in Use",
                          "Potential Corporate Privacy Violation", 1);
    }
}

void sim_http(sim_ctx *x, int64_t ts, uint32_t src, uint32_t dst, const char *host, const char *uri,
              const char *method, const char *ua, int status, uint64_t ob, uint64_t rb, const char *mime,
              const char *md5, char *uid)
{
    sim_conn c = {ts,       50000 + (int64_t)(rb / 2000) * 1000,
                  src,      dst,
                  eph(x),   80,
                  "tcp",    "http",
                  ob + 200, rb + 300,
                  "SF",     0};
    sim_net_conn(x, &c, uid);
    char fuid[20];
    sim_uid(x, fuid, 'F');
    const char *msg = status == 200   ? "OK"
                      : status == 404 ? "Not Found"
                      : status == 304 ? "Not Modified"
                                      : "Found";
    sim_zv v[30] = {ZTIME(ts + 10000),
                    ZSTR(uid),
                    ZADDR(src),
                    ZCOUNT(c.sport),
                    ZADDR(dst),
                    ZCOUNT(80),
                    ZCOUNT(1),
                    ZSTR(method),
                    ZSTR(host),
                    ZSTR(uri),
                    ZUNSET,
                    ZSTR("1.1"),
                    ZSTR(ua),
                    ZUNSET,
                    ZCOUNT(0),
                    ZCOUNT(rb),
                    ZCOUNT((uint64_t)status),
                    ZSTR(msg),
                    ZUNSET,
                    ZUNSET,
                    ZEMPTY,
                    ZUNSET,
                    ZUNSET,
                    ZUNSET,
                    ZUNSET,
                    ZUNSET,
                    ZUNSET,
                    rb ? ZSET(fuid) : ZUNSET,
                    ZUNSET,
                    rb && mime ? ZSET(mime) : ZUNSET};
    sim_zeek(x, Z_HTTP, v, uid);
    if (rb && mime) {
        char sha1[41];
        uint64_t h = sim_mix(rb ^ dst);
        for (int i = 0; i < 40; i++) {
            sha1[i] = "0123456789abcdef"[h & 15];
            h = (i % 15 == 14) ? sim_mix(h) : h >> 4;
        }
        sha1[40] = 0;
        const char *fname = strrchr(uri, '/');
        sim_zv f[27] = {ZTIME(ts + 20000),
                        ZSTR(fuid),
                        ZSTR(uid),
                        ZADDR(src),
                        ZCOUNT(c.sport),
                        ZADDR(dst),
                        ZCOUNT(80),
                        ZSTR("HTTP"),
                        ZCOUNT(0),
                        md5 ? ZSET("MD5,SHA1,PE") : ZSET("MD5,SHA1"),
                        ZSTR(mime),
                        md5 && fname && fname[1] ? ZSTR(fname + 1) : ZUNSET,
                        ZIVAL(c.dur),
                        ZBOOL(0),
                        ZBOOL(0),
                        ZCOUNT(rb),
                        ZCOUNT(rb),
                        ZCOUNT(0),
                        ZCOUNT(0),
                        ZBOOL(0),
                        ZUNSET,
                        md5 ? ZSTR(md5) : ZUNSET,
                        ZSTR(sha1),
                        ZUNSET,
                        ZUNSET,
                        ZUNSET,
                        ZUNSET};
        sim_zeek(x, Z_FILES, f, fuid);
    }
    if (x->on[F_EVE] && at_edge(&c))
        sim_eve_http(x, &c, host, uri, ua, status, rb);
}

void sim_smb_map(sim_ctx *x, int64_t ts, uint32_t src, const sim_host *h, const char *share, char *uid)
{
    sim_conn c = {ts,
                  2 * SIM_US + sim_below(&x->rng, 60 * SIM_US),
                  src,
                  h->ip,
                  eph(x),
                  445,
                  "tcp",
                  "smb,gssapi",
                  2000 + sim_below(&x->rng, 50000),
                  3000 + sim_below(&x->rng, 200000),
                  "SF",
                  0};
    sim_net_conn(x, &c, uid);
    char path[96];
    snprintf(path, sizeof path, "\\\\%s\\%s", h->name, share);
    bool ipc = strcmp(share, "IPC$") == 0;
    sim_zv v[10] = {ZTIME(ts + 3000),
                    ZSTR(uid),
                    ZADDR(src),
                    ZCOUNT(c.sport),
                    ZADDR(h->ip),
                    ZCOUNT(445),
                    ZSTR(path),
                    ZUNSET,
                    ipc ? ZUNSET : ZSTR("NTFS"),
                    ZSTR(ipc ? "PIPE" : "DISK")};
    sim_zeek(x, Z_SMB, v, uid);
}

void sim_kerberos(sim_ctx *x, int64_t ts, uint32_t src, uint32_t dc, const char *user, const char *service,
                  bool ok)
{
    char uid[20], client[80];
    sim_conn c = {ts,
                  3000 + sim_below(&x->rng, 20000),
                  src,
                  dc,
                  eph(x),
                  88,
                  "tcp",
                  "krb_tcp",
                  1400 + sim_below(&x->rng, 300),
                  ok ? 1500 + sim_below(&x->rng, 300) : 180,
                  "SF",
                  0};
    sim_net_conn(x, &c, uid);
    snprintf(client, sizeof client, "%s/%s", user, x->org.nb);
    bool as = strncmp(service, "krbtgt", 6) == 0;
    sim_zv v[20] = {ZTIME(ts + 1000),
                    ZSTR(uid),
                    ZADDR(src),
                    ZCOUNT(c.sport),
                    ZADDR(dc),
                    ZCOUNT(88),
                    ZSTR(as ? "AS" : "TGS"),
                    ZSTR(client),
                    ZSTR(service),
                    ZBOOL(ok),
                    ok ? ZUNSET : ZSTR("KDC_ERR_PREAUTH_FAILED"),
                    ZUNSET,
                    ZTIME(ts + 10 * SIM_HOUR),
                    ZSTR("aes256-cts-hmac-sha1-96"),
                    ZBOOL(1),
                    ZBOOL(1),
                    ZUNSET,
                    ZUNSET,
                    ZUNSET,
                    ZUNSET};
    if (!ok) {
        v[12] = ZUNSET;
        v[13] = ZUNSET;
    }
    sim_zeek(x, Z_KERBEROS, v, uid);
}

void sim_ntlm(sim_ctx *x, int64_t ts, uint32_t src, const sim_host *h, const char *user, bool ok)
{
    char uid[20], ws[24] = "-";
    sim_conn c = {ts, SIM_US / 2, src, h->ip, eph(x), 445, "tcp", "smb,ntlm,gssapi", 1200, 900, "SF", 0};
    sim_net_conn(x, &c, uid);
    for (uint32_t i = 0; i < x->org.nws; i++) /* name the client as the server learns it */
        if (x->org.hosts[i].ip == src) {
            memcpy(ws, x->org.hosts[i].nb, sizeof ws);
            break;
        }
    char dns[96];
    snprintf(dns, sizeof dns, "%s", h->fqdn);
    sim_zv v[13] = {ZTIME(ts + 2000), ZSTR(uid),       ZADDR(src), ZCOUNT(c.sport), ZADDR(h->ip),
                    ZCOUNT(445),      ZSTR(user),      ZSTR(ws),   ZSTR(x->org.nb), ZSTR(h->nb),
                    ZSTR(dns),        ZSTR(x->org.ad), ZBOOL(ok)};
    sim_zeek(x, Z_NTLM, v, uid);
}

void sim_rdp(sim_ctx *x, int64_t ts, uint32_t src, const sim_host *h, const char *user, int64_t dur,
             uint64_t bytes, char *uid)
{
    sim_conn c = {ts, dur, src, h->ip, eph(x), 3389, "tcp", "rdp", bytes / 8, bytes, "SF", 0};
    sim_net_conn(x, &c, uid);
    char cookie[32];
    snprintf(cookie, sizeof cookie, "%.31s", user);
    sim_zv v[22] = {ZTIME(ts + 1000), ZSTR(uid),    ZADDR(src),   ZCOUNT(c.sport),
                    ZADDR(h->ip),     ZCOUNT(3389), ZSTR(cookie), ZSTR("encrypted"),
                    ZSTR("HYBRID"),   ZUNSET,       ZUNSET,       ZUNSET,
                    ZUNSET,           ZUNSET,       ZUNSET,       ZUNSET,
                    ZUNSET,           ZUNSET,       ZCOUNT(0),    ZUNSET,
                    ZUNSET,           ZUNSET};
    sim_zeek(x, Z_RDP, v, uid);
}
