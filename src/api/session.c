/* session.c: opening a session: the store, the location database, the bundled and stored
 * intelligence; and the small commands that only read them. */
#include "api/session.h"
#include "api/alert_out.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/tunables.h"
#include "attribute/attribute.h"
#include "attribute/sharing.h"
#include "attribute/timezone.h"
#include "core/config.h"
#include "core/esc.h"
#include "core/str.h"
#include "report/report.h"
#include "store/store_read.h"

#ifndef TOCSIN_DATA_DIR
#define TOCSIN_DATA_DIR "/usr/share/tocsin"
#endif
#define DEFAULT_WATCH "KP,AS131279"

void ts_session_diag(tocsin *t, const char *file, uint64_t line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ts_diag d = {file, line, 0, TOCSIN_OK, msg}; /* the session's own notes reject nothing */
    ts_session_diag_fn(t, &d);
}

void ts_session_diag_fn(void *ud, const ts_diag *d)
{
    tocsin *t = ud;
    if (t->o.diag)
        t->o.diag(t->o.diag_ud, d);
}

tocsin_code ts_session_fail(tocsin *t, tocsin_code code, const char *fmt, ...)
{
    char raw[sizeof t->err];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* Paths and names from input go into it, and callers print it: escape it once, here. */
    ts_esc_term(raw, t->err, sizeof t->err);
    return code;
}

void ts_session_fail_fn(void *ud, const ts_diag *d)
{
    const char *msg = d->msg ? d->msg : tocsin_strerror(d->code);
    if (d->file && d->line)
        ts_session_fail(ud, d->code, "%s:%llu: %s", d->file, (unsigned long long)d->line, msg);
    else if (d->file)
        ts_session_fail(ud, d->code, "%s: %s", d->file, msg);
    else
        ts_session_fail(ud, d->code, "%s", msg);
}

const char *tocsin_last_error(const tocsin *t)
{
    return t ? t->err : "";
}

/* ---- feeds ------------------------------------------------------------------------------ */

typedef struct feed_ctx {
    tocsin *t;
    const char *actor;
    int persist;
    uint64_t problems;
    tocsin_code store_rc;
} feed_ctx;

static void feed_diag(void *ud, const ts_diag *d)
{
    feed_ctx *f = ud;
    f->problems++;
    ts_session_diag_fn(f->t, d);
}

/* A stored feed's kind carries the declared actor ("list|actor=Lazarus Group") so that a
 * reload gives the same indicators the first load gave. */
#define ACTOR_TAG "|actor="

static void feed_loaded(void *ud, const char *kind, const char *name, const char *data, size_t len)
{
    feed_ctx *f = ud;
    char stored_kind[256];
    int added;
    if (!f->persist)
        return;
    if (f->actor)
        snprintf(stored_kind, sizeof stored_kind, "%s" ACTOR_TAG "%s", kind, f->actor);
    else
        snprintf(stored_kind, sizeof stored_kind, "%s", kind);
    tocsin_code rc = ts_store_feed_put(f->t->store, stored_kind, name, data, len, &added);
    if (rc != TOCSIN_OK)
        f->store_rc = rc;
}

tocsin_code ts_session_load_feed(tocsin *t, const char *path, const char *actor, int persist)
{
    feed_ctx f = {t, actor, persist, 0, TOCSIN_OK};
    ts_feed_opts o = {.actor = actor, .diag = feed_diag, .ud = &f, .loaded = feed_loaded};
    tocsin_code rc = ts_intel_load_path(t->intel, path, &o);
    if (rc != TOCSIN_OK)
        return ts_session_fail(t, rc, "%s: %s", path, tocsin_strerror(rc));
    if (f.store_rc != TOCSIN_OK)
        return ts_session_fail(t, f.store_rc, "%s (keeping the feed %s)", ts_store_error(t->store), path);
    return f.problems ? TOCSIN_E_PARTIAL : TOCSIN_OK;
}

