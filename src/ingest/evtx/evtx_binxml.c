/* evtx_binxml.c: the BinXML token walker of the EVTX reader: tokens, element names (cached
 * per chunk), and the mapping of the XML tree to the flat fields Sigma names (System
 * children and attributes, EventData, UserData leaves). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/evtx/evtx_int.h"
#include "core/vec.h"

bool evtx_fail(evtx_parser *p, const char *msg, uint32_t off)
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
    free(p->csites);
    free(p->cnames);
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

/* ---- names ---- */

/* The name structure at off (next-string offset 4, hash 2, length 2, UTF-16, NUL 2).
 * Sets *size to its length in bytes. Decoded once per chunk. */
static bool get_name(evtx_parser *p, uint32_t off, ts_str *name, uint32_t *size)
{
    if (off > EVTX_CHUNK_SIZE - 8)
        return evtx_fail(p, "name offset out of chunk", off);
    uint32_t nchars = evtx_u16(p->chunk + off + 6);
    if (off + 8 + 2 * nchars > EVTX_CHUNK_SIZE)
        return evtx_fail(p, "name runs past the chunk", off);
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
    evtx_out_utf16(p, p->chunk + off + 8, nchars);
    if (p->oom)
        return evtx_fail(p, "out of memory", off);
    char *s = ts_arena_strndup(&p->chunk_arena, p->out + mark, p->out_n - mark);
    size_t len = p->out_n - mark;
    p->out_n = mark;
    if (!s) {
        p->oom = true;
        return evtx_fail(p, "out of memory", off);
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
        return evtx_fail(p, "truncated name reference", pos);
    uint32_t off = evtx_u32(p->chunk + pos), size;
    if (!get_name(p, off, name, &size))
        return false;
    *next = pos + 4;
    if (off == pos + 4) {
        if (pos + 4 + size > end)
            return evtx_fail(p, "inline name past the fragment", pos);
        *next += size;
    }
    return true;
}

/* ---- fields ---- */

void evtx_add_field(evtx_parser *p, const char *kp, uint32_t koff, uint32_t klen, uint32_t voff,
                    uint32_t vlen, bool skip_empty, bool trim)
{
    /* Templates reused by many nested instances could multiply fields without end: no real
     * record comes near EVTX_MAX_FIELDS. */
    if (!ts_vec_grow(p->flds, p->cap_flds, p->n_flds + 1, EVTX_MAX_FIELDS)) {
        if (p->n_flds >= EVTX_MAX_FIELDS) {
            evtx_fail(p, "more fields than a record may hold", 0);
            p->too_long = true;
        }
        p->oom = true;
        return;
    }
    p->flds[p->n_flds++] = (evtx_fld){kp, koff, klen, voff, vlen, skip_empty, trim};
}

/* Which part of the event the element at stack index 1 is. */
int evtx_section(const evtx_parser *p)
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
 * become fields named element_attribute; EventData's Data Name="X" names the element's
 * field. */
static void end_attr(evtx_parser *p)
{
    if (!p->in_attr)
        return;
    p->in_attr = false;
    uint32_t voff = p->attr_off, vlen = (uint32_t)(p->out_n - p->attr_off);
    if (p->attr_null || p->depth != 3)
        return;
    int sec = evtx_section(p);
    evtx_elem *e = &p->stack[2];
    if (sec == 1) {
        if (ts_str_eq(p->attr_name, "xmlns") || vlen == 0)
            return;
        /* "Provider_Name", "TimeCreated_SystemTime", "Execution_ProcessID": the names
         * the JSON reader gives evtx_dump's exports, so both containers match alike */
        uint32_t koff = (uint32_t)p->out_n;
        evtx_out_bytes(p, e->name.p, e->name.n);
        evtx_out_bytes(p, "_", 1);
        evtx_out_bytes(p, p->attr_name.p, p->attr_name.n);
        evtx_add_field(p, NULL, koff, (uint32_t)(p->out_n - koff), voff, vlen, true, false);
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
        return evtx_fail(p, "elements nested too deep", off);
    if (p->depth > 0)
        p->stack[p->depth - 1].has_child = true;
    p->stack[p->depth++] = (evtx_elem){.name = name, .text_off = (uint32_t)p->out_n};
    return true;
}

/* An element ends: a leaf of System, EventData or UserData becomes a field. */
static bool close_elem(evtx_parser *p, uint32_t off)
{
    end_attr(p);
    if (p->depth == 0)
        return evtx_fail(p, "end of an element that is not open", off);
    evtx_elem *e = &p->stack[p->depth - 1];
    int sec = evtx_section(p);
    uint32_t voff = e->text_off, vlen = (uint32_t)(p->out_n - e->text_off);
    /* Element text is trimmed as evtx_dump's JSON exports do, so a rule sees the same
     * value in a .evtx file and in its JSON export (Sysmon command lines often end in a
     * space). */
    while (vlen && evtx_is_ws(p->out[voff + vlen - 1]))
        vlen--;
    while (vlen && evtx_is_ws(p->out[voff])) {
        voff++;
        vlen--;
    }
    if (!e->has_child) {
        if (sec == 1 && p->depth == 3 && vlen > 0)
            evtx_add_field(p, e->name.p, 0, (uint32_t)e->name.n, voff, vlen, true, true);
        else if (sec == 2 && p->depth == 3 && e->has_key)
            evtx_add_field(p, NULL, e->key_off, e->key_len, voff, vlen, false, true);
        else if (sec == 2 && p->depth == 3)
            evtx_add_field(p, e->name.p, 0, (uint32_t)e->name.n, voff, vlen, false, true);
        else if (sec == 3 && p->depth >= 4)
            evtx_add_field(p, e->name.p, 0, (uint32_t)e->name.n, voff, vlen, false, true);
    }
    p->depth--;
    return true;
}

/* ---- the token walk ---- */

static bool substitution(evtx_parser *p, uint32_t pos, uint32_t end, const evtx_subs *sv, int nest,
                         bool optional)
{
    if (pos + 4 > end)
        return evtx_fail(p, "truncated substitution", pos);
    if (!sv)
        return evtx_fail(p, "substitution outside a template", pos);
    uint32_t id = evtx_u16(p->chunk + pos + 1);
    if (p->compiling) {
        char mark[4] = {0, (char)(id & 0xff), (char)(id >> 8), (char)optional};
        if (p->in_attr)
            p->attr_null = false;
        evtx_compile_site(p, id, optional);
        evtx_out_bytes(p, mark, 4);
        return true;
    }
    if (id >= sv->n) {
        if (optional) { /* templates may name more values than an instance gives */
            if (p->in_attr && p->out_n == p->attr_off)
                p->attr_null = true;
            return true;
        }
        return evtx_fail(p, "substitution index past the values", pos);
    }
    const evtx_sub *s = &p->subs[sv->first + id];
    if (s->type == VT_NULL || (optional && s->size == 0)) {
        if (p->in_attr && p->out_n == p->attr_off)
            p->attr_null = true;
        return true;
    }
    if (p->in_attr)
        p->attr_null = false;
    return evtx_out_value(p, s, nest);
}

/* Decoded XML entities keep their character in field values. */
static void out_entity(evtx_parser *p, ts_str name)
{
    static const struct {
        const char *n, *c;
    } ents[] = {
        {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"},
    };
    for (size_t i = 0; i < sizeof ents / sizeof ents[0]; i++)
        if (ts_str_eq(name, ents[i].n)) {
            evtx_out_bytes(p, ents[i].c, 1);
            return;
        }
    evtx_out_bytes(p, "&", 1);
    evtx_out_bytes(p, name.p, name.n);
    evtx_out_bytes(p, ";", 1);
}

/* One token at pos (not EOF); sets *next past it. */
static bool token(evtx_parser *p, uint32_t pos, uint32_t end, const evtx_subs *sv, int nest, uint32_t *next)
{
    const uint8_t *b = p->chunk;
    uint8_t tok = b[pos];
    ts_str name;
    int base = tok & ~EVTX_TOK_MORE;
    /* A body that puts text, values or attributes straight into its context cannot be
     * compiled apart from it. */
    if (p->compiling && p->depth == p->compile_depth && base != EVTX_TOK_OPEN && base != EVTX_TOK_FRAGMENT &&
        base != EVTX_TOK_PI_TARGET && base != EVTX_TOK_PI_DATA)
        p->compile_flat = true;
    switch (base) {
    case EVTX_TOK_OPEN: {
        /* token, dependency id (2, in template definitions only), size (4), name
         * offset (4), the name itself when defined here, then the attribute list size
         * (4) when attributes follow */
        uint32_t q;
        if (!ref_name(p, pos + (sv ? 7 : 5), end, &name, &q))
            return false;
        if (tok & EVTX_TOK_MORE)
            q += 4;
        if (q > end)
            return evtx_fail(p, "truncated element", pos);
        *next = q;
        return open_elem(p, name, pos);
    }
    case EVTX_TOK_CLOSE_START:
        end_attr(p);
        if (p->depth > 0)
            p->stack[p->depth - 1].text_off = (uint32_t)p->out_n;
        *next = pos + 1;
        return true;
    case EVTX_TOK_CLOSE_EMPTY:
        end_attr(p);
        if (p->depth > 0) /* no text: what follows the open token were attributes */
            p->stack[p->depth - 1].text_off = (uint32_t)p->out_n;
        *next = pos + 1;
        return close_elem(p, pos);
    case EVTX_TOK_END:
        *next = pos + 1;
        return close_elem(p, pos);
    case EVTX_TOK_VALUE: {
        if (pos + 4 > end)
            return evtx_fail(p, "truncated value", pos);
        uint8_t t = b[pos + 1];
        uint32_t n = evtx_u16(b + pos + 2);
        if (t != VT_STRING)
            return evtx_fail(p, "value token of a type other than string", pos);
        if (2 * n > end - pos - 4)
            return evtx_fail(p, "value past the fragment", pos);
        if (p->in_attr)
            p->attr_null = false;
        evtx_out_utf16(p, b + pos + 4, n);
        *next = pos + 4 + 2 * n;
        return true;
    }
    case EVTX_TOK_ATTR:
        end_attr(p);
        if (!ref_name(p, pos + 1, end, &name, next))
            return false;
        p->in_attr = true;
        p->attr_null = false;
        p->attr_name = name;
        p->attr_off = (uint32_t)p->out_n;
        return true;
    case EVTX_TOK_CDATA:
    case EVTX_TOK_PI_DATA: {
        if (pos + 3 > end)
            return evtx_fail(p, "truncated text", pos);
        uint32_t n = evtx_u16(b + pos + 1);
        if (2 * n > end - pos - 3)
            return evtx_fail(p, "text past the fragment", pos);
        if ((tok & ~EVTX_TOK_MORE) == EVTX_TOK_CDATA)
            evtx_out_utf16(p, b + pos + 3, n);
        *next = pos + 3 + 2 * n;
        return true;
    }
    case EVTX_TOK_CHARREF:
        if (pos + 3 > end)
            return evtx_fail(p, "truncated character reference", pos);
        if (evtx_out_reserve(p, 4)) {
            uint32_t c = evtx_u16(b + pos + 1);
            if (c) /* a NUL would end C strings downstream (and marks substitutions) */
                evtx_put_cp(p, c >= 0xd800 && c < 0xe000 ? 0xfffd : c);
        }
        *next = pos + 3;
        return true;
    case EVTX_TOK_ENTREF:
        if (!ref_name(p, pos + 1, end, &name, next))
            return false;
        out_entity(p, name);
        return true;
    case EVTX_TOK_PI_TARGET:
        return ref_name(p, pos + 1, end, &name, next);
    case EVTX_TOK_TEMPLATE:
        if (p->compiling)
            return evtx_fail(p, "template inside a template", pos);
        if (nest >= EVTX_MAX_NEST)
            return evtx_fail(p, "templates nested too deep", pos);
        return evtx_instance(p, pos, end, nest, next);
    case EVTX_TOK_SUBST:
    case EVTX_TOK_OPT_SUBST:
        *next = pos + 4;
        return substitution(p, pos, end, sv, nest, (tok & ~EVTX_TOK_MORE) == EVTX_TOK_OPT_SUBST);
    case EVTX_TOK_FRAGMENT:
        if (pos + 4 > end)
            return evtx_fail(p, "truncated fragment header", pos);
        *next = pos + 4;
        return true;
    default:
        return evtx_fail(p, "unknown BinXML token", pos);
    }
}

/* Walks tokens from pos until EOF (or the end of [pos, end) for a fragment that
 * omits it); *after is where the walk stopped. */
bool evtx_walk(evtx_parser *p, uint32_t pos, uint32_t end, const evtx_subs *sv, int nest, uint32_t *after)
{
    while (pos < end) {
        if (p->chunk[pos] == EVTX_TOK_EOF) {
            *after = pos + 1;
            return true;
        }
        uint32_t next;
        if (!token(p, pos, end, sv, nest, &next))
            return false;
        if (p->oom)
            return evtx_fail(p, "out of memory", pos);
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
    p->oom = p->too_long = false;
    p->err[0] = 0;
    ts_fieldbuf_reset(fields);
    if (!evtx_out_reserve(p, 4096)) /* so the buffer is never NULL below */
        return evtx_fail(p, "out of memory", off);
    if (off >= end || end > EVTX_CHUNK_SIZE)
        return evtx_fail(p, "empty record", off);
    uint32_t after;
    if (!evtx_walk(p, off, end, NULL, 0, &after))
        return false;
    if (p->n_flds == 0)
        return evtx_fail(p, "record without fields", off);
    for (size_t i = 0; i < p->n_flds; i++) {
        const evtx_fld *f = &p->flds[i];
        ts_str k = ts_str_make(f->kp ? f->kp : p->out + f->koff, f->klen);
        if (!ts_fieldbuf_add(fields, k, ts_str_make(p->out + f->voff, f->vlen)))
            return evtx_fail(p, "out of memory", off);
    }
    return true;
}
