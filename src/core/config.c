/* config.c: a small INI reader for detector tunables. */
#include "core/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/vec.h"

typedef struct entry {
    char *section, *key, *value;
} entry;

struct ts_config {
    entry *v;
    size_t n, cap;
};

static char *dup_view(ts_str s) { return ts_strndup(s); }

static int add(ts_config *c, ts_str section, ts_str key, ts_str value)
{
    if (!ts_vec_grow(c->v, c->cap, c->n + 1, TS_VEC_NOCAP))
        return -1;
    entry *e = &c->v[c->n];
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

tocsin_code ts_config_load(const char *path, ts_config **out,
                           void (*diag)(void *ud, const char *file, unsigned line, const char *msg),
                           void *ud)
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
            if (diag)
                diag(ud, path, no, "expected 'key = value' or '[section]'");
            continue;
        }
        ts_str key = ts_str_trim(ts_str_make(s.p, (size_t)(eq - s.p)));
        ts_str val = ts_str_trim(ts_str_make(eq + 1, s.n - (size_t)(eq - s.p) - 1));
        if (add(c, ts_str_c(section), key, val) != 0) {
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

double ts_config_num(const ts_config *c, const char *section, const char *key, double def)
{
    const char *v = ts_config_get(c, section, key);
    double x, unit = 1;
    if (!v || !*v)
        return def;
    ts_str s = ts_str_c(v);
    switch (s.p[s.n - 1]) {
    case 's': unit = 1, s.n--; break;
    case 'm': unit = 60, s.n--; break;
    case 'h': unit = 3600, s.n--; break;
    case 'd': unit = 86400, s.n--; break;
    }
    return ts_parse_double(s, &x) ? x * unit : def;
}
