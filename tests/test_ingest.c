/* test_ingest.c: the input layer, the JSON walker and every reader, on fixtures written for
 * these tests (tests/data/ingest) and on the real public data beside the project. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <unistd.h>
#include <utime.h>
#include <zlib.h>

#include "check.h"
#include "core/input.h"
#include "core/json.h"
#include "ingest/ingest.h"

#define FIX "tests/data/ingest/"
#define MAXREC 64
#define S 256

/* A copy of what the tests look at in one event (events only live during the callback). */
typedef struct rec {
    int64_t ts;
    char dataset[S], action[S], user[S], user_domain[S], domain[S], url[S], ua[S], file[S];
    char md5[S], sha1[S], sha256[S], mail_from[S], mail_to0[S], mail_to1[S], subject[S];
    char msgid[S], process[S], cmd[S], parent[S], rule[S], host[S], src_host[S], channel[S];
    char provider[S], transport[S], protocol[S], src[64], dst[64], fields[2048];
    uint32_t category, type, code;
    bool has_code;
    int outcome, logon_type, n_mail_to;
    uint16_t sport, dport;
    uint64_t bytes_out, bytes_in, line, record;
    size_t n_fields;
} rec;

typedef struct errrec {
    char file[S], msg[S];
    uint64_t line;
    tocsin_code code;
} errrec;

typedef struct got {
    rec r[MAXREC];
    size_t n, nerr;
    errrec e[16];
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
    cp(r->ua, ev->user_agent), cp(r->file, ev->file_path), cp(r->md5, ev->md5);
    cp(r->sha1, ev->sha1), cp(r->sha256, ev->sha256), cp(r->mail_from, ev->mail_from);
    cp(r->mail_to0, ev->mail_to[0]), cp(r->mail_to1, ev->mail_to[1]);
    cp(r->subject, ev->mail_subject), cp(r->msgid, ev->mail_msgid), cp(r->process, ev->process);
    cp(r->cmd, ev->command_line), cp(r->parent, ev->parent_process), cp(r->rule, ev->rule_name);
    cp(r->host, ev->host), cp(r->src_host, ev->src_host), cp(r->channel, ev->channel);
    cp(r->provider, ev->provider), cp(r->transport, ev->transport), cp(r->protocol, ev->protocol);
    ts_ip_format(&ev->src_ip, r->src);
    ts_ip_format(&ev->dst_ip, r->dst);
    r->category = ev->category, r->type = ev->type, r->code = ev->code, r->has_code = ev->has_code;
    r->outcome = ev->outcome, r->logon_type = ev->logon_type, r->n_mail_to = ev->n_mail_to;
    r->sport = ev->src_port, r->dport = ev->dst_port;
    r->bytes_out = ev->bytes_out, r->bytes_in = ev->bytes_in;
    r->line = ev->line, r->record = ev->record, r->n_fields = ev->n_fields;
    size_t o = 0;
    for (size_t i = 0; i < ev->n_fields && o < sizeof r->fields; i++) {
        int k = snprintf(r->fields + o, sizeof r->fields - o, "%.*s=%.*s\n", (int)ev->fields[i].key.n,
                         ev->fields[i].key.p, (int)ev->fields[i].val.n, ev->fields[i].val.p);
        if (k < 0)
            break;
        o += (size_t)k;
    }
    CHECK(ev->file != NULL);
}

static void on_error(void *ud, const ts_diag *dg)
{
    got *g = ud;
    if (g->nerr < 16) {
        errrec *e = &g->e[g->nerr];
        snprintf(e->file, sizeof e->file, "%s", dg->file ? dg->file : "");
        snprintf(e->msg, sizeof e->msg, "%s", dg->msg ? dg->msg : "");
        e->line = dg->line;
        e->code = dg->code;
    }
    g->nerr++;
}

static ts_scratch scratch;

/* Detects and reads path into g; returns the reader's name ("" if none detected). */
static const char *read_file(const char *path, got *g)
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
    if (r) {
        ts_sink sink = {on_event, on_error, g};
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

/* ---- fixtures written at run time (gzip, huge lines, mtimes) ---- */

static char tmpdir[64];

static void tmp_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", tmpdir, name);
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        CHECK(fwrite(p, 1, n, f) == n);
        fclose(f);
    }
}

static void write_gz_member(const char *path, const char *mode, const char *text)
{
    gzFile z = gzopen(path, mode);
    CHECK(z != NULL);
    if (z) {
        CHECK(gzwrite(z, text, (unsigned)strlen(text)) == (int)strlen(text));
        gzclose(z);
    }
}

static size_t slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* ---- the JSON walker ---- */

typedef struct leafs {
    char out[1024];
    size_t o;
} leafs;

static int leaf_cb(void *ud, const char *path, size_t plen, ts_json_type t, const char *v, size_t vn)
{
    leafs *l = ud;
    int k =
        snprintf(l->out + l->o, sizeof l->out - l->o, "%.*s:%d:%.*s|", (int)plen, path, (int)t, (int)vn, v);
    if (k > 0 && (size_t)k < sizeof l->out - l->o)
        l->o += (size_t)k;
    return 0;
}

static tocsin_code walk(ts_json *j, const char *doc, leafs *l, char *err)
{
    char buf[512];
    size_t n = strlen(doc);
    memcpy(buf, doc, n);
    memset(buf + n, 0, TS_JSON_PAD);
    memset(l, 0, sizeof *l);
    const char *why = NULL;
    tocsin_code rc = ts_json_walk(j, buf, n, leaf_cb, l, &why);
    CHECK(why && (rc == TOCSIN_OK) == (why[0] == 0)); /* a reason exactly when it fails */
    snprintf(err, 128, "%s", why ? why : "");
    return rc;
}

static void test_json_walk(void)
{
    ts_json *j = ts_json_new();
    leafs l;
    char err[128];
    CHECK_INT(
        walk(j, "{\"a\":1 ,\"b\":{\"c\":\"x\\ty\",\"d\":[1,{\"e\":true}]},\"f\":null,\"g\":-2.5e3}", &l, err),
        TOCSIN_OK);
    CHECK_STR(l.out, "a:2:1|b.c:1:x\ty|b.d:2:1|b.d.e:3:true|f:5:null|g:2:-2.5e3|");
    CHECK_INT(walk(j, "[1,2]", &l, err), TOCSIN_E_PARSE);
    CHECK(strstr(err, "not a JSON object") != NULL);
    CHECK_INT(walk(j, "{\"a\":1} {\"b\":2}", &l, err), TOCSIN_E_PARSE);
    CHECK_INT(walk(j, "{\"a\":tru}", &l, err), TOCSIN_E_PARSE);
    CHECK_INT(walk(j, "{\"a\":\"\xc3\x28\"}", &l, err), TOCSIN_E_PARSE);
    CHECK_INT(walk(j, "{\"a\":", &l, err), TOCSIN_E_PARSE);
    CHECK_INT(walk(j, "", &l, err), TOCSIN_E_PARSE);
    CHECK_INT(walk(j, "{\"k\\u00e9y\":{\"x\":\"\\u00e9\"}}", &l, err), TOCSIN_OK);
    CHECK_STR(l.out, "k\xc3\xa9y.x:1:\xc3\xa9|");
    /* Escaped quotes and backslashes take the unescaping path; plain text is lent. */
    CHECK_INT(walk(j, "{\"a\\\"b\":{\"c\":\"d\\\"e\"},\"f\":\"g\\\\\",\"\":\"\"}", &l, err), TOCSIN_OK);
    CHECK_STR(l.out, "a\"b.c:1:d\"e|f:1:g\\|:1:|");
    /* Keys and strings of 0 to 19 bytes, an escape (if any) at every offset: the scan for
       the closing quote goes eight bytes a step and must stop at the right one. */
    for (size_t len = 0; len < 20; len++)
        for (size_t esc = 0; esc <= len; esc++) {
            char doc[128], want[128], text[32], raw[40];
            size_t r = 0;
            for (size_t i = 0; i < len; i++) {
                if (i == esc && esc < len)
                    raw[r++] = '\\', raw[r++] = 'n';
                else
                    raw[r++] = (char)('a' + i);
                text[i] = i == esc ? '\n' : (char)('a' + i);
            }
            snprintf(doc, sizeof doc, "{\"%.*s\":\"%.*s\" , \"z\":\"%.*s\"}", (int)r, raw, (int)r, raw,
                     (int)r, raw);
            snprintf(want, sizeof want, "%.*s:1:%.*s|z:1:%.*s|", (int)len, text, (int)len, text, (int)len,
                     text);
            CHECK_INT(walk(j, doc, &l, err), TOCSIN_OK);
            CHECK_STR(l.out, want);
        }
    ts_json_free(j);
}

/* ---- input ---- */

