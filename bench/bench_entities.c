/* bench_entities.c: peak memory of every stateful detector and the correlator's address bindings
 * when every event brings new accounts, hosts and address pairs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/input.h"
#include "correlate/correlate.h"
#include "detect/detect.h"
#include "ingest/ingest.h"

/*
 * Issue 11's goal: memory per entity has a stated bound. Each event names entities never
 * seen before (an account, a workstation, a server, an inside and an outside address),
 * so every table grows until its cap and then forgets its least recently seen entries.
 * The events are written as files in chunks (Windows evtx_dump JSON lines and Zeek JSON),
 * read back by the real readers, marked internal or not as the enrich stage would, and
 * fed to the correlator's address bindings and to every detector that keeps state (with
 * data/detect.conf's defaults, or the file given as TOCSIN_BENCH_CONFIG). Alerts are
 * counted and freed: they are the run's output, not entity state.
 *
 * Ten kinds of events, in turn, entity number e = the event's index:
 *   4624 network logon of account u<e> from WS<e> (10.x.y.z), 4625 failure of f<e> from
 *   an outside address, a Zeek conn from an inside to an outside address, Sysmon 23
 *   deletion of a document by a program on WS<e>, 7036 service stop on SRV<e>, 5140
 *   share access by s<e> on FS<e>, 4672 privileges of p<e>, 7045 service Svc<e>
 *   installed on SRV<e>, Sysmon 11 file created on E: of WS<e>, and a Zeek conn from one
 *   inside address to another's SMB port.
 * Prints, per chunk, events so far and the peak resident set (getrusage ru_maxrss);
 * at the end every table's kept/cap/evicted/bytes/bound and the totals.
 * Usage: bench_entities [events (10,000,000) [chunk (500,000) [dir]]].
 */

#define T0_S 1702080000.0 /* 2023-12-09 00:00 UTC */
#define SPAN_S (10 * 86400.0)

static double peak_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* KiB on Linux */
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

/* Entity e's inside address (10.0.0.0/8 holds 16M) and outside address. */
static void inside(size_t e, char *b, size_t n)
{
    snprintf(b, n, "10.%u.%u.%u", (unsigned)(e >> 16) & 255, (unsigned)(e >> 8) & 255, (unsigned)e & 255);
}
static void outside(size_t e, char *b, size_t n)
{
    snprintf(b, n, "%u.%u.%u.%u", 20 + (unsigned)(e >> 24) % 150, (unsigned)(e >> 16) & 255,
             (unsigned)(e >> 8) & 255, (unsigned)e & 255);
}

static void zeek_line(FILE *f, size_t e, double ts, bool smb)
{
    char src[16], dst[16];
    inside(e, src, sizeof src);
    if (smb)
        inside(e + 7777777, dst, sizeof dst);
    else
        outside(e, dst, sizeof dst);
    fprintf(f,
            "{\"_path\":\"conn\",\"ts\":%.6f,\"uid\":\"C%zx\",\"id.orig_h\":\"%s\",\"id.orig_p\":%u,"
            "\"id.resp_h\":\"%s\",\"id.resp_p\":%u,\"proto\":\"tcp\",\"duration\":0.8,"
            "\"orig_bytes\":%u,\"resp_bytes\":%u,\"conn_state\":\"SF\",\"missed_bytes\":0,"
            "\"history\":\"ShADadfF\",\"orig_pkts\":9,\"resp_pkts\":8}\n",
            ts, e, src, 49152 + (unsigned)(e % 16000), dst, smb ? 445 : 443, 1200 + (unsigned)(e % 900),
            3000 + (unsigned)(e % 700));
}

