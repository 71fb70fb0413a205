/* sideload.c: detector "sideload": a trusted program made to run an intruder's DLL (Sysmon 7
 * image loads, Sysmon 1 / 4688 process starts).
 *   - an unsigned DLL bearing the name of one of Windows' own DLLs, loaded from outside the
 *     system folders (`system_paths`): planted where the program looks first      T1574.001
 *   - an unsigned DLL loaded from the program's own folder, when that folder is one a user
 *     can write (`writable_paths`) and the program is one of Windows' own copied there:
 *     the side-loading pair of colorcpl.exe + colorui.dll, WerFaultSecure.exe + dbghelp ...
 *                                                                                 T1574.002
 *   - one of Windows' own programs started from a user-writable folder (a copy made to
 *     side-load, or a masquerade)                                                T1036.005
 * Windows' DLL and program names are learned from what runs and loads, signed, from the
 * system folders, and seeded with those public reporting names as side-loaded
 * (`system_dlls`, `system_programs`), so the first day is covered too. Programs that run
 * from user folders by design are in `programs_ok`. Lists in data/detect.conf [sideload].
 * Memory: at most `max_names` learned names (the quietest go first). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "detect/alert_util.h"
#include "detect/baseline.h"
#include "detect/detect.h"

#define DET "sideload"
#define SEC "sideload"
#define MAGIC 0x31444c53u /* "SLD1" */
#define KIND_DLL 0x444c4cu
#define KIND_PROGRAM 0x455845u

typedef struct sl_state {
    const char *system_paths, *writable_paths, *system_dlls, *system_programs, *programs_ok;
    bl_map names; /* learned Windows DLL and program names (saved) */
} sl_state;

typedef struct sl_settings {
    double max_names;
    const char *system_paths, *writable_paths, *system_dlls, *system_programs, *programs_ok;
} sl_settings;

static const ts_tunable sl_tunables[] = {
    TS_TUNE_STR(sl_settings, system_paths, NULL),
    TS_TUNE_STR(sl_settings, writable_paths, NULL),
    TS_TUNE_STR(sl_settings, system_dlls, NULL),
    TS_TUNE_STR(sl_settings, system_programs, NULL),
    TS_TUNE_STR(sl_settings, programs_ok, NULL),
    TS_TUNE(sl_settings, max_names, TS_TUNE_COUNT, 50000, 16, 1e+08),
    {0},
};

static tocsin_code sl_init(void *state, const ts_detect_ctx *ctx)
{
    sl_state *st = state;
    sl_settings k;
    if (!ts_tune_read(ctx->config, SEC, sl_tunables, &k))
        return TOCSIN_E_ARG;
    st->system_paths = (k.system_paths ? k.system_paths : "");
    st->writable_paths = (k.writable_paths ? k.writable_paths : "");
    st->system_dlls = (k.system_dlls ? k.system_dlls : "");
    st->system_programs = (k.system_programs ? k.system_programs : "");
    st->programs_ok = (k.programs_ok ? k.programs_ok : "");
    bl_map_init(&st->names, 0, (size_t)k.max_names);
    return TOCSIN_OK;
}

static ts_str unquote(ts_str s)
{
    s = ts_str_trim(s);
    if (s.n >= 2 && s.p[0] == '"' && s.p[s.n - 1] == '"')
        s = ts_str_make(s.p + 1, s.n - 2);
    return s;
}

/* The folder of path, without the last separator. */
static ts_str folder(ts_str path)
{
    ts_str b = bl_basename(path);
    return ts_str_make(path.p, path.n > b.n ? path.n - b.n - 1 : 0);
}

static bool same_folder(ts_str a, ts_str b)
{
    ts_str fa = folder(a), fb = folder(b);
    return fa.n && fa.n == fb.n && bl_hash(fa, BL_SEED) == bl_hash(fb, BL_SEED);
}

/* Directly in a system folder (C:\Windows\System32\x.dll, not System32\drivers\...). */
static bool in_system_root(const sl_state *st, ts_str path)
{
    ts_str f = folder(path);
    return f.n && bl_list_icontains(st->system_paths, path) &&
           !bl_list_icontains(st->system_paths, folder(f)) &&
           (ts_str_iends(f, "\\System32") || ts_str_iends(f, "\\SysWOW64"));
}