static void test_input_lines(void)
{
    char path[128], big[128];
    tmp_path(path, sizeof path, "lines.txt");
    write_file(path, "a\r\n\nbb\nlast", 11);
    ts_input *in;
    char err[256];
    const char *l;
    size_t n;
    CHECK_INT(ts_input_open(path, &in, err, sizeof err), TOCSIN_OK);
    CHECK_INT(ts_input_line(in, &l, &n), TOCSIN_OK);
    CHECK(n == 1 && l[0] == 'a');
    CHECK_INT(ts_input_line(in, &l, &n), TOCSIN_OK);
    CHECK(l && n == 0);
    CHECK_INT(ts_input_line(in, &l, &n), TOCSIN_OK);
    CHECK(n == 2 && memcmp(l, "bb", 2) == 0);
    CHECK_INT(ts_input_lineno(in), 3);
    CHECK_INT(ts_input_line(in, &l, &n), TOCSIN_OK);
    CHECK(n == 4 && memcmp(l, "last", 4) == 0);
    CHECK_INT(ts_input_line(in, &l, &n), TOCSIN_OK);
    CHECK(l == NULL);
    ts_input_close(in);

    /* A 10 MB line between two short ones: reported once, skipped, reading goes on. */
    tmp_path(big, sizeof big, "big.txt");
    size_t bn = 10u << 20;
    char *b = malloc(bn + 16);
    memcpy(b, "first\n", 6);
    memset(b + 6, 'x', bn);
    memcpy(b + 6 + bn, "\nthird\n", 7);
    write_file(big, b, bn + 13);
    free(b);
    CHECK_INT(ts_input_open(big, &in, err, sizeof err), TOCSIN_OK);
    CHECK_INT(ts_input_line(in, &l, &n), TOCSIN_OK);
    CHECK_INT(ts_input_line(in, &l, &n), TOCSIN_E_TOOLONG);
    CHECK_INT(ts_input_lineno(in), 2);
    CHECK(strstr(ts_input_error(in), "limit") != NULL);
    CHECK_INT(ts_input_line(in, &l, &n), TOCSIN_OK);
    CHECK(l && n == 5 && memcmp(l, "third", 5) == 0);
    CHECK_INT(ts_input_lineno(in), 3);
    ts_input_close(in);

    /* A small file starts with small buffers: a 300 KB line in a 300 KB file, and the same
       gzipped (a few hundred bytes that inflate past every first buffer), come out whole. */
    size_t mn = 300u << 10;
    char *m = malloc(mn + 16);
    memcpy(m, "a\n", 2);
    memset(m + 2, 'y', mn);
    memcpy(m + 2 + mn, "\nz\n", 3);
    m[mn + 5] = 0;
    char mid[128], midgz[128];
    tmp_path(mid, sizeof mid, "mid.txt");
    write_file(mid, m, mn + 5);
    tmp_path(midgz, sizeof midgz, "mid.txt.gz");
    write_gz_member(midgz, "wb", m);
    free(m);
    for (int z = 0; z < 2; z++) {
        CHECK_INT(ts_input_open(z ? midgz : mid, &in, err, sizeof err), TOCSIN_OK);
        CHECK_INT(ts_input_line(in, &l, &n), TOCSIN_OK);
        CHECK(l && n == 1 && l[0] == 'a');
        CHECK_INT(ts_input_line(in, &l, &n), TOCSIN_OK);
        CHECK(l && n == mn && l[0] == 'y' && l[mn - 1] == 'y');
        CHECK_INT(ts_input_line(in, &l, &n), TOCSIN_OK);
        CHECK(l && n == 1 && l[0] == 'z');
        CHECK_INT(ts_input_line(in, &l, &n), TOCSIN_OK);
        CHECK(l == NULL);
        ts_input_close(in);
    }

    CHECK_INT(ts_input_open("tests/data/ingest/no-such-file", &in, err, sizeof err), TOCSIN_E_IO);
    CHECK(strstr(err, "no-such-file") != NULL);
}

static void test_input_gzip(void)
{
    char path[128], cut[128];
    tmp_path(path, sizeof path, "multi.log.gz");
    write_gz_member(path, "wb", "one\ntw");
    write_gz_member(path, "ab", "o\nthree\n"); /* a second member continues the line */
    ts_input *in;
    char err[256];
    const char *l, *head;
    size_t n;
    CHECK_INT(ts_input_open(path, &in, err, sizeof err), TOCSIN_OK);
    CHECK_INT(ts_input_peek(in, &head), 14);
    CHECK(memcmp(head, "one\ntwo\nthree\n", 14) == 0);
    CHECK_INT(ts_input_line(in, &l, &n), TOCSIN_OK);
    CHECK_INT(ts_input_line(in, &l, &n), TOCSIN_OK);
    CHECK(n == 3 && memcmp(l, "two", 3) == 0);
    CHECK_INT(ts_input_line(in, &l, &n), TOCSIN_OK);
    CHECK(n == 5 && memcmp(l, "three", 5) == 0);
    CHECK_INT(ts_input_line(in, &l, &n), TOCSIN_OK);
    CHECK(l == NULL);
    ts_input_close(in);

    /* Truncated: the complete lines come out, then a clear error. */
    static char buf[1 << 16], text[8000];
    for (int i = 0; i < 200; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "line %03d of the log\n", i);
    tmp_path(path, sizeof path, "whole.gz");
    write_gz_member(path, "wb", text);
    size_t gn = slurp(path, buf, sizeof buf);
    tmp_path(cut, sizeof cut, "cut.log.gz");
    write_file(cut, buf, gn - 12);
    CHECK_INT(ts_input_open(cut, &in, err, sizeof err), TOCSIN_OK);
    tocsin_code rc;
    int lines = 0;
    while ((rc = ts_input_line(in, &l, &n)) == TOCSIN_OK && l)
        lines++;
    CHECK_INT(rc, TOCSIN_E_TRUNCATED);
    CHECK(lines > 150 && lines < 200);
    CHECK(strstr(ts_input_error(in), "truncated") != NULL);
    ts_input_close(in);

    /* Through a reader: the error reaches the sink with the file's name. */
    char zp[128];
    tmp_path(zp, sizeof zp, "trunc.json.gz");
    write_gz_member(zp, "wb", "");
    {
        FILE *src = fopen(FIX "zeek.json", "rb");
        static char zj[4096];
        size_t zn = src ? fread(zj, 1, sizeof zj - 1, src) : 0;
        if (src)
            fclose(src);
        zj[zn] = '\0';
        write_gz_member(zp, "wb", zj);
        gn = slurp(zp, buf, sizeof buf);
        write_file(zp, buf, gn - 20);
    }
    got g;
    CHECK_STR(read_file(zp, &g), "zeek-json");
    CHECK(g.n >= 5);
    CHECK(g.nerr >= 1);
    CHECK_INT(g.e[g.nerr - 1].code, TOCSIN_E_TRUNCATED);
    CHECK_STR(g.e[g.nerr - 1].file, zp);
}

static void test_json_elements(void)
{
    char path[128];
    tmp_path(path, sizeof path, "arr.json");
    const char *doc = "[\n {\"a\":\"],}\\\"\"},\n\n {\"b\":[1,2]} , 3 ,\"s\"\n]\n";
    write_file(path, doc, strlen(doc));
    ts_input *in;
    char err[256];
    const char *e;
    size_t n;
    CHECK_INT(ts_input_open(path, &in, err, sizeof err), TOCSIN_OK);
    CHECK_INT(ts_input_json_element(in, &e, &n), TOCSIN_OK);
    CHECK(n == 13 && memcmp(e, "{\"a\":\"],}\\\"\"}", 13) == 0);
    CHECK_INT(ts_input_lineno(in), 2);
    CHECK_INT(ts_input_json_element(in, &e, &n), TOCSIN_OK);
    CHECK(n == 11 && memcmp(e, "{\"b\":[1,2]}", 11) == 0);
    CHECK_INT(ts_input_lineno(in), 4);
    CHECK_INT(ts_input_json_element(in, &e, &n), TOCSIN_OK);
    CHECK(n == 1 && e[0] == '3');
    CHECK_INT(ts_input_json_element(in, &e, &n), TOCSIN_OK);
    CHECK(n == 3 && memcmp(e, "\"s\"", 3) == 0);
    CHECK_INT(ts_input_json_element(in, &e, &n), TOCSIN_OK);
    CHECK(e == NULL);
    ts_input_close(in);

    write_file(path, "{\"a\":1}", 7);
    CHECK_INT(ts_input_open(path, &in, err, sizeof err), TOCSIN_OK);
    CHECK_INT(ts_input_json_element(in, &e, &n), TOCSIN_E_PARSE);
    ts_input_close(in);
    /* An element over the limit is dropped whole; the next one is read. */
    size_t bn = 5u << 20;
    char *b = malloc(bn + 64);
    memcpy(b, "[{\"big\":\"", 9);
    memset(b + 9, 'y', bn);
    memcpy(b + 9 + bn, "\"},\n{\"n\":[1,\"]\"]}]", 18);
    write_file(path, b, bn + 27);
    free(b);
    CHECK_INT(ts_input_open(path, &in, err, sizeof err), TOCSIN_OK);
    CHECK_INT(ts_input_json_element(in, &e, &n), TOCSIN_E_TOOLONG);
    CHECK_INT(ts_input_json_element(in, &e, &n), TOCSIN_OK);
    CHECK(n == 13 && memcmp(e, "{\"n\":[1,\"]\"]}", 13) == 0);
    CHECK_INT(ts_input_lineno(in), 2);
    CHECK_INT(ts_input_json_element(in, &e, &n), TOCSIN_OK);
    CHECK(e == NULL);
    ts_input_close(in);

    write_file(path, "[{\"a\":1}}, {\"b\":2}]", 19); /* a stray '}' (found by the fuzzer: it looped) */
    CHECK_INT(ts_input_open(path, &in, err, sizeof err), TOCSIN_OK);
    CHECK_INT(ts_input_json_element(in, &e, &n), TOCSIN_OK);
    CHECK_INT(ts_input_json_element(in, &e, &n), TOCSIN_E_PARSE);
    ts_input_close(in);
    write_file(path, "[{\"a\":1},{\"b\":", 14);
    CHECK_INT(ts_input_open(path, &in, err, sizeof err), TOCSIN_OK);
    CHECK_INT(ts_input_json_element(in, &e, &n), TOCSIN_OK);
    CHECK_INT(ts_input_json_element(in, &e, &n), TOCSIN_E_PARSE);
    ts_input_close(in);
}

