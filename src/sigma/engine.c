/* engine.c: compiles the loaded rules (per-field matchers, triggers) and matches events. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sigma/memo.h"
#include "sigma/sigma_int.h"
#include "core/vec.h"

/*
 * An event is first routed by its channel, event id, provider or dataset to the groups
 * of rules whose log source it belongs to: no string is looked at before that. Each of
 * the group's fields present in the event is scanned once by the field's matcher, which
 * marks the atoms that hold. A rule is evaluated only when one of its trigger atoms
 * holds: a set of matcher atoms of which at least one must hold for the rule to fire.
 * Short unanchored literals ("-e", " /c") would hit almost every command line, so they
 * are left out of the matchers and tested directly, only for rules already triggered
 * (or, for a rule with no trigger at all, on every event of its group). What ordinary
 * logs repeat is remembered per scratch, verified byte for byte: routes, field names'
 * ids, and the atoms each value's scan reported (memo.h).
 */

/* Unanchored literals shorter than this stay out of the per-field matchers. Measured with
 * bench_sigma (SigmaHQ Windows rules, one core): a bound of 8 left 25 rules per ordinary
 * event without a trigger to skip them (67,000 events/s); 4 leaves 6 (117,000 events/s),
 * and the matchers scan no slower, since 4 to 7-byte literals ('.dmp', '7-Zip') are rare
 * in logs while 1 to 3-byte ones ('-e', '>', ' /c') are everywhere. */
#define SHORT_LITERAL 4
#define DIRECT_TESTS 16 /* direct searches of one field per event before its short-literal scan */

/* The default regex budget (ts_sigma_scratch_budget changes it; the hunt takes [sigma] of
 * detect.conf). A PCRE2 step is one backtracking point: a regex that gives up has cost
 * about 13 ms of CPU here (measured on (x+x+)+y\1 over a padded value), an event at most
 * REGEX_GIVE_UPS times that. Sigma's regexes on ordinary values take a few thousand steps:
 * none gives up on the SigmaHQ rules' regression logs (bench_sigma). */
#define REGEX_STEPS 1000000u
#define REGEX_HEAP_KIB 32768u /* PCRE2's backtracking frames, per scratch */
#define REGEX_GIVE_UPS 4u     /* regexes over budget in one event before the rest give up unrun */

/* Routing depends only on an event's channel, event id, provider and dataset, which few
 * combinations share: the sources of the last few are kept, keyed by those. */
enum { ROUTE_SLOTS = 64, ROUTE_KEY = 240, ROUTE_MAX_SRC = 14 };

/* Events of one route mostly carry the same field names in the same order (each Sysmon
 * event id its own): the last such list is kept with the route, and with it what each
 * name is in each group the route visits, so an event with the same names skips their
 * hashing and lookups. */
enum { LAYOUT_KEYS = 48, LAYOUT_BYTES = 768, LAYOUT_GROUPS = 4 };

typedef struct layout {
    uint32_t nkeys; /* 0: none kept */
    uint32_t ngroups;
    uint16_t klen[LAYOUT_KEYS];
    char keys[LAYOUT_BYTES];
    uint32_t group[LAYOUT_GROUPS];
    uint32_t field[LAYOUT_GROUPS][LAYOUT_KEYS]; /* UINT32_MAX: not a field of the group */
} layout;

typedef struct route_slot {
    uint64_t h;
    uint32_t code;
    bool used, has_code;
    uint8_t nsrc;
    uint16_t nchan, nprov, nds;
    uint32_t src[ROUTE_MAX_SRC];
    char key[ROUTE_KEY]; /* channel, provider, dataset, one after the other */
    layout lay;
} route_slot;

struct ts_sigma_scratch {
    const ts_sigma *s;
    uint32_t gen;
    uint32_t *atom_gen, *lazy_gen, *rule_gen, *group_gen, *fgen, *fval;
    uint8_t *lazy_res;
    uint32_t *short_gen;         /* per field slot: its short literals were scanned */
    uint32_t *tests_gen, *tests; /* per field slot: direct tests made this event */
    uint32_t *low_gen;           /* per field slot: its lower-cased copy is in low at low_off */
    size_t *low_off;
    char *low;
    size_t low_used, low_cap;
    sg_u32v cand;
    sg_u32v rec; /* the atoms of the scan being remembered */
    bool rec_failed;
    sg_memo *memo;
    char *joined; /* an event's values joined, for the keyword matcher's one scan */
    size_t jcap;
    sg_corr_state *corr;
    route_slot *routes;
    layout *lay; /* the current event's route's: in use (lay_ok) or being filled */
    bool lay_ok, lay_fill;
    void *md;                        /* PCRE2 match data and budget, reused */
    uint32_t give_ups, max_give_ups; /* regexes over budget this event, and the most allowed */
    uint64_t *rule_gave_up;          /* per rule: events it could not finish on */
    char **gave_up_file;             /* per rule: where the first of them was (copied) */
    uint64_t *gave_up_line, *gave_up_record;
    uint64_t *khash; /* the event's key hashes, made at the first group it visits */
    uint8_t *kspace; /* and whether each key has a space */
    size_t khash_cap, kspace_cap;
    bool khash_done;
    ts_sigma_stats st;
    void *hs;
    const ts_event *ev;
    uint32_t group;
    sg_u32v *out; /* ts_sigma_prepare: the outcomes recorded, not acted on */
    bool out_failed;
};

/* ---- compile ---- */

/* Short literals with a byte outside ASCII (emoji, Cyrillic look-alikes) are rare in
 * logs however short: they can trigger rules like long ones. */
static bool common_literal(const sg_atom *at)
{
    if (at->plen == 0)
        return true;
    if (at->anchors || at->plen >= SHORT_LITERAL)
        return false;
    for (size_t i = 0; i < at->plen; i++)
        if ((unsigned char)at->pat[i] >= 0x80)
            return false;
    return true;
}

static bool choose_backends(ts_sigma *s)
{
    for (size_t i = 0; i < s->natoms; i++) {
        sg_atom *at = &s->atoms[i];
        if (at->kind != AT_STR)
            at->backend = BK_DIRECT;
        else if (!at->is_regex && common_literal(at))
            at->backend = BK_LIT;
        else
            at->backend = BK_HS; /* the matcher may hand it to PCRE2 */
    }
    return true;
}

/* The short literals of one field: one matcher too, but it runs only when a rule being
 * evaluated asks for one of them; its atoms stay BK_LIT so they never trigger a rule. */
