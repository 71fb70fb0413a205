/* str_index.c: indicators other than addresses (domains, URLs, e-mail, hashes, ASNs):
 * their normal forms, and one hash table per type from normal form to indicator metas.
 *
 * URLs: an indicator written with a scheme matches that scheme only; one written without
 * ("evil.com/x", as maltrail does) matches any scheme. A query without a scheme is looked
 * up as itself, as http:// and as https://, which is how to match a URL ignoring scheme. */
#include <string.h>

#include "intel/intel_int.h"

#define TS_IOC_MAX 4096 /* longest normalised value kept */

static inline char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static inline bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ---- defanging ------------------------------------------------------------------------- */

static const struct {
    const char *from, *to;
} fangs[] = {
    {"[.]", "."},     {"(.)", "."}, {"{.}", "."}, {"[dot]", "."}, {"(dot)", "."}, {"[:]", ":"},
    {"[://]", "://"}, {"[/]", "/"}, {"[@]", "@"}, {"[at]", "@"},  {"(at)", "@"},
};

size_t ts_ioc_refang(ts_str s, char *buf, size_t cap)
{
    size_t o = 0, i = 0;
    if (s.n >= 4 && (s.p[0] == 'h' || s.p[0] == 'H') && (s.p[1] == 'x' || s.p[1] == 'X') &&
        (s.p[2] == 'x' || s.p[2] == 'X') && (s.p[3] == 'p' || s.p[3] == 'P')) {
        if (cap < 5)
            return 0;
        memcpy(buf, "http", 4);
        o = i = 4;
    }
    while (i < s.n) {
        bool done = false;
        if (s.p[i] == '[' || s.p[i] == '(' || s.p[i] == '{') {
            for (size_t k = 0; k < sizeof fangs / sizeof *fangs && !done; k++) {
                size_t fl = strlen(fangs[k].from), tl = strlen(fangs[k].to);
                if (s.n - i >= fl && ts_str_istarts(ts_str_make(s.p + i, s.n - i), fangs[k].from)) {
                    if (o + tl >= cap)
                        return 0;
                    memcpy(buf + o, fangs[k].to, tl);
                    o += tl;
                    i += fl;
                    done = true;
                }
            }
        }
        if (!done) {
            if (o + 1 >= cap)
                return 0;
            buf[o++] = s.p[i++];
        }
    }
    buf[o] = '\0';
    return o;
}

/* ---- normal forms ---------------------------------------------------------------------- */

bool ts_ioc_parse_ip(ts_str s, ts_ip *ip, uint8_t *prefix)
{
    s = ts_str_trim(s);
    if (s.n == 0)
        return false;
    if (ts_cidr_parse(s, ip, prefix))
        return true;
    /* "[v6]:port", or "v4:port" (maltrail writes "1.2.3.4:22:443" for several ports). */
    size_t end;
    if (s.p[0] == '[') {
        const char *rb = memchr(s.p, ']', s.n);
        if (!rb)
            return false;
        end = (size_t)(rb - s.p) + 1;
    } else {
        const char *colon = memchr(s.p, ':', s.n);
        if (!colon)
            return false;
        end = (size_t)(colon - s.p);
    }
    if (end >= s.n || s.p[end] != ':')
        return false;
    for (size_t i = end; i < s.n; i++)
        if (s.p[i] != ':' && !is_digit(s.p[i]))
            return false;
    if (!ts_ip_parse(ts_str_make(s.p, end), ip))
        return false;
    *prefix = ip->v == 4 ? 32 : 128;
    return true;
}

static bool host_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit((char)c) || c == '-' || c == '_' ||
           c == '.' || c >= 0x80;
}

/* A host name: labels of letters, digits, '-', '_' or UTF-8, at least two, the last not
 * all digits (so an address is never a domain). Lower-cased into buf, trailing dot and a
 * ":port" dropped. Returns the length or 0. */
