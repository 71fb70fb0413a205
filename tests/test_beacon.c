/* test_beacon.c: the beacon detector on RITA's proxy test data and on synthetic traffic. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "detector_run.h"
#include "core/config.h"
#include "core/input.h"
#include "detect/detect.h"
#include "ingest/ingest.h"

/* ---- running the detector ---- */

/* The score printed in a beacon title ("...: score 0.979, ..."), or -1. */
static double title_score(const ts_alert *a)
{
    const char *s = a ? strstr(a->title, "score ") : NULL;
    return s ? strtod(s + 6, NULL) : -1;
}

/* The interval printed in a beacon title ("about every 4.2 min"), in seconds, or -1. */
static double title_interval(const ts_alert *a)
{
    const char *s = a ? strstr(a->title, "about every ") : NULL;
    if (!s)
        return -1;
    char *end;
    double v = strtod(s + 12, &end);
    if (strncmp(end, " min", 4) == 0)
        return v * 60;
    if (strncmp(end, " h", 2) == 0)
        return v * 3600;
    return strncmp(end, " s", 2) == 0 ? v : -1;
}

/* ---- real data through the real readers ---- */

static ts_scratch scratch;

static void sink_event(void *ud, ts_event *ev)
{
    run_event(ud, ev);
}
static void sink_error(void *ud, const ts_diag *dg)
{
    (void)ud, (void)dg;
}

static int walk_file(void *ud, const char *file)
{
    ts_input *in;
    char msg[256];
    if (ts_input_open(file, &in, msg, sizeof msg) != TOCSIN_OK)
        return 0;
    const char *head;
    size_t n = ts_input_peek(in, &head);
    const ts_reader *rd = ts_reader_detect(head, n);
    if (rd) {
        ts_sink sink = {sink_event, sink_error, ud};
        rd->read(in, &scratch, &sink);
    }
    ts_input_close(in);
    return 0;
}

/* Runs the beacon detector over a directory of logs read by the real readers. */
static void run_dir(run *r, const char *d, const char *sub, const ts_config *cfg)
{
    char path[512];
    snprintf(path, sizeof path, "%s/zeek/rita-beacon-tests/%s", d, sub);
    CHECK(run_start(r, "beacon", cfg));
    if (!r->state)
        return;
    ts_walk(path, walk_file, NULL, r);
    run_stop(r);
}

/* RITA's own proxy test: one host calls www.honestimnotevil.com through a Squid proxy
 * every 200-300 s; RITA scores it 0.979 on 357 connections of the last day. */
static void test_rita_proxy(const char *d)
{
    run r;
    run_dir(&r, d, "proxy", NULL);
    CHECK(r.out.n >= 1);
    if (!r.out.n)
        return;
    const ts_alert *top = r.out.a[0];
    printf("  proxy: %zu beacon alerts; top: %s\n", r.out.n, top->title);
    CHECK_STR(top->key, "beacon|10.136.0.18|www.honestimnotevil.com");
    CHECK_INT(top->count, 357);
    CHECK(fabs(title_score(top) - 0.979) <= 0.05);
    double every = title_interval(top);
    CHECK(every > 240 && every < 260);
    CHECK(strstr(top->title, "via proxy 10.136.0.16:3128") != NULL);
    CHECK_STR(top->techniques, "T1071,T1071.001");
    CHECK_STR(top->remote_name, "www.honestimnotevil.com");
    CHECK_INT(top->direction, TS_DIR_OUTBOUND);
    CHECK_INT(top->kind, TS_EV_BEHAVIOUR);
    CHECK(top->severity >= 60);
    /* the top is the highest score, and the list is in order */
    for (size_t i = 1; i < r.out.n; i++)
        CHECK(title_score(r.out.a[i]) <= title_score(r.out.a[i - 1]));
    /* the six Google visits of RITA's test are too few to be a beacon here */
    CHECK(find_alert(&r.out, "beacon|10.136.0.18|www.google.com") == NULL);
    got_free(&r.out);
}

/* proxy_rolling: two hours of a person browsing through another Squid proxy (absolute
 * URIs, CONNECT): nothing is a beacon at the default threshold; with a low one the
 * sites show up by name, through the proxy. */
