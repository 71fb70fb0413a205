/* test_phishing.c: the phishing detector: look-alike domains, spoofed names, failed
 * authentication, deceptive links, risky attachments, the click, saved state, and every
 * message of the public phishing sample. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/config.h"
#include "core/input.h"
#include "detect/detect.h"
#include "detect/phishing/phish_int.h"
#include "detect/phishing/phish_lists.h"
#include "ingest/ingest.h"

#define MAX_GOT 64
static ts_alert *got[MAX_GOT];
static size_t n_got;

static void keep(void *ud, ts_alert *a)
{
    (void)ud;
    if (n_got < MAX_GOT)
        got[n_got++] = a;
    else
        ts_alert_free(a);
}
static const ts_alert_sink sink = {keep, NULL};

static void drop_all(void)
{
    for (size_t i = 0; i < n_got; i++)
        ts_alert_free(got[i]);
    n_got = 0;
}

static const ts_detector *phishing(void)
{
    return ts_detector_find("phishing", strlen("phishing"));
}

/* A detector state that lives across several events. */
typedef struct run {
    const ts_detector *d;
    void *st;
} run;

static run start(const ts_detect_ctx *ctx)
{
    run r = {phishing(), NULL};
    r.st = calloc(1, r.d->state_size);
    CHECK_INT(r.d->init(r.st, ctx), TOCSIN_OK);
    return r;
}

static void stop(run *r)
{
    if (r->d->finish)
        r->d->finish(r->st, &sink);
    ts_detector_fini(r->d, r->st);
    free(r->st);
}

/* ---- hand-made messages ------------------------------------------------------------- */

#define T0 1409558400000000000LL /* 2014-09-01T08:00:00Z */
#define MIN (60LL * 1000000000LL)

typedef struct msg {
    ts_event ev;
    ts_field f[32];
} msg;

static void field(msg *m, const char *k, const char *v)
{
    if (m->ev.n_fields < 32)
        m->f[m->ev.n_fields++] = (ts_field){ts_str_c(k), ts_str_c(v)};
    m->ev.fields = m->f;
}

static ts_ip ip_of(const char *s)
{
    ts_ip ip;
    ts_ip_parse(ts_str_c(s), &ip);
    return ip;
}

static void mail(msg *m, const char *from, const char *name, const char *to, const char *subject,
                 const char *msgid, int64_t t)
{
    memset(m, 0, sizeof *m);
    ts_event_clear(&m->ev);
    m->ev.dataset = ts_str_c("email.message");
    m->ev.category = TS_CAT_EMAIL;
    m->ev.action = ts_str_c("message");
    m->ev.ts_ns = t;
    m->ev.mail_from = ts_str_c(from);
    m->ev.mail_to[0] = ts_str_c(to);
    m->ev.n_mail_to = 1;
    m->ev.mail_subject = ts_str_c(subject);
    m->ev.mail_msgid = ts_str_c(msgid);
    m->ev.src_ip = ip_of("185.199.108.7");
    m->ev.src_geo.flags = TS_NET_KNOWN;
    m->ev.file = "mail.mbox";
    m->ev.line = 1;
    field(m, "From.name", name);
    field(m, "auth.spf", "pass");
    field(m, "auth.dkim", "pass");
    field(m, "auth.dmarc", "pass");
}

static void link(msg *m, const char *url, const char *text)
{
    field(m, "link.url", url);
    field(m, "link.text", text);
}

/* The alerts' titles joined, for failure messages. */
static const char *titles(void)
{
    static char buf[4096];
    size_t o = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n_got && o < sizeof buf - 1; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "[%s] ", got[i]->title);
    return buf;
}

static bool title_has(const char *s)
{
    for (size_t i = 0; i < n_got; i++)
        if (strstr(got[i]->title, s))
            return true;
    return false;
}

/* Runs one message; returns the number of alerts it raised (kept in got). */
static size_t one(run *r, msg *m)
{
    drop_all();
    r->d->event(r->st, &m->ev, &sink);
    if (n_got)
        printf("  alert: %s\n", titles());
    return n_got;
}

static ts_config *make_config(const char *text)
{
    const char *path = "build/tests/phishing-test.conf";
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fputs(text, f);
    fclose(f);
    ts_config *c = NULL;
    ts_config_load(path, &c, NULL, NULL);
    remove(path);
    return c;
}

static const char *conf_text = "[phishing]\n"
                               "org_domains = example.com\n"
                               "partner_domains = example-logistics.com, contoso.com\n"
                               "click_window = 24h\n";

