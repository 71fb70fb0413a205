/* incident_write.c: writes an incident with its alerts, entities and attribution. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attribute/attribute.h"
#include "store/store_int.h"

/* Opens the unit of work for one incident: its own transaction, or a savepoint inside the
 * caller's batch so one bad incident does not undo the others. */
static tocsin_code tx_open(ts_store *s)
{
    return s->in_batch ? st_exec(s, "SAVEPOINT incident", "starting an incident")
                       : st_begin_write(s, "starting an incident");
}

static tocsin_code tx_close(ts_store *s, tocsin_code rc)
{
    if (rc == TOCSIN_OK && (rc = st_exec(s, s->in_batch ? "RELEASE incident" : "COMMIT",
                                         "committing the incident")) == TOCSIN_OK)
        return TOCSIN_OK;
    /* Undone whole, a failed commit too; the message of the first failure is kept, not that
       of the rollback. */
    st_rollback(s, s->in_batch ? "ROLLBACK TO incident; RELEASE incident" : "ROLLBACK");
    return rc;
}

static const char *kind_name(ts_evidence_kind k)
{
    switch (k) {
    case TS_EV_INDICATOR:
        return "indicator";
    case TS_EV_HOME_NETWORK:
        return "home-network";
    case TS_EV_RULE:
        return "rule";
    case TS_EV_BEHAVIOUR:
        return "behaviour";
    }
    return "other";
}

static const char *direction_name(ts_direction d)
{
    switch (d) {
    case TS_DIR_INBOUND:
        return "inbound";
    case TS_DIR_OUTBOUND:
        return "outbound";
    case TS_DIR_INTERNAL:
        return "internal";
    case TS_DIR_UNKNOWN:
        break;
    }
    return NULL;
}

static const char *side_name(ts_side sd)
{
    switch (sd) {
    case TS_SIDE_SRC:
        return "src";
    case TS_SIDE_DST:
        return "dst";
    case TS_SIDE_FILE:
        return "file";
    case TS_SIDE_NONE:
        break;
    }
    return NULL;
}

static void bind_ip(st_stmt *st, int i, const ts_ip *ip)
{
    char buf[TS_IP_STRLEN];
    st_text(st, i, ts_ip_set(ip) ? ts_ip_format(ip, buf) : NULL);
}

static void bind_alert(st_stmt *st, int64_t run, const ts_alert *a, const ts_intel *ti)
{
    st_text_nn(st, 1, a->detector);
    st_text_nn(st, 2, a->key);
    st_text_nn(st, 3, a->file);
    st_u64(st, 4, a->line);
    st_u64(st, 5, a->record);
    st_int(st, 6, a->first_ns);
    st_int(st, 7, run);
    st_text_nn(st, 8, kind_name(a->kind));
    st_text_nn(st, 9, a->title);
    st_int(st, 10, a->severity);
    st_text(st, 11, a->techniques);
    st_int(st, 12, a->last_ns > a->first_ns ? a->last_ns : a->first_ns);
    st_u64(st, 13, a->count ? a->count : 1);
    bind_ip(st, 14, &a->internal_ip);
    st_text(st, 15, a->internal_host);
    st_text(st, 16, a->user);
    bind_ip(st, 17, &a->remote_ip);
    st_text(st, 18, a->remote_geo.cc);
    if (a->remote_geo.asn)
        st_int(st, 19, a->remote_geo.asn);
    st_text(st, 20, a->remote_name);
    st_text(st, 21, direction_name(a->direction));
    st_text(st, 22, st_ioc_type_name(a->ioc_type));
    st_text(st, 23, a->ioc_value);
    st_text(st, 24, a->observed);
    st_text(st, 25, side_name(a->side));
    st_text(st, 26, st_source_name(ti, a->source));
    if (a->kind == TS_EV_INDICATOR || a->confidence) /* else "confidence 0" would mislead */
        st_int(st, 27, a->confidence);
    st_int(st, 28, a->shared ? 1 : 0);
    st_text(st, 29, a->suppressed);
    st_text(st, 30, a->dataset);
    if (a->suppression)
        st_int(st, 31, a->suppression);
    st_text(st, 32, a->suppression_note);
}