static void test_rita_rolling(const char *d, const char *cfgdir)
{
    run r;
    run_dir(&r, d, "proxy_rolling", NULL);
    CHECK_INT(r.out.n, 0);
    for (size_t i = 0; i < r.out.n; i++)
        fprintf(stderr, "  unexpected: %s\n", r.out.a[i]->title);
    got_free(&r.out);

    char path[256];
    snprintf(path, sizeof path, "%s/rolling.conf", cfgdir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("[beacon]\nthreshold = 0.5\nmin_connections = 10\n", f);
    fclose(f);
    ts_config *cfg = NULL;
    CHECK_INT(ts_config_load(path, &cfg, NULL, NULL), TOCSIN_OK);
    run_dir(&r, d, "proxy_rolling", cfg);
    CHECK(r.out.n >= 1);
    for (size_t i = 0; i < r.out.n; i++) {
        if (!strstr(r.out.a[i]->title, " via proxy 10.0.0.238:3128"))
            fprintf(stderr, "  not via the proxy: %s\n", r.out.a[i]->title);
        CHECK(strstr(r.out.a[i]->title, " via proxy 10.0.0.238:3128") != NULL);
        CHECK(title_score(r.out.a[i]) < 0.8);
    }
    got_free(&r.out);
    ts_config_free(cfg);
}

static void test_rita(const char *cfgdir)
{
    const char *d = shared_data("RITA proxy beacon test");
    if (!d)
        return;
    test_rita_proxy(d);
    test_rita_rolling(d, cfgdir);
}

/* ---- synthetic traffic ---- */

static uint64_t rng = 88172645463325252ULL;
static double urand(void) /* 0..1 */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

#define T0 1700000000000000000LL
#define SEC 1000000000LL

static ts_ip ip(const char *s)
{
    ts_ip a;
    ts_ip_parse(ts_str_c(s), &a);
    return a;
}

static void conn(ts_event *ev, const char *src, const char *dst, int64_t ts, uint64_t bytes)
{
    ts_event_clear(ev);
    ev->ts_ns = ts;
    ev->dataset = ts_str_c("zeek.conn");
    ev->category = TS_CAT_NETWORK | TS_CAT_SESSION;
    ev->type = TS_TYPE_CONNECTION | TS_TYPE_END;
    ev->src_ip = ip(src);
    ev->dst_ip = ip(dst);
    /* as the enrich stage marks them: only 10/8 is ours (the documentation ranges used
       for outside addresses would otherwise count as special-purpose, hence internal) */
    ev->src_geo.flags = TS_NET_KNOWN | (strncmp(src, "10.", 3) == 0 ? TS_NET_INTERNAL : 0);
    ev->dst_geo.flags = TS_NET_KNOWN | (strncmp(dst, "10.", 3) == 0 ? TS_NET_INTERNAL : 0);
    ev->dst_port = 443;
    ev->bytes_out = bytes / 4;
    ev->bytes_in = bytes - bytes / 4;
}

/* A day of a 60 s beacon with +-10 s jitter and +-20 bytes, from src to dst. */
static void feed_beacon(run *r, const char *src, const char *dst, int64_t t0)
{
    ts_event ev;
    for (int64_t t = t0; t < t0 + 86400 * SEC; t += (int64_t)((50 + 20 * urand()) * SEC)) {
        conn(&ev, src, dst, t, 500 + (uint64_t)(40 * urand()));
        run_event(r, &ev);
    }
}

/* A person's browsing on one site: office hours, bursts of page loads seconds apart,
 * gaps of minutes to hours, sizes from hundreds of bytes to megabytes. */
static void feed_human_day(run *r, const char *src, const char *dst, int64_t day)
{
    ts_event ev;
    double t = 9 * 3600.0;
    while (t < 17 * 3600.0) {
        int burst = 3 + (int)(15 * urand());
        for (int i = 0; i < burst; i++) {
            t += 0.2 + 5 * urand();
            conn(&ev, src, dst, day + (int64_t)(t * SEC), (uint64_t)exp(5 + 9 * urand()));
            run_event(r, &ev);
        }
        t += -log(1 - urand()) * 1200; /* mean 20 min */
    }
}

static void feed_human(run *r, const char *src, const char *dst)
{
    feed_human_day(r, src, dst, T0);
}

static void test_synthetic(void)
{
    run r;
    CHECK(run_start(&r, "beacon", NULL));
    if (!r.state)
        return;
    feed_beacon(&r, "10.0.0.5", "203.0.113.10", T0);
    feed_human(&r, "10.0.0.6", "198.51.100.20");
    /* NTP / monitoring: internal to internal, exactly every 64 s */
    ts_event ev;
    for (int64_t t = T0; t < T0 + 86400 * SEC; t += 64 * SEC) {
        conn(&ev, "10.0.0.7", "10.0.0.1", t, 152);
        run_event(&r, &ev);
    }
    /* a beacon from outside in is not ours to report */
    feed_beacon(&r, "203.0.113.99", "10.0.0.8", T0);
    run_stop(&r);
    const ts_alert *b = find_alert(&r.out, "beacon|10.0.0.5|203.0.113.10");
    CHECK(b != NULL);
    if (b) {
        CHECK(title_score(b) >= 0.9);
        double every = title_interval(b);
        CHECK(every > 55 && every < 65);
        CHECK_STR(b->techniques, "T1071,T1071.001"); /* port 443 */
        CHECK(b->count > 1400);
        CHECK_STR(b->dataset, "zeek.conn");
    }
    CHECK(find_alert(&r.out, "beacon|10.0.0.6|198.51.100.20") == NULL);
    CHECK(find_alert(&r.out, "beacon|10.0.0.7|10.0.0.1") == NULL);
    CHECK(find_alert(&r.out, "beacon|203.0.113.99|10.0.0.8") == NULL);
    CHECK_INT(r.out.n, 1);
    got_free(&r.out);
}

/* A beacon seen by two sensors (Zeek's conn.log and Suricata's eve.json, the records
 * alternating) names the records behind it: its first connection's file and line as its
 * provenance, and its earliest connections as its hits, oldest first, each with the file
 * and line it was read from. Without them an analyst cannot open the first call, and an
 * evaluation cannot tell which step of an intrusion made it. */
static void test_places(void)
{
    run r;
    CHECK(run_start(&r, "beacon", NULL));
    if (!r.state)
        return;
    enum { N = 400 };
    static int64_t when[N];
    ts_event ev;
    int64_t t = T0 + 37 * SEC;
    for (int i = 0; i < N; i++, t += (int64_t)((50 + 20 * urand()) * SEC)) {
        conn(&ev, "10.0.0.5", "203.0.113.10", t, 500 + (uint64_t)(40 * urand()));
        bool zeek = i % 2 == 0;
        ev.file = zeek ? "zeek/conn.log" : "suricata/eve.json";
        ev.line = zeek ? 9 + (uint64_t)i * 3 : 4 + (uint64_t)i * 5; /* other records in between */
        when[i] = t;
        run_event(&r, &ev);
    }
    run_stop(&r);
    const ts_alert *b = find_alert(&r.out, "beacon|10.0.0.5|203.0.113.10");
    CHECK(b != NULL);
    if (!b) {
        got_free(&r.out);
        return;
    }
    CHECK(b->first_ns == when[0]);
    CHECK_STR(b->file, "zeek/conn.log");
    CHECK_INT(b->line, 9);
    CHECK_INT(b->n_hits, TS_ALERT_HITS);
    for (uint32_t k = 0; k < b->n_hits; k++) {
        const ts_alert_hit *h = &b->hits[k];
        bool zeek = k % 2 == 0;
        CHECK(h->ts_ns == when[k]);
        CHECK_STR(h->file, zeek ? "zeek/conn.log" : "suricata/eve.json");
        CHECK_INT(h->line, zeek ? 9 + k * 3 : 4 + k * 5);
    }
    got_free(&r.out);
}

/* A day of SMTP every 60 s or so from src to dst on port 25. */
static void feed_smtp(run *r, const char *src, const char *dst)
{
    ts_event ev;
    for (int64_t t = T0; t < T0 + 86400 * SEC; t += (int64_t)((50 + 20 * urand()) * SEC)) {
        conn(&ev, src, dst, t, 3000 + (uint64_t)(40 * urand()));
        ev.dst_port = 25;
        run_event(r, &ev);
    }
}

/* The mail server (it accepts SMTP from 12 outside senders) delivering to a partner's mail
 * server on its queue's timer is its job; the same SMTP from a workstation nobody mails, a
 * mail server's HTTPS on a timer, or SMTP from an address only 5 outside senders reached
 * (fewer than mail_relay_senders, 10) is still reported. */
static void test_mail_relay(void)
{
    run r;
    CHECK(run_start(&r, "beacon", NULL));
    if (!r.state)
        return;
    ts_event ev;
    char sender[32];
    for (int i = 0; i < 12; i++) {
        snprintf(sender, sizeof sender, "198.51.100.%d", 30 + i);
        conn(&ev, sender, "10.0.1.13", T0 + i * 60 * SEC, 5000);
        ev.dst_port = 25;
        run_event(&r, &ev);
        if (i < 5) {
            conn(&ev, sender, "10.0.1.14", T0 + i * 60 * SEC, 5000);
            ev.dst_port = 25;
            run_event(&r, &ev);
        }
    }
    feed_smtp(&r, "10.0.1.13", "203.0.113.25");
    feed_smtp(&r, "10.0.1.14", "203.0.113.25");
    feed_smtp(&r, "10.0.0.5", "203.0.113.25");
    feed_beacon(&r, "10.0.1.13", "203.0.113.10", T0); /* port 443 */
    run_stop(&r);
    CHECK(find_alert(&r.out, "beacon|10.0.1.13|203.0.113.25") == NULL);
    CHECK(find_alert(&r.out, "beacon|10.0.1.14|203.0.113.25") != NULL);
    CHECK(find_alert(&r.out, "beacon|10.0.0.5|203.0.113.25") != NULL);
    CHECK(find_alert(&r.out, "beacon|10.0.1.13|203.0.113.10") != NULL);
    got_free(&r.out);
}

/* A slow implant (every 17.5 h +-5 %, as Destover's), started on day 4 of a month of
 * logs, has a connection or two a day: the day window cannot judge it, the long window
 * does. A person reading one site about daily, at any hour, is not reported. */
static void test_slow_beacon(void)
{
    run r;
    CHECK(run_start(&r, "beacon", NULL));
    if (!r.state)
        return;
    ts_event ev;
    conn(&ev, "10.0.0.9", "198.18.0.1", T0, 100); /* the logs' first day */
    run_event(&r, &ev);
    for (int64_t t = T0 + 4 * 86400 * SEC; t < T0 + 30 * 86400 * SEC;
         t += (int64_t)((60000 + 6000 * urand()) * SEC)) {
        conn(&ev, "10.0.0.5", "203.0.113.10", t, 2000 + (uint64_t)(1500 * urand()));
        run_event(&r, &ev);
    }
    for (int64_t day = 0; day < 30; day++) {
        conn(&ev, "10.0.0.6", "198.51.100.20",
             T0 + (int64_t)((day * 86400 + 7 * 3600 + 14 * 3600 * urand()) * SEC),
             (uint64_t)exp(7 + 6 * urand()));
        run_event(&r, &ev);
    }
    run_stop(&r);
    const ts_alert *a = find_alert(&r.out, "beacon|10.0.0.5|203.0.113.10");
    CHECK(a != NULL);
    if (a) {
        printf("  slow: %s\n", a->title);
        CHECK(strstr(a->title, " days, about every ") != NULL);
        double every = title_interval(a);
        CHECK(every > 15.5 * 3600 && every < 18.5 * 3600);
    }
    CHECK(find_alert(&r.out, "beacon|10.0.0.6|198.51.100.20") == NULL);
    CHECK_INT(r.out.n, 1);
    got_free(&r.out);
}

/* Schedules the last day's window does not see whole. Reported: an implant calling every
 * 5 min +-20 % on weekdays 08:30-17:30 for two weeks (nights and weekends are pauses, not
 * irregularity); one calling every 2 min +-10 % whose operator also works through it in
 * bursts of dozens of connections seconds apart; a fast run of 10 s callbacks for 40 min
 * and never again; a mail client polling an outside server every 5 min (by design: it is a
 * beacon by shape; an analyst suppresses it with `tocsin suppress`). Not reported: a
 * person reading one site on weekdays for two weeks (intervals of seconds to hours); a
 * person whose office-hours requests come at random (exponential, mean 5 min) with sizes
 * that vary; page loads of 30 connections under a second apart. */
#define DAYS_NS (86400 * SEC)
/* Two weeks of schedules, each pair fed whole in turn (a hunt's detectors see the same
 * when events are merged; the live test below sorts them first). */
static void feed_schedules(run *r)
{
    ts_event ev;
    /* T0 is a Tuesday 22:13 UTC; day d starts at midnight after it */
    int64_t day0 = T0 - T0 % DAYS_NS + DAYS_NS;
    for (int d = 0; d < 14; d++) {
        int wd = (2 + 1 + d) % 7; /* 0 Sunday */
        if (wd == 0 || wd == 6)
            continue;
        int64_t base = day0 + d * DAYS_NS;
        for (double t = 8.5 * 3600; t < 17.5 * 3600; t += 240 + 120 * urand()) {
            conn(&ev, "10.0.1.1", "198.18.1.1", base + (int64_t)(t * SEC), 700 + (uint64_t)(30 * urand()));
            run_event(r, &ev);
        }
        /* random office-hours requests, sizes varying */
        for (double t = 8.5 * 3600; t < 17.5 * 3600; t += -log(1 - urand()) * 300) {
            conn(&ev, "10.0.1.2", "198.18.1.2", base + (int64_t)(t * SEC), (uint64_t)exp(5 + 5 * urand()));
            run_event(r, &ev);
        }
    }
    for (int d = 0; d < 14; d++) {
        int wd = (2 + 1 + d) % 7;
        if (wd == 0 || wd == 6)
            continue;
        feed_human_day(r, "10.0.1.3", "198.18.1.3", day0 + d * DAYS_NS);
    }
    /* bursty: three days of 2 min callbacks, every ~40 min a burst of interactive work */
    int64_t start = day0 + 10 * DAYS_NS;
    for (double t = 0, next_burst = 1800; t < 3 * 86400; t += 108 + 24 * urand()) {
        conn(&ev, "10.0.1.4", "198.18.1.4", start + (int64_t)(t * SEC), 900 + (uint64_t)(40 * urand()));
        run_event(r, &ev);
        if (t > next_burst) {
            double u = t + 5 + 100 * urand(); /* anywhere between two calls */
            for (int i = 0, n = 20 + (int)(40 * urand()); i < n; i++, u += 0.5 + 2.5 * urand()) {
                conn(&ev, "10.0.1.4", "198.18.1.4", start + (int64_t)(u * SEC),
                     (uint64_t)exp(6 + 6 * urand()));
                run_event(r, &ev);
            }
            next_burst = t + 1800 + 1200 * urand();
        }
    }
    /* a fast run: 40 min of 10 s callbacks on day 5, then silence */
    for (double t = 0; t < 2400; t += 9 + 2 * urand()) {
        conn(&ev, "10.0.1.5", "198.18.1.5", day0 + 5 * DAYS_NS + (int64_t)((36000 + t) * SEC),
             300 + (uint64_t)(10 * urand()));
        run_event(r, &ev);
    }
    /* page loads: 30 connections 0.1-0.5 s apart, a few times a day */
    for (int d = 0; d < 14; d++)
        for (int k = 0; k < 3; k++) {
            double t = 9 * 3600 + k * 7200 + 3600 * urand();
            for (int i = 0; i < 30; i++, t += 0.1 + 0.4 * urand()) {
                conn(&ev, "10.0.1.6", "198.18.1.6", day0 + d * DAYS_NS + (int64_t)(t * SEC),
                     (uint64_t)exp(5 + 7 * urand()));
                run_event(r, &ev);
            }
        }
    /* a mail client polling every 300 s, two weeks, all hours */
    for (double t = 0; t < 14 * 86400; t += 299 + 2 * urand()) {
        conn(&ev, "10.0.1.7", "198.18.1.7", day0 + (int64_t)(t * SEC), 1500 + (uint64_t)(60 * urand()));
        run_event(r, &ev);
    }
}

static void test_schedules(void)
{
    run r;
    CHECK(run_start(&r, "beacon", NULL));
    if (!r.state)
        return;
    feed_schedules(&r);
    run_stop(&r);
    for (size_t i = 0; i < r.out.n; i++)
        printf("  schedules: %s\n", r.out.a[i]->title);
    const ts_alert *a = find_alert(&r.out, "beacon|10.0.1.1|198.18.1.1");
    CHECK(a && strstr(a->title, " active hours over ") && title_interval(a) > 270 && title_interval(a) < 330);
    CHECK(a && a->count > 800);
    a = find_alert(&r.out, "beacon|10.0.1.4|198.18.1.4");
    CHECK(a && title_interval(a) > 110 && title_interval(a) < 130);
    a = find_alert(&r.out, "beacon|10.0.1.5|198.18.1.5");
    CHECK(a && strstr(a->title, "fast run") && title_interval(a) > 9 && title_interval(a) < 11);
    CHECK(a && a->count >= 200 && a->severity >= 40);
    CHECK(find_alert(&r.out, "beacon|10.0.1.7|198.18.1.7") != NULL);
    CHECK(find_alert(&r.out, "beacon|10.0.1.2|198.18.1.2") == NULL);
    CHECK(find_alert(&r.out, "beacon|10.0.1.3|198.18.1.3") == NULL);
    CHECK(find_alert(&r.out, "beacon|10.0.1.6|198.18.1.6") == NULL);
    CHECK_INT(r.out.n, 4);
    got_free(&r.out);
}

/* Events a detector-shaped recorder keeps, to be fed again in time order. */
typedef struct tape {
    ts_event *ev;
    size_t n, cap;
} tape;

static void tape_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    (void)out;
    tape *t = state;
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 4096;
        ts_event *v = realloc(t->ev, nc * sizeof *v);
        if (!v)
            return;
        t->ev = v;
        t->cap = nc;
    }
    t->ev[t->n++] = *ev; /* conn() points only at string literals */
}