typedef struct walked {
    char names[1024];
    int errors;
    tocsin_code code;
} walked;

static void walk_problem(void *ud, const ts_diag *d)
{
    walked *w = ud;
    w->errors++;
    w->code = d->code;
    CHECK(d->msg && strstr(d->msg, "cannot open it"));
}

static int walk_cb(void *ud, const char *file)
{
    walked *w = ud;
    const char *base = file + strlen(tmpdir) + 1;
    snprintf(w->names + strlen(w->names), sizeof w->names - strlen(w->names), "%s;", base);
    return 0;
}

static void test_walk(void)
{
    char d[160], p[200];
    snprintf(d, sizeof d, "%s/tree", tmpdir);
    mkdir(d, 0700);
    snprintf(p, sizeof p, "%s/b", d), mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/b/z.log", d), write_file(p, "x", 1);
    snprintf(p, sizeof p, "%s/a.log", d), write_file(p, "x", 1);
    snprintf(p, sizeof p, "%s/.hidden", d), write_file(p, "x", 1);
    snprintf(p, sizeof p, "%s/b/loop", d);
    CHECK(symlink("..", p) == 0);
    walked w = {{0}, 0, TOCSIN_OK};
    CHECK_INT(ts_walk(d, walk_cb, walk_problem, &w), 0);
    CHECK_STR(w.names, "tree/a.log;tree/b/z.log;");
    snprintf(p, sizeof p, "%s/a.log", d);
    memset(&w, 0, sizeof w);
    ts_walk(p, walk_cb, walk_problem, &w);
    CHECK_STR(w.names, "tree/a.log;");
    memset(&w, 0, sizeof w);
    ts_walk("tests/data/ingest/absent", walk_cb, walk_problem, &w);
    CHECK_INT(w.errors, 1);
    CHECK_INT(w.code, TOCSIN_E_NOTFOUND);
}

/* ---- readers on fixtures ---- */

static void test_zeek_tsv(void)
{
    got g;
    CHECK_STR(read_file(FIX "zeek_conn_http.log", &g), "zeek-tsv");
    CHECK_INT(g.n, 3);
    rec *c = &g.r[0];
    CHECK_STR(c->dataset, "zeek.conn");
    CHECK_INT(c->type, TS_TYPE_CONNECTION | TS_TYPE_END);
    CHECK_INT(g.r[2].type & TS_TYPE_CONNECTION, 0); /* http */
    CHECK_INT(c->ts, 1521911720865716000LL);
    CHECK_STR(c->src, "10.0.0.5");
    CHECK_INT(c->sport, 49152);
    CHECK_STR(c->dst, "203.0.113.7");
    CHECK_INT(c->dport, 443);
    CHECK_STR(c->transport, "tcp");
    CHECK_STR(c->protocol, "ssl");
    CHECK_INT(c->bytes_out, 1200);
    CHECK_INT(c->bytes_in, 34000);
    CHECK(c->category & TS_CAT_NETWORK);
    CHECK(has_field(c, "local_orig=true"));
    CHECK(!strstr(c->fields, "tunnel_parents")); /* (empty) is absent */
    CHECK_INT(c->line, 9);
    rec *c2 = &g.r[1];
    CHECK_STR(c2->protocol, ""); /* "-" is unset */
    CHECK(!strstr(c2->fields, "service="));
    CHECK(has_field(c2, "tunnel_parents=Ca") && has_field(c2, "tunnel_parents=Cb"));
    rec *h = &g.r[2];
    CHECK_STR(h->dataset, "zeek.http");
    CHECK_STR(h->domain, "www.example.org");
    CHECK_STR(h->url, "http://www.example.org/a\tb?q=1");
    CHECK_STR(h->ua, "curl/8.0");
    CHECK(h->category & TS_CAT_WEB);
    CHECK_INT(g.nerr, 1); /* the short line */
    CHECK_INT(g.e[0].line, 20);
    char *canon = realpath(FIX "zeek_conn_http.log", NULL); /* events and messages name files canonically */
    CHECK_STR(g.e[0].file, canon);
    free(canon);
}

static void test_zeek_json(void)
{
    got g;
    CHECK_STR(read_file(FIX "zeek.json", &g), "zeek-json");
    CHECK_INT(g.n, 9);
    CHECK_INT(g.nerr, 2);
    CHECK_INT(g.e[0].line, 7);
    CHECK_INT(g.e[0].code, TOCSIN_E_PARSE);
    CHECK_INT(g.e[1].line, 8);
    CHECK(strstr(g.e[1].msg, "not a JSON object") != NULL);
    rec *d = &g.r[0];
    CHECK_STR(d->dataset, "zeek.dns");
    CHECK_STR(d->domain, "evil.example.com");
    CHECK_STR(d->action, "dns-query");
    CHECK(d->category & TS_CAT_DNS);
    CHECK(has_field(d, "answers=1.2.3.4") && has_field(d, "answers=5.6.7.8"));
    CHECK(has_field(d, "AA=false"));
    rec *s = &g.r[1]; /* no _path: inferred from cipher/server_name */
    CHECK_STR(s->dataset, "zeek.ssl");
    CHECK_STR(s->domain, "login.example.net");
    CHECK_INT(s->ts, 1521911720615923000LL);
    CHECK_INT(s->line, 2);
    rec *m = &g.r[2];
    CHECK_STR(m->dataset, "zeek.smtp");
    CHECK_INT(m->line, 4);
    CHECK_STR(m->mail_from, "<alice@example.com>");
    CHECK_INT(m->n_mail_to, 2);
    CHECK_STR(m->mail_to1, "carol@example.org");
    CHECK_STR(m->subject, "Invoice");
    CHECK_STR(m->msgid, "<m1@example.com>");
    rec *k = &g.r[3];
    CHECK_STR(k->dataset, "zeek.kerberos");
    CHECK_STR(k->user, "jdoe");
    CHECK_STR(k->user_domain, "CORP.EXAMPLE");
    CHECK_INT(k->outcome, TS_OUTCOME_FAILURE);
    rec *n = &g.r[4];
    CHECK_STR(n->user, "admin");
    CHECK_STR(n->user_domain, "CORP");
    CHECK_STR(n->src_host, "WKS01");
    CHECK_INT(n->outcome, TS_OUTCOME_SUCCESS);
    CHECK(n->category & TS_CAT_AUTH);
    rec *r = &g.r[5];
    CHECK_STR(r->dataset, "zeek.rdp");
    CHECK_STR(r->user, "mallory");
    CHECK_INT(r->outcome, TS_OUTCOME_SUCCESS);
    rec *f = &g.r[6];
    CHECK_STR(f->dataset, "zeek.files");
    CHECK_STR(f->file, "payload.exe");
    CHECK_STR(f->md5, "0123456789abcdef0123456789abcdef");
    CHECK_STR(f->sha1, "0123456789abcdef0123456789abcdef01234567");
    CHECK_STR(f->src, "198.51.100.20");
    CHECK_STR(f->dst, "10.1.1.9");
    rec *no = &g.r[7];
    CHECK_STR(no->rule, "Scan::Port_Scan");
    CHECK_STR(no->action, "Notice::ACTION_LOG");
    CHECK_STR(no->src, "192.0.2.66");
    CHECK_INT(no->dport, 22);
    CHECK(no->category & TS_CAT_ALERT);
    CHECK_STR(g.r[8].file, "\\\\FS1\\C$");
    CHECK_STR(g.r[8].dataset, "zeek.smb_mapping");
}

