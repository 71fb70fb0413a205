/* actor_view.c: years of tracking. `tocsin actor NAME` (an actor's sightings over time:
 * incidents, indicators, first and last seen), `tocsin incidents --actor NAME`, and the
 * "seen before" lines of an incident (earlier incidents sharing its infrastructure). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/esc.h"
#include "core/jsonw.h"
#include "core/str.h"
#include "report/report.h"
#include "report/report_int.h"
#include "store/sightings.h"

/* A sighting at this probability or more lists the incident under the actor. */
#define SIGHTING_MIN_P 0.05
/* `incidents --actor` lists incidents whose verdict or leading candidate the actor is. */
#define INCIDENT_MIN_P 0.20
#define SEEN_BEFORE_MAX 5

/* The actors a name means: catalogued ones (by name, alias or ATT&CK id), else the name as
 * the store keeps it. */
typedef struct who {
    const char *name, *attack_id;
    const ts_actor *actor; /* NULL: known to the store only */
} who;

static size_t resolve(const ts_intel *ti, const char *name, who *out, size_t max)
{
    uint32_t ids[8];
    size_t n = ti ? ts_intel_actor_resolve(ti, name, ids, 8) : 0;
    size_t k = 0;
    for (size_t i = 0; i < n && i < 8 && k < max; i++) {
        const ts_actor *a = ts_intel_actor(ti, ids[i]);
        if (a)
            out[k++] = (who){a->name, a->attack_id, a};
    }
    if (!k)
        out[k++] = (who){name, NULL, NULL};
    return k;
}

static void text_sightings(const rpt *r, const ts_sighting *v, size_t n)
{
    char t1[40], t2[40];
    if (!n) {
        fputs("  sightings   none in this store\n", r->out);
        return;
    }
    fprintf(r->out, "  sightings   %zu incident%s, first seen %s, last seen %s\n", n, n == 1 ? "" : "s",
            rpt_time(v[0].first_ns, true, t1, sizeof t1), rpt_time(v[n - 1].last_ns, true, t2, sizeof t2));
    for (size_t i = 0; i < n; i++) {
        fputs("    ", r->out);
        ts_fputs_term(v[i].incident, r->out);
        fprintf(r->out, "  %s .. %s  ", rpt_time(v[i].first_ns, true, t1, sizeof t1),
                rpt_time(v[i].last_ns, true, t2, sizeof t2));
        char pc[16];
        fprintf(r->out, "%s %s (", v[i].rank == 1 && v[i].probability > 0.55 ? "verdict" : "candidate",
                ts_fmt_pct(v[i].probability, 0, pc, sizeof pc));
        ts_fputs_term(v[i].wording ? v[i].wording : "?", r->out);
        fprintf(r->out, "), rank %d\n", v[i].rank);
    }
}

static void text_iocs(const rpt *r, const ts_actor_ioc *v, size_t n)
{
    char t1[40], t2[40];
    if (!n)
        return;
    fprintf(r->out, "  indicators  %zu of its indicators matched\n", n);
    for (size_t i = 0; i < n; i++) {
        fputs("    ", r->out);
        ts_fputs_term(v[i].type ? v[i].type : "?", r->out);
        fputc(' ', r->out);
        ts_fputs_term(v[i].value, r->out);
        fprintf(r->out, "  %s .. %s  %llu alert%s\n", rpt_time(v[i].first_ns, true, t1, sizeof t1),
                rpt_time(v[i].last_ns, true, t2, sizeof t2), (unsigned long long)v[i].alerts,
                v[i].alerts == 1 ? "" : "s");
    }
}

static void text_header(const rpt *r, const who *w, size_t n_who)
{
    fputs(rpt_sgr(r, RS_BOLD), r->out);
    ts_fputs_term(w->name, r->out);
    fputs(rpt_sgr(r, RS_RESET), r->out);
    if (w->attack_id) {
        fputs(" (", r->out);
        ts_fputs_term(w->attack_id, r->out);
        fputc(')', r->out);
    }
    if (w->actor && w->actor->country) {
        fputs(", suspected to be based in ", r->out);
        ts_fputs_term(w->actor->country, r->out);
    }
    if (n_who > 1)
        fprintf(r->out, " [the name is ambiguous: %zu actors carry it]", n_who);
    fputc('\n', r->out);
    if (w->actor)
        fprintf(r->out, "  profile     %zu techniques, %zu software, %zu aliases\n", w->actor->n_techniques,
                w->actor->n_software, w->actor->n_aliases);
    else
        fputs("  profile     not in the loaded catalogue (known to the store by this name)\n", r->out);
}

