/* test_intel_view.c: intel stats and intel lookup say what is loaded and what a value
 * matches, escape what feeds and users wrote, and print one JSON object with --json. */
#include <jansson.h>

#include "check.h"
#include "report/report.h"

static ts_intel *ti;

static void build(void)
{
    ti = ts_intel_new();
    uint32_t laz = ts_intel_actor_add(ti, "Lazarus Group", "G0032", "KP");
    ts_intel_actor_alias(ti, laz, "Guardians of Peace");
    ts_intel_actor_alias(ti, laz, "HIDDEN \x1b[31mCOBRA");
    uint32_t evil = ts_intel_actor_add(ti, "Evil \x1b]0;pwned\x07 Actor", NULL, NULL);
    uint32_t set = ts_intel_actorset(ti, &laz, 1);
    uint32_t set2 = ts_intel_actorset(ti, &evil, 1);
    ts_ioc_meta m = {.source = ts_intel_source(ti, "sony-2014"),
                     .actors = set,
                     .confidence = 80,
                     .note = ts_intel_string(ti, "Destover command server")};
    ts_ip ip;
    uint8_t prefix;
    ts_cidr_parse(ts_str_c("203.131.222.0/24"), &ip, &prefix);
    CHECK_INT(ts_intel_add_ip(ti, &ip, prefix, &m), TOCSIN_OK);
    CHECK_INT(ts_intel_add(ti, TS_IOC_DOMAIN, ts_str_c("c2.example.com"), &m), TOCSIN_OK);
    ts_ioc_meta bad = {.source = ts_intel_source(ti, "feed \x1b[2J"), .actors = set2, .confidence = 40};
    CHECK_INT(ts_intel_add(ti, TS_IOC_DOMAIN, ts_str_c("bad.example.org"), &bad), TOCSIN_OK);
    ts_ioc_meta allow = {.source = ts_intel_source(ti, "warninglist"),
                         .flags = TS_IOC_ALLOW,
                         .note = ts_intel_string(ti, "public resolver")};
    ts_ip_parse(ts_str_c("8.8.8.8"), &ip);
    CHECK_INT(ts_intel_add_ip(ti, &ip, 32, &allow), TOCSIN_OK);
    ts_intel_finalise(ti);
}

static char *run_lookup(const char *value, int json, tocsin_code *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    *rc = ts_report_lookup(ti, NULL, value, f, json);
    fclose(f);
    return buf;
}

static int has(const char *hay, const char *needle)
{
    int ok = hay && strstr(hay, needle);
    if (!ok)
        fprintf(stderr, "missing \"%s\" in:\n%s\n", needle, hay ? hay : "(null)");
    return ok;
}

static void test_lookup_text(void)
{
    tocsin_code rc;
    char *t = run_lookup("203.131.222.102", 0, &rc);
    CHECK_INT(rc, TOCSIN_OK);
    CHECK(has(t, "203.131.222.102 (ip)\n"));
    CHECK(has(t, "indicator ip 203.131.222.0/24 from sony-2014, confidence 80\n      actors: Lazarus Group\n"
                 "      Destover command server\n"));
    free(t);

    t = run_lookup("www.c2.example.com", 0, &rc); /* a subdomain of an indicator */
    CHECK_INT(rc, TOCSIN_OK);
    CHECK(has(t, "indicator domain c2.example.com from sony-2014"));
    free(t);

    t = run_lookup("guardians of peace", 0, &rc); /* an alias, case ignored */
    CHECK_INT(rc, TOCSIN_OK);
    CHECK(has(t, "actor Lazarus Group (G0032), suspected home KP"));
    CHECK(has(t, "also known as Guardians of Peace, HIDDEN \\x1b[31mCOBRA"));
    free(t);

    t = run_lookup("bad.example.org", 0, &rc); /* a hostile feed's names are escaped */
    CHECK_INT(rc, TOCSIN_OK);
    CHECK(has(t, "from feed \\x1b[2J, confidence 40"));
    CHECK(has(t, "actors: Evil \\x1b]0;pwned\\x07 Actor"));
    CHECK(t && !strchr(t, 0x1b) && !strchr(t, 0x07));
    free(t);

    t = run_lookup("8.8.8.8", 0, &rc);
    CHECK_INT(rc, TOCSIN_OK);
    CHECK(has(t, "allowed ip 8.8.8.8/32 from warninglist"));
    CHECK(has(t, "public resolver"));
    free(t);

    t = run_lookup("\x1b[31mnothing\x1b[0m", 0, &rc);
    CHECK_INT(rc, TOCSIN_E_NOTFOUND);
    CHECK(has(t, "\\x1b[31mnothing\\x1b[0m (name)\n  nothing known\n"));
    CHECK(t && !strchr(t, 0x1b));
    free(t);

    t = run_lookup("198.51.100.7", 0, &rc); /* an address nothing knows, no enricher */
    CHECK_INT(rc, TOCSIN_E_NOTFOUND);
    free(t);
    CHECK_INT(ts_report_lookup(ti, NULL, NULL, stdout, 0), TOCSIN_E_ARG);
}

static void test_lookup_json(void)
{
    tocsin_code rc;
    char *t = run_lookup("bad.example.org", 1, &rc);
    json_error_t e;
    json_t *j = json_loads(t, 0, &e);
    CHECK(j != NULL);
    CHECK(t && strchr(t, '\n') == t + strlen(t) - 1); /* one line */
    if (j) {
        CHECK_STR(json_string_value(json_object_get(j, "type")), "lookup");
        CHECK_STR(json_string_value(json_object_get(j, "looks_like")), "domain");
        json_t *hit = json_array_get(json_object_get(j, "indicators"), 0);
        CHECK_STR(json_string_value(json_object_get(hit, "source")), "feed \x1b[2J");
        CHECK_STR(json_string_value(json_array_get(json_object_get(hit, "actors"), 0)),
                  "Evil \x1b]0;pwned\x07 Actor");
        CHECK_INT(json_integer_value(json_object_get(hit, "confidence")), 40);
    }
    CHECK(t && !strchr(t, 0x1b));
    json_decref(j);
    free(t);

    t = run_lookup("G0032", 1, &rc);
    j = json_loads(t, 0, &e);
    CHECK(j != NULL);
    if (j)
        CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(j, "actors"), 0), "name")),
                  "Lazarus Group");
    json_decref(j);
    free(t);
}

static void test_stats(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ts_report_intel_stats(ti, f, 0);
    fclose(f);
    CHECK(has(buf, "indicators   4 (ip 2, domain 2)\n"));
    CHECK(has(buf, "actors       2\n"));
    CHECK(has(buf, "feed \\x1b[2J"));
    CHECK(buf && !strchr(buf, 0x1b));
    free(buf);

    f = open_memstream(&buf, &len);
    ts_report_intel_stats(ti, f, 1);
    fclose(f);
    json_error_t e;
    json_t *j = json_loads(buf, 0, &e);
    CHECK(j != NULL);
    if (j) {
        CHECK_STR(json_string_value(json_object_get(j, "type")), "intel_stats");
        CHECK_INT(json_integer_value(json_object_get(json_object_get(j, "by_type"), "domain")), 2);
        CHECK_INT(json_integer_value(json_object_get(j, "actors")), 2);
        CHECK(json_array_size(json_object_get(j, "sources")) >= 3);
    }
    json_decref(j);
    free(buf);
}

int main(void)
{
    build();
    test_lookup_text();
    test_lookup_json();
    test_stats();
    ts_intel_free(ti);
    return check_done("test_intel_view");
}