static void test_suricata(void)
{
    got g;
    CHECK_STR(read_file(FIX "suricata.json", &g), "suricata-eve");
    CHECK_INT(g.n, 7);
    CHECK_INT(g.nerr, 1);
    CHECK_INT(g.e[0].line, 8);
    rec *a = &g.r[0];
    CHECK_STR(a->dataset, "suricata.alert");
    CHECK_INT(a->ts, 1521923839037299000LL); /* 14:37:19.037299-06:00 */
    CHECK_STR(a->rule, "ET SCAN Potential SSH Scan");
    CHECK_STR(a->src, "192.0.2.10");
    CHECK_INT(a->dport, 22);
    CHECK_STR(a->transport, "tcp");
    CHECK_INT(a->bytes_out, 74);
    CHECK(a->category & TS_CAT_ALERT);
    CHECK(has_field(a, "alert.category=Attempted Information Leak"));
    CHECK_STR(g.r[1].domain, "bad.example.com");
    CHECK_STR(g.r[1].dataset, "suricata.dns");
    CHECK_STR(g.r[2].url, "http://dl.example.com/x.exe");
    CHECK_STR(g.r[2].ua, "Wget/1.0");
    CHECK_STR(g.r[2].domain, "dl.example.com");
    CHECK_STR(g.r[3].domain, "c2.example.net");
    CHECK_STR(g.r[3].src, "2001:db8::1");
    CHECK_STR(g.r[4].md5, "d41d8cd98f00b204e9800998ecf8427e");
    CHECK_STR(g.r[4].file, "/x.exe");
    CHECK_STR(g.r[5].mail_from, "eve@example.com");
    CHECK_STR(g.r[5].mail_to0, "bob@example.org");
    CHECK_STR(g.r[5].subject, "Hello");
    CHECK_INT(g.r[6].bytes_in, 2000);
    CHECK_INT(g.r[6].line, 7);
    /* What each record is, for detectors that never ask who wrote it: a flow is a
       finished connection, like Zeek's conn; an alert or DNS answer is none. */
    CHECK_INT(g.r[6].type, TS_TYPE_CONNECTION | TS_TYPE_END);
    CHECK_INT(a->type & TS_TYPE_CONNECTION, 0);
    CHECK_INT(g.r[1].type & TS_TYPE_CONNECTION, 0);

    CHECK_STR(read_file(FIX "suricata_array.json", &g), "suricata-eve");
    CHECK_INT(g.n, 2);
    CHECK_INT(g.nerr, 0);
    CHECK_STR(g.r[0].rule, "ET CHAT IRC authorization message");
    CHECK_INT(g.r[0].record, 1);
    CHECK_INT(g.r[0].line, 2);
    CHECK_INT(g.r[1].record, 2);
    CHECK_INT(g.r[1].line, 12);
    CHECK_STR(g.r[1].transport, "udp");
}

static void test_winevent(void)
{
    got g;
    CHECK_STR(read_file(FIX "win_pretty.json", &g), "winevent-json");
    CHECK_INT(g.n, 2);
    CHECK_INT(g.nerr, 0);
    rec *l = &g.r[0];
    CHECK_STR(l->dataset, "windows.security");
    CHECK(l->has_code);
    CHECK_INT(l->code, 4624);
    CHECK_INT(l->ts, 1682935200123456000LL);
    CHECK_STR(l->channel, "Security");
    CHECK_STR(l->provider, "Microsoft-Windows-Security-Auditing");
    CHECK_STR(l->host, "DC01.corp.example");
    CHECK_STR(l->user, "jdoe");
    CHECK_STR(l->user_domain, "CORP");
    CHECK_INT(l->logon_type, 10);
    CHECK_STR(l->src, "192.0.2.44");
    CHECK_INT(l->sport, 51515);
    CHECK_STR(l->src_host, "WKS7");
    CHECK_INT(l->outcome, TS_OUTCOME_SUCCESS);
    CHECK_STR(l->action, "logon");
    CHECK(l->category & TS_CAT_AUTH);
    CHECK_INT(l->line, 1);
    CHECK(has_field(l, "EventID=4624") && has_field(l, "Provider_Name=Microsoft-Windows-Security-Auditing"));
    CHECK(has_field(l, "Channel=Security") && has_field(l, "Computer=DC01.corp.example"));
    CHECK(has_field(l, "EventRecordID=1001") && has_field(l, "TargetUserName=jdoe"));
    CHECK(has_field(l, "TimeCreated_SystemTime=2023-05-01T10:00:00.123456Z"));
    CHECK(!strstr(l->fields, "xmlns"));
    rec *p = &g.r[1];
    CHECK_INT(p->code, 4688);
    CHECK_INT(p->line, 35);
    CHECK_STR(p->user, "jdoe");
    CHECK_STR(p->process, "C:\\Windows\\System32\\cmd.exe");
    CHECK_STR(p->cmd, "cmd.exe /c whoami");
    CHECK_STR(p->parent, "C:\\Windows\\explorer.exe");
    CHECK_STR(p->src, "");
    CHECK(p->category & TS_CAT_PROCESS);
    CHECK(has_field(p, "EventID=4688"));

    CHECK_STR(read_file(FIX "win_lines.json", &g), "winevent-json");
    CHECK_INT(g.n, 4);
    /* three records without a time, said and kept, and the broken last line; not the
       "Record 7" header */
    CHECK_INT(g.nerr, 4);
    CHECK(g.e[0].line == 3 && strstr(g.e[0].msg, "no event time"));
    CHECK_INT(g.e[3].line, 6);
    rec *s1 = &g.r[0];
    CHECK_STR(s1->dataset, "windows.sysmon");
    CHECK_STR(s1->user, "jdoe");
    CHECK_STR(s1->user_domain, "CORP");
    CHECK_STR(s1->md5, "BBBB");
    CHECK_STR(s1->sha1, "AAAA");
    CHECK_STR(s1->sha256, "CCCC");
    CHECK_STR(s1->process, "C:\\Tools\\evil.exe");
    CHECK_STR(s1->parent, "C:\\Windows\\System32\\cmd.exe");
    CHECK_STR(s1->action, "process-created");
    rec *s3 = &g.r[1];
    CHECK_STR(s3->src, "10.0.0.7");
    CHECK_INT(s3->sport, 50123);
    CHECK_STR(s3->dst, "203.0.113.80");
    CHECK_INT(s3->dport, 8443);
    CHECK_STR(s3->transport, "tcp");
    CHECK(s3->category & TS_CAT_NETWORK);
    CHECK_STR(g.r[2].domain, "c2.example.net");
    CHECK(g.r[2].category & TS_CAT_DNS);
    rec *sv = &g.r[3];
    CHECK_STR(sv->dataset, "windows.system");
    CHECK_STR(sv->action, "service-installed");
    CHECK(has_field(sv, "ServiceName=evilsvc") && has_field(sv, "ImagePath=C:\\evil.exe"));
    CHECK(has_field(sv, "Data=a") && has_field(sv, "Data=b"));

    CHECK_STR(read_file(FIX "win_xmltodict.json", &g), "winevent-json");
    CHECK_INT(g.n, 1);
    CHECK_INT(g.nerr, 0);
    rec *x = &g.r[0];
    CHECK_INT(x->code, 4625);
    CHECK_STR(x->provider, "Microsoft-Windows-Security-Auditing");
    CHECK_STR(x->user, "bob");
    CHECK_STR(x->src, "203.0.113.9");
    CHECK_INT(x->logon_type, 3);
    CHECK_INT(x->ts, 1683162123000000000LL);
    CHECK(has_field(x, "TargetUserName=bob") && has_field(x, "Data=unnamed"));
    CHECK(has_field(x, "EventID_Qualifiers=") &&
          has_field(x, "TimeCreated_SystemTime=2023-05-04T01:02:03.000Z"));
    CHECK(!strstr(x->fields, "xmlns") && !strstr(x->fields, "Empty"));

    CHECK_STR(read_file(FIX "winlogbeat.json", &g), "winlogbeat");
    CHECK_INT(g.n, 1);
    rec *w = &g.r[0];
    CHECK_INT(w->code, 4625);
    CHECK_STR(w->dataset, "windows.security");
    CHECK_STR(w->user, "administrator");
    CHECK_STR(w->src, "198.51.100.66");
    CHECK_STR(w->src_host, "");
    CHECK_INT(w->logon_type, 3);
    CHECK_INT(w->outcome, TS_OUTCOME_FAILURE);
    CHECK_STR(w->host, "DC02.corp.example");
    CHECK_INT(w->ts, 1683115200000000000LL);
    CHECK(has_field(w, "EventID=4625") && has_field(w, "Channel=Security"));
    CHECK(has_field(w, "Computer=DC02.corp.example") && has_field(w, "EventRecordID=555"));
}

/* NXLog's flat records (cut from OTRF recordings, tests/data/ingest/SOURCES.md): the System
 * values under the names Sigma uses for EVTX, the event data at the top level. */
