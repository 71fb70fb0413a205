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
    uint64_t h = ts_fnv1a(TS_FNV_BASIS, &a->ioc_type, sizeof a->ioc_type);
    h = ts_fnv1a(h, &a->actorset, sizeof a->actorset);
    h = ts_fnv1a(h, &a->source, sizeof a->source);
    if (a->ioc_value)
        h = ts_fnv1a(h, a->ioc_value, strlen(a->ioc_value));
    return ts_hidx_put(seen, h, i, same_indicator, inc) != i;
}

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

/* A single word that looks like a group's code name rather than an ordinary word: it has a
 * digit or is all capitals ("APT28", "FIN7", "HAFNIUM"). Ordinary words such as "Desktop",
 * "Equation" or "Cobalt" are aliases of some actor in large catalogues. */
static bool code_name(const char *s, size_t n)
{
    bool digit = false, lower = false;
    for (size_t i = 0; i < n; i++) {
        digit |= s[i] >= '0' && s[i] <= '9';
        lower |= s[i] >= 'a' && s[i] <= 'z';
    }
    return digit || !lower;
}

/* Looks a candidate name up as software and as an actor (an actor only when it is two words
 * or a code name). Returns whether anything matched. */
static bool try_name(const ts_intel *ti, ts_evbuf *b, const char *name, bool pair, const char *title, size_t i)
{
    uint32_t ids[8];
    size_t n = ts_intel_software_resolve(ti, name, ids, 8);
    for (size_t j = 0; j < n && j < 8; j++) {
        ts_attr_evidence e = {.kind = TS_AE_SOFTWARE, .software = ids[j], .confidence = RULE_NAME_CONFIDENCE,
                              .alert = i};
        ts_evbuf_add(b, &e, "\"%s\" named by the rule \"%s\"", name, title);
    }
    bool hit = n > 0;
    if (!pair && !code_name(name, strlen(name)))
        return hit;
    ts_attr_evidence e = {.kind = TS_AE_ACTOR_CLAIM, .confidence = RULE_NAME_CONFIDENCE, .alert = i};
    n = ts_intel_actor_resolve(ti, name, e.actors, TS_ATTR_MAX_NAMED);
    e.n_actors = n < TS_ATTR_MAX_NAMED ? n : TS_ATTR_MAX_NAMED;
    if (n)
        ts_evbuf_add(b, &e, "\"%s\" named by the rule \"%s\"", name, title);
    return hit || n > 0;
}

#define TITLE_WORDS 32

/* A rule's title may name software or an actor ("Lazarus Group Activity", "Mimikatz Use").
 * Each pair of adjacent words is looked up first, then each word of five or more letters
 * that no matched pair covers (so "Cobalt Strike" does not also claim the Cobalt Group).
 * Shorter single words are skipped: they are mostly ordinary words that some tool happens
 * to be called ("Net", "Ping", "at"). Only the first TITLE_WORDS words are read. */
static void from_title(const ts_intel *ti, ts_evbuf *b, const char *title, size_t i)
{
    const char *w[TITLE_WORDS];
    size_t wl[TITLE_WORDS], nw = 0;
    bool covered[TITLE_WORDS] = {false};
    for (const char *p = title; p && *p && nw < TITLE_WORDS;) {
        while (*p && !word_char(*p))
            p++;
        const char *s = p;
        while (*p && word_char(*p))
            p++;
        if (p > s) {
            w[nw] = s;
            wl[nw++] = (size_t)(p - s);
        }
    }
    char name[128];
    for (size_t k = 1; k < nw; k++) {
        if (wl[k - 1] + 1 + wl[k] >= sizeof name)
            continue;
        snprintf(name, sizeof name, "%.*s %.*s", (int)wl[k - 1], w[k - 1], (int)wl[k], w[k]);
        if (try_name(ti, b, name, true, title, i))
            covered[k - 1] = covered[k] = true;
    }
    for (size_t k = 0; k < nw; k++) {
        if (covered[k] || wl[k] < 5 || wl[k] >= sizeof name)
            continue;
        snprintf(name, sizeof name, "%.*s", (int)wl[k], w[k]);
        try_name(ti, b, name, false, title, i);
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
    ts_evbuf_add(b, &e, "all %zu alerts are internal or data leaving, %zu of them by named accounts (%zu account%s)",
                 inc->n_alerts, users, inc->n_users, inc->n_users == 1 ? "" : "s");
}

tocsin_code ts_attribute_incident(const ts_intel *ti, ts_incident *inc)
{
    if (!ti || !inc)
        return TOCSIN_E_ARG;
    ts_evbuf b = {0};
    ts_hidx seen = {0};
    for (size_t i = 0; i < inc->n_alerts; i++) {
        const ts_alert *a = inc->alerts[i];
        if (a->suppression) /* an analyst said it is not worth raising: no evidence either */
            continue;
        if (a->kind == TS_EV_INDICATOR && !indicator_seen(&seen, inc, i))
            from_indicator(ti, &b, a, i);
        else if (a->kind == TS_EV_HOME_NETWORK)
            from_home(&b, a, i);
        else if (a->kind == TS_EV_RULE)
            from_title(ti, &b, a->title, i);
        from_techniques(ti, &b, a->techniques, i);
    }
    ts_hidx_free(&seen);
    insider_check(&b, inc);
    ts_attribution *res = b.nomem ? NULL : ts_attribute(ti, b.v, b.n);
    ts_evbuf_free(&b);
    if (!res)
        return TOCSIN_E_NOMEM;
    ts_attribution_free(inc->attribution);
    inc->attribution = res;
    return TOCSIN_OK;
}
