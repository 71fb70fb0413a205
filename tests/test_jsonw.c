/* test_jsonw.c: the JSON writer escapes every string, stays valid JSON and ignores the locale. */
#include <jansson.h>
#include <locale.h>
#include <math.h>

#include "check.h"
#include "core/jsonw.h"

/* Runs fill on a fresh writer and returns the line written (malloc'ed). */
static char *write_line(void (*fill)(ts_jw *w))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ts_jw w;
    ts_jw_begin(&w, f);
    fill(&w);
    ts_jw_end(&w);
    fclose(f);
    return buf;
}

static json_t *parse(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &e);
    if (!j)
        fprintf(stderr, "not JSON (%s): %s\n", e.text, s);
    return j;
}

static void fill_scalars(ts_jw *w)
{
    ts_jw_kstr(w, "s", "plain");
    ts_jw_kint(w, "neg", INT64_MIN);
    ts_jw_kuint(w, "big", UINT64_MAX);
    ts_jw_kdouble(w, "p", 0.1);
    ts_jw_kdouble(w, "nan", NAN);
    ts_jw_kdouble(w, "inf", -INFINITY);
    ts_jw_kbool(w, "t", true);
    ts_jw_kbool(w, "f", false);
    ts_jw_key(w, "n");
    ts_jw_null(w);
    ts_jw_kstr(w, "nullstr", NULL);
}

static void test_scalars(void)
{
    char *s = write_line(fill_scalars);
    CHECK_STR(s, "{\"s\":\"plain\",\"neg\":-9223372036854775808,\"big\":18446744073709551615,"
                 "\"p\":0.1,\"nan\":null,\"inf\":null,\"t\":true,\"f\":false,\"n\":null,"
                 "\"nullstr\":null}\n");
    json_t *j = parse(s);
    CHECK(j != NULL);
    CHECK(json_is_null(json_object_get(j, "nan")));
    json_decref(j);
    free(s);
}

