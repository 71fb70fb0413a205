/* fuzz_stream_entry.c: what `tocsin watch --redis` takes from the stream and the command
 * line, on arbitrary bytes. The input's lines are the entry's fields, "key=value" each
 * (the value may hold any byte but a newline: an entry with "\n" in its data is tested
 * through the data's own check), checked as the worker checks them; the first line is also
 * parsed as a --redis URL (no connection is made: the URL is only read). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "live/entry.h"
#include "core/rconn.h"

#define MAX_FIELDS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ts_json *json;
    if (!json && !(json = ts_json_new()))
        return 0;
    const char *p = (const char *)data, *end = p + size;
    char *keys[MAX_FIELDS] = {0}, *vals[MAX_FIELDS] = {0};
    size_t vlen[MAX_FIELDS] = {0}, n = 0;
    ts_entry e = {0};
    for (; n < MAX_FIELDS && p < end; n++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *stop = nl ? nl : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        const char *v = eq ? eq + 1 : stop;
        keys[n] = strndup(p, (size_t)((eq ? eq : stop) - p));
        vlen[n] = (size_t)(stop - v);
        if ((vals[n] = malloc(vlen[n] + 1))) { /* hiredis ends each value with a NUL */
            memcpy(vals[n], v, vlen[n]);
            vals[n][vlen[n]] = 0;
        }
        if (keys[n] && vals[n])
            ts_entry_field(&e, keys[n], strlen(keys[n]), vals[n], vlen[n]);
        p = nl ? nl + 1 : end;
    }
    char why[300];
    ts_entry_check(&e, json, 4096, why, sizeof why);
    ts_entry_line(&e);
    if (n && vals[0]) {
        char err[600];
        ts_redis *r = NULL;
        if (ts_redis_new(vals[0], &r, err, sizeof err) == TOCSIN_OK)
            ts_redis_free(r);
    }
    for (size_t i = 0; i < n; i++) {
        free(keys[i]);
        free(vals[i]);
    }
    return 0;
}
