/* test_credential.c: the credential detector: account baselines, impossible travel, guessing, spraying, brute
 * force, pass-the-hash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "behaviour.h"

#define MIDNIGHT 1409961600000000000LL /* 2014-09-06T00:00:00Z */

/* Ten days of an admin working from the jump host at 09:00 and 14:00. */
static void train_admin(det *x)
{
    ts_event ev;
    for (int d = 0; d < 10; d++)
        for (int h = 9; h <= 14; h += 5) {
            logon(&ev, 4624, "adm-jsmith", "SRV-DB1", "10.0.0.5", "JUMP01", 10,
                  MIDNIGHT + d * DAY + h * HOUR);
            feed(x, &ev);
        }
}

static void test_jump_host(void)
{
    det x;
    CHECK(det_open(&x, "credential", NULL));
    train_admin(&x);
    CHECK_INT(n_got, 0); /* learning quietly */
    ts_event ev;
    /* The usual jump host, at a usual hour: nothing. */
    logon(&ev, 4624, "adm-jsmith", "SRV-DB2", "10.0.0.5", "JUMP01", 10, MIDNIGHT + 10 * DAY + 10 * HOUR);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    /* The same account from a workstation it never used. */
    logon(&ev, 4624, "adm-jsmith", "SRV-DB1", "10.0.3.42", "WKS42", 3, MIDNIGHT + 10 * DAY + 11 * HOUR);
    feed(&x, &ev);
    const ts_alert *a = find_key("cred|logon|adm-jsmith|WKS42");
    CHECK(a != NULL);
    if (a) {
        CHECK_STR(a->detector, "credential");
        CHECK_INT(a->kind, TS_EV_BEHAVIOUR);
        CHECK_STR(a->techniques, "T1078");
        CHECK_STR(a->user, "adm-jsmith");
        CHECK_STR(a->internal_host, "SRV-DB1");
        CHECK(strstr(a->title, "new source") != NULL);
        CHECK(strstr(a->title, "new logon type") != NULL);
        CHECK(strstr(a->title, "young") == NULL);
        CHECK(a->severity >= 50);
    }
    drop_all();
    /* The jump host at 03:00, an hour this account never worked. */
    logon(&ev, 4624, "adm-jsmith", "SRV-DB1", "10.0.0.5", "JUMP01", 10, MIDNIGHT + 11 * DAY + 3 * HOUR);
    feed(&x, &ev);
    a = find_key("cred|logon|adm-jsmith|JUMP01");
    CHECK(a && strstr(a->title, "unusual hour (03 h UTC)"));
    drop_all();
    /* An ordinary user from a new source: not privileged, no alert. */
    for (int d = 0; d < 10; d++) {
        logon(&ev, 4624, "jdoe", "FS01", "10.0.3.7", "WKS7", 3, MIDNIGHT + d * DAY + 9 * HOUR);
        feed(&x, &ev);
    }
    logon(&ev, 4624, "jdoe", "FS01", "10.0.3.99", "WKS99", 3, MIDNIGHT + 10 * DAY + 3 * HOUR);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    /* A terminal server five people work on is the organisation's own way in. */
    static const char *const staff[] = {"amy", "ben", "cat", "dan", "eve"};
    for (int i = 0; i < 5; i++) {
        logon(&ev, 4624, staff[i], "FS01", "10.0.9.20", "TS01", 10, MIDNIGHT + 10 * DAY + 9 * HOUR);
        feed(&x, &ev);
    }
    logon(&ev, 4624, "adm-jsmith", "SRV-DB1", "10.0.9.20", "TS01", 3, MIDNIGHT + 10 * DAY + 10 * HOUR);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    /* Service and batch logons are not judged at all. */
    logon(&ev, 4624, "adm-jsmith", "SRV-DB1", "10.9.9.9", "SCHED", 5, MIDNIGHT + 12 * DAY + 2 * HOUR);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    det_close(&x);
}

/* Unnamed inside sources count by their /24: DHCP and VPN pools move people around. */
static void test_subnets(void)
{
    det x;
    CHECK(det_open(&x, "credential", NULL));
    ts_event ev;
    for (int d = 0; d < 10; d++) {
        logon(&ev, 4624, "admin.ops", "DC01", "10.0.5.10", NULL, 3, MIDNIGHT + d * DAY + 9 * HOUR);
        feed(&x, &ev);
    }
    logon(&ev, 4624, "admin.ops", "DC01", "10.0.5.77", NULL, 3, MIDNIGHT + 10 * DAY + 9 * HOUR);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    logon(&ev, 4624, "admin.ops", "DC01", "10.0.6.1", NULL, 3, MIDNIGHT + 10 * DAY + 10 * HOUR);
    feed(&x, &ev);
    const ts_alert *a = find_key("cred|logon|admin.ops|10.0.6.0/24");
    CHECK(a && strstr(a->title, "from 10.0.6.0/24: new source"));
    drop_all();
    det_close(&x);
}