typedef struct actor_ctx {
    ts_store *s;
    int64_t alert;
    int pos;
    tocsin_code rc;
} actor_ctx;

static void put_actor(void *ud, const char *name, const char *attack_id)
{
    actor_ctx *c = ud;
    st_stmt *st;
    if (c->rc != TOCSIN_OK)
        return;
    if (!(st = st_get(c->s, ST_ALERT_ACTOR))) {
        c->rc = TOCSIN_E_DB;
        return;
    }
    st_int(st, 1, c->alert);
    st_int(st, 2, c->pos++);
    st_text_nn(st, 3, name);
    st_text(st, 4, attack_id);
    c->rc = st_done(c->s, st, "recording an alert's actor");
}

static tocsin_code put_hit(ts_store *s, int64_t alert, const ts_alert_hit *h)
{
    st_stmt *st = st_get(s, ST_HIT_INSERT);
    if (!st)
        return TOCSIN_E_DB;
    st_int(st, 1, alert);
    st_int(st, 2, h->ts_ns);
    st_text_nn(st, 3, h->file ? h->file : "");
    st_u64(st, 4, h->line);
    st_u64(st, 5, h->record);
    st_text(st, 6, h->host);
    st_text(st, 7, h->user);
    st_text(st, 8, h->process);
    st_text(st, 9, h->command_line);
    st_text(st, 10, h->parent);
    st_text(st, 11, h->uid);
    st_text(st, 12, h->community_id);
    st_text(st, 13, h->flow_id);
    return st_done(s, st, "recording an alert's event");
}

/* Stores a (or finds it stored) and sets *id. */
static tocsin_code put_alert(ts_store *s, int64_t run, const ts_alert *a, const ts_intel *ti, int64_t *id)
{
    st_stmt *st = st_get(s, ST_ALERT_UPSERT);
    if (!st)
        return TOCSIN_E_DB;
    bind_alert(st, run, a, ti);
    if (st_step(st) != STEP_ROW) {
        tocsin_code rc = st_fail(s, "recording an alert");
        st_reset(st);
        return rc;
    }
    *id = st_col_int64(st, 0);
    st_reset(st);
    actor_ctx c = {s, *id, 0, TOCSIN_OK};
    st_actor_names(ti, a->actorset, put_actor, &c);
    for (uint32_t i = 0; i < a->n_hits && c.rc == TOCSIN_OK; i++)
        c.rc = put_hit(s, *id, &a->hits[i]);
    return c.rc;
}

static tocsin_code put_link(ts_store *s, st_id id, int64_t n, const char *text, const char *what)
{
    st_stmt *st = st_get(s, id);
    if (!st)
        return TOCSIN_E_DB;
    if (id == ST_RUN_INCIDENT) {
        st_int(st, 1, n);
        st_text_nn(st, 2, text);
    } else {
        st_text_nn(st, 1, text);
        st_int(st, 2, n);
    }
    return st_done(s, st, what);
}

static tocsin_code put_entity(ts_store *s, const char *inc, const char *kind, const char *value, size_t n)
{
    st_stmt *st;
    if (!value || n == 0)
        return TOCSIN_OK;
    if (!(st = st_get(s, ST_ENTITY)))
        return TOCSIN_E_DB;
    st_text_nn(st, 1, inc);
    st_text_nn(st, 2, kind);
    st_text_n(st, 3, value, n);
    return st_done(s, st, "recording an entity");
}

static tocsin_code put_ip(ts_store *s, const char *inc, const ts_ip *ip)
{
    char buf[TS_IP_STRLEN];
    ts_ip_format(ip, buf);
    return put_entity(s, inc, "ip", buf, strlen(buf));
}

