/* test_feeds.c: the STIX pattern parser, the STIX, MISP and catalogue loaders, on fixtures
 * and on the real ATT&CK bundle and the bundled catalogue. */
#include <time.h>

#include "check.h"
#include "intel/intel.h"
#include "intel/loaders.h"
#include "intel/stix_pattern.h"

extern const ts_loader ts_loader_stix, ts_loader_misp_event, ts_loader_catalogue;

/* ---- helpers ------------------------------------------------------------------------ */

typedef struct diags {
    int n;
    char text[16384]; /* every message, one per line */
    int loaded;       /* calls of the loaded callback */
    char loaded_kind[32];
    uint64_t record;  /* the last problem's record */
    tocsin_code code; /* and its code */
} diags;

static void on_diag(void *ud, const ts_diag *g)
{
    diags *d = ud;
    size_t used = strlen(d->text);
    d->n++;
    d->record = g->record, d->code = g->code;
    snprintf(d->text + used, sizeof d->text - used, "%s:%llu: %s\n", g->file, (unsigned long long)g->line,
             g->msg);
}

static void on_loaded(void *ud, const char *kind, const char *name, const char *data, size_t len)
{
    diags *d = ud;
    (void)name;
    (void)data;
    (void)len;
    d->loaded++;
    snprintf(d->loaded_kind, sizeof d->loaded_kind, "%s", kind);
}

