/* attribute.c: the attribution model: evidence -> per-actor log-likelihood ratios against
 * "unattributed" -> priors -> probabilities over the actors, unattributed and insider. */
#include "attribute/attribute.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attribute/evbuf.h"
#include "attribute/model.h"
#include "attribute/model_int.h"
#include "core/vec.h"

const char *ts_icd203(double p)
{
    if (!(p >= 0.05)) /* also NaN */
        return "almost no chance";
    if (p < 0.20)
        return "very unlikely";
    if (p < 0.45)
        return "unlikely";
    if (p <= 0.55)
        return "roughly even chance";
    if (p < 0.80)
        return "likely";
    if (p <= 0.95)
        return "very likely";
    return "almost certainly";
}

/* Adds a contribution to h; takes ownership of what. */
void ts_attr_add(model *m, hyp_b *h, ts_attr_kind kind, double w, size_t alert, char *what)
{
    if (!what) {
        m->nomem = true;
        return;
    }
    if (!ts_vec_grow(h->v, h->cap, h->n + 1, TS_VEC_NOCAP)) {
        free(what);
        m->nomem = true;
        return;
    }
    h->v[h->n++] = (contrib_b){kind, w, what, alert, false, false, m->cur_ev, 0};
}

static void hyp_free(hyp_b *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->v[i].what);
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}

/* The hypothesis of actor id, created on first use; NULL for an unknown id or no memory. */
hyp_b *ts_attr_actor_hyp(model *m, uint32_t id)
{
    const ts_actor *a = ts_intel_actor(m->ti, id);
    if (!a || id > m->n_actors)
        return NULL;
    if (m->slot[id] >= 0)
        return &m->h[m->slot[id]];
    if (!ts_vec_grow(m->h, m->caph, m->nh + 1, TS_VEC_NOCAP)) {
        m->nomem = true;
        return NULL;
    }
    m->slot[id] = (int32_t)m->nh;
    m->h[m->nh] = (hyp_b){.actor = id, .name = a->name};
    return &m->h[m->nh++];
}

/* The weight of evidence tied to k of the N actors: log(1 + c * b * N / k). With
 * probability c the evidence is the actor's (and then equally any of the k); otherwise
 * it is noise and says nothing. Exclusive evidence (k = 1) weighs about log(N) more
 * than evidence every actor shares, which is what offsets each actor's 1/N prior. */
static double lr_weight(double c, double b, size_t n_actors, size_t k)
{
    if (c <= 0 || k == 0)
        return 0;
    return log1p(c * b * (double)n_actors / (double)k);
}

double ts_attr_conf(const ts_attr_evidence *e)
{
    return e->confidence > 100 ? 1.0 : e->confidence / 100.0;
}

/* One indicator the source trusts with confidence c cannot alone make its actor more
 * likely than c: with probability 1 - c it was listed by mistake, and a wrongly listed
 * value is typically a busy one (a CDN, a shared host) that anybody's traffic reaches.
 * So its weight is capped where the actor's odds against "unattributed" reach c / (1 - c).
 * Returns the cap in nats, or INFINITY for c = 1. */
static double confidence_cap(const model *m, double c)
{
    if (c >= 1)
        return INFINITY;
    if (c <= 0)
        return 0;
    /* against "unattributed" as it stands with one actor singled out: its own prior plus the
       shares of the other catalogued actors */
    double p_actors = 1 - m->p->prior_unattributed - TS_PRIOR_INSIDER, n = (double)m->n_actors;
    double p_unattr = m->p->prior_unattributed + p_actors * (n - 1) / n;
    double cap = log(c / (1 - c) * p_unattr * n / p_actors);
    return cap > 0 ? cap : 0; /* evidence never counts against its actor */
}

const char *ts_attr_label(const ts_attr_evidence *e)
{
    return e->label ? e->label : "(unnamed evidence)";
}

/* "alone" or "shared by k actors, weight split". */
static void share_text(char *buf, size_t cap, size_t k, size_t n)
{
    if (k == 1)
        snprintf(buf, cap, "tied to this actor alone (1 of %zu catalogued)", n);
    else
        snprintf(buf, cap, "shared by %zu actors, weight split", k);
}

/* ---- evidence kinds ----------------------------------------------------------------------- */

