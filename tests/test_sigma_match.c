/* test_sigma_match.c: the Sigma engine's fast paths give the answers of the slow ones: whole values
 * looked up, keywords ruled out in one scan, scans replayed from memory, one scratch over many events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_diag.h"
#include "sigma/sigma.h"

#define LOGSOURCES "data/sigma/logsources.tsv"
#define SYSMON "Microsoft-Windows-Sysmon/Operational"

static ts_sigma *compile(const char *yaml)
{
    check_diags dg = {0};
    ts_sigma *s = ts_sigma_new(LOGSOURCES, check_diag_keep, &dg);
    if (!s)
        return NULL;
    ts_sigma_load_text(s, "test.yml", yaml, strlen(yaml), NULL, NULL);
    if (ts_sigma_rule_count(s) == 0 || ts_sigma_compile(s, check_diag_keep, &dg) != TOCSIN_OK) {
        ts_sigma_free(s);
        return NULL;
    }
    return s;
}

/* A process_creation rule set (one or more documents) with the given detections. */
static ts_sigma *proc_rules(const char *detection)
{
    char y[4096];
    snprintf(y, sizeof y,
             "title: t\nid: r1\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n%s",
             detection);
    return compile(y);
}

static void count_hit(void *ud, const ts_sigma_rule_info *r, const ts_event *ev)
{
    (void)r, (void)ev;
    (*(int *)ud)++;
}

/* Hits of a Sysmon process creation event with Image=image and one field k=v, on scratch sc. */
static int hits_two(const ts_sigma *s, ts_sigma_scratch *sc, const char *image, const char *k, const char *v,
                    size_t vn)
{
    ts_field f[2] = {{TS_STR_LIT("Image"), ts_str_c(image)}, {ts_str_c(k), ts_str_make(v, vn)}};
    ts_event ev;
    ts_event_clear(&ev);
    ev.channel = TS_STR_LIT(SYSMON);
    ev.code = 1, ev.has_code = true;
    ev.dataset = TS_STR_LIT("windows.sysmon");
    ev.fields = f;
    ev.n_fields = 2;
    int hits = 0;
    ts_sigma_match(s, sc, &ev, count_hit, &hits);
    return hits;
}

/* The same with Image=x. */
static int hits_kv(const ts_sigma *s, ts_sigma_scratch *sc, const char *k, const char *v, size_t vn)
{
    return hits_two(s, sc, "x", k, v, vn);
}

static int hits_v(const ts_sigma *s, ts_sigma_scratch *sc, const char *k, const char *v)
{
    return hits_kv(s, sc, k, v, strlen(v));
}

/* Whole values: case-insensitive unless |cased, exact length, bytes past ASCII compared as they are. */
static void test_whole_values(void)
{
    ts_sigma *s = proc_rules("  sel:\n    OriginalFileName:\n      - 'PsExec.exe'\n      - 'réseau.exe'\n"
                             "      - 'a'\n  condition: sel\n");
    CHECK(s != NULL);
    if (!s)
        return;
    ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
    CHECK_INT(hits_v(s, sc, "OriginalFileName", "psexec.EXE"), 1);
    CHECK_INT(hits_v(s, sc, "OriginalFileName", "PsExec.exe "), 0);
    CHECK_INT(hits_v(s, sc, "OriginalFileName", "xPsExec.exe"), 0);
    CHECK_INT(hits_v(s, sc, "OriginalFileName", "RÉSEAU.exe"), 0); /* É is not é in ASCII folding */
    CHECK_INT(hits_v(s, sc, "OriginalFileName", "Réseau.EXE"), 1);
    CHECK_INT(hits_v(s, sc, "OriginalFileName", "A"), 1);
    CHECK_INT(hits_v(s, sc, "OriginalFileName", ""), 0);
    CHECK_INT(hits_v(s, sc, "Company", "psexec.exe"), 0);
    ts_sigma_scratch_free(sc);
    ts_sigma_free(s);

    s = proc_rules("  sel:\n    OriginalFileName|cased: 'PsExec.exe'\n  condition: sel\n");
    CHECK(s != NULL);
    if (!s)
        return;
    sc = ts_sigma_scratch_new(s);
    CHECK_INT(hits_v(s, sc, "OriginalFileName", "PsExec.exe"), 1);
    CHECK_INT(hits_v(s, sc, "OriginalFileName", "psexec.exe"), 0);
    ts_sigma_scratch_free(sc);
    ts_sigma_free(s);
}

