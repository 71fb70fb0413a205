/* evbuf.h: a growable list of attribution evidence that owns its labels, for the
 * builders of evidence (incidents, analyst input). */
#ifndef TS_EVBUF_H
#define TS_EVBUF_H

#include <stdbool.h>
#include <stdint.h>

#include "attribute/attribute.h"
#include "core/hash.h"

typedef struct ts_evbuf {
    ts_attr_evidence *v; /* each v[i].label is owned (malloc'ed) */
    size_t n, cap;
    bool nomem; /* an append failed: the list is incomplete */
} ts_evbuf;

/* Appends a copy of e whose label is printf-formatted (and owned by the buffer). Returns
 * the stored copy, or NULL on allocation failure (b->nomem is then set). */
ts_attr_evidence *ts_evbuf_add(ts_evbuf *b, const ts_attr_evidence *e, const char *label_fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ts_evbuf_free(ts_evbuf *b);

/* An open-addressing index of items by a 64-bit hash, so deduplication stays linear; the
 * caller keeps the items and says when two are equal. */
typedef struct ts_hidx {
    size_t *slot; /* item index + 1; 0 is empty */
    uint64_t *hash;
    size_t cap, n;
} ts_hidx;
typedef bool (*ts_hidx_eq)(const void *ud, size_t a, size_t b);

/* Looks up item idx (whose hash is h): returns the index of an equal item already in x, or
 * idx after adding it; SIZE_MAX on allocation failure. */
size_t ts_hidx_put(ts_hidx *x, uint64_t h, size_t idx, ts_hidx_eq eq, const void *ud);
void ts_hidx_free(ts_hidx *x);

#endif
