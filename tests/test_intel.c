/* test_intel.c: the intelligence store (addresses, names, URLs, hashes, actors) and the
 * list, CSV and warninglist loaders, on fixtures and on real public feeds. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "intel/intel.h"
#include "intel/intel_int.h"
#include "intel/loaders.h"
#include "report/report.h"

typedef struct diags {
    int n;
    char last[512];
} diags;

static void on_diag(void *ud, const ts_diag *g)
{
    diags *d = ud;
    d->n++;
    snprintf(d->last, sizeof d->last, "%s", g->msg);
}

static ts_ioc_meta meta_of(ts_intel *ti, const char *source, uint8_t conf)
{
    return (ts_ioc_meta){.source = ts_intel_source(ti, source), .confidence = conf};
}

static ts_ip ip_of(const char *s)
{
    ts_ip ip;
    ts_ip_parse(ts_str_c(s), &ip);
    return ip;
}

static size_t match_ip(const ts_intel *ti, const char *s, ts_ioc_hit *hits, size_t max)
{
    ts_ip ip = ip_of(s);
    return ts_intel_match_ip(ti, &ip, hits, max);
}

static void add_cidr(ts_intel *ti, const char *s, const ts_ioc_meta *m)
{
    CHECK_INT(ts_intel_add(ti, TS_IOC_IP, ts_str_c(s), m), TOCSIN_OK);
}

static void test_longest_prefix(void)
{
    ts_intel *ti = ts_intel_new();
    ts_ioc_meta a = meta_of(ti, "a", 10), b = meta_of(ti, "b", 20), c = meta_of(ti, "c", 30),
                d = meta_of(ti, "d", 40);
    ts_ioc_hit h[8];
    add_cidr(ti, "10.0.0.0/8", &a);
    add_cidr(ti, "10.1.0.0/16", &b);
    add_cidr(ti, "10.1.2.3", &c);
    add_cidr(ti, "10.1.0.0/16", &d); /* a second feed on the same network */
    add_cidr(ti, "10.1.0.0/16", &d); /* the same again: no-op */
    CHECK_INT(match_ip(ti, "10.1.2.3", h, 8), 1);
    CHECK_INT(h[0].prefix, 32);
    CHECK_INT(h[0].meta->confidence, 30);
    CHECK_INT(match_ip(ti, "10.1.9.9", h, 8), 2);
    CHECK_INT(h[0].prefix, 16);
    CHECK(h[0].meta->confidence + h[1].meta->confidence == 60);
    char buf[TS_IP_STRLEN];
    CHECK_STR(ts_ip_format(&h[0].net, buf), "10.1.0.0");
    CHECK_INT(match_ip(ti, "10.200.0.1", h, 8), 1);
    CHECK_INT(h[0].prefix, 8);
    CHECK_INT(match_ip(ti, "11.0.0.1", h, 8), 0);
    CHECK_INT(match_ip(ti, "9.255.255.255", h, 8), 0);
    /* max bounds the output */
    CHECK_INT(match_ip(ti, "10.1.9.9", h, 1), 1);

    add_cidr(ti, "2001:db8::/32", &a);
    add_cidr(ti, "2001:db8:1::/48", &b);
    add_cidr(ti, "2001:db8:1::5", &c);
    add_cidr(ti, "::/0", &d);
    CHECK_INT(match_ip(ti, "2001:db8:1::5", h, 8), 1);
    CHECK_INT(h[0].prefix, 128);
    CHECK_INT(match_ip(ti, "2001:db8:1:ffff::1", h, 8), 1);
    CHECK_INT(h[0].prefix, 48);
    CHECK_STR(ts_ip_format(&h[0].net, buf), "2001:db8:1::");
    CHECK_INT(match_ip(ti, "2001:db8:2::1", h, 8), 1);
    CHECK_INT(h[0].prefix, 32);
    CHECK_INT(match_ip(ti, "2001:db9::1", h, 8), 1);
    CHECK_INT(h[0].prefix, 0); /* only the default route covers it */
    /* an IPv4-mapped address is IPv4 */
    CHECK_INT(match_ip(ti, "::ffff:10.1.2.3", h, 8), 1);
    CHECK_INT(h[0].prefix, 32);
    /* bad input */
    CHECK_INT(ts_intel_add(ti, TS_IOC_IP, ts_str_c("10.0.0.0/33"), &a), TOCSIN_E_PARSE);
    CHECK_INT(ts_intel_add(ti, TS_IOC_IP, ts_str_c("300.1.1.1"), &a), TOCSIN_E_PARSE);
    CHECK_INT(ts_intel_match(ti, TS_IOC_IP, ts_str_c("garbage"), h, 8), 0);
    ts_intel_stats st;
    ts_intel_get_stats(ti, &st);
    CHECK_INT(st.by_type[TS_IOC_IP], 8);
    ts_intel_free(ti);
}

