/* winevent_fields.c: typed event fields from the raw fields of a Windows event (Security,
 * Sysmon and other channels), shared by the JSON and EVTX readers. */
#include <string.h>

#include "ingest/ingest.h"
#include "ingest/rd.h"

/* The raw fields normalisation looks at, found in one pass. */
typedef struct win_raw {
    ts_str event_id, channel, provider, computer, time;
    ts_str target_user, target_domain, subject_user, subject_domain, user;
    ts_str logon_type, ip, ip_port, src_addr, src_port, workstation;
    ts_str image, new_process, command_line, parent_image, parent_process, hashes;
    ts_str dst_ip, dst_port, src_ip, dst_host, query, target_file, status, protocol;
    ts_str calling_station; /* NPS 6272/6273: the VPN client's own address */
} win_raw;

#define TAKE(lit, slot)  \
    if (RD_EQ(k, lit)) { \
        if (!r->slot.n)  \
            r->slot = v; \
        return;          \
    }

/* A table of macros, one line per group, as written: */
/* clang-format off */
static void collect(win_raw *r, ts_str k, ts_str v)
{
    if (!k.n)
        return;
    switch (k.p[0]) {
    case 'C':
        TAKE("Channel", channel) TAKE("Computer", computer) TAKE("CommandLine", command_line)
        TAKE("CallingStationID", calling_station) break;
    case 'D':
        TAKE("DestinationIp", dst_ip) TAKE("DestinationPort", dst_port)
        TAKE("DestinationHostname", dst_host) break;
    case 'E':
        TAKE("EventID", event_id) break;
    case 'H':
        TAKE("Hashes", hashes) break;
    case 'I':
        TAKE("IpAddress", ip) TAKE("IpPort", ip_port) TAKE("Image", image) break;
    case 'L':
        TAKE("LogonType", logon_type) break;
    case 'N':
        TAKE("NewProcessName", new_process) break;
    case 'P':
        TAKE("Provider_Name", provider) TAKE("ParentImage", parent_image)
        TAKE("ParentProcessName", parent_process) TAKE("Protocol", protocol) break;
    case 'Q':
        TAKE("QueryName", query) break;
    case 'S':
        TAKE("SubjectUserName", subject_user) TAKE("SubjectDomainName", subject_domain)
        TAKE("SourceAddress", src_addr) TAKE("SourcePort", src_port) TAKE("SourceIp", src_ip)
        TAKE("Status", status) break;
    case 'T':
        TAKE("TargetUserName", target_user) TAKE("TargetDomainName", target_domain)
        TAKE("TargetFilename", target_file) TAKE("TimeCreated_SystemTime", time) break;
    case 'U':
        TAKE("User", user) break;
    case 'W':
        TAKE("WorkstationName", workstation) break;
    }
}

/* clang-format on */
/* Windows writes "-" for an absent value. */
static ts_str val(ts_str v)
{
    return v.n == 1 && v.p[0] == '-' ? TS_STR_NULL : v;
}

static bool logon_event(uint32_t id)
{
    return id == 4624 || id == 4625 || id == 4634 || id == 4647 || id == 4648 || id == 4768 || id == 4769 ||
           id == 4771 || id == 4776;
}

/* "DOMAIN\user" (Sysmon's User) into its parts. */
static void split_account(ts_event *ev, ts_str v)
{
    const char *bs = memchr(v.p, '\\', v.n);
    if (!bs) {
        ev->user = v;
        return;
    }
    ev->user_domain = ts_str_make(v.p, (size_t)(bs - v.p));
    ev->user = ts_str_make(bs + 1, v.n - (size_t)(bs - v.p) - 1);
}

