/* test_detect.c: alerts from events: the intel and home-network detectors, the alert helpers, the registry.
 */
#include <unistd.h>

#include "check.h"
#include "core/config.h"
#include "detect/detect.h"
#include "enrich/enrich.h"
#include "intel/intel.h"

/* ---- an alert sink that keeps what it gets ------------------------------------------ */

#define MAX_GOT 32
static ts_alert *got[MAX_GOT];
static size_t n_got;

static void keep(void *ud, ts_alert *a)
{
    (void)ud;
    if (n_got < MAX_GOT)
        got[n_got++] = a;
    else
        ts_alert_free(a);
}
static const ts_alert_sink sink = {keep, NULL};

static void drop_all(void)
{
    for (size_t i = 0; i < n_got; i++)
        ts_alert_free(got[i]);
    n_got = 0;
}

static const ts_detector *detector(const char *name)
{
    return ts_detector_find(name, strlen(name));
}

/* Runs one detector over one event with a fresh state. */
static void run(const char *name, const ts_detect_ctx *ctx, const ts_event *ev)
{
    const ts_detector *d = detector(name);
    void *st = calloc(1, d->state_size ? d->state_size : 1);
    if (d->init(st, ctx) == TOCSIN_OK) {
        d->event(st, ev, &sink);
        if (d->finish)
            d->finish(st, &sink);
    }
    ts_detector_fini(d, st);
    free(st);
}

static ts_ip ip_of(const char *s)
{
    ts_ip ip;
    ts_ip_parse(ts_str_c(s), &ip);
    return ip;
}

static ts_geo geo(const char *cc, uint32_t asn, uint16_t flags)
{
    ts_geo g = {{0}, asn, (uint16_t)(flags | TS_NET_KNOWN)};
    memcpy(g.cc, cc, strlen(cc));
    return g;
}

static void conn(ts_event *ev, const char *src, const char *dst)
{
    ts_event_clear(ev);
    ev->ts_ns = 1416816720000000000; /* 2014-11-24T08:12:00Z */
    ev->dataset = ts_str_c("zeek.conn");
    ev->category = TS_CAT_NETWORK;
    ev->file = "conn.log";
    ev->line = 42;
    if (src)
        ev->src_ip = ip_of(src);
    if (dst)
        ev->dst_ip = ip_of(dst);
}

/* ---- the intelligence the tests match against ---------------------------------------- */

static uint32_t lazarus_set, sony_src;

static ts_intel *make_intel(void)
{
    ts_intel *ti = ts_intel_new();
    uint32_t lazarus = ts_intel_actor_add(ti, "Lazarus Group", "G0032", "KP");
    lazarus_set = ts_intel_actorset(ti, &lazarus, 1);
    sony_src = ts_intel_source(ti, "sony-2014");
    ts_ioc_meta m = {.source = sony_src, .actors = lazarus_set, .confidence = 90};
    CHECK_INT(ts_intel_add(ti, TS_IOC_IP, ts_str_c("203.131.222.102"), &m), TOCSIN_OK);
    CHECK_INT(ts_intel_add(ti, TS_IOC_MD5, ts_str_c("e2ecec43da974db02f624ecadc94baf1"), &m), TOCSIN_OK);
    m.confidence = 80;
    CHECK_INT(ts_intel_add(ti, TS_IOC_IP, ts_str_c("175.45.176.0/22"), &m), TOCSIN_OK);
    m.confidence = 70;
    CHECK_INT(ts_intel_add(ti, TS_IOC_DOMAIN, ts_str_c("evil-lazarus.com"), &m), TOCSIN_OK);
    CHECK_INT(ts_intel_add(ti, TS_IOC_EMAIL, ts_str_c("recruiter@gmail.com"), &m), TOCSIN_OK);
    m.confidence = 50;
    CHECK_INT(ts_intel_add(ti, TS_IOC_IP, ts_str_c("8.8.8.8"), &m), TOCSIN_OK);
    /* The warninglist entry that covers it. */
    ts_ioc_meta allow = {.source = ts_intel_source(ti, "misp-warninglists"),
                         .flags = TS_IOC_ALLOW,
                         .note = ts_intel_string(ti, "List of known Google DNS resolvers")};
    CHECK_INT(ts_intel_add(ti, TS_IOC_IP, ts_str_c("8.8.8.8"), &allow), TOCSIN_OK);
    CHECK_INT(ts_intel_add(ti, TS_IOC_IP, ts_str_c("not an address"), &m), TOCSIN_E_PARSE);
    /* Another victim's internal address, and a public one this organisation owns. */
    CHECK_INT(ts_intel_add(ti, TS_IOC_IP, ts_str_c("10.0.0.99"), &m), TOCSIN_OK);
    CHECK_INT(ts_intel_add(ti, TS_IOC_IP, ts_str_c("198.18.0.0/15"), &m), TOCSIN_OK);
    CHECK_INT(ts_intel_add(ti, TS_IOC_IP, ts_str_c("9.9.9.0/24"), &m), TOCSIN_OK);
    /* Shared hosting, and an indicator that expired in 2013. */
    ts_ioc_meta shared = m, old = m;
    shared.flags = TS_IOC_SHARED;
    old.expires = 1388534399; /* 2013-12-31T23:59:59Z */
    CHECK_INT(ts_intel_add(ti, TS_IOC_IP, ts_str_c("192.0.0.0/8"), &shared), TOCSIN_OK);
    CHECK_INT(ts_intel_add(ti, TS_IOC_DOMAIN, ts_str_c("old-c2.net"), &old), TOCSIN_OK);
    /* A weak listing: a busy CDN address listed with little confidence. */
    ts_ioc_meta weak = m;
    weak.confidence = 30;
    CHECK_INT(ts_intel_add(ti, TS_IOC_IP, ts_str_c("104.16.1.34"), &weak), TOCSIN_OK);
    ts_intel_finalise(ti);
    return ti;
}

