/* json.h: the C face of the simdjson hot path (json_simd.cpp): walk every scalar of one
 * JSON document. Structured documents that are not on the hot path (intelligence feeds,
 * catalogues) use jansson instead. */
#ifndef TS_JSON_H
#define TS_JSON_H

#include <stddef.h>

#include "tocsin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Deepest nesting of objects and arrays walked (the top-level object is level 1); deeper
 * documents are rejected. Logs nest a few levels; the walk's stack costs ~300 bytes a level. */
#define TS_JSON_MAX_DEPTH 1024

/* Bytes that must be readable (any value) after the end of each document passed in. */
#define TS_JSON_PAD 64

typedef enum ts_json_type {
    TS_JSON_STRING = 1,
    TS_JSON_NUMBER, /* val is the number's text, as written */
    TS_JSON_TRUE,
    TS_JSON_FALSE,
    TS_JSON_NULL,
} ts_json_type;

/* A reusable parser; one per thread. */
typedef struct ts_json ts_json;
ts_json *ts_json_new(void);
void ts_json_free(ts_json *j);

/* Called for each scalar, in document order. path is the dotted path of object keys
 * ("id.orig_h", "Event.System.Provider.#attributes.Name"); elements of an array report
 * their array's path. Strings are unescaped. Both path and val stay valid until the next
 * ts_json_walk on the same parser and while buf is unchanged (text without escapes is
 * lent from buf itself), so they may be kept in a ts_event's field map.
 * Return nonzero to stop the walk early. */
typedef int (*ts_json_leaf_fn)(void *ud, const char *path, size_t plen, ts_json_type type, const char *val,
                               size_t vlen);

/* Walks the document buf[0..len) (with TS_JSON_PAD readable bytes after it). The top
 * level must be an object. Returns TOCSIN_OK, or TOCSIN_E_PARSE (also for nesting past
 * TS_JSON_MAX_DEPTH) or TOCSIN_E_NOMEM with *why (when why is not NULL) set to what is wrong:
 * text held by j until its next walk, "" after a success. The record carries no file or
 * line: its reader reports it, as a ts_diag, with them. */
tocsin_code ts_json_walk(ts_json *j, const char *buf, size_t len, ts_json_leaf_fn fn, void *ud,
                         const char **why);

#ifdef __cplusplus
}
#endif
#endif
