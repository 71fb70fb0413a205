/* host_attack.c: single Windows events that are an attack step by themselves, whatever the
 * baseline: code injection into another process (Sysmon 8), LSASS opened for reading by an
 * unusual program (Sysmon 10), registry values that weaken credential protection or logging
 * (Sysmon 12/13, Security 4657; the table is data/detect/registry_tamper.tsv), the event log
 * service disabled or stopped (System 7040/7036), audit policy changed (4719), permissions
 * of a directory object rewritten (5136 nTSecurityDescriptor), a Windows system task changed
 * by a user account (4698/4702), and local groups enumerated by a recon tool (4799).
 * Word lists live in data/detect.conf's [host-attack] section. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "detect/alert_util.h"
#include "detect/baseline.h"
#include "detect/detect.h"

#define DET "host-attack"
#define SEC "host-attack"
#define MAX_ROWS 128

typedef struct reg_row {
    char *path;   /* lower case, '\' separated ending */
    char *values; /* "*" or "v1|v2" */
    char *techniques, *what;
} reg_row;

typedef struct ha_state {
    const char *thread_sources_ok, *lsass_sources_ok, *lsass_masks, *logging_services;
    const char *acl_attributes, *system_task_prefixes, *group_enum_tools;
    reg_row rows[MAX_ROWS];
    size_t n_rows;
} ha_state;

/* A word list of data/detect.conf; none: empty (nothing is exempt, nothing is a tool). */
static const char *conf(const ts_config *c, const char *key)
{
    const char *v = ts_config_get(c, SEC, key);
    return v ? v : "";
}

static char lc(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

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

static bool istarts(ts_str s, ts_str prefix) { return s.n >= prefix.n && ieq(ts_str_make(s.p, prefix.n), prefix); }

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

static tocsin_code load_rows(ha_state *st, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return TOCSIN_E_IO;
    char line[1024];
    tocsin_code rc = TOCSIN_OK;
    while (fgets(line, sizeof line, f) && st->n_rows < MAX_ROWS) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        char *col[4] = {line};
        size_t n = 1;
        for (char *p = line; *p && n < 4; p++)
            if (*p == '\t')
                *p = 0, col[n++] = p + 1;
        if (n < 4) {
            rc = TOCSIN_E_PARSE;
            break;
        }
        reg_row *r = &st->rows[st->n_rows];
        r->path = dup_lower(col[0], strlen(col[0]));
        r->values = dup_lower(col[1], strlen(col[1]));
        r->techniques = strdup(col[2]);
        r->what = strdup(col[3]);
        st->n_rows++;
        if (!r->path || !r->values || !r->techniques || !r->what) {
            rc = TOCSIN_E_NOMEM;
            break;
        }
    }
    fclose(f);
    return rc;
}

static tocsin_code ha_init(void *state, const ts_detect_ctx *ctx)
{
    ha_state *st = state;
    const ts_config *c = ctx->config;
    st->thread_sources_ok = conf(c, "thread_sources_ok");
    st->lsass_sources_ok = conf(c, "lsass_sources_ok");
    st->lsass_masks = conf(c, "lsass_masks");
    st->logging_services = conf(c, "logging_services");
    st->acl_attributes = conf(c, "acl_attributes");
    st->system_task_prefixes = conf(c, "system_task_prefixes");
    st->group_enum_tools = conf(c, "group_enum_tools");
    char path[1024];
    const char *table = ts_config_get(c, SEC, "registry_table");
    if (table)
        snprintf(path, sizeof path, "%s", table);
    else
        snprintf(path, sizeof path, "%s/detect/registry_tamper.tsv", ctx->data_dir ? ctx->data_dir : TOCSIN_DATA_DIR);
    tocsin_code rc = load_rows(st, path);
    if (rc != TOCSIN_OK && ctx->diag)
        ctx->diag(ctx->diag_ud, path, 0, rc == TOCSIN_E_IO ? "cannot read the registry tampering table"
                                                          : "a row is not 'path<TAB>values<TAB>techniques<TAB>what'");
    return rc == TOCSIN_E_NOMEM ? rc : TOCSIN_OK;
}

static void ha_fini(void *state)
{
    ha_state *st = state;
    for (size_t i = 0; i < st->n_rows; i++) {
        free(st->rows[i].path);
        free(st->rows[i].values);
        free(st->rows[i].techniques);
        free(st->rows[i].what);
    }
}

static int clip(ts_str s) { return (int)(s.n > 160 ? 160 : s.n); }
static const char *ptr(ts_str s) { return s.p ? s.p : ""; }

static void emit(const ts_event *ev, uint8_t sev, const char *tech, const char *kind, ts_str what, char *title,
                 const ts_alert_sink *out)
{
    if (!title)
        return;
    bl_emit(out, DET, ev, sev, tech,
            ts_fmt_alloc("%s|%s|%.*s|%.*s", DET, kind, clip(ev->host), ptr(ev->host), clip(what), ptr(what)), title);
}

