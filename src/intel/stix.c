/* stix.c: the STIX 2.1 bundle loader: ATT&CK groups, techniques and software, and
 * indicators tied to the actors they indicate.
 *
 * A bundle is untrusted and may be large (a million indicators is hundreds of MB), so it is
 * never parsed whole: a small scanner finds each element of "objects" in the bytes (with a
 * nesting limit) and jansson parses one object at a time. What is kept between objects is
 * small: per object its place in the bytes, kind and id, plus the links between objects.
 * Objects may come in any order, so loading makes passes over the bytes:
 *   1. parse every object: index it by id (revoked and deprecated ones stay inert); create
 *      actors (intrusion-set, threat-actor), techniques (attack-pattern) and software
 *      (malware, tool) on the way;
 *   2. parse the relationships again: "uses" (actor -> technique / software, software ->
 *      technique),
 *      "attributed-to" (campaign -> intrusion-set, intrusion-set -> threat-actor),
 *      "indicates";
 *   3. parse the indicators again and add their values, tied to the actors they indicate:
 *      directly; through a campaign to the actors it is attributed to; through malware or a
 *      tool to every actor that uses it; and through an intrusion-set to its threat-actors.
 * Memory, besides the bundle's bytes (the caller's; load.c caps a feed at 4 GiB) and the
 * indicators kept: 32 bytes per object with an id plus the id, 8 to 16 of hash table, 16
 * per relationship (freed before the indicators), 8 per link, arrays grown by doubling; and
 * one parsed object, whose JSON is at most STIX_MAX_OBJECT (jansson takes about 7 times
 * that). bench/bench_stix_rss: a bundle of 1M indicators and 1M relationships (635 MiB)
 * peaks at 1.5 times its size, the bytes included (7.0 times when jansson held it whole).
 * Campaign techniques are not credited to groups: ATT&CK lists them on the campaign. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/hash.h"
#include "core/vec.h"
#include "intel/feedkit.h"
#include "intel/loaders.h"
#include "intel/stix_pattern.h"

enum kind { K_OTHER, K_ACTOR, K_TECHNIQUE, K_SOFTWARE, K_CAMPAIGN, K_INDICATOR, K_RELATIONSHIP };

/* Objects nested deeper than this (the bundle is 1, "objects" 2, an object 3) are refused:
 * STIX objects go 4 or 5 deep (external_references, kill_chain_phases, extensions). */
#define STIX_MAX_DEPTH 64
/* One object's JSON larger than this is refused rather than parsed. */
#define STIX_MAX_OBJECT ((size_t)16 << 20)

/* One object of the bundle: where it is in the bytes, what it is, and links: indexes of
 * related objects, by kind: an actor's threat-actors (attributed-to), a campaign's actors,
 * a software's users, an indicator's targets. */
typedef struct sobj {
    size_t off;
    uint32_t len;
    uint32_t ref;        /* the actor, technique or software id in ti; 0 if none */
    uint32_t first_link; /* in stix.links, + 1; 0: none */
    uint8_t kind;
    bool inert;     /* revoked or deprecated: indexed, but takes no part */
    const char *id; /* in stix.ids */
} sobj;

/* A link: the object it leads to, and the next link of the same object (+ 1; 0: none). */
typedef struct slink {
    uint32_t to, next;
} slink;

/* Objects, relationships and links are counted in uint32_t (first_link, the slots). */
#define MAX_ITEMS ((size_t)UINT32_MAX - 1)

/* Where a relationship is in the bytes: they are read in the second pass. */
typedef struct sspan {
    size_t off;
    uint32_t len;
} sspan;

typedef struct stix {
    ts_feed f;
    const char *data;
    size_t len;
    sobj *objs;
    size_t n, cap;
    sspan *rels;
    size_t n_rels, cap_rels;
    slink *links;
    size_t n_links, cap_links;
    ts_arena ids;
    uint32_t *slots; /* id hash table: object index + 1; 0 empty */
    size_t mask;
    uint32_t source;
    uint8_t confidence;
    size_t pos_off, pos_line_start; /* the last place named in a message: counting lines */
    uint64_t pos_line;              /* goes on from there, as messages come in order */
} stix;

