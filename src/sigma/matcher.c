/* matcher.c: the string matching backend: one Hyperscan database per field, PCRE2 for what
 * Hyperscan cannot express, and plain comparisons for short literals.
 *
 * Hyperscan runs automata: its time is linear in the value's length whatever the pattern,
 * so it needs no budget beyond the readers' bound on a record's size. PCRE2 backtracks,
 * and a regex like (x+x+)+y takes exponential time on a padded value: every PCRE2 match
 * runs with a step, depth and heap budget, and one that hits it is SG_GAVE_UP, never a
 * miss. */
#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/hash.h"
#include "sigma/hs_cache.h"
#include "sigma/sigma_int.h"

/* Whole-value literals (Sigma's plain "field: value") looked up in a hash table instead of
 * scanned: most fields' atoms are such values (OriginalFileName, EventID, Company), and
 * a lookup touches a few cache lines where a scan of a Hyperscan database touches many
 * (the databases of one log source exceed the caches, so scans were mostly misses). */
typedef struct exact_ent {
    uint64_t h;        /* of the lower-cased value */
    const char *low;   /* the value lower-cased */
    const char *cased; /* for a case-sensitive atom: the value as written; else NULL */
    uint32_t len, atom;
} exact_ent;

typedef struct matcher {
    hs_database_t *db; /* the other atoms; NULL when there are none */
    bool joinable;     /* keywords: all unanchored literals, so a scan of the values joined
                        * that finds nothing rules every atom out */
    exact_ent *ent;    /* whole-value literals */
    uint32_t *slot;    /* open addressing over ent; UINT32_MAX: empty */
    size_t nent, cap;  /* cap: slots, a power of two */
    size_t maxlen;     /* of the whole-value literals */
    char *lows;        /* storage of lower-cased copies of case-sensitive values */
} matcher;

enum { EXACT_MAX = 256 }; /* longer whole-value literals stay in Hyperscan */

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

bool sg_atom_pcre(ts_sigma *s, sg_atom *at)
{
    char *rx = atom_regex(at);
    if (!rx)
        return sg_fail(s, TOCSIN_E_NOMEM, "out of memory");
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
        return sg_fail(s, TOCSIN_E_PARSE, "regex '%.60s': %s at offset %zu", at->pat, (const char *)msg,
                       (size_t)off);
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

static bool whole_value(const sg_atom *at)
{
    return !at->is_regex && at->anchors == (ANC_START | ANC_END) && at->plen && at->plen <= EXACT_MAX;
}

/* ASCII lower-casing of p[0..n) into out, and the hash of the result. */
static uint64_t lower_hash(const char *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = p[i] >= 'A' && p[i] <= 'Z' ? (char)(p[i] + 32) : p[i];
    return ts_hash(TS_HASH_SEED, out, n);
}

/* Puts the whole-value literals among atoms into m's table; false when out of memory. */
static bool exact_build(ts_sigma *s, matcher *m, const uint32_t *atoms, size_t n)
{
    size_t count = 0, bytes = 0;
    for (size_t i = 0; i < n; i++)
        if (whole_value(&s->atoms[atoms[i]]))
            count++, bytes += s->atoms[atoms[i]].plen;
    if (!count)
        return true;
    m->cap = 16;
    while (m->cap < count * 2)
        m->cap *= 2;
    m->ent = calloc(count, sizeof *m->ent);
    m->slot = malloc(m->cap * sizeof *m->slot);
    m->lows = malloc(bytes + 1);
    if (!m->ent || !m->slot || !m->lows)
        return false;
    memset(m->slot, 0xff, m->cap * sizeof *m->slot);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        sg_atom *at = &s->atoms[atoms[i]];
        if (!whole_value(at))
            continue;
        exact_ent *e = &m->ent[m->nent];
        char *low = m->lows + used;
        used += at->plen;
        e->h = lower_hash(at->pat, at->plen, low);
        e->low = low;
        e->cased = at->rxflags & RX_CASELESS ? NULL : at->pat;
        e->len = (uint32_t)at->plen, e->atom = atoms[i];
        size_t j = e->h & (m->cap - 1);
        while (m->slot[j] != UINT32_MAX)
            j = (j + 1) & (m->cap - 1);
        m->slot[j] = (uint32_t)m->nent++;
        if (at->plen > m->maxlen)
            m->maxlen = at->plen;
        at->backend = BK_HS;
    }
    return true;
}

/* Reports the whole-value literals equal to p[0..n). */
static void exact_scan(const matcher *m, const char *p, size_t n, sg_match_fn fn, void *ud)
{
    char low[EXACT_MAX];
    if (!n || n > m->maxlen)
        return;
    uint64_t h = lower_hash(p, n, low);
    for (size_t j = h & (m->cap - 1); m->slot[j] != UINT32_MAX; j = (j + 1) & (m->cap - 1)) {
        const exact_ent *e = &m->ent[m->slot[j]];
        if (e->h == h && e->len == n && !memcmp(e->low, low, n) && (!e->cased || !memcmp(e->cased, p, n)))
            fn(ud, e->atom);
    }
}

