/* actions.c: what each campaign action does to the logs: one function per action, listed
 * once in camp_actions[]. A unit is one occurrence (one e-mail, one beacon, one hop). */
#include <stdio.h>
#include <stdlib.h>

#include "simulate/campaign.h"

#define NEL(a) (sizeof(a) / sizeof((a)[0]))

void camp_touch_host(sim_step *s, uint32_t h)
{
    for (uint32_t i = 0; i < s->nhosts; i++)
        if (s->hosts[i] == h)
            return;
    if (s->nhosts < NEL(s->hosts))
        s->hosts[s->nhosts++] = h;
}

void camp_touch_user(sim_step *s, uint32_t u)
{
    for (uint32_t i = 0; i < s->nusers; i++)
        if (s->users[i] == u)
            return;
    if (s->nusers < NEL(s->users))
        s->users[s->nusers++] = u;
}

bool camp_owned(const sim_campaign *c, uint32_t h)
{
    for (uint32_t i = 0; i < c->nowned; i++)
        if (c->owned[i] == h)
            return true;
    return false;
}

void camp_own(sim_campaign *c, uint32_t h)
{
    if (!camp_owned(c, h) && c->nowned < CAMP_MAX_HOSTS)
        c->owned[c->nowned++] = h;
}

/* After a hop with the stolen admin account: the actor now holds the target, and the step
 * touched both hosts and the account. */
static void admin_hop(sim_campaign *c, sim_step *s, uint32_t from, uint32_t to)
{
    camp_own(c, to);
    camp_touch_host(s, from);
    camp_touch_host(s, to);
    camp_touch_user(s, c->admin);
}

/* The story's cast, chosen once with the campaign's PRNG. */
void camp_cast(sim_ctx *x)
{
    sim_campaign *c = x->camp;
    sim_org *o = &x->org;
    if (c->cast)
        return;
    c->cast = true;
    char word[32];
    size_t n = strcspn(o->domain, ".-");
    snprintf(word, sizeof word, "%.*s", (int)(n < 31 ? n : 31), o->domain);
    if (c->nlookalike) {
        const char *pat = c->lookalike_pat[sim_below(&x->crng, c->nlookalike)];
        const char *ph = strstr(pat, "{org}");
        if (ph)
            snprintf(c->lookalike, sizeof c->lookalike, "%.*s%s%s", (int)(ph - pat), pat, word, ph + 5);
        else
            snprintf(c->lookalike, sizeof c->lookalike, "%s", pat);
    }
    c->lookalike_ip = sim_hosting_addr(&x->crng, "US");
    for (uint32_t i = 0; i < o->nexec && c->ntargets < 6; i++)
        c->targets[c->ntargets++] = o->execs[i];
    while (c->ntargets < 16) {
        uint32_t u = sim_below(&x->crng, o->nhuman);
        bool dup = false;
        for (uint32_t i = 0; i < c->ntargets; i++)
            dup |= c->targets[i] == u;
        if (!dup && o->users[u].hire_day <= 0)
            c->targets[c->ntargets++] = u;
        if (c->ntargets >= o->nhuman)
            break;
    }
    c->admin = o->admins[sim_below(&x->crng, o->nadmin)];
    c->stage = o->fs[sim_below(&x->crng, o->nfs)];
    c->exfil_ip = c->nc2 ? c->c2[sim_below(&x->crng, c->nc2)].ip : sim_hosting_addr(&x->crng, NULL);
    do
        c->insider = sim_below(&x->crng, o->nhuman);
    while (o->users[c->insider].role != ROLE_STAFF && o->nhuman > 8);
}

uint32_t camp_p0_user(sim_ctx *x)
{
    sim_campaign *c = x->camp;
    if (!c->np0) { /* a step that needs a foothold before anyone clicked: the first target */
        c->p0[c->np0++] = c->targets[0];
        camp_own(c, x->org.users[c->targets[0]].ws);
    }
    return c->p0[sim_below(&x->crng, c->np0)];
}

/* a host the actor already controls to act from (a workstation or a jump host) */
uint32_t camp_from_host(sim_ctx *x)
{
    sim_campaign *c = x->camp;
    uint32_t u = camp_p0_user(x);
    if (c->nowned > 1 && sim_chance(&x->crng, 0.5))
        return c->owned[sim_below(&x->crng, c->nowned)];
    return x->org.users[u].ws;
}

/* a host not yet controlled: mostly servers, sometimes a workstation */
uint32_t camp_new_target(sim_ctx *x)
{
    sim_org *o = &x->org;
    sim_campaign *c = x->camp;
    for (int tries = 0; tries < 50; tries++) {
        uint32_t h = sim_chance(&x->crng, 0.7)
                         ? o->first_server + sim_below(&x->crng, o->nhosts - o->first_server)
                         : sim_below(&x->crng, o->nws);
        uint8_t k = o->hosts[h].kind;
        if (k != HK_LINUX && k != HK_SFTP && !camp_owned(c, h))
            return h;
    }
    return o->dcs[0];
}

