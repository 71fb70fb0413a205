/* stix_pattern.c: a tokenizer and recursive-descent parser for STIX 2.1 patterns that keeps
 * every "object:path = value" comparison tocsin can match and notes the rest.
 *
 * Grammar (STIX 2.1 part 5, reduced to what the parser must accept):
 *   pattern   = obs_or EOF
 *   obs_or    = obs_and { OR obs_and }
 *   obs_and   = obs_fb { AND obs_fb }
 *   obs_fb    = obs_unit { FOLLOWEDBY obs_unit }
 *   obs_unit  = ( "[" cmp_or "]" | "(" obs_or ")" ) { qualifier }
 *   qualifier = WITHIN num SECONDS | REPEATS int TIMES | START t'..' STOP t'..'
 *   cmp_or    = cmp_and { OR cmp_and }
 *   cmp_and   = cmp { AND cmp }
 *   cmp       = "(" cmp_or ")" | path [NOT] op ( literal | "(" literal { "," literal } ")" )
 * AND and FOLLOWEDBY are read as "each part is an indicator": a value that appears in a
 * conjunction is still a value the actor used, which is what matching needs. */
#include "intel/stix_pattern.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vec.h"

typedef enum tok_kind {
    T_EOF,
    T_LBRACK,
    T_RBRACK,
    T_LPAREN,
    T_RPAREN,
    T_COMMA,
    T_STRING, /* 'text' with \' and \\ escapes */
    T_NUM,
    T_TYPED, /* t'..', h'..', b'..' */
    T_WORD,  /* keywords, true/false */
    T_PATH,  /* object-type:property.path */
    T_OP,    /* = != < <= > >= */
} tok_kind;

typedef struct tok {
    tok_kind k;
    const char *p;
    size_t n;
    size_t at; /* offset in the pattern, for messages */
} tok;

typedef struct parser {
    const char *s;
    size_t n, pos;
    tok cur;
    int depth;
    bool failed;
    ts_stix_pattern *out;
} parser;

static bool fail(parser *ps, size_t at, const char *what)
{
    if (!ps->failed)
        snprintf(ps->out->err, sizeof ps->out->err, "offset %zu: %s", at, what);
    ps->failed = true;
    return false;
}

/* Copies up to cap-1 bytes of s, replacing anything unprintable, for messages. */
static void printable(char *dst, size_t cap, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n && i + 1 < cap; i++)
        dst[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    dst[i] = 0;
}

static void note(parser *ps, const char *fmt_what, const char *p, size_t n)
{
    ts_stix_pattern *o = ps->out;
    char span[64], msg[160];
    if (o->n_notes >= TS_STIX_MAX_NOTES)
        return;
    if (!ts_vec_grow(o->notes, o->notes_cap, o->n_notes + 1, TS_VEC_NOCAP))
        return;
    printable(span, sizeof span, p, n);
    snprintf(msg, sizeof msg, "%s '%s'", fmt_what, span);
    o->notes[o->n_notes] = strdup(msg);
    if (o->notes[o->n_notes])
        o->n_notes++;
}

/* ---- tokenizer ---------------------------------------------------------------------- */

