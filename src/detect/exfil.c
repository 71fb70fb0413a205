/* exfil.c: detector "exfil": outbound volume to destinations new for a host, and archive tools run on
 * servers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "detect/alert_util.h"
#include "detect/baseline.h"
#include "detect/behave_util.h"
#include "detect/detect.h"
#include "detect/exfil_int.h"

/*
 * Rationale. Before data leaves, intruders gather and compress it (Sony 2014: terabytes
 * staged on file servers), then send it somewhere the host never talked to. Volume on its
 * own is a poor signal: the nightly backup moves more than any thief, but always to the
 * same place, and a file server always sends more than a workstation. So the volume that
 * counts is what a host sends to destinations new for it (never seen from that host
 * before), judged against the host's own daily outbound volume and its peers':
 *  - each internal host keeps the destinations it has used (a 2048-bit blocked Bloom
 *    filter: a bounded set whose rare false positives make a destination look known, never the
 *    reverse; a host with thousands of destinations saturates it and so goes quiet) and
 *    the log10 of its daily outbound bytes over the last 28 closed days;
 *  - the peers are the last 4096 host-days of every host;
 *  - every day a host appears in any flow (internal ones too) is a day of its history,
 *    so a file server that never talks out has a history of zero bytes;
 *  - a host is reported the moment its bytes to new destinations today reach min_bytes,
 *    are z_own robust z-scores (median and MAD, in log10) over its own days and over
 *    max_factor times the most it sent in any day of its history (a weekly backup has
 *    done it before, give or take),
 *    and z_peer over the peers'. While a host has fewer than min_days closed days its own
 *    history is thin: the peer test then has to pass at z_own too (and the peers must be
 *    known), and the title says the baseline is young. A host without a single closed
 *    day is learning and not judged: everything it sends is new to it. Nor is anyone
 *    judged in the organisation's first min_days days (from the first flow seen, kept
 *    between runs): a weekly backup to a cloud store must be seen once first. A volume
 *    that would be judged then is held instead (the first 64), and looked back at once
 *    min_days more days have closed after it: raised if it stands out of its host's days
 *    before and after it (the backup has come again by then), saying so. When the data
 *    ends first (a hunt shorter than the learning period), what is still held is judged
 *    once at the end on what there is, at a lower severity, saying so.
 * A backup server sending 50 GB a night to its usual target sends nothing to new
 * destinations; sent to a new target, 50 GB is still its usual daily volume. A
 * workstation that usually sends 40 MB a day and now sends 3 GB to a new address passes
 * both tests.
 *
 * Archive tools (staging): a process creation (Sysmon 1, Security 4688) of rar, WinRAR,
 * 7-Zip, zip, tar, makecab / diantz, PowerShell's Compress-Archive, or any program whose
 * command line has rar's shape ("x.exe a -hpSecret -v2g out.rar ...": intruders rename
 * the tool; +10 severity for that). On a server (a
 * host whose name has a token from `servers`, e.g. FS01, SRV-SQL-02, dc1.corp.local) it
 * is reported at severity 60, 70 with a password switch (encrypted archives hide what
 * leaves). On a workstation people zip files all day: only a password-protected archive
 * is reported, at severity 35.
 *
 * ATT&CK: T1048 Exfiltration Over Alternative Protocol; T1041 Exfiltration Over C2
 * Channel and T1567 Exfiltration Over Web Service for web ports (80, 443, 8080);
 * T1560.001 Archive via Utility.
 *
 * Learned state (save/load): every host's destination filter, daily history, open day
 * and the peers' pool, so the next run continues the baseline. Bounded: at most
 * max_hosts hosts (when full, the eighth seen on the oldest days, and of a day the ones
 * that sent least, are forgotten), 4 destinations named per host-day.
 *
 * Tunables ([exfil] in data/detect.conf): min_bytes, z_own, z_peer, max_factor, min_days,
 * min_peers, max_hosts, servers.
 */

