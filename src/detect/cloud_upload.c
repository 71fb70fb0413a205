/* cloud_upload.c: detector "cloud-upload": large uploads from an internal host to file-storage
 * services (Dropbox, MEGA, pCloud, file drops), the way Conti sent shares out with rclone to
 * MEGA and the Dream Job crews with dbxcli to Dropbox (T1567.002).
 *   - A storage service's addresses are learned from the records that name them: the TLS
 *     SNI or HTTP Host of a connection (Zeek ssl/http, Suricata tls/http) to an address,
 *     and the addresses a DNS lookup of the name answered (Zeek dns.log `answers`, Sysmon
 *     22 `QueryResults`, Suricata `dns.answers`/`dns.grouped`), for the domains of `domains`
 *     (a name or any name under it).
 *   - Connection summaries (Zeek conn, Suricata flow, ...) from an internal host to such an
 *     address add their bytes sent to the host's upload of the day (UTC).
 *   - The day's upload alerts when it reaches `min_bytes` and `factor` times the most the
 *     host uploaded to storage services in a day before (kept between runs). A host never
 *     seen uploading before alerts lower, saying there is no history: the first day of a
 *     hunt needs no baseline to show gigabytes leaving for MEGA.
 *   - A process start (Sysmon 1, 4688) of an upload tool (`upload_tools`: rclone, dbxcli,
 *     MEGAcmd) with an upload command (`upload_verbs` as a word: copy, sync, put ...)
 *     alerts at once, whatever the network shows.
 * Zeek writes conn.log's record at the connection's start time, ahead of ssl.log's: when no
 * lookup of the name came before, a first connection is summarised before its name is seen
 * and is not counted; later connections to the address are. Memory: at most
 * `max_addresses` addresses and `max_hosts` hosts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "detect/alert_util.h"
#include "detect/baseline.h"
#include "detect/behave_util.h"
#include "detect/detect.h"

#define DET "cloud-upload"
#define SEC "cloud-upload"
#define MAGIC 0x31444c43u /* "CLD1" */

typedef struct addr_rec {
    int64_t ts;
    char name[64]; /* the name it was reached by */
} addr_rec;

typedef struct host_rec {
    int32_t day, alerted_day;
    uint64_t today, hist_max; /* bytes uploaded today; the most in an earlier day */
    uint32_t days;            /* earlier days with an upload */
} host_rec;

typedef struct cu_state {
    const char *domains, *tools, *verbs;
    double min_bytes, factor;
    int64_t ttl_ns;
    bl_map addrs; /* address -> addr_rec (saved) */
    bl_map hosts; /* internal host -> host_rec (saved) */
} cu_state;

typedef struct cu_settings {
    double min_bytes, factor, address_ttl, max_addresses, max_hosts;
    const char *domains, *upload_tools, *upload_verbs;
} cu_settings;

static const ts_tunable cu_tunables[] = {
    TS_TUNE_STR(cu_settings, domains, NULL),
    TS_TUNE_STR(cu_settings, upload_tools, NULL),
    TS_TUNE_STR(cu_settings, upload_verbs, NULL),
    TS_TUNE(cu_settings, min_bytes, TS_TUNE_NUM, 1e+09, 1, 1e+15),
    TS_TUNE(cu_settings, factor, TS_TUNE_NUM, 3, 1, 1000),
    TS_TUNE(cu_settings, address_ttl, TS_TUNE_SECONDS, 604800, 60, 31536000),
    TS_TUNE(cu_settings, max_addresses, TS_TUNE_COUNT, 20000, 16, 1e+08),
    TS_TUNE(cu_settings, max_hosts, TS_TUNE_COUNT, 100000, 16, 1e+08),
    {0},
};

static tocsin_code cu_init(void *state, const ts_detect_ctx *ctx)
{
    cu_state *st = state;
    cu_settings k;
    if (!ts_tune_read(ctx->config, SEC, cu_tunables, &k))
        return TOCSIN_E_ARG;
    const char *d = k.domains;
    st->domains = d ? d : "";
    const char *t = k.upload_tools, *v = k.upload_verbs;
    st->tools = t ? t : "";
    st->verbs = v ? v : "";
    st->min_bytes = k.min_bytes;
    st->factor = k.factor;
    st->ttl_ns = (int64_t)(k.address_ttl * BL_NS);
    if (st->min_bytes < 1 || st->factor < 1)
        return TOCSIN_E_ARG;
    bl_map_init(&st->addrs, sizeof(addr_rec), (size_t)k.max_addresses);
    bl_map_init(&st->hosts, sizeof(host_rec), (size_t)k.max_hosts);
    return TOCSIN_OK;
}

