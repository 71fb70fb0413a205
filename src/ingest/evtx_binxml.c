/* evtx_binxml.c: the BinXML walker of the EVTX reader: tokens, names and templates
 * (cached per chunk), substitution values, and the mapping of the XML tree to the
 * flat fields Sigma names (System children and attributes, EventData, UserData leaves). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/evtx_int.h"

enum {
    TOK_EOF = 0x00,
    TOK_OPEN = 0x01,
    TOK_CLOSE_START = 0x02,
    TOK_CLOSE_EMPTY = 0x03,
    TOK_END = 0x04,
    TOK_VALUE = 0x05,
    TOK_ATTR = 0x06,
    TOK_CDATA = 0x07,
    TOK_CHARREF = 0x08,
    TOK_ENTREF = 0x09,
    TOK_PI_TARGET = 0x0a,
    TOK_PI_DATA = 0x0b,
    TOK_TEMPLATE = 0x0c,
    TOK_SUBST = 0x0d,
    TOK_OPT_SUBST = 0x0e,
    TOK_FRAGMENT = 0x0f,
    TOK_MORE = 0x40, /* "has more data": attributes follow an element, values follow */
};

enum {
    VT_NULL = 0x00, VT_STRING = 0x01, VT_ANSI = 0x02, VT_I8 = 0x03, VT_U8 = 0x04,
    VT_I16 = 0x05, VT_U16 = 0x06, VT_I32 = 0x07, VT_U32 = 0x08, VT_I64 = 0x09,
    VT_U64 = 0x0a, VT_R32 = 0x0b, VT_R64 = 0x0c, VT_BOOL = 0x0d, VT_BINARY = 0x0e,
    VT_GUID = 0x0f, VT_SIZET = 0x10, VT_FILETIME = 0x11, VT_SYSTIME = 0x12, VT_SID = 0x13,
    VT_HEX32 = 0x14, VT_HEX64 = 0x15, VT_HANDLE = 0x20, VT_BINXML = 0x21, VT_EVTXML = 0x23,
    VT_ARRAY = 0x80,
};

typedef struct subs_view {
    size_t first, n; /* a slice of p->subs */
} subs_view;

static bool walk(evtx_parser *p, uint32_t pos, uint32_t end, const subs_view *sv, int nest,
                 uint32_t *after);

static bool fail(evtx_parser *p, const char *msg, uint32_t off)
{
    if (!p->err[0])
        snprintf(p->err, sizeof p->err, "%s at chunk offset %u", msg, off);
    return false;
}

void evtx_parser_init(evtx_parser *p)
{
    memset(p, 0, sizeof *p);
}

void evtx_parser_free(evtx_parser *p)
{
    ts_arena_free(&p->chunk_arena);
    free(p->out);
    free(p->flds);
    free(p->subs);
    memset(p, 0, sizeof *p);
}

void evtx_parser_chunk(evtx_parser *p, const uint8_t *chunk)
{
    p->chunk = chunk;
    if (++p->gen == 0) { /* wrapped: clear so no stale slot matches */
        memset(p->names, 0, sizeof p->names);
        memset(p->tmpls, 0, sizeof p->tmpls);
        p->gen = 1;
    }
    ts_arena_reset(&p->chunk_arena);
}

/* ---- output buffer ---- */

static bool out_reserve(evtx_parser *p, size_t n)
{
    if (p->out_n + n <= p->out_cap)
        return true;
    if (p->out_n + n > TS_MAX_RECORD * 4u) { /* a record's text cannot be this large */
        p->oom = true;
        return false;
    }
    size_t cap = p->out_cap ? p->out_cap : 4096;
    while (cap < p->out_n + n)
        cap *= 2;
    char *o = realloc(p->out, cap);
    if (!o) {
        p->oom = true;
        return false;
    }
    p->out = o;
    p->out_cap = cap;
    return true;
}

static void out_bytes(evtx_parser *p, const char *s, size_t n)
{
    if (n && out_reserve(p, n)) {
        memcpy(p->out + p->out_n, s, n);
        p->out_n += n;
    }
}

static void out_fmt_u64(evtx_parser *p, uint64_t v)
{
    char buf[24];
    size_t i = sizeof buf;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    out_bytes(p, buf + i, sizeof buf - i);
}

static void out_fmt_i64(evtx_parser *p, int64_t v)
{
    if (v < 0) {
        out_bytes(p, "-", 1);
        out_fmt_u64(p, (uint64_t)0 - (uint64_t)v);
    } else {
        out_fmt_u64(p, (uint64_t)v);
    }
}

static const char hexdig_lc[] = "0123456789abcdef";
static const char hexdig_uc[] = "0123456789ABCDEF";