static void win_line(FILE *f, size_t e, double ts, unsigned kind)
{
    static const char *const sec = "Microsoft-Windows-Security-Auditing",
                             *const sysmon = "Microsoft-Windows-Sysmon",
                             *const scm = "Service Control Manager",
                             *const smc = "Microsoft-Windows-Sysmon/Operational";
    char host[32], ip[16];
    switch (kind) {
    case 0:
        snprintf(host, sizeof host, "SRV%zu.corp.local", e % 300);
        inside(e, ip, sizeof ip);
        win_head(f, sec, 4624, ts, e, "Security", host);
        fprintf(f,
                "\"TargetUserName\":\"u%zu\",\"TargetDomainName\":\"CORP\",\"TargetLogonId\":\"0x%zx\","
                "\"LogonType\":\"3\",\"LogonProcessName\":\"NtLmSsp\",\"AuthenticationPackageName\":\"NTLM\","
                "\"WorkstationName\":\"WS%zu\",\"IpAddress\":\"%s\",\"IpPort\":\"50000\"}}}\n",
                e, e, e, ip);
        return;
    case 1:
        snprintf(host, sizeof host, "SRV%zu.corp.local", e % 300);
        outside(e, ip, sizeof ip);
        win_head(f, sec, 4625, ts, e, "Security", host);
        fprintf(f,
                "\"TargetUserName\":\"f%zu\",\"TargetDomainName\":\"CORP\",\"Status\":\"0xc000006d\","
                "\"SubStatus\":\"0xc000006a\",\"LogonType\":\"3\",\"WorkstationName\":\"-\","
                "\"IpAddress\":\"%s\",\"IpPort\":\"0\"}}}\n",
                e, ip);
        return;
    case 3:
        snprintf(host, sizeof host, "WS%zu", e);
        win_head(f, sysmon, 23, ts, e, smc, host);
        fprintf(f,
                "\"UtcTime\":\"-\",\"ProcessId\":\"4242\",\"User\":\"CORP\\\\u%zu\",\"Image\":\"C:"
                "\\\\Tools\\\\t%zu.exe\","
                "\"TargetFilename\":\"C:\\\\Users\\\\u%zu\\\\Documents\\\\r%zu.docx\",\"IsExecutable\":"
                "\"false\"}}}\n",
                e, e % 1000, e, e);
        return;
    case 4:
        snprintf(host, sizeof host, "SRV%zu", e);
        win_head(f, scm, 7036, ts, e, "System", host);
        fprintf(f, "\"param1\":\"Svc%zu\",\"param2\":\"stopped\"}}}\n", e % 50);
        return;
    case 5:
        snprintf(host, sizeof host, "FS%zu", e);
        inside(e, ip, sizeof ip);
        win_head(f, sec, 5140, ts, e, "Security", host);
        fprintf(f,
                "\"SubjectUserName\":\"s%zu\",\"SubjectDomainName\":\"CORP\",\"SubjectLogonId\":\"0x%zx\","
                "\"ObjectType\":\"File\",\"IpAddress\":\"%s\",\"IpPort\":\"50001\",\"ShareName\":\"\\\\\\\\*"
                "\\\\Share%zu\","
                "\"ShareLocalPath\":\"\\\\??\\\\D:\\\\Share%zu\",\"AccessMask\":\"0x1\"}}}\n",
                e, e, ip, e, e);
        return;
    case 6:
        snprintf(host, sizeof host, "SRV%zu.corp.local", e % 300);
        win_head(f, sec, 4672, ts, e, "Security", host);
        fprintf(f,
                "\"SubjectUserName\":\"p%zu\",\"SubjectDomainName\":\"CORP\",\"SubjectLogonId\":\"0x%zx\","
                "\"PrivilegeList\":\"SeBackupPrivilege SeRestorePrivilege SeDebugPrivilege\"}}}\n",
                e, e);
        return;
    case 7:
        snprintf(host, sizeof host, "SRV%zu", e);
        win_head(f, scm, 7045, ts, e, "System", host);
        fprintf(f,
                "\"ServiceName\":\"Svc%zu\",\"ImagePath\":\"C:\\\\Program Files\\\\Svc%zu\\\\svc.exe\","
                "\"ServiceType\":\"user mode service\",\"StartType\":\"auto "
                "start\",\"AccountName\":\"LocalSystem\"}}}\n",
                e, e);
        return;
    default:
        snprintf(host, sizeof host, "WS%zu", e);
        win_head(f, sysmon, 11, ts, e, smc, host);
        fprintf(f,
                "\"UtcTime\":\"-\",\"ProcessId\":\"4242\",\"Image\":\"C:\\\\Windows\\\\explorer.exe\","
                "\"TargetFilename\":\"E:\\\\copy%zu.zip\",\"User\":\"CORP\\\\u%zu\"}}}\n",
                e, e);
        return;
    }
}

/* Writes events [from, to) of n: Windows kinds to one file, Zeek kinds to the other. */
static bool write_chunk(const char *win, const char *zeek, size_t from, size_t to, size_t n)
{
    FILE *fw = fopen(win, "w"), *fz = fopen(zeek, "w");
    if (!fw || !fz) {
        if (fw)
            fclose(fw);
        if (fz)
            fclose(fz);
        return false;
    }
    for (size_t i = from; i < to; i++) {
        double ts = T0_S + (double)i / (double)n * SPAN_S;
        unsigned kind = (unsigned)(i % 10);
        if (kind == 2 || kind == 9)
            zeek_line(fz, i, ts, kind == 9);
        else
            win_line(fw, i, ts, kind);
    }
    bool ok = !ferror(fw) && !ferror(fz);
    ok &= fclose(fw) == 0;
    ok &= fclose(fz) == 0;
    return ok;
}

#define MAX_DET 16

typedef struct run {
    const ts_detector *d[MAX_DET];
    void *st[MAX_DET];
    size_t n;
    ts_correlator *corr;
    ts_alert_sink out;
    size_t events, alerts, errors;
} run;

static void count_alert(void *ud, ts_alert *a)
{
    ((run *)ud)->alerts++;
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
    run *r = ud;
    r->events++;
    mark(&ev->src_ip, &ev->src_geo);
    mark(&ev->dst_ip, &ev->dst_geo);
    ts_correlator_observe(r->corr, ev);
    for (size_t k = 0; k < r->n; k++)
        r->d[k]->event(r->st[k], ev, &r->out);
}