static void test_domains(void)
{
    char reg[PHISH_NAME_MAX];
    CHECK_INT(phish_registrable(ts_str_c("a.b.Example.co.uk"), reg), 13);
    CHECK_STR(reg, "example.co.uk");
    CHECK_INT(phish_registrable(ts_str_c("mail.example.com."), reg), 11);
    CHECK_STR(reg, "example.com");
    CHECK_INT(phish_registrable(ts_str_c("192.0.2.1"), reg), 0);
    CHECK_INT(phish_registrable(ts_str_c("localhost"), reg), 0);
    CHECK_INT(phish_distance(ts_str_c("example"), ts_str_c("exmaple"), 2), 1);
    CHECK_INT(phish_distance(ts_str_c("example"), ts_str_c("exampel"), 2), 1);
    CHECK_INT(phish_distance(ts_str_c("example"), ts_str_c("xample"), 2), 1);
    CHECK_INT(phish_distance(ts_str_c("example"), ts_str_c("contoso"), 2), 3);
    uint32_t cp[16];
    CHECK_INT(phish_punycode(ts_str_c("bcher-kva"), cp, 16), 6);
    CHECK_INT(cp[1], 0xfc);
    CHECK_INT(phish_punycode(ts_str_c("80ak6aa92e"), cp, 16), 5);
    CHECK_INT(cp[0], 0x430);
    CHECK_INT(phish_punycode(ts_str_c("!!"), cp, 16), -1);
    CHECK_INT(phish_punycode(ts_str_c("zzzzzzzzzzzzzzzzzzzzzzzzzz"), cp, 16), -1);
    char sk[PHISH_NAME_MAX];
    bool mapped;
    phish_skeleton(ts_str_c("xn--80ak6aa92e"), sk, &mapped);
    CHECK_STR(sk, "apple");
    CHECK(mapped);
    phish_skeleton(ts_str_c("rnicr0soft"), sk, &mapped);
    CHECK_STR(sk, "microsoft");
    phish_skeleton(ts_str_c("vvells"), sk, &mapped);
    CHECK_STR(sk, "wells");
    phish_skeleton(ts_str_c("example"), sk, &mapped);
    CHECK(!mapped);
    char why[160];
    CHECK(phish_imitates(ts_str_c("examp1e.com"), ts_str_c("example.com"), why, sizeof why));
    CHECK(phish_imitates(ts_str_c("xn--exmple-4nf.com"), ts_str_c("example.com"), why, sizeof why));
    CHECK_STR(why, "homoglyphs of example.com");
    CHECK(phish_imitates(ts_str_c("example-security.com"), ts_str_c("example.com"), why, sizeof why));
    CHECK_STR(why, "example.com with added words");
    CHECK(phish_imitates(ts_str_c("example.net"), ts_str_c("example.com"), why, sizeof why));
    CHECK(phish_imitates(ts_str_c("exampel.com"), ts_str_c("example.com"), why, sizeof why));
    CHECK_STR(why, "1 edit from example.com");
    CHECK(!phish_imitates(ts_str_c("example.com"), ts_str_c("example.com"), why, sizeof why));
    CHECK(!phish_imitates(ts_str_c("contoso.com"), ts_str_c("example.com"), why, sizeof why));
    CHECK(!phish_imitates(ts_str_c("bbc.com"), ts_str_c("abc.com"), why, sizeof why)); /* too short */
    CHECK(!phish_imitates(ts_str_c("sample.com"), ts_str_c("sonya.com"), why, sizeof why));
    /* added words must be set apart: "linuxmafia" is no look-alike of linux */
    CHECK(!phish_imitates(ts_str_c("examplemafia.com"), ts_str_c("example.com"), why, sizeof why));

    /* The Public Suffix List, not a hand-made table: eu.com, sa.com and co.ua are suffixes
       under which anyone registers a name. */
    CHECK_INT(phish_registrable(ts_str_c("mail.offers4u.sa.com"), reg), 15);
    CHECK_STR(reg, "offers4u.sa.com");
    CHECK_INT(phish_registrable(ts_str_c("x.webrentals.eu.com"), reg), 17);
    CHECK_STR(reg, "webrentals.eu.com");
    CHECK_INT(phish_registrable(ts_str_c("clientes-rastreamentocorreios.co.ua"), reg), 35);
    CHECK_STR(reg, "clientes-rastreamentocorreios.co.ua");
    CHECK_INT(phish_registrable(ts_str_c("a.b.example.com.br"), reg), 14);
    CHECK_STR(reg, "example.com.br");
    CHECK_INT(phish_registrable(ts_str_c("correios"), reg), 0);
}

/* The list files' parser: sections, brand lines, bad lines named, folding. */
static int diag_lines;
static void count_diag(void *ud, const ts_diag *d)
{
    (void)ud;
    CHECK(d->file && strcmp(d->file, "brands") == 0);
    CHECK_INT(d->code, TOCSIN_E_PARSE);
    diag_lines += d->line > 0;
}