/* An indicator or a claim: counts for each actor of its set. */
static void ev_actorset(model *m, const ts_attr_evidence *e)
{
    const uint32_t *ids = e->actors;
    size_t k = e->n_actors < TS_ATTR_MAX_NAMED ? e->n_actors : TS_ATTR_MAX_NAMED;
    if (e->actorset)
        k = ts_intel_actorset_get(m->ti, e->actorset, &ids);
    bool claim = e->kind == TS_AE_ACTOR_CLAIM;
    const char *what = claim ? "claim" : "indicator";
    if (k == 0) {
        ts_attr_add(m, &m->unattr, e->kind, 0, e->alert,
                    ts_fmt_alloc("%s %s: names no actor; it may be hostile but says nothing about who", what,
                                 ts_attr_label(e)));
        return;
    }
    char share[256];
    share_text(share, sizeof share, k, m->n_actors);
    if (claim && k > 1) { /* an alias several actors carry: say which, and that it is ambiguous */
        size_t len = (size_t)snprintf(share, sizeof share, "ambiguous: a name %zu actors share (", k);
        for (size_t i = 0; i < k && len < sizeof share; i++) {
            const ts_actor *a = ts_intel_actor(m->ti, ids[i]);
            int w = snprintf(share + len, sizeof share - len, "%s%s", i ? ", " : "", a ? a->name : "?");
            len += w > 0 ? (size_t)w : 0;
        }
        if (len < sizeof share)
            snprintf(share + len, sizeof share - len, "), weight split");
    }
    for (size_t i = 0; i < k; i++) {
        hyp_b *h = ts_attr_actor_hyp(m, ids[i]);
        if (!h)
            continue;
        if (e->share_class && !claim) {
            /* busy infrastructure of a known class: it says little or nothing of who */
            double f = e->share_factor > 0 ? (e->share_factor < 1 ? e->share_factor : 1) : 0;
            double w = f * lr_weight(ts_attr_conf(e), TS_B_INDICATOR, m->n_actors, k);
            double cap = f * confidence_cap(m, ts_attr_conf(e));
            size_t before = h->n;
            if (f > 0)
                ts_attr_add(
                    m, h, e->kind, w < cap ? w : cap, e->alert,
                    ts_fmt_alloc(
                        "%s %s: shared infrastructure (%s: %s), so it counts x%.2f; %s, confidence %u", what,
                        ts_attr_label(e), e->share_class, e->share_why ? e->share_why : "", f, share,
                        (unsigned)e->confidence));
            else
                ts_attr_add(m, h, e->kind, 0, e->alert,
                            ts_fmt_alloc("%s %s: shared infrastructure (%s: %s), weighs nothing", what,
                                         ts_attr_label(e), e->share_class, e->share_why ? e->share_why : ""));
            if (h->n > before)
                h->v[h->n - 1].cluster = e->cluster;
        } else if (e->suppressed)
            ts_attr_add(m, h, e->kind, 0, e->alert,
                        ts_fmt_alloc("%s %s: warninglisted, weighs nothing", what, ts_attr_label(e)));
        else if (e->shared)
            ts_attr_add(
                m, h, e->kind, 0, e->alert,
                ts_fmt_alloc("%s %s: known shared infrastructure (hosting, CDN, sinkhole), weighs nothing",
                             what, ts_attr_label(e)));
        else {
            double w = lr_weight(ts_attr_conf(e), claim ? TS_B_CLAIM : TS_B_INDICATOR, m->n_actors, k);
            double cap = confidence_cap(m, ts_attr_conf(e));
            size_t before = h->n;
            ts_attr_add(
                m, h, e->kind, w < cap ? w : cap, e->alert,
                ts_fmt_alloc("%s %s: %s, confidence %u%s%s", what, ts_attr_label(e), share,
                             (unsigned)e->confidence,
                             w > cap ? " (alone it can make this actor no likelier than its confidence)" : "",
                             claim      ? "; names are cheap to plant"
                             : e->cheap ? "; cheap to fake or reuse"
                                        : ""));
            if (h->n > before) {
                h->v[h->n - 1].costly = !claim && !e->cheap;
                h->v[h->n - 1].cluster = claim ? 0 : e->cluster;
            }
        }
    }
}

static void ev_home(model *m, const ts_attr_evidence *in)
{
    ts_attr_evidence copy = *in, *e = &copy;
    copy.country[2] = '\0'; /* whatever the caller left there */
    if (!e->country[0]) {
        ts_attr_add(m, &m->unattr, e->kind, 0, e->alert,
                    ts_fmt_alloc("network %s: no country known for it, so no actor can be weighed",
                                 ts_attr_label(e)));
        return;
    }
    size_t k = 0;
    for (uint32_t id = 1; id <= m->n_actors; id++) {
        const ts_actor *a = ts_intel_actor(m->ti, id);
        if (a && a->country && strcasecmp(a->country, e->country) == 0)
            k++;
    }
    if (k == 0) {
        ts_attr_add(m, &m->unattr, e->kind, 0, e->alert,
                    ts_fmt_alloc("network %s: no catalogued actor is suspected to be based in %s",
                                 ts_attr_label(e), e->country));
        return;
    }
    double b = e->inbound ? TS_B_HOME_IN : TS_B_HOME_OUT;
    double w = lr_weight(ts_attr_conf(e), b, m->n_actors, k);
    const char *how =
        e->inbound ? "a direct connection from that country's address space"
                   : "a connection to that country's address space, which says less (anyone may reach it)";
    for (uint32_t id = 1; id <= m->n_actors; id++) {
        const ts_actor *a = ts_intel_actor(m->ti, id);
        if (!a || !a->country || strcasecmp(a->country, e->country) != 0)
            continue;
        hyp_b *h = ts_attr_actor_hyp(m, id);
        size_t before = h ? h->n : 0;
        if (h)
            ts_attr_add(m, h, e->kind, w, e->alert,
                        ts_fmt_alloc("network %s: %s; %zu catalogued actor%s suspected to be based in %s",
                                     ts_attr_label(e), how, k, k == 1 ? " is" : "s are", e->country));
        if (h && h->n > before)
            h->v[h->n - 1].costly = e->inbound;
    }
}

