/* arena.h: a bump allocator reset per record, so parsing needs no per-field malloc. */
#ifndef TS_ARENA_H
#define TS_ARENA_H

#include <stddef.h>

/* Blocks are kept across resets, so a steady stream allocates nothing after warm-up. */
typedef struct ts_arena {
    struct ts_arena_block *head; /* block in use */
    struct ts_arena_block *free; /* blocks kept for reuse */
} ts_arena;

#define TS_ARENA_INIT \
    {                 \
        0, 0          \
    }

/* Returns n bytes aligned to 8, valid until the next reset; NULL on allocation failure. */
void *ts_arena_alloc(ts_arena *a, size_t n);
/* Copies p[0..n) and a NUL into the arena. */
char *ts_arena_strndup(ts_arena *a, const char *p, size_t n);
void ts_arena_reset(ts_arena *a);
/* Moves every block src holds in use into dst (their bytes stay where they are and live as
 * long as dst's); src is left empty. */
void ts_arena_adopt(ts_arena *dst, ts_arena *src);
void ts_arena_free(ts_arena *a);

#endif