/* ---- intel --------------------------------------------------------------------------- */

static void test_outbound(const ts_detect_ctx *ctx)
{
    ts_event ev;
    conn(&ev, "10.0.0.5", "203.131.222.102");
    ev.src_geo = geo("", 0, TS_NET_INTERNAL);
    ev.dst_geo = geo("TH", 37992, 0);
    ev.dst_port = 443;
    run("intel", ctx, &ev);
    CHECK_INT(n_got, 1);
    if (n_got != 1)
        return drop_all();
    ts_alert *a = got[0];
    CHECK_STR(a->detector, "intel");
    CHECK_INT(a->kind, TS_EV_INDICATOR);
    CHECK_INT(a->side, TS_SIDE_DST);
    CHECK_INT(a->direction, TS_DIR_OUTBOUND);
    CHECK_INT(a->ioc_type, TS_IOC_IP);
    CHECK_STR(a->ioc_value, "203.131.222.102");
    CHECK_STR(a->observed, "203.131.222.102");
    char buf[TS_IP_STRLEN];
    CHECK_STR(ts_ip_format(&a->internal_ip, buf), "10.0.0.5");
    CHECK_STR(ts_ip_format(&a->remote_ip, buf), "203.131.222.102");
    CHECK_STR(a->remote_geo.cc, "TH");
    CHECK_INT(a->actorset, lazarus_set);
    CHECK_INT(a->source, sony_src);
    CHECK_INT(a->confidence, 90);
    CHECK(a->severity >= 70);
    CHECK(a->suppressed == NULL);
    CHECK_STR(a->techniques, "T1071");
    CHECK(strncmp(a->key, "ioc|ip|203.131.222.102|10.0.0.5|dst|", 36) == 0);
    CHECK_STR(a->title, "10.0.0.5 connected to 203.131.222.102 (Lazarus Group, sony-2014)");
    CHECK_INT(a->first_ns, 1416816720000000000);
    CHECK_INT(a->count, 1);
    CHECK_STR(a->file, "conn.log");
    CHECK_INT(a->line, 42);
    CHECK_STR(a->dataset, "zeek.conn");
    drop_all();
}