/* Sysmon's "SHA1=..,MD5=..,SHA256=..,IMPHASH=..". */
static void hashes(ts_event *ev, ts_str v)
{
    const char *p = v.p, *end = v.p + v.n;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma ? comma : end;
        const char *eq = memchr(p, '=', (size_t)(e - p));
        if (eq) {
            ts_str name = ts_str_make(p, (size_t)(eq - p)), h = ts_str_make(eq + 1, (size_t)(e - eq - 1));
            if (ts_str_ieq(name, "MD5"))
                ev->md5 = h;
            else if (ts_str_ieq(name, "SHA1"))
                ev->sha1 = h;
            else if (ts_str_ieq(name, "SHA256"))
                ev->sha256 = h;
        }
        p = e + 1;
    }
}

static const struct {
    bool sysmon;
    uint32_t id;
    const char *action;
    uint32_t category, type; /* event.category, event.type */
} kinds[] = {
    {false, 4624, "logon", TS_CAT_AUTH | TS_CAT_SESSION, TS_TYPE_START},
    {false, 4625, "logon-failed", TS_CAT_AUTH, TS_TYPE_START},
    {false, 4634, "logoff", TS_CAT_AUTH | TS_CAT_SESSION, TS_TYPE_END},
    {false, 4647, "logoff", TS_CAT_AUTH | TS_CAT_SESSION, TS_TYPE_END},
    {false, 4648, "explicit-credential-logon", TS_CAT_AUTH, 0},
    {false, 4672, "special-privileges-assigned", TS_CAT_AUTH, 0},
    {false, 4688, "process-created", TS_CAT_PROCESS, TS_TYPE_START},
    {false, 4689, "process-terminated", TS_CAT_PROCESS, TS_TYPE_END},
    {false, 4663, "object-access", TS_CAT_FILE, TS_TYPE_ACCESS},
    {false, 4657, "registry-value-modified", TS_CAT_HOST, TS_TYPE_CHANGE},
    {false, 4698, "scheduled-task-created", TS_CAT_HOST, TS_TYPE_CREATION},
    {false, 5140, "network-share-accessed", TS_CAT_NETWORK | TS_CAT_FILE, TS_TYPE_ACCESS},
    {false, 5145, "network-share-object-checked", TS_CAT_NETWORK | TS_CAT_FILE, TS_TYPE_ACCESS},
    {false, 4103, "powershell-module-logged", TS_CAT_PROCESS, 0},
    {false, 4104, "powershell-script-block", TS_CAT_PROCESS, 0},
    {false, 4697, "service-installed", TS_CAT_HOST, TS_TYPE_INSTALLATION | TS_TYPE_CREATION},
    {false, 4720, "user-account-created", TS_CAT_HOST, TS_TYPE_CREATION},
    {false, 4722, "user-account-enabled", TS_CAT_HOST, TS_TYPE_CHANGE},
    {false, 4724, "password-reset", TS_CAT_HOST, TS_TYPE_CHANGE},
    {false, 4728, "group-member-added", TS_CAT_HOST, TS_TYPE_CHANGE},
    {false, 4732, "group-member-added", TS_CAT_HOST, TS_TYPE_CHANGE},
    {false, 4756, "group-member-added", TS_CAT_HOST, TS_TYPE_CHANGE},
    {false, 4738, "user-account-changed", TS_CAT_HOST, TS_TYPE_CHANGE},
    {false, 4742, "computer-account-changed", TS_CAT_HOST, TS_TYPE_CHANGE},
    {false, 4799, "group-membership-enumerated", TS_CAT_HOST, TS_TYPE_ACCESS},
    {false, 4719, "audit-policy-changed", TS_CAT_HOST, TS_TYPE_CHANGE},
    {false, 5136, "directory-object-modified", TS_CAT_HOST, TS_TYPE_CHANGE},
    {false, 4662, "directory-object-access", TS_CAT_HOST, TS_TYPE_ACCESS},
    {false, 4656, "object-handle-requested", TS_CAT_FILE, TS_TYPE_ACCESS},
    {false, 4702, "scheduled-task-updated", TS_CAT_HOST, TS_TYPE_CHANGE},
    {false, 4768, "kerberos-tgt-request", TS_CAT_AUTH, 0},
    {false, 4769, "kerberos-service-ticket", TS_CAT_AUTH, 0},
    {false, 4771, "kerberos-preauth-failed", TS_CAT_AUTH, 0},
    {false, 4776, "credential-validation", TS_CAT_AUTH, 0},
    {false, 1102, "audit-log-cleared", TS_CAT_HOST, TS_TYPE_DELETION},
    {false, 7045, "service-installed", TS_CAT_HOST, TS_TYPE_INSTALLATION | TS_TYPE_CREATION},
    {false, 7036, "service-state-changed", TS_CAT_HOST, TS_TYPE_CHANGE},
    {false, 7040, "service-start-type-changed", TS_CAT_HOST, TS_TYPE_CHANGE},
    {false, 6416, "device-recognized", TS_CAT_HOST, 0},
    {true, 1, "process-created", TS_CAT_PROCESS, TS_TYPE_START},
    {true, 3, "network-connection", TS_CAT_NETWORK, TS_TYPE_CONNECTION | TS_TYPE_START},
    {true, 2, "file-creation-time-changed", TS_CAT_FILE, TS_TYPE_CHANGE},
    {true, 5, "process-terminated", TS_CAT_PROCESS, TS_TYPE_END},
    {true, 6, "driver-loaded", TS_CAT_HOST, TS_TYPE_START},
    {true, 7, "image-loaded", TS_CAT_PROCESS, TS_TYPE_START},
    {true, 8, "create-remote-thread", TS_CAT_PROCESS, TS_TYPE_START},
    {true, 9, "raw-access-read", TS_CAT_FILE, TS_TYPE_ACCESS},
    {true, 10, "process-access", TS_CAT_PROCESS, TS_TYPE_ACCESS},
    {true, 11, "file-created", TS_CAT_FILE, TS_TYPE_CREATION},
    {true, 12, "registry-event", TS_CAT_HOST, TS_TYPE_CHANGE},
    {true, 13, "registry-value-set", TS_CAT_HOST, TS_TYPE_CHANGE},
    {true, 14, "registry-rename", TS_CAT_HOST, TS_TYPE_CHANGE},
    {true, 15, "file-stream-created", TS_CAT_FILE, TS_TYPE_CREATION},
    {true, 17, "pipe-created", TS_CAT_PROCESS, TS_TYPE_CREATION},
    {true, 18, "pipe-connected", TS_CAT_PROCESS, TS_TYPE_ACCESS},
    {true, 19, "wmi-filter", TS_CAT_HOST, TS_TYPE_CREATION},
    {true, 20, "wmi-consumer", TS_CAT_HOST, TS_TYPE_CREATION},
    {true, 21, "wmi-binding", TS_CAT_HOST, TS_TYPE_CREATION},
    {true, 22, "dns-query", TS_CAT_NETWORK | TS_CAT_DNS, 0},
    {true, 23, "file-deleted", TS_CAT_FILE, TS_TYPE_DELETION},
    {true, 25, "process-tampering", TS_CAT_PROCESS, TS_TYPE_CHANGE},
    {true, 26, "file-deleted", TS_CAT_FILE, TS_TYPE_DELETION},
};

