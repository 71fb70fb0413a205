/* csv.c: CSV and TSV indicator tables (RFC 4180 quoting). The columns are named by a
 * header row, or by the last '#' comment line before the data ("# type value context"),
 * or, without either, a first column holding the type ("URL,hxxp://...") or the value. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "intel/linefeed.h"
#include "intel/loaders.h"

#define TS_CSV_MAXF 64
#define TS_CSV_SCRATCH (64 * 1024)

typedef enum col {
    C_SKIP = 0,
    C_VALUE, /* type from the type column, else guessed */
    C_IP,
    C_DOMAIN,
    C_URL,
    C_EMAIL,
    C_HASH,
    C_MD5,
    C_SHA1,
    C_SHA256,
    C_ASN,
    C_TYPE,
    C_ACTOR,
    C_CONF,
    C_FIRST,
    C_LAST,
    C_EXPIRES,
    C_SOURCE,
    C_NOTE,
} col;

static const struct {
    const char *name; /* lower-cased, without spaces, '_' or '-' */
    col c;
} col_names[] = {
    {"value", C_VALUE},
    {"indicator", C_VALUE},
    {"ioc", C_VALUE},
    {"iocvalue", C_VALUE},
    {"observable", C_VALUE},
    {"indicatorvalue", C_VALUE},
    {"ip", C_IP},
    {"ipaddress", C_IP},
    {"ipv4", C_IP},
    {"ipv6", C_IP},
    {"srcip", C_IP},
    {"dstip", C_IP},
    {"domain", C_DOMAIN},
    {"domainname", C_DOMAIN},
    {"hostname", C_DOMAIN},
    {"host", C_DOMAIN},
    {"fqdn", C_DOMAIN},
    {"url", C_URL},
    {"uri", C_URL},
    {"email", C_EMAIL},
    {"emailaddress", C_EMAIL},
    {"hash", C_HASH},
    {"filehash", C_HASH},
    {"md5", C_MD5},
    {"sha1", C_SHA1},
    {"sha256", C_SHA256},
    {"asn", C_ASN},
    {"type", C_TYPE},
    {"ioctype", C_TYPE},
    {"indicatortype", C_TYPE},
    {"kind", C_TYPE},
    {"actor", C_ACTOR},
    {"threatactor", C_ACTOR},
    {"group", C_ACTOR},
    {"actors", C_ACTOR},
    {"apt", C_ACTOR},
    {"adversary", C_ACTOR},
    {"attribution", C_ACTOR},
    {"confidence", C_CONF},
    {"score", C_CONF},
    {"firstseen", C_FIRST},
    {"firstseenutc", C_FIRST},
    {"created", C_FIRST},
    {"dateadded", C_FIRST},
    {"date", C_FIRST},
    {"lastseen", C_LAST},
    {"lastseenutc", C_LAST},
    {"expires", C_EXPIRES},
    {"validuntil", C_EXPIRES},
    {"expiration", C_EXPIRES},
    {"expiry", C_EXPIRES},
    {"source", C_SOURCE},
    {"feed", C_SOURCE},
    {"description", C_NOTE},
    {"context", C_NOTE},
    {"comment", C_NOTE},
    {"comments", C_NOTE},
    {"reference", C_NOTE},
    {"references", C_NOTE},
    {"sources", C_NOTE},
    {"note", C_NOTE},
    {"notes", C_NOTE},
    {"tags", C_NOTE},
    {"info", C_NOTE},
};

static bool is_value_col(col c)
{
    return c >= C_VALUE && c <= C_ASN;
}