/* The outside host an alert names: a domain as is, a URL's host, an address literal as an
 * ip. A mail address names a mailbox, not a host, and is left to the alert. */
static tocsin_code put_remote_name(ts_store *s, const char *inc, const char *name)
{
    const char *p = name, *e;
    ts_ip ip;
    if (!name || strchr(name, '@'))
        return TOCSIN_OK;
    const char *scheme = strstr(name, "://");
    if (scheme)
        p = scheme + 3;
    e = p + strcspn(p, "/?#");
    if (*p == '[') { /* [v6]:port */
        const char *close = memchr(p, ']', (size_t)(e - p));
        if (close && ts_ip_parse(ts_str_make(p + 1, (size_t)(close - p - 1)), &ip))
            return put_ip(s, inc, &ip);
        return TOCSIN_OK;
    }
    const char *colon = memchr(p, ':', (size_t)(e - p));
    if (colon)
        e = colon;
    if (ts_ip_parse(ts_str_make(p, (size_t)(e - p)), &ip))
        return put_ip(s, inc, &ip);
    if (!memchr(p, '.', (size_t)(e - p)))
        return TOCSIN_OK; /* not a host name anyone could look up */
    return put_entity(s, inc, "domain", p, (size_t)(e - p));
}

/* The incident's hosts, users and outside places, but not those d says are stored (its
 * alerts' places: those of the alerts it does not write again). */
static tocsin_code put_entities(ts_store *s, const ts_incident *inc, const ts_incident_stored *d)
{
    tocsin_code rc = TOCSIN_OK;
    for (size_t i = 0; i < inc->n_hosts && rc == TOCSIN_OK; i++)
        if (!d->host_stored || !d->host_stored[i])
            rc = put_entity(s, inc->id, "host", inc->hosts[i], inc->hosts[i] ? strlen(inc->hosts[i]) : 0);
    for (size_t i = 0; i < inc->n_users && rc == TOCSIN_OK; i++)
        if (!d->user_stored || !d->user_stored[i])
            rc = put_entity(s, inc->id, "user", inc->users[i], inc->users[i] ? strlen(inc->users[i]) : 0);
    for (size_t i = 0; i < inc->n_alerts && rc == TOCSIN_OK; i++) {
        const ts_alert *a = inc->alerts[i];
        if (d->unchanged && d->unchanged[i])
            continue;
        if (ts_ip_set(&a->remote_ip))
            rc = put_ip(s, inc->id, &a->remote_ip);
        if (rc == TOCSIN_OK)
            rc = put_remote_name(s, inc->id, a->remote_name);
    }
    return rc;
}

static tocsin_code put_hypothesis(ts_store *s, int64_t run, const ts_incident *inc, int rank,
                                  const ts_hypothesis *h, const ts_intel *ti, const int64_t *alert_ids)
{
    st_stmt *st = st_get(s, ST_HYP_INSERT);
    tocsin_code rc;
    if (!st)
        return TOCSIN_E_DB;
    st_text_nn(st, 1, inc->id);
    st_int(st, 2, run);
    st_int(st, 3, rank);
    st_text_nn(st, 4, h->name ? h->name : "unnamed");
    st_text(st, 5, st_actor_attack_id(ti, h->actor));
    st_real(st, 6, h->probability);
    st_text(st, 7, h->wording);
    st_real(st, 8, h->score);
    int64_t hyp = 0;
    if ((rc = st_insert_id(s, st, "recording a hypothesis", &hyp)) != TOCSIN_OK)
        return rc;
    for (size_t i = 0; i < h->n_contribs && rc == TOCSIN_OK; i++) {
        const ts_contribution *c = &h->contribs[i];
        if (!(st = st_get(s, ST_CONTRIB_INSERT)))
            return TOCSIN_E_DB;
        st_int(st, 1, hyp);
        st_int(st, 2, (int64_t)i);
        st_text_nn(st, 3, c->what);
        st_real(st, 4, c->weight);
        if (c->alert < inc->n_alerts)
            st_int(st, 5, alert_ids[c->alert]);
        rc = st_done(s, st, "recording a contribution");
    }
    return rc;
}

