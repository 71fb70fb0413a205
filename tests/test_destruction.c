/* test_destruction.c: the destruction detector: raw-disk drivers, recovery sabotage, boot configuration,
 * deletion, service and shutdown bursts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "behaviour.h"

static ts_config *config(const char *text)
{
    char path[] = "/tmp/tocsin-dst-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    ts_config *c = NULL;
    ts_config_load(path, &c, NULL, NULL);
    unlink(path);
    return c;
}

static void driver_load(det *x, const char *host, const char *path, const char *signed_, const char *signer)
{
    ts_event ev;
    win(&ev, "windows.sysmon", 6, host, T0);
    const char *kv[] = {"ImageLoaded", path, "Signed", signed_, "Signature", signer, NULL};
    set_fields(&ev, kv);
    feed(x, &ev);
}

static void test_drivers(void)
{
    ts_config *cfg = config("[destruction]\ndrivers = wipe64.sys, other.sys\n");
    det x;
    CHECK(det_open(&x, "destruction", cfg));
    driver_load(&x, "SRV1", "C:\\Windows\\System32\\drivers\\ndis.sys", "true", "Microsoft Windows");
    CHECK_INT(n_got, 0);
    driver_load(&x, "SRV1", "C:\\Windows\\System32\\USBDRV3_64.SYS", "true", "EldoS Corporation");
    const ts_alert *a = find_key("destruction|driver|SRV1|USBDRV3_64.SYS");
    CHECK(a != NULL);
    if (a) {
        CHECK_STR(a->techniques, "T1561.001,T1561.002");
        CHECK(a->severity >= 85);
        CHECK(strstr(a->title, "Sony 2014 wiper") != NULL);
        CHECK_STR(a->internal_host, "SRV1");
    }
    drop_all();
    /* Renamed, but signed by the vendor. */
    driver_load(&x, "SRV2", "C:\\Windows\\Temp\\x.sys", "true", "EldoS Corporation");
    CHECK(find_key("destruction|driver|SRV2|x.sys") && strstr(got[0]->title, "raw-disk driver vendor"));
    drop_all();
    /* Named in the configuration. */
    driver_load(&x, "SRV3", "D:\\wipe64.sys", "true", "Someone");
    CHECK(find_key("destruction|driver|SRV3|wipe64.sys") && strstr(got[0]->title, "configuration"));
    drop_all();
    /* Unsigned: worth a look, no technique claimed. */
    driver_load(&x, "SRV4", "C:\\drv\\odd.sys", "false", "");
    a = find_key("destruction|driver|SRV4|odd.sys");
    CHECK(a && a->techniques == NULL && a->severity == 50 && strstr(a->title, "unsigned"));
    drop_all();
    /* Kernel driver services: from a user-writable folder, yes; from System32, no. */
    ts_event ev;
    win(&ev, "windows.system", 7045, "WKS1", T0);
    const char *kv[] = {"ServiceName", "hwmon",
                        "ImagePath",   "C:\\Users\\bob\\AppData\\Local\\Temp\\hw.sys",
                        "ServiceType", "kernel mode driver",
                        NULL};
    set_fields(&ev, kv);
    feed(&x, &ev);
    a = find_key("destruction|driver|WKS1|hwmon");
    CHECK(a && strcmp(a->techniques, "T1543.003") == 0);
    drop_all();
    /* Defender's own drivers come with its definition updates, under ProgramData */
    const char *kv_defender[] = {
        "ServiceName",
        "MpKsl1bb57ead",
        "ImagePath",
        "C:\\ProgramData\\Microsoft\\Windows Defender\\Definition Updates\\{972CA50B-64EC-45FC-"
        "A57E-68F894ED5B68}\\MpKsl1bb57ead.sys",
        "ServiceType",
        "kernel mode driver",
        NULL};
    set_fields(&ev, kv_defender);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    const char *kv2[] = {"ServiceName", "IntcAud",
                         "ImagePath",   "C:\\Windows\\System32\\drivers\\IntcAud.sys",
                         "ServiceType", "kernel mode driver",
                         NULL};
    set_fields(&ev, kv2);
    feed(&x, &ev);
    const char *kv3[] = {"ServiceName",       "evil", "ImagePath", "C:\\Users\\bob\\evil.exe", "ServiceType",
                         "user mode service", NULL};
    set_fields(&ev, kv3);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    /* Sysmon's event 6 only counts from Sysmon. */
    win(&ev, "windows.application", 6, "SRV1", T0);
    const char *kv4[] = {"ImageLoaded", "usbdrv3_64.sys", NULL};
    set_fields(&ev, kv4);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    det_close(&x);
    ts_config_free(cfg);
}

