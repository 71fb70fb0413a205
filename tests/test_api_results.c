/* test_api_results.c: a program using libtocsin gets a hunt's results as data: the
 * incidents (with their alerts) its callback receives are the ones the CLI's report lists
 * (the same tocsin_report_run), and the hunt itself writes nothing to stdout. */
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "tocsin.h"

#define FIXTURE "tests/data/cli/logs" /* the logs tests/cli.sh hunts: a C2 beacon, an SSH login */
#define MAX_SEEN 64

typedef struct seen {
    char id[64];
    int severity;
    uint64_t alert_count;
    size_t n_alerts, n_hosts;
    int alerts_ok; /* every alert has a detector, a title, times in order and a file */
    int verdict_ok;
} seen;

typedef struct collected {
    seen inc[MAX_SEEN];
    size_t n;
    size_t stop_after; /* 0: take them all */
    int c2_seen;       /* an alert names the fixture's C2 address as its remote side */
} collected;

static int on_incident(void *ud, const tocsin_incident *inc)
{
    collected *c = ud;
    if (c->n < MAX_SEEN) {
        seen *s = &c->inc[c->n];
        snprintf(s->id, sizeof s->id, "%s", inc->id ? inc->id : "");
        s->severity = inc->severity;
        s->alert_count = inc->alert_count;
        s->n_alerts = inc->n_alerts;
        s->n_hosts = inc->n_hosts;
        s->verdict_ok = inc->verdict && *inc->verdict &&
                        (!inc->top_actor || (inc->top_probability > 0 && inc->top_probability <= 1));
        s->alerts_ok = inc->n_alerts > 0;
        for (size_t i = 0; i < inc->n_alerts; i++) {
            const tocsin_alert *a = &inc->alerts[i];
            if (!a->detector || !a->title || a->first_ns > a->last_ns || !a->file || a->severity < 0 ||
                a->severity > 100)
                s->alerts_ok = 0;
            if (a->remote_ip && strcmp(a->remote_ip, "203.131.222.102") == 0)
                c->c2_seen = 1;
        }
    }
    c->n++;
    return c->stop_after && c->n >= c->stop_after;
}

/* Runs fn with stdout sent to path (created or emptied), and returns fn's code. */
static tocsin_code with_stdout_to(const char *path, tocsin_code (*fn)(tocsin *, void *), tocsin *t, void *arg)
{
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (saved < 0 || fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
        perror(path);
        exit(2);
    }
    close(fd);
    tocsin_code rc = fn(t, arg);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    return rc;
}

static tocsin_code hunt_fixture(tocsin *t, void *arg)
{
    (void)arg;
    const char *paths[] = {FIXTURE};
    return tocsin_hunt(t, paths, 1, NULL, 0);
}

static tocsin_code report_last(tocsin *t, void *arg)
{
    (void)arg;
    return tocsin_report_run(t, tocsin_last_run(t));
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* The fixture's one out-of-order event is said once per hunt: counted, not printed. */
static int diags;
static void on_diag(void *ud, const tocsin_diag *d)
{
    (void)ud, (void)d;
    diags++;
}

static tocsin *open_session(const char *dir, const char *db, collected *c)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, db);
    tocsin_options o = {.db_path = path,
                        .progress = 0,
                        .json = 1,
                        .diag = on_diag,
                        .result = c ? on_incident : NULL,
                        .result_ud = c};
    tocsin *t = NULL;
    CHECK_INT(tocsin_open(&o, &t), TOCSIN_OK); /* path is copied: it may go now */
    return t;
}