static bool has(const diags *d, const char *needle)
{
    return strstr(d->text, needle) != NULL;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    *len = 0;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        buf[n] = 0;
        *len = (size_t)n;
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static tocsin_code load_file(const ts_loader *l, ts_intel *ti, const char *path, diags *d, const char *actor)
{
    size_t len;
    char *data = slurp(path, &len);
    ts_feed_opts o = {.actor = actor, .diag = on_diag, .ud = d};
    if (!data) {
        fprintf(stderr, "cannot read %s\n", path);
        return TOCSIN_E_IO;
    }
    tocsin_code rc = l->load(ti, path, data, len, &o);
    free(data);
    return rc;
}

/* The one actor name resolves to, or NULL when none or several. */
static const ts_actor *one_actor(const ts_intel *ti, const char *name)
{
    uint32_t ids[8];
    return ts_intel_actor_resolve(ti, name, ids, 8) == 1 ? ts_intel_actor(ti, ids[0]) : NULL;
}

/* The first hit of a value and the names of its actors, comma-joined, into names. */
static size_t lookup(const ts_intel *ti, ts_ioc_type t, const char *value, ts_ioc_hit *hit, char *names,
                     size_t cap)
{
    ts_ioc_hit hits[8];
    size_t n;
    names[0] = 0;
    if (t == TS_IOC_IP) {
        ts_ip ip;
        if (!ts_ip_parse(ts_str_c(value), &ip))
            return 0;
        n = ts_intel_match_ip(ti, &ip, hits, 8);
    } else {
        n = ts_intel_match(ti, t, ts_str_c(value), hits, 8);
    }
    if (!n)
        return 0;
    *hit = hits[0];
    const uint32_t *ids;
    size_t k = ts_intel_actorset_get(ti, hits[0].meta->actors, &ids);
    for (size_t i = 0; i < k; i++) {
        const ts_actor *a = ts_intel_actor(ti, ids[i]);
        size_t used = strlen(names);
        snprintf(names + used, cap - used, "%s%s", i ? "," : "", a ? a->name : "?");
    }
    return n;
}

static bool has_alias(const ts_actor *a, const char *alias)
{
    for (size_t i = 0; a && i < a->n_aliases; i++)
        if (strcmp(a->aliases[i], alias) == 0)
            return true;
    return false;
}

/* ---- the pattern parser ------------------------------------------------------------- */

static tocsin_code parse(const char *p, ts_stix_pattern *pat)
{
    return ts_stix_pattern_parse(p, strlen(p), pat);
}

static void test_pattern_ok(void)
{
    ts_stix_pattern pat;

    CHECK_INT(parse("[ipv4-addr:value = '1.2.3.4']", &pat), TOCSIN_OK);
    CHECK_INT(pat.n, 1);
    CHECK_INT(pat.cmp[0].type, TS_IOC_IP);
    CHECK_INT(pat.cmp[0].op, TS_STIX_EQ);
    CHECK_STR(pat.cmp[0].value, "1.2.3.4");
    ts_stix_pattern_free(&pat);

    /* OR and AND inside and across brackets, ISSUBSET, nested parentheses */
    CHECK_INT(parse("[ipv4-addr:value = '1.2.3.4' OR (ipv6-addr:value = '2001:db8::1' AND "
                    "ipv4-addr:value ISSUBSET '10.0.0.0/8')] AND ([domain-name:value = 'x.example'] "
                    "OR [url:value = 'http://x.example/a'])",
                    &pat),
              TOCSIN_OK);
    CHECK_INT(pat.n, 5);
    if (pat.n == 5) {
        CHECK_STR(pat.cmp[1].value, "2001:db8::1");
        CHECK_INT(pat.cmp[2].op, TS_STIX_ISSUBSET);
        CHECK_STR(pat.cmp[2].value, "10.0.0.0/8");
        CHECK_INT(pat.cmp[3].type, TS_IOC_DOMAIN);
        CHECK_INT(pat.cmp[4].type, TS_IOC_URL);
    }
    CHECK_INT(pat.n_notes, 0);
    ts_stix_pattern_free(&pat);

    /* hash names, quoted or not, any case */
    CHECK_INT(parse("[file:hashes.'SHA-256' = 'aa' OR file:hashes.MD5 = 'bb' OR file:hashes.'SHA-1' = 'cc' "
                    "OR file:hashes.sha256 = 'dd' OR file:hashes.'SHA-512' = 'ee']",
                    &pat),
              TOCSIN_OK);
    CHECK_INT(pat.n, 4);
    if (pat.n == 4) {
        CHECK_INT(pat.cmp[0].type, TS_IOC_SHA256);
        CHECK_INT(pat.cmp[1].type, TS_IOC_MD5);
        CHECK_INT(pat.cmp[2].type, TS_IOC_SHA1);
        CHECK_INT(pat.cmp[3].type, TS_IOC_SHA256);
    }
    CHECK_INT(pat.n_notes, 1); /* SHA-512 */
    ts_stix_pattern_free(&pat);

    /* escapes: \' and \\ */
    CHECK_INT(parse("[url:value = 'http://x.example/it\\'s\\\\here']", &pat), TOCSIN_OK);
    CHECK_INT(pat.n, 1);
    if (pat.n == 1) {
        CHECK_STR(pat.cmp[0].value, "http://x.example/it's\\here");
        CHECK_INT(pat.cmp[0].len, 26);
    }
    ts_stix_pattern_free(&pat);

    /* IN sets, numbers, email, qualifiers, FOLLOWEDBY */
    CHECK_INT(parse("[email-addr:value IN ('a@x.example', 'b@x.example')] FOLLOWEDBY "
                    "[autonomous-system:number = 131279] REPEATS 2 TIMES WITHIN 300 SECONDS "
                    "START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
                    &pat),
              TOCSIN_OK);
    CHECK_INT(pat.n, 3);
    if (pat.n == 3) {
        CHECK_INT(pat.cmp[0].op, TS_STIX_IN);
        CHECK_STR(pat.cmp[1].value, "b@x.example");
        CHECK_INT(pat.cmp[2].type, TS_IOC_ASN);
        CHECK_STR(pat.cmp[2].value, "131279");
    }
    ts_stix_pattern_free(&pat);

    /* valid, but nothing to match: each construct noted */
    CHECK_INT(parse("[process:name = 'evil.exe' AND domain-name:value LIKE '%.evil.example' AND "
                    "ipv4-addr:value NOT = '1.1.1.1' AND ipv4-addr:value != '2.2.2.2' AND "
                    "domain-name:value ISSUBSET 'x' AND file:size > 10 AND ipv4-addr:value = 7]",
                    &pat),
              TOCSIN_OK);
    CHECK_INT(pat.n, 0);
    CHECK_INT(pat.n_notes, 7);
    if (pat.n_notes == 7) {
        CHECK(strstr(pat.notes[0], "unsupported object path 'process:name'") != NULL);
        CHECK(strstr(pat.notes[1], "LIKE") != NULL);
        CHECK(strstr(pat.notes[2], "NOT =") != NULL);
        CHECK(strstr(pat.notes[3], "!=") != NULL);
        CHECK(strstr(pat.notes[4], "ISSUBSET") != NULL);
        CHECK(strstr(pat.notes[6], "unsupported literal") != NULL);
    }
    ts_stix_pattern_free(&pat);

    /* keywords are case-insensitive; whitespace anywhere */
    CHECK_INT(parse("  [ ipv4-addr:value   =   '5.6.7.8' ]  or [domain-name:value='y.example']  ", &pat),
              TOCSIN_OK);
    CHECK_INT(pat.n, 2);
    ts_stix_pattern_free(&pat);
}

static void test_pattern_bad(void)
{
    static const struct {
        const char *p, *err;
    } bad[] = {
        {"[ipv4-addr:value = '1.2.3.4'", "expected ']'"},
        {"[ipv4-addr:value = '1.2.3.4]", "unterminated string"},
        {"[url:value = 'a\\x']", "bad escape"},
        {"", "expected '[' or '('"},
        {"ipv4-addr:value = '1.2.3.4'", "expected '[' or '('"},
        {"[ipv4-addr:value = '1.2.3.4'] junk", "unexpected text"},
        {"[ipv4-addr:value = ]", "expected a literal"},
        {"[ipv4-addr:value IN '1.2.3.4']", "IN needs a set"},
        {"[ipv4-addr:value ~ '1.2.3.4']", "unexpected character"},
        {"[ipv4-addr:value '1.2.3.4']", "expected a comparison operator"},
        {"[= '1.2.3.4']", "expected an object path"},
        {"[ipv4-addr:value = '1.2.3.4'] WITHIN x SECONDS", "WITHIN needs a number"},
        {"[ipv4-addr:value = '1.2.3.4'] OR", "expected '[' or '('"},
        {"[ipv4-addr:value = '1' AND ipv4-addr:value = '2' OR]", "expected an object path"},
        {"[email-addr:value IN ('a@x', 'b@x']", "expected ',' or ')'"},
        {"[ipv4-addr: = '1.2.3.4']", "bad object path"},
    };
    ts_stix_pattern pat;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tocsin_code rc = parse(bad[i].p, &pat);
        CHECK_INT(rc, TOCSIN_E_PARSE);
        if (!strstr(pat.err, bad[i].err)) {
            fprintf(stderr, "pattern %zu \"%s\": error \"%s\", want \"%s\"\n", i, bad[i].p, pat.err,
                    bad[i].err);
            check_failed++;
        }
        CHECK_INT(pat.n, 0); /* nothing kept from a broken pattern */
        ts_stix_pattern_free(&pat);
    }

    /* nesting is bounded, so hostile input cannot exhaust the stack */
    char deep[400];
    memset(deep, '(', 300);
    snprintf(deep + 300, sizeof deep - 300, "[ipv4-addr:value = '1.2.3.4']");
    CHECK_INT(parse(deep, &pat), TOCSIN_E_PARSE);
    CHECK(strstr(pat.err, "nested too deeply") != NULL);
    ts_stix_pattern_free(&pat);

    /* at most TS_STIX_MAX_NOTES notes, however many unsupported comparisons */
    char many[4096];
    size_t used = (size_t)snprintf(many, sizeof many, "[process:name = 'x'");
    for (int i = 1; i < 40; i++)
        used += (size_t)snprintf(many + used, sizeof many - used, " OR process:name = 'x'");
    snprintf(many + used, sizeof many - used, "]");
    CHECK_INT(parse(many, &pat), TOCSIN_OK);
    CHECK_INT(pat.n_notes, TS_STIX_MAX_NOTES);
    ts_stix_pattern_free(&pat);
}

