/* test_attribute.c: the attribution model's weights (exclusivity, rarity, warninglists,
 * home networks, repeats), its priors and ICD 203 words, evidence from incidents, the
 * analyst reader, the report, and ATT&CK data when it is present. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attribute/attribute.h"
#include "attribute/sharing.h"
#include "attribute/timezone.h"
#include "attribute/model.h"
#include "check.h"
#include "report/report.h"

/* ---- a small catalogue ----------------------------------------------------------------- */

typedef struct cat {
    ts_intel *ti;
    uint32_t lazarus, kimsuky, apt37, apt28, apt29, turla, apt41;
    uint32_t t_rare, t_wiper, t_common, t_cmd, t_shell;
    uint32_t newrat, hoplight, mimikatz, wannacry;
    uint32_t set_lazarus, set_russia;
    uint32_t src;
} cat;

#define FILLERS 14

static void uses_t(ts_intel *ti, uint32_t actor, uint32_t t)
{
    ts_intel_actor_uses_technique(ti, actor, t);
}

static void add_ioc(cat *c, ts_ioc_type type, const char *value, uint32_t set, uint8_t conf, uint8_t flags)
{
    ts_ioc_meta m = {.source = c->src, .actors = set, .confidence = conf, .flags = flags};
    if (flags & TS_IOC_ALLOW)
        m.note = ts_intel_string(c->ti, "public DNS resolver");
    CHECK_INT(ts_intel_add(c->ti, type, ts_str_c(value), &m), TOCSIN_OK);
}

/* 21 actors: three suspected North Korean, three Russian, one Chinese, fourteen others. */
static void cat_build(cat *c)
{
    memset(c, 0, sizeof *c);
    ts_intel *ti = c->ti = ts_intel_new();
    c->lazarus = ts_intel_actor_add(ti, "Lazarus Group", "G0032", "KP");
    ts_intel_actor_alias(ti, c->lazarus, "HIDDEN COBRA");
    ts_intel_actor_alias(ti, c->lazarus, "Guardians of Peace");
    c->kimsuky = ts_intel_actor_add(ti, "Kimsuky", "G0094", "KP");
    c->apt37 = ts_intel_actor_add(ti, "APT37", "G0067", "KP");
    c->apt28 = ts_intel_actor_add(ti, "APT28", "G0007", "RU");
    c->apt29 = ts_intel_actor_add(ti, "APT29", "G0016", "RU");
    c->turla = ts_intel_actor_add(ti, "Turla", "G0010", "RU");
    c->apt41 = ts_intel_actor_add(ti, "APT41", "G0096", "CN");
    uint32_t fill[FILLERS];
    for (int i = 0; i < FILLERS; i++) {
        char name[32];
        snprintf(name, sizeof name, "Filler %02d", i);
        fill[i] = ts_intel_actor_add(ti, name, NULL, NULL);
    }
    /* An alias two actors share stays two hypotheses. */
    ts_intel_actor_alias(ti, c->apt28, "Sofacy");
    ts_intel_actor_alias(ti, fill[0], "Sofacy");

    c->t_rare = ts_intel_technique(ti, "T1574.013", "KernelCallbackTable", "persistence");
    c->t_wiper = ts_intel_technique(ti, "T1561.001", "Disk Content Wipe", "impact");
    c->t_common = ts_intel_technique(ti, "T1105", "Ingress Tool Transfer", "command-and-control");
    c->t_cmd = ts_intel_technique(ti, "T1059.003", "Windows Command Shell", "execution");
    c->t_shell = ts_intel_technique(ti, "T1059", "Command and Scripting Interpreter", "execution");
    uses_t(ti, c->lazarus, c->t_rare);
    uses_t(ti, c->lazarus, c->t_wiper);
    uses_t(ti, c->apt28, c->t_wiper);
    uint32_t all[] = {c->lazarus, c->kimsuky, c->apt37, c->apt28, c->apt29, c->turla, c->apt41};
    for (size_t i = 0; i < 7; i++) {
        uses_t(ti, all[i], c->t_common);
        uses_t(ti, all[i], c->t_cmd);
    }
    for (int i = 0; i < FILLERS; i++) {
        uses_t(ti, fill[i], c->t_common);
        if (i < 8)
            uses_t(ti, fill[i], c->t_cmd);
        if (i < 3)
            uses_t(ti, fill[i], c->t_shell);
    }
    uses_t(ti, c->apt29, c->t_shell);

    c->hoplight = ts_intel_software_add(ti, "HOPLIGHT", "S0376", "malware");
    c->wannacry = ts_intel_software_add(ti, "WannaCry", "S0366", "malware");
    c->mimikatz = ts_intel_software_add(ti, "Mimikatz", "S0002", "tool");
    c->newrat = ts_intel_software_add(ti, "NewRAT", "S9999", "malware");
    ts_intel_actor_uses_software(ti, c->lazarus, c->hoplight);
    ts_intel_actor_uses_software(ti, c->lazarus, c->wannacry);
    ts_intel_actor_uses_software(ti, c->lazarus, c->mimikatz);
    for (size_t i = 3; i < 7; i++)
        ts_intel_actor_uses_software(ti, all[i], c->mimikatz);
    for (int i = 0; i < 8; i++)
        ts_intel_actor_uses_software(ti, fill[i], c->mimikatz);

    c->set_lazarus = ts_intel_actorset(ti, &c->lazarus, 1);
    uint32_t ru[] = {c->apt28, c->apt29, c->turla};
    c->set_russia = ts_intel_actorset(ti, ru, 3);
    c->src = ts_intel_source(ti, "sony-2014");
    add_ioc(c, TS_IOC_IP, "203.131.222.102", c->set_lazarus, 90, 0);
    add_ioc(c, TS_IOC_DOMAIN, "evil-lazarus.example", c->set_lazarus, 80, 0);
    add_ioc(c, TS_IOC_DOMAIN, "c2.duckdns.org", c->set_lazarus, 80, 0);
    add_ioc(c, TS_IOC_IP, "198.51.100.9", c->set_russia, 90, 0);
    add_ioc(c, TS_IOC_IP, "8.8.8.8", c->set_lazarus, 90, 0);
    add_ioc(c, TS_IOC_IP, "8.8.8.8", 0, 100, TS_IOC_ALLOW);
    add_ioc(c, TS_IOC_IP, "192.0.2.80", c->set_lazarus, 90, TS_IOC_SHARED);
    ts_intel_finalise(ti);
}

/* ---- helpers ----------------------------------------------------------------------------- */

static const ts_hypothesis *find(const ts_attribution *a, const char *name)
{
    for (size_t i = 0; a && i < a->n; i++)
        if (strcmp(a->hyps[i].name, name) == 0)
            return &a->hyps[i];
    return NULL;
}

static double prob(const ts_attribution *a, const char *name)
{
    const ts_hypothesis *h = find(a, name);
    return h ? h->probability : 0;
}

/* The largest weight among h's contributions whose text contains needle; NAN if none. */
static double weight_of(const ts_hypothesis *h, const char *needle)
{
    double w = NAN;
    for (size_t i = 0; h && i < h->n_contribs; i++)
        if (strstr(h->contribs[i].what, needle) && (isnan(w) || h->contribs[i].weight > w))
            w = h->contribs[i].weight;
    return w;
}

static ts_attr_evidence ioc(uint32_t set, uint8_t conf, const char *label)
{
    return (ts_attr_evidence){
        .kind = TS_AE_INDICATOR, .actorset = set, .confidence = conf, .label = label, .alert = SIZE_MAX};
}

static ts_attr_evidence tech(uint32_t t)
{
    return (ts_attr_evidence){
        .kind = TS_AE_TECHNIQUE, .technique = t, .confidence = 100, .label = "t", .alert = SIZE_MAX};
}

static ts_attr_evidence soft(uint32_t s)
{
    return (ts_attr_evidence){
        .kind = TS_AE_SOFTWARE, .software = s, .confidence = 100, .label = "s", .alert = SIZE_MAX};
}

static ts_attr_evidence home(const char *cc, int inbound)
{
    ts_attr_evidence e = {.kind = TS_AE_HOME_NETWORK,
                          .confidence = 100,
                          .inbound = (uint8_t)inbound,
                          .label = "net",
                          .alert = SIZE_MAX};
    memcpy(e.country, cc, 2);
    return e;
}

/* The most probable catalogued actor. */
static const ts_hypothesis *best_actor(const ts_attribution *a)
{
    for (size_t i = 0; a && i < a->n; i++)
        if (a->hyps[i].actor)
            return &a->hyps[i];
    return NULL;
}

