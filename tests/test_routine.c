/* test_routine.c: routine sources. A weekly scanner failing logons on 150 hosts and a
 * deployment server pushing a service to 60 hosts every evening are learned and marked
 * routine; an attacker sweeping 10 hosts once, the scanner doing something new, or doing
 * its usual thing at another hour still alert; named sources; the state kept across runs
 * and bounded. From the events: a network sweeper whose few alerts come with its weekly
 * sweeps, and the same rule on a small estate's every workstation every week (a fleet-wide
 * job), are routine; the same without the sweeps, once, or without knowing the estate is not.
 * A beacon to a destination a third of the estate reaches every day is habit; to one only
 * its host reaches, or an exfiltration to the popular one, is not. A Sigma alert on the very
 * events of a host's routine habit is routine; with one event more, it is not. So is one on
 * a command line its account ran there on 4 days (the admin's remote desktop to the jump
 * host); another command line, or one event more, is not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/config.h"
#include "core/event.h"
#include "correlate/routine.h"
#include "detect/alert_util.h"

#define SEC 1000000000LL
#define MIN (60 * SEC)
#define HOUR (3600 * SEC)
#define DAY (24 * HOUR)
#define WEEK (7 * DAY)
#define T0 (1416787200LL * SEC) /* Monday 2014-11-24 00:00 UTC */

/* An alert as a detector emits it: src acts on the target host or address. */
static ts_alert *mk(const char *det, const char *tech, const char *src, const char *target, int64_t t,
                    int src_is_internal)
{
    ts_alert *a = calloc(1, sizeof *a);
    a->detector = det;
    a->techniques = strdup(tech);
    a->key = strdup(target);
    a->title = strdup(target);
    a->kind = TS_EV_BEHAVIOUR;
    a->severity = 60;
    a->first_ns = a->last_ns = t;
    a->count = 1;
    a->direction = TS_DIR_INTERNAL;
    if (src_is_internal) { /* lateral movement: the internal side acts on the remote one */
        ts_ip_parse(ts_str_c(src), &a->internal_ip);
        ts_ip_parse(ts_str_c(target), &a->remote_ip);
    } else { /* a logon: the remote side acts on the host that logged it */
        ts_ip_parse(ts_str_c(src), &a->remote_ip);
        a->internal_host = strdup(target);
    }
    return a;
}

static void host_name(char *buf, size_t cap, int i)
{
    snprintf(buf, cap, "ws%03d.corp.example", i);
}

/* The scanner 10.0.5.20 fails logons on hosts [0, n) on Mondays 02:00-02:59 of weeks [0, weeks). */
static void scan_from(ts_routine *r, int64_t base, int weeks, int n)
{
    char h[64];
    for (int w = 0; w < weeks; w++)
        for (int i = 0; i < n; i++) {
            host_name(h, sizeof h, i);
            ts_alert *a =
                mk("credential", "T1110.001", "10.0.5.20", h, base + w * WEEK + 2 * HOUR + i * 20 * SEC, 0);
            ts_routine_observe(r, a);
            ts_alert_free(a);
        }
}

static void scan(ts_routine *r, int weeks, int n)
{
    scan_from(r, T0, weeks, n);
}

/* Marks one alert, as an incident of its own; returns whether it was marked routine. */
static int routine(const ts_routine *r, ts_alert *a, char *why, size_t cap)
{
    ts_alert *v[1] = {a};
    ts_incident inc = {.alerts = v, .n_alerts = 1, .severity = a->severity};
    size_t m = ts_routine_mark(r, &inc);
    if (why)
        snprintf(why, cap, "%s", a->suppressed ? a->suppressed : "");
    int marked = m == 1 && a->routine && inc.severity == 0;
    ts_alert_free(a);
    return marked;
}

