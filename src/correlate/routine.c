/* routine.c: learning which sources do the same thing to many hosts on a schedule.
 *
 * What is learned, per source (an address, else a host name), behaviour (detector,
 * techniques, direction) and UTC day: roughly how many distinct targets it touched (a
 * 256-bit linear-counting sketch) and at which hours. A day on which it touched at least
 * min_hosts targets is an occasion. A behaviour seen on min_occasions occasions within the
 * horizon is routine at the times of week it usually happens: the hours (one either side)
 * of min_occasions of its occasions, or any day at those hours when it ran on three or more
 * weekdays (a daily job). Days are kept as a table of cells, so input in any time order
 * counts, and the table is bounded: past the horizon, then the oldest days, are forgotten.
 *
 * Which side of an alert is the source: the remote side of an inbound alert, the internal
 * side of an outbound one, either side (each learned on its own) of an internal one. An
 * alert about one host and nobody else (a Sigma rule on a process start, a new service)
 * has the fleet as its source: the same alert, host left out of its key, on many hosts on
 * one day is an occasion (a deployment push, a patch night). Alerts on threat-intelligence
 * indicators or watched networks are never routine: a known actor sweeping the network on
 * a schedule is the opposite of routine.
 *
 * What the events say (ts_routine_event): how many hosts the estate has (the most distinct
 * internal addresses in connections, or host names logging, on one day), and which inside
 * addresses sweep it (connections to many internal hosts on one day: scanners, inventory,
 * monitoring). min_hosts is lowered to min_share of the estate, not below min_floor, so a
 * small site's deployment push to its 9 workstations is an occasion as a large site's to
 * 900 is. A sweeper's alerts need not touch many hosts themselves: the scanner's one SSH
 * brute force per Linux server, coming with its sweeps on min_occasions occasions at its
 * usual time, is its routine too. A sweep is counted in a small table of the day's
 * candidates first, so the workstations that reach a few servers each take no cells.
 *
 * Popular destinations, as RITA weighs prevalence: an outside address or name that as many
 * internal hosts reach on one day as make an occasion is where everybody goes (a social
 * network, the mail provider), and regular contact with it is people's habit, not an
 * implant's. Only the detectors listed in `popular_detectors` (timing detectors: beacon)
 * are judged so: a large upload to a popular cloud store is no less an exfiltration.
 *
 * A host's habit: an alert about one host alone, of a detector in `habit_detectors`, that
 * came with the same key on habit_days distinct days (the same encoded script, which the
 * powershell detector keys by what it runs, started on an admin's workstation by its
 * scheduled task or by the admin every few days). Its days are cells of the alert's whole
 * key; another script on that host, or the same on another host, has cells of its own. */
#include "correlate/routine.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/event.h"
#include "core/hash.h"
#include "core/ip.h"
#include "core/str.h"
#include "core/vec.h"

#define NS_HOUR 3600000000000LL
#define NS_DAY (24 * NS_HOUR)
#define SKETCH_BITS 256

typedef struct cell {
    uint64_t src, beh; /* 0 src: empty */
    int32_t day;       /* days since the epoch, UTC */
    uint32_t hours;    /* bit h: seen at h:00-h:59 UTC */
    uint8_t sketch[SKETCH_BITS / 8];
} cell;

typedef struct named {
    ts_ip net;
    uint8_t prefix; /* 0 with net unset: pattern is a host-name glob */
    char *pattern, *kind, *reason;
} named;

/* A source's internal connections today, before it touched enough hosts to take a cell. */
typedef struct candidate {
    uint64_t src;
    int32_t day;
    uint32_t hours;
    uint8_t sketch[SKETCH_BITS / 8];
} candidate;

#define CANDIDATES 4096 /* direct-mapped; a busier source keeps its slot */
#define PROMOTE 6       /* distinct hosts that make a candidate a sweep cell */

/* Behaviours of the cells the events fill (no detector's behaviour hashes to these). */
#define BEH_SWEEP 0x5357454550000001ULL   /* inside address -> internal hosts it connected to */
#define BEH_ESTATE 0x4553544154450001ULL  /* the estate: addresses (src 1) or host names (src 3) */
#define BEH_POPULAR 0x504f50554c410001ULL /* outside destination <- internal hosts that reached it */

struct ts_routine {
    uint32_t min_hosts, min_occasions, horizon_days, min_floor;
    double min_share;
    size_t max_cells;
    cell *cells; /* open addressing, linear probing; cap a power of two */
    size_t cap, n;
    int32_t newest_day;
    uint64_t forgotten;
    named *names;
    size_t n_names, cap_names;
    candidate *cand;                                    /* CANDIDATES slots: sweeps */
    candidate *dest;                                    /* CANDIDATES slots: outside destinations */
    char *popular_detectors;                            /* comma-separated */
    char *habit_detectors;                              /* comma-separated */
    char *habit_technique_detectors, *habit_techniques; /* a habit only when of these techniques */
    char *fleet_habit_keys;                             /* key prefixes: alerts that name what ran */
    char *cover_detectors; /* their alerts are routine when routine alerts cover their events */
    uint32_t habit_days, fleet_habit_hosts;
};

/* ---- the named sources ----------------------------------------------------------------- */

static char *dup_n(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = 0;
    }
    return s;
}

/* "MATCH<TAB>KIND<TAB>REASON" lines; '#' comments. */
static int load_names(ts_routine *r, const char *path, ts_diag_fn diag, void *ud)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[1024];
    unsigned no = 0;
    int oom = 0;
    while (!oom && fgets(line, sizeof line, f)) {
        no++;
        size_t len = strcspn(line, "\r\n");
        line[len] = 0;
        if (!len || line[0] == '#')
            continue;
        char *t1 = memchr(line, '\t', len), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t1 || !t2 || t1 == line || t2 == t1 + 1 || !t2[1]) {
            ts_diag_say(diag, ud, path, no, 0, TOCSIN_E_PARSE,
                        "a routine source is MATCH<TAB>KIND<TAB>REASON; line skipped");
            continue;
        }
        if (!ts_vec_grow(r->names, r->cap_names, r->n_names + 1, TS_VEC_NOCAP)) {
            oom = 1;
            break;
        }
        named *e = &r->names[r->n_names];
        memset(e, 0, sizeof *e);
        if (!ts_cidr_parse(ts_str_make(line, (size_t)(t1 - line)), &e->net, &e->prefix))
            memset(&e->net, 0, sizeof e->net), e->prefix = 0;
        e->pattern = dup_n(line, (size_t)(t1 - line));
        e->kind = dup_n(t1 + 1, (size_t)(t2 - t1 - 1));
        e->reason = strdup(t2 + 1);
        r->n_names++;
        if (!e->pattern || !e->kind || !e->reason)
            oom = 1;
    }
    fclose(f);
    return oom ? -1 : 0;
}

