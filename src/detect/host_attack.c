/* host_attack.c: single Windows events that are an attack step by themselves, whatever the
 * baseline: code injection into another process (Sysmon 8), LSASS opened for reading by an
 * unusual program (Sysmon 10), registry values that weaken credential protection or logging
 * (Sysmon 12/13, Security 4657; the table is data/detect/registry_tamper.tsv), the keys that
 * hold the SAM and LSA secrets' boot key read by an unusual program (4656/4663), the event
 * log service disabled or stopped (System 7040/7036), audit policy changed (4719),
 * permissions of a directory object rewritten (5136 nTSecurityDescriptor), accounts changed
 * by an anonymous logon (Zerologon), added to privileged groups or given risky flags
 * (4720-4767, 4742), a Windows system task changed by a user account (4698/4702), local
 * groups enumerated by a recon tool (4799), RPC interfaces reached remotely through IPC$
 * by a user account (5145; the table is data/detect/rpc_pipes.tsv), and process starts
 * (Sysmon 1, 4688) of a proxy-execution program on a user-writable file or a URL
 * (data/detect/proxy_exec.tsv) or of a shell by a script host (wscript, cscript), command
 * lines that dump credentials or clear logs (data/detect/attack_commands.tsv), and
 * directory replication requested by a user account, not a domain controller (4662, DCSync).
 * Word lists live in data/detect.conf's [host-attack] section. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "detect/alert_util.h"
#include "detect/baseline.h"
#include "detect/detect.h"
#include "detect/uac_text.h"

#define DET "host-attack"
#define SEC "host-attack"
#define MAX_ROWS 128
#define DCOM_HOSTS 256
#define REG_READERS 256
#define REG_KEYS 16

typedef struct reg_row {
    char *path;   /* lower case, '\' separated ending */
    char *values; /* "*" or "v1|v2" */
    char *techniques, *what;
} reg_row;

typedef struct ha_state {
    const char *thread_sources_ok, *lsass_sources_ok, *lsass_masks, *logging_services;
    const char *acl_attributes, *system_task_prefixes, *group_enum_tools;
    const char *secret_keys, *secret_readers_ok, *privileged_groups, *risky_uac, *anonymous_subjects;
    const char *created_disabled, *creation_defaults;
    char *writable_paths, *remote_markers; /* lower case, owned */
    const char *script_hosts, *script_children, *script_extensions, *script_paths_ok, *remote_only;
    reg_row rows[MAX_ROWS]; /* registry values: path, values, techniques, what */
    size_t n_rows;
    reg_row pipes[MAX_ROWS]; /* RPC pipes: path = pipe name, values unused */
    size_t n_pipes;
    reg_row proxies[MAX_ROWS]; /* proxy-execution programs: path = file name */
    size_t n_proxies;
    reg_row commands[MAX_ROWS]; /* attack command lines: path = words joined by ';' */
    size_t n_commands;
    const char *replication_rights;
    const char *ldap_ports, *ldap_programs_ok;
    const char *dcom_programs;
    uac_table uac; /* UserAccountControl message ids and their texts, for titles */
    int64_t dcom_window_ns;
    /* The last network logon of a user account on each host (direct-mapped by the host's
       name), for programs started through DCOM right after it. */
    struct dcom_logon {
        uint64_t host;
        int64_t ts_ns;
        ts_ip src;
        char user[64];
    } logons[DCOM_HOSTS];
    uint32_t reg_query_min;
    int64_t reg_query_window_ns;
    /* Audited registry keys opened by each program outside Windows' folders (direct-mapped
       by host and program): the distinct keys of its current window. */
    struct reg_reader {
        uint64_t who;
        int64_t first_ns;
        uint32_t n;
        uint64_t keys[REG_KEYS];
    } readers[REG_READERS];
} ha_state;

static char lc(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* ASCII case-insensitive: a equals b; s starts with prefix. */
static bool ieq(ts_str a, ts_str b)
{
    if (a.n != b.n)
        return false;
    for (size_t i = 0; i < a.n; i++)
        if (lc(a.p[i]) != lc(b.p[i]))
            return false;
    return true;
}

static bool istarts(ts_str s, ts_str prefix)
{
    return s.n >= prefix.n && ieq(ts_str_make(s.p, prefix.n), prefix);
}

/* Whether the file name of path (or path itself) is in the comma-separated list. */
static bool name_in(const char *list, ts_str path)
{
    ts_str b = bl_basename(ts_str_trim(path)), it;
    if (!b.n)
        return false;
    for (const char *p = list; ts_str_next_item(&p, &it);)
        if (it.n && ieq(b, it))
            return true;
    return false;
}

static bool item_in(const char *list, ts_str v)
{
    ts_str it;
    v = ts_str_trim(v);
    for (const char *p = list; ts_str_next_item(&p, &it);)
        if (it.n && ieq(v, it))
            return true;
    return false;
}

/* Whether the lower-case text p[0..n) contains an item of the lower-case comma-separated list. */
static bool has_lower_item(const char *list, const char *p, size_t n)
{
    ts_str it;
    for (const char *q = list; ts_str_next_item(&q, &it);)
        if (it.n && memmem(p, n, it.p, it.n))
            return true;
    return false;
}

static char *dup_lower(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++)
        s[i] = lc(p[i]);
    s[n] = 0;
    return s;
}

