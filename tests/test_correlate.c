/* test_correlate.c: alert aggregation, incident joining by host and account within the
 * window, stable incident ids and timeline order. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include <unistd.h>

#include "core/config.h"
#include "correlate/correlate.h"
#include "correlate/entity.h"

#define SEC 1000000000LL
#define HOUR (3600 * SEC)
#define DAY (24 * HOUR)
#define T0 (1416787200LL * SEC) /* 2014-11-24 */

static char *dup0(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* A heap alert as a detector would emit it (every string malloc'ed). */
static ts_alert *mk(const char *key, int64_t t, const char *ip, const char *host, const char *user)
{
    ts_alert *a = calloc(1, sizeof *a);
    a->detector = "test";
    a->key = dup0(key);
    a->title = dup0(key);
    a->kind = TS_EV_BEHAVIOUR;
    a->severity = 10;
    a->first_ns = a->last_ns = t;
    a->count = 1;
    if (ip)
        ts_ip_parse(ts_str_c(ip), &a->internal_ip);
    a->internal_host = dup0(host);
    a->user = dup0(user);
    a->file = dup0("a.log");
    a->line = 1;
    return a;
}

/* Finishes c into incidents; frees nothing. */
static size_t run(ts_correlator *c, ts_incident ***out)
{
    return ts_correlator_finish(c, out);
}

static void free_all(ts_incident **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ts_incident_free(v[i]);
    free(v);
}

static void test_entity_keys(void)
{
    char k[TS_ENTITY_KEY_MAX];
    CHECK_INT(ts_entity_host_key("WS01.corp.local", k, sizeof k), 6);
    CHECK_STR(k, "h:ws01");
    CHECK(ts_entity_host_key("\\\\ws01.", k, sizeof k) && strcmp(k, "h:ws01") == 0);
    CHECK(ts_entity_host_key(" 10.0.0.5 ", k, sizeof k) && strcmp(k, "h:10.0.0.5") == 0);
    CHECK_INT(ts_entity_host_key("-", k, sizeof k), 0);
    CHECK_INT(ts_entity_host_key("localhost", k, sizeof k), 0);
    CHECK_INT(ts_entity_host_key("", k, sizeof k), 0);
    CHECK_INT(ts_entity_host_key(NULL, k, sizeof k), 0);
    CHECK_INT(ts_entity_host_key("ws01", k, 4), 0); /* does not fit */
    CHECK(ts_entity_user_key("CORP\\JSmith", k, sizeof k) && strcmp(k, "u:jsmith") == 0);
    CHECK(ts_entity_user_key("jsmith@corp.example", k, sizeof k) && strcmp(k, "u:jsmith") == 0);
    CHECK(ts_entity_user_key("CORP\\WS02$", k, sizeof k) && strcmp(k, "h:ws02") == 0);
    CHECK_INT(ts_entity_user_key("NT AUTHORITY\\SYSTEM", k, sizeof k), 0);
    CHECK_INT(ts_entity_user_key("root", k, sizeof k), 0);
    CHECK_INT(ts_entity_user_key("-", k, sizeof k), 0);
    CHECK_INT(ts_entity_user_key("CORP\\", k, sizeof k), 0);
    ts_ip lo;
    ts_ip_parse(ts_str_c("127.0.0.1"), &lo);
    CHECK_INT(ts_entity_ip_key(&lo, k, sizeof k), 0);
}

static void test_aggregation(void)
{
    ts_correlator *c = ts_correlator_new(0);
    ts_alert *a = mk("k1", T0 + 300 * SEC, NULL, "ws01", NULL);
    ts_alert *b = mk("k1", T0 + 100 * SEC, NULL, NULL, "alice");
    ts_alert *d = mk("k1", T0 + 200 * SEC, NULL, NULL, NULL);
    b->severity = 50;
    b->count = 0; /* counts as one event */
    free(b->file);
    b->file = dup0("b.log");
    b->line = 7;
    d->count = 5;
    d->last_ns = T0 + 900 * SEC;
    ts_correlator_add(c, a);
    ts_correlator_add(c, b);
    ts_correlator_add(c, d);
    ts_correlator_add(c, mk("k2", T0, NULL, "ws01", NULL));
    ts_correlator_add(c, NULL); /* ignored */
    CHECK_INT(ts_correlator_alert_count(c), 2);
    ts_incident **v;
    size_t n = run(c, &v);
    CHECK_INT(n, 1);
    CHECK_INT(ts_correlator_alert_count(c), 0);
    if (n == 1) {
        CHECK_INT(v[0]->n_alerts, 2);
        const ts_alert *k1 = v[0]->alerts[1]; /* k2 at T0 comes first */
        CHECK_STR(v[0]->alerts[0]->key, "k2");
        CHECK_STR(k1->key, "k1");
        CHECK_INT(k1->count, 7);
        CHECK(k1->first_ns == T0 + 100 * SEC);
        CHECK(k1->last_ns == T0 + 900 * SEC);
        CHECK_INT(k1->severity, 50);
        CHECK_STR(k1->file, "b.log"); /* the earliest event's provenance */
        CHECK_INT(k1->line, 7);
        CHECK_STR(k1->internal_host, "ws01"); /* entities of repeats are kept */
        CHECK_STR(k1->user, "alice");
        CHECK_INT(v[0]->severity, 50);
        CHECK(v[0]->first_ns == T0 && v[0]->last_ns == T0 + 900 * SEC);
    }
    free_all(v, n);
    CHECK_INT(run(c, &v), 0); /* empty afterwards */
    CHECK(v == NULL);
    ts_correlator_free(c);
}

/* An alert made from an event, as detectors make them: its first hit is that event. */
static ts_alert *mk_from_event(const char *key, int64_t t, const char *file, uint64_t line, const char *uid)
{
    ts_field f[] = {{ts_str_c("uid"), ts_str_c(uid)}};
    ts_event ev;
    ts_event_clear(&ev);
    ev.ts_ns = t;
    ev.file = file;
    ev.line = line;
    ev.host = ts_str_c("ws07");
    ev.command_line = ts_str_c("cmd.exe /c whoami");
    ev.fields = f;
    ev.n_fields = 1;
    ts_alert *a = calloc(1, sizeof *a);
    a->detector = "test";
    a->key = dup0(key);
    a->title = dup0(key);
    ts_alert_from_event(a, &ev);
    return a;
}

/* Every event behind an alert is kept up to TS_ALERT_HITS, the earliest first, whatever the
 * order repeats arrive in; the same event twice is kept once; the count keeps them all. */
static void test_hits(void)
{
    ts_correlator *c = ts_correlator_new(0);
    char uid[16];
    for (int i = 40; i >= 1; i--) { /* newest first */
        snprintf(uid, sizeof uid, "C%d", i);
        ts_correlator_add(c, mk_from_event("k", T0 + i * SEC, "conn.log", (uint64_t)i, uid));
    }
    ts_correlator_add(c, mk_from_event("k", T0 + 3 * SEC, "conn.log", 3, "C3")); /* a repeat */
    ts_incident **v;
    size_t n = run(c, &v);
    CHECK_INT(n, 1);
    if (n == 1 && v[0]->n_alerts == 1) {
        const ts_alert *a = v[0]->alerts[0];
        CHECK_INT(a->count, 41);
        CHECK_INT(a->n_hits, TS_ALERT_HITS);
        CHECK(a->hits[0].ts_ns == T0 + SEC && a->hits[0].line == 1);
        CHECK_STR(a->hits[0].uid, "C1");
        CHECK_STR(a->hits[1].uid, "C2");
        CHECK_STR(a->hits[2].uid, "C3");
        CHECK_STR(a->hits[3].uid, "C4"); /* the repeat of C3 was kept once */
        CHECK_STR(a->hits[TS_ALERT_HITS - 1].file, "conn.log");
        CHECK(a->hits[TS_ALERT_HITS - 1].ts_ns == T0 + TS_ALERT_HITS * SEC);
        CHECK_STR(a->hits[0].host, "ws07");
        CHECK_STR(a->hits[0].command_line, "cmd.exe /c whoami");
        ts_alert *d = ts_alert_dup(a);
        CHECK(d && d->n_hits == a->n_hits && d->hits != a->hits && strcmp(d->hits[5].uid, "C6") == 0);
        ts_alert_free(d);
    }
    free_all(v, n);
    ts_correlator_free(c);
}

static void test_join_by_host_and_user(void)
{
    ts_correlator *c = ts_correlator_new(0);
    ts_correlator_add(c, mk("a", T0, "10.0.0.5", "WS01.corp.local", NULL));
    ts_correlator_add(c, mk("b", T0 + HOUR, NULL, "ws01", "CORP\\jsmith"));
    ts_correlator_add(c, mk("c", T0 + 2 * HOUR, NULL, "ws02", "jsmith@corp.example"));
    ts_correlator_add(c, mk("d", T0 + 3 * HOUR, NULL, NULL, "CORP\\WS02$")); /* machine account */
    ts_correlator_add(c, mk("e", T0 + 3 * HOUR, NULL, "ws09", "NT AUTHORITY\\SYSTEM"));
    ts_correlator_add(c, mk("f", T0 + 4 * HOUR, NULL, "ws10", "SYSTEM")); /* SYSTEM joins nothing */
    ts_correlator_add(c, mk("g", T0 + 5 * HOUR, "10.0.0.5", NULL, NULL)); /* by address */
    ts_correlator_add(c, mk("h", T0 + 6 * HOUR, NULL, NULL, NULL));       /* no entity */
    ts_correlator_add(c, mk("i", T0 + 6 * HOUR, NULL, NULL, NULL));       /* no entity */
    ts_incident **v;
    size_t n = run(c, &v);
    CHECK_INT(n, 5);
    if (n == 5) {
        CHECK_INT(v[0]->n_alerts, 5); /* a b c d g */
        CHECK_STR(v[0]->alerts[0]->key, "a");
        CHECK_STR(v[0]->alerts[4]->key, "g");
        CHECK_INT(v[0]->n_users, 1);
        CHECK_STR(v[0]->users[0], "CORP\\jsmith");
        /* 10.0.0.5, WS01.corp.local (the fuller spelling of ws01), ws02 */
        CHECK_INT(v[0]->n_hosts, 3);
        CHECK_STR(v[0]->hosts[0], "10.0.0.5");
        CHECK_STR(v[0]->hosts[1], "WS01.corp.local");
        CHECK_STR(v[0]->hosts[2], "ws02");
        CHECK_STR(v[1]->alerts[0]->key, "e");
        CHECK_INT(v[1]->n_users, 0);
        CHECK_STR(v[2]->alerts[0]->key, "f");
        CHECK_INT(v[3]->n_alerts + v[4]->n_alerts, 2);
        for (size_t i = 1; i < n; i++)
            CHECK(v[i - 1]->first_ns <= v[i]->first_ns);
    }
    free_all(v, n);
    ts_correlator_free(c);
}

/* A mail alert has no internal host: it joins through its recipient's account. */
static void test_mail_joins_by_recipient(void)
{
    ts_correlator *c = ts_correlator_new(0);
    ts_alert *mail = mk("phish", T0, NULL, NULL, "JDoe@corp.example");
    mail->kind = TS_EV_INDICATOR;
    mail->remote_name = dup0("attacker@evil.example");
    ts_correlator_add(c, mail);
    ts_correlator_add(c, mk("logon", T0 + 2 * HOUR, "10.1.1.7", "srv-fin01", "jdoe"));
    ts_correlator_add(c, mk("other", T0 + 2 * HOUR, NULL, NULL, "someone@corp.example"));
    ts_incident **v;
    size_t n = run(c, &v);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_INT(v[0]->n_alerts, 2);
        CHECK_STR(v[0]->alerts[0]->key, "phish");
        CHECK_INT(v[0]->n_users, 1);
        CHECK_STR(v[0]->users[0], "JDoe@corp.example");
        CHECK_INT(v[0]->n_hosts, 2);
        CHECK_STR(v[1]->alerts[0]->key, "other");
    }
    free_all(v, n);
    ts_correlator_free(c);
}

static void test_window(void)
{
    /* Default window (7 days): 8 days apart stays apart; a chain 5 + 5 days joins. */
    ts_correlator *c = ts_correlator_new(0);
    ts_correlator_add(c, mk("x1", T0, NULL, "srv1", NULL));
    ts_correlator_add(c, mk("x2", T0 + 8 * DAY, NULL, "srv1", NULL));
    ts_correlator_add(c, mk("y1", T0, NULL, "srv2", NULL));
    ts_correlator_add(c, mk("y3", T0 + 10 * DAY, NULL, "srv2", NULL));
    ts_correlator_add(c, mk("y2", T0 + 5 * DAY, NULL, "srv2", NULL));
    ts_incident **v;
    size_t n = run(c, &v);
    CHECK_INT(n, 3);
    if (n == 3) {
        size_t big = v[0]->n_alerts == 3 ? 0 : v[1]->n_alerts == 3 ? 1 : 2;
        CHECK_INT(v[big]->n_alerts, 3);
        CHECK_STR(v[big]->alerts[1]->key, "y2");
        CHECK(v[2]->first_ns == T0 + 8 * DAY);
        /* srv1's two sets say why they stay apart; srv2's chain shares nothing elsewhere */
        CHECK(v[2]->n_apart == 1 && strcmp(v[2]->apart[0], "same host srv1 as other alerts, but more than 7 "
                                                           "days apart") == 0);
        CHECK(v[big]->n_apart == 1 &&
              strstr(v[big]->apart[0], "shares no host, account") == v[big]->apart[0]);
    }
    free_all(v, n);
    ts_correlator_free(c);

    /* A one-hour window; a long alert (lasting until T0+3h) bridges a later one. */
    c = ts_correlator_new(HOUR);
    ts_alert *lng = mk("long", T0, NULL, "srv3", NULL);
    lng->last_ns = T0 + 3 * HOUR;
    ts_correlator_add(c, lng);
    ts_correlator_add(c, mk("near", T0 + 4 * HOUR, NULL, "srv3", NULL));
    ts_correlator_add(c, mk("far", T0 + 6 * HOUR, NULL, "srv3", NULL));
    n = run(c, &v);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_INT(v[0]->n_alerts, 2);
        CHECK_STR(v[1]->alerts[0]->key, "far");
        CHECK(v[1]->n_apart == 1 && strcmp(v[1]->apart[0], "same host srv3 as other alerts, but more than 1 "
                                                           "hour apart") == 0);
    }
    free_all(v, n);
    ts_correlator_free(c);
}