/* Whether name is a domain of the list or under one (at a label boundary). */
static bool storage_name(const cu_state *st, ts_str name)
{
    ts_str it;
    name = ts_str_trim(name);
    if (name.n && name.p[name.n - 1] == '.')
        name.n--;
    for (const char *p = st->domains; ts_str_next_item(&p, &it);) {
        if (!it.n || name.n < it.n)
            continue;
        ts_str tail = ts_str_make(name.p + name.n - it.n, it.n);
        if (bl_hash(tail, BL_SEED) == bl_hash(it, BL_SEED) &&
            (name.n == it.n || name.p[name.n - it.n - 1] == '.'))
            return true;
    }
    return false;
}

/* Remembers that ip serves the storage service reached by name. */
static void learn(cu_state *st, const ts_ip *ip, ts_str name, int64_t ts)
{
    addr_rec *a = bl_map_put(&st->addrs, bl_hash_ip(ip, BL_SEED), ts, NULL);
    if (!a)
        return;
    a->ts = ts;
    snprintf(a->name, sizeof a->name, "%.*s", TS_STR_CUT(name, sizeof a->name - 1));
}

/* Raw-record keys that list the addresses a DNS lookup answered: Zeek's `answers` (a set:
 * comma-separated in TSV, one field per element in JSON), Sysmon 22's `QueryResults`
 * ("type:  5 name;::ffff:162.125.1.15;"), Suricata EVE's answer records and grouped answers.
 * Names (CNAMEs, "type:  5") among them are not addresses and are passed over. */
static const char *const answer_keys[] = {"answers", "QueryResults", "dns.answers.rdata", "dns.grouped.A",
                                          "dns.grouped.AAAA"};

static void on_dns(cu_state *st, const ts_event *ev)
{
    if (!ev->domain.n || !storage_name(st, ev->domain))
        return;
    for (size_t f = 0; f < ev->n_fields; f++) {
        bool answer = false;
        for (size_t k = 0; k < sizeof answer_keys / sizeof *answer_keys && !answer; k++)
            answer = ts_str_eq(ev->fields[f].key, answer_keys[k]);
        if (!answer)
            continue;
        ts_str v = ev->fields[f].val;
        for (size_t i = 0; i < v.n;) {
            size_t j = i;
            while (j < v.n && v.p[j] != ',' && v.p[j] != ';' && v.p[j] != ' ')
                j++;
            ts_str tok = ts_str_make(v.p + i, j - i);
            ts_ip ip; /* Windows writes IPv4 answers IPv4-mapped: ts_ip_parse makes them IPv4 */
            if (tok.n && ts_ip_parse(tok, &ip))
                learn(st, &ip, ev->domain, ev->ts_ns);
            i = j + 1;
        }
    }
}

static void fmt_bytes(double b, char *buf, size_t cap)
{
    static const char *const unit[] = {"B", "kB", "MB", "GB", "TB"};
    size_t u = 0;
    while (b >= 1000 && u < 4)
        b /= 1000, u++;
    snprintf(buf, cap, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
}

static void on_flow(cu_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    const addr_rec *a = bl_map_get(&st->addrs, bl_hash_ip(&ev->dst_ip, BL_SEED));
    if (!a || ev->ts_ns < a->ts - st->ttl_ns || ev->ts_ns - a->ts > st->ttl_ns)
        return;
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)strnlen(a->name, sizeof a->name),
             a->name); /* saved: maybe no NUL */
    host_rec *h = bl_map_put(&st->hosts, bl_hash_ip(&ev->src_ip, BL_SEED), ev->ts_ns, NULL);
    if (!h)
        return;
    int32_t day = (int32_t)(ev->ts_ns / (86400 * BL_NS)) + 1; /* 0: none yet */
    if (day > h->day) {
        if (h->day && h->today) {
            if (h->today > h->hist_max)
                h->hist_max = h->today;
            if (h->days < UINT32_MAX)
                h->days++;
        }
        h->day = day;
        h->today = 0;
    } else if (day < h->day) {
        return; /* an old record arriving late: its day is closed */
    }
    h->today += ev->bytes_out;
    if ((double)h->today < st->min_bytes || (double)h->today <= st->factor * (double)h->hist_max ||
        h->alerted_day == day)
        return;
    h->alerted_day = day;
    char src[TS_IP_STRLEN], sent[32], most[32], hist[64];
    ts_ip_format(&ev->src_ip, src);
    fmt_bytes((double)h->today, sent, sizeof sent);
    fmt_bytes((double)h->hist_max, most, sizeof most);
    if (h->days)
        snprintf(hist, sizeof hist, "the most before: %s in a day", most);
    else
        snprintf(hist, sizeof hist, "no earlier upload to storage services known");
    ts_alert *al =
        bl_alert(DET, ev, h->days ? 65 : 50, "T1567.002", ts_fmt_alloc("%s|%s|%s", DET, src, name),
                 ts_fmt_alloc("%s uploaded %s to the storage service %s today (%s)", src, sent, name, hist));
    if (!al)
        return;
    ts_alert_orient(al, ev, TS_SIDE_DST);
    free(al->remote_name);
    al->remote_name = strdup(name);
    out->emit(out->ud, al);
}

