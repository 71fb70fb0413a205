/* winlogbeat.c: reader for Windows events as Winlogbeat writes them (7.x and 8.x, ECS):
 * winlog.channel, winlog.event_id (a number in 7, text in 8), winlog.provider_name,
 * winlog.event_data.*, @timestamp, host.name; Winlogbeat 6's top-level event_data and
 * log_name too; one document per line, a JSON array, or Elasticsearch hits (_source).
 *
 * Winlogbeat's Sysmon, Security and PowerShell modules (and Elasticsearch's ingest pipelines
 * for them) *rename* event data to ECS: Sysmon's Image becomes process.executable and leaves
 * event_data, CommandLine becomes process.command_line, Hashes is split into
 * process.hash.*. A Sigma rule written against Image would never fire. So the names
 * Windows gave are put back, from the ECS fields the modules are documented to fill, where
 * event_data lacks them; the event then goes through the same normalisation as evtx and
 * evtx_dump JSON (ts_winevent_normalise), and a rule fires identically. */
#include <stdio.h>
#include <string.h>

#include "ingest/rd.h"

/* The ECS fields the modules fill from event data, remembered while walking. */
enum ecs {
    E_PROC_ENTITY,
    E_PROC_PID,
    E_PROC_THREAD,
    E_PROC_EXE,
    E_PROC_CMD,
    E_PROC_CWD,
    E_PARENT_ENTITY,
    E_PARENT_PID,
    E_PARENT_EXE,
    E_PARENT_CMD,
    E_PROC_OFN,
    E_FILE_OFN,
    E_FILE_PATH,
    E_FILE_NAME,
    E_TRANSPORT,
    E_PROTOCOL,
    E_DIRECTION,
    E_NET_TYPE,
    E_SRC_IP,
    E_SRC_DOMAIN,
    E_SRC_PORT,
    E_DST_IP,
    E_DST_DOMAIN,
    E_DST_PORT,
    E_DNS_NAME,
    E_RULE_NAME,
    E_USER_NAME,
    E_USER_DOMAIN,
    E_PROC_MD5,
    E_PROC_SHA1,
    E_PROC_SHA256,
    E_PROC_IMPHASH,
    E_FILE_MD5,
    E_FILE_SHA1,
    E_FILE_SHA256,
    E_FILE_IMPHASH,
    E_ARCHIVED,
    E_IS_EXE,
    E_ERROR_CODE,
    E_PS_TEXT,
    E_PS_ID,
    E_EVENT_CODE,
    E_TIMESTAMP,
    E_HOST_NAME,
    E_N
};

static const char *const ecs_names[E_N] = {
    [E_PROC_ENTITY] = "process.entity_id",
    [E_PROC_PID] = "process.pid",
    [E_PROC_THREAD] = "process.thread.id",
    [E_PROC_EXE] = "process.executable",
    [E_PROC_CMD] = "process.command_line",
    [E_PROC_CWD] = "process.working_directory",
    [E_PARENT_ENTITY] = "process.parent.entity_id",
    [E_PARENT_PID] = "process.parent.pid",
    [E_PARENT_EXE] = "process.parent.executable",
    [E_PARENT_CMD] = "process.parent.command_line",
    [E_PROC_OFN] = "process.pe.original_file_name",
    [E_FILE_OFN] = "file.pe.original_file_name",
    [E_FILE_PATH] = "file.path",
    [E_FILE_NAME] = "file.name",
    [E_TRANSPORT] = "network.transport",
    [E_PROTOCOL] = "network.protocol",
    [E_DIRECTION] = "network.direction",
    [E_NET_TYPE] = "network.type",
    [E_SRC_IP] = "source.ip",
    [E_SRC_DOMAIN] = "source.domain",
    [E_SRC_PORT] = "source.port",
    [E_DST_IP] = "destination.ip",
    [E_DST_DOMAIN] = "destination.domain",
    [E_DST_PORT] = "destination.port",
    [E_DNS_NAME] = "dns.question.name",
    [E_RULE_NAME] = "rule.name",
    [E_USER_NAME] = "user.name",
    [E_USER_DOMAIN] = "user.domain",
    [E_PROC_MD5] = "process.hash.md5",
    [E_PROC_SHA1] = "process.hash.sha1",
    [E_PROC_SHA256] = "process.hash.sha256",
    [E_PROC_IMPHASH] = "process.pe.imphash",
    [E_FILE_MD5] = "file.hash.md5",
    [E_FILE_SHA1] = "file.hash.sha1",
    [E_FILE_SHA256] = "file.hash.sha256",
    [E_FILE_IMPHASH] = "file.pe.imphash",
    [E_ARCHIVED] = "sysmon.file.archived",
    [E_IS_EXE] = "sysmon.file.is_executable",
    [E_ERROR_CODE] = "error.code",
    [E_PS_TEXT] = "powershell.file.script_block_text",
    [E_PS_ID] = "powershell.file.script_block_id",
    [E_EVENT_CODE] = "event.code",
    [E_TIMESTAMP] = "@timestamp",
    [E_HOST_NAME] = "host.name",
};

