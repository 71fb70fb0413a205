/* bench_otrf.c: issue 9's yardstick on real recordings of ATT&CK techniques (OTRF Security
 * Datasets' atomic Windows recordings, ../shared/data/otrf-atomic): the share of recordings
 * with an alert carrying the recording's technique, its parent or a sub-technique (compared
 * by current ids, data/attack/technique_moves.tsv), with SigmaHQ rules plus every detector.
 * Goal: every file read with nothing rejected, and at least 80% of recordings.
 *
 * Each recording is judged on its own, as if hunted alone: the behavioural detectors start
 * afresh for every file. The Sigma rule tree is loaded once (it takes seconds) and its
 * detector is shared; it keeps no state between events except its correlations. Alerts are
 * attributed to a file by their provenance (the event that raised them).
 *
 * It also counts, per detector, the alerts that carry none of the recording's techniques:
 * an upper bound of false alarms on the recordings' background activity (some of those
 * are true alerts on other steps of the same attack).
 *
 * Usage: bench_otrf [DATASET_DIR [RULES_DIR]] (defaults ../shared/data/otrf-atomic and
 * ../shared/data/sigma/rules); TOCSIN_DATA overrides the data directory;
 * TOCSIN_BENCH_LIST=DETECTOR lists that detector's alerts (aggregated by key, as a hunt would). Exit status 1
 * when the data is absent (nothing measured), 0 otherwise; the figures are the output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/attack.h"
#include "core/config.h"
#include "core/input.h"
#include "detect/detect.h"
#include "enrich/enrich.h"
#include "ingest/ingest.h"

#define MAX_DET 64
#define MAX_FILES 512

typedef struct rec {
    char id[64], techniques[128], path[512];
    size_t events, rejected, alerts, hit;
    char hit_by[160]; /* the first alert carrying the technique: detector and techniques */
    char seen[1024];  /* techniques of all alerts, for a miss */
} rec;

typedef struct det_count {
    size_t alerts, off_technique;
} det_count;

typedef struct bench {
    const ts_attack_map *moves;
    ts_enrich *enrich;
    const ts_detector *det[MAX_DET];
    void *state[MAX_DET];
    size_t n_det;
    rec *cur;
    det_count count[MAX_DET];
    ts_alert_sink sink;
} bench;

static void on_alert(void *ud, ts_alert *a)
{
    bench *b = ud;
    rec *r = b->cur;
    size_t d = 0;
    while (d < b->n_det && strcmp(b->det[d]->name, a->detector) != 0)
        d++;
    bool related = false;
    ts_str it;
    for (const char *p = r->techniques; ts_str_next_item(&p, &it);)
        if (a->techniques && ts_attack_list_related(b->moves, a->techniques, it))
            related = true;
    r->alerts++;
    const char *list = getenv("TOCSIN_BENCH_LIST");
    if (list && !strcmp(list, a->detector))
        printf("  %s alert %s [%s] %s\n", related ? "on-technique" : "OFF-technique",
               a->techniques ? a->techniques : "-", r->id, a->title);
    if (d < b->n_det) {
        b->count[d].alerts++;
        b->count[d].off_technique += !related;
    }
    if (related && !r->hit++)
        snprintf(r->hit_by, sizeof r->hit_by, "%s %s", a->detector, a->techniques);
    if (a->techniques && strlen(r->seen) + strlen(a->techniques) + 2 < sizeof r->seen &&
        !strstr(r->seen, a->techniques)) {
        if (r->seen[0])
            strcat(r->seen, " ");
        strcat(r->seen, a->techniques);
    }
    ts_alert_free(a);
}

static void on_event(void *ud, ts_event *ev)
{
    bench *b = ud;
    ts_enrich_event(b->enrich, ev);
    b->cur->events++;
    for (size_t i = 0; i < b->n_det; i++)
        b->det[i]->event(b->state[i], ev, &b->sink);
}

static void on_error(void *ud, const ts_diag *dg)
{
    bench *b = ud;
    b->cur->rejected++;
    fprintf(stderr, "%s:%llu (record %llu): %s\n", dg->file, (unsigned long long)dg->line,
            (unsigned long long)dg->record, dg->msg && *dg->msg ? dg->msg : tocsin_strerror(dg->code));
}

static bool start(bench *b, size_t i, const ts_detect_ctx *ctx)
{
    b->state[i] = calloc(1, b->det[i]->state_size ? b->det[i]->state_size : 1);
    if (!b->state[i] || (b->det[i]->init && b->det[i]->init(b->state[i], ctx) != TOCSIN_OK)) {
        fprintf(stderr, "bench_otrf: detector %s does not start\n", b->det[i]->name);
        return false;
    }
    return true;
}

static void stop(bench *b, size_t i)
{
    if (b->det[i]->finish)
        b->det[i]->finish(b->state[i], &b->sink);
    ts_detector_fini(b->det[i], b->state[i]);
    free(b->state[i]);
    b->state[i] = NULL;
}

