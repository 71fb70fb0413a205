/* cleanup.c: detector "cleanup": an intruder covering tracks once the work is done.
 *   - an event log cleared: Security 1102, or 104 of the event log service (the System
 *     log's record of any channel cleared)                          T1685.005 (was T1070.001)
 *   - a file's creation time moved back (Sysmon 2, timestomping) on an executable or a
 *     script, by a program that is neither installed software nor one that restores
 *     times as its job (archivers, installers, sync clients)                       T1070.006
 *   - a service removed (sc delete, Remove-Service, Sysmon 12 deleting its key) within
 *     `service_life` of its installation (7045/4697) on any host: a remote service used
 *     once to run a payload, then wiped                                   T1070.009, T1543.003
 *   - tools and staging archives deleted by a shell or script host (Sysmon 23/26): a file
 *     another program (not a compiler or installer of `writers_ok`) wrote on that host
 *     within `staged_age`, or a dual-use tool named in `tools`                    T1070.004
 * Each is rare on an ordinary day and needs no baseline, so it alerts from the first event.
 * Word lists and times live in data/detect.conf's [cleanup] section. Memory: at most
 * `max_services` installed services and `max_files` written files (the quietest go first). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "detect/alert_util.h"
#include "detect/baseline.h"
#include "detect/detect.h"

#define DET "cleanup"
#define SEC "cleanup"
#define MAGIC 0x31504c43u /* "CLP1" */

typedef struct svc_rec {
    int64_t ts;
    char host[56]; /* where it was installed, for the title */
} svc_rec;

typedef struct file_rec {
    int64_t ts;
    uint64_t writer; /* hash of the writing program's file name */
} file_rec;

typedef struct cl_state {
    const char *log_providers, *stomp_extensions, *stomp_ok, *stomp_shells, *installed_paths;
    const char *staged_extensions, *deleters, *tools, *writers_ok;
    int64_t stomp_back_ns, service_life_ns, staged_age_ns;
    bl_map services; /* service name -> svc_rec (saved) */
    bl_map files;    /* (host, path) -> file_rec (saved) */
} cl_state;

typedef struct cl_settings {
    double timestomp_back, service_life, staged_age, max_services, max_files;
    const char *log_providers, *timestomp_extensions, *timestomp_ok, *timestomp_shells, *installed_paths,
        *staged_extensions, *deleters, *tools, *writers_ok;
} cl_settings;

static const ts_tunable cl_tunables[] = {
    TS_TUNE_STR(cl_settings, log_providers, NULL),
    TS_TUNE_STR(cl_settings, timestomp_extensions, NULL),
    TS_TUNE_STR(cl_settings, timestomp_ok, NULL),
    TS_TUNE_STR(cl_settings, timestomp_shells, NULL),
    TS_TUNE_STR(cl_settings, installed_paths, NULL),
    TS_TUNE_STR(cl_settings, staged_extensions, NULL),
    TS_TUNE_STR(cl_settings, deleters, NULL),
    TS_TUNE_STR(cl_settings, tools, NULL),
    TS_TUNE_STR(cl_settings, writers_ok, NULL),
    TS_TUNE(cl_settings, timestomp_back, TS_TUNE_SECONDS, 86400, 1, 31536000),
    TS_TUNE(cl_settings, service_life, TS_TUNE_SECONDS, 86400, 1, 31536000),
    TS_TUNE(cl_settings, staged_age, TS_TUNE_SECONDS, 604800, 1, 31536000),
    TS_TUNE(cl_settings, max_services, TS_TUNE_COUNT, 10000, 16, 1e+08),
    TS_TUNE(cl_settings, max_files, TS_TUNE_COUNT, 100000, 16, 1e+08),
    {0},
};

