/* conf.c: the rates of normal activity, their defaults and the "key = value" file
 * (data/simulate/normal.conf) that overrides them. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/esc.h"
#include "simulate/sim.h"

typedef struct confkey {
    const char *name;
    size_t off;
    double lo, hi;
} confkey;

#define K(n, lo, hi)                      \
    {                                     \
#n, offsetof(sim_conf, n), lo, hi \
    }
static const confkey keys[] = {
    K(arrive_hour, 0, 23),
    K(arrive_sd, 0, 6),
    K(day_hours, 1, 16),
    K(remote_share, 0, 1),
    K(travel_share, 0, 1),
    K(browse_per_day, 0, 5000),
    K(longtail_share, 0, 1),
    K(new_domain_per_day, 0, 500),
    K(http_share, 0, 1),
    K(share_per_day, 0, 1000),
    K(process_per_day, 0, 5000),
    K(failed_logon_rate, 0, 1),
    K(mail_in_per_user, 0, 1000),
    K(mail_out_per_user, 0, 1000),
    K(newsletter_share, 0, 1),
    K(internal_share, 0, 0.9),
    K(attach_share, 0, 1),
    K(admin_sessions_per_day, 0, 200),
    K(linux_sessions_per_day, 0, 200),
    K(deploy_per_week, 0, 5),
    K(deploy_hosts_share, 0, 1),
    K(backup_gb, 0, 100000),
    K(offsite_gb, 0, 1000000),
    K(scanner_per_day, 0, 1000000),
    K(vuln_scan_per_week, 0, 7),
    K(vuln_scan_ports, 1, 1000),
    K(vuln_scan_fail_share, 0, 1),
    K(vpn_rdp_share, 0, 1),
    K(list_share, 0, 1),
    K(tracking_share, 0, 1),
    K(dkim_bodyhash_fail, 0, 1),
    K(admin_script_per_day, 0, 200),
    K(it_recon_per_day, 0, 200),
    K(archive_per_day, 0, 200),
    K(new_hire_share, 0, 1),
    K(exec_share, 0, 0.5),
    K(admin_share, 0, 0.5),
};

void sim_conf_defaults(sim_conf *c)
{
    memset(c, 0, sizeof *c);
    c->arrive_hour = 8.6;
    c->arrive_sd = 0.6;
    c->day_hours = 8.8;
    c->remote_share = 0.12;
    c->travel_share = 0.02;
    c->browse_per_day = 40;
    c->longtail_share = 0.35;
    c->new_domain_per_day = 0.6;
    c->http_share = 0.25;
    c->share_per_day = 6;
    c->process_per_day = 20;
    c->failed_logon_rate = 0.04;
    c->mail_in_per_user = 14;
    c->mail_out_per_user = 4;
    c->newsletter_share = 0.35;
    c->internal_share = 0.3;
    c->attach_share = 0.12;
    c->admin_sessions_per_day = 4;
    c->linux_sessions_per_day = 3;
    c->deploy_per_week = 1.5;
    c->deploy_hosts_share = 0.9;
    c->backup_gb = 25;
    c->offsite_gb = 900;
    c->scanner_per_day = 400;
    c->vuln_scan_per_week = 1;
    c->vuln_scan_ports = 40;
    c->vuln_scan_fail_share = 0.1;
    c->vpn_rdp_share = 0.3;
    c->list_share = 0.1;
    c->tracking_share = 0.8;
    c->dkim_bodyhash_fail = 0.02;
    c->admin_script_per_day = 2;
    c->it_recon_per_day = 0.5;
    c->archive_per_day = 0.1;
    c->new_hire_share = 0.02;
    c->exec_share = 0.02;
    c->admin_share = 0.03;
    c->longtail_pool = 5000;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* a decimal number (no exponent) from exactly [p, e); false on anything else */
static bool parse_num(const char *p, const char *e, double *out)
{
    double v = 0, scale = 0;
    bool any = false;
    if (p == e)
        return false;
    for (; p < e; p++) {
        if (*p >= '0' && *p <= '9') {
            any = true;
            if (scale == 0)
                v = v * 10 + (*p - '0');
            else {
                v += (*p - '0') * scale;
                scale /= 10;
            }
        } else if (*p == '.' && scale == 0) {
            scale = 0.1;
        } else {
            return false;
        }
    }
    *out = v;
    return any;
}

