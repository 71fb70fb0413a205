/* profile.c: the technique and software channels of the attribution model.
 *
 * Each actor with a documented profile is a distribution over techniques: its profile,
 * mixed with the background (the average profiled actor, plus a small even floor). The
 * unattributed hypothesis, an actor no catalogue knows or a new cluster, draws from the
 * background itself. So a technique's likelihood ratio for actor a is
 *
 *     LR = s + (1 - s) * m_a(t) / (n_a * bg(t))
 *
 * with s the smoothing, n_a the profile's size and m_a(t) 1 when the profile lists t, a
 * partial credit when it lists another technique of t's family, else 0. A technique outside
 * the profile costs at most log(s); a common technique (high bg) explains itself and moves
 * nobody; a rare one in a small profile moves a lot. The log-ratios are divided by the
 * channel's temperature, because techniques seen together are not independent. Software is
 * a second channel of the same shape with its own background: a tool fifty actors use weighs
 * little. Both are fitted by leave-one-out (bench/attr_calibrate, docs/attribution.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attribute/model.h"
#include "attribute/model_int.h"

typedef struct channel {
    bool tech; /* techniques (with families) or software */
    const ts_attr_evidence *const *ev;
    size_t n;
    uint32_t *id;   /* per evidence: the catalogue id, 0 when not weighed */
    double *bg;     /* per evidence: background probability */
    double *m;      /* per evidence: the current actor's membership */
    uint32_t *via;  /* per evidence: the actor's software that does it (techniques), 0: none */
    uint32_t *mark; /* per catalogue technique: the stamp of the actor that lists or implies it */
    uint32_t stamp;
    size_t soft_n;   /* techniques the current actor's software does and its profile does not list */
    size_t profiled; /* actors with a profile in this channel */
    double smooth, pseudo, family, temp;
    double soft_credit; /* the share of an actor's technique distribution on what its software does */
    double span;        /* a profile of n items spreads its mass as over n^span */
} channel;

/* The family of every technique: its parent's id for a sub-technique, else its own. */
static uint32_t *families(const ts_intel *ti)
{
    size_t nt = ts_intel_technique_count(ti);
    uint32_t *fam = calloc(nt + 1, sizeof *fam);
    for (uint32_t id = 1; fam && id <= nt; id++) {
        const ts_technique *t = ts_intel_technique_get(ti, id);
        fam[id] = id;
        const char *dot = t && t->tid ? strchr(t->tid, '.') : NULL;
        char parent[16];
        if (dot && (size_t)(dot - t->tid) < sizeof parent) {
            memcpy(parent, t->tid, (size_t)(dot - t->tid));
            parent[dot - t->tid] = '\0';
            uint32_t p = ts_intel_technique_find(ti, parent);
            fam[id] = p ? p : id;
        }
    }
    return fam;
}

static bool held_out(const model *m, bool tech, const ts_actor *a, uint32_t id)
{
    if (!m->p->holdout_actor || a->id != m->p->holdout_actor)
        return false;
    const uint32_t *v = tech ? m->p->holdout : m->p->holdout_soft;
    size_t n = tech ? m->p->n_holdout : m->p->n_holdout_soft;
    for (size_t i = 0; i < n; i++)
        if (v[i] == id)
            return true;
    return false;
}

/* The techniques a's software does (ATT&CK's "uses" of each program) and its profile does
 * not list: a group's documented arsenal tells what it does beyond the reports that list its
 * techniques. Counts them in c->soft_n and keeps, for each observed one, the program in
 * c->via (for the explanation). Call with the listed techniques marked with c->stamp. */
static void software_techniques(const model *m, channel *c, const ts_actor *a)
{
    c->soft_n = 0;
    for (size_t i = 0; c->soft_credit > 0 && i < a->n_software; i++) {
        const ts_software *s = ts_intel_software_get(m->ti, a->software[i]);
        if (!s || held_out(m, false, a, s->id))
            continue;
        for (size_t j = 0; j < s->n_techniques; j++) {
            uint32_t t = s->techniques[j];
            if (c->mark[t] == c->stamp)
                continue; /* listed, or already counted through another program */
            c->mark[t] = c->stamp;
            c->soft_n++;
            for (size_t u = 0; u < c->n; u++)
                if (c->id[u] == t)
                    c->via[u] = s->id;
        }
    }
}