static int stix_sniff(const char *data, size_t len)
{
    size_t i = 0, head = len < 4096 ? len : 4096;
    while (i < head && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    if (i >= head || data[i] != '{')
        return 0;
    /* "type": "bundle" with any spacing */
    for (const char *p = data + i; (p = memmem(p, head - (size_t)(p - data), "\"type\"", 6)); p += 6) {
        const char *q = p + 6, *end = data + head;
        while (q < end && (*q == ' ' || *q == ':' || *q == '\t' || *q == '\r' || *q == '\n'))
            q++;
        if (end - q >= 8 && memcmp(q, "\"bundle\"", 8) == 0)
            return 95;
    }
    if (memmem(data, head, "\"spec_version\"", 14) && memmem(data, head, "\"objects\"", 9))
        return 60;
    return 0;
}

/* ---- id index ----------------------------------------------------------------------- */

static bool index_build(stix *x)
{
    size_t cap = 16;
    while (cap < x->n * 2)
        cap *= 2;
    x->slots = calloc(cap, sizeof *x->slots);
    if (!x->slots)
        return false;
    x->mask = cap - 1;
    for (size_t i = 0; i < x->n; i++) {
        if (!x->objs[i].id)
            continue;
        size_t h = ts_hash_str(TS_HASH_SEED, x->objs[i].id) & x->mask;
        while (x->slots[h])
            h = (h + 1) & x->mask;
        x->slots[h] = (uint32_t)i + 1;
    }
    return true;
}

/* The object with id s, or NULL. */
static sobj *lookup(const stix *x, const char *s)
{
    if (!s)
        return NULL;
    for (size_t h = ts_hash_str(TS_HASH_SEED, s) & x->mask; x->slots[h]; h = (h + 1) & x->mask) {
        sobj *o = &x->objs[x->slots[h] - 1];
        if (strcmp(o->id, s) == 0)
            return o;
    }
    return NULL;
}

static bool link(stix *x, sobj *o, uint32_t to)
{
    if (!ts_vec_grow(x->links, x->cap_links, x->n_links + 1, MAX_ITEMS))
        return false;
    x->links[x->n_links] = (slink){to, o->first_link};
    o->first_link = (uint32_t)++x->n_links;
    return true;
}

/* ---- objects ------------------------------------------------------------------------ */

static uint8_t kind_of(const char *type)
{
    if (!type)
        return K_OTHER;
    if (!strcmp(type, "intrusion-set") || !strcmp(type, "threat-actor"))
        return K_ACTOR;
    if (!strcmp(type, "attack-pattern"))
        return K_TECHNIQUE;
    if (!strcmp(type, "malware") || !strcmp(type, "tool"))
        return K_SOFTWARE;
    if (!strcmp(type, "campaign"))
        return K_CAMPAIGN;
    if (!strcmp(type, "indicator"))
        return K_INDICATOR;
    if (!strcmp(type, "relationship"))
        return K_RELATIONSHIP;
    return K_OTHER;
}

/* The ATT&CK id among external_references ("G0032", "T1566.001", "S0364"), or NULL. */
static const char *attack_id(const json_t *o)
{
    const json_t *refs = json_object_get(o, "external_references"), *r;
    size_t i;
    json_array_foreach(refs, i, r)
    {
        const char *src = ts_json_str(r, "source_name");
        if (src && !strncmp(src, "mitre-", 6) && ts_json_str(r, "external_id"))
            return ts_json_str(r, "external_id");
    }
    return NULL;
}

/* "country", or any "x_<producer>_country", when it is a two-letter code. */
static const char *country_of(const json_t *o, char buf[3])
{
    const char *key;
    const json_t *v;
    const char *c = ts_feed_country(ts_json_str(o, "country"), buf);
    if (c)
        return c;
    json_object_foreach((json_t *)o, key, v)
    {
        size_t n = strlen(key);
        if (n > 10 && !strncmp(key, "x_", 2) && !strcmp(key + n - 8, "_country") && json_is_string(v))
            if ((c = ts_feed_country(json_string_value(v), buf)))
                return c;
    }
    return NULL;
}

static void add_aliases(stix *x, sobj *so, const json_t *o, const char *name, const char *key)
{
    const json_t *arr = json_object_get(o, key), *v;
    size_t i;
    json_array_foreach(arr, i, v)
    {
        const char *a = json_string_value(v);
        if (!a || !*a || (name && !strcasecmp(a, name)))
            continue;
        if (so->kind == K_ACTOR)
            ts_intel_actor_alias(x->f.ti, so->ref, a);
        else
            ts_intel_software_alias(x->f.ti, so->ref, a);
    }
}

static void make_actor(stix *x, sobj *so, const json_t *o)
{
    char cc[3];
    const char *name = ts_json_str(o, "name");
    if (!name || !*name) {
        ts_feed_diag(&x->f, 0, 0, "%s has no name", so->id);
        return;
    }
    so->ref = ts_intel_actor_add(x->f.ti, name, attack_id(o), country_of(o, cc));
    if (!so->ref)
        return;
    add_aliases(x, so, o, name, "aliases");
    add_aliases(x, so, o, name, "x_mitre_aliases");
}

static void make_technique(stix *x, sobj *so, const json_t *o)
{
    char tactics[256];
    size_t n = 0, i;
    const json_t *ph;
    const char *tid = attack_id(o);
    if (!tid || tid[0] != 'T')
        return; /* a technique without an ATT&CK id cannot be named in evidence */
    tactics[0] = 0;
    json_array_foreach(json_object_get(o, "kill_chain_phases"), i, ph)
    {
        const char *p = ts_json_str(ph, "phase_name");
        size_t pl = p ? strlen(p) : 0;
        if (!pl || n + pl + 2 > sizeof tactics)
            continue;
        if (n)
            tactics[n++] = ',';
        memcpy(tactics + n, p, pl);
        n += pl;
        tactics[n] = 0;
    }
    so->ref = ts_intel_technique(x->f.ti, tid, ts_json_str(o, "name"), n ? tactics : NULL);
}

static void make_software(stix *x, sobj *so, const json_t *o)
{
    const char *name = ts_json_str(o, "name");
    if (!name || !*name) {
        ts_feed_diag(&x->f, 0, 0, "%s has no name", so->id);
        return;
    }
    so->ref = ts_intel_software_add(x->f.ti, name, attack_id(o), ts_json_str(o, "type"));
    if (!so->ref)
        return;
    add_aliases(x, so, o, name, "aliases");
    add_aliases(x, so, o, name, "x_mitre_aliases");
}

/* ---- relationships ------------------------------------------------------------------ */

static bool relate(stix *x, const json_t *r)
{
    const char *type = ts_json_str(r, "relationship_type");
    sobj *src = lookup(x, ts_json_str(r, "source_ref")), *dst = lookup(x, ts_json_str(r, "target_ref"));
    if (!type)
        return true;
    if (!src || !dst) {
        if (!strcmp(type, "uses") || !strcmp(type, "indicates") || !strcmp(type, "attributed-to"))
            ts_feed_diag(&x->f, 0, 0, "%s: %s relationship refers to an object not in the bundle",
                         ts_json_str(r, "id") ? ts_json_str(r, "id") : "a relationship", type);
        return true;
    }
    if (src->inert || dst->inert)
        return true; /* revoked or deprecated */
    uint32_t di = (uint32_t)(dst - x->objs), si = (uint32_t)(src - x->objs);
    if (!strcmp(type, "uses") && src->kind == K_ACTOR && src->ref && dst->ref) {
        if (dst->kind == K_TECHNIQUE)
            ts_intel_actor_uses_technique(x->f.ti, src->ref, dst->ref);
        else if (dst->kind == K_SOFTWARE) {
            ts_intel_actor_uses_software(x->f.ti, src->ref, dst->ref);
            return link(x, dst, si);
        }
    } else if (!strcmp(type, "uses") && src->kind == K_SOFTWARE && dst->kind == K_TECHNIQUE && src->ref &&
               dst->ref) {
        ts_intel_software_uses_technique(x->f.ti, src->ref, dst->ref); /* what a program does */
    } else if (!strcmp(type, "attributed-to") && dst->kind == K_ACTOR &&
               (src->kind == K_CAMPAIGN || src->kind == K_ACTOR)) {
        const ts_actor *ta = ts_intel_actor(x->f.ti, dst->ref);
        if (src->kind == K_ACTOR && src->ref && ta && ta->country)
            ts_intel_actor_country(x->f.ti, src->ref, ta->country);
        return link(x, src, di);
    } else if (!strcmp(type, "indicates") && src->kind == K_INDICATOR) {
        return link(x, src, di);
    }
    return true;
}

/* ---- indicators --------------------------------------------------------------------- */

#define MAX_ACTORS 64

/* Adds the actors object i stands for: itself and what it is attributed to (an
 * intrusion-set's threat-actors, a campaign's groups) or, for software, its users. */
static void actors_of(const stix *x, uint32_t i, uint32_t *out, size_t *n, int depth)
{
    const sobj *so = &x->objs[i];
    if (depth > 3 || so->inert)
        return;
    if (so->kind == K_ACTOR && so->ref && *n < MAX_ACTORS)
        out[(*n)++] = so->ref;
    if (so->kind == K_ACTOR || so->kind == K_CAMPAIGN || so->kind == K_SOFTWARE)
        for (uint32_t k = so->first_link; k; k = x->links[k - 1].next)
            actors_of(x, x->links[k - 1].to, out, n, depth + 1);
}

static tocsin_code indicator(stix *x, sobj *so, const json_t *o)
{
    const char *ptype = ts_json_str(o, "pattern_type"), *pattern = ts_json_str(o, "pattern");
    uint32_t actors[MAX_ACTORS];
    size_t na = 0;
    ts_stix_pattern pat;
    tocsin_code rc = TOCSIN_OK;

    if (ptype && strcmp(ptype, "stix") != 0) {
        ts_feed_diag(&x->f, 0, 0, "%s: pattern_type '%.32s' is not supported", so->id, ptype);
        return TOCSIN_OK;
    }
    if (!pattern) {
        ts_feed_diag(&x->f, 0, 0, "%s has no pattern", so->id);
        return TOCSIN_OK;
    }
    for (uint32_t k = so->first_link; k; k = x->links[k - 1].next)
        actors_of(x, x->links[k - 1].to, actors, &na, 0);
    if (!na && x->f.o && x->f.o->actor)
        ts_feed_actors(&x->f, x->f.o->actor, NULL, actors, &na, MAX_ACTORS);

    ts_ioc_meta m = {0};
    const json_t *conf = json_object_get(o, "confidence");
    m.source = x->source;
    m.actors = ts_feed_actorset(&x->f, actors, na);
    const char *note = ts_json_str(o, "name") ? ts_json_str(o, "name") : ts_json_str(o, "description");
    m.note = note ? ts_intel_string(x->f.ti, note) : 0;
    m.confidence = json_is_integer(conf) && json_integer_value(conf) >= 0 && json_integer_value(conf) <= 100
                       ? (uint8_t)json_integer_value(conf)
                       : x->confidence;
    m.first_seen = ts_feed_time(ts_json_str(o, "valid_from"));
    if (!m.first_seen)
        m.first_seen = ts_feed_time(ts_json_str(o, "created"));
    m.last_seen = ts_feed_time(ts_json_str(o, "modified"));
    if (!m.last_seen)
        m.last_seen = m.first_seen;
    m.expires = ts_feed_time(ts_json_str(o, "valid_until"));

    rc = ts_stix_pattern_parse(pattern, strlen(pattern), &pat);
    if (rc == TOCSIN_E_PARSE)
        ts_feed_diag(&x->f, 0, 0, "%s: bad pattern: %s", so->id, pat.err);
    for (size_t k = 0; k < pat.n_notes; k++)
        ts_feed_diag(&x->f, 0, 0, "%s: %s", so->id, pat.notes[k]);
    for (size_t k = 0; k < pat.n && rc == TOCSIN_OK; k++) {
        const ts_stix_cmp *c = &pat.cmp[k];
        tocsin_code r = ts_intel_add(x->f.ti, c->type, ts_str_make(c->value, c->len), &m);
        if (r == TOCSIN_E_NOMEM)
            rc = r;
        else if (r != TOCSIN_OK)
            ts_feed_diag(&x->f, 0, 0, "%s: '%.80s' is not a valid %s", so->id, c->value,
                         ts_ioc_type_name(c->type));
    }
    ts_stix_pattern_free(&pat);
    return rc == TOCSIN_E_PARSE ? TOCSIN_OK : rc;
}

/* ---- finding objects in the bytes ------------------------------------------------------ */

/* The 1-based line and column of byte off, for messages. */
static void position(stix *x, size_t off, uint64_t *line, uint64_t *col)
{
    const char *p = x->data, *nl;
    if (off < x->pos_off || !x->pos_line)
        x->pos_off = x->pos_line_start = 0, x->pos_line = 1;
    while ((nl = memchr(p + x->pos_off, '\n', off - x->pos_off))) {
        x->pos_line++;
        x->pos_off = x->pos_line_start = (size_t)(nl - p) + 1;
    }
    x->pos_off = off;
    *line = x->pos_line;
    *col = off - x->pos_line_start + 1;
}

static void bad_at(stix *x, size_t off, const char *what)
{
    uint64_t line, col;
    if (x->f.problems >= TS_FEED_MAX_DIAGS || !x->f.o || !x->f.o->diag) {
        ts_feed_diag(&x->f, 0, 0, "%s", what); /* counted, not shown: no need to find where */
        return;
    }
    position(x, off, &line, &col);
    ts_feed_diag(&x->f, line, 0, "column %llu (byte %zu): %s", (unsigned long long)col, off, what);
}

static size_t skip_ws(const char *p, size_t n, size_t i)
{
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    return i;
}

/* Past the string that opens at p[i] ('"'); 0 when it does not end. */
static size_t skip_string(const char *p, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (p[i] == '\\')
            i++;
        else if (p[i] == '"')
            return i + 1;
    }
    return 0;
}

