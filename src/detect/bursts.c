/* bursts.c: many of one kind of act by one actor within minutes, where each act alone is
 * ordinary: Kerberoasting (many RC4 service tickets for distinct services, 4769), Kerberos
 * user enumeration (4768 "unknown principal" for many names) and password spraying (4771
 * pre-authentication failures, 4648 explicit credentials, for many accounts), and discovery
 * bursts (many distinct recon tools, data/detect/recon_tools.tsv, from one parent process
 * or logon session; Sysmon 1 and 4688). Thresholds live in data/detect.conf [bursts]. Each
 * actor's window starts at its first act and ends window seconds later; one alert per
 * window (a burst of a thousand is one alert). Memory: at most max_actors windows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "detect/alert_util.h"
#include "detect/baseline.h"
#include "detect/detect.h"

#define DET "bursts"
#define SEC "bursts"
#define MAX_TOOLS 64

enum kind { K_KERBEROAST = 1, K_ENUM, K_SPRAY_KRB, K_SPRAY_EXPLICIT, K_DISCOVERY };

typedef struct window {
    int64_t start;
    uint64_t tools; /* discovery: which rows of the tools table were seen */
    bool fired;
    bl_distinct d;
} window;

typedef struct tool {
    char *name, *techniques;
} tool;

typedef struct bursts_state {
    int64_t window_ns;
    uint32_t kerberoast_services, enum_accounts, spray_accounts, explicit_accounts, discovery_tools;
    uint32_t discovery_habit_tools; /* a lesser burst: a day of the host's habit (routine.c) */
    bl_map windows;
    tool tools[MAX_TOOLS];
    size_t n_tools;
} bursts_state;

static tocsin_code load_tools(bursts_state *st, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return TOCSIN_E_IO;
    char line[512];
    tocsin_code rc = TOCSIN_OK;
    while (fgets(line, sizeof line, f) && st->n_tools < MAX_TOOLS) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        if (!tab) {
            rc = TOCSIN_E_PARSE;
            break;
        }
        *tab = 0;
        tool *t = &st->tools[st->n_tools];
        t->name = strdup(line);
        t->techniques = strdup(tab + 1);
        st->n_tools++;
        if (!t->name || !t->techniques) {
            rc = TOCSIN_E_NOMEM;
            break;
        }
    }
    fclose(f);
    return rc;
}

/* Tunables: the [bursts] section of data/detect.conf. */
typedef struct bursts_settings {
    double window, kerberoast_services, enum_accounts, spray_accounts, explicit_accounts, discovery_tools,
        discovery_habit_tools, max_actors;
    const char *recon_tools;
} bursts_settings;

static const ts_tunable bursts_tunables[] = {
    TS_TUNE(bursts_settings, window, TS_TUNE_SECONDS, 600, 1, 30 * 86400.0),
    TS_TUNE(bursts_settings, kerberoast_services, TS_TUNE_COUNT, 5, 2, 96),
    TS_TUNE(bursts_settings, enum_accounts, TS_TUNE_COUNT, 10, 2, 96),
    TS_TUNE(bursts_settings, spray_accounts, TS_TUNE_COUNT, 10, 2, 96),
    TS_TUNE(bursts_settings, explicit_accounts, TS_TUNE_COUNT, 5, 2, 96),
    TS_TUNE(bursts_settings, discovery_tools, TS_TUNE_COUNT, 4, 2, 96),
    TS_TUNE(bursts_settings, discovery_habit_tools, TS_TUNE_COUNT, 2, 1, 96),
    TS_TUNE_STR(bursts_settings, recon_tools, NULL),
    TS_TUNE(bursts_settings, max_actors, TS_TUNE_COUNT, 100000, 16, 1e8),
    {0},
};

static tocsin_code bursts_init(void *state, const ts_detect_ctx *ctx)
{
    bursts_state *st = state;
    const ts_config *c = ctx->config;
    bursts_settings tune;
    if (!ts_tune_read(c, SEC, bursts_tunables, &tune))
        return TOCSIN_E_ARG;
    st->window_ns = (int64_t)(tune.window * BL_NS);
    st->kerberoast_services = (uint32_t)tune.kerberoast_services;
    st->enum_accounts = (uint32_t)tune.enum_accounts;
    st->spray_accounts = (uint32_t)tune.spray_accounts;
    st->explicit_accounts = (uint32_t)tune.explicit_accounts;
    st->discovery_tools = (uint32_t)tune.discovery_tools;
    st->discovery_habit_tools = (uint32_t)tune.discovery_habit_tools;
    uint32_t lim[] = {st->kerberoast_services, st->enum_accounts, st->spray_accounts, st->explicit_accounts,
                      st->discovery_tools};
    for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++)
        if (lim[i] < 2 || lim[i] > BL_DISTINCT_MAX)
            return TOCSIN_E_ARG;
    if (st->window_ns <= 0)
        return TOCSIN_E_ARG;
    char path[1024];
    const char *table = tune.recon_tools;
    if (table)
        snprintf(path, sizeof path, "%s", table);
    else
        snprintf(path, sizeof path, "%s/detect/recon_tools.tsv",
                 ctx->data_dir ? ctx->data_dir : TOCSIN_DATA_DIR);
    tocsin_code rc = load_tools(st, path);
    if (rc != TOCSIN_OK)
        ts_diag_say(ctx->diag, ctx->diag_ud, path, 0, 0, rc,
                    rc == TOCSIN_E_IO ? "cannot read the recon tools table; discovery bursts are off"
                                      : "a row is not 'program<TAB>techniques'; the rest is ignored");
    if (rc == TOCSIN_E_NOMEM)
        return rc;
    bl_map_init(&st->windows, sizeof(window), (size_t)tune.max_actors);
    return TOCSIN_OK;
}

