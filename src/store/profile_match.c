/* profile_match.c: earlier incidents whose technique and software profile is close to an
 * incident's ("seen before" without shared infrastructure: the same playbook, the same
 * tools). Each incident is the set of ATT&CK technique and software ids its raised alerts
 * carry; two sets are compared by cosine similarity with each id weighed by its rarity among
 * the stored incidents (log(1 + N / df)), so the common techniques every intrusion shows
 * count little and a rare wiper technique or implant counts much. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "detect/alert_util.h"
#include "store/sightings.h"
#include "store/store_int.h"
#include "core/vec.h"

/* The distinct ids seen, interned: an open-addressing table of strings. */
typedef struct item {
    char *name;
    size_t df;    /* incidents showing it */
    size_t stamp; /* the last incident (sequence + 1) it was counted for */
} item;
typedef struct items {
    item *v; /* by index */
    size_t n, cap;
    size_t *slot; /* index + 1, 0: empty */
    size_t nslot;
} items;

static uint64_t hash_str(const char *s, size_t n)
{
    return ts_hash(TS_HASH_SEED, s, n);
}

/* The index of s[0..n), added when new; SIZE_MAX on no memory. */
static size_t intern(items *it, const char *s, size_t n)
{
    if (2 * (it->n + 1) > it->nslot) { /* grow and rehash */
        size_t ns = it->nslot ? it->nslot * 2 : 256;
        size_t *nv = calloc(ns, sizeof *nv);
        if (!nv)
            return SIZE_MAX;
        for (size_t i = 0; i < it->n; i++) {
            size_t h = hash_str(it->v[i].name, strlen(it->v[i].name)) & (ns - 1);
            while (nv[h])
                h = (h + 1) & (ns - 1);
            nv[h] = i + 1;
        }
        free(it->slot);
        it->slot = nv;
        it->nslot = ns;
    }
    size_t h = hash_str(s, n) & (it->nslot - 1);
    for (; it->slot[h]; h = (h + 1) & (it->nslot - 1)) {
        const char *x = it->v[it->slot[h] - 1].name;
        if (strlen(x) == n && memcmp(x, s, n) == 0)
            return it->slot[h] - 1;
    }
    char *copy;
    if (!ts_vec_grow(it->v, it->cap, it->n + 1, TS_VEC_NOCAP) || !(copy = strndup(s, n)))
        return SIZE_MAX;
    it->v[it->n] = (item){.name = copy};
    it->slot[h] = it->n + 1;
    return it->n++;
}

static void items_free(items *it)
{
    for (size_t i = 0; i < it->n; i++)
        free(it->v[i].name);
    free(it->v);
    free(it->slot);
}

/* One incident's profile: item indexes, distinct. */
typedef struct prof {
    char *incident;
    size_t *v;
    size_t n, cap;
} prof;

typedef struct profs {
    prof *v;
    size_t n, cap;
    items it;
    bool nomem;
} profs;

/* Adds the ids of a comma-separated ATT&CK list ("T1059.001, S0002, G0032") to p, counting
 * each item once per incident (seq); group ids are claims, not a profile, and are skipped. */
static void add_list(profs *ps, prof *p, size_t seq, const char *list)
{
    for (const char *s = list; s && *s && !ps->nomem;) {
        while (*s == ' ' || *s == ',' || *s == '\t')
            s++;
        size_t n = strcspn(s, ", \t");
        if (n && (s[0] == 'T' || s[0] == 'S')) {
            size_t k = intern(&ps->it, s, n);
            if (k == SIZE_MAX) {
                ps->nomem = true;
                return;
            }
            if (ps->it.v[k].stamp != seq + 1) {
                ps->it.v[k].stamp = seq + 1;
                ps->it.v[k].df++;
                if (!ts_vec_grow(p->v, p->cap, p->n + 1, TS_VEC_NOCAP)) {
                    ps->nomem = true;
                    return;
                }
                p->v[p->n++] = k;
            }
        }
        s += n;
    }
}

static tocsin_code read_profiles(ts_store *s, const char *incident, profs *ps)
{
    st_stmt *st;
    /* the incident itself and every earlier one, their raised alerts' techniques, grouped */
    const char *sql =
        "SELECT ia.incident, a.techniques FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert"
        " JOIN incidents i ON i.id = ia.incident"
        " WHERE (ia.incident = ?1 OR i.first_ns < (SELECT first_ns FROM incidents WHERE id = ?1))"
        " AND a.techniques IS NOT NULL AND a.suppressed IS NULL"
        " ORDER BY ia.incident";
    tocsin_code prc = st_prepare(s, sql, &st, "reading incidents' techniques");
    if (prc != TOCSIN_OK)
        return prc;
    st_text(st, 1, incident);
    int rc = STEP_ERR;
    while (!ps->nomem && (rc = st_step(st)) == STEP_ROW) {
        const char *id = st_col_text(st, 0);
        const char *list = st_col_text(st, 1);
        if (!id)
            continue;
        if (!ps->n || strcmp(ps->v[ps->n - 1].incident, id) != 0) {
            if (!ts_vec_grow(ps->v, ps->cap, ps->n + 1, TS_VEC_NOCAP)) {
                ps->nomem = true;
                break;
            }
            ps->v[ps->n] = (prof){.incident = strdup(id)};
            if (!ps->v[ps->n++].incident) {
                ps->nomem = true;
                break;
            }
        }
        add_list(ps, &ps->v[ps->n - 1], ps->n - 1, list);
    }
    bool done = !ps->nomem && rc == STEP_DONE;
    tocsin_code frc = done        ? TOCSIN_OK
                      : ps->nomem ? TOCSIN_E_NOMEM
                                  : st_fail(s, "reading incidents' techniques");
    st_finalize(st);
    return frc;
}