/* Privileged because Windows said so (4672), not by name. */
static void test_special_privileges(void)
{
    det x;
    CHECK(det_open(&x, "credential", NULL));
    ts_event ev;
    for (int d = 0; d < 10; d++) {
        logon(&ev, 4624, "bob", "SRV1", "10.0.0.5", "JUMP01", 3, MIDNIGHT + d * DAY + 9 * HOUR);
        feed(&x, &ev);
    }
    logon(&ev, 4624, "bob", "SRV1", "10.0.7.7", "WKS77", 3, MIDNIGHT + 10 * DAY + 9 * HOUR);
    feed(&x, &ev);
    CHECK_INT(n_got, 0); /* bob is nobody special yet */
    win(&ev, "windows.security", 4672, "SRV1", MIDNIGHT + 10 * DAY + 9 * HOUR);
    ev.category = TS_CAT_AUTH;
    ev.user = ts_str_c("bob");
    feed(&x, &ev);
    logon(&ev, 4624, "bob", "SRV1", "10.0.8.8", "WKS88", 3, MIDNIGHT + 10 * DAY + 10 * HOUR);
    feed(&x, &ev);
    CHECK(find_key("cred|logon|bob|WKS88") != NULL);
    drop_all();
    det_close(&x);
}

/* An account named in the configuration is privileged; bad tunables are refused. */
static void test_config(void)
{
    char path[] = "/tmp/tocsin-cred-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("[credential]\nprivileged = ceo.assistant, payroll\nlearn = 1d\nmin_logons = 2\n", f);
    fclose(f);
    ts_config *cfg = NULL;
    CHECK_INT(ts_config_load(path, &cfg, NULL, NULL), TOCSIN_OK);
    det x;
    CHECK(det_open(&x, "credential", cfg));
    ts_event ev;
    for (int d = 0; d < 3; d++) {
        logon(&ev, 4624, "Payroll", "HR1", "10.0.0.6", "HRWKS", 2, MIDNIGHT + d * DAY + 9 * HOUR);
        feed(&x, &ev);
    }
    logon(&ev, 4624, "payroll", "HR1", "10.0.6.6", "WKS66", 3, MIDNIGHT + 3 * DAY + 9 * HOUR);
    feed(&x, &ev);
    CHECK(find_key("cred|logon|payroll|WKS66") != NULL);
    drop_all();
    det_close(&x);
    ts_config_free(cfg);

    f = fopen(path, "w");
    fputs("[credential]\nspray_accounts = 1\n", f);
    fclose(f);
    CHECK_INT(ts_config_load(path, &cfg, NULL, NULL), TOCSIN_OK);
    CHECK(!det_open(&x, "credential", cfg));
    ts_config_free(cfg);
    unlink(path);
}

static void public_logon(ts_event *ev, const char *user, const char *ip, const char *cc, uint32_t asn,
                         int64_t ts)
{
    logon(ev, 4624, user, "VPN1", ip, NULL, 3, ts);
    ev->src_geo = geo(cc, asn, 0);
}

static void test_travel(void)
{
    det x;
    CHECK(det_open(&x, "credential", NULL));
    ts_event ev;
    public_logon(&ev, "alice", "198.51.100.10", "US", 7018, T0);
    feed(&x, &ev);
    /* 20 hours later from Britain: a flight, not an alarm. */
    public_logon(&ev, "alice", "203.0.113.20", "GB", 2856, T0 + 20 * HOUR);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    /* Two hours after that from Japan: 9,000 km in 2 h. */
    public_logon(&ev, "alice", "203.0.113.30", "JP", 2516, T0 + 22 * HOUR);
    feed(&x, &ev);
    const ts_alert *a = find_key("cred|logon|alice|AS2516 (JP)");
    CHECK(a != NULL);
    if (a) {
        CHECK(strstr(a->title, "impossible travel (JP 2.0 h after GB") != NULL);
        CHECK(a->severity >= 70);
        CHECK_INT(a->direction, TS_DIR_INBOUND);
    }
    drop_all();
    /* Unknown countries are never judged. */
    public_logon(&ev, "alice", "203.0.113.40", "ZZ", 1, T0 + 22 * HOUR + MIN);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    det_close(&x);
}

