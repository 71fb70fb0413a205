/* credential.c: detector "credential": stolen-credential use against each account's own baseline, password
 * guessing, spraying and brute force, pass-the-hash signs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/alert_util.h"
#include "detect/baseline.h"
#include "detect/detect.h"

/*
 * Rationale. At Sony in 2014 the intruders logged on with a stolen administrator account,
 * and a valid logon looks legitimate to every rule. What gives it away is that it is new
 * for that account: a source it never logged on from, an hour it never works, a country
 * it could not have reached since its last logon. So each account keeps a baseline of its
 * successful logons (sources, networks, logon types, hours), saved between runs, and a
 * logon of a privileged account that breaks it is an alert. Privileged means an
 * admin-looking name ("admin", "adm-x", "x_adm", "root"), an account Windows assigned
 * special privileges at logon (4672), or one listed in the configuration.
 *
 * Sources: an internal client by its host name when the event gives one, else its /24
 * (/64) network (addresses move with DHCP and VPN pools); a public one by its autonomous
 * system (home and travel addresses change daily, their provider less so), else its
 * country, else its address.
 *
 * A source that `shared_accounts` or more accounts already logged on from (a VPN address
 * pool, a terminal server, a jump host) is the organisation's own way in: new for one
 * admin, it is not a new place. Nor is a new client name on a logon to the account's own
 * desk (a host it logs on to at the console) when the client is not one of ours (its name
 * never logged a logon here) and came through an inside address the account logged on
 * from before: someone on the VPN reaching their office PC from a home or hotel computer,
 * whose name is whatever that computer is called. The address and the account are what
 * would be new.
 *
 * A new source inside is an alert by itself. Outside, people work from home and travel,
 * so a new network is an alert only at an hour the account never works (the intruders
 * at Sony worked Pyongyang office hours), or as impossible travel. Travel is judged from
 * where the account last logged on from a country that was not itself alerted for its place:
 * the intruder's country is the anomaly, not where the person comes back from.
 *
 * An hour the account never works is no alert when the account was active from the very
 * same address within `late_gap` (a logon from it, or the end of a session opened from it,
 * 4634/4647): the same person at the same machine, their day running late (the admin at the
 * desk at 8 pm, whose remote desktop to the jump host lasted till midnight). Another
 * machine at that hour, or the same one after a pause, is judged by the hour.
 *
 * Learning is explicit: an account whose baseline is younger than `learn` or has fewer
 * than `min_logons` logons raises new-source and unusual-hour alerts only when the
 * source is outside the organisation and its network is new too, and every alert raised
 * while young says "baseline young". While the detector itself is younger than `learn`
 * (its first run on an estate), no account counts as young: all are merely unknown.
 * Impossible travel and pass-the-hash signs need no baseline.
 *
 * Failed logons are counted per source and per account within `window`: many accounts
 * failing from one source is spraying, many failures from one source is brute force
 * (in sshd logs: SSH brute force), and a success after many failures (from that source,
 * or for that account) is the worst case. One user's occasional typo never gets near the
 * thresholds. Sources outside the organisation are different: every exposed server is
 * tried by Internet scanners all day, in bursts of tens of attempts, so a failing run
 * from outside is an alert only past `external_failures`, and outside failures never
 * count against an account (the exposed server's root account would always be "under
 * attack"); a success after a failing run from outside still is the worst case.
 *
 * VPN logons are read from the Network Policy Server's 6272 (access granted), whose
 * CallingStationID is the client's own public address: the stolen account coming back
 * over the VPN from a country it never used is judged like any other logon.
 *
 * Pass-the-hash signs: a logon of type 9 (new credentials) through "seclogo" is what
 * Mimikatz's sekurlsa::pth leaves (and runas /netonly, hence a middling severity); an
 * NTLM network logon with KeyLength 0 by a privileged account. Explicit credentials
 * (4648): one account using a privileged account's password, a pairing not seen before.
 *
 * ATT&CK: T1078 (valid accounts), T1110.001 (password guessing), T1110.003 (password
 * spraying), T1550.002 (pass the hash).
 *
 * Tunables ([credential] in detect.conf): learn, min_logons, window, spray_accounts,
 * brute_failures, guess_failures, external_failures, shared_accounts, max_speed_kmh,
 * min_travel_km, max_accounts, late_gap, privileged (comma-separated account names),
 * centroids (path of the country centroid table; default data/geo/country-centroids.tsv
 * under the data directory).
 */

#define DET "credential"
#define SEC "credential"
#define MAGIC 0x32524443u /* "CDR2" */
#define MAX_PRIV 64
#define MAX_CENTROIDS 300

/* What one account's successful logons looked like. */
typedef struct profile {
    int64_t first_ns, last_ns; /* first and last successful logon */
    int64_t geo_ns;            /* last logon from a located public address */
    uint32_t n_logons;
    uint32_t types;     /* bit per logon type seen */
    uint16_t hours[24]; /* logons per hour of the day (UTC), saturating */
    char geo_cc[2];
    uint8_t priv; /* seen with special privileges (4672) */
} profile;

/* Failures within a window, per account. */
typedef struct fail_win {
    int64_t start_ns;
    uint32_t fails;
    uint32_t alerted;
} fail_win;

/* Failures within a window, per source. */
typedef struct src_win {
    int64_t start_ns;
    uint32_t fails;
    bl_distinct accounts;
} src_win;

typedef struct centroid {
    char cc[2];
    double lat, lon;
} centroid;

/* When an account was last active from an address (not the console's loopback): a logon
 * from it, or the end of a session opened from it. */
typedef struct last_seen {
    uint64_t key; /* hash of (account, address); 0: empty */
    int64_t ts;
} last_seen;

/* A session an account opened from an address, until its logoff (4634/4647) says when that
 * activity ended. */
typedef struct open_session {
    uint64_t key;  /* hash of (account, host, logon id); 0: empty */
    uint64_t from; /* its last_seen key */
} open_session;

