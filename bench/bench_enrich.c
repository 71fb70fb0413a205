/* bench_enrich.c: ns per address enrichment, libloc uncached vs behind the cache, over a Zipf-like address mix. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enrich/enrich.h"
#include "enrich/enrich_priv.h"

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

int main(int argc, char **argv)
{
    char err[256];
    ts_enrich *e;
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

    printf("bench_enrich: %d distinct public addresses (10%% IPv6), %d Zipf(s=1) lookups, cache %u entries\n",
           DISTINCT, LOOKUPS, 1u << TS_ENRICH_CACHE_BITS);
    printf("  open database       %8.1f us\n", t_open / 1000);
    printf("  libloc uncached     %8.1f ns/lookup first pass, %.1f ns/lookup second pass\n", unc[0], unc[1]);
    printf("  cached, Zipf mix    %8.1f ns/lookup  (hit rate %.1f%%)\n", mix,
           100.0 * (double)hits / (double)(hits + misses));
    printf("  cache hit only      %8.1f ns/lookup\n", hit);
    printf("  (%u answers with an ASN)\n", found);
    free(addr);
    free(seq);
    free(cdf);
    ts_enrich_free(e);
    return 0;
}
