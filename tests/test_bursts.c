/* test_bursts.c: the bursts detector with the shipped data/detect.conf and recon tools table:
 * each burst fires at its threshold within the window, and stays quiet just under it, when
 * spread over more than the window, or on acts that are not the kind counted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "behaviour.h"

static ts_config *shipped_config(void)
{
    ts_config *c = NULL;
    CHECK(ts_config_load(TOCSIN_DATA_DIR "/detect.conf", &c, NULL, NULL) == TOCSIN_OK);
    return c;
}

static void sec(det *x, uint32_t code, int64_t ts, const char *const *kv)
{
    ts_event ev;
    win(&ev, "windows.security", code, "DC1", ts);
    set_fields(&ev, kv);
    feed(x, &ev);
}

static void tgs(det *x, int64_t ts, const char *user, const char *svc, const char *enc)
{
    sec(x, 4769, ts,
        (const char *[]){"TargetUserName", user, "ServiceName", svc, "TicketEncryptionType", enc, "Status",
                         "0x0", NULL});
}

static void test_kerberoast(det *x)
{
    char svc[32];
    for (int i = 0; i < 4; i++) { /* four services: under the threshold of five */
        snprintf(svc, sizeof svc, "svc_sql%d", i);
        tgs(x, T0 + i * MIN, "eve", svc, "0x17");
    }
    tgs(x, T0 + 4 * MIN, "eve", "svc_sql0", "0x17"); /* a repeat is not a new service */
    tgs(x, T0 + 4 * MIN, "eve", "svc_web", "0x12");  /* AES */
    tgs(x, T0 + 4 * MIN, "eve", "WS7$", "0x17");     /* a machine account */
    CHECK_INT(n_got, 0);
    tgs(x, T0 + 5 * MIN, "eve", "svc_backup", "0x17");
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1558.003") && strstr(got[0]->title, "eve"));
    tgs(x, T0 + 6 * MIN, "eve", "svc_more", "0x17"); /* the same window: no second alert */
    CHECK_INT(n_got, 1);
    drop_all();
    /* Five services spread over more than the window. */
    for (int i = 0; i < 5; i++) {
        snprintf(svc, sizeof svc, "svc_app%d", i);
        tgs(x, T0 + i * 11 * MIN, "bob", svc, "0x17");
    }
    CHECK_INT(n_got, 0);
}

static void test_spray(det *x)
{
    char user[32];
    for (int i = 0; i < 10; i++) {
        snprintf(user, sizeof user, "user%d", i);
        sec(x, 4771, T0 + i * 1000000000LL,
            (const char *[]){"TargetUserName", user, "Status", i == 9 ? "0x12" : "0x18", "IpAddress",
                             "10.0.0.9", NULL});
    }
    CHECK_INT(n_got, 0); /* nine bad passwords, one disabled account */
    sec(x, 4771, T0 + 20 * 1000000000LL,
        (const char *[]){"TargetUserName", "user10", "Status", "0x18", "IpAddress", "10.0.0.9", NULL});
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1110.003"));
    drop_all();
    for (int i = 0; i < 10; i++) {
        snprintf(user, sizeof user, "nobody%d", i);
        sec(x, 4768, T0 + i * 1000000000LL,
            (const char *[]){"TargetUserName", user, "Status", "0x6", "IpAddress", "10.0.0.10", NULL});
    }
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1087.002"));
    drop_all();
    for (int i = 0; i < 5; i++) {
        snprintf(user, sizeof user, "admin%d", i);
        sec(x, 4648, T0 + i * 1000000000LL,
            (const char *[]){"SubjectUserName", "eve", "TargetUserName", user, NULL});
    }
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1110.003"));
    drop_all();
    /* One account's explicit credentials, many times (runas, a scheduled job). */
    for (int i = 0; i < 20; i++)
        sec(x, 4648, T0 + i * 1000000000LL,
            (const char *[]){"SubjectUserName", "ops", "TargetUserName", "svc_job", NULL});
    CHECK_INT(n_got, 0);
}

static void proc(det *x, int64_t ts, const char *image, const char *parent_guid)
{
    ts_event ev;
    win(&ev, "windows.sysmon", 1, "WS1", ts);
    ev.process = ts_str_c(image);
    ev.parent_process = ts_str_c("C:\\Windows\\System32\\cmd.exe");
    set_fields(&ev, (const char *[]){"Image", image, "ParentProcessGuid", parent_guid, NULL});
    feed(x, &ev);
}