static bool known(const sl_state *st, uint32_t kind, const char *seeds, ts_str name)
{
    return bl_list_has(seeds, name) || bl_map_get(&st->names, bl_hash_u64(bl_hash(name, BL_SEED), kind));
}

static void learn(sl_state *st, uint32_t kind, ts_str name, int64_t ts)
{
    bl_set_add(&st->names, bl_hash_u64(bl_hash(name, BL_SEED), kind), ts);
}

static void emit(const ts_event *ev, uint8_t sev, const char *tech, const char *kind, ts_str what,
                 char *title, const ts_alert_sink *out)
{
    bl_emit(out, DET, ev, sev, tech,
            ts_fmt_alloc("%s|%s|%.*s|%.*s", DET, kind, TS_STR_CUT(ev->host, 160), TS_STR_CUT(what, 160)),
            title);
}

static void image_loaded(sl_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str dll = unquote(ts_event_field(ev, "ImageLoaded")), prog = unquote(ev->process);
    ts_str signed_ = ts_str_trim(ts_event_field(ev, "Signed"));
    ts_str dn = bl_basename(dll), pn = bl_basename(prog);
    if (!dll.n)
        return;
    if (ts_str_ieq(signed_, "true")) {
        if (in_system_root(st, dll))
            learn(st, KIND_DLL, dn, ev->ts_ns);
        return;
    }
    if (!ts_str_ieq(signed_, "false") || bl_list_icontains(st->system_paths, dll))
        return;
    bool beside = prog.n && same_folder(dll, prog);
    if (known(st, KIND_DLL, st->system_dlls, dn)) {
        emit(ev, 70, beside ? "T1574.001,T1574.002" : "T1574.001", "windows-dll", dll,
             ts_fmt_alloc(
                 "%.*s loaded an unsigned %.*s (a name of Windows' own DLLs) from outside the system folders "
                 "on %.*s: %.*s",
                 TS_STR_CUT(pn, 160), TS_STR_CUT(dn, 160), TS_STR_CUT(ev->host, 160), TS_STR_CUT(dll, 160)),
             out);
        return;
    }
    if (beside && bl_list_icontains(st->writable_paths, prog) &&
        known(st, KIND_PROGRAM, st->system_programs, pn) && !bl_list_has(st->programs_ok, pn))
        emit(ev, 75, "T1574.002", "beside", dll,
             ts_fmt_alloc(
                 "%.*s, one of Windows' programs, runs from a user-writable folder on %.*s and loaded the "
                 "unsigned %.*s beside it: %.*s",
                 TS_STR_CUT(pn, 160), TS_STR_CUT(ev->host, 160), TS_STR_CUT(dn, 160), TS_STR_CUT(dll, 160)),
             out);
}

static void process_start(sl_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str prog = unquote(ev->process), pn = bl_basename(prog);
    if (!pn.n)
        return;
    if (in_system_root(st, prog)) {
        learn(st, KIND_PROGRAM, pn, ev->ts_ns);
        return;
    }
    if (!bl_list_icontains(st->writable_paths, prog) || bl_list_icontains(st->system_paths, prog) ||
        bl_list_has(st->programs_ok, pn) || !known(st, KIND_PROGRAM, st->system_programs, pn))
        return;
    emit(ev, 50, "T1036.005,T1574.002", "odd-folder", prog,
         ts_fmt_alloc("%.*s, one of Windows' programs, started from a user-writable folder on %.*s: %.*s",
                      TS_STR_CUT(pn, 160), TS_STR_CUT(ev->host, 160), TS_STR_CUT(prog, 160)),
         out);
}

static void sl_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    sl_state *st = state;
    if (ts_str_eq(ev->action, "image-loaded"))
        image_loaded(st, ev, out);
    else if (ts_str_eq(ev->action, "process-created"))
        process_start(st, ev, out);
}

/* What it keeps between runs; a damaged blob is refused whole and it learns afresh. */
static const ts_saved_field sl_saved_fields[] = {
    BL_SAVED_MAP(sl_state, names, 0, "Windows DLL and program names"),
    {0},
};
static const ts_saved sl_saved = {DET, MAGIC, sl_saved_fields};

const ts_detector ts_detector_sideload = {
    .name = DET,
    .tunables = sl_tunables,
    .summary =
        "DLL side-loading and hijacking: unsigned DLLs loaded by Windows' own programs from odd folders",
    .state_size = sizeof(sl_state),
    .init = sl_init,
    .event = sl_event,
    .saved = &sl_saved,
};