/* Reads a tab-separated table of cols (3 or 4) columns into rows; the first column lower-cased.
 * With 3 columns there is no values column. */
static tocsin_code load_rows(reg_row *rows, size_t *n_rows, size_t cols, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return TOCSIN_E_IO;
    char line[1024];
    tocsin_code rc = TOCSIN_OK;
    while (fgets(line, sizeof line, f) && *n_rows < MAX_ROWS) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        char *col[4] = {line};
        size_t n = 1;
        for (char *p = line; *p && n < cols; p++)
            if (*p == '\t')
                *p = 0, col[n++] = p + 1;
        if (n < cols) {
            rc = TOCSIN_E_PARSE;
            break;
        }
        reg_row *r = &rows[*n_rows];
        size_t t = cols - 2; /* the techniques column */
        r->path = dup_lower(col[0], strlen(col[0]));
        r->values = dup_lower(cols == 4 ? col[1] : "*", cols == 4 ? strlen(col[1]) : 1);
        r->techniques = strdup(col[t]);
        r->what = strdup(col[t + 1]);
        (*n_rows)++;
        if (!r->path || !r->values || !r->techniques || !r->what) {
            rc = TOCSIN_E_NOMEM;
            break;
        }
    }
    fclose(f);
    return rc;
}

/* A table named by the [host-attack] key, else detect/NAME in the data directory. A table
 * that cannot be read is reported and left empty: the other behaviours still run. */
static void table_path(const ts_detect_ctx *ctx, const char *key, const char *name, char *path, size_t cap)
{
    const char *table = ts_config_get(ctx->config, SEC, key);
    if (table)
        snprintf(path, cap, "%s", table);
    else
        snprintf(path, cap, "%s/detect/%s", ctx->data_dir ? ctx->data_dir : TOCSIN_DATA_DIR, name);
}

static tocsin_code load_table(const ts_detect_ctx *ctx, const char *key, const char *name, size_t cols,
                              reg_row *rows, size_t *n)
{
    char path[1024];
    table_path(ctx, key, name, path, sizeof path);
    tocsin_code rc = load_rows(rows, n, cols, path);
    if (rc != TOCSIN_OK)
        ts_diag_say(ctx->diag, ctx->diag_ud, path, 0, 0, rc,
                    rc == TOCSIN_E_IO
                        ? "cannot read this host-attack table; its behaviour is off"
                        : "a row has too few tab-separated columns; the rest of the table is ignored");
    return rc == TOCSIN_E_NOMEM ? rc : TOCSIN_OK;
}

/* The UserAccountControl message texts (uac_message_table, else detect/uac_messages.tsv).
 * Without them the risky-flags alert still fires, its title showing Windows' ids. */
static tocsin_code load_uac(const ts_detect_ctx *ctx, uac_table *t)
{
    char path[1024];
    size_t line;
    table_path(ctx, "uac_message_table", "uac_messages.tsv", path, sizeof path);
    tocsin_code rc = uac_table_load(t, path, &line);
    if (rc != TOCSIN_OK)
        ts_diag_say(ctx->diag, ctx->diag_ud, path, rc == TOCSIN_E_PARSE ? line : 0, 0, rc,
                    rc == TOCSIN_E_IO
                        ? "cannot read the UserAccountControl texts; titles show Windows' ids"
                        : "not a line \"%%ID<TAB>flag<TAB>text\"; the rest of the table is ignored");
    return rc == TOCSIN_E_NOMEM ? rc : TOCSIN_OK;
}

/* Tunables: the [host-attack] section of data/detect.conf. A word list left out is empty
 * (nothing is exempt, nothing is a tool); a *_table left out is read from detect/ in the
 * data directory (load_table). */
typedef struct ha_settings {
    const char *thread_sources_ok, *lsass_sources_ok, *lsass_masks, *logging_services, *acl_attributes,
        *system_task_prefixes, *group_enum_tools, *secret_keys, *secret_readers_ok, *privileged_groups,
        *risky_uac, *created_disabled, *creation_defaults, *anonymous_subjects, *writable_paths,
        *remote_markers, *script_hosts, *script_children, *script_extensions, *script_paths_ok, *remote_only,
        *replication_rights, *ldap_ports, *ldap_programs_ok, *dcom_programs, *registry_table, *rpc_pipe_table,
        *proxy_exec_table, *attack_command_table, *uac_message_table;
    double dcom_window, registry_query_min, registry_query_window;
} ha_settings;