static int reload_stored(void *ud, const char *kind, const char *name, const char *data, size_t len)
{
    feed_ctx *f = ud;
    char hint[256];
    const char *tag = strstr(kind, ACTOR_TAG);
    size_t kl = tag ? (size_t)(tag - kind) : strlen(kind);
    snprintf(hint, sizeof hint, "%.*s", (int)kl, kind);
    /* Its problems were reported when it was first loaded; repeating them on every later
       command would bury new messages. */
    ts_feed_opts o = {.actor = tag ? tag + strlen(ACTOR_TAG) : NULL, .diag = NULL, .ud = f};
    ts_intel_load_buffer(f->t->intel, name, hint, data, len, &o);
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* The bundled defaults: every feed file in DATA/intel (documentation excluded). */
static void load_bundled(tocsin *t)
{
    char dir[4096], path[4096 + 256];
    struct dirent **names;
    snprintf(dir, sizeof dir, "%s/intel", t->data_dir);
    int n = scandir(dir, &names, NULL, by_name);
    if (n < 0) {
        ts_session_diag(t, dir, 0, "no bundled intelligence here: %s", strerror(errno));
        return;
    }
    for (int i = 0; i < n; i++) {
        const char *nm = names[i]->d_name;
        size_t l = strlen(nm);
        if (nm[0] != '.' && !(l > 3 && strcmp(nm + l - 3, ".md") == 0)) {
            snprintf(path, sizeof path, "%s/%s", dir, nm);
            ts_session_load_feed(t, path, NULL, 0);
        }
        free(names[i]);
    }
    free(names);
}

typedef struct config_count {
    tocsin *t;
    size_t errors;
} config_count;

static void config_diag(void *ud, const ts_diag *d)
{
    config_count *cc = ud;
    cc->errors++;
    ts_session_diag_fn(cc->t, d);
}

/* Tunables: the file given, else the bundled detect.conf (whose absence is no error). A
 * line that is not "key = value", or a key or value no detector's table allows, is an error
 * (TOCSIN_E_PARSE): a typo must not leave a detector quietly on its default. */
static tocsin_code load_config(tocsin *t)
{
    char path[4096];
    size_t bad = 0;
    ts_tune_section sections[64];
    if (t->o.config)
        snprintf(path, sizeof path, "%s", t->o.config);
    else
        snprintf(path, sizeof path, "%s/detect.conf", t->data_dir);
    config_count cc = {t, 0};
    if (ts_config_load(path, &t->config, config_diag, &cc) == TOCSIN_E_IO && t->o.config)
        ts_session_diag(t, path, 0, "cannot read the configuration; using the defaults");
    size_t cap = sizeof sections / sizeof *sections, n = ts_tune_sections(sections, cap);
    bad = ts_config_check(t->config, sections, n < cap ? n : cap, config_diag, &cc);
    return cc.errors || bad ? TOCSIN_E_PARSE : TOCSIN_OK;
}

/* The actors' home time zones, for the attribution's time evidence; its absence only
 * leaves that evidence out. */
static void load_timezones(tocsin *t)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/attribution/timezones.tsv", t->data_dir);
    t->tz = calloc(1, sizeof *t->tz);
    if (t->tz && ts_tz_load(path, t->tz, ts_session_diag_fn, t) != TOCSIN_OK) {
        free(t->tz);
        t->tz = NULL;
    }
}

/* The classes of shared infrastructure (CDN, cloud, VPN...); without them a warninglisted
 * indicator weighs nothing, whatever the list. */
static void load_sharing(tocsin *t)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/attribution/sharing.tsv", t->data_dir);
    t->share = calloc(1, sizeof *t->share);
    if (t->share && ts_share_load(path, t->share, ts_session_diag_fn, t) != TOCSIN_OK) {
        free(t->share);
        t->share = NULL;
    }
}

/* ---- open / close ----------------------------------------------------------------------- */

static char *dup_or(const char *s, const char *fallback)
{
    return strdup(s && *s ? s : fallback);
}

