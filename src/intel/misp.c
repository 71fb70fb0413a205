/* misp.c: the MISP event loader ({"Event": {...}}) and MISP feed directories
 * (manifest.json beside <uuid>.json events).
 *
 * Actors come from the event's galaxy tags and clusters (threat-actor, mitre-intrusion-set)
 * and from each attribute's own tags; an attribute is tied to both. Attributes MISP marks
 * not for detection (to_ids false) are kept as context at half the confidence: they still
 * say where the actor was seen. Attribute types tocsin cannot match (text, comments,
 * file names, "uri" paths without a host, ...) are passed over without a message: they
 * are not errors. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/input.h"
#include "intel/feedkit.h"
#include "intel/loaders.h"

#define MAX_ACTORS 32
#define MAX_FILE (256u << 20)

static int misp_sniff(const char *data, size_t len)
{
    size_t i = 0, head = len < 4096 ? len : 4096;
    while (i < head && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    if (i >= head || data[i] != '{')
        return 0;
    for (i++; i < head && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'); i++)
        ;
    if (head - i >= 7 && memcmp(data + i, "\"Event\"", 7) == 0)
        return 95;
    if (head - i >= 10 && memcmp(data + i, "\"response\"", 10) == 0 && memmem(data, head, "\"Event\"", 7))
        return 85;
    return 0;
}

/* ---- actors from tags and galaxies -------------------------------------------------- */

/* "Lazarus Group - G0032" (mitre-intrusion-set cluster values): splits off the id. */
static void split_attack_id(char *value, const char **gid)
{
    char *dash = strstr(value, " - G");
    *gid = NULL;
    if (dash && strlen(dash + 3) >= 5) {
        *dash = 0;
        *gid = dash + 3;
    }
}

static bool actor_galaxy(const char *type)
{
    return !strcmp(type, "threat-actor") || strstr(type, "intrusion-set") != NULL;
}

/* A tag "misp-galaxy:threat-actor=\"Lazarus Group\"" or
 * "misp-galaxy:mitre-intrusion-set=\"Lazarus Group - G0032\"". */
static void actor_from_tag(ts_feed *f, const char *tag, uint32_t *out, size_t *n)
{
    char type[64], value[256];
    const char *eq, *gid;
    size_t tl, vl;
    if (!tag || strncmp(tag, "misp-galaxy:", 12) != 0 || !(eq = strchr(tag + 12, '=')))
        return;
    tl = (size_t)(eq - (tag + 12));
    if (tl >= sizeof type)
        return;
    memcpy(type, tag + 12, tl);
    type[tl] = 0;
    if (!actor_galaxy(type))
        return;
    eq++;
    if (*eq == '"')
        eq++;
    vl = strlen(eq);
    if (vl && eq[vl - 1] == '"')
        vl--;
    if (!vl || vl >= sizeof value)
        return;
    memcpy(value, eq, vl);
    value[vl] = 0;
    split_attack_id(value, &gid);
    ts_feed_actors(f, value, gid, out, n, MAX_ACTORS);
}

static void actors_from_tags(ts_feed *f, const json_t *obj, uint32_t *out, size_t *n)
{
    const json_t *t;
    size_t i;
    json_array_foreach(json_object_get(obj, "Tag"), i, t) actor_from_tag(f, ts_json_str(t, "name"), out, n);
}

/* Galaxy: [{"type": "threat-actor", "GalaxyCluster": [{"value": .., "meta": {..}}]}] */
static void actors_from_galaxies(ts_feed *f, const json_t *ev, uint32_t *out, size_t *n)
{
    const json_t *g, *c;
    size_t i, j;
    json_array_foreach(json_object_get(ev, "Galaxy"), i, g)
    {
        const char *type = ts_json_str(g, "type");
        if (!type || !actor_galaxy(type))
            continue;
        json_array_foreach(json_object_get(g, "GalaxyCluster"), j, c)
        {
            const char *v = ts_json_str(c, "value"), *gid = NULL;
            char value[256];
            if (!v || strlen(v) >= sizeof value)
                continue;
            memcpy(value, v, strlen(v) + 1);
            split_attack_id(value, &gid);
            if (!gid) { /* MISP writes meta values as arrays: ["G0032"] */
                const json_t *ext = json_object_get(json_object_get(c, "meta"), "external_id");
                gid = json_string_value(json_is_array(ext) ? json_array_get(ext, 0) : ext);
            }
            ts_feed_actors(f, value, gid, out, n, MAX_ACTORS);
        }
    }
}

/* ---- attributes --------------------------------------------------------------------- */

/* What an attribute type holds: the type of its value, or of the parts of "a|b". */
typedef struct mtype {
    const char *name;
    ts_ioc_type left, right; /* right: for composite types; TS_IOC_NONE to ignore */
} mtype;

