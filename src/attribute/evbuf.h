/* evbuf.h: a growable list of attribution evidence that owns its labels, for the
 * builders of evidence (incidents, analyst input). */
#ifndef TS_EVBUF_H
#define TS_EVBUF_H

#include "attribute/attribute.h"

typedef struct ts_evbuf {
    ts_attr_evidence *v; /* each v[i].label is owned (malloc'ed) */
    size_t n, cap;
    bool nomem;          /* an append failed: the list is incomplete */
} ts_evbuf;

/* Appends a copy of e whose label is printf-formatted (and owned by the buffer). Returns
 * the stored copy, or NULL on allocation failure (b->nomem is then set). */
ts_attr_evidence *ts_evbuf_add(ts_evbuf *b, const ts_attr_evidence *e, const char *label_fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ts_evbuf_free(ts_evbuf *b);

#endif