const char *camp_tool_name(const sim_campaign *c, const char *role, const char *dflt)
{
    const camp_tool *t = camp_tool_of(c, role);
    return t ? t->name : dflt;
}

void camp_tool_hashes(const sim_campaign *c, const char *role, char *buf, size_t cap)
{
    const camp_tool *t = camp_tool_of(c, role);
    char md5[33] = "";
    if (t)
        for (int i = 0; i < 32; i++)
            md5[i] = (char)(t->md5[i] >= 'a' ? t->md5[i] - 32 : t->md5[i]);
    md5[32] = 0;
    uint64_t h = sim_mix(md5[0] * 131ULL + md5[5]);
    snprintf(buf, cap, "MD5=%s,SHA256=%016llX%016llX%016llX%016llX",
             t ? md5 : "D41D8CD98F00B204E9800998ECF8427E", (unsigned long long)h,
             (unsigned long long)sim_mix(h + 1), (unsigned long long)sim_mix(h + 2),
             (unsigned long long)sim_mix(h + 3));
}

static uint32_t c2_pick(sim_ctx *x, uint32_t k)
{
    sim_campaign *c = x->camp;
    (void)x;
    return c->nc2 ? k % c->nc2 : 0;
}

/* ---------------------------------------------------------------- initial access */

static void act_phish(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    sim_org *o = &x->org;
    uint32_t u = c->targets[k % c->ntargets];
    char from[96], to[96], helo[96], link[160], msgid[96];
    snprintf(from, sizeof from, "it-support@%s", c->lookalike);
    snprintf(to, sizeof to, "%s@%s", o->users[u].name, o->domain);
    snprintf(helo, sizeof helo, "mail.%s", c->lookalike);
    snprintf(link, sizeof link, "http://%s/verify/?id=%llx", c->lookalike,
             (unsigned long long)(sim_next(&x->crng) >> 16));
    sim_mail m = {.ts = t,
                  .from_name = "IT Service Desk",
                  .from_addr = from,
                  .to_addr = to,
                  .subject = "Action required: verify your account before it is suspended",
                  .helo = helo,
                  .src_ip = c->lookalike_ip,
                  .inbound = true,
                  .spf = "pass",
                  .dkim = "none",
                  .dmarc = "none",
                  .link = link,
                  .text = "We detected unusual sign-in activity on your account. To avoid suspension, "
                          "verify your identity within 24 hours using the secure link below.",
                  .xmailer = "PHPMailer 5.2.9"};
    sim_mail_write(x, &m, msgid);
    camp_touch_user(s, u);
    camp_touch_host(s, o->mail);
}

static void act_click(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    sim_org *o = &x->org;
    uint32_t u = c->targets[(k * 5 + 1) % c->ntargets];
    if (c->np0 < NEL(c->p0))
        c->p0[c->np0++] = u;
    sim_host *ws = &o->hosts[o->users[u].ws];
    camp_own(c, o->users[u].ws);
    char user[48], uid[20], cmd[200], path[160], hashes[160], uri[96];
    const char *implant = camp_tool_name(c, "implant", "update.exe");
    const camp_tool *it = camp_tool_of(c, "implant");
    sim_dom_user(x, &o->users[u], user);
    snprintf(cmd, sizeof cmd, "\"C:\\Program Files\\Internet Explorer\\iexplore.exe\" http://%s/verify/",
             c->lookalike);
    sim_sm_process(x, ws, t, user, "C:\\Program Files\\Internet Explorer\\iexplore.exe", cmd,
                   "C:\\Program Files (x86)\\Microsoft Office\\Office15\\OUTLOOK.EXE", NULL);
    sim_sm_dns(x, ws, t + SIM_US, user, "C:\\Program Files\\Internet Explorer\\iexplore.exe", c->lookalike,
               c->lookalike_ip);
    sim_dns(x, t + SIM_US, ws->ip, c->lookalike, c->lookalike_ip, uid);
    const char *ua = "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko";
    sim_http(x, t + 2 * SIM_US, ws->ip, c->lookalike_ip, c->lookalike, "/verify/", "GET", ua, 200, 0, 14000,
             "text/html", NULL, uid);
    snprintf(uri, sizeof uri, "/download/%s", implant);
    sim_http(x, t + 40 * SIM_US, ws->ip, c->lookalike_ip, c->lookalike, uri, "GET", ua, 200, 0, 91136,
             "application/x-dosexec", it ? it->md5 : NULL, uid);
    sim_conn alert = x->last_conn; /* the download's connection */
    sim_eve_alert(x, &alert, 2018959, "ET POLICY PE EXE or DLL Windows file download HTTP",
                  "Potential Corporate Privacy Violation", 1);
    snprintf(path, sizeof path, "C:\\Users\\%s\\AppData\\Local\\Temp\\%s", o->users[u].name, implant);
    sim_sm_file(x, ws, t + 42 * SIM_US, user, "C:\\Program Files\\Internet Explorer\\iexplore.exe", path);
    camp_tool_hashes(c, "implant", hashes, sizeof hashes);
    snprintf(cmd, sizeof cmd, "\"%s\"", path);
    sim_sm_process(x, ws, t + 60 * SIM_US, user, path, cmd,
                   "C:\\Program Files\\Internet Explorer\\iexplore.exe", hashes);
    camp_touch_user(s, u);
    camp_touch_host(s, o->users[u].ws);
}

