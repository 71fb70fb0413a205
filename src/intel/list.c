/* list.c: plain indicator lists, one value per line, '#' comments, the type of each line
 * guessed, defanged forms accepted. Maltrail trails (apt_<actor>.txt) name their actor in
 * the file name and its other names on a "# Aliases:" line; "# Reference:" lines become
 * the note of the entries below them. */
#include <string.h>

#include "intel/linefeed.h"
#include "intel/loaders.h"

#define TS_LIST_LINE_MAX 4096
#define TS_LIST_MAX_ALIASES 128

/* The value on a line: up to a '#' (also glued on, as in "evil.com# Copyright") and the
 * first white space. */
static ts_str line_value(ts_str line)
{
    size_t i = 0, end;
    while (i < line.n && (line.p[i] == ' ' || line.p[i] == '\t'))
        i++;
    for (end = i; end < line.n; end++) {
        char c = line.p[end];
        if (c == '#' || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f')
            break;
    }
    return ts_str_make(line.p + i, end - i);
}

/* Reserves address table room for a feed of addresses: the share of single IPv4
 * addresses among its first lines, times its line count. */
static void reserve(ts_intel *ti, const char *data, size_t len)
{
    size_t pos = 0, seen = 0, v4 = 0, lines = 0;
    ts_str line;
    ts_ip ip;
    uint8_t prefix;
    while (seen < 64 && ts_lf_next_line(data, len, &pos, &line)) {
        ts_str v = line_value(line);
        if (!v.n)
            continue;
        seen++;
        v4 += ts_ioc_parse_ip(v, &ip, &prefix) && ip.v == 4 && prefix == 32;
    }
    if (seen < 64 || v4 * 2 < seen)
        return; /* small or mostly other types: growing as it goes costs little */
    for (const char *p = data; (p = memchr(p, '\n', len - (size_t)(p - data))); p++)
        lines++;
    ts_ipset_reserve4(&ti->ind, 32, lines / seen * v4);
}

static ts_str comment_after(ts_str line, const char *key)
{
    ts_str s = ts_str_trim(ts_str_make(line.p + 1, line.n - 1));
    if (!ts_str_istarts(s, key))
        return TS_STR_NULL;
    size_t k = strlen(key);
    return ts_str_trim(ts_str_make(s.p + k, s.n - k));
}

static int list_sniff(const char *data, size_t len)
{
    size_t pos = 0, seen = 0, good = 0;
    ts_str line;
    if (len > 8192)
        len = 8192;
    while (seen < 32 && ts_lf_next_line(data, len, &pos, &line)) {
        if (pos >= len && seen > 0)
            break; /* the last line may be cut off by the window */
        ts_str v = line_value(line);
        if (!v.n)
            continue;
        seen++;
        if (ts_ioc_type_guess(v) != TS_IOC_NONE || (v.p[0] == '/' && v.n > 1))
            good++;
    }
    /* The fallback format: claimed when at least half the lines are indicators, so a
       list with a few bad lines is loaded (and they are reported) but prose is not. */
    if (!seen || good * 2 < seen)
        return 0;
    return 30;
}

/* A maltrail file's actor from its name: "apt_lazarus.txt" -> "lazarus"; a number keeps
 * its prefix ("apt_38.txt" -> "apt38"), since "38" alone names nobody. */
static bool maltrail_actor(const char *name, char *buf, size_t cap)
{
    const char *base = ts_lf_base(name);
    if (strncmp(base, "apt_", 4) != 0)
        return false;
    const char *s = base + 4, *dot = strrchr(s, '.');
    size_t n = dot ? (size_t)(dot - s) : strlen(s);
    if (n == 0)
        return false;
    int w = snprintf(buf, cap, "%s%.*s", s[0] >= '0' && s[0] <= '9' ? "apt" : "", (int)n, s);
    return w > 0 && (size_t)w < cap;
}

/* Splits "a, b, c" into the aliases array (copies in store). */
static size_t split_aliases(ts_str s, char *store, size_t cap, const char **out, size_t max)
{
    size_t n = 0, o = 0;
    while (s.n && n < max) {
        const char *comma = memchr(s.p, ',', s.n);
        size_t l = comma ? (size_t)(comma - s.p) : s.n;
        ts_str a = ts_str_trim(ts_str_make(s.p, l));
        if (a.n && o + a.n + 1 <= cap) {
            memcpy(store + o, a.p, a.n);
            store[o + a.n] = '\0';
            out[n++] = store + o;
            o += a.n + 1;
        }
        if (!comma)
            break;
        s = ts_str_make(comma + 1, s.n - l - 1);
    }
    return n;
}

/* The actor set of the file: declared, or for a maltrail trail its name and aliases. */
static uint32_t list_actors(ts_lf *f, const char *data, size_t len)
{
    uint32_t set = ts_lf_declared(f);
    char actor[128];
    if (set || !maltrail_actor(f->name, actor, sizeof actor))
        return set;
    char store[8192];
    const char *aliases[TS_LIST_MAX_ALIASES];
    size_t n = 0, pos = 0;
    ts_str line;
    while (ts_lf_next_line(data, len, &pos, &line)) {
        if (line.n && line.p[0] == '#') {
            ts_str a = comment_after(line, "aliases:");
            if (a.n) {
                n = split_aliases(a, store, sizeof store, aliases, TS_LIST_MAX_ALIASES);
                break;
            }
        } else if (ts_str_trim(line).n) {
            break; /* the alias line comes before the first entry */
        }
    }
    return ts_intel_actorset_for(f->ti, actor, aliases, n);
}

/* Addresses waiting to be added, their table slots prefetched together. */
#define TS_LIST_BATCH 16
typedef struct ip_batch {
    ts_ip ip[TS_LIST_BATCH];
    uint8_t prefix[TS_LIST_BATCH];
    uint32_t meta[TS_LIST_BATCH];
    uint64_t line[TS_LIST_BATCH];
    size_t n;
} ip_batch;

static void flush(ts_lf *f, ip_batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        ts_ipset_prefetch(&f->ti->ind, &b->ip[i], b->prefix[i]);
    for (size_t i = 0; i < b->n; i++) {
        tocsin_code rc = ts_intel_add_ip_id(f->ti, &b->ip[i], b->prefix[i], b->meta[i]);
        if (rc == TOCSIN_OK)
            f->loaded++;
        else
            ts_lf_diag(f, b->line[i], true, "cannot add an address: %s", tocsin_strerror(rc));
    }
    b->n = 0;
}

static void list_entry(ts_lf *f, ip_batch *b, uint64_t lineno, ts_str v, uint32_t meta, size_t *paths)
{
    ts_ip ip;
    uint8_t prefix;
    tocsin_code rc;
    char msg[96];
    if (v.n > TS_LIST_LINE_MAX) {
        ts_lf_diag(f, lineno, true, "line too long (%zu bytes)", v.n);
        return;
    }
    if (ts_ioc_parse_ip(v, &ip, &prefix)) {
        b->ip[b->n] = ip;
        b->prefix[b->n] = prefix;
        b->meta[b->n] = meta;
        b->line[b->n++] = lineno;
        if (b->n == TS_LIST_BATCH)
            flush(f, b);
        return;
    } else if (v.p[0] == '/') {
        (*paths)++; /* a URL path on any host: no indicator type matches those */
        return;
    } else {
        ts_ioc_type t = ts_ioc_type_guess(v);
        if (t == TS_IOC_NONE) {
            ts_lf_diag(f, lineno, true, "not an indicator: \"%s\"", ts_lf_clean(v.p, v.n, msg, 64));
            return;
        }
        rc = ts_intel_add_id(f->ti, t, v, meta);
    }
    if (rc == TOCSIN_OK)
        f->loaded++;
    else
        ts_lf_diag(f, lineno, true, "cannot add \"%s\": %s", ts_lf_clean(v.p, v.n, msg, 64),
                   tocsin_strerror(rc));
}

static tocsin_code list_load(ts_intel *ti, const char *name, const char *data, size_t len,
                             const ts_feed_opts *o)
{
    ts_lf f;
    ts_lf_init(&f, ti, name, o);
    ts_ioc_meta m = {.source = ts_intel_source(ti, ts_lf_base(name)), .confidence = ts_lf_confidence(&f)};
    m.actors = list_actors(&f, data, len);
    uint32_t meta = ts_intel_meta_intern(ti, &m);
    if (!meta)
        return TOCSIN_E_NOMEM;
    size_t pos = 0, paths = 0;
    uint64_t lineno = 0;
    ts_str line;
    char note[1024];
    ip_batch batch;
    batch.n = 0;
    reserve(ti, data, len);
    while (ts_lf_next_line(data, len, &pos, &line)) {
        lineno++;
        if (line.n && line.p[0] == '#') {
            ts_str ref = comment_after(line, "reference:");
            if (ref.n) {
                m.note = ts_intel_string(ti, ts_lf_clean(ref.p, ref.n, note, sizeof note));
                meta = ts_intel_meta_intern(ti, &m);
                if (!meta)
                    return TOCSIN_E_NOMEM;
            }
            continue;
        }
        ts_str v = line_value(line);
        if (v.n)
            list_entry(&f, &batch, lineno, v, meta, &paths);
    }
    flush(&f, &batch);
    if (paths)
        ts_lf_diag(
            &f, 0, false,
            "%zu URL-path trails (\"/path\" on any host) not loaded: no indicator type matches a bare path",
            paths);
    return ts_lf_finish(&f);
}

const ts_loader ts_loader_list = {
    .name = "list",
    .sniff = list_sniff,
    .load = list_load,
};