static int cmp_event_time(const void *a, const void *b)
{
    int64_t x = ((const ts_event *)a)->ts_ns, y = ((const ts_event *)b)->ts_ns;
    return (x > y) - (x < y);
}

/* A live watch never reaches the end of its data: the same schedules, in time order, are
 * reported as the hours close, each once: the fast run within the hour after it, the
 * office-hours and bursty beacons before their data ends, the mail client's polling in
 * the watch's first day saying the baseline is young (and 10 lower); people are not;
 * finish then adds nothing. */
static void test_schedules_live(void)
{
    static const ts_detector recorder = {.name = "tape", .event = tape_event};
    tape t = {0};
    run rec = {.d = &recorder, .state = &t};
    rng = 88172645463325252ULL;
    feed_schedules(&rec);
    qsort(t.ev, t.n, sizeof *t.ev, cmp_event_time);
    run r;
    CHECK(run_start_as(&r, "beacon", NULL, true));
    if (!r.state) {
        free(t.ev);
        return;
    }
    int64_t raised[RUN_MAX_ALERTS];
    for (size_t i = 0; i < t.n; i++) {
        size_t before = r.out.n;
        run_event(&r, &t.ev[i]);
        for (size_t k = before; k < r.out.n; k++)
            raised[k] = t.ev[i].ts_ns;
    }
    size_t live_n = r.out.n;
    run_stop(&r);
    int64_t day0 = T0 - T0 % DAYS_NS + DAYS_NS;
    for (size_t i = 0; i < r.out.n; i++)
        printf("  live, %s: %s\n", i < live_n ? "raised" : "at finish", r.out.a[i]->title);
    CHECK_INT(live_n, 4);
    CHECK_INT(r.out.n, live_n);
    for (size_t i = 0; i < live_n; i++) {
        const ts_alert *a = r.out.a[i];
        double at_h = (double)(raised[i] - day0) / 3600e9;
        printf("    raised %.2f h after the data began\n", at_h);
        if (strcmp(a->key, "beacon|10.0.1.5|198.18.1.5") == 0) /* 10:00-10:40 on day 5 */
            CHECK(strstr(a->title, "fast run") && at_h >= 5 * 24 + 10.66 && at_h < 5 * 24 + 11.5);
        else if (strcmp(a->key, "beacon|10.0.1.1|198.18.1.1") == 0)
            CHECK(at_h < 12 * 24);
        else if (strcmp(a->key, "beacon|10.0.1.4|198.18.1.4") == 0) /* days 10-12 */
            CHECK(at_h > 10 * 24 && at_h < 13 * 24);
        else if (strcmp(a->key, "beacon|10.0.1.7|198.18.1.7") == 0)
            CHECK(at_h < 24 && strstr(a->title, "(baseline young: ") && a->severity <= 70);
        else
            CHECK(!"a person's traffic reported as a beacon");
    }
    got_free(&r.out);
    free(t.ev);
}

