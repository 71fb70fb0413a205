/* win.c: Windows Security, System and Sysmon events as evtx_dump prints them (one JSON
 * object per line), with the EventData fields Windows writes for each event id. */
#include <stdio.h>

#include "simulate/sim.h"

static const int chan_file[3] = {F_SEC, F_SYSMON, F_SYSTEM};

/* the System element that differs per provider */
typedef struct wprov {
    const char *provider; /* the whole "Provider":{...} value */
    unsigned qualifiers;  /* classic event sources write EventID with Qualifiers */
    int version, level, task;
    const char *keywords;
    const char *channel;
    const char *security; /* the "Security" value */
} wprov;

static wprov prov_of(int ch, unsigned eid)
{
    wprov p = {0};
    if (ch == WCH_SEC) {
        p.provider = "{\"#attributes\":{\"Name\":\"Microsoft-Windows-Security-Auditing\",\"Guid\":"
                     "\"54849625-5478-4994-A5BA-3E3B0328C30D\"}}";
        p.version = eid == 4624 ? 2 : eid == 4625 || eid == 4688 ? 1 : 0;
        p.task = eid == 4634   ? 12545
                 : eid == 4672 ? 12548
                 : eid == 4720 ? 13824
                 : eid == 6272 ? 12552
                 : eid == 6416 ? 13316
                 : eid == 5140 ? 12808
                 : eid == 4688 ? 13312
                               : 12544;
        p.keywords = eid == 4625 ? "0x8010000000000000" : "0x8020000000000000";
        p.channel = "Security";
        p.security = "null";
    } else if (ch == WCH_SYSMON) {
        p.provider = "{\"#attributes\":{\"Name\":\"Microsoft-Windows-Sysmon\",\"Guid\":"
                     "\"5770385F-C22A-43E0-BF4C-06F5698FFBD9\"}}";
        p.version = eid == 11 ? 2 : eid == 6 ? 4 : 5;
        p.level = 4;
        p.task = (int)eid;
        p.keywords = "0x8000000000000000";
        p.channel = "Microsoft-Windows-Sysmon/Operational";
        p.security = "{\"#attributes\":{\"UserID\":\"S-1-5-18\"}}";
    } else if (eid == 7045) {
        p.provider = "{\"#attributes\":{\"Name\":\"Service Control Manager\",\"Guid\":"
                     "\"{555908d1-a6d7-4695-8e1e-26931d2012f4}\",\"EventSourceName\":\"Service "
                     "Control Manager\"}}";
        p.qualifiers = 16384;
        p.level = 4;
        p.keywords = "0x8080000000000000";
        p.channel = "System";
        p.security = "{\"#attributes\":{\"UserID\":\"S-1-5-18\"}}";
    } else if (eid == 1074) {
        p.provider = "{\"#attributes\":{\"Name\":\"User32\",\"Guid\":"
                     "\"{b0aa8734-56f7-41cc-b2f4-de228e98b946}\",\"EventSourceName\":\"User32\"}}";
        p.qualifiers = 32768;
        p.level = 4;
        p.keywords = "0x8080000000000000";
        p.channel = "System";
        p.security = "{\"#attributes\":{\"UserID\":\"S-1-5-18\"}}";
    } else {
        p.provider = "{\"#attributes\":{\"Name\":\"EventLog\"}}";
        p.qualifiers = 32768;
        p.level = 4;
        p.keywords = "0x80000000000000";
        p.channel = "System";
        p.security = "null";
    }
    return p;
}

static void win_begin(sim_ctx *x, int ch, sim_host *h, unsigned eid, int64_t ts, const wprov *pp,
                      const char *data_open);

void sim_win_begin(sim_ctx *x, int ch, sim_host *h, unsigned eid, int64_t ts)
{
    wprov p = prov_of(ch, eid);
    win_begin(x, ch, h, eid, ts, &p, "\"EventData\":{");
}

/* data_open opens the event's data: "EventData":{ for most, "UserData":{"X":{ for events
 * that Windows writes as user data (log cleared); sim_win_end closes three braces, so a
 * UserData event is closed with one more. */
