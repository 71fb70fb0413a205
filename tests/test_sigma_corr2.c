/* test_sigma_corr2.c: Sigma correlations: value_percentile, aliases, chains, generate, ranges and state
 * bounds; each matched directly and prepared by another scratch then replayed (--jobs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_diag.h"
#include "sigma/sigma.h"

#define LOGSOURCES "data/sigma/logsources.tsv"
#define SYSMON "Microsoft-Windows-Sysmon/Operational"
#define EV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Base rules: Security failed logon (4625, name failed_login), logon (4624, successful_login),
 * special privileges (4672, priv), and process creation (Sysmon 1 or Security 4688, proc). */
static const char base_rules[] =
    "title: failed logon\nid: fail\nname: failed_login\nlogsource:\n  product: windows\n  service: security\n"
    "detection:\n  sel:\n    EventID: 4625\n  condition: sel\n---\n"
    "title: logon\nid: ok\nname: successful_login\nlogsource:\n  product: windows\n  service: security\n"
    "detection:\n  sel:\n    EventID: 4624\n  condition: sel\n---\n"
    "title: privileges\nid: priv\nlogsource:\n  product: windows\n  service: security\n"
    "detection:\n  sel:\n    EventID: 4672\n  condition: sel\n---\n"
    "title: process\nid: proc\nname: process_creation\nlogsource:\n  product: windows\n  category: "
    "process_creation\n"
    "detection:\n  sel:\n    Image|endswith: '.exe'\n  condition: sel\n---\n";

typedef struct loaded {
    int loaded, refused;
    char why[512];
} loaded;

static void on_status(void *ud, const ts_sigma_status *st)
{
    loaded *l = ud;
    if (st->loaded) {
        l->loaded++;
        return;
    }
    l->refused++;
    snprintf(l->why, sizeof l->why, "%s", st->at.msg);
}

/* The base rules plus the correlation text, compiled; NULL when a document was refused
 * (the reason in l->why). */
static ts_sigma *build(const char *corr, loaded *l)
{
    static char yaml[16384];
    check_diags dg = {0};
    memset(l, 0, sizeof *l);
    snprintf(yaml, sizeof yaml, "%s%s", base_rules, corr);
    ts_sigma *s = ts_sigma_new(LOGSOURCES, check_diag_keep, &dg);
    if (!s)
        return NULL;
    ts_sigma_load_text(s, "corr.yml", yaml, strlen(yaml), on_status, l);
    if (l->refused || ts_sigma_compile(s, check_diag_keep, &dg) != TOCSIN_OK) {
        ts_sigma_free(s);
        return NULL;
    }
    return s;
}

/* Hits seen: the rule id and the event's Image (or "") for each. */
typedef struct seen {
    char ids[64][48];
    char image[64][48];
    int n;
} seen;

static void record_hit(void *ud, const ts_sigma_rule_info *r, const ts_event *ev)
{
    seen *x = ud;
    if (x->n == 64)
        return;
    snprintf(x->ids[x->n], sizeof x->ids[0], "%s", r->id);
    ts_str im = ts_event_field(ev, "Image");
    snprintf(x->image[x->n], sizeof x->image[0], "%.*s", (int)im.n, im.p ? im.p : "");
    x->n++;
}

static int count_id(const seen *x, const char *id)
{
    int c = 0;
    for (int i = 0; i < x->n; i++)
        c += !strcmp(x->ids[i], id);
    return c;
}

/* The Image of the event on which id last fired, or "". */
static const char *fired_on(const seen *x, const char *id)
{
    for (int i = x->n; i-- > 0;)
        if (!strcmp(x->ids[i], id))
            return x->image[i];
    return "";
}

/* Set: events are matched as a hunt's workers do (--jobs): prepared with a scratch of their
 * own, and the scratch given replays what the rules came to. Each scratch the tests make
 * gets a worker's scratch with it (a new one per event cost minutes under ASan). */
static int prepared;
static struct pair {
    ts_sigma_scratch *sc, *worker;
} pairs[8];

static ts_sigma_scratch *scratch_new(const ts_sigma *s)
{
    ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
    for (size_t i = 0; sc && prepared && i < sizeof pairs / sizeof *pairs; i++)
        if (!pairs[i].sc) {
            pairs[i] = (struct pair){sc, ts_sigma_scratch_new(s)};
            break;
        }
    return sc;
}