/* The intruder with alice's password logs on from Singapore at night, an impossible journey
 * from her home logon; her own logon from home the next afternoon is not one more impossible
 * journey (the place that was the anomaly is not where she is), and the intruder's next
 * night from Singapore is judged against home again. */
static void test_travel_home(void)
{
    det x;
    CHECK(det_open(&x, "credential", NULL));
    ts_event ev;
    for (int d = 0; d < 10; d++) {
        public_logon(&ev, "alice", "198.51.100.10", "US", 7018, T0 + d * DAY + 15 * HOUR);
        feed(&x, &ev);
    }
    public_logon(&ev, "alice", "203.0.113.50", "SG", 55430, T0 + 10 * DAY + 2 * HOUR);
    feed(&x, &ev);
    const ts_alert *a = find_key("cred|logon|alice|AS55430 (SG)");
    CHECK(a && strstr(a->title, "impossible travel (SG"));
    drop_all();
    public_logon(&ev, "alice", "198.51.100.10", "US", 7018, T0 + 10 * DAY + 14 * HOUR);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    public_logon(&ev, "alice", "203.0.113.50", "SG", 55430, T0 + 11 * DAY + 2 * HOUR);
    feed(&x, &ev);
    a = find_key("cred|logon|alice|AS55430 (SG)");
    CHECK(a && strstr(a->title, "impossible travel (SG 12.0 h after US"));
    drop_all();
    det_close(&x);
}

/* A young baseline judges only what comes from outside, and says it is young. */
static void test_young(void)
{
    det x;
    CHECK(det_open(&x, "credential", NULL));
    ts_event ev;
    /* The detector has watched the estate for ten days; the account is new. */
    logon(&ev, 4624, "jdoe", "FS01", "10.0.3.7", "WKS7", 3, T0 - 10 * DAY);
    feed(&x, &ev);
    logon(&ev, 4624, "administrator", "DC01", "10.0.0.5", "JUMP01", 10, T0);
    feed(&x, &ev);
    logon(&ev, 4624, "administrator", "DC01", "10.0.0.6", "JUMP02", 10, T0 + HOUR);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    public_logon(&ev, "administrator", "175.45.178.20", "KP", 131279, T0 + 2 * HOUR);
    feed(&x, &ev);
    const ts_alert *a = find_key("cred|logon|administrator|AS131279 (KP)");
    CHECK(a && strstr(a->title, "baseline young: 2 earlier logons"));
    drop_all();
    det_close(&x);

    /* On the detector's first days nobody is young, only unknown: no alert. */
    CHECK(det_open(&x, "credential", NULL));
    logon(&ev, 4624, "administrator", "DC01", "10.0.0.5", "JUMP01", 10, T0);
    feed(&x, &ev);
    public_logon(&ev, "administrator", "175.45.178.20", "KP", 131279, T0 + 2 * HOUR);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    det_close(&x);
}

/* The admin's day running late at the jump host: each logon within late_gap (2 h) of the
 * last from the same address is the same person still at work, whatever the hour. After a
 * pause of more than 2 h the hour counts again; so it does for the account on another
 * machine of its own at that hour (the evening's chain is one address's). */
static void test_working_late(void)
{
    det x;
    CHECK(det_open(&x, "credential", NULL));
    train_admin(&x);
    ts_event ev;
    logon(&ev, 4624, "adm-jsmith", "SRV-DB2", "10.0.0.6", "JUMP02", 10, MIDNIGHT + 9 * DAY + 10 * HOUR);
    feed(&x, &ev); /* a second jump host, new once */
    drop_all();
    static const int minutes[] = {14 * 60, 15 * 60 + 30, 17 * 60 + 20, 19 * 60 + 10};
    for (int i = 0; i < 4; i++) {
        logon(&ev, 4624, "adm-jsmith", "SRV-DB1", "10.0.0.5", "JUMP01", 10,
              MIDNIGHT + 10 * DAY + minutes[i] * MIN);
        feed(&x, &ev);
    }
    CHECK_INT(n_got, 0);
    logon(&ev, 4624, "adm-jsmith", "SRV-DB1", "10.0.0.6", "JUMP02", 10, MIDNIGHT + 10 * DAY + 22 * HOUR);
    feed(&x, &ev);
    CHECK(find_key("cred|logon|adm-jsmith|JUMP02") != NULL);
    drop_all();
    logon(&ev, 4624, "adm-jsmith", "SRV-DB1", "10.0.0.5", "JUMP01", 10, MIDNIGHT + 11 * DAY + 1 * HOUR);
    feed(&x, &ev);
    const ts_alert *a = find_key("cred|logon|adm-jsmith|JUMP01");
    CHECK(a && strstr(a->title, "unusual hour (01 h UTC)"));
    drop_all();
    det_close(&x);
}

