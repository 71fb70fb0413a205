/* value.c: one Sigma value and its modifiers (wildcards, encodings, windash, numbers, ...) as atoms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/sigma_int.h"

#define MAX_VARIANTS 256
#define MAX_VALUE 65536

/* A value being transformed: bytes, with wild[i] 1 for '*', 2 for '?', else 0. */
typedef struct pstr {
    char *b;
    uint8_t *w;
    size_t n;
} pstr;

typedef struct plist {
    pstr v[MAX_VARIANTS];
    size_t n;
} plist;

/* A table of macros, one line per group, as written: */
/* clang-format off */
static bool mods_one(sg_mods *m, const char *p, size_t n)
{
#define M(lit, stmt)                                                                     \
    if (n == sizeof(lit) - 1 && memcmp(p, lit, n) == 0) {                                \
        stmt;                                                                            \
        return true;                                                                     \
    }
    M("contains", m->contains = true) M("startswith", m->startswith = true) M("endswith", m->endswith = true)
    M("all", m->all = true) M("cased", m->cased = true) M("neq", m->neq = true) M("windash", m->windash = true)
    M("re", m->re = true) M("i", m->re_i = true) M("m", m->re_m = true) M("s", m->re_s = true)
    M("base64", m->base64 = true) M("base64offset", m->base64offset = true)
    M("utf16le", m->utf16le = true) M("wide", m->utf16le = true) M("utf16be", m->utf16be = true)
    M("utf16", m->utf16bom = true) M("expand", m->expand = true) M("fieldref", m->fieldref = true)
    M("cidr", m->cidr = true) M("exists", m->exists = true)
    M("lt", m->cmp = CMP_LT) M("lte", m->cmp = CMP_LTE) M("gt", m->cmp = CMP_GT) M("gte", m->cmp = CMP_GTE)
    M("minute", m->tpart = TP_MINUTE) M("hour", m->tpart = TP_HOUR) M("day", m->tpart = TP_DAY)
    M("week", m->tpart = TP_WEEK) M("month", m->tpart = TP_MONTH) M("year", m->tpart = TP_YEAR)
#undef M
    return false;
}

/* clang-format on */
bool sg_parse_mods(const char *spec, size_t n, sg_mods *m, char *why, size_t cap)
{
    memset(m, 0, sizeof *m);
    m->tpart = -1;
    while (n) {
        const char *bar = memchr(spec, '|', n);
        size_t k = bar ? (size_t)(bar - spec) : n;
        if (!mods_one(m, spec, k))
            return snprintf(why, cap, "unknown modifier '%.*s'", (int)(k > 40 ? 40 : k), spec), false;
        spec += bar ? k + 1 : k;
        n -= bar ? k + 1 : k;
    }
    if ((m->re_i || m->re_m || m->re_s) && !m->re)
        return snprintf(why, cap, "modifiers i, m and s need re"), false;
    if (m->contains + m->startswith + m->endswith > 1)
        return snprintf(why, cap, "contains, startswith and endswith exclude each other"), false;
    return true;
}

/* ---- building atoms and nodes ---- */

static uint32_t atom_node(ts_sigma *s, const sg_atom *at)
{
    uint32_t a = sg_add_atom(s, at);
    return a == UINT32_MAX ? a : sg_add_node(s, N_ATOM, a, 0);
}

/* ---- string transformations ---- */

static bool pl_add(plist *l, const char *b, const uint8_t *w, size_t n)
{
    if (l->n == MAX_VARIANTS || n > MAX_VALUE)
        return false;
    pstr *p = &l->v[l->n];
    p->b = malloc(n + 1);
    p->w = calloc(n + 1, 1);
    if (!p->b || !p->w) {
        free(p->b), free(p->w);
        return false;
    }
    memcpy(p->b, b, n);
    if (w)
        memcpy(p->w, w, n);
    p->n = n;
    l->n++;
    return true;
}

static void pl_free(plist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].b), free(l->v[i].w);
    l->n = 0;
}

