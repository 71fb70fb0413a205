/* vec.c: growing an array in place, with a cap on its length. */
#include "core/vec.h"

#include <stdlib.h>
#include <string.h>

bool ts_vec_grow_(void *arr, size_t *cap, size_t need, size_t elem, size_t max)
{
    if (need <= *cap)
        return true;
    if (need > max || elem == 0 || need > SIZE_MAX / elem)
        return false;
    size_t n = *cap < 8 ? 8 : *cap;
    while (n < need)
        n = n > SIZE_MAX / 2 ? SIZE_MAX : n * 2;
    if (n > max)
        n = max;
    if (n > SIZE_MAX / elem)
        n = SIZE_MAX / elem; /* still >= need, checked above */
    /* the caller's pointer is read and written as bytes: arr is a "T **" seen as void * */
    void *old, *grown;
    memcpy(&old, arr, sizeof old);
    if (!(grown = realloc(old, n * elem)))
        return false;
    memcpy(arr, &grown, sizeof grown);
    *cap = n;
    return true;
}
