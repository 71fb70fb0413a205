/* fuzz_behaviour.c: libFuzzer target: the exfil detector's saved state as hostile input, and hostile event
 * fields through the beacon and exfil detectors. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>
#include <unistd.h>

#include "core/config.h"
#include "detect/detect.h"

/*
 * The first byte picks the mode. 'S': the rest is a saved exfil state (as the store gives
 * it back); a blob that loads must save and load again. Otherwise the input is records
 * separated by '\n', each "kind|src|dst|port|seconds|bytes|text|text2": kind c (conn),
 * h (HTTP; text is the method, text2 the uri), t (TLS; text is the SNI), p (process
 * creation; text the image, text2 the command line, src the host name). Each value is
 * copied into its own exact-size allocation so ASan sees overreads.
 */

/* Small tables and low thresholds, so that eviction and alerts happen on small inputs
 * (and each run stays cheap). */
static const ts_config *small_config(void)
{
    static ts_config *cfg;
    if (cfg)
        return cfg;
    char path[] = "/tmp/fuzz_behaviour.XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f)
        abort();
    fputs(
        "[beacon]\nmin_connections = 4\nthreshold = 0.3\nmax_pairs = 16\nmax_samples = 64\njoin_cache = 16\n"
        "[exfil]\nmin_bytes = 1000\nmin_peers = 2\nmin_days = 2\nmax_hosts = 16\n",
        f);
    fclose(f);
    if (ts_config_load(path, &cfg, NULL, NULL) != TOCSIN_OK)
        abort();
    unlink(path);
    return cfg;
}

static const ts_detector *find(const char *name)
{
    return ts_detector_find(name, strlen(name));
}

static void drop(void *ud, ts_alert *a)
{
    (void)ud;
    ts_alert_free(a);
}

static void fuzz_state(const ts_detector *d, const uint8_t *data, size_t size)
{
    void *st = calloc(1, d->state_size);
    ts_detect_ctx ctx = {NULL, NULL, small_config()};
    if (d->init(st, &ctx) == TOCSIN_OK && d->load(st, data, size) == TOCSIN_OK) {
        void *blob = NULL;
        size_t len = 0;
        if (d->save(st, &blob, &len) == TOCSIN_OK) {
            void *st2 = calloc(1, d->state_size);
            if (d->init(st2, &ctx) == TOCSIN_OK && d->load(st2, blob, len) != TOCSIN_OK)
                abort(); /* what we saved we must read back */
            d->fini(st2);
            free(st2);
            free(blob);
        }
    }
    d->fini(st);
    free(st);
}

#define NF 8

/* Splits one record at '|' into up to NF exact-size copies. */
static size_t split(const char *p, size_t n, char **v, size_t *len)
{
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= n && k < NF; i++)
        if (i == n || p[i] == '|') {
            len[k] = i - start;
            v[k] = malloc(len[k] ? len[k] : 1);
            memcpy(v[k], p + start, len[k]);
            k++;
            start = i + 1;
        }
    return k;
}

static void fill(ts_event *ev, char **v, size_t *len, size_t k, ts_field *f)
{
    ts_str s[NF];
    for (size_t i = 0; i < NF; i++)
        s[i] = i < k ? ts_str_make(v[i], len[i]) : ts_str_make(NULL, 0);
    uint64_t port = 0, secs = 0, bytes = 0;
    ts_parse_u64(s[3], &port);
    ts_parse_u64(s[4], &secs);
    ts_parse_u64(s[5], &bytes);
    char kind = s[0].n ? s[0].p[0] : 'c';
    ts_event_clear(ev);
    ev->ts_ns = (int64_t)(secs % 4000000000ULL) * 1000000000LL;
    ts_ip_parse(s[1], &ev->src_ip);
    ts_ip_parse(s[2], &ev->dst_ip);
    ev->dst_port = (uint16_t)port;
    ev->bytes_out = bytes;
    ev->bytes_in = bytes / 3;
    f[0] = (ts_field){ts_str_c("uid"), s[6]};
    f[1] = (ts_field){ts_str_c("uri"), s[7]};
    ev->fields = f;
    ev->n_fields = 2;
    if (kind == 'h') {
        ev->dataset = ts_str_c("zeek.http");
        ev->category = TS_CAT_NETWORK | TS_CAT_WEB;
        ev->action = s[6];
        ev->domain = s[7];
        ev->url = s[7];
    } else if (kind == 't') {
        ev->dataset = ts_str_c("zeek.ssl");
        ev->category = TS_CAT_NETWORK | TS_CAT_TLS;
        ev->domain = s[6];
    } else if (kind == 'p') {
        ev->category = TS_CAT_PROCESS;
        ev->action = ts_str_c("process-created");
        ev->host = s[1];
        ev->process = s[6];
        ev->command_line = s[7];
    } else {
        ev->dataset = ts_str_c("zeek.conn");
        ev->category = TS_CAT_NETWORK | TS_CAT_SESSION;
        ev->type = TS_TYPE_CONNECTION | TS_TYPE_END;
        ev->protocol = s[7];
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const ts_detector *ex = find("exfil"), *bc = find("beacon");
    if (size && data[0] == 'S') {
        fuzz_state(ex, data + 1, size - 1);
        return 0;
    }
    const ts_detector *d[2] = {bc, ex};
    void *st[2];
    ts_detect_ctx ctx = {NULL, NULL, small_config()};
    ts_alert_sink sink = {drop, NULL};
    for (int i = 0; i < 2; i++) {
        st[i] = calloc(1, d[i]->state_size);
        d[i]->init(st[i], &ctx);
    }
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        char *v[NF];
        size_t len[NF];
        size_t k = split(p, (size_t)(le - p), v, len);
        ts_event ev;
        ts_field f[2];
        fill(&ev, v, len, k, f);
        for (int i = 0; i < 2; i++)
            d[i]->event(st[i], &ev, &sink);
        for (size_t i = 0; i < k; i++)
            free(v[i]);
        p = le + 1;
    }
    for (int i = 0; i < 2; i++) {
        if (d[i]->finish)
            d[i]->finish(st[i], &sink);
        d[i]->fini(st[i]);
        free(st[i]);
    }
    return 0;
}
