/* fuzz_intrusion.c: libFuzzer target: hostile events through the credential, lateral, destruction and
 * collection detectors, and hostile saved state through their load hooks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"

/*
 * Input, first byte:
 *   >= 0x80: the rest is a saved blob for detector (byte % 4); it is loaded, a few
 *            fixed events run over whatever it holds, and it is saved again.
 *   else:    the rest is events: "name=value" lines, a blank line ends an event. Names:
 *            code, ds (dataset), act, user, host, srchost, src, dst, port, lt (logon type),
 *            out (s or f), dt (seconds after the previous event), cc, asn, proc, parent,
 *            cmd, proto, path; "F.Key=value" adds a raw field. All four detectors see every
 *            event with state kept across the input; then each saves and reloads.
 * Values are copied into exact-size allocations so ASan sees overreads.
 */

static const char *const names[] = {"credential", "lateral", "destruction", "collection"};
#define N_DET (sizeof names / sizeof *names)

static const ts_detector *find(const char *name)
{
    return ts_detector_find(name, strlen(name));
}

static void drop(void *ud, ts_alert *a)
{
    (void)ud;
    ts_alert_free(a);
}
static const ts_alert_sink sink = {drop, NULL};

#define MAXV 64
#define MAXF 16

typedef struct script {
    char *vals[MAXV];
    size_t nv;
    ts_field f[MAXF];
    ts_event ev;
    int64_t ts;
} script;

static ts_str keep(script *s, const char *p, size_t n)
{
    if (s->nv == MAXV)
        return TS_STR_NULL;
    char *v = malloc(n ? n : 1);
    memcpy(v, p, n);
    s->vals[s->nv++] = v;
    return ts_str_make(v, n);
}

static void set(script *s, ts_str name, ts_str v)
{
    ts_event *ev = &s->ev;
    uint64_t num;
    bool isnum = ts_parse_u64(v, &num);
    if (ts_str_istarts(name, "F.") && ev->n_fields < MAXF) {
        s->f[ev->n_fields++] = (ts_field){keep(s, name.p + 2, name.n - 2), v};
        ev->fields = s->f;
    } else if (ts_str_eq(name, "code") && isnum) {
        ev->code = (uint32_t)num;
        ev->has_code = true;
    } else if (ts_str_eq(name, "ds")) {
        ev->dataset = v;
    } else if (ts_str_eq(name, "act")) {
        ev->action = v;
    } else if (ts_str_eq(name, "user")) {
        ev->user = v;
    } else if (ts_str_eq(name, "host")) {
        ev->host = v;
    } else if (ts_str_eq(name, "srchost")) {
        ev->src_host = v;
    } else if (ts_str_eq(name, "src")) {
        ts_ip_parse(v, &ev->src_ip);
    } else if (ts_str_eq(name, "dst")) {
        ts_ip_parse(v, &ev->dst_ip);
    } else if (ts_str_eq(name, "port") && isnum) {
        ev->dst_port = (uint16_t)num;
    } else if (ts_str_eq(name, "lt") && isnum) {
        ev->logon_type = (int)(num & 0xff);
    } else if (ts_str_eq(name, "out")) {
        ev->outcome = ts_str_eq(v, "s") ? TS_OUTCOME_SUCCESS : TS_OUTCOME_FAILURE;
    } else if (ts_str_eq(name, "dt") && isnum) {
        s->ts += (int64_t)(num % 100000000) * 1000000000LL;
    } else if (ts_str_eq(name, "cc") && v.n == 2) {
        memcpy(ev->src_geo.cc, v.p, 2);
    } else if (ts_str_eq(name, "asn") && isnum) {
        ev->src_geo.asn = (uint32_t)num;
    } else if (ts_str_eq(name, "proc")) {
        ev->process = v;
    } else if (ts_str_eq(name, "parent")) {
        ev->parent_process = v;
    } else if (ts_str_eq(name, "path")) {
        ev->file_path = v;
    } else if (ts_str_eq(name, "cmd")) {
        ev->command_line = v;
    } else if (ts_str_eq(name, "proto")) {
        ev->protocol = v;
    }
}

/* Starts the next event; the previous one's values are done with. */
static void new_event(script *s)
{
    for (size_t i = 0; i < s->nv; i++)
        free(s->vals[i]);
    s->nv = 0;
    ts_event_clear(&s->ev);
    s->ev.ts_ns = s->ts;
    s->ev.category = TS_CAT_AUTH | TS_CAT_NETWORK | TS_CAT_PROCESS | TS_CAT_HOST;
}

