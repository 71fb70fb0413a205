/* test_eval.c: the ground truth read back (good and broken files, with their line), how
 * alerts are matched to campaign steps, and the scores of a small made-up hunt. */
#include "check.h"
#include "eval/eval.h"

#define SCN                                                                             \
    "{\"type\":\"scenario\",\"scenario\":\"t\",\"actor\":\"Lazarus Group\","            \
    "\"aliases\":\"HIDDEN COBRA, ZINC\",\"seed\":3,\"start\":\"2014-09-01T00:00:00Z\"," \
    "\"end\":\"2014-09-11T00:00:00Z\",\"days\":10,\"users\":20}\n"

/* Two steps: a beacon from ws-0001 over the network, and lateral movement on Windows hosts
 * (ids name the host). Times: day 2 and days 3..5. */
static const char good[] =
    SCN "{\"type\":\"event\",\"step\":\"beacon\",\"file\":\"zeek/"
        "conn.log\",\"line\":10,\"ts\":\"2014-09-02T10:00:00Z\",\"id\":\"Cabc\"}\n"
        "{\"type\":\"event\",\"step\":\"beacon\",\"file\":\"zeek/"
        "conn.log\",\"line\":20,\"ts\":\"2014-09-02T11:00:00Z\",\"id\":\"Cdef\"}\n"
        "\n"
        "{\"type\":\"event\",\"step\":\"lateral\",\"file\":\"windows/"
        "security.jsonl\",\"line\":5,\"ts\":\"2014-09-03T12:00:00.5Z\",\"id\":\"ws-0002.corp#77\"}\n"
        "{\"type\":\"event\",\"step\":\"lateral\",\"file\":\"windows/"
        "security.jsonl\",\"line\":9,\"ts\":\"2014-09-05T12:00:00Z\",\"id\":\"dc-01.corp#12\"}\n"
        "{\"type\":\"event\",\"step\":\"beacon2\",\"file\":\"zeek/"
        "conn.log\",\"line\":30,\"ts\":\"2014-09-06T11:00:00Z\",\"id\":\"Cghi\"}\n"
        "{\"type\":\"step\",\"step\":\"beacon\",\"action\":\"beacon\",\"actor\":\"Lazarus "
        "Group\",\"techniques\":[\"T1095\",\"T1573\"],"
        "\"start\":\"2014-09-02T10:00:00Z\",\"end\":\"2014-09-02T11:00:00Z\",\"units\":2,\"events\":2,"
        "\"hosts\":[\"ws-0001.corp\"],\"users\":[],\"about\":\"b\"}\n"
        "{\"type\":\"step\",\"step\":\"lateral\",\"action\":\"lateral-smb\",\"techniques\":[\"T1021.002\"],"
        "\"start\":\"2014-09-03T12:00:00.5Z\",\"end\":\"2014-09-05T12:00:00Z\",\"events\":2,\"hosts\":[\"ws-"
        "0002.corp\",\"dc-01.corp\"],\"users\":[\"CORP\\\\lwang\"]}\n"
        "{\"type\":\"step\",\"step\":\"beacon2\",\"action\":\"beacon\",\"techniques\":[],"
        "\"start\":\"2014-09-06T11:00:00Z\",\"end\":\"2014-09-06T11:00:00Z\",\"events\":1,\"hosts\":[\"ws-"
        "0001.corp\"],\"users\":[]}\n";

/* Where read_text puts the reader's diagnostic, as "FILE:LINE: message". */
typedef struct told {
    char *err;
    size_t errlen;
    int n;
} told;

static void keep_diag(void *ud, const tocsin_diag *d)
{
    told *w = ud;
    w->n++;
    snprintf(w->err, w->errlen, "%s:%llu: %s", d->file, (unsigned long long)d->line, d->msg);
}

