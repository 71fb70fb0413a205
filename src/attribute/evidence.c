/* evidence.c: turns an incident's alerts into attribution evidence and runs the model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attribute/attribute.h"
#include "attribute/evbuf.h"
#include "correlate/entity.h"

/* Confidence of a technique named by a rule's tags and of a name found in a rule's title:
 * rules misfire, and a name in a title is a claim, not proof. */
#define RULE_TECHNIQUE_CONFIDENCE 100
#define RULE_NAME_CONFIDENCE 60

static const char *side_name(ts_side s)
{
    switch (s) {
    case TS_SIDE_SRC: return "src";
    case TS_SIDE_DST: return "dst";
    case TS_SIDE_FILE: return "file";
    default: return "?";
    }
}

static const char *s0(const char *s) { return s ? s : ""; }

static void from_indicator(const ts_intel *ti, ts_evbuf *b, const ts_alert *a, size_t i)
{
    ts_attr_evidence e = {.kind = TS_AE_INDICATOR, .actorset = a->actorset, .confidence = a->confidence,
                          .shared = a->shared, .suppressed = a->suppressed != NULL, .alert = i};
    e.inbound = a->direction == TS_DIR_INBOUND && a->side == TS_SIDE_SRC;
    /* A mail sender's address or domain is whatever the sender typed. */
    bool spoofable = a->side == TS_SIDE_SRC && (a->ioc_type == TS_IOC_EMAIL || a->ioc_type == TS_IOC_DOMAIN);
    if (spoofable)
        e.confidence /= 2;
    const char *src = ts_intel_source_name(ti, a->source);
    const char *obs = a->observed && a->ioc_value && strcmp(a->observed, a->ioc_value) != 0 ? a->observed : NULL;
    ts_evbuf_add(b, &e, "%s %s%s%s (%s) in %s%s%s%s%s", ts_ioc_type_name(a->ioc_type), s0(a->ioc_value),
                 obs ? " via " : "", obs ? obs : "", side_name(a->side), src ? src : "an unnamed feed",
                 spoofable ? " [sender: spoofable, confidence halved]" : "", a->suppressed ? " [warninglist: " : "",
                 a->suppressed ? a->suppressed : "", a->suppressed ? "]" : "");
}

static void from_home(ts_evbuf *b, const ts_alert *a, size_t i)
{
    ts_attr_evidence e = {.kind = TS_AE_HOME_NETWORK, .asn = a->remote_geo.asn, .alert = i};
    memcpy(e.country, a->remote_geo.cc, sizeof e.country);
    e.country[2] = '\0';
    e.confidence = a->confidence ? a->confidence : 100;
    e.inbound = a->direction == TS_DIR_INBOUND;
    char ip[TS_IP_STRLEN];
    ts_ip_format(&a->remote_ip, ip);
    char asn[16] = "";
    if (a->remote_geo.asn)
        snprintf(asn, sizeof asn, ", AS%u", (unsigned)a->remote_geo.asn);
    ts_evbuf_add(b, &e, "%s %s (%s%s)", e.inbound ? "inbound from" : "outbound to", ip[0] ? ip : s0(a->remote_name),
                 e.country[0] ? e.country : "??", asn);
}

/* Each ATT&CK id of a comma-separated list. */
static void from_techniques(const ts_intel *ti, ts_evbuf *b, const char *list, size_t i)
{
    const char *p = list;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && (*p == ' ' || *p == '\t')) {
            p++;
            n--;
        }
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        char tid[24];
        if (n && n < sizeof tid) {
            memcpy(tid, p, n);
            tid[n] = '\0';
            ts_attr_evidence e = {.kind = TS_AE_TECHNIQUE, .technique = ts_intel_technique_find(ti, tid),
                                  .confidence = RULE_TECHNIQUE_CONFIDENCE, .alert = i};
            ts_evbuf_add(b, &e, "%s", tid);
        }
        p = end ? end + 1 : NULL;
    }
}