static void scratch_free(ts_sigma_scratch *sc)
{
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++)
        if (pairs[i].sc == sc) {
            ts_sigma_scratch_free(pairs[i].worker);
            pairs[i] = (struct pair){NULL, NULL};
        }
    ts_sigma_scratch_free(sc);
}

static ts_sigma_scratch *worker_of(const ts_sigma_scratch *sc)
{
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++)
        if (pairs[i].sc == sc)
            return pairs[i].worker;
    return NULL;
}

/* Feeds one event of channel and event id at time t seconds, fields "k=v". */
static void feed(const ts_sigma *s, ts_sigma_scratch *sc, const char *channel, uint32_t eid, int64_t t,
                 const char *const *kv, seen *x)
{
    ts_field f[16];
    size_t n = 0;
    for (; kv[n] && n < 16; n++) {
        const char *eq = strchr(kv[n], '=');
        f[n].key = ts_str_make(kv[n], (size_t)(eq - kv[n]));
        f[n].val = ts_str_c(eq + 1);
    }
    ts_event ev;
    ts_event_clear(&ev);
    ev.channel = ts_str_c(channel);
    ev.code = eid, ev.has_code = true;
    ev.ts_ns = t * 1000000000LL;
    ev.fields = f, ev.n_fields = n;
    if (!prepared) {
        ts_sigma_match(s, sc, &ev, record_hit, x);
        return;
    }
    ts_sigma_scratch *worker = worker_of(sc);
    if (!worker) {
        CHECK(worker != NULL);
        return;
    }
    ts_sigma_replay(s, sc, &ev, ts_sigma_prepare(s, worker, &ev), record_hit, x);
}

static void sec(const ts_sigma *s, ts_sigma_scratch *sc, uint32_t eid, int64_t t, const char *const *kv,
                seen *x)
{
    feed(s, sc, "Security", eid, t, kv, x);
}

/* A Sysmon process creation of image on host at t. */
static void proc(const ts_sigma *s, ts_sigma_scratch *sc, int64_t t, const char *host, const char *image,
                 seen *x)
{
    char h[64], im[64];
    snprintf(h, sizeof h, "Computer=%s", host);
    snprintf(im, sizeof im, "Image=%s", image);
    feed(s, sc, SYSMON, 1, t, EV(h, im), x);
}

/* ---- value_percentile ---- */

static const char percentile_rule[] =
    "title: rare process\nid: rare\nlevel: high\ncorrelation:\n  type: value_percentile\n"
    "  rules: [process_creation]\n  group-by: [Computer]\n  timespan: 1h\n"
    "  condition:\n    field: Image\n    lte: 10\n";

/* commons events of common.exe on host, then one of rare.exe: did the correlation fire on it? */
static int rare_after(int commons)
{
    loaded l;
    ts_sigma *s = build(percentile_rule, &l);
    if (!s)
        return -1;
    ts_sigma_scratch *sc = scratch_new(s);
    seen x = {0};
    for (int i = 0; i < commons; i++)
        proc(s, sc, i, "h1", "C:\\common.exe", &x);
    int before = count_id(&x, "rare");
    proc(s, sc, commons, "h1", "C:\\rare.exe", &x);
    int fired = count_id(&x, "rare") - before;
    CHECK_INT(before, 0); /* a common value never falls under 10% */
    if (fired)
        CHECK_STR(fired_on(&x, "rare"), "C:\\rare.exe");
    CHECK_INT(count_id(&x, "proc"), 0); /* its rule only feeds it */
    scratch_free(sc);
    ts_sigma_free(s);
    return fired;
}

