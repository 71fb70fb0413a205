/* feedback_view.c: the analyst's suppressions, as people and tools read them. */
#include <stdlib.h>

#include "core/esc.h"
#include "report/report.h"
#include "report/report_int.h"

static void suppression_json(FILE *out, const ts_suppression *r, int64_t now_ns)
{
    ts_jw w;
    char t[40];
    ts_jw_begin(&w, out);
    ts_jw_kstr(&w, "type", "suppression");
    ts_jw_kint(&w, "id", r->id);
    ts_jw_kstr(&w, "detector", r->detector);
    ts_jw_kstr(&w, "rule", r->rule);
    ts_jw_kstr(&w, "host", r->host);
    ts_jw_kstr(&w, "user", r->user);
    ts_jw_kstr(&w, "ip", r->ip);
    ts_jw_kstr(&w, "indicator", r->indicator);
    ts_jw_kstr(&w, "field", r->field);
    ts_jw_kstr(&w, "value", r->value);
    ts_jw_kstr(&w, "reason", r->reason);
    ts_jw_kstr(&w, "created", rpt_time(r->created_ns, false, t, sizeof t));
    rpt_jw_time(&w, "expires", r->expires_ns);
    ts_jw_kbool(&w, "active", !r->expires_ns || r->expires_ns > now_ns);
    ts_jw_end(&w);
}

/* "    3  detector = brute-force, host = scan-*", then its reason, then when it ends. */
static void suppression_text(const rpt *r, const ts_suppression *s, int64_t now_ns)
{
    char what[512], t[40];
    bool active = !s->expires_ns || s->expires_ns > now_ns;
    ts_suppression_describe(s, what, sizeof what);
    fprintf(r->out, "%s%5lld%s  ", rpt_sgr(r, RS_BOLD), (long long)s->id, rpt_sgr(r, RS_RESET));
    rpt_wrap(r, what, 7, 7);
    fputs("\n       ", r->out);
    rpt_wrap(r, s->reason ? s->reason : "", 7, 7);
    fprintf(r->out, "\n       %s", active ? "" : rpt_sgr(r, RS_DIM));
    if (!s->expires_ns)
        fputs("no expiry", r->out);
    else
        fprintf(r->out, "%s %s", active ? "until" : "expired", rpt_time(s->expires_ns, true, t, sizeof t));
    fprintf(r->out, ", added %s%s\n", rpt_time(s->created_ns, true, t, sizeof t), rpt_sgr(r, RS_RESET));
}

tocsin_code ts_report_suppressions(ts_store *s, int64_t now_ns, FILE *out, int json)
{
    ts_suppression *v;
    size_t n;
    rpt r;
    tocsin_code rc = ts_store_suppressions(s, 0, &v, &n);
    if (rc != TOCSIN_OK)
        return rc;
    rpt_init(&r, out);
    if (!json && !n)
        fputs("no suppressions (tocsin suppress --help says how to add one)\n", out);
    else if (!json)
        fprintf(out, "%s%5s  %s%s\n", rpt_sgr(&r, RS_DIM), "id", "conditions, reason, expiry",
                rpt_sgr(&r, RS_RESET));
    for (size_t i = 0; i < n; i++) {
        if (json)
            suppression_json(out, &v[i], now_ns);
        else
            suppression_text(&r, &v[i], now_ns);
    }
    ts_suppressions_free(v, n);
    return TOCSIN_OK;
}