/* ---- STIX --------------------------------------------------------------------------- */

static void test_sniff(void)
{
    static const char bundle[] = " {\n \"type\" : \"bundle\", \"id\": \"bundle--1\", \"objects\": []}";
    static const char event[] = "{ \"Event\": {\"info\": \"x\"}}";
    static const char resp[] = "{\"response\": [{\"Event\": {}}]}";
    static const char cat[] = "{\"tocsin_catalogue\":1}\n";
    CHECK(ts_loader_stix.sniff(bundle, sizeof bundle - 1) >= 90);
    CHECK_INT(ts_loader_stix.sniff(event, sizeof event - 1), 0);
    CHECK_INT(ts_loader_stix.sniff(cat, sizeof cat - 1), 0);
    CHECK_INT(ts_loader_stix.sniff("1.2.3.4\n", 8), 0);
    CHECK(ts_loader_misp_event.sniff(event, sizeof event - 1) >= 90);
    CHECK(ts_loader_misp_event.sniff(resp, sizeof resp - 1) >= 80);
    CHECK_INT(ts_loader_misp_event.sniff(bundle, sizeof bundle - 1), 0);
    CHECK_INT(ts_loader_catalogue.sniff(cat, sizeof cat - 1), 100);
    CHECK_INT(ts_loader_catalogue.sniff(bundle, sizeof bundle - 1), 0);
    CHECK_INT(ts_loader_catalogue.sniff("", 0), 0);
}

static void test_stix_fixture(void)
{
    ts_intel *ti = ts_intel_new();
    diags d = {0};
    char names[256];
    ts_ioc_hit hit;
    const ts_actor *a;

    CHECK_INT(load_file(&ts_loader_stix, ti, "tests/data/feeds/stix/bundle.json", &d, NULL),
              TOCSIN_E_PARTIAL);
    CHECK(has(&d, "pattern_type 'yara' is not supported"));
    CHECK(has(&d, "bad pattern: offset 30: expected ']'"));
    CHECK(has(&d, "'not-an-ip' is not a valid ip"));
    CHECK(has(&d, "relationship--00000000-0000-4000-8000-0000000000a9: indicates relationship refers to an "
                  "object not in the bundle"));
    CHECK(has(&d, "unsupported object path 'network-traffic:dst_port'"));
    CHECK_INT(d.n, 5);

    /* actors: aliases, ATT&CK id, country from x_*_country; revoked ones skipped */
    a = one_actor(ti, "Fixture Panda");
    CHECK(a != NULL);
    if (a) {
        CHECK_STR(a->name, "Dark Fixture");
        CHECK_STR(a->attack_id, "G9001");
        CHECK_STR(a->country, "KP");
        CHECK_INT(a->n_techniques, 1);
        const ts_technique *t = a->n_techniques ? ts_intel_technique_get(ti, a->techniques[0]) : NULL;
        CHECK(t && !strcmp(t->tid, "T1566.001") && t->tactics && !strcmp(t->tactics, "initial-access"));
    }
    uint32_t ids[8];
    CHECK_INT(ts_intel_actor_resolve(ti, "Shared Alias", ids, 8), 2); /* two actors stay two */
    CHECK_INT(ts_intel_actor_resolve(ti, "Gone Group", ids, 8), 0);
    a = one_actor(ti, "Other Set");
    CHECK(a && a->n_software == 1 && a->country && !strcmp(a->country, "KP")); /* via its threat-actor */
    CHECK_INT(ts_intel_software_resolve(ti, "FxRAT", ids, 8), 1);
    const ts_software *rat = ts_intel_software_get(ti, ids[0]); /* malware -> uses -> technique */
    CHECK(rat && rat->n_techniques == 1 && rat->techniques[0] == ts_intel_technique_find(ti, "T1566.001"));
    CHECK_INT(ts_intel_software_resolve(ti, "OldTool", ids, 8), 0);

    /* indicator -> indicates -> intrusion-set (the relationship came before both) */
    CHECK_INT(lookup(ti, TS_IOC_IP, "198.51.100.7", &hit, names, sizeof names), 1);
    CHECK_STR(names, "Dark Fixture");
    if (hit.meta) {
        CHECK_INT(hit.meta->confidence, 85);
        CHECK_INT(hit.meta->first_seen, 1416787200); /* valid_from */
        CHECK_INT(hit.meta->last_seen, 1617235200);  /* modified */
        CHECK_INT(hit.meta->expires, 1893456000);    /* valid_until */
        CHECK_STR(ts_intel_string_get(ti, hit.meta->note), "Fixture C2");
    }
    CHECK_INT(lookup(ti, TS_IOC_DOMAIN, "www.evil.example", &hit, names, sizeof names), 1);
    CHECK_STR(names, "Dark Fixture");

    /* indicator -> malware <- uses - intrusion-set -> attributed-to threat-actor; the
       revoked group that also "uses" it is not named */
    CHECK_INT(lookup(ti, TS_IOC_SHA256, "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f",
                     &hit, names, sizeof names),
              1);
    CHECK(strstr(names, "Other Set") && strstr(names, "Fixture Bureau") && !strstr(names, "Gone"));
    CHECK_INT(lookup(ti, TS_IOC_MD5, "0CC175B9C0F1B6A831C399E269772661", &hit, names, sizeof names), 1);
    if (hit.meta)
        CHECK_INT(hit.meta->confidence, 50); /* none given: the default */

    /* indicator -> campaign -> attributed-to intrusion-set; escaped URL; IN set */
    CHECK_INT(lookup(ti, TS_IOC_URL, "http://evil.example/gate.php?id=it's", &hit, names, sizeof names), 1);
    CHECK_STR(names, "Dark Fixture");
    CHECK_INT(lookup(ti, TS_IOC_EMAIL, "boss@evil.example", &hit, names, sizeof names), 1);

    /* ISSUBSET CIDR and AS number, without an actor */
    CHECK_INT(lookup(ti, TS_IOC_IP, "203.0.113.77", &hit, names, sizeof names), 1);
    CHECK_INT(hit.prefix, 24);
    CHECK_STR(names, "");
    CHECK_INT(lookup(ti, TS_IOC_ASN, "AS64500", &hit, names, sizeof names), 1);

    /* nothing from the broken pattern */
    CHECK_INT(lookup(ti, TS_IOC_IP, "192.0.2.1", &hit, names, sizeof names), 0);
    ts_intel_free(ti);

    /* a declared actor ties indicators that name none */
    ti = ts_intel_new();
    memset(&d, 0, sizeof d);
    load_file(&ts_loader_stix, ti, "tests/data/feeds/stix/bundle.json", &d, "Declared Crew");
    CHECK_INT(lookup(ti, TS_IOC_IP, "203.0.113.77", &hit, names, sizeof names), 1);
    CHECK_STR(names, "Declared Crew");
    CHECK_INT(lookup(ti, TS_IOC_IP, "198.51.100.7", &hit, names, sizeof names), 1);
    CHECK_STR(names, "Dark Fixture");
    ts_intel_free(ti);
}

