/* hs_cache.c: compiled Hyperscan databases kept on disk, keyed by everything that went into
 * compiling them. Compiling is three quarters of a hunt's start with SigmaHQ's rules (measured
 * with perf: hs_compile_multi 72% of a one-event hunt's CPU with the Windows tree); reading a
 * serialised database back is a copy. */
#include "sigma/hs_cache.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cachedir.h"
#include "core/sha256.h"
#include "tocsin.h"
#include "core/saved.h"

/* An entry: MAGIC, the key (hex), the payload's length and digest (hex), the payload. The
 * key is also the file's name; it is repeated inside so that a renamed or mixed-up file is
 * refused. The payload: the number of refused ids (u32), the ids (u32 each), then the
 * serialised database, if any. */
#define MAGIC "TSHSC001"
#define HEAD_LEN (8 + 64 + 8 + 64)
/* Databases of a few hundred expressions run to megabytes; a length beyond this is damage. */
#define MAX_PAYLOAD ((uint64_t)1 << 31)

static ts_hs_cache_stats stats;

ts_hs_cache_stats ts_hs_cache_stats_get(void)
{
    return stats;
}

static void count(uint64_t *c)
{
    __atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

/* The key: the versions of tocsin and Hyperscan and every input of the compile, each
 * length-prefixed so that no two inputs run together into the same bytes. */
bool ts_hs_cache_key(const char *const *exprs, const unsigned *flags, const unsigned *ids, unsigned n,
                     char key[65])
{
    ts_blob_w b = {0}; /* the key's material */
    const char *hv = hs_version();
    ts_blob_put_u64(&b, strlen(TOCSIN_VERSION));
    ts_blob_put(&b, TOCSIN_VERSION, strlen(TOCSIN_VERSION));
    ts_blob_put_u64(&b, strlen(hv));
    ts_blob_put(&b, hv, strlen(hv));
    ts_blob_put_u64(&b, n);
    for (unsigned i = 0; i < n; i++) {
        size_t l = strlen(exprs[i]);
        ts_blob_put_u64(&b, l);
        ts_blob_put(&b, exprs[i], l);
        ts_blob_put_u64(&b, flags[i]);
        ts_blob_put_u64(&b, ids[i]);
    }
    if (!b.fail)
        ts_sha256_hex(b.p, b.n, key);
    free(b.p);
    return !b.fail;
}

static int entry_path(const char *key, char *path, size_t cap)
{
    char dir[4096];
    if (!ts_cache_dir("sigma", dir, sizeof dir))
        return 0;
    int w = snprintf(path, cap, "%s/%s.hs", dir, key);
    return w > 0 && (size_t)w < cap;
}

static uint64_t read_u64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

bool ts_hs_cache_get(const char *key, hs_database_t **db, unsigned **refused, unsigned *n_refused)
{
    struct stat sb;
    unsigned char head[HEAD_LEN];
    char path[4200];
    bool ok = false;
    *db = NULL, *refused = NULL, *n_refused = 0;
    int fd = entry_path(key, path, sizeof path) ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    if (fd < 0) {
        count(&stats.misses);
        return false;
    }
    char *payload = NULL;
    if (fstat(fd, &sb) != 0 || sb.st_size < HEAD_LEN || read(fd, head, HEAD_LEN) != HEAD_LEN)
        goto bad;
    uint64_t len = read_u64(head + 8 + 64);
    if (memcmp(head, MAGIC, 8) != 0 || memcmp(head + 8, key, 64) != 0 || len > MAX_PAYLOAD ||
        (uint64_t)sb.st_size != HEAD_LEN + len || !(payload = malloc(len ? len : 1)))
        goto bad;
    for (uint64_t got = 0; got < len;) {
        ssize_t r = read(fd, payload + got, len - got);
        if (r <= 0)
            goto bad;
        got += (uint64_t)r;
    }
    char digest[65];
    ts_sha256_hex(payload, len, digest);
    if (memcmp(digest, head + 8 + 64 + 8, 64) != 0)
        goto bad;
    uint32_t nr;
    if (len < 4 || (memcpy(&nr, payload, 4), (uint64_t)nr > (len - 4) / 4))
        goto bad;
    size_t ids_end = 4 + (size_t)nr * 4;
    if (!(*refused = malloc(nr ? (size_t)nr * sizeof **refused : 1)))
        goto bad;
    for (uint32_t i = 0; i < nr; i++)
        memcpy(&(*refused)[i], payload + 4 + (size_t)i * 4, 4);
    *n_refused = nr;
    /* Hyperscan checks its own version and the processor's features again here. */
    ok = ids_end == len || hs_deserialize_database(payload + ids_end, len - ids_end, db) == HS_SUCCESS;
bad:
    count(ok ? &stats.hits : &stats.misses);
    if (!ok) {
        count(&stats.rejected);
        free(*refused);
        *refused = NULL, *db = NULL, *n_refused = 0;
    }
    free(payload);
    close(fd);
    return ok;
}

void ts_hs_cache_put(const char *key, const hs_database_t *db, const unsigned *refused, unsigned n_refused)
{
    char *bytes = NULL, tmp[4300], dir[4096], path[4200];
    size_t dblen = 0;
    unsigned char head[HEAD_LEN];
    if ((db && hs_serialize_database(db, &bytes, &dblen) != HS_SUCCESS) ||
        !entry_path(key, path, sizeof path) || !ts_cache_dir("sigma", dir, sizeof dir) ||
        !ts_cache_mkdir(dir) ||
        snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof tmp) {
        free(bytes);
        return;
    }
    size_t len = 4 + (size_t)n_refused * 4 + dblen;
    unsigned char *payload = malloc(len);
    if (!payload) {
        free(bytes);
        return;
    }
    uint32_t nr = n_refused;
    memcpy(payload, &nr, 4);
    for (unsigned i = 0; i < n_refused; i++) {
        uint32_t id = refused[i];
        memcpy(payload + 4 + (size_t)i * 4, &id, 4);
    }
    if (dblen)
        memcpy(payload + 4 + (size_t)n_refused * 4, bytes, dblen);
    free(bytes); /* hs_serialize_database allocates with the misc allocator, malloc by default */
    uint64_t l = len;
    char digest[65];
    ts_sha256_hex(payload, len, digest);
    memcpy(head, MAGIC, 8);
    memcpy(head + 8, key, 64);
    memcpy(head + 8 + 64, &l, 8);
    memcpy(head + 8 + 64 + 8, digest, 64);
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(head, 1, HEAD_LEN, f) == HEAD_LEN && fwrite(payload, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0)
        unlink(tmp);
    free(payload);
}