static void test_percentile(void)
{
    CHECK_INT(rare_after(10), 1); /* 1 of 11: 9.1% <= 10 */
    CHECK_INT(rare_after(9), 1);  /* 1 of 10: exactly 10% */
    CHECK_INT(rare_after(8), 0);  /* 1 of 9: 11.1% */
    CHECK_INT(rare_after(0), 0);  /* alone: 100% */

    loaded l;
    ts_sigma *s = build(percentile_rule, &l);
    CHECK(s != NULL);
    if (!s)
        return;
    ts_sigma_scratch *sc = scratch_new(s);
    seen x = {0};
    for (int i = 0; i < 20; i++)
        proc(s, sc, i, "h1", "C:\\common.exe", &x);
    proc(s, sc, 20, "h1", "C:\\rare.exe", &x); /* 1/21 */
    CHECK_INT(count_id(&x, "rare"), 1);
    proc(s, sc, 21, "h1", "C:\\rare.exe", &x); /* 2/22 = 9.1%, but that value already fired */
    CHECK_INT(count_id(&x, "rare"), 1);
    proc(s, sc, 22, "h1", "C:\\other.exe", &x); /* 1/23: the baseline is kept after firing */
    CHECK_INT(count_id(&x, "rare"), 2);
    CHECK_STR(fired_on(&x, "rare"), "C:\\other.exe");
    proc(s, sc, 23, "h2", "C:\\other.exe", &x); /* another host: its own baseline (1/1) */
    CHECK_INT(count_id(&x, "rare"), 2);
    /* an hour later the old hits are gone: the baseline is rebuilt and rare.exe may fire again */
    for (int i = 0; i < 20; i++)
        proc(s, sc, 4000 + i, "h1", "C:\\common.exe", &x);
    CHECK_INT(count_id(&x, "rare"), 2);
    proc(s, sc, 4020, "h1", "C:\\rare.exe", &x);
    CHECK_INT(count_id(&x, "rare"), 3);
    scratch_free(sc);
    ts_sigma_free(s);

    /* gte: a value that makes up most of a host's processes */
    s = build(
        "title: dominant\nid: dom\ncorrelation:\n  type: value_percentile\n  rules: [proc]\n"
        "  group-by: [Computer]\n  timespan: 1h\n  condition:\n    field: Image\n    gt: 50\n    lt: 100\n",
        &l);
    CHECK(s != NULL);
    if (s) {
        sc = scratch_new(s);
        seen y = {0};
        proc(s, sc, 0, "h1", "C:\\a.exe", &y); /* 100%: not under the upper bound */
        proc(s, sc, 1, "h1", "C:\\b.exe", &y); /* 50% */
        CHECK_INT(count_id(&y, "dom"), 0);
        proc(s, sc, 2, "h1", "C:\\a.exe", &y); /* 66.7% */
        CHECK_INT(count_id(&y, "dom"), 1);
        scratch_free(sc);
        ts_sigma_free(s);
    }
    /* refusals, each with its reason */
    CHECK(build("title: x\ncorrelation:\n  type: value_percentile\n  rules: [proc]\n  timespan: 1h\n"
                "  condition:\n    lte: 1\n",
                &l) == NULL);
    CHECK(strstr(l.why, "need a condition field") != NULL);
    CHECK(build("title: x\ncorrelation:\n  type: value_percentile\n  rules: [proc]\n  timespan: 1h\n"
                "  condition:\n    field: [Image, User]\n    lte: 1\n",
                &l) == NULL);
    CHECK(strstr(l.why, "take one") != NULL);
    CHECK(build("title: x\ncorrelation:\n  type: value_percentile\n  rules: [proc]\n  timespan: 1h\n"
                "  condition:\n    field: Image\n    lte: 1\n    gt: 0\n    neq: 3\n",
                &l) == NULL);
    CHECK(strstr(l.why, "at most two bounds") != NULL);
    CHECK(build("title: x\ncorrelation:\n  type: value_median\n  rules: [proc]\n  timespan: 1h\n", &l) ==
          NULL);
    CHECK(strstr(l.why, "value_percentile") != NULL); /* the message lists the types there are */
}

/* ---- aliases ---- */

static const char alias_rule[] =
    "title: failed then process\nid: fp\ncorrelation:\n  type: temporal_ordered\n"
    "  rules: [failed_login, process_creation]\n  group-by: [user]\n  timespan: 10m\n"
    "  aliases:\n    user:\n      failed_login: TargetUserName\n      process_creation: User\n";

