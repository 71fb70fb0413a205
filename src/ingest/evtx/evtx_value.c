/* evtx_value.c: the EVTX reader's output buffer and the text of every BinXML value type
 * (strings, integers, reals, GUIDs, SIDs, times, binary, arrays), formatted as evtx_dump
 * prints them so fields equal those of JSON exports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/evtx/evtx_int.h"
#include "core/vec.h"

bool evtx_out_reserve(evtx_parser *p, size_t n)
{
    if (p->out_n + n <= p->out_cap)
        return true;
    if (p->out_n + n > TS_MAX_RECORD * 4u) { /* a record's text cannot be this large */
        evtx_fail(p, "record text over the size limit", 0);
        p->oom = p->too_long = true;
        return false;
    }
    if (!ts_vec_grow(p->out, p->out_cap, p->out_n + n, TS_MAX_RECORD * 4u)) {
        p->oom = true;
        return false;
    }
    return true;
}

static void out_fmt_u64(evtx_parser *p, uint64_t v)
{
    char buf[24];
    size_t i = sizeof buf;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    evtx_out_bytes(p, buf + i, sizeof buf - i);
}

static void out_fmt_i64(evtx_parser *p, int64_t v)
{
    if (v < 0) {
        evtx_out_bytes(p, "-", 1);
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
    evtx_out_bytes(p, buf + i, sizeof buf - i);
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
void evtx_put_cp(evtx_parser *p, uint32_t c)
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
void evtx_out_utf16(evtx_parser *p, const uint8_t *s, size_t n)
{
    if (!evtx_out_reserve(p, n * 3))
        return;
    char *o = p->out + p->out_n;
    size_t i = 0;
    /* Four ASCII units (none NUL) at a time: most event text is ASCII. */
    for (; i + 4 <= n; i += 4) {
        uint64_t w;
        memcpy(&w, s + 2 * i, 8);
        if ((w & 0xff80ff80ff80ff80ull) || !(w & 0x7f) || !(w & 0x7f0000) || !(w & 0x7f00000000ull) ||
            !(w & 0x7f000000000000ull))
            break;
        o[0] = s[2 * i];
        o[1] = s[2 * i + 2];
        o[2] = s[2 * i + 4];
        o[3] = s[2 * i + 6];
        o += 4;
    }
    p->out_n = (size_t)(o - p->out);
    for (; i < n; i++) {
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
        evtx_put_cp(p, c); /* at most 4 bytes for 2 units, 3 for one: within n * 3 */
    }
}

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
    evtx_out_bytes(p, buf, sizeof buf);
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
static void out_time(evtx_parser *p, int y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s,
                     uint32_t ns)
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
    evtx_out_bytes(p, buf, sizeof buf);
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
    evtx_out_bytes(p, "S-", 2);
    out_fmt_u64(p, v[0]);
    evtx_out_bytes(p, "-", 1);
    if (auth >> 32)
        out_hex(p, auth);
    else
        out_fmt_u64(p, auth);
    /* A SID cut short keeps the sub-authorities that are there. */
    for (uint32_t i = 0; i < v[1] && 8 + 4 * i + 4 <= size; i++) {
        evtx_out_bytes(p, "-", 1);
        out_fmt_u64(p, evtx_u32(v + 8 + 4 * i));
    }
}

/* The fixed size of one element of type t, 0 when variable. */
static uint32_t fixed_size(uint8_t t)
{
    switch (t) {
    case VT_I8:
    case VT_U8:
        return 1;
    case VT_I16:
    case VT_U16:
        return 2;
    case VT_I32:
    case VT_U32:
    case VT_R32:
    case VT_BOOL:
    case VT_HEX32:
        return 4;
    case VT_I64:
    case VT_U64:
    case VT_R64:
    case VT_FILETIME:
    case VT_HEX64:
        return 8;
    case VT_GUID:
    case VT_SYSTIME:
        return 16;
    default:
        return 0;
    }
}

static void out_real(evtx_parser *p, double d, int digits)
{
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%.*g", digits, d);
    evtx_out_bytes(p, buf, (size_t)n);
}

/* Renders one scalar of fixed-size type t (v holds fixed_size(t) bytes). */
static void out_scalar(evtx_parser *p, uint8_t t, const uint8_t *v)
{
    switch (t) {
    case VT_I8:
        out_fmt_i64(p, (int8_t)v[0]);
        break;
    case VT_U8:
        out_fmt_u64(p, v[0]);
        break;
    case VT_I16:
        out_fmt_i64(p, (int16_t)evtx_u16(v));
        break;
    case VT_U16:
        out_fmt_u64(p, evtx_u16(v));
        break;
    case VT_I32:
        out_fmt_i64(p, (int32_t)evtx_u32(v));
        break;
    case VT_U32:
        out_fmt_u64(p, evtx_u32(v));
        break;
    case VT_I64:
        out_fmt_i64(p, (int64_t)evtx_u64(v));
        break;
    case VT_U64:
        out_fmt_u64(p, evtx_u64(v));
        break;
    case VT_HEX32:
        out_hex(p, evtx_u32(v));
        break;
    case VT_HEX64:
        out_hex(p, evtx_u64(v));
        break;
    case VT_BOOL:
        evtx_out_bytes(p, evtx_u32(v) ? "true" : "false", evtx_u32(v) ? 4 : 5);
        break;
    case VT_GUID:
        out_guid(p, v);
        break;
    case VT_FILETIME:
        out_filetime(p, evtx_u64(v));
        break;
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
        out_time(p, evtx_u16(v), evtx_u16(v + 2), evtx_u16(v + 6), evtx_u16(v + 8), evtx_u16(v + 10),
                 evtx_u16(v + 12), (ms % 1000) * 1000000u);
        break;
    }
    default:
        break;
    }
}

