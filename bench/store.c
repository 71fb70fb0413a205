/* store.c (bench): how fast incidents are written to and read back from the store, with
 * and without a batch transaction. Prints figures; asserts nothing.
 * usage: bench/store [N] [STORE]: STORE a new, empty store (an SQLite file or a
 * postgresql:// URL of an empty database); by default a file in a temporary directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report/report.h"
#include "store/store.h"

#define ALERTS 5

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void fill(ts_incident *inc, ts_alert *a, ts_alert **ptrs, char *keys, int n)
{
    memset(inc, 0, sizeof *inc);
    snprintf(inc->id, sizeof inc->id, "INC-%016x", (unsigned)n);
    for (int k = 0; k < ALERTS; k++) {
        memset(&a[k], 0, sizeof a[k]);
        snprintf(keys + 64 * k, 64, "ip|203.0.113.%d|10.0.%d.%d", k, n / 250, n % 250);
        a[k].detector = "intel";
        a[k].key = keys + 64 * k;
        a[k].title = "Connection to an address of a known actor";
        a[k].kind = TS_EV_INDICATOR;
        a[k].severity = 70;
        a[k].first_ns = 1416816720000000000LL + (int64_t)n * 1000000000 + k;
        a[k].last_ns = a[k].first_ns;
        a[k].count = 1;
        a[k].file = "logs/conn.log";
        a[k].line = (uint64_t)n * ALERTS + (uint64_t)k + 1;
        ptrs[k] = &a[k];
    }
    inc->first_ns = a[0].first_ns;
    inc->last_ns = a[ALERTS - 1].last_ns;
    inc->alerts = ptrs;
    inc->n_alerts = ALERTS;
    inc->severity = 70;
}

static double store_all(ts_store *s, long n, int batch)
{
    ts_incident inc;
    ts_alert a[ALERTS], *ptrs[ALERTS];
    char keys[64 * ALERTS];
    int64_t run;
    double t0 = now();
    ts_store_run_begin(s, "bench", &run);
    if (batch)
        ts_store_begin(s);
    for (long i = 0; i < n; i++) {
        fill(&inc, a, ptrs, keys, (int)(i + (batch ? n : 0)));
        if (ts_store_incident(s, run, &inc, NULL) != TOCSIN_OK) {
            fprintf(stderr, "store failed: %s\n", ts_store_error(s));
            break;
        }
    }
    if (batch)
        ts_store_commit(s);
    ts_store_run_end(s, run, 0, 0);
    return now() - t0;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
    if (n < 1 || n > 10000000)
        n = 2000;
    char path[] = "/tmp/tocsin-bench-XXXXXX", db[64], err[256];
    ts_store *s;
    if (!mkdtemp(path))
        return 1;
    snprintf(db, sizeof db, "%s/b.db", path);
    if (ts_store_open(argc > 2 ? argv[2] : db, &s, err, sizeof err) != TOCSIN_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    double one = store_all(s, n, 0);
    double batched = store_all(s, n, 1);
    printf("store: %ld incidents x %d alerts, one transaction each: %.3f s (%.0f incidents/s)\n", n, ALERTS,
           one, n / one);
    printf("store: %ld incidents x %d alerts, one batch:            %.3f s (%.0f incidents/s)\n", n, ALERTS,
           batched, n / batched);
    double again = store_all(s, n, 1);
    printf("store: the same %ld incidents again (nothing new):       %.3f s\n", n, again);
    FILE *null = fopen("/dev/null", "w");
    double t0 = now();
    ts_report_incidents(s, null, 0);
    double list = now() - t0;
    t0 = now();
    for (int i = 0; i < 1000; i++) {
        char id[24];
        snprintf(id, sizeof id, "INC-%016x", (unsigned)(i % n));
        ts_report_show(s, id, null, 1);
    }
    double show = now() - t0;
    fclose(null);
    printf("report: list of %ld incidents: %.3f s; show (NDJSON): %.2f ms each\n", 2 * n, list, show);
    ts_store_close(s);
    snprintf(err, sizeof err, "rm -rf %s", path);
    return system(err) != 0;
}
