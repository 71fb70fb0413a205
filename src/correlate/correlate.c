/* correlate.c: aggregates repeated alerts and joins alerts that share a host or an account
 * within the window into incidents (union-find over entities).
 *
 * State: only the aggregated alerts (one per detector + key) and an open-addressing index
 * of them. That is all a live run would need to save: the store already keeps every
 * aggregated alert, so a restart re-adds them (ts_correlator_add) and carries on. For a
 * live run the next step is a watermark: an incident whose last alert is older than the
 * newest alert minus the window can no longer grow and can be emitted and dropped. */
#include "correlate/correlate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/hash.h"
#include "core/vec.h"
#include "correlate/binding.h"
#include "correlate/entity.h"
#include "detect/alert_util.h"

#define DEFAULT_WINDOW_NS (7LL * 24 * 3600 * 1000000000LL)

/* The defaults of the [correlate] caps (data/detect.conf says the same):
 * A host in alerts of more accounts than HUB_USERS is infrastructure the accounts pass
 * through (the mail server every phishing message reached, a proxy, a domain controller),
 * not a victim they share: joining on it would glue unrelated people into one incident.
 * An outside address or name in alerts of more hosts and accounts than OUTSIDE_MAX_PLACES
 * is common infrastructure (a CDN, a cloud provider's front, a popular site, a freemail
 * domain), not one attacker's: it joins nothing. A campaign reaching more places than this
 * splits by host and account (docs/correlation.md). Actor indicators of confidence
 * (campaign_key) are not capped: intel already says whose they are.
 * A sender domain seen with more distinct sender addresses than SENDERS_PER_DOMAIN is a
 * mail provider anyone can have an address at (gmx.com, mail.com), not one sender: it
 * joins nothing. The addresses of one look-alike domain are few; a freemail domain's are
 * not. */
#define HUB_USERS 8
#define OUTSIDE_MAX_PLACES 32
#define SENDERS_PER_DOMAIN 4

struct ts_correlator {
    int64_t window;
    ts_alert **v; /* aggregated alerts, in order of arrival */
    size_t n, cap;
    ts_alert **stored; /* what earlier runs found in the same input (add_stored) */
    size_t n_stored, cap_stored;
    uint32_t *slots;                                      /* index into v + 1; 0 is empty */
    size_t nslots;                                        /* a power of two, at least twice n */
    ts_bindings *bind;                                    /* internal addresses to host names, over time */
    size_t hub_users, outside_places, senders_per_domain; /* the [correlate] caps below */
};

static uint64_t alert_hash(const ts_alert *a)
{
    return ts_hash_str(ts_hash_str(TS_HASH_SEED, a->detector), a->key);
}

static int strcmp0(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

static bool same_alert(const ts_alert *a, const ts_alert *b)
{
    return strcmp0(a->detector, b->detector) == 0 && strcmp0(a->key, b->key) == 0;
}

ts_correlator *ts_correlator_new(int64_t window_ns)
{
    ts_correlator *c = calloc(1, sizeof *c);
    if (c && !(c->bind = ts_bindings_new())) {
        free(c);
        return NULL;
    }
    if (c) {
        c->window = window_ns > 0 ? window_ns : DEFAULT_WINDOW_NS;
        c->hub_users = HUB_USERS;
        c->outside_places = OUTSIDE_MAX_PLACES;
        c->senders_per_domain = SENDERS_PER_DOMAIN;
    }
    return c;
}

typedef struct corr_settings {
    double max_addresses, hub_users, outside_max_places, senders_per_domain;
} corr_settings;

/* The caps' upper bound keeps the sweeps' tables on the stack (TS_CORRELATE_CAP_MAX). */
const ts_tunable ts_correlate_tunables[] = {
    TS_TUNE(corr_settings, max_addresses, TS_TUNE_COUNT, TS_BINDINGS_MAX, 16, 1 << 26),
    TS_TUNE(corr_settings, hub_users, TS_TUNE_COUNT, HUB_USERS, 1, TS_CORRELATE_CAP_MAX),
    TS_TUNE(corr_settings, outside_max_places, TS_TUNE_COUNT, OUTSIDE_MAX_PLACES, 1, TS_CORRELATE_CAP_MAX),
    TS_TUNE(corr_settings, senders_per_domain, TS_TUNE_COUNT, SENDERS_PER_DOMAIN, 1, TS_CORRELATE_CAP_MAX),
    {0},
};

void ts_correlator_configure(ts_correlator *c, const ts_config *cfg)
{
    corr_settings k;
    if (!c)
        return;
    /* a bad value reads as its default here: ts_config_check refused it before any run */
    ts_tune_read(cfg, "correlate", ts_correlate_tunables, &k);
    ts_bindings_limit(c->bind, (size_t)k.max_addresses);
    c->hub_users = (size_t)k.hub_users;
    c->outside_places = (size_t)k.outside_max_places;
    c->senders_per_domain = (size_t)k.senders_per_domain;
}

size_t ts_correlator_usage(const ts_correlator *c, ts_state_use *out, size_t n)
{
    if (c && n)
        ts_bindings_usage(c->bind, &out[0]);
    return c ? 1 : 0;
}

void ts_correlator_observe(ts_correlator *c, const ts_event *ev)
{
    if (c)
        ts_bindings_observe(c->bind, ev);
}

static void clear_alerts(ts_correlator *c, bool free_them)
{
    if (free_them)
        for (size_t i = 0; i < c->n; i++)
            if (c->v[i]) /* NULL: taken by an incident */
                ts_alert_free(c->v[i]);
    free(c->v);
    free(c->slots);
    c->v = NULL;
    c->slots = NULL;
    c->n = c->cap = c->nslots = 0;
}

void ts_correlator_free(ts_correlator *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_stored; i++)
        ts_alert_free(c->stored[i]);
    free(c->stored);
    clear_alerts(c, true);
    ts_bindings_free(c->bind);
    free(c);
}

