/* test_attachment.c: the attachment detector with the shipped data/detect.conf: a disk image
 * arriving on a host (Sysmon 11) or a virtual CD-ROM opened (4663), then a program run from
 * another drive, handed a file there, or loading a module from there; programs started from
 * inside an archive opened in Explorer; near misses (no image, too late, another host,
 * installed software on a data disk) stay quiet. */
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

static void arrive(det *x, const char *host, const char *path, int64_t ts)
{
    ts_event ev;
    win(&ev, "windows.sysmon", 11, host, ts);
    ev.process = TS_STR_LIT("C:\\Program Files (x86)\\Microsoft Office\\Office15\\OUTLOOK.EXE");
    set_fields(&ev, (const char *[]){"TargetFilename", path, NULL});
    feed(x, &ev);
}

static void start(det *x, const char *host, int64_t ts, const char *image, const char *cmd,
                  const char *parent)
{
    ts_event ev;
    win(&ev, "windows.sysmon", 1, host, ts);
    ev.process = ts_str_c(image);
    ev.command_line = ts_str_c(cmd);
    ev.parent_process = ts_str_c(parent);
    feed(x, &ev);
}

static void test_image(const ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "attachment", cfg));
    const char *explorer = "C:\\Windows\\explorer.exe";
    /* Nothing arrived yet: a program on E: is someone's USB stick or data disk. */
    start(&x, "WS1", T0, "E:\\PuTTY.exe", "\"E:\\PuTTY.exe\"", explorer);
    CHECK_INT(n_got, 0);
    arrive(&x, "WS1",
           "C:\\Users\\p\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\X\\assessment.iso",
           T0 + MIN);
    start(&x, "WS1", T0 + 2 * MIN, "E:\\PuTTY.exe", "\"E:\\PuTTY.exe\"", explorer);
    const ts_alert *a = find_key("attachment|WS1|E:\\PuTTY.exe");
    CHECK(a && !strcmp(a->techniques, "T1204.002,T1553.005") && strstr(a->title, "assessment.iso") &&
          strstr(a->title, "drive E:"));
    drop_all();
    /* Its child (the parent runs from the image), a DLL on the image handed to rundll32, a
       module loaded from it. */
    start(&x, "WS1", T0 + 3 * MIN, "C:\\Windows\\System32\\schtasks.exe", "schtasks /create /tn x",
          "E:\\PuTTY.exe");
    CHECK(find_key("attachment|WS1|C:\\Windows\\System32\\schtasks.exe") &&
          strstr(got[0]->title, "(parent)"));
    drop_all();
    start(&x, "WS1", T0 + 3 * MIN, "C:\\Windows\\System32\\rundll32.exe",
          "\"C:\\Windows\\System32\\rundll32.exe\" E:\\report.dll,DllRegisterServer", explorer);
    CHECK(find_key("attachment|WS1|C:\\Windows\\System32\\rundll32.exe") &&
          strstr(got[0]->title, "command line"));
    drop_all();
    ts_event ev;
    win(&ev, "windows.sysmon", 7, "WS1", T0 + 4 * MIN);
    ev.process = TS_STR_LIT("C:\\Windows\\System32\\regsvr32.exe");
    set_fields(&ev, (const char *[]){"ImageLoaded", "E:\\x.dll", "Signed", "false", NULL});
    feed(&x, &ev);
    CHECK(n_got == 1 && strstr(got[0]->title, "module loaded"));
    drop_all();
    /* Near misses: the system drive; installed software on a data disk; another host; too
       long after; an argument that only looks like a drive (/d:\). */
    start(&x, "WS1", T0 + 5 * MIN, "C:\\Users\\p\\app.exe", "app.exe", explorer);
    start(&x, "WS1", T0 + 5 * MIN, "D:\\Program Files\\App\\app.exe", "app.exe", explorer);
    start(&x, "WS2", T0 + 5 * MIN, "E:\\PuTTY.exe", "E:\\PuTTY.exe", explorer);
    start(&x, "WS1", T0 + 5 * HOUR, "E:\\PuTTY.exe", "E:\\PuTTY.exe", explorer);
    start(&x, "WS1", T0 + 5 * MIN, "C:\\Windows\\System32\\xcopy.exe", "xcopy a b/d:\\x", explorer);
    CHECK_INT(n_got, 0);
    /* A virtual CD-ROM opened (4663 with object access auditing) counts as an arrival, and
       the host's last image survives a restart. */
    win(&ev, "windows.security", 4663, "WS3", T0);
    set_fields(&ev, (const char *[]){"ObjectName", "\\Device\\CdRom1\\invoice.lnk", NULL});
    feed(&x, &ev);
    CHECK_INT(det_reload(&x, cfg), TOCSIN_OK);
    start(&x, "WS3", T0 + MIN, "F:\\invoice.exe", "F:\\invoice.exe", explorer);
    CHECK(find_key("attachment|WS3|F:\\invoice.exe") && strstr(got[0]->title, "\\Device\\CdRom1"));
    drop_all();
    det_close(&x);
}