/* Keywords found in one value; never across two values; regex keywords still per value. */
static void test_keywords_joined(void)
{
    ts_sigma *s =
        proc_rules("  keywords:\n    - 'mimikatz'\n    - 'kerberos::golden'\n  condition: keywords\n");
    CHECK(s != NULL);
    if (!s)
        return;
    ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
    CHECK_INT(hits_v(s, sc, "CommandLine", "run MIMIKATZ now"), 1);
    CHECK_INT(hits_v(s, sc, "CommandLine", "nothing here"), 0);
    /* A keyword split over two values (Image, then CommandLine): the joined scan may see
     * more, the answer may not */
    CHECK_INT(hits_two(s, sc, "m", "CommandLine", "imikatz", 7), 0);
    CHECK_INT(hits_two(s, sc, "mimi", "CommandLine", "katz", 4), 0);
    CHECK_INT(hits_two(s, sc, "kerberos:", "CommandLine", ":golden", 7), 0);
    CHECK_INT(hits_two(s, sc, "mimikatz", "CommandLine", "x", 1), 1); /* in Image alone it counts */
    ts_sigma_scratch_free(sc);
    ts_sigma_free(s);

    /* Regex keywords hold per value: "^" anchors at each value's start. */
    s = proc_rules("  keywords:\n    '|re': '^mimi'\n  condition: keywords\n");
    CHECK(s != NULL);
    if (!s)
        return;
    sc = ts_sigma_scratch_new(s);
    CHECK_INT(hits_v(s, sc, "CommandLine", "mimikatz"), 1);
    CHECK_INT(hits_v(s, sc, "CommandLine", "a mimikatz"), 0);
    ts_sigma_scratch_free(sc);
    ts_sigma_free(s);
}

/* One scratch over many events: repeated values answer as the first time, whatever came
 * between, including more distinct values than the memory holds and values too long to
 * remember. */
static void test_memory(void)
{
    ts_sigma *s = proc_rules("  sel:\n    CommandLine|contains: 'secret'\n    CommandLine|endswith: '.ps1'\n"
                             "  condition: sel\n");
    CHECK(s != NULL);
    if (!s)
        return;
    ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
    int wrong = 0;
    char v[128];
    for (int i = 0; i < 300000; i++) {
        int k = i % 3;
        if (i % 7 == 0)
            snprintf(v, sizeof v, "run secret.ps1");
        else
            snprintf(v, sizeof v, "%s %d%s", k == 0 ? "secret" : "open", i, k == 1 ? ".ps1" : ".txt");
        int want = i % 7 == 0 ? 1 : 0;
        wrong += hits_v(s, sc, "CommandLine", v) != want;
    }
    CHECK_INT(wrong, 0);
    ts_sigma_stats st;
    ts_sigma_scratch_stats(sc, &st);
    /* the repeated value, every 7th event, but for the few times another took its slot or
     * the memory was emptied */
    CHECK(st.remembered >= 300000 / 7 * 9 / 10);
    CHECK(st.not_remembered > 200000);

    size_t big = 64 * 1024;
    char *p = malloc(big);
    CHECK(p != NULL);
    if (p) {
        memset(p, 'a', big);
        memcpy(p + 100, "secret", 6);
        memcpy(p + big - 4, ".ps1", 4);
        CHECK_INT(hits_kv(s, sc, "CommandLine", p, big), 1);
        CHECK_INT(hits_kv(s, sc, "CommandLine", p, big), 1);
        p[100] = 'S'; /* caseless: still a hit */
        CHECK_INT(hits_kv(s, sc, "CommandLine", p, big), 1);
        p[101] = 'x';
        CHECK_INT(hits_kv(s, sc, "CommandLine", p, big), 0);
        free(p);
    }
    ts_sigma_scratch_free(sc);
    ts_sigma_free(s);
}

/* Events of one route with their names in other orders, or others, or more: each answers
 * as its own names say, however the ones before it were laid out. */