static void test_nxlog(void)
{
    got g;
    CHECK_STR(read_file(FIX "nxlog.json", &g), "winevent-json");
    CHECK_INT(g.n, 3);
    CHECK_INT(g.nerr, 0);
    rec *e = &g.r[0];
    CHECK_INT(e->code, 4799);
    CHECK_STR(e->dataset, "windows.security");
    CHECK_STR(e->provider, "Microsoft-Windows-Security-Auditing");
    CHECK_STR(e->host, "WORKSTATION5.theshire.local");
    CHECK_STR(e->user, "pgustavo");
    CHECK_INT(e->ts, 1600730334410000000LL); /* @timestamp: this layout has no TimeCreated */
    CHECK(has_field(e, "Computer=WORKSTATION5.theshire.local") && has_field(e, "EventRecordID=784896"));
    CHECK(has_field(e, "Provider_Name=Microsoft-Windows-Security-Auditing") && has_field(e, "EventID=4799"));
    CHECK(has_field(e, "CallerProcessName=C:\\Windows\\System32\\net1.exe"));
    CHECK(has_field(e, "Execution_ProcessID=744") && has_field(e, "Execution_ThreadID=2588"));
    CHECK(!has_field(e, "Hostname=WORKSTATION5.theshire.local"));
    rec *p = &g.r[1];
    CHECK_STR(p->dataset, "windows.sysmon");
    CHECK_STR(p->action, "process-created");
    CHECK_STR(p->process, "C:\\Windows\\System32\\net.exe");
    CHECK_STR(p->cmd, "\"C:\\windows\\system32\\net.exe\" localgroup Administrators");
    CHECK_STR(p->parent, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe");
    CHECK_STR(p->user, "pgustavo");
    CHECK_STR(p->user_domain, "THESHIRE");
    CHECK(has_field(p, "Security_UserID=S-1-5-18") && has_field(p, "Provider_Name=Microsoft-Windows-Sysmon"));
    rec *s = &g.r[2];
    CHECK_INT(s->code, 7040);
    CHECK_STR(s->dataset, "windows.system");
    CHECK_STR(s->host, "Pedro01");
    CHECK_INT(s->ts, 1659961849507000000LL); /* TimeCreated */
    CHECK(has_field(s, "param1=Network List Service") &&
          has_field(s, "TimeCreated_SystemTime=2022-08-08T12:30:49.507Z"));

    /* A Mac's AppleDouble metadata block appended to the file is not a record. */
    char path[128], text[512];
    static const char tail[] = "\0\5\26\7\0\2\0\0Mac OS X        \0\2\0\0\0\t";
    tmp_path(path, sizeof path, "nxlog_mac.json");
    int w = snprintf(text, sizeof text, "%s",
                     "{\"EventID\":7040,\"Hostname\":\"h1\",\"Channel\":\"System\",\"param1\":\"x\"}\r\n");
    memcpy(text + w, tail, sizeof tail - 1);
    write_file(path, text, (size_t)w + sizeof tail - 1);
    CHECK_STR(read_file(path, &g), "winevent-json");
    CHECK_INT(g.n, 1);
    CHECK_INT(g.nerr, 1); /* its record has no time, and says so */
    CHECK(strstr(g.e[0].msg, "no event time") != NULL);
    CHECK_STR(g.r[0].host, "h1");

    /* Almost right: an EventID that is no number, a record without a time, a line cut short
       before a whole line: all read as far as they go, each said with its line. */
    tmp_path(path, sizeof path, "nxlog_flawed.json");
    static const char flawed[] =
        "{\"EventID\":\"four\",\"Hostname\":\"h1\",\"Channel\":\"Security\",\"EventTime\":\"x\","
        "\"TimeCreated\":\"2020-09-21T23:18:54.410Z\"}\n"
        "{\"EventID\":4624,\"Hostname\":\"h2\",\"Channel\":\"Security\",\"TargetUserName\":\"bob\n"
        "{\"EventID\":4625,\"Hostname\":\"h3\",\"Channel\":\"Security\","
        "\"TimeCreated\":\"2020-09-21T23:19:00.000Z\"}\n";
    write_file(path, flawed, sizeof flawed - 1);
    CHECK_STR(read_file(path, &g), "winevent-json");
    CHECK_INT(g.n, 2);
    CHECK(g.n == 2 && !strcmp(g.r[0].host, "h1") && g.r[0].code == 0 && !strcmp(g.r[1].host, "h3") &&
          g.r[1].code == 4625);
    CHECK_INT(g.nerr, 2);
    CHECK(g.e[0].line == 1 && strstr(g.e[0].msg, "EventID \"four\" is not a number"));
    CHECK(g.e[1].line == 2 && strstr(g.e[1].msg, "not closed"));
}

static void test_linux(void)
{
    char path[128], text[2048];
    size_t n = slurp(FIX "auth.log", text, sizeof text);
    tmp_path(path, sizeof path, "auth.log");
    write_file(path, text, n);
    struct utimbuf t = {1704110400, 1704110400}; /* 2024-01-01 12:00 UTC */
    CHECK(utime(path, &t) == 0);
    got g;
    CHECK_STR(read_file(path, &g), "linux-auth");
    CHECK_INT(g.n, 12);
    CHECK_INT(g.nerr, 1);
    CHECK_INT(g.e[0].line, 8);
    rec *a = &g.r[0];
    CHECK_INT(a->ts, 1704067198000000000LL); /* 2023-12-31 23:59:58: the year rolled */
    CHECK_STR(a->dataset, "linux.auth");
    CHECK_STR(a->action, "accepted-publickey");
    CHECK_INT(a->type, TS_TYPE_START | TS_TYPE_ALLOWED);
    CHECK_STR(a->user, "alice");
    CHECK_STR(a->src, "192.0.2.10");
    CHECK_INT(a->sport, 50022);
    CHECK_INT(a->outcome, TS_OUTCOME_SUCCESS);
    CHECK_STR(a->host, "bastion");
    CHECK(has_field(a, "program=sshd") && has_field(a, "pid=100"));
    rec *f = &g.r[1];
    CHECK_STR(f->action, "failed-password");
    CHECK_INT(f->type, TS_TYPE_START | TS_TYPE_DENIED);
    CHECK_STR(f->user, "admin");
    CHECK_INT(f->outcome, TS_OUTCOME_FAILURE);
    CHECK_INT(f->sport, 41000);
    rec *iu = &g.r[2];
    CHECK_INT(iu->ts, 1704067201000000000LL); /* 2024-01-01 00:00:01 */
    CHECK_STR(iu->action, "invalid-user");
    CHECK_STR(iu->user, "oracle");
    CHECK_STR(iu->src, "203.0.113.5");
    rec *su = &g.r[3];
    CHECK_STR(su->action, "sudo");
    CHECK_STR(su->user, "alice");
    CHECK_STR(su->cmd, "/usr/bin/id -u");
    CHECK_INT(su->outcome, TS_OUTCOME_SUCCESS);
    rec *pf = &g.r[4];
    CHECK_STR(pf->action, "authentication-failure");
    CHECK_STR(pf->user, "root");
    CHECK_STR(pf->src, "198.51.100.7");
    CHECK_STR(g.r[5].action, "session-opened");
    CHECK_STR(g.r[5].user, "news");
    CHECK_STR(g.r[6].dataset, "linux.syslog");
    CHECK_STR(g.r[6].action, "");
    rec *r5 = &g.r[7];
    CHECK_INT(r5->ts, 1065910455003000000LL);
    CHECK_STR(r5->host, "mymachine.example.com");
    CHECK_STR(r5->action, "failed-password");
    CHECK_STR(r5->src, "192.0.2.99");
    CHECK(has_field(r5, "message=Failed password for root from 192.0.2.99 port 2222 ssh2"));
    rec *iso = &g.r[8];
    CHECK_INT(iso->ts, 1705309200123456000LL);
    CHECK_STR(iso->user, "bob");
    CHECK_INT(iso->outcome, TS_OUTCOME_FAILURE);

    CHECK_STR(g.r[9].user, "root");
    CHECK_STR(g.r[9].src, "198.51.100.8");
    CHECK_INT(g.r[9].sport, 40100);
    CHECK_STR(g.r[10].user, "");
    CHECK_STR(g.r[10].src, "198.51.100.9");
    CHECK_INT(g.r[10].sport, 40200);
    CHECK_STR(g.r[11].user, "test");
    CHECK_STR(g.r[11].src, "198.51.100.10");
    CHECK_STR(g.r[11].action, "");

    CHECK_STR(read_file(FIX "auth_crlf.log", &g), "linux-auth");
    CHECK_INT(g.n, 1);
    CHECK_STR(g.r[0].user, "root");
    CHECK(
        has_field(&g.r[0], "message=pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"));
}

/* Bad input through readers: each fault is one error naming file and line; the rest is read. */
static void test_bad_input(void)
{
    char path[128];
    got g;
    tmp_path(path, sizeof path, "bad.json");
    const char *good = "{\"_path\":\"dns\",\"ts\":1.0,\"query\":\"a.example\"}\n";
    size_t big = 10u << 20, gl = strlen(good);
    char *b = malloc(3 * gl + big + 64);
    size_t o = 0;
    memcpy(b + o, good, gl), o += gl;
    b[o++] = '{', b[o++] = '"';
    memset(b + o, 'x', big), o += big;
    memcpy(b + o, "\":1}\n", 5), o += 5;
    memcpy(b + o, good, gl), o += gl;
    const char *bad = "{\"_path\":\"dns\",\"query\":\"\xff\xfe\"}\n";
    memcpy(b + o, bad, strlen(bad)), o += strlen(bad);
    memcpy(b + o, good, gl), o += gl;
    write_file(path, b, o);
    free(b);
    CHECK_STR(read_file(path, &g), "zeek-json");
    CHECK_INT(g.n, 3);
    CHECK_INT(g.nerr, 2);
    CHECK_INT(g.e[0].code, TOCSIN_E_TOOLONG);
    CHECK_INT(g.e[0].line, 2);
    CHECK_STR(g.e[0].file, path);
    CHECK_INT(g.e[1].code, TOCSIN_E_ENCODING);
    CHECK_INT(g.e[1].line, 4);
    CHECK_INT(g.r[2].line, 5);

    /* A UTF-8 byte order mark (PowerShell writes one) is not content. */
    char text[1024];
    size_t tn = slurp(FIX "winlogbeat.json", text + 3, sizeof text - 3);
    memcpy(text, "\xef\xbb\xbf", 3);
    tmp_path(path, sizeof path, "bom.json");
    write_file(path, text, tn + 3);
    CHECK_STR(read_file(path, &g), "winlogbeat");
    CHECK_INT(g.n, 1);
    CHECK_INT(g.nerr, 0);

    /* UTF-16LE with its mark (PowerShell 5's redirection) is read as UTF-8; a surrogate
     * pair makes one code point, a lone surrogate U+FFFD. */
    static const uint16_t tail[] = {0x00e9, ' ', 0xd83d, 0xde00, ' ', 0xdc00, '\r', '\n'};
    const char *head16 = "Jan  1 00:00:05 host sshd[1]: Accepted password for j from 192.0.2.1 port 22 x";
    unsigned char u16[512];
    size_t un = 0;
    u16[un++] = 0xff, u16[un++] = 0xfe;
    for (const char *c = head16; *c; c++)
        u16[un++] = (unsigned char)*c, u16[un++] = 0;
    for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++)
        u16[un++] = (unsigned char)(tail[i] & 0xff), u16[un++] = (unsigned char)(tail[i] >> 8);
    tmp_path(path, sizeof path, "utf16.log");
    write_file(path, u16, un);
    CHECK_STR(read_file(path, &g), "linux-auth");
    CHECK_INT(g.n, 1);
    CHECK_STR(g.r[0].user, "j");
    CHECK(has_field(&g.r[0], "message=Accepted password for j from 192.0.2.1 port 22 x\xc3\xa9 "
                             "\xf0\x9f\x98\x80 \xef\xbf\xbd"));

    /* Pairs that straddle the converter's reads. */
    size_t nl16 = 6000, o16 = 0;
    unsigned char *big16 = malloc(4 + nl16 * 10);
    big16[o16++] = 0xff, big16[o16++] = 0xfe, big16[o16++] = 'a', big16[o16++] = 0;
    for (size_t i = 0; i < nl16; i++) {
        static const unsigned char unit[10] = {'\n', 0, 'x', 0, 0x3d, 0xd8, 0x00, 0xde, 'y', 0};
        memcpy(big16 + o16, unit, 10);
        o16 += 10;
    }
    tmp_path(path, sizeof path, "big16.txt");
    write_file(path, big16, o16);
    free(big16);
    ts_input *in;
    char err[256];
    const char *l;
    size_t ln;
    int same = 0;
    CHECK_INT(ts_input_open(path, &in, err, sizeof err), TOCSIN_OK);
    CHECK_INT(ts_input_line(in, &l, &ln), TOCSIN_OK);
    CHECK(ln == 1 && l[0] == 'a');
    while (ts_input_line(in, &l, &ln) == TOCSIN_OK && l)
        same += ln == 6 && memcmp(l, "x\xf0\x9f\x98\x80y", 6) == 0;
    CHECK_INT(same, (int)nl16);
    ts_input_close(in);

    /* Content no reader knows. */
    const char *junk = "hello world\nthis is just text\n";
    tmp_path(path, sizeof path, "junk.txt");
    write_file(path, junk, strlen(junk));
    CHECK_STR(read_file(path, &g), "");
    CHECK(ts_reader_detect("", 0) == NULL);
    CHECK(ts_reader_find("zeek-tsv") != NULL);
    CHECK(ts_reader_find("nope") == NULL);
}