enum { SCAN_OK, SCAN_BAD, SCAN_DEEP };

/* The end of the value at p[i] (depth: its container's nesting), without recursion: brackets
 * are matched on a stack of STIX_MAX_DEPTH; deeper than that the value is SCAN_DEEP (*deep:
 * where it went too deep), and its end is still found by counting, so what follows it can
 * be read. *end: past the value, or where it is broken (SCAN_BAD). Scalars are left to
 * jansson to check. */
static int skip_value(const char *p, size_t n, size_t i, int depth, size_t *end, size_t *deep_at)
{
    char stack[STIX_MAX_DEPTH];
    size_t level = 0, deep = 0;
    *deep_at = 0;
    if (i < n && p[i] == '"') {
        size_t e = skip_string(p, n, i);
        return e ? (*end = e, SCAN_OK) : (*end = i, SCAN_BAD);
    }
    if (i < n && p[i] != '{' && p[i] != '[') {
        while (i < n && !strchr(",]} \t\r\n", p[i]))
            i++;
        return *end = i, SCAN_OK;
    }
    for (; i < n; i++) {
        char c = p[i];
        if (c == '"') {
            size_t e = skip_string(p, n, i);
            if (!e)
                return *end = i, SCAN_BAD;
            i = e - 1;
        } else if (c == '{' || c == '[') {
            if (deep || depth + (int)level >= STIX_MAX_DEPTH) {
                if (!deep++)
                    *deep_at = i;
            } else {
                stack[level++] = c == '{' ? '}' : ']';
            }
        } else if (c == '}' || c == ']') {
            if (deep) {
                deep--;
            } else if (!level || stack[level - 1] != c) {
                return *end = i, SCAN_BAD;
            } else if (--level == 0) {
                *end = i + 1;
                return *deep_at ? SCAN_DEEP : SCAN_OK;
            }
        }
    }
    return *end = i, SCAN_BAD;
}

