/* fuzz_detectors.c: libFuzzer target: every registered detector's event, finish, save and load
 * hooks, chosen from the registry, so a new detector is fuzzed without touching this file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "detect/detect.h"
#include "intel/intel.h"

/*
 * Input: the first byte picks the detector (byte % the number registered). The rest is fed
 * twice: first to the detector's load hook as a saved state (as the store gives it back; a
 * state it refuses leaves it as init made it, as the hunt does), then as events, "name=value"
 * lines with a blank line ending each event. Names:
 *   code, ds (dataset), act, cat (category bits), type (type bits), out (s or f), chan, prov,
 *   src, dst, sport, port, transport, proto, bytes (out), bin (bytes in), cc, asn (the
 *   source's country and AS), dcc, dasn (the destination's),
 *   host, srchost, user, udom, lt (logon type), domain, url, ua, path, md5, sha1, sha256,
 *   from, to (repeatable), subj, msgid, proc, parent, cmd, rule,
 *   dt (seconds after the previous event); "F.Key=value" adds a raw field.
 * A few fixed events (logons, shares, connections, mail) run first, so a loaded state meets
 * every kind of event. At the end the detector finishes, saves, and what it saved must load.
 * Values are copied into exact-size allocations so ASan sees overreads.
 */

/* Small tables and low thresholds, so that eviction and alerts happen on small inputs. */
static const char small_conf[] =
    "[beacon]\nmin_connections = 4\nthreshold = 0.3\nmax_pairs = 16\nmax_samples = 64\njoin_cache = 16\n"
    "[exfil]\nmin_bytes = 1000\nmin_peers = 2\nmin_days = 2\nmax_hosts = 16\n"
    "[fetch]\nmax_domains = 16\nfile_ids = 16\n";

static ts_detect_ctx ctx;

static void setup(void)
{
    static ts_config *cfg;
    static ts_intel *intel;
    if (intel)
        return;
    char path[] = "/tmp/fuzz_detectors.XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f)
        abort();
    fputs(small_conf, f);
    fclose(f);
    if (ts_config_load(path, &cfg, NULL, NULL) != TOCSIN_OK)
        abort();
    unlink(path);
    intel = ts_intel_new(); /* empty: the detectors that consult intelligence find nothing */
    if (!intel)
        abort();
    ctx = (ts_detect_ctx){.intel = intel, .watch = "KP,AS131279", .config = cfg};
}

static void drop(void *ud, ts_alert *a)
{
    (void)ud;
    ts_alert_free(a);
}
static const ts_alert_sink sink = {drop, NULL};

#define MAXV 96
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

