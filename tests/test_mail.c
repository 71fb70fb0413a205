/* test_mail.c: the mail readers (.eml, mbox, Maildir) on fixtures in tests/data/mail and
 * on files written here (a huge header, an over-size message). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/input.h"
#include "ingest/ingest.h"
#include "ingest/mail/mail_int.h"

#define MAX_EV 64

/* A deep copy of what a test looks at in one event. */
typedef struct got_ev {
    char dataset[32], from[128], subject[256], msgid[128], url[256], domain[128], md5[40], sha256[72];
    char file_path[128], src_ip[48], to[TS_MAX_RCPT][128];
    int n_to;
    int64_t ts_ns;
    uint64_t line;
    char *raw; /* "key=value\n" for every raw field */
} got_ev;

typedef struct got {
    got_ev ev[MAX_EV];
    int n, errors;
    char last_error[256];
    const char *reader;
} got;

static void cp(char *dst, size_t cap, ts_str s)
{
    size_t n = s.n < cap - 1 ? s.n : cap - 1;
    if (n)
        memcpy(dst, s.p, n);
    dst[n] = 0;
}

static void on_event(void *ud, ts_event *ev)
{
    got *g = ud;
    if (g->n == MAX_EV)
        return;
    got_ev *e = &g->ev[g->n++];
    memset(e, 0, sizeof *e);
    cp(e->dataset, sizeof e->dataset, ev->dataset);
    cp(e->from, sizeof e->from, ev->mail_from);
    cp(e->subject, sizeof e->subject, ev->mail_subject);
    cp(e->msgid, sizeof e->msgid, ev->mail_msgid);
    cp(e->url, sizeof e->url, ev->url);
    cp(e->domain, sizeof e->domain, ev->domain);
    cp(e->md5, sizeof e->md5, ev->md5);
    cp(e->sha256, sizeof e->sha256, ev->sha256);
    cp(e->file_path, sizeof e->file_path, ev->file_path);
    for (int i = 0; i < ev->n_mail_to; i++)
        cp(e->to[i], sizeof e->to[i], ev->mail_to[i]);
    e->n_to = ev->n_mail_to;
    if (ev->src_ip.v)
        ts_ip_format(&ev->src_ip, e->src_ip);
    e->ts_ns = ev->ts_ns;
    e->line = ev->line;
    size_t len = 1;
    for (size_t i = 0; i < ev->n_fields; i++)
        len += ev->fields[i].key.n + ev->fields[i].val.n + 2;
    e->raw = malloc(len);
    size_t o = 0;
    for (size_t i = 0; i < ev->n_fields; i++)
        o += (size_t)sprintf(e->raw + o, "%.*s=%.*s\n", (int)ev->fields[i].key.n, ev->fields[i].key.p,
                             (int)ev->fields[i].val.n, ev->fields[i].val.p);
    e->raw[o] = 0;
}

static void on_error(void *ud, const ts_diag *dg)
{
    got *g = ud;
    g->errors++;
    snprintf(g->last_error, sizeof g->last_error, "%s", dg->msg);
}

static void got_free(got *g)
{
    for (int i = 0; i < g->n; i++)
        free(g->ev[i].raw);
    g->n = 0;
}

/* Reads path with the reader its content selects; returns the reader's code. */
static int read_file(const char *path, got *g)
{
    memset(g, 0, sizeof *g);
    ts_input *in;
    char err[256];
    if (ts_input_open(path, &in, err, sizeof err) != TOCSIN_OK)
        return -1;
    const char *head;
    size_t hn = ts_input_peek(in, &head);
    const ts_reader *r = ts_reader_detect(head, hn);
    g->reader = r ? r->name : "none";
    int rc = -2;
    if (r) {
        ts_scratch s;
        ts_scratch_init(&s);
        ts_sink sink = {on_event, on_error, g};
        rc = r->read(in, &s, &sink);
        ts_scratch_free(&s);
    }
    ts_input_close(in);
    return rc;
}

