/* bench_enrich.c: ns per address enrichment, libloc uncached vs behind the cache, over a Zipf-like address
 * mix; and the compiled IPv4 table (geo4.h): its build, its load from the cache directory, its lookup. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dirent.h>
#include <sys/stat.h>

#include <libloc/database.h>
#include <libloc/libloc.h>

#include "enrich/enrich.h"
#include "enrich/enrich_priv.h"
#include "enrich/geo4.h"

#define DISTINCT 100000 /* distinct public addresses */
#define LOOKUPS 2000000 /* lookups drawn from them, rank r with weight 1/r */

static uint64_t rng = 88172645463325252ull;
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

/* A random public address; one in ten IPv6 inside 2000::/3 (where the allocations are). */
static void random_public(ts_ip *ip)
{
    do {
        uint64_t r = next_rand();
        memset(ip, 0, sizeof *ip);
        if (r % 10 == 0) {
            ip->v = 6;
            uint64_t hi = next_rand(), lo = next_rand();
            memcpy(ip->b, &hi, 8);
            memcpy(ip->b + 8, &lo, 8);
            ip->b[0] = (uint8_t)(0x20 | (ip->b[0] & 0x1f));
        } else {
            ip->v = 4;
            memcpy(ip->b, &r, 4);
        }
    } while (ts_ip_is_special(ip));
}

/* A scratch cache directory: the table this run builds, which the session opened after it uses. */
static char dir[] = "/tmp/tocsin-bench-geo4-XXXXXX";

/* Builds the IPv4 table from the database, saves it in the scratch cache directory and
 * loads it back, timing each; then its lookups of distinct random addresses (no cache). */
static void bench_table(const char *db_path)
{
    const char *paths[] = {db_path, "/var/lib/location/database.db",
                           "/usr/share/libloc-location/location.db"};
    FILE *f = NULL;
    for (size_t i = 0; i < 3 && !f; i++)
        f = paths[i] ? fopen(paths[i], "rb") : NULL;
    struct loc_ctx *ctx = NULL;
    struct loc_database *db = NULL;
    char err[256];
    if (!f || loc_new(&ctx) != 0 || loc_database_new(ctx, &db, f) != 0) {
        printf("  compiled IPv4 table: no database\n");
        return;
    }
    double t0 = now_ns();
    ts_geo4 *g = ts_geo4_build(db, err, sizeof err);
    double t_build = now_ns() - t0;
    bool saved = g && ts_geo4_save(g, db, f);
    t0 = now_ns();
    ts_geo4 *l = saved ? ts_geo4_load(db, f) : NULL;
    double t_load = now_ns() - t0;
    if (l) {
        enum { N = 4000000 };
        uint32_t *a = malloc(N * sizeof *a);
        ts_geo geo;
        unsigned found = 0;
        for (size_t i = 0; a && i < N; i++)
            a[i] = (uint32_t)next_rand();
        t0 = now_ns();
        for (size_t i = 0; a && i < N; i++) {
            ts_geo4_lookup(l, a[i], &geo);
            found += geo.asn != 0;
        }
        double t_look = (now_ns() - t0) / N;
        printf("  compiled IPv4 table %8.1f ns/lookup (random addresses, no cache); %zu ranges\n", t_look,
               ts_geo4_ranges(l));
        printf("                      built in %.0f ms, loaded (mapped and checked) in %.1f ms; %u with an "
               "ASN\n",
               t_build / 1e6, t_load / 1e6, found);
        /* The saved file's size: the scratch directory holds only it. */
        DIR *d = opendir(dir);
        struct dirent *de;
        struct stat sb;
        char path[sizeof dir + 300];
        while (d && (de = readdir(d)))
            if (de->d_name[0] != '.' && snprintf(path, sizeof path, "%s/%s", dir, de->d_name) > 0 &&
                stat(path, &sb) == 0)
                printf("                      saved table: %.1f MB\n", (double)sb.st_size / 1e6);
        if (d)
            closedir(d);
        free(a);
    } else {
        printf("  compiled IPv4 table: %s\n", g ? "could not be saved and loaded" : err);
    }
    ts_geo4_free(g);
    ts_geo4_free(l);
    loc_database_unref(db);
    loc_unref(ctx);
    fclose(f);
}

