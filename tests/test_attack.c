/* test_attack.c: ATT&CK ids across versions (core/attack.h) with the shipped moves table. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "check_diag.h"
#include "core/attack.h"
#include "intel/intel.h"
#include "sigma/sigma.h"

static void test_current(const ts_attack_map *m)
{
    char out[16];
    CHECK_INT(ts_attack_current(m, ts_str_c("T1562.002"), out, sizeof out), 9);
    CHECK(!strcmp(out, "T1685.001"));
    CHECK(ts_attack_current(m, ts_str_c(" attack.t1070.001 "), out, sizeof out) && !strcmp(out, "T1685.005"));
    CHECK(ts_attack_current(m, ts_str_c("T1562.001"), out, sizeof out) == 5 && !strcmp(out, "T1685"));
    /* DLL Side-Loading, revoked in v17 (the sideload detector's id): now T1574.001 DLL, which
       the groups' profiles list */
    CHECK(ts_attack_current(m, ts_str_c("T1574.002"), out, sizeof out) && !strcmp(out, "T1574.001"));
    /* Ids that never moved stay, upper-cased; what is not an id gives 0. */
    CHECK(ts_attack_current(m, ts_str_c("t1003.001"), out, sizeof out) && !strcmp(out, "T1003.001"));
    CHECK_INT(ts_attack_current(m, ts_str_c("T1003.01"), out, sizeof out), 0);
    CHECK_INT(ts_attack_current(m, ts_str_c("TA0005"), out, sizeof out), 0);
    CHECK_INT(ts_attack_current(m, ts_str_c("T10x3"), out, sizeof out), 0);
    CHECK_INT(ts_attack_current(m, ts_str_c("T1562.002"), out, 5), 0); /* does not fit */
    CHECK(ts_attack_current(NULL, ts_str_c("T1562.002"), out, sizeof out) && !strcmp(out, "T1562.002"));
}

static void test_related(const ts_attack_map *m)
{
    /* The old id in the data, the new one in a rule. */
    CHECK(ts_attack_related(m, ts_str_c("T1562.002"), ts_str_c("T1685.001")));
    CHECK(ts_attack_related(m, ts_str_c("T1685.001"), ts_str_c("T1562.002")));
    /* Parent and sub-technique, both ways; siblings are not related. */
    CHECK(ts_attack_related(m, ts_str_c("T1055"), ts_str_c("T1055.002")));
    CHECK(ts_attack_related(m, ts_str_c("T1055.001"), ts_str_c("T1055")));
    CHECK(!ts_attack_related(m, ts_str_c("T1055.001"), ts_str_c("T1055.002")));
    CHECK(!ts_attack_related(m, ts_str_c("T1055"), ts_str_c("T1056")));
    /* T1562.002 moved out of T1562: it is no longer T1562's sub-technique. */
    CHECK(!ts_attack_related(m, ts_str_c("T1562.002"), ts_str_c("T1562")));
    CHECK(!ts_attack_related(NULL, ts_str_c("T1562.002"), ts_str_c("T1685.001")));
    CHECK(ts_attack_list_related(m, "T1059.001, T1685.005", ts_str_c("T1070.001")));
    CHECK(ts_attack_list_related(m, "T1059.001,T1685", ts_str_c("T1070.001"))); /* its new parent */
    CHECK(!ts_attack_list_related(m, "T1059.001,T1686", ts_str_c("T1070.001")));
    CHECK(!ts_attack_list_related(m, NULL, ts_str_c("T1070.001")));
}

static char techniques_seen[256];
static void on_hit(void *ud, const ts_sigma_rule_info *r, const ts_event *ev)
{
    (void)ud, (void)ev;
    snprintf(techniques_seen, sizeof techniques_seen, "%s", r->techniques);
}

