/* out.c: the simulator's PRNG helpers, calendar arithmetic, buffered output files and
 * the fast number and time formatters its hot path uses instead of printf. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "simulate/sim.h"

void sim_rng_seed(sim_rng *r, uint64_t seed)
{
    /* splitmix64 stream, as the xoshiro authors recommend; never all zero */
    for (int i = 0; i < 4; i++) {
        seed += 0x9e3779b97f4a7c15ULL;
        r->s[i] = sim_mix(seed);
    }
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
        r->s[0] = 1;
}

double sim_expo(sim_rng *r, double mean)
{
    return -log(1.0 - sim_unit(r)) * mean;
}

double sim_lognorm(sim_rng *r, double median, double sigma)
{
    /* Box-Muller; one value per call keeps the stream simple */
    double u1 = 1.0 - sim_unit(r), u2 = sim_unit(r);
    double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
    return median * exp(sigma * z);
}

uint32_t sim_zipf(sim_rng *r, uint32_t n)
{
    /* inverse of a continuous 1/x density over [1, n+1): cheap and heavy-headed */
    double x = exp(sim_unit(r) * log((double)n + 1.0)) - 1.0;
    uint32_t i = (uint32_t)x;
    return i < n ? i : n - 1;
}

/* ---------------------------------------------------------------- calendar */

int64_t sim_days_of(int y, unsigned mo, unsigned d)
{
    /* days from civil (proleptic Gregorian), era-based so it is exact for any year */
    y -= mo <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void sim_civil_of(int64_t us, sim_civil *c)
{
    int64_t days = us >= 0 ? us / SIM_DAY : -((-us + SIM_DAY - 1) / SIM_DAY);
    int64_t rem = us - days * SIM_DAY;
    c->us = (unsigned)(rem % SIM_US);
    int64_t sec = rem / SIM_US;
    c->h = (unsigned)(sec / 3600);
    c->mi = (unsigned)(sec / 60 % 60);
    c->s = (unsigned)(sec % 60);
    c->wday = (unsigned)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    c->d = doy - (153 * mp + 2) / 5 + 1;
    c->mo = mp < 10 ? mp + 3 : mp - 9;
    c->y = (int)(yoe + era * 400) + (c->mo <= 2);
}

static bool digits(const char *s, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return true;
}

bool sim_parse_date(const char *s, int64_t *us)
{
    unsigned y, mo, d;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) || !digits(s + 5, 2, &mo) ||
        !digits(s + 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1971 || y > 2200)
        return false;
    int64_t days = sim_days_of((int)y, mo, d);
    sim_civil c;
    sim_civil_of(days * SIM_DAY, &c);
    if (c.d != d) /* 2014-02-30 */
        return false;
    *us = days * SIM_DAY;
    return true;
}

/* ---------------------------------------------------------------- output files */

static bool mkdirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        int rc = mkdir(path, 0755);
        *p = '/';
        if (rc != 0 && errno != EEXIST)
            return false;
    }
    return true;
}

bool sim_out_open(sim_out *o, const char *dir, const char *rel, size_t cap)
{
    char path[4096];
    memset(o, 0, sizeof *o);
    o->fd = -1;
    snprintf(o->rel, sizeof o->rel, "%s", rel);
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, rel) >= sizeof path)
        return false;
    if (!mkdirs(path))
        return false;
    o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (o->fd < 0)
        return false;
    o->buf = malloc(cap);
    if (!o->buf) {
        close(o->fd);
        o->fd = -1;
        return false;
    }
    o->cap = cap;
    return true;
}

void sim_out_write_through(sim_out *o, const char *s, size_t n)
{
    while (n && !o->failed) {
        ssize_t w = write(o->fd, s, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            o->failed = errno ? errno : EIO;
            return;
        }
        s += w;
        n -= (size_t)w;
        o->bytes += (uint64_t)w;
    }
}

void sim_out_flush(sim_out *o)
{
    size_t n = o->n;
    o->n = 0;
    if (o->fd >= 0)
        sim_out_write_through(o, o->buf, n);
}