/* The same alerts in another order give the same incidents with the same ids. */
static void test_stable_ids(void)
{
    char ids[2][3][24];
    size_t counts[2] = {0, 0};
    for (int round = 0; round < 2; round++) {
        ts_correlator *c = ts_correlator_new(0);
        ts_alert *v[5] = {
            mk("p", T0, NULL, "ws01", NULL),
            mk("q", T0 + HOUR, NULL, "ws01", NULL),
            mk("r", T0 + 2 * HOUR, NULL, "ws05", NULL),
            mk("s", T0 + 30 * DAY, NULL, "ws01", NULL),
            mk("p", T0 + 2 * DAY, NULL, "ws01", NULL), /* a repeat of p */
        };
        for (int i = 0; i < 5; i++)
            ts_correlator_add(c, v[round ? 4 - i : i]);
        ts_incident **inc;
        size_t n = run(c, &inc);
        counts[round] = n;
        for (size_t i = 0; i < n && i < 3; i++)
            memcpy(ids[round][i], inc[i]->id, 24);
        if (n == 3) {
            CHECK_INT(inc[0]->alerts[0]->count, 2);
            CHECK_STR(inc[0]->alerts[0]->key, "p");
        }
        free_all(inc, n);
        ts_correlator_free(c);
    }
    CHECK_INT(counts[0], 3);
    CHECK_INT(counts[1], 3);
    for (int i = 0; i < 3; i++) {
        CHECK_STR(ids[0][i], ids[1][i]);
        CHECK(strncmp(ids[0][i], "INC-", 4) == 0 && strlen(ids[0][i]) == 20);
        CHECK(strspn(ids[0][i] + 4, "0123456789abcdef") == 16);
    }
    CHECK(strcmp(ids[0][0], ids[0][1]) != 0);
    CHECK(strcmp(ids[0][1], ids[0][2]) != 0);
}