static void test_allow(void)
{
    ts_intel *ti = ts_intel_new();
    ts_ioc_meta bad = meta_of(ti, "bad", 90), ok = meta_of(ti, "warn", 50);
    ok.flags = TS_IOC_ALLOW;
    ok.note = ts_intel_string(ti, "warninglist: test");
    ts_ioc_hit h[8];
    add_cidr(ti, "8.8.8.8", &bad);
    add_cidr(ti, "8.8.0.0/16", &ok);
    add_cidr(ti, "8.0.0.0/8", &ok);
    CHECK_INT(match_ip(ti, "8.8.8.8", h, 8), 3);
    CHECK(!(h[0].meta->flags & TS_IOC_ALLOW));
    CHECK(h[1].meta->flags & TS_IOC_ALLOW && h[2].meta->flags & TS_IOC_ALLOW);
    CHECK_INT(h[1].prefix, 16);
    CHECK_INT(h[2].prefix, 8);
    CHECK_STR(ts_intel_string_get(ti, h[1].meta->note), "warninglist: test");
    CHECK_INT(match_ip(ti, "8.9.0.1", h, 8), 1);
    CHECK(h[0].meta->flags & TS_IOC_ALLOW);
    ts_intel_stats st;
    ts_intel_get_stats(ti, &st);
    CHECK_INT(st.allow, 2);

    ts_intel_add(ti, TS_IOC_DOMAIN, ts_str_c("evil.cdn.example"), &bad);
    ts_intel_add(ti, TS_IOC_DOMAIN, ts_str_c("cdn.example"), &ok);
    CHECK_INT(ts_intel_match(ti, TS_IOC_DOMAIN, ts_str_c("a.evil.cdn.example"), h, 8), 2);
    CHECK(!(h[0].meta->flags & TS_IOC_ALLOW) && (h[1].meta->flags & TS_IOC_ALLOW));
    CHECK_VIEW(h[1].matched, "cdn.example");
    ts_intel_free(ti);
}

static void test_domains(void)
{
    ts_intel *ti = ts_intel_new();
    ts_ioc_meta m = meta_of(ti, "d", 50), m2 = meta_of(ti, "d2", 60);
    ts_ioc_hit h[8];
    CHECK_INT(ts_intel_add(ti, TS_IOC_DOMAIN, ts_str_c("Evil.COM."), &m), TOCSIN_OK);
    CHECK_INT(ts_intel_add(ti, TS_IOC_DOMAIN, ts_str_c("deep.sub.evil.com"), &m2), TOCSIN_OK);
    CHECK_INT(ts_intel_match(ti, TS_IOC_DOMAIN, ts_str_c("evil.com"), h, 8), 1);
    CHECK_INT(ts_intel_match(ti, TS_IOC_DOMAIN, ts_str_c("WWW.EVIL.COM."), h, 8), 1);
    CHECK_VIEW(h[0].matched, "EVIL.COM");
    CHECK_INT(ts_intel_match(ti, TS_IOC_DOMAIN, ts_str_c("x.deep.sub.evil.com"), h, 8), 1);
    CHECK_INT(h[0].meta->confidence, 60); /* the most specific level wins */
    CHECK_INT(ts_intel_match(ti, TS_IOC_DOMAIN, ts_str_c("notevil.com"), h, 8), 0);
    CHECK_INT(ts_intel_match(ti, TS_IOC_DOMAIN, ts_str_c("evil.com.au"), h, 8), 0);
    CHECK_INT(ts_intel_match(ti, TS_IOC_DOMAIN, ts_str_c("evil.co"), h, 8), 0);
    CHECK_INT(ts_intel_match(ti, TS_IOC_DOMAIN, ts_str_c("com"), h, 8), 0);
    CHECK_INT(ts_intel_match(ti, TS_IOC_DOMAIN, ts_str_c(""), h, 8), 0);
    CHECK_INT(ts_intel_add(ti, TS_IOC_DOMAIN, ts_str_c("no spaces.com"), &m), TOCSIN_E_PARSE);
    CHECK_INT(ts_intel_add(ti, TS_IOC_DOMAIN, ts_str_c("a..b"), &m), TOCSIN_E_PARSE);
    CHECK_INT(ts_intel_add(ti, TS_IOC_DOMAIN, ts_str_c("1.2.3.4"), &m), TOCSIN_E_PARSE);
    CHECK_INT(ts_intel_add(ti, TS_IOC_DOMAIN, ts_str_c("bad(.)example"), &m), TOCSIN_OK);
    CHECK_INT(ts_intel_match(ti, TS_IOC_DOMAIN, ts_str_c("bad.example"), h, 8), 1);
    /* Many labels (the shape filter counts up to 256) and the longest name a query may be. */
    char deep[256];
    size_t k = 0;
    while (k + 2 + 8 < 255) {
        deep[k++] = 'a';
        deep[k++] = '.';
    }
    memcpy(deep + k, "evil.com", 8);
    deep[k + 8] = '\0';
    CHECK_INT(ts_intel_match(ti, TS_IOC_DOMAIN, ts_str_c(deep), h, 8), 1);
    CHECK_VIEW(h[0].matched, "evil.com");
    memset(deep, '.', 255);
    deep[255] = '\0';
    CHECK_INT(ts_intel_match(ti, TS_IOC_DOMAIN, ts_str_c(deep), h, 8), 0);
    /* Same length and label count as an indicator, different name: still a miss. */
    CHECK_INT(ts_intel_match(ti, TS_IOC_DOMAIN, ts_str_c("live.com"), h, 8), 0);
    ts_intel_free(ti);
}

