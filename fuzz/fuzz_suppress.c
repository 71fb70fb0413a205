/* fuzz_suppress.c: what an analyst types into tocsin suppress, on arbitrary bytes: the
 * expiry, the NAME=VALUE field, and condition globs and CIDRs matched against alerts. The
 * input's lines are, in order: expiry, field, detector, rule, host, user, ip, indicator. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "correlate/suppress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    char *lines[8] = {0};
    for (int i = 0; i < 8 && p < end; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n)
            lines[i] = strndup(p, n); /* a NUL inside ends the value, as on a command line */
        p = nl ? nl + 1 : end;
    }
    int64_t at;
    if (lines[0])
        ts_expiry_parse(lines[0], strlen(lines[0]), 1796000000LL * 1000000000LL, &at);
    ts_suppression r = {.id = 1, .reason = "fuzz"};
    if (lines[1])
        ts_suppress_field_parse(lines[1], strlen(lines[1]), &r.field, &r.value);
    r.detector = lines[2], r.rule = lines[3], r.host = lines[4], r.user = lines[5];
    r.ip = lines[6], r.indicator = lines[7];

    ts_alert a = {.detector = "sigma",
                  .key = "sigma|5ef9853e-4d0e-4a70-846f-a9ca37d876da|ws-01",
                  .title = "Sigma high: Mimikatz Use on ws-01",
                  .internal_host = "ws-01",
                  .user = "CORP\\alice",
                  .remote_name = "http://evil.example/x",
                  .ioc_value = "evil.example",
                  .observed = "a.evil.example",
                  .dataset = "windows.sysmon",
                  .severity = 70};
    ts_ip_parse(ts_str_make("10.0.0.5", 8), &a.internal_ip);
    ts_ip_parse(ts_str_make("2001:db8::7", 11), &a.remote_ip);
    ts_alert b = {.detector = "home-network", .key = "KP", .user = "bob@corp.example", .severity = 90};
    ts_ip_parse(ts_str_make("175.45.176.1", 12), &b.remote_ip);
    ts_alert *alerts[2] = {&a, &b};
    ts_incident inc = {.alerts = alerts, .n_alerts = 2};
    char buf[256];
    ts_suppression_describe(&r, buf, sizeof buf);
    ts_suppress_incident(&r, 1, &inc);
    free(a.suppression_note);
    free(b.suppression_note);
    free(r.field), free(r.value);
    for (int i = 0; i < 8; i++)
        free(lines[i]);
    return 0;
}