static uint8_t test_logon(const ts_detect_ctx *ctx)
{
    ts_event ev;
    conn(&ev, "175.45.177.9", "10.0.0.7");
    ev.dataset = ts_str_c("windows.security");
    ev.category = TS_CAT_AUTH;
    ev.outcome = TS_OUTCOME_SUCCESS;
    ev.user = ts_str_c("admin");
    ev.host = ts_str_c("dc01");
    ev.src_host = ts_str_c("KALI");
    run("intel", ctx, &ev);
    CHECK_INT(n_got, 1);
    if (n_got != 1) {
        drop_all();
        return 0;
    }
    ts_alert *a = got[0];
    CHECK_INT(a->side, TS_SIDE_SRC);
    CHECK_INT(a->direction, TS_DIR_INBOUND);
    CHECK_STR(a->ioc_value, "175.45.176.0/22");
    CHECK_STR(a->observed, "175.45.177.9");
    char buf[TS_IP_STRLEN];
    CHECK_STR(ts_ip_format(&a->internal_ip, buf), "10.0.0.7");
    CHECK_STR(a->internal_host, "dc01"); /* the actor's workstation name is not ours */
    CHECK_STR(a->user, "admin");
    CHECK_STR(a->techniques, "T1078");
    CHECK_STR(a->title, "175.45.177.9 logged on to dc01 as admin (Lazarus Group, sony-2014)");
    CHECK(strncmp(a->key, "ioc|ip|175.45.176.0/22|10.0.0.7|src|", 36) == 0);
    CHECK(strstr(a->key, "|logon") && !strstr(a->key, "failed"));
    uint8_t sev = a->severity;
    char *ok_key = strdup(a->key);
    drop_all();

    /* A failed logon from the same address is weaker evidence. */
    ev.outcome = TS_OUTCOME_FAILURE;
    run("intel", ctx, &ev);
    CHECK_INT(n_got, 1);
    if (n_got == 1) {
        CHECK(got[0]->severity < sev);
        CHECK(got[0]->techniques == NULL);
        CHECK(strstr(got[0]->title, "failed to log on to dc01") != NULL);
        CHECK(strcmp(got[0]->key, ok_key) != 0); /* a success stands apart from failures */
        CHECK(strstr(got[0]->key, "|logon-failed") != NULL);
    }
    free(ok_key);
    drop_all();
    return sev;
}

static void test_subdomain(const ts_detect_ctx *ctx, uint8_t logon_sev)
{
    ts_event ev;
    conn(&ev, "10.0.0.5", "10.0.0.1"); /* through our own resolver */
    ev.dataset = ts_str_c("zeek.dns");
    ev.category = TS_CAT_NETWORK | TS_CAT_DNS;
    ev.domain = ts_str_c("Update.Evil-Lazarus.com.");
    run("intel", ctx, &ev);
    CHECK_INT(n_got, 1);
    if (n_got != 1)
        return drop_all();
    ts_alert *a = got[0];
    CHECK_INT(a->ioc_type, TS_IOC_DOMAIN);
    CHECK_STR(a->ioc_value, "evil-lazarus.com");
    CHECK_STR(a->observed, "Update.Evil-Lazarus.com.");
    CHECK_STR(a->remote_name, "Update.Evil-Lazarus.com.");
    CHECK_INT(a->side, TS_SIDE_DST);
    CHECK_INT(a->direction, TS_DIR_OUTBOUND); /* not "internal": the resolver is not the remote party */
    CHECK(!a->remote_ip.v);
    CHECK_STR(a->techniques, "T1071.004");
    CHECK(a->severity < logon_sev);
    CHECK_STR(a->title, "10.0.0.5 looked up Update.Evil-Lazarus.com. (Lazarus Group, sony-2014)");
    CHECK(strncmp(a->key, "ioc|domain|evil-lazarus.com|10.0.0.5|dst|", 41) == 0);
    drop_all();

    /* A request target with its Host: the domain is looked up once, not again via the URL. */
    conn(&ev, "10.0.0.5", "198.51.100.80");
    ev.category = TS_CAT_WEB;
    ev.domain = ts_str_c("cdn.evil-lazarus.com");
    ev.url = ts_str_c("/gate.php?id=1");
    run("intel", ctx, &ev);
    CHECK_INT(n_got, 1);
    if (n_got == 1)
        CHECK_STR(got[0]->techniques, "T1071.001");
    drop_all();

    /* A full URL whose host is a listed address, with no destination address known. */
    conn(&ev, "10.0.0.5", NULL);
    ev.category = TS_CAT_WEB;
    ev.url = ts_str_c("http://203.131.222.102:8080/x.php");
    run("intel", ctx, &ev);
    CHECK_INT(n_got, 1);
    if (n_got == 1) {
        CHECK_STR(got[0]->ioc_value, "203.131.222.102");
        CHECK_INT(got[0]->direction, TS_DIR_OUTBOUND);
        CHECK_STR(got[0]->remote_name, "http://203.131.222.102:8080/x.php");
    }
    drop_all();

    /* Not a subdomain: a name that merely ends the same way. */
    conn(&ev, "10.0.0.5", "10.0.0.1");
    ev.category = TS_CAT_DNS;
    ev.domain = ts_str_c("notevil-lazarus.com");
    run("intel", ctx, &ev);
    CHECK_INT(n_got, 0);
    drop_all();
}