static ts_config *conf(const char *text, char *path, size_t cap)
{
    snprintf(path, cap, "/tmp/test_routine_%d.conf", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    ts_config *c = NULL;
    ts_config_load(path, &c, NULL, NULL);
    return c;
}

static void weekly_scanner(void)
{
    ts_routine *r = ts_routine_new(NULL, NULL, NULL, NULL);
    scan(r, 3, 150);
    char why[512];
    /* one host's aggregated brute-force alert over the three Mondays */
    ts_alert *a = mk("credential", "T1110.001", "10.0.5.20", "ws007.corp.example", T0 + 2 * HOUR, 0);
    a->last_ns = T0 + 2 * WEEK + 2 * HOUR + 30 * 60 * SEC;
    CHECK(routine(r, a, why, sizeof why));
    CHECK(strstr(why, "routine: 10.0.5.20 touched ") != NULL);
    CHECK(strstr(why, "every Monday 02:00-03:00 UTC on 3 occasions") != NULL);
    /* every one of the 150 hosts' alerts is routine: none raised */
    int raised = 0;
    for (int i = 0; i < 150; i++) {
        char h[64];
        host_name(h, sizeof h, i);
        raised +=
            !routine(r, mk("credential", "T1110.001", "10.0.5.20", h, T0 + WEEK + 2 * HOUR, 0), NULL, 0);
    }
    CHECK_INT(raised, 0);
    /* something new: another technique (spraying) from the scanner alerts */
    CHECK(!routine(r, mk("credential", "T1110.003", "10.0.5.20", "ws001.corp.example", T0 + 2 * HOUR, 0),
                   NULL, 0));
    /* its usual doing on a Wednesday afternoon alerts */
    a = mk("credential", "T1110.001", "10.0.5.20", "ws001.corp.example", T0 + 2 * HOUR, 0);
    a->last_ns = T0 + 2 * WEEK + 2 * DAY + 14 * HOUR;
    CHECK(!routine(r, a, NULL, 0));
    /* an alert already suppressed by a warninglist is left as it was */
    a = mk("credential", "T1110.001", "10.0.5.20", "ws001.corp.example", T0 + 2 * HOUR, 0);
    a->suppressed = strdup("warninglist");
    CHECK(!routine(r, a, why, sizeof why));
    CHECK_STR(why, "warninglist");
    /* an indicator match is never routine */
    a = mk("credential", "T1110.001", "10.0.5.20", "ws001.corp.example", T0 + 2 * HOUR, 0);
    a->kind = TS_EV_INDICATOR;
    CHECK(!routine(r, a, NULL, 0));
    ts_routine_free(r);
}

static void near_misses(void)
{
    ts_routine *r = ts_routine_new(NULL, NULL, NULL, NULL);
    char h[64];
    /* an attacker sweeps 10 hosts once, at the scanner's hour */
    for (int i = 0; i < 10; i++) {
        host_name(h, sizeof h, i);
        ts_alert *a = mk("credential", "T1110.001", "10.0.9.9", h, T0 + 2 * HOUR, 0);
        ts_routine_observe(r, a);
        ts_alert_free(a);
    }
    CHECK(!routine(r, mk("credential", "T1110.001", "10.0.9.9", "ws001.corp.example", T0 + 2 * HOUR, 0), NULL,
                   0));
    /* a scanner seen twice (below min_occasions = 3) is not yet routine */
    scan(r, 2, 150);
    CHECK(!routine(r, mk("credential", "T1110.001", "10.0.5.20", "ws001.corp.example", T0 + 2 * HOUR, 0),
                   NULL, 0));
    /* an attacker sweeping 150 hosts once, even three times in one day, is one occasion */
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 150; i++) {
            host_name(h, sizeof h, i);
            ts_alert *a = mk("lateral", "T1021.002", "10.0.8.8", "x", T0 + 3 * DAY + k * HOUR, 1);
            ts_ip_parse(ts_str_c("10.0.1.1"), &a->remote_ip);
            a->remote_ip.b[3] = (uint8_t)i, a->remote_ip.b[2] = (uint8_t)(i >> 8);
            ts_routine_observe(r, a);
            ts_alert_free(a);
        }
    CHECK(!routine(r, mk("lateral", "T1021.002", "10.0.8.8", "10.0.1.1", T0 + 3 * DAY, 1), NULL, 0));
    ts_routine_free(r);
}

/* 10.0.6.10 installs a service on 60 hosts every evening at 22:00, Monday to Friday. */
static void deployment_server(void)
{
    ts_routine *r = ts_routine_new(NULL, NULL, NULL, NULL);
    char ip[32], why[512];
    for (int d = 0; d < 5; d++)
        for (int i = 0; i < 60; i++) {
            snprintf(ip, sizeof ip, "10.0.2.%d", i + 1);
            ts_alert *a = mk("lateral", "T1569.002", "10.0.6.10", ip, T0 + d * DAY + 22 * HOUR + i * SEC, 1);
            ts_routine_observe(r, a);
            ts_alert_free(a);
        }
    CHECK(routine(r, mk("lateral", "T1569.002", "10.0.6.10", "10.0.2.7", T0 + 2 * DAY + 22 * HOUR, 1), why,
                  sizeof why));
    CHECK(strstr(why, "daily 22:00-23:00 UTC on 5 occasions") != NULL);
    /* a daily job: the same hour on the Saturday is usual too, but not 10:00 */
    CHECK(routine(r, mk("lateral", "T1569.002", "10.0.6.10", "10.0.2.7", T0 + 5 * DAY + 22 * HOUR, 1), NULL,
                  0));
    CHECK(!routine(r, mk("lateral", "T1569.002", "10.0.6.10", "10.0.2.7", T0 + 5 * DAY + 10 * HOUR, 1), NULL,
                   0));
    /* the deployment server's targets are not routine sources themselves */
    CHECK(!routine(r, mk("lateral", "T1569.002", "10.0.2.7", "10.0.6.10", T0 + 2 * DAY + 22 * HOUR, 1), NULL,
                   0));
    /* kept across runs: a new learner loaded from the saved state judges alike */
    void *blob;
    size_t len;
    CHECK_INT(ts_routine_save(r, &blob, &len), TOCSIN_OK);
    ts_routine *again = ts_routine_new(NULL, NULL, NULL, NULL);
    CHECK_INT(ts_routine_load(again, blob, len), TOCSIN_OK);
    CHECK(routine(again, mk("lateral", "T1569.002", "10.0.6.10", "10.0.2.7", T0 + 2 * DAY + 22 * HOUR, 1),
                  NULL, 0));
    /* a damaged blob is refused and leaves the learner as it was */
    CHECK_INT(ts_routine_load(again, blob, len - 1), TOCSIN_E_FORMAT);
    CHECK_INT(ts_routine_load(again, "junk", 4), TOCSIN_E_FORMAT);
    CHECK(routine(again, mk("lateral", "T1569.002", "10.0.6.10", "10.0.2.7", T0 + 2 * DAY + 22 * HOUR, 1),
                  NULL, 0));
    free(blob);
    ts_routine_free(again);
    ts_routine_free(r);
}