static void process(det *x, const char *image, const char *cmd)
{
    ts_event ev;
    win(&ev, "windows.sysmon", 1, "SRV1", T0);
    ev.category = TS_CAT_PROCESS;
    ev.process = ts_str_c(image);
    ev.command_line = ts_str_c(cmd);
    feed(x, &ev);
}

static void test_commands(void)
{
    det x;
    CHECK(det_open(&x, "destruction", NULL));
    static const struct {
        const char *image, *cmd, *key, *tech;
    } bad[] = {
        {"C:\\Windows\\System32\\vssadmin.exe", "vssadmin delete shadows /all /quiet",
         "destruction|shadows|SRV1", "T1490"},
        {"C:\\Windows\\System32\\vssadmin.exe", "vssadmin resize shadowstorage /for=c: /on=c: /maxsize=401MB",
         "destruction|shadows|SRV1", "T1490"},
        {"C:\\Windows\\System32\\wbem\\WMIC.exe", "wmic shadowcopy delete /nointeractive",
         "destruction|shadows|SRV1", "T1490"},
        {"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
         "powershell -c \"Get-WmiObject Win32_Shadowcopy | ForEach-Object { $_.Delete() }\"",
         "destruction|shadows|SRV1", "T1490"},
        {"C:\\Windows\\System32\\cmd.exe", "cmd.exe /c wbadmin DELETE SYSTEMSTATEBACKUP -keepVersions:0",
         "destruction|backups|SRV1", "T1490"},
        {"C:\\Windows\\System32\\bcdedit.exe", "bcdedit /set {default} bootstatuspolicy ignoreallfailures",
         "destruction|recovery|SRV1", "T1490"},
        {"C:\\Windows\\System32\\bcdedit.exe", "bcdedit.exe -set TESTSIGNING ON", "destruction|signing|SRV1",
         "T1553.006"},
        {"C:\\Tools\\sdelete64.exe", "sdelete64 -accepteula -p 3 -s D:\\Projects", "destruction|wipe|SRV1",
         "T1485"},
        {"C:\\Windows\\System32\\cipher.exe", "cipher /w:C:\\", "destruction|wipe|SRV1", "T1485"},
        {"C:\\Windows\\System32\\reg.exe",
         "reg add \"HKCU\\Control Panel\\Desktop\" /v Wallpaper /t REG_SZ /d C:\\Windows\\Temp\\walls.bmp /f",
         "destruction|deface|SRV1", "T1491.001"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        process(&x, bad[i].image, bad[i].cmd);
        const ts_alert *a = find_key(bad[i].key);
        CHECK(a != NULL);
        if (!a) {
            fprintf(stderr, "  missed: %s\n", bad[i].cmd);
            continue;
        }
        CHECK_STR(a->techniques, bad[i].tech);
        CHECK(strstr(a->title, bad[i].cmd) != NULL);
        CHECK_INT(n_got, 1);
        drop_all();
    }
    /* A boot configuration change of another kind: noted, no technique claimed. */
    process(&x, "C:\\Windows\\System32\\bcdedit.exe", "bcdedit /set {bootmgr} timeout 5");
    CHECK(find_key("destruction|boot|SRV1") && got[0]->techniques == NULL && got[0]->severity == 40);
    drop_all();
    static const char *const fine[][2] = {
        {"C:\\Windows\\System32\\vssadmin.exe", "vssadmin list shadows"},
        {"C:\\Windows\\System32\\wbadmin.exe", "wbadmin start backup -backupTarget:E: -quiet"},
        {"C:\\Windows\\System32\\bcdedit.exe", "bcdedit /enum all"},
        {"C:\\Windows\\System32\\wbem\\WMIC.exe", "wmic shadowcopy list brief"},
        {"C:\\Windows\\notepad.exe", "notepad.exe C:\\notes\\vssadmin delete shadows.txt"},
        {"C:\\Windows\\System32\\cmd.exe", ""},
        {"C:\\Windows\\System32\\reg.exe", "reg query \"HKCU\\Control Panel\\Desktop\" /v WallpaperStyle"},
    };
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++)
        process(&x, fine[i][0], fine[i][1]);
    CHECK_INT(n_got, 0);
    det_close(&x);
}