/* The callback's incidents against the report's NDJSON incident lines, in order. */
static void same_as_report(const collected *c, const char *report)
{
    FILE *f = fopen(report, "r");
    char line[1 << 16];
    size_t k = 0;
    CHECK(f != NULL);
    while (f && fgets(line, sizeof line, f)) {
        json_t *j = json_loads(line, 0, NULL);
        CHECK(j != NULL);
        const char *type = json_string_value(json_object_get(j, "type"));
        if (type && strcmp(type, "incident") == 0) {
            if (k < c->n && k < MAX_SEEN) {
                CHECK_STR(c->inc[k].id, json_string_value(json_object_get(j, "id")));
                CHECK_INT(c->inc[k].severity, json_integer_value(json_object_get(j, "severity")));
                CHECK_INT(c->inc[k].alert_count, json_integer_value(json_object_get(j, "alerts")));
                CHECK_INT(c->inc[k].n_hosts, json_array_size(json_object_get(j, "hosts")));
            }
            k++;
        }
        json_decref(j);
    }
    if (f)
        fclose(f);
    CHECK_INT(k, c->n);
}

/* ---- diagnostics: the caller gets each one whole (file, line, record, code, message) ---- */

#define BAD_ZEEK "tests/data/ingest/zeek_conn_http.log" /* line 20: too few columns */
#define BAD_EVTX "tests/golden/evtx/sample.evtx.gz"     /* record 103 cannot be parsed */
#define FLAWED_JSON "tests/data/ingest/win_lines.json"  /* lines 3-5 kept without a time */

typedef struct said {
    char file[512], msg[256];
    uint64_t line, record;
    tocsin_code code;
} said;

typedef struct saids {
    said s[64];
    size_t n;
} saids;

static void keep_diag(void *ud, const tocsin_diag *d)
{
    saids *k = ud;
    if (k->n >= 64)
        return;
    said *x = &k->s[k->n++];
    snprintf(x->file, sizeof x->file, "%s", d->file ? d->file : "");
    snprintf(x->msg, sizeof x->msg, "%s", d->msg ? d->msg : "");
    x->line = d->line, x->record = d->record, x->code = d->code;
}

/* Whether k holds a diagnostic about a file ending in file, at line and record, of code,
 * whose message starts with msg. */
static int has_said(const saids *k, const char *file, uint64_t line, uint64_t record, tocsin_code code,
                    const char *msg)
{
    for (size_t i = 0; i < k->n; i++) {
        const said *x = &k->s[i];
        size_t fn = strlen(x->file), wn = strlen(file);
        if (fn >= wn && strcmp(x->file + fn - wn, file) == 0 && x->line == line && x->record == record &&
            x->code == code && strncmp(x->msg, msg, strlen(msg)) == 0)
            return 1;
    }
    return 0;
}

/* The same three problems, whichever way the logs are read. */
static void check_said(const saids *k)
{
    CHECK(has_said(k, BAD_ZEEK, 20, 0, TOCSIN_E_PARSE, "8 columns where #fields names 11"));
    CHECK(has_said(k, BAD_EVTX, 0, 103, TOCSIN_E_PARSE, "substitution index past the values"));
    /* A record kept without its time is a note: nothing was rejected. */
    CHECK(has_said(k, FLAWED_JSON, 3, 0, TOCSIN_OK, "no event time that can be read"));
    CHECK(has_said(k, FLAWED_JSON, 6, 0, TOCSIN_E_TRUNCATED, "the JSON object starting here is not closed"));
}

static tocsin_code hunt_flawed(tocsin *t, void *arg)
{
    (void)arg;
    const char *paths[] = {BAD_ZEEK, BAD_EVTX, FLAWED_JSON};
    return tocsin_hunt(t, paths, 3, NULL, 0);
}