static int in_net(const named *e, const ts_ip *ip)
{
    if (!ts_ip_set(&e->net) || !ts_ip_set(ip) || e->net.v != ip->v)
        return 0;
    unsigned full = e->prefix / 8u, rest = e->prefix % 8u;
    if (memcmp(e->net.b, ip->b, full) != 0)
        return 0;
    return !rest || ((e->net.b[full] ^ ip->b[full]) & (uint8_t)(0xff00u >> rest)) == 0;
}

static const named *named_source(const ts_routine *r, const ts_ip *ip, const char *host)
{
    for (size_t i = 0; i < r->n_names; i++) {
        const named *e = &r->names[i];
        if (ts_ip_set(&e->net) ? in_net(e, ip) : host && fnmatch(e->pattern, host, FNM_CASEFOLD) == 0)
            return e;
    }
    return NULL;
}

/* ---- set-up ------------------------------------------------------------------------------ */

typedef struct routine_settings {
    double min_hosts, min_floor, min_share, min_occasions, horizon, max_cells;
    double habit_days, fleet_habit_hosts;
    const char *sources, *popular_detectors, *habit_detectors, *habit_technique_detectors, *habit_techniques,
        *fleet_habit_keys, *cover_detectors;
} routine_settings;

const ts_tunable ts_routine_tunables[] = {
    TS_TUNE(routine_settings, min_hosts, TS_TUNE_COUNT, 20, 2, 1000),
    TS_TUNE(routine_settings, min_floor, TS_TUNE_COUNT, 5, 2, 1000),
    TS_TUNE(routine_settings, min_share, TS_TUNE_NUM, 0.25, 0.01, 1),
    TS_TUNE(routine_settings, min_occasions, TS_TUNE_COUNT, 3, 1, 60),
    TS_TUNE(routine_settings, horizon, TS_TUNE_SECONDS, 56 * 86400.0, 86400, 366 * 86400.0),
    TS_TUNE(routine_settings, max_cells, TS_TUNE_COUNT, 65536, 1024, 1 << 24),
    TS_TUNE_STR(routine_settings, sources, NULL),
    TS_TUNE_STR(routine_settings, popular_detectors, "beacon"),
    TS_TUNE_STR(routine_settings, habit_detectors, "powershell, bursts"),
    TS_TUNE(routine_settings, habit_days, TS_TUNE_COUNT, 4, 2, 60),
    TS_TUNE_STR(routine_settings, habit_technique_detectors, "sigma"),
    TS_TUNE_STR(routine_settings, habit_techniques,
                "T1007, T1016, T1018, T1033, T1049, T1057, T1069, T1082, T1087, T1135, T1201, T1482, T1615"),
    TS_TUNE_STR(routine_settings, fleet_habit_keys, "powershell|encoded|"),
    TS_TUNE(routine_settings, fleet_habit_hosts, TS_TUNE_COUNT, 2, 2, 1000),
    TS_TUNE_STR(routine_settings, cover_detectors, "sigma"),
    {0},
};

ts_routine *ts_routine_new(const ts_config *c, const char *data_dir, ts_diag_fn diag, void *ud)
{
    ts_routine *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    routine_settings k;
    /* a value out of bounds keeps its default: the session refused it at open */
    (void)ts_tune_read(c, "routine", ts_routine_tunables, &k);
    r->min_hosts = (uint32_t)k.min_hosts;
    r->min_floor = (uint32_t)k.min_floor;
    r->min_share = k.min_share;
    r->cand = calloc(CANDIDATES, sizeof *r->cand);
    r->dest = calloc(CANDIDATES, sizeof *r->dest);
    r->popular_detectors = strdup(k.popular_detectors);
    r->habit_detectors = strdup(k.habit_detectors);
    r->habit_days = (uint32_t)k.habit_days;
    r->habit_technique_detectors = strdup(k.habit_technique_detectors);
    r->habit_techniques = strdup(k.habit_techniques);
    r->fleet_habit_keys = strdup(k.fleet_habit_keys);
    r->fleet_habit_hosts = (uint32_t)k.fleet_habit_hosts;
    r->cover_detectors = strdup(k.cover_detectors);
    if (!r->cand || !r->dest || !r->popular_detectors || !r->habit_detectors ||
        !r->habit_technique_detectors || !r->habit_techniques || !r->fleet_habit_keys ||
        !r->cover_detectors) {
        ts_routine_free(r);
        return NULL;
    }
    r->min_occasions = (uint32_t)k.min_occasions;
    r->horizon_days = (uint32_t)(k.horizon / 86400);
    r->max_cells = (size_t)k.max_cells;
    const char *path = k.sources;
    char buf[4096];
    if (!path && data_dir) {
        snprintf(buf, sizeof buf, "%s/routine/sources.tsv", data_dir);
        path = buf;
    }
    if (path && load_names(r, path, diag, ud) != 0) {
        ts_routine_free(r);
        return NULL;
    }
    return r;
}

void ts_routine_free(ts_routine *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_names; i++)
        free(r->names[i].pattern), free(r->names[i].kind), free(r->names[i].reason);
    free(r->names);
    free(r->cells);
    free(r->cand);
    free(r->dest);
    free(r->popular_detectors);
    free(r->habit_detectors);
    free(r->habit_technique_detectors);
    free(r->habit_techniques);
    free(r->fleet_habit_keys);
    free(r->cover_detectors);
    free(r);
}

/* ---- the table of cells -------------------------------------------------------------------- */

static size_t slot_of(const ts_routine *r, uint64_t src, uint64_t beh, int32_t day)
{
    uint64_t h = ts_hash(ts_hash(ts_hash(TS_HASH_SEED, &src, 8), &beh, 8), &day, 4);
    size_t i = (size_t)h & (r->cap - 1);
    while (r->cells[i].src && !(r->cells[i].src == src && r->cells[i].beh == beh && r->cells[i].day == day))
        i = (i + 1) & (r->cap - 1);
    return i;
}

static const cell *find(const ts_routine *r, uint64_t src, uint64_t beh, int32_t day)
{
    if (!r->cap)
        return NULL;
    const cell *c = &r->cells[slot_of(r, src, beh, day)];
    return c->src ? c : NULL;
}

/* Rebuilds the table at cap, keeping the cells of days >= oldest. */
static int rehash(ts_routine *r, size_t cap, int32_t oldest)
{
    cell *old = r->cells;
    size_t ocap = r->cap;
    cell *nc = calloc(cap, sizeof *nc);
    if (!nc)
        return -1;
    r->cells = nc, r->cap = cap, r->n = 0;
    for (size_t i = 0; i < ocap; i++) {
        if (!old[i].src)
            continue;
        if (old[i].day < oldest) {
            r->forgotten++;
            continue;
        }
        r->cells[slot_of(r, old[i].src, old[i].beh, old[i].day)] = old[i];
        r->n++;
    }
    free(old);
    return 0;
}