tocsin_code tocsin_open(const tocsin_options *opts, tocsin **out)
{
    tocsin *t = calloc(1, sizeof *t);
    char err[512];
    tocsin_code rc;
    *out = NULL;
    if (!t)
        return TOCSIN_E_NOMEM;
    if (opts)
        t->o = *opts;
    t->out = t->o.out ? t->o.out : stdout;
    t->db_path = dup_or(t->o.db_path, "tocsin.db");
    t->data_dir = dup_or(t->o.data_dir, getenv("TOCSIN_DATA") ? getenv("TOCSIN_DATA") : TOCSIN_DATA_DIR);
    t->watch = dup_or(t->o.watch, DEFAULT_WATCH);
    t->intel = ts_intel_new();
    if (!t->db_path || !t->data_dir || !t->watch || !t->intel) {
        tocsin_close(t);
        return TOCSIN_E_NOMEM;
    }
    /* a bad configuration stops the command before anything is created */
    if ((rc = load_config(t)) != TOCSIN_OK) {
        tocsin_close(t);
        return rc;
    }
    /* A command that only reads must not leave an empty store behind: without one it
       reads an empty store in memory. */
    int absent = t->o.read_only && !ts_store_is_url(t->db_path) && access(t->db_path, F_OK) != 0;
    rc = ts_store_open(absent ? ":memory:" : t->db_path, &t->store, err, sizeof err);
    if (rc != TOCSIN_OK) {
        ts_session_diag(t, NULL, 0, "%s", err); /* it names the store */
        tocsin_close(t);
        return rc;
    }
    char *shown = ts_store_is_url(t->db_path) ? ts_store_shown_path(t->db_path) : NULL;
    if (shown) { /* later messages name the database without its password */
        free(t->db_path);
        t->db_path = shown;
    }
    rc = ts_enrich_open(NULL, t->o.internal, &t->enrich, err, sizeof err);
    if (rc == TOCSIN_E_ARG) {
        ts_session_diag(t, NULL, 0, "--internal: %s", err);
        tocsin_close(t);
        return rc;
    }
    if (rc != TOCSIN_OK)
        ts_session_diag(t, NULL, 0, "%s (countries and ASNs will be missing)", err);
    load_timezones(t);
    load_sharing(t);
    if (!t->o.no_defaults)
        load_bundled(t);
    feed_ctx f = {t, NULL, 0, 0, TOCSIN_OK};
    rc = ts_store_feed_each(t->store, reload_stored, &f);
    if (rc != TOCSIN_OK) {
        ts_session_diag(t, NULL, 0, "%s", ts_store_error(t->store));
        tocsin_close(t);
        return rc;
    }
    ts_intel_finalise(t->intel);
    *out = t;
    return TOCSIN_OK;
}

void tocsin_close(tocsin *t)
{
    if (!t)
        return;
    ts_store_close(t->store);
    ts_alert_out_free(t->alerts_out);
    ts_enrich_free(t->enrich);
    ts_intel_free(t->intel);
    ts_config_free(t->config);
    if (t->tz)
        ts_tz_free(t->tz);
    free(t->tz);
    free(t->shown);
    if (t->own_out)
        fclose(t->own_out);
    ts_share_free(t->share);
    free(t->share);
    ts_results_forget(t);
    free(t->db_path);
    free(t->data_dir);
    free(t->watch);
    free(t);
}

/* ---- the commands that read ---------------------------------------------------------- */

tocsin_code tocsin_intel_load(tocsin *t, const char *path, const char *actor)
{
    tocsin_code rc = ts_session_load_feed(t, path, actor, 1);
    if (rc == TOCSIN_OK || rc == TOCSIN_E_PARTIAL) {
        ts_intel_finalise(t->intel);
        ts_report_intel_stats(t->intel, t->out, t->o.json);
    }
    return rc;
}

tocsin_code tocsin_intel_stats(tocsin *t)
{
    ts_report_intel_stats(t->intel, t->out, t->o.json);
    return TOCSIN_OK;
}

tocsin_code tocsin_intel_lookup(tocsin *t, const char *value)
{
    return ts_report_lookup(t->intel, t->enrich, value, t->out, t->o.json);
}

tocsin_code tocsin_incidents(tocsin *t)
{
    tocsin_code rc = ts_report_incidents(t->store, t->out, t->o.json);
    if (rc == TOCSIN_E_DB)
        return ts_session_fail(t, rc, "%s", ts_store_error(t->store));
    return rc;
}

