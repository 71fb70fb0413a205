/* test_sideload.c: the sideload detector with the shipped data/detect.conf: unsigned copies of
 * Windows DLLs loaded from outside the system folders, Windows programs copied to user folders
 * loading a DLL beside them, names learned from what loads signed from System32; then real
 * records (Sigma's regression .evtx files, an OTRF recording of an iertutil.dll hijack). */
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

static void load(det *x, const char *image, const char *dll, const char *signed_)
{
    ts_event ev;
    win(&ev, "windows.sysmon", 7, "WS1", T0);
    ev.process = ts_str_c(image);
    set_fields(&ev, (const char *[]){"Image", image, "ImageLoaded", dll, "Signed", signed_, NULL});
    feed(x, &ev);
}

static void start(det *x, const char *image)
{
    ts_event ev;
    win(&ev, "windows.sysmon", 1, "WS1", T0);
    ev.process = ts_str_c(image);
    set_fields(&ev, (const char *[]){"Image", image, NULL});
    feed(x, &ev);
}

static void test_events(const ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "sideload", cfg));
    /* The Dream Job pair (Mandiant, AIRDRY.V): colorcpl.exe copied to ProgramData. */
    load(&x, "C:\\ProgramData\\PackageColor\\colorcpl.exe", "C:\\ProgramData\\PackageColor\\colorui.dll",
         "false");
    const ts_alert *a = find_key("sideload|windows-dll|WS1|C:\\ProgramData\\PackageColor\\colorui.dll");
    CHECK(a && !strcmp(a->techniques, "T1574.001,T1574.002") && a->severity == 70);
    drop_all();
    /* Signed, or inside the system folders (.NET native images are unsigned): quiet. */
    load(&x, "C:\\ProgramData\\PackageColor\\colorcpl.exe", "C:\\ProgramData\\PackageColor\\colorui.dll",
         "true");
    load(&x, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
         "C:\\Windows\\assembly\\NativeImages_v4.0.30319_64\\System\\e5ca\\System.ni.dll", "false");
    /* An unsigned DLL of an unknown name beside an unknown program in a user folder: an
       application installed per user, not judged. */
    load(&x, "C:\\Users\\p\\AppData\\Local\\Tool\\tool.exe", "C:\\Users\\p\\AppData\\Local\\Tool\\helper.dll",
         "false");
    CHECK_INT(n_got, 0);
    /* A name learned: what loads signed from System32 is Windows' own. */
    load(&x, "C:\\Windows\\System32\\svchost.exe", "C:\\Windows\\System32\\wlbsctrl.dll", "true");
    load(&x, "C:\\Users\\p\\AppData\\Local\\Tool\\tool.exe",
         "C:\\Users\\p\\AppData\\Local\\Tool\\wlbsctrl.dll", "false");
    CHECK(find_key("sideload|windows-dll|WS1|C:\\Users\\p\\AppData\\Local\\Tool\\wlbsctrl.dll") != NULL);
    drop_all();
    /* A Windows program (learned from System32) copied to a user folder, with an unsigned
       DLL of another name beside it; then started again from there. */
    start(&x, "C:\\Windows\\System32\\PresentationHost.exe");
    CHECK_INT(n_got, 0);
    load(&x, "C:\\Users\\Public\\x\\PresentationHost.exe", "C:\\Users\\Public\\x\\payload.dll", "false");
    a = find_key("sideload|beside|WS1|C:\\Users\\Public\\x\\payload.dll");
    CHECK(a && !strcmp(a->techniques, "T1574.002"));
    start(&x, "C:\\Users\\Public\\x\\PresentationHost.exe");
    CHECK(find_key("sideload|odd-folder|WS1|C:\\Users\\Public\\x\\PresentationHost.exe") != NULL);
    drop_all();
    /* The DLL in another folder than the program: no side-loading pair. */
    load(&x, "C:\\Users\\Public\\x\\PresentationHost.exe", "C:\\Users\\Public\\y\\payload.dll", "false");
    /* Programs that run from user folders by design. */
    start(&x, "C:\\Users\\p\\AppData\\Local\\Temp\\{A1}\\DismHost.exe");
    CHECK_INT(n_got, 0);
    /* Learned names survive a restart. */
    CHECK_INT(det_reload(&x, cfg), TOCSIN_OK);
    load(&x, "C:\\Temp\\t.exe", "C:\\Temp\\wlbsctrl.dll", "false");
    CHECK_INT(n_got, 1);
    drop_all();
    det_close(&x);
}

/* Real records: Sigma's regression files for its side-loading rules, and the OTRF
 * recording of a DLL planted over SMB for Internet Explorer (DCOM). */
static void test_real(const ts_config *cfg)
{
    const char *d = shared_data("sideload on Sigma regression and OTRF records");
    if (!d)
        return;
    static const struct {
        const char *file, *key;
    } cases[] = {
        {"sigma/regression_data/rules/windows/image_load/image_load_side_load_vcruntime140/"
         "d7a63acb-1284-49bc-bfea-7771146c8b1c.evtx",
         "sideload|windows-dll|"},
        {"sigma/regression_data/rules/windows/image_load/image_load_side_load_cpl_from_non_system_location/"
         "2b140a5c-dc02-4bb8-b6b1-8bdb45714cde.evtx",
         "sideload|windows-dll|"},
        /* svchost.exe copied to Downloads and run (Sigma's masquerading rule's record). */
        {"sigma/regression_data/rules/windows/process_creation/"
         "proc_creation_win_svchost_masqueraded_execution/"
         "be58d2e2-06c8-4f58-b666-b99f6dc3b6cd.evtx",
         "sideload|odd-folder|"},
        {"otrf-atomic/lateral_movement/covenant_dcom_iertutil_dll_hijack.json.gz",
         "sideload|windows-dll|WORKSTATION6.theshire.local|C:\\Program Files\\Internet "
         "Explorer\\iertutil.dll"},
        /* A Windows program in a folder of the system: nothing to say. */
        {"sigma/regression_data/rules-threat-hunting/windows/image_load/"
         "image_load_win_werfaultsecure_dbgcore_dbghelp_load/"
         "8a2f4b1c-3d5e-4f7a-9b2c-1e4f6d8a9c2b.evtx",
         NULL},
        /* Background of a lab: .NET native images, compiled temporary assemblies. */
        {"otrf-atomic/execution/cmd_sharpview_pcre_net.json.gz", NULL},
        {"otrf-atomic/privilege_escalation/empire_uac_shellapi_fodhelper.json.gz", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", d, cases[i].file);
        det x;
        CHECK(det_open(&x, "sideload", cfg));
        CHECK(feed_file(&x, path) > 0);
        if (cases[i].key) {
            if (!find_key(cases[i].key))
                fprintf(stderr, "%s: no alert %s (%zu alerts)\n", cases[i].file, cases[i].key, n_got);
            CHECK(find_key(cases[i].key) != NULL);
            CHECK_INT(n_got, 1);
        } else {
            for (size_t k = 0; k < n_got; k++)
                fprintf(stderr, "%s: unexpected %s\n", cases[i].file, got[k]->title);
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
    test_real(cfg);
    ts_config_free(cfg);
    return check_done("test_sideload");
}