static void test_lists(void)
{
    phish_lists *l = phish_lists_new();
    CHECK(l != NULL);
    static const char brands[] = "# comment\n"
                                 "Acme Bank, AcmePay: acme-bank.example acmepay.example\n"
                                 "no colon here\n"
                                 "Zeta: bad_host!.example\n"
                                 "IT Helpdesk:\n";
    diag_lines = 0;
    CHECK_INT(phish_lists_parse(l, 0, "brands", brands, sizeof brands - 1, count_diag, NULL), 2);
    CHECK_INT(diag_lines, 2);
    static const char services[] =
        "[freemail]\nmail.example\n[tracker]\n.click.example\n[nonsense]\nx.example\n";
    CHECK_INT(phish_lists_parse(l, 1, "services", services, sizeof services - 1, NULL, NULL), 2);
    static const char phrases[] =
        "[credential]\nVérifiez votre compte\nverifi*\n[urgency]\nwithin 24 hours\nab\n";
    CHECK_INT(phish_lists_parse(l, 2, "phrases", phrases, sizeof phrases - 1, NULL, NULL), 1);
    phish_lists_ready(l);
    CHECK_INT((int)phish_lists_n_brands(l), 3);
    CHECK_INT(phish_lists_brand_of(l, ts_str_c("acmepay.example")), 0);
    CHECK_INT(phish_lists_brand_of(l, ts_str_c("other.example")), -1);
    /* each brand's domains (from the per-brand index), in sorted order, within the cap */
    const char *doms[4];
    CHECK_INT(phish_lists_brand_domains(l, 0, doms, 4), 2);
    CHECK(!strcmp(doms[0], "acme-bank.example") && !strcmp(doms[1], "acmepay.example"));
    CHECK_INT(phish_lists_brand_domains(l, 0, doms, 1), 1);
    CHECK_INT(phish_lists_brand_domains(l, 2, doms, 4), 0); /* IT Helpdesk: none */
    CHECK_INT(phish_lists_brand_domains(l, 3, doms, 4), 0); /* no such brand */
    CHECK_INT(phish_lists_brand_domains(l, -1, doms, 4), 0);
    const char *name = NULL;
    char f[256];
    size_t hid = 0;
    size_t fn = phish_fold(ts_str_c("Your ACME\xe2\x80\x8b"
                                    " BANK team"),
                           f, sizeof f, &hid);
    CHECK_STR(f, "your acme bank team");
    CHECK_INT(phish_lists_brand_named(l, ts_str_make(f, fn), &name), 0);
    CHECK_STR(name, "Acme Bank");
    fn = phish_fold(ts_str_c("acmebanking news"), f, sizeof f, NULL);
    CHECK_INT(phish_lists_brand_named(l, ts_str_make(f, fn), &name), -1); /* whole words only */
    /* a zero-width joiner inside a word is counted */
    phish_fold(ts_str_c("V\xe2\x80\x8d"
                        "e\xe2\x80\x8d"
                        "nmo"),
               f, sizeof f, &hid);
    CHECK_STR(f, "venmo");
    CHECK_INT((int)hid, 2);
    CHECK(phish_lists_service(l, PHISH_SVC_FREEMAIL, ts_str_c("mail.example"), ts_str_c("mail.example")));
    CHECK(phish_lists_service(l, PHISH_SVC_TRACKER, ts_str_c("t.click.example"), ts_str_c("click.example")));
    CHECK(!phish_lists_service(l, PHISH_SVC_TRACKER, ts_str_c("click.example.org"), ts_str_c("example.org")));
    ts_str first[PHISH_CAT_N];
    fn = phish_fold(ts_str_c("Please VERIFIEZ votre compte within 24 hours"), f, sizeof f, NULL);
    unsigned cats = phish_lists_scan(l, ts_str_make(f, fn), first);
    CHECK(cats & (1u << PHISH_CAT_CREDENTIAL));
    CHECK(cats & (1u << PHISH_CAT_URGENCY));
    fn = phish_fold(ts_str_c("we verified it"), f, sizeof f, NULL);
    CHECK(phish_lists_scan(l, ts_str_make(f, fn), first) & (1u << PHISH_CAT_CREDENTIAL)); /* the stem */
    fn = phish_fold(ts_str_c("unverified"), f, sizeof f, NULL);
    CHECK_INT((int)phish_lists_scan(l, ts_str_make(f, fn), first), 0); /* phrases start at a word */
    phish_lists_free(l);
}

static void test_senders(const ts_detect_ctx *ctx)
{
    run r = start(ctx);
    msg m;
    /* look-alike of our domain */
    mail(&m, "it-support@examp1e.com", "IT Service Desk", "alice@example.com", "Mailbox quota", "<a1@x>", T0);
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("examp1e.com: homoglyphs of example.com"));
    if (n_got) {
        CHECK_STR(got[0]->detector, "phishing");
        CHECK_STR(got[0]->user, "alice@example.com");
        CHECK_STR(got[0]->remote_name, "it-support@examp1e.com");
        CHECK_STR(got[0]->techniques, "T1598");
        CHECK(got[0]->severity >= 50);
        CHECK_STR(got[0]->key, "phish|a1@x");
    }
    /* a legitimate partner whose name holds ours, with a PDF invoice and a share link */
    mail(&m, "bob.reed@example-logistics.com", "Bob Reed", "alice@example.com", "Invoice 2014-0932", "<a2@x>",
         T0 + MIN);
    link(&m, "https://share.example-logistics.com/s/1f", "Shared folder");
    field(&m, "attach.name", "invoice.pdf");
    field(&m, "attach.kind", "document");
    CHECK_INT(one(&r, &m), 0);
    /* a look-alike of the partner */
    mail(&m, "bob.reed@example-logistlcs.com", "Bob Reed", "alice@example.com", "Invoice 2014-0933", "<a3@x>",
         T0 + 2 * MIN);
    CHECK_INT(one(&r, &m), 1);
    /* ours with added words, in punycode, under another suffix, as a subdomain */
    const char *fakes[] = {"it@example-verify.com", "it@xn--exmple-4nf.com", "it@example.net",
                           "it@example.com.secure-login.net"};
    for (int i = 0; i < 4; i++) {
        mail(&m, fakes[i], "IT", "alice@example.com", "hello", "<a4@x>", T0 + 3 * MIN);
        CHECK_INT(one(&r, &m), 1);
    }
    /* a stranger with a different name and passing authentication: nothing */
    mail(&m, "news@cinema-weekly.org", "Cinema Weekly", "alice@example.com", "This week in film", "<a5@x>",
         T0 + 4 * MIN);
    CHECK_INT(one(&r, &m), 0);
    /* DMARC fails: flagged; the same with DMARC passing is not (above) */
    mail(&m, "news@cinema-weekly.org", "Cinema Weekly", "alice@example.com", "This week in film", "<a6@x>",
         T0 + 5 * MIN);
    m.f[3].val = ts_str_c("fail");
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("DMARC fail"));
    /* our own domain from outside failing DMARC */
    mail(&m, "ceo@example.com", "The CEO", "alice@example.com", "wire", "<a7@x>", T0 + 6 * MIN);
    m.f[3].val = ts_str_c("fail");
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("claims our domain example.com but fails DMARC"));
    drop_all();
    stop(&r);
    drop_all();
}