/* Invariants every result keeps: ranked, probabilities sum to 1, weights add to scores. */
static void check_invariants(const ts_attribution *a)
{
    CHECK(a != NULL);
    if (!a)
        return;
    double sum = 0;
    for (size_t i = 0; i < a->n; i++) {
        const ts_hypothesis *h = &a->hyps[i];
        sum += h->probability;
        bool others = strstr(h->name, " other catalogued actors") != NULL;
        if (others)
            CHECK(i == a->n - 1); /* the remainder comes last */
        else if (i)
            CHECK(a->hyps[i - 1].probability >= h->probability);
        double w = 0;
        for (size_t j = 0; j < h->n_contribs; j++)
            w += h->contribs[j].weight;
        CHECK(fabs(w - h->score) < 1e-9);
        CHECK_STR(h->wording, ts_icd203(h->probability));
    }
    CHECK(fabs(sum - 1) < 1e-9);
    CHECK(find(a, "unattributed") != NULL);
    CHECK(a->summary && strlen(a->summary) > 10);
}

/* ---- the model ---------------------------------------------------------------------------- */

static void test_icd203(void)
{
    CHECK_STR(ts_icd203(0.0), "almost no chance");
    CHECK_STR(ts_icd203(0.049), "almost no chance");
    CHECK_STR(ts_icd203(0.05), "very unlikely");
    CHECK_STR(ts_icd203(0.199), "very unlikely");
    CHECK_STR(ts_icd203(0.20), "unlikely");
    CHECK_STR(ts_icd203(0.449), "unlikely");
    CHECK_STR(ts_icd203(0.45), "roughly even chance");
    CHECK_STR(ts_icd203(0.55), "roughly even chance");
    CHECK_STR(ts_icd203(0.551), "likely");
    CHECK_STR(ts_icd203(0.799), "likely");
    CHECK_STR(ts_icd203(0.80), "very likely");
    CHECK_STR(ts_icd203(0.95), "very likely");
    CHECK_STR(ts_icd203(0.951), "almost certainly");
    CHECK_STR(ts_icd203(1.0), "almost certainly");
    CHECK_STR(ts_icd203(NAN), "almost no chance");
}

static void test_exclusive_beats_shared(const cat *c)
{
    ts_attr_evidence ev[] = {ioc(c->set_lazarus, 95, "ip A"), ioc(c->set_russia, 95, "ip B")};
    ts_attribution *a = ts_attribute(c->ti, ev, 2);
    check_invariants(a);
    CHECK_STR(a->hyps[0].name, "Lazarus Group");
    CHECK(prob(a, "Lazarus Group") > 2.5 * prob(a, "APT28"));
    CHECK(fabs(prob(a, "APT28") - prob(a, "Turla")) < 1e-12); /* a shared indicator splits evenly */
    double wl = weight_of(find(a, "Lazarus Group"), "ip A"), wr = weight_of(find(a, "APT28"), "ip B");
    CHECK(wl > wr + 0.9); /* about log 3 apart */
    CHECK(strstr(find(a, "Lazarus Group")->contribs[0].what, "prior") != NULL);
    ts_attribution_free(a);

    /* One exclusive indicator at confidence 90 alone: Lazarus is the likely actor. */
    a = ts_attribute(c->ti, ev, 1);
    check_invariants(a);
    CHECK_STR(a->hyps[0].name, "Lazarus Group");
    CHECK(a->hyps[0].probability > 0.55 && a->hyps[0].probability < 0.95);
    ts_attribution_free(a);
}

static void test_zero_weight(const cat *c)
{
    ts_attr_evidence ev[2] = {ioc(c->set_lazarus, 90, "ip 8.8.8.8"),
                              ioc(c->set_lazarus, 90, "ip 192.0.2.80")};
    ev[0].suppressed = 1;
    ev[1].shared = 1;
    ts_attribution *a = ts_attribute(c->ti, ev, 2);
    check_invariants(a);
    CHECK_STR(a->hyps[0].name, "unattributed");
    const ts_hypothesis *l = find(a, "Lazarus Group");
    CHECK(l != NULL); /* still listed, with weight 0 and why */
    CHECK(weight_of(l, "warninglisted") == 0);
    CHECK(weight_of(l, "shared infrastructure") == 0);
    ts_attribution_free(a);

    /* An indicator that names no actor, and confidence 0, weigh nothing either. */
    ts_attr_evidence none[2] = {ioc(0, 90, "ip C"), ioc(c->set_lazarus, 0, "ip D")};
    a = ts_attribute(c->ti, none, 2);
    check_invariants(a);
    CHECK_STR(a->hyps[0].name, "unattributed");
    CHECK(weight_of(find(a, "unattributed"), "names no actor") == 0);
    CHECK(weight_of(find(a, "Lazarus Group"), "ip D") == 0);
    ts_attribution_free(a);
}

/* One indicator makes its actor no likelier than the source's confidence in it: a
 * confidence-30 listing (often a busy address listed by mistake) cannot outweigh
 * "unattributed", a confidence-90 one can. */
static void test_confidence_caps_one_indicator(const cat *c)
{
    ts_attr_evidence weak = ioc(c->set_lazarus, 30, "ip 104.16.1.34");
    ts_attribution *a = ts_attribute(c->ti, &weak, 1);
    check_invariants(a);
    const ts_hypothesis *l = find(a, "Lazarus Group");
    CHECK(l && l->probability <= 0.31);
    CHECK_STR(a->hyps[0].name, "unattributed");
    CHECK(l && weight_of(l, "no likelier than its confidence") > 0);
    ts_attribution_free(a);

    ts_attr_evidence strong = ioc(c->set_lazarus, 90, "ip 203.131.222.102");
    a = ts_attribute(c->ti, &strong, 1);
    check_invariants(a);
    CHECK_STR(a->hyps[0].name, "Lazarus Group");
    CHECK(a->hyps[0].probability > 0.6);
    ts_attribution_free(a);
}

static void test_weak_is_unattributed(const cat *c)
{
    ts_attribution *a = ts_attribute(c->ti, NULL, 0);
    check_invariants(a);
    CHECK_INT(a->n, 1);
    CHECK_STR(a->hyps[0].name, "unattributed");
    CHECK_STR(a->hyps[0].wording, "almost certainly");
    ts_attribution_free(a);

    /* Techniques every actor uses: no actor singled out; the many together are summed into
       one hypothesis that names a few of them. */
    ts_attr_evidence ev[] = {tech(c->t_common), tech(c->t_cmd)};
    a = ts_attribute(c->ti, ev, 2);
    check_invariants(a);
    CHECK_STR(a->hyps[0].name, "unattributed");
    CHECK(best_actor(a)->probability < 0.05);
    CHECK(strstr(a->summary, "unattributed (an unknown actor or a new cluster)") == a->summary);
    CHECK(strstr(a->summary, "no catalogued actor reaches 5%") != NULL);
    const ts_hypothesis *others = find(a, "13 other catalogued actors"); /* 21 actors, 8 listed */
    CHECK(others && others->actor == 0 && others->n_contribs == 1);
    CHECK(others && strstr(others->contribs[0].what, "none is singled out (") != NULL);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ts_report_attribution(c->ti, a, f, 1);
    fclose(f);
    CHECK(strstr(buf, "\"actor\":\"13 other catalogued actors\",\"kind\":\"others\"") != NULL);
    free(buf);
    ts_attribution_free(a);

    /* A rare technique alone is not enough either. */
    ts_attr_evidence one = tech(c->t_rare);
    a = ts_attribute(c->ti, &one, 1);
    check_invariants(a);
    CHECK_STR(a->hyps[0].name, "unattributed");
    CHECK_STR(a->hyps[1].name, "Lazarus Group");
    ts_attribution_free(a);
}

static void test_home_network(const cat *c)
{
    ts_attr_evidence kp = home("KP", 1), cn = home("CN", 1), out = home("KP", 0), xx = home("ZZ", 1);
    ts_attribution *a = ts_attribute(c->ti, &kp, 1);
    check_invariants(a);
    double wl = weight_of(find(a, "Lazarus Group"), "net"), wk = weight_of(find(a, "Kimsuky"), "net");
    CHECK(wl > 0 && wl == wk);
    CHECK(find(a, "APT28") == NULL);
    CHECK(fabs(prob(a, "Lazarus Group") - prob(a, "APT37")) < 1e-12);
    /* No single actor stands out, but together the country's actors do. */
    CHECK(prob(a, "Lazarus Group") < 0.45);
    double pkp = prob(a, "Lazarus Group") + prob(a, "Kimsuky") + prob(a, "APT37");
    CHECK(pkp > 0.55);
    char want[96];
    snprintf(want, sizeof want, "the 3 actors suspected to be based in KP together: %s", ts_icd203(pkp));
    CHECK(strstr(a->summary, want) != NULL);
    ts_attribution_free(a);

    a = ts_attribute(c->ti, &cn, 1); /* one actor of that country: all the weight is its */
    double wc = weight_of(find(a, "APT41"), "net");
    CHECK(wc > wl + 0.5);
    ts_attribution_free(a);

    a = ts_attribute(c->ti, &out, 1); /* reaching the space says less than a connection from it */
    double wo = weight_of(find(a, "Lazarus Group"), "net");
    CHECK(wo > 0 && wo < wl);
    ts_attribution_free(a);

    a = ts_attribute(c->ti, &xx, 1); /* a country no actor is from */
    check_invariants(a);
    CHECK_INT(a->n, 1);
    CHECK(weight_of(find(a, "unattributed"), "no catalogued actor") == 0);
    ts_attribution_free(a);

    /* The country plus a rare technique singles Lazarus out among the three. */
    ts_attr_evidence both[] = {kp, tech(c->t_rare)};
    a = ts_attribute(c->ti, both, 2);
    check_invariants(a);
    CHECK_STR(a->hyps[0].name, "Lazarus Group");
    CHECK(prob(a, "Lazarus Group") > 2 * prob(a, "Kimsuky"));
    ts_attribution_free(a);
}