static void named_sources(void)
{
    char path[128], cpath[128], text[512], why[512];
    snprintf(path, sizeof path, "/tmp/test_routine_%d.tsv", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs("# comment\n10.0.7.0/29\tscanner\tNessus, security team\nbackup-*\tbackup\tnightly backups\n"
          "broken line\n",
          f);
    fclose(f);
    snprintf(text, sizeof text, "[routine]\nsources = %s\n", path);
    ts_config *c = conf(text, cpath, sizeof cpath);
    ts_routine *r = ts_routine_new(c, NULL, NULL, NULL);
    CHECK(r != NULL);
    char h[64];
    /* one run of 25 hosts, once: enough for a named scanner */
    for (int i = 0; i < 25; i++) {
        host_name(h, sizeof h, i);
        ts_alert *a = mk("credential", "T1110.001", "10.0.7.3", h, T0 + 15 * HOUR, 0);
        ts_routine_observe(r, a);
        ts_alert_free(a);
    }
    CHECK(routine(r, mk("credential", "T1110.001", "10.0.7.3", "ws001.corp.example", T0 + 15 * HOUR, 0), why,
                  sizeof why));
    CHECK(strstr(why, "routine: 10.0.7.3 is a scanner (Nessus, security team)") != NULL);
    /* the named scanner doing one thing to one host alerts */
    ts_alert *a = mk("exfil", "T1048", "10.0.7.3", "ws001.corp.example", T0 + 15 * HOUR, 0);
    ts_routine_observe(r, a);
    ts_alert_free(a);
    CHECK(!routine(r, mk("exfil", "T1048", "10.0.7.3", "ws001.corp.example", T0 + 15 * HOUR, 0), NULL, 0));
    /* an address outside the named network is judged as anyone */
    for (int i = 0; i < 25; i++) {
        host_name(h, sizeof h, i);
        a = mk("credential", "T1110.001", "10.0.7.9", h, T0 + 15 * HOUR, 0);
        ts_routine_observe(r, a);
        ts_alert_free(a);
    }
    CHECK(!routine(r, mk("credential", "T1110.001", "10.0.7.9", "ws001.corp.example", T0 + 15 * HOUR, 0),
                   NULL, 0));
    ts_routine_free(r);
    ts_config_free(c);
    unlink(path);
    unlink(cpath);
}

/* The table stays within max_cells however many sources come, forgetting the oldest days. */
static void bounded(void)
{
    char cpath[128];
    ts_config *c = conf("[routine]\nmax_cells = 1024\n", cpath, sizeof cpath);
    ts_routine *r = ts_routine_new(c, NULL, NULL, NULL);
    char ip[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(ip, sizeof ip, "10.1.%d.%d", (i >> 8) & 255, i & 255);
        ts_alert *a = mk("credential", "T1110.001", ip, "ws001.corp.example", T0 + (i / 500) * DAY, 0);
        ts_routine_observe(r, a);
        ts_alert_free(a);
    }
    ts_state_use u;
    CHECK_INT(ts_routine_usage(r, &u, 1), 1);
    CHECK(u.kept <= 1024);
    CHECK(u.evicted > 0);
    CHECK(u.bytes <= u.bound);
    /* the newest days are what is kept: a scan after them is still learned */
    scan_from(r, T0 + 42 * DAY, 3, 150);
    CHECK(routine(
        r, mk("credential", "T1110.001", "10.0.5.20", "ws001.corp.example", T0 + 42 * DAY + 2 * HOUR, 0),
        NULL, 0));
    ts_routine_usage(r, &u, 1);
    CHECK(u.kept <= 1024);
    ts_routine_free(r);
    ts_config_free(c);
    unlink(cpath);
}

/* An internal connection, as the readers give it. */
static void conn(ts_routine *r, const char *src, const char *dst, int64_t t)
{
    ts_event ev = {0};
    ev.type = TS_TYPE_CONNECTION;
    ev.ts_ns = t;
    ts_ip_parse(ts_str_c(src), &ev.src_ip);
    ts_ip_parse(ts_str_c(dst), &ev.dst_ip);
    ts_routine_event(r, &ev);
}

/* A small estate: 30 internal addresses talk to 10.0.0.1 every day of weeks [0, weeks). */
static void estate(ts_routine *r, int weeks)
{
    char ip[32];
    for (int d = 0; d < 7 * weeks; d++)
        for (int i = 0; i < 30; i++) {
            snprintf(ip, sizeof ip, "10.0.3.%d", i + 10);
            conn(r, ip, "10.0.0.1", T0 + d * DAY + 9 * HOUR + i * SEC);
        }
}

/* 10.0.5.30 connects to the 30 hosts every Monday 02:00 and brute-forces SSH on two Linux
 * servers while it is at it: alerts on two hosts a week, never min_hosts. */
static void sweeper(void)
{
    ts_routine *r = ts_routine_new(NULL, NULL, NULL, NULL);
    char ip[32], why[512];
    estate(r, 3);
    for (int w = 0; w < 3; w++) {
        for (int i = 0; i < 30; i++) {
            snprintf(ip, sizeof ip, "10.0.3.%d", i + 10);
            conn(r, "10.0.5.30", ip, T0 + w * WEEK + 2 * HOUR + i * SEC);
        }
        for (int k = 0; k < 2; k++) {
            ts_alert *a = mk("credential", "T1110.001", "10.0.5.30", k ? "lnx-1" : "lnx-2",
                             T0 + w * WEEK + 2 * HOUR, 0);
            ts_routine_observe(r, a);
            ts_alert_free(a);
            /* the same two alerts a week from an address that sweeps nothing */
            a = mk("credential", "T1110.001", "10.0.5.31", k ? "lnx-1" : "lnx-2", T0 + w * WEEK + 2 * HOUR,
                   0);
            ts_routine_observe(r, a);
            ts_alert_free(a);
        }
    }
    CHECK(routine(r, mk("credential", "T1110.001", "10.0.5.30", "lnx-1", T0 + WEEK + 2 * HOUR, 0), why,
                  sizeof why));
    CHECK(strstr(why, "routine: 10.0.5.30 sweeps the network") != NULL);
    CHECK(strstr(why, "every Monday 02:00-03:00 UTC on 3 occasions") != NULL);
    CHECK(!routine(r, mk("credential", "T1110.001", "10.0.5.31", "lnx-1", T0 + WEEK + 2 * HOUR, 0), NULL, 0));
    /* the sweeper at another hour, or doing something it never did with its sweeps */
    CHECK(!routine(r, mk("credential", "T1110.001", "10.0.5.30", "lnx-1", T0 + WEEK + 2 * DAY + 14 * HOUR, 0),
                   NULL, 0));
    /* another sub-technique of the same family (its failures looked like spraying this week)
       is its usual doing; another family (a logon with a stolen password) is not */
    CHECK(routine(r, mk("credential", "T1110.003,T1078", "10.0.5.30", "lnx-1", T0 + WEEK + 2 * HOUR, 0), NULL,
                  0) == 0);
    ts_alert *a = mk("credential", "T1110.003", "10.0.5.30", "lnx-1", T0 + 2 * WEEK + 2 * HOUR, 0);
    ts_routine_observe(r, a);
    ts_alert_free(a);
    CHECK(routine(r, mk("credential", "T1110.003", "10.0.5.30", "lnx-1", T0 + 2 * WEEK + 2 * HOUR, 0), NULL,
                  0));
    a = mk("lateral", "T1021.002", "10.0.5.30", "lnx-1", T0 + 2 * WEEK + 2 * HOUR, 0);
    ts_routine_observe(r, a);
    ts_alert_free(a);
    CHECK(
        !routine(r, mk("lateral", "T1021.002", "10.0.5.30", "lnx-1", T0 + 2 * WEEK + 2 * HOUR, 0), NULL, 0));
    /* workstations reaching a server each take no sweep: the server's alerts are not routine */
    ts_routine_free(r);
}

/* A host-only alert ("sigma|RULE|HOST") on 10 workstations every Tuesday 14:00. */
static void fleet_push(ts_routine *r, const char *rule, int weeks)
{
    char h[64], key[128];
    for (int w = 0; w < weeks; w++)
        for (int i = 0; i < 10; i++) {
            host_name(h, sizeof h, i);
            ts_alert *a = calloc(1, sizeof *a);
            a->detector = "sigma";
            a->kind = TS_EV_RULE;
            snprintf(key, sizeof key, "sigma|%s|%s", rule, h);
            a->key = strdup(key);
            a->title = strdup(key);
            a->internal_host = strdup(h);
            a->severity = 50;
            a->first_ns = a->last_ns = T0 + w * WEEK + DAY + 14 * HOUR + i * SEC;
            a->count = 1;
            ts_routine_observe(r, a);
            ts_alert_free(a);
        }
}

static ts_alert *fleet_alert(const char *rule, int64_t t)
{
    ts_alert *a = calloc(1, sizeof *a);
    a->detector = "sigma";
    a->kind = TS_EV_RULE;
    a->key = ts_fmt_alloc("sigma|%s|ws003.corp.example", rule);
    a->title = strdup("x");
    a->internal_host = strdup("ws003.corp.example");
    a->severity = 50;
    a->first_ns = a->last_ns = t;
    a->count = 1;
    return a;
}

static void fleet(void)
{
    char why[512];
    /* without events the estate is unknown: 10 hosts are below min_hosts (20) */
    ts_routine *r = ts_routine_new(NULL, NULL, NULL, NULL);
    fleet_push(r, "msi-quiet", 3);
    CHECK(!routine(r, fleet_alert("msi-quiet", T0 + WEEK + DAY + 14 * HOUR), NULL, 0));
    ts_routine_free(r);
    /* a 30-host estate: 10 hosts are a quarter of it and more, every week */
    r = ts_routine_new(NULL, NULL, NULL, NULL);
    estate(r, 3);
    fleet_push(r, "msi-quiet", 3);
    fleet_push(r, "once", 1);
    CHECK(routine(r, fleet_alert("msi-quiet", T0 + WEEK + DAY + 14 * HOUR), why, sizeof why));
    CHECK(strstr(why, "the same alert (sigma|msi-quiet|*) on ") != NULL);
    CHECK(strstr(why, "hosts at once every Tuesday 14:00-15:00 UTC on 3 occasions") != NULL);
    /* the same at 03:00, or a rule that hit every host only once (a wiper's service) */
    CHECK(!routine(r, fleet_alert("msi-quiet", T0 + WEEK + DAY + 3 * HOUR), NULL, 0));
    CHECK(!routine(r, fleet_alert("once", T0 + DAY + 14 * HOUR), NULL, 0));
    ts_routine_free(r);
}

/* An alert about host alone, keyed by what ran there, as the powershell detector emits it. */
static ts_alert *host_alert(const char *det, const char *host, const char *what, int64_t t)
{
    ts_alert *a = calloc(1, sizeof *a);
    a->detector = det;
    a->techniques = strdup("T1027.010,T1059.001");
    char key[160];
    snprintf(key, sizeof key, "%s|encoded|%s|%s", det, host, what);
    a->key = strdup(key);
    a->title = strdup(key);
    a->kind = TS_EV_BEHAVIOUR;
    a->severity = 50;
    a->first_ns = a->last_ns = t;
    a->count = 1;
    a->internal_host = strdup(host);
    return a;
}

/* The same encoded script on one admin's workstation on 4 days, at any hour, is that host's
 * habit; on 3 days, another script there, the same script on another host, or a detector
 * not in habit_detectors is not. */
static void host_habit(void)
{
    ts_routine *r = ts_routine_new(NULL, NULL, NULL, NULL);
    static const char *dets[] = {"powershell", "sigma"};
    for (int d = 0; d < 2; d++)
        for (int i = 0; i < 4; i++)
            for (int k = 0; k < 2; k++) { /* twice a day, at hours that change */
                ts_alert *a = host_alert(dets[d], "ws002", "aaaa", T0 + i * 3 * DAY + (8 + 4 * i + k) * HOUR);
                ts_routine_observe(r, a);
                ts_alert_free(a);
            }
    for (int i = 0; i < 3; i++) { /* another script, on 3 days only */
        ts_alert *a = host_alert("powershell", "ws002", "bbbb", T0 + i * DAY + 9 * HOUR);
        ts_routine_observe(r, a);
        ts_alert_free(a);
    }
    char why[512];
    CHECK(routine(r, host_alert("powershell", "ws002", "aaaa", T0 + 8 * HOUR), why, sizeof why));
    CHECK(strstr(why,
                 "the same powershell alert (or a lesser instance of it) on ws002 on 4 days over 10 days") !=
          NULL);
    CHECK(!routine(r, host_alert("powershell", "ws002", "bbbb", T0 + 9 * HOUR), NULL, 0));
    CHECK(!routine(r, host_alert("powershell", "ws002", "cccc", T0 + 9 * HOUR), NULL, 0));
    CHECK(!routine(r, host_alert("powershell", "ws003", "aaaa", T0 + 8 * HOUR), NULL, 0));
    CHECK(!routine(r, host_alert("sigma", "ws002", "aaaa", T0 + 8 * HOUR), NULL, 0));
    /* an outside download cradle names its host: never one host's habit */
    ts_alert *out = host_alert("powershell", "ws002", "aaaa", T0 + 8 * HOUR);
    out->remote_name = strdup("update-check.example.net");
    out->direction = TS_DIR_OUTBOUND;
    CHECK(!routine(r, out, NULL, 0));
    ts_routine_free(r);
}

/* The organisation's habit: the same encoded script (fleet_habit_keys) on two admins' desks,
 * two days on each, is 4 days on 2 hosts: routine on both, though neither host ran it on 4
 * days. On 3 days in all, on one host only, or under a key that does not name what ran (an
 * obfuscated block, keyed by host and account) it is not. */
static void fleet_habit(void)
{
    ts_routine *r = ts_routine_new(NULL, NULL, NULL, NULL);
    static const int64_t days[2][2] = {{0, 5}, {2, 9}};
    for (int h = 0; h < 2; h++)
        for (int i = 0; i < 2; i++) {
            const char *host = h ? "ws011" : "ws010";
            ts_alert *a = host_alert("powershell", host, "cccc", T0 + days[h][i] * DAY + 10 * HOUR);
            ts_routine_observe(r, a);
            ts_alert_free(a);
            if (!(h && i)) { /* dddd: the same, but on 3 days only */
                a = host_alert("powershell", host, "dddd", T0 + days[h][i] * DAY + 11 * HOUR);
                ts_routine_observe(r, a);
                ts_alert_free(a);
            }
            a = host_alert("powershell", host, "eeee", T0 + days[h][i] * DAY + 12 * HOUR);
            free(a->key);
            a->key = ts_fmt_alloc("powershell|obfuscated|%s|eeee", host);
            ts_routine_observe(r, a);
            ts_alert_free(a);
        }
    for (int i = 0; i < 3; i++) { /* ffff: one host, 3 days */
        ts_alert *a = host_alert("powershell", "ws012", "ffff", T0 + i * DAY + 10 * HOUR);
        ts_routine_observe(r, a);
        ts_alert_free(a);
    }
    char why[512];
    CHECK(routine(r, host_alert("powershell", "ws010", "cccc", T0 + 10 * HOUR), why, sizeof why));
    CHECK(strstr(why,
                 "the same powershell alert (powershell|encoded|*|cccc) on 2 hosts on 4 days over 10 days: "
                 "the organisation's script") != NULL);
    CHECK(routine(r, host_alert("powershell", "ws011", "cccc", T0 + 9 * DAY + 10 * HOUR), NULL, 0));
    CHECK(!routine(r, host_alert("powershell", "ws010", "dddd", T0 + 11 * HOUR), NULL, 0));
    CHECK(!routine(r, host_alert("powershell", "ws012", "ffff", T0 + 10 * HOUR), NULL, 0));
    ts_alert *ob = host_alert("powershell", "ws010", "eeee", T0 + 12 * HOUR);
    free(ob->key);
    ob->key = strdup("powershell|obfuscated|ws010|eeee");
    CHECK(!routine(r, ob, NULL, 0));
    ts_routine_free(r);
}

/* An admin's recon checks cross the alert's threshold on one day only, but a lesser burst
 * (ts_routine_habit, the same key) came on 3 other days: 4 days, that host's habit. With
 * lesser bursts on 2 days, or on 3 days under another key (another host, user or parent
 * program), it is not. */
static ts_alert *burst_alert(const char *key, int64_t t)
{
    ts_alert *a = host_alert("bursts", "ws002", "x", t);
    free(a->key);
    a->key = strdup(key);
    return a;
}

static void lesser_habit(void)
{
    ts_routine *r = ts_routine_new(NULL, NULL, NULL, NULL);
    const char *key = "bursts|discovery|ws002|admin|cmd.exe",
               *other = "bursts|discovery|ws002|mallory|cmd.exe";
    int64_t when = T0 + 9 * DAY + 16 * HOUR;
    ts_routine_habit(r, key, T0 + 1 * DAY + 17 * HOUR);
    ts_routine_habit(r, key, T0 + 1 * DAY + 19 * HOUR); /* the same day again */
    ts_routine_habit(r, key, T0 + 5 * DAY + 21 * HOUR);
    for (int i = 0; i < 3; i++)
        ts_routine_habit(r, other, T0 + (2 + i) * DAY + 9 * HOUR);
    ts_alert *burst = burst_alert(key, when);
    ts_routine_observe(r, burst);
    ts_alert_free(burst);
    CHECK(!routine(r, burst_alert(key, when), NULL, 0)); /* the alert's day and 2 lesser days: 3 */
    ts_routine_habit(r, key, T0 + 12 * DAY + 23 * HOUR);
    char why[512];
    CHECK(routine(r, burst_alert(key, when), why, sizeof why));
    CHECK(strstr(why, "on ws002 on 4 days over 12 days") != NULL);
    CHECK(!routine(r, burst_alert(other, when), NULL, 0)); /* another account: 3 lesser days */
    ts_routine_free(r);
}

static ts_alert *sigma_alert(const char *rule, const char *tech, int64_t t)
{
    ts_alert *a = host_alert("sigma", "ws002", rule, t);
    free(a->techniques);
    a->techniques = strdup(tech);
    return a;
}

/* A Sigma rule on one host on 4 days is that host's habit only when every technique it names
 * is discovery (habit_techniques, by family): the admin's nltest and whoami, not WinRM
 * lateral movement, nor a rule that adds another tactic to its discovery. */
static void sigma_habit(void)
{
    ts_routine *r = ts_routine_new(NULL, NULL, NULL, NULL);
    static const char *const rules[][2] = {{"nltest", "T1482,T1016"},
                                           {"whoami", "T1033"},
                                           {"winrm", "T1021.006"},
                                           {"mixed", "T1087.002,T1059.001"}};
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < 4; i++) {
            ts_alert *a = sigma_alert(rules[k][0], rules[k][1], T0 + i * 2 * DAY + (9 + i) * HOUR);
            ts_routine_observe(r, a);
            ts_alert_free(a);
        }
    CHECK(routine(r, sigma_alert("nltest", "T1482,T1016", T0 + 9 * HOUR), NULL, 0));
    CHECK(routine(r, sigma_alert("whoami", "T1033", T0 + 9 * HOUR), NULL, 0));
    CHECK(!routine(r, sigma_alert("winrm", "T1021.006", T0 + 9 * HOUR), NULL, 0));
    CHECK(!routine(r, sigma_alert("mixed", "T1087.002,T1059.001", T0 + 9 * HOUR), NULL, 0));
    ts_routine_free(r);
}

