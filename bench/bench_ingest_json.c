/* bench_ingest_json.c: JSON ingest speed against plain simdjson. Writes Suricata EVE and
 * Zeek JSON NDJSON files, then times (1) simdjson On-Demand visiting every field (per line
 * and with iterate_many), (2) our walker alone and (3) the readers producing ts_events
 * through a sink, in process CPU time (file reads included for the readers only). Usage:
 * bench_ingest_json [suricata-MB] [zeek-MB] [dir]. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/input.h"
#include "core/json.h"
#include "ingest/ingest.h"
#include "simdjson_baseline.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); /* CPU time: the machine is shared */
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* One Suricata-like record of a rotating event type. */
static int eve_record(char *b, size_t cap, uint64_t i)
{
    unsigned a = rnd(256), c = rnd(256), d = rnd(256), sp = 1024 + rnd(60000);
    long long us = 1521911720000000LL + (long long)i * 1000;
    switch (i % 5) {
    case 0:
        return snprintf(
            b, cap,
            "{\"timestamp\":\"2018-03-24T14:%02lld:%02lld.%06lld-0600\",\"flow_id\":%" PRIu64
            ",\"in_iface\":\"eth0\",\"event_type\":\"alert\",\"src_ip\":\"10.%u.%u.%u\",\"src_port\":%u,"
            "\"dest_ip\":\"203.0.113.%u\",\"dest_port\":443,\"proto\":\"TCP\",\"alert\":{\"action\":"
            "\"allowed\",\"gid\":1,\"signature_id\":%u,\"rev\":5,\"signature\":\"ET POLICY Suspicious "
            "TLS %u\",\"category\":\"Potential Corporate Privacy Violation\",\"severity\":2},\"flow\":"
            "{\"pkts_toserver\":%u,\"pkts_toclient\":%u,\"bytes_toserver\":%u,\"bytes_toclient\":%u,"
            "\"start\":\"2018-03-24T14:37:19.037299-0600\"}}\n",
            us / 60000000 % 60, us / 1000000 % 60, us % 1000000, i * 7919, a, c, d, sp, d,
            2000000 + rnd(9999), rnd(99), rnd(50), rnd(50), rnd(90000), rnd(90000));
    case 1:
        return snprintf(
            b, cap,
            "{\"timestamp\":\"2018-03-24T14:37:19.%06lld-0600\",\"flow_id\":%" PRIu64
            ",\"event_type\":\"dns\",\"src_ip\":\"10.%u.%u.%u\",\"src_port\":%u,\"dest_ip\":"
            "\"10.0.0.53\",\"dest_port\":53,\"proto\":\"UDP\",\"dns\":{\"version\":2,\"type\":\"query\","
            "\"id\":%u,\"queries\":[{\"rrname\":\"host%u.example%u.com\",\"rrtype\":\"A\"}]}}\n",
            us % 1000000, i * 7919, a, c, d, sp, rnd(65535), rnd(100000), rnd(500));
    case 2:
        return snprintf(
            b, cap,
            "{\"timestamp\":\"2018-03-24T14:37:19.%06lld-0600\",\"flow_id\":%" PRIu64
            ",\"event_type\":\"http\",\"src_ip\":\"10.%u.%u.%u\",\"src_port\":%u,\"dest_ip\":"
            "\"198.51.100.%u\",\"dest_port\":80,\"proto\":\"TCP\",\"tx_id\":0,\"http\":{\"hostname\":"
            "\"www%u.example.org\",\"url\":\"/path/%u/index.php?id=%u\",\"http_user_agent\":\"Mozilla/5.0 "
            "(Windows NT 10.0; Win64; x64)\",\"http_content_type\":\"text/html\",\"http_method\":\"GET\","
            "\"protocol\":\"HTTP/1.1\",\"status\":200,\"length\":%u}}\n",
            us % 1000000, i * 7919, a, c, d, sp, d, rnd(1000), rnd(1000), rnd(100000), rnd(100000));
    case 3:
        return snprintf(
            b, cap,
            "{\"timestamp\":\"2018-03-24T14:37:19.%06lld-0600\",\"flow_id\":%" PRIu64
            ",\"event_type\":\"tls\",\"src_ip\":\"10.%u.%u.%u\",\"src_port\":%u,\"dest_ip\":"
            "\"192.0.2.%u\",\"dest_port\":443,\"proto\":\"TCP\",\"tls\":{\"subject\":\"CN=site%u.example."
            "net\","
            "\"issuerdn\":\"C=US, O=Let's Encrypt, CN=R3\",\"serial\":\"04:AB:%02X\",\"fingerprint\":"
            "\"aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:%02x\",\"sni\":\"site%u.example."
            "net\","
            "\"version\":\"TLS "
            "1.2\",\"notbefore\":\"2018-01-01T00:00:00\",\"notafter\":\"2018-04-01T00:00:00\"}}\n",
            us % 1000000, i * 7919, a, c, d, sp, d, rnd(5000), rnd(255), rnd(255), rnd(5000));
    default:
        return snprintf(
            b, cap,
            "{\"timestamp\":\"2018-03-24T14:37:19.%06lld-0600\",\"flow_id\":%" PRIu64
            ",\"event_type\":\"flow\",\"src_ip\":\"10.%u.%u.%u\",\"src_port\":%u,\"dest_ip\":"
            "\"10.%u.0.%u\",\"dest_port\":%u,\"proto\":\"TCP\",\"app_proto\":\"failed\",\"flow\":{"
            "\"pkts_toserver\":%u,\"pkts_toclient\":%u,\"bytes_toserver\":%u,\"bytes_toclient\":%u,\"start\":"
            "\"2018-03-24T14:37:19.037299-0600\",\"end\":\"2018-03-24T14:37:20.037299-0600\",\"age\":1,"
            "\"state\":\"closed\",\"reason\":\"timeout\",\"alerted\":false},\"tcp\":{\"tcp_flags\":\"1b\","
            "\"syn\":true,\"fin\":true,\"psh\":true,\"ack\":true,\"state\":\"closed\"}}\n",
            us % 1000000, i * 7919, a, c, d, sp, c, d, rnd(65535), rnd(99), rnd(99), rnd(90000), rnd(90000));
    }
}

