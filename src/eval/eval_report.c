/* eval_report.c: the evaluation for people (a table of the steps and a summary) or as
 * NDJSON (one "eval_step" line per step, then one "eval_summary"; docs/eval.md). */
#include <string.h>

#include "core/esc.h"
#include "core/jsonw.h"
#include "core/str.h"
#include "eval/eval.h"

const char *ev_span(int64_t ns, char *buf, size_t cap)
{
    static const struct {
        const char *unit;
        int64_t secs;
    } units[] = {
        {"d", 86400},
        {"h", 3600},
        {"m", 60},
        {"s", 1},
    };
    if (ns == EV_NEVER || ns < 0) {
        snprintf(buf, cap, "-");
        return buf;
    }
    int64_t secs = ns / 1000000000LL;
    size_t at = 0, parts = 0;
    buf[0] = 0;
    /* Two units are enough for people: "2d 3h", "4m 10s". */
    for (size_t i = 0; i < sizeof units / sizeof *units && parts < 2; i++) {
        int64_t v = secs / units[i].secs;
        if (!v && !parts)
            continue;
        secs -= v * units[i].secs;
        if (v || parts) {
            int w = snprintf(buf + at, cap - at, "%s%lld%s", parts ? " " : "", (long long)v, units[i].unit);
            if (w < 0 || (size_t)w >= cap - at)
                break;
            at += (size_t)w;
            parts++;
        }
    }
    if (!parts)
        snprintf(buf, cap, "%llds", (long long)(ns >= 1000000000LL ? ns / 1000000000LL : 0));
    return buf;
}

/* "2014-09-11 17:12:03" for the table. */
static const char *when(int64_t ns, char *buf, size_t cap)
{
    char iso[48];
    if (ns == EV_NEVER) {
        snprintf(buf, cap, "-");
        return buf;
    }
    ts_format_time(ns, iso, sizeof iso);
    snprintf(buf, cap, "%.10s %.8s", iso, iso + 11);
    return buf;
}

static void cell(const char *s, int width, FILE *out)
{
    char buf[128];
    ts_esc_term(s ? s : "-", buf, (size_t)width + 1 < sizeof buf ? (size_t)width + 1 : sizeof buf);
    fprintf(out, "%-*s ", width, buf);
}

/* ---- text ------------------------------------------------------------------------------- */

static void text_steps(const ev_truth *t, FILE *out)
{
    char a[32], b[32];
    fprintf(out, "%-22s %-16s %-21s %7s %-8s %-19s %10s %6s  %s\n", "step", "action", "techniques", "events",
            "detected", "first alert", "after start", "alerts", "by");
    for (size_t i = 0; i < t->n_steps; i++) {
        const ev_step *s = &t->steps[i];
        int hit = s->detected_ns != EV_NEVER;
        cell(s->name, 22, out);
        cell(s->action, 16, out);
        cell(s->techniques, 21, out);
        fprintf(out, "%7llu %-8s %-19s %10s %6llu  ", (unsigned long long)s->events, hit ? "yes" : "no",
                when(s->detected_ns, a, sizeof a),
                hit ? ev_span(s->detected_ns > s->start_ns ? s->detected_ns - s->start_ns : 0, b, sizeof b)
                    : "-",
                (unsigned long long)s->alerts);
        ts_fputs_term(hit ? s->first_detector : "-", out);
        fputc('\n', out);
    }
}