/* n deletions on host from start, step ns apart. */
static void deletes(det *x, const char *host, int n, int64_t start, int64_t step)
{
    ts_event ev;
    for (int i = 0; i < n; i++) {
        win(&ev, "windows.sysmon", i % 2 ? 23 : 26, host, start + i * step);
        ev.category = TS_CAT_FILE;
        feed(x, &ev);
    }
}

/* n deletions of files named like pattern by image on host. */
static void doc_deletes(det *x, const char *host, const char *image, const char *ext, int n, int64_t start)
{
    ts_event ev;
    char path[64];
    for (int i = 0; i < n; i++) {
        win(&ev, "windows.sysmon", 23, host, start + i * 150000000LL);
        ev.category = TS_CAT_FILE;
        ev.process = ts_str_c(image);
        snprintf(path, sizeof path, "D:\\Shares\\Finance\\%04d%s", i, ext);
        ev.file_path = ts_str_c(path);
        feed(x, &ev);
    }
}

static void test_doc_delete(void)
{
    det x;
    CHECK(det_open(&x, "destruction", NULL));
    /* People deleting their folders in Explorer; a program cleaning its temporary files. */
    doc_deletes(&x, "WKS5", "C:\\Windows\\explorer.exe", ".docx", 100, T0);
    doc_deletes(&x, "WKS5", "C:\\Program Files\\App\\app.exe", ".tmp", 100, T0);
    doc_deletes(&x, "WKS5", "C:\\Program Files\\Office\\WINWORD.EXE", ".docx", 24, T0);
    CHECK_INT(n_got, 0);
    /* A program that is not Explorer deleting forty documents in six seconds. */
    doc_deletes(&x, "WKS6", "C:\\Windows\\system32\\diskpartmg16.exe", ".xlsx", 40, T0 + HOUR);
    const ts_alert *a = find_key("destruction|doc-delete|WKS6|diskpartmg16.exe");
    CHECK(a &&
          strstr(a->title, "diskpartmg16.exe deleted 25 documents on WKS6 within 5 min (baseline young"));
    CHECK(a && strcmp(a->techniques, "T1485") == 0 && a->severity >= 50);
    CHECK_INT(n_got, 1);
    drop_all();
    /* An updater replacing its own images (OneDriveSetup on OTRF's lab), and BGInfo writing the
       host's details on the wallpaper: software doing its job. */
    ts_event ev;
    char path[160];
    for (int i = 0; i < 40; i++) {
        win(&ev, "windows.sysmon", 23, "WKS7", T0 + 2 * HOUR + i * 150000000LL);
        ev.category = TS_CAT_FILE;
        ev.process = ts_str_c("C:\\Windows\\SysWOW64\\OneDriveSetup.exe");
        snprintf(path, sizeof path,
                 "C:\\Users\\w\\AppData\\Local\\Microsoft\\OneDrive\\19.002\\LogoImages\\tile-%d.png", i);
        ev.file_path = ts_str_c(path);
        feed(&x, &ev);
    }
    win(&ev, "windows.sysmon", 13, "WKS7", T0 + 3 * HOUR);
    ev.process = ts_str_c("C:\\ProgramData\\bginfo.exe");
    set_fields(&ev, (const char *[]){"TargetObject", "HKU\\S-1-5-21-1\\Control Panel\\Desktop\\Wallpaper",
                                     "Details", "C:\\ProgramData\\BGInfo.bmp", NULL});
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    ev.process = ts_str_c("C:\\Users\\w\\AppData\\Local\\Temp\\x.exe"); /* anything else: defacement */
    feed(&x, &ev);
    CHECK_INT(n_got, 1);
    drop_all();
    det_close(&x);
}