static void fill_nasty(ts_jw *w)
{
    ts_jw_kstr(w, "quote", "say \"hi\" \\ there");
    ts_jw_kstr(w, "ctl", "a\nb\tc\x01\x1b[31mred\x7f");
    ts_jw_kstr(w, "bad",
               "x\xff"
               "y\xc3"
               "z\xed\xa0\x80w"); /* stray byte, cut sequence, surrogate */
    ts_jw_kstr(w, "ok", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    ts_jw_kstr(w, "c1",
               "\xc2\x9b"
               "2J");
    ts_jw_key(w, "bytes");
    ts_jw_strn(w, "a\0b", 3);
    ts_jw_kstr(w, "key\"with\nquote", "v");
}

static void test_escaping(void)
{
    char *s = write_line(fill_nasty);
    CHECK(strstr(s, "\"say \\\"hi\\\" \\\\ there\"") != NULL);
    CHECK(strstr(s, "\"a\\u000ab\\u0009c\\u0001\\u001b[31mred\\u007f\"") != NULL);
    CHECK(strstr(s, "\"x\xef\xbf\xbdy\xef\xbf\xbdz\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdw\"") != NULL);
    CHECK(strstr(s, "\\u009b2J") != NULL);
    CHECK(strchr(s, 0x1b) == NULL); /* no raw escape byte anywhere */
    json_t *j = parse(s);
    CHECK(j != NULL);
    if (j) {
        CHECK_STR(json_string_value(json_object_get(j, "quote")), "say \"hi\" \\ there");
        CHECK_STR(json_string_value(json_object_get(j, "ctl")), "a\nb\tc\x01\x1b[31mred\x7f");
        CHECK_STR(json_string_value(json_object_get(j, "ok")), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
        CHECK_STR(json_string_value(json_object_get(j, "key\"with\nquote")), "v");
        json_t *b = json_object_get(j, "bytes");
        CHECK_INT(json_string_length(b), 3); /* the NUL survives as \u0000 */
    }
    json_decref(j);
    free(s);
}

static void fill_nested(ts_jw *w)
{
    ts_jw_kstr(w, "type", "incident");
    ts_jw_key(w, "alerts");
    ts_jw_arr(w);
    for (int i = 0; i < 3; i++) {
        ts_jw_obj(w);
        ts_jw_kint(w, "i", i);
        ts_jw_key(w, "tags");
        ts_jw_arr(w);
        ts_jw_str(w, "a");
        ts_jw_int(w, i);
        ts_jw_arr(w);
        ts_jw_arr_end(w);
        ts_jw_arr_end(w);
        ts_jw_obj_end(w);
    }
    ts_jw_arr_end(w);
    ts_jw_key(w, "empty");
    ts_jw_obj(w);
    ts_jw_obj_end(w);
    /* left open on purpose: ts_jw_end closes them in the right order */
    ts_jw_key(w, "open");
    ts_jw_arr(w);
    ts_jw_obj(w);
    ts_jw_kint(w, "x", 1);
}

static void test_nested(void)
{
    char *s = write_line(fill_nested);
    CHECK_STR(s, "{\"type\":\"incident\",\"alerts\":[{\"i\":0,\"tags\":[\"a\",0,[]]},"
                 "{\"i\":1,\"tags\":[\"a\",1,[]]},{\"i\":2,\"tags\":[\"a\",2,[]]}],"
                 "\"empty\":{},\"open\":[{\"x\":1}]}\n");
    json_t *j = parse(s);
    CHECK(j != NULL);
    CHECK_INT(json_array_size(json_object_get(j, "alerts")), 3);
    json_decref(j);
    free(s);
}

static void fill_deep(ts_jw *w)
{
    ts_jw_key(w, "deep");
    for (int i = 0; i < 40; i++) {
        ts_jw_arr(w);
        ts_jw_int(w, i);
    }
    for (int i = 0; i < 40; i++)
        ts_jw_arr_end(w);
    ts_jw_kstr(w, "after", "still here");
}

static void test_too_deep(void)
{
    char *s = write_line(fill_deep);
    json_t *j = parse(s);
    CHECK(j != NULL); /* past TS_JW_DEPTH the writer drops content, never validity */
    if (j)
        CHECK_STR(json_string_value(json_object_get(j, "after")), "still here");
    CHECK(strstr(s, "null") != NULL);
    json_decref(j);
    free(s);
}

static void fill_doubles(ts_jw *w)
{
    ts_jw_key(w, "d");
    ts_jw_arr(w);
    ts_jw_double(w, 0.87);
    ts_jw_double(w, -2.5);
    ts_jw_double(w, 3);
    ts_jw_double(w, 1e300);
    ts_jw_double(w, 1.0 / 3.0);
    ts_jw_arr_end(w);
}

static void test_doubles_any_locale(void)
{
    /* A locale with a decimal comma, if the machine has one: numbers must not change. */
    const char *locs[] = {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE", NULL};
    const char *got = NULL;
    for (int i = 0; locs[i] && !got; i++)
        got = setlocale(LC_ALL, locs[i]);
    if (!got) {
        printf("note: no decimal-comma locale installed (make one with localedef -i de_DE -f UTF-8 "
               "DIR/de_DE.UTF-8 and run with LOCPATH=DIR); checked under C only\n");
    } else {
        char probe[8];
        snprintf(probe, sizeof probe, "%.1f", 1.5);
        CHECK_STR(probe, "1,5"); /* the locale really does use a comma */
    }
    char *s = write_line(fill_doubles);
    setlocale(LC_ALL, "C");
    CHECK_STR(s, "{\"d\":[0.87,-2.5,3,1e+300,0.3333333333333333]}\n");
    json_t *j = parse(s);
    CHECK(j != NULL);
    if (j)
        CHECK(json_real_value(json_array_get(json_object_get(j, "d"), 4)) == 1.0 / 3.0);
    json_decref(j);
    free(s);
}

int main(void)
{
    test_scalars();
    test_escaping();
    test_nested();
    test_too_deep();
    test_doubles_any_locale();
    return check_done("test_jsonw");
}