static void check_norm(ts_ioc_type t, const char *in, const char *want)
{
    char buf[512];
    size_t n = ts_ioc_normalise(t, ts_str_c(in), buf, sizeof buf);
    if (!want) {
        CHECK_INT(n, 0);
        return;
    }
    CHECK_VIEW(ts_str_make(buf, n), want);
}

static void test_urls(void)
{
    check_norm(TS_IOC_URL, "HTTP://Evil.COM:80/A/b?X=1#frag", "http://evil.com/A/b?X=1");
    check_norm(TS_IOC_URL, "https://Evil.com:443", "https://evil.com/");
    check_norm(TS_IOC_URL, "https://evil.com:8443/p", "https://evil.com:8443/p");
    check_norm(TS_IOC_URL, "http://evil.com:443/p", "http://evil.com:443/p");
    check_norm(TS_IOC_URL, "hxxps://www[.]Evil.com/x", "https://www.evil.com/x");
    check_norm(TS_IOC_URL, "http://ink[dot]inkboom.co.kr/post.php", "http://ink.inkboom.co.kr/post.php");
    check_norm(TS_IOC_URL, "http://evil.com?q=1", "http://evil.com/?q=1");
    check_norm(TS_IOC_URL, "Evil.com/Path", "evil.com/Path");
    check_norm(TS_IOC_URL, "http://[2001:DB8::1]:8080/x", "http://[2001:db8::1]:8080/x");
    check_norm(TS_IOC_URL, "/only/a/path", NULL);
    check_norm(TS_IOC_URL, "evil.com", NULL);
    check_norm(TS_IOC_URL, "http://evil.com/a b", NULL);
    check_norm(TS_IOC_URL, "http://evil.com:8x/", NULL);
    check_norm(TS_IOC_URL, "http:///x", NULL);

    ts_intel *ti = ts_intel_new();
    ts_ioc_meta m = meta_of(ti, "u", 50);
    ts_ioc_hit h[8];
    CHECK_INT(ts_intel_add(ti, TS_IOC_URL, ts_str_c("HTTP://Evil.com:80/a#x"), &m), TOCSIN_OK);
    CHECK_INT(ts_intel_add(ti, TS_IOC_URL, ts_str_c("bad.com/x"), &m), TOCSIN_OK);
    CHECK_INT(ts_intel_match(ti, TS_IOC_URL, ts_str_c("http://EVIL.com/a"), h, 8), 1);
    CHECK_INT(ts_intel_match(ti, TS_IOC_URL, ts_str_c("http://evil.com/A"), h, 8), 0); /* paths keep case */
    CHECK_INT(ts_intel_match(ti, TS_IOC_URL, ts_str_c("https://evil.com/a"), h, 8), 0);
    CHECK_INT(ts_intel_match(ti, TS_IOC_URL, ts_str_c("evil.com/a"), h, 8), 1); /* scheme ignored */
    CHECK_INT(ts_intel_match(ti, TS_IOC_URL, ts_str_c("https://bad.com/x"), h, 8), 1);
    CHECK_INT(ts_intel_match(ti, TS_IOC_URL, ts_str_c("ftp://bad.com/x#y"), h, 8), 1);
    CHECK_INT(ts_intel_match(ti, TS_IOC_URL, ts_str_c("https://bad.com/xy"), h, 8), 0);
    ts_intel_free(ti);
}