/* Hands-on hours against a country's working time, for the candidates from that country
 * that other evidence already names: a weak clue that separates candidates, never a reason
 * to suspect an actor. Binomial log-likelihood ratio of "its operators work office hours
 * there" (TS_TZ_WORK_SHARE of their hours) against "any time of the week", scaled down
 * (hours of one intrusion are far from independent) and bounded. */
static void ev_timezone(model *m, const ts_attr_evidence *e)
{
    if (!e->hours || e->chance <= 0 || e->chance >= 1)
        return;
    double k = e->hours_in, n = e->hours, p = TS_TZ_WORK_SHARE, q = e->chance;
    double llr = k * log(p / q) + (n - k) * log((1 - p) / (1 - q));
    double w = TS_TZ_SCALE * llr;
    w = w > TS_TZ_MAX_NATS ? TS_TZ_MAX_NATS : w < -TS_TZ_MAX_NATS ? -TS_TZ_MAX_NATS : w;
    size_t nh = m->nh; /* hypotheses created before: the candidates */
    for (size_t i = 0; i < nh; i++) {
        const ts_actor *a = ts_intel_actor(m->ti, m->h[i].actor);
        if (!a || !a->country || strncasecmp(a->country, e->country, 2) != 0)
            continue;
        ts_attr_add(m, &m->h[i], e->kind, w, e->alert,
                    ts_fmt_alloc("time: %s, against %.0f%% by chance; %s (a weak clue)", ts_attr_label(e),
                                 e->chance * 100,
                                 w >= 0 ? "fits a team working office hours there"
                                        : "few fall in office hours there"));
    }
}

static void ev_insider(model *m, const ts_attr_evidence *e)
{
    m->has_insider = true;
    ts_attr_add(m, &m->insider, e->kind, ts_attr_conf(e) * TS_W_INSIDER, e->alert,
                ts_fmt_alloc("%s: fits someone who already holds valid access", ts_attr_label(e)));
}

/* ---- evidence deduplication --------------------------------------------------------------- */

/* Two pieces of evidence that are the same observation: repeats count once. */
static bool same_evidence(const ts_attr_evidence *a, const ts_attr_evidence *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case TS_AE_TECHNIQUE:
        return a->technique && a->technique == b->technique;
    case TS_AE_SOFTWARE:
        return a->software && a->software == b->software;
    case TS_AE_HOME_NETWORK: /* many addresses of one country are one finding per direction */
        return a->country[0] && strncasecmp(a->country, b->country, 2) == 0 && a->inbound == b->inbound;
    default:
        return a->actorset == b->actorset && a->n_actors == b->n_actors &&
               memcmp(a->actors, b->actors, sizeof a->actors) == 0 &&
               strcmp(ts_attr_label(a), ts_attr_label(b)) == 0;
    }
}

static bool same_at(const void *ud, size_t i, size_t j)
{
    const ts_attr_evidence *ev = ud;
    return same_evidence(&ev[i], &ev[j]);
}

/* A hash consistent with same_evidence. */
static uint64_t evidence_hash(const ts_attr_evidence *e)
{
    uint64_t h = ts_hash(TS_HASH_SEED, &e->kind, sizeof e->kind);
    switch (e->kind) {
    case TS_AE_TECHNIQUE:
        return ts_hash(h, &e->technique, sizeof e->technique);
    case TS_AE_SOFTWARE:
        return ts_hash(h, &e->software, sizeof e->software);
    case TS_AE_HOME_NETWORK: {
        char cc[2] = {(char)(e->country[0] & ~0x20), (char)(e->country[1] & ~0x20)};
        h = ts_hash(h, cc, sizeof cc);
        return ts_hash(h, &e->inbound, sizeof e->inbound);
    }
    default:
        h = ts_hash(h, &e->actorset, sizeof e->actorset);
        return ts_hash(h, ts_attr_label(e), strlen(ts_attr_label(e)));
    }
}

/* Indexes of the distinct evidence, the most trusted copy of each, and how often each was
 * seen (reps, n entries, allocated here); NULL on no memory. */
static size_t *distinct(const ts_attr_evidence *ev, size_t n, size_t *nd, size_t **reps)
{
    size_t *keep = malloc((n ? n : 1) * sizeof *keep), *pos = malloc((n ? n : 1) * sizeof *pos);
    *reps = calloc(n ? n : 1, sizeof **reps);
    *nd = 0;
    ts_hidx x = {0};
    bool ok = keep && pos && *reps;
    for (size_t i = 0; ok && i < n; i++) {
        size_t first = ts_hidx_put(&x, evidence_hash(&ev[i]), i, same_at, ev);
        if (first == SIZE_MAX) {
            ok = false;
        } else if (first == i) {
            pos[i] = *nd;
            (*reps)[*nd] = 1;
            keep[(*nd)++] = i;
        } else {
            size_t j = pos[first];
            (*reps)[j]++;
            if (ev[i].confidence > ev[keep[j]].confidence)
                keep[j] = i;
        }
    }
    ts_hidx_free(&x);
    free(pos);
    if (!ok) {
        free(keep);
        free(*reps);
        *reps = NULL;
        return NULL;
    }
    return keep;
}

