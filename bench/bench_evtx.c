/* bench_evtx.c: records per second of the native EVTX reader on one core over the public
 * samples and Sigma's regression files, beside libevtx's rate on the same files, and the
 * reader's peak memory. Usage: bench_evtx [DATA_DIR] (default ../shared/data). */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <libevtx/features.h>
#undef LIBEVTX_HAVE_BFIO /* Debian ships no libbfio header; no bfio API is used */
#include <libevtx.h>

#include "ingest/evtx/evtx_int.h"

#define MAX_FILES 1024
static char *files[MAX_FILES];
static size_t n_files;

static int collect(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    size_t n = strlen(p);
    if (flag == FTW_F && n > 5 && strcmp(p + n - 5, ".evtx") == 0 && n_files < MAX_FILES)
        files[n_files++] = strdup(p);
    return 0;
}

/* CPU time of this process: the machine may be shared, and the figure wanted is per core. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* User CPU time only: the reader's own work, without the kernel's copies of file data. */
static double user_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
}

static long peak_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

typedef struct counts {
    uint64_t events, fields, bytes, errors;
} counts;

static void on_event(void *ud, ts_event *ev)
{
    counts *c = ud;
    c->events++;
    c->fields += ev->n_fields;
    for (size_t i = 0; i < ev->n_fields; i++)
        c->bytes += ev->fields[i].val.n;
}

static void on_error(void *ud, const ts_diag *dg)
{
    (void)dg;
    ((counts *)ud)->errors++;
}

static tocsin_code file_read(void *ud, void *buf, size_t n, size_t *got)
{
    *got = fread(buf, 1, n, ud);
    return TOCSIN_OK;
}

static void ours(size_t from, size_t to, int passes, const char *label)
{
    ts_scratch s;
    memset(&s, 0, sizeof s);
    counts c = {0};
    ts_sink sink = {on_event, on_error, &c};
    double t0 = now();
    for (int pass = 0; pass < passes; pass++)
        for (size_t i = from; i < to; i++) {
            FILE *f = fopen(files[i], "rb");
            if (!f)
                continue;
            evtx_read_stream(file_read, f, files[i], &s, &sink, NULL, 0);
            fclose(f);
        }
    double dt = now() - t0;
    printf("tocsin  %-18s %8llu records in %.3f s CPU: %10.0f records/s (%llu fields, %llu errors)\n", label,
           (unsigned long long)c.events, dt, (double)c.events / dt, (unsigned long long)c.fields,
           (unsigned long long)c.errors);
    ts_fieldbuf_free(&s.fields);
}

/* The production path: ts_input, the registered reader and Windows normalisation. */
static void reader(size_t from, size_t to, int passes, const char *label)
{
    ts_scratch s;
    if (ts_scratch_init(&s) != TOCSIN_OK)
        return;
    counts c = {0};
    ts_sink sink = {on_event, on_error, &c};
    const ts_reader *r = ts_reader_find("evtx");
    double t0 = now(), u0 = user_now();
    for (int pass = 0; pass < passes && r; pass++)
        for (size_t i = from; i < to; i++) {
            ts_input *in = NULL;
            char err[256];
            if (ts_input_open(files[i], &in, err, sizeof err) != TOCSIN_OK)
                continue;
            r->read(in, &s, &sink);
            ts_input_close(in);
        }
    double dt = now() - t0, du = user_now() - u0;
    printf("tocsin  %-18s %8llu records in %.3f s CPU: %10.0f records/s (ts_input, normalised; "
           "%.0f records/s of user time)\n",
           label, (unsigned long long)c.events, dt, (double)c.events / dt, (double)c.events / du);
    ts_scratch_free(&s);
}

/* libevtx reads lazily: ask each record for what a detector needs (event id and the
 * EventData strings), which makes it parse the BinXML. */