static bool is_word(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* Scans a quoted run starting at the opening quote; returns the offset after the closing
 * one, or 0 when unterminated or (with escapes) badly escaped. */
static size_t scan_quoted(const parser *ps, size_t i, bool escapes)
{
    for (i++; i < ps->n; i++) {
        char c = ps->s[i];
        if (c == '\\' && escapes) {
            if (i + 1 >= ps->n || (ps->s[i + 1] != '\'' && ps->s[i + 1] != '\\'))
                return 0;
            i++;
        } else if (c == '\'') {
            return i + 1;
        }
    }
    return 0;
}

/* An object path after "type:": names, dots, quoted keys and [n] / [*] indexes. */
static size_t scan_path(const parser *ps, size_t i)
{
    size_t start = i;
    while (i < ps->n) {
        char c = ps->s[i];
        if (is_word(c) || c == '.') {
            i++;
        } else if (c == '\'') {
            size_t e = scan_quoted(ps, i, true);
            if (!e)
                return 0;
            i = e;
        } else if (c == '[') {
            size_t j = i + 1;
            if (j < ps->n && ps->s[j] == '*')
                j++;
            else
                while (j < ps->n && isdigit((unsigned char)ps->s[j]))
                    j++;
            if (j == i + 1 || j >= ps->n || ps->s[j] != ']')
                break;
            i = j + 1;
        } else {
            break;
        }
    }
    return i > start ? i : 0;
}

static bool scan_number(const parser *ps, size_t *ip)
{
    size_t i = *ip, d0;
    if (ps->s[i] == '-' || ps->s[i] == '+')
        i++;
    d0 = i;
    while (i < ps->n && isdigit((unsigned char)ps->s[i]))
        i++;
    if (i == d0)
        return false;
    if (i < ps->n && ps->s[i] == '.') {
        i++;
        while (i < ps->n && isdigit((unsigned char)ps->s[i]))
            i++;
    }
    *ip = i;
    return true;
}

static bool next(parser *ps)
{
    size_t i = ps->pos;
    while (i < ps->n && isspace((unsigned char)ps->s[i]))
        i++;
    tok t = {T_EOF, ps->s + i, 0, i};
    if (i >= ps->n) {
        ps->cur = t;
        ps->pos = i;
        return true;
    }
    char c = ps->s[i];
    size_t e = i + 1;
    switch (c) {
    case '[':
        t.k = T_LBRACK;
        break;
    case ']':
        t.k = T_RBRACK;
        break;
    case '(':
        t.k = T_LPAREN;
        break;
    case ')':
        t.k = T_RPAREN;
        break;
    case ',':
        t.k = T_COMMA;
        break;
    case '=':
        t.k = T_OP;
        break;
    case '<':
    case '>':
        t.k = T_OP;
        if (e < ps->n && ps->s[e] == '=')
            e++;
        break;
    case '!':
        if (e >= ps->n || ps->s[e] != '=')
            return fail(ps, i, "'!' without '='");
        t.k = T_OP;
        e++;
        break;
    case '\'':
        t.k = T_STRING;
        e = scan_quoted(ps, i, true);
        if (!e)
            return fail(ps, i, "unterminated string or bad escape (only \\' and \\\\ are allowed)");
        break;
    default:
        if (isdigit((unsigned char)c) || c == '-' || c == '+') {
            e = i;
            if (!scan_number(ps, &e))
                return fail(ps, i, "bad number");
            t.k = T_NUM;
        } else if (isalpha((unsigned char)c) || c == '_') {
            while (e < ps->n && is_word(ps->s[e]))
                e++;
            if (e == i + 1 && e < ps->n && ps->s[e] == '\'' && strchr("thb", c)) {
                t.k = T_TYPED;
                e = scan_quoted(ps, e, false);
                if (!e)
                    return fail(ps, i, "unterminated typed literal");
            } else if (e < ps->n && ps->s[e] == ':') {
                size_t pe = scan_path(ps, e + 1);
                if (!pe)
                    return fail(ps, e + 1, "bad object path");
                t.k = T_PATH;
                e = pe;
            } else {
                t.k = T_WORD;
            }
        } else {
            return fail(ps, i, "unexpected character");
        }
    }
    t.n = e - i;
    ps->cur = t;
    ps->pos = e;
    return true;
}

static bool is_kw(const parser *ps, const char *kw)
{
    size_t n = strlen(kw);
    return ps->cur.k == T_WORD && ps->cur.n == n && strncasecmp(ps->cur.p, kw, n) == 0;
}

static bool expect(parser *ps, tok_kind k, const char *what)
{
    if (ps->cur.k != k)
        return fail(ps, ps->cur.at, what);
    return next(ps);
}

/* ---- object paths to indicator types ------------------------------------------------ */

/* "file:hashes.'SHA-256'" -> "file:hashes.sha256": quotes and '-' in the property dropped,
 * letters lowered. Returns false when it does not fit. */
static bool normalise_path(const char *p, size_t n, char *buf, size_t cap)
{
    size_t j = 0;
    bool in_prop = false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == ':')
            in_prop = true;
        else if (in_prop && (c == '\'' || c == '-'))
            continue;
        if (j + 1 >= cap)
            return false;
        buf[j++] = (char)tolower((unsigned char)c);
    }
    buf[j] = 0;
    return true;
}

static ts_ioc_type path_type(const char *p, size_t n)
{
    static const struct {
        const char *path;
        ts_ioc_type type;
    } map[] = {
        {"ipv4-addr:value", TS_IOC_IP},
        {"ipv6-addr:value", TS_IOC_IP},
        {"domain-name:value", TS_IOC_DOMAIN},
        {"url:value", TS_IOC_URL},
        {"email-addr:value", TS_IOC_EMAIL},
        {"email-message:from_ref.value", TS_IOC_EMAIL},
        {"email-message:sender_ref.value", TS_IOC_EMAIL},
        {"file:hashes.md5", TS_IOC_MD5},
        {"file:hashes.sha1", TS_IOC_SHA1},
        {"file:hashes.sha256", TS_IOC_SHA256},
        {"artifact:hashes.md5", TS_IOC_MD5},
        {"artifact:hashes.sha1", TS_IOC_SHA1},
        {"artifact:hashes.sha256", TS_IOC_SHA256},
        {"autonomous-system:number", TS_IOC_ASN},
    };
    char buf[64];
    if (!normalise_path(p, n, buf, sizeof buf))
        return TS_IOC_NONE;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(buf, map[i].path) == 0)
            return map[i].type;
    return TS_IOC_NONE;
}

