/* bench_sigma.c: events per second on one core of the Sigma engine with the SigmaHQ Windows
 * rule set, over Sigma's regression .evtx files and their .json twins (attack logs, repeated to
 * a measurable volume), over a simulated organisation's ordinary Sysmon and Security logs
 * (tocsin_simulate, scenario "none": what most real events look like) as JSON lines, and over
 * the real logs of evtx-parser-samples as .evtx; matching alone and end to end (read + match),
 * against the goal of 200,000 events/s per core end to end; compile time and peak memory,
 * which must not grow with the input. All times are this process's CPU time.
 * Usage: bench_sigma [DATA_DIR] [REPEATS] (default ../shared/data, 40). */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "ingest/ingest.h"
#include "sigma/sigma.h"
#include "tocsin.h"

#define MAX_FILES 1024
#define MAX_EVENTS 200000
#define GOAL 200000.0 /* events/s per core, end to end */

static char *evtx[MAX_FILES], *json[MAX_FILES], *samples[MAX_FILES];
static size_t n_evtx, n_json, n_samples;

static int collect(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)ftw;
    size_t n = strlen(p);
    if (flag == FTW_F && n > 5 && !strcmp(p + n - 5, ".evtx") && n_evtx < MAX_FILES)
        evtx[n_evtx++] = strdup(p);
    if (flag == FTW_F && n > 5 && !strcmp(p + n - 5, ".json") && n_json < MAX_FILES)
        json[n_json++] = strdup(p);
    return 0;
}

static int collect_samples(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)ftw;
    size_t n = strlen(p);
    if (flag == FTW_F && n > 5 && !strcmp(p + n - 5, ".evtx") && n_samples < MAX_FILES)
        samples[n_samples++] = strdup(p);
    return 0;
}

/* The end-to-end figures the goal is judged on, printed together at the end. */
static double e2e_json, e2e_evtx, e2e_attack;
static uint64_t e2e_json_events;
static long rss_first_pass, rss_all_passes;

/* CPU time of this process: the figures are per core, and the machine may be shared. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Resident memory now (the peak is set by the bench's own earlier steps: simulating the
 * logs, keeping decoded events), from /proc/self/statm; 0 when unreadable. */
static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    char line[128];
    long pages = 0;
    if (f && fgets(line, sizeof line, f)) {
        char *sp = strchr(line, ' ');
        if (sp)
            pages = strtol(sp + 1, NULL, 10);
    }
    if (f)
        fclose(f);
    return pages * (sysconf(_SC_PAGESIZE) / 1024);
}

typedef struct run {
    const ts_sigma *s;
    ts_sigma_scratch *sc;
    bool match;
    uint64_t events, hits;
    ts_event *keep; /* when set: copies of the events, for the matching-only pass */
    size_t nkeep;
    ts_arena *arena;
} run;

static void on_hit(void *ud, const ts_sigma_rule_info *r, const ts_event *ev)
{
    (void)r, (void)ev;
    ((run *)ud)->hits++;
}

static ts_str keep_str(ts_arena *a, ts_str s)
{
    char *p = s.n ? ts_arena_strndup(a, s.p, s.n) : NULL;
    return p ? ts_str_make(p, s.n) : TS_STR_NULL;
}

/* A copy of ev with the strings the engine reads (channel, dataset, provider, fields). */
static void keep(run *r, const ts_event *ev)
{
    if (r->nkeep == MAX_EVENTS)
        return;
    ts_event *c = &r->keep[r->nkeep++];
    *c = *ev;
    c->channel = keep_str(r->arena, ev->channel);
    c->dataset = keep_str(r->arena, ev->dataset);
    c->provider = keep_str(r->arena, ev->provider);
    ts_field *f = ts_arena_alloc(r->arena, (ev->n_fields + 1) * sizeof *f);
    for (size_t i = 0; f && i < ev->n_fields; i++)
        f[i].key = keep_str(r->arena, ev->fields[i].key), f[i].val = keep_str(r->arena, ev->fields[i].val);
    c->fields = f;
}

static void on_event(void *ud, ts_event *ev)
{
    run *r = ud;
    r->events++;
    if (r->match)
        ts_sigma_match(r->s, r->sc, ev, on_hit, r);
    if (r->keep)
        keep(r, ev);
}

static void on_error(void *ud, const ts_diag *dg)
{
    (void)ud, (void)dg;
}

static void read_all(char **files, size_t n, run *r, ts_scratch *scr)
{
    ts_sink sink = {on_event, on_error, r};
    for (size_t i = 0; i < n; i++) {
        ts_input *in;
        char err[256];
        const char *head;
        if (ts_input_open(files[i], &in, err, sizeof err) != TOCSIN_OK)
            continue;
        size_t hn = ts_input_peek(in, &head);
        const ts_reader *rd = hn ? ts_reader_detect(head, hn) : NULL;
        if (rd)
            rd->read(in, scr, &sink);
        ts_input_close(in);
    }
}

static void on_status(void *ud, const ts_sigma_status *st)
{
    size_t *c = ud;
    c[st->loaded ? 0 : 1]++;
}

