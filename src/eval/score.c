/* score.c: the figures of an evaluation: steps detected and when, false alerts per 1,000
 * user-days, the attribution of the campaign's incidents, outside actors blamed, and the
 * thresholds met or missed. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alert.h"
#include "core/vec.h"
#include "eval/eval.h"

/* Probabilities this close are a tie (they come from the same sums of the same evidence). */
#define TIE_EPS 1e-9

/* An alert as it sits in an incident. */
typedef struct ref {
    const ts_alert_view *a;
    size_t inc;
} ref;

typedef struct ip_host {
    const char *ip, *host;
} ip_host;

static int ref_cmp(const void *x, const void *y)
{
    const ref *a = x, *b = y;
    if (a->a->id != b->a->id)
        return a->a->id < b->a->id ? -1 : 1;
    return a->inc < b->inc ? -1 : a->inc > b->inc;
}

static int ip_cmp(const void *x, const void *y)
{
    return strcmp(((const ip_host *)x)->ip, ((const ip_host *)y)->ip);
}

static int ip_host_cmp(const void *x, const void *y)
{
    const ip_host *a = x, *b = y;
    int c = strcmp(a->ip, b->ip);
    return c ? c : strcasecmp(a->host, b->host);
}

/* Alerts that carry both an internal address and a host name teach which host an
 * address-only alert is about: the name most of them give (an address's own host is named
 * by its many alerts; the names an RDP client made up, once each, do not outvote it), the
 * first by name on a tie, so the answer does not depend on which alerts there are beside. */
static ip_host *learn_hosts(const ref *refs, size_t n, size_t *n_out)
{
    ip_host *m = malloc((n ? n : 1) * sizeof *m);
    size_t k = 0;
    if (!m)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (refs[i].a->internal_ip && refs[i].a->internal_host)
            m[k++] = (ip_host){refs[i].a->internal_ip, refs[i].a->internal_host};
    qsort(m, k, sizeof *m, ip_host_cmp);
    *n_out = k;
    return m;
}

static const char *host_of(const ts_alert_view *a, const ip_host *m, size_t n)
{
    if (a->internal_host || !a->internal_ip)
        return a->internal_host;
    ip_host key = {a->internal_ip, NULL};
    const ip_host *hit = bsearch(&key, m, n, sizeof *m, ip_cmp);
    if (!hit)
        return NULL;
    while (hit > m && !strcmp(hit[-1].ip, a->internal_ip))
        hit--;
    const char *best = NULL;
    size_t most = 0;
    for (const ip_host *p = hit; p < m + n && !strcmp(p->ip, a->internal_ip);) {
        const ip_host *q = p;
        while (q < m + n && !strcmp(q->ip, p->ip) && !strcasecmp(q->host, p->host))
            q++;
        if ((size_t)(q - p) > most)
            most = (size_t)(q - p), best = p->host;
        p = q;
    }
    return best;
}

static const char *relative(const char *file, const char *dir)
{
    size_t l = strlen(dir);
    if (file && strncmp(file, dir, l) == 0 && file[l] == '/')
        return file + l + 1;
    return file;
}

/* An intelligence or home-network match rather than a behaviour or rule. */
static int is_indicator(const ts_alert_view *a)
{
    return a->ioc_type || (a->kind && (!strcmp(a->kind, "indicator") || !strcmp(a->kind, "home-network")));
}

/* Records, for every step the alert belongs to, one more alert and the earliest. */
static tocsin_code credit_steps(ev_truth *t, const ts_alert_view *a, const unsigned char *how,
                                const int64_t *at)
{
    for (size_t k = 0; k < t->n_steps; k++) {
        ev_step *st = &t->steps[k];
        if (how[k] == EV_NO)
            continue;
        st->alerts++;
        if (how[k] == EV_BY_LINE)
            st->by_line++;
        else
            st->by_overlap++;
        if (at[k] < st->detected_ns) {
            st->detected_ns = at[k];
            st->first_alert = a->id;
            free(st->first_title);
            free(st->first_detector);
            st->first_title = a->title ? strdup(a->title) : NULL;
            st->first_detector = a->detector ? strdup(a->detector) : NULL;
            if ((a->title && !st->first_title) || (a->detector && !st->first_detector))
                return TOCSIN_E_NOMEM;
        }
    }
    return TOCSIN_OK;
}