/* Whether the command line has one of the verbs as a word of its own. */
static bool has_verb(const char *verbs, ts_str cmd)
{
    ts_str it;
    for (const char *p = verbs; ts_str_next_item(&p, &it);)
        for (size_t i = 1; it.n && i + it.n <= cmd.n; i++)
            if (cmd.p[i - 1] == ' ' && (i + it.n == cmd.n || cmd.p[i + it.n] == ' ') &&
                bl_hash(ts_str_make(cmd.p + i, it.n), BL_SEED) == bl_hash(it, BL_SEED))
                return true;
    return false;
}

static void on_process(const cu_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str img = bl_basename(ts_str_trim(ev->process)), it;
    bool tool = false;
    for (const char *p = st->tools; img.n && !tool && ts_str_next_item(&p, &it);)
        tool = it.n == img.n && bl_hash(it, BL_SEED) == bl_hash(img, BL_SEED);
    if (!tool || !has_verb(st->verbs, ev->command_line))
        return;
    ts_str cmd = ev->command_line;
    bl_emit(out, DET, ev, 60, "T1567.002",
            ts_fmt_alloc("%s|tool|%.*s|%.*s", DET, TS_STR_CUT(ev->host, 160), TS_STR_CUT(img, 100)),
            ts_fmt_alloc("%.*s uploading to cloud storage on %.*s: %.*s", TS_STR_CUT(img, 100),
                         TS_STR_CUT(ev->host, 160), TS_STR_CUT(cmd, 300)));
}

static void cu_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    cu_state *st = state;
    if (ts_str_eq(ev->action, "process-created")) {
        on_process(st, ev, out);
        return;
    }
    if (ev->category & TS_CAT_DNS) {
        on_dns(st, ev); /* answers name the storage service's addresses, whoever asked */
        return;
    }
    if (!ev->dst_ip.v || !ev->src_ip.v)
        return;
    bool src_in = bh_internal(&ev->src_ip, &ev->src_geo), dst_in = bh_internal(&ev->dst_ip, &ev->dst_geo);
    if (!src_in || dst_in)
        return;
    /* A record naming where a connection went: TLS SNI, HTTP Host. */
    if ((ev->category & (TS_CAT_TLS | TS_CAT_WEB)) && ev->domain.n && storage_name(st, ev->domain))
        learn(st, &ev->dst_ip, ev->domain, ev->ts_ns);
    if ((ev->category & TS_CAT_NETWORK) && bh_is_flow(ev) && ev->bytes_out)
        on_flow(st, ev, out);
}

/* What it keeps between runs; a damaged blob is refused whole and it learns afresh. */
static const ts_saved_field cu_saved_fields[] = {
    BL_SAVED_MAP(cu_state, addrs, 0, "storage addresses"),
    BL_SAVED_MAP(cu_state, hosts, 0, "uploading hosts"),
    {0},
};
static const ts_saved cu_saved = {DET, MAGIC, cu_saved_fields};

const ts_detector ts_detector_cloud_upload = {
    .name = DET,
    .tunables = cu_tunables,
    .summary = "large uploads from internal hosts to file-storage services (Dropbox, MEGA ...)",
    .state_size = sizeof(cu_state),
    .init = cu_init,
    .event = cu_event,
    .saved = &cu_saved,
};