void ts_winevent_classify(ts_event *ev, bool sysmon)
{
    ev->category = TS_CAT_HOST;
    ev->type = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (ev->has_code && kinds[i].sysmon == sysmon && kinds[i].id == ev->code) {
            ev->action = ts_str_c(kinds[i].action);
            ev->category = kinds[i].category;
            ev->type = kinds[i].type;
            return;
        }
}

static ts_str dataset(const win_raw *r, bool sysmon)
{
    if (sysmon)
        return TS_STR_LIT("windows.sysmon");
    if (ts_str_eq(r->channel, "Security") || ts_str_eq(r->provider, "Microsoft-Windows-Security-Auditing"))
        return TS_STR_LIT("windows.security");
    if (ts_str_eq(r->channel, "System"))
        return TS_STR_LIT("windows.system");
    if (ts_str_eq(r->channel, "Application"))
        return TS_STR_LIT("windows.application");
    if (!r->channel.n)
        return TS_STR_LIT("windows.unknown");
    /* Other channels: the lowercased name. The event borrows it only during the sink
     * call, and the next normalisation on this thread comes after that call returns. */
    static _Thread_local char buf[160];
    memcpy(buf, "windows.", 8);
    size_t n = ts_lower(r->channel, buf + 8, sizeof buf - 8);
    return n ? ts_str_make(buf, 8 + n) : TS_STR_LIT("windows.unknown");
}