static void json_actor(FILE *out, const who *w, const ts_sighting *s, size_t ns, const ts_actor_ioc *v,
                       size_t ni)
{
    ts_jw j;
    ts_jw_begin(&j, out);
    ts_jw_kstr(&j, "type", "actor");
    ts_jw_kstr(&j, "actor", w->name);
    ts_jw_kstr(&j, "attack_id", w->attack_id);
    ts_jw_kstr(&j, "country", w->actor ? w->actor->country : NULL);
    ts_jw_kint_or_null(&j, "first_seen_ns", ns, ns ? s[0].first_ns : 0);
    ts_jw_kint_or_null(&j, "last_seen_ns", ns, ns ? s[ns - 1].last_ns : 0);
    ts_jw_key(&j, "incidents");
    ts_jw_arr(&j);
    for (size_t i = 0; i < ns; i++) {
        ts_jw_obj(&j);
        ts_jw_kstr(&j, "incident", s[i].incident);
        ts_jw_kint(&j, "first_ns", s[i].first_ns);
        ts_jw_kint(&j, "last_ns", s[i].last_ns);
        ts_jw_kint(&j, "rank", s[i].rank);
        ts_jw_kdouble(&j, "probability", s[i].probability);
        ts_jw_kstr(&j, "wording", s[i].wording);
        ts_jw_obj_end(&j);
    }
    ts_jw_arr_end(&j);
    ts_jw_key(&j, "indicators");
    ts_jw_arr(&j);
    for (size_t i = 0; i < ni; i++) {
        ts_jw_obj(&j);
        ts_jw_kstr(&j, "type", v[i].type);
        ts_jw_kstr(&j, "value", v[i].value);
        ts_jw_kint(&j, "first_ns", v[i].first_ns);
        ts_jw_kint(&j, "last_ns", v[i].last_ns);
        ts_jw_kuint(&j, "alerts", v[i].alerts);
        ts_jw_obj_end(&j);
    }
    ts_jw_arr_end(&j);
    ts_jw_end(&j);
}

tocsin_code ts_report_actor(ts_store *s, const ts_intel *ti, const char *name, FILE *out, int json)
{
    who w[8];
    size_t n_who = resolve(ti, name, w, 8);
    rpt r;
    rpt_init(&r, out);
    size_t seen = 0;
    for (size_t k = 0; k < n_who; k++) {
        ts_sighting *sv;
        ts_actor_ioc *iv;
        size_t ns, ni;
        tocsin_code rc = ts_store_actor_sightings(s, w[k].name, w[k].attack_id, SIGHTING_MIN_P, &sv, &ns);
        if (rc != TOCSIN_OK)
            return rc;
        if ((rc = ts_store_actor_indicators(s, w[k].name, w[k].attack_id, &iv, &ni)) != TOCSIN_OK) {
            ts_sightings_free(sv, ns);
            return rc;
        }
        seen += ns + ni;
        if (!w[k].actor && !ns && !ni) { /* a name neither catalogued nor stored */
            ts_sightings_free(sv, ns);
            ts_actor_iocs_free(iv, ni);
            continue;
        }
        if (json) {
            json_actor(out, &w[k], sv, ns, iv, ni);
        } else {
            text_header(&r, &w[k], n_who);
            text_sightings(&r, sv, ns);
            text_iocs(&r, iv, ni);
        }
        ts_sightings_free(sv, ns);
        ts_actor_iocs_free(iv, ni);
    }
    return seen || w[0].actor ? TOCSIN_OK : TOCSIN_E_NOTFOUND;
}

tocsin_code ts_report_incidents_of_actor(ts_store *s, const ts_intel *ti, const char *name, FILE *out,
                                         int json)
{
    who w[8];
    size_t n_who = resolve(ti, name, w, 8);
    rpt r;
    rpt_init(&r, out);
    size_t listed = 0;
    tocsin_code rc = TOCSIN_OK;
    for (size_t k = 0; k < n_who && rc == TOCSIN_OK; k++) {
        ts_sighting *sv;
        size_t ns;
        if ((rc = ts_store_actor_sightings(s, w[k].name, w[k].attack_id, INCIDENT_MIN_P, &sv, &ns)) !=
            TOCSIN_OK)
            break;
        for (size_t i = ns; i-- > 0 && rc == TOCSIN_OK;) { /* newest first, as `incidents` */
            ts_incident_view *v;
            if ((rc = ts_store_incident_load(s, sv[i].incident, 0, &v)) != TOCSIN_OK)
                break;
            if (json)
                rpt_incident_json_line(out, v);
            else
                rpt_incident_line(&r, v);
            listed++;
            ts_incident_view_free(v);
        }
        ts_sightings_free(sv, ns);
    }
    if (rc == TOCSIN_OK && !json && !listed) {
        fputs("no stored incident names ", out);
        ts_fputs_term(name, out);
        fprintf(out, " as its verdict or a candidate of %.0f%% or more\n", INCIDENT_MIN_P * 100);
    }
    return rc;
}

