/* event.c: clearing events and the growable raw field map. */
#include "core/event.h"

#include <stdlib.h>

#include "core/vec.h"

void ts_event_clear(ts_event *ev)
{
    memset(ev, 0, sizeof *ev);
}

bool ts_fieldbuf_add(ts_fieldbuf *fb, ts_str key, ts_str val)
{
    if (!ts_vec_grow(fb->v, fb->cap, fb->n + 1, TS_VEC_NOCAP))
        return false;
    fb->v[fb->n++] = (ts_field){key, val};
    return true;
}

void ts_fieldbuf_free(ts_fieldbuf *fb)
{
    free(fb->v);
    *fb = (ts_fieldbuf){0};
}

ts_str ts_event_field(const ts_event *ev, const char *key)
{
    size_t n = strlen(key);
    for (size_t i = 0; i < ev->n_fields; i++)
        if (ev->fields[i].key.n == n && memcmp(ev->fields[i].key.p, key, n) == 0)
            return ev->fields[i].val;
    return TS_STR_NULL;
}
