/* evtx_int.h: internals of the native EVTX reader shared by evtx.c, evtx_chunk.c and
 * evtx_binxml.c (file and chunk layout, the BinXML walker and its per-chunk caches). */
#ifndef TS_EVTX_INT_H
#define TS_EVTX_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "ingest/ingest.h"

#define EVTX_FILE_HEADER 4096u
#define EVTX_CHUNK_SIZE 65536u
#define EVTX_CHUNK_HEADER 512u
#define EVTX_RECORD_HEADER 24u  /* magic, size, record id, written time */
#define EVTX_MAX_DEPTH 64       /* open elements in one record */
#define EVTX_MAX_NEST 12        /* template instances and BinXML values inside each other */
#define EVTX_NAME_SLOTS 4096    /* power of two */
#define EVTX_TMPL_SLOTS 512     /* power of two */

static inline uint16_t evtx_u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t evtx_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t evtx_u64(const uint8_t *p)
{
    return (uint64_t)evtx_u32(p) | (uint64_t)evtx_u32(p + 4) << 32;
}

/* One decoded element or attribute name, cached per chunk by its offset. */
typedef struct evtx_name_slot {
    uint32_t off, gen;
    ts_str name; /* UTF-8, in the parser's chunk arena */
} evtx_name_slot;

/* One output field; a NULL kp means the key lies in the output buffer at koff. */
typedef struct evtx_fld {
    const char *kp;
    uint32_t koff, klen, voff, vlen;
    bool skip_empty; /* a System value: dropped when it renders empty */
} evtx_fld;

/* A template compiled for the record root: the fields it yields, each value a run of
 * literal UTF-8 and substitution markers (NUL, index as 2 bytes LE, optional flag). */
typedef struct evtx_ctmpl {
    const char *text;
    const evtx_fld *flds; /* kp always set: into text or the name cache */
    uint32_t n;
} evtx_ctmpl;

enum { EVTX_CT_UNTRIED = 0, EVTX_CT_OK, EVTX_CT_NO };

/* One template definition seen in the current chunk: where its BinXML body lies. */
typedef struct evtx_tmpl_slot {
    uint32_t off, gen;
    uint32_t body, len; /* the fragment after the 24-byte definition header */
    int state;          /* EVTX_CT_*: whether ct holds its compiled form */
    const evtx_ctmpl *ct;
} evtx_tmpl_slot;

/* One substitution value of a template instance: bytes inside the chunk. */
typedef struct evtx_sub {
    uint32_t off, size;
    uint8_t type;
} evtx_sub;

/* An open element while walking a record. */
typedef struct evtx_elem {
    ts_str name;
    uint32_t text_off;    /* where its text starts in the output buffer */
    uint32_t key_off, key_len; /* Data Name="...": the field name, in the output buffer */
    bool has_key, has_child;
} evtx_elem;

/* The state of the BinXML walker: reused from record to record and chunk to chunk, so a
 * steady stream allocates nothing after warm-up. */
typedef struct evtx_parser {
    const uint8_t *chunk; /* EVTX_CHUNK_SIZE bytes */
    uint32_t gen;         /* bumped per chunk: invalidates both caches at once */
    evtx_name_slot names[EVTX_NAME_SLOTS];
    evtx_tmpl_slot tmpls[EVTX_TMPL_SLOTS];
    ts_arena chunk_arena; /* cached names; reset per chunk */

    char *out; /* the record's text, grown as needed */
    size_t out_n, out_cap;
    evtx_fld *flds;
    size_t n_flds, cap_flds;
    evtx_sub *subs; /* stack of substitution arrays of nested instances */
    size_t n_subs, cap_subs;

    evtx_elem stack[EVTX_MAX_DEPTH];
    int depth;
    bool in_attr, attr_null;
    ts_str attr_name;
    uint32_t attr_off;
    bool oom;
    bool compiling; /* walking a template body to compile it: substitutions become markers */
    char err[160]; /* why the last record failed */
} evtx_parser;

/* evtx_binxml.c */
void evtx_parser_init(evtx_parser *p);
void evtx_parser_free(evtx_parser *p);
/* Starts a new chunk: chunk must hold EVTX_CHUNK_SIZE bytes until the next call. */
void evtx_parser_chunk(evtx_parser *p, const uint8_t *chunk);
/* Walks the BinXML of one record at [off, end) of the current chunk and fills
 * fields (keys and values borrow the parser's buffers until the next record). Returns
 * false with p->err set when the record is damaged. */
bool evtx_parse_record(evtx_parser *p, uint32_t off, uint32_t end, ts_fieldbuf *fields);

/* evtx_chunk.c */
/* Reads up to n bytes; *got 0 at the end. */
typedef tocsin_code (*evtx_read_fn)(void *ud, void *buf, size_t n, size_t *got);
/* Called on each event before it goes to the sink (e.g. ts_winevent_normalise). */
typedef void (*evtx_finish_fn)(ts_event *ev);

/* Reads a whole EVTX stream chunk by chunk, sending one event per good record and one
 * error per damaged record or chunk to sink. file names the input in events and errors. */
tocsin_code evtx_read_stream(evtx_read_fn rd, void *rud, const char *file, ts_scratch *s,
                             const ts_sink *sink, evtx_finish_fn finish);

#endif
