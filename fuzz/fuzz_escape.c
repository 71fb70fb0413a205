/* fuzz_escape.c: the terminal escaper and the JSON writer keep their promises on any bytes:
 * no raw control byte reaches the output, JSON strings stay valid UTF-8, buffers stay bounded. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/esc.h"
#include "core/jsonw.h"
#include "core/str.h"

/* Output of the escapers may hold printable ASCII and valid UTF-8 only. */
static void check_clean(const char *p, size_t n, int allow_newline_at_end)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c < 0x20 || c == 0x7f) && !(allow_newline_at_end && c == '\n' && i == n - 1))
            abort();
    }
    if (!ts_utf8_valid(p, n))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), *out = NULL;
    size_t len = 0;
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = 0; /* the escapers take C strings: an embedded NUL ends the text */

    FILE *f = open_memstream(&out, &len);
    ts_fputs_term(s, f);
    fclose(f);
    check_clean(out, len, 0);
    free(out);

    /* every capacity from 1 to a little past the escaped length */
    for (size_t cap = 1; cap < 64 && cap < size * 4 + 8; cap++) {
        char buf[64];
        memset(buf, 'X', sizeof buf);
        ts_esc_term(s, buf, cap);
        size_t l = strnlen(buf, cap);
        if (l >= cap)
            abort(); /* not terminated inside the buffer */
        check_clean(buf, l, 0);
    }

    f = open_memstream(&out, &len);
    ts_jw w;
    ts_jw_begin(&w, f);
    ts_jw_key(&w, s);
    ts_jw_strn(&w, (const char *)data, size); /* the raw bytes, NULs included */
    ts_jw_end(&w);
    fclose(f);
    check_clean(out, len, 1);
    free(out);
    free(s);
    return 0;
}