static tocsin_code cl_init(void *state, const ts_detect_ctx *ctx)
{
    cl_state *st = state;
    cl_settings k;
    if (!ts_tune_read(ctx->config, SEC, cl_tunables, &k))
        return TOCSIN_E_ARG;
    st->log_providers = (k.log_providers ? k.log_providers : "");
    st->stomp_extensions = (k.timestomp_extensions ? k.timestomp_extensions : "");
    st->stomp_ok = (k.timestomp_ok ? k.timestomp_ok : "");
    st->stomp_shells = (k.timestomp_shells ? k.timestomp_shells : "");
    st->installed_paths = (k.installed_paths ? k.installed_paths : "");
    st->staged_extensions = (k.staged_extensions ? k.staged_extensions : "");
    st->deleters = (k.deleters ? k.deleters : "");
    st->tools = (k.tools ? k.tools : "");
    st->writers_ok = (k.writers_ok ? k.writers_ok : "");
    st->stomp_back_ns = (int64_t)(k.timestomp_back * BL_NS);
    st->service_life_ns = (int64_t)(k.service_life * BL_NS);
    st->staged_age_ns = (int64_t)(k.staged_age * BL_NS);
    bl_map_init(&st->services, sizeof(svc_rec), (size_t)k.max_services);
    bl_map_init(&st->files, sizeof(file_rec), (size_t)k.max_files);
    return TOCSIN_OK;
}

/* Whether the file name of path is an item of the comma-separated list. */
static bool name_in(const char *list, ts_str path)
{
    ts_str b = bl_basename(ts_str_trim(path));
    if (b.n && b.p[b.n - 1] == '"')
        b.n--;
    return bl_list_has(list, b);
}

/* Whether path ends with one of the comma-separated extensions (".exe"). */
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

static void host_text(const ts_event *ev, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.*s", ev->host.n ? (int)ts_utf8_cut(ev->host, cap - 1) : 1,
             ev->host.n ? ev->host.p : "?");
}

/* ---- logs cleared ------------------------------------------------------------------------ */

/* The account in a rendered message ("Account Name:\twardog\r\n"), as NXLog-style logs
 * carry 1102 without its UserData. */
static ts_str message_account(const ts_event *ev)
{
    ts_str m = ts_event_field(ev, "Message");
    static const char tag[] = "Account Name:";
    const char *at = m.n ? memmem(m.p, m.n, tag, sizeof tag - 1) : NULL;
    if (!at)
        return TS_STR_NULL;
    const char *p = at + sizeof tag - 1, *end = m.p + m.n;
    while (p < end && (*p == '\t' || *p == ' '))
        p++;
    const char *q = p;
    while (q < end && *q != '\r' && *q != '\n' && *q != '\t')
        q++;
    return ts_str_trim(ts_str_make(p, (size_t)(q - p)));
}

static void log_cleared(const ts_event *ev, ts_str channel, const ts_alert_sink *out)
{
    char host[112];
    host_text(ev, host, sizeof host);
    ts_str who = ts_event_field(ev, "SubjectUserName");
    if (!who.n)
        who = ev->user;
    if (!who.n)
        who = message_account(ev);
    bl_emit(out, DET, ev, 70, "T1685.005",
            ts_fmt_alloc("%s|log-cleared|%s|%.*s", DET, host, TS_STR_CUT(channel, 160)),
            ts_fmt_alloc("the %.*s event log was cleared on %s by %.*s", TS_STR_CUT(channel, 160), host,
                         who.n ? (int)ts_utf8_cut(who, 160) : 1, who.n ? who.p : "?"));
}

/* ---- timestomping ------------------------------------------------------------------------ */

static void timestomp(const cl_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str target = ts_event_field(ev, "TargetFilename"), img = ev->process;
    if (!img.n)
        img = ts_event_field(ev, "Image");
    if (!has_ext(st->stomp_extensions, target) || name_in(st->stomp_ok, img))
        return;
    /* Installed software and Windows restore times as part of their work; a shell or
       script host running from there is still the hand of whoever typed the command. */
    if (bl_list_icontains(st->installed_paths, img) && !name_in(st->stomp_shells, img))
        return;
    int64_t now, before;
    if (!ts_parse_iso8601_ns(ts_str_trim(ts_event_field(ev, "CreationUtcTime")), &now) ||
        !ts_parse_iso8601_ns(ts_str_trim(ts_event_field(ev, "PreviousCreationUtcTime")), &before) ||
        before - now < st->stomp_back_ns)
        return;
    char host[112], was[40], set[40];
    host_text(ev, host, sizeof host);
    ts_format_time(before, was, sizeof was);
    ts_format_time(now, set, sizeof set);
    bl_emit(out, DET, ev, 60, "T1070.006",
            ts_fmt_alloc("%s|timestomp|%s|%.*s", DET, host, TS_STR_CUT(img, 160)),
            ts_fmt_alloc("%.*s moved the creation time of %.*s on %s back from %s to %s (timestomping)",
                         TS_STR_CUT(img, 160), TS_STR_CUT(target, 160), host, was, set));
}

