/* phish_click.c: the phishing detector's second stage: who uses which host, and the
 * click on a flagged message's link from a recipient's host within the window. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/phishing/phish_state.h"

static bool internal_ip(const ts_ip *ip, const ts_geo *g)
{
    if (!ip->v)
        return false;
    bool loop = (ip->v == 4 && ip->b[0] == 127) ||
                (ip->v == 6 && ip->b[15] == 1 && !memcmp(ip->b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 15));
    return !loop &&
           ((g->flags & TS_NET_KNOWN) ? (g->flags & TS_NET_INTERNAL) != 0 : ts_ip_is_internal_default(ip));
}

/* Records (or updates) the host an account was last seen using; the table stops
 * learning new accounts when full. */
static void remember(phish_state *st, uint64_t user, const ts_ip *ip, uint64_t host)
{
    size_t mask = USERS_CAP - 1;
    for (size_t i = user & mask, k = 0; k < USERS_CAP; i = (i + 1) & mask, k++) {
        user_ent *e = &st->users[i];
        if (e->user == user || (!e->user && st->n_users < USERS_CAP / 4 * 3)) {
            if (!e->user)
                st->n_users++;
            e->user = user;
            bool known = false;
            for (size_t j = 0; j < USER_IPS; j++)
                known |= ip->v && ts_ip_eq(&e->ip[j], ip);
            if (ip->v && !known) {
                e->ip[e->next] = *ip;
                e->next = (uint8_t)((e->next + 1) % USER_IPS);
            }
            if (host)
                e->host = host;
            return;
        }
        if (!e->user) {
            st->users_refused++;
            return;
        }
    }
}

void phish_learn_user(phish_state *st, const ts_event *ev)
{
    uint64_t u = phish_user_hash(ev->user);
    if (!u)
        return;
    __builtin_prefetch(&st->users[u & (USERS_CAP - 1)], 1); /* fetched while the host is hashed */
    ts_ip ip = {0};
    uint64_t host = 0;
    if (ev->category & TS_CAT_AUTH) {
        if (ev->outcome == TS_OUTCOME_FAILURE)
            return;
        /* A network logon's source is the user's machine; an interactive logon's host is. */
        if (internal_ip(&ev->src_ip, &ev->src_geo))
            ip = ev->src_ip;
        if (ev->src_host.n)
            host = phish_machine_hash(ev->src_host);
        else if (ev->logon_type == 2 || ev->logon_type == 7 || ev->logon_type == 10 || ev->logon_type == 11)
            host = phish_machine_hash(ev->host);
    } else if (ev->category & (TS_CAT_PROCESS | TS_CAT_DNS | TS_CAT_WEB | TS_CAT_SESSION)) {
        /* Sysmon and proxies name the account acting on a host or address. */
        if (internal_ip(&ev->src_ip, &ev->src_geo))
            ip = ev->src_ip;
        host = ev->host.n ? phish_machine_hash(ev->host) : 0;
    } else {
        return;
    }
    if (ip.v || host)
        remember(st, u, &ip, host);
}

static bool is_rcpt(const pending *p, uint64_t user)
{
    for (size_t i = 0; i < p->n_rcpt; i++)
        if (p->rcpt[i] && p->rcpt[i] == user)
            return true;
    return false;
}

/* 1: a recipient clicked; -1: someone known to be another person; 0: nobody known. */
static int clicker(const phish_state *st, const pending *p, const access *a)
{
    if (a->user)
        return is_rcpt(p, a->user) ? 1 : -1;
    bool other = false;
    for (size_t i = 0; i < USERS_CAP; i++) {
        const user_ent *e = &st->users[i];
        bool ip = false;
        for (size_t k = 0; k < USER_IPS && a->ip.v; k++)
            ip |= ts_ip_eq(&e->ip[k], &a->ip);
        if (!e->user || !(ip || (a->hosth && e->host == a->hosth)))
            continue;
        if (is_rcpt(p, e->user))
            return 1;
        other = true;
    }
    return other ? -1 : 0;
}