static void text_attribution(const ev_truth *t, const ev_scores *s, FILE *out)
{
    if (!s->main_incident) {
        fprintf(out, "attribution      no incident holds a campaign alert\n");
        return;
    }
    fprintf(out, "attribution      %zu incident%s campaign alerts; %zu attributed to ",
            s->r.campaign_incidents, s->r.campaign_incidents == 1 ? " holds" : "s hold",
            s->r.right_incidents);
    ts_fputs_term(t->actor, out);
    fprintf(out, "\n                 main incident %s: ", s->main_incident);
    if (s->n_hyps) {
        ts_fputs_term(s->r.top_actor, out);
        fprintf(out, ", %s (%.1f%%); ", s->top_wording ? s->top_wording : "?", s->r.top_probability * 100);
    } else {
        fputs("not attributed; ", out);
    }
    if (s->r.actor_rank)
        fprintf(out, "the true actor ranks %d of %zu\n", s->r.actor_rank, s->n_hyps);
    else
        fputs("the true actor is not ranked\n", out);
    for (size_t i = 1; i < s->n_hyps && i < 6; i++) {
        fputs(i == 1 ? "                 others: " : ", ", out);
        ts_fputs_term(s->hyps[i].actor, out);
        fprintf(out, " %.1f%%", s->hyps[i].probability * 100);
    }
    if (s->n_hyps > 1)
        fputc('\n', out);
}

/* The false alerts themselves, so that whoever tunes a detector sees what rang: the first
 * FALSE_SHOWN in the store's order, then how many more (--json lists them all). */
#define FALSE_SHOWN 20

static void text_falses(const ev_scores *s, FILE *out)
{
    char a[32];
    for (size_t i = 0; i < s->n_falses && i < FALSE_SHOWN; i++) {
        const ts_alert_view *f = s->falses[i];
        fprintf(out, "%-16s %s ", i ? "" : "false alert", when(f->first_ns, a, sizeof a));
        ts_fputs_term(f->detector ? f->detector : "?", out);
        fputc(' ', out);
        ts_fputs_term(f->internal_host ? f->internal_host : f->internal_ip ? f->internal_ip : "-", out);
        fputc(' ', out);
        ts_fputs_term(f->user ? f->user : "-", out);
        fputs(": ", out);
        ts_fputs_term(f->title, out);
        fputc('\n', out);
    }
    if (s->n_falses > FALSE_SHOWN)
        fprintf(out, "%-16s and %zu more (--json lists them)\n", "", s->n_falses - FALSE_SHOWN);
}

static void text_summary(const ev_truth *t, const ev_scores *s, FILE *out)
{
    char a[32], b[32], ref[32];
    fputc('\n', out);
    if (t->n_steps)
        fprintf(out, "steps detected   %zu of %zu (%.0f%%)\n", s->r.detected, s->r.steps,
                100.0 * (double)s->r.detected / (double)s->r.steps);
    else
        fputs("steps detected   no campaign in this scenario\n", out);
    if (t->n_steps && s->first_alert_at != EV_NEVER && s->first_alert_at < s->reference_ns)
        fprintf(out, "first alert      %s UTC, %s before the %s (%s): counted as 0\n",
                when(s->first_alert_at, a, sizeof a),
                ev_span(s->reference_ns - s->first_alert_at, b, sizeof b), s->reference,
                when(s->reference_ns, ref, sizeof ref));
    else if (t->n_steps && s->first_alert_at != EV_NEVER)
        fprintf(out, "first alert      %s UTC, %s after the %s (%s)\n", when(s->first_alert_at, a, sizeof a),
                ev_span(s->r.first_alert_ns, b, sizeof b), s->reference,
                when(s->reference_ns, ref, sizeof ref));
    else if (t->n_steps)
        fputs("first alert      none for the campaign\n", out);
    fprintf(out,
            "alerts           %llu: %llu of the campaign (%llu by their first event's place, %llu by host or"
            " user and time), %llu false\n",
            (unsigned long long)s->r.alerts, (unsigned long long)s->r.campaign_alerts,
            (unsigned long long)s->by_line, (unsigned long long)s->by_overlap,
            (unsigned long long)s->r.false_alerts);
    fprintf(out, "false alerts     %.2f per 1,000 user-days (%llu users x %llu days)\n",
            s->r.false_per_kuserday, (unsigned long long)t->users, (unsigned long long)t->days);
    for (size_t i = 0; i < s->n_detectors; i++) {
        fputs(i ? ", " : "by detector      ", out);
        ts_fputs_term(s->detectors[i].name, out);
        fprintf(out, " %llu campaign / %llu false", (unsigned long long)s->detectors[i].campaign,
                (unsigned long long)s->detectors[i].false_alerts);
    }
    if (s->n_detectors)
        fputc('\n', out);
    for (size_t i = 0; i < t->n_lookalikes; i++) { /* routine activity that resembles an attack */
        fputs(i ? ", " : "on look-alikes   ", out);
        ts_fputs_term(t->lookalikes[i].name, out);
        fprintf(out, " %llu false (%llu records)", (unsigned long long)t->lookalikes[i].false_alerts,
                (unsigned long long)t->lookalikes[i].events);
    }
    if (t->n_lookalikes)
        fputc('\n', out);
    text_falses(s, out);
    if (t->n_steps)
        text_attribution(t, s, out);
    fprintf(out, "outside actor    %zu of %zu incidents blame one (top hypothesis a named actor, p >= 0.5)",
            s->r.blamed_incidents, s->r.incidents);
    if (s->blamed_actor) {
        fputs(", most often ", out);
        ts_fputs_term(s->blamed_actor, out);
    }
    fputc('\n', out);
    for (size_t i = 0; i < s->n_checks; i++) {
        const ev_check *c = &s->checks[i];
        fprintf(out, "%-16s %s %s: ", i ? "" : "thresholds", c->option, c->want);
        ts_fputs_term(c->got, out);
        fprintf(out, "  %s\n", c->ok ? "ok" : "MISSED");
    }
}