/* Counts one more alert of its detector, campaign or false. */
static tocsin_code count_detector(ev_scores *s, const char *name, int campaign)
{
    size_t i = 0;
    if (!name)
        name = "?";
    while (i < s->n_detectors && strcmp(s->detectors[i].name, name) != 0)
        i++;
    if (i == s->n_detectors) {
        if (!ts_vec_grow(s->detectors, s->cap_detectors, i + 1, TS_VEC_NOCAP))
            return TOCSIN_E_NOMEM;
        ev_detector *v = s->detectors;
        v[i] = (ev_detector){strdup(name), 0, 0};
        if (!v[i].name)
            return TOCSIN_E_NOMEM;
        s->n_detectors++;
    }
    if (campaign)
        s->detectors[i].campaign++;
    else
        s->detectors[i].false_alerts++;
    return TOCSIN_OK;
}

/* An alert that rang: not one a routine source made, nor one an analyst suppressed. Those
 * are stored and shown, but nobody was alarmed by them, so they are neither false alerts
 * nor detections. (Warninglist hits keep counting, as they always have.) */
static int raised(const ts_alert_view *a)
{
    return !a->suppression && !(a->suppressed && strncmp(a->suppressed, "routine: ", 9) == 0);
}

/* Matches every distinct alert; counts campaign alerts per incident into per_inc. */
static tocsin_code match_alerts(ev_truth *t, const char *dir, ref *refs, size_t n, uint64_t *per_inc,
                                ev_scores *s)
{
    size_t n_map = 0;
    ip_host *map = learn_hosts(refs, n, &n_map);
    unsigned char *how = malloc(t->n_steps + 1);
    int64_t *at = malloc((t->n_steps + 1) * sizeof *at);
    tocsin_code rc = TOCSIN_OK;
    size_t hits = 0;
    if (!map || !how || !at)
        rc = TOCSIN_E_NOMEM;
    for (size_t i = 0; i < n && rc == TOCSIN_OK; i++) {
        const ts_alert_view *a = refs[i].a;
        int first = i == 0 || refs[i - 1].a->id != a->id;
        if (!raised(a)) {
            hits = 0; /* routine or suppressed by an analyst: kept, not an alarm (docs/eval.md) */
            continue;
        }
        if (first) {
            ev_place kept[TS_ALERT_HITS];
            size_t n_kept = 0;
            for (size_t k = 0; k < a->n_hits && n_kept < TS_ALERT_HITS; k++)
                if (a->hits[k].file && a->hits[k].line)
                    kept[n_kept++] =
                        (ev_place){relative(a->hits[k].file, dir), a->hits[k].line, a->hits[k].ts_ns};
            ev_alert q = {relative(a->file, dir), a->line, a->first_ns,     a->last_ns, a->count,
                          host_of(a, map, n_map), a->user, is_indicator(a), kept,       n_kept};
            hits = ev_match(t, &q, how, at);
            s->r.alerts++;
            rc = count_detector(s, a->detector, hits > 0);
            if (!hits) {
                s->r.false_alerts++;
                if (rc == TOCSIN_OK && !ts_vec_grow(s->falses, s->cap_falses, s->n_falses + 1, TS_VEC_NOCAP))
                    rc = TOCSIN_E_NOMEM;
                if (rc == TOCSIN_OK)
                    s->falses[s->n_falses++] = a;
                long k = ev_lookalike_at(t, q.file, q.line);
                if (k >= 0)
                    t->lookalikes[k].false_alerts++;
                continue;
            }
            s->r.campaign_alerts++;
            int line_hit = 0;
            for (size_t k = 0; k < t->n_steps; k++)
                line_hit |= how[k] == EV_BY_LINE;
            if (line_hit)
                s->by_line++;
            else
                s->by_overlap++;
            if (rc == TOCSIN_OK)
                rc = credit_steps(t, a, how, at);
        }
        if (hits)
            per_inc[refs[i].inc]++;
    }
    free(map);
    free(how);
    free(at);
    return rc;
}

/* Not a named outside actor: the model's alternatives and its summed remainder. */
static int is_outside_actor(const char *name)
{
    static const char rest[] = " other catalogued actors";
    size_t l = name ? strlen(name) : 0, rl = sizeof rest - 1;
    if (!l || strcasecmp(name, "unattributed") == 0 || strcasecmp(name, "insider") == 0)
        return 0;
    return !(l > rl && strcmp(name + l - rl, rest) == 0);
}