/* The newest attribution replaces the stored one whole: hypotheses are ranked together. */
static tocsin_code put_attribution(ts_store *s, int64_t run, const ts_incident *inc, const ts_intel *ti,
                                   const int64_t *alert_ids)
{
    const ts_attribution *at = inc->attribution;
    st_stmt *st = st_get(s, ST_HYP_DELETE);
    tocsin_code rc;
    if (!st)
        return TOCSIN_E_DB;
    st_text_nn(st, 1, inc->id);
    if ((rc = st_done(s, st, "replacing the hypotheses")) != TOCSIN_OK)
        return rc;
    for (size_t i = 0; i < at->n && rc == TOCSIN_OK; i++)
        rc = put_hypothesis(s, run, inc, (int)i + 1, &at->hyps[i], ti, alert_ids);
    return rc;
}

static tocsin_code put_incident_row(ts_store *s, int64_t run, const ts_incident *inc)
{
    st_stmt *st = st_get(s, ST_INCIDENT_UPSERT);
    if (!st)
        return TOCSIN_E_DB;
    st_text_nn(st, 1, inc->id);
    st_int(st, 2, inc->first_ns);
    st_int(st, 3, inc->last_ns > inc->first_ns ? inc->last_ns : inc->first_ns);
    st_int(st, 4, inc->severity);
    st_text(st, 5, inc->attribution ? inc->attribution->summary : NULL);
    st_int(st, 6, run);
    /* the reasons, "; "-separated, and how many more there were */
    char joined[1024];
    size_t n = 0;
    joined[0] = 0;
    for (size_t i = 0; i < inc->n_joined && n < sizeof joined; i++) {
        int w = snprintf(joined + n, sizeof joined - n, "%s%s", i ? "; " : "", inc->joined[i]);
        n = w > 0 ? n + (size_t)w : n;
    }
    if (inc->n_joined_more && n < sizeof joined)
        snprintf(joined + n, sizeof joined - n, "; and %zu more", inc->n_joined_more);
    st_text(st, 7, inc->n_joined ? joined : NULL);
    char apart[1024];
    n = 0;
    apart[0] = 0;
    for (size_t i = 0; i < inc->n_apart && n < sizeof apart; i++) {
        int w = snprintf(apart + n, sizeof apart - n, "%s%s", i ? "; " : "", inc->apart[i]);
        n = w > 0 ? n + (size_t)w : n;
    }
    st_text(st, 8, inc->n_apart ? apart : NULL);
    return st_done(s, st, "recording the incident");
}

/* An incident the analyst closed, as it was when this hunt began to write it. */
typedef struct closure {
    bool closed, malicious;
    int severity;  /* when it was closed */
    char why[160]; /* set when an alert of this hunt reopens it */
} closure;

static tocsin_code read_closure(ts_store *s, const char *id, closure *c)
{
    st_stmt *st = st_get(s, ST_INCIDENT_CLOSURE);
    memset(c, 0, sizeof *c);
    if (!st)
        return TOCSIN_E_DB;
    st_text_nn(st, 1, id);
    int step = st_step(st);
    if (step == STEP_ROW) {
        const char *status = st_col_text(st, 0);
        const char *disp = st_col_text(st, 1);
        c->closed = status && strcmp(status, "closed") == 0;
        c->malicious = disp && strcmp(disp, "malicious") == 0;
        c->severity = st_col_int(st, 2);
    }
    tocsin_code rc =
        step == STEP_ROW || step == STEP_DONE ? TOCSIN_OK : st_fail(s, "reading the incident's closure");
    st_reset(st);
    return rc;
}

