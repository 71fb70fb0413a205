/* sigma.c: detector "sigma": the Sigma rule trees given with --rules, as alerts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "detect/alert_util.h"
#include "detect/detect.h"
#include "sigma/sigma.h"

/*
 * The rules are loaded and compiled once, at init; each event then goes through the
 * compiled set (src/sigma/engine.c). A hit is a TS_EV_RULE alert keyed by rule and host,
 * so the same rule firing on the same machine aggregates into one alert with a count.
 *
 * A regex only PCRE2 can run has a step budget ([sigma] in detect.conf). A rule whose
 * result hangs on a regex over budget "gives up" on the event: it is counted per rule and
 * shown in the hunt's summary with the first such event, and raises no alert. It is not
 * evidence that the rule's behaviour happened (an alert would feed incidents and
 * attribution with a technique the event may not show, and a costly regex on ordinary long
 * values would alert on every host); it is a hole in coverage the analyst must see, and
 * a value padded to make a rule miss leaves exactly this trace.
 *
 * Levels: a rule below [sigma] min_level (default medium, as Hayabusa shows low and
 * informational rules only when asked) still makes its alert, stored and shown in the
 * incident's timeline with the reason, but marked like a routine source's doing: not
 * raised, no weight in severity or attribution. SigmaHQ's low and informational rules say
 * themselves that their false positives are ordinary administration (a logoff, `net
 * user`, `nltest`); as alarms they would bury everything else, as context they help. */

typedef struct sigma_state {
    ts_sigma *set;
    ts_sigma_scratch *sc; /* keeps the correlations and give-ups; matches unless workers do */
    size_t loaded, refused;
    uint8_t min_sev;          /* rules below are kept in the timeline, not raised */
    uint32_t steps, give_ups; /* the regex budget, the same in every scratch */
} sigma_state;

/* Rules are counted as they load, for the summary and the progress line. */
typedef struct loading {
    sigma_state *s;
    const ts_detect_ctx *ctx;
} loading;

static void on_status(void *ud, const ts_sigma_status *st)
{
    loading *l = ud;
    if (st->loaded)
        l->s->loaded++;
    else
        l->s->refused++;
    if (l->ctx->progress && (l->s->loaded + l->s->refused) % 250 == 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "Sigma: %zu rules read", l->s->loaded + l->s->refused);
        l->ctx->progress(l->ctx->progress_ud, msg);
    }
}

/* Tunables: the [sigma] section of data/detect.conf. */
/* A problem of the whole set (compiling it) is told as one of the first rule tree given. */
static void set_diag(void *ud, const ts_diag *d)
{
    const ts_detect_ctx *ctx = ud;
    ts_diag_say(ctx->diag, ctx->diag_ud, d->file ? d->file : ctx->rules_dirs[0], d->line, d->record, d->code,
                d->msg);
}

typedef struct sigma_settings {
    double regex_steps, regex_give_ups;
    const char *min_level;
} sigma_settings;

static const ts_tunable sigma_tunables[] = {
    TS_TUNE(sigma_settings, regex_steps, TS_TUNE_COUNT, 1000000, 1000, 1e9),
    TS_TUNE(sigma_settings, regex_give_ups, TS_TUNE_COUNT, 4, 1, 1000),
    TS_TUNE_STR(sigma_settings, min_level, "medium"),
    {0},
};
static uint8_t severity(const char *level);