/* Room for one more cell: past the horizon first, then the oldest days, a quarter at a time. */
static int make_room(ts_routine *r)
{
    if (r->n + 1 <= r->cap / 2)
        return 0;
    if (r->cap < 2 * r->max_cells)
        return rehash(r, r->cap ? r->cap * 2 : 1024, INT32_MIN);
    int32_t oldest = r->newest_day - (int32_t)r->horizon_days;
    while (1) {
        size_t keep = 0;
        for (size_t i = 0; i < r->cap; i++)
            keep += r->cells[i].src && r->cells[i].day >= oldest;
        if (keep <= r->max_cells * 3 / 4)
            break;
        oldest++;
    }
    return rehash(r, r->cap, oldest);
}

static cell *put(ts_routine *r, uint64_t src, uint64_t beh, int32_t day)
{
    if (make_room(r) != 0)
        return NULL;
    cell *c = &r->cells[slot_of(r, src, beh, day)];
    if (!c->src) {
        memset(c, 0, sizeof *c);
        c->src = src, c->beh = beh, c->day = day;
        r->n++;
    }
    return c;
}

static void mark_target(uint8_t *sketch, uint64_t t)
{
    t = (t ^ (t >> 33)) * 0xff51afd7ed558ccdULL; /* FNV's low bits are poor on near names */
    t ^= t >> 33;
    sketch[(t % SKETCH_BITS) / 8] |= (uint8_t)(1u << (t % 8));
}

static double distinct(const cell *c)
{
    unsigned zeros = 0;
    for (size_t i = 0; i < sizeof c->sketch; i++)
        zeros += 8u - (unsigned)__builtin_popcount(c->sketch[i]);
    if (!zeros)
        return SKETCH_BITS * log(SKETCH_BITS); /* saturated: "more than ~1,400" */
    return -SKETCH_BITS * log((double)zeros / SKETCH_BITS);
}

/* ---- the sides of an alert ----------------------------------------------------------------- */

typedef struct side {
    uint64_t src; /* hash of the source's identity */
    char name[TS_IP_STRLEN + 128];
    const ts_ip *ip; /* for named sources */
    const char *host;
    char target[TS_IP_STRLEN + 128];
    uint8_t remote; /* 1: the alert's remote side is the source */
} side;

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b < 0);
}

static uint64_t behaviour(const ts_alert *a)
{
    uint64_t h = ts_hash_str(ts_hash_str(TS_HASH_SEED, a->detector), a->techniques);
    uint8_t d = (uint8_t)a->direction;
    return ts_hash(h, &d, 1);
}

/* The same by technique family (T1110.001 and T1110.003 are both T1110): what a sweeper's
 * alerts are compared on, since which sub-technique a scan's failures look like (guessing
 * one account, spraying many) changes from week to week with what answers. */
static uint64_t family(const ts_alert *a)
{
    uint64_t h = ts_hash_str(TS_HASH_SEED ^ 0x46414d, a->detector);
    for (const char *t = a->techniques; t && *t;) {
        size_t n = strcspn(t, ",."), all = strcspn(t, ",");
        h = ts_hash(h, t, n);
        h = ts_hash(h, ",", 1);
        t += all + (t[all] == ',');
    }
    uint8_t d = (uint8_t)a->direction;
    return ts_hash(h, &d, 1);
}

static bool listed(const char *list, const char *name);

static bool habit_kind(const ts_routine *r, const ts_alert *a);

/* A habit's source: the alert's whole key, host included (the same thing on the same host). */
static uint64_t habit_src(const ts_alert *a)
{
    return ts_hash_str(TS_HASH_SEED ^ 0x484142, a->key) | 1;
}
/* The behaviour of a lesser instance's day (ts_routine_habit): whatever techniques the alert
   itself would name, the key says what it is. */
#define HABIT_NOTE_BEH 0x4e4f5445ULL
/* The behaviour of a command line's days (command_src). Its sketch holds no targets but the
 * day's count of events (bytes 0-3) and the last event's id (bytes 8-15): the rules one
 * event trips come one after another, and count once. */
#define BEH_COMMAND 0x434f4d4d414e4401ULL

/* A command line's identity on its host: who ran what, from which parent, with which
 * arguments, there (case-blind for the host). 0 when the event named no command line. */
static uint64_t command_src(const char *host, const ts_alert_hit *h)
{
    if (!host || !h->command_line || !h->command_line[0])
        return 0;
    uint64_t k = ts_hash_fold(TS_HASH_SEED ^ 0x434d44, host, strlen(host));
    const char *f[4] = {h->user, h->process, h->parent, h->command_line};
    for (size_t i = 0; i < 4; i++)
        k = ts_hash(ts_hash_str(k, f[i] ? f[i] : ""), "|", 1);
    return k | 1;
}

static uint64_t event_id(const ts_alert_hit *h)
{
    uint64_t k = ts_hash_str(TS_HASH_SEED, h->file ? h->file : "");
    k = ts_hash(ts_hash(k, &h->line, sizeof h->line), &h->record, sizeof h->record);
    return ts_hash(k, &h->ts_ns, sizeof h->ts_ns);
}

