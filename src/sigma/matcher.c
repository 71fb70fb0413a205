/* matcher.c: the string matching backend: one Hyperscan database per field, PCRE2 for what
 * Hyperscan cannot express, and plain comparisons for short literals. */
#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "sigma/sigma_int.h"

typedef struct matcher {
    hs_database_t *db;
} matcher;

/* The regex text of a string atom: its own regex, or its literal escaped and anchored. */
static char *atom_regex(const sg_atom *at)
{
    if (at->is_regex)
        return strdup(at->pat);
    char *r = malloc(at->plen * 4 + 8);
    size_t k = 0;
    if (!r)
        return NULL;
    if (at->anchors & ANC_START)
        r[k++] = '\\', r[k++] = 'A';
    for (size_t i = 0; i < at->plen; i++) {
        unsigned char c = (unsigned char)at->pat[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            r[k++] = (char)c;
        else
            k += (size_t)snprintf(r + k, 5, "\\x%02x", c);
    }
    if (at->anchors & ANC_END)
        r[k++] = '\\', r[k++] = 'z';
    r[k] = 0;
    return r;
}

static unsigned hs_flags(const sg_atom *at)
{
    unsigned f = HS_FLAG_SINGLEMATCH;
    if (at->rxflags & RX_CASELESS)
        f |= HS_FLAG_CASELESS;
    if (at->rxflags & RX_DOTALL)
        f |= HS_FLAG_DOTALL;
    if (at->rxflags & RX_MULTILINE)
        f |= HS_FLAG_MULTILINE;
    return f;
}

/* Whether Hyperscan takes this regex alone and it cannot match the empty string. */
static bool hs_can(const char *rx, unsigned flags)
{
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *ce = NULL;
    if (hs_expression_info(rx, flags, &info, &ce) != HS_SUCCESS) {
        hs_free_compile_error(ce);
        return false;
    }
    bool ok = info->min_width > 0;
    free(info);
    return ok;
}

bool sg_atom_pcre(sg_atom *at, char *err, size_t cap)
{
    char *rx = atom_regex(at);
    if (!rx)
        return snprintf(err, cap, "out of memory"), false;
    uint32_t opt = 0;
    if (at->rxflags & RX_CASELESS)
        opt |= PCRE2_CASELESS;
    if (at->rxflags & RX_DOTALL)
        opt |= PCRE2_DOTALL;
    if (at->rxflags & RX_MULTILINE)
        opt |= PCRE2_MULTILINE;
    int ec;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)rx, PCRE2_ZERO_TERMINATED, opt, &ec, &off, NULL);
    free(rx);
    if (!re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(ec, msg, sizeof msg);
        return snprintf(err, cap, "regex '%.60s': %s at offset %zu", at->pat, (const char *)msg, (size_t)off), false;
    }
    at->re = re;
    at->backend = BK_PCRE;
    return true;
}

void sg_atom_pcre_free(sg_atom *at)
{
    pcre2_code_free(at->re);
    at->re = NULL;
}

