/* lateral.c: detector "lateral": admin-level connections between internal hosts that never talked that way,
 * and fan-out that outgrows its own history. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/alert_util.h"
#include "detect/baseline.h"
#include "detect/behave_util.h"
#include "detect/detect.h"

/*
 * Rationale. After the first foothold at Sony in 2014 the intruders spent two months
 * moving between hosts with an administrator's credentials over SMB and remote services;
 * each step looked like administration. Administration has a shape, though: the same
 * admins manage the same servers from the same jump hosts. So this detector remembers
 * which source reached which host in which admin-level way, and says so when a pair is
 * new; and it remembers how many distinct hosts each source host and each account reach
 * per window, and says so when that grows well past its own history. A software
 * deployment server that reaches hundreds of hosts every night has that in its history,
 * so it is quiet; a workstation that suddenly does the same is not.
 *
 * Admin-level connections (the methods):
 *   admin-logon   4624 type 3 of an account given special privileges (4672, matched by
 *                 logon id, or seen with them before)                          T1021.002
 *   admin-share   C$ / ADMIN$ mapped (Zeek smb_mapping) or accessed (5140, 5145) T1021.002
 *   rdp           4624 type 10, Zeek rdp                                        T1021.001
 *   winrm         connections to 5985/5986, wsmprovhost.exe started             T1021.006
 *   service       a service installed (7045, 4697) that is PsExec's PSEXESVC or a
 *                 look-alike, or whose binary sits on a share          T1569.002, T1021.002
 *   wmi           WmiPrvSE.exe starting a shell or script host                  T1047
 * Connections between internal hosts to 445, 135, 139, 3389, 5985, 5986 and 22 (Zeek
 * conn, Sysmon 3) count toward fan-out only.
 *
 * A new pair from a source that has already made `established` new pairs of that method
 * (the jump host reaching one more server) is quiet: administration grows. So is a new
 * method between a source and a host that it reached another admin-level way while
 * learning (the jump host that administers a server over network logons opening a remote
 * desktop to it): the same admin relation, by its name or by its exact address, which a
 * network logon gives where a remote desktop gives the client's name. A foothold's
 * first hops are not. Nor is a source that `shared_accounts` accounts log on from (a VPN
 * address pool, a terminal server): the admins' new way in. For a service or WMI, whose source the event does
 * not name, the tool itself is the source, and one host is enough to make it known.
 *
 * Nor is an account reaching its own desk (a host it logs on to at the console) by remote
 * desktop or network logon from a computer that is not one of ours (its name never logged
 * a logon here), through an address the account logged on from before (the VPN session's
 * own logon to a domain controller counts): someone at home or in a hotel working on their
 * office PC. The client's name is then whatever that computer is called, so it is not what
 * makes the source new. One of our machines, another account, another host than its desk,
 * or an address the account never used is judged as above.
 *
 * A remote service (PsExec) names no source: it is the tool that is new. One that comes
 * within `session_window` after an admin session reached that host over a path of the
 * baseline (from a machine, by name or exact address, that reached `established` hosts that
 * way while learning; over a pair itself used while learning, like an admin's desk to the
 * jump host; a shared pool; the account's own desk) is that session's doing, an
 * administrator's PsExec on their round: quiet, and the tool stays unknown for whoever runs
 * it next. A foothold's PsExec follows its own logon, from a machine that was no admin
 * source while learning (a server beside the jump hosts, in their /24, included). WMI shells
 * and WinRM hosts are not judged so: administration runs PsExec every day, while an
 * intruder on the jump host reaching a workstation over WinRM (Sony 2014) is its first use.
 *
 * New services: a service whose name and binary this estate never installed before,
 * installed after the learning period, alerts on every host it lands on for
 * `new_service_days` (one alert, counting the hosts): an implant or a wiper installed
 * as a service across the estate (T1543.003, T1569.002). Only binaries where implants put
 * themselves are judged: directly in the Windows folder or System32 (beside what they
 * imitate), in user-writable folders or on shares; vendors install under Program Files or
 * their own folders. Services installed during the learning period are known;
 * PsExec-like services are judged as such instead.
 *
 * Learning: for `learn` after the earliest event this detector ever saw (saved; the
 * earliest by time, not the first to arrive, so files read in any order agree), new pairs
 * and services are remembered without alerts, except PsExec-like services and WMI
 * shells, which need no baseline and alert at once, lower, with "baseline young". One
 * exception: a PsExec-like service that follows, within `session_window`, a session from
 * one of our machines that is nobody's desk (no account logs on at its console: a jump host
 * on its first round, before it has reached `established` hosts) is kept like the edges
 * below, and dropped when learning ends if that machine turned out to be a source of the
 * baseline; PsExec from a workstation, where a foothold is, still alerts at once. The
 * first 64 new edges that would have alerted after learning are kept, and when learning
 * ends they are judged once: those whose source stayed below `established` new pairs and
 * that did not recur on another day are raised (a foothold's first hops in the first
 * week are not lost to the baseline). For a source known by its address alone, the same
 * account reaching the same host the same way on another day from any such address is a
 * recurrence too: an admin's VPN sessions get a new pool address each time, and the
 * domain controller they log on to from their desk every day is their routine. A fan-out alert names the
 * history it was judged against: an actor with no earlier window is never judged (its first window is its
 * history), and one with fewer than `min_windows` says "baseline young".
 *
 * Tunables ([lateral] in detect.conf): learn, window, min_fanout, fanout_factor,
 * min_windows, established, shared_accounts, new_service_days, max_pairs, session_window.
 */

#define DET "lateral"
#define SEC "lateral"
#define MAGIC 0x3354414cu /* "LAT3" */

/* One actor's destinations in the current window and the most it reached before. */
typedef struct fan_hist {
    int64_t win_start;
    bl_distinct cur;
    uint32_t n_windows; /* closed windows with any activity */
    uint32_t hist_max;  /* most destinations in one of them */
    uint32_t alerted;   /* in the current window */
} fan_hist;

/* A network logon waiting for its 4672, which Windows writes right after it. */
typedef struct pending {
    uint64_t key; /* (host, logon id); 0: empty */
    ts_ip src;
    uint8_t src_name_n, user_n;
    char src_name[64];
    char user[64];
} pending;