/* The weight one piece of evidence alone gives actor. */
static double alone(const cat *c, ts_attr_evidence e, const char *actor)
{
    ts_attribution *a = ts_attribute(c->ti, &e, 1);
    double w = weight_of(find(a, actor), e.kind == TS_AE_TECHNIQUE ? "technique " : "software ");
    ts_attribution_free(a);
    return w;
}

static void test_rarity_and_exclusivity(const cat *c)
{
    /* A technique few actors use weighs more than a common one, which explains itself. */
    double rare = alone(c, tech(c->t_rare), "Lazarus Group"),
           wiper = alone(c, tech(c->t_wiper), "Lazarus Group");
    CHECK(rare > wiper && wiper > 0);
    ts_attr_evidence one = tech(c->t_common);
    ts_attribution *a = ts_attribute(c->ti, &one, 1);
    CHECK_STR(a->hyps[0].name, "unattributed");
    CHECK(best_actor(a)->probability < 0.1);
    ts_attribution_free(a);
    /* The same technique says more about the actor with the smaller profile. */
    CHECK(alone(c, tech(c->t_wiper), "APT28") > wiper);
    /* Malware one actor uses says more than a tool thirteen use. */
    ts_attr_evidence sw[] = {soft(c->hoplight), soft(c->mimikatz)};
    ts_attribution *a1 = ts_attribute(c->ti, sw, 1), *a2 = ts_attribute(c->ti, sw + 1, 1);
    CHECK(prob(a1, "Lazarus Group") > 2 * prob(a2, "Lazarus Group"));
    ts_attribution_free(a1);
    ts_attribution_free(a2);

    /* Actors matching the same techniques with different profiles do not tie. */
    ts_attr_evidence two[] = {tech(c->t_wiper), tech(c->t_common)};
    a = ts_attribute(c->ti, two, 2);
    check_invariants(a);
    CHECK(prob(a, "APT28") != prob(a, "Lazarus Group"));
    ts_attribution_free(a);

    /* A technique outside an actor's profile costs it a bounded amount. */
    ts_attr_evidence ev[] = {tech(c->t_rare),   tech(c->t_wiper),  tech(c->t_common),
                             soft(c->hoplight), soft(c->mimikatz), tech(c->t_shell)};
    a = ts_attribute(c->ti, ev, 6);
    check_invariants(a);
    CHECK_STR(a->hyps[0].name, "Lazarus Group");
    double famw = weight_of(find(a, "Lazarus Group"), "the profile lists its family");
    CHECK(!isnan(famw) && famw < weight_of(find(a, "Lazarus Group"), "technique T1561.001"));
    double out = weight_of(find(a, "APT28"), "technique outside its documented profile"); /* T1574.013 */
    CHECK(out < 0 && out > -5);
    /* and so does software outside it: new malware in a known actor's campaign is the rule,
       not a sign of someone else (it cost -14.7 nats each before) */
    double sout = weight_of(find(a, "APT28"), "software outside its documented profile"); /* HOPLIGHT */
    CHECK(sout < 0 && sout > -5);
    ts_attribution_free(a);
    /* An actor none of whose software was seen pays for the software outside its profile as
       one that matched a shared tool does: APT28 (Mimikatz) for HOPLIGHT, seen with a wiper
       technique both it and Lazarus Group list. */
    ts_attr_evidence wipe[] = {tech(c->t_wiper), soft(c->hoplight)};
    a = ts_attribute(c->ti, wipe, 2);
    check_invariants(a);
    double unseen = weight_of(find(a, "APT28"), "software outside its documented profile");
    CHECK(!isnan(unseen) && unseen < 0);
    CHECK(prob(a, "Lazarus Group") > prob(a, "APT28"));

    /* A program no actor is known to use is new to every hypothesis: it costs no actor
       anything (APT28 paid for it as for HOPLIGHT before), and "unattributed" says why. */
    ts_attr_evidence fresh[] = {tech(c->t_wiper), soft(c->hoplight), soft(c->newrat)};
    ts_attribution *n2 = ts_attribute(c->ti, fresh, 2), *n3 = ts_attribute(c->ti, fresh, 3);
    check_invariants(n3);
    CHECK(fabs(prob(n3, "Lazarus Group") - prob(n2, "Lazarus Group")) < 1e-9);
    CHECK(fabs(prob(n3, "APT28") - prob(n2, "APT28")) < 1e-9);
    CHECK(weight_of(find(n3, "unattributed"), "no catalogued actor is known to use it") == 0);
    ts_attribution_free(n2);
    ts_attribution_free(n3);

    /* A parent seen with its sub-technique counts once. */
    ts_attr_evidence fam[] = {tech(c->t_cmd), tech(c->t_shell)};
    ts_attribution *b = ts_attribute(c->ti, fam, 2), *b1 = ts_attribute(c->ti, fam, 1);
    CHECK(weight_of(find(b, "unattributed"), "counted once with its sub-technique T1059.003") == 0);
    CHECK(fabs(prob(b, "APT29") - prob(b1, "APT29")) < 1e-9);
    ts_attribution_free(b);
    ts_attribution_free(b1);
    ts_attribution_free(a);

    /* Public knowledge alone: cautioned, and never "high" confidence. */
    ts_attr_evidence pub[] = {soft(c->hoplight), soft(c->wannacry), tech(c->t_rare), tech(c->t_wiper)};
    a = ts_attribute(c->ti, pub, 4);
    check_invariants(a);
    CHECK_STR(a->hyps[0].name, "Lazarus Group");
    CHECK(strstr(a->summary, "caution: only public techniques and software point to Lazarus Group") != NULL);
    CHECK(strcmp(a->confidence, "high") != 0);
    ts_attribution_free(a);
    /* An indicator on top makes it "almost certainly". */
    ts_attr_evidence more[] = {soft(c->hoplight), soft(c->wannacry), tech(c->t_rare),
                               ioc(c->set_lazarus, 90, "ip A")};
    a = ts_attribute(c->ti, more, 4);
    CHECK(a->hyps[0].probability > 0.95);
    ts_attribution_free(a);
}

/* Cheap evidence (files' hashes, techniques, software) for one actor against costly
 * evidence (exclusive infrastructure) for another: the costly evidence wins, and the
 * verdict states the conflict (a false flag). */
static void test_false_flag(const cat *c)
{
    ts_attr_evidence ev[] = {ioc(c->set_lazarus, 70, "md5 760c35a80d758f032d02cf4db12d3e55"),
                             ioc(c->set_lazarus, 70, "md5 d1c27ee7ce18675974edf42d4eea25c6"),
                             soft(c->hoplight),
                             tech(c->t_rare),
                             tech(c->t_wiper),
                             ioc(c->set_russia, 70, "ip 198.51.100.9"),
                             ioc(c->set_russia, 70, "ip 198.51.100.10")};
    ev[0].cheap = ev[1].cheap = 1;
    ts_attribution *a = ts_attribute(c->ti, ev, 7);
    check_invariants(a);
    CHECK(prob(a, "Lazarus Group") <= 0.55); /* below "likely" */
    CHECK(strstr(a->summary, "conflict: evidence cheap to fake or reuse") != NULL);
    CHECK(strstr(a->summary, "points to Lazarus Group") != NULL);
    CHECK_STR(a->confidence, "low");
    CHECK(weight_of(find(a, "Lazarus Group"), "cap: costly evidence") < 0);
    ts_attribution_free(a);
    /* Without the costly evidence, the cheap evidence is not capped. */
    a = ts_attribute(c->ti, ev, 5);
    check_invariants(a);
    CHECK_STR(a->hyps[0].name, "Lazarus Group");
    CHECK(isnan(weight_of(find(a, "Lazarus Group"), "cap: costly evidence")));
    CHECK(strstr(a->summary, "conflict") == NULL);
    ts_attribution_free(a);
}

