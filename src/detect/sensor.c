/* sensor.c: detector "sensor": Suricata signature alerts and Zeek notices as alerts of their own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "detect/alert_util.h"
#include "detect/detect.h"

/*
 * Rationale. A network sensor already said something is wrong: a Suricata signature fired,
 * a Zeek script raised a notice. That is evidence in its own right, and it should sit in the
 * same incident as what tocsin found about the same hosts. The alert therefore carries the
 * internal host and the remote address as entities (ts_alert_from_event), like every other
 * detector's, so the correlator joins them.
 *
 * Severity. Suricata's priority (alert.severity 1..3) maps through [sensor] severity_N.
 * Whole classes fire on ordinary traffic ("Generic Protocol Command Decode", "Not
 * Suspicious Traffic", Zeek's certificate checks): the table data/detect/sensor_alerts.tsv
 * holds them low, and gives each signature family, classtype or notice its ATT&CK ids.
 *
 * Aggregation. The key is the signature (or note), the internal side and the remote side:
 * a scan that trips one signature ten thousand times is one alert with a count.
 */

#define SEC "sensor"
#define MAX_ROWS 256

typedef enum match_kind { M_SIGNATURE, M_NOTE, M_CATEGORY } match_kind;

typedef struct row {
    match_kind kind;
    char *pattern;
    int severity;     /* -1: the sensor's own */
    char *techniques; /* NULL: none */
} row;

typedef struct sensor_state {
    int sev[4]; /* Suricata priority 1, 2, 3, other */
    int notice_sev;
    int min_sev; /* alerts of other sensors below this are not raised */
    row rows[MAX_ROWS];
    size_t n_rows;
} sensor_state;

/* Parses one row of the table into r; false when it is malformed. */
static bool parse_row(char *line, row *r)
{
    char *col[3] = {line};
    size_t n = 1;
    for (char *p = line; *p && n < 3; p++)
        if (*p == '\t')
            *p = 0, col[n++] = p + 1;
    if (n < 3)
        return false;
    static const struct {
        const char *prefix;
        match_kind kind;
    } kinds[] = {{"signature=", M_SIGNATURE}, {"note=", M_NOTE}, {"category=", M_CATEGORY}};
    size_t k = 0;
    while (k < 3 && strncmp(col[0], kinds[k].prefix, strlen(kinds[k].prefix)) != 0)
        k++;
    if (k == 3)
        return false;
    r->kind = kinds[k].kind;
    r->severity = -1;
    if (strcmp(col[1], "-") != 0) {
        uint64_t v;
        if (!ts_parse_u64(ts_str_c(col[1]), &v) || v > 100)
            return false;
        r->severity = (int)v;
    }
    r->pattern = strdup(col[0] + strlen(kinds[k].prefix));
    r->techniques = strcmp(col[2], "-") != 0 ? strdup(col[2]) : NULL;
    return r->pattern != NULL;
}

static tocsin_code load_table(sensor_state *st, const ts_detect_ctx *ctx)
{
    char path[1024];
    const char *table = ts_config_get(ctx->config, SEC, "table");
    if (table)
        snprintf(path, sizeof path, "%s", table);
    else
        snprintf(path, sizeof path, "%s/detect/sensor_alerts.tsv",
                 ctx->data_dir ? ctx->data_dir : TOCSIN_DATA_DIR);
    FILE *f = fopen(path, "r");
    if (!f) {
        ts_diag_say(ctx->diag, ctx->diag_ud, path, 0, 0, TOCSIN_E_IO,
                    "cannot read the sensor alert table; every class keeps its own severity");
        return TOCSIN_OK;
    }
    char line[1024];
    unsigned lineno = 0;
    while (fgets(line, sizeof line, f) && st->n_rows < MAX_ROWS) {
        lineno++;
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        row *r = &st->rows[st->n_rows];
        if (!parse_row(line, r)) {
            free(r->pattern);
            memset(r, 0, sizeof *r);
            ts_diag_say(ctx->diag, ctx->diag_ud, path, lineno, 0, TOCSIN_E_PARSE,
                        "expected match (signature=, note=, category=), severity (0..100 or -), "
                        "techniques; row skipped");
            continue;
        }
        st->n_rows++;
    }
    fclose(f);
    return TOCSIN_OK;
}

/* Tunables: the [sensor] section of data/detect.conf. */
typedef struct sensor_settings {
    double severity_1, severity_2, severity_3, severity_other, notice_severity, min_severity;
    const char *table;
} sensor_settings;

