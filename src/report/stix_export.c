/* stix_export.c: incidents as one STIX 2.1 bundle, for OpenCTI, MISP and other TIPs: per
 * incident a report and a campaign for its activity, the indicators that matched with their
 * sightings and observed data, the techniques as attack-patterns, and the leading named
 * actors as intrusion-sets, each linked by an attributed-to relationship with a confidence.
 * Identifiers are UUIDv5, so exporting the same incident twice gives the same objects. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/jsonw.h"
#include "core/vec.h"
#include "report/report.h"
#include "report/report_int.h"

/* STIX 2.1 section 2.9: the namespace of deterministic cyber-observable ids. */
static const unsigned char SCO_NS[16] = {0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
                                         0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7};
/* tocsin's own namespace for the other objects (a random UUIDv4, fixed once). */
static const unsigned char TOCSIN_NS[16] = {0x6d, 0x1f, 0x0c, 0x52, 0x8e, 0x3b, 0x4a, 0x27,
                                            0x9b, 0x44, 0x1e, 0x5d, 0x70, 0xa3, 0xc6, 0x18};

#define ID_LEN 96 /* "attack-pattern--" + 36 and room */

/* type--UUIDv5(ns, name). */
static void make_id(char *out, const char *type, const unsigned char ns[16], const char *name)
{
    char uuid[37];
    rpt_uuid5(ns, name, uuid);
    snprintf(out, ID_LEN, "%s--%s", type, uuid);
}

/* An SDO's id from its type and a natural key. */
static void sdo_id(char *out, const char *type, const char *key)
{
    char name[1100];
    if (snprintf(name, sizeof name, "%s|%s", type, key) >= (int)sizeof name)
        name[sizeof name - 1] = '\0'; /* keys longer than this are ids already unique in their head */
    make_id(out, type, TOCSIN_NS, name);
}

/* RFC 3339 with milliseconds, as STIX timestamps are written. */
static void stix_time(int64_t ns, char *buf, size_t len)
{
    time_t s = (time_t)(ns / 1000000000);
    long ms = (long)((ns % 1000000000) / 1000000);
    if (ms < 0)
        s -= 1, ms += 1000;
    struct tm tm;
    gmtime_r(&s, &tm);
    if (snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms) >= (int)len)
        snprintf(buf, len, "1970-01-01T00:00:00.000Z"); /* a year past 9999 is damage */
}

/* The ids written so far, for the report's object_refs and to write each object once. */
typedef struct idset {
    char (*v)[ID_LEN];
    size_t n, cap;
    int failed;
} idset;

static int idset_has(const idset *s, const char *id)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], id) == 0)
            return 1;
    return 0;
}

/* Adds id; 0 when it was there already (the caller then writes nothing). */
static int idset_add(idset *s, const char *id)
{
    if (idset_has(s, id))
        return 0;
    if (!ts_vec_grow(s->v, s->cap, s->n + 1, TS_VEC_NOCAP)) {
        s->failed = 1;
        return 0;
    }
    snprintf(s->v[s->n++], ID_LEN, "%s", id);
    return 1;
}

typedef struct stix {
    ts_jw w;
    idset ids;  /* every object written */
    idset refs; /* the objects of the incident being written, for its report */
    char identity[ID_LEN];
    char created[40];
} stix;

/* Counts id among the current incident's objects; 1 when it has not been written yet (the
 * caller writes it then). */
static int claim(stix *x, const char *id)
{
    idset_add(&x->refs, id);
    return idset_add(&x->ids, id);
}

/* Opens an SDO or SRO with the properties every one has. */
static void sdo_begin(stix *x, const char *type, const char *id, int64_t created_ns, int64_t modified_ns)
{
    char c[40], m[40];
    stix_time(created_ns, c, sizeof c);
    stix_time(modified_ns > created_ns ? modified_ns : created_ns, m, sizeof m);
    ts_jw_obj(&x->w);
    ts_jw_kstr(&x->w, "type", type);
    ts_jw_kstr(&x->w, "spec_version", "2.1");
    ts_jw_kstr(&x->w, "id", id);
    ts_jw_kstr(&x->w, "created", c);
    ts_jw_kstr(&x->w, "modified", m);
    if (strcmp(type, "identity") != 0)
        ts_jw_kstr(&x->w, "created_by_ref", x->identity);
}