/* Gives a the events at lines lines[0..n) of sysmon.jsonl, on days[i] at 08:00: as many in
 * all as count (at most TS_ALERT_HITS are kept, the earliest). */
static ts_alert *with_events(ts_alert *a, const char *user, const int *lines, const int *days, uint32_t n,
                             uint64_t count)
{
    a->hits = calloc(n, sizeof *a->hits);
    for (uint32_t i = 0; i < n; i++) {
        a->hits[i].ts_ns = T0 + days[i] * DAY + 8 * HOUR + lines[i] * SEC;
        a->hits[i].file = strdup("windows/sysmon.jsonl");
        a->hits[i].line = (uint64_t)lines[i];
    }
    a->n_hits = n;
    a->count = count;
    a->first_ns = a->hits[0].ts_ns;
    a->last_ns = a->hits[n - 1].ts_ns;
    a->user = strdup(user);
    return a;
}

/* Marks ps and sg as one incident; whether sg was marked routine (ps must be). */
static int covered_pair(const ts_routine *r, ts_alert *ps, ts_alert *sg, char *why, size_t cap)
{
    ts_alert *v[2] = {ps, sg};
    ts_incident inc = {.alerts = v, .n_alerts = 2};
    ts_routine_mark(r, &inc);
    snprintf(why, cap, "%s", sg->suppressed ? sg->suppressed : "");
    int marked = ps->routine && sg->routine;
    ts_alert_free(ps);
    ts_alert_free(sg);
    return marked;
}