typedef bool (*object_fn)(stix *x, size_t off, size_t len, size_t index);

/* The elements of the "objects" array that opens at p[i], each given to fn as a span of the
 * bytes; an element nested too deep is reported and skipped. *end: past the array. */
static tocsin_code objects_array(stix *x, size_t i, object_fn fn, size_t *end)
{
    const char *p = x->data;
    size_t n = x->len, at, deep, index = 0;
    for (i = skip_ws(p, n, i + 1); i < n && p[i] != ']';) {
        int r = skip_value(p, n, i, 2, &at, &deep);
        if (r == SCAN_BAD)
            return bad_at(x, at, "not JSON: the bundle cannot be read past here"), TOCSIN_E_PARSE;
        index++;
        if (r == SCAN_DEEP) {
            char msg[128];
            snprintf(msg, sizeof msg, "object %zu of the bundle nests deeper than %d levels; skipped", index,
                     STIX_MAX_DEPTH);
            bad_at(x, deep, msg);
        } else if (!fn(x, i, at - i, index)) {
            return TOCSIN_E_NOMEM;
        }
        i = skip_ws(p, n, at);
        if (i < n && p[i] == ',')
            i = skip_ws(p, n, i + 1);
        else if (i < n && p[i] != ']')
            return bad_at(x, i, "not JSON: ',' or ']' was expected"), TOCSIN_E_PARSE;
    }
    if (i >= n)
        return bad_at(x, n, "not JSON: the bundle ends too soon"), TOCSIN_E_PARSE;
    *end = i + 1;
    return TOCSIN_OK;
}