static void test_mass_delete(void)
{
    det x;
    CHECK(det_open(&x, "destruction", NULL));
    /* A clean-up job deleting 2,000 temporary files every night. */
    for (int d = 0; d < 5; d++) {
        deletes(&x, "CLEAN1", 2000, T0 + d * DAY, 100000000LL);
        if (d == 0) {
            CHECK(find_key("destruction|mass-delete|CLEAN1") && strstr(got[0]->title, "baseline young"));
            drop_all();
        }
    }
    CHECK_INT(n_got, 0);
    /* A workstation deleting a hundred files: nothing. */
    deletes(&x, "WKS1", 100, T0 + 5 * DAY, 10000000LL);
    CHECK_INT(n_got, 0);
    /* A wiper on the clean-up host: far past its own history. */
    deletes(&x, "CLEAN1", 2800, T0 + 6 * DAY, 100000000LL);
    CHECK_INT(n_got, 0); /* 2,800 in 4.7 min: not three times its nightly 2,000 */
    deletes(&x, "CLEAN1", 9000, T0 + 7 * DAY, 10000000LL);
    const ts_alert *a = find_key("destruction|mass-delete|CLEAN1");
    CHECK(a && strstr(a->title, "8400 files deleted within 5 min (most before: 2800)") && a->severity >= 70);
    CHECK(a && strcmp(a->techniques, "T1485") == 0);
    CHECK_INT(n_got, 1);
    drop_all();
    det_close(&x);
}

static void service_stop(det *x, const char *host, const char *name, int64_t ts)
{
    ts_event ev;
    win(&ev, "windows.system", 7036, host, ts);
    const char *kv[] = {"param1", name, "param2", "stopped", NULL};
    set_fields(&ev, kv);
    feed(x, &ev);
}

static void test_services(void)
{
    det x;
    CHECK(det_open(&x, "destruction", NULL));
    /* Nightly: the backup job stops and restarts four services. */
    static const char *const nightly[] = {"MSSQLSERVER", "SQLSERVERAGENT", "W3SVC", "VSS"};
    for (int d = 0; d < 7; d++)
        for (int i = 0; i < 4; i++)
            service_stop(&x, "DB1", nightly[i], T0 + d * DAY + i * MIN);
    CHECK_INT(n_got, 0);
    /* One service flapping twenty times is one service. */
    for (int i = 0; i < 20; i++)
        service_stop(&x, "WKS2", "Spooler", T0 + i * 10000000000LL);
    CHECK_INT(n_got, 0);
    /* "running" is not "stopped". */
    ts_event ev;
    char name[16];
    for (int i = 0; i < 20; i++) {
        win(&ev, "windows.system", 7036, "WKS3", T0 + i * 1000000000LL);
        snprintf(name, sizeof name, "svc%d", i);
        const char *kv[] = {"param1", name, "param2", "running", NULL};
        set_fields(&ev, kv);
        feed(&x, &ev);
    }
    CHECK_INT(n_got, 0);
    /* Twenty distinct services stopped or disabled within minutes on the database server. */
    for (int i = 0; i < 14; i++) {
        snprintf(name, sizeof name, "svc%d", i);
        service_stop(&x, "DB1", name, T0 + 7 * DAY + i * 10000000000LL);
    }
    CHECK_INT(n_got, 0);
    win(&ev, "windows.system", 7040, "DB1", T0 + 7 * DAY + 3 * MIN);
    const char *kv[] = {"param1", "Backup Exec", "param2", "auto start", "param3", "disabled", NULL};
    set_fields(&ev, kv);
    feed(&x, &ev);
    const ts_alert *a = find_key("destruction|services|DB1");
    CHECK(a && strstr(a->title, "15 services stopped or disabled on DB1 within 10 min (most before: 4)"));
    CHECK(a && strcmp(a->techniques, "T1489") == 0 && a->severity >= 60);
    drop_all();
    det_close(&x);
}