static void text(const ev_truth *t, const ev_scores *s, FILE *out)
{
    fputs("tocsin eval ", out);
    ts_fputs_term(s->dir, out);
    fputs(": scenario ", out);
    ts_fputs_term(t->scenario, out);
    fputs(" (", out);
    ts_fputs_term(t->actor, out);
    fprintf(out, "), %llu users x %llu days, seed %llu\n", (unsigned long long)t->users,
            (unsigned long long)t->days, (unsigned long long)t->seed);
    fprintf(out, "hunt: %llu files, %llu events, %llu rejected, %llu alerts in %zu incidents, %.1f s\n\n",
            (unsigned long long)s->files, (unsigned long long)s->events, (unsigned long long)s->rejected,
            (unsigned long long)s->r.alerts, s->r.incidents, s->hunt_seconds);
    if (t->n_steps)
        text_steps(t, out);
    text_summary(t, s, out);
}

/* ---- NDJSON ----------------------------------------------------------------------------- */

static void json_time(ts_jw *w, const char *key, int64_t ns)
{
    char iso[48], k[64];
    ts_jw_kstr(w, key, ns == EV_NEVER ? NULL : ts_format_time(ns, iso, sizeof iso));
    snprintf(k, sizeof k, "%s_ns", key);
    if (ns == EV_NEVER)
        ts_jw_key(w, k), ts_jw_null(w);
    else
        ts_jw_kint(w, k, ns);
}

static void json_strv(ts_jw *w, const char *key, char *const *v, size_t n)
{
    ts_jw_key(w, key);
    ts_jw_arr(w);
    for (size_t i = 0; i < n; i++)
        ts_jw_str(w, v[i]);
    ts_jw_arr_end(w);
}