/* An indicator alert: host reached the actor's server ioc. */
static ts_alert *mk_ioc(const char *key, int64_t t, const char *ip, const char *ioc, uint8_t confidence,
                        int shared)
{
    ts_alert *a = mk(key, t, ip, NULL, NULL);
    a->kind = TS_EV_INDICATOR;
    a->ioc_type = TS_IOC_IP;
    a->ioc_value = dup0(ioc);
    a->actorset = 1;
    a->confidence = confidence;
    a->shared = (uint8_t)shared;
    return a;
}

/* Hosts reaching one actor's server form one campaign; a shared, warninglisted or
 * low-confidence indicator joins nothing. */
static void test_campaign_indicator(void)
{
    const int64_t h = 3600LL * 1000000000LL;
    ts_correlator *c = ts_correlator_new(0);
    ts_incident **v;
    ts_correlator_add(c, mk_ioc("c2|a", 1 * h, "10.0.0.1", "203.0.113.9", 80, 0));
    ts_correlator_add(c, mk_ioc("c2|b", 2 * h, "10.0.0.2", "203.0.113.9", 80, 0));
    size_t n = run(c, &v);
    CHECK_INT(n, 1);
    free_all(v, n);

    ts_correlator_add(c, mk_ioc("cdn|a", 1 * h, "10.0.0.1", "198.18.0.1", 80, 1));
    ts_correlator_add(c, mk_ioc("cdn|b", 2 * h, "10.0.0.2", "198.18.0.1", 80, 1));
    n = run(c, &v);
    CHECK_INT(n, 2);
    free_all(v, n);

    ts_correlator_add(c, mk_ioc("weak|a", 1 * h, "10.0.0.1", "198.18.0.2", 30, 0));
    ts_correlator_add(c, mk_ioc("weak|b", 2 * h, "10.0.0.2", "198.18.0.2", 30, 0));
    ts_alert *sup = mk_ioc("sup|c", 2 * h, "10.0.0.3", "198.18.0.2", 90, 0);
    sup->suppressed = dup0("warninglist: test");
    ts_correlator_add(c, sup);
    n = run(c, &v);
    CHECK_INT(n, 3);
    free_all(v, n);
    ts_correlator_free(c);
}