size_t ts_correlator_alert_count(const ts_correlator *c)
{
    return c ? c->n : 0;
}

/* The slot holding a's twin, or the empty slot where it belongs. */
static size_t probe(const ts_correlator *c, const ts_alert *a)
{
    size_t mask = c->nslots - 1, i = (size_t)alert_hash(a) & mask;
    while (c->slots[i] && !same_alert(c->v[c->slots[i] - 1], a))
        i = (i + 1) & mask;
    return i;
}

static bool grow_index(ts_correlator *c)
{
    size_t ns = c->nslots ? c->nslots * 2 : 64;
    uint32_t *old = c->slots;
    size_t oldn = c->nslots;
    c->slots = calloc(ns, sizeof *c->slots);
    if (!c->slots) {
        c->slots = old;
        return false;
    }
    c->nslots = ns;
    for (size_t i = 0; i < oldn; i++)
        if (old[i])
            c->slots[probe(c, c->v[old[i] - 1])] = old[i];
    free(old);
    return true;
}

/* Takes src's string into *dst when *dst has none (src then no longer owns it). */
static void adopt(char **dst, char **src)
{
    if (!*dst && *src) {
        *dst = *src;
        *src = NULL;
    }
}

static void swap_str(char **a, char **b)
{
    char *t = *a;
    *a = *b;
    *b = t;
}

/* True when b's first event comes before a's: earlier, or the same time and an earlier
 * place in the input, so the kept provenance does not depend on arrival order. */
static bool earlier(const ts_alert *b, const ts_alert *a)
{
    if (b->first_ns != a->first_ns)
        return b->first_ns < a->first_ns;
    int f = strcmp0(b->file, a->file);
    if (f)
        return f < 0;
    return b->line != a->line ? b->line < a->line : b->record < a->record;
}

/* Folds the repeat r into the kept alert k; r is freed by the caller. A replay (r found
 * by an earlier run in the same input) counts the same events again: the larger count
 * stands, not the sum. */
static void merge(ts_alert *k, ts_alert *r, bool replay)
{
    uint64_t rc = r->count ? r->count : 1;
    if (!replay)
        k->count += rc;
    else if (rc > k->count)
        k->count = rc;
    if (earlier(r, k)) {
        swap_str(&k->dataset, &r->dataset);
        swap_str(&k->file, &r->file);
        k->line = r->line;
        k->record = r->record;
        k->first_ns = r->first_ns;
    }
    if (r->last_ns > k->last_ns)
        k->last_ns = r->last_ns;
    if (r->severity > k->severity)
        k->severity = r->severity;
    if (!ts_ip_set(&k->internal_ip))
        k->internal_ip = r->internal_ip;
    if (!ts_ip_set(&k->remote_ip)) {
        k->remote_ip = r->remote_ip;
        k->remote_geo = r->remote_geo;
    }
    adopt(&k->internal_host, &r->internal_host);
    adopt(&k->user, &r->user);
    adopt(&k->remote_name, &r->remote_name);
    adopt(&k->techniques, &r->techniques);
    ts_alert_merge_hits(k, r); /* out of memory loses r's hits only; the count still has them */
}

static void add(ts_correlator *c, ts_alert *a, bool replay)
{
    if (!a->count)
        a->count = 1;
    if (a->last_ns < a->first_ns)
        a->last_ns = a->first_ns;
    if (2 * (c->n + 1) > c->nslots && !grow_index(c)) {
        ts_alert_free(a); /* out of memory: the alert is lost, as documented for _add */
        return;
    }
    size_t i = probe(c, a);
    if (c->slots[i]) {
        merge(c->v[c->slots[i] - 1], a, replay);
        ts_alert_free(a);
        return;
    }
    if (!ts_vec_grow(c->v, c->cap, c->n + 1, TS_VEC_NOCAP)) {
        ts_alert_free(a);
        return;
    }
    c->v[c->n++] = a;
    c->slots[i] = (uint32_t)c->n;
}

void ts_correlator_add(ts_correlator *c, ts_alert *a)
{
    if (c && a)
        add(c, a, false);
}

