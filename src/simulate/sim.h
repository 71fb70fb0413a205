/* sim.h: internals of the simulator shared by its files: PRNG, buffered outputs, fast
 * formatters, the organisation, the writers of each log format and the scheduler. */
#ifndef TS_SIM_H
#define TS_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/diag.h"
#include "tocsin.h"

/* ---------------------------------------------------------------- PRNG (xoshiro256**) */

typedef struct sim_rng {
    uint64_t s[4];
} sim_rng;

/* The splitmix64 finaliser: a bijection of 64-bit values, used to derive seeds and
 * unique identifiers from counters. */
static inline uint64_t sim_mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void sim_rng_seed(sim_rng *r, uint64_t seed);

static inline uint64_t sim_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t sim_next(sim_rng *r)
{
    uint64_t *s = r->s;
    uint64_t res = sim_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = sim_rotl(s[3], 45);
    return res;
}

/* Uniform in [0, n); n == 0 gives 0. */
static inline uint32_t sim_below(sim_rng *r, uint32_t n)
{
    return (uint32_t)(((sim_next(r) >> 32) * (uint64_t)n) >> 32);
}
static inline double sim_unit(sim_rng *r)
{
    return (double)(sim_next(r) >> 11) * 0x1.0p-53;
}
static inline bool sim_chance(sim_rng *r, double p)
{
    return sim_unit(r) < p;
}
/* Uniform in [lo, hi] (hi >= lo). */
static inline int64_t sim_range(sim_rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(sim_next(r) % (uint64_t)(hi - lo + 1));
}
/* Exponentially distributed with the given mean. */
double sim_expo(sim_rng *r, double mean);
/* Log-normal around median with spread sigma (sizes of files and transfers). */
double sim_lognorm(sim_rng *r, double median, double sigma);
/* Zipf-like index in [0, n): low indices far more likely (popular domains). */
uint32_t sim_zipf(sim_rng *r, uint32_t n);

/* ---------------------------------------------------------------- time */

#define SIM_US 1000000LL
#define SIM_MIN (60 * SIM_US)
#define SIM_HOUR (3600 * SIM_US)
#define SIM_DAY (86400 * SIM_US)

typedef struct sim_civil {
    int y;
    unsigned mo, d, h, mi, s, us, wday; /* wday: 0 = Sunday */
} sim_civil;

/* Splits microseconds since the epoch (UTC) into calendar fields. */
void sim_civil_of(int64_t us, sim_civil *c);
/* Days since the epoch of a calendar date. */
int64_t sim_days_of(int y, unsigned mo, unsigned d);
/* Parses "YYYY-MM-DD" to microseconds at 00:00 UTC; false if malformed. */
bool sim_parse_date(const char *s, int64_t *us);

/* ---------------------------------------------------------------- buffered outputs */

typedef struct sim_out {
    int fd;
    char *buf;
    size_t n, cap;
    uint64_t line;  /* lines completed so far (the next record starts at line + 1) */
    uint64_t bytes; /* bytes written so far */
    int failed;     /* errno of the first failed write, 0 if none */
    char rel[48];   /* path relative to the output directory */
} sim_out;

bool sim_out_open(sim_out *o, const char *dir, const char *rel, size_t cap);
/* An output whose format was not asked for: writes land in a small buffer and are dropped,
 * so generators need not check which formats are on. */
bool sim_out_discard(sim_out *o, const char *rel);
/* Flushes and closes; returns false if any write failed. */
bool sim_out_close(sim_out *o);
void sim_out_flush(sim_out *o);

/* Writes n bytes straight to the file (after flushing): for pieces bigger than the buffer. */
void sim_out_write_through(sim_out *o, const char *s, size_t n);

static inline void sim_put(sim_out *o, const char *s, size_t n)
{
    if (o->n + n > o->cap) {
        sim_out_flush(o);
        if (n > o->cap) {
            sim_out_write_through(o, s, n);
            return;
        }
    }
    memcpy(o->buf + o->n, s, n);
    o->n += n;
}
#define SIM_PUTL(o, lit) sim_put((o), (lit), sizeof(lit) - 1)
static inline void sim_putc(sim_out *o, char c)
{
    if (o->n + 1 > o->cap)
        sim_out_flush(o);
    o->buf[o->n++] = c;
}
static inline void sim_puts(sim_out *o, const char *s)
{
    sim_put(o, s, strlen(s));
}

