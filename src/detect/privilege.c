/* privilege.c: detector "privilege": sensitive privileges used or asked for by programs that
 * do not use them (Security 4673 "a privileged service was called", 4674 "an operation was
 * attempted on a privileged object"). Mimikatz's privilege::debug asks for SeDebugPrivilege,
 * credential dumpers in PowerShell for SeTcbPrivilege, driver loaders for
 * SeLoadDriverPrivilege; Windows' own services use them all day, always the same programs.
 *   - The baseline is the organisation's (program file name, privilege) pairs, for the
 *     privileges of `privileges`. After `learn` from the earliest event seen, a pair new to
 *     the organisation alerts.
 *   - While learning, a pair that needs no baseline alerts at once, lower and saying its
 *     baseline is young: a shell, script host or proxy program (`suspect_programs`), or a
 *     program outside Windows' and installed software's folders (`installed_paths`).
 *     Other new pairs are held (the first `max_held`), and when learning ends those seen
 *     at most `rare_max` times in all the learning period are raised.      T1134
 * The processes at the heart of Windows (`programs_ok`, in Windows' folders) use these
 * privileges on every host and are never judged: a baseline of a few hosts' logs would
 * otherwise meet LSASS's SeTcbPrivilege as news.
 * Failures (the account lacks the privilege: an attempt) say so in the title. Lists and
 * numbers in data/detect.conf [privilege]. Memory: at most `max_pairs` pairs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "detect/alert_util.h"
#include "detect/baseline.h"
#include "detect/detect.h"

#define DET "privilege"
#define SEC "privilege"
#define MAGIC 0x31565250u /* "PRV1" */
#define MAX_HELD 256

typedef struct pv_pair {
    int64_t first;
    uint32_t count;
} pv_pair;

typedef struct held {
    ts_alert *a;
    uint64_t key;
} held;

typedef struct pv_state {
    const char *privileges, *suspect, *installed, *programs_ok;
    int64_t learn_ns, first_ns; /* first_ns: the earliest event seen (saved) */
    uint32_t rare_max;
    size_t max_held;
    bl_map pairs; /* (program, privilege) -> pv_pair (saved) */
    /* Not saved: a run that ends while learning hands the next one only what it learnt. */
    held held[MAX_HELD];
    size_t n_held;
} pv_state;

typedef struct pv_settings {
    double learn, rare_max, max_held, max_pairs;
    const char *privileges, *suspect_programs, *installed_paths, *programs_ok;
} pv_settings;

static const ts_tunable pv_tunables[] = {
    TS_TUNE_STR(pv_settings, privileges, NULL),
    TS_TUNE_STR(pv_settings, suspect_programs, NULL),
    TS_TUNE_STR(pv_settings, installed_paths, NULL),
    TS_TUNE_STR(pv_settings, programs_ok, NULL),
    TS_TUNE(pv_settings, learn, TS_TUNE_SECONDS, 604800, 0, 31536000),
    TS_TUNE(pv_settings, rare_max, TS_TUNE_COUNT, 2, 1, 1e+06),
    TS_TUNE(pv_settings, max_held, TS_TUNE_COUNT, 64, 1, 1e+06),
    TS_TUNE(pv_settings, max_pairs, TS_TUNE_COUNT, 50000, 16, 1e+08),
    {0},
};

static tocsin_code pv_init(void *state, const ts_detect_ctx *ctx)
{
    pv_state *st = state;
    pv_settings k;
    if (!ts_tune_read(ctx->config, SEC, pv_tunables, &k))
        return TOCSIN_E_ARG;
    st->privileges = (k.privileges ? k.privileges : "");
    st->suspect = (k.suspect_programs ? k.suspect_programs : "");
    st->installed = (k.installed_paths ? k.installed_paths : "");
    st->programs_ok = (k.programs_ok ? k.programs_ok : "");
    st->learn_ns = (int64_t)(k.learn * BL_NS);
    st->rare_max = (uint32_t)k.rare_max;
    st->max_held = (size_t)k.max_held;
    if (st->max_held > MAX_HELD)
        st->max_held = MAX_HELD;
    bl_map_init(&st->pairs, sizeof(pv_pair), (size_t)k.max_pairs);
    return TOCSIN_OK;
}

static void drop_held(pv_state *st)
{
    for (size_t i = 0; i < st->n_held; i++)
        ts_alert_free(st->held[i].a);
    st->n_held = 0;
}

static bool young(const pv_state *st, int64_t ts)
{
    return st->first_ns && ts - st->first_ns < st->learn_ns;
}

