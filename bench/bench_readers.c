/* bench_readers.c (bench): reader throughput alone: every file under the paths given is read
 * rounds times through the reader its content calls for, into a sink that only counts, and
 * each reader's bytes, events and process CPU time (the machine is shared) are printed, with
 * MB/s. For a before/after ratio, link this file against both libraries and alternate the
 * runs. Usage: bench_readers ROUNDS PATH... (decompressed files measure the readers, not
 * zlib). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/input.h"
#include "ingest/ingest.h"

#define MAX_READERS 32

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct tally {
    const char *reader;
    unsigned long long bytes, events, rejected;
    double seconds;
} tally;

typedef struct bench {
    ts_scratch scratch;
    tally t[MAX_READERS];
    size_t n;
    unsigned long long events, rejected;
} bench;

static void count_event(void *ud, ts_event *ev)
{
    (void)ev;
    ((bench *)ud)->events++;
}

static void count_error(void *ud, const ts_diag *d)
{
    (void)d;
    ((bench *)ud)->rejected++;
}

static tally *tally_of(bench *b, const char *reader)
{
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->t[i].reader, reader) == 0)
            return &b->t[i];
    if (b->n == MAX_READERS)
        return NULL;
    b->t[b->n] = (tally){.reader = reader};
    return &b->t[b->n++];
}

static void walk_problem(void *ud, const ts_diag *d)
{
    (void)ud;
    fprintf(stderr, "bench_readers: %s: %s\n", d->file ? d->file : "?", d->msg ? d->msg : "?");
}

static int one_file(void *ud, const char *file)
{
    bench *b = ud;
    ts_input *in;
    char why[512];
    struct stat st;
    if (ts_input_open(file, &in, why, sizeof why) != TOCSIN_OK) {
        fprintf(stderr, "bench_readers: %s: %s\n", file, why);
        return 0;
    }
    const char *head;
    size_t n = ts_input_peek(in, &head);
    const ts_reader *r = n ? ts_reader_detect(head, n) : NULL;
    tally *t = r ? tally_of(b, r->name) : NULL;
    if (t && stat(file, &st) == 0) {
        ts_sink sink = {count_event, count_error, b, NULL};
        unsigned long long ev0 = b->events, rej0 = b->rejected;
        double t0 = cpu();
        r->read(in, &b->scratch, &sink);
        t->seconds += cpu() - t0;
        t->bytes += (unsigned long long)st.st_size;
        t->events += b->events - ev0;
        t->rejected += b->rejected - rej0;
    }
    ts_input_close(in);
    return 0;
}

int main(int argc, char **argv)
{
    static bench b;
    long rounds = argc > 2 ? strtol(argv[1], NULL, 10) : 0;
    if (rounds < 1) {
        fputs("usage: bench_readers ROUNDS PATH...\n", stderr);
        return 2;
    }
    if (ts_scratch_init(&b.scratch) != TOCSIN_OK)
        return 1;
    for (long k = 0; k < rounds; k++)
        for (int i = 2; i < argc; i++)
            ts_walk(argv[i], one_file, walk_problem, &b);
    double total = 0;
    unsigned long long bytes = 0;
    for (size_t i = 0; i < b.n; i++) {
        const tally *t = &b.t[i];
        printf("%-14s %8.1f MB %10llu events %6llu rejected %7.3f s %8.1f MB/s\n", t->reader, t->bytes / 1e6,
               t->events, t->rejected, t->seconds, t->seconds > 0 ? t->bytes / 1e6 / t->seconds : 0.0);
        total += t->seconds;
        bytes += t->bytes;
    }
    printf("%-14s %8.1f MB %10llu events %6llu rejected %7.3f s %8.1f MB/s\n", "all", bytes / 1e6, b.events,
           b.rejected, total, total > 0 ? bytes / 1e6 / total : 0.0);
    ts_scratch_free(&b.scratch);
    return 0;
}