/* Sigma escapes: \* \? \\ stand for the plain character; other backslashes are plain. */
static bool parse_wild(plist *out, const char *s, size_t n, bool wildcards)
{
    char *b = malloc(n + 1);
    uint8_t *w = calloc(n + 1, 1);
    size_t k = 0;
    bool ok = b && w;
    for (size_t i = 0; ok && i < n; i++) {
        char c = s[i];
        if (wildcards && c == '\\' && i + 1 < n && (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\')) {
            b[k++] = s[++i];
        } else if (wildcards && (c == '*' || c == '?')) {
            w[k] = c == '*' ? 1 : 2;
            b[k++] = c;
        } else {
            b[k++] = c;
        }
    }
    ok = ok && pl_add(out, b, w, k);
    free(b), free(w);
    return ok;
}

static bool word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* windash: each '-' or '/' that starts a word after a non-word character (a command-line
 * flag) takes every one of - / en dash, em dash and horizontal bar. */
static bool windash(const plist *in, plist *out)
{
    static const char *dash[] = {"-", "/", "\xe2\x80\x93", "\xe2\x80\x94", "\xe2\x80\x95"};
    for (size_t v = 0; v < in->n; v++) {
        const pstr *p = &in->v[v];
        size_t pos[8], np = 0;
        for (size_t i = 0; i < p->n; i++)
            if (!p->w[i] && (p->b[i] == '-' || p->b[i] == '/') && (i == 0 || !word_char(p->b[i - 1])) &&
                i + 1 < p->n && word_char(p->b[i + 1]) && np < 8)
                pos[np++] = i;
        size_t combos = 1;
        for (size_t i = 0; i < np; i++)
            combos *= 5;
        if (combos > MAX_VARIANTS)
            return false;
        for (size_t c = 0; c < combos; c++) {
            char *b = malloc(p->n * 3 + 1);
            uint8_t *w = calloc(p->n * 3 + 1, 1);
            size_t k = 0, d = 0, code = c;
            if (!b || !w)
                return free(b), free(w), false;
            for (size_t i = 0; i < p->n; i++) {
                if (d < np && pos[d] == i) {
                    const char *r = dash[code % 5];
                    code /= 5, d++;
                    for (; *r; r++)
                        b[k++] = *r;
                    continue;
                }
                w[k] = p->w[i];
                b[k++] = p->b[i];
            }
            bool ok = pl_add(out, b, w, k);
            free(b), free(w);
            if (!ok)
                return false;
        }
    }
    return true;
}

static bool utf16(const plist *in, plist *out, bool be, bool bom)
{
    for (size_t v = 0; v < in->n; v++) {
        const pstr *p = &in->v[v];
        char *b = malloc(p->n * 4 + 2);
        size_t k = 0;
        if (!b)
            return false;
        if (bom)
            b[k++] = (char)0xff, b[k++] = (char)0xfe;
        for (size_t i = 0; i < p->n;) {
            /* decode UTF-8 to a code point; bad bytes pass as Latin-1 */
            unsigned char c = (unsigned char)p->b[i];
            uint32_t cp = c;
            size_t len = 1;
            if (c >= 0xc0 && c < 0xe0 && i + 1 < p->n)
                cp = ((c & 0x1fu) << 6) | (p->b[i + 1] & 0x3fu), len = 2;
            else if (c >= 0xe0 && c < 0xf0 && i + 2 < p->n)
                cp = ((c & 0x0fu) << 12) | ((p->b[i + 1] & 0x3fu) << 6) | (p->b[i + 2] & 0x3fu), len = 3;
            i += len;
            if (cp > 0xffff)
                cp = 0xfffd;
            char hi = (char)(cp >> 8), lo = (char)(cp & 0xff);
            b[k++] = be ? hi : lo;
            b[k++] = be ? lo : hi;
        }
        bool ok = pl_add(out, b, NULL, k);
        free(b);
        if (!ok)
            return false;
    }
    return true;
}

static size_t b64(const unsigned char *in, size_t n, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[k++] = tab[(v >> 18) & 63];
        out[k++] = tab[(v >> 12) & 63];
        out[k++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[k++] = i + 2 < n ? tab[v & 63] : '=';
    }
    return k;
}

/* base64 encodes the whole value; base64offset gives the three encodings of the value
 * placed at offsets 0, 1 and 2 of a longer text, trimmed to the characters that do not
 * depend on its neighbours. */
static bool base64(const plist *in, plist *out, bool offset)
{
    for (size_t v = 0; v < in->n; v++) {
        const pstr *p = &in->v[v];
        char *enc = malloc(p->n * 2 + 16);
        unsigned char *buf = malloc(p->n + 3);
        if (!enc || !buf)
            return free(enc), free(buf), false;
        bool ok = true;
        for (size_t shift = 0; ok && shift < (offset ? 3u : 1u); shift++) {
            memset(buf, ' ', shift);
            memcpy(buf + shift, p->b, p->n);
            size_t k = b64(buf, p->n + shift, enc);
            size_t start = 0, end = k;
            if (offset) {
                static const size_t skip[3] = {0, 2, 3};
                static const size_t cut[3] = {0, 3, 2};
                start = skip[shift];
                end = k - cut[(p->n + shift) % 3];
            }
            ok = end > start && pl_add(out, enc + start, NULL, end - start);
        }
        free(enc), free(buf);
        if (!ok)
            return false;
    }
    return true;
}

/* ---- placeholders ---- */

static bool expand(const ts_sigma *s, const char *v, size_t n, plist *out, bool wildcards, char *why,
                   size_t cap)
{
    const char *a = memchr(v, '%', n);
    const char *b = a ? memchr(a + 1, '%', n - (size_t)(a + 1 - v)) : NULL;
    if (!a || !b)
        return parse_wild(out, v, n, wildcards) ||
               (snprintf(why, cap, "value too long or too many variants"), false);
    uint32_t ph = sg_map_get(&s->placeholders, a + 1, (size_t)(b - a - 1));
    if (ph == UINT32_MAX)
        return snprintf(why, cap, "placeholder %%%.*s%% has no value (give a placeholder file)",
                        (int)(b - a - 1 > 60 ? 60 : b - a - 1), a + 1),
               false;
    for (size_t i = 0; i < s->ph[ph].n; i++) {
        const char *r = s->ph[ph].v[i];
        size_t rn = strlen(r), tail = n - (size_t)(b + 1 - v), m = (size_t)(a - v) + rn + tail;
        char *t = malloc(m + 1);
        if (!t)
            return false;
        memcpy(t, v, (size_t)(a - v));
        memcpy(t + (a - v), r, rn);
        memcpy(t + (a - v) + rn, b + 1, tail);
        bool ok = expand(s, t, m, out, wildcards, why, cap);
        free(t);
        if (!ok)
            return false;
    }
    return true;
}

/* ---- a value variant to an atom ---- */

static void lower(char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] >= 'A' && p[i] <= 'Z')
            p[i] = (char)(p[i] - 'A' + 'a');
}