/* An observed-data or a sighting: sdo_begin, then the two times of what was seen under
 * their keys for that type ("first_observed"/"last_observed", "first_seen"/"last_seen"). */
static void sdo_span(stix *x, const char *type, const char *id, int64_t first_ns, int64_t last_ns,
                     const char *kfirst, const char *klast)
{
    char f[40], l[40];
    stix_time(first_ns, f, sizeof f), stix_time(last_ns, l, sizeof l);
    sdo_begin(x, type, id, first_ns, last_ns);
    ts_jw_kstr(&x->w, kfirst, f);
    ts_jw_kstr(&x->w, klast, l);
}

/* key: [ref], a list of one reference. */
static void one_ref(stix *x, const char *key, const char *ref)
{
    ts_jw_key(&x->w, key);
    ts_jw_arr(&x->w);
    ts_jw_str(&x->w, ref);
    ts_jw_arr_end(&x->w);
}

static void relationship(stix *x, const char *type, const char *from, const char *to, int64_t ns,
                         int confidence, const char *description)
{
    char key[3 * ID_LEN], id[ID_LEN];
    snprintf(key, sizeof key, "%s|%s|%s", type, from, to);
    sdo_id(id, "relationship", key);
    if (!claim(x, id))
        return;
    sdo_begin(x, "relationship", id, ns, ns);
    ts_jw_kstr(&x->w, "relationship_type", type);
    ts_jw_kstr(&x->w, "source_ref", from);
    ts_jw_kstr(&x->w, "target_ref", to);
    if (confidence >= 0)
        ts_jw_kint(&x->w, "confidence", confidence);
    if (description)
        ts_jw_kstr(&x->w, "description", description);
    ts_jw_obj_end(&x->w);
}

/* The STIX cyber-observable type of an indicator type; NULL for none. */
static const char *sco_type(const char *ioc_type, const char *value)
{
    if (!ioc_type || !value)
        return NULL;
    if (!strcmp(ioc_type, "ip"))
        return strchr(value, ':') ? "ipv6-addr" : "ipv4-addr";
    if (!strcmp(ioc_type, "domain"))
        return "domain-name";
    if (!strcmp(ioc_type, "url"))
        return "url";
    if (!strcmp(ioc_type, "email"))
        return "email-addr";
    if (!strcmp(ioc_type, "md5") || !strcmp(ioc_type, "sha1") || !strcmp(ioc_type, "sha256"))
        return "file";
    return NULL;
}

static const char *hash_name(const char *ioc_type)
{
    return !strcmp(ioc_type, "md5") ? "MD5" : !strcmp(ioc_type, "sha1") ? "SHA-1" : "SHA-256";
}

/* Writes a STIX pattern string literal's body: ' and \ escaped (STIX patterning 2.1, 3.7). */
static void pattern_literal(char *out, size_t cap, const char *v)
{
    size_t o = 0;
    for (; *v && o + 3 < cap; v++) {
        if (*v == '\'' || *v == '\\')
            out[o++] = '\\';
        out[o++] = *v;
    }
    out[o] = '\0';
}

/* The observable of an indicator value: writes it once and puts its id in id. The id is
 * STIX's deterministic one: UUIDv5 over the canonical JSON of its contributing properties. */