/* Ends a run as a killed watch does after its last checkpoint: no finish, state freed. */
static void run_kill(run *r)
{
    ts_detector_fini(r->d, r->state);
    free(r->state);
    r->state = NULL;
}

/* The schedules' events in time order, fed once whole and once split at cut: the first
 * part to a run whose state is saved and that is then killed, the rest to a fresh run
 * that loaded the saved state. Both see the same alerts, with the same titles (scores,
 * counts, whether the baseline was young), whether a live watch or a hunt; and a state
 * saved, loaded and saved again is the same bytes. */
static void test_saved_restart(bool live)
{
    static const ts_detector recorder = {.name = "tape", .event = tape_event};
    tape t = {0};
    run rec = {.d = &recorder, .state = &t};
    rng = 88172645463325252ULL;
    feed_schedules(&rec);
    qsort(t.ev, t.n, sizeof *t.ev, cmp_event_time);
    run one, a, b;
    CHECK(run_start_as(&one, "beacon", NULL, live));
    CHECK(run_start_as(&a, "beacon", NULL, live));
    if (!one.state || !a.state) {
        free(t.ev);
        return;
    }
    for (size_t i = 0; i < t.n; i++)
        run_event(&one, &t.ev[i]);
    run_stop(&one);
    /* the cut: day 6 (after the fast run, before the bursty beacon; the office-hours one
       and the mail client are half followed) */
    size_t cut = t.n / 2;
    for (size_t i = 0; i < cut; i++)
        run_event(&a, &t.ev[i]);
    void *blob = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    CHECK_INT(ts_detector_save(a.d, a.state, &blob, &len), TOCSIN_OK);
    run_kill(&a);
    CHECK(run_start_as(&b, "beacon", NULL, live));
    char why[256] = "";
    CHECK_INT(ts_detector_load(b.d, b.state, blob, len, why, sizeof why), TOCSIN_OK);
    CHECK_INT(ts_detector_save(b.d, b.state, &again, &len2), TOCSIN_OK);
    CHECK(len2 == len && again && memcmp(blob, again, len) == 0);
    free(again);
    for (size_t i = cut; i < t.n; i++)
        run_event(&b, &t.ev[i]);
    run_stop(&b);
    got split = a.out;
    for (size_t i = 0; i < b.out.n; i++)
        on_alert(&split, b.out.a[i]);
    b.out.n = 0;
    printf("  %s, split at event %zu of %zu: %zu alerts (one run: %zu); saved state %zu bytes\n",
           live ? "live" : "hunt", cut, t.n, split.n, one.out.n, len);
    CHECK(one.out.n >= (live ? 4u : 3u));
    CHECK_INT(split.n, one.out.n);
    for (size_t i = 0; i < one.out.n; i++) {
        const ts_alert *x = find_alert(&split, one.out.a[i]->key);
        CHECK(x != NULL);
        if (x && strcmp(x->title, one.out.a[i]->title) != 0)
            printf("    differs: %s\n    one run: %s\n", x->title, one.out.a[i]->title);
        CHECK(x && strcmp(x->title, one.out.a[i]->title) == 0);
    }
    /* a damaged blob is refused whole: the run learns afresh */
    run c;
    CHECK(run_start_as(&c, "beacon", NULL, live));
    CHECK_INT(ts_detector_load(c.d, c.state, blob, len - 5, why, sizeof why), TOCSIN_E_FORMAT);
    CHECK(strstr(why, "beacon") && strstr(why, "pairs"));
    /* every flipped byte of the first 256 is refused or read without harm (run under
       ASan+UBSan in the suite) */
    unsigned char *bad = malloc(len);
    for (size_t k = 0; bad && k < len && k < 256; k++) {
        run d;
        if (!run_start_as(&d, "beacon", NULL, live))
            break;
        memcpy(bad, blob, len);
        bad[k] ^= (unsigned char)(0x5a + k);
        ts_detector_load(d.d, d.state, bad, len, NULL, 0);
        run_stop(&d);
        got_free(&d.out);
    }
    free(bad);
    for (size_t i = cut; i < t.n; i++)
        run_event(&c, &t.ev[i]);
    run_stop(&c);
    CHECK(find_alert(&c.out, "beacon|10.0.1.5|198.18.1.5") == NULL); /* the fast run was before the cut */
    got_free(&c.out);
    got_free(&split);
    got_free(&one.out);
    free(blob);
    free(t.ev);
}