/* Nested containers: count '[' (or '{"a":' when obj) then as many closers, after prefix. */
static size_t nest(char *b, const char *prefix, size_t depth, bool obj)
{
    size_t o = strlen(prefix);
    memcpy(b, prefix, o);
    for (size_t i = 0; i < depth; i++)
        o += obj ? (size_t)(memcpy(b + o, "{\"a\":", 5), 5) : (b[o] = '[', 1);
    b[o++] = '1';
    for (size_t i = 0; i < depth; i++)
        b[o++] = obj ? '}' : ']';
    return o;
}

/* A record nested far past any log's depth is rejected with its line, not a crash (the
 * walk recursed per level and overflowed the stack), and the lines around it are read. */
static void test_deep_json(void)
{
    size_t deep = 100000;
    char *b = malloc(6 * deep + 256), path[128];
    got g;
    ts_json *j = ts_json_new();
    leafs l = {{0}, 0};
    /* the top-level object is level 1: 1023 more containers fit, 1024 do not */
    size_t o = nest(b, "{\"x\":", TS_JSON_MAX_DEPTH - 1, false);
    b[o++] = '}', memset(b + o, 0, TS_JSON_PAD);
    const char *why = NULL;
    CHECK_INT(ts_json_walk(j, b, o, leaf_cb, &l, &why), TOCSIN_OK);
    CHECK(strstr(l.out, ":2:1|") != NULL); /* the innermost leaf was reached */
    o = nest(b, "{\"x\":", TS_JSON_MAX_DEPTH, false);
    b[o++] = '}', memset(b + o, 0, TS_JSON_PAD);
    CHECK_INT(ts_json_walk(j, b, o, leaf_cb, &l, &why), TOCSIN_E_PARSE);
    CHECK(why && strstr(why, "nested deeper than 1024") != NULL);
    ts_json_free(j);

    const char *good = "{\"_path\":\"dns\",\"ts\":1.0,\"query\":\"a.example\"}\n";
    for (int obj = 0; obj < 2; obj++) {
        o = strlen(good);
        memcpy(b, good, o);
        o += nest(b + o, "{\"_path\":\"dns\",\"q\":", deep, obj);
        b[o++] = '}', b[o++] = '\n';
        memcpy(b + o, good, strlen(good)), o += strlen(good);
        tmp_path(path, sizeof path, "deep.json");
        write_file(path, b, o);
        CHECK_STR(read_file(path, &g), "zeek-json");
        CHECK_INT(g.n, 2);
        CHECK_INT(g.r[1].line, 3);
        CHECK_INT(g.nerr, 1);
        CHECK_INT(g.e[0].line, 2);
        CHECK_STR(g.e[0].file, path);
        CHECK(strstr(g.e[0].msg, "nested deeper") != NULL);
    }
    /* the same inside a top-level array (Suricata's sample data is written so) */
    const char *eve = "{\"timestamp\":\"2018-03-24T17:15:20.000000+0000\",\"event_type\":\"alert\","
                      "\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\",\"alert\":{\"signature\":\"s\"}}";
    o = 0;
    b[o++] = '[';
    memcpy(b + o, eve, strlen(eve)), o += strlen(eve);
    b[o++] = ',', b[o++] = '\n';
    o += nest(b + o, "{\"event_type\":\"alert\",\"x\":", deep, false);
    b[o++] = '}', b[o++] = ',', b[o++] = '\n';
    memcpy(b + o, eve, strlen(eve)), o += strlen(eve);
    b[o++] = ']', b[o++] = '\n';
    tmp_path(path, sizeof path, "deep_array.json");
    write_file(path, b, o);
    CHECK_STR(read_file(path, &g), "suricata-eve");
    CHECK_INT(g.n, 2);
    CHECK_INT(g.nerr, 1);
    CHECK_INT(g.e[0].line, 2);
    free(b);
}

/* A pretty-printed record over the size limit is one rejected record, whether its size is
 * in many lines or in one: its remaining lines were each reported as a bad record (886,707
 * messages for one 38 MB record), and the records after it are read. */
static void test_oversized_pretty(void)
{
    char path[128], good[1024];
    size_t gn = slurp(FIX "win_pretty.json", good, sizeof good);
    const char *one_end = strstr(good, "\n}\n");
    CHECK(one_end != NULL);
    gn = (size_t)(one_end - good) + 3; /* the fixture's first record */
    size_t many = 120000, cap = 2 * gn + many * 52 + (6u << 20) + 256;
    char *b = malloc(cap);
    size_t o = 0;
    uint64_t first = 1, second, third;
    memcpy(b + o, good, gn), o += gn;
    for (size_t i = 0; i < o; i++)
        first += b[i] == '\n';
    o += (size_t)snprintf(b + o, cap - o, "{\n  \"Event\": {\n    \"Pad\": [\n");
    for (size_t i = 0; i < many; i++) /* 6 MB in short lines */
        o += (size_t)snprintf(b + o, cap - o, "      \"%040zu\",\n", i);
    o += (size_t)snprintf(b + o, cap - o, "      \"end\"\n    ]\n  }\n}\n");
    second = first + 3 + many + 4;
    o += (size_t)snprintf(b + o, cap - o, "{\n  \"Event\": {\n    \"Pad\": \"");
    memset(b + o, 'x', 5u << 20), o += 5u << 20; /* one line over the limit */
    o += (size_t)snprintf(b + o, cap - o, "\"\n  }\n}\n");
    third = second + 5;
    memcpy(b + o, good, gn), o += gn;
    tmp_path(path, sizeof path, "oversized_pretty.json");
    write_file(path, b, o);
    free(b);
    got g;
    CHECK_STR(read_file(path, &g), "winevent-json");
    CHECK_INT(g.n, 2);
    CHECK_INT(g.nerr, 2);
    CHECK_INT(g.e[0].code, TOCSIN_E_TOOLONG);
    CHECK_INT(g.e[0].line, first);
    CHECK_INT(g.e[1].code, TOCSIN_E_TOOLONG);
    CHECK_INT(g.e[1].line, second);
    CHECK_INT(g.r[1].line, third);
    CHECK_STR(g.r[1].user, g.r[0].user);
}