/* "0x" and lower-case hex digits without padding, as Windows prints HexInt values. */
static void out_hex(evtx_parser *p, uint64_t v)
{
    char buf[18];
    size_t i = sizeof buf;
    do {
        buf[--i] = hexdig_lc[v & 15];
        v >>= 4;
    } while (v);
    buf[--i] = 'x';
    buf[--i] = '0';
    out_bytes(p, buf + i, sizeof buf - i);
}

/* n upper-case hex digits of v, most significant first. */
static char *put_hex(char *o, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        o[i] = hexdig_uc[v & 15];
        v >>= 4;
    }
    return o + n;
}

/* n decimal digits of v, zero-padded. */
static char *put_dec(char *o, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        o[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return o + n;
}

/* Appends a code point as UTF-8 (the caller reserved 4 bytes). */
static void put_cp(evtx_parser *p, uint32_t c)
{
    char *o = p->out + p->out_n;
    if (c < 0x80) {
        o[0] = (char)c;
        p->out_n += 1;
    } else if (c < 0x800) {
        o[0] = (char)(0xc0 | c >> 6);
        o[1] = (char)(0x80 | (c & 0x3f));
        p->out_n += 2;
    } else if (c < 0x10000) {
        o[0] = (char)(0xe0 | c >> 12);
        o[1] = (char)(0x80 | (c >> 6 & 0x3f));
        o[2] = (char)(0x80 | (c & 0x3f));
        p->out_n += 3;
    } else {
        o[0] = (char)(0xf0 | c >> 18);
        o[1] = (char)(0x80 | (c >> 12 & 0x3f));
        o[2] = (char)(0x80 | (c >> 6 & 0x3f));
        o[3] = (char)(0x80 | (c & 0x3f));
        p->out_n += 4;
    }
}

/* Appends n UTF-16LE code units as UTF-8; lone surrogates become U+FFFD and a NUL ends
 * the string (Windows strings often carry their terminator). */
static void out_utf16(evtx_parser *p, const uint8_t *s, size_t n)
{
    if (!out_reserve(p, n * 3))
        return;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = evtx_u16(s + 2 * i);
        if (c < 0x80) {
            if (c == 0)
                return;
            p->out[p->out_n++] = (char)c;
            continue;
        }
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
            uint32_t d = evtx_u16(s + 2 * i + 2);
            if (d >= 0xdc00 && d < 0xe000) {
                c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
                i++;
            } else {
                c = 0xfffd;
            }
        } else if (c >= 0xd800 && c < 0xe000) {
            c = 0xfffd;
        }
        put_cp(p, c); /* at most 4 bytes for 2 units, 3 for one: within n * 3 */
    }
}

/* ---- names ---- */

/* The name structure at off (next-string offset 4, hash 2, length 2, UTF-16, NUL 2).
 * Sets *size to its length in bytes. Decoded once per chunk. */
static bool get_name(evtx_parser *p, uint32_t off, ts_str *name, uint32_t *size)
{
    if (off > EVTX_CHUNK_SIZE - 8)
        return fail(p, "name offset out of chunk", off);
    uint32_t nchars = evtx_u16(p->chunk + off + 6);
    if (off + 8 + 2 * nchars > EVTX_CHUNK_SIZE)
        return fail(p, "name runs past the chunk", off);
    *size = 8 + 2 * nchars + 2;
    uint32_t h = (off * 2654435761u) >> 20 & (EVTX_NAME_SLOTS - 1);
    evtx_name_slot *slot = NULL;
    for (int probe = 0; probe < 8; probe++) {
        evtx_name_slot *s = &p->names[(h + (uint32_t)probe) & (EVTX_NAME_SLOTS - 1)];
        if (s->gen == p->gen && s->off == off) {
            *name = s->name;
            return true;
        }
        if (s->gen != p->gen) {
            slot = s;
            break;
        }
    }
    /* Decode through the output buffer, then keep a copy for the whole chunk. */
    size_t mark = p->out_n;
    out_utf16(p, p->chunk + off + 8, nchars);
    if (p->oom)
        return fail(p, "out of memory", off);
    char *s = ts_arena_strndup(&p->chunk_arena, p->out + mark, p->out_n - mark);
    size_t len = p->out_n - mark;
    p->out_n = mark;
    if (!s) {
        p->oom = true;
        return fail(p, "out of memory", off);
    }
    *name = ts_str_make(s, len);
    if (slot)
        *slot = (evtx_name_slot){off, p->gen, *name};
    return true;
}

/* Reads the name referenced at pos (a 4-byte chunk offset); a name defined right there
 * is skipped. Sets *next past both. */
