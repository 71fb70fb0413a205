/* saved.h: a stage's learned state as a blob kept between runs, declared as a table of
 * fields (as tunables are, core/config.h), so one writer and one reader serve every
 * detector: the reader checks every length, refuses a damaged blob whole and names the
 * field where it broke. */
#ifndef TS_SAVED_H
#define TS_SAVED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tocsin.h"

/* A growable blob being written. fail is set on allocation failure; the puts then do
 * nothing. */
typedef struct ts_blob_w {
    uint8_t *p;
    size_t n, cap;
    bool fail;
} ts_blob_w;
void ts_blob_put(ts_blob_w *b, const void *p, size_t n);
void ts_blob_put_u64(ts_blob_w *b, uint64_t v);

/* A bounded reader over a saved blob: a read past the end sets fail and yields zeros.
 * why (static text) says what was wrong, for the error naming the field. */
typedef struct ts_blob_r {
    const uint8_t *p;
    size_t n, off;
    bool fail;
    const char *why;
} ts_blob_r;
void ts_blob_get(ts_blob_r *r, void *p, size_t n);
uint64_t ts_blob_get_u64(ts_blob_r *r);
/* Marks r failed for the reason why (static text), unless it already failed. */
void ts_blob_fail(ts_blob_r *r, const char *why);

/* How a field is kept. */
typedef enum ts_saved_type {
    TS_SAVED_PLAIN = 1, /* its bytes as they are: a number, a fixed array, a struct of numbers */
    TS_SAVED_NESTED,    /* written and read by its codec: a map, a set, anything with pointers */
} ts_saved_type;

/* The small callbacks of a nested field; field is its address in the state. */
typedef struct ts_saved_codec {
    void (*put)(ts_blob_w *b, const void *field);
    /* Reads into the field as init left it; a short or inconsistent blob fails r. */
    void (*get)(ts_blob_r *r, void *field);
    /* Empties the field after a refused load, so nothing is kept half-read; the field stays
     * usable, as init left it (a table init allocated whole keeps its memory). */
    void (*clear)(void *field);
    /* Frees all the field holds, at the end (ts_saved_fini). NULL: clear frees it all. */
    void (*fini)(void *field);
} ts_saved_codec;

/* The field may be missing at the end of a blob an earlier version saved (it is then
 * left as init made it). Only trailing fields may carry it. */
#define TS_SAVED_OPTIONAL 1u

typedef struct ts_saved_field {
    const char *key; /* NULL ends a table; names the field in errors */
    size_t offset;   /* of the field in the state struct */
    ts_saved_type type;
    size_t size;                 /* PLAIN: its bytes */
    const ts_saved_codec *codec; /* NESTED */
    unsigned flags;              /* TS_SAVED_OPTIONAL */
    const char *table;           /* NESTED: its name in the run's summary of state, or NULL */
} ts_saved_field;

/* A plain field: state struct, field (named as the key). */
#define TS_SAVED_FIELD(st, field)                                                      \
    {                                                                                  \
#field, offsetof(st, field), TS_SAVED_PLAIN, sizeof(((st *)0)->field), NULL, 0 \
    }
/* A nested field: state struct, field, codec (a ts_saved_codec), flags. */
#define TS_SAVED_WITH(st, field, codec, flags)                           \
    {                                                                    \
#field, offsetof(st, field), TS_SAVED_NESTED, 0, &(codec), flags \
    }

/* A whole state's layout: the blob is magic (its kind and version, native order), then
 * each field in table order. */
typedef struct ts_saved {
    const char *name; /* whose state, for errors: "lateral" */
    uint64_t magic;
    const ts_saved_field *fields; /* ended by {0} */
    size_t magic_size;            /* bytes of magic written: 8 (0 says 8), or 4 for older layouts */
} ts_saved;

/* The fields of state as a malloc'ed blob the caller frees: TOCSIN_OK, or TOCSIN_E_NOMEM
 * (*blob NULL). */
tocsin_code ts_saved_save(const ts_saved *t, const void *state, void **blob, size_t *len);

/* Reads blob into state (as init made it). A blob of another kind, cut short, with bytes
 * left over or a nested field its codec refuses gives TOCSIN_E_FORMAT: every field is then
 * cleared (plain ones zeroed, nested ones by their codec) and why (may be NULL) holds a
 * message naming the state, the field and the byte: "lateral: saved state damaged at
 * field 'ways' (byte 96 of 100): cut short". */
tocsin_code ts_saved_load(const ts_saved *t, void *state, const void *blob, size_t len, char *why,
                          size_t why_n);

/* Clears every field of t in state, as a refused load does. */
void ts_saved_clear(const ts_saved *t, void *state);
/* Frees what every nested field of t holds in state (its codec's fini, else its clear):
 * how a detector's table frees its state at the end (ts_detector_fini). */
void ts_saved_fini(const ts_saved *t, void *state);

#endif