/* A human's browsing scored on its own, to see it stays clearly under the threshold
 * even with a low threshold configured. */
/* The saved state keeps what a later run can judge: a beacon's day of connections is
 * saved, but a lone connection (a visit) and a pair seen only two months before (outside
 * the 30-day long window) add nothing to it. */
static size_t saved_bytes(bool visits)
{
    run r;
    size_t len = 0;
    void *blob = NULL;
    ts_event ev;
    if (!run_start(&r, "beacon", NULL))
        return 0;
    int64_t t0 = 1416787200LL * SEC; /* 2014-11-24 */
    if (visits) {
        for (int64_t t = t0 - 60 * 86400 * SEC; t < t0 - 59 * 86400 * SEC; t += 3600 * SEC) {
            conn(&ev, "10.0.0.7", "198.51.100.9", t, 800);
            run_event(&r, &ev);
        }
        conn(&ev, "10.0.0.8", "198.51.100.10", t0 + 3600 * SEC, 800);
        run_event(&r, &ev);
    }
    rng = 88172645463325252ULL;
    feed_beacon(&r, "10.0.0.5", "203.0.113.7", t0);
    CHECK_INT(ts_detector_save(r.d, r.state, &blob, &len), TOCSIN_OK);
    free(blob);
    run_stop(&r);
    got_free(&r.out);
    return len;
}