static bool word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Looks a candidate name up as software and as an actor. */
static void try_name(const ts_intel *ti, ts_evbuf *b, const char *name, const char *title, size_t i)
{
    uint32_t ids[8];
    size_t n = ts_intel_software_resolve(ti, name, ids, 8);
    for (size_t j = 0; j < n && j < 8; j++) {
        ts_attr_evidence e = {.kind = TS_AE_SOFTWARE, .software = ids[j], .confidence = RULE_NAME_CONFIDENCE,
                              .alert = i};
        ts_evbuf_add(b, &e, "\"%s\" named by the rule \"%s\"", name, title);
    }
    ts_attr_evidence e = {.kind = TS_AE_ACTOR_CLAIM, .confidence = RULE_NAME_CONFIDENCE, .alert = i};
    n = ts_intel_actor_resolve(ti, name, e.actors, TS_ATTR_MAX_NAMED);
    e.n_actors = n < TS_ATTR_MAX_NAMED ? n : TS_ATTR_MAX_NAMED;
    if (n)
        ts_evbuf_add(b, &e, "\"%s\" named by the rule \"%s\"", name, title);
}

/* A rule's title may name software or an actor ("Lazarus Group Activity", "Mimikatz Use"):
 * each word of five or more letters, and each pair of adjacent words, is looked up. Shorter
 * single words are skipped: they are mostly ordinary words that some tool happens to be
 * called ("Net", "Ping", "at"). */
static void from_title(const ts_intel *ti, ts_evbuf *b, const char *title, size_t i)
{
    const char *w[2] = {NULL, NULL}; /* the previous word and the current one */
    size_t wl[2] = {0, 0};
    for (const char *p = title; p && *p;) {
        while (*p && !word_char(*p))
            p++;
        const char *s = p;
        while (*p && word_char(*p))
            p++;
        size_t n = (size_t)(p - s);
        if (!n)
            break;
        w[0] = w[1];
        wl[0] = wl[1];
        w[1] = s;
        wl[1] = n;
        char name[128];
        if (n >= 5 && n < sizeof name) {
            memcpy(name, s, n);
            name[n] = '\0';
            try_name(ti, b, name, title, i);
        }
        if (w[0] && wl[0] + 1 + n < sizeof name) {
            memcpy(name, w[0], wl[0]);
            name[wl[0]] = ' ';
            memcpy(name + wl[0] + 1, s, n);
            name[wl[0] + 1 + n] = '\0';
            try_name(ti, b, name, title, i);
        }
    }
}

/* Internal-only activity by named accounts fits an insider (or an outsider already
 * holding valid accounts: the model keeps both). */
static void insider_check(ts_evbuf *b, const ts_incident *inc)
{
    size_t users = 0;
    for (size_t i = 0; i < inc->n_alerts; i++) {
        const ts_alert *a = inc->alerts[i];
        if (a->kind == TS_EV_INDICATOR || a->kind == TS_EV_HOME_NETWORK)
            return;
        bool remote = ts_ip_set(&a->remote_ip) || a->remote_name;
        if (remote && a->direction != TS_DIR_INTERNAL)
            return;
        char k[TS_ENTITY_KEY_MAX];
        if (ts_entity_user_key(a->user, k, sizeof k) && k[0] == 'u')
            users++;
    }
    if (!users)
        return;
    ts_attr_evidence e = {.kind = TS_AE_INSIDER, .confidence = 100, .alert = SIZE_MAX};
    ts_evbuf_add(b, &e, "all %zu alerts are internal, %zu of them by named accounts (%zu account%s)", inc->n_alerts,
                 users, inc->n_users, inc->n_users == 1 ? "" : "s");
}

tocsin_code ts_attribute_incident(const ts_intel *ti, ts_incident *inc)
{
    if (!ti || !inc)
        return TOCSIN_E_ARG;
    ts_evbuf b = {0};
    for (size_t i = 0; i < inc->n_alerts; i++) {
        const ts_alert *a = inc->alerts[i];
        if (a->kind == TS_EV_INDICATOR)
            from_indicator(ti, &b, a, i);
        else if (a->kind == TS_EV_HOME_NETWORK)
            from_home(&b, a, i);
        else if (a->kind == TS_EV_RULE)
            from_title(ti, &b, a->title, i);
        from_techniques(ti, &b, a->techniques, i);
    }
    insider_check(&b, inc);
    ts_attribution *res = b.nomem ? NULL : ts_attribute(ti, b.v, b.n);
    ts_evbuf_free(&b);
    if (!res)
        return TOCSIN_E_NOMEM;
    ts_attribution_free(inc->attribution);
    inc->attribution = res;
    return TOCSIN_OK;
}
