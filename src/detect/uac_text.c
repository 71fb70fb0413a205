/* uac_text.c: names the message ids of 4720/4738's UserAccountControl field for titles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8dec.h"
#include "detect/uac_text.h"

/* "%%NNNN": sets *id. */
static bool message_id(ts_str w, uint32_t *id)
{
    uint64_t v;
    if (w.n < 3 || w.n > 12 || w.p[0] != '%' || w.p[1] != '%' ||
        !ts_parse_u64(ts_str_make(w.p + 2, w.n - 2), &v) || v > UINT32_MAX)
        return false;
    *id = (uint32_t)v;
    return true;
}

tocsin_code uac_table_load(uac_table *t, const char *path, size_t *line)
{
    memset(t, 0, sizeof *t);
    *line = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return TOCSIN_E_IO;
    char buf[512];
    tocsin_code rc = TOCSIN_OK;
    while (rc == TOCSIN_OK && fgets(buf, sizeof buf, f)) {
        ++*line;
        buf[strcspn(buf, "\r\n")] = 0;
        if (!buf[0] || buf[0] == '#')
            continue;
        char *tab1 = strchr(buf, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
        uint32_t id;
        if (!tab2 || !tab2[1] || !message_id(ts_str_make(buf, (size_t)(tab1 - buf)), &id) ||
            t->n == UAC_MAX_ROWS) {
            rc = TOCSIN_E_PARSE;
            break;
        }
        t->rows[t->n].id = id;
        if (!(t->rows[t->n].text = strdup(tab2 + 1)))
            rc = TOCSIN_E_NOMEM;
        else
            t->n++;
    }
    fclose(f);
    return rc;
}

void uac_table_free(uac_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->rows[i].text);
    t->n = 0;
}

static const char *text_of(const uac_table *t, uint32_t id)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->rows[i].id == id)
            return t->rows[i].text;
    return NULL;
}

typedef struct out {
    char *p;
    size_t n, room; /* room: the bytes text may fill, "..." and the NUL kept aside */
    bool full;
} out;

/* Appends s character by character while it fits; bytes that are not UTF-8 as U+FFFD. */
static void put(out *o, ts_str s)
{
    for (size_t i = 0; i < s.n && !o->full;) {
        uint32_t cp;
        size_t len = ts_utf8_decode((const unsigned char *)s.p + i, s.n - i, &cp);
        const char *c = len ? s.p + i : "\xEF\xBF\xBD";
        size_t cn = len ? len : 3;
        if (o->n + cn > o->room) {
            o->full = true;
            break;
        }
        memcpy(o->p + o->n, c, cn);
        o->n += cn;
        i += len ? len : 1;
    }
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

const char *uac_describe(const uac_table *t, ts_str field, char *buf, size_t cap)
{
    out o = {buf, 0, cap - 4, false};
    bool prev_id = false, any = false;
    for (size_t i = 0; i < field.n && !o.full;) {
        bool line_break = false;
        for (; i < field.n && is_space(field.p[i]); i++)
            line_break |= field.p[i] != ' ';
        size_t start = i;
        while (i < field.n && !is_space(field.p[i]))
            i++;
        if (i == start)
            break;
        ts_str word = ts_str_make(field.p + start, i - start);
        uint32_t id;
        bool is_id = message_id(word, &id);
        const char *text = is_id ? text_of(t, id) : NULL;
        /* Each id is one item; the words of a text (an export that kept Event Viewer's
           wording) stay one item up to the record's next line break or tab. */
        if (any)
            put(&o, ts_str_c(line_break || is_id || prev_id ? ", " : " "));
        put(&o, text ? ts_str_c(text) : word);
        prev_id = is_id, any = true;
    }
    if (o.full) {
        while (o.n && (o.p[o.n - 1] == ' ' || o.p[o.n - 1] == ','))
            o.n--; /* no dangling separator before the ellipsis */
        memcpy(o.p + o.n, "...", 3), o.n += 3;
    }
    buf[o.n] = 0;
    return buf;
}