static size_t norm_domain(ts_str s, char *buf, size_t cap)
{
    s = ts_str_trim(s);
    const char *colon = memchr(s.p ? s.p : "", ':', s.n);
    if (colon) {
        for (const char *q = colon + 1; q < s.p + s.n; q++)
            if (!is_digit(*q) && *q != ':')
                return 0;
        s.n = (size_t)(colon - s.p);
    }
    if (s.n && s.p[s.n - 1] == '.')
        s.n--;
    if (s.n == 0 || s.n > 253 || s.n >= cap)
        return 0;
    size_t label = 0, dots = 0;
    bool digits_only = true;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (!host_byte((unsigned char)c))
            return 0;
        if (c == '.') {
            if (label == 0)
                return 0;
            label = 0;
            dots++;
            digits_only = true;
        } else {
            if (++label > 63)
                return 0;
            if (!is_digit(c))
                digits_only = false;
        }
        buf[i] = lower(c);
    }
    if (label == 0 || dots == 0 || digits_only)
        return 0;
    buf[s.n] = '\0';
    return s.n;
}

static size_t put(char *buf, size_t o, size_t cap, const char *p, size_t n)
{
    if (o == SIZE_MAX || o + n >= cap)
        return SIZE_MAX;
    memcpy(buf + o, p, n);
    return o + n;
}

static const char *default_port(ts_str scheme)
{
    if (ts_str_ieq(scheme, "http") || ts_str_ieq(scheme, "ws"))
        return "80";
    if (ts_str_ieq(scheme, "https") || ts_str_ieq(scheme, "wss"))
        return "443";
    if (ts_str_ieq(scheme, "ftp"))
        return "21";
    return NULL;
}

/* Writes the lower-cased authority (userinfo kept) and the port unless it is the scheme's
 * default; false if the host is no host. */
static size_t norm_authority(ts_str auth, ts_str scheme, bool need_dot, char *buf, size_t o, size_t cap)
{
    const char *at = NULL;
    for (size_t i = 0; i < auth.n; i++)
        if (auth.p[i] == '@')
            at = auth.p + i;
    if (at) {
        size_t un = (size_t)(at - auth.p) + 1;
        o = put(buf, o, cap, auth.p, un);
        auth = ts_str_make(auth.p + un, auth.n - un);
    }
    ts_str host = auth, port = TS_STR_NULL;
    const char *hend = auth.p;
    if (auth.n && auth.p[0] == '[') {
        hend = memchr(auth.p, ']', auth.n);
        if (!hend)
            return SIZE_MAX;
        hend++;
    }
    const char *colon = memchr(hend, ':', auth.n - (size_t)(hend - auth.p));
    if (colon) {
        host.n = (size_t)(colon - auth.p);
        port = ts_str_make(colon + 1, auth.n - host.n - 1);
        for (size_t i = 0; i < port.n; i++)
            if (!is_digit(port.p[i]))
                return SIZE_MAX;
    }
    ts_ip ip;
    bool is_ip = ts_ip_parse(host, &ip);
    bool has_dot = memchr(host.p ? host.p : "", '.', host.n) != NULL;
    if (host.n == 0 || (!is_ip && (need_dot && !has_dot)))
        return SIZE_MAX;
    if (host.n && host.p[host.n - 1] == '.')
        host.n--;
    for (size_t i = 0; i < host.n; i++) {
        char c = host.p[i];
        if (!is_ip && !host_byte((unsigned char)c))
            return SIZE_MAX;
        if (o == SIZE_MAX || o + 1 >= cap)
            return SIZE_MAX;
        buf[o++] = lower(c);
    }
    const char *def = scheme.n ? default_port(scheme) : NULL;
    if (port.n && !(def && ts_str_eq(port, def))) {
        o = put(buf, o, cap, ":", 1);
        o = put(buf, o, cap, port.p, port.n);
    }
    return o;
}