typedef struct wb_state {
    rd_ctx *c;
    ts_str ecs[E_N];
} wb_state;

static ts_str after(ts_str k, size_t n)
{
    return ts_str_make(k.p + n, k.n - n);
}

/* Winlogbeat's winlog.* names (and Winlogbeat 6's top-level ones) to the System names the
 * JSON and EVTX readers give. */
static ts_str system_key(ts_str k)
{
    static const char *const map[][2] = {
        {"winlog.event_id", "EventID"},
        {"winlog.channel", "Channel"},
        {"winlog.provider_name", "Provider_Name"},
        {"winlog.provider_guid", "Provider_Guid"},
        {"winlog.computer_name", "Computer"},
        {"winlog.record_id", "EventRecordID"},
        {"winlog.process.pid", "Execution_ProcessID"},
        {"winlog.process.thread.id", "Execution_ThreadID"},
        {"winlog.user.identifier", "Security_UserID"},
        {"winlog.task", "Task"},
        {"winlog.opcode", "Opcode"},
        {"winlog.keywords", "Keywords"},
        {"winlog.version", "Version"},
        {"event_id", "EventID"},
        {"log_name", "Channel"},
        {"source_name", "Provider_Name"},
        {"computer_name", "Computer"},
        {"record_number", "EventRecordID"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (ts_str_eq(k, map[i][0]))
            return ts_str_c(map[i][1]);
    return k;
}

static int wb_leaf(void *ud, const char *path, size_t plen, ts_json_type type, const char *val, size_t vlen)
{
    wb_state *st = ud;
    if (type == TS_JSON_NULL)
        return 0;
    ts_str k = ts_str_make(path, plen), v = ts_str_make(val, vlen);
    if (ts_str_istarts(k, "_source.")) /* an Elasticsearch hit */
        k = after(k, 8);
    else if (plen && path[0] == '_')
        return 0; /* _index, _id, _score: the store's, not the event's */
    if (ts_str_istarts(k, "winlog.event_data."))
        k = after(k, 18);
    else if (ts_str_istarts(k, "winlog.user_data.")) {
        const char *dot = memrchr(k.p, '.', k.n); /* nested elements: the innermost name */
        k = after(k, (size_t)(dot - k.p) + 1);
    } else if (ts_str_istarts(k, "event_data."))
        k = after(k, 11);
    else {
        for (int i = 0; i < E_N; i++)
            if (ts_str_eq(k, ecs_names[i])) {
                if (!st->ecs[i].n)
                    st->ecs[i] = v;
                break;
            }
        k = system_key(k);
    }
    rd_field(st->c, k, v);
    return 0;
}

static void wb_begin(void *ud)
{
    wb_state *st = ud;
    memset(st->ecs, 0, sizeof st->ecs);
}

static bool has_field(const rd_ctx *c, const char *key)
{
    const ts_fieldbuf *fb = &c->s->fields;
    for (size_t i = 0; i < fb->n; i++)
        if (ts_str_eq(fb->v[i].key, key))
            return true;
    return false;
}

/* Puts name=v back unless event data already has name. */
static void restore(wb_state *st, const char *name, ts_str v)
{
    if (v.n && !has_field(st->c, name))
        rd_field(st->c, ts_str_c(name), v);
}

/* Sysmon's "SHA1=..,MD5=..,SHA256=..,IMPHASH=.." from the split ECS hashes. */
static void restore_hashes(wb_state *st, const char *name, int md5, int sha1, int sha256, int imphash)
{
    ts_str md = st->ecs[md5], s1 = st->ecs[sha1], s2 = st->ecs[sha256];
    ts_str im = imphash >= 0 ? st->ecs[imphash] : TS_STR_NULL;
    if ((!md.n && !s1.n && !s2.n && !im.n) || has_field(st->c, name))
        return;
    ts_arena *a = &st->c->s->arena;
    size_t cap = md.n + s1.n + s2.n + im.n + 40;
    char *buf = ts_arena_alloc(a, cap);
    if (!buf)
        return;
    size_t o = 0;
    const struct {
        const char *label;
        ts_str v;
    } parts[] = {{"SHA1=", s1}, {"MD5=", md}, {"SHA256=", s2}, {"IMPHASH=", im}};
    for (size_t i = 0; i < 4; i++) {
        if (!parts[i].v.n)
            continue;
        size_t ln = strlen(parts[i].label);
        if (o)
            buf[o++] = ',';
        memcpy(buf + o, parts[i].label, ln), o += ln;
        memcpy(buf + o, parts[i].v.p, parts[i].v.n), o += parts[i].v.n;
    }
    rd_field(st->c, ts_str_c(name), ts_str_make(buf, o));
}

/* Security's process ids are hex ("0x11cc"); the module stores them as numbers. */
static ts_str hex_pid(ts_arena *a, ts_str v)
{
    uint64_t pid;
    if (!ts_parse_u64(v, &pid))
        return v;
    char *buf = ts_arena_alloc(a, 24);
    if (!buf)
        return v;
    int n = snprintf(buf, 24, "0x%llx", (unsigned long long)pid);
    return n > 0 ? ts_str_make(buf, (size_t)n) : v;
}

static void restore_sysmon(wb_state *st, uint64_t id)
{
    ts_str *e = st->ecs;
    bool source = id == 8 || id == 10; /* the acting process is the "Source" one */
    restore(st,
            id == 10 ? "SourceProcessGUID"
            : source ? "SourceProcessGuid"
                     : "ProcessGuid",
            e[E_PROC_ENTITY]);
    restore(st, source ? "SourceProcessId" : "ProcessId", e[E_PROC_PID]);
    if (id == 10)
        restore(st, "SourceThreadId", e[E_PROC_THREAD]);
    restore(st, source ? "SourceImage" : id == 20 ? "Destination" : "Image", e[E_PROC_EXE]);
    restore(st, "CommandLine", e[E_PROC_CMD]);
    restore(st, "CurrentDirectory", e[E_PROC_CWD]);
    restore(st, "ParentProcessGuid", e[E_PARENT_ENTITY]);
    restore(st, "ParentProcessId", e[E_PARENT_PID]);
    restore(st, "ParentImage", e[E_PARENT_EXE]);
    restore(st, "ParentCommandLine", e[E_PARENT_CMD]);
    restore(st, "OriginalFileName", e[E_PROC_OFN].n ? e[E_PROC_OFN] : e[E_FILE_OFN]);
    restore(st, id == 6 || id == 7 ? "ImageLoaded" : id == 9 ? "Device" : "TargetFilename", e[E_FILE_PATH]);
    if (id == 17 || id == 18)
        restore(st, "PipeName", e[E_FILE_NAME]);
    if (id == 3) {
        restore(st, "Protocol", e[E_TRANSPORT]);
        restore(st, "SourceIp", e[E_SRC_IP]);
        restore(st, "SourceHostname", e[E_SRC_DOMAIN]);
        restore(st, "SourcePort", e[E_SRC_PORT]);
        restore(st, "DestinationIp", e[E_DST_IP]);
        restore(st, "DestinationHostname", e[E_DST_DOMAIN]);
        restore(st, "DestinationPort", e[E_DST_PORT]);
        restore(st, "DestinationPortName", e[E_PROTOCOL]);
        if (e[E_DIRECTION].n)
            restore(st, "Initiated",
                    ts_str_eq(e[E_DIRECTION], "egress") ? TS_STR_LIT("true") : TS_STR_LIT("false"));
        if (e[E_NET_TYPE].n) {
            ts_str six = ts_str_eq(e[E_NET_TYPE], "ipv6") ? TS_STR_LIT("true") : TS_STR_LIT("false");
            restore(st, "SourceIsIpv6", six);
            restore(st, "DestinationIsIpv6", six);
        }
    }
    if (id == 22)
        restore(st, "QueryName", e[E_DNS_NAME]);
    restore(st, "RuleName", e[E_RULE_NAME]);
    if (e[E_USER_NAME].n && !has_field(st->c, "User")) {
        ts_str u = e[E_USER_DOMAIN].n
                       ? rd_cat(&st->c->s->arena, e[E_USER_DOMAIN], TS_STR_LIT("\\"), e[E_USER_NAME])
                       : e[E_USER_NAME];
        restore(st, "User", u);
    }
    if (id == 6 || id == 7)
        restore_hashes(st, "Hashes", E_FILE_MD5, E_FILE_SHA1, E_FILE_SHA256, E_FILE_IMPHASH);
    else if (id == 15)
        restore_hashes(st, "Hash", E_FILE_MD5, E_FILE_SHA1, E_FILE_SHA256, E_FILE_IMPHASH);
    else
        restore_hashes(st, "Hashes", E_PROC_MD5, E_PROC_SHA1, E_PROC_SHA256, E_PROC_IMPHASH);
    restore(st, "Archived", e[E_ARCHIVED]);
    restore(st, "IsExecutable", e[E_IS_EXE]);
    if (id == 255)
        restore(st, "ID", e[E_ERROR_CODE]);
}

static void restore_security(wb_state *st, uint64_t id)
{
    ts_str *e = st->ecs;
    ts_arena *a = &st->c->s->arena;
    if (id == 4688) { /* process creation names the new process and its creator */
        restore(st, "NewProcessName", e[E_PROC_EXE]);
        restore(st, "ParentProcessName", e[E_PARENT_EXE]);
        if (e[E_PROC_PID].n)
            restore(st, "NewProcessId", hex_pid(a, e[E_PROC_PID]));
    } else {
        restore(st, "ProcessName", e[E_PROC_EXE]);
        if (e[E_PROC_PID].n)
            restore(st, "ProcessId", hex_pid(a, e[E_PROC_PID]));
    }
    restore(st, "IpAddress", e[E_SRC_IP]);
    restore(st, "IpPort", e[E_SRC_PORT]);
    restore(st, "WorkstationName", e[E_SRC_DOMAIN]);
}

static void restore_powershell(wb_state *st)
{
    restore(st, "ScriptBlockText", st->ecs[E_PS_TEXT]);
    restore(st, "ScriptBlockId", st->ecs[E_PS_ID]);
    restore(st, "Path", st->ecs[E_FILE_PATH]);
    restore(st, "HostApplication", st->ecs[E_PROC_CMD]);
}

static void wb_done(void *ud)
{
    wb_state *st = ud;
    rd_ctx *c = st->c;
    ts_event *ev = &c->s->ev;
    if (!has_field(c, "EventID") && st->ecs[E_EVENT_CODE].n)
        rd_field(c, TS_STR_LIT("EventID"), st->ecs[E_EVENT_CODE]);
    ev->fields = c->s->fields.v;
    ev->n_fields = c->s->fields.n;
    ts_str provider = ts_event_field(ev, "Provider_Name"), channel = ts_event_field(ev, "Channel");
    uint64_t id = 0;
    bool has_id = ts_parse_u64(ts_str_trim(ts_event_field(ev, "EventID")), &id);
    if (ts_str_eq(provider, "Microsoft-Windows-Sysmon") ||
        ts_str_eq(channel, "Microsoft-Windows-Sysmon/Operational"))
        restore_sysmon(st, id);
    else if (ts_str_eq(provider, "Microsoft-Windows-Security-Auditing") || ts_str_eq(channel, "Security"))
        restore_security(st, id);
    else if (ts_str_istarts(provider, "Microsoft-Windows-PowerShell") || ts_str_eq(provider, "PowerShell"))
        restore_powershell(st);
    ev->fields = c->s->fields.v; /* restoring may have grown the buffer */
    ev->n_fields = c->s->fields.n;
    bool timed = st->ecs[E_TIMESTAMP].n && rd_time(st->ecs[E_TIMESTAMP], &ev->ts_ns);
    ts_winevent_normalise(ev);
    if (!ev->host.n)
        ev->host = st->ecs[E_HOST_NAME];
    ts_str eid = ts_event_field(ev, "EventID");
    if (!has_id && eid.n)
        rd_warn(c, ev->line, ev->record,
                "winlog.event_id \"%.*s\" is not a number; the event is kept without it",
                (int)(eid.n > 32 ? 32 : eid.n), eid.p);
    else if (!has_id)
        rd_warn(c, ev->line, ev->record, "no winlog.event_id or event.code; the event is kept without an id");
    else if (!timed && !ev->ts_ns)
        rd_warn(c, ev->line, ev->record, "@timestamp \"%.*s\" is not a time; the event is kept without one",
                (int)(st->ecs[E_TIMESTAMP].n > 40 ? 40 : st->ecs[E_TIMESTAMP].n), st->ecs[E_TIMESTAMP].p);
    rd_emit(c);
}

static int wb_sniff(const char *head, size_t len)
{
    ts_str l = rd_first_line(head, len);
    if (!l.n || (l.p[0] != '{' && l.p[0] != '['))
        return 0;
    /* A line of NDJSON, or the start of an array (which may be pretty-printed). */
    ts_str scope = l.p[0] == '[' ? ts_str_make(l.p, (size_t)(head + (len < 8192 ? len : 8192) - l.p)) : l;
    if (rd_find(scope.p, scope.n, "\"Event\"") && rd_find(scope.p, scope.n, "\"System\""))
        return 0; /* evtx_dump's layout: winevent-json's */
    if ((rd_find(scope.p, scope.n, "\"winlog\"") || rd_find(scope.p, scope.n, "\"winlog.")) &&
        (rd_find(scope.p, scope.n, "\"event_id\"") || rd_find(scope.p, scope.n, "\"winlog.event_id\"")))
        return 95;
    if (rd_find(scope.p, scope.n, "\"event_data\"") && rd_find(scope.p, scope.n, "\"computer_name\""))
        return 85; /* Winlogbeat 6 */
    return 0;
}

static tocsin_code wb_read(ts_input *in, ts_scratch *scratch, const ts_sink *sink)
{
    rd_ctx c = rd_make(in, scratch, sink);
    wb_state st = {.c = &c};
    static const rd_json_ops ops = {wb_begin, wb_leaf, wb_done};
    return rd_json_records(&c, &ops, &st);
}

const ts_reader ts_reader_winlogbeat = {
    .name = "winlogbeat",
    .summary = "Windows events from Winlogbeat 6-8 (ECS, winlog.*), lines, arrays or Elasticsearch hits",
    .sniff = wb_sniff,
    .read = wb_read,
};
