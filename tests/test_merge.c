/* test_merge.c: a hunt's files merged by event time (src/api/merge.c): interleaved files,
 * disorder inside a file within and beyond the reorder window, the same stream whatever
 * order the paths come in, per-file counts and messages naming file and line, and more
 * files than may be open at once; the same with --jobs' slots and pool, each event with what
 * the pool prepared for it. Inputs are Zeek JSON lines written here. */
#include <stdarg.h>
#include <unistd.h>

#include "api/merge.h"
#include "check.h"

#define MAXEV 4096

typedef struct got {
    int64_t ts[MAXEV];
    char file[MAXEV][256];
    uint64_t line[MAXEV];
    char uid[MAXEV][48];
    size_t n;
    char err_file[256];
    uint64_t err_line;
    int errors;
    ts_file_counts *cur;
    char ended[64][256];
    ts_file_counts end_counts[64];
    size_t n_ended;
} got;

static void on_event(void *ud, ts_event *ev)
{
    got *g = ud;
    g->cur->events++;
    if (g->n == MAXEV)
        return;
    g->ts[g->n] = ev->ts_ns;
    snprintf(g->file[g->n], sizeof g->file[0], "%s", ev->file);
    g->line[g->n] = ev->line;
    ts_str uid = ts_event_field(ev, "uid");
    snprintf(g->uid[g->n], sizeof g->uid[0], "%.*s", (int)uid.n, uid.p ? uid.p : "");
    g->n++;
}

static void on_error(void *ud, const ts_diag *dg)
{
    got *g = ud;
    g->cur->rejected++;
    g->errors++;
    snprintf(g->err_file, sizeof g->err_file, "%s", dg->file);
    g->err_line = dg->line;
}

static void enter(void *ud, ts_file_counts *c)
{
    ((got *)ud)->cur = c;
}

static void file_end(void *ud, const char *file, const char *reader, const ts_file_counts *c)
{
    got *g = ud;
    (void)reader;
    if (g->n_ended < 64) {
        snprintf(g->ended[g->n_ended], sizeof g->ended[0], "%s", file);
        g->end_counts[g->n_ended++] = *c;
    }
}

static got *run(const char *const *paths, size_t n)
{
    got *g = calloc(1, sizeof *g);
    ts_merge_hooks k = {{on_event, on_error, g, NULL}, enter, file_end};
    CHECK_INT(ts_merge_paths(paths, n, &k), TOCSIN_OK);
    return g;
}

/* --jobs: each event's uid, copied by the pool's workers, must come back with that event. */
static unsigned workers;
static int prep_wrong;

static void *prepare(void *ud, unsigned worker, const ts_event *ev)
{
    (void)ud;
    if (worker >= workers)
        prep_wrong++;
    ts_str uid = ts_event_field(ev, "uid");
    return strndup(uid.p ? uid.p : "", uid.n);
}

static void on_event_prep(void *ud, ts_event *ev, void *prep)
{
    ts_str uid = ts_event_field(ev, "uid");
    if (!prep || strlen(prep) != uid.n || memcmp(prep, uid.p, uid.n))
        prep_wrong++;
    free(prep);
    on_event(ud, ev);
}

static void free_prep(void *ud, void *prep)
{
    (void)ud;
    free(prep);
}

/* run with at most jobs threads working at once and, for more than one, a pool of them. */
static got *run_jobs(const char *const *paths, size_t n, unsigned jobs)
{
    got *g = calloc(1, sizeof *g);
    ts_slots slots;
    ts_slots_init(&slots, jobs);
    workers = jobs;
    ts_jobpool *pool = jobs > 1 ? ts_jobpool_new(jobs, &slots) : NULL;
    CHECK(jobs < 2 || pool);
    ts_merge_hooks k = {
        {on_event, on_error, g, NULL}, enter, file_end, &slots, pool, prepare, on_event_prep, free_prep};
    if (!pool)
        k.prepare = NULL, k.event_prep = NULL, k.prep_free = NULL;
    CHECK_INT(ts_merge_paths(paths, n, &k), TOCSIN_OK);
    ts_jobpool_free(pool);
    ts_slots_destroy(&slots);
    return g;
}

static const ts_file_counts *counts_of(const got *g, const char *path)
{
    char *canon = realpath(path, NULL);
    const ts_file_counts *c = NULL;
    for (size_t i = 0; canon && i < g->n_ended; i++)
        if (strcmp(g->ended[i], canon) == 0)
            c = &g->end_counts[i];
    free(canon);
    return c;
}

