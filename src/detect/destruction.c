/* destruction.c: detector "destruction": raw-disk drivers, deleted shadow copies and backups, boot
 * configuration changes, mass deletion, services stopped and hosts shut down en masse. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/alert_util.h"
#include "detect/baseline.h"
#include "detect/detect.h"

/*
 * Rationale. The Sony 2014 intrusion ended with a wiper (Destover) that installed a
 * commercial raw disk driver, EldoS RawDisk, as a service (usbdrv3_32.sys / usbdrv3_64.sys)
 * to overwrite the disks and their boot records under the file system's nose, stopped
 * services, and shut the machines down; Shamoon (drdisk.sys, elrawdsk.sys) and ZeroCleare
 * used the same driver, HermeticWiper the EaseUS partition driver (epmntdrv.sys). Ransomware
 * and wipers alike delete shadow copies and backups first so nothing can be restored.
 * Each of these is rare on a normal day, and the last hours before destruction are the
 * last chance to pull cables, so single events alert at once:
 *   - a known raw-disk driver loaded (Sysmon 6) or installed as a service (7045), or a
 *     driver signed by their vendors                                  T1561.001, T1561.002
 *   - an unsigned driver loaded; a kernel driver service installed from a user-writable
 *     folder                                                                   T1543.003
 *   - shadow copies, backups or the backup catalogue deleted (vssadmin, wmic shadowcopy,
 *     wbadmin, diskshadow), Windows recovery disabled (bcdedit recoveryenabled no,
 *     bootstatuspolicy ignoreallfailures), from Sysmon 1 / 4688 command lines       T1490
 *   - boot configuration changed otherwise (bcdedit /set, /delete); test signing or
 *     integrity checks turned off (lets an unsigned raw-disk driver load)       T1553.006
 *   - sdelete, cipher /w                                                          T1485
 *   - the desktop wallpaper set from a command line (reg add ... Control Panel\Desktop
 *     Wallpaper) or by anything but Explorer (Sysmon 13): a wiper crew's "Hacked by"
 *     picture                                                                     T1491.001
 * and bursts alert when they pass a floor and their own history:
 *   - mass deletion: Sysmon 23/26 file deletions on one host within `delete_window`, or
 *     documents (Office files, PDFs, archives, mailboxes...) deleted by one program other
 *     than Explorer on one host (`doc_delete_min`): a wiper walking the shares      T1485
 *   - services stopped (7036 "stopped", 7040 set to disabled): distinct services on one
 *     host within `stop_window`                                                    T1489
 *   - backup and database services stopped before encryption (so their files
 *     can be encrypted and nothing restores them): a command line stopping or disabling one
 *     (`service_stop_commands` with a word of `backup_services`) alerts at once; their
 *     7036/7040 records alert at `backup_stop_min` distinct ones on a host within
 *     `stop_window`, against the same history as other stops                        T1489
 *   - hosts shut down (1074, 6006, 6008, 4609): distinct hosts of the organisation
 *     within any `shutdown_window` (sliding: a wiper finishing with host after host over
 *     hours is not split by a window boundary)                                     T1529
 * A burst's history is the largest one seen in an earlier window (saved between runs):
 * the nightly clean-up that deletes thousands of temporary files, the backup job that
 * restarts its services, the patch night that reboots every server all set their own
 * bar; an alert needs `burst_factor` times that, and says "baseline young" while fewer
 * than `min_windows` earlier windows are known. T1542.003 (bootkit) is not claimed: no
 * event here shows boot code replaced, only the driver that could do it.
 *
 * Tunables ([destruction] in detect.conf): delete_window, delete_min, doc_delete_min, stop_window,
 * stop_min, backup_services, service_stop_commands, backup_stop_min, shutdown_window,
 * shutdown_min, burst_factor, min_windows, drivers (more
 * raw-disk driver file names, comma-separated), max_hosts (hosts, and host-program pairs,
 * remembered in each of the three burst tables; the quietest are forgotten first).
 */

#define DET "destruction"
#define SEC "destruction"
#define MAGIC 0x33545344u /* "DST3" */
#define MAX_DRIVERS 32