/* ---- scoring ---------------------------------------------------------------------------- */

static int cmp_contrib(const void *pa, const void *pb)
{
    const contrib_b *a = pa, *b = pb;
    if (a->w != b->w)
        return a->w > b->w ? -1 : 1;
    if (a->alert != b->alert)
        return a->alert < b->alert ? -1 : 1;
    return strcmp(a->what, b->what); /* a total order: the same evidence lists the same way */
}

static const char *ordinal(size_t n)
{
    if (n % 100 >= 11 && n % 100 <= 13)
        return "th";
    return n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
}

static const char *const kind_plural[] = {"",         "indicators", "home networks", "techniques",
                                          "software", "claims",     "insider signs", "time clues"};

/* Folds the contributions of one kind past the TS_KEEP_PER_KIND strongest into one, so a
 * hypothesis backed by thousands of addresses stays readable; the sum is kept. */
static void fold_tail(model *m, hyp_b *h)
{
    size_t seen[TS_AE_TIMEZONE + 1] = {0}, folded[TS_AE_TIMEZONE + 1] = {0};
    double sum[TS_AE_TIMEZONE + 1] = {0};
    size_t out = 0;
    for (size_t i = 0; i < h->n; i++) {
        contrib_b *c = &h->v[i];
        size_t kind = (size_t)c->kind <= TS_AE_TIMEZONE ? (size_t)c->kind : 0;
        if (kind && c->w > 0 && seen[kind]++ >= TS_KEEP_PER_KIND) {
            folded[kind]++;
            sum[kind] += c->w;
            free(c->what);
            continue;
        }
        h->v[out++] = *c;
    }
    h->n = out;
    for (size_t k = 1; k <= TS_AE_TIMEZONE; k++)
        if (folded[k])
            ts_attr_add(m, h, (ts_attr_kind)k, sum[k], SIZE_MAX,
                        ts_fmt_alloc("and %zu more %s, each weaker than those above (diminishing returns)",
                                     folded[k], kind_plural[k]));
}

/* Indicators of one cluster (one source tying them to the same actors) stand or fall with
 * that one judgement: the strongest counts, the others are listed at no weight. Call with
 * the contributions sorted strongest first. */
static void cluster_once(model *m, hyp_b *h)
{
    for (size_t i = 0; i < h->n; i++) {
        const contrib_b *best = &h->v[i];
        if (!best->cluster || best->kind != TS_AE_INDICATOR || best->w <= 0)
            continue;
        for (size_t j = i + 1; j < h->n; j++) {
            contrib_b *c = &h->v[j];
            if (c->cluster != best->cluster || c->kind != TS_AE_INDICATOR || c->w <= 0)
                continue;
            char *t =
                ts_fmt_alloc("%s (the same source ties it to the same actors as a stronger indicator: one "
                             "judgement, counted once)",
                             c->what);
            if (!t) {
                m->nomem = true;
                return;
            }
            free(c->what);
            c->what = t;
            c->w = 0;
        }
    }
}

/* Diminishing returns within one kind, then the sum. Contributions end strongest first. */
static void damp_and_score(model *m, hyp_b *h)
{
    if (h->n > 1)
        qsort(h->v, h->n, sizeof *h->v, cmp_contrib);
    cluster_once(m, h);
    if (h->n > 1)
        qsort(h->v, h->n, sizeof *h->v, cmp_contrib);
    size_t seen[TS_AE_TIMEZONE + 1] = {0};
    for (size_t i = 0; i < h->n; i++) {
        contrib_b *c = &h->v[i];
        size_t kind = (size_t)c->kind <= TS_AE_TIMEZONE ? (size_t)c->kind : 0;
        /* techniques and software are scaled by their channel's temperature instead */
        if (c->w <= 0 || !kind || c->kind == TS_AE_TECHNIQUE || c->kind == TS_AE_SOFTWARE)
            continue;
        size_t r = seen[kind]++;
        if (r == 0)
            continue;
        double f = pow(TS_DAMP, (double)r);
        char *t = ts_fmt_alloc("%s (the %zu%s of its kind here: x%.2f)", c->what, r + 1, ordinal(r + 1), f);
        if (t) {
            free(c->what);
            c->what = t;
        } else {
            m->nomem = true;
        }
        c->w *= f;
    }
    for (size_t i = 0; i < h->n; i++) {
        const contrib_b *c = &h->v[i];
        if (c->w <= 0 || c->quiet || !c->kind)
            continue;
        if (c->costly)
            h->n_costly++;
        else if (c->kind == TS_AE_TECHNIQUE || c->kind == TS_AE_SOFTWARE)
            h->n_public++;
        else if (c->kind == TS_AE_ACTOR_CLAIM)
            h->n_claim++;
        else if (c->kind == TS_AE_INSIDER)
            h->n_insider++;
        else
            h->n_cheap_ioc++;
    }
    fold_tail(m, h);
    h->score = 0;
    for (size_t i = 0; i < h->n; i++)
        h->score += h->v[i].quiet ? 0 : h->v[i].w;
    if (h->n > 1)
        qsort(h->v, h->n, sizeof *h->v, cmp_contrib); /* damping may reorder */
}