/* One Zeek JSON conn or dns record. */
static int zeek_record(char *b, size_t cap, uint64_t i)
{
    unsigned a = rnd(256), c = rnd(256), d = rnd(256), sp = 1024 + rnd(60000);
    double ts = 1521911720.0 + (double)i * 0.001;
    if (i % 2)
        return snprintf(
            b, cap,
            "{\"_path\":\"conn\",\"ts\":%.6f,\"uid\":\"C%08" PRIx64 "abc\",\"id.orig_h\":\"10.%u.%u.%u\","
            "\"id.orig_p\":%u,\"id.resp_h\":\"203.0.113.%u\",\"id.resp_p\":443,\"proto\":\"tcp\",\"service\":"
            "\"ssl\",\"duration\":%u.%03u,\"orig_bytes\":%u,\"resp_bytes\":%u,\"conn_state\":\"SF\","
            "\"local_orig\":true,\"local_resp\":false,\"missed_bytes\":0,\"history\":\"ShADadFf\","
            "\"orig_pkts\":%u,\"orig_ip_bytes\":%u,\"resp_pkts\":%u,\"resp_ip_bytes\":%u}\n",
            ts, i, a, c, d, sp, d, rnd(100), rnd(1000), rnd(90000), rnd(900000), rnd(99), rnd(90000), rnd(99),
            rnd(900000));
    return snprintf(
        b, cap,
        "{\"_path\":\"dns\",\"ts\":%.6f,\"uid\":\"C%08" PRIx64 "dns\",\"id.orig_h\":\"10.%u.%u.%u\","
        "\"id.orig_p\":%u,\"id.resp_h\":\"10.0.0.53\",\"id.resp_p\":53,\"proto\":\"udp\",\"trans_id\":%u,"
        "\"rtt\":0.000870,\"query\":\"host%u.example%u.com\",\"qclass\":1,\"qclass_name\":\"C_INTERNET\","
        "\"qtype\":1,\"qtype_name\":\"A\",\"rcode\":0,\"rcode_name\":\"NOERROR\",\"AA\":false,\"TC\":false,"
        "\"RD\":true,\"RA\":true,\"Z\":0,\"answers\":[\"192.0.2.%u\"],\"TTLs\":[300.0],\"rejected\":false}\n",
        ts, i, a, c, d, sp, rnd(65535), rnd(100000), rnd(500), d);
}

static size_t generate(const char *path, size_t mb, int (*rec)(char *, size_t, uint64_t))
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    char b[2048];
    size_t total = 0, want = mb << 20;
    for (uint64_t i = 0; total < want; i++) {
        int n = rec(b, sizeof b, i);
        if (n <= 0 || (size_t)n >= sizeof b || fwrite(b, 1, (size_t)n, f) != (size_t)n)
            break;
        total += (size_t)n;
    }
    fclose(f);
    return total;
}

static char *load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = n > 0 ? malloc((size_t)n + TS_JSON_PAD) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b)
        memset(b + n, 0, TS_JSON_PAD);
    *len = (size_t)n;
    return b;
}

static int noop_leaf(void *ud, const char *path, size_t plen, ts_json_type t, const char *v, size_t n)
{
    (void)path, (void)t, (void)v;
    *(size_t *)ud += plen + n;
    return 0;
}