/* Events (or distinct names) in the current window, and the most in an earlier one. */
typedef struct burst {
    int64_t start;
    uint32_t n;
    uint32_t alerted;
    uint32_t n_windows;
    uint32_t hist_max;
    bl_distinct names;
} burst;

/* How one kind of burst is judged. */
typedef struct burst_kind {
    int64_t window_ns;
    uint32_t min;
} burst_kind;

/* The organisation's recent shutdowns, for a sliding window over hosts: a wiper finishing
 * with host after host over hours must not be split by a window boundary. An episode is a
 * run of shutdowns with no gap longer than the window; its largest count becomes history. */
#define SHUT_RING 128
typedef struct shut_ring {
    uint32_t host[SHUT_RING];
    int64_t ts[SHUT_RING];
    uint32_t head;        /* next slot to write */
    uint32_t episode_max; /* most hosts within a window in the current episode */
    uint32_t alerted;     /* in the current episode */
    uint32_t n_windows;   /* earlier episodes */
    uint32_t hist_max;    /* most hosts within a window in an earlier episode */
    int64_t last;         /* the latest shutdown */
} shut_ring;

typedef struct dst_state {
    burst_kind del, docdel, stop, shut, backup_stop;
    const char *backup_services, *stop_commands; /* data/detect.conf word lists */
    const char *driver_writable, *driver_ok;
    const char *document_paths_ok, *wallpaper_setters;
    /* software's own files; who sets wallpapers */ /* folders of kernel drivers installed as services */
    double factor;
    uint32_t min_windows;
    uint64_t drivers[MAX_DRIVERS]; /* hashes of configured driver file names */
    size_t n_drivers;
    bl_map deletes;      /* host -> burst (saved) */
    bl_map docdels;      /* (host, program) -> burst of document deletions (saved) */
    bl_map stops;        /* host -> burst (saved) */
    shut_ring shutdowns; /* the organisation's (saved) */
} dst_state;

/* Raw-disk access drivers of public wiper reports, by file name. */
static const struct {
    const char *file, *what;
} raw_drivers[] = {
    {"usbdrv3.sys", "EldoS RawDisk, as dropped by the Sony 2014 wiper (Destover)"},
    {"usbdrv3_32.sys", "EldoS RawDisk, as dropped by the Sony 2014 wiper (Destover)"},
    {"usbdrv3_64.sys", "EldoS RawDisk, as dropped by the Sony 2014 wiper (Destover)"},
    {"elrawdsk.sys", "EldoS RawDisk (Shamoon 2, ZeroCleare)"},
    {"elrawdsk64.sys", "EldoS RawDisk"},
    {"drdisk.sys", "EldoS RawDisk (Shamoon)"},
    {"rawdisk.sys", "EldoS RawDisk"},
    {"epmntdrv.sys", "EaseUS partition driver (HermeticWiper)"},
};

/* Signers of those drivers. */
static const char *const raw_signers[] = {"EldoS", "CHENGDU YIWO"};

/* Tunables: the [destruction] section of data/detect.conf. */
typedef struct dst_settings {
    double delete_window, delete_min, doc_delete_min, stop_window, stop_min, shutdown_window, shutdown_min,
        burst_factor, min_windows, max_hosts, backup_stop_min;
    const char *drivers, *backup_services, *service_stop_commands, *driver_writable_paths, *driver_paths_ok,
        *document_paths_ok, *wallpaper_setters;
} dst_settings;

