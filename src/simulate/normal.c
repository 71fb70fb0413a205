/* normal.c: the organisation's ordinary life: working days of people and administrators,
 * browsing, file shares, mail, software deployment, backups, updates, VPN, Linux servers
 * and the Internet's background noise. Each actor is a task with its own next time. */
#include <stdio.h>
#include <stdlib.h>

#include "simulate/sim.h"

typedef struct sim_normal {
    uint32_t deploy_next; /* next workstation of a running deployment, UINT32_MAX when idle */
    uint32_t deploy_left;
    uint64_t deploy_pkg;
    uint32_t backup_next;
    int64_t mail_rate;       /* microseconds between candidate messages at full rate */
    struct sim_later *later; /* records due later (see "records due later") */
    uint32_t nlater, later_cap, later_free;
    uint32_t scan_from, scan_left, scan_done; /* the SSH guessing burst under way */
} sim_normal;

static const struct {
    const char *name;
    uint32_t base; /* a /24 the service answers from (checked against libloc) */
} popular[] = {
    {"www.google.com", 0x8efa0100},
    {"outlook.office365.com", 0x34600100},
    {"www.facebook.com", 0xb93cd800},
    {"www.youtube.com", 0x8efa0100},
    {"login.microsoftonline.com", 0x14be0100},
    {"www.imdb.com", 0x97650100},
    {"www.linkedin.com", 0x0d6b0400},
    {"en.wikipedia.org", 0x5bc6ae00},
    {"www.cnn.com", 0x97650100},
    {"www.nytimes.com", 0x97650100},
    {"variety.com", 0x68100100},
    {"deadline.com", 0x68100100},
    {"www.hollywoodreporter.com", 0x97650100},
    {"www.apple.com", 0x11fd0100},
    {"www.dropbox.com", 0xa27d0100},
    {"www.yahoo.com", 0x62890b00},
    {"weather.com", 0x17480100},
    {"www.espn.com", 0x17480100},
    {"mail.google.com", 0x8efa0100},
    {"www.bing.com", 0x0d6b0400},
    {"docs.google.com", 0x8efa0100},
    {"www.amazon.com", 0x36a00100},
    {"github.com", 0xb9c76c00},
    {"www.reddit.com", 0x97650100},
};
#define NPOP (sizeof popular / sizeof popular[0])

static uint32_t pop_ip(const sim_ctx *x, uint32_t i)
{
    return popular[i].base + 1 + (uint32_t)(sim_mix(i ^ x->seed) % 60);
}

uint32_t sim_popular_ip(const sim_ctx *x, const char *name)
{
    for (uint32_t i = 0; i < NPOP; i++)
        if (strcmp(popular[i].name, name) == 0)
            return pop_ip(x, i);
    return 0;
}

static const char *const browsers[] = {"C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe",
                                       "C:\\Program Files\\Internet Explorer\\iexplore.exe",
                                       "C:\\Program Files (x86)\\Mozilla Firefox\\firefox.exe"};