static tocsin_code has_detector(ts_store *s, const char *inc, const char *detector, bool *has)
{
    st_stmt *st = st_get(s, ST_INCIDENT_HAS_DETECTOR);
    if (!st)
        return TOCSIN_E_DB;
    st_text_nn(st, 1, inc);
    st_text_nn(st, 2, detector);
    int step = st_step(st);
    *has = step == STEP_ROW;
    tocsin_code rc =
        step == STEP_ROW || step == STEP_DONE ? TOCSIN_OK : st_fail(s, "reading the incident's detectors");
    st_reset(st);
    return rc;
}

/* Links alert a to the incident. An active alert new to a closed incident reopens it when
 * the analyst would want to look again: any alert, for one closed as malicious (the
 * attacker is still there); for one closed as benign, an alert graver than the incident
 * was when closed, or one from a detector it had never raised. Other alerts join it and it
 * stays closed. The reason is kept (detector names and numbers only, nothing from logs). */
static tocsin_code link_alert(ts_store *s, const ts_incident *inc, const ts_alert *a, int64_t alert_id,
                              closure *c)
{
    bool known = true, active = !a->suppression && !a->suppressed;
    tocsin_code rc = TOCSIN_OK;
    if (c->closed && active && !c->why[0])
        rc = has_detector(s, inc->id, a->detector, &known);
    if (rc == TOCSIN_OK)
        rc = put_link(s, ST_INCIDENT_ALERT, alert_id, inc->id, "linking an alert");
    if (rc != TOCSIN_OK || !c->closed || !active || c->why[0] || st_changes(s) == 0)
        return rc;
    const char *det = a->detector ? a->detector : "?";
    if (c->malicious)
        snprintf(c->why, sizeof c->why, "a new %s alert (severity %d) after it was closed as malicious", det,
                 a->severity);
    else if (a->severity > c->severity)
        snprintf(c->why, sizeof c->why,
                 "a %s alert of severity %d, above the %d it had when closed as benign", det, a->severity,
                 c->severity);
    else if (!known)
        snprintf(c->why, sizeof c->why, "a first %s alert (severity %d) since it was closed as benign", det,
                 a->severity);
    return rc;
}

static tocsin_code put_text_id(ts_store *s, st_id id, const char *inc, const char *text, const char *what)
{
    st_stmt *st = st_get(s, id);
    if (!st)
        return TOCSIN_E_DB;
    st_text_nn(st, 1, inc);
    if (text)
        st_text(st, 2, text);
    return st_done(s, st, what);
}

static tocsin_code put_incident(ts_store *s, int64_t run, const ts_incident *inc, const ts_intel *ti,
                                const ts_incident_stored *d)
{
    int64_t *alert_ids = d->ids;
    closure c;
    tocsin_code rc = read_closure(s, inc->id, &c);
    if (rc == TOCSIN_OK)
        rc = put_incident_row(s, run, inc);
    if (rc == TOCSIN_OK)
        rc = put_link(s, ST_RUN_INCIDENT, run, inc->id, "linking the incident to its run");
    for (size_t i = 0; i < inc->n_alerts && rc == TOCSIN_OK; i++) {
        if (d->unchanged && d->unchanged[i])
            continue; /* stored as it is and linked: alert_ids[i] is its row */
        rc = put_alert(s, run, inc->alerts[i], ti, &alert_ids[i]);
        if (rc == TOCSIN_OK)
            rc = link_alert(s, inc, inc->alerts[i], alert_ids[i], &c);
    }
    if (rc == TOCSIN_OK && c.why[0])
        rc = put_text_id(s, ST_INCIDENT_REOPEN, inc->id, c.why, "reopening the incident");
    if (rc == TOCSIN_OK)
        rc = put_text_id(s, ST_INCIDENT_SEVERITY, inc->id, NULL, "setting the incident's severity");
    if (rc == TOCSIN_OK)
        rc = put_entities(s, inc, d);
    if (rc == TOCSIN_OK && inc->attribution)
        rc = put_attribution(s, run, inc, ti, alert_ids);
    return rc;
}