static tocsin_code sigma_init(void *state, const ts_detect_ctx *ctx)
{
    sigma_state *s = state;
    sigma_settings tune;
    if (!ts_tune_read(ctx->config, "sigma", sigma_tunables, &tune))
        return TOCSIN_E_ARG;
    char path[4096], err[512];
    if (!ctx->n_rules_dirs)
        return TOCSIN_OK;
    const char *min = tune.min_level;
    if (min && strcmp(min, "informational") && strcmp(min, "low") && strcmp(min, "medium") &&
        strcmp(min, "high") && strcmp(min, "critical")) {
        ts_diag_say(ctx->diag, ctx->diag_ud, "detect.conf", 0, 0, TOCSIN_E_ARG,
                    "[sigma] min_level is one of informational, low, medium, high, critical");
        return TOCSIN_E_ARG;
    }
    s->min_sev = severity(min ? min : "medium");
    snprintf(path, sizeof path, "%s/sigma/logsources.tsv", ctx->data_dir ? ctx->data_dir : ".");
    s->set = ts_sigma_new(path, ctx->diag, ctx->diag_ud);
    if (!s->set)
        return TOCSIN_E_IO;
    tocsin_code rc;
    if (ctx->sigma_placeholders && (rc = ts_sigma_load_placeholders(s->set, ctx->sigma_placeholders,
                                                                    ctx->diag, ctx->diag_ud)) != TOCSIN_OK)
        return rc;
    ts_sigma_set_threads(s->set, ctx->jobs);
    loading l = {s, ctx};
    for (size_t i = 0; i < ctx->n_rules_dirs; i++)
        if (ts_sigma_load_path(s->set, ctx->rules_dirs[i], on_status, &l) == TOCSIN_E_IO) {
            ts_diag_say(ctx->diag, ctx->diag_ud, ctx->rules_dirs[i], 0, 0, TOCSIN_E_IO,
                        "cannot read the Sigma rules");
            return TOCSIN_E_IO;
        }
    if (ctx->progress) {
        snprintf(err, sizeof err,
                 "Sigma: compiling %zu rules (kept in the cache directory for the next hunt)", s->loaded);
        ctx->progress(ctx->progress_ud, err);
    }
    if ((rc = ts_sigma_compile(s->set, set_diag, (void *)ctx)) != TOCSIN_OK)
        return rc;
    if (s->refused) {
        snprintf(err, sizeof err, "%zu Sigma rules loaded, %zu refused ('tocsin rules check DIR' says why)",
                 s->loaded, s->refused);
        ts_diag_say(ctx->diag, ctx->diag_ud, ctx->rules_dirs[0], 0, 0, TOCSIN_E_PARSE, err);
    }
    size_t idle = ts_sigma_idle_correlations(s->set, NULL, NULL);
    if (idle) {
        snprintf(err, sizeof err,
                 "%zu Sigma correlations cannot run and stay idle ('tocsin rules check DIR' says why)", idle);
        ts_diag_say(ctx->diag, ctx->diag_ud, ctx->rules_dirs[0], 0, 0, TOCSIN_E_ARG, err);
    }
    s->sc = ts_sigma_scratch_new(s->set);
    if (!s->sc)
        return TOCSIN_E_NOMEM;
    double steps = tune.regex_steps;
    double give_ups = tune.regex_give_ups;
    steps = steps < 1000 ? 1000 : steps > 1e9 ? 1e9 : steps;
    give_ups = give_ups < 1 ? 1 : give_ups > 1000 ? 1000 : give_ups;
    s->steps = (uint32_t)steps, s->give_ups = (uint32_t)give_ups;
    return ts_sigma_scratch_budget(s->sc, s->steps, s->give_ups) ? TOCSIN_OK : TOCSIN_E_NOMEM;
}

static uint8_t severity(const char *level)
{
    if (!strcmp(level, "critical"))
        return 90;
    if (!strcmp(level, "high"))
        return 70;
    if (!strcmp(level, "medium"))
        return 50;
    if (!strcmp(level, "low"))
        return 30;
    return 10;
}

/* The field that best says what happened, for the alert's observed value. */
static ts_str key_field(const ts_event *ev, const char **name)
{
    static const char *keys[] = {"CommandLine",         "ScriptBlockText", "TargetObject", "TargetFilename",
                                 "ImageLoaded",         "QueryName",       "PipeName",     "TargetImage",
                                 "DestinationHostname", "DestinationIp",   "Image",        "NewProcessName",
                                 "ServiceName",         "TargetUserName"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        ts_str v = ts_event_field(ev, keys[i]);
        if (v.n) {
            *name = keys[i];
            return v;
        }
    }
    *name = NULL;
    if (ev->command_line.n)
        return ev->command_line;
    if (ev->domain.n)
        return ev->domain;
    return ev->url;
}

typedef struct hit_ctx {
    const ts_alert_sink *out;
    uint8_t min_sev;
} hit_ctx;

