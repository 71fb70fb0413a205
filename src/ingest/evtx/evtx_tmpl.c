/* evtx_tmpl.c: EVTX template instances and the per-chunk template cache. A template is
 * compiled once per chunk (and context) into the fields it yields, so each record only
 * formats its substitution values instead of walking the template's tokens again. */
#include <stdlib.h>
#include <string.h>

#include "ingest/evtx/evtx_int.h"
#include "core/vec.h"

/* The template definition at off, with its body's place. Cached per chunk. */
static evtx_tmpl_slot *get_template(evtx_parser *p, uint32_t off)
{
    evtx_tmpl_slot *s = &p->tmpls[(off * 2654435761u) >> 16 & (EVTX_TMPL_SLOTS - 1)];
    if (s->gen == p->gen && s->off == off)
        return s;
    if (off < EVTX_CHUNK_HEADER || off > EVTX_CHUNK_SIZE - 24) {
        evtx_fail(p, "template offset out of chunk", off);
        return NULL;
    }
    uint32_t size = evtx_u32(p->chunk + off + 20);
    if (size > EVTX_CHUNK_SIZE - off - 24) {
        evtx_fail(p, "template runs past the chunk", off);
        return NULL;
    }
    *s = (evtx_tmpl_slot){off, p->gen, off + 24, size, EVTX_CT_UNTRIED, NULL};
    return s;
}

void evtx_compile_site(evtx_parser *p, uint32_t id, bool optional)
{
    uint32_t depth = (uint32_t)(p->depth - p->compile_depth);
    if (!ts_vec_grow(p->csites, p->cap_csites, p->n_csites + 1, TS_VEC_NOCAP) ||
        !ts_vec_grow(p->cnames, p->cap_cnames, p->n_cnames + depth, TS_VEC_NOCAP)) {
        p->oom = true;
        return;
    }
    for (uint32_t i = 0; i < depth; i++)
        p->cnames[p->n_cnames + i] = p->stack[p->compile_depth + (int)i].name;
    /* names holds an index into cnames until the template is stored */
    p->csites[p->n_csites++] = (evtx_site){id,
                                           optional,
                                           p->in_attr,
                                           (uint32_t)p->n_flds,
                                           depth,
                                           (uint32_t)p->out_n,
                                           (const ts_str *)(uintptr_t)p->n_cnames};
    p->n_cnames += depth;
}

/* A site whose marker lies inside a field's value is that field's business. */
static bool in_field(const evtx_parser *p, size_t f0, uint32_t at)
{
    for (size_t i = f0; i < p->n_flds; i++)
        if (at >= p->flds[i].voff && at < p->flds[i].voff + p->flds[i].vlen)
            return true;
    return false;
}

/* Copies what compiling left in the parser's buffers into the chunk arena. */
static evtx_ctmpl *store(evtx_parser *p, size_t out0, size_t f0)
{
    ts_arena *a = &p->chunk_arena;
    size_t tn = p->out_n - out0, nf = p->n_flds - f0;
    evtx_ctmpl *ct = ts_arena_alloc(a, sizeof *ct);
    char *text = ts_arena_alloc(a, tn + 1);
    evtx_fld *fl = ts_arena_alloc(a, nf * sizeof *fl + 1);
    evtx_site *st = ts_arena_alloc(a, p->n_csites * sizeof *st + 1);
    ts_str *nm = ts_arena_alloc(a, p->n_cnames * sizeof *nm + 1);
    if (!ct || !text || !fl || !st || !nm) {
        p->oom = true;
        return NULL;
    }
    memcpy(text, p->out + out0, tn);
    if (p->n_cnames)
        memcpy(nm, p->cnames, p->n_cnames * sizeof *nm);
    for (size_t i = 0; i < nf; i++) {
        fl[i] = p->flds[f0 + i];
        fl[i].voff -= (uint32_t)out0;
        if (!fl[i].kp)
            fl[i].kp = text + (fl[i].koff - out0);
    }
    uint32_t ns = 0;
    for (size_t i = 0; i < p->n_csites; i++) {
        evtx_site s = p->csites[i];
        if (in_field(p, f0, s.at))
            continue;
        s.before -= (uint32_t)f0;
        s.names = nm + (uintptr_t)s.names;
        st[ns++] = s;
    }
    *ct = (evtx_ctmpl){text, fl, (uint32_t)nf, st, ns, p->compile_depth, evtx_section(p)};
    return ct;
}

