/* test_sigma.c: the Sigma engine: modifiers, conditions, log sources, and Sigma's own regression suite. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ingest/ingest.h"
#include "sigma/sigma.h"

#define LOGSOURCES "data/sigma/logsources.tsv"

/* ---- small rules over hand-built events ---- */

static char last_refusal[512];

static void on_status(void *ud, const ts_sigma_status *st)
{
    int *loaded = ud;
    if (st->loaded)
        (*loaded)++;
    else
        snprintf(last_refusal, sizeof last_refusal, "%s", st->reason);
}

/* A compiled set of the rule text, or NULL (the refusal is in last_refusal). */
static ts_sigma *compile(const char *yaml)
{
    char err[256];
    int loaded = 0;
    last_refusal[0] = 0;
    ts_sigma *s = ts_sigma_new(LOGSOURCES, err, sizeof err);
    if (!s) {
        fprintf(stderr, "logsources: %s\n", err);
        return NULL;
    }
    ts_sigma_load_text(s, "test.yml", yaml, strlen(yaml), on_status, &loaded);
    if (!loaded || ts_sigma_compile(s, err, sizeof err) != TOCSIN_OK) {
        ts_sigma_free(s);
        return NULL;
    }
    return s;
}

static void count_hit(void *ud, const ts_sigma_rule_info *r, const ts_event *ev)
{
    (void)r, (void)ev;
    (*(int *)ud)++;
}

/* An event of channel/event id with fields "k=v" (NULL-terminated list). */
static int hits_on(const ts_sigma *s, const char *channel, uint32_t eid, const char *const *kv)
{
    ts_field f[32];
    size_t n = 0;
    for (; kv[n] && n < 32; n++) {
        const char *eq = strchr(kv[n], '=');
        f[n].key = ts_str_make(kv[n], (size_t)(eq - kv[n]));
        f[n].val = ts_str_c(eq + 1);
    }
    ts_event ev;
    ts_event_clear(&ev);
    ev.channel = ts_str_c(channel);
    ev.code = eid;
    ev.has_code = true;
    ev.dataset = ts_str_c("windows.sysmon");
    ev.fields = f;
    ev.n_fields = n;
    ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
    int hits = 0;
    ts_sigma_match(s, sc, &ev, count_hit, &hits);
    ts_sigma_scratch_free(sc);
    return hits;
}

#define SYSMON "Microsoft-Windows-Sysmon/Operational"

/* Builds a process_creation rule around a detection body and checks it against a Sysmon 1 event. */
static int proc_hits(const char *detection, const char *const *kv)
{
    char yaml[4096];
    snprintf(yaml, sizeof yaml,
             "title: t\nid: 11111111-2222-3333-4444-555555555555\nlevel: high\n"
             "logsource:\n  product: windows\n  category: process_creation\ndetection:\n%s", detection);
    ts_sigma *s = compile(yaml);
    if (!s)
        return -1;
    int h = hits_on(s, SYSMON, 1, kv);
    ts_sigma_free(s);
    return h;
}

#define EV(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_strings(void)
{
    const char *sel = "  sel:\n    Image: 'C:\\Windows\\System32\\cmd.exe'\n  condition: sel\n";
    CHECK_INT(proc_hits(sel, EV("Image=c:\\windows\\system32\\CMD.EXE")), 1);
    CHECK_INT(proc_hits(sel, EV("Image=C:\\Windows\\System32\\cmd.exe2")), 0);
    CHECK_INT(proc_hits(sel, EV("OtherField=C:\\Windows\\System32\\cmd.exe")), 0);
    const char *wild = "  sel:\n    CommandLine: '*whoami*/al?'\n  condition: sel\n";
    CHECK_INT(proc_hits(wild, EV("CommandLine=cmd /c WHOAMI /all")), 1);
    CHECK_INT(proc_hits(wild, EV("CommandLine=cmd /c whoami /alll")), 0);
    const char *esc = "  sel:\n    CommandLine: 'a\\*b'\n  condition: sel\n";
    CHECK_INT(proc_hits(esc, EV("CommandLine=a*b")), 1);
    CHECK_INT(proc_hits(esc, EV("CommandLine=axxb")), 0);
}

/* ---- Sigma's regression suite over the whole SigmaHQ rule set ---- */

#define MAX_REASONS 64

typedef struct tally {
    int loaded, refused;
    char reason[MAX_REASONS][96];
    char example[MAX_REASONS][160];
    int count[MAX_REASONS];
    size_t n;
} tally;