static void test_hashes_and_more(void)
{
    ts_intel *ti = ts_intel_new();
    ts_ioc_meta m = meta_of(ti, "h", 50);
    ts_ioc_hit h[8];
    CHECK_INT(ts_intel_add(ti, TS_IOC_MD5, ts_str_c("D41D8CD98F00B204E9800998ECF8427E"), &m), TOCSIN_OK);
    CHECK_INT(ts_intel_match(ti, TS_IOC_MD5, ts_str_c("d41d8cd98f00b204e9800998ecf8427e"), h, 8), 1);
    CHECK_INT(ts_intel_match(ti, TS_IOC_SHA1, ts_str_c("d41d8cd98f00b204e9800998ecf8427e"), h, 8), 0);
    CHECK_INT(ts_intel_add(ti, TS_IOC_MD5, ts_str_c("d41d8cd98f00b204e9800998ecf8427"), &m), TOCSIN_E_PARSE);
    CHECK_INT(ts_intel_add(ti, TS_IOC_MD5, ts_str_c("g41d8cd98f00b204e9800998ecf8427e"), &m), TOCSIN_E_PARSE);
    CHECK_INT(ts_intel_add(ti, TS_IOC_SHA256, ts_str_c("d41d8cd98f00b204e9800998ecf8427e"), &m),
              TOCSIN_E_PARSE);
    const char *sha1 = "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709";
    CHECK_INT(ts_intel_add(ti, TS_IOC_SHA1, ts_str_c(sha1), &m), TOCSIN_OK);
    CHECK_INT(ts_intel_match(ti, TS_IOC_SHA1, ts_str_c("da39a3ee5e6b4b0d3255bfef95601890afd80709"), h, 8), 1);
    CHECK_INT(ts_intel_add(ti, TS_IOC_EMAIL, ts_str_c("Boss@Evil.Example"), &m), TOCSIN_OK);
    CHECK_INT(ts_intel_match(ti, TS_IOC_EMAIL, ts_str_c("boss@evil.example"), h, 8), 1);
    CHECK_INT(ts_intel_match(ti, TS_IOC_EMAIL, ts_str_c("BOSS@EVIL.EXAMPLE"), h, 8), 1);
    CHECK_INT(ts_intel_add(ti, TS_IOC_EMAIL, ts_str_c("a@b@c.com"), &m), TOCSIN_E_PARSE);
    CHECK_INT(ts_intel_add(ti, TS_IOC_ASN, ts_str_c("AS131279"), &m), TOCSIN_OK);
    CHECK_INT(ts_intel_match(ti, TS_IOC_ASN, ts_str_c("131279"), h, 8), 1);
    CHECK_INT(ts_intel_match(ti, TS_IOC_ASN, ts_str_c("as131279"), h, 8), 1);
    CHECK_INT(ts_intel_add(ti, TS_IOC_ASN, ts_str_c("AS0"), &m), TOCSIN_E_PARSE);
    CHECK_INT(ts_intel_add(ti, TS_IOC_ASN, ts_str_c("AS99999999999"), &m), TOCSIN_E_PARSE);

    CHECK_INT(ts_ioc_type_guess(ts_str_c("1.2.3.4")), TS_IOC_IP);
    CHECK_INT(ts_ioc_type_guess(ts_str_c("10.0.0.0/8")), TS_IOC_IP);
    CHECK_INT(ts_ioc_type_guess(ts_str_c("2001:db8::1")), TS_IOC_IP);
    CHECK_INT(ts_ioc_type_guess(ts_str_c("1.2.3.4:443")), TS_IOC_IP);
    CHECK_INT(ts_ioc_type_guess(ts_str_c("evil[.]com")), TS_IOC_DOMAIN);
    CHECK_INT(ts_ioc_type_guess(ts_str_c("hxxp://evil.com")), TS_IOC_URL);
    CHECK_INT(ts_ioc_type_guess(ts_str_c("evil.com/x.php")), TS_IOC_URL);
    CHECK_INT(ts_ioc_type_guess(ts_str_c("1.2.3.4/o2")), TS_IOC_URL);
    CHECK_INT(ts_ioc_type_guess(ts_str_c("a@evil.com")), TS_IOC_EMAIL);
    CHECK_INT(ts_ioc_type_guess(ts_str_c("d41d8cd98f00b204e9800998ecf8427e")), TS_IOC_MD5);
    CHECK_INT(ts_ioc_type_guess(ts_str_c("AS1234")), TS_IOC_ASN);
    CHECK_INT(ts_ioc_type_guess(ts_str_c("1234")), TS_IOC_NONE);
    CHECK_INT(ts_ioc_type_guess(ts_str_c("asdf.example")), TS_IOC_DOMAIN);
    CHECK_INT(ts_ioc_type_guess(ts_str_c("hello world")), TS_IOC_NONE);
    CHECK_INT(ts_ioc_type_guess(ts_str_c("deadbeef")), TS_IOC_NONE);
    CHECK_INT(ts_ioc_type_guess(ts_str_c("")), TS_IOC_NONE);
    CHECK_INT(ts_ioc_type_parse("ip-dst"), TS_IOC_IP);
    CHECK_INT(ts_ioc_type_parse("Host"), TS_IOC_DOMAIN);
    CHECK_INT(ts_ioc_type_parse("SHA-256"), TS_IOC_SHA256);
    CHECK_INT(ts_ioc_type_parse("cert_serial"), TS_IOC_NONE);
    CHECK_STR(ts_ioc_type_name(TS_IOC_SHA1), "sha1");
    ts_intel_free(ti);
}