/* ---- robust statistics ---- */

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Median and median absolute deviation of v[0..n) (n > 0); v is reordered. */
static void med_mad(float *v, size_t n, double *med, double *mad)
{
    qsort(v, n, sizeof *v, cmp_float);
    double m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    for (size_t i = 0; i < n; i++)
        v[i] = fabsf(v[i] - (float)m);
    qsort(v, n, sizeof *v, cmp_float);
    *med = m;
    *mad = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* A robust z-score in log10 space. The MAD is floored at 0.15 (a factor 1.4): a host
 * sending the same volume every day must still be allowed a normal wobble. */
static double robust_z(double x, double med, double mad)
{
    double s = 1.4826 * (mad < 0.15 ? 0.15 : mad);
    return (x - med) / s;
}

static double lg(uint64_t bytes)
{
    return log10(1.0 + (double)bytes);
}

void xf_host_stats(xf_host *h)
{
    float v[XF_HIST];
    memcpy(v, h->hist, h->hist_n * sizeof *v);
    h->own_max = 0;
    for (size_t i = 0; i < h->hist_n; i++)
        if (v[i] > h->own_max)
            h->own_max = v[i];
    if (h->hist_n)
        med_mad(v, h->hist_n, &h->own_med, &h->own_mad);
}

static void pool_stats(exfil_state *st)
{
    if (!st->pool_dirty)
        return;
    float *v = malloc(st->pool_n * sizeof *v);
    if (v && st->pool_n) {
        memcpy(v, st->pool, st->pool_n * sizeof *v);
        med_mad(v, st->pool_n, &st->pool_med, &st->pool_mad);
        st->pool_dirty = false;
    }
    free(v);
}

/* ---- setup ---- */

/* Splits the comma-separated server tokens into lower-case copies. */
static tocsin_code parse_servers(exfil_state *st, const char *list)
{
    while (list && *list) {
        const char *comma = strchr(list, ',');
        ts_str t = ts_str_trim(ts_str_make(list, comma ? (size_t)(comma - list) : strlen(list)));
        if (t.n) {
            char buf[64];
            size_t n = ts_lower(t, buf, sizeof buf - 1);
            if (!n || st->n_servers == XF_MAX_SERVER_TOKENS)
                return TOCSIN_E_ARG;
            buf[n] = '\0';
            if (!(st->servers[st->n_servers++] = strdup(buf)))
                return TOCSIN_E_NOMEM;
        }
        list = comma ? comma + 1 : NULL;
    }
    return TOCSIN_OK;
}

/* Tunables: the [exfil] section of data/detect.conf. */
typedef struct exfil_settings {
    double min_bytes, z_own, z_peer, max_factor, min_days, min_peers, max_hosts;
    const char *servers;
} exfil_settings;

static const ts_tunable exfil_tunables[] = {
    TS_TUNE(exfil_settings, min_bytes, TS_TUNE_NUM, 500e6, 1, 1e15),
    TS_TUNE(exfil_settings, z_own, TS_TUNE_NUM, 3.5, 0.01, 100),
    TS_TUNE(exfil_settings, z_peer, TS_TUNE_NUM, 2.0, 0.01, 100),
    TS_TUNE(exfil_settings, max_factor, TS_TUNE_NUM, 3.0, 1, 1e6),
    TS_TUNE(exfil_settings, min_days, TS_TUNE_COUNT, 7, 1, 365),
    TS_TUNE(exfil_settings, min_peers, TS_TUNE_COUNT, 10, 1, 4096),
    TS_TUNE(exfil_settings, max_hosts, TS_TUNE_COUNT, 20000, 1, 1e7),
    TS_TUNE_STR(exfil_settings, servers, NULL),
    {0},
};

static tocsin_code exfil_init(void *state, const ts_detect_ctx *ctx)
{
    exfil_state *st = state;
    const ts_config *c = ctx ? ctx->config : NULL;
    exfil_settings tune;
    if (!ts_tune_read(c, "exfil", exfil_tunables, &tune))
        return TOCSIN_E_ARG;
    st->min_bytes = tune.min_bytes;
    st->z_own = tune.z_own;
    st->z_peer = tune.z_peer;
    st->max_factor = tune.max_factor;
    double min_days = tune.min_days;
    double min_peers = tune.min_peers;
    double max_hosts = tune.max_hosts;
    const char *servers = tune.servers;
    if (!(st->min_bytes >= 1) || !(st->z_own > 0) || !(st->z_peer > 0) || !(st->max_factor >= 1) ||
        !(min_days >= 1 && min_days <= 365) || !(min_peers >= 1 && min_peers <= XF_POOL) ||
        !(max_hosts >= 1 && max_hosts <= 1e7))
        return TOCSIN_E_ARG;
    st->min_days = (uint32_t)min_days;
    st->min_peers = (uint32_t)min_peers;
    st->max_hosts = (uint32_t)max_hosts;
    tocsin_code rc =
        parse_servers(st, servers ? servers : "srv,server,dc,sql,db,fs,file,files,exch,mail,backup,bkp");
    if (rc != TOCSIN_OK)
        return rc;
    size_t cap = 16;
    while (cap < (size_t)max_hosts * 2)
        cap <<= 1;
    st->index = malloc(cap * sizeof *st->index);
    if (!st->index)
        return TOCSIN_E_NOMEM;
    memset(st->index, 0xff, cap * sizeof *st->index); /* XF_EMPTY */
    st->mask = cap - 1;
    return TOCSIN_OK;
}

static void exfil_fini(void *state)
{
    exfil_state *st = state;
    for (size_t i = 0; i < st->n_held; i++)
        ts_alert_free(st->held[i].a);
    free(st->hosts);
    free(st->index);
    for (size_t i = 0; i < st->n_servers; i++)
        free(st->servers[i]);
}

/* ---- hosts ---- */

static uint64_t host_hash(const ts_ip *ip)
{
    return bh_mix(bh_ip(BH_SEED, ip));
}

/* Room for one more host (the array grows by doubling, aligned for its cache lines). */
static bool host_room(exfil_state *st)
{
    if (st->n_hosts < st->cap_hosts)
        return true;
    size_t cap = st->cap_hosts ? st->cap_hosts * 2 : 256;
    if (cap > st->max_hosts)
        cap = st->max_hosts;
    xf_host *h = aligned_alloc(_Alignof(xf_host), cap * sizeof *h); /* a multiple of the alignment */
    if (!h)
        return false;
    if (st->n_hosts)
        memcpy(h, st->hosts, st->n_hosts * sizeof *h);
    free(st->hosts);
    st->hosts = h;
    st->cap_hosts = cap;
    return true;
}

/* Puts host number pos into the index. */
static void index_put(exfil_state *st, size_t pos)
{
    uint64_t hash = host_hash(&st->hosts[pos].ip);
    size_t i = hash & st->mask;
    while (st->index[i] != XF_EMPTY)
        i = (i + 1) & st->mask;
    st->index[i] = hash >> 32 << 32 | pos;
}

/* How recently a host was seen, for eviction: its open day, then what it sent that day. */
static int64_t recency(const xf_host *h)
{
    uint64_t sent = h->out_today < (1ULL << 40) ? h->out_today : (1ULL << 40) - 1;
    return (int64_t)((uint64_t)(uint32_t)(h->day + 1) << 40 | sent);
}

/* Forgets an eighth of the hosts (at least one): the least recent, ties by position. The
 * rest keep their order; the index is rebuilt. False when out of memory. */
static bool evict_hosts(exfil_state *st)
{
    size_t n = st->n_hosts, drop = n / 8 ? n / 8 : 1, older = 0, kept = 0;
    int64_t *r = malloc(n * sizeof *r);
    if (!r)
        return false;
    for (size_t i = 0; i < n; i++)
        r[i] = recency(&st->hosts[i]);
    int64_t cut = bl_select(r, n, drop - 1);
    for (size_t i = 0; i < n; i++)
        older += r[i] < cut;
    free(r);
    size_t ties = drop - older;
    for (size_t i = 0; i < n; i++) {
        int64_t k = recency(&st->hosts[i]);
        if (k < cut || (k == cut && ties && ties--))
            continue;
        if (kept != i)
            st->hosts[kept] = st->hosts[i];
        kept++;
    }
    st->evicted += n - kept;
    st->n_hosts = kept;
    memset(st->index, 0xff, (st->mask + 1) * sizeof *st->index); /* XF_EMPTY */
    for (size_t i = 0; i < kept; i++)
        index_put(st, i);
    return true;
}

xf_host *xf_host_get(exfil_state *st, const ts_ip *ip, bool create)
{
    uint64_t hash = host_hash(ip), tag = hash >> 32 << 32;
    for (size_t i = hash & st->mask;; i = (i + 1) & st->mask) {
        uint64_t e = st->index[i];
        if (e == XF_EMPTY) {
            if (!create)
                return NULL;
            if (st->n_hosts >= st->max_hosts) {
                if (!evict_hosts(st))
                    return NULL;
                return xf_host_get(st, ip, true); /* the index changed: search again */
            }
            if (!host_room(st))
                return NULL;
            xf_host *h = &st->hosts[st->n_hosts];
            memset(h, 0, sizeof *h);
            h->ip = *ip;
            h->day = -1;
            h->alerted_day = -1;
            st->index[i] = tag | st->n_hosts++;
            return h;
        }
        if ((e >> 32 << 32) == tag && ts_ip_eq(&st->hosts[(uint32_t)e].ip, ip))
            return &st->hosts[(uint32_t)e];
    }
}

/* ip's host if the search for it ends in its first slot (it almost always does), else
 * NULL: the caller asks for its lines early. (The prefetches themselves stay in the
 * caller: GCC takes a function doing nothing but prefetch for pure and drops its calls.) */
static xf_host *host_guess(const exfil_state *st, const ts_ip *ip)
{
    uint64_t hash = host_hash(ip), e = st->index[hash & st->mask];
    return e == XF_EMPTY || (e >> 32) != (hash >> 32) ? NULL : &st->hosts[(uint32_t)e];
}

/* The filters are blocked Bloom filters: the three bits of a destination lie in one
 * 512-bit block (one cache line) picked by the hash, so a test costs one memory fetch. */
typedef struct bloom_key {
    uint32_t block;   /* first word of the block */
    uint64_t mask[8]; /* the bits to test / set in each word of the block */
} bloom_key;

static void bloom_keys(const ts_ip *dst, bloom_key *k)
{
    uint64_t h = bh_mix(bh_ip(BH_SEED, dst));
    k->block = (uint32_t)(h % (XF_BLOOM_WORDS / 8)) * 8;
    memset(k->mask, 0, sizeof k->mask);
    for (int i = 0; i < 3; i++) {
        uint32_t bit = (uint32_t)(h >> (16 + 9 * i)) & 511;
        k->mask[bit / 64] |= 1ULL << (bit % 64);
    }
}

static bool bloom_has(const uint64_t *bits, const bloom_key *k)
{
    for (int i = 0; i < 8; i++)
        if ((bits[k->block + i] & k->mask[i]) != k->mask[i])
            return false;
    return true;
}

static void bloom_add(uint64_t *bits, const bloom_key *k)
{
    for (int i = 0; i < 8; i++)
        bits[k->block + i] |= k->mask[i];
}

/* Closes the host's open day: its volume joins its history and the peers' pool, the
 * destinations first seen that day become known. */
static void close_day(exfil_state *st, xf_host *h)
{
    if (h->day < 0)
        return;
    float v = (float)lg(h->out_today);
    h->hist[h->hist_head] = v;
    h->hist_head = (uint8_t)((h->hist_head + 1) % XF_HIST);
    if (h->hist_n < XF_HIST)
        h->hist_n++;
    if (h->ndays < UINT16_MAX)
        h->ndays++;
    st->pool[st->pool_head] = v;
    st->pool_head = (st->pool_head + 1) % XF_POOL;
    if (st->pool_n < XF_POOL)
        st->pool_n++;
    st->pool_dirty = true;
    for (size_t i = 0; i < XF_BLOOM_WORDS; i++) {
        h->known[i] |= h->fresh[i];
        h->fresh[i] = 0;
    }
    h->out_today = h->new_today = 0;
    memset(h->top, 0, sizeof h->top);
    xf_host_stats(h);
}

/* Adds bytes to the tally of new destination dst (keeping the 4 largest). */
static void tally_new(xf_host *h, const ts_ip *dst, uint16_t port, uint64_t bytes)
{
    xf_dest *low = &h->top[0];
    for (size_t i = 0; i < XF_TOP; i++) {
        xf_dest *d = &h->top[i];
        if (d->bytes && ts_ip_eq(&d->ip, dst)) {
            d->bytes += bytes;
            return;
        }
        if (d->bytes < low->bytes)
            low = d;
    }
    if (low->bytes < bytes)
        *low = (xf_dest){*dst, bytes, port};
}

/* ---- volume to new destinations ---- */

static void fmt_bytes(double b, char *buf, size_t cap)
{
    static const char *const unit[] = {"B", "kB", "MB", "GB", "TB"};
    size_t u = 0;
    while (b >= 1000 && u < 4) {
        b /= 1000;
        u++;
    }
    snprintf(buf, cap, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
}

static bool web_port(uint16_t p)
{
    return p == 80 || p == 443 || p == 8080;
}

static void emit_volume(const exfil_state *st, const xf_host *h, const ts_event *ev, bool young, double usual,
                        const ts_alert_sink *out)
{
    const xf_dest *top = &h->top[0];
    size_t ndest = 0;
    for (size_t i = 0; i < XF_TOP; i++) {
        if (h->top[i].bytes)
            ndest++;
        if (h->top[i].bytes > top->bytes)
            top = &h->top[i];
    }
    ts_alert *a = calloc(1, sizeof *a);
    if (!a)
        return;
    a->detector = "exfil";
    a->kind = TS_EV_BEHAVIOUR;
    ts_alert_from_event(a, ev);
    a->first_ns = h->first_new_ns;
    a->last_ns = h->last_new_ns;
    a->internal_ip = h->ip;
    if (!ts_ip_eq(&a->remote_ip, &top->ip)) {
        a->remote_ip = top->ip;
        memset(&a->remote_geo, 0, sizeof a->remote_geo);
    }
    a->direction = TS_DIR_OUTBOUND;
    a->side = TS_SIDE_DST;
    a->severity = (uint8_t)(young ? 50 : 65);
    if (h->new_today >= 10 * st->min_bytes)
        a->severity += 10;
    a->techniques = strdup(web_port(top->port) ? "T1041,T1567" : "T1048");
    char src[TS_IP_STRLEN], dst[TS_IP_STRLEN], sent[32], topb[32], usu[32], young_s[48] = "";
    ts_ip_format(&h->ip, src);
    ts_ip_format(&top->ip, dst);
    fmt_bytes((double)h->new_today, sent, sizeof sent);
    fmt_bytes((double)top->bytes, topb, sizeof topb);
    fmt_bytes(usual, usu, sizeof usu);
    if (young)
        snprintf(young_s, sizeof young_s, " (baseline young: %u of %u days)", (unsigned)h->ndays,
                 (unsigned)st->min_days);
    a->key = ts_fmt_alloc("exfil|%s|%s", src, dst);
    char ndst[32];
    snprintf(ndst, sizeof ndst,
             ndest >= XF_TOP ? "%zu or more new destinations"
             : ndest > 1     ? "%zu new destinations"
                             : "%zu new destination",
             ndest);
    a->title = ts_fmt_alloc("%s sent %s to %s today (most to %s:%u, %s); usual outbound %s/day%s", src, sent,
                            ndst, dst, (unsigned)top->port, topb, usu, young_s);
    if (!a->key || !a->title || !a->techniques) {
        ts_alert_free(a);
        return;
    }
    out->emit(out->ud, a);
}

/* Keeps an alert emit_volume makes, to be judged when learning ends. */
static void hold(void *ud, ts_alert *a)
{
    exfil_state *st = ud;
    if (st->n_held < XF_HELD)
        st->held[st->n_held++].a = a;
    else
        ts_alert_free(a);
}

/* A held volume is judged on all its host sent to new destinations that day, not only on
 * what it had sent when it reached min_bytes. */
static void held_grew(exfil_state *st, const xf_host *h)
{
    for (size_t i = st->n_held; i-- > 0;)
        if (st->held[i].day == h->day && ts_ip_eq(&st->held[i].ip, &h->ip)) {
            st->held[i].x = lg(h->new_today);
            return;
        }
}

/* A volume held in the organisation's first days is judged once min_days more days of its
 * host have closed after it (checked as the organisation's days turn), on what its host's
 * history then shows, days before and after it. Its own day is in that history, so the
 * largest day is left out of the max test (the median and MAD do not move much for one
 * day); a weekly backup first seen while learning has come again by then and sets the bar. */
static void look_back(exfil_state *st, const ts_alert_sink *out)
{
    bool peers = st->pool_n >= st->min_peers;
    if (peers)
        pool_stats(st);
    size_t kept = 0;
    for (size_t i = 0; i < st->n_held; i++) {
        struct xf_held *k = &st->held[i];
        /* Its host's days close when it is next seen on a later day. */
        const xf_host *h = xf_host_get(st, &k->ip, false);
        if (h && h->day <= k->day + (int32_t)st->min_days) {
            st->held[kept++] = *k;
            continue;
        }
        double first = -1, second = -1;
        for (size_t d = 0; h && d < h->hist_n; d++) {
            double v = h->hist[d];
            if (v > first)
                second = first, first = v;
            else if (v > second)
                second = v;
        }
        bool raise = h && h->hist_n >= 2 && robust_z(k->x, h->own_med, h->own_mad) >= st->z_own &&
                     k->x > second + log10(st->max_factor) &&
                     (!peers || robust_z(k->x, st->pool_med, st->pool_mad) >= st->z_peer);
        char *t = raise ? ts_fmt_alloc("%s (seen while the baseline was young, raised when learning ended)",
                                       k->a->title)
                        : NULL;
        if (t) {
            free(k->a->title);
            k->a->title = t;
            out->emit(out->ud, k->a);
        } else {
            ts_alert_free(k->a);
        }
        k->a = NULL;
    }
    st->n_held = kept;
}

/* The end of the data while volumes are still held (a hunt shorter than the learning
 * period, or one that stops before min_days more days of a host closed): each is judged
 * once on what there is, scored lower and saying how young the baseline was. Against its
 * host's other days when it has two (the open day included; a closed day of its own is
 * left out as the largest), else against the peers at the stricter z_own, else, with
 * nothing to compare, only a volume of ten times min_bytes. */
static void look_back_at_end(exfil_state *st, const ts_alert_sink *out)
{
    bool peers = st->pool_n >= st->min_peers;
    if (peers)
        pool_stats(st);
    for (size_t i = 0; i < st->n_held; i++) {
        struct xf_held *k = &st->held[i];
        const xf_host *h = xf_host_get(st, &k->ip, false);
        float other[XF_HIST + 1];
        size_t n = 0, top = 0;
        for (size_t d = 0; h && d < h->hist_n; d++)
            other[n++] = h->hist[d];
        bool own_closed = h && h->day > k->day;
        for (size_t d = 1; own_closed && d < n; d++)
            if (other[d] > other[top])
                top = d;
        if (own_closed && n)
            other[top] = other[--n]; /* its own day, as the largest */
        if (own_closed)
            other[n++] = (float)lg(h->out_today);
        double zp = peers ? robust_z(k->x, st->pool_med, st->pool_mad) : 0;
        bool raise, big = k->x >= lg((uint64_t)(10 * st->min_bytes));
        const char *against;
        if (n >= 2) {
            double med, mad, most = 0;
            for (size_t d = 0; d < n; d++)
                most = other[d] > most ? other[d] : most;
            med_mad(other, n, &med, &mad);
            raise = robust_z(k->x, med, mad) >= st->z_own && k->x > most + log10(st->max_factor) &&
                    (!peers || zp >= st->z_peer);
            against = peers ? "its host's other days and its peers'" : "its host's other days";
        } else if (peers) {
            raise = zp >= st->z_own;
            against = "its peers' days";
        } else {
            raise = big;
            against = "nothing (ten times the least volume judged)";
        }
        char all[32];
        fmt_bytes(pow(10, k->x) - 1, all, sizeof all);
        char *t = raise
                      ? ts_fmt_alloc("%s (seen while the baseline was young, %s to new destinations that day "
                                     "in all; the data ended after %d of %u learning days: judged at the end "
                                     "against %s)",
                                     k->a->title, all, (int)(st->last_day - st->first_day) + 1,
                                     (unsigned)st->min_days, against)
                      : NULL;
        if (t) {
            free(k->a->title);
            k->a->title = t;
            k->a->severity = (uint8_t)(n >= 2 || peers ? (big ? 50 : 40) : 35);
            out->emit(out->ud, k->a);
        } else {
            ts_alert_free(k->a);
        }
        k->a = NULL;
    }
    st->n_held = 0;
}

static void exfil_finish(void *state, const ts_alert_sink *out)
{
    exfil_state *st = state;
    if (st->n_held)
        look_back_at_end(st, out);
}

/* Whether today's volume to new destinations is out of line for h; emits if so. */
static void judge(exfil_state *st, xf_host *h, const ts_event *ev, const ts_alert_sink *out)
{
    double x = lg(h->new_today);
    bool young = h->ndays < st->min_days || h->hist_n == 0;
    bool peers = st->pool_n >= st->min_peers;
    if (peers)
        pool_stats(st);
    double zp = peers ? robust_z(x, st->pool_med, st->pool_mad) : 0;
    if (st->last_day - st->first_day < (int32_t)st->min_days) {
        /* The organisation's first days: nothing is known yet. Held, judged when they end. */
        if (st->n_held < XF_HELD) {
            size_t n = st->n_held;
            ts_alert_sink keep = {hold, st};
            emit_volume(st, h, ev, true, h->hist_n ? pow(10, h->own_med) - 1 : 0, &keep);
            if (st->n_held > n) {
                st->held[n].ip = h->ip;
                st->held[n].x = x;
                st->held[n].day = h->day;
                h->alerted_day = h->day;
            }
        }
        return;
    }
    if (!h->hist_n)
        return; /* no day of its own yet: everything it sends is new to it */
    if (robust_z(x, h->own_med, h->own_mad) < st->z_own || x <= h->own_max + log10(st->max_factor))
        return;
    if (young ? !peers || zp < st->z_own : peers && zp < st->z_peer)
        return;
    double usual = pow(10, h->own_med) - 1;
    h->alerted_day = h->day;
    emit_volume(st, h, ev, young, usual, out);
}

/* The host of ip as of day (its earlier day closed), or NULL when the table is full. */
/* h as of day (its earlier day closed); h may be NULL. */
static xf_host *host_day(exfil_state *st, xf_host *h, int32_t day)
{
    if (h && day > h->day) {
        close_day(st, h);
        h->day = day;
    }
    return h;
}

static xf_host *host_on(exfil_state *st, const ts_ip *ip, int32_t day)
{
    return host_day(st, xf_host_get(st, ip, true), day);
}

/* Every flow touching an internal host marks a day of its life, even without a byte
 * sent outside: a file server that never talks out has a history of zeros. */
static void on_flow(exfil_state *st, const ts_event *ev, bool src_in, bool dst_in, const ts_alert_sink *out)
{
    /* Outbound: the lines the flow will touch (head, the destination's block of each
       filter, the tally of new destinations) are asked for at once. */
    bloom_key k;
    xf_host *g = NULL;
    if (src_in && !dst_in) {
        bloom_keys(&ev->dst_ip, &k);
        g = host_guess(st, &ev->src_ip);
        if (g) {
            __builtin_prefetch(g, 1);
            __builtin_prefetch(&g->known[k.block]);
            __builtin_prefetch(&g->fresh[k.block], 1);
            __builtin_prefetch(&g->top[0], 1);
            __builtin_prefetch(&g->top[XF_TOP - 1], 1);
        }
    }
    int32_t day = (int32_t)(ev->ts_ns / (86400LL * 1000000000LL));
    if (!st->last_day || day < st->first_day)
        st->first_day = day;
    if (day > st->last_day) {
        st->last_day = day;
        if (st->n_held)
            look_back(st, out);
    }
    if (dst_in)
        host_on(st, &ev->dst_ip, day);
    xf_host *h = NULL; /* the guess is the host when its address is (nothing was added since) */
    if (src_in)
        h = g && ts_ip_eq(&g->ip, &ev->src_ip) ? host_day(st, g, day) : host_on(st, &ev->src_ip, day);
    if (!h || dst_in)
        return;
    h->out_today += ev->bytes_out;
    if (bloom_has(h->known, &k))
        return;
    bloom_add(h->fresh, &k);
    if (!ev->bytes_out)
        return;
    if (!h->new_today)
        h->first_new_ns = ev->ts_ns;
    if (ev->ts_ns > h->last_new_ns)
        h->last_new_ns = ev->ts_ns;
    h->new_today += ev->bytes_out;
    tally_new(h, &ev->dst_ip, ev->dst_port, ev->bytes_out);
    if (st->n_held && h->alerted_day == h->day)
        held_grew(st, h);
    if ((double)h->new_today >= st->min_bytes && h->alerted_day != h->day)
        judge(st, h, ev, out);
}

/* ---- archive tools ---- */

static const char *const archivers[] = {
    "rar.exe", "winrar.exe",  "7z.exe",     "7za.exe", "7zr.exe", "7zg.exe", "zip.exe", "wzzip.exe",
    "tar.exe", "makecab.exe", "diantz.exe", "rar",     "7z",      "7za",     "zip",     "tar",
};

/* The next space-separated token of s from *i ("quoted" as one), or an empty view. */
static ts_str next_token(ts_str s, size_t *i)
{
    while (*i < s.n && s.p[*i] == ' ')
        (*i)++;
    size_t b = *i;
    bool quoted = *i < s.n && s.p[*i] == '"';
    if (quoted)
        (*i)++;
    while (*i < s.n && (quoted ? s.p[*i] != '"' : s.p[*i] != ' '))
        (*i)++;
    if (quoted && *i < s.n)
        (*i)++;
    return *i > b ? ts_str_make(s.p + b, *i - b) : ts_str_make(NULL, 0);
}

/* A command line in the shape of rar / 7-Zip adding to an archive, whatever the program
 * is called (intruders rename rar.exe): the first argument "a", "u" or "m", then a
 * password, volume or compression switch (-hp, -p, -v2g, -m5, -mx9). */
static bool rar_like(ts_str cl)
{
    size_t i = 0;
    next_token(cl, &i); /* the program */
    ts_str cmd = next_token(cl, &i);
    if (cmd.n != 1 || (cmd.p[0] != 'a' && cmd.p[0] != 'u' && cmd.p[0] != 'm'))
        return false;
    for (ts_str t = next_token(cl, &i); t.n; t = next_token(cl, &i)) {
        if (t.n < 2 || t.p[0] != '-')
            continue;
        char c = (char)(t.p[1] | 0x20), d = t.n > 2 ? t.p[2] : 0;
        if ((c == 'h' && (d | 0x20) == 'p') || c == 'p' ||
            ((c == 'v' || c == 'm') && ((d >= '0' && d <= '9') || d == 'x')))
            return true;
    }
    return false;
}

/* The archive tool a process creation runs ("7z.exe", "Compress-Archive", or the name
 * of a renamed one, *renamed then set) into buf; false if none. */
static bool archive_tool(const ts_event *ev, char *buf, size_t cap, bool *renamed)
{
    ts_str img = ev->process;
    size_t base = 0;
    for (size_t i = 0; i < img.n; i++)
        if (img.p[i] == '\\' || img.p[i] == '/')
            base = i + 1;
    ts_str name = img.n ? ts_str_make(img.p + base, img.n - base) : img;
    *renamed = false;
    for (size_t i = 0; i < sizeof archivers / sizeof *archivers; i++)
        if (ts_str_ieq(name, archivers[i])) {
            snprintf(buf, cap, "%s", archivers[i]);
            return true;
        }
    ts_str cl = ev->command_line;
    for (size_t i = 0; i + 16 <= cl.n; i++) /* ('c' | 0x20 is 'c' for 'c' and 'C' only) */
        if ((cl.p[i] | 0x20) == 'c' && ts_str_istarts(ts_str_make(cl.p + i, cl.n - i), "compress-archive")) {
            snprintf(buf, cap, "Compress-Archive");
            return true;
        }
    if (!rar_like(cl))
        return false;
    *renamed = true;
    size_t n = ts_lower(name.n ? name : TS_STR_LIT("(unnamed)"), buf, cap - 1);
    buf[n] = '\0';
    return n > 0;
}

/* A password switch: rar/7z "-p", "-hp", zip "-P"/"-e", PowerShell has none. */
static bool has_password(ts_str cl)
{
    for (size_t i = 1; i + 2 < cl.n; i++) {
        if (cl.p[i - 1] != ' ' || cl.p[i] != '-')
            continue;
        char c = cl.p[i + 1], d = cl.p[i + 2];
        if (c == 'p' || c == 'P' || (c == 'h' && d == 'p') || (c == 'e' && d == ' '))
            return true;
    }
    return false;
}

/* Whether a host name reads as a server's: a token of its first label (split at '-' and
 * '_', trailing digits dropped) is one of the configured server tokens. */
static bool is_server(const exfil_state *st, ts_str host)
{
    size_t end = 0;
    while (end < host.n && host.p[end] != '.')
        end++;
    for (size_t i = 0; i < end;) {
        size_t j = i;
        while (j < end && host.p[j] != '-' && host.p[j] != '_')
            j++;
        size_t k = j;
        while (k > i && host.p[k - 1] >= '0' && host.p[k - 1] <= '9')
            k--;
        ts_str tok = ts_str_make(host.p + i, k - i);
        for (size_t s = 0; tok.n && s < st->n_servers; s++)
            if (ts_str_ieq(tok, st->servers[s]))
                return true;
        i = j + 1;
    }
    return false;
}

static void on_process(const exfil_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    char tool[128];
    bool renamed;
    if (!archive_tool(ev, tool, sizeof tool, &renamed))
        return;
    /* PowerShell's Compress-Archive takes no password, and its "-Path" is no "-p" */
    bool server = is_server(st, ev->host), pw = tool[0] != 'C' && has_password(ev->command_line);
    if (!server && !pw)
        return;
    ts_alert *a = calloc(1, sizeof *a);
    if (!a)
        return;
    a->detector = "exfil";
    a->kind = TS_EV_BEHAVIOUR;
    ts_alert_from_event(a, ev);
    a->direction = TS_DIR_UNKNOWN;
    a->severity = (uint8_t)(server ? (pw ? 70 : 60) : 35);
    if (renamed) /* hiding the tool is no user's habit */
        a->severity = (uint8_t)(a->severity + 10);
    a->techniques = strdup("T1560.001");
    char ebuf[TS_IP_STRLEN];
    const char *who = a->internal_host ? a->internal_host : ts_alert_internal_entity(a, ebuf);
    a->key = ts_fmt_alloc("exfil|archive|%s|%s", who, tool);
    a->title = ts_fmt_alloc("%s%s%s run on %s %s%s%s: %.*s", tool, renamed ? " (a renamed archiver)" : "",
                            pw ? " (password-protected)" : "", server ? "server" : "workstation", who,
                            a->user ? " by " : "", a->user ? a->user : "", TS_STR_CUT(ev->command_line, 300));
    if (!a->key || !a->title || !a->techniques) {
        ts_alert_free(a);
        return;
    }
    out->emit(out->ud, a);
}

static void exfil_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    exfil_state *st = state;
    if ((ev->category & TS_CAT_PROCESS) && ts_str_eq(ev->action, "process-created")) {
        on_process(st, ev, out);
        return;
    }
    if (!(ev->category & TS_CAT_NETWORK) || ev->ts_ns <= 0 || !ev->dst_ip.v || !ev->src_ip.v ||
        !bh_is_flow(ev))
        return;
    bool src_in = bh_internal(&ev->src_ip, &ev->src_geo), dst_in = bh_internal(&ev->dst_ip, &ev->dst_geo);
    if (src_in || dst_in)
        on_flow(st, ev, src_in, dst_in, out);
}

static size_t exfil_usage(void *state, ts_state_use *out, size_t n)
{
    const exfil_state *st = state;
    size_t index = (st->mask + 1) * sizeof *st->index;
    if (n)
        out[0] = (ts_state_use){"hosts",
                                st->n_hosts,
                                st->max_hosts,
                                st->evicted,
                                index + st->cap_hosts * sizeof(xf_host),
                                index + st->max_hosts * sizeof(xf_host)};
    return 1;
}

const ts_detector ts_detector_exfil = {
    .name = "exfil",
    .tunables = exfil_tunables,
    .summary = "outbound volume to destinations new for a host, against its own and its peers' history; "
               "archive tools run on servers (staging)",
    .state_size = sizeof(exfil_state),
    .init = exfil_init,
    .event = exfil_event,
    .finish = exfil_finish,
    .fini = exfil_fini,
    .save = xf_save,
    .load = xf_load,
    .usage = exfil_usage,
};
