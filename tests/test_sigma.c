/* test_sigma.c: the Sigma engine: modifiers, conditions, log sources, and Sigma's own regression suite. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "check_diag.h"
#include "ingest/ingest.h"
#include "sigma/sigma.h"

#define LOGSOURCES "data/sigma/logsources.tsv"

/* ---- small rules over hand-built events ---- */

static char last_refusal[512];

static void on_status(void *ud, const ts_sigma_status *st)
{
    int *loaded = ud;
    if (st->loaded)
        (*loaded)++;
    else
        snprintf(last_refusal, sizeof last_refusal, "%s", st->at.msg);
}

/* A compiled set of the rule text, or NULL (the refusal is in last_refusal). */
static ts_sigma *compile(const char *yaml)
{
    check_diags dg = {0};
    int loaded = 0;
    last_refusal[0] = 0;
    ts_sigma *s = ts_sigma_new(LOGSOURCES, check_diag_keep, &dg);
    if (!s)
        return NULL;
    ts_sigma_load_text(s, "test.yml", yaml, strlen(yaml), on_status, &loaded);
    if (!loaded || ts_sigma_compile(s, check_diag_keep, &dg) != TOCSIN_OK) {
        ts_sigma_free(s);
        return NULL;
    }
    return s;
}

static void count_hit(void *ud, const ts_sigma_rule_info *r, const ts_event *ev)
{
    (void)r, (void)ev;
    (*(int *)ud)++;
}

/* An event of channel/event id (dataset windows.sysmon) with fields "k=v" (NULL-terminated list). */
static int hits_ds(const ts_sigma *s, const char *channel, uint32_t eid, const char *dataset,
                   const char *const *kv)
{
    ts_field f[32];
    size_t n = 0;
    for (; kv[n] && n < 32; n++) {
        const char *eq = strchr(kv[n], '=');
        f[n].key = ts_str_make(kv[n], (size_t)(eq - kv[n]));
        f[n].val = ts_str_c(eq + 1);
    }
    ts_event ev;
    ts_event_clear(&ev);
    ev.channel = ts_str_c(channel);
    ev.code = eid;
    ev.has_code = true;
    ev.dataset = ts_str_c(dataset);
    ev.has_code = eid != 0;
    ev.fields = f;
    ev.n_fields = n;
    ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
    int hits = 0;
    ts_sigma_match(s, sc, &ev, count_hit, &hits);
    ts_sigma_scratch_free(sc);
    return hits;
}

static int hits_on(const ts_sigma *s, const char *channel, uint32_t eid, const char *const *kv)
{
    return hits_ds(s, channel, eid, "windows.sysmon", kv);
}

#define SYSMON "Microsoft-Windows-Sysmon/Operational"

/* Builds a process_creation rule around a detection body and checks it against a Sysmon 1 event. */
static int proc_hits(const char *detection, const char *const *kv)
{
    char yaml[4096];
    snprintf(yaml, sizeof yaml,
             "title: t\nid: 11111111-2222-3333-4444-555555555555\nlevel: high\n"
             "logsource:\n  product: windows\n  category: process_creation\ndetection:\n%s",
             detection);
    ts_sigma *s = compile(yaml);
    if (!s)
        return -1;
    int h = hits_on(s, SYSMON, 1, kv);
    ts_sigma_free(s);
    return h;
}

#define EV(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_strings(void)
{
    const char *sel = "  sel:\n    Image: 'C:\\Windows\\System32\\cmd.exe'\n  condition: sel\n";
    CHECK_INT(proc_hits(sel, EV("Image=c:\\windows\\system32\\CMD.EXE")), 1);
    CHECK_INT(proc_hits(sel, EV("Image=C:\\Windows\\System32\\cmd.exe2")), 0);
    CHECK_INT(proc_hits(sel, EV("OtherField=C:\\Windows\\System32\\cmd.exe")), 0);
    const char *wild = "  sel:\n    CommandLine: '*whoami*/al?'\n  condition: sel\n";
    CHECK_INT(proc_hits(wild, EV("CommandLine=cmd /c WHOAMI /all")), 1);
    CHECK_INT(proc_hits(wild, EV("CommandLine=cmd /c whoami /alll")), 0);
    const char *esc = "  sel:\n    CommandLine: 'a\\*b'\n  condition: sel\n";
    CHECK_INT(proc_hits(esc, EV("CommandLine=a*b")), 1);
    CHECK_INT(proc_hits(esc, EV("CommandLine=axxb")), 0);
}

/* Shorthand: a one-selection process_creation rule "sel" of one field item. */
static int item(const char *field_item, const char *const *kv)
{
    char det[2048];
    snprintf(det, sizeof det, "  sel:\n    %s\n  condition: sel\n", field_item);
    return proc_hits(det, kv);
}

static void test_generic_modifiers(void)
{
    CHECK_INT(item("CommandLine|contains: 'mimikatz'", EV("CommandLine=run MimiKatz.exe now")), 1);
    CHECK_INT(item("CommandLine|contains: 'mimikatz'", EV("CommandLine=run mimi katz")), 0);
    CHECK_INT(item("Image|startswith: 'C:\\Temp\\'", EV("Image=c:\\temp\\x.exe")), 1);
    CHECK_INT(item("Image|startswith: 'C:\\Temp\\'", EV("Image=D:\\c:\\temp\\x.exe")), 0);
    CHECK_INT(item("Image|endswith: '\\rundll32.exe'", EV("Image=C:\\W\\RUNDLL32.EXE")), 1);
    CHECK_INT(item("Image|endswith: '\\rundll32.exe'", EV("Image=C:\\W\\rundll32.exe.bak")), 0);
    /* all: every value must be there, in any order */
    const char *all = "CommandLine|contains|all: ['-nop', '-w hidden']";
    CHECK_INT(item(all, EV("CommandLine=powershell -w hidden -nop")), 1);
    CHECK_INT(item(all, EV("CommandLine=powershell -nop")), 0);
    /* a plain list is OR */
    CHECK_INT(item("Image|endswith: ['\\a.exe', '\\b.exe']", EV("Image=C:\\b.exe")), 1);
    CHECK_INT(item("Image|endswith: ['\\a.exe', '\\b.exe']", EV("Image=C:\\c.exe")), 0);
    /* exists */
    CHECK_INT(item("ParentImage|exists: true", EV("Image=x", "ParentImage=")), 1);
    CHECK_INT(item("ParentImage|exists: true", EV("Image=x")), 0);
    CHECK_INT(item("ParentImage|exists: false", EV("Image=x")), 1);
    CHECK_INT(item("ParentImage|exists: false", EV("ParentImage=y")), 0);
    /* cased */
    CHECK_INT(item("CommandLine|cased|contains: 'EnCoded'", EV("CommandLine=x -EnCoded y")), 1);
    CHECK_INT(item("CommandLine|cased|contains: 'EnCoded'", EV("CommandLine=x -encoded y")), 0);
    CHECK_INT(item("Image|cased: 'C:\\A.exe'", EV("Image=c:\\a.exe")), 0);
    /* neq: differs from every value */
    CHECK_INT(item("User|neq: 'SYSTEM'", EV("User=alice")), 1);
    CHECK_INT(item("User|neq: 'SYSTEM'", EV("User=system")), 0);
    CHECK_INT(item("User|neq: ['SYSTEM', 'alice']", EV("User=alice")), 0);
    CHECK_INT(item("User|neq: ['SYSTEM', 'alice']", EV("User=bob")), 1);
}