static void test_saved_bounded(void)
{
    size_t plain = saved_bytes(false), with_visits = saved_bytes(true);
    printf("  saved state: a day's beacon %zu bytes; with a lone visit and a pair gone 59 days %zu\n", plain,
           with_visits);
    CHECK(plain > 1000 * 12);
    CHECK_INT(with_visits, plain);
}

static void test_human_scores_low(const char *cfgdir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/low.conf", cfgdir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("[beacon]\nthreshold = 0.7\nmin_connections = 10\n", f);
    fclose(f);
    ts_config *cfg = NULL;
    CHECK_INT(ts_config_load(path, &cfg, NULL, NULL), TOCSIN_OK);
    run r;
    CHECK(run_start(&r, "beacon", cfg));
    if (r.state) {
        feed_human(&r, "10.0.0.6", "198.51.100.20");
        feed_human(&r, "10.0.0.9", "198.51.100.21");
        run_stop(&r);
        CHECK_INT(r.out.n, 0);
        for (size_t i = 0; i < r.out.n; i++)
            fprintf(stderr, "  unexpected: %s\n", r.out.a[i]->title);
        got_free(&r.out);
    }
    ts_config_free(cfg);
}

/* HTTP through a proxy: CONNECT requests name the target, the conn records of the same
 * uid give the sizes; TLS records of the same connections are not counted twice. */