/* The admin's encoded management script is ws002's habit to the powershell detector (4
 * days); the Sigma rules it trips on the same process starts are routine too, with that
 * reason. Not when the Sigma alert holds an event the habit does not (a new command on that
 * host), has more events than the habit, names another technique family, or another
 * account; nor when the powershell alert is itself not routine (a script on 1 day). */
static void sigma_covered(void)
{
    ts_routine *r = ts_routine_new(NULL, NULL, NULL, NULL);
    static const int days[] = {0, 3, 6, 9, 9}, lines[] = {10, 20, 30, 40, 45};
    for (int i = 0; i < 4; i++) {
        ts_alert *a = host_alert("powershell", "ws002", "aaaa", T0 + days[i] * DAY + 8 * HOUR);
        ts_routine_observe(r, a);
        ts_alert_free(a);
    }
    ts_alert *once = host_alert("powershell", "ws002", "bbbb", T0 + 8 * HOUR);
    ts_routine_observe(r, once);
    ts_alert_free(once);
    char why[512];
#define PS(what) with_events(host_alert("powershell", "ws002", what, 0), "admin", lines, days, 4, 4)
    CHECK(covered_pair(r, PS("aaaa"),
                       with_events(sigma_alert("base64", "T1059.001", 0), "admin", lines, days, 4, 4), why,
                       sizeof why));
    CHECK(strstr(why, "routine: its 4 events on ws002 (T1059.001) are those of 1 powershell alert judged "
                      "routine: the same powershell alert") != NULL);
    /* a fifth event, the habit's alert does not hold: a new command */
    CHECK(!covered_pair(r, PS("aaaa"),
                        with_events(sigma_alert("base64", "T1059.001", 0), "admin", lines, days, 5, 5), why,
                        sizeof why));
    /* more events in all than the habit had */
    CHECK(!covered_pair(r, PS("aaaa"),
                        with_events(sigma_alert("base64", "T1059.001", 0), "admin", lines, days, 4, 9), why,
                        sizeof why));
    CHECK(!covered_pair(r, PS("aaaa"),
                        with_events(sigma_alert("rdp", "T1021.001", 0), "admin", lines, days, 4, 4), why,
                        sizeof why));
    CHECK(!covered_pair(r, PS("aaaa"),
                        with_events(sigma_alert("base64", "T1059.001", 0), "mallory", lines, days, 4, 4), why,
                        sizeof why));
    CHECK(!covered_pair(r, PS("bbbb"),
                        with_events(sigma_alert("base64", "T1059.001", 0), "admin", lines, days, 4, 4), why,
                        sizeof why));
#undef PS
    ts_routine_free(r);
}