/* A listing below [intel] min_confidence (default 50) is context, not an alarm. */
static void test_min_confidence(const ts_detect_ctx *ctx)
{
    ts_event ev;
    conn(&ev, "10.0.0.5", "104.16.1.34");
    run("intel", ctx, &ev);
    CHECK_INT(n_got, 0);
    drop_all();

    char path[] = "/tmp/tocsin_test_detect_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    FILE *f = fdopen(fd, "w");
    fputs("[intel]\nmin_confidence = 20\n", f);
    fclose(f);
    ts_config *cfg = NULL;
    CHECK_INT(ts_config_load(path, &cfg, NULL, NULL), TOCSIN_OK);
    ts_detect_ctx low = *ctx;
    low.config = cfg;
    run("intel", &low, &ev);
    CHECK_INT(n_got, 1);
    drop_all();
    ts_config_free(cfg);
    unlink(path);
}

static void test_shared_and_expired(const ts_detect_ctx *ctx)
{
    ts_event ev;
    conn(&ev, "10.0.0.5", "192.99.1.1"); /* in the shared /8, at confidence 50 */
    run("intel", ctx, &ev);
    CHECK_INT(n_got, 1);
    if (n_got == 1) {
        CHECK_INT(got[0]->shared, 1);
        CHECK(got[0]->severity > 0 && got[0]->severity < 40);
        CHECK(got[0]->suppressed == NULL);
    }
    drop_all();

    conn(&ev, "10.0.0.5", "10.0.0.1");
    ev.category = TS_CAT_DNS;
    ev.domain = ts_str_c("www.old-c2.net");
    run("intel", ctx, &ev);         /* 2014: after it expired */
    ev.ts_ns = 1356998400000000000; /* 2013-01-01: before */
    run("intel", ctx, &ev);
    CHECK_INT(n_got, 2);
    if (n_got == 2) {
        CHECK(got[0]->suppressed != NULL && strstr(got[0]->suppressed, "expired"));
        CHECK_INT(got[0]->severity, 0);
        CHECK(got[1]->suppressed == NULL);
        CHECK(got[1]->severity > 0);
    }
    drop_all();
}

static void test_suppressed(const ts_detect_ctx *ctx)
{
    ts_event ev;
    conn(&ev, "10.0.0.5", "8.8.8.8");
    ev.dst_port = 53;
    run("intel", ctx, &ev);
    CHECK_INT(n_got, 1);
    if (n_got != 1)
        return drop_all();
    ts_alert *a = got[0];
    CHECK_STR(a->suppressed, "List of known Google DNS resolvers");
    CHECK_INT(a->severity, 0);
    CHECK(a->techniques == NULL);
    CHECK_STR(a->ioc_value, "8.8.8.8");
    CHECK_INT(a->actorset, lazarus_set);
    drop_all();
}

static void test_hash_and_mail(const ts_detect_ctx *ctx)
{
    ts_event ev;
    conn(&ev, NULL, NULL);
    ev.dataset = ts_str_c("windows.sysmon");
    ev.category = TS_CAT_PROCESS;
    ev.host = ts_str_c("ws-05");
    ev.file_path = ts_str_c("C:\\Windows\\igfxtray.exe");
    ev.md5 = ts_str_c("E2ECEC43DA974DB02F624ECADC94BAF1"); /* Sysmon's upper case */
    ev.sha256 = ts_str_c("0000000000000000000000000000000000000000000000000000000000000000");
    run("intel", ctx, &ev);
    CHECK_INT(n_got, 1);
    if (n_got == 1) {
        ts_alert *a = got[0];
        CHECK_INT(a->side, TS_SIDE_FILE);
        CHECK_INT(a->ioc_type, TS_IOC_MD5);
        CHECK_STR(a->ioc_value, "e2ecec43da974db02f624ecadc94baf1");
        CHECK_STR(a->internal_host, "ws-05");
        CHECK(a->severity >= 80);
        CHECK_STR(a->title,
                  "C:\\Windows\\igfxtray.exe on ws-05 matches a known md5 (Lazarus Group, sony-2014)");
        CHECK(strncmp(a->key, "ioc|md5|e2ecec43da974db02f624ecadc94baf1|ws-05|file|", 51) == 0);
    }
    drop_all();

    conn(&ev, "198.51.100.25", "10.0.0.25");
    ev.dataset = ts_str_c("zeek.smtp");
    ev.category = TS_CAT_EMAIL;
    ev.mail_from = ts_str_c("HR Dept <Recruiter@Gmail.com>");
    ev.mail_to[0] = ts_str_c("alice@corp.example");
    ev.mail_to[1] = ts_str_c("bob@corp.example");
    ev.n_mail_to = 2;
    run("intel", ctx, &ev);
    CHECK_INT(n_got, 1);
    if (n_got == 1) {
        ts_alert *a = got[0];
        CHECK_INT(a->side, TS_SIDE_SRC);
        CHECK_INT(a->ioc_type, TS_IOC_EMAIL);
        CHECK_STR(a->ioc_value, "recruiter@gmail.com");
        CHECK_INT(a->direction, TS_DIR_INBOUND);
        CHECK_STR(a->techniques, "T1566");
        CHECK_STR(a->user, "alice@corp.example");
        CHECK_STR(a->title, "mail from recruiter@gmail.com (Lazarus Group, sony-2014)");
    }
    drop_all();

    /* The sender's domain is listed: the lookup covers it too. A recipient hit is outbound. */
    ev.mail_from = ts_str_c("ceo@mail.evil-lazarus.com");
    ev.mail_to[0] = ts_str_c("Recruiter@gmail.com");
    ev.n_mail_to = 1;
    run("intel", ctx, &ev);
    CHECK_INT(n_got, 2);
    if (n_got == 2) {
        CHECK_INT(got[0]->ioc_type, TS_IOC_DOMAIN);
        CHECK_STR(got[0]->ioc_value, "evil-lazarus.com");
        CHECK_INT(got[0]->side, TS_SIDE_SRC);
        CHECK_INT(got[1]->ioc_type, TS_IOC_EMAIL);
        CHECK_INT(got[1]->side, TS_SIDE_DST);
        CHECK_INT(got[1]->direction, TS_DIR_OUTBOUND);
        CHECK(got[1]->techniques == NULL);
    }
    drop_all();
}