static void test_stix_bad(void)
{
    ts_intel *ti = ts_intel_new();
    diags d = {0};
    ts_feed_opts o = {.diag = on_diag, .ud = &d};
    static const char notjson[] = "{\"type\": \"bundle\", \"objects\": [";
    static const char noobjs[] = "{\"type\": \"bundle\"}";
    static const char junk[] =
        "{\"type\":\"bundle\",\"objects\":[1, \"x\", {\"type\":\"indicator\"}, "
        "{\"id\":\"indicator--1\",\"type\":\"indicator\",\"pattern\":5}, "
        "{\"id\":\"relationship--1\",\"type\":\"relationship\",\"relationship_type\":\"uses\"}]}";
    CHECK_INT(ts_loader_stix.load(ti, "t", notjson, sizeof notjson - 1, &o), TOCSIN_E_PARSE);
    CHECK_INT(ts_loader_stix.load(ti, "t", noobjs, sizeof noobjs - 1, &o), TOCSIN_E_FORMAT);
    CHECK_INT(ts_loader_stix.load(ti, "t", junk, sizeof junk - 1, &o), TOCSIN_E_PARTIAL);
    CHECK(has(&d, "object 2 of the bundle is not an object"));
    CHECK(has(&d, "object 3 of the bundle has no id"));
    CHECK(has(&d, "indicator--1 has no pattern"));
    CHECK_INT(ts_intel_actor_count(ti), 0);
    ts_intel_free(ti);
}

/* Nesting past the limit is refused object by object, with the feed, line and column: the
 * objects around it still load. A member of the bundle nested past what jansson itself would
 * take (2,048) costs no recursion here. */
static void test_stix_deep(void)
{
    ts_intel *ti = ts_intel_new();
    diags d = {0};
    ts_feed_opts o = {.diag = on_diag, .ud = &d};
    char names[256];
    ts_ioc_hit hit;
    size_t cap = 64 * 1024, n = 0;
    char *b = malloc(cap);
    CHECK(b != NULL);
    if (!b)
        return;
#define PUT(...) (n += (size_t)snprintf(b + n, cap - n, __VA_ARGS__))
    PUT("{\"type\":\"bundle\",\"x_junk\":");
    for (int i = 0; i < 5000; i++)
        PUT("[");
    for (int i = 0; i < 5000; i++)
        PUT("]");
    PUT(",\"objects\":[\n{\"type\":\"intrusion-set\",\"id\":\"intrusion-set--1\",\"name\":\"Deep Crew\"},\n");
    PUT("{\"type\":\"indicator\",\"id\":\"indicator--1\",\"pattern\":\"[ipv4-addr:value = '203.0.113.1']\","
        "\"x_nest\":");
    for (int i = 0; i < 70; i++) /* the object is at depth 3: the 62nd of these is the 65th level */
        PUT("{\"a\":");
    PUT("1");
    for (int i = 0; i < 70; i++)
        PUT("}");
    PUT("},\n{\"type\":\"indicator\",\"id\":\"indicator--2\",\"pattern\":\"[ipv4-addr:value = "
        "'203.0.113.2']\","
        "\"x_nest\":");
    for (int i = 0; i < 60; i++) /* deep, but within the limit */
        PUT("[");
    for (int i = 0; i < 60; i++)
        PUT("]");
    PUT("},\n{\"type\":\"relationship\",\"id\":\"relationship--2\",\"relationship_type\":\"indicates\","
        "\"source_ref\":\"indicator--2\",\"target_ref\":\"intrusion-set--1\"}]}");
#undef PUT
    CHECK_INT(ts_loader_stix.load(ti, "deep.json", b, n, &o), TOCSIN_E_PARTIAL);
    CHECK(has(
        &d, "deep.json:1: column 90 (byte 89): a member of the bundle nests deeper than 64 levels; skipped"));
    CHECK(has(
        &d,
        "deep.json:3: column 401 (byte 10508): object 2 of the bundle nests deeper than 64 levels; skipped"));
    CHECK_INT(d.n, 2);
    CHECK_INT(lookup(ti, TS_IOC_IP, "203.0.113.1", &hit, names, sizeof names), 0);
    CHECK_INT(lookup(ti, TS_IOC_IP, "203.0.113.2", &hit, names, sizeof names), 1);
    CHECK_STR(names, "Deep Crew");
    ts_intel_free(ti);

    /* broken part way: reported where, and what came before is kept */
    ti = ts_intel_new();
    memset(&d, 0, sizeof d);
    static const char cut[] = "{\"type\":\"bundle\",\"objects\":[\n"
                              "{\"type\":\"indicator\",\"id\":\"indicator--1\",\"pattern\":\"[ipv4-addr:"
                              "value = '203.0.113.9']\"},\n"
                              "{\"type\":\"indicator\",\"id\":\"indicator--2\",\"pattern\":]]}";
    CHECK_INT(ts_loader_stix.load(ti, "cut.json", cut, sizeof cut - 1, &o), TOCSIN_E_PARSE);
    CHECK(has(&d, "cut.json:3: column 51 (byte 167): not JSON: the bundle cannot be read past here"));
    CHECK_INT(lookup(ti, TS_IOC_IP, "203.0.113.9", &hit, names, sizeof names), 1);
    ts_intel_free(ti);
    free(b);
}