/* Without configuration the organisation is the most common recipient domain; a Zeek
 * smtp.log sender ("Name <addr>") is read the same as the mail reader's. */
static void test_learned_org(void)
{
    ts_detect_ctx none = {0};
    run r = start(&none);
    msg m;
    mail(&m, "it@silverlake-verify.com", "IT", "ann@silverlake.com", "hello", "<o0@x>", T0);
    CHECK_INT(one(&r, &m), 0); /* nothing learned yet */
    const char *staff[] = {"bo@silverlake.com", "cy@silverlake.com", "di@silverlake.com", "ed@silverlake.com",
                           "fa@silverlake.com"};
    for (int i = 0; i < 5; i++) {
        mail(&m, "news@film-weekly.org", "Film Weekly", staff[i], "This week", "<o1@x>", T0 + MIN);
        CHECK_INT(one(&r, &m), 0);
    }
    mail(&m, "\"IT Desk\" <it@silverlake-verify.com>", "", "ann@silverlake.com", "hello", "<o2@x>",
         T0 + 2 * MIN);
    m.ev.dataset = ts_str_c("zeek.smtp");
    m.ev.action = TS_STR_NULL;
    m.ev.n_fields = 0;
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("silverlake-verify.com: silverlake.com with added words"));
    if (n_got)
        CHECK_STR(got[0]->remote_name, "it@silverlake-verify.com");
    /* The reader's per-link events are not messages. */
    m.ev.dataset = ts_str_c("email.link");
    m.ev.action = ts_str_c("message-link");
    CHECK_INT(one(&r, &m), 0);
    drop_all();
    stop(&r);
    drop_all();
}

static void test_display_names(const ts_detect_ctx *ctx)
{
    run r = start(ctx);
    msg m;
    /* Alice writes to Bob from her workstation: her name becomes a colleague's. */
    mail(&m, "alice.smith@example.com", "Alice Smith", "bob@example.com", "lunch", "<d1@x>", T0);
    m.ev.src_ip = ip_of("10.1.2.3");
    m.ev.src_geo.flags = TS_NET_KNOWN | TS_NET_INTERNAL;
    CHECK_INT(one(&r, &m), 0);
    /* her name on a free-mail address */
    mail(&m, "alice.smith.work@gmail.com", "Alice Smith", "bob@example.com", "quick favour", "<d2@x>",
         T0 + MIN);
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("display name \"Alice Smith\" of a colleague"));
    /* the real colleague again: nothing */
    mail(&m, "alice.smith@example.com", "Alice Smith", "bob@example.com", "re: lunch", "<d3@x>",
         T0 + 2 * MIN);
    m.ev.src_ip = ip_of("10.1.2.3");
    m.ev.src_geo.flags = TS_NET_KNOWN | TS_NET_INTERNAL;
    CHECK_INT(one(&r, &m), 0);
    /* another person of the same first name only: nothing */
    mail(&m, "alice.jones@gmail.com", "Alice Jones", "bob@example.com", "hi", "<d4@x>", T0 + 3 * MIN);
    CHECK_INT(one(&r, &m), 0);
    /* a name showing another address, and one invoking a brand */
    mail(&m, "x@mailer.example.org", "alice.smith@example.com", "bob@example.com", "hi", "<d5@x>",
         T0 + 4 * MIN);
    CHECK_INT(one(&r, &m), 1);
    mail(&m, "no-reply@access-accsecurity.com", "Microsoft account team", "bob@example.com",
         "Unusual sign-in activity", "<d6@x>", T0 + 5 * MIN);
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("invokes Microsoft"));
    mail(&m, "account-security-noreply@accountprotection.microsoft.com", "Microsoft account team",
         "bob@example.com", "Microsoft account security info", "<d7@x>", T0 + 6 * MIN);
    CHECK_INT(one(&r, &m), 0);

    /* The staff names survive a restart through save/load. */
    void *blob = NULL;
    size_t len = 0;
    CHECK_INT(ts_detector_save(r.d, r.st, &blob, &len), TOCSIN_OK);
    stop(&r);
    run r2 = start(ctx);
    CHECK_INT(ts_detector_load(r2.d, r2.st, blob, len, NULL, 0), TOCSIN_OK);
    mail(&m, "alice.smith.work@gmail.com", "Alice Smith", "bob@example.com", "quick favour", "<d8@x>",
         T0 + 7 * MIN);
    CHECK_INT(one(&r2, &m), 1);
    char why[200];
    CHECK(ts_detector_load(r2.d, r2.st, blob, len > 10 ? len - 10 : 0, why, sizeof why) == TOCSIN_E_FORMAT);
    CHECK(strstr(why, "phishing: saved state damaged at field 'inside'") == why);
    CHECK(ts_detector_load(r2.d, r2.st, "XXXX", 4, why, sizeof why) == TOCSIN_E_FORMAT);
    CHECK(strstr(why, "not a state of this kind or version") != NULL);
    free(blob);
    drop_all();
    stop(&r2);
    drop_all();
}

