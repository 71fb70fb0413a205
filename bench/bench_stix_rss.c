/* bench_stix_rss.c: peak memory of loading a large STIX bundle, as a ratio to its size.
 * usage: bench_stix_rss [indicators (default 1000000)] [path (default $TMPDIR/tocsin-stix-N.json)]
 *
 * The bundle (one intrusion-set, N indicators each with an "indicates" relationship to it,
 * as OpenCTI and MISP exports tie indicators to actors) is written first, a line at a time,
 * then loaded as `tocsin hunt --intel` loads a feed (ts_intel_load_path). Peak RSS is the
 * process's high-water mark (getrusage), so writing the bundle must stay small: it does. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "intel/intel.h"

static long peak_kib(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int write_bundle(const char *path, long n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs("{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4f5b-8a17-7f1e2c8b9a01\",\"objects\":[\n"
          "{\"type\":\"intrusion-set\",\"spec_version\":\"2.1\",\"id\":\"intrusion-set--0a1b2c3d-0000-4000-"
          "8000-"
          "000000000001\",\"created\":\"2020-01-01T00:00:00.000Z\",\"modified\":\"2020-01-01T00:00:00.000Z\","
          "\"name\":\"Synthetic Actor\",\"aliases\":[\"SYN-1\"]}",
          f);
    for (long i = 0; i < n; i++) {
        fprintf(f,
                ",\n{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--6b3e%04lx-0000-4000-"
                "8000-%012lx\","
                "\"created\":\"2024-03-01T10:00:00.000Z\",\"modified\":\"2024-03-02T10:00:00.000Z\","
                "\"name\":\"C2 server %ld\",\"confidence\":80,\"pattern_type\":\"stix\","
                "\"pattern\":\"[ipv4-addr:value = '10.%ld.%ld.%ld'] OR [domain-name:value = "
                "'c2-%ld.example.net']\","
                "\"valid_from\":\"2024-03-01T10:00:00Z\",\"labels\":[\"malicious-activity\"]}",
                (unsigned long)(i >> 48) & 0xffff, (unsigned long)i, i, (i >> 16) & 255, (i >> 8) & 255,
                i & 255, i);
        fprintf(f,
                ",\n{\"type\":\"relationship\",\"spec_version\":\"2.1\",\"id\":\"relationship--7c4f0000-0000-"
                "4000-8000-"
                "%012lx\",\"relationship_type\":\"indicates\",\"source_ref\":\"indicator--6b3e%04lx-0000-"
                "4000-8000-%012lx\","
                "\"target_ref\":\"intrusion-set--0a1b2c3d-0000-4000-8000-000000000001\"}",
                (unsigned long)i, (unsigned long)(i >> 48) & 0xffff, (unsigned long)i);
    }
    fputs("\n]}\n", f);
    return fclose(f);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    char path[1024];
    struct stat st;
    if (argc > 2)
        snprintf(path, sizeof path, "%s", argv[2]);
    else
        snprintf(path, sizeof path, "%s/tocsin-stix-%ld.json", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
                 n);
    if (stat(path, &st) != 0 && write_bundle(path, n) != 0) {
        fprintf(stderr, "bench_stix_rss: cannot write %s\n", path);
        return 1;
    }
    if (stat(path, &st) != 0)
        return 1;
    long before = peak_kib();
    ts_intel *ti = ts_intel_new();
    double t0 = now();
    tocsin_code rc = ts_intel_load_path(ti, path, NULL);
    double secs = now() - t0;
    long peak = peak_kib();
    ts_intel_stats is;
    ts_intel_get_stats(ti, &is);
    double mb = (double)st.st_size / 1048576.0;
    size_t values = 0;
    for (int t = 0; t < TS_IOC__COUNT; t++)
        values += is.by_type[t];
    printf("STIX bundle %s: %.1f MiB, %ld indicators: %s in %.1f s, %zu values kept (tables %.1f MiB)\n",
           path, mb, n, tocsin_strerror(rc), secs, values, (double)is.bytes / 1048576.0);
    printf("peak RSS %.1f MiB (%.1f MiB before loading): %.2f x the file's size\n", (double)peak / 1024.0,
           (double)before / 1024.0, (double)peak / 1024.0 / mb);
    ts_intel_free(ti);
    return rc == TOCSIN_OK ? 0 : 1;
}