void sim_put_u64(sim_out *o, uint64_t v);
void sim_put_i64(sim_out *o, int64_t v);
void sim_put_hex(sim_out *o, uint64_t v, int width, bool upper); /* width 0: no padding */
void sim_put_ip4(sim_out *o, uint32_t ip);
/* A JSON string with its quotes; escapes quotes, backslashes and control bytes. */
void sim_put_jstr(sim_out *o, const char *s);
void sim_put_jstrn(sim_out *o, const char *s, size_t n);
/* "2014-09-01T08:00:00.123456Z" */
void sim_put_iso(sim_out *o, int64_t us);
/* "2014-09-01 08:00:00.123" (Sysmon UtcTime) */
void sim_put_sysmon_time(sim_out *o, int64_t us);
/* "1409558400.123456" (Zeek) */
void sim_put_epoch(sim_out *o, int64_t us);
/* "2014-09-01T08:00:00.123456+0000" (Suricata) */
void sim_put_eve_time(sim_out *o, int64_t us);
/* "Mon, 01 Sep 2014 08:00:00 -0700" (RFC 5322) at the given UTC offset in minutes */
void sim_put_rfc5322(sim_out *o, int64_t us, int off_min);
/* "Mon Sep  1 08:00:00 2014" (mbox From_ line, asctime layout, UTC) */
void sim_put_asctime(sim_out *o, int64_t us);
/* "2014-09-01T08:00:00.123456+00:00" (rsyslog RFC 3339 file format) */
void sim_put_rfc3339(sim_out *o, int64_t us);

/* Small formatting into a char buffer (not on the hot path). */
size_t sim_fmt_ip4(char *buf, uint32_t ip); /* buf >= 16; NUL-terminated */
size_t sim_fmt_u64(char *buf, uint64_t v);  /* buf >= 21; NUL-terminated */

/* ---------------------------------------------------------------- the organisation */

enum sim_role { ROLE_STAFF, ROLE_EXEC, ROLE_ADMIN, ROLE_SERVICE };
enum sim_hkind {
    HK_WS,
    HK_DC,
    HK_FILE,
    HK_MAIL,
    HK_JUMP,
    HK_DEPLOY,
    HK_BACKUP,
    HK_APP,
    HK_SQL,
    HK_LINUX,
    HK_SFTP,
    HK_SCAN /* the vulnerability scanner */
};

typedef struct sim_site {
    const char *city;
    const char *cc; /* country of the office */
    int std_off;    /* standard-time UTC offset, minutes */
    int dst;        /* 0 none, 1 US rule, 2 EU rule */
    uint8_t net;    /* second octet of the site's 10.x.0.0/16 */
} sim_site;

typedef struct sim_user {
    char name[24]; /* sAMAccountName */
    char first[16], last[20];
    uint8_t role, site, dept;
    uint32_t ws;      /* workstation host index; UINT32_MAX for service accounts */
    int32_t hire_day; /* day index of the first working day; <= 0: already employed */
    uint32_t rid;
    uint8_t home_geo; /* index of the country pool of the home address */
    uint32_t home_ip;
    /* the state of the working day */
    uint8_t phase;    /* 0 off, 1 at work */
    uint8_t remote;   /* today from home/travel over the VPN */
    uint32_t vpn_ip;  /* pool address while on the VPN */
    uint8_t hops;     /* administrators: servers still to visit from the jump host */
    uint32_t jump;    /* ... that jump host */
    int64_t sess_end; /* ... and when the session ends */
    int64_t leave_at; /* end of today's work */
    uint64_t logon_id;
} sim_user;

typedef struct sim_host {
    char name[24]; /* "ws-0042" */
    char nb[24];   /* "WS-0042" */
    char fqdn[80]; /* "ws-0042.corp.example.com" */
    uint32_t ip;
    uint8_t kind, site;
    uint32_t owner;                        /* user index for workstations, UINT32_MAX otherwise */
    uint64_t rec_sec, rec_sys, rec_sysmon; /* per-channel EventRecordID counters */
    uint32_t pid_seed;
} sim_host;