int main(int argc, char **argv)
{
    char err[256];
    ts_enrich *e;
    if (!mkdtemp(dir))
        return 1;
    setenv("TOCSIN_CACHE_DIR", dir, 1);
    printf("bench_enrich:\n");
    bench_table(argc > 1 ? argv[1] : NULL);
    double t_open = now_ns();
    tocsin_code rc = ts_enrich_open(argc > 1 ? argv[1] : NULL, NULL, &e, err, sizeof err);
    t_open = now_ns() - t_open;
    if (rc != TOCSIN_OK) {
        fprintf(stderr, "bench_enrich: %s\n", err);
        ts_enrich_free(e);
        return 1;
    }
    ts_ip *addr = malloc(DISTINCT * sizeof *addr);
    uint32_t *seq = malloc(LOOKUPS * sizeof *seq);
    double *cdf = malloc(DISTINCT * sizeof *cdf);
    if (!addr || !seq || !cdf)
        return 1;
    for (size_t i = 0; i < DISTINCT; i++)
        random_public(&addr[i]);
    /* Zipf, s = 1: a few addresses (resolvers, the proxy, the mail relay) carry most
       events; a long tail is seen once or twice. Drawn before timing. */
    double sum = 0;
    for (size_t i = 0; i < DISTINCT; i++)
        cdf[i] = sum += 1.0 / (double)(i + 1);
    for (size_t i = 0; i < LOOKUPS; i++) {
        double u = (double)(next_rand() >> 11) / 9007199254740992.0 * sum;
        size_t lo = 0, hi = DISTINCT - 1;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (cdf[mid] < u)
                lo = mid + 1;
            else
                hi = mid;
        }
        seq[i] = (uint32_t)lo;
    }

    ts_geo g;
    unsigned found = 0;
    /* Twice: the first pass also pays the page faults of a freshly mapped database. */
    double unc[2];
    for (int pass = 0; pass < 2; pass++) {
        double t0 = now_ns();
        for (size_t i = 0; i < DISTINCT; i++) {
            ts_enrich_ip_uncached(e, &addr[i], &g);
            found += g.asn != 0;
        }
        unc[pass] = (now_ns() - t0) / DISTINCT;
    }

    double t0 = now_ns();
    for (size_t i = 0; i < LOOKUPS; i++) {
        ts_enrich_ip(e, &addr[seq[i]], &g);
        found += g.asn != 0;
    }
    double mix = (now_ns() - t0) / LOOKUPS;
    uint64_t hits, misses;
    ts_enrich_cache_stats(e, &hits, &misses);

    /* The cost of a hit alone: 1,000 hot addresses, all resident. */
    t0 = now_ns();
    for (size_t i = 0; i < LOOKUPS; i++) {
        ts_enrich_ip(e, &addr[i % 1000], &g);
        found += g.asn != 0;
    }
    double hit = (now_ns() - t0) / LOOKUPS;

    printf("  %d distinct public addresses (10%% IPv6), %d Zipf(s=1) lookups, cache %u entries\n", DISTINCT,
           LOOKUPS, 1u << TS_ENRICH_CACHE_BITS);
    printf("  open database       %8.1f us\n", t_open / 1000);
    printf("  libloc uncached     %8.1f ns/lookup first pass, %.1f ns/lookup second pass\n", unc[0], unc[1]);
    printf("  cached, Zipf mix    %8.1f ns/lookup  (hit rate %.1f%%; IPv4 misses from the table)\n", mix,
           100.0 * (double)hits / (double)(hits + misses));
    printf("  cache hit only      %8.1f ns/lookup\n", hit);
    printf("  (%u answers with an ASN)\n", found);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_enrich: could not remove %s\n", dir);
    free(addr);
    free(seq);
    free(cdf);
    ts_enrich_free(e);
    return 0;
}
