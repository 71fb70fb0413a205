/* test_template.c: the template detector (src/detect/template.c.in) compiled and run through
 * every hook and its tables (tunables, saved state), so the starting point of a new detector
 * always builds and works. */
#include "check.h"
#include "core/config.h"
#include "detect/detect.h"

#include "detect/template.c.in"

#include <stdio.h>
#include <unistd.h>

typedef struct got {
    ts_alert *a[16];
    size_t n;
} got;

static void on_alert(void *ud, ts_alert *a)
{
    got *g = ud;
    if (g->n < 16)
        g->a[g->n++] = a;
    else
        ts_alert_free(a);
}

static void got_free(got *g)
{
    for (size_t i = 0; i < g->n; i++)
        ts_alert_free(g->a[i]);
    g->n = 0;
}

static const ts_detector *const d = &ts_detector_template;

/* A new state from init with cfg (may be NULL), or NULL when init refuses. */
static void *start(const ts_config *cfg)
{
    void *st = calloc(1, d->state_size);
    ts_detect_ctx ctx = {.config = cfg};
    if (d->init(st, &ctx) != TOCSIN_OK) {
        ts_detector_fini(d, st);
        free(st);
        return NULL;
    }
    return st;
}

static void stop(void *st)
{
    ts_detector_fini(d, st);
    free(st);
}

/* A service installation (System 7045) as the Windows readers give it, one second after
 * the one before. */
static void service(void *st, got *g, const char *host, const char *name)
{
    static int64_t clock_ns = 1700000000000000000;
    ts_field f[] = {{TS_STR_LIT("EventID"), TS_STR_LIT("7045")}, {TS_STR_LIT("ServiceName"), ts_str_c(name)}};
    ts_event ev;
    ts_event_clear(&ev);
    ev.ts_ns = clock_ns += 1000000000;
    ev.dataset = TS_STR_LIT("windows.system");
    ev.category = TS_CAT_HOST;
    ev.action = TS_STR_LIT("service-installed");
    ev.code = 7045, ev.has_code = true;
    ev.host = ts_str_c(host);
    ev.fields = f, ev.n_fields = 2;
    ev.file = "System.evtx", ev.record = 7;
    ts_alert_sink sink = {on_alert, g};
    d->event(st, &ev, &sink);
}

static ts_config *config(const char *text)
{
    char path[] = "/tmp/test_template.XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    ts_config *c = NULL;
    if (f) {
        fputs(text, f);
        fclose(f);
        ts_config_load(path, &c, NULL, NULL);
        unlink(path);
    }
    return c;
}

static void test_alerts_once_per_host_and_service(void)
{
    got g = {0};
    void *st = start(NULL);
    CHECK(st != NULL);
    service(st, &g, "DC01", "PSEXESVC");
    CHECK_INT(g.n, 1);
    if (g.n == 1) {
        CHECK_STR(g.a[0]->detector, "template");
        CHECK_STR(g.a[0]->key, "template|dc01|PSEXESVC");
        CHECK_STR(g.a[0]->title, "new service PSEXESVC installed on DC01");
        CHECK_STR(g.a[0]->techniques, "T1543.003");
        CHECK_STR(g.a[0]->file, "System.evtx");
        CHECK_INT(g.a[0]->record, 7);
        CHECK_INT(g.a[0]->severity, 40);
    }
    got_free(&g);
    service(st, &g, "dc01", "PSEXESVC"); /* the same machine, as another log spells it */
    CHECK_INT(g.n, 0);
    service(st, &g, "WKS7", "PSEXESVC");
    CHECK_INT(g.n, 1);
    got_free(&g);
    stop(st);
}

static void test_other_events_raise_nothing(void)
{
    got g = {0};
    void *st = start(NULL);
    ts_event ev;
    ts_event_clear(&ev);
    ev.category = TS_CAT_AUTH;
    ev.action = TS_STR_LIT("logon");
    d->event(st, &ev, &(ts_alert_sink){on_alert, &g});
    service(st, &g, "DC01", ""); /* no service name: nothing to say */
    CHECK_INT(g.n, 0);
    stop(st);
}

static void test_state_kept_between_runs(void)
{
    got g = {0};
    void *st = start(NULL);
    service(st, &g, "DC01", "evil");
    got_free(&g);
    void *blob = NULL;
    size_t len = 0;
    CHECK(d->saved && !d->save && !d->load); /* the table, not hand-written hooks */
    CHECK_INT(ts_detector_save(d, st, &blob, &len), TOCSIN_OK);
    stop(st);

    char why[200];
    st = start(NULL);
    CHECK_INT(ts_detector_load(d, st, blob, len, why, sizeof why), TOCSIN_OK);
    service(st, &g, "DC01", "evil");
    CHECK_INT(g.n, 0); /* seen last run */
    service(st, &g, "DC01", "other");
    CHECK_INT(g.n, 1);
    got_free(&g);
    stop(st);

    st = start(NULL);
    CHECK_INT(ts_detector_load(d, st, blob, len - 1, why, sizeof why), TOCSIN_E_FORMAT); /* cut short */
    CHECK(strstr(why, "template: saved state damaged at field 'seen'") != NULL);
    service(st, &g, "DC01", "evil"); /* refused whole: it learns afresh */
    CHECK_INT(g.n, 1);
    got_free(&g);
    CHECK_INT(ts_detector_load(d, st, "no-magic", 8, why, sizeof why), TOCSIN_E_FORMAT);
    stop(st);
    free(blob);
}

static void test_tunables_bound_and_checked(void)
{
    ts_config *c = config("[template]\nmax_seen = 16\nseverity = 70\n");
    CHECK(c != NULL);
    got g = {0};
    void *st = start(c);
    CHECK(st != NULL);
    char name[16];
    for (int i = 0; i < 17; i++) { /* one past the cap: the quarter seen longest ago goes */
        snprintf(name, sizeof name, "s%02d", i);
        service(st, &g, "H", name);
        if (g.n)
            CHECK_INT(g.a[0]->severity, 70);
        got_free(&g);
    }
    ts_state_use u[2];
    CHECK_INT(ts_detector_usage(d, st, u, 2), 1); /* from the saved table's named map */
    CHECK_STR(u[0].table, "host-service pairs");
    CHECK_INT(u[0].kept, 13);
    CHECK_INT(u[0].cap, 16);
    CHECK_INT(u[0].evicted, 4);
    CHECK(u[0].bytes <= u[0].bound);
    service(st, &g, "H", "s00"); /* forgotten, so new again */
    CHECK_INT(g.n, 1);
    got_free(&g);
    service(st, &g, "H", "s16"); /* still known */
    CHECK_INT(g.n, 0);
    stop(st);
    ts_config_free(c);

    c = config("[template]\nmax_seen = 0\n");
    CHECK(start(c) == NULL); /* a bad tunable is refused, not replaced by the default */
    ts_config_free(c);
}

int main(void)
{
    test_alerts_once_per_host_and_service();
    test_other_events_raise_nothing();
    test_state_kept_between_runs();
    test_tunables_bound_and_checked();
    return check_done("test_template");
}