/* Direct-mapped: a newer entry in the slot replaces the older. */
#define LAST_SLOTS 4096
#define SESSION_SLOTS 8192

typedef struct cred_state {
    int64_t learn_ns, window_ns, late_gap_ns;
    uint32_t min_logons, spray_accounts, brute_failures, guess_failures, external_failures;
    double max_kmh, min_km;
    uint64_t priv[MAX_PRIV]; /* hashes of configured account names */
    size_t n_priv;
    centroid *cent;
    size_t n_cent;
    int64_t first_ns; /* earliest event this detector ever saw (saved) */
    bl_map profiles;  /* account -> profile (saved) */
    bl_map seen;      /* (account, source) and (subject, target) pairs (saved) */
    bl_map shared;    /* source -> uint32 accounts seen from it (saved) */
    uint32_t shared_accounts;
    bl_map acct_fails; /* account -> fail_win */
    bl_map src_fails;  /* source -> src_win */
    /* Not saved: they matter for an evening. */
    last_seen last[LAST_SLOTS];
    open_session sessions[SESSION_SLOTS];
} cred_state;

/* How a logon's source is identified (see the top of the file). */
typedef enum src_kind { SRC_NONE, SRC_ASN, SRC_CC, SRC_HOST, SRC_IP, SRC_NET } src_kind;

/* The logon being judged. Names for titles and keys are formatted only when an alert
 * needs them (acct_name, src_name): most logons raise nothing. */
typedef struct logon {
    const ts_event *ev;
    uint64_t acct;     /* account key hash */
    uint64_t src_hash; /* 0: no source */
    src_kind kind;
    bool external;     /* the source is outside the organisation */
    char account[160]; /* "user", or "user@host" for local Unix accounts; "" until asked */
    char source[160];  /* host, address or "AS4134 (CN)"; "" until asked */
} logon;

/* ---- configuration ---------------------------------------------------------------- */

static void load_priv(cred_state *st, const char *list)
{
    while (list && *list && st->n_priv < MAX_PRIV) {
        const char *comma = strchr(list, ',');
        ts_str it = ts_str_trim(ts_str_make(list, comma ? (size_t)(comma - list) : strlen(list)));
        if (it.n)
            st->priv[st->n_priv++] = bl_hash(it, BL_SEED);
        list = comma ? comma + 1 : NULL;
    }
}

/* A decimal degree field; false if it is not one. */
static bool parse_deg(ts_str s, double *out)
{
    return ts_parse_double(s, out) && *out >= -180 && *out <= 180;
}

/* "CC\tlat\tlon\tname" lines; "#" comments. Bad lines are skipped: the table only
 * narrows what impossible travel can judge. */
static void load_centroids(cred_state *st, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    st->cent = calloc(MAX_CENTROIDS, sizeof *st->cent);
    char line[256];
    while (st->cent && st->n_cent < MAX_CENTROIDS && fgets(line, sizeof line, f)) {
        ts_str l = ts_str_trim(ts_str_c(line)), col[3];
        if (!l.n || l.p[0] == '#')
            continue;
        size_t k = 0;
        for (const char *p = l.p, *end = l.p + l.n; k < 3 && p <= end; k++) {
            const char *tab = memchr(p, '\t', (size_t)(end - p));
            col[k] = ts_str_make(p, tab ? (size_t)(tab - p) : (size_t)(end - p));
            p = tab ? tab + 1 : end + 1;
        }
        centroid *c = &st->cent[st->n_cent];
        if (k == 3 && col[0].n == 2 && parse_deg(col[1], &c->lat) && parse_deg(col[2], &c->lon)) {
            c->cc[0] = col[0].p[0];
            c->cc[1] = col[0].p[1];
            st->n_cent++;
        }
    }
    fclose(f);
}

/* Tunables: the [credential] section of data/detect.conf. */
typedef struct cred_settings {
    double learn, window, min_logons, spray_accounts, brute_failures, guess_failures, external_failures,
        max_speed_kmh, min_travel_km, max_accounts, shared_accounts, late_gap;
    const char *privileged, *centroids;
} cred_settings;

static const ts_tunable cred_tunables[] = {
    TS_TUNE(cred_settings, learn, TS_TUNE_SECONDS, 7 * 86400, 0, 365 * 86400.0),
    TS_TUNE(cred_settings, window, TS_TUNE_SECONDS, 3600, 1, 30 * 86400.0),
    TS_TUNE(cred_settings, min_logons, TS_TUNE_COUNT, 10, 0, 1e6),
    TS_TUNE(cred_settings, spray_accounts, TS_TUNE_COUNT, 10, 2, 96),
    TS_TUNE(cred_settings, brute_failures, TS_TUNE_COUNT, 20, 2, 1e6),
    TS_TUNE(cred_settings, guess_failures, TS_TUNE_COUNT, 5, 1, 1e6),
    TS_TUNE(cred_settings, external_failures, TS_TUNE_COUNT, 100, 2, 1e7),
    TS_TUNE(cred_settings, max_speed_kmh, TS_TUNE_NUM, 1000, 1, 100000),
    TS_TUNE(cred_settings, min_travel_km, TS_TUNE_NUM, 1000, 0, 40000),
    TS_TUNE(cred_settings, max_accounts, TS_TUNE_COUNT, 200000, 16, 1e8),
    TS_TUNE(cred_settings, shared_accounts, TS_TUNE_COUNT, 5, 0, 1e6),
    TS_TUNE(cred_settings, late_gap, TS_TUNE_SECONDS, 2 * 3600, 0, 86400),
    TS_TUNE_STR(cred_settings, privileged, NULL),
    TS_TUNE_STR(cred_settings, centroids, NULL),
    {0},
};