static const ts_tunable dst_tunables[] = {
    TS_TUNE(dst_settings, delete_window, TS_TUNE_SECONDS, 300, 1, 30 * 86400.0),
    TS_TUNE(dst_settings, delete_min, TS_TUNE_COUNT, 500, 2, 1e9),
    TS_TUNE(dst_settings, doc_delete_min, TS_TUNE_COUNT, 25, 2, 1e9),
    TS_TUNE(dst_settings, stop_window, TS_TUNE_SECONDS, 600, 1, 30 * 86400.0),
    TS_TUNE(dst_settings, stop_min, TS_TUNE_COUNT, 15, 2, 96),
    TS_TUNE(dst_settings, backup_stop_min, TS_TUNE_COUNT, 2, 1, 96),
    TS_TUNE_STR(dst_settings, backup_services, NULL),
    TS_TUNE_STR(dst_settings, service_stop_commands, NULL),
    TS_TUNE(dst_settings, shutdown_window, TS_TUNE_SECONDS, 4 * 3600, 1, 30 * 86400.0),
    TS_TUNE(dst_settings, shutdown_min, TS_TUNE_COUNT, 5, 2, 96),
    TS_TUNE(dst_settings, burst_factor, TS_TUNE_NUM, 3, 1, 1000),
    TS_TUNE(dst_settings, min_windows, TS_TUNE_COUNT, 3, 1, 1000),
    TS_TUNE_STR(dst_settings, drivers, NULL),
    TS_TUNE_STR(dst_settings, driver_writable_paths, "\\Users\\, \\Temp\\, \\ProgramData\\, \\AppData\\"),
    TS_TUNE_STR(dst_settings, driver_paths_ok, "\\ProgramData\\Microsoft\\Windows Defender\\"),
    TS_TUNE_STR(dst_settings, document_paths_ok,
                "\\Program Files\\, \\Program Files (x86)\\, \\Windows\\, \\AppData\\Local\\Microsoft\\"),
    TS_TUNE_STR(dst_settings, wallpaper_setters, "explorer.exe, bginfo.exe, bginfo64.exe"),
    TS_TUNE(dst_settings, max_hosts, TS_TUNE_COUNT, 100000, 16, 1e8),
    {0},
};

static tocsin_code dst_init(void *state, const ts_detect_ctx *ctx)
{
    dst_state *st = state;
    const ts_config *c = ctx->config;
    dst_settings tune;
    if (!ts_tune_read(c, SEC, dst_tunables, &tune))
        return TOCSIN_E_ARG;
    st->del = (burst_kind){(int64_t)(tune.delete_window * BL_NS), (uint32_t)tune.delete_min};
    st->docdel = (burst_kind){st->del.window_ns, (uint32_t)tune.doc_delete_min};
    st->stop = (burst_kind){(int64_t)(tune.stop_window * BL_NS), (uint32_t)tune.stop_min};
    st->backup_stop = (burst_kind){st->stop.window_ns, (uint32_t)tune.backup_stop_min};
    st->backup_services = tune.backup_services;
    st->driver_writable = tune.driver_writable_paths;
    st->driver_ok = tune.driver_paths_ok;
    st->document_paths_ok = tune.document_paths_ok;
    st->wallpaper_setters = tune.wallpaper_setters;
    st->stop_commands = tune.service_stop_commands;
    st->shut = (burst_kind){(int64_t)(tune.shutdown_window * BL_NS), (uint32_t)tune.shutdown_min};
    st->factor = tune.burst_factor;
    st->min_windows = (uint32_t)tune.min_windows;
    if (st->del.window_ns <= 0 || st->stop.window_ns <= 0 || st->shut.window_ns <= 0 || st->del.min < 2 ||
        st->docdel.min < 2 || st->stop.min < 2 || st->stop.min > BL_DISTINCT_MAX || st->backup_stop.min < 1 ||
        st->backup_stop.min > BL_DISTINCT_MAX || st->shut.min < 2 || st->shut.min > BL_DISTINCT_MAX ||
        st->factor < 1)
        return TOCSIN_E_ARG;
    ts_str it;
    for (const char *p = tune.drivers; st->n_drivers < MAX_DRIVERS && ts_str_next_item(&p, &it);)
        if (it.n)
            st->drivers[st->n_drivers++] = bl_hash(it, BL_SEED);
    size_t max = (size_t)tune.max_hosts;
    bl_map_init(&st->deletes, sizeof(burst), max);
    bl_map_init(&st->docdels, sizeof(burst), max);
    bl_map_init(&st->stops, sizeof(burst), max);
    return TOCSIN_OK;
}

