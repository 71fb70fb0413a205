/* rules.c: `tocsin rules check`: loads a Sigma rule tree and says what became of each rule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/session.h"
#include "core/esc.h"
#include "core/input.h"
#include "core/jsonw.h"
#include "ingest/ingest.h"
#include "sigma/sigma.h"

typedef struct check {
    tocsin *t;
    size_t loaded, refused, idle;
    bool compiled; /* statuses from now on are of loaded correlations that cannot run */
} check;

static void on_status(void *ud, const ts_sigma_status *st)
{
    check *c = ud;
    FILE *f = c->t->out;
    const char *status = c->compiled ? "idle" : st->loaded ? "loaded" : "refused";
    if (c->compiled)
        c->idle++;
    else if (st->loaded)
        c->loaded++;
    else
        c->refused++;
    if (c->t->o.json) {
        ts_jw w;
        ts_jw_begin(&w, f);
        ts_jw_kstr(&w, "type", "sigma_rule");
        ts_jw_kstr(&w, "file", st->at.file);
        ts_jw_kuint(&w, "line", st->at.line);
        ts_jw_kstr(&w, "id", st->id);
        ts_jw_kstr(&w, "title", st->title);
        ts_jw_kstr(&w, "status", status);
        if (!st->loaded)
            ts_jw_kstr(&w, "reason", st->at.msg);
        ts_jw_end(&w);
        return;
    }
    fprintf(f, "%-9s", status);
    ts_fputs_term(st->id[0] ? st->id : "-", f);
    fputs("  ", f);
    ts_fputs_term(st->at.file, f);
    if (st->at.line > 1)
        fprintf(f, ":%llu", (unsigned long long)st->at.line);
    if (!st->loaded) {
        fputs(": ", f);
        ts_fputs_term(st->at.msg, f);
    }
    fputc('\n', f);
}

tocsin_code tocsin_rules_check(tocsin *t, const char *path)
{
    char ls[4096];
    snprintf(ls, sizeof ls, "%s/sigma/logsources.tsv", t->data_dir);
    ts_sigma *s = ts_sigma_new(ls, ts_session_fail_fn, t);
    if (!s)
        return TOCSIN_E_IO;
    tocsin_code rc = TOCSIN_OK;
    if (t->o.sigma_placeholders &&
        (rc = ts_sigma_load_placeholders(s, t->o.sigma_placeholders, ts_session_fail_fn, t)) != TOCSIN_OK) {
        ts_sigma_free(s);
        return rc;
    }
    check c = {t, 0, 0, 0, false};
    rc = ts_sigma_load_path(s, path, on_status, &c);
    if (rc == TOCSIN_OK)
        rc = ts_sigma_compile(s, ts_session_fail_fn, t);
    size_t ffail = rc == TOCSIN_OK ? ts_sigma_filters_failed(s) : 0;
    c.compiled = true;
    if (rc == TOCSIN_OK)
        ts_sigma_idle_correlations(s, on_status, &c);
    ts_sigma_free(s);
    if (rc != TOCSIN_OK)
        return rc == TOCSIN_E_IO ? ts_session_fail(t, rc, "cannot read %s", path) : rc;
    if (ffail)
        ts_session_diag(t, path, 0, "%zu filter applications could not be built for their rule's log source",
                        ffail);
    if (t->o.json) {
        ts_jw w;
        ts_jw_begin(&w, t->out);
        ts_jw_kstr(&w, "type", "sigma_summary");
        ts_jw_kuint(&w, "loaded", c.loaded);
        ts_jw_kuint(&w, "refused", c.refused);
        ts_jw_kuint(&w, "idle", c.idle);
        ts_jw_end(&w);
    } else {
        fprintf(t->out, "%zu rules loaded, %zu refused", c.loaded, c.refused);
        if (c.idle)
            fprintf(t->out, ", %zu of the loaded correlations idle", c.idle);
        fputc('\n', t->out);
    }
    return c.refused || c.idle ? TOCSIN_E_PARTIAL : TOCSIN_OK;
}

/* ---- coverage ---- */

#define MAX_TECHNIQUES 4096

typedef struct cover {
    tocsin *t;
    ts_sigma_coverage *c;
    ts_scratch scratch;
    uint64_t events, rejected;
    size_t could, cannot;
    char *tech[MAX_TECHNIQUES];
    size_t ntech;
} cover;

static void cover_event(void *ud, ts_event *ev)
{
    cover *c = ud;
    c->events++;
    ts_sigma_coverage_event(c->c, ev);
}

static void cover_error(void *ud, const ts_diag *d)
{
    cover *c = ud;
    c->rejected++;
    ts_session_diag_fn(c->t, d);
}

static void cover_warn(void *ud, const ts_diag *d)
{
    ts_session_diag_fn(((cover *)ud)->t, d);
}

static int cover_file(void *ud, const char *file)
{
    cover *c = ud;
    ts_input *in;
    char err[512];
    const char *head;
    tocsin_code rc = ts_input_open(file, &in, err, sizeof err);
    if (rc != TOCSIN_OK) {
        ts_diag_say(cover_error, c, file, 0, 0, rc, err);
        return 0;
    }
    size_t n = ts_input_peek(in, &head);
    const ts_reader *r = n ? ts_reader_detect(head, n) : NULL;
    ts_sink sink = {cover_event, cover_error, c, cover_warn};
    if (r)
        r->read(in, &c->scratch, &sink);
    else if (n)
        ts_diag_say(cover_error, c, file, 0, 0, TOCSIN_E_FORMAT, "not a log format tocsin reads");
    ts_input_close(in);
    return 0;
}