static void test_clean_and_repeats(const ts_detect_ctx *ctx)
{
    ts_event ev;
    conn(&ev, "10.0.0.5", "1.1.1.1");
    ev.domain = ts_str_c("example.com");
    ev.url = ts_str_c("https://example.com/index.html");
    ev.md5 = ts_str_c("d41d8cd98f00b204e9800998ecf8427e");
    ev.mail_from = ts_str_c("someone@example.org");
    ev.mail_to[0] = ts_str_c("");
    ev.n_mail_to = 1;
    run("intel", ctx, &ev);
    CHECK_INT(n_got, 0);
    drop_all();

    /* Listed special-purpose addresses are never looked up (enriched or not); a listed
       address that the site configured as internal is. */
    conn(&ev, "10.0.0.99", "198.18.0.1");
    run("intel", ctx, &ev);
    ev.src_geo = geo("", 0, TS_NET_INTERNAL);
    ev.dst_geo = geo("", 0, TS_NET_INTERNAL);
    run("intel", ctx, &ev);
    CHECK_INT(n_got, 0);
    conn(&ev, "8.8.4.4", "9.9.9.9");
    ev.src_geo = geo("US", 15169, 0);
    ev.dst_geo = geo("", 0, TS_NET_INTERNAL); /* configured: the organisation's public range */
    ev.host = ts_str_c("mx1");
    run("intel", ctx, &ev);
    CHECK_INT(n_got, 1);
    if (n_got == 1) {
        CHECK_STR(got[0]->ioc_value, "9.9.9.0/24");
        CHECK_INT(got[0]->direction, TS_DIR_INBOUND); /* the event's own sides stand */
        CHECK_STR(
            got[0]->title,
            "9.9.9.9, an address of ours, is listed; it talked with 8.8.4.4 (Lazarus Group, sony-2014)");
    }
    drop_all();

    /* Repeats from one host aggregate by key; another host is another alert. */
    conn(&ev, "10.0.0.5", "203.131.222.102");
    run("intel", ctx, &ev);
    ev.ts_ns += 60000000000;
    ev.src_port = 50123;
    run("intel", ctx, &ev);
    conn(&ev, "10.0.0.6", "203.131.222.102");
    run("intel", ctx, &ev);
    CHECK_INT(n_got, 3);
    if (n_got == 3) {
        CHECK_STR(got[0]->key, got[1]->key);
        CHECK(strcmp(got[0]->key, got[2]->key) != 0);
    }
    drop_all();

    /* Without intelligence the detector is silent. */
    ts_detect_ctx none = {NULL, NULL};
    run("intel", &none, &ev);
    CHECK_INT(n_got, 0);
}

/* ---- home-network -------------------------------------------------------------------- */