static const mtype mtypes[] = {
    {"ip-src", TS_IOC_IP, 0},
    {"ip-dst", TS_IOC_IP, 0},
    {"ip-src|port", TS_IOC_IP, 0},
    {"ip-dst|port", TS_IOC_IP, 0},
    {"domain", TS_IOC_DOMAIN, 0},
    {"hostname", TS_IOC_DOMAIN, 0},
    {"hostname|port", TS_IOC_DOMAIN, 0},
    {"domain|ip", TS_IOC_DOMAIN, TS_IOC_IP},
    {"url", TS_IOC_URL, 0},
    {"email", TS_IOC_EMAIL, 0},
    {"email-src", TS_IOC_EMAIL, 0},
    {"email-dst", TS_IOC_EMAIL, 0},
    {"email-reply-to", TS_IOC_EMAIL, 0},
    {"md5", TS_IOC_MD5, 0},
    {"sha1", TS_IOC_SHA1, 0},
    {"sha256", TS_IOC_SHA256, 0},
    {"filename|md5", 0, TS_IOC_MD5},
    {"filename|sha1", 0, TS_IOC_SHA1},
    {"filename|sha256", 0, TS_IOC_SHA256},
    {"AS", TS_IOC_ASN, 0},
};

static const mtype *mtype_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof mtypes / sizeof mtypes[0]; i++)
        if (!strcmp(mtypes[i].name, name))
            return &mtypes[i];
    return NULL;
}

typedef struct event_ctx {
    ts_feed *f;
    uint32_t source, note;
    uint32_t actors[MAX_ACTORS];
    size_t n_actors;
    int64_t first_seen, last_seen;
    size_t record; /* attribute number in the event, for messages (JSON has no useful line) */
} event_ctx;

static tocsin_code add_part(event_ctx *e, ts_ioc_type type, ts_str v, const ts_ioc_meta *m, const char *atype)
{
    if (!type)
        return TOCSIN_OK;
    tocsin_code r = ts_intel_add(e->f->ti, type, ts_str_trim(v), m);
    if (r == TOCSIN_E_NOMEM)
        return r;
    if (r != TOCSIN_OK)
        ts_feed_diag(e->f, 0, e->record, "attribute %zu: %s value '%.*s' is not a valid %s", e->record, atype,
                     (int)(v.n > 80 ? 80 : v.n), v.p, ts_ioc_type_name(type));
    return TOCSIN_OK;
}

static tocsin_code attribute(event_ctx *e, const json_t *a)
{
    const char *atype = ts_json_str(a, "type"), *value = ts_json_str(a, "value");
    const mtype *mt = mtype_find(atype);
    uint32_t actors[MAX_ACTORS];
    size_t na = e->n_actors;
    e->record++;
    if (!mt || ts_json_truthy(a, "deleted"))
        return TOCSIN_OK;
    if (!value) {
        ts_feed_diag(e->f, 0, e->record, "attribute %zu: %s without a value", e->record, atype);
        return TOCSIN_OK;
    }
    memcpy(actors, e->actors, na * sizeof *actors);
    actors_from_tags(e->f, a, actors, &na);

    ts_ioc_meta m = {0};
    m.source = e->source;
    m.note = e->note;
    m.actors = ts_feed_actorset(e->f, actors, na);
    m.confidence = ts_feed_confidence(e->f);
    if (json_object_get(a, "to_ids") && !ts_json_truthy(a, "to_ids"))
        m.confidence /= 2;
    m.first_seen = ts_feed_time(ts_json_str(a, "first_seen"));
    if (!m.first_seen)
        m.first_seen = e->first_seen;
    m.last_seen = ts_feed_time(ts_json_str(a, "last_seen"));
    if (!m.last_seen)
        m.last_seen = ts_feed_time(ts_json_str(a, "timestamp"));
    if (!m.last_seen)
        m.last_seen = e->last_seen;

    const char *bar = strchr(value, '|');
    bool composite = strchr(mt->name, '|') != NULL;
    if (composite && !bar) {
        ts_feed_diag(e->f, 0, e->record, "attribute %zu: %s value without '|'", e->record, atype);
        return TOCSIN_OK;
    }
    if (!composite)
        return add_part(e, mt->left, ts_str_c(value), &m, atype);
    tocsin_code r = add_part(e, mt->left, ts_str_make(value, (size_t)(bar - value)), &m, atype);
    if (r == TOCSIN_OK)
        r = add_part(e, mt->right, ts_str_c(bar + 1), &m, atype);
    return r;
}