static void observable(stix *x, const char *type, const char *ioc_type, const char *value, char *id)
{
    GString *canon = g_string_new(NULL);
    char *esc = g_strescape(value, NULL); /* JSON and C agree on the escapes of '"' and '\\' */
    if (!strcmp(type, "file"))
        g_string_printf(canon, "{\"hashes\":{\"%s\":\"%s\"}}", hash_name(ioc_type), esc);
    else
        g_string_printf(canon, "{\"value\":\"%s\"}", esc);
    make_id(id, type, SCO_NS, canon->str);
    g_free(esc);
    g_string_free(canon, TRUE);
    if (!claim(x, id))
        return;
    ts_jw_obj(&x->w);
    ts_jw_kstr(&x->w, "type", type);
    ts_jw_kstr(&x->w, "spec_version", "2.1");
    ts_jw_kstr(&x->w, "id", id);
    if (!strcmp(type, "file")) {
        ts_jw_key(&x->w, "hashes");
        ts_jw_obj(&x->w);
        ts_jw_kstr(&x->w, hash_name(ioc_type), value);
        ts_jw_obj_end(&x->w);
    } else {
        ts_jw_kstr(&x->w, "value", value);
    }
    ts_jw_obj_end(&x->w);
}

/* An alert that matched an indicator: the indicator, what was observed, and the sighting. */
static void indicator(stix *x, const ts_alert_view *a, const char *campaign)
{
    const char *type = sco_type(a->ioc_type, a->ioc_value);
    char ind[ID_LEN], sco[ID_LEN], od[ID_LEN], sight[ID_LEN], key[1024], lit[1024], pattern[1200];
    if (!type)
        return;
    snprintf(key, sizeof key, "%s|%s", a->ioc_type, a->ioc_value);
    sdo_id(ind, "indicator", key);
    if (claim(x, ind)) {
        char valid[40];
        pattern_literal(lit, sizeof lit, a->ioc_value);
        if (!strcmp(type, "file"))
            snprintf(pattern, sizeof pattern, "[file:hashes.'%s' = '%s']", hash_name(a->ioc_type), lit);
        else
            snprintf(pattern, sizeof pattern, "[%s:value = '%s']", type, lit);
        stix_time(a->first_ns, valid, sizeof valid);
        sdo_begin(x, "indicator", ind, a->first_ns, a->last_ns);
        ts_jw_kstr(&x->w, "name", a->ioc_value);
        ts_jw_kstr(&x->w, "pattern", pattern);
        ts_jw_kstr(&x->w, "pattern_type", "stix");
        ts_jw_kstr(&x->w, "valid_from", valid);
        ts_jw_key(&x->w, "indicator_types");
        ts_jw_arr(&x->w);
        ts_jw_str(&x->w, "malicious-activity");
        ts_jw_arr_end(&x->w);
        if (a->confidence >= 0)
            ts_jw_kint(&x->w, "confidence", a->confidence);
        if (a->source)
            ts_jw_kstr(&x->w, "description", a->source);
        ts_jw_obj_end(&x->w);
    }
    relationship(x, "indicates", ind, campaign, a->first_ns, -1, NULL);

    /* What the logs showed: the value seen ("a.b.evil.com" for the indicator "evil.com"). */
    const char *seen = a->observed && *a->observed ? a->observed : a->ioc_value;
    const char *seen_type = sco_type(a->ioc_type, seen);
    observable(x, seen_type ? seen_type : type, a->ioc_type, seen, sco);
    snprintf(key, sizeof key, "%s|%lld", a->key ? a->key : seen, (long long)a->id);
    sdo_id(od, "observed-data", key);
    int64_t last = a->last_ns > a->first_ns ? a->last_ns : a->first_ns;
    uint64_t n = a->count ? a->count : 1;
    if (n > 999999999) /* the largest number_observed STIX allows */
        n = 999999999;
    if (claim(x, od)) {
        sdo_span(x, "observed-data", od, a->first_ns, last, "first_observed", "last_observed");
        ts_jw_kuint(&x->w, "number_observed", n);
        one_ref(x, "object_refs", sco);
        ts_jw_obj_end(&x->w);
    }
    sdo_id(sight, "sighting", od);
    if (claim(x, sight)) {
        sdo_span(x, "sighting", sight, a->first_ns, last, "first_seen", "last_seen");
        ts_jw_kuint(&x->w, "count", n);
        ts_jw_kstr(&x->w, "sighting_of_ref", ind);
        one_ref(x, "observed_data_refs", od);
        one_ref(x, "where_sighted_refs", x->identity);
        ts_jw_obj_end(&x->w);
    }
}