typedef struct sim_geo {
    char cc[3];
    uint32_t base, size; /* an address pool of that country */
} sim_geo;

typedef struct sim_org {
    char name[40];   /* "Norvale Pictures" */
    char domain[48]; /* mail domain "norvale.com" */
    char ad[64];     /* "corp.norvale.com" */
    char nb[16];     /* NetBIOS domain "NORVALE" */
    uint32_t sid[3];
    char sidpfx[48]; /* "S-1-5-21-a-b-c-" */
    sim_user *users;
    uint32_t nusers, nhuman;
    sim_host *hosts;
    uint32_t nhosts, nws;
    uint32_t first_server; /* hosts[first_server..] are servers */
    uint32_t dcs[4], ndc;
    uint32_t fs[16], nfs;
    uint32_t jumps[4], njump;
    uint32_t lin[16], nlin;
    uint32_t apps[16], napp;
    uint32_t sqls[8], nsql;
    uint32_t mail, deploy, backup, sftp, scan;
    uint32_t pub_base; /* the org's public /24 */
    uint32_t vpn_pub, mx_pub, sftp_pub, nat_pub;
    char partners[6][40];
    uint32_t partner_ip[6];
    uint32_t npartner;
    uint32_t admins[64], nadmin;
    uint32_t execs[64], nexec;
    uint32_t svc_backup, svc_deploy, svc_sql, svc_web, svc_scan;
} sim_org;

/* ---------------------------------------------------------------- configuration */

/* The rates of normal activity (data/simulate/normal.conf, documented there and in
 * docs/simulate.md). */
typedef struct sim_conf {
    double arrive_hour, arrive_sd, day_hours;
    double remote_share, travel_share;
    double browse_per_day, longtail_share, new_domain_per_day, http_share;
    double share_per_day, process_per_day, failed_logon_rate;
    double mail_in_per_user, mail_out_per_user, newsletter_share, internal_share, attach_share;
    double admin_sessions_per_day, linux_sessions_per_day;
    double deploy_per_week, deploy_hosts_share;
    double backup_gb, offsite_gb;
    double scanner_per_day;
    /* routine look-alikes of attacks (docs/simulate.md) */
    double vuln_scan_per_week, vuln_scan_ports, vuln_scan_fail_share;
    double vpn_rdp_share;
    double list_share, tracking_share, dkim_bodyhash_fail;
    double admin_script_per_day, it_recon_per_day, archive_per_day;
    double new_hire_share;
    double exec_share, admin_share;
    uint32_t longtail_pool;
} sim_conf;

void sim_conf_defaults(sim_conf *c);
/* Reads "key = value" lines into c; unknown keys and bad numbers are errors, each told to
 * diag (may be NULL) with the file and line. */
tocsin_code sim_conf_load(sim_conf *c, const char *path, ts_diag_fn diag, void *ud);
/* The same over a buffer (for tests and fuzzing); name is the file it came from. */
tocsin_code sim_conf_parse(sim_conf *c, const char *buf, size_t len, const char *name, ts_diag_fn diag,
                           void *ud);
/* Reads a whole file of at most cap bytes into a malloc'ed, NUL-terminated buffer. */
tocsin_code sim_read_file(const char *path, size_t cap, char **out, size_t *len, ts_diag_fn diag, void *ud);

/* ---------------------------------------------------------------- the run */

enum sim_zlog { Z_CONN, Z_DNS, Z_HTTP, Z_SSL, Z_SMTP, Z_FILES, Z_KERBEROS, Z_NTLM, Z_SMB, Z_RDP, Z_N };

enum sim_file {
    F_SEC,
    F_SYSMON,
    F_SYSTEM,
    F_ZTSV,                 /* F_ZTSV + zlog: Zeek TSV */
    F_ZJSON = F_ZTSV + Z_N, /* F_ZJSON + zlog: Zeek JSON */
    F_EVE = F_ZJSON + Z_N,
    F_MBOX,
    F_AUTH,
    F_TRUTH,
    F_N
};

