/* actors.c: threat actors, ATT&CK techniques, software and interned actor sets.
 *
 * Two actors are one only when they carry the same ATT&CK id, or the same canonical name
 * where one has no ATT&CK id. Aliases never merge actors: vendors reuse names for
 * different groups, so resolving a name returns every candidate and lets evidence decide. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/attack.h"
#include "core/vec.h"
#include "intel/intel_int.h"

#define TS_NAME_MAX 256

size_t ts_name_key(const char *s, char *buf, size_t cap)
{
    size_t o = 0;
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80))
            continue;
        if (o + 1 >= cap)
            return 0;
        buf[o++] = (char)c;
    }
    buf[o] = '\0';
    return o;
}

/* The key without a trailing "group", "team" or "gang" ("Lazarus Group" is also
 * "lazarus"), or 0 when there is none or nothing would be left. */
static size_t strip_suffix(const char *key, size_t n)
{
    static const char *const sfx[] = {"group", "team", "gang"};
    for (size_t i = 0; i < 3; i++) {
        size_t l = strlen(sfx[i]);
        if (n > l && memcmp(key + n - l, sfx[i], l) == 0)
            return n - l;
    }
    return 0;
}

/* Indexes name (and its suffix-less form) as a key of id in t. */
static void index_name(ts_intel *ti, ts_stab *t, const char *name, uint32_t id)
{
    char key[TS_NAME_MAX];
    size_t n = ts_name_key(name, key, sizeof key);
    size_t lens[2] = {n, n ? strip_suffix(key, n) : 0};
    for (size_t i = 0; i < 2; i++) {
        bool created, added;
        if (!lens[i])
            continue;
        ts_sent *e = ts_stab_put(t, &ti->pool, key, lens[i], &created);
        if (e)
            ts_multi_add(&ti->names, &e->val, id, &added);
    }
}

/* Every id indexed under name or its suffix-less form, without repeats. */
static size_t resolve(const ts_intel *ti, const ts_stab *t, const char *name, uint32_t *out, size_t max)
{
    char key[TS_NAME_MAX];
    size_t n = ts_name_key(name, key, sizeof key), total = 0;
    size_t lens[2] = {n, n ? strip_suffix(key, n) : 0};
    uint32_t seen[64];
    size_t nseen = 0;
    for (size_t i = 0; i < 2; i++) {
        const ts_sent *e = lens[i] ? ts_stab_find(t, key, lens[i]) : NULL;
        if (!e)
            continue;
        const uint32_t *ids;
        uint32_t one;
        size_t k = ts_multi_get(&ti->names, e->val, &ids, &one);
        for (size_t j = 0; j < k; j++) {
            bool dup = false;
            for (size_t s = 0; s < nseen && !dup; s++)
                dup = seen[s] == ids[j];
            if (dup)
                continue;
            if (nseen < 64)
                seen[nseen++] = ids[j];
            if (total < max)
                out[total] = ids[j];
            total++;
        }
    }
    return total;
}

static uint32_t stab_id(const ts_stab *t, const char *s)
{
    const ts_sent *e = s ? ts_stab_find(t, s, strlen(s)) : NULL;
    return e ? e->val : 0;
}

static void stab_set(ts_intel *ti, ts_stab *t, const char *s, uint32_t id)
{
    bool created;
    ts_sent *e = ts_stab_put(t, &ti->pool, s, strlen(s), &created);
    if (e && created)
        e->val = id;
}

/* Appends s to a string list unless it is there already (case ignored). */
static bool push_name(ts_intel *ti, const char ***v, size_t *n, size_t *cap, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcasecmp((*v)[i], s) == 0)
            return false;
    if (!ts_vec_grow(*v, *cap, *n + 1, TS_VEC_NOCAP))
        return false;
    const char *copy = ts_pool_strdup(&ti->pool, s, strlen(s));
    if (!copy)
        return false;
    (*v)[(*n)++] = copy;
    return true;
}

static bool push_id(uint32_t **v, size_t *n, size_t *cap, uint32_t id)
{
    for (size_t i = 0; i < *n; i++)
        if ((*v)[i] == id)
            return false;
    if (!ts_vec_grow(*v, *cap, *n + 1, TS_VEC_NOCAP))
        return false;
    (*v)[(*n)++] = id;
    return true;
}

static const char *dup_or_null(ts_intel *ti, const char *s)
{
    return s && *s ? ts_pool_strdup(&ti->pool, s, strlen(s)) : NULL;
}

/* ---- actors ---------------------------------------------------------------------------- */