/* Each technique of the alert as an attack-pattern the campaign uses. */
static void techniques(stix *x, const ts_alert_view *a, const char *campaign)
{
    for (const char *p = a->techniques; p && *p;) {
        size_t n = strcspn(p, ", ");
        if (n > 0 && n < 16 && p[0] == 'T') {
            char tid[16], id[ID_LEN], url[96];
            memcpy(tid, p, n), tid[n] = '\0';
            sdo_id(id, "attack-pattern", tid);
            if (claim(x, id)) {
                char path[16];
                snprintf(path, sizeof path, "%s", tid);
                for (char *d = path; *d; d++)
                    if (*d == '.')
                        *d = '/';
                snprintf(url, sizeof url, "https://attack.mitre.org/techniques/%s/", path);
                sdo_begin(x, "attack-pattern", id, a->first_ns, a->first_ns);
                ts_jw_kstr(&x->w, "name", tid);
                ts_jw_key(&x->w, "external_references");
                ts_jw_arr(&x->w);
                ts_jw_obj(&x->w);
                ts_jw_kstr(&x->w, "source_name", "mitre-attack");
                ts_jw_kstr(&x->w, "external_id", tid);
                ts_jw_kstr(&x->w, "url", url);
                ts_jw_obj_end(&x->w);
                ts_jw_arr_end(&x->w);
                ts_jw_obj_end(&x->w);
            }
            relationship(x, "uses", campaign, id, a->first_ns, -1, NULL);
        }
        p += n;
        p += strspn(p, ", ");
    }
}

/* A hypothesis that names a catalogued actor (not "unattributed" or "insider"). */
static int names_actor(const ts_hyp_view *h)
{
    return h->actor && h->attack_id && *h->attack_id;
}

#define MAX_ACTORS 3 /* the leading named actors exported, each with its own confidence */

static void actors(stix *x, const ts_incident_view *v, const char *campaign)
{
    size_t done = 0;
    for (size_t i = 0; i < v->n_hyps && done < MAX_ACTORS; i++) {
        const ts_hyp_view *h = &v->hyps[i];
        if (!names_actor(h) || h->probability < 0.01)
            continue;
        char id[ID_LEN], url[96], why[256];
        sdo_id(id, "intrusion-set", h->attack_id);
        if (claim(x, id)) {
            snprintf(url, sizeof url, "https://attack.mitre.org/groups/%s/", h->attack_id);
            sdo_begin(x, "intrusion-set", id, v->first_ns, v->last_ns);
            ts_jw_kstr(&x->w, "name", h->actor);
            ts_jw_key(&x->w, "external_references");
            ts_jw_arr(&x->w);
            ts_jw_obj(&x->w);
            ts_jw_kstr(&x->w, "source_name", "mitre-attack");
            ts_jw_kstr(&x->w, "external_id", h->attack_id);
            ts_jw_kstr(&x->w, "url", url);
            ts_jw_obj_end(&x->w);
            ts_jw_arr_end(&x->w);
            ts_jw_obj_end(&x->w);
        }
        int conf = (int)(h->probability * 100 + 0.5);
        snprintf(why, sizeof why, "tocsin hypothesis %d: %s (%d%%)", h->rank, h->wording ? h->wording : "",
                 conf);
        relationship(x, "attributed-to", campaign, id, v->last_ns, conf, why);
        done++;
    }
}

/* One incident: a campaign for its activity and the evidence, then a report holding them.
 * (STIX 2.1's incident object is a stub that the official bundle schema does not accept, so
 * the report, named after the incident, stands for it.) */
