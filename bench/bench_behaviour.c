/* bench_behaviour.c: ns per event of every behavioural detector against the ingest of the same events from
 * files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define ticks() __rdtsc()
#else /* elsewhere the monotonic clock stands in for the time stamp counter */
static unsigned long long ticks(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec;
}
#endif

#include "core/input.h"
#include "detect/detect.h"
#include "ingest/ingest.h"

/*
 * Issue 5's goal: all behavioural detectors together cost no more per event than the
 * ingest they sit on. So the events are written to files first and read back by the real
 * readers, and every figure is in CPU time of this process (the machine is shared):
 *  - ingest: the readers alone, into a sink that only marks internal addresses as the
 *    enrich stage would (geo flags);
 *  - all: ingest with every behavioural detector in the sink, minus ingest alone;
 *  - each detector's share of that: a third pass, with the time stamp counter read
 *    around every detector call (the reads' own cost subtracted, and calls longer than
 *    200 us dropped: those were preempted), in the company of the others, as in a hunt;
 *  - with TOCSIN_BENCH_ONLY=name,... (or =all) also those detectors alone: ingest with
 *    that detector in the sink, minus ingest alone (noisier: a difference of two large
 *    CPU times on a shared machine).
 * The passes take turns, three rounds of all of them, and each keeps its fastest round:
 * the load of a shared machine drifts, and a baseline timed only once, at the start,
 * would drift away from the passes it is subtracted from.
 *
 * The day (default 2M network events, 500k Windows events, in time order):
 *  - Zeek JSON: conn records from 5,000 internal hosts to 10 outside destinations each
 *    (50k pairs), one in 16 an HTTP request naming its host, one in 16 a DNS query, one
 *    in 32 an internal connection to a server's SMB or RDP port;
 *  - Windows (evtx_dump JSON lines): 4624 network logons of 5,000 users (one in 50 an
 *    admin) from their workstations to 300 servers, 4672 special privileges, 4625
 *    failures, Sysmon process starts and file deletions, service state changes.
 * Usage: bench_behaviour [network events [windows events [dir]]]; the files are removed
 * unless TOCSIN_BENCH_KEEP is set. For instruction counts (valgrind --tool=callgrind, which
 * is repeatable under load) TOCSIN_BENCH_ONCE=1 runs one round of ingest alone and all
 * together: callgrind_annotate --inclusive=yes then shows each detector's event
 * function against the reader's.
 */

#define HOSTS 5000
#define DESTS 10
#define USERS 5000
#define SRV 300
#define DAY_S 86400.0
#define T0_S 1702080000.0 /* 2023-12-09 00:00 UTC */

static uint64_t rng;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double cpu_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); /* CPU time: the machine is shared */
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* ---- the files ---- */

