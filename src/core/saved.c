/* saved.c: a stage's learned state written and read back through its table of fields. */
#include "core/saved.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vec.h"

void ts_blob_put(ts_blob_w *b, const void *p, size_t n)
{
    if (b->fail)
        return;
    if (!ts_vec_grow(b->p, b->cap, b->n + n, TS_VEC_NOCAP)) {
        b->fail = true;
        return;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

void ts_blob_put_u64(ts_blob_w *b, uint64_t v)
{
    ts_blob_put(b, &v, 8);
}

void ts_blob_fail(ts_blob_r *r, const char *why)
{
    if (!r->fail)
        r->why = why;
    r->fail = true;
}

void ts_blob_get(ts_blob_r *r, void *p, size_t n)
{
    if (r->fail || n > r->n - r->off) {
        ts_blob_fail(r, "cut short");
        memset(p, 0, n);
        return;
    }
    memcpy(p, r->p + r->off, n);
    r->off += n;
}

uint64_t ts_blob_get_u64(ts_blob_r *r)
{
    uint64_t v;
    ts_blob_get(r, &v, 8);
    return v;
}

/* The magic's bytes: the first ones of the number in native order (all of it by default). */
static size_t magic_size(const ts_saved *t)
{
    return t->magic_size && t->magic_size < 8 ? t->magic_size : 8;
}

tocsin_code ts_saved_save(const ts_saved *t, const void *state, void **blob, size_t *len)
{
    ts_blob_w b = {0};
    ts_blob_put(&b, &t->magic, magic_size(t));
    for (const ts_saved_field *f = t->fields; f->key; f++) {
        const char *field = (const char *)state + f->offset;
        if (f->type == TS_SAVED_NESTED)
            f->codec->put(&b, field);
        else
            ts_blob_put(&b, field, f->size);
    }
    if (b.fail) {
        free(b.p);
        *blob = NULL;
        *len = 0;
        return TOCSIN_E_NOMEM;
    }
    *blob = b.p;
    *len = b.n;
    return TOCSIN_OK;
}

void ts_saved_clear(const ts_saved *t, void *state)
{
    for (const ts_saved_field *f = t->fields; f->key; f++) {
        char *field = (char *)state + f->offset;
        if (f->type == TS_SAVED_NESTED)
            f->codec->clear(field);
        else
            memset(field, 0, f->size);
    }
}

void ts_saved_fini(const ts_saved *t, void *state)
{
    for (const ts_saved_field *f = t->fields; f->key; f++)
        if (f->type == TS_SAVED_NESTED)
            (f->codec->fini ? f->codec->fini : f->codec->clear)((char *)state + f->offset);
}

tocsin_code ts_saved_load(const ts_saved *t, void *state, const void *blob, size_t len, char *why,
                          size_t why_n)
{
    ts_blob_r r = {blob, blob ? len : 0, 0, false, NULL};
    const char *at = "magic";
    size_t at_off = 0;
    uint64_t magic = 0;
    ts_blob_get(&r, &magic, magic_size(t));
    if (magic != t->magic && !r.fail)
        ts_blob_fail(&r, "not a state of this kind or version");
    for (const ts_saved_field *f = t->fields; f->key && !r.fail; f++) {
        if ((f->flags & TS_SAVED_OPTIONAL) && r.off == r.n)
            break; /* saved before the field existed: it starts as init made it */
        at = f->key;
        at_off = r.off;
        char *field = (char *)state + f->offset;
        if (f->type == TS_SAVED_NESTED)
            f->codec->get(&r, field);
        else
            ts_blob_get(&r, field, f->size);
    }
    if (!r.fail && r.off != r.n) {
        at = "end";
        at_off = r.off;
        ts_blob_fail(&r, "bytes left over after the last field");
    }
    if (!r.fail)
        return TOCSIN_OK;
    ts_saved_clear(t, state); /* learn afresh rather than half-loaded */
    if (why && why_n)
        snprintf(why, why_n, "%s: saved state damaged at field '%s' (byte %zu of %zu): %s", t->name, at,
                 at_off, r.n, r.why ? r.why : "refused");
    return TOCSIN_E_FORMAT;
}
