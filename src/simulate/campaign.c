/* campaign.c: plays a scenario's steps inside the organisation (when each unit happens,
 * who and what it touches) and writes the ground truth (truth.jsonl). The actions
 * themselves are in actions.c. */
#include <stdio.h>
#include <stdlib.h>

#include "simulate/campaign.h"

uint32_t sim_gen_server(uint64_t seed, uint32_t k, const char *cc)
{
    sim_rng r;
    sim_rng_seed(&r, seed ^ 0x67656e73727672ULL ^ ((uint64_t)k << 40));
    return sim_hosting_addr(&r, cc);
}

const camp_tool *camp_tool_of(const sim_campaign *c, const char *role)
{
    for (uint32_t i = 0; i < c->ntools; i++)
        if (strcmp(c->tools[i].role, role) == 0)
            return &c->tools[i];
    return NULL;
}

/* ---------------------------------------------------------------- planning */

static int64_t snap(const sim_ctx *x, const sim_campaign *c, int when, int64_t t, double u)
{
    int64_t day = t - ((t % SIM_DAY) + SIM_DAY) % SIM_DAY;
    int h0, h1, off = 0;
    switch (when) {
    case WHEN_ACTOR:
        h0 = c->hour0;
        h1 = c->hour1;
        break;
    case WHEN_OFFICE:
    case WHEN_EVENING:
    case WHEN_NIGHT:
        off = sim_site_offset(0, t);
        day = t + (int64_t)off * SIM_MIN;
        day -= ((day % SIM_DAY) + SIM_DAY) % SIM_DAY;
        h0 = when == WHEN_OFFICE ? 9 : when == WHEN_NIGHT ? 1 : 19;
        h1 = when == WHEN_OFFICE ? 17 : when == WHEN_NIGHT ? 5 : 23;
        if (when == WHEN_OFFICE) /* people read mail on working days */
            while (sim_site_dayoff(0, day))
                day += SIM_DAY;
        break;
    default:
        return t;
    }
    (void)x;
    int64_t local = t + (int64_t)off * SIM_MIN;
    int64_t hour = (local - day) / SIM_HOUR;
    if (local >= day && hour >= h0 && hour < h1)
        return t;
    /* to the start of that day's window (or the next day's when it is over), plus up to two
     * hours, so that units keep their order and spread a little */
    double span_h = h1 - h0 < 2 ? h1 - h0 : 2;
    int64_t at = day + (int64_t)((h0 + u * span_h) * SIM_HOUR) - (int64_t)off * SIM_MIN;
    if (at < t)
        at += SIM_DAY;
    if (when == WHEN_OFFICE)
        while (sim_site_dayoff(0, at + (int64_t)off * SIM_MIN - ((at + (int64_t)off * SIM_MIN) % SIM_DAY)))
            at += SIM_DAY;
    return at;
}

static int64_t unit_time(sim_ctx *x, sim_step *s, uint32_t k)
{
    sim_campaign *c = x->camp;
    double u = sim_unit(&x->crng);
    int64_t t = s->t0 + (int64_t)((double)(s->t1 - s->t0) * ((double)k + u) / (double)s->count);
    t = snap(x, c, s->action->when, t, sim_unit(&x->crng));
    if (t <= s->last_t)
        t = s->last_t + SIM_US + sim_below(&x->crng, 30) * SIM_US;
    if (t >= x->end)
        t = x->end - 1;
    s->last_t = t;
    return t;
}

void sim_campaign_plan(sim_ctx *x, void (*add)(void *, int64_t, int, uint32_t), void *sched)
{
    sim_campaign *c = x->camp;
    if (!c)
        return;
    double scale = x->days < c->span ? (double)x->days / c->span : 1.0;
    for (uint32_t i = 0; i < c->nc2; i++)
        if ((c->c2[i].ip & 0xffffff00u) == 0xffffff00u)
            c->c2[i].ip = sim_gen_server(x->seed, c->c2[i].ip & 255, c->c2[i].cc);
    for (uint32_t i = 0; i < c->nsteps; i++) {
        sim_step *s = &c->steps[i];
        s->t0 = x->start + (int64_t)(s->d0 * scale * (double)SIM_DAY);
        s->t1 = x->start + (int64_t)(s->d1 * scale * (double)SIM_DAY);
        if (s->t1 > x->end)
            s->t1 = x->end;
        if (s->t0 >= s->t1)
            s->t0 = s->t1 - SIM_HOUR;
        if (s->every_min > 0) {
            double n = (double)(s->t1 - s->t0) / (s->every_min * SIM_MIN);
            s->count = n < 1 ? 1 : n > 1e7 ? 10000000 : (uint32_t)n;
        }
        s->last_t = s->t0 - 1;
        s->first_ev = INT64_MAX;
        s->last_ev = INT64_MIN;
        add(sched, unit_time(x, s, 0), TK_STEP, i);
    }
}

int64_t sim_campaign_run(sim_ctx *x, uint32_t i, int64_t t)
{
    sim_campaign *c = x->camp;
    sim_step *s = &c->steps[i];
    /* nobody has opened the lure yet: a step that works from the implant's machine waits
     * (the playbook's window is where it is expected, not a promise) */
    if (s->action->foothold && !c->np0 && t < x->end - SIM_HOUR)
        return t + 30 * SIM_MIN;
    x->cur = s;
    camp_cast(x); /* the story's cast, chosen before its first step (at once after: a no-op) */
    s->action->run(x, s, s->done, t);
    x->cur = NULL;
    if (++s->done >= s->count)
        return INT64_MAX;
    int64_t next = unit_time(x, s, s->done);
    return next > t ? next : t + SIM_US;
}

/* ---------------------------------------------------------------- ground truth */