/* Whether every expression of the database is an unanchored literal: a literal found in
 * one value is found in the values joined, so finding none there rules out every atom
 * (regexes with \\b or anchors would not allow this). */
static bool joinable(const ts_sigma *s, const matcher *m, const unsigned *ids, size_t k)
{
    if (m->nent || !k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (s->atoms[ids[i]].is_regex || s->atoms[ids[i]].anchors)
            return false;
    return true;
}

/* Hands atom id to PCRE2 and drops it from the candidates rx/flags/ids[0..*k) at index i. */
static bool to_pcre(ts_sigma *s, char **rx, unsigned *flags, unsigned *ids, size_t *k, size_t i)
{
    bool ok = sg_atom_pcre(s, &s->atoms[ids[i]]);
    free(rx[i]);
    memmove(rx + i, rx + i + 1, (*k - i - 1) * sizeof *rx);
    memmove(flags + i, flags + i + 1, (*k - i - 1) * sizeof *flags);
    memmove(ids + i, ids + i + 1, (*k - i - 1) * sizeof *ids);
    (*k)--;
    return ok;
}

/* Sorts the candidates between Hyperscan and PCRE2 and compiles Hyperscan's share into
 * m->db; appends the ids PCRE2 took to refused. */
static bool compile_candidates(ts_sigma *s, matcher *m, char **rx, unsigned *flags, unsigned *ids, size_t *k,
                               unsigned *refused, unsigned *n_refused)
{
    bool ok = true;
    for (size_t i = 0; ok && i < *k;) {
        if (hs_can(rx[i], flags[i])) {
            i++;
            continue;
        }
        refused[(*n_refused)++] = ids[i];
        ok = to_pcre(s, rx, flags, ids, k, i);
    }
    while (ok && *k) {
        hs_compile_error_t *ce = NULL;
        if (hs_compile_multi((const char *const *)rx, flags, ids, (unsigned)*k, HS_MODE_BLOCK, NULL, &m->db,
                             &ce) == HS_SUCCESS)
            break;
        /* one expression Hyperscan refused as part of the set: PCRE2 takes it */
        int bad = ce ? ce->expression : -1;
        if (bad < 0 || (size_t)bad >= *k) {
            sg_fail(s, TOCSIN_E_PARSE, "hyperscan: %s", ce && ce->message ? ce->message : "compile failed");
            hs_free_compile_error(ce);
            return false;
        }
        hs_free_compile_error(ce);
        refused[(*n_refused)++] = ids[bad];
        ok = to_pcre(s, rx, flags, ids, k, (size_t)bad);
    }
    return ok;
}

/* The cached answer for these candidates: the database, and the ids PCRE2 takes instead.
 * False when there is none (nothing is changed then). */
static bool from_cache(ts_sigma *s, matcher *m, const char *key, char **rx, unsigned *flags, unsigned *ids,
                       size_t *k, bool *ok)
{
    unsigned *refused, n_refused;
    if (!ts_hs_cache_get(key, &m->db, &refused, &n_refused))
        return false;
    for (unsigned r = 0; *ok && r < n_refused; r++) {
        size_t i = 0;
        while (i < *k && ids[i] != refused[r])
            i++;
        if (i == *k) { /* an entry that names an id not among the candidates cannot be ours */
            *ok = sg_fail(s, TOCSIN_E_FORMAT, "the rule cache answered for other rules");
        } else {
            *ok = to_pcre(s, rx, flags, ids, k, i);
        }
    }
    free(refused);
    return true;
}

static void *build(ts_sigma *s, const uint32_t *atoms, size_t n, bool vector)
{
    matcher *m = calloc(1, sizeof *m);
    char **rx = calloc(n + 1, sizeof *rx);
    unsigned *flags = calloc(n + 1, sizeof *flags), *ids = calloc(n + 1, sizeof *ids);
    unsigned *refused = calloc(n + 1, sizeof *refused), n_refused = 0;
    size_t k = 0;
    bool ok = m && rx && flags && ids && refused && exact_build(s, m, atoms, n);
    if (!ok)
        sg_fail(s, TOCSIN_E_NOMEM, "out of memory");
    for (size_t i = 0; ok && i < n; i++) {
        sg_atom *at = &s->atoms[atoms[i]];
        if (whole_value(at))
            continue;
        if (!(rx[k] = atom_regex(at))) {
            ok = sg_fail(s, TOCSIN_E_NOMEM, "out of memory");
            break;
        }
        flags[k] = hs_flags(at), ids[k] = atoms[i];
        at->backend = BK_HS; /* until PCRE2 takes it */
        k++;
    }
    /* Which candidates Hyperscan takes, and the compiled database, are kept in the cache
       directory: compiling is most of a hunt's start (src/sigma/hs_cache.c). */
    char key[65];
    bool keyed = ok && k && ts_hs_cache_key((const char *const *)rx, flags, ids, (unsigned)k, key);
    if (ok && k && !(keyed && from_cache(s, m, key, rx, flags, ids, &k, &ok))) {
        ok = compile_candidates(s, m, rx, flags, ids, &k, refused, &n_refused);
        if (ok && keyed)
            ts_hs_cache_put(key, m->db, refused, n_refused);
    }
    if (ok && m && m->db)
        m->joinable = vector && joinable(s, m, ids, k);
    for (size_t i = 0; rx && i < k; i++)
        free(rx[i]);
    free(rx), free(flags), free(ids), free(refused);
    if (!ok || !m || (!m->db && !m->nent)) {
        sg_matcher_free(m);
        return NULL;
    }
    return m;
}

void sg_matcher_free(void *mp)
{
    matcher *m = mp;
    if (!m)
        return;
    if (m->db)
        hs_free_database(m->db);
    free(m->ent), free(m->slot), free(m->lows);
    free(m);
}

bool sg_matcher_scratch(void *mp, void **scratch)
{
    matcher *m = mp;
    return !m->db || hs_alloc_scratch(m->db, (hs_scratch_t **)scratch) == HS_SUCCESS;
}

void *sg_matcher_build(ts_sigma *s, const uint32_t *atoms, size_t n)
{
    return build(s, atoms, n, false);
}

void *sg_matcher_build_any(ts_sigma *s, const uint32_t *atoms, size_t n)
{
    return build(s, atoms, n, true);
}

static int on_first(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
    (void)id, (void)from, (void)to, (void)flags, (void)ctx;
    return 1; /* one is enough: stop */
}

bool sg_matcher_may_match(const void *mp, void *scratch, const char *joined, size_t n)
{
    const matcher *m = mp;
    if (!m->joinable || n > UINT32_MAX)
        return true;
    return hs_scan(m->db, joined, (unsigned)n, 0, scratch, on_first, NULL) != HS_SUCCESS;
}

void sg_matcher_scratch_free(void *scratch)
{
    hs_free_scratch(scratch);
}

bool sg_matcher_scans(const void *mp)
{
    return ((const matcher *)mp)->db != NULL;
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
    if (m->db)
        hs_scan(m->db, p ? p : "", (unsigned)n, 0, scratch, on_match, &c);
    if (m->nent)
        exact_scan(m, p, n, fn, ud);
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
    unsigned char first = (unsigned char)lit[0],
                  up = first >= 'a' && first <= 'z' ? (unsigned char)(first - 32) : first;
    for (size_t i = 0; i + ln <= n; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c == first || c == up) && eq_at(p + i + 1, lit + 1, ln - 1, true))
            return true;
    }
    return false;
}