/* A Sigma alert on ws002 as the sigma detector emits it for one process start: command line
 * cmd (NULL: an event with none, a service installed) run by admin from explorer.exe. */
static ts_alert *started(const char *cmd, int line, int64_t t)
{
    ts_alert *a = sigma_alert("rdp", "T1021.001", t);
    a->hits = calloc(1, sizeof *a->hits);
    a->n_hits = 1;
    a->hits[0] = (ts_alert_hit){.ts_ns = t, .file = strdup("sysmon.jsonl"), .line = (uint64_t)line};
    a->hits[0].user = strdup("admin");
    a->hits[0].process = strdup("C:\\Windows\\System32\\mstsc.exe");
    a->hits[0].parent = strdup("C:\\Windows\\explorer.exe");
    a->hits[0].command_line = cmd ? strdup(cmd) : NULL;
    return a;
}

/* The aggregated alert: the first of the events given, count in all. */
static ts_alert *aggregated(const char *const *cmds, const int *lines, const int64_t *ts, uint32_t n,
                            uint64_t count)
{
    ts_alert *a = sigma_alert("rdp", "T1021.001", ts[0]);
    a->hits = calloc(n, sizeof *a->hits);
    for (uint32_t i = 0; i < n; i++) {
        ts_alert *e = started(cmds[i], lines[i], ts[i]);
        a->hits[i] = e->hits[0];
        e->n_hits = 0;
        ts_alert_free(e);
    }
    a->n_hits = n;
    a->count = count;
    a->last_ns = ts[n - 1];
    return a;
}