/* The earlier incidents an incident shares infrastructure with, then those whose technique
 * and software profile is close (not already listed), up to SEEN_BEFORE_MAX each. */
static tocsin_code seen_before(ts_store *s, const char *incident, ts_link **out, size_t *n)
{
    ts_link *infra = NULL, *close = NULL;
    size_t ni = 0, nc = 0;
    tocsin_code rc = ts_store_seen_before(s, incident, SEEN_BEFORE_MAX, &infra, &ni);
    if (rc != TOCSIN_OK)
        return rc;
    if (ts_store_similar_before(s, incident, SEEN_BEFORE_MAX, &close, &nc) != TOCSIN_OK) {
        *out = infra; /* the profile comparison is an extra: its failure leaves the rest */
        *n = ni;
        return TOCSIN_OK;
    }
    ts_link *v = realloc(infra, (ni + nc ? ni + nc : 1) * sizeof *v);
    if (!v) {
        ts_links_free(infra, ni);
        ts_links_free(close, nc);
        return TOCSIN_E_NOMEM;
    }
    size_t k = ni;
    for (size_t i = 0; i < nc; i++) {
        bool dup = false;
        for (size_t j = 0; j < ni && !dup; j++)
            dup = strcmp(v[j].incident, close[i].incident) == 0;
        if (dup) {
            free(close[i].incident);
            free(close[i].shared);
            free(close[i].verdict);
        } else {
            v[k++] = close[i];
        }
    }
    free(close);
    *out = v;
    *n = k;
    return TOCSIN_OK;
}

void rpt_seen_before(const rpt *r, ts_store *s, const char *incident)
{
    ts_link *v = NULL;
    size_t n = 0;
    if (seen_before(s, incident, &v, &n) != TOCSIN_OK)
        return;
    if (!n) {
        free(v);
        return;
    }
    char t[40];
    for (size_t i = 0; i < n; i++) {
        fprintf(r->out, "  %-9s ", i ? "" : "seen before");
        ts_fputs_term(v[i].incident, r->out);
        fprintf(r->out, ", %s", rpt_time(v[i].first_ns, true, t, sizeof t));
        if (v[i].verdict) {
            fputs(" (", r->out);
            ts_fputs_term(v[i].verdict, r->out);
            fputc(')', r->out);
        }
        if (v[i].similarity > 0) {
            fputs(", close ", r->out);
            ts_fputs_term(v[i].shared, r->out);
            if (v[i].n_shared > 3)
                fprintf(r->out, " and %llu more", (unsigned long long)(v[i].n_shared - 3));
            fprintf(r->out, " in common (similarity %.2f)\n", v[i].similarity);
            continue;
        }
        fputs(", same ", r->out);
        ts_fputs_term(v[i].shared, r->out);
        if (v[i].n_shared > 1)
            fprintf(r->out, " and %llu more", (unsigned long long)(v[i].n_shared - 1));
        fputc('\n', r->out);
    }
    ts_links_free(v, n);
}

void rpt_seen_before_json(FILE *out, ts_store *s, const char *incident)
{
    ts_link *v = NULL;
    size_t n = 0;
    if (seen_before(s, incident, &v, &n) != TOCSIN_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        ts_jw j;
        ts_jw_begin(&j, out);
        ts_jw_kstr(&j, "type", "seen_before");
        ts_jw_kstr(&j, "incident", incident);
        ts_jw_kstr(&j, "earlier", v[i].incident);
        ts_jw_kint(&j, "earlier_first_ns", v[i].first_ns);
        ts_jw_kstr(&j, "earlier_verdict", v[i].verdict);
        ts_jw_kstr(&j, "shared", v[i].shared);
        ts_jw_kuint(&j, "n_shared", v[i].n_shared);
        if (v[i].similarity > 0)
            ts_jw_kdouble(&j, "similarity", v[i].similarity);
        ts_jw_end(&j);
    }
    ts_links_free(v, n);
}