static tocsin_code read_text(const char *text, ev_truth *t, char *err, size_t errlen)
{
    told w = {err, errlen, 0};
    err[0] = 0;
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    tocsin_code rc = ev_truth_read(f, "truth.jsonl", t, keep_diag, &w);
    fclose(f);
    CHECK_INT(w.n, rc == TOCSIN_OK ? 0 : 1); /* a failure is told once, a success not at all */
    return rc;
}

static int64_t at(const char *iso)
{
    int64_t ns = 0;
    CHECK(ev_parse_time(iso, &ns) == 0);
    return ns;
}

static void test_read(void)
{
    ev_truth t;
    char err[256];
    CHECK_INT(read_text(good, &t, err, sizeof err), TOCSIN_OK);
    CHECK_STR(err, "");
    CHECK_STR(t.scenario, "t");
    CHECK_INT(t.users, 20);
    CHECK_INT(t.days, 10);
    CHECK_INT(t.seed, 3);
    CHECK_INT(t.n_aliases, 2);
    CHECK(ev_is_actor(&t, "lazarus group") && ev_is_actor(&t, "ZINC") && !ev_is_actor(&t, "APT28"));
    CHECK_INT(t.n_steps, 3);
    CHECK_INT(t.n_events, 5);
    CHECK_INT(t.n_files, 2);
    CHECK_STR(t.steps[0].techniques, "T1095,T1573");
    CHECK_STR(t.steps[2].techniques, "");
    CHECK_INT(t.steps[0].events, 2);
    CHECK_INT(t.steps[1].events, 2);
    CHECK_INT(t.steps[1].start_ns, at("2014-09-03T12:00:00Z") + 500000000);
    CHECK_INT(t.steps[1].line, 9);
    /* Windows ids name their host; Zeek uids do not. */
    CHECK_INT(t.n_hosts, 2);
    CHECK_STR(t.hosts[0], "ws-0002.corp");
    CHECK_INT(t.by_time[t.step_first[0]].host, EV_NO_HOST);
    CHECK_INT(t.step_first[3], 5);
    ev_truth_free(&t);
}

/* Each broken file is refused with the name and line of what is wrong. */
static void test_broken(void)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"{\"type\":\"event\",\"step\":\"x\",\"file\":\"f\",\"line\":1,\"ts\":\"2014-09-02T10:00:00Z\"}\n",
         "truth.jsonl:1: the first line must be the \"scenario\" line"},
        {SCN "{\"type\":\"event\",\"step\":\"x\",\"file\":\"f\",\"line\":1,\"ts\":\"2014-09-02T10:00:00Z\"\n",
         "truth.jsonl:2: not JSON"},
        {SCN
         "\n{\"type\":\"event\",\"step\":\"x\",\"file\":\"f\",\"line\":0,\"ts\":\"2014-09-02T10:00:00Z\"}\n",
         "truth.jsonl:3: \"line\" must be 1 or more"},
        {SCN "{\"type\":\"event\",\"step\":\"x\",\"file\":\"f\",\"line\":4,\"ts\":\"yesterday\"}\n",
         "truth.jsonl:2: \"ts\" is missing or not a time"},
        {SCN "{\"type\":\"event\",\"step\":\"x\",\"file\":\"f\",\"line\":4,\"ts\":\"2014-09-02T10:00:00Z\"}\n"
             "{\"type\":\"step\",\"step\":\"y\",\"action\":\"a\",\"techniques\":[],\"start\":\"2014-09-02T10:"
             "00:00Z\","
             "\"end\":\"2014-09-02T10:00:00Z\",\"hosts\":[],\"users\":[]}\n",
         "truth.jsonl:2: event of step \"x\", which no step line describes"},
        {SCN "{\"type\":\"step\",\"step\":\"y\",\"action\":\"a\",\"techniques\":[],\"start\":\"2014-09-02T10:"
             "00:00Z\","
             "\"end\":\"2014-09-01T10:00:00Z\",\"hosts\":[],\"users\":[]}\n",
         "truth.jsonl:2: step \"y\" ends before it starts"},
        {SCN "{\"type\":\"step\",\"step\":\"y\",\"action\":\"a\",\"techniques\":[],\"start\":\"2014-09-02T10:"
             "00:00Z\","
             "\"end\":\"2014-09-02T10:00:00Z\",\"hosts\":[3],\"users\":[]}\n",
         "truth.jsonl:2: \"hosts\" holds something that is not a string"},
        {"{\"type\":\"scenario\",\"scenario\":\"t\",\"actor\":\"a\",\"start\":\"2014-09-01T00:00:00Z\","
         "\"end\":\"2014-09-02T00:00:00Z\",\"days\":1}\n",
         "truth.jsonl:1: \"users\" is missing"},
        {SCN SCN, "truth.jsonl:2: a second scenario line"},
        {SCN "{\"type\":\"alert\"}\n", "truth.jsonl:2: unknown \"type\""},
        {SCN "[1,2]\n", "truth.jsonl:2: a line that is not an object"},
        {"", "truth.jsonl:0: no \"scenario\" line"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ev_truth t;
        char err[256] = "";
        CHECK(read_text(cases[i].text, &t, err, sizeof err) != TOCSIN_OK);
        if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0) {
            check_failed++;
            fprintf(stderr, "case %zu: error \"%s\", want it to start \"%s\"\n", i, err, cases[i].want);
        } else {
            check_passed++;
        }
        CHECK_INT(t.n_steps, 0);
    }
}

