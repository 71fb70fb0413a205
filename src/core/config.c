/* config.c: a small INI reader for detector tunables. */
#include "core/config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/vec.h"

typedef struct entry {
    char *section, *key, *value;
    unsigned line;
} entry;

struct ts_config {
    entry *v;
    size_t n, cap;
    char *path; /* for messages */
};

static char *dup_view(ts_str s)
{
    return ts_strndup(s);
}

static int add(ts_config *c, ts_str section, ts_str key, ts_str value, unsigned line)
{
    if (!ts_vec_grow(c->v, c->cap, c->n + 1, TS_VEC_NOCAP))
        return -1;
    entry *e = &c->v[c->n];
    e->line = line;
    e->section = dup_view(section);
    e->key = dup_view(key);
    e->value = dup_view(value);
    if (!e->section || !e->key || !e->value) {
        free(e->section), free(e->key), free(e->value);
        return -1;
    }
    c->n++;
    return 0;
}

tocsin_code ts_config_load(const char *path, ts_config **out, ts_diag_fn diag, void *ud)
{
    FILE *f = fopen(path, "r");
    char *line = NULL, section[128] = "";
    size_t cap = 0;
    ssize_t len;
    unsigned no = 0;
    *out = NULL;
    if (!f)
        return TOCSIN_E_IO;
    ts_config *c = calloc(1, sizeof *c);
    if (c && !(c->path = strdup(path)))
        free(c), c = NULL;
    if (!c) {
        fclose(f);
        return TOCSIN_E_NOMEM;
    }
    while ((len = getline(&line, &cap, f)) >= 0) {
        ts_str s = ts_str_trim(ts_str_make(line, (size_t)len));
        const char *eq;
        no++;
        if (s.n == 0 || s.p[0] == '#' || s.p[0] == ';')
            continue;
        if (s.p[0] == '[' && s.p[s.n - 1] == ']' && s.n - 2 < sizeof section) {
            snprintf(section, sizeof section, "%.*s", (int)(s.n - 2), s.p + 1);
            continue;
        }
        if (!(eq = memchr(s.p, '=', s.n))) {
            ts_diag_say(diag, ud, path, no, 0, TOCSIN_E_PARSE, "expected 'key = value' or '[section]'");
            continue;
        }
        ts_str key = ts_str_trim(ts_str_make(s.p, (size_t)(eq - s.p)));
        ts_str val = ts_str_trim(ts_str_make(eq + 1, s.n - (size_t)(eq - s.p) - 1));
        if (add(c, ts_str_c(section), key, val, no) != 0) {
            free(line);
            fclose(f);
            ts_config_free(c);
            return TOCSIN_E_NOMEM;
        }
    }
    free(line);
    fclose(f);
    *out = c;
    return TOCSIN_OK;
}

void ts_config_free(ts_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].section), free(c->v[i].key), free(c->v[i].value);
    free(c->v);
    free(c->path);
    free(c);
}

const char *ts_config_get(const ts_config *c, const char *section, const char *key)
{
    /* the last assignment wins, as a later line overrides an earlier one */
    for (size_t i = c ? c->n : 0; i-- > 0;)
        if (strcmp(c->v[i].section, section) == 0 && strcmp(c->v[i].key, key) == 0)
            return c->v[i].value;
    return NULL;
}

/* ---- tunables as tables ------------------------------------------------------------------ */

const ts_tunable *ts_tune_find(const ts_tunable *table, const char *key)
{
    for (const ts_tunable *t = table; t && t->key; t++)
        if (strcmp(t->key, key) == 0)
            return t;
    return NULL;
}