static tocsin_code load_event(ts_feed *f, uint32_t source, const json_t *ev)
{
    event_ctx e = {.f = f, .source = source};
    const json_t *a, *obj;
    size_t i, j;
    tocsin_code rc = TOCSIN_OK;
    const char *info = ts_json_str(ev, "info");
    e.note = info ? ts_intel_string(f->ti, info) : 0;
    e.first_seen = ts_feed_time(ts_json_str(ev, "date"));
    e.last_seen = ts_feed_time(ts_json_str(ev, "timestamp"));
    actors_from_tags(f, ev, e.actors, &e.n_actors);
    actors_from_galaxies(f, ev, e.actors, &e.n_actors);
    if (!e.n_actors && f->o && f->o->actor)
        ts_feed_actors(f, f->o->actor, NULL, e.actors, &e.n_actors, MAX_ACTORS);
    json_array_foreach(json_object_get(ev, "Attribute"), i, a) if (rc == TOCSIN_OK) rc = attribute(&e, a);
    json_array_foreach(json_object_get(ev, "Object"), i, obj)
    {
        if (ts_json_truthy(obj, "deleted"))
            continue;
        json_array_foreach(json_object_get(obj, "Attribute"), j, a) if (rc == TOCSIN_OK) rc =
            attribute(&e, a);
    }
    return rc;
}

static tocsin_code misp_load(ts_intel *ti, const char *name, const char *data, size_t len,
                             const ts_feed_opts *o)
{
    ts_feed f = {ti, name, o, 0};
    json_error_t err;
    json_t *root = json_loadb(data, len, 0, &err), *ev, *resp, *item;
    tocsin_code rc = TOCSIN_OK;
    size_t i, events = 0;
    if (!root) {
        ts_feed_diag(&f, (uint64_t)err.line, 0, "not JSON: %s", err.text);
        return TOCSIN_E_PARSE;
    }
    uint32_t source = ts_intel_source(ti, name);
    if ((ev = json_object_get(root, "Event")) && json_is_object(ev)) {
        events++;
        rc = load_event(&f, source, ev);
    }
    resp = json_object_get(root, "response"); /* the REST search result: [{"Event": ..}] */
    json_array_foreach(resp, i, item)
    {
        ev = json_object_get(item, "Event");
        if (json_is_object(ev) && rc == TOCSIN_OK) {
            events++;
            rc = load_event(&f, source, ev);
        }
    }
    json_decref(root);
    if (!events) {
        ts_feed_diag(&f, 0, 0, "not a MISP event (no \"Event\" object)");
        return TOCSIN_E_FORMAT;
    }
    return ts_feed_finish(&f, rc);
}

const ts_loader ts_loader_misp_event = {
    .name = "misp-event",
    .sniff = misp_sniff,
    .load = misp_load,
};

/* ---- feed directories --------------------------------------------------------------- */

/* A manifest key must be an event uuid: it becomes a file name, so nothing else passes. */
static bool uuid_like(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f') || (s[n] >= 'A' && s[n] <= 'F') ||
              s[n] == '-'))
            return false;
    return n >= 32 && n <= 40;
}

static tocsin_code load_event_file(ts_intel *ti, ts_feed *f, const char *dir, const char *uuid)
{
    char path[4096], *data;
    size_t len;
    snprintf(path, sizeof path, "%s/%s.json", dir, uuid);
    tocsin_code rc = ts_input_slurp_path(path, MAX_FILE, &data, &len);
    if (rc != TOCSIN_OK) {
        ts_feed_diag(f, 0, 0, "%s: %s", path, tocsin_strerror(rc));
        return rc == TOCSIN_E_NOMEM ? rc : TOCSIN_OK;
    }
    if (f->o && f->o->loaded)
        f->o->loaded(f->o->ud, ts_loader_misp_event.name, path, data, len);
    rc = misp_load(ti, path, data, len, f->o);
    free(data);
    if (rc != TOCSIN_OK && rc != TOCSIN_E_NOMEM) {
        f->problems++; /* the event's own problems went to diag under its name */
        rc = TOCSIN_OK;
    }
    return rc;
}

tocsin_code ts_misp_load_feed_dir(ts_intel *ti, const char *dir, const ts_feed_opts *o)
{
    char path[4096], *data;
    size_t len;
    ts_feed f = {ti, dir, o, 0};
    json_error_t err;
    const char *uuid;
    json_t *v;
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    tocsin_code rc = ts_input_slurp_path(path, MAX_FILE, &data, &len);
    if (rc != TOCSIN_OK) {
        ts_feed_diag(&f, 0, 0, "manifest.json: %s", tocsin_strerror(rc));
        return rc;
    }
    json_t *manifest = json_loadb(data, len, 0, &err);
    free(data);
    if (!json_is_object(manifest)) {
        ts_feed_diag(&f, (uint64_t)err.line, 0, "manifest.json is not a JSON object");
        json_decref(manifest);
        return TOCSIN_E_PARSE;
    }
    json_object_foreach(manifest, uuid, v)
    {
        if (!uuid_like(uuid)) {
            ts_feed_diag(&f, 0, 0, "manifest key '%.64s' is not an event uuid", uuid);
            continue;
        }
        if ((rc = load_event_file(ti, &f, dir, uuid)) != TOCSIN_OK)
            break;
    }
    json_decref(manifest);
    return ts_feed_finish(&f, rc);
}