static double idf(const profs *ps, size_t k)
{
    return log(1.0 + (double)ps->n / (double)ps->it.v[k].df);
}

/* Cosine similarity of a and b, item weights idf; *shared: items in both. */
static double similarity(const profs *ps, const prof *a, const prof *b, const bool *in_a, size_t *shared)
{
    double na = 0, nb = 0, dot = 0;
    *shared = 0;
    for (size_t i = 0; i < a->n; i++) {
        double w = idf(ps, a->v[i]);
        na += w * w;
    }
    for (size_t i = 0; i < b->n; i++) {
        double w = idf(ps, b->v[i]);
        nb += w * w;
        if (in_a[b->v[i]]) {
            dot += w * w;
            (*shared)++;
        }
    }
    return na > 0 && nb > 0 ? dot / sqrt(na * nb) : 0;
}

/* "T1485, T1529 and 3 more", the rarest shared first, into a new string. */
static char *shared_text(const profs *ps, const prof *b, const bool *in_a)
{
    size_t best[3] = {SIZE_MAX, SIZE_MAX, SIZE_MAX}, n = 0;
    for (size_t i = 0; i < b->n; i++) {
        size_t k = b->v[i];
        if (!in_a[k])
            continue;
        n++;
        for (size_t j = 0; j < 3; j++)
            if (best[j] == SIZE_MAX || ps->it.v[k].df < ps->it.v[best[j]].df ||
                (ps->it.v[k].df == ps->it.v[best[j]].df &&
                 strcmp(ps->it.v[k].name, ps->it.v[best[j]].name) < 0)) {
                memmove(best + j + 1, best + j, (2 - j) * sizeof *best);
                best[j] = k;
                break;
            }
    }
    char buf[160];
    size_t len = (size_t)snprintf(buf, sizeof buf, "profile: ");
    for (size_t j = 0; j < 3 && best[j] != SIZE_MAX && len < sizeof buf; j++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", j ? ", " : "", ps->it.v[best[j]].name);
    return strdup(buf);
}

/* The first activity and verdict of an incident, into l. */
static tocsin_code fill_link(ts_store *s, ts_link *l)
{
    st_stmt *st;
    const char *sql = "SELECT i.first_ns, h.actor, h.probability FROM incidents i"
                      " LEFT JOIN hypotheses h ON h.incident = i.id AND h.rank = 1 WHERE i.id = ?1";
    tocsin_code rc = st_prepare(s, sql, &st, "reading an incident");
    if (rc != TOCSIN_OK)
        return rc;
    st_text(st, 1, l->incident);
    if (st_step(st) == STEP_ROW) {
        l->first_ns = st_col_int64(st, 0);
        const char *actor = st_col_text(st, 1);
        if (actor && !(l->verdict = ts_fmt_alloc("%s %.0f%%", actor, st_col_double(st, 2) * 100)))
            rc = TOCSIN_E_NOMEM;
    }
    st_finalize(st);
    return rc;
}

static int cmp_link(const void *pa, const void *pb)
{
    const ts_link *a = pa, *b = pb;
    if (a->similarity != b->similarity)
        return a->similarity > b->similarity ? -1 : 1;
    return strcmp(a->incident, b->incident);
}

tocsin_code ts_store_similar_before(ts_store *s, const char *incident, size_t max, ts_link **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!s || !incident)
        return TOCSIN_E_ARG;
    profs ps = {0};
    tocsin_code rc = read_profiles(s, incident, &ps);
    const prof *mine = NULL;
    for (size_t i = 0; rc == TOCSIN_OK && i < ps.n; i++)
        if (strcmp(ps.v[i].incident, incident) == 0)
            mine = &ps.v[i];
    bool *in_a = rc == TOCSIN_OK && mine ? calloc(ps.it.n ? ps.it.n : 1, sizeof *in_a) : NULL;
    ts_link *v = NULL;
    size_t nv = 0;
    if (rc == TOCSIN_OK && mine && mine->n >= TS_SIMILAR_MIN_SHARED) {
        v = in_a ? calloc(ps.n, sizeof *v) : NULL;
        if (!v)
            rc = TOCSIN_E_NOMEM;
        for (size_t i = 0; rc == TOCSIN_OK && i < mine->n; i++)
            in_a[mine->v[i]] = true;
        for (size_t i = 0; rc == TOCSIN_OK && i < ps.n; i++) {
            const prof *b = &ps.v[i];
            size_t shared;
            if (b == mine)
                continue;
            double sim = similarity(&ps, mine, b, in_a, &shared);
            if (sim < TS_SIMILAR_MIN || shared < TS_SIMILAR_MIN_SHARED)
                continue;
            ts_link *l = &v[nv++];
            *l = (ts_link){.incident = strdup(b->incident),
                           .n_shared = shared,
                           .similarity = sim,
                           .shared = shared_text(&ps, b, in_a)};
            if (!l->incident || !l->shared)
                rc = TOCSIN_E_NOMEM;
        }
        if (nv > 1)
            qsort(v, nv, sizeof *v, cmp_link);
        while (nv > max) {
            nv--;
            free(v[nv].incident);
            free(v[nv].shared);
        }
        for (size_t i = 0; rc == TOCSIN_OK && i < nv; i++)
            rc = fill_link(s, &v[i]);
    }
    free(in_a);
    for (size_t i = 0; i < ps.n; i++) {
        free(ps.v[i].incident);
        free(ps.v[i].v);
    }
    free(ps.v);
    items_free(&ps.it);
    if (rc != TOCSIN_OK) {
        ts_links_free(v, nv);
        return rc;
    }
    *out = v;
    *n = nv;
    return TOCSIN_OK;
}