/* One Zeek conn record at second t (from a base), with uid u. */
static void rec(FILE *f, long t, const char *u)
{
    fprintf(f,
            "{\"_path\":\"conn\",\"ts\":%ld.0,\"uid\":\"%s\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1000,"
            "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":80,\"proto\":\"tcp\"}\n",
            1700000000L + t, u);
}

static void write_file(const char *path, const long *t, size_t n, const char *tag, int bad_at)
{
    FILE *f = fopen(path, "w");
    for (size_t i = 0; i < n; i++) {
        char u[48];
        if ((int)i == bad_at)
            fputs("{\"_path\":\"conn\",\"ts\":\n", f); /* a damaged record */
        snprintf(u, sizeof u, "%s%zu", tag, i);
        rec(f, t[i], u);
    }
    fclose(f);
}

static int sorted(const got *g)
{
    for (size_t i = 1; i < g->n; i++)
        if (g->ts[i] < g->ts[i - 1])
            return 0;
    return 1;
}

static int same_stream(const got *a, const got *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->ts[i] != b->ts[i] || strcmp(a->uid[i], b->uid[i]) || strcmp(a->file[i], b->file[i]))
            return 0;
    return 1;
}

int main(void)
{
    char dir[] = "/tmp/test_merge_XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char a[300], b[300], c[300];
    snprintf(a, sizeof a, "%s/a.json", dir);
    snprintf(b, sizeof b, "%s/b.json", dir);
    snprintf(c, sizeof c, "%s/c.json", dir);
    /* a: even seconds, with records 20 s and 100 s behind its newest (inside the window);
       b: odd seconds, then a jump, then a record 1995 s behind, older than records already
       passed on (beyond the window), and a damaged line. */
    long ta[] = {0, 2, 4, 6, 30, 10, 8, 200, 100, 202, 204};
    long tb[] = {1, 3, 5, 7, 9, 2001, 2003, 8, 2005};
    write_file(a, ta, sizeof ta / sizeof *ta, "a", -1);
    write_file(b, tb, sizeof tb / sizeof *tb, "b", 3);

    const char *ab[] = {a, b}, *ba[] = {b, a};
    got *g1 = run(ab, 2), *g2 = run(ba, 2);
    CHECK_INT(g1->n, 20);
    CHECK(same_stream(g1, g2));         /* the same stream whatever order the paths came in */
    for (unsigned j = 1; j <= 3; j++) { /* and whatever the number of threads */
        got *gj = run_jobs(ab, 2, j);
        CHECK(same_stream(g1, gj));
        CHECK_INT(gj->errors, 1);
        CHECK_INT(gj->n_ended, 2);
        free(gj);
    }
    /* In order but for b's late record, passed on as it came and counted. */
    size_t late_at = g1->n;
    for (size_t i = 0; i < g1->n; i++)
        if (strcmp(g1->uid[i], "b7") == 0)
            late_at = i;
    CHECK(late_at < g1->n && late_at > 0 && g1->ts[late_at] < g1->ts[late_at - 1]);
    CHECK_INT(g1->ts[0], 1700000000LL * 1000000000LL);
    for (size_t i = 1; i < g1->n; i++)
        if (i != late_at)
            CHECK(g1->ts[i] >= g1->ts[i - 1]);
    CHECK(strcmp(g1->uid[1], "b0") == 0 && strcmp(g1->uid[2], "a1") == 0); /* interleaved */
    const ts_file_counts *ca = counts_of(g1, a), *cb = counts_of(g1, b);
    CHECK(ca && ca->events == 11 && ca->rejected == 0 && ca->late == 0);
    CHECK(cb && cb->events == 9 && cb->rejected == 1 && cb->late == 1);
    /* The damaged record: named by file and line (the 4th line of b). */
    char *canon_b = realpath(b, NULL);
    CHECK_INT(g1->errors, 1);
    CHECK_STR(g1->err_file, canon_b);
    CHECK_INT(g1->err_line, 4);
    /* Events keep their own file and line. */
    for (size_t i = 0; i < g1->n; i++)
        if (strcmp(g1->uid[i], "b4") == 0) {
            CHECK_STR(g1->file[i], canon_b);
            CHECK_INT(g1->line[i], 6);
        }
    free(canon_b);

    /* Times outside 1970..2199 (a damaged ts: 1677, the earliest a Zeek ts can carry, and
       2261) are bad records, named by file and line, not events: next to 2023 times they
       overflowed the reorder window and the detectors' arithmetic (UBSan). */
    char d[300];
    snprintf(d, sizeof d, "%s/d.json", dir);
    long tx[] = {0, -10923372034L, 2, 7523372034L}, ty[] = {1};
    write_file(c, tx, 4, "x", -1);
    write_file(d, ty, 1, "y", -1);
    const char *cd[] = {c, d};
    got *gx = run(cd, 2);
    CHECK_INT(gx->n, 3);
    CHECK(sorted(gx) && gx->n == 3 && strcmp(gx->uid[0], "x0") == 0 && strcmp(gx->uid[1], "y0") == 0);
    CHECK_INT(gx->errors, 2);
    CHECK_INT(gx->err_line, 4);
    const ts_file_counts *cc = counts_of(gx, c);
    CHECK(cc && cc->events == 2 && cc->rejected == 2);
    free(gx);

    /* A whole directory: many small files, more than may be open at once, each after the
       other in time but named in reverse, plus one spanning all of them. */
    char sub[300];
    snprintf(sub, sizeof sub, "%s/many", dir);
    mkdir(sub, 0700);
    for (int i = 0; i < TS_MERGE_MAX_OPEN + 8; i++) {
        char p[400], tag[16];
        long t[3] = {i * 10000L, i * 10000L + 1, i * 10000L + 2};
        snprintf(p, sizeof p, "%s/f%03d.json", sub, 999 - i);
        snprintf(tag, sizeof tag, "m%d_", i);
        write_file(p, t, 3, tag, -1);
    }
    long span[TS_MERGE_MAX_OPEN + 8];
    for (int i = 0; i < TS_MERGE_MAX_OPEN + 8; i++)
        span[i] = i * 10000L + 5;
    write_file(c, span, sizeof span / sizeof *span, "s", -1);
    const char *many[] = {sub, c}, *many2[] = {c, sub};
    got *g3 = run(many, 2), *g4 = run(many2, 2);
    CHECK_INT(g3->n, (TS_MERGE_MAX_OPEN + 8) * 4);
    CHECK(sorted(g3));
    CHECK(same_stream(g3, g4));
    CHECK_INT(g3->n_ended, TS_MERGE_MAX_OPEN + 9);
    for (unsigned j = 1; j <= 4; j++) { /* 4: readers start the next files as theirs end */
        got *gj = run_jobs(many, 2, j);
        CHECK(same_stream(g3, gj));
        CHECK_INT(gj->n_ended, TS_MERGE_MAX_OPEN + 9);
        free(gj);
    }

    /* Files longer than a file may hold queued (2 batches of 512 with --jobs 1): three
       interleaved in time, so the merge needs each one's head while the others' readers
       wait for room; the same stream for any number of threads. */
    char big[3][300];
    const char *bigs[3];
    enum { NBIG = 1300 };
    static long tbig[NBIG];
    for (int f = 0; f < 3; f++) {
        char tag[16];
        for (int i = 0; i < NBIG; i++)
            tbig[i] = i * 3L + f;
        snprintf(big[f], sizeof big[f], "%s/big%d.json", dir, f);
        snprintf(tag, sizeof tag, "g%d_", f);
        write_file(big[f], tbig, NBIG, tag, f == 1 ? 700 : -1);
        bigs[f] = big[f];
    }
    got *g7 = run(bigs, 3);
    CHECK_INT(g7->n, 3 * NBIG);
    CHECK(sorted(g7));
    CHECK_INT(g7->errors, 1);
    for (unsigned j = 1; j <= 3; j++) {
        got *gj = run_jobs(bigs, 3, j);
        CHECK(same_stream(g7, gj));
        CHECK_INT(gj->errors, 1);
        free(gj);
    }
    /* Readers started ahead (ts_merge_open) and never merged (the caller failed to get
       ready): run out, each file said ended with all it read. */
    got *g8 = calloc(1, sizeof *g8);
    ts_merge_hooks k8 = {{on_event, on_error, g8, NULL}, enter, file_end};
    ts_merge *m8 = NULL;
    CHECK_INT(ts_merge_open(bigs, 3, &k8, 2, &m8), TOCSIN_OK);
    ts_merge_close(m8);
    CHECK_INT(g8->n, 0);
    CHECK_INT(g8->n_ended, 2);
    free(g8);
    free(g7);

    /* One file alone is read straight through, disorder and all. */
    const char *one[] = {a};
    got *g5 = run(one, 1);
    CHECK_INT(g5->n, 11);
    CHECK_INT(g5->ts[5], (1700000000LL + 10) * 1000000000LL);
    got *g6 = run_jobs(one, 1, 2); /* in a thread of its own, the same */
    CHECK(same_stream(g5, g6));
    free(g6);
    CHECK_INT(prep_wrong, 0);

    free(g1), free(g2), free(g3), free(g4), free(g5);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_done("merge");
}