bool sim_out_discard(sim_out *o, const char *rel)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
    snprintf(o->rel, sizeof o->rel, "%s", rel);
    o->cap = 4096;
    o->buf = malloc(o->cap);
    return o->buf != NULL;
}

bool sim_out_close(sim_out *o)
{
    if (o->fd < 0) {
        free(o->buf);
        o->buf = NULL;
        return true;
    }
    sim_out_flush(o);
    if (close(o->fd) != 0 && !o->failed)
        o->failed = errno;
    o->fd = -1;
    free(o->buf);
    o->buf = NULL;
    return o->failed == 0;
}

/* ---------------------------------------------------------------- formatters */

static const char two[] = "00010203040506070809101112131415161718192021222324252627282930313233343536"
                          "37383940414243444546474849505152535455565758596061626364656667686970717273"
                          "7475767778798081828384858687888990919293949596979899";

static inline void put2(char *p, unsigned v)
{
    memcpy(p, two + 2 * v, 2);
}

size_t sim_fmt_u64(char *buf, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    size_t n = sizeof tmp - i;
    memcpy(buf, tmp + i, n);
    buf[n] = 0;
    return n;
}

void sim_put_u64(sim_out *o, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    while (v >= 100) {
        i -= 2;
        put2(tmp + i, (unsigned)(v % 100));
        v /= 100;
    }
    if (v >= 10) {
        i -= 2;
        put2(tmp + i, (unsigned)v);
    } else {
        tmp[--i] = (char)('0' + v);
    }
    sim_put(o, tmp + i, sizeof tmp - i);
}

void sim_put_i64(sim_out *o, int64_t v)
{
    if (v < 0) {
        sim_putc(o, '-');
        sim_put_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        sim_put_u64(o, (uint64_t)v);
    }
}

void sim_put_hex(sim_out *o, uint64_t v, int width, bool upper)
{
    const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[16];
    int i = 16;
    do {
        tmp[--i] = dig[v & 15];
        v >>= 4;
    } while (v && i > 0);
    while (16 - i < width && i > 0)
        tmp[--i] = '0';
    sim_put(o, tmp + i, (size_t)(16 - i));
}

size_t sim_fmt_ip4(char *buf, uint32_t ip)
{
    size_t n = 0;
    for (int k = 3; k >= 0; k--) {
        n += sim_fmt_u64(buf + n, (ip >> (8 * k)) & 255);
        if (k)
            buf[n++] = '.';
    }
    buf[n] = 0;
    return n;
}

void sim_put_ip4(sim_out *o, uint32_t ip)
{
    char b[16];
    size_t n = 0;
    for (int k = 3; k >= 0; k--) {
        unsigned v = (ip >> (8 * k)) & 255;
        if (v >= 100) {
            b[n++] = (char)('0' + v / 100);
            put2(b + n, v % 100);
            n += 2;
        } else if (v >= 10) {
            put2(b + n, v);
            n += 2;
        } else {
            b[n++] = (char)('0' + v);
        }
        b[n++] = '.';
    }
    sim_put(o, b, n - 1);
}

void sim_put_jstrn(sim_out *o, const char *s, size_t n)
{
    sim_putc(o, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        sim_put(o, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"':
            SIM_PUTL(o, "\\\"");
            break;
        case '\\':
            SIM_PUTL(o, "\\\\");
            break;
        case '\n':
            SIM_PUTL(o, "\\n");
            break;
        case '\r':
            SIM_PUTL(o, "\\r");
            break;
        case '\t':
            SIM_PUTL(o, "\\t");
            break;
        default:
            SIM_PUTL(o, "\\u00");
            sim_put_hex(o, c, 2, false);
        }
    }
    sim_put(o, s + run, n - run);
    sim_putc(o, '"');
}

void sim_put_jstr(sim_out *o, const char *s)
{
    sim_put_jstrn(o, s, strlen(s));
}

