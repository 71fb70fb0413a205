/* test_store.c: the store keeps runs, incidents and feeds without duplicates, reads them
 * back into reports (text and NDJSON) with every untrusted string escaped, and fails
 * clearly on a bad database. */
#include <jansson.h>
#include <sqlite3.h>
#include <unistd.h>

#include "attribute/attribute.h"
#include "check.h"
#include "report/report.h"
#include "core/sha256.h"
#include "correlate/suppress.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/store_read.h"

#define EVIL_TITLE "Beacon to \x1b[31mevil\x1b[0m \"quoted\\\" host\x07"
#define T0 1416816720000000000LL /* 2014-11-24T08:12:00Z */
#define SEC 1000000000LL
#define RPT_WIDTH_CHECK 100 /* text reports fit 100 columns */

static char dir[] = "/tmp/tocsin-store-XXXXXX";

static char *path_in(const char *name)
{
    static char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

/* ---- a synthetic incident, built by hand with every field ------------------------------ */

typedef struct fixture {
    ts_intel *ti;
    uint32_t lazarus, apt38, set, source;
    ts_alert alerts[4];
    ts_alert *ptrs[4];
    char *hosts[2], *users[2];
    ts_contribution c1[2], c2[1];
    ts_hypothesis hyps[2];
    ts_attribution at;
    ts_incident inc;
} fixture;

static void set_ip(ts_ip *ip, const char *s)
{
    ts_ip_parse(ts_str_c(s), ip);
}

static void build(fixture *f, size_t n_alerts, double top_p)
{
    memset(f->alerts, 0, sizeof f->alerts);
    ts_alert *a = &f->alerts[0];
    a->detector = "intel";
    a->key = "ip|203.131.222.102|10.0.0.5";
    a->title = EVIL_TITLE;
    a->kind = TS_EV_INDICATOR;
    a->severity = 80;
    a->techniques = "T1071.001, T1105";
    a->first_ns = T0;
    a->last_ns = T0 + 3600 * SEC;
    a->count = 12;
    set_ip(&a->internal_ip, "10.0.0.5");
    a->internal_host = "ws-01";
    a->user = "alice";
    set_ip(&a->remote_ip, "203.131.222.102");
    memcpy(a->remote_geo.cc, "KP", 3);
    a->remote_geo.asn = 131279;
    a->remote_name = "http://evil.example.com:8080/x?y";
    a->direction = TS_DIR_OUTBOUND;
    a->ioc_type = TS_IOC_IP;
    a->ioc_value = "203.131.222.0/24";
    a->observed = "203.131.222.102";
    a->side = TS_SIDE_DST;
    a->actorset = f->set;
    a->source = f->source;
    a->confidence = 80;
    a->dataset = "zeek.conn";
    a->file = "logs/conn.log";
    a->line = 1234;

    a = &f->alerts[1];
    a->detector = "sigma";
    a->key = "rule|mimikatz|ws-01";
    a->title = "Credential dumping tool (rule fired)";
    a->kind = TS_EV_RULE;
    a->severity = 95;
    a->techniques = "T1003";
    a->first_ns = T0 + 60 * SEC;
    a->last_ns = T0 + 60 * SEC;
    a->count = 1;
    a->internal_host = "ws-01";
    a->user = "bob";
    a->dataset = "windows.security";
    a->file = "logs/sec.evtx";
    a->record = 4242;

    a = &f->alerts[2];
    a->detector = "home-network";
    a->key = "KP|10.0.0.5";
    a->title = "Connection to a watched home network (KP)";
    a->kind = TS_EV_HOME_NETWORK;
    a->severity = 60;
    a->first_ns = T0 + 120 * SEC;
    a->last_ns = T0 + 130 * SEC;
    a->count = 3;
    set_ip(&a->remote_ip, "175.45.176.1");
    a->remote_name = "mail.evil.example.org";
    a->direction = TS_DIR_OUTBOUND;
    a->file = "logs/conn.log";
    a->line = 1300;

    a = &f->alerts[3]; /* only in the second run: the log grew */
    a->detector = "beacon";
    a->key = "beacon|10.0.0.5|203.131.222.102";
    a->title = "Regular beaconing every 60 s";
    a->kind = TS_EV_BEHAVIOUR;
    a->severity = 70;
    a->first_ns = T0 + 7200 * SEC;
    a->last_ns = T0 + 9000 * SEC;
    a->count = 30;
    a->file = "logs/conn2.log";
    a->line = 7;

    for (int i = 0; i < 4; i++)
        f->ptrs[i] = &f->alerts[i];
    f->hosts[0] = "ws-01";
    f->hosts[1] = "10.0.0.5";
    f->users[0] = "alice";
    f->users[1] = "bob";

    f->c1[0] = (ts_contribution){"ip 203.131.222.102 (dst) in sony-2014, confidence 80", 2.3, 0};
    f->c1[1] = (ts_contribution){"T1105 is used by 40 of 150 actors", 0.4, SIZE_MAX};
    f->c2[0] = (ts_contribution){"the prior of an uncatalogued actor", -1.0, SIZE_MAX};
    f->hyps[0] = (ts_hypothesis){
        f->lazarus, "Lazarus Group", 4.2, top_p, top_p > 0.8 ? "very likely" : "likely", f->c1, 2};
    f->hyps[1] = (ts_hypothesis){0, "unattributed", 1.1, 1 - top_p, "unlikely", f->c2, 1};
    f->at = (ts_attribution){f->hyps, 2, "Lazarus Group: very likely (87%)"};

    memset(&f->inc, 0, sizeof f->inc);
    snprintf(f->inc.id, sizeof f->inc.id, "INC-00112233aabbccdd");
    f->inc.first_ns = T0;
    for (size_t i = 0; i < n_alerts; i++)
        if (f->alerts[i].last_ns > f->inc.last_ns)
            f->inc.last_ns = f->alerts[i].last_ns;
    f->inc.alerts = f->ptrs;
    f->inc.n_alerts = n_alerts;
    f->inc.severity = 95;
    f->inc.hosts = f->hosts;
    f->inc.n_hosts = 2;
    f->inc.users = f->users;
    f->inc.n_users = 2;
    f->inc.attribution = &f->at;
}

static void fixture_init(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->ti = ts_intel_new();
    f->lazarus = ts_intel_actor_add(f->ti, "Lazarus Group", "G0032", "KP");
    f->apt38 = ts_intel_actor_add(f->ti, "APT38", "G0082", "KP");
    uint32_t both[2] = {f->lazarus, f->apt38};
    f->set = ts_intel_actorset(f->ti, both, 2);
    f->source = ts_intel_source(f->ti, "sony-2014");
    ts_intel_finalise(f->ti);
}

/* ---- helpers ---------------------------------------------------------------------------- */

typedef struct membuf {
    char *p;
    size_t n;
    FILE *f;
} membuf;

static FILE *mb_open(membuf *m)
{
    m->p = NULL;
    m->n = 0;
    m->f = open_memstream(&m->p, &m->n);
    return m->f;
}

static char *mb_close(membuf *m)
{
    fclose(m->f);
    return m->p;
}

static int has(const char *hay, const char *needle)
{
    int ok = hay && strstr(hay, needle) != NULL;
    if (!ok)
        fprintf(stderr, "missing in output: \"%s\"\n", needle);
    return ok;
}

/* Parses every NDJSON line; returns them as an array (NULL if any line is not JSON). */
static json_t *parse_lines(const char *text)
{
    json_t *arr = json_array();
    const char *p = text;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        json_error_t e;
        json_t *j = json_loadb(p, n, JSON_REJECT_DUPLICATES, &e);
        if (!j || !json_is_object(j)) {
            fprintf(stderr, "not a JSON object (%s): %.*s\n", e.text, (int)n, p);
            json_decref(j);
            json_decref(arr);
            return NULL;
        }
        json_array_append_new(arr, j);
        p = nl ? nl + 1 : NULL;
    }
    return arr;
}

