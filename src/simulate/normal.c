/* normal.c: the organisation's ordinary life: working days of people and administrators,
 * browsing, file shares, mail, software deployment, backups, updates, VPN, Linux servers
 * and the Internet's background noise. Each actor is a task with its own next time. */
#include <stdio.h>
#include <stdlib.h>

#include "core/vec.h"
#include "simulate/sim.h"

typedef struct sim_normal {
    uint32_t deploy_next; /* next workstation of a running deployment, UINT32_MAX when idle */
    uint32_t deploy_left;
    uint64_t deploy_pkg;
    uint32_t backup_next;
    int64_t mail_rate;       /* microseconds between candidate messages at full rate */
    struct sim_later *later; /* records due later (see "records due later") */
    uint32_t nlater, later_free;
    size_t later_cap;
    uint32_t scan_from, scan_left, scan_done; /* the SSH guessing burst under way */
    uint32_t vscan_next;                      /* next host of the vulnerability scan, UINT32_MAX idle */
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

/* ---------------------------------------------------------------- routine look-alikes */

/* PowerShell's -EncodedCommand: base64 of the script in UTF-16LE. */
static void encode_ps(const char *script, char *out, size_t cap)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(script), o = 0;
    for (size_t i = 0; i < 2 * n && o + 5 < cap; i += 3) {
        uint8_t b[3];
        size_t left = 2 * n - i;
        for (int k = 0; k < 3; k++) {
            size_t j = i + (size_t)k;
            b[k] = j >= 2 * n ? 0 : j % 2 ? 0 : (uint8_t)script[j / 2];
        }
        out[o++] = b64[b[0] >> 2];
        out[o++] = b64[(b[0] & 3) << 4 | b[1] >> 4];
        out[o++] = left > 1 ? b64[(b[1] & 15) << 2 | b[2] >> 6] : '=';
        out[o++] = left > 2 ? b64[b[2] & 63] : '=';
    }
    out[o] = 0;
}

/* An administrator's scheduled or management script run as -EncodedCommand (how many
 * management tools pass scripts), now and then fetching from the deployment server. */
static void admin_script(sim_ctx *x, sim_user *u, int64_t t)
{
    sim_host *ws = &x->org.hosts[u->ws];
    static const char *const scripts[] = {
        "Get-ADUser -Filter {Enabled -eq $true} -Properties LastLogonDate | Where-Object {$_.LastLogonDate "
        "-lt (Get-Date).AddDays(-90)} | Export-Csv \\\\fs-01\\IT\\stale_accounts.csv -NoTypeInformation",
        "Get-WmiObject Win32_LogicalDisk -Filter \"DriveType=3\" | Select-Object DeviceID,FreeSpace,Size | "
        "ConvertTo-Json | Out-File C:\\IT\\disk.json",
        "Get-Service | Where-Object {$_.Status -eq 'Stopped' -and $_.StartType -eq 'Automatic'} | "
        "Restart-Service "
        "-PassThru",
        "Get-HotFix | Sort-Object InstalledOn -Descending | Select-Object -First 20 | Export-Csv "
        "C:\\IT\\hotfix.csv",
        "IEX (New-Object Net.WebClient).DownloadString('http://deploy-01/scripts/inventory.ps1')",
    };
    char user[48], enc[1400], cmd[1500];
    uint32_t i = sim_below(&x->rng, NEL(scripts));
    encode_ps(scripts[i], enc, sizeof enc);
    snprintf(cmd, sizeof cmd,
             "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand %s", enc);
    x->benign = "admin-script";
    sim_sm_process(
        x, ws, t, sim_dom_user(x, u, user), "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        cmd, sim_chance(&x->rng, 0.5) ? "C:\\Windows\\System32\\svchost.exe" : "C:\\Windows\\explorer.exe",
        NULL);
    x->benign = NULL;
}