static void theirs(size_t from, size_t to, const char *label)
{
    uint64_t records = 0;
    double t0 = now();
    for (size_t i = from; i < to; i++) {
        libevtx_file_t *lf = NULL;
        if (libevtx_file_initialize(&lf, NULL) != 1)
            continue;
        if (libevtx_file_open(lf, files[i], LIBEVTX_OPEN_READ, NULL) == 1) {
            int n = 0;
            libevtx_file_get_number_of_records(lf, &n, NULL);
            for (int r = 0; r < n; r++) {
                libevtx_record_t *lr = NULL;
                if (libevtx_file_get_record_by_index(lf, r, &lr, NULL) != 1)
                    continue;
                uint32_t eid;
                int ns = 0;
                uint8_t buf[8192];
                libevtx_record_get_event_identifier(lr, &eid, NULL);
                libevtx_record_get_number_of_strings(lr, &ns, NULL);
                for (int k = 0; k < ns; k++)
                    libevtx_record_get_utf8_string(lr, k, buf, sizeof buf, NULL);
                records++;
                libevtx_record_free(&lr, NULL);
            }
            libevtx_file_close(lf, NULL);
        }
        libevtx_file_free(&lf, NULL);
    }
    double dt = now() - t0;
    printf("libevtx %-18s %8llu records in %.3f s CPU: %10.0f records/s\n", label,
           (unsigned long long)records, dt, (double)records / dt);
}

/* A large file made of one sample's chunks repeated (in the temporary directory, removed
 * afterwards): the rate on a long log, and a peak memory that must not follow its size. */
static void big_file(const char *sample, int copies)
{
    FILE *in = fopen(sample, "rb");
    if (!in)
        return;
    static uint8_t buf[8u << 20];
    size_t n = fread(buf, 1, sizeof buf, in);
    fclose(in);
    char path[] = "/tmp/bench_evtx_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || n <= EVTX_FILE_HEADER)
        return;
    FILE *out = fdopen(fd, "wb");
    fwrite(buf, 1, EVTX_FILE_HEADER, out);
    for (int i = 0; i < copies; i++)
        fwrite(buf + EVTX_FILE_HEADER, 1, n - EVTX_FILE_HEADER, out);
    fclose(out);
    long before = peak_kib();
    size_t saved = n_files;
    files[n_files++] = path;
    char label[64];
    snprintf(label, sizeof label, "%.0f MB file", (double)(n - EVTX_FILE_HEADER) * copies / 1e6);
    reader(saved, n_files, 1, label);
    n_files = saved;
    printf("peak RSS before %ld KiB, after %ld KiB\n", before, peak_kib());
    remove(path);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    const char *data = argc > 1 ? argv[1] : "../shared/data";
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/evtx-parser-samples/samples", data);
    nftw(dir, collect, 16, FTW_PHYS);
    size_t n_samples = n_files;
    snprintf(dir, sizeof dir, "%s/sigma/regression_data", data);
    nftw(dir, collect, 16, FTW_PHYS);
    if (n_files == 0) {
        fprintf(stderr, "bench_evtx: no .evtx files under %s\n", data);
        return 1;
    }
    qsort(files, n_samples, sizeof *files, cmp_str);
    qsort(files + n_samples, n_files - n_samples, sizeof *files, cmp_str);
    printf("%zu sample files, %zu regression files\n", n_samples, n_files - n_samples);
    ours(0, n_samples, 1, "samples (cold)");
    ours(0, n_samples, 5, "samples x5");
    ours(n_samples, n_files, 5, "regression x5");
    reader(0, n_samples, 5, "samples x5");
    reader(n_samples, n_files, 5, "regression x5");
    printf("tocsin peak RSS: %ld KiB\n", peak_kib());
    char big[1100];
    snprintf(big, sizeof big, "%s/evtx-parser-samples/samples/security.evtx", data);
    big_file(big, 40);
    theirs(0, n_samples, "samples");
    theirs(n_samples, n_files, "regression");
    printf("peak RSS with libevtx: %ld KiB\n", peak_kib());
    for (size_t i = 0; i < n_files; i++)
        free(files[i]);
    return 0;
}
