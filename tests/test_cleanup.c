/* test_cleanup.c: the cleanup detector with the shipped data/detect.conf: event logs cleared
 * (Security 1102, System 104), timestomping (Sysmon 2), a service removed soon after its
 * installation, tools and staged files deleted by a shell; near misses stay quiet; real
 * OTRF recordings' background (Sysmon 2 of Windows' own programs) raises nothing. */
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

static void ev_at(det *x, const char *dataset, uint32_t code, const char *host, int64_t ts, const char *image,
                  const char *cmd, const char *const *kv)
{
    ts_event ev;
    win(&ev, dataset, code, host, ts);
    if (image)
        ev.process = ts_str_c(image);
    if (cmd)
        ev.command_line = ts_str_c(cmd);
    set_fields(&ev, kv);
    feed(x, &ev);
}

static void test_logs(const ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "cleanup", cfg));
    ev_at(&x, "windows.security", 1102, "DC1", T0, NULL, NULL,
          (const char *[]){"SubjectUserName", "blee", "SubjectDomainName", "CORP", NULL});
    const ts_alert *a = find_key("cleanup|log-cleared|DC1|Security");
    CHECK(a && !strcmp(a->techniques, "T1685.005") && strstr(a->title, "by blee"));
    drop_all();
    /* System 104 names the channel; only the event log service's 104 counts. */
    ts_event ev;
    win(&ev, "windows.system", 104, "WS1", T0);
    ev.provider = TS_STR_LIT("Microsoft-Windows-Eventlog");
    set_fields(&ev, (const char *[]){"SubjectUserName", "admin", "Channel",
                                     "Microsoft-Windows-Sysmon/Operational", NULL});
    feed(&x, &ev);
    CHECK(find_key("cleanup|log-cleared|WS1|Microsoft-Windows-Sysmon/Operational") != NULL);
    drop_all();
    ev.provider = TS_STR_LIT("Some-Other-Provider");
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    det_close(&x);
}

static void stomp(det *x, const char *image, const char *target, const char *now, const char *before)
{
    ev_at(x, "windows.sysmon", 2, "WS1", T0, image, NULL,
          (const char *[]){"Image", image, "TargetFilename", target, "CreationUtcTime", now,
                           "PreviousCreationUtcTime", before, NULL});
}

static void test_timestomp(const ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "cleanup", cfg));
    stomp(&x, "C:\\Users\\p\\AppData\\Local\\Temp\\beacon.exe", "C:\\ProgramData\\svc\\svc.dll",
          "2012-03-01 10:00:00.000", "2014-09-06 10:39:00.000");
    const ts_alert *a = find_key("cleanup|timestomp|WS1|");
    CHECK(a && !strcmp(a->techniques, "T1070.006") && strstr(a->title, "2012-03-01"));
    drop_all();
    /* PowerShell lives in \Windows\ but is still someone's hand. */
    stomp(&x, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "C:\\Users\\p\\run.ps1",
          "2010-01-01 00:00:00.000", "2014-09-06 10:39:00.000");
    CHECK_INT(n_got, 1);
    drop_all();
    /* Near misses: a data file; a few seconds back; installed software; an archiver restoring
       times as its job; a time moved forward. */
    stomp(&x, "C:\\Users\\p\\x.exe", "C:\\Users\\p\\notes.dat", "2010-01-01 00:00:00.000",
          "2014-09-06 10:39:00.000");
    stomp(&x, "C:\\Users\\p\\x.exe", "C:\\Users\\p\\y.exe", "2014-09-06 10:38:50.000",
          "2014-09-06 10:39:00.000");
    stomp(&x, "C:\\Program Files\\App\\updater.exe", "C:\\Program Files\\App\\a.dll",
          "2010-01-01 00:00:00.000", "2014-09-06 10:39:00.000");
    stomp(&x, "C:\\Users\\p\\Downloads\\7z.exe", "C:\\Users\\p\\tools\\a.exe", "2010-01-01 00:00:00.000",
          "2014-09-06 10:39:00.000");
    stomp(&x, "C:\\Users\\p\\x.exe", "C:\\Users\\p\\y.exe", "2014-09-07 00:00:00.000",
          "2014-09-06 10:39:00.000");
    CHECK_INT(n_got, 0);
    det_close(&x);
}

