/* feeds.c: keeps each loaded feed file's bytes, zlib-compressed, once per content, so
 * later sessions reload the same intelligence without the original files. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/sha256.h"
#include "store/store_int.h"

/* Past this a stored size is taken as damage rather than allocated. */
#define FEED_MAX ((int64_t)1 << 32)

static tocsin_code feed_known(ts_store *s, const char *sha, int *known)
{
    st_stmt *st = st_get(s, ST_FEED_FIND);
    if (!st)
        return TOCSIN_E_DB;
    st_text_nn(st, 1, sha);
    int rc = st_step(st);
    st_reset(st);
    if (rc != STEP_ROW && rc != STEP_DONE)
        return st_fail(s, "looking up a feed");
    *known = rc == STEP_ROW;
    return TOCSIN_OK;
}

tocsin_code ts_store_feed_put(ts_store *s, const char *kind, const char *name, const char *data, size_t len,
                              int *added)
{
    char sha[65];
    int known = 0;
    tocsin_code rc;
    if (added)
        *added = 0;
    if (!s || (!data && len))
        return TOCSIN_E_ARG;
    ts_sha256_hex(data ? data : "", len, sha);
    if ((rc = feed_known(s, sha, &known)) != TOCSIN_OK || known)
        return rc;
    uLongf zlen = compressBound((uLong)len);
    Bytef *z = malloc(zlen ? zlen : 1);
    if (!z)
        return TOCSIN_E_NOMEM;
    if (compress2(z, &zlen, (const Bytef *)(data ? data : ""), (uLong)len, Z_DEFAULT_COMPRESSION) != Z_OK) {
        free(z);
        return TOCSIN_E_NOMEM; /* the only failure compress2 has with a bound-sized buffer */
    }
    st_stmt *st = st_get(s, ST_FEED_INSERT);
    if (!st) {
        free(z);
        return TOCSIN_E_DB;
    }
    st_text_nn(st, 1, kind);
    st_text_nn(st, 2, name);
    st_text_nn(st, 3, sha);
    st_u64(st, 4, len);
    st_blob(st, 5, z, zlen);
    free(z);
    st_int(st, 6, st_now_ns());
    if ((rc = st_done(s, st, "storing a feed")) == TOCSIN_OK && added)
        *added = st_changes(s) > 0; /* 0 when another process stored it meanwhile */
    return rc;
}

/* Copies the current row out and inflates it; the statement may be reset afterwards. */
typedef struct feed_row {
    int64_t id;
    char *kind, *name, *data;
    size_t len;
} feed_row;

static void feed_row_free(feed_row *r)
{
    free(r->kind);
    free(r->name);
    free(r->data);
}

static tocsin_code feed_row_read(ts_store *s, st_stmt *st, feed_row *r)
{
    int64_t size = st_col_int64(st, 3);
    size_t zbytes = 0;
    const void *z = st_col_blob(st, 4, &zbytes);
    uLongf zlen = (uLongf)zbytes;
    r->id = st_col_int64(st, 0);
    const char *kind = st_col_text(st, 1);
    const char *name = st_col_text(st, 2);
    r->kind = strdup(kind ? kind : "");
    r->name = strdup(name ? name : "");
    if (size < 0 || size >= FEED_MAX) {
        snprintf(s->err, sizeof s->err, "stored feed %lld is damaged (size %lld)", (long long)r->id,
                 (long long)size);
        return TOCSIN_E_DB;
    }
    r->data = malloc((size_t)size + 1);
    if (!r->kind || !r->name || !r->data)
        return TOCSIN_E_NOMEM;
    uLongf out = (uLongf)size;
    if (uncompress((Bytef *)r->data, &out, z ? z : (const void *)"", zlen) != Z_OK || out != (uLongf)size) {
        snprintf(s->err, sizeof s->err, "stored feed %lld (%s) is damaged: it does not inflate to %lld bytes",
                 (long long)r->id, r->name, (long long)size);
        return TOCSIN_E_DB;
    }
    r->data[size] = 0; /* a convenience for text loaders; len excludes it */
    r->len = (size_t)size;
    return TOCSIN_OK;
}

tocsin_code ts_store_feed_each(ts_store *s,
                               int (*fn)(void *ud, const char *kind, const char *name, const char *data,
                                         size_t len),
                               void *ud)
{
    int64_t last = 0;
    for (;;) {
        st_stmt *st = st_get(s, ST_FEED_EACH);
        feed_row r = {0};
        tocsin_code rc;
        if (!st)
            return TOCSIN_E_DB;
        st_int(st, 1, last);
        int step = st_step(st);
        if (step == STEP_DONE) {
            st_reset(st);
            return TOCSIN_OK;
        }
        if (step != STEP_ROW) {
            rc = st_fail(s, "reading the stored feeds");
            st_reset(st);
            return rc;
        }
        rc = feed_row_read(s, st, &r);
        st_reset(st);
        last = r.id;
        int stop = rc == TOCSIN_OK && fn(ud, r.kind, r.name, r.data, r.len);
        feed_row_free(&r);
        if (rc != TOCSIN_OK || stop)
            return rc;
    }
}