/* The event's string fields by script name. */
static ts_str *text_field(ts_event *ev, ts_str name)
{
    static const struct {
        const char *name;
        size_t off;
    } texts[] = {
        {"ds", offsetof(ts_event, dataset)},
        {"act", offsetof(ts_event, action)},
        {"chan", offsetof(ts_event, channel)},
        {"prov", offsetof(ts_event, provider)},
        {"transport", offsetof(ts_event, transport)},
        {"proto", offsetof(ts_event, protocol)},
        {"host", offsetof(ts_event, host)},
        {"srchost", offsetof(ts_event, src_host)},
        {"user", offsetof(ts_event, user)},
        {"udom", offsetof(ts_event, user_domain)},
        {"domain", offsetof(ts_event, domain)},
        {"url", offsetof(ts_event, url)},
        {"ua", offsetof(ts_event, user_agent)},
        {"path", offsetof(ts_event, file_path)},
        {"md5", offsetof(ts_event, md5)},
        {"sha1", offsetof(ts_event, sha1)},
        {"sha256", offsetof(ts_event, sha256)},
        {"from", offsetof(ts_event, mail_from)},
        {"subj", offsetof(ts_event, mail_subject)},
        {"msgid", offsetof(ts_event, mail_msgid)},
        {"proc", offsetof(ts_event, process)},
        {"parent", offsetof(ts_event, parent_process)},
        {"cmd", offsetof(ts_event, command_line)},
        {"rule", offsetof(ts_event, rule_name)},
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        if (ts_str_eq(name, texts[i].name))
            return (ts_str *)((char *)ev + texts[i].off);
    return NULL;
}

static void set(script *s, ts_str name, ts_str v)
{
    ts_event *ev = &s->ev;
    uint64_t num = 0;
    bool isnum = ts_parse_u64(v, &num);
    ts_str *text = text_field(ev, name);
    if (text)
        *text = v;
    else if (ts_str_istarts(name, "F.") && ev->n_fields < MAXF) {
        s->f[ev->n_fields++] = (ts_field){keep(s, name.p + 2, name.n - 2), v};
        ev->fields = s->f;
    } else if (ts_str_eq(name, "to") && ev->n_mail_to < TS_MAX_RCPT)
        ev->mail_to[ev->n_mail_to++] = v;
    else if (ts_str_eq(name, "src"))
        ts_ip_parse(v, &ev->src_ip);
    else if (ts_str_eq(name, "dst"))
        ts_ip_parse(v, &ev->dst_ip);
    else if (ts_str_eq(name, "out"))
        ev->outcome = ts_str_eq(v, "s") ? TS_OUTCOME_SUCCESS : TS_OUTCOME_FAILURE;
    else if (ts_str_eq(name, "cc") && v.n == 2)
        memcpy(ev->src_geo.cc, v.p, 2);
    else if (ts_str_eq(name, "dcc") && v.n == 2)
        memcpy(ev->dst_geo.cc, v.p, 2);
    else if (!isnum)
        return;
    else if (ts_str_eq(name, "code"))
        ev->code = (uint32_t)num, ev->has_code = true;
    else if (ts_str_eq(name, "cat"))
        ev->category = (uint32_t)num;
    else if (ts_str_eq(name, "type"))
        ev->type = (uint32_t)num;
    else if (ts_str_eq(name, "sport"))
        ev->src_port = (uint16_t)num;
    else if (ts_str_eq(name, "port"))
        ev->dst_port = (uint16_t)num;
    else if (ts_str_eq(name, "bytes"))
        ev->bytes_out = num;
    else if (ts_str_eq(name, "bin"))
        ev->bytes_in = num;
    else if (ts_str_eq(name, "asn"))
        ev->src_geo.asn = (uint32_t)num;
    else if (ts_str_eq(name, "dasn"))
        ev->dst_geo.asn = (uint32_t)num;
    else if (ts_str_eq(name, "lt"))
        ev->logon_type = (int)(num & 0xff);
    else if (ts_str_eq(name, "dt"))
        s->ts += (int64_t)(num % 100000000) * 1000000000LL;
}

/* Starts the next event; the previous one's values are done with. */
static void new_event(script *s)
{
    for (size_t i = 0; i < s->nv; i++)
        free(s->vals[i]);
    s->nv = 0;
    ts_event_clear(&s->ev);
    s->ev.category = TS_CAT_AUTH | TS_CAT_NETWORK | TS_CAT_PROCESS | TS_CAT_HOST;
}

/* A few events of each kind, so a loaded state meets every table. */
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
    ts_event_clear(&ev);
    ev.ts_ns = 1416816720000000000;
    ev.dataset = ts_str_c("zeek.conn");
    ev.category = TS_CAT_NETWORK | TS_CAT_SESSION;
    ev.type = TS_TYPE_CONNECTION | TS_TYPE_END; /* a flow, as detectors test it */
    ts_ip_parse(ts_str_c("10.0.0.5"), &ev.src_ip);
    ts_ip_parse(ts_str_c("175.45.178.1"), &ev.dst_ip);
    ev.dst_port = 443;
    ev.bytes_out = 50000;
    ev.domain = ts_str_c("a.example.com");
    for (int i = 0; i < 6; i++, ev.ts_ns += 60000000000LL)
        d->event(st, &ev, &sink);
    ts_event_clear(&ev);
    ev.ts_ns = 1416816720000000000;
    ev.dataset = ts_str_c("mail");
    ev.category = TS_CAT_EMAIL;
    ev.mail_from = ts_str_c("billing@paypa1.example");
    ev.mail_to[0] = ts_str_c("a@corp.example");
    ev.n_mail_to = 1;
    ev.mail_subject = ts_str_c("Your account is suspended");
    ev.url = ts_str_c("http://paypa1.example/login");
    d->event(st, &ev, &sink);
}

/* init, or after a failed init or load, a state that can only be freed. */
static void *fresh(const ts_detector *d)
{
    void *st = calloc(1, d->state_size ? d->state_size : 1);
    if (d->init && d->init(st, &ctx) != TOCSIN_OK) {
        ts_detector_fini(d, st);
        free(st);
        return NULL;
    }
    return st;
}

static void release(const ts_detector *d, void *st)
{
    ts_detector_fini(d, st); /* the saved table's fields, then the detector's rest */
    free(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static size_t n_detectors;
    if (!size)
        return 0;
    setup();
    while (ts_detectors[n_detectors])
        n_detectors++;
    const ts_detector *d = ts_detectors[data[0] % n_detectors];
    ctx.live = (data[0] / n_detectors) & 1; /* as a live watch runs it: beacon judges as hours close */
    void *st = fresh(d);
    if (!st)
        return 0;
    if (ts_detector_keeps_state(d)) {
        void *blob = malloc(size - 1 ? size - 1 : 1); /* exact size, as the store hands it over */
        memcpy(blob, data + 1, size - 1);
        if (ts_detector_load(d, st, blob, size - 1, NULL, 0) != TOCSIN_OK) {
            release(d, st);
            st = fresh(d);
        }
        free(blob);
        if (!st)
            return 0;
    }
    fixed_events(d, st);

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
            d->event(st, &s->ev, &sink);
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
        d->event(st, &s->ev, &sink);
    }
    new_event(s);
    free(s);
    if (d->finish)
        d->finish(st, &sink);

    void *blob = NULL;
    size_t len = 0;
    if (ts_detector_keeps_state(d) && ts_detector_save(d, st, &blob, &len) == TOCSIN_OK) {
        void *again = fresh(d);
        if (again && ts_detector_load(d, again, blob, len, NULL, 0) != TOCSIN_OK)
            abort(); /* what a detector saved it must read back */
        if (again)
            release(d, again);
        free(blob);
    }
    release(d, st);
    return 0;
}
