/* account_admin.c: detector "account-admin": account and directory changes made by accounts
 * that never made such changes (Security 4720 created, 4722 enabled, 4724 password reset, 4738
 * changed; 4728/4732/4756 member added to a group; 5136 directory object modified). An intruder
 * with a stolen admin's password creates a back door account, resets a password or adds an
 * account to a group; the organisation's own changes are made by a few help-desk and admin
 * accounts, over and over. host-attack already raises what needs no baseline (privileged
 * groups, risky account flags, anonymous changes, ACL rewrites); this is the baseline.
 *   - The baseline is the organisation's (subject account, kind of change) pairs, the kinds
 *     being user accounts (4720/4722/4724/4738), group membership (4728/4732/4756) and
 *     directory objects (5136). After `learn` from the earliest event seen, a pair new to the
 *     organisation alerts.
 *   - While learning, new pairs are held (the first `max_held`); when learning ends, those
 *     seen at most `rare_max` times in all the learning period are raised, lower and saying
 *     the baseline was young. A hunt that ends before learning does judges them the same at
 *     its end, lower still, saying how much data it had.
 *   - A change made on a host the subject administers is its job, not judged: one it logs on
 *     to at the console, by remote desktop or with special privileges (4672: a domain admin's
 *     network logons to the domain controller), first at least `admin_after` before the change
 *     (a domain admin's round of the domain controllers, first seen on an earlier day). An
 *     intruder's own account, or a password it stole and used there first today, is judged.
 *     While learning, the period's own logons count: a held change on a host where the
 *     account's console, remote-desktop or privileged logons span at least `admin_after` by the end of
 *     learning is dropped then.
 * Machine accounts (name$), the system's own accounts and anonymous logons are not judged:
 * the domain controllers' own work, and Zerologon's (host-attack), are not an admin's.
 * ATT&CK: T1136 Create Account, T1098 Account Manipulation, T1098.007 Additional Local or
 * Domain Groups, T1484 Domain or Tenant Policy Modification. Lists and numbers in
 * data/detect.conf [account-admin]. Memory: at most `max_pairs` pairs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "detect/alert_util.h"
#include "detect/baseline.h"
#include "detect/detect.h"

#define DET "account-admin"
#define MAGIC 0x32414141u /* "AAA2" */
#define MAX_HELD 256

typedef struct aa_pair {
    int64_t first;
    uint32_t count;
} aa_pair;

/* An account's console or remote-desktop logons to one host: the first and the last. */
typedef struct aa_admin {
    int64_t first, last;
} aa_admin;

typedef struct held {
    ts_alert *a;
    uint64_t key;
    uint64_t admin; /* (subject, host) in admins */
} held;

typedef struct aa_state {
    const char *system_accounts;
    int64_t learn_ns, admin_after_ns, first_ns, last_ns; /* first_ns: the earliest event (saved) */
    uint32_t rare_max;
    size_t max_held;
    bl_map pairs;  /* (subject, kind) -> aa_pair (saved) */
    bl_map admins; /* (account, host) -> first console or remote desktop logon (saved) */
    /* Not saved: a run that ends while learning judges them at its end. */
    held held[MAX_HELD];
    size_t n_held;
} aa_state;

typedef struct aa_settings {
    double learn, admin_after, rare_max, max_held, max_pairs;
    const char *system_accounts;
} aa_settings;

static const ts_tunable aa_tunables[] = {
    TS_TUNE(aa_settings, learn, TS_TUNE_SECONDS, 604800, 0, 31536000),
    TS_TUNE(aa_settings, admin_after, TS_TUNE_SECONDS, 86400, 0, 31536000),
    TS_TUNE(aa_settings, rare_max, TS_TUNE_COUNT, 2, 1, 1e+06),
    TS_TUNE(aa_settings, max_held, TS_TUNE_COUNT, 64, 1, 1e+06),
    TS_TUNE(aa_settings, max_pairs, TS_TUNE_COUNT, 50000, 16, 1e+08),
    TS_TUNE_STR(aa_settings, system_accounts, NULL),
    {0},
};