/* Tells diag about a bad line of the rates file and fails. */
static tocsin_code bad_line(ts_diag_fn diag, void *ud, const char *name, unsigned line, const char *msg)
{
    ts_diag_say(diag, ud, name, line, 0, TOCSIN_E_PARSE, msg);
    return TOCSIN_E_PARSE;
}

tocsin_code sim_conf_parse(sim_conf *c, const char *buf, size_t len, const char *name, ts_diag_fn diag,
                           void *ud)
{
    char msg[256];
    const char *p = buf, *end = buf + len;
    for (unsigned line = 1; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *hash = memchr(p, '#', (size_t)(le - p));
        const char *e = hash ? hash : le;
        while (p < e && is_space(*p))
            p++;
        while (e > p && is_space(e[-1]))
            e--;
        if (p < e) {
            const char *eq = memchr(p, '=', (size_t)(e - p));
            if (!eq) {
                return bad_line(diag, ud, name, line, "expected \"key = value\"");
            }
            const char *ke = eq, *v = eq + 1;
            while (ke > p && is_space(ke[-1]))
                ke--;
            while (v < e && is_space(*v))
                v++;
            const confkey *k = NULL;
            for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
                if (strlen(keys[i].name) == (size_t)(ke - p) &&
                    memcmp(keys[i].name, p, (size_t)(ke - p)) == 0)
                    k = &keys[i];
            double d;
            if (!k && (size_t)(ke - p) == 13 && memcmp(p, "longtail_pool", 13) == 0) {
                if (!parse_num(v, e, &d) || d < 1 || d > 10000000) {
                    return bad_line(diag, ud, name, line, "longtail_pool wants 1..10000000");
                }
                c->longtail_pool = (uint32_t)d;
            } else if (!k) {
                char raw[48], key[200];
                snprintf(raw, sizeof raw, "%.*s", (int)(ke - p > 40 ? 40 : ke - p), p);
                snprintf(msg, sizeof msg, "unknown key \"%s\"", ts_esc_term(raw, key, sizeof key));
                return bad_line(diag, ud, name, line, msg);
            } else if (!parse_num(v, e, &d) || d < k->lo || d > k->hi) {
                snprintf(msg, sizeof msg, "%s wants a number in %g..%g", k->name, k->lo, k->hi);
                return bad_line(diag, ud, name, line, msg);
            } else {
                memcpy((char *)c + k->off, &d, sizeof d);
            }
        }
        p = nl ? nl + 1 : end;
    }
    if (c->remote_share + c->travel_share > 1) {
        return bad_line(diag, ud, name, 0, "remote_share + travel_share is over 1");
    }
    return TOCSIN_OK;
}

/* Reads a whole small file (at most cap bytes) into a malloc'ed buffer. */
tocsin_code sim_read_file(const char *path, size_t cap, char **out, size_t *len, ts_diag_fn diag, void *ud)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ts_diag_say(diag, ud, path, 0, 0, TOCSIN_E_IO, strerror(errno));
        return TOCSIN_E_IO;
    }
    char *b = malloc(cap + 1);
    if (!b) {
        fclose(f);
        ts_diag_say(diag, ud, path, 0, 0, TOCSIN_E_NOMEM, "out of memory reading it");
        return TOCSIN_E_NOMEM;
    }
    size_t n = fread(b, 1, cap + 1, f);
    bool bad = ferror(f);
    fclose(f);
    if (bad || n > cap) {
        free(b);
        ts_diag_say(diag, ud, path, 0, 0, bad ? TOCSIN_E_IO : TOCSIN_E_TOOLONG,
                    bad ? "read error" : "too large");
        return bad ? TOCSIN_E_IO : TOCSIN_E_TOOLONG;
    }
    b[n] = 0;
    *out = b;
    *len = n;
    return TOCSIN_OK;
}

tocsin_code sim_conf_load(sim_conf *c, const char *path, ts_diag_fn diag, void *ud)
{
    char *b;
    size_t n;
    tocsin_code rc = sim_read_file(path, 1 << 20, &b, &n, diag, ud);
    if (rc != TOCSIN_OK)
        return rc;
    rc = sim_conf_parse(c, b, n, path, diag, ud);
    free(b);
    return rc;
}