/* An administrator troubleshooting: a few account and network commands in a row. */
static void it_recon(sim_ctx *x, sim_user *u, int64_t t)
{
    sim_org *o = &x->org;
    sim_host *ws = &o->hosts[u->ws];
    static const char *const cmds[][2] = {
        {"whoami.exe", "whoami /groups"},
        {"net.exe", "net user %s /domain"},
        {"net.exe", "net localgroup administrators"},
        {"nltest.exe", "nltest /dsgetdc:%s"},
        {"gpresult.exe", "gpresult /r"},
        {"ipconfig.exe", "ipconfig /all"},
        {"net.exe", "net group \"Domain Admins\" /domain"},
    };
    char user[48], img[96], cmd[160];
    sim_dom_user(x, u, user);
    x->benign = "it-recon";
    sim_sm_process(x, ws, t, user, "C:\\Windows\\System32\\cmd.exe", "\"C:\\Windows\\system32\\cmd.exe\"",
                   "C:\\Windows\\explorer.exe", NULL);
    uint32_t n = 2 + sim_below(&x->rng, 4), first = sim_below(&x->rng, NEL(cmds));
    int64_t at = t;
    for (uint32_t k = 0; k < n; k++) {
        const char *const *c = cmds[(first + k) % NEL(cmds)];
        at += (int64_t)(5 + sim_below(&x->rng, 60)) * SIM_US;
        snprintf(cmd, sizeof cmd, c[1],
                 strstr(c[1], "dsgetdc") ? o->ad : o->users[sim_below(&x->rng, o->nhuman)].name);
        snprintf(img, sizeof img, "C:\\Windows\\System32\\%s", c[0]);
        sim_sm_process(x, ws, at, user, img, cmd, "C:\\Windows\\System32\\cmd.exe", NULL);
    }
    x->benign = NULL;
}