void ts_correlator_add_stored(ts_correlator *c, ts_alert *a)
{
    if (!c || !a)
        return;
    if (!ts_vec_grow(c->stored, c->cap_stored, c->n_stored + 1, TS_VEC_NOCAP)) {
        ts_alert_free(a); /* out of memory: as for _add */
        return;
    }
    c->stored[c->n_stored++] = a;
}

/* The earlier runs' alerts join this run's once it has added all of its own. */
static void take_stored(ts_correlator *c)
{
    for (size_t i = 0; i < c->n_stored; i++)
        add(c, c->stored[i], true);
    free(c->stored);
    c->stored = NULL;
    c->n_stored = c->cap_stored = 0;
}

/* ---- union-find over alerts sharing an entity ------------------------------------------ */

typedef struct ent_ref {
    char *key; /* owned */
    size_t alert;
    int64_t first; /* the alert's first_ns, to sort without reaching back into the alerts */
} ent_ref;

typedef struct ent_list {
    ent_ref *v;
    size_t n, cap;
} ent_list;

static size_t uf_find(size_t *parent, size_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

/* Joins two sets; the smaller index becomes the root, so the result is deterministic. */
static void uf_union(size_t *parent, size_t a, size_t b)
{
    a = uf_find(parent, a);
    b = uf_find(parent, b);
    if (a < b)
        parent[b] = a;
    else if (b < a)
        parent[a] = b;
}

static bool ent_push(ent_list *l, const char *key, size_t len, size_t alert, int64_t first)
{
    if (len == 0)
        return true;
    if (!ts_vec_grow(l->v, l->cap, l->n + 1, TS_VEC_NOCAP))
        return false;
    char *k = malloc(len + 1);
    if (!k)
        return false;
    memcpy(k, key, len + 1);
    l->v[l->n++] = (ent_ref){k, alert, first};
    return true;
}

/* Confidence from which an indicator tied to an actor is taken to mark one campaign. */
#define CAMPAIGN_IOC_CONFIDENCE 50

/* An actor's own infrastructure or malware reached from several hosts is one campaign, not
 * one incident per host. Shared, warninglisted, low-confidence and actor-less indicators
 * join nothing: a CDN address on a list would glue unrelated hosts together. */
static size_t campaign_key(const ts_alert *a, char *k, size_t cap)
{
    if (a->kind != TS_EV_INDICATOR || a->shared || a->suppressed || !a->actorset || !a->ioc_value ||
        a->confidence < CAMPAIGN_IOC_CONFIDENCE)
        return 0;
    int n = snprintf(k, cap, "i:%d:%s", (int)a->ioc_type, a->ioc_value);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* Whether the alert's outside side may tie it to alerts elsewhere: not when intel marked
 * it shared infrastructure or a warninglist matched, nor a weak indicator, nor when it is
 * routine or the analyst suppressed it: a hundred hosts' habitual contact with a popular site
 * would otherwise glue their incidents into one. */
static bool outside_trusted(const ts_alert *a)
{
    if (a->shared || a->suppressed || a->suppression)
        return false;
    return a->kind != TS_EV_INDICATOR || a->confidence >= CAMPAIGN_IOC_CONFIDENCE;
}

/* "r:" and the outside address an alert names: one attacker's server reached from several
 * hosts, or a sender's address on several mails. Private and special-purpose ranges are
 * the organisation's own (or nobody's) and join nothing. */
static size_t remote_ip_key(const ts_alert *a, char *k, size_t cap)
{
    char ip[TS_IP_STRLEN];
    if (!outside_trusted(a) || !ts_ip_set(&a->remote_ip) || ts_ip_is_special(&a->remote_ip))
        return 0;
    int n = snprintf(k, cap, "r:%s", ts_ip_format(&a->remote_ip, ip));
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* The outside name an alert carries, lower-cased: "m:" and a mail sender's domain (every
 * message of a look-alike domain, whoever received it), or "d:" and the host of a domain
 * or URL. Address literals are left to remote_ip_key; names without a dot name nothing
 * anyone could register. */
static size_t remote_name_key(const ts_alert *a, char *k, size_t cap)
{
    const char *p = a->remote_name, *e;
    char kind = 'd';
    if (!outside_trusted(a) || !p)
        return 0;
    const char *at = strrchr(p, '@');
    if (at) {
        p = at + 1;
        kind = 'm';
    } else if (strstr(p, "://")) {
        p = strstr(p, "://") + 3;
    }
    e = p + strcspn(p, "/?#:>] \t");
    while (e > p && e[-1] == '.')
        e--;
    size_t len = (size_t)(e - p);
    if (!len || len + 3 > cap || !memchr(p, '.', len) || strspn(p, "0123456789.") == len)
        return 0;
    k[0] = kind;
    k[1] = ':';
    for (size_t i = 0; i < len; i++)
        k[2 + i] = (char)((p[i] >= 'A' && p[i] <= 'Z') ? p[i] + 32 : p[i]);
    k[2 + len] = '\0';
    return len + 2;
}

/* Outside keys (indicator, address, domain, sender domain) tie alerts across hosts and
 * recipients; the others (host, address inside, account) are where the alert happened. */
static bool outside_key(const char *key)
{
    return strchr("imdr", key[0]) != NULL;
}

/* Every entity key of alert i: its address, its host name (or the name bound to its
 * address at the time), its account, the campaign indicator it matched and the outside
 * address and name it involves. */
static bool alert_entities(ent_list *l, const ts_bindings *bind, const ts_alert *a, size_t i)
{
    char k[TS_ENTITY_KEY_MAX];
    size_t n;
    n = campaign_key(a, k, sizeof k);
    if (!ent_push(l, k, n, i, a->first_ns))
        return false;
    n = remote_ip_key(a, k, sizeof k);
    if (!ent_push(l, k, n, i, a->first_ns))
        return false;
    n = remote_name_key(a, k, sizeof k);
    if (!ent_push(l, k, n, i, a->first_ns))
        return false;
    n = ts_entity_ip_key(&a->internal_ip, k, sizeof k);
    if (!ent_push(l, k, n, i, a->first_ns))
        return false;
    n = ts_entity_host_key(a->internal_host, k, sizeof k);
    if (!n)
        n = ts_bindings_host_key(bind, &a->internal_ip, a->first_ns, k, sizeof k);
    if (!ent_push(l, k, n, i, a->first_ns))
        return false;
    n = ts_entity_user_key(a->user, k, sizeof k);
    return ent_push(l, k, n, i, a->first_ns);
}

static int cmp_ref(const void *pa, const void *pb)
{
    const ent_ref *a = pa, *b = pb;
    int c = strcmp(a->key, b->key);
    if (c)
        return c;
    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    return a->alert < b->alert ? -1 : a->alert > b->alert;
}

/* Whether the alerts l->v[i..j) name more than limit distinct places: accounts when kind
 * is 'u', else the account, or failing that the host name, or its address. */
static bool places_over(ts_alert *const *v, const ent_list *l, size_t i, size_t j, char kind, size_t limit)
{
    uint64_t seen[TS_CORRELATE_CAP_MAX];
    size_t n = 0;
    char k[TS_ENTITY_KEY_MAX];
    for (size_t x = i; x < j; x++) {
        const ts_alert *a = v[l->v[x].alert];
        size_t kl = ts_entity_user_key(a->user, k, sizeof k);
        if (!kl && kind != 'u')
            kl = ts_entity_host_key(a->internal_host, k, sizeof k);
        if (!kl && kind != 'u')
            kl = ts_entity_ip_key(&a->internal_ip, k, sizeof k);
        if (!kl)
            continue;
        uint64_t h = ts_hash(TS_HASH_SEED, k, kl);
        size_t y = 0;
        while (y < n && seen[y] != h)
            y++;
        if (y == n) {
            if (n == limit)
                return true;
            seen[n++] = h;
        }
    }
    return false;
}

static bool senders_over(ts_alert *const *v, const ent_list *l, size_t i, size_t j, size_t limit)
{
    uint64_t seen[TS_CORRELATE_CAP_MAX];
    size_t n = 0;
    for (size_t x = i; x < j; x++) {
        const char *from = v[l->v[x].alert]->remote_name;
        uint64_t h = ts_hash_str(TS_HASH_SEED, from);
        size_t y = 0;
        while (y < n && seen[y] != h)
            y++;
        if (y == n) {
            if (n == limit)
                return true;
            seen[n++] = h;
        }
    }
    return false;
}

/* Why an entity joins nothing. */
typedef enum commonness { JOINS, HUB_HOST, MAIL_PROVIDER, COMMON_OUTSIDE } commonness;

/* Whether the entity l->v[i..j) joins nothing: a hub host, or common outside
 * infrastructure. */
static commonness too_common(const ts_correlator *c, const ent_list *l, size_t i, size_t j)
{
    char kind = l->v[i].key[0];
    if (kind == 'h')
        return places_over(c->v, l, i, j, 'u', c->hub_users) ? HUB_HOST : JOINS;
    if (kind == 'm' && senders_over(c->v, l, i, j, c->senders_per_domain))
        return MAIL_PROVIDER;
    if (kind == 'r' || kind == 'd' || kind == 'm')
        return places_over(c->v, l, i, j, 'p', c->outside_places) ? COMMON_OUTSIDE : JOINS;
    return JOINS;
}

/* Why two sets of alerts became one: the outside key that joined them, at an alert of the
 * joined set. */
typedef struct join_why {
    size_t alert;
    const char *key; /* in the entity list */
} join_why;

typedef struct why_list {
    join_why *v;
    size_t n, cap;
} why_list;

static void why_push(why_list *w, size_t alert, const char *key)
{
    for (size_t i = w->n; i > 0 && i + 8 > w->n; i--) /* the same key just before: once */
        if (w->v[i - 1].key == key || strcmp(w->v[i - 1].key, key) == 0)
            return;
    if (!ts_vec_grow(w->v, w->cap, w->n + 1, TS_VEC_NOCAP))
        return; /* out of memory: the join stands, its reason is lost */
    w->v[w->n++] = (join_why){alert, key};
}

/* For each entity, sweeps its alerts by start time: an alert joins the chain when it starts
 * within the window after the latest end seen so far on that entity. The first pass joins
 * on where alerts happened (hosts, accounts); the second on what they share outside, and
 * notes in why each join that brought two separate sets together. */
static void join_entities(const ts_correlator *c, ent_list *l, size_t *parent, bool outside, why_list *why)
{
    ts_alert *const *v = c->v;
    int64_t window = c->window;
    for (size_t i = 0; i < l->n;) {
        size_t j = i + 1;
        while (j < l->n && strcmp(l->v[j].key, l->v[i].key) == 0)
            j++;
        if (outside_key(l->v[i].key) != outside || too_common(c, l, i, j) != JOINS) {
            i = j;
            continue;
        }
        j = i + 1;
        int64_t last = v[l->v[i].alert]->last_ns;
        for (; j < l->n && strcmp(l->v[j].key, l->v[i].key) == 0; j++) {
            const ts_alert *a = v[l->v[j].alert];
            size_t x = l->v[j - 1].alert, y = l->v[j].alert;
            /* unsigned: the distance cannot overflow, whatever the timestamps */
            if (a->first_ns <= last || (uint64_t)a->first_ns - (uint64_t)last <= (uint64_t)window) {
                if (outside && uf_find(parent, x) != uf_find(parent, y))
                    why_push(why, y, l->v[j].key);
                uf_union(parent, x, y);
            }
            if (a->last_ns > last)
                last = a->last_ns;
        }
        i = j;
    }
}

/* ---- building incidents ----------------------------------------------------------------- */

static int cmp_alert(const void *pa, const void *pb)
{
    const ts_alert *a = *(ts_alert *const *)pa, *b = *(ts_alert *const *)pb;
    if (a->first_ns != b->first_ns)
        return a->first_ns < b->first_ns ? -1 : 1;
    int c = strcmp0(a->detector, b->detector);
    return c ? c : strcmp0(a->key, b->key);
}

/* One spelling of an entity seen in an incident. */
typedef struct ent_name {
    char *key;        /* owned: the entity key ("h:ws01", "u:jsmith") */
    char *name;       /* owned: how the alert spelled it */
    size_t seq;       /* order of appearance in the timeline */
    bool prefer_long; /* hosts: the fullest spelling wins ("WS01.corp.local" over "ws01") */
} ent_name;

static int cmp_name_key(const void *pa, const void *pb)
{
    const ent_name *a = pa, *b = pb;
    int c = strcmp(a->key, b->key);
    return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

static int cmp_name_seq(const void *pa, const void *pb)
{
    const ent_name *a = pa, *b = pb;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

static bool name_push(ent_name **v, size_t *n, size_t *cap, const char *key, size_t klen, const char *name,
                      size_t seq)
{
    if (!klen || !name)
        return true;
    if (!ts_vec_grow(*v, *cap, *n + 1, TS_VEC_NOCAP))
        return false;
    ent_name e = {strdup(key), strdup(name), seq, key[0] == 'h'};
    if (!e.key || !e.name) {
        free(e.key);
        free(e.name);
        return false;
    }
    (*v)[(*n)++] = e;
    return true;
}

/* Keeps one spelling per key (in place, freeing the others); returns how many remain. Sort
 * then sweep, so a large incident costs n log n, not n times its distinct entities. */
static size_t names_dedupe(ent_name *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_name_key);
    size_t out = 0;
    for (size_t i = 0; i < n;) {
        size_t best = i, j = i + 1;
        for (; j < n && strcmp(v[j].key, v[i].key) == 0; j++)
            if (v[j].prefer_long && strlen(v[j].name) > strlen(v[best].name))
                best = j;
        ent_name keep = v[best];
        keep.seq = v[i].seq; /* listed where the entity first appeared */
        for (size_t k = i; k < j; k++)
            if (k != best) {
                free(v[k].key);
                free(v[k].name);
            }
        v[out++] = keep;
        i = j;
    }
    if (out > 1)
        qsort(v, out, sizeof *v, cmp_name_seq);
    return out;
}

/* Moves the names of v whose key starts with kind into *out (NULL when none); false on
 * allocation failure. */
static bool names_of(ent_name *v, size_t n, char kind, char ***out, size_t *count)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += v[i].key[0] == kind;
    *out = NULL;
    *count = 0;
    if (!c)
        return true;
    if (!(*out = malloc(c * sizeof **out)))
        return false;
    for (size_t i = 0; i < n; i++)
        if (v[i].key[0] == kind) {
            (*out)[(*count)++] = v[i].name;
            v[i].name = NULL;
        }
    return true;
}

static bool collect_entities(ts_incident *inc)
{
    ent_name *v = NULL;
    size_t n = 0, cap = 0, seq = 0;
    char k[TS_ENTITY_KEY_MAX], ipbuf[TS_IP_STRLEN];
    bool ok = true;
    for (size_t i = 0; ok && i < inc->n_alerts; i++) {
        const ts_alert *a = inc->alerts[i];
        size_t kl = ts_entity_ip_key(&a->internal_ip, k, sizeof k);
        if (kl)
            ok = name_push(&v, &n, &cap, k, kl, ts_ip_format(&a->internal_ip, ipbuf), seq++);
        kl = ts_entity_host_key(a->internal_host, k, sizeof k);
        ok = ok && name_push(&v, &n, &cap, k, kl, a->internal_host, seq++);
        kl = ts_entity_user_key(a->user, k, sizeof k); /* a machine account yields a host key */
        ok = ok && name_push(&v, &n, &cap, k, kl, a->user, seq++);
        if (ok && kl && k[0] == 'h')
            v[n - 1].prefer_long = false; /* "CORP\\WS02$" is not a better spelling of a host */
    }
    if (ok) {
        n = names_dedupe(v, n);
        ok = names_of(v, n, 'h', &inc->hosts, &inc->n_hosts) &&
             names_of(v, n, 'u', &inc->users, &inc->n_users);
    }
    for (size_t i = 0; i < n; i++) {
        free(v[i].key);
        free(v[i].name);
    }
    free(v);
    return ok;
}

/* "INC-" + FNV-1a 64 of the earliest alert's detector, key, file and line: the same logs
 * give the same id on every run, whatever order the alerts arrived in. */
static void incident_id(ts_incident *inc)
{
    const ts_alert *a = inc->alerts[0];
    char line[24];
    snprintf(line, sizeof line, "%llu", (unsigned long long)a->line);
    uint64_t h =
        ts_hash_str(ts_hash_str(ts_hash_str(ts_hash_str(TS_HASH_SEED, a->detector), a->key), a->file), line);
    snprintf(inc->id, sizeof inc->id, "INC-%016llx", (unsigned long long)h);
}

/* Builds one incident that owns members (freed with it, or here on failure). */
static ts_incident *make_incident(ts_alert **members, size_t n)
{
    ts_incident *inc = calloc(1, sizeof *inc);
    if (!inc) {
        for (size_t i = 0; i < n; i++)
            ts_alert_free(members[i]);
        free(members);
        return NULL;
    }
    inc->alerts = members;
    inc->n_alerts = n;
    qsort(members, n, sizeof *members, cmp_alert);
    inc->first_ns = members[0]->first_ns;
    inc->last_ns = members[0]->last_ns;
    for (size_t i = 0; i < n; i++) {
        if (members[i]->last_ns > inc->last_ns)
            inc->last_ns = members[i]->last_ns;
        bool active = !members[i]->suppressed && !members[i]->suppression;
        if (active && members[i]->severity > inc->severity)
            inc->severity = members[i]->severity; /* marked alerts weigh nothing */
    }
    incident_id(inc);
    if (!collect_entities(inc)) {
        ts_incident_free(inc);
        return NULL;
    }
    return inc;
}

static int cmp_incident(const void *pa, const void *pb)
{
    const ts_incident *a = *(ts_incident *const *)pa, *b = *(ts_incident *const *)pb;
    if (a->first_ns != b->first_ns)
        return a->first_ns < b->first_ns ? -1 : 1;
    return strcmp(a->id, b->id);
}

static void ent_free(ent_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].key);
    free(l->v);
}