static void win_begin(sim_ctx *x, int ch, sim_host *h, unsigned eid, int64_t ts, const wprov *pp,
                      const char *data_open)
{
    sim_out *o = &x->out[chan_file[ch]];
    wprov p = *pp;
    uint64_t rec = ch == WCH_SEC ? ++h->rec_sec : ch == WCH_SYSMON ? ++h->rec_sysmon : ++h->rec_sys;
    x->wrec[ch] = rec;
    x->wfirst[ch] = true;
    SIM_PUTL(o, "{\"Event\":{\"#attributes\":{\"xmlns\":\"http://schemas.microsoft.com/win/2004/08/"
                "events/event\"},\"System\":{\"Provider\":");
    sim_puts(o, p.provider);
    SIM_PUTL(o, ",\"EventID\":");
    if (p.qualifiers) {
        SIM_PUTL(o, "{\"#attributes\":{\"Qualifiers\":");
        sim_put_u64(o, p.qualifiers);
        SIM_PUTL(o, "},\"#text\":");
        sim_put_u64(o, eid);
        sim_putc(o, '}');
    } else {
        sim_put_u64(o, eid);
    }
    SIM_PUTL(o, ",\"Version\":");
    sim_put_u64(o, (uint64_t)p.version);
    SIM_PUTL(o, ",\"Level\":");
    sim_put_u64(o, (uint64_t)p.level);
    SIM_PUTL(o, ",\"Task\":");
    sim_put_u64(o, (uint64_t)p.task);
    SIM_PUTL(o, ",\"Opcode\":0,\"Keywords\":\"");
    sim_puts(o, p.keywords);
    SIM_PUTL(o, "\",\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"");
    sim_put_iso(o, ts);
    SIM_PUTL(o, "\"}},\"EventRecordID\":");
    sim_put_u64(o, rec);
    SIM_PUTL(o, ",\"Correlation\":null,\"Execution\":{\"#attributes\":{\"ProcessID\":");
    uint32_t pid = ch == WCH_SEC      ? 600 + h->pid_seed % 200
                   : ch == WCH_SYSMON ? 2000 + h->pid_seed % 3000
                                      : 700 + h->pid_seed % 90;
    sim_put_u64(o, pid);
    SIM_PUTL(o, ",\"ThreadID\":");
    sim_put_u64(o, pid + 4 * (1 + (uint32_t)(sim_mix(rec) % 900)));
    SIM_PUTL(o, "}},\"Channel\":\"");
    sim_puts(o, p.channel);
    SIM_PUTL(o, "\",\"Computer\":\"");
    sim_puts(o, h->fqdn);
    SIM_PUTL(o, "\",\"Security\":");
    sim_puts(o, p.security);
    SIM_PUTL(o, "},");
    sim_puts(o, data_open);
}

static void key(sim_ctx *x, int ch, const char *k)
{
    sim_out *o = &x->out[chan_file[ch]];
    if (!x->wfirst[ch])
        sim_putc(o, ',');
    x->wfirst[ch] = false;
    sim_putc(o, '"');
    sim_puts(o, k);
    SIM_PUTL(o, "\":");
}

void sim_win_s(sim_ctx *x, int ch, const char *k, const char *v)
{
    key(x, ch, k);
    sim_put_jstr(&x->out[chan_file[ch]], v);
}

void sim_win_u(sim_ctx *x, int ch, const char *k, uint64_t v)
{
    key(x, ch, k);
    sim_put_u64(&x->out[chan_file[ch]], v);
}

void sim_win_hex(sim_ctx *x, int ch, const char *k, uint64_t v)
{
    key(x, ch, k);
    sim_out *o = &x->out[chan_file[ch]];
    SIM_PUTL(o, "\"0x");
    sim_put_hex(o, v, 0, false);
    sim_putc(o, '"');
}

void sim_win_ip(sim_ctx *x, int ch, const char *k, uint32_t ip)
{
    key(x, ch, k);
    sim_out *o = &x->out[chan_file[ch]];
    sim_putc(o, '"');
    if (ip)
        sim_put_ip4(o, ip);
    else
        sim_putc(o, '-');
    sim_putc(o, '"');
}

void sim_win_end(sim_ctx *x, int ch, sim_host *h, int64_t ts)
{
    sim_out *o = &x->out[chan_file[ch]];
    SIM_PUTL(o, "}}}");
    char id[112];
    size_t n = strlen(h->fqdn);
    memcpy(id, h->fqdn, n);
    id[n++] = '#';
    sim_fmt_u64(id + n, x->wrec[ch]);
    sim_end_line(x, chan_file[ch], ts, id);
}

/* ---------------------------------------------------------------- Security events */

/* buf >= 80 */
static void put_sid(char *buf, size_t cap, const sim_ctx *x, uint32_t rid)
{
    size_t n = strlen(x->org.sidpfx);
    (void)cap;
    memcpy(buf, x->org.sidpfx, n);
    sim_fmt_u64(buf + n, rid);
}

const char *sim_dom_user(const sim_ctx *x, const sim_user *u, char *buf)
{
    snprintf(buf, 48, "%s\\%s", x->org.nb, u->name);
    return buf;
}

static void machine_subject(sim_ctx *x, sim_host *h)
{
    char acct[32];
    snprintf(acct, sizeof acct, "%s$", h->nb);
    sim_win_s(x, WCH_SEC, "SubjectUserSid", "S-1-5-18");
    sim_win_s(x, WCH_SEC, "SubjectUserName", acct);
    sim_win_s(x, WCH_SEC, "SubjectDomainName", x->org.nb);
    sim_win_hex(x, WCH_SEC, "SubjectLogonId", 0x3e7);
}

static void user_subject(sim_ctx *x, const sim_user *u, uint64_t logon_id)
{
    char sid[80];
    put_sid(sid, sizeof sid, x, u->rid);
    sim_win_s(x, WCH_SEC, "SubjectUserSid", sid);
    sim_win_s(x, WCH_SEC, "SubjectUserName", u->name);
    sim_win_s(x, WCH_SEC, "SubjectDomainName", x->org.nb);
    sim_win_hex(x, WCH_SEC, "SubjectLogonId", logon_id);
}

static void put_port(sim_ctx *x, uint32_t ip, int type)
{
    if (!ip) {
        sim_win_s(x, WCH_SEC, "IpPort", type == 2 ? "0" : "-");
        return;
    }
    char b[24];
    sim_fmt_u64(b, 49152 + (ip * 2654435761u >> 18) % 16000);
    sim_win_s(x, WCH_SEC, "IpPort", b);
}

void sim_ev_logon(sim_ctx *x, sim_host *h, int64_t ts, const sim_user *u, int type, uint32_t src_ip,
                  const char *src_ws, uint64_t logon_id, bool admin)
{
    char sid[80];
    bool net = type == 3;
    bool kerb = net && !src_ws;
    sim_win_begin(x, WCH_SEC, h, 4624, ts);
    if (net) {
        sim_win_s(x, WCH_SEC, "SubjectUserSid", "S-1-0-0");
        sim_win_s(x, WCH_SEC, "SubjectUserName", "-");
        sim_win_s(x, WCH_SEC, "SubjectDomainName", "-");
        sim_win_hex(x, WCH_SEC, "SubjectLogonId", 0);
    } else {
        machine_subject(x, h);
    }
    put_sid(sid, sizeof sid, x, u->rid);
    sim_win_s(x, WCH_SEC, "TargetUserSid", sid);
    sim_win_s(x, WCH_SEC, "TargetUserName", u->name);
    sim_win_s(x, WCH_SEC, "TargetDomainName", x->org.nb);
    sim_win_hex(x, WCH_SEC, "TargetLogonId", logon_id);
    sim_win_u(x, WCH_SEC, "LogonType", (uint64_t)type);
    sim_win_s(x, WCH_SEC, "LogonProcessName",
              kerb        ? "Kerberos"
              : net       ? "NtLmSsp "
              : type == 5 ? "Advapi  "
                          : "User32 ");
    sim_win_s(x, WCH_SEC, "AuthenticationPackageName", kerb ? "Kerberos" : net ? "NTLM" : "Negotiate");
    sim_win_s(x, WCH_SEC, "WorkstationName", src_ws ? src_ws : type == 2 ? h->nb : "-");
    sim_win_s(x, WCH_SEC, "LogonGuid", "{00000000-0000-0000-0000-000000000000}");
    sim_win_s(x, WCH_SEC, "TransmittedServices", "-");
    sim_win_s(x, WCH_SEC, "LmPackageName", net && !kerb ? "NTLM V2" : "-");
    sim_win_u(x, WCH_SEC, "KeyLength", net && !kerb ? 128 : 0);
    if (net) {
        sim_win_hex(x, WCH_SEC, "ProcessId", 0);
        sim_win_s(x, WCH_SEC, "ProcessName", "-");
    } else {
        sim_win_hex(x, WCH_SEC, "ProcessId", type == 5 ? 0x268 : 0x1f0 + h->pid_seed % 64 * 4);
        sim_win_s(x, WCH_SEC, "ProcessName",
                  type == 5 ? "C:\\Windows\\System32\\services.exe" : "C:\\Windows\\System32\\winlogon.exe");
    }
    if (type == 2)
        sim_win_s(x, WCH_SEC, "IpAddress", "127.0.0.1");
    else
        sim_win_ip(x, WCH_SEC, "IpAddress", src_ip);
    put_port(x, type == 2 ? 0 : src_ip, type);
    sim_win_s(x, WCH_SEC, "ImpersonationLevel", "%%1833");
    sim_win_s(x, WCH_SEC, "RestrictedAdminMode", type == 10 ? "%%1843" : "-");
    sim_win_s(x, WCH_SEC, "TargetOutboundUserName", "-");
    sim_win_s(x, WCH_SEC, "TargetOutboundDomainName", "-");
    sim_win_s(x, WCH_SEC, "VirtualAccount", "%%1843");
    sim_win_hex(x, WCH_SEC, "TargetLinkedLogonId", 0);
    sim_win_s(x, WCH_SEC, "ElevatedToken", admin ? "%%1842" : "%%1843");
    sim_win_end(x, WCH_SEC, h, ts);
    if (admin) { /* special privileges assigned to the new logon */
        sim_win_begin(x, WCH_SEC, h, 4672, ts);
        sim_win_s(x, WCH_SEC, "SubjectUserSid", sid);
        sim_win_s(x, WCH_SEC, "SubjectUserName", u->name);
        sim_win_s(x, WCH_SEC, "SubjectDomainName", x->org.nb);
        sim_win_hex(x, WCH_SEC, "SubjectLogonId", logon_id);
        sim_win_s(x, WCH_SEC, "PrivilegeList",
                  "SeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\t"
                  "SeTakeOwnershipPrivilege\r\n\t\t\tSeDebugPrivilege\r\n\t\t\tSeSystemEnvironmentPrivilege"
                  "\r\n\t\t\tSeLoadDriverPrivilege\r\n\t\t\tSeImpersonatePrivilege");
        sim_win_end(x, WCH_SEC, h, ts);
    }
}

void sim_ev_logon_failed(sim_ctx *x, sim_host *h, int64_t ts, const char *user, int type, uint32_t src_ip,
                         const char *src_ws, uint32_t status)
{
    sim_win_begin(x, WCH_SEC, h, 4625, ts);
    if (type == 2)
        machine_subject(x, h);
    else {
        sim_win_s(x, WCH_SEC, "SubjectUserSid", "S-1-0-0");
        sim_win_s(x, WCH_SEC, "SubjectUserName", "-");
        sim_win_s(x, WCH_SEC, "SubjectDomainName", "-");
        sim_win_hex(x, WCH_SEC, "SubjectLogonId", 0);
    }
    sim_win_s(x, WCH_SEC, "TargetUserSid", "S-1-0-0");
    sim_win_s(x, WCH_SEC, "TargetUserName", user);
    sim_win_s(x, WCH_SEC, "TargetDomainName", x->org.nb);
    sim_win_hex(x, WCH_SEC, "Status", 0xc000006d);
    sim_win_s(x, WCH_SEC, "FailureReason", "%%2313");
    sim_win_hex(x, WCH_SEC, "SubStatus", status);
    sim_win_u(x, WCH_SEC, "LogonType", (uint64_t)type);
    sim_win_s(x, WCH_SEC, "LogonProcessName", type == 3 ? "NtLmSsp " : "User32 ");
    sim_win_s(x, WCH_SEC, "AuthenticationPackageName", type == 3 ? "NTLM" : "Negotiate");
    sim_win_s(x, WCH_SEC, "WorkstationName", src_ws ? src_ws : h->nb);
    sim_win_s(x, WCH_SEC, "TransmittedServices", "-");
    sim_win_s(x, WCH_SEC, "LmPackageName", "-");
    sim_win_u(x, WCH_SEC, "KeyLength", 0);
    sim_win_hex(x, WCH_SEC, "ProcessId", type == 2 ? 0x1f0 + h->pid_seed % 64 * 4 : 0);
    sim_win_s(x, WCH_SEC, "ProcessName", type == 2 ? "C:\\Windows\\System32\\winlogon.exe" : "-");
    if (type == 2)
        sim_win_s(x, WCH_SEC, "IpAddress", "127.0.0.1");
    else
        sim_win_ip(x, WCH_SEC, "IpAddress", src_ip);
    put_port(x, type == 2 ? 0 : src_ip, type);
    sim_win_end(x, WCH_SEC, h, ts);
}

void sim_ev_logoff(sim_ctx *x, sim_host *h, int64_t ts, const sim_user *u, int type, uint64_t logon_id)
{
    char sid[80];
    put_sid(sid, sizeof sid, x, u->rid);
    sim_win_begin(x, WCH_SEC, h, 4634, ts);
    sim_win_s(x, WCH_SEC, "TargetUserSid", sid);
    sim_win_s(x, WCH_SEC, "TargetUserName", u->name);
    sim_win_s(x, WCH_SEC, "TargetDomainName", x->org.nb);
    sim_win_hex(x, WCH_SEC, "TargetLogonId", logon_id);
    sim_win_u(x, WCH_SEC, "LogonType", (uint64_t)type);
    sim_win_end(x, WCH_SEC, h, ts);
}

void sim_ev_explicit(sim_ctx *x, sim_host *h, int64_t ts, const sim_user *u, const char *target_user,
                     const char *target_server, const char *process)
{
    sim_win_begin(x, WCH_SEC, h, 4648, ts);
    user_subject(x, u, u->logon_id | 0x10000);
    sim_win_s(x, WCH_SEC, "LogonGuid", "{00000000-0000-0000-0000-000000000000}");
    sim_win_s(x, WCH_SEC, "TargetUserName", target_user);
    sim_win_s(x, WCH_SEC, "TargetDomainName", x->org.nb);
    sim_win_s(x, WCH_SEC, "TargetLogonGuid", "{00000000-0000-0000-0000-000000000000}");
    sim_win_s(x, WCH_SEC, "TargetServerName", target_server);
    sim_win_s(x, WCH_SEC, "TargetInfo", target_server);
    sim_win_hex(x, WCH_SEC, "ProcessId", 0x4 + h->pid_seed % 4000 * 4);
    sim_win_s(x, WCH_SEC, "ProcessName", process);
    sim_win_s(x, WCH_SEC, "IpAddress", "-");
    sim_win_s(x, WCH_SEC, "IpPort", "-");
    sim_win_end(x, WCH_SEC, h, ts);
}

void sim_ev_user_created(sim_ctx *x, sim_host *dc, int64_t ts, const sim_user *admin, const sim_user *nu)
{
    char sid[80], disp[48], upn[96];
    put_sid(sid, sizeof sid, x, nu->rid);
    snprintf(disp, sizeof disp, "%s %s", nu->first, nu->last);
    snprintf(upn, sizeof upn, "%s@%s", nu->name, x->org.ad);
    sim_win_begin(x, WCH_SEC, dc, 4720, ts);
    sim_win_s(x, WCH_SEC, "TargetUserName", nu->name);
    sim_win_s(x, WCH_SEC, "TargetDomainName", x->org.nb);
    sim_win_s(x, WCH_SEC, "TargetSid", sid);
    user_subject(x, admin, admin->logon_id | 0x20000);
    sim_win_s(x, WCH_SEC, "PrivilegeList", "-");
    sim_win_s(x, WCH_SEC, "SamAccountName", nu->name);
    sim_win_s(x, WCH_SEC, "DisplayName", disp);
    sim_win_s(x, WCH_SEC, "UserPrincipalName", upn);
    sim_win_s(x, WCH_SEC, "UserAccountControl", "%%2080");
    sim_win_end(x, WCH_SEC, dc, ts);
}

void sim_ev_nps(sim_ctx *x, sim_host *h, int64_t ts, const sim_user *u, uint32_t calling_ip)
{
    char sid[80], fq[64], called[16], calling[16];
    put_sid(sid, sizeof sid, x, u->rid);
    snprintf(fq, sizeof fq, "%s\\%s", x->org.nb, u->name);
    sim_fmt_ip4(called, x->org.vpn_pub);
    sim_fmt_ip4(calling, calling_ip);
    sim_win_begin(x, WCH_SEC, h, 6272, ts);
    sim_win_s(x, WCH_SEC, "SubjectUserSid", sid);
    sim_win_s(x, WCH_SEC, "SubjectUserName", u->name);
    sim_win_s(x, WCH_SEC, "SubjectDomainName", x->org.nb);
    sim_win_s(x, WCH_SEC, "FullyQualifiedSubjectUserName", fq);
    sim_win_s(x, WCH_SEC, "SubjectMachineSID", "S-1-0-0");
    sim_win_s(x, WCH_SEC, "SubjectMachineName", "-");
    sim_win_s(x, WCH_SEC, "CalledStationID", called);
    sim_win_s(x, WCH_SEC, "CallingStationID", calling);
    sim_win_s(x, WCH_SEC, "NASIPv4Address", "10.10.0.5");
    sim_win_s(x, WCH_SEC, "NASIdentifier", "vpn-01");
    sim_win_s(x, WCH_SEC, "NASPortType", "Virtual");
    sim_win_s(x, WCH_SEC, "ClientName", "vpn-01");
    sim_win_s(x, WCH_SEC, "ClientIPAddress", "10.10.0.5");
    sim_win_s(x, WCH_SEC, "ProxyPolicyName", "Use Windows authentication for all users");
    sim_win_s(x, WCH_SEC, "NetworkPolicyName", "Remote Access VPN");
    sim_win_s(x, WCH_SEC, "AuthenticationProvider", "Windows");
    sim_win_s(x, WCH_SEC, "AuthenticationServer", h->fqdn);
    sim_win_s(x, WCH_SEC, "AuthenticationType", "MS-CHAPv2");
    sim_win_s(x, WCH_SEC, "EAPType", "-");
    sim_win_s(x, WCH_SEC, "LoggingResult", "Accounting information was written to the local log file.");
    sim_win_end(x, WCH_SEC, h, ts);
}

void sim_ev_device(sim_ctx *x, sim_host *h, int64_t ts, const sim_user *u, const char *devname)
{
    char id[160];
    snprintf(id, sizeof id, "USBSTOR\\Disk&Ven_%s&Prod_Flash&Rev_1.00\\4C53%08X&0", devname,
             (unsigned)(sim_mix(ts) & 0xffffffff));
    sim_win_begin(x, WCH_SEC, h, 6416, ts);
    user_subject(x, u, u->logon_id);
    sim_win_s(x, WCH_SEC, "DeviceId", id);
    sim_win_s(x, WCH_SEC, "DeviceDescription", "USB Mass Storage Device");
    sim_win_s(x, WCH_SEC, "ClassId", "{4d36e967-e325-11ce-bfc1-08002be10318}");
    sim_win_s(x, WCH_SEC, "ClassName", "DiskDrive");
    sim_win_s(x, WCH_SEC, "VendorIds", "USBSTOR\\Disk");
    sim_win_s(x, WCH_SEC, "CompatibleIds", "USBSTOR\\Disk\r\n\t\t\tUSBSTOR\\RAW");
    sim_win_s(x, WCH_SEC, "LocationInformation", "Port_#0002.Hub_#0001");
    sim_win_end(x, WCH_SEC, h, ts);
}

void sim_ev_share_access(sim_ctx *x, sim_host *h, int64_t ts, const sim_user *u, uint32_t src,
                         const char *share)
{
    char sn[64], lp[96];
    snprintf(sn, sizeof sn, "\\\\*\\%s", share);
    snprintf(lp, sizeof lp, "\\??\\D:\\Shares\\%s", share);
    sim_win_begin(x, WCH_SEC, h, 5140, ts);
    user_subject(x, u, u->logon_id | 0x30000);
    sim_win_s(x, WCH_SEC, "ObjectType", "File");
    sim_win_ip(x, WCH_SEC, "IpAddress", src);
    put_port(x, src, 3);
    sim_win_s(x, WCH_SEC, "ShareName", sn);
    sim_win_s(x, WCH_SEC, "ShareLocalPath", lp);
    sim_win_hex(x, WCH_SEC, "AccessMask", 1);
    sim_win_s(x, WCH_SEC, "AccessList", "%%4416");
    sim_win_end(x, WCH_SEC, h, ts);
}

/* ---------------------------------------------------------------- System events */

void sim_ev_service(sim_ctx *x, sim_host *h, int64_t ts, const char *name, const char *image,
                    const char *type, const char *account)
{
    sim_win_begin(x, WCH_SYSTEM, h, 7045, ts);
    sim_win_s(x, WCH_SYSTEM, "ServiceName", name);
    sim_win_s(x, WCH_SYSTEM, "ImagePath", image);
    sim_win_s(x, WCH_SYSTEM, "ServiceType", type);
    sim_win_s(x, WCH_SYSTEM, "StartType", strstr(type, "kernel") ? "system start" : "demand start");
    sim_win_s(x, WCH_SYSTEM, "AccountName", account ? account : "LocalSystem");
    sim_win_end(x, WCH_SYSTEM, h, ts);
}

void sim_ev_shutdown(sim_ctx *x, sim_host *h, int64_t ts, const char *process, const char *user)
{
    char p1[160];
    snprintf(p1, sizeof p1, "%s (%s)", process, h->nb);
    sim_win_begin(x, WCH_SYSTEM, h, 1074, ts);
    sim_win_s(x, WCH_SYSTEM, "param1", p1);
    sim_win_s(x, WCH_SYSTEM, "param2", h->nb);
    sim_win_s(x, WCH_SYSTEM, "param3", "Other (Unplanned)");
    sim_win_s(x, WCH_SYSTEM, "param4", "0x0");
    sim_win_s(x, WCH_SYSTEM, "param5", "power off");
    sim_win_s(x, WCH_SYSTEM, "param6", "");
    sim_win_s(x, WCH_SYSTEM, "param7", user);
    sim_win_end(x, WCH_SYSTEM, h, ts);
    sim_win_begin(x, WCH_SYSTEM, h, 6006, ts + 4 * SIM_US);
    sim_win_s(x, WCH_SYSTEM, "Binary", "");
    sim_win_end(x, WCH_SYSTEM, h, ts + 4 * SIM_US);
}

/* ---------------------------------------------------------------- Sysmon */

static uint32_t proc_pid(const sim_host *h, const char *image)
{
    uint64_t k = h->pid_seed;
    for (const char *p = image; *p; p++)
        k = k * 131 + (uint8_t)*p;
    return 1000 + (uint32_t)(sim_mix(k) % 15000) * 4 / 4;
}

static void put_guid(sim_ctx *x, const char *k, const sim_host *h, uint32_t pid)
{
    uint64_t v = sim_mix((uint64_t)h->pid_seed << 20 ^ pid);
    sim_out *o = &x->out[F_SYSMON];
    key(x, WCH_SYSMON, k);
    SIM_PUTL(o, "\"{5770385F-");
    sim_put_hex(o, v & 0xffff, 4, true);
    sim_putc(o, '-');
    sim_put_hex(o, v >> 16 & 0xffff, 4, true);
    sim_putc(o, '-');
    sim_put_hex(o, v >> 32 & 0xffff, 4, true);
    sim_putc(o, '-');
    sim_put_hex(o, sim_mix(v) & 0xffffffffffffULL, 12, true);
    SIM_PUTL(o, "}\"");
}

static void sm_head(sim_ctx *x, sim_host *h, unsigned eid, int64_t ts, const char *image, bool with_proc)
{
    sim_win_begin(x, WCH_SYSMON, h, eid, ts);
    sim_win_s(x, WCH_SYSMON, "RuleName", "-");
    key(x, WCH_SYSMON, "UtcTime");
    sim_out *o = &x->out[F_SYSMON];
    sim_putc(o, '"');
    sim_put_sysmon_time(o, ts);
    sim_putc(o, '"');
    if (with_proc) {
        uint32_t pid = proc_pid(h, image);
        put_guid(x, "ProcessGuid", h, pid);
        sim_win_u(x, WCH_SYSMON, "ProcessId", pid);
    }
}

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '\\');
    return b ? b + 1 : path;
}