/* Calls fn on each element of the "objects" array of the bundle's top-level object. Other
 * members are skipped unparsed. TOCSIN_E_PARSE, reported with the place, when the bytes
 * cannot be read to the end (the objects before it were given to fn). */
static tocsin_code each_object(stix *x, object_fn fn)
{
    const char *p = x->data;
    size_t n = x->len, i = skip_ws(p, n, 0), at, deep;
    bool found = false;
    if (i >= n || p[i] != '{')
        return bad_at(x, i, "not JSON: a STIX bundle is one object"), TOCSIN_E_PARSE;
    for (i = skip_ws(p, n, i + 1); i < n && p[i] != '}';) {
        size_t key = i, e = p[i] == '"' ? skip_string(p, n, i) : 0;
        if (!e)
            return bad_at(x, i, "not JSON: a key was expected"), TOCSIN_E_PARSE;
        i = skip_ws(p, n, e);
        if (i >= n || p[i] != ':')
            return bad_at(x, i, "not JSON: ':' was expected"), TOCSIN_E_PARSE;
        i = skip_ws(p, n, i + 1);
        if (!found && e - key == 9 && !memcmp(p + key, "\"objects\"", 9) && i < n && p[i] == '[') {
            found = true;
            tocsin_code rc = objects_array(x, i, fn, &at);
            if (rc != TOCSIN_OK)
                return rc;
        } else {
            int r = skip_value(p, n, i, 1, &at, &deep);
            if (r == SCAN_BAD)
                return bad_at(x, at, "not JSON: the bundle cannot be read past here"), TOCSIN_E_PARSE;
            if (r == SCAN_DEEP) {
                char msg[96];
                snprintf(msg, sizeof msg, "a member of the bundle nests deeper than %d levels; skipped",
                         STIX_MAX_DEPTH);
                bad_at(x, deep, msg);
            }
        }
        i = skip_ws(p, n, at);
        if (i < n && p[i] == ',')
            i = skip_ws(p, n, i + 1);
        else if (i < n && p[i] != '}')
            return bad_at(x, i, "not JSON: ',' or '}' was expected"), TOCSIN_E_PARSE;
    }
    if (i >= n)
        return bad_at(x, n, "not JSON: the bundle ends too soon"), TOCSIN_E_PARSE;
    if (!found)
        return ts_feed_diag(&x->f, 0, 0, "not a STIX bundle (no \"objects\" array)"), TOCSIN_E_FORMAT;
    return TOCSIN_OK;
}

