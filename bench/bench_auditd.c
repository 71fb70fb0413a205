/* bench_auditd.c (bench): reads a large audit.log made from the test fixture (its events
 * repeated with new serials and times) and prints records per second and the time, with
 * and without the SigmaHQ auditd and Linux process_creation rules. Run from the repository
 * root: build/bench/bench_auditd [copies] (default 5000, about 90 MB). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/input.h"
#include "ingest/ingest.h"
#include "sigma/sigma.h"

#define FIXTURE "tests/data/auditd/audit.log"
#define RULES "../shared/data/sigma/rules/linux"

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Copies the fixture n times, each copy 100 s and 1000 serials after the last. */
static int make_log(const char *out, long copies)
{
    FILE *in = fopen(FIXTURE, "r"), *f = fopen(out, "w");
    char line[8192];
    if (!in || !f)
        return -1;
    for (long k = 0; k < copies; k++) {
        rewind(in);
        while (fgets(line, sizeof line, in)) {
            char *a = strstr(line, "msg=audit("), *end;
            long long sec = a ? strtoll(a + 10, &end, 10) : 0;
            if (!a || *end != '.') {
                fputs(line, f);
                continue;
            }
            char *frac = end + 1;
            strtoul(frac, &end, 10);
            char *colon = end;
            unsigned long serial = *colon == ':' ? strtoul(colon + 1, &end, 10) : 0;
            fprintf(f, "%.*smsg=audit(%lld.%.*s:%lu%s", (int)(a - line), line, sec + 100 * k,
                    (int)(colon - frac), frac, serial + 1000ul * (unsigned long)k, end);
        }
    }
    fclose(in);
    return fclose(f);
}

typedef struct run {
    const ts_sigma *s;
    ts_sigma_scratch *sc;
    size_t events, hits;
} run;

static void on_hit(void *ud, const ts_sigma_rule_info *rule, const ts_event *ev)
{
    (void)rule, (void)ev;
    ((run *)ud)->hits++;
}

static void on_event(void *ud, ts_event *ev)
{
    run *r = ud;
    r->events++;
    if (r->s)
        ts_sigma_match(r->s, r->sc, ev, on_hit, r);
}

static void read_once(const char *path, ts_scratch *scr, run *r, const char *what)
{
    ts_input *in;
    char err[256];
    if (ts_input_open(path, &in, err, sizeof err) != TOCSIN_OK) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    ts_sink sink = {on_event, NULL, r};
    double t = cpu();
    ts_reader_find("linux-auditd")->read(in, scr, &sink);
    t = cpu() - t;
    ts_input_close(in);
    printf("%-28s %9zu events %7zu hits %6.2f s cpu %9.0f events/s\n", what, r->events, r->hits, t,
           r->events / t);
}

int main(int argc, char **argv)
{
    long copies = argc > 1 ? strtol(argv[1], NULL, 10) : 5000;
    char path[] = "/tmp/bench_auditd.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || copies <= 0)
        return 1;
    close(fd);
    if (make_log(path, copies) != 0) {
        fprintf(stderr, "cannot write %s from %s\n", path, FIXTURE);
        unlink(path);
        return 1;
    }
    ts_scratch scr;
    if (ts_scratch_init(&scr) != TOCSIN_OK)
        return 1;
    run plain = {0};
    read_once(path, &scr, &plain, "reader alone");
    ts_sigma *s = ts_sigma_new("data/sigma/logsources.tsv", NULL, NULL);
    if (s && access(RULES, R_OK) == 0 && ts_sigma_load_path(s, RULES, NULL, NULL) == TOCSIN_OK &&
        ts_sigma_compile(s, NULL, NULL) == TOCSIN_OK) {
        run with = {s, ts_sigma_scratch_new(s), 0, 0};
        char what[64];
        snprintf(what, sizeof what, "reader + %zu Linux rules", ts_sigma_rule_count(s));
        read_once(path, &scr, &with, what);
        ts_sigma_scratch_free(with.sc);
    } else {
        printf("rules skipped: %s absent\n", RULES);
    }
    ts_sigma_free(s);
    ts_scratch_free(&scr);
    unlink(path);
    return 0;
}