void sim_sm_process(sim_ctx *x, sim_host *h, int64_t ts, const char *user, const char *image, const char *cmd,
                    const char *parent, const char *hashes)
{
    char hb[200];
    sm_head(x, h, 1, ts, image, true);
    sim_win_s(x, WCH_SYSMON, "Image", image);
    sim_win_s(x, WCH_SYSMON, "FileVersion", "-");
    sim_win_s(x, WCH_SYSMON, "Description", "-");
    sim_win_s(x, WCH_SYSMON, "Product", "-");
    sim_win_s(x, WCH_SYSMON, "Company", "-");
    sim_win_s(x, WCH_SYSMON, "OriginalFileName", base_name(image));
    sim_win_s(x, WCH_SYSMON, "CommandLine", cmd);
    sim_win_s(x, WCH_SYSMON, "CurrentDirectory", "C:\\Windows\\system32\\");
    sim_win_s(x, WCH_SYSMON, "User", user);
    put_guid(x, "LogonGuid", h, 0x3e7);
    sim_win_hex(x, WCH_SYSMON, "LogonId", 0x10000 + h->pid_seed % 0xfffff);
    sim_win_u(x, WCH_SYSMON, "TerminalSessionId", 1);
    sim_win_s(x, WCH_SYSMON, "IntegrityLevel", strstr(user, "SYSTEM") ? "System" : "Medium");
    if (!hashes) {
        uint64_t a = 0;
        for (const char *p = image; *p; p++)
            a = sim_mix(a ^ (uint8_t)*p);
        uint64_t b = sim_mix(a), c = sim_mix(b), d = sim_mix(c), e = sim_mix(d), f = sim_mix(e);
        snprintf(hb, sizeof hb, "MD5=%016llX%016llX,SHA256=%016llX%016llX%016llX%016llX",
                 (unsigned long long)a, (unsigned long long)b, (unsigned long long)c, (unsigned long long)d,
                 (unsigned long long)e, (unsigned long long)f);
        hashes = hb;
    }
    sim_win_s(x, WCH_SYSMON, "Hashes", hashes);
    uint32_t ppid = proc_pid(h, parent);
    put_guid(x, "ParentProcessGuid", h, ppid);
    sim_win_u(x, WCH_SYSMON, "ParentProcessId", ppid);
    sim_win_s(x, WCH_SYSMON, "ParentImage", parent);
    sim_win_s(x, WCH_SYSMON, "ParentCommandLine", parent);
    sim_win_end(x, WCH_SYSMON, h, ts);
}

