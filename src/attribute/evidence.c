/* evidence.c: turns an incident's alerts into attribution evidence and runs the model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attribute/attribute.h"
#include "attribute/evbuf.h"
#include "attribute/model.h"
#include "attribute/sharing.h"
#include "attribute/timezone.h"
#include "correlate/entity.h"

/* Confidence of a technique named by a rule's tags and of a group or software its tags
 * name: rules misfire, and a group a rule names is a claim, not proof. */
#define RULE_TECHNIQUE_CONFIDENCE 100
#define RULE_NAME_CONFIDENCE 60

static const char *side_name(ts_side s)
{
    switch (s) {
    case TS_SIDE_SRC:
        return "src";
    case TS_SIDE_DST:
        return "dst";
    case TS_SIDE_FILE:
        return "file";
    default:
        return "?";
    }
}

static const char *s0(const char *s)
{
    return s ? s : "";
}

/* Two indicator alerts that matched the same indicator of the same feed for the same actors
 * (seen from another side or host): one indicator is one piece of evidence. */
static bool same_indicator(const void *ud, size_t i, size_t j)
{
    const ts_incident *inc = ud;
    const ts_alert *a = inc->alerts[i], *b = inc->alerts[j];
    return a->ioc_type == b->ioc_type && a->actorset == b->actorset && a->source == b->source &&
           (a->suppressed != NULL) == (b->suppressed != NULL) && a->ioc_value && b->ioc_value &&
           strcmp(a->ioc_value, b->ioc_value) == 0;
}

/* True when alert i repeats an indicator an earlier alert already gave (or memory ran out). */
static bool indicator_seen(ts_hidx *seen, const ts_incident *inc, size_t i)
{
    const ts_alert *a = inc->alerts[i];
    uint64_t h = ts_hash(TS_HASH_SEED, &a->ioc_type, sizeof a->ioc_type);
    h = ts_hash(h, &a->actorset, sizeof a->actorset);
    h = ts_hash(h, &a->source, sizeof a->source);
    if (a->ioc_value)
        h = ts_hash(h, a->ioc_value, strlen(a->ioc_value));
    return ts_hidx_put(seen, h, i, same_indicator, inc) != i;
}

/* The sharing class of an indicator alert: by the warninglist that suppressed it, or, when
 * nothing suppressed it, by its value (a dynamic DNS provider's domain). An alert suppressed
 * for another reason (expired) keeps weighing nothing. */
static const ts_share_class *share_of(const ts_share_table *share, const ts_alert *a)
{
    if (!a->suppressed)
        return ts_share_classify(share, NULL, a->ioc_value);
    if (strncmp(a->suppressed, "warninglist: ", 13) != 0)
        return NULL;
    return ts_share_classify(share, a->suppressed, a->ioc_value);
}

static void from_indicator(const ts_intel *ti, const ts_share_table *share, ts_evbuf *b, const ts_alert *a,
                           size_t i)
{
    ts_attr_evidence e = {.kind = TS_AE_INDICATOR,
                          .actorset = a->actorset,
                          .confidence = a->confidence,
                          .shared = a->shared,
                          .suppressed = a->suppressed != NULL,
                          .alert = i};
    const ts_share_class *sc = share_of(share, a);
    if (sc) {
        e.share_class = sc->name;
        e.share_why = sc->why;
        e.share_factor = sc->factor;
        e.suppressed = 0;
    }
    /* one source's indicators for one set of actors rest on one attribution judgement */
    if (a->actorset)
        e.cluster = (uint64_t)a->source << 32 | a->actorset;
    e.inbound = a->direction == TS_DIR_INBOUND && a->side == TS_SIDE_SRC;
    /* A mail sender's address or domain is whatever the sender typed. */
    bool spoofable = a->side == TS_SIDE_SRC && (a->ioc_type == TS_IOC_EMAIL || a->ioc_type == TS_IOC_DOMAIN);
    if (spoofable)
        e.confidence /= 2;
    e.cheap = spoofable || ts_attr_ioc_cheap(a->ioc_type);
    const char *src = ts_intel_source_name(ti, a->source);
    const char *obs =
        a->observed && a->ioc_value && strcmp(a->observed, a->ioc_value) != 0 ? a->observed : NULL;
    ts_evbuf_add(b, &e, "%s %s%s%s (%s) in %s%s%s%s%s", ts_ioc_type_name(a->ioc_type), s0(a->ioc_value),
                 obs ? " via " : "", obs ? obs : "", side_name(a->side), src ? src : "an unnamed feed",
                 spoofable ? " [sender: spoofable, confidence halved]" : "",
                 a->suppressed ? " [warninglist: " : "", a->suppressed ? a->suppressed : "",
                 a->suppressed ? "]" : "");
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
    ts_evbuf_add(b, &e, "%s %s (%s%s)", e.inbound ? "inbound from" : "outbound to",
                 ip[0] ? ip : s0(a->remote_name), e.country[0] ? e.country : "??", asn);
}

/* One ATT&CK id of an alert's ATT&CK field: a technique ("T1059.001"), or, from a rule's
 * tags (attack.g0032, attack.s0002), a group its author names (a claim) or software. These
 * are the only names attribution takes from an alert: never its title, which tocsin writes
 * with host and user names in it, nor any text from the logs. */
