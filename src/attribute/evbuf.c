/* evbuf.c: a growable list of attribution evidence that owns its labels (see evbuf.h). */
#include "attribute/evbuf.h"

#include <stdarg.h>
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
    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 16;
        ts_attr_evidence *nv = realloc(b->v, nc * sizeof *nv);
        if (!nv) {
            free(label);
            b->nomem = true;
            return NULL;
        }
        b->v = nv;
        b->cap = nc;
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
