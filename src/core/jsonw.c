/* jsonw.c: the streaming JSON writer behind every NDJSON line tocsin prints. */
#include "core/jsonw.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8dec.h"

/* Containers deeper than TS_JW_DEPTH are not written: the one that would open past the
 * limit is written as null and everything inside it is dropped, so the line stays valid
 * JSON whatever the caller does. w->depth keeps counting so the closes still pair up. */
static bool too_deep(const ts_jw *w)
{
    return w->depth > TS_JW_DEPTH;
}

/* Writes what must precede a value or key: a comma after the previous member. */
static void sep(ts_jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth > 0) {
        if (w->need_comma[w->depth - 1])
            fputc(',', w->f);
        w->need_comma[w->depth - 1] = true;
    }
}

static void open_container(ts_jw *w, char c)
{
    if (too_deep(w)) {
        w->depth++;
        return;
    }
    sep(w);
    if (w->depth == TS_JW_DEPTH) {
        fputs("null", w->f);
        w->depth++;
        return;
    }
    fputc(c, w->f);
    w->closer[w->depth] = c == '{' ? '}' : ']';
    w->need_comma[w->depth++] = false;
}

static void close_container(ts_jw *w)
{
    if (w->depth <= 0)
        return;
    w->after_key = false;
    if (w->depth-- > TS_JW_DEPTH)
        return;
    fputc(w->closer[w->depth], w->f);
}

void ts_jw_begin(ts_jw *w, FILE *f)
{
    w->f = f;
    w->depth = 0;
    w->after_key = false;
    open_container(w, '{');
}

void ts_jw_end(ts_jw *w)
{
    /* Closes whatever the caller left open, innermost first, so the line is complete. */
    while (w->depth > 0)
        close_container(w);
    fputc('\n', w->f);
}

void ts_jw_obj(ts_jw *w)
{
    open_container(w, '{');
}
void ts_jw_obj_end(ts_jw *w)
{
    close_container(w);
}
void ts_jw_arr(ts_jw *w)
{
    open_container(w, '[');
}
void ts_jw_arr_end(ts_jw *w)
{
    close_container(w);
}

/* Whether code point cp is written as \uXXXX: the C0 controls JSON requires escaped, and
 * DEL, C1 controls and the line and paragraph separators, which JSON allows raw but which
 * confuse terminals and JavaScript when someone reads the NDJSON. */
static bool must_escape(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

static void put_quoted(FILE *f, const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0, run = 0; /* s[run..i) is a stretch of bytes that pass unchanged */
    fputc('"', f);
    while (i < n) {
        uint32_t cp;
        size_t len = ts_utf8_decode(s + i, n - i, &cp);
        if (len && !must_escape(cp) && cp != '"' && cp != '\\') {
            i += len;
            continue;
        }
        fwrite(s + run, 1, i - run, f);
        if (!len) {
            fputs("\xEF\xBF\xBD", f); /* U+FFFD for each byte that starts no valid sequence */
            len = 1;
        } else if (cp == '"' || cp == '\\') {
            fputc('\\', f);
            fputc((int)cp, f);
        } else {
            fprintf(f, "\\u%04x", (unsigned)cp);
        }
        i += len;
        run = i;
    }
    fwrite(s + run, 1, i - run, f);
    fputc('"', f);
}

void ts_jw_key(ts_jw *w, const char *key)
{
    if (too_deep(w))
        return;
    sep(w);
    put_quoted(w->f, key ? key : "", key ? strlen(key) : 0);
    fputc(':', w->f);
    w->after_key = true;
}

void ts_jw_strn(ts_jw *w, const char *s, size_t n)
{
    if (too_deep(w))
        return;
    sep(w);
    if (s)
        put_quoted(w->f, s, n);
    else
        fputs("null", w->f);
}

void ts_jw_str(ts_jw *w, const char *s)
{
    ts_jw_strn(w, s, s ? strlen(s) : 0);
}

void ts_jw_int(ts_jw *w, int64_t v)
{
    if (too_deep(w))
        return;
    sep(w);
    fprintf(w->f, "%lld", (long long)v);
}

void ts_jw_uint(ts_jw *w, uint64_t v)
{
    if (too_deep(w))
        return;
    sep(w);
    fprintf(w->f, "%llu", (unsigned long long)v);
}

/* printf and strtod follow LC_NUMERIC, which may make the decimal point a comma; numbers
 * are formatted under a private "C" locale instead, created once. */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static void c_locale_init(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* The shortest %.Ng (N = 15..17) that reads back as v, so 0.1 prints as 0.1. */
static void format_double(double v, char *buf, size_t cap)
{
    pthread_once(&c_locale_once, c_locale_init);
    locale_t old = c_locale ? uselocale(c_locale) : (locale_t)0;
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    if (old)
        uselocale(old);
    if (!c_locale) {
        /* No C locale to switch to: turn whatever decimal point came out into '.'. */
        char *o = buf;
        for (const char *p = buf; *p; p++) {
            if ((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == 'e')
                *o++ = *p;
            else if (o == buf || o[-1] != '.')
                *o++ = '.';
        }
        *o = 0;
    }
}

void ts_jw_double(ts_jw *w, double v)
{
    char buf[40];
    if (too_deep(w))
        return;
    sep(w);
    if (!isfinite(v)) {
        fputs("null", w->f); /* JSON has no NaN or infinity */
        return;
    }
    format_double(v, buf, sizeof buf);
    fputs(buf, w->f);
}

void ts_jw_bool(ts_jw *w, bool v)
{
    if (too_deep(w))
        return;
    sep(w);
    fputs(v ? "true" : "false", w->f);
}

void ts_jw_null(ts_jw *w)
{
    if (too_deep(w))
        return;
    sep(w);
    fputs("null", w->f);
}

void ts_jw_kstr(ts_jw *w, const char *k, const char *s)
{
    ts_jw_key(w, k);
    ts_jw_str(w, s);
}

void ts_jw_kint(ts_jw *w, const char *k, int64_t v)
{
    ts_jw_key(w, k);
    ts_jw_int(w, v);
}

void ts_jw_kuint(ts_jw *w, const char *k, uint64_t v)
{
    ts_jw_key(w, k);
    ts_jw_uint(w, v);
}

void ts_jw_kint_or_null(ts_jw *w, const char *k, bool has, int64_t v)
{
    ts_jw_key(w, k);
    if (has)
        ts_jw_int(w, v);
    else
        ts_jw_null(w);
}

void ts_jw_kuint_or_null(ts_jw *w, const char *k, bool has, uint64_t v)
{
    ts_jw_key(w, k);
    if (has)
        ts_jw_uint(w, v);
    else
        ts_jw_null(w);
}

void ts_jw_kdouble(ts_jw *w, const char *k, double v)
{
    ts_jw_key(w, k);
    ts_jw_double(w, v);
}

void ts_jw_kbool(ts_jw *w, const char *k, bool v)
{
    ts_jw_key(w, k);
    ts_jw_bool(w, v);
}
