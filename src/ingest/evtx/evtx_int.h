/* evtx_int.h: internals of the native EVTX reader shared by its files (evtx.c: the
 * reader; evtx_chunk.c: file and chunks; evtx_binxml.c: the token walker; evtx_tmpl.c:
 * templates; evtx_value.c: values), with the BinXML layout and the per-chunk caches. */
#ifndef TS_EVTX_INT_H
#define TS_EVTX_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "ingest/ingest.h"

#define EVTX_FILE_HEADER 4096u
#define EVTX_CHUNK_SIZE 65536u
#define EVTX_CHUNK_HEADER 512u
#define EVTX_RECORD_HEADER 24u /* magic, size, record id, written time */
#define EVTX_MAX_DEPTH 64      /* open elements in one record */
#define EVTX_MAX_NEST 12       /* template instances and BinXML values inside each other */
#define EVTX_NAME_SLOTS 4096   /* power of two */
#define EVTX_MAX_FIELDS 65536  /* fields of one record */
#define EVTX_TMPL_SLOTS 512    /* power of two */

static inline uint16_t evtx_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t evtx_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t evtx_u64(const uint8_t *p)
{
    return (uint64_t)evtx_u32(p) | (uint64_t)evtx_u32(p + 4) << 32;
}

enum {
    EVTX_TOK_EOF = 0x00,
    EVTX_TOK_OPEN = 0x01,
    EVTX_TOK_CLOSE_START = 0x02,
    EVTX_TOK_CLOSE_EMPTY = 0x03,
    EVTX_TOK_END = 0x04,
    EVTX_TOK_VALUE = 0x05,
    EVTX_TOK_ATTR = 0x06,
    EVTX_TOK_CDATA = 0x07,
    EVTX_TOK_CHARREF = 0x08,
    EVTX_TOK_ENTREF = 0x09,
    EVTX_TOK_PI_TARGET = 0x0a,
    EVTX_TOK_PI_DATA = 0x0b,
    EVTX_TOK_TEMPLATE = 0x0c,
    EVTX_TOK_SUBST = 0x0d,
    EVTX_TOK_OPT_SUBST = 0x0e,
    EVTX_TOK_FRAGMENT = 0x0f,
    EVTX_TOK_MORE = 0x40, /* "has more data": attributes follow an element, values follow */
};

enum {
    VT_NULL = 0x00,
    VT_STRING = 0x01,
    VT_ANSI = 0x02,
    VT_I8 = 0x03,
    VT_U8 = 0x04,
    VT_I16 = 0x05,
    VT_U16 = 0x06,
    VT_I32 = 0x07,
    VT_U32 = 0x08,
    VT_I64 = 0x09,
    VT_U64 = 0x0a,
    VT_R32 = 0x0b,
    VT_R64 = 0x0c,
    VT_BOOL = 0x0d,
    VT_BINARY = 0x0e,
    VT_GUID = 0x0f,
    VT_SIZET = 0x10,
    VT_FILETIME = 0x11,
    VT_SYSTIME = 0x12,
    VT_SID = 0x13,
    VT_HEX32 = 0x14,
    VT_HEX64 = 0x15,
    VT_HANDLE = 0x20,
    VT_BINXML = 0x21,
    VT_EVTXML = 0x23,
    VT_ARRAY = 0x80,
};

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
    bool trim;       /* element text (not an attribute value): white space trimmed */
} evtx_fld;

/* A substitution of a compiled template outside its fields' values. Its value is checked
 * as the walker would; BinXML there adds elements, walked inside the template's own open
 * elements (names) below the context. */
typedef struct evtx_site {
    uint32_t id;         /* substitution index */
    bool optional;       /* an optional substitution: a missing value is no damage */
    bool in_attr;        /* in an attribute value that yields no field */
    uint32_t before;     /* fields the template yields before it */
    uint32_t depth;      /* template elements open at it */
    uint32_t at;         /* where its marker lies in the compiled text */
    const ts_str *names; /* their names */
} evtx_site;

/* A template compiled for one context (the depth and section it was instantiated in):
 * the fields it yields, each value a run of literal UTF-8 and substitution markers (NUL,
 * index as 2 bytes LE, optional flag), and its BinXML sites. */