static const ts_tunable ha_tunables[] = {
    TS_TUNE_STR(ha_settings, thread_sources_ok, ""),
    TS_TUNE_STR(ha_settings, lsass_sources_ok, ""),
    TS_TUNE_STR(ha_settings, lsass_masks, ""),
    TS_TUNE_STR(ha_settings, logging_services, ""),
    TS_TUNE_STR(ha_settings, acl_attributes, ""),
    TS_TUNE_STR(ha_settings, system_task_prefixes, ""),
    TS_TUNE_STR(ha_settings, group_enum_tools, ""),
    TS_TUNE_STR(ha_settings, secret_keys, ""),
    TS_TUNE_STR(ha_settings, secret_readers_ok, ""),
    TS_TUNE_STR(ha_settings, privileged_groups, ""),
    TS_TUNE_STR(ha_settings, risky_uac, ""),
    TS_TUNE_STR(ha_settings, created_disabled, ""),
    TS_TUNE_STR(ha_settings, creation_defaults, ""),
    TS_TUNE_STR(ha_settings, anonymous_subjects, ""),
    TS_TUNE_STR(ha_settings, writable_paths, ""),
    TS_TUNE_STR(ha_settings, remote_markers, ""),
    TS_TUNE_STR(ha_settings, script_hosts, ""),
    TS_TUNE_STR(ha_settings, script_children, ""),
    TS_TUNE_STR(ha_settings, script_extensions, ""),
    TS_TUNE_STR(ha_settings, script_paths_ok, ""),
    TS_TUNE_STR(ha_settings, remote_only, ""),
    TS_TUNE_STR(ha_settings, replication_rights, ""),
    TS_TUNE_STR(ha_settings, ldap_ports, ""),
    TS_TUNE_STR(ha_settings, ldap_programs_ok, ""),
    TS_TUNE_STR(ha_settings, dcom_programs, ""),
    TS_TUNE(ha_settings, dcom_window, TS_TUNE_SECONDS, 120, 1, 86400),
    TS_TUNE(ha_settings, registry_query_min, TS_TUNE_COUNT, 4, 2, REG_KEYS),
    TS_TUNE(ha_settings, registry_query_window, TS_TUNE_SECONDS, 300, 1, 86400),
    TS_TUNE_STR(ha_settings, registry_table, NULL),
    TS_TUNE_STR(ha_settings, rpc_pipe_table, NULL),
    TS_TUNE_STR(ha_settings, proxy_exec_table, NULL),
    TS_TUNE_STR(ha_settings, attack_command_table, NULL),
    TS_TUNE_STR(ha_settings, uac_message_table, NULL),
    {0},
};

static tocsin_code ha_init(void *state, const ts_detect_ctx *ctx)
{
    ha_state *st = state;
    const ts_config *c = ctx->config;
    ha_settings tune;
    if (!ts_tune_read(c, SEC, ha_tunables, &tune))
        return TOCSIN_E_ARG;
    st->thread_sources_ok = tune.thread_sources_ok;
    st->lsass_sources_ok = tune.lsass_sources_ok;
    st->lsass_masks = tune.lsass_masks;
    st->logging_services = tune.logging_services;
    st->acl_attributes = tune.acl_attributes;
    st->system_task_prefixes = tune.system_task_prefixes;
    st->group_enum_tools = tune.group_enum_tools;
    st->secret_keys = tune.secret_keys;
    st->secret_readers_ok = tune.secret_readers_ok;
    st->privileged_groups = tune.privileged_groups;
    st->risky_uac = tune.risky_uac;
    st->created_disabled = tune.created_disabled;
    st->creation_defaults = tune.creation_defaults;
    st->anonymous_subjects = tune.anonymous_subjects;
    const char *wp = tune.writable_paths, *rm = tune.remote_markers;
    st->writable_paths = dup_lower(wp, strlen(wp));
    st->remote_markers = dup_lower(rm, strlen(rm));
    if (!st->writable_paths || !st->remote_markers)
        return TOCSIN_E_NOMEM;
    st->script_hosts = tune.script_hosts;
    st->script_children = tune.script_children;
    st->script_extensions = tune.script_extensions;
    st->script_paths_ok = tune.script_paths_ok;
    st->remote_only = tune.remote_only;
    st->replication_rights = tune.replication_rights;
    st->ldap_ports = tune.ldap_ports;
    st->ldap_programs_ok = tune.ldap_programs_ok;
    st->dcom_programs = tune.dcom_programs;
    st->dcom_window_ns = (int64_t)(tune.dcom_window * 1e9);
    st->reg_query_min = (uint32_t)tune.registry_query_min;
    st->reg_query_window_ns = (int64_t)(tune.registry_query_window * 1e9);
    tocsin_code rc = load_table(ctx, "registry_table", "registry_tamper.tsv", 4, st->rows, &st->n_rows);
    if (rc == TOCSIN_OK)
        rc = load_table(ctx, "rpc_pipe_table", "rpc_pipes.tsv", 3, st->pipes, &st->n_pipes);
    if (rc == TOCSIN_OK)
        rc = load_table(ctx, "proxy_exec_table", "proxy_exec.tsv", 3, st->proxies, &st->n_proxies);
    if (rc == TOCSIN_OK)
        rc = load_table(ctx, "attack_command_table", "attack_commands.tsv", 3, st->commands, &st->n_commands);
    if (rc == TOCSIN_OK)
        rc = load_uac(ctx, &st->uac);
    return rc;
}

static void free_rows(reg_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].path);
        free(rows[i].values);
        free(rows[i].techniques);
        free(rows[i].what);
    }
}

static void ha_fini(void *state)
{
    ha_state *st = state;
    free_rows(st->rows, st->n_rows);
    free_rows(st->pipes, st->n_pipes);
    free_rows(st->proxies, st->n_proxies);
    free_rows(st->commands, st->n_commands);
    uac_table_free(&st->uac);
    free(st->writable_paths);
    free(st->remote_markers);
}

static void emit(const ts_event *ev, uint8_t sev, const char *tech, const char *kind, ts_str what,
                 char *title, const ts_alert_sink *out)
{
    if (!title)
        return;
    bl_emit(out, DET, ev, sev, tech,
            ts_fmt_alloc("%s|%s|%.*s|%.*s", DET, kind, TS_STR_CUT(ev->host, 160), TS_STR_CUT(what, 160)),
            title);
}