static bool ref_name(evtx_parser *p, uint32_t pos, uint32_t end, ts_str *name, uint32_t *next)
{
    if (pos + 4 > end)
        return fail(p, "truncated name reference", pos);
    uint32_t off = evtx_u32(p->chunk + pos), size;
    if (!get_name(p, off, name, &size))
        return false;
    *next = pos + 4;
    if (off == pos + 4) {
        if (pos + 4 + size > end)
            return fail(p, "inline name past the fragment", pos);
        *next += size;
    }
    return true;
}

/* ---- fields ---- */

static void add_field(evtx_parser *p, const char *kp, uint32_t koff, uint32_t klen,
                      uint32_t voff, uint32_t vlen, bool skip_empty)
{
    if (p->n_flds == p->cap_flds) {
        size_t cap = p->cap_flds ? p->cap_flds * 2 : 64;
        evtx_fld *f = realloc(p->flds, cap * sizeof *f);
        if (!f) {
            p->oom = true;
            return;
        }
        p->flds = f;
        p->cap_flds = cap;
    }
    p->flds[p->n_flds++] = (evtx_fld){kp, koff, klen, voff, vlen, skip_empty};
}

/* Which part of the event the element at stack index 1 is. */
static int section(const evtx_parser *p)
{
    if (p->depth < 2)
        return 0;
    ts_str s = p->stack[1].name;
    if (ts_str_eq(s, "System"))
        return 1;
    if (ts_str_eq(s, "EventData"))
        return 2;
    if (ts_str_eq(s, "UserData"))
        return 3;
    return 0;
}

/* An attribute value is complete: keep it when Sigma names it. System child attributes
 * become fields by their own name (Provider's as Provider_Name, Provider_Guid ...);
 * EventData's Data Name="X" names the element's field. */
static void end_attr(evtx_parser *p)
{
    if (!p->in_attr)
        return;
    p->in_attr = false;
    uint32_t voff = p->attr_off, vlen = (uint32_t)(p->out_n - p->attr_off);
    if (p->attr_null || p->depth != 3)
        return;
    int sec = section(p);
    evtx_elem *e = &p->stack[2];
    if (sec == 1) {
        if (ts_str_eq(p->attr_name, "xmlns") || vlen == 0)
            return;
        if (ts_str_eq(e->name, "Provider")) {
            uint32_t koff = (uint32_t)p->out_n;
            out_bytes(p, "Provider_", 9);
            out_bytes(p, p->attr_name.p, p->attr_name.n);
            add_field(p, NULL, koff, (uint32_t)(p->out_n - koff), voff, vlen, true);
        } else {
            add_field(p, p->attr_name.p, 0, (uint32_t)p->attr_name.n, voff, vlen, true);
        }
    } else if (sec == 2 && ts_str_eq(p->attr_name, "Name")) {
        e->has_key = true;
        e->key_off = voff;
        e->key_len = vlen;
    }
}

static bool open_elem(evtx_parser *p, ts_str name, uint32_t off)
{
    end_attr(p);
    if (p->depth == EVTX_MAX_DEPTH)
        return fail(p, "elements nested too deep", off);
    if (p->depth > 0)
        p->stack[p->depth - 1].has_child = true;
    p->stack[p->depth++] = (evtx_elem){.name = name, .text_off = (uint32_t)p->out_n};
    return true;
}

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* An element ends: a leaf of System, EventData or UserData becomes a field. */
static bool close_elem(evtx_parser *p, uint32_t off)
{
    end_attr(p);
    if (p->depth == 0)
        return fail(p, "end of an element that is not open", off);
    evtx_elem *e = &p->stack[p->depth - 1];
    int sec = section(p);
    uint32_t voff = e->text_off, vlen = (uint32_t)(p->out_n - e->text_off);
    /* Element text is trimmed as evtx_dump's JSON exports do, so a rule sees the same
     * value in a .evtx file and in its JSON export (Sysmon command lines often end in a
     * space). */
    while (vlen && is_ws(p->out[voff + vlen - 1]))
        vlen--;
    while (vlen && is_ws(p->out[voff])) {
        voff++;
        vlen--;
    }
    if (!e->has_child) {
        if (sec == 1 && p->depth == 3 && vlen > 0)
            add_field(p, e->name.p, 0, (uint32_t)e->name.n, voff, vlen, true);
        else if (sec == 2 && p->depth == 3 && e->has_key)
            add_field(p, NULL, e->key_off, e->key_len, voff, vlen, false);
        else if (sec == 2 && p->depth == 3)
            add_field(p, e->name.p, 0, (uint32_t)e->name.n, voff, vlen, false);
        else if (sec == 3 && p->depth >= 4)
            add_field(p, e->name.p, 0, (uint32_t)e->name.n, voff, vlen, false);
    }
    p->depth--;
    return true;
}

/* ---- values ---- */

