/* arena.c: bump allocation in blocks kept across resets. */
#include "core/arena.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK_MIN (64u << 10)

struct ts_arena_block {
    struct ts_arena_block *next;
    size_t used, size;
    max_align_t data[];
};

static struct ts_arena_block *take_block(ts_arena *a, size_t need)
{
    struct ts_arena_block **pp = &a->free, *b;
    for (; *pp; pp = &(*pp)->next) {
        if ((*pp)->size >= need) {
            b = *pp;
            *pp = b->next;
            return b;
        }
    }
    size_t size = need > BLOCK_MIN ? need : BLOCK_MIN;
    b = malloc(sizeof *b + size);
    if (b)
        b->size = size;
    return b;
}

void *ts_arena_alloc(ts_arena *a, size_t n)
{
    struct ts_arena_block *b = a->head;
    n = (n + 7) & ~(size_t)7;
    if (!b || b->size - b->used < n) {
        b = take_block(a, n);
        if (!b)
            return NULL;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    return p;
}

char *ts_arena_strndup(ts_arena *a, const char *p, size_t n)
{
    char *r = ts_arena_alloc(a, n + 1);
    if (r) {
        memcpy(r, p, n);
        r[n] = 0;
    }
    return r;
}

void ts_arena_reset(ts_arena *a)
{
    while (a->head) {
        struct ts_arena_block *b = a->head;
        a->head = b->next;
        b->next = a->free;
        a->free = b;
    }
}

void ts_arena_adopt(ts_arena *dst, ts_arena *src)
{
    struct ts_arena_block *last = src->head;
    if (last) {
        while (last->next)
            last = last->next;
        /* behind dst's current block, which stays the one allocated from */
        struct ts_arena_block **at = dst->head ? &dst->head->next : &dst->head;
        last->next = *at;
        *at = src->head;
        src->head = NULL;
    }
    ts_arena_free(src);
}

static void free_list(struct ts_arena_block *b)
{
    while (b) {
        struct ts_arena_block *n = b->next;
        free(b);
        b = n;
    }
}

void ts_arena_free(ts_arena *a)
{
    free_list(a->head);
    free_list(a->free);
    a->head = a->free = NULL;
}