/* A session lasts: the admin's remote desktop to the jump host, opened at 14:00 and logged
 * off at 23:30 (4634 of its logon id), was work from that address until 23:30, so a logon
 * from it at 01:00 is the same evening (eleven hours after the last logon, 90 minutes after
 * the session ended). A logoff of another logon id extends nothing. */
static void test_session_lasts(void)
{
    det x;
    CHECK(det_open(&x, "credential", NULL));
    train_admin(&x);
    ts_event ev;
    static const char *const opened[] = {"TargetLogonId", "0x7a01", NULL};
    logon(&ev, 4624, "adm-jsmith", "SRV-DB1", "10.0.0.5", "JUMP01", 10, MIDNIGHT + 10 * DAY + 14 * HOUR);
    set_fields(&ev, opened);
    feed(&x, &ev);
    logon(&ev, 4634, "adm-jsmith", "SRV-DB1", NULL, NULL, 10, MIDNIGHT + 10 * DAY + 23 * HOUR + 30 * MIN);
    set_fields(&ev, opened);
    feed(&x, &ev);
    logon(&ev, 4624, "adm-jsmith", "SRV-DB1", "10.0.0.5", "JUMP01", 10, MIDNIGHT + 11 * DAY + 1 * HOUR);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    drop_all();
    /* The next day: a session opened at 14:00, but the logoff names another logon id. */
    logon(&ev, 4624, "adm-jsmith", "SRV-DB1", "10.0.0.5", "JUMP01", 10, MIDNIGHT + 11 * DAY + 14 * HOUR);
    set_fields(&ev, opened);
    feed(&x, &ev);
    static const char *const other[] = {"TargetLogonId", "0x7a02", NULL};
    logon(&ev, 4634, "adm-jsmith", "SRV-DB1", NULL, NULL, 10, MIDNIGHT + 12 * DAY + 3 * HOUR);
    set_fields(&ev, other);
    feed(&x, &ev);
    /* 04:00 (01:00 is this account's hour by now): an hour after that logoff, fourteen
       after the session from this address opened. */
    logon(&ev, 4624, "adm-jsmith", "SRV-DB1", "10.0.0.5", "JUMP01", 10, MIDNIGHT + 12 * DAY + 4 * HOUR);
    feed(&x, &ev);
    const ts_alert *a = find_key("cred|logon|adm-jsmith|JUMP01");
    CHECK(a && strstr(a->title, "unusual hour (04 h UTC)"));
    drop_all();
    det_close(&x);
}

/* Outside, a new network needs an unusual hour: the admin working from a hotel at the
 * usual time is not an alarm; at 03:00 it is. */
static void test_outside_hours(void)
{
    det x;
    CHECK(det_open(&x, "credential", NULL));
    train_admin(&x);
    ts_event ev;
    public_logon(&ev, "adm-jsmith", "81.2.69.160", "GB", 20712, MIDNIGHT + 10 * DAY + 10 * HOUR);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    public_logon(&ev, "adm-jsmith", "203.113.1.9", "TH", 23969, MIDNIGHT + 12 * DAY + 2 * HOUR);
    feed(&x, &ev);
    const ts_alert *a = find_key("cred|logon|adm-jsmith|AS23969 (TH)");
    CHECK(a && strstr(a->title, "new source, new network, unusual hour (02 h UTC)"));
    CHECK(a && a->severity >= 70);
    drop_all();
    det_close(&x);
}

