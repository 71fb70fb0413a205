/* test_collection.c: the collection detector: share sweeps against each account's own shares, and
 * files copied to removable storage after a USB disk arrives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "behaviour.h"

/* 5140 on server: user opened share from src at ts. */
static void share(det *x, const char *user, const char *server, const char *name, const char *src, int64_t ts)
{
    ts_event ev;
    char sn[64];
    snprintf(sn, sizeof sn, "\\\\*\\%s", name);
    win(&ev, "windows.security", 5140, server, ts);
    ev.category = TS_CAT_FILE;
    ev.user = ts_str_c(user);
    ev.src_ip = ip_of(src);
    const char *kv[] = {"ShareName", sn, NULL};
    set_fields(&ev, kv);
    feed(x, &ev);
}

static void device(det *x, const char *host, const char *id, const char *cls, int64_t ts)
{
    ts_event ev;
    win(&ev, "windows.security", 6416, host, ts);
    const char *kv[] = {"DeviceId", id, "ClassName", cls, "DeviceDescription", "USB Mass Storage Device",
                        NULL};
    set_fields(&ev, kv);
    feed(x, &ev);
}

static void file(det *x, const char *host, const char *path, int64_t ts)
{
    ts_event ev;
    win(&ev, "windows.sysmon", 11, host, ts);
    ev.category = TS_CAT_FILE;
    ev.file_path = ts_str_c(path);
    feed(x, &ev);
}

static const char *const shares[] = {"Finance",      "Legal",    "HR", "Production",
                                     "Distribution", "Projects", "IT"};

/* A person's routine: their own share every day for two weeks. */
static void routine(det *x, const char *user, const char *own, const char *src)
{
    for (int d = 0; d < 14; d++)
        share(x, user, "FS-01", own, src, T0 + d * DAY);
}

static void test_sweep(void)
{
    det x;
    CHECK(det_open(&x, "collection", NULL));
    routine(&x, "jdoe", "Finance", "10.10.100.70");
    routine(&x, "asmith", "Legal", "10.10.100.71");
    CHECK_INT(n_got, 0);

    /* jdoe reads five other shares within 20 minutes, on two servers: a sweep. */
    int64_t t = T0 + 20 * DAY;
    for (int i = 1; i <= 5; i++)
        share(&x, "jdoe", i % 2 ? "FS-01" : "FS-02", shares[i], "10.10.100.70", t + i * 4 * MIN);
    CHECK_INT(count_key("collection|shares|jdoe"), 1); /* once, at the fourth new share */
    const ts_alert *a = find_key("collection|shares|jdoe");
    CHECK(a && a->severity == 55);
    CHECK(a && strstr(a->techniques, "T1039"));
    CHECK(a && strstr(a->title, "jdoe opened 4 shares new to it within 60 min"));
    CHECK(a && strstr(a->title, "(\\\\FS-01\\Legal, \\\\FS-02\\HR, \\\\FS-01\\Production, ...)"));
    CHECK(a && !strstr(a->title, "baseline young"));
    CHECK(a && a->first_ns == t + 16 * MIN); /* the event that crossed the line */

    /* The same shares again next day: now the account's own. */
    size_t before = n_got;
    for (int i = 1; i <= 5; i++)
        share(&x, "jdoe", i % 2 ? "FS-01" : "FS-02", shares[i], "10.10.100.70", t + DAY + i * MIN);
    CHECK_INT(n_got, before);

    /* Three new shares an hour apart each: slower than the window, no sweep. */
    for (int i = 1; i <= 3; i++)
        share(&x, "asmith", "FS-03", shares[i], "10.10.100.71", t + i * 70 * MIN);
    CHECK_INT(count_key("collection|shares|asmith"), 0);

    /* IPC$, administrative and domain shares, and computer accounts never count. */
    static const char *const admin[] = {"IPC$", "ADMIN$", "C$", "D$", "SYSVOL", "NETLOGON", "print$", "IPC$"};
    for (int i = 0; i < 8; i++) {
        char srv[16];
        snprintf(srv, sizeof srv, "SRV-%d", i);
        share(&x, "asmith", srv, admin[i], "10.10.100.71", t + 5 * DAY + i * MIN);
        share(&x, "WS-0007$", srv, shares[i % 7], "10.10.100.9", T0 + 30 * DAY + i * MIN);
    }
    CHECK_INT(count_key("collection|shares|asmith"), 0);
    CHECK_INT(count_key("collection|shares|WS-0007$"), 0);
    drop_all();
    det_close(&x);
}

