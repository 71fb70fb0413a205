/* zeek_tsv.c: reader for Zeek's native TSV logs (#separator, #fields, #types, #path headers). */
#include <stdlib.h>
#include <string.h>

#include "ingest/rd.h"
#include "ingest/zeek/zeek_map.h"

enum { COL_PLAIN = 0, COL_SET, COL_BOOL };

/* The header block in force; a file may hold several. Strings are copies (header lines
 * do not outlive their read), owned here. */
typedef struct zt_hdr {
    char sep, setsep;
    char empty[32], unset[32];
    size_t nempty, nunset;
    char *names;    /* the #fields line's names, NUL-separated */
    ts_str *cols;   /* views into names */
    uint8_t *kinds; /* COL_* per column, from #types */
    size_t ncol;
    char path[64];
    size_t npath;
    zk_log log;
    char dataset[72];
} zt_hdr;

static void hdr_reset(zt_hdr *h)
{
    free(h->names);
    free(h->cols);
    free(h->kinds);
    memset(h, 0, sizeof *h);
    h->sep = '\t';
    h->setsep = ',';
    memcpy(h->empty, "(empty)", h->nempty = 7);
    memcpy(h->unset, "-", h->nunset = 1);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes Zeek's "\xNN" escapes into a, or returns v itself when it has none. */
static ts_str unescape(ts_arena *a, ts_str v)
{
    if (!memchr(v.p, '\\', v.n))
        return v;
    char *o = ts_arena_alloc(a, v.n + 1);
    if (!o)
        return v;
    size_t n = 0;
    for (size_t i = 0; i < v.n; i++) {
        int hi, lo;
        if (v.p[i] == '\\' && i + 3 < v.n && v.p[i + 1] == 'x' && (hi = hexval(v.p[i + 2])) >= 0 &&
            (lo = hexval(v.p[i + 3])) >= 0) {
            o[n++] = (char)(hi << 4 | lo);
            i += 3;
        } else {
            o[n++] = v.p[i];
        }
    }
    o[n] = '\0';
    return ts_str_make(o, n);
}

/* "#separator \x09": the one header whose value follows a space, written escaped. */
static bool parse_separator(zt_hdr *h, ts_str v)
{
    int hi, lo;
    if (v.n == 4 && v.p[0] == '\\' && v.p[1] == 'x' && (hi = hexval(v.p[2])) >= 0 &&
        (lo = hexval(v.p[3])) >= 0)
        h->sep = (char)(hi << 4 | lo);
    else if (v.n == 1)
        h->sep = v.p[0];
    else
        return false;
    return true;
}

/* Splits a header value on the separator into NUL-separated names and their views. */
static bool set_fields(zt_hdr *h, ts_str v)
{
    free(h->names);
    free(h->cols);
    free(h->kinds);
    h->cols = NULL;
    h->kinds = NULL;
    h->ncol = 0;
    if (!(h->names = malloc(v.n + 1)))
        return false;
    memcpy(h->names, v.p, v.n);
    h->names[v.n] = '\0';
    size_t n = 1;
    for (size_t i = 0; i < v.n; i++)
        n += h->names[i] == h->sep;
    h->cols = calloc(n, sizeof *h->cols);
    h->kinds = calloc(n, 1);
    if (!h->cols || !h->kinds)
        return false;
    char *p = h->names, *end = h->names + v.n;
    for (size_t i = 0; i < n; i++) {
        char *q = memchr(p, h->sep, (size_t)(end - p));
        if (!q)
            q = end;
        *q = '\0';
        h->cols[i] = ts_str_make(p, (size_t)(q - p));
        p = q + 1;
    }
    h->ncol = n;
    return true;
}

static void set_types(zt_hdr *h, ts_str v)
{
    size_t i = 0;
    const char *p = v.p, *end = v.p + v.n;
    while (i < h->ncol && p <= end) {
        const char *q = memchr(p, h->sep, (size_t)(end - p));
        if (!q)
            q = end;
        ts_str t = ts_str_make(p, (size_t)(q - p));
        h->kinds[i++] = ts_str_istarts(t, "set[") || ts_str_istarts(t, "vector[") ? COL_SET
                        : RD_EQ(t, "bool")                                        ? COL_BOOL
                                                                                  : COL_PLAIN;
        p = q + 1;
    }
}

static void set_copy(char *dst, size_t cap, size_t *n, ts_str v)
{
    *n = v.n < cap - 1 ? v.n : cap - 1;
    memcpy(dst, v.p, *n);
    dst[*n] = '\0';
}

/* A "#..." line. Returns false on allocation failure. */
static bool header_line(rd_ctx *c, zt_hdr *h, const char *p, size_t n, uint64_t lineno)
{
    ts_str line = ts_str_make(p, n);
    if (ts_str_istarts(line, "#separator ")) {
        hdr_reset(h);
        if (!parse_separator(h, ts_str_trim(ts_str_make(p + 11, n - 11))))
            rd_error(c, lineno, 0, TOCSIN_E_PARSE, "unsupported #separator");
        return true;
    }
    const char *tab = memchr(p, h->sep, n);
    if (!tab)
        return true; /* "#close" without a value and other comments */
    ts_str key = ts_str_make(p, (size_t)(tab - p));
    ts_str v = ts_str_make(tab + 1, n - (size_t)(tab - p) - 1);
    if (RD_EQ(key, "#fields"))
        return set_fields(h, v);
    if (RD_EQ(key, "#types"))
        set_types(h, v);
    else if (RD_EQ(key, "#set_separator") && v.n)
        h->setsep = unescape(&c->s->arena, v).p[0];
    else if (RD_EQ(key, "#empty_field"))
        set_copy(h->empty, sizeof h->empty, &h->nempty, v);
    else if (RD_EQ(key, "#unset_field"))
        set_copy(h->unset, sizeof h->unset, &h->nunset, v);
    else if (RD_EQ(key, "#path")) {
        set_copy(h->path, sizeof h->path, &h->npath, v);
        h->log = zk_log_from_path(ts_str_make(h->path, h->npath));
        ts_str d = zk_dataset(h->log, ts_str_make(h->path, h->npath), &c->s->arena);
        size_t dn;
        set_copy(h->dataset, sizeof h->dataset, &dn, d);
    }
    return true;
}

/* Adds one column's value(s) to the record's raw fields. */
static void column(rd_ctx *c, const zt_hdr *h, size_t i, ts_str v)
{
    if ((v.n == h->nunset && memcmp(v.p, h->unset, v.n) == 0) ||
        (v.n == h->nempty && memcmp(v.p, h->empty, v.n) == 0))
        return; /* unset and empty sets are absent, as in Zeek's JSON */
    ts_str key = h->cols[i];
    switch (h->kinds[i]) {
    case COL_BOOL:
        /* Zeek's JSON writes true/false: use those so both layouts give the same fields. */
        if (RD_EQ(v, "T"))
            v = TS_STR_LIT("true");
        else if (RD_EQ(v, "F"))
            v = TS_STR_LIT("false");
        rd_field(c, key, v);
        return;
    case COL_SET: {
        const char *p = v.p, *end = v.p + v.n;
        for (;;) {
            const char *q = memchr(p, h->setsep, (size_t)(end - p));
            ts_str e = ts_str_make(p, (size_t)((q ? q : end) - p));
            rd_field(c, key, unescape(&c->s->arena, e));
            if (!q)
                return;
            p = q + 1;
        }
    }
    default:
        rd_field(c, key, unescape(&c->s->arena, v));
    }
}

static void data_line(rd_ctx *c, const zt_hdr *h, const char *p, size_t n, uint64_t line)
{
    if (!h->ncol) {
        rd_error(c, line, 0, TOCSIN_E_PARSE, "Zeek log line before any #fields header");
        return;
    }
    rd_begin(c, line, 0);
    const char *end = p + n;
    size_t i = 0;
    for (;; i++) {
        const char *q = memchr(p, h->sep, (size_t)(end - p));
        if (i < h->ncol)
            column(c, h, i, ts_str_make(p, (size_t)((q ? q : end) - p)));
        if (!q)
            break;
        p = q + 1;
    }
    if (i + 1 != h->ncol) {
        rd_error(c, line, 0, TOCSIN_E_PARSE, "%zu columns where #fields names %zu", i + 1, h->ncol);
        return;
    }
    ts_event *ev = &c->s->ev;
    ev->fields = c->s->fields.v;
    ev->n_fields = c->s->fields.n;
    zk_warn(c, ev, zk_map(ev, h->log, ts_str_c(h->dataset), &c->s->arena));
    rd_emit(c);
}

static int zt_sniff(const char *head, size_t len)
{
    if (len >= 11 && memcmp(head, "#separator ", 11) == 0)
        return 100;
    if (rd_find(head, len, "#fields\t") && rd_find(head, len, "#path\t"))
        return 90;
    return 0;
}

/* A line under the header block in force (h). */
static tocsin_code zt_line(rd_ctx *c, void *h, const char *p, size_t n, uint64_t line)
{
    if (p[0] != '#')
        data_line(c, h, p, n, line);
    else if (!header_line(c, h, p, n, line))
        return TOCSIN_E_NOMEM;
    return TOCSIN_OK;
}

static tocsin_code zt_read(ts_input *in, ts_scratch *scratch, const ts_sink *sink)
{
    static const rd_line_ops ops = {.line = zt_line, .flags = RD_SKIP_EMPTY};
    rd_ctx c = rd_make(in, scratch, sink);
    zt_hdr h = {0};
    hdr_reset(&h);
    tocsin_code rc = rd_lines(&c, &ops, &h);
    hdr_reset(&h); /* frees the block's copies */
    return rc;
}

const ts_reader ts_reader_zeek_tsv = {
    .name = "zeek-tsv",
    .summary = "Zeek logs in their native TSV layout (#fields/#types headers), any log type",
    .sniff = zt_sniff,
    .read = zt_read,
};
