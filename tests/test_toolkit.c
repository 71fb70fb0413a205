/* test_toolkit.c: the core toolkit: the hash, the capped growable array, the
 * locale-independent number parser (also under a comma-decimal locale), and tunables as
 * tables (data/detect.conf held against every detector's table). */
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "api/tunables.h"
#include "check.h"
#include "core/config.h"
#include "core/hash.h"
#include "core/str.h"
#include "core/vec.h"

static void test_hash(void)
{
    /* published FNV-1a 64 test vectors */
    CHECK(ts_hash(TS_HASH_SEED, NULL, 0) == 0xcbf29ce484222325ULL);
    CHECK(ts_hash(TS_HASH_SEED, "a", 1) == 0xaf63dc4c8601ec8cULL);
    CHECK(ts_hash(TS_HASH_SEED, "foobar", 6) == 0x85944171f73967e8ULL);
    /* continuing a hash is hashing the concatenation */
    CHECK(ts_hash(ts_hash(TS_HASH_SEED, "foo", 3), "bar", 3) == 0x85944171f73967e8ULL);
    /* strings carry their NUL, so field boundaries count */
    uint64_t ab_c = ts_hash_str(ts_hash_str(TS_HASH_SEED, "ab"), "c");
    uint64_t a_bc = ts_hash_str(ts_hash_str(TS_HASH_SEED, "a"), "bc");
    CHECK(ab_c == 0xad22872f536e4705ULL);
    CHECK(a_bc == 0x401801fc84f3ca79ULL);
    CHECK(ts_hash_str(TS_HASH_SEED, NULL) == ts_hash_str(TS_HASH_SEED, ""));
    CHECK(ts_hash_str(TS_HASH_SEED, "") != TS_HASH_SEED);
    /* folding: case-blind, and the same as hashing the lower-case bytes */
    CHECK(ts_hash_fold(TS_HASH_SEED, "FooBAR", 6) == 0x85944171f73967e8ULL);
    CHECK(ts_hash_fold(TS_HASH_SEED, "[@Z]", 4) == ts_hash(TS_HASH_SEED, "[@z]", 4));
    CHECK(ts_hash(TS_HASH_SEED, "FooBAR", 6) != 0x85944171f73967e8ULL);
}

static void test_vec(void)
{
    int *v = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < 1000; i++) {
        if (!ts_vec_grow(v, cap, n + 1, TS_VEC_NOCAP))
            break;
        v[n++] = i;
    }
    CHECK_INT(n, 1000);
    CHECK(cap >= 1000 && cap < 2000);
    CHECK_INT(v[999], 999);
    CHECK_INT(v[0], 0);
    /* room already there: nothing moves */
    int *before = v;
    CHECK(ts_vec_grow(v, cap, 10, TS_VEC_NOCAP));
    CHECK(v == before);
    free(v);

    /* the cap: growth stops at max elements, the array stays as it was */
    v = NULL, n = cap = 0;
    size_t pushed = 0;
    for (int i = 0; i < 100; i++) {
        if (!ts_vec_grow(v, cap, n + 1, 20))
            break;
        v[n++] = i, pushed++;
    }
    CHECK_INT(pushed, 20);
    CHECK_INT(cap, 20);
    CHECK_INT(v[19], 19);
    CHECK(!ts_vec_grow(v, cap, 21, 20));
    CHECK_INT(cap, 20);
    free(v);

    /* a size that overflows is refused, nothing allocated */
    double *d = NULL;
    size_t dcap = 0;
    CHECK(!ts_vec_grow(d, dcap, SIZE_MAX / 4, TS_VEC_NOCAP));
    CHECK(d == NULL && dcap == 0);
    /* a large first request is met at once */
    CHECK(ts_vec_grow(d, dcap, 100, TS_VEC_NOCAP));
    CHECK(dcap >= 100);
    free(d);
}

static bool num(const char *s, double *v)
{
    return ts_parse_double(ts_str_c(s), v);
}

static void test_numbers(const char *when)
{
    double v = -1;
    static const struct {
        const char *s;
        double want;
    } good[] = {{"0", 0},         {"12", 12},    {"-12", -12},       {"+3.5", 3.5}, {"3.5", 3.5},
                {".5", 0.5},      {"5.", 5},     {"2.5e-3", 0.0025}, {"1E6", 1e6},  {"500e6", 500e6},
                {"-0.75", -0.75}, {"1e-400", 0}, {"0.1", 0.1}};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        v = -1;
        if (!num(good[i].s, &v) || v != good[i].want) {
            check_failed++;
            fprintf(stderr, "%s: \"%s\" read as %g, want %g\n", when, good[i].s, v, good[i].want);
        } else {
            check_passed++;
        }
    }
    static const char *const bad[] = {"",     ".",   "-",   "e5",    "1e",  "1e+",   "2,5", " 1", "1 ",
                                      "0x10", "inf", "nan", "1.2.3", "--1", "1e999", "1k",  "+"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (num(bad[i], &v)) {
            check_failed++;
            fprintf(stderr, "%s: \"%s\" was read as a number (%g)\n", when, bad[i], v);
        } else {
            check_passed++;
        }
    }
    /* a view: the bytes after it do not count */
    CHECK(ts_parse_double(ts_str_make("7.25xyz", 4), &v) && v == 7.25);
    CHECK(!ts_parse_double(ts_str_make("7.25xyz", 5), &v));
    char longer[200];
    memset(longer, '1', sizeof longer);
    CHECK(!ts_parse_double(ts_str_make(longer, sizeof longer), &v));
}

