/* collection.c: detector "collection": an account opening many file shares new to it, and files
 * copied to removable storage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/alert_util.h"
#include "detect/baseline.h"
#include "detect/behave_util.h"
#include "detect/detect.h"

/*
 * Rationale. Before data leaves, someone gathers it. An intruder with a stolen account, or
 * an employee about to leave, reads the file shares beyond their own work, then carries
 * the take out, over the network (the exfil detector) or on a USB stick, which no network
 * sensor sees. Both leave Windows events behind:
 *   - share sweep: Security 5140/5145 (a share opened) on the file servers, or Zeek
 *     smb_mapping for hosts without those logs (administrative shares like C$ and ADMIN$
 *     are the lateral detector's). Each account's shares are remembered
 *     (saved between runs); an account opening `share_min` shares new to it within
 *     `share_window` alerts. People open the same few shares day after day, so a sweep
 *     of new ones stands out; a backup or indexing account that reads every share does so
 *     from its first day, and learns its shares then.                       T1039, T1135
 *   - removable media: Security 6416 says a USB mass-storage disk arrived on a host; then
 *     Sysmon 11 file creations within `usb_window` of the arrival are counted, except on
 *     C: and on letters written on `fixed_days` distinct days (the host's own D: disk).
 *     `usb_archives_min` archives or mailboxes, or `usb_files_min` files of any kind,
 *     alert.                                                                 T1052.001
 * Learning is explicit: an account first seen less than `young_hours` ago has no history
 * of shares yet, so it needs twice `share_min` and the alert says "baseline young".
 *
 * Tunables ([collection] in detect.conf): share_window, share_min, young_hours, usb_window,
 * usb_files_min, usb_archives_min, fixed_days, max_accounts, max_shares (account-share
 * pairs), max_hosts: what it remembers at most (the quietest are forgotten first).
 */

#define DET "collection"
#define SEC "collection"
#define MAGIC 0x32434f43u /* "COC2" */
#define NAMES 3           /* shares quoted in the title */
#define NAME_LEN 48

/* An account's current window of share openings. */
typedef struct sweep {
    int64_t first_seen; /* the account's first share opening */
    int64_t start;      /* of the current window */
    uint32_t n_fresh;   /* shares new to the account in this window */
    uint32_t alerted;
    char names[NAMES][NAME_LEN];
} sweep;

/* A host's removable storage. The hunt reads one file after another, so a host's device
 * arrivals (Security) and file creations (Sysmon) come in two passes, in either order:
 * both are kept in small rings and matched whichever comes second. */
#define ARRIVALS 4
#define WRITES 32
typedef struct usb_write {
    int64_t ts;
    char letter;
    uint8_t archive;
} usb_write;

typedef struct usb_host {
    int64_t arrived[ARRIVALS]; /* 0: empty */
    int64_t alerted[ARRIVALS]; /* the arrival an alert was raised for */
    usb_write w[WRITES];       /* the latest file creations off C: */
    uint32_t n_w;              /* ever written; the ring holds the last WRITES */
    uint32_t n_arr;
    int64_t letter_day[26];  /* the last day (ns / day) each letter was written on */
    uint8_t letter_days[26]; /* distinct days each letter was written on (saturating) */
    char device[NAME_LEN];   /* the last storage device's maker */
} usb_host;

typedef struct col_state {
    int64_t share_window, young, usb_window;
    uint32_t share_min, usb_files, usb_archives, fixed_days;
    bl_map accounts; /* account -> sweep (saved) */
    bl_map known;    /* (account, server, share) seen (saved) */
    bl_map hosts;    /* host -> usb_host (saved) */
} col_state;

/* Tunables: the [collection] section of data/detect.conf. */
typedef struct col_settings {
    double share_window, share_min, young_hours, usb_window, usb_files_min, usb_archives_min, fixed_days,
        max_accounts, max_shares, max_hosts;
} col_settings;

static const ts_tunable col_tunables[] = {
    TS_TUNE(col_settings, share_window, TS_TUNE_SECONDS, 3600, 1, 30 * 86400.0),
    TS_TUNE(col_settings, share_min, TS_TUNE_COUNT, 4, 2, 1e6),
    TS_TUNE(col_settings, young_hours, TS_TUNE_NUM, 24, 0, 8760),
    TS_TUNE(col_settings, usb_window, TS_TUNE_SECONDS, 7200, 1, 30 * 86400.0),
    TS_TUNE(col_settings, usb_files_min, TS_TUNE_COUNT, 20, 1, 1e9),
    TS_TUNE(col_settings, usb_archives_min, TS_TUNE_COUNT, 2, 1, 1e9),
    TS_TUNE(col_settings, fixed_days, TS_TUNE_COUNT, 3, 1, 255),
    TS_TUNE(col_settings, max_accounts, TS_TUNE_COUNT, 50000, 16, 1e8),
    TS_TUNE(col_settings, max_shares, TS_TUNE_COUNT, 500000, 16, 1e9),
    TS_TUNE(col_settings, max_hosts, TS_TUNE_COUNT, 20000, 16, 1e8),
    {0},
};

