/* vec.h: growing an array in place, with a cap on its length (the one shape for the
 * "if (n == cap) realloc twice the size" arrays). */
#ifndef TS_VEC_H
#define TS_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* No cap beyond what size_t can count: for arrays whose length something else bounds. */
#define TS_VEC_NOCAP SIZE_MAX

/* Makes room for at least need elements of elem bytes in the array *arr (NULL when empty)
 * of capacity *cap, at most max elements: the capacity doubles (at least 8), never past
 * max. True when there is room; false when need > max, the size overflows or realloc fails,
 * and then *arr and *cap are unchanged (the caller still owns and frees *arr). arr is the
 * address of the caller's pointer: use ts_vec_grow, which passes it and the element size. */
bool ts_vec_grow_(void *arr, size_t *cap, size_t need, size_t elem, size_t max);

/* ts_vec_grow(v, cap, need, max) with v an lvalue "T *" and cap a size_t lvalue:
 *   if (!ts_vec_grow(c->v, c->cap, c->n + 1, TS_VEC_NOCAP)) return TOCSIN_E_NOMEM;
 *   c->v[c->n++] = x;
 * need and cap are read twice: when there is room, no call is made (per-field paths). */
#define ts_vec_grow(v, cap, need, max) \
    ((need) <= (cap) || ts_vec_grow_(&(v), &(cap), (need), sizeof *(v), (max)))

#endif