/* A scenario without a campaign: only the scenario line. */
static void test_no_campaign(void)
{
    ev_truth t;
    char err[256];
    unsigned char how[1];
    int64_t when[1];
    CHECK_INT(read_text(SCN, &t, err, sizeof err), TOCSIN_OK);
    CHECK_INT(t.n_steps, 0);
    CHECK_INT(t.n_events, 0);
    CHECK_INT(ev_match(&t, &(ev_alert){"zeek/conn.log", 1, 0, 10, 2, "ws-0001", NULL}, how, when), 0);
    ev_truth_free(&t);
}

static void test_names(void)
{
    CHECK(ev_same_host("WS-0002", "ws-0002.corp.example.com"));
    CHECK(ev_same_host("ws-0002.corp", "ws-0002.other"));
    CHECK(!ev_same_host("ws-0002", "ws-0020"));
    CHECK(!ev_same_host("10.0.0.1", "10.0.0.10"));
    CHECK(ev_same_host("10.0.0.1", "10.0.0.1"));
    CHECK(!ev_same_host(NULL, "x") && !ev_same_host("", ""));
    CHECK(ev_same_user("CORP\\lwang", "LWang"));
    CHECK(ev_same_user("lwang@corp.example.com", "lwang"));
    CHECK(!ev_same_user("lwang", "lwang2"));
    CHECK(!ev_same_user("CORP\\", "CORP\\"));
}

static size_t match(const ev_truth *t, ev_alert a, unsigned char *how, int64_t *when)
{
    return ev_match(t, &a, how, when);
}