/* ---------------------------------------------------------------- command and control */

static void act_beacon(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    sim_org *o = &x->org;
    if (!c->np0) /* nobody has run the implant yet: nothing to beacon */
        return;
    uint32_t u = c->p0[k % c->np0];
    sim_host *ws = &o->hosts[o->users[u].ws];
    const camp_c2 *srv = &c->c2[c2_pick(x, k)];
    char uid[20], path[160], user[48];
    sim_conn cn = {t,
                   (int64_t)(1 + sim_below(&x->crng, 9)) * SIM_US,
                   ws->ip,
                   srv->ip,
                   (uint16_t)(49152 + sim_below(&x->crng, 16000)),
                   srv->port,
                   "tcp",
                   NULL,
                   300 + sim_below(&x->crng, 1700),
                   200 + sim_below(&x->crng, 4800),
                   "SF",
                   0};
    sim_net_conn(x, &cn, uid);
    if (k % 4 == 0) { /* Sysmon's network filter keeps some of the implant's connections */
        if (c->implant_path[0])
            snprintf(path, sizeof path, "%s", c->implant_path);
        else
            snprintf(path, sizeof path, "C:\\Users\\%s\\AppData\\Local\\Temp\\%s", o->users[u].name,
                     camp_tool_name(c, "implant", "update.exe"));
        sim_sm_netconn(x, ws, t, sim_dom_user(x, &o->users[u], user), path, srv->ip, srv->port, NULL);
    }
    camp_touch_host(s, o->users[u].ws);
}

/* ---------------------------------------------------------------- credentials */

static void act_harvest(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    sim_org *o = &x->org;
    uint32_t u = camp_p0_user(x);
    sim_host *ws = &o->hosts[o->users[u].ws];
    char user[48], cmd[200], dump[96];
    sim_dom_user(x, &o->users[u], user);
    snprintf(dump, sizeof dump, "C:\\Windows\\Temp\\~DF%04X.tmp", (unsigned)(sim_next(&x->crng) & 0xffff));
    if (k % 2 == 0) {
        snprintf(cmd, sizeof cmd, "rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump %u %s full",
                 600 + ws->pid_seed % 200, dump);
        sim_sm_process(x, ws, t, user, "C:\\Windows\\System32\\rundll32.exe", cmd,
                       "C:\\Windows\\System32\\cmd.exe", NULL);
    } else {
        const char *tool = camp_tool_name(c, "dumper", "pwdump7.exe");
        char img[96];
        snprintf(img, sizeof img, "C:\\Windows\\Temp\\%s", tool);
        snprintf(cmd, sizeof cmd, "%s > %s", img, dump);
        sim_sm_process(x, ws, t, user, img, cmd, "C:\\Windows\\System32\\cmd.exe", NULL);
    }
    sim_sm_file(x, ws, t + 3 * SIM_US, user, "C:\\Windows\\System32\\rundll32.exe", dump);
    /* and the stolen password tried at once */
    sim_ev_explicit(x, ws, t + 20 * SIM_US, &o->users[u], o->users[c->admin].name, o->hosts[o->dcs[0]].fqdn,
                    "C:\\Windows\\System32\\cmd.exe");
    camp_touch_user(s, u);
    camp_touch_user(s, c->admin);
    camp_touch_host(s, o->users[u].ws);
}