/* One object parsed from its span; NULL (reported) when it is not a JSON object. */
static json_t *parse_object(stix *x, size_t off, size_t len, size_t index)
{
    json_error_t err;
    char msg[256];
    if (x->data[off] != '{') {
        snprintf(msg, sizeof msg, "object %zu of the bundle is not an object", index);
        bad_at(x, off, msg);
        return NULL;
    }
    if (len > STIX_MAX_OBJECT) {
        snprintf(msg, sizeof msg, "object %zu of the bundle is larger than %zu MiB; skipped", index,
                 STIX_MAX_OBJECT >> 20);
        bad_at(x, off, msg);
        return NULL;
    }
    json_t *o = json_loadb(x->data + off, len, 0, &err);
    if (!o) {
        snprintf(msg, sizeof msg, "object %zu of the bundle is not JSON: %s", index, err.text);
        bad_at(x, off + (err.position > 0 ? (size_t)err.position - 1 : 0), msg);
    }
    return o;
}

/* ---- the loader --------------------------------------------------------------------- */

static bool skipped(const json_t *o)
{
    return json_is_true(json_object_get(o, "revoked")) ||
           json_is_true(json_object_get(o, "x_mitre_deprecated"));
}

/* Pass 1: one object indexed, and made when it is an actor, technique or software. */
static bool first_pass(stix *x, size_t off, size_t len, size_t index)
{
    json_t *o = parse_object(x, off, len, index);
    if (!o)
        return true;
    uint8_t kind = kind_of(ts_json_str(o, "type"));
    const char *id = ts_json_str(o, "id");
    bool ok = true;
    if (!id) {
        ts_feed_diag(&x->f, 0, index, "object %zu of the bundle has no id", index);
    } else if (kind == K_RELATIONSHIP) {
        if ((ok = ts_vec_grow(x->rels, x->cap_rels, x->n_rels + 1, MAX_ITEMS)))
            x->rels[x->n_rels++] = (sspan){off, (uint32_t)len};
    } else {
        bool room = ts_vec_grow(x->objs, x->cap, x->n + 1, MAX_ITEMS);
        char *copy = room ? ts_arena_strndup(&x->ids, id, strlen(id)) : NULL;
        if ((ok = copy != NULL)) {
            sobj *so = &x->objs[x->n++];
            *so = (sobj){.off = off, .len = (uint32_t)len, .kind = kind, .inert = skipped(o), .id = copy};
            if (so->inert)
                ; /* revoked and deprecated objects stay indexed, but inert */
            else if (kind == K_ACTOR)
                make_actor(x, so, o);
            else if (kind == K_TECHNIQUE)
                make_technique(x, so, o);
            else if (kind == K_SOFTWARE)
                make_software(x, so, o);
        }
    }
    json_decref(o);
    return ok;
}