static tocsin_code aa_init(void *state, const ts_detect_ctx *ctx)
{
    aa_state *st = state;
    aa_settings k;
    if (!ts_tune_read(ctx->config, DET, aa_tunables, &k))
        return TOCSIN_E_ARG;
    st->system_accounts = k.system_accounts ? k.system_accounts : "";
    st->learn_ns = (int64_t)(k.learn * BL_NS);
    st->admin_after_ns = (int64_t)(k.admin_after * BL_NS);
    st->rare_max = (uint32_t)k.rare_max;
    st->max_held = (size_t)k.max_held < MAX_HELD ? (size_t)k.max_held : MAX_HELD;
    bl_map_init(&st->pairs, sizeof(aa_pair), (size_t)k.max_pairs);
    bl_map_init(&st->admins, sizeof(aa_admin), (size_t)k.max_pairs);
    return TOCSIN_OK;
}

static int clip(ts_str s)
{
    return (int)ts_utf8_cut(s, 160);
}
static uint64_t admin_key(ts_str account, ts_str host)
{
    return bl_hash(account, bl_hash(host, BL_SEED ^ 0xad31));
}

/* Remembers when the account first (and last) logged on to the host at its console, by
 * remote desktop, or with special privileges (4672, which Windows writes with every
 * privileged logon: a domain admin's network logons to the domain controller). */
static void note_logon(aa_state *st, const ts_event *ev)
{
    bool interactive =
        ev->code == 4624 && (ev->logon_type == 2 || ev->logon_type == 10 || ev->logon_type == 11);
    if (!ev->user.n || !ev->host.n || (!interactive && ev->code != 4672))
        return;
    bool created = false;
    aa_admin *m = bl_map_put(&st->admins, admin_key(ev->user, ev->host), ev->ts_ns, &created);
    if (m && (created || ev->ts_ns < m->first))
        m->first = ev->ts_ns;
    if (m && (created || ev->ts_ns > m->last))
        m->last = ev->ts_ns;
}

/* Whether the subject administers the host of the change: it logged on there that way long enough ago. */
static bool administers(const aa_state *st, ts_str subject, const ts_event *ev)
{
    const aa_admin *m = bl_map_get(&st->admins, admin_key(subject, ev->host));
    return m && ev->ts_ns - m->first >= st->admin_after_ns;
}

static const char *ptr(ts_str s)
{
    return s.p ? s.p : "?";
}

static bool young(const aa_state *st, int64_t ts)
{
    return st->first_ns && ts - st->first_ns < st->learn_ns;
}

/* The kind of change an event is, with its techniques; NULL: none judged here. */
static const char *kind_of(uint32_t code, const char **techniques)
{
    switch (code) {
    case 4720:
        *techniques = "T1136,T1098";
        return "user-account";
    case 4722:
    case 4724:
    case 4738:
        *techniques = "T1098";
        return "user-account";
    case 4728:
    case 4732:
    case 4756:
        *techniques = "T1098.007";
        return "group-membership";
    case 5136:
        *techniques = "T1484";
        return "directory-object";
    }
    return NULL;
}

/* Learning ended (at_end false) or the data did (at_end true): the held pairs still rare are
 * raised, saying the baseline was young; the others were the organisation's habit. */
static void look_back(aa_state *st, bool at_end, const ts_alert_sink *out)
{
    for (size_t i = 0; i < st->n_held; i++) {
        const aa_pair *p = bl_map_get(&st->pairs, st->held[i].key);
        ts_alert *a = st->held[i].a;
        /* The learning period's own logons count: a change made on the data's first day on
           a host the account went on administering, its logons there spanning admin_after. */
        const aa_admin *m = bl_map_get(&st->admins, st->held[i].admin);
        if (m && m->last - m->first >= st->admin_after_ns)
            p = NULL;
        char *t = NULL;
        double span_h = (double)(st->last_ns - st->first_ns) / 3600e9;
        if (p && p->count <= st->rare_max && at_end)
            t = ts_fmt_alloc(
                "%s (seen %u times in %.1f %s of data, less than the %.0f days it learns: baseline "
                "young, judged at the end)",
                a->title, (unsigned)p->count, span_h < 48 ? span_h : span_h / 24,
                span_h < 48 ? "hours" : "days", (double)st->learn_ns / 86400e9);
        else if (p && p->count <= st->rare_max)
            t = ts_fmt_alloc("%s (seen %u times while the baseline was young, raised when learning ended)",
                             a->title, (unsigned)p->count);
        if (t) {
            free(a->title);
            a->title = t;
            a->severity = at_end ? 30 : 40;
            out->emit(out->ud, a);
        } else {
            ts_alert_free(a);
        }
    }
    st->n_held = 0;
}