/* ---- MISP --------------------------------------------------------------------------- */

static void test_misp_event(void)
{
    ts_intel *ti = ts_intel_new();
    diags d = {0};
    char names[256];
    ts_ioc_hit hit;

    CHECK_INT(load_file(&ts_loader_misp_event, ti, "tests/data/feeds/misp/event.json", &d, NULL),
              TOCSIN_E_PARTIAL);
    CHECK_INT(d.n, 1);
    CHECK(has(&d, "attribute 8: ip-src value '999.1.1.1' is not a valid ip"));
    CHECK_INT(d.record, 8); /* the record is given as such, not only in the text */

    /* the tag and the mitre-intrusion-set cluster name one actor */
    CHECK_INT(lookup(ti, TS_IOC_IP, "192.0.2.10", &hit, names, sizeof names), 1);
    CHECK_STR(names, "Lazarus Group");
    if (hit.meta) {
        CHECK_INT(hit.meta->first_seen, 1416477600); /* the attribute's first_seen */
        CHECK_INT(hit.meta->last_seen, 1418000000);  /* its timestamp */
        CHECK_INT(hit.meta->confidence, 50);
        CHECK_STR(ts_intel_string_get(ti, hit.meta->note), "Fixture: destructive intrusion at a film studio");
    }
    CHECK_INT(lookup(ti, TS_IOC_IP, "192.0.2.11", &hit, names, sizeof names), 1); /* domain|ip */
    CHECK_INT(lookup(ti, TS_IOC_DOMAIN, "bad.example", &hit, names, sizeof names), 1);
    if (hit.meta)
        CHECK_INT(hit.meta->first_seen, 1416787200); /* the event date */
    CHECK_INT(lookup(ti, TS_IOC_MD5, "760c35a80d758f032d02cf4db12d3e55", &hit, names, sizeof names), 1);
    CHECK_INT(lookup(ti, TS_IOC_URL, "http://bad.example/login.php", &hit, names, sizeof names), 1);
    CHECK_INT(lookup(ti, TS_IOC_EMAIL, "lure@bad.example", &hit, names, sizeof names), 1);
    CHECK_INT(lookup(ti, TS_IOC_SHA256, "201a9c5fe6a8ae0d1c4312d07ef2066e5991b1462b68f102154bb9cb25bf59f9",
                     &hit, names, sizeof names),
              1); /* inside an Object */
    CHECK_INT(lookup(ti, TS_IOC_ASN, "64500", &hit, names, sizeof names), 1);
    if (hit.meta)
        CHECK_INT(hit.meta->confidence, 25); /* to_ids false: context, half the confidence */
    /* attribute-level tag: both actors */
    CHECK_INT(lookup(ti, TS_IOC_DOMAIN, "side.example", &hit, names, sizeof names), 1);
    CHECK(strstr(names, "Lazarus Group") && strstr(names, "APT Fixture"));
    /* a time no int64 of nanoseconds holds is unknown: the event date stands in */
    CHECK_INT(lookup(ti, TS_IOC_DOMAIN, "far.example", &hit, names, sizeof names), 1);
    if (hit.meta)
        CHECK_INT(hit.meta->first_seen, 1416787200);
    /* deleted attributes are not loaded */
    CHECK_INT(lookup(ti, TS_IOC_IP, "192.0.2.99", &hit, names, sizeof names), 0);
    ts_intel_stats st;
    ts_intel_get_stats(ti, &st);
    CHECK_INT(st.by_type[TS_IOC_IP], 2);
    CHECK_INT(st.actors, 2);
    ts_intel_free(ti);

    /* with ATT&CK loaded first, the cluster's G-id (meta.external_id) picks the group */
    ti = ts_intel_new();
    uint32_t g = ts_intel_actor_add(ti, "Lazarus Group", "G0032", "KP");
    ts_intel_actor_alias(ti, g, "Guardians of Peace");
    static const char ev[] =
        "{\"response\":[{\"Event\":{\"info\":\"x\",\"Galaxy\":[{\"type\":\"mitre-intrusion-set\","
        "\"GalaxyCluster\":[{\"value\":\"Renamed Cluster\",\"meta\":{\"external_id\":[\"G0032\"]}}]}],"
        "\"Attribute\":[{\"type\":\"ip-dst\",\"value\":\"198.51.100.1\",\"to_ids\":\"1\"}]}}]}";
    memset(&d, 0, sizeof d);
    ts_feed_opts o = {.diag = on_diag, .ud = &d};
    CHECK_INT(ts_loader_misp_event.load(ti, "resp", ev, sizeof ev - 1, &o), TOCSIN_OK);
    CHECK_INT(lookup(ti, TS_IOC_IP, "198.51.100.1", &hit, names, sizeof names), 1);
    CHECK_STR(names, "Lazarus Group");
    CHECK_INT(ts_intel_actor_count(ti), 1);

    static const char notev[] = "{\"Event\": 5}", broken[] = "{\"Event\": {";
    CHECK_INT(ts_loader_misp_event.load(ti, "bad", notev, sizeof notev - 1, &o), TOCSIN_E_FORMAT);
    CHECK_INT(ts_loader_misp_event.load(ti, "bad", broken, sizeof broken - 1, &o), TOCSIN_E_PARSE);
    ts_intel_free(ti);
}