static void test_diagnostics(const char *dir)
{
    static saids dumped, hunted;
    const char *paths[] = {BAD_ZEEK, BAD_EVTX, FLAWED_JSON};
    FILE *devnull = fopen("/dev/null", "w");
    CHECK(devnull != NULL);
    if (!devnull)
        return;
    CHECK_INT(tocsin_events(paths, 3, devnull, keep_diag, &dumped), TOCSIN_E_PARTIAL);
    fclose(devnull);
    check_said(&dumped);

    char db[4096], out[4096];
    snprintf(db, sizeof db, "%s/diag.db", dir);
    tocsin_options o = {
        .db_path = db, .progress = 0, .no_defaults = 1, .diag = keep_diag, .diag_ud = &hunted};
    tocsin *t = NULL;
    CHECK_INT(tocsin_open(&o, &t), TOCSIN_OK);
    if (!t)
        return;
    snprintf(out, sizeof out, "%s/diag.out", dir);
    CHECK_INT(with_stdout_to(out, hunt_flawed, t, NULL), TOCSIN_E_PARTIAL);
    check_said(&hunted); /* through the hunt's readers, merge and session, still whole */
    tocsin_close(t);
}

int main(void)
{
    char dir[] = "/tmp/test_api_results.XXXXXX", out[4096], cache[4096];
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    snprintf(cache, sizeof cache, "%s/cache", dir);
    setenv("TOCSIN_CACHE_DIR", cache, 1);

    /* A hunt with a callback: the incidents come as data, nothing goes to stdout. */
    static collected all;
    tocsin *t = open_session(dir, "a.db", &all);
    CHECK(t != NULL);
    if (!t)
        return check_done("test_api_results");
    CHECK_INT(tocsin_last_run(t), 0);
    snprintf(out, sizeof out, "%s/hunt.out", dir);
    CHECK_INT(with_stdout_to(out, hunt_fixture, t, NULL), TOCSIN_OK);
    CHECK_INT(file_size(out), 0);
    CHECK(all.n >= 2); /* the beacon, and the login from the watched network */
    CHECK(all.c2_seen);
    for (size_t i = 0; i < all.n && i < MAX_SEEN; i++) {
        CHECK(strncmp(all.inc[i].id, "INC-", 4) == 0);
        CHECK(all.inc[i].alerts_ok);
        CHECK(all.inc[i].verdict_ok);
        CHECK(all.inc[i].n_alerts >= 1 && all.inc[i].n_alerts <= all.inc[i].alert_count);
    }
    CHECK(tocsin_last_run(t) > 0);

    /* What the CLI prints, asked for by the caller: the same incidents, in the same order. */
    snprintf(out, sizeof out, "%s/report.out", dir);
    CHECK_INT(with_stdout_to(out, report_last, t, NULL), TOCSIN_OK);
    CHECK(file_size(out) > 0);
    same_as_report(&all, out);
    CHECK_INT(tocsin_report_run(t, 999999), TOCSIN_E_NOTFOUND);
    CHECK(strstr(tocsin_last_error(t), "no run 999999") != NULL);
    tocsin_close(t);

    /* A caller that stops after the first incident gets one; the findings are stored all
     * the same (the report of the run lists every one). */
    static collected first = {.stop_after = 1};
    t = open_session(dir, "b.db", &first);
    if (t) {
        snprintf(out, sizeof out, "%s/hunt2.out", dir);
        CHECK_INT(with_stdout_to(out, hunt_fixture, t, NULL), TOCSIN_OK);
        CHECK_INT(first.n, 1);
        snprintf(out, sizeof out, "%s/report2.out", dir);
        CHECK_INT(with_stdout_to(out, report_last, t, NULL), TOCSIN_OK);
        same_as_report(&all, out); /* same logs into a fresh store: the same incidents */
        tocsin_close(t);
    }

    /* Without a callback the hunt prints nothing either: the report is the caller's to ask for. */
    t = open_session(dir, "c.db", NULL);
    if (t) {
        snprintf(out, sizeof out, "%s/hunt3.out", dir);
        CHECK_INT(with_stdout_to(out, hunt_fixture, t, NULL), TOCSIN_OK);
        CHECK_INT(file_size(out), 0);
        tocsin_close(t);
    }

    test_diagnostics(dir);

    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_done("test_api_results");
}