static bool has(const got_ev *e, const char *kv)
{
    return strstr(e->raw, kv) != NULL;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

static void test_multipart(void)
{
    got g;
    CHECK_INT(read_file("tests/data/mail/multipart.eml", &g), TOCSIN_OK);
    CHECK_STR(g.reader, "mail-eml");
    CHECK_INT(g.errors, 0);
    /* the message, three further links, the attachment whose hashes are not typed */
    CHECK_INT(g.n, 5);
    got_ev *m = &g.ev[0];
    CHECK_STR(m->dataset, "email.message");
    CHECK_STR(m->from, "bob.jones@examp1e-corp.com");
    CHECK(has(m, "From.name=Bob Jones\n"));
    CHECK_INT(m->n_to, 3);
    CHECK_STR(m->to[0], "alice@example.com");
    CHECK_STR(m->to[2], "dave@example.com");
    CHECK_STR(m->subject, "Re: \xc3\x9c"
                          "berweisung f\xc3\xa4llig");
    CHECK_STR(m->msgid, "abc123@examp1e-corp.com");
    CHECK_INT(m->ts_ns, 1409558400LL * 1000000000LL);
    CHECK_STR(m->src_ip, "203.0.113.66"); /* the first public hop, not our relay */
    CHECK(has(m, "auth.spf=fail\n"));
    CHECK(has(m, "auth.dkim=none\n"));
    CHECK(has(m, "auth.dmarc=fail\n"));
    CHECK_INT(count(m->raw, "auth.dmarc="), 1); /* only the topmost header counts */
    CHECK(has(m, "Reply-To=payments@freemail.example.net\n"));
    CHECK(has(m, "Return-Path=billing@examp1e-corp.com\n"));
    CHECK(has(m, "X-Mailer=PHPMailer 5.2.9\n"));
    /* links: the plain-text copy merges with the HTML anchor; mailto is not a link */
    CHECK(has(m, "link.url=https://portal.examp1e-corp.com/pay?id=7&x=1\nlink.text=https://www.example.com/ "
                 "billing\n"));
    CHECK(has(m, "link.url=http://198.51.100.9/x.php\n"));
    CHECK(has(m, "link.url=www.example.com/help\n"));
    CHECK(!has(m, "mailto"));
    CHECK_INT(count(m->raw, "link.url="), 4);
    CHECK_STR(m->url, "https://portal.examp1e-corp.com/pay?id=7");
    CHECK_STR(m->domain, "portal.examp1e-corp.com");
    /* attachments: the zip with an executable is the risky one, typed on the message */
    CHECK(has(
        m, "attach.name=invoice.zip\nattach.type=application/zip\nattach.size=334\nattach.kind=archive\n"));
    CHECK(has(m, "attach.member=invoice.exe\nattach.member.kind=executable\n"));
    CHECK(has(m, "attach.member=readme.txt\n"));
    CHECK(has(m, "attach.name=statement.pdf\n"));
    CHECK(has(m, "attach.kind=document\n"));
    CHECK_STR(m->file_path, "invoice.zip");
    CHECK_INT((int)strlen(m->md5), 32);
    CHECK_INT((int)strlen(m->sha256), 64);
    /* the further events */
    int links = 0, atts = 0;
    for (int i = 1; i < g.n; i++) {
        if (strcmp(g.ev[i].dataset, "email.link") == 0) {
            links++;
            CHECK_STR(g.ev[i].msgid, "abc123@examp1e-corp.com");
            CHECK_STR(g.ev[i].from, ""); /* the sender is matched once, on the message */
        }
        if (strcmp(g.ev[i].dataset, "email.attachment") == 0) {
            atts++;
            CHECK_STR(g.ev[i].file_path, "statement.pdf");
            CHECK_INT((int)strlen(g.ev[i].sha256), 64);
        }
    }
    CHECK_INT(links, 3);
    CHECK_INT(atts, 1);
    got_free(&g);
}

static void test_mbox(void)
{
    got g;
    CHECK_INT(read_file("tests/data/mail/box.mbox", &g), TOCSIN_OK);
    CHECK_STR(g.reader, "mail-mbox");
    int msgs = 0;
    for (int i = 0; i < g.n; i++)
        msgs += strcmp(g.ev[i].dataset, "email.message") == 0;
    CHECK_INT(msgs, 3);
    got_ev *a = &g.ev[0];
    CHECK_STR(a->msgid, "m1@example.com");
    CHECK_INT(a->line, 1); /* where the message starts: its "From " line */
    CHECK(has(a, "link.url=http://intranet.example.com/menu\n"));
    /* the second message: unterminated multipart, bad base64, still one event */
    got_ev *b = NULL, *c = NULL;
    for (int i = 1; i < g.n; i++) {
        if (strcmp(g.ev[i].msgid, "m2@partner.example.org") == 0 && !b)
            b = &g.ev[i];
        if (strcmp(g.ev[i].msgid, "m3@example.com") == 0 && !c)
            c = &g.ev[i];
    }
    CHECK(b != NULL);
    if (b) {
        CHECK_STR(b->subject, "caf\xc3\xa9");
        CHECK_STR(b->src_ip, "198.51.100.20");
        CHECK_INT(b->line, 12);
        CHECK(has(b, "attach.name=run.js\n"));
        CHECK(has(b, "attach.kind=script\n"));
        CHECK_STR(b->file_path, "run.js");
    }
    CHECK(c != NULL);
    if (c) {
        CHECK_INT(c->n_to, 0);  /* an empty group */
        CHECK_INT(c->ts_ns, 0); /* "not a date" */
    }
    got_free(&g);
}

static void test_maildir(void)
{
    const char *files[] = {"tests/data/mail/maildir/cur/1409655600.M1P1.host:2,S",
                           "tests/data/mail/maildir/new/1409659200.M2P1.host"};
    const char *ids[] = {"md1@example.com", "md2@example.com"};
    for (int i = 0; i < 2; i++) {
        got g;
        CHECK_INT(read_file(files[i], &g), TOCSIN_OK);
        CHECK_STR(g.reader, "mail-eml");
        CHECK_INT(g.n, 1);
        CHECK_STR(g.ev[0].msgid, ids[i]);
        CHECK_STR(g.ev[0].src_ip, "10.1.2.3"); /* internal mail: the only hop */
        CHECK_STR(g.ev[0].domain, "wiki.example.com");
        got_free(&g);
    }
}

static void flag_encrypted(void *ud, ts_str name, bool encrypted)
{
    (void)name;
    *(int *)ud += encrypted;
}

static void test_malformed(void)
{
    got g;
    int rc = read_file("tests/data/mail/malformed.eml", &g);
    CHECK_INT(rc, TOCSIN_OK);
    CHECK_STR(g.reader, "mail-eml");
    CHECK(g.n <= 2);
    got_free(&g);
    /* not mail at all: no mail reader claims it */
    const char *json = "{\"ts\":1,\"uid\":\"C1\"}\n";
    CHECK_INT(mail_sniff_headers(json, strlen(json)), 0);
    const char *syslog = "Nov 23 10:00:00 host sshd[1]: Accepted password\n";
    CHECK_INT(mail_sniff_headers(syslog, strlen(syslog)), 0);
    const char *hdr = "Received: from x\nFrom: a@b\nSubject: s\n\nbody";
    CHECK(mail_sniff_headers(hdr, strlen(hdr)) >= 60);
}

/* What an analyst reads in a message: a From that does not parse, every Authentication-
 * Results verdict, mailing-list headers, the body's text, forms, links written with
 * entities or folded across lines, a PDF's links and form, an encrypted archive. */
static void test_analyst_fields(void)
{
    got g;
    CHECK_INT(read_file("tests/data/mail/brand-spoof.eml", &g), TOCSIN_OK);
    CHECK(g.n >= 1);
    if (g.n >= 1) {
        got_ev *e = &g.ev[0];
        CHECK_STR(e->from, "noreply@brand.example");
        CHECK(has(e, "From.malformed=1\n"));
        CHECK(has(e, "From.raw=Paket Service,(<noreply@brand.example>)\n"));
        CHECK(has(e, "auth.spf=softfail\n"));
        CHECK(has(e, "auth.dmarc=fail\n"));
        CHECK(has(e, "auth.dmarc.from=brand.example\n"));
        CHECK(has(e, "auth.compauth=fail\n"));
        CHECK(has(e, "auth.arc=none\n"));
        /* only the topmost header's verdicts: the second header's DKIM pass is another server's claim */
        CHECK(has(e, "auth.dkim.pass=mass-sender.example\n"));
        CHECK(!has(e, "auth.dkim.pass=brand.example\n"));
        CHECK(has(e, "link.url=https://pay.parcel-fee.example/x?id=1\nlink.text=https://www.dhl.de/track\n"));
        CHECK(has(e, "link.url=https://example.org/folded\n"));
        CHECK(has(e, "link.url=https://pdf-link.example/login\n"));
        CHECK(has(e, "body.form=https://collect.parcel-fee.example/p\nbody.password_input=1\n"));
        CHECK(has(e, "attach.pdf=links\nattach.pdf=form\n"));
        CHECK(has(e, "body.text=Ihr Paket wartet \xe2\x80\x93 bitte best\xc3\xa4tigen "
                     "https://www.dhl.de/track folded\n"));
        CHECK(!has(e, "hidden words")); /* scripts are no text */
    }
    got_free(&g);

    CHECK_INT(read_file("tests/data/mail/from-nested.eml", &g), TOCSIN_OK);
    if (g.n >= 1) {
        CHECK_STR(g.ev[0].from, "noreply@brand.example.nl");
        CHECK(has(&g.ev[0], "From.malformed=1\n"));
        CHECK(has(&g.ev[0], "Reply-To=help@desk.example\n"));
        CHECK(has(&g.ev[0], "Sender=s@sender.example\n"));
    }
    got_free(&g);
    CHECK_INT(read_file("tests/data/mail/from-nodomain.eml", &g), TOCSIN_OK);
    if (g.n >= 1) {
        CHECK_STR(g.ev[0].from, "infocorreios974555@alfandega");
        CHECK(has(&g.ev[0], "From.name=Correios\n"));
        CHECK(has(&g.ev[0], "From.malformed=1\n"));
    }
    got_free(&g);
    CHECK_INT(read_file("tests/data/mail/list-post.eml", &g), TOCSIN_OK);
    if (g.n >= 1) {
        CHECK(has(&g.ev[0], "list.id=Developers <dev.lists.example.org>\n"));
        CHECK(has(&g.ev[0], "list.post=mailto:dev@lists.example.org\n"));
        CHECK(has(&g.ev[0], "Precedence=list\n"));
        CHECK(!has(&g.ev[0], "From.malformed"));
    }
    got_free(&g);

    /* the address scanner on its own */
    ts_str a;
    CHECK(mail_addr_scan(ts_str_c("Name,(<noreply@brand.de>)"), &a) && ts_str_eq(a, "noreply@brand.de"));
    CHECK(mail_addr_scan(ts_str_c("<x@<noreply@brand.nl>"), &a) && ts_str_eq(a, "noreply@brand.nl"));
    CHECK(mail_addr_scan(ts_str_c("Correios <aviso@correios>"), &a) && ts_str_eq(a, "aviso@correios"));
    CHECK(mail_addr_scan(ts_str_c("GLS <collie@953488-theskimm,com>"), &a) &&
          ts_str_eq(a, "collie@953488-theskimm,com"));
    CHECK(!mail_addr_scan(ts_str_c("\"ADAC\" <\"ADAC_4990\">"), &a));
    CHECK(mail_addr_ok(ts_str_c("a.b@example.com")));
    CHECK(!mail_addr_ok(ts_str_c("a@correios")));
    CHECK(!mail_addr_ok(ts_str_c("a@x,com")));
    CHECK(!mail_addr_ok(ts_str_c("@example.com")));

    /* an encrypted zip member is flagged */
    FILE *f = fopen("tests/data/mail/encrypted.zip.bin", "rb");
    CHECK(f != NULL);
    if (f) {
        uint8_t buf[1024];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        int enc = 0;
        CHECK_INT(mail_zip_members(buf, n, flag_encrypted, &enc), 1);
        CHECK_INT(enc, 1);
    }
    CHECK_STR(mail_file_kind(ts_str_c("profile.mobileconfig"), NULL, 0), "config-profile");

    /* RAR and 7-Zip archives locked with a password, written here after their formats'
       documentation: a RAR 4 main header with encrypted headers, a RAR 4 file header of an
       encrypted file, a RAR 5 archive-encryption header, a 7-Zip header naming AES. */
    static const uint8_t rar4_hp[] = {'R',  'a',  'r', '!', 0x1a, 7, 0, 0, 0, 0x73,
                                      0x80, 0x00, 13,  0,   0,    0, 0, 0, 0, 0};
    static const uint8_t rar4_p[] = {'R', 'a', 'r', '!', 0x1a, 7, 0, 0, 0,    0x73, 0x00, 0x00, 13, 0,
                                     0,   0,   0,   0,   0,    0, 0, 0, 0x74, 0x04, 0x80, 7,    0};
    static const uint8_t rar4_open[] = {'R', 'a', 'r', '!', 0x1a, 7, 0, 0, 0,    0x73, 0x00, 0x00, 13, 0,
                                        0,   0,   0,   0,   0,    0, 0, 0, 0x74, 0x00, 0x80, 7,    0};
    static const uint8_t rar5_hp[] = {'R', 'a', 'r', '!', 0x1a, 7, 1, 0, 0, 0, 0, 0, 5, 4, 0, 0, 0, 0};
    static const uint8_t rar5_open[] = {'R', 'a', 'r', '!', 0x1a, 7, 1, 0, 0, 0, 0, 0, 5, 1, 0, 0, 0, 0};
    static const uint8_t sz_aes[] = {'7', 'z', 0xbc, 0xaf, 0x27, 0x1c, 0,    4,
                                     0,   0,   0x24, 0x06, 0xf1, 0x07, 0x01, 0};
    CHECK(mail_archive_encrypted(rar4_hp, sizeof rar4_hp));
    CHECK(mail_archive_encrypted(rar4_p, sizeof rar4_p));
    CHECK(!mail_archive_encrypted(rar4_open, sizeof rar4_open));
    CHECK(mail_archive_encrypted(rar5_hp, sizeof rar5_hp));
    CHECK(!mail_archive_encrypted(rar5_open, sizeof rar5_open));
    CHECK(mail_archive_encrypted(sz_aes, sizeof sz_aes));
    CHECK(!mail_archive_encrypted(sz_aes, 8));
    for (size_t cut = 0; cut < sizeof rar4_p; cut++) /* truncated: no overrun */
        mail_archive_encrypted(rar4_p, cut);
}

/* A 1 MB folded Subject and 5,000 Received headers: parsed, bounded, no crash. */
static void test_huge_header(void)
{
    const char *path = "build/tests/mail-huge-header.eml";
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("From: a@example.org\nTo: b@example.com\nMessage-ID: <huge@example.org>\nSubject: x", f);
    for (int i = 0; i < 20000; i++)
        fputs(" aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", f);
    for (int i = 0; i < 5000; i++)
        fputs("Received: from h (h [192.0.2.1]) by mx; Mon, 1 Sep 2014 08:00:00 +0000\n", f);
    fputs("\nbody\n", f);
    fclose(f);
    got g;
    CHECK_INT(read_file(path, &g), TOCSIN_OK);
    CHECK_INT(g.n, 1);
    if (g.n) {
        CHECK_STR(g.ev[0].msgid, "huge@example.org");
        CHECK(strlen(g.ev[0].subject) == sizeof g.ev[0].subject - 1);
    }
    got_free(&g);
    remove(path);
}

/* An mbox whose middle message is over the size cap: it is reported and skipped, the
 * messages around it are read. */
static void test_oversize(void)
{
    const char *path = "build/tests/mail-oversize.mbox";
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("From a@example.org Mon Sep  1 08:00:00 2014\nFrom: a@example.org\nMessage-ID: <one@x>\n\nhi\n\n",
          f);
    fputs("From b@example.org Mon Sep  1 08:00:00 2014\nFrom: b@example.org\nMessage-ID: <big@x>\n\n", f);
    char line[1001];
    memset(line, 'A', 1000);
    line[1000] = '\n';
    for (unsigned i = 0; i < (MAIL_MAX_MESSAGE / 1000) + 10; i++)
        fwrite(line, 1, sizeof line, f);
    fputs(
        "\nFrom c@example.org Mon Sep  1 08:00:00 2014\nFrom: c@example.org\nMessage-ID: <three@x>\n\nbye\n",
        f);
    fclose(f);
    got g;
    CHECK_INT(read_file(path, &g), TOCSIN_OK);
    CHECK_INT(g.n, 2);
    CHECK_INT(g.errors, 1);
    if (g.n == 2) {
        CHECK_STR(g.ev[0].msgid, "one@x");
        CHECK_STR(g.ev[1].msgid, "three@x");
    }
    CHECK(strstr(g.last_error, "limit") != NULL);
    got_free(&g);
    remove(path);
}

/* Writes an mbox of two messages: the first with `levels` nested multiparts, a link at the
 * top and one at the bottom; then a plain one. */
static void write_nested(const char *path, int levels)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fputs("From a@example.org Mon Sep  1 08:00:00 2014\nFrom: a@example.org\nMessage-ID: <deep@x>\n"
          "MIME-Version: 1.0\n",
          f);
    fputs("Content-Type: multipart/mixed; boundary=\"top\"\n\n--top\n"
          "Content-Type: text/plain\n\nsee http://top.example/a\n--top\n",
          f);
    for (int i = 0; i < levels; i++)
        fprintf(f, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i);
    fputs("Content-Type: text/plain\n\nsee http://bottom.example/b\n", f);
    for (int i = levels - 1; i >= 0; i--)
        fprintf(f, "--b%d--\n", i);
    fputs("--top--\n\nFrom c@example.org Mon Sep  1 08:00:00 2014\nFrom: c@example.org\n"
          "Message-ID: <after@x>\n\nbye\n",
          f);
    fclose(f);
}