/* A TCP or UDP connection as Zeek conn.log sees it. */
typedef struct sim_conn {
    int64_t ts, dur;
    uint32_t src, dst;
    uint16_t sport, dport;
    const char *proto;   /* "tcp" / "udp" */
    const char *service; /* NULL when unknown */
    uint64_t obytes, rbytes;
    const char *state; /* "SF", "S0", "REJ" ... */
    uint64_t flow_id;  /* set by sim_net_conn: the Suricata flow of the connection */
} sim_conn;

struct sim_campaign;
struct sim_step;

typedef struct sim_ctx {
    const tocsin_sim_options *opt;
    sim_conf conf;
    sim_org org;
    sim_rng rng;  /* normal activity */
    sim_rng crng; /* the campaign: kept apart so normal activity does not depend on it */
    uint64_t seed;
    sim_out out[F_N];
    bool on[F_N];
    int64_t start, end; /* the simulated period, microseconds UTC */
    uint32_t days;
    uint64_t uid_ctr, flow_ctr, msg_ctr, fuid_ctr, newdom_ctr, pid_ctr;
    struct sim_campaign *camp;
    struct sim_normal *normal;                         /* state of the background services (normal.c) */
    void (*sched_add)(void *, int64_t, int, uint32_t); /* the queue, for records due later */
    void *sched;
    struct sim_conn last_conn; /* the connection sim_net_conn wrote last (for alerts on it) */
    struct sim_step *cur;      /* the campaign step whose events are being written, or NULL */
    const char *benign;        /* else the routine look-alike being written ("vuln-scan"), or NULL */
    struct sim_benign {        /* what each look-alike wrote, for the truth's summary lines */
        const char *kind;
        uint64_t events;
        int64_t first, last;
    } bn[12];
    uint32_t nbn;
    bool wfirst[3];   /* per Windows channel: no EventData pair written yet */
    uint64_t wrec[3]; /* per Windows channel: the record being written */
    char *mbuf;       /* scratch for one mail message */
    size_t mcap;
    uint64_t total_bytes;
} sim_ctx;

/* Records that a record of file f just written (starting at line) belongs to the current
 * campaign step, if any, with its natural identifier. */
void sim_mark(sim_ctx *x, int f, uint64_t line, int64_t ts, const char *id);
/* The same for a record of a routine look-alike of an attack (x->benign): a "benign" line
 * of the truth, so that eval counts alerts on it as false and says which look-alike. */
void sim_mark_benign(sim_ctx *x, int f, uint64_t line, int64_t ts, const char *id);

/* Finishes one single-line record of file f: counts the line and marks it. */
static inline void sim_end_line(sim_ctx *x, int f, int64_t ts, const char *id)
{
    sim_out *o = &x->out[f];
    sim_putc(o, '\n');
    o->line++;
    if (x->cur)
        sim_mark(x, f, o->line, ts, id);
    else if (x->benign)
        sim_mark_benign(x, f, o->line, ts, id);
}

/* ---------------------------------------------------------------- org.c */

tocsin_code sim_org_build(sim_ctx *x, ts_diag_fn diag, void *ud);
void sim_org_free(sim_org *o);
/* The UTC offset (minutes) of site s on the day containing us. */
int sim_site_offset(int site, int64_t us);
/* True when the day containing us (local to site) is a weekend or public holiday. */
bool sim_site_dayoff(int site, int64_t local_day_us);
extern const sim_site sim_sites[];
extern const uint32_t sim_nsites;
/* The country address pools (home, travel, hosting); index by name with sim_geo_find. */
extern const sim_geo sim_geos[];
extern const uint32_t sim_ngeo;
int sim_geo_find(const char *cc);
uint32_t sim_geo_addr(sim_rng *r, int geo);
/* A generated domain name (syllables + a TLD) for key; buf >= 48. */
size_t sim_gen_domain(uint64_t key, char *buf);
/* A public address for a generated domain (in a hosting range). */
uint32_t sim_domain_ip(uint64_t key);
/* A random public hosting address of a given country (or any when cc is NULL). */
uint32_t sim_hosting_addr(sim_rng *r, const char *cc);

/* ---------------------------------------------------------------- zeek.c / eve.c */