/* Brands, malformed senders, body wording, mailing lists: the analyst's reading. */
static void test_brands_and_bodies(const ts_detect_ctx *ctx)
{
    run r = start(ctx);
    msg m;
    /* a brand's name in the display name, a sender elsewhere, and lure wording */
    mail(&m, "noreply@parcel-notice.info", "DHL Express", "alice@example.com", "Paket", "<b1@x>", T0);
    field(&m, "body.text", "Your parcel is on hold: pay the customs fee within 24 hours.");
    link(&m, "https://parcel-notice.info/pay", "Pay now");
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("invokes DHL"));
    CHECK(title_has("delivery wording"));
    /* the brand writing from its own domain, properly signed: nothing */
    mail(&m, "noreply@dhl.de", "DHL Paket", "alice@example.com", "Ihre Sendung", "<b2@x>", T0 + MIN);
    field(&m, "auth.dkim.pass", "dhl.de");
    field(&m, "body.text", "Ihre Sendung kommt morgen.");
    CHECK_INT(one(&r, &m), 0);
    /* the brand's domain in a From that does not parse and fails DMARC: spoofed */
    mail(&m, "noreply@dhl.de", "", "alice@example.com", "Gutschein", "<b3@x>", T0 + 2 * MIN);
    field(&m, "From.raw", "Dies ist Ihre Chance!,(<noreply@dhl.de>)");
    field(&m, "From.malformed", "1");
    m.f[3].val = ts_str_c("fail"); /* auth.dmarc */
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("the From header does not parse"));
    CHECK(title_has("claims to come from DHL"));
    /* a sender with no real domain, naming a brand */
    mail(&m, "noreply@correios", "Correios", "alice@example.com", "Encomenda retida", "<b4@x>", T0 + 3 * MIN);
    field(&m, "body.text", "Sua encomenda retida na alfândega. Pague a taxa de liberação.");
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("names no real domain"));
    /* a look-alike of a brand's domain (homoglyphs) */
    mail(&m, "support@paypa1.com", "Support", "alice@example.com", "Account", "<b5@x>", T0 + 4 * MIN);
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("imitates a brand: homoglyphs of paypal.com"));
    /* a brand's whole domain in front of another */
    mail(&m, "notify@paypal.com.account-check.biz", "Service", "alice@example.com", "Notice", "<b5b@x>",
         T0 + 4 * MIN);
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("puts paypal.com (PayPal) in front of account-check.biz"));
    /* checked mail that nothing ties to its From domain, and a compauth failure */
    mail(&m, "service@shop-vouchers.biz", "Gutschein", "alice@example.com", "Gutschein", "<b5c@x>",
         T0 + 4 * MIN);
    field(&m, "Return-Path", "bounce@bulk-relay.biz");
    field(&m, "auth.compauth", "fail");
    m.f[2].val = ts_str_c("none"); /* auth.dkim */
    field(&m, "body.text", "Herzlichen Glückwunsch, Sie haben gewonnen!");
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("composite authentication (compauth) fail"));
    mail(&m, "service@shop-vouchers.biz", "Gutschein", "alice@example.com", "Gutschein", "<b5d@x>",
         T0 + 4 * MIN);
    field(&m, "Return-Path", "bounce@bulk-relay.biz");
    m.f[2].val = ts_str_c("none");
    m.f[3].val = ts_str_c("none"); /* auth.dmarc */
    field(&m, "body.text", "Herzlichen Glückwunsch, Sie haben gewonnen!");
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("nothing proves the From domain shop-vouchers.biz"));
    /* the same with a DKIM signature of the From domain: proven, and lure wording alone is
       not enough */
    mail(&m, "service@shop-vouchers.biz", "Gutschein", "alice@example.com", "Gutschein", "<b5e@x>",
         T0 + 4 * MIN);
    field(&m, "Return-Path", "bounce@bulk-relay.biz");
    field(&m, "auth.dkim.pass", "shop-vouchers.biz");
    field(&m, "body.text", "Herzlichen Glückwunsch, Sie haben gewonnen!");
    CHECK_INT(one(&r, &m), 0);
    /* the password of an attached archive in the body */
    mail(&m, "billing@invoices-online.biz", "Billing", "alice@example.com", "Invoice", "<b6@x>",
         T0 + 5 * MIN);
    field(&m, "body.text", "Please find the invoice attached. The password is 4411.");
    field(&m, "attach.name", "invoice.zip");
    field(&m, "attach.kind", "archive");
    field(&m, "attach.encrypted", "1");
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("gives the password for its attachment"));
    /* a callback scam: no link, a number to call */
    mail(&m, "orders@receipts-mail.biz", "Billing Dept", "alice@example.com", "Order 8812", "<b7@x>",
         T0 + 6 * MIN);
    field(&m, "body.text",
          "Your subscription has been renewed and $399.99 will be charged. If you did not authorize "
          "this, call us at +1 (808) 555-0199 to cancel your order.");
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("asks the reader to call +1 (808) 555-0199"));
    /* a form asking for a password inside the message */
    mail(&m, "it@mailbox-upgrade.biz", "Mail", "alice@example.com", "Mailbox", "<b8@x>", T0 + 7 * MIN);
    field(&m, "body.form", "https://collect.mailbox-upgrade.biz/p.php");
    field(&m, "body.password_input", "1");
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("form asking for a password"));
    /* a newsletter: tracked links with other domains in the text, recipient in the link,
       a search form; no deception, so nothing */
    mail(&m, "news@weekly.dailytech-news.net", "Weekly News", "alice@example.com", "This week", "<b9@x>",
         T0 + 8 * MIN);
    link(&m, "https://ct.sendgrid.net/ls/click?u=alice@example.com", "www.technews.org/story");
    link(&m, "https://weekly.dailytech-news.net/unsub?e=alice@example.com", "unsubscribe");
    field(&m, "body.form", "https://weekly.dailytech-news.net/search");
    CHECK_INT(one(&r, &m), 0);
    /* a mailing list post from a free-mail member: nothing */
    mail(&m, "member1234@gmail.com", "A Member", "dev@lists.opensource.org", "Re: build fails", "<b10@x>",
         T0 + 9 * MIN);
    field(&m, "list.id", "<dev.lists.opensource.org>");
    field(&m, "Reply-To", "dev@lists.opensource.org");
    field(&m, "Return-Path", "dev-bounces+alice=example.com@lists.opensource.org");
    link(&m, "https://paste.opensource.net/x", "");
    CHECK_INT(one(&r, &m), 0);
    drop_all();
    stop(&r);
    drop_all();
}