static void out_binary(evtx_parser *p, const uint8_t *v, uint32_t size)
{
    const char *hex = hexdig_uc;
    if (!evtx_out_reserve(p, (size_t)size * 2))
        return;
    for (uint32_t i = 0; i < size; i++) {
        p->out[p->out_n++] = hex[v[i] >> 4];
        p->out[p->out_n++] = hex[v[i] & 15];
    }
}

/* Latin-1 bytes to UTF-8, up to a NUL. */
static void out_ansi(evtx_parser *p, const uint8_t *v, uint32_t size)
{
    if (!evtx_out_reserve(p, (size_t)size * 2))
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
                evtx_out_bytes(p, ",", 1);
            evtx_out_utf16(p, v + 2 * start, i - start);
            first = false;
            start = i + 1;
        }
    }
}

/* Renders substitution value s as text; BinXML values are walked in place. */
bool evtx_out_value(evtx_parser *p, const evtx_sub *s, int nest)
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
                    evtx_out_bytes(p, ",", 1);
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
            return evtx_fail(p, "substitution value shorter than its type", s->off);
        out_scalar(p, t, v);
        return true;
    }
    switch (t) {
    case VT_NULL:
        return true;
    case VT_STRING:
        evtx_out_utf16(p, v, s->size / 2);
        return true;
    case VT_ANSI:
        out_ansi(p, v, s->size);
        return true;
    case VT_BINARY:
        out_binary(p, v, s->size);
        return true;
    case VT_SID:
        out_sid(p, v, s->size);
        return true;
    case VT_SIZET:
        if (s->size == 4)
            out_hex(p, evtx_u32(v));
        else if (s->size == 8)
            out_hex(p, evtx_u64(v));
        else
            return evtx_fail(p, "size_t value of odd size", s->off);
        return true;
    case VT_BINXML: {
        uint32_t after;
        if (s->size == 0)
            return true;
        if (nest >= EVTX_MAX_NEST)
            return evtx_fail(p, "BinXML nested too deep", s->off);
        return evtx_walk(p, s->off, s->off + s->size, NULL, nest + 1, &after);
    }
    case VT_HANDLE:
    case VT_EVTXML:
        out_binary(p, v, s->size);
        return true;
    default:
        return evtx_fail(p, "unknown value type", s->off);
    }
}