/* PostgreSQL tells listeners of new and changed incidents (docs/store.md): a digest of what
 * a listener shows (severity, last activity, status, verdict, alerts and their counts) is
 * read before and after the write, and a notification goes out only when it differs, so a
 * second hunt over the same logs is as silent as it is idle. The notification is sent at
 * the commit, and not at all on a rollback. */
static tocsin_code digest(ts_store *s, const char *id, char *out, size_t len)
{
    st_stmt *st = st_get(s, ST_INCIDENT_DIGEST);
    out[0] = 0;
    if (!st)
        return TOCSIN_E_DB;
    st_text_nn(st, 1, id);
    int step = st_step(st);
    if (step == STEP_ROW) {
        const char *d = st_col_text(st, 0);
        snprintf(out, len, "%s", d ? d : "");
    }
    tocsin_code rc = step == STEP_ERR ? st_fail(s, "reading the incident for its listeners") : TOCSIN_OK;
    st_reset(st);
    return rc;
}

tocsin_code st_notify(ts_store *s, const char *id, const char *change, int64_t run)
{
    char payload[160], safe[24];
    size_t k = 0;
    /* ids are "INC-" and hex digits; anything else is not let into the JSON */
    for (const char *p = id; *p && k + 1 < sizeof safe; p++)
        safe[k++] =
            (*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '-'
                ? *p
                : '?';
    safe[k] = 0;
    snprintf(payload, sizeof payload, "{\"incident\":\"%s\",\"change\":\"%s\",\"run\":%lld}", safe, change,
             (long long)run);
    st_stmt *st = st_get(s, ST_NOTIFY);
    if (!st)
        return TOCSIN_E_DB;
    st_text_nn(st, 1, payload);
    return st_done(s, st, "notifying the incident's listeners");
}

static tocsin_code put_incident_told(ts_store *s, int64_t run, const ts_incident *inc, const ts_intel *ti,
                                     const ts_incident_stored *d)
{
    char before[160], after[160];
    tocsin_code rc = TOCSIN_OK;
    if (!s->pg)
        return put_incident(s, run, inc, ti, d);
    if ((rc = digest(s, inc->id, before, sizeof before)) == TOCSIN_OK)
        rc = put_incident(s, run, inc, ti, d);
    if (rc == TOCSIN_OK)
        rc = digest(s, inc->id, after, sizeof after);
    if (rc == TOCSIN_OK && strcmp(before, after) != 0)
        rc = st_notify(s, inc->id, before[0] ? "changed" : "new", run);
    return rc;
}

tocsin_code ts_store_incident(ts_store *s, int64_t run_id, const ts_incident *inc, const ts_intel *ti)
{
    ts_incident_stored d = {0};
    if (inc && !(d.ids = calloc(inc->n_alerts ? inc->n_alerts : 1, sizeof *d.ids)))
        return TOCSIN_E_NOMEM;
    tocsin_code rc = ts_store_incident_delta(s, run_id, inc, ti, &d);
    free(d.ids);
    return rc;
}

tocsin_code ts_store_incident_delta(ts_store *s, int64_t run_id, const ts_incident *inc, const ts_intel *ti,
                                    const ts_incident_stored *d)
{
    tocsin_code rc;
    /* The id is a fixed array: refuse one that fills it without a terminating NUL. */
    if (!s || !inc || !d || !d->ids || !inc->id[0] || !memchr(inc->id, 0, sizeof inc->id) ||
        (inc->n_alerts && !inc->alerts))
        return TOCSIN_E_ARG;
    if ((rc = tx_open(s)) == TOCSIN_OK)
        rc = tx_close(s, put_incident_told(s, run_id, inc, ti, d));
    return rc;
}

tocsin_code ts_store_alert(ts_store *s, int64_t run_id, const ts_alert *a, const ts_intel *ti)
{
    int64_t id;
    tocsin_code rc;
    if (!s || !a)
        return TOCSIN_E_ARG;
    if ((rc = tx_open(s)) == TOCSIN_OK)
        rc = tx_close(s, put_alert(s, run_id, a, ti, &id));
    return rc;
}