/* Fills c->m with actor a's membership of each observed item; returns the profile's size
 * (0: no profile in this channel). */
static size_t membership(const model *m, channel *c, const uint32_t *fam, const ts_actor *a)
{
    const uint32_t *prof = c->tech ? a->techniques : a->software;
    size_t np = c->tech ? a->n_techniques : a->n_software, size = 0;
    for (size_t u = 0; u < c->n; u++)
        c->m[u] = 0, c->via[u] = 0;
    c->soft_n = 0;
    c->stamp++;
    for (size_t i = 0; i < np; i++) {
        if (held_out(m, c->tech, a, prof[i]))
            continue;
        size++;
        if (c->mark)
            c->mark[prof[i]] = c->stamp;
        for (size_t u = 0; u < c->n; u++) {
            if (!c->id[u])
                continue;
            if (prof[i] == c->id[u])
                c->m[u] = 1;
            else if (c->tech && fam[prof[i]] == fam[c->id[u]] && c->m[u] < c->family)
                c->m[u] = c->family;
        }
    }
    if (size && c->mark)
        software_techniques(m, c, a);
    return size;
}

static const char *item_name(const model *m, const channel *c, size_t u)
{
    if (c->tech) {
        const ts_technique *t = ts_intel_technique_get(m->ti, c->id[u]);
        return t && t->name ? t->name : "";
    }
    const ts_software *s = ts_intel_software_get(m->ti, c->id[u]);
    return s && s->type ? s->type : "software";
}

static const char *item_id(const model *m, const channel *c, size_t u)
{
    if (c->tech) {
        const ts_technique *t = ts_intel_technique_get(m->ti, c->id[u]);
        return t && t->tid ? t->tid : "?";
    }
    const ts_software *s = ts_intel_software_get(m->ti, c->id[u]);
    return s && s->name ? s->name : "?";
}

/* The observed items this channel weighs, and the ones it does not (said on unattributed). */
static void resolve(model *m, channel *c, const uint32_t *fam)
{
    for (size_t u = 0; u < c->n; u++) {
        const ts_attr_evidence *e = c->ev[u];
        c->id[u] = c->tech ? (ts_intel_technique_get(m->ti, e->technique) ? e->technique : 0)
                           : (ts_intel_software_get(m->ti, e->software) ? e->software : 0);
        if (!c->id[u])
            ts_attr_add(m, &m->unattr, e->kind, 0, e->alert,
                        ts_fmt_alloc("%s %s: not in the loaded catalogue", c->tech ? "technique" : "software",
                                     ts_attr_label(e)));
        else if (ts_attr_conf(e) <= 0) {
            ts_attr_add(m, &m->unattr, e->kind, 0, e->alert,
                        ts_fmt_alloc("%s: confidence 0, weighs nothing", ts_attr_label(e)));
            c->id[u] = 0;
        }
    }
    if (!c->tech)
        return;
    /* A parent seen with one of its sub-techniques is one observation, not two. */
    for (size_t u = 0; u < c->n; u++) {
        if (!c->id[u] || fam[c->id[u]] != c->id[u])
            continue;
        for (size_t v = 0; v < c->n; v++) {
            if (v == u || !c->id[v] || c->id[v] == c->id[u] || fam[c->id[v]] != c->id[u])
                continue;
            ts_attr_add(m, &m->unattr, TS_AE_TECHNIQUE, 0, c->ev[u]->alert,
                        ts_fmt_alloc("technique %s: counted once with its sub-technique %s", item_id(m, c, u),
                                     item_id(m, c, v)));
            c->id[u] = 0;
            break;
        }
    }
}

/* How thinly a profile of size n spreads: n^span. With span 1 it is the multinomial
 * 1/n, under which a long profile (a well-documented actor) gains almost nothing from the
 * common techniques it lists; below 1, a listed technique keeps more of its weight. */
static double spread(const channel *c, size_t n)
{
    return c->span == 1 ? (double)n : pow((double)n, c->span);
}

/* Whether observed item u is in (or of the family of) the current actor's profile, or done by
 * its software. */
static bool matched(const channel *c, size_t u)
{
    return c->id[u] && (c->m[u] > 0 || c->via[u]);
}

/* The current actor's own probability of observed item u (before the background is mixed
 * in): its listed techniques share 1 - soft_credit, spread over the profile's size; the
 * techniques only its software does share soft_credit, spread over their number. */