/* Groups the alerts by root (parent[] flattened): writes each set's members contiguously
 * into order[] and the start of root r's members into start[r], start[r + 1] its end. */
static void group_sets(const size_t *parent, size_t n, size_t *order, size_t *start)
{
    memset(start, 0, (n + 1) * sizeof *start);
    for (size_t i = 0; i < n; i++)
        start[parent[i] + 1]++; /* counts, shifted by one ... */
    for (size_t i = 1; i <= n; i++)
        start[i] += start[i - 1]; /* ... become starts */
    for (size_t i = 0; i < n; i++)
        order[start[parent[i]]++] = i; /* each start[r] advances to r's end ... */
    for (size_t i = n; i > 0; i--)
        start[i] = start[i - 1]; /* ... which is r + 1's start: shift back */
    start[0] = 0;
}

static int cmp_why(const void *pa, const void *pb)
{
    const join_why *a = pa, *b = pb;
    if (a->alert != b->alert)
        return a->alert < b->alert ? -1 : 1;
    return strcmp(a->key, b->key);
}

/* One reason for people: "same address 175.45.178.3" from "r:175.45.178.3". */
static char *reason_text(const char *key)
{
    const char *what = "same indicator", *val = key + 2;
    char *out;
    switch (key[0]) {
    case 'r':
        what = "same outside address";
        break;
    case 'm':
        what = "same sender domain";
        break;
    case 'd':
        what = "same domain";
        break;
    default: /* "i:TYPE:value" */
        val = strchr(key + 2, ':');
        val = val ? val + 1 : key + 2;
        what = "same actor indicator";
    }
    size_t len = strlen(what) + 1 + strlen(val) + 1;
    if ((out = malloc(len)))
        snprintf(out, len, "%s %s", what, val);
    return out;
}