static void test_actors(void)
{
    ts_intel *ti = ts_intel_new();
    uint32_t ids[8];
    uint32_t laz = ts_intel_actor_add(ti, "Lazarus Group", "G0032", "KP");
    ts_intel_actor_alias(ti, laz, "HIDDEN COBRA");
    ts_intel_actor_alias(ti, laz, "Shared Name");
    uint32_t other = ts_intel_actor_add(ti, "Other Crew", "G9999", NULL);
    ts_intel_actor_alias(ti, other, "Shared Name");
    uint32_t apt38 = ts_intel_actor_add(ti, "APT38", NULL, NULL);
    CHECK(laz && other && apt38 && laz != other && other != apt38);
    CHECK_INT(ts_intel_actor_count(ti), 3);
    /* never merged through an alias: both come back */
    CHECK_INT(ts_intel_actor_resolve(ti, "shared-name", ids, 8), 2);
    CHECK((ids[0] == laz && ids[1] == other) || (ids[0] == other && ids[1] == laz));
    CHECK_INT(ts_intel_actor_resolve(ti, "lazarus", ids, 8), 1);
    CHECK_INT(ids[0], laz);
    CHECK_INT(ts_intel_actor_resolve(ti, "LAZARUS gang", ids, 8), 1);
    CHECK_INT(ts_intel_actor_resolve(ti, "Hidden Cobra", ids, 8), 1);
    CHECK_INT(ts_intel_actor_resolve(ti, "g0032", ids, 8), 1);
    CHECK_INT(ts_intel_actor_resolve(ti, "APT 38", ids, 8), 1);
    CHECK_INT(ids[0], apt38);
    CHECK_INT(ts_intel_actor_resolve(ti, "nobody", ids, 8), 0);
    CHECK_INT(ts_intel_actor_resolve(ti, "shared name", ids, 1), 2); /* count beyond max */
    /* merges: same ATT&CK id, or same name where one has none */
    CHECK_INT(ts_intel_actor_add(ti, "Lazarus", "G0032", NULL), laz);
    CHECK_INT(ts_intel_actor_add(ti, "Lazarus Group", NULL, NULL), laz);
    CHECK_INT(ts_intel_actor_add(ti, "APT38", "G0082", NULL), apt38);
    CHECK_STR(ts_intel_actor(ti, apt38)->attack_id, "G0082");
    CHECK(ts_intel_actor_add(ti, "Lazarus Group", "G0001", NULL) != laz);
    const ts_actor *a = ts_intel_actor(ti, laz);
    CHECK_STR(a->country, "KP");
    CHECK_INT(a->n_aliases, 2);
    CHECK(ts_intel_actor(ti, 0) == NULL && ts_intel_actor(ti, 99) == NULL);

    uint32_t t1 = ts_intel_technique(ti, "T1566.001", "Spearphishing Attachment", "initial-access");
    uint32_t t2 = ts_intel_technique(ti, "T1105", NULL, NULL);
    CHECK_INT(ts_intel_technique(ti, "T1105", "Ingress Tool Transfer", NULL), t2);
    CHECK_STR(ts_intel_technique_get(ti, t2)->name, "Ingress Tool Transfer");
    CHECK_INT(ts_intel_technique_find(ti, "T1566.001"), t1);
    CHECK_INT(ts_intel_technique_find(ti, "T9999"), 0);
    uint32_t sw = ts_intel_software_add(ti, "Manuscrypt", "S0000", "malware");
    ts_intel_software_alias(ti, sw, "NukeSped");
    CHECK_INT(ts_intel_software_resolve(ti, "nukesped", ids, 8), 1);
    ts_intel_actor_uses_technique(ti, laz, t1);
    ts_intel_actor_uses_technique(ti, laz, t1);
    ts_intel_actor_uses_technique(ti, other, t1);
    ts_intel_actor_uses_technique(ti, laz, t2);
    ts_intel_actor_uses_software(ti, laz, sw);
    ts_intel_finalise(ti);
    CHECK_INT(ts_intel_technique_get(ti, t1)->n_actors, 2);
    CHECK_INT(ts_intel_technique_get(ti, t2)->n_actors, 1);
    CHECK_INT(ts_intel_software_get(ti, sw)->n_actors, 1);
    CHECK_INT(ts_intel_actor(ti, laz)->n_techniques, 2);

    uint32_t s1 = ts_intel_actorset(ti, (uint32_t[]){other, laz, laz}, 3);
    uint32_t s2 = ts_intel_actorset(ti, (uint32_t[]){laz, other}, 2);
    const uint32_t *members;
    CHECK(s1 && s1 == s2);
    CHECK_INT(ts_intel_actorset_get(ti, s1, &members), 2);
    CHECK(members[0] < members[1]);
    CHECK_INT(ts_intel_actorset(ti, NULL, 0), 0);
    CHECK(ts_intel_actorset(ti, (uint32_t[]){laz}, 1) != s1);
    ts_intel_free(ti);
}

static void test_interning(void)
{
    ts_intel *ti = ts_intel_new();
    uint32_t actor = ts_intel_actor_add(ti, "Bulk", NULL, NULL);
    ts_ioc_meta m = meta_of(ti, "bulk", 70);
    m.actors = ts_intel_actorset(ti, &actor, 1);
    enum { N = 200000 };
    for (uint32_t i = 0; i < N; i++) {
        ts_ip ip = {.v = 4, .b = {(uint8_t)(100 + i % 3), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i}};
        ts_intel_add_ip(ti, &ip, 32, &m);
    }
    ts_intel_stats st;
    ts_intel_get_stats(ti, &st);
    CHECK_INT(st.by_type[TS_IOC_IP], N);
    CHECK_INT(ti->n_meta, 1); /* one shared meta */
    CHECK(st.bytes / N < 32);
    ts_ioc_hit h[4];
    ts_ip probe = {.v = 4, .b = {101, 0, 0, 1}};
    CHECK_INT(ts_intel_match_ip(ti, &probe, h, 4), 1);
    CHECK(h[0].meta == ts_intel_meta_get(ti, 1));
    ts_intel_free(ti);
}

