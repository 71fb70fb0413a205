/* fuzz_detect.c: libFuzzer target: hostile event fields through the intel and home-network detectors, and the
 * enrich and watch-list settings. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "detect/detect.h"
#include "enrich/enrich.h"
#include "intel/intel.h"

/*
 * Input: lines "name=value". Names: src, dst (addresses), cc, asn (the destination's geo),
 * domain, url, from, to (repeatable), md5, sha1, sha256, cat (a number), watch, internal.
 * Event values are passed to the detectors as the readers would: borrowed, not
 * NUL-terminated (each is copied into its own exact-size allocation so ASan sees overreads).
 */

static ts_intel *ti;
static ts_config *cfg;

/* Every detector is set up afresh for each input: with their default tables (beacon's,
 * exfil's and fetch's, about 8 MB) that setup, not the event, took most of each run
 * (4 runs a second on a loaded machine). Small tables keep the run on the event. */
static const char small_tables[] = "[beacon]\nmax_pairs = 16\njoin_cache = 16\nmax_samples = 64\n"
                                   "[exfil]\nmax_hosts = 16\n"
                                   "[fetch]\nmax_domains = 16\nfile_ids = 16\n";

static void load_config(void)
{
    char path[] = "/tmp/fuzz_detect.XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f)
        abort();
    fputs(small_tables, f);
    fclose(f);
    if (ts_config_load(path, &cfg, NULL, NULL) != TOCSIN_OK)
        abort();
    unlink(path);
}

static void build_intel(void)
{
    ti = ts_intel_new();
    uint32_t actor = ts_intel_actor_add(ti, "Lazarus Group", "G0032", "KP");
    ts_ioc_meta m = {
        .source = ts_intel_source(ti, "fuzz"), .actors = ts_intel_actorset(ti, &actor, 1), .confidence = 80};
    static const struct {
        ts_ioc_type t;
        const char *v;
    } iocs[] = {
        {TS_IOC_IP, "203.131.222.102"},
        {TS_IOC_IP, "175.45.176.0/22"},
        {TS_IOC_IP, "2001:db8::/32"},
        {TS_IOC_DOMAIN, "evil.com"},
        {TS_IOC_URL, "http://evil.com/gate.php"},
        {TS_IOC_EMAIL, "a@evil.com"},
        {TS_IOC_MD5, "e2ecec43da974db02f624ecadc94baf1"},
        {TS_IOC_IP, "8.8.8.8"},
    };
    for (size_t i = 0; i < sizeof iocs / sizeof *iocs; i++)
        ts_intel_add(ti, iocs[i].t, ts_str_c(iocs[i].v), &m);
    ts_ioc_meta allow = {.source = m.source, .flags = TS_IOC_ALLOW, .note = ts_intel_string(ti, "allowed")};
    ts_intel_add(ti, TS_IOC_IP, ts_str_c("8.8.8.8"), &allow);
    ts_intel_finalise(ti);
}

static void drop(void *ud, ts_alert *a)
{
    (void)ud;
    ts_alert *d = ts_alert_dup(a); /* exercise the copy too */
    ts_alert_free(d);
    ts_alert_free(a);
}

#define MAXV 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ti)
        build_intel(), load_config();
    char *vals[MAXV];
    size_t nv = 0;
    ts_event ev;
    ts_event_clear(&ev);
    ev.dst_geo.flags = TS_NET_KNOWN;
    ev.src_geo.flags = TS_NET_KNOWN;
    char *watch = NULL, *internal = NULL;

    const char *p = (const char *)data, *end = p + size;
    while (p < end && nv < MAXV) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *eq = memchr(p, '=', (size_t)(le - p));
        if (eq) {
            ts_str name = ts_str_make(p, (size_t)(eq - p));
            size_t n = (size_t)(le - eq - 1);
            char *v = malloc(n ? n : 1);
            memcpy(v, eq + 1, n);
            vals[nv++] = v;
            ts_str s = ts_str_make(v, n);
            uint64_t num;
            if (ts_str_eq(name, "src"))
                ts_ip_parse(s, &ev.src_ip);
            else if (ts_str_eq(name, "dst"))
                ts_ip_parse(s, &ev.dst_ip);
            else if (ts_str_eq(name, "cc") && n == 2)
                memcpy(ev.dst_geo.cc, v, 2);
            else if (ts_str_eq(name, "asn") && ts_parse_u64(s, &num))
                ev.dst_geo.asn = (uint32_t)num;
            else if (ts_str_eq(name, "cat") && ts_parse_u64(s, &num))
                ev.category = (uint32_t)num;
            else if (ts_str_eq(name, "domain"))
                ev.domain = s;
            else if (ts_str_eq(name, "url"))
                ev.url = s;
            else if (ts_str_eq(name, "from"))
                ev.mail_from = s;
            else if (ts_str_eq(name, "to") && ev.n_mail_to < TS_MAX_RCPT)
                ev.mail_to[ev.n_mail_to++] = s;
            else if (ts_str_eq(name, "md5"))
                ev.md5 = s;
            else if (ts_str_eq(name, "sha1"))
                ev.sha1 = s;
            else if (ts_str_eq(name, "sha256"))
                ev.sha256 = s;
            else if (ts_str_eq(name, "host"))
                ev.host = s;
            else if (ts_str_eq(name, "user"))
                ev.user = s;
            else if (ts_str_eq(name, "watch") && !watch)
                watch = ts_strndup(s);
            else if (ts_str_eq(name, "internal") && !internal)
                internal = ts_strndup(s);
        }
        p = le + 1;
    }

    /* Settings: the internal ranges (without a database, so no file is read) and the watch list. */
    char err[256];
    ts_enrich *e = NULL;
    if (internal &&
        ts_enrich_open("/nonexistent/fuzz.db", internal, &e, err, sizeof err) == TOCSIN_E_ENRICH) {
        ts_geo g;
        ts_enrich_ip(e, &ev.src_ip, &g);
        ev.src_geo = g;
    }
    ts_enrich_free(e);

    ts_detect_ctx ctx = {ti, watch ? watch : "KP,AS131279", .config = cfg};
    ts_alert_sink sink = {drop, NULL};
    for (size_t i = 0; ts_detectors[i]; i++) {
        const ts_detector *d = ts_detectors[i];
        void *st = calloc(1, d->state_size ? d->state_size : 1);
        if (d->init(st, &ctx) == TOCSIN_OK) {
            d->event(st, &ev, &sink);
            if (d->finish)
                d->finish(st, &sink);
        }
        ts_detector_fini(d, st);
        free(st);
    }
    free(watch);
    free(internal);
    for (size_t i = 0; i < nv; i++)
        free(vals[i]);
    return 0;
}