/* A request whose URL host holds a NUL byte names no pair: its name, a C string, was cut to
 * "" and the saved state was then refused on loading (fuzz_detectors). */
static void test_nul_host(void)
{
    run r, back;
    CHECK(run_start(&r, "beacon", NULL));
    if (!r.state)
        return;
    ts_event ev;
    conn(&ev, "10.0.0.7", "198.51.100.1", T0, 100);
    ev.dataset = ts_str_c("zeek.http");
    ev.category = TS_CAT_NETWORK | TS_CAT_WEB;
    ev.type = 0; /* a request, not a flow */
    ev.action = ts_str_c("GET");
    ev.url = ts_str_make("http://\0\0x.example/", 20);
    run_event(&r, &ev);
    ev.url = ts_str_c("http://good.example/");
    ev.ts_ns += SEC;
    run_event(&r, &ev);
    void *blob = NULL;
    size_t len = 0;
    char why[256] = "";
    CHECK_INT(ts_detector_save(r.d, r.state, &blob, &len), TOCSIN_OK);
    CHECK(run_start(&back, "beacon", NULL));
    if (back.state) {
        CHECK_INT(ts_detector_load(back.d, back.state, blob, len, why, sizeof why), TOCSIN_OK);
        if (why[0])
            fprintf(stderr, "%s\n", why);
        run_stop(&back);
    }
    free(blob);
    run_stop(&r);
}