static void zeek_line(FILE *f, size_t i, size_t n)
{
    uint64_t r = next_rand();
    unsigned h = (unsigned)(r % HOSTS), d = (unsigned)((r >> 20) % DESTS), kind = (unsigned)((r >> 32) % 32);
    unsigned bytes = (unsigned)(200 + (r >> 40) % 5000), port = 1024 + (unsigned)((r >> 48) % 60000);
    double ts = T0_S + (double)i / (double)n * DAY_S;
    char src[16], dst[16], name[48];
    snprintf(src, sizeof src, "10.%u.%u.1", h >> 8, h & 255);
    snprintf(dst, sizeof dst, "%u.%u.%u.%u", 100 + d % 50, h >> 8, h & 255, d);
    snprintf(name, sizeof name, "h%u-%u.example.com", h, d);
    if (kind < 2) /* HTTP, one in 16 */
        fprintf(
            f,
            "{\"_path\":\"http\",\"ts\":%.6f,\"uid\":\"C%zx\",\"id.orig_h\":\"%s\",\"id.orig_p\":%u,"
            "\"id.resp_h\":\"%s\",\"id.resp_p\":80,\"trans_depth\":1,\"method\":\"GET\",\"host\":\"%s\","
            "\"uri\":\"/api/v1/poll?id=%u\",\"user_agent\":\"Mozilla/5.0 (Windows NT 10.0; Win64; x64)\","
            "\"request_body_len\":0,\"response_body_len\":%u,\"status_code\":200,\"status_msg\":\"OK\"}\n",
            ts, i, src, port, dst, name, h, bytes);
    else if (kind < 4) /* DNS, one in 16 */
        fprintf(
            f,
            "{\"_path\":\"dns\",\"ts\":%.6f,\"uid\":\"C%zx\",\"id.orig_h\":\"%s\",\"id.orig_p\":%u,"
            "\"id.resp_h\":\"10.0.0.53\",\"id.resp_p\":53,\"proto\":\"udp\",\"trans_id\":%u,\"query\":\"%s\","
            "\"qclass_name\":\"C_INTERNET\",\"qtype_name\":\"A\",\"rcode_name\":\"NOERROR\",\"AA\":false,"
            "\"RD\":true,\"RA\":true,\"answers\":[\"%s\"],\"TTLs\":[300.0]}\n",
            ts, i, src, port, (unsigned)(r & 0xffff), name, dst);
    else if (kind < 5) /* an internal connection to a server's SMB or RDP, one in 32 */
        fprintf(f,
                "{\"_path\":\"conn\",\"ts\":%.6f,\"uid\":\"C%zx\",\"id.orig_h\":\"%s\",\"id.orig_p\":%u,"
                "\"id.resp_h\":\"10.200.%u.%u\",\"id.resp_p\":%u,\"proto\":\"tcp\",\"duration\":1.5,"
                "\"orig_bytes\":%u,\"resp_bytes\":%u,\"conn_state\":\"SF\",\"missed_bytes\":0,"
                "\"history\":\"ShADadfF\",\"orig_pkts\":12,\"resp_pkts\":10}\n",
                ts, i, src, port, (h / 20) % SRV / 256, (h / 20) % SRV % 256, r >> 63 ? 3389 : 445, bytes,
                bytes * 3);
    else
        fprintf(
            f,
            "{\"_path\":\"conn\",\"ts\":%.6f,\"uid\":\"C%zx\",\"id.orig_h\":\"%s\",\"id.orig_p\":%u,"
            "\"id.resp_h\":\"%s\",\"id.resp_p\":443,\"proto\":\"tcp\",\"service\":\"ssl\",\"duration\":0.8,"
            "\"orig_bytes\":%u,\"resp_bytes\":%u,\"conn_state\":\"SF\",\"missed_bytes\":0,"
            "\"history\":\"ShADadfF\",\"orig_pkts\":9,\"resp_pkts\":8}\n",
            ts, i, src, port, dst, bytes, bytes * 3);
}

static void win_head(FILE *f, const char *provider, unsigned code, double ts, size_t rec, const char *channel,
                     const char *computer)
{
    time_t s = (time_t)ts;
    struct tm tm;
    gmtime_r(&s, &tm);
    fprintf(f,
            "{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{\"Name\":\"%s\"}},\"EventID\":%u,"
            "\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"%04d-%02d-%02dT%02d:%02d:%02d.%06dZ\"}},"
            "\"EventRecordID\":%zu,\"Channel\":\"%s\",\"Computer\":\"%s\"},\"EventData\":{",
            provider, code, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
            (int)((ts - (double)s) * 1e6), rec, channel, computer);
}