/* Pending logons live in a direct-mapped table: a newer logon in the same slot replaces an
 * older one, which by then has long had its 4672 or never will. O(1), no allocation. */
#define PENDING_SLOTS 4096

/* An edge learnt silently while the detector was young that the rules after learning
 * would have raised: judged once when learning ends. */
typedef struct held {
    ts_alert *a;    /* built when seen, with its evidence; NULL: free slot */
    uint64_t pair;  /* the (source, destination, method) key */
    uint64_t actor; /* its key in actors */
    uint64_t src;   /* the source's key in shared (0: none) */
    uint64_t route; /* (account, destination, method), any source (0: no account) */
    uint64_t dst;   /* the destination's key */
    uint64_t addr;  /* the source's exact address (as an end's exact key); 0: none */
    int64_t ts;
    uint8_t m;   /* its method */
    bool recurs; /* the pair or the route came again on another day: routine */
} held;

#define HELD_MAX 64

/* The last admin-level session that reached a host from a source we can name, and whether it
 * came over a known path: where a PsExec-like service that follows it on that host within
 * `session_window` came from (PsExec logs its network logon, then installs its
 * service). Direct-mapped by host, the newest session wins; not saved: it matters for a
 * minute or two. */
typedef struct session {
    uint64_t host; /* 0: empty */
    int64_t ts;
    uint64_t via;   /* its source machine's key in actors (baseline_source), 0: none */
    uint64_t user;  /* its account */
    uint64_t logon; /* a remote desktop's logon id on the host until its logoff; 0: none open */
    bool known;
} session;

#define SESSION_SLOTS 4096

typedef struct lat_state {
    int64_t learn_ns, window_ns;
    uint32_t min_fanout, min_windows, established;
    int64_t new_service_ns, session_ns;
    double factor;
    int64_t first_ns; /* saved */
    bl_map pairs;     /* (source, destination, method) seen (saved) */
    bl_map fan;       /* actor -> fan_hist (saved) */
    bl_map privs;     /* accounts seen with special privileges (saved) */
    bl_map actors;    /* (source, method) -> uint32 new pairs it made (saved); also (exact source,
                         method) -> distinct hosts it reached while learning */
    bl_map shared;    /* source -> uint32 accounts that logged on from it (saved) */
    bl_map users;     /* (account, source) logons seen, for shared (saved) */
    bl_map ways;      /* (account, desk host) console logons, (account, address) logons (saved) */
    uint32_t shared_accounts;
    bl_map services; /* (service name, binary) -> int64 first install (saved) */
    pending pend[PENDING_SLOTS];
    session sess[SESSION_SLOTS];
    /* Not saved: a run that ends while learning hands the next one only what it learnt. */
    held held[HELD_MAX];
    uint32_t n_held;
} lat_state;

typedef enum method { M_ADMIN_LOGON, M_ADMIN_SHARE, M_RDP, M_WINRM, M_SERVICE, M_WMI, M_CONN } method;

static const struct {
    const char *name, *what, *tech;
    uint8_t severity;
} methods[] = {
    [M_ADMIN_LOGON] = {"admin-logon", "admin network logon", "T1021.002", 55},
    [M_ADMIN_SHARE] = {"admin-share", "admin share access", "T1021.002", 60},
    [M_RDP] = {"rdp", "remote desktop", "T1021.001", 45},
    [M_WINRM] = {"winrm", "WinRM", "T1021.006", 55},
    [M_SERVICE] = {"service", "remote service install", "T1569.002,T1021.002", 70},
    [M_WMI] = {"wmi", "WMI remote execution", "T1047", 60},
    [M_CONN] = {"conn", "admin-port connection", NULL, 0},
};

/* One end of a connection: a host name (borrowed from the event), else an address. */
typedef struct end {
    ts_str name;
    ts_ip ip;
    uint64_t h;     /* for pairs (a source address by its network); 0: unknown */
    uint64_t exact; /* the host itself, for fan-out */
} end;

/* One connection judged: who reached whom, how. Names are formatted only for alerts. */
typedef struct edge {
    const ts_event *ev;
    method m;
    end src, dst;
    ts_str detail; /* the service or program, borrowed */
} edge;

/* Tunables: the [lateral] section of data/detect.conf. */
typedef struct lat_settings {
    double learn, established, new_service_days, window, min_fanout, min_windows, fanout_factor, max_pairs,
        shared_accounts, session_window;
} lat_settings;

static const ts_tunable lat_tunables[] = {
    TS_TUNE(lat_settings, learn, TS_TUNE_SECONDS, 7 * 86400, 0, 365 * 86400.0),
    TS_TUNE(lat_settings, established, TS_TUNE_COUNT, 3, 1, 1e6),
    TS_TUNE(lat_settings, new_service_days, TS_TUNE_NUM, 7, 0, 365),
    TS_TUNE(lat_settings, window, TS_TUNE_SECONDS, 3600, 1, 30 * 86400.0),
    TS_TUNE(lat_settings, min_fanout, TS_TUNE_COUNT, 10, 2, 96),
    TS_TUNE(lat_settings, min_windows, TS_TUNE_COUNT, 3, 1, 1000),
    TS_TUNE(lat_settings, fanout_factor, TS_TUNE_NUM, 3, 1, 1000),
    TS_TUNE(lat_settings, max_pairs, TS_TUNE_COUNT, 1000000, 16, 1e9),
    TS_TUNE(lat_settings, shared_accounts, TS_TUNE_COUNT, 5, 0, 1e6),
    TS_TUNE(lat_settings, session_window, TS_TUNE_SECONDS, 120, 0, 3600),
    {0},
};

