/* suppress.c: matching the analyst's suppressions against alerts, and reading expiries. */
#include "correlate/suppress.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void ts_suppression_clear(ts_suppression *r)
{
    free(r->detector), free(r->rule), free(r->host), free(r->user), free(r->ip);
    free(r->indicator), free(r->field), free(r->value), free(r->reason);
    memset(r, 0, sizeof *r);
}

static const char *direction_name(ts_direction d)
{
    switch (d) {
    case TS_DIR_INBOUND:
        return "inbound";
    case TS_DIR_OUTBOUND:
        return "outbound";
    case TS_DIR_INTERNAL:
        return "internal";
    case TS_DIR_UNKNOWN:
        break;
    }
    return NULL;
}

/* The fields --field can test, by their names in the JSON output. buf holds a formatted
 * address or number. NULL: the alert has no such value. */
static const char *field_of(const ts_alert *a, const char *name, char *buf, size_t cap)
{
    if (strcmp(name, "key") == 0)
        return a->key;
    if (strcmp(name, "title") == 0)
        return a->title;
    if (strcmp(name, "techniques") == 0)
        return a->techniques;
    if (strcmp(name, "internal_host") == 0)
        return a->internal_host;
    if (strcmp(name, "user") == 0)
        return a->user;
    if (strcmp(name, "remote_name") == 0)
        return a->remote_name;
    if (strcmp(name, "remote_cc") == 0)
        return a->remote_geo.cc[0] ? a->remote_geo.cc : NULL;
    if (strcmp(name, "direction") == 0)
        return direction_name(a->direction);
    if (strcmp(name, "observed") == 0)
        return a->observed;
    if (strcmp(name, "dataset") == 0)
        return a->dataset;
    if (strcmp(name, "file") == 0)
        return a->file;
    if (strcmp(name, "ioc_value") == 0)
        return a->ioc_value;
    if (strcmp(name, "internal_ip") == 0 || strcmp(name, "remote_ip") == 0) {
        const ts_ip *ip = name[0] == 'i' ? &a->internal_ip : &a->remote_ip;
        return ts_ip_set(ip) && cap >= TS_IP_STRLEN ? ts_ip_format(ip, buf) : NULL;
    }
    if (strcmp(name, "remote_asn") == 0) {
        if (!a->remote_geo.asn)
            return NULL;
        snprintf(buf, cap, "%u", (unsigned)a->remote_geo.asn);
        return buf;
    }
    return NULL;
}