static void win_line(FILE *f, size_t i, size_t n)
{
    static const char *const sec = "Microsoft-Windows-Security-Auditing", *const sysmon =
                                                                              "Microsoft-Windows-Sysmon";
    uint64_t r = next_rand();
    unsigned u = (unsigned)(r % USERS), kind = (unsigned)((r >> 20) % 100);
    unsigned w = (r >> 40) % 10 ? u % HOSTS : (unsigned)((r >> 44) % HOSTS),
             s = (u / 20 + (r >> 56) % 4) % SRV;
    double ts = T0_S + (double)i / (double)n * DAY_S;
    char user[16], srv[24], wks[16];
    snprintf(user, sizeof user, u % 50 ? "user%u" : "adm-%u", u);
    snprintf(srv, sizeof srv, "SRV%u.corp.local", s);
    snprintf(wks, sizeof wks, "WKS%u", w);
    if (kind < 45) {
        win_head(f, sec, 4624, ts, i, "Security", srv);
        fprintf(f,
                "\"SubjectUserSid\":\"S-1-0-0\",\"TargetUserName\":\"%s\",\"TargetDomainName\":\"CORP\","
                "\"TargetLogonId\":\"0x%zx\",\"LogonType\":\"3\",\"LogonProcessName\":\"Kerberos\","
                "\"AuthenticationPackageName\":\"Kerberos\",\"WorkstationName\":\"%s\",\"IpAddress\":\"10.%u."
                "%u.1\","
                "\"IpPort\":\"%u\"}}}\n",
                user, i, wks, w >> 8, w & 255, 49152 + (unsigned)(r & 0x3fff));
    } else if (kind < 50) {
        win_head(f, sec, 4672, ts, i, "Security", srv);
        fprintf(f,
                "\"SubjectUserName\":\"%s\",\"SubjectDomainName\":\"CORP\",\"SubjectLogonId\":\"0x%zx\","
                "\"PrivilegeList\":\"SeBackupPrivilege SeRestorePrivilege SeDebugPrivilege\"}}}\n",
                user, i - 1);
    } else if (kind < 53) {
        win_head(f, sec, 4625, ts, i, "Security", srv);
        fprintf(f,
                "\"TargetUserName\":\"%s\",\"TargetDomainName\":\"CORP\",\"Status\":\"0xc000006d\","
                "\"SubStatus\":\"0xc000006a\",\"LogonType\":\"3\",\"WorkstationName\":\"%s\","
                "\"IpAddress\":\"10.%u.%u.1\",\"IpPort\":\"0\"}}}\n",
                user, wks, w >> 8, w & 255);
    } else if (kind < 83) {
        win_head(f, sysmon, 1, ts, i, "Microsoft-Windows-Sysmon/Operational", wks);
        fprintf(
            f,
            "\"UtcTime\":\"-\",\"ProcessGuid\":\"{%08x-0000-0000-0000-000000000000}\",\"ProcessId\":\"%u\","
            "\"Image\":\"%s\",\"CommandLine\":\"%s\",\"CurrentDirectory\":\"C:\\\\Users\\\\%s\\\\\","
            "\"User\":\"CORP\\\\%s\",\"IntegrityLevel\":\"Medium\","
            "\"ParentImage\":\"C:\\\\Windows\\\\explorer.exe\"}}}\n",
            (unsigned)r, (unsigned)(r >> 32) & 0xffff,
            kind % 4 ? "C:\\\\Program Files\\\\App\\\\app.exe" : "C:\\\\Windows\\\\System32\\\\cmd.exe",
            kind % 4 ? "\\\"C:\\\\Program Files\\\\App\\\\app.exe\\\" --update --quiet"
                     : "cmd.exe /c copy \\\\\\\\fs01\\\\share\\\\report.xlsx C:\\\\Users\\\\Public\\\\",
            user, user);
    } else if (kind < 95) {
        win_head(f, sysmon, 23, ts, i, "Microsoft-Windows-Sysmon/Operational", wks);
        fprintf(
            f,
            "\"UtcTime\":\"-\",\"ProcessId\":\"%u\",\"User\":\"CORP\\\\%s\",\"Image\":\"C:\\\\Program "
            "Files\\\\App\\\\app.exe\",\"TargetFilename\":\"C:\\\\Users\\\\%s\\\\AppData\\\\Local\\\\Temp\\\\"
            "tmp%04x.tmp\",\"IsExecutable\":\"false\"}}}\n",
            (unsigned)(r >> 32) & 0xffff, user, user, (unsigned)r & 0xffff);
    } else {
        win_head(f, "Service Control Manager", 7036, ts, i, "System", srv);
        fprintf(f, "\"param1\":\"%s\",\"param2\":\"%s\"}}}\n", kind % 2 ? "BITS" : "Windows Update",
                kind % 3 ? "running" : "stopped");
    }
}

static bool write_file(const char *path, size_t n, void (*line)(FILE *, size_t, size_t))
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    static char buf[1 << 20];
    setvbuf(f, buf, _IOFBF, sizeof buf);
    rng = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < n; i++)
        line(f, i, n);
    return fclose(f) == 0;
}

/* ---- the passes ---- */

#define MAX_DET 31 /* a pass mask has a bit per detector below PROFILE's */

#define PROFILE (1u << 31) /* in a pass's mask: time each detector call */

typedef struct pass {
    const ts_detector *d[MAX_DET];
    void *st[MAX_DET];
    size_t n;
    ts_alert_sink out;
    size_t events, alerts, errors;
    bool profile;
    uint64_t ticks[MAX_DET], calls[MAX_DET], dropped;
} pass;

static double tsc_per_ns;     /* time stamp counter ticks per ns */
static uint64_t tsc_overhead; /* ticks of two back-to-back reads */

static double wall_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* The counter's rate against the wall clock, and the least cost of reading it twice. */
static void tsc_calibrate(void)
{
    double w0 = wall_ns();
    uint64_t t0 = ticks();
    while (wall_ns() - w0 < 50e6)
        ;
    tsc_per_ns = (double)(ticks() - t0) / (wall_ns() - w0);
    tsc_overhead = UINT64_MAX;
    for (int i = 0; i < 100000; i++) {
        uint64_t a = ticks(), b = ticks();
        if (b - a < tsc_overhead)
            tsc_overhead = b - a;
    }
}

