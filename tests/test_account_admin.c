/* test_account_admin.c: the account-admin detector with the shipped data/detect.conf: account
 * and directory changes by accounts that never made that kind of change. The help desk's
 * resets and the admin's group changes of the learning week are its habit; a rare change in
 * it is raised when learning ends; a new account making a change after it alerts at once, as
 * does the help desk's first group change; machine accounts are not judged; a hunt shorter
 * than the learning week judges what it held at its end; the baseline survives save/load. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "behaviour.h"

#define DAY_NS (24 * HOUR)

static ts_config *shipped_config(void)
{
    ts_config *c = NULL;
    CHECK(ts_config_load(TOCSIN_DATA_DIR "/detect.conf", &c, NULL, NULL) == TOCSIN_OK);
    return c;
}

static void change(det *x, uint32_t code, const char *subject, const char *target, int64_t ts)
{
    ts_event ev;
    win(&ev, "windows.security", code, "DC01.corp.example", ts);
    set_fields(&ev, (const char *[]){"SubjectUserName", subject, "SubjectDomainName", "CORP",
                                     "SubjectUserSid", "S-1-5-21-1-2-3-1104", "TargetUserName", target,
                                     "MemberName", "CN=bob,CN=Users,DC=corp,DC=example", NULL});
    feed(x, &ev);
}

/* A week of the organisation's own changes: the help desk resets passwords and changes
 * accounts, the admin adds members to project groups, every day; bob changes one account once. */
static void habit(det *x, int from_day, int days)
{
    for (int d = from_day; d < from_day + days; d++) {
        int64_t t = T0 + d * DAY_NS;
        for (int i = 0; i < 6; i++) {
            change(x, 4724, "helpdesk1", "user", t + i * HOUR);
            change(x, 4738, "helpdesk1", "user", t + i * HOUR + MIN);
        }
        change(x, 4728, "admin1", "Project-X", t + 3 * HOUR);
        change(x, 5136, "DC01$", "CN=x", t + 4 * HOUR); /* the DC's own work */
    }
}

static void test_baseline(ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "account-admin", cfg));
    habit(&x, 0, 7);
    change(&x, 4738, "bob", "alice", T0 + 2 * DAY_NS + 5 * HOUR);
    CHECK_INT(n_got, 0); /* learning: held */
    habit(&x, 7, 1);     /* learning ends: bob's single change is raised, the habits are not */
    for (size_t i = 0; i < n_got; i++)
        printf("  %u %s | %s\n", got[i]->severity, got[i]->key, got[i]->title);
    const ts_alert *a = find_key("account-admin|CORP\\bob|user-account");
    CHECK(a && a->severity == 40 && strstr(a->title, "raised when learning ended") &&
          !strcmp(a->techniques, "T1098"));
    CHECK_INT(n_got, 1);
    drop_all();
    CHECK_INT(det_reload(&x, cfg), TOCSIN_OK); /* the next run keeps the baseline */

    int64_t t = T0 + 9 * DAY_NS;
    change(&x, 4724, "helpdesk1", "carol", t);               /* habit */
    change(&x, 4728, "admin1", "Project-Y", t + MIN);        /* habit */
    change(&x, 4720, "mallory", "svc-backup2", t + 2 * MIN); /* never made a change */
    change(&x, 4728, "helpdesk1", "VPN-Users", t + 3 * MIN); /* its first group change */
    change(&x, 5136, "DC02$", "CN=y", t + 4 * MIN);          /* a machine account */
    change(&x, 4720, "mallory", "svc-backup3", t + 5 * MIN); /* the same pair again: once */
    for (size_t i = 0; i < n_got; i++)
        printf("  %u %s | %s\n", got[i]->severity, got[i]->key, got[i]->title);
    a = find_key("account-admin|CORP\\mallory|user-account");
    CHECK(a && a->severity == 50 && !strcmp(a->techniques, "T1136,T1098") &&
          strstr(a->title, "svc-backup2") && strstr(a->title, "event 4720"));
    a = find_key("account-admin|CORP\\helpdesk1|group-membership");
    CHECK(a && !strcmp(a->techniques, "T1098.007") && strstr(a->title, "VPN-Users"));
    CHECK_INT(n_got, 2);
    drop_all();
    det_close(&x);
}

