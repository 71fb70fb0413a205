/* fetch.c: detector "fetch": programs or scripts downloaded from a bare address, a rare domain or an odd
 * port. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "detect/alert_util.h"
#include "detect/behave_util.h"
#include "detect/detect.h"

/*
 * Rationale. A second stage arrives over the network: a loader fetches an executable, a DLL,
 * a PowerShell or HTA script. Software updates fetch executables too, but from named, well
 * used services on the web ports. Three signs set an attacker's download apart: the server
 * was asked for by bare address (no name at all), by a name that almost no host of ours
 * uses, or on a port that web traffic does not use. Any one of them, on a program or script,
 * is an alert; each further sign raises its severity.
 *
 * What is a program or script: the requested path's extension (`extensions`), the response
 * MIME type Zeek's http.log records (resp_mime_types) or files.log's mime_type
 * (`mime_types`), or Suricata fileinfo's file name and magic (`magic_words`).
 *
 * Rare. Every web, TLS and DNS event adds its internal host to the name's set of askers;
 * a name asked for by fewer than `rare_hosts` distinct internal hosts when the download
 * comes is rare, unless it ends with a suffix of `common_domains` (vendors' update
 * services). The table holds at most `max_domains` names; when full, new names are not
 * counted and are judged on the other two signs only. Early in a hunt every name is rare:
 * rare alone scores lowest, and a hunt over days sees the popular names early.
 *
 * Zeek's pe.log. Zeek names a transfer's file by an id: files.log's fuid, http.log's
 * resp_fuids, pe.log's id; pe.log records the headers of a Windows executable and holds no
 * address, host name or port. A download whose request shows a sign but whose name and
 * MIME type do not say it is a program is held by its file id, and raised when pe.log says
 * that file is an executable; a pe.log record that comes first marks its id, and the
 * request that names it counts as a program. The ids are kept in a direct-mapped table of
 * `file_ids` recent ones (a newer id takes an older one's slot, dropping what it held);
 * downloads held when the input ends were not programs and are dropped.
 *
 * Only downloads from outside: an internal server handing out programs (software
 * deployment) is the lateral movement detector's business.
 *
 * ATT&CK: T1105 Ingress Tool Transfer. Tunables: [fetch] in data/detect.conf.
 */

#define SEC "fetch"
#define ASKERS 4 /* internal hosts told apart per name: rare_hosts + 1 at most */

typedef struct dom {
    uint64_t h; /* 0: empty */
    uint32_t host[ASKERS];
    uint8_t n;
} dom;

typedef struct file_id {
    uint64_t h;     /* 0: empty */
    bool pe;        /* pe.log described it */
    ts_alert *held; /* a download with a sign, raised if pe.log describes it */
} file_id;

typedef struct fetch_state {
    const char *extensions, *mime_types, *magic_words, *usual_ports, *common_domains;
    uint32_t rare_hosts;
    bool rare_alone; /* a rare name with no other sign alerts (off by default) */
    int sev_base, sev_step;
    dom *doms;
    size_t mask, used, cap;
    file_id *files;
    size_t files_mask;
} fetch_state;

/* Tunables: the [fetch] section of data/detect.conf. */
typedef struct fetch_settings {
    double rare_hosts, max_domains, file_ids, severity, severity_step, rare_name_alone;
    const char *extensions, *mime_types, *magic_words, *usual_ports, *common_domains;
} fetch_settings;