static void test_list_fixture(void)
{
    ts_intel *ti = ts_intel_new();
    diags d = {0};
    ts_feed_opts o = {.actor = "Fixture Actor", .confidence = 70, .diag = on_diag, .ud = &d};
    ts_ioc_hit h[8];
    CHECK_INT(ts_intel_load_path(ti, "tests/data/intel/small.list", &o), TOCSIN_E_PARTIAL);
    CHECK_INT(d.n, 2); /* the bad line, and the path-only trail note */
    ts_intel_stats st;
    ts_intel_get_stats(ti, &st);
    CHECK_INT(st.by_type[TS_IOC_IP], 4);
    CHECK_INT(st.by_type[TS_IOC_URL], 1);
    CHECK_INT(st.by_type[TS_IOC_DOMAIN], 1);
    CHECK_INT(st.by_type[TS_IOC_MD5], 1);
    CHECK_INT(st.by_type[TS_IOC_EMAIL], 1);
    CHECK_INT(st.by_type[TS_IOC_ASN], 1);
    CHECK_INT(ts_intel_match(ti, TS_IOC_URL, ts_str_c("http://evil.example/Path?q=1"), h, 8), 1);
    CHECK_INT(h[0].meta->confidence, 70);
    const uint32_t *actors;
    CHECK_INT(ts_intel_actorset_get(ti, h[0].meta->actors, &actors), 1);
    CHECK_STR(ts_intel_actor(ti, actors[0])->name, "Fixture Actor");
    CHECK_STR(ts_intel_source_name(ti, h[0].meta->source), "small.list");
    CHECK_INT(match_ip(ti, "5.6.7.8", h, 8), 1);
    CHECK_INT(match_ip(ti, "10.9.9.9", h, 8), 1);
    CHECK_INT(ts_intel_match(ti, TS_IOC_DOMAIN, ts_str_c("www.bad-actor.example"), h, 8), 1);
    CHECK_INT(ts_intel_load_buffer(ti, "x", "nosuch", "1.2.3.4", 7, &o), TOCSIN_E_ARG);
    CHECK_INT(ts_intel_load_buffer(ti, "x", NULL, "hello there\nfriend\n", 19, &o), TOCSIN_E_FORMAT);
    CHECK_INT(ts_intel_load_path(ti, "tests/data/intel/missing.txt", &o), TOCSIN_E_IO);
    ts_intel_free(ti);
}

/* A list big enough to be reserved for and added in prefetched batches, whose note
 * changes part way: every address keeps the note of its own block. */
static void test_list_batches(void)
{
    ts_intel *ti = ts_intel_new();
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    len += (size_t)snprintf(buf + len, cap - len, "# Reference: first\n");
    for (int i = 0; i < 1000; i++) {
        if (i == 500)
            len += (size_t)snprintf(buf + len, cap - len, "# Reference: second\nmixed.example\n");
        len += (size_t)snprintf(buf + len, cap - len, "10.%d.%d.1\n", i / 256, i % 256);
    }
    ts_feed_opts o = {0};
    CHECK_INT(ts_intel_load_buffer(ti, "batch.txt", NULL, buf, len, &o), TOCSIN_OK);
    ts_intel_stats st;
    ts_intel_get_stats(ti, &st);
    CHECK_INT(st.by_type[TS_IOC_IP], 1000);
    CHECK_INT(st.by_type[TS_IOC_DOMAIN], 1);
    ts_ioc_hit h[4];
    CHECK_INT(match_ip(ti, "10.1.243.1", h, 4), 1); /* i = 499 */
    CHECK_STR(ts_intel_string_get(ti, h[0].meta->note), "first");
    CHECK_INT(match_ip(ti, "10.1.244.1", h, 4), 1); /* i = 500 */
    CHECK_STR(ts_intel_string_get(ti, h[0].meta->note), "second");
    CHECK_INT(match_ip(ti, "10.3.231.1", h, 4), 1); /* i = 999 */
    CHECK_INT(match_ip(ti, "10.3.232.1", h, 4), 0);
    free(buf);
    ts_intel_free(ti);
}

static void test_csv_fixture(void)
{
    ts_intel *ti = ts_intel_new();
    diags d = {0};
    ts_feed_opts o = {.diag = on_diag, .ud = &d};
    ts_ioc_hit h[8];
    CHECK_INT(ts_intel_load_path(ti, "tests/data/intel/small.csv", &o), TOCSIN_E_PARTIAL);
    CHECK_INT(d.n, 2); /* the short md5 (error) and the unsupported type (note) */
    CHECK_INT(match_ip(ti, "198.51.100.7", h, 8), 1);
    CHECK_INT(h[0].meta->confidence, 80);
    CHECK_STR(ts_intel_string_get(ti, h[0].meta->note), "C2, \"primary\"");
    CHECK_INT(h[0].meta->first_seen, 1577923200);
    const uint32_t *actors;
    CHECK_INT(ts_intel_actorset_get(ti, h[0].meta->actors, &actors), 1);
    CHECK_STR(ts_intel_actor(ti, actors[0])->name, "Sample Actor");
    CHECK_INT(ts_intel_match(ti, TS_IOC_DOMAIN, ts_str_c("evil-csv.example"), h, 8), 1);
    CHECK_STR(ts_intel_string_get(ti, h[0].meta->note), "multi\nline note");
    CHECK_INT(h[0].meta->actors, 0);
    CHECK_INT(ts_intel_match(ti, TS_IOC_SHA1, ts_str_c("0123456789abcdef0123456789abcdef01234567"), h, 8), 1);
    /* a TSV whose header is a comment, and a headerless typed CSV */
    const char *tsv = "# type\tvalue\tcontext\n"
                      "ipv4\t192.0.2.77\tC2\n";
    CHECK_INT(ts_intel_load_buffer(ti, "t.tsv", NULL, tsv, strlen(tsv), &o), TOCSIN_OK);
    CHECK_INT(match_ip(ti, "192.0.2.77", h, 8), 1);
    const char *typed = "Host,typed.example\nMD5,24f61120946ddac5e1d15cd64c48b7e6\n";
    CHECK_INT(ts_intel_load_buffer(ti, "typed.csv", NULL, typed, strlen(typed), &o), TOCSIN_OK);
    CHECK_INT(ts_intel_match(ti, TS_IOC_DOMAIN, ts_str_c("typed.example"), h, 8), 1);
    const char *unterminated = "ip,description\n192.0.2.99,\"open\n";
    CHECK_INT(ts_intel_load_buffer(ti, "u.csv", "csv", unterminated, strlen(unterminated), &o),
              TOCSIN_E_PARTIAL);
    ts_intel_free(ti);
}

