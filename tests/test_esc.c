/* test_esc.c: untrusted strings reach the terminal and HTML defanged, valid text unchanged. */
#include "check.h"
#include "core/esc.h"

static char *term(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ts_fputs_term(s, f);
    fclose(f);
    return buf;
}

static char *html(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ts_fputs_html(s, f);
    fclose(f);
    return buf;
}

/* Every byte of the result is printable ASCII or part of valid, non-control UTF-8. */
static int has_raw_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 1;
    return 0;
}

static void check_term(const char *in, const char *want)
{
    char *got = term(in);
    CHECK_STR(got, want);
    CHECK(!has_raw_control(got));
    free(got);
}

static void test_term(void)
{
    check_term("plain text, 10.0.0.5", "plain text, 10.0.0.5");
    check_term("C:\\Windows\\System32\\cmd.exe \"/c\"", "C:\\Windows\\System32\\cmd.exe \"/c\"");
    check_term("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m");
    check_term("\x1b]0;pwned\x07title", "\\x1b]0;pwned\\x07title");
    check_term("line1\nline2\r\tend\x7f", "line1\\x0aline2\\x0d\\x09end\\x7f");
    check_term("\x9b"
               "31m raw C1",
               "\\x9b31m raw C1"); /* a bare C1 byte is invalid UTF-8 */
    check_term("\xc2\x9b"
               "31m encoded C1",
               "\\xc2\\x9b31m encoded C1"); /* U+009B CSI */
    check_term("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe6\x97\xa5",
               "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe6\x97\xa5");
    check_term("bad \xff\xfe end", "bad \\xff\\xfe end");
    check_term("cut \xe2\x82", "cut \\xe2\\x82");
    check_term("overlong \xc0\xaf", "overlong \\xc0\\xaf");
    check_term("surrogate \xed\xa0\x80", "surrogate \\xed\\xa0\\x80");
    check_term("too big \xf4\x90\x80\x80", "too big \\xf4\\x90\\x80\\x80");
    check_term("rtl \xe2\x80\xae"
               "gnp.exe",
               "rtl \\xe2\\x80\\xaegnp.exe"); /* U+202E override */
    check_term("", "");
    check_term(NULL, "-");
}

static void test_term_buffer(void)
{
    char buf[16];
    CHECK_STR(ts_esc_term("short", buf, sizeof buf), "short");
    CHECK_STR(ts_esc_term("exactly15chars!", buf, sizeof buf), "exactly15chars!");
    CHECK_STR(ts_esc_term("sixteen chars!!!", buf, sizeof buf), "sixteen char...");
    CHECK_STR(ts_esc_term("a very long title indeed", buf, sizeof buf), "a very long ...");
    /* an escape is never cut in half */
    CHECK_STR(ts_esc_term("abcdefghijk\x1b[31m", buf, sizeof buf), "abcdefghijk...");
    CHECK_STR(ts_esc_term("abcdefgh\x1b", buf, sizeof buf), "abcdefgh\\x1b");
    /* nor a UTF-8 character */
    CHECK_STR(ts_esc_term("abcdefghijklm\xe2\x82\xac", buf, sizeof buf), "abcdefghijkl...");
    CHECK_STR(ts_esc_term("abcdefghij\xe2\x82\xac", buf, sizeof buf), "abcdefghij\xe2\x82\xac");
    CHECK_STR(ts_esc_term(NULL, buf, sizeof buf), "-");
    char tiny[3];
    CHECK_STR(ts_esc_term("abcdef", tiny, sizeof tiny), "..");
    char one[1];
    CHECK_STR(ts_esc_term("abc", one, sizeof one), "");
}

static void test_html(void)
{
    char *s = html("<script>alert('x')</script> & \"q\"");
    CHECK_STR(s, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
    free(s);
    s = html("tab\there\x1b[31m \xff caf\xc3\xa9");
    CHECK_STR(s, "tab\there\\x1b[31m \xef\xbf\xbd caf\xc3\xa9");
    free(s);
    s = html(NULL);
    CHECK_STR(s, "");
    free(s);
}

int main(void)
{
    test_term();
    test_term_buffer();
    test_html();
    return check_done("test_esc");
}