static void incident(stix *x, const ts_incident_view *v)
{
    char camp[ID_LEN], report[ID_LEN], f[40], l[40], name[160], published[40];
    stix_time(v->first_ns, f, sizeof f),
        stix_time(v->last_ns > v->first_ns ? v->last_ns : v->first_ns, l, sizeof l);
    sdo_id(camp, "campaign", v->id);
    sdo_id(report, "report", v->id);
    if (idset_has(&x->ids, report))
        return; /* named twice on the command line */
    x->refs.n = 0;
    claim(x, x->identity);
    claim(x, camp);
    snprintf(name, sizeof name, "Activity of %s", v->id);
    sdo_begin(x, "campaign", camp, v->first_ns, v->last_ns);
    ts_jw_kstr(&x->w, "name", name);
    ts_jw_kstr(&x->w, "first_seen", f);
    ts_jw_kstr(&x->w, "last_seen", l);
    if (v->summary)
        ts_jw_kstr(&x->w, "description", v->summary);
    ts_jw_obj_end(&x->w);
    for (size_t i = 0; i < v->n_alerts; i++) {
        indicator(x, &v->alerts[i], camp);
        techniques(x, &v->alerts[i], camp);
    }
    actors(x, v, camp);

    idset_add(&x->ids, report);
    snprintf(name, sizeof name, "tocsin incident %s (%s)", v->id, rpt_severity_name(v->severity));
    stix_time(v->last_ns, published, sizeof published);
    sdo_begin(x, "report", report, v->first_ns, v->last_ns);
    ts_jw_kstr(&x->w, "name", name);
    if (v->summary)
        ts_jw_kstr(&x->w, "description", v->summary);
    ts_jw_key(&x->w, "report_types");
    ts_jw_arr(&x->w);
    ts_jw_str(&x->w, "campaign");
    ts_jw_arr_end(&x->w);
    ts_jw_kstr(&x->w, "published", published);
    ts_jw_key(&x->w, "object_refs");
    ts_jw_arr(&x->w);
    for (size_t i = 0; i < x->refs.n; i++)
        ts_jw_str(&x->w, x->refs.v[i]);
    ts_jw_arr_end(&x->w);
    ts_jw_obj_end(&x->w);
}

tocsin_code ts_report_stix(ts_store *s, const char *const *ids, size_t n, FILE *out, char *err, size_t cap)
{
    stix x = {0};
    ts_incident_view **views = calloc(n ? n : 1, sizeof *views);
    tocsin_code rc = views ? TOCSIN_OK : TOCSIN_E_NOMEM;
    int64_t first = 0;
    for (size_t i = 0; rc == TOCSIN_OK && i < n; i++) {
        rc = ts_store_incident_load(s, ids[i], TS_VIEW_FULL, &views[i]);
        if (rc == TOCSIN_E_NOTFOUND)
            snprintf(err, cap, "no incident %s", ids[i]);
        else if (rc == TOCSIN_OK && (!first || views[i]->first_ns < first))
            first = views[i]->first_ns;
    }
    if (rc == TOCSIN_OK) {
        char bundle[ID_LEN], key[1024] = "";
        for (size_t i = 0; i < n && strlen(key) + 64 < sizeof key; i++)
            snprintf(key + strlen(key), sizeof key - strlen(key), "%s,", ids[i]);
        sdo_id(bundle, "bundle", key);
        sdo_id(x.identity, "identity", "tocsin");
        ts_jw_begin(&x.w, out);
        ts_jw_kstr(&x.w, "type", "bundle");
        ts_jw_kstr(&x.w, "id", bundle);
        ts_jw_key(&x.w, "objects");
        ts_jw_arr(&x.w);
        idset_add(&x.ids, x.identity);
        sdo_begin(&x, "identity", x.identity, first, first);
        ts_jw_kstr(&x.w, "name", "tocsin");
        ts_jw_kstr(&x.w, "identity_class", "system");
        ts_jw_obj_end(&x.w);
        for (size_t i = 0; i < n; i++)
            incident(&x, views[i]);
        ts_jw_arr_end(&x.w);
        ts_jw_end(&x.w);
        if (x.ids.failed || x.refs.failed)
            rc = TOCSIN_E_NOMEM;
    }
    for (size_t i = 0; views && i < n; i++)
        ts_incident_view_free(views[i]);
    free(views);
    free(x.ids.v);
    free(x.refs.v);
    return rc;
}