static tocsin_code cred_init(void *state, const ts_detect_ctx *ctx)
{
    cred_state *st = state;
    const ts_config *c = ctx->config;
    cred_settings tune;
    if (!ts_tune_read(c, SEC, cred_tunables, &tune))
        return TOCSIN_E_ARG;
    st->learn_ns = (int64_t)(tune.learn * BL_NS);
    st->window_ns = (int64_t)(tune.window * BL_NS);
    st->late_gap_ns = (int64_t)(tune.late_gap * BL_NS);
    st->min_logons = (uint32_t)tune.min_logons;
    st->spray_accounts = (uint32_t)tune.spray_accounts;
    st->brute_failures = (uint32_t)tune.brute_failures;
    st->guess_failures = (uint32_t)tune.guess_failures;
    st->external_failures = (uint32_t)tune.external_failures;
    st->max_kmh = tune.max_speed_kmh;
    st->min_km = tune.min_travel_km;
    if (st->spray_accounts < 2 || st->spray_accounts > BL_DISTINCT_MAX || st->brute_failures < 2 ||
        st->guess_failures < 1 || st->external_failures < 2 || st->window_ns <= 0 || st->max_kmh <= 0)
        return TOCSIN_E_ARG;
    size_t max = (size_t)tune.max_accounts;
    bl_map_init(&st->profiles, sizeof(profile), max);
    bl_map_init(&st->seen, 0, max * 8);
    bl_map_init(&st->shared, sizeof(uint32_t), max);
    st->shared_accounts = (uint32_t)tune.shared_accounts;
    bl_map_init(&st->acct_fails, sizeof(fail_win), max / 4);
    bl_map_init(&st->src_fails, sizeof(src_win), max / 10);
    load_priv(st, tune.privileged);
    const char *path = tune.centroids;
    char buf[1024];
    if (!path) {
        const char *dir = getenv("TOCSIN_DATA");
        snprintf(buf, sizeof buf, "%s/geo/country-centroids.tsv", dir && *dir ? dir : TOCSIN_DATA_DIR);
        path = buf;
    }
    load_centroids(st, path);
    return TOCSIN_OK;
}

/* ---- accounts and sources ----------------------------------------------------------- */

/* Accounts that are the system itself, not a person's credentials. */
static bool system_account(ts_str u)
{
    static const char *const names[] = {"SYSTEM", "LOCAL SERVICE", "NETWORK SERVICE", "ANONYMOUS LOGON", "-"};
    if (!u.n || u.p[u.n - 1] == '$' || ts_str_istarts(u, "DWM-") || ts_str_istarts(u, "UMFD-"))
        return true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ts_str_ieq(u, names[i]))
            return true;
    return false;
}

static bool letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Whether an account name reads as an administrator's. */
static bool admin_name(ts_str u)
{
    if (ts_str_ieq(u, "root") || bl_icontains(u, "admin"))
        return true;
    if (u.n > 3 && ts_str_istarts(u, "adm") && !letter(u.p[3]))
        return true;
    return u.n > 3 && ts_str_iends(u, "adm") && !letter(u.p[u.n - 4]);
}

/* Whether the account is local to the host that logged the event (a Unix login through
 * sshd, su or PAM), as opposed to a domain account seen on the wire or in a Windows log.
 * What the event is decides, not which reader wrote it. */
static bool unix_log(const ts_event *ev)
{
    return (ev->category & TS_CAT_AUTH) && !(ev->category & TS_CAT_NETWORK) && !ev->has_code &&
           !ev->user_domain.n;
}

/* The account of ev: its hash and how it is shown. Unix accounts are per host (root on
 * one server is not root on another); Windows domain accounts are one across hosts.
 * False for system and machine accounts. */
static bool account_of(const ts_event *ev, logon *l)
{
    if (system_account(ev->user))
        return false;
    if (unix_log(ev) && ev->host.n)
        l->acct = bl_hash(ev->host, bl_hash_u64(bl_hash(ev->user, BL_SEED), '@'));
    else
        l->acct = bl_hash(ev->user, BL_SEED);
    return true;
}

static const char *acct_name(logon *l)
{
    const ts_event *ev = l->ev;
    if (l->account[0])
        return l->account;
    if (!ev->user.n)
        snprintf(l->account, sizeof l->account, "?");
    else if (unix_log(ev) && ev->host.n)
        snprintf(l->account, sizeof l->account, "%.*s@%.*s", TS_STR_CUT(ev->user, 80),
                 TS_STR_CUT(ev->host, 60));
    else
        snprintf(l->account, sizeof l->account, "%.*s", TS_STR_CUT(ev->user, 150));
    return l->account;
}

static bool loopback(const ts_ip *ip)
{
    static const uint8_t v6[16] = {[15] = 1};
    return (ip->v == 4 && ip->b[0] == 127) || (ip->v == 6 && memcmp(ip->b, v6, 16) == 0);
}

static bool external(const ts_event *ev)
{
    const ts_geo *g = &ev->src_geo;
    if (!ev->src_ip.v)
        return false;
    return (g->flags & TS_NET_KNOWN) ? !(g->flags & TS_NET_INTERNAL)
                                     : !ts_ip_is_internal_default(&ev->src_ip);
}

/* The source of a logon for the baseline (see the top of the file); no source (a local
 * console logon) leaves src_hash 0. */
static void source_of(const ts_event *ev, logon *l)
{
    const ts_geo *g = &ev->src_geo;
    l->external = external(ev);
    if (ev->src_ip.v && loopback(&ev->src_ip))
        return;
    if (l->external && g->asn) {
        l->kind = SRC_ASN;
        l->src_hash = bl_hash_u64(BL_SEED ^ 1, g->asn);
    } else if (l->external && g->cc[0]) {
        l->kind = SRC_CC;
        l->src_hash = bl_hash(ts_str_make(g->cc, 2), BL_SEED ^ 2);
    } else if (!l->external && ev->src_host.n && !ts_str_eq(ev->src_host, "-")) {
        l->kind = SRC_HOST;
        l->src_hash = bl_hash(ev->src_host, BL_SEED ^ 3);
    } else if (ev->src_ip.v) {
        /* An inside address without a name: its /24 (/64), since DHCP and VPN pools hand
           the same people different addresses every day. */
        ts_ip net = ev->src_ip;
        if (!l->external)
            memset(net.b + (net.v == 4 ? 3 : 8), 0, net.v == 4 ? 1 : 8);
        l->kind = l->external ? SRC_IP : SRC_NET;
        l->src_hash = bl_hash_ip(&net, BL_SEED ^ 4);
    }
}