static void test_links_and_attachments(const ts_detect_ctx *ctx, const ts_intel *ti)
{
    ts_detect_ctx c2 = *ctx;
    c2.intel = ti;
    run r = start(&c2);
    msg m;
    /* a link whose text shows one domain and whose target is another */
    mail(&m, "offers@shop-news.net", "Shop News", "alice@example.com", "Your order", "<l1@x>", T0);
    link(&m, "http://evil-login.net/pp/", "https://www.paypal.com/signin");
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("link text shows paypal.com (PayPal) but goes to evil-login.net"));
    if (n_got)
        CHECK_STR(got[0]->techniques, "T1566.002");
    /* the honest version: text and target agree */
    mail(&m, "offers@shop-news.net", "Shop News", "alice@example.com", "Your order", "<l2@x>", T0 + MIN);
    link(&m, "https://www.shop-news.net/orders/7", "www.shop-news.net/orders");
    CHECK_INT(one(&r, &m), 0);
    /* a link domain in intelligence */
    mail(&m, "offers@shop-news.net", "Shop News", "alice@example.com", "Your order", "<l3@x>", T0 + 2 * MIN);
    link(&m, "https://cdn.evil-lazarus.com/x", "click");
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("listed in sony-2014"));
    /* a macro document */
    mail(&m, "hr@contoso.com", "HR", "alice@example.com", "Salary review", "<l4@x>", T0 + 3 * MIN);
    field(&m, "attach.name", "salaries.docm");
    field(&m, "attach.kind", "macro-document");
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("salaries.docm is a macro-document"));
    if (n_got)
        CHECK_STR(got[0]->techniques, "T1566.001");
    /* a .doc with a VBA project, an archive with an executable, a listed hash */
    mail(&m, "hr@contoso.com", "HR", "alice@example.com", "Salary review", "<l5@x>", T0 + 4 * MIN);
    field(&m, "attach.name", "report.zip");
    field(&m, "attach.kind", "archive");
    field(&m, "attach.member", "report.exe");
    field(&m, "attach.member.kind", "executable");
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("archive report.zip holds report.exe (executable)"));
    mail(&m, "hr@contoso.com", "HR", "alice@example.com", "Salary review", "<l6@x>", T0 + 5 * MIN);
    field(&m, "attach.name", "scan.pdf");
    field(&m, "attach.kind", "document");
    field(&m, "attach.md5", "e2ecec43da974db02f624ecadc94baf1");
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("has a hash listed in sony-2014"));
    /* a PDF invoice from a known partner: nothing */
    mail(&m, "billing@contoso.com", "Contoso Billing", "alice@example.com", "Invoice 7", "<l7@x>",
         T0 + 6 * MIN);
    field(&m, "attach.name", "invoice.pdf");
    field(&m, "attach.kind", "document");
    field(&m, "attach.md5", "00000000000000000000000000000000");
    CHECK_INT(one(&r, &m), 0);
    /* a new link domain alone is not enough */
    mail(&m, "news@festival.org", "Festival", "alice@example.com", "Lineup", "<l8@x>", T0 + 7 * MIN);
    link(&m, "https://click.festival-mail.org/t/1", "Lineup");
    CHECK_INT(one(&r, &m), 0);
    /* "new to us" says when the baseline is young, and stops saying it once it is not */
    mail(&m, "offers@shop-news.net", "Shop News", "alice@example.com", "Your order", "<l9@x>", T0 + 8 * MIN);
    link(&m, "http://evil-login2.net/pp/", "www.paypal.com");
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("(still learning: "));
    static char doms[210][48], mids[210][24];
    for (int i = 0; i < 210; i++) {
        snprintf(doms[i], sizeof doms[i], "https://w%d-mail.net/x", i);
        snprintf(mids[i], sizeof mids[i], "<n%d@x>", i);
        mail(&m, "news@weekly-news.net", "News", "alice@example.com", "Weekly", mids[i], T0 + 9 * MIN);
        link(&m, doms[i], "read more");
        r.d->event(r.st, &m.ev, &sink);
    }
    drop_all();
    mail(&m, "offers@shop-news.net", "Shop News", "alice@example.com", "Your order", "<l10@x>",
         T0 + 10 * MIN);
    link(&m, "http://evil-login3.net/pp/", "www.paypal.com");
    CHECK_INT(one(&r, &m), 1);
    CHECK(title_has("link domain new to us: evil-login3.net ["));
    drop_all();
    stop(&r);
    drop_all();
}