/* Fills inc->joined from the reasons of set root (why sorted by set, then key). False when
 * out of memory. */
static bool joined_reasons(ts_incident *inc, const why_list *why, size_t root)
{
    size_t lo = 0, hi = why->n;
    while (lo < hi) { /* the first reason of root */
        size_t mid = lo + (hi - lo) / 2;
        if (why->v[mid].alert < root)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < why->n && why->v[i].alert == root; i++) {
        if (i > lo && strcmp(why->v[i - 1].key, why->v[i].key) == 0)
            continue;
        if (inc->n_joined == TS_JOINED_MAX) {
            inc->n_joined_more++;
            continue;
        }
        if (!inc->joined && !(inc->joined = calloc(TS_JOINED_MAX, sizeof *inc->joined)))
            return false;
        if (!(inc->joined[inc->n_joined] = reason_text(why->v[i].key)))
            return false;
        inc->n_joined++;
    }
    return true;
}

/* Why a set stands apart: an entity it shares with another set, and why that did not join
 * them. */
typedef struct apart_why {
    size_t set;
    const char *key; /* in the entity list */
    commonness common;
} apart_why;

typedef struct apart_list {
    apart_why *v;
    size_t n, cap;
} apart_list;

static int cmp_apart(const void *pa, const void *pb)
{
    const apart_why *a = pa, *b = pb;
    if (a->set != b->set)
        return a->set < b->set ? -1 : 1;
    return strcmp(a->key, b->key);
}