void sim_sm_netconn(sim_ctx *x, sim_host *h, int64_t ts, const char *user, const char *image, uint32_t dst,
                    uint16_t dport, const char *dst_name)
{
    sm_head(x, h, 3, ts, image, true);
    sim_win_s(x, WCH_SYSMON, "Image", image);
    sim_win_s(x, WCH_SYSMON, "User", user);
    sim_win_s(x, WCH_SYSMON, "Protocol", "tcp");
    sim_win_s(x, WCH_SYSMON, "Initiated", "true");
    sim_win_s(x, WCH_SYSMON, "SourceIsIpv6", "false");
    sim_win_ip(x, WCH_SYSMON, "SourceIp", h->ip);
    sim_win_s(x, WCH_SYSMON, "SourceHostname", h->fqdn);
    sim_win_u(x, WCH_SYSMON, "SourcePort", 49152 + (uint64_t)(ts / 1000 % 16000));
    sim_win_s(x, WCH_SYSMON, "SourcePortName", "-");
    sim_win_s(x, WCH_SYSMON, "DestinationIsIpv6", "false");
    sim_win_ip(x, WCH_SYSMON, "DestinationIp", dst);
    sim_win_s(x, WCH_SYSMON, "DestinationHostname", dst_name ? dst_name : "-");
    sim_win_u(x, WCH_SYSMON, "DestinationPort", dport);
    sim_win_s(x, WCH_SYSMON, "DestinationPortName", dport == 443 ? "https" : dport == 80 ? "http" : "-");
    sim_win_end(x, WCH_SYSMON, h, ts);
}