static void test_proxy_synthetic(void)
{
    run r;
    CHECK(run_start(&r, "beacon", NULL));
    if (!r.state)
        return;
    ts_field f[2];
    char uid[32];
    ts_event ev;
    int n = 0;
    for (int pass = 0; pass < 3; pass++) {
        rng = 42;
        n = 0;
        for (int64_t t = T0; t < T0 + 86400 * SEC; t += (int64_t)((280 + 40 * urand()) * SEC), n++) {
            snprintf(uid, sizeof uid, "C%08d", n);
            conn(&ev, "10.1.0.18", "10.1.0.16", t, 2700 + (uint64_t)(10 * urand()));
            f[0] = (ts_field){ts_str_c("uid"), ts_str_c(uid)};
            if (pass == 1) {
                ev.dataset = ts_str_c("zeek.http");
                ev.category = TS_CAT_NETWORK | TS_CAT_WEB;
                ev.type = 0;
                ev.action = ts_str_c("CONNECT");
                ev.domain = ts_str_c("C2.Example.ORG");
                f[1] = (ts_field){ts_str_c("uri"), ts_str_c("c2.example.org:443")};
                ev.bytes_out = ev.bytes_in = 0;
            } else if (pass == 2) {
                ev.dataset = ts_str_c("zeek.ssl");
                ev.category = TS_CAT_NETWORK | TS_CAT_TLS;
                ev.type = 0;
                ev.domain = ts_str_c("c2.example.org.");
                ev.bytes_out = ev.bytes_in = 0;
            }
            ev.dst_port = 3128;
            ev.fields = f;
            ev.n_fields = pass == 1 ? 2 : 1;
            run_event(&r, &ev);
        }
    }
    /* TLS to an internal address that is no proxy counts nowhere */
    for (int64_t t = T0; t < T0 + 86400 * SEC; t += 300 * SEC) {
        conn(&ev, "10.1.0.18", "10.1.0.40", t, 900);
        ev.dataset = ts_str_c("zeek.ssl");
        ev.category = TS_CAT_NETWORK | TS_CAT_TLS;
        ev.type = 0;
        ev.domain = ts_str_c("intranet.example.org");
        run_event(&r, &ev);
    }
    run_stop(&r);
    const ts_alert *a = find_alert(&r.out, "beacon|10.1.0.18|c2.example.org");
    CHECK(a != NULL);
    if (a) {
        CHECK_INT(a->count, n); /* once per connection, not per record */
        CHECK(strstr(a->title, "via proxy 10.1.0.16:3128") != NULL);
        CHECK(title_score(a) > 0.9); /* sizes joined from conn: regular */
    }
    CHECK(find_alert(&r.out, "beacon|10.1.0.18|intranet.example.org") == NULL);
    CHECK_INT(r.out.n, 1);
    got_free(&r.out);
}

/* With room for 16 pairs, a flood of one-off destinations evicts the idle pairs, yet a
 * beacon active throughout survives and is reported. */
static void test_bounded(const char *cfgdir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/small.conf", cfgdir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("[beacon]\nmax_pairs = 16\nmax_samples = 2000\njoin_cache = 64\n", f);
    fclose(f);
    ts_config *cfg = NULL;
    CHECK_INT(ts_config_load(path, &cfg, NULL, NULL), TOCSIN_OK);
    run r;
    CHECK(run_start(&r, "beacon", cfg));
    if (r.state) {
        ts_event ev;
        char dst[32];
        int k = 0;
        for (int64_t t = T0; t < T0 + 86400 * SEC; t += 60 * SEC) {
            conn(&ev, "10.2.0.5", "203.0.113.77", t + (int64_t)(urand() * 5 * SEC), 640);
            run_event(&r, &ev);
            for (int i = 0; i < 3; i++, k++) {
                snprintf(dst, sizeof dst, "198.18.%d.%d", (k / 250) % 250, k % 250 + 1);
                conn(&ev, "10.2.0.6", dst, t + i * SEC, 1000);
                run_event(&r, &ev);
            }
        }
        run_stop(&r);
        CHECK(find_alert(&r.out, "beacon|10.2.0.5|203.0.113.77") != NULL);
        CHECK_INT(r.out.n, 1);
        got_free(&r.out);
    }
    ts_config_free(cfg);
}

static void test_bad_config(const char *cfgdir)
{
    static const char *const bad[] = {
        "[beacon]\nthreshold = 1.5\n", "[beacon]\nmin_connections = 2\n", "[beacon]\nmax_pairs = 0\n",
        "[beacon]\nwindow = 90d\n",    "[beacon]\nmax_samples = 5\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/bad%zu.conf", cfgdir, i);
        FILE *f = fopen(path, "w");
        if (!f)
            continue;
        fputs(bad[i], f);
        fclose(f);
        ts_config *cfg = NULL;
        CHECK_INT(ts_config_load(path, &cfg, NULL, NULL), TOCSIN_OK);
        run r;
        CHECK(!run_start(&r, "beacon", cfg));
        ts_config_free(cfg);
    }
    /* nothing seen: nothing raised */
    run r;
    CHECK(run_start(&r, "beacon", NULL));
    if (r.state) {
        run_stop(&r);
        CHECK_INT(r.out.n, 0);
    }
}

int main(void)
{
    if (ts_scratch_init(&scratch) != TOCSIN_OK)
        return 1;
    char dir[] = "/tmp/test_beacon.XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    test_rita(dir);
    test_synthetic();
    test_places();
    test_mail_relay();
    test_slow_beacon();
    test_schedules();
    test_schedules_live();
    test_saved_restart(true);
    test_saved_restart(false);
    test_saved_bounded();
    test_human_scores_low(dir);
    test_proxy_synthetic();
    test_nul_host();
    test_bounded(dir);
    test_bad_config(dir);
    ts_scratch_free(&scratch);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return check_done("test_beacon");
}
