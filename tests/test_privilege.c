/* test_privilege.c: the privilege detector with the shipped data/detect.conf: sensitive
 * privileges (4673/4674) by programs the organisation never saw use them; suspect programs
 * alert while learning, others are held and the rare ones raised when learning ends; then
 * real OTRF recordings (PowerShell asking for SeTcbPrivilege to dump the SAM). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "behaviour.h"

static ts_config *shipped_config(void)
{
    ts_config *c = NULL;
    CHECK(ts_config_load(TOCSIN_DATA_DIR "/detect.conf", &c, NULL, NULL) == TOCSIN_OK);
    return c;
}

static void priv(det *x, uint32_t code, const char *host, int64_t ts, const char *process,
                 const char *privilege, const char *keywords)
{
    ts_event ev;
    win(&ev, "windows.security", code, host, ts);
    set_fields(&ev, (const char *[]){"SubjectUserName", "bob", "ProcessName", process, "PrivilegeList",
                                     privilege, "Keywords", keywords, NULL});
    feed(x, &ev);
}

static void other(det *x, int64_t ts)
{
    ts_event ev;
    win(&ev, "windows.security", 4624, "DC1", ts);
    feed(x, &ev);
}

static void test_events(const ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "privilege", cfg));
    other(&x, T0);
    /* Learning: Windows' own services are learnt silently, a shell alerts at once. */
    priv(&x, 4673, "WS1", T0 + HOUR, "C:\\Windows\\System32\\lsass.exe", "SeTcbPrivilege",
         "0x8020000000000000");
    priv(&x, 4673, "WS1", T0 + HOUR, "C:\\Windows\\System32\\svchost.exe", "SeProfileSingleProcessPrivilege",
         "");
    CHECK_INT(n_got, 0);
    priv(&x, 4673, "WS1", T0 + HOUR, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
         "SeTcbPrivilege", "0x8010000000000000");
    const ts_alert *a = find_key("privilege|powershell.exe|SeTcbPrivilege");
    CHECK(a && a->severity == 40 && !strcmp(a->techniques, "T1134") && strstr(a->title, "asked in vain") &&
          strstr(a->title, "baseline young"));
    drop_all();
    /* A program outside Windows' and installed folders. */
    priv(&x, 4673, "WS2", T0 + HOUR, "C:\\Users\\bob\\Downloads\\m.exe", "SeDebugPrivilege",
         "0x8020000000000000");
    CHECK(find_key("privilege|m.exe|SeDebugPrivilege") && strstr(got[0]->title, "used SeDebugPrivilege"));
    drop_all();
    /* Held while learning: a Windows program's rare use, and a frequent one. */
    priv(&x, 4674, "WS3", T0 + 2 * HOUR, "C:\\Windows\\System32\\notepad.exe", "SeBackupPrivilege", "");
    for (int i = 0; i < 5; i++)
        priv(&x, 4673, "WS3", T0 + 2 * HOUR + i, "C:\\Windows\\System32\\RuntimeBroker.exe", "SeTcbPrivilege",
             "");
    CHECK_INT(n_got, 0);
    /* The learning clock and the pairs survive a restart (held alerts are this run's). */
    CHECK_INT(det_reload(&x, cfg), TOCSIN_OK);
    priv(&x, 4674, "WS3", T0 + 3 * HOUR, "C:\\Windows\\System32\\notepad.exe", "SeBackupPrivilege", "");
    priv(&x, 4673, "WS3", T0 + 3 * HOUR, "C:\\Windows\\System32\\taskhostw.exe", "SeTcbPrivilege", "");
    for (int i = 0; i < 5; i++)
        priv(&x, 4673, "WS3", T0 + 3 * HOUR + i, "C:\\Windows\\System32\\explorer.exe", "SeTcbPrivilege", "");
    CHECK_INT(n_got, 0);
    /* Learning ends: the rare held pair is raised, the frequent one is not. */
    other(&x, T0 + 8 * DAY);
    CHECK_INT(n_got, 1);
    a = find_key("privilege|taskhostw.exe|SeTcbPrivilege");
    CHECK(a && strstr(a->title, "raised when learning ended") && a->severity == 40);
    drop_all();
    /* After learning: a new pair alerts; known pairs and other privileges do not. */
    priv(&x, 4673, "WS4", T0 + 9 * DAY, "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe", "SeDebugPrivilege", "");
    a = find_key("privilege|WmiPrvSE.exe|SeDebugPrivilege");
    CHECK(a && a->severity == 55 && !strstr(a->title, "young"));
    drop_all();
    priv(&x, 4673, "WS4", T0 + 9 * DAY, "C:\\Windows\\System32\\lsass.exe", "SeTcbPrivilege", "");
    /* Windows' core processes are never news, even with a privilege not seen before... */
    priv(&x, 4673, "WS4", T0 + 9 * DAY, "C:\\Windows\\System32\\services.exe", "SeLoadDriverPrivilege", "");
    CHECK_INT(n_got, 0);
    /* ... but a copy of one elsewhere is judged. */
    priv(&x, 4673, "WS4", T0 + 9 * DAY, "C:\\Users\\Public\\lsass.exe", "SeDebugPrivilege", "");
    CHECK(find_key("privilege|lsass.exe|SeDebugPrivilege") != NULL);
    drop_all();
    priv(&x, 4673, "WS4", T0 + 9 * DAY, "C:\\Windows\\System32\\calc.exe", "SeTakeOwnershipPrivilege", "");
    priv(&x, 4624, "WS4", T0 + 9 * DAY, "C:\\x.exe", "SeDebugPrivilege", "");
    CHECK_INT(n_got, 0);
    det_close(&x);
}

/* Real recordings, each as its own first hour: Empire's powerdump asks for SeTcbPrivilege
 * from PowerShell; the lab's background only holds Windows' own pairs. */
static void test_otrf(const ts_config *cfg)
{
    const char *d = shared_data("privilege on OTRF recordings");
    if (!d)
        return;
    static const struct {
        const char *file, *key;
    } cases[] = {
        {"credential_access/empire_powerdump_sam_access.json.gz", "privilege|powershell.exe|SeTcbPrivilege"},
        {"collection/msf_record_mic.json.gz", NULL},
        {"lateral_movement/covenant_dcom_iertutil_dll_hijack.json.gz", NULL},
        {"defense_evasion/cmd_wevtutil_modify_security_eventlog_path.json.gz", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/otrf-atomic/%s", d, cases[i].file);
        det x;
        CHECK(det_open(&x, "privilege", cfg));
        CHECK(feed_file(&x, path) > 0);
        for (size_t k = 0; k < n_got; k++)
            if (!cases[i].key || strncmp(got[k]->key, cases[i].key, strlen(cases[i].key)))
                fprintf(stderr, "%s: %s\n", cases[i].file, got[k]->title);
        if (cases[i].key) {
            const ts_alert *a = find_key(cases[i].key);
            CHECK(a && strstr(a->title, "asked in vain"));
            CHECK_INT(n_got, 1);
        } else {
            CHECK_INT(n_got, 0);
        }
        drop_all();
        det_close(&x);
    }
}

int main(void)
{
    ts_config *cfg = shipped_config();
    test_events(cfg);
    test_otrf(cfg);
    ts_config_free(cfg);
    return check_done("test_privilege");
}
