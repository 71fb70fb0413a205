/* utf8dec.h: decodes one UTF-8 code point strictly; shared by the JSON writer and the
 * terminal escaper, which must agree on what is valid. */
#ifndef TS_UTF8DEC_H
#define TS_UTF8DEC_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the code point at s[0..n) (n > 0). Returns its length in bytes (1..4) and sets
 * *cp, or 0 when s does not start with a valid sequence: a stray continuation byte, a
 * truncated sequence, an overlong form, a surrogate or a value past U+10FFFF. */
static inline size_t ts_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    size_t len;
    uint32_t v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, v = c & 0x1F;
    else if ((c & 0xF0) == 0xE0)
        len = 3, v = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, v = c & 0x07;
    else
        return 0; /* continuation byte, C0/C1 lead of an overlong, F5..FF */
    if (len > n)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (s[k] & 0x3F);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

#endif
