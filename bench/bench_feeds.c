/* bench_feeds.c: seconds to load the ATT&CK bundle, the bundled catalogue and a synthetic
 * STIX bundle of 100,000 indicators (goal: ATT&CK well under 2 s). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "intel/intel.h"
#include "intel/loaders.h"

extern const ts_loader ts_loader_stix, ts_loader_catalogue;

#define RUNS 3
#define INDICATORS 100000

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n)
        *len = (size_t)n;
    else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

/* Best of RUNS loads of data with loader l into a fresh store. */
static double best_load(const ts_loader *l, const char *name, const char *data, size_t len, size_t *actors)
{
    double best = 1e9;
    for (int r = 0; r < RUNS; r++) {
        ts_intel *ti = ts_intel_new();
        double t0 = now();
        tocsin_code rc = l->load(ti, name, data, len, NULL);
        double t = now() - t0;
        if (rc != TOCSIN_OK)
            fprintf(stderr, "%s: %s\n", name, tocsin_strerror(rc));
        if (t < best)
            best = t;
        *actors = ts_intel_actor_count(ti);
        ts_intel_free(ti);
    }
    return best;
}

/* A bundle of one intrusion-set and INDICATORS indicators that indicate it. */
static char *synthetic(size_t *len)
{
    size_t cap = (size_t)INDICATORS * 400 + 4096, n = 0;
    char *b = malloc(cap);
    if (!b)
        return NULL;
    n +=
        (size_t)snprintf(b + n, cap - n,
                         "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":[{\"type\":\"intrusion-set\","
                         "\"id\":\"intrusion-set--1\",\"name\":\"Synthetic\"}");
    for (int i = 0; i < INDICATORS; i++)
        n += (size_t)snprintf(
            b + n, cap - n,
            ",{\"type\":\"indicator\",\"id\":\"indicator--%d\",\"pattern_type\":\"stix\","
            "\"valid_from\":\"2020-01-01T00:00:00Z\",\"pattern\":\"[ipv4-addr:value = "
            "'10.%d.%d.%d'] OR [domain-name:value = 'h%d.example']\"},"
            "{\"type\":\"relationship\",\"id\":\"relationship--%d\",\"relationship_type\":"
            "\"indicates\",\"source_ref\":\"indicator--%d\",\"target_ref\":\"intrusion-set--1\"}",
            i, (i >> 16) & 255, (i >> 8) & 255, i & 255, i, i, i);
    n += (size_t)snprintf(b + n, cap - n, "]}");
    *len = n;
    return b;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : getenv("TOCSIN_SHARED_DATA");
    char path[1024];
    size_t len, actors;
    char *data;
    snprintf(path, sizeof path, "%s/attack/enterprise-attack-core.json", dir ? dir : "../shared/data");
    if ((data = slurp(path, &len))) {
        double t0 = now();
        json_t *j = json_loadb(data, len, 0, NULL);
        double parse = now() - t0;
        json_decref(j);
        double t = best_load(&ts_loader_stix, path, data, len, &actors);
        printf("ATT&CK bundle (%.1f MB): %.3f s best of %d (%.3f s of it jansson parsing), %zu actors\n",
               (double)len / 1e6, t, RUNS, parse, actors);
        free(data);
    } else {
        printf("ATT&CK bundle: %s is absent, skipped\n", path);
    }
    if ((data = slurp("data/intel/actors.jsonl", &len))) {
        double t = best_load(&ts_loader_catalogue, "actors.jsonl", data, len, &actors);
        printf("catalogue (%.2f MB): %.3f s best of %d, %zu actors\n", (double)len / 1e6, t, RUNS, actors);
        free(data);
    }
    if ((data = synthetic(&len))) {
        double t = best_load(&ts_loader_stix, "synthetic", data, len, &actors);
        printf("synthetic STIX (%.1f MB, %d indicators, %d values): %.3f s best of %d, %.0f values/s\n",
               (double)len / 1e6, INDICATORS, 2 * INDICATORS, t, RUNS, 2 * INDICATORS / t);
        free(data);
    }
    return 0;
}