static void json_step(const ev_step *s, FILE *out)
{
    ts_jw w;
    ts_jw_begin(&w, out);
    ts_jw_kstr(&w, "type", "eval_step");
    ts_jw_kstr(&w, "step", s->name);
    ts_jw_kstr(&w, "action", s->action);
    ts_jw_key(&w, "techniques");
    ts_jw_arr(&w);
    for (const char *p = s->techniques; p && *p;) {
        size_t n = strcspn(p, ",");
        ts_jw_strn(&w, p, n);
        p += n + (p[n] == ',');
    }
    ts_jw_arr_end(&w);
    json_time(&w, "start", s->start_ns);
    json_time(&w, "end", s->end_ns);
    ts_jw_kuint(&w, "events", s->events);
    json_strv(&w, "hosts", s->hosts, s->n_hosts);
    json_strv(&w, "users", s->users, s->n_users);
    ts_jw_kbool(&w, "detected", s->detected_ns != EV_NEVER);
    json_time(&w, "first_alert", s->detected_ns);
    ts_jw_kint_or_null(&w, "delay_ns", s->detected_ns != EV_NEVER,
                       s->detected_ns > s->start_ns ? s->detected_ns - s->start_ns : 0);
    ts_jw_kuint(&w, "alerts", s->alerts);
    ts_jw_kuint(&w, "by_line", s->by_line);
    ts_jw_kuint(&w, "by_overlap", s->by_overlap);
    ts_jw_kint_or_null(&w, "alert_id", s->detected_ns != EV_NEVER, s->first_alert);
    ts_jw_kstr(&w, "alert_title", s->first_title);
    ts_jw_kstr(&w, "alert_detector", s->first_detector);
    ts_jw_end(&w);
}

static void json_attribution(ts_jw *w, const ev_scores *s)
{
    ts_jw_kstr(w, "main_incident", s->main_incident);
    ts_jw_key(w, "verdict");
    if (s->main_incident && s->n_hyps) {
        ts_jw_obj(w);
        ts_jw_kstr(w, "actor", s->r.top_actor);
        ts_jw_kdouble(w, "probability", s->r.top_probability);
        ts_jw_kstr(w, "wording", s->top_wording);
        ts_jw_obj_end(w);
    } else {
        ts_jw_null(w);
    }
    ts_jw_kint_or_null(w, "actor_rank", s->r.actor_rank != 0, s->r.actor_rank);
    ts_jw_key(w, "hypotheses");
    ts_jw_arr(w);
    for (size_t i = 0; i < s->n_hyps; i++) {
        ts_jw_obj(w);
        ts_jw_kuint(w, "rank", i + 1);
        ts_jw_kstr(w, "actor", s->hyps[i].actor);
        ts_jw_kdouble(w, "probability", s->hyps[i].probability);
        ts_jw_obj_end(w);
    }
    ts_jw_arr_end(w);
}

static void json_checks(ts_jw *w, const ev_scores *s)
{
    ts_jw_key(w, "checks");
    ts_jw_arr(w);
    for (size_t i = 0; i < s->n_checks; i++) {
        ts_jw_obj(w);
        ts_jw_kstr(w, "option", s->checks[i].option);
        ts_jw_kstr(w, "want", s->checks[i].want);
        ts_jw_kstr(w, "got", s->checks[i].got);
        ts_jw_kbool(w, "ok", s->checks[i].ok);
        ts_jw_obj_end(w);
    }
    ts_jw_arr_end(w);
    ts_jw_kbool(w, "passed", s->r.failed == 0);
}

