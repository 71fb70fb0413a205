/* stix.c: the STIX 2.1 bundle loader: ATT&CK groups, techniques and software, and
 * indicators tied to the actors they indicate.
 *
 * Objects may come in any order, so loading runs in passes over the parsed bundle:
 *   1. index every object by id; skip revoked and deprecated ones;
 *   2. create actors (intrusion-set, threat-actor), techniques (attack-pattern) and software
 *      (malware, tool);
 *   3. read relationships: "uses" (actor -> technique / software), "attributed-to"
 *      (campaign -> intrusion-set, intrusion-set -> threat-actor), "indicates";
 *   4. add each indicator's values, tied to the actors it indicates: directly; through a
 *      campaign to the actors it is attributed to; through malware or a tool to every
 *      actor that uses it; and through an intrusion-set to its threat-actors.
 * Campaign techniques are not credited to groups: ATT&CK lists them on the campaign. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "intel/feedkit.h"
#include "intel/loaders.h"
#include "intel/stix_pattern.h"

enum kind { K_OTHER, K_ACTOR, K_TECHNIQUE, K_SOFTWARE, K_CAMPAIGN, K_INDICATOR, K_RELATIONSHIP };

/* One bundle object. links: indexes of related objects, by kind: an actor's threat-actors
 * (attributed-to), a campaign's actors, a software's users, an indicator's targets. */
typedef struct sobj {
    json_t *o;
    const char *id;
    uint8_t kind;
    uint32_t ref; /* the actor, technique or software id in ti; 0 if none */
    uint32_t *links;
    uint32_t n_links, cap_links;
} sobj;

typedef struct stix {
    ts_feed f;
    sobj *objs;
    size_t n;
    uint32_t *slots; /* id hash table: object index + 1; 0 empty */
    size_t mask;
    uint32_t source;
    uint8_t confidence;
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

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

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
        size_t h = hash_str(x->objs[i].id) & x->mask;
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
    for (size_t h = hash_str(s) & x->mask; x->slots[h]; h = (h + 1) & x->mask) {
        sobj *o = &x->objs[x->slots[h] - 1];
        if (strcmp(o->id, s) == 0)
            return o;
    }
    return NULL;
}