void *sg_matcher_build(ts_sigma *s, const uint32_t *atoms, size_t n, char *err, size_t cap)
{
    matcher *m = calloc(1, sizeof *m);
    char **rx = calloc(n + 1, sizeof *rx);
    unsigned *flags = calloc(n + 1, sizeof *flags), *ids = calloc(n + 1, sizeof *ids);
    size_t k = 0;
    bool ok = m && rx && flags && ids;
    for (size_t i = 0; ok && i < n; i++) {
        sg_atom *at = &s->atoms[atoms[i]];
        char *r = atom_regex(at);
        if (!r) {
            ok = false;
            break;
        }
        if (!hs_can(r, hs_flags(at))) {
            free(r);
            ok = sg_atom_pcre(at, err, cap);
            continue;
        }
        rx[k] = r, flags[k] = hs_flags(at), ids[k] = atoms[i];
        at->backend = BK_HS;
        k++;
    }
    while (ok && k) {
        hs_compile_error_t *ce = NULL;
        if (hs_compile_multi((const char *const *)rx, flags, ids, (unsigned)k, HS_MODE_BLOCK, NULL, &m->db, &ce) ==
            HS_SUCCESS)
            break;
        /* one expression Hyperscan refused as part of the set: PCRE2 takes it */
        int bad = ce ? ce->expression : -1;
        if (bad < 0 || (size_t)bad >= k) {
            snprintf(err, cap, "hyperscan: %s", ce && ce->message ? ce->message : "compile failed");
            hs_free_compile_error(ce);
            ok = false;
            break;
        }
        hs_free_compile_error(ce);
        ok = sg_atom_pcre(&s->atoms[ids[bad]], err, cap);
        free(rx[bad]);
        memmove(rx + bad, rx + bad + 1, (k - (size_t)bad - 1) * sizeof *rx);
        memmove(flags + bad, flags + bad + 1, (k - (size_t)bad - 1) * sizeof *flags);
        memmove(ids + bad, ids + bad + 1, (k - (size_t)bad - 1) * sizeof *ids);
        k--;
    }
    for (size_t i = 0; rx && i < k; i++)
        free(rx[i]);
    free(rx), free(flags), free(ids);
    if (!ok || !m || !m->db) {
        if (m && m->db)
            hs_free_database(m->db);
        free(m);
        return NULL;
    }
    return m;
}

void sg_matcher_free(void *mp)
{
    matcher *m = mp;
    if (m)
        hs_free_database(m->db);
    free(m);
}

bool sg_matcher_scratch(void *mp, void **scratch)
{
    matcher *m = mp;
    return hs_alloc_scratch(m->db, (hs_scratch_t **)scratch) == HS_SUCCESS;
}

void sg_matcher_scratch_free(void *scratch)
{
    hs_free_scratch(scratch);
}

typedef struct scan_ctx {
    sg_match_fn fn;
    void *ud;
} scan_ctx;

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
    (void)from, (void)to, (void)flags;
    scan_ctx *c = ctx;
    c->fn(c->ud, id);
    return 0;
}

void sg_matcher_scan(const void *mp, void *scratch, const char *p, size_t n, sg_match_fn fn, void *ud)
{
    const matcher *m = mp;
    scan_ctx c = {fn, ud};
    if (n > UINT32_MAX)
        n = UINT32_MAX;
    hs_scan(m->db, p ? p : "", (unsigned)n, 0, scratch, on_match, &c);
}

static unsigned char low(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static bool eq_at(const char *p, const char *lit, size_t n, bool caseless)
{
    if (!caseless)
        return memcmp(p, lit, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (low((unsigned char)p[i]) != (unsigned char)lit[i])
            return false;
    return true;
}

/* Case-insensitive search of a lower-cased needle. */
static bool contains(const char *p, size_t n, const char *lit, size_t ln, bool caseless)
{
    if (!caseless)
        return ln == 0 || memmem(p, n, lit, ln) != NULL;
    if (ln == 0)
        return true;
    unsigned char first = (unsigned char)lit[0], up = first >= 'a' && first <= 'z' ? (unsigned char)(first - 32) : first;
    for (size_t i = 0; i + ln <= n; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c == first || c == up) && eq_at(p + i + 1, lit + 1, ln - 1, true))
            return true;
    }
    return false;
}

bool sg_atom_test_str(const sg_atom *at, const char *p, size_t n)
{
    if (at->backend == BK_PCRE) {
        pcre2_match_data *md = pcre2_match_data_create(1, NULL);
        if (!md)
            return false;
        int rc = pcre2_match(at->re, (PCRE2_SPTR)(p ? p : ""), n, 0, 0, md, NULL);
        pcre2_match_data_free(md);
        return rc >= 0;
    }
    bool ci = at->rxflags & RX_CASELESS;
    switch (at->anchors) {
    case ANC_START | ANC_END:
        return n == at->plen && eq_at(p, at->pat, n, ci);
    case ANC_START:
        return n >= at->plen && eq_at(p, at->pat, at->plen, ci);
    case ANC_END:
        return n >= at->plen && eq_at(p + n - at->plen, at->pat, at->plen, ci);
    default:
        return contains(p, n, at->pat, at->plen, ci);
    }
}