/* Refusals grouped by reason, up to the first digit or quote (so log sources group). */
static void on_tree_status(void *ud, const ts_sigma_status *st)
{
    tally *t = ud;
    if (st->loaded) {
        t->loaded++;
        return;
    }
    t->refused++;
    char key[96];
    size_t k = 0;
    for (const char *p = st->reason; *p && k + 1 < sizeof key && *p != '\'' && strncmp(p, "line", 4); p++)
        key[k++] = *p;
    key[k] = 0;
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->reason[i], key)) {
            t->count[i]++;
            return;
        }
    if (t->n < MAX_REASONS) {
        snprintf(t->reason[t->n], sizeof t->reason[0], "%s", key);
        const char *base = strstr(st->file, "/sigma/");
        snprintf(t->example[t->n], sizeof t->example[0], "%s", base ? base + 7 : st->file);
        t->count[t->n++] = 1;
    }
}

typedef struct run {
    const char *want_id;
    int hits, events;
} run;

static void on_hit(void *ud, const ts_sigma_rule_info *r, const ts_event *ev)
{
    (void)ev;
    run *x = ud;
    if (!strcmp(r->id, x->want_id))
        x->hits++;
}

typedef struct feed {
    const ts_sigma *s;
    ts_sigma_scratch *sc;
    run *x;
} feed;

static void on_event(void *ud, const ts_event *ev)
{
    feed *f = ud;
    f->x->events++;
    ts_sigma_match(f->s, f->sc, ev, on_hit, f->x);
}

static void on_error(void *ud, const char *file, uint64_t line, uint64_t record, tocsin_code code, const char *msg)
{
    (void)ud, (void)file, (void)line, (void)record, (void)code, (void)msg;
}

static bool read_evtx(const char *path, feed *f)
{
    ts_input *in;
    char err[256];
    ts_scratch scr;
    if (ts_input_open(path, &in, err, sizeof err) != TOCSIN_OK || ts_scratch_init(&scr) != TOCSIN_OK)
        return false;
    ts_sink sink = {on_event, on_error, f};
    ts_reader_find("evtx")->read(in, &scr, &sink);
    ts_input_close(in);
    ts_scratch_free(&scr);
    return true;
}

static void test_regression(void)
{
    const char *d = shared_data("sigma regression suite");
    if (!d)
        return;
    char path[4096], err[256];
    ts_sigma *s = ts_sigma_new(LOGSOURCES, err, sizeof err);
    CHECK(s != NULL);
    if (!s)
        return;
    static const char *trees[] = {"rules", "rules-emerging-threats", "rules-threat-hunting"};
    for (size_t i = 0; i < 3; i++) {
        tally t = {0};
        snprintf(path, sizeof path, "%s/sigma/%s", d, trees[i]);
        CHECK_INT(ts_sigma_load_path(s, path, on_tree_status, &t), TOCSIN_OK);
        printf("sigma %s: %d loaded, %d refused\n", trees[i], t.loaded, t.refused);
        for (size_t r = 0; r < t.n; r++)
            printf("  %5d %s%s%s\n", t.count[r], t.reason[r], strncmp(t.reason[r], "log source", 10) ? " e.g. " : "",
                   strncmp(t.reason[r], "log source", 10) ? t.example[r] : "");
        CHECK(t.loaded > 0);
    }
    CHECK_INT(ts_sigma_compile(s, err, sizeof err), TOCSIN_OK);
    ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
    CHECK(sc != NULL);
    snprintf(path, sizeof path, "%s/sigma/regression_index.tsv", d);
    FILE *idx = fopen(path, "r");
    CHECK(idx != NULL);
    char line[4096];
    int total = 0, ok = 0;
    while (idx && sc && fgets(line, sizeof line, idx)) {
        char *col[6] = {0};
        size_t nc = 0;
        line[strcspn(line, "\r\n")] = 0;
        for (char *p = line; nc < 6; nc++) {
            col[nc] = p;
            char *tab = strchr(p, '\t');
            if (!tab) {
                nc++;
                break;
            }
            *tab = 0;
            p = tab + 1;
        }
        if (nc < 5 || !strcmp(col[0], "rule_id"))
            continue;
        int want = nc == 6 && col[5][0] ? (int)strtol(col[5], NULL, 10) : -1;
        run x = {col[0], 0, 0};
        feed f = {s, sc, &x};
        snprintf(path, sizeof path, "%s/sigma/%s", d, col[3]);
        total++;
        if (!read_evtx(path, &f)) {
            printf("  miss %s (%s): cannot read %s\n", col[0], col[1], col[3]);
            continue;
        }
        if ((want < 0 && x.hits > 0) || x.hits == want)
            ok++;
        else
            printf("  miss %s %s: %d hits over %d events, want %s\n", col[0], col[1], x.hits, x.events,
                   want < 0 ? ">0" : col[5]);
    }
    if (idx)
        fclose(idx);
    printf("sigma regression: %d of %d (%.1f%%)\n", ok, total, total ? 100.0 * ok / total : 0.0);
    CHECK(total > 0 && ok * 100 >= total * 90);
    ts_sigma_scratch_free(sc);
    ts_sigma_free(s);
}

int main(void)
{
    test_strings();
    test_regression();
    return check_done("test_sigma");
}