static void test_aliases(void)
{
    loaded l;
    ts_sigma *s = build(alias_rule, &l);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_INT(ts_sigma_idle_correlations(s, NULL, NULL), 0);
    ts_sigma_scratch *sc = scratch_new(s);
    seen x = {0};
    /* the same person under two field names: joined */
    sec(s, sc, 4625, 0, EV("EventID=4625", "TargetUserName=bob"), &x);
    feed(s, sc, SYSMON, 1, 30, EV("Image=C:\\x.exe", "User=bob"), &x);
    CHECK_INT(count_id(&x, "fp"), 1);
    /* different values: no join */
    sec(s, sc, 4625, 100, EV("EventID=4625", "TargetUserName=eve"), &x);
    feed(s, sc, SYSMON, 1, 130, EV("Image=C:\\x.exe", "User=mallory"), &x);
    CHECK_INT(count_id(&x, "fp"), 1);
    /* the field of the other rule does not count: eve's process under TargetUserName */
    feed(s, sc, SYSMON, 1, 140, EV("Image=C:\\x.exe", "TargetUserName=eve"), &x);
    CHECK_INT(count_id(&x, "fp"), 1);
    feed(s, sc, SYSMON, 1, 150, EV("Image=C:\\x.exe", "User=eve"), &x);
    CHECK_INT(count_id(&x, "fp"), 2);
    scratch_free(sc);
    ts_sigma_free(s);

    /* without the alias the same events do not join (the process has no TargetUserName) */
    s = build(
        "title: no alias\nid: na\ncorrelation:\n  type: temporal_ordered\n  rules: [failed_login, proc]\n"
        "  group-by: [TargetUserName]\n  timespan: 10m\n",
        &l);
    CHECK(s != NULL);
    if (s) {
        sc = scratch_new(s);
        seen y = {0};
        sec(s, sc, 4625, 0, EV("EventID=4625", "TargetUserName=bob"), &y);
        feed(s, sc, SYSMON, 1, 30, EV("Image=C:\\x.exe", "User=bob"), &y);
        CHECK_INT(count_id(&y, "na"), 0);
        scratch_free(sc);
        ts_sigma_free(s);
    }

    /* an alias through a log source rename: Security 4688's NewProcessName is Image to rules,
     * so a value_count over Image counts it; the alias names rules by id here */
    s = build("title: images\nid: im\ncorrelation:\n  type: value_count\n  rules: [proc, fail]\n"
              "  group-by: [host]\n  timespan: 1h\n  aliases:\n    host:\n      proc: Computer\n"
              "      fail: WorkstationName\n  condition:\n    field: Image\n    gte: 2\n",
              &l);
    CHECK(s != NULL);
    if (s) {
        sc = scratch_new(s);
        seen y = {0};
        sec(s, sc, 4688, 0, EV("EventID=4688", "Computer=h1", "NewProcessName=C:\\a.exe"), &y);
        feed(s, sc, SYSMON, 1, 1, EV("Computer=h1", "Image=C:\\a.exe"), &y);
        CHECK_INT(count_id(&y, "im"), 0); /* one image so far */
        sec(s, sc, 4688, 2, EV("EventID=4688", "Computer=h1", "NewProcessName=C:\\b.exe"), &y);
        CHECK_INT(count_id(&y, "im"), 1);
        scratch_free(sc);
        ts_sigma_free(s);
    }

    /* an alias naming a rule the correlation does not use: loaded but idle, and says why */
    s = build(
        "title: typo\nid: typo\ncorrelation:\n  type: temporal\n  rules: [failed_login, proc]\n"
        "  group-by: [user]\n  timespan: 10m\n  aliases:\n    user:\n      failed_logon: TargetUserName\n",
        &l);
    CHECK(s != NULL);
    if (s) {
        loaded idle = {0};
        CHECK_INT(ts_sigma_idle_correlations(s, on_status, &idle), 1);
        CHECK(strstr(idle.why, "alias 'user' names 'failed_logon'") != NULL);
        sc = scratch_new(s);
        seen y = {0};
        sec(s, sc, 4625, 0, EV("EventID=4625", "TargetUserName=bob"), &y);
        CHECK_INT(count_id(&y, "fail"), 1); /* an idle correlation silences nothing */
        scratch_free(sc);
        ts_sigma_free(s);
    }
    CHECK(
        build(
            "title: x\ncorrelation:\n  type: temporal\n  rules: [fail]\n  timespan: 1m\n  aliases: [a, b]\n",
            &l) == NULL);
    CHECK(strstr(l.why, "aliases must be a map") != NULL);
    CHECK(build("title: x\ncorrelation:\n  type: temporal\n  rules: [fail]\n  timespan: 1m\n  aliases:\n    "
                "a: b\n",
                &l) == NULL);
    CHECK(strstr(l.why, "alias 'a'") != NULL);
}