/* Records spread over lines, as `jq .` writes them, read as on one line; a broken one is
 * one message and does not take the records after it along; one over the size limit is one
 * message (its lines were each reported: 120,016 messages for one 7 MB record). */
static void test_pretty_json(void)
{
    static const char text[] = "{\n"
                               "  \"_path\": \"dns\",\n"
                               "  \"ts\": 1.0,\n"
                               "  \"answers\": [\n"
                               "    \"1.2.3.4\",\n"
                               "    \"5.6.7.8\"\n"
                               "  ],\n"
                               "  \"query\": \"a.example\"\n"
                               "}\n"                                                      /* line 9 */
                               "{\"_path\":\"dns\",\"ts\":2.0,\"query\":\"b.example\"}\n" /* 10 */
                               "{\"_path\":\"dns\",\"ts\":3.0,\n"                         /* 11: cut */
                               "{\"_path\":\"dns\",\"ts\":4.0,\"query\":\"d.example\"}\n" /* 12 */
                               "{\n"                                                      /* 13 */
                               "  \"_path\": \"dns\", \"ts\": 5.0,\n"
                               "  \"query\": \"{e}.example\", \"q\\\"{\": {\"x\": [\"[\"]}\n"
                               "}\n"
                               "{\n" /* 17: cut at the end */
                               "  \"_path\": \"dns\",\n";
    char path[128];
    got g;
    tmp_path(path, sizeof path, "pretty.json");
    write_file(path, text, sizeof text - 1);
    CHECK_STR(read_file(path, &g), "zeek-json"); /* sniffed from the record joined up */
    CHECK_INT(g.n, 4);
    CHECK_STR(g.r[0].domain, "a.example");
    CHECK_INT(g.r[0].line, 1);
    CHECK(has_field(&g.r[0], "answers=1.2.3.4") && has_field(&g.r[0], "answers=5.6.7.8"));
    CHECK_INT(g.r[1].line, 10);
    CHECK_STR(g.r[2].domain, "d.example");
    CHECK_STR(g.r[3].domain, "{e}.example");
    CHECK_INT(g.r[3].line, 13);
    CHECK_INT(g.nerr, 2);
    CHECK_INT(g.e[0].line, 11);
    CHECK_INT(g.e[1].line, 17);
    CHECK(strstr(g.e[1].msg, "not closed") != NULL);

    /* 7 MB in 120,000 short lines, between two one-line records */
    const char *eve = "{\"timestamp\":\"2018-03-24T17:15:20.000000+0000\",\"event_type\":\"alert\","
                      "\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\",\"alert\":{\"signature\":\"s\"}}\n";
    size_t many = 120000, cap = 2 * strlen(eve) + many * 64 + 256, o = 0;
    char *b = malloc(cap);
    o += (size_t)snprintf(b + o, cap - o, "%s{\n  \"event_type\": \"alert\",\n  \"pad\": [\n", eve);
    for (size_t i = 0; i < many; i++)
        o += (size_t)snprintf(b + o, cap - o, "    \"%050zu\",\n", i);
    o += (size_t)snprintf(b + o, cap - o, "    \"end\"\n  ]\n}\n%s", eve);
    tmp_path(path, sizeof path, "pretty_big.json");
    write_file(path, b, o);
    free(b);
    CHECK_STR(read_file(path, &g), "suricata-eve");
    CHECK_INT(g.n, 2);
    CHECK_INT(g.nerr, 1);
    CHECK_INT(g.e[0].code, TOCSIN_E_TOOLONG);
    CHECK_INT(g.e[0].line, 2);
    CHECK_INT(g.r[1].line, 2 + 3 + many + 3);
}

/* ---- the real public data ---- */

typedef struct shared_run {
    const char *want;   /* reader expected for log files */
    const char *suffix; /* only files ending so ("" for all) */
    const char *exclude;
    int files, wrong;
    uint64_t events, errors, alerts;
} shared_run;

static void count_event(void *ud, ts_event *ev)
{
    shared_run *r = ud;
    r->events++;
    if (ts_str_eq(ev->dataset, "suricata.alert") && ev->rule_name.n)
        r->alerts++;
}

static void count_error(void *ud, const ts_diag *dg)
{
    shared_run *r = ud;
    if (r->errors++ < 3)
        fprintf(stderr, "  %s:%" PRIu64 " (%" PRIu64 "): %d %s\n", dg->file, dg->line, dg->record, dg->code,
                dg->msg);
}

static int shared_file(void *ud, const char *file)
{
    shared_run *r = ud;
    size_t fl = file ? strlen(file) : 0, sl = strlen(r->suffix);
    if (fl < sl || strcmp(file + fl - sl, r->suffix) != 0)
        return 0;
    if (r->exclude && strstr(file, r->exclude))
        return 0;
    ts_input *in;
    char msg[256];
    if (ts_input_open(file, &in, msg, sizeof msg) != TOCSIN_OK)
        return 0;
    const char *head;
    size_t n = ts_input_peek(in, &head);
    const ts_reader *rd = ts_reader_detect(head, n);
    r->files++;
    if (!rd || strcmp(rd->name, r->want) != 0) {
        fprintf(stderr, "  %s: detected as %s, want %s\n", file, rd ? rd->name : "nothing", r->want);
        r->wrong++;
    } else {
        uint64_t before = r->events;
        ts_sink sink = {count_event, count_error, r};
        rd->read(in, &scratch, &sink);
        if (r->events == before) {
            fprintf(stderr, "  %s: no events\n", file);
            r->wrong++;
        }
    }
    ts_input_close(in);
    return 0;
}

static shared_run run_shared(const char *dir, const char *sub, const char *want, const char *suffix,
                             const char *exclude)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    shared_run r = {want, suffix, exclude, 0, 0, 0, 0, 0};
    ts_walk(path, shared_file, NULL, &r);
    return r;
}

static void test_shared(void)
{
    const char *d = shared_data("ingest on real data");
    if (!d)
        return;
    shared_run r = run_shared(d, "zeek/wrccdc-2018/zeek-default", "zeek-tsv", ".log.gz", NULL);
    CHECK_INT(r.files, 32);
    CHECK_INT(r.wrong, 0);
    CHECK_INT(r.errors, 0);
    CHECK(r.events > 100000);
    r = run_shared(d, "zeek/wrccdc-2018/zeek-json", "zeek-json", ".json.gz", NULL);
    CHECK_INT(r.files, 32);
    CHECK_INT(r.wrong, 0);
    CHECK_INT(r.errors, 0);
    CHECK(r.events > 100000);
    r = run_shared(d, "zeek/rita-beacon-tests", "zeek-tsv", ".log", NULL);
    shared_run rz = run_shared(d, "zeek/rita-beacon-tests", "zeek-tsv", ".log.gz", NULL);
    CHECK(r.files + rz.files >= 30);
    CHECK_INT(r.wrong + rz.wrong, 0);
    CHECK_INT(r.errors + rz.errors, 0);
    r = run_shared(d, "suricata-eve", "suricata-eve", ".json", NULL);
    CHECK_INT(r.files, 4);
    CHECK_INT(r.wrong, 0);
    CHECK_INT(r.errors, 0);
    CHECK_INT(r.alerts, 548); /* the README's count */
    r = run_shared(d, "linux/loghub", "linux-auth", ".log", NULL);
    CHECK_INT(r.files, 2);
    CHECK_INT(r.wrong, 0);
    CHECK_INT(r.errors, 0);
    CHECK_INT(r.events, 4000);
    r = run_shared(d, "sigma/regression_data", "winevent-json", ".json", NULL);
    CHECK_INT(r.files, 202);
    CHECK_INT(r.wrong, 0);
    CHECK_INT(r.errors, 0);
    CHECK_INT(r.events, 238); /* objects in the 202 twins (some hold several) */
}

/* The same Zeek log in TSV and JSON gives the same typed events. */
typedef struct pair_run {
    char sig[400][192];
    size_t n, mismatch;
    bool second;
} pair_run;

static void sig_event(void *ud, ts_event *ev)
{
    pair_run *p = ud;
    char a[TS_IP_STRLEN], b[TS_IP_STRLEN], s[192];
    snprintf(s, sizeof s, "%" PRId64 "|%.*s|%s:%u|%s:%u|%.*s|%.*s|%d", ev->ts_ns / 1000, (int)ev->dataset.n,
             ev->dataset.p, ts_ip_format(&ev->src_ip, a), ev->src_port, ts_ip_format(&ev->dst_ip, b),
             ev->dst_port, (int)ev->domain.n, ev->domain.p, (int)ev->user.n, ev->user.p, ev->outcome);
    if (p->n < 400) {
        if (!p->second)
            memcpy(p->sig[p->n], s, sizeof s);
        else if (strcmp(p->sig[p->n], s) != 0 && p->mismatch++ < 2)
            fprintf(stderr, "  TSV %s\n  JSON %s\n", p->sig[p->n], s);
    }
    p->n++;
}