void sim_sm_file(sim_ctx *x, sim_host *h, int64_t ts, const char *user, const char *image, const char *path)
{
    sm_head(x, h, 11, ts, image, true);
    sim_win_s(x, WCH_SYSMON, "Image", image);
    sim_win_s(x, WCH_SYSMON, "TargetFilename", path);
    key(x, WCH_SYSMON, "CreationUtcTime");
    sim_out *o = &x->out[F_SYSMON];
    sim_putc(o, '"');
    sim_put_sysmon_time(o, ts);
    sim_putc(o, '"');
    sim_win_s(x, WCH_SYSMON, "User", user);
    sim_win_end(x, WCH_SYSMON, h, ts);
}

void sim_sm_dns(sim_ctx *x, sim_host *h, int64_t ts, const char *user, const char *image, const char *q,
                uint32_t ans)
{
    char res[40];
    size_t n = 0;
    if (ans) {
        memcpy(res, "::ffff:", 7);
        n = 7 + sim_fmt_ip4(res + 7, ans);
        res[n++] = ';';
        res[n] = 0;
    } else {
        memcpy(res, "-", 2);
    }
    sm_head(x, h, 22, ts, image, true);
    sim_win_s(x, WCH_SYSMON, "QueryName", q);
    sim_win_s(x, WCH_SYSMON, "QueryStatus", ans ? "0" : "9003");
    sim_win_s(x, WCH_SYSMON, "QueryResults", res);
    sim_win_s(x, WCH_SYSMON, "Image", image);
    sim_win_s(x, WCH_SYSMON, "User", user);
    sim_win_end(x, WCH_SYSMON, h, ts);
}