/* For each entity whose alerts ended in more than one set (parent[] holds roots), notes for
 * each of those sets that the entity did not join them, and why (too common, or too far
 * apart in time). Out of memory: fewer reasons. */
static void apart_entities(const ts_correlator *c, const ent_list *l, const size_t *parent, apart_list *ap)
{
    for (size_t i = 0; i < l->n;) {
        size_t j = i + 1;
        bool split = false;
        size_t root = parent[l->v[i].alert];
        for (; j < l->n && strcmp(l->v[j].key, l->v[i].key) == 0; j++)
            split |= parent[l->v[j].alert] != root;
        if (!split) {
            i = j;
            continue;
        }
        commonness common = too_common(c, l, i, j);
        for (size_t x = i; x < j; x++) {
            size_t set = parent[l->v[x].alert];
            bool dup = false; /* a set once per entity: sets repeat in time order */
            for (size_t y = i; y < x && !dup; y++)
                dup = parent[l->v[y].alert] == set;
            if (dup)
                continue;
            if (!ts_vec_grow(ap->v, ap->cap, ap->n + 1, TS_VEC_NOCAP))
                return;
            ap->v[ap->n++] = (apart_why){set, l->v[x].key, common};
        }
        i = j;
    }
}

/* One reason for people, from an entity key and why it did not join. */
static char *apart_text(const ts_correlator *c, const apart_why *w)
{
    const char *what, *val = w->key + 2;
    switch (w->key[0]) {
    case 'h':
        what = "host";
        break;
    case 'u':
        what = "account";
        break;
    case 'r':
        what = "outside address";
        break;
    case 'm':
        what = "sender domain";
        break;
    case 'd':
        what = "domain";
        break;
    default: /* "i:TYPE:value" */
        what = "actor indicator";
        val = strchr(w->key + 2, ':');
        val = val ? val + 1 : w->key + 2;
    }
    switch (w->common) {
    case HUB_HOST:
        return ts_fmt_alloc("%s %s is in alerts of more than %zu accounts: a hub, joins nothing", what, val,
                            c->hub_users);
    case MAIL_PROVIDER:
        return ts_fmt_alloc("%s %s has more than %zu senders: a mail provider, joins nothing", what, val,
                            c->senders_per_domain);
    case COMMON_OUTSIDE:
        return ts_fmt_alloc("%s %s is in alerts of more than %zu hosts or accounts: common infrastructure, "
                            "joins nothing",
                            what, val, c->outside_places);
    default:
        break;
    }
    int64_t days = c->window / (24 * 3600 * 1000000000LL);
    if (days * 24 * 3600 * 1000000000LL == c->window)
        return ts_fmt_alloc("same %s %s as other alerts, but more than %lld day%s apart", what, val,
                            (long long)days, days == 1 ? "" : "s");
    long long hours = (long long)(c->window / (3600 * 1000000000LL));
    return ts_fmt_alloc("same %s %s as other alerts, but more than %lld hour%s apart", what, val, hours,
                        hours == 1 ? "" : "s");
}