static void host_text(const ts_event *ev, char *buf, size_t cap)
{
    if (!ev->host.n)
        snprintf(buf, cap, "?");
    else
        snprintf(buf, cap, "%.*s", TS_STR_CUT(ev->host, 100));
}

/* ---- drivers ----------------------------------------------------------------------------- */

/* What a driver file is if it is a known raw-disk driver, else NULL. */
static const char *raw_driver(const dst_state *st, ts_str path, ts_str signature)
{
    ts_str b = bl_basename(ts_str_trim(path));
    if (b.n && b.p[b.n - 1] == '"')
        b.n--;
    for (size_t i = 0; i < sizeof raw_drivers / sizeof raw_drivers[0]; i++)
        if (ts_str_ieq(b, raw_drivers[i].file))
            return raw_drivers[i].what;
    uint64_t h = bl_hash(b, BL_SEED);
    for (size_t i = 0; i < st->n_drivers; i++)
        if (st->drivers[i] == h)
            return "a raw-disk driver named in the configuration";
    for (size_t i = 0; i < sizeof raw_signers / sizeof raw_signers[0]; i++)
        if (bl_icontains(signature, raw_signers[i]))
            return "signed by a raw-disk driver vendor";
    return NULL;
}

static void driver_alert(const ts_event *ev, uint8_t sev, const char *tech, ts_str path, const char *verb,
                         const char *what, const ts_alert_sink *out)
{
    char host[112];
    host_text(ev, host, sizeof host);
    ts_str b = bl_basename(ts_str_trim(path));
    int bn = (int)ts_utf8_cut(b, 100);
    bl_emit(out, DET, ev, sev, tech, ts_fmt_alloc("destruction|driver|%s|%.*s", host, bn, b.p),
            ts_fmt_alloc("%s %s on %s: %.*s (%s)", verb, what ? "raw-disk driver" : "driver", host,
                         TS_STR_CUT(path, 200), what ? what : "unsigned"));
}

/* Sysmon 6. */
static void on_driver_load(const dst_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str path = ts_event_field(ev, "ImageLoaded");
    const char *what = raw_driver(st, path, ts_event_field(ev, "Signature"));
    if (what)
        driver_alert(ev, 90, "T1561.001,T1561.002", path, "loaded", what, out);
    else if (ts_str_ieq(ts_event_field(ev, "Signed"), "false"))
        driver_alert(ev, 50, NULL, path, "loaded", NULL, out);
}

/* A driver's file in a folder users can write to, and not where a security product
 * installs its own (Defender's MpKsl drivers come with its definition updates). */
static bool user_writable(const dst_state *st, ts_str p)
{
    return bl_list_icontains(st->driver_writable, p) && !bl_list_icontains(st->driver_ok, p);
}

/* 7045 / 4697: a service installed; drivers only. */
static void on_service(const dst_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str path = ts_event_field(ev, ev->code == 4697 ? "ServiceFileName" : "ImagePath");
    ts_str type = ts_event_field(ev, "ServiceType");
    const char *what = raw_driver(st, path, TS_STR_NULL);
    char host[112];
    if (what) {
        driver_alert(ev, 90, "T1561.001,T1561.002,T1543.003", path, "installed", what, out);
        return;
    }
    /* 4697 gives the type as a number: 0x1 kernel driver, 0x2 file system driver. */
    bool driver = bl_icontains(type, "driver") || ts_str_eq(type, "0x1") || ts_str_eq(type, "0x2");
    if (!driver || !user_writable(st, path))
        return;
    host_text(ev, host, sizeof host);
    ts_str name = ts_event_field(ev, "ServiceName");
    bl_emit(out, DET, ev, 60, "T1543.003",
            ts_fmt_alloc("destruction|driver|%s|%.*s", host, TS_STR_CUT(name, 100)),
            ts_fmt_alloc("kernel driver service %.*s installed on %s from a user-writable folder: %.*s",
                         TS_STR_CUT(name, 100), host, TS_STR_CUT(path, 200)));
}

/* ---- command lines ------------------------------------------------------------------------- */