/* The admin's remote desktop to the jump host, the same command line from explorer.exe on 4
 * days (twice on one, each start tripping two rules), is that account's habit on ws002:
 * the Sigma alert of those 5 starts is routine. With a start more than the command line had,
 * with a start of another command line (run on 3 days only) among them, or about events
 * with no command line, it is not. */
static void command_habit(void)
{
    ts_routine *r = ts_routine_new(NULL, NULL, NULL, NULL);
    const char *jump = "\"mstsc.exe\" /v:jump-01", *fs = "\"mstsc.exe\" /v:fs-01";
    static const int days[] = {0, 2, 2, 5, 8};
    int64_t ts[5];
    int lines[5];
    for (int i = 0; i < 5; i++) {
        ts[i] = T0 + days[i] * DAY + (9 + i) * HOUR;
        lines[i] = 100 + i;
        for (int rule = 0; rule < 2; rule++) {
            ts_alert *a = started(jump, lines[i], ts[i]);
            ts_routine_observe(r, a);
            ts_alert_free(a);
        }
        if (i < 3) {
            ts_alert *a = started(fs, 200 + i, ts[i] + MIN);
            ts_routine_observe(r, a);
            ts_alert_free(a);
        }
    }
    ts_alert *none = started(NULL, 300, T0);
    ts_routine_observe(r, none);
    ts_alert_free(none);
    const char *const all_jump[] = {jump, jump, jump, jump, jump}, *mixed[] = {jump, fs, jump, jump, jump},
                      *blank[] = {NULL, NULL, NULL, NULL, NULL};
    char why[512];
    CHECK(routine(r, aggregated(all_jump, lines, ts, 5, 5), why, sizeof why));
    CHECK(strstr(why,
                 "routine: admin ran the same command line (\"mstsc.exe\" /v:jump-01) on ws002 on 4 days") !=
          NULL);
    CHECK(!routine(r, aggregated(all_jump, lines, ts, 5, 6), NULL, 0));
    CHECK(!routine(r, aggregated(mixed, lines, ts, 5, 5), NULL, 0));
    CHECK(!routine(r, aggregated(blank, lines, ts, 5, 5), NULL, 0));
    ts_routine_free(r);
}

