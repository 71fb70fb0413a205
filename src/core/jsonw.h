/* jsonw.h: a tiny streaming JSON writer for NDJSON output, escaping every string. */
#ifndef TS_JSONW_H
#define TS_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define TS_JW_DEPTH 32

typedef struct ts_jw {
    FILE *f;
    int depth;
    bool need_comma[TS_JW_DEPTH];
    bool after_key;
    char closer[TS_JW_DEPTH]; /* '}' or ']' for each open container, so ts_jw_end can close them */
} ts_jw;

/* Starts a top-level object on f. */
void ts_jw_begin(ts_jw *w, FILE *f);
/* Closes the top-level object and writes "\n". */
void ts_jw_end(ts_jw *w);
void ts_jw_key(ts_jw *w, const char *key);
void ts_jw_obj(ts_jw *w); /* opens a nested object (after a key or in an array) */
void ts_jw_obj_end(ts_jw *w);
void ts_jw_arr(ts_jw *w);
void ts_jw_arr_end(ts_jw *w);
void ts_jw_str(ts_jw *w, const char *s);            /* NULL writes null */
void ts_jw_strn(ts_jw *w, const char *s, size_t n); /* bytes that are not valid UTF-8 become U+FFFD */
void ts_jw_int(ts_jw *w, int64_t v);
void ts_jw_uint(ts_jw *w, uint64_t v);
void ts_jw_double(ts_jw *w, double v);
void ts_jw_bool(ts_jw *w, bool v);
void ts_jw_null(ts_jw *w);
/* key + value shorthands */
void ts_jw_kstr(ts_jw *w, const char *k, const char *s);
void ts_jw_kint(ts_jw *w, const char *k, int64_t v);
void ts_jw_kuint(ts_jw *w, const char *k, uint64_t v);
void ts_jw_kdouble(ts_jw *w, const char *k, double v);
void ts_jw_kbool(ts_jw *w, const char *k, bool v);
/* A number that may be unknown: v when has, else null. */
void ts_jw_kint_or_null(ts_jw *w, const char *k, bool has, int64_t v);
void ts_jw_kuint_or_null(ts_jw *w, const char *k, bool has, uint64_t v);

#endif
