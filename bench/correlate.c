/* correlate.c (bench): aggregation and incident building over many alerts; prints the
 * rate, the number of incidents and the memory the correlator's state takes. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "correlate/correlate.h"

#define EVENTS 1000000
#define KEYS 20000
#define HOSTS 2000
#define USERS 500

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A deterministic alert: key k happens on host k % HOSTS; each user works on 4 hosts. */
static ts_alert *make(uint32_t k, int64_t t)
{
    ts_alert *a = calloc(1, sizeof *a);
    char buf[64];
    a->detector = "bench";
    snprintf(buf, sizeof buf, "key|%u", k);
    a->key = strdup(buf);
    a->title = strdup(buf);
    a->kind = TS_EV_BEHAVIOUR;
    a->first_ns = a->last_ns = t;
    a->count = 1;
    snprintf(buf, sizeof buf, "ws%04u.corp.example", k % HOSTS);
    a->internal_host = strdup(buf);
    snprintf(buf, sizeof buf, "CORP\\user%03u", (k % HOSTS) / (HOSTS / USERS)); /* 4 hosts each */
    a->user = strdup(buf);
    a->file = strdup("bench.log");
    a->line = k;
    return a;
}

static size_t heap_used(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

int main(void)
{
    size_t base = heap_used();
    ts_correlator *c = ts_correlator_new(0);
    uint64_t x = 88172645463325252ULL;
    double t0 = now();
    for (uint32_t i = 0; i < EVENTS; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift: repeatable */
        uint32_t k = (uint32_t)(x % KEYS);
        int64_t t = (int64_t)(x >> 20) % (30LL * 86400 * 1000000000LL);
        ts_correlator_add(c, make(k, t));
    }
    double t1 = now();
    size_t state = heap_used() - base;
    size_t kept = ts_correlator_alert_count(c);
    ts_incident **inc;
    size_t n = ts_correlator_finish(c, &inc);
    double t2 = now();
    printf(
        "correlate: %d alerts in %.2f s (%.0f alerts/s) -> %zu aggregated, state %.1f MB (%.0f bytes each)\n",
        EVENTS, t1 - t0, EVENTS / (t1 - t0), kept, state / 1e6, (double)state / (double)kept);
    printf("correlate: finish %.3f s -> %zu incidents\n", t2 - t1, n);
    for (size_t i = 0; i < n; i++)
        ts_incident_free(inc[i]);
    free(inc);
    ts_correlator_free(c);
    return 0;
}