static const char *src_name(logon *l)
{
    const ts_event *ev = l->ev;
    const ts_geo *g = &ev->src_geo;
    char ip[TS_IP_STRLEN];
    if (l->source[0])
        return l->source;
    switch (l->kind) {
    case SRC_ASN:
        snprintf(l->source, sizeof l->source, "AS%u%s%.2s%s", (unsigned)g->asn, g->cc[0] ? " (" : "", g->cc,
                 g->cc[0] ? ")" : "");
        break;
    case SRC_CC:
        snprintf(l->source, sizeof l->source, "%.2s", g->cc);
        break;
    case SRC_HOST:
        snprintf(l->source, sizeof l->source, "%.*s", TS_STR_CUT(ev->src_host, 150));
        break;
    case SRC_IP:
        snprintf(l->source, sizeof l->source, "%s", ts_ip_format(&ev->src_ip, ip));
        break;
    case SRC_NET: {
        ts_ip net = ev->src_ip;
        memset(net.b + (net.v == 4 ? 3 : 8), 0, net.v == 4 ? 1 : 8);
        snprintf(l->source, sizeof l->source, "%s/%d", ts_ip_format(&net, ip), net.v == 4 ? 24 : 64);
        break;
    }
    case SRC_NONE:
        snprintf(l->source, sizeof l->source, "local");
        break;
    }
    return l->source;
}

/* Keys in seen: the account's desk (a host it logged on to at the console) and an inside
 * address it logged on from. */
static uint64_t desk_key(uint64_t acct, ts_str host)
{
    const char *dot = host.n ? memchr(host.p, '.', host.n) : NULL;
    return bl_hash(dot ? ts_str_make(host.p, (size_t)(dot - host.p)) : host, acct ^ 0xde5c);
}

static uint64_t addr_key(uint64_t acct, const ts_ip *ip)
{
    return bl_hash_ip(ip, acct ^ 0xadd);
}

static uint64_t ours_key(ts_str host)
{
    return desk_key(0x0c5, host);
}

/* A named inside client new for the account, on its own desk, from an address it used. */
static bool own_desk(const cred_state *st, const logon *l)
{
    const ts_event *ev = l->ev;
    return l->kind == SRC_HOST && ev->src_ip.v && ev->host.n &&
           !bl_map_get(&st->seen, ours_key(ev->src_host)) &&
           bl_map_get(&st->seen, desk_key(l->acct, ev->host)) &&
           bl_map_get(&st->seen, addr_key(l->acct, &ev->src_ip));
}

static void learn_ways(cred_state *st, const logon *l)
{
    const ts_event *ev = l->ev;
    int t = ev->logon_type;
    if (ev->host.n) /* a machine of ours: it logs logons */
        bl_set_add(&st->seen, ours_key(ev->host), ev->ts_ns);
    if ((t == 2 || t == 7 || t == 11) && ev->host.n)
        bl_set_add(&st->seen, desk_key(l->acct, ev->host), ev->ts_ns);
    else if (!l->external && ev->src_ip.v && !loopback(&ev->src_ip))
        bl_set_add(&st->seen, addr_key(l->acct, &ev->src_ip), ev->ts_ns);
}

/* The source of a failure, for spraying and brute force: the address, else the client's
 * name. 0 when the event names neither. */
static uint64_t fail_source(const ts_event *ev)
{
    if (ev->src_ip.v)
        return bl_hash_ip(&ev->src_ip, BL_SEED ^ 5);
    if (ev->src_host.n && !ts_str_eq(ev->src_host, "-"))
        return bl_hash(ev->src_host, BL_SEED ^ 5);
    return 0;
}

/* fail_source as text, for titles and keys. */
static void fail_source_text(const ts_event *ev, char *buf, size_t cap)
{
    char ip[TS_IP_STRLEN];
    if (ev->src_ip.v)
        snprintf(buf, cap, "%s", ts_ip_format(&ev->src_ip, ip));
    else
        snprintf(buf, cap, "%.*s", TS_STR_CUT(ev->src_host, 120));
}

static bool privileged(const cred_state *st, const ts_event *ev, const profile *p)
{
    if ((p && p->priv) || admin_name(ev->user))
        return true;
    uint64_t h = bl_hash(ev->user, BL_SEED);
    for (size_t i = 0; i < st->n_priv; i++)
        if (st->priv[i] == h)
            return true;
    return false;
}

static const centroid *centroid_of(const cred_state *st, const char *cc)
{
    for (size_t i = 0; i < st->n_cent; i++)
        if (st->cent[i].cc[0] == cc[0] && st->cent[i].cc[1] == cc[1])
            return &st->cent[i];
    return NULL;
}

/* Great-circle distance in km. */
static double km_between(const centroid *a, const centroid *b)
{
    const double r = 6371.0, d = M_PI / 180;
    double dlat = (b->lat - a->lat) * d, dlon = (b->lon - a->lon) * d;
    double h =
        sin(dlat / 2) * sin(dlat / 2) + cos(a->lat * d) * cos(b->lat * d) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * r * asin(sqrt(h > 1 ? 1 : h));
}

/* The host that logged the event, as text for titles, bounded; "?" when unnamed. */
static void host_text(const ts_event *ev, char *buf, size_t cap)
{
    if (!ev->host.n)
        snprintf(buf, cap, "?");
    else
        snprintf(buf, cap, "%.*s", TS_STR_CUT(ev->host, 100));
}

static int64_t since_first(const cred_state *st, int64_t ts)
{
    return st->first_ns ? ts - st->first_ns : 0;
}

/* Emits an alert about a logon: the host logged on to is ours, the source the other
 * party (internal or not); without_user for alerts about many accounts. */