/* Adds each technique of a comma-separated list of ATT&CK ids once (groups and software are not techniques).
 */
static void add_techniques(cover *c, const char *list)
{
    while (*list) {
        size_t n = strcspn(list, ",");
        bool have = false;
        for (size_t i = 0; i < c->ntech && !have; i++)
            have = strlen(c->tech[i]) == n && !strncmp(c->tech[i], list, n);
        if (!have && n && list[0] == 'T' && c->ntech < MAX_TECHNIQUES &&
            (c->tech[c->ntech] = strndup(list, n)))
            c->ntech++;
        list += n + (list[n] == ',');
    }
}

static void on_cover(void *ud, const ts_sigma_rule_info *r, bool could_fire, const char *why)
{
    cover *c = ud;
    FILE *f = c->t->out;
    if (could_fire) {
        c->could++;
        add_techniques(c, r->techniques);
    } else {
        c->cannot++;
    }
    if (c->t->o.json) {
        ts_jw w;
        ts_jw_begin(&w, f);
        ts_jw_kstr(&w, "type", "sigma_coverage");
        ts_jw_kstr(&w, "id", r->id);
        ts_jw_kstr(&w, "title", r->title);
        ts_jw_kstr(&w, "file", r->file);
        ts_jw_key(&w, "could_fire");
        ts_jw_bool(&w, could_fire);
        if (why)
            ts_jw_kstr(&w, "reason", why);
        ts_jw_end(&w);
        return;
    }
    fputs(could_fire ? "could fire  " : "cannot      ", f);
    ts_fputs_term(r->id, f);
    fputs("  ", f);
    ts_fputs_term(r->title, f);
    if (why) {
        fputs(": ", f);
        ts_fputs_term(why, f);
    }
    fputc('\n', f);
}

/* Coverage judges the rules that load; of the others, only a tree that cannot be read
 * whole is news here ('rules check' says why each refused rule was refused). */
static void on_cover_load(void *ud, const ts_sigma_status *st)
{
    if (!st->loaded && st->at.code != TOCSIN_E_PARSE)
        ts_session_diag_fn(ud, &st->at);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void cover_summary(cover *c)
{
    qsort(c->tech, c->ntech, sizeof *c->tech, cmp_str);
    FILE *f = c->t->out;
    if (c->t->o.json) {
        ts_jw w;
        ts_jw_begin(&w, f);
        ts_jw_kstr(&w, "type", "sigma_coverage_summary");
        ts_jw_kuint(&w, "events", c->events);
        ts_jw_kuint(&w, "could_fire", c->could);
        ts_jw_kuint(&w, "cannot_fire", c->cannot);
        ts_jw_key(&w, "techniques");
        ts_jw_arr(&w);
        for (size_t i = 0; i < c->ntech; i++)
            ts_jw_str(&w, c->tech[i]);
        ts_jw_arr_end(&w);
        ts_jw_end(&w);
        return;
    }
    fprintf(f, "%llu events: %zu rules could fire, %zu could not\nATT&CK techniques covered (%zu):",
            (unsigned long long)c->events, c->could, c->cannot, c->ntech);
    for (size_t i = 0; i < c->ntech; i++) {
        fputc(i ? ',' : ' ', f);
        ts_fputs_term(c->tech[i], f);
    }
    fputc('\n', f);
}

tocsin_code tocsin_rules_coverage(tocsin *t, const char *rules, const char *const *logs, size_t nlogs)
{
    char ls[4096];
    snprintf(ls, sizeof ls, "%s/sigma/logsources.tsv", t->data_dir);
    ts_sigma *s = ts_sigma_new(ls, ts_session_fail_fn, t);
    if (!s)
        return TOCSIN_E_IO;
    cover c = {.t = t};
    tocsin_code rc = ts_sigma_load_path(s, rules, on_cover_load, t);
    if (rc == TOCSIN_E_IO)
        rc = ts_session_fail(t, rc, "cannot read %s", rules);
    else if (rc == TOCSIN_OK)
        rc = ts_sigma_compile(s, ts_session_fail_fn, t);
    if (rc == TOCSIN_OK && (!(c.c = ts_sigma_coverage_new(s)) || ts_scratch_init(&c.scratch) != TOCSIN_OK))
        rc = TOCSIN_E_NOMEM;
    if (rc == TOCSIN_OK) {
        for (size_t i = 0; i < nlogs; i++)
            ts_walk(logs[i], cover_file, cover_error, &c);
        ts_sigma_coverage_report(c.c, on_cover, &c);
        cover_summary(&c);
        ts_scratch_free(&c.scratch);
    }
    for (size_t i = 0; i < c.ntech; i++)
        free(c.tech[i]);
    ts_sigma_coverage_free(c.c);
    ts_sigma_free(s);
    if (rc == TOCSIN_OK && c.rejected)
        rc = TOCSIN_E_PARTIAL;
    return rc;
}