/* One value of a Zeek record. */
typedef enum {
    ZV_UNSET,
    ZV_TIME,
    ZV_STR,
    ZV_ADDR,
    ZV_COUNT,
    ZV_INTERVAL,
    ZV_BOOL,
    ZV_SET,
    ZV_EMPTYSET
} sim_zvt;
typedef struct sim_zv {
    uint8_t t;
    const char *s; /* ZV_STR, ZV_SET (comma-joined) */
    uint64_t u;    /* ZV_ADDR, ZV_COUNT, ZV_BOOL; microseconds for TIME/INTERVAL */
} sim_zv;
#define ZUNSET ((sim_zv){ZV_UNSET, NULL, 0})
#define ZTIME(us) ((sim_zv){ZV_TIME, NULL, (uint64_t)(us)})
#define ZSTR(v) ((sim_zv){ZV_STR, (v), 0})
#define ZADDR(v) ((sim_zv){ZV_ADDR, NULL, (v)})
#define ZCOUNT(v) ((sim_zv){ZV_COUNT, NULL, (uint64_t)(v)})
#define ZIVAL(us) ((sim_zv){ZV_INTERVAL, NULL, (uint64_t)(us)})
#define ZBOOL(v) ((sim_zv){ZV_BOOL, NULL, (uint64_t)(v)})
#define ZSET(v) ((sim_zv){ZV_SET, (v), 0})
#define ZEMPTY ((sim_zv){ZV_EMPTYSET, NULL, 0})

void sim_zeek_headers(sim_ctx *x);
void sim_zeek_footers(sim_ctx *x);
/* Writes one record of log z (its values in schema order) to the TSV and JSON files. */
void sim_zeek(sim_ctx *x, int z, const sim_zv *v, const char *id);
/* A fresh connection uid "C..." / file id "F..." (18 chars + NUL). */
void sim_uid(sim_ctx *x, char *buf, char prefix);

/* Writes conn.log (and a Suricata flow when the connection crosses the perimeter);
 * fills uid (19 bytes). */
void sim_net_conn(sim_ctx *x, sim_conn *c, char *uid);
/* A Suricata alert on a connection. */
void sim_eve_alert(sim_ctx *x, const sim_conn *c, uint32_t sid, const char *sig, const char *category,
                   int severity);
/* Suricata app-layer records beside Zeek's. */
void sim_eve_dns(sim_ctx *x, const sim_conn *c, const char *q, uint32_t answer);
void sim_eve_tls(sim_ctx *x, const sim_conn *c, const char *sni);
void sim_eve_http(sim_ctx *x, const sim_conn *c, const char *host, const char *uri, const char *ua,
                  int status, uint64_t len);
bool sim_is_internal(uint32_t ip);

/* ---------------------------------------------------------------- net.c: composite activity */

/* A DNS lookup of name by host h (from addr src) answered with ans. */
void sim_dns(sim_ctx *x, int64_t ts, uint32_t src, const char *name, uint32_t ans, char *uid);
/* A TLS session with SNI (NULL: none) moving the given bytes. */
void sim_tls(sim_ctx *x, int64_t ts, uint32_t src, uint32_t dst, uint16_t dport, const char *sni, uint64_t ob,
             uint64_t rb, int64_t dur, char *uid);
/* An HTTP request; fuid/md5 name a downloaded file (NULL for none). */
void sim_http(sim_ctx *x, int64_t ts, uint32_t src, uint32_t dst, const char *host, const char *uri,
              const char *method, const char *ua, int status, uint64_t ob, uint64_t rb, const char *mime,
              const char *md5, char *uid);
/* An SMB tree connect to \\host\share. */
void sim_smb_map(sim_ctx *x, int64_t ts, uint32_t src, const sim_host *h, const char *share, char *uid);
void sim_kerberos(sim_ctx *x, int64_t ts, uint32_t src, uint32_t dc, const char *user, const char *service,
                  bool ok);
void sim_ntlm(sim_ctx *x, int64_t ts, uint32_t src, const sim_host *h, const char *user, bool ok);
void sim_rdp(sim_ctx *x, int64_t ts, uint32_t src, const sim_host *h, const char *user, int64_t dur,
             uint64_t bytes, char *uid);

/* ---------------------------------------------------------------- win.c */

