/* fuzz_evtx.c: libFuzzer target for the native EVTX reader. The input is a whole file
 * when it starts with "ElfFile\0", else the content of one chunk behind a generated file
 * header. Each input is read twice, with templates compiled and walked token by token:
 * both must give the same events, so the fast path is checked against the reference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/evtx/evtx_int.h"

typedef struct mem {
    const uint8_t *p;
    size_t n, at;
} mem;

static tocsin_code mem_read(void *ud, void *buf, size_t n, size_t *got)
{
    mem *m = ud;
    size_t k = m->n - m->at < n ? m->n - m->at : n;
    memcpy(buf, m->p + m->at, k);
    m->at += k;
    *got = k;
    return TOCSIN_OK;
}

typedef struct digest {
    uint64_t h, events, errors;
} digest;

static void mix(digest *d, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        d->h = (d->h ^ b[i]) * 1099511628211ull;
}

static void on_event(void *ud, ts_event *ev)
{
    digest *d = ud;
    d->events++;
    mix(d, &ev->record, sizeof ev->record);
    for (size_t i = 0; i < ev->n_fields; i++) {
        mix(d, ev->fields[i].key.p, ev->fields[i].key.n);
        mix(d, "=", 1);
        mix(d, ev->fields[i].val.p, ev->fields[i].val.n);
        mix(d, "\n", 1);
    }
}

static void on_error(void *ud, const ts_diag *dg)
{
    digest *d = ud;
    d->errors++;
    mix(d, &dg->record, sizeof dg->record);
}

static ts_scratch scratch;

static digest run(const uint8_t *p, size_t n, unsigned flags)
{
    digest d = {14695981039346656037ull, 0, 0};
    mem m = {p, n, 0};
    ts_sink sink = {on_event, on_error, &d};
    evtx_read_stream(mem_read, &m, "fuzz.evtx", &scratch, &sink, NULL, flags);
    return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[EVTX_FILE_HEADER + EVTX_CHUNK_SIZE];
    const uint8_t *p = data;
    size_t n = size;
    if (size < 8 || memcmp(data, "ElfFile\0", 8) != 0) {
        if (size > EVTX_CHUNK_SIZE)
            return 0;
        memset(buf, 0, EVTX_FILE_HEADER);
        memcpy(buf, "ElfFile\0", 8);
        memcpy(buf + EVTX_FILE_HEADER, data, size);
        p = buf;
        n = EVTX_FILE_HEADER + size;
    }
    digest a = run(p, n, 0), b = run(p, n, EVTX_WALK_ONLY);
    if (a.h != b.h || a.events != b.events || a.errors != b.errors) {
        fprintf(stderr, "compiled: %llu events %llu errors; walked: %llu events %llu errors\n",
                (unsigned long long)a.events, (unsigned long long)a.errors, (unsigned long long)b.events,
                (unsigned long long)b.errors);
        abort();
    }
    return 0;
}
