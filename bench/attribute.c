/* attribute.c (bench): attributes one large incident (indicator alerts with techniques)
 * against the bundled catalogue and prints the time it takes. Run from the repository root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attribute/attribute.h"

#define ALERTS 50000
#define CATALOGUE "data/intel/actors.jsonl"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* An incident of n alerts, each an indicator hit on its own address for one actor. */
static ts_incident *big_incident(uint32_t set, size_t n)
{
    ts_incident *inc = calloc(1, sizeof *inc);
    inc->alerts = calloc(n, sizeof *inc->alerts);
    inc->n_alerts = n;
    for (size_t i = 0; i < n; i++) {
        ts_alert *a = calloc(1, sizeof *a);
        char ip[32];
        snprintf(ip, sizeof ip, "10.%zu.%zu.%zu", i / 62500, (i / 250) % 250, i % 250);
        a->detector = "intel";
        a->key = strdup(ip);
        a->title = strdup(ip);
        a->kind = TS_EV_INDICATOR;
        a->ioc_type = TS_IOC_IP;
        a->ioc_value = strdup(ip);
        a->actorset = set;
        a->confidence = 80;
        a->techniques = strdup("T1071.001,T1105");
        inc->alerts[i] = a;
    }
    return inc;
}

int main(void)
{
    ts_intel *ti = ts_intel_new();
    ts_feed_opts o = {0};
    if (ts_intel_load_path(ti, CATALOGUE, &o) != TOCSIN_OK) {
        fprintf(stderr, "bench/attribute: cannot load %s (run from the repository root)\n", CATALOGUE);
        ts_intel_free(ti);
        return 1;
    }
    ts_intel_finalise(ti);
    uint32_t actor = 0;
    if (ts_intel_actor_resolve(ti, "Lazarus Group", &actor, 1) == 0) {
        fprintf(stderr, "bench/attribute: no Lazarus Group in %s\n", CATALOGUE);
        ts_intel_free(ti);
        return 1;
    }
    ts_incident *inc = big_incident(ts_intel_actorset(ti, &actor, 1), ALERTS);
    double t0 = now();
    tocsin_code rc = ts_attribute_incident(ti, inc);
    double t1 = now();
    printf("attribute: %d alerts, %zu catalogued actors: %.3f s (%s)\n", ALERTS, ts_intel_actor_count(ti),
           t1 - t0, rc == TOCSIN_OK ? inc->attribution->summary : tocsin_strerror(rc));
    ts_incident_free(inc);
    ts_intel_free(ti);
    return rc == TOCSIN_OK ? 0 : 1;
}