static tocsin_code lat_init(void *state, const ts_detect_ctx *ctx)
{
    lat_state *st = state;
    const ts_config *c = ctx->config;
    lat_settings tune;
    if (!ts_tune_read(c, SEC, lat_tunables, &tune))
        return TOCSIN_E_ARG;
    st->learn_ns = (int64_t)(tune.learn * BL_NS);
    st->established = (uint32_t)tune.established;
    st->new_service_ns = (int64_t)(tune.new_service_days * 86400 * BL_NS);
    st->session_ns = (int64_t)(tune.session_window * BL_NS);
    st->window_ns = (int64_t)(tune.window * BL_NS);
    st->min_fanout = (uint32_t)tune.min_fanout;
    st->min_windows = (uint32_t)tune.min_windows;
    st->factor = tune.fanout_factor;
    if (st->window_ns <= 0 || st->min_fanout < 2 || st->min_fanout > BL_DISTINCT_MAX || st->factor < 1)
        return TOCSIN_E_ARG;
    size_t max = (size_t)tune.max_pairs;
    bl_map_init(&st->pairs, 0, max);
    bl_map_init(&st->fan, sizeof(fan_hist), max / 20);
    bl_map_init(&st->privs, 0, max / 10);
    bl_map_init(&st->actors, sizeof(uint32_t), max / 10);
    bl_map_init(&st->shared, sizeof(uint32_t), max / 10);
    bl_map_init(&st->users, 0, max / 2);
    bl_map_init(&st->ways, 0, max / 2);
    st->shared_accounts = (uint32_t)tune.shared_accounts;
    bl_map_init(&st->services, sizeof(int64_t), max / 10);
    return TOCSIN_OK;
}

/* ---- names -------------------------------------------------------------------------- */

static bool internal(const ts_ip *ip, const ts_geo *g)
{
    if (!ip->v)
        return false;
    return (g->flags & TS_NET_KNOWN) ? (g->flags & TS_NET_INTERNAL) != 0 : ts_ip_is_internal_default(ip);
}

static bool loopback(const ts_ip *ip)
{
    static const uint8_t v6[16] = {[15] = 1};
    return (ip->v == 4 && ip->b[0] == 127) || (ip->v == 6 && memcmp(ip->b, v6, 16) == 0);
}

/* A host name's hash: its first label, case-blind ("WKS7.corp.local" is "wks7"). */
static uint64_t name_hash(ts_str name)
{
    const char *dot = name.n ? memchr(name.p, '.', name.n) : NULL;
    return bl_hash(dot ? ts_str_make(name.p, (size_t)(dot - name.p)) : name, BL_SEED ^ 0x11);
}

/* Sets one end of an edge from a host name, else an address. A source known only by its
 * address counts as its /24 (/64): DHCP and VPN pools give the same admin a new address
 * every day, and an admin's new address is not a new admin source. */
static void set_end(end *e, ts_str name, const ts_ip *ip, bool source)
{
    if (name.n && !ts_str_eq(name, "-")) {
        e->name = name;
        e->h = e->exact = name_hash(name);
    } else if (ip && ip->v && !loopback(ip)) {
        e->ip = *ip;
        e->exact = bl_hash_ip(ip, BL_SEED ^ 0x12);
        ts_ip net = *ip;
        if (source)
            memset(net.b + (net.v == 4 ? 3 : 8), 0, net.v == 4 ? 1 : 8);
        e->h = bl_hash_ip(&net, BL_SEED ^ 0x12);
    }
}

/* The end as text (buf holds at least TS_IP_STRLEN bytes): "?" when unknown. */
static const char *end_text(const end *e, char *buf, size_t cap)
{
    if (e->name.n)
        snprintf(buf, cap, "%.*s", TS_STR_CUT(e->name, 90));
    else if (e->h)
        ts_ip_format(&e->ip, buf);
    else
        snprintf(buf, cap, "?");
    return buf;
}

static bool system_account(ts_str u)
{
    return !u.n || u.p[u.n - 1] == '$' || ts_str_ieq(u, "ANONYMOUS LOGON") || ts_str_ieq(u, "SYSTEM") ||
           ts_str_ieq(u, "LOCAL SERVICE") || ts_str_ieq(u, "NETWORK SERVICE") || ts_str_eq(u, "-");
}

static bool young(const lat_state *st, int64_t ts)
{
    return st->first_ns && ts - st->first_ns < st->learn_ns;
}

/* A held pair used again, or, for a source known by its address alone, its account reaching
 * the same host the same way again from another such address (an admin whose VPN sessions
 * get a new pool address each time): on another day it is a routine path, not a foothold's
 * hop. */
static void held_again(lat_state *st, uint64_t pair, uint64_t route, int64_t ts)
{
    for (uint32_t i = 0; i < st->n_held; i++)
        if ((st->held[i].pair == pair || (route && st->held[i].route == route)) &&
            (ts - st->held[i].ts >= 86400 * BL_NS || st->held[i].ts - ts >= 86400 * BL_NS))
            st->held[i].recurs = true;
}

/* The key of a pair: source, destination, method and detail (a service's name). */
static uint64_t pair_key(ts_str detail, uint64_t src, uint64_t dst, method m)
{
    return bl_hash(detail, bl_hash_u64(bl_hash_u64(src, dst), m));
}

/* The mark in pairs of a pair used while learning (baseline_pair). */
static uint64_t baseline_key(uint64_t pair)
{
    return bl_hash_u64(pair, 0xba5e9a12ULL);
}

/* Whether the source reached the destination while learning by an admin-level method other
 * than m: the jump host that administers a server over network logons opening a remote
 * desktop to it is the same admin relation by another way, not a new one. The source is
 * asked by its key and by its exact address (0: none): a network logon names the jump host
 * by address, its remote desktop by name. */
static bool admin_elsewise(const lat_state *st, uint64_t src, uint64_t addr, uint64_t dst, method m)
{
    static const method ways[] = {M_ADMIN_LOGON, M_ADMIN_SHARE, M_RDP, M_WINRM};
    const uint64_t srcs[2] = {src, addr};
    for (size_t i = 0; i < sizeof ways / sizeof *ways; i++)
        for (size_t k = 0; k < 2; k++)
            if (ways[i] != m && srcs[k] && dst &&
                bl_map_get(&st->pairs, baseline_key(pair_key(TS_STR_NULL, srcs[k], dst, ways[i]))))
                return true;
    return false;
}

/* Learning has ended: the edges kept while young are judged once, knowing the whole
 * learning period. One whose source went on to make more than `established` new pairs
 * of its method (a jump host, an admin's daily round) or that recurred on another day is
 * routine and dropped; the rest are raised as they would have been, lower (their baseline
 * was young) unless the edge itself came after learning and only arrived out of order. */