static void test_repeats_count_once(const cat *c)
{
    ts_attr_evidence one[] = {ioc(c->set_lazarus, 90, "ip A")};
    ts_attr_evidence rep[] = {ioc(c->set_lazarus, 90, "ip A"), ioc(c->set_lazarus, 90, "ip A"),
                              ioc(c->set_lazarus, 70, "ip A"), tech(c->t_rare), tech(c->t_rare)};
    ts_attribution *a1 = ts_attribute(c->ti, one, 1), *a2 = ts_attribute(c->ti, rep, 3);
    CHECK(fabs(find(a1, "Lazarus Group")->score - find(a2, "Lazarus Group")->score) < 1e-12);
    ts_attribution_free(a2);
    ts_attribution *a3 = ts_attribute(c->ti, rep + 3, 2), *a4 = ts_attribute(c->ti, rep + 3, 1);
    CHECK(fabs(find(a3, "Lazarus Group")->score - find(a4, "Lazarus Group")->score) < 1e-12);
    ts_attribution_free(a3);
    ts_attribution_free(a4);

    /* Two different indicators of one actor: the second counts half (diminishing returns). */
    ts_attr_evidence two[] = {ioc(c->set_lazarus, 90, "ip A"), ioc(c->set_lazarus, 90, "ip B")};
    a2 = ts_attribute(c->ti, two, 2);
    check_invariants(a2);
    const ts_hypothesis *l1 = find(a1, "Lazarus Group"), *l2 = find(a2, "Lazarus Group");
    double w1 = weight_of(l1, "ip A");
    CHECK(fabs(l2->score - l1->score - w1 / 2) < 1e-9);
    CHECK(weight_of(l2, "x0.50") > 0);
    CHECK(a2->hyps[0].probability > a1->hyps[0].probability);
    ts_attribution_free(a1);
    ts_attribution_free(a2);

    /* Thirty addresses of one feed: twelve listed, the rest summed into one line. */
    ts_attr_evidence many[30];
    char labels[30][32];
    for (int i = 0; i < 30; i++) {
        snprintf(labels[i], sizeof labels[i], "ip 10.9.9.%d", i);
        many[i] = ioc(c->set_lazarus, (uint8_t)(60 + i), labels[i]);
    }
    a1 = ts_attribute(c->ti, many, 30);
    check_invariants(a1);
    l1 = find(a1, "Lazarus Group");
    CHECK_INT(l1->n_contribs, 1 + 12 + 1); /* prior, twelve, the rest */
    CHECK(weight_of(l1, "and 18 more indicators") > 0);
    CHECK(weight_of(l1, "ip 10.9.9.29") > weight_of(l1, "ip 10.9.9.28")); /* most trusted first */
    CHECK(isnan(weight_of(l1, "the 13th")));                              /* folded: not listed */
    CHECK(weight_of(l1, "the 12th of its kind") > 0);
    ts_attribution_free(a1);
}

static void test_claims_and_insider(const cat *c)
{
    /* An alias two actors share: both stay hypotheses, with the weight split. */
    ts_attr_evidence claim = {
        .kind = TS_AE_ACTOR_CLAIM, .confidence = 60, .label = "Sofacy", .alert = SIZE_MAX};
    claim.n_actors = ts_intel_actor_resolve(c->ti, "Sofacy", claim.actors, TS_ATTR_MAX_NAMED);
    CHECK_INT(claim.n_actors, 2);
    ts_attribution *a = ts_attribute(c->ti, &claim, 1);
    check_invariants(a);
    CHECK(find(a, "APT28") && find(a, "Filler 00"));
    CHECK(fabs(prob(a, "APT28") - prob(a, "Filler 00")) < 1e-12);
    CHECK(weight_of(find(a, "APT28"), "ambiguous: a name 2 actors share (APT28, Filler 00)") > 0);
    CHECK(strstr(a->summary, "cannot tell") != NULL || a->hyps[0].actor == 0);
    ts_attribution_free(a);

    ts_attr_evidence ins = {
        .kind = TS_AE_INSIDER, .confidence = 100, .label = "all internal", .alert = SIZE_MAX};
    a = ts_attribute(c->ti, &ins, 1);
    check_invariants(a);
    CHECK(find(a, "insider") != NULL);
    CHECK(prob(a, "insider") > 0.2);
    CHECK(strstr(a->summary, "insider") != NULL);
    ts_attribution_free(a);
    /* Two distinct signs: the insider leads, and the summary names it, not "unattributed". */
    ts_attr_evidence ins2[2] = {ins, ins};
    ins2[1].label = "after-hours copying by an administrator";
    a = ts_attribute(c->ti, ins2, 2);
    check_invariants(a);
    CHECK_STR(a->hyps[0].name, "insider");
    CHECK(strncmp(a->summary, "insider: ", 9) == 0);
    CHECK(strstr(a->summary, "internal and by valid accounts") != NULL);
    ts_attribution_free(a);

    /* Without insider evidence there is no insider hypothesis. */
    ts_attr_evidence e = ioc(c->set_lazarus, 90, "ip A");
    a = ts_attribute(c->ti, &e, 1);
    CHECK(find(a, "insider") == NULL);
    CHECK(strstr(a->summary, "caution") == NULL); /* an indicator is not public knowledge */
    ts_attribution_free(a);
    CHECK(ts_attribute(NULL, &e, 1) == NULL);
    CHECK(ts_attribute(c->ti, NULL, 1) == NULL);
}

/* The order of the evidence does not change the result. */
static void test_order_independent(const cat *c)
{
    ts_attr_evidence ev[] = {
        ioc(c->set_russia, 70, "ip B"), tech(c->t_wiper), home("KP", 1), soft(c->mimikatz), tech(c->t_common),
        ioc(c->set_lazarus, 50, "ip A")};
    ts_attr_evidence rev[6];
    for (int i = 0; i < 6; i++)
        rev[i] = ev[5 - i];
    ts_attribution *a = ts_attribute(c->ti, ev, 6), *b = ts_attribute(c->ti, rev, 6);
    check_invariants(a);
    CHECK_INT(a->n, b->n);
    CHECK_STR(a->summary, b->summary);
    for (size_t i = 0; i < a->n && i < b->n; i++) {
        CHECK_STR(a->hyps[i].name, b->hyps[i].name);
        CHECK(fabs(a->hyps[i].score - b->hyps[i].score) < 1e-9);
        CHECK_INT(a->hyps[i].n_contribs, b->hyps[i].n_contribs);
        for (size_t j = 0; j < a->hyps[i].n_contribs && j < b->hyps[i].n_contribs; j++)
            CHECK_STR(a->hyps[i].contribs[j].what, b->hyps[i].contribs[j].what);
    }
    ts_attribution_free(a);
    ts_attribution_free(b);
}

/* ---- incidents ----------------------------------------------------------------------------- */

static ts_alert *alert(ts_evidence_kind kind, const char *title, const char *techniques)
{
    ts_alert *a = calloc(1, sizeof *a);
    a->detector = "test";
    a->key = strdup(title);
    a->title = strdup(title);
    a->kind = kind;
    a->techniques = techniques ? strdup(techniques) : NULL;
    a->count = 1;
    return a;
}

static ts_incident *incident(ts_alert **v, size_t n)
{
    ts_incident *inc = calloc(1, sizeof *inc);
    inc->alerts = malloc(n * sizeof *v);
    memcpy(inc->alerts, v, n * sizeof *v);
    inc->n_alerts = n;
    return inc;
}

