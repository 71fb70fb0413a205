/* binding.c: internal addresses bound to host names over time, so that an alert known only by an
 * address (a Zeek record) joins the alerts of the machine behind it (its Windows events). */
#include "correlate/binding.h"

#include <stdlib.h>
#include <string.h>

#include "correlate/entity.h"
#include "detect/baseline.h"
#include "detect/detect.h"

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
#define KEY_LEN 48 /* host keys longer than this are not bound */
#define NAMES 2

typedef struct span {
    char key[KEY_LEN]; /* "h:ws-0056"; "" unused */
    int64_t first, last;
} span;

/* An address's bindings, in a bounded map keyed by the address's hash (the address is
 * kept too: two addresses sharing a hash are not mistaken for one). */
typedef struct addr_ent {
    ts_ip ip;
    bool ambiguous; /* seen with more than NAMES names */
    span s[NAMES];
} addr_ent;

struct ts_bindings {
    bl_map m; /* address hash -> addr_ent, touched at event time: the quietest go first */
};

ts_bindings *ts_bindings_new(void)
{
    ts_bindings *b = calloc(1, sizeof *b);
    if (b)
        bl_map_init(&b->m, sizeof(addr_ent), TS_BINDINGS_MAX);
    return b;
}

void ts_bindings_limit(ts_bindings *b, size_t max)
{
    if (b)
        b->m.max = max < 16 ? 16 : max;
}

void ts_bindings_free(ts_bindings *b)
{
    if (!b)
        return;
    bl_map_free(&b->m);
    free(b);
}

void ts_bindings_usage(const ts_bindings *b, ts_state_use *u)
{
    bl_map_use(&b->m, "address bindings", u);
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
    bool created;
    addr_ent *e = bl_map_put(&b->m, bl_hash_ip(ip, BL_SEED), ts, &created);
    if (!e)
        return;
    if (created)
        e->ip = *ip;
    else if (!ts_ip_eq(&e->ip, ip))
        return; /* another address with the same hash holds the slot */
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
    /* A connection the endpoint logged itself (Sysmon 3 on Windows or Linux): the machine
       that logged it is the connection's initiator or its target. */
    if (ev->host.n && ts_str_eq(ev->action, "network-connection")) {
        bool initiated = ts_str_ieq(ts_event_field(ev, "Initiated"), "true");
        const ts_ip *own = initiated ? &ev->src_ip : &ev->dst_ip;
        const ts_geo *g = initiated ? &ev->src_geo : &ev->dst_geo;
        if (g->flags & TS_NET_INTERNAL)
            ts_bindings_note(b, own, ev->host, ev->ts_ns);
    }
}

size_t ts_bindings_host_key(const ts_bindings *b, const ts_ip *ip, int64_t ts, char *buf, size_t cap)
{
    if (!b || !ip->v)
        return 0;
    const addr_ent *e = bl_map_get(&b->m, bl_hash_ip(ip, BL_SEED));
    if (!e || e->ambiguous || !ts_ip_eq(&e->ip, ip))
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