static bool link(sobj *o, uint32_t to)
{
    if (o->n_links == o->cap_links) {
        uint32_t cap = o->cap_links ? o->cap_links * 2 : 4;
        uint32_t *nl = realloc(o->links, cap * sizeof *nl);
        if (!nl)
            return false;
        o->links = nl;
        o->cap_links = cap;
    }
    o->links[o->n_links++] = to;
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

static void add_aliases(stix *x, sobj *so, const char *name, const char *key)
{
    const json_t *arr = json_object_get(so->o, key), *v;
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

static void make_actor(stix *x, sobj *so)
{
    char cc[3];
    const char *name = ts_json_str(so->o, "name");
    if (!name || !*name) {
        ts_feed_diag(&x->f, 0, "%s has no name", so->id);
        return;
    }
    so->ref = ts_intel_actor_add(x->f.ti, name, attack_id(so->o), country_of(so->o, cc));
    if (!so->ref)
        return;
    add_aliases(x, so, name, "aliases");
    add_aliases(x, so, name, "x_mitre_aliases");
}

static void make_technique(stix *x, sobj *so)
{
    char tactics[256];
    size_t n = 0, i;
    const json_t *ph;
    const char *tid = attack_id(so->o);
    if (!tid || tid[0] != 'T')
        return; /* a technique without an ATT&CK id cannot be named in evidence */
    tactics[0] = 0;
    json_array_foreach(json_object_get(so->o, "kill_chain_phases"), i, ph)
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
    so->ref = ts_intel_technique(x->f.ti, tid, ts_json_str(so->o, "name"), n ? tactics : NULL);
}

static void make_software(stix *x, sobj *so)
{
    const char *name = ts_json_str(so->o, "name");
    if (!name || !*name) {
        ts_feed_diag(&x->f, 0, "%s has no name", so->id);
        return;
    }
    so->ref = ts_intel_software_add(x->f.ti, name, attack_id(so->o), ts_json_str(so->o, "type"));
    if (!so->ref)
        return;
    add_aliases(x, so, name, "aliases");
    add_aliases(x, so, name, "x_mitre_aliases");
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
            ts_feed_diag(&x->f, 0, "%s: %s relationship refers to an object not in the bundle",
                         ts_json_str(r, "id") ? ts_json_str(r, "id") : "a relationship", type);
        return true;
    }
    if (!src->o || !dst->o)
        return true; /* revoked or deprecated */
    uint32_t di = (uint32_t)(dst - x->objs), si = (uint32_t)(src - x->objs);
    if (!strcmp(type, "uses") && src->kind == K_ACTOR && src->ref && dst->ref) {
        if (dst->kind == K_TECHNIQUE)
            ts_intel_actor_uses_technique(x->f.ti, src->ref, dst->ref);
        else if (dst->kind == K_SOFTWARE) {
            ts_intel_actor_uses_software(x->f.ti, src->ref, dst->ref);
            return link(dst, si);
        }
    } else if (!strcmp(type, "attributed-to") && dst->kind == K_ACTOR &&
               (src->kind == K_CAMPAIGN || src->kind == K_ACTOR)) {
        const ts_actor *ta = ts_intel_actor(x->f.ti, dst->ref);
        if (src->kind == K_ACTOR && src->ref && ta && ta->country)
            ts_intel_actor_country(x->f.ti, src->ref, ta->country);
        return link(src, di);
    } else if (!strcmp(type, "indicates") && src->kind == K_INDICATOR) {
        return link(src, di);
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
    if (depth > 3 || !so->o)
        return;
    if (so->kind == K_ACTOR && so->ref && *n < MAX_ACTORS)
        out[(*n)++] = so->ref;
    if (so->kind == K_ACTOR || so->kind == K_CAMPAIGN || so->kind == K_SOFTWARE)
        for (uint32_t k = 0; k < so->n_links; k++)
            actors_of(x, so->links[k], out, n, depth + 1);
}

static tocsin_code indicator(stix *x, sobj *so)
{
    const json_t *o = so->o;
    const char *ptype = ts_json_str(o, "pattern_type"), *pattern = ts_json_str(o, "pattern");
    uint32_t actors[MAX_ACTORS];
    size_t na = 0;
    ts_stix_pattern pat;
    tocsin_code rc = TOCSIN_OK;

    if (ptype && strcmp(ptype, "stix") != 0) {
        ts_feed_diag(&x->f, 0, "%s: pattern_type '%.32s' is not supported", so->id, ptype);
        return TOCSIN_OK;
    }
    if (!pattern) {
        ts_feed_diag(&x->f, 0, "%s has no pattern", so->id);
        return TOCSIN_OK;
    }
    for (uint32_t k = 0; k < so->n_links; k++)
        actors_of(x, so->links[k], actors, &na, 0);
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
        ts_feed_diag(&x->f, 0, "%s: bad pattern: %s", so->id, pat.err);
    for (size_t k = 0; k < pat.n_notes; k++)
        ts_feed_diag(&x->f, 0, "%s: %s", so->id, pat.notes[k]);
    for (size_t k = 0; k < pat.n && rc == TOCSIN_OK; k++) {
        const ts_stix_cmp *c = &pat.cmp[k];
        tocsin_code r = ts_intel_add(x->f.ti, c->type, ts_str_make(c->value, c->len), &m);
        if (r == TOCSIN_E_NOMEM)
            rc = r;
        else if (r != TOCSIN_OK)
            ts_feed_diag(&x->f, 0, "%s: '%.80s' is not a valid %s", so->id, c->value,
                         ts_ioc_type_name(c->type));
    }
    ts_stix_pattern_free(&pat);
    return rc == TOCSIN_E_PARSE ? TOCSIN_OK : rc;
}

/* ---- the loader --------------------------------------------------------------------- */

static bool skipped(const json_t *o)
{
    return json_is_true(json_object_get(o, "revoked")) ||
           json_is_true(json_object_get(o, "x_mitre_deprecated"));
}

static tocsin_code load_objects(stix *x, json_t *objects)
{
    size_t i;
    json_t *o;
    tocsin_code rc = TOCSIN_OK;
    x->n = json_array_size(objects);
    x->objs = calloc(x->n ? x->n : 1, sizeof *x->objs);
    if (!x->objs)
        return TOCSIN_E_NOMEM;
    json_array_foreach(objects, i, o)
    {
        sobj *so = &x->objs[i];
        so->id = ts_json_str(o, "id");
        so->kind = kind_of(ts_json_str(o, "type"));
        if (!so->id)
            ts_feed_diag(&x->f, 0, "object %zu of the bundle has no id", i + 1);
        else if (!skipped(o))
            so->o = o; /* revoked and deprecated objects stay indexed, but inert */
    }
    if (!index_build(x))
        return TOCSIN_E_NOMEM;
    for (i = 0; i < x->n; i++) {
        sobj *so = &x->objs[i];
        if (!so->o)
            continue;
        if (so->kind == K_ACTOR)
            make_actor(x, so);
        else if (so->kind == K_TECHNIQUE)
            make_technique(x, so);
        else if (so->kind == K_SOFTWARE)
            make_software(x, so);
    }
    for (i = 0; i < x->n; i++)
        if (x->objs[i].o && x->objs[i].kind == K_RELATIONSHIP && !relate(x, x->objs[i].o))
            return TOCSIN_E_NOMEM;
    for (i = 0; i < x->n && rc == TOCSIN_OK; i++)
        if (x->objs[i].o && x->objs[i].kind == K_INDICATOR)
            rc = indicator(x, &x->objs[i]);
    return rc;
}

static tocsin_code stix_load(ts_intel *ti, const char *name, const char *data, size_t len,
                             const ts_feed_opts *o)
{
    json_error_t err;
    stix x = {.f = {ti, name, o, 0}};
    tocsin_code rc;
    json_t *root = json_loadb(data, len, 0, &err);
    if (!root) {
        ts_feed_diag(&x.f, (uint64_t)err.line, "not JSON: %s", err.text);
        return TOCSIN_E_PARSE;
    }
    json_t *objects = json_object_get(root, "objects");
    if (!json_is_array(objects)) {
        ts_feed_diag(&x.f, 0, "not a STIX bundle (no \"objects\" array)");
        json_decref(root);
        return TOCSIN_E_FORMAT;
    }
    x.source = ts_intel_source(ti, name);
    x.confidence = ts_feed_confidence(&x.f);
    rc = load_objects(&x, objects);
    for (size_t i = 0; i < x.n; i++)
        free(x.objs[i].links);
    free(x.objs);
    free(x.slots);
    json_decref(root);
    return ts_feed_finish(&x.f, rc);
}

const ts_loader ts_loader_stix = {
    .name = "stix",
    .sniff = stix_sniff,
    .load = stix_load,
};