static void bursts_fini(void *state)
{
    bursts_state *st = state;
    bl_map_free(&st->windows);
    for (size_t i = 0; i < st->n_tools; i++) {
        free(st->tools[i].name);
        free(st->tools[i].techniques);
    }
}

/* Counts value for actor's window of kind; true the first time the window reaches min. */
static window *count(bursts_state *st, enum kind k, ts_str host, ts_str actor, ts_str value, uint32_t min,
                     int64_t ts, bool *reached)
{
    *reached = false;
    uint64_t key = bl_hash(actor, bl_hash(host, bl_hash_u64(BL_SEED, (uint64_t)k)));
    window *w = bl_map_put(&st->windows, key, ts, NULL);
    if (!w)
        return NULL;
    if (!w->start || ts - w->start > st->window_ns || ts < w->start - st->window_ns) {
        memset(w, 0, sizeof *w);
        w->start = ts ? ts : 1;
    }
    bl_distinct_add(&w->d, (uint32_t)bl_hash(value, BL_SEED));
    if (!w->fired && w->d.n >= min) {
        w->fired = true;
        *reached = true;
    }
    return w;
}

static void alert(const bursts_state *st, const ts_event *ev, const char *kind, const char *tech, uint8_t sev,
                  ts_str actor, char *title, const ts_alert_sink *out)
{
    (void)st;
    bl_emit(out, DET, ev, sev, tech,
            ts_fmt_alloc("%s|%s|%.*s|%.*s", DET, kind, TS_STR_CUT(ev->host, 120), TS_STR_CUT(actor, 120)),
            title);
}

static bool rc4(ts_str t)
{
    return ts_str_eq(t, "0x17") || ts_str_eq(t, "0x18") || ts_str_eq(t, "23") || ts_str_eq(t, "24");
}

static void kerberos(bursts_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    bool hit;
    ts_str status = ts_event_field(ev, "Status"), target = ts_event_field(ev, "TargetUserName");
    ts_str src = ts_event_field(ev, "IpAddress");
    double mins = (double)st->window_ns / (60.0 * BL_NS);
    if (ev->code == 4769) {
        ts_str svc = ts_event_field(ev, "ServiceName");
        if (!rc4(ts_event_field(ev, "TicketEncryptionType")) || !ts_str_eq(status, "0x0") || !svc.n ||
            svc.p[svc.n - 1] == '$' || ts_str_ieq(svc, "krbtgt"))
            return;
        window *w = count(st, K_KERBEROAST, ev->host, target, svc, st->kerberoast_services, ev->ts_ns, &hit);
        if (hit)
            alert(st, ev, "kerberoast", "T1558.003", 70, target,
                  ts_fmt_alloc(
                      "%.*s requested RC4 service tickets for %u services within %.0f min (Kerberoasting)",
                      TS_STR_CUT(target, 120), w->d.n, mins),
                  out);
    } else if (ev->code == 4768 && ts_str_eq(status, "0x6")) {
        count(st, K_ENUM, ev->host, src, target, st->enum_accounts, ev->ts_ns, &hit);
        if (hit)
            alert(st, ev, "kerberos-enum", "T1087.002", 60, src,
                  ts_fmt_alloc(
                      "%.*s asked for TGTs of %u unknown account names within %.0f min (user enumeration)",
                      TS_STR_CUT(src, 120), st->enum_accounts, mins),
                  out);
    } else if ((ev->code == 4771 && ts_str_eq(status, "0x18")) ||
               (ev->code == 4768 && ts_str_eq(status, "0x18"))) {
        count(st, K_SPRAY_KRB, ev->host, src, target, st->spray_accounts, ev->ts_ns, &hit);
        if (hit)
            alert(st, ev, "kerberos-spray", "T1110.003", 70, src,
                  ts_fmt_alloc("%.*s failed Kerberos pre-authentication for %u accounts within %.0f min "
                               "(password spraying)",
                               TS_STR_CUT(src, 120), st->spray_accounts, mins),
                  out);
    }
}

