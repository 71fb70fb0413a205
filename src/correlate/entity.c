/* entity.c: normalised keys for hosts and accounts (see entity.h). */
#include "correlate/entity.h"

#include <stdio.h>
#include <string.h>

/* Accounts that exist on every machine: sharing one says nothing about an incident. */
static const char *const builtin_users[] = {
    "system",
    "localsystem",
    "local service",
    "localservice",
    "network service",
    "networkservice",
    "anonymous logon",
    "root",
    "nobody",
    "guest",
    "n/a",
    "unknown",
    "-",
    NULL,
};

static const char *const anonymous_hosts[] = {"-", "localhost", "unknown", "n/a", NULL};

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool in_list(const char *s, size_t n, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strlen(list[i]) == n && memcmp(list[i], s, n) == 0)
            return true;
    return false;
}

/* Writes prefix + s[0..n) lower-cased into buf; 0 if it does not fit. */
static size_t put_key(const char *prefix, const char *s, size_t n, char *buf, size_t cap)
{
    size_t p = strlen(prefix);
    if (n == 0 || p + n + 1 > cap)
        return 0;
    memcpy(buf, prefix, p);
    for (size_t i = 0; i < n; i++)
        buf[p + i] = lower(s[i]);
    buf[p + n] = '\0';
    return p + n;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trims white space from both ends of s[0..*n); returns the new start. */
static const char *trim(const char *s, size_t *n)
{
    while (*n && is_space(*s)) {
        s++;
        (*n)--;
    }
    while (*n && is_space(s[*n - 1]))
        (*n)--;
    return s;
}

/* Loopback and the unspecified address name "this machine", whichever it is. */
static bool is_local(const ts_ip *ip)
{
    static const uint8_t zero[16];
    if (ip->v == 4)
        return ip->b[0] == 127 || memcmp(ip->b, zero, 4) == 0;
    return memcmp(ip->b, zero, 15) == 0 && (ip->b[15] == 0 || ip->b[15] == 1);
}

size_t ts_entity_ip_key(const ts_ip *ip, char *buf, size_t cap)
{
    char tmp[TS_IP_STRLEN];
    if (!ip || !ts_ip_set(ip) || is_local(ip))
        return 0;
    ts_ip_format(ip, tmp);
    return put_key("h:", tmp, strlen(tmp), buf, cap);
}

size_t ts_entity_host_key(const char *name, char *buf, size_t cap)
{
    if (!name)
        return 0;
    size_t n = strlen(name);
    const char *s = trim(name, &n);
    while (n && *s == '\\') {
        s++;
        n--;
    }
    while (n && s[n - 1] == '.')
        n--;
    ts_ip ip;
    if (ts_ip_parse(ts_str_make(s, n), &ip))
        return ts_entity_ip_key(&ip, buf, cap);
    const char *dot = memchr(s, '.', n);
    if (dot)
        n = (size_t)(dot - s);
    char low[TS_ENTITY_KEY_MAX];
    if (n == 0 || n >= sizeof low)
        return 0;
    for (size_t i = 0; i < n; i++)
        low[i] = lower(s[i]);
    if (in_list(low, n, anonymous_hosts))
        return 0;
    return put_key("h:", s, n, buf, cap);
}

size_t ts_entity_user_key(const char *user, char *buf, size_t cap)
{
    if (!user)
        return 0;
    size_t n = strlen(user);
    const char *s = trim(user, &n);
    const char *bs = NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\\')
            bs = s + i;
    if (bs) {
        n -= (size_t)(bs + 1 - s);
        s = bs + 1;
    }
    const char *at = memchr(s, '@', n);
    if (at)
        n = (size_t)(at - s);
    if (n > 1 && s[n - 1] == '$') {
        char host[TS_ENTITY_KEY_MAX];
        if (n >= sizeof host)
            return 0;
        memcpy(host, s, n - 1);
        host[n - 1] = '\0';
        return ts_entity_host_key(host, buf, cap);
    }
    char low[TS_ENTITY_KEY_MAX];
    if (n == 0 || n >= sizeof low)
        return 0;
    for (size_t i = 0; i < n; i++)
        low[i] = lower(s[i]);
    if (in_list(low, n, builtin_users))
        return 0;
    return put_key("u:", s, n, buf, cap);
}
