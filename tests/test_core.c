/* test_core.c: string views, number and time parsing, addresses, the arena. */
#include "check.h"
#include "core/arena.h"
#include "core/event.h"
#include "core/ip.h"
#include "core/str.h"

static void test_numbers(void)
{
    uint64_t u;
    int64_t i;
    CHECK(ts_parse_u64(TS_STR_LIT("18446744073709551615"), &u) && u == UINT64_MAX);
    CHECK(!ts_parse_u64(TS_STR_LIT("18446744073709551616"), &u));
    CHECK(!ts_parse_u64(TS_STR_LIT(""), &u));
    CHECK(!ts_parse_u64(TS_STR_LIT("12a"), &u));
    CHECK(ts_parse_u64(TS_STR_LIT("9999999999999999999"), &u) && u == 9999999999999999999ull); /* 19 digits */
    CHECK(ts_parse_u64(TS_STR_LIT("00000000000000000007"), &u) && u == 7);                     /* 20 digits */
    CHECK(!ts_parse_u64(TS_STR_LIT("99999999999999999999"), &u));
    CHECK(!ts_parse_u64(TS_STR_LIT("-1"), &u));
    CHECK(!ts_parse_u64(TS_STR_LIT("1 "), &u));
    CHECK(ts_parse_i64(TS_STR_LIT("-42"), &i) && i == -42);
    CHECK(!ts_parse_i64(TS_STR_LIT("-"), &i));
}

static void test_times(void)
{
    int64_t ns;
    char buf[40];
    CHECK(ts_parse_epoch_ns(TS_STR_LIT("1521061200.123456"), &ns) && ns == 1521061200123456000LL);
    CHECK(ts_parse_epoch_ns(TS_STR_LIT("1521061200"), &ns) && ns == 1521061200000000000LL);
    CHECK(!ts_parse_epoch_ns(TS_STR_LIT("15x"), &ns));
    CHECK(ts_parse_iso8601_ns(TS_STR_LIT("2014-11-24T08:12:00Z"), &ns) && ns == 1416816720000000000LL);
    CHECK(ts_parse_iso8601_ns(TS_STR_LIT("2014-11-24T09:12:00.5+01:00"), &ns) && ns == 1416816720500000000LL);
    CHECK(ts_parse_iso8601_ns(TS_STR_LIT("2018-03-14T21:03:54.093741-0500"), &ns) &&
          ns == 1521079434093741000LL);
    CHECK(ts_parse_iso8601_ns(TS_STR_LIT("2025-11-27 07:40:10.132"), &ns));
    CHECK(!ts_parse_iso8601_ns(TS_STR_LIT("2014-13-24T08:12:00Z"), &ns));
    CHECK(!ts_parse_iso8601_ns(TS_STR_LIT("2014-11-24T08:12:00Zjunk"), &ns));
    CHECK(!ts_parse_iso8601_ns(TS_STR_LIT("0001-01-01T00:00:00Z"), &ns));
    CHECK(!ts_parse_iso8601_ns(TS_STR_LIT("9999-12-31T23:59:59Z"), &ns));
    CHECK_STR(ts_format_time(1416816720500000000LL, buf, sizeof buf), "2014-11-24T08:12:00.5Z");
    CHECK_STR(ts_format_time(0, buf, sizeof buf), "1970-01-01T00:00:00Z");
}