/* Backup and database services stopped before encryption (shipped word lists): a command
 * line stopping one alerts at once, 7036 records at two distinct ones on a host. */
static void test_backup_stops(void)
{
    ts_config *cfg = NULL;
    CHECK_INT(ts_config_load("data/detect.conf", &cfg, NULL, NULL), TOCSIN_OK);
    det x;
    CHECK(det_open(&x, "destruction", cfg));
    ts_event ev;
    win(&ev, "windows.sysmon", 1, "BK1", T0);
    ev.process = TS_STR_LIT("C:\\Windows\\System32\\net.exe");
    ev.command_line = TS_STR_LIT("net.exe stop \"VeeamBackupSvc\" /y");
    feed(&x, &ev);
    const ts_alert *a = find_key("destruction|backup-stop|BK1");
    CHECK(a && !strcmp(a->techniques, "T1489") && a->severity == 70);
    drop_all();
    /* Starting one, or stopping a service of no backup or database. */
    ev.command_line = TS_STR_LIT("net.exe start \"VeeamBackupSvc\"");
    feed(&x, &ev);
    ev.command_line = TS_STR_LIT("net.exe stop spooler");
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    /* One database service stopped (a patch): quiet; a second within the window: alert. */
    service_stop(&x, "SQL1", "SQL Server (MSSQLSERVER)", T0);
    service_stop(&x, "SQL1", "Print Spooler", T0 + MIN);
    CHECK_INT(n_got, 0);
    service_stop(&x, "SQL1", "SQL Server Agent (MSSQLSERVER)", T0 + 2 * MIN);
    a = find_key("destruction|backup-services|SQL1");
    CHECK(a && strstr(a->title, "2 backup or database services stopped on SQL1") &&
          strstr(a->title, "baseline young"));
    drop_all();
    det_close(&x);
    ts_config_free(cfg);
}

static void shutdown_ev(det *x, uint32_t code, const char *host, int64_t ts)
{
    ts_event ev;
    win(&ev, code == 4609 ? "windows.security" : "windows.system", code, host, ts);
    feed(x, &ev);
}

static void test_shutdowns(void)
{
    det x;
    CHECK(det_open(&x, "destruction", NULL));
    char host[16];
    /* Three hosts rebooting within minutes: an ordinary morning. Each logs three events. */
    for (int i = 0; i < 3; i++) {
        snprintf(host, sizeof host, "WKS%d", i);
        shutdown_ev(&x, 1074, host, T0 + i * MIN);
        shutdown_ev(&x, 4609, host, T0 + i * MIN + 1000000000LL);
        shutdown_ev(&x, 6006, host, T0 + i * MIN + 2000000000LL);
    }
    CHECK_INT(n_got, 0);
    /* Weekly patch nights reboot twelve servers; the first is judged young. */
    for (int w = 1; w <= 4; w++) {
        for (int i = 0; i < 12; i++) {
            snprintf(host, sizeof host, "SRV%d", i);
            shutdown_ev(&x, 1074, host, T0 + w * 7 * DAY + i * MIN);
        }
        if (w == 1) {
            CHECK(find_key("destruction|shutdowns") && strstr(got[0]->title, "baseline young"));
            drop_all();
        }
    }
    CHECK_INT(n_got, 0);
    /* Forty hosts going down within ten minutes, unexpectedly. */
    for (int i = 0; i < 40; i++) {
        snprintf(host, sizeof host, "H%d", i);
        shutdown_ev(&x, 6008, host, T0 + 40 * DAY + i * 15000000000LL);
    }
    const ts_alert *a = find_key("destruction|shutdowns");
    CHECK(a && strstr(a->title, "36 hosts shut down within 240 min (most before: 12)"));
    CHECK(a && strcmp(a->techniques, "T1529") == 0);
    CHECK_INT(n_got, 1);
    drop_all();

    /* The history survives a restart. */
    CHECK_INT(det_reload(&x, NULL), TOCSIN_OK);
    for (int i = 0; i < 12; i++) {
        snprintf(host, sizeof host, "SRV%d", i);
        shutdown_ev(&x, 1074, host, T0 + 47 * DAY + i * MIN);
    }
    CHECK_INT(n_got, 0);
    void *blob;
    size_t len;
    CHECK_INT(ts_detector_save(x.d, x.st, &blob, &len), TOCSIN_OK);
    det y;
    CHECK(det_open(&y, "destruction", NULL));
    CHECK_INT(ts_detector_load(y.d, y.st, blob, len - 1, NULL, 0), TOCSIN_E_FORMAT);
    CHECK_INT(ts_detector_load(y.d, y.st, blob, 0, NULL, 0), TOCSIN_E_FORMAT);
    free(blob);
    det_close(&y);
    det_close(&x);
}

