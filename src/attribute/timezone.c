/* timezone.c: the time evidence. People work office hours in their own time zone; an
 * intrusion's hands-on hours (not its beacons, which run around the clock) are a weak clue
 * to where its operators sit. */
#include "attribute/timezone.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/str.h"
#include "core/vec.h"

static int day_of(const char *s)
{
    static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    for (int d = 0; d < 7; d++)
        if (strncasecmp(s, days[d], 3) == 0)
            return d;
    return -1;
}

/* "mon-fri" (wrapping: "sat-wed") as a bit set; 0 when malformed. */
static uint8_t parse_days(const char *s, size_t n)
{
    if (n != 7 || s[3] != '-')
        return 0;
    int a = day_of(s), b = day_of(s + 4);
    if (a < 0 || b < 0)
        return 0;
    uint8_t set = 0;
    for (int d = a;; d = (d + 1) % 7) {
        set |= (uint8_t)(1u << d);
        if (d == b)
            break;
    }
    return set;
}

/* One line's fields, split at tabs or spaces; false when malformed. */
static bool parse_line(const char *line, ts_tz *z)
{
    const char *f[3];
    size_t fl[3], nf = 0;
    for (const char *p = line; *p && nf < 3;) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *s = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r')
            p++;
        if (p > s) {
            f[nf] = s;
            fl[nf++] = (size_t)(p - s);
        }
        if (*p == '\r')
            break;
    }
    if (nf != 3 || fl[0] != 2 || fl[1] > 6)
        return false;
    double h;
    if (!ts_parse_double(ts_str_make(f[1], fl[1]), &h) || !(h >= -12 && h <= 14))
        return false;
    memcpy(z->cc, f[0], 2);
    z->cc[2] = '\0';
    z->offset_min = (int)lround(h * 60);
    z->workdays = parse_days(f[2], fl[2]);
    return z->workdays != 0;
}

tocsin_code ts_tz_load(const char *path, ts_tz_table *out, ts_diag_fn diag, void *ud)
{
    *out = (ts_tz_table){0};
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f)
        return TOCSIN_E_IO;
    tocsin_code rc = ts_tz_read(f, path, out, diag, ud);
    fclose(f);
    return rc;
}

tocsin_code ts_tz_read(FILE *f, const char *name, ts_tz_table *out, ts_diag_fn diag, void *ud)
{
    *out = (ts_tz_table){0};
    char line[256];
    uint64_t no = 0;
    size_t cap = 0;
    tocsin_code rc = TOCSIN_OK;
    while (fgets(line, sizeof line, f)) {
        no++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\n')
            line[--len] = '\0';
        else if (!feof(f)) { /* over-long: skip the rest of it */
            int c;
            while ((c = getc(f)) != EOF && c != '\n')
                ;
            ts_diag_say(diag, ud, name, no, 0, TOCSIN_E_TOOLONG, "line too long, skipped");
            continue;
        }
        const char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#' || *p == '\r')
            continue;
        ts_tz z;
        if (!parse_line(p, &z)) {
            ts_diag_say(diag, ud, name, no, 0, TOCSIN_E_PARSE,
                        "want: country code, UTC offset in hours, working days (\"KP 9 mon-fri\")");
            continue;
        }
        if (!ts_vec_grow(out->v, cap, out->n + 1, TS_VEC_NOCAP)) {
            rc = TOCSIN_E_NOMEM;
            break;
        }
        out->v[out->n++] = z;
    }
    if (rc == TOCSIN_OK && ferror(f))
        rc = TOCSIN_E_IO;
    if (rc != TOCSIN_OK)
        ts_tz_free(out);
    return rc;
}

void ts_tz_free(ts_tz_table *t)
{
    free(t->v);
    *t = (ts_tz_table){0};
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

#define NS_PER_HOUR 3600000000000LL

/* Whether UTC hour slot h (hours since the epoch, a Thursday) is working time at z. */
static bool at_work(const ts_tz *z, int64_t h)
{
    int64_t local_min = h * 60 + z->offset_min + 30; /* the middle of the hour */
    int64_t hours = local_min >= 0 ? local_min / 60 : (local_min - 59) / 60;
    int hour = (int)(((hours % 24) + 24) % 24);
    int64_t days = hours >= 0 ? hours / 24 : (hours - 23) / 24;
    int dow = (int)(((days + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
    return (z->workdays >> dow & 1) && hour >= TS_TZ_WORK_START && hour < TS_TZ_WORK_END;
}

void ts_tz_evidence(const ts_tz_table *tz, const int64_t *ns, size_t n, ts_evbuf *b)
{
    if (!tz || !tz->n || n < TS_TZ_MIN_HOURS)
        return;
    int64_t *h = malloc(n * sizeof *h);
    if (!h) {
        b->nomem = true;
        return;
    }
    for (size_t i = 0; i < n; i++)
        h[i] = ns[i] >= 0 ? ns[i] / NS_PER_HOUR : (ns[i] - NS_PER_HOUR + 1) / NS_PER_HOUR;
    qsort(h, n, sizeof *h, cmp_i64);
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        if (!d || h[i] != h[d - 1])
            h[d++] = h[i];
    if (d >= TS_TZ_MIN_HOURS) {
        for (size_t c = 0; c < tz->n; c++) {
            const ts_tz *z = &tz->v[c];
            size_t in = 0;
            for (size_t i = 0; i < d; i++)
                in += at_work(z, h[i]);
            int days = __builtin_popcount(z->workdays);
            ts_attr_evidence e = {.kind = TS_AE_TIMEZONE,
                                  .confidence = 100,
                                  .alert = SIZE_MAX,
                                  .hours_in = (uint32_t)in,
                                  .hours = (uint32_t)d,
                                  .chance = (double)(days * (TS_TZ_WORK_END - TS_TZ_WORK_START)) / 168.0};
            memcpy(e.country, z->cc, 3);
            ts_evbuf_add(
                b, &e,
                "%zu of %zu active hours in %s working time (UTC%+.1f, %d days a week, %02d:00-%02d:00)", in,
                d, z->cc, z->offset_min / 60.0, days, TS_TZ_WORK_START, TS_TZ_WORK_END);
        }
    }
    free(h);
}
