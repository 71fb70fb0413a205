/* intel.c: detector "intel": an event's addresses, names, URLs, hashes and mail addresses against the
 * indicators. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "detect/alert_util.h"
#include "detect/detect.h"

/* Hits kept per looked-up value: an address in a dozen feeds is still one line of
 * evidence per feed; more than this are the same evidence again. */
#define MAX_HITS 16
/* A request line without scheme and host is rebuilt as http://host/path to match URL
 * indicators; longer ones are looked up as they are. */
#define URL_MAX 2048

/*
 * Suppressed hits (a warninglist entry covers the value) are emitted, not dropped, with
 * severity 0 and `suppressed` set to the warninglist's reason: an analyst who knows an
 * address is in an actor feed and sees no alert must be able to learn why ("8.8.8.8:
 * in an actor list, but a public DNS resolver per the MISP warninglist"). Expired
 * indicators (expires before the event's time) are reported the same way.
 */

typedef struct intel_state {
    const ts_intel *intel;
    unsigned min_confidence; /* [intel] min_confidence: weaker listings raise no alert */
} intel_state;

/* One value of the event to look up. */
typedef struct probe {
    ts_ioc_type type;
    ts_side side;
    ts_str value;    /* the looked-up text (not for TS_IOC_IP) */
    const ts_ip *ip; /* TS_IOC_IP */
    bool mail;       /* the value came from the mail envelope or headers */
    ts_str context;  /* the whole value it was taken from (the URL, the mail address) */
} probe;

/* Listings below this confidence are context for `intel lookup`, not alarms: a source that
 * trusts a value so little (MISP's to_ids=false, a "possible" entry) lists busy addresses by
 * mistake often enough to raise alerts on every host that reaches a CDN. */
#define MIN_CONFIDENCE 50

/* Tunables: the [intel] section of data/detect.conf. */
typedef struct intel_settings {
    double min_confidence;
} intel_settings;

static const ts_tunable intel_tunables[] = {
    TS_TUNE(intel_settings, min_confidence, TS_TUNE_NUM, MIN_CONFIDENCE, 0, 100),
    {0},
};

static tocsin_code intel_init(void *state, const ts_detect_ctx *ctx)
{
    intel_state *st = state;
    intel_settings tune;
    if (!ts_tune_read(ctx->config, "intel", intel_tunables, &tune))
        return TOCSIN_E_ARG;
    double min = tune.min_confidence;
    if (min < 0 || min > 100)
        return TOCSIN_E_ARG;
    st->intel = ctx->intel;
    st->min_confidence = (unsigned)min;
    return TOCSIN_OK;
}

static bool is_auth(const ts_event *ev)
{
    return (ev->category & TS_CAT_AUTH) != 0;
}

/* The indicator as stored: a network with its prefix (a bare address for a host), the
 * parent domain that matched, or the normalised value. */