/* Compiles a template body in the current context by walking it once with substitutions
 * written as markers. NULL when the body holds what only the walker can do (a nested
 * template, a computed field name, text straight into its context, damage): those
 * records take the walker's path. */
static const evtx_ctmpl *compile(evtx_parser *p, uint32_t body, uint32_t len)
{
    size_t out0 = p->out_n, f0 = p->n_flds;
    int depth0 = p->depth;
    evtx_subs none = {0, 0};
    uint32_t after;
    p->compiling = true;
    p->compile_flat = false;
    p->compile_depth = depth0;
    p->n_csites = p->n_cnames = 0;
    bool ok =
        evtx_walk(p, body, body + len, &none, 1, &after) && p->depth == depth0 && !p->oom && !p->compile_flat;
    p->compiling = false;
    for (size_t i = f0; ok && i < p->n_flds; i++)
        if (!p->flds[i].kp && memchr(p->out + p->flds[i].koff, 0, p->flds[i].klen))
            ok = false;
    const evtx_ctmpl *ct = ok ? store(p, out0, f0) : NULL;
    p->out_n = out0;
    p->n_flds = f0;
    p->depth = depth0;
    p->in_attr = false;
    p->err[0] = 0;
    return ct;
}

enum { R_OK, R_FAIL, R_WALK };

/* BinXML at a site: its elements go inside the template's elements open there. */
static int site(evtx_parser *p, const evtx_site *s, const evtx_subs *sv, int nest, uint32_t pos)
{
    if (s->id >= sv->n) {
        if (s->optional)
            return R_OK;
        evtx_fail(p, "substitution index past the values", pos);
        return R_FAIL;
    }
    const evtx_sub *v = &p->subs[sv->first + s->id];
    if (v->type == VT_NULL || (s->optional && v->size == 0))
        return R_OK;
    if (v->type == VT_BINXML && s->in_attr)
        return R_WALK; /* elements inside an attribute: only the walker knows */
    if (v->type != VT_BINXML || v->size == 0) {
        /* Text of an element that yields no field: formatted only to find the damage the
         * walker would find, then dropped. */
        size_t out0 = p->out_n;
        bool ok = evtx_out_value(p, v, nest);
        p->out_n = out0;
        return ok ? R_OK : R_FAIL;
    }
    int depth0 = p->depth;
    if (depth0 + (int)s->depth > EVTX_MAX_DEPTH || nest >= EVTX_MAX_NEST)
        return R_WALK; /* the walker reports it */
    if (depth0 > 0)
        p->stack[depth0 - 1].has_child = true;
    for (uint32_t i = 0; i < s->depth; i++)
        p->stack[depth0 + (int)i] =
            (evtx_elem){.name = s->names[i], .has_child = true, .text_off = (uint32_t)p->out_n};
    p->depth = depth0 + (int)s->depth;
    uint32_t after;
    bool ok = evtx_walk(p, v->off, v->off + v->size, NULL, nest + 1, &after);
    bool balanced = p->depth == depth0 + (int)s->depth;
    p->depth = depth0;
    if (!ok)
        return R_FAIL;
    return balanced ? R_OK : R_WALK;
}

/* The value of one compiled field from the instance's values. */
static int field(evtx_parser *p, const evtx_ctmpl *ct, const evtx_fld *f, const evtx_subs *sv, int nest,
                 uint32_t pos)
{
    const char *t = ct->text + f->voff, *e = t + f->vlen;
    size_t v0 = p->out_n;
    while (t < e) {
        /* most values are one marker and nothing else */
        const char *z = *t == 0 ? t : memchr(t, 0, (size_t)(e - t));
        size_t lit = z ? (size_t)(z - t) : (size_t)(e - t);
        evtx_out_bytes(p, t, lit);
        if (!z)
            break;
        uint32_t id = (uint8_t)z[1] | (uint32_t)(uint8_t)z[2] << 8;
        bool optional = z[3];
        t = z + 4;
        if (id >= sv->n) {
            if (optional)
                continue;
            return evtx_fail(p, "substitution index past the values", pos) ? R_OK : R_FAIL;
        }
        const evtx_sub *s = &p->subs[sv->first + id];
        if (s->type == VT_BINXML)
            return R_WALK; /* elements inside a leaf: only the walker places them */
        if (s->type == VT_NULL || (optional && s->size == 0))
            continue;
        if (!evtx_out_value(p, s, nest))
            return R_FAIL;
    }
    uint32_t voff = (uint32_t)v0, vlen = (uint32_t)(p->out_n - v0);
    while (f->trim && vlen && evtx_is_ws(p->out[voff + vlen - 1]))
        vlen--;
    while (f->trim && vlen && evtx_is_ws(p->out[voff])) {
        voff++;
        vlen--;
    }
    if (!(f->skip_empty && vlen == 0))
        evtx_add_field(p, f->kp, 0, f->klen, voff, vlen, false, false);
    return p->oom ? R_FAIL : R_OK;
}