bool ts_attr_ioc_cheap(ts_ioc_type type)
{
    return type == TS_IOC_MD5 || type == TS_IOC_SHA1 || type == TS_IOC_SHA256 || type == TS_IOC_EMAIL;
}

/* The support costly evidence gives h (positive weights only). */
static double costly_support(const hyp_b *h)
{
    double s = 0;
    for (size_t i = 0; i < h->n; i++)
        if (h->v[i].costly && h->v[i].w > 0)
            s += h->v[i].w;
    return s;
}

/* When costly evidence is present, cheap evidence moves h by at most TS_CHEAP_MAX_NATS. */
static void cap_cheap(model *m, hyp_b *h)
{
    double cheap = 0;
    for (size_t i = 0; i < h->n; i++)
        if (!h->v[i].costly && !h->v[i].quiet && h->v[i].kind)
            cheap += h->v[i].w;
    if (cheap <= TS_CHEAP_MAX_NATS)
        return;
    size_t before = h->n;
    ts_attr_add(
        m, h, TS_AE_TECHNIQUE, TS_CHEAP_MAX_NATS - cheap, SIZE_MAX,
        ts_fmt_alloc(
            "cap: costly evidence (exclusive infrastructure, connections from home address space) is "
            "present, so evidence cheap to fake or reuse (files' hashes, techniques, software, names) "
            "may move this actor by at most %.1f of its %.2f nats",
            TS_CHEAP_MAX_NATS, cheap));
    if (h->n > before)
        h->score += TS_CHEAP_MAX_NATS - cheap;
}

/* Whether a's and b's costly support rests on different evidence (none of a's costly pieces
 * supports b): one indicator tied to two actors is one claim, not a contest. */
static bool costly_apart(const hyp_b *a, const hyp_b *b)
{
    for (size_t i = 0; i < a->n; i++) {
        if (!a->v[i].costly || a->v[i].w <= 0)
            continue;
        for (size_t j = 0; j < b->n; j++)
            if (b->v[j].costly && b->v[j].w > 0 && b->v[j].ev == a->v[i].ev)
                return false;
    }
    return true;
}

/* Costly evidence that points to two actors about equally (each has its own exclusive
 * server, say) means one of them was reused or planted: a false flag borrows a leaked server
 * of the actor it imitates. Cheap evidence (files, tools, techniques), which whoever plants a
 * flag controls, then cannot tell those actors apart: each counts only as much of it as the
 * one it helps least, and the conflict is stated. */
static void contested_costly(model *m, double best_costly)
{
    size_t n = 0, lead = SIZE_MAX, other = SIZE_MAX;
    double least = INFINITY, most = -INFINITY;
    for (size_t i = 0; i < m->nh; i++) {
        double c = costly_support(&m->h[i]);
        if (c <= 0 || c < best_costly - TS_CONTESTED_NATS)
            continue;
        n++;
        double cheap = m->h[i].score - c;
        if (cheap > most) {
            most = cheap;
            if (lead != SIZE_MAX)
                other = lead;
            lead = i;
        } else if (other == SIZE_MAX) {
            other = i;
        }
        least = cheap < least ? cheap : least;
    }
    if (n < 2 || !costly_apart(&m->h[lead], &m->h[other]))
        return;
    for (size_t i = 0; i < m->nh; i++) {
        hyp_b *h = &m->h[i];
        double c = costly_support(h);
        if (c <= 0 || c < best_costly - TS_CONTESTED_NATS)
            continue;
        double cut = least - (h->score - c);
        if (cut >= 0)
            continue;
        size_t before = h->n;
        ts_attr_add(
            m, h, TS_AE_TECHNIQUE, cut, SIZE_MAX,
            ts_fmt_alloc("cap: costly evidence points to %zu actors about equally, so one of them was reused "
                         "or planted; evidence cheap to fake (files' hashes, tools, techniques) cannot tell "
                         "them apart and counts for this actor only as much as for the one it helps least",
                         n));
        if (h->n > before)
            h->score += cut;
    }
    m->conflict = true;
    m->conflict_cheap = m->h[lead].actor;
    m->conflict_costly = m->h[other].actor;
    m->contested = true;
}

/* With costly evidence in the incident, cheap evidence is capped for every actor; the
 * actor cheap evidence favours most and the one costly evidence favours most, when they
 * differ, are a stated conflict (the pattern of a false flag). */
