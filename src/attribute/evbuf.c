/* evbuf.c: a growable list of attribution evidence that owns its labels (see evbuf.h). */
#include "attribute/evbuf.h"
#include "core/vec.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

ts_attr_evidence *ts_evbuf_add(ts_evbuf *b, const ts_attr_evidence *e, const char *label_fmt, ...)
{
    va_list ap;
    va_start(ap, label_fmt);
    int len = vsnprintf(NULL, 0, label_fmt, ap);
    va_end(ap);
    char *label = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (!label) {
        b->nomem = true;
        return NULL;
    }
    va_start(ap, label_fmt);
    vsnprintf(label, (size_t)len + 1, label_fmt, ap);
    va_end(ap);
    if (!ts_vec_grow(b->v, b->cap, b->n + 1, TS_VEC_NOCAP)) {
        free(label);
        b->nomem = true;
        return NULL;
    }
    ts_attr_evidence *d = &b->v[b->n++];
    *d = *e;
    d->label = label;
    return d;
}

void ts_evbuf_free(ts_evbuf *b)
{
    for (size_t i = 0; i < b->n; i++)
        free((char *)b->v[i].label);
    free(b->v);
    b->v = NULL;
    b->n = b->cap = 0;
}

static bool hidx_grow(ts_hidx *x)
{
    size_t nc = x->cap ? x->cap * 2 : 64;
    size_t *ns = calloc(nc, sizeof *ns);
    uint64_t *nh = calloc(nc, sizeof *nh);
    if (!ns || !nh) {
        free(ns);
        free(nh);
        return false;
    }
    for (size_t i = 0; i < x->cap; i++) {
        if (!x->slot[i])
            continue;
        size_t j = (size_t)x->hash[i] & (nc - 1);
        while (ns[j])
            j = (j + 1) & (nc - 1);
        ns[j] = x->slot[i];
        nh[j] = x->hash[i];
    }
    free(x->slot);
    free(x->hash);
    x->slot = ns;
    x->hash = nh;
    x->cap = nc;
    return true;
}

size_t ts_hidx_put(ts_hidx *x, uint64_t h, size_t idx, ts_hidx_eq eq, const void *ud)
{
    if (2 * (x->n + 1) > x->cap && !hidx_grow(x))
        return SIZE_MAX;
    size_t j = (size_t)h & (x->cap - 1);
    for (; x->slot[j]; j = (j + 1) & (x->cap - 1))
        if (x->hash[j] == h && eq(ud, x->slot[j] - 1, idx))
            return x->slot[j] - 1;
    x->slot[j] = idx + 1;
    x->hash[j] = h;
    x->n++;
    return idx;
}

void ts_hidx_free(ts_hidx *x)
{
    free(x->slot);
    free(x->hash);
    *x = (ts_hidx){0};
}