/* Upper-case, without braces, as evtx_dump prints GUIDs. */
static void out_guid(evtx_parser *p, const uint8_t *g)
{
    char buf[36], *o = buf;
    o = put_hex(o, evtx_u32(g), 8);
    *o++ = '-';
    o = put_hex(o, evtx_u16(g + 4), 4);
    *o++ = '-';
    o = put_hex(o, evtx_u16(g + 6), 4);
    *o++ = '-';
    for (int i = 8; i < 16; i++) {
        if (i == 10)
            *o++ = '-';
        o = put_hex(o, g[i], 2);
    }
    out_bytes(p, buf, sizeof buf);
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

/* ISO 8601 UTC with microseconds (truncated), as evtx_dump prints it, so the text
 * equals that of the JSON exports. Years print modulo 10000: only damaged values fall
 * outside 0..9999. */
static void out_time(evtx_parser *p, int y, unsigned mo, unsigned d, unsigned h, unsigned mi,
                     unsigned s, uint32_t ns)
{
    char buf[27], *o = buf;
    o = put_dec(o, y < 0 ? 0 : (unsigned)y % 10000, 4);
    *o++ = '-';
    o = put_dec(o, mo % 100, 2);
    *o++ = '-';
    o = put_dec(o, d % 100, 2);
    *o++ = 'T';
    o = put_dec(o, h % 100, 2);
    *o++ = ':';
    o = put_dec(o, mi % 100, 2);
    *o++ = ':';
    o = put_dec(o, s % 100, 2);
    *o++ = '.';
    o = put_dec(o, ns / 1000 % 1000000, 6);
    *o++ = 'Z';
    out_bytes(p, buf, sizeof buf);
}

static void out_filetime(evtx_parser *p, uint64_t ft)
{
    /* FILETIME counts 100 ns since 1601-01-01, 134774 days before the Unix epoch. */
    uint32_t ns = (uint32_t)(ft % 10000000) * 100;
    uint64_t t = ft / 10000000;
    uint32_t secs = (uint32_t)(t % 86400);
    int y;
    unsigned mo, d;
    civil_from_days((int64_t)(t / 86400) - 134774, &y, &mo, &d);
    out_time(p, y, mo, d, secs / 3600, secs / 60 % 60, secs % 60, ns);
}

static void out_sid(evtx_parser *p, const uint8_t *v, uint32_t size)
{
    if (size < 8)
        return;
    uint64_t auth = 0;
    for (int i = 2; i < 8; i++)
        auth = auth << 8 | v[i];
    out_bytes(p, "S-", 2);
    out_fmt_u64(p, v[0]);
    out_bytes(p, "-", 1);
    if (auth >> 32)
        out_hex(p, auth);
    else
        out_fmt_u64(p, auth);
    /* A SID cut short keeps the sub-authorities that are there. */
    for (uint32_t i = 0; i < v[1] && 8 + 4 * i + 4 <= size; i++) {
        out_bytes(p, "-", 1);
        out_fmt_u64(p, evtx_u32(v + 8 + 4 * i));
    }
}

/* The fixed size of one element of type t, 0 when variable. */
static uint32_t fixed_size(uint8_t t)
{
    switch (t) {
    case VT_I8: case VT_U8: return 1;
    case VT_I16: case VT_U16: return 2;
    case VT_I32: case VT_U32: case VT_R32: case VT_BOOL: case VT_HEX32: return 4;
    case VT_I64: case VT_U64: case VT_R64: case VT_FILETIME: case VT_HEX64: return 8;
    case VT_GUID: case VT_SYSTIME: return 16;
    default: return 0;
    }
}

static void out_real(evtx_parser *p, double d, int digits)
{
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%.*g", digits, d);
    out_bytes(p, buf, (size_t)n);
}

/* Renders one scalar of fixed-size type t (v holds fixed_size(t) bytes). */
static void out_scalar(evtx_parser *p, uint8_t t, const uint8_t *v)
{
    switch (t) {
    case VT_I8: out_fmt_i64(p, (int8_t)v[0]); break;
    case VT_U8: out_fmt_u64(p, v[0]); break;
    case VT_I16: out_fmt_i64(p, (int16_t)evtx_u16(v)); break;
    case VT_U16: out_fmt_u64(p, evtx_u16(v)); break;
    case VT_I32: out_fmt_i64(p, (int32_t)evtx_u32(v)); break;
    case VT_U32: out_fmt_u64(p, evtx_u32(v)); break;
    case VT_I64: out_fmt_i64(p, (int64_t)evtx_u64(v)); break;
    case VT_U64: out_fmt_u64(p, evtx_u64(v)); break;
    case VT_HEX32: out_hex(p, evtx_u32(v)); break;
    case VT_HEX64: out_hex(p, evtx_u64(v)); break;
    case VT_BOOL: out_bytes(p, evtx_u32(v) ? "true" : "false", evtx_u32(v) ? 4 : 5); break;
    case VT_GUID: out_guid(p, v); break;
    case VT_FILETIME: out_filetime(p, evtx_u64(v)); break;
    case VT_R32: {
        float f;
        memcpy(&f, v, 4);
        out_real(p, f, 9);
        break;
    }
    case VT_R64: {
        double d;
        memcpy(&d, v, 8);
        out_real(p, d, 17);
        break;
    }
    case VT_SYSTIME: {
        unsigned ms = evtx_u16(v + 14);
        out_time(p, evtx_u16(v), evtx_u16(v + 2), evtx_u16(v + 6), evtx_u16(v + 8),
                 evtx_u16(v + 10), evtx_u16(v + 12), (ms % 1000) * 1000000u);
        break;
    }
    default: break;
    }
}

static void out_binary(evtx_parser *p, const uint8_t *v, uint32_t size)
{
    const char *hex = hexdig_uc;
    if (!out_reserve(p, (size_t)size * 2))
        return;
    for (uint32_t i = 0; i < size; i++) {
        p->out[p->out_n++] = hex[v[i] >> 4];
        p->out[p->out_n++] = hex[v[i] & 15];
    }
}

/* Latin-1 bytes to UTF-8, up to a NUL. */
static void out_ansi(evtx_parser *p, const uint8_t *v, uint32_t size)
{
    if (!out_reserve(p, (size_t)size * 2))
        return;
    for (uint32_t i = 0; i < size && v[i]; i++) {
        if (v[i] < 0x80) {
            p->out[p->out_n++] = (char)v[i];
        } else {
            p->out[p->out_n++] = (char)(0xc0 | v[i] >> 6);
            p->out[p->out_n++] = (char)(0x80 | (v[i] & 0x3f));
        }
    }
}

/* A string array: NUL-terminated UTF-16 strings, joined with ",". */
static void out_string_array(evtx_parser *p, const uint8_t *v, uint32_t size)
{
    uint32_t start = 0, nunits = size / 2;
    bool first = true;
    for (uint32_t i = 0; i <= nunits; i++) {
        if (i == nunits || evtx_u16(v + 2 * i) == 0) {
            if (i == nunits && i == start)
                break;
            if (!first)
                out_bytes(p, ",", 1);
            out_utf16(p, v + 2 * start, i - start);
            first = false;
            start = i + 1;
        }
    }
}

/* Renders substitution value s as text; BinXML values are walked in place. */
static bool out_value(evtx_parser *p, const evtx_sub *s, int nest)
{
    const uint8_t *v = p->chunk + s->off;
    uint8_t t = s->type;
    if (t & VT_ARRAY) {
        uint8_t et = t & 0x7f;
        uint32_t fs = fixed_size(et);
        if (et == VT_STRING) {
            out_string_array(p, v, s->size);
        } else if (fs) {
            for (uint32_t i = 0; i + fs <= s->size; i += fs) {
                if (i)
                    out_bytes(p, ",", 1);
                out_scalar(p, et, v + i);
            }
        } else {
            out_binary(p, v, s->size);
        }
        return true;
    }
    uint32_t fs = fixed_size(t);
    if (fs) {
        if (s->size < fs) /* a short number is damage; say so rather than guess */
            return fail(p, "substitution value shorter than its type", s->off);
        out_scalar(p, t, v);
        return true;
    }
    switch (t) {
    case VT_NULL: return true;
    case VT_STRING: out_utf16(p, v, s->size / 2); return true;
    case VT_ANSI: out_ansi(p, v, s->size); return true;
    case VT_BINARY: out_binary(p, v, s->size); return true;
    case VT_SID: out_sid(p, v, s->size); return true;
    case VT_SIZET:
        if (s->size == 4)
            out_hex(p, evtx_u32(v));
        else if (s->size == 8)
            out_hex(p, evtx_u64(v));
        else
            return fail(p, "size_t value of odd size", s->off);
        return true;
    case VT_BINXML: {
        uint32_t after;
        if (s->size == 0)
            return true;
        if (nest >= EVTX_MAX_NEST)
            return fail(p, "BinXML nested too deep", s->off);
        return walk(p, s->off, s->off + s->size, NULL, nest + 1, &after);
    }
    case VT_HANDLE:
    case VT_EVTXML: out_binary(p, v, s->size); return true;
    default: return fail(p, "unknown value type", s->off);
    }
}

/* ---- templates ---- */

/* The template definition at off, with its body's place. Cached per chunk. */
static evtx_tmpl_slot *get_template(evtx_parser *p, uint32_t off)
{
    evtx_tmpl_slot *s = &p->tmpls[(off * 2654435761u) >> 16 & (EVTX_TMPL_SLOTS - 1)];
    if (s->gen == p->gen && s->off == off)
        return s;
    if (off < EVTX_CHUNK_HEADER || off > EVTX_CHUNK_SIZE - 24) {
        fail(p, "template offset out of chunk", off);
        return NULL;
    }
    uint32_t size = evtx_u32(p->chunk + off + 20);
    if (size > EVTX_CHUNK_SIZE - off - 24) {
        fail(p, "template runs past the chunk", off);
        return NULL;
    }
    *s = (evtx_tmpl_slot){off, p->gen, off + 24, size, EVTX_CT_UNTRIED, NULL};
    return s;
}

/* Compiles a template body for the record root by walking it once with substitutions
 * written as markers. NULL when the body holds what only the walker can do (a nested
 * template, a computed field name, damage): those records take the walker's path. */
static const evtx_ctmpl *compile(evtx_parser *p, uint32_t body, uint32_t len)
{
    size_t out0 = p->out_n, f0 = p->n_flds;
    subs_view none = {0, 0};
    uint32_t after;
    p->compiling = true;
    bool ok = walk(p, body, body + len, &none, 1, &after) && p->depth == 0 && !p->oom;
    p->compiling = false;
    evtx_ctmpl *ct = NULL;
    size_t tn = p->out_n - out0, nf = p->n_flds - f0;
    for (size_t i = f0; ok && i < p->n_flds; i++)
        if (!p->flds[i].kp && memchr(p->out + p->flds[i].koff, 0, p->flds[i].klen))
            ok = false;
    if (ok) {
        ct = ts_arena_alloc(&p->chunk_arena, sizeof *ct);
        char *text = ts_arena_alloc(&p->chunk_arena, tn + 1);
        evtx_fld *fl = ts_arena_alloc(&p->chunk_arena, nf * sizeof *fl + 1);
        if (ct && text && fl) {
            memcpy(text, p->out + out0, tn);
            for (size_t i = 0; i < nf; i++) {
                fl[i] = p->flds[f0 + i];
                fl[i].voff -= (uint32_t)out0;
                if (!fl[i].kp)
                    fl[i].kp = text + (fl[i].koff - out0);
            }
            *ct = (evtx_ctmpl){text, fl, (uint32_t)nf};
        } else {
            ct = NULL;
            p->oom = true;
        }
    }
    p->out_n = out0;
    p->n_flds = f0;
    p->depth = 0;
    p->in_attr = false;
    p->err[0] = 0;
    return ct;
}

/* The fields of a compiled template from one instance's values. */
static bool render(evtx_parser *p, const evtx_ctmpl *ct, const subs_view *sv, uint32_t pos)
{
    for (uint32_t i = 0; i < ct->n; i++) {
        const evtx_fld *f = &ct->flds[i];
        const char *t = ct->text + f->voff, *e = t + f->vlen;
        size_t v0 = p->out_n;
        while (t < e) {
            const char *z = memchr(t, 0, (size_t)(e - t));
            size_t lit = z ? (size_t)(z - t) : (size_t)(e - t);
            out_bytes(p, t, lit);
            if (!z)
                break;
            uint32_t id = (uint8_t)z[1] | (uint32_t)(uint8_t)z[2] << 8;
            bool optional = z[3];
            t = z + 4;
            if (id >= sv->n) {
                if (optional)
                    continue;
                return fail(p, "substitution index past the values", pos);
            }
            const evtx_sub *s = &p->subs[sv->first + id];
            if (s->type == VT_NULL || (optional && s->size == 0))
                continue;
            if (!out_value(p, s, 0))
                return false;
        }
        uint32_t voff = (uint32_t)v0, vlen = (uint32_t)(p->out_n - v0);
        while (vlen && is_ws(p->out[voff + vlen - 1]))
            vlen--;
        while (vlen && is_ws(p->out[voff])) {
            voff++;
            vlen--;
        }
        if (!(f->skip_empty && vlen == 0))
            add_field(p, f->kp, 0, f->klen, voff, vlen, false);
    }
    return !p->oom;
}

/* A template instance at pos: definition (inline or by offset), then its values. */
static bool instance(evtx_parser *p, uint32_t pos, uint32_t end, int nest, uint32_t *after)
{
    if (pos + 10 > end)
        return fail(p, "truncated template instance", pos);
    uint32_t def = evtx_u32(p->chunk + pos + 6), q = pos + 10;
    evtx_tmpl_slot *slot = get_template(p, def);
    if (!slot)
        return false;
    uint32_t body = slot->body, len = slot->len;
    if (def == q) { /* defined here: its values follow it */
        if (body + len > end)
            return fail(p, "template definition past the record", pos);
        q = body + len;
    }
    if (q + 4 > end)
        return fail(p, "truncated substitution array", q);
    uint32_t n = evtx_u32(p->chunk + q);
    q += 4;
    if (n > (end - q) / 4)
        return fail(p, "substitution count past the record", q);
    if (p->n_subs + n > p->cap_subs) {
        size_t cap = p->cap_subs ? p->cap_subs : 64;
        while (cap < p->n_subs + n)
            cap *= 2;
        evtx_sub *ns = realloc(p->subs, cap * sizeof *ns);
        if (!ns) {
            p->oom = true;
            return fail(p, "out of memory", q);
        }
        p->subs = ns;
        p->cap_subs = cap;
    }
    subs_view sv = {p->n_subs, n};
    uint32_t data = q + 4 * n;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size = evtx_u16(p->chunk + q + 4 * i);
        if (size > end - data)
            return fail(p, "substitution value past the record", data);
        p->subs[p->n_subs++] = (evtx_sub){data, size, p->chunk[q + 4 * i + 2]};
        data += size;
    }
    /* The record root takes the compiled path unless a value is BinXML, whose elements
     * only the walker can place. */
    bool fast = nest == 0 && p->depth == 0;
    for (uint32_t i = 0; fast && i < n; i++)
        fast = p->subs[sv.first + i].type != VT_BINXML;
    if (fast && slot->state == EVTX_CT_UNTRIED) {
        const evtx_ctmpl *ct = compile(p, body, len);
        slot = get_template(p, def); /* compiling may have reused the slot */
        if (!slot)
            return false;
        slot->ct = ct;
        slot->state = ct ? EVTX_CT_OK : EVTX_CT_NO;
    }
    uint32_t tail;
    bool ok = fast && slot->state == EVTX_CT_OK ? render(p, slot->ct, &sv, pos)
                                                : walk(p, body, body + len, &sv, nest + 1, &tail);
    p->n_subs = sv.first;
    *after = data;
    return ok;
}