static void count_alert(void *ud, ts_alert *a)
{
    ((pass *)ud)->alerts++;
    ts_alert_free(a);
}

/* As the enrich stage would with its default configuration: special-purpose ranges are internal. */
static void mark(const ts_ip *ip, ts_geo *g)
{
    if (ip->v)
        g->flags = (uint16_t)(TS_NET_KNOWN | (ts_ip_is_special(ip) ? TS_NET_INTERNAL : 0));
}

static void on_event(void *ud, ts_event *ev)
{
    pass *p = ud;
    p->events++;
    mark(&ev->src_ip, &ev->src_geo);
    mark(&ev->dst_ip, &ev->dst_geo);
    if (!p->profile) {
        for (size_t k = 0; k < p->n; k++)
            p->d[k]->event(p->st[k], ev, &p->out);
        return;
    }
    uint64_t limit = (uint64_t)(200e3 * tsc_per_ns);
    for (size_t k = 0; k < p->n; k++) {
        uint64_t t0 = ticks();
        p->d[k]->event(p->st[k], ev, &p->out);
        uint64_t dt = ticks() - t0;
        if (dt > limit) {
            p->dropped++;
            continue;
        }
        p->ticks[k] += dt > tsc_overhead ? dt - tsc_overhead : 0;
        p->calls[k]++;
    }
}

static void on_error(void *ud, const ts_diag *dg)
{
    (void)dg;
    ((pass *)ud)->errors++;
}

static const char *const names[] = {"credential", "lateral",      "destruction",  "phishing",   "beacon",
                                    "exfil",      "collection",   "host-attack",  "bursts",     "powershell",
                                    "sensor",     "fetch",        "cleanup",      "attachment", "sideload",
                                    "privilege",  "cloud-upload", "account-admin"};
#define N_NAMES (sizeof names / sizeof *names)
_Static_assert(sizeof names / sizeof *names <= MAX_DET, "more detectors than a pass holds");

static const ts_detector *find(const char *name)
{
    for (size_t i = 0; ts_detectors[i]; i++)
        if (strcmp(ts_detectors[i]->name, name) == 0)
            return ts_detectors[i];
    return NULL;
}

typedef struct result {
    double ns;        /* CPU ns of reading both files with the detectors */
    double finish_ns; /* of the detectors' finish calls */
    size_t events, alerts, errors;
    double det_ns[N_NAMES]; /* profiled: ns per call of each detector (bit order) */
    uint64_t dropped;
} result;

static bool read_file(const char *path, ts_scratch *s, const ts_sink *sink)
{
    ts_input *in;
    char err[256];
    if (ts_input_open(path, &in, err, sizeof err) != TOCSIN_OK) {
        fprintf(stderr, "%s: %s\n", path, err);
        return false;
    }
    const char *head;
    size_t hl = ts_input_peek(in, &head);
    const ts_reader *r = ts_reader_detect(head, hl);
    bool ok = r && r->read(in, s, sink) == TOCSIN_OK;
    ts_input_close(in);
    return ok;
}

/* Reads the files through the detectors named by mask (bit k: names[k]); false on failure. */
static bool run_once(const char *const *files, size_t nf, unsigned mask, ts_scratch *s, result *res)
{
    pass p = {.out = {count_alert, NULL}, .profile = (mask & PROFILE) != 0};
    p.out.ud = &p;
    ts_detect_ctx ctx = {NULL, NULL, NULL};
    for (size_t k = 0; k < N_NAMES; k++) {
        if (!(mask >> k & 1))
            continue;
        const ts_detector *d = find(names[k]);
        void *st = d ? calloc(1, d->state_size) : NULL;
        if (!st || d->init(st, &ctx) != TOCSIN_OK)
            return false;
        p.d[p.n] = d;
        p.st[p.n++] = st;
    }
    ts_sink sink = {on_event, on_error, &p};
    bool ok = true;
    double t = cpu_ns();
    for (size_t i = 0; i < nf && ok; i++)
        ok = read_file(files[i], s, &sink);
    res->ns = cpu_ns() - t;
    t = cpu_ns();
    for (size_t k = 0; k < p.n; k++)
        if (p.d[k]->finish)
            p.d[k]->finish(p.st[k], &p.out);
    res->finish_ns = cpu_ns() - t;
    for (size_t k = 0; k < p.n; k++) {
        ts_detector_fini(p.d[k], p.st[k]);
        free(p.st[k]);
    }
    res->events = p.events;
    res->alerts = p.alerts;
    res->errors = p.errors;
    res->dropped = p.dropped;
    for (size_t k = 0, j = 0; k < N_NAMES; k++)
        if (mask >> k & 1) {
            res->det_ns[k] = p.calls[j] ? (double)p.ticks[j] / tsc_per_ns / (double)p.calls[j] : 0;
            j++;
        }
    return ok;
}

