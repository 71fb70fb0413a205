/* misp_export.c: an incident as a MISP event (the JSON that MISP's "Add event from JSON"
 * and PyMISP read): the indicators that matched as attributes to act on (to_ids), what was
 * only observed as context, the techniques and the leading actor as galaxy tags, and the
 * verdict as estimative-language tags for likelihood and confidence. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/jsonw.h"
#include "report/report.h"
#include "report/report_int.h"

/* MISP attribute type and category of a tocsin indicator type; NULL when it has none. */
static const char *misp_type(const char *ioc_type, const char *value, int side_src)
{
    if (!ioc_type || !value)
        return NULL;
    if (!strcmp(ioc_type, "ip"))
        return side_src ? "ip-src" : "ip-dst";
    if (!strcmp(ioc_type, "domain"))
        return "domain";
    if (!strcmp(ioc_type, "url"))
        return "url";
    if (!strcmp(ioc_type, "email"))
        return side_src ? "email-src" : "email-dst";
    if (!strcmp(ioc_type, "md5") || !strcmp(ioc_type, "sha1") || !strcmp(ioc_type, "sha256"))
        return ioc_type;
    if (!strcmp(ioc_type, "asn"))
        return "AS";
    return NULL;
}

static const char *misp_category(const char *type)
{
    if (!strcmp(type, "md5") || !strcmp(type, "sha1") || !strcmp(type, "sha256"))
        return "Payload delivery";
    if (!strncmp(type, "email", 5))
        return "Payload delivery";
    return "Network activity";
}

/* A stable UUID (v5 in tocsin's namespace) for an attribute, so a re-export updates the
 * same attributes in MISP instead of adding copies. */
static void uuid_of(const char *key, char out[37])
{
    static const unsigned char ns[16] = {0x6d, 0x1f, 0x0c, 0x52, 0x8e, 0x3b, 0x4a, 0x27,
                                         0x9b, 0x44, 0x1e, 0x5d, 0x70, 0xa3, 0xc6, 0x19};
    rpt_uuid5(ns, key, out);
}

static void tag(ts_jw *w, const char *name)
{
    ts_jw_obj(w);
    ts_jw_kstr(w, "name", name);
    ts_jw_obj_end(w);
}

/* MISP's estimative-language taxonomy: likelihood-probability values by ICD 203 band. */
static const char *likelihood_tag(double p)
{
    return p >= 0.95   ? "almost-certain"
           : p >= 0.80 ? "very-likely"
           : p >= 0.55 ? "likely"
           : p >= 0.45 ? "roughly-even-chance"
           : p >= 0.20 ? "unlikely"
           : p >= 0.05 ? "very-unlikely"
                       : "almost-no-chance";
}

/* How much independent evidence the verdict stands on: contributions that name an alert. */
static const char *confidence_tag(const ts_hyp_view *h)
{
    size_t n = 0;
    for (size_t i = 0; i < h->n_contribs; i++)
        if (h->contribs[i].weight > 0)
            n++;
    return n >= 4 ? "high" : n >= 2 ? "moderate" : "low";
}

static void event_tags(ts_jw *w, const ts_incident_view *v)
{
    char t[256];
    ts_jw_key(w, "Tag");
    ts_jw_arr(w);
    tag(w, "tlp:amber");
    const ts_hyp_view *top = v->n_hyps ? &v->hyps[0] : NULL;
    if (top) {
        snprintf(t, sizeof t, "estimative-language:likelihood-probability=\"%s\"",
                 likelihood_tag(top->probability));
        tag(w, t);
        snprintf(t, sizeof t, "estimative-language:confidence-in-analytic-judgment=\"%s\"",
                 confidence_tag(top));
        tag(w, t);
    }
    for (size_t i = 0; i < v->n_hyps && i < 3; i++) {
        const ts_hyp_view *h = &v->hyps[i];
        if (h->attack_id && *h->attack_id && h->probability >= 0.5) {
            char *name = g_strescape(h->actor, NULL);
            snprintf(t, sizeof t, "misp-galaxy:threat-actor=\"%s\"", name);
            g_free(name);
            tag(w, t);
            snprintf(t, sizeof t, "misp-galaxy:mitre-intrusion-set=\"%s\"", h->attack_id);
            tag(w, t);
        }
    }
    /* each technique once, as MISP's ATT&CK galaxy tag */
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (size_t i = 0; i < v->n_alerts; i++) {
        for (const char *p = v->alerts[i].techniques; p && *p;) {
            size_t n = strcspn(p, ", ");
            if (n > 0 && n < 16 && p[0] == 'T') {
                char *tid = g_strndup(p, n);
                if (g_hash_table_add(seen, tid)) {
                    snprintf(t, sizeof t, "misp-galaxy:mitre-attack-pattern=\"%s\"", tid);
                    tag(w, t);
                }
            }
            p += n;
            p += strspn(p, ", ");
        }
    }
    g_hash_table_destroy(seen);
    ts_jw_arr_end(w);
}