static void weigh_cheap_against_costly(model *m)
{
    double best_costly = 0, best_cheap = -INFINITY;
    size_t by_costly = SIZE_MAX, by_cheap = SIZE_MAX;
    for (size_t i = 0; i < m->nh; i++) {
        double c = costly_support(&m->h[i]), all = m->h[i].score;
        if (c > best_costly) {
            best_costly = c;
            by_costly = i;
        }
        if (all - c > best_cheap) {
            best_cheap = all - c;
            by_cheap = i;
        }
    }
    if (by_costly == SIZE_MAX)
        return;
    /* a conflict when the cheap evidence favours another actor clearly over the costly one's */
    double costly_cheap = m->h[by_costly].score - best_costly;
    m->conflict = by_cheap != by_costly && best_cheap - costly_cheap > TS_CONFLICT_NATS;
    if (m->conflict) {
        m->conflict_cheap = m->h[by_cheap].actor;
        m->conflict_costly = m->h[by_costly].actor;
    }
    for (size_t i = 0; i < m->nh; i++)
        cap_cheap(m, &m->h[i]);
    contested_costly(m, best_costly);
}

/* Puts the prior first (as a contribution, so the weights add up to the score). */
static void add_prior(model *m, hyp_b *h, double p, char *what)
{
    size_t before = h->n;
    ts_attr_add(m, h, (ts_attr_kind)0, log(p), SIZE_MAX, what);
    if (h->n == before)
        return; /* out of memory, already noted */
    contrib_b c = h->v[h->n - 1];
    memmove(h->v + 1, h->v, (h->n - 1) * sizeof *h->v);
    h->v[0] = c;
    h->score += c.w;
}

static int cmp_hyp(const void *pa, const void *pb)
{
    const hyp_b *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->actor < b->actor ? -1 : a->actor > b->actor;
}

static double logsumexp2(double a, double b)
{
    double hi = a > b ? a : b, lo = a > b ? b : a;
    return hi + log1p(exp(lo - hi));
}

/* The country whose candidate actors together hold the most probability (when two or
 * more of them share it): with many actors per country, the country is often all the
 * evidence can say. */
static void country_group(model *m)
{
    double hi = m->unattr.score;
    for (size_t i = 0; i < m->nh; i++)
        hi = m->h[i].score > hi ? m->h[i].score : hi;
    if (m->has_insider && m->insider.score > hi)
        hi = m->insider.score;
    double z = exp(m->unattr.score - hi) + (m->has_insider ? exp(m->insider.score - hi) : 0);
    for (size_t i = 0; i < m->nh; i++)
        z += exp(m->h[i].score - hi);
    struct {
        char cc[3];
        double p;
        size_t n;
    } g[64]; /* countries seen among the candidates; more than 64 are not grouped */
    size_t ng = 0;
    for (size_t i = 0; i < m->nh; i++) {
        const ts_actor *a = ts_intel_actor(m->ti, m->h[i].actor);
        if (!a || !a->country || strlen(a->country) != 2)
            continue;
        size_t j = 0;
        while (j < ng && strcasecmp(g[j].cc, a->country) != 0)
            j++;
        if (j == ng) {
            if (ng == sizeof g / sizeof *g)
                continue;
            memcpy(g[ng].cc, a->country, 3);
            g[ng].p = 0;
            g[ng++].n = 0;
        }
        g[j].p += exp(m->h[i].score - hi) / z;
        g[j].n++;
    }
    for (size_t j = 0; j < ng; j++)
        if (g[j].n >= 2 && g[j].p > m->group_p) {
            m->group_p = g[j].p;
            m->group_n = g[j].n;
            memcpy(m->group_cc, g[j].cc, 3);
        }
}

/* Keeps the strongest actors; the others are summed into one hypothesis that names a few. */
static void fold_weak_actors(model *m)
{
    if (m->nh > 1)
        qsort(m->h, m->nh, sizeof *m->h, cmp_hyp);
    country_group(m);
    if (m->nh <= TS_MAX_ACTOR_HYPS)
        return;
    double s = m->h[TS_MAX_ACTOR_HYPS].score;
    char names[256] = "";
    size_t len = 0;
    for (size_t i = TS_MAX_ACTOR_HYPS; i < m->nh; i++) {
        if (i > TS_MAX_ACTOR_HYPS)
            s = logsumexp2(s, m->h[i].score);
        if (i < TS_MAX_ACTOR_HYPS + 5 && len < sizeof names) {
            int w = snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", m->h[i].name);
            len += w > 0 ? (size_t)w : 0;
        }
        hyp_free(&m->h[i]);
    }
    m->n_others = m->nh - TS_MAX_ACTOR_HYPS;
    m->nh = TS_MAX_ACTOR_HYPS;
    m->others_name = ts_fmt_alloc("%zu other catalogued actors", m->n_others);
    if (!m->others_name)
        m->nomem = true;
    ts_attr_add(
        m, &m->others, (ts_attr_kind)0, s, SIZE_MAX,
        ts_fmt_alloc(
            "their summed scores: each has support no stronger than the actors above, so none is singled "
            "out (%s%s)",
            names, m->n_others > 5 ? ", ..." : ""));
    m->others.score = s;
}