static void *short_matcher(ts_sigma *s, const sg_u32v *atoms)
{
    void *m = sg_matcher_build(s, atoms->v, atoms->n);
    for (size_t i = 0; i < atoms->n; i++)
        if (s->atoms[atoms->v[i]].backend == BK_HS)
            s->atoms[atoms->v[i]].backend = BK_LIT;
    return m;
}

static bool build_group(ts_sigma *s, uint32_t g)
{
    sg_group *gr = &s->groups[g];
    size_t nf = gr->nfields + 1; /* the last slot: keywords */
    sg_u32v *per = calloc(nf, sizeof *per), *lit = calloc(nf, sizeof *lit);
    gr->db = calloc(nf, sizeof *gr->db);
    gr->db_short = calloc(nf, sizeof *gr->db_short);
    bool ok = per && lit && gr->db && gr->db_short;
    for (size_t i = 0; ok && i < s->natoms; i++) {
        const sg_atom *at = &s->atoms[i];
        if (at->group != g || at->kind != AT_STR)
            continue;
        size_t f = at->field == SG_ANY_FIELD ? gr->nfields : at->field;
        if (at->backend == BK_HS)
            ok = sg_u32v_push(&per[f], (uint32_t)i);
        else if (at->backend == BK_LIT && at->plen && f < gr->nfields)
            ok = sg_u32v_push(&lit[f], (uint32_t)i);
    }
    if (!ok)
        sg_fail(s, TOCSIN_E_NOMEM, "out of memory");
    for (size_t f = 0; ok && f < nf; f++) {
        if (per[f].n) {
            void *m = f == gr->nfields ? sg_matcher_build_any(s, per[f].v, per[f].n)
                                       : sg_matcher_build(s, per[f].v, per[f].n);
            bool any_hs = false;
            for (size_t i = 0; i < per[f].n; i++)
                any_hs |= s->atoms[per[f].v[i]].backend == BK_HS;
            ok = m || !any_hs;
            if (f == gr->nfields)
                gr->db_any = m;
            else
                gr->db[f] = m;
        }
        if (ok && lit[f].n)
            gr->db_short[f] = short_matcher(s, &lit[f]);
    }
    for (size_t f = 0; per && f < nf; f++)
        free(per[f].v);
    for (size_t f = 0; lit && f < nf; f++)
        free(lit[f].v);
    free(per), free(lit);
    return ok;
}

/* The groups' matchers, built by s->threads threads at once, each taking the next group:
 * a group's build touches only its own atoms and matchers, and loading SigmaHQ's compiled
 * databases from the cache was 0.07-0.09 s of a hunt's start on one thread (its first,
 * compiling hunt gains more). */
typedef struct group_builder {
    ts_sigma *s;
    struct group_builder *all; /* the first: its next and failed are everyone's */
    atomic_uint next;
    atomic_bool failed;
    uint32_t first_bad; /* the lowest group this thread failed to build, or ngroups */
    sg_fail_hold held;  /* its problem (sg_fail), said once all are done */
    pthread_t thread;
} group_builder;

static void build_groups(group_builder *b)
{
    group_builder *all = b->all;
    b->first_bad = b->s->ngroups;
    sg_fail_held = &b->held;
    for (uint32_t g; !atomic_load(&all->failed) && (g = atomic_fetch_add(&all->next, 1)) < b->s->ngroups;)
        if (!build_group(b->s, g)) {
            b->first_bad = g;
            atomic_store(&all->failed, true);
        }
    sg_fail_held = NULL;
}

static void *build_more(void *arg)
{
    build_groups(arg);
    return NULL;
}

static bool build_matchers(ts_sigma *s)
{
    group_builder b[8];
    size_t nb = 1;
    b[0] = (group_builder){.s = s, .all = &b[0]};
    atomic_init(&b[0].next, 0);
    atomic_init(&b[0].failed, false);
    for (size_t want = s->threads > 1 ? s->threads : 1; nb < want && nb < 8 && nb < s->ngroups; nb++) {
        b[nb] = (group_builder){.s = s, .all = &b[0]};
        if (pthread_create(&b[nb].thread, NULL, build_more, &b[nb]) != 0)
            break;
    }
    build_groups(&b[0]);
    for (size_t i = 1; i < nb; i++)
        pthread_join(b[i].thread, NULL);
    /* the same message whatever the threads: the first group that failed */
    size_t bad = 0;
    for (size_t i = 1; i < nb; i++)
        if (b[i].first_bad < b[bad].first_bad)
            bad = i;
    if (b[bad].first_bad == s->ngroups)
        return true;
    if (b[bad].held.code != TOCSIN_OK)
        sg_fail(s, b[bad].held.code, "%s", b[bad].held.msg);
    return false;
}

/* A set of matcher atoms one of which must hold for node to be true; false if none.
 * Of the ways to pick one, AND takes the child whose atoms are referenced by the fewest
 * rules in all: an atom many rules share ("\\powershell.exe" as Image) is common in logs
 * too, while one a single rule names is likely rare, and a rare trigger means fewer rules
 * evaluated per event. */
static bool trigger_set(const ts_sigma *s, const uint32_t *refs, uint32_t node, sg_u32v *out, uint64_t *cost)
{
    const sg_node *n = &s->nodes[node];
    switch (n->op) {
    case N_ATOM:
        *cost += refs[n->a] + 1;
        return s->atoms[n->a].backend == BK_HS && sg_u32v_push(out, n->a);
    case N_OR:
        for (uint32_t i = 0; i < n->n; i++)
            if (!trigger_set(s, refs, s->kids.v[n->a + i], out, cost))
                return false;
        return true;
    case N_AND: {
        sg_u32v best = {0};
        uint64_t best_cost = 0;
        bool found = false;
        for (uint32_t i = 0; i < n->n; i++) {
            sg_u32v t = {0};
            uint64_t c = 0;
            if (trigger_set(s, refs, s->kids.v[n->a + i], &t, &c) && (!found || c < best_cost)) {
                free(best.v);
                best = t, best_cost = c, found = true;
            } else {
                free(t.v);
            }
        }
        for (size_t i = 0; found && i < best.n; i++)
            found = sg_u32v_push(out, best.v[i]);
        *cost += best_cost;
        free(best.v);
        return found;
    }
    default:
        return false;
    }
}

