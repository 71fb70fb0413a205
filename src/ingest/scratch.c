/* scratch.c: the per-thread buffers a reader reuses from record to record. */
#include "ingest/ingest.h"

#include <string.h>

tocsin_code ts_scratch_init(ts_scratch *s)
{
    memset(s, 0, sizeof *s);
    s->json = ts_json_new();
    return s->json ? TOCSIN_OK : TOCSIN_E_NOMEM;
}

void ts_scratch_free(ts_scratch *s)
{
    ts_json_free(s->json);
    ts_arena_free(&s->arena);
    ts_fieldbuf_free(&s->fields);
    memset(s, 0, sizeof *s);
}