static void outcome(ts_event *ev, const win_raw *r)
{
    uint32_t id = ev->code;
    if (id == 4625 || id == 4771)
        ev->outcome = TS_OUTCOME_FAILURE;
    else if (id == 4624 || id == 4648)
        ev->outcome = TS_OUTCOME_SUCCESS;
    else if ((id == 4768 || id == 4769 || id == 4776) && r->status.n)
        ev->outcome = ts_str_eq(r->status, "0x0") || ts_str_eq(r->status, "0") ? TS_OUTCOME_SUCCESS
                                                                               : TS_OUTCOME_FAILURE;
}

static void account(ts_event *ev, const win_raw *r)
{
    ts_str u = val(r->target_user), d = val(r->target_domain);
    if (!(logon_event(ev->code) && u.n)) {
        u = val(r->subject_user);
        d = val(r->subject_domain);
    }
    if (u.n) {
        ev->user = u;
        ev->user_domain = d;
    } else if (val(r->user).n) {
        split_account(ev, r->user);
    }
}

static void network(ts_event *ev, const win_raw *r)
{
    rd_ip(val(r->ip).n         ? r->ip
          : val(r->src_addr).n ? r->src_addr
          : val(r->src_ip).n   ? r->src_ip
                               : val(r->calling_station),
          &ev->src_ip);
    ts_str sp = val(r->ip_port).n ? r->ip_port : r->src_port;
    if (sp.n)
        rd_port(sp, &ev->src_port);
    rd_ip(val(r->dst_ip), &ev->dst_ip);
    if (r->dst_port.n)
        rd_port(r->dst_port, &ev->dst_port);
    ev->src_host = val(r->workstation);
}

void ts_winevent_normalise(ts_event *ev)
{
    win_raw r = {0};
    for (size_t i = 0; i < ev->n_fields; i++)
        collect(&r, ev->fields[i].key, ev->fields[i].val);
    uint64_t id;
    if (ts_parse_u64(ts_str_trim(r.event_id), &id) && id <= UINT32_MAX) {
        ev->code = (uint32_t)id;
        ev->has_code = true;
    }
    ev->channel = r.channel;
    ev->provider = r.provider;
    if (r.computer.n)
        ev->host = r.computer;
    if (!ev->ts_ns && r.time.n)
        rd_time(r.time, &ev->ts_ns);
    bool sysmon = ts_str_eq(r.provider, "Microsoft-Windows-Sysmon") ||
                  ts_str_eq(r.channel, "Microsoft-Windows-Sysmon/Operational");
    account(ev, &r);
    int64_t lt;
    if (r.logon_type.n && ts_parse_i64(r.logon_type, &lt) && lt > 0 && lt < 100)
        ev->logon_type = (int)lt;
    network(ev, &r);
    ev->process = val(r.image).n ? r.image : val(r.new_process);
    ev->command_line = r.command_line;
    ev->parent_process = val(r.parent_image).n ? r.parent_image : val(r.parent_process);
    if (r.hashes.n)
        hashes(ev, r.hashes);
    if (r.query.n)
        ev->domain = r.query;
    else if (val(r.dst_host).n)
        ev->domain = r.dst_host;
    ev->file_path = r.target_file;
    outcome(ev, &r);
    ev->dataset = dataset(&r, sysmon);
    ts_winevent_classify(ev, sysmon);
    ev->transport = r.protocol; /* Sysmon 3 */
}