static void test_string_modifiers(void)
{
    /* windash: - / en dash, em dash, horizontal bar */
    const char *wd = "CommandLine|windash|contains: ' -enc '";
    CHECK_INT(item(wd, EV("CommandLine=powershell -enc AAA")), 1);
    CHECK_INT(item(wd, EV("CommandLine=powershell /enc AAA")), 1);
    CHECK_INT(item(wd, EV("CommandLine=powershell \xe2\x80\x93"
                          "enc AAA")),
              1);
    CHECK_INT(item(wd, EV("CommandLine=powershell \xe2\x80\x94"
                          "enc AAA")),
              1);
    CHECK_INT(item(wd, EV("CommandLine=powershell \xe2\x80\x95"
                          "enc AAA")),
              1);
    CHECK_INT(item(wd, EV("CommandLine=powershell +enc AAA")), 0);
    /* re: case-sensitive unless i; m and s */
    CHECK_INT(item("CommandLine|re: 'foo[0-9]+bar'", EV("CommandLine=xfoo123bar")), 1);
    CHECK_INT(item("CommandLine|re: 'foo[0-9]+bar'", EV("CommandLine=xFOO123bar")), 0);
    CHECK_INT(item("CommandLine|re|i: 'foo[0-9]+bar'", EV("CommandLine=xFOO123bar")), 1);
    CHECK_INT(item("CommandLine|re: '^b'", EV("CommandLine=a\nb")), 0);
    CHECK_INT(item("CommandLine|re|m: '^b'", EV("CommandLine=a\nb")), 1);
    CHECK_INT(item("CommandLine|re: 'a.b'", EV("CommandLine=a\nb")), 0);
    CHECK_INT(item("CommandLine|re|s: 'a.b'", EV("CommandLine=a\nb")), 1);
    /* a construct Hyperscan lacks (back-reference) goes to PCRE2 */
    CHECK_INT(item("CommandLine|re: '(ab)\\1'", EV("CommandLine=xabab")), 1);
    CHECK_INT(item("CommandLine|re: '(ab)\\1'", EV("CommandLine=xabba")), 0);
    /* base64 of "cmd" is "Y21k"; base64 matches case-sensitively */
    CHECK_INT(item("CommandLine|base64|contains: 'cmd'", EV("CommandLine=x Y21k y")), 1);
    CHECK_INT(item("CommandLine|base64|contains: 'cmd'", EV("CommandLine=x y21K y")), 0);
    /* base64offset: "http://" at each offset of an encoded text */
    const char *bo = "CommandLine|base64offset|contains: 'http://'";
    CHECK_INT(item(bo, EV("CommandLine=aHR0cDovL2V2aWwuY29t")), 1);     /* "http://evil.com" */
    CHECK_INT(item(bo, EV("CommandLine=eGh0dHA6Ly9ldmlsLmNvbQ==")), 1); /* "xhttp://evil.com" */
    CHECK_INT(item(bo, EV("CommandLine=eHhodHRwOi8vZXZpbC5jb20=")), 1); /* "xxhttp://evil.com" */
    CHECK_INT(item(bo, EV("CommandLine=ZnRwOi8vZXZpbC5jb20=")), 0);     /* "ftp://evil.com" */
    /* utf16le|base64offset: "cmd" in PowerShell's -EncodedCommand */
    const char *wide = "CommandLine|wide|base64offset|contains: 'cmd'";
    CHECK_INT(item(wide, EV("CommandLine=-enc YwBtAGQA")), 1); /* UTF-16LE "cmd" */
    CHECK_INT(item("CommandLine|utf16le|base64|contains: 'cmd'", EV("CommandLine=-enc YwBtAGQA")), 1);
    CHECK_INT(item("CommandLine|utf16be|base64|contains: 'cmd'", EV("CommandLine=-enc AGMAbQBk")), 1);
    CHECK_INT(item("CommandLine|utf16|base64|contains: 'cmd'", EV("CommandLine=-enc //5jAG0AZAA=")), 1);
    CHECK_INT(item("CommandLine|utf16be|base64|contains: 'cmd'", EV("CommandLine=-enc YwBtAGQA")), 0);
}

static void test_number_time_ip(void)
{
    CHECK_INT(item("ProcessId|lt: 100", EV("ProcessId=99")), 1);
    CHECK_INT(item("ProcessId|lt: 100", EV("ProcessId=100")), 0);
    CHECK_INT(item("ProcessId|lte: 100", EV("ProcessId=100")), 1);
    CHECK_INT(item("ProcessId|gt: 100", EV("ProcessId=101")), 1);
    CHECK_INT(item("ProcessId|gt: 100", EV("ProcessId=abc")), 0);
    CHECK_INT(item("ProcessId|gte: 100", EV("ProcessId=100")), 1);
    CHECK_INT(item("ProcessId|gte: 100", EV("ProcessId=99.5")), 0);
    const char *t = "UtcTime=2025-12-25 14:30:27.352";
    CHECK_INT(item("UtcTime|minute: 30", EV(t)), 1);
    CHECK_INT(item("UtcTime|hour: 14", EV(t)), 1);
    CHECK_INT(item("UtcTime|hour: 15", EV(t)), 0);
    CHECK_INT(item("UtcTime|day: 25", EV(t)), 1);
    CHECK_INT(item("UtcTime|week: 52", EV(t)), 1);
    CHECK_INT(item("UtcTime|month: 12", EV(t)), 1);
    CHECK_INT(item("UtcTime|year: 2025", EV(t)), 1);
    CHECK_INT(item("UtcTime|hour|gte: 20", EV(t)), 0);
    CHECK_INT(item("UtcTime|hour|lt: 20", EV(t)), 1);
    CHECK_INT(item("DestinationIp|cidr: 10.0.0.0/8", EV("DestinationIp=10.20.30.40")), 1);
    CHECK_INT(item("DestinationIp|cidr: 10.0.0.0/8", EV("DestinationIp=11.0.0.1")), 0);
    CHECK_INT(item("DestinationIp|cidr: 192.168.1.0/25", EV("DestinationIp=192.168.1.129")), 0);
    CHECK_INT(item("DestinationIp|cidr: 'fe80::/10'", EV("DestinationIp=fe80::1")), 1);
    CHECK_INT(item("DestinationIp|cidr: 'fe80::/10'", EV("DestinationIp=2001:db8::1")), 0);
    CHECK_INT(item("DestinationIp|cidr: ['10.0.0.0/8', '2001:db8::/32']", EV("DestinationIp=2001:db8::1")),
              1);
}