/* "scheme://authority/path?query#fragment" or, without a scheme, "host/path". */
static size_t norm_url(ts_str s, char *buf, size_t cap)
{
    s = ts_str_trim(s);
    for (size_t i = 0; i < s.n; i++)
        if ((unsigned char)s.p[i] <= 0x20 || s.p[i] == 0x7f)
            return 0;
    const char *hash = memchr(s.p ? s.p : "", '#', s.n);
    if (hash)
        s.n = (size_t)(hash - s.p);
    ts_str scheme = TS_STR_NULL, rest = s;
    size_t o = 0;
    for (size_t i = 0; i + 2 < s.n; i++) {
        char c = s.p[i];
        if (c == ':' && i > 0 && s.p[i + 1] == '/' && s.p[i + 2] == '/') {
            scheme = ts_str_make(s.p, i);
            rest = ts_str_make(s.p + i + 3, s.n - i - 3);
            break;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (i > 0 && (is_digit(c) || c == '+' || c == '-' || c == '.'))))
            break;
    }
    if (scheme.n >= cap)
        return 0;
    if (scheme.n) {
        for (size_t i = 0; i < scheme.n; i++)
            buf[o++] = lower(scheme.p[i]);
        o = put(buf, o, cap, "://", 3);
    }
    const char *slash = memchr(rest.p ? rest.p : "", '/', rest.n);
    const char *q = memchr(rest.p ? rest.p : "", '?', rest.n);
    if (q && (!slash || q < slash))
        slash = q;
    if (!scheme.n && (!slash || slash == rest.p))
        return 0; /* a bare host is a domain, a bare path no URL */
    size_t alen = slash ? (size_t)(slash - rest.p) : rest.n;
    o = norm_authority(ts_str_make(rest.p, alen), scheme, !scheme.n, buf, o, cap);
    if (!slash)
        o = put(buf, o, cap, "/", 1);
    else {
        if (*slash == '?')
            o = put(buf, o, cap, "/", 1);
        o = put(buf, o, cap, slash, rest.n - alen);
    }
    if (o == SIZE_MAX)
        return 0;
    buf[o] = '\0';
    return o;
}

static size_t norm_email(ts_str s, char *buf, size_t cap)
{
    s = ts_str_trim(s);
    if (s.n > 2 && s.p[0] == '<' && s.p[s.n - 1] == '>')
        s = ts_str_make(s.p + 1, s.n - 2);
    const char *at = memchr(s.p ? s.p : "", '@', s.n);
    if (!at || at == s.p || s.n >= cap || memchr(at + 1, '@', s.n - (size_t)(at + 1 - s.p)))
        return 0;
    size_t ln = (size_t)(at - s.p);
    for (size_t i = 0; i < ln; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '/' || c == '\\')
            return 0;
        buf[i] = lower((char)c);
    }
    buf[ln] = '@';
    size_t dn = norm_domain(ts_str_make(at + 1, s.n - ln - 1), buf + ln + 1, cap - ln - 1);
    if (!dn || memchr(at + 1, ':', s.n - ln - 1))
        return 0;
    return ln + 1 + dn;
}

static size_t norm_hex(ts_str s, size_t want, char *buf, size_t cap)
{
    s = ts_str_trim(s);
    if (s.n != want || want >= cap)
        return 0;
    for (size_t i = 0; i < want; i++) {
        char c = lower(s.p[i]);
        if (!(is_digit(c) || (c >= 'a' && c <= 'f')))
            return 0;
        buf[i] = c;
    }
    buf[want] = '\0';
    return want;
}