static tocsin_code col_init(void *state, const ts_detect_ctx *ctx)
{
    col_state *st = state;
    const ts_config *c = ctx->config;
    col_settings tune;
    if (!ts_tune_read(c, SEC, col_tunables, &tune))
        return TOCSIN_E_ARG;
    st->share_window = (int64_t)(tune.share_window * BL_NS);
    st->share_min = (uint32_t)tune.share_min;
    st->young = (int64_t)(tune.young_hours * 3600 * BL_NS);
    st->usb_window = (int64_t)(tune.usb_window * BL_NS);
    st->usb_files = (uint32_t)tune.usb_files_min;
    st->usb_archives = (uint32_t)tune.usb_archives_min;
    st->fixed_days = (uint32_t)tune.fixed_days;
    if (st->share_window <= 0 || st->share_min < 2 || st->young < 0 || st->usb_window <= 0 ||
        st->usb_files < 1 || st->usb_archives < 1 || st->fixed_days < 1 || st->fixed_days > 255)
        return TOCSIN_E_ARG;
    bl_map_init(&st->accounts, sizeof(sweep), (size_t)tune.max_accounts);
    bl_map_init(&st->known, 0, (size_t)tune.max_shares);
    bl_map_init(&st->hosts, sizeof(usb_host), (size_t)tune.max_hosts);
    return TOCSIN_OK;
}

/* later - earlier, saturated: saved times come back from a blob that may be damaged. */
static int64_t gap(int64_t later, int64_t earlier)
{
    int64_t d;
    if (__builtin_sub_overflow(later, earlier, &d))
        return later > earlier ? INT64_MAX : INT64_MIN;
    return d;
}

/* ---- share sweeps ------------------------------------------------------------------------ */

/* "\\*\Finance" (5140), "\\FS-01\FINANCE" (smb_mapping): the share's own name. */
static ts_str share_name(ts_str s)
{
    s = ts_str_trim(s);
    while (s.n && (s.p[s.n - 1] == '\\' || s.p[s.n - 1] == '/'))
        s.n--;
    return bl_basename(s);
}

/* Shares that hold people's files. IPC$ carries named pipes (every RPC call opens it);
 * ADMIN$, C$ and the other drive shares are administration, which the lateral detector
 * judges; every machine and user reads SYSVOL and NETLOGON from the domain controllers. */
static bool file_share(ts_str name)
{
    static const char *const not_data[] = {"IPC$", "ADMIN$", "PRINT$", "SYSVOL", "NETLOGON"};
    if (!name.n || (name.n == 2 && name.p[1] == '$'))
        return false;
    for (size_t i = 0; i < sizeof not_data / sizeof *not_data; i++)
        if (ts_str_ieq(name, not_data[i]))
            return false;
    return true;
}

static void sweep_alert(const col_state *st, const ts_event *ev, const sweep *w, bool young,
                        const ts_alert_sink *out)
{
    char list[NAMES * (NAME_LEN + 2) + 8] = "";
    for (uint32_t i = 0; i < NAMES && i < w->n_fresh; i++) {
        size_t used = strlen(list);
        /* Bounded: the names come back from a saved blob, which may be damaged. */
        snprintf(list + used, sizeof list - used, "%s%.*s", i ? ", " : "",
                 (int)strnlen(w->names[i], NAME_LEN), w->names[i]);
    }
    if (w->n_fresh > NAMES) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, ", ...");
    }
    char who[128], ip[TS_IP_STRLEN];
    if (ev->user.n)
        snprintf(who, sizeof who, "%.*s", TS_STR_CUT(ev->user, 100));
    else
        snprintf(who, sizeof who, "%s", ts_ip_format(&ev->src_ip, ip));
    bl_emit(out, DET, ev, young ? 35 : 55, "T1039,T1135", ts_fmt_alloc("collection|shares|%s", who),
            ts_fmt_alloc("%s opened %u shares new to it within %.0f min (%s)%s", who, (unsigned)w->n_fresh,
                         (double)st->share_window / (60.0 * BL_NS), list,
                         young ? "; baseline young: the account is new to the share logs" : ""));
}