/* Learning has ended: the held pairs still rare are raised, the others were ordinary. */
static void look_back(pv_state *st, const ts_alert_sink *out)
{
    for (size_t i = 0; i < st->n_held; i++) {
        const pv_pair *p = bl_map_get(&st->pairs, st->held[i].key);
        ts_alert *a = st->held[i].a;
        if (p && p->count <= st->rare_max) {
            char *t =
                ts_fmt_alloc("%s (seen %u times while the baseline was young, raised when learning ended)",
                             a->title, (unsigned)p->count);
            if (t) {
                free(a->title);
                a->title = t;
            }
            out->emit(out->ud, a);
        } else {
            ts_alert_free(a);
        }
    }
    st->n_held = 0;
}

static void privileged(pv_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str privs = ts_event_field(ev, "PrivilegeList"), proc = ts_str_trim(ts_event_field(ev, "ProcessName"));
    if (!proc.n)
        proc = ts_str_trim(ev->process);
    ts_str pn = bl_basename(proc), it;
    if (!pn.n || (bl_list_has(st->programs_ok, pn) && bl_list_icontains(st->installed, proc)))
        return;
    /* The first sensitive privilege of the list (one per event in practice). */
    ts_str priv = TS_STR_NULL;
    for (const char *p = st->privileges; !priv.n && ts_str_next_item(&p, &it);) {
        char w[64];
        if (it.n && it.n < sizeof w) {
            memcpy(w, it.p, it.n);
            w[it.n] = 0;
            if (bl_icontains(privs, w))
                priv = it;
        }
    }
    if (!priv.n)
        return;
    uint64_t key = bl_hash(priv, bl_hash_u64(bl_hash(pn, BL_SEED), '|'));
    bool created = false;
    pv_pair *p = bl_map_put(&st->pairs, key, ev->ts_ns, &created);
    if (!p)
        return;
    if (p->count < UINT32_MAX)
        p->count++;
    if (!created)
        return;
    p->first = ev->ts_ns;
    bool yng = young(st, ev->ts_ns);
    bool suspect = bl_list_has(st->suspect, pn) || !bl_list_icontains(st->installed, proc);
    if (yng && !suspect && st->n_held >= st->max_held)
        return;
    ts_str kw = ts_event_field(ev, "Keywords"), type = ts_event_field(ev, "EventType");
    bool failed = ev->outcome == TS_OUTCOME_FAILURE || bl_icontains(type, "FAILURE") ||
                  bl_icontains(kw, "Failure") || ts_str_ieq(ts_str_trim(kw), "0x8010000000000000");
    ts_str who = ts_event_field(ev, "SubjectUserName");
    if (!who.n)
        who = ev->user;
    ts_alert *a =
        bl_alert(DET, ev, yng ? 40 : 55, "T1134",
                 ts_fmt_alloc("%s|%.*s|%.*s", DET, TS_STR_CUT(pn, 160), TS_STR_CUT(priv, 160)),
                 ts_fmt_alloc("%.*s %s %.*s on %.*s as %.*s, a pair new to the organisation%s: %.*s",
                              TS_STR_CUT(pn, 160), failed ? "asked in vain for" : "used",
                              TS_STR_CUT(priv, 160), TS_STR_CUT(ev->host, 160), TS_STR_CUT(who, 160),
                              yng && suspect ? " (baseline young)" : "", TS_STR_CUT(proc, 160)));
    if (!a)
        return;
    if (!yng || suspect) {
        out->emit(out->ud, a);
        return;
    }
    st->held[st->n_held++] = (held){a, key};
}

static void pv_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    pv_state *st = state;
    /* The learning clock starts at the earliest event, whatever order events come in. */
    if (ev->ts_ns && (!st->first_ns || ev->ts_ns < st->first_ns))
        st->first_ns = ev->ts_ns;
    if (st->n_held && ev->ts_ns && !young(st, ev->ts_ns))
        look_back(st, out);
    /* 4673 and 4674 of the Security log are the events that carry a PrivilegeList. */
    if (ev->has_code && (ev->code == 4673 || ev->code == 4674) && ts_event_field(ev, "PrivilegeList").n)
        privileged(st, ev, out);
}

/* What it keeps between runs; a damaged blob is refused whole and it learns afresh. */
static const ts_saved_field pv_saved_fields[] = {
    TS_SAVED_FIELD(pv_state, first_ns),
    BL_SAVED_MAP(pv_state, pairs, 0, "program-privilege pairs"),
    {0},
};
static const ts_saved pv_saved = {DET, MAGIC, pv_saved_fields};

static void pv_fini(void *state)
{
    pv_state *st = state;
    drop_held(st);
}

const ts_detector ts_detector_privilege = {
    .name = DET,
    .tunables = pv_tunables,
    .summary = "sensitive privileges (4673/4674) used by programs the organisation never saw use them",
    .state_size = sizeof(pv_state),
    .init = pv_init,
    .event = pv_event,
    .fini = pv_fini,
    .saved = &pv_saved,
};
