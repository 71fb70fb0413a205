/* bench_intel.c: loads 10 million random IPv4 indicators through the list loader and
 * prints load time, bytes per indicator (store accounting and peak RSS) and the cost of
 * a lookup, hit and miss. Usage: bench_intel [count] (default 10000000). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "intel/intel.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* xorshift64*: reproducible addresses without libc rand's short period. */
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next32(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * 2685821657736338717ull) >> 32);
}

/* CPU time of this thread: the machine is shared, and time other processes take from
 * this one is no cost of a lookup. */
static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Resident memory now, from /proc (0 where there is none). */
static long rss_now_kb(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static long rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static ts_ip ip4(uint32_t a)
{
    ts_ip ip = {.v = 4, .b = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a}};
    return ip;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000000;
    char path[] = "/tmp/tocsin_bench_intel_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        perror("mkstemp");
        return 1;
    }
    /* Even addresses are indicators; odd ones are sure misses. */
    uint64_t seed = rng;
    fprintf(f, "# bench list\n");
    for (size_t i = 0; i < n; i++) {
        uint32_t a = next32() & ~1u;
        fprintf(f, "%u.%u.%u.%u\n", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    }
    fclose(f);
    long rss0 = rss_kb();

    ts_intel *ti = ts_intel_new();
    ts_feed_opts o = {.actor = "Bench Actor"};
    double t0 = now(), c0 = cpu_now();
    tocsin_code rc = ts_intel_load_path(ti, path, &o);
    double t1 = now(), c1 = cpu_now();
    unlink(path);
    ts_intel_stats st;
    ts_intel_get_stats(ti, &st);
    size_t got = st.by_type[TS_IOC_IP];
    printf("load: %zu indicators (%zu distinct) in %.2f s wall, %.2f s CPU (%s)\n", n, got, t1 - t0, c1 - c0,
           tocsin_strerror(rc));
    printf(
        "memory: %.1f bytes/indicator by store accounting, %.1f by resident memory after loading; peak RSS "
        "%ld MB (%ld MB before; the file is read whole and tables double while growing)\n",
        (double)st.bytes / (double)got, (double)(rss_now_kb() - rss0) * 1024 / (double)got, rss_kb() / 1024,
        rss0 / 1024);

    /* Lookups: replay the generator for hits; flip the low bit for misses. */
    enum { BATCH = 1 << 16 };
    static ts_ip q[BATCH];
    ts_ioc_hit h[4];
    size_t lookups = n > 10000000 ? n : 10000000, found = 0;
    size_t nbatch = (lookups + BATCH - 1) / BATCH;
    double *per = malloc(nbatch * sizeof *per);
    for (int miss = 0; miss < 2 && per; miss++) {
        double spent = 0, wall = 0;
        size_t b = 0;
        rng = seed;
        found = 0;
        for (size_t done = 0; done < lookups; done += BATCH) {
            for (size_t i = 0; i < BATCH; i++) {
                if ((done + i) % n == 0)
                    rng = seed;
                q[i] = ip4((next32() & ~1u) | (uint32_t)miss);
            }
            double a = cpu_now(), w = now();
            for (size_t i = 0; i < BATCH; i++)
                found += ts_intel_match_ip(ti, &q[i], h, 4);
            double c = cpu_now() - a;
            spent += c;
            per[b++] = c;
            wall += now() - w;
        }
        size_t total = nbatch * BATCH;
        /* The median batch: other processes on a shared machine slow some batches down. */
        qsort(per, nbatch, sizeof *per, cmp_double);
        printf(
            "lookup %s: %.1f ns median, %.1f ns mean CPU (%.1f ns wall) each, over %zu lookups (%zu hits)\n",
            miss ? "miss" : "hit", per[nbatch / 2] * 1e9 / BATCH, spent * 1e9 / (double)total,
            wall * 1e9 / (double)total, total, found);
    }
    free(per);
    ts_intel_free(ti);
    return 0;
}