static ts_actor_rec *actor_rec(const ts_intel *ti, uint32_t id)
{
    return id && id <= ti->actors.n ? ti->actors.v[id - 1] : NULL;
}

uint32_t ts_intel_actor_add(ts_intel *ti, const char *name, const char *attack_id, const char *country)
{
    if (!name || !*name)
        return 0;
    if (attack_id && !*attack_id)
        attack_id = NULL;
    uint32_t id = attack_id ? stab_id(&ti->actor_attack, attack_id) : 0;
    if (!id) {
        uint32_t same = stab_id(&ti->actor_canon, name);
        ts_actor_rec *r = actor_rec(ti, same);
        /* Same canonical name: one actor when either side has no ATT&CK id. */
        if (r && (!attack_id || !r->pub.attack_id)) {
            id = same;
            if (attack_id) {
                r->pub.attack_id = dup_or_null(ti, attack_id);
                stab_set(ti, &ti->actor_attack, attack_id, id);
                index_name(ti, &ti->actor_key, attack_id, id);
            }
        }
    }
    if (id) {
        ts_intel_actor_country(ti, id, country);
        return id;
    }
    ts_actor_rec *r = calloc(1, sizeof *r);
    if (!r || !ts_vec_push(&ti->actors, r)) {
        free(r);
        return 0;
    }
    id = (uint32_t)ti->actors.n;
    r->pub.id = id;
    r->pub.name = dup_or_null(ti, name);
    r->pub.attack_id = dup_or_null(ti, attack_id);
    r->pub.country = dup_or_null(ti, country);
    stab_set(ti, &ti->actor_canon, name, id);
    if (attack_id) {
        stab_set(ti, &ti->actor_attack, attack_id, id);
        index_name(ti, &ti->actor_key, attack_id, id);
    }
    index_name(ti, &ti->actor_key, name, id);
    return id;
}

void ts_intel_actor_alias(ts_intel *ti, uint32_t actor, const char *alias)
{
    ts_actor_rec *r = actor_rec(ti, actor);
    if (!r || !alias || !*alias || strcasecmp(alias, r->pub.name) == 0)
        return;
    if (push_name(ti, &r->aliases, &r->pub.n_aliases, &r->cap_aliases, alias)) {
        r->pub.aliases = r->aliases;
        index_name(ti, &ti->actor_key, alias, actor);
    }
}

void ts_intel_actor_uses_technique(ts_intel *ti, uint32_t actor, uint32_t technique)
{
    ts_actor_rec *r = actor_rec(ti, actor);
    if (r && technique && technique <= ti->techniques.n) {
        push_id(&r->techniques, &r->pub.n_techniques, &r->cap_techniques, technique);
        r->pub.techniques = r->techniques;
    }
}

void ts_intel_actor_uses_software(ts_intel *ti, uint32_t actor, uint32_t software)
{
    ts_actor_rec *r = actor_rec(ti, actor);
    if (r && software && software <= ti->software.n) {
        push_id(&r->software, &r->pub.n_software, &r->cap_software, software);
        r->pub.software = r->software;
    }
}

void ts_intel_actor_country(ts_intel *ti, uint32_t actor, const char *country)
{
    ts_actor_rec *r = actor_rec(ti, actor);
    if (r && !r->pub.country && country && *country)
        r->pub.country = dup_or_null(ti, country);
}

const ts_actor *ts_intel_actor(const ts_intel *ti, uint32_t id)
{
    ts_actor_rec *r = actor_rec(ti, id);
    return r ? &r->pub : NULL;
}

size_t ts_intel_actor_count(const ts_intel *ti)
{
    return ti->actors.n;
}

size_t ts_intel_actor_resolve(const ts_intel *ti, const char *name, uint32_t *out, size_t max)
{
    return resolve(ti, &ti->actor_key, name, out, max);
}

uint32_t ts_intel_actorset_for(ts_intel *ti, const char *name, const char *const *aliases, size_t n_aliases)
{
    uint32_t ids[32];
    if (!name || !*name)
        return 0;
    size_t n = ts_intel_actor_resolve(ti, name, ids, 32);
    if (n > 32)
        n = 32;
    if (n == 0) {
        ids[0] = ts_intel_actor_add(ti, name, NULL, NULL);
        if (!ids[0])
            return 0;
        for (size_t i = 0; i < n_aliases; i++)
            ts_intel_actor_alias(ti, ids[0], aliases[i]);
        n = 1;
    }
    return ts_intel_actorset(ti, ids, n);
}

/* ---- techniques ------------------------------------------------------------------------ */

/* Techniques are kept under their current ids (core/attack.h), so intelligence written
 * against an older ATT&CK and alerts of newer rules meet. */