/* Under a locale whose decimal mark is a comma: de_DE.UTF-8 when the system has it, else
 * a locale holding only that numeric convention, built with localedef into a temporary
 * directory. strtod is checked to misread "2.5" there, so the test is known to bite. */
static void test_comma_locale(void)
{
    char dir[] = "/tmp/tocsin-locale-XXXXXX";
    bool made = false;
    if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") && mkdtemp(dir)) {
        made = true;
        char src[64], cmd[256];
        snprintf(src, sizeof src, "%s/comma.src", dir);
        FILE *f = fopen(src, "w");
        if (f) {
            fputs("LC_NUMERIC\ndecimal_point \",\"\nthousands_sep \".\"\ngrouping 3;3\nEND LC_NUMERIC\n", f);
            fclose(f);
            snprintf(cmd, sizeof cmd, "localedef -c -i %s -f ANSI_X3.4-1968 %s/comma >/dev/null 2>&1", src,
                     dir);
            if (system(cmd) != -1) {
                setenv("LOCPATH", dir, 1);
                setlocale(LC_NUMERIC, "comma");
            }
        }
    }
    if (strtod("2.5", NULL) != 2.0) {
        printf("SKIP comma-decimal locale: neither de_DE.UTF-8 nor localedef is available\n");
        check_skipped++;
    } else {
        test_numbers("comma locale");
        double v = 0;
        CHECK(num("2.5", &v) && v == 2.5);
    }
    setlocale(LC_NUMERIC, "C");
    unsetenv("LOCPATH");
    if (made) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        CHECK(system(cmd) == 0);
    }
}

/* ---- tunables ----------------------------------------------------------------------------- */

typedef struct diag_log {
    size_t n;
    bool codes_ok; /* every problem a TOCSIN_E_PARSE with no record */
    char text[2048];
} diag_log;

static void log_diag(void *ud, const ts_diag *g)
{
    diag_log *d = ud;
    const char *base = strrchr(g->file, '/');
    size_t o = strlen(d->text);
    snprintf(d->text + o, sizeof d->text - o, "%s:%llu: %s\n", base ? base + 1 : g->file,
             (unsigned long long)g->line, g->msg);
    d->n++;
    d->codes_ok &= g->code == TOCSIN_E_PARSE && g->record == 0;
}

static ts_config *config_of(const char *text, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "/tmp/tocsin-toolkit-%d-%s", (int)getpid(), name);
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fputs(text, f);
    fclose(f);
    ts_config *c = NULL;
    ts_config_load(path, &c, NULL, NULL);
    unlink(path);
    return c;
}

typedef struct demo {
    double count, secs, share;
    const char *list;
} demo;

static const ts_tunable demo_table[] = {
    TS_TUNE(demo, count, TS_TUNE_COUNT, 10, 2, 100),
    TS_TUNE(demo, secs, TS_TUNE_SECONDS, 3600, 60, 7 * 86400.0),
    TS_TUNE(demo, share, TS_TUNE_NUM, 0.5, 0, 1),
    TS_TUNE_STR(demo, list, "a, b"),
    {0},
};

static void test_tune_table(void)
{
    demo d;
    CHECK(ts_tune_read(NULL, "demo", demo_table, &d));
    CHECK(d.count == 10 && d.secs == 3600 && d.share == 0.5);
    CHECK_STR(d.list, "a, b");

    ts_config *c = config_of("[demo]\ncount = 7\nsecs = 2h\nshare = .25\nlist = x\n", "good.conf");
    CHECK(c != NULL);
    CHECK(ts_tune_read(c, "demo", demo_table, &d));
    CHECK(d.count == 7 && d.secs == 7200 && d.share == 0.25);
    CHECK_STR(d.list, "x");
    ts_tune_section one = {"demo", demo_table};
    diag_log log = {0};
    CHECK_INT(ts_config_check(c, &one, 1, log_diag, &log), 0);
    ts_config_free(c);

    /* each problem named with its line and key; the value keeps its default */
    c = config_of(
        "# comment\n[demo]\ncuont = 7\ncount = 1\nsecs = 3y\nshare = 1,5\ncount = 5m\n[other]\nx = 1\n",
        "bad.conf");
    CHECK(c != NULL);
    memset(&log, 0, sizeof log);
    log.codes_ok = true;
    CHECK_INT(ts_config_check(c, &one, 1, log_diag, &log), 6);
    CHECK(log.codes_ok);
    CHECK(strstr(log.text, ":3: [demo] has no tunable 'cuont'") != NULL);
    CHECK(strstr(log.text, ":4: [demo] count = '1' is out of bounds (from 2 to 100)") != NULL);
    CHECK(strstr(log.text, ":5: [demo] secs = '3y' is not a duration") != NULL);
    CHECK(strstr(log.text, "(from 1m to 7d)") != NULL);
    CHECK(strstr(log.text, ":6: [demo] share = '1,5' is not a number") != NULL);
    CHECK(strstr(log.text, ":7: [demo] count = '5m' is not a number") != NULL); /* a unit on a count */
    CHECK(strstr(log.text, ":9: [other] is no detector's or stage's section") != NULL);
    if (check_failed)
        fprintf(stderr, "%s", log.text);
    CHECK(!ts_tune_read(c, "demo", demo_table, &d));
    CHECK(d.count == 10 && d.secs == 3600 && d.share == 0.5);
    ts_config_free(c);

    /* a count beyond any integer type is out of bounds, not undefined (found by fuzz_config) */
    c = config_of("[demo]\ncount = 1e300\ncount = -1e300\n", "huge.conf");
    memset(&log, 0, sizeof log);
    CHECK_INT(ts_config_check(c, &one, 1, log_diag, &log), 2);
    CHECK(strstr(log.text, ":2: [demo] count = '1e300' is out of bounds") != NULL);
    ts_config_free(c);
}