static double share(const channel *c, size_t u, size_t size)
{
    double v = c->soft_n ? c->soft_credit : 0;
    double p = (1 - v) * c->m[u] / spread(c, size);
    if (c->via[u])
        p += v / spread(c, c->soft_n);
    return p;
}

/* A program no profiled actor is known to use is new to every hypothesis alike: known
 * actors bring new malware to their campaigns as unknown ones do, so it is not counted
 * against each actor's arsenal (it cost log(soft_smooth) / soft_temp = -2.0 nats per program
 * and actor, which only moved mass to "unattributed": Lazarus Group's held-out Operation
 * Dream Job, with its new Torisma and DRATzarus, went to "unattributed"). Said on
 * "unattributed", and weighed by nobody. */
static void unlisted_program(model *m, channel *c, size_t u)
{
    ts_attr_add(m, &m->unattr, c->ev[u]->kind, 0, c->ev[u]->alert,
                ts_fmt_alloc("software %s: no catalogued actor is known to use it, so it tells none apart",
                             ts_attr_label(c->ev[u])));
    c->id[u] = 0;
}

/* The background probability of each observed item: the average profiled actor's, with an
 * even floor over the whole catalogue. */
static void background(model *m, channel *c, const uint32_t *fam, size_t universe)
{
    for (size_t u = 0; u < c->n; u++)
        c->bg[u] = 0;
    c->profiled = 0;
    size_t count = ts_intel_actor_count(m->ti);
    for (uint32_t id = 1; id <= count; id++) {
        const ts_actor *a = ts_intel_actor(m->ti, id);
        size_t size = a ? membership(m, c, fam, a) : 0;
        if (!size)
            continue;
        c->profiled++;
        for (size_t u = 0; u < c->n; u++)
            c->bg[u] += share(c, u, size);
    }
    for (size_t u = 0; u < c->n; u++) {
        if (!c->tech && c->id[u] && c->bg[u] <= 0)
            unlisted_program(m, c, u);
        c->bg[u] = (1 - TS_BACKGROUND_FLOOR) * (c->profiled ? c->bg[u] / (double)c->profiled : 0) +
                   TS_BACKGROUND_FLOOR / (double)(universe ? universe : 1);
    }
}

/* The background's share in a profile of size n: at least the channel's smoothing, and more
 * for a small profile, which says less about what its actor does (as if the profile were
 * seen through `pseudo` more draws from the background). */
static double smoothing(const channel *c, size_t n)
{
    return 1 - (1 - c->smooth) * (double)n / ((double)n + c->pseudo);
}

/* Appends "T1, T2" (the ids of the items outside a's profile) to buf. */
static void list_outside(const model *m, const channel *c, char *buf, size_t cap)
{
    size_t len = 0, shown = 0, more = 0;
    buf[0] = '\0';
    for (size_t u = 0; u < c->n; u++) {
        if (!c->id[u] || matched(c, u))
            continue;
        if (shown == 8) {
            more++;
            continue;
        }
        int w = snprintf(buf + len, cap - len, "%s%s", shown ? ", " : "", item_id(m, c, u));
        if (w > 0 && (size_t)w < cap - len) {
            len += (size_t)w;
            shown++;
        }
    }
    if (more)
        snprintf(buf + len, cap - len, " and %zu more", more);
}

/* Whether anything observed in the channel is in (or of the family of) the profile whose
 * membership is in c->m. */
static bool any_member(const channel *c)
{
    for (size_t u = 0; u < c->n; u++)
        if (matched(c, u))
            return true;
    return false;
}

/* Weighs the channel for one actor whose membership is in c->m: every observed item, in its
 * profile or not, so that an actor is not spared the cost of the items outside its profile
 * in a channel where nothing matched (new malware in a known actor's campaign). */