/* Fills inc->apart from the reasons of set root (ap sorted by set); with none, and other
 * sets about, that it shares nothing with them. False when out of memory. */
static bool apart_reasons(const ts_correlator *c, ts_incident *inc, const apart_list *ap, size_t root,
                          bool alone)
{
    size_t lo = 0, hi = ap->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ap->v[mid].set < root)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == ap->n || ap->v[lo].set != root) {
        if (alone)
            return true;
        if (!(inc->apart = calloc(1, sizeof *inc->apart)) ||
            !(inc->apart[0] =
                  strdup("shares no host, account, outside address, domain, sender domain or actor "
                         "indicator with alerts of other incidents")))
            return false;
        inc->n_apart = 1;
        return true;
    }
    if (!(inc->apart = calloc(TS_APART_MAX, sizeof *inc->apart)))
        return false;
    for (size_t i = lo; i < ap->n && ap->v[i].set == root && inc->n_apart < TS_APART_MAX; i++)
        if (!(inc->apart[inc->n_apart++] = apart_text(c, &ap->v[i])))
            return false;
    return true;
}

ts_alert **ts_correlator_alerts(ts_correlator *c, size_t *n)
{
    if (c)
        take_stored(c); /* an earlier run's alerts are marked too */
    *n = c ? c->n : 0;
    return c ? c->v : NULL;
}