static void emit(const ts_alert_sink *out, const ts_event *ev, uint8_t sev, const char *tech, char *key,
                 char *title, bool without_user)
{
    ts_alert *a = bl_alert(DET, ev, sev, tech, key, title);
    if (!a)
        return;
    if (ev->src_ip.v)
        ts_alert_orient(a, ev, TS_SIDE_SRC);
    if (without_user) {
        free(a->user);
        a->user = NULL;
    }
    out->emit(out->ud, a);
}

/* ---- failures ---------------------------------------------------------------------- */

static void window_reset(int64_t *start, int64_t ts, int64_t window, bool *reset)
{
    *reset = !*start || ts - *start > window || ts < *start;
    if (*reset)
        *start = ts;
}

/* Spraying and brute force from one source. */
static void failure_by_source(cred_state *st, const ts_event *ev, const logon *l, const ts_alert_sink *out)
{
    char src[128], host[112];
    uint64_t sh = fail_source(ev);
    if (!sh)
        return;
    src_win *w = bl_map_put(&st->src_fails, sh, ev->ts_ns, NULL);
    if (!w)
        return;
    bool reset;
    window_reset(&w->start_ns, ev->ts_ns, st->window_ns, &reset);
    if (reset) {
        w->fails = 0;
        memset(&w->accounts, 0, sizeof w->accounts);
    }
    w->fails++;
    bl_distinct_add(&w->accounts, (uint32_t)l->acct);
    bool ssh = unix_log(ev), ext = external(ev);
    bool spray = w->accounts.n >= st->spray_accounts;
    /* The Internet tries passwords on every exposed server all day: from outside, only a
       run far past the usual scanner's bursts is worth an analyst's time (a success after
       failures always is, see success_after_failures). */
    if (ext ? w->fails < st->external_failures : !spray && w->fails < st->brute_failures)
        return;
    host_text(ev, host, sizeof host);
    fail_source_text(ev, src, sizeof src);
    double mins = (double)(ev->ts_ns - w->start_ns) / (60.0 * BL_NS);
    /* From the threshold on, every failure of the run is a repeat of one alert, so its
       count and last time show the run's extent. */
    if (ext) {
        emit(out, ev, 45, spray ? "T1110.001,T1110.003" : "T1110.001",
             ts_fmt_alloc("cred|brute|%s|%s", src, host),
             ts_fmt_alloc("%s from %s against %s: %u failed logons in %.0f min (%u accounts)",
                          ssh ? "SSH brute force" : "password brute force", src, host, (unsigned)w->fails,
                          mins, (unsigned)w->accounts.n),
             w->accounts.n > 1);
        return;
    }
    if (spray)
        emit(out, ev, 65, "T1110.003", ts_fmt_alloc("cred|spray|%s", src),
             ts_fmt_alloc("password spraying from %s against %s: %u accounts failed in %.0f min", src, host,
                          (unsigned)w->accounts.n, mins),
             true); /* many accounts: none of them is the entity */
    if (w->fails >= st->brute_failures)
        emit(out, ev, 60, "T1110.001", ts_fmt_alloc("cred|brute|%s|%s", src, host),
             ts_fmt_alloc("%s from %s against %s: %u failed logons in %.0f min (%u accounts)",
                          ssh ? "SSH brute force" : "password brute force", src, host, (unsigned)w->fails,
                          mins, (unsigned)w->accounts.n),
             w->accounts.n > 1);
}

/* Guessing against one account from inside (outside sources are judged per source: an
 * exposed server's "root" fails all day from the Internet). */
static void failure_by_account(cred_state *st, const ts_event *ev, logon *l, const ts_alert_sink *out)
{
    fail_win *w = bl_map_put(&st->acct_fails, l->acct, ev->ts_ns, NULL);
    if (!w)
        return;
    bool reset;
    window_reset(&w->start_ns, ev->ts_ns, st->window_ns, &reset);
    if (reset) {
        w->fails = 0;
        w->alerted = 0;
    }
    w->fails++;
    /* Failures alone: only well past the guess threshold (a locked-out user retrying is
       a handful), and once per window. */
    if (w->fails == 3 * st->guess_failures && !w->alerted) {
        w->alerted = 1;
        emit(out, ev, 40, "T1110.001", ts_fmt_alloc("cred|guess|%s", acct_name(l)),
             ts_fmt_alloc("password guessing against %s: %u failed logons within %.0f min", acct_name(l),
                          (unsigned)w->fails, (double)(ev->ts_ns - w->start_ns) / (60.0 * BL_NS)),
             false);
    }
}

static void on_failure(cred_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    logon l = {.ev = ev};
    if (!ev->user.n)
        l.acct = 1; /* a failure without a name still counts for its source */
    else if (!account_of(ev, &l)) {
        return;
    }
    failure_by_source(st, ev, &l, out);
    if (ev->user.n && !external(ev))
        failure_by_account(st, ev, &l, out);
}

/* A success after a run of failures: for the account (guessing) or from the source
 * (brute force, spraying). */
static void success_after_failures(cred_state *st, logon *l, uint64_t sh, const ts_alert_sink *out)
{
    const ts_event *ev = l->ev;
    char src[128], host[112];
    const src_win *sw = sh ? bl_map_get(&st->src_fails, sh) : NULL;
    const fail_win *aw = bl_map_get(&st->acct_fails, l->acct);
    bool src_hot = sw && ev->ts_ns - sw->start_ns <= st->window_ns &&
                   (sw->fails >= st->brute_failures || sw->accounts.n >= st->spray_accounts);
    bool acct_hot = aw && ev->ts_ns - aw->start_ns <= st->window_ns && aw->fails >= st->guess_failures;
    if (!src_hot && !acct_hot)
        return;
    bool spray = src_hot && sw->accounts.n >= st->spray_accounts;
    uint32_t fails = src_hot ? sw->fails : aw->fails;
    host_text(ev, host, sizeof host);
    fail_source_text(ev, src, sizeof src);
    emit(out, ev, 85, spray ? "T1110.003,T1078" : "T1110.001,T1078",
         ts_fmt_alloc("cred|cracked|%s|%s", acct_name(l), sh ? src : "-"),
         ts_fmt_alloc("%s logged on to %s%s%s after %u failed logons (%s)", acct_name(l), host,
                      sh ? " from " : "", sh ? src : "", (unsigned)fails,
                      spray     ? "password spraying"
                      : src_hot ? (unix_log(ev) ? "SSH brute force" : "brute force")
                                : "password guessing"),
         false);
}