/* ---- services installed, then removed ---------------------------------------------------- */

static void service_installed(cl_state *st, const ts_event *ev)
{
    ts_str name = ts_str_trim(ts_event_field(ev, "ServiceName"));
    if (!name.n)
        return;
    svc_rec *r = bl_map_put(&st->services, bl_hash(name, BL_SEED), ev->ts_ns, NULL);
    if (!r)
        return;
    r->ts = ev->ts_ns;
    host_text(ev, r->host, sizeof r->host);
}

static void service_removed(cl_state *st, const ts_event *ev, ts_str name, const char *how,
                            const ts_alert_sink *out)
{
    name = ts_str_trim(name);
    if (name.n >= 2 && (name.p[0] == '"' || name.p[0] == '\''))
        name = ts_str_make(name.p + 1, name.n - 2);
    const svc_rec *r = name.n ? bl_map_get(&st->services, bl_hash(name, BL_SEED)) : NULL;
    if (!r || ev->ts_ns < r->ts || ev->ts_ns - r->ts > st->service_life_ns)
        return;
    char host[112];
    host_text(ev, host, sizeof host);
    double hours = (double)(ev->ts_ns - r->ts) / (3600.0 * BL_NS);
    bl_emit(out, DET, ev, 65, "T1070.009,T1543.003",
            ts_fmt_alloc("%s|service-removed|%.*s", DET, TS_STR_CUT(name, 160)),
            ts_fmt_alloc("service %.*s removed on %s (%s) %.1f h after it was installed on %.*s",
                         TS_STR_CUT(name, 160), host, how, hours, (int)strnlen(r->host, sizeof r->host),
                         r->host)); /* saved: maybe no NUL */
}

/* The word after "delete" in "sc [\\host] delete NAME", or after Remove-Service [-Name]. */
static ts_str word_after(ts_str cmd, const char *marker)
{
    size_t mn = strlen(marker);
    for (size_t i = 0; i + mn <= cmd.n; i++) {
        if (!ts_str_istarts(ts_str_make(cmd.p + i, cmd.n - i), marker) || (i && cmd.p[i - 1] != ' '))
            continue;
        size_t j = i + mn;
        while (j < cmd.n && cmd.p[j] == ' ')
            j++;
        if (ts_str_istarts(ts_str_make(cmd.p + j, cmd.n - j), "-name "))
            for (j += 6; j < cmd.n && cmd.p[j] == ' ';)
                j++;
        size_t k = j;
        while (k < cmd.n && cmd.p[k] != ' ')
            k++;
        return ts_str_make(cmd.p + j, k - j);
    }
    return TS_STR_NULL;
}

static void process_start(cl_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str cmd = ev->command_line;
    ts_str img = bl_basename(ts_str_trim(ev->process));
    if (ts_str_ieq(img, "sc.exe") || bl_icontains(cmd, "sc.exe ") || bl_icontains(cmd, "sc "))
        service_removed(st, ev, word_after(cmd, "delete "), "sc delete", out);
    if (bl_icontains(cmd, "remove-service"))
        service_removed(st, ev, word_after(cmd, "remove-service "), "Remove-Service", out);
}

/* Sysmon 12 DeleteKey of ...\Services\NAME (not of a value or subkey below it). */
static void registry_delete(cl_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str key = ts_str_trim(ts_event_field(ev, "TargetObject"));
    if (!bl_icontains(ts_event_field(ev, "EventType"), "DeleteKey"))
        return;
    ts_str name = bl_basename(key);
    if (name.n >= key.n)
        return;
    ts_str parent = ts_str_make(key.p, key.n - name.n - 1);
    if (ts_str_iends(parent, "\\Services"))
        service_removed(st, ev, name, "its registry key deleted", out);
}

