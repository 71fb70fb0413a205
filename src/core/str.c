/* str.c: string views, bounded number and time parsing, UTF-8 validation. */
#include "core/str.h"

#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

bool ts_str_ieq(ts_str a, const char *lit)
{
    size_t n = strlen(lit);
    if (a.n != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(a.p[i]) != lower(lit[i]))
            return false;
    return true;
}

bool ts_str_istarts(ts_str a, const char *prefix)
{
    size_t n = strlen(prefix);
    return a.n >= n && ts_str_ieq(ts_str_make(a.p, n), prefix);
}

bool ts_str_iends(ts_str a, const char *suffix)
{
    size_t n = strlen(suffix);
    return a.n >= n && ts_str_ieq(ts_str_make(a.p + a.n - n, n), suffix);
}

static inline bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

ts_str ts_str_trim(ts_str s)
{
    while (s.n && is_space(s.p[0]))
        s.p++, s.n--;
    while (s.n && is_space(s.p[s.n - 1]))
        s.n--;
    return s;
}

bool ts_str_next_item(const char **p, ts_str *item)
{
    if (!*p)
        return false;
    const char *comma = strchr(*p, ',');
    *item = ts_str_trim(ts_str_make(*p, comma ? (size_t)(comma - *p) : strlen(*p)));
    *p = comma ? comma + 1 : NULL;
    return true;
}