static void test_misp_feed(void)
{
    ts_intel *ti = ts_intel_new();
    diags d = {0};
    char names[256];
    ts_ioc_hit hit;
    ts_feed_opts o = {.diag = on_diag, .loaded = on_loaded, .ud = &d};

    CHECK_INT(ts_misp_load_feed_dir(ti, "tests/data/feeds/misp/feed", &o), TOCSIN_E_PARTIAL);
    CHECK_INT(d.loaded, 2);
    CHECK_STR(d.loaded_kind, "misp-event");
    CHECK(has(&d, "manifest key '../../../etc/passwd' is not an event uuid"));
    CHECK(has(&d, "00000000f003.json: "));
    CHECK_INT(lookup(ti, TS_IOC_IP, "198.51.100.20", &hit, names, sizeof names), 1);
    CHECK_STR(names, "Fixture Group");
    const ts_actor *a = one_actor(ti, "G9002");
    CHECK(a && !strcmp(a->name, "Fixture Group"));
    CHECK_INT(lookup(ti, TS_IOC_SHA1, "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8", &hit, names, sizeof names),
              1);
    CHECK_INT(lookup(ti, TS_IOC_DOMAIN, "feed.example", &hit, names, sizeof names), 1);
    CHECK_STR(names, "");

    memset(&d, 0, sizeof d);
    CHECK_INT(ts_misp_load_feed_dir(ti, "tests/data/feeds/no-such-dir", &o), TOCSIN_E_NOTFOUND);
    CHECK(has(&d, "manifest.json"));

    /* a path that is not there is not a parse error */
    memset(&d, 0, sizeof d);
    CHECK_INT(ts_intel_load_path(ti, "tests/data/feeds/no-such-feed", &o), TOCSIN_E_IO);
    CHECK_INT(d.code, TOCSIN_E_NOTFOUND);
    ts_intel_free(ti);
}

/* ---- catalogue ---------------------------------------------------------------------- */

static void test_catalogue_fixture(void)
{
    ts_intel *ti = ts_intel_new();
    diags d = {0};
    uint32_t ids[8];

    CHECK_INT(load_file(&ts_loader_catalogue, ti, "tests/data/feeds/catalogue/small.jsonl", &d, NULL),
              TOCSIN_E_PARTIAL);
    CHECK(has(&d, "software S9999 is not defined"));
    CHECK(has(&d, "country 'Narnia' is not an ISO 3166 alpha-2 code"));
    CHECK(has(&d, "Gamma: technique entry 0 is not an ATT&CK id"));
    CHECK(has(&d, "technique 'X1' is not an ATT&CK id"));
    CHECK(has(&d, "not a JSON object"));
    CHECK(has(&d, "neither a technique, a software nor an actor line"));
    CHECK(has(&d, "AlphaRAT: technique entry 2 is not an ATT&CK id"));
    CHECK_INT(d.n, 7);

    CHECK_INT(ts_intel_actor_count(ti), 3);
    CHECK_INT(ts_intel_actor_resolve(ti, "Common Alias", ids, 8), 2);
    const ts_actor *a = one_actor(ti, "G9101");
    CHECK(a != NULL);
    if (a) {
        CHECK_STR(a->name, "Alpha Team");
        CHECK_STR(a->country, "KP");
        CHECK_INT(a->n_techniques, 2);
        CHECK_INT(a->n_software, 2);
        CHECK(has_alias(a, "Alpha"));
    }
    /* the technique line came after the actor line, and still named the technique */
    const ts_technique *t = ts_intel_technique_get(ti, ts_intel_technique_find(ti, "T1566.001"));
    CHECK(t && t->name && !strcmp(t->name, "Spearphishing Attachment"));
    CHECK_INT(ts_intel_software_resolve(ti, "ARAT", ids, 8), 1);
    /* what a program does: T1566.001 defined by its line, T1071.001 by no line (added unnamed) */
    const ts_software *sw = ts_intel_software_get(ti, ids[0]);
    CHECK(sw && sw->n_techniques == 2);
    if (sw && sw->n_techniques == 2) {
        CHECK_INT(sw->techniques[0], ts_intel_technique_find(ti, "T1566.001"));
        CHECK_INT(sw->techniques[1], ts_intel_technique_find(ti, "T1071.001"));
    }
    a = one_actor(ti, "Beta Crew");
    CHECK(a && a->country && !strcmp(a->country, "CN") && a->n_software == 0);
    ts_intel_free(ti);

    static const struct {
        const char *text;
        tocsin_code rc;
    } heads[] = {
        {"", TOCSIN_E_FORMAT},
        {"\n\n", TOCSIN_E_FORMAT},
        {"{\"name\":\"x\"}\n", TOCSIN_E_FORMAT},
        {"{\"tocsin_catalogue\":2}\n", TOCSIN_E_FORMAT},
        {"{\"tocsin_catalogue\":1}", TOCSIN_OK},
        {"{\"tocsin_catalogue\":1}\r\n{\"name\":\"Solo\"}\r\n", TOCSIN_OK},
    };
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        ti = ts_intel_new();
        memset(&d, 0, sizeof d);
        ts_feed_opts o = {.diag = on_diag, .ud = &d};
        CHECK_INT(ts_loader_catalogue.load(ti, "h", heads[i].text, strlen(heads[i].text), &o), heads[i].rc);
        ts_intel_free(ti);
    }
}