/* The candidate sources of a (at most two), with their targets. */
static size_t sides(const ts_alert *a, side out[2])
{
    size_t n = 0;
    char ip[TS_IP_STRLEN];
    if (a->kind == TS_EV_INDICATOR || a->kind == TS_EV_HOME_NETWORK)
        return 0;
    /* the remote side as the source, the internal side its target */
    if (ts_ip_set(&a->remote_ip) && a->direction != TS_DIR_OUTBOUND &&
        (a->internal_host || ts_ip_set(&a->internal_ip))) {
        side *s = &out[n++];
        snprintf(s->name, sizeof s->name, "%s", ts_ip_format(&a->remote_ip, ip));
        s->ip = &a->remote_ip, s->host = NULL, s->remote = 1;
        snprintf(s->target, sizeof s->target, "%s",
                 a->internal_host ? a->internal_host : ts_ip_format(&a->internal_ip, ip));
    }
    /* the internal side as the source, the remote side its target */
    if ((ts_ip_set(&a->internal_ip) || a->internal_host) && a->direction != TS_DIR_INBOUND &&
        (ts_ip_set(&a->remote_ip) || a->remote_name)) {
        side *s = &out[n++];
        snprintf(s->name, sizeof s->name, "%.*s", 127,
                 ts_ip_set(&a->internal_ip) ? ts_ip_format(&a->internal_ip, ip) : a->internal_host);
        s->ip = &a->internal_ip, s->host = a->internal_host, s->remote = 0;
        snprintf(s->target, sizeof s->target, "%.*s", 127,
                 ts_ip_set(&a->remote_ip) ? ts_ip_format(&a->remote_ip, ip) : a->remote_name);
    }
    /* About one host alone: the fleet is the source, the alert's key without the host
       ("sigma|RULE|*") the name, the host the target. */
    if (!n && a->internal_host && a->key) {
        side *s = &out[n++];
        const char *h = strstr(a->key, a->internal_host);
        size_t hl = strlen(a->internal_host);
        if (h)
            snprintf(s->name, sizeof s->name, "%.*s*%.*s", (int)(h - a->key), a->key, 60, h + hl);
        else
            snprintf(s->name, sizeof s->name, "%s", a->key);
        s->ip = NULL, s->host = NULL, s->remote = 2;
        snprintf(s->target, sizeof s->target, "%.*s", 127, a->internal_host);
    }
    /* The side is part of the identity: a detector always puts its actor on the same side,
       so the deployment server's targets, seen on the other side, learn nothing from it. */
    for (size_t i = 0; i < n; i++)
        out[i].src = ts_hash_str(ts_hash(TS_HASH_SEED, &out[i].remote, 1), out[i].name) |
                     1; /* 0 marks an empty cell */
    return n;
}

void ts_routine_observe(ts_routine *r, const ts_alert *a)
{
    side s[2];
    size_t n = r ? sides(a, s) : 0;
    if (!n || a->first_ns <= 0)
        return;
    int32_t day = (int32_t)floor_div(a->first_ns, NS_DAY);
    unsigned hour = (unsigned)(floor_div(a->first_ns, NS_HOUR) % 24);
    if (day > r->newest_day)
        r->newest_day = day;
    if (day < r->newest_day - (int32_t)r->horizon_days)
        return;                                 /* older than anything it would still weigh */
    if (s[0].remote == 2 && habit_kind(r, a)) { /* the days this very alert came */
        cell *c = put(r, habit_src(a), behaviour(a), day);
        if (!c)
            return;
        c->hours |= 1u << hour;
    }
    uint64_t cmd = s[0].remote == 2 && a->n_hits && listed(r->cover_detectors, a->detector)
                       ? command_src(a->internal_host, &a->hits[0])
                       : 0;
    if (cmd) { /* the day's events of this command line, whichever rules it tripped */
        cell *c = put(r, cmd, BEH_COMMAND, day);
        if (!c)
            return;
        uint64_t ev = event_id(&a->hits[0]), prev;
        uint32_t count;
        memcpy(&prev, c->sketch + 8, 8);
        memcpy(&count, c->sketch, 4);
        if (prev != ev || !count) {
            count += count < UINT32_MAX;
            memcpy(c->sketch, &count, 4);
            memcpy(c->sketch + 8, &ev, 8);
        }
        c->hours |= 1u << hour;
    }
    uint64_t beh[2] = {behaviour(a), family(a)};
    for (size_t i = 0; i < n; i++)
        for (size_t b = 0; b < (s[i].ip ? 2u : 1u); b++) { /* families: for sweepers, by address */
            cell *c = put(r, s[i].src, beh[b], day);
            if (!c)
                return;
            mark_target(c->sketch, ts_hash_str(TS_HASH_SEED, s[i].target));
            c->hours |= 1u << hour;
        }
}

void ts_routine_habit(ts_routine *r, const char *key, int64_t ts_ns)
{
    if (!r || !key || ts_ns <= 0)
        return;
    int32_t day = (int32_t)floor_div(ts_ns, NS_DAY);
    if (day > r->newest_day)
        r->newest_day = day;
    if (day < r->newest_day - (int32_t)r->horizon_days)
        return;
    ts_alert a = {.key = (char *)key};
    cell *c = put(r, habit_src(&a), HABIT_NOTE_BEH, day);
    if (c)
        c->hours |= 1u << (unsigned)(floor_div(ts_ns, NS_HOUR) % 24);
}

/* ---- what the events say: the estate and its sweepers -------------------------------------- */

static bool inside(const ts_ip *ip, const ts_geo *g)
{
    if (!ip->v)
        return false;
    return (g->flags & TS_NET_KNOWN) ? (g->flags & TS_NET_INTERNAL) != 0 : ts_ip_is_internal_default(ip);
}

static uint64_t ip_hash(uint64_t seed, const ts_ip *ip)
{
    return ts_hash(ts_hash(seed, &ip->v, 1), ip->b, sizeof ip->b);
}

static uint64_t sweep_src(const ts_ip *ip)
{
    return ip_hash(TS_HASH_SEED ^ 0x5357, ip) | 1;
}

static uint64_t dest_ip(const ts_ip *ip)
{
    return ip_hash(TS_HASH_SEED ^ 0x504f50, ip) | 1;
}

/* A destination name, case-blind, without a trailing dot. */
static uint64_t dest_name(const char *p, size_t n)
{
    uint64_t h = TS_HASH_SEED ^ 0x4e414d45;
    while (n && p[n - 1] == '.')
        n--;
    return ts_hash_fold(h, p, n) | 1;
}

static void estate_add(ts_routine *r, uint64_t src, int32_t day, uint64_t target)
{
    cell *c = put(r, src, BEH_ESTATE, day);
    if (c)
        mark_target(c->sketch, target);
}

/* One more host src reached (BEH_SWEEP) or was reached by (BEH_POPULAR) today: into its
 * cell, else its slot in the candidates table. A slot whose source reached two or more
 * hosts today is kept from newcomers; a source that finds its slot taken tries again with
 * its next event, and one day with a slot is enough (occasions and prevalence are per day). */
static void count_add(ts_routine *r, candidate *table, uint64_t beh, uint64_t src, int32_t day, unsigned hour,
                      uint64_t target)
{
    cell *c = r->cap ? &r->cells[slot_of(r, src, beh, day)] : NULL;
    if (c && c->src) {
        mark_target(c->sketch, target);
        c->hours |= 1u << hour;
        return;
    }
    candidate *k = &table[(src ^ (src >> 32) ^ (uint64_t)day) % CANDIDATES];
    if (k->src != src || k->day != day) {
        unsigned bits = 0;
        for (size_t i = 0; i < sizeof k->sketch; i++)
            bits += (unsigned)__builtin_popcount(k->sketch[i]);
        if (k->src && k->day >= day && bits >= 2)
            return; /* a busier source of the day holds the slot */
        memset(k, 0, sizeof *k);
        k->src = src, k->day = day;
    }
    mark_target(k->sketch, target);
    k->hours |= 1u << hour;
    unsigned bits = 0;
    for (size_t i = 0; i < sizeof k->sketch; i++)
        bits += (unsigned)__builtin_popcount(k->sketch[i]);
    if (bits < PROMOTE || !(c = put(r, src, beh, day)))
        return;
    memcpy(c->sketch, k->sketch, sizeof c->sketch);
    c->hours |= k->hours;
    memset(k, 0, sizeof *k);
}