static void attributes(ts_jw *w, const ts_incident_view *v)
{
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    ts_jw_key(w, "Attribute");
    ts_jw_arr(w);
    for (size_t i = 0; i < v->n_alerts; i++) {
        const ts_alert_view *a = &v->alerts[i];
        int src = a->side && !strcmp(a->side, "src");
        const char *type = misp_type(a->ioc_type, a->ioc_value, src);
        /* Indicators that matched: to act on. An outside address with no indicator: context. */
        const char *value = type ? a->ioc_value : a->remote_ip;
        int to_ids = type != NULL;
        if (!type && a->remote_ip && *a->remote_ip)
            type = a->direction && !strcmp(a->direction, "inbound") ? "ip-src" : "ip-dst";
        if (!type || !value || !*value)
            continue;
        char *key = g_strdup_printf("%s|%s|%s", v->id, type, value);
        if (!g_hash_table_add(seen, key))
            continue;
        char uuid[37], first[40], last[40];
        uuid_of(key, uuid);
        rpt_time(a->first_ns, true, first, sizeof first);
        rpt_time(a->last_ns > a->first_ns ? a->last_ns : a->first_ns, true, last, sizeof last);
        ts_jw_obj(w);
        ts_jw_kstr(w, "uuid", uuid);
        ts_jw_kstr(w, "type", type);
        ts_jw_kstr(w, "category", misp_category(type));
        ts_jw_kstr(w, "value", value);
        ts_jw_kbool(w, "to_ids", to_ids);
        ts_jw_kstr(w, "first_seen", first);
        ts_jw_kstr(w, "last_seen", last);
        ts_jw_kstr(w, "comment", a->title);
        ts_jw_obj_end(w);
    }
    ts_jw_arr_end(w);
    g_hash_table_destroy(seen);
}

static void event(ts_jw *w, const ts_incident_view *v)
{
    char uuid[37], date[40], info[512];
    uuid_of(v->id, uuid);
    rpt_time(v->first_ns, true, date, sizeof date);
    date[10] = '\0'; /* MISP's date is the day */
    snprintf(info, sizeof info, "tocsin %s: %s", v->id, v->summary ? v->summary : "");
    ts_jw_key(w, "Event");
    ts_jw_obj(w);
    ts_jw_kstr(w, "uuid", uuid);
    ts_jw_kstr(w, "info", info);
    ts_jw_kstr(w, "date", date);
    /* MISP threat levels: 1 high, 2 medium, 3 low */
    ts_jw_kstr(w, "threat_level_id", v->severity >= 70 ? "1" : v->severity >= 40 ? "2" : "3");
    ts_jw_kstr(w, "analysis", "1"); /* ongoing: an analyst still has to confirm it */
    ts_jw_kstr(w, "distribution", "0");
    ts_jw_kbool(w, "published", false);
    event_tags(w, v);
    attributes(w, v);
    ts_jw_obj_end(w);
}

tocsin_code ts_report_misp(ts_store *s, const char *const *ids, size_t n, FILE *out, char *err, size_t cap)
{
    /* One event per incident, one JSON object a line: MISP takes events one at a time. */
    for (size_t i = 0; i < n; i++) {
        ts_incident_view *v = NULL;
        tocsin_code rc = ts_store_incident_load(s, ids[i], TS_VIEW_FULL, &v);
        if (rc == TOCSIN_E_NOTFOUND)
            snprintf(err, cap, "no incident %s", ids[i]);
        if (rc != TOCSIN_OK)
            return rc;
        ts_jw w;
        ts_jw_begin(&w, out);
        event(&w, v);
        ts_jw_end(&w);
        ts_incident_view_free(v);
    }
    return TOCSIN_OK;
}