static void test_guessing(void)
{
    det x;
    CHECK(det_open(&x, "credential", NULL));
    ts_event ev;
    /* One typo then the right password: nothing. */
    logon(&ev, 4625, "dave", "DC01", "10.0.1.1", "WKS1", 2, T0);
    feed(&x, &ev);
    logon(&ev, 4624, "dave", "DC01", "10.0.1.1", "WKS1", 2, T0 + MIN);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    /* Six failures in ten minutes then a success. */
    for (int i = 0; i < 6; i++) {
        logon(&ev, 4625, "carol", "DC01", "10.0.1.2", "WKS2", 3, T0 + i * MIN);
        feed(&x, &ev);
    }
    CHECK_INT(n_got, 0);
    logon(&ev, 4624, "carol", "DC01", "10.0.1.2", "WKS2", 3, T0 + 10 * MIN);
    feed(&x, &ev);
    const ts_alert *a = find_key("cred|cracked|carol|10.0.1.2");
    CHECK(a && strstr(a->title, "after 6 failed logons (password guessing)"));
    CHECK(a && strcmp(a->techniques, "T1110.001,T1078") == 0);
    drop_all();
    /* The same six failures spread over a day: each window holds few. */
    for (int i = 0; i < 6; i++) {
        logon(&ev, 4625, "erin", "DC01", "10.0.1.3", "WKS3", 3, T0 + i * 3 * HOUR);
        feed(&x, &ev);
    }
    logon(&ev, 4624, "erin", "DC01", "10.0.1.3", "WKS3", 3, T0 + 16 * HOUR);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    /* Failures alone, many of them: guessing against the account. */
    for (int i = 0; i < 15; i++) {
        logon(&ev, 4625, "frank", "DC01", NULL, NULL, 3, T0 + i * MIN);
        feed(&x, &ev);
    }
    CHECK_INT(count_key("cred|guess|frank"), 1);
    drop_all();
    /* Twenty failures from one inside source: brute force (and guessing against the account). */
    for (int i = 0; i < 20; i++) {
        logon(&ev, 4625, "gina", "DC01", "10.0.1.5", NULL, 3, T0 + i * MIN);
        feed(&x, &ev);
    }
    const ts_alert *b = find_key("cred|brute|10.0.1.5|DC01");
    CHECK(b &&
          strstr(b->title,
                 "password brute force from 10.0.1.5 against DC01: 20 failed logons in 19 min (1 accounts)"));
    CHECK(b && strcmp(b->user, "gina") == 0);
    CHECK_INT(count_key("cred|guess|gina"), 1);
    drop_all();
    /* Machine accounts failing are the system's business. */
    for (int i = 0; i < 30; i++) {
        logon(&ev, 4625, "WKS9$", "DC01", NULL, NULL, 3, T0 + i * MIN);
        feed(&x, &ev);
    }
    CHECK_INT(n_got, 0);
    det_close(&x);
}

static void test_spraying(void)
{
    det x;
    CHECK(det_open(&x, "credential", NULL));
    ts_event ev;
    char user[16];
    for (int i = 0; i < 9; i++) {
        snprintf(user, sizeof user, "user%02d", i);
        logon(&ev, 4625, user, "DC01", "10.0.9.9", NULL, 3, T0 + i * MIN);
        feed(&x, &ev);
    }
    CHECK_INT(n_got, 0); /* nine accounts: under the bar */
    logon(&ev, 4625, "user09", "DC01", "10.0.9.9", NULL, 3, T0 + 9 * MIN);
    feed(&x, &ev);
    const ts_alert *a = find_key("cred|spray|10.0.9.9");
    CHECK(a != NULL);
    if (a) {
        CHECK_STR(a->techniques, "T1110.003");
        CHECK(a->user == NULL);
        CHECK(strstr(a->title, "10 accounts failed in 9 min") != NULL);
    }
    logon(&ev, 4624, "user03", "DC01", "10.0.9.9", NULL, 3, T0 + 12 * MIN);
    feed(&x, &ev);
    a = find_key("cred|cracked|user03|10.0.9.9");
    CHECK(a && strstr(a->title, "password spraying") && a->severity >= 80);
    drop_all();
    det_close(&x);
}