/* A host in alerts of many accounts is a relay (the mail server), not a shared victim. */
static void test_hub_host(void)
{
    const int64_t h = 3600LL * 1000000000LL;
    ts_correlator *c = ts_correlator_new(0);
    ts_incident **v;
    char key[32], user[32];
    for (int i = 0; i < 12; i++) {
        snprintf(key, sizeof key, "mail|%d", i);
        snprintf(user, sizeof user, "user%d", i);
        ts_correlator_add(c, mk(key, (i + 1) * h, "10.0.0.25", NULL, user));
    }
    size_t n = run(c, &v);
    CHECK_INT(n, 12);
    free_all(v, n);
    for (int i = 0; i < 3; i++) {
        snprintf(key, sizeof key, "ws|%d", i);
        snprintf(user, sizeof user, "user%d", i);
        ts_correlator_add(c, mk(key, (i + 1) * h, "10.0.0.26", NULL, user));
    }
    n = run(c, &v);
    CHECK_INT(n, 1);
    free_all(v, n);
    ts_correlator_free(c);
}

/* A logon event naming its workstation and source address: what teaches a binding. */
static void logon_seen(ts_correlator *c, const char *ws, const char *ip, int64_t t)
{
    ts_event ev;
    ts_event_clear(&ev);
    ev.ts_ns = t;
    ev.src_host = ts_str_c(ws);
    ts_ip_parse(ts_str_c(ip), &ev.src_ip);
    ev.src_geo.flags = TS_NET_KNOWN | TS_NET_INTERNAL;
    ts_correlator_observe(c, &ev);
}

