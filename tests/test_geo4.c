/* test_geo4.c: the compiled IPv4 table answers exactly as libloc does, and is saved, loaded and refused when
 * damaged. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libloc/database.h>
#include <libloc/libloc.h>
#include <libloc/network.h>

#include "check.h"
#include "enrich/enrich.h"
#include "enrich/enrich_priv.h"
#include "enrich/geo4.h"

static ts_ip v4(uint32_t a)
{
    ts_ip ip = {.v = 4, .b = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a}};
    return ip;
}

/* The table's answer for a public address equals libloc's, flags included. */
static int agrees(const ts_geo4 *g, ts_enrich *e, uint32_t a)
{
    ts_ip ip = v4(a);
    ts_geo want, got = {0};
    ts_enrich_ip_uncached(e, &ip, &want);
    if (want.flags & TS_NET_INTERNAL)
        return 1; /* answered before any table */
    ts_geo4_lookup(g, a, &got);
    got.flags |= TS_NET_KNOWN;
    if (memcmp(want.cc, got.cc, 3) == 0 && want.asn == got.asn && want.flags == got.flags)
        return 1;
    fprintf(stderr, "%u.%u.%u.%u: libloc %s AS%u %#x, table %s AS%u %#x\n", a >> 24, (a >> 16) & 255,
            (a >> 8) & 255, a & 255, want.cc, want.asn, want.flags, got.cc, got.asn, got.flags);
    return 0;
}

static void test_answers(const ts_geo4 *g, ts_enrich *e)
{
    size_t n = ts_geo4_ranges(g), bad = 0, tried = 0;
    CHECK(n > 100000); /* Debian's database holds about a million IPv4 networks */
    CHECK_INT(ts_geo4_range_start(g, 0), 0);
    /* Both sides of every 50th boundary: where flattening nested networks could go wrong. */
    for (size_t i = 1; i < n && bad < 10; i += 50) {
        uint32_t s = ts_geo4_range_start(g, i);
        bad += !agrees(g, e, s) + !agrees(g, e, s - 1);
        tried += 2;
    }
    uint32_t x = 0x9E3779B9u;
    for (int i = 0; i < 50000 && bad < 20; i++, tried++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        bad += !agrees(g, e, x);
    }
    CHECK_INT(bad, 0);
    CHECK(tried > 60000);
    ts_geo geo;
    ts_geo4_lookup(g, 0x01010101u, &geo); /* 1.1.1.1 */
    CHECK_STR(geo.cc, "AU");
    CHECK_INT(geo.asn, 13335);
}

static size_t count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t n = 0;
    while (d && (de = readdir(d)))
        n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
    if (d)
        closedir(d);
    return n;
}

/* The path of the one saved table in dir, or "". */
static void saved_path(const char *dir, char *buf, size_t cap)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    buf[0] = '\0';
    while (d && (de = readdir(d)))
        if (strncmp(de->d_name, "geo4-", 5) == 0)
            snprintf(buf, cap, "%s/%s", dir, de->d_name);
    if (d)
        closedir(d);
}

static void test_saved(const char *dir, struct loc_database *db, FILE *dbf, const ts_geo4 *g)
{
    char path[4096], stale[4096], err[256];
    CHECK(ts_geo4_load(db, dbf) == NULL); /* nothing saved yet */
    snprintf(stale, sizeof stale, "%s/geo4-0-0-0.bin", dir);
    FILE *f = fopen(stale, "w");
    if (f)
        fclose(f);
    CHECK(ts_geo4_save(g, db, dbf));
    CHECK_INT(count_files(dir, "geo4-"), 1); /* the stale table went */
    ts_geo4 *l = ts_geo4_load(db, dbf);
    CHECK(l != NULL);
    if (l) {
        CHECK_INT(ts_geo4_ranges(l), ts_geo4_ranges(g));
        size_t same = 0;
        uint32_t x = 12345;
        for (int i = 0; i < 10000; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            ts_geo a, b;
            ts_geo4_lookup(g, x, &a);
            ts_geo4_lookup(l, x, &b);
            same += memcmp(&a, &b, sizeof a) == 0;
        }
        CHECK_INT(same, 10000);
    }
    ts_geo4_free(l);

    /* A session opened now uses the saved table from its first lookup. */
    ts_enrich *e = NULL;
    CHECK_INT(ts_enrich_open(NULL, NULL, &e, err, sizeof err), TOCSIN_OK);
    CHECK(e && ts_enrich_has_table(e));
    ts_enrich_free(e);

    /* Damaged files are refused, never trusted: two ranges out of order, then a short file. */
    saved_path(dir, path, sizeof path);
    FILE *w = fopen(path, "r+b");
    CHECK(w != NULL);
    if (w) {
        uint32_t big = 0xFFFFFFF0u;
        fseek(w, 40 + 4 * 5, SEEK_SET);
        fwrite(&big, 4, 1, w);
        fclose(w);
    }
    CHECK(ts_geo4_load(db, dbf) == NULL);
    CHECK(truncate(path, 1000) == 0);
    CHECK(ts_geo4_load(db, dbf) == NULL);
    unlink(path);
}

/* Without a saved table, a session builds one once libloc has been asked often enough. */
static void test_built_in_hunt(const char *dir)
{
    char err[256];
    ts_enrich *e = NULL;
    CHECK_INT(ts_enrich_open(NULL, NULL, &e, err, sizeof err), TOCSIN_OK);
    if (!e)
        return;
    CHECK(!ts_enrich_has_table(e));
    uint32_t x = 777;
    for (int i = 0; i < 30000 && !ts_enrich_has_table(e); i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        ts_ip ip = v4(x);
        ts_geo g;
        ts_enrich_ip(e, &ip, &g);
    }
    CHECK(ts_enrich_has_table(e));
    CHECK_INT(count_files(dir, "geo4-"), 1);
    ts_enrich_free(e);
}

int main(void)
{
    char dir[] = "/tmp/tocsin-geo4-XXXXXX", err[256];
    if (!mkdtemp(dir))
        return 1;
    setenv("TOCSIN_CACHE_DIR", dir, 1);
    ts_enrich *e = NULL;
    if (ts_enrich_open(NULL, NULL, &e, err, sizeof err) == TOCSIN_E_ENRICH) {
        printf("SKIP the IPv4 table: no libloc database (%s)\n", err);
        check_skipped++;
        ts_enrich_free(e);
        rmdir(dir);
        return check_done("test_geo4");
    }
    struct loc_ctx *ctx = NULL;
    struct loc_database *db = NULL;
    FILE *dbf = fopen("/var/lib/location/database.db", "rb");
    if (!dbf)
        dbf = fopen("/usr/share/libloc-location/location.db", "rb");
    CHECK(dbf && loc_new(&ctx) == 0 && loc_database_new(ctx, &db, dbf) == 0);
    ts_geo4 *g = db ? ts_geo4_build(db, err, sizeof err) : NULL;
    CHECK(g != NULL);
    if (g) {
        test_answers(g, e);
        test_saved(dir, db, dbf, g);
    }
    test_built_in_hunt(dir);
    ts_geo4_free(g);
    ts_enrich_free(e);
    if (db)
        loc_database_unref(db);
    if (ctx)
        loc_unref(ctx);
    if (dbf)
        fclose(dbf);
    char path[4096];
    saved_path(dir, path, sizeof path);
    if (path[0])
        unlink(path);
    rmdir(dir);
    return check_done("test_geo4");
}
