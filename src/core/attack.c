/* attack.c: ATT&CK technique ids across versions (see attack.h). */
#include "core/attack.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vec.h"

#define TID_MAX 16 /* "T1234.567" and room to spare */

typedef struct move {
    char old[TID_MAX], cur[TID_MAX];
} move;

struct ts_attack_map {
    move *v; /* sorted by old */
    size_t n;
};

/* "T1234" or "T1234.567" (any case, an "attack." prefix allowed) into out, upper case. */
static size_t normal_id(ts_str s, char *out, size_t cap)
{
    s = ts_str_trim(s);
    if (ts_str_istarts(s, "attack."))
        s = ts_str_make(s.p + 7, s.n - 7);
    if (!(s.n == 5 || (s.n == 9 && s.p[5] == '.')) || (s.p[0] != 'T' && s.p[0] != 't') || s.n >= cap)
        return 0;
    for (size_t i = 1; i < s.n; i++)
        if (i != 5 && (s.p[i] < '0' || s.p[i] > '9'))
            return 0;
    out[0] = 'T';
    memcpy(out + 1, s.p + 1, s.n - 1);
    out[s.n] = 0;
    return s.n;
}

static int cmp_move(const void *a, const void *b)
{
    return strcmp(((const move *)a)->old, ((const move *)b)->old);
}

tocsin_code ts_attack_map_load(const char *path, ts_attack_map **out, ts_diag_fn diag, void *ud)
{
    ts_attack_map *m = calloc(1, sizeof *m);
    *out = m;
    if (!m)
        return TOCSIN_E_NOMEM;
    FILE *f = fopen(path, "r");
    if (!f) {
        char msg[300];
        snprintf(msg, sizeof msg, "cannot read the ATT&CK moves table: %s", strerror(errno));
        ts_diag_say(diag, ud, path, 0, 0, TOCSIN_E_IO, msg);
        return TOCSIN_E_IO;
    }
    char line[512];
    unsigned lineno = 0;
    size_t cap = 0;
    tocsin_code rc = TOCSIN_OK;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char *tab = strchr(line, '\t');
        char *tab2 = tab ? strchr(tab + 1, '\t') : NULL;
        move mv;
        if (!tab || !normal_id(ts_str_make(line, (size_t)(tab - line)), mv.old, sizeof mv.old) ||
            !normal_id(tab2 ? ts_str_make(tab + 1, (size_t)(tab2 - tab - 1)) : ts_str_c(tab + 1), mv.cur,
                       sizeof mv.cur)) {
            ts_diag_say(diag, ud, path, lineno, 0, TOCSIN_E_PARSE, "not 'old id<TAB>current id<TAB>why'");
            rc = TOCSIN_E_PARSE;
            break;
        }
        if (!ts_vec_grow(m->v, cap, m->n + 1, TS_VEC_NOCAP)) {
            rc = TOCSIN_E_NOMEM;
            break;
        }
        m->v[m->n++] = mv;
    }
    fclose(f);
    if (m->n)
        qsort(m->v, m->n, sizeof *m->v, cmp_move);
    return rc;
}

void ts_attack_map_free(ts_attack_map *m)
{
    if (m)
        free(m->v);
    free(m);
}

size_t ts_attack_current(const ts_attack_map *m, ts_str id, char *out, size_t cap)
{
    size_t n = normal_id(id, out, cap);
    if (!n || !m || !m->n)
        return n;
    move key;
    memcpy(key.old, out, n + 1);
    const move *hit = bsearch(&key, m->v, m->n, sizeof *m->v, cmp_move);
    if (!hit)
        return n; /* never moved (a sub-technique moves only when the table names it) */
    size_t cn = strlen(hit->cur);
    if (cn >= cap)
        return 0;
    memcpy(out, hit->cur, cn + 1);
    return cn;
}

bool ts_attack_related(const ts_attack_map *m, ts_str a, ts_str b)
{
    char x[TID_MAX], y[TID_MAX];
    size_t xn = ts_attack_current(m, a, x, sizeof x), yn = ts_attack_current(m, b, y, sizeof y);
    if (!xn || !yn)
        return false;
    /* Same technique, or same parent "T1234" where one of them is the parent itself. */
    if (xn == yn)
        return memcmp(x, y, xn) == 0;
    return memcmp(x, y, 5) == 0; /* lengths differ: one is "T1234", the other "T1234.nnn" */
}

bool ts_attack_list_related(const ts_attack_map *m, const char *list, ts_str id)
{
    ts_str it;
    for (const char *p = list; ts_str_next_item(&p, &it);)
        if (ts_attack_related(m, it, id))
            return true;
    return false;
}

static ts_attack_map *default_map;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void load_default(void)
{
    const char *dir = getenv("TOCSIN_DATA") ? getenv("TOCSIN_DATA") : TOCSIN_DATA_DIR;
    char path[1024];
    snprintf(path, sizeof path, "%s/attack/technique_moves.tsv", dir);
    ts_attack_map *m = NULL;
    if (ts_attack_map_load(path, &m, NULL, NULL) == TOCSIN_OK)
        default_map = m;
    else
        ts_attack_map_free(m); /* unreadable or bad: compare ids as written */
}

const ts_attack_map *ts_attack_default(void)
{
    pthread_once(&default_once, load_default);
    return default_map;
}

char *ts_attack_current_list(const ts_attack_map *m, const char *list)
{
    if (!list)
        return NULL;
    size_t len = strlen(list), cap = len + 1 + 8 * (len / 5 + 1); /* "T1234" may grow to "T1234.567" */
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t o = 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        char cur[TID_MAX];
        size_t cn = ts_attack_current(m, ts_str_make(p, n), cur, sizeof cur);
        ts_str item = cn ? ts_str_make(cur, cn) : ts_str_trim(ts_str_make(p, n));
        p += n + (p[n] == ',');
        bool seen = !item.n;
        for (size_t q = 0; q < o && !seen;) {
            size_t qn = strcspn(out + q, ",");
            seen = qn == item.n && memcmp(out + q, item.p, qn) == 0;
            q += qn + 1;
        }
        if (seen || o + item.n + 2 > cap)
            continue;
        if (o)
            out[o++] = ',';
        memcpy(out + o, item.p, item.n);
        o += item.n;
        out[o] = 0;
    }
    out[o] = 0;
    return out;
}