/* Counts, per atom, the rules that name it (each rule once). */
static void count_refs(const ts_sigma *s, uint32_t node, uint32_t rule, uint32_t *refs, uint32_t *last)
{
    const sg_node *n = &s->nodes[node];
    if (n->op == N_ATOM) {
        if (last[n->a] != rule + 1)
            last[n->a] = rule + 1, refs[n->a]++;
    } else if (n->op == N_AND || n->op == N_OR) {
        for (uint32_t i = 0; i < n->n; i++)
            count_refs(s, s->kids.v[n->a + i], rule, refs, last);
    } else if (n->op == N_NOT) {
        count_refs(s, n->a, rule, refs, last);
    }
}

static bool build_triggers(ts_sigma *s)
{
    size_t na = s->natoms ? s->natoms : 1;
    uint32_t *refs = calloc(na, sizeof *refs), *last = calloc(na, sizeof *last);
    s->triggers = calloc(na, sizeof *s->triggers);
    bool ok = refs && last && s->triggers;
    for (uint32_t r = 0; ok && r < s->nrules; r++)
        count_refs(s, s->rules[r].root, r, refs, last);
    for (uint32_t r = 0; ok && r < s->nrules; r++) {
        sg_u32v t = {0};
        uint64_t cost = 0;
        if (trigger_set(s, refs, s->rules[r].root, &t, &cost)) {
            for (size_t i = 0; ok && i < t.n; i++) {
                sg_u32v *tr = &s->triggers[t.v[i]];
                if (!tr->n || tr->v[tr->n - 1] != r)
                    ok = sg_u32v_push(tr, r);
            }
        } else {
            ok = sg_u32v_push(&s->groups[s->rules[r].group].always, r);
        }
        free(t.v);
    }
    free(refs), free(last);
    return ok;
}

/* 0: decided by matcher bits alone; 1: needs direct tests; 2: a negation. */
static int cost_class(const ts_sigma *s, uint32_t node)
{
    const sg_node *n = &s->nodes[node];
    switch (n->op) {
    case N_ATOM:
        return s->atoms[n->a].backend == BK_HS ? 0 : 1;
    case N_NOT:
        return 2;
    case N_AND:
    case N_OR: {
        int c = 0;
        for (uint32_t i = 0; i < n->n; i++) {
            int k = cost_class(s, s->kids.v[n->a + i]);
            c = k > c ? k : c;
        }
        return c;
    }
    default:
        return 0;
    }
}

/* Orders the children of every AND and OR cheapest first, so that evaluation stops
 * on matcher bits before it tests a field directly or walks a filter. */
static void order_kids(ts_sigma *s)
{
    for (size_t i = 0; i < s->nnodes; i++) {
        const sg_node *n = &s->nodes[i];
        if (n->op != N_AND && n->op != N_OR)
            continue;
        uint32_t *k = s->kids.v + n->a;
        for (uint32_t a = 1; a < n->n; a++) { /* insertion sort: stable, lists are short */
            uint32_t x = k[a];
            int cx = cost_class(s, x);
            uint32_t b = a;
            while (b > 0 && cost_class(s, k[b - 1]) > cx) {
                k[b] = k[b - 1];
                b--;
            }
            k[b] = x;
        }
    }
}

/* The steps of compiling, each false after sg_fail (or, for want of memory, before it). */
static bool compile_steps(ts_sigma *s)
{
    if (!sg_filters_apply(s, &s->filters_failed))
        return sg_fail(s, TOCSIN_E_NOMEM, "out of memory");
    s->nfields_total = 0;
    for (size_t g = 0; g < s->ngroups; g++) {
        s->groups[g].fbase = (uint32_t)s->nfields_total;
        s->nfields_total += s->groups[g].nfields;
    }
    if (!choose_backends(s) || !build_matchers(s))
        return false;
    if (!build_triggers(s))
        return sg_fail(s, TOCSIN_E_NOMEM, "out of memory");
    order_kids(s);
    if (!sg_corr_compile(s) || !(s->atom_hs = malloc(s->natoms + 1)))
        return sg_fail(s, TOCSIN_E_NOMEM, "out of memory");
    for (size_t i = 0; i < s->natoms; i++)
        s->atom_hs[i] = s->atoms[i].backend == BK_HS;
    return true;
}

tocsin_code ts_sigma_compile(ts_sigma *s, ts_diag_fn diag, void *ud)
{
    if (s->compiled)
        return TOCSIN_OK;
    s->diag = diag, s->diag_ud = ud, s->failed = TOCSIN_OK;
    bool ok = compile_steps(s);
    if (!ok && s->failed == TOCSIN_OK)
        sg_fail(s, TOCSIN_E_PARSE, "the rules' matchers could not be built");
    s->diag = NULL, s->diag_ud = NULL;
    s->compiled = ok;
    return ok ? TOCSIN_OK : s->failed;
}

size_t ts_sigma_rule_count(const ts_sigma *s)
{
    return s->nrules;
}

size_t ts_sigma_filters_failed(const ts_sigma *s)
{
    return s->filters_failed;
}

/* ---- scratch ---- */

ts_sigma_scratch *ts_sigma_scratch_new(const ts_sigma *s)
{
    ts_sigma_scratch *sc = calloc(1, sizeof *sc);
    if (!sc)
        return NULL;
    size_t na = s->natoms + 1, nr = s->nrules + 1, ng = s->ngroups + 1, nf = s->nfields_total + 1;
    sc->s = s;
    sc->atom_gen = calloc(na, sizeof *sc->atom_gen);
    sc->lazy_gen = calloc(na, sizeof *sc->lazy_gen);
    sc->lazy_res = calloc(na, 1);
    sc->rule_gen = calloc(nr, sizeof *sc->rule_gen);
    sc->group_gen = calloc(ng, sizeof *sc->group_gen);
    sc->fgen = calloc(nf, sizeof *sc->fgen);
    sc->fval = calloc(nf, sizeof *sc->fval);
    sc->low_gen = calloc(nf, sizeof *sc->low_gen);
    sc->short_gen = calloc(nf, sizeof *sc->short_gen);
    sc->tests_gen = calloc(nf, sizeof *sc->tests_gen);
    sc->tests = calloc(nf, sizeof *sc->tests);
    sc->corr = sg_corr_state_new(s);
    sc->memo = sg_memo_new();
    sc->routes = calloc(ROUTE_SLOTS, sizeof *sc->routes);
    sg_regex_budget b = {REGEX_STEPS, REGEX_STEPS, REGEX_HEAP_KIB};
    sc->md = sg_match_data_new(&b);
    sc->max_give_ups = REGEX_GIVE_UPS;
    sc->rule_gave_up = calloc(nr, sizeof *sc->rule_gave_up);
    sc->gave_up_file = calloc(nr, sizeof *sc->gave_up_file);
    sc->gave_up_line = calloc(nr, sizeof *sc->gave_up_line);
    sc->gave_up_record = calloc(nr, sizeof *sc->gave_up_record);
    sc->low_off = calloc(nf, sizeof *sc->low_off);
    bool ok = sc->atom_gen && sc->lazy_gen && sc->lazy_res && sc->rule_gen && sc->group_gen && sc->fgen &&
              sc->fval && sc->low_gen && sc->low_off && sc->short_gen && sc->tests_gen && sc->tests &&
              sc->corr && sc->memo && sc->routes && sc->md && sc->rule_gave_up && sc->gave_up_file &&
              sc->gave_up_line && sc->gave_up_record;
    for (size_t g = 0; ok && g < s->ngroups; g++) {
        const sg_group *gr = &s->groups[g];
        for (size_t f = 0; ok && f < gr->nfields; f++)
            ok = (!gr->db[f] || sg_matcher_scratch(gr->db[f], &sc->hs)) &&
                 (!gr->db_short[f] || sg_matcher_scratch(gr->db_short[f], &sc->hs));
        ok = ok && (!gr->db_any || sg_matcher_scratch(gr->db_any, &sc->hs));
    }
    if (!ok) {
        ts_sigma_scratch_free(sc);
        return NULL;
    }
    return sc;
}