/* ---- successful logons ---------------------------------------------------------------- */

enum {
    R_NEW_SRC = 1 << 0,
    R_NEW_NET = 1 << 1,
    R_HOUR = 1 << 2,
    R_TRAVEL = 1 << 3,
    R_NEW_TYPE = 1 << 4,
    R_PTH = 1 << 5,
};

/* Impossible travel against the account's last located logon; writes what it saw. */
static bool travel(const cred_state *st, const profile *p, const ts_event *ev, char *what, size_t cap)
{
    const ts_geo *g = &ev->src_geo;
    if (!g->cc[0] || !p->geo_cc[0] || !p->geo_ns || (p->geo_cc[0] == g->cc[0] && p->geo_cc[1] == g->cc[1]))
        return false;
    const centroid *a = centroid_of(st, p->geo_cc), *b = centroid_of(st, g->cc);
    if (!a || !b || ev->ts_ns < p->geo_ns)
        return false;
    double km = km_between(a, b), h = (double)(ev->ts_ns - p->geo_ns) / (3600.0 * BL_NS);
    if (km < st->min_km || km / (h > 1.0 / 60 ? h : 1.0 / 60) <= st->max_kmh)
        return false;
    snprintf(what, cap, "impossible travel (%.2s %.1f h after %.2s, %.0f km)", g->cc, h, p->geo_cc, km);
    return true;
}

static bool unusual_hour(const profile *p, int h)
{
    return !p->hours[h] && !p->hours[(h + 23) % 24] && !p->hours[(h + 1) % 24];
}

/* Whether a logon of type 9 through seclogo or an NTLM type-3 logon without a session key. */
static bool pth_sign(const ts_event *ev)
{
    if (ev->logon_type == 9)
        return ts_str_ieq(ts_str_trim(ts_event_field(ev, "LogonProcessName")), "seclogo");
    if (ev->logon_type == 3)
        return ts_str_ieq(ts_str_trim(ts_event_field(ev, "AuthenticationPackageName")), "NTLM") &&
               ts_str_eq(ts_event_field(ev, "KeyLength"), "0");
    return false;
}

static void learn(profile *p, const logon *l)
{
    const ts_event *ev = l->ev;
    if (!p->first_ns || ev->ts_ns < p->first_ns)
        p->first_ns = ev->ts_ns;
    if (ev->ts_ns > p->last_ns)
        p->last_ns = ev->ts_ns;
    if (p->n_logons < UINT32_MAX)
        p->n_logons++;
    int h = bl_hour(ev->ts_ns);
    if (p->hours[h] < UINT16_MAX)
        p->hours[h]++;
    if (ev->logon_type > 0 && ev->logon_type < 32)
        p->types |= 1u << ev->logon_type;
}

/* Where the account is, for impossible travel: the country of its last located logon, unless
 * that country came to it in a logon alerted for its place (a new network, impossible
 * travel): such a place is the anomaly, not where the person is. The intruder back from
 * Singapore every night with a stolen password does not make the real admin's next logon
 * from home an impossible journey; the intruder's own logons are still judged against home. */
static void locate(cred_state *st, profile *p, const logon *l, bool alerted_place)
{
    const ts_event *ev = l->ev;
    if (!l->external || !ev->src_geo.cc[0])
        return;
    uint64_t odd = bl_hash(ts_str_make(ev->src_geo.cc, 2), l->acct ^ 0x7a17);
    if (alerted_place)
        bl_set_add(&st->seen, odd, ev->ts_ns);
    if (bl_map_get(&st->seen, odd))
        return;
    p->geo_cc[0] = ev->src_geo.cc[0];
    p->geo_cc[1] = ev->src_geo.cc[1];
    p->geo_ns = ev->ts_ns;
}

/* The reasons as words for the title. */
static void reasons_text(uint32_t why, int hour, const char *travel_what, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = 0;
#define ADD(...) n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, __VA_ARGS__)
    if (why & R_NEW_SRC)
        ADD("%snew source", n ? ", " : "");
    if (why & R_NEW_NET)
        ADD("%snew network", n ? ", " : "");
    if (why & R_HOUR)
        ADD("%sunusual hour (%02d h UTC)", n ? ", " : "", hour);
    if (why & R_TRAVEL)
        ADD("%s%s", n ? ", " : "", travel_what);
    if (why & R_PTH)
        ADD("%spass-the-hash sign", n ? ", " : "");
    if (why & R_NEW_TYPE)
        ADD("%snew logon type", n ? ", " : "");
#undef ADD
}

static uint8_t logon_severity(uint32_t why, bool priv, bool young, bool ext)
{
    int s = 0;
    if (why & R_NEW_SRC)
        s = 50;
    if (why & R_HOUR)
        s = s ? s + 15 : 45;
    if (why & R_PTH)
        s = s > 60 ? s + 10 : 60;
    if (why & R_TRAVEL)
        s = s > 70 ? s + 10 : 70;
    if (ext)
        s += 10;
    if (priv)
        s += 5;
    if (young && !(why & (R_TRAVEL | R_PTH))) /* those need no baseline to mean something */
        s -= 20;
    return (uint8_t)(s < 10 ? 10 : s > 95 ? 95 : s);
}

/* The key of (account, address) for last_seen; 0 when the logon has no address to judge. */
static uint64_t last_key(const logon *l)
{
    const ts_ip *ip = &l->ev->src_ip;
    if (!ip->v || loopback(ip))
        return 0;
    uint64_t k = bl_hash_ip(ip, l->acct ^ 0x1a7e);
    return k ? k : 1;
}