static void weigh_actor(model *m, channel *c, const ts_actor *a, size_t size)
{
    hyp_b *h = ts_attr_actor_hyp(m, a->id);
    if (!h)
        return;
    const char *kind = c->tech ? "technique" : "software";
    double outside = 0;
    size_t n_out = 0;
    for (size_t u = 0; u < c->n; u++) {
        if (!c->id[u])
            continue;
        double cf = ts_attr_conf(c->ev[u]);
        double s = smoothing(c, size);
        double lr = s + (1 - s) * share(c, u, size) / c->bg[u];
        double w = log(1 - cf + cf * lr) / c->temp;
        m->cur_ev = (size_t)(c->ev[u] - m->ev_base);
        if (!matched(c, u)) { /* summed into one line below; kept quietly for the ACH table */
            outside += w;
            n_out++;
            ts_attr_add(m, h, c->ev[u]->kind, w, c->ev[u]->alert, ts_fmt_alloc("outside its profile"));
            if (!m->nomem)
                h->v[h->n - 1].quiet = true;
            continue;
        }
        const ts_software *via = c->via[u] ? ts_intel_software_get(m->ti, c->via[u]) : NULL;
        char how[200];
        if (c->m[u] >= 1)
            snprintf(how, sizeof how, "in its documented profile of %zu", size);
        else if (via)
            snprintf(
                how, sizeof how,
                "not in its documented profile of %zu, but its software %s%s%s%s does it (one of %zu such)",
                size, via->name, via->attack_id ? " (" : "", via->attack_id ? via->attack_id : "",
                via->attack_id ? ")" : "", c->soft_n);
        else
            snprintf(how, sizeof how,
                     "not in its profile of %zu, but the profile lists its family (parent or sibling)", size);
        /* the weight is log(ratio) / temperature, the ratio drawn toward 1 by the evidence's
           confidence: said, so the number can be checked */
        char conf[48] = "";
        if (cf < 1)
            snprintf(conf, sizeof conf, ", at confidence %.0f%% %.3g", cf * 100, 1 - cf + cf * lr);
        ts_attr_add(
            m, h, c->ev[u]->kind, w, c->ev[u]->alert,
            ts_fmt_alloc("%s %s %s: %s; %.1f times as likely for this actor as for an unknown one%s%s, "
                         "weighed log(%.3g) / %.3g (the channel's temperature)",
                         kind, item_id(m, c, u), item_name(m, c, u), how, lr,
                         lr < 2 ? " (common: it explains itself)" : "", conf, 1 - cf + cf * lr, c->temp));
    }
    m->cur_ev = SIZE_MAX;
    if (n_out) {
        char ids[160];
        list_outside(m, c, ids, sizeof ids);
        ts_attr_add(
            m, h, c->tech ? TS_AE_TECHNIQUE : TS_AE_SOFTWARE, outside, SIZE_MAX,
            ts_fmt_alloc("%zu %s%s outside its documented profile (%s): each costs at most %.2f; a profile "
                         "lists what was published, not all an actor does",
                         n_out, kind, c->tech && n_out != 1 ? "s" : "", ids,
                         log(smoothing(c, size)) / c->temp));
    }
}