/* An alert known only by an address (a Zeek record) joins the alerts of the machine that
 * used the address then; not when the address belonged to another machine at the time,
 * nor when it passed between too many. */
static void test_address_bindings(void)
{
    ts_correlator *c = ts_correlator_new(0);
    ts_incident **inc;
    logon_seen(c, "WS-0056", "10.10.100.65", T0);
    logon_seen(c, "WS-0056.corp.example", "10.10.100.65", T0 + 5 * DAY);
    logon_seen(c, "WS-0099", "10.10.100.65", T0 + 40 * DAY); /* DHCP gave it to another machine */
    ts_correlator_add(c, mk("stage", T0 + 4 * DAY, NULL, "ws-0056.corp.example", "dmitchell"));
    ts_correlator_add(c, mk("upload", T0 + 5 * DAY + HOUR, "10.10.100.65", NULL, NULL));
    ts_correlator_add(c, mk("later", T0 + 40 * DAY + HOUR, "10.10.100.65", NULL, NULL));
    ts_correlator_add(c, mk("ws99", T0 + 41 * DAY, NULL, "WS-0099", NULL));
    size_t n = run(c, &inc);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_INT(inc[0]->n_alerts, 2); /* stage + upload */
        CHECK_STR(inc[0]->alerts[1]->key, "upload");
        /* and it says which machine it is about: the one bound to its address then */
        CHECK_STR(inc[0]->alerts[1]->internal_host, "ws-0056");
        CHECK_INT(inc[1]->n_alerts, 2); /* later + ws99: the address was WS-0099's by then */
        CHECK_STR(inc[1]->alerts[0]->internal_host, "ws-0099");
    }
    free_all(inc, n);
    ts_correlator_free(c);

    /* Three machines on one address: nobody's. */
    c = ts_correlator_new(0);
    logon_seen(c, "WS-1", "10.10.100.7", T0);
    logon_seen(c, "WS-2", "10.10.100.7", T0 + HOUR);
    logon_seen(c, "WS-3", "10.10.100.7", T0 + 2 * HOUR);
    ts_correlator_add(c, mk("a", T0 + HOUR, NULL, "WS-1", NULL));
    ts_correlator_add(c, mk("b", T0 + HOUR, "10.10.100.7", NULL, NULL));
    n = run(c, &inc);
    CHECK_INT(n, 2);
    for (size_t i = 0; i < n; i++) /* and "b" names no machine */
        for (size_t k = 0; k < inc[i]->n_alerts; k++)
            if (!strcmp(inc[i]->alerts[k]->key, "b"))
                CHECK(inc[i]->alerts[k]->internal_host == NULL);
    free_all(inc, n);
    ts_correlator_free(c);

    /* An outside address, or a binding a week away from the alert, joins nothing. */
    c = ts_correlator_new(0);
    ts_event ev;
    ts_event_clear(&ev);
    ev.ts_ns = T0;
    ev.src_host = ts_str_c("WS-5");
    ts_ip_parse(ts_str_c("198.51.100.9"), &ev.src_ip);
    ev.src_geo.flags = TS_NET_KNOWN;
    ts_correlator_observe(c, &ev);
    logon_seen(c, "WS-6", "10.10.100.8", T0);
    ts_correlator_add(c, mk("x", T0, NULL, "WS-5", NULL));
    ts_correlator_add(c, mk("y", T0, "198.51.100.9", NULL, NULL));
    ts_correlator_add(c, mk("z", T0 + 8 * DAY, NULL, "WS-6", NULL));
    ts_correlator_add(c, mk("w", T0 + 8 * DAY, "10.10.100.8", NULL, NULL));
    n = run(c, &inc);
    CHECK_INT(n, 4);
    free_all(inc, n);
    ts_correlator_free(c);

    /* A connection the endpoint logged itself (Sysmon 3, by its action, whoever read it)
       binds the logging host to its side; another event of the same shape does not. */
    for (int kind = 0; kind < 2; kind++) {
        c = ts_correlator_new(0);
        ts_event_clear(&ev);
        ev.ts_ns = T0;
        ev.host = ts_str_c("WS-7");
        ev.action = ts_str_c(kind == 0 ? "network-connection" : "dns-query");
        ts_ip_parse(ts_str_c("10.10.100.9"), &ev.src_ip);
        ev.src_geo.flags = TS_NET_KNOWN | TS_NET_INTERNAL;
        ts_field init = {ts_str_c("Initiated"), ts_str_c("true")};
        ev.fields = &init;
        ev.n_fields = 1;
        ts_correlator_observe(c, &ev);
        ts_correlator_add(c, mk("host", T0, NULL, "WS-7", NULL));
        ts_correlator_add(c, mk("addr", T0 + HOUR, "10.10.100.9", NULL, NULL));
        n = run(c, &inc);
        CHECK_INT(n, kind == 0 ? 1 : 2);
        free_all(inc, n);
        ts_correlator_free(c);
    }
}