static void model_free(model *m)
{
    for (size_t i = 0; i < m->nh; i++)
        hyp_free(&m->h[i]);
    free(m->h);
    free(m->slot);
    hyp_free(&m->unattr);
    hyp_free(&m->insider);
    hyp_free(&m->others);
    free(m->others_name);
    for (size_t i = 0; i < m->n_ev; i++)
        free(m->ev_label[i]);
    free(m->ev_label);
}

/* ---- the result ------------------------------------------------------------------------- */

static bool move_hyp(ts_hypothesis *out, hyp_b *h, const char *name)
{
    out->actor = h->actor;
    out->name = strdup(name ? name : "(unnamed actor)");
    out->score = h->score;
    out->contribs = calloc(h->n ? h->n : 1, sizeof *out->contribs);
    if (!out->name || !out->contribs)
        return false;
    for (size_t i = 0; i < h->n; i++) {
        if (h->v[i].quiet)
            continue;
        out->contribs[out->n_contribs++] = (ts_contribution){h->v[i].what, h->v[i].w, h->v[i].alert};
        h->v[i].what = NULL;
    }
    return true;
}

static int cmp_out(const void *pa, const void *pb)
{
    const ts_hypothesis *a = pa, *b = pb;
    if (a->probability != b->probability)
        return a->probability > b->probability ? -1 : 1;
    if ((a->actor == 0) != (b->actor == 0))
        return a->actor ? -1 : 1;
    return a->actor < b->actor ? -1 : a->actor > b->actor;
}

static ts_attribution *build_result(model *m)
{
    size_t n = m->nh + 1 + (m->has_insider ? 1 : 0) + (m->n_others ? 1 : 0);
    ts_attribution *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->hyps = calloc(n, sizeof *a->hyps);
    if (!a->hyps) {
        free(a);
        return NULL;
    }
    bool ok = true;
    for (size_t i = 0; i < m->nh; i++)
        ok = ok && move_hyp(&a->hyps[a->n++], &m->h[i], m->h[i].name);
    ok = ok && move_hyp(&a->hyps[a->n++], &m->unattr, "unattributed");
    if (m->has_insider)
        ok = ok && move_hyp(&a->hyps[a->n++], &m->insider, "insider");
    if (m->n_others)
        ok = ok && move_hyp(&a->hyps[a->n++], &m->others, m->others_name);
    if (!ok) {
        ts_attribution_free(a);
        return NULL;
    }
    double hi = -INFINITY, z = 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->hyps[i].score > hi)
            hi = a->hyps[i].score;
    for (size_t i = 0; i < a->n; i++)
        z += exp(a->hyps[i].score - hi);
    for (size_t i = 0; i < a->n; i++)
        a->hyps[i].probability = exp(a->hyps[i].score - hi) / z;
    /* Techniques seen in logs are what every intruder (and many admins) do: alone they never
       name an actor as likely. a->hyps[i] is still m->h[i] here; unattributed follows them. */
    for (size_t i = 0; m->p->public_only_cap > 0 && i < m->nh; i++) {
        const hyp_b *h = &m->h[i];
        double over = a->hyps[i].probability - m->p->public_only_cap;
        if (over > 0 && !h->n_costly && !h->n_cheap_ioc && !h->n_claim) {
            a->hyps[i].probability -= over;
            a->hyps[m->nh].probability += over;
        }
    }
    for (size_t i = 0; i < a->n; i++)
        a->hyps[i].wording = ts_icd203(a->hyps[i].probability);
    /* The summed others stay last: they are a remainder, not a hypothesis to lead with. */
    size_t ranked = a->n - (m->n_others ? 1 : 0);
    if (ranked > 1)
        qsort(a->hyps, ranked, sizeof *a->hyps, cmp_out);
    a->summary = ts_attr_verdict(a, m);
    if (!a->summary || !ts_attr_ach(a, m)) {
        ts_attribution_free(a);
        return NULL;
    }
    return a;
}

void ts_attr_params_default(ts_attr_params *p)
{
    *p = (ts_attr_params){.tech_smooth = TS_TECH_SMOOTH,
                          .tech_family = TS_TECH_FAMILY,
                          .tech_soft = TS_TECH_SOFT,
                          .tech_temp = TS_TECH_TEMP,
                          .tech_pseudo = TS_TECH_PSEUDO,
                          .tech_dep = TS_TECH_DEP,
                          .tech_few = TS_TECH_FEW,
                          .tech_span = TS_TECH_SPAN,
                          .soft_smooth = TS_SOFT_SMOOTH,
                          .soft_temp = TS_SOFT_TEMP,
                          .soft_span = TS_SOFT_SPAN,
                          .prior_unattributed = TS_PRIOR_UNATTRIBUTED};
}

ts_attribution *ts_attribute(const ts_intel *ti, const ts_attr_evidence *ev, size_t n)
{
    ts_attr_params p;
    ts_attr_params_default(&p);
    return ts_attribute_with(ti, ev, n, &p);
}

