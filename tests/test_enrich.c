/* test_enrich.c: countries, ASNs and flags from the real libloc database; internal ranges; the cache. */
#include "check.h"

#include <unistd.h>

#include "enrich/enrich.h"
#include "enrich/enrich_priv.h"

static ts_ip ip_of(const char *s)
{
    ts_ip ip;
    if (!ts_ip_parse(ts_str_c(s), &ip))
        fprintf(stderr, "bad test address %s\n", s);
    return ip;
}

static ts_geo geo_of(ts_enrich *e, const char *s)
{
    ts_ip ip = ip_of(s);
    ts_geo g;
    ts_enrich_ip(e, &ip, &g);
    return g;
}

/* Answers the Debian libloc-database (IPFire, 2022-10-29) gives; checked with libloc. */
static void test_public(ts_enrich *e)
{
    ts_geo g = geo_of(e, "8.8.8.8");
    CHECK_STR(g.cc, "US");
    CHECK_INT(g.asn, 15169);
    CHECK(g.flags & TS_NET_KNOWN);
    CHECK(g.flags & TS_NET_ANYCAST);
    CHECK(!(g.flags & TS_NET_INTERNAL));

    g = geo_of(e, "175.45.176.1");
    CHECK_STR(g.cc, "KP");
    CHECK_INT(g.asn, 131279);
    CHECK(!(g.flags & (TS_NET_INTERNAL | TS_NET_ANYCAST)));

    g = geo_of(e, "203.131.222.102"); /* a Sony 2014 wiper C2, Thammasat University */
    CHECK_STR(g.cc, "TH");
    CHECK_INT(g.asn, 37992);

    g = geo_of(e, "2001:4860:4860::8888");
    CHECK_STR(g.cc, "US");
    CHECK_INT(g.asn, 15169);
    CHECK(g.flags & TS_NET_KNOWN);

    /* IPv4-mapped IPv6 is the IPv4 address. */
    g = geo_of(e, "::ffff:175.45.176.1");
    CHECK_STR(g.cc, "KP");

    const char *name = ts_enrich_as_name(e, 131279);
    CHECK_STR(name, "Star Joint Venture Co. Ltd.");
    CHECK_STR(ts_enrich_as_name(e, 15169), "GOOGLE");
    CHECK(ts_enrich_as_name(e, 0) == NULL);
    CHECK(ts_enrich_as_name(e, 4294967295u) == NULL);
}

static void test_internal(ts_enrich *e)
{
    /* Internal: RFC 1918, ULA, and what names no remote party (loopback, link-local,
       multicast, unspecified, broadcast). */
    const char *inside[] = {"10.1.2.3", "192.168.0.1", "172.16.5.4",      "127.0.0.1", "169.254.1.1",
                            "::1",      "fe80::1",     "fd00::1",         "fc00::1",   "224.0.0.251",
                            "ff02::fb", "0.0.0.0",     "255.255.255.255", "::"};
    for (size_t i = 0; i < sizeof inside / sizeof *inside; i++) {
        ts_geo g = geo_of(e, inside[i]);
        CHECK_INT(g.flags, TS_NET_INTERNAL | TS_NET_KNOWN);
        CHECK_STR(g.cc, "");
        CHECK_INT(g.asn, 0);
    }
    /* Documentation, benchmarking, CGNAT and other reserved blocks are not the
       organisation's: a server there is outside (a beacon or exfiltration target). */
    const char *outside[] = {"192.0.2.1",  "203.0.113.255", "203.0.113.9", "2001:db8::1",
                             "100.64.1.1", "198.18.0.1",    "192.0.0.8",   "240.0.0.1",
                             "172.32.0.1", "192.169.0.1",   "169.255.0.1", "fe00::1"};
    for (size_t i = 0; i < sizeof outside / sizeof *outside; i++) {
        ts_geo g = geo_of(e, outside[i]);
        if (g.flags & TS_NET_INTERNAL)
            fprintf(stderr, "%s is internal\n", outside[i]);
        CHECK(!(g.flags & TS_NET_INTERNAL));
        CHECK(g.flags & TS_NET_KNOWN);
        ts_ip ip = ip_of(outside[i]);
        CHECK(!ts_ip_is_internal_default(&ip));
    }
    /* The private blocks' edges, just inside and just outside. */
    const char *priv_in[] = {"10.0.0.0",    "10.255.255.255",  "172.16.0.0",  "172.31.255.255",
                             "192.168.0.0", "192.168.255.255", "fdff:ffff::1"};
    const char *priv_out[] = {"9.255.255.255", "11.0.0.0", "172.15.255.255", "192.167.255.255", "fbff::1"};
    for (size_t i = 0; i < sizeof priv_in / sizeof *priv_in; i++) {
        ts_ip ip = ip_of(priv_in[i]);
        CHECK(ts_ip_is_internal_default(&ip));
    }
    for (size_t i = 0; i < sizeof priv_out / sizeof *priv_out; i++) {
        ts_ip ip = ip_of(priv_out[i]);
        CHECK(!ts_ip_is_internal_default(&ip));
    }
    /* The IPv4 ranges are masks: their edges, just inside and just outside. */
    const char *edge_in[] = {"0.255.255.255",  "10.255.255.255",  "100.127.255.255", "172.31.255.255",
                             "198.19.255.255", "255.255.255.255", "203.0.113.255",   "198.51.100.0",
                             "192.0.0.8",      "239.255.255.255"};
    const char *edge_out[] = {"1.0.0.0",         "11.0.0.0",    "100.63.255.255", "100.128.0.0",
                              "172.15.255.255",  "172.32.0.0",  "198.17.255.255", "198.20.0.0",
                              "192.0.1.1",       "192.0.3.0",   "203.0.112.255",  "223.255.255.255",
                              "169.253.255.255", "192.169.0.0", "126.255.255.255"};
    for (size_t i = 0; i < sizeof edge_in / sizeof *edge_in; i++) {
        ts_ip ip = ip_of(edge_in[i]);
        CHECK(ts_ip_is_special(&ip));
    }
    for (size_t i = 0; i < sizeof edge_out / sizeof *edge_out; i++) {
        ts_ip ip = ip_of(edge_out[i]);
        CHECK(!ts_ip_is_special(&ip));
    }
    ts_ip none = {0};
    ts_geo g = {"XX", 7, 7};
    ts_enrich_ip(e, &none, &g);
    CHECK_INT(g.flags, 0);
    CHECK_INT(g.asn, 0);
    CHECK_STR(g.cc, "");
}