/* Mails from one look-alike domain to many recipients, and hosts beaconing to one outside
 * address, are one campaign each, and the incident says why; an address or domain seen
 * from more places than the cap, a private address, or a shared indicator joins nothing. */
static void test_outside_joins(void)
{
    ts_correlator *c = ts_correlator_new(0);
    ts_incident **v;
    char key[32], user[32], from[64];
    for (int i = 0; i < 13; i++) {
        snprintf(key, sizeof key, "phish|%d", i);
        snprintf(user, sizeof user, "user%d@corp.example", i);
        snprintf(from, sizeof from, "hr%d@Sony-Pictures-HR.example", i % 3);
        ts_alert *m = mk(key, T0 + i * HOUR, NULL, NULL, user);
        m->remote_name = dup0(from);
        ts_correlator_add(c, m);
    }
    ts_alert *b = mk("beacon", T0 + DAY, "10.0.0.7", "ws07", NULL);
    ts_ip_parse(ts_str_c("175.45.178.3"), &b->remote_ip);
    ts_correlator_add(c, b);
    ts_alert *x = mk("exfil", T0 + 2 * DAY, "10.0.0.8", "ws08", NULL);
    ts_ip_parse(ts_str_c("175.45.178.3"), &x->remote_ip);
    ts_correlator_add(c, x);
    size_t n = run(c, &v);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_INT(v[0]->n_alerts, 13);
        CHECK_INT(v[0]->n_users, 13);
        CHECK_INT(v[0]->n_joined, 1);
        if (v[0]->n_joined)
            CHECK_STR(v[0]->joined[0], "same sender domain sony-pictures-hr.example");
        CHECK_INT(v[1]->n_alerts, 2);
        CHECK_INT(v[1]->n_joined, 1);
        if (v[1]->n_joined)
            CHECK_STR(v[1]->joined[0], "same outside address 175.45.178.3");
    }
    free_all(v, n);

    /* common infrastructure: one address reached from 40 hosts stays 40 incidents */
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "cdn|%d", i);
        snprintf(user, sizeof user, "ws%d", i);
        ts_alert *a = mk(key, T0 + i * HOUR, NULL, user, NULL);
        ts_ip_parse(ts_str_c("151.101.1.69"), &a->remote_ip);
        ts_correlator_add(c, a);
    }
    n = run(c, &v);
    CHECK_INT(n, 40);
    if (n) {
        CHECK_INT(v[0]->n_joined, 0);
        CHECK_INT(v[0]->n_apart, 1); /* and each says why it stays apart */
        if (v[0]->n_apart)
            CHECK_STR(v[0]->apart[0], "outside address 151.101.1.69 is in alerts of more than 32 hosts or "
                                      "accounts: common infrastructure, joins nothing");
    }
    free_all(v, n);

    /* the cap is a setting: at 64 places the same 40 hosts are one campaign */
    char conf[] = "/tmp/test_correlate.XXXXXX";
    int fd = mkstemp(conf);
    FILE *cf = fd >= 0 ? fdopen(fd, "w") : NULL;
    CHECK(cf != NULL);
    ts_config *cfg = NULL;
    if (cf) {
        fputs("[correlate]\noutside_max_places = 64\n", cf);
        fclose(cf);
        CHECK(ts_config_load(conf, &cfg, NULL, NULL) == TOCSIN_OK);
        unlink(conf);
    }
    ts_correlator *wide = ts_correlator_new(0);
    ts_correlator_configure(wide, cfg);
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "cdn|%d", i);
        snprintf(user, sizeof user, "ws%d", i);
        ts_alert *a = mk(key, T0 + i * HOUR, NULL, user, NULL);
        ts_ip_parse(ts_str_c("151.101.1.69"), &a->remote_ip);
        ts_correlator_add(wide, a);
    }
    n = run(wide, &v);
    CHECK_INT(n, 1);
    if (n)
        CHECK_INT(v[0]->n_apart, 0); /* the run's only incident: nothing to stand apart from */
    free_all(v, n);
    ts_correlator_free(wide);
    ts_config_free(cfg);

    /* a freemail domain: five people writing from it are five senders, not one */
    for (int i = 0; i < 5; i++) {
        snprintf(key, sizeof key, "free|%d", i);
        snprintf(user, sizeof user, "user%d@corp.example", i);
        snprintf(from, sizeof from, "person%d@freemail.example", i);
        ts_alert *m = mk(key, T0 + i * HOUR, NULL, NULL, user);
        m->remote_name = dup0(from);
        ts_correlator_add(c, m);
    }
    n = run(c, &v);
    CHECK_INT(n, 5);
    if (n)
        CHECK(v[0]->n_apart == 1 &&
              strstr(v[0]->apart[0], "sender domain freemail.example has more than 4 senders"));
    free_all(v, n);

    /* a private address, a shared indicator, a warninglisted one: nothing joins */
    const char *ips[] = {"10.9.9.9", "10.9.9.9", "8.8.8.8", "8.8.8.8"};
    for (int i = 0; i < 4; i++) {
        snprintf(key, sizeof key, "k|%d", i);
        snprintf(user, sizeof user, "host%d", i);
        ts_alert *a = mk(key, T0 + i * HOUR, NULL, user, NULL);
        ts_ip_parse(ts_str_c(ips[i]), &a->remote_ip);
        if (i == 2)
            a->shared = 1;
        if (i == 3)
            a->suppressed = dup0("warninglist: public DNS");
        ts_correlator_add(c, a);
    }
    n = run(c, &v);
    CHECK_INT(n, 4);
    free_all(v, n);
    ts_correlator_free(c);
}