static void test_services(const ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "cleanup", cfg));
    ev_at(&x, "windows.system", 7045, "FS1", T0, NULL, NULL,
          (const char *[]){"ServiceName", "WinsSchMgmt", "ImagePath", "%SystemRoot%\\colorcpl.exe", NULL});
    CHECK_INT(n_got, 0);
    /* Removed from another host with sc \\FS1 delete, hours later. */
    ev_at(&x, "windows.sysmon", 1, "WS1", T0 + 3 * HOUR, "C:\\Windows\\System32\\sc.exe",
          "sc.exe \\\\fs1 delete \"WinsSchMgmt\"", NULL);
    const ts_alert *a = find_key("cleanup|service-removed|WinsSchMgmt");
    CHECK(a && !strcmp(a->techniques, "T1070.009,T1543.003") && strstr(a->title, "3.0 h after") &&
          strstr(a->title, "on FS1"));
    drop_all();
    /* Its registry key deleted (Sysmon 12), PowerShell's Remove-Service. */
    ev_at(&x, "windows.sysmon", 12, "FS1", T0 + HOUR, NULL, NULL,
          (const char *[]){"EventType", "DeleteKey", "TargetObject",
                           "HKLM\\System\\CurrentControlSet\\Services\\WinsSchMgmt", NULL});
    CHECK_INT(n_got, 1);
    drop_all();
    ev_at(&x, "windows.sysmon", 1, "FS1", T0 + HOUR,
          "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
          "powershell Remove-Service -Name WinsSchMgmt", NULL);
    CHECK_INT(n_got, 1);
    drop_all();
    /* Near misses: a value below the key; another service; too long after; sc query. */
    ev_at(&x, "windows.sysmon", 12, "FS1", T0 + HOUR, NULL, NULL,
          (const char *[]){"EventType", "DeleteKey", "TargetObject",
                           "HKLM\\System\\CurrentControlSet\\Services\\WinsSchMgmt\\Parameters", NULL});
    ev_at(&x, "windows.sysmon", 1, "FS1", T0 + HOUR, "C:\\Windows\\System32\\sc.exe", "sc delete Spooler",
          NULL);
    ev_at(&x, "windows.sysmon", 1, "FS1", T0 + 3 * DAY, "C:\\Windows\\System32\\sc.exe",
          "sc delete WinsSchMgmt", NULL);
    ev_at(&x, "windows.sysmon", 1, "FS1", T0 + HOUR, "C:\\Windows\\System32\\sc.exe", "sc query WinsSchMgmt",
          NULL);
    CHECK_INT(n_got, 0);
    det_close(&x);
}

static void created(det *x, const char *image, const char *path, int64_t ts)
{
    ev_at(x, "windows.sysmon", 11, "FS1", ts, image, NULL, (const char *[]){"TargetFilename", path, NULL});
}

static void deleted(det *x, const char *image, const char *path, int64_t ts)
{
    ev_at(x, "windows.sysmon", 23, "FS1", ts, image, NULL, (const char *[]){"TargetFilename", path, NULL});
}