/* Sysmon 8: a thread started in another process. */
static void remote_thread(const ha_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str src = ts_event_field(ev, "SourceImage"), dst = ts_event_field(ev, "TargetImage");
    if (!src.n || name_in(st->thread_sources_ok, src) || ieq(src, dst))
        return;
    ts_str fn = ts_event_field(ev, "StartFunction");
    bool loadlib = bl_icontains(fn, "LoadLibrary");
    emit(ev, 70, loadlib ? "T1055,T1055.001" : "T1055", "remote-thread", src,
         ts_fmt_alloc("%.*s started a thread in %.*s%s", TS_STR_CUT(src, 160), TS_STR_CUT(dst, 160),
                      loadlib ? " at LoadLibrary (DLL injection)" : " (code injection)"),
         out);
}

/* Sysmon 10: a process opened LSASS with rights that read its memory. */
static void lsass_access(const ha_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str dst = ts_event_field(ev, "TargetImage");
    if (!ts_str_ieq(bl_basename(dst), "lsass.exe"))
        return;
    ts_str src = ts_event_field(ev, "SourceImage"), mask = ts_event_field(ev, "GrantedAccess");
    bool unknown = bl_icontains(ts_event_field(ev, "CallTrace"), "UNKNOWN");
    if (name_in(st->lsass_sources_ok, src) || !(item_in(st->lsass_masks, mask) || unknown))
        return;
    emit(ev, unknown ? 80 : 70, "T1003.001", "lsass", src,
         ts_fmt_alloc("%.*s opened LSASS with access %.*s%s", TS_STR_CUT(src, 160), TS_STR_CUT(mask, 160),
                      unknown ? " from code outside any module (UNKNOWN call-trace frame)" : ""),
         out);
}

/* "DWORD (0x00000001)" -> "1"; other values as written, lower case. */
static void value_text(ts_str v, char *buf, size_t cap)
{
    v = ts_str_trim(v);
    if (ts_str_istarts(v, "DWORD (0x") && v.n > 10) {
        unsigned long long x = 0;
        size_t i = 9;
        for (; i < v.n && x < (1ull << 60); i++) {
            char c = lc(v.p[i]);
            if (c >= '0' && c <= '9')
                x = x * 16 + (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                x = x * 16 + (unsigned)(c - 'a' + 10);
            else
                break;
        }
        if (i < v.n && v.p[i] == ')') {
            snprintf(buf, cap, "%llu", x);
            return;
        }
    }
    size_t n = v.n < cap - 1 ? v.n : cap - 1;
    for (size_t i = 0; i < n; i++)
        buf[i] = lc(v.p[i]);
    buf[n] = 0;
}

static bool value_matches(const char *values, const char *v)
{
    if (!strcmp(values, "*"))
        return true;
    size_t n = strlen(v);
    for (const char *p = values; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && !memcmp(p, v, n))
            return true;
        p += len + (bar != NULL);
    }
    return false;
}

/* Sysmon 12/13 (TargetObject, Details) and Security 4657 (ObjectName\ObjectValueName, NewValue). */
static void registry(const ha_state *st, const ts_event *ev, bool sysmon, const ts_alert_sink *out)
{
    char key[1024], val[128];
    ts_str target, v;
    if (sysmon) {
        target = ts_event_field(ev, "TargetObject");
        v = ts_event_field(ev, "Details");
        ts_str type = ts_event_field(ev, "EventType");
        if (bl_icontains(type, "Delete"))
            return;
        snprintf(key, sizeof key, "%.*s", TS_STR_CUT(target, 1000));
    } else {
        ts_str obj = ts_event_field(ev, "ObjectName"), name = ts_event_field(ev, "ObjectValueName");
        v = ts_event_field(ev, "NewValue");
        snprintf(key, sizeof key, "%.*s\\%.*s", TS_STR_CUT(obj, 800), TS_STR_CUT(name, 200));
    }
    size_t kn = strlen(key);
    if (!kn)
        return;
    for (size_t i = 0; i < kn; i++)
        key[i] = lc(key[i]);
    value_text(v, val, sizeof val);
    for (size_t i = 0; i < st->n_rows; i++) {
        const reg_row *r = &st->rows[i];
        size_t pn = strlen(r->path);
        if (kn < pn || memcmp(key + kn - pn, r->path, pn) != 0 || (kn > pn && key[kn - pn - 1] != '\\'))
            continue;
        if (strcmp(r->values, "*") != 0 && (!v.n || !value_matches(r->values, val)))
            continue;
        ts_str img = sysmon ? ts_event_field(ev, "Image") : ts_event_field(ev, "ProcessName");
        emit(ev, 70, r->techniques, "registry", ts_str_c(r->path),
             ts_fmt_alloc("%s: %s set to %s by %.*s", r->what, key, val[0] ? val : "(created)",
                          TS_STR_CUT(img, 160)),
             out);
        return;
    }
}