/* Marked alerts (routine, or suppressed by the analyst) before incidents form: habitual
 * contact of two hosts with one popular domain ties nothing; each stays with its host, and
 * adds nothing to the incident's severity. */
static void test_marked_alerts_join_nothing(void)
{
    ts_correlator *c = ts_correlator_new(0);
    ts_incident **v;
    for (int i = 0; i < 3; i++) {
        char key[32], host[16], ip[16];
        snprintf(key, sizeof key, "beacon|%d", i);
        snprintf(host, sizeof host, "ws%d", i);
        snprintf(ip, sizeof ip, "10.0.0.%d", i + 1);
        ts_alert *b = mk(key, T0 + i * HOUR, ip, host, NULL);
        b->remote_name = dup0("www.popular.example");
        b->severity = 60;
        ts_correlator_add(c, b);
    }
    ts_alert *s = mk("sigma|x", T0 + 3 * HOUR, "10.0.0.1", "ws0", NULL);
    s->severity = 30;
    ts_correlator_add(c, s);
    size_t n_held;
    ts_alert **held = ts_correlator_alerts(c, &n_held);
    CHECK_INT(n_held, 4);
    if (n_held == 4) {
        held[1]->suppression = 7; /* an analyst's rule */
        held[2]->suppressed = dup0("routine: a popular destination");
    }
    size_t n = run(c, &v);
    CHECK_INT(n, 3); /* unmarked, the shared domain made them one */
    for (size_t i = 0; i < n; i++) {
        CHECK_INT(v[i]->n_joined, 0);
        CHECK_INT(v[i]->severity, v[i]->n_alerts == 2 ? 60 : 0);
    }
    free_all(v, n);
    ts_correlator_free(c);
}