static const ts_tunable fetch_tunables[] = {
    TS_TUNE_STR(fetch_settings, extensions,
                "exe, dll, scr, ps1, hta, vbs, vbe, js, jse, wsf, bat, cmd, msi, sct"),
    TS_TUNE_STR(fetch_settings, mime_types,
                "application/x-dosexec, application/x-msdownload, application/hta"),
    TS_TUNE_STR(fetch_settings, magic_words, "PE32, MS-DOS executable"),
    TS_TUNE_STR(fetch_settings, usual_ports, "80, 443, 8080"),
    TS_TUNE_STR(fetch_settings, common_domains, ""),
    TS_TUNE(fetch_settings, rare_hosts, TS_TUNE_COUNT, 2, 0, 3),
    TS_TUNE(fetch_settings, max_domains, TS_TUNE_COUNT, 65536, 16, 1e7),
    TS_TUNE(fetch_settings, file_ids, TS_TUNE_COUNT, 4096, 16, 1e6),
    TS_TUNE(fetch_settings, severity, TS_TUNE_COUNT, 45, 1, 100),
    TS_TUNE(fetch_settings, severity_step, TS_TUNE_COUNT, 15, 0, 50),
    TS_TUNE(fetch_settings, rare_name_alone, TS_TUNE_COUNT, 0, 0, 1),
    {0},
};

static tocsin_code fetch_init(void *state, const ts_detect_ctx *ctx)
{
    fetch_state *st = state;
    const ts_config *c = ctx ? ctx->config : NULL;
    fetch_settings tune;
    if (!ts_tune_read(c, SEC, fetch_tunables, &tune))
        return TOCSIN_E_ARG;
    st->extensions = tune.extensions;
    st->mime_types = tune.mime_types;
    st->magic_words = tune.magic_words;
    st->usual_ports = tune.usual_ports;
    st->common_domains = tune.common_domains;
    double rare = tune.rare_hosts;
    double maxd = tune.max_domains;
    double base = tune.severity;
    double step = tune.severity_step;
    double alone = tune.rare_name_alone;
    if (!(alone == 0 || alone == 1) || !(rare >= 0 && rare < ASKERS) || !(maxd >= 16 && maxd <= 1e7) ||
        !(base >= 1 && base <= 100) || !(step >= 0 && step <= 50))
        return TOCSIN_E_ARG;
    st->rare_hosts = (uint32_t)rare;
    st->rare_alone = alone == 1;
    st->sev_base = (int)base;
    st->sev_step = (int)step;
    size_t slots = 16;
    while (slots < (size_t)maxd * 2)
        slots <<= 1;
    size_t fslots = 16;
    while (fslots < (size_t)tune.file_ids)
        fslots <<= 1;
    st->doms = calloc(slots, sizeof *st->doms);
    st->files = calloc(fslots, sizeof *st->files);
    if (!st->doms || !st->files)
        return TOCSIN_E_NOMEM;
    st->files_mask = fslots - 1;
    st->mask = slots - 1;
    st->cap = (size_t)maxd;
    return TOCSIN_OK;
}

static void fetch_fini(void *state)
{
    fetch_state *st = state;
    free(st->doms);
    for (size_t i = 0; st->files && i <= st->files_mask; i++)
        ts_alert_free(st->files[i].held);
    free(st->files);
}