/* A new account has no history: it needs twice as many, and the alert says it is young. */
static void test_young(void)
{
    det x;
    CHECK(det_open(&x, "collection", NULL));
    for (int i = 0; i < 5; i++)
        share(&x, "svc-new", "FS-01", shares[i], "10.10.1.5", T0 + i * MIN);
    CHECK_INT(n_got, 0); /* 5 < 8 */
    for (int i = 0; i < 7; i++)
        share(&x, "svc-new", "FS-02", shares[i], "10.10.1.5", T0 + (10 + i) * MIN);
    const ts_alert *a = find_key("collection|shares|svc-new");
    CHECK(a && a->severity == 35);
    CHECK(a && strstr(a->title, "baseline young"));
    drop_all();
    det_close(&x);
}

/* Zeek smb_mapping: no account, so the client address is the one sweeping. */
static void test_zeek(void)
{
    det x;
    CHECK(det_open(&x, "collection", NULL));
    ts_event ev;
    for (int i = 0; i < 12; i++) {
        char path[64];
        snprintf(path, sizeof path, "\\\\FS-0%d\\%s", 1 + i % 2, shares[i % 7]);
        ts_event_clear(&ev);
        ev.ts_ns = T0 + 2 * DAY + i * MIN;
        ev.dataset = ts_str_c("zeek.smb_mapping");
        ev.category = TS_CAT_NETWORK | TS_CAT_FILE;
        ev.type = TS_TYPE_ACCESS;
        ev.action = ts_str_c("network-share-accessed");
        ev.file_path = ts_str_c(path);
        ev.src_ip = ip_of("10.10.100.80");
        ev.dst_ip = ip_of(i % 2 ? "10.10.1.21" : "10.10.1.20");
        ev.file = "smb_mapping.log";
        const char *kv[] = {"path", path, NULL};
        set_fields(&ev, kv);
        feed(&x, &ev);
    }
    /* The address is new, so 8 new shares are needed; there are 12 distinct (server, share). */
    CHECK_INT(count_key("collection|shares|10.10.100.80"), 1);
    drop_all();
    det_close(&x);
}

static void test_usb(void)
{
    det x;
    CHECK(det_open(&x, "collection", NULL));
    /* WS-0008 writes to C: and to its own D: data disk every day. */
    for (int d = 0; d < 5; d++) {
        file(&x, "WS-0008", "C:\\Users\\jdoe\\Documents\\report.docx", T0 + d * DAY);
        file(&x, "WS-0008", "D:\\Data\\export.zip", T0 + d * DAY + MIN);
    }
    /* A USB stick arrives; two archives go to E:, and a zip to the own D: disk (not counted). */
    int64_t t = T0 + 6 * DAY;
    device(&x, "WS-0008", "USBSTOR\\Disk&Ven_SanDisk&Prod_Cruzer&Rev_1.00\\4C53000&0", "DiskDrive", t);
    file(&x, "WS-0008", "D:\\Data\\again.zip", t + MIN);
    file(&x, "WS-0008", "E:\\backup_1.7z", t + 2 * MIN);
    CHECK_INT(n_got, 0);
    file(&x, "WS-0008", "E:\\backup_2.7z", t + 3 * MIN);
    const ts_alert *a = find_key("collection|usb|WS-0008");
    CHECK(a && a->severity == 65);
    CHECK(a && strstr(a->techniques, "T1052.001"));
    CHECK(a &&
          strstr(a->title, "2 files (2 archives or mailboxes) written to removable drive E: on WS-0008"));
    CHECK(a && strstr(a->title, "(SanDisk)"));
    file(&x, "WS-0008", "E:\\backup_3.7z", t + 4 * MIN);
    CHECK_INT(count_key("collection|usb|WS-0008"), 1); /* once per arrival */

    /* A mouse is no storage; files on F: without a storage arrival are the host's own. */
    device(&x, "WS-0009", "HID\\VID_046D&PID_C077\\7&1", "Mouse", t);
    for (int i = 0; i < 30; i++)
        file(&x, "WS-0009", "F:\\photos\\img.7z", t + i * MIN);
    CHECK_INT(count_key("collection|usb|WS-0009"), 0);

    /* Ordinary files: only past usb_files_min; and nothing after the window closes. */
    device(&x, "WS-0010", "USBSTOR\\Disk&Ven_Kingston&Prod_DT&Rev_1.00\\1&0", "DiskDrive", t);
    for (int i = 0; i < 19; i++)
        file(&x, "WS-0010", "E:\\notes.txt", t + i * MIN);
    CHECK_INT(count_key("collection|usb|WS-0010"), 0);
    file(&x, "WS-0010", "E:\\notes2.txt", t + 2 * HOUR + MIN);
    CHECK_INT(count_key("collection|usb|WS-0010"), 0);
    device(&x, "WS-0011", "USBSTOR\\Disk&Ven_Kingston&Prod_DT&Rev_1.00\\2&0", "DiskDrive", t);
    for (int i = 0; i < 20; i++)
        file(&x, "WS-0011", "E:\\notes.txt", t + i * MIN);
    a = find_key("collection|usb|WS-0011");
    CHECK(a && a->severity == 50);
    drop_all();
    det_close(&x);
}