static const char *current_tid(const char *tid, char *buf, size_t cap)
{
    return ts_attack_current(ts_attack_default(), ts_str_c(tid), buf, cap) ? buf : tid;
}

uint32_t ts_intel_technique(ts_intel *ti, const char *tid, const char *name, const char *tactics)
{
    char cur[16];
    if (!tid || !*tid)
        return 0;
    tid = current_tid(tid, cur, sizeof cur);
    uint32_t id = ts_intel_technique_find(ti, tid);
    if (id) {
        ts_technique *t = ti->techniques.v[id - 1];
        if (!t->name && name)
            t->name = dup_or_null(ti, name);
        if (!t->tactics && tactics)
            t->tactics = dup_or_null(ti, tactics);
        return id;
    }
    ts_technique *t = calloc(1, sizeof *t);
    if (!t || !ts_vec_push(&ti->techniques, t)) {
        free(t);
        return 0;
    }
    t->id = (uint32_t)ti->techniques.n;
    t->tid = dup_or_null(ti, tid);
    t->name = dup_or_null(ti, name);
    t->tactics = dup_or_null(ti, tactics);
    stab_set(ti, &ti->technique_tid, tid, t->id);
    return t->id;
}

uint32_t ts_intel_technique_find(const ts_intel *ti, const char *tid)
{
    char cur[16];
    return tid ? stab_id(&ti->technique_tid, current_tid(tid, cur, sizeof cur)) : 0;
}

const ts_technique *ts_intel_technique_get(const ts_intel *ti, uint32_t id)
{
    return id && id <= ti->techniques.n ? ti->techniques.v[id - 1] : NULL;
}

size_t ts_intel_technique_count(const ts_intel *ti)
{
    return ti->techniques.n;
}

/* ---- software -------------------------------------------------------------------------- */

uint32_t ts_intel_software_add(ts_intel *ti, const char *name, const char *attack_id, const char *type)
{
    if (!name || !*name)
        return 0;
    if (attack_id && !*attack_id)
        attack_id = NULL;
    uint32_t id = attack_id ? stab_id(&ti->software_attack, attack_id) : 0;
    if (!id) {
        uint32_t same = stab_id(&ti->software_canon, name);
        ts_software_rec *r = same ? ti->software.v[same - 1] : NULL;
        if (r && (!attack_id || !r->pub.attack_id)) {
            id = same;
            if (attack_id) {
                r->pub.attack_id = dup_or_null(ti, attack_id);
                stab_set(ti, &ti->software_attack, attack_id, id);
                index_name(ti, &ti->software_key, attack_id, id);
            }
        }
    }
    if (id) {
        ts_software_rec *r = ti->software.v[id - 1];
        if (!r->pub.type && type)
            r->pub.type = dup_or_null(ti, type);
        return id;
    }
    ts_software_rec *r = calloc(1, sizeof *r);
    if (!r || !ts_vec_push(&ti->software, r)) {
        free(r);
        return 0;
    }
    id = (uint32_t)ti->software.n;
    r->pub.id = id;
    r->pub.name = dup_or_null(ti, name);
    r->pub.attack_id = dup_or_null(ti, attack_id);
    r->pub.type = dup_or_null(ti, type);
    stab_set(ti, &ti->software_canon, name, id);
    if (attack_id) {
        stab_set(ti, &ti->software_attack, attack_id, id);
        index_name(ti, &ti->software_key, attack_id, id);
    }
    index_name(ti, &ti->software_key, name, id);
    return id;
}

void ts_intel_software_alias(ts_intel *ti, uint32_t software, const char *alias)
{
    if (!software || software > ti->software.n || !alias || !*alias)
        return;
    ts_software_rec *r = ti->software.v[software - 1];
    if (strcasecmp(alias, r->pub.name) == 0)
        return;
    if (push_name(ti, &r->aliases, &r->pub.n_aliases, &r->cap_aliases, alias)) {
        r->pub.aliases = r->aliases;
        index_name(ti, &ti->software_key, alias, software);
    }
}

void ts_intel_software_uses_technique(ts_intel *ti, uint32_t software, uint32_t technique)
{
    if (!software || software > ti->software.n || !technique || technique > ti->techniques.n)
        return;
    ts_software_rec *r = ti->software.v[software - 1];
    push_id(&r->techniques, &r->pub.n_techniques, &r->cap_techniques, technique);
    r->pub.techniques = r->techniques;
}

size_t ts_intel_software_resolve(const ts_intel *ti, const char *name, uint32_t *out, size_t max)
{
    return resolve(ti, &ti->software_key, name, out, max);
}