static void emit_click(const pending *p, const access *a, bool confirmed, const ts_alert_sink *out)
{
    ts_alert *al = calloc(1, sizeof *al);
    if (!al)
        return;
    al->detector = "phishing";
    al->kind = TS_EV_BEHAVIOUR;
    al->severity = confirmed ? 90 : 70;
    al->techniques = strdup("T1204.001,T1566.002");
    al->first_ns = al->last_ns = a->at;
    al->count = 1;
    al->internal_ip = a->ip;
    al->internal_host = a->host[0] ? strdup(a->host) : NULL;
    al->user = strdup(confirmed || !a->user_name[0] ? p->rcpt0 : a->user_name);
    al->remote_name = strdup(p->url);
    al->observed = strdup(p->url);
    al->direction = TS_DIR_OUTBOUND;
    al->side = TS_SIDE_DST;
    al->dataset = strdup("phishing.click");
    al->file = p->file ? strdup(p->file) : NULL;
    al->line = p->line;
    char ebuf[TS_IP_STRLEN];
    const char *who = a->host[0] ? a->host : ts_alert_internal_entity(al, ebuf);
    ts_str host = phish_url_host(ts_str_c(p->url));
    long long mins = (long long)((a->at - p->at) / (60 * NS));
    /* One finding per recipient and site, whichever log (DNS, proxy, Sysmon) saw it. */
    al->key = ts_fmt_alloc("phish-click|%.*s|%s", (int)host.n, host.p, confirmed ? p->rcpt0 : who);
    if (confirmed)
        al->title = ts_fmt_alloc("%s on %s opened %s %lld min after the phishing mail from %s (%s)", p->rcpt0,
                                 who, p->url, mins, p->sender, p->reasons);
    else
        al->title = ts_fmt_alloc(
            "%s, a host not known to be %s's, opened %s %lld min after the phishing mail from %s "
            "to %s (%s)",
            who, p->rcpt0, p->url, mins, p->sender, p->rcpt0, p->reasons);
    if (!al->key || !al->title || !al->techniques || !al->user || !al->remote_name || !al->observed) {
        ts_alert_free(al);
        return;
    }
    out->emit(out->ud, al);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Keeps a click by an unknown clicker until the end, when more logons may have named it. */
static void defer(phish_state *st, const pending *p, const access *a)
{
    if (st->n_cands == CAND_CAP)
        return;
    cand *c = &st->cands[st->n_cands];
    c->p = *p;
    c->p.rcpt0 = dup_or_null(p->rcpt0);
    c->p.url = dup_or_null(p->url);
    c->p.sender = dup_or_null(p->sender);
    c->p.reasons = dup_or_null(p->reasons);
    c->p.file = dup_or_null(p->file);
    c->a = *a;
    if (!c->p.rcpt0 || !c->p.url || !c->p.sender || !c->p.reasons) {
        pending_free(&c->p);
        return;
    }
    st->n_cands++;
}

static void check(phish_state *st, const pending *p, const access *a, const ts_alert_sink *out)
{
    if (!p->at || !a->at || a->at < p->at || a->at - p->at > st->window_ns)
        return;
    int who = clicker(st, p, a);
    if (who > 0)
        emit_click(p, a, true, out);
    else if (who == 0)
        defer(st, p, a);
}

/* A bounded copy of a name into a fixed field: every web and DNS event stores one, so no
 * printf machinery here. */
static void copy_name(char *dst, size_t cap, ts_str v)
{
    size_t n = v.n < cap - 1 ? v.n : cap - 1;
    if (n)
        memcpy(dst, v.p, n);
    dst[n] = 0;
}

void phish_access(phish_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    if (!(ev->category & (TS_CAT_DNS | TS_CAT_WEB | TS_CAT_TLS | TS_CAT_NETWORK)))
        return;
    ts_str host = ev->domain.n ? ev->domain : phish_url_host(ev->url);
    uint64_t h = phish_host_hash(host);
    if (!h || (!ev->src_ip.v && !ev->host.n))
        return;
    __builtin_prefetch(&st->acc[h & (ACCESS_SLOTS - 1)], 1); /* fetched while the access is made */
    access a = {.at = ev->ts_ns, .user = phish_user_hash(ev->user)};
    if (internal_ip(&ev->src_ip, &ev->src_geo))
        a.ip = ev->src_ip;
    ts_str hn = ev->src_host.n ? ev->src_host : ev->host;
    copy_name(a.host, sizeof a.host, hn);
    a.hosth = hn.n ? phish_machine_hash(hn) : 0;
    if (a.user)
        copy_name(a.user_name, sizeof a.user_name, ev->user);
    if (!a.ip.v && !a.hosth)
        return;
    access_slot *s = &st->acc[h & (ACCESS_SLOTS - 1)];
    if (s->host != h) {
        s->host = h;
        s->n = 0;
    }
    if (s->n < ACCESS_PER)
        s->a[s->n++] = a;
    if (!(st->pend_bits[(h >> 6) & 63] & (1ULL << (h & 63))))
        return;
    for (size_t i = 0; i < st->n_pend; i++)
        if (st->pend[i].host == h)
            check(st, &st->pend[i], &a, out);
}

void phish_watch(phish_state *st, pending *p, const ts_alert_sink *out)
{
    pending *slot = &st->pend[st->next_pend];
    pending_free(slot); /* the oldest watched link gives way */
    *slot = *p;
    memset(p, 0, sizeof *p);
    st->pend_bits[(slot->host >> 6) & 63] |= 1ULL << (slot->host & 63);
    st->next_pend = (st->next_pend + 1) % PENDING_CAP;
    if (st->n_pend < PENDING_CAP)
        st->n_pend++;
    const access_slot *s = &st->acc[slot->host & (ACCESS_SLOTS - 1)];
    if (s->host == slot->host)
        for (size_t i = 0; i < s->n; i++)
            check(st, slot, &s->a[i], out);
}

void phish_click_finish(phish_state *st, const ts_alert_sink *out)
{
    for (size_t i = 0; i < st->n_cands; i++) {
        cand *c = &st->cands[i];
        int who = clicker(st, &c->p, &c->a);
        if (who >= 0)
            emit_click(&c->p, &c->a, who > 0, out);
        pending_free(&c->p);
    }
    st->n_cands = 0;
}