static void look_back(lat_state *st, const ts_alert_sink *out)
{
    for (uint32_t i = 0; i < st->n_held; i++) {
        held *h = &st->held[i];
        const uint32_t *made = bl_map_get(&st->actors, h->actor);
        const uint32_t *pop = h->src ? bl_map_get(&st->shared, h->src) : NULL;
        /* A source that many accounts turned out to log on from (a VPN pool the first
           remote workers came in through) is the organisation's way in, as judge says. */
        if (h->recurs || (made && *made > st->established) || (pop && *pop >= st->shared_accounts) ||
            admin_elsewise(st, h->src, h->addr, h->dst, (method)h->m)) {
            ts_alert_free(h->a);
        } else {
            if (!young(st, h->ts))
                h->a->severity = (uint8_t)(h->a->severity + 20);
            out->emit(out->ud, h->a);
        }
        h->a = NULL;
    }
    st->n_held = 0;
}

/* ---- fan-out -------------------------------------------------------------------------- */

/* Counts the edge's destination for actor: its source host (by_user false) or account. */
static void fanout(lat_state *st, const edge *e, uint64_t actor, bool by_user, const ts_alert_sink *out)
{
    const ts_event *ev = e->ev;
    fan_hist *f = bl_map_put(&st->fan, actor, ev->ts_ns, NULL);
    if (!f)
        return;
    if (!f->win_start || ev->ts_ns - f->win_start > st->window_ns || ev->ts_ns < f->win_start) {
        if (f->cur.n) {
            f->n_windows++;
            if (f->cur.n > f->hist_max)
                f->hist_max = f->cur.n;
        }
        memset(&f->cur, 0, sizeof f->cur);
        f->win_start = ev->ts_ns;
        f->alerted = 0;
    }
    if (!bl_distinct_add(&f->cur, (uint32_t)e->dst.h) || f->alerted)
        return;
    double need = st->factor * f->hist_max;
    if (f->cur.n < st->min_fanout || f->cur.n < need)
        return;
    f->alerted = 1;
    if (!f->n_windows)
        return; /* no history to judge against: this window becomes it */
    bool yng = f->n_windows < st->min_windows;
    char hist[96], who[128], name[96];
    if (by_user)
        snprintf(who, sizeof who, "account %.*s", TS_STR_CUT(ev->user, 100));
    else
        snprintf(who, sizeof who, "host %s", end_text(&e->src, name, sizeof name));
    if (yng)
        snprintf(hist, sizeof hist, "baseline young: %u earlier windows", (unsigned)f->n_windows);
    else
        snprintf(hist, sizeof hist, "its most before: %u", (unsigned)f->hist_max);
    bl_emit(out, DET, ev, yng ? 40 : 65, "T1021", ts_fmt_alloc("lateral|fanout|%s", who),
            ts_fmt_alloc("%s reached %u internal hosts within %.0f min (%s)", who, (unsigned)f->cur.n,
                         (double)st->window_ns / (60.0 * BL_NS), hist));
}

/* ---- the accounts' own ways ------------------------------------------------------------ */

static uint64_t desk_key(ts_str user, uint64_t host)
{
    return bl_hash(user, bl_hash_u64(host, 0xde5c));
}

static uint64_t addr_key(ts_str user, const ts_ip *ip)
{
    return bl_hash(user, bl_hash_ip(ip, BL_SEED ^ 0xadd));
}

static uint64_t ours_key(uint64_t host)
{
    return bl_hash_u64(host, 0x0c5);
}

/* A machine some account logs on to at its console: a desk, never a jump host or server. */
static uint64_t console_key(uint64_t host)
{
    return bl_hash_u64(host, 0xc0501e);
}

static bool way_known(const lat_state *st, uint64_t key)
{
    return bl_map_get(&st->ways, key) != NULL;
}

/* An account's remote or network logon to a host it logs on to at the console, from an
 * address (not a client name: a home computer's is anything) it logged on from before. A
 * network sensor's RDP names addresses only: the desk is then an address the account's own
 * logons come from (its office PC), and the source one it came from too (its VPN session). */
static bool own_desk(const lat_state *st, const edge *e)
{
    const ts_event *ev = e->ev;
    if ((e->m != M_RDP && e->m != M_ADMIN_LOGON) || !e->dst.exact || !ev->src_ip.v ||
        system_account(ev->user))
        return false;
    if (!e->src.name.n)
        return e->m == M_RDP && !e->dst.name.n && ts_ip_set(&e->dst.ip) &&
               !ts_ip_eq(&e->dst.ip, &ev->src_ip) && way_known(st, addr_key(ev->user, &e->dst.ip)) &&
               way_known(st, addr_key(ev->user, &ev->src_ip));
    if (way_known(st, ours_key(e->src.exact)))
        return false;
    return way_known(st, desk_key(ev->user, e->dst.exact)) && way_known(st, addr_key(ev->user, &ev->src_ip));
}

/* Learns, after the logon was judged, the account's desk (console logons: interactive,
 * unlock, cached) and the address it came from. */
static void learn_ways(lat_state *st, const ts_event *ev)
{
    end here = {0};
    set_end(&here, ev->host, NULL, false);
    if (here.exact) /* a machine of ours: it logs logons */
        bl_set_add(&st->ways, ours_key(here.exact), ev->ts_ns);
    if (ev->logon_type == 2 || ev->logon_type == 7 || ev->logon_type == 11) {
        end dst = {0};
        set_end(&dst, ev->host, NULL, false);
        if (dst.exact) {
            bl_set_add(&st->ways, desk_key(ev->user, dst.exact), ev->ts_ns);
            bl_set_add(&st->ways, console_key(dst.exact), ev->ts_ns);
        }
    } else if (ev->src_ip.v && !loopback(&ev->src_ip)) {
        bl_set_add(&st->ways, addr_key(ev->user, &ev->src_ip), ev->ts_ns);
    }
}

/* ---- edges ------------------------------------------------------------------------------ */