/* ---- comparisons -------------------------------------------------------------------- */

static bool add_cmp(parser *ps, ts_ioc_type type, ts_stix_op op, const tok *lit)
{
    ts_stix_pattern *o = ps->out;
    char *dst = o->buf + o->buf_used;
    size_t len = 0;
    if (lit->k == T_STRING) {
        for (size_t i = 1; i + 1 < lit->n; i++) {
            char c = lit->p[i];
            if (c == '\\')
                c = lit->p[++i];
            dst[len++] = c;
        }
    } else { /* a number, for autonomous-system:number */
        memcpy(dst, lit->p, lit->n);
        len = lit->n;
    }
    dst[len] = 0;
    if (!ts_vec_grow(o->cmp, o->cap, o->n + 1, TS_VEC_NOCAP))
        return fail(ps, lit->at, "out of memory");
    o->cmp[o->n++] = (ts_stix_cmp){type, op, dst, len};
    o->buf_used += len + 1;
    return true;
}

static bool is_literal(const tok *t)
{
    return t->k == T_STRING || t->k == T_NUM || t->k == T_TYPED || t->k == T_WORD;
}

/* One literal of a comparison: kept when the comparison is one tocsin matches. */
static bool literal(parser *ps, ts_ioc_type type, ts_stix_op op, const tok *path)
{
    tok lit = ps->cur;
    if (!is_literal(&lit) || (lit.k == T_WORD && !is_kw(ps, "true") && !is_kw(ps, "false")))
        return fail(ps, lit.at, "expected a literal");
    if (type != TS_IOC_NONE && op) {
        bool ok = lit.k == T_STRING ||
                  (lit.k == T_NUM && type == TS_IOC_ASN && lit.p[0] != '-' && !memchr(lit.p, '.', lit.n));
        if (ok) {
            if (!add_cmp(ps, type, op, &lit))
                return false;
        } else {
            note(ps, "unsupported literal for", path->p, path->n);
        }
    }
    return next(ps);
}

static bool cmp_or(parser *ps);

static bool comparison(parser *ps)
{
    if (ps->cur.k == T_LPAREN) {
        if (++ps->depth > TS_STIX_MAX_DEPTH)
            return fail(ps, ps->cur.at, "nested too deeply");
        if (!next(ps) || !cmp_or(ps) || !expect(ps, T_RPAREN, "expected ')'"))
            return false;
        ps->depth--;
        return true;
    }
    tok path = ps->cur, optok;
    if (path.k != T_PATH)
        return fail(ps, path.at, "expected an object path (type:property)");
    if (!next(ps))
        return false;
    bool negated = is_kw(ps, "NOT");
    if (negated && !next(ps))
        return false;
    optok = ps->cur;
    ts_stix_op op = 0;
    if (optok.k == T_OP) {
        op = (optok.n == 1 && optok.p[0] == '=') ? TS_STIX_EQ : 0;
    } else if (is_kw(ps, "IN")) {
        op = TS_STIX_IN;
    } else if (is_kw(ps, "ISSUBSET")) {
        op = TS_STIX_ISSUBSET;
    } else if (!is_kw(ps, "LIKE") && !is_kw(ps, "MATCHES") && !is_kw(ps, "ISSUPERSET")) {
        return fail(ps, optok.at, "expected a comparison operator");
    }
    ts_ioc_type type = path_type(path.p, path.n);
    if (type == TS_IOC_NONE) {
        note(ps, "unsupported object path", path.p, path.n);
    } else if (negated || !op || (op == TS_STIX_ISSUBSET && type != TS_IOC_IP)) {
        char what[96];
        char ops[16];
        printable(ops, sizeof ops, optok.p, optok.n);
        snprintf(what, sizeof what, "unsupported comparison %s%s on", negated ? "NOT " : "", ops);
        note(ps, what, path.p, path.n);
        type = TS_IOC_NONE;
    }
    if (!next(ps))
        return false;
    if (op != TS_STIX_IN || ps->cur.k != T_LPAREN)
        return op == TS_STIX_IN ? fail(ps, ps->cur.at, "IN needs a set '(...)'")
                                : literal(ps, type, op, &path);
    if (!next(ps))
        return false;
    for (;;) {
        if (!literal(ps, type, op, &path))
            return false;
        if (ps->cur.k == T_RPAREN)
            return next(ps);
        if (!expect(ps, T_COMMA, "expected ',' or ')' in a set"))
            return false;
    }
}

