/* feedback.c: the analyst's word on alerts and incidents: suppressions and closures. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/session.h"
#include "core/esc.h"
#include "correlate/suppress.h"
#include "core/jsonw.h"
#include "report/report.h"

static int64_t wall_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static tocsin_code store_failed(tocsin *t, tocsin_code rc)
{
    if (rc == TOCSIN_E_DB || rc == TOCSIN_E_NOTFOUND)
        return ts_session_fail(t, rc, "%s", ts_store_error(t->store));
    return rc == TOCSIN_OK ? rc : ts_session_fail(t, rc, "%s", tocsin_strerror(rc));
}

/* A copy of an optional argument; *oom is set when the copy failed. */
static char *opt_dup(const char *s, bool *oom)
{
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        *oom = true;
    return d;
}

/* The suppression as the store keeps it, or TOCSIN_E_ARG with the reason in t's message. */
static tocsin_code build(tocsin *t, const tocsin_suppression *in, ts_suppression *r)
{
    bool oom = false;
    memset(r, 0, sizeof *r);
    if (!in->reason || !*in->reason)
        return ts_session_fail(t, TOCSIN_E_ARG,
                               "a suppression needs --reason TEXT: say why, for whoever reads it later");
    const char *given[] = {in->detector, in->rule, in->host, in->user, in->ip, in->indicator, in->field};
    for (size_t i = 0; i < sizeof given / sizeof *given; i++)
        if (given[i] && !*given[i])
            return ts_session_fail(t, TOCSIN_E_ARG, "a suppression's condition cannot be empty");
    r->detector = opt_dup(in->detector, &oom);
    r->rule = opt_dup(in->rule, &oom);
    r->host = opt_dup(in->host, &oom);
    r->user = opt_dup(in->user, &oom);
    r->ip = opt_dup(in->ip, &oom);
    r->indicator = opt_dup(in->indicator, &oom);
    r->reason = opt_dup(in->reason, &oom);
    r->created_ns = wall_ns();
    if (oom)
        return TOCSIN_E_NOMEM;
    if (in->field) {
        int f = ts_suppress_field_parse(in->field, strlen(in->field), &r->field, &r->value);
        if (f == -2)
            return TOCSIN_E_NOMEM;
        if (f)
            return ts_session_fail(t, TOCSIN_E_ARG,
                                   "--field '%s': NAME=VALUE with NAME one of key, title, techniques, "
                                   "internal_host, internal_ip, user, remote_ip, remote_name, remote_cc, "
                                   "remote_asn, direction, ioc_value, observed, dataset, file",
                                   in->field);
    }
    if (in->expires && ts_expiry_parse(in->expires, strlen(in->expires), r->created_ns, &r->expires_ns))
        return ts_session_fail(t, TOCSIN_E_ARG,
                               "--expires '%s': a duration (90m, 12h, 30d, 2w) or a future UTC date "
                               "(2027-01-31 or 2027-01-31T18:00:00Z)",
                               in->expires);
    if (!ts_suppression_valid(r))
        return ts_session_fail(t, TOCSIN_E_ARG,
                               "a suppression needs a condition: --detector, --rule, --host, --user, --ip, "
                               "--indicator or --field");
    return TOCSIN_OK;
}

tocsin_code tocsin_suppress(tocsin *t, const tocsin_suppression *in)
{
    ts_suppression r;
    int64_t id = 0;
    char what[512];
    if (!t || !in)
        return TOCSIN_E_ARG;
    tocsin_code rc = build(t, in, &r);
    if (rc == TOCSIN_OK)
        rc = store_failed(t, ts_store_suppress_add(t->store, &r, &id));
    if (rc == TOCSIN_OK && t->o.json) {
        ts_jw w;
        ts_jw_begin(&w, t->out);
        ts_jw_kstr(&w, "type", "suppression_added");
        ts_jw_kint(&w, "id", id);
        ts_jw_end(&w);
    } else if (rc == TOCSIN_OK) {
        ts_suppression_describe(&r, what, sizeof what);
        fprintf(t->out, "suppression %lld added: ", (long long)id);
        ts_fputs_term(what, t->out);
        fputs(r.expires_ns ? " (with an expiry; tocsin suppress --list)\n" : " (no expiry)\n", t->out);
    }
    ts_suppression_clear(&r);
    return rc == TOCSIN_E_NOMEM ? ts_session_fail(t, rc, "%s", tocsin_strerror(rc)) : rc;
}

tocsin_code tocsin_suppress_list(tocsin *t)
{
    return store_failed(t, ts_report_suppressions(t->store, wall_ns(), t->out, t->o.json));
}

tocsin_code tocsin_suppress_remove(tocsin *t, const char *id)
{
    char *end;
    long long v = id && *id >= '0' && *id <= '9' ? strtoll(id, &end, 10) : 0;
    if (!v || *end)
        return ts_session_fail(
            t, TOCSIN_E_ARG, "--remove '%s': a suppression's number (tocsin suppress --list)", id ? id : "");
    tocsin_code rc = store_failed(t, ts_store_suppress_remove(t->store, v));
    if (rc == TOCSIN_OK && t->o.json) {
        ts_jw w;
        ts_jw_begin(&w, t->out);
        ts_jw_kstr(&w, "type", "suppression_removed");
        ts_jw_kint(&w, "id", v);
        ts_jw_end(&w);
    } else if (rc == TOCSIN_OK) {
        fprintf(t->out, "suppression %lld removed: later hunts raise what it matched\n", v);
    }
    return rc;
}

tocsin_code tocsin_close_incident(tocsin *t, const char *incident_id, const char *disposition,
                                  const char *note)
{
    if (!t || !incident_id || !disposition)
        return TOCSIN_E_ARG;
    tocsin_code rc = store_failed(t, ts_store_incident_close(t->store, incident_id, disposition, note));
    if (rc == TOCSIN_OK && t->o.json) {
        ts_jw w;
        ts_jw_begin(&w, t->out);
        ts_jw_kstr(&w, "type", "incident_closed");
        ts_jw_kstr(&w, "id", incident_id);
        ts_jw_kstr(&w, "disposition", disposition);
        ts_jw_end(&w);
    } else if (rc == TOCSIN_OK) {
        fputs("closed ", t->out);
        ts_fputs_term(incident_id, t->out);
        fprintf(t->out, " as %s\n", disposition);
    }
    return rc;
}
