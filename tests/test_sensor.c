/* test_sensor.c: the sensor detector with the shipped data/detect.conf and
 * data/detect/sensor_alerts.tsv: Suricata alerts and Zeek notices become alerts keyed by
 * signature and both sides, with ATT&CK ids from the table and noisy classes kept low; on
 * the public Suricata and Zeek samples (skipped when ../shared/data is absent) every alert
 * and notice becomes evidence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "behaviour.h"
#include "correlate/correlate.h"
#include "core/incident.h"

static const ts_alert *with_title(const char *part)
{
    for (size_t i = 0; i < n_got; i++)
        if (strstr(got[i]->title, part))
            return got[i];
    return NULL;
}

static uint64_t total_count(void)
{
    uint64_t n = 0;
    for (size_t i = 0; i < n_got; i++)
        n += got[i]->count ? got[i]->count : 1;
    return n;
}

/* Feeds every file of dir ending with suffix; returns the events read. */
static size_t feed_dir(det *x, const char *dir, const char *const *names)
{
    size_t n = 0;
    char path[1024];
    for (size_t i = 0; names[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        n += feed_file(x, path);
    }
    return n;
}

/* A Suricata alert and a Zeek notice on host 10.1.2.3, and another detector's alert on
 * it (fetch: a program by bare address, minutes earlier), become one incident: the
 * correlator joins them on the host, whichever sensor wrote them. */
static void test_sensors_join_one_incident(const ts_config *cfg)
{
    det s, f;
    CHECK(det_open(&s, "sensor", cfg));
    CHECK(det_open(&f, "fetch", cfg));
    feed_file(&f, "tests/data/netbehave/http_fetch.log");
    feed_file(&s, "tests/data/netbehave/eve_alerts.json");
    feed_file(&s, "tests/data/netbehave/notice.log");
    det_close(&s);
    det_close(&f);
    ts_correlator *c = ts_correlator_new(0);
    CHECK(c != NULL);
    if (!c) {
        drop_all();
        return;
    }
    for (size_t i = 0; i < n_got; i++)
        ts_correlator_add(c, got[i]);
    n_got = 0; /* the correlator owns them */
    ts_incident **inc = NULL;
    size_t n = ts_correlator_finish(c, &inc);
    const ts_incident *host = NULL;
    for (size_t i = 0; i < n; i++) {
        bool suricata = false, notice = false, fetch = false;
        for (size_t k = 0; k < inc[i]->n_alerts; k++) {
            const ts_alert *a = inc[i]->alerts[k];
            printf("  incident %zu: %s %s | %s\n", i, a->detector, a->dataset ? a->dataset : "-", a->title);
            suricata |= a->dataset && strstr(a->dataset, "suricata") != NULL;
            notice |= a->dataset && strcmp(a->dataset, "zeek.notice") == 0;
            fetch |= strcmp(a->detector, "fetch") == 0;
        }
        if (suricata && notice && fetch)
            host = inc[i];
    }
    CHECK(host != NULL);
    for (size_t i = 0; i < n; i++)
        ts_incident_free(inc[i]);
    free(inc);
    ts_correlator_free(c);
}

int main(void)
{
    /* The shipped settings raise what is at min_severity (40) or above: of the five, the
       C2 beacon (70) and the unknown priority-1 class; scans, decoder events and the rest
       are the background every sensor sees. */
    ts_config *shipped = NULL;
    CHECK(ts_config_load(TOCSIN_DATA_DIR "/detect.conf", &shipped, NULL, NULL) == TOCSIN_OK);
    det x;
    CHECK(det_open(&x, "sensor", shipped));
    CHECK_INT(feed_file(&x, "tests/data/netbehave/eve_alerts.json"), 6);
    CHECK(with_title("Cobalt Strike") != NULL);
    CHECK(with_title("SSH Scan") == NULL && with_title("truncated packet") == NULL);
    CHECK(n_got < 5);
    drop_all();
    det_close(&x);
    test_sensors_join_one_incident(shipped);
    ts_config_free(shipped);

    /* The mapping itself, every alert raised (min_severity = 0). */
    FILE *mf = fopen("build/tests/sensor_all.conf", "w");
    if (mf) {
        fputs("[sensor]\nmin_severity = 0\n", mf);
        fclose(mf);
    }
    ts_config *cfg = NULL;
    CHECK(ts_config_load("build/tests/sensor_all.conf", &cfg, NULL, NULL) == TOCSIN_OK);
    CHECK(det_open(&x, "sensor", cfg));

    /* Suricata: five alerts and a DNS record (which raises nothing). */
    CHECK_INT(feed_file(&x, "tests/data/netbehave/eve_alerts.json"), 6);
    CHECK_INT(n_got, 5);
    const ts_alert *a = with_title("Cobalt Strike");
    CHECK(a && a->kind == TS_EV_RULE && a->severity == 70 && a->techniques &&
          !strcmp(a->techniques, "T1071"));
    CHECK(a &&
          !strcmp(a->key, "sensor|suricata|ET MALWARE Cobalt Strike Beacon Observed|10.1.2.3|45.77.10.20"));
    CHECK(a && a->direction == TS_DIR_OUTBOUND && a->internal_ip.v == 4 && a->remote_ip.v == 4);
    /* an inbound scan: the internal side is the destination */
    a = with_title("SSH Scan");
    CHECK(a && a->severity == 30 && !strcmp(a->techniques, "T1046") &&
          strstr(a->key, "|10.1.2.9|91.240.118.5"));
    /* a decoder event of priority 3 is held low by its class */
    a = with_title("truncated packet");
    CHECK(a && a->severity == 10 && !a->techniques);
    /* an unknown class and priority: the "other" severity, no technique */
    a = with_title("LOCAL odd thing");
    CHECK(a && a->severity == 20 && !a->techniques);
    drop_all();

    /* Zeek notices. */
    CHECK_INT(feed_file(&x, "tests/data/netbehave/notice.log"), 4);
    CHECK_INT(n_got, 4);
    a = with_title("SSH::Password_Guessing");
    CHECK(a && a->severity == 60 && !strcmp(a->techniques, "T1110") && strstr(a->title, "guessing SSH"));
    CHECK(a && strstr(a->key, "sensor|notice|SSH::Password_Guessing|10.1.2.9|91.240.118.5"));
    a = with_title("Scan::Port_Scan");
    CHECK(a && a->severity == 50 && !strcmp(a->techniques, "T1046") &&
          strstr(a->key, "|10.1.2.9|91.240.118.5"));
    a = with_title("SSL::Invalid_Server_Cert");
    CHECK(a && a->severity == 10);
    a = with_title("Site::Custom_Thing");
    CHECK(a && a->severity == 40 && !a->techniques);
    drop_all();
    det_close(&x);

    /* What the alert is, not who wrote it: a notice and a drop from pipelines with other
       dataset names (an ECS shipper's) are judged as Zeek's notice and Suricata's drop. */
    CHECK(det_open(&x, "sensor", cfg));
    ts_event ev;
    ts_event_clear(&ev);
    ev.ts_ns = 1700000000LL * 1000000000LL;
    ev.dataset = ts_str_c("ecs.network.alert");
    ev.category = TS_CAT_NETWORK | TS_CAT_ALERT;
    ev.rule_name = ts_str_c("Scan::Port_Scan");
    ev.src_ip = ip_of("91.240.118.5");
    ev.dst_ip = ip_of("10.1.2.9");
    ev.dst_geo.flags = TS_NET_KNOWN | TS_NET_INTERNAL;
    set_fields(&ev, (const char *[]){"msg", "91.240.118.5 scanned at least 15 unique ports", NULL});
    feed(&x, &ev);
    a = with_title("Scan::Port_Scan");
    CHECK(a && a->severity == 50 && a->techniques && !strcmp(a->techniques, "T1046") &&
          strstr(a->key, "sensor|notice|Scan::Port_Scan|"));
    ev.rule_name = ts_str_c("ET MALWARE Cobalt Strike Beacon Observed");
    ev.type = TS_TYPE_DENIED;
    set_fields(&ev, (const char *[]){"alert.category", "A Network Trojan was detected", "alert.severity", "1",
                                     NULL});
    feed(&x, &ev);
    a = with_title("Suricata drop: ET MALWARE Cobalt Strike");
    CHECK(a && a->severity == 70 && strstr(a->key, "sensor|suricata|"));
    drop_all();
    det_close(&x);

    /* A severity outside 0..100 is refused. */
    ts_config *bad = NULL;
    FILE *f = fopen("build/tests/sensor_bad.conf", "w");
    CHECK(f != NULL);
    if (f) {
        fputs("[sensor]\nseverity_1 = 170\n", f);
        fclose(f);
        CHECK(ts_config_load("build/tests/sensor_bad.conf", &bad, NULL, NULL) == TOCSIN_OK);
        CHECK(!det_open(&x, "sensor", bad));
        ts_config_free(bad);
    }

    /* Real data: the public Suricata samples (548 alerts) and the WRCCDC 2018 notices. */
    const char *sd = shared_data("sensor on Suricata and Zeek samples");
    if (sd) {
        char dir[1024];
        CHECK(det_open(&x, "sensor", cfg));
        snprintf(dir, sizeof dir, "%s/suricata-eve/samples", sd);
        size_t n = feed_dir(&x, dir,
                            (const char *[]){"first-org-conf-2015/alerts-only.json",
                                             "honeypot-2018/alerts-only.json", "wrccdc-2017/alerts-only.json",
                                             "wrccdc-2018/alerts-only.json", NULL});
        CHECK_INT(n, 548);
        CHECK_INT(total_count(), 548);
        size_t low = 0, tagged = 0;
        for (size_t i = 0; i < n_got; i++) {
            low += got[i]->severity <= 20;
            tagged += got[i]->techniques != NULL;
        }
        size_t by_sev[101] = {0};
        for (size_t i = 0; i < n_got; i++)
            by_sev[got[i]->severity]++;
        printf("suricata samples: %zu alerts from 548 records, %zu with ATT&CK ids, %zu at severity <= 20;"
               " by severity:",
               n_got, tagged, low);
        for (int s = 100; s >= 0; s--)
            if (by_sev[s])
                printf(" %d:%zu", s, by_sev[s]);
        printf("\n");
        CHECK(tagged * 3 >
              n_got); /* 184 of 548: one record per signature, many of them policy and decoder events */
        CHECK(low > 0 && low * 2 < n_got); /* 225 of 548 */
        drop_all();
        snprintf(dir, sizeof dir, "%s/zeek/wrccdc-2018/zeek-json", sd);
        n = feed_dir(&x, dir, (const char *[]){"notice.json.gz", NULL});
        printf("wrccdc-2018 notices: %zu records, %zu alerts\n", n, n_got);
        CHECK_INT(n, 207);
        CHECK_INT(total_count(), 207);
        for (size_t i = 0; i < n_got; i++)
            CHECK(got[i]->severity == 10 && got[i]->internal_ip.v);
        drop_all();
        det_close(&x);
    }
    ts_config_free(cfg);
    return check_done("sensor");
}