/* v as t's type into *x (numbers); NULL when it is one, else what is wrong. */
static const char *tune_num(const ts_tunable *t, const char *v, double *x)
{
    ts_str s = ts_str_c(v);
    double unit = 1;
    if (t->type == TS_TUNE_SECONDS && s.n) {
        switch (s.p[s.n - 1]) {
        case 's':
            s.n--;
            break;
        case 'm':
            unit = 60, s.n--;
            break;
        case 'h':
            unit = 3600, s.n--;
            break;
        case 'd':
            unit = 86400, s.n--;
            break;
        }
    }
    if (!ts_parse_double(s, x))
        return t->type == TS_TUNE_SECONDS ? "is not a duration (a number with s, m, h or d)"
                                          : "is not a number";
    *x *= unit;
    if (t->type == TS_TUNE_COUNT && *x != floor(*x)) /* floor: a cast of 1e300 is undefined */
        return "is not a whole number";
    if (!(*x >= t->min && *x <= t->max))
        return "is out of bounds";
    return NULL;
}

double ts_config_num(const ts_config *c, const char *section, const char *key, double def)
{
    const ts_tunable any = {key, 0, TS_TUNE_SECONDS, def, -HUGE_VAL, HUGE_VAL, NULL};
    const char *v = ts_config_get(c, section, key);
    double x;
    return v && !tune_num(&any, v, &x) ? x : def;
}

/* A bound as the file would write it: durations in their largest whole unit ("31d"). */
static const char *bound(const ts_tunable *t, double v, char *buf, size_t cap)
{
    static const struct {
        double s;
        char u;
    } units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
    for (size_t i = 0; t->type == TS_TUNE_SECONDS && i < sizeof units / sizeof *units; i++)
        if (v >= units[i].s && isfinite(v) && v / units[i].s == floor(v / units[i].s)) {
            snprintf(buf, cap, "%.15g%c", v / units[i].s, units[i].u);
            return buf;
        }
    snprintf(buf, cap, "%.15g", v);
    return buf;
}

bool ts_tune_read(const ts_config *c, const char *section, const ts_tunable *table, void *settings)
{
    bool ok = true;
    for (const ts_tunable *t = table; t && t->key; t++) {
        char *at = (char *)settings + t->offset;
        const char *v = ts_config_get(c, section, t->key);
        if (t->type == TS_TUNE_TEXT) {
            const char *s = v ? v : t->text;
            memcpy(at, &s, sizeof s);
            continue;
        }
        double x;
        if (v && tune_num(t, v, &x)) {
            ok = false;
            x = t->def;
        } else if (!v) {
            x = t->def;
        }
        memcpy(at, &x, sizeof x);
    }
    return ok;
}

size_t ts_config_check(const ts_config *c, const ts_tune_section *sections, size_t n, ts_diag_fn diag,
                       void *ud)
{
    size_t bad = 0;
    char msg[512], lo[32], hi[32];
    for (size_t i = 0; c && i < c->n; i++) {
        const entry *e = &c->v[i];
        const ts_tune_section *s = NULL;
        for (size_t j = 0; j < n && !s; j++)
            if (strcmp(sections[j].name, e->section) == 0)
                s = &sections[j];
        const ts_tunable *t = s ? ts_tune_find(s->keys, e->key) : NULL;
        const char *why = NULL;
        double x;
        if (!*e->section)
            snprintf(msg, sizeof msg, "'%.80s' is outside any [section]", e->key);
        else if (!s)
            snprintf(msg, sizeof msg, "[%.80s] is no detector's or stage's section", e->section);
        else if (!t)
            snprintf(msg, sizeof msg, "[%.80s] has no tunable '%.80s'", e->section, e->key);
        else if (t->type != TS_TUNE_TEXT && (why = tune_num(t, e->value, &x)) != NULL)
            snprintf(msg, sizeof msg, "[%.80s] %.80s = '%.40s' %s (from %s to %s)", e->section, e->key,
                     e->value, why, bound(t, t->min, lo, sizeof lo), bound(t, t->max, hi, sizeof hi));
        else
            continue;
        bad++;
        ts_diag_say(diag, ud, c->path, e->line, 0, TOCSIN_E_PARSE, msg);
    }
    return bad;
}
