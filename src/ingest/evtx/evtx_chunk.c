/* evtx_chunk.c: the EVTX file and chunk layer: file header, 64 KiB chunks read one at a
 * time (checksums, magic), the records in each chunk, and one event per good record. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ingest/evtx/evtx_int.h"

/* FILETIME (100 ns since 1601) to ns since 1970; 0 when before 1970 or absurd. */
static int64_t filetime_ns(uint64_t ft)
{
    const uint64_t epoch = 116444736000000000ull;
    if (ft <= epoch || ft - epoch > (uint64_t)INT64_MAX / 100)
        return 0;
    return (int64_t)((ft - epoch) * 100);
}

typedef struct stream {
    evtx_read_fn rd;
    void *rud;
    const char *file;
    ts_scratch *s;
    const ts_sink *sink;
    evtx_finish_fn finish;
    evtx_parser *p;
    uint64_t chunk_no;
    uint64_t next_id; /* the record id expected next, to place errors in damaged chunks */
} stream;

static void report(stream *st, uint64_t record, tocsin_code code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(stream *st, uint64_t record, tocsin_code code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ts_diag_say(st->sink->error, st->sink->ud, st->file, 0, record, code, msg);
}

/* Reads exactly n bytes unless the input ends; *got says how many arrived. */
static tocsin_code read_full(stream *st, uint8_t *buf, size_t n, size_t *got)
{
    *got = 0;
    while (*got < n) {
        size_t g = 0;
        tocsin_code rc = st->rd(st->rud, buf + *got, n - *got, &g);
        if (rc != TOCSIN_OK)
            return rc;
        if (g == 0)
            break;
        *got += g;
    }
    return TOCSIN_OK;
}

static bool all_zero(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

static void emit(stream *st, uint64_t id, uint64_t ft)
{
    ts_event *ev = &st->s->ev;
    ts_event_clear(ev);
    ev->fields = st->s->fields.v;
    ev->n_fields = st->s->fields.n;
    ev->ts_ns = filetime_ns(ft);
    ev->file = st->file;
    ev->record = id;
    if (st->finish)
        st->finish(ev);
    if (st->sink->event)
        st->sink->event(st->sink->ud, ev);
}

/* The next record signature in c[from, limit), or 0. */
static uint32_t next_magic(const uint8_t *c, uint32_t from, uint32_t limit)
{
    for (uint32_t q = from; q + 4 <= limit; q++)
        if (c[q] == '*' && memcmp(c + q, "**\0\0", 4) == 0)
            return q;
    return 0;
}

/* The records of one chunk, from offset 512 to its free-space offset (or, when the header
 * is damaged, as far as records chain). A record whose size is damaged is resynchronised
 * on the next signature whose preceding size copy agrees; a missing signature ends the
 * chunk. */
static void chunk_records(stream *st, const uint8_t *c, bool header_ok)
{
    uint32_t limit = evtx_u32(c + 48);
    if (!header_ok || limit < EVTX_CHUNK_HEADER || limit > EVTX_CHUNK_SIZE)
        limit = EVTX_CHUNK_SIZE;
    uint32_t pos = EVTX_CHUNK_HEADER;
    evtx_parser_chunk(st->p, c);
    while (pos + EVTX_RECORD_HEADER + 4 <= limit) {
        const uint8_t *r = c + pos;
        if (memcmp(r, "**\0\0", 4) != 0) {
            if (header_ok && !all_zero(r, 4))
                report(st, st->next_id, TOCSIN_E_PARSE, "chunk %llu: no record signature at offset %u",
                       (unsigned long long)st->chunk_no, pos);
            return;
        }
        uint32_t size = evtx_u32(r + 4);
        uint64_t id = evtx_u64(r + 8);
        bool fits = size >= EVTX_RECORD_HEADER + 4 && size <= EVTX_CHUNK_SIZE - pos;
        uint32_t q = 0;
        if (!fits || evtx_u32(r + size - 4) != size) {
            q = next_magic(c, pos + 4, limit);
            if (q && evtx_u32(c + q - 4) == q - pos) {
                size = q - pos;
                fits = true;
            }
        }
        if (!fits) {
            report(st, id, TOCSIN_E_PARSE, "chunk %llu: bad record size %u", (unsigned long long)st->chunk_no,
                   evtx_u32(r + 4));
            if (!q)
                return;
            pos = q;
            continue;
        }
        st->next_id = id + 1;
        if (evtx_parse_record(st->p, pos + EVTX_RECORD_HEADER, pos + size - 4, &st->s->fields))
            emit(st, id, evtx_u64(r + 16));
        else /* the sink names the record: the message is the reason alone */
            report(st, id,
                   st->p->too_long ? TOCSIN_E_TOOLONG
                   : st->p->oom    ? TOCSIN_E_NOMEM
                                   : TOCSIN_E_PARSE,
                   "%s", st->p->err);
        pos += size;
    }
}

/* Checks one chunk and reads its records. got < EVTX_CHUNK_SIZE only for the last one
 * (the rest of the buffer is zeroed). */
static void chunk(stream *st, uint8_t *c, size_t got)
{
    if (memcmp(c, "ElfChnk\0", 8) != 0) {
        if (!all_zero(c, got)) /* zeroed chunks are unused space, not damage */
            report(st, st->next_id, TOCSIN_E_PARSE, "chunk %llu: bad chunk signature, skipped",
                   (unsigned long long)st->chunk_no);
        return;
    }
    uint64_t first = evtx_u64(c + 24);
    if (got < EVTX_CHUNK_SIZE)
        report(st, first, TOCSIN_E_TRUNCATED, "chunk %llu: cut short at %zu bytes",
               (unsigned long long)st->chunk_no, got);
    /* Chunk flag 4: written without checksums. */
    bool no_crc = evtx_u32(c + 120) & 4;
    uLong crc = crc32(0, c, 120);
    crc = crc32(crc, c + 128, EVTX_CHUNK_HEADER - 128);
    bool header_ok = no_crc || crc == evtx_u32(c + 124);
    uint32_t fso = evtx_u32(c + 48);
    bool data_ok = no_crc;
    if (!no_crc && fso >= EVTX_CHUNK_HEADER && fso <= EVTX_CHUNK_SIZE)
        data_ok = crc32(0, c + EVTX_CHUNK_HEADER, fso - EVTX_CHUNK_HEADER) == evtx_u32(c + 52);
    /* A damaged checksum does not stop us: every record is bounds-checked on its own, and
     * the good ones are worth more than the verdict. The damage is still reported. */
    if (!header_ok || !data_ok)
        report(st, first, TOCSIN_E_PARSE, "chunk %llu: %s checksum mismatch, records read anyway",
               (unsigned long long)st->chunk_no, header_ok ? "records" : "header");
    if (st->next_id == 0 || first > st->next_id)
        st->next_id = first;
    chunk_records(st, c, header_ok);
}

static tocsin_code evtx_stream_end(stream *st, uint8_t *buf, tocsin_code rc)
{
    evtx_parser_free(st->p);
    free(st->p);
    free(buf);
    return rc;
}

tocsin_code evtx_read_stream(evtx_read_fn rd, void *rud, const char *file, ts_scratch *s, const ts_sink *sink,
                             evtx_finish_fn finish, unsigned flags)
{
    stream st = {rd, rud, file, s, sink, finish, NULL, 0, 0};
    uint8_t *buf = malloc(EVTX_CHUNK_SIZE);
    st.p = malloc(sizeof *st.p);
    tocsin_code rc = TOCSIN_OK;
    if (!buf || !st.p) {
        free(buf);
        free(st.p);
        report(&st, 0, TOCSIN_E_NOMEM, "out of memory");
        return TOCSIN_E_NOMEM;
    }
    evtx_parser_init(st.p);
    st.p->walk_only = flags & EVTX_WALK_ONLY;
    size_t got;
    rc = read_full(&st, buf, EVTX_FILE_HEADER, &got);
    if (rc == TOCSIN_OK && (got < 8 || memcmp(buf, "ElfFile\0", 8) != 0)) {
        report(&st, 0, TOCSIN_E_FORMAT, "not an EVTX file (no file header)");
        rc = TOCSIN_E_FORMAT;
    } else if (rc == TOCSIN_OK && got < EVTX_FILE_HEADER) {
        report(&st, 0, TOCSIN_E_TRUNCATED, "the file ends inside its %u-byte header (%zu bytes): no records",
               EVTX_FILE_HEADER, got);
        return evtx_stream_end(&st, buf, TOCSIN_E_TRUNCATED);
    }
    unsigned claimed = rc == TOCSIN_OK ? evtx_u16(buf + 42) : 0;
    /* The header's chunk count and flags are often stale (a log being written, a shadow
     * copy): chunks are read until the file ends instead. */
    while (rc == TOCSIN_OK) {
        rc = read_full(&st, buf, EVTX_CHUNK_SIZE, &got);
        if (rc != TOCSIN_OK || got == 0)
            break;
        memset(buf + got, 0, EVTX_CHUNK_SIZE - got);
        chunk(&st, buf, got);
        st.chunk_no++;
    }
    /* More chunks than the header lists is a log still being written; fewer is a cut file. */
    if (rc == TOCSIN_OK && st.chunk_no < claimed)
        report(&st, 0, TOCSIN_E_TRUNCATED,
               "the header lists %u chunks but the file holds %llu: it was cut short", claimed,
               (unsigned long long)st.chunk_no);
    if (rc != TOCSIN_OK && rc != TOCSIN_E_FORMAT)
        report(&st, 0, rc, "read error");
    return evtx_stream_end(&st, buf, rc);
}