int ts_suppress_field_ok(const char *name)
{
    static const char *const names[] = {"key",         "title",       "techniques", "internal_host",
                                        "user",        "remote_name", "remote_cc",  "direction",
                                        "observed",    "dataset",     "file",       "ioc_value",
                                        "internal_ip", "remote_ip",   "remote_asn"};
    for (size_t i = 0; name && i < sizeof names / sizeof *names; i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

int ts_suppression_valid(const ts_suppression *r)
{
    if ((r->field != NULL) != (r->value != NULL) || (r->field && !ts_suppress_field_ok(r->field)))
        return 0;
    return r->detector || r->rule || r->host || r->user || r->ip || r->indicator || r->field;
}

static int glob(const char *pattern, const char *s)
{
    return s && fnmatch(pattern, s, FNM_CASEFOLD) == 0;
}

/* An address against "10.0.0.0/24", "10.0.0.5" or a glob of its text. */
static int ip_matches(const char *pattern, const ts_ip *ip)
{
    ts_ip net;
    uint8_t prefix;
    char buf[TS_IP_STRLEN];
    if (!ts_ip_set(ip))
        return 0;
    if (ts_cidr_parse(ts_str_make(pattern, strlen(pattern)), &net, &prefix)) {
        if (net.v != ip->v)
            return 0;
        unsigned full = prefix / 8u, rest = prefix % 8u;
        if (memcmp(net.b, ip->b, full) != 0)
            return 0;
        return !rest || ((net.b[full] ^ ip->b[full]) & (uint8_t)(0xff00u >> rest)) == 0;
    }
    return glob(pattern, ts_ip_format(ip, buf));
}

/* "alice" matches the account "alice", "CORP\alice" and "alice@corp.example". */
static int user_matches(const char *pattern, const char *user)
{
    if (!user)
        return 0;
    if (glob(pattern, user))
        return 1;
    const char *slash = strrchr(user, '\\');
    if (slash && glob(pattern, slash + 1))
        return 1;
    const char *at = strchr(user, '@');
    if (at && (size_t)(at - user) < 256) {
        char local[256];
        memcpy(local, user, (size_t)(at - user));
        local[at - user] = 0;
        return glob(pattern, local);
    }
    return 0;
}

/* A Sigma alert is keyed "sigma|RULE-ID|host" and titled "Sigma LEVEL: TITLE[ on HOST]". */
static int rule_matches(const char *rule, const ts_alert *a)
{
    if (a->key && strncmp(a->key, "sigma|", 6) == 0) {
        const char *id = a->key + 6, *end = strchr(id, '|');
        size_t n = end ? (size_t)(end - id) : strlen(id);
        if (strlen(rule) == n && strncasecmp(id, rule, n) == 0)
            return 1;
    }
    if (!a->title)
        return 0;
    const char *t = strstr(a->title, ": ");
    t = t ? t + 2 : a->title;
    size_t n = strlen(rule);
    if (strncasecmp(t, rule, n) == 0 && (t[n] == 0 || strncmp(t + n, " on ", 4) == 0))
        return 1;
    return glob(rule, t);
}

static int indicator_matches(const char *pattern, const ts_alert *a)
{
    return glob(pattern, a->ioc_value) || glob(pattern, a->observed) || glob(pattern, a->remote_name) ||
           ip_matches(pattern, &a->remote_ip);
}

int ts_suppression_matches(const ts_suppression *r, const ts_alert *a)
{
    char buf[64];
    if (r->detector && !glob(r->detector, a->detector))
        return 0;
    if (r->rule && !rule_matches(r->rule, a))
        return 0;
    if (r->host && !glob(r->host, a->internal_host) && !ip_matches(r->host, &a->internal_ip))
        return 0;
    if (r->user && !user_matches(r->user, a->user))
        return 0;
    if (r->ip && !ip_matches(r->ip, &a->internal_ip) && !ip_matches(r->ip, &a->remote_ip))
        return 0;
    if (r->indicator && !indicator_matches(r->indicator, a))
        return 0;
    if (r->field && !glob(r->value ? r->value : "", field_of(a, r->field, buf, sizeof buf)))
        return 0;
    return ts_suppression_valid(r);
}

void ts_suppression_describe(const ts_suppression *r, char *buf, size_t cap)
{
    const struct {
        const char *name, *v;
    } c[] = {
        {"detector", r->detector}, {"rule", r->rule}, {"host", r->host},
        {"user", r->user},         {"ip", r->ip},     {"indicator", r->indicator},
        {r->field, r->value},
    };
    size_t used = 0;
    if (cap)
        buf[0] = 0;
    for (size_t i = 0; i < sizeof c / sizeof *c && used < cap; i++) {
        if (!c[i].name || !c[i].v)
            continue;
        int w = snprintf(buf + used, cap - used, "%s%s = %s", used ? ", " : "", c[i].name, c[i].v);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

size_t ts_suppress_incident(const ts_suppression *rules, size_t n, ts_incident *inc)
{
    size_t marked = 0;
    int oom = 0;
    uint8_t severity = 0;
    for (size_t i = 0; i < inc->n_alerts; i++) {
        ts_alert *a = inc->alerts[i];
        for (size_t k = 0; !a->suppressed && !a->suppression && k < n; k++) {
            if (!ts_suppression_matches(&rules[k], a))
                continue;
            char what[512], *note = NULL;
            ts_suppression_describe(&rules[k], what, sizeof what);
            size_t len = strlen(what) + strlen(rules[k].reason ? rules[k].reason : "") + 3;
            if ((note = malloc(len)) != NULL)
                snprintf(note, len, "%s: %s", what, rules[k].reason ? rules[k].reason : "");
            else
                oom = 1; /* marked without its note: the id still names the rule */
            a->suppression = rules[k].id;
            a->suppression_note = note;
            marked++;
        }
        if (!a->suppression && !a->suppressed && a->severity > severity)
            severity = a->severity;
    }
    inc->severity = severity;
    return oom ? (size_t)-1 : marked;
}

int ts_suppress_field_parse(const char *s, size_t n, char **name, char **value)
{
    *name = *value = NULL;
    const char *eq = s ? memchr(s, '=', n) : NULL;
    if (!eq || eq == s || (size_t)(eq - s) >= 32 || eq + 1 == s + n || memchr(s, 0, n))
        return -1;
    char field[32];
    memcpy(field, s, (size_t)(eq - s));
    field[eq - s] = 0;
    if (!ts_suppress_field_ok(field))
        return -1;
    *name = strdup(field);
    *value = strndup(eq + 1, (size_t)(s + n - eq - 1));
    if (!*name || !*value) {
        free(*name), free(*value);
        *name = *value = NULL;
        return -2;
    }
    return 0;
}

/* Reads exactly n digits at *p into *v. */
static int digits(const char **p, const char *end, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (*p >= end || **p < '0' || **p > '9')
            return -1;
        *v = *v * 10 + (**p - '0');
    }
    return 0;
}

static int parse_date(const char *p, const char *end, int64_t *out_ns)
{
    struct tm tm = {0};
    int y, mo, d, h = 23, mi = 59, s = 59;
    if (digits(&p, end, 4, &y) || p >= end || *p++ != '-' || digits(&p, end, 2, &mo) || p >= end ||
        *p++ != '-' || digits(&p, end, 2, &d))
        return -1;
    if (p < end) { /* a time of day, in UTC */
        if (*p != 'T' && *p != ' ')
            return -1;
        p++;
        s = 0;
        if (digits(&p, end, 2, &h) || p >= end || *p++ != ':' || digits(&p, end, 2, &mi))
            return -1;
        if (p < end && *p == ':' && (p++, digits(&p, end, 2, &s)))
            return -1;
        if (p < end && *p == 'Z')
            p++;
        if (p != end)
            return -1;
    }
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    /* nanoseconds since 1970 in an int64_t run out in 2262 */
    if (y < 1970 || y > 2261 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
        s > 60)
        return -1;
    tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
    tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = s;
    time_t t = timegm(&tm);
    if (t == (time_t)-1 || tm.tm_mday != d) /* 2027-02-30 rolls over into March */
        return -1;
    *out_ns = (int64_t)t * 1000000000LL + (h == 23 && mi == 59 && s == 59 ? 999999999LL : 0);
    return 0;
}

int ts_expiry_parse(const char *s, size_t n, int64_t now_ns, int64_t *out_ns)
{
    const char *end = s + n;
    int64_t at;
    if (!s || n == 0 || n > 32)
        return -1;
    if (n >= 10 && s[4] == '-') {
        if (parse_date(s, end, &at))
            return -1;
    } else {
        int64_t dur;
        if (!ts_parse_duration_ns((ts_str){s, n}, &dur))
            return -1;
        at = now_ns + dur;
    }
    if (at <= now_ns)
        return -1;
    *out_ns = at;
    return 0;
}