static void on_hit(void *ud, const ts_sigma_rule_info *r, const ts_event *ev)
{
    const hit_ctx *hc = ud;
    const ts_alert_sink *out = hc->out;
    ts_alert *a = calloc(1, sizeof *a);
    if (!a)
        return;
    const char *fname;
    ts_str obs = key_field(ev, &fname);
    a->detector = "sigma";
    a->kind = TS_EV_RULE;
    a->count = 1;
    a->severity = severity(r->level);
    ts_alert_from_event(a, ev);
    a->key = ts_fmt_alloc("sigma|%s|%.*s", r->id, (int)ev->host.n, ev->host.p ? ev->host.p : "");
    if (ev->host.n)
        a->title = ts_fmt_alloc("Sigma %s: %s on %.*s", r->level[0] ? r->level : "rule", r->title,
                                (int)ev->host.n, ev->host.p);
    else
        a->title = ts_fmt_alloc("Sigma %s: %s", r->level[0] ? r->level : "rule", r->title);
    a->techniques = r->techniques[0] ? strdup(r->techniques) : NULL;
    if (obs.n)
        a->observed = fname ? ts_fmt_alloc("%s=%.*s", fname, (int)obs.n, obs.p) : ts_strndup(obs);
    if (ev->user.n && !a->user)
        a->user = ts_strndup(ev->user);
    if (a->severity < hc->min_sev) { /* the timeline's, not an alarm (see the top) */
        a->suppressed =
            ts_fmt_alloc("routine: Sigma level %s, below [sigma] min_level: in the timeline, not raised",
                         r->level[0] ? r->level : "unset");
        a->routine = 1;
    }
    if (!a->key || !a->title || (a->severity < hc->min_sev && !a->suppressed)) {
        ts_alert_free(a);
        return;
    }
    out->emit(out->ud, a);
}

static void sigma_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    sigma_state *s = state;
    hit_ctx hc = {out, s->min_sev};
    if (s->sc)
        ts_sigma_match(s->set, s->sc, ev, on_hit, &hc);
}

/* --jobs: a worker thread matches with a scratch of its own; the detector's scratch then
 * only replays what the rules came to, in the events' order (sigma.h). */
static char no_rules; /* the worker when there are no rules: nothing to match */

static void *sigma_worker_new(void *state)
{
    sigma_state *s = state;
    if (!s->sc)
        return &no_rules;
    ts_sigma_scratch *sc = ts_sigma_scratch_new(s->set);
    if (sc && !ts_sigma_scratch_budget(sc, s->steps, s->give_ups)) {
        ts_sigma_scratch_free(sc);
        sc = NULL;
    }
    return sc;
}

static void sigma_worker_free(void *worker)
{
    if (worker != &no_rules)
        ts_sigma_scratch_free(worker);
}

static void *sigma_prepare(const void *state, void *worker, const ts_event *ev)
{
    const sigma_state *s = state;
    return s->sc ? ts_sigma_prepare(s->set, worker, ev) : NULL;
}

static void sigma_event_prepared(void *state, const ts_event *ev, void *prep, const ts_alert_sink *out)
{
    sigma_state *s = state;
    hit_ctx hc = {out, s->min_sev};
    if (s->sc)
        ts_sigma_replay(s->set, s->sc, ev, prep, on_hit, &hc);
}

static void sigma_prep_free(void *prep)
{
    ts_sigma_prep_free(prep);
}

typedef struct gave_up_ctx {
    ts_rule_gave_up_fn fn;
    void *ud;
} gave_up_ctx;

static void one_gave_up(void *ud, const ts_sigma_gave_up_info *g)
{
    const gave_up_ctx *c = ud;
    ts_rule_gave_up r = {g->rule->id, g->rule->title, g->events, g->file, g->line, g->record};
    c->fn(c->ud, &r);
}

static void sigma_gave_up(void *state, ts_rule_gave_up_fn fn, void *ud)
{
    sigma_state *s = state;
    gave_up_ctx c = {fn, ud};
    if (s->sc)
        ts_sigma_gave_up(s->sc, one_gave_up, &c);
}

static void sigma_fini(void *state)
{
    sigma_state *s = state;
    ts_sigma_scratch_free(s->sc);
    ts_sigma_free(s->set);
}

/* The correlations' groups (src/sigma/correlation.c bounds them; hits that find the table
 * full of live groups are dropped and counted). Nothing without rules. */
static size_t sigma_usage(void *state, ts_state_use *out, size_t n)
{
    sigma_state *s = state;
    if (!s->sc)
        return 0;
    if (n) {
        out[0] = (ts_state_use){.table = "correlation groups", .refuses = true};
        ts_sigma_scratch_corr_use(s->sc, &out[0].kept, &out[0].cap, &out[0].evicted, &out[0].bytes,
                                  &out[0].bound);
    }
    return 1;
}

const ts_detector ts_detector_sigma = {
    .name = "sigma",
    .tunables = sigma_tunables,
    .summary = "Sigma rules given with --rules, compiled into per-field multi-pattern matchers",
    .state_size = sizeof(sigma_state),
    .init = sigma_init,
    .event = sigma_event,
    .finish = NULL,
    .fini = sigma_fini,
    .gave_up = sigma_gave_up,
    .usage = sigma_usage,
    .worker_new = sigma_worker_new,
    .worker_free = sigma_worker_free,
    .prepare = sigma_prepare,
    .event_prepared = sigma_event_prepared,
    .prep_free = sigma_prep_free,
};