typedef struct cmd_rule {
    const char *name, *what, *tech;
    uint8_t severity;
} cmd_rule;

static const cmd_rule R_SHADOWS = {"shadows", "shadow copies deleted", "T1490", 85};
static const cmd_rule R_BACKUPS = {"backups", "backups deleted", "T1490", 85};
static const cmd_rule R_RECOVERY = {"recovery", "Windows recovery disabled", "T1490", 80};
static const cmd_rule R_SIGNING = {"signing", "driver signature checks turned off", "T1553.006", 70};
static const cmd_rule R_BOOT = {"boot", "boot configuration changed", NULL, 40};
static const cmd_rule R_WIPE = {"wipe", "files or free space wiped", "T1485", 60};
/* People change their wallpaper through Explorer; a command line or service doing it is
 * how wipers' crews put up their "Hacked by" pictures (Sony 2014's #GOP skeleton). */
static const cmd_rule R_DEFACE = {"deface", "desktop wallpaper set from a command line", "T1491.001", 70};

/* The rule a command line breaks, or NULL. Tools are told apart by the command line's
 * words, so "cmd /c vssadmin ..." and renamed copies are judged alike. */
static const cmd_rule *command_rule(ts_str c)
{
    if (bl_icontains(c, "vssadmin"))
        return bl_icontains(c, "delete shadows") || bl_icontains(c, "resize shadowstorage") ? &R_SHADOWS
                                                                                            : NULL;
    if (bl_icontains(c, "shadowcopy") && bl_icontains(c, "delete"))
        return &R_SHADOWS;
    if (bl_icontains(c, "diskshadow") && bl_icontains(c, "delete shadows"))
        return &R_SHADOWS;
    if (bl_icontains(c, "wbadmin"))
        return bl_icontains(c, "delete catalog") || bl_icontains(c, "delete systemstatebackup") ||
                       bl_icontains(c, "delete backup")
                   ? &R_BACKUPS
                   : NULL;
    if (bl_icontains(c, "bcdedit")) {
        if ((bl_icontains(c, "recoveryenabled") && bl_icontains(c, " no")) ||
            bl_icontains(c, "ignoreallfailures"))
            return &R_RECOVERY;
        if (bl_icontains(c, "testsigning") || bl_icontains(c, "nointegritychecks"))
            return &R_SIGNING;
        if (bl_icontains(c, "/set") || bl_icontains(c, "/delete") || bl_icontains(c, "-set") ||
            bl_icontains(c, "/deletevalue") || bl_icontains(c, "/import"))
            return &R_BOOT;
        return NULL;
    }
    if (bl_icontains(c, "sdelete") || (bl_icontains(c, "cipher") && bl_icontains(c, "/w:")))
        return &R_WIPE;
    if (bl_icontains(c, "control panel\\desktop") && bl_icontains(c, "wallpaper") &&
        (bl_icontains(c, "reg add") || bl_icontains(c, "reg.exe add") ||
         bl_icontains(c, "set-itemproperty") || bl_icontains(c, "new-itemproperty")))
        return &R_DEFACE;
    return NULL;
}

/* Images whose command lines are worth reading: the tools themselves and the shells that
 * run them. Everything else costs one basename comparison loop. */
static bool candidate_image(ts_str image)
{
    static const char *const names[] = {"vssadmin.exe",   "wmic.exe",    "wbadmin.exe",    "bcdedit.exe",
                                        "diskshadow.exe", "cmd.exe",     "powershell.exe", "pwsh.exe",
                                        "cipher.exe",     "sdelete.exe", "sdelete64.exe",  "reg.exe",
                                        "net.exe",        "net1.exe",    "sc.exe",         "taskkill.exe"};
    ts_str b = bl_basename(image);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ts_str_ieq(b, names[i]))
            return true;
    return false;
}

