/* match.c: which campaign steps an alert belongs to, by the place of its first event or by
 * the entities and time span of everything it aggregated (docs/eval.md, "Matching"). */
#include <string.h>
#include <strings.h>

#include "eval/eval.h"

static int is_address(const char *s)
{
    /* IPv4 is digits and dots; IPv6 has a colon. Host names have a letter somewhere. */
    if (strchr(s, ':'))
        return 1;
    for (; *s; s++)
        if (*s != '.' && (*s < '0' || *s > '9'))
            return 0;
    return 1;
}

int ev_same_host(const char *a, const char *b)
{
    if (!a || !b || !*a || !*b)
        return 0;
    if (is_address(a) || is_address(b))
        return strcasecmp(a, b) == 0;
    size_t la = strcspn(a, "."), lb = strcspn(b, ".");
    return la == lb && strncasecmp(a, b, la) == 0;
}

/* The account part of "DOMAIN\user", "user@realm" or "user". */
static const char *account(const char *u, size_t *len)
{
    const char *bs = strrchr(u, '\\');
    if (bs)
        u = bs + 1;
    *len = strcspn(u, "@");
    return u;
}

int ev_same_user(const char *a, const char *b)
{
    size_t la, lb;
    if (!a || !b)
        return 0;
    a = account(a, &la);
    b = account(b, &lb);
    return la && la == lb && strncasecmp(a, b, la) == 0;
}

static long file_of(const ev_truth *t, const char *file)
{
    if (!file)
        return -1;
    for (size_t i = 0; i < t->n_files; i++)
        if (strcmp(t->files[i], file) == 0)
            return (long)i;
    return -1;
}