/* The shipped data/detect.conf against every table: each line passes the check, every
 * table's default lies within its bounds, and each key is in the file (set, or shown in a
 * comment as "# key = ..."), so the file documents every tunable. */
static void test_detect_conf(void)
{
    ts_tune_section sec[64];
    size_t n = ts_tune_sections(sec, 64);
    CHECK(n >= 16 && n <= 64); /* the detectors with tunables, correlate and routine */
    for (size_t i = 0; i < n && i < 64; i++)
        for (const ts_tunable *t = sec[i].keys; t->key; t++)
            if (t->type != TS_TUNE_TEXT && !(t->def >= t->min && t->def <= t->max)) {
                check_failed++;
                fprintf(stderr, "[%s] %s: default %g outside %g..%g\n", sec[i].name, t->key, t->def, t->min,
                        t->max);
            }

    char path[512];
    snprintf(path, sizeof path, "%s/detect.conf", TOCSIN_DATA_DIR);
    ts_config *c = NULL;
    diag_log log = {0};
    CHECK_INT(ts_config_load(path, &c, log_diag, &log), TOCSIN_OK);
    CHECK_INT(ts_config_check(c, sec, n, log_diag, &log), 0);
    CHECK_INT(log.n, 0);
    if (log.n)
        fprintf(stderr, "%s", log.text);
    ts_config_free(c);

    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    char line[4096], section[64] = "";
    char seen[512][96];
    size_t n_seen = 0;
    while (f && fgets(line, sizeof line, f)) {
        char *p = line;
        if (*p == '[') {
            snprintf(section, sizeof section, "%.*s", (int)strcspn(p + 1, "]"), p + 1);
            continue;
        }
        while (*p == '#' || *p == ' ')
            p++;
        size_t k = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
        size_t sp = strspn(p + k, " ");
        if (k && p[k + sp] == '=' && n_seen < 512)
            snprintf(seen[n_seen++], sizeof seen[0], "%s %.*s", section, (int)k, p);
    }
    if (f)
        fclose(f);
    for (size_t i = 0; i < n && i < 64; i++)
        for (const ts_tunable *t = sec[i].keys; t->key; t++) {
            char want[96];
            snprintf(want, sizeof want, "%s %s", sec[i].name, t->key);
            size_t j = 0;
            while (j < n_seen && strcmp(seen[j], want) != 0)
                j++;
            if (j == n_seen) {
                check_failed++;
                fprintf(stderr, "data/detect.conf: [%s] does not mention %s\n", sec[i].name, t->key);
            } else {
                check_passed++;
            }
        }
}

static void test_fmt_pct(void)
{
    char b[16];
    CHECK_STR(ts_fmt_pct(0.873, 0, b, sizeof b), "87%");
    CHECK_STR(ts_fmt_pct(0.9996, 0, b, sizeof b), ">99%");
    CHECK_STR(ts_fmt_pct(1, 0, b, sizeof b), ">99%"); /* never "100%" beside "almost certainly" */
    CHECK_STR(ts_fmt_pct(0, 0, b, sizeof b), "<1%");
    CHECK_STR(ts_fmt_pct(0.0049, 0, b, sizeof b), "<1%");
    CHECK_STR(ts_fmt_pct(0.9996, 1, b, sizeof b), ">99.9%");
    CHECK_STR(ts_fmt_pct(0.9994, 1, b, sizeof b), "99.9%");
    CHECK_STR(ts_fmt_pct(0.0004, 1, b, sizeof b), "<0.1%");
    CHECK_STR(ts_fmt_pct(0.035, 1, b, sizeof b), "3.5%");
}

int main(void)
{
    test_fmt_pct();
    test_hash();
    test_vec();
    test_numbers("C locale");
    test_comma_locale();
    test_tune_table();
    test_detect_conf();
    return check_done("toolkit");
}