void sim_sm_driver(sim_ctx *x, sim_host *h, int64_t ts, const char *path, const char *hashes,
                   const char *signature)
{
    sm_head(x, h, 6, ts, path, false);
    sim_win_s(x, WCH_SYSMON, "ImageLoaded", path);
    sim_win_s(x, WCH_SYSMON, "Hashes", hashes);
    sim_win_s(x, WCH_SYSMON, "Signed", signature ? "true" : "false");
    sim_win_s(x, WCH_SYSMON, "Signature", signature ? signature : "-");
    sim_win_s(x, WCH_SYSMON, "SignatureStatus", signature ? "Valid" : "Unavailable");
    sim_win_end(x, WCH_SYSMON, h, ts);
}

void sim_sm_delete(sim_ctx *x, sim_host *h, int64_t ts, const char *user, const char *image, const char *path,
                   bool archived)
{
    sm_head(x, h, archived ? 23 : 26, ts, image, true);
    sim_win_s(x, WCH_SYSMON, "User", user);
    sim_win_s(x, WCH_SYSMON, "Image", image);
    sim_win_s(x, WCH_SYSMON, "TargetFilename", path);
    sim_win_s(x, WCH_SYSMON, "Hashes", "-");
    sim_win_s(x, WCH_SYSMON, "IsExecutable", "false");
    if (archived)
        sim_win_s(x, WCH_SYSMON, "Archived", "true");
    sim_win_end(x, WCH_SYSMON, h, ts);
}