/* Someone packs a project folder (or an administrator old logs) with 7-Zip. */
static void archive(sim_ctx *x, sim_user *u, int64_t t)
{
    sim_host *ws = &x->org.hosts[u->ws];
    char user[48], out[160], cmd[400];
    static const char *const proj[] = {"trailer_cut", "budget_2015", "festival_submissions", "pitch_deck",
                                       "vfx_notes"};
    const char *p = proj[sim_below(&x->rng, NEL(proj))];
    const char *z = "C:\\Program Files\\7-Zip\\7z.exe";
    if (u->role == ROLE_ADMIN) {
        snprintf(out, sizeof out, "C:\\IT\\Archive\\logs_%u.7z", sim_below(&x->rng, 900) + 100);
        snprintf(cmd, sizeof cmd, "\"%s\" a -t7z -mx9 %s C:\\IT\\Logs\\* -sdel", z, out);
    } else {
        snprintf(out, sizeof out, "C:\\Users\\%s\\Documents\\%s.zip", u->name, p);
        snprintf(cmd, sizeof cmd, "\"%s\" a -tzip %s C:\\Users\\%s\\Documents\\%s\\*", z, out, u->name, p);
    }
    x->benign = "archive";
    sim_sm_process(x, ws, t, sim_dom_user(x, u, user), z, cmd, "C:\\Windows\\explorer.exe", NULL);
    sim_sm_file(x, ws, t + (int64_t)(5 + sim_below(&x->rng, 60)) * SIM_US, user, z, out);
    x->benign = NULL;
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
        /* some work on their office desktop over RDP through the VPN, from a home or hotel
         * computer whose name is no name of ours: the shape of tunnelled RDP */
        bool travel = r < x->conf.travel_share;
        bool rdp = sim_chance(&x->rng, travel ? 2 * x->conf.vpn_rdp_share : x->conf.vpn_rdp_share);
        if (rdp)
            x->benign = "vpn-rdp";
        sim_tls(x, t - 40 * SIM_US, pub, o->vpn_pub, 443, NULL, 200000, 900000, len, uid);
        sim_ev_nps(x, &o->hosts[o->dcs[0]], t - 35 * SIM_US, u, pub);
        if (rdp) {
            char pc[24];
            snprintf(pc, sizeof pc, "DESKTOP-%07llX",
                     (unsigned long long)(sim_mix(u->rid ^ x->seed) & 0xfffffff));
            int64_t d = (int64_t)(sim_lognorm(&x->rng, 3, 0.5) * SIM_HOUR);
            sim_rdp(x, t + 30 * SIM_US, u->vpn_ip, ws, u->name, d, (uint64_t)sim_lognorm(&x->rng, 4e7, 0.8),
                    uid);
            sim_ev_logon(x, ws, t + 32 * SIM_US, u, 10, u->vpn_ip, pc, u->logon_id ^ 0x2d, false);
            sim_later_logoff(x, t + 32 * SIM_US + d, ws, u, 10, u->logon_id ^ 0x2d);
            x->benign = NULL;
        }
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
    double r =
        x->conf.browse_per_day + x->conf.share_per_day + x->conf.process_per_day + x->conf.archive_per_day;
    if (u->role == ROLE_ADMIN)
        r += x->conf.admin_sessions_per_day + x->conf.linux_sessions_per_day + x->conf.admin_script_per_day +
             x->conf.it_recon_per_day;
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
        else if ((r -= c->archive_per_day) < 0 || u->role != ROLE_ADMIN)
            archive(x, u, t);
        else if ((r -= c->admin_sessions_per_day) < 0) {
            admin_session(x, u, t);
            int64_t next = t + 2 * SIM_MIN;
            return next < u->leave_at ? next : u->leave_at;
        } else if ((r -= c->linux_sessions_per_day) < 0)
            linux_session(x, u, t);
        else if ((r -= c->admin_script_per_day) < 0)
            admin_script(x, u, t);
        else
            it_recon(x, u, t);
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
    char from[128], to[128], name[80], helo[128], link[256], msgid[96], ltext[96], verp[160], lid[160],
        unsub[256], reply[128], subj[160];
    const char *bn = NULL;
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
            /* a newsletter from an e-mail service: list headers, a VERP bounce address,
             * links through the service's click tracker (the text shows the real site) */
            uint64_t k = sim_mix(x->seed ^ sim_zipf(&x->rng, 300) ^ 0x6e6577736cULL);
            char d[64];
            sim_gen_domain(k, d);
            snprintf(from, sizeof from, "news@%s", d);
            snprintf(name, sizeof name, "%s", d);
            snprintf(helo, sizeof helo, "mta%u.mail.%s", (unsigned)(k % 9) + 1, d);
            unsigned long long tok = (unsigned long long)(sim_next(&x->rng) >> 20);
            if (sim_chance(&x->rng, x->conf.tracking_share)) {
                snprintf(link, sizeof link,
                         "https://click.%s/ls/click?upn=%llx&u=https%%3A%%2F%%2Fwww.%s%%2Fnews%%2F", d, tok,
                         d);
                snprintf(ltext, sizeof ltext, "www.%s/news/", d);
                m.link_text = ltext;
            } else {
                snprintf(link, sizeof link, "https://www.%s/news/?utm_source=newsletter&utm_medium=email", d);
            }
            snprintf(verp, sizeof verp, "bounce-%llx-%s=%s@bounce.%s", tok & 0xffffff, u->name, o->domain, d);
            snprintf(lid, sizeof lid, "%s newsletter <news.%s>", d, d);
            snprintf(unsub, sizeof unsub,
                     "<mailto:unsubscribe@bounce.%s?subject=unsub-%llx>, <https://click.%s/unsub/%llx>", d,
                     tok, d, tok);
            m.return_path = verp;
            m.list_id = lid;
            m.list_unsub = unsub;
            m.precedence = "bulk";
            m.src_ip = sim_domain_ip(k ^ 0x3);
            m.subject = news_subj[sim_below(&x->rng, NEL(news_subj))];
            m.text = "View this e-mail in your browser. Our top stories this week are below.";
            m.link = link;
            m.xmailer = "MailChimp Mailer";
            if (sim_chance(&x->rng, 0.1)) {
                m.dkim = "none";
                m.dmarc = "none";
            } else if ((double)(sim_mix(k ^ 0x626868ULL) % 10000) < x->conf.dkim_bodyhash_fail * 10000) {
                /* a sender whose mail service adds a footer after signing: the body hash of
                 * every message of it fails */
                m.dkim = "fail";
                m.dkim_reason = "body hash did not verify";
                m.dmarc = "pass"; /* aligned SPF still passes DMARC */
            }
            bn = "newsletter";
        } else if (sim_chance(&x->rng, x->conf.list_share)) {
            /* a post to a mailing list the person is on: the list rewrites From, sets
             * Reply-To to the list and bounces to a VERP address */
            static const char *const lists[][2] = {{"film-tech", "Film technology discussion"},
                                                   {"vfx-users", "VFX pipeline users"},
                                                   {"postgres-general", "PostgreSQL general discussion"},
                                                   {"festival-programmers", "Festival programmers"}};
            uint32_t li = sim_below(&x->rng, NEL(lists));
            uint64_t k = sim_mix(x->seed ^ (0x6c697374ULL + li));
            char d[64], who[40];
            sim_gen_domain(k, d);
            static const char *const pn[] = {"Ana Ruiz", "Tom Becker", "Li Wei", "Sara Novak", "Omar Haddad"};
            snprintf(who, sizeof who, "%s", pn[sim_below(&x->rng, NEL(pn))]);
            snprintf(from, sizeof from, "%s@lists.%s", lists[li][0], d);
            snprintf(name, sizeof name, "%s via %s", who, lists[li][0]);
            snprintf(helo, sizeof helo, "lists.%s", d);
            snprintf(verp, sizeof verp, "%s-bounces+%s=%s@lists.%s", lists[li][0], u->name, o->domain, d);
            snprintf(lid, sizeof lid, "%s <%s.lists.%s>", lists[li][1], lists[li][0], d);
            snprintf(
                unsub, sizeof unsub,
                "<https://lists.%s/mailman/options/%s>, <mailto:%s-request@lists.%s?subject=unsubscribe>", d,
                lists[li][0], lists[li][0], d);
            snprintf(reply, sizeof reply, "%s@lists.%s", lists[li][0], d);
            snprintf(subj, sizeof subj, "[%s] Re: %s", lists[li][0],
                     biz_subj[sim_below(&x->rng, NEL(biz_subj))]);
            snprintf(link, sizeof link, "https://lists.%s/archives/%s/%llx/", d, lists[li][0],
                     (unsigned long long)(sim_next(&x->rng) >> 40));
            m.return_path = verp;
            m.list_id = lid;
            m.list_unsub = unsub;
            m.reply_to = reply;
            m.sender = verp;
            m.precedence = "list";
            m.src_ip = sim_domain_ip(k ^ 0x5);
            m.subject = subj;
            m.link = link;
            m.xmailer = NULL;
            bn = "mailing-list";
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
    x->benign = bn;
    sim_mail_write(x, &m, msgid);
    x->benign = NULL;
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
    x->benign = "deploy-push";
    sim_smb_map(x, t, dep->ip, ws, "ADMIN$", uid);
    sim_ev_logon(x, ws, t + 20000, svc, 3, dep->ip, NULL, 0x9000000 + n->deploy_left, true);
    sim_ev_service(x, ws, t + SIM_US, "PDQDeployRunner-1",
                   "C:\\Windows\\AdminArsenal\\PDQDeployRunner\\service-1\\PDQDeployRunner-1.exe",
                   "user mode service", NULL);
    sim_sm_process(x, ws, t + 3 * SIM_US, "NT AUTHORITY\\SYSTEM", "C:\\Windows\\System32\\msiexec.exe", cmd,
                   "C:\\Windows\\AdminArsenal\\PDQDeployRunner\\service-1\\PDQDeployRunner-1.exe", NULL);
    x->benign = NULL;
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

/* The weekly vulnerability scan: vscan-01 walks every host at night, probes its common
 * ports, logs on with its scan account where it can (and fails where the account is not
 * set up, trying default accounts), and tries SSH on Linux servers. One host per call. */
static int64_t run_vscan(sim_ctx *x, int64_t t)
{
    sim_normal *n = x->normal;
    sim_org *o = &x->org;
    const sim_conf *c = &x->conf;
    if (n->vscan_next == UINT32_MAX) {
        int every = c->vuln_scan_per_week > 0 ? (int)(7 / c->vuln_scan_per_week + 0.5) : 0;
        int64_t day = (t - x->start) / SIM_DAY;
        if (!every || day % (every ? every : 1) != 2 % (every ? every : 1))
            return hq_time(x, t, 22.0) + sim_below(&x->rng, 300) * SIM_US;
        n->vscan_next = 0;
    }
    static const uint16_t ports[] = {445,  135,  139,  3389, 5985, 22,    80,    443,   21,    23,
                                     25,   53,   110,  111,  143,  389,   636,   993,   995,   1433,
                                     1521, 2049, 3306, 5432, 5900, 5986,  8000,  8080,  8443,  9100,
                                     161,  623,  1723, 3268, 3269, 47001, 49152, 49153, 49154, 10000};
    sim_host *sc = &o->hosts[o->scan];
    sim_host *h = &o->hosts[n->vscan_next];
    bool lin = h->kind == HK_LINUX || h->kind == HK_SFTP;
    char uid[20];
    x->benign = "vuln-scan";
    if (h != sc) {
        uint32_t np = (uint32_t)c->vuln_scan_ports;
        int64_t at = t;
        for (uint32_t i = 0; i < np; i++) {
            uint16_t p = ports[i % NEL(ports)];
            bool open = lin ? p == 22 || p == 80 || p == 443 || p == 10000
                            : p == 445 || p == 135 || p == 139 || p == 3389 || p == 5985 || p == 49152;
            sim_conn cn = {at,
                           open ? 200000 : 1000,
                           sc->ip,
                           h->ip,
                           (uint16_t)(40000 + sim_below(&x->rng, 20000)),
                           p,
                           "tcp",
                           NULL,
                           open ? 60 : 0,
                           open ? 120 : 0,
                           open ? "SF" : "REJ",
                           0};
            sim_net_conn(x, &cn, uid);
            at += 50000 + sim_below(&x->rng, 150000);
        }
        sim_user *svc = &o->users[o->svc_scan];
        if (lin) {
            sim_ssh_failed(x, at + SIM_US, h, "root", sc->ip, false);
            sim_ssh_failed(x, at + 2 * SIM_US, h, "admin", sc->ip, true);
            sim_ssh_session(x, at + 3 * SIM_US, h, "svc_scan", sc->ip, true, NULL);
        } else if (sim_chance(&x->rng, c->vuln_scan_fail_share)) {
            static const char *const tries[] = {"svc_scan", "Administrator", "admin", "guest"};
            for (uint32_t i = 0; i < NEL(tries); i++)
                sim_ev_logon_failed(x, h, at + (int64_t)(1 + i) * SIM_US, tries[i], 3, sc->ip, "VSCAN-01",
                                    i ? 0xc0000064 : 0xc000006a);
        } else {
            sim_smb_map(x, at + SIM_US, sc->ip, h, "IPC$", uid);
            sim_ev_logon(x, h, at + SIM_US + 20000, svc, 3, sc->ip, "VSCAN-01", 0x9a00000 + n->vscan_next,
                         true);
            sim_smb_map(x, at + 2 * SIM_US, sc->ip, h, "ADMIN$", uid);
            sim_later_logoff(x, at + 40 * SIM_US, h, svc, 3, 0x9a00000 + n->vscan_next);
        }
    }
    x->benign = NULL;
    if (++n->vscan_next >= o->nhosts) {
        n->vscan_next = UINT32_MAX;
        return hq_time(x, t, 22.0) + sim_below(&x->rng, 300) * SIM_US;
    }
    return t + (int64_t)(10 + sim_below(&x->rng, 30)) * SIM_US;
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
    if (!ts_vec_grow(n->later, n->later_cap, (size_t)n->nlater + 1, UINT32_MAX - 1))
        return UINT32_MAX;
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
    n->vscan_next = UINT32_MAX;
    n->later_free = UINT32_MAX;
    x->sched_add = add;
    x->sched = sched;
    double per_day = o->nhuman * (x->conf.mail_in_per_user + x->conf.mail_out_per_user);
    per_day /= 1 - (x->conf.internal_share < 0.9 ? x->conf.internal_share : 0.9);
    /* candidates at full rate over a day; mail_weight() thins them to about per_day */
    /* a rates file's near-zero mail (1e-300 a day) is a gap past int64: capped at 1,000 days,
       which is no mail in any run (and keeps sim_expo's multiples of it in range) */
    double gap = per_day > 0 ? 86400.0 * SIM_US * 0.55 / per_day : (double)SIM_DAY;
    n->mail_rate = gap < 1000.0 * SIM_DAY ? (int64_t)gap + (per_day > 0) : 1000 * SIM_DAY;
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
    add(sched, hq_time(x, x->start, 22.0), TK_VSCAN, 0);
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
    case TK_VSCAN:
        return run_vscan(x, t);
    }
    return INT64_MAX;
}