static void json_summary(const ev_truth *t, const ev_scores *s, FILE *out)
{
    ts_jw w;
    ts_jw_begin(&w, out);
    ts_jw_kstr(&w, "type", "eval_summary");
    ts_jw_kstr(&w, "dir", s->dir);
    ts_jw_kstr(&w, "scenario", t->scenario);
    ts_jw_kstr(&w, "actor", t->actor);
    ts_jw_kuint(&w, "users", t->users);
    ts_jw_kuint(&w, "days", t->days);
    ts_jw_kuint(&w, "seed", t->seed);
    ts_jw_kuint(&w, "files", s->files);
    ts_jw_kuint(&w, "events", s->events);
    ts_jw_kuint(&w, "rejected", s->rejected);
    ts_jw_kdouble(&w, "hunt_seconds", s->hunt_seconds);
    ts_jw_kuint(&w, "steps", s->r.steps);
    ts_jw_kuint(&w, "detected", s->r.detected);
    ts_jw_key(&w, "detected_share");
    if (s->r.steps)
        ts_jw_double(&w, (double)s->r.detected / (double)s->r.steps);
    else
        ts_jw_null(&w);
    ts_jw_kuint(&w, "alerts", s->r.alerts);
    ts_jw_kuint(&w, "campaign_alerts", s->r.campaign_alerts);
    ts_jw_kuint(&w, "by_line", s->by_line);
    ts_jw_kuint(&w, "by_overlap", s->by_overlap);
    ts_jw_kuint(&w, "false_alerts", s->r.false_alerts);
    ts_jw_kdouble(&w, "false_per_kuserday", s->r.false_per_kuserday);
    ts_jw_key(&w, "detectors");
    ts_jw_arr(&w);
    for (size_t i = 0; i < s->n_detectors; i++) {
        ts_jw_obj(&w);
        ts_jw_kstr(&w, "detector", s->detectors[i].name);
        ts_jw_kuint(&w, "campaign_alerts", s->detectors[i].campaign);
        ts_jw_kuint(&w, "false_alerts", s->detectors[i].false_alerts);
        ts_jw_obj_end(&w);
    }
    ts_jw_arr_end(&w);
    ts_jw_key(&w, "lookalikes");
    ts_jw_arr(&w);
    for (size_t i = 0; i < t->n_lookalikes; i++) {
        ts_jw_obj(&w);
        ts_jw_kstr(&w, "lookalike", t->lookalikes[i].name);
        ts_jw_kuint(&w, "records", t->lookalikes[i].events);
        ts_jw_kuint(&w, "false_alerts", t->lookalikes[i].false_alerts);
        ts_jw_obj_end(&w);
    }
    ts_jw_arr_end(&w);
    ts_jw_kstr(&w, "reference", t->n_steps ? s->reference : NULL);
    json_time(&w, "reference_time", t->n_steps ? s->reference_ns : EV_NEVER);
    json_time(&w, "first_alert", s->first_alert_at);
    ts_jw_kint_or_null(&w, "first_alert_delay_ns", s->r.first_alert_ns >= 0, s->r.first_alert_ns);
    ts_jw_kuint(&w, "incidents", s->r.incidents);
    ts_jw_kuint(&w, "campaign_incidents", s->r.campaign_incidents);
    ts_jw_kuint(&w, "right_incidents", s->r.right_incidents);
    json_attribution(&w, s);
    ts_jw_kuint(&w, "blamed_incidents", s->r.blamed_incidents);
    ts_jw_kstr(&w, "blamed_actor", s->blamed_actor);
    json_checks(&w, s);
    ts_jw_end(&w);
}

static void json_false(const ts_alert_view *f, FILE *out)
{
    ts_jw w;
    ts_jw_begin(&w, out);
    ts_jw_kstr(&w, "type", "eval_false");
    ts_jw_kint(&w, "alert_id", f->id);
    ts_jw_kstr(&w, "detector", f->detector);
    ts_jw_kstr(&w, "title", f->title);
    json_time(&w, "first", f->first_ns);
    ts_jw_kstr(&w, "host", f->internal_host);
    ts_jw_kstr(&w, "ip", f->internal_ip);
    ts_jw_kstr(&w, "user", f->user);
    ts_jw_kstr(&w, "file", f->file);
    ts_jw_kuint(&w, "line", f->line);
    ts_jw_end(&w);
}

void ev_report(const ev_truth *t, const ev_scores *s, FILE *out, int json)
{
    if (!json) {
        text(t, s, out);
        return;
    }
    for (size_t i = 0; i < t->n_steps; i++)
        json_step(&t->steps[i], out);
    for (size_t i = 0; i < s->n_falses; i++)
        json_false(s->falses[i], out);
    json_summary(t, s, out);
}