static void test_home(void)
{
    ts_detect_ctx ctx = {NULL, " KP, as131279 ,RU"};
    ts_event ev;
    conn(&ev, "175.45.176.1", "10.0.0.7");
    ev.src_geo = geo("KP", 131279, 0);
    ev.dst_geo = geo("", 0, TS_NET_INTERNAL);
    ev.host = ts_str_c("web01");
    run("home-network", &ctx, &ev);
    run("home-network", &ctx, &ev); /* a repeat */
    CHECK_INT(n_got, 2);
    if (n_got == 2) {
        ts_alert *a = got[0];
        CHECK_STR(a->detector, "home-network");
        CHECK_INT(a->kind, TS_EV_HOME_NETWORK);
        CHECK_INT(a->direction, TS_DIR_INBOUND);
        CHECK_INT(a->side, TS_SIDE_SRC);
        CHECK_INT(a->ioc_type, TS_IOC_ASN);
        CHECK_STR(a->ioc_value, "AS131279");
        CHECK_STR(a->remote_geo.cc, "KP");
        CHECK_INT(a->remote_geo.asn, 131279);
        CHECK_STR(a->key, "home|AS131279|10.0.0.7|in");
        CHECK_STR(a->title, "175.45.176.1 (KP, AS131279) connected to 10.0.0.7: watched home network");
        CHECK(a->severity >= 60);
        CHECK_STR(got[1]->key, a->key);
    }
    drop_all();

    /* Outbound to a watched country (no watched ASN). */
    conn(&ev, "10.0.0.5", "198.51.100.9");
    ev.src_geo = geo("", 0, TS_NET_INTERNAL);
    ev.dst_geo = geo("RU", 12389, 0);
    run("home-network", &ctx, &ev);
    CHECK_INT(n_got, 1);
    if (n_got == 1) {
        CHECK_INT(got[0]->direction, TS_DIR_OUTBOUND);
        CHECK_INT(got[0]->ioc_type, TS_IOC_NONE);
        CHECK_STR(got[0]->ioc_value, "RU");
        CHECK_STR(got[0]->key, "home|RU|10.0.0.5|out");
        CHECK_STR(got[0]->title, "10.0.0.5 connected to 198.51.100.9 (RU, AS12389): watched home network");
    }
    drop_all();

    /* A successful logon from the watched network is the worst case. */
    conn(&ev, "175.45.176.1", "10.0.0.7");
    ev.src_geo = geo("KP", 131279, 0);
    ev.category = TS_CAT_AUTH;
    ev.outcome = TS_OUTCOME_SUCCESS;
    ev.user = ts_str_c("admin");
    ev.host = ts_str_c("dc01");
    run("home-network", &ctx, &ev);
    CHECK_INT(n_got, 1);
    ev.outcome = TS_OUTCOME_FAILURE;
    run("home-network", &ctx, &ev);
    CHECK_INT(n_got, 2);
    if (n_got == 2) {
        CHECK(got[0]->severity >= 85);
        CHECK(strstr(got[0]->title, "logged on to dc01 as admin") != NULL);
        CHECK_STR(got[0]->key, "home|AS131279|10.0.0.7|in|logon");
        CHECK_STR(got[1]->key, "home|AS131279|10.0.0.7|in|logon-failed");
        CHECK(got[1]->severity < got[0]->severity);
    }
    drop_all();

    /* Not watched, internal, or not enriched: nothing. */
    conn(&ev, "10.0.0.5", "8.8.8.8");
    ev.src_geo = geo("", 0, TS_NET_INTERNAL);
    ev.dst_geo = geo("US", 15169, 0);
    run("home-network", &ctx, &ev);
    ev.dst_geo = (ts_geo){"KP", 131279, 0}; /* the enrich stage did not run */
    run("home-network", &ctx, &ev);
    ev.dst_geo = geo("KP", 131279, TS_NET_INTERNAL); /* configured internal wins */
    run("home-network", &ctx, &ev);
    CHECK_INT(n_got, 0);

    /* An ASN-only watch list: the country alone does not match. */
    ts_detect_ctx asn_only = {NULL, "AS131279"};
    ev.dst_geo = geo("KP", 9999, 0);
    run("home-network", &asn_only, &ev);
    CHECK_INT(n_got, 0);
    ev.dst_geo = geo("KP", 131279, 0);
    run("home-network", &asn_only, &ev);
    CHECK_INT(n_got, 1);
    if (n_got == 1)
        CHECK_INT(got[0]->direction, TS_DIR_OUTBOUND);
    drop_all();

    /* Watch list parsing. */
    const ts_detector *d = detector("home-network");
    const char *good[] = {
        "", "KP", "kp", "AS" /* American Samoa */, "AS1", "as4294967295", " KP , AS131279 ", "KP,,RU"};
    const char *bad[] = {"KPX", "K", "AS0", "ASx1", "AS4294967296", "AS-1", "KP;RU", "1234", "K1"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        void *st = calloc(1, d->state_size);
        ts_detect_ctx c = {NULL, good[i]};
        CHECK_INT(d->init(st, &c), TOCSIN_OK);
        free(st);
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        void *st = calloc(1, d->state_size);
        ts_detect_ctx c = {NULL, bad[i]};
        CHECK_INT(d->init(st, &c), TOCSIN_E_ARG);
        free(st);
    }
    ts_detect_ctx null_watch = {NULL, NULL};
    run("home-network", &null_watch, &ev);
    CHECK_INT(n_got, 0);
}