/* System 7040 (start type changed) and 7036 (state changed) of a logging service. */
static void service_change(const ha_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str svc = ts_event_field(ev, "param1"), state = ts_event_field(ev, "param3");
    if (ev->code == 7036)
        state = ts_event_field(ev, "param2");
    if (!item_in(st->logging_services, svc))
        return;
    bool bad = ev->code == 7040 ? (bl_icontains(state, "disabled") || bl_icontains(state, "demand"))
                                : bl_icontains(state, "stopped");
    if (!bad)
        return;
    emit(ev, 70, "T1685.001,T1489", "logging-service", svc,
         ts_fmt_alloc("logging service %.*s %s: %.*s", TS_STR_CUT(svc, 160),
                      ev->code == 7040 ? "start type set" : "entered state", TS_STR_CUT(state, 160)),
         out);
}

static bool machine_account(ts_str u)
{
    return u.n && u.p[u.n - 1] == '$';
}

/* Whether s ends with one of the comma-separated endings (case-insensitive, at a '\\'). */
static bool ends_with_item(const char *list, ts_str s)
{
    ts_str it;
    for (const char *p = list; ts_str_next_item(&p, &it);)
        if (it.n && s.n >= it.n && ieq(ts_str_make(s.p + s.n - it.n, it.n), it) &&
            (s.n == it.n || s.p[s.n - it.n - 1] == '\\'))
            return true;
    return false;
}

/* 4656/4663: the keys holding the boot key and the SAM/LSA secrets, opened by a program that
 * is not part of Windows' handling of them (reg.exe save, powerdump, secretsdump do this). */
static void secret_read(const ha_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str obj = ts_event_field(ev, "ObjectName"), proc = ts_event_field(ev, "ProcessName");
    if (!ts_str_eq(ts_event_field(ev, "ObjectType"), "Key") || !ends_with_item(st->secret_keys, obj) ||
        name_in(st->secret_readers_ok, proc))
        return;
    emit(ev, 70, "T1003.002,T1003.004", "secret-key", proc,
         ts_fmt_alloc("%.*s opened %.*s (SAM and LSA secrets' keys)", TS_STR_CUT(proc, 160),
                      TS_STR_CUT(obj, 160)),
         out);
}

/* 4656/4663 on registry keys whose reading is audited, by a program in a user-writable place:
 * registry_query_min distinct keys within registry_query_window is a recon tool going through
 * the machine's configuration (Seatbelt, WinPEAS), T1012. Installed software reads from its
 * own folders; one key or two is a .NET program starting. */
static void registry_query(ha_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str obj = ts_str_trim(ts_event_field(ev, "ObjectName")),
           proc = ts_str_trim(ts_event_field(ev, "ProcessName"));
    if (!obj.n || !proc.n || !ts_str_eq(ts_event_field(ev, "ObjectType"), "Key"))
        return;
    char low[1024];
    size_t ln = proc.n < sizeof low ? proc.n : sizeof low;
    for (size_t i = 0; i < ln; i++)
        low[i] = lc(proc.p[i]);
    if (!has_lower_item(st->writable_paths, low, ln))
        return;
    uint64_t who = bl_hash(proc, bl_hash(ev->host, BL_SEED)), key = bl_hash(obj, BL_SEED);
    struct reg_reader *r = &st->readers[who % REG_READERS];
    if (r->who != who || ev->ts_ns - r->first_ns > st->reg_query_window_ns || ev->ts_ns < r->first_ns)
        *r = (struct reg_reader){.who = who, .first_ns = ev->ts_ns};
    for (uint32_t i = 0; i < r->n; i++)
        if (r->keys[i] == key)
            return;
    if (r->n < REG_KEYS)
        r->keys[r->n++] = key;
    if (r->n != st->reg_query_min)
        return;
    emit(ev, 50, "T1012", "registry-query", proc,
         ts_fmt_alloc(
             "%.*s, in a user-writable place, read %u audited registry keys on %.*s within %.0f s, the "
             "last %.*s: registry discovery",
             TS_STR_CUT(proc, 160), (unsigned)r->n, TS_STR_CUT(ev->host, 160),
             (double)(ev->ts_ns - r->first_ns) / 1e9, TS_STR_CUT(obj, 160)),
         out);
}

/* 5145: an RPC interface's pipe on IPC$ reached from another host by a user account. */
static void rpc_pipe(const ha_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str share = ts_event_field(ev, "ShareName"),
           pipe = ts_str_trim(ts_event_field(ev, "RelativeTargetName"));
    if (!ts_str_iends(share, "IPC$") || !ev->user.n || machine_account(ev->user) ||
        item_in(st->anonymous_subjects, ev->user))
        return;
    for (size_t i = 0; i < st->n_pipes; i++) {
        const reg_row *r = &st->pipes[i];
        if (!ieq(pipe, ts_str_c(r->path)))
            continue;
        ts_str src = ts_event_field(ev, "IpAddress");
        emit(ev, 40, r->techniques, "rpc-pipe", pipe,
             ts_fmt_alloc("%.*s reached %s on %.*s from %.*s: %s", TS_STR_CUT(ev->user, 160), r->path,
                          TS_STR_CUT(ev->host, 160), TS_STR_CUT(src, 160), r->what),
             out);
        return;
    }
}

/* Account management (4720-4767, 4742): by an anonymous logon (Zerologon resets a domain
 * controller's machine password so), members added to privileged groups, risky flags. */