void ts_sigma_scratch_stats(const ts_sigma_scratch *sc, ts_sigma_stats *out)
{
    *out = sc->st;
    uint64_t resets;
    sg_memo_counts(sc->memo, &out->remembered, &out->not_remembered, &resets);
}

bool ts_sigma_scratch_budget(ts_sigma_scratch *sc, uint32_t steps, uint32_t give_ups)
{
    sg_regex_budget b = {steps ? steps : 1, steps ? steps : 1, REGEX_HEAP_KIB};
    void *md = sg_match_data_new(&b);
    if (!md)
        return false;
    sg_match_data_free(sc->md);
    sc->md = md;
    sc->max_give_ups = give_ups ? give_ups : 1;
    return true;
}

size_t ts_sigma_gave_up(const ts_sigma_scratch *sc, ts_sigma_gave_up_fn fn, void *ud)
{
    size_t n = 0;
    for (size_t r = 0; r < sc->s->nrules; r++) {
        if (!sc->rule_gave_up[r])
            continue;
        n++;
        if (fn) {
            ts_sigma_gave_up_info g = {&sc->s->rules[r].info, sc->rule_gave_up[r], sc->gave_up_file[r],
                                       sc->gave_up_line[r], sc->gave_up_record[r]};
            fn(ud, &g);
        }
    }
    return n;
}

void ts_sigma_scratch_corr_use(const ts_sigma_scratch *sc, uint64_t *groups, uint64_t *max, uint64_t *dropped,
                               uint64_t *bytes, uint64_t *bound)
{
    sg_corr_usage(sc ? sc->corr : NULL, groups, max, dropped, bytes, bound);
}

void ts_sigma_scratch_free(ts_sigma_scratch *sc)
{
    if (!sc)
        return;
    free(sc->atom_gen), free(sc->lazy_gen), free(sc->lazy_res), free(sc->rule_gen);
    free(sc->group_gen), free(sc->fgen), free(sc->fval), free(sc->cand.v);
    free(sc->low_gen), free(sc->low_off), free(sc->low), free(sc->short_gen);
    free(sc->tests_gen), free(sc->tests), free(sc->khash), free(sc->kspace), free(sc->rec.v),
        free(sc->joined);
    sg_memo_free(sc->memo);
    free(sc->routes);
    sg_match_data_free(sc->md);
    for (size_t r = 0; sc->gave_up_file && r < sc->s->nrules; r++)
        free(sc->gave_up_file[r]);
    free(sc->rule_gave_up), free(sc->gave_up_file), free(sc->gave_up_line), free(sc->gave_up_record);
    sg_corr_state_free(sc->corr);
    if (sc->hs)
        sg_matcher_scratch_free(sc->hs);
    free(sc);
}

/* ---- evaluation of atoms the matchers do not decide ---- */

static bool field_value(const ts_sigma_scratch *sc, uint32_t field, ts_str *v)
{
    uint32_t slot = sc->s->groups[sc->group].fbase + field;
    if (sc->fgen[slot] != sc->gen)
        return false;
    *v = sc->ev->fields[sc->fval[slot]].val;
    if (!v->p)
        v->p = "";
    return true;
}

/* A field's value lower-cased, made once per event, so that case-insensitive searches of
 * short literals are plain memmem calls. False when out of memory. */