static void change(aa_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    const char *tech = NULL, *kind = kind_of(ev->code, &tech);
    if (!kind)
        return;
    ts_str subject = ts_str_trim(ts_event_field(ev, "SubjectUserName"));
    ts_str domain = ts_str_trim(ts_event_field(ev, "SubjectDomainName"));
    if (!subject.n || (subject.n == 1 && subject.p[0] == '-') || subject.p[subject.n - 1] == '$' ||
        bl_list_has(st->system_accounts, subject) ||
        ts_str_eq(ts_event_field(ev, "SubjectUserSid"), "S-1-5-7") ||
        ts_str_eq(ts_event_field(ev, "SubjectUserSid"), "S-1-5-18"))
        return;
    uint64_t key = bl_hash(ts_str_c(kind), bl_hash_u64(bl_hash(subject, bl_hash(domain, BL_SEED)), '|'));
    bool created = false;
    aa_pair *p = bl_map_put(&st->pairs, key, ev->ts_ns, &created);
    if (!p)
        return;
    if (p->count < UINT32_MAX)
        p->count++;
    if (!created)
        return;
    p->first = ev->ts_ns;
    if (administers(st, subject, ev))
        return; /* its job on a host it administers: the pair is learnt, not raised */
    bool yng = young(st, ev->ts_ns);
    if (yng && st->n_held >= st->max_held)
        return;
    ts_str target = ts_event_field(ev, ev->code == 5136 ? "ObjectDN" : "TargetUserName");
    ts_str member = ts_event_field(ev, "MemberName");
    ts_str attr = ts_event_field(ev, "AttributeLDAPDisplayName");
    bool group = ev->code == 4728 || ev->code == 4732 || ev->code == 4756;
    ts_alert *a = bl_alert(
        DET, ev, 50, tech,
        ts_fmt_alloc("%s|%.*s\\%.*s|%s", DET, clip(domain), ptr(domain), clip(subject), subject.p, kind),
        ts_fmt_alloc("%.*s\\%.*s made a %s change it never made before (event %u on %.*s: %.*s%s%.*s%s%.*s)",
                     clip(domain), ptr(domain), clip(subject), subject.p, kind, (unsigned)ev->code,
                     clip(ev->host), ptr(ev->host), clip(target), ptr(target),
                     group && member.n ? ", member " : "", group ? clip(member) : 0, group ? ptr(member) : "",
                     attr.n ? ", attribute " : "", clip(attr), ptr(attr)));
    if (!a)
        return;
    if (!yng) {
        out->emit(out->ud, a);
        return;
    }
    st->held[st->n_held++] = (held){a, key, admin_key(subject, ev->host)};
}

static void aa_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    aa_state *st = state;
    /* The learning clock starts at the earliest event, whatever order events come in. */
    if (ev->ts_ns && (!st->first_ns || ev->ts_ns < st->first_ns))
        st->first_ns = ev->ts_ns;
    if (ev->ts_ns > st->last_ns)
        st->last_ns = ev->ts_ns;
    if (st->n_held && ev->ts_ns && !young(st, ev->ts_ns))
        look_back(st, false, out);
    /* The Security log's account management, as the reader recognised it (an event 4720
       of another log has no action). */
    if (ev->has_code && ev->action.n && (ev->category & TS_CAT_HOST))
        change(st, ev, out);
    if (ev->has_code)
        note_logon(st, ev);
}

static void aa_finish(void *state, const ts_alert_sink *out)
{
    aa_state *st = state;
    if (st->n_held)
        look_back(st, true, out);
}

/* What it keeps between runs; a damaged blob is refused whole and it learns afresh. */
static const ts_saved_field aa_saved_fields[] = {
    TS_SAVED_FIELD(aa_state, first_ns),
    BL_SAVED_MAP(aa_state, pairs, 0, "subject-change pairs"),
    BL_SAVED_MAP(aa_state, admins, 0, "account-host admin logons"),
    {0},
};
static const ts_saved aa_saved = {DET, MAGIC, aa_saved_fields};

static void aa_fini(void *state)
{
    aa_state *st = state;
    for (size_t i = 0; i < st->n_held; i++)
        ts_alert_free(st->held[i].a);
}

const ts_detector ts_detector_account_admin = {
    .name = DET,
    .tunables = aa_tunables,
    .summary =
        "account and directory changes (4720-4756, 5136) by accounts the organisation never saw make them",
    .state_size = sizeof(aa_state),
    .init = aa_init,
    .event = aa_event,
    .finish = aa_finish,
    .fini = aa_fini,
    .saved = &aa_saved,
};