/* 4648: one account supplying explicit credentials of many others. */
static void explicit_creds(bursts_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str subject = ts_event_field(ev, "SubjectUserName"), target = ts_event_field(ev, "TargetUserName");
    if (!subject.n || !target.n || target.p[target.n - 1] == '$' || ts_str_ieq(subject, "-"))
        return;
    bool hit;
    count(st, K_SPRAY_EXPLICIT, ev->host, subject, target, st->explicit_accounts, ev->ts_ns, &hit);
    if (hit)
        alert(st, ev, "explicit-spray", "T1110.003", 70, subject,
              ts_fmt_alloc(
                  "%.*s used explicit credentials of %u accounts on %.*s within %.0f min (password spraying)",
                  TS_STR_CUT(subject, 120), st->explicit_accounts, TS_STR_CUT(ev->host, 120),
                  (double)st->window_ns / (60.0 * BL_NS)),
              out);
}

/* Process starts: recon tools from one parent process (else one logon session). */
static void discovery(bursts_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str b = bl_basename(ts_str_trim(ev->process));
    size_t t = 0;
    while (t < st->n_tools && !ts_str_ieq(b, st->tools[t].name))
        t++;
    if (t == st->n_tools)
        return;
    ts_str actor = ts_event_field(ev, "ParentProcessGuid");
    if (!actor.n)
        actor = ts_event_field(ev, "ProcessId"); /* 4688: the creator's id */
    if (!actor.n)
        actor = ts_event_field(ev, "LogonId");
    if (!actor.n)
        actor = ts_event_field(ev, "SubjectLogonId");
    if (!actor.n)
        return;
    bool hit;
    window *w = count(st, K_DISCOVERY, ev->host, actor, ts_str_c(st->tools[t].name), st->discovery_tools,
                      ev->ts_ns, &hit);
    if (!w)
        return;
    w->tools |= 1ull << t;
    /* The alert's key is who ran them from what, not the one process: the admin's checks
       from cmd.exe, each run a new process, are the same alert, and a host's habit
       (correlate/routine.c) learns it, from the days with a lesser burst too. */
    ts_str user = ev->user.n ? ev->user : ts_event_field(ev, "SubjectUserName");
    ts_str pimg = bl_basename(ts_str_trim(ev->parent_process));
    char *key = ts_fmt_alloc("%s|discovery|%.*s|%.*s|%.*s", DET, TS_STR_CUT(ev->host, 120),
                             TS_STR_CUT(user, 120), TS_STR_CUT(pimg, 120));
    if (!key)
        return;
    if (!hit) {
        if (!w->fired && w->d.n >= st->discovery_habit_tools && out->habit)
            out->habit(out->ud, key, ev->ts_ns);
        free(key);
        return;
    }
    char tech[256] = "", names[256] = "";
    for (size_t i = 0; i < st->n_tools; i++) {
        if (!(w->tools >> i & 1))
            continue;
        size_t nl = strlen(names);
        snprintf(names + nl, sizeof names - nl, "%s%s", nl ? ", " : "", st->tools[i].name);
        ts_str it;
        for (const char *p = st->tools[i].techniques; ts_str_next_item(&p, &it);) {
            char one[32];
            if (!it.n || it.n >= sizeof one)
                continue;
            memcpy(one, it.p, it.n);
            one[it.n] = 0;
            size_t tl = strlen(tech);
            bool seen = false;
            for (const char *q = tech; (q = strstr(q, one)); q++)
                if ((q == tech || q[-1] == ',') && (q[it.n] == ',' || !q[it.n]))
                    seen = true;
            if (!seen && tl + it.n + 2 < sizeof tech)
                snprintf(tech + tl, sizeof tech - tl, "%s%s", tl ? "," : "", one);
        }
    }
    ts_str parent = ev->parent_process;
    bl_emit(out, DET, ev, 50, tech, key,
            ts_fmt_alloc("%u recon tools within %.0f min on %.*s from %.*s: %s", w->d.n,
                         (double)st->window_ns / (60.0 * BL_NS), TS_STR_CUT(ev->host, 120),
                         TS_STR_CUT(parent, 120), names));
}

static void bursts_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    bursts_state *st = state;
    if (!ev->has_code)
        return;
    if (ts_str_eq(ev->action, "kerberos-tgt-request") || ts_str_eq(ev->action, "kerberos-service-ticket") ||
        ts_str_eq(ev->action, "kerberos-preauth-failed"))
        kerberos(st, ev, out);
    else if (ts_str_eq(ev->action, "explicit-credential-logon"))
        explicit_creds(st, ev, out);
    else if (ts_str_eq(ev->action, "process-created"))
        discovery(st, ev, out);
}

const ts_detector ts_detector_bursts = {
    .name = DET,
    .tunables = bursts_tunables,
    .summary =
        "many acts by one actor within minutes: Kerberoasting, Kerberos enumeration and spraying, discovery",
    .state_size = sizeof(bursts_state),
    .init = bursts_init,
    .event = bursts_event,
    .finish = NULL,
    .fini = bursts_fini,
};