static size_t read_index(const char *dir, rec *recs)
{
    char path[1024], line[2048];
    snprintf(path, sizeof path, "%s/index.tsv", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = 0;
    while (fgets(line, sizeof line, f) && n < MAX_FILES) {
        line[strcspn(line, "\r\n")] = 0;
        char *col[5] = {line};
        size_t c = 1;
        for (char *p = line; *p && c < 5; p++)
            if (*p == '\t')
                *p = 0, col[c++] = p + 1;
        if (c < 5 || !strcmp(col[0], "id"))
            continue;
        rec *r = &recs[n++];
        memset(r, 0, sizeof *r);
        snprintf(r->id, sizeof r->id, "%.63s", col[0]);
        snprintf(r->techniques, sizeof r->techniques, "%.127s", col[2]);
        snprintf(r->path, sizeof r->path, "%.255s/%.255s", dir, col[4]);
    }
    fclose(f);
    return n;
}

static void say(void *ud, const ts_diag *d)
{
    (void)ud;
    fprintf(stderr, "bench_otrf: %s:%llu: %s\n", d->file, (unsigned long long)d->line, d->msg);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "../shared/data/otrf-atomic";
    const char *rules = argc > 2 ? argv[2] : "../shared/data/sigma/rules";
    const char *data = getenv("TOCSIN_DATA") ? getenv("TOCSIN_DATA") : TOCSIN_DATA_DIR;
    static rec recs[MAX_FILES];
    size_t n = read_index(dir, recs);
    if (!n) {
        fprintf(stderr, "bench_otrf: no %s/index.tsv: nothing measured (the shared data is absent)\n", dir);
        return 1;
    }
    char path[1024], err[512];
    ts_attack_map *moves;
    snprintf(path, sizeof path, "%s/attack/technique_moves.tsv", data);
    ts_attack_map_load(path, &moves, say, NULL);
    ts_config *cfg = NULL;
    snprintf(path, sizeof path, "%s/detect.conf", data);
    ts_config_load(path, &cfg, NULL, NULL);
    ts_intel *intel = ts_intel_new();
    ts_intel_finalise(intel);
    bench b = {.moves = moves};
    b.sink = (ts_alert_sink){on_alert, &b};
    if (ts_enrich_open(NULL, NULL, &b.enrich, err, sizeof err) != TOCSIN_OK) {
        fprintf(stderr, "bench_otrf: %s\n", err);
        return 1;
    }
    const char *rule_dirs[] = {rules};
    ts_detect_ctx ctx = {intel, "KP,AS131279", cfg, data, rule_dirs, 1, NULL, NULL, NULL};
    size_t sigma = MAX_DET;
    for (size_t i = 0; ts_detectors[i] && b.n_det < MAX_DET; i++) {
        if (!strcmp(ts_detectors[i]->name, "sigma"))
            sigma = b.n_det;
        b.det[b.n_det++] = ts_detectors[i];
    }
    if (sigma < MAX_DET && !start(&b, sigma, &ctx))
        return 1;
    ts_scratch scratch;
    if (ts_scratch_init(&scratch) != TOCSIN_OK)
        return 1;
    size_t hits = 0, read_ok = 0;
    for (size_t f = 0; f < n; f++) {
        rec *r = b.cur = &recs[f];
        for (size_t i = 0; i < b.n_det; i++)
            if (i != sigma && !start(&b, i, &ctx))
                return 1;
        ts_input *in;
        if (ts_input_open(r->path, &in, err, sizeof err) == TOCSIN_OK) {
            const char *head;
            size_t hn = ts_input_peek(in, &head);
            const ts_reader *rd = hn ? ts_reader_detect(head, hn) : NULL;
            ts_sink sink = {on_event, on_error, &b};
            if (rd)
                rd->read(in, &scratch, &sink);
            else
                r->rejected++;
            ts_input_close(in);
        } else {
            fprintf(stderr, "bench_otrf: %s\n", err);
            r->rejected++;
        }
        for (size_t i = 0; i < b.n_det; i++)
            if (i != sigma)
                stop(&b, i);
        hits += r->hit > 0;
        read_ok += r->events > 0 && !r->rejected;
        printf("%-4s %-20s %-10s %6zu events %zu rejected %4zu alerts  %s  %s%s\n", r->hit ? "hit" : "MISS",
               r->id, r->techniques, r->events, r->rejected, r->alerts, r->path + strlen(dir) + 1,
               r->hit ? "by " : "seen: ", r->hit ? r->hit_by : r->seen);
    }
    if (sigma < MAX_DET)
        stop(&b, sigma);
    printf("\nread: %zu of %zu files with events and nothing rejected\n", read_ok, n);
    printf("technique found: %zu of %zu recordings (%.1f%%)\n", hits, n, 100.0 * (double)hits / (double)n);
    printf("alerts per detector (alerts carrying none of the recording's techniques):\n");
    for (size_t i = 0; i < b.n_det; i++)
        if (b.count[i].alerts)
            printf("  %-14s %6zu (%zu)\n", b.det[i]->name, b.count[i].alerts, b.count[i].off_technique);
    ts_scratch_free(&scratch);
    ts_enrich_free(b.enrich);
    ts_intel_free(intel);
    ts_config_free(cfg);
    ts_attack_map_free(moves);
    return 0;
}