static size_t walker(ts_json *j, const char *buf, size_t len, size_t *records)
{
    size_t sum = 0, n = 0;
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (ts_json_walk(j, p, l, noop_leaf, &sum, NULL) == TOCSIN_OK)
            n++;
        p += l + 1;
    }
    *records = n;
    return sum;
}

typedef struct counts {
    uint64_t events, errors, typed;
} counts;

static void on_event(void *ud, ts_event *ev)
{
    counts *c = ud;
    c->events++;
    c->typed += ev->dst_port + ev->domain.n + ev->rule_name.n + ev->n_fields;
}

static void on_error(void *ud, const ts_diag *dg)
{
    (void)dg;
    ((counts *)ud)->errors++;
}

static double run_reader(const char *path, const char *name, ts_scratch *s, counts *c)
{
    ts_input *in;
    char err[256];
    memset(c, 0, sizeof *c);
    if (ts_input_open(path, &in, err, sizeof err) != TOCSIN_OK)
        return 0;
    ts_sink sink = {on_event, on_error, c};
    double t0 = now();
    ts_reader_find(name)->read(in, s, &sink);
    double dt = now() - t0;
    ts_input_close(in);
    return dt;
}

static void line(const char *what, size_t bytes, uint64_t records, double dt)
{
    printf("  %-34s %8.1f MB/s %10.0f records/s  (%.3f s)\n", what, (double)bytes / dt / 1e6,
           (double)records / dt, dt);
}

typedef size_t (*base_fn)(const char *, size_t, size_t *);

static double best(base_fn fn, const char *buf, size_t len, size_t *records)
{
    double b = 1e30;
    for (int k = 0; k < 2; k++) {
        double t0 = now();
        volatile size_t sum = fn(buf, len, records);
        (void)sum;
        double dt = now() - t0;
        if (dt < b)
            b = dt;
    }
    return b;
}

static void bench(const char *path, size_t mb, int (*rec)(char *, size_t, uint64_t), const char *reader,
                  ts_scratch *s)
{
    size_t bytes = generate(path, mb, rec), len = 0, nrec = 0;
    char *buf = load(path, &len);
    if (!bytes || !buf) {
        fprintf(stderr, "cannot write or read %s\n", path);
        free(buf);
        return;
    }
    printf("%s: %.1f MB of NDJSON for %s\n", path, (double)len / 1e6, reader);
    double t_lines = best(simd_baseline_lines, buf, len, &nrec);
    line("simdjson On-Demand, per line", len, nrec, t_lines);
    size_t nmany = 0;
    double t_many = best(simd_baseline_many, buf, len, &nmany);
    line("simdjson On-Demand, iterate_many", len, nmany, t_many);
    double t_walk = 1e30;
    for (int k = 0; k < 2; k++) {
        double t0 = now();
        volatile size_t sum = walker(s->json, buf, len, &nrec);
        (void)sum;
        double dt = now() - t0;
        t_walk = dt < t_walk ? dt : t_walk;
    }
    line("ts_json_walk (paths, no events)", len, nrec, t_walk);
    free(buf);
    counts c;
    double t_read = 1e30;
    for (int k = 0; k < 2; k++) {
        double dt = run_reader(path, reader, s, &c);
        t_read = dt < t_read ? dt : t_read;
    }
    char what[64];
    snprintf(what, sizeof what, "%s reader -> ts_event sink", reader);
    line(what, len, c.events, t_read);
    double base = t_lines < t_many ? t_lines : t_many;
    printf("  events %" PRIu64 ", errors %" PRIu64 "; reader at %.0f%% of the fastest baseline, "
           "%.0f%% of per-line simdjson\n",
           c.events, c.errors, 100.0 * base / t_read, 100.0 * t_lines / t_read);
    if (!getenv("TOCSIN_BENCH_KEEP"))
        remove(path);
}

int main(int argc, char **argv)
{
    size_t eve_mb = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 200;
    size_t zeek_mb = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 100;
    const char *dir = argc > 3 ? argv[3] : "/tmp";
    ts_scratch s;
    if (ts_scratch_init(&s) != TOCSIN_OK)
        return 1;
    char path[512];
    if (eve_mb) {
        snprintf(path, sizeof path, "%s/tocsin_bench_eve.json", dir);
        bench(path, eve_mb, eve_record, "suricata-eve", &s);
    }
    if (zeek_mb) {
        snprintf(path, sizeof path, "%s/tocsin_bench_zeek.json", dir);
        bench(path, zeek_mb, zeek_record, "zeek-json", &s);
    }
    ts_scratch_free(&s);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %ld MB (the in-memory copy for the baselines included)\n", ru.ru_maxrss / 1024);
    return 0;
}