static void test_match(void)
{
    ev_truth t;
    char err[256];
    unsigned char how[3];
    int64_t when[3];
    CHECK_INT(read_text(good, &t, err, sizeof err), TOCSIN_OK);
    int64_t day = 86400LL * 1000000000LL, hour = 3600LL * 1000000000LL;

    /* Rule 1: the first event's place; later beacons of the same action fold in (rule 3). */
    CHECK_INT(match(&t,
                    (ev_alert){"zeek/conn.log", 20, at("2014-09-02T11:00:00Z"), at("2014-09-06T11:00:00Z"), 3,
                               NULL, NULL},
                    how, when),
              2);
    CHECK_INT(how[0], EV_BY_LINE);
    CHECK_INT(how[1], EV_NO);
    CHECK_INT(how[2], EV_BY_OVERLAP);
    CHECK_INT(when[2], at("2014-09-06T11:00:00Z"));
    /* ... but not steps that do something else, even on the same day and host. */
    CHECK_INT(match(&t,
                    (ev_alert){"windows/security.jsonl", 5, at("2014-09-03T12:00:00Z"),
                               at("2014-09-06T12:00:00Z"), 5, "ws-0002", NULL},
                    how, when),
              1);
    CHECK_INT(how[1], EV_BY_LINE);
    /* An aggregated alert stands on every event it kept: its first event lateral's, a later
       one the beacon's (a beacon whose first call came from the step before), it shows both,
       each by place and at the time of its own event; a kept event nobody wrote adds nothing. */
    {
        ev_place kept[] = {{"windows/security.jsonl", 5, at("2014-09-03T12:00:00.5Z")},
                           {"zeek/conn.log", 20, at("2014-09-02T11:00:00Z")},
                           {"zeek/conn.log", 21, at("2014-09-02T11:30:00Z")},
                           {"zeek/dns.log", 10, at("2014-09-02T10:00:00Z")}};
        ev_alert a = {"windows/security.jsonl",
                      5,
                      at("2014-09-03T12:00:00.5Z"),
                      at("2014-09-03T13:00:00Z"),
                      4,
                      "ws-0002",
                      NULL,
                      0,
                      kept,
                      4};
        CHECK_INT(match(&t, a, how, when), 2);
        CHECK_INT(how[0], EV_BY_LINE);
        CHECK_INT(how[1], EV_BY_LINE);
        CHECK_INT(how[2], EV_NO);
        CHECK_INT(when[0], at("2014-09-02T11:00:00Z"));
        CHECK_INT(when[1], at("2014-09-03T12:00:00.5Z"));
        /* first event normal, a kept one the step's: by place, not by overlap (no host needed) */
        ev_alert b = {
            "zeek/conn.log", 3, at("2014-09-02T09:00:00Z"), at("2014-09-02T11:00:00Z"), 30, NULL, NULL, 0,
            kept + 1,        1};
        CHECK_INT(match(&t, b, how, when), 1);
        CHECK_INT(how[0], EV_BY_LINE);
    }
    /* Same line number in another file: nothing. */
    CHECK_INT(match(&t,
                    (ev_alert){"zeek/dns.log", 10, at("2014-09-02T10:00:00Z"), at("2014-09-02T10:00:00Z"), 1,
                               NULL, NULL},
                    how, when),
              0);

    /* Rule 2: normal first event, the step's event on its host within a day. */
    CHECK_INT(match(&t,
                    (ev_alert){"windows/security.jsonl", 3, at("2014-09-05T01:00:00Z"),
                               at("2014-09-05T20:00:00Z"), 4, "DC-01", NULL},
                    how, when),
              1);
    CHECK_INT(how[1], EV_BY_OVERLAP);
    CHECK_INT(when[1], at("2014-09-05T12:00:00Z"));
    /* The step's event in the span is on another host: no. */
    CHECK_INT(match(&t,
                    (ev_alert){"windows/security.jsonl", 3, at("2014-09-05T01:00:00Z"),
                               at("2014-09-05T20:00:00Z"), 4, "ws-0002", NULL},
                    how, when),
              0);
    /* By account, for an alert that names no host. */
    CHECK_INT(match(&t,
                    (ev_alert){"windows/security.jsonl", 3, at("2014-09-03T11:00:00Z"),
                               at("2014-09-03T13:00:00Z"), 2, NULL, "lwang"},
                    how, when),
              1);
    /* An alert on a host the step does not name is not the step's by its account alone. */
    CHECK_INT(match(&t,
                    (ev_alert){"zeek/conn.log", 3, at("2014-09-03T11:00:00Z"), at("2014-09-03T13:00:00Z"), 2,
                               "ws-0009", "lwang"},
                    how, when),
              0);
    /* The same as an indicator match: its first sighting was normal, so no. */
    CHECK_INT(match(&t,
                    (ev_alert){"windows/security.jsonl", 3, at("2014-09-05T01:00:00Z"),
                               at("2014-09-05T20:00:00Z"), 4, "DC-01", NULL, 1},
                    how, when),
              0);
    /* Begun more than a day before the step's event: no. */
    CHECK_INT(match(&t,
                    (ev_alert){"zeek/conn.log", 3, at("2014-09-01T09:00:00Z"), at("2014-09-02T12:00:00Z"), 40,
                               "ws-0001", NULL},
                    how, when),
              0);
    CHECK_INT(match(&t,
                    (ev_alert){"zeek/conn.log", 3, at("2014-09-02T10:00:00Z") - day + hour,
                               at("2014-09-02T12:00:00Z"), 40, "ws-0001", NULL},
                    how, when),
              1);
    CHECK_INT(how[0], EV_BY_OVERLAP);
    /* One event only: its place decides. */
    CHECK_INT(match(&t,
                    (ev_alert){"zeek/conn.log", 3, at("2014-09-02T10:00:00Z"), at("2014-09-02T10:00:00Z"), 1,
                               "ws-0001", NULL},
                    how, when),
              0);
    /* Not a host of the step. */
    CHECK_INT(match(&t,
                    (ev_alert){"zeek/conn.log", 3, at("2014-09-02T09:00:00Z"), at("2014-09-02T12:00:00Z"), 9,
                               "ws-0009", NULL},
                    how, when),
              0);
    ev_truth_free(&t);
}