/* Keeps the faster of r and *best (*best unset when first); each detector's share apart. */
static void keep(result *best, const result *r, bool first)
{
    double det[N_NAMES];
    memcpy(det, best->det_ns, sizeof det);
    if (first || r->ns < best->ns)
        *best = *r;
    for (size_t k = 0; !first && k < N_NAMES; k++)
        best->det_ns[k] = r->det_ns[k] < det[k] ? r->det_ns[k] : det[k];
}

int main(int argc, char **argv)
{
    size_t n_net = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000000;
    size_t n_win = argc > 2 ? strtoul(argv[2], NULL, 10) : 500000;
    const char *dir = argc > 3 ? argv[3] : "/tmp";
    int reps = getenv("TOCSIN_BENCH_ONCE") ? 1 : 3; /* one pass each under callgrind */
    char net[512], win[512];
    snprintf(net, sizeof net, "%s/tocsin_bench_behaviour_zeek.json", dir);
    snprintf(win, sizeof win, "%s/tocsin_bench_behaviour_win.json", dir);
    if (!write_file(net, n_net, zeek_line) || !write_file(win, n_win, win_line)) {
        fprintf(stderr, "cannot write the files in %s\n", dir);
        return 1;
    }
    const char *const files[] = {net, win};
    ts_scratch s;
    if (ts_scratch_init(&s) != TOCSIN_OK)
        return 1;
    /* the passes: ingest alone, all together, all profiled, then any detectors alone */
    const char *only = getenv("TOCSIN_BENCH_ONLY");
    unsigned all_mask = (1u << N_NAMES) - 1, masks[N_NAMES + 3];
    size_t np = 0;
    masks[np++] = 0;
    masks[np++] = all_mask;
    if (reps > 1)
        masks[np++] = all_mask | PROFILE;
    for (size_t k = 0; reps > 1 && only && k < N_NAMES; k++)
        if (strstr(only, names[k]) || strcmp(only, "all") == 0)
            masks[np++] = 1u << k;
    tsc_calibrate();
    result best[N_NAMES + 3] = {0};
    bool ok = true;
    for (int r = 0; ok && r < reps; r++)
        for (size_t i = 0; ok && i < np; i++) {
            result res = {0};
            ok = run_once(files, 2, masks[i], &s, &res);
            keep(&best[i], &res, r == 0);
        }
    if (ok) {
        const result *ing = &best[0], *all = &best[1];
        double n = (double)ing->events, det = (all->ns - ing->ns) / n;
        printf("%zu events (%zu Zeek JSON: 50k conn pairs, 1/16 HTTP, 1/16 DNS, 1/32 SMB/RDP; %zu Windows "
               "JSON), %zu rejected; CPU time, fastest of %d rounds\n",
               ing->events, n_net, n_win, ing->errors, reps);
        printf("  ingest alone         %6.0f ns/event (%.2fM events/s)\n", ing->ns / n, 1e3 * n / ing->ns);
        if (reps > 1) {
            const result *pr = &best[2];
            double sum = 0;
            printf("  each detector among the others (time stamp counter; %llu preempted calls dropped):\n",
                   (unsigned long long)pr->dropped);
            for (size_t k = 0; k < N_NAMES; k++) {
                printf("    %-18s %6.0f ns/event\n", names[k], pr->det_ns[k]);
                sum += pr->det_ns[k];
            }
            printf("    %-18s %6.0f ns/event\n", "sum", sum);
        }
        for (size_t i = 3; i < np; i++) {
            size_t k = (size_t)__builtin_ctz(masks[i]);
            printf("  %-20s %6.0f ns/event alone (minus ingest alone), finish %.0f ms, %zu alerts\n",
                   names[k], (best[i].ns - ing->ns) / n, best[i].finish_ns / 1e6, best[i].alerts);
        }
        printf("  all together         %6.0f ns/event (minus ingest alone), finish %.0f ms, %zu alerts\n",
               det, all->finish_ns / 1e6, all->alerts);
        printf("detectors / ingest = %.2f (goal <= 1.0)\n", det / (ing->ns / n));
    }
    ts_scratch_free(&s);
    if (!getenv("TOCSIN_BENCH_KEEP")) {
        remove(net);
        remove(win);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("  peak RSS %.0f MB\n", ru.ru_maxrss / 1024.0);
    return ok ? 0 : 1;
}