static col col_of(ts_str name)
{
    char key[32];
    size_t k = 0;
    name = ts_str_trim(name);
    for (size_t i = 0; i < name.n; i++) {
        char c = name.p[i];
        if (c == ' ' || c == '_' || c == '-' || c == '"')
            continue;
        if (k + 1 >= sizeof key)
            return C_SKIP;
        key[k++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    key[k] = '\0';
    for (size_t i = 0; i < sizeof col_names / sizeof *col_names; i++)
        if (strcmp(key, col_names[i].name) == 0)
            return col_names[i].c;
    return C_SKIP;
}

/* Names the columns from header cells; false unless one holds values, or when a cell is
 * an indicator itself ("URL,hxxp://..." is data whose first cell is a type). */
static bool map_header(const ts_str *cells, size_t n, col *cols)
{
    bool value = false;
    for (size_t i = 0; i < n; i++) {
        if (ts_ioc_type_guess(cells[i]) != TS_IOC_NONE)
            return false;
        cols[i] = col_of(cells[i]);
        value |= is_value_col(cols[i]);
    }
    return value;
}

/* Splits a line at delim, without quote handling (for sniffing and comment headers). */
static size_t split_plain(ts_str line, char delim, ts_str *cells, size_t max)
{
    size_t n = 0;
    while (n < max) {
        const char *d = memchr(line.p, delim, line.n);
        size_t l = d ? (size_t)(d - line.p) : line.n;
        cells[n++] = ts_str_trim(ts_str_make(line.p, l));
        if (!d)
            break;
        line = ts_str_make(d + 1, line.n - l - 1);
    }
    return n;
}

static char pick_delim(ts_str line)
{
    size_t tabs = 0, commas = 0, semis = 0;
    for (size_t i = 0; i < line.n; i++) {
        tabs += line.p[i] == '\t';
        commas += line.p[i] == ',';
        semis += line.p[i] == ';';
    }
    if (tabs && tabs >= commas)
        return '\t';
    if (!commas && semis)
        return ';';
    return ',';
}

/* How the columns of a file are named: header row, comment header or first cells. */
typedef enum layout { L_NONE, L_HEADER, L_COMMENT, L_TYPED, L_BARE } layout;

static layout detect(ts_str comment, ts_str first, char delim, col *cols, size_t *ncols)
{
    ts_str cells[TS_CSV_MAXF];
    size_t n = split_plain(first, delim, cells, TS_CSV_MAXF);
    *ncols = n;
    if (map_header(cells, n, cols))
        return L_HEADER;
    if (comment.n) {
        ts_str hc[TS_CSV_MAXF];
        size_t hn =
            split_plain(ts_str_trim(ts_str_make(comment.p + 1, comment.n - 1)), delim, hc, TS_CSV_MAXF);
        if (hn > 1 && map_header(hc, hn, cols)) {
            *ncols = hn;
            return L_COMMENT;
        }
    }
    memset(cols, 0, sizeof(col) * TS_CSV_MAXF);
    if (n < 2)
        return L_NONE;
    char name[32];
    if (cells[0].n < sizeof name) {
        memcpy(name, cells[0].p, cells[0].n);
        name[cells[0].n] = '\0';
        if (ts_ioc_type_parse(name) != TS_IOC_NONE) {
            cols[0] = C_TYPE;
            cols[1] = C_VALUE;
            for (size_t i = 2; i < n; i++)
                cols[i] = C_NOTE;
            *ncols = TS_CSV_MAXF;
            return L_TYPED;
        }
    }
    if (ts_ioc_type_guess(cells[0]) != TS_IOC_NONE) {
        cols[0] = C_VALUE;
        for (size_t i = 1; i < n; i++)
            cols[i] = C_NOTE;
        *ncols = TS_CSV_MAXF;
        return L_BARE;
    }
    return L_NONE;
}

/* The last comment line before the first data line, and that data line. */
static bool first_lines(const char *data, size_t len, size_t *pos, ts_str *comment, ts_str *first,
                        uint64_t *lineno)
{
    ts_str line;
    *comment = TS_STR_NULL;
    while (ts_lf_next_line(data, len, pos, &line)) {
        ++*lineno;
        if (line.n && line.p[0] == '#') {
            *comment = line;
            continue;
        }
        if (ts_str_trim(line).n) {
            *first = line;
            return true;
        }
    }
    return false;
}

static int csv_sniff(const char *data, size_t len)
{
    size_t pos = 0;
    uint64_t lineno = 0;
    ts_str comment, first;
    col cols[TS_CSV_MAXF];
    size_t ncols;
    if (len > 8192)
        len = 8192;
    if (!first_lines(data, len, &pos, &comment, &first, &lineno))
        return 0;
    char delim = pick_delim(first);
    if (!memchr(first.p, delim, first.n))
        return 0;
    switch (detect(comment, first, delim, cols, &ncols)) {
    case L_HEADER:
    case L_COMMENT:
        return 60;
    case L_TYPED:
        return 50;
    case L_BARE:
        return 35;
    default:
        return 0;
    }
}

/* ---- records --------------------------------------------------------------------------- */

typedef struct csv_rec {
    ts_str f[TS_CSV_MAXF];
    size_t n;
} csv_rec;

/* Reads one record at data[*pos]; quoted fields are unescaped into scratch. *lines counts
 * the newlines consumed. false at the end of data or when scratch is full (*bad). */
static bool csv_next(const char *data, size_t len, size_t *pos, char delim, csv_rec *r, char *scratch,
                     bool *bad, uint64_t *lines)
{
    size_t i = *pos, o = 0;
    *bad = false;
    r->n = 0;
    if (i >= len)
        return false;
    for (;;) {
        ts_str f;
        if (i < len && data[i] == '"') {
            size_t start = o;
            for (i++; i < len; i++) {
                if (data[i] == '"') {
                    if (i + 1 < len && data[i + 1] == '"')
                        i++;
                    else
                        break;
                }
                if (data[i] == '\n')
                    ++*lines;
                if (o >= TS_CSV_SCRATCH) {
                    *bad = true;
                    return false;
                }
                scratch[o++] = data[i];
            }
            if (i >= len)
                *bad = true; /* unterminated quote: keep what there is */
            i++;
            f = ts_str_make(scratch + start, o - start);
            while (i < len && data[i] != delim && data[i] != '\n')
                i++; /* bytes after a closing quote are not RFC 4180; drop them */
        } else {
            size_t s = i;
            while (i < len && data[i] != delim && data[i] != '\n')
                i++;
            f = ts_str_make(data + s, i - s);
            if (f.n && f.p[f.n - 1] == '\r')
                f.n--;
        }
        if (r->n < TS_CSV_MAXF)
            r->f[r->n++] = f;
        if (i < len && data[i] == delim) {
            i++;
            continue;
        }
        if (i < len) {
            i++; /* '\n' */
            ++*lines;
        }
        *pos = i;
        return true;
    }
}

/* ---- loading --------------------------------------------------------------------------- */

typedef struct csv_ctx {
    ts_lf f;
    col cols[TS_CSV_MAXF];
    size_t ncols;
    ts_ioc_meta base;  /* the file's defaults */
    uint32_t declared; /* the declared actor set */
    char last_actor[256];
    uint32_t last_set;
    size_t skipped;          /* rows of a type tocsin does not match */
    char skipped_types[256]; /* their distinct names, for one note at the end */
} csv_ctx;

/* Remembers a type name for the note about skipped rows. */
static void note_skipped(csv_ctx *c, const char *name)
{
    size_t n = strlen(name), have = strlen(c->skipped_types);
    c->skipped++;
    for (const char *p = c->skipped_types; *p;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && memcmp(p, name, n) == 0)
            return;
        p += l + (e ? 1 : 0);
    }
    if (have + n + 2 < sizeof c->skipped_types)
        snprintf(c->skipped_types + have, sizeof c->skipped_types - have, "%s%s", have ? "," : "", name);
}

static ts_ioc_type col_type(col c)
{
    static const ts_ioc_type map[] = {
        [C_IP] = TS_IOC_IP,         [C_DOMAIN] = TS_IOC_DOMAIN, [C_URL] = TS_IOC_URL,
        [C_EMAIL] = TS_IOC_EMAIL,   [C_MD5] = TS_IOC_MD5,       [C_SHA1] = TS_IOC_SHA1,
        [C_SHA256] = TS_IOC_SHA256, [C_ASN] = TS_IOC_ASN};
    return c < sizeof map / sizeof *map ? map[c] : TS_IOC_NONE;
}

static uint32_t row_actors(csv_ctx *c, ts_str name)
{
    char buf[256];
    name = ts_str_trim(name);
    if (!name.n || name.n >= sizeof buf)
        return c->declared;
    memcpy(buf, name.p, name.n);
    buf[name.n] = '\0';
    if (c->last_set && strcmp(buf, c->last_actor) == 0)
        return c->last_set;
    memcpy(c->last_actor, buf, name.n + 1);
    c->last_set = ts_intel_actorset_for(c->f.ti, buf, NULL, 0);
    return c->last_set;
}

/* The row's meta: the file's defaults overridden by its cells. */
static uint32_t row_meta(csv_ctx *c, const csv_rec *r)
{
    ts_ioc_meta m = c->base;
    char note[1024], tmp[256];
    size_t nl = 0;
    m.actors = c->declared;
    for (size_t i = 0; i < r->n && i < c->ncols; i++) {
        ts_str v = ts_str_trim(r->f[i]);
        uint64_t conf;
        if (!v.n)
            continue;
        switch (c->cols[i]) {
        case C_ACTOR:
            m.actors = row_actors(c, v);
            break;
        case C_CONF:
            if (ts_parse_u64(v, &conf))
                m.confidence = conf > 100 ? 100 : (uint8_t)conf;
            break;
        case C_FIRST:
            m.first_seen = ts_lf_time(v);
            break;
        case C_LAST:
            m.last_seen = ts_lf_time(v);
            break;
        case C_EXPIRES:
            m.expires = ts_lf_time(v);
            break;
        case C_SOURCE:
            m.source = ts_intel_source(c->f.ti, ts_lf_clean(v.p, v.n, tmp, sizeof tmp));
            break;
        case C_NOTE:
            if (nl + 4 < sizeof note) {
                if (nl)
                    nl += (size_t)snprintf(note + nl, sizeof note - nl, " | ");
                /* Kept as written (reports escape it); only NUL, which would end it, is replaced. */
                for (size_t k = 0; k < v.n && nl + 1 < sizeof note; k++)
                    note[nl++] = v.p[k] ? v.p[k] : ' ';
                note[nl] = '\0';
            }
            break;
        default:
            break;
        }
    }
    if (nl)
        m.note = ts_intel_string(c->f.ti, note);
    return ts_intel_meta_intern(c->f.ti, &m);
}

/* The type a row gives its generic value column, or NONE with *skip set for a type
 * tocsin does not match (the row is then noted, not rejected). */
static ts_ioc_type row_type(csv_ctx *c, const csv_rec *r, ts_str value, bool *skip)
{
    *skip = false;
    for (size_t i = 0; i < r->n && i < c->ncols; i++) {
        ts_str t = ts_str_trim(r->f[i]);
        if (c->cols[i] != C_TYPE || !t.n)
            continue;
        char name[64];
        ts_lf_clean(t.p, t.n, name, sizeof name);
        ts_ioc_type ty = ts_ioc_type_parse(name);
        if (ty != TS_IOC_NONE)
            return ty;
        if (strcasecmp(name, "hash") == 0 || strcasecmp(name, "filehash") == 0)
            break;
        *skip = true;
        note_skipped(c, name);
        return TS_IOC_NONE;
    }
    return ts_ioc_type_guess(value);
}

static void csv_row(csv_ctx *c, const csv_rec *r, uint64_t line)
{
    uint32_t meta = 0;
    char msg[96];
    for (size_t i = 0; i < r->n && i < c->ncols; i++) {
        ts_str v = ts_str_trim(r->f[i]);
        if (!is_value_col(c->cols[i]) || !v.n)
            continue;
        ts_ioc_type t = col_type(c->cols[i]);
        bool skip = false;
        if (c->cols[i] == C_VALUE)
            t = row_type(c, r, v, &skip);
        else if (c->cols[i] == C_HASH)
            t = ts_ioc_type_guess(v);
        if (skip)
            continue;
        if (!meta && !(meta = row_meta(c, r))) {
            ts_lf_diag(&c->f, line, true, "out of memory");
            return;
        }
        tocsin_code rc = t == TS_IOC_NONE ? TOCSIN_E_PARSE : ts_intel_add_id(c->f.ti, t, v, meta);
        if (rc == TOCSIN_OK)
            c->f.loaded++;
        else
            ts_lf_diag(&c->f, line, true, "not a valid %s: \"%s\"", t ? ts_ioc_type_name(t) : "indicator",
                       ts_lf_clean(v.p, v.n, msg, 64));
    }
}

static tocsin_code csv_load(ts_intel *ti, const char *name, const char *data, size_t len,
                            const ts_feed_opts *o)
{
    csv_ctx *c = calloc(1, sizeof *c);
    char *scratch = malloc(TS_CSV_SCRATCH);
    tocsin_code rc = TOCSIN_E_NOMEM;
    if (!c || !scratch)
        goto out;
    ts_lf_init(&c->f, ti, name, o);
    size_t pos = 0;
    uint64_t lineno = 0;
    ts_str comment, first;
    rc = TOCSIN_E_FORMAT;
    if (!first_lines(data, len, &pos, &comment, &first, &lineno))
        goto out;
    char delim = ts_str_iends(ts_str_c(name), ".tsv") ? '\t' : pick_delim(first);
    layout lay = detect(comment, first, delim, c->cols, &c->ncols);
    if (lay == L_NONE) {
        ts_lf_diag(&c->f, lineno, true, "no column holds indicators");
        goto out;
    }
    /* Data starts at the first line unless it is the header row. */
    pos = (size_t)(first.p - data);
    lineno--;
    c->base =
        (ts_ioc_meta){.source = ts_intel_source(ti, ts_lf_base(name)), .confidence = ts_lf_confidence(&c->f)};
    c->declared = ts_lf_declared(&c->f);
    csv_rec r;
    bool bad, header = lay == L_HEADER;
    for (;;) {
        if (pos < len && data[pos] == '#') {
            ts_str skip;
            ts_lf_next_line(data, len, &pos, &skip);
            lineno++;
            continue;
        }
        uint64_t at = lineno + 1;
        if (!csv_next(data, len, &pos, delim, &r, scratch, &bad, &lineno)) {
            if (bad)
                ts_lf_diag(&c->f, at, true, "record over %d bytes; rest of file skipped", TS_CSV_SCRATCH);
            break;
        }
        if (bad)
            ts_lf_diag(&c->f, at, true, "unterminated quoted field");
        if (header) {
            header = false;
            continue;
        }
        if (r.n == 1 && !ts_str_trim(r.f[0]).n)
            continue;
        csv_row(c, &r, at);
    }
    if (c->skipped)
        ts_lf_diag(&c->f, 0, false, "%zu entries of types tocsin does not match (%s) not loaded", c->skipped,
                   c->skipped_types);
    rc = ts_lf_finish(&c->f);
out:
    if (c && rc == TOCSIN_E_FORMAT)
        ts_lf_finish(&c->f);
    free(scratch);
    free(c);
    return rc;
}

const ts_loader ts_loader_csv = {
    .name = "csv",
    .sniff = csv_sniff,
    .load = csv_load,
};