static void test_deletions(const ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "cleanup", cfg));
    created(&x, "C:\\Windows\\Temp\\r.exe", "C:\\Windows\\Temp\\~DF5CC1.tmp.part1.rar", T0);
    deleted(&x, "C:\\Windows\\System32\\cmd.exe", "C:\\Windows\\Temp\\~df5cc1.TMP.part1.rar", T0 + DAY);
    const ts_alert *a = find_key("cleanup|deleted|FS1");
    CHECK(a && !strcmp(a->techniques, "T1070.004") && strstr(a->title, "written there lately"));
    drop_all();
    /* A dual-use tool, whoever wrote it. */
    deleted(&x, "C:\\Windows\\System32\\cmd.exe", "C:\\ProgramData\\plink.exe", T0);
    CHECK(find_key("cleanup|deleted|FS1") && strstr(got[0]->title, "dual-use tool"));
    drop_all();
    /* Near misses: deleted by the program that wrote it (an installer's temporary files); an
       assembly PowerShell's Add-Type compiled with csc.exe; by
       Explorer (a person tidying up); too long after; a document. */
    created(&x, "C:\\Users\\p\\setup.exe", "C:\\Users\\p\\AppData\\Local\\Temp\\a.cab", T0);
    deleted(&x, "C:\\Users\\p\\setup.exe", "C:\\Users\\p\\AppData\\Local\\Temp\\a.cab", T0 + MIN);
    created(&x, "C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\csc.exe",
            "C:\\Users\\p\\AppData\\Local\\Temp\\swetvsln\\swetvsln.dll", T0);
    deleted(&x, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
            "C:\\Users\\p\\AppData\\Local\\Temp\\swetvsln\\swetvsln.dll", T0 + MIN);
    created(&x, "C:\\Windows\\System32\\cmd.exe", "C:\\Users\\p\\b.zip", T0);
    deleted(&x, "C:\\Windows\\System32\\cmd.exe", "C:\\Users\\p\\b.zip", T0 + MIN);
    created(&x, "C:\\Program Files\\Mail\\mail.exe", "C:\\Users\\p\\c.zip", T0);
    deleted(&x, "C:\\Windows\\explorer.exe", "C:\\Users\\p\\c.zip", T0 + MIN);
    created(&x, "C:\\Program Files\\Mail\\mail.exe", "C:\\Users\\p\\d.zip", T0);
    deleted(&x, "C:\\Windows\\System32\\cmd.exe", "C:\\Users\\p\\d.zip", T0 + 30 * DAY);
    created(&x, "C:\\Program Files\\Office\\winword.exe", "C:\\Users\\p\\e.docx", T0);
    deleted(&x, "C:\\Windows\\System32\\cmd.exe", "C:\\Users\\p\\e.docx", T0 + MIN);
    CHECK_INT(n_got, 0);
    /* What was written survives a restart. */
    created(&x, "C:\\Windows\\Temp\\r.exe", "C:\\Windows\\Temp\\f.7z", T0);
    CHECK_INT(det_reload(&x, cfg), TOCSIN_OK);
    deleted(&x, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "C:\\Windows\\Temp\\f.7z",
            T0 + HOUR);
    CHECK_INT(n_got, 1);
    drop_all();
    det_close(&x);
}

/* Real recordings: Windows' own programs change creation times of their data files, PowerShell
 * deletes what Add-Type compiled. */
static void test_otrf(const ts_config *cfg)
{
    /* The lab cleared its logs before recording: 1102 as NXLog writes it, the account only
       in the message. */
    const char *d0 = shared_data("cleanup on OTRF recordings");
    if (d0) {
        char path[512];
        snprintf(path, sizeof path, "%s/otrf-atomic/credential_access/cmd_psexec_lsa_secrets_dump.json.gz",
                 d0);
        det x;
        CHECK(det_open(&x, "cleanup", cfg));
        CHECK(feed_file(&x, path) > 0);
        const ts_alert *a = find_key("cleanup|log-cleared|WORKSTATION5|Security");
        CHECK(a && strstr(a->title, "by wardog"));
        CHECK(find_key("cleanup|log-cleared|WORKSTATION5|System") != NULL);
        /* PsExec removes the service it installed at once. */
        CHECK(find_key("cleanup|service-removed|PSEXESVC") != NULL);
        drop_all();
        det_close(&x);
    }
    const char *d = shared_data("cleanup on OTRF recordings");
    if (!d)
        return;
    static const char *const files[] = {
        "lateral_movement/covenant_dcom_iertutil_dll_hijack.json.gz",
        "defense_evasion/psh_metasploit_stop_netprofm_eventlog_before_reboot.json.gz",
        "collection/msf_record_mic.json.gz",
        "credential_access/empire_powerdump_sam_access.json.gz", /* Add-Type compiles, deletes */
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/otrf-atomic/%s", d, files[i]);
        det x;
        CHECK(det_open(&x, "cleanup", cfg));
        CHECK(feed_file(&x, path) > 0);
        for (size_t k = 0; k < n_got; k++)
            fprintf(stderr, "%s: unexpected %s\n", files[i], got[k]->title);
        CHECK_INT(n_got, 0);
        drop_all();
        det_close(&x);
    }
}

int main(void)
{
    ts_config *cfg = shipped_config();
    test_logs(cfg);
    test_timestomp(cfg);
    test_services(cfg);
    test_deletions(cfg);
    test_otrf(cfg);
    ts_config_free(cfg);
    return check_done("test_cleanup");
}