/* ---- alert helpers and registry ------------------------------------------------------ */

static void test_alert_from_event(void)
{
    static const struct {
        const char *src, *dst, *host;
        ts_direction dir;
        const char *internal, *remote;
    } cases[] = {
        /* not enriched: the special-purpose ranges decide what is internal */
        {"10.0.0.5", "175.45.176.1", NULL, TS_DIR_OUTBOUND, "10.0.0.5", "175.45.176.1"},
        {"8.8.4.4", "10.0.0.5", NULL, TS_DIR_INBOUND, "10.0.0.5", "8.8.4.4"},
        {"10.0.0.5", "192.168.1.1", NULL, TS_DIR_INTERNAL, "10.0.0.5", "192.168.1.1"},
        {"8.8.4.4", "1.1.1.1", NULL, TS_DIR_UNKNOWN, "8.8.4.4", "1.1.1.1"},
        {"8.8.4.4", NULL, "sshd-host", TS_DIR_INBOUND, "", "8.8.4.4"},
        {NULL, NULL, "ws-05", TS_DIR_UNKNOWN, "", ""},
        {"fd00::5", "2001:4860:4860::8888", NULL, TS_DIR_OUTBOUND, "fd00::5", "2001:4860:4860::8888"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ts_event ev;
        conn(&ev, cases[i].src, cases[i].dst);
        if (cases[i].host)
            ev.host = ts_str_c(cases[i].host);
        ev.user = ts_str_c("bob");
        ts_alert *a = calloc(1, sizeof *a);
        ts_alert_from_event(a, &ev);
        char b1[TS_IP_STRLEN], b2[TS_IP_STRLEN];
        CHECK_INT(a->direction, cases[i].dir);
        CHECK_STR(ts_ip_format(&a->internal_ip, b1), cases[i].internal);
        CHECK_STR(ts_ip_format(&a->remote_ip, b2), cases[i].remote);
        CHECK_STR(a->user, "bob");
        if (cases[i].host)
            CHECK_STR(a->internal_host, cases[i].host);
        CHECK_INT(a->count, 1);

        a->key = strdup("k");
        a->title = strdup("t");
        ts_alert *d = ts_alert_dup(a);
        CHECK(d != NULL && d != a);
        if (d) {
            CHECK_STR(d->key, "k");
            CHECK(d->key != a->key);
            CHECK_STR(d->dataset, "zeek.conn");
            CHECK(d->techniques == NULL);
        }
        ts_alert_free(a);
        ts_alert_free(d);
    }
    ts_alert_free(NULL);
}

static void test_registry(void)
{
    size_t n = 0;
    for (; ts_detectors[n]; n++) {
        const ts_detector *d = ts_detectors[n];
        CHECK(d->name && d->summary && d->event && d->state_size > 0);
        for (size_t j = 0; j < n; j++)
            CHECK(strcmp(ts_detectors[j]->name, d->name) != 0);
    }
    CHECK(n >= 2);
    CHECK(detector("intel") != NULL);
    CHECK(detector("home-network") != NULL);
}

/* ---- real indicators: the Sony 2014 wiper's C2 addresses and hashes ------------------ */

/* Every published address and hash raises exactly one alert naming it. */
static void test_sony_real(void)
{
    const char *d = shared_data("Sony 2014 indicators");
    if (!d)
        return;
    char path[512];
    snprintf(path, sizeof path, "%s/intel/lazarus-iocs/sony2014_destover_iocs.tsv", d);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f)
        return;
    ts_intel *ti = ts_intel_new();
    uint32_t lazarus = ts_intel_actor_add(ti, "Lazarus Group", "G0032", "KP");
    ts_ioc_meta m = {.source = ts_intel_source(ti, "sony-2014"),
                     .actors = ts_intel_actorset(ti, &lazarus, 1),
                     .confidence = 80};
    static char vals[64][80];
    static ts_ioc_type types[64];
    size_t n = 0;
    char line[1024];
    while (fgets(line, sizeof line, f) && n < 64) {
        char *tab = strchr(line, '\t');
        if (line[0] == '#' || !tab)
            continue;
        char *end = strchr(tab + 1, '\t');
        size_t len = end ? (size_t)(end - tab - 1) : 0;
        ts_ioc_type t = strncmp(line, "ipv4\t", 5) == 0  ? TS_IOC_IP
                        : strncmp(line, "md5\t", 4) == 0 ? TS_IOC_MD5
                                                         : 0;
        if (!t || !len || len >= sizeof vals[0])
            continue;
        memcpy(vals[n], tab + 1, len);
        vals[n][len] = '\0';
        types[n] = t;
        CHECK_INT(ts_intel_add(ti, t, ts_str_c(vals[n]), &m), TOCSIN_OK);
        n++;
    }
    fclose(f);
    ts_intel_finalise(ti);
    CHECK(n >= 15);
    ts_detect_ctx ctx = {ti, NULL};
    size_t fired = 0;
    for (size_t i = 0; i < n; i++) {
        ts_event ev;
        char up[80];
        if (types[i] == TS_IOC_IP) {
            conn(&ev, "10.0.0.5", vals[i]);
        } else {
            conn(&ev, NULL, NULL);
            ev.host = ts_str_c("ws-05");
            size_t k;
            for (k = 0; vals[i][k]; k++)
                up[k] = (char)(vals[i][k] >= 'a' && vals[i][k] <= 'f' ? vals[i][k] - 32 : vals[i][k]);
            ev.md5 = ts_str_make(up, k);
        }
        run("intel", &ctx, &ev);
        if (n_got == 1 && strcmp(got[0]->ioc_value, vals[i]) == 0 &&
            got[0]->side == (types[i] == TS_IOC_IP ? TS_SIDE_DST : TS_SIDE_FILE))
            fired++;
        else
            fprintf(stderr, "sony indicator %s: %zu alerts\n", vals[i], n_got);
        drop_all();
    }
    CHECK_INT(fired, n);
    /* Neighbours of the C2 addresses are not C2. */
    ts_event ev;
    conn(&ev, "10.0.0.5", "203.131.222.103");
    run("intel", &ctx, &ev);
    CHECK_INT(n_got, 0);
    drop_all();
    ts_intel_free(ti);
}