/* The edge's source machine as an admin source (its key in actors); 0: none to name. */
static uint64_t source_actor(const edge *e)
{
    return e->src.exact && e->dst.h ? bl_hash_u64(e->src.exact ^ 0xba5e11e5ULL, e->m) : 0;
}

/* A logon id on the host that logged it. */
static uint64_t logon_key(const ts_event *ev, ts_str id)
{
    return bl_hash(id, name_hash(ev->host));
}

/* Notes the session an edge with a named source opened on its destination. */
static void session_opened(lat_state *st, const edge *e, bool known)
{
    if (!e->src.h || !e->dst.exact || e->m == M_CONN)
        return;
    const ts_event *ev = e->ev;
    session *s = &st->sess[e->dst.exact % SESSION_SLOTS];
    if (s->host == e->dst.exact && s->ts > ev->ts_ns)
        return; /* a newer session there already */
    /* A session from a desk is never one whose PsExec waits for learning to end: a
       workstation is where a foothold is. */
    uint64_t via = way_known(st, console_key(e->src.exact)) ? 0 : source_actor(e);
    ts_str id = ts_event_field(ev, "TargetLogonId");
    uint64_t desktop = e->m == M_RDP && ev->has_code && id.n && ev->host.n ? logon_key(ev, id) | 1 : 0;
    *s = (session){e->dst.exact, ev->ts_ns, via, bl_hash(ev->user, BL_SEED), desktop, known};
}

/* 4634/4647: a remote desktop noted in sess ended. */
static void session_closed(lat_state *st, const ts_event *ev)
{
    ts_str id = ts_event_field(ev, "TargetLogonId");
    if (!id.n || !ev->host.n)
        return;
    uint64_t host = name_hash(ev->host);
    session *s = &st->sess[host % SESSION_SLOTS];
    if (s->host == host && s->logon == (logon_key(ev, id) | 1))
        s->logon = 0;
}

/* Whether the edge's source, this very machine (its name, else its exact address: not its
 * /24, which a server an intruder holds may share with the jump hosts), reached
 * `established` distinct hosts this way while the detector was learning: an admin source
 * of the baseline. Counted while learning only, so a foothold never becomes one. */
static bool baseline_source(lat_state *st, const edge *e, bool yng)
{
    uint64_t actor = source_actor(e);
    if (!actor)
        return false;
    if (yng && bl_set_add(&st->pairs, bl_hash_u64(bl_hash_u64(e->src.exact ^ 0xba5e11e5ULL, e->dst.h), e->m),
                          e->ev->ts_ns)) {
        uint32_t *n = bl_map_put(&st->actors, actor, e->ev->ts_ns, NULL);
        if (n && *n < UINT32_MAX)
            (*n)++;
    }
    const uint32_t *n = bl_map_get(&st->actors, actor);
    return n && *n >= st->established;
}

/* Whether the edge's pair (this source to this host this way) was used while the detector
 * was learning, asked once learning has ended: a path of the baseline, such as an admin's
 * own desk to the jump host every morning. While learning, it notes the pair as such;
 * a path first taken after learning never becomes one. */
static bool baseline_pair(lat_state *st, uint64_t pair, bool yng, int64_t ts)
{
    uint64_t key = baseline_key(pair);
    if (yng) {
        bl_set_add(&st->pairs, key, ts);
        return false;
    }
    return bl_map_get(&st->pairs, key) != NULL;
}

/* Whether something run on a host by a party the event does not name (a PsExec-like service)
 * came within session_window after an admin session over a known path: from a source of the
 * baseline (a jump host, an admin's desk: baseline_source), over a pair of the baseline
 * (baseline_pair), from a shared pool, or to the account's own desk. An administrator's own session running
 * PsExec is their tool on their round, whichever host it lands on first. A foothold's PsExec comes with its
 * own logon, from a machine that reached no hosts that way while learning, and that is the session it
 * follows. */
static bool rides_known_session(const lat_state *st, const edge *e)
{
    const session *s = e->dst.exact ? &st->sess[e->dst.exact % SESSION_SLOTS] : NULL;
    int64_t ago = s ? e->ev->ts_ns - s->ts : -1;
    return s && s->host == e->dst.exact && s->known && ago >= 0 && ago <= st->session_ns;
}

/* A logon on a host from that host itself (an admin's remote desktop to the machine it sits
 * on, a tool's loopback logon) is the work of whoever already holds a session there: within
 * session_window of that session, or while that account's remote desktop there is open (its
 * logoff not yet seen: the admin works on the jump host for minutes before reaching further),
 * it carries the session on, as it came. */
static void session_goes_on(lat_state *st, const edge *e)
{
    session *s = e->dst.exact ? &st->sess[e->dst.exact % SESSION_SLOTS] : NULL;
    int64_t ago = s ? e->ev->ts_ns - s->ts : -1;
    if (!s || s->host != e->dst.exact || e->m == M_CONN || ago < 0)
        return;
    if (ago <= st->session_ns || (s->logon && s->user == bl_hash(e->ev->user, BL_SEED)))
        s->ts = e->ev->ts_ns;
}

/* The source machine (its key in actors) of the session a PsExec-like service follows within
 * session_window, known or not yet, if that machine is no desk; 0: none. While learning, a
 * jump host's first rounds come before it has reached `established` hosts: the learning
 * period's own later sessions then tell whether it was a machine of the baseline
 * (look_back). */
static uint64_t session_source(const lat_state *st, const edge *e)
{
    const session *s = e->dst.exact ? &st->sess[e->dst.exact % SESSION_SLOTS] : NULL;
    int64_t ago = s ? e->ev->ts_ns - s->ts : -1;
    return s && s->host == e->dst.exact && ago >= 0 && ago <= st->session_ns ? s->via : 0;
}

