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
 * side of an outbound one, either side (each learned on its own) of an internal one. Alerts
 * on threat-intelligence indicators or watched networks are never routine: a known actor
 * sweeping the network on a schedule is the opposite of routine. */
#include "correlate/routine.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

struct ts_routine {
    uint32_t min_hosts, min_occasions, horizon_days;
    size_t max_cells;
    cell *cells; /* open addressing, linear probing; cap a power of two */
    size_t cap, n;
    int32_t newest_day;
    uint64_t forgotten;
    named *names;
    size_t n_names, cap_names;
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
            ts_diag_say(diag, ud, path, no, 0, TOCSIN_E_PARSE, "a routine source is MATCH<TAB>KIND<TAB>REASON; line skipped");
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
    double min_hosts, min_occasions, horizon, max_cells;
    const char *sources;
} routine_settings;

const ts_tunable ts_routine_tunables[] = {
    TS_TUNE(routine_settings, min_hosts, TS_TUNE_COUNT, 20, 2, 1000),
    TS_TUNE(routine_settings, min_occasions, TS_TUNE_COUNT, 3, 1, 60),
    TS_TUNE(routine_settings, horizon, TS_TUNE_SECONDS, 56 * 86400.0, 86400, 366 * 86400.0),
    TS_TUNE(routine_settings, max_cells, TS_TUNE_COUNT, 65536, 1024, 1 << 24),
    TS_TUNE_STR(routine_settings, sources, NULL),
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
    uint64_t src;       /* hash of the source's identity */
    char name[TS_IP_STRLEN + 128];
    const ts_ip *ip;    /* for named sources */
    const char *host;
    char target[TS_IP_STRLEN + 128];
    uint8_t remote;     /* 1: the alert's remote side is the source */
} side;

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b < 0); }

static uint64_t behaviour(const ts_alert *a)
{
    uint64_t h = ts_hash_str(ts_hash_str(TS_HASH_SEED, a->detector), a->techniques);
    uint8_t d = (uint8_t)a->direction;
    return ts_hash(h, &d, 1);
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
    /* The side is part of the identity: a detector always puts its actor on the same side,
       so the deployment server's targets, seen on the other side, learn nothing from it. */
    for (size_t i = 0; i < n; i++)
        out[i].src = ts_hash_str(ts_hash(TS_HASH_SEED, &out[i].remote, 1), out[i].name) | 1; /* 0 marks an empty cell */
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
        return; /* older than anything it would still weigh */
    uint64_t beh = behaviour(a);
    for (size_t i = 0; i < n; i++) {
        cell *c = put(r, s[i].src, beh, day);
        if (!c)
            return;
        uint64_t t = ts_hash_str(TS_HASH_SEED, s[i].target);
        t = (t ^ (t >> 33)) * 0xff51afd7ed558ccdULL; /* FNV's low bits are poor on near names */
        t ^= t >> 33;
        c->sketch[(t % SKETCH_BITS) / 8] |= (uint8_t)(1u << (t % 8));
        c->hours |= 1u << hour;
    }
}

/* ---- judging ---------------------------------------------------------------------------------- */

typedef struct pattern {
    unsigned occasions;
    unsigned most;         /* the most targets on one occasion */
    int32_t first, last;   /* days of the first and last occasions */
    uint8_t how[7][24];    /* occasions at each hour of the week (Monday 0) */
    uint8_t hod[24];       /* occasions at each hour of the day */
    uint8_t weekdays;      /* bit d: an occasion on weekday d */
} pattern;

static int weekday(int32_t day) { return (int)(((day + 3) % 7 + 7) % 7); } /* 1970-01-01: Thursday */

static void learn_pattern(const ts_routine *r, uint64_t src, uint64_t beh, pattern *p)
{
    memset(p, 0, sizeof *p);
    for (int32_t d = r->newest_day - (int32_t)r->horizon_days; d <= r->newest_day; d++) {
        const cell *c = find(r, src, beh, d);
        double k = c ? distinct(c) : 0;
        if (k + 0.5 < r->min_hosts)
            continue;
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

static const char *const day_names[7] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                         "Friday", "Saturday", "Sunday"};

/* "10.0.5.20 touched 140 hosts every Monday 02:00-03:00 UTC over 3 weeks (brute-force
 * T1110.001): a learned routine" */
static void describe(const pattern *p, const side *s, const ts_alert *a, const named *nm, char *buf, size_t cap)
{
    char when[96] = "", what[160];
    int lo = -1, hi = -1;
    for (int h = 0; h < 24; h++)
        if (p->hod[h])
            hi = h, lo = lo < 0 ? h : lo;
    if (p->occasions) {
        int single = __builtin_popcount(p->weekdays) == 1;
        snprintf(when, sizeof when, " %s%s %02d:00-%02d:00 UTC on %u occasions over %d days",
                 single ? "every " : "", single ? day_names[__builtin_ctz(p->weekdays)] : "daily", lo,
                 hi + 1, p->occasions, p->last - p->first + 1);
    }
    snprintf(what, sizeof what, "%s%s%s", a->detector ? a->detector : "?", a->techniques ? " " : "",
             a->techniques ? a->techniques : "");
    if (nm)
        snprintf(buf, cap, "routine: %s is a %s (%s)%s%s%s, doing %s", s->name, nm->kind, nm->reason,
                 p->occasions ? ";" : "", p->occasions ? " it touched many hosts" : "", when, what);
    else
        snprintf(buf, cap, "routine: %s touched %u hosts%s, doing %s: learned, not raised", s->name, p->most,
                 when, what);
}

/* The routine reason for a into buf, or 0 when a is not routine. */
static int judge(const ts_routine *r, const ts_alert *a, char *buf, size_t cap)
{
    side s[2];
    size_t n = sides(a, s);
    uint64_t beh = behaviour(a);
    for (size_t i = 0; i < n; i++) {
        pattern p;
        learn_pattern(r, s[i].src, beh, &p);
        const named *nm = named_source(r, s[i].ip, s[i].host);
        if (nm && p.occasions >= 1) { /* named: its fan-out is expected whenever it runs */
            describe(&p, &s[i], a, nm, buf, cap);
            return 1;
        }
        if (p.occasions < r->min_occasions)
            continue;
        int usual = usual_time(r, &p, a->first_ns) && usual_time(r, &p, a->last_ns);
        for (uint32_t k = 0; usual && k < a->n_hits; k++)
            usual = usual_time(r, &p, a->hits[k].ts_ns);
        if (!usual) /* its usual doing, at an unusual time: worth a look */
            continue;
        describe(&p, &s[i], a, NULL, buf, cap);
        return 1;
    }
    return 0;
}

size_t ts_routine_mark(const ts_routine *r, ts_incident *inc)
{
    size_t marked = 0;
    int oom = 0;
    uint8_t severity = 0;
    for (size_t i = 0; i < inc->n_alerts; i++) {
        ts_alert *a = inc->alerts[i];
        char why[512];
        if (r && !a->suppressed && !a->suppression && judge(r, a, why, sizeof why)) {
            a->suppressed = strdup(why);
            if (a->suppressed) {
                a->routine = 1;
                marked++;
            } else {
                oom = 1;
            }
        }
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
        out[0] = (ts_state_use){"routine days", r->n, r->max_cells, r->forgotten, r->cap * sizeof(cell),
                                most * sizeof(cell), false};
    return r ? 1 : 0;
}
