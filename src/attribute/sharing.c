/* sharing.c: the classes of shared infrastructure and their matching. A warninglist says a
 * value is benign or busy; its name says how (a CDN's ranges, a cloud's, a VPN's exits), and
 * that decides how much an actor's indicator in it still says: a rented cloud address a
 * little, a CDN or a sinkhole nothing. */
#include "attribute/sharing.h"
#include "core/vec.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void ts_share_free(ts_share_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_classes; i++) {
        free(t->classes[i].name);
        free(t->classes[i].why);
    }
    for (size_t i = 0; i < t->n_rules; i++) {
        free(t->rules[i].words);
        free(t->rules[i].suffix);
    }
    free(t->classes);
    free(t->rules);
    *t = (ts_share_table){0};
}

static char *lower_dup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    for (size_t i = 0; i < n; i++)
        d[i] = (char)tolower((unsigned char)s[i]);
    d[n] = '\0';
    return d;
}

/* Splits line at tabs into at most max fields (NUL-terminating them in place). */
static size_t fields(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        f[n++] = p;
        p = strchr(p, '\t');
        if (!p)
            break;
        *p++ = '\0';
    }
    return n;
}

static long class_index(const ts_share_table *t, const char *name)
{
    for (size_t i = 0; i < t->n_classes; i++)
        if (strcasecmp(t->classes[i].name, name) == 0)
            return (long)i;
    return -1;
}

/* Adds one line; returns NULL when it is good, else what is wrong with it. */
static const char *add_line(ts_share_table *t, char **f, size_t nf, bool *nomem)
{
    if (strcmp(f[0], "class") == 0) {
        if (nf != 4 || !*f[1] || !*f[3])
            return "a class line is: class<TAB>NAME<TAB>FACTOR<TAB>WHY";
        char *end;
        errno = 0;
        double x = strtod(f[2], &end);
        if (errno || end == f[2] || *end || !(x >= 0 && x <= 1))
            return "the factor must be a number from 0 to 1";
        if (class_index(t, f[1]) >= 0)
            return "this class is defined twice";
        if (!ts_vec_grow(t->classes, t->cap_classes, t->n_classes + 1, TS_VEC_NOCAP))
            return *nomem = true, "out of memory";
        ts_share_class *c = &t->classes[t->n_classes];
        *c = (ts_share_class){strdup(f[1]), x, strdup(f[3])};
        if (!c->name || !c->why) {
            free(c->name);
            free(c->why);
            return *nomem = true, "out of memory";
        }
        t->n_classes++;
        return NULL;
    }
    bool list = strcmp(f[0], "list") == 0, suffix = strcmp(f[0], "suffix") == 0;
    if (!list && !suffix)
        return "the first field must be class, list or suffix";
    if (nf != 3 || !*f[2])
        return list ? "a list line is: list<TAB>CLASS<TAB>WORDS"
                    : "a suffix line is: suffix<TAB>CLASS<TAB>DOMAIN";
    long ci = class_index(t, f[1]);
    if (ci < 0)
        return "unknown class (define it with a class line first)";
    if (!ts_vec_grow(t->rules, t->cap_rules, t->n_rules + 1, TS_VEC_NOCAP))
        return *nomem = true, "out of memory";
    char *v = lower_dup(f[2], strlen(f[2]));
    if (!v)
        return *nomem = true, "out of memory";
    if (suffix && v[0] == '.')
        memmove(v, v + 1, strlen(v));
    t->rules[t->n_rules++] = (ts_share_rule){(size_t)ci, list ? v : NULL, list ? NULL : v};
    return NULL;
}

tocsin_code ts_share_read(FILE *f, const char *name, ts_share_table *out, ts_diag_fn diag, void *ud)
{
    *out = (ts_share_table){0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    uint64_t no = 0;
    bool nomem = false;
    while (!nomem && (len = getline(&line, &cap, f)) >= 0) {
        no++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if ((size_t)len != strlen(line)) {
            ts_diag_say(diag, ud, name, no, 0, TOCSIN_E_PARSE, "a NUL byte inside the line");
            continue;
        }
        const char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#')
            continue;
        char *fl[5];
        size_t nf = fields(line, fl, 5);
        const char *err = add_line(out, fl, nf, &nomem);
        if (err && !nomem)
            ts_diag_say(diag, ud, name, no, 0, TOCSIN_E_PARSE, err);
    }
    free(line);
    if (nomem) {
        ts_share_free(out);
        return TOCSIN_E_NOMEM;
    }
    if (ferror(f)) {
        ts_share_free(out);
        return TOCSIN_E_IO;
    }
    return TOCSIN_OK;
}

tocsin_code ts_share_load(const char *path, ts_share_table *out, ts_diag_fn diag, void *ud)
{
    *out = (ts_share_table){0};
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f)
        return TOCSIN_E_IO;
    tocsin_code rc = ts_share_read(f, path, out, diag, ud);
    fclose(f);
    return rc;
}

/* Whether the words of pattern (lower case, single spaces) appear in text as consecutive
 * whole words, any case, each word of text allowed a plural "s". */
static bool words_in(const char *text, const char *pattern)
{
    for (const char *start = text; *start; start++) {
        if (start > text && isalnum((unsigned char)start[-1]))
            continue;
        const char *t = start, *p = pattern;
        bool ok = true;
        while (ok && *p) {
            while (*p && *p != ' ' && tolower((unsigned char)*t) == *p)
                t++, p++;
            if (*p && *p != ' ') {
                ok = false;
                break;
            }
            if ((*t == 's' || *t == 'S') && !isalnum((unsigned char)t[1]))
                t++;
            if (isalnum((unsigned char)*t)) {
                ok = false;
                break;
            }
            if (*p == ' ') { /* the next word, after any separators in the text */
                p++;
                while (*t && !isalnum((unsigned char)*t))
                    t++;
            }
        }
        if (ok)
            return true;
    }
    return false;
}

/* The host of a value: a URL's host, a mail address's domain, else the value itself. */
static void host_of(const char *value, char *buf, size_t cap)
{
    const char *s = strstr(value, "://"), *h = s ? s + 3 : value;
    const char *at = strchr(h, '@');
    if (at && (!s || at < h + strcspn(h, "/?#")))
        h = at + 1;
    size_t n = strcspn(h, "/?#:");
    if (n >= cap)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)tolower((unsigned char)h[i]);
    buf[n] = '\0';
    while (n && buf[n - 1] == '.')
        buf[--n] = '\0';
}

const ts_share_class *ts_share_classify(const ts_share_table *t, const char *warninglist, const char *value)
{
    if (!t)
        return NULL;
    if (warninglist) {
        const char *name = warninglist;
        if (strncasecmp(name, "warninglist: ", 13) == 0)
            name += 13;
        for (size_t i = 0; i < t->n_rules; i++)
            if (t->rules[i].words && words_in(name, t->rules[i].words))
                return &t->classes[t->rules[i].cls];
    }
    if (!value)
        return NULL;
    char host[256];
    host_of(value, host, sizeof host);
    size_t hn = strlen(host);
    for (size_t i = 0; i < t->n_rules; i++) {
        const char *sfx = t->rules[i].suffix;
        size_t sn = sfx ? strlen(sfx) : 0;
        if (!sn || hn < sn || strcmp(host + hn - sn, sfx) != 0)
            continue;
        if (hn == sn || host[hn - sn - 1] == '.')
            return &t->classes[t->rules[i].cls];
    }
    return NULL;
}