tocsin_code tocsin_actor(tocsin *t, const char *name)
{
    tocsin_code rc = ts_report_actor(t->store, t->intel, name, t->out, t->o.json);
    if (rc == TOCSIN_E_NOTFOUND)
        return ts_session_fail(t, rc, "no actor %s in the catalogue or in %s", name, t->db_path);
    return rc;
}

tocsin_code tocsin_incidents_of(tocsin *t, const char *actor)
{
    return ts_report_incidents_of_actor(t->store, t->intel, actor, t->out, t->o.json);
}

tocsin_code tocsin_show(tocsin *t, const char *id)
{
    tocsin_code rc = ts_report_show(t->store, id, t->out, t->o.json);
    if (rc == TOCSIN_E_NOTFOUND)
        return ts_session_fail(t, rc, "no incident %s in %s", id, t->db_path);
    if (rc == TOCSIN_E_DB)
        return ts_session_fail(t, rc, "%s", ts_store_error(t->store));
    return rc;
}

/* The ids named, or every stored incident when none is: *all (to free with ts_strv_free)
 * holds them then. */
static tocsin_code incident_ids(tocsin *t, const char *const **ids, size_t *n, char ***all, size_t *n_all)
{
    *all = NULL, *n_all = 0;
    if (*n)
        return TOCSIN_OK;
    tocsin_code rc = ts_store_incident_ids(t->store, -1, all, n_all);
    if (rc != TOCSIN_OK)
        return ts_session_fail(t, rc, "%s", ts_store_error(t->store));
    if (*n_all == 0)
        return ts_session_fail(t, TOCSIN_E_NOTFOUND, "no incidents in %s", t->db_path);
    *ids = (const char *const *)*all, *n = *n_all;
    return TOCSIN_OK;
}

/* Writes output: a report whose writer fails part way leaves no file behind. */
typedef tocsin_code (*writer_fn)(ts_store *s, const char *const *ids, size_t n, const void *how, FILE *out,
                                 char *err, size_t cap);

static tocsin_code write_output(tocsin *t, const char *path, writer_fn fn, const char *const *ids, size_t n,
                                const void *how)
{
    char tmp[4200], err[256] = "";
    int to_stdout = !path || strcmp(path, "-") == 0;
    FILE *out = t->out;
    if (!to_stdout) {
        snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
        if (!(out = fopen(tmp, "w")))
            return ts_session_fail(t, TOCSIN_E_IO, "%s: %s", path, strerror(errno));
    }
    tocsin_code rc = fn(t->store, ids, n, how, out, err, sizeof err);
    if (!to_stdout) {
        int bad = ferror(out);
        if ((fclose(out) != 0 || bad) && rc == TOCSIN_OK)
            snprintf(err, sizeof err, "%s: cannot write it", path), rc = TOCSIN_E_IO;
        if (rc == TOCSIN_OK && rename(tmp, path) != 0)
            snprintf(err, sizeof err, "%s: %s", path, strerror(errno)), rc = TOCSIN_E_IO;
        if (rc != TOCSIN_OK)
            unlink(tmp);
    }
    if (rc != TOCSIN_OK)
        return ts_session_fail(t, rc, "%s", *err ? err : tocsin_strerror(rc));
    return TOCSIN_OK;
}

static tocsin_code write_stix(ts_store *s, const char *const *ids, size_t n, const void *how, FILE *out,
                              char *err, size_t cap)
{
    (void)how;
    return ts_report_stix(s, ids, n, out, err, cap);
}

static tocsin_code write_misp(ts_store *s, const char *const *ids, size_t n, const void *how, FILE *out,
                              char *err, size_t cap)
{
    (void)how;
    return ts_report_misp(s, ids, n, out, err, cap);
}

/* how: the session's intelligence (the catalogue's tactics of each technique). */
static tocsin_code write_html(ts_store *s, const char *const *ids, size_t n, const void *how, FILE *out,
                              char *err, size_t cap)
{
    return ts_report_html(s, how, ids, n, out, err, cap);
}