static size_t norm_asn(ts_str s, char *buf, size_t cap)
{
    s = ts_str_trim(s);
    if (ts_str_istarts(s, "asn"))
        s = ts_str_make(s.p + 3, s.n - 3);
    else if (ts_str_istarts(s, "as"))
        s = ts_str_make(s.p + 2, s.n - 2);
    s = ts_str_trim(s);
    uint64_t v;
    if (!ts_parse_u64(s, &v) || v == 0 || v > UINT32_MAX)
        return 0;
    int n = snprintf(buf, cap, "%llu", (unsigned long long)v);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* The normal form of an already refanged value. */
static size_t normalise_raw(ts_ioc_type type, ts_str s, char *buf, size_t cap)
{
    switch (type) {
    case TS_IOC_IP: {
        ts_ip ip;
        uint8_t prefix;
        char a[TS_IP_STRLEN];
        if (!ts_ioc_parse_ip(s, &ip, &prefix))
            return 0;
        int n = snprintf(buf, cap, "%s/%u", ts_ip_format(&ip, a), prefix);
        return n > 0 && (size_t)n < cap ? (size_t)n : 0;
    }
    case TS_IOC_DOMAIN:
        return norm_domain(s, buf, cap);
    case TS_IOC_URL:
        return norm_url(s, buf, cap);
    case TS_IOC_EMAIL:
        return norm_email(s, buf, cap);
    case TS_IOC_MD5:
        return norm_hex(s, 32, buf, cap);
    case TS_IOC_SHA1:
        return norm_hex(s, 40, buf, cap);
    case TS_IOC_SHA256:
        return norm_hex(s, 64, buf, cap);
    case TS_IOC_ASN:
        return norm_asn(s, buf, cap);
    default:
        return 0;
    }
}

size_t ts_ioc_normalise(ts_ioc_type type, ts_str value, char *buf, size_t cap)
{
    char tmp[TS_IOC_MAX];
    size_t n = ts_ioc_refang(ts_str_trim(value), tmp, sizeof tmp);
    return n ? normalise_raw(type, ts_str_make(tmp, n), buf, cap) : 0;
}

/* ---- adding ---------------------------------------------------------------------------- */

tocsin_code ts_intel_add_id(ts_intel *ti, ts_ioc_type type, ts_str value, uint32_t meta_id)
{
    char tmp[TS_IOC_MAX], buf[TS_IOC_MAX];
    size_t tn = ts_ioc_refang(ts_str_trim(value), tmp, sizeof tmp);
    if (!tn || type <= TS_IOC_NONE || type >= TS_IOC__COUNT)
        return TOCSIN_E_PARSE;
    if (type == TS_IOC_IP) {
        ts_ip ip;
        uint8_t prefix;
        if (!ts_ioc_parse_ip(ts_str_make(tmp, tn), &ip, &prefix))
            return TOCSIN_E_PARSE;
        return ts_intel_add_ip_id(ti, &ip, prefix, meta_id);
    }
    size_t n = normalise_raw(type, ts_str_make(tmp, tn), buf, sizeof buf);
    if (!n)
        return TOCSIN_E_PARSE;
    if (!ts_intel_meta_get(ti, meta_id))
        return TOCSIN_E_ARG;
    bool created, added;
    ts_sent *e = ts_stab_put(&ti->ioc[type], &ti->ioc_pool, buf, n, &created);
    if (!e || !ts_multi_add(&ti->multi, &e->val, meta_id, &added))
        return TOCSIN_E_NOMEM;
    if (added)
        ts_intel_count(ti, type, meta_id);
    return TOCSIN_OK;
}

tocsin_code ts_intel_add(ts_intel *ti, ts_ioc_type type, ts_str value, const ts_ioc_meta *meta)
{
    uint32_t id = ts_intel_meta_intern(ti, meta);
    return id ? ts_intel_add_id(ti, type, value, id) : TOCSIN_E_NOMEM;
}

/* ---- matching -------------------------------------------------------------------------- */

/* Appends the hits of key: all of them, or (allow_only) only the allow entries, or
 * (skip_allow) all but them. */
static size_t emit(const ts_intel *ti, ts_ioc_type type, const ts_sent *e, ts_str matched, int which,
                   ts_ioc_hit *out, size_t n, size_t max)
{
    const uint32_t *ids;
    uint32_t one;
    size_t k = ts_multi_get(&ti->multi, e->val, &ids, &one);
    for (size_t i = 0; i < k && n < max; i++) {
        const ts_ioc_meta *m = ts_intel_meta_get(ti, ids[i]);
        bool allow = m->flags & TS_IOC_ALLOW;
        if ((which == 1 && !allow) || (which == 2 && allow))
            continue;
        out[n] = (ts_ioc_hit){.type = type, .meta = m, .matched = matched};
        n++;
    }
    return n;
}

/* A domain and each parent: the indicators of the most specific level that has any,
 * and every allow entry of any level. */
static size_t match_domain(const ts_intel *ti, ts_str q, ts_ioc_hit *out, size_t max)
{
    char buf[256];
    q = ts_str_trim(q);
    if (q.n && q.p[q.n - 1] == '.')
        q.n--;
    if (q.n == 0 || q.n >= sizeof buf)
        return 0;
    for (size_t i = 0; i < q.n; i++)
        buf[i] = lower(q.p[i]);
    size_t n = 0;
    bool found = false;
    for (size_t off = 0; off < q.n;) {
        const ts_sent *e = ts_stab_find(&ti->ioc[TS_IOC_DOMAIN], buf + off, q.n - off);
        if (e) {
            size_t before = n;
            n = emit(ti, TS_IOC_DOMAIN, e, ts_str_make(q.p + off, q.n - off), found ? 1 : 0, out, n, max);
            for (size_t i = before; i < n && !found; i++)
                if (!(out[i].meta->flags & TS_IOC_ALLOW))
                    found = true;
        }
        const char *dot = memchr(buf + off, '.', q.n - off);
        if (!dot)
            break;
        off = (size_t)(dot - buf) + 1;
    }
    return n;
}

static size_t match_url(const ts_intel *ti, ts_str q, ts_ioc_hit *out, size_t max)
{
    char buf[TS_IOC_MAX], alt[TS_IOC_MAX + 8];
    size_t len = norm_url(q, buf, sizeof buf);
    if (!len)
        return 0;
    const ts_stab *t = &ti->ioc[TS_IOC_URL];
    const ts_sent *e = ts_stab_find(t, buf, len);
    size_t n = e ? emit(ti, TS_IOC_URL, e, q, 0, out, 0, max) : 0;
    const char *sep = strstr(buf, "://");
    if (sep) {
        /* Indicators without a scheme match any. */
        size_t off = (size_t)(sep - buf) + 3;
        e = ts_stab_find(t, buf + off, len - off);
        return e ? emit(ti, TS_IOC_URL, e, q, 0, out, n, max) : n;
    }
    static const char *const schemes[] = {"http://", "https://"};
    for (size_t i = 0; i < 2; i++) {
        size_t sl = strlen(schemes[i]);
        memcpy(alt, schemes[i], sl);
        memcpy(alt + sl, buf, len);
        e = ts_stab_find(t, alt, sl + len);
        if (e)
            n = emit(ti, TS_IOC_URL, e, q, 0, out, n, max);
    }
    return n;
}

size_t ts_intel_match(const ts_intel *ti, ts_ioc_type type, ts_str value, ts_ioc_hit *out, size_t max)
{
    char buf[TS_IOC_MAX];
    if (!value.p)
        return 0;
    switch (type) {
    case TS_IOC_IP: {
        ts_ip ip;
        uint8_t prefix;
        return ts_ioc_parse_ip(value, &ip, &prefix) ? ts_intel_match_ip(ti, &ip, out, max) : 0;
    }
    case TS_IOC_DOMAIN:
        return match_domain(ti, value, out, max);
    case TS_IOC_URL:
        return match_url(ti, value, out, max);
    case TS_IOC_EMAIL:
    case TS_IOC_MD5:
    case TS_IOC_SHA1:
    case TS_IOC_SHA256:
    case TS_IOC_ASN: {
        size_t n = normalise_raw(type, value, buf, sizeof buf);
        const ts_sent *e = n ? ts_stab_find(&ti->ioc[type], buf, n) : NULL;
        return e ? emit(ti, type, e, value, 0, out, 0, max) : 0;
    }
    default:
        return 0;
    }
}