/* A wiper finishing with host after host: any four hours holding five is a burst, however
 * the hours fall. */
static void test_shutdowns_sliding(void)
{
    det x;
    CHECK(det_open(&x, "destruction", NULL));
    static const int64_t at[] = {0, 230 * MIN, 250 * MIN, 270 * MIN, 300 * MIN, 320 * MIN};
    char host[16];
    for (int i = 0; i < 6; i++) {
        snprintf(host, sizeof host, "WS%d", i);
        shutdown_ev(&x, 1074, host, T0 + at[i]);
        if (i < 5)
            CHECK_INT(n_got, 0);
    }
    const ts_alert *a = find_key("destruction|shutdowns");
    CHECK(a && strstr(a->title, "5 hosts shut down within 240 min (baseline young: 0 earlier windows)"));
    drop_all();
    det_close(&x);
}

static void test_fixture(void)
{
    det x;
    CHECK(det_open(&x, "destruction", NULL));
    CHECK_INT(feed_file(&x, "tests/data/behaviour/win_destruction.json"), 28);
    /* The service install and the load of the same driver aggregate under one key. */
    CHECK_INT(count_key("destruction|driver|SRV1|usbdrv3_64.sys"), 2);
    CHECK(find_key("destruction|shadows|SRV1") != NULL);
    CHECK(find_key("destruction|backups|SRV1") != NULL);
    CHECK(find_key("destruction|recovery|SRV1") != NULL);
    const ts_alert *a = find_key("destruction|services|SRV1");
    CHECK(a && strstr(a->title, "15 services stopped or disabled on SRV1 within 10 min (baseline young"));
    CHECK_INT(n_got, 6); /* not ndis.sys, not "list shadows", not "bcdedit /enum" */
    drop_all();
    det_close(&x);

    ts_config *cfg = config("[destruction]\nstop_min = 200\n");
    CHECK(!det_open(&x, "destruction", cfg));
    ts_config_free(cfg);
}

/* The shipped data/detect.conf: every behavioural detector accepts it. */
static void test_shipped_config(void)
{
    ts_config *cfg = NULL;
    CHECK_INT(ts_config_load("data/detect.conf", &cfg, NULL, NULL), TOCSIN_OK);
    static const char *const names[] = {"credential", "lateral", "destruction"};
    for (size_t i = 0; i < 3; i++) {
        det x;
        CHECK(det_open(&x, names[i], cfg));
        det_close(&x);
    }
    CHECK(ts_config_num(cfg, "credential", "window", 0) == 3600);
    CHECK(ts_config_num(cfg, "lateral", "learn", 0) == 7 * 86400);
    CHECK(ts_config_num(cfg, "destruction", "delete_window", 0) == 300);
    CHECK(ts_config_get(cfg, "destruction", "drivers") == NULL); /* commented out */
    ts_config_free(cfg);
}

int main(void)
{
    test_drivers();
    test_commands();
    test_mass_delete();
    test_doc_delete();
    test_services();
    test_backup_stops();
    test_shutdowns();
    test_shutdowns_sliding();
    test_fixture();
    test_shipped_config();
    return check_done("test_destruction");
}