/* Parses the object at span off/len again (it parsed in pass 1). */
static json_t *again(const stix *x, size_t off, size_t len)
{
    return json_loadb(x->data + off, len, 0, NULL);
}

static tocsin_code load_objects(stix *x)
{
    tocsin_code rc = each_object(x, first_pass);
    if ((rc != TOCSIN_OK && rc != TOCSIN_E_PARSE) || (rc == TOCSIN_E_PARSE && !x->n && !x->n_rels))
        return rc;
    x->source = ts_intel_source(x->f.ti, x->f.name);
    /* A bundle broken part way is loaded up to the break: what came before stays. */
    tocsin_code broken = rc;
    if (!index_build(x))
        return TOCSIN_E_NOMEM;
    for (size_t i = 0; i < x->n_rels; i++) {
        json_t *o = again(x, x->rels[i].off, x->rels[i].len);
        bool ok = !o || relate(x, o);
        json_decref(o);
        if (!ok)
            return TOCSIN_E_NOMEM;
    }
    free(x->rels); /* done with: its memory goes to the indicators */
    x->rels = NULL;
    rc = TOCSIN_OK;
    for (size_t i = 0; i < x->n && rc == TOCSIN_OK; i++) {
        sobj *so = &x->objs[i];
        if (so->kind != K_INDICATOR || so->inert)
            continue;
        json_t *o = again(x, so->off, so->len);
        if (o)
            rc = indicator(x, so, o);
        json_decref(o);
    }
    return rc == TOCSIN_OK ? broken : rc;
}

static tocsin_code stix_load(ts_intel *ti, const char *name, const char *data, size_t len,
                             const ts_feed_opts *o)
{
    stix x = {.f = {ti, name, o, 0}, .data = data, .len = len, .ids = TS_ARENA_INIT};
    x.confidence = ts_feed_confidence(&x.f);
    tocsin_code rc = load_objects(&x);
    free(x.objs);
    free(x.rels);
    free(x.links);
    free(x.slots);
    ts_arena_free(&x.ids);
    return ts_feed_finish(&x.f, rc);
}

const ts_loader ts_loader_stix = {
    .name = "stix",
    .sniff = stix_sniff,
    .load = stix_load,
};