static void account_change(const ha_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str target = ts_event_field(ev, "TargetUserName");
    ts_str subject = ts_event_field(ev, "SubjectUserName");
    if (item_in(st->anonymous_subjects, subject) ||
        ts_str_eq(ts_event_field(ev, "SubjectUserSid"), "S-1-5-7")) {
        emit(ev, 90, ev->code == 4742 ? "T1210,T1098" : "T1098", "anonymous-account-change", target,
             ts_fmt_alloc("account %.*s changed by an anonymous logon (event %u) on %.*s: Zerologon-like",
                          TS_STR_CUT(target, 160), ev->code, TS_STR_CUT(ev->host, 160)),
             out);
        return;
    }
    if ((ev->code == 4728 || ev->code == 4732 || ev->code == 4756) &&
        item_in(st->privileged_groups, target)) {
        ts_str member = ts_event_field(ev, "MemberName");
        emit(ev, 70, "T1098.007", "privileged-group", target,
             ts_fmt_alloc("%.*s added %.*s to %.*s on %.*s", TS_STR_CUT(subject, 160),
                          TS_STR_CUT(member, 160), TS_STR_CUT(target, 160), TS_STR_CUT(ev->host, 160)),
             out);
        return;
    }
    if (ev->code == 4738 || ev->code == 4720) {
        ts_str uac = ts_event_field(ev, "UserAccountControl"), it;
        /* Windows creates an account disabled and without a password first (SAMR), then sets
           both: those flags of a new, disabled account are its creation, not a weakening. */
        bool created_disabled = false;
        for (const char *p = st->created_disabled; ev->code == 4720 && ts_str_next_item(&p, &it);)
            created_disabled =
                created_disabled || (it.n && uac.n >= it.n && memmem(uac.p, uac.n, it.p, it.n));
        for (const char *p = st->risky_uac; ts_str_next_item(&p, &it);)
            if (it.n && uac.n >= it.n && memmem(uac.p, uac.n, it.p, it.n) &&
                !(created_disabled && item_in(st->creation_defaults, it))) {
                char flags[320];
                emit(ev, 60, "T1098,T1558.004", "risky-flags", target,
                     ts_fmt_alloc("%.*s set risky flags on %.*s: %s", TS_STR_CUT(subject, 160),
                                  TS_STR_CUT(target, 160), uac_describe(&st->uac, uac, flags, sizeof flags)),
                     out);
                return;
            }
    }
}

/* Whether s contains needle (case-insensitive). */
static bool icontains(ts_str s, ts_str needle)
{
    for (size_t i = 0; needle.n && i + needle.n <= s.n; i++)
        if (ieq(ts_str_make(s.p + i, needle.n), needle))
            return true;
    return false;
}

/* Whether s contains one of the comma-separated words (case-insensitive). */
static bool contains_item(const char *list, ts_str s)
{
    ts_str it;
    for (const char *p = list; ts_str_next_item(&p, &it);)
        if (icontains(s, it))
            return true;
    return false;
}

/* Sysmon 3: a program in a user-writable place (a dropped implant, SharpHound, ADFind run from
 * Downloads) querying the directory over LDAP: domain account and group discovery. Windows'
 * and installed software's LDAP clients live in their own folders. */
static void ldap_query(const ha_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str proc = ts_str_trim(ev->process), name = bl_basename(proc);
    char port[8];
    int pn = snprintf(port, sizeof port, "%u", (unsigned)ev->dst_port);
    if (!name.n || !ev->dst_port || !item_in(st->ldap_ports, ts_str_make(port, (size_t)pn)) ||
        name_in(st->ldap_programs_ok, proc))
        return;
    char low[1024];
    size_t ln = proc.n < sizeof low ? proc.n : sizeof low;
    for (size_t i = 0; i < ln; i++)
        low[i] = lc(proc.p[i]);
    if (!has_lower_item(st->writable_paths, low, ln))
        return;
    char dst[TS_IP_STRLEN];
    emit(ev, 50, "T1087.002,T1069.002", "ldap-from-writable", proc,
         ts_fmt_alloc(
             "%.*s, in a user-writable place, queried the directory over LDAP (%s:%u) from %.*s%s%.*s: "
             "domain account and group discovery",
             TS_STR_CUT(proc, 160), ts_ip_format(&ev->dst_ip, dst), (unsigned)ev->dst_port,
             TS_STR_CUT(ev->host, 160), ev->user.n ? " as " : "", TS_STR_CUT(ev->user, 160)),
         out);
}

/* 127/8 or ::1: the host logging on to itself. */
static bool loopback(const ts_ip *ip)
{
    static const uint8_t v6[16] = {[15] = 1};
    return ip->v == 4 ? ip->b[0] == 127 : memcmp(ip->b, v6, 16) == 0;
}

/* A network logon (4624 type 3) of a user account from another address: remembered for its
 * host, to see what it starts. */
static void note_logon(ha_state *st, const ts_event *ev)
{
    if (!ev->user.n || machine_account(ev->user) || !ev->src_ip.v || loopback(&ev->src_ip) ||
        item_in(st->anonymous_subjects, ev->user))
        return;
    uint64_t h = bl_hash(ev->host, BL_SEED);
    struct dcom_logon *l = &st->logons[h % DCOM_HOSTS];
    l->host = h;
    l->ts_ns = ev->ts_ns;
    l->src = ev->src_ip;
    size_t n = ts_utf8_cut(ev->user, sizeof l->user - 1); /* every network logon: no printf */
    memcpy(l->user, ev->user.p, n);
    l->user[n] = '\0';
}