static const char *const apps[][2] = {
    {"C:\\Program Files (x86)\\Microsoft Office\\Office15\\OUTLOOK.EXE", "\"OUTLOOK.EXE\" /recycle"},
    {"C:\\Program Files (x86)\\Microsoft Office\\Office15\\WINWORD.EXE", "\"WINWORD.EXE\" /n"},
    {"C:\\Program Files (x86)\\Microsoft Office\\Office15\\EXCEL.EXE", "\"EXCEL.EXE\""},
    {"C:\\Program Files (x86)\\Microsoft Office\\Office15\\POWERPNT.EXE", "\"POWERPNT.EXE\""},
    {"C:\\Program Files (x86)\\Adobe\\Reader 11.0\\Reader\\AcroRd32.exe", "\"AcroRd32.exe\""},
    {"C:\\Program Files (x86)\\Microsoft Office\\Office15\\lync.exe", "\"lync.exe\" /fromrunkey"},
    {"C:\\Windows\\System32\\notepad.exe", "notepad.exe"},
    {"C:\\Windows\\System32\\mspaint.exe", "mspaint.exe"},
    {"C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe", "chrome.exe --type=renderer"},
    {"C:\\Windows\\System32\\cmd.exe", "cmd.exe /c ipconfig /all"},
};
static const char *const admin_apps[][2] = {
    {"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "powershell.exe -NoProfile"},
    {"C:\\Windows\\System32\\mmc.exe", "\"mmc.exe\" \"C:\\Windows\\system32\\dsa.msc\""},
    {"C:\\Windows\\System32\\mstsc.exe", "\"mstsc.exe\" /v:jump-01"},
    {"C:\\Windows\\System32\\cmd.exe", "cmd.exe /c net group \"Domain Admins\" /domain"},
};
static const char *const shares[] = {"Finance", "Marketing", "Production", "HR",
                                     "Legal",   "Public",    "Projects",   "Distribution"};
#define NEL(a) (sizeof(a) / sizeof((a)[0]))

static const char *ua_of(uint32_t i)
{
    static const char *const uas[] = {
        ("Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/37.0.2062.120 "
         "Safari/537.36"),
        "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
        "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:32.0) Gecko/20100101 Firefox/32.0"};
    return uas[i % 3];
}

/* ---------------------------------------------------------------- calendar of a person */

static int64_t local_midnight(int64_t utc, int off)
{
    int64_t l = utc + (int64_t)off * SIM_MIN;
    return l - ((l % SIM_DAY) + SIM_DAY) % SIM_DAY;
}

/* The next arrival at work of u strictly after t, or INT64_MAX past the period. */
static int64_t next_arrival(sim_ctx *x, sim_user *u, int64_t t)
{
    int off = sim_site_offset(u->site, t);
    int64_t day = local_midnight(t, off);
    for (int i = 0; i < 400; i++, day += SIM_DAY) {
        int64_t idx = (day - x->start) / SIM_DAY;
        if (idx < (int64_t)u->hire_day - 1)
            continue;
        bool off_day = sim_site_dayoff(u->site, day);
        if (off_day && !(u->role == ROLE_ADMIN && sim_chance(&x->rng, 0.15)))
            continue;
        double h = x->conf.arrive_hour + x->conf.arrive_sd * (sim_unit(&x->rng) * 2 - 1) * 1.7;
        if (off_day)
            h += 2;
        int64_t at = day + (int64_t)(h * SIM_HOUR) - (int64_t)sim_site_offset(u->site, day) * SIM_MIN;
        at += sim_below(&x->rng, 60) * SIM_US;
        if (at > t)
            return at >= x->end ? INT64_MAX : at;
    }
    return INT64_MAX;
}

/* ---------------------------------------------------------------- activities */

static uint32_t src_of(const sim_ctx *x, const sim_user *u)
{
    return u->remote ? u->vpn_ip : x->org.hosts[u->ws].ip;
}

static void browse(sim_ctx *x, sim_user *u, int64_t t)
{
    sim_host *ws = &x->org.hosts[u->ws];
    char dom[64], user[48], uid[20];
    uint32_t ip;
    double r = sim_unit(&x->rng);
    double pn = x->conf.new_domain_per_day / (x->conf.browse_per_day > 0 ? x->conf.browse_per_day : 1);
    if (r < pn) {
        uint64_t k = sim_mix(x->seed ^ 0x6e6577ULL ^ (++x->newdom_ctr << 20));
        sim_gen_domain(k, dom);
        ip = sim_domain_ip(k);
    } else if (r < pn + x->conf.longtail_share) {
        uint64_t k = sim_mix(x->seed ^ sim_zipf(&x->rng, x->conf.longtail_pool));
        size_t n = sim_gen_domain(k, dom);
        if (sim_chance(&x->rng, 0.5) && n < 50) {
            memmove(dom + 4, dom, n + 1);
            memcpy(dom, "www.", 4);
        }
        ip = sim_domain_ip(k);
    } else {
        uint32_t i = sim_zipf(&x->rng, NPOP);
        snprintf(dom, sizeof dom, "%s", popular[i].name);
        ip = pop_ip(x, i);
    }
    uint32_t src = src_of(x, u);
    const char *img = browsers[u->rid % 3];
    sim_dom_user(x, u, user);
    sim_sm_dns(x, ws, t, user, img, dom, ip);
    sim_dns(x, t, src, dom, ip, uid);
    int64_t t2 = t + 30000 + sim_below(&x->rng, 200000);
    if (sim_chance(&x->rng, 0.3))
        sim_sm_netconn(x, ws, t2, user, img, ip, 443, dom);
    if (sim_chance(&x->rng, x->conf.http_share)) {
        bool dl = sim_chance(&x->rng, 0.04);
        static const char *const paths[] = {
            "/",          "/index.html",      "/news/",        "/article/2014/09/",
            "/search?q=", "/images/logo.png", "/css/site.css", "/js/app.js"};
        char uri[96];
        snprintf(uri, sizeof uri, "%s%s", dl ? "/files/" : paths[sim_below(&x->rng, 8)],
                 dl ? "brochure.pdf" : "");
        uint64_t rb =
            dl ? (uint64_t)sim_lognorm(&x->rng, 400000, 1) : (uint64_t)sim_lognorm(&x->rng, 20000, 1.2);
        sim_http(x, t2, src, ip, dom, uri, "GET", ua_of(u->rid), 200, 0, rb,
                 dl ? "application/pdf" : "text/html", NULL, uid);
        if (dl) {
            char path[128];
            snprintf(path, sizeof path, "C:\\Users\\%s\\Downloads\\brochure.pdf", u->name);
            sim_sm_file(x, ws, t2 + SIM_US, user, img, path);
        }
    } else {
        uint64_t rb = (uint64_t)sim_lognorm(&x->rng, 60000, 1.4);
        sim_tls(x, t2, src, ip, 443, dom, 1200 + rb / 30, rb, (int64_t)(sim_lognorm(&x->rng, 8, 1) * SIM_US),
                uid);
    }
}

static void use_share(sim_ctx *x, sim_user *u, int64_t t)
{
    sim_org *o = &x->org;
    sim_host *fs = &o->hosts[o->fs[(u->dept + u->rid) % o->nfs]];
    sim_host *dc = &o->hosts[o->dcs[u->rid % o->ndc]];
    char uid[20], svc[100];
    uint32_t src = src_of(x, u);
    snprintf(svc, sizeof svc, "cifs/%s", fs->fqdn);
    sim_kerberos(x, t, src, dc->ip, u->name, svc, true);
    sim_ev_logon(x, fs, t + 5000, u, 3, src, NULL, u->logon_id ^ fs->ip, false);
    sim_smb_map(x, t + 8000, src, fs, shares[u->dept % NEL(shares)], uid);
    if (sim_chance(&x->rng, 0.3))
        sim_ev_share_access(x, fs, t + 9000, u, src, shares[u->dept % NEL(shares)]);
    sim_later_logoff(x, t + 9000 + (int64_t)sim_below(&x->rng, 600) * SIM_US, fs, u, 3, u->logon_id ^ fs->ip);
}

static void run_app(sim_ctx *x, sim_user *u, int64_t t)
{
    sim_host *ws = &x->org.hosts[u->ws];
    char user[48];
    sim_dom_user(x, u, user);
    bool adm = u->role == ROLE_ADMIN && sim_chance(&x->rng, 0.4);
    uint32_t i = adm ? sim_below(&x->rng, NEL(admin_apps)) : sim_zipf(&x->rng, NEL(apps));
    const char *const *a = adm ? admin_apps[i] : apps[i];
    sim_sm_process(x, ws, t, user, a[0], a[1], "C:\\Windows\\explorer.exe", NULL);
    if (!adm && i >= 1 && i <= 3 && sim_chance(&x->rng, 0.3)) {
        char path[128];
        static const char *const ext[] = {"docx", "xlsx", "pptx"};
        snprintf(path, sizeof path, "C:\\Users\\%s\\Documents\\draft_%u.%s", u->name,
                 sim_below(&x->rng, 90) + 10, ext[i - 1]);
        sim_sm_file(x, ws, t + 20 * SIM_US, user, a[0], path);
    }
}

static sim_host *pick_server(sim_ctx *x)
{
    sim_org *o = &x->org;
    uint32_t n = o->nhosts - o->first_server;
    for (;;) {
        sim_host *h = &o->hosts[o->first_server + sim_below(&x->rng, n)];
        if (h->kind != HK_LINUX && h->kind != HK_SFTP)
            return h;
    }
}

/* One hop of an administrator's session: from the jump host to a server by RDP, WinRM or
 * an admin share; now and then an agent installed as a service. */
static void admin_hop(sim_ctx *x, sim_user *u, int64_t s)
{
    sim_org *o = &x->org;
    sim_host *jump = &o->hosts[u->jump];
    sim_host *h = pick_server(x);
    char uid[20];
    uint32_t how = sim_below(&x->rng, 10);
    int64_t dur = (int64_t)(sim_lognorm(&x->rng, 8, 0.8) * SIM_MIN);
    uint64_t lid = u->logon_id ^ h->ip;
    if (how < 4) {
        sim_ev_explicit(x, jump, s, u, u->name, h->fqdn, "C:\\Windows\\System32\\mstsc.exe");
        sim_rdp(x, s + SIM_US, jump->ip, h, u->name, dur, (uint64_t)sim_lognorm(&x->rng, 2e6, 1), uid);
        sim_ev_logon(x, h, s + 3 * SIM_US, u, 10, jump->ip, jump->nb, lid, true);
        sim_later_logoff(x, s + dur, h, u, 10, lid);
    } else if (how < 7) {
        sim_conn c = {s,
                      20 * SIM_US,
                      jump->ip,
                      h->ip,
                      (uint16_t)(50000 + sim_below(&x->rng, 9000)),
                      5985,
                      "tcp",
                      "http",
                      8000 + sim_below(&x->rng, 20000),
                      12000 + sim_below(&x->rng, 90000),
                      "SF",
                      0};
        sim_net_conn(x, &c, uid);
        sim_ev_logon(x, h, s + SIM_US, u, 3, jump->ip, NULL, lid, true);
        sim_later_logoff(x, s + 25 * SIM_US, h, u, 3, lid);
    } else {
        sim_smb_map(x, s, jump->ip, h, "C$", uid);
        sim_ev_logon(x, h, s + SIM_US / 2, u, 3, jump->ip, NULL, lid, true);
        sim_later_logoff(x, s + 2 * SIM_MIN, h, u, 3, lid);
    }
    if (sim_chance(&x->rng, 0.03)) { /* an agent or tool installed as a service */
        static const char *const svcs[][2] = {
            {"Splunk Universal Forwarder",
             "\"C:\\Program Files\\SplunkUniversalForwarder\\bin\\splunkd.exe\" service"},
            {"SQL Server Agent (MSSQLSERVER)",
             "\"C:\\Program Files\\Microsoft SQL "
             "Server\\MSSQL11.MSSQLSERVER\\MSSQL\\Binn\\SQLAGENT.EXE\" -i MSSQLSERVER"},
            {"VMware Tools", "\"C:\\Program Files\\VMware\\VMware Tools\\vmtoolsd.exe\""},
            {"PSEXESVC", "%SystemRoot%\\PSEXESVC.exe"}};
        uint32_t k = sim_below(&x->rng, 4);
        sim_ev_service(x, h, s + 30 * SIM_US, svcs[k][0], svcs[k][1], "user mode service", NULL);
    }
}

/* An administrator at work: RDP to a jump host; the hops to servers follow as the user's
 * next activities (run_user), and the jump-host logoff when the session ends. */
static void admin_session(sim_ctx *x, sim_user *u, int64_t t)
{
    sim_org *o = &x->org;
    u->jump = o->jumps[u->rid % o->njump];
    sim_host *jump = &o->hosts[u->jump];
    char uid[20];
    uint32_t src = src_of(x, u);
    int64_t dur = (int64_t)(sim_lognorm(&x->rng, 25, 0.8) * SIM_MIN) + 3 * SIM_MIN;
    sim_rdp(x, t, src, jump, u->name, dur, (uint64_t)sim_lognorm(&x->rng, 3e6, 1), uid);
    sim_ev_logon(x, jump, t + 2 * SIM_US, u, 10, src, o->hosts[u->ws].nb, u->logon_id ^ 0x10, true);
    u->hops = (uint8_t)(1 + sim_below(&x->rng, 3));
    u->sess_end = t + dur;
}

static void linux_session(sim_ctx *x, sim_user *u, int64_t t)
{
    sim_org *o = &x->org;
    sim_host *jump = &o->hosts[o->jumps[u->rid % o->njump]];
    sim_host *h = &o->hosts[o->lin[sim_below(&x->rng, o->nlin)]];
    sim_ssh_session(x, t, h, u->name, jump->ip, true, sim_chance(&x->rng, 0.6) ? "" : NULL);
}

/* ---------------------------------------------------------------- a working day */

static void start_day(sim_ctx *x, sim_user *u, int64_t t)
{
    sim_org *o = &x->org;
    sim_host *ws = &o->hosts[u->ws];
    sim_host *dc = &o->hosts[o->dcs[u->rid % o->ndc]];
    char user[48], uid[20];
    u->logon_id = 0x100000 + (sim_next(&x->rng) & 0xffffff);
    int64_t len = (int64_t)((x->conf.day_hours + (sim_unit(&x->rng) - 0.5) * 2) * SIM_HOUR);
    u->leave_at = t + len;
    u->remote = 0;
    double r = sim_unit(&x->rng);
    if (r < x->conf.remote_share + x->conf.travel_share) {
        /* from home, or from a hotel abroad */
        uint32_t pub = u->home_ip;
        if (r < x->conf.travel_share) {
            int g = (int)sim_below(&x->rng, sim_ngeo - 1); /* never the last (KP) pool */
            pub = sim_geo_addr(&x->rng, g);
        }
        u->remote = 1;
        u->vpn_ip = 0x0a0ac800 + 10 + (u->rid % 240); /* 10.10.200.x */
        sim_tls(x, t - 40 * SIM_US, pub, o->vpn_pub, 443, NULL, 200000, 900000, len, uid);
        sim_ev_nps(x, &o->hosts[o->dcs[0]], t - 35 * SIM_US, u, pub);
    }
    if (sim_chance(&x->rng, x->conf.failed_logon_rate))
        sim_ev_logon_failed(x, ws, t - 20 * SIM_US, u->name, 2, 0, NULL, 0xc000006a);
    sim_kerberos(x, t - 2 * SIM_US, src_of(x, u), dc->ip, u->name, "krbtgt/CORP", true);
    sim_ev_logon(x, ws, t, u, 2, 0, NULL, u->logon_id, false);
    sim_ev_logon(x, dc, t + SIM_US, u, 3, src_of(x, u), NULL, u->logon_id ^ 0x77, false);
    sim_dom_user(x, u, user);
    sim_sm_process(x, ws, t + 3 * SIM_US, user, "C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE",
                   "C:\\Windows\\System32\\userinit.exe", NULL);
    if (sim_chance(&x->rng, 0.08)) { /* Windows Update fetched straight from Microsoft's CDN */
        sim_http(x, t + 40 * SIM_US, src_of(x, u), 0x02100100 + sim_below(&x->rng, 200) + 20,
                 "download.windowsupdate.com",
                 "/d/msdownload/update/software/secu/2014/09/windows6.1-kb2977292-x64_3bf7b0e2.cab", "GET",
                 "Windows-Update-Agent", 200, 0, (uint64_t)sim_lognorm(&x->rng, 3e7, 0.8),
                 "application/vnd.ms-cab-compressed", NULL, uid);
    }
}

static void end_day(sim_ctx *x, sim_user *u, int64_t t)
{
    sim_host *ws = &x->org.hosts[u->ws];
    sim_ev_logoff(x, ws, t, u, 2, u->logon_id);
}

static double day_rate(const sim_ctx *x, const sim_user *u)
{
    double r = x->conf.browse_per_day + x->conf.share_per_day + x->conf.process_per_day;
    if (u->role == ROLE_ADMIN)
        r += x->conf.admin_sessions_per_day + x->conf.linux_sessions_per_day;
    return r;
}

static int64_t run_user(sim_ctx *x, uint32_t i, int64_t t)
{
    sim_user *u = &x->org.users[i];
    if (!u->phase) {
        start_day(x, u, t);
        u->phase = 1;
    } else if (t >= u->leave_at) {
        if (u->hops) { /* the day ends in the middle of a session: it ends with it */
            u->hops = 0;
            sim_later_logoff(x, t, &x->org.hosts[u->jump], u, 10, u->logon_id ^ 0x10);
        }
        end_day(x, u, t);
        u->phase = 0;
        return next_arrival(x, u, t);
    } else if (u->hops) { /* the administrator's session goes on from the jump host */
        admin_hop(x, u, t);
        if (--u->hops) {
            int64_t next = t + SIM_MIN + (int64_t)sim_below(&x->rng, 8 * 60) * SIM_US;
            return next < u->leave_at ? next : u->leave_at;
        }
        int64_t end = u->sess_end > t + SIM_MIN ? u->sess_end : t + SIM_MIN;
        sim_later_logoff(x, end, &x->org.hosts[u->jump], u, 10, u->logon_id ^ 0x10);
    } else {
        double r = sim_unit(&x->rng) * day_rate(x, u);
        const sim_conf *c = &x->conf;
        if ((r -= c->browse_per_day) < 0)
            browse(x, u, t);
        else if ((r -= c->share_per_day) < 0)
            use_share(x, u, t);
        else if ((r -= c->process_per_day) < 0)
            run_app(x, u, t);
        else if ((r -= c->admin_sessions_per_day) < 0) {
            admin_session(x, u, t);
            int64_t next = t + 2 * SIM_MIN;
            return next < u->leave_at ? next : u->leave_at;
        } else
            linux_session(x, u, t);
    }
    double gap = x->conf.day_hours * 3600.0 / day_rate(x, u);
    int64_t next = t + (int64_t)(sim_expo(&x->rng, gap) * SIM_US) + 1;
    return next < u->leave_at ? next : u->leave_at;
}

/* ---------------------------------------------------------------- mail */

static const char *const news_subj[] = {"Your weekly box office report",
                                        "Industry news: this week in film",
                                        "Webinar invitation: cloud storage for media",
                                        "September newsletter",
                                        "Don't miss our fall sale",
                                        "Your account statement is ready",
                                        "Festival lineup announced",
                                        "Security advisory digest"};
static const char *const biz_subj[] = {"Re: distribution schedule",
                                       "Q3 budget review",
                                       "Contract draft v3",
                                       "Meeting notes",
                                       "Re: casting call list",
                                       "Invoice 2014-0932",
                                       "Re: marketing assets for trailer",
                                       "Lunch on Thursday?",
                                       "Updated call sheet",
                                       "Re: licensing terms"};
static const char *const biz_text[] = {
    "Hi, please find the latest version below. Let me know if you have comments before Friday.",
    "Thanks for the call today. As discussed, the numbers are in the shared folder.",
    "Following up on our conversation; the team agreed with the revised dates.",
    "Can you review this and send it back with your changes? Thanks.",
};

static void mail_one(sim_ctx *x, int64_t t)
{
    sim_org *o = &x->org;
    sim_mail m = {0};
    char from[128], to[128], name[80], helo[128], link[192], msgid[96];
    m.ts = t;
    m.spf = m.dkim = m.dmarc = "pass";
    m.xmailer = NULL;
    sim_user *u = &o->users[sim_below(&x->rng, o->nhuman)];
    double r = sim_unit(&x->rng);
    double in = x->conf.mail_in_per_user, out = x->conf.mail_out_per_user;
    double pin = in / (in + out);
    m.text = biz_text[sim_below(&x->rng, NEL(biz_text))];
    m.tls = sim_chance(&x->rng, 0.6);
    if (r < x->conf.internal_share) {
        sim_user *v = &o->users[sim_below(&x->rng, o->nhuman)];
        snprintf(from, sizeof from, "%s@%s", u->name, o->domain);
        snprintf(to, sizeof to, "%s@%s", v->name, o->domain);
        snprintf(name, sizeof name, "%s %s", u->first, u->last);
        m.internal = true;
        m.helo = o->hosts[u->ws].fqdn;
        m.src_ip = o->hosts[u->ws].ip;
        m.subject = biz_subj[sim_below(&x->rng, NEL(biz_subj))];
        m.xmailer = "Microsoft Outlook 15.0";
    } else if (sim_unit(&x->rng) < pin) {
        m.inbound = true;
        snprintf(to, sizeof to, "%s@%s", u->name, o->domain);
        if (sim_chance(&x->rng, x->conf.newsletter_share)) {
            uint64_t k = sim_mix(x->seed ^ sim_zipf(&x->rng, 300) ^ 0x6e6577736cULL);
            char d[64];
            sim_gen_domain(k, d);
            snprintf(from, sizeof from, "news@%s", d);
            snprintf(name, sizeof name, "%s", d);
            snprintf(helo, sizeof helo, "mta%u.mail.%s", (unsigned)(k % 9) + 1, d);
            snprintf(link, sizeof link, "https://click.%s/t/%llx", d,
                     (unsigned long long)(sim_next(&x->rng) >> 20));
            m.src_ip = sim_domain_ip(k ^ 0x3);
            m.subject = news_subj[sim_below(&x->rng, NEL(news_subj))];
            m.text = "View this e-mail in your browser. Our top stories this week are below.";
            m.link = link;
            m.xmailer = "MailChimp Mailer";
            if (sim_chance(&x->rng, 0.1)) {
                m.dkim = "none";
                m.dmarc = "none";
            }
        } else {
            uint32_t p = sim_below(&x->rng, o->npartner);
            static const char *const pn[] = {"alex", "sam", "jordan", "taylor", "morgan", "casey"};
            snprintf(from, sizeof from, "%s.%s@%s", pn[sim_below(&x->rng, 6)], "reed", o->partners[p]);
            snprintf(name, sizeof name, "%s at %s", "Partner", o->partners[p]);
            snprintf(helo, sizeof helo, "mail.%s", o->partners[p]);
            m.src_ip = o->partner_ip[p];
            m.subject = biz_subj[sim_below(&x->rng, NEL(biz_subj))];
            if (sim_chance(&x->rng, 0.3)) {
                snprintf(link, sizeof link, "https://share.%s/s/%llx", o->partners[p],
                         (unsigned long long)(sim_next(&x->rng) >> 24));
                m.link = link;
            }
        }
        m.helo = helo;
        m.from_addr = from;
    } else {
        uint32_t p = sim_below(&x->rng, o->npartner);
        snprintf(from, sizeof from, "%s@%s", u->name, o->domain);
        snprintf(to, sizeof to, "contracts@%s", o->partners[p]);
        snprintf(name, sizeof name, "%s %s", u->first, u->last);
        m.helo = "mx-01.corp";
        snprintf(helo, sizeof helo, "mx-01.%s", o->domain);
        m.helo = helo;
        m.src_ip = o->partner_ip[p];
        m.subject = biz_subj[sim_below(&x->rng, NEL(biz_subj))];
        m.xmailer = "Microsoft Outlook 15.0";
    }
    m.from_addr = from;
    m.from_name = name;
    m.to_addr = to;
    if (sim_chance(&x->rng, x->conf.attach_share) && !m.link) {
        static const char *const an[] = {"report.pdf", "contract.doc", "schedule.pdf", "assets.zip",
                                         "invoice.pdf"};
        m.attach_name = an[sim_below(&x->rng, NEL(an))];
        m.attach_len = (size_t)sim_lognorm(&x->rng, 12000, 0.7);
        if (m.attach_len > 200000)
            m.attach_len = 200000;
    }
    sim_mail_write(x, &m, msgid);
}

/* how busy mail is at t (HQ local time): full on working hours, low at night and weekends */
static double mail_weight(int64_t t)
{
    int off = sim_site_offset(0, t);
    sim_civil c;
    sim_civil_of(t + (int64_t)off * SIM_MIN, &c);
    double w = c.h >= 8 && c.h < 18 ? 1.0 : c.h >= 6 && c.h < 21 ? 0.35 : 0.08;
    return c.wday == 0 || c.wday == 6 ? w * 0.15 : w;
}

static int64_t run_mail(sim_ctx *x, int64_t t)
{
    if (sim_chance(&x->rng, mail_weight(t)))
        mail_one(x, t);
    return t + (int64_t)sim_expo(&x->rng, (double)x->normal->mail_rate) + 1;
}

/* ---------------------------------------------------------------- servers and services */

static int64_t hq_time(const sim_ctx *x, int64_t after, double hour)
{
    int off = sim_site_offset(0, after);
    int64_t day = local_midnight(after, off);
    int64_t at = day + (int64_t)(hour * SIM_HOUR) - (int64_t)off * SIM_MIN;
    (void)x;
    return at > after ? at : at + SIM_DAY;
}

static int64_t run_deploy(sim_ctx *x, int64_t t)
{
    sim_normal *n = x->normal;
    sim_org *o = &x->org;
    if (n->deploy_next == UINT32_MAX) {
        sim_civil c;
        sim_civil_of(t + (int64_t)sim_site_offset(0, t) * SIM_MIN, &c);
        if (c.wday >= 1 && c.wday <= 5 && sim_chance(&x->rng, x->conf.deploy_per_week / 5)) {
            n->deploy_next = sim_below(&x->rng, o->nws);
            n->deploy_left = (uint32_t)(o->nws * x->conf.deploy_hosts_share) + 1;
            n->deploy_pkg = sim_next(&x->rng);
        } else {
            return hq_time(x, t, 19.0);
        }
    }
    sim_host *dep = &o->hosts[o->deploy];
    sim_host *ws = &o->hosts[n->deploy_next];
    sim_user *svc = &o->users[o->svc_deploy];
    char uid[20];
    static const char *const pkgs[] = {"AdobeReader_11.0.09.msi", "Chrome_37.0.2062.124.msi",
                                       "Office2013_SP1_KB2817430.msp", "Java_8u20.msi",
                                       "Flash_15.0.0.152.msi"};
    char cmd[160];
    snprintf(cmd, sizeof cmd, "msiexec.exe /i \"\\\\deploy-01\\Packages\\%s\" /qn /norestart",
             pkgs[n->deploy_pkg % NEL(pkgs)]);
    sim_smb_map(x, t, dep->ip, ws, "ADMIN$", uid);
    sim_ev_logon(x, ws, t + 20000, svc, 3, dep->ip, NULL, 0x9000000 + n->deploy_left, true);
    sim_ev_service(x, ws, t + SIM_US, "PDQDeployRunner-1",
                   "C:\\Windows\\AdminArsenal\\PDQDeployRunner\\service-1\\PDQDeployRunner-1.exe",
                   "user mode service", NULL);
    sim_sm_process(x, ws, t + 3 * SIM_US, "NT AUTHORITY\\SYSTEM", "C:\\Windows\\System32\\msiexec.exe", cmd,
                   "C:\\Windows\\AdminArsenal\\PDQDeployRunner\\service-1\\PDQDeployRunner-1.exe", NULL);
    sim_later_logoff(x, t + 90 * SIM_US, ws, svc, 3, 0x9000000 + n->deploy_left);
    n->deploy_next = (n->deploy_next + 1) % o->nws;
    if (--n->deploy_left == 0) {
        n->deploy_next = UINT32_MAX;
        return hq_time(x, t, 19.0);
    }
    return t + (int64_t)sim_expo(&x->rng, 7 * SIM_US) + SIM_US;
}

static int64_t run_backup(sim_ctx *x, int64_t t)
{
    sim_normal *n = x->normal;
    sim_org *o = &x->org;
    sim_host *bk = &o->hosts[o->backup];
    char uid[20];
    if (n->backup_next == UINT32_MAX) {
        n->backup_next = o->first_server;
        sim_civil c;
        sim_civil_of(t + (int64_t)sim_site_offset(0, t) * SIM_MIN, &c);
        if (c.wday == 0) { /* the weekly copy to cloud storage leaves the building */
            uint64_t gb = (uint64_t)(sim_lognorm(&x->rng, x->conf.offsite_gb, 0.3) * 1e9);
            sim_tls(x, t + 2 * SIM_HOUR, bk->ip, 0x36a00000 + 0x1000 + sim_below(&x->rng, 4000), 443,
                    "s3-us-west-2.amazonaws.com", gb, gb / 2000, (int64_t)(gb / 120000000) * SIM_US, uid);
        }
    }
    sim_host *h = &o->hosts[n->backup_next];
    if (h->kind != HK_BACKUP) {
        uint64_t bytes = (uint64_t)(sim_lognorm(&x->rng, x->conf.backup_gb, 0.5) * 1e9);
        sim_user *svc = &o->users[o->svc_backup];
        bool lin = h->kind == HK_LINUX || h->kind == HK_SFTP;
        sim_conn c = {t,
                      (int64_t)(bytes / 110000000) * SIM_US + SIM_US,
                      bk->ip,
                      h->ip,
                      (uint16_t)(50000 + sim_below(&x->rng, 9000)),
                      lin ? 10000 : 445,
                      "tcp",
                      lin ? NULL : "smb",
                      40000 + bytes / 3000,
                      bytes,
                      "SF",
                      0};
        sim_net_conn(x, &c, uid);
        if (lin)
            sim_ssh_session(x, t - SIM_US, h, "svc_backup", bk->ip, true, NULL);
        else
            sim_ev_logon(x, h, t + SIM_US / 2, svc, 3, bk->ip, NULL, 0x8000000 + n->backup_next, true);
    }
    if (++n->backup_next >= o->nhosts) {
        n->backup_next = UINT32_MAX;
        return hq_time(x, t, 1.0) + sim_below(&x->rng, 600) * SIM_US;
    }
    return t + (int64_t)sim_expo(&x->rng, 120 * SIM_US) + SIM_US;
}

static int64_t run_service(sim_ctx *x, uint32_t app, int64_t t)
{
    sim_org *o = &x->org;
    sim_host *a = &o->hosts[o->apps[app]];
    sim_host *sql = &o->hosts[o->sqls[app % o->nsql]];
    sim_user *svc = &o->users[app % 2 ? o->svc_web : o->svc_sql];
    char uid[20];
    sim_conn c = {t,
                  (int64_t)sim_expo(&x->rng, 30 * SIM_US),
                  a->ip,
                  sql->ip,
                  (uint16_t)(50000 + sim_below(&x->rng, 9000)),
                  1433,
                  "tcp",
                  NULL,
                  (uint64_t)sim_lognorm(&x->rng, 4000, 1),
                  (uint64_t)sim_lognorm(&x->rng, 60000, 1.5),
                  "SF",
                  0};
    sim_net_conn(x, &c, uid);
    sim_ev_logon(x, sql, t + 2000, svc, 3, a->ip, NULL, 0x7000000 + (uint64_t)(t / SIM_US % 100000), false);
    return t + (int64_t)sim_expo(&x->rng, 40 * SIM_MIN) + SIM_US;
}

/* The Internet knocking on the SFTP server: bursts of password guesses from one address,
 * one guess per call so that the log stays in time order. */
static int64_t run_scanner(sim_ctx *x, int64_t t)
{
    sim_normal *n = x->normal;
    sim_org *o = &x->org;
    sim_host *sftp = &o->hosts[o->sftp];
    static const char *const names[] = {"root",     "admin", "test",  "oracle",  "ubuntu", "user",
                                        "postgres", "git",   "guest", "support", "pi",     "ftpuser"};
    static const char *const ccs[] = {"CN", "RU", "US", "FR", "DE", "IT"};
    if (!n->scan_left) {
        n->scan_from = sim_geo_addr(&x->rng, sim_geo_find(ccs[sim_below(&x->rng, 6)]));
        n->scan_left = 3 + sim_below(&x->rng, 25);
        n->scan_done = 0;
    }
    char uid[20];
    sim_conn c = {t,    3 * SIM_US, n->scan_from, sftp->ip, (uint16_t)(30000 + sim_below(&x->rng, 30000)),
                  22,   "tcp",      "ssh",        1500,     2100,
                  "SF", 0};
    sim_net_conn(x, &c, uid);
    const char *nm = names[sim_zipf(&x->rng, NEL(names))];
    sim_ssh_failed(x, t + SIM_US, sftp, nm, n->scan_from, strcmp(nm, "root") != 0);
    if (++n->scan_done == 5)
        sim_eve_alert(x, &c, 2001219, "ET SCAN Potential SSH Scan", "Attempted Information Leak", 2);
    if (--n->scan_left)
        return t + 2 * SIM_US + sim_below(&x->rng, 3 * SIM_US);
    double per_burst = 15.0;
    double gap = 86400.0 * per_burst / (x->conf.scanner_per_day > 0 ? x->conf.scanner_per_day : 1);
    return t + (int64_t)(sim_expo(&x->rng, gap) * SIM_US) + SIM_US;
}

static int64_t run_cron(sim_ctx *x, uint32_t l, int64_t t)
{
    sim_host *h = &x->org.hosts[x->org.lin[l]];
    uint32_t pid = 2000 + (uint32_t)(sim_mix((uint64_t)t ^ l) % 28000);
    sim_auth_line(x, t, h, "CRON", pid, "pam_unix(cron:session): session opened for user root by (uid=0)");
    sim_later_line(x, t + 300000, h, "CRON", pid, "pam_unix(cron:session): session closed for user root");
    return t + SIM_HOUR;
}

static int64_t run_hire(sim_ctx *x, uint32_t i, int64_t t)
{
    sim_org *o = &x->org;
    sim_user *adm = &o->users[o->admins[i % o->nadmin]];
    sim_ev_user_created(x, &o->hosts[o->dcs[0]], t, adm, &o->users[i]);
    return INT64_MAX;
}

/* ---------------------------------------------------------------- records due later */

/* A record whose time has not come yet (a logoff, the end of an SSH session): kept in a
 * pool until the queue reaches it, so that every file stays in time order. The pool holds
 * only what is open at once; it does not grow with the days. */
typedef struct sim_later {
    uint32_t host, user; /* user: UINT32_MAX for a syslog line */
    uint8_t type;
    uint64_t logon_id;
    uint32_t pid, next_free;
    char prog[16];
    char msg[112];
} sim_later;

static uint32_t later_slot(sim_ctx *x)
{
    sim_normal *n = x->normal;
    if (n->later_free != UINT32_MAX) {
        uint32_t i = n->later_free;
        n->later_free = n->later[i].next_free;
        return i;
    }
    if (n->nlater == n->later_cap) {
        uint32_t cap = n->later_cap ? n->later_cap * 2 : 256;
        sim_later *v = realloc(n->later, cap * sizeof *v);
        if (!v)
            return UINT32_MAX;
        n->later = v;
        n->later_cap = cap;
    }
    return n->nlater++;
}

void sim_later_logoff(sim_ctx *x, int64_t t, const sim_host *h, const sim_user *u, int type,
                      uint64_t logon_id)
{
    uint32_t i = later_slot(x);
    if (i == UINT32_MAX)
        return;
    sim_later *l = &x->normal->later[i];
    l->host = (uint32_t)(h - x->org.hosts);
    l->user = (uint32_t)(u - x->org.users);
    l->type = (uint8_t)type;
    l->logon_id = logon_id;
    x->sched_add(x->sched, t, TK_LATER, i);
}

void sim_later_line(sim_ctx *x, int64_t t, const sim_host *h, const char *prog, uint32_t pid, const char *msg)
{
    uint32_t i = later_slot(x);
    if (i == UINT32_MAX)
        return;
    sim_later *l = &x->normal->later[i];
    l->host = (uint32_t)(h - x->org.hosts);
    l->user = UINT32_MAX;
    l->pid = pid;
    snprintf(l->prog, sizeof l->prog, "%s", prog);
    snprintf(l->msg, sizeof l->msg, "%s", msg);
    x->sched_add(x->sched, t, TK_LATER, i);
}

static int64_t run_later(sim_ctx *x, uint32_t i, int64_t t)
{
    sim_normal *n = x->normal;
    sim_later *l = &n->later[i];
    sim_host *h = &x->org.hosts[l->host];
    if (l->user == UINT32_MAX)
        sim_auth_line(x, t, h, l->prog, l->pid, l->msg);
    else
        sim_ev_logoff(x, h, t, &x->org.users[l->user], l->type, l->logon_id);
    l->next_free = n->later_free;
    n->later_free = i;
    return INT64_MAX;
}

/* ---------------------------------------------------------------- the scheduler's side */

void sim_normal_free(sim_ctx *x)
{
    if (x->normal)
        free(x->normal->later);
    free(x->normal);
    x->normal = NULL;
}

void sim_normal_init(sim_ctx *x, void (*add)(void *, int64_t, int, uint32_t), void *sched)
{
    sim_org *o = &x->org;
    sim_normal *n = calloc(1, sizeof *n);
    x->normal = n;
    if (!n)
        return;
    n->deploy_next = UINT32_MAX;
    n->backup_next = UINT32_MAX;
    n->later_free = UINT32_MAX;
    x->sched_add = add;
    x->sched = sched;
    double per_day = o->nhuman * (x->conf.mail_in_per_user + x->conf.mail_out_per_user);
    per_day /= 1 - (x->conf.internal_share < 0.9 ? x->conf.internal_share : 0.9);
    /* candidates at full rate over a day; mail_weight() thins them to about per_day */
    n->mail_rate = per_day > 0 ? (int64_t)(86400.0 * SIM_US * 0.55 / per_day) + 1 : SIM_DAY;
    for (uint32_t i = 0; i < o->nhuman; i++) {
        sim_user *u = &o->users[i];
        int64_t a = next_arrival(x, u, x->start - 1);
        if (a != INT64_MAX)
            add(sched, a, TK_USER, i);
        if (u->hire_day > 0) {
            int64_t h = hq_time(x, x->start + (int64_t)(u->hire_day - 1) * SIM_DAY - SIM_DAY, 10.0);
            if (h >= x->start && h < x->end)
                add(sched, h, TK_HIRE, i);
        }
    }
    add(sched, x->start + sim_below(&x->rng, 60) * SIM_US, TK_MAIL, 0);
    add(sched, hq_time(x, x->start, 19.0), TK_DEPLOY, 0);
    add(sched, hq_time(x, x->start, 1.0), TK_BACKUP, 0);
    add(sched, x->start + sim_below(&x->rng, 3600) * SIM_US, TK_SCANNER, 0);
    for (uint32_t i = 0; i < o->napp; i++)
        add(sched, x->start + sim_below(&x->rng, 1800) * SIM_US, TK_SERVICE, i);
    for (uint32_t i = 0; i < o->nlin; i++)
        add(sched, x->start + (int64_t)(17 * 60 + i) * SIM_US, TK_CRON, i);
}

int64_t sim_normal_run(sim_ctx *x, int kind, uint32_t idx, int64_t t)
{
    switch (kind) {
    case TK_USER:
        return run_user(x, idx, t);
    case TK_MAIL:
        return run_mail(x, t);
    case TK_DEPLOY:
        return run_deploy(x, t);
    case TK_BACKUP:
        return run_backup(x, t);
    case TK_SERVICE:
        return run_service(x, idx, t);
    case TK_SCANNER:
        return run_scanner(x, t);
    case TK_CRON:
        return run_cron(x, idx, t);
    case TK_HIRE:
        return run_hire(x, idx, t);
    case TK_LATER:
        return run_later(x, idx, t);
    }
    return INT64_MAX;
}