static void test_incident(const cat *c)
{
    ts_alert *v[5];
    v[0] = alert(TS_EV_INDICATOR, "C2 ip", NULL);
    v[0]->actorset = c->set_lazarus;
    v[0]->confidence = 90;
    v[0]->ioc_type = TS_IOC_IP;
    v[0]->ioc_value = strdup("203.131.222.102");
    v[0]->side = TS_SIDE_DST;
    v[0]->direction = TS_DIR_OUTBOUND;
    v[0]->source = c->src;
    v[1] = alert(TS_EV_HOME_NETWORK, "from KP", NULL);
    memcpy(v[1]->remote_geo.cc, "KP", 3);
    v[1]->remote_geo.asn = 131279;
    ts_ip_parse(ts_str_c("175.45.176.3"), &v[1]->remote_ip);
    v[1]->direction = TS_DIR_INBOUND;
    v[2] = alert(TS_EV_RULE, "HOPLIGHT Backdoor Activity", "T1574.013, T1105,T9999,S0376");
    v[3] = alert(TS_EV_INDICATOR, "warninglisted", NULL);
    v[3]->actorset = c->set_lazarus;
    v[3]->confidence = 90;
    v[3]->ioc_type = TS_IOC_IP;
    v[3]->ioc_value = strdup("8.8.8.8");
    v[3]->suppressed = strdup("public DNS resolver");
    v[4] = alert(TS_EV_INDICATOR, "C2 ip connects back", NULL); /* the same indicator, other side */
    v[4]->actorset = c->set_lazarus;
    v[4]->confidence = 90;
    v[4]->ioc_type = TS_IOC_IP;
    v[4]->ioc_value = strdup("203.131.222.102");
    v[4]->side = TS_SIDE_SRC;
    v[4]->direction = TS_DIR_INBOUND;
    v[4]->source = c->src;
    ts_incident *inc = incident(v, 5);
    CHECK_INT(ts_attribute_incident(c->ti, inc), TOCSIN_OK);
    const ts_attribution *a = inc->attribution;
    check_invariants(a);
    CHECK_STR(a->hyps[0].name, "Lazarus Group");
    CHECK(a->hyps[0].probability > 0.95);
    const ts_hypothesis *l = find(a, "Lazarus Group");
    CHECK(weight_of(l, "203.131.222.102 (dst) in sony-2014") > 0);
    CHECK(weight_of(l, "inbound from 175.45.176.3 (KP, AS131279)") > 0);
    CHECK(weight_of(l, "HOPLIGHT") > 0); /* named by the rule's tags (attack.s0376) */
    CHECK(weight_of(l, "T1574.013") > 0);
    CHECK(weight_of(l, "public DNS resolver") == 0);
    CHECK(weight_of(find(a, "unattributed"), "T9999") == 0); /* unknown technique: listed */
    int seen = 0;
    for (size_t i = 0; i < l->n_contribs; i++)
        if (strstr(l->contribs[i].what, "203.131.222.102")) {
            CHECK_INT(l->contribs[i].alert, 0);
            seen++;
        }
    CHECK_INT(seen, 1); /* one indicator counts once, whichever side it was seen on */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ts_report_attribution(c->ti, a, f, 1);
    fclose(f);
    CHECK(strstr(buf, "in sony-2014: tied to this actor alone (1 of 21 catalogued), confidence 90") != NULL);
    CHECK(strstr(buf, "\"confidence\":\"high\"") !=
          NULL); /* exclusive infrastructure and a connection from home */
    CHECK(strstr(buf, "\"ach\":[{\"evidence\":") != NULL);
    CHECK(strstr(buf, "\"alert\":1}") != NULL); /* 1-based, as in the stored records */
    CHECK(strstr(buf, "\"alert\":0}") == NULL);
    free(buf);
    CHECK(find(a, "insider") == NULL);
    ts_incident_free(inc);

    /* Internal-only activity by named accounts: the insider alternative is offered. */
    ts_alert *w[2] = {alert(TS_EV_BEHAVIOUR, "many logons", "T1078"), alert(TS_EV_RULE, "psexec", NULL)};
    w[0]->user = strdup("CORP\\jsmith");
    w[1]->user = strdup("jsmith");
    w[1]->direction = TS_DIR_INTERNAL;
    ts_ip_parse(ts_str_c("10.0.0.9"), &w[1]->remote_ip);
    inc = incident(w, 2);
    inc->n_users = 0;
    CHECK_INT(ts_attribute_incident(c->ti, inc), TOCSIN_OK);
    CHECK(find(inc->attribution, "insider") != NULL);
    CHECK(strstr(inc->attribution->summary, "insider") != NULL);
    ts_incident_free(inc);

    /* A named account carrying data out to a cloud drive still fits an insider; the same
       upload to anywhere else, without exfiltration, does not. */
    ts_alert *x[2] = {alert(TS_EV_BEHAVIOUR, "archive staged", "T1560.001"),
                      alert(TS_EV_BEHAVIOUR, "6 GB to a new destination", "T1041,T1567")};
    x[0]->user = strdup("jsmith");
    x[1]->user = strdup("jsmith");
    x[1]->direction = TS_DIR_OUTBOUND;
    ts_ip_parse(ts_str_c("162.125.1.10"), &x[1]->remote_ip);
    inc = incident(x, 2);
    CHECK_INT(ts_attribute_incident(c->ti, inc), TOCSIN_OK);
    CHECK(find(inc->attribution, "insider") != NULL);
    ts_incident_free(inc);
    ts_alert *y[1] = {alert(TS_EV_BEHAVIOUR, "beacon", "T1071")};
    y[0]->user = strdup("jsmith");
    y[0]->direction = TS_DIR_OUTBOUND;
    ts_ip_parse(ts_str_c("162.125.1.10"), &y[0]->remote_ip);
    inc = incident(y, 1);
    CHECK_INT(ts_attribute_incident(c->ti, inc), TOCSIN_OK);
    CHECK(find(inc->attribution, "insider") == NULL);
    ts_incident_free(inc);
    CHECK_INT(ts_attribute_incident(c->ti, NULL), TOCSIN_E_ARG);
}

/* Names come only from fields meant to carry them: a rule's ATT&CK group and software tags.
 * Never from an alert's title, which tocsin writes with host names in it: a default Windows
 * host name "DESKTOP-1N4R894" once claimed the actor whose alias is "DESKTOP-GROUP". */
static void test_names_only_from_tags(void)
{
    ts_intel *ti = ts_intel_new();
    uint32_t raven = ts_intel_actor_add(ti, "Common Raven", NULL, NULL);
    ts_intel_actor_alias(ti, raven, "DESKTOP-GROUP");
    ts_intel_actor_alias(ti, raven, "Desktop");
    uint32_t apt = ts_intel_actor_add(ti, "APT28", "G0007", "RU");
    uint32_t cobalt = ts_intel_actor_add(ti, "Cobalt Group", "G0080", NULL);
    uint32_t cs = ts_intel_software_add(ti, "Cobalt Strike", "S0154", "malware");
    ts_intel_actor_uses_software(ti, cobalt, cs);
    ts_intel_actor_uses_software(ti, apt, cs);
    ts_intel_finalise(ti);
    ts_alert *v[3] = {alert(TS_EV_RULE, "Suspicious PowerShell on DESKTOP-1N4R894", "T1059.001"),
                      alert(TS_EV_RULE, "APT28 Loader Activity on DESKTOP GROUP", NULL),
                      alert(TS_EV_RULE, "Cobalt Strike Beacon Activity", NULL)};
    v[0]->internal_host = strdup("DESKTOP-1N4R894");
    ts_incident *inc = incident(v, 3);
    CHECK_INT(ts_attribute_incident(ti, inc), TOCSIN_OK);
    const ts_attribution *a = inc->attribution;
    check_invariants(a);
    CHECK(find(a, "Common Raven") == NULL);
    CHECK(find(a, "APT28") == NULL); /* a title naming an actor is no claim either */
    CHECK(find(a, "Cobalt Group") == NULL);
    CHECK_STR(a->hyps[0].name, "unattributed");
    ts_incident_free(inc);

    /* The rule's tags attack.g0007 and attack.s0154 do name them. */
    ts_alert *w[1] = {alert(TS_EV_RULE, "APT28 Loader Activity", "T1059.001,G0007,S0154")};
    inc = incident(w, 1);
    CHECK_INT(ts_attribute_incident(ti, inc), TOCSIN_OK);
    a = inc->attribution;
    check_invariants(a);
    CHECK(weight_of(find(a, "APT28"), "claim group G0007 named by the rule's tags") > 0);
    CHECK(weight_of(find(a, "Cobalt Group"), "software Cobalt Strike") ==
          0); /* every profiled actor uses it */
    ts_incident_free(inc);
    ts_intel_free(ti);
}

/* ---- analyst input ------------------------------------------------------------------------ */

typedef struct diags {
    uint64_t lines[16];
    int n;
} diags;

static void on_diag(void *ud, const ts_diag *g)
{
    diags *d = ud;
    /* named as the caller named the input, and a parse problem */
    CHECK(g->file && strcmp(g->file, "<typed>") == 0);
    CHECK_INT(g->code, TOCSIN_E_PARSE);
    if (d->n < 16)
        d->lines[d->n++] = g->line;
}

static ts_attribution *read_text(const cat *c, const char *text, size_t len, diags *d)
{
    FILE *f = fmemopen((void *)text, len, "r");
    ts_attribution *a = NULL;
    CHECK_INT(ts_attribute_read(c->ti, f, "<typed>", &a, on_diag, d), TOCSIN_OK);
    fclose(f);
    return a;
}