static void judge(lat_state *st, edge *e, const ts_alert_sink *out)
{
    const ts_event *ev = e->ev;
    if (e->src.exact && e->src.exact == e->dst.exact) {
        session_goes_on(st, e);
        return;
    }
    if (e->dst.h) {
        if (e->src.exact)
            fanout(st, e, e->src.exact, false, out);
        if (e->m != M_CONN && !system_account(ev->user))
            fanout(st, e, bl_hash(ev->user, BL_SEED ^ 0x13), true, out);
    }
    if (e->m == M_CONN)
        return;
    if (!e->src.h && e->m == M_SERVICE && rides_known_session(st, e))
        return; /* the admin's session that just reached this host ran it */
    uint64_t pair = pair_key(e->detail, e->src.h, e->dst.h, e->m);
    /* Only for a source known by its address alone: a pool hands the same account a new one
       each session; a named machine is the same machine, and its pair is what recurs. */
    uint64_t route = !ev->src_host.n && ev->user.n && !system_account(ev->user) && e->dst.h
                         ? bl_hash(ev->user, bl_hash_u64(bl_hash_u64(BL_SEED ^ 0x52, e->dst.h), e->m)) | 1
                         : 0;
    if (st->n_held)
        held_again(st, pair, route, ev->ts_ns);
    /* Without a named source the tool is the source, and one host it ran on makes it a
       known tool: the admins' PsExec stays quiet after its first new host. */
    uint64_t who = e->src.h ? e->src.h : bl_hash(e->detail, BL_SEED ^ 0x21);
    uint64_t actor = bl_hash_u64(who, e->m);
    bool yng = young(st, ev->ts_ns);
    bool path = baseline_pair(st, pair, yng, ev->ts_ns);
    /* the source's exact address, and while learning the pair by it too (admin_elsewise) */
    uint64_t addr = ev->src_ip.v && !loopback(&ev->src_ip) ? bl_hash_ip(&ev->src_ip, BL_SEED ^ 0x12) : 0;
    if (yng && addr && e->src.h && e->m != M_SERVICE && e->m != M_WMI)
        baseline_pair(st, pair_key(e->detail, addr, e->dst.h, e->m), true, ev->ts_ns);
    session_opened(st, e, baseline_source(st, e, yng) || path);
    if (!bl_set_add(&st->pairs, pair, ev->ts_ns))
        return;
    const uint32_t *pop = e->src.h ? bl_map_get(&st->shared, e->src.h) : NULL;
    bool known = (pop && *pop >= st->shared_accounts) /* a VPN pool or terminal server many accounts use */
                 || own_desk(st, e); /* its own desk from its own address: working from home */
    if (known) {
        session_opened(st, e, true);
        return;
    }
    /* PsExec-like services and WMI shells need no baseline: they alert while learning,
       lower and saying so, unless a service followed a session from one of our machines
       that is no desk (a jump host on its first round): kept, with that machine as its
       source, like other new edges, to be judged when learning ends (dropped if the machine
       turned out to be a baseline source); the tool stays unknown meanwhile. */
    uint64_t via = yng && e->m == M_SERVICE && !e->src.h ? session_source(st, e) : 0;
    uint32_t *made = via ? NULL : bl_map_put(&st->actors, actor, ev->ts_ns, NULL);
    if (!via && (!made || (*made)++ >= (e->src.h ? st->established : 1)))
        return;
    /* A new way between a source and a host of the baseline's admin pairs: counted as a new
       pair of its method above, and quiet. */
    if (!yng && admin_elsewise(st, e->src.h, addr, e->dst.h, e->m))
        return;
    bool hold = yng && ((e->m != M_SERVICE && e->m != M_WMI) || via);
    if (hold && st->n_held == HELD_MAX && !via)
        return; /* bounded: the first ones of the learning period are kept */
    if (hold && st->n_held == HELD_MAX)
        hold = false; /* a PsExec no room can keep alerts at once, as it always did */
    int sev = methods[e->m].severity - (yng ? 20 : 0);
    char user[112] = "", src[96], dst[96];
    if (ev->user.n && !system_account(ev->user))
        snprintf(user, sizeof user, " as %.*s", TS_STR_CUT(ev->user, 100));
    end_text(&e->src, src, sizeof src);
    end_text(&e->dst, dst, sizeof dst);
    int dn = (int)ts_utf8_cut(e->detail, 90);
    const char *dp = e->detail.p ? e->detail.p : "";
    ts_alert *a =
        bl_alert(DET, ev, (uint8_t)sev, methods[e->m].tech,
                 ts_fmt_alloc("lateral|%s|%s|%s|%.*s", methods[e->m].name, src, dst, dn, dp),
                 ts_fmt_alloc("new %s %s%s to %s%s%s%.*s: never seen before%s", methods[e->m].what,
                              e->src.h ? "from " : "", e->src.h ? src : "", dst, user, dn ? ", " : "", dn, dp,
                              hold  ? " (seen while the baseline was young, raised when learning ended)"
                              : yng ? " (baseline young)"
                                    : ""));
    if (!a)
        return;
    if (!hold) {
        out->emit(out->ud, a);
        return;
    }
    st->held[st->n_held++] =
        (held){a, pair, via ? via : actor, e->src.h, route, e->dst.h, addr, ev->ts_ns, (uint8_t)e->m, false};
}

/* An edge from the event's source (host name, else address) to the host that logged it. */
static void edge_in(lat_state *st, const ts_event *ev, method m, const ts_alert_sink *out)
{
    edge e = {.ev = ev, .m = m};
    set_end(&e.src, ev->src_host, &ev->src_ip, true);
    set_end(&e.dst, ev->host, &ev->dst_ip, false);
    judge(st, &e, out);
}

/* An edge between two internal addresses (network sensors, Sysmon 3). */
static void edge_net(lat_state *st, const ts_event *ev, method m, const ts_alert_sink *out)
{
    if (!internal(&ev->src_ip, &ev->src_geo) || !internal(&ev->dst_ip, &ev->dst_geo))
        return;
    edge e = {.ev = ev, .m = m};
    set_end(&e.src, TS_STR_NULL, &ev->src_ip, true);
    set_end(&e.dst, TS_STR_NULL, &ev->dst_ip, false);
    judge(st, &e, out);
}

/* Something run on the logging host by a remote party we cannot name. */
static void edge_local(lat_state *st, const ts_event *ev, method m, ts_str detail, const ts_alert_sink *out)
{
    edge e = {.ev = ev, .m = m, .detail = detail};
    set_end(&e.dst, ev->host, NULL, false);
    judge(st, &e, out);
}

static bool admin_port(uint16_t p)
{
    return p == 445 || p == 135 || p == 139 || p == 3389 || p == 5985 || p == 5986 || p == 22;
}