/* The stolen administrator account logging on over the VPN from places it never used. */
static void act_valid_accounts(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    sim_org *o = &x->org;
    sim_user *a = &o->users[c->admin];
    const char *cc = c->nvpn_cc ? c->vpn_cc[k % c->nvpn_cc] : "SG";
    int g = sim_geo_find(cc);
    uint32_t pub = g >= 0 ? sim_geo_addr(&x->crng, g) : sim_hosting_addr(&x->crng, cc);
    uint32_t vpn = 0x0a0ac800 + 250 - (k % 5);
    sim_host *jump = &o->hosts[o->jumps[k % o->njump]];
    sim_host *dc = &o->hosts[o->dcs[0]];
    char uid[20];
    sim_tls(x, t, pub, o->vpn_pub, 443, NULL, 300000, 2000000, 3 * SIM_HOUR, uid);
    sim_ev_nps(x, dc, t + 4 * SIM_US, a, pub);
    sim_kerberos(x, t + 8 * SIM_US, vpn, dc->ip, a->name, "krbtgt/CORP", true);
    sim_ev_logon(x, dc, t + 9 * SIM_US, a, 3, vpn, NULL, 0xa000000 + k, true);
    sim_rdp(x, t + 20 * SIM_US, vpn, jump, a->name, 2 * SIM_HOUR, 8000000, uid);
    sim_ev_logon(x, jump, t + 22 * SIM_US, a, 10, vpn, "-", 0xa100000 + k, true);
    camp_own(c, o->jumps[k % o->njump]);
    camp_touch_user(s, c->admin);
    camp_touch_host(s, o->jumps[k % o->njump]);
}

/* ---------------------------------------------------------------- lateral movement */

/* One hop of the stolen administrator account, from host from to host to. */
typedef struct hop {
    uint32_t from, to;
    sim_host *src, *dst;
    sim_user *a;
} hop;

static hop hop_between(sim_ctx *x, uint32_t from, uint32_t to)
{
    sim_org *o = &x->org;
    return (hop){from, to, &o->hosts[from], &o->hosts[to], &o->users[x->camp->admin]};
}

/* From a host the actor holds to one it does not yet (in that order: both draw from the
 * campaign's PRNG). */
static hop hop_onward(sim_ctx *x)
{
    uint32_t from = camp_from_host(x);
    return hop_between(x, from, camp_new_target(x));
}

static void act_lateral_smb(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    hop h = hop_onward(x);
    char uid[20];
    sim_ntlm(x, t, h.src->ip, h.dst, h.a->name, true);
    sim_smb_map(x, t + SIM_US, h.src->ip, h.dst, "ADMIN$", uid);
    sim_ev_logon(x, h.dst, t + SIM_US + 20000, h.a, 3, h.src->ip, h.src->nb, 0xb000000 + k, true);
    sim_smb_map(x, t + 4 * SIM_US, h.src->ip, h.dst, "C$", uid);
    if (h.dst->kind == HK_WS) {
        char path[96];
        snprintf(path, sizeof path, "C:\\Windows\\%s", camp_tool_name(c, "implant", "update.exe"));
        sim_sm_file(x, h.dst, t + 6 * SIM_US, "NT AUTHORITY\\SYSTEM", "System", path);
    }
    admin_hop(c, s, h.from, h.to);
}

static void act_remote_service(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    uint32_t from = camp_from_host(x), to = c->nowned > 2 && sim_chance(&x->crng, 0.6)
                                                ? c->owned[sim_below(&x->crng, c->nowned)]
                                                : camp_new_target(x);
    if (to == from)
        to = camp_new_target(x);
    hop h = hop_between(x, from, to);
    static const char *const names[] = {"WinsSchMgmt", "MsSecSvcHost", "WmiApSrvUpd", "NetMgmtSync"};
    char uid[20], img[128];
    snprintf(img, sizeof img, "%%SystemRoot%%\\%s -k netsvcs", camp_tool_name(c, "implant", "update.exe"));
    sim_smb_map(x, t, h.src->ip, h.dst, "IPC$", uid);
    sim_ev_logon(x, h.dst, t + 20000, h.a, 3, h.src->ip, h.src->nb, 0xc000000 + k, true);
    sim_ev_service(x, h.dst, t + 2 * SIM_US, names[k % NEL(names)], img, "user mode service", NULL);
    admin_hop(c, s, from, to);
}

static void act_rdp(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    sim_org *o = &x->org;
    uint32_t from = c->nowned && sim_chance(&x->crng, 0.5) ? o->jumps[k % o->njump] : camp_from_host(x);
    hop h = hop_between(x, from, camp_new_target(x));
    char uid[20];
    sim_ev_explicit(x, h.src, t, h.a, h.a->name, h.dst->fqdn, "C:\\Windows\\System32\\mstsc.exe");
    sim_rdp(x, t + SIM_US, h.src->ip, h.dst, h.a->name, 40 * SIM_MIN, 5000000, uid);
    sim_ev_logon(x, h.dst, t + 3 * SIM_US, h.a, 10, h.src->ip, h.src->nb, 0xd000000 + k, true);
    admin_hop(c, s, h.from, h.to);
}

