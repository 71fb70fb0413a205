/* rules.c: `tocsin rules check`: loads a Sigma rule tree and says what became of each rule. */
#include <stdio.h>
#include <string.h>

#include "api/session.h"
#include "core/esc.h"
#include "core/jsonw.h"
#include "sigma/sigma.h"

typedef struct check {
    tocsin *t;
    size_t loaded, refused;
} check;

static void on_status(void *ud, const ts_sigma_status *st)
{
    check *c = ud;
    FILE *f = c->t->out;
    if (st->loaded)
        c->loaded++;
    else
        c->refused++;
    if (c->t->o.json) {
        ts_jw w;
        ts_jw_begin(&w, f);
        ts_jw_kstr(&w, "type", "sigma_rule");
        ts_jw_kstr(&w, "file", st->file);
        ts_jw_kuint(&w, "line", st->line);
        ts_jw_kstr(&w, "id", st->id);
        ts_jw_kstr(&w, "title", st->title);
        ts_jw_kstr(&w, "status", st->loaded ? "loaded" : "refused");
        if (!st->loaded)
            ts_jw_kstr(&w, "reason", st->reason);
        ts_jw_end(&w);
        return;
    }
    fputs(st->loaded ? "loaded   " : "refused  ", f);
    ts_fputs_term(st->id[0] ? st->id : "-", f);
    fputs("  ", f);
    ts_fputs_term(st->file, f);
    if (st->line > 1)
        fprintf(f, ":%llu", (unsigned long long)st->line);
    if (!st->loaded) {
        fputs(": ", f);
        ts_fputs_term(st->reason, f);
    }
    fputc('\n', f);
}

tocsin_code tocsin_rules_check(tocsin *t, const char *path)
{
    char ls[4096], err[512];
    snprintf(ls, sizeof ls, "%s/sigma/logsources.tsv", t->data_dir);
    ts_sigma *s = ts_sigma_new(ls, err, sizeof err);
    if (!s)
        return ts_session_fail(t, TOCSIN_E_IO, "%s", err);
    if (t->o.sigma_placeholders &&
        ts_sigma_load_placeholders(s, t->o.sigma_placeholders, err, sizeof err) != TOCSIN_OK) {
        ts_sigma_free(s);
        return ts_session_fail(t, TOCSIN_E_PARSE, "%s", err);
    }
    check c = {t, 0, 0};
    tocsin_code rc = ts_sigma_load_path(s, path, on_status, &c);
    if (rc == TOCSIN_OK && ts_sigma_compile(s, err, sizeof err) != TOCSIN_OK)
        rc = ts_session_fail(t, TOCSIN_E_PARSE, "%s", err);
    ts_sigma_free(s);
    if (rc != TOCSIN_OK)
        return rc == TOCSIN_E_IO ? ts_session_fail(t, rc, "cannot read %s", path) : rc;
    if (t->o.json) {
        ts_jw w;
        ts_jw_begin(&w, t->out);
        ts_jw_kstr(&w, "type", "sigma_summary");
        ts_jw_kuint(&w, "loaded", c.loaded);
        ts_jw_kuint(&w, "refused", c.refused);
        ts_jw_end(&w);
    } else {
        fprintf(t->out, "%zu rules loaded, %zu refused\n", c.loaded, c.refused);
    }
    return c.refused ? TOCSIN_E_PARTIAL : TOCSIN_OK;
}