static void test_fieldref_null(void)
{
    CHECK_INT(item("ParentImage|fieldref: Image", EV("Image=C:\\a.exe", "ParentImage=c:\\A.exe")), 1);
    CHECK_INT(item("ParentImage|fieldref: Image", EV("Image=C:\\a.exe", "ParentImage=C:\\b.exe")), 0);
    CHECK_INT(item("ParentImage|fieldref|neq: Image", EV("Image=C:\\a.exe", "ParentImage=C:\\b.exe")), 1);
    CHECK_INT(item("CommandLine|fieldref|contains: Image", EV("Image=a.exe", "CommandLine=run a.exe /x")), 1);
    CHECK_INT(item("CommandLine|fieldref|endswith: Image", EV("Image=a.exe", "CommandLine=run a.exe /x")), 0);
    /* null: absent or empty */
    CHECK_INT(item("ParentImage: null", EV("Image=x")), 1);
    CHECK_INT(item("ParentImage: null", EV("ParentImage=")), 1);
    CHECK_INT(item("ParentImage: null", EV("ParentImage=y")), 0);
    /* an empty string is not null: it needs the field */
    CHECK_INT(item("ParentImage: ''", EV("ParentImage=")), 1);
    CHECK_INT(item("ParentImage: ''", EV("Image=x")), 0);
}

static void test_expand(void)
{
    const char *rule = "title: t\nid: e\nlogsource:\n  product: windows\n  category: process_creation\n"
                       "detection:\n  sel:\n    Image|expand|endswith: '%admin_tools%'\n  condition: sel\n";
    ts_sigma *s = compile(rule);
    CHECK(s == NULL);
    CHECK(strstr(last_refusal, "admin_tools") != NULL);
    check_diags dg = {0};
    int loaded = 0;
    s = ts_sigma_new(LOGSOURCES, check_diag_keep, &dg);
    CHECK_INT(ts_sigma_load_placeholders(s, "tests/data/sigma/placeholders.yml", check_diag_keep, &dg),
              TOCSIN_OK);
    ts_sigma_load_text(s, "x.yml", rule, strlen(rule), on_status, &loaded);
    CHECK_INT(loaded, 1);
    CHECK_INT(ts_sigma_compile(s, check_diag_keep, &dg), TOCSIN_OK);
    CHECK_INT(hits_on(s, SYSMON, 1, EV("Image=C:\\T\\PAEXEC.exe")), 1);
    CHECK_INT(hits_on(s, SYSMON, 1, EV("Image=C:\\T\\psexec.exe")), 1);
    CHECK_INT(hits_on(s, SYSMON, 1, EV("Image=C:\\T\\cmd.exe")), 0);
    ts_sigma_free(s);
    CHECK_INT(ts_sigma_new("no/such/file.tsv", check_diag_keep, &dg) == NULL, 1);
    CHECK_INT(dg.code, TOCSIN_E_NOTFOUND);
    CHECK_STR(dg.file, "no/such/file.tsv");

    /* A bad mapping line is named by its file and line, and why. */
    char path[] = "/tmp/tocsin-ls-XXXXXX";
    int fd = mkstemp(path);
    const char *tsv = "# comment\nwindows\tps\t-\tchannel=Security;eventid=4688\t-\n"
                      "windows\tbad\t-\tchannel=Security;eventid=x\t-\n";
    CHECK(fd >= 0 && write(fd, tsv, strlen(tsv)) == (ssize_t)strlen(tsv));
    close(fd);
    memset(&dg, 0, sizeof dg);
    CHECK(ts_sigma_new(path, check_diag_keep, &dg) == NULL);
    CHECK_INT(dg.n, 1);
    CHECK_INT(dg.line, 3);
    CHECK_INT(dg.code, TOCSIN_E_PARSE);
    CHECK_STR(dg.file, path);
    CHECK(strstr(dg.msg, "match (4th column)") != NULL);

    /* A placeholder that is not a list of strings: its line. */
    const char *ph = "ok:\n  - a\nbad:\n  x: 1\n";
    fd = open(path, O_WRONLY | O_TRUNC);
    CHECK(fd >= 0 && write(fd, ph, strlen(ph)) == (ssize_t)strlen(ph));
    close(fd);
    memset(&dg, 0, sizeof dg);
    s = ts_sigma_new(LOGSOURCES, check_diag_keep, &dg);
    CHECK_INT(ts_sigma_load_placeholders(s, path, check_diag_keep, &dg), TOCSIN_E_PARSE);
    CHECK_INT(dg.line, 3);
    CHECK_INT(ts_sigma_load_placeholders(s, "no/such/placeholders.yml", check_diag_keep, &dg),
              TOCSIN_E_NOTFOUND);
    ts_sigma_free(s);
    unlink(path);
}

static void test_keywords(void)
{
    const char *kw = "  keywords:\n    - 'mimikatz'\n    - 'sekurlsa'\n  condition: keywords\n";
    CHECK_INT(proc_hits(kw, EV("Image=x", "CommandLine=run SEKURLSA::logonpasswords")), 1);
    CHECK_INT(proc_hits(kw, EV("Image=x", "CommandLine=nothing")), 0);
    const char *kwall = "  keywords:\n    '|all':\n      - 'foo'\n      - 'bar'\n  condition: keywords\n";
    CHECK_INT(proc_hits(kwall, EV("Image=foo", "CommandLine=bar")), 1);
    CHECK_INT(proc_hits(kwall, EV("Image=foo", "CommandLine=baz")), 0);
    /* a list of maps is OR, a map is AND */
    const char *lom =
        "  sel:\n    - Image|endswith: '\\a.exe'\n      User: bob\n    - Image|endswith: '\\b.exe'\n"
        "  condition: sel\n";
    CHECK_INT(proc_hits(lom, EV("Image=C:\\a.exe", "User=bob")), 1);
    CHECK_INT(proc_hits(lom, EV("Image=C:\\a.exe", "User=eve")), 0);
    CHECK_INT(proc_hits(lom, EV("Image=C:\\b.exe", "User=eve")), 1);
}

static void test_conditions(void)
{
    const char *sels = "  sel_a:\n    Image: a\n  sel_b:\n    User: b\n  filter_c:\n    Company: c\n";
    char det[1024];
#define COND(cond, ...) \
    (snprintf(det, sizeof det, "%s  condition: %s\n", sels, cond), proc_hits(det, EV(__VA_ARGS__)))
    CHECK_INT(COND("sel_a and sel_b", "Image=a", "User=b"), 1);
    CHECK_INT(COND("sel_a and sel_b", "Image=a", "User=x"), 0);
    CHECK_INT(COND("sel_a or sel_b", "Image=x", "User=b"), 1);
    CHECK_INT(COND("sel_a and not filter_c", "Image=a", "Company=c"), 0);
    CHECK_INT(COND("sel_a and not filter_c", "Image=a", "Company=d"), 1);
    /* and binds tighter than or; brackets change it */
    CHECK_INT(COND("sel_a or sel_b and filter_c", "Image=a"), 1);
    CHECK_INT(COND("(sel_a or sel_b) and filter_c", "Image=a"), 0);
    CHECK_INT(COND("not sel_a or sel_b", "Image=x"), 1);
    CHECK_INT(COND("not (sel_a or sel_b)", "Image=x", "User=b"), 0);
    CHECK_INT(COND("1 of sel_*", "User=b"), 1);
    CHECK_INT(COND("any of sel_*", "Company=c"), 0);
    CHECK_INT(COND("all of sel_*", "Image=a"), 0);
    CHECK_INT(COND("all of sel_*", "Image=a", "User=b"), 1);
    CHECK_INT(COND("1 of them", "Company=c"), 1);
    CHECK_INT(COND("all of them", "Image=a", "User=b"), 0);
    CHECK_INT(COND("all of them", "Image=a", "User=b", "Company=c"), 1);
    CHECK_INT(COND("1 of sel_* and not 1 of filter_*", "Image=a", "Company=c"), 0);
    CHECK_INT(COND("ALL OF sel_* AND NOT filter_c", "Image=a", "User=b"), 1);
    /* "them" leaves out identifiers starting with '_' */
    const char *under = "  sel:\n    Image: a\n  _aux:\n    User: b\n  condition: all of them\n";
    CHECK_INT(proc_hits(under, EV("Image=a")), 1);
    /* several conditions: any of them */
    snprintf(det, sizeof det, "%s  condition:\n    - sel_a and sel_b\n    - filter_c\n", sels);
    CHECK_INT(proc_hits(det, EV("Company=c")), 1);
    CHECK_INT(proc_hits(det, EV("Image=a")), 0);
#undef COND
}