static ts_alert_view alert(int64_t id, const char *file, uint64_t line, const char *first, const char *last,
                           uint64_t count, const char *host)
{
    ts_alert_view a = {0};
    a.id = id;
    a.file = (char *)file;
    a.line = line;
    a.first_ns = at(first);
    a.last_ns = at(last);
    a.count = count;
    a.internal_host = (char *)host;
    a.title = (char *)"t";
    return a;
}

/* Scores of a made-up hunt: two incidents, one of the campaign attributed to Lazarus, one
 * false alarm blaming APT28. */
static void test_score(void)
{
    ev_truth t;
    char err[256];
    CHECK_INT(read_text(good, &t, err, sizeof err), TOCSIN_OK);
    ts_alert_view a1[] = {
        alert(1, "/d/zeek/conn.log", 10, "2014-09-02T10:00:00Z", "2014-09-02T11:00:00Z", 2, NULL),
        alert(2, "/d/zeek/conn.log", 99, "2014-09-04T10:00:00Z", "2014-09-04T10:00:00Z", 1, "ws-0005"),
    };
    ts_alert_view a2[] = {
        alert(3, "/d/zeek/dns.log", 1, "2014-09-01T08:00:00Z", "2014-09-09T10:00:00Z", 50, "ws-0001")};
    ts_hyp_view h1[] = {{1, (char *)"HIDDEN COBRA", NULL, NULL, 0.9, 3, NULL, 0},
                        {2, (char *)"unattributed", NULL, NULL, 0.1, 0, NULL, 0}};
    ts_hyp_view h2[] = {{1, (char *)"APT28", NULL, NULL, 0.6, 1, NULL, 0}};
    ts_incident_view i1 = {.id = (char *)"INC-1", .hyps = h1, .n_hyps = 2, .alerts = a1, .n_alerts = 2};
    ts_incident_view i2 = {.id = (char *)"INC-2", .hyps = h2, .n_hyps = 1, .alerts = a2, .n_alerts = 1};
    ts_incident_view *inc[] = {&i1, &i2};
    a1[0].detector = a2[0].detector = (char *)"beacon";
    ev_scores s = {0};
    CHECK_INT(ev_score(&t, "/d", inc, 2, &s), TOCSIN_OK);
    CHECK_INT(s.r.steps, 3);
    CHECK_INT(s.r.detected, 1);
    CHECK_INT(s.r.alerts, 3);
    CHECK_INT(s.r.campaign_alerts, 1);
    CHECK_INT(s.r.false_alerts, 2);
    CHECK(s.r.false_per_kuserday > 9.99 && s.r.false_per_kuserday < 10.01); /* 2 per 200 user-days */
    CHECK_INT(s.r.first_alert_ns, 0); /* no click: from the first step, which the alert saw at once */
    CHECK_STR(s.main_incident, "INC-1");
    CHECK_STR(s.r.top_actor, "HIDDEN COBRA");
    CHECK_INT(s.r.actor_rank, 1);
    CHECK_INT(s.r.campaign_incidents, 1);
    CHECK_INT(s.r.right_incidents, 1);
    CHECK_INT(s.r.blamed_incidents, 2);
    CHECK_STR(s.blamed_actor, "HIDDEN COBRA");
    /* Per detector: "beacon" raised one of each; the alert without a detector counts as "?". */
    CHECK_INT(s.n_detectors, 2);
    CHECK_STR(s.detectors[0].name, "beacon");
    CHECK_INT(s.detectors[0].campaign, 1);
    CHECK_INT(s.detectors[0].false_alerts, 1);
    CHECK_STR(s.detectors[1].name, "?");
    CHECK_STR(t.steps[0].first_detector, "beacon");

    tocsin_eval_options o;
    tocsin_eval_options_init(&o);
    o.min_detected = 0.5;
    o.max_false_per_kuserday = 10.5;
    o.max_first_alert_ns = 1;
    o.expect_actor = "hidden cobra";
    o.expect_unattributed = 1;
    ev_check_thresholds(&s, &t, &o);
    CHECK_INT(s.r.checks, 5);
    CHECK_INT(s.r.failed, 2);
    CHECK(!s.checks[0].ok && s.checks[1].ok && s.checks[2].ok && s.checks[3].ok && !s.checks[4].ok);

    char buf[4096] = "";
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    ev_report(&t, &s, f, 1);
    fclose(f);
    CHECK(strstr(buf, "{\"type\":\"eval_step\",\"step\":\"beacon\"") == buf);
    CHECK(strstr(buf, "\"type\":\"eval_summary\"") != NULL);
    CHECK(strstr(buf, "\"passed\":false") != NULL);
    /* the two false alerts by name, in the store's order: whoever tunes sees what rang */
    const char *f2 = strstr(buf, "{\"type\":\"eval_false\",\"alert_id\":2,\"detector\":null,\"title\":\"t\"");
    const char *f3 = strstr(buf, "{\"type\":\"eval_false\",\"alert_id\":3,\"detector\":\"beacon\"");
    CHECK(f2 && f3 && f2 < f3 && f3 < strstr(buf, "eval_summary"));
    CHECK(strstr(buf, "\"alert_id\":1,\"detector\"") == NULL);
    memset(buf, 0, sizeof buf);
    f = fmemopen(buf, sizeof buf - 1, "w");
    ev_report(&t, &s, f, 0);
    fclose(f);
    CHECK(strstr(buf, "false alert      2014-09-04 10:00:00 ? ws-0005 -: t\n") != NULL);
    CHECK(strstr(buf, "                 2014-09-01 08:00:00 beacon ws-0001 -: t\n") != NULL);
    ev_scores_free(&s);
    ev_truth_free(&t);
}

