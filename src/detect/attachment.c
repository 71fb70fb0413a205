/* attachment.c: detector "attachment": a program started from inside a disk image or an
 * archive a user opened, the way mailed and downloaded lures run (ISO, IMG and VHD files
 * carry no mark of the web onto what is inside them; Qakbot, IcedID, Emotet and the Dream
 * Job recruiters all shipped so).
 *   - a disk image arrives on a host (a file written with an extension of
 *     `image_extensions`, Sysmon 11) or a virtual CD-ROM is opened (4663 on \Device\CdRom*),
 *     then within `window` a process starts from another drive than the system's
 *     (`system_drives`), or is handed a file there (rundll32 E:\x.dll), or loads a module
 *     from there (Sysmon 7)                                         T1204.002, T1553.005
 *   - a program started from, or a script host handed a file in, the folder where Explorer,
 *     WinRAR or 7-Zip unpack an archive's file opened by double-click
 *     (`archive_markers`)                                                        T1204.002
 * Folders of installed software on other drives (`installed_paths`) are not counted. The
 * drive letter a mounted image gets is not logged, so the first drive letter past the
 * system's after an image arrives is taken for it; a data disk (D:) is only suspect then.
 * Memory: the last image per host, at most `max_hosts` hosts (the quietest go first). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "detect/alert_util.h"
#include "detect/baseline.h"
#include "detect/detect.h"

#define DET "attachment"
#define SEC "attachment"
#define MAGIC 0x31485441u /* "ATH1" */

typedef struct arrival {
    int64_t ts;
    char path[120]; /* the image file, or the device opened */
} arrival;

typedef struct at_state {
    const char *image_extensions, *system_drives, *archive_markers, *installed_paths;
    int64_t window_ns;
    bl_map hosts; /* host -> arrival (saved) */
} at_state;

typedef struct at_settings {
    double window, max_hosts;
    const char *image_extensions, *system_drives, *archive_markers, *installed_paths;
} at_settings;

static const ts_tunable at_tunables[] = {
    TS_TUNE_STR(at_settings, image_extensions, NULL),
    TS_TUNE_STR(at_settings, system_drives, NULL),
    TS_TUNE_STR(at_settings, archive_markers, NULL),
    TS_TUNE_STR(at_settings, installed_paths, NULL),
    TS_TUNE(at_settings, window, TS_TUNE_SECONDS, 7200, 60, 2592000),
    TS_TUNE(at_settings, max_hosts, TS_TUNE_COUNT, 100000, 16, 1e+08),
    {0},
};

static tocsin_code at_init(void *state, const ts_detect_ctx *ctx)
{
    at_state *st = state;
    at_settings k;
    if (!ts_tune_read(ctx->config, SEC, at_tunables, &k))
        return TOCSIN_E_ARG;
    st->image_extensions = (k.image_extensions ? k.image_extensions : "");
    st->system_drives = (k.system_drives ? k.system_drives : "");
    st->archive_markers = (k.archive_markers ? k.archive_markers : "");
    st->installed_paths = (k.installed_paths ? k.installed_paths : "");
    st->window_ns = (int64_t)(k.window * BL_NS);
    bl_map_init(&st->hosts, sizeof(arrival), (size_t)k.max_hosts);
    return TOCSIN_OK;
}