static void dns(ts_event *ev, const char *src, const char *query, int64_t t)
{
    ts_event_clear(ev);
    ev->dataset = ts_str_c("zeek.dns");
    ev->category = TS_CAT_DNS | TS_CAT_NETWORK;
    ev->ts_ns = t;
    ev->src_ip = ip_of(src);
    ev->src_geo.flags = TS_NET_KNOWN | TS_NET_INTERNAL;
    ev->domain = ts_str_c(query);
    ev->file = "dns.log";
    ev->line = 9;
}

static void logon(ts_event *ev, const char *user, const char *src, int64_t t)
{
    ts_event_clear(ev);
    ev->dataset = ts_str_c("windows.security");
    ev->category = TS_CAT_AUTH;
    ev->outcome = TS_OUTCOME_SUCCESS;
    ev->logon_type = 3;
    ev->ts_ns = t;
    ev->user = ts_str_c(user);
    ev->src_ip = ip_of(src);
    ev->src_geo.flags = TS_NET_KNOWN | TS_NET_INTERNAL;
    ev->host = ts_str_c("fs-01");
}

static void phish_mail(msg *m, int64_t t)
{
    mail(m, "it-support@example-verify.com", "IT Service Desk", "alice@example.com",
         "Action required: verify your account", "<c1@x>", t);
    link(m, "http://example-verify.com/verify/?id=7f", "Verify now");
}

static size_t clicks(void)
{
    size_t n = 0;
    for (size_t i = 0; i < n_got; i++)
        n += got[i]->techniques && strstr(got[i]->techniques, "T1204.001") != NULL;
    return n;
}

static void test_click(const ts_detect_ctx *ctx)
{
    ts_event ev;
    msg m;
    /* Alice's host clicks 30 minutes after delivery. */
    run r = start(ctx);
    logon(&ev, "CORP\\alice", "10.0.0.5", T0 - 60 * MIN);
    r.d->event(r.st, &ev, &sink);
    logon(&ev, "bob", "10.0.0.9", T0 - 60 * MIN);
    r.d->event(r.st, &ev, &sink);
    phish_mail(&m, T0);
    CHECK_INT(one(&r, &m), 1);
    drop_all();
    dns(&ev, "10.0.0.5", "example-verify.com", T0 + 30 * MIN);
    r.d->event(r.st, &ev, &sink);
    CHECK_INT(clicks(), 1);
    if (n_got) {
        CHECK_INT(got[0]->severity, 90);
        CHECK_STR(got[0]->user, "alice@example.com");
        CHECK_STR(got[0]->remote_name, "http://example-verify.com/verify/?id=7f");
        CHECK(ts_ip_eq(&got[0]->internal_ip, &ev.src_ip));
        CHECK(strstr(got[0]->title, "30 min after") != NULL);
        CHECK(strstr(got[0]->title, "example-verify.com: example.com with added words") != NULL);
    }
    drop_all();
    /* Bob's host, and Alice's host a day and more later: nothing. */
    dns(&ev, "10.0.0.9", "example-verify.com", T0 + 40 * MIN);
    r.d->event(r.st, &ev, &sink);
    dns(&ev, "10.0.0.5", "example-verify.com", T0 + 30 * 60 * MIN);
    r.d->event(r.st, &ev, &sink);
    /* Another domain from Alice's host: nothing. */
    dns(&ev, "10.0.0.5", "www.example.com", T0 + 41 * MIN);
    r.d->event(r.st, &ev, &sink);
    CHECK_INT(clicks(), 0);
    /* An account named in a proxy log that is not a recipient: nothing. */
    dns(&ev, "10.0.0.5", "example-verify.com", T0 + 42 * MIN);
    ev.category = TS_CAT_WEB;
    ev.user = ts_str_c("carol");
    r.d->event(r.st, &ev, &sink);
    CHECK_INT(clicks(), 0);
    /* A host nobody is known to use: reported at the end, lower. */
    dns(&ev, "10.0.0.77", "example-verify.com", T0 + 50 * MIN);
    r.d->event(r.st, &ev, &sink);
    CHECK_INT(clicks(), 0);
    stop(&r);
    CHECK_INT(clicks(), 1);
    if (n_got)
        CHECK_INT(got[0]->severity, 70);
    drop_all();

    /* The proxy log read before the mailbox: the click is found when the mail arrives. */
    r = start(ctx);
    logon(&ev, "alice", "10.0.0.5", T0 - 60 * MIN);
    r.d->event(r.st, &ev, &sink);
    dns(&ev, "10.0.0.5", "example-verify.com", T0 + 5 * MIN);
    r.d->event(r.st, &ev, &sink);
    phish_mail(&m, T0);
    one(&r, &m);
    CHECK_INT(clicks(), 1);
    CHECK_INT((long long)n_got, 2);
    drop_all();
    stop(&r);
    drop_all();
}