/* 4648 with a privileged account's credentials, and pass-the-hash signs. */
static void test_explicit_and_pth(void)
{
    det x;
    CHECK(det_open(&x, "credential", NULL));
    train_admin(&x);
    ts_event ev;
    const char *kv[] = {"SubjectUserName", "jdoe", "TargetServerName", "SRV-DB1", NULL};
    logon(&ev, 4648, "adm-jsmith", "WKS7", NULL, NULL, 0, MIDNIGHT + 10 * DAY + 10 * HOUR);
    set_fields(&ev, kv);
    feed(&x, &ev);
    const ts_alert *a = find_key("cred|explicit|jdoe|adm-jsmith");
    CHECK(a &&
          strstr(a->title, "jdoe used the credentials of privileged account adm-jsmith on WKS7 for SRV-DB1"));
    drop_all();
    feed(&x, &ev); /* the same pairing again: known now */
    CHECK_INT(n_got, 0);
    /* An account using its own credentials explicitly is nothing. */
    const char *self[] = {"SubjectUserName", "ADM-JSMITH", NULL};
    set_fields(&ev, self);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    /* NTLM network logon without a session key, from the usual jump host. */
    const char *ntlm[] = {"AuthenticationPackageName", "NTLM", "KeyLength", "0", NULL};
    logon(&ev, 4624, "adm-jsmith", "SRV-DB1", "10.0.0.5", "JUMP01", 3, MIDNIGHT + 10 * DAY + 10 * HOUR);
    set_fields(&ev, ntlm);
    feed(&x, &ev);
    a = find_key("cred|logon|adm-jsmith|JUMP01");
    CHECK(a && strcmp(a->techniques, "T1550.002,T1078") == 0 && strstr(a->title, "pass-the-hash sign"));
    drop_all();
    const char *kerb[] = {"AuthenticationPackageName", "Kerberos", "KeyLength", "0", NULL};
    set_fields(&ev, kerb);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    det_close(&x);
}

static void test_save_load(void)
{
    det x;
    CHECK(det_open(&x, "credential", NULL));
    train_admin(&x);
    CHECK_INT(det_reload(&x, NULL), TOCSIN_OK);
    ts_event ev;
    logon(&ev, 4624, "adm-jsmith", "SRV-DB2", "10.0.0.5", "JUMP01", 10, MIDNIGHT + 10 * DAY + 10 * HOUR);
    feed(&x, &ev);
    CHECK_INT(n_got, 0); /* the next run remembers the jump host */
    logon(&ev, 4624, "adm-jsmith", "SRV-DB2", "10.0.3.42", "WKS42", 10, MIDNIGHT + 10 * DAY + 10 * HOUR);
    feed(&x, &ev);
    CHECK(find_key("cred|logon|adm-jsmith|WKS42") && strstr(got[0]->title, "young") == NULL);
    drop_all();
    /* Damaged blobs are refused whole. */
    void *blob;
    size_t len;
    CHECK_INT(ts_detector_save(x.d, x.st, &blob, &len), TOCSIN_OK);
    det y;
    CHECK(det_open(&y, "credential", NULL));
    CHECK_INT(ts_detector_load(y.d, y.st, blob, len / 2, NULL, 0), TOCSIN_E_FORMAT);
    CHECK_INT(ts_detector_load(y.d, y.st, "junk", 4, NULL, 0), TOCSIN_E_FORMAT);
    ((unsigned char *)blob)[0] ^= 0xff;
    CHECK_INT(ts_detector_load(y.d, y.st, blob, len, NULL, 0), TOCSIN_E_FORMAT);
    free(blob);
    /* After a refused load it learns afresh: everything is young, nothing alerts inside. */
    logon(&ev, 4624, "adm-jsmith", "SRV-DB2", "10.0.3.43", "WKS43", 10, MIDNIGHT + 10 * DAY + 10 * HOUR);
    feed(&y, &ev);
    CHECK_INT(n_got, 0);
    det_close(&y);
    det_close(&x);
}

/* Fixtures through the real readers. */
static void test_fixtures(void)
{
    det x;
    CHECK(det_open(&x, "credential", NULL));
    CHECK_INT(feed_file(&x, "tests/data/behaviour/ssh_brute.log"), 62);
    /* 24 failures from outside: a scanner's burst, no alert by itself ... */
    CHECK(find_key("cred|brute|") == NULL);
    CHECK(find_key("cred|spray|") == NULL);
    CHECK(find_key("cred|guess|") == NULL); /* outside failures never count against root */
    /* ... but the success that follows is the worst case. */
    const ts_alert *a = find_key("cred|cracked|root@web1|45.33.32.156");
    CHECK(a && strstr(a->title, "after 24 failed logons (SSH brute force)") && a->severity >= 80);
    drop_all();
    det_close(&x);

    CHECK(det_open(&x, "credential", NULL));
    CHECK_INT(feed_file(&x, "tests/data/behaviour/ssh_typo.log"), 6);
    CHECK_INT(n_got, 0); /* one user's occasional wrong password */
    det_close(&x);

    CHECK(det_open(&x, "credential", NULL));
    CHECK_INT(feed_file(&x, "tests/data/behaviour/win_cred.json"), 14);
    a = find_key("cred|logon|adm-mike|local");
    CHECK(a && strstr(a->title, "pass-the-hash sign") && strcmp(a->techniques, "T1550.002,T1078") == 0);
    CHECK(a && strcmp(a->internal_host, "WKS7.corp.local") == 0);
    a = find_key("cred|spray|10.20.30.40");
    CHECK(a && strstr(a->title, "10 accounts failed in 9 min"));
    CHECK_INT(count_key("cred|logon|"), 1); /* the service logon is not judged */
    drop_all();
    det_close(&x);
}

