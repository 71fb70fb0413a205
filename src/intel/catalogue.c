/* catalogue.c: the loader of tocsin's own actor catalogue (data/intel/actors.jsonl).
 *
 * Format: JSON lines (UTF-8, one JSON object per line, blank lines ignored, each line at
 * most 1 MiB). The first line is the header; every other line is a technique (it has a
 * string "technique"), else a piece of software (a string "software"), else an actor (a
 * string "name"); anything else is reported:
 *
 *   {"tocsin_catalogue": 1, "sources": [{"name": "mitre/cti", "commit": "421deac"}, ...]}
 *       version 1; "sources" (optional) says what the file was generated from.
 *   {"technique": "T1566.001", "name": "Spearphishing Attachment", "tactics": "initial-access"}
 *       an ATT&CK technique; name and tactics (comma-separated phase names) optional.
 *   {"software": "RawDisk", "attack_id": "S0364", "type": "tool", "aliases": ["..."],
 *    "techniques": ["T1561.002", ..]}
 *       a piece of malware or a tool; all but the name optional. techniques: what it does
 *       (ATT&CK ids, as for actors): an actor that uses it does them too.
 *   {"name": "Lazarus Group", "attack_id": "G0032", "country": "KP", "aliases": [".."],
 *    "techniques": ["T1566.001", ..], "software": ["S0364", ..], "sources": ["mitre-attack"]}
 *       an actor. country: suspected home country, ISO 3166 alpha-2. techniques: ATT&CK
 *       ids (unknown ones are added without a name). software: ATT&CK software ids or
 *       names of software lines (a name no line defines is added as software of unknown
 *       type). sources: where the actor's facts come from ("mitre-attack",
 *       "misp-galaxy"); informative only.
 *
 * Lines may come in any order: actors are added after every technique and software line.
 * Two actors that share an alias stay two actors; only an equal attack_id (or, without
 * one, an equal name) makes two lines one actor. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "intel/feedkit.h"
#include "intel/loaders.h"
#include "core/vec.h"

#define MAX_LINE (1u << 20)

static int catalogue_sniff(const char *data, size_t len)
{
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    if (i >= len || data[i] != '{')
        return 0;
    for (i++; i < len && (data[i] == ' ' || data[i] == '\t'); i++)
        ;
    return len - i >= 18 && memcmp(data + i, "\"tocsin_catalogue\"", 18) == 0 ? 100 : 0;
}

typedef struct cat {
    ts_feed f;
    struct actor_line { /* actor lines, kept for the second pass */
        json_t *o;
        uint64_t line;
    } * actors;
    size_t n_actors, cap_actors;
} cat;

static void technique_line(cat *c, const json_t *o, uint64_t line)
{
    const char *tid = ts_json_str(o, "technique");
    if (!tid[0] || tid[0] != 'T') {
        ts_feed_diag(&c->f, line, 0, "technique '%.32s' is not an ATT&CK id", tid);
        return;
    }
    ts_intel_technique(c->f.ti, tid, ts_json_str(o, "name"), ts_json_str(o, "tactics"));
}

/* An ATT&CK technique id of an actor or software line, added without a name when no
 * technique line defined it (yet); 0 when it is not a technique id. */
static uint32_t technique_ref(cat *c, const char *tid)
{
    uint32_t t = 0;
    if (tid && tid[0] == 'T' && !(t = ts_intel_technique_find(c->f.ti, tid)))
        t = ts_intel_technique(c->f.ti, tid, NULL, NULL);
    return t;
}

static void software_line(cat *c, const json_t *o, uint64_t line)
{
    const json_t *v;
    size_t i;
    const char *name = ts_json_str(o, "software");
    uint32_t id = ts_intel_software_add(c->f.ti, name, ts_json_str(o, "attack_id"), ts_json_str(o, "type"));
    json_array_foreach(json_object_get(o, "aliases"), i,
                       v) if (json_string_value(v) && strcasecmp(json_string_value(v), name) != 0)
        ts_intel_software_alias(c->f.ti, id, json_string_value(v));
    json_array_foreach(json_object_get(o, "techniques"), i, v)
    {
        uint32_t t = technique_ref(c, json_string_value(v));
        if (t)
            ts_intel_software_uses_technique(c->f.ti, id, t);
        else
            ts_feed_diag(&c->f, line, 0, "%s: technique entry %zu is not an ATT&CK id", name, i);
    }
}

/* Software named by an actor line: by ATT&CK id, else by name, else added. */
static uint32_t find_software(cat *c, const char *ref, uint64_t line)
{
    uint32_t found[8];
    size_t k = ts_intel_software_resolve(c->f.ti, ref, found, 8);
    for (size_t i = 0; i < k && i < 8; i++) {
        const ts_software *s = ts_intel_software_get(c->f.ti, found[i]);
        if (s && ((s->attack_id && !strcasecmp(s->attack_id, ref)) || !strcasecmp(s->name, ref)))
            return found[i];
    }
    if (k)
        return found[0];
    if (ref[0] == 'S' && strlen(ref) == 5 && ref[1] >= '0' && ref[1] <= '9') {
        ts_feed_diag(&c->f, line, 0, "software %s is not defined", ref);
        return 0;
    }
    return ts_intel_software_add(c->f.ti, ref, NULL, NULL);
}