static void test_zeek_layouts_agree(void)
{
    const char *d = shared_data("Zeek TSV and JSON agree");
    if (!d)
        return;
    static const char *const logs[] = {"dns", "ssl",    "ntlm",        "kerberos",
                                       "rdp", "notice", "smb_mapping", "smtp"};
    static pair_run p;
    for (size_t i = 0; i < sizeof logs / sizeof logs[0]; i++) {
        char tsv[512], js[512];
        snprintf(tsv, sizeof tsv, "%s/zeek/wrccdc-2018/zeek-default/%s.log.gz", d, logs[i]);
        snprintf(js, sizeof js, "%s/zeek/wrccdc-2018/zeek-json/%s.json.gz", d, logs[i]);
        memset(&p, 0, sizeof p);
        for (int k = 0; k < 2; k++) {
            ts_input *in;
            char err[256];
            if (ts_input_open(k ? js : tsv, &in, err, sizeof err) != TOCSIN_OK)
                continue;
            const ts_reader *r = ts_reader_find(k ? "zeek-json" : "zeek-tsv");
            p.second = k;
            size_t first = p.n;
            p.n = 0;
            ts_sink sink = {sig_event, NULL, &p};
            r->read(in, &scratch, &sink);
            ts_input_close(in);
            if (k)
                CHECK_INT(p.n, first);
        }
        CHECK_INT(p.mismatch, 0);
    }
}

/* A whole file in one buffer: gzip undone, the limit exact, a missing file named as such. */
static void test_input_slurp(void)
{
    char path[128];
    tmp_path(path, sizeof path, "slurp.gz");
    write_gz_member(path, "wb", "one\ntw");
    write_gz_member(path, "ab", "o\n");
    char *data;
    size_t len;
    CHECK_INT(ts_input_slurp_path(path, 8, &data, &len), TOCSIN_OK);
    CHECK(len == 8 && strcmp(data, "one\ntwo\n") == 0);
    free(data);
    CHECK_INT(ts_input_slurp_path(path, 7, &data, &len), TOCSIN_E_TOOLONG);
    CHECK(data == NULL);
    static char big[200000];
    memset(big, 'x', sizeof big);
    tmp_path(path, sizeof path, "slurp.big");
    write_file(path, big, sizeof big);
    CHECK_INT(ts_input_slurp_path(path, sizeof big, &data, &len), TOCSIN_OK);
    CHECK(len == sizeof big && data[len] == '\0' && data[len - 1] == 'x');
    free(data);
    CHECK_INT(ts_input_slurp_path(path, sizeof big - 1, &data, &len), TOCSIN_E_TOOLONG);
    CHECK_INT(ts_input_slurp_path("tests/data/ingest/no-such-file", 10, &data, &len), TOCSIN_E_NOTFOUND);
}

/* ---- the line readers' one record loop (rd_lines) ---- */

/* b holds a's events, those from line `from` on numbered `shift` lines later. */
static void same_events(const char *what, const got *a, const got *b, uint64_t from, uint64_t shift)
{
    CHECK(a->n == b->n && a->n > 0 && a->n <= MAXREC);
    for (size_t i = 0; i < a->n && i < b->n && i < MAXREC; i++) {
        rec x = a->r[i];
        if (x.line >= from)
            x.line += shift;
        if (memcmp(&x, &b->r[i], sizeof x) != 0) {
            fprintf(stderr, "%s: event %zu (line %" PRIu64 ") differs\n", what, i, x.line);
            CHECK(false);
        }
    }
}

/* b holds a's messages (shifted as events are) and, when extra is not TOCSIN_OK, one more
 * with that code on line `from`, naming file. */
static void same_errors(const got *a, const got *b, uint64_t from, uint64_t shift, tocsin_code extra,
                        const char *file)
{
    CHECK(b->nerr == a->nerr + (extra != TOCSIN_OK) && b->nerr <= 16);
    for (size_t i = 0; i < a->nerr && i < 16; i++) {
        uint64_t line = a->e[i].line >= from ? a->e[i].line + shift : a->e[i].line;
        bool found = false;
        for (size_t k = 0; k < b->nerr && k < 16; k++)
            found |=
                b->e[k].line == line && b->e[k].code == a->e[i].code && strcmp(b->e[k].msg, a->e[i].msg) == 0;
        CHECK(found);
    }
    if (extra == TOCSIN_OK)
        return;
    bool found = false;
    for (size_t k = 0; k < b->nerr && k < 16; k++)
        found |= b->e[k].line == from && b->e[k].code == extra && strcmp(b->e[k].file, file) == 0;
    CHECK(found);
}

/* Every line reader, on its golden fixture written four more ways, reads the same records:
 * with CRLF line ends, with its last line cut short of its "\n", and with a line over
 * TS_MAX_RECORD or a line of garbage as line 3 (after what format detection reads), each reported by its file
 * and line number while every record around it is still read, with its own line number. */
static void test_line_loop(void)
{
    static const struct {
        const char *fixture, *reader;
        bool garbage_rejected; /* sysmon-linux keeps a line that is no event as syslog text */
    } cases[] = {
        {"zeek_tsv/zeek_conn_http.log", "zeek-tsv", true},
        {"linux_auth/auth.log", "linux-auth", true},
        {"sysmon_linux/sysmon_linux.log", "sysmon-linux", false},
        {"winevent_xml/win_events.xml", "winevent-xml", true},
        {"winevent_json/win_lines.json", "winevent-json", true},
        {"linux_auditd/edge.log", "linux-auditd", true},
    };
    static got base, var;
    size_t cap = (1u << 20) + TS_MAX_RECORD + 64;
    char *src = malloc(1u << 20), *buf = malloc(2 * cap);
    CHECK(src && buf);
    if (!src || !buf)
        goto out;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char fix[256], path[256], what[320];
        snprintf(fix, sizeof fix, "tests/golden/%s", cases[c].fixture);
        size_t n = slurp(fix, src, 1u << 20);
        CHECK(n > 0 && src[n - 1] == '\n');
        if (!n)
            continue;
        tmp_path(path, sizeof path, "line_loop");
        write_file(path, src, n);
        CHECK_STR(read_file(path, &base), cases[c].reader);
        char abs[PATH_MAX];
        CHECK(realpath(path, abs) != NULL);

        size_t o = 0; /* CRLF */
        for (size_t i = 0; i < n; i++) {
            if (src[i] == '\n')
                buf[o++] = '\r';
            buf[o++] = src[i];
        }
        write_file(path, buf, o);
        snprintf(what, sizeof what, "%s with CRLF", cases[c].fixture);
        CHECK_STR(read_file(path, &var), cases[c].reader);
        same_events(what, &base, &var, 1, 0);
        same_errors(&base, &var, 1, 0, TOCSIN_OK, abs);

        write_file(path, src, n - 1); /* the last line cut short of its "\n" */
        snprintf(what, sizeof what, "%s without its last \\n", cases[c].fixture);
        CHECK_STR(read_file(path, &var), cases[c].reader);
        same_events(what, &base, &var, 1, 0);
        same_errors(&base, &var, 1, 0, TOCSIN_OK, abs);

        const char *nl = memchr(src, '\n', n);
        nl = memchr(nl + 1, '\n', n - (size_t)(nl + 1 - src));
        CHECK(nl != NULL);
        if (!nl)
            continue;
        size_t first = (size_t)(nl - src) + 1;
        for (int kind = 0; kind < 2; kind++) {
            memcpy(buf, src, first);
            o = first;
            if (kind == 0) { /* a line over the limit as line 3 */
                memset(buf + o, 'x', TS_MAX_RECORD + 10);
                o += TS_MAX_RECORD + 10;
            } else { /* garbage as line 3 */
                memcpy(buf + o, "\x01garbage, in no format\x01", 24);
                o += 24;
            }
            buf[o++] = '\n';
            memcpy(buf + o, src + first, n - first);
            o += n - first;
            write_file(path, buf, o);
            snprintf(what, sizeof what, "%s with %s as line 3", cases[c].fixture,
                     kind == 0 ? "an over-long line" : "garbage");
            CHECK_STR(read_file(path, &var), cases[c].reader);
            if (kind == 1 && !cases[c].garbage_rejected) {
                CHECK(var.n == base.n + 1 && var.nerr == base.nerr);
                continue;
            }
            same_events(what, &base, &var, 3, 1);
            same_errors(&base, &var, 3, 1, kind == 0 ? TOCSIN_E_TOOLONG : TOCSIN_E_PARSE, abs);
        }
    }
out:
    free(src);
    free(buf);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tocsin_ingest_XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    if (ts_scratch_init(&scratch) != TOCSIN_OK)
        return 1;
    test_json_walk();
    test_input_lines();
    test_input_gzip();
    test_input_slurp();
    test_json_elements();
    test_walk();
    test_zeek_tsv();
    test_zeek_json();
    test_suricata();
    test_winevent();
    test_nxlog();
    test_linux();
    test_bad_input();
    test_deep_json();
    test_oversized_pretty();
    test_pretty_json();
    test_shared();
    test_zeek_layouts_agree();
    test_line_loop();
    ts_scratch_free(&scratch);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_done("test_ingest");
}
