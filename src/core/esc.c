/* esc.c: makes untrusted strings safe to print on a terminal or into HTML. */
#include "core/esc.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/utf8dec.h"

/* Where escaped pieces go: a FILE or a bounded buffer. Each piece is whole (one escape or
 * one code point), so truncation never splits one. */
typedef struct sink {
    FILE *f;
    char *buf;
    size_t cap, len;
    size_t safe; /* the last piece boundary that leaves room for "..." and the NUL */
    bool truncated;
} sink;

static void put(sink *k, const char *p, size_t n)
{
    if (k->f) {
        fwrite(p, 1, n, k->f);
        return;
    }
    if (k->truncated)
        return;
    if (k->len + n + 1 > k->cap) {
        k->truncated = true;
        return;
    }
    memcpy(k->buf + k->len, p, n);
    k->len += n;
    if (k->len + 4 <= k->cap)
        k->safe = k->len;
}

static void put_hex(sink *k, const unsigned char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        char e[4] = {'\\', 'x', hex[s[i] >> 4], hex[s[i] & 15]};
        put(k, e, 4);
    }
}

/* Code points that are valid UTF-8 yet act on the terminal or on how the line reads:
 * C1 controls (some terminals obey U+009B as CSI), the bidirectional overrides and
 * isolates that can make text display in another order than it is ("Trojan Source"),
 * and the line and paragraph separators. */
static bool invisible_control(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0x2028 || cp == 0x2029;
}

static void esc_term(const char *str, sink *k)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str), i = 0;
    while (i < n) {
        uint32_t cp;
        size_t len = ts_utf8_decode(s + i, n - i, &cp);
        if (len == 0)
            len = 1, put_hex(k, s + i, 1); /* invalid UTF-8: show the byte */
        else if (cp < 0x20 || cp == 0x7F || invisible_control(cp))
            put_hex(k, s + i, len); /* ESC, CR, BEL ...: the bytes as \xNN */
        else
            put(k, (const char *)s + i, len);
        i += len;
    }
}

void ts_fputs_term(const char *s, FILE *f)
{
    sink k = {.f = f};
    if (!s) {
        fputc('-', f);
        return;
    }
    esc_term(s, &k);
}

char *ts_esc_term(const char *s, char *buf, size_t cap)
{
    sink k = {.buf = buf, .cap = cap};
    if (cap == 0)
        return buf;
    esc_term(s ? s : "-", &k);
    if (k.truncated) {
        /* Back to the last boundary with room, then as much of "..." as fits. */
        k.len = k.safe;
        for (int d = 0; d < 3 && k.len + 1 < cap; d++)
            buf[k.len++] = '.';
    }
    buf[k.len] = 0;
    return buf;
}

void ts_fputs_html(const char *str, FILE *f)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    size_t n = strlen((const char *)s), i = 0;
    while (i < n) {
        uint32_t cp;
        size_t len = ts_utf8_decode(s + i, n - i, &cp);
        if (len == 0) {
            fputs("\xEF\xBF\xBD", f); /* U+FFFD: HTML has no way to show a raw bad byte */
            len = 1;
        } else if (cp == '&') {
            fputs("&amp;", f);
        } else if (cp == '<') {
            fputs("&lt;", f);
        } else if (cp == '>') {
            fputs("&gt;", f);
        } else if (cp == '"') {
            fputs("&quot;", f);
        } else if (cp == '\'') {
            fputs("&#39;", f);
        } else if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F ||
                   invisible_control(cp)) {
            for (size_t b = 0; b < len; b++) /* shown, as on the terminal, not obeyed */
                fprintf(f, "\\x%02x", s[i + b]);
        } else {
            fwrite(s + i, 1, len, f);
        }
        i += len;
    }
}
