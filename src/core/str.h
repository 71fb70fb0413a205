/* str.h: borrowed string views and length-bounded parsing helpers for outside input. */
#ifndef TS_STR_H
#define TS_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A view into someone else's bytes; not NUL-terminated. The owner is named at each use. */
typedef struct ts_str {
    const char *p;
    size_t n;
} ts_str;

#define TS_STR_NULL ((ts_str){NULL, 0})
#define TS_STR_LIT(s) ((ts_str){(s), sizeof(s) - 1})

static inline ts_str ts_str_make(const char *p, size_t n)
{
    return (ts_str){p, n};
}
static inline ts_str ts_str_c(const char *s)
{
    return (ts_str){s, s ? strlen(s) : 0};
}
static inline bool ts_str_empty(ts_str s)
{
    return s.n == 0;
}
static inline bool ts_str_eq(ts_str a, const char *lit)
{
    size_t n = strlen(lit);
    return a.n == n && memcmp(a.p, lit, n) == 0;
}
bool ts_str_ieq(ts_str a, const char *lit);        /* ASCII case-insensitive */
bool ts_str_istarts(ts_str a, const char *prefix); /* ASCII case-insensitive */
bool ts_str_iends(ts_str a, const char *suffix);   /* ASCII case-insensitive */
ts_str ts_str_trim(ts_str s);                      /* strips ASCII white space */
/* The next item of a comma-separated list at *p, trimmed (possibly empty); *p moves past
 * it, to NULL after the last. False when *p is NULL (the list is done). */
bool ts_str_next_item(const char **p, ts_str *item);

/* Bounded number parsing: the whole view must be the number (no sign for unsigned).
 * Return false on empty input, junk or overflow. */
bool ts_parse_u64(ts_str s, uint64_t *out);
bool ts_parse_i64(ts_str s, int64_t *out);
/* A decimal number ("-12", "3.5", ".5", "5.", "2.5e-3") whatever the locale: the point is
 * the decimal mark even when LC_NUMERIC says a comma. The whole view must be the number: no
 * white space, hex, "inf" or "nan". False on junk, on overflow and past 127 bytes. */
bool ts_parse_double(ts_str s, double *out);
/* "90s", "15m", "12h", "7d", "2w" (a positive whole number and one unit, at most 100 years) to
 * nanoseconds; false for anything else. */
bool ts_parse_duration_ns(ts_str s, int64_t *out);
/* "1521061200.123456" (seconds with up to 9 decimals) to nanoseconds. */
bool ts_parse_epoch_ns(ts_str s, int64_t *out);
/* RFC 3339 / ISO 8601 "2014-11-24T08:12:00.123Z", "+01:00" offsets, space for T, and
 * "2014-11-24 08:12:00.123" (UTC assumed) to nanoseconds since the epoch. */
bool ts_parse_iso8601_ns(ts_str s, int64_t *out);
/* Writes an ISO 8601 UTC time "2014-11-24T08:12:00.123456789Z" (trailing zeros of the
 * fraction dropped) into buf (>= 32 bytes); returns buf. */
char *ts_format_time(int64_t ns, char *buf, size_t len);

/* Lower-cases ASCII letters of s into buf (cap bytes); returns the length, or 0 if it
 * does not fit. */
size_t ts_lower(ts_str s, char *buf, size_t cap);

/* Checks that s is valid UTF-8. */
bool ts_utf8_valid(const char *p, size_t n);
/* The length of the longest prefix of s of at most max bytes that does not end inside a
 * UTF-8 character: where a title or stored string may be cut. */
size_t ts_utf8_cut(ts_str s, size_t max);
/* s as the two arguments of printf's "%.*s", at most max bytes and cut where no UTF-8
 * character is split; a NULL view prints as "". For titles and keys built from event
 * fields: ts_fmt_alloc("on %.*s", TS_STR_CUT(ev->host, 160)). s is evaluated twice. */
#define TS_STR_CUT(s, max) (int)ts_utf8_cut((s), (max)), ts_str_or_empty(s)
static inline const char *ts_str_or_empty(ts_str s)
{
    return s.p ? s.p : "";
}

/* A malloc'ed NUL-terminated copy of s (NULL on allocation failure or NULL s.p). */
char *ts_strndup(ts_str s);

/* A probability as a percentage with the given decimals (0 or 1) into buf (16 bytes do):
 * "87%", and "<1%" or ">99%" (with one decimal "<0.1%", ">99.9%") rather than a 0 or 100
 * that the words beside it ("almost certainly") would contradict. Returns buf. */
const char *ts_fmt_pct(double p, int decimals, char *buf, size_t cap);

/* A malloc'ed printf-formatted string; NULL on allocation failure. */
char *ts_fmt_alloc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