static void test_warninglist_fixture(void)
{
    ts_intel *ti = ts_intel_new();
    diags d = {0};
    ts_feed_opts o = {.diag = on_diag, .ud = &d};
    ts_ioc_hit h[8];
    CHECK_INT(ts_intel_load_path(ti, "tests/data/intel/warn.json", &o), TOCSIN_E_PARTIAL);
    CHECK_INT(d.n, 1); /* "not-a-cidr" */
    CHECK_INT(match_ip(ti, "192.0.2.5", h, 8), 1);
    CHECK(h[0].meta->flags & TS_IOC_ALLOW);
    CHECK_STR(ts_intel_string_get(ti, h[0].meta->note), "warninglist: Test benign ranges");
    CHECK_INT(match_ip(ti, "2001:db8:1:2::3", h, 8), 1);
    CHECK_INT(match_ip(ti, "192.0.3.5", h, 8), 0);
    d.n = 0;
    CHECK_INT(ts_intel_load_path(ti, "tests/data/intel/warn_regex.json", &o), TOCSIN_OK);
    CHECK_INT(d.n, 1); /* reported, not silently dropped */
    CHECK(strstr(d.last, "regex") != NULL);
    CHECK_INT(ts_intel_load_path(ti, "tests/data/intel/warn_host.json", &o), TOCSIN_OK);
    CHECK_INT(ts_intel_match(ti, TS_IOC_DOMAIN, ts_str_c("x.benign.example"), h, 8), 1);
    CHECK(h[0].meta->flags & TS_IOC_ALLOW);
    CHECK_INT(ts_intel_load_buffer(ti, "w", "warninglist", "{\"name\": 1}", 11, &o), TOCSIN_E_PARSE);
    CHECK_INT(ts_intel_load_buffer(ti, "w", "warninglist", "[", 1, &o), TOCSIN_E_PARSE);
    ts_intel_free(ti);
}

static void test_maltrail(const char *data)
{
    char dir[1024], path[2048];
    snprintf(dir, sizeof dir, "%s/intel/maltrail", data);
    DIR *dh = opendir(dir);
    CHECK(dh != NULL);
    if (!dh)
        return;
    ts_intel *ti = ts_intel_new();
    diags d = {0};
    ts_feed_opts o = {.diag = on_diag, .ud = &d};
    int files = 0, failed = 0;
    struct dirent *e;
    while ((e = readdir(dh))) {
        if (strncmp(e->d_name, "apt_", 4) != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        files++;
        if (ts_intel_load_path(ti, path, &o) != TOCSIN_OK) {
            failed++;
            fprintf(stderr, "maltrail %s: %s\n", e->d_name, d.last);
        }
    }
    closedir(dh);
    CHECK(files > 300);
    CHECK_INT(failed, 0);
    ts_intel_stats st;
    ts_intel_get_stats(ti, &st);
    CHECK(st.by_type[TS_IOC_DOMAIN] > 100000);
    CHECK(st.by_type[TS_IOC_IP] > 1000);
    CHECK(st.by_type[TS_IOC_URL] > 1000);
    ts_ioc_hit h[8];
    CHECK(ts_intel_match(ti, TS_IOC_DOMAIN, ts_str_c("exbonus.mrbasic.com"), h, 8) >= 1);
    const uint32_t *actors;
    size_t n = ts_intel_actorset_get(ti, h[0].meta->actors, &actors);
    bool cobra = false;
    for (size_t i = 0; i < n; i++) {
        const ts_actor *a = ts_intel_actor(ti, actors[i]);
        for (size_t j = 0; j < a->n_aliases; j++)
            cobra |= strcmp(a->aliases[j], "hidden cobra") == 0;
    }
    CHECK(cobra);
    uint32_t ids[8];
    CHECK(ts_intel_actor_resolve(ti, "Hidden Cobra", ids, 8) >= 1);
    CHECK_INT(ts_intel_actor_resolve(ti, "APT 38", ids, 8), 1);
    ts_intel_free(ti);
}

static void test_lazarus_iocs(const char *data)
{
    char dir[1024], path[2048];
    snprintf(dir, sizeof dir, "%s/intel/lazarus-iocs", data);
    DIR *dh = opendir(dir);
    CHECK(dh != NULL);
    if (!dh)
        return;
    ts_intel *ti = ts_intel_new();
    diags d = {0};
    ts_feed_opts o = {.actor = "Lazarus Group", .diag = on_diag, .ud = &d};
    int files = 0;
    struct dirent *e;
    while ((e = readdir(dh))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || (strcmp(e->d_name + l - 4, ".csv") && strcmp(e->d_name + l - 4, ".tsv")))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        files++;
        tocsin_code rc = ts_intel_load_path(ti, path, &o);
        if (rc != TOCSIN_OK)
            fprintf(stderr, "lazarus-iocs %s: %s (%s)\n", e->d_name, tocsin_strerror(rc), d.last);
        CHECK_INT(rc, TOCSIN_OK);
    }
    closedir(dh);
    CHECK_INT(files, 8);
    ts_ioc_hit h[8];
    CHECK_INT(match_ip(ti, "203.131.222.102", h, 8), 2); /* blackfist CSV and the Sony TSV */
    CHECK(ts_intel_match(ti, TS_IOC_MD5, ts_str_c("D1C27EE7CE18675974EDF42D4EEA25C6"), h, 8) == 1);
    CHECK(ts_intel_match(ti, TS_IOC_DOMAIN, ts_str_c("ink.inkboom.co.kr"), h, 8) >= 1);
    CHECK(ts_intel_match(
              ti, TS_IOC_URL,
              ts_str_c("https://www.anca-aste.it/uploads/form/02E319AF73A33547343B71D5CB1064BC.dotm"), h,
              8) == 1);
    const uint32_t *actors;
    CHECK_INT(ts_intel_actorset_get(ti, h[0].meta->actors, &actors), 1);
    CHECK_STR(ts_intel_actor(ti, actors[0])->name, "Lazarus Group");
    ts_intel_free(ti);

    /* the Sony TSV alone */
    ti = ts_intel_new();
    snprintf(path, sizeof path, "%s/sony2014_destover_iocs.tsv", dir);
    CHECK_INT(ts_intel_load_path(ti, path, &o), TOCSIN_OK);
    CHECK_INT(match_ip(ti, "203.131.222.102", h, 8), 1);
    CHECK(strstr(ts_intel_string_get(ti, h[0].meta->note), "Thailand") != NULL);
    CHECK_INT(match_ip(ti, "203.131.222.103", h, 8), 0);
    ts_intel_free(ti);
}