/* A program that serves DCOM objects (Excel.Application, MMC20.Application ...) started by
 * DCOM's launcher ("-Embedding") within dcom_window of a network logon of a user account on
 * the same host: it was started from that other machine (DCOM lateral movement). Started
 * so with no one logging on over the network, it is a local program automating Office. */
static void dcom_start(const ha_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str img = ts_str_trim(ev->process), name = bl_basename(img);
    if (!name.n || !name_in(st->dcom_programs, img) || !icontains(ev->command_line, TS_STR_LIT("-embedding")))
        return;
    uint64_t h = bl_hash(ev->host, BL_SEED);
    const struct dcom_logon *l = &st->logons[h % DCOM_HOSTS];
    if (l->host != h || ev->ts_ns < l->ts_ns || ev->ts_ns - l->ts_ns > st->dcom_window_ns)
        return;
    char src[TS_IP_STRLEN];
    ts_alert *a = bl_alert(
        DET, ev, 60, "T1021.003",
        ts_fmt_alloc("%s|dcom|%.*s|%.*s", DET, TS_STR_CUT(ev->host, 160), TS_STR_CUT(name, 160)),
        ts_fmt_alloc(
            "%.*s started through DCOM on %.*s %.0f s after a network logon of %s from %s: DCOM lateral "
            "movement: %.*s",
            TS_STR_CUT(name, 160), TS_STR_CUT(ev->host, 160), (double)(ev->ts_ns - l->ts_ns) / 1e9, l->user,
            ts_ip_format(&l->src, src), TS_STR_CUT(ev->command_line, 160)));
    if (!a)
        return;
    a->remote_ip = l->src; /* the machine it came from */
    a->direction = TS_DIR_INTERNAL;
    out->emit(out->ud, a);
}

/* Sysmon 1 / 4688. */
static void process_start(const ha_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str img = bl_basename(ts_str_trim(ev->process)), cmd = ev->command_line;
    if (!img.n)
        return;
    /* The command line in lower case once (the tables are), searched with memmem. */
    char low[4096];
    size_t ln = cmd.n < sizeof low ? cmd.n : sizeof low;
    for (size_t i = 0; i < ln; i++)
        low[i] = lc(cmd.p[i]);
    /* A proxy-execution program handed a user-writable file, a URL or an inline script. The
     * program's own path does not count: what follows its name is searched. */
    for (size_t i = 0; i < st->n_proxies; i++) {
        const reg_row *r = &st->proxies[i];
        size_t pn = strlen(r->path);
        if (!ieq(img, ts_str_make(r->path, pn)))
            continue;
        const char *name = memmem(low, ln, r->path, pn);
        size_t at = name ? (size_t)(name - low) + pn : 0;
        bool writable =
            !name_in(st->remote_only, img) && has_lower_item(st->writable_paths, low + at, ln - at);
        if (writable || has_lower_item(st->remote_markers, low + at, ln - at))
            emit(ev, 60, r->techniques, "proxy-exec", img,
                 ts_fmt_alloc("%.*s ran %s from a user-writable place or the network on %.*s: %.*s",
                              TS_STR_CUT(img, 160), r->what, TS_STR_CUT(ev->host, 160), TS_STR_CUT(cmd, 160)),
                 out);
        break;
    }
    /* A command line of the table: all its words. */
    for (size_t i = 0; i < st->n_commands && ln; i++) {
        const reg_row *r = &st->commands[i];
        bool all = true;
        for (const char *w = r->path; all && *w;) {
            size_t wn = strcspn(w, ";");
            all = wn && memmem(low, ln, w, wn);
            w += wn + (w[wn] == ';');
        }
        if (all) {
            emit(ev, 70, r->techniques, "command", ts_str_c(r->path),
                 ts_fmt_alloc("%s on %.*s: %.*s", r->what, TS_STR_CUT(ev->host, 160), TS_STR_CUT(cmd, 160)),
                 out);
            break;
        }
    }
    /* A script host starting a shell: the script's language from its file name. */
    ts_str parent = ev->parent_process;
    if (!name_in(st->script_hosts, parent) || !name_in(st->script_children, img))
        return;
    ts_str pcmd = ts_event_field(ev, "ParentCommandLine");
    if (contains_item(st->script_paths_ok, pcmd))
        return;
    char tech[64] = "T1059";
    ts_str it;
    for (const char *p = st->script_extensions; ts_str_next_item(&p, &it);) {
        const char *colon = memchr(it.p, ':', it.n);
        if (!colon)
            continue;
        ts_str ext = ts_str_make(it.p, (size_t)(colon - it.p));
        if (ext.n && icontains(pcmd, ext)) {
            snprintf(tech, sizeof tech, "%.*s", (int)(it.n - ext.n - 1), colon + 1);
            break;
        }
    }
    emit(ev, 60, tech, "script-host", parent,
         ts_fmt_alloc("script host %.*s started %.*s on %.*s: %.*s", TS_STR_CUT(parent, 160),
                      TS_STR_CUT(img, 160), TS_STR_CUT(ev->host, 160), TS_STR_CUT(pcmd.n ? pcmd : cmd, 160)),
         out);
}