/* The hunt reads the Sysmon log and the Security log one after the other: the files may
 * come before the arrival that explains them. */
static void test_usb_files_first(void)
{
    det x;
    CHECK(det_open(&x, "collection", NULL));
    int64_t t = T0 + 9 * DAY;
    file(&x, "WS-0020", "F:\\mail.pst", t + 5 * MIN);
    file(&x, "WS-0020", "F:\\take.rar", t + 6 * MIN);
    file(&x, "WS-0020", "F:\\old.zip", t - 3 * HOUR); /* before the stick arrived: not counted */
    CHECK_INT(n_got, 0);
    device(&x, "WS-0020", "USBSTOR\\Disk&Ven_Verbatim&Prod_Store&Rev_1.00\\9&0", "DiskDrive", t);
    const ts_alert *a = find_key("collection|usb|WS-0020");
    CHECK(a && strstr(a->title, "2 files (2 archives or mailboxes) written to removable drive F:"));
    CHECK(a && strstr(a->title, "(Verbatim)"));
    CHECK(a && a->first_ns == t); /* raised on the arrival, read last */
    drop_all();
    det_close(&x);
}

/* What was learned survives a restart: known shares stay known; a damaged blob is refused. */
static void test_state(void)
{
    det x;
    CHECK(det_open(&x, "collection", NULL));
    routine(&x, "jdoe", "Finance", "10.10.100.70");
    for (int i = 1; i <= 3; i++)
        share(&x, "jdoe", "FS-01", shares[i], "10.10.100.70", T0 + 15 * DAY + i * MIN);
    CHECK_INT(det_reload(&x, NULL), TOCSIN_OK);
    /* Those three are known now and jdoe is no longer young: the old three and four new
       ones make exactly four new shares, a sweep of a known account (lost state would make
       seven new shares of a young account, under its bar of eight). */
    for (int i = 1; i <= 3; i++)
        share(&x, "jdoe", "FS-01", shares[i], "10.10.100.70", T0 + 16 * DAY + i * MIN);
    for (int i = 4; i <= 6; i++)
        share(&x, "jdoe", "FS-01", shares[i], "10.10.100.70", T0 + 16 * DAY + (10 + i) * MIN);
    CHECK_INT(count_key("collection|shares|jdoe"), 0);
    share(&x, "jdoe", "FS-02", "Archive", "10.10.100.70", T0 + 16 * DAY + 20 * MIN);
    CHECK_INT(count_key("collection|shares|jdoe"), 1);
    const ts_alert *a = find_key("collection|shares|jdoe");
    CHECK(a && a->severity == 55 && !strstr(a->title, "baseline young"));
    void *blob = NULL;
    size_t len = 0;
    CHECK_INT(ts_detector_save(x.d, x.st, &blob, &len), TOCSIN_OK);
    det_close(&x);
    CHECK(det_open(&x, "collection", NULL));
    CHECK_INT(ts_detector_load(x.d, x.st, blob, len / 2, NULL, 0), TOCSIN_E_FORMAT);
    CHECK_INT(ts_detector_load(x.d, x.st, "nonsense", 8, NULL, 0), TOCSIN_E_FORMAT);
    free(blob);
    drop_all();
    det_close(&x);
}

static ts_config *config(const char *text)
{
    char path[] = "/tmp/tocsin-col-XXXXXX";
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

static void test_config(void)
{
    /* The detector uses its settings: share_min 2 makes two new shares a sweep. */
    ts_config *two = config("[collection]\nshare_min = 2\nyoung_hours = 0\n");
    det y;
    CHECK(det_open(&y, "collection", two));
    share(&y, "kim", "FS-01", "Legal", "10.10.100.9", T0);
    CHECK_INT(n_got, 0);
    share(&y, "kim", "FS-01", "HR", "10.10.100.9", T0 + MIN);
    CHECK_INT(count_key("collection|shares|kim"), 1);
    drop_all();
    det_close(&y);
    ts_config_free(two);
    ts_config *bad = config("[collection]\nshare_min = 1\n");
    CHECK(!det_open(&y, "collection", bad));
    ts_config_free(bad);

    ts_config *cfg = NULL;
    CHECK_INT(ts_config_load("data/detect.conf", &cfg, NULL, NULL), TOCSIN_OK);
    det x;
    CHECK(det_open(&x, "collection", cfg));
    det_close(&x);
    CHECK(ts_config_num(cfg, "collection", "share_window", 0) == 3600);
    CHECK(ts_config_num(cfg, "collection", "usb_window", 0) == 7200);
    ts_config_free(cfg);
}

int main(void)
{
    test_sweep();
    test_young();
    test_zeek();
    test_usb();
    test_usb_files_first();
    test_state();
    test_config();
    return check_done("test_collection");
}