static void on_process(const dst_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    if (!ev->command_line.n || (ev->process.n && !candidate_image(ev->process)))
        return;
    char host[112];
    ts_str c = ev->command_line;
    const cmd_rule *r = command_rule(c);
    if (!r) {
        if (!bl_list_icontains(st->stop_commands, c) || !bl_list_icontains(st->backup_services, c))
            return;
        host_text(ev, host, sizeof host);
        bl_emit(out, DET, ev, 70, "T1489", ts_fmt_alloc("destruction|backup-stop|%s", host),
                ts_fmt_alloc("a backup or database service stopped from a command line on %s: %.*s", host,
                             TS_STR_CUT(c, 200)));
        return;
    }
    host_text(ev, host, sizeof host);
    bl_emit(out, DET, ev, r->severity, r->tech, ts_fmt_alloc("destruction|%s|%s", r->name, host),
            ts_fmt_alloc("%s on %s: %.*s", r->what, host, TS_STR_CUT(c, 200)));
}

/* Sysmon 13: the wallpaper value written by anything but Explorer (where people set it) and
 * the tools of wallpaper_setters (BGInfo writes the host's details on it). */
static void on_registry_set(const dst_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str target = ts_event_field(ev, "TargetObject");
    if (!ts_str_iends(target, "\\Control Panel\\Desktop\\Wallpaper") ||
        bl_list_has(st->wallpaper_setters, bl_basename(ev->process)))
        return;
    char host[112];
    host_text(ev, host, sizeof host);
    ts_str img = ev->process;
    bl_emit(out, DET, ev, R_DEFACE.severity, R_DEFACE.tech,
            ts_fmt_alloc("destruction|%s|%s", R_DEFACE.name, host),
            ts_fmt_alloc("desktop wallpaper set by %.*s on %s", TS_STR_CUT(img, 200), host));
}

/* ---- bursts ------------------------------------------------------------------------------------ */

/* Counts one event (distinct: by name hash) into b; true when the burst just crossed its
 * bar, with the bar's story in hist. */
static bool burst_add(const dst_state *st, burst *b, const burst_kind *k, int64_t ts, uint32_t name,
                      bool distinct, char *hist, size_t cap)
{
    if (!b->start || ts - b->start > k->window_ns || ts < b->start) {
        if (b->n) {
            b->n_windows++;
            if (b->n > b->hist_max)
                b->hist_max = b->n;
        }
        b->start = ts;
        b->n = 0;
        b->alerted = 0;
        memset(&b->names, 0, sizeof b->names);
    }
    if (distinct) {
        if (!bl_distinct_add(&b->names, name))
            return false;
        b->n = b->names.n;
    } else if (b->n < UINT32_MAX) {
        b->n++;
    }
    if (b->alerted || b->n < k->min || b->n < st->factor * b->hist_max)
        return false;
    b->alerted = 1;
    if (b->n_windows < st->min_windows)
        snprintf(hist, cap, "baseline young: %u earlier windows", (unsigned)b->n_windows);
    else
        snprintf(hist, cap, "most before: %u", (unsigned)b->hist_max);
    return true;
}

static double minutes(int64_t ns)
{
    return (double)ns / (60.0 * BL_NS);
}

static uint8_t burst_severity(const dst_state *st, const burst *b, uint8_t sev)
{
    return b->n_windows < st->min_windows ? (uint8_t)(sev - 20) : sev;
}

/* A document's extension: what a wiper or ransomware goes for and a program rarely deletes
 * in bulk. Office's "~$" owner files are not documents. */
static bool document(ts_str path)
{
    static const char *const ext[] = {".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".pdf", ".odt",
                                      ".ods", ".rtf",  ".csv", ".pst",  ".ost", ".zip",  ".7z",  ".rar",
                                      ".jpg", ".png",  ".psd", ".mov",  ".mp4", ".sql",  ".bak", ".mdb"};
    ts_str b = bl_basename(path);
    if (b.n < 5 || (b.p[0] == '~' && b.p[1] == '$'))
        return false;
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        if (ts_str_iends(b, ext[i]))
            return true;
    return false;
}