static size_t count_type(json_t *lines, const char *type)
{
    size_t n = 0, i;
    json_t *j;
    json_array_foreach(lines, i, j) n += strcmp(json_string_value(json_object_get(j, "type")), type) == 0;
    return n;
}

static json_t *nth_type(json_t *lines, const char *type, size_t k)
{
    size_t i;
    json_t *j;
    json_array_foreach(lines, i, j) if (strcmp(json_string_value(json_object_get(j, "type")), type) == 0 &&
                                        k-- == 0) return j;
    return NULL;
}

static int64_t scalar(ts_store *s, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_sha256_vectors(void)
{
    char h[65];
    ts_sha256_hex("", 0, h);
    CHECK_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ts_sha256_hex("abc", 3, h);
    CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 56 bytes: two pad blocks */
    ts_sha256_hex(m, strlen(m), h);
    CHECK_STR(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *mil = malloc(1000000);
    memset(mil, 'a', 1000000);
    ts_sha256_hex(mil, 1000000, h);
    CHECK_STR(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(mil);
}

/* Both compression functions (the processor's SHA extensions, where it has them, and the
 * portable code) give FIPS 180-4's digests. */
static void test_sha256(void)
{
    for (int portable = 0; portable < 2; portable++) {
        ts_sha256_portable(portable);
        test_sha256_vectors();
    }
    ts_sha256_portable(false);
}

static void test_write_and_show(ts_store *s, fixture *f, int64_t *run1)
{
    membuf m;
    CHECK_INT(ts_store_run_begin(s, "hunt", run1), TOCSIN_OK);
    CHECK_INT(ts_store_source(s, *run1, "logs/conn.log", "zeek.conn", 1500, 0), TOCSIN_OK);
    CHECK_INT(ts_store_source(s, *run1, "logs/conn2.log", "zeek.conn", 500, 2), TOCSIN_OK);
    CHECK_INT(ts_store_source(s, *run1, "logs/sec.evtx", "evtx", 4300, 1), TOCSIN_OK);
    build(f, 3, 0.87);
    char *why[] = {"same sender domain evil.example", "same outside address 175.45.176.1"};
    f->inc.joined = why; /* the correlator's reasons; the fixture's own, not freed */
    f->inc.n_joined = 2;
    CHECK_INT(ts_store_incident(s, *run1, &f->inc, f->ti), TOCSIN_OK);
    f->inc.joined = NULL;
    f->inc.n_joined = 0;
    CHECK_INT(ts_store_run_end(s, *run1, 6300, 3), TOCSIN_OK);
    CHECK_INT(scalar(s, "SELECT count(*) FROM alerts"), 3);
    CHECK_INT(scalar(s, "SELECT count(*) FROM alert_actors"), 2);

    /* text */
    CHECK_INT(ts_report_show(s, "INC-00112233aabbccdd", mb_open(&m), 0), TOCSIN_OK);
    char *t = mb_close(&m);
    CHECK(has(t, "INC-00112233aabbccdd"));
    CHECK(has(t, "critical 95"));
    CHECK(has(t, "2014-11-24T08:12:00Z .. 2014-11-24T09:12:00Z (1h0m)"));
    CHECK(has(t, "hosts     10.0.0.5, ws-01"));
    CHECK(has(t, "users     alice, bob"));
    CHECK(has(t, "addresses 175.45.176.1, 203.131.222.102"));
    CHECK(has(t, "domains   evil.example.com, mail.evil.example.org"));
    CHECK(has(t, "joined    same sender domain evil.example; same outside address 175.45.176.1\n"));
    CHECK(has(t, "verdict   Lazarus Group: very likely (87%)\n")); /* the model's one verdict line */
    CHECK(t && !strstr(t, "alternatives:")); /* the verdict line names them; the hypotheses follow */
    CHECK(has(t, "1. Lazarus Group (G0032)  87.0%"));
    CHECK(has(t, " +2.30  ip 203.131.222.102 (dst) in sony-2014, confidence 80 [alert 1]"));
    CHECK(has(t, " -1.00  the prior of an uncatalogued actor\n"));
    CHECK(has(t, "[1] 2014-11-24T08:12:00Z  intel  severity 80  12 events over 1h0m\n"));
    CHECK(has(t, "Beacon to \\x1b[31mevil\\x1b[0m \"quoted\\\" host\\x07"));
    CHECK(has(
        t,
        "        T1071.001, T1105; ip 203.131.222.0/24 as 203.131.222.102 (dst) from sony-2014, confidence\n"
        "          80; actors: Lazarus Group, APT38\n"));
    CHECK(has(t, "at logs/conn.log:1234 (zeek.conn)"));
    CHECK(has(t, "at logs/sec.evtx#4242 (windows.security)"));
    CHECK(t && strchr(t, 0x1b) == NULL); /* no colour into a non-terminal, no raw ESC */
    CHECK(t && strchr(t, 0x07) == NULL);
    for (const char *p = t, *nl; p && *p; p = nl + 1) { /* 100 columns */
        nl = strchr(p, '\n');
        if (!nl)
            break;
        if (nl - p > RPT_WIDTH_CHECK)
            fprintf(stderr, "long line: %.*s\n", (int)(nl - p), p);
        CHECK(nl - p <= RPT_WIDTH_CHECK);
    }
    free(t);

    /* NDJSON */
    CHECK_INT(ts_report_show(s, "INC-00112233aabbccdd", mb_open(&m), 1), TOCSIN_OK);
    t = mb_close(&m);
    json_t *lines = parse_lines(t);
    CHECK(lines != NULL);
    if (lines) {
        CHECK_INT(count_type(lines, "incident"), 1);
        CHECK_INT(count_type(lines, "hypothesis"), 2);
        CHECK_INT(count_type(lines, "alert"), 3);
        json_t *a0 = nth_type(lines, "alert", 0), *inc = nth_type(lines, "incident", 0);
        CHECK_STR(json_string_value(json_object_get(a0, "title")), EVIL_TITLE);
        json_t *prov = json_object_get(a0, "provenance");
        CHECK_STR(json_string_value(json_object_get(prov, "file")), "logs/conn.log");
        CHECK_INT(json_integer_value(json_object_get(prov, "line")), 1234);
        CHECK_INT(json_integer_value(
                      json_object_get(json_object_get(nth_type(lines, "alert", 1), "provenance"), "record")),
                  4242);
        json_t *ind = json_object_get(a0, "indicator");
        CHECK_STR(
            json_string_value(json_object_get(json_array_get(json_object_get(ind, "actors"), 0), "name")),
            "Lazarus Group");
        CHECK_STR(json_string_value(
                      json_object_get(json_array_get(json_object_get(ind, "actors"), 1), "attack_id")),
                  "G0082");
        CHECK_STR(json_string_value(json_object_get(ind, "source")), "sony-2014");
        CHECK_STR(json_string_value(json_array_get(json_object_get(a0, "techniques"), 1)), "T1105");
        CHECK_INT(json_integer_value(json_object_get(json_object_get(a0, "entities"), "remote_asn")), 131279);
        CHECK_STR(json_string_value(json_object_get(json_object_get(inc, "verdict"), "actor")),
                  "Lazarus Group");
        CHECK_STR(json_string_value(json_object_get(inc, "first")), "2014-11-24T08:12:00Z");
        CHECK_INT(json_array_size(json_object_get(inc, "hosts")), 2);
        json_t *c = json_array_get(json_object_get(nth_type(lines, "hypothesis", 0), "contributions"), 0);
        CHECK_INT(json_integer_value(json_object_get(c, "alert")), 1);
        CHECK(json_real_value(json_object_get(c, "weight")) == 2.3);
    }
    CHECK(t && strchr(t, 0x1b) == NULL);
    json_decref(lines);
    free(t);
}

static void test_second_run(ts_store *s, fixture *f, int64_t run1)
{
    int64_t run2;
    ts_incident_view *v = NULL;
    CHECK_INT(ts_store_run_begin(s, "hunt", &run2), TOCSIN_OK);
    CHECK(run2 > run1);
    build(f, 4, 0.6); /* the same logs plus a grown one, and a newer attribution */
    CHECK_INT(ts_store_incident(s, run2, &f->inc, f->ti), TOCSIN_OK);
    CHECK_INT(ts_store_incident(s, run2, &f->inc, f->ti), TOCSIN_OK); /* stored twice in one run */
    f->inc.attribution = NULL; /* not attributed this time: the stored attribution stays */
    CHECK_INT(ts_store_incident(s, run2, &f->inc, f->ti), TOCSIN_OK);
    f->inc.attribution = &f->at;
    CHECK_INT(ts_store_run_end(s, run2, 100, 0), TOCSIN_OK);
    CHECK_INT(scalar(s, "SELECT count(*) FROM alerts"), 4);
    CHECK_INT(scalar(s, "SELECT count(*) FROM incident_alerts"), 4);
    CHECK_INT(scalar(s, "SELECT count(*) FROM alert_actors"), 2);
    CHECK_INT(scalar(s, "SELECT count(*) FROM hypotheses"), 2);
    CHECK_INT(scalar(s, "SELECT count(*) FROM contributions"), 3);
    CHECK_INT(ts_store_incident_load(s, "INC-00112233aabbccdd", TS_VIEW_FULL, &v), TOCSIN_OK);
    if (v) {
        CHECK_INT(v->alert_total, 4);
        CHECK_INT(v->n_alerts, 4);
        CHECK_INT(v->updated_run, run2);
        CHECK_INT(v->created_run, run1);
        CHECK_INT(v->last_ns, T0 + 9000 * SEC);
        CHECK_INT(v->n_hyps, 2);
        CHECK(v->n_hyps == 2 && v->hyps[0].probability == 0.6);
        CHECK(v->n_hyps == 2 && v->hyps[0].contribs[0].alert == 0);
        CHECK_STR(v->alerts[3].detector, "beacon");
        CHECK_INT(v->alerts[1].record, 4242);
        CHECK_INT(v->alerts[2].confidence, -1);
    }
    ts_incident_view_free(v);

    /* the first run's report still shows what it found */
    membuf m;
    CHECK_INT(ts_report_run(s, run1, NULL, mb_open(&m), 0, NULL), TOCSIN_OK);
    char *t = mb_close(&m);
    CHECK(has(t, "run 1 (hunt, tocsin " TOCSIN_VERSION "): 3 files, 6,300 events, 3 rejected"));
    CHECK(has(t, "formats   zeek.conn                 2 files          2,000 events          2 rejected"));
    CHECK(has(t, "          evtx                      1 file           4,300 events          1 rejected"));
    CHECK(has(t, "INC-00112233aabbccdd"));
    free(t);

    ts_hunt_stats st = {3, 6300, 3, 5, 1, 2.0};
    CHECK_INT(ts_report_run(s, run2, &st, mb_open(&m), 1, NULL), TOCSIN_OK);
    t = mb_close(&m);
    json_t *lines = parse_lines(t);
    CHECK(lines != NULL);
    if (lines) {
        json_t *run = json_array_get(lines, 0);
        CHECK_STR(json_string_value(json_object_get(run, "type")), "run");
        CHECK_INT(json_integer_value(json_object_get(run, "run")), run2);
        CHECK(json_number_value(json_object_get(run, "events_per_second")) == 3150.0);
        CHECK_INT(count_type(lines, "incident"), 1);
        CHECK_INT(count_type(lines, "alert"), 4);
    }
    json_decref(lines);
    free(t);
}

static void test_list_and_notfound(ts_store *s, fixture *f)
{
    membuf m;
    int64_t run3;
    /* a second, older incident with nothing attributed */
    build(f, 1, 0.5);
    snprintf(f->inc.id, sizeof f->inc.id, "INC-ffff000011112222");
    f->inc.attribution = NULL;
    f->inc.severity = 30;
    CHECK_INT(ts_store_run_begin(s, "hunt", &run3), TOCSIN_OK);
    CHECK_INT(ts_store_incident(s, run3, &f->inc, NULL), TOCSIN_OK);
    CHECK_INT(scalar(s, "SELECT count(*) FROM alerts"), 4); /* same alert, now in two incidents */

    CHECK_INT(ts_report_incidents(s, mb_open(&m), 0), TOCSIN_OK);
    char *t = mb_close(&m);
    const char *a = t ? strstr(t, "INC-00112233aabbccdd") : NULL,
               *b = t ? strstr(t, "INC-ffff000011112222") : NULL;
    CHECK(a && b && a < b); /* most recent activity first */
    CHECK(has(t, "  critical  95      4  Lazarus Group 60%, 10.0.0.5, ws-...\n"));
    /* as grave as its gravest alert, the one it shares with the first (schema 3 on) */
    CHECK(has(t, "high      80"));
    CHECK(has(t, "not attributed"));
    free(t);

    CHECK_INT(ts_report_incidents(s, mb_open(&m), 1), TOCSIN_OK);
    t = mb_close(&m);
    json_t *lines = parse_lines(t);
    CHECK(lines && json_array_size(lines) == 2);
    if (lines)
        CHECK(json_is_null(json_object_get(json_array_get(lines, 1), "verdict")));
    json_decref(lines);
    free(t);

    CHECK_INT(ts_report_show(s, "INC-doesnotexist", mb_open(&m), 0), TOCSIN_E_NOTFOUND);
    t = mb_close(&m);
    CHECK(t && *t == 0);
    CHECK(has(ts_store_error(s), "no incident INC-doesnotexist"));
    free(t);
    CHECK_INT(ts_report_run(s, 999, NULL, mb_open(&m), 0, NULL), TOCSIN_E_NOTFOUND);
    free(mb_close(&m));
    CHECK_INT(ts_store_run_end(s, 999, 0, 0), TOCSIN_E_NOTFOUND);

    /* an id that fills its array without a NUL is refused, not read past */
    memset(f->inc.id, 'A', sizeof f->inc.id);
    CHECK_INT(ts_store_incident(s, run3, &f->inc, NULL), TOCSIN_E_ARG);
}

static void test_batch(ts_store *s, fixture *f)
{
    int64_t run;
    CHECK_INT(ts_store_run_begin(s, "hunt", &run), TOCSIN_OK);
    CHECK_INT(ts_store_begin(s), TOCSIN_OK);
    build(f, 2, 0.7);
    snprintf(f->inc.id, sizeof f->inc.id, "INC-batch0000000001");
    CHECK_INT(ts_store_incident(s, run, &f->inc, f->ti), TOCSIN_OK);
    snprintf(f->inc.id, sizeof f->inc.id, "INC-batch0000000002");
    CHECK_INT(ts_store_incident(s, run, &f->inc, f->ti), TOCSIN_OK);
    CHECK_INT(ts_store_commit(s), TOCSIN_OK);
    CHECK_INT(scalar(s, "SELECT count(*) FROM incidents WHERE id LIKE 'INC-batch%'"), 2);
    char **ids;
    size_t n;
    CHECK_INT(ts_store_incident_ids(s, run, &ids, &n), TOCSIN_OK);
    CHECK_INT(n, 2);
    ts_strv_free(ids, n);
}

/* A batch is all or nothing: rolled back, neither its incidents nor the detector state
 * written in it are kept; committed, both are. */
static void test_batch_rollback(ts_store *s, fixture *f)
{
    int64_t run;
    void *blob;
    size_t len;
    CHECK_INT(ts_store_run_begin(s, "hunt", &run), TOCSIN_OK);
    CHECK_INT(ts_store_begin(s), TOCSIN_OK);
    build(f, 2, 0.7);
    snprintf(f->inc.id, sizeof f->inc.id, "INC-rollback000001");
    CHECK_INT(ts_store_incident(s, run, &f->inc, f->ti), TOCSIN_OK);
    CHECK_INT(ts_store_state_put(s, "lateral", run, "learned", 7), TOCSIN_OK);
    CHECK_INT(ts_store_run_end(s, run, 10, 0), TOCSIN_OK);
    ts_store_rollback(s);
    CHECK_INT(scalar(s, "SELECT count(*) FROM incidents WHERE id = 'INC-rollback000001'"), 0);
    CHECK_INT(ts_store_state_get(s, "lateral", &blob, &len), TOCSIN_OK);
    CHECK(blob == NULL && len == 0);
    CHECK_INT(scalar(s, "SELECT count(*) FROM runs WHERE id = (SELECT max(id) FROM runs) AND ended_ns"), 0);

    CHECK_INT(ts_store_begin(s), TOCSIN_OK);
    CHECK_INT(ts_store_incident(s, run, &f->inc, f->ti), TOCSIN_OK);
    CHECK_INT(ts_store_state_put(s, "lateral", run, "learned", 7), TOCSIN_OK);
    CHECK_INT(ts_store_commit(s), TOCSIN_OK);
    ts_store_rollback(s); /* after the commit: nothing to undo */
    CHECK_INT(scalar(s, "SELECT count(*) FROM incidents WHERE id = 'INC-rollback000001'"), 1);
    CHECK_INT(ts_store_state_get(s, "lateral", &blob, &len), TOCSIN_OK);
    CHECK(blob && len == 7 && memcmp(blob, "learned", 7) == 0);
    free(blob);
}

/* A writer that cannot get the lock says which store, that it is locked and for how long
 * it waited. (The wait is shortened here; tocsin waits TS_STORE_BUSY_MS.) */
static void test_busy(void)
{
    char err[512];
    ts_store *a = NULL, *b = NULL;
    int64_t run;
    CHECK_INT(ts_store_open(path_in("busy.db"), &a, err, sizeof err), TOCSIN_OK);
    CHECK_INT(ts_store_open(path_in("busy.db"), &b, err, sizeof err), TOCSIN_OK);
    if (!a || !b) {
        ts_store_close(a);
        ts_store_close(b);
        return;
    }
    sqlite3_busy_timeout(b->db, 50);
    CHECK_INT(ts_store_begin(a), TOCSIN_OK);
    CHECK_INT(ts_store_run_begin(b, "hunt", &run), TOCSIN_E_DB);
    CHECK(has(ts_store_error(b), path_in("busy.db")));
    CHECK(has(ts_store_error(b), "recording the run: database is locked (another process held it"));
    CHECK_INT(ts_store_commit(a), TOCSIN_OK);
    CHECK_INT(ts_store_run_begin(b, "hunt", &run), TOCSIN_OK);
    ts_store_close(a);
    ts_store_close(b);
}

typedef struct feed_seen {
    int n;
    char kinds[4][16];
    size_t lens[4];
    int big_ok;
} feed_seen;

static int on_feed(void *ud, const char *kind, const char *name, const char *data, size_t len)
{
    feed_seen *fs = ud;
    (void)name;
    if (fs->n < 4) {
        snprintf(fs->kinds[fs->n], sizeof fs->kinds[0], "%s", kind);
        fs->lens[fs->n] = len;
    }
    if (len == 300000) {
        fs->big_ok = 1;
        for (size_t i = 0; i < len; i++)
            if (data[i] != (char)('a' + i % 7))
                fs->big_ok = 0;
    }
    fs->n++;
    return 0;
}

static int stop_first(void *ud, const char *kind, const char *name, const char *data, size_t len)
{
    (void)kind, (void)name, (void)data, (void)len;
    ++*(int *)ud;
    return 1;
}

static void test_feeds(ts_store *s)
{
    int added = -1;
    const char *stix = "{\"type\":\"bundle\",\"objects\":[]}";
    CHECK_INT(ts_store_feed_put(s, "stix", "apt.json", stix, strlen(stix), &added), TOCSIN_OK);
    CHECK_INT(added, 1);
    CHECK_INT(ts_store_feed_put(s, "stix", "apt-copy.json", stix, strlen(stix), &added), TOCSIN_OK);
    CHECK_INT(added, 0);
    CHECK_INT(ts_store_feed_put(s, "list", "empty.txt", "", 0, &added), TOCSIN_OK);
    CHECK_INT(added, 1);
    char *big = malloc(300000);
    for (size_t i = 0; i < 300000; i++)
        big[i] = (char)('a' + i % 7);
    CHECK_INT(ts_store_feed_put(s, "csv", "big.csv", big, 300000, &added), TOCSIN_OK);
    CHECK_INT(added, 1);
    free(big);
    CHECK_INT(scalar(s, "SELECT count(*) FROM feeds"), 3);
    CHECK(scalar(s, "SELECT length(data) FROM feeds WHERE name = 'big.csv'") < 3000); /* compressed */

    feed_seen fs = {0};
    CHECK_INT(ts_store_feed_each(s, on_feed, &fs), TOCSIN_OK);
    CHECK_INT(fs.n, 3);
    CHECK_STR(fs.kinds[0], "stix");
    CHECK_INT(fs.lens[0], strlen(stix));
    CHECK_STR(fs.kinds[1], "list");
    CHECK_INT(fs.lens[1], 0);
    CHECK(fs.big_ok);
    int calls = 0;
    CHECK_INT(ts_store_feed_each(s, stop_first, &calls), TOCSIN_OK);
    CHECK_INT(calls, 1);

    /* a damaged blob is reported, not handed to a loader */
    CHECK_INT(sqlite3_exec(s->db, "UPDATE feeds SET data = x'00112233' WHERE name = 'apt.json'", 0, 0, 0),
              SQLITE_OK);
    memset(&fs, 0, sizeof fs);
    CHECK_INT(ts_store_feed_each(s, on_feed, &fs), TOCSIN_E_DB);
    CHECK(has(ts_store_error(s), "damaged"));
    CHECK_INT(fs.n, 0);
}

static void test_bad_databases(void)
{
    char err[512];
    ts_store *s = NULL;

    /* not a database */
    FILE *f = fopen(path_in("corrupt.db"), "wb");
    for (int i = 0; i < 200; i++)
        fputs("this is not an SQLite file at all\n", f);
    fclose(f);
    CHECK_INT(ts_store_open(path_in("corrupt.db"), &s, err, sizeof err), TOCSIN_E_DB);
    CHECK(s == NULL);
    CHECK(has(err, path_in("corrupt.db")));
    CHECK(has(err, "not a tocsin store: file is not a database"));

    /* a directory: the path, SQLite's reason and the system's */
    CHECK_INT(ts_store_open(dir, &s, err, sizeof err), TOCSIN_E_DB);
    CHECK(has(err, dir));
    CHECK(has(err, "unable to open database file (Is a directory)"));

    CHECK_INT(ts_store_open("", &s, err, sizeof err), TOCSIN_E_ARG);

    /* a schema from the future */
    sqlite3 *db;
    CHECK_INT(sqlite3_open(path_in("future.db"), &db), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA user_version = 99", 0, 0, 0);
    sqlite3_close(db);
    sqlite3_open(path_in("future.db"), &db);
    sqlite3_exec(db, "CREATE TABLE runs (id); CREATE TABLE alerts (id); CREATE TABLE incidents (id)", 0, 0,
                 0);
    sqlite3_close(db);
    CHECK_INT(ts_store_open(path_in("future.db"), &s, err, sizeof err), TOCSIN_E_DB);
    CHECK(has(err, "newer than this tocsin"));

    /* Another program's database, at version 0 or at a version of its own, is refused in
       one line, without its schema, and is left as it was. */
    const char *foreign[] = {"CREATE TABLE notes (a, b); CREATE INDEX notes_a ON notes(a)",
                             "PRAGMA user_version = 2; CREATE TABLE notes (a, b)",
                             "CREATE TABLE runs (x); CREATE TABLE notes (a)"};
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "foreign%zu.db", i);
        sqlite3_open(path_in(name), &db);
        CHECK_INT(sqlite3_exec(db, foreign[i], 0, 0, 0), SQLITE_OK);
        sqlite3_close(db);
        CHECK_INT(ts_store_open(path_in(name), &s, err, sizeof err), TOCSIN_E_DB);
        CHECK(has(err, path_in(name)));
        CHECK(has(err, "not a tocsin store but another program's SQLite database"));
        CHECK(has(err, "(it holds a table 'notes')"));
        CHECK(!strchr(err, '\n') && !strstr(err, "CREATE") && strlen(err) < 200);
        sqlite3_open(path_in(name), &db);
        sqlite3_stmt *st;
        sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_schema WHERE name IN ('alerts', 'feeds')", -1,
                           &st, NULL);
        CHECK_INT(sqlite3_step(st), SQLITE_ROW);
        CHECK_INT(sqlite3_column_int(st, 0), 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
    }

    /* read-only: writes fail with sqlite's reason; reads still work */
    int64_t run;
    CHECK_INT(ts_store_open(path_in("ro.db"), &s, err, sizeof err), TOCSIN_OK);
    CHECK_INT(ts_store_run_begin(s, "hunt", &run), TOCSIN_OK);
    ts_store_close(s);
    if (geteuid() != 0) {
        chmod(path_in("ro.db"), 0444);
        CHECK_INT(ts_store_open(path_in("ro.db"), &s, err, sizeof err), TOCSIN_OK);
    } else {
        /* root writes through file modes: make the connection read-only instead */
        CHECK_INT(ts_store_open(path_in("ro.db"), &s, err, sizeof err), TOCSIN_OK);
        sqlite3_exec(s->db, "PRAGMA query_only = ON", 0, 0, 0);
    }
    if (s) {
        CHECK_INT(ts_store_run_begin(s, "hunt", &run), TOCSIN_E_DB);
        CHECK(has(ts_store_error(s), path_in("ro.db")));
        CHECK(has(ts_store_error(s), "recording the run: attempt to write a readonly database"));
        int added;
        CHECK_INT(ts_store_feed_put(s, "list", "x", "1.2.3.4\n", 8, &added), TOCSIN_E_DB);
        membuf m;
        CHECK_INT(ts_report_incidents(s, mb_open(&m), 0), TOCSIN_OK);
        char *t = mb_close(&m);
        CHECK(has(t, "no incidents stored"));
        free(t);
        ts_store_close(s);
    }
}

/* ---- analyst feedback: suppressions and closed incidents -------------------------------- */

static void test_expiry_and_field(void)
{
    const int64_t now = 1796000000LL * SEC; /* 2026-11-30 */
    int64_t at = 0;
    CHECK_INT(ts_expiry_parse("30d", 3, now, &at), 0);
    CHECK(at == now + 30 * 86400 * SEC);
    CHECK_INT(ts_expiry_parse("2w", 2, now, &at), 0);
    CHECK(at == now + 14 * 86400 * SEC);
    CHECK_INT(ts_expiry_parse("2027-01-31", 10, now, &at), 0);
    CHECK(at == 1801439999LL * SEC + 999999999); /* the end of that day, UTC */
    CHECK_INT(ts_expiry_parse("2027-01-31T18:00:00Z", 20, now, &at), 0);
    CHECK(at == 1801418400LL * SEC);
    CHECK_INT(ts_expiry_parse("2027-01-31T18:00", 16, now, &at), 0);
    CHECK(at == 1801418400LL * SEC);
    const char *bad[] = {"",
                         "0d",
                         "5x",
                         "d",
                         "-3d",
                         "30",
                         "2027-02-30",
                         "2027-13-01",
                         "2020-01-01",
                         "2027-01-31T25:00",
                         "2027-1-31",
                         "2027-01-31Tx",
                         "99999999999999999d",
                         "12h "};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (ts_expiry_parse(bad[i], strlen(bad[i]), now, &at) != -1) {
            fprintf(stderr, "expiry '%s' was accepted\n", bad[i]);
            CHECK(0);
        }
    char *name, *value;
    CHECK_INT(ts_suppress_field_parse("dataset=zeek.conn", 17, &name, &value), 0);
    CHECK_STR(name, "dataset");
    CHECK_STR(value, "zeek.conn");
    free(name), free(value);
    CHECK_INT(ts_suppress_field_parse("colour=red", 10, &name, &value), -1);
    CHECK_INT(ts_suppress_field_parse("title=", 6, &name, &value), -1);
    CHECK_INT(ts_suppress_field_parse("=x", 2, &name, &value), -1);
    CHECK(name == NULL && value == NULL);
}

static void test_matching(fixture *f)
{
    build(f, 3, 0.87);
    const ts_alert *intel = &f->alerts[0], *rule = &f->alerts[1], *home = &f->alerts[2];
    ts_suppression r = {0};
    CHECK(!ts_suppression_valid(&r));
    CHECK(!ts_suppression_matches(&r, intel)); /* no condition matches nothing, not everything */
    r.user = "ALICE";
    CHECK(ts_suppression_matches(&r, intel) && !ts_suppression_matches(&r, rule));
    r.user = NULL, r.host = "ws-*";
    CHECK(ts_suppression_matches(&r, intel) && ts_suppression_matches(&r, rule) &&
          !ts_suppression_matches(&r, home));
    r.host = "10.0.0.0/24";
    CHECK(ts_suppression_matches(&r, intel) && !ts_suppression_matches(&r, rule));
    r.host = NULL, r.ip = "203.131.222.0/24";
    CHECK(ts_suppression_matches(&r, intel) && !ts_suppression_matches(&r, home));
    r.ip = "175.45.176.1";
    CHECK(ts_suppression_matches(&r, home) && !ts_suppression_matches(&r, intel));
    r.ip = NULL, r.indicator = "203.131.222.0/24";
    CHECK(ts_suppression_matches(&r, intel) && !ts_suppression_matches(&r, home));
    r.indicator = "*.evil.example.org";
    CHECK(ts_suppression_matches(&r, home) && !ts_suppression_matches(&r, intel));
    r.indicator = NULL, r.detector = "home-network", r.field = "remote_cc", r.value = "KP";
    CHECK(!ts_suppression_matches(&r, home)); /* both must hold: the home alert has no country here */
    r.detector = NULL;
    CHECK(ts_suppression_matches(&r, intel));
    r.field = "remote_asn", r.value = "131279";
    CHECK(ts_suppression_matches(&r, intel) && !ts_suppression_matches(&r, rule));
    r.field = "colour";
    CHECK(!ts_suppression_valid(&r) && !ts_suppression_matches(&r, intel));

    /* Sigma alerts by rule id or title, not by a word of the title */
    ts_alert sig = {.detector = "sigma",
                    .key = "sigma|5ef9853e-4d0e-4a70-846f-a9ca37d876da|ws-01",
                    .title = "Sigma high: Mimikatz Use on ws-01",
                    .severity = 70};
    ts_suppression byrule = {.rule = "5EF9853E-4D0E-4A70-846F-A9CA37D876DA"};
    CHECK(ts_suppression_matches(&byrule, &sig));
    byrule.rule = "Mimikatz Use";
    CHECK(ts_suppression_matches(&byrule, &sig));
    byrule.rule = "Mimikatz";
    CHECK(!ts_suppression_matches(&byrule, &sig));
    byrule.rule = "mimikatz*";
    CHECK(ts_suppression_matches(&byrule, &sig));

    char buf[128];
    ts_suppression both = {.detector = "sigma", .host = "ws-01"};
    ts_suppression_describe(&both, buf, sizeof buf);
    CHECK_STR(buf, "detector = sigma, host = ws-01");

    /* An incident loses the severity of its suppressed alerts, keeps the alerts marked. */
    ts_suppression rules[2] = {{.id = 7, .detector = "sigma", .reason = "admins' tool"},
                               {.id = 8, .host = "ws-*", .reason = "broader, later"}};
    CHECK_INT(ts_suppress_incident(rules, 1, &f->inc), 1);
    CHECK_INT(f->inc.n_alerts, 3);
    CHECK_INT(f->inc.severity, 80);
    CHECK(f->alerts[1].suppression == 7 && f->alerts[0].suppression == 0);
    CHECK_STR(f->alerts[1].suppression_note, "detector = sigma: admins' tool");
    free(f->alerts[1].suppression_note);
    build(f, 3, 0.87);
    CHECK_INT(ts_suppress_incident(rules, 2, &f->inc), 2); /* the first rule that matches names it */
    CHECK(f->alerts[1].suppression == 7 && f->alerts[0].suppression == 8);
    CHECK_INT(f->inc.severity, 60);
    for (int i = 0; i < 3; i++)
        free(f->alerts[i].suppression_note);
}

/* Attribution gives a suppressed alert no weight: the indicator that names Lazarus Group
 * counts while active and is not evidence once suppressed. */
static size_t contributions_from(const ts_attribution *at, size_t alert)
{
    size_t n = 0;
    for (size_t i = 0; at && i < at->n; i++)
        for (size_t k = 0; k < at->hyps[i].n_contribs; k++)
            n += at->hyps[i].contribs[k].alert == alert;
    return n;
}

static void test_attribution_ignores_suppressed(fixture *f)
{
    build(f, 1, 0.87);
    f->inc.attribution = NULL;
    CHECK_INT(ts_attribute_incident(f->ti, &f->inc), TOCSIN_OK);
    CHECK(contributions_from(f->inc.attribution, 0) > 0);
    ts_attribution_free(f->inc.attribution);
    f->alerts[0].suppression = 3;
    f->inc.attribution = NULL;
    CHECK_INT(ts_attribute_incident(f->ti, &f->inc), TOCSIN_OK);
    CHECK(f->inc.attribution != NULL);
    CHECK_INT(contributions_from(f->inc.attribution, 0), 0);
    ts_attribution_free(f->inc.attribution);
    f->inc.attribution = NULL;
    f->alerts[0].suppression = 0;
}

static void test_suppressions_kept(void)
{
    char err[512];
    ts_store *s = NULL;
    CHECK_INT(ts_store_open(path_in("feedback.db"), &s, err, sizeof err), TOCSIN_OK);
    if (!s)
        return;
    const int64_t now = 1796000000LL * SEC;
    ts_suppression none = {.reason = "no condition"}, noreason = {.host = "x"};
    int64_t id1 = 0, id2 = 0, id3 = 0;
    CHECK_INT(ts_store_suppress_add(s, &none, &id1), TOCSIN_E_ARG);
    CHECK_INT(ts_store_suppress_add(s, &noreason, &id1), TOCSIN_E_ARG);
    ts_suppression a = {.detector = "brute-force",
                        .host = "scan-*",
                        .reason = "weekly \x1b[2Jscan",
                        .created_ns = now - 10 * SEC},
                   b = {.field = "dataset",
                        .value = "zeek.notice",
                        .reason = "noisy",
                        .created_ns = now,
                        .expires_ns = now + 3600 * SEC},
                   c = {.user = "svc-backup",
                        .reason = "gone",
                        .created_ns = now - 7200 * SEC,
                        .expires_ns = now - 3600 * SEC};
    CHECK_INT(ts_store_suppress_add(s, &a, &id1), TOCSIN_OK);
    CHECK_INT(ts_store_suppress_add(s, &b, &id2), TOCSIN_OK);
    CHECK_INT(ts_store_suppress_add(s, &c, &id3), TOCSIN_OK);
    CHECK(id1 > 0 && id2 > id1 && id3 > id2);
    ts_suppression *v;
    size_t n;
    CHECK_INT(ts_store_suppressions(s, now, &v, &n), TOCSIN_OK);
    CHECK_INT(n, 2); /* the expired one no longer applies */
    if (n == 2) {
        CHECK(v[0].id == id1 && v[1].id == id2);
        CHECK_STR(v[0].host, "scan-*");
        CHECK(v[0].user == NULL && v[0].expires_ns == 0);
        CHECK_STR(v[1].field, "dataset");
        CHECK_STR(v[1].value, "zeek.notice");
        CHECK(v[1].expires_ns == now + 3600 * SEC);
    }
    ts_suppressions_free(v, n);
    CHECK_INT(ts_store_suppressions(s, now + 7200 * SEC, &v, &n), TOCSIN_OK);
    CHECK_INT(n, 1);
    ts_suppressions_free(v, n);
    CHECK_INT(ts_store_suppressions(s, 0, &v, &n), TOCSIN_OK);
    CHECK_INT(n, 3);
    ts_suppressions_free(v, n);

    /* the list, for people (escaped, expired marked) and tools */
    membuf m;
    CHECK_INT(ts_report_suppressions(s, now, mb_open(&m), 0), TOCSIN_OK);
    char *t = mb_close(&m);
    CHECK(has(t, "detector = brute-force, host = scan-*"));
    CHECK(has(t, "weekly \\x1b[2Jscan") && !strchr(t, '\x1b'));
    CHECK(has(t, "no expiry") && has(t, "expired 2026-11-29T23:53:20Z"));
    free(t);
    CHECK_INT(ts_report_suppressions(s, now, mb_open(&m), 1), TOCSIN_OK);
    t = mb_close(&m);
    json_t *lines = parse_lines(t);
    CHECK(lines && count_type(lines, "suppression") == 3);
    json_t *j = lines ? nth_type(lines, "suppression", 2) : NULL;
    CHECK(j && json_is_false(json_object_get(j, "active")));
    CHECK(j && strcmp(json_string_value(json_object_get(j, "user")), "svc-backup") == 0);
    json_decref(lines);
    free(t);

    CHECK_INT(ts_store_suppress_remove(s, id2), TOCSIN_OK);
    CHECK_INT(ts_store_suppress_remove(s, id2), TOCSIN_E_NOTFOUND);
    CHECK(has(ts_store_error(s), "no suppression"));
    CHECK_INT(ts_store_suppressions(s, 0, &v, &n), TOCSIN_OK);
    CHECK_INT(n, 2);
    ts_suppressions_free(v, n);
    ts_store_close(s);
}

/* The stored state of an incident: status, disposition, reopened reason, severity. */
static void incident_state(ts_store *s, const char *id, char *status, char *why, int *severity)
{
    ts_incident_view *v = NULL;
    status[0] = why[0] = 0;
    *severity = -1;
    CHECK_INT(ts_store_incident_load(s, id, TS_VIEW_ALERTS, &v), TOCSIN_OK);
    if (!v)
        return;
    snprintf(status, 32, "%s", v->status ? v->status : "?");
    snprintf(why, 200, "%s", v->reopened ? v->reopened : "");
    *severity = v->severity;
    ts_incident_view_free(v);
}

static void test_suppressed_and_closed(fixture *f)
{
    char err[512], status[32], why[200];
    int sev;
    ts_store *s = NULL;
    int64_t run;
    CHECK_INT(ts_store_open(path_in("closing.db"), &s, err, sizeof err), TOCSIN_OK);
    if (!s)
        return;
    CHECK_INT(ts_store_run_begin(s, "hunt", &run), TOCSIN_OK);
    const char *id = "INC-00112233aabbccdd";

    /* a suppressed alert is stored and marked, and does not raise the severity */
    build(f, 2, 0.87);
    ts_suppression rule = {.id = 4, .rule = "Credential dumping tool*", .reason = "IT's audit"};
    CHECK_INT(ts_suppress_incident(&rule, 1, &f->inc), 1);
    CHECK_INT(ts_store_incident(s, run, &f->inc, f->ti), TOCSIN_OK);
    free(f->alerts[1].suppression_note);
    incident_state(s, id, status, why, &sev);
    CHECK_STR(status, "open");
    CHECK_INT(sev, 80);
    CHECK_INT(scalar(s, "SELECT count(*) FROM alerts WHERE suppression = 4 AND severity = 95"), 1);
    ts_run_view rv;
    CHECK_INT(ts_store_run_get(s, run, &rv), TOCSIN_OK);
    CHECK_INT(rv.suppressed, 1);
    ts_run_view_clear(&rv);
    membuf m;
    CHECK_INT(ts_report_show(s, id, mb_open(&m), 1), TOCSIN_OK);
    char *t = mb_close(&m);
    json_t *lines = parse_lines(t);
    json_t *inc = lines ? nth_type(lines, "incident", 0) : NULL,
           *al = lines ? nth_type(lines, "alert", 1) : NULL;
    CHECK(inc && json_integer_value(json_object_get(inc, "suppressed_alerts")) == 1);
    CHECK(inc && strcmp(json_string_value(json_object_get(inc, "status")), "open") == 0);
    json_t *sup = al ? json_object_get(al, "suppression") : NULL;
    CHECK(sup && json_integer_value(json_object_get(sup, "id")) == 4);
    CHECK(sup && has(json_string_value(json_object_get(sup, "note")), "IT's audit"));
    json_decref(lines);
    free(t);

    /* the suppression removed, the same logs again: the alert is active again */
    build(f, 2, 0.87);
    CHECK_INT(ts_store_incident(s, run, &f->inc, f->ti), TOCSIN_OK);
    incident_state(s, id, status, why, &sev);
    CHECK_INT(sev, 95);
    CHECK_INT(scalar(s, "SELECT count(*) FROM alerts WHERE suppression IS NOT NULL"), 0);

    /* closed as benign: the same alerts again leave it closed; a new alert of a known
       detector, no graver, leaves it closed */
    CHECK_INT(ts_store_incident_close(s, id, "benign", "the red team's \x1b]0;exercise"), TOCSIN_OK);
    CHECK_INT(ts_store_incident_close(s, id, "harmless", NULL), TOCSIN_E_ARG);
    CHECK_INT(ts_store_incident_close(s, "INC-0000000000000000", "benign", NULL), TOCSIN_E_NOTFOUND);
    CHECK_INT(ts_store_incident(s, run, &f->inc, f->ti), TOCSIN_OK);
    incident_state(s, id, status, why, &sev);
    CHECK_STR(status, "closed");
    ts_alert later = f->alerts[0];
    later.key = "ip|203.131.222.102|10.0.0.6";
    later.severity = 50;
    later.first_ns += 86400 * SEC;
    f->ptrs[2] = &later;
    f->inc.n_alerts = 3;
    CHECK_INT(ts_store_incident(s, run, &f->inc, f->ti), TOCSIN_OK);
    incident_state(s, id, status, why, &sev);
    CHECK_STR(status, "closed");
    CHECK_STR(why, "");

    /* a detector it never raised reopens it, and says why */
    build(f, 4, 0.87);
    CHECK_INT(ts_store_incident(s, run, &f->inc, f->ti), TOCSIN_OK);
    incident_state(s, id, status, why, &sev);
    CHECK_STR(status, "open");
    CHECK(has(why, "a first home-network alert (severity 60) since it was closed as benign"));
    CHECK_INT(ts_report_show(s, id, mb_open(&m), 0), TOCSIN_OK);
    t = mb_close(&m);
    CHECK(has(t, "reopened; had been closed as benign on ") && has(t, "\\x1b]0;exercise"));
    CHECK(!strchr(t, '\x1b'));
    free(t);
    CHECK_INT(ts_report_incidents(s, mb_open(&m), 0), TOCSIN_OK);
    t = mb_close(&m);
    CHECK(has(t, "[reopened, was benign]"));
    free(t);

    /* closed as benign again: an alert graver than it was then reopens it; a suppressed
       alert, however grave, does not */
    CHECK_INT(ts_store_incident_close(s, id, "benign", NULL), TOCSIN_OK);
    later.key = "ip|203.131.222.102|10.0.0.7";
    later.severity = 99;
    later.suppression = 9;
    f->ptrs[3] = &later;
    CHECK_INT(ts_store_incident(s, run, &f->inc, f->ti), TOCSIN_OK);
    incident_state(s, id, status, why, &sev);
    CHECK_STR(status, "closed");
    CHECK_INT(sev, 95);
    later.key = "ip|203.131.222.102|10.0.0.8";
    later.suppression = 0;
    CHECK_INT(ts_store_incident(s, run, &f->inc, f->ti), TOCSIN_OK);
    incident_state(s, id, status, why, &sev);
    CHECK_STR(status, "open");
    CHECK(has(why, "a intel alert of severity 99, above the 95 it had when closed as benign"));
    CHECK_INT(sev, 99);

    /* closed as malicious: any new active alert reopens it */
    CHECK_INT(ts_store_incident_close(s, id, "malicious", "contained"), TOCSIN_OK);
    later.key = "ip|203.131.222.102|10.0.0.9";
    later.severity = 10;
    CHECK_INT(ts_store_incident(s, run, &f->inc, f->ti), TOCSIN_OK);
    incident_state(s, id, status, why, &sev);
    CHECK_STR(status, "open");
    CHECK(has(why, "after it was closed as malicious"));
    ts_store_close(s);
}

static int any_run(void *ud, const char *command)
{
    (void)ud, (void)command;
    return 1;
}

/* How many alerts of the partitions' runs were stored new or changed after *since; moves
 * *since past them. */
static size_t changed_since(ts_store *s, int64_t *since)
{
    ts_alert_view *v = NULL;
    size_t n = 0;
    int64_t upto = -2;
    CHECK_INT(ts_store_runs_alerts(s, "watch@ev:p", any_run, NULL, *since, &upto, &v, &n), TOCSIN_OK);
    CHECK(upto >= *since);
    ts_alert_views_free(v, n);
    *since = upto;
    return n;
}

/* The change sequence the incidents' owner reads by (schema step 8): an alert written again
 * as it was is no change, one whose count grew is, and only it is read again. */
static void test_change_seq(fixture *f)
{
    char err[512];
    ts_store *s = NULL;
    int64_t run = 0, since = -1;
    CHECK_INT(ts_store_open(path_in("changes.db"), &s, err, sizeof err), TOCSIN_OK);
    if (!s)
        return;
    CHECK_INT(ts_store_run_begin(s, "watch@ev:p0", &run), TOCSIN_OK);
    build(f, 2, 0.87);
    CHECK_INT(ts_store_alert(s, run, &f->alerts[0], f->ti), TOCSIN_OK);
    CHECK_INT(ts_store_alert(s, run, &f->alerts[1], f->ti), TOCSIN_OK);
    CHECK_INT(changed_since(s, &since), 2);
    CHECK_INT(changed_since(s, &since), 0);
    CHECK_INT(ts_store_alert(s, run, &f->alerts[0], f->ti), TOCSIN_OK); /* the owner's rewrite */
    CHECK_INT(changed_since(s, &since), 0);
    f->alerts[1].count += 5;
    f->alerts[1].last_ns += 1000000000;
    CHECK_INT(ts_store_alert(s, run, &f->alerts[1], f->ti), TOCSIN_OK);
    ts_alert_view *v = NULL;
    size_t n = 0;
    int64_t upto = 0;
    CHECK_INT(ts_store_runs_alerts(s, "watch@ev:p", any_run, NULL, since, &upto, &v, &n), TOCSIN_OK);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_STR(v[0].key, f->alerts[1].key);
        CHECK_INT(v[0].count, f->alerts[1].count);
    }
    CHECK(upto > since);
    ts_alert_views_free(v, n);
    CHECK_INT(changed_since(s, &since), 1);
    CHECK_INT(changed_since(s, &since), 0);
    ts_store_close(s);
}

/* A watch rewriting an incident that grew writes only what changed: an alert it says is
 * stored as it is keeps its row untouched (its count here made to differ, to see it is not
 * written), a new one is written and linked, and every alert's row comes back. */
static void test_incident_delta(fixture *f)
{
    char err[512];
    ts_store *s = NULL;
    int64_t run = 0;
    CHECK_INT(ts_store_open(path_in("delta.db"), &s, err, sizeof err), TOCSIN_OK);
    if (!s)
        return;
    CHECK_INT(ts_store_run_begin(s, "watch", &run), TOCSIN_OK);
    build(f, 1, 0.87);
    int64_t ids[2] = {0, 0};
    bool same[2] = {false, false};
    ts_incident_stored d = {ids, same, NULL, NULL};
    CHECK_INT(ts_store_incident_delta(s, run, &f->inc, f->ti, &d), TOCSIN_OK);
    CHECK(ids[0] > 0);
    int64_t first = ids[0];
    uint64_t count = f->alerts[0].count;
    build(f, 2, 0.87);
    f->alerts[0].count = count + 7; /* not written: the store keeps the count it had */
    same[0] = true;
    ids[1] = 0;
    CHECK_INT(ts_store_incident_delta(s, run, &f->inc, f->ti, &d), TOCSIN_OK);
    CHECK_INT(ids[0], first);
    CHECK(ids[1] > 0 && ids[1] != first);
    CHECK_INT(scalar(s, "SELECT count(*) FROM incident_alerts"), 2);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count FROM alerts WHERE id = %lld", (long long)first);
    CHECK_INT(scalar(s, sql), (int64_t)count);
    same[0] = false; /* written: the count it has now */
    CHECK_INT(ts_store_incident_delta(s, run, &f->inc, f->ti, &d), TOCSIN_OK);
    CHECK_INT(scalar(s, sql), (int64_t)count + 7);
    CHECK_INT(ts_store_incident_delta(s, run, &f->inc, f->ti, &(ts_incident_stored){NULL, NULL, NULL, NULL}),
              TOCSIN_E_ARG);
    ts_store_close(s);
}

int main(void)
{
    char err[512];
    ts_store *s = NULL;
    fixture f;
    int64_t run1 = 0;
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_sha256();
    fixture_init(&f);
    CHECK_INT(ts_store_open(path_in("t.db"), &s, err, sizeof err), TOCSIN_OK);
    if (s) {
        CHECK_INT(scalar(s, "PRAGMA user_version"), ts_store_schema_version());
        CHECK_INT(scalar(s, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
        CHECK_INT(scalar(s, "PRAGMA foreign_keys"), 1);
        test_write_and_show(s, &f, &run1);
        ts_store_close(s);
        /* reopening an existing store changes nothing */
        CHECK_INT(ts_store_open(path_in("t.db"), &s, err, sizeof err), TOCSIN_OK);
    }
    if (s) {
        CHECK(has(err, "") && err[0] == 0);
        test_second_run(s, &f, run1);
        test_list_and_notfound(s, &f);
        test_batch(s, &f);
        test_batch_rollback(s, &f);
        test_feeds(s);
        ts_store_close(s);
    }
    test_change_seq(&f);
    test_incident_delta(&f);
    test_bad_databases();
    test_busy();
    test_expiry_and_field();
    test_matching(&f);
    test_attribution_ignores_suppressed(&f);
    test_suppressions_kept();
    test_suppressed_and_closed(&f);
    ts_intel_free(f.ti);
    if (getenv("KEEP_STORE"))
        return check_done("test_store");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_done("test_store");
}