static void test_analyst_input(const cat *c)
{
    static const char text[] = "# evidence from the Sony case\n"
                               "\n"
                               "T1574.013\n"
                               "software HOPLIGHT   # seen on three hosts\n"
                               "ip 203.131.222.102\n"
                               "country KP\n"
                               "what is this\n"
                               "actor HIDDEN COBRA\n"
                               "technique X1\n"
                               "wannacry\n"
                               "8.8.8.8\n"
                               "evil-lazarus.example\n"
                               "actor Nobody Knows\n"
                               "country Korea\n"
                               "asn AS131279 KP\n";
    diags d = {0};
    ts_attribution *a = read_text(c, text, sizeof text - 1, &d);
    check_invariants(a);
    CHECK_INT(d.n, 4);
    CHECK_INT(d.lines[0], 7);
    CHECK_INT(d.lines[1], 9);
    CHECK_INT(d.lines[2], 13);
    CHECK_INT(d.lines[3], 14);
    CHECK_STR(a->hyps[0].name, "Lazarus Group");
    CHECK_STR(a->hyps[0].wording, "almost certainly");
    const ts_hypothesis *l = find(a, "Lazarus Group");
    CHECK(weight_of(l, "HOPLIGHT") > 0);
    CHECK(weight_of(l, "WannaCry") > 0);
    CHECK(weight_of(l, "ip 203.131.222.102 in sony-2014") > 0);
    /* the same feed ties the domain to the same actors as the address: one judgement */
    CHECK(weight_of(l, "domain evil-lazarus.example") == 0);
    CHECK(weight_of(l, "one judgement, counted once") == 0);
    CHECK(weight_of(l, "HIDDEN COBRA") > 0);
    CHECK(weight_of(l, "8.8.8.8") == 0); /* warninglisted */
    CHECK(weight_of(l, "inbound from KP") > 0);
    CHECK(weight_of(l, "inbound from KP (as stated by the analyst) (seen 2 times, counted once)") > 0);
    CHECK(isnan(weight_of(l, "AS131279"))); /* the same country inbound: counted once */
    ts_attribution_free(a);

    /* A value nobody knows, an over-long line, a NUL byte, and no final newline. */
    char big[6000];
    memset(big, 'a', sizeof big);
    memcpy(big, "198.51.100.200\n", 15);
    big[sizeof big - 40] = '\n';
    static const char tail[] = "T1\0"
                               "105\n"
                               "software Mimikatz"; /* a NUL in line 3 */
    memcpy(big + sizeof big - 39, tail, sizeof tail - 1);
    memset(big + sizeof big - 39 + sizeof tail - 1, ' ', 39 - (sizeof tail - 1)); /* no final newline */
    d.n = 0;
    a = read_text(c, big, sizeof big, &d);
    check_invariants(a);
    CHECK_INT(d.n, 2);
    CHECK_INT(d.lines[0], 2);
    CHECK_INT(d.lines[1], 3);
    CHECK_STR(a->hyps[0].name, "unattributed");
    CHECK(weight_of(find(a, "unattributed"), "no match in the loaded intelligence") == 0);
    CHECK(weight_of(find(a, "APT28"), "Mimikatz") > 0);
    ts_attribution_free(a);

    ts_attribution *none = (ts_attribution *)1;
    CHECK_INT(ts_attribute_read(c->ti, NULL, NULL, &none, NULL, NULL), TOCSIN_E_ARG);
    CHECK(none == NULL);
}

/* ---- report ------------------------------------------------------------------------------- */

static void test_report(const cat *c)
{
    ts_attr_evidence ev[] = {ioc(c->set_lazarus, 90, "ip \x1b[31mred"), tech(c->t_rare)};
    ts_attribution *a = ts_attribute(c->ti, ev, 2);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ts_report_attribution(c->ti, a, f, 0);
    fclose(f);
    CHECK(strstr(buf, "1. Lazarus Group [G0032] (KP): ") != NULL);
    CHECK(strstr(buf, "%), score ") != NULL);
    CHECK(strstr(buf, "prior: one of 21 catalogued actors") != NULL);
    CHECK(strstr(buf, "\x1b") == NULL); /* the escape from the label is shown, not sent */
    free(buf);

    f = open_memstream(&buf, &len);
    ts_report_attribution(c->ti, a, f, 1);
    fclose(f);
    static const char head[] = "{\"type\":\"attribution\",\"summary\":\"Lazarus Group: ";
    CHECK(strncmp(buf, head, sizeof head - 1) == 0);
    CHECK(strstr(buf, "\"wording\":") != NULL);
    CHECK(strstr(buf, "\"attack_id\":\"G0032\"") != NULL);
    CHECK(strstr(buf, "\"kind\":\"actor\"") != NULL);
    CHECK(strstr(buf, "\"kind\":\"unattributed\"") != NULL);
    CHECK(strstr(buf, "\x1b") == NULL);
    CHECK(len > 0 && buf[len - 1] == '\n' && strchr(buf, '\n') == buf + len - 1); /* one line */
    free(buf);
    ts_attribution_free(a);
}

/* A technique the profile does not list but the actor's own program does (ATT&CK's software
   "uses") counts for the actor, less than a listed one, and says which program; hiding the
   program from the profile (as the leave-one-out does) takes the credit away. */
static void test_software_techniques(void)
{
    ts_intel *ti = ts_intel_new();
    uint32_t a = ts_intel_actor_add(ti, "Wiper Crew", "G9001", NULL);
    uint32_t b = ts_intel_actor_add(ti, "Other Crew", "G9002", NULL);
    uint32_t t_enc = ts_intel_technique(ti, "T1486", "Data Encrypted for Impact", "impact");
    uint32_t t_dl = ts_intel_technique(ti, "T1105", "Ingress Tool Transfer", "command-and-control");
    uint32_t t_sh = ts_intel_technique(ti, "T1059.003", "Windows Command Shell", "execution");
    uint32_t ransom = ts_intel_software_add(ti, "LockIt", "S9001", "malware");
    ts_intel_software_uses_technique(ti, ransom, t_enc);
    ts_intel_actor_uses_software(ti, a, ransom);
    for (int i = 0; i < 6; i++) {
        char name[32];
        snprintf(name, sizeof name, "Filler %02d", i);
        uint32_t f = ts_intel_actor_add(ti, name, NULL, NULL);
        ts_intel_actor_uses_technique(ti, f, t_dl);
        ts_intel_actor_uses_technique(ti, f, t_sh);
    }
    uint32_t both[] = {a, b};
    for (size_t i = 0; i < 2; i++) {
        ts_intel_actor_uses_technique(ti, both[i], t_dl);
        ts_intel_actor_uses_technique(ti, both[i], t_sh);
    }
    ts_intel_finalise(ti);
    const ts_software *s = ts_intel_software_get(ti, ransom);
    CHECK(s && s->n_techniques == 1 && s->techniques[0] == t_enc);

    ts_attr_evidence ev[] = {tech(t_enc), tech(t_dl), tech(t_sh)};
    ts_attr_params p;
    ts_attr_params_default(&p);
    ts_attribution *on = ts_attribute_with(ti, ev, 3, &p);
    check_invariants(on);
    double w = weight_of(find(on, "Wiper Crew"), "its software LockIt (S9001) does it");
    CHECK(!isnan(w) && w > 0);
    CHECK(prob(on, "Wiper Crew") > 2 * prob(on, "Other Crew"));
    CHECK(w < weight_of(find(on, "Other Crew"), "technique T1105") + 5); /* bounded, not decisive */

    p.tech_soft = 0; /* without the link, T1486 is outside both profiles alike */
    ts_attribution *off = ts_attribute_with(ti, ev, 3, &p);
    CHECK(isnan(weight_of(find(off, "Wiper Crew"), "its software LockIt")));
    CHECK(fabs(prob(off, "Wiper Crew") - prob(off, "Other Crew")) < 1e-9);

    /* every technique's line names the numbers its weight comes from: log(ratio) / temperature */
    const ts_hypothesis *wc = find(on, "Wiper Crew");
    size_t said = 0;
    for (size_t i = 0; wc && i < wc->n_contribs; i++) {
        const char *at = strstr(wc->contribs[i].what, "weighed log(");
        if (!at)
            continue;
        char *end;
        double ratio = strtod(at + 12, &end),
               temp = strncmp(end, ") / ", 4) == 0 ? strtod(end + 4, NULL) : NAN;
        CHECK(temp > 0 &&
              fabs(log(ratio) / temp - wc->contribs[i].weight) < 0.01 + 0.01 * fabs(wc->contribs[i].weight));
        said++;
    }
    CHECK_INT(said, 3);

    ts_attr_params_default(&p); /* the program hidden from its actor: no credit */
    p.holdout_actor = a;
    p.holdout_soft = &ransom;
    p.n_holdout_soft = 1;
    ts_attribution *hidden = ts_attribute_with(ti, ev, 3, &p);
    CHECK(isnan(weight_of(find(hidden, "Wiper Crew"), "its software LockIt")));
    ts_attribution_free(on);
    ts_attribution_free(off);
    ts_attribution_free(hidden);
    ts_intel_free(ti);
}

/* ---- ATT&CK ------------------------------------------------------------------------------- */

static ts_attribution *attack_eval(const ts_intel *ti, const char *const *items, size_t n)
{
    ts_attr_evidence ev[32];
    size_t k = 0;
    for (size_t i = 0; i < n && k < 32; i++) {
        if (items[i][0] == 'T' && items[i][1] >= '0' && items[i][1] <= '9') {
            ev[k] = tech(ts_intel_technique_find(ti, items[i]));
            CHECK(ev[k].technique != 0);
            ev[k++].label = items[i];
        } else {
            uint32_t id;
            CHECK_INT(ts_intel_software_resolve(ti, items[i], &id, 1), 1);
            ev[k] = soft(id);
            ev[k++].label = items[i];
        }
    }
    return ts_attribute(ti, ev, k);
}