static void test_utf8(void)
{
    CHECK(ts_utf8_valid("caf\xc3\xa9", 5));
    CHECK(!ts_utf8_valid("\xc3", 1));
    CHECK(!ts_utf8_valid("\xc0\xaf", 2)); /* overlong '/' */
    /* a cut never splits a character: "caf\xc3\xa9" cut at 4 keeps "caf" */
    CHECK_INT((int)ts_utf8_cut(ts_str_c("caf\xc3\xa9"), 4), 3);
    CHECK_INT((int)ts_utf8_cut(ts_str_c("caf\xc3\xa9"), 5), 5);
    CHECK_INT((int)ts_utf8_cut(ts_str_c("\xf0\x9f\x9a\xa8!"), 3), 0); /* inside a 4-byte emoji */
    CHECK_INT((int)ts_utf8_cut(ts_str_c("abc"), 120), 3);
    CHECK(!ts_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
    CHECK(!ts_utf8_valid("\xff", 1));
}

static void test_ip(void)
{
    ts_ip ip;
    uint8_t prefix;
    char buf[TS_IP_STRLEN];
    CHECK(ts_ip_parse(TS_STR_LIT("203.131.222.102"), &ip) && ip.v == 4 && ts_ip4_u32(&ip) == 0xCB83DE66u);
    CHECK(!ts_ip_parse(TS_STR_LIT("256.1.1.1"), &ip));
    CHECK(!ts_ip_parse(TS_STR_LIT("1.2.3"), &ip));
    CHECK(!ts_ip_parse(TS_STR_LIT("1.2.3.4.5"), &ip));
    CHECK(!ts_ip_parse(TS_STR_LIT("example.com"), &ip));
    CHECK(ts_ip_parse(TS_STR_LIT("2001:db8::1"), &ip) && ip.v == 6);
    CHECK_STR(ts_ip_format(&ip, buf), "2001:db8::1");
    CHECK(ts_ip_parse(TS_STR_LIT("[fe80::1%eth0]"), &ip) && ip.v == 6);
    CHECK(ts_ip_parse(TS_STR_LIT("::ffff:10.1.2.3"), &ip) && ip.v == 4);
    CHECK_STR(ts_ip_format(&ip, buf), "10.1.2.3");
    CHECK(ts_cidr_parse(TS_STR_LIT("175.45.177.9/22"), &ip, &prefix) && prefix == 22);
    CHECK_STR(ts_ip_format(&ip, buf), "175.45.176.0");
    CHECK(!ts_cidr_parse(TS_STR_LIT("1.2.3.4/33"), &ip, &prefix));
    CHECK(ts_cidr_parse(TS_STR_LIT("2001:db8::/32"), &ip, &prefix) && prefix == 32);
    ts_ip_parse(TS_STR_LIT("10.9.8.7"), &ip);
    CHECK(ts_ip_is_special(&ip));
    ts_ip_parse(TS_STR_LIT("172.31.255.255"), &ip);
    CHECK(ts_ip_is_special(&ip));
    ts_ip_parse(TS_STR_LIT("172.32.0.1"), &ip);
    CHECK(!ts_ip_is_special(&ip));
    /* Both edges of every range whose first octet alone does not decide. */
    static const struct {
        const char *ip;
        bool special;
    } edges[] = {
        {"9.255.255.255", false},  {"10.0.0.0", true},         {"11.0.0.0", false},
        {"100.63.255.255", false}, {"100.64.0.0", true},       {"100.127.255.255", true},
        {"100.128.0.0", false},    {"169.253.255.255", false}, {"169.254.7.7", true},
        {"172.15.255.255", false}, {"172.16.0.0", true},       {"192.0.0.200", true},
        {"192.0.1.1", false},      {"192.0.2.9", true},        {"192.167.255.255", false},
        {"192.168.3.4", true},     {"198.17.255.255", false},  {"198.19.255.255", true},
        {"198.20.0.0", false},     {"198.51.100.1", true},     {"198.51.101.1", false},
        {"203.0.113.5", true},     {"203.0.114.5", false},     {"223.255.255.255", false},
        {"224.0.0.1", true},       {"255.255.255.255", true},  {"127.0.0.1", true},
        {"0.1.2.3", true},         {"1.1.1.1", false},
    };
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++) {
        CHECK(ts_ip_parse(ts_str_make(edges[i].ip, strlen(edges[i].ip)), &ip));
        if (ts_ip_is_special(&ip) != edges[i].special)
            fprintf(stderr, "special(%s) is wrong\n", edges[i].ip);
        CHECK(ts_ip_is_special(&ip) == edges[i].special);
    }
    ts_ip_parse(TS_STR_LIT("fd00::5"), &ip);
    CHECK(ts_ip_is_special(&ip));
    ts_ip_parse(TS_STR_LIT("2a00:1450::1"), &ip);
    CHECK(!ts_ip_is_special(&ip));
}

static void test_items(void)
{
    ts_str it, got[4];
    size_t n = 0;
    for (const char *p = " KP, AS131279 ,,x"; n < 4 && ts_str_next_item(&p, &it);)
        got[n++] = it;
    CHECK_INT(n, 4);
    CHECK(ts_str_eq(got[0], "KP") && ts_str_eq(got[1], "AS131279") && got[2].n == 0 &&
          ts_str_eq(got[3], "x"));
    const char *none = NULL, *empty = "";
    CHECK(!ts_str_next_item(&none, &it));
    CHECK(ts_str_next_item(&empty, &it) && it.n == 0 && empty == NULL);
}

static void test_arena(void)
{
    ts_arena a = TS_ARENA_INIT;
    char *s = ts_arena_strndup(&a, "hello", 5);
    CHECK_STR(s, "hello");
    void *big = ts_arena_alloc(&a, 1 << 20);
    CHECK(big != NULL);
    ts_arena_reset(&a);
    char *t = ts_arena_strndup(&a, "again", 5);
    CHECK_STR(t, "again");
    ts_arena_free(&a);
}

static void test_fields(void)
{
    ts_fieldbuf fb = {0};
    ts_event ev;
    ts_event_clear(&ev);
    for (int i = 0; i < 100; i++)
        CHECK(ts_fieldbuf_add(&fb, TS_STR_LIT("k"), TS_STR_LIT("v")));
    CHECK(ts_fieldbuf_add(&fb, TS_STR_LIT("Image"), TS_STR_LIT("C:\\x.exe")));
    ev.fields = fb.v;
    ev.n_fields = fb.n;
    CHECK_VIEW(ts_event_field(&ev, "Image"), "C:\\x.exe");
    CHECK(ts_event_field(&ev, "image").p == NULL);
    ts_fieldbuf_free(&fb);
}

int main(void)
{
    test_numbers();
    test_times();
    test_utf8();
    test_ip();
    test_items();
    test_arena();
    test_fields();
    return check_done("test_core");
}