/* The first event of by_place at or after (file, line). */
static size_t lower_place(const ev_truth *t, uint32_t file, uint64_t line)
{
    size_t lo = 0, hi = t->n_events;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const ev_event *e = &t->by_place[mid];
        if (e->file < file || (e->file == file && e->line < line))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Credits by place every step that wrote the event at (file, line), seen at ts. */
static size_t place_steps(const ev_truth *t, const char *file, uint64_t line, int64_t ts, unsigned char *how,
                          int64_t *at)
{
    long f = file_of(t, file);
    size_t n = 0;
    if (f < 0 || !line)
        return 0;
    for (size_t i = lower_place(t, (uint32_t)f, line);
         i < t->n_events && t->by_place[i].file == (uint32_t)f && t->by_place[i].line == line; i++) {
        uint32_t s = t->by_place[i].step;
        if (how[s] == EV_NO)
            n++;
        how[s] = EV_BY_LINE;
        if (ts < at[s])
            at[s] = ts;
    }
    return n;
}

/* Rule 1: the alert's first event, or another event it kept, is one the step wrote. An
 * aggregated alert stands on all the events it kept: each is evidence of the step that
 * wrote it (a beacon whose first call came from the sideloaded library and whose next
 * ones from the implant's timer shows both steps). */
static size_t by_line(const ev_truth *t, const ev_alert *a, unsigned char *how, int64_t *at)
{
    size_t n = place_steps(t, a->file, a->line, a->first_ns, how, at);
    for (size_t k = 0; k < a->n_kept; k++)
        n += place_steps(t, a->kept[k].file, a->kept[k].line, a->kept[k].ts_ns, how, at);
    return n;
}

/* Does the step name the alert's host, or, for an alert that names no host, its account?
 * (A step's users are the people it concerns - every recipient of a phishing wave - while
 * its records are on its hosts; a user's own machine is not the step's by that alone.) */
static int step_names(const ev_step *s, const ev_alert *a)
{
    if (a->host) {
        for (size_t i = 0; i < s->n_hosts; i++)
            if (ev_same_host(s->hosts[i], a->host))
                return 1;
        return 0;
    }
    for (size_t i = 0; i < s->n_users && a->user; i++)
        if (ev_same_user(s->users[i], a->user))
            return 1;
    return 0;
}

/* Is event e about the alert's host or account? An event whose id names its host must be
 * on the alert's host; others (network records) count when the step names the alert's
 * host (or account). */
static int about_entity(const ev_truth *t, const ev_event *e, const ev_alert *a)
{
    if (!a->host && !a->user)
        return 1; /* an alert on addresses only: its key ties it to the step (rule 2) */
    if (e->host != EV_NO_HOST && a->host)
        return ev_same_host(t->hosts[e->host], a->host);
    return step_names(&t->steps[e->step], a);
}

/* The time of step s's first event in [from, to] about the alert's entities, or EV_NEVER. */
static int64_t first_event_within(const ev_truth *t, size_t s, const ev_alert *a, int64_t from, int64_t to)
{
    size_t lo = t->step_first[s], hi = t->step_first[s + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->by_time[mid].ts_ns < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < t->step_first[s + 1] && t->by_time[i].ts_ns <= to; i++)
        if (about_entity(t, &t->by_time[i], a))
            return t->by_time[i].ts_ns;
    return EV_NEVER;
}

/* Credits step s when one of its events about the alert's entities lies in [from, to]. */
static size_t overlap_step(const ev_truth *t, size_t s, const ev_alert *a, int64_t from, int64_t to,
                           unsigned char *how, int64_t *at)
{
    if (how[s] != EV_NO || ((a->host || a->user) && !step_names(&t->steps[s], a)))
        return 0;
    int64_t when = first_event_within(t, s, a, from, to);
    if (when == EV_NEVER)
        return 0;
    how[s] = EV_BY_OVERLAP;
    at[s] = when;
    return 1;
}

/* Rule 3, for an alert whose first event is normal activity: it aggregated several events
 * and one of a step's events about its host or account comes within a day of its first
 * event. The day keeps an alert that began with normal activity weeks earlier (an
 * indicator that normal browsing also reaches) from being credited with every later step
 * on that host. */
static size_t by_overlap(const ev_truth *t, const ev_alert *a, unsigned char *how, int64_t *at)
{
    size_t n = 0;
    /* An indicator alert is about its indicator: if normal activity showed it first, the
       indicator matched normal activity, whatever host it is on. */
    if (a->indicator || a->count < 2 || a->last_ns < a->first_ns || (!a->host && !a->user))
        return 0;
    int64_t until = a->last_ns - a->first_ns > EV_OVERLAP_NS ? a->first_ns + EV_OVERLAP_NS : a->last_ns;
    for (size_t s = 0; s < t->n_steps; s++)
        n += overlap_step(t, s, a, a->first_ns, until, how, at);
    return n;
}

/* Rule 2, for an alert a step raised: it also belongs to the later steps of the same
 * action whose events it aggregated (the same kind of record folds into the same alert:
 * a second wave of the actor's mail from its home network). An alert that names only
 * addresses is taken at its key's word: any event of such a step in its span counts. */
static size_t same_action(const ev_truth *t, const ev_alert *a, unsigned char *how, int64_t *at)
{
    size_t n = 0;
    if (a->count < 2 || a->last_ns < a->first_ns)
        return 0;
    for (size_t s = 0; s < t->n_steps; s++) {
        if (how[s] != EV_BY_LINE)
            continue;
        for (size_t o = 0; o < t->n_steps; o++)
            if (how[o] == EV_NO && strcmp(t->steps[o].action, t->steps[s].action) == 0)
                n += overlap_step(t, o, a, a->first_ns, a->last_ns, how, at);
    }
    return n;
}

size_t ev_match(const ev_truth *t, const ev_alert *a, unsigned char *how, int64_t *at)
{
    for (size_t s = 0; s < t->n_steps; s++) {
        how[s] = EV_NO;
        at[s] = EV_NEVER;
    }
    /* An alert whose first event a step wrote was raised by that step: it is about that
       step, and about other steps only as far as they do the same thing. */
    size_t n = by_line(t, a, how, at);
    return n ? n + same_action(t, a, how, at) : by_overlap(t, a, how, at);
}