static void test_configured(void)
{
    char err[256];
    ts_enrich *e = NULL;
    tocsin_code rc = ts_enrich_open(NULL, " 8.8.4.0/24 ,, 2001:4860::/32,198.51.100.7", &e, err, sizeof err);
    CHECK(rc == TOCSIN_OK || rc == TOCSIN_E_ENRICH);
    CHECK(e != NULL);
    if (!e)
        return;
    CHECK_INT(geo_of(e, "8.8.4.4").flags, TS_NET_INTERNAL | TS_NET_KNOWN);
    CHECK_INT(geo_of(e, "2001:4860:4860::8888").flags, TS_NET_INTERNAL | TS_NET_KNOWN);
    CHECK(!(geo_of(e, "8.8.8.8").flags & TS_NET_INTERNAL)); /* next /24 */
    CHECK(!(geo_of(e, "8.8.5.1").flags & TS_NET_INTERNAL));
    CHECK(!(geo_of(e, "2001:4861::1").flags & TS_NET_INTERNAL));
    ts_enrich_free(e);

    const char *bad[] = {"10.0.0.0/33", "garbage", "10.0.0.0/8,foo", "1.2.3.4/", "::/129"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        e = (ts_enrich *)1;
        err[0] = '\0';
        CHECK_INT(ts_enrich_open(NULL, bad[i], &e, err, sizeof err), TOCSIN_E_ARG);
        CHECK(e == NULL);
        CHECK(strstr(err, "not an address or CIDR") != NULL);
    }
}

static void test_event(ts_enrich *e, bool db)
{
    ts_event ev;
    ts_event_clear(&ev);
    ev.src_ip = ip_of("10.0.0.5");
    ev.dst_ip = ip_of("175.45.176.1");
    ts_enrich_event(e, &ev);
    CHECK(ev.src_geo.flags & TS_NET_INTERNAL);
    CHECK(ev.dst_geo.flags & TS_NET_KNOWN);
    CHECK(!(ev.dst_geo.flags & TS_NET_INTERNAL));
    if (db)
        CHECK_STR(ev.dst_geo.cc, "KP");

    ts_event_clear(&ev);
    ev.src_ip = ip_of("8.8.8.8");
    ts_enrich_event(e, &ev);
    CHECK(ev.src_geo.flags & TS_NET_KNOWN);
    CHECK_INT(ev.dst_geo.flags, 0); /* no destination address: nothing to enrich */
}

/* The cache must give exactly what libloc gives, also after evictions. */
static void test_cache(ts_enrich *e)
{
    uint64_t h0, m0, h1, m1;
    ts_enrich_cache_stats(e, &h0, &m0);
    ts_geo a = geo_of(e, "1.1.1.1"), b = geo_of(e, "1.1.1.1");
    ts_enrich_cache_stats(e, &h1, &m1);
    CHECK(h1 >= h0 + 1);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    CHECK_STR(b.cc, "AU");
    CHECK_INT(b.asn, 13335);

    uint32_t x = 2463534242u;
    int same = 0, total = 0;
    for (int round = 0; round < 2; round++) {
        uint32_t y = x;
        for (int i = 0; i < 20000; i++) {
            y ^= y << 13, y ^= y >> 17, y ^= y << 5;
            ts_ip ip = {.v = 4};
            memcpy(ip.b, &y, 4);
            if (i % 5 == 0) { /* some IPv6 too */
                ip.v = 6;
                ip.b[0] = 0x20, ip.b[1] = 0x01, ip.b[2] = (uint8_t)(y >> 8);
                memcpy(ip.b + 8, &y, 4);
            }
            ts_geo c, u;
            ts_enrich_ip(e, &ip, &c);
            ts_enrich_ip_uncached(e, &ip, &u);
            total++;
            same += memcmp(&c, &u, sizeof c) == 0;
        }
    }
    CHECK_INT(same, total);
    ts_enrich_cache_stats(e, &h1, &m1);
    CHECK(h1 > h0 + 20000 / 2); /* the second round mostly hits */
}