static void act_winrm(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    hop h = hop_onward(x);
    sim_host *dst = h.dst;
    char uid[20], user[48];
    sim_conn cn = {t,
                   30 * SIM_US,
                   h.src->ip,
                   dst->ip,
                   (uint16_t)(49152 + sim_below(&x->crng, 16000)),
                   5985,
                   "tcp",
                   "http",
                   14000,
                   30000,
                   "SF",
                   0};
    sim_net_conn(x, &cn, uid);
    sim_ev_logon(x, dst, t + 20000, h.a, 3, h.src->ip, NULL, 0xe000000 + k, true);
    sim_sm_process(
        x, dst, t + 2 * SIM_US, sim_dom_user(x, h.a, user), "C:\\Windows\\System32\\wsmprovhost.exe",
        "C:\\Windows\\system32\\wsmprovhost.exe -Embedding", "C:\\Windows\\System32\\svchost.exe", NULL);
    sim_sm_process(x, dst, t + 4 * SIM_US, user, "C:\\Windows\\System32\\cmd.exe",
                   "cmd.exe /c \"net localgroup administrators & ipconfig /all & tasklist /v\"",
                   "C:\\Windows\\System32\\wsmprovhost.exe", NULL);
    admin_hop(x->camp, s, h.from, h.to);
}

static void act_wmi(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    hop h = hop_onward(x);
    sim_host *dst = h.dst;
    char uid[20], user[48], cmd[200];
    sim_conn cn = {t,    2 * SIM_US, h.src->ip, dst->ip, (uint16_t)(49152 + sim_below(&x->crng, 16000)),
                   135,  "tcp",      "dce_rpc", 4000,    3000,
                   "SF", 0};
    sim_net_conn(x, &cn, uid);
    sim_ev_logon(x, dst, t + 20000, h.a, 3, h.src->ip, NULL, 0xf000000 + k, true);
    snprintf(cmd, sizeof cmd, "cmd.exe /Q /c %s 1> \\\\127.0.0.1\\ADMIN$\\__%u 2>&1",
             camp_tool_name(c, "implant", "update.exe"), (unsigned)(t / SIM_US % 100000));
    sim_sm_process(x, dst, t + SIM_US, sim_dom_user(x, h.a, user), "C:\\Windows\\System32\\cmd.exe", cmd,
                   "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe", NULL);
    admin_hop(c, s, h.from, h.to);
}

/* ---------------------------------------------------------------- collection and exfiltration */

static void act_stage(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    sim_org *o = &x->org;
    sim_host *st = &o->hosts[c->stage];
    sim_host *srcfs = &o->hosts[o->fs[k % o->nfs]];
    sim_user *a = &o->users[c->admin];
    char uid[20], user[48], cmd[256], part[128];
    static const char *const shares[] = {"Finance", "Legal", "HR", "Production", "Distribution"};
    const char *sh = shares[k % NEL(shares)];
    if (srcfs != st)
        sim_smb_map(x, t, st->ip, srcfs, sh, uid);
    const char *arch = camp_tool_name(c, "archiver", "rar.exe");
    snprintf(part, sizeof part, "C:\\Windows\\Temp\\~DF%04X.tmp", (unsigned)(sim_next(&x->crng) & 0xffff));
    snprintf(cmd, sizeof cmd, "C:\\Windows\\Temp\\%s a -r -hpP@ssw0rd%u -v2g %s \\\\%s\\%s\\*", arch, k, part,
             srcfs->name, sh);
    char img[96];
    snprintf(img, sizeof img, "C:\\Windows\\Temp\\%s", arch);
    sim_sm_process(x, st, t + 5 * SIM_US, sim_dom_user(x, a, user), img, cmd,
                   "C:\\Windows\\System32\\cmd.exe", NULL);
    for (int i = 0; i < 3; i++) {
        char p[160];
        snprintf(p, sizeof p, "%.128s.part%d.rar", part, i + 1);
        sim_sm_file(x, st, t + (int64_t)(20 + 20 * i) * SIM_US, user, img, p);
    }
    camp_touch_host(s, c->stage);
    camp_touch_user(s, c->admin);
}

static void act_exfil(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    sim_org *o = &x->org;
    sim_host *st = &o->hosts[c->stage];
    uint64_t bytes = (uint64_t)(s->gb * 1e9 / s->count * (0.6 + 0.8 * sim_unit(&x->crng)));
    char uid[20];
    uint16_t port = c->nc2 ? c->c2[0].port : 443;
    sim_conn cn = {t,
                   (int64_t)(bytes / 15000000 + 1) * SIM_US,
                   st->ip,
                   c->exfil_ip,
                   (uint16_t)(49152 + sim_below(&x->crng, 16000)),
                   port,
                   "tcp",
                   NULL,
                   bytes,
                   bytes / 400 + 1000,
                   "SF",
                   0};
    sim_net_conn(x, &cn, uid);
    (void)k;
    camp_touch_host(s, c->stage);
}

/* ---------------------------------------------------------------- destruction */