static ts_alert *outbound(const char *det, const char *ip, const char *name, int64_t t)
{
    ts_alert *a = calloc(1, sizeof *a);
    a->detector = det;
    a->kind = TS_EV_BEHAVIOUR;
    a->key = strdup(ip);
    a->title = strdup(ip);
    a->direction = TS_DIR_OUTBOUND;
    ts_ip_parse(ts_str_c("10.0.3.12"), &a->internal_ip);
    ts_ip_parse(ts_str_c(ip), &a->remote_ip);
    a->remote_name = name ? strdup(name) : NULL;
    a->severity = 50;
    a->first_ns = a->last_ns = t;
    a->count = 1;
    return a;
}

static void popular_destination(void)
{
    ts_routine *r = ts_routine_new(NULL, NULL, NULL, NULL);
    char ip[32], why[512];
    estate(r, 2);
    for (int d = 0; d < 10; d++) {
        for (int i = 0; i < 12; i++) { /* social.example (its address changes), every day */
            ts_event ev = {0};
            ev.type = TS_TYPE_CONNECTION;
            ev.ts_ns = T0 + d * DAY + 10 * HOUR + i * MIN;
            snprintf(ip, sizeof ip, "10.0.3.%d", i + 10);
            ts_ip_parse(ts_str_c(ip), &ev.src_ip);
            snprintf(ip, sizeof ip, "203.0.113.%d", d + 1);
            ts_ip_parse(ts_str_c(ip), &ev.dst_ip);
            ev.domain = ts_str_c("Social.Example");
            ts_routine_event(r, &ev);
        }
        conn(r, "10.0.3.12", "198.51.100.9", T0 + d * DAY + 11 * HOUR); /* one host's own */
    }
    CHECK(routine(r, outbound("beacon", "203.0.113.40", "social.example", T0 + 5 * DAY), why, sizeof why));
    CHECK(strstr(why, "routine: social.example is a popular destination") != NULL);
    CHECK(!routine(r, outbound("beacon", "198.51.100.9", NULL, T0 + 5 * DAY), NULL, 0));
    CHECK(!routine(r, outbound("exfil", "203.0.113.40", "social.example", T0 + 5 * DAY), NULL, 0));
    ts_routine_free(r);
}

int main(void)
{
    popular_destination();
    sweeper();
    fleet();
    host_habit();
    fleet_habit();
    lesser_habit();
    sigma_habit();
    sigma_covered();
    command_habit();
    weekly_scanner();
    near_misses();
    deployment_server();
    named_sources();
    bounded();
    printf("test_routine: %d passed, %d failed\n", check_passed, check_failed);
    return check_failed != 0;
}