static void test_bundled_catalogue(void)
{
    ts_intel *ti = ts_intel_new();
    diags d = {0};
    uint32_t ids[8];

    CHECK_INT(load_file(&ts_loader_catalogue, ti, "data/intel/actors.jsonl", &d, NULL), TOCSIN_OK);
    CHECK_INT(d.n, 0);
    CHECK_INT(ts_intel_actor_count(ti), 1126);
    const ts_actor *a = one_actor(ti, "Guardians of Peace");
    CHECK(a != NULL);
    if (a) {
        CHECK_STR(a->name, "Lazarus Group");
        CHECK_STR(a->attack_id, "G0032");
        CHECK_STR(a->country, "KP");
        /* ATT&CK's 93 techniques and 26 software of the group, with those of the campaigns
           it attributes to the group (scripts/gen_catalogue.py) */
        CHECK_INT(a->n_techniques, 119);
        CHECK_INT(a->n_software, 28);
        CHECK(has_alias(a, "HIDDEN COBRA"));
    }
    /* the galaxy's Lazarus entry lists APT38; ATT&CK tracks it apart, and so do we */
    a = one_actor(ti, "APT38");
    CHECK(a && a->attack_id && !strcmp(a->attack_id, "G0082"));
    /* an alias two groups share names both */
    CHECK_INT(ts_intel_actor_resolve(ti, "Grizzly Steppe", ids, 8), 2);
    /* each program with what ATT&CK says it does (Mimikatz, S0002: 17 techniques, LSASS among them) */
    CHECK_INT(ts_intel_software_resolve(ti, "S0002", ids, 8), 1);
    const ts_software *mimikatz = ts_intel_software_get(ti, ids[0]);
    CHECK(mimikatz && mimikatz->n_techniques == 17);
    bool lsass = false;
    for (size_t i = 0; mimikatz && i < mimikatz->n_techniques; i++)
        lsass |= mimikatz->techniques[i] == ts_intel_technique_find(ti, "T1003.001");
    CHECK(lsass);
    ts_intel_free(ti);
}

/* The Sony 2014 file (read by the CSV loader) ties every fact to the catalogue's G0032. */
static void test_bundled_sony(void)
{
    ts_intel *ti = ts_intel_new();
    diags d = {0};
    char names[256];
    ts_ioc_hit hit;
    ts_feed_opts o = {.diag = on_diag, .ud = &d};

    CHECK_INT(ts_intel_load_path(ti, "data/intel/actors.jsonl", &o), TOCSIN_OK);
    CHECK_INT(ts_intel_load_path(ti, "data/intel/sony-2014.csv", &o), TOCSIN_OK);
    CHECK_INT(d.n, 0);
    if (d.n)
        fprintf(stderr, "%s", d.text);
    ts_intel_stats st;
    ts_intel_get_stats(ti, &st);
    CHECK_INT(st.by_type[TS_IOC_IP], 8);
    CHECK_INT(st.by_type[TS_IOC_MD5], 12);
    CHECK_INT(st.by_type[TS_IOC_SHA256], 2);
    CHECK_INT(ts_intel_actor_count(ti), 1126); /* "Lazarus Group" named the catalogue's actor */
    CHECK_INT(lookup(ti, TS_IOC_IP, "203.131.222.102", &hit, names, sizeof names), 1);
    CHECK_STR(names, "Lazarus Group");
    if (hit.meta) {
        const uint32_t *ids;
        CHECK_INT(ts_intel_actorset_get(ti, hit.meta->actors, &ids), 1);
        const ts_actor *a = ts_intel_actor(ti, ids[0]);
        CHECK(a && a->attack_id && !strcmp(a->attack_id, "G0032"));
        CHECK_INT(hit.meta->confidence, 80);
        CHECK_STR(ts_intel_source_name(ti, hit.meta->source),
                  "US-CERT TA14-353A / FBI flash; Kaspersky Destover analysis");
    }
    CHECK_INT(lookup(ti, TS_IOC_MD5, "e904bf93403c0fb08b9683a9e858c73e", &hit, names, sizeof names), 1);
    CHECK_STR(names, "Lazarus Group");
    ts_intel_free(ti);
}