/* ---------------------------------------------------------------- intrusion events */

void sim_ev_log_cleared(sim_ctx *x, sim_host *h, int64_t ts, const sim_user *u, const char *channel)
{
    /* Security 1102 and System 104 come from the Eventlog service, as user data */
    bool sec = strcmp(channel, "Security") == 0;
    int ch = sec ? WCH_SEC : WCH_SYSTEM;
    wprov p = {.provider = "{\"#attributes\":{\"Name\":\"Microsoft-Windows-Eventlog\",\"Guid\":"
                           "\"{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}\"}}",
               .version = sec ? 0 : 1,
               .level = 4,
               .task = 104,
               .keywords = sec ? "0x4020000000000000" : "0x8000000000000000",
               .channel = sec ? "Security" : "System",
               .security = "{\"#attributes\":{\"UserID\":\"S-1-5-18\"}}"};
    char sid[80];
    put_sid(sid, sizeof sid, x, u->rid);
    win_begin(x, ch, h, sec ? 1102 : 104, ts, &p, "\"UserData\":{\"LogFileCleared\":{");
    if (sec) {
        sim_win_s(x, ch, "SubjectUserSid", sid);
        sim_win_s(x, ch, "SubjectUserName", u->name);
        sim_win_s(x, ch, "SubjectDomainName", x->org.nb);
        sim_win_hex(x, ch, "SubjectLogonId", u->logon_id | 0x40000);
    } else {
        sim_win_s(x, ch, "SubjectUserName", u->name);
        sim_win_s(x, ch, "SubjectDomainName", x->org.nb);
        sim_win_s(x, ch, "Channel", channel);
        sim_win_s(x, ch, "BackupPath", "");
    }
    sim_putc(&x->out[chan_file[ch]], '}');
    sim_win_end(x, ch, h, ts);
}

