/* mail_addr.c: the address an address header names, read from its raw text when GMime
 * cannot parse it. Fraud mail writes From headers no standard allows (`Name,(<a@b.de>)`,
 * `<x@<a@b.nl>`, `Name <a@host>` without a dot, quoted addresses); the text still names
 * the domain the reader is meant to believe. */
#include <string.h>

#include "ingest/mail/mail_int.h"

static bool alnum(char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (unsigned char)c >= 0x80;
}

/* Characters of a local part as senders write them (RFC 5322 atext, and '.'). */
static bool local_char(char c)
{
    return alnum(c) || (c && strchr(".!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Characters a host is written with, malformed ones included ("x,com", "%avisos.com"). */
static bool host_char(char c)
{
    return alnum(c) || c == '.' || c == '-' || c == '_' || c == '%';
}

bool mail_addr_ok(ts_str a)
{
    const char *at = a.n ? memrchr(a.p, '@', a.n) : NULL;
    if (!at || at == a.p || (size_t)(at - a.p) + 1 >= a.n)
        return false;
    bool dot = false;
    for (const char *p = at + 1; p < a.p + a.n; p++) {
        if (*p == '.')
            dot = p > at + 1 && p + 1 < a.p + a.n;
        else if (!(alnum(*p) || *p == '-'))
            return false;
    }
    for (const char *p = a.p; p < at; p++)
        if (!local_char(*p))
            return false;
    return dot;
}

bool mail_addr_scan(ts_str raw, ts_str *addr)
{
    ts_str best = TS_STR_NULL;
    int best_rank = 0;
    for (size_t i = 0; i < raw.n; i++) {
        if (raw.p[i] != '@')
            continue;
        size_t b = i, e = i + 1;
        while (b > 0 && local_char(raw.p[b - 1]))
            b--;
        while (e < raw.n &&
               (host_char(raw.p[e]) || (raw.p[e] == ',' && e + 1 < raw.n && alnum(raw.p[e + 1]) &&
                                        e > i + 1 && raw.p[e - 1] != ' ')))
            e++;
        while (e > i + 1 && (raw.p[e - 1] == '.' || raw.p[e - 1] == '-'))
            e--;
        if (e == i + 1)
            continue; /* "x@<" names no host */
        ts_str cand = ts_str_make(raw.p + b, e - b);
        bool dotted = memchr(raw.p + i + 1, '.', e - i - 1) != NULL;
        /* A well-formed address beats a dotted host with odd characters, which beats a
           bare host ("@correios"); among equals the later one (inside the brackets). */
        int rank = mail_addr_ok(cand) ? 3 : dotted ? 2 : 1;
        if (rank >= best_rank) {
            best = cand;
            best_rank = rank;
        }
    }
    *addr = best;
    return best.n > 0;
}