/* Two hours of logs: what it held is judged when the data ends, lower and saying so. */
static void test_short_hunt(ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "account-admin", cfg));
    for (int i = 0; i < 5; i++)
        change(&x, 4724, "helpdesk1", "user", T0 + i * 10 * MIN);
    change(&x, 4732, "intruder", "Backup Operators", T0 + HOUR);
    change(&x, 4720, "SYSTEM", "x", T0 + HOUR);
    CHECK_INT(n_got, 0);
    x.d->finish(x.st, &sink);
    const ts_alert *a = find_key("account-admin|CORP\\intruder|group-membership");
    CHECK(a && a->severity == 30 && strstr(a->title, "judged at the end") &&
          strstr(a->title, "baseline young"));
    if (a)
        printf("  %s\n", a->title);
    CHECK_INT(n_got, 1); /* five resets are more than rare_max: the help desk's habit */
    drop_all();
    det_close(&x);
}

/* A change on a host the account administers (remote desktop there since an earlier day) is
 * its job; the same change right after a first logon there, or on another host, is not. */
static void test_administers(ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "account-admin", cfg));
    habit(&x, 0, 9);
    drop_all();
    ts_event ev;
    logon(&ev, 4624, "kim", "DC01.corp.example", "10.0.1.5", "JUMP01", 10, T0 + 9 * DAY_NS);
    feed(&x, &ev);
    int64_t t = T0 + 10 * DAY_NS;
    change(&x, 4720, "kim", "newhire", t);
    CHECK_INT(n_got, 0);
    logon(&ev, 4624, "mallory", "DC01.corp.example", "10.0.3.44", "WKS44", 10, t + HOUR);
    feed(&x, &ev);
    change(&x, 4720, "mallory", "svc-backup2", t + HOUR + MIN);
    CHECK(find_key("account-admin|CORP\\mallory|user-account") != NULL);
    CHECK_INT(n_got, 1);
    drop_all();
    det_close(&x);
}

/* While learning, the learning period's own logons count: a creation on the data's first day
 * by an account that goes on to log on to that DC by remote desktop day after day is its job;
 * one by an account that logged on there once, that day only, is raised when learning ends. */
static void test_administers_learning(ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "account-admin", cfg));
    ts_event ev;
    logon(&ev, 4624, "kim", "DC01.corp.example", "10.0.1.5", "JUMP01", 10, T0);
    feed(&x, &ev);
    change(&x, 4720, "kim", "newhire", T0 + MIN);
    logon(&ev, 4624, "lee", "DC01.corp.example", "10.0.1.5", "JUMP01", 10, T0 + HOUR);
    feed(&x, &ev);
    change(&x, 4720, "lee", "svc-x", T0 + HOUR + MIN);
    for (int d = 1; d < 9; d++) {
        logon(&ev, 4624, "kim", "DC01.corp.example", "10.0.1.5", "JUMP01", 10, T0 + d * DAY_NS);
        feed(&x, &ev);
    }
    CHECK(find_key("account-admin|CORP\\kim|user-account") == NULL);
    CHECK(find_key("account-admin|CORP\\lee|user-account") != NULL);
    CHECK_INT(n_got, 1);
    drop_all();
    det_close(&x);
}

/* A domain admin's network logons with special privileges (4672) to the DC, day after day
 * while learning, make a creation there on the data's first day its job, as remote desktops
 * would; one 4672 that day only does not. */
static void test_administers_privileged(ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "account-admin", cfg));
    ts_event ev;
    change(&x, 4720, "kim", "newhire", T0 + MIN);
    change(&x, 4720, "lee", "svc-x", T0 + HOUR + MIN);
    win(&ev, "windows.security", 4672, "DC01.corp.example", T0 + HOUR);
    ev.category = TS_CAT_AUTH;
    ev.user = ts_str_c("lee");
    feed(&x, &ev);
    for (int d = 1; d < 9; d++) {
        win(&ev, "windows.security", 4672, "DC01.corp.example", T0 + d * DAY_NS);
        ev.category = TS_CAT_AUTH;
        ev.user = ts_str_c("kim");
        feed(&x, &ev);
    }
    CHECK(find_key("account-admin|CORP\\kim|user-account") == NULL);
    CHECK(find_key("account-admin|CORP\\lee|user-account") != NULL);
    CHECK_INT(n_got, 1);
    drop_all();
    det_close(&x);
}

int main(void)
{
    ts_config *cfg = shipped_config();
    test_baseline(cfg);
    test_short_hunt(cfg);
    test_administers(cfg);
    test_administers_learning(cfg);
    test_administers_privileged(cfg);
    ts_config_free(cfg);
    return check_done("test_account_admin");
}