static bool cmp_and(parser *ps)
{
    if (!comparison(ps))
        return false;
    while (is_kw(ps, "AND"))
        if (!next(ps) || !comparison(ps))
            return false;
    return true;
}

static bool cmp_or(parser *ps)
{
    if (!cmp_and(ps))
        return false;
    while (is_kw(ps, "OR"))
        if (!next(ps) || !cmp_and(ps))
            return false;
    return true;
}

/* ---- observation expressions -------------------------------------------------------- */

static bool qualifiers(parser *ps)
{
    for (;;) {
        if (is_kw(ps, "WITHIN")) {
            if (!next(ps) || !expect(ps, T_NUM, "WITHIN needs a number"))
                return false;
            if (!is_kw(ps, "SECONDS"))
                return fail(ps, ps->cur.at, "expected SECONDS");
        } else if (is_kw(ps, "REPEATS")) {
            if (!next(ps) || !expect(ps, T_NUM, "REPEATS needs a number"))
                return false;
            if (!is_kw(ps, "TIMES"))
                return fail(ps, ps->cur.at, "expected TIMES");
        } else if (is_kw(ps, "START")) {
            if (!next(ps) || !expect(ps, T_TYPED, "START needs t'...'"))
                return false;
            if (!is_kw(ps, "STOP"))
                return fail(ps, ps->cur.at, "expected STOP");
            if (!next(ps) || ps->cur.k != T_TYPED)
                return fail(ps, ps->cur.at, "STOP needs t'...'");
        } else {
            return true;
        }
        if (!next(ps))
            return false;
    }
}

static bool obs_or(parser *ps);

static bool obs_unit(parser *ps)
{
    tok_kind close;
    if (ps->cur.k == T_LBRACK)
        close = T_RBRACK;
    else if (ps->cur.k == T_LPAREN)
        close = T_RPAREN;
    else
        return fail(ps, ps->cur.at, "expected '[' or '('");
    if (++ps->depth > TS_STIX_MAX_DEPTH)
        return fail(ps, ps->cur.at, "nested too deeply");
    if (!next(ps))
        return false;
    if (!(close == T_RBRACK ? cmp_or(ps) : obs_or(ps)))
        return false;
    if (!expect(ps, close, close == T_RBRACK ? "expected ']'" : "expected ')'"))
        return false;
    ps->depth--;
    return qualifiers(ps);
}

static bool obs_fb(parser *ps)
{
    if (!obs_unit(ps))
        return false;
    while (is_kw(ps, "FOLLOWEDBY"))
        if (!next(ps) || !obs_unit(ps))
            return false;
    return true;
}

static bool obs_and(parser *ps)
{
    if (!obs_fb(ps))
        return false;
    while (is_kw(ps, "AND"))
        if (!next(ps) || !obs_fb(ps))
            return false;
    return true;
}

static bool obs_or(parser *ps)
{
    if (!obs_and(ps))
        return false;
    while (is_kw(ps, "OR"))
        if (!next(ps) || !obs_and(ps))
            return false;
    return true;
}

void ts_stix_pattern_free(ts_stix_pattern *pat)
{
    if (!pat)
        return;
    for (size_t i = 0; i < pat->n_notes; i++)
        free(pat->notes[i]);
    free(pat->notes);
    free(pat->cmp);
    free(pat->buf);
    memset(pat, 0, sizeof *pat);
}

tocsin_code ts_stix_pattern_parse(const char *p, size_t n, ts_stix_pattern *out)
{
    memset(out, 0, sizeof *out);
    /* Unescaped values never outgrow the pattern: each value's NUL replaces a quote. */
    out->buf = malloc(n + 2);
    if (!out->buf)
        return TOCSIN_E_NOMEM;
    parser ps = {.s = p ? p : "", .n = p ? n : 0, .out = out};
    bool ok = next(&ps) && obs_or(&ps);
    if (ok && ps.cur.k != T_EOF)
        ok = fail(&ps, ps.cur.at, "unexpected text after the pattern");
    if (!ok) {
        bool nomem = strstr(out->err, "out of memory") != NULL;
        out->n = 0;
        for (size_t i = 0; i < out->n_notes; i++)
            free(out->notes[i]);
        out->n_notes = 0;
        return nomem ? TOCSIN_E_NOMEM : TOCSIN_E_PARSE;
    }
    return TOCSIN_OK;
}