void sim_ev_service_state(sim_ctx *x, sim_host *h, int64_t ts, const char *display, const char *state)
{
    wprov p = prov_of(WCH_SYSTEM, 7045);
    win_begin(x, WCH_SYSTEM, h, 7036, ts, &p, "\"EventData\":{");
    sim_win_s(x, WCH_SYSTEM, "param1", display);
    sim_win_s(x, WCH_SYSTEM, "param2", state);
    sim_win_s(x, WCH_SYSTEM, "Binary", "");
    sim_win_end(x, WCH_SYSTEM, h, ts);
}

void sim_sm_image_load(sim_ctx *x, sim_host *h, int64_t ts, const char *user, const char *image,
                       const char *dll, const char *hashes, const char *signature)
{
    sm_head(x, h, 7, ts, image, true);
    sim_win_s(x, WCH_SYSMON, "Image", image);
    sim_win_s(x, WCH_SYSMON, "ImageLoaded", dll);
    sim_win_s(x, WCH_SYSMON, "FileVersion", signature ? "10.0.19041.1" : "-");
    sim_win_s(x, WCH_SYSMON, "Description", "-");
    sim_win_s(x, WCH_SYSMON, "Product", "-");
    sim_win_s(x, WCH_SYSMON, "Company", signature ? signature : "-");
    sim_win_s(x, WCH_SYSMON, "OriginalFileName", base_name(dll));
    sim_win_s(x, WCH_SYSMON, "Hashes", hashes);
    sim_win_s(x, WCH_SYSMON, "Signed", signature ? "true" : "false");
    sim_win_s(x, WCH_SYSMON, "Signature", signature ? signature : "-");
    sim_win_s(x, WCH_SYSMON, "SignatureStatus", signature ? "Valid" : "Unavailable");
    sim_win_s(x, WCH_SYSMON, "User", user);
    sim_win_end(x, WCH_SYSMON, h, ts);
}

void sim_sm_process_access(sim_ctx *x, sim_host *h, int64_t ts, const char *user, const char *image,
                           const char *target, const char *access, const char *trace)
{
    sm_head(x, h, 10, ts, image, false);
    uint32_t spid = proc_pid(h, image), tpid = proc_pid(h, target);
    put_guid(x, "SourceProcessGUID", h, spid);
    sim_win_u(x, WCH_SYSMON, "SourceProcessId", spid);
    sim_win_u(x, WCH_SYSMON, "SourceThreadId", spid + 4 * (1 + (uint32_t)(ts / 1000 % 500)));
    sim_win_s(x, WCH_SYSMON, "SourceImage", image);
    put_guid(x, "TargetProcessGUID", h, tpid);
    sim_win_u(x, WCH_SYSMON, "TargetProcessId", tpid);
    sim_win_s(x, WCH_SYSMON, "TargetImage", target);
    sim_win_s(x, WCH_SYSMON, "GrantedAccess", access);
    sim_win_s(x, WCH_SYSMON, "CallTrace", trace);
    sim_win_s(x, WCH_SYSMON, "SourceUser", user);
    sim_win_s(x, WCH_SYSMON, "TargetUser", "NT AUTHORITY\\SYSTEM");
    sim_win_end(x, WCH_SYSMON, h, ts);
}