/* Documents deleted by one program (not Explorer: people delete their own folders). */
static void on_doc_delete(dst_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str image = bl_basename(ev->process);
    if (!image.n || ts_str_ieq(image, "explorer.exe") || !document(ev->file_path) ||
        bl_list_icontains(st->document_paths_ok, ev->file_path))
        return;
    burst *b = bl_map_put(&st->docdels, bl_hash(image, bl_hash(ev->host, BL_SEED)), ev->ts_ns, NULL);
    char hist[64], host[112];
    if (!b || !burst_add(st, b, &st->docdel, ev->ts_ns, 0, false, hist, sizeof hist))
        return;
    host_text(ev, host, sizeof host);
    int in = (int)ts_utf8_cut(image, 100);
    bl_emit(out, DET, ev, burst_severity(st, b, 75), "T1485",
            ts_fmt_alloc("destruction|doc-delete|%s|%.*s", host, in, image.p),
            ts_fmt_alloc("%.*s deleted %u documents on %s within %.0f min (%s)", in, image.p, (unsigned)b->n,
                         host, minutes(st->docdel.window_ns), hist));
}

static void on_delete(dst_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    uint64_t hh = bl_hash(ev->host, BL_SEED);
    __builtin_prefetch(bl_map_at(&st->deletes, hh)); /* fetched while the path is judged */
    on_doc_delete(st, ev, out);
    burst *b = bl_map_put(&st->deletes, hh, ev->ts_ns, NULL);
    char hist[64], host[112];
    if (!b || !burst_add(st, b, &st->del, ev->ts_ns, 0, false, hist, sizeof hist))
        return;
    host_text(ev, host, sizeof host);
    bl_emit(out, DET, ev, burst_severity(st, b, 75), "T1485",
            ts_fmt_alloc("destruction|mass-delete|%s", host),
            ts_fmt_alloc("mass deletion on %s: %u files deleted within %.0f min (%s)", host, (unsigned)b->n,
                         minutes(st->del.window_ns), hist));
}

/* 7036 "<service> entered the stopped state" and 7040 "... changed from X to disabled". */
static void on_service_state(dst_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str name = ts_event_field(ev, "param1");
    bool stop = ev->code == 7036 ? ts_str_ieq(ts_str_trim(ts_event_field(ev, "param2")), "stopped")
                                 : bl_icontains(ts_event_field(ev, "param3"), "disabled");
    if (!stop || !name.n)
        return;
    char hist[64], host[112];
    if (bl_list_icontains(st->backup_services, name)) {
        /* Kept in the same table as the host's other stops, under a key of its own. */
        burst *bb = bl_map_put(&st->stops, bl_hash_u64(bl_hash(ev->host, BL_SEED), 'B'), ev->ts_ns, NULL);
        if (bb && burst_add(st, bb, &st->backup_stop, ev->ts_ns, (uint32_t)bl_hash(name, BL_SEED), true, hist,
                            sizeof hist)) {
            host_text(ev, host, sizeof host);
            bl_emit(out, DET, ev, burst_severity(st, bb, 65), "T1489",
                    ts_fmt_alloc("destruction|backup-services|%s", host),
                    ts_fmt_alloc("%u backup or database services stopped on %s within %.0f min, the last "
                                 "%.*s (%s)",
                                 (unsigned)bb->n, host, minutes(st->stop.window_ns), TS_STR_CUT(name, 100),
                                 hist));
        }
    }
    burst *b = bl_map_put(&st->stops, bl_hash(ev->host, BL_SEED), ev->ts_ns, NULL);
    if (!b ||
        !burst_add(st, b, &st->stop, ev->ts_ns, (uint32_t)bl_hash(name, BL_SEED), true, hist, sizeof hist))
        return;
    host_text(ev, host, sizeof host);
    bl_emit(out, DET, ev, burst_severity(st, b, 65), "T1489", ts_fmt_alloc("destruction|services|%s", host),
            ts_fmt_alloc("%u services stopped or disabled on %s within %.0f min (%s)", (unsigned)b->n, host,
                         minutes(st->stop.window_ns), hist));
}

