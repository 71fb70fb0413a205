/* feedkit.c: helpers shared by the STIX, MISP and catalogue loaders. */
#include "intel/feedkit.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void ts_feed_diag(ts_feed *f, uint64_t line, uint64_t record, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    f->problems++;
    if (f->problems > TS_FEED_MAX_DIAGS || !f->o || !f->o->diag)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ts_diag_say(f->o->diag, f->o->ud, f->name, line, record, TOCSIN_E_PARSE, msg);
}

tocsin_code ts_feed_finish(ts_feed *f, tocsin_code code)
{
    if (f->problems > TS_FEED_MAX_DIAGS && f->o && f->o->diag) {
        char msg[96];
        snprintf(msg, sizeof msg, "%zu more problems not shown", f->problems - TS_FEED_MAX_DIAGS);
        ts_diag_say(f->o->diag, f->o->ud, f->name, 0, 0, TOCSIN_E_PARSE, msg);
    }
    if (code == TOCSIN_OK && f->problems)
        return TOCSIN_E_PARTIAL;
    return code;
}

uint8_t ts_feed_confidence(const ts_feed *f)
{
    return f->o && f->o->confidence ? f->o->confidence : 50;
}

static void push(uint32_t *out, size_t *n, size_t max, uint32_t id)
{
    if (id && *n < max)
        out[(*n)++] = id;
}

void ts_feed_actors(ts_feed *f, const char *name, const char *attack_id, uint32_t *out, size_t *n, size_t max)
{
    uint32_t found[16];
    size_t k;
    if (attack_id && *attack_id) {
        k = ts_intel_actor_resolve(f->ti, attack_id, found, 16);
        for (size_t i = 0; i < k && i < 16; i++) {
            const ts_actor *a = ts_intel_actor(f->ti, found[i]);
            if (a && a->attack_id && strcasecmp(a->attack_id, attack_id) == 0) {
                push(out, n, max, found[i]);
                return;
            }
        }
    }
    if (name && *name) {
        k = ts_intel_actor_resolve(f->ti, name, found, 16);
        if (k > 16)
            k = 16;
        for (size_t i = 0; i < k; i++) {
            const ts_actor *a = ts_intel_actor(f->ti, found[i]);
            if (a && strcasecmp(a->name, name) == 0) {
                push(out, n, max, found[i]);
                return;
            }
        }
        if (k) {
            for (size_t i = 0; i < k; i++)
                push(out, n, max, found[i]);
            return;
        }
    }
    if ((name && *name) || (attack_id && *attack_id))
        push(out, n, max, ts_intel_actor_add(f->ti, name && *name ? name : attack_id, attack_id, NULL));
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

uint32_t ts_feed_actorset(ts_feed *f, uint32_t *ids, size_t n)
{
    size_t j = 0;
    if (!n)
        return 0;
    qsort(ids, n, sizeof *ids, cmp_u32);
    for (size_t i = 0; i < n; i++)
        if (!j || ids[j - 1] != ids[i])
            ids[j++] = ids[i];
    return ts_intel_actorset(f->ti, ids, j);
}

int64_t ts_feed_time(const char *s)
{
    int64_t ns;
    if (!s || !*s)
        return 0;
    ts_str v = ts_str_trim(ts_str_c(s));
    if (ts_parse_i64(v, &ns))
        return ns > 0 ? ns : 0; /* epoch seconds (MISP timestamps) */
    /* Nanoseconds in an int64 span 1678..2262, and a feed's times are after 1970: other
       years are not times here (and would overflow the parser). */
    if (v.n < 4 || memcmp(v.p, "1970", 4) < 0 || memcmp(v.p, "2261", 4) > 0)
        return 0;
    if (v.n == 10 && v.p[4] == '-' && v.p[7] == '-') { /* a bare date */
        char buf[32];
        snprintf(buf, sizeof buf, "%.10sT00:00:00Z", v.p);
        v = ts_str_c(buf);
        return ts_parse_iso8601_ns(v, &ns) ? ns / 1000000000 : 0;
    }
    return ts_parse_iso8601_ns(v, &ns) ? ns / 1000000000 : 0;
}

const char *ts_json_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

bool ts_json_truthy(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    const char *s = json_string_value(v);
    if (s)
        return strcmp(s, "1") == 0 || strcasecmp(s, "true") == 0;
    return json_is_true(v) || (json_is_integer(v) && json_integer_value(v) != 0);
}

const char *ts_feed_country(const char *s, char buf[3])
{
    if (!s || !isalpha((unsigned char)s[0]) || !isalpha((unsigned char)s[1]) || s[2])
        return NULL;
    buf[0] = (char)toupper((unsigned char)s[0]);
    buf[1] = (char)toupper((unsigned char)s[1]);
    buf[2] = 0;
    return buf;
}