/* Records of routine look-alikes: alerts on them are false, counted per look-alike. */
static void test_lookalikes(void)
{
    static const char text[] =
        SCN "{\"type\":\"benign\",\"lookalike\":\"vuln-scan\",\"file\":\"zeek/"
            "conn.log\",\"line\":40,\"ts\":\"2014-09-02T05:00:00Z\",\"id\":\"Cx\"}\n"
            "{\"type\":\"benign\",\"lookalike\":\"vuln-scan\",\"file\":\"windows/"
            "security.jsonl\",\"line\":7,\"ts\":\"2014-09-02T05:00:01Z\",\"id\":\"dc-01.corp#5\"}\n"
            "{\"type\":\"benign\",\"lookalike\":\"newsletter\",\"file\":\"mail/"
            "mail.mbox\",\"line\":1,\"ts\":\"2014-09-02T06:00:00Z\",\"id\":\"<a@b>\"}\n"
            "{\"type\":\"lookalike\",\"lookalike\":\"vuln-scan\",\"events\":2,\"start\":\"2014-09-02T05:00:"
            "00Z\",\"end\":\"2014-09-02T05:00:01Z\"}\n";
    ev_truth t;
    char err[256];
    CHECK_INT(read_text(text, &t, err, sizeof err), TOCSIN_OK);
    CHECK_INT(t.n_lookalikes, 2);
    CHECK_INT(t.n_benign, 3);
    CHECK_INT(t.n_events, 0);
    CHECK_STR(t.lookalikes[0].name, "vuln-scan");
    CHECK_INT(t.lookalikes[0].events, 2);
    CHECK_INT(ev_lookalike_at(&t, "windows/security.jsonl", 7), 0);
    CHECK_INT(ev_lookalike_at(&t, "mail/mail.mbox", 1), 1);
    CHECK_INT(ev_lookalike_at(&t, "mail/mail.mbox", 2), -1);
    CHECK_INT(ev_lookalike_at(&t, "zeek/dns.log", 40), -1);
    ts_alert_view a[] = {
        alert(1, "/d/zeek/conn.log", 40, "2014-09-02T05:00:00Z", "2014-09-02T06:00:00Z", 30, "vscan-01"),
        alert(2, "/d/mail/mail.mbox", 1, "2014-09-02T06:00:00Z", "2014-09-02T06:00:00Z", 1, NULL),
        alert(3, "/d/zeek/conn.log", 41, "2014-09-02T07:00:00Z", "2014-09-02T07:00:00Z", 1, NULL),
    };
    ts_incident_view i1 = {.id = (char *)"INC-1", .alerts = a, .n_alerts = 3};
    ts_incident_view *inc[] = {&i1};
    ev_scores s = {0};
    CHECK_INT(ev_score(&t, "/d", inc, 1, &s), TOCSIN_OK);
    CHECK_INT(s.r.false_alerts, 3);
    CHECK_INT(t.lookalikes[0].false_alerts, 1);
    CHECK_INT(t.lookalikes[1].false_alerts, 1);
    char buf[4096] = "";
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    ev_report(&t, &s, f, 1);
    fclose(f);
    CHECK(strstr(buf, "\"lookalikes\":[{\"lookalike\":\"vuln-scan\",\"records\":2,\"false_alerts\":1}") !=
          NULL);
    ev_scores_free(&s);
    ev_truth_free(&t);
    CHECK(read_text(SCN "{\"type\":\"benign\",\"file\":\"f\",\"line\":1}\n", &t, err, sizeof err) !=
          TOCSIN_OK);
    CHECK(strstr(err, "truth.jsonl:2: a benign line without its \"lookalike\"") == err);
}

static void test_span(void)
{
    char b[32];
    int64_t s = 1000000000LL;
    CHECK_STR(ev_span(0, b, sizeof b), "0s");
    CHECK_STR(ev_span(40 * s, b, sizeof b), "40s");
    CHECK_STR(ev_span((2 * 86400 + 3 * 3600 + 5) * s, b, sizeof b), "2d 3h");
    CHECK_STR(ev_span((4 * 60 + 10) * s, b, sizeof b), "4m 10s");
    CHECK_STR(ev_span(EV_NEVER, b, sizeof b), "-");
    CHECK_STR(ev_span(-5, b, sizeof b), "-");
}

int main(void)
{
    test_read();
    test_broken();
    test_lookalikes();
    test_no_campaign();
    test_names();
    test_match();
    test_score();
    test_span();
    return check_done("test_eval");
}