/* Regex text for a wildcard pattern: literals as \xHH unless alphanumeric. */
static char *wild_regex(const pstr *p, size_t from, size_t to, uint8_t anchors, size_t *len)
{
    char *r = malloc((to - from) * 4 + 8);
    size_t k = 0;
    if (!r)
        return NULL;
    if (anchors & ANC_START)
        r[k++] = '\\', r[k++] = 'A';
    for (size_t i = from; i < to; i++) {
        unsigned char c = (unsigned char)p->b[i];
        if (p->w[i] == 1)
            r[k++] = '.', r[k++] = '*';
        else if (p->w[i] == 2)
            r[k++] = '.';
        else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            r[k++] = (char)c;
        else
            k += (size_t)snprintf(r + k, 5, "\\x%02x", c);
    }
    if (anchors & ANC_END)
        r[k++] = '\\', r[k++] = 'z';
    r[k] = 0;
    *len = k;
    return r;
}

static uint32_t str_atom(ts_sigma *s, uint32_t group, uint32_t field, const pstr *p, uint8_t anchors,
                         bool cased)
{
    size_t from = 0, to = p->n;
    while (from < to && p->w[from] == 1)
        from++, anchors &= (uint8_t)~ANC_START;
    while (to > from && p->w[to - 1] == 1)
        to--, anchors &= (uint8_t)~ANC_END;
    bool wild = false;
    for (size_t i = from; i < to; i++)
        wild |= p->w[i] != 0;
    sg_atom at = {.kind = AT_STR,
                  .group = group,
                  .field = field,
                  .anchors = anchors,
                  .rxflags = cased ? 0 : RX_CASELESS};
    if (wild) {
        at.is_regex = true;
        at.rxflags |= RX_DOTALL;
        at.pat = wild_regex(p, from, to, anchors, &at.plen);
    } else {
        at.pat = malloc(to - from + 1);
        if (at.pat) {
            memcpy(at.pat, p->b + from, to - from);
            at.pat[to - from] = 0;
            at.plen = to - from;
            if (!cased)
                lower(at.pat, at.plen);
        }
    }
    if (!at.pat)
        return UINT32_MAX;
    uint32_t n = atom_node(s, &at);
    free(at.pat);
    return n;
}

static double parse_num(const char *p, size_t n, bool *ok)
{
    double d = 0;
    *ok = ts_parse_double(ts_str_make(p, n), &d);
    return d;
}