static void test_bad_table(void)
{
    char path[] = "/tmp/tocsin-moves-XXXXXX";
    check_diags dg = {0};
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs("# a comment\nT1070.001\tT1685.005\twhy\nnot an id\tT1\n", f);
    fclose(f);
    ts_attack_map *m;
    CHECK(ts_attack_map_load(path, &m, check_diag_keep, &dg) == TOCSIN_E_PARSE);
    CHECK_INT(dg.line, 3);
    CHECK_STR(dg.file, path);
    char out[16];
    CHECK(ts_attack_current(m, ts_str_c("T1070.001"), out, sizeof out) && !strcmp(out, "T1685.005"));
    ts_attack_map_free(m);
    unlink(path);
    CHECK(ts_attack_map_load("/nonexistent/moves.tsv", &m, check_diag_keep, &dg) == TOCSIN_E_IO && m);
    CHECK_INT(dg.code, TOCSIN_E_IO);
    CHECK(ts_attack_current(m, ts_str_c("T1070.001"), out, sizeof out) && !strcmp(out, "T1070.001"));
    ts_attack_map_free(m);
}

static void test_list(const ts_attack_map *m)
{
    char *l = ts_attack_current_list(m, "T1562.002,T1685.001, T1059.001,attack.t1070.001,T1003,T1003");
    CHECK(l && !strcmp(l, "T1685.001,T1059.001,T1685.005,T1003"));
    free(l);
    l = ts_attack_current_list(m, "T1562.001");
    CHECK(l && !strcmp(l, "T1685"));
    free(l);
    l = ts_attack_current_list(m, "");
    CHECK(l && !strcmp(l, ""));
    free(l);
    CHECK(ts_attack_current_list(m, NULL) == NULL);
}

/* Everything that names techniques uses the default table: intelligence written against
 * ATT&CK v18 and rules tagged by v19 meet on one technique. */
static void test_default_users(void)
{
    CHECK(ts_attack_default() != NULL);
    ts_intel *ti = ts_intel_new();
    uint32_t old = ts_intel_technique(ti, "T1562.002", "Disable Windows Event Logging", "defense-evasion");
    CHECK(old != 0);
    CHECK_INT(ts_intel_technique_find(ti, "T1685.001"), old);
    CHECK_INT(ts_intel_technique_find(ti, "T1562.002"), old);
    CHECK(!strcmp(ts_intel_technique_get(ti, old)->tid, "T1685.001"));
    CHECK_INT(ts_intel_technique_find(ti, "T1562"), 0);
    ts_intel_free(ti);

    static const char yaml[] =
        "title: t\nid: 11111111-2222-3333-4444-555555555555\nlevel: high\n"
        "tags:\n  - attack.defense-evasion\n  - attack.t1562.002\n  - attack.t1685.001\n"
        "  - attack.t1112\nlogsource:\n  product: windows\n  category: process_creation\n"
        "detection:\n  sel:\n    Image|endswith: '\\wevtutil.exe'\n  condition: sel\n";
    check_diags dg = {0};
    ts_sigma *s = ts_sigma_new(TOCSIN_DATA_DIR "/sigma/logsources.tsv", check_diag_keep, &dg);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK(ts_sigma_load_text(s, "t.yml", yaml, sizeof yaml - 1, NULL, NULL) == TOCSIN_OK);
    CHECK(ts_sigma_compile(s, check_diag_keep, &dg) == TOCSIN_OK);
    ts_field f[] = {{TS_STR_LIT("Image"), TS_STR_LIT("C:\\Windows\\System32\\wevtutil.exe")}};
    ts_event ev;
    ts_event_clear(&ev);
    ev.channel = ts_str_c("Microsoft-Windows-Sysmon/Operational");
    ev.dataset = ts_str_c("windows.sysmon");
    ev.code = 1;
    ev.has_code = true;
    ev.fields = f;
    ev.n_fields = 1;
    ts_sigma_scratch *sc = ts_sigma_scratch_new(s);
    techniques_seen[0] = 0;
    ts_sigma_match(s, sc, &ev, on_hit, NULL);
    CHECK(!strcmp(techniques_seen, "T1685.001,T1112"));
    ts_sigma_scratch_free(sc);
    ts_sigma_free(s);
}

int main(void)
{
    ts_attack_map *m;
    check_diags dg = {0};
    CHECK(ts_attack_map_load(TOCSIN_DATA_DIR "/attack/technique_moves.tsv", &m, check_diag_keep, &dg) ==
          TOCSIN_OK);
    test_current(m);
    test_related(m);
    test_list(m);
    ts_attack_map_free(m);
    test_default_users();
    test_bad_table();
    return check_done("test_attack");
}