/* the k-th host of the destructive wave: owned hosts first, then everything else */
uint32_t camp_wave_host(sim_ctx *x, uint32_t k)
{
    sim_campaign *c = x->camp;
    sim_org *o = &x->org;
    if (k < c->nowned)
        return c->owned[k];
    uint32_t n = o->nhosts;
    uint32_t h = (uint32_t)(sim_mix(k * 0x9e37ULL ^ x->seed) % n);
    while (o->hosts[h].kind == HK_LINUX || o->hosts[h].kind == HK_SFTP)
        h = (h + 1) % n;
    return h;
}

static void act_service_install(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    uint32_t h = camp_wave_host(x, k);
    sim_host *d = &x->org.hosts[h];
    char img[128], hashes[160];
    const char *w = camp_tool_name(c, "wiper", "svchost32.exe");
    snprintf(img, sizeof img, "C:\\Windows\\system32\\%s -w", w);
    sim_ev_service(x, d, t, "WinsSchMgmt", img, "user mode service", NULL);
    camp_tool_hashes(c, "wiper", hashes, sizeof hashes);
    char path[96];
    snprintf(path, sizeof path, "C:\\Windows\\system32\\%s", w);
    sim_sm_process(x, d, t + 2 * SIM_US, "NT AUTHORITY\\SYSTEM", path, img,
                   "C:\\Windows\\System32\\services.exe", hashes);
    camp_touch_host(s, h);
}

static void act_raw_disk(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    uint32_t h = camp_wave_host(x, k);
    sim_host *d = &x->org.hosts[h];
    const char *drv = camp_tool_name(c, "driver", "rawdisk.sys");
    char path[128], name[48], hashes[160];
    snprintf(path, sizeof path, "C:\\Windows\\Temp\\%s", drv);
    snprintf(name, sizeof name, "%.*s", (int)strcspn(drv, "."), drv);
    sim_ev_service(x, d, t, name, path, "kernel mode driver", NULL);
    camp_tool_hashes(c, "driver", hashes, sizeof hashes);
    sim_sm_driver(x, d, t + SIM_US, path, hashes, "EldoS Corporation");
    camp_touch_host(s, h);
}

static void act_mass_delete(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    uint32_t h = camp_wave_host(x, k);
    sim_host *d = &x->org.hosts[h];
    char path[160], img[96];
    snprintf(img, sizeof img, "C:\\Windows\\system32\\%s", camp_tool_name(c, "wiper", "svchost32.exe"));
    static const char *const dirs[] = {"C:\\Users\\Public\\Documents", "D:\\Shares\\Finance",
                                       "D:\\Shares\\Production", "C:\\ProgramData\\Backup"};
    static const char *const ext[] = {"docx", "xlsx", "pdf", "mov", "psd", "bak"};
    for (uint32_t i = 0; i < 40; i++) {
        snprintf(path, sizeof path, "%s\\%04u_%08x.%s", dirs[i % 4], i,
                 (unsigned)(sim_next(&x->crng) & 0xffffffff), ext[i % 6]);
        sim_sm_delete(x, d, t + (int64_t)i * 150000, "NT AUTHORITY\\SYSTEM", img, path, i % 3 == 0);
    }
    camp_touch_host(s, h);
}

static void act_deface(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    uint32_t h = camp_wave_host(x, k);
    sim_host *d = &x->org.hosts[h];
    char path[128], cmd[256];
    const char *wall = camp_tool_name(c, "wallpaper", "wall.bmp");
    snprintf(path, sizeof path, "C:\\Windows\\Temp\\%s", wall);
    sim_sm_file(x, d, t, "NT AUTHORITY\\SYSTEM", "C:\\Windows\\System32\\svchost.exe", path);
    snprintf(cmd, sizeof cmd, "reg add \"HKCU\\Control Panel\\Desktop\" /v Wallpaper /t REG_SZ /d %s /f",
             path);
    sim_sm_process(x, d, t + SIM_US, "NT AUTHORITY\\SYSTEM", "C:\\Windows\\System32\\reg.exe", cmd,
                   "C:\\Windows\\System32\\cmd.exe", NULL);
    camp_touch_host(s, h);
}

static void act_shutdown(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    uint32_t h = camp_wave_host(x, k);
    sim_ev_shutdown(x, &x->org.hosts[h], t, "C:\\Windows\\system32\\shutdown.exe", "NT AUTHORITY\\SYSTEM");
    camp_touch_host(s, h);
}

/* The actor writing to the victims from its own addresses; share= of them straight from
 * its home network. */
