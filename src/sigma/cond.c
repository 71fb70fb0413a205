/* cond.c: the Sigma condition language (and, or, not, brackets, 1/any/all of, them) into a tree. */
#include <stdio.h>
#include <string.h>

#include "sigma/sigma_int.h"

/*
 * Precedence, least to most binding: or, and, not, "x of", brackets. The grammar:
 *   or   := and ("or" and)*
 *   and  := not ("and" not)*
 *   not  := "not" not | prim
 *   prim := "(" or ")" | ("1" | "any" | "all") "of" NAME | NAME
 * Keywords are case-insensitive; names may hold '*' wildcards after "of".
 */

#define MAX_NEST 200

typedef struct parser {
    ts_arena *a;
    const char *p, *end;
    const char *tok;
    size_t tlen;
    int depth;
    char *err;
    size_t cap;
    bool failed;
} parser;

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '*' || c == '-' || c == '.';
}

/* Moves to the next token: a name, "(" or ")"; tlen 0 at the end. */
static void next(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
    ps->tok = ps->p;
    if (ps->p == ps->end) {
        ps->tlen = 0;
        return;
    }
    if (*ps->p == '(' || *ps->p == ')' || !name_char(*ps->p)) {
        ps->p++;
        ps->tlen = 1;
        return;
    }
    while (ps->p < ps->end && name_char(*ps->p))
        ps->p++;
    ps->tlen = (size_t)(ps->p - ps->tok);
}

static bool is_kw(const parser *ps, const char *kw)
{
    size_t n = strlen(kw);
    if (ps->tlen != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = ps->tok[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != kw[i])
            return false;
    }
    return true;
}

static sc_node *fail(parser *ps, const char *msg)
{
    if (!ps->failed) {
        if (ps->tlen)
            snprintf(ps->err, ps->cap, "condition: %s at '%.*s'", msg, (int)(ps->tlen > 40 ? 40 : ps->tlen),
                     ps->tok);
        else
            snprintf(ps->err, ps->cap, "condition: %s at the end", msg);
    }
    ps->failed = true;
    return NULL;
}

static sc_node *mk(parser *ps, sc_op op, sc_node *a, sc_node *b)
{
    sc_node *n = ts_arena_alloc(ps->a, sizeof *n);
    if (!n)
        return fail(ps, "out of memory");
    memset(n, 0, sizeof *n);
    n->op = op, n->a = a, n->b = b;
    return n;
}

static bool reserved(const parser *ps)
{
    return is_kw(ps, "and") || is_kw(ps, "or") || is_kw(ps, "not") || is_kw(ps, "of");
}

static sc_node *parse_or(parser *ps);

static sc_node *parse_name(parser *ps, sc_op op)
{
    if (!ps->tlen || !name_char(ps->tok[0]) || reserved(ps))
        return fail(ps, "expected a search identifier");
    sc_node *n = mk(ps, op, NULL, NULL);
    if (!n)
        return NULL;
    n->name = ps->tok, n->nlen = ps->tlen;
    if (op == SC_ID && memchr(ps->tok, '*', ps->tlen))
        return fail(ps, "a wildcard is only allowed after 'of'");
    next(ps);
    return n;
}

static sc_node *parse_prim(parser *ps)
{
    if (ps->tlen == 1 && ps->tok[0] == '(') {
        if (++ps->depth > MAX_NEST)
            return fail(ps, "brackets nested too deep");
        next(ps);
        sc_node *n = parse_or(ps);
        if (!n)
            return NULL;
        if (!(ps->tlen == 1 && ps->tok[0] == ')'))
            return fail(ps, "expected ')'");
        ps->depth--;
        next(ps);
        return n;
    }
    if (is_kw(ps, "1") || is_kw(ps, "any") || is_kw(ps, "all")) {
        sc_op op = is_kw(ps, "all") ? SC_ALL_OF : SC_ONE_OF;
        const char *save_p = ps->p, *save_tok = ps->tok;
        size_t save_len = ps->tlen;
        next(ps);
        if (is_kw(ps, "of")) {
            next(ps);
            return parse_name(ps, op);
        }
        ps->p = save_p, ps->tok = save_tok, ps->tlen = save_len;
    }
    if (ps->tlen && ps->tok[0] >= '0' && ps->tok[0] <= '9') {
        const char *save_p = ps->p, *save_tok = ps->tok;
        size_t save_len = ps->tlen;
        next(ps);
        if (is_kw(ps, "of"))
            return fail(ps, "only '1 of', 'any of' and 'all of' are defined");
        ps->p = save_p, ps->tok = save_tok, ps->tlen = save_len;
    }
    return parse_name(ps, SC_ID);
}

static sc_node *parse_not(parser *ps)
{
    if (is_kw(ps, "not")) {
        if (++ps->depth > MAX_NEST)
            return fail(ps, "'not' nested too deep");
        next(ps);
        sc_node *a = parse_not(ps);
        ps->depth--;
        return a ? mk(ps, SC_NOT, a, NULL) : NULL;
    }
    return parse_prim(ps);
}

static sc_node *parse_and(parser *ps)
{
    sc_node *l = parse_not(ps);
    while (l && is_kw(ps, "and")) {
        next(ps);
        sc_node *r = parse_not(ps);
        l = r ? mk(ps, SC_AND, l, r) : NULL;
    }
    return l;
}

static sc_node *parse_or(parser *ps)
{
    sc_node *l = parse_and(ps);
    while (l && is_kw(ps, "or")) {
        next(ps);
        sc_node *r = parse_and(ps);
        l = r ? mk(ps, SC_OR, l, r) : NULL;
    }
    return l;
}

sc_node *sc_parse(ts_arena *a, const char *text, size_t n, char *err, size_t cap)
{
    parser ps = {.a = a, .p = text, .end = text + n, .err = err, .cap = cap};
    next(&ps);
    if (!ps.tlen) {
        snprintf(err, cap, "condition: empty");
        return NULL;
    }
    sc_node *root = parse_or(&ps);
    if (root && ps.tlen == 1 && ps.tok[0] == '|')
        return fail(&ps, "aggregations ('| count()') are Sigma 1.0 syntax, replaced by correlation rules");
    if (root && ps.tlen)
        return fail(&ps, "unexpected token");
    return root;
}

bool sc_glob(const char *pat, size_t pn, const char *s, size_t sn)
{
    size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
    while (si < sn) {
        if (pi < pn && pat[pi] == '*') {
            star = pi++, mark = si;
        } else if (pi < pn && pat[pi] == s[si]) {
            pi++, si++;
        } else if (star != (size_t)-1) {
            pi = star + 1, si = ++mark;
        } else {
            return false;
        }
    }
    while (pi < pn && pat[pi] == '*')
        pi++;
    return pi == pn;
}