tocsin_code tocsin_export(tocsin *t, const char *const *ids, size_t n, tocsin_export_format f,
                          const char *path)
{
    char **all;
    size_t n_all;
    tocsin_code rc = incident_ids(t, &ids, &n, &all, &n_all);
    writer_fn fn = f == TOCSIN_EXPORT_STIX ? write_stix : f == TOCSIN_EXPORT_HTML ? write_html : write_misp;
    if (rc == TOCSIN_OK)
        rc = write_output(t, path, fn, ids, n, t->intel);
    ts_strv_free(all, n_all);
    return rc;
}

static tocsin_code write_timeline(ts_store *s, const char *const *ids, size_t n, const void *how, FILE *out,
                                  char *err, size_t cap)
{
    return ts_report_timeline(s, ids, n, how, out, err, cap);
}

/* "2014-11-24" or an ISO 8601 time into *ns; an end-of-range date means its last instant. */
static int parse_when(const char *s, int end, int64_t *ns)
{
    if (!s)
        return 1;
    ts_str v = ts_str_c(s);
    if (!ts_parse_iso8601_ns(v, ns))
        return 0;
    if (end && v.n == 10) /* a date alone: until its end */
        *ns += 86400LL * 1000000000 - 1;
    return 1;
}

/* The level and time bounds of o into f; TOCSIN_E_ARG, said, for a bad one. */
static tocsin_code view_filter(tocsin *t, const tocsin_timeline_options *o, ts_timeline_filter *f)
{
    static const struct {
        const char *name;
        int severity;
    } levels[] = {{"low", 0}, {"medium", 40}, {"high", 70}, {"critical", 90}, {"informational", 0}};
    *f = (ts_timeline_filter){.jsonl = o->jsonl};
    if (o->min_level) {
        size_t i = 0;
        while (i < sizeof levels / sizeof *levels && strcmp(levels[i].name, o->min_level) != 0)
            i++;
        if (i == sizeof levels / sizeof *levels)
            return ts_session_fail(t, TOCSIN_E_ARG,
                                   "--min-level: '%s' is none of low, medium, high, critical", o->min_level);
        f->min_severity = levels[i].severity;
    }
    if (!parse_when(o->since, 0, &f->since_ns) || !parse_when(o->until, 1, &f->until_ns))
        return ts_session_fail(t, TOCSIN_E_ARG,
                               "--since/--until: '%s' is not a date or time like 2014-11-24 or "
                               "2014-11-24T08:00:00Z",
                               !parse_when(o->since, 0, &f->since_ns) ? o->since : o->until);
    return TOCSIN_OK;
}

tocsin_code tocsin_hunt_view(tocsin *t, const tocsin_timeline_options *o)
{
    ts_timeline_filter f;
    tocsin_code rc = view_filter(t, o, &f);
    if (rc != TOCSIN_OK)
        return rc;
    if (!t->shown && !(t->shown = malloc(sizeof *t->shown)))
        return TOCSIN_E_NOMEM;
    *t->shown = f;
    if (o->path && strcmp(o->path, "-") != 0) {
        FILE *out = fopen(o->path, "w");
        if (!out)
            return ts_session_fail(t, TOCSIN_E_IO, "%s: cannot write: %s", o->path, strerror(errno));
        if (t->own_out)
            fclose(t->own_out);
        t->own_out = t->out = out;
    }
    return TOCSIN_OK;
}

tocsin_code tocsin_timeline(tocsin *t, const char *const *ids, size_t n, const tocsin_timeline_options *o)
{
    ts_timeline_filter f;
    tocsin_code frc = view_filter(t, o, &f);
    if (frc != TOCSIN_OK)
        return frc;
    char **all;
    size_t n_all;
    tocsin_code rc = incident_ids(t, &ids, &n, &all, &n_all);
    if (rc == TOCSIN_OK)
        rc = write_output(t, o->path, write_timeline, ids, n, &f);
    ts_strv_free(all, n_all);
    return rc;
}

tocsin_code tocsin_attribute(tocsin *t, FILE *in)
{
    ts_attribution *a = NULL;
    tocsin_code rc = ts_attribute_read_with(t->intel, t->share, in, "<evidence>", &a, ts_session_diag_fn, t);
    if (a) {
        ts_report_attribution(t->intel, a, t->out, t->o.json);
        ts_attribution_free(a);
    }
    return rc;
}