static void act_actor_mail(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    sim_org *o = &x->org;
    uint32_t u = k < o->nexec ? o->execs[k] : sim_below(&x->crng, o->nhuman);
    const char *dom = c->nsender ? c->sender_dom[k % c->nsender] : "mail.com";
    static const char *const locals[] = {"gop.team", "peace.guardian", "msg4you", "notice.gop", "apstls"};
    char from[96], to[96], helo[96], subj[120], msgid[96];
    snprintf(from, sizeof from, "%s%u@%s", locals[k % NEL(locals)], 10 + (unsigned)(sim_mix(k) % 89), dom);
    snprintf(to, sizeof to, "%s@%s", o->users[u].name, o->domain);
    snprintf(subj, sizeof subj, "Notice to %s", o->name);
    bool home = c->home_size && sim_chance(&x->crng, s->share);
    uint32_t ip = home ? c->home_base + 1 + sim_below(&x->crng, c->home_size - 2)
                       : sim_domain_ip(sim_mix(dom[0] * 7919ULL + dom[1]));
    char ipt[16];
    sim_fmt_ip4(ipt, ip);
    if (home)
        snprintf(helo, sizeof helo, "[%s]", ipt);
    else
        snprintf(helo, sizeof helo, "smtp.%s", dom);
    sim_mail m = {.ts = t,
                  .from_name = c->sender_name[0] ? c->sender_name : c->actor,
                  .from_addr = from,
                  .to_addr = to,
                  .subject = subj,
                  .helo = helo,
                  .src_ip = ip,
                  .inbound = true,
                  .spf = home ? "softfail" : "pass",
                  .dkim = home ? "none" : "pass",
                  .dmarc = home ? "fail" : "pass",
                  .text =
                      "We've already warned you, and this is just a beginning. We have obtained all your "
                      "internal data. If you don't obey us, we'll release the data shown below to the world.",
                  .link = NULL};
    char link[128];
    snprintf(link, sizeof link, "http://%s/files/list.txt", c->lookalike[0] ? c->lookalike : dom);
    m.link = link;
    sim_mail_write(x, &m, msgid);
    camp_touch_user(s, u);
    camp_touch_host(s, o->mail);
}

/* ---------------------------------------------------------------- the insider */

/* The insider, at the workstation every one of these steps starts from. */
typedef struct insider {
    sim_user *u;
    sim_host *ws;
} insider;

static insider insider_of(sim_ctx *x)
{
    sim_user *u = &x->org.users[x->camp->insider];
    return (insider){u, &x->org.hosts[u->ws]};
}

/* The step touched the insider and the workstation. */
static void insider_touched(sim_ctx *x, sim_step *s)
{
    camp_touch_user(s, x->camp->insider);
    camp_touch_host(s, x->org.users[x->camp->insider].ws);
}

static void act_bulk_share(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_org *o = &x->org;
    insider in = insider_of(x);
    sim_user *u = in.u;
    sim_host *ws = in.ws;
    static const char *const shares[] = {"Finance", "Legal", "HR", "Production", "Distribution", "Projects"};
    char uid[20];
    for (uint32_t i = 0; i < 6; i++) {
        sim_host *fs = &o->hosts[o->fs[(k + i) % o->nfs]];
        int64_t ti = t + (int64_t)i * 90 * SIM_US;
        sim_ev_logon(x, fs, ti, u, 3, ws->ip, NULL, 0x5100000 + k * 8 + i, false);
        sim_smb_map(x, ti + 20000, ws->ip, fs, shares[(k + i) % NEL(shares)], uid);
        sim_ev_share_access(x, fs, ti + 30000, u, ws->ip, shares[(k + i) % NEL(shares)]);
        camp_touch_host(s, o->fs[(k + i) % o->nfs]);
    }
    camp_touch_user(s, x->camp->insider);
}

static void act_local_stage(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    insider in = insider_of(x);
    sim_user *u = in.u;
    sim_host *ws = in.ws;
    char user[48], cmd[256], out[128];
    snprintf(out, sizeof out, "C:\\Users\\%s\\AppData\\Local\\Temp\\backup_%u.7z", u->name, k + 1);
    snprintf(cmd, sizeof cmd,
             "\"C:\\Program Files\\7-Zip\\7z.exe\" a -mhe=on -pWinter2014 %s \\\\%s\\Finance\\*", out,
             x->org.hosts[x->org.fs[0]].name);
    sim_sm_process(x, ws, t, sim_dom_user(x, u, user), "C:\\Program Files\\7-Zip\\7z.exe", cmd,
                   "C:\\Windows\\System32\\cmd.exe", NULL);
    sim_sm_file(x, ws, t + 90 * SIM_US, user, "C:\\Program Files\\7-Zip\\7z.exe", out);
    insider_touched(x, s);
}

static void act_usb_copy(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    insider in = insider_of(x);
    sim_user *u = in.u;
    sim_host *ws = in.ws;
    char user[48], path[96];
    sim_ev_device(x, ws, t, u, k % 2 ? "Kingston" : "SanDisk");
    sim_dom_user(x, u, user);
    for (uint32_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "E:\\backup_%u.7z", i + 1);
        sim_sm_file(x, ws, t + (int64_t)(20 + 60 * i) * SIM_US, user, "C:\\Windows\\explorer.exe", path);
    }
    insider_touched(x, s);
}