static const char *const file_ids[F_N] = {[F_SEC] = "windows/security.jsonl",
                                          [F_SYSMON] = "windows/sysmon.jsonl",
                                          [F_SYSTEM] = "windows/system.jsonl",
                                          [F_EVE] = "suricata/eve.json",
                                          [F_MBOX] = "mail/mail.mbox",
                                          [F_AUTH] = "linux/auth.log",
                                          [F_TRUTH] = "truth.jsonl"};

void sim_mark(sim_ctx *x, int f, uint64_t line, int64_t ts, const char *id)
{
    sim_step *s = x->cur;
    s->events++;
    if (ts < s->first_ev)
        s->first_ev = ts;
    if (ts > s->last_ev)
        s->last_ev = ts;
    if (!x->on[F_TRUTH])
        return;
    sim_out *o = &x->out[F_TRUTH];
    SIM_PUTL(o, "{\"type\":\"event\",\"step\":");
    sim_put_jstr(o, s->name);
    SIM_PUTL(o, ",\"file\":");
    sim_put_jstr(o, file_ids[f] ? file_ids[f] : x->out[f].rel);
    SIM_PUTL(o, ",\"line\":");
    sim_put_u64(o, line);
    SIM_PUTL(o, ",\"ts\":\"");
    sim_put_iso(o, ts);
    SIM_PUTL(o, "\",\"id\":");
    sim_put_jstr(o, id ? id : "");
    SIM_PUTL(o, "}\n");
    o->line++;
}

void sim_mark_benign(sim_ctx *x, int f, uint64_t line, int64_t ts, const char *id)
{
    struct sim_benign *b = NULL;
    for (uint32_t i = 0; i < x->nbn && !b; i++)
        if (x->bn[i].kind == x->benign)
            b = &x->bn[i];
    if (!b && x->nbn < sizeof x->bn / sizeof x->bn[0]) {
        b = &x->bn[x->nbn++];
        *b = (struct sim_benign){x->benign, 0, ts, ts};
    }
    if (b) {
        b->events++;
        b->first = ts < b->first ? ts : b->first;
        b->last = ts > b->last ? ts : b->last;
    }
    if (!x->on[F_TRUTH])
        return;
    sim_out *o = &x->out[F_TRUTH];
    SIM_PUTL(o, "{\"type\":\"benign\",\"lookalike\":");
    sim_put_jstr(o, x->benign);
    SIM_PUTL(o, ",\"file\":");
    sim_put_jstr(o, file_ids[f] ? file_ids[f] : x->out[f].rel);
    SIM_PUTL(o, ",\"line\":");
    sim_put_u64(o, line);
    SIM_PUTL(o, ",\"ts\":\"");
    sim_put_iso(o, ts);
    SIM_PUTL(o, "\",\"id\":");
    sim_put_jstr(o, id ? id : "");
    SIM_PUTL(o, "}\n");
    o->line++;
}

void sim_benign_truth(sim_ctx *x)
{
    sim_out *o = &x->out[F_TRUTH];
    if (!x->on[F_TRUTH])
        return;
    for (uint32_t i = 0; i < x->nbn; i++) {
        SIM_PUTL(o, "{\"type\":\"lookalike\",\"lookalike\":");
        sim_put_jstr(o, x->bn[i].kind);
        SIM_PUTL(o, ",\"events\":");
        sim_put_u64(o, x->bn[i].events);
        SIM_PUTL(o, ",\"start\":\"");
        sim_put_iso(o, x->bn[i].first);
        SIM_PUTL(o, "\",\"end\":\"");
        sim_put_iso(o, x->bn[i].last);
        SIM_PUTL(o, "\"}\n");
        o->line++;
    }
}

static void put_list(sim_out *o, const char *csv)
{
    sim_putc(o, '[');
    const char *p = csv;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        sim_put_jstrn(o, p, n);
        if (!e)
            break;
        sim_putc(o, ',');
        p = e + 1;
    }
    sim_putc(o, ']');
}

void sim_campaign_truth(sim_ctx *x)
{
    sim_campaign *c = x->camp;
    sim_out *o = &x->out[F_TRUTH];
    if (!c || !x->on[F_TRUTH])
        return;
    for (uint32_t i = 0; i < c->nsteps; i++) {
        sim_step *s = &c->steps[i];
        SIM_PUTL(o, "{\"type\":\"step\",\"step\":");
        sim_put_jstr(o, s->name);
        SIM_PUTL(o, ",\"action\":");
        sim_put_jstr(o, s->action->name);
        SIM_PUTL(o, ",\"actor\":");
        sim_put_jstr(o, c->actor);
        SIM_PUTL(o, ",\"techniques\":");
        put_list(o, s->tech);
        SIM_PUTL(o, ",\"start\":\"");
        sim_put_iso(o, s->events ? s->first_ev : s->t0);
        SIM_PUTL(o, "\",\"end\":\"");
        sim_put_iso(o, s->events ? s->last_ev : s->t1);
        SIM_PUTL(o, "\",\"units\":");
        sim_put_u64(o, s->done);
        SIM_PUTL(o, ",\"events\":");
        sim_put_u64(o, s->events);
        SIM_PUTL(o, ",\"hosts\":[");
        for (uint32_t k = 0; k < s->nhosts; k++) {
            if (k)
                sim_putc(o, ',');
            sim_put_jstr(o, x->org.hosts[s->hosts[k]].fqdn);
        }
        SIM_PUTL(o, "],\"users\":[");
        for (uint32_t k = 0; k < s->nusers; k++) {
            if (k)
                sim_putc(o, ',');
            sim_put_jstr(o, x->org.users[s->users[k]].name);
        }
        SIM_PUTL(o, "],\"about\":");
        sim_put_jstr(o, s->about);
        SIM_PUTL(o, "}\n");
        o->line++;
    }
}