/* Parts nested past MAIL_MAX_DEPTH are not read and the message says so; its upper parts
 * and the next message are read; 5,000 levels are no danger. */
static void test_nesting(void)
{
    const char *path = "build/tests/mail-nested.mbox";
    got g;
    write_nested(path, MAIL_MAX_DEPTH - 2); /* the innermost text part sits at level 64 */
    CHECK_INT(read_file(path, &g), TOCSIN_OK);
    CHECK_INT(g.errors, 0);
    CHECK(g.n >= 3 && strstr(g.ev[0].raw, "bottom.example") != NULL);
    got_free(&g);

    for (int levels = MAIL_MAX_DEPTH - 1; levels <= 5000; levels += 5000 - MAIL_MAX_DEPTH + 1) {
        write_nested(path, levels);
        CHECK_INT(read_file(path, &g), TOCSIN_OK);
        CHECK_INT(g.errors, 1);
        CHECK(strstr(g.last_error, "nested deeper than 64") != NULL);
        CHECK(g.n >= 2 && strcmp(g.ev[0].msgid, "deep@x") == 0);
        CHECK(g.n >= 2 && strstr(g.ev[0].raw, "top.example") != NULL);
        CHECK(g.n >= 2 && strstr(g.ev[0].raw, "bottom.example") == NULL);
        CHECK(g.n >= 2 && strcmp(g.ev[g.n - 1].msgid, "after@x") == 0);
        got_free(&g);
    }
    remove(path);
}