static char *indicator_text(const ts_ioc_hit *h, const probe *p)
{
    if (p->type == TS_IOC_IP) {
        char ip[TS_IP_STRLEN];
        ts_ip_format(&h->net, ip);
        unsigned full = h->net.v == 4 ? 32 : 128;
        return h->prefix >= full ? strdup(ip) : ts_fmt_alloc("%s/%u", ip, (unsigned)h->prefix);
    }
    ts_str m = h->matched.n ? h->matched : p->value;
    if (p->type == TS_IOC_URL)
        return ts_strndup(m);
    char *s = ts_strndup(m);
    for (char *c = s; c && *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    return s;
}

/* "Lazarus Group, sony-2014", "APT38 +2, maltrail", or the feed alone. */
static void actor_label(const ts_intel *ti, const ts_ioc_meta *m, char *buf, size_t cap)
{
    const uint32_t *ids = NULL;
    size_t n = m->actors ? ts_intel_actorset_get(ti, m->actors, &ids) : 0;
    const ts_actor *first = n ? ts_intel_actor(ti, ids[0]) : NULL;
    const char *src = ts_intel_source_name(ti, m->source);
    if (!src)
        src = "unnamed feed";
    if (first && n > 1)
        snprintf(buf, cap, "%s +%zu, %s", first->name, n - 1, src);
    else if (first)
        snprintf(buf, cap, "%s, %s", first->name, src);
    else
        snprintf(buf, cap, "%s", src);
}

/* An indicator's confidence; unknown (0) counts as a plain list's default, 50. */
static unsigned confidence_of(const ts_ioc_meta *m)
{
    return m->confidence ? m->confidence : 50;
}

/* How bad the hit is: the kind of contact sets the ceiling (a successful logon from an
 * actor's address is an intrusion; a DNS lookup of its domain may be a blocked link),
 * the indicator's confidence scales it, and shared infrastructure halves it. */
static uint8_t severity(const ts_event *ev, const probe *p, const ts_ioc_meta *m)
{
    unsigned w;
    if (p->side == TS_SIDE_FILE)
        w = 95;
    else if (p->mail)
        w = p->side == TS_SIDE_SRC ? 75 : 70;
    else if (p->side == TS_SIDE_SRC && is_auth(ev))
        w = ev->outcome == TS_OUTCOME_SUCCESS ? 100 : ev->outcome == TS_OUTCOME_FAILURE ? 75 : 80;
    else if (p->side == TS_SIDE_SRC)
        w = 70;
    else if (ev->category & TS_CAT_DNS)
        w = 60;
    else
        w = 85;
    unsigned conf = confidence_of(m);
    unsigned s = w * (50 + conf / 2) / 100;
    if (m->flags & TS_IOC_SHARED)
        s /= 2;
    return (uint8_t)(s < 1 ? 1 : s > 100 ? 100 : s);
}

/* ATT&CK techniques the hit shows on its own, or NULL. */
static const char *techniques(const ts_event *ev, const probe *p)
{
    if (p->mail)
        return p->side == TS_SIDE_SRC ? "T1566" : NULL;
    if (p->side == TS_SIDE_SRC)
        return is_auth(ev) && ev->outcome == TS_OUTCOME_SUCCESS ? "T1078" : NULL;
    if (p->side != TS_SIDE_DST)
        return NULL;
    if (ev->category & TS_CAT_DNS)
        return "T1071.004";
    if (p->type == TS_IOC_URL || (ev->category & TS_CAT_WEB))
        return "T1071.001";
    return "T1071";
}

static char *make_title(const ts_alert *a, const ts_event *ev, const probe *p, const char *label)
{
    char ebuf[TS_IP_STRLEN];
    const char *us = ts_alert_internal_entity(a, ebuf);
    const char *obs = a->observed ? a->observed : "?";
    if (p->side == TS_SIDE_FILE)
        return ts_fmt_alloc("%.*s on %s matches a known %s (%s)", ev->file_path.n ? (int)ev->file_path.n : 6,
                            ev->file_path.n ? ev->file_path.p : "a file",
                            a->internal_host ? a->internal_host : us, ts_ioc_type_name(p->type), label);
    if (p->mail)
        return ts_fmt_alloc("mail %s %s (%s)", p->side == TS_SIDE_SRC ? "from" : "to",
                            a->remote_name ? a->remote_name : obs, label);
    if (p->type == TS_IOC_IP && ts_ip_eq(p->ip, &a->internal_ip)) {
        char rbuf[TS_IP_STRLEN];
        return ts_fmt_alloc("%s, an address of ours, is listed; it talked with %s (%s)", obs,
                            a->remote_ip.v ? ts_ip_format(&a->remote_ip, rbuf) : "?", label);
    }
    if (p->side == TS_SIDE_SRC && is_auth(ev)) {
        const char *what = ev->outcome == TS_OUTCOME_SUCCESS   ? "logged on to"
                           : ev->outcome == TS_OUTCOME_FAILURE ? "failed to log on to"
                                                               : "authenticated to";
        return ts_fmt_alloc("%s %s %s%s%s (%s)", obs, what, a->internal_host ? a->internal_host : us,
                            a->user ? " as " : "", a->user ? a->user : "", label);
    }
    if (p->side == TS_SIDE_SRC)
        return ts_fmt_alloc("%s connected to %s (%s)", obs, us, label);
    const char *verb = p->type == TS_IOC_URL                                     ? "requested"
                       : p->type == TS_IOC_DOMAIN && (ev->category & TS_CAT_DNS) ? "looked up"
                       : p->type == TS_IOC_DOMAIN                                ? "contacted"
                                                                                 : "connected to";
    return ts_fmt_alloc("%s %s %s (%s)", us, verb, obs, label);
}

/* The mail side's own account: a sender hit concerns the recipient, a recipient hit the
 * sender (who wrote to the actor). */
static void mail_user(ts_alert *a, const ts_event *ev, const probe *p)
{
    if (a->user)
        return;
    if (p->side == TS_SIDE_SRC && ev->n_mail_to)
        a->user = ts_strndup(ev->mail_to[0]);
    else if (p->side == TS_SIDE_DST && ev->mail_from.n)
        a->user = ts_strndup(ev->mail_from);
}

static void fill_entities(ts_alert *a, const ts_event *ev, const probe *p)
{
    bool event_ip = p->type == TS_IOC_IP && (p->ip == &ev->src_ip || p->ip == &ev->dst_ip);
    if (event_ip) {
        bool src = p->ip == &ev->src_ip;
        /* A listed address the site configured as its own: the event's own reading of
           the sides (ts_alert_from_event) stands. */
        if (!((src ? ev->src_geo.flags : ev->dst_geo.flags) & TS_NET_INTERNAL))
            ts_alert_orient(a, ev, src ? TS_SIDE_SRC : TS_SIDE_DST);
    } else if (p->side == TS_SIDE_DST && !p->mail) {
        /* A name, a URL or an address in a URL: the client reached it, perhaps through
           our resolver or proxy, and an internal destination address is then not the
           remote party. */
        ts_alert_orient(a, ev, TS_SIDE_DST);
        if (a->direction == TS_DIR_INTERNAL || a->direction == TS_DIR_UNKNOWN) {
            memset(&a->remote_ip, 0, sizeof a->remote_ip);
            memset(&a->remote_geo, 0, sizeof a->remote_geo);
            a->direction = ev->src_ip.v || ev->host.n ? TS_DIR_OUTBOUND : TS_DIR_UNKNOWN;
        }
        if (p->type == TS_IOC_IP)
            a->remote_ip = *p->ip;
    }
    if (p->mail) {
        /* Mail crosses the border by nature: from an actor is inbound, to one outbound. */
        a->direction = p->side == TS_SIDE_SRC ? TS_DIR_INBOUND : TS_DIR_OUTBOUND;
        mail_user(a, ev, p);
    }
    if ((p->type != TS_IOC_IP && p->side != TS_SIDE_FILE) || p->context.n)
        a->remote_name = ts_strndup(p->context.n ? p->context : p->value);
}

static char *observed_text(const probe *p)
{
    if (p->type == TS_IOC_IP) {
        char ip[TS_IP_STRLEN];
        return strdup(ts_ip_format(p->ip, ip));
    }
    return ts_strndup(p->value);
}

static const char *side_name(ts_side s)
{
    return s == TS_SIDE_SRC ? "src" : s == TS_SIDE_DST ? "dst" : s == TS_SIDE_FILE ? "file" : "none";
}

/* Builds and emits the alert for one hit; reason is the suppression reason or NULL. */
static void emit_hit(const intel_state *st, const ts_event *ev, const probe *p, const ts_ioc_hit *h,
                     const char *reason, const ts_alert_sink *out)
{
    ts_alert *a = calloc(1, sizeof *a);
    if (!a)
        return;
    a->detector = "intel";
    a->kind = TS_EV_INDICATOR;
    ts_alert_from_event(a, ev);
    fill_entities(a, ev, p);
    a->ioc_type = p->type == TS_IOC_IP ? TS_IOC_IP : h->type;
    a->ioc_value = indicator_text(h, p);
    a->observed = observed_text(p);
    a->side = p->side;
    a->actorset = h->meta->actors;
    a->source = h->meta->source;
    a->confidence = h->meta->confidence;
    a->shared = (h->meta->flags & TS_IOC_SHARED) != 0;
    a->severity = reason ? 0 : severity(ev, p, h->meta);
    a->suppressed = reason ? strdup(reason) : NULL;
    const char *t = techniques(ev, p);
    a->techniques = t && !reason ? strdup(t) : NULL;

    char label[256], ebuf[TS_IP_STRLEN];
    actor_label(st->intel, h->meta, label, sizeof label);
    a->title = make_title(a, ev, p, label);
    a->key =
        ts_fmt_alloc("ioc|%s|%s|%s|%s|a%u%s", ts_ioc_type_name(a->ioc_type), a->ioc_value ? a->ioc_value : "",
                     ts_alert_internal_entity(a, ebuf), side_name(p->side), (unsigned)a->actorset,
                     p->side == TS_SIDE_SRC && !p->mail ? ts_auth_key_suffix(ev) : "");
    if (!a->key || !a->title || !a->ioc_value || !a->observed) {
        ts_alert_free(a);
        return;
    }
    out->emit(out->ud, a);
}

/* True when an earlier hit of the same lookup is the same evidence (same indicator and
 * actors from another feed): one alert per indicator and actor set is enough. */
static bool repeat_hit(const ts_ioc_hit *hits, size_t i)
{
    for (size_t j = 0; j < i; j++) {
        const ts_ioc_hit *a = &hits[j], *b = &hits[i];
        if (a->meta->flags & TS_IOC_ALLOW || a->meta->actors != b->meta->actors || a->type != b->type)
            continue;
        bool same = a->type == TS_IOC_IP ? a->prefix == b->prefix && ts_ip_eq(&a->net, &b->net)
                                         : a->matched.n == b->matched.n;
        if (same)
            return true;
    }
    return false;
}

static void check(const intel_state *st, const ts_event *ev, const probe *p, const ts_alert_sink *out)
{
    ts_ioc_hit hits[MAX_HITS];
    size_t n = p->type == TS_IOC_IP ? ts_intel_match_ip(st->intel, p->ip, hits, MAX_HITS)
                                    : ts_intel_match(st->intel, p->type, p->value, hits, MAX_HITS);
    if (!n)
        return;
    const char *allow = NULL;
    for (size_t i = 0; i < n && !allow; i++)
        if (hits[i].meta->flags & TS_IOC_ALLOW) {
            allow = ts_intel_string_get(st->intel, hits[i].meta->note);
            if (!allow)
                allow = "on a warninglist";
        }
    int64_t secs = ev->ts_ns / 1000000000;
    for (size_t i = 0; i < n; i++) {
        const ts_ioc_meta *m = hits[i].meta;
        if (m->flags & TS_IOC_ALLOW || confidence_of(m) < st->min_confidence || repeat_hit(hits, i))
            continue;
        const char *reason = allow;
        if (!reason && m->expires && ev->ts_ns && secs > m->expires)
            reason = "the indicator had expired at the time of the event";
        emit_hit(st, ev, p, &hits[i], reason, out);
    }
}

/* The host part of a URL ("http://user@Host:8080/x" -> "Host"), or an empty view. */
static ts_str url_host(ts_str url)
{
    const char *s = memmem(url.p, url.n, "://", 3);
    if (!s)
        return TS_STR_NULL;
    const char *p = s + 3, *end = url.p + url.n, *h = p;
    while (p < end && *p != '/' && *p != '?' && *p != '#')
        if (*p++ == '@')
            h = p;
    const char *e = h;
    if (e < p && *e == '[') { /* an IPv6 literal keeps its colons */
        const char *close = memchr(e, ']', (size_t)(p - e));
        return close ? ts_str_make(e + 1, (size_t)(close - e - 1)) : TS_STR_NULL;
    }
    while (e < p && *e != ':')
        e++;
    return ts_str_make(h, (size_t)(e - h));
}

static void check_url(const intel_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    char buf[URL_MAX];
    ts_str url = ev->url;
    /* Zeek and proxy logs give the request target alone; indicators are whole URLs. */
    if (url.p[0] == '/' && ev->domain.n && ev->domain.n + url.n + 8 <= sizeof buf) {
        int n =
            snprintf(buf, sizeof buf, "http://%.*s%.*s", (int)ev->domain.n, ev->domain.p, (int)url.n, url.p);
        url = ts_str_make(buf, (size_t)n);
    }
    probe p = {.type = TS_IOC_URL, .side = TS_SIDE_DST, .value = url};
    check(st, ev, &p, out);

    ts_str host = url_host(url);
    if (!host.n)
        return;
    /* The same name as destination.domain was looked up already (most requests: Zeek
       builds the URL from the Host header), decided before trying to read it as an address:
       a name under a top-level domain ends in a letter, an address never. */
    char last = (char)(host.p[host.n - 1] | 0x20);
    if (last >= 'a' && last <= 'z' && ev->domain.n == host.n &&
        strncasecmp(ev->domain.p, host.p, host.n) == 0)
        return;
    ts_ip ip;
    if (ts_ip_parse(host, &ip)) {
        if (!ts_ip_eq(&ip, &ev->dst_ip)) {
            probe q = {.type = TS_IOC_IP, .side = TS_SIDE_DST, .ip = &ip, .context = url};
            check(st, ev, &q, out);
        }
        return;
    }
    if (ev->domain.n == host.n && strncasecmp(ev->domain.p, host.p, host.n) == 0)
        return;
    probe q = {.type = TS_IOC_DOMAIN, .side = TS_SIDE_DST, .value = host, .context = url};
    check(st, ev, &q, out);
}

/* "Name <a@b.example>" -> "a@b.example". */
static ts_str mail_addr(ts_str s)
{
    const char *lt = memchr(s.p, '<', s.n);
    if (!lt)
        return ts_str_trim(s);
    const char *gt = memchr(lt, '>', (size_t)(s.p + s.n - lt));
    return gt ? ts_str_make(lt + 1, (size_t)(gt - lt - 1)) : ts_str_trim(s);
}

/* Looks up one mail address (lower-cased, as stored) and, for the sender, its domain. */
static void check_address(const intel_state *st, const ts_event *ev, ts_str raw, ts_side side,
                          const ts_alert_sink *out)
{
    char low[320]; /* RFC 5321: at most 254 in a path */
    ts_str addr = mail_addr(raw);
    size_t n = addr.n ? ts_lower(addr, low, sizeof low) : 0;
    if (!n)
        return;
    addr = ts_str_make(low, n);
    probe p = {.type = TS_IOC_EMAIL, .side = side, .value = addr, .mail = true};
    check(st, ev, &p, out);
    if (side != TS_SIDE_SRC)
        return;
    /* Actors' phishing domains are listed as domains more often than as addresses. */
    const char *at = memrchr(addr.p, '@', addr.n);
    if (at && at + 1 < addr.p + addr.n) {
        ts_str dom = ts_str_make(at + 1, (size_t)(addr.p + addr.n - at - 1));
        probe q = {.type = TS_IOC_DOMAIN, .side = TS_SIDE_SRC, .value = dom, .mail = true, .context = addr};
        check(st, ev, &q, out);
    }
}

static void check_mail(const intel_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    if (ev->mail_from.n)
        check_address(st, ev, ev->mail_from, TS_SIDE_SRC, out);
    for (size_t i = 0; i < ev->n_mail_to && i < TS_MAX_RCPT; i++)
        if (ev->mail_to[i].n)
            check_address(st, ev, ev->mail_to[i], TS_SIDE_DST, out);
}

/* Special-purpose addresses (10.0.0.5, fe80::1) name a different host in every
 * organisation: a feed that lists one (another victim's internal address in a MISP
 * event) would match everyone's, so they are not looked up. Addresses configured as
 * internal but public are: the organisation's own server can be a listed C2. */
static bool worth_looking_up(const ts_ip *ip, const ts_geo *g)
{
    if (!ip->v)
        return false;
    if ((g->flags & TS_NET_KNOWN) && !(g->flags & TS_NET_INTERNAL))
        return true;
    return !ts_ip_is_special(ip);
}

static void intel_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    const intel_state *st = state;
    if (!st->intel)
        return;
    if (worth_looking_up(&ev->src_ip, &ev->src_geo)) {
        probe p = {.type = TS_IOC_IP, .side = TS_SIDE_SRC, .ip = &ev->src_ip};
        check(st, ev, &p, out);
    }
    if (worth_looking_up(&ev->dst_ip, &ev->dst_geo)) {
        probe p = {.type = TS_IOC_IP, .side = TS_SIDE_DST, .ip = &ev->dst_ip};
        check(st, ev, &p, out);
    }
    if (ev->domain.n) {
        probe p = {.type = TS_IOC_DOMAIN, .side = TS_SIDE_DST, .value = ev->domain};
        check(st, ev, &p, out);
    }
    if (ev->url.n)
        check_url(st, ev, out);
    static const struct {
        size_t off;
        ts_ioc_type type;
    } hashes[] = {
        {offsetof(ts_event, md5), TS_IOC_MD5},
        {offsetof(ts_event, sha1), TS_IOC_SHA1},
        {offsetof(ts_event, sha256), TS_IOC_SHA256},
    };
    for (size_t i = 0; i < sizeof hashes / sizeof *hashes; i++) {
        ts_str h = *(const ts_str *)((const char *)ev + hashes[i].off);
        /* Sysmon writes hashes in upper case; indicators are stored in lower case. */
        char low[136];
        size_t n = h.n ? ts_lower(h, low, sizeof low) : 0;
        if (n) {
            probe p = {.type = hashes[i].type, .side = TS_SIDE_FILE, .value = ts_str_make(low, n)};
            check(st, ev, &p, out);
        }
    }
    if (ev->mail_from.n || ev->n_mail_to)
        check_mail(st, ev, out);
}

const ts_detector ts_detector_intel = {
    .name = "intel",
    .tunables = intel_tunables,
    .summary = "addresses, domains, URLs, file hashes and mail addresses matching threat intelligence",
    .state_size = sizeof(intel_state),
    .init = intel_init,
    .event = intel_event,
};