static tocsin_code attribution(const ev_truth *t, ts_incident_view *const *inc, size_t n_inc,
                               const uint64_t *per_inc, ev_scores *s)
{
    size_t best = SIZE_MAX;
    const char **blamed = calloc(n_inc + 1, sizeof *blamed);
    size_t n_blamed = 0;
    if (!blamed)
        return TOCSIN_E_NOMEM;
    for (size_t i = 0; i < n_inc; i++) {
        const ts_incident_view *v = inc[i];
        const ts_hyp_view *top = v->n_hyps ? &v->hyps[0] : NULL;
        if (top && is_outside_actor(top->actor) && top->probability >= 0.5)
            blamed[n_blamed++] = top->actor;
        if (!per_inc[i])
            continue;
        s->r.campaign_incidents++;
        if (top && ev_is_actor(t, top->actor))
            s->r.right_incidents++;
        if (best == SIZE_MAX || per_inc[i] > per_inc[best] ||
            (per_inc[i] == per_inc[best] && v->severity > inc[best]->severity))
            best = i;
    }
    s->r.blamed_incidents = n_blamed;
    /* The actor blamed most often (they are few: a plain count will do). */
    size_t most = 0;
    const char *often = NULL;
    for (size_t i = 0; i < n_blamed; i++) {
        size_t c = 0;
        for (size_t j = 0; j < n_blamed; j++)
            c += strcmp(blamed[i], blamed[j]) == 0;
        if (c > most) {
            most = c;
            often = blamed[i];
        }
    }
    s->blamed_actor = often ? strdup(often) : NULL;
    free(blamed);
    if (often && !s->blamed_actor)
        return TOCSIN_E_NOMEM;
    if (best == SIZE_MAX)
        return TOCSIN_OK;
    const ts_incident_view *v = inc[best];
    if (!(s->main_incident = strdup(v->id)))
        return TOCSIN_E_NOMEM;
    if (v->n_hyps) {
        snprintf(s->r.top_actor, sizeof s->r.top_actor, "%s", v->hyps[0].actor ? v->hyps[0].actor : "");
        s->r.top_probability = v->hyps[0].probability;
        s->top_wording = v->hyps[0].wording ? strdup(v->hyps[0].wording) : NULL;
    }
    if (!(s->hyps = calloc(v->n_hyps + 1, sizeof *s->hyps)))
        return TOCSIN_E_NOMEM;
    for (size_t i = 0; i < v->n_hyps; i++) {
        const char *actor = v->hyps[i].actor ? v->hyps[i].actor : "?";
        if (!(s->hyps[i].actor = strdup(actor)))
            return TOCSIN_E_NOMEM;
        s->hyps[i].probability = v->hyps[i].probability;
        s->n_hyps++;
        if (!s->r.actor_rank && ev_is_actor(t, actor)) {
            s->r.actor_rank = (int)i + 1;
            s->r.truth_probability = v->hyps[i].probability;
        }
    }
    /* A tie is no ranking: the truth ranks behind every hypothesis as likely as it, and a
       tie at the top names no actor first ("(tie) A = B"), whatever order the ties were
       listed in. */
    if (s->r.actor_rank)
        for (size_t i = (size_t)s->r.actor_rank; i < v->n_hyps; i++)
            if (v->hyps[i].probability >= s->r.truth_probability - TIE_EPS)
                s->r.actor_rank++;
    if (v->n_hyps >= 2 && v->hyps[1].probability >= v->hyps[0].probability - TIE_EPS)
        snprintf(s->r.top_actor, sizeof s->r.top_actor, "(tie) %s = %s",
                 v->hyps[0].actor ? v->hyps[0].actor : "?", v->hyps[1].actor ? v->hyps[1].actor : "?");
    return TOCSIN_OK;
}

/* When the attack began for the analyst: the first click, else the first step. */
static void timing(const ev_truth *t, ev_scores *s)
{
    s->reference_ns = EV_NEVER;
    s->reference = "first step";
    for (size_t i = 0; i < t->n_steps; i++)
        if (strcmp(t->steps[i].action, "click") == 0 && t->steps[i].start_ns < s->reference_ns) {
            s->reference_ns = t->steps[i].start_ns;
            s->reference = "first click";
        }
    s->first_alert_at = EV_NEVER;
    for (size_t i = 0; i < t->n_steps; i++) {
        const ev_step *st = &t->steps[i];
        if (!strcmp(s->reference, "first step") && st->start_ns < s->reference_ns)
            s->reference_ns = st->start_ns;
        if (st->detected_ns < s->first_alert_at)
            s->first_alert_at = st->detected_ns;
        if (st->detected_ns != EV_NEVER)
            s->r.detected++;
    }
    s->r.steps = t->n_steps;
    s->r.first_alert_ns = -1;
    if (s->first_alert_at != EV_NEVER)
        s->r.first_alert_ns = s->first_alert_at > s->reference_ns ? s->first_alert_at - s->reference_ns : 0;
}