static void count_member(void *ud, ts_str name, bool encrypted)
{
    (void)name;
    (void)encrypted;
    ++*(int *)ud;
}

static void test_zip_and_kinds(void)
{
    FILE *f = fopen("tests/data/mail/invoice-zip.bin", "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    uint8_t buf[1024];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    int members = 0;
    CHECK_INT(mail_zip_members(buf, n, count_member, &members), 2);
    CHECK_INT(members, 2);
    /* truncated directories and junk are refused, not overrun */
    for (size_t cut = 0; cut < n; cut += 7)
        CHECK(mail_zip_members(buf, cut, count_member, &members) <= 2);
    CHECK_INT(mail_zip_members((const uint8_t *)"PK\5\6", 4, count_member, &members), -1);
    CHECK_STR(mail_file_kind(ts_str_c("x.docm"), NULL, 0), "macro-document");
    CHECK_STR(mail_file_kind(ts_str_c("Invoice.PDF"), NULL, 0), "document");
    CHECK_STR(mail_file_kind(ts_str_c("a.lnk"), NULL, 0), "shortcut");
    CHECK_STR(mail_file_kind(ts_str_c("a.iso"), NULL, 0), "disk-image");
    CHECK_STR(mail_file_kind(ts_str_c("a.hta"), NULL, 0), "html-app");
    CHECK_STR(mail_file_kind(ts_str_c("photo.jpg"), (const uint8_t *)"MZ\x90", 3), "executable");
    static const char ole[] = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....._\0V\0B\0A\0_\0P\0R\0O\0J\0E\0C\0T\0";
    CHECK(mail_has_vba((const uint8_t *)ole, sizeof ole));
    CHECK_STR(mail_file_kind(ts_str_c("report.doc"), (const uint8_t *)ole, sizeof ole), "macro-document");
    CHECK_STR(mail_file_kind(ts_str_c("contract.doc"), (const uint8_t *)ole, 8), "document");
}

/* Every message of the public sample parses into one message event with a sender. */
static void test_shared_sample(void)
{
    const char *dir = shared_data("mail/phishing-sample/email");
    if (!dir)
        return;
    char path[512];
    int files = 0, ok = 0;
    for (int i = 1; i <= 7900; i++) {
        snprintf(path, sizeof path, "%s/mail/phishing-sample/email/sample-%d.eml", dir, i);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        fclose(f);
        files++;
        got g;
        if (read_file(path, &g) == TOCSIN_OK && g.n >= 1 && strcmp(g.ev[0].dataset, "email.message") == 0 &&
            g.ev[0].from[0] && g.ev[0].ts_ns > 0)
            ok++;
        else
            fprintf(stderr, "sample-%d.eml: reader %s, %d events\n", i, g.reader, g.n);
        got_free(&g);
    }
    CHECK_INT(files, 35);
    CHECK_INT(ok, files);
}

int main(void)
{
    test_multipart();
    test_mbox();
    test_maildir();
    test_malformed();
    test_huge_header();
    test_oversize();
    test_nesting();
    test_zip_and_kinds();
    test_analyst_fields();
    test_shared_sample();
    return check_done("test_mail");
}