/* A session's key: the account, the host that logged it and the logon id it gave it. */
static uint64_t session_key(uint64_t acct, const ts_event *ev)
{
    ts_str id = ts_str_trim(ts_event_field(ev, "TargetLogonId"));
    if (!id.n || !ev->host.n)
        return 0;
    uint64_t k = bl_hash(id, bl_hash(ev->host, acct ^ 0x5e55));
    return k ? k : 1;
}

/* Whether the account was active from this very address within late_gap: the same person
 * at the same machine, their working day running past its usual hours (an admin at the
 * desk at 8 pm). Active means a logon from there, or a session opened from there still
 * going on (its logoff is when that activity ended): the admin whose remote desktop to the
 * jump host lasted till midnight and who comes back at one is still at work. Someone else
 * at another machine, or this one after a night's pause, is judged by the hour. */
static bool running_late(const cred_state *st, const logon *l)
{
    uint64_t k = last_key(l);
    const last_seen *s = &st->last[k % LAST_SLOTS];
    int64_t ts = l->ev->ts_ns;
    return k && s->key == k && ts >= s->ts && ts - s->ts <= st->late_gap_ns;
}

static void note_active(cred_state *st, uint64_t key, int64_t ts)
{
    last_seen *s = &st->last[key % LAST_SLOTS];
    if (s->key == key && s->ts > ts)
        return;
    *s = (last_seen){key, ts};
}

static void note_last(cred_state *st, const logon *l)
{
    uint64_t k = last_key(l);
    if (!k)
        return;
    note_active(st, k, l->ev->ts_ns);
    uint64_t sk = session_key(l->acct, l->ev);
    if (sk)
        st->sessions[sk % SESSION_SLOTS] = (open_session){sk, k};
}

/* 4634/4647: a session ended; the address it was opened from was in use until now. */
static void on_logoff(cred_state *st, const ts_event *ev)
{
    logon l = {.ev = ev};
    if (!account_of(ev, &l))
        return;
    uint64_t sk = session_key(l.acct, ev);
    open_session *o = sk ? &st->sessions[sk % SESSION_SLOTS] : NULL;
    if (!o || o->key != sk)
        return;
    note_active(st, o->from, ev->ts_ns);
    *o = (open_session){0, 0};
}

static void on_success(cred_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    logon l = {.ev = ev};
    if (!account_of(ev, &l))
        return;
    source_of(ev, &l);
    /* the maps this logon will look in, asked for at once */
    uint64_t sh = fail_source(ev);
    if (sh)
        __builtin_prefetch(bl_map_at(&st->src_fails, sh));
    __builtin_prefetch(bl_map_at(&st->acct_fails, l.acct));
    __builtin_prefetch(bl_map_at(&st->profiles, l.acct));
    if (l.src_hash) {
        __builtin_prefetch(bl_map_at(&st->seen, bl_hash_u64(l.acct, l.src_hash)));
        __builtin_prefetch(bl_map_at(&st->shared, l.src_hash));
    }
    success_after_failures(st, &l, sh, out);
    bool created;
    profile *p = bl_map_put(&st->profiles, l.acct, ev->ts_ns, &created);
    if (!p)
        return;
    bool priv = privileged(st, ev, p);
    bool young = p->n_logons < st->min_logons || ev->ts_ns - p->first_ns < st->learn_ns;
    uint32_t why = 0;
    char travel_what[96] = "";
    int hour = bl_hour(ev->ts_ns);
    if (l.src_hash && bl_set_add(&st->seen, bl_hash_u64(l.acct, l.src_hash), ev->ts_ns)) {
        /* A source many accounts log on from (a VPN pool, a terminal server) is the
           organisation's own way in, not a new place for this account. */
        uint32_t *pop = bl_map_put(&st->shared, l.src_hash, ev->ts_ns, NULL);
        if (!created && !(pop && *pop >= st->shared_accounts) && !own_desk(st, &l))
            why |= R_NEW_SRC;
        if (pop && *pop < UINT32_MAX)
            (*pop)++;
    }
    if (l.external && ev->src_geo.cc[0] &&
        bl_set_add(&st->seen, bl_hash(ts_str_make(ev->src_geo.cc, 2), l.acct ^ 7), ev->ts_ns) && !created)
        why |= R_NEW_NET;
    if (!young && unusual_hour(p, hour) && !running_late(st, &l))
        why |= R_HOUR;
    note_last(st, &l);
    if (travel(st, p, ev, travel_what, sizeof travel_what))
        why |= R_TRAVEL;
    if (!created && ev->logon_type > 0 && ev->logon_type < 32 && !(p->types & (1u << ev->logon_type)))
        why |= R_NEW_TYPE;
    if (priv && ev->has_code && pth_sign(ev))
        why |= R_PTH;
    /* the baseline before this logon, said in the title when young (formatted only then) */
    unsigned earlier = (unsigned)p->n_logons;
    double over_days = p->n_logons ? (double)(p->last_ns - p->first_ns) / (86400.0 * BL_NS) : 0.0;
    learn(p, &l);
    learn_ways(st, &l);
    /* Young baselines judge only what is outside; a new logon type alone is no alert. */
    /* Inside, a new source alone is worth a look; outside, people travel and work from
       home, so a new network needs an unusual hour too (which the hour alone is). A young
       account (created after this detector learnt) is judged on new outside networks;
       while the detector itself learns, nobody is young, only unknown. */
    bool learning = since_first(st, ev->ts_ns) < st->learn_ns;
    bool raise = (why & (R_TRAVEL | R_PTH)) ||
                 (priv && !young && (why & (l.external ? R_HOUR : R_NEW_SRC | R_HOUR))) ||
                 (priv && young && !learning && l.external && (why & R_NEW_NET));
    locate(st, p, &l, raise && (why & (R_NEW_NET | R_TRAVEL)));
    if (!raise)
        return;
    char reasons[256], host[112], young_txt[80] = "";
    if (young)
        snprintf(young_txt, sizeof young_txt, "; baseline young: %u earlier logons over %.1f days", earlier,
                 over_days);
    reasons_text(why, hour, travel_what, reasons, sizeof reasons);
    host_text(ev, host, sizeof host);
    const char *tech = why & R_PTH ? "T1550.002,T1078" : "T1078";
    emit(out, ev, logon_severity(why, priv, young, l.external), tech,
         ts_fmt_alloc("cred|logon|%s|%s", acct_name(&l), src_name(&l)),
         ts_fmt_alloc("%s%s logged on to %s%s%s: %s%s", priv ? "privileged account " : "", acct_name(&l),
                      host, l.src_hash ? " from " : "", l.src_hash ? src_name(&l) : "", reasons, young_txt),
         false);
}

