/* phish_domain.c: registrable names, edit distance, homoglyph skeletons and punycode for
 * the phishing detector's look-alike checks. */
#include <libpsl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/hash.h"
#include "detect/phishing/phish_int.h"

/* Not TS_HASH_SEED (a digit short of FNV's basis): the saved sets of link domains and staff
 * hold hashes from this seed, and a new one would make every saved name look unseen. */
#define PHISH_SEED 1469598103934665603ULL

uint64_t phish_hash(ts_str s)
{
    return ts_hash_fold(PHISH_SEED, s.p, s.n);
}

/* The Public Suffix List as Debian ships it (/usr/share/publicsuffix, read by libpsl),
 * else the copy built into libpsl: "eu.com" and "sa.com" are suffixes, "co.ua" too. */
static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *psl;
static void psl_start(void)
{
    psl = psl_latest(NULL);
    if (!psl)
        psl = psl_builtin();
}

size_t phish_registrable(ts_str host, char *out)
{
    char low[PHISH_NAME_MAX];
    ts_str h = ts_str_trim(host);
    while (h.n && h.p[h.n - 1] == '.')
        h.n--;
    size_t n = h.n ? ts_lower(h, low, sizeof low) : 0;
    if (!n)
        return 0;
    low[n] = 0;
    bool digits = true;
    for (size_t i = 0; i < n; i++) {
        if (!((low[i] >= '0' && low[i] <= '9') || low[i] == '.'))
            digits = false;
        if (low[i] == 0)
            return 0;
    }
    if (digits || memchr(low, ':', n) || low[0] == '[' || low[0] == '.' || !memchr(low, '.', n))
        return 0;
    pthread_once(&psl_once, psl_start);
    const char *reg = psl ? psl_registrable_domain(psl, low) : NULL;
    if (!reg) {
        /* A suffix itself ("co.uk") or no list: the last two labels. */
        const char *dot = memrchr(low, '.', n);
        const char *prev = dot && dot > low ? memrchr(low, '.', (size_t)(dot - low)) : NULL;
        reg = prev ? prev + 1 : low;
    }
    size_t rn = strlen(reg);
    memmove(out, reg, rn);
    out[rn] = 0;
    return rn;
}

ts_str phish_label(ts_str reg)
{
    const char *dot = phish_chr(reg, '.');
    return dot ? ts_str_make(reg.p, (size_t)(dot - reg.p)) : reg;
}