static void test_layouts(void)
{
    ts_sigma *s = proc_rules("  sel:\n    Image|endswith: '\\evil.exe'\n    User: bob\n  condition: sel\n");
    CHECK(s != NULL);
    if (!s)
        return;
    ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
    static const ts_field a[] = {{TS_STR_LIT("Image"), TS_STR_LIT("C:\\evil.exe")},
                                 {TS_STR_LIT("User"), TS_STR_LIT("bob")}};
    static const ts_field b[] = {{TS_STR_LIT("User"), TS_STR_LIT("bob")},
                                 {TS_STR_LIT("Image"), TS_STR_LIT("C:\\evil.exe")}};
    static const ts_field c[] = {{TS_STR_LIT("Imag"), TS_STR_LIT("C:\\evil.exe")},
                                 {TS_STR_LIT("User"), TS_STR_LIT("bob")}};
    static const ts_field d[] = {{TS_STR_LIT("Image"), TS_STR_LIT("C:\\evil.exe")},
                                 {TS_STR_LIT("Usr"), TS_STR_LIT("bob")}};
    static const ts_field e[] = {{TS_STR_LIT("X"), TS_STR_LIT("1")},
                                 {TS_STR_LIT("User"), TS_STR_LIT("bob")},
                                 {TS_STR_LIT("Image"), TS_STR_LIT("C:\\evil.exe")}};
    const ts_field *sets[] = {a, b, c, d, e, a, a, c, c, b, e, e, d, a};
    const size_t ns[] = {2, 2, 2, 2, 3, 2, 2, 2, 2, 2, 3, 3, 2, 2};
    const int want[] = {1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 1};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        ts_event ev;
        ts_event_clear(&ev);
        ev.channel = TS_STR_LIT(SYSMON);
        ev.code = 1, ev.has_code = true;
        ev.dataset = TS_STR_LIT("windows.sysmon");
        ev.fields = sets[i];
        ev.n_fields = ns[i];
        int hits = 0;
        ts_sigma_match(s, sc, &ev, count_hit, &hits);
        CHECK_INT(hits, want[i]);
    }
    ts_sigma_scratch_free(sc);
    ts_sigma_free(s);
}

/* A regex only PCRE2 can run (a backreference) that backtracks exponentially on a run of
 * x's not followed by y. */
#define BACKTRACKS "'(x+x+)+y\\1'"

/* The rule that gave up last, as ts_sigma_gave_up reports it. */
typedef struct gave_up_seen {
    size_t rules;
    uint64_t events, line;
    char file[64], id[64];
} gave_up_seen;

static void on_gave_up(void *ud, const ts_sigma_gave_up_info *g)
{
    gave_up_seen *s = ud;
    s->rules++;
    s->events = g->events;
    s->line = g->line;
    snprintf(s->file, sizeof s->file, "%s", g->file ? g->file : "");
    snprintf(s->id, sizeof s->id, "%s", g->rule->id);
}

/* Hits of a process creation event Image=image, CommandLine=cmd, read from pad.log line 7. */
static int hits_cmd(const ts_sigma *s, ts_sigma_scratch *sc, const char *image, const char *cmd)
{
    ts_field f[2] = {{TS_STR_LIT("Image"), ts_str_c(image)}, {TS_STR_LIT("CommandLine"), ts_str_c(cmd)}};
    ts_event ev;
    ts_event_clear(&ev);
    ev.channel = TS_STR_LIT(SYSMON);
    ev.code = 1, ev.has_code = true;
    ev.dataset = TS_STR_LIT("windows.sysmon");
    ev.fields = f;
    ev.n_fields = 2;
    ev.file = "pad.log";
    ev.line = 7;
    int hits = 0;
    ts_sigma_match(s, sc, &ev, count_hit, &hits);
    return hits;
}

/* A backtracking regex on a padded value is cut off at its budget, and the rule is counted
 * as having given up on the event, with where the event was: never a silent miss. */
