/* bench_detect.c: ns per event through the intel and home-network detectors, against 100k addresses and 50k
 * domains. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect/detect.h"
#include "intel/intel.h"

#define N_IP 100000
#define N_DOMAIN 50000
#define EVENTS 1000000
#define HIT_EVERY 1000 /* one event in a thousand touches an indicator */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void random_ip(ts_ip *ip)
{
    uint32_t r = (uint32_t)next_rand();
    memset(ip, 0, sizeof *ip);
    ip->v = 4;
    ip->b[0] = (uint8_t)(1 + (r >> 24) % 222);
    ip->b[1] = (uint8_t)(r >> 16);
    ip->b[2] = (uint8_t)(r >> 8);
    ip->b[3] = (uint8_t)r;
}

static size_t alerts;
static void count(void *ud, ts_alert *a)
{
    (void)ud;
    alerts++;
    ts_alert_free(a);
}

int main(void)
{
    ts_intel *ti = ts_intel_new();
    uint32_t actor = ts_intel_actor_add(ti, "Bench Group", NULL, "KP");
    ts_ioc_meta m = {
        .source = ts_intel_source(ti, "bench"), .actors = ts_intel_actorset(ti, &actor, 1), .confidence = 70};
    static ts_ip iocs[N_IP];
    for (size_t i = 0; i < N_IP; i++) {
        random_ip(&iocs[i]);
        ts_intel_add_ip(ti, &iocs[i], 32, &m);
    }
    char name[64];
    for (size_t i = 0; i < N_DOMAIN; i++) {
        int n =
            snprintf(name, sizeof name, "c2-%08llx.example", (unsigned long long)(next_rand() & 0xffffffff));
        ts_intel_add(ti, TS_IOC_DOMAIN, ts_str_make(name, (size_t)n), &m);
    }
    ts_intel_finalise(ti);

    ts_detect_ctx ctx = {ti, "KP,AS131279"};
    void *st[8];
    const ts_detector *det[8];
    size_t nd = 0;
    for (size_t i = 0; ts_detectors[i] && nd < 8; i++) {
        det[nd] = ts_detectors[i];
        st[nd] = calloc(1, det[nd]->state_size);
        if (det[nd]->init(st[nd], &ctx) != TOCSIN_OK)
            return 1;
        nd++;
    }
    ts_alert_sink sink = {count, NULL};

    /* Events built before timing: a Zeek-like mix of connections and DNS queries. */
    static ts_ip src[EVENTS / 10], dst[EVENTS / 10];
    for (size_t i = 0; i < EVENTS / 10; i++) {
        src[i] = (ts_ip){.v = 4, .b = {10, 0, (uint8_t)(i >> 8), (uint8_t)i}};
        if (i % HIT_EVERY == 0)
            dst[i] = iocs[i % N_IP];
        else
            random_ip(&dst[i]);
    }
    ts_event ev;
    ts_event_clear(&ev);
    ev.category = TS_CAT_NETWORK;
    ev.src_geo.flags = TS_NET_KNOWN | TS_NET_INTERNAL;
    ev.dst_geo = (ts_geo){"US", 15169, TS_NET_KNOWN};
    double t0 = now_ns();
    for (size_t i = 0; i < EVENTS; i++) {
        size_t k = i % (EVENTS / 10);
        ev.src_ip = src[k];
        ev.dst_ip = dst[k];
        ev.domain = (i & 3) == 0 ? ts_str_c("www.example.com") : TS_STR_NULL;
        for (size_t d = 0; d < nd; d++)
            det[d]->event(st[d], &ev, &sink);
    }
    double per = (now_ns() - t0) / EVENTS;
    printf("bench_detect: %d IP + %d domain indicators, %d events (1 in %d hits), %zu detectors\n", N_IP,
           N_DOMAIN, EVENTS, HIT_EVERY, nd);
    printf("  all detectors       %8.1f ns/event, %zu alerts\n", per, alerts);

    /* A clean event through the intel detector alone: the cost every event pays. */
    ev.domain = ts_str_c("www.example.com");
    ev.dst_ip = (ts_ip){.v = 4, .b = {93, 184, 216, 34}};
    t0 = now_ns();
    for (size_t i = 0; i < EVENTS; i++)
        det[0]->event(st[0], &ev, &sink);
    printf("  intel, clean event  %8.1f ns/event (the public address and the domain looked up; the internal "
           "source is not)\n",
           (now_ns() - t0) / EVENTS);
    for (size_t d = 0; d < nd; d++) {
        ts_detector_fini(det[d], st[d]);
        free(st[d]);
    }
    ts_intel_free(ti);
    return 0;
}
