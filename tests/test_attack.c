/* test_attack.c: ATT&CK ids across versions (core/attack.h) with the shipped moves table. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/attack.h"

static void test_current(const ts_attack_map *m)
{
    char out[16];
    CHECK_INT(ts_attack_current(m, ts_str_c("T1562.002"), out, sizeof out), 9);
    CHECK(!strcmp(out, "T1685.001"));
    CHECK(ts_attack_current(m, ts_str_c(" attack.t1070.001 "), out, sizeof out) && !strcmp(out, "T1685.005"));
    CHECK(ts_attack_current(m, ts_str_c("T1562.001"), out, sizeof out) == 5 && !strcmp(out, "T1685"));
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

static void test_bad_table(void)
{
    char path[] = "/tmp/tocsin-moves-XXXXXX", err[256] = "";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs("# a comment\nT1070.001\tT1685.005\twhy\nnot an id\tT1\n", f);
    fclose(f);
    ts_attack_map *m;
    CHECK(ts_attack_map_load(path, &m, err, sizeof err) == TOCSIN_E_PARSE);
    CHECK(strstr(err, ":3:") != NULL);
    char out[16];
    CHECK(ts_attack_current(m, ts_str_c("T1070.001"), out, sizeof out) && !strcmp(out, "T1685.005"));
    ts_attack_map_free(m);
    unlink(path);
    CHECK(ts_attack_map_load("/nonexistent/moves.tsv", &m, err, sizeof err) == TOCSIN_E_IO && m);
    CHECK(ts_attack_current(m, ts_str_c("T1070.001"), out, sizeof out) && !strcmp(out, "T1070.001"));
    ts_attack_map_free(m);
}

int main(void)
{
    ts_attack_map *m;
    char err[256];
    CHECK(ts_attack_map_load(TOCSIN_DATA_DIR "/attack/technique_moves.tsv", &m, err, sizeof err) == TOCSIN_OK);
    test_current(m);
    test_related(m);
    ts_attack_map_free(m);
    test_bad_table();
    return check_done("test_attack");
}