/* One share opened by an account (a name, or the client's address when no name is known). */
static void on_share(col_state *st, const ts_event *ev, ts_str share_field, const ts_alert_sink *out)
{
    ts_str name = share_name(share_field);
    if (!file_share(name) || !ev->ts_ns)
        return;
    if (!ev->user.n && !ev->src_ip.v)
        return;
    if (ts_str_iends(ev->user, "$"))
        return; /* a computer account: machines read policies and profiles from every share */
    uint64_t acct = ev->user.n ? bl_hash(ev->user, BL_SEED) : bl_hash_ip(&ev->src_ip, BL_SEED);
    /* The server is the host that logged 5140, or the address smb_mapping connected to. */
    uint64_t server = ev->host.n ? bl_hash(ev->host, BL_SEED) : bl_hash_ip(&ev->dst_ip, BL_SEED);
    uint64_t share = bl_hash(name, server);
    bool created;
    sweep *w = bl_map_put(&st->accounts, acct, ev->ts_ns, &created);
    if (!w)
        return;
    if (created)
        w->first_seen = ev->ts_ns;
    if (!bl_set_add(&st->known, bl_hash_u64(acct, share), ev->ts_ns))
        return; /* opened before: the account's own routine */
    if (gap(ev->ts_ns, w->start) > st->share_window) {
        w->start = ev->ts_ns;
        w->n_fresh = 0;
        w->alerted = 0;
    }
    if (w->n_fresh < NAMES) {
        if (ev->host.n) { /* the server's first label: "fs-01" of fs-01.corp.example */
            const char *dot = memchr(ev->host.p, '.', ev->host.n);
            size_t hn = dot ? (size_t)(dot - ev->host.p) : ev->host.n;
            snprintf(w->names[w->n_fresh], NAME_LEN, "\\\\%.*s\\%.*s",
                     TS_STR_CUT(ts_str_make(ev->host.p, hn), 20), TS_STR_CUT(name, 24));
        } else
            snprintf(w->names[w->n_fresh], NAME_LEN, "%.*s", TS_STR_CUT(name, NAME_LEN - 1));
    }
    if (w->n_fresh < UINT32_MAX)
        w->n_fresh++;
    bool young = gap(ev->ts_ns, w->first_seen) < st->young;
    uint32_t need = young ? st->share_min * 2 : st->share_min;
    if (!w->alerted && w->n_fresh >= need) {
        w->alerted = 1;
        sweep_alert(st, ev, w, young, out);
    }
}

/* ---- removable storage -------------------------------------------------------------------- */

static usb_host *usb_of(col_state *st, const ts_event *ev)
{
    return ev->host.n ? bl_map_put(&st->hosts, bl_hash(ev->host, BL_SEED), ev->ts_ns, NULL) : NULL;
}

static bool archive(ts_str path)
{
    static const char *const ext[] = {".7z",  ".zip", ".rar", ".tar", ".gz", ".tgz",
                                      ".bz2", ".xz",  ".cab", ".pst", ".ost"};
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++)
        if (ts_str_iends(path, ext[i]))
            return true;
    return false;
}

/* Files and archives written off the host's own disks within the window after arrival a,
 * and the drive letter most of them went to. */
static void tally(const col_state *st, const usb_host *h, int64_t a, uint32_t *files, uint32_t *archives,
                  char *letter)
{
    uint32_t per[26] = {0}, n = h->n_w < WRITES ? h->n_w : WRITES, most = 0;
    *files = *archives = 0;
    *letter = '?';
    for (uint32_t i = 0; i < n; i++) {
        const usb_write *w = &h->w[i];
        int l = w->letter - 'A';
        if (l < 0 || l >= 26 || w->ts < a || gap(w->ts, a) > st->usb_window ||
            h->letter_days[l] >= st->fixed_days)
            continue;
        (*files)++;
        *archives += w->archive;
        per[l]++;
    }
    for (int l = 0; l < 26; l++)
        if (per[l] > most) {
            most = per[l];
            *letter = (char)('A' + l);
        }
}

/* Alerts for arrival slot k when what was written after it passes a floor; ev is the
 * event that completed the picture (the last file, or the arrival read after the files). */