static char lc(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* Whether s contains one of the comma-separated words (case-insensitive). */
static bool has_ext(const char *list, ts_str path)
{
    ts_str it;
    path = ts_str_trim(path);
    for (const char *p = list; ts_str_next_item(&p, &it);)
        if (it.n && path.n > it.n &&
            bl_hash(ts_str_make(path.p + path.n - it.n, it.n), BL_SEED) == bl_hash(it, BL_SEED))
            return true;
    return false;
}

/* Where in s a path on a drive other than the system's starts ("E:\"), or NULL: at the
 * start of s, after a quote, a space, a comma or an equals sign. */
static const char *other_drive(const at_state *st, ts_str s)
{
    for (size_t i = 0; i + 3 <= s.n; i++) {
        char d = lc(s.p[i]);
        if (d < 'a' || d > 'z' || s.p[i + 1] != ':' || s.p[i + 2] != '\\')
            continue;
        if (i && !memchr("\" ,=", s.p[i - 1], 4))
            continue;
        bool sys = false;
        ts_str it;
        for (const char *p = st->system_drives; !sys && ts_str_next_item(&p, &it);)
            sys = it.n && lc(it.p[0]) == d;
        const char *at = s.p + i;
        ts_str rest = ts_str_make(at, s.n - i);
        if (!sys && !bl_list_icontains(st->installed_paths, ts_str_make(at, rest.n < 260 ? rest.n : 260)))
            return at;
    }
    return NULL;
}

static void remember(at_state *st, const ts_event *ev, ts_str what)
{
    arrival *a = bl_map_put(&st->hosts, bl_hash(ev->host, BL_SEED), ev->ts_ns, NULL);
    if (!a)
        return;
    a->ts = ev->ts_ns;
    snprintf(a->path, sizeof a->path, "%.*s", TS_STR_CUT(what, sizeof a->path - 1));
}

static void emit(const ts_event *ev, uint8_t sev, const char *tech, ts_str prog, char *title,
                 const ts_alert_sink *out)
{
    bl_emit(out, DET, ev, sev, tech,
            ts_fmt_alloc("%s|%.*s|%.*s", DET, TS_STR_CUT(ev->host, 160), TS_STR_CUT(prog, 160)), title);
}

/* A process start or a module load: judged against the host's last image. */
static void started(const at_state *st, const ts_event *ev, ts_str module, const ts_alert_sink *out)
{
    ts_str img = ts_str_trim(ev->process), cmd = ev->command_line;
    /* Unpacked from an archive opened in Explorer, WinRAR or 7-Zip. */
    if (!module.n && img.n &&
        (bl_list_icontains(st->archive_markers, img) || bl_list_icontains(st->archive_markers, cmd))) {
        emit(ev, 45, "T1204.002", img,
             ts_fmt_alloc("%.*s started from inside an opened archive on %.*s: %.*s",
                          TS_STR_CUT(bl_basename(img), 160), TS_STR_CUT(ev->host, 160),
                          TS_STR_CUT(cmd.n ? cmd : img, 160)),
             out);
        return;
    }
    const arrival *a = bl_map_get(&st->hosts, bl_hash(ev->host, BL_SEED));
    if (!a || ev->ts_ns < a->ts || ev->ts_ns - a->ts > st->window_ns)
        return;
    const char *where = module.n ? other_drive(st, module) : NULL;
    ts_str why = module;
    if (!where && img.n && (where = other_drive(st, img)))
        why = img;
    if (!where && cmd.n && (where = other_drive(st, cmd)))
        why = cmd;
    if (!where && (where = other_drive(st, ts_str_trim(ev->parent_process))))
        why = ev->parent_process;
    if (!where)
        return;
    double mins = (double)(ev->ts_ns - a->ts) / (60.0 * BL_NS);
    emit(ev, 75, "T1204.002,T1553.005", img.n ? img : module,
         ts_fmt_alloc("%.*s ran %.*s from drive %c: on %.*s %.0f min after the disk image %.*s arrived (%s)",
                      TS_STR_CUT(bl_basename(img), 160),
                      (int)ts_utf8_cut(ts_str_make(where, (size_t)(why.p + why.n - where)), 160), where,
                      where[0], TS_STR_CUT(ev->host, 160), mins, (int)strnlen(a->path, sizeof a->path),
                      a->path, /* a saved record may lack its NUL */
                      module.n         ? "module loaded"
                      : why.p == img.p ? "program"
                      : why.p == cmd.p ? "command line"
                                       : "parent"),
         out);
}

static void at_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    at_state *st = state;
    if (!ev->host.n)
        return;
    if (ts_str_eq(ev->action, "file-created")) {
        ts_str path = ts_event_field(ev, "TargetFilename");
        if (!path.n)
            path = ev->file_path;
        if (has_ext(st->image_extensions, path))
            remember(st, ev, bl_basename(ts_str_trim(path)));
    } else if (ev->has_code && (ev->code == 4663 || ev->code == 4656) && ev->action.n) {
        ts_str obj = ts_str_trim(ts_event_field(ev, "ObjectName"));
        if (ts_str_istarts(obj, "\\Device\\CdRom"))
            remember(st, ev, obj);
    } else if (ts_str_eq(ev->action, "process-created")) {
        started(st, ev, TS_STR_NULL, out);
    } else if (ts_str_eq(ev->action, "image-loaded")) {
        ts_str mod = ts_str_trim(ts_event_field(ev, "ImageLoaded"));
        if (mod.n)
            started(st, ev, mod, out);
    }
}

/* What it keeps between runs; a damaged blob is refused whole and it learns afresh. */
static const ts_saved_field at_saved_fields[] = {
    BL_SAVED_MAP(at_state, hosts, 0, "hosts with a disk image"),
    {0},
};
static const ts_saved at_saved = {DET, MAGIC, at_saved_fields};

const ts_detector ts_detector_attachment = {
    .name = DET,
    .tunables = at_tunables,
    .summary = "programs started from inside a disk image or archive a user opened",
    .state_size = sizeof(at_state),
    .init = at_init,
    .event = at_event,
    .saved = &at_saved,
};