/* Rules that must be refused, each with its reason. */
static void test_refusals(void)
{
    static const struct {
        const char *det, *why;
    } bad[] = {
        {"  sel:\n    Image|nosuch: a\n  condition: sel\n", "unknown modifier"},
        {"  sel:\n    Image: a\n  condition: sel and other\n", "unknown search identifier"},
        {"  sel:\n    Image: a\n  condition: sel and\n", "condition"},
        {"  sel:\n    Image: a\n  condition: (sel\n", "expected ')'"},
        {"  sel:\n    Image: a\n  condition: 2 of sel\n", "only '1 of'"},
        {"  sel:\n    Image: a\n  condition: sel | count() > 5\n", "aggregations"},
        {"  sel:\n    Image: a\n  condition: 1 of nomatch*\n", "names no search identifier"},
        {"  sel:\n    Image: a\n", "no condition"},
        {"  sel:\n    Ip|cidr: 10.0.0.0/99\n  condition: sel\n", "bad CIDR"},
        {"  sel:\n    Pid|lt: abc\n  condition: sel\n", "not a number"},
        {"  sel:\n    Pid|exists: maybe\n  condition: sel\n", "exists needs"},
        {"  sel:\n    Image|contains|startswith: a\n  condition: sel\n", "exclude each other"},
        {"  sel:\n    Image|i: a\n  condition: sel\n", "need re"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_INT(proc_hits(bad[i].det, EV("Image=a")), -1);
        if (!strstr(last_refusal, bad[i].why))
            fprintf(stderr, "refusal %zu: got \"%s\", want \"%s\"\n", i, last_refusal, bad[i].why);
        CHECK(strstr(last_refusal, bad[i].why) != NULL);
    }
    CHECK(compile("title: x\nlogsource:\n  product: nosuch\ndetection:\n  s:\n    a: b\n  condition: s\n") ==
          NULL);
    CHECK(strstr(last_refusal, "log source not read by tocsin") != NULL);
    CHECK(compile("title: c\ncorrelation:\n  type: event_count\n") == NULL);
    CHECK(strstr(last_refusal, "correlation") != NULL);
    CHECK(compile("title: x\ndetection: [a\n") == NULL);
    CHECK(strstr(last_refusal, "YAML") != NULL);
    CHECK(compile("- just\n- a list\n") == NULL);
    CHECK(compile("a: *alias\n") == NULL);

    /* A value nested 100,000 deep is refused at its line, not walked (the rule tree is
     * built without recursion, and its depth is bounded for the code that walks it). */
    size_t deep = 100000;
    const char *head = "title: deep\nlogsource:\n  product: windows\n  category: process_creation\n"
                       "detection:\n  sel:\n    Image: ";
    char *y = malloc(strlen(head) + 2 * deep + 32);
    size_t o = strlen(head);
    memcpy(y, head, o);
    memset(y + o, '[', deep), o += deep;
    memset(y + o, ']', deep), o += deep;
    memcpy(y + o, "\n  condition: sel\n", sizeof "\n  condition: sel\n");
    CHECK(compile(y) == NULL);
    CHECK(strstr(last_refusal, "nesting deeper than 64") != NULL);
    free(y);
}

/* Log sources: routing by channel and event id, 4688's renames, Zeek datasets. */
static void test_logsources(void)
{
    const char *rule =
        "title: t\nid: r\nlogsource:\n  product: windows\n  category: process_creation\n"
        "detection:\n  sel:\n    Image|endswith: '\\whoami.exe'\n    ParentImage|endswith: '\\cmd.exe'\n"
        "  condition: sel\n";
    ts_sigma *s = compile(rule);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_INT(hits_on(s, SYSMON, 1, EV("Image=C:\\whoami.exe", "ParentImage=C:\\cmd.exe")), 1);
    /* the same fields in another Sysmon event (3: network connection) must not fire */
    CHECK_INT(hits_on(s, SYSMON, 3, EV("Image=C:\\whoami.exe", "ParentImage=C:\\cmd.exe")), 0);
    /* nor in another channel */
    CHECK_INT(hits_on(s, "Application", 1, EV("Image=C:\\whoami.exe", "ParentImage=C:\\cmd.exe")), 0);
    /* Security 4688 names them NewProcessName and ParentProcessName */
    CHECK_INT(hits_ds(s, "Security", 4688, "windows.security",
                      EV("NewProcessName=C:\\whoami.exe", "ParentProcessName=C:\\cmd.exe")),
              1);
    CHECK_INT(hits_ds(s, "Security", 4624, "windows.security",
                      EV("NewProcessName=C:\\whoami.exe", "ParentProcessName=C:\\cmd.exe")),
              0);
    /* channel names compare case-insensitively; the parent must match too */
    CHECK_INT(hits_ds(s, "security", 4688, "windows.security",
                      EV("NewProcessName=C:\\whoami.exe", "ParentProcessName=C:\\cmd.exe")),
              1);
    CHECK_INT(hits_ds(s, "Security", 4688, "windows.security",
                      EV("NewProcessName=C:\\whoami.exe", "ParentProcessName=C:\\explorer.exe")),
              0);
    ts_sigma_free(s);
    /* 4688's ProcessId is the parent's */
    s = compile("title: t\nlogsource:\n  product: windows\n  category: process_creation\n"
                "detection:\n  sel:\n    ParentProcessId: 0x1a4\n  condition: sel\n");
    CHECK(s != NULL);
    CHECK_INT(hits_ds(s, "Security", 4688, "windows.security", EV("ProcessId=0x1a4", "NewProcessId=0x2")), 1);
    CHECK_INT(hits_ds(s, "Security", 4688, "windows.security", EV("ProcessId=0x2", "NewProcessId=0x1a4")), 0);
    ts_sigma_free(s);
    s = compile("title: z\nlogsource:\n  product: zeek\n  service: dns\n"
                "detection:\n  sel:\n    query|endswith: '.evil.example'\n  condition: sel\n");
    CHECK(s != NULL);
    CHECK_INT(hits_ds(s, "", 0, "zeek.dns", EV("query=a.EVIL.example", "id.orig_h=10.0.0.1")), 1);
    CHECK_INT(hits_ds(s, "", 0, "zeek.http", EV("query=a.evil.example")), 0);
    ts_sigma_free(s);
    s = compile("title: l\nlogsource:\n  product: linux\n  service: auth\n"
                "detection:\n  keywords:\n    - 'Failed password for root'\n  condition: keywords\n");
    CHECK(s != NULL);
    CHECK_INT(hits_ds(s, "", 0, "linux.auth", EV("message=sshd[1]: Failed password for root from 1.2.3.4")),
              1);
    CHECK_INT(hits_ds(s, "", 0, "linux.syslog", EV("message=sshd[1]: Failed password for root from 1.2.3.4")),
              0);
    ts_sigma_free(s);
}

/* Short common literals are not in the matchers; rules built on them still fire. */
static void test_short_literals(void)
{
    CHECK_INT(item("CommandLine|contains: ' -e '", EV("CommandLine=nc -e sh")), 1);
    CHECK_INT(item("CommandLine|contains: ' -e '", EV("CommandLine=nc -x sh")), 0);
    const char *both =
        "  sel:\n    Image|endswith: '\\nc.exe'\n    CommandLine|contains: ' -e '\n  condition: sel\n";
    CHECK_INT(proc_hits(both, EV("Image=C:\\nc.exe", "CommandLine=nc -e sh")), 1);
    CHECK_INT(proc_hits(both, EV("Image=C:\\nx.exe", "CommandLine=nc -e sh")), 0);
    /* an empty contains holds on any value, even beside short literals of the same field */
    CHECK_INT(item("CommandLine|contains: ['zz', '']", EV("CommandLine=abc")), 1);
    CHECK_INT(item("CommandLine|contains: ['zz', '']", EV("Image=abc")), 0);
    /* a rule that only negates fires without any trigger */
    const char *neg = "  sel:\n    Image: a\n  condition: not sel\n";
    CHECK_INT(proc_hits(neg, EV("Image=b")), 1);
    CHECK_INT(proc_hits(neg, EV("Image=A")), 0);
}

/* Sigma 1.0 collections: a global document shared by the ones after it. */
static void test_multidoc(void)
{
    const char *y = "action: global\ntitle: g\nlogsource:\n  product: windows\n  category: process_creation\n"
                    "detection:\n  condition: sel\n---\nid: one\ndetection:\n  sel:\n    Image: a\n"
                    "---\nid: two\ndetection:\n  sel:\n    Image: b\n";
    check_diags dg = {0};
    int loaded = 0;
    ts_sigma *s = ts_sigma_new(LOGSOURCES, check_diag_keep, &dg);
    ts_sigma_load_text(s, "m.yml", y, strlen(y), on_status, &loaded);
    CHECK_INT(loaded, 2);
    CHECK_INT(ts_sigma_compile(s, check_diag_keep, &dg), TOCSIN_OK);
    CHECK_INT(ts_sigma_rule_count(s), 2);
    CHECK_INT(hits_on(s, SYSMON, 1, EV("Image=a")), 1);
    CHECK_INT(hits_on(s, SYSMON, 1, EV("Image=b")), 1);
    CHECK_INT(hits_on(s, SYSMON, 1, EV("Image=c")), 0);
    ts_sigma_free(s);
}

/* ---- a tree read by several threads ---- */

typedef struct status_log {
    char text[16384];
    size_t used;
    int loaded;
} status_log;

static void log_status(void *ud, const ts_sigma_status *st)
{
    status_log *l = ud;
    l->loaded += st->loaded;
    int w =
        snprintf(l->text + l->used, sizeof l->text - l->used, "%s:%llu:%s:%d:%s\n", strrchr(st->at.file, '/'),
                 (unsigned long long)st->at.line, st->id, (int)st->at.code, st->loaded ? "ok" : st->at.msg);
    if (w > 0 && (size_t)w < sizeof l->text - l->used)
        l->used += (size_t)w;
}

/* A tree of rules, broken YAML and refused rules among them, loaded by 1 and by 4 threads:
 * the same rules, reported in the same order (the walk's), and the same rule set. */
static void test_threads(void)
{
    char dir[] = "/tmp/tocsin-sigma-XXXXXX", path[128];
    check_diags dg = {0};
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/sub", dir);
    mkdir(path, 0700);
    for (int i = 0; i < 40; i++) {
        snprintf(path, sizeof path, "%s/%srule_%02d.yml", dir, i % 3 ? "" : "sub/", i);
        FILE *f = fopen(path, "w");
        if (!f)
            continue;
        if (i % 7 == 3)
            fputs("title: broken\ndetection: [unclosed\n", f);
        else
            fprintf(f,
                    "title: t%d\nid: r%d\nlogsource:\n  product: windows\n  category: process_creation\n"
                    "detection:\n  sel:\n    Image%s: x%d\n  condition: sel\n",
                    i, i, i % 5 == 1 ? "|nosuchmodifier" : "", i);
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    FILE *f = fopen(path, "w");
    if (f)
        fputs("not a rule\n", f), fclose(f);
    status_log *one = calloc(2, sizeof *one), *four = one + 1;
    ts_sigma *s1 = ts_sigma_new(LOGSOURCES, check_diag_keep, &dg),
             *s4 = ts_sigma_new(LOGSOURCES, check_diag_keep, &dg);
    CHECK(one && s1 && s4);
    if (!one || !s1 || !s4)
        return;
    ts_sigma_set_threads(s4, 4);
    CHECK_INT(ts_sigma_load_path(s1, dir, log_status, one), TOCSIN_OK);
    CHECK_INT(ts_sigma_load_path(s4, dir, log_status, four), TOCSIN_OK);
    CHECK_INT(one->loaded, 40 - 6 - 7); /* 6 broken files, 7 rules refused (31 is broken) */
    CHECK_STR(four->text, one->text);
    CHECK(strstr(one->text, "nosuchmodifier") != NULL);
    CHECK_INT(ts_sigma_compile(s1, check_diag_keep, &dg), TOCSIN_OK);
    CHECK_INT(ts_sigma_compile(s4, check_diag_keep, &dg), TOCSIN_OK);
    CHECK_INT(dg.n, 0);
    CHECK_INT(ts_sigma_rule_count(s4), ts_sigma_rule_count(s1));
    CHECK_INT(hits_on(s4, SYSMON, 1, EV("Image=x2")), 1);
    ts_sigma_free(s1), ts_sigma_free(s4);
    free(one);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

/* ---- correlation rules ---- */

typedef struct seen {
    char ids[16][64];
    int n;
} seen;

static void record_hit(void *ud, const ts_sigma_rule_info *r, const ts_event *ev)
{
    (void)ev;
    seen *x = ud;
    if (x->n < 16)
        snprintf(x->ids[x->n++], sizeof x->ids[0], "%s", r->id);
}

/* Feeds one Security event (event id, time in seconds, "k=v" fields) through sc. */
static void feed_sec(const ts_sigma *s, ts_sigma_scratch *sc, uint32_t eid, int64_t t, const char *const *kv,
                     seen *x)
{
    ts_field f[16];
    size_t n = 0;
    for (; kv[n] && n < 16; n++) {
        const char *eq = strchr(kv[n], '=');
        f[n].key = ts_str_make(kv[n], (size_t)(eq - kv[n]));
        f[n].val = ts_str_c(eq + 1);
    }
    ts_event ev;
    ts_event_clear(&ev);
    ev.channel = ts_str_c("Security");
    ev.dataset = ts_str_c("windows.security");
    ev.code = eid, ev.has_code = true;
    ev.ts_ns = t * 1000000000LL;
    ev.fields = f, ev.n_fields = n;
    ts_sigma_match(s, sc, &ev, record_hit, x);
}

static int count_id(const seen *x, const char *id)
{
    int c = 0;
    for (int i = 0; i < x->n; i++)
        c += !strcmp(x->ids[i], id);
    return c;
}

static const char base_rules[] =
    "title: failed logon\nid: fail\nname: failed_logon\nlogsource:\n  product: windows\n  service: security\n"
    "detection:\n  sel:\n    EventID: 4625\n  condition: sel\n---\n"
    "title: logon\nid: ok\nlogsource:\n  product: windows\n  service: security\n"
    "detection:\n  sel:\n    EventID: 4624\n  condition: sel\n---\n";

static ts_sigma *compile_corr(const char *corr)
{
    char yaml[4096];
    check_diags dg = {0};
    int loaded = 0;
    snprintf(yaml, sizeof yaml, "%s%s", base_rules, corr);
    ts_sigma *s = ts_sigma_new(LOGSOURCES, check_diag_keep, &dg);
    last_refusal[0] = 0;
    ts_sigma_load_text(s, "corr.yml", yaml, strlen(yaml), on_status, &loaded);
    if (loaded != 3 || ts_sigma_compile(s, check_diag_keep, &dg) != TOCSIN_OK) {
        ts_sigma_free(s);
        return NULL;
    }
    return s;
}

static void test_correlation(void)
{
    /* event_count: 3 failed logons per host within 5 minutes; the base rule stays quiet */
    ts_sigma *s = compile_corr("title: brute force\nid: bf\nlevel: high\ncorrelation:\n  type: event_count\n"
                               "  rules: [failed_logon]\n  group-by: [Computer]\n  timespan: 5m\n"
                               "  condition:\n    gte: 3\n");
    CHECK(s != NULL);
    if (s) {
        ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
        seen x = {0};
        feed_sec(s, sc, 4625, 0, EV("EventID=4625", "Computer=a"), &x);
        feed_sec(s, sc, 4625, 10, EV("EventID=4625", "Computer=b"), &x);
        feed_sec(s, sc, 4625, 20, EV("EventID=4625", "Computer=a"), &x);
        CHECK_INT(count_id(&x, "bf"), 0);
        feed_sec(s, sc, 4625, 30, EV("EventID=4625", "Computer=a"), &x);
        CHECK_INT(count_id(&x, "bf"), 1);
        CHECK_INT(count_id(&x, "fail"), 0);
        /* outside the timespan the count starts again */
        feed_sec(s, sc, 4625, 1000, EV("EventID=4625", "Computer=b"), &x);
        feed_sec(s, sc, 4625, 1400, EV("EventID=4625", "Computer=b"), &x);
        feed_sec(s, sc, 4625, 1800, EV("EventID=4625", "Computer=b"), &x);
        CHECK_INT(count_id(&x, "bf"), 1);
        CHECK_INT(count_id(&x, "ok"), 0);
        feed_sec(s, sc, 4624, 1900, EV("EventID=4624", "Computer=b"), &x);
        CHECK_INT(count_id(&x, "ok"), 1);
        ts_sigma_scratch_free(sc);
        ts_sigma_free(s);
    }
    /* value_count: 3 distinct users failing from one address */
    s = compile_corr("title: spray\nid: spray\ncorrelation:\n  type: value_count\n  rules: [fail]\n"
                     "  group-by: [IpAddress]\n  timespan: 1h\n  generate: true\n  condition:\n    field: "
                     "TargetUserName\n    gte: 3\n");
    CHECK(s != NULL);
    if (s) {
        ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
        seen x = {0};
        feed_sec(s, sc, 4625, 0, EV("EventID=4625", "IpAddress=1.2.3.4", "TargetUserName=u1"), &x);
        feed_sec(s, sc, 4625, 1, EV("EventID=4625", "IpAddress=1.2.3.4", "TargetUserName=u1"), &x);
        feed_sec(s, sc, 4625, 2, EV("EventID=4625", "IpAddress=1.2.3.4", "TargetUserName=u2"), &x);
        CHECK_INT(count_id(&x, "spray"), 0);
        feed_sec(s, sc, 4625, 3, EV("EventID=4625", "IpAddress=1.2.3.4", "TargetUserName=u3"), &x);
        CHECK_INT(count_id(&x, "spray"), 1);
        CHECK_INT(count_id(&x, "fail"), 4); /* generate: true */
        ts_sigma_scratch_free(sc);
        ts_sigma_free(s);
    }
    /* temporal and temporal_ordered: a failure then a success for one user */
    static const char *types[] = {"temporal", "temporal_ordered"};
    for (int t = 0; t < 2; t++) {
        char corr[512];
        snprintf(corr, sizeof corr,
                 "title: then\nid: then\ncorrelation:\n  type: %s\n  rules: [fail, ok]\n  group-by: "
                 "[TargetUserName]\n"
                 "  timespan: 10m\n",
                 types[t]);
        s = compile_corr(corr);
        CHECK(s != NULL);
        if (!s)
            continue;
        ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
        seen x = {0};
        feed_sec(s, sc, 4624, 0, EV("EventID=4624", "TargetUserName=bob"), &x);
        feed_sec(s, sc, 4625, 60, EV("EventID=4625", "TargetUserName=bob"), &x);
        /* success before failure: temporal fires, temporal_ordered waits */
        CHECK_INT(count_id(&x, "then"), t == 0 ? 1 : 0);
        feed_sec(s, sc, 4624, 120, EV("EventID=4624", "TargetUserName=bob"), &x);
        CHECK_INT(count_id(&x, "then"), 1);
        feed_sec(s, sc, 4625, 200, EV("EventID=4625", "TargetUserName=eve"), &x);
        feed_sec(s, sc, 4624, 2000, EV("EventID=4624", "TargetUserName=eve"), &x); /* too late */
        CHECK_INT(count_id(&x, "then"), 1);
        ts_sigma_scratch_free(sc);
        ts_sigma_free(s);
    }
    /* value_sum and value_avg of a numeric field */
    static const char *vt[] = {"value_sum", "value_avg"};
    for (int t = 0; t < 2; t++) {
        char corr[512];
        snprintf(
            corr, sizeof corr,
            "title: big\nid: big\ncorrelation:\n  type: %s\n  rules: [ok]\n  group-by: [TargetUserName]\n"
            "  timespan: 1h\n  condition:\n    field: Bytes\n    gt: 1000\n",
            vt[t]);
        s = compile_corr(corr);
        CHECK(s != NULL);
        if (!s)
            continue;
        ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
        seen x = {0};
        feed_sec(s, sc, 4624, 0, EV("EventID=4624", "TargetUserName=bob", "Bytes=600"), &x);
        feed_sec(s, sc, 4624, 1, EV("EventID=4624", "TargetUserName=bob", "Bytes=x"), &x);
        CHECK_INT(count_id(&x, "big"), 0);
        feed_sec(s, sc, 4624, 2, EV("EventID=4624", "TargetUserName=bob", "Bytes=500"), &x);
        CHECK_INT(count_id(&x, "big"), t == 0 ? 1 : 0); /* sum 1100 > 1000; average 550 */
        feed_sec(s, sc, 4624, 3, EV("EventID=4624", "TargetUserName=eve", "Bytes=1500"), &x);
        CHECK_INT(count_id(&x, "big"), t == 0 ? 2 : 1);
        ts_sigma_scratch_free(sc);
        ts_sigma_free(s);
    }
    /* refusals */
    CHECK(compile_corr("title: x\ncorrelation:\n  type: value_percentile\n  rules: [fail]\n  timespan: 1h\n"
                       "  condition:\n    lte: 1\n") == NULL);
    CHECK(strstr(last_refusal, "need a condition field") != NULL);
    CHECK(compile_corr("title: x\ncorrelation:\n  type: value_sum\n  rules: [fail]\n  timespan: 1h\n"
                       "  condition:\n    gt: 2\n") == NULL);
    CHECK(strstr(last_refusal, "need a condition field") != NULL);
    CHECK(compile_corr("title: x\ncorrelation:\n  type: event_count\n  rules: [fail]\n  timespan: 1y\n"
                       "  condition:\n    gte: 2\n") == NULL);
    CHECK(strstr(last_refusal, "timespan") != NULL);
    CHECK(compile_corr("title: x\ncorrelation:\n  type: event_count\n  rules: [fail]\n  timespan: 1h\n") ==
          NULL);
    CHECK(strstr(last_refusal, "no condition") != NULL);
    /* a correlation naming an unknown rule stays idle; its rules still alert */
    s = compile_corr(
        "title: x\nid: idle\ncorrelation:\n  type: event_count\n  rules: [nosuch]\n  timespan: 1h\n"
        "  condition:\n    gte: 1\n");
    CHECK(s != NULL);
    if (s) {
        ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
        seen x = {0};
        feed_sec(s, sc, 4625, 0, EV("EventID=4625"), &x);
        CHECK_INT(count_id(&x, "fail"), 1);
        CHECK_INT(count_id(&x, "idle"), 0);
        ts_sigma_scratch_free(sc);
        ts_sigma_free(s);
    }
}

/* ---- coverage ---- */

typedef struct covered {
    char why[4][160];
    int could[4];
    int n;
} covered;

static void on_cover(void *ud, const ts_sigma_rule_info *r, bool could_fire, const char *why)
{
    (void)r;
    covered *c = ud;
    if (c->n < 4) {
        c->could[c->n] = could_fire;
        snprintf(c->why[c->n], sizeof c->why[0], "%s", why ? why : "");
        c->n++;
    }
}

static void test_coverage(void)
{
    const char *y = "title: a\nid: a\nlogsource:\n  product: windows\n  category: process_creation\n"
                    "detection:\n  sel:\n    Image|endswith: '\\x.exe'\n    CommandLine|contains: 'evil'\n"
                    "  condition: sel\n---\n"
                    "title: b\nid: b\nlogsource:\n  product: windows\n  category: process_creation\n"
                    "detection:\n  sel:\n    Company: c\n  condition: not sel\n---\n"
                    "title: c\nid: c\nlogsource:\n  product: windows\n  service: security\n"
                    "detection:\n  sel:\n    EventID: 4624\n  condition: sel\n";
    check_diags dg = {0};
    int loaded = 0;
    ts_sigma *s = ts_sigma_new(LOGSOURCES, check_diag_keep, &dg);
    ts_sigma_load_text(s, "cov.yml", y, strlen(y), on_status, &loaded);
    CHECK_INT(loaded, 3);
    CHECK_INT(ts_sigma_compile(s, check_diag_keep, &dg), TOCSIN_OK);
    ts_sigma_coverage *c = ts_sigma_coverage_new(s);
    ts_field f[2] = {{TS_STR_LIT("Image"), TS_STR_LIT("C:\\a.exe")},
                     {TS_STR_LIT("CommandLine"), TS_STR_LIT("a")}};
    ts_event ev;
    ts_event_clear(&ev);
    ev.channel = ts_str_c(SYSMON);
    ev.code = 1, ev.has_code = true;
    ev.fields = f, ev.n_fields = 1;
    ts_sigma_coverage_event(c, &ev);
    covered r = {0};
    ts_sigma_coverage_report(c, on_cover, &r);
    CHECK_INT(r.n, 3);
    CHECK_INT(r.could[0], 0);
    CHECK(strstr(r.why[0], "CommandLine") != NULL);
    CHECK_INT(r.could[1], 1); /* a negation needs no field */
    CHECK_INT(r.could[2], 0);
    CHECK(strstr(r.why[2], "no events of its log source") != NULL);
    ev.n_fields = 2;
    ts_sigma_coverage_event(c, &ev);
    r = (covered){0};
    ts_sigma_coverage_report(c, on_cover, &r);
    CHECK_INT(r.could[0], 1);
    /* the same fields in another Sysmon event do not count */
    ts_sigma_coverage_free(c);
    c = ts_sigma_coverage_new(s);
    ev.code = 3;
    ts_sigma_coverage_event(c, &ev);
    r = (covered){0};
    ts_sigma_coverage_report(c, on_cover, &r);
    CHECK_INT(r.could[0], 0);
    ts_sigma_coverage_free(c);
    ts_sigma_free(s);
}

/* ---- filter rules ---- */

static void test_filters(void)
{
    const char *y =
        "title: r\nid: r1\nname: rar\nlogsource:\n  product: windows\n  category: process_creation\n"
        "detection:\n  sel:\n    Image|endswith: '\\rar.exe'\n  condition: sel\n---\n"
        "title: other\nid: r2\nlogsource:\n  product: windows\n  category: process_creation\n"
        "detection:\n  sel:\n    Image|endswith: '\\zip.exe'\n  condition: sel\n---\n"
        "title: Filter admins\nlogsource:\n  product: windows\n  category: process_creation\n"
        "filter:\n  rules:\n    - rar\n  selection:\n    User|startswith: 'adm_'\n  condition: selection\n";
    check_diags dg = {0};
    int loaded = 0;
    ts_sigma *s = ts_sigma_new(LOGSOURCES, check_diag_keep, &dg);
    ts_sigma_load_text(s, "f.yml", y, strlen(y), on_status, &loaded);
    CHECK_INT(loaded, 3);
    CHECK_INT(ts_sigma_compile(s, check_diag_keep, &dg), TOCSIN_OK);
    CHECK_INT(ts_sigma_filters_failed(s), 0);
    CHECK_INT(hits_on(s, SYSMON, 1, EV("Image=C:\\rar.exe", "User=bob")), 1);
    CHECK_INT(hits_on(s, SYSMON, 1, EV("Image=C:\\rar.exe", "User=adm_bob")), 0);
    CHECK_INT(hits_on(s, SYSMON, 1, EV("Image=C:\\zip.exe", "User=adm_bob")), 1); /* not named */
    ts_sigma_free(s);
    CHECK(compile("title: f\nlogsource:\n  product: windows\nfilter:\n  selection:\n    a: b\n  condition: "
                  "selection\n") == NULL);
    CHECK(strstr(last_refusal, "filter: rules") != NULL);
    CHECK(compile("title: f\nlogsource:\n  product: windows\nfilter:\n  rules: [x]\n  selection:\n    a: b\n"
                  "  condition: selection and\n") == NULL);
    CHECK(strstr(last_refusal, "condition") != NULL);
}

/* ---- Sigma's regression suite over the whole SigmaHQ rule set ---- */

#define MAX_REASONS 64

typedef struct tally {
    int loaded, refused;
    char reason[MAX_REASONS][96];
    char example[MAX_REASONS][160];
    int count[MAX_REASONS];
    size_t n;
} tally;

/* Refusals grouped by reason, up to the first digit or quote (so log sources group). */
static void on_tree_status(void *ud, const ts_sigma_status *st)
{
    tally *t = ud;
    if (st->loaded) {
        t->loaded++;
        return;
    }
    t->refused++;
    char key[96];
    size_t k = 0;
    for (const char *p = st->at.msg; *p && k + 1 < sizeof key && *p != '\'' && strncmp(p, "line", 4); p++)
        key[k++] = *p;
    key[k] = 0;
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->reason[i], key)) {
            t->count[i]++;
            return;
        }
    if (t->n < MAX_REASONS) {
        snprintf(t->reason[t->n], sizeof t->reason[0], "%s", key);
        const char *base = strstr(st->at.file, "/sigma/");
        snprintf(t->example[t->n], sizeof t->example[0], "%s", base ? base + 7 : st->at.file);
        t->count[t->n++] = 1;
    }
}

typedef struct run {
    const char *want_id;
    int hits, events;
    uint64_t hit_record[8]; /* EVTX record numbers of the first hits, to show on a miss */
} run;

static void on_hit(void *ud, const ts_sigma_rule_info *r, const ts_event *ev)
{
    run *x = ud;
    if (strcmp(r->id, x->want_id))
        return;
    if (x->hits < 8)
        x->hit_record[x->hits] = ev->record;
    x->hits++;
}

typedef struct feed {
    const ts_sigma *s;
    ts_sigma_scratch *sc;
    run *x;
} feed;

static void on_event(void *ud, ts_event *ev)
{
    feed *f = ud;
    f->x->events++;
    ts_sigma_match(f->s, f->sc, ev, on_hit, f->x);
}

static void on_error(void *ud, const ts_diag *dg)
{
    (void)ud, (void)dg;
}

static bool read_evtx(const char *path, feed *f)
{
    ts_input *in;
    char err[256];
    ts_scratch scr;
    if (ts_input_open(path, &in, err, sizeof err) != TOCSIN_OK || ts_scratch_init(&scr) != TOCSIN_OK)
        return false;
    ts_sink sink = {on_event, on_error, f};
    ts_reader_find("evtx")->read(in, &scr, &sink);
    ts_input_close(in);
    ts_scratch_free(&scr);
    return true;
}

static void test_regression(void)
{
    const char *d = shared_data("sigma regression suite");
    if (!d)
        return;
    char path[4096];
    check_diags dg = {0};
    ts_sigma *s = ts_sigma_new(LOGSOURCES, check_diag_keep, &dg);
    CHECK(s != NULL);
    if (!s)
        return;
    static const char *trees[] = {"rules", "rules-emerging-threats", "rules-threat-hunting"};
    for (size_t i = 0; i < 3; i++) {
        tally t = {0};
        snprintf(path, sizeof path, "%s/sigma/%s", d, trees[i]);
        CHECK_INT(ts_sigma_load_path(s, path, on_tree_status, &t), TOCSIN_OK);
        printf("sigma %s: %d loaded, %d refused\n", trees[i], t.loaded, t.refused);
        for (size_t r = 0; r < t.n; r++)
            printf("  %5d %s%s%s\n", t.count[r], t.reason[r],
                   strncmp(t.reason[r], "log source", 10) ? " e.g. " : "",
                   strncmp(t.reason[r], "log source", 10) ? t.example[r] : "");
        CHECK(t.loaded > 0);
    }
    CHECK_INT(ts_sigma_compile(s, check_diag_keep, &dg), TOCSIN_OK);
    ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
    CHECK(sc != NULL);
    snprintf(path, sizeof path, "%s/sigma/regression_index.tsv", d);
    FILE *idx = fopen(path, "r");
    CHECK(idx != NULL);
    char line[4096];
    int total = 0, ok = 0, fired = 0;
    while (idx && sc && fgets(line, sizeof line, idx)) {
        char *col[6] = {0};
        size_t nc = 0;
        line[strcspn(line, "\r\n")] = 0;
        for (char *p = line; nc < 6; nc++) {
            col[nc] = p;
            char *tab = strchr(p, '\t');
            if (!tab) {
                nc++;
                break;
            }
            *tab = 0;
            p = tab + 1;
        }
        if (nc < 5 || !strcmp(col[0], "rule_id"))
            continue;
        int want = nc == 6 && col[5][0] ? (int)strtol(col[5], NULL, 10) : -1;
        run x = {col[0], 0, 0, {0}};
        feed f = {s, sc, &x};
        snprintf(path, sizeof path, "%s/sigma/%s", d, col[3]);
        total++;
        if (!read_evtx(path, &f)) {
            printf("  miss %s (%s): cannot read %s\n", col[0], col[1], col[3]);
            continue;
        }
        fired += x.hits > 0;
        if ((want < 0 && x.hits > 0) || x.hits == want)
            ok++;
        else {
            printf("  miss %s %s: %d hits over %d events, want %s; evtx records", col[0], col[1], x.hits,
                   x.events, want < 0 ? ">0" : col[5]);
            for (int h = 0; h < x.hits && h < 8; h++)
                printf(" %llu", (unsigned long long)x.hit_record[h]);
            printf("\n");
        }
    }
    if (idx)
        fclose(idx);
    printf("sigma regression: %d of %d (%.1f%%) with match_count as an exact count\n", ok, total,
           total ? 100.0 * ok / total : 0.0);
    /* SigmaHQ's own runner (tests/regression_tests_runner.py) asks only that the rule fire on its
     * evtx; it never reads match_count. The four files whose match_count tocsin exceeds hold more
     * events that the rule matches by the specification than the count says (e.g. procdump.exe,
     * procdump64.exe and procdump64a.exe written for a rule listing all three), so tocsin is held
     * to the exact count for at least 90% and to SigmaHQ's own criterion for every file. */
    printf("sigma regression: %d of %d fire, SigmaHQ's own criterion\n", fired, total);
    CHECK(total > 0 && ok * 100 >= total * 90);
    CHECK_INT(fired, total);
    ts_sigma_scratch_free(sc);
    ts_sigma_free(s);
}

int main(void)
{
    test_strings();
    test_generic_modifiers();
    test_string_modifiers();
    test_number_time_ip();
    test_fieldref_null();
    test_expand();
    test_keywords();
    test_conditions();
    test_refusals();
    test_logsources();
    test_short_literals();
    test_multidoc();
    test_threads();
    test_correlation();
    test_coverage();
    test_filters();
    test_regression();
    return check_done("test_sigma");
}