/* ---- the token walk ---- */

static bool substitution(evtx_parser *p, uint32_t pos, uint32_t end, const subs_view *sv,
                         int nest, bool optional)
{
    if (pos + 4 > end)
        return fail(p, "truncated substitution", pos);
    if (!sv)
        return fail(p, "substitution outside a template", pos);
    uint32_t id = evtx_u16(p->chunk + pos + 1);
    if (p->compiling) {
        char mark[4] = {0, (char)(id & 0xff), (char)(id >> 8), (char)optional};
        if (p->in_attr)
            p->attr_null = false;
        out_bytes(p, mark, 4);
        return true;
    }
    if (id >= sv->n) {
        if (optional) { /* templates may name more values than an instance gives */
            p->attr_null = p->in_attr;
            return true;
        }
        return fail(p, "substitution index past the values", pos);
    }
    const evtx_sub *s = &p->subs[sv->first + id];
    if (s->type == VT_NULL || (optional && s->size == 0)) {
        if (p->in_attr && p->out_n == p->attr_off)
            p->attr_null = true;
        return true;
    }
    if (p->in_attr)
        p->attr_null = false;
    return out_value(p, s, nest);
}

/* Decoded XML entities keep their character in field values. */
static void out_entity(evtx_parser *p, ts_str name)
{
    static const struct { const char *n, *c; } ents[] = {
        {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"},
    };
    for (size_t i = 0; i < sizeof ents / sizeof ents[0]; i++)
        if (ts_str_eq(name, ents[i].n)) {
            out_bytes(p, ents[i].c, 1);
            return;
        }
    out_bytes(p, "&", 1);
    out_bytes(p, name.p, name.n);
    out_bytes(p, ";", 1);
}

/* One token at pos (not EOF); sets *next past it. */
static bool token(evtx_parser *p, uint32_t pos, uint32_t end, const subs_view *sv, int nest,
                  uint32_t *next)
{
    const uint8_t *b = p->chunk;
    uint8_t tok = b[pos];
    ts_str name;
    switch (tok & ~TOK_MORE) {
    case TOK_OPEN: {
        /* token, dependency id (2, in template definitions only), size (4), name
         * offset (4), the name itself when defined here, then the attribute list size
         * (4) when attributes follow */
        uint32_t q;
        if (!ref_name(p, pos + (sv ? 7 : 5), end, &name, &q))
            return false;
        if (tok & TOK_MORE)
            q += 4;
        if (q > end)
            return fail(p, "truncated element", pos);
        *next = q;
        return open_elem(p, name, pos);
    }
    case TOK_CLOSE_START:
        end_attr(p);
        if (p->depth > 0)
            p->stack[p->depth - 1].text_off = (uint32_t)p->out_n;
        *next = pos + 1;
        return true;
    case TOK_CLOSE_EMPTY:
        end_attr(p);
        if (p->depth > 0) /* no text: what follows the open token were attributes */
            p->stack[p->depth - 1].text_off = (uint32_t)p->out_n;
        *next = pos + 1;
        return close_elem(p, pos);
    case TOK_END:
        *next = pos + 1;
        return close_elem(p, pos);
    case TOK_VALUE: {
        if (pos + 4 > end)
            return fail(p, "truncated value", pos);
        uint8_t t = b[pos + 1];
        uint32_t n = evtx_u16(b + pos + 2);
        if (t != VT_STRING)
            return fail(p, "value token of a type other than string", pos);
        if (2 * n > end - pos - 4)
            return fail(p, "value past the fragment", pos);
        if (p->in_attr)
            p->attr_null = false;
        out_utf16(p, b + pos + 4, n);
        *next = pos + 4 + 2 * n;
        return true;
    }
    case TOK_ATTR:
        end_attr(p);
        if (!ref_name(p, pos + 1, end, &name, next))
            return false;
        p->in_attr = true;
        p->attr_null = false;
        p->attr_name = name;
        p->attr_off = (uint32_t)p->out_n;
        return true;
    case TOK_CDATA:
    case TOK_PI_DATA: {
        if (pos + 3 > end)
            return fail(p, "truncated text", pos);
        uint32_t n = evtx_u16(b + pos + 1);
        if (2 * n > end - pos - 3)
            return fail(p, "text past the fragment", pos);
        if ((tok & ~TOK_MORE) == TOK_CDATA)
            out_utf16(p, b + pos + 3, n);
        *next = pos + 3 + 2 * n;
        return true;
    }
    case TOK_CHARREF:
        if (pos + 3 > end)
            return fail(p, "truncated character reference", pos);
        if (out_reserve(p, 4)) {
            uint32_t c = evtx_u16(b + pos + 1);
            if (c) /* a NUL would end C strings downstream (and marks substitutions) */
                put_cp(p, c >= 0xd800 && c < 0xe000 ? 0xfffd : c);
        }
        *next = pos + 3;
        return true;
    case TOK_ENTREF:
        if (!ref_name(p, pos + 1, end, &name, next))
            return false;
        out_entity(p, name);
        return true;
    case TOK_PI_TARGET:
        return ref_name(p, pos + 1, end, &name, next);
    case TOK_TEMPLATE:
        if (p->compiling)
            return fail(p, "template inside a template", pos);
        if (nest >= EVTX_MAX_NEST)
            return fail(p, "templates nested too deep", pos);
        return instance(p, pos, end, nest, next);
    case TOK_SUBST:
    case TOK_OPT_SUBST:
        *next = pos + 4;
        return substitution(p, pos, end, sv, nest, (tok & ~TOK_MORE) == TOK_OPT_SUBST);
    case TOK_FRAGMENT:
        if (pos + 4 > end)
            return fail(p, "truncated fragment header", pos);
        *next = pos + 4;
        return true;
    default:
        return fail(p, "unknown BinXML token", pos);
    }
}

/* Walks tokens from pos until EOF (or the end of [pos, end) for a fragment that
 * omits it); *after is where the walk stopped. */
static bool walk(evtx_parser *p, uint32_t pos, uint32_t end, const subs_view *sv, int nest,
                 uint32_t *after)
{
    while (pos < end) {
        if (p->chunk[pos] == TOK_EOF) {
            *after = pos + 1;
            return true;
        }
        uint32_t next;
        if (!token(p, pos, end, sv, nest, &next))
            return false;
        if (p->oom)
            return fail(p, "out of memory", pos);
        pos = next;
    }
    *after = pos;
    return true;
}

bool evtx_parse_record(evtx_parser *p, uint32_t off, uint32_t end, ts_fieldbuf *fields)
{
    p->out_n = 0;
    p->n_flds = 0;
    p->n_subs = 0;
    p->depth = 0;
    p->in_attr = false;
    p->oom = false;
    p->err[0] = 0;
    ts_fieldbuf_reset(fields);
    if (off >= end || end > EVTX_CHUNK_SIZE)
        return fail(p, "empty record", off);
    uint32_t after;
    if (!walk(p, off, end, NULL, 0, &after))
        return false;
    if (p->n_flds == 0)
        return fail(p, "record without fields", off);
    for (size_t i = 0; i < p->n_flds; i++) {
        const evtx_fld *f = &p->flds[i];
        ts_str k = ts_str_make(f->kp ? f->kp : p->out + f->koff, f->klen);
        if (!ts_fieldbuf_add(fields, k, ts_str_make(p->out + f->voff, f->vlen)))
            return fail(p, "out of memory", off);
    }
    return true;
}