enum { WCH_SEC, WCH_SYSMON, WCH_SYSTEM };
/* Opens one evtx_dump-layout event of host h; then EventData pairs, then sim_win_end. */
void sim_win_begin(sim_ctx *x, int ch, sim_host *h, unsigned eid, int64_t ts);
void sim_win_s(sim_ctx *x, int ch, const char *k, const char *v);
void sim_win_u(sim_ctx *x, int ch, const char *k, uint64_t v);
void sim_win_hex(sim_ctx *x, int ch, const char *k, uint64_t v);
void sim_win_ip(sim_ctx *x, int ch, const char *k, uint32_t ip);
void sim_win_end(sim_ctx *x, int ch, sim_host *h, int64_t ts);

/* Common events, with their EventData as Windows writes it. */
void sim_ev_logon(sim_ctx *x, sim_host *h, int64_t ts, const sim_user *u, int type, uint32_t src_ip,
                  const char *src_ws, uint64_t logon_id, bool admin);
void sim_ev_logon_failed(sim_ctx *x, sim_host *h, int64_t ts, const char *user, int type, uint32_t src_ip,
                         const char *src_ws, uint32_t status);
void sim_ev_logoff(sim_ctx *x, sim_host *h, int64_t ts, const sim_user *u, int type, uint64_t logon_id);
void sim_ev_explicit(sim_ctx *x, sim_host *h, int64_t ts, const sim_user *u, const char *target_user,
                     const char *target_server, const char *process);
void sim_ev_service(sim_ctx *x, sim_host *h, int64_t ts, const char *name, const char *image,
                    const char *type, const char *account);
void sim_ev_shutdown(sim_ctx *x, sim_host *h, int64_t ts, const char *process, const char *user);
void sim_ev_user_created(sim_ctx *x, sim_host *dc, int64_t ts, const sim_user *admin, const sim_user *nu);
void sim_ev_nps(sim_ctx *x, sim_host *h, int64_t ts, const sim_user *u, uint32_t calling_ip);
void sim_ev_device(sim_ctx *x, sim_host *h, int64_t ts, const sim_user *u, const char *devname);
void sim_ev_share_access(sim_ctx *x, sim_host *h, int64_t ts, const sim_user *u, uint32_t src,
                         const char *share);
/* Sysmon; user "DOMAIN\\name". hashes: "MD5=..,SHA256=.." or NULL for a made-up one. */
void sim_sm_process(sim_ctx *x, sim_host *h, int64_t ts, const char *user, const char *image, const char *cmd,
                    const char *parent, const char *hashes);
void sim_sm_netconn(sim_ctx *x, sim_host *h, int64_t ts, const char *user, const char *image, uint32_t dst,
                    uint16_t dport, const char *dst_name);
void sim_sm_file(sim_ctx *x, sim_host *h, int64_t ts, const char *user, const char *image, const char *path);
void sim_sm_dns(sim_ctx *x, sim_host *h, int64_t ts, const char *user, const char *image, const char *q,
                uint32_t ans);
void sim_sm_driver(sim_ctx *x, sim_host *h, int64_t ts, const char *path, const char *hashes,
                   const char *signature);
void sim_sm_delete(sim_ctx *x, sim_host *h, int64_t ts, const char *user, const char *image, const char *path,
                   bool archived);
/* Security 1102 / System 104 (channel "Security" or another): a log cleared by u. */
void sim_ev_log_cleared(sim_ctx *x, sim_host *h, int64_t ts, const sim_user *u, const char *channel);
/* System 7036: a service entered a state ("stopped", "running"). */
void sim_ev_service_state(sim_ctx *x, sim_host *h, int64_t ts, const char *display, const char *state);
/* Sysmon 7: image loaded a DLL; signature NULL for an unsigned one. */
void sim_sm_image_load(sim_ctx *x, sim_host *h, int64_t ts, const char *user, const char *image,
                       const char *dll, const char *hashes, const char *signature);
/* Sysmon 10: image opened the target process with the access mask, call trace as Sysmon writes it. */
void sim_sm_process_access(sim_ctx *x, sim_host *h, int64_t ts, const char *user, const char *image,
                           const char *target, const char *access, const char *trace);
/* "DOMAIN\\name" for u into buf (>= 48). */
const char *sim_dom_user(const sim_ctx *x, const sim_user *u, char *buf);

