/* bench_sigma_corr.c: the cost per hit of Sigma correlations whose one group is full (4,096 hits
 * in its window): event_count, value_count, value_percentile, and an event_count -> temporal chain. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "sigma/sigma.h"
static void hit(void *ud, const ts_sigma_rule_info *r, const ts_event *ev)
{
    (void)r, (void)ev;
    (*(int *)ud)++;
}
/* Microseconds per event over n process creations on one host, 5,000 distinct images,
 * a millisecond apart (so a 1h window holds them all, up to the 4,096-hit bound). */
static double run(const char *corr, int n)
{
    char yaml[4096];
    snprintf(yaml, sizeof yaml,
             "title: p\nid: p\nname: p\nlogsource:\n  product: windows\n  category: process_creation\n"
             "detection:\n  sel:\n    Image|endswith: '.exe'\n  condition: sel\n---\n%s",
             corr);
    ts_sigma *s = ts_sigma_new("data/sigma/logsources.tsv", NULL, NULL);
    if (!s)
        return -1;
    ts_sigma_load_text(s, "b.yml", yaml, strlen(yaml), NULL, NULL);
    ts_sigma_scratch *sc = ts_sigma_compile(s, NULL, NULL) == TOCSIN_OK ? ts_sigma_scratch_new(s) : NULL;
    if (!sc) {
        ts_sigma_free(s);
        return -1;
    }
    int hits = 0;
    char im[64];
    ts_field f[2] = {{TS_STR_LIT("Computer"), TS_STR_LIT("h1")}, {TS_STR_LIT("Image"), {0, 0}}};
    ts_event ev;
    ts_event_clear(&ev);
    ev.channel = TS_STR_LIT("Microsoft-Windows-Sysmon/Operational");
    ev.code = 1, ev.has_code = true;
    ev.fields = f, ev.n_fields = 2;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++) {
        int len = snprintf(im, sizeof im, "C:\\x%d.exe", i % 5000);
        f[1].val = ts_str_make(im, (size_t)len);
        ev.ts_ns = (int64_t)i * 1000000;
        ts_sigma_match(s, sc, &ev, hit, &hits);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    ts_sigma_scratch_free(sc);
    ts_sigma_free(s);
    return ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n / 1000.0;
}
int main(void)
{
    int n = 100000;
    printf("event_count:      %.2f us/event\n",
           run("title: c\nid: c\ncorrelation:\n  type: event_count\n  rules: [p]\n  group-by: [Computer]\n  "
               "timespan: 1h\n  condition:\n    gte: 4096\n",
               n));
    printf("value_count:      %.2f us/event\n",
           run("title: c\nid: c\ncorrelation:\n  type: value_count\n  rules: [p]\n  group-by: [Computer]\n  "
               "timespan: 1h\n  condition:\n    field: Image\n    gt: 4095\n",
               n));
    printf("value_percentile: %.2f us/event\n",
           run("title: c\nid: c\ncorrelation:\n  type: value_percentile\n  rules: [p]\n  group-by: "
               "[Computer]\n  timespan: 1h\n  condition:\n    field: Image\n    lte: 0.01\n",
               n));
    printf("temporal chain:   %.2f us/event\n",
           run("title: c\nid: c\nname: c\ncorrelation:\n  type: event_count\n  rules: [p]\n  group-by: "
               "[Image]\n  timespan: 1h\n  condition:\n    gte: 2\n---\ntitle: d\nid: d\ncorrelation:\n  "
               "type: temporal\n  rules: [c, p]\n  group-by: [Computer]\n  timespan: 1h\n",
               n));
    return 0;
}
