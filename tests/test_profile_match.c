/* test_profile_match.c: "seen before" by a close technique and software profile
 * (store/profile_match.c): an earlier incident with the same rare techniques is found, one
 * that shares only common techniques is not, nor a later one, and the show view says why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "report/report.h"
#include "store/sightings.h"
#include "store/store.h"

#define SEC 1000000000LL
#define T0 (1416816720LL * SEC) /* 2014-11-24T08:12:00Z */

static char dir[] = "/tmp/tocsin_profile_XXXXXX";

/* Writes an incident of one rule alert per technique list, first active at T0 + day days. */
static void write_incident(ts_store *s, int64_t run, const char *id, int day, const char *const *techs,
                           size_t n)
{
    ts_alert a[8];
    ts_alert *p[8];
    memset(a, 0, sizeof a);
    for (size_t i = 0; i < n; i++) {
        char key[64];
        snprintf(key, sizeof key, "rule|%s|%zu", id, i);
        a[i] = (ts_alert){.detector = "sigma",
                          .key = strdup(key),
                          .title = "a rule fired",
                          .kind = TS_EV_RULE,
                          .severity = 60,
                          .techniques = (char *)techs[i],
                          .count = 1,
                          .first_ns = T0 + day * 86400 * SEC + (int64_t)i * SEC,
                          .last_ns = T0 + day * 86400 * SEC + (int64_t)i * SEC,
                          .internal_host = "ws-01"};
        p[i] = &a[i];
    }
    ts_incident inc = {
        .first_ns = a[0].first_ns, .last_ns = a[n - 1].last_ns, .alerts = p, .n_alerts = n, .severity = 60};
    snprintf(inc.id, sizeof inc.id, "%s", id);
    ts_intel *ti = ts_intel_new();
    ts_intel_finalise(ti);
    CHECK_INT(ts_store_incident(s, run, &inc, ti), TOCSIN_OK);
    ts_intel_free(ti);
    for (size_t i = 0; i < n; i++)
        free(a[i].key);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char path[256], err[256];
    snprintf(path, sizeof path, "%s/t.db", dir);
    ts_store *s = NULL;
    CHECK_INT(ts_store_open(path, &s, err, sizeof err), TOCSIN_OK);
    if (!s)
        return check_done("test_profile_match");
    int64_t run;
    CHECK_INT(ts_store_run_begin(s, "hunt", &run), TOCSIN_OK);
    /* the wiper playbook twice, a month apart; ordinary intrusions that share its common
       techniques (PowerShell, WMI); and one later than the second wiper */
    const char *wiper1[] = {"T1485, T1059.001", "T1529", "T1561.001, S0593", "T1047"};
    const char *wiper2[] = {"T1485", "T1529, T1059.001", "T1561.001", "S0593", "T1021.002"};
    const char *common1[] = {"T1059.001, T1047", "T1021.002", "T1566.001"};
    const char *common2[] = {"T1059.001", "T1047, T1021.002", "T1003.001"};
    const char *common3[] = {"T1059.001, T1047", "T1021.002, T1105"};
    const char *later[] = {"T1485, T1529", "T1561.001, S0593"};
    write_incident(s, run, "INC-000000000000000a", 0, wiper1, 4);
    write_incident(s, run, "INC-000000000000000b", 5, common1, 3);
    write_incident(s, run, "INC-000000000000000c", 10, common2, 3);
    write_incident(s, run, "INC-000000000000000d", 15, common3, 2);
    write_incident(s, run, "INC-000000000000000e", 30, wiper2, 5);
    write_incident(s, run, "INC-000000000000000f", 40, later, 2);
    CHECK_INT(ts_store_run_end(s, run, 100, 0), TOCSIN_OK);

    ts_link *v;
    size_t n;
    CHECK_INT(ts_store_similar_before(s, "INC-000000000000000e", 5, &v, &n), TOCSIN_OK);
    CHECK_INT(n, 1); /* the first wiper; not the common ones, not the later one */
    if (n == 1) {
        CHECK_STR(v[0].incident, "INC-000000000000000a");
        CHECK(v[0].similarity >= 0.6 && v[0].similarity <= 1);
        CHECK_INT(v[0].n_shared, 5); /* T1485, T1529, T1561.001, S0593, T1059.001 */
        CHECK(strncmp(v[0].shared, "profile: ", 9) == 0);
        CHECK(strstr(v[0].shared, "T1059.001") == NULL); /* the rarest shown first, the common left out */
        CHECK_INT(v[0].first_ns, T0);
    }
    ts_links_free(v, n);
    /* an incident of common techniques only is close to nothing */
    CHECK_INT(ts_store_similar_before(s, "INC-000000000000000d", 5, &v, &n), TOCSIN_OK);
    CHECK_INT(n, 0);
    ts_links_free(v, n);
    /* the earliest has nothing before it; an unknown incident neither */
    CHECK_INT(ts_store_similar_before(s, "INC-000000000000000a", 5, &v, &n), TOCSIN_OK);
    CHECK_INT(n, 0);
    ts_links_free(v, n);
    CHECK_INT(ts_store_similar_before(s, "INC-ffffffffffffffff", 5, &v, &n), TOCSIN_OK);
    CHECK_INT(n, 0);
    ts_links_free(v, n);

    /* show says it in the seen-before lines */
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    CHECK_INT(ts_report_show(s, "INC-000000000000000e", out, 0), TOCSIN_OK);
    fclose(out);
    CHECK(text &&
          strstr(text, "seen before INC-000000000000000a, 2014-11-24T08:12:00Z, close profile: ") != NULL);
    CHECK(text && strstr(text, "in common (similarity 0.") != NULL);
    free(text);
    ts_store_close(s);
    unlink(path);
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    rmdir(dir);
    return check_done("test_profile_match");
}