static void judge(const col_state *st, usb_host *h, uint32_t k, const ts_event *ev, const ts_alert_sink *out)
{
    uint32_t files, archives;
    char letter;
    if (!h->arrived[k] || h->alerted[k] == h->arrived[k])
        return;
    tally(st, h, h->arrived[k], &files, &archives, &letter);
    if (archives < st->usb_archives && files < st->usb_files)
        return;
    h->alerted[k] = h->arrived[k];
    char host[112];
    snprintf(host, sizeof host, "%.*s", TS_STR_CUT(ev->host, 100));
    bl_emit(out, DET, ev, archives >= st->usb_archives ? 65 : 50, "T1052.001",
            ts_fmt_alloc("collection|usb|%s", host),
            ts_fmt_alloc(
                "%u files (%u archives or mailboxes) written to removable drive %c: on %s within %.0f min "
                "of a USB storage device (%.*s) arriving",
                (unsigned)files, (unsigned)archives, letter, host, (double)st->usb_window / (60.0 * BL_NS),
                h->device[0] ? (int)strnlen(h->device, NAME_LEN) : 7, h->device[0] ? h->device : "unnamed"));
}

/* 6416: a device arrived; only mass storage matters here. */
static void on_device(col_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str id = ts_event_field(ev, "DeviceId"), cls = ts_event_field(ev, "ClassName");
    if (!ts_str_ieq(cls, "DiskDrive") && !bl_icontains(id, "USBSTOR"))
        return;
    usb_host *h = usb_of(st, ev);
    if (!h)
        return;
    uint32_t k = h->n_arr++ % ARRIVALS;
    h->arrived[k] = ev->ts_ns;
    h->alerted[k] = 0;
    /* "USBSTOR\Disk&Ven_SanDisk&Prod_Flash..." names its maker; else the description. */
    const char *ven = NULL;
    for (size_t i = 0; i + 4 <= id.n; i++)
        if (strncmp(id.p + i, "Ven_", 4) == 0) {
            ven = id.p + i + 4;
            break;
        }
    if (ven) {
        size_t n = 0;
        while (ven + n < id.p + id.n && ven[n] != '&' && ven[n] != '\\')
            n++;
        snprintf(h->device, sizeof h->device, "%.*s", TS_STR_CUT(ts_str_make(ven, n), NAME_LEN - 1));
    } else {
        ts_str d = ts_event_field(ev, "DeviceDescription");
        snprintf(h->device, sizeof h->device, "%.*s", TS_STR_CUT(d, NAME_LEN - 1));
    }
    judge(st, h, k, ev, out); /* files read before, from the Sysmon log */
}

/* Sysmon 11: a file created off C:. A letter written on fixed_days distinct days is one of
 * the host's own disks (a D: data disk), or a stick used so routinely it is the baseline. */
static void on_file(col_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str p = ev->file_path;
    if (p.n < 3 || p.p[1] != ':' || (p.p[2] != '\\' && p.p[2] != '/'))
        return;
    char letter = (char)(p.p[0] & ~0x20);
    if (letter < 'A' || letter > 'Z' || letter == 'C')
        return;
    usb_host *h = usb_of(st, ev);
    if (!h)
        return;
    int l = letter - 'A';
    int64_t day = ev->ts_ns / (86400 * BL_NS);
    if (h->letter_day[l] != day) {
        h->letter_day[l] = day;
        if (h->letter_days[l] < 255)
            h->letter_days[l]++;
    }
    h->w[h->n_w++ % WRITES] = (usb_write){ev->ts_ns, letter, archive(p)};
    for (uint32_t k = 0; k < ARRIVALS; k++)
        if (h->arrived[k] && ev->ts_ns >= h->arrived[k] && gap(ev->ts_ns, h->arrived[k]) <= st->usb_window)
            judge(st, h, k, ev, out);
}

static void col_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    col_state *st = state;
    /* What the event is, whoever wrote it: Windows 5140/5145 and Zeek smb_mapping alike. */
    if (ts_str_eq(ev->action, "network-share-accessed") ||
        ts_str_eq(ev->action, "network-share-object-checked"))
        on_share(st, ev, bh_share(ev), out);
    else if (ts_str_eq(ev->action, "device-recognized"))
        on_device(st, ev, out);
    else if (ts_str_eq(ev->action, "file-created"))
        on_file(st, ev, out);
}

/* ---- saved state ------------------------------------------------------------------------------- */

/* What it keeps between runs; a damaged blob is refused whole and it learns afresh. */
static const ts_saved_field col_saved_fields[] = {
    BL_SAVED_MAP(col_state, accounts, 0, "accounts"),
    BL_SAVED_MAP(col_state, known, 0, "account-share pairs"),
    BL_SAVED_MAP(col_state, hosts, 0, "hosts"),
    {0},
};
static const ts_saved col_saved = {DET, MAGIC, col_saved_fields};

const ts_detector ts_detector_collection = {
    .name = DET,
    .tunables = col_tunables,
    .summary = "collection: an account opening many file shares new to it; files copied to removable storage",
    .state_size = sizeof(col_state),
    .init = col_init,
    .event = col_event,
    .saved = &col_saved,
};