void ts_routine_event(ts_routine *r, const ts_event *ev)
{
    if (!r || ev->ts_ns <= 0)
        return;
    int32_t day = (int32_t)floor_div(ev->ts_ns, NS_DAY);
    if (day > r->newest_day)
        r->newest_day = day;
    if (day < r->newest_day - (int32_t)r->horizon_days)
        return;
    if (ev->host.n) { /* the host that logged it, by its first label, case-blind */
        char low[64];
        size_t n = 0;
        while (n < ev->host.n && n < sizeof low && ev->host.p[n] != '.') {
            char ch = ev->host.p[n];
            low[n++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
        }
        estate_add(r, 3, day, ts_hash(TS_HASH_SEED, low, n));
    }
    if (!inside(&ev->src_ip, &ev->src_geo) || !ev->dst_ip.v)
        return;
    unsigned hour = (unsigned)(floor_div(ev->ts_ns, NS_HOUR) % 24);
    uint64_t src = ip_hash(TS_HASH_SEED, &ev->src_ip);
    /* Who goes where: names wherever they are asked (the DNS resolver and the web proxy are
       inside), outside addresses as they are reached. */
    if (ev->domain.n)
        count_add(r, r->dest, BEH_POPULAR, dest_name(ev->domain.p, ev->domain.n), day, hour, src);
    if (!inside(&ev->dst_ip, &ev->dst_geo)) {
        count_add(r, r->dest, BEH_POPULAR, dest_ip(&ev->dst_ip), day, hour, src);
        return;
    }
    if (!(ev->type & TS_TYPE_CONNECTION))
        return;
    uint64_t dst = ip_hash(TS_HASH_SEED, &ev->dst_ip);
    estate_add(r, 1, day, dst);
    estate_add(r, 1, day, src);
    count_add(r, r->cand, BEH_SWEEP, sweep_src(&ev->src_ip), day, hour, dst);
}

/* ---- judging ---------------------------------------------------------------------------------- */

typedef struct pattern {
    unsigned occasions;
    unsigned most;       /* the most targets on one occasion */
    int32_t first, last; /* days of the first and last occasions */
    uint8_t how[7][24];  /* occasions at each hour of the week (Monday 0) */
    uint8_t hod[24];     /* occasions at each hour of the day */
    uint8_t weekdays;    /* bit d: an occasion on weekday d */
} pattern;

static int weekday(int32_t day)
{
    return (int)(((day + 3) % 7 + 7) % 7);
} /* 1970-01-01: Thursday */

/* The hosts that make a day an occasion: min_hosts, or min_share of the estate (the most
 * distinct hosts seen on one day) when that is fewer, not below min_floor; min_hosts when
 * no event said how large the estate is. */
static double need_hosts(const ts_routine *r)
{
    double estate = 0;
    for (int32_t d = r->newest_day - (int32_t)r->horizon_days; d <= r->newest_day; d++)
        for (uint64_t src = 1; src <= 3; src += 2) {
            const cell *c = find(r, src, BEH_ESTATE, d);
            double k = c ? distinct(c) : 0;
            estate = k > estate ? k : estate;
        }
    if (estate < 1)
        return r->min_hosts; /* no events told the estate's size */
    double need = ceil(r->min_share * estate);
    need = need < r->min_hosts ? need : r->min_hosts;
    return need < r->min_floor ? r->min_floor : need;
}

/* Occasions of (src, beh): days it touched need targets; with gate set, only days on which
 * the gate source swept gate_need hosts. */
static void learn_pattern(const ts_routine *r, uint64_t src, uint64_t beh, double need, uint64_t gate,
                          double gate_need, pattern *p)
{
    memset(p, 0, sizeof *p);
    for (int32_t d = r->newest_day - (int32_t)r->horizon_days; d <= r->newest_day; d++) {
        const cell *c = find(r, src, beh, d);
        double k = c ? distinct(c) : 0;
        if (!c || k + 0.5 < need)
            continue;
        if (gate) {
            const cell *g = find(r, gate, BEH_SWEEP, d);
            if (!g || distinct(g) + 0.5 < gate_need)
                continue;
        }
        if (!p->occasions++)
            p->first = d;
        p->last = d;
        if ((unsigned)(k + 0.5) > p->most)
            p->most = (unsigned)(k + 0.5);
        int wd = weekday(d);
        p->weekdays |= (uint8_t)(1u << wd);
        for (int h = 0; h < 24; h++)
            if (c->hours & (1u << h)) {
                p->how[wd][h] += p->how[wd][h] < 255;
                p->hod[h] += p->hod[h] < 255;
            }
    }
}

static int usual_time(const ts_routine *r, const pattern *p, int64_t ns)
{
    int32_t day = (int32_t)floor_div(ns, NS_DAY);
    int wd = weekday(day), h = (int)(floor_div(ns, NS_HOUR) % 24);
    int daily = __builtin_popcount(p->weekdays) >= 3;
    for (int dh = -1; dh <= 1; dh++) {
        int hh = h + dh, w = wd;
        if (hh < 0)
            hh += 24, w = (w + 6) % 7;
        if (hh > 23)
            hh -= 24, w = (w + 1) % 7;
        if (p->how[w][hh] >= r->min_occasions || (daily && p->hod[hh] >= r->min_occasions))
            return 1;
    }
    return 0;
}

static const char *const day_names[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                         "Friday", "Saturday", "Sunday"};

/* "10.0.5.20 touched 140 hosts every Monday 02:00-03:00 UTC over 3 weeks (brute-force
 * T1110.001): a learned routine"; with sweep set, the sweeps it came with. */
static void describe(const pattern *p, const side *s, const ts_alert *a, const named *nm,
                     const pattern *sweep, char *buf, size_t cap)
{
    char when[96] = "", what[160];
    int lo = -1, hi = -1;
    for (int h = 0; h < 24; h++)
        if (p->hod[h])
            hi = h, lo = lo < 0 ? h : lo;
    if (p->occasions) {
        int single = __builtin_popcount(p->weekdays) == 1;
        snprintf(when, sizeof when, " %s%s %02d:00-%02d:00 UTC on %u occasions over %d days",
                 single ? "every " : "", single ? day_names[__builtin_ctz(p->weekdays)] : "daily", lo, hi + 1,
                 p->occasions, p->last - p->first + 1);
    }
    snprintf(what, sizeof what, "%s%s%s", a->detector ? a->detector : "?", a->techniques ? " " : "",
             a->techniques ? a->techniques : "");
    if (nm)
        snprintf(buf, cap, "routine: %s is a %s (%s)%s%s%s, doing %s", s->name, nm->kind, nm->reason,
                 p->occasions ? ";" : "", p->occasions ? " it touched many hosts" : "", when, what);
    else if (sweep)
        snprintf(buf, cap,
                 "routine: %s sweeps the network (up to %u internal hosts a day on %u days); %s came "
                 "with its sweeps%s: learned, not raised",
                 s->name, sweep->most, sweep->occasions, what, when);
    else if (s->remote == 2)
        snprintf(buf, cap,
                 "routine: the same alert (%s) on %u hosts at once%s: a fleet-wide job, learned, not raised",
                 s->name, p->most, when);
    else
        snprintf(buf, cap, "routine: %s touched %u hosts%s, doing %s: learned, not raised", s->name, p->most,
                 when, what);
}

static bool listed(const char *list, const char *name)
{
    ts_str it;
    for (const char *p = list; name && ts_str_next_item(&p, &it);)
        if (it.n == strlen(name) && strncasecmp(it.p, name, it.n) == 0)
            return true;
    return false;
}

/* Whether a may be a host's habit: its detector is in habit_detectors, or in
   habit_technique_detectors (Sigma: rules of every kind) with every technique it names, by
   family (T1087.002 is T1087), in habit_techniques: an admin's discovery commands recur on
   their workstation, an attacker's lateral movement or persistence recurring on a server must
   not become its habit. */
static bool habit_kind(const ts_routine *r, const ts_alert *a)
{
    if (listed(r->habit_detectors, a->detector))
        return true;
    if (!listed(r->habit_technique_detectors, a->detector) || !a->techniques || !a->techniques[0])
        return false;
    ts_str it;
    for (const char *p = a->techniques; ts_str_next_item(&p, &it);) {
        char fam[16];
        size_t n = 0;
        while (n < it.n && n < sizeof fam - 1 && it.p[n] != '.')
            fam[n] = it.p[n], n++;
        fam[n] = 0;
        if (!n || !listed(r->habit_techniques, fam))
            return false;
    }
    return true;
}

/* The most internal hosts that reached the destination on one day of the horizon. */
static double prevalence(const ts_routine *r, uint64_t dest)
{
    double most = 0;
    for (int32_t d = r->newest_day - (int32_t)r->horizon_days; d <= r->newest_day; d++) {
        const cell *c = find(r, dest, BEH_POPULAR, d);
        double k = c ? distinct(c) : 0;
        most = k > most ? k : most;
    }
    return most;
}

/* An outbound alert of a timing detector about a destination everybody goes to. */
static int popular(const ts_routine *r, const ts_alert *a, char *buf, size_t cap)
{
    if (a->direction != TS_DIR_OUTBOUND || !listed(r->popular_detectors, a->detector))
        return 0;
    double need = need_hosts(r), by_ip = ts_ip_set(&a->remote_ip) ? prevalence(r, dest_ip(&a->remote_ip)) : 0;
    double by_name = a->remote_name ? prevalence(r, dest_name(a->remote_name, strlen(a->remote_name))) : 0;
    double most = by_ip > by_name ? by_ip : by_name;
    if (most + 0.5 < need)
        return 0;
    char ip[TS_IP_STRLEN];
    snprintf(buf, cap,
             "routine: %s is a popular destination (up to %.0f internal hosts reach it a day): "
             "regular contact with it is habit, not an implant's; learned, not raised",
             a->remote_name ? a->remote_name : ts_ip_format(&a->remote_ip, ip), most);
    return 1;
}

/* Whether the alert's key starts with one of fleet_habit_keys: a key that names what ran (the
 * powershell detector's encoded command, by the hash of the script), not only where. */
static bool fleet_kind(const ts_routine *r, const ts_alert *a)
{
    ts_str it;
    for (const char *p = r->fleet_habit_keys; a->key && ts_str_next_item(&p, &it);)
        if (it.n && strncasecmp(a->key, it.p, it.n) == 0)
            return true;
    return false;
}

/* The organisation's habit: an alert whose key names what ran (fleet_habit_keys), the same
 * thing (the key without its host: the fleet's cells of ts_routine_observe) on habit_days
 * distinct days of the horizon and on fleet_habit_hosts distinct hosts over them. The IT
 * team's management script, run from each administrator's desk a few times a month, is
 * the organisation's routine on every desk it runs on, however few days on each. */
static int fleet_habit(const ts_routine *r, const ts_alert *a, const side *s, char *buf, size_t cap)
{
    if (!fleet_kind(r, a))
        return 0;
    cell all = {0};
    uint64_t beh = behaviour(a);
    unsigned days = 0;
    int32_t first = 0, last = 0;
    for (int32_t d = r->newest_day - (int32_t)r->horizon_days; d <= r->newest_day; d++) {
        const cell *c = find(r, s->src, beh, d);
        if (!c)
            continue;
        first = days++ ? first : d;
        last = d;
        for (size_t i = 0; i < sizeof all.sketch; i++)
            all.sketch[i] |= c->sketch[i];
    }
    double hosts = distinct(&all);
    if (days < r->habit_days || hosts + 0.5 < r->fleet_habit_hosts)
        return 0;
    snprintf(buf, cap,
             "routine: the same %s alert (%s) on %.0f hosts on %u days over %d days: the organisation's "
             "script or job, learned, not raised",
             a->detector, s->name, hosts, days, last - first + 1);
    return 1;
}

/* An alert about one host alone, of a detector listed in habit_detectors, that came on
 * habit_days distinct days of the horizon with the same key (the same script started by the
 * same parent, the same admin's burst of tools): that host's habit (a scheduled task, an
 * administrator's daily checks). Something new on that host has another key and alerts. */
static int habit(const ts_routine *r, const ts_alert *a, const side *s, char *buf, size_t cap)
{
    if (s->remote != 2 || !habit_kind(r, a))
        return 0;
    uint64_t src = habit_src(a), beh = behaviour(a);
    unsigned days = 0;
    int32_t first = 0, last = 0;
    for (int32_t d = r->newest_day - (int32_t)r->horizon_days; d <= r->newest_day; d++)
        if (find(r, src, beh, d) || find(r, src, HABIT_NOTE_BEH, d)) {
            first = days++ ? first : d;
            last = d;
        }
    if (days < r->habit_days)
        return fleet_habit(r, a, s, buf, cap);
    snprintf(buf, cap,
             "routine: the same %s alert (or a lesser instance of it) on %s on %u days over %d days: that "
             "host's habit (a "
             "scheduled or repeated job), learned, not raised",
             a->detector, a->internal_host, days, last - first + 1);
    return 1;
}

/* The routine reason for a into buf, or 0 when a is not routine. */
static int judge(const ts_routine *r, const ts_alert *a, char *buf, size_t cap)
{
    if (a->kind != TS_EV_INDICATOR && a->kind != TS_EV_HOME_NETWORK && popular(r, a, buf, cap))
        return 1;
    side s[2];
    size_t n = sides(a, s);
    if (n && habit(r, a, &s[0], buf, cap))
        return 1;
    uint64_t beh = behaviour(a);
    double need = n ? need_hosts(r) : 0;
    for (size_t i = 0; i < n; i++) {
        pattern p, sw;
        const pattern *sweep = NULL;
        learn_pattern(r, s[i].src, beh, need, 0, 0, &p);
        const named *nm = s[i].remote == 2 ? NULL : named_source(r, s[i].ip, s[i].host);
        if (nm && p.occasions >= 1) { /* named: its fan-out is expected whenever it runs */
            describe(&p, &s[i], a, nm, NULL, buf, cap);
            return 1;
        }
        if (p.occasions < r->min_occasions && s[i].ip && ts_ip_set(s[i].ip)) {
            /* a sweeper: its alerts recur with its sweeps, however few hosts they are about */
            uint64_t g = sweep_src(s[i].ip);
            learn_pattern(r, g, BEH_SWEEP, need, 0, 0, &sw);
            if (sw.occasions >= r->min_occasions) {
                learn_pattern(r, s[i].src, family(a), 1, g, need, &p);
                sweep = &sw;
            }
        }
        if (p.occasions < r->min_occasions)
            continue;
        int usual = usual_time(r, &p, a->first_ns) && usual_time(r, &p, a->last_ns);
        for (uint32_t k = 0; usual && k < a->n_hits; k++)
            usual = usual_time(r, &p, a->hits[k].ts_ns);
        if (!usual) /* its usual doing, at an unusual time: worth a look */
            continue;
        describe(&p, &s[i], a, NULL, sweep, buf, cap);
        return 1;
    }
    return 0;
}

/* ---- alerts on events a routine alert already covers ------------------------------------ */

/* Whether x and y name a technique of the same family (T1059.001 and T1059 are one). */
static bool share_family(const char *x, const char *y)
{
    ts_str i, j;
    for (const char *p = x; p && ts_str_next_item(&p, &i);) {
        size_t fi = strcspn(i.p, ".,");
        fi = fi < i.n ? fi : i.n;
        for (const char *q = y; q && ts_str_next_item(&q, &j);) {
            size_t fj = strcspn(j.p, ".,");
            fj = fj < j.n ? fj : j.n;
            if (fi && fi == fj && strncasecmp(i.p, j.p, fi) == 0)
                return true;
        }
    }
    return false;
}

/* The same host, and the same account when both name one. */
static bool same_actor(const ts_alert *a, const ts_alert *b)
{
    if (!a->internal_host || !b->internal_host || strcasecmp(a->internal_host, b->internal_host) != 0)
        return false;
    return !a->user || !b->user || strcasecmp(a->user, b->user) == 0;
}

/* Whether h is one of b's kept events: the same record of the same input at the same time. */
static bool kept_by(const ts_alert_hit *h, const ts_alert *b)
{
    for (uint32_t k = 0; k < b->n_hits; k++) {
        const ts_alert_hit *g = &b->hits[k];
        if (g->ts_ns == h->ts_ns && g->line == h->line && g->record == h->record && g->file && h->file &&
            strcmp(g->file, h->file) == 0)
            return true;
    }
    return false;
}

/* An alert of a cover_detectors detector (Sigma: a rule sees the same process start as
 * tocsin's own detectors) about one host alone, whose events are those of alerts already
 * judged routine (learned, n_learned of them) on the same host and account, naming a technique of the
 * same family. Every kept event of it is one of theirs; it has no more events in all than
 * they have (those that share a kept event, and those begun after its last kept event,
 * which could hold its later ones), its first and last within theirs. The admin's management
 * script, the host's habit to the powershell detector, is then that host's habit to every
 * Sigma rule it trips too. An event the habits do not hold (the first time the host does
 * something new, a script run once) is not covered, and the alert stands. */
static int covered(const ts_routine *r, const ts_alert *const *learned, size_t n_learned, const ts_alert *a,
                   char *buf, size_t cap)
{
    if (!listed(r->cover_detectors, a->detector) || !a->internal_host || !a->n_hits || !a->techniques ||
        ts_ip_set(&a->remote_ip) || a->remote_name || a->kind == TS_EV_INDICATOR ||
        a->kind == TS_EV_HOME_NETWORK)
        return 0;
    uint64_t events = 0;
    int64_t first = INT64_MAX, last = INT64_MIN;
    uint32_t held = 0;
    const ts_alert *example = NULL;
    size_t by = 0;
    uint32_t hit_held[TS_ALERT_HITS] = {0};
    for (size_t i = 0; i < n_learned; i++) {
        const ts_alert *b = learned[i];
        if (b == a || !same_actor(a, b) || !share_family(a->techniques, b->techniques))
            continue;
        int shares = 0;
        for (uint32_t k = 0; k < a->n_hits && k < TS_ALERT_HITS; k++)
            if (kept_by(&a->hits[k], b))
                shares = 1, hit_held[k] = 1;
        /* a's kept events are its earliest: a routine alert that began after the last of
           them can share none, and is counted among those that may hold the rest */
        if (!shares && !(a->n_hits == TS_ALERT_HITS && b->first_ns > a->hits[a->n_hits - 1].ts_ns))
            continue;
        events += b->count;
        first = b->first_ns < first ? b->first_ns : first;
        last = b->last_ns > last ? b->last_ns : last;
        example = example ? example : b;
        by++;
    }
    for (uint32_t k = 0; k < a->n_hits && k < TS_ALERT_HITS; k++)
        held += hit_held[k];
    if (!example || held < a->n_hits || a->count > events || a->first_ns < first || a->last_ns > last)
        return 0;
    const char *reason = example->suppressed;
    if (reason && strncmp(reason, "routine: ", 9) == 0)
        reason += 9;
    snprintf(buf, cap,
             "routine: its %llu events on %s (%s) are those of %zu %s alert%s judged routine: %.300s",
             (unsigned long long)a->count, a->internal_host, a->techniques, by, example->detector,
             by == 1 ? "" : "s", reason ? reason : "");
    return 1;
}

/* An alert of a cover_detectors detector about one host alone whose every kept event is a
 * command line (the same account, program, parent and arguments on that host) that ran on
 * habit_days distinct days of the horizon, with no more events in all than those command
 * lines had: the administrator's remote desktop to the jump host from their desk, whatever
 * rule it trips. Another command line, account or parent is another identity and alerts;
 * an event with no command line (a service installed) is never judged so. */
static int command_habit(const ts_routine *r, const ts_alert *a, char *buf, size_t cap)
{
    if (!listed(r->cover_detectors, a->detector) || !a->internal_host || !a->n_hits ||
        ts_ip_set(&a->remote_ip) || a->remote_name || a->kind == TS_EV_INDICATOR ||
        a->kind == TS_EV_HOME_NETWORK)
        return 0;
    uint64_t seen[TS_ALERT_HITS];
    size_t n = 0;
    uint64_t events = 0;
    unsigned fewest = UINT32_MAX;
    int32_t first = INT32_MAX, last = INT32_MIN;
    for (uint32_t k = 0; k < a->n_hits && k < TS_ALERT_HITS; k++) {
        uint64_t id = command_src(a->internal_host, &a->hits[k]);
        if (!id)
            return 0;
        size_t j = 0;
        while (j < n && seen[j] != id)
            j++;
        if (j < n)
            continue;
        seen[n++] = id;
        unsigned days = 0;
        for (int32_t d = r->newest_day - (int32_t)r->horizon_days; d <= r->newest_day; d++) {
            const cell *c = find(r, id, BEH_COMMAND, d);
            if (!c)
                continue;
            uint32_t count;
            memcpy(&count, c->sketch, 4);
            days++;
            events += count;
            first = d < first ? d : first;
            last = d > last ? d : last;
        }
        if (days < r->habit_days)
            return 0;
        fewest = days < fewest ? days : fewest;
    }
    if (!n || events < a->count)
        return 0;
    snprintf(buf, cap,
             "routine: %s ran the same command line%s (%.80s) on %s on %u days or more over %d days: that "
             "account's habit there, learned, not raised",
             a->hits[0].user ? a->hits[0].user : "its account", n > 1 ? "s" : "", a->hits[0].command_line,
             a->internal_host, fewest, last - first + 1);
    return 1;
}

static int mark(ts_alert *a, const char *why)
{
    a->suppressed = strdup(why);
    if (!a->suppressed)
        return -1;
    a->routine = 1;
    return 1;
}

bool ts_routine_stage_mark(const char *suppressed)
{
    return suppressed && strncmp(suppressed, "routine: ", 9) == 0 &&
           strncmp(suppressed, "routine: Sigma level ", 21) != 0; /* src/detect/sigma.c's own */
}

size_t ts_routine_mark(const ts_routine *r, ts_incident *inc)
{
    size_t marked = 0;
    int oom = 0;
    uint8_t severity = 0;
    /* the alerts this pass judges routine, apart: the second pass looks only at them (a hunt's
       held alerts are judged as one incident, and most are not routine) */
    const ts_alert **learned = r && inc->n_alerts ? malloc(inc->n_alerts * sizeof *learned) : NULL;
    size_t n_learned = 0;
    if (r && inc->n_alerts && !learned)
        return (size_t)-1;
    char why[512];
    for (size_t i = 0; r && i < inc->n_alerts; i++) {
        ts_alert *a = inc->alerts[i];
        if (!a->suppressed && !a->suppression && judge(r, a, why, sizeof why)) {
            int m = mark(a, why);
            oom |= m < 0;
            marked += m > 0;
            if (m > 0)
                learned[n_learned++] = a;
        }
    }
    /* then what the learned routine covers (marks of this pass cover nothing further) */
    for (size_t i = 0; r && i < inc->n_alerts; i++) {
        ts_alert *a = inc->alerts[i];
        if (!a->suppressed && !a->suppression &&
            (covered(r, learned, n_learned, a, why, sizeof why) || command_habit(r, a, why, sizeof why))) {
            int m = mark(a, why);
            oom |= m < 0;
            marked += m > 0;
        }
    }
    free(learned);
    for (size_t i = 0; i < inc->n_alerts; i++) {
        const ts_alert *a = inc->alerts[i];
        if (!a->suppression && !a->suppressed && a->severity > severity)
            severity = a->severity;
    }
    inc->severity = severity;
    return oom ? (size_t)-1 : marked;
}

/* ---- keeping it across runs -------------------------------------------------------------------- */

#define MAGIC "tocsin-routine-1"

tocsin_code ts_routine_save(const ts_routine *r, void **blob, size_t *len)
{
    size_t n = 0, head = sizeof MAGIC + 8;
    char *b = malloc(head + r->n * sizeof(cell));
    if (!b)
        return TOCSIN_E_NOMEM;
    memcpy(b, MAGIC, sizeof MAGIC);
    for (size_t i = 0; i < r->cap; i++)
        if (r->cells[i].src)
            memcpy(b + head + n++ * sizeof(cell), &r->cells[i], sizeof(cell));
    uint64_t n64 = n;
    memcpy(b + sizeof MAGIC, &n64, 8);
    *blob = b;
    *len = head + n * sizeof(cell);
    return TOCSIN_OK;
}

tocsin_code ts_routine_load(ts_routine *r, const void *blob, size_t len)
{
    const char *b = blob;
    size_t head = sizeof MAGIC + 8;
    uint64_t n;
    if (len < head || memcmp(b, MAGIC, sizeof MAGIC) != 0)
        return TOCSIN_E_FORMAT;
    memcpy(&n, b + sizeof MAGIC, 8);
    if (n > (len - head) / sizeof(cell) || head + n * sizeof(cell) != len)
        return TOCSIN_E_FORMAT;
    ts_routine t = *r; /* the table is rebuilt aside, so a failure leaves r as it was */
    t.cells = NULL, t.cap = t.n = 0;
    for (uint64_t i = 0; i < n; i++) {
        cell c;
        memcpy(&c, b + head + i * sizeof(cell), sizeof c);
        if (!c.src)
            continue;
        if (c.day > t.newest_day)
            t.newest_day = c.day;
        cell *d = put(&t, c.src, c.beh, c.day);
        if (!d) {
            free(t.cells);
            return TOCSIN_E_NOMEM;
        }
        *d = c;
    }
    free(r->cells);
    r->cells = t.cells, r->cap = t.cap, r->n = t.n, r->newest_day = t.newest_day;
    return TOCSIN_OK;
}

size_t ts_routine_usage(const ts_routine *r, ts_state_use *out, size_t n)
{
    size_t most = 1024;
    while (r && most < 2 * r->max_cells)
        most *= 2;
    if (n && r)
        out[0] = (ts_state_use){"routine days",      r->n, r->max_cells, r->forgotten, r->cap * sizeof(cell),
                                most * sizeof(cell), false};
    return r ? 1 : 0;
}