/* NPS 6272 through the Windows reader: the VPN client's address becomes the source. */
static ts_ip nps_src[4];
static size_t n_nps;
static void nps_event(void *ud, ts_event *ev)
{
    (void)ud;
    if (ev->has_code && ev->code == 6272 && n_nps < 4)
        nps_src[n_nps++] = ev->src_ip;
}

static void test_nps(void)
{
    ts_input *in;
    char err[256];
    const char *head;
    CHECK_INT(ts_input_open("tests/data/behaviour/win_nps.json", &in, err, sizeof err), TOCSIN_OK);
    size_t n = ts_input_peek(in, &head);
    const ts_reader *r = ts_reader_detect(head, n);
    ts_scratch sc;
    CHECK(r && ts_scratch_init(&sc) == TOCSIN_OK);
    ts_sink snk = {nps_event, file_error, NULL};
    if (r)
        r->read(in, &sc, &snk);
    ts_scratch_free(&sc);
    ts_input_close(in);
    CHECK_INT(n_nps, 2);
    char ip[TS_IP_STRLEN];
    CHECK_STR(ts_ip_format(&nps_src[0], ip), "81.2.69.160");
    CHECK_INT(nps_src[1].v, 0); /* a MAC address (802.1X) is no address */
    /* The detector takes the first as a logon of adm-mike from outside. */
    det x;
    CHECK(det_open(&x, "credential", NULL));
    ts_event ev;
    logon(&ev, 4624, "jdoe", "FS01", "10.0.3.7", "WKS7", 3, T0 - 300 * DAY); /* a detector past learning */
    feed(&x, &ev);
    CHECK_INT(feed_file(&x, "tests/data/behaviour/win_nps.json"), 2);
    CHECK_INT(n_got, 0); /* not located (no enrichment here): nothing to judge but the address */
    /* Located, as the enrich stage leaves it: a young account from a new outside network. */
    win(&ev, "windows.security", 6272, "dc-01", T0 + HOUR);
    ev.user = ts_str_c("adm-mike");
    ev.src_ip = ip_of("81.2.69.160");
    ev.src_geo = geo("GB", 20712, 0);
    feed(&x, &ev);
    const ts_alert *a = find_key("cred|logon|adm-mike|AS20712 (GB)");
    CHECK(a && strstr(a->title, "new network; baseline young: 1 earlier logons") &&
          a->direction == TS_DIR_INBOUND);
    drop_all();
    det_close(&x);
}

/* The loghub OpenSSH sample: the guessing run from 183.62.140.253. */
static void test_loghub(void)
{
    const char *d = shared_data("loghub OpenSSH");
    if (!d)
        return;
    char path[512];
    snprintf(path, sizeof path, "%s/linux/loghub/OpenSSH/OpenSSH_2k.log", d);
    det x;
    CHECK(det_open(&x, "credential", NULL));
    CHECK_INT(feed_file(&x, path), 2000);
    const ts_alert *a = find_key("cred|brute|183.62.140.253|LabSZ");
    CHECK(a && strstr(a->title, "SSH brute force from 183.62.140.253 against LabSZ: 100 failed logons"));
    CHECK(a && strcmp(a->techniques, "T1110.001,T1110.003") == 0 && a->direction == TS_DIR_INBOUND);
    CHECK(find_key("cred|spray|") == NULL); /* from outside: one alert per run */
    /* The shorter runs (80 from 187.141.143.180, 46 from 103.99.0.122) are scanner noise. */
    CHECK(find_key("cred|brute|187.141.143.180") == NULL);
    CHECK(find_key("cred|brute|103.99.0.122") == NULL);
    /* The one accepted logon in the sample (fztu from 119.137.62.142) follows no failures. */
    CHECK(find_key("cred|cracked|") == NULL);
    size_t n = 0;
    for (size_t i = 0; i < n_got; i++)
        n += strstr(got[i]->key, "183.62.140.253") != NULL;
    CHECK_INT(n, 286 - 99); /* every failure of the run past the bar repeats its alert */
    CHECK_INT(n_got, n);
    drop_all();
    det_close(&x);
}

