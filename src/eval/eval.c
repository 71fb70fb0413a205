/* eval.c: tocsin_eval: hunt a simulated directory into a fresh store, read the incidents
 * back and score them against the directory's truth.jsonl. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/session.h"
#include "eval/eval.h"
#include "store/store_read.h"

#define TRUTH_FILE "truth.jsonl"
#define INTEL_DIR "intel"
#define STORE_FILE "eval.db"

void tocsin_eval_options_init(tocsin_eval_options *o)
{
    memset(o, 0, sizeof *o);
    o->min_detected = -1;
    o->max_false_per_kuserday = -1;
    o->max_first_alert_ns = -1;
}

typedef struct job {
    char *dir; /* without a trailing slash */
    char *db;
    char **logs; /* the directory's entries the hunt reads */
    size_t n_logs;
    char *intel; /* dir/intel, or NULL */
    ts_diag_fn diag;
    void *diag_ud;
} job;

static tocsin_code say(job *j, tocsin_code code, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Tells the caller's diag about a problem with file (NULL: none) and returns code. */
static tocsin_code say(job *j, tocsin_code code, const char *file, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ts_diag_say(j->diag, j->diag_ud, file, 0, 0, code, msg);
    return code;
}

static tocsin_code nomem(job *j)
{
    return say(j, TOCSIN_E_NOMEM, NULL, "out of memory");
}

static char *join(const char *dir, const char *name)
{
    size_t l = strlen(dir) + strlen(name) + 2;
    char *p = malloc(l);
    if (p)
        snprintf(p, l, "%s/%s", dir, name);
    return p;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Does name (in dir) end with a store's name and one of SQLite's suffixes? */
static int names_store(const char *name, const char *store)
{
    size_t l = strlen(store);
    return strncmp(name, store, l) == 0 && (!name[l] || !strcmp(name + l, "-wal") ||
                                            !strcmp(name + l, "-shm") || !strcmp(name + l, "-journal"));
}

/* Is name one of the files of this eval's store, or of the default one an earlier eval
 * left in dir? */
static int is_store(const job *j, const char *name)
{
    char *full = join(j->dir, name);
    int same = names_store(name, STORE_FILE);
    if (full) {
        same |= names_store(full, j->db);
        free(full);
    }
    return same;
}

/* Every entry of dir but the truth, the intelligence, the store and hidden files. */
static tocsin_code list_logs(job *j)
{
    struct dirent **names;
    tocsin_code rc = TOCSIN_OK;
    int n = scandir(j->dir, &names, NULL, by_name);
    if (n < 0)
        return say(j, TOCSIN_E_IO, j->dir, "%s", strerror(errno));
    j->logs = calloc((size_t)n + 1, sizeof *j->logs);
    if (!j->logs)
        rc = nomem(j);
    for (int i = 0; i < n; i++) {
        const char *nm = names[i]->d_name;
        if (rc == TOCSIN_OK && nm[0] != '.' && strcmp(nm, TRUTH_FILE) != 0 && !is_store(j, nm)) {
            char *p = join(j->dir, nm);
            if (!p)
                rc = nomem(j);
            else if (strcmp(nm, INTEL_DIR) == 0)
                j->intel = p;
            else
                j->logs[j->n_logs++] = p;
        }
        free(names[i]);
    }
    free(names);
    if (rc == TOCSIN_OK && !j->n_logs)
        rc = say(j, TOCSIN_E_NOTFOUND, j->dir, "no logs beside the truth file");
    return rc;
}

/* The default store is eval's own file, made afresh; a store named by the caller must
 * not hold an earlier hunt, whose alerts would be scored too. */
static tocsin_code fresh_store(job *j, const char *given)
{
    static const char *const tails[] = {"", "-wal", "-shm", "-journal"};
    struct stat st;
    if (given) {
        if (!(j->db = strdup(given)))
            return nomem(j);
        if (stat(given, &st) == 0 && st.st_size > 0)
            return say(j, TOCSIN_E_ARG, given, "already holds a store; eval needs a new one");
        return TOCSIN_OK;
    }
    if (!(j->db = join(j->dir, STORE_FILE)))
        return nomem(j);
    for (size_t i = 0; i < sizeof tails / sizeof *tails; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s%s", j->db, tails[i]);
        if (unlink(path) != 0 && errno != ENOENT)
            return say(j, TOCSIN_E_IO, path, "cannot remove the old store: %s", strerror(errno));
    }
    return TOCSIN_OK;
}

static tocsin_code read_truth(job *j, ev_truth *t)
{
    char *path = join(j->dir, TRUTH_FILE);
    if (!path)
        return nomem(j);
    FILE *f = fopen(path, "r");
    tocsin_code rc;
    if (!f)
        rc = say(j, TOCSIN_E_IO, path, "%s (not a directory tocsin simulate wrote?)", strerror(errno));
    else
        rc = ev_truth_read(f, path, t, j->diag, j->diag_ud);
    if (f)
        fclose(f);
    free(path);
    return rc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Every incident the run wrote, with its alerts. */
static tocsin_code load_incidents(tocsin *t, int64_t run, ts_incident_view ***out, size_t *n_out)
{
    char **ids = NULL;
    size_t n = 0;
    tocsin_code rc = ts_store_incident_ids(t->store, run, &ids, &n);
    *out = NULL;
    *n_out = 0;
    if (rc != TOCSIN_OK)
        return ts_session_fail(t, rc, "cannot read the incidents back: %s", ts_store_error(t->store));
    ts_incident_view **v = calloc(n + 1, sizeof *v);
    if (!v)
        rc = TOCSIN_E_NOMEM;
    for (size_t i = 0; i < n && rc == TOCSIN_OK; i++) {
        rc = ts_store_incident_load(t->store, ids[i], TS_VIEW_ALERTS, &v[i]);
        if (rc != TOCSIN_OK)
            rc = ts_session_fail(t, rc, "cannot read incident %s back: %s", ids[i], ts_store_error(t->store));
        else
            (*n_out)++;
    }
    ts_strv_free(ids, n);
    *out = v;
    return rc;
}

static void free_incidents(ts_incident_view **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ts_incident_view_free(v[i]);
    free(v);
}

/* Hunts, scores and reports, in a session over the fresh store. */
static tocsin_code hunt_and_score(job *j, const tocsin_options *opts, const tocsin_eval_options *eo,
                                  ev_truth *truth, ev_scores *s)
{
    tocsin_options o = *opts;
    tocsin *t;
    int64_t run = 0;
    ts_incident_view **inc = NULL;
    size_t n_inc = 0;
    o.db_path = j->db;
    tocsin_code rc = tocsin_open(&o, &t);
    if (rc != TOCSIN_OK)
        return say(j, rc, j->db, "cannot open the store: %s", tocsin_strerror(rc));
    const char *intel[1] = {j->intel};
    double started = now_s();
    tocsin_code hunt_rc =
        ts_session_hunt(t, (const char *const *)j->logs, j->n_logs, intel, j->intel ? 1 : 0, 0, &run);
    s->hunt_seconds = now_s() - started;
    if (hunt_rc != TOCSIN_OK && hunt_rc != TOCSIN_E_PARTIAL) {
        rc = say(j, hunt_rc, NULL, "the hunt failed: %s",
                 *tocsin_last_error(t) ? tocsin_last_error(t) : tocsin_strerror(hunt_rc));
    } else {
        ts_run_view rv = {0};
        if (ts_store_run_get(t->store, run, &rv) == TOCSIN_OK) {
            s->files = rv.files;
            s->events = rv.events;
            s->rejected = rv.rejected;
            ts_run_view_clear(&rv);
        }
        rc = load_incidents(t, run, &inc, &n_inc);
        if (rc == TOCSIN_OK)
            rc = ev_score(truth, j->dir, inc, n_inc, s);
        if (rc == TOCSIN_OK) {
            ev_check_thresholds(s, truth, eo);
            ev_report(truth, s, opts->out ? opts->out : stdout, opts->json);
        } else {
            say(j, rc, NULL, "scoring failed: %s",
                *tocsin_last_error(t) ? tocsin_last_error(t) : tocsin_strerror(rc));
        }
    }
    free_incidents(inc, n_inc);
    tocsin_close(t);
    return rc == TOCSIN_OK ? hunt_rc : rc;
}

static void free_job(job *j)
{
    for (size_t i = 0; i < j->n_logs; i++)
        free(j->logs[i]);
    free(j->logs);
    free(j->intel);
    free(j->db);
    free(j->dir);
}

tocsin_code tocsin_eval(const tocsin_options *opts, const char *dir, const tocsin_eval_options *eo,
                        tocsin_eval_result *res)
{
    tocsin_options none_o = {0};
    tocsin_eval_options none_eo;
    job j = {.diag = opts ? opts->diag : NULL, .diag_ud = opts ? opts->diag_ud : NULL};
    ev_truth truth = {0};
    ev_scores s = {0};
    tocsin_code rc;
    if (res)
        memset(res, 0, sizeof *res);
    if (!dir || !*dir)
        return say(&j, TOCSIN_E_ARG, NULL, "eval needs a DIR");
    if (!eo) {
        tocsin_eval_options_init(&none_eo);
        eo = &none_eo;
    }
    /* The hunt stores each log by its canonical path; alerts are matched to the truth's
       places relative to DIR, so DIR is made canonical too ("sim/none", "./x", a link). */
    if (!(j.dir = realpath(dir, NULL))) {
        if (errno == ENOMEM)
            return nomem(&j);
        size_t l = strlen(dir);
        while (l > 1 && dir[l - 1] == '/')
            l--;
        if (!(j.dir = strndup(dir, l)))
            return nomem(&j);
    }
    rc = read_truth(&j, &truth);
    if (rc == TOCSIN_OK)
        rc = fresh_store(&j, eo->db_path);
    if (rc == TOCSIN_OK)
        rc = list_logs(&j);
    if (rc == TOCSIN_OK || rc == TOCSIN_E_PARTIAL)
        rc = hunt_and_score(&j, opts ? opts : &none_o, eo, &truth, &s);
    if (res && (rc == TOCSIN_OK || rc == TOCSIN_E_PARTIAL)) {
        *res = s.r;
        snprintf(res->true_actor, sizeof res->true_actor, "%s", truth.actor ? truth.actor : "");
    }
    ev_scores_free(&s);
    ev_truth_free(&truth);
    free_job(&j);
    return rc;
}