/* What one scratch needs to run PCRE2: match data (which also keeps PCRE2's backtracking
 * frames from call to call) and a match context holding the budget. */
typedef struct sg_rx {
    pcre2_match_data *md;
    pcre2_match_context *mc;
} sg_rx;

void *sg_match_data_new(const sg_regex_budget *b)
{
    sg_rx *rx = calloc(1, sizeof *rx);
    if (!rx)
        return NULL;
    rx->md = pcre2_match_data_create(1, NULL);
    rx->mc = pcre2_match_context_create(NULL);
    if (!rx->md || !rx->mc) {
        sg_match_data_free(rx);
        return NULL;
    }
    pcre2_set_match_limit(rx->mc, b->steps);
    pcre2_set_depth_limit(rx->mc, b->depth);
    pcre2_set_heap_limit(rx->mc, b->heap_kib);
    return rx;
}

void sg_match_data_free(void *p)
{
    sg_rx *rx = p;
    if (!rx)
        return;
    pcre2_match_data_free(rx->md);
    pcre2_match_context_free(rx->mc);
    free(rx);
}

int sg_atom_test_str(const sg_atom *at, const char *p, size_t n, void *md)
{
    if (at->backend == BK_PCRE) {
        const sg_rx *rx = md;
        int rc = pcre2_match(at->re, (PCRE2_SPTR)(p ? p : ""), n, 0, 0, rx->md, rx->mc);
        if (rc >= 0)
            return SG_YES;
        /* Only PCRE2_ERROR_NOMATCH says the regex does not hold: over a limit (steps,
           depth, heap) or out of memory, the match did not finish and the value is
           undecided, which the caller must not take as a miss. */
        return rc == PCRE2_ERROR_NOMATCH ? SG_NO : SG_GAVE_UP;
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