/* ts_intel_load_path picks these loaders by content, and takes MISP feed directories. */
static void test_detection(void)
{
    ts_intel *ti = ts_intel_new();
    diags d = {0};
    char names[256];
    ts_ioc_hit hit;
    ts_feed_opts o = {.diag = on_diag, .ud = &d};

    CHECK_INT(ts_intel_load_path(ti, "tests/data/feeds/stix/bundle.json", &o), TOCSIN_E_PARTIAL);
    CHECK_INT(lookup(ti, TS_IOC_IP, "198.51.100.7", &hit, names, sizeof names), 1);
    CHECK_STR(names, "Dark Fixture");
    CHECK_INT(ts_intel_load_path(ti, "tests/data/feeds/misp/event.json", &o), TOCSIN_E_PARTIAL);
    CHECK_INT(lookup(ti, TS_IOC_DOMAIN, "side.example", &hit, names, sizeof names), 1);
    CHECK_INT(ts_intel_load_path(ti, "tests/data/feeds/misp/feed", &o), TOCSIN_E_PARTIAL);
    CHECK_INT(lookup(ti, TS_IOC_DOMAIN, "feed.example", &hit, names, sizeof names), 1);
    CHECK_INT(ts_intel_load_path(ti, "tests/data/feeds/catalogue/small.jsonl", &o), TOCSIN_E_PARTIAL);
    CHECK(one_actor(ti, "G9101") != NULL);
    const ts_loader *l = ts_loader_find("stix");
    CHECK(l == &ts_loader_stix);
    CHECK(ts_loader_find("misp-event") == &ts_loader_misp_event);
    CHECK(ts_loader_find("catalogue") == &ts_loader_catalogue);
    ts_intel_free(ti);
}

/* ---- real ATT&CK -------------------------------------------------------------------- */

/* Distinct techniques per group in groups_techniques.tsv, checked against the load. */
static void compare_groups_tsv(const ts_intel *ti, const char *path)
{
    size_t len, groups = 0, mismatched = 0;
    char *tsv = slurp(path, &len);
    CHECK(tsv != NULL);
    if (!tsv)
        return;
    char cur[16] = "";
    size_t count = 0;
    char seen[512][16];
    for (char *line = tsv; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        char *f[5] = {line};
        for (int i = 1; i < 5 && f[i - 1]; i++) {
            char *tab = strchr(f[i - 1], '\t');
            f[i] = tab ? tab + 1 : NULL;
            if (tab)
                *tab = 0;
        }
        if (f[3] && strlen(f[0]) < 16 && strlen(f[3]) < 16) {
            if (strcmp(cur, f[0]) != 0) {
                count = 0;
                snprintf(cur, sizeof cur, "%s", f[0]);
                groups++;
            }
            bool dup = false;
            for (size_t i = 0; i < count; i++)
                dup = dup || !strcmp(seen[i], f[3]);
            if (!dup && count < 512)
                snprintf(seen[count++], 16, "%s", f[3]);
            /* the TSV is grouped by group id: compare at the last row of each group */
            char *next = nl ? nl + 1 : NULL;
            if (!next || !*next || strncmp(next, cur, strlen(cur)) != 0 || next[strlen(cur)] != '\t') {
                const ts_actor *a = one_actor(ti, cur);
                if (!a || a->n_techniques != count) {
                    mismatched++;
                    fprintf(stderr, "%s: %zu techniques loaded, %zu in the TSV\n", cur,
                            a ? a->n_techniques : 0, count);
                }
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    free(tsv);
    CHECK(groups > 150);
    CHECK_INT(mismatched, 0);
}

static void test_attack(void)
{
    const char *dir = shared_data("ATT&CK bundle");
    char path[512];
    if (!dir)
        return;
    ts_intel *ti = ts_intel_new();
    diags d = {0};
    struct timespec t0, t1;
    snprintf(path, sizeof path, "%s/attack/enterprise-attack-core.json", dir);
    /* content detection picks the STIX loader for the real bundle */
    size_t len;
    char *data = slurp(path, &len);
    const ts_loader *best = NULL;
    int best_score = 0;
    for (size_t i = 0; data && ts_loaders[i]; i++) {
        int sc = ts_loaders[i]->sniff(data, len < 65536 ? len : 65536);
        if (sc > best_score) {
            best_score = sc;
            best = ts_loaders[i];
        }
    }
    free(data);
    CHECK(best == &ts_loader_stix);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_INT(load_file(&ts_loader_stix, ti, path, &d, NULL), TOCSIN_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("ATT&CK bundle loaded in %.3f s\n",
           (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    CHECK_INT(d.n, 0);

    const ts_actor *a = one_actor(ti, "G0032");
    CHECK(a != NULL);
    if (a) {
        CHECK_STR(a->name, "Lazarus Group");
        CHECK(has_alias(a, "HIDDEN COBRA"));
        CHECK(has_alias(a, "Guardians of Peace"));
        CHECK(has_alias(a, "Diamond Sleet"));
        CHECK_INT(a->n_techniques, 93);
        CHECK_INT(a->n_software, 26);
    }
    CHECK(one_actor(ti, "Guardians of Peace") == a);
    ts_intel_stats st;
    ts_intel_get_stats(ti, &st);
    printf("ATT&CK: %zu actors, %zu techniques, %zu software\n", st.actors, st.techniques, st.software);
    CHECK_INT(st.actors, 172); /* 187 intrusion-sets less revoked and deprecated */
    uint32_t sw[4];
    CHECK_INT(ts_intel_software_resolve(ti, "RawDisk", sw, 4), 1);
    const ts_technique *t = ts_intel_technique_get(ti, ts_intel_technique_find(ti, "T1566.001"));
    CHECK(t && t->name && !strcmp(t->name, "Spearphishing Attachment"));
    snprintf(path, sizeof path, "%s/attack/groups_techniques.tsv", dir);
    compare_groups_tsv(ti, path);
    ts_intel_free(ti);
}

int main(void)
{
    test_pattern_ok();
    test_pattern_bad();
    test_sniff();
    test_stix_fixture();
    test_stix_bad();
    test_stix_deep();
    test_misp_event();
    test_misp_feed();
    test_catalogue_fixture();
    test_bundled_catalogue();
    test_bundled_sony();
    test_detection();
    test_attack();
    return check_done("test_feeds");
}