/* ---------------------------------------------------------------- mail.c */

typedef struct sim_mail {
    int64_t ts;
    const char *from_name, *from_addr, *to_addr, *subject;
    const char *helo; /* sending host name */
    uint32_t src_ip;  /* sending address (outside for inbound) */
    bool inbound, internal;
    bool tls;                       /* STARTTLS: Zeek then sees only the greeting */
    const char *spf, *dkim, *dmarc; /* "pass", "fail", "none", "softfail" */
    const char *link;               /* a URL in the body, or NULL */
    const char *text;               /* the body's paragraph */
    const char *attach_name;        /* NULL for none */
    size_t attach_len;
    const char *xmailer;
    /* bulk mail (NULL when not): list headers, the bounce address, the list as Reply-To */
    const char *list_id, *list_unsub, *precedence, *return_path, *reply_to, *sender;
    const char *dkim_reason; /* "body hash did not verify" beside dkim=fail */
    const char *link_text;   /* the text of the HTML link (default "Click here") */
} sim_mail;

/* Writes the message to the mbox and, when it crosses the perimeter, Zeek smtp/conn
 * (and files for an attachment). msgid receives "<...>" (>= 96 bytes). */
void sim_mail_write(sim_ctx *x, const sim_mail *m, char *msgid);

/* ---------------------------------------------------------------- linux.c */

void sim_auth_line(sim_ctx *x, int64_t ts, const sim_host *h, const char *prog, uint32_t pid,
                   const char *msg);
void sim_ssh_session(sim_ctx *x, int64_t ts, const sim_host *h, const char *user, uint32_t from, bool key,
                     const char *sudo_cmd);
void sim_ssh_failed(sim_ctx *x, int64_t ts, const sim_host *h, const char *user, uint32_t from, bool invalid);

/* ---------------------------------------------------------------- normal.c */

/* The scheduler: each task is a user or a background service with its next time. */
enum sim_task_kind {
    TK_USER,
    TK_MAIL,
    TK_DEPLOY,
    TK_BACKUP,
    TK_SERVICE,
    TK_SCANNER,
    TK_CRON,
    TK_HIRE,
    TK_STEP,
    TK_LATER,
    TK_VSCAN
};
void sim_normal_init(sim_ctx *x, void (*add)(void *, int64_t, int, uint32_t), void *sched);
void sim_normal_free(sim_ctx *x);
/* Records due at t, written when the queue reaches t (a logoff; a syslog line). */
void sim_later_logoff(sim_ctx *x, int64_t t, const sim_host *h, const sim_user *u, int type,
                      uint64_t logon_id);
void sim_later_line(sim_ctx *x, int64_t t, const sim_host *h, const char *prog, uint32_t pid,
                    const char *msg);
/* The address normal browsing uses for a popular site (0 if not one). */
uint32_t sim_popular_ip(const sim_ctx *x, const char *name);
/* Runs task (kind, idx) due at t; returns its next time (INT64_MAX when finished). */
int64_t sim_normal_run(sim_ctx *x, int kind, uint32_t idx, int64_t t);

/* ---------------------------------------------------------------- campaign.c / playbook.c */

/* Reads a playbook; each problem goes to diag (may be NULL) with the file and line. */
tocsin_code sim_campaign_load(sim_ctx *x, const char *path, ts_diag_fn diag, void *ud);
tocsin_code sim_campaign_parse(sim_ctx *x, const char *buf, size_t len, const char *name, ts_diag_fn diag,
                               void *ud);
/* Plans the steps over the period; adds one TK_STEP task per step. */
void sim_campaign_plan(sim_ctx *x, void (*add)(void *, int64_t, int, uint32_t), void *sched);
int64_t sim_campaign_run(sim_ctx *x, uint32_t step, int64_t t);
/* Writes the look-alikes' summary lines of truth.jsonl (normal.c). */
void sim_benign_truth(sim_ctx *x);
/* Writes the step records of truth.jsonl. */
void sim_campaign_truth(sim_ctx *x);
void sim_campaign_free(sim_ctx *x);

/* ---------------------------------------------------------------- intel.c */

tocsin_code sim_intel_write(sim_ctx *x, const char *dir, ts_diag_fn diag, void *ud);

#endif