static void act_cloud_upload(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    insider in = insider_of(x);
    sim_user *u = in.u;
    sim_host *ws = in.ws;
    const char *host = x->camp->cloud[0] ? x->camp->cloud : "content.dropboxapi.com";
    uint32_t ip = 0xa27d0100 + 10 + k % 20; /* 162.125.1.x, Dropbox */
    char user[48], uid[20];
    const char *img = "C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe";
    uint64_t bytes = (uint64_t)(s->gb * 1e9 / s->count * (0.7 + 0.6 * sim_unit(&x->crng)));
    sim_dom_user(x, u, user);
    sim_sm_dns(x, ws, t, user, img, host, ip);
    sim_dns(x, t, ws->ip, host, ip, uid);
    sim_sm_netconn(x, ws, t + 50000, user, img, ip, 443, host);
    sim_tls(x, t + 60000, ws->ip, ip, 443, host, bytes, bytes / 300 + 5000,
            (int64_t)(bytes / 4000000 + 1) * SIM_US, uid);
    insider_touched(x, s);
}

/* ---------------------------------------------------------------- the registry */

const camp_action camp_actions[] = {
    {"phish", act_phish, WHEN_ACTOR, "T1566.002"},
    {"click", act_click, WHEN_OFFICE, "T1204.001,T1105"},
    {"beacon", act_beacon, WHEN_ANY, "T1095,T1573"},
    {"harvest", act_harvest, WHEN_ACTOR, "T1003.001"},
    {"valid-accounts", act_valid_accounts, WHEN_ACTOR, "T1078.002,T1133"},
    {"lateral-smb", act_lateral_smb, WHEN_ACTOR, "T1021.002,T1570"},
    {"remote-service", act_remote_service, WHEN_ACTOR, "T1569.002,T1543.003"},
    {"rdp", act_rdp, WHEN_ACTOR, "T1021.001"},
    {"winrm", act_winrm, WHEN_ACTOR, "T1021.006"},
    {"wmi", act_wmi, WHEN_ACTOR, "T1047"},
    {"stage", act_stage, WHEN_ACTOR, "T1560.001,T1074.002,T1039"},
    {"exfil", act_exfil, WHEN_ANY, "T1041"},
    {"service-install", act_service_install, WHEN_ANY, "T1543.003,T1569.002"},
    {"raw-disk", act_raw_disk, WHEN_ANY, "T1561.002"},
    {"mass-delete", act_mass_delete, WHEN_ANY, "T1485,T1561.001"},
    {"deface", act_deface, WHEN_ANY, "T1491.001"},
    {"shutdown", act_shutdown, WHEN_ANY, "T1529"},
    {"actor-mail", act_actor_mail, WHEN_ACTOR, "T1585.002"},
    {"bulk-share", act_bulk_share, WHEN_EVENING, "T1039"},
    {"local-stage", act_local_stage, WHEN_EVENING, "T1074.001,T1560.001"},
    {"usb-copy", act_usb_copy, WHEN_EVENING, "T1052.001"},
    {"cloud-upload", act_cloud_upload, WHEN_EVENING, "T1567.002"},
    {"lure-mail", act_lure_mail, WHEN_ACTOR, "T1566.001"},
    {"open-attachment", act_open_attachment, WHEN_OFFICE, "T1204.002,T1553.005"},
    {"sideload", act_sideload, WHEN_ANY, "T1574.002,T1053.005", true},
    {"discovery", act_discovery, WHEN_ACTOR, "T1087.002,T1069.002,T1482,T1018,T1033,T1016", true},
    {"lsass-read", act_lsass_read, WHEN_ACTOR, "T1003.001", true},
    {"psexec", act_psexec, WHEN_ACTOR, "T1569.002,T1021.002,T1570"},
    {"rdp-tunnel", act_rdp_tunnel, WHEN_ACTOR, "T1572,T1021.001", true},
    {"cloud-exfil", act_cloud_exfil, WHEN_ACTOR, "T1567.002"},
    {"shadow-delete", act_shadow_delete, WHEN_NIGHT, "T1490"},
    {"stop-services", act_stop_services, WHEN_ACTOR, "T1489"},
    {"encrypt", act_encrypt, WHEN_NIGHT, "T1486"},
    {"cleanup", act_cleanup, WHEN_ACTOR, "T1070.004"},
    {"clear-logs", act_clear_logs, WHEN_ACTOR, "T1070.001"},
    {NULL, NULL, 0, NULL},
};

const camp_action *camp_action_find(const char *name, size_t n)
{
    for (const camp_action *a = camp_actions; a->name; a++)
        if (strlen(a->name) == n && memcmp(a->name, name, n) == 0)
            return a;
    return NULL;
}