/* 4672: the account got special privileges at logon. */
static void on_privileges(cred_state *st, const ts_event *ev)
{
    logon l = {.ev = ev};
    if (!account_of(ev, &l))
        return;
    profile *p = bl_map_put(&st->profiles, l.acct, ev->ts_ns, NULL);
    if (p)
        p->priv = 1;
}

/* 4648: a process of the subject used the target account's credentials explicitly. */
static void on_explicit(cred_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str subj = ts_event_field(ev, "SubjectUserName");
    logon l = {.ev = ev};
    if (system_account(subj) || !account_of(ev, &l) || bl_hash(subj, BL_SEED) == bl_hash(ev->user, BL_SEED))
        return;
    const profile *p = bl_map_get(&st->profiles, l.acct);
    if (!privileged(st, ev, p))
        return;
    uint64_t pair = bl_hash(subj, bl_hash_u64(l.acct, 4648));
    bool fresh = bl_set_add(&st->seen, pair, ev->ts_ns);
    bool young = since_first(st, ev->ts_ns) < st->learn_ns;
    if (!fresh || young)
        return;
    ts_str server = ts_str_trim(ts_event_field(ev, "TargetServerName"));
    char host[112];
    host_text(ev, host, sizeof host);
    bl_emit(out, DET, ev, 45, "T1078",
            ts_fmt_alloc("cred|explicit|%.*s|%s", TS_STR_CUT(subj, 100), acct_name(&l)),
            ts_fmt_alloc(
                "%.*s used the credentials of privileged account %s on %s%s%.*s (explicit logon, first time)",
                TS_STR_CUT(subj, 100), acct_name(&l), host, server.n ? " for " : "",
                TS_STR_CUT(server, 100)));
}

/* Logon types that are a person or a remote party presenting credentials: not services,
 * batch jobs or unlocks. */
static bool judged_type(int t)
{
    return t == 2 || t == 3 || t == 8 || t == 9 || t == 10 || t == 11;
}

static void cred_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    cred_state *st = state;
    /* NPS events are not typed as authentication by the Windows normaliser. */
    if (!(ev->category & TS_CAT_AUTH) && !(ev->has_code && ev->code == 6272))
        return;
    /* The learning clock starts at the earliest event, whatever order events come in. */
    if (ev->ts_ns && (!st->first_ns || ev->ts_ns < st->first_ns))
        st->first_ns = ev->ts_ns;
    if (ev->has_code) {
        switch (ev->code) {
        case 4624:
            if (judged_type(ev->logon_type))
                on_success(st, ev, out);
            return;
        case 4625:
        case 4771:
        case 4776:
            if (ev->outcome == TS_OUTCOME_FAILURE)
                on_failure(st, ev, out);
            return;
        case 4672:
            on_privileges(st, ev);
            return;
        case 4634:
        case 4647:
            on_logoff(st, ev);
            return;
        case 6272: /* NPS granted network access: a VPN logon from the client's address */
            if (ev->src_ip.v)
                on_success(st, ev, out);
            return;
        case 4648:
            on_explicit(st, ev, out);
            return;
        default:
            return;
        }
    }
    if (unix_log(ev) && ts_str_eq(ev->protocol, "ssh")) {
        /* sshd writes "Failed password" once per attempt; its PAM and "Invalid user"
           lines about the same attempt are not counted again. */
        if (ts_str_istarts(ev->action, "accepted-"))
            on_success(st, ev, out);
        else if (ts_str_istarts(ev->action, "failed-"))
            on_failure(st, ev, out);
    }
}

/* ---- saved state ------------------------------------------------------------------------ */

/* What it keeps between runs; a damaged blob is refused whole and it learns afresh. */
static const ts_saved_field cred_saved_fields[] = {
    TS_SAVED_FIELD(cred_state, first_ns),
    BL_SAVED_MAP(cred_state, profiles, 0, "accounts"),
    BL_SAVED_MAP(cred_state, seen, 0, "account-source pairs"),
    BL_SAVED_MAP(cred_state, shared, 0, "sources"),
    {0},
};
static const ts_saved cred_saved = {DET, MAGIC, cred_saved_fields};

static void cred_fini(void *state)
{
    cred_state *st = state;
    bl_map_free(&st->acct_fails);
    bl_map_free(&st->src_fails);
    free(st->cent);
}

static size_t cred_usage(void *state, ts_state_use *out, size_t n)
{
    const cred_state *st = state;
    size_t k = bl_saved_use(&cred_saved, st, out, n);
    const bl_map *maps[] = {&st->acct_fails, &st->src_fails}; /* not saved: they only span this run */
    static const char *const names[] = {"accounts failing", "sources failing"};
    return k + bl_maps_use(maps, names, 2, out + (k < n ? k : n), k < n ? n - k : 0);
}

const ts_detector ts_detector_credential = {
    .name = DET,
    .tunables = cred_tunables,
    .summary = "stolen-credential use: privileged logons new for the account, impossible travel, guessing, "
               "spraying, brute force, pass-the-hash",
    .state_size = sizeof(cred_state),
    .init = cred_init,
    .event = cred_event,
    .fini = cred_fini,
    .saved = &cred_saved,
    .usage = cred_usage,
};