/* Whether a technique serves one of the insider's tactics (TS_INSIDER_TACTICS). */
static bool insider_technique(const ts_technique *t)
{
    static const char *const tactics[] = {TS_INSIDER_TACTICS};
    for (size_t i = 0; t && t->tactics && i < sizeof tactics / sizeof *tactics; i++) {
        size_t n = strlen(tactics[i]);
        for (const char *p = t->tactics; (p = strstr(p, tactics[i])); p += n)
            if ((p == t->tactics || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
                return true;
    }
    return false;
}

/* The insider, when offered, is weighed like an actor whose profile is every technique of
 * the insider's tactics: someone who already has access looks around, collects and carries
 * data out, and needs no intrusion. */
static void weigh_insider(model *m, channel *c)
{
    size_t size = 0, count = ts_intel_technique_count(m->ti);
    for (uint32_t id = 1; id <= count; id++)
        size += insider_technique(ts_intel_technique_get(m->ti, id));
    if (!size)
        return;
    double outside = 0;
    size_t n_out = 0;
    for (size_t u = 0; u < c->n; u++) {
        if (!c->id[u])
            continue;
        double cf = ts_attr_conf(c->ev[u]), s = smoothing(c, size);
        bool in = insider_technique(ts_intel_technique_get(m->ti, c->id[u]));
        double lr = s + (1 - s) * (in ? 1.0 : 0.0) / ((double)size * c->bg[u]);
        double w = log(1 - cf + cf * lr) / c->temp;
        m->cur_ev = (size_t)(c->ev[u] - m->ev_base);
        if (!in) {
            outside += w;
            n_out++;
            continue;
        }
        ts_attr_add(
            m, &m->insider, TS_AE_TECHNIQUE, w, c->ev[u]->alert,
            ts_fmt_alloc("technique %s %s: looking around, collecting or carrying data out, as an insider "
                         "does; %.1f times as likely as for an unknown outside actor",
                         item_id(m, c, u), item_name(m, c, u), lr));
    }
    m->cur_ev = SIZE_MAX;
    if (n_out)
        ts_attr_add(m, &m->insider, TS_AE_TECHNIQUE, outside, SIZE_MAX,
                    ts_fmt_alloc("%zu technique%s of an intrusion rather than of an insider", n_out,
                                 n_out == 1 ? "" : "s"));
}

/* Allocates the channel and weighs what it can before any actor: which observed items it
 * knows, their background, its temperature. False on no memory. */
static bool channel_open(model *m, channel *c, const uint32_t *fam, size_t universe)
{
    if (!c->n)
        return true;
    c->id = calloc(c->n, sizeof *c->id);
    c->bg = calloc(c->n, sizeof *c->bg);
    c->m = calloc(c->n, sizeof *c->m);
    c->via = calloc(c->n, sizeof *c->via);
    if (c->tech && c->soft_credit > 0)
        c->mark = calloc(ts_intel_technique_count(m->ti) + 1, sizeof *c->mark);
    if (!c->id || !c->bg || !c->m || !c->via || (c->tech && !fam) ||
        (c->tech && c->soft_credit > 0 && !c->mark))
        return false;
    resolve(m, c, fam);
    size_t weighed = 0;
    for (size_t u = 0; u < c->n; u++)
        weighed += c->id[u] != 0;
    if (c->tech && weighed > TS_TECH_N0) /* many techniques repeat one another */
        c->temp *= pow((double)weighed / TS_TECH_N0, m->p->tech_dep);
    else if (c->tech && weighed) /* and a few prove little */
        c->temp *= pow((double)TS_TECH_N0 / (double)weighed, m->p->tech_few);
    background(m, c, fam, universe);
    return true;
}

static void channel_close(channel *c)
{
    free(c->id);
    free(c->bg);
    free(c->m);
    free(c->via);
    free(c->mark);
}

/* Weighs both channels for every candidate actor: one some evidence already names, or one
 * that a technique or software of its profile matches. The others stay silent: their share
 * of the prior joins "unattributed", as actors no evidence points to. */
static void weigh_actors(model *m, channel *t, channel *s, const uint32_t *fam)
{
    size_t count = ts_intel_actor_count(m->ti);
    for (uint32_t id = 1; id <= count && !m->nomem; id++) {
        const ts_actor *a = ts_intel_actor(m->ti, id);
        if (!a)
            continue;
        size_t st = t->n ? membership(m, t, fam, a) : 0, ss = s->n ? membership(m, s, fam, a) : 0;
        bool named = m->slot && m->slot[id] >= 0;
        if (!named && !(st && any_member(t)) && !(ss && any_member(s)))
            continue;
        if (st)
            weigh_actor(m, t, a, st);
        if (ss)
            weigh_actor(m, s, a, ss);
    }
}

void ts_attr_profiles(model *m, const ts_attr_evidence *const *tech, size_t nt,
                      const ts_attr_evidence *const *soft, size_t ns)
{
    const ts_attr_params *p = m->p;
    uint32_t *fam = nt ? families(m->ti) : NULL;
    channel t = {.tech = true,
                 .ev = tech,
                 .n = nt,
                 .smooth = p->tech_smooth,
                 .pseudo = p->tech_pseudo,
                 .family = p->tech_family,
                 .soft_credit = p->tech_soft,
                 .span = p->tech_span > 0 ? p->tech_span : 1,
                 .temp = p->tech_temp > 0 ? p->tech_temp : 1};
    channel s = {.tech = false,
                 .ev = soft,
                 .n = ns,
                 .smooth = p->soft_smooth,
                 .pseudo = p->tech_pseudo,
                 .span = p->soft_span > 0 ? p->soft_span : 1,
                 .temp = p->soft_temp > 0 ? p->soft_temp : 1};
    if (!channel_open(m, &t, fam, ts_intel_technique_count(m->ti)) ||
        !channel_open(m, &s, fam, ts_intel_software_count(m->ti))) {
        m->nomem = true;
    } else {
        weigh_actors(m, &t, &s, fam);
        if (t.n && m->has_insider && !m->nomem)
            weigh_insider(m, &t);
    }
    channel_close(&t);
    channel_close(&s);
    free(fam);
}