/* Runs a lookup into a string (caller frees). */
static char *lookup_out(const ts_intel *ti, const char *value, int json, tocsin_code *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    *rc = ts_report_lookup(ti, NULL, value, f, json);
    fclose(f);
    return buf;
}

/* The lookup view (src/report/intel_view.c) over this store: escaping, every candidate. */
static void test_report(void)
{
    ts_intel *ti = ts_intel_new();
    uint32_t a = ts_intel_actor_add(ti, "Alpha Team", "G0100", "KP");
    uint32_t b = ts_intel_actor_add(ti, "Beta", NULL, NULL);
    ts_intel_actor_alias(ti, a, "Twin");
    ts_intel_actor_alias(ti, b, "Twin");
    ts_ioc_meta m = meta_of(ti, "feed\x1b[31m", 90);
    m.actors = ts_intel_actorset(ti, &a, 1);
    m.note = ts_intel_string(ti, "evil \x1b]0;title\x07 note");
    add_cidr(ti, "198.51.100.0/24", &m);
    tocsin_code rc;
    char *s = lookup_out(ti, "198.51.100.9", 0, &rc);
    CHECK_INT(rc, TOCSIN_OK);
    CHECK(strstr(s, "198.51.100.0/24") != NULL);
    CHECK(strstr(s, "Alpha Team") != NULL);
    CHECK(strchr(s, 0x1b) == NULL && strchr(s, 0x07) == NULL); /* escaped for the terminal */
    free(s);
    s = lookup_out(ti, "198.51.100.9", 1, &rc);
    CHECK(strstr(s, "\"matched\":\"198.51.100.0/24\"") != NULL);
    CHECK(strstr(s, "\"actors\":[\"Alpha Team\"]") != NULL);
    CHECK(strchr(s, 0x1b) == NULL);
    free(s);
    s = lookup_out(ti, "twin", 1, &rc);
    CHECK_INT(rc, TOCSIN_OK);
    CHECK(strstr(s, "\"name\":\"Alpha Team\"") && strstr(s, "\"name\":\"Beta\""));
    free(s);
    s = lookup_out(ti, "203.0.113.1", 0, &rc);
    CHECK_INT(rc, TOCSIN_E_NOTFOUND);
    free(s);
    s = lookup_out(ti, "nobody at all", 0, &rc);
    CHECK_INT(rc, TOCSIN_E_NOTFOUND);
    free(s);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ts_report_intel_stats(ti, f, 1);
    fclose(f);
    CHECK(strstr(buf, "\"type\":\"intel_stats\",\"indicators\":1,") != NULL);
    free(buf);
    ts_intel_free(ti);
}

int main(void)
{
    test_longest_prefix();
    test_allow();
    test_domains();
    test_urls();
    test_hashes_and_more();
    test_actors();
    test_interning();
    test_list_fixture();
    test_list_batches();
    test_csv_fixture();
    test_warninglist_fixture();
    test_report();
    const char *data = shared_data("maltrail and Lazarus feeds");
    if (data) {
        test_maltrail(data);
        test_lazarus_iocs(data);
    }
    return check_done("test_intel");
}