/* ---- chains ---- */

/* The specification's example: many failed logins, then a success of the same user. */
static const char chain_rule[] =
    "title: Correlation - Multiple Failed Logins Followed by Successful Login\nid: b180ead8\nlevel: high\n"
    "correlation:\n  type: temporal_ordered\n  rules:\n    - multiple_failed_login\n    - successful_login\n"
    "  group-by:\n    - User\n  timespan: 10m\n%s---\n"
    "title: Multiple failed logons\nid: a8418a5a\nname: multiple_failed_login\ncorrelation:\n  type: "
    "event_count\n"
    "  rules:\n    - failed_login\n  group-by:\n    - User\n    - Computer\n  timespan: 10m\n  condition:\n  "
    "  gte: 3\n";

static void test_chain(void)
{
    char text[2048];
    snprintf(text, sizeof text, chain_rule, "");
    loaded l;
    ts_sigma *s = build(text, &l);
    CHECK(s != NULL);
    if (!s)
        return;
    ts_sigma_scratch *sc = scratch_new(s);
    seen x = {0};
    /* two failures then a success: the lower level is not met */
    sec(s, sc, 4625, 0, EV("EventID=4625", "User=bob", "Computer=h1"), &x);
    sec(s, sc, 4625, 10, EV("EventID=4625", "User=bob", "Computer=h1"), &x);
    sec(s, sc, 4624, 20, EV("EventID=4624", "User=bob", "Computer=h1"), &x);
    CHECK_INT(x.n, 0); /* nothing alerts: the base rules and the inner correlation only feed */
    /* a third failure: the inner correlation fires (quietly); a success completes the outer */
    sec(s, sc, 4625, 30, EV("EventID=4625", "User=bob", "Computer=h1"), &x);
    CHECK_INT(x.n, 0);
    sec(s, sc, 4624, 40, EV("EventID=4624", "User=bob", "Computer=h1"), &x);
    CHECK_INT(count_id(&x, "b180ead8"), 1);
    CHECK_INT(x.n, 1);
    /* three failures spread over two computers: the inner level (per user and computer) is not met */
    sec(s, sc, 4625, 100, EV("EventID=4625", "User=eve", "Computer=h1"), &x);
    sec(s, sc, 4625, 101, EV("EventID=4625", "User=eve", "Computer=h2"), &x);
    sec(s, sc, 4625, 102, EV("EventID=4625", "User=eve", "Computer=h2"), &x);
    sec(s, sc, 4624, 103, EV("EventID=4624", "User=eve", "Computer=h1"), &x);
    CHECK_INT(count_id(&x, "b180ead8"), 1);
    /* the inner level met, but the success came first: the ordered outer level waits */
    sec(s, sc, 4624, 200, EV("EventID=4624", "User=joe", "Computer=h1"), &x);
    for (int i = 0; i < 3; i++)
        sec(s, sc, 4625, 201 + i, EV("EventID=4625", "User=joe", "Computer=h1"), &x);
    CHECK_INT(count_id(&x, "b180ead8"), 1);
    /* the outer groups by User only: a success on another computer completes it */
    sec(s, sc, 4624, 210, EV("EventID=4624", "User=joe", "Computer=h9"), &x);
    CHECK_INT(count_id(&x, "b180ead8"), 2);
    /* and the success must come within the outer timespan of the inner firing */
    for (int i = 0; i < 3; i++)
        sec(s, sc, 4625, 300 + i, EV("EventID=4625", "User=amy", "Computer=h1"), &x);
    sec(s, sc, 4624, 302 + 601, EV("EventID=4624", "User=amy", "Computer=h1"), &x);
    CHECK_INT(count_id(&x, "b180ead8"), 2);
    scratch_free(sc);
    ts_sigma_free(s);

    /* generate: true on the outer makes the inner correlation alert too; its rules stay quiet */
    snprintf(text, sizeof text, chain_rule, "generate: true\n");
    s = build(text, &l);
    CHECK(s != NULL);
    if (s) {
        sc = scratch_new(s);
        seen y = {0};
        for (int i = 0; i < 3; i++)
            sec(s, sc, 4625, i, EV("EventID=4625", "User=bob", "Computer=h1"), &y);
        CHECK_INT(count_id(&y, "a8418a5a"), 1);
        sec(s, sc, 4624, 5, EV("EventID=4624", "User=bob", "Computer=h1"), &y);
        CHECK_INT(count_id(&y, "b180ead8"), 1);
        CHECK_INT(count_id(&y, "ok"), 1);   /* successful_login is named by the outer: generated */
        CHECK_INT(count_id(&y, "fail"), 0); /* failed_login is named by the inner, which does not generate */
        scratch_free(sc);
        ts_sigma_free(s);
    }

    /* three levels: event_count -> event_count -> temporal */
    s = build("title: l1\nid: l1\nname: l1\ncorrelation:\n  type: event_count\n  rules: [fail]\n"
              "  group-by: [User]\n  timespan: 1h\n  condition:\n    gte: 2\n---\n"
              "title: l2\nid: l2\nname: l2\ncorrelation:\n  type: event_count\n  rules: [l1]\n"
              "  group-by: [User]\n  timespan: 1h\n  condition:\n    gte: 2\n---\n"
              "title: l3\nid: l3\ncorrelation:\n  type: temporal\n  rules: [l2, priv]\n"
              "  group-by: [User]\n  timespan: 1h\n",
              &l);
    CHECK(s != NULL);
    if (s) {
        sc = scratch_new(s);
        seen y = {0};
        sec(s, sc, 4672, 0, EV("EventID=4672", "User=bob"), &y);
        for (int i = 0; i < 3; i++)
            sec(s, sc, 4625, 1 + i, EV("EventID=4625", "User=bob"), &y);
        CHECK_INT(count_id(&y, "l3"), 0); /* three failures: l1 fired once */
        sec(s, sc, 4625, 5, EV("EventID=4625", "User=bob"), &y);
        CHECK_INT(count_id(&y, "l3"), 1); /* four: l1 twice, l2 once, with priv: l3 */
        CHECK_INT(y.n, 1);
        scratch_free(sc);
        ts_sigma_free(s);
    }

    /* a cycle, and a name that is not loaded: both idle, with their reasons */
    s = build("title: a\nid: ca\ncorrelation:\n  type: event_count\n  rules: [cb]\n  timespan: 1h\n"
              "  condition:\n    gte: 1\n---\n"
              "title: b\nid: cb\ncorrelation:\n  type: event_count\n  rules: [ca, fail]\n  timespan: 1h\n"
              "  condition:\n    gte: 1\n---\n"
              "title: c\nid: cc\ncorrelation:\n  type: event_count\n  rules: [nosuch]\n  timespan: 1h\n"
              "  condition:\n    gte: 1\n---\n"
              "title: d\nid: cd\ncorrelation:\n  type: event_count\n  rules: [cc]\n  timespan: 1h\n"
              "  condition:\n    gte: 1\n",
              &l);
    CHECK(s != NULL);
    if (s) {
        loaded idle = {0};
        CHECK_INT(ts_sigma_idle_correlations(s, on_status, &idle), 4);
        CHECK(strstr(idle.why, "names correlation 'cc', which cannot run") != NULL); /* the last one, cd */
        sc = scratch_new(s);
        seen y = {0};
        sec(s, sc, 4625, 0, EV("EventID=4625"), &y);
        CHECK_INT(y.n, 1); /* the failure alerts on its own; no correlation runs */
        CHECK_INT(count_id(&y, "fail"), 1);
        scratch_free(sc);
        ts_sigma_free(s);
    }
}

