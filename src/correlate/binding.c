/* binding.c: internal addresses bound to host names over time, so that an alert known only by an
 * address (a Zeek record) joins the alerts of the machine behind it (its Windows events). */
#include "correlate/binding.h"

#include <stdlib.h>
#include <string.h>

#include "correlate/entity.h"

/*
 * Network sensors name machines by address, Windows logs by name. Events that show both
 * (a logon's workstation name with its source address; the machine that logged a Sysmon
 * network connection with its own side's address) tell which name used which address,
 * and when. DHCP hands an address to another machine later, so each binding keeps its
 * time span, an alert takes the binding whose span (widened by a day) holds its time, and
 * an address seen with more than two names is left unbound: better two incidents than
 * one made of strangers.
 */

#define SLACK_NS (24LL * 3600 * 1000000000LL)
#define MAX_ADDRS 65536 /* addresses remembered; past that, new ones are not learned */
#define KEY_LEN 48      /* host keys longer than this are not bound */
#define NAMES 2

typedef struct span {
    char key[KEY_LEN]; /* "h:ws-0056"; "" unused */
    int64_t first, last;
} span;

typedef struct addr_ent {
    ts_ip ip;      /* v == 0: empty slot */
    bool ambiguous; /* seen with more than NAMES names */
    span s[NAMES];
} addr_ent;

struct ts_bindings {
    addr_ent *e;
    size_t cap, n; /* cap a power of two, at most half full */
};

ts_bindings *ts_bindings_new(void) { return calloc(1, sizeof(ts_bindings)); }

void ts_bindings_free(ts_bindings *b)
{
    if (!b)
        return;
    free(b->e);
    free(b);
}

static size_t ip_hash(const ts_ip *ip)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < sizeof ip->b; i++)
        h = (h ^ ip->b[i]) * 0x100000001b3ULL;
    return (size_t)(h ^ (h >> 29) ^ ip->v);
}

/* The slot of ip, or the empty slot where it would go. */
static addr_ent *slot(const ts_bindings *b, const ts_ip *ip)
{
    for (size_t i = ip_hash(ip) & (b->cap - 1);; i = (i + 1) & (b->cap - 1))
        if (!b->e[i].ip.v || ts_ip_eq(&b->e[i].ip, ip))
            return &b->e[i];
}

static bool grow(ts_bindings *b)
{
    size_t nc = b->cap ? b->cap * 2 : 1024;
    addr_ent *old = b->e, *ne = calloc(nc, sizeof *ne);
    if (!ne)
        return false;
    size_t oc = b->cap;
    b->e = ne;
    b->cap = nc;
    for (size_t i = 0; i < oc; i++)
        if (old[i].ip.v)
            *slot(b, &old[i].ip) = old[i];
    free(old);
    return true;
}

void ts_bindings_note(ts_bindings *b, const ts_ip *ip, ts_str name, int64_t ts)
{
    char name0[TS_ENTITY_KEY_MAX], key[TS_ENTITY_KEY_MAX]; /* the key keeps the first label only */
    if (!b || !ip->v || !ts || !name.n || name.n >= sizeof name0)
        return;
    memcpy(name0, name.p, name.n);
    name0[name.n] = '\0';
    size_t kn = ts_entity_host_key(name0, key, sizeof key);
    if (!kn || kn >= KEY_LEN)
        return;
    addr_ent *e = b->cap ? slot(b, ip) : NULL;
    if (!e || !e->ip.v) { /* a new address */
        if (b->n * 2 >= b->cap && (b->n >= MAX_ADDRS || !grow(b)))
            return;
        e = slot(b, ip);
        e->ip = *ip;
        b->n++;
    }
    if (e->ambiguous)
        return;
    for (size_t i = 0; i < NAMES; i++) {
        span *s = &e->s[i];
        if (!s->key[0]) {
            memcpy(s->key, key, kn + 1);
            s->first = s->last = ts;
            return;
        }
        if (strcmp(s->key, key) == 0) {
            if (ts < s->first)
                s->first = ts;
            if (ts > s->last)
                s->last = ts;
            return;
        }
    }
    e->ambiguous = true;
}

void ts_bindings_observe(ts_bindings *b, const ts_event *ev)
{
    if (!b)
        return;
    if (ev->src_host.n && (ev->src_geo.flags & TS_NET_INTERNAL)) {
        ts_bindings_note(b, &ev->src_ip, ev->src_host, ev->ts_ns);
        return;
    }
    /* Sysmon 3: the machine that logged it is the connection's initiator or its target. */
    if (ev->has_code && ev->code == 3 && ev->host.n && ts_str_eq(ev->dataset, "windows.sysmon")) {
        bool initiated = ts_str_ieq(ts_event_field(ev, "Initiated"), "true");
        const ts_ip *own = initiated ? &ev->src_ip : &ev->dst_ip;
        const ts_geo *g = initiated ? &ev->src_geo : &ev->dst_geo;
        if (g->flags & TS_NET_INTERNAL)
            ts_bindings_note(b, own, ev->host, ev->ts_ns);
    }
}

size_t ts_bindings_host_key(const ts_bindings *b, const ts_ip *ip, int64_t ts, char *buf, size_t cap)
{
    if (!b || !b->cap || !ip->v)
        return 0;
    const addr_ent *e = slot(b, ip);
    if (!e->ip.v || e->ambiguous)
        return 0;
    const span *hit = NULL;
    for (size_t i = 0; i < NAMES; i++) {
        const span *s = &e->s[i];
        /* unsigned distances: no overflow whatever the timestamps */
        bool in = s->key[0] && (ts >= s->first || (uint64_t)s->first - (uint64_t)ts <= (uint64_t)SLACK_NS) &&
                  (ts <= s->last || (uint64_t)ts - (uint64_t)s->last <= (uint64_t)SLACK_NS);
        if (!in)
            continue;
        if (hit)
            return 0; /* the address passed between two machines then */
        hit = s;
    }
    size_t n = hit ? strlen(hit->key) : 0;
    if (!n || n >= cap)
        return 0;
    memcpy(buf, hit->key, n + 1);
    return n;
}