static void actor_line(cat *c, const json_t *o, uint64_t line)
{
    char cc[3];
    const json_t *v;
    size_t i;
    const char *name = ts_json_str(o, "name"), *country = ts_json_str(o, "country");
    const char *iso = ts_feed_country(country, cc);
    if (country && !iso)
        ts_feed_diag(&c->f, line, 0, "country '%.32s' is not an ISO 3166 alpha-2 code", country);
    uint32_t a = ts_intel_actor_add(c->f.ti, name, ts_json_str(o, "attack_id"), iso);
    if (!a)
        return;
    if (iso)
        ts_intel_actor_country(c->f.ti, a, iso);
    json_array_foreach(json_object_get(o, "aliases"), i,
                       v) if (json_string_value(v) && strcasecmp(json_string_value(v), name) != 0)
        ts_intel_actor_alias(c->f.ti, a, json_string_value(v));
    json_array_foreach(json_object_get(o, "techniques"), i, v)
    {
        uint32_t t = technique_ref(c, json_string_value(v));
        if (t)
            ts_intel_actor_uses_technique(c->f.ti, a, t);
        else
            ts_feed_diag(&c->f, line, 0, "%s: technique entry %zu is not an ATT&CK id", name, i);
    }
    json_array_foreach(json_object_get(o, "software"), i, v)
    {
        uint32_t s = json_string_value(v) ? find_software(c, json_string_value(v), line) : 0;
        if (s)
            ts_intel_actor_uses_software(c->f.ti, a, s);
    }
}

static bool keep_actor(cat *c, json_t *o, uint64_t line)
{
    if (!ts_vec_grow(c->actors, c->cap_actors, c->n_actors + 1, TS_VEC_NOCAP))
        return false;
    c->actors[c->n_actors++] = (struct actor_line){o, line};
    return true;
}

/* Reads one line; returns false only when memory runs out. */
static bool one_line(cat *c, const char *p, size_t n, uint64_t line)
{
    json_error_t err;
    json_t *o = json_loadb(p, n, 0, &err);
    if (!json_is_object(o)) {
        ts_feed_diag(&c->f, line, 0, "not a JSON object: %s", o ? "" : err.text);
        json_decref(o);
        return true;
    }
    if (json_is_string(json_object_get(o, "technique")))
        technique_line(c, o, line);
    else if (json_is_string(json_object_get(o, "software")))
        software_line(c, o, line);
    else if (ts_json_str(o, "name") && *ts_json_str(o, "name"))
        return keep_actor(c, o, line) || (json_decref(o), false);
    else
        ts_feed_diag(&c->f, line, 0, "neither a technique, a software nor an actor line");
    json_decref(o);
    return true;
}

static tocsin_code header(cat *c, const char *p, size_t n)
{
    json_error_t err;
    json_t *h = json_loadb(p, n, 0, &err);
    json_t *v = json_object_get(h, "tocsin_catalogue");
    tocsin_code rc = TOCSIN_OK;
    if (!json_is_integer(v)) {
        ts_feed_diag(&c->f, 1, 0, "not a tocsin catalogue (no \"tocsin_catalogue\" header)");
        rc = TOCSIN_E_FORMAT;
    } else if (json_integer_value(v) != 1) {
        ts_feed_diag(&c->f, 1, 0, "catalogue version %lld is not supported (1 is)",
                     (long long)json_integer_value(v));
        rc = TOCSIN_E_FORMAT;
    }
    json_decref(h);
    return rc;
}

static tocsin_code catalogue_load(ts_intel *ti, const char *name, const char *data, size_t len,
                                  const ts_feed_opts *o)
{
    cat c = {.f = {ti, name, o, 0}};
    tocsin_code rc = TOCSIN_OK;
    uint64_t line = 0;
    bool seen_header = false;
    for (size_t at = 0; at < len && rc == TOCSIN_OK;) {
        const char *nl = memchr(data + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (data + at)) : len - at;
        const char *p = data + at;
        at += n + 1;
        line++;
        while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (!n)
            continue;
        if (n > MAX_LINE) {
            ts_feed_diag(&c.f, line, 0, "line longer than %u bytes", MAX_LINE);
            if (!seen_header)
                rc = TOCSIN_E_FORMAT;
            continue;
        }
        if (!seen_header) {
            seen_header = true;
            rc = header(&c, p, n);
        } else if (!one_line(&c, p, n, line)) {
            rc = TOCSIN_E_NOMEM;
        }
    }
    if (!seen_header && rc == TOCSIN_OK) {
        ts_feed_diag(&c.f, 0, 0, "empty catalogue");
        rc = TOCSIN_E_FORMAT;
    }
    for (size_t i = 0; i < c.n_actors; i++) {
        if (rc == TOCSIN_OK)
            actor_line(&c, c.actors[i].o, c.actors[i].line);
        json_decref(c.actors[i].o);
    }
    free(c.actors);
    return ts_feed_finish(&c.f, rc);
}

const ts_loader ts_loader_catalogue = {
    .name = "catalogue",
    .sniff = catalogue_sniff,
    .load = catalogue_load,
};
