/* test_hs_cache.c: compiled Hyperscan databases kept in the cache directory: a second
 * compile is answered from it, and a damaged, truncated, renamed or foreign entry is
 * refused (and then replaced), never used. */
#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/cachedir.h"
#include "sigma/hs_cache.h"

static const char *const exprs[] = {"mimikatz", "sekurlsa::\\w+", "\\\\ADMIN\\$"};
static const unsigned flags[] = {HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH, HS_FLAG_SINGLEMATCH,
                                 HS_FLAG_SINGLEMATCH};
static const unsigned ids[] = {7, 11, 42};

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned fl, void *ctx)
{
    (void)from, (void)to, (void)fl;
    *(unsigned *)ctx = id;
    return 0;
}

/* The id the database reports for text, or 0 for none. */
static unsigned scan(const hs_database_t *db, const char *text)
{
    hs_scratch_t *sc = NULL;
    unsigned got = 0;
    if (hs_alloc_scratch(db, &sc) != HS_SUCCESS)
        return 0;
    hs_scan(db, text, (unsigned)strlen(text), 0, sc, on_match, &got);
    hs_free_scratch(sc);
    return got;
}

static void entry_path(const char *key, char *path, size_t cap)
{
    char dir[4096];
    ts_cache_dir("sigma", dir, sizeof dir);
    snprintf(path, cap, "%s/%s.hs", dir, key);
}

/* Rewrites one byte of the file at off (from the end when off < 0). */
static void damage(const char *path, long off)
{
    FILE *f = fopen(path, "r+b");
    if (!f)
        return;
    fseek(f, off, off < 0 ? SEEK_END : SEEK_SET);
    int c = fgetc(f);
    fseek(f, -1, SEEK_CUR);
    fputc(c ^ 0x5a, f);
    fclose(f);
}

static void copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    char buf[4096];
    size_t n;
    while (a && b && (n = fread(buf, 1, sizeof buf, a)) > 0)
        fwrite(buf, 1, n, b);
    if (a)
        fclose(a);
    if (b)
        fclose(b);
}

static void test_keys(void)
{
    char k1[65], k2[65], k3[65];
    unsigned other_flags[] = {HS_FLAG_SINGLEMATCH, HS_FLAG_SINGLEMATCH, HS_FLAG_SINGLEMATCH};
    unsigned other_ids[] = {7, 11, 43};
    CHECK(ts_hs_cache_key(exprs, flags, ids, 3, k1));
    CHECK(ts_hs_cache_key(exprs, flags, ids, 3, k2));
    CHECK_STR(k1, k2);
    ts_hs_cache_key(exprs, other_flags, ids, 3, k3);
    CHECK(strcmp(k1, k3) != 0);
    ts_hs_cache_key(exprs, flags, other_ids, 3, k3);
    CHECK(strcmp(k1, k3) != 0);
    ts_hs_cache_key(exprs, flags, ids, 2, k3);
    CHECK(strcmp(k1, k3) != 0);
    /* "ab"+"c" and "a"+"bc" must not run together into the same key */
    const char *const x1[] = {"ab", "c"}, *const x2[] = {"a", "bc"};
    ts_hs_cache_key(x1, flags, ids, 2, k2);
    ts_hs_cache_key(x2, flags, ids, 2, k3);
    CHECK(strcmp(k2, k3) != 0);
}

static void test_round_trip_and_damage(void)
{
    char key[65], path[4300], other[65], other_path[4300];
    hs_database_t *db = NULL, *back = NULL;
    hs_compile_error_t *ce = NULL;
    unsigned *refused = NULL, nr = 0, kept[] = {11};
    ts_hs_cache_key(exprs, flags, ids, 3, key);
    entry_path(key, path, sizeof path);
    unlink(path);

    CHECK(!ts_hs_cache_get(key, &back, &refused, &nr)); /* nothing yet */
    CHECK(hs_compile_multi(exprs, flags, ids, 3, HS_MODE_BLOCK, NULL, &db, &ce) == HS_SUCCESS);
    ts_hs_cache_put(key, db, kept, 1);
    CHECK(access(path, R_OK) == 0);

    ts_hs_cache_stats before = ts_hs_cache_stats_get();
    CHECK(ts_hs_cache_get(key, &back, &refused, &nr));
    CHECK(back != NULL);
    CHECK_INT(nr, 1);
    CHECK_INT(refused ? refused[0] : 0, 11);
    CHECK_INT(scan(back, "x MimiKatz y"), 7);
    CHECK_INT(scan(back, "net use \\\\srv\\ADMIN$"), 42);
    CHECK_INT(scan(back, "nothing here"), 0);
    CHECK_INT(ts_hs_cache_stats_get().hits, before.hits + 1);
    hs_free_database(back), free(refused);

    /* a byte changed in the database, in the header, or the file cut short: refused */
    damage(path, -10);
    CHECK(!ts_hs_cache_get(key, &back, &refused, &nr));
    CHECK(back == NULL && refused == NULL && nr == 0);
    CHECK_INT(ts_hs_cache_stats_get().rejected, before.rejected + 1);
    ts_hs_cache_put(key, db, kept, 1); /* the next compile replaces it */
    CHECK(ts_hs_cache_get(key, &back, &refused, &nr));
    hs_free_database(back), free(refused);
    damage(path, 0);
    CHECK(!ts_hs_cache_get(key, &back, &refused, &nr));
    ts_hs_cache_put(key, db, kept, 1);
    CHECK(truncate(path, 200) == 0);
    CHECK(!ts_hs_cache_get(key, &back, &refused, &nr));

    /* an entry under another key's name is not that key's */
    ts_hs_cache_put(key, db, kept, 1);
    ts_hs_cache_key(exprs, flags, ids, 2, other);
    entry_path(other, other_path, sizeof other_path);
    copy_file(path, other_path);
    CHECK(!ts_hs_cache_get(other, &back, &refused, &nr));

    /* every candidate refused: no database, the refusals kept */
    unsigned all[] = {7, 11, 42};
    ts_hs_cache_put(other, NULL, all, 3);
    CHECK(ts_hs_cache_get(other, &back, &refused, &nr));
    CHECK(back == NULL);
    CHECK_INT(nr, 3);
    CHECK_INT(refused ? refused[2] : 0, 42);
    free(refused);
    hs_free_database(db);
}

int main(void)
{
    char dir[] = "/tmp/tocsin-hs-cache-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    setenv("TOCSIN_CACHE_DIR", dir, 1);
    test_keys();
    test_round_trip_and_damage();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_done("test_hs_cache");
}