/* Matching alone over events decoded once from files, reps passes. With fresh, each pass
 * gets a new scratch, so no value is remembered from an earlier pass: what the engine
 * does on logs it has not seen before. */
static void match_only(const char *what, char **files, size_t n, int reps, const ts_sigma *s,
                       ts_sigma_scratch *sc, ts_scratch *scr, bool fresh)
{
    ts_arena arena = TS_ARENA_INIT;
    run k = {s, sc, false, 0, 0, calloc(MAX_EVENTS, sizeof(ts_event)), 0, &arena};
    if (!k.keep)
        return;
    read_all(files, n, &k, scr);
    run m = {s, sc, true, 0, 0, NULL, 0, NULL};
    ts_sigma_stats st0 = {0}, st1 = {0}, sum = {0};
    double match_s = 0;
    for (int i = 0; i < reps; i++) {
        ts_sigma_scratch *use = fresh ? ts_sigma_scratch_new(s) : sc;
        if (!use)
            break;
        ts_sigma_scratch_stats(use, &st0);
        double t0 = now();
        for (size_t e = 0; e < k.nkeep; e++) {
            m.events++;
            ts_sigma_match(s, use, &k.keep[e], on_hit, &m);
        }
        match_s += now() - t0;
        ts_sigma_scratch_stats(use, &st1);
        sum.events += st1.events - st0.events,
            sum.rules_evaluated += st1.rules_evaluated - st0.rules_evaluated;
        sum.scans += st1.scans - st0.scans, sum.short_scans += st1.short_scans - st0.short_scans;
        sum.remembered += st1.remembered - st0.remembered;
        sum.not_remembered += st1.not_remembered - st0.not_remembered;
        sum.gave_up += st1.gave_up - st0.gave_up;
        if (fresh)
            ts_sigma_scratch_free(use);
    }
    double ne = sum.events ? (double)sum.events : 1;
    printf("%s, matching alone%s: %zu events x %d: %.0f events/s (%.2f us/event), %llu hits\n", what,
           fresh ? " (new scratch each pass)" : "", k.nkeep, reps, (double)m.events / match_s,
           match_s * 1e6 / (double)m.events, (unsigned long long)m.hits);
    printf("  per event: %.1f rules evaluated, %.1f field scans (%.0f%% of those that reach Hyperscan "
           "answered from "
           "memory), %.2f short-literal scans; %llu rule evaluations gave up (regex budget)\n",
           (double)sum.rules_evaluated / ne, (double)sum.scans / ne,
           sum.remembered + sum.not_remembered
               ? 100.0 * (double)sum.remembered / (double)(sum.remembered + sum.not_remembered)
               : 0.0,
           (double)sum.short_scans / ne, (unsigned long long)sum.gave_up);
    free(k.keep);
    ts_arena_free(&arena);
}

/* End to end (read + match) against read alone, over reps passes of the files; returns the
 * end-to-end rate. */
static double end_to_end(const char *what, char **files, size_t n, int reps, const ts_sigma *s,
                         ts_sigma_scratch *sc, ts_scratch *scr)
{
    run r = {s, sc, false, 0, 0, NULL, 0, NULL};
    double t0 = now();
    for (int i = 0; i < reps; i++)
        read_all(files, n, &r, scr);
    double read_s = now() - t0;
    uint64_t events = r.events;
    r.match = true, r.events = 0;
    t0 = now();
    for (int i = 0; i < reps; i++)
        read_all(files, n, &r, scr);
    double both_s = now() - t0;
    printf("%s: %llu events x %d: read+match %.0f events/s, read alone %.0f events/s, %llu hits\n", what,
           (unsigned long long)(events / (uint64_t)reps), reps, (double)r.events / both_s,
           (double)events / read_s, (unsigned long long)r.hits);
    return (double)r.events / both_s;
}

/* End to end over the simulated JSON lines: one pass, then more, noting peak memory after
 * each, to show it does not grow with the input. */
static void json_lines(char **files, int reps, const ts_sigma *s, ts_sigma_scratch *sc, ts_scratch *scr)
{
    run r = {s, sc, true, 0, 0, NULL, 0, NULL};
    double t0 = now();
    read_all(files, 2, &r, scr);
    double first_s = now() - t0;
    rss_first_pass = rss_kib();
    uint64_t one = r.events;
    t0 = now();
    for (int i = 1; i < reps; i++)
        read_all(files, 2, &r, scr);
    double rest_s = now() - t0;
    rss_all_passes = rss_kib();
    e2e_json_events = r.events;
    e2e_json = (double)r.events / (first_s + rest_s);
    printf("simulated json lines, read+match: %llu events x %d: %.0f events/s (first pass %.0f), %llu hits\n",
           (unsigned long long)one, reps, e2e_json, (double)one / first_s, (unsigned long long)r.hits);
}

static const char *verdict(double rate)
{
    return rate >= GOAL ? "goal met" : "BELOW GOAL";
}

static void say(void *ud, const ts_diag *d)
{
    (void)ud;
    fprintf(stderr, "bench_sigma: %s%s%s\n", d->file ? d->file : "", d->file ? ": " : "", d->msg);
}