typedef struct evtx_ctmpl {
    const char *text;
    const evtx_fld *flds; /* kp always set: into text or the name cache */
    uint32_t n;
    const evtx_site *sites;
    uint32_t n_sites;
    int ctx_depth, ctx_sec;
} evtx_ctmpl;

/* A slice of the parser's substitution values: one template instance's. */
typedef struct evtx_subs {
    size_t first, n;
} evtx_subs;

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
    uint32_t text_off;         /* where its text starts in the output buffer */
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
    bool oom;          /* stop: out of memory, or too_long */
    bool too_long;     /* the record is over a size limit */
    bool walk_only;    /* never compile templates (tests compare both paths) */
    bool compiling;    /* walking a template body to compile it: substitutions become markers */
    bool compile_flat; /* the body put text or attributes straight into its context */
    int compile_depth;
    evtx_site *csites; /* sites found while compiling, names in cnames */
    size_t n_csites, cap_csites;
    ts_str *cnames;
    size_t n_cnames, cap_cnames;
    char err[160]; /* why the last record failed */
} evtx_parser;

static inline bool evtx_is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* evtx_value.c: the output buffer (false and p->oom when it cannot grow) and values. */
bool evtx_out_reserve(evtx_parser *p, size_t n);
static inline void evtx_out_bytes(evtx_parser *p, const char *s, size_t n)
{
    if (n && evtx_out_reserve(p, n)) {
        memcpy(p->out + p->out_n, s, n);
        p->out_n += n;
    }
}
/* Appends a code point as UTF-8 (the caller reserved 4 bytes). */
void evtx_put_cp(evtx_parser *p, uint32_t c);
/* Appends n UTF-16LE code units as UTF-8, up to a NUL. */
void evtx_out_utf16(evtx_parser *p, const uint8_t *s, size_t n);
/* Appends the text of substitution value s; BinXML values are walked in place. */
bool evtx_out_value(evtx_parser *p, const evtx_sub *s, int nest);

/* evtx_binxml.c */
void evtx_parser_init(evtx_parser *p);
void evtx_parser_free(evtx_parser *p);
/* Starts a new chunk: chunk must hold EVTX_CHUNK_SIZE bytes until the next call. */
void evtx_parser_chunk(evtx_parser *p, const uint8_t *chunk);
/* Walks the BinXML of one record at [off, end) of the current chunk and fills
 * fields (keys and values borrow the parser's buffers until the next record). Returns
 * false with p->err set when the record is damaged. */
bool evtx_parse_record(evtx_parser *p, uint32_t off, uint32_t end, ts_fieldbuf *fields);
/* Records why the record is damaged (the first reason wins); returns false. */
bool evtx_fail(evtx_parser *p, const char *msg, uint32_t off);
/* Walks tokens from pos to EOF or end; sv is the instance's values (NULL outside a
 * template); *after is where it stopped. */
bool evtx_walk(evtx_parser *p, uint32_t pos, uint32_t end, const evtx_subs *sv, int nest, uint32_t *after);
void evtx_add_field(evtx_parser *p, const char *kp, uint32_t koff, uint32_t klen, uint32_t voff,
                    uint32_t vlen, bool skip_empty, bool trim);
/* 1 System, 2 EventData, 3 UserData, 0 elsewhere: where the open elements are. */
int evtx_section(const evtx_parser *p);

/* evtx_tmpl.c: while compiling, notes that substitution id may add elements here. */
void evtx_compile_site(evtx_parser *p, uint32_t id, bool optional);
/* A template instance at pos (token 0x0c); *after is past its values. */
bool evtx_instance(evtx_parser *p, uint32_t pos, uint32_t end, int nest, uint32_t *after);

/* evtx_chunk.c */
/* Reads up to n bytes; *got 0 at the end. */
typedef tocsin_code (*evtx_read_fn)(void *ud, void *buf, size_t n, size_t *got);
/* Called on each event before it goes to the sink (e.g. ts_winevent_normalise). */
typedef void (*evtx_finish_fn)(ts_event *ev);

enum { EVTX_WALK_ONLY = 1 }; /* flags: take the token walker's path for every record */

/* Reads a whole EVTX stream chunk by chunk, sending one event per good record and one
 * error per damaged record or chunk to sink. file names the input in events and errors. */
tocsin_code evtx_read_stream(evtx_read_fn rd, void *rud, const char *file, ts_scratch *s, const ts_sink *sink,
                             evtx_finish_fn finish, unsigned flags);

#endif