static void test_attack(void)
{
    const char *d = shared_data("ATT&CK attribution");
    if (!d)
        return;
    char path[512];
    snprintf(path, sizeof path, "%s/attack/enterprise-attack-core.json", d);
    ts_intel *ti = ts_intel_new();
    ts_feed_opts o = {0};
    CHECK_INT(ts_intel_load_path(ti, path, &o), TOCSIN_OK);
    ts_intel_finalise(ti);
    CHECK(ts_intel_actor_count(ti) > 150);

    /* Techniques few groups use, and malware only Lazarus Group is known to use. */
    static const char *const lazarus[] = {"T1574.013", "T1561.001", "T1542.003", "T1491.001", "T1134.002",
                                          "T1557.001", "HOPLIGHT",  "BADCALL",   "RawDisk"};
    ts_attribution *a = attack_eval(ti, lazarus, sizeof lazarus / sizeof *lazarus);
    check_invariants(a);
    CHECK_STR(a->hyps[0].name, "Lazarus Group");
    CHECK(a->hyps[1].probability < a->hyps[0].probability / 4);
    CHECK(strstr(a->summary, "caution") != NULL);
    CHECK(strcmp(a->confidence, "high") != 0); /* public knowledge only */
    ts_attribution_free(a);

    /* The techniques alone still point at Lazarus Group first. */
    a = attack_eval(ti, lazarus, 6);
    check_invariants(a);
    const ts_hypothesis *top = a->hyps[0].actor ? &a->hyps[0] : &a->hyps[1];
    CHECK_STR(top->name, "Lazarus Group");
    CHECK(strstr(a->summary, "caution") != NULL);
    ts_attribution_free(a);

    /* Common techniques say nothing confident. */
    static const char *const common[] = {"T1059", "T1105"};
    a = attack_eval(ti, common, 2);
    check_invariants(a);
    CHECK_STR(a->hyps[0].name, "unattributed");
    CHECK(best_actor(a) && best_actor(a)->probability < 0.3); /* and never named in the headline */
    CHECK(strstr(a->summary, "unattributed") == a->summary);
    ts_attribution_free(a);
    ts_intel_free(ti);
}

/* A bad line of a table: its number, and the table named by its path. */
static void tz_diag(void *ud, const ts_diag *d)
{
    CHECK(d->file && strncmp(d->file, "/tmp/tocsin_", 12) == 0);
    *(uint64_t *)ud = d->line;
}

/* Hands-on hours in a country's office hours: a weak clue for the candidates from there,
 * against those from elsewhere; never a reason to suspect an actor by itself. */
static void share_diag(void *ud, const ts_diag *d)
{
    CHECK(d->file && strncmp(d->file, "/tmp/tocsin_", 12) == 0);
    *(uint64_t *)ud = d->line;
}

/* An indicator alert of Lazarus from source src, its value, and the warninglist note that
 * suppressed it (NULL: none). */
static ts_alert *ioc_alert(const cat *c, uint32_t src, const char *value, const char *suppressed)
{
    ts_alert *a = alert(TS_EV_INDICATOR, value, NULL);
    a->actorset = c->set_lazarus;
    a->confidence = 90;
    a->ioc_type =
        strchr(value, ':') || strspn(value, "0123456789.") == strlen(value) ? TS_IOC_IP : TS_IOC_DOMAIN;
    a->ioc_value = strdup(value);
    a->side = TS_SIDE_DST;
    a->direction = TS_DIR_OUTBOUND;
    a->source = src;
    a->suppressed = suppressed ? strdup(suppressed) : NULL;
    return a;
}

/* Shared infrastructure by class: the table from data/attribution/sharing.tsv's format, the
 * class of a warninglist by its name and of a dynamic DNS name by its domain, and their
 * weight in an incident: a cloud address counts a quarter, a CDN's nothing, and both say so. */
static void test_sharing(const cat *c)
{
    char path[] = "/tmp/tocsin_share_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# comment\nclass\tcdn\t0\ta CDN\nclass\tcloud\t0.25\tcloud hosting\nclass\tdyndns\t0.25\tdynamic "
          "DNS\n"
          "class\tbad\t2\ttoo much\nlist\tnope\tx\nlist\tcdn\tcloudflare\nlist\tcloud\tamazon aws\n"
          "list\tdyndns\tdynamic dns\nsuffix\tdyndns\t.duckdns.org\n",
          f);
    fclose(f);
    ts_share_table t;
    uint64_t bad = 0;
    CHECK_INT(ts_share_load(path, &t, share_diag, &bad), TOCSIN_OK);
    remove(path);
    CHECK_INT(t.n_classes, 3);
    CHECK_INT(t.n_rules, 4);
    CHECK_INT(bad, 6); /* the last bad line, by number (5: factor 2, 6: unknown class) */
    ts_share_table none;
    CHECK_INT(ts_share_load("/nonexistent/sharing.tsv", &none, NULL, NULL), TOCSIN_E_IO);

    const ts_share_class *k =
        ts_share_classify(&t, "warninglist: List of known Amazon AWS IP address ranges", NULL);
    CHECK(k && strcmp(k->name, "cloud") == 0);
    k = ts_share_classify(&t, "List of known Cloudflare IP ranges", "1.1.1.1");
    CHECK(k && strcmp(k->name, "cdn") == 0);
    CHECK(ts_share_classify(&t, "List of known Cloudflarex ranges", NULL) == NULL); /* whole words */
    CHECK(ts_share_classify(&t, "List of known dynamic DNS domains", NULL) != NULL);
    k = ts_share_classify(&t, NULL, "http://evil.DuckDNS.org/x");
    CHECK(k && strcmp(k->name, "dyndns") == 0);
    CHECK(ts_share_classify(&t, NULL, "notduckdns.org") == NULL);
    CHECK(ts_share_classify(&t, NULL, "user@duckdns.org") != NULL);
    CHECK(ts_share_classify(NULL, "List of known Cloudflare IP ranges", NULL) == NULL);

    /* In an incident: the same Lazarus address on a cloud list counts x0.25, on a CDN list
       nothing, on a list of no known class nothing (warninglisted), expired nothing. */
    uint32_t other = ts_intel_source(c->ti, "another feed");
    const char *lists[] = {"warninglist: List of known Amazon AWS IP address ranges",
                           "warninglist: List of known Cloudflare IP ranges",
                           "warninglist: Top 1000 websites",
                           "the indicator had expired at the time of the event", NULL};
    double w[5];
    for (int i = 0; i < 5; i++) {
        ts_alert *v[1] = {ioc_alert(c, other, "192.0.2.77", lists[i])};
        ts_incident *inc = incident(v, 1);
        CHECK_INT(ts_attribute_incident_with(c->ti, NULL, &t, inc), TOCSIN_OK);
        const ts_attribution *a = inc->attribution;
        check_invariants(a);
        w[i] = weight_of(find(a, "Lazarus Group"), "192.0.2.77");
        if (i == 0)
            CHECK(weight_of(find(a, "Lazarus Group"),
                            "shared infrastructure (cloud: cloud hosting), so it counts "
                            "x0.25") > 0);
        if (i == 1)
            CHECK(weight_of(find(a, "Lazarus Group"), "shared infrastructure (cdn: a CDN), weighs nothing") ==
                  0);
        if (i == 2)
            CHECK(weight_of(find(a, "Lazarus Group"), "warninglisted, weighs nothing") == 0);
        ts_incident_free(inc);
    }
    CHECK(w[4] > 0 && fabs(w[0] - 0.25 * w[4]) < 1e-9);
    CHECK(w[1] == 0 && w[2] == 0 && w[3] == 0);
    /* A dynamic DNS name no warninglist names is classed by its domain. */
    ts_alert *v[1] = {ioc_alert(c, other, "c2.duckdns.org", NULL)};
    ts_incident *inc = incident(v, 1);
    CHECK_INT(ts_attribute_incident_with(c->ti, NULL, &t, inc), TOCSIN_OK);
    CHECK(weight_of(find(inc->attribution, "Lazarus Group"), "(dyndns: dynamic DNS)") > 0);
    ts_incident_free(inc);
    /* The analyst's reader weighs it the same way when given the table, fully without. */
    FILE *in = fmemopen((void *)"domain c2.duckdns.org\n", 22, "r");
    ts_attribution *a = NULL;
    CHECK_INT(ts_attribute_read_with(c->ti, &t, in, NULL, &a, NULL, NULL), TOCSIN_OK);
    fclose(in);
    double shared =
        a ? weight_of(find(a, "Lazarus Group"), "(dyndns: dynamic DNS), so it counts x0.25") : NAN;
    ts_attribution_free(a);
    in = fmemopen((void *)"domain c2.duckdns.org\n", 22, "r");
    CHECK_INT(ts_attribute_read(c->ti, in, NULL, &a, NULL, NULL), TOCSIN_OK);
    fclose(in);
    double full = a ? weight_of(find(a, "Lazarus Group"), "c2.duckdns.org") : NAN;
    ts_attribution_free(a);
    CHECK(shared > 0 && full > 0 && fabs(shared - 0.25 * full) < 1e-9);
    ts_share_free(&t);
}