int main(int argc, char **argv)
{
    const char *data = argc > 1 ? argv[1] : "../shared/data";
    int reps = argc > 2 ? atoi(argv[2]) : 40;
    char path[4096];
    if (reps < 1)
        reps = 1;
    ts_sigma *s = ts_sigma_new("data/sigma/logsources.tsv", say, NULL);
    if (!s)
        return 1;
    static const char *trees[] = {"rules/windows", "rules-emerging-threats", "rules-threat-hunting/windows"};
    size_t counts[2] = {0, 0};
    double t0 = now();
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/sigma/%s", data, trees[i]);
        ts_sigma_load_path(s, path, on_status, counts);
    }
    double load_s = now() - t0;
    t0 = now();
    if (ts_sigma_compile(s, say, NULL) != TOCSIN_OK)
        return 1;
    printf("rules: %zu loaded (%zu refused) in %.2f s, compiled in %.2f s, peak RSS %ld MiB\n", counts[0],
           counts[1], load_s, now() - t0, peak_kib() / 1024);
    snprintf(path, sizeof path, "%s/sigma/regression_data", data);
    nftw(path, collect, 16, FTW_PHYS);
    ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
    ts_scratch scr;
    if (!sc || ts_scratch_init(&scr) != TOCSIN_OK)
        return 1;

    match_only("regression evtx (attack logs)", evtx, n_evtx, reps * 5, s, sc, &scr, true);
    match_only("regression evtx (attack logs)", evtx, n_evtx, reps * 5, s, sc, &scr, false);
    e2e_attack = end_to_end("regression evtx (attack logs)", evtx, n_evtx, reps, s, sc, &scr);
    end_to_end("regression json (attack logs)", json, n_json, reps, s, sc, &scr);

    /* ordinary real logs as .evtx: the public samples of evtx parsers (System, Security,
     * Sysmon, CAPI2, RDP and other channels of real machines) */
    snprintf(path, sizeof path, "%s/evtx-parser-samples/samples", data);
    nftw(path, collect_samples, 16, FTW_PHYS);
    if (n_samples)
        e2e_evtx = end_to_end("evtx-parser samples (.evtx)", samples, n_samples, reps / 8 > 0 ? reps / 8 : 1,
                              s, sc, &scr);

    /* ordinary logs: a simulated organisation without a campaign */
    char dir[] = "/tmp/bench_sigma_XXXXXX";
    if (mkdtemp(dir)) {
        tocsin_sim_options o = {0};
        o.scenario = "none", o.out_dir = dir, o.data_dir = "data", o.users = 200, o.days = 3, o.seed = 7;
        o.formats = TOCSIN_SIM_WINDOWS, o.progress = 0, o.diag = say;
        if (tocsin_simulate(&o) == TOCSIN_OK) {
            char sysmon[4200], security[4200];
            snprintf(sysmon, sizeof sysmon, "%s/windows/sysmon.jsonl", dir);
            snprintf(security, sizeof security, "%s/windows/security.jsonl", dir);
            char *sim[2] = {sysmon, security};
            match_only("simulated sysmon+security", sim, 2, 3, s, sc, &scr, false);
            end_to_end("simulated json lines", sim, 2, 1, s, sc, &scr);
            json_lines(sim, reps / 8 > 1 ? reps / 8 : 2, s, sc, &scr);
            remove(sysmon), remove(security);
            snprintf(path, sizeof path, "%s/windows/system.jsonl", dir);
            remove(path);
            snprintf(path, sizeof path, "%s/windows", dir);
            remove(path);
        } else {
            fputs("bench_sigma: simulate failed (see above)\n", stderr);
        }
        remove(dir);
    }
    printf("\n== goal: %.0f events/s per core end to end (read + match), full SigmaHQ Windows rule set ==\n",
           GOAL);
    printf("  from JSON lines (simulated ordinary Sysmon+Security): %8.0f events/s  %s\n", e2e_json,
           verdict(e2e_json));
    printf("  from .evtx (evtx-parser samples, real ordinary logs): %8.0f events/s  %s\n", e2e_evtx,
           verdict(e2e_evtx));
    printf("  attack logs (Sigma regression .evtx, not the goal):   %8.0f events/s\n", e2e_attack);
    printf("  memory: RSS %.1f MiB after one pass of the JSON lines, %.1f MiB after %llu events (%s)\n",
           rss_first_pass / 1024.0, rss_all_passes / 1024.0, (unsigned long long)e2e_json_events,
           rss_all_passes - rss_first_pass < 1024 ? "flat" : "GROWING");
    printf("peak RSS %ld MiB\n", peak_kib() / 1024);
    ts_scratch_free(&scr);
    ts_sigma_scratch_free(sc);
    ts_sigma_free(s);
    for (size_t i = 0; i < n_evtx; i++)
        free(evtx[i]);
    for (size_t i = 0; i < n_json; i++)
        free(json[i]);
    for (size_t i = 0; i < n_samples; i++)
        free(samples[i]);
    return 0;
}