bool ts_parse_u64(ts_str s, uint64_t *out)
{
    uint64_t v = 0;
    if (s.n == 0 || s.n > 20)
        return false;
    if (s.n < 20) { /* 19 digits cannot overflow: no check per digit (ports, byte counts, times) */
        for (size_t i = 0; i < s.n; i++) {
            unsigned d = (unsigned char)s.p[i] - '0';
            if (d > 9)
                return false;
            v = v * 10 + d;
        }
        *out = v;
        return true;
    }
    for (size_t i = 0; i < s.n; i++) {
        unsigned d = (unsigned char)s.p[i] - '0';
        if (d > 9 || v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool ts_parse_i64(ts_str s, int64_t *out)
{
    bool neg = s.n && s.p[0] == '-';
    uint64_t v;
    if (neg || (s.n && s.p[0] == '+'))
        s.p++, s.n--;
    if (!ts_parse_u64(s, &v) || v > (uint64_t)INT64_MAX + neg)
        return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* The "C" locale, made once: strtod_l reads with it, so a host program's setlocale() (a
 * comma as the decimal mark) cannot change how a threshold or a log's number is read. */
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;
static void c_locale_make(void)
{
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

static size_t digit_run(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9')
        i++;
    return i;
}

bool ts_parse_double(ts_str s, double *out)
{
    char buf[128], *end;
    size_t i = 0, whole, frac = 0;
    if (s.n == 0 || s.n >= sizeof buf)
        return false;
    /* the grammar is checked here, so strtod's extras (spaces, hex, inf, nan) never pass */
    if (s.p[0] == '-' || s.p[0] == '+')
        i++;
    whole = digit_run(s.p + i, s.n - i);
    i += whole;
    if (i < s.n && s.p[i] == '.') {
        frac = digit_run(s.p + i + 1, s.n - i - 1);
        i += 1 + frac;
    }
    if (whole + frac == 0)
        return false;
    if (i < s.n && (s.p[i] == 'e' || s.p[i] == 'E')) {
        size_t j = i + 1;
        if (j < s.n && (s.p[j] == '-' || s.p[j] == '+'))
            j++;
        size_t exp = digit_run(s.p + j, s.n - j);
        if (exp == 0)
            return false;
        i = j + exp;
    }
    if (i != s.n)
        return false;
    pthread_once(&c_locale_once, c_locale_make);
    if (!c_locale)
        return false;
    memcpy(buf, s.p, s.n);
    buf[s.n] = 0;
    errno = 0;
    double v = strtod_l(buf, &end, c_locale);
    /* ERANGE on underflow gives 0 or a subnormal: kept; on overflow, HUGE_VAL: refused */
    if (end != buf + s.n || (errno == ERANGE && (v > 1 || v < -1)))
        return false;
    *out = v;
    return true;
}

/* Reads up to 9 fraction digits as nanoseconds; extra digits are ignored. */
static bool parse_fraction_ns(const char *p, size_t n, int64_t *ns)
{
    int64_t v = 0;
    size_t i;
    if (n == 0)
        return false;
    for (i = 0; i < n; i++) {
        unsigned d = (unsigned char)p[i] - '0';
        if (d > 9)
            return false;
        if (i < 9)
            v = v * 10 + d;
    }
    for (; i < 9; i++)
        v *= 10;
    *ns = v;
    return true;
}

bool ts_parse_epoch_ns(ts_str s, int64_t *out)
{
    const char *dot = memchr(s.p, '.', s.n);
    int64_t sec, frac = 0;
    size_t ni = dot ? (size_t)(dot - s.p) : s.n;
    if (!ts_parse_i64(ts_str_make(s.p, ni), &sec))
        return false;
    if (dot && !parse_fraction_ns(dot + 1, s.n - ni - 1, &frac))
        return false;
    if (sec > INT64_MAX / 1000000000 - 1 || sec < -(INT64_MAX / 1000000000 - 1))
        return false;
    *out = sec * 1000000000 + (sec < 0 ? -frac : frac);
    return true;
}

static bool digits(const char *p, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned char)p[i] - '0';
        if (d > 9)
            return false;
        v = v * 10 + (int)d;
    }
    *out = v;
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

bool ts_parse_iso8601_ns(ts_str s, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    int64_t frac = 0, offset = 0;
    const char *p = s.p;
    size_t n = s.n, i;
    if (n < 10 || p[4] != '-' || p[7] != '-' || !digits(p, 4, &y) || !digits(p + 5, 2, &mo) ||
        !digits(p + 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31)
        return false;
    i = 10;
    if (i < n && (p[i] == 'T' || p[i] == 't' || p[i] == ' ')) {
        if (n < i + 9 || p[i + 3] != ':' || p[i + 6] != ':' || !digits(p + i + 1, 2, &h) ||
            !digits(p + i + 4, 2, &mi) || !digits(p + i + 7, 2, &sec) || h > 23 || mi > 59 || sec > 60)
            return false;
        i += 9;
        if (i < n && (p[i] == '.' || p[i] == ',')) {
            size_t j = ++i;
            while (j < n && p[j] >= '0' && p[j] <= '9')
                j++;
            if (!parse_fraction_ns(p + i, j - i, &frac))
                return false;
            i = j;
        }
        if (i < n && (p[i] == 'Z' || p[i] == 'z')) {
            i++;
        } else if (i < n && (p[i] == '+' || p[i] == '-')) {
            int oh, om = 0;
            int sign = p[i] == '-' ? -1 : 1;
            if (n < i + 3 || !digits(p + i + 1, 2, &oh))
                return false;
            i += 3;
            if (i < n && p[i] == ':')
                i++;
            if (i + 2 <= n && digits(p + i, 2, &om))
                i += 2;
            offset = sign * ((int64_t)oh * 3600 + om * 60);
        }
    }
    /* int64 nanoseconds span 1677..2262; outside that the time is not representable */
    if (i != n || y < 1678 || y > 2261)
        return false;
    int64_t secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec - offset;
    *out = secs * 1000000000 + frac;
    return true;
}

char *ts_format_time(int64_t ns, char *buf, size_t len)
{
    int64_t secs = ns / 1000000000, frac = ns % 1000000000;
    struct tm tm;
    time_t t;
    if (frac < 0)
        frac += 1000000000, secs--;
    t = (time_t)secs;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, len, "?");
        return buf;
    }
    size_t o = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    if (frac && o < len) {
        char f[11];
        int fl = 9;
        snprintf(f, sizeof f, ".%09lld", (long long)frac);
        while (f[fl] == '0')
            f[fl--] = 0;
        o += (size_t)snprintf(buf + o, len - o, "%s", f);
    }
    if (o < len)
        snprintf(buf + o, len - o, "Z");
    return buf;
}

size_t ts_lower(ts_str s, char *buf, size_t cap)
{
    if (s.n >= cap)
        return 0;
    for (size_t i = 0; i < s.n; i++)
        buf[i] = lower(s.p[i]);
    buf[s.n] = 0;
    return s.n;
}

size_t ts_utf8_cut(ts_str s, size_t max)
{
    if (s.n <= max)
        return s.n;
    size_t n = max;
    /* Back over continuation bytes to the lead byte of the character the cut splits. */
    while (n > 0 && ((unsigned char)s.p[n] & 0xC0) == 0x80)
        n--;
    return n;
}

bool ts_utf8_valid(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        /* overlong forms, surrogates and values past U+10FFFF are invalid */
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

char *ts_strndup(ts_str s)
{
    char *r;
    if (!s.p)
        return NULL;
    r = malloc(s.n + 1);
    if (r) {
        memcpy(r, s.p, s.n);
        r[s.n] = 0;
    }
    return r;
}

char *ts_fmt_alloc(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

bool ts_parse_duration_ns(ts_str s, int64_t *out)
{
    static const struct {
        char unit;
        int64_t seconds;
    } units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 7 * 86400}};
    const int64_t max_s = 100LL * 366 * 86400;
    if (s.n < 2)
        return false;
    uint64_t v;
    if (!ts_parse_u64((ts_str){s.p, s.n - 1}, &v) || v == 0 || v > (uint64_t)max_s)
        return false;
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (s.p[s.n - 1] == units[i].unit) {
            if ((int64_t)v > max_s / units[i].seconds)
                return false;
            *out = (int64_t)v * units[i].seconds * 1000000000LL;
            return true;
        }
    return false;
}

const char *ts_fmt_pct(double p, int decimals, char *buf, size_t cap)
{
    double edge = decimals ? 0.0005 : 0.005;
    if (p < edge) /* a model is never sure: 0 and 1 are said as bounds too */
        snprintf(buf, cap, "<%s%%", decimals ? "0.1" : "1");
    else if (p > 1 - edge)
        snprintf(buf, cap, ">%s%%", decimals ? "99.9" : "99");
    else
        snprintf(buf, cap, "%.*f%%", decimals, p * 100);
    return buf;
}