static bool lowered(ts_sigma_scratch *sc, uint32_t field, ts_str v, const char **out)
{
    uint32_t slot = sc->s->groups[sc->group].fbase + field;
    if (sc->low_gen[slot] != sc->gen) {
        if (!ts_vec_grow(sc->low, sc->low_cap, sc->low_used + v.n, TS_VEC_NOCAP))
            return false;
        char *d = sc->low + sc->low_used;
        for (size_t i = 0; i < v.n; i++) {
            char c = v.p[i];
            d[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
        }
        sc->low_off[slot] = sc->low_used;
        sc->low_used += v.n;
        sc->low_gen[slot] = sc->gen;
    }
    *out = sc->low + sc->low_off[slot];
    return true;
}

/* Whether a field has had enough direct tests this event that one scan of its short
 * literals (which decides them all, but costs as much as tens of searches on a long
 * command line) is the cheaper way on. */
static bool many_tests(ts_sigma_scratch *sc, uint32_t field)
{
    uint32_t slot = sc->s->groups[sc->group].fbase + field;
    if (sc->short_gen[slot] == sc->gen)
        return true;
    if (sc->tests_gen[slot] != sc->gen)
        sc->tests_gen[slot] = sc->gen, sc->tests[slot] = 0;
    return ++sc->tests[slot] > DIRECT_TESTS;
}

static void on_short(void *ud, uint32_t atom)
{
    ts_sigma_scratch *sc = ud;
    sc->lazy_gen[atom] = sc->gen;
    sc->lazy_res[atom] = 1;
}

/* Runs the field's short-literal matcher once per event; every short literal of the
 * field is then decided (those it did not report are false). */
static bool short_scan(ts_sigma_scratch *sc, const sg_atom *at, ts_str v)
{
    uint32_t slot = sc->s->groups[sc->group].fbase + at->field;
    uint32_t self = (uint32_t)(at - sc->s->atoms);
    if (sc->short_gen[slot] != sc->gen) {
        sc->short_gen[slot] = sc->gen;
        sc->st.short_scans++;
        sg_matcher_scan(sc->s->groups[sc->group].db_short[at->field], sc->hs, v.p, v.n, on_short, sc);
    }
    return sc->lazy_gen[self] == sc->gen && sc->lazy_res[self];
}

static bool num_of(ts_str v, double *out)
{
    return ts_parse_double(v, out);
}

static bool compare(double a, uint8_t cmp, double b)
{
    switch (cmp) {
    case CMP_LT:
        return a < b;
    case CMP_LTE:
        return a <= b;
    case CMP_GT:
        return a > b;
    case CMP_GTE:
        return a >= b;
    default:
        return a == b;
    }
}

static bool time_part(ts_str v, uint8_t part, double *out)
{
    int64_t ns;
    if (!ts_parse_iso8601_ns(v, &ns))
        return false;
    time_t t = (time_t)(ns / 1000000000);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return false;
    char wk[4];
    switch (part) {
    case TP_MINUTE:
        *out = tm.tm_min;
        break;
    case TP_HOUR:
        *out = tm.tm_hour;
        break;
    case TP_DAY:
        *out = tm.tm_mday;
        break;
    case TP_WEEK:
        strftime(wk, sizeof wk, "%V", &tm);
        *out = (wk[0] - '0') * 10 + (wk[1] - '0');
        break;
    case TP_MONTH:
        *out = tm.tm_mon + 1;
        break;
    default:
        *out = tm.tm_year + 1900;
        break;
    }
    return true;
}

static bool in_cidr(const sg_atom *at, ts_str v)
{
    ts_ip ip;
    if (!ts_ip_parse(v, &ip) || ip.v != at->ip.v)
        return false;
    uint8_t full = at->prefix / 8, rest = at->prefix % 8;
    if (memcmp(ip.b, at->ip.b, full))
        return false;
    return !rest || ((ip.b[full] ^ at->ip.b[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static bool fieldref(const ts_sigma_scratch *sc, const sg_atom *at, ts_str a)
{
    ts_str b;
    if (!field_value(sc, at->field2, &b))
        return false;
    sg_atom lit = *at;
    lit.kind = AT_STR, lit.backend = BK_LIT, lit.is_regex = false;
    char buf[512];
    if (b.n >= sizeof buf)
        return false;
    for (size_t i = 0; i < b.n; i++)
        buf[i] = (at->rxflags & RX_CASELESS) && b.p[i] >= 'A' && b.p[i] <= 'Z' ? (char)(b.p[i] + 32) : b.p[i];
    lit.pat = buf, lit.plen = b.n;
    return sg_atom_test_str(&lit, a.p, a.n, sc->md) == SG_YES;
}

/* A string atom's test of one value (SG_YES, SG_NO, SG_GAVE_UP). Past the event's
 * allowance of regexes over budget, the rest give up without running: a value padded
 * against one rule's regex would otherwise cost the full budget once per regex. */
static int test_str(ts_sigma_scratch *sc, const sg_atom *at, const char *p, size_t n)
{
    if (at->backend == BK_PCRE && sc->give_ups >= sc->max_give_ups) {
        sc->st.regex_gave_up++;
        return SG_GAVE_UP;
    }
    int r = sg_atom_test_str(at, p, n, sc->md);
    if (r == SG_GAVE_UP)
        sc->give_ups++, sc->st.regex_gave_up++;
    return r;
}

static int any_field(ts_sigma_scratch *sc, const sg_atom *at)
{
    int res = SG_NO;
    for (size_t i = 0; i < sc->ev->n_fields; i++) {
        ts_str v = sc->ev->fields[i].val;
        int r = test_str(sc, at, v.p ? v.p : "", v.n);
        if (r == SG_YES)
            return SG_YES;
        if (r == SG_GAVE_UP)
            res = SG_GAVE_UP;
    }
    return res;
}

/* SG_YES, SG_NO, or SG_GAVE_UP when a regex could not decide. */
static int direct(ts_sigma_scratch *sc, const sg_atom *at)
{
    ts_str v;
    double d;
    if (at->field == SG_ANY_FIELD)
        return at->kind == AT_STR ? any_field(sc, at) : SG_NO;
    bool has = field_value(sc, at->field, &v);
    switch (at->kind) {
    case AT_STR: {
        const char *low;
        const sg_group *gr = &sc->s->groups[sc->group];
        if (has && at->backend == BK_LIT && at->plen && gr->db_short[at->field] && many_tests(sc, at->field))
            return short_scan(sc, at, v);
        if (has && at->backend == BK_LIT && !at->anchors && (at->rxflags & RX_CASELESS) &&
            lowered(sc, at->field, v, &low))
            return memmem(low, v.n, at->pat, at->plen) != NULL;
        return has ? test_str(sc, at, v.p, v.n) : SG_NO;
    }
    case AT_EXISTS:
        return has;
    case AT_NULL:
        return !has || v.n == 0;
    case AT_NUM:
        return has && num_of(v, &d) && compare(d, at->cmp, at->num);
    case AT_TIME:
        return has && time_part(v, at->tpart, &d) && compare(d, at->cmp, at->num);
    case AT_CIDR:
        return has && in_cidr(at, v);
    case AT_FREF:
        return has && fieldref(sc, at, v);
    default:
        return false;
    }
}

/* A node's value in three-valued logic: an atom a regex could not decide is SG_GAVE_UP
 * (unknown), and so is every node whose value depends on it: "a and not b" with b
 * undecided is undecided when a holds, false when a does not. A rule fires only on
 * SG_YES; on SG_GAVE_UP it is counted as given up, never taken as a miss. */
static int eval(ts_sigma_scratch *sc, uint32_t node)
{
    const ts_sigma *s = sc->s;
    const sg_node *n = &s->nodes[node];
    int res;
    switch (n->op) {
    case N_ATOM: {
        if (s->atom_hs[n->a])
            return sc->atom_gen[n->a] == sc->gen;
        if (sc->lazy_gen[n->a] != sc->gen) {
            int r = direct(sc, &s->atoms[n->a]); /* may decide other atoms of the field too */
            sc->lazy_gen[n->a] = sc->gen;
            sc->lazy_res[n->a] = (uint8_t)r;
        }
        return sc->lazy_res[n->a];
    }
    case N_AND:
        res = SG_YES;
        for (uint32_t i = 0; i < n->n; i++) {
            int r = eval(sc, s->kids.v[n->a + i]);
            if (r == SG_NO)
                return SG_NO;
            if (r == SG_GAVE_UP)
                res = SG_GAVE_UP;
        }
        return res;
    case N_OR:
        res = SG_NO;
        for (uint32_t i = 0; i < n->n; i++) {
            int r = eval(sc, s->kids.v[n->a + i]);
            if (r == SG_YES)
                return SG_YES;
            if (r == SG_GAVE_UP)
                res = SG_GAVE_UP;
        }
        return res;
    case N_NOT:
        res = eval(sc, n->a);
        return res == SG_GAVE_UP ? SG_GAVE_UP : !res;
    case N_TRUE:
        return SG_YES;
    default:
        return SG_NO;
    }
}

/* Rule r could not finish on ev: counted, and the first place kept. */
static void gave_up(ts_sigma_scratch *sc, uint32_t r, const ts_event *ev)
{
    sc->st.gave_up++;
    if (sc->rule_gave_up[r]++ == 0) {
        sc->gave_up_file[r] = ev->file ? strdup(ev->file) : NULL;
        sc->gave_up_line[r] = ev->line;
        sc->gave_up_record[r] = ev->record;
    }
}

/* ---- routing and scanning ---- */

static void on_atom(void *ud, uint32_t atom)
{
    ts_sigma_scratch *sc = ud;
    sc->atom_gen[atom] = sc->gen;
    const sg_u32v *tr = &sc->s->triggers[atom];
    for (size_t i = 0; i < tr->n; i++)
        if (sc->rule_gen[tr->v[i]] != sc->gen) {
            sc->rule_gen[tr->v[i]] = sc->gen;
            sg_u32v_push(&sc->cand, tr->v[i]);
        }
}

static void on_atom_kept(void *ud, uint32_t atom)
{
    ts_sigma_scratch *sc = ud;
    if (!sg_u32v_push(&sc->rec, atom))
        sc->rec_failed = true;
    on_atom(ud, atom);
}

/* One field's scan by matcher m: replayed from the memory of scans when the same value
 * came before, else scanned and remembered. */
static void scan(ts_sigma_scratch *sc, const void *m, ts_str v)
{
    sg_memo_key k;
    if (!sg_matcher_scans(m) || !sg_memo_key_make(sc->memo, &k, m, v.p, v.n)) {
        sg_matcher_scan(m, sc->hs, v.p, v.n, on_atom, sc);
        return;
    }
    if (sg_memo_replay(sc->memo, &k, on_atom, sc))
        return;
    sc->rec.n = 0;
    sc->rec_failed = false;
    sg_matcher_scan(m, sc->hs, v.p, v.n, on_atom_kept, sc);
    if (!sc->rec_failed)
        sg_memo_put(sc->memo, &k, sc->rec.v, sc->rec.n);
}

/* Whether a keyword of matcher m may be in one of the event's values: one scan of all
 * of them, which for ordinary events finds none (true when it cannot tell). */
static bool keywords_may_match(ts_sigma_scratch *sc, const void *m)
{
    const ts_event *ev = sc->ev;
    size_t n = 0;
    for (size_t i = 0; i < ev->n_fields; i++)
        n += ev->fields[i].val.n + 1;
    if (!ts_vec_grow(sc->joined, sc->jcap, n, TS_VEC_NOCAP))
        return true;
    char *d = sc->joined;
    for (size_t i = 0; i < ev->n_fields; i++) {
        if (ev->fields[i].val.n)
            memcpy(d, ev->fields[i].val.p, ev->fields[i].val.n);
        d += ev->fields[i].val.n;
        *d++ = 0;
    }
    return sg_matcher_may_match(m, sc->hs, sc->joined, n);
}

/* The name rules use for an event's field: the source's renames, and Windows Defender's
 * "Source Name" style keys without their spaces ("SourceName"), as Sigma writes them. */
ts_str sg_field_name(const sg_source *src, ts_str k, char *buf, size_t cap)
{
    if (k.n < cap && memchr(k.p, ' ', k.n)) {
        size_t n = 0;
        for (size_t i = 0; i < k.n; i++)
            if (k.p[i] != ' ')
                buf[n++] = k.p[i];
        return ts_str_make(buf, n);
    }
    for (size_t i = 0; i < src->nren; i++)
        if (ts_str_eq(k, src->ren[i].from))
            return ts_str_c(src->ren[i].to);
    return k;
}

/* The group's id for the event's field i, or UINT32_MAX (cache: the key hashes kept in
 * the scratch may be used). */
static uint32_t field_of(ts_sigma_scratch *sc, const sg_group *gr, const sg_source *src, size_t i, bool cache)
{
    char buf[128];
    ts_str k0 = sc->ev->fields[i].key, k = k0;
    uint64_t h;
    if (cache && !sc->khash_done) {
        sc->khash[i] = sg_hash(k0.p, k0.n);
        sc->kspace[i] = memchr(k0.p, ' ', k0.n) != NULL; /* sg_field_name drops spaces */
    }
    if (cache && !src->nren && !sc->kspace[i]) {
        h = sc->khash[i];
    } else {
        k = sg_field_name(src, k0, buf, sizeof buf);
        h = sg_hash(k.p, k.n);
    }
    return sg_map_get_h(&gr->fields, k.p, k.n, h);
}

/* Rule r fired on sc's event (an event of src), or gave up on it: said to fn, fed to the
 * correlations, counted. */
static void act(ts_sigma_scratch *sc, uint32_t r, bool fired, const sg_source *src, ts_sigma_hit_fn fn,
                void *ud)
{
    const ts_sigma *s = sc->s;
    if (!fired) {
        gave_up(sc, r, sc->ev);
        return;
    }
    if (!s->rules[r].quiet)
        fn(ud, &s->rules[r].info, sc->ev);
    sg_corr_feed(s, sc->corr, r, src, sc->ev, fn, ud);
}

/* An outcome flagged so in a prepared event's record: the rule gave up rather than fired. */
#define PREP_GAVE_UP 0x80000000u

/* What rule r came to: acted on now, or recorded (rule and source, in the order act would
 * have seen them) when the scratch prepares events for ts_sigma_replay. */
static void outcome(ts_sigma_scratch *sc, uint32_t r, bool fired, const sg_source *src, ts_sigma_hit_fn fn,
                    void *ud)
{
    if (!sc->out) {
        act(sc, r, fired, src, fn, ud);
        return;
    }
    if (!sg_u32v_push(sc->out, fired ? r : r | PREP_GAVE_UP) ||
        !sg_u32v_push(sc->out, (uint32_t)(src - sc->s->src)))
        sc->out_failed = true;
}

static void run_group(ts_sigma_scratch *sc, uint32_t g, const sg_source *src, ts_sigma_hit_fn fn, void *ud)
{
    const ts_sigma *s = sc->s;
    const sg_group *gr = &s->groups[g];
    const ts_event *ev = sc->ev;
    sc->group = g;
    sc->cand.n = 0;
    /* the key cache holds the event's keys when both arrays have room (else it is skipped) */
    bool cache = sc->khash_done ? ev->n_fields <= sc->khash_cap && ev->n_fields <= sc->kspace_cap
                                : ts_vec_grow(sc->khash, sc->khash_cap, ev->n_fields, TS_VEC_NOCAP) &&
                                      ts_vec_grow(sc->kspace, sc->kspace_cap, ev->n_fields, TS_VEC_NOCAP);
    const uint32_t *known = NULL;
    uint32_t *fill = NULL;
    if (sc->lay_ok) {
        for (uint32_t j = 0; j < sc->lay->ngroups && !known; j++)
            if (sc->lay->group[j] == g)
                known = sc->lay->field[j];
    } else if (sc->lay_fill && sc->lay->ngroups < LAYOUT_GROUPS) {
        sc->lay->group[sc->lay->ngroups] = g;
        fill = sc->lay->field[sc->lay->ngroups++];
    }
    for (size_t i = 0; i < ev->n_fields; i++) {
        ts_str v = ev->fields[i].val;
        uint32_t f = known ? known[i] : field_of(sc, gr, src, i, cache);
        if (fill)
            fill[i] = f;
        if (f == UINT32_MAX)
            continue;
        uint32_t slot = gr->fbase + f;
        if (sc->fgen[slot] != sc->gen) {
            sc->fgen[slot] = sc->gen;
            sc->fval[slot] = (uint32_t)i;
        }
        if (gr->db[f]) {
            sc->st.scans++;
            scan(sc, gr->db[f], v);
        }
    }
    if (!known)
        sc->khash_done = cache;
    if (gr->db_any && keywords_may_match(sc, gr->db_any))
        for (size_t i = 0; i < ev->n_fields; i++)
            sg_matcher_scan(gr->db_any, sc->hs, ev->fields[i].val.p, ev->fields[i].val.n, on_atom, sc);
    for (size_t i = 0; i < gr->always.n; i++)
        if (sc->rule_gen[gr->always.v[i]] != sc->gen) {
            sc->rule_gen[gr->always.v[i]] = sc->gen;
            sg_u32v_push(&sc->cand, gr->always.v[i]);
        }
    sc->st.rules_evaluated += sc->cand.n;
    for (size_t i = 0; i < sc->cand.n; i++) {
        int res = eval(sc, s->rules[sc->cand.v[i]].root);
        if (res == SG_YES || res == SG_GAVE_UP)
            outcome(sc, sc->cand.v[i], res == SG_YES, src, fn, ud);
    }
}

bool sg_source_matches(const sg_source *src, const ts_event *ev)
{
    if (src->neids) {
        bool hit = false;
        for (size_t i = 0; ev->has_code && i < src->neids && !hit; i++)
            hit = src->eids[i] == ev->code;
        if (!hit)
            return false;
    }
    if (src->provider && !ts_str_ieq(ev->provider, src->provider))
        return false;
    if (src->dataset && src->dataset[0] == '*') {
        size_t n = strlen(src->dataset + 1);
        return ev->dataset.n > n && !memcmp(ev->dataset.p, src->dataset + 1, n) && ev->dataset.p[n] == '.';
    }
    return true;
}

typedef struct visit {
    ts_sigma_scratch *sc;
    ts_sigma_hit_fn fn;
    void *ud;
} visit;

static void visit_source(void *ud, uint32_t si)
{
    visit *v = ud;
    ts_sigma_scratch *sc = v->sc;
    const sg_source *src = &sc->s->src[si];
    for (size_t i = 0; i < src->groups.n; i++) {
        uint32_t g = src->groups.v[i];
        if (sc->group_gen[g] != sc->gen) {
            sc->group_gen[g] = sc->gen;
            run_group(sc, g, src, v->fn, v->ud);
        }
    }
}

static void next_gen(ts_sigma_scratch *sc)
{
    if (++sc->gen != 0)
        return;
    const ts_sigma *s = sc->s;
    memset(sc->atom_gen, 0, (s->natoms + 1) * sizeof *sc->atom_gen);
    memset(sc->lazy_gen, 0, (s->natoms + 1) * sizeof *sc->lazy_gen);
    memset(sc->rule_gen, 0, (s->nrules + 1) * sizeof *sc->rule_gen);
    memset(sc->group_gen, 0, (s->ngroups + 1) * sizeof *sc->group_gen);
    memset(sc->fgen, 0, (s->nfields_total + 1) * sizeof *sc->fgen);
    memset(sc->low_gen, 0, (s->nfields_total + 1) * sizeof *sc->low_gen);
    memset(sc->short_gen, 0, (s->nfields_total + 1) * sizeof *sc->short_gen);
    memset(sc->tests_gen, 0, (s->nfields_total + 1) * sizeof *sc->tests_gen);
    sc->gen = 1;
}

void sg_route(const ts_sigma *s, const ts_event *ev, void (*fn)(void *ud, uint32_t src), void *ud)
{
    char low[256];
    if (ev->channel.n && ev->channel.n < sizeof low) {
        for (size_t i = 0; i < ev->channel.n; i++) {
            char c = ev->channel.p[i];
            low[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
        }
        for (uint32_t si = sg_map_get(&s->chan_index, low, ev->channel.n); si != UINT32_MAX;
             si = s->src_next[si])
            if (sg_source_matches(&s->src[si], ev))
                fn(ud, si);
    }
    if (ev->dataset.n)
        for (uint32_t si = sg_map_get(&s->ds_index, ev->dataset.p, ev->dataset.n); si != UINT32_MAX;
             si = s->src_next[si])
            if (sg_source_matches(&s->src[si], ev))
                fn(ud, si);
    for (size_t i = 0; i < s->any_src.n; i++)
        if (sg_source_matches(&s->src[s->any_src.v[i]], ev))
            fn(ud, s->any_src.v[i]);
}

/* Whether ev's field names are those kept in l, in the same order. */
static bool layout_same(const layout *l, const ts_event *ev)
{
    if (!l->nkeys || l->nkeys != ev->n_fields)
        return false;
    const char *p = l->keys;
    for (size_t i = 0; i < ev->n_fields; i++) {
        ts_str k = ev->fields[i].key;
        if (k.n != l->klen[i] || (k.n && memcmp(k.p, p, k.n)))
            return false;
        p += k.n;
    }
    return true;
}

/* Keeps ev's field names in l, with no group's ids yet; false when they do not fit. */
static bool layout_reset(layout *l, const ts_event *ev)
{
    l->nkeys = 0, l->ngroups = 0;
    if (!ev->n_fields || ev->n_fields > LAYOUT_KEYS)
        return false;
    size_t used = 0;
    for (size_t i = 0; i < ev->n_fields; i++) {
        ts_str k = ev->fields[i].key;
        if (k.n > LAYOUT_BYTES - used)
            return false;
        if (k.n)
            memcpy(l->keys + used, k.p, k.n);
        l->klen[i] = (uint16_t)k.n;
        used += k.n;
    }
    l->nkeys = (uint32_t)ev->n_fields;
    return true;
}

/* The routing key of ev in a slot's form; false when too long to keep. */
static bool route_key(const ts_event *ev, route_slot *k)
{
    if (ev->channel.n + ev->provider.n + ev->dataset.n > ROUTE_KEY)
        return false;
    k->code = ev->code, k->has_code = ev->has_code;
    k->lay.nkeys = 0, k->lay.ngroups = 0;
    k->nchan = (uint16_t)ev->channel.n, k->nprov = (uint16_t)ev->provider.n, k->nds = (uint16_t)ev->dataset.n;
    char *d = k->key;
    if (ev->channel.n)
        memcpy(d, ev->channel.p, ev->channel.n), d += ev->channel.n;
    if (ev->provider.n)
        memcpy(d, ev->provider.p, ev->provider.n), d += ev->provider.n;
    if (ev->dataset.n)
        memcpy(d, ev->dataset.p, ev->dataset.n);
    size_t n = (size_t)k->nchan + k->nprov + k->nds;
    k->h = sg_hash(k->key, n) ^ ((uint64_t)k->code * 0x9E3779B97F4A7C15ULL) ^ k->has_code;
    return true;
}

static bool route_same(const route_slot *a, const route_slot *b)
{
    return a->used && a->h == b->h && a->code == b->code && a->has_code == b->has_code &&
           a->nchan == b->nchan && a->nprov == b->nprov && a->nds == b->nds &&
           !memcmp(a->key, b->key, (size_t)a->nchan + a->nprov + a->nds);
}

typedef struct route_rec {
    visit *v;
    route_slot *slot; /* NULL once more sources came than a slot holds */
} route_rec;

static void visit_and_keep(void *ud, uint32_t si)
{
    route_rec *rr = ud;
    if (rr->slot && rr->slot->nsrc < ROUTE_MAX_SRC)
        rr->slot->src[rr->slot->nsrc++] = si;
    else
        rr->slot = NULL;
    visit_source(rr->v, si);
}

void ts_sigma_match(const ts_sigma *s, ts_sigma_scratch *sc, const ts_event *ev, ts_sigma_hit_fn fn, void *ud)
{
    if (!s->compiled || !s->nrules)
        return;
    next_gen(sc);
    sc->st.events++;
    sc->ev = ev;
    sc->give_ups = 0;
    sc->low_used = 0;
    sc->khash_done = false;
    visit v = {sc, fn, ud};
    route_slot k;
    if (!route_key(ev, &k)) {
        sg_route(s, ev, visit_source, &v);
        return;
    }
    route_slot *slot = &sc->routes[k.h & (ROUTE_SLOTS - 1)];
    if (route_same(slot, &k)) {
        sc->lay = &slot->lay;
        sc->lay_ok = layout_same(sc->lay, ev);
        sc->lay_fill = !sc->lay_ok && layout_reset(sc->lay, ev);
        for (uint8_t i = 0; i < slot->nsrc; i++)
            visit_source(&v, slot->src[i]);
        sc->lay_ok = sc->lay_fill = false;
        return;
    }
    slot->used = false;
    slot->lay.nkeys = 0;
    k.nsrc = 0;
    route_rec rr = {&v, &k};
    sg_route(s, ev, visit_and_keep, &rr);
    if (rr.slot) {
        *slot = k;
        slot->used = true;
    }
}

/* What ts_sigma_prepare found: pairs of (rule, flagged PREP_GAVE_UP when it gave up) and
 * source index, in the order the rules came to them. */
struct ts_sigma_prep {
    uint32_t n;
    uint32_t v[];
};

/* Not a record: the event could not be prepared (out of memory), so replay matches it. */
static ts_sigma_prep match_at_replay;

static void no_hit(void *ud, const ts_sigma_rule_info *rule, const ts_event *ev)
{
    (void)ud, (void)rule, (void)ev; /* prepare records outcomes; it never acts on them */
}

ts_sigma_prep *ts_sigma_prepare(const ts_sigma *s, ts_sigma_scratch *sc, const ts_event *ev)
{
    sg_u32v out = {0};
    sc->out = &out;
    sc->out_failed = false;
    ts_sigma_match(s, sc, ev, no_hit, NULL);
    sc->out = NULL;
    ts_sigma_prep *p = NULL;
    if (!sc->out_failed && out.n && (p = malloc(sizeof *p + out.n * sizeof *p->v))) {
        p->n = (uint32_t)out.n;
        memcpy(p->v, out.v, out.n * sizeof *p->v);
    }
    if (sc->out_failed || (out.n && !p))
        p = &match_at_replay;
    free(out.v);
    return p;
}

void ts_sigma_replay(const ts_sigma *s, ts_sigma_scratch *sc, const ts_event *ev, ts_sigma_prep *p,
                     ts_sigma_hit_fn fn, void *ud)
{
    if (p == &match_at_replay) {
        ts_sigma_match(s, sc, ev, fn, ud);
        return;
    }
    if (!p)
        return;
    sc->ev = ev;
    for (uint32_t i = 0; i + 1 < p->n; i += 2)
        act(sc, p->v[i] & ~PREP_GAVE_UP, !(p->v[i] & PREP_GAVE_UP), &s->src[p->v[i + 1]], fn, ud);
    free(p);
}

void ts_sigma_prep_free(ts_sigma_prep *p)
{
    if (p != &match_at_replay)
        free(p);
}