static void test_archive(const ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "attachment", cfg));
    start(&x, "WS1", T0, "C:\\Users\\p\\AppData\\Local\\Temp\\Temp1_invoice.zip\\invoice.exe", "invoice.exe",
          "C:\\Windows\\explorer.exe");
    const ts_alert *a =
        find_key("attachment|WS1|C:\\Users\\p\\AppData\\Local\\Temp\\Temp1_invoice.zip\\invoice.exe");
    CHECK(a && !strcmp(a->techniques, "T1204.002"));
    drop_all();
    start(&x, "WS1", T0, "C:\\Windows\\System32\\wscript.exe",
          "wscript.exe C:\\Users\\p\\AppData\\Local\\Temp\\Rar$EXa1234.5678\\scan.js",
          "C:\\Program Files\\WinRAR\\WinRAR.exe");
    CHECK_INT(n_got, 1);
    drop_all();
    /* A self-extracting installer's own folder (7zS...) is not an opened archive. */
    start(&x, "WS1", T0, "C:\\Users\\p\\AppData\\Local\\Temp\\7zS1A2B\\setup.exe", "setup.exe",
          "C:\\Users\\p\\x.exe");
    CHECK_INT(n_got, 0);
    det_close(&x);
}

/* A real Sysmon log (evtx-parser-samples' sysmon.evtx): a user ran Process Monitor from
 * the zip Explorer opened, as Windows writes that path (\Temp1_ProcessMonitor.zip\). */
static void test_real(const ts_config *cfg)
{
    const char *d = shared_data("attachment on a real Sysmon log");
    if (!d)
        return;
    char path[512];
    snprintf(path, sizeof path, "%s/evtx-parser-samples/samples/sysmon.evtx", d);
    det x;
    CHECK(det_open(&x, "attachment", cfg));
    CHECK(feed_file(&x, path) > 0);
    const ts_alert *a = find_key("attachment|DESKTOP-2KGM189|C:\\Users\\tony\\AppData\\Local\\Temp\\Temp1_"
                                 "ProcessMonitor.zip\\Procmon");
    CHECK(a && a->severity == 45);
    for (size_t i = 0; i < n_got; i++)
        if (!strstr(got[i]->title, "Temp1_ProcessMonitor.zip"))
            fprintf(stderr, "unexpected: %s\n", got[i]->title);
    CHECK(n_got >= 1 && n_got <= 2); /* Procmon.exe and the Procmon64.exe it starts */
    drop_all();
    det_close(&x);
}

int main(void)
{
    ts_config *cfg = shipped_config();
    test_image(cfg);
    test_archive(cfg);
    test_real(cfg);
    ts_config_free(cfg);
    return check_done("test_attachment");
}