/* ---- generate ---- */

static void test_generate(void)
{
    loaded l;
    /* named by two correlations, one of which generates: the rule alerts */
    ts_sigma *s =
        build("title: b\nid: gb\ngenerate: true\ncorrelation:\n  type: event_count\n  rules: [fail]\n"
              "  timespan: 1h\n  condition:\n    gte: 5\n---\n"
              "title: a\nid: ga\ncorrelation:\n  type: event_count\n  rules: [fail]\n  timespan: 1h\n"
              "  condition:\n    gte: 5\n---\n"
              "title: c\nid: gc\ngenerate: false\ncorrelation:\n  type: event_count\n  rules: [ok]\n"
              "  timespan: 1h\n  condition:\n    gte: 5\n",
              &l);
    CHECK(s != NULL);
    if (s) {
        ts_sigma_scratch *sc = scratch_new(s);
        seen x = {0};
        sec(s, sc, 4625, 0, EV("EventID=4625"), &x);
        sec(s, sc, 4624, 0, EV("EventID=4624"), &x);
        CHECK_INT(count_id(&x, "fail"), 1);
        CHECK_INT(count_id(&x, "ok"), 0);
        scratch_free(sc);
        ts_sigma_free(s);
    }
    CHECK(build("title: x\ngenerate: sometimes\ncorrelation:\n  type: event_count\n  rules: [fail]\n  "
                "timespan: 1h\n"
                "  condition:\n    gte: 5\n",
                &l) == NULL);
    CHECK(strstr(l.why, "generate must be true or false") != NULL);
}