/* The real pipeline order: libloc enrichment, then the detectors, on the Sony 2014 case. */
static void test_enriched(void)
{
    char err[256];
    ts_enrich *e = NULL;
    if (ts_enrich_open(NULL, "203.0.112.0/24", &e, err, sizeof err) != TOCSIN_OK) {
        printf("SKIP enriched detection: %s\n", err);
        check_skipped++;
        ts_enrich_free(e);
        return;
    }
    ts_detect_ctx ctx = {NULL, "KP,AS131279"};
    ts_event ev;
    conn(&ev, "175.45.178.20", "203.0.112.10"); /* configured internal: a public range of ours */
    ts_enrich_event(e, &ev);
    run("home-network", &ctx, &ev);
    conn(&ev, "203.0.112.10", "8.8.8.8");
    ts_enrich_event(e, &ev);
    run("home-network", &ctx, &ev);
    CHECK_INT(n_got, 1);
    if (n_got == 1) {
        CHECK_INT(got[0]->direction, TS_DIR_INBOUND);
        CHECK_STR(got[0]->ioc_value, "AS131279");
        CHECK_STR(got[0]->remote_geo.cc, "KP");
        CHECK_STR(got[0]->key, "home|AS131279|203.0.112.10|in");
    }
    drop_all();
    ts_enrich_free(e);
}

int main(void)
{
    test_registry();
    test_alert_from_event();
    ts_intel *ti = make_intel();
    ts_detect_ctx ctx = {ti, "KP"};
    test_outbound(&ctx);
    uint8_t logon = test_logon(&ctx);
    test_subdomain(&ctx, logon);
    test_suppressed(&ctx);
    test_shared_and_expired(&ctx);
    test_min_confidence(&ctx);
    test_hash_and_mail(&ctx);
    test_clean_and_repeats(&ctx);
    ts_intel_free(ti);
    test_home();
    test_sony_real();
    test_enriched();
    drop_all();
    return check_done("test_detect");
}