/* A hunt reading the same logs again (api/rerun.c): an alert it raises again from the same
 * events counts them once (the larger count), whatever order; a stored alert it did not
 * raise again still joins its host's incident. */
static void test_stored_alerts(void)
{
    ts_correlator *c = ts_correlator_new(0);
    ts_alert *again = mk("k1", 1000, "10.0.0.1", "ws1", NULL);
    again->count = 5;
    ts_correlator_add(c, again);
    ts_alert *before = mk("k1", 1000, "10.0.0.1", "ws1", NULL);
    before->count = 7;
    ts_correlator_add_stored(c, before);
    ts_correlator_add_stored(c, mk("k2", 2000, "10.0.0.1", "ws1", NULL)); /* not raised again */
    ts_incident **inc;
    size_t n = run(c, &inc);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_INT(inc[0]->n_alerts, 2);
        CHECK_INT(inc[0]->alerts[0]->count, 7); /* not 12 */
    }
    free_all(inc, n);
    /* a repeat raised in the run itself still adds up */
    ts_correlator_add(c, mk("k1", 1000, "10.0.0.1", "ws1", NULL));
    ts_correlator_add(c, mk("k1", 1500, "10.0.0.1", "ws1", NULL));
    n = run(c, &inc);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_INT(inc[0]->alerts[0]->count, 2);
    free_all(inc, n);
    ts_correlator_add_stored(c, mk("k3", 3000, "10.0.0.2", "ws2", NULL)); /* freed with c */
    ts_correlator_free(c);
}

int main(void)
{
    test_entity_keys();
    test_aggregation();
    test_hits();
    test_join_by_host_and_user();
    test_mail_joins_by_recipient();
    test_window();
    test_stable_ids();
    test_campaign_indicator();
    test_hub_host();
    test_address_bindings();
    test_outside_joins();
    test_marked_alerts_join_nothing();
    test_stored_alerts();
    return check_done("test_correlate");
}