/* ---- ranges, field lists, bounds ---- */

static void test_ranges_and_bounds(void)
{
    loaded l;
    /* value_avg within a range */
    ts_sigma *s =
        build("title: avg\nid: avg\ncorrelation:\n  type: value_avg\n  rules: [ok]\n  group-by: [User]\n"
              "  timespan: 1h\n  condition:\n    field: Bytes\n    gt: 100\n    lte: 200\n",
              &l);
    CHECK(s != NULL);
    if (s) {
        ts_sigma_scratch *sc = scratch_new(s);
        seen x = {0};
        sec(s, sc, 4624, 0, EV("EventID=4624", "User=a", "Bytes=50"), &x);
        CHECK_INT(count_id(&x, "avg"), 0);
        sec(s, sc, 4624, 1, EV("EventID=4624", "User=a", "Bytes=250"), &x); /* 150 */
        CHECK_INT(count_id(&x, "avg"), 1);
        sec(s, sc, 4624, 2, EV("EventID=4624", "User=b", "Bytes=500"), &x); /* 500: above the range */
        CHECK_INT(count_id(&x, "avg"), 1);
        scratch_free(sc);
        ts_sigma_free(s);
    }
    /* value_count over two fields: distinct combinations */
    s = build("title: pairs\nid: pairs\ncorrelation:\n  type: value_count\n  rules: [fail]\n  timespan: 1h\n"
              "  condition:\n    field: [TargetUserName, IpAddress]\n    gte: 3\n",
              &l);
    CHECK(s != NULL);
    if (s) {
        ts_sigma_scratch *sc = scratch_new(s);
        seen x = {0};
        sec(s, sc, 4625, 0, EV("EventID=4625", "TargetUserName=a", "IpAddress=1"), &x);
        sec(s, sc, 4625, 1, EV("EventID=4625", "TargetUserName=a", "IpAddress=2"), &x);
        sec(s, sc, 4625, 2, EV("EventID=4625", "TargetUserName=a", "IpAddress=1"), &x);
        CHECK_INT(count_id(&x, "pairs"), 0);
        sec(s, sc, 4625, 3, EV("EventID=4625", "TargetUserName=b", "IpAddress=1"), &x);
        CHECK_INT(count_id(&x, "pairs"), 1);
        scratch_free(sc);
        ts_sigma_free(s);
    }
    /* a count no group can reach is refused, with why */
    CHECK(build("title: x\ncorrelation:\n  type: event_count\n  rules: [fail]\n  timespan: 1h\n"
                "  condition:\n    gte: 100000\n",
                &l) == NULL);
    CHECK(strstr(l.why, "more than tocsin keeps") != NULL);
    /* a timespan whose nanoseconds do not fit in 64 bits is refused, not wrapped (fuzz_sigma_rule:
       "100000000d" overflowed the multiplication); the longest one loads */
    CHECK(build("title: x\ncorrelation:\n  type: event_count\n  rules: [fail]\n  timespan: 100000000d\n"
                "  condition:\n    gte: 2\n",
                &l) == NULL);
    CHECK(strstr(l.why, "timespan") != NULL);
    CHECK(build("title: x\ncorrelation:\n  type: event_count\n  rules: [fail]\n  timespan: 11575d\n"
                "  condition:\n    gte: 2\n",
                &l) == NULL);
    s = build("title: x\ncorrelation:\n  type: event_count\n  rules: [fail]\n  timespan: 11574d\n"
              "  condition:\n    gte: 2\n",
              &l);
    CHECK(s != NULL);
    ts_sigma_free(s);
    /* the earliest times a log may carry (epoch -9223372034 s, in 1677): the window's start
       saturates instead of leaving int64, and the count still fires */
    s = build("title: early\nid: early\ncorrelation:\n  type: event_count\n  rules: [fail]\n"
              "  timespan: 1h\n  condition:\n    gte: 2\n",
              &l);
    CHECK(s != NULL);
    if (s) {
        ts_sigma_scratch *sc = scratch_new(s);
        seen x = {0};
        sec(s, sc, 4625, -9223372034LL, EV("EventID=4625", "User=a"), &x);
        sec(s, sc, 4625, -9223372033LL, EV("EventID=4625", "User=a"), &x);
        CHECK_INT(count_id(&x, "early"), 1);
        scratch_free(sc);
        ts_sigma_free(s);
    }
    /* temporal keeps one time per rule: a flood of one rule cannot push out another's hit */
    s = build(
        "title: t3\nid: t3\ncorrelation:\n  type: temporal\n  rules: [priv, fail, ok]\n  group-by: [User]\n"
        "  timespan: 1h\n",
        &l);
    CHECK(s != NULL);
    if (s) {
        ts_sigma_scratch *sc = scratch_new(s);
        seen x = {0};
        sec(s, sc, 4672, 0, EV("EventID=4672", "User=bob"), &x);
        for (int i = 0; i < 6000; i++)
            sec(s, sc, 4625, 1, EV("EventID=4625", "User=bob"), &x);
        CHECK_INT(count_id(&x, "t3"), 0);
        sec(s, sc, 4624, 2, EV("EventID=4624", "User=bob"), &x);
        CHECK_INT(count_id(&x, "t3"), 1);
        scratch_free(sc);
        ts_sigma_free(s);
    }
    /* groups are bounded (65,536): when full, groups idle for longer than the timespan are
     * swept out, so a long stream keeps working */
    s = build(
        "title: pair\nid: pair\ncorrelation:\n  type: event_count\n  rules: [fail]\n  group-by: [Computer]\n"
        "  timespan: 1m\n  condition:\n    gte: 2\n",
        &l);
    CHECK(s != NULL);
    if (s) {
        ts_sigma_scratch *sc = scratch_new(s);
        seen x = {0};
        char host[32];
        for (int i = 0; i < 65536; i++) {
            snprintf(host, sizeof host, "Computer=h%d", i);
            sec(s, sc, 4625, 0, EV("EventID=4625", host), &x);
        }
        /* the table is full of live groups: a new one is not tracked */
        sec(s, sc, 4625, 10, EV("EventID=4625", "Computer=new"), &x);
        sec(s, sc, 4625, 11, EV("EventID=4625", "Computer=new"), &x);
        CHECK_INT(count_id(&x, "pair"), 0);
        /* and the hits so lost are counted, for the run's summary */
        uint64_t groups, max, dropped, bytes, bound;
        ts_sigma_scratch_corr_use(sc, &groups, &max, &dropped, &bytes, &bound);
        CHECK_INT(groups, 65536);
        CHECK_INT(max, 65536);
        CHECK_INT(dropped, 2);
        CHECK(bytes > 0 && bytes <= bound);
        /* a live old group still counts */
        sec(s, sc, 4625, 12, EV("EventID=4625", "Computer=h7"), &x);
        CHECK_INT(count_id(&x, "pair"), 1);
        /* past the timespan (and the pause after a fruitless sweep) the old groups go */
        sec(s, sc, 4625, 200, EV("EventID=4625", "Computer=late"), &x);
        sec(s, sc, 4625, 201, EV("EventID=4625", "Computer=late"), &x);
        CHECK_INT(count_id(&x, "pair"), 2);
        scratch_free(sc);
        ts_sigma_free(s);
    }
}

int main(void)
{
    for (prepared = 0; prepared < 2; prepared++) { /* the same results, matched either way */
        test_percentile();
        test_aliases();
        test_chain();
        test_generate();
        test_ranges_and_bounds();
    }
    return check_done("test_sigma_corr2");
}