const ts_software *ts_intel_software_get(const ts_intel *ti, uint32_t id)
{
    return id && id <= ti->software.n ? &((ts_software_rec *)ti->software.v[id - 1])->pub : NULL;
}

size_t ts_intel_software_count(const ts_intel *ti)
{
    return ti->software.n;
}

/* ---- actor sets ------------------------------------------------------------------------ */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static const uint32_t *set_items(const ts_intel *ti, uint32_t set, size_t *n)
{
    const uint32_t *p = &ti->set_v[ti->set_off[set - 1]];
    *n = p[0];
    return p + 1;
}

static bool set_tab_grow(ts_intel *ti)
{
    size_t nc = ti->set_tab_cap ? ti->set_tab_cap * 2 : 64;
    uint32_t *t = calloc(nc, sizeof *t);
    if (!t)
        return false;
    for (size_t i = 0; i < ti->set_tab_cap; i++) {
        uint32_t id = ti->set_tab[i];
        if (!id)
            continue;
        size_t n;
        const uint32_t *items = set_items(ti, id, &n);
        size_t j = ts_hash_bytes(items, n * sizeof *items) & (nc - 1);
        while (t[j])
            j = (j + 1) & (nc - 1);
        t[j] = id;
    }
    free(ti->set_tab);
    ti->set_tab = t;
    ti->set_tab_cap = nc;
    return true;
}

/* Stores a sorted set under a new id (0: out of memory). */
static uint32_t set_store(ts_intel *ti, const uint32_t *a, size_t n)
{
    if (!ts_vec_grow(ti->set_v, ti->set_cap, ti->set_n + n + 1, TS_VEC_NOCAP))
        return 0;
    if (!ts_vec_grow(ti->set_off, ti->cap_sets, ti->n_sets + 1, TS_VEC_NOCAP))
        return 0;
    ti->set_off[ti->n_sets++] = (uint32_t)ti->set_n;
    ti->set_v[ti->set_n] = (uint32_t)n;
    memcpy(&ti->set_v[ti->set_n + 1], a, n * sizeof *a);
    ti->set_n += n + 1;
    return (uint32_t)ti->n_sets;
}

uint32_t ts_intel_actorset(ts_intel *ti, const uint32_t *actors, size_t n)
{
    uint32_t a[64];
    size_t k = 0;
    for (size_t i = 0; i < n && k < 64; i++)
        if (actors[i] && actors[i] <= ti->actors.n)
            a[k++] = actors[i];
    if (k == 0)
        return 0;
    qsort(a, k, sizeof *a, cmp_u32);
    size_t u = 1;
    for (size_t i = 1; i < k; i++)
        if (a[i] != a[u - 1])
            a[u++] = a[i];
    if ((ti->n_sets + 1) * 2 > ti->set_tab_cap && !set_tab_grow(ti))
        return 0;
    size_t mask = ti->set_tab_cap - 1, i = ts_hash_bytes(a, u * sizeof *a) & mask;
    for (; ti->set_tab[i]; i = (i + 1) & mask) {
        size_t m;
        const uint32_t *items = set_items(ti, ti->set_tab[i], &m);
        if (m == u && memcmp(items, a, u * sizeof *a) == 0)
            return ti->set_tab[i];
    }
    uint32_t id = set_store(ti, a, u);
    if (id)
        ti->set_tab[i] = id;
    return id;
}

size_t ts_intel_actorset_get(const ts_intel *ti, uint32_t set, const uint32_t **actors)
{
    if (!set || set > ti->n_sets) {
        *actors = NULL;
        return 0;
    }
    size_t n;
    *actors = set_items(ti, set, &n);
    return n;
}

/* ---- finalise -------------------------------------------------------------------------- */

void ts_intel_finalise(ts_intel *ti)
{
    for (size_t i = 0; i < ti->techniques.n; i++)
        ((ts_technique *)ti->techniques.v[i])->n_actors = 0;
    for (size_t i = 0; i < ti->software.n; i++)
        ((ts_software_rec *)ti->software.v[i])->pub.n_actors = 0;
    for (size_t i = 0; i < ti->actors.n; i++) {
        const ts_actor_rec *r = ti->actors.v[i];
        for (size_t j = 0; j < r->pub.n_techniques; j++)
            ((ts_technique *)ti->techniques.v[r->pub.techniques[j] - 1])->n_actors++;
        for (size_t j = 0; j < r->pub.n_software; j++)
            ((ts_software_rec *)ti->software.v[r->pub.software[j] - 1])->pub.n_actors++;
    }
}