static void on_error(void *ud, const ts_diag *dg)
{
    run *r = ud;
    if (!r->errors++)
        fprintf(stderr, "first rejected record: %s\n", dg->msg ? dg->msg : "?");
}

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
    const ts_reader *rd = hl ? ts_reader_detect(head, hl) : NULL;
    bool ok = rd && rd->read(in, s, sink) == TOCSIN_OK;
    ts_input_close(in);
    return ok;
}

static void print_use(const char *owner, const ts_state_use *u, uint64_t *bytes, uint64_t *bound,
                      uint64_t *ev)
{
    printf("  %-12s %-26s %10llu kept %10llu cap %11llu %s %8.1f MB (bound %8.1f MB)\n", owner, u->table,
           (unsigned long long)u->kept, (unsigned long long)u->cap, (unsigned long long)u->evicted,
           u->refuses ? "refused" : "evicted", (double)u->bytes / 1048576.0, (double)u->bound / 1048576.0);
    *bytes += u->bytes;
    *bound += u->bound;
    *ev += u->evicted;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
    size_t chunk = argc > 2 ? strtoull(argv[2], NULL, 10) : 500000;
    const char *dir = argc > 3 ? argv[3] : "/tmp";
    if (!n || !chunk) {
        fprintf(stderr, "usage: bench_entities [events [chunk [dir]]]\n");
        return 2;
    }
    const char *cfg_path = getenv("TOCSIN_BENCH_CONFIG");
    ts_config *cfg = NULL;
    ts_config_load(cfg_path ? cfg_path : TOCSIN_DATA_DIR "/detect.conf", &cfg, NULL, NULL);
    double base = peak_mb();

    run r = {.out = {count_alert, NULL}};
    r.out.ud = &r;
    r.corr = ts_correlator_new(0);
    ts_correlator_configure(r.corr, cfg);
    ts_detect_ctx ctx = {.config = cfg, .data_dir = TOCSIN_DATA_DIR};
    for (size_t i = 0; ts_detectors[i] && r.n < MAX_DET; i++) {
        const ts_detector *d = ts_detectors[i];
        if (!d->usage)
            continue; /* no state that grows with the input */
        void *st = calloc(1, d->state_size);
        if (!st || d->init(st, &ctx) != TOCSIN_OK) {
            fprintf(stderr, "detector %s does not start\n", d->name);
            return 1;
        }
        r.d[r.n] = d;
        r.st[r.n++] = st;
    }
    ts_scratch s;
    if (!r.corr || ts_scratch_init(&s) != TOCSIN_OK)
        return 1;
    char win[512], zeek[512];
    snprintf(win, sizeof win, "%s/bench_entities_%d_win.json", dir, (int)getpid());
    snprintf(zeek, sizeof zeek, "%s/bench_entities_%d_zeek.log", dir, (int)getpid());
    ts_sink sink = {on_event, on_error, &r};
    printf("%zu events in chunks of %zu; peak RSS before the detectors start: %.1f MB\n", n, chunk, base);
    clock_t c0 = clock();
    for (size_t from = 0; from < n; from += chunk) {
        size_t to = from + chunk < n ? from + chunk : n;
        if (!write_chunk(win, zeek, from, to, n) || !read_file(win, &s, &sink) ||
            !read_file(zeek, &s, &sink)) {
            fprintf(stderr, "chunk at %zu failed\n", from);
            remove(win), remove(zeek);
            return 1;
        }
        printf("  %10zu events read, peak RSS %8.1f MB\n", r.events, peak_mb());
        fflush(stdout);
    }
    remove(win), remove(zeek);
    for (size_t k = 0; k < r.n; k++)
        if (r.d[k]->finish)
            r.d[k]->finish(r.st[k], &r.out);
    double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;

    uint64_t bytes = 0, bound = 0, evicted = 0;
    printf("tables at the end (kept, cap, evicted least recently seen first or, for fixed tables, refused; "
           "memory now and at the cap):\n");
    for (size_t k = 0; k < r.n; k++) {
        ts_state_use u[32];
        size_t m = r.d[k]->usage(r.st[k], u, 32);
        for (size_t i = 0; i < m && i < 32; i++)
            print_use(r.d[k]->name, &u[i], &bytes, &bound, &evicted);
    }
    ts_state_use cu;
    if (ts_correlator_usage(r.corr, &cu, 1))
        print_use("correlate", &cu, &bytes, &bound, &evicted);
    double peak = peak_mb();
    printf("events %zu (rejected %zu), alerts %zu, CPU %.1f s\n", r.events, r.errors, r.alerts, cpu);
    printf("state held %.1f MB, bound at the caps %.1f MB, %llu entries evicted\n", (double)bytes / 1048576.0,
           (double)bound / 1048576.0, (unsigned long long)evicted);
    printf("peak RSS %.1f MB (%.1f MB before the detectors started; the readers' buffers, a chunk's pages "
           "and the allocator's slack included)\n",
           peak, base);
    for (size_t k = 0; k < r.n; k++) {
        ts_detector_fini(r.d[k], r.st[k]);
        free(r.st[k]);
    }
    ts_correlator_free(r.corr);
    ts_scratch_free(&s);
    ts_config_free(cfg);
    return r.errors ? 1 : 0;
}