/* The fields of a compiled template from one instance's values, with its sites walked
 * in document order. */
static int render(evtx_parser *p, const evtx_ctmpl *ct, const evtx_subs *sv, int nest, uint32_t pos)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i <= ct->n; i++) {
        for (; k < ct->n_sites && ct->sites[k].before == i; k++) {
            int r = site(p, &ct->sites[k], sv, nest, pos);
            if (r != R_OK)
                return r;
        }
        if (i < ct->n) {
            int r = field(p, ct, &ct->flds[i], sv, nest, pos);
            if (r != R_OK)
                return r;
        }
    }
    if (p->depth > 0) /* the template's elements are its context's children */
        p->stack[p->depth - 1].has_child = true;
    return R_OK;
}

/* Reads the substitution array at q into the parser's value stack. */
static bool read_values(evtx_parser *p, uint32_t q, uint32_t end, evtx_subs *sv, uint32_t *after)
{
    if (q + 4 > end)
        return evtx_fail(p, "truncated substitution array", q);
    uint32_t n = evtx_u32(p->chunk + q);
    q += 4;
    if (n > (end - q) / 4)
        return evtx_fail(p, "substitution count past the record", q);
    if (!ts_vec_grow(p->subs, p->cap_subs, p->n_subs + n, TS_VEC_NOCAP)) {
        p->oom = true;
        return evtx_fail(p, "out of memory", q);
    }
    *sv = (evtx_subs){p->n_subs, n};
    uint32_t data = q + 4 * n;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size = evtx_u16(p->chunk + q + 4 * i);
        if (size > end - data)
            return evtx_fail(p, "substitution value past the record", data);
        p->subs[p->n_subs++] = (evtx_sub){data, size, p->chunk[q + 4 * i + 2]};
        data += size;
    }
    *after = data;
    return true;
}

bool evtx_instance(evtx_parser *p, uint32_t pos, uint32_t end, int nest, uint32_t *after)
{
    if (pos + 10 > end)
        return evtx_fail(p, "truncated template instance", pos);
    uint32_t def = evtx_u32(p->chunk + pos + 6), q = pos + 10;
    evtx_tmpl_slot *slot = get_template(p, def);
    if (!slot)
        return false;
    uint32_t body = slot->body, len = slot->len;
    if (def == q) { /* defined here: its values follow it */
        if (body + len > end)
            return evtx_fail(p, "template definition past the record", pos);
        q = body + len;
    }
    evtx_subs sv;
    size_t subs0 = p->n_subs;
    if (!read_values(p, q, end, &sv, after)) {
        p->n_subs = subs0;
        return false;
    }
    if (slot->state == EVTX_CT_UNTRIED && !p->in_attr && !p->walk_only) {
        const evtx_ctmpl *ct = compile(p, body, len);
        slot = get_template(p, def); /* compiling may have reused the slot */
        if (!slot)
            return false;
        slot->ct = ct;
        slot->state = ct ? EVTX_CT_OK : EVTX_CT_NO;
    }
    int r = R_WALK;
    const evtx_ctmpl *ct = slot->ct;
    if (slot->state == EVTX_CT_OK && !p->in_attr && ct->ctx_depth == p->depth &&
        ct->ctx_sec == evtx_section(p)) {
        size_t out0 = p->out_n, f0 = p->n_flds;
        int depth0 = p->depth;
        r = render(p, ct, &sv, nest, pos);
        if (r == R_WALK) { /* undo, and let the walker do it all */
            p->out_n = out0;
            p->n_flds = f0;
            p->depth = depth0;
            p->err[0] = 0;
        }
    }
    bool ok = r == R_OK;
    if (r == R_WALK) {
        uint32_t tail;
        ok = evtx_walk(p, body, body + len, &sv, nest + 1, &tail);
    }
    p->n_subs = subs0;
    return ok;
}