static void run_all(const ts_detector **d, void **st, const ts_event *ev)
{
    for (size_t i = 0; i < N_DET; i++)
        d[i]->event(st[i], ev, &sink);
}

/* A few events that touch every table, to run over a loaded state. */
static void fixed_events(const ts_detector *d, void *st)
{
    ts_event ev;
    ts_event_clear(&ev);
    ev.ts_ns = 1416816720000000000;
    ev.has_code = true;
    ev.category = TS_CAT_AUTH;
    ev.dataset = ts_str_c("windows.security");
    ev.host = ts_str_c("SRV1");
    ev.user = ts_str_c("adm-x");
    ts_ip_parse(ts_str_c("10.0.0.5"), &ev.src_ip);
    ev.src_host = ts_str_c("WKS1");
    ev.file_path = ts_str_c("E:\\take.7z");
    static const ts_field raw[] = {{TS_STR_LIT("ShareName"), TS_STR_LIT("\\\\*\\Finance")},
                                   {TS_STR_LIT("ClassName"), TS_STR_LIT("DiskDrive")},
                                   {TS_STR_LIT("DeviceId"), TS_STR_LIT("USBSTOR\\Disk&Ven_X&Prod_Y")}};
    ev.fields = raw;
    ev.n_fields = sizeof raw / sizeof *raw;
    static const uint32_t codes[] = {4625, 4624, 4672, 5140, 7036, 1074, 23, 6416, 11};
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
        ev.code = codes[i];
        ev.logon_type = 3;
        ev.outcome = codes[i] == 4625 ? TS_OUTCOME_FAILURE : TS_OUTCOME_SUCCESS;
        d->event(st, &ev, &sink);
        ev.ts_ns += 7200000000000LL;
    }
}

static void blob_mode(const uint8_t *data, size_t size)
{
    const ts_detector *d = find(names[data[0] % N_DET]);
    ts_detect_ctx ctx = {NULL, NULL, NULL};
    void *st = calloc(1, d->state_size);
    if (d->init(st, &ctx) == TOCSIN_OK) {
        void *blob = malloc(size - 1 ? size - 1 : 1);
        memcpy(blob, data + 1, size - 1);
        d->load(st, blob, size - 1);
        free(blob);
        fixed_events(d, st);
        void *out = NULL;
        size_t len = 0;
        if (d->save(st, &out, &len) == TOCSIN_OK)
            free(out);
    }
    d->fini(st);
    free(st);
}

static void events_mode(const uint8_t *data, size_t size)
{
    const ts_detector *d[N_DET];
    void *st[N_DET];
    ts_detect_ctx ctx = {NULL, NULL, NULL};
    for (size_t i = 0; i < N_DET; i++) {
        d[i] = find(names[i]);
        st[i] = calloc(1, d[i]->state_size);
        d[i]->init(st[i], &ctx);
    }
    script *s = calloc(1, sizeof *s);
    s->ts = 1416816720000000000;
    new_event(s);
    bool any = false;
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *eq = memchr(p, '=', (size_t)(le - p));
        if (le == p && any) {
            s->ev.ts_ns = s->ts;
            run_all(d, st, &s->ev);
            new_event(s);
            any = false;
        } else if (eq) {
            set(s, ts_str_make(p, (size_t)(eq - p)), keep(s, eq + 1, (size_t)(le - eq - 1)));
            any = true;
        }
        p = le + 1;
    }
    if (any) {
        s->ev.ts_ns = s->ts;
        run_all(d, st, &s->ev);
    }
    for (size_t i = 0; i < N_DET; i++) {
        void *blob = NULL;
        size_t len = 0;
        if (d[i]->save(st[i], &blob, &len) == TOCSIN_OK) {
            void *fresh = calloc(1, d[i]->state_size);
            if (d[i]->init(fresh, &ctx) == TOCSIN_OK)
                d[i]->load(fresh, blob, len);
            d[i]->fini(fresh);
            free(fresh);
            free(blob);
        }
        d[i]->fini(st[i]);
        free(st[i]);
    }
    new_event(s);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    if (data[0] >= 0x80)
        blob_mode(data, size);
    else
        events_mode(data, size);
    return 0;
}