static bool admin_share(ts_str s)
{
    s = ts_str_trim(s);
    return ts_str_iends(s, "\\C$") || ts_str_iends(s, "\\ADMIN$") || ts_str_ieq(s, "C$") ||
           ts_str_ieq(s, "ADMIN$");
}

/* ---- Windows events ----------------------------------------------------------------------- */

/* Counts the accounts logging on from each source, admin or not. */
static void count_shared(lat_state *st, const ts_event *ev)
{
    end src = {0};
    set_end(&src, ev->src_host, &ev->src_ip, true);
    if (!src.h)
        return;
    __builtin_prefetch(bl_map_at(&st->shared, src.h)); /* needed when the account is new there */
    if (!bl_set_add(&st->users, bl_hash(ev->user, src.h), ev->ts_ns))
        return;
    uint32_t *pop = bl_map_put(&st->shared, src.h, ev->ts_ns, NULL);
    if (pop && *pop < UINT32_MAX)
        (*pop)++;
}

static void on_logon(lat_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    if (ev->outcome != TS_OUTCOME_SUCCESS || system_account(ev->user))
        return;
    if (ev->src_ip.v && loopback(&ev->src_ip)) { /* a console logon names 127.0.0.1 */
        learn_ways(st, ev);
        return;
    }
    uint64_t uh = bl_hash(ev->user, BL_SEED);
    if (ev->logon_type == 3)
        __builtin_prefetch(bl_map_at(&st->privs, uh)); /* asked for now, looked in below */
    if (ev->logon_type == 3 || ev->logon_type == 10)
        count_shared(st, ev);
    if (ev->logon_type == 10) {
        edge_in(st, ev, M_RDP, out);
        learn_ways(st, ev);
        return;
    }
    if (ev->logon_type != 3 || (!ev->src_ip.v && !ev->src_host.n)) {
        learn_ways(st, ev);
        return;
    }
    if (bl_map_get(&st->privs, uh)) {
        edge_in(st, ev, M_ADMIN_LOGON, out);
        learn_ways(st, ev);
        return;
    }
    learn_ways(st, ev);
    ts_str id = ts_event_field(ev, "TargetLogonId");
    if (!id.n)
        return;
    uint64_t k = logon_key(ev, id);
    pending *p = &st->pend[k % PENDING_SLOTS];
    p->key = k;
    p->src = ev->src_ip;
    p->src_name_n = (uint8_t)(ev->src_host.n > sizeof p->src_name ? sizeof p->src_name : ev->src_host.n);
    if (p->src_name_n)
        memcpy(p->src_name, ev->src_host.p, p->src_name_n);
    p->user_n = (uint8_t)(ev->user.n > sizeof p->user ? sizeof p->user : ev->user.n);
    memcpy(p->user, ev->user.p, p->user_n);
}

/* 4672: the logon it follows was an admin's; its network logon becomes an edge. */
static void on_privileges(lat_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    if (system_account(ev->user))
        return;
    bl_set_add(&st->privs, bl_hash(ev->user, BL_SEED), ev->ts_ns);
    ts_str id = ts_event_field(ev, "SubjectLogonId");
    uint64_t k = id.n ? logon_key(ev, id) : 0;
    pending *p = &st->pend[k % PENDING_SLOTS];
    if (!k || p->key != k || !p->user_n)
        return;
    pending copy = *p;
    memset(p, 0, sizeof *p); /* consumed: a repeated 4672 finds nothing */
    ts_event e = *ev;
    e.src_ip = copy.src;
    e.src_geo = (ts_geo){{0}, 0, 0};
    e.src_host = ts_str_make(copy.src_name, copy.src_name_n);
    e.user = ts_str_make(copy.user, copy.user_n);
    e.logon_type = 3;
    edge_in(st, &e, M_ADMIN_LOGON, out);
}

/* PsExec's service and look-alikes that run commands through a service they install. */
static bool remote_exec_service(ts_str name, ts_str image)
{
    static const char *const names[] = {"PSEXESVC", "PAExec", "RemComSvc", "csexecsvc", "winexesvc"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (bl_icontains(name, names[i]) || bl_icontains(image, names[i]))
            return true;
    image = ts_str_trim(image);
    if (image.n && image.p[0] == '"')
        image = ts_str_make(image.p + 1, image.n - 1);
    return ts_str_istarts(image, "\\\\") || bl_icontains(image, "\\ADMIN$\\") ||
           bl_icontains(image, "\\C$\\");
}

/* Whether a service binary sits where implants put themselves: directly in the Windows
 * folder or System32 / SysWOW64 (next to what they imitate), in a user-writable folder, or
 * on a share. Vendors install under Program Files or their own folders. */
static bool implant_place(ts_str image)
{
    ts_str p = ts_str_trim(image);
    if (p.n && p.p[0] == '"')
        p = ts_str_make(p.p + 1, p.n - 1);
    if (ts_str_istarts(p, "\\\\") || bl_icontains(p, "\\Users\\") || bl_icontains(p, "\\Temp\\") ||
        bl_icontains(p, "\\ProgramData\\") || bl_icontains(p, "\\AppData\\") ||
        bl_icontains(p, "\\PerfLogs\\"))
        return true;
    static const char *const roots[] = {"%SystemRoot%\\", "%windir%\\", "C:\\Windows\\", "\\SystemRoot\\"};
    size_t skip = 0;
    for (size_t i = 0; i < sizeof roots / sizeof roots[0] && !skip; i++)
        if (ts_str_istarts(p, roots[i]))
            skip = strlen(roots[i]);
    if (!skip)
        return false;
    ts_str rest = ts_str_make(p.p + skip, p.n - skip);
    if (ts_str_istarts(rest, "system32\\") || ts_str_istarts(rest, "SysWOW64\\"))
        rest = ts_str_make(rest.p + 9, rest.n - 9);
    /* The binary's own name ends at the first space (arguments follow). */
    const char *sp = memchr(rest.p, ' ', rest.n);
    size_t n = sp ? (size_t)(sp - rest.p) : rest.n;
    return n && !memchr(rest.p, '\\', n);
}

/* A service name and binary the estate never installed before the learning ended. */
static void new_service(lat_state *st, const ts_event *ev, ts_str name, ts_str image,
                        const ts_alert_sink *out)
{
    ts_str bin = bl_basename(ts_str_trim(image));
    if (!implant_place(image))
        return;
    bool created;
    int64_t *first =
        bl_map_put(&st->services, bl_hash(bin, bl_hash(name, BL_SEED ^ 0x31)), ev->ts_ns, &created);
    if (!first)
        return;
    if (created)
        *first = ev->ts_ns;
    if (young(st, *first) || ev->ts_ns - *first > st->new_service_ns || ev->ts_ns < *first)
        return;
    char host[112];
    int nn = (int)ts_utf8_cut(name, 80), bn = (int)ts_utf8_cut(bin, 120);
    snprintf(host, sizeof host, "%.*s", TS_STR_CUT(ev->host, 100));
    bl_emit(out, DET, ev, 65, "T1543.003,T1569.002",
            ts_fmt_alloc("lateral|new-service|%.*s|%.*s", nn, name.p, bn, bin.p),
            ts_fmt_alloc("service %.*s (%.*s) installed on %s: a service this estate never installed before",
                         nn, name.p, TS_STR_CUT(image, 200), host[0] ? host : "?"));
}

static void on_service(lat_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str name = ts_event_field(ev, "ServiceName");
    ts_str image = ts_event_field(ev, ev->code == 4697 ? "ServiceFileName" : "ImagePath");
    if (!name.n && !image.n)
        return;
    if (remote_exec_service(name, image))
        edge_local(st, ev, M_SERVICE, name.n ? name : bl_basename(image), out);
    else
        new_service(st, ev, name, image, out);
}

static bool shell(ts_str image)
{
    static const char *const names[] = {"cmd.exe",      "powershell.exe", "pwsh.exe",    "rundll32.exe",
                                        "regsvr32.exe", "mshta.exe",      "wscript.exe", "cscript.exe"};
    ts_str b = bl_basename(image);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ts_str_ieq(b, names[i]))
            return true;
    return false;
}