static void ha_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    const ha_state *st = state;
    if (!ev->has_code)
        return;
    /* What the event is, whoever wrote it (Sysmon, 4688, a Linux Sysmon, another reader). */
    if (ts_str_eq(ev->action, "process-created")) {
        process_start(st, ev, out);
        dcom_start(st, ev, out);
        return;
    }
    if (ev->logon_type == 3 && ev->outcome != TS_OUTCOME_FAILURE && ts_str_eq(ev->action, "logon")) {
        note_logon(state, ev);
        return;
    }
    if (ts_str_eq(ev->action, "create-remote-thread")) {
        remote_thread(st, ev, out);
        return;
    }
    if (ts_str_eq(ev->action, "process-access")) {
        lsass_access(st, ev, out);
        return;
    }
    if (ts_str_eq(ev->action, "network-connection")) {
        ldap_query(st, ev, out);
        return;
    }
    if (ts_str_eq(ev->action, "registry-event") || ts_str_eq(ev->action, "registry-value-set")) {
        registry(st, ev, true, out);
        return;
    }
    if (ts_str_eq(ev->action, "service-state-changed") ||
        ts_str_eq(ev->action, "service-start-type-changed")) {
        service_change(st, ev, out);
        return;
    }
    /* The Windows audit events below, as the reader recognised them (it names each one's
       action: "audit-policy-changed", "directory-object-access", ...); an ID it did not
       recognise as such (another log's event 4657) has no action and is not judged. */
    if (ev->action.n) {
        switch (ev->code) {
        case 4657:
            registry(st, ev, false, out);
            break;
        case 4719: {
            ts_str cat = ts_event_field(ev, "SubcategoryGuid"),
                   chg = ts_event_field(ev, "AuditPolicyChanges");
            if (bl_icontains(chg, "removed") || bl_icontains(chg, "%%8448") || bl_icontains(chg, "%%8450"))
                emit(ev, 60, "T1685.001", "audit-policy", cat,
                     ts_fmt_alloc("audit policy weakened on %.*s by %.*s: %.*s", TS_STR_CUT(ev->host, 160),
                                  TS_STR_CUT(ev->user, 160), TS_STR_CUT(chg, 160)),
                     out);
            break;
        }
        case 5136: {
            ts_str attr = ts_event_field(ev, "AttributeLDAPDisplayName"),
                   obj = ts_event_field(ev, "ObjectDN");
            if (item_in(st->acl_attributes, attr) && !machine_account(ev->user))
                emit(ev, 60, "T1222.001,T1484", "directory-acl", obj,
                     ts_fmt_alloc("%.*s rewrote %.*s of %.*s", TS_STR_CUT(ev->user, 160),
                                  TS_STR_CUT(attr, 160), TS_STR_CUT(obj, 160)),
                     out);
            break;
        }
        case 4698:
        case 4702: {
            ts_str task = ts_event_field(ev, "TaskName"), it;
            if (!ev->user.n || machine_account(ev->user))
                break;
            for (const char *p = st->system_task_prefixes; ts_str_next_item(&p, &it);)
                if (it.n && istarts(task, it)) {
                    emit(ev, 60, "T1053.005", "system-task", task,
                         ts_fmt_alloc("%.*s %s Windows system task %.*s on %.*s", TS_STR_CUT(ev->user, 160),
                                      ev->code == 4698 ? "created" : "changed", TS_STR_CUT(task, 160),
                                      TS_STR_CUT(ev->host, 160)),
                         out);
                    break;
                }
            break;
        }
        case 4656:
        case 4663:
            secret_read(st, ev, out);
            registry_query(state, ev, out);
            break;
        case 5145:
            rpc_pipe(st, ev, out);
            break;
        case 4720:
        case 4722:
        case 4724:
        case 4728:
        case 4732:
        case 4738:
        case 4742:
        case 4756:
            account_change(st, ev, out);
            break;
        case 4662: {
            /* Replication rights exercised on the domain by an account that is not a DC's. */
            ts_str props = ts_event_field(ev, "Properties"), subject = ts_event_field(ev, "SubjectUserName");
            if (subject.n && !machine_account(subject) && contains_item(st->replication_rights, props))
                emit(ev, 80, "T1003.006", "dcsync", subject,
                     ts_fmt_alloc("%.*s requested directory replication on %.*s (DCSync): %.*s",
                                  TS_STR_CUT(subject, 160), TS_STR_CUT(ev->host, 160),
                                  TS_STR_CUT(props, 160)),
                     out);
            break;
        }
        case 4799: {
            ts_str caller = ts_event_field(ev, "CallerProcessName"),
                   grp = ts_event_field(ev, "TargetUserName");
            if (name_in(st->group_enum_tools, caller))
                emit(ev, 40, "T1069.001", "group-enum", grp,
                     ts_fmt_alloc("%.*s listed the members of local group %.*s on %.*s",
                                  TS_STR_CUT(caller, 160), TS_STR_CUT(grp, 160), TS_STR_CUT(ev->host, 160)),
                     out);
            break;
        }
        }
    }
}

const ts_detector ts_detector_host_attack = {
    .name = DET,
    .tunables = ha_tunables,
    .summary =
        "single Windows events that are attack steps: injection, LSASS reads, registry and logging tampering",
    .state_size = sizeof(ha_state),
    .init = ha_init,
    .event = ha_event,
    .finish = NULL,
    .fini = ha_fini,
};