/* ---- the public sample: nearly every message flagged for stated reasons ---------------- */

static void sample_event(void *ud, ts_event *ev)
{
    run *r = ud;
    r->d->event(r->st, ev, &sink);
}

/* The reader and the detector together on a message written for this test: a From that
 * does not parse, a link whose text shows DHL's domain over another written with
 * entities, a password form, a PDF with a form. */
static void test_reader_to_alert(void)
{
    ts_detect_ctx ctx = {0};
    run r = start(&ctx);
    ts_input *in;
    char err[256];
    CHECK_INT(ts_input_open("tests/data/mail/brand-spoof.eml", &in, err, sizeof err), TOCSIN_OK);
    const char *head;
    size_t hn = ts_input_peek(in, &head);
    const ts_reader *rd = ts_reader_detect(head, hn);
    CHECK(rd != NULL);
    drop_all();
    if (rd) {
        ts_scratch s;
        ts_scratch_init(&s);
        ts_sink sk = {sample_event, NULL, &r};
        rd->read(in, &s, &sk);
        ts_scratch_free(&s);
    }
    ts_input_close(in);
    CHECK_INT((int)n_got, 1);
    CHECK(title_has("the From header does not parse"));
    CHECK(title_has("link text shows dhl.de (DHL) but goes to parcel-fee.example"));
    CHECK(title_has("form asking for a password"));
    CHECK(title_has("PDF rechnung.pdf carries a form"));
    drop_all();
    stop(&r);
    drop_all();
}

static void test_shared_sample(void)
{
    const char *dir = shared_data("mail/phishing-sample");
    if (!dir)
        return;
    ts_detect_ctx ctx = {0};
    run r = start(&ctx);
    char path[512];
    int files = 0, flagged = 0;
    for (int i = 1; i <= 7900; i++) {
        snprintf(path, sizeof path, "%s/mail/phishing-sample/email/sample-%d.eml", dir, i);
        ts_input *in;
        char err[256];
        if (ts_input_open(path, &in, err, sizeof err) != TOCSIN_OK)
            continue;
        files++;
        const char *head;
        size_t hn = ts_input_peek(in, &head);
        const ts_reader *rd = ts_reader_detect(head, hn);
        drop_all();
        if (rd) {
            ts_scratch s;
            ts_scratch_init(&s);
            ts_sink sk = {sample_event, NULL, &r};
            rd->read(in, &s, &sk);
            ts_scratch_free(&s);
        }
        ts_input_close(in);
        bool any = false;
        for (size_t k = 0; k < n_got; k++)
            any |= strncmp(got[k]->key, "phish|", 6) == 0;
        flagged += any;
        printf("  sample-%d: %s\n", i, any ? got[0]->observed : "NOT FLAGGED");
    }
    drop_all();
    stop(&r);
    drop_all();
    CHECK_INT(files, 35);
    /* The sample holds plain advertising too (sample-11, a dating site; sample-7900, a
       mortgage offer), which carries no deception to find: at least 28 of 35. */
    CHECK(flagged >= 28);
    printf("  phishing-sample: %d of %d flagged\n", flagged, files);
}

int main(void)
{
    CHECK(phishing() != NULL);
    if (!phishing())
        return check_done("test_phishing");
    ts_config *conf = make_config(conf_text);
    CHECK(conf != NULL);
    ts_detect_ctx ctx = {.config = conf};
    ts_intel *ti = ts_intel_new();
    ts_ioc_meta meta = {.source = ts_intel_source(ti, "sony-2014"), .confidence = 80};
    CHECK_INT(ts_intel_add(ti, TS_IOC_DOMAIN, ts_str_c("evil-lazarus.com"), &meta), TOCSIN_OK);
    CHECK_INT(ts_intel_add(ti, TS_IOC_MD5, ts_str_c("e2ecec43da974db02f624ecadc94baf1"), &meta), TOCSIN_OK);
    ts_intel_finalise(ti);

    test_domains();
    test_senders(&ctx);
    test_learned_org();
    test_display_names(&ctx);
    test_lists();
    test_brands_and_bodies(&ctx);
    test_links_and_attachments(&ctx, ti);
    test_click(&ctx);
    test_reader_to_alert();
    test_shared_sample();

    /* A bad tunable is refused. */
    ts_config *bad = make_config("[phishing]\nalert_score = -1\n");
    ts_detect_ctx bctx = {.config = bad};
    void *st = calloc(1, phishing()->state_size);
    CHECK_INT(phishing()->init(st, &bctx), TOCSIN_E_ARG);
    ts_detector_fini(phishing(), st);
    free(st);
    ts_config_free(bad);

    ts_intel_free(ti);
    ts_config_free(conf);
    return check_done("test_phishing");
}