static const ts_tunable sensor_tunables[] = {
    TS_TUNE(sensor_settings, severity_1, TS_TUNE_COUNT, 70, 0, 100),
    TS_TUNE(sensor_settings, severity_2, TS_TUNE_COUNT, 50, 0, 100),
    TS_TUNE(sensor_settings, severity_3, TS_TUNE_COUNT, 30, 0, 100),
    TS_TUNE(sensor_settings, severity_other, TS_TUNE_COUNT, 20, 0, 100),
    TS_TUNE(sensor_settings, notice_severity, TS_TUNE_COUNT, 40, 0, 100),
    TS_TUNE(sensor_settings, min_severity, TS_TUNE_COUNT, 40, 0, 100),
    TS_TUNE_STR(sensor_settings, table, NULL),
    {0},
};

static tocsin_code sensor_init(void *state, const ts_detect_ctx *ctx)
{
    sensor_state *st = state;
    const ts_config *c = ctx ? ctx->config : NULL;
    sensor_settings tune;
    if (!ts_tune_read(c, SEC, sensor_tunables, &tune))
        return TOCSIN_E_ARG;
    st->sev[0] = (int)tune.severity_1;
    st->sev[1] = (int)tune.severity_2;
    st->sev[2] = (int)tune.severity_3;
    st->sev[3] = (int)tune.severity_other;
    st->notice_sev = (int)tune.notice_severity;
    st->min_sev = (int)tune.min_severity;
    return ctx ? load_table(st, ctx) : TOCSIN_OK;
}

static void sensor_fini(void *state)
{
    sensor_state *st = state;
    for (size_t i = 0; i < st->n_rows; i++) {
        free(st->rows[i].pattern);
        free(st->rows[i].techniques);
    }
}

/* The first row matching the signature or note (name) or the category, or NULL. */
static const row *lookup(const sensor_state *st, bool notice, ts_str name, ts_str category)
{
    for (size_t i = 0; i < st->n_rows; i++) {
        const row *r = &st->rows[i];
        if (r->kind == M_CATEGORY ? !notice && ts_str_ieq(category, r->pattern)
                                  : (r->kind == M_NOTE) == notice && ts_str_istarts(name, r->pattern))
            return r;
    }
    return NULL;
}

static void sensor_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    const sensor_state *st = state;
    if (!(ev->category & TS_CAT_ALERT) || !ev->rule_name.n)
        return;
    /* What the alert is, not who wrote it: a signature's alert carries its class and
       priority (alert.category, alert.severity); a notice (Zeek's, or any sensor's alert
       without them) names what it saw and says why in its message. A drop was blocked. */
    bool denied = (ev->type & TS_TYPE_DENIED) != 0;
    bool notice =
        !denied && !ts_event_field(ev, "alert.severity").n && !ts_event_field(ev, "alert.category").n;
    ts_str category = notice ? TS_STR_NULL : ts_event_field(ev, "alert.category");
    ts_str detail = notice ? ts_event_field(ev, "msg") : category;
    int sev = st->notice_sev;
    if (!notice) {
        uint64_t prio = 0;
        ts_parse_u64(ts_event_field(ev, "alert.severity"), &prio);
        sev = st->sev[prio >= 1 && prio <= 3 ? prio - 1 : 3];
    }
    const row *r = lookup(st, notice, ev->rule_name, category);
    if (r && r->severity >= 0)
        sev = r->severity;
    if (sev < st->min_sev)
        return; /* background of other sensors (data/detect.conf [sensor] min_severity) */

    ts_alert *a = calloc(1, sizeof *a);
    if (!a)
        return;
    a->detector = "sensor";
    a->kind = TS_EV_RULE;
    ts_alert_from_event(a, ev);
    a->severity = (uint8_t)sev;
    a->techniques = r && r->techniques ? strdup(r->techniques) : NULL;
    char ibuf[TS_IP_STRLEN], rbuf[TS_IP_STRLEN];
    const char *internal = ts_alert_internal_entity(a, ibuf);
    const char *remote = a->remote_ip.v ? ts_ip_format(&a->remote_ip, rbuf) : "-";
    const char *what = notice ? "Zeek notice" : denied ? "Suricata drop" : "Suricata";
    int dn = detail.n > 160 ? 160 : (int)detail.n;
    a->key = ts_fmt_alloc("sensor|%s|%.*s|%s|%s", notice ? "notice" : "suricata", (int)ev->rule_name.n,
                          ev->rule_name.p, internal, remote);
    a->title = ts_fmt_alloc("%s: %.*s%s%.*s%s (%s, %s)", what, (int)ev->rule_name.n, ev->rule_name.p,
                            dn ? " [" : "", dn, dn ? detail.p : "", dn ? "]" : "", internal, remote);
    if (!a->key || !a->title || (r && r->techniques && !a->techniques)) {
        ts_alert_free(a);
        return;
    }
    out->emit(out->ud, a);
}

const ts_detector ts_detector_sensor = {
    .name = "sensor",
    .tunables = sensor_tunables,
    .summary = "Suricata signature alerts and Zeek notices, with ATT&CK ids and noisy classes kept low",
    .state_size = sizeof(sensor_state),
    .init = sensor_init,
    .event = sensor_event,
    .fini = sensor_fini,
};