/* The learning clock runs from the earliest event, not the first to arrive: ten days read
 * newest first are ten days learnt, and a first-time 4648 after them is judged. The near
 * miss: three days read newest first are still the learning period. */
static void test_clock_order(void)
{
    for (int days = 10; days >= 3; days -= 7) {
        det x;
        CHECK(det_open(&x, "credential", NULL));
        ts_event ev;
        for (int d = 9; d > 9 - days; d--)
            for (int h = 14; h >= 9; h -= 5) {
                logon(&ev, 4624, "adm-jsmith", "SRV-DB1", "10.0.0.5", "JUMP01", 10,
                      MIDNIGHT + d * DAY + h * HOUR);
                feed(&x, &ev);
            }
        CHECK_INT(n_got, 0);
        const char *kv[] = {"SubjectUserName", "jdoe", "TargetServerName", "SRV-DB1", NULL};
        logon(&ev, 4648, "adm-jsmith", "WKS7", NULL, NULL, 0, MIDNIGHT + 10 * DAY + 10 * HOUR);
        set_fields(&ev, kv);
        feed(&x, &ev);
        CHECK_INT(count_key("cred|explicit|jdoe|adm-jsmith"), days == 10 ? 1 : 0);
        drop_all();
        det_close(&x);
    }
}

/* An admin working from home on the VPN: RDP to its own desk from a home computer through
 * the address its VPN session logged on from is no new source; from one of our machines,
 * or through an address it never used, it is. */
static void test_own_desk(void)
{
    det x;
    CHECK(det_open(&x, "credential", NULL));
    ts_event ev;
    for (int d = 0; d < 10; d++) { /* adm-kate's desk is WS7 (console logons); WS3 is ours too */
        logon(&ev, 4624, "adm-kate", "WS7.corp.example", "127.0.0.1", "WS7", 2,
              MIDNIGHT + d * DAY + 9 * HOUR);
        feed(&x, &ev);
        logon(&ev, 4624, "adm-kate", "FS01", "10.0.3.7", "WS7", 3, MIDNIGHT + d * DAY + 9 * HOUR + MIN);
        feed(&x, &ev);
        logon(&ev, 4624, "bob", "WS3.corp.example", "127.0.0.1", "WS3", 2, MIDNIGHT + d * DAY + 9 * HOUR);
        feed(&x, &ev);
    }
    int64_t t = MIDNIGHT + 10 * DAY + 10 * HOUR;
    logon(&ev, 4624, "adm-kate", "DC01", "10.9.200.15", "-", 3, t);
    feed(&x, &ev);
    logon(&ev, 4624, "adm-kate", "WS7.corp.example", "10.9.200.15", "DESKTOP-ABC1234", 10, t + MIN);
    feed(&x, &ev);
    CHECK(find_key("cred|logon|adm-kate|DESKTOP-ABC1234") == NULL);
    logon(&ev, 4624, "adm-kate", "WS7.corp.example", "10.9.200.77", "DESKTOP-XYZ9876", 10, t + 2 * MIN);
    feed(&x, &ev);
    const ts_alert *a = find_key("cred|logon|adm-kate|DESKTOP-XYZ9876");
    CHECK(a && strstr(a->title, "new source"));
    logon(&ev, 4624, "adm-kate", "FS01", "10.0.3.3", "-", 3, t + 3 * MIN); /* an address kate used */
    feed(&x, &ev);
    logon(&ev, 4624, "adm-kate", "WS7.corp.example", "10.0.3.3", "WS3", 10, t + 4 * MIN);
    feed(&x, &ev);
    a = find_key("cred|logon|adm-kate|WS3");
    CHECK(a && strstr(a->title, "new source"));
    drop_all();
    det_close(&x);
}

int main(void)
{
    test_own_desk();
    test_jump_host();
    test_subnets();
    test_special_privileges();
    test_config();
    test_travel();
    test_travel_home();
    test_young();
    test_working_late();
    test_session_lasts();
    test_outside_hours();
    test_guessing();
    test_spraying();
    test_explicit_and_pth();
    test_save_load();
    test_fixtures();
    test_nps();
    test_loghub();
    test_clock_order();
    return check_done("test_credential");
}