static void from_attack_id(const ts_intel *ti, ts_evbuf *b, const char *id, size_t i)
{
    if (id[0] == 'G' || id[0] == 'g') {
        ts_attr_evidence e = {.kind = TS_AE_ACTOR_CLAIM, .confidence = RULE_NAME_CONFIDENCE, .alert = i};
        size_t n = ts_intel_actor_resolve(ti, id, e.actors, TS_ATTR_MAX_NAMED);
        e.n_actors = n < TS_ATTR_MAX_NAMED ? n : TS_ATTR_MAX_NAMED;
        if (n)
            ts_evbuf_add(b, &e, "group %s named by the rule's tags", id);
        return;
    }
    if (id[0] == 'S' || id[0] == 's') {
        ts_attr_evidence e = {.kind = TS_AE_SOFTWARE, .confidence = RULE_NAME_CONFIDENCE, .alert = i};
        if (ts_intel_software_resolve(ti, id, &e.software, 1))
            ts_evbuf_add(b, &e, "software %s named by the rule's tags", id);
        return;
    }
    ts_attr_evidence e = {.kind = TS_AE_TECHNIQUE,
                          .technique = ts_intel_technique_find(ti, id),
                          .confidence = RULE_TECHNIQUE_CONFIDENCE,
                          .alert = i};
    ts_evbuf_add(b, &e, "%s", id);
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
        char id[24];
        if (n && n < sizeof id) {
            memcpy(id, p, n);
            id[n] = '\0';
            from_attack_id(ti, b, id, i);
        }
        p = end ? end + 1 : NULL;
    }
}

/* Whether a behavioural alert is data leaving: an employee carrying data out reaches an
 * outside service (a cloud drive, a mail provider) without any actor's infrastructure. */
static bool data_leaving(const ts_alert *a)
{
    static const char *const exfil[] = {"T1041", "T1048", "T1052", "T1567"};
    if (a->kind != TS_EV_BEHAVIOUR || !a->techniques)
        return false;
    for (size_t i = 0; i < sizeof exfil / sizeof exfil[0]; i++)
        if (strstr(a->techniques, exfil[i]))
            return true;
    return false;
}

/* Activity by named accounts that stays inside, or only carries data out, with no actor's
 * infrastructure in sight, fits an insider (or an outsider already holding valid accounts:
 * the model keeps both). */
static void insider_check(ts_evbuf *b, const ts_incident *inc)
{
    size_t users = 0;
    for (size_t i = 0; i < inc->n_alerts; i++) {
        const ts_alert *a = inc->alerts[i];
        if (a->kind == TS_EV_INDICATOR || a->kind == TS_EV_HOME_NETWORK)
            return;
        bool remote = ts_ip_set(&a->remote_ip) || a->remote_name;
        if (remote && a->direction != TS_DIR_INTERNAL && !data_leaving(a))
            return;
        char k[TS_ENTITY_KEY_MAX];
        if (ts_entity_user_key(a->user, k, sizeof k) && k[0] == 'u')
            users++;
    }
    if (!users)
        return;
    ts_attr_evidence e = {.kind = TS_AE_INSIDER, .confidence = 100, .alert = SIZE_MAX};
    ts_evbuf_add(b, &e,
                 "all %zu alerts are internal or data leaving, %zu of them by named accounts (%zu account%s)",
                 inc->n_alerts, users, inc->n_users, inc->n_users == 1 ? "" : "s");
}

/* The times hands-on activity began: rule and behaviour alerts, not beacons (which run
 * around the clock by themselves) nor indicator hits (which follow the traffic). */
static void from_clock(const ts_tz_table *tz, ts_evbuf *b, const ts_incident *inc)
{
    if (!tz || !inc->n_alerts)
        return;
    int64_t *ns = malloc(inc->n_alerts * sizeof *ns);
    size_t n = 0;
    if (!ns) {
        b->nomem = true;
        return;
    }
    for (size_t i = 0; i < inc->n_alerts; i++) {
        const ts_alert *a = inc->alerts[i];
        bool hands_on = a->kind == TS_EV_RULE || a->kind == TS_EV_BEHAVIOUR;
        if (hands_on && !(a->detector && strcmp(a->detector, "beacon") == 0))
            ns[n++] = a->first_ns;
    }
    ts_tz_evidence(tz, ns, n, b);
    free(ns);
}

tocsin_code ts_attribute_incident(const ts_intel *ti, ts_incident *inc)
{
    return ts_attribute_incident_tz(ti, NULL, inc);
}

tocsin_code ts_attribute_incident_tz(const ts_intel *ti, const ts_tz_table *tz, ts_incident *inc)
{
    return ts_attribute_incident_with(ti, tz, NULL, inc);
}

tocsin_code ts_attribute_incident_with(const ts_intel *ti, const ts_tz_table *tz, const ts_share_table *share,
                                       ts_incident *inc)
{
    if (!ti || !inc)
        return TOCSIN_E_ARG;
    ts_evbuf b = {0};
    ts_hidx seen = {0};
    for (size_t i = 0; i < inc->n_alerts; i++) {
        const ts_alert *a = inc->alerts[i];
        /* an analyst said it is not worth raising, or it is a routine source's usual doing:
           no evidence either */
        if (a->suppression || a->routine)
            continue;
        if (a->kind == TS_EV_INDICATOR && !indicator_seen(&seen, inc, i))
            from_indicator(ti, share, &b, a, i);
        else if (a->kind == TS_EV_HOME_NETWORK)
            from_home(&b, a, i);
        from_techniques(ti, &b, a->techniques, i);
    }
    ts_hidx_free(&seen);
    insider_check(&b, inc);
    from_clock(tz, &b, inc);
    ts_attr_params p;
    ts_attr_params_default(&p);
    p.public_only_cap = TS_PUBLIC_ONLY_CAP;
    ts_attribution *res = b.nomem ? NULL : ts_attribute_with(ti, b.v, b.n, &p);
    ts_evbuf_free(&b);
    if (!res)
        return TOCSIN_E_NOMEM;
    ts_attribution_free(inc->attribution);
    inc->attribution = res;
    return TOCSIN_OK;
}