/* Two hot addresses sharing a set both stay; a third in the set evicts the least recent. */
static void test_cache_ways(ts_enrich *e)
{
    ts_ip a = ip_of("8.8.8.8"), found[2];
    size_t set = ts_enrich_cache_set(&a), n = 0;
    for (uint32_t x = 0x01000000; n < 2 && x < 0xdf000000; x += 0x100) {
        ts_ip ip = {.v = 4, .b = {(uint8_t)(x >> 24), (uint8_t)(x >> 16), (uint8_t)(x >> 8), 1}};
        if (ts_enrich_cache_set(&ip) == set && !ts_ip_eq(&ip, &a))
            found[n++] = ip;
    }
    CHECK_INT(n, 2);
    if (n != 2)
        return;
    ts_ip b = found[0], c = found[1];
    ts_geo g;
    uint64_t h0, m0, h1, m1;
    ts_enrich_cache_stats(e, &h0, &m0);
    for (int i = 0; i < 50; i++) {
        ts_enrich_ip(e, &a, &g);
        ts_enrich_ip(e, &b, &g);
    }
    ts_enrich_cache_stats(e, &h1, &m1);
    CHECK(m1 - m0 <= 2); /* at most the first look at each */
    CHECK_INT(h1 - h0, 100 - (m1 - m0));
    /* a, b resident, b most recent: c evicts a, then a evicts b; c stays. */
    ts_enrich_ip(e, &c, &g);
    ts_enrich_ip(e, &a, &g);
    ts_enrich_cache_stats(e, &h0, &m0);
    ts_enrich_ip(e, &c, &g);
    ts_enrich_ip(e, &a, &g);
    ts_enrich_cache_stats(e, &h1, &m1);
    CHECK_INT(h1 - h0, 2);
    ts_enrich_ip(e, &b, &g);
    ts_enrich_cache_stats(e, &h0, &m0);
    CHECK_INT(m0 - m1, 1);
}

static void test_no_db(void)
{
    char err[256] = "";
    ts_enrich *e = NULL;
    CHECK_INT(ts_enrich_open("/nonexistent/location.db", "198.51.100.0/24", &e, err, sizeof err),
              TOCSIN_E_ENRICH);
    CHECK(e != NULL);
    CHECK(strstr(err, "/nonexistent/location.db") != NULL);
    if (!e)
        return;
    CHECK(!ts_enrich_has_db(e));
    test_internal(e);
    ts_geo g = geo_of(e, "8.8.8.8");
    CHECK_INT(g.flags, TS_NET_KNOWN);
    CHECK_STR(g.cc, "");
    CHECK(ts_enrich_as_name(e, 15169) == NULL);
    test_event(e, false);
    ts_enrich_free(e);

    /* A file that is not a database. */
    e = NULL;
    CHECK_INT(ts_enrich_open("tests/check.h", NULL, &e, err, sizeof err), TOCSIN_E_ENRICH);
    CHECK(strstr(err, "not a libloc database") != NULL);
    CHECK(e != NULL);
    if (e)
        CHECK_INT(geo_of(e, "10.9.9.9").flags, TS_NET_INTERNAL | TS_NET_KNOWN);
    ts_enrich_free(e);
    ts_enrich_free(NULL);
}

int main(void)
{
    /* The cache test asks libloc often enough to build the IPv4 table: keep it out of $HOME. */
    char dir[] = "/tmp/tocsin-enrich-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    setenv("TOCSIN_CACHE_DIR", dir, 1);
    test_configured();
    test_no_db();

    char err[256];
    ts_enrich *e = NULL;
    tocsin_code rc = ts_enrich_open(NULL, NULL, &e, err, sizeof err);
    if (rc == TOCSIN_E_ENRICH) {
        printf("SKIP libloc answers: %s\n", err);
        check_skipped++;
    } else {
        CHECK_INT(rc, TOCSIN_OK);
        CHECK(ts_enrich_has_db(e));
        test_public(e);
        test_cache(e);
        test_cache_ways(e);
        test_event(e, true);
    }
    if (e)
        test_internal(e);
    ts_enrich_free(e);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
    return check_done("test_enrich");
}
