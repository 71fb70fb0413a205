/* entry.c: a stream entry's fields and the checks that send it to the dead-letter stream
 * instead of a reader. */
#include "live/entry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is(const char *k, size_t klen, const char *name)
{
    return klen == strlen(name) && memcmp(k, name, klen) == 0;
}

void ts_entry_field(ts_entry *e, const char *k, size_t klen, const char *v, size_t vlen)
{
    e->bytes += klen + vlen;
    if (is(k, klen, "data"))
        e->data = v, e->dlen = vlen, e->eve = false;
    else if (is(k, klen, "eve") && !(e->data && !e->eve)) /* Suricata's redis output, stream mode */
        e->data = v, e->dlen = vlen, e->eve = true;
    else if (is(k, klen, "file"))
        e->file = v;
    else if (is(k, klen, "line"))
        e->line = v;
    else if (is(k, klen, "layout"))
        e->layout = v;
    else if (is(k, klen, "header"))
        e->header = v;
}

uint64_t ts_entry_line(const ts_entry *e)
{
    uint64_t v = 0;
    const char *s = e->line;
    if (!s || !*s)
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    return v;
}

static int no_leaf(void *ud, const char *path, size_t plen, ts_json_type type, const char *val, size_t vlen)
{
    (void)ud, (void)path, (void)plen, (void)type, (void)val, (void)vlen;
    return 0;
}

static bool json_layout(const ts_reader *r)
{
    static const char *const names[] = {"zeek-json", "suricata-eve", "winevent-json", "winlogbeat"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(r->name, names[i]) == 0)
            return true;
    return false;
}

const ts_reader *ts_entry_check(const ts_entry *e, ts_json *json, size_t max_entry, char *why, size_t cap)
{
    const ts_reader *r;
    if (e->bytes > max_entry) {
        snprintf(why, cap, "an entry of %zu bytes, over the limit of %zu (--max-entry)", e->bytes, max_entry);
        return NULL;
    }
    if (!e->data) {
        snprintf(why, cap, "no 'data' field (tocsin ship) nor 'eve' field (Suricata)");
        return NULL;
    }
    if (!e->eve && !ts_entry_line(e)) {
        snprintf(why, cap, "no line number ('line' field)");
        return NULL;
    }
    if (memchr(e->data, '\n', e->dlen)) {
        snprintf(why, cap, "more than one line in one entry");
        return NULL;
    }
    if (e->eve)
        r = ts_reader_find("suricata-eve");
    else if (e->layout && *e->layout)
        r = ts_reader_find(e->layout);
    else
        r = ts_reader_detect(e->data, e->dlen);
    if (!r) {
        snprintf(why, cap, "unknown layout '%.100s'", e->layout && *e->layout ? e->layout : "(none fits)");
        return NULL;
    }
    if (json_layout(r)) {
        const char *err = "";
        char *copy = malloc(e->dlen + TS_JSON_PAD);
        if (!copy) {
            snprintf(why, cap, "out of memory");
            return NULL;
        }
        memcpy(copy, e->data, e->dlen);
        memset(copy + e->dlen, 0, TS_JSON_PAD);
        tocsin_code rc = ts_json_walk(json, copy, e->dlen, no_leaf, NULL, &err);
        free(copy);
        if (rc != TOCSIN_OK) {
            snprintf(why, cap, "not JSON (%s layout): %s", r->name, err[0] ? err : "unreadable");
            return NULL;
        }
    }
    return r;
}