static bool alnum(char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* The next file id of a list ("F1a2b", "F1a2b,F3c4d", ["F1a2b"]) after *rest; false at its
 * end. An id is a run of letters and digits. */
static bool next_file_id(ts_str *rest, ts_str *id)
{
    size_t i = 0;
    while (i < rest->n && !alnum(rest->p[i]))
        i++;
    size_t j = i;
    while (j < rest->n && alnum(rest->p[j]))
        j++;
    *id = ts_str_make(rest->p + i, j - i);
    *rest = ts_str_make(rest->p + j, rest->n - j);
    return id->n > 0;
}

static uint64_t file_hash(ts_str id)
{
    uint64_t h = bh_mix(bh_hash(BH_SEED ^ 0xf11e, id.p, id.n));
    return h ? h : 1;
}

/* The slot of file id h: its own, or the one it takes over (emptied). */
static file_id *file_slot(fetch_state *st, uint64_t h)
{
    file_id *f = &st->files[h & st->files_mask];
    if (f->h != h) {
        ts_alert_free(f->held);
        *f = (file_id){h, false, NULL};
    }
    return f;
}

/* The file ids an event names: http.log's resp_fuids, files.log's fuid. */
static ts_str file_ids(const ts_event *ev)
{
    ts_str ids = ts_event_field(ev, "resp_fuids");
    return ids.n ? ids : ts_event_field(ev, "fuid");
}

/* Whether pe.log described a file the event names. */
static bool pe_seen(const fetch_state *st, const ts_event *ev)
{
    ts_str rest = file_ids(ev), id;
    while (next_file_id(&rest, &id)) {
        uint64_t h = file_hash(id);
        const file_id *f = &st->files[h & st->files_mask];
        if (f->h == h && f->pe)
            return true;
    }
    return false;
}

/* A pe.log record: the download held for its file is raised, or the id is marked for the
 * request still to come. */
static void on_pe(fetch_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str rest = ts_event_field(ev, "id"), id;
    if (!next_file_id(&rest, &id))
        return;
    file_id *f = file_slot(st, file_hash(id));
    f->pe = true;
    if (f->held) {
        out->emit(out->ud, f->held);
        f->held = NULL;
    }
}

/* Whether v equals an item of the comma-separated list (case-insensitive). */
static bool in_list(const char *list, ts_str v)
{
    ts_str it;
    for (const char *p = list; ts_str_next_item(&p, &it);) {
        size_t k = 0;
        while (it.n == v.n && k < it.n && (v.p[k] | 0x20) == (it.p[k] | 0x20))
            k++;
        if (it.n && it.n == v.n && k == it.n)
            return true;
    }
    return false;
}

/* Whether s contains an item of the list (case-insensitive). */
static bool contains_item(const char *list, ts_str s)
{
    ts_str it;
    for (const char *p = list; ts_str_next_item(&p, &it);)
        for (size_t i = 0; it.n && i + it.n <= s.n; i++) {
            size_t k = 0;
            while (k < it.n && (s.p[i + k] | 0x20) == (it.p[k] | 0x20))
                k++;
            if (k == it.n)
                return true;
        }
    return false;
}

/* Whether name ends with a suffix of the list at a label boundary. */
static bool common(const char *list, ts_str name)
{
    ts_str it;
    for (const char *p = list; ts_str_next_item(&p, &it);) {
        if (!it.n || it.n > name.n)
            continue;
        size_t k = 0;
        const char *tail = name.p + name.n - it.n;
        while (k < it.n && (tail[k] | 0x20) == (it.p[k] | 0x20))
            k++;
        if (k == it.n && (it.n == name.n || tail[-1] == '.'))
            return true;
    }
    return false;
}

/* The extension of the last path segment of a URL or file name ("" if none). */
static ts_str extension(ts_str u)
{
    size_t end = 0;
    while (end < u.n && u.p[end] != '?' && u.p[end] != '#')
        end++;
    for (size_t i = end; i-- > 0;) {
        if (u.p[i] == '/' || u.p[i] == '\\')
            break;
        if (u.p[i] == '.')
            return ts_str_make(u.p + i + 1, end - i - 1);
    }
    return TS_STR_NULL;
}

static uint64_t name_hash(ts_str name)
{
    uint64_t h = BH_SEED;
    for (size_t i = 0; i < name.n; i++) {
        unsigned char c = (unsigned char)(name.p[i] | (name.p[i] >= 'A' && name.p[i] <= 'Z' ? 0x20 : 0));
        h = bh_hash(h, &c, 1);
    }
    h = bh_mix(h);
    return h ? h : 1;
}

/* The slot of name's entry, created when there is room; NULL when the table is full. */
static dom *dom_get(fetch_state *st, uint64_t h, bool create)
{
    for (size_t i = h & st->mask;; i = (i + 1) & st->mask) {
        dom *d = &st->doms[i];
        if (d->h == h)
            return d;
        if (!d->h) {
            if (!create || st->used >= st->cap)
                return NULL;
            d->h = h;
            st->used++;
            return d;
        }
    }
}

/* Adds the internal host to the askers of name: rare_hosts + 1 of them are told apart, so
 * that the downloader's own earlier visits do not make a name common. */
static void count_asker(fetch_state *st, ts_str name, const ts_ip *host)
{
    dom *d = dom_get(st, name_hash(name), true);
    if (!d || d->n > st->rare_hosts)
        return;
    uint32_t hh = (uint32_t)bh_mix(bh_ip(BH_SEED, host));
    for (uint8_t i = 0; i < d->n; i++)
        if (d->host[i] == hh)
            return;
    d->host[d->n++] = hh;
}

/* Whether the event names a program or script (and which, for the title). */
static bool is_program(const fetch_state *st, const ts_event *ev, ts_str *what)
{
    ts_str ext = extension(ev->url.n ? ev->url : ev->file_path);
    if (ext.n && in_list(st->extensions, ext)) {
        *what = ext;
        return true;
    }
    static const char *const mime_fields[] = {"resp_mime_types", "mime_type", "fileinfo.mimetype"};
    for (size_t i = 0; i < 3; i++) {
        ts_str m = ts_event_field(ev, mime_fields[i]);
        if (m.n && contains_item(st->mime_types, m)) {
            *what = m;
            return true;
        }
    }
    ts_str magic = ts_event_field(ev, "fileinfo.magic");
    if (magic.n && contains_item(st->magic_words, magic)) {
        *what = magic;
        return true;
    }
    ext = extension(ev->file_path);
    if (ext.n && in_list(st->extensions, ext)) {
        *what = ext;
        return true;
    }
    return false;
}

static void fetch_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    fetch_state *st = state;
    if (!(ev->category & (TS_CAT_WEB | TS_CAT_DNS | TS_CAT_TLS | TS_CAT_FILE)))
        return;
    /* pe.log: an executable's headers, by file id, with no address */
    if ((ev->category & TS_CAT_FILE) && ts_event_field(ev, "is_exe").n && ts_event_field(ev, "id").n) {
        on_pe(st, ev, out);
        return;
    }
    bool src_in = bh_internal(&ev->src_ip, &ev->src_geo), dst_in = bh_internal(&ev->dst_ip, &ev->dst_geo);
    if (src_in == dst_in)
        return;
    /* the server is the outside side; Zeek files.log and Suricata fileinfo may name it as
       the source (the sender of the file) */
    const ts_ip *host = src_in ? &ev->src_ip : &ev->dst_ip;
    const ts_ip *server = src_in ? &ev->dst_ip : &ev->src_ip;
    uint16_t port = src_in ? ev->dst_port : ev->src_port;
    ts_str name = ev->domain;
    ts_ip lit;
    bool bare = name.n && ts_ip_parse(name, &lit);
    if (name.n && !bare && !(ev->category & TS_CAT_FILE))
        count_asker(st, name, host);
    ts_str what;
    if (!(ev->category & (TS_CAT_WEB | TS_CAT_FILE)))
        return;
    /* not a program by its name or type: perhaps by pe.log, before or after it */
    bool held = false;
    if (!is_program(st, ev, &what)) {
        if (!file_ids(ev).n)
            return;
        what = TS_STR_LIT("an executable by Zeek's pe.log");
        held = !pe_seen(st, ev);
    }
    /* a files.log record has no host name and no port: only the sign it can show counts */
    bool rare = false;
    if (name.n && !bare && !common(st->common_domains, name)) {
        const dom *d = dom_get(st, name_hash(name), false);
        if (d) {
            uint32_t hh = (uint32_t)bh_mix(bh_ip(BH_SEED, host));
            uint8_t others = 0;
            for (uint8_t i = 0; i < d->n; i++)
                others += d->host[i] != hh;
            rare = others < st->rare_hosts; /* the downloader itself does not make a name common */
        }
    }
    if (!name.n && (ev->category & TS_CAT_WEB))
        bare = true; /* an HTTP request without a Host header names no server */
    char pb[8];
    int pn = snprintf(pb, sizeof pb, "%u", (unsigned)port);
    bool odd_port = port && !in_list(st->usual_ports, ts_str_make(pb, (size_t)pn));
    int signs = bare + rare + odd_port;
    /* A name few hosts ask for is how most software vendors look to a small site: alone,
       it rang on ordinary installs (68 false alerts in 400 simulated user-days). */
    if (!signs || (signs == 1 && rare && !st->rare_alone))
        return;

    ts_alert *a = calloc(1, sizeof *a);
    if (!a)
        return;
    a->detector = "fetch";
    a->kind = TS_EV_BEHAVIOUR;
    ts_alert_from_event(a, ev);
    ts_alert_orient(a, ev, src_in ? TS_SIDE_DST : TS_SIDE_SRC);
    a->severity = (uint8_t)(st->sev_base + st->sev_step * (signs - 1) + (bare ? st->sev_step / 2 : 0));
    if (a->severity > 100)
        a->severity = 100;
    a->techniques = strdup("T1105");
    char ibuf[TS_IP_STRLEN], sbuf[TS_IP_STRLEN];
    const char *internal = ts_alert_internal_entity(a, ibuf);
    ts_ip_format(server, sbuf);
    if (name.n && !bare && !(a->remote_name = ts_strndup(name))) {
        ts_alert_free(a);
        return;
    }
    char why[64];
    snprintf(why, sizeof why, "%s%s%s", bare ? ", bare address" : "", rare ? ", rare name" : "",
             odd_port ? ", unusual port" : "");
    int wn = what.n > 60 ? 60 : (int)what.n;
    ts_str shown = ev->url.n ? ev->url : ev->file_path.n ? ev->file_path : what;
    int un = shown.n > 200 ? 200 : (int)shown.n;
    a->key = ts_fmt_alloc("fetch|%s|%.*s", internal, name.n && !bare ? (int)name.n : (int)strlen(sbuf),
                          name.n && !bare ? name.p : sbuf);
    a->title = ts_fmt_alloc("%s downloaded %.*s (%.*s) from %s%s%.*s port %u (%s)", internal, un, shown.p, wn,
                            what.p, sbuf, name.n && !bare ? " " : "", name.n && !bare ? (int)name.n : 0,
                            name.n && !bare ? name.p : "", (unsigned)port, why + 2);
    if (!a->key || !a->title || !a->techniques) {
        ts_alert_free(a);
        return;
    }
    if (held) {
        ts_str rest = file_ids(ev), id;
        if (next_file_id(&rest, &id)) {
            file_id *f = file_slot(st, file_hash(id));
            ts_alert_free(f->held); /* the same file asked for again: the newest request */
            f->held = a;
        } else
            ts_alert_free(a);
        return;
    }
    out->emit(out->ud, a);
}

static size_t fetch_usage(void *state, ts_state_use *out, size_t n)
{
    const fetch_state *st = state;
    if (n)
        out[0] = (ts_state_use){
            "domains", st->used, st->cap, 0, (st->mask + 1) * sizeof(dom), (st->mask + 1) * sizeof(dom),
            true};
    if (n > 1) {
        /* a held download is an alert of about a kilobyte at most */
        size_t slots = st->files_mask + 1, held = 0;
        for (size_t i = 0; i < slots; i++)
            held += st->files[i].held != NULL;
        out[1] = (ts_state_use){"file ids",
                                held,
                                slots,
                                0,
                                slots * sizeof(file_id) + held * 1024,
                                slots * (sizeof(file_id) + 1024),
                                false};
    }
    return 2;
}

const ts_detector ts_detector_fetch = {
    .name = "fetch",
    .tunables = fetch_tunables,
    .summary = "programs or scripts downloaded from a bare address, a rare domain or an unusual port",
    .state_size = sizeof(fetch_state),
    .init = fetch_init,
    .event = fetch_event,
    .fini = fetch_fini,
    .usage = fetch_usage,
};