tocsin_code ev_score(ev_truth *t, const char *dir, ts_incident_view *const *inc, size_t n_inc, ev_scores *s)
{
    size_t n = 0;
    for (size_t i = 0; i < n_inc; i++)
        n += inc[i]->n_alerts;
    ref *refs = malloc((n ? n : 1) * sizeof *refs);
    uint64_t *per_inc = calloc(n_inc + 1, sizeof *per_inc);
    tocsin_code rc = TOCSIN_OK;
    if (!refs || !per_inc)
        rc = TOCSIN_E_NOMEM;
    s->dir = dir;
    s->r.incidents = n_inc;
    if (rc == TOCSIN_OK) {
        n = 0;
        for (size_t i = 0; i < n_inc; i++)
            for (size_t j = 0; j < inc[i]->n_alerts; j++)
                refs[n++] = (ref){&inc[i]->alerts[j], i};
        qsort(refs, n, sizeof *refs, ref_cmp);
        rc = match_alerts(t, dir, refs, n, per_inc, s);
    }
    if (rc == TOCSIN_OK)
        rc = attribution(t, inc, n_inc, per_inc, s);
    timing(t, s);
    s->r.false_per_kuserday = (double)s->r.false_alerts * 1000.0 / ((double)t->users * (double)t->days);
    free(refs);
    free(per_inc);
    return rc;
}

/* ---- thresholds ------------------------------------------------------------------------- */

static ev_check *add_check(ev_scores *s, const char *option, int ok)
{
    ev_check *c = &s->checks[s->n_checks++];
    c->option = option;
    c->ok = ok;
    s->r.checks++;
    s->r.failed += !ok;
    return c;
}

void ev_check_thresholds(ev_scores *s, const ev_truth *t, const tocsin_eval_options *o)
{
    ev_check *c;
    char a[32], b[32];
    if (o->min_detected >= 0) {
        double share = s->r.steps ? (double)s->r.detected / (double)s->r.steps : 1.0;
        c = add_check(s, "--min-detected", share >= o->min_detected);
        snprintf(c->want, sizeof c->want, ">= %.2f", o->min_detected);
        if (s->r.steps)
            snprintf(c->got, sizeof c->got, "%.2f (%zu of %zu)", share, s->r.detected, s->r.steps);
        else
            snprintf(c->got, sizeof c->got, "no campaign steps");
    }
    if (o->max_false_per_kuserday >= 0) {
        c = add_check(s, "--max-false-per-kuserday", s->r.false_per_kuserday <= o->max_false_per_kuserday);
        snprintf(c->want, sizeof c->want, "<= %g", o->max_false_per_kuserday);
        snprintf(c->got, sizeof c->got, "%.2f", s->r.false_per_kuserday);
    }
    if (o->max_first_alert_ns >= 0) {
        int ok = !t->n_steps || (s->r.first_alert_ns >= 0 && s->r.first_alert_ns <= o->max_first_alert_ns);
        c = add_check(s, "--max-first-alert", ok);
        snprintf(c->want, sizeof c->want, "<= %s", ev_span(o->max_first_alert_ns, a, sizeof a));
        snprintf(c->got, sizeof c->got, "%s",
                 !t->n_steps               ? "no campaign steps"
                 : s->r.first_alert_ns < 0 ? "no campaign alert"
                                           : ev_span(s->r.first_alert_ns, b, sizeof b));
    }
    if (o->expect_actor) {
        c = add_check(s, "--expect-actor",
                      s->main_incident && strcasecmp(s->r.top_actor, o->expect_actor) == 0);
        snprintf(c->want, sizeof c->want, "%s", o->expect_actor);
        snprintf(c->got, sizeof c->got, "%s", s->main_incident ? s->r.top_actor : "no campaign incident");
    }
    if (o->expect_unattributed) {
        c = add_check(s, "--expect-unattributed", s->r.blamed_incidents == 0);
        snprintf(c->want, sizeof c->want, "no outside actor blamed");
        if (!s->r.blamed_incidents)
            snprintf(c->got, sizeof c->got, "none blamed");
        else
            snprintf(c->got, sizeof c->got, "%zu incident%s, most often %s", s->r.blamed_incidents,
                     s->r.blamed_incidents == 1 ? "" : "s", s->blamed_actor ? s->blamed_actor : "?");
    }
}

void ev_scores_free(ev_scores *s)
{
    free(s->main_incident);
    free(s->top_wording);
    free(s->blamed_actor);
    for (size_t i = 0; i < s->n_hyps; i++)
        free(s->hyps[i].actor);
    free(s->hyps);
    for (size_t i = 0; i < s->n_detectors; i++)
        free(s->detectors[i].name);
    free(s->detectors);
    free(s->falses);
    memset(s, 0, sizeof *s);
}