/* ---- tools and archives deleted ---------------------------------------------------------- */

static uint64_t file_key(const ts_event *ev, ts_str path)
{
    return bl_hash(ts_str_trim(path), bl_hash_u64(bl_hash(ev->host, BL_SEED), '|'));
}

static void file_created(cl_state *st, const ts_event *ev)
{
    ts_str path = ts_event_field(ev, "TargetFilename");
    if (!path.n)
        path = ev->file_path;
    if (!has_ext(st->staged_extensions, path))
        return;
    /* Compilers and installers write what their callers delete (PowerShell's Add-Type
       compiles with csc.exe into a temporary folder): remembered as nobody's. */
    ts_str writer = bl_basename(ts_str_trim(ev->process));
    file_rec *r = bl_map_put(&st->files, file_key(ev, path), ev->ts_ns, NULL);
    if (r) {
        r->ts = ev->ts_ns;
        r->writer = name_in(st->writers_ok, writer) ? 0 : bl_hash(writer, BL_SEED);
    }
}

static void file_deleted(cl_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str path = ts_event_field(ev, "TargetFilename");
    if (!path.n)
        path = ev->file_path;
    ts_str img = ev->process;
    if (!name_in(st->deleters, img))
        return;
    bool tool = name_in(st->tools, path);
    const file_rec *r =
        has_ext(st->staged_extensions, path) ? bl_map_get(&st->files, file_key(ev, path)) : NULL;
    bool staged = r && ev->ts_ns >= r->ts && ev->ts_ns - r->ts <= st->staged_age_ns && r->writer &&
                  r->writer != bl_hash(bl_basename(ts_str_trim(img)), BL_SEED);
    if (!tool && !staged)
        return;
    char host[112];
    host_text(ev, host, sizeof host);
    bl_emit(out, DET, ev, 55, "T1070.004", ts_fmt_alloc("%s|deleted|%s", DET, host),
            ts_fmt_alloc("%s deleted by %.*s on %s: %.*s",
                         tool ? "a dual-use tool" : "a file written there lately", TS_STR_CUT(img, 160), host,
                         TS_STR_CUT(path, 160)));
}

static void cl_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    cl_state *st = state;
    if (!ev->has_code)
        return;
    /* What the event is, whoever wrote it. */
    if (ts_str_eq(ev->action, "process-created"))
        process_start(st, ev, out);
    else if (ts_str_eq(ev->action, "file-created"))
        file_created(st, ev);
    else if (ts_str_eq(ev->action, "file-deleted"))
        file_deleted(st, ev, out);
    else if (ts_str_eq(ev->action, "file-creation-time-changed"))
        timestomp(st, ev, out);
    else if (ts_str_eq(ev->action, "service-installed"))
        service_installed(st, ev);
    else if (ts_str_eq(ev->action, "registry-event"))
        registry_delete(st, ev, out);
    else if (ts_str_eq(ev->action, "audit-log-cleared"))
        log_cleared(ev, TS_STR_LIT("Security"), out);
    else if (ev->code == 104 && bl_list_icontains(st->log_providers, ev->provider)) {
        ts_str ch = ts_event_field(ev, "Channel");
        log_cleared(ev, ch.n ? ch : TS_STR_LIT("(unnamed)"), out);
    }
}

/* What it keeps between runs; a damaged blob is refused whole and it learns afresh. */
static const ts_saved_field cl_saved_fields[] = {
    BL_SAVED_MAP(cl_state, services, 0, "services installed"),
    BL_SAVED_MAP(cl_state, files, 0, "files written"),
    {0},
};
static const ts_saved cl_saved = {DET, MAGIC, cl_saved_fields};

const ts_detector ts_detector_cleanup = {
    .name = DET,
    .tunables = cl_tunables,
    .summary = "covering tracks: event logs cleared, timestomping, services removed after use, tools deleted",
    .state_size = sizeof(cl_state),
    .init = cl_init,
    .event = cl_event,
    .saved = &cl_saved,
};