/* Names the host of every alert known only by its internal address, when the events bound
 * that address to one machine at the alert's first event (binding.h): a Zeek or Suricata
 * alert then says which machine it is about, not only its address. The name is the one
 * the binding keeps (the first label, lower case). Done as incidents form, after routine
 * and suppression marking, which judged the alert as its detector raised it. */
static void name_hosts(ts_correlator *c)
{
    char k[TS_ENTITY_KEY_MAX];
    for (size_t i = 0; i < c->n; i++) {
        ts_alert *a = c->v[i];
        if (a->internal_host || !ts_ip_set(&a->internal_ip))
            continue;
        size_t n = ts_bindings_host_key(c->bind, &a->internal_ip, a->first_ns, k, sizeof k);
        if (n > 2 && k[0] == 'h' && k[1] == ':')
            a->internal_host = strdup(k + 2); /* out of memory: it stays unnamed */
    }
}

size_t ts_correlator_finish(ts_correlator *c, ts_incident ***out)
{
    *out = NULL;
    if (c)
        take_stored(c);
    if (!c || !c->n)
        return 0;
    name_hosts(c);
    size_t n = c->n, nout = 0;
    size_t *parent = malloc(n * sizeof *parent), *order = malloc(n * sizeof *order);
    size_t *start = malloc((n + 1) * sizeof *start);
    ts_incident **incs = calloc(n, sizeof *incs);
    ent_list ents = {0};
    why_list why = {0};
    apart_list ap = {0};
    bool ok = parent && order && start && incs;
    for (size_t i = 0; ok && i < n; i++) {
        parent[i] = i;
        ok = alert_entities(&ents, c->bind, c->v[i], i);
    }
    if (ok) {
        if (ents.n)
            qsort(ents.v, ents.n, sizeof *ents.v, cmp_ref);
        join_entities(c, &ents, parent, false, &why);
        join_entities(c, &ents, parent, true, &why);
        for (size_t i = 0; i < n; i++)
            parent[i] = uf_find(parent, i); /* flatten: group_sets reads roots directly */
        group_sets(parent, n, order, start);
        for (size_t i = 0; i < why.n; i++)
            why.v[i].alert = parent[why.v[i].alert]; /* by set, for joined_reasons */
        if (why.n) /* none joined on outside keys: no array to sort (qsort of NULL is undefined) */
            qsort(why.v, why.n, sizeof *why.v, cmp_why);
        apart_entities(c, &ents, parent, &ap);
        if (ap.n)
            qsort(ap.v, ap.n, sizeof *ap.v, cmp_apart);
        size_t sets = 0;
        for (size_t r = 0; r < n; r++)
            sets += start[r + 1] > start[r];
        bool alone = sets < 2;
        for (size_t r = 0; r < n; r++) {
            size_t len = start[r + 1] - start[r];
            if (!len)
                continue;
            ts_alert **members = malloc(len * sizeof *members);
            if (!members)
                break; /* out of memory: the remaining alerts are freed below */
            for (size_t j = 0; j < len; j++) {
                members[j] = c->v[order[start[r] + j]];
                c->v[order[start[r] + j]] = NULL;
            }
            ts_incident *inc = make_incident(members, len);
            if (!inc || !joined_reasons(inc, &why, r) || !apart_reasons(c, inc, &ap, r, alone)) {
                ts_incident_free(inc);
                break;
            }
            incs[nout++] = inc;
        }
        qsort(incs, nout, sizeof *incs, cmp_incident);
    }
    ent_free(&ents);
    free(why.v);
    free(ap.v);
    free(parent);
    free(order);
    free(start);
    clear_alerts(c, true); /* frees what no incident took (NULL entries are skipped) */
    if (!nout) {
        free(incs);
        return 0;
    }
    *out = incs;
    return nout;
}