ts_attribution *ts_attribute_with(const ts_intel *ti, const ts_attr_evidence *ev, size_t n,
                                  const ts_attr_params *p)
{
    if (!ti || !p || (n && !ev))
        return NULL;
    model m = {.ti = ti, .p = p, .cur_ev = SIZE_MAX};
    size_t count = ts_intel_actor_count(ti);
    m.n_actors = count ? count : 1;
    m.slot = malloc((m.n_actors + 1) * sizeof *m.slot);
    size_t nd = 0, *reps = NULL, *keep = distinct(ev, n, &nd, &reps);
    /* technique and software evidence is weighed together, after the loop */
    ts_attr_evidence *prof = malloc((nd ? nd : 1) * sizeof *prof);
    const ts_attr_evidence **tech = malloc((nd ? nd : 1) * sizeof *tech),
                           **soft = malloc((nd ? nd : 1) * sizeof *soft);
    const ts_attr_evidence **clocks = malloc((nd ? nd : 1) * sizeof *clocks);
    char **relabels = calloc(nd ? nd : 1, sizeof *relabels);
    size_t nt = 0, ns = 0, nc = 0;
    if (!m.slot || !keep || !prof || !tech || !soft || !clocks || !relabels) {
        free(clocks);
        free(keep);
        free(reps);
        free(prof);
        free(tech);
        free(soft);
        free(relabels);
        model_free(&m);
        return NULL;
    }
    for (size_t i = 0; i <= m.n_actors; i++)
        m.slot[i] = -1;
    m.ev_label = calloc(nd ? nd : 1, sizeof *m.ev_label);
    m.n_ev = m.ev_label ? nd : 0;
    m.nomem |= !m.ev_label;
    for (size_t i = 0; i < nd; i++) {
        ts_attr_evidence copy = ev[keep[i]], *e = &copy;
        m.cur_ev = i;
        if (m.ev_label && !(m.ev_label[i] = strdup(ts_attr_label(e))))
            m.nomem = true;
        if (reps[i] > 1) { /* say that the repeats were seen, and counted once */
            relabels[i] = ts_fmt_alloc("%s (seen %zu times, counted once)", ts_attr_label(e), reps[i]);
            if (!relabels[i])
                m.nomem = true;
            else
                copy.label = relabels[i];
        }
        switch (e->kind) {
        case TS_AE_INDICATOR:
        case TS_AE_ACTOR_CLAIM:
            ev_actorset(&m, e);
            break;
        case TS_AE_HOME_NETWORK:
            ev_home(&m, e);
            break;
        case TS_AE_TECHNIQUE:
            prof[i] = copy;
            tech[nt++] = &prof[i];
            break;
        case TS_AE_SOFTWARE:
            prof[i] = copy;
            soft[ns++] = &prof[i];
            break;
        case TS_AE_INSIDER:
            ev_insider(&m, e);
            break;
        case TS_AE_TIMEZONE:
            prof[i] = copy;
            clocks[nc++] = &prof[i];
            break;
        default:
            ts_attr_add(&m, &m.unattr, e->kind, 0, e->alert,
                        ts_fmt_alloc("%s: evidence of an unknown kind, ignored", ts_attr_label(e)));
        }
    }
    m.ev_base = prof;
    m.cur_ev = SIZE_MAX;
    ts_attr_profiles(&m, tech, nt, soft, ns);
    for (size_t i = 0; i < nc; i++) { /* after the rest: time only weighs candidates */
        m.cur_ev = (size_t)(clocks[i] - prof);
        ev_timezone(&m, clocks[i]);
    }
    m.cur_ev = SIZE_MAX;
    for (size_t i = 0; i < nd; i++)
        free(relabels[i]);
    free(relabels);
    free(prof);
    free(tech);
    free(soft);
    free(clocks);
    free(keep);
    free(reps);
    double p_unattr = p->prior_unattributed, p_actors = 1 - p_unattr - TS_PRIOR_INSIDER;
    double actor_prior = p_actors / (double)m.n_actors;
    for (size_t i = 0; i < m.nh; i++)
        damp_and_score(&m, &m.h[i]);
    weigh_cheap_against_costly(&m);
    for (size_t i = 0; i < m.nh; i++)
        add_prior(&m, &m.h[i], actor_prior,
                  ts_fmt_alloc("prior: one of %zu catalogued actors, which share %.0f%% of the prior",
                               m.n_actors, p_actors * 100));
    damp_and_score(&m, &m.unattr);
    size_t silent = count > m.nh ? count - m.nh : 0;
    add_prior(
        &m, &m.unattr, p_unattr + actor_prior * (double)silent,
        ts_fmt_alloc("prior: an actor no catalogue names, a new cluster, or none can be told apart (%.0f%%), "
                     "plus the share of the %zu catalogued actors no evidence points to",
                     p_unattr * 100, silent));
    if (m.has_insider) {
        damp_and_score(&m, &m.insider);
        add_prior(&m, &m.insider, TS_PRIOR_INSIDER,
                  ts_fmt_alloc("prior: an insider (%.0f%%): someone with legitimate access",
                               TS_PRIOR_INSIDER * 100));
    }
    fold_weak_actors(&m);
    ts_attribution *a = m.nomem ? NULL : build_result(&m);
    model_free(&m);
    return a;
}