/* Distinct hosts among the ring's shutdowns within the window before ts. */
static uint32_t hosts_within(const shut_ring *r, int64_t ts, int64_t window)
{
    uint32_t seen[SHUT_RING], n = 0;
    for (size_t i = 0; i < SHUT_RING; i++) {
        if (!r->host[i] || r->ts[i] > ts || ts - r->ts[i] > window)
            continue;
        size_t k = 0;
        while (k < n && seen[k] != r->host[i])
            k++;
        if (k == n)
            seen[n++] = r->host[i];
    }
    return n;
}

static void on_shutdown(dst_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    shut_ring *r = &st->shutdowns;
    if (!ev->host.n)
        return;
    if (r->last && (ev->ts_ns - r->last > st->shut.window_ns || ev->ts_ns < r->last)) {
        r->n_windows++; /* the episode before has ended */
        if (r->episode_max > r->hist_max)
            r->hist_max = r->episode_max;
        r->episode_max = r->alerted = 0;
    }
    r->last = ev->ts_ns;
    uint32_t h = (uint32_t)bl_hash(ev->host, BL_SEED);
    r->host[r->head % SHUT_RING] = h ? h : 1;
    r->ts[r->head % SHUT_RING] = ev->ts_ns;
    r->head = (r->head + 1) % SHUT_RING;
    uint32_t n = hosts_within(r, ev->ts_ns, st->shut.window_ns);
    if (n > r->episode_max)
        r->episode_max = n;
    if (r->alerted || n < st->shut.min || n < st->factor * r->hist_max)
        return;
    r->alerted = 1;
    char hist[64];
    bool young = r->n_windows < st->min_windows;
    if (young)
        snprintf(hist, sizeof hist, "baseline young: %u earlier windows", (unsigned)r->n_windows);
    else
        snprintf(hist, sizeof hist, "most before: %u", (unsigned)r->hist_max);
    bl_emit(out, DET, ev, young ? 50 : 70, "T1529", strdup("destruction|shutdowns"),
            ts_fmt_alloc("%u hosts shut down within %.0f min (%s)", (unsigned)n, minutes(st->shut.window_ns),
                         hist));
}

static void dst_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    dst_state *st = state;
    if (!ev->has_code)
        return;
    /* What the event is, whoever wrote it (Sysmon, the Security log, a Linux Sysmon). */
    if (ts_str_eq(ev->action, "process-created")) {
        on_process(st, ev, out);
        return;
    }
    if (ts_str_eq(ev->action, "driver-loaded")) {
        on_driver_load(st, ev, out);
        return;
    }
    if (ts_str_eq(ev->action, "registry-value-set")) {
        on_registry_set(st, ev, out);
        return;
    }
    if (ts_str_eq(ev->action, "file-deleted")) {
        on_delete(st, ev, out);
        return;
    }
    switch (ev->code) {
    case 7045:
    case 4697:
        on_service(st, ev, out);
        return;
    case 7036:
    case 7040:
        on_service_state(st, ev, out);
        return;
    case 1074:
    case 6006:
    case 6008:
    case 4609:
        on_shutdown(st, ev, out);
        return;
    default:
        return;
    }
}

/* ---- saved state ------------------------------------------------------------------------------- */

/* What it keeps between runs; a damaged blob is refused whole and it learns afresh. */
static const ts_saved_field dst_saved_fields[] = {
    TS_SAVED_FIELD(dst_state, shutdowns),
    BL_SAVED_MAP(dst_state, deletes, 0, "hosts deleting"),
    BL_SAVED_MAP(dst_state, docdels, 0, "host-program pairs"),
    BL_SAVED_MAP(dst_state, stops, 0, "hosts stopping services"),
    {0},
};
static const ts_saved dst_saved = {DET, MAGIC, dst_saved_fields};

const ts_detector ts_detector_destruction = {
    .name = DET,
    .tunables = dst_tunables,
    .summary =
        "destruction: raw-disk drivers, shadow copies and backups deleted, boot configuration changed, "
        "mass deletion, services stopped and hosts shut down en masse",
    .state_size = sizeof(dst_state),
    .init = dst_init,
    .event = dst_event,
    .saved = &dst_saved,
};
