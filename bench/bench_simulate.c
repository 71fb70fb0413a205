/* bench_simulate.c: generates a large simulated dataset (default: sony-2014, 250 people,
 * 90 days, about 6 GB) into a temporary directory and prints generation throughput (wall
 * and CPU), the output size and the peak resident memory; then hunts it (every log folder
 * but the Zeek JSON twin, with the defender's intelligence) and prints the hunt's
 * throughput. Opt-in: never run by tests.
 *   build/bench/bench_simulate [USERS [DAYS [DIR]]]   (KEEP=1 keeps the output, NOHUNT=1
 *   skips the hunt) */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tocsin.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

/* total size of the regular files under dir */
static unsigned long long du(const char *dir)
{
    unsigned long long n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p[4096];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (stat(p, &st) != 0)
            continue;
        n += S_ISDIR(st.st_mode) ? du(p) : (unsigned long long)st.st_size;
    }
    closedir(d);
    return n;
}

/* Prints why the simulation failed. */
static void say(void *ud, const tocsin_diag *d)
{
    (void)ud;
    fprintf(stderr, "simulate: %s%s%s\n", d->file ? d->file : "", d->file ? ": " : "", d->msg);
}

/* Hunts the generated logs into a store beside them and prints events and bytes per second. */
static void hunt(const char *dir)
{
    static const char *const logs[] = {"windows", "zeek", "suricata", "mail", "linux"};
    char paths[5][4200], intel[4200], db[4200];
    const char *pv[5];
    unsigned long long bytes = 0;
    for (int i = 0; i < 5; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/%s", dir, logs[i]);
        pv[i] = paths[i];
        bytes += du(paths[i]);
    }
    snprintf(intel, sizeof intel, "%s/intel/bundle.json", dir);
    snprintf(db, sizeof db, "%s/bench.db", dir);
    const char *iv[] = {intel};
    FILE *devnull = fopen("/dev/null", "w");
    tocsin_options o = {.db_path = db, .out = devnull, .progress = 0};
    tocsin *t;
    if (tocsin_open(&o, &t) != TOCSIN_OK) {
        fprintf(stderr, "hunt: cannot open %s\n", db);
        return;
    }
    double w0 = now(), c0 = cpu();
    tocsin_code rc = tocsin_hunt(t, pv, 5, iv, 1);
    if (rc == TOCSIN_OK || rc == TOCSIN_E_PARTIAL) { /* what `tocsin hunt` does: the report too */
        tocsin_code report = tocsin_report_run(t, tocsin_last_run(t));
        rc = report != TOCSIN_OK ? report : rc;
    }
    double wall = now() - w0, cpu_s = cpu() - c0;
    tocsin_close(t);
    if (devnull)
        fclose(devnull);
    printf("hunt (%s): %.2f GB of logs\n", tocsin_strerror(rc), bytes / 1e9);
    printf("  wall %.2f s: %.1f MB/s\n", wall, bytes / 1e6 / wall);
    printf("  cpu  %.2f s: %.1f MB/s per core\n", cpu_s, bytes / 1e6 / cpu_s);
}

int main(int argc, char **argv)
{
    unsigned users = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 250;
    unsigned days = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 90;
    char dir[4096];
    if (argc > 3) {
        snprintf(dir, sizeof dir, "%s", argv[3]);
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/tocsin-bench-sim.XXXXXX", tmp ? tmp : "/tmp");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            return 1;
        }
    }
    tocsin_sim_options o = {
        .scenario = "sony-2014", .out_dir = dir, .users = users, .days = days, .seed = 1, .progress = -1};
    o.diag = say;
    double w0 = now(), c0 = cpu();
    tocsin_code rc = tocsin_simulate(&o);
    double wall = now() - w0, cpu_s = cpu() - c0;
    if (rc != TOCSIN_OK) {
        fprintf(stderr, "simulate: %s\n", tocsin_strerror(rc));
        return 1;
    }
    unsigned long long bytes = du(dir);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("simulate sony-2014: %u users x %u days -> %.2f GB in %s\n", users, days, bytes / 1e9, dir);
    printf("  wall %.2f s: %.1f MB/s\n", wall, bytes / 1e6 / wall);
    printf("  cpu  %.2f s: %.1f MB/s per core (user+sys)\n", cpu_s, bytes / 1e6 / cpu_s);
    printf("  peak RSS %.1f MB\n", ru.ru_maxrss / 1024.0);
    if (!getenv("NOHUNT"))
        hunt(dir);
    if (!getenv("KEEP") && argc <= 3) {
        char cmd[4200];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    return 0;
}