unsigned phish_distance(ts_str a, ts_str b, unsigned limit)
{
    if (a.n > 63 || b.n > 63)
        return limit + 1;
    size_t diff = a.n > b.n ? a.n - b.n : b.n - a.n;
    if (diff > limit)
        return limit + 1;
    unsigned d[64][64];
    for (size_t i = 0; i <= a.n; i++)
        d[i][0] = (unsigned)i;
    for (size_t j = 0; j <= b.n; j++)
        d[0][j] = (unsigned)j;
    for (size_t i = 1; i <= a.n; i++) {
        unsigned row_min = limit + 1;
        for (size_t j = 1; j <= b.n; j++) {
            unsigned cost = a.p[i - 1] != b.p[j - 1];
            unsigned v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a.p[i - 1] == b.p[j - 2] && a.p[i - 2] == b.p[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
            if (v < row_min)
                row_min = v;
        }
        if (row_min > limit)
            return limit + 1;
    }
    return d[a.n][b.n] > limit ? limit + 1 : d[a.n][b.n];
}

int phish_punycode(ts_str in, uint32_t *cp, size_t cap)
{
    enum { BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700 };
    size_t out = 0, b = 0;
    for (size_t j = 0; j < in.n; j++)
        if (in.p[j] == '-')
            b = j;
    if (b > cap)
        return -1;
    for (size_t j = 0; j < b; j++) {
        if ((unsigned char)in.p[j] >= 0x80)
            return -1;
        cp[out++] = (unsigned char)in.p[j];
    }
    uint32_t n = 128, bias = 72, i = 0;
    for (size_t k = b ? b + 1 : 0; k < in.n;) {
        uint32_t oldi = i, w = 1;
        for (uint32_t t = BASE;; t += BASE) {
            if (k >= in.n)
                return -1;
            char c = in.p[k++];
            uint32_t digit = c >= '0' && c <= '9'   ? (uint32_t)(c - '0' + 26)
                             : c >= 'a' && c <= 'z' ? (uint32_t)(c - 'a')
                             : c >= 'A' && c <= 'Z' ? (uint32_t)(c - 'A')
                                                    : BASE;
            if (digit >= BASE || digit > (UINT32_MAX - i) / w)
                return -1;
            i += digit * w;
            uint32_t th = t <= bias ? TMIN : t >= bias + TMAX ? TMAX : t - bias;
            if (digit < th)
                break;
            if (w > UINT32_MAX / (BASE - th))
                return -1;
            w *= BASE - th;
        }
        /* bias adaptation (RFC 3492 section 6.1) */
        uint32_t delta = out == 0 && oldi == 0 ? (i - oldi) / DAMP : (i - oldi) / 2;
        delta += delta / (uint32_t)(out + 1);
        uint32_t kk = 0;
        while (delta > ((BASE - TMIN) * TMAX) / 2) {
            delta /= BASE - TMIN;
            kk += BASE;
        }
        bias = kk + (BASE - TMIN + 1) * delta / (delta + SKEW);
        if (i / (uint32_t)(out + 1) > UINT32_MAX - n)
            return -1;
        n += i / (uint32_t)(out + 1);
        i %= (uint32_t)(out + 1);
        if (out >= cap || n > 0x10FFFF)
            return -1;
        memmove(cp + i + 1, cp + i, (out - i) * sizeof *cp);
        cp[i++] = n;
        out++;
    }
    return (int)out;
}

char phish_confusable(uint32_t c)
{
    static const struct {
        uint32_t cp;
        char to;
    } map[] = {
        /* Cyrillic */
        {0x0430, 'a'},
        {0x0410, 'a'},
        {0x0435, 'e'},
        {0x0415, 'e'},
        {0x043e, 'o'},
        {0x041e, 'o'},
        {0x0440, 'p'},
        {0x0420, 'p'},
        {0x0441, 'c'},
        {0x0421, 'c'},
        {0x0443, 'y'},
        {0x0445, 'x'},
        {0x0425, 'x'},
        {0x0456, 'i'},
        {0x0406, 'i'},
        {0x0458, 'j'},
        {0x0455, 's'},
        {0x0501, 'd'},
        {0x04bb, 'h'},
        {0x0432, 'b'},
        {0x043a, 'k'},
        {0x041a, 'k'},
        {0x043c, 'm'},
        {0x041c, 'm'},
        {0x043d, 'h'},
        {0x0442, 't'},
        {0x0422, 't'},
        {0x051b, 'q'},
        {0x051d, 'w'},
        {0x0461, 'w'},
        {0x04cf, 'l'},
        {0x0412, 'b'},
        {0x041d, 'h'},
        {0x0405, 's'},
        {0x0408, 'j'},
        /* Greek */
        {0x03b1, 'a'},
        {0x0391, 'a'},
        {0x03b2, 'b'},
        {0x0392, 'b'},
        {0x03b5, 'e'},
        {0x0395, 'e'},
        {0x03b9, 'i'},
        {0x0399, 'i'},
        {0x03ba, 'k'},
        {0x039a, 'k'},
        {0x03bd, 'v'},
        {0x039d, 'n'},
        {0x03bf, 'o'},
        {0x039f, 'o'},
        {0x03c1, 'p'},
        {0x03a1, 'p'},
        {0x03c4, 't'},
        {0x03a4, 't'},
        {0x03c5, 'u'},
        {0x03c7, 'x'},
        {0x03a7, 'x'},
        {0x0396, 'z'},
        {0x0397, 'h'},
        {0x039c, 'm'},
        /* Latin look-alikes */
        {0x0131, 'i'},
        {0x0142, 'l'},
        {0x0261, 'g'},
        {0x0251, 'a'},
        {0x01c3, 'l'},
        {0x0269, 'i'},
        {0x1e37, 'l'},
        {0x1ecd, 'o'},
        {0x1ea1, 'a'},
        {0x1eb9, 'e'},
        {0x0111, 'd'},
        {0x0127, 'h'},
        {0x0167, 't'},
        {0x00f8, 'o'},
    };
    if (c >= 0xe0 && c <= 0xe5)
        return 'a';
    if (c == 0xe7)
        return 'c';
    if (c >= 0xe8 && c <= 0xeb)
        return 'e';
    if (c >= 0xec && c <= 0xef)
        return 'i';
    if (c == 0xf1)
        return 'n';
    if ((c >= 0xf2 && c <= 0xf6))
        return 'o';
    if (c >= 0xf9 && c <= 0xfc)
        return 'u';
    if (c == 0xfd || c == 0xff)
        return 'y';
    if (c >= 0x100 && c <= 0x17f) { /* Latin Extended-A: pairs of accented letters */
        static const char ext[] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkklllllll"
                                  "lllnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
        size_t k = c - 0x100;
        return k < sizeof ext - 1 ? ext[k] : 0;
    }
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (map[i].cp == c)
            return map[i].to;
    return 0;
}

/* Decodes one UTF-8 sequence at s[*i]; returns the code point (0xFFFD when invalid). */
static uint32_t utf8_next(ts_str s, size_t *i)
{
    unsigned char c = (unsigned char)s.p[*i];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (!len || *i + len > s.n) {
        (*i)++;
        return 0xfffd;
    }
    uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
    for (size_t k = 1; k < len; k++)
        cp = cp << 6 | ((unsigned char)s.p[*i + k] & 0x3f);
    *i += len;
    return cp;
}

size_t phish_skeleton(ts_str label, char *out, bool *mapped)
{
    uint32_t cps[PHISH_NAME_MAX];
    size_t n = 0;
    *mapped = false;
    if (ts_str_istarts(label, "xn--")) {
        int k = phish_punycode(ts_str_make(label.p + 4, label.n - 4), cps, PHISH_NAME_MAX);
        if (k >= 0) {
            n = (size_t)k;
            *mapped = true;
        }
    }
    if (!n)
        for (size_t i = 0; i < label.n && n < PHISH_NAME_MAX;)
            cps[n++] = utf8_next(label, &i);
    char tmp[PHISH_NAME_MAX];
    size_t m = 0;
    for (size_t i = 0; i < n && m < PHISH_NAME_MAX - 1; i++) {
        uint32_t c = cps[i];
        char ch;
        if (c < 0x80) {
            ch = (char)c;
            if (ch >= 'A' && ch <= 'Z')
                ch = (char)(ch - 'A' + 'a');
        } else {
            ch = phish_confusable(c);
            if (!ch)
                ch = '?';
            *mapped = true;
        }
        tmp[m++] = ch;
    }
    size_t o = 0;
    for (size_t i = 0; i < m; i++) {
        char c = tmp[i];
        if (c == 'r' && i + 1 < m && tmp[i + 1] == 'n') {
            c = 'm';
            i++;
            *mapped = true;
        } else if (c == 'v' && i + 1 < m && tmp[i + 1] == 'v') {
            c = 'w';
            i++;
            *mapped = true;
        } else if (c == '0' || c == '1') {
            c = c == '0' ? 'o' : 'l';
            *mapped = true;
        }
        out[o++] = c;
    }
    out[o] = 0;
    return o;
}

/* The longest edit distance that still reads as the same name: short names allow one. */
static unsigned allowed(size_t len)
{
    return len <= 5 ? 1 : 2;
}

bool phish_imitates(ts_str cand, ts_str target, char *why, size_t cap)
{
    if (cand.n == target.n && strncasecmp(cand.p, target.p, cand.n) == 0)
        return false;
    ts_str cl = phish_label(cand), tl = phish_label(target);
    if (tl.n < 4) /* "hp", "bbc": every short name is near another */
        return false;
    int tn = (int)target.n;
    if (cl.n == tl.n && strncasecmp(cl.p, tl.p, cl.n) == 0) {
        snprintf(why, cap, "%.*s under another suffix", tn, target.p);
        return true;
    }
    char cs[PHISH_NAME_MAX], ts[PHISH_NAME_MAX];
    bool cm, tm;
    size_t csn = phish_skeleton(cl, cs, &cm), tsn = phish_skeleton(tl, ts, &tm);
    if (csn == tsn && memcmp(cs, ts, csn) == 0) {
        snprintf(why, cap, "homoglyphs of %.*s", tn, target.p);
        return true;
    }
    unsigned d = phish_distance(ts_str_make(cs, csn), ts_str_make(ts, tsn), allowed(tsn));
    if (d <= allowed(tsn)) {
        snprintf(why, cap, "%u edit%s from %.*s", d, d == 1 ? "" : "s", tn, target.p);
        return true;
    }
    /* Added words set apart by a hyphen, digits or a label edge: "example-security",
       "example365", not "linuxmafia" for linux. */
    for (const char *p = csn > tsn ? memmem(cs, csn, ts, tsn) : NULL; p;
         p = (size_t)(cs + csn - p) > tsn ? memmem(p + 1, (size_t)(cs + csn - p - 1), ts, tsn) : NULL) {
        bool before = p == cs || !(p[-1] >= 'a' && p[-1] <= 'z');
        bool after = p + tsn == cs + csn || !(p[tsn] >= 'a' && p[tsn] <= 'z');
        if (before && after) {
            snprintf(why, cap, "%.*s with added words", tn, target.p);
            return true;
        }
    }
    return false;
}