static uint32_t special(ts_sigma *s, uint32_t group, uint32_t field, const sg_mods *m, const sy_node *v,
                        char *why, size_t cap)
{
    sg_atom at = {.group = group, .field = field, .cmp = (uint8_t)m->cmp};
    bool ok;
    if (m->exists) {
        bool t = v->n == 4 && !memcmp(v->s, "true", 4), f = v->n == 5 && !memcmp(v->s, "false", 5);
        if (!t && !f)
            return snprintf(why, cap, "exists needs true or false"), UINT32_MAX;
        at.kind = AT_EXISTS;
        uint32_t n = atom_node(s, &at);
        return f && n != UINT32_MAX ? sg_add_node(s, N_NOT, n, 0) : n;
    }
    if (m->cidr) {
        at.kind = AT_CIDR;
        if (!ts_cidr_parse(ts_str_make(v->s, v->n), &at.ip, &at.prefix))
            return snprintf(why, cap, "bad CIDR '%.*s'", (int)(v->n > 60 ? 60 : v->n), v->s), UINT32_MAX;
        return atom_node(s, &at);
    }
    if (m->fieldref) {
        at.kind = AT_FREF;
        at.field2 = sg_group_field(s, group, v->s, v->n);
        at.anchors = m->contains     ? 0
                     : m->startswith ? ANC_START
                     : m->endswith   ? ANC_END
                                     : ANC_START | ANC_END;
        at.rxflags = m->cased ? 0 : RX_CASELESS;
        return at.field2 == UINT32_MAX ? UINT32_MAX : atom_node(s, &at);
    }
    at.kind = m->tpart >= 0 ? AT_TIME : AT_NUM;
    at.tpart = (uint8_t)(m->tpart >= 0 ? m->tpart : 0);
    at.num = parse_num(v->s, v->n, &ok);
    if (!ok)
        return snprintf(why, cap, "'%.*s' is not a number", (int)(v->n > 60 ? 60 : v->n), v->s), UINT32_MAX;
    return atom_node(s, &at);
}

static uint32_t regex_node(ts_sigma *s, uint32_t group, uint32_t field, const sg_mods *m, const sy_node *v)
{
    sg_atom at = {.kind = AT_STR, .group = group, .field = field, .is_regex = true};
    at.rxflags =
        (uint8_t)((m->re_i ? RX_CASELESS : 0) | (m->re_m ? RX_MULTILINE : 0) | (m->re_s ? RX_DOTALL : 0));
    at.pat = (char *)v->s;
    at.plen = v->n;
    return atom_node(s, &at);
}

uint32_t sg_value_node(ts_sigma *s, uint32_t group, uint32_t field, const sg_mods *m, const sy_node *v,
                       char *why, size_t cap)
{
    if (v->kind != SY_SCALAR)
        return snprintf(why, cap, "line %u: a value must be a scalar", v->line), UINT32_MAX;
    if (v->is_null && !m->exists) {
        if (field == SG_ANY_FIELD)
            return snprintf(why, cap, "line %u: null keyword", v->line), UINT32_MAX;
        sg_atom at = {.kind = AT_NULL, .group = group, .field = field};
        return atom_node(s, &at);
    }
    if (m->exists || m->cidr || m->fieldref || m->cmp != CMP_EQ || m->tpart >= 0)
        return special(s, group, field, m, v, why, cap);
    if (m->re)
        return regex_node(s, group, field, m, v);
    bool encoded = m->base64 || m->base64offset || m->utf16le || m->utf16be || m->utf16bom;
    plist a, b; /* 6 KiB each: only the counts are set (zeroing both was 6% of loading rules) */
    a.n = b.n = 0;
    plist *cur = &a, *nxt = &b;
    bool ok =
        m->expand ? expand(s, v->s, v->n, cur, !encoded, why, cap) : parse_wild(cur, v->s, v->n, !encoded);
    if (!ok) {
        if (!why[0])
            snprintf(why, cap, "line %u: value too long", v->line);
        pl_free(cur);
        return UINT32_MAX;
    }
#define STEP(call)           \
    do {                     \
        ok = ok && (call);   \
        pl_free(cur);        \
        plist *t_ = cur;     \
        cur = nxt, nxt = t_; \
    } while (0)
    if (m->windash)
        STEP(windash(cur, nxt));
    if (m->utf16le || m->utf16be || m->utf16bom)
        STEP(utf16(cur, nxt, m->utf16be, m->utf16bom));
    if (m->base64 || m->base64offset)
        STEP(base64(cur, nxt, m->base64offset));
#undef STEP
    uint32_t ids[MAX_VARIANTS], res = UINT32_MAX;
    uint8_t anchors = m->contains || field == SG_ANY_FIELD ? 0
                      : m->startswith                      ? ANC_START
                      : m->endswith                        ? ANC_END
                                                           : ANC_START | ANC_END;
    bool cased = m->cased || m->base64 || m->base64offset;
    size_t n = 0;
    for (size_t i = 0; ok && i < cur->n; i++) {
        ids[n] = str_atom(s, group, field, &cur->v[i], anchors, cased);
        ok = ids[n++] != UINT32_MAX;
    }
    if (ok && n)
        res = sg_add_list(s, N_OR, ids, n);
    else if (!why[0])
        snprintf(why, cap, "line %u: too many variants or out of memory", v->line);
    pl_free(cur);
    pl_free(nxt);
    return res;
}