static void test_discovery(det *x)
{
    proc(x, T0, "C:\\Windows\\System32\\whoami.exe", "{A}");
    proc(x, T0 + MIN, "C:\\Windows\\System32\\ipconfig.exe", "{A}");
    proc(x, T0 + MIN, "C:\\Windows\\System32\\ipconfig.exe", "{A}"); /* the same tool again */
    proc(x, T0 + MIN, "C:\\Windows\\System32\\notepad.exe", "{A}");  /* not a recon tool */
    proc(x, T0 + 2 * MIN, "C:\\Windows\\System32\\nltest.exe", "{A}");
    proc(x, T0 + 2 * MIN, "C:\\Windows\\System32\\systeminfo.exe", "{B}"); /* another parent */
    CHECK_INT(n_got, 0);
    proc(x, T0 + 3 * MIN, "C:\\Windows\\System32\\NET.EXE", "{A}");
    CHECK_INT(n_got, 1);
    if (n_got) {
        CHECK(strstr(got[0]->techniques, "T1033") && strstr(got[0]->techniques, "T1016") &&
              strstr(got[0]->techniques, "T1482") && strstr(got[0]->techniques, "T1087"));
        CHECK(strstr(got[0]->title, "4 recon tools") && strstr(got[0]->title, "nltest.exe"));
    }
    drop_all();
}

/* Lesser bursts, as the sink's habit callback receives them. */
static char habit_key[4][160];
static size_t n_habit;
static void on_habit(void *ud, const char *key, int64_t ts_ns)
{
    (void)ud, (void)ts_ns;
    if (n_habit < 4)
        snprintf(habit_key[n_habit], sizeof habit_key[0], "%s", key);
    n_habit++;
}

static void run_proc(det *x, int64_t ts, const char *image, const char *parent_guid, const char *user)
{
    static const ts_alert_sink with_habit = {keep, NULL, on_habit};
    ts_event ev;
    win(&ev, "windows.sysmon", 1, "WS1", ts);
    ev.process = ts_str_c(image);
    ev.parent_process = ts_str_c("C:\\Windows\\System32\\cmd.exe");
    ev.user = ts_str_c(user);
    set_fields(&ev, (const char *[]){"Image", image, "ParentProcessGuid", parent_guid, NULL});
    x->d->event(x->st, &ev, &with_habit);
}

/* The admin's checks from cmd.exe: each run a new process, but one key (host, user, parent
 * program), so a host's habit can learn it; two tools in a run are a lesser burst, reported
 * to the habit callback under that key; one tool is not. */
static void test_discovery_habit(det *x)
{
    int64_t t = T0 + 5 * DAY;
    run_proc(x, t, "C:\\Windows\\System32\\whoami.exe", "{C}", "admin");
    CHECK_INT(n_habit, 0);
    run_proc(x, t + MIN, "C:\\Windows\\System32\\net.exe", "{C}", "admin");
    CHECK_INT(n_habit, 1);
    if (n_habit)
        CHECK_STR(habit_key[0], "bursts|discovery|WS1|admin|cmd.exe");
    run_proc(x, t + 2 * MIN, "C:\\Windows\\System32\\nltest.exe", "{C}", "admin");
    run_proc(x, t + 3 * MIN, "C:\\Windows\\System32\\ipconfig.exe", "{C}", "admin");
    CHECK_INT(n_got, 1); /* the burst itself is an alert, not a lesser burst */
    CHECK_INT(n_habit, 2);
    const char *tools[] = {"whoami.exe", "net.exe", "nltest.exe", "ipconfig.exe"};
    char img[64];
    for (int i = 0; i < 4; i++) { /* the next day, another cmd.exe process */
        snprintf(img, sizeof img, "C:\\Windows\\System32\\%s", tools[i]);
        run_proc(x, t + DAY + i * MIN, img, "{D}", "admin");
    }
    CHECK_INT(n_got, 2);
    if (n_got == 2) {
        CHECK_STR(got[0]->key, "bursts|discovery|WS1|admin|cmd.exe");
        CHECK_STR(got[1]->key, got[0]->key);
    }
    for (int i = 0; i < 4; i++) { /* another account on that host: its own key */
        snprintf(img, sizeof img, "C:\\Windows\\System32\\%s", tools[i]);
        run_proc(x, t + 2 * DAY + i * MIN, img, "{E}", "mallory");
    }
    CHECK_INT(n_got, 3);
    if (n_got == 3)
        CHECK_STR(got[2]->key, "bursts|discovery|WS1|mallory|cmd.exe");
    drop_all();
}

int main(void)
{
    ts_config *cfg = shipped_config();
    det x;
    CHECK(det_open(&x, "bursts", cfg));
    test_kerberoast(&x);
    test_spray(&x);
    test_discovery(&x);
    test_discovery_habit(&x);
    det_close(&x);
    /* A threshold out of range is refused, not silently used. */
    ts_config *bad = NULL;
    char path[] = "/tmp/tocsin-bursts-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs("[bursts]\nkerberoast_services = 1\n", f);
    fclose(f);
    CHECK(ts_config_load(path, &bad, NULL, NULL) == TOCSIN_OK);
    unlink(path);
    CHECK(!det_open(&x, "bursts", bad));
    ts_config_free(bad);
    ts_config_free(cfg);
    return check_done("test_bursts");
}