static void on_process(lat_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str parent = bl_basename(ev->parent_process), image = bl_basename(ev->process);
    if (ts_str_ieq(parent, "WmiPrvSE.exe") && shell(ev->process))
        edge_local(st, ev, M_WMI, image, out);
    else if (ts_str_ieq(image, "wsmprovhost.exe"))
        edge_local(st, ev, M_WINRM, image, out);
    else if (ts_str_ieq(parent, "PSEXESVC.exe"))
        edge_local(st, ev, M_SERVICE, parent, out);
}

/* Windows events whose codes say alone what they are (Security and System). */
static void windows_event(lat_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    switch (ev->code) {
    case 4624:
        on_logon(st, ev, out);
        return;
    case 4672:
        on_privileges(st, ev, out);
        return;
    case 4634:
    case 4647:
        session_closed(st, ev);
        return;
    case 5140:
    case 5145:
        if (admin_share(ts_event_field(ev, "ShareName")))
            edge_in(st, ev, M_ADMIN_SHARE, out);
        return;
    case 7045:
    case 4697:
        on_service(st, ev, out);
        return;
    default:
        return;
    }
}

/* Events are routed by what they are (category, type, action), never by which product
 * wrote them: a Suricata flow to port 445 is an edge as a Zeek conn record is. */
static void lat_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    lat_state *st = state;
    /* The learning clock starts at the earliest event, whatever order events come in. */
    if (ev->ts_ns && (!st->first_ns || ev->ts_ns < st->first_ns))
        st->first_ns = ev->ts_ns;
    if (st->n_held && ev->ts_ns && !young(st, ev->ts_ns))
        look_back(st, out);
    if (ts_str_eq(ev->action, "process-created")) {
        on_process(st, ev, out);
        return;
    }
    if (bh_is_connection(ev)) {
        if (ts_str_eq(ev->protocol, "rdp") && (ev->category & TS_CAT_AUTH))
            edge_net(st, ev, M_RDP, out);
        else if (admin_port(ev->dst_port))
            edge_net(st, ev, ev->dst_port == 5985 || ev->dst_port == 5986 ? M_WINRM : M_CONN, out);
        return;
    }
    if (ev->has_code) {
        windows_event(st, ev, out);
        return;
    }
    if (ts_str_eq(ev->action, "network-share-accessed") && admin_share(bh_share(ev)))
        edge_net(st, ev, M_ADMIN_SHARE, out);
}

/* ---- saved state ---------------------------------------------------------------------------- */

/* What it keeps between runs; a damaged blob is refused whole and it learns afresh. */
static const ts_saved_field lat_saved_fields[] = {
    TS_SAVED_FIELD(lat_state, first_ns),
    BL_SAVED_MAP(lat_state, pairs, 0, "pairs"),
    BL_SAVED_MAP(lat_state, fan, 0, "fan-out actors"),
    BL_SAVED_MAP(lat_state, privs, 0, "privileged accounts"),
    BL_SAVED_MAP(lat_state, actors, 0, "actors"),
    BL_SAVED_MAP(lat_state, services, 0, "services"),
    BL_SAVED_MAP(lat_state, shared, 0, "sources"),
    BL_SAVED_MAP(lat_state, users, 0, "account-source logons"),
    BL_SAVED_MAP(lat_state, ways, TS_SAVED_OPTIONAL,
                 "desks and addresses"), /* absent from the state of earlier versions */
    {0},
};
static const ts_saved lat_saved = {DET, MAGIC, lat_saved_fields};

static void lat_fini(void *state)
{
    lat_state *st = state;
    for (uint32_t i = 0; i < st->n_held; i++)
        ts_alert_free(st->held[i].a);
}

const ts_detector ts_detector_lateral = {
    .name = DET,
    .tunables = lat_tunables,
    .summary = "lateral movement: admin-level connections between internal hosts new for the pair "
               "(SMB admin shares, PsExec services, RDP, WinRM, WMI), fan-out past its own history",
    .state_size = sizeof(lat_state),
    .init = lat_init,
    .event = lat_event,
    .fini = lat_fini,
    .saved = &lat_saved,
};