/* Sysmon 8: a thread started in another process. */
static void remote_thread(const ha_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str src = ts_event_field(ev, "SourceImage"), dst = ts_event_field(ev, "TargetImage");
    if (!src.n || name_in(st->thread_sources_ok, src) ||
        ieq(src, dst))
        return;
    ts_str fn = ts_event_field(ev, "StartFunction");
    bool loadlib = bl_icontains(fn, "LoadLibrary");
    emit(ev, 70, loadlib ? "T1055,T1055.001" : "T1055", "remote-thread", src,
         ts_fmt_alloc("%.*s started a thread in %.*s%s", clip(src), ptr(src), clip(dst), ptr(dst),
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
         ts_fmt_alloc("%.*s opened LSASS with access %.*s%s", clip(src), ptr(src), clip(mask), ptr(mask),
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
        snprintf(key, sizeof key, "%.*s", (int)(target.n < 1000 ? target.n : 1000), ptr(target));
    } else {
        ts_str obj = ts_event_field(ev, "ObjectName"), name = ts_event_field(ev, "ObjectValueName");
        v = ts_event_field(ev, "NewValue");
        snprintf(key, sizeof key, "%.*s\\%.*s", (int)(obj.n < 800 ? obj.n : 800), ptr(obj),
                 (int)(name.n < 200 ? name.n : 200), ptr(name));
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
             ts_fmt_alloc("%s: %s set to %s by %.*s", r->what, key, val[0] ? val : "(created)", clip(img),
                          img.n ? img.p : "?"),
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
         ts_fmt_alloc("logging service %.*s %s: %.*s", clip(svc), ptr(svc), ev->code == 7040 ? "start type set" : "entered state",
                      clip(state), ptr(state)),
         out);
}

static bool machine_account(ts_str u) { return u.n && u.p[u.n - 1] == '$'; }

static void ha_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    const ha_state *st = state;
    if (!ev->has_code || !ev->dataset.n || !ts_str_istarts(ev->dataset, "windows."))
        return;
    bool sysmon = ts_str_eq(ev->dataset, "windows.sysmon");
    bool security = ts_str_eq(ev->dataset, "windows.security");
    if (sysmon) {
        if (ev->code == 8)
            remote_thread(st, ev, out);
        else if (ev->code == 10)
            lsass_access(st, ev, out);
        else if (ev->code == 12 || ev->code == 13)
            registry(st, ev, true, out);
        return;
    }
    if (security) {
        switch (ev->code) {
        case 4657:
            registry(st, ev, false, out);
            break;
        case 4719: {
            ts_str cat = ts_event_field(ev, "SubcategoryGuid"), chg = ts_event_field(ev, "AuditPolicyChanges");
            if (bl_icontains(chg, "removed") || bl_icontains(chg, "%%8448") || bl_icontains(chg, "%%8450"))
                emit(ev, 60, "T1685.001", "audit-policy", cat,
                     ts_fmt_alloc("audit policy weakened on %.*s by %.*s: %.*s", clip(ev->host), ptr(ev->host),
                                  clip(ev->user), ptr(ev->user), clip(chg), ptr(chg)),
                     out);
            break;
        }
        case 5136: {
            ts_str attr = ts_event_field(ev, "AttributeLDAPDisplayName"), obj = ts_event_field(ev, "ObjectDN");
            if (item_in(st->acl_attributes, attr) && !machine_account(ev->user))
                emit(ev, 60, "T1222.001,T1484", "directory-acl", obj,
                     ts_fmt_alloc("%.*s rewrote %.*s of %.*s", clip(ev->user), ptr(ev->user), clip(attr), ptr(attr),
                                  clip(obj), ptr(obj)),
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
                         ts_fmt_alloc("%.*s %s Windows system task %.*s on %.*s", clip(ev->user), ptr(ev->user),
                                      ev->code == 4698 ? "created" : "changed", clip(task), ptr(task), clip(ev->host),
                                      ptr(ev->host)),
                         out);
                    break;
                }
            break;
        }
        case 4799: {
            ts_str caller = ts_event_field(ev, "CallerProcessName"), grp = ts_event_field(ev, "TargetUserName");
            if (name_in(st->group_enum_tools, caller))
                emit(ev, 40, "T1069.001", "group-enum", grp,
                     ts_fmt_alloc("%.*s listed the members of local group %.*s on %.*s",
                                  clip(caller), ptr(caller), clip(grp), ptr(grp), clip(ev->host), ptr(ev->host)),
                     out);
            break;
        }
        }
        return;
    }
    if (ts_str_eq(ev->dataset, "windows.system") && (ev->code == 7040 || ev->code == 7036))
        service_change(st, ev, out);
}

const ts_detector ts_detector_host_attack = {
    .name = DET,
    .summary = "single Windows events that are attack steps: injection, LSASS reads, registry and logging tampering",
    .state_size = sizeof(ha_state),
    .init = ha_init,
    .event = ha_event,
    .finish = NULL,
    .fini = ha_fini,
};