/* "YYYY-MM-DD" + sep + "HH:MM:SS" into p (19 bytes) */
static void put_datetime(char *p, const sim_civil *c, char sep)
{
    put2(p, (unsigned)(c->y / 100));
    put2(p + 2, (unsigned)(c->y % 100));
    p[4] = '-';
    put2(p + 5, c->mo);
    p[7] = '-';
    put2(p + 8, c->d);
    p[10] = sep;
    put2(p + 11, c->h);
    p[13] = ':';
    put2(p + 14, c->mi);
    p[16] = ':';
    put2(p + 17, c->s);
}

/* the leading digitsn digits of a 6-digit microsecond fraction */
static void put_frac(char *p, unsigned us, int digitsn)
{
    for (int k = digitsn; k < 6; k++)
        us /= 10;
    for (int i = digitsn - 1; i >= 0; i--) {
        p[i] = (char)('0' + us % 10);
        us /= 10;
    }
}

/* "2014-11-24T08:00:00.123456" with the date-time separator sep, digits of the fraction
 * (3 or 6), then zone as written ("Z", "+0000", "" for none). */
static void put_stamp(sim_out *o, int64_t us, char sep, int digits, const char *zone)
{
    char b[40];
    sim_civil c;
    size_t zl = strlen(zone);
    sim_civil_of(us, &c);
    put_datetime(b, &c, sep);
    b[19] = '.';
    put_frac(b + 20, c.us, digits);
    memcpy(b + 20 + digits, zone, zl);
    sim_put(o, b, 20 + (size_t)digits + zl);
}

void sim_put_iso(sim_out *o, int64_t us)
{
    put_stamp(o, us, 'T', 6, "Z");
}

void sim_put_sysmon_time(sim_out *o, int64_t us)
{
    put_stamp(o, us, ' ', 3, "");
}

void sim_put_epoch(sim_out *o, int64_t us)
{
    char b[8];
    sim_put_i64(o, us / SIM_US);
    b[0] = '.';
    put_frac(b + 1, (unsigned)(us % SIM_US), 6);
    sim_put(o, b, 7);
}

void sim_put_eve_time(sim_out *o, int64_t us)
{
    put_stamp(o, us, 'T', 6, "+0000");
}

void sim_put_rfc3339(sim_out *o, int64_t us)
{
    put_stamp(o, us, 'T', 6, "+00:00");
}

static const char wdays[] = "SunMonTueWedThuFriSat";
static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

void sim_put_rfc5322(sim_out *o, int64_t us, int off_min)
{
    char b[40];
    sim_civil c;
    sim_civil_of(us + (int64_t)off_min * SIM_MIN, &c);
    memcpy(b, wdays + 3 * c.wday, 3);
    b[3] = ',';
    b[4] = ' ';
    put2(b + 5, c.d);
    b[7] = ' ';
    memcpy(b + 8, months + 3 * (c.mo - 1), 3);
    b[11] = ' ';
    put2(b + 12, (unsigned)(c.y / 100));
    put2(b + 14, (unsigned)(c.y % 100));
    b[16] = ' ';
    put2(b + 17, c.h);
    b[19] = ':';
    put2(b + 20, c.mi);
    b[22] = ':';
    put2(b + 23, c.s);
    b[25] = ' ';
    int a = off_min < 0 ? -off_min : off_min;
    b[26] = off_min < 0 ? '-' : '+';
    put2(b + 27, (unsigned)(a / 60));
    put2(b + 29, (unsigned)(a % 60));
    sim_put(o, b, 31);
}

void sim_put_asctime(sim_out *o, int64_t us)
{
    char b[32];
    sim_civil c;
    sim_civil_of(us, &c);
    memcpy(b, wdays + 3 * c.wday, 3);
    b[3] = ' ';
    memcpy(b + 4, months + 3 * (c.mo - 1), 3);
    b[7] = ' ';
    b[8] = c.d < 10 ? ' ' : (char)('0' + c.d / 10);
    b[9] = (char)('0' + c.d % 10);
    b[10] = ' ';
    put2(b + 11, c.h);
    b[13] = ':';
    put2(b + 14, c.mi);
    b[16] = ':';
    put2(b + 17, c.s);
    b[19] = ' ';
    put2(b + 20, (unsigned)(c.y / 100));
    put2(b + 22, (unsigned)(c.y % 100));
    sim_put(o, b, 24);
}