/* Indicators one source ties to the same actors are one judgement: counted once. The same
 * addresses from two sources count twice (damped). */
static void test_cluster_once(const cat *c)
{
    uint32_t s1 = ts_intel_source(c->ti, "report one"), s2 = ts_intel_source(c->ti, "report two");
    ts_alert *v[3] = {ioc_alert(c, s1, "192.0.2.11", NULL), ioc_alert(c, s1, "192.0.2.12", NULL),
                      ioc_alert(c, s1, "192.0.2.13", NULL)};
    ts_incident *inc = incident(v, 3);
    CHECK_INT(ts_attribute_incident(c->ti, inc), TOCSIN_OK);
    const ts_hypothesis *l = find(inc->attribution, "Lazarus Group");
    CHECK(weight_of(l, "one judgement, counted once") == 0);
    size_t counted = 0, once = 0;
    for (size_t i = 0; i < l->n_contribs; i++)
        if (strstr(l->contribs[i].what, "192.0.2.1")) {
            counted += l->contribs[i].weight > 0;
            once += strstr(l->contribs[i].what, "counted once") != NULL;
        }
    CHECK_INT(counted, 1);
    CHECK_INT(once, 2);
    double one_source = prob(inc->attribution, "Lazarus Group");
    ts_incident_free(inc);

    ts_alert *w[3] = {ioc_alert(c, s1, "192.0.2.11", NULL), ioc_alert(c, s2, "192.0.2.12", NULL),
                      ioc_alert(c, s1, "192.0.2.13", NULL)};
    inc = incident(w, 3);
    CHECK_INT(ts_attribute_incident(c->ti, inc), TOCSIN_OK);
    CHECK(prob(inc->attribution, "Lazarus Group") > one_source); /* two sources, two judgements */
    ts_incident_free(inc);
}

/* Costly evidence for two actors (each its own exclusive server): one was reused or planted,
 * and cheap evidence for one of them (its files, its techniques) does not decide. */
static void test_contested_costly(const cat *c)
{
    uint32_t apt28_only = ts_intel_actorset(c->ti, (uint32_t[]){c->apt28}, 1);
    ts_attr_evidence ev[] = {
        ioc(c->set_lazarus, 70, "ip 198.51.100.20"), ioc(apt28_only, 70, "ip 198.51.100.21"),
        ioc(c->set_lazarus, 70, "md5 760c35a80d758f032d02cf4db12d3e55"), tech(c->t_rare), tech(c->t_wiper)};
    ev[2].cheap = 1;
    ts_attribution *a = ts_attribute(c->ti, ev, 5);
    check_invariants(a);
    CHECK(prob(a, "Lazarus Group") <= 0.55);
    CHECK(fabs(prob(a, "Lazarus Group") - prob(a, "APT28")) < 0.02);
    CHECK(strstr(a->summary, "points to both Lazarus Group and APT28") != NULL);
    CHECK_STR(a->confidence, "low");
    ts_attribution_free(a);
    /* Without APT28's server, the same cheap evidence helps Lazarus, and nothing is contested. */
    ev[1] = ioc(c->set_lazarus, 70, "ip 198.51.100.22");
    a = ts_attribute(c->ti, ev, 5);
    check_invariants(a);
    CHECK_STR(a->hyps[0].name, "Lazarus Group");
    CHECK(strstr(a->summary, "points to both") == NULL);
    ts_attribution_free(a);
}

static void test_time_zones(const cat *c)
{
    char path[] = "/tmp/tocsin_tz_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# comment\nKP\t9\tmon-fri\nRU 3 mon-fri\nIR\t3.5\tsat-wed\nXX nine mon-fri\n", f);
    fclose(f);
    ts_tz_table tz;
    uint64_t bad = 0;
    CHECK_INT(ts_tz_load(path, &tz, tz_diag, &bad), TOCSIN_OK);
    remove(path);
    CHECK_INT(tz.n, 3);
    CHECK_INT(bad, 5); /* the malformed line, by number */
    CHECK_INT(tz.v[2].offset_min, 210);
    CHECK_INT(tz.v[2].workdays, 0x4f); /* sat, sun, mon, tue, wed */
    ts_tz_table none;
    CHECK_INT(ts_tz_load("/nonexistent/tz.tsv", &none, NULL, NULL), TOCSIN_E_IO);

    /* Ten hands-on alerts at 01:00-03:00 UTC on weekdays: 10:00-12:00 in Pyongyang, 04:00-06:00 in Moscow. */
    ts_alert *v[11];
    for (int i = 0; i < 10; i++) {
        v[i] = alert(TS_EV_BEHAVIOUR, "lateral", NULL);
        v[i]->detector = "lateral";
        /* 2014-11-24 (a Monday) 01:00 UTC plus i days (weekdays only) and i % 3 hours */
        int day = i / 5 * 7 + i % 5;
        v[i]->first_ns = (1416790800LL + day * 86400LL + (i % 3) * 3600LL) * 1000000000LL;
    }
    v[10] = alert(TS_EV_INDICATOR, "C2", NULL);
    v[10]->actorset = ts_intel_actorset(c->ti, (uint32_t[]){c->lazarus, c->apt28}, 2);
    v[10]->confidence = 90;
    v[10]->ioc_type = TS_IOC_IP;
    v[10]->ioc_value = strdup("192.0.2.1");
    ts_incident *inc = incident(v, 11);
    CHECK_INT(ts_attribute_incident_tz(c->ti, &tz, inc), TOCSIN_OK);
    const ts_attribution *a = inc->attribution;
    check_invariants(a);
    CHECK(weight_of(find(a, "Lazarus Group"), "time: 10 of 10 active hours in KP working time") > 0);
    CHECK(weight_of(find(a, "APT28"), "time: 0 of 10 active hours in RU working time") < 0);
    CHECK(prob(a, "Lazarus Group") > prob(a, "APT28"));
    CHECK(find(a, "Kimsuky") == NULL); /* no other evidence names it: time alone does not */
    ts_incident_free(inc);
    ts_tz_free(&tz);
}

/* In a hunt, public techniques alone never make a named actor the verdict: capped at
 * TS_PUBLIC_ONLY_CAP, the rest to "unattributed"; an indicator of the actor lifts the cap. */
static void test_public_only_cap(const cat *c)
{
    ts_attr_evidence ev[] = {tech(c->t_rare), tech(c->t_wiper), ioc(c->set_lazarus, 90, "ip 198.51.100.7")};
    ts_attr_params p;
    ts_attr_params_default(&p);
    ts_attribution *free_ = ts_attribute_with(c->ti, ev, 2, &p);
    p.public_only_cap = TS_PUBLIC_ONLY_CAP;
    ts_attribution *capped = ts_attribute_with(c->ti, ev, 2, &p);
    ts_attribution *with_ioc = ts_attribute_with(c->ti, ev, 3, &p);
    CHECK(free_ && capped && with_ioc);
    if (free_ && capped && with_ioc) {
        check_invariants(capped);
        const ts_hypothesis *f = find(free_, "Lazarus Group"), *k = find(capped, "Lazarus Group");
        CHECK(f && f->probability > 0.5); /* the uncapped model leans on the techniques */
        CHECK(k && k->probability <= TS_PUBLIC_ONLY_CAP + 1e-9);
        CHECK_STR(capped->hyps[0].name, "unattributed");
        CHECK(find(with_ioc, "Lazarus Group") && find(with_ioc, "Lazarus Group")->probability > 0.5);
    }
    ts_attribution_free(free_);
    ts_attribution_free(capped);
    ts_attribution_free(with_ioc);
}

int main(void)
{
    cat c;
    cat_build(&c);
    test_icd203();
    test_public_only_cap(&c);
    test_exclusive_beats_shared(&c);
    test_zero_weight(&c);
    test_weak_is_unattributed(&c);
    test_confidence_caps_one_indicator(&c);
    test_home_network(&c);
    test_rarity_and_exclusivity(&c);
    test_false_flag(&c);
    test_repeats_count_once(&c);
    test_claims_and_insider(&c);
    test_order_independent(&c);
    test_incident(&c);
    test_names_only_from_tags();
    test_time_zones(&c);
    test_sharing(&c);
    test_cluster_once(&c);
    test_contested_costly(&c);
    test_analyst_input(&c);
    test_report(&c);
    test_software_techniques();
    test_attack();
    ts_intel_free(c.ti);
    return check_done("test_attribute");
}