static void test_regex_budget(void)
{
    char pad[64];
    memset(pad, 'x', 40);
    memcpy(pad + 40, "zy", 3); /* 2^40 ways to split the x's before the z says no */
    ts_sigma *s = proc_rules("  sel:\n    CommandLine|re: " BACKTRACKS "\n  condition: sel\n");
    CHECK(s != NULL);
    if (!s)
        return;
    ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
    ts_sigma_stats st;
    gave_up_seen seen = {0};
    CHECK_INT(hits_cmd(s, sc, "x", "xxyxx"), 1); /* the regex works on ordinary values */
    CHECK_INT(hits_cmd(s, sc, "x", "xxxxzy"), 0);
    CHECK_INT(ts_sigma_gave_up(sc, NULL, NULL), 0);
    CHECK_INT(hits_cmd(s, sc, "x", pad), 0); /* the default budget: bounded */
    ts_sigma_scratch_stats(sc, &st);
    CHECK_INT(st.gave_up, 1);
    CHECK_INT(st.regex_gave_up, 1);
    CHECK_INT(ts_sigma_gave_up(sc, on_gave_up, &seen), 1);
    CHECK_INT(seen.events, 1);
    CHECK_STR(seen.id, "r1");
    CHECK_STR(seen.file, "pad.log");
    CHECK_INT(seen.line, 7);
    CHECK(ts_sigma_scratch_budget(sc, 10000, 4));
    CHECK_INT(hits_cmd(s, sc, "x", pad), 0);
    CHECK_INT(hits_cmd(s, sc, "x", "xxyxx"), 1);
    seen.rules = 0;
    CHECK_INT(ts_sigma_gave_up(sc, on_gave_up, &seen), 1);
    CHECK_INT(seen.events, 2);
    ts_sigma_scratch_free(sc);
    ts_sigma_free(s);

    /* An undecided part decides nothing only where the rest does not: "a or b" holds with
     * a, "a and not b" is undecided with a and false without. */
    s = proc_rules("  a:\n    Image: 'x'\n  b:\n    CommandLine|re: " BACKTRACKS "\n  condition: a or b\n");
    CHECK(s != NULL);
    if (s) {
        sc = ts_sigma_scratch_new(s);
        CHECK(ts_sigma_scratch_budget(sc, 10000, 4));
        CHECK_INT(hits_cmd(s, sc, "x", pad), 1);
        CHECK_INT(hits_cmd(s, sc, "y", pad), 0);
        CHECK_INT(ts_sigma_gave_up(sc, NULL, NULL), 1);
        ts_sigma_scratch_stats(sc, &st);
        CHECK_INT(st.gave_up, 1); /* only the event without a */
        ts_sigma_scratch_free(sc);
        ts_sigma_free(s);
    }
    s = proc_rules("  a:\n    Image: 'x'\n  b:\n    CommandLine|re: " BACKTRACKS
                   "\n  condition: a and not b\n");
    CHECK(s != NULL);
    if (s) {
        sc = ts_sigma_scratch_new(s);
        CHECK(ts_sigma_scratch_budget(sc, 10000, 4));
        CHECK_INT(hits_cmd(s, sc, "x", pad), 0);
        CHECK_INT(hits_cmd(s, sc, "y", pad), 0);
        CHECK_INT(hits_cmd(s, sc, "x", "xxxxzy"), 1);
        ts_sigma_scratch_stats(sc, &st);
        CHECK_INT(st.gave_up, 1);
        ts_sigma_scratch_free(sc);
        ts_sigma_free(s);
    }

    /* Past the allowance of regexes over budget in one event, the others give up unrun,
     * and are counted all the same. */
    s = proc_rules("  a:\n    CommandLine|re: " BACKTRACKS "\n  b:\n    CommandLine|re: '(x+x+x+)+y\\1'\n"
                   "  condition: a or b\n");
    CHECK(s != NULL);
    if (s) {
        sc = ts_sigma_scratch_new(s);
        CHECK(ts_sigma_scratch_budget(sc, 10000, 1));
        CHECK_INT(hits_cmd(s, sc, "x", pad), 0);
        ts_sigma_scratch_stats(sc, &st);
        CHECK_INT(st.regex_gave_up, 2);
        CHECK_INT(st.gave_up, 1);
        CHECK_INT(hits_cmd(s, sc, "x", "xxxyxxx"), 1); /* the allowance is per event */
        ts_sigma_scratch_free(sc);
        ts_sigma_free(s);
    }
}

int main(void)
{
    test_regex_budget();
    test_whole_values();
    test_layouts();
    test_keywords_joined();
    test_memory();
    return check_done("test_sigma_match");
}
