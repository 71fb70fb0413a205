/* truth.c: reads the ground truth a simulation wrote (truth.jsonl, docs/simulate.md): the
 * scenario line, one line per campaign event, one per step. */
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/str.h"
#include "core/vec.h"
#include "eval/eval.h"

#define MAX_LINE (1u << 20)

/* Steps named by events before the step lines come (they come last). */
typedef struct pending {
    char *name;
    uint64_t first_line; /* the first event line that names it */
} pending;

typedef struct reader {
    ev_truth *t;
    const char *name;
    uint64_t line;
    ts_diag_fn diag;
    void *ud;
    int saw_scenario;
    pending *names; /* step names in order of first mention; index = event.step */
    size_t n_names, cap_names;
    ev_event *ev;
    size_t n_ev, cap_ev;
} reader;

static tocsin_code fail(reader *r, tocsin_code code, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static tocsin_code fail(reader *r, tocsin_code code, uint64_t line, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ts_diag_say(r->diag, r->ud, r->name, line, 0, code, msg);
    return code;
}

int ev_parse_time(const char *s, int64_t *ns)
{
    return ts_parse_iso8601_ns(ts_str_c(s), ns) ? 0 : -1;
}

/* ---- fields ----------------------------------------------------------------------------- */

static const char *get_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static tocsin_code need_str(reader *r, json_t *o, const char *key, char **out)
{
    const char *s = get_str(o, key);
    if (!s)
        return fail(r, TOCSIN_E_PARSE, r->line, "\"%s\" is missing or not a string", key);
    if (!(*out = strdup(s)))
        return TOCSIN_E_NOMEM;
    return TOCSIN_OK;
}

static tocsin_code need_time(reader *r, json_t *o, const char *key, int64_t *ns)
{
    const char *s = get_str(o, key);
    if (!s)
        return fail(r, TOCSIN_E_PARSE, r->line, "\"%s\" is missing or not a string", key);
    if (ev_parse_time(s, ns) != 0)
        return fail(r, TOCSIN_E_PARSE, r->line, "\"%s\" is not a time like 2014-09-01T00:00:00Z", key);
    return TOCSIN_OK;
}

static tocsin_code need_uint(reader *r, json_t *o, const char *key, uint64_t *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return fail(r, TOCSIN_E_PARSE, r->line, "\"%s\" is missing or not a whole number", key);
    *out = (uint64_t)json_integer_value(v);
    return TOCSIN_OK;
}

/* A JSON array of strings into a malloc'ed vector. */
static tocsin_code str_array(reader *r, json_t *o, const char *key, char ***out, size_t *n)
{
    json_t *a = json_object_get(o, key);
    size_t i;
    json_t *v;
    *out = NULL;
    *n = 0;
    if (!json_is_array(a))
        return fail(r, TOCSIN_E_PARSE, r->line, "\"%s\" is missing or not an array", key);
    if (json_array_size(a) && !(*out = calloc(json_array_size(a), sizeof **out)))
        return TOCSIN_E_NOMEM;
    json_array_foreach(a, i, v)
    {
        if (!json_is_string(v))
            return fail(r, TOCSIN_E_PARSE, r->line, "\"%s\" holds something that is not a string", key);
        if (!((*out)[(*n)++] = strdup(json_string_value(v))))
            return TOCSIN_E_NOMEM;
    }
    return TOCSIN_OK;
}

/* ---- lines ------------------------------------------------------------------------------ */

/* "a, b, c" into a vector of trimmed names. */
static tocsin_code split_aliases(ev_truth *t, const char *s)
{
    while (s && *s) {
        size_t n = strcspn(s, ",");
        size_t b = 0, e = n;
        while (b < e && s[b] == ' ')
            b++;
        while (e > b && s[e - 1] == ' ')
            e--;
        if (e > b) {
            if (!ts_vec_grow(t->aliases, t->cap_aliases, t->n_aliases + 1, TS_VEC_NOCAP))
                return TOCSIN_E_NOMEM;
            if (!(t->aliases[t->n_aliases] = strndup(s + b, e - b)))
                return TOCSIN_E_NOMEM;
            t->n_aliases++;
        }
        s += n + (s[n] == ',');
    }
    return TOCSIN_OK;
}

static tocsin_code scenario_line(reader *r, json_t *o)
{
    ev_truth *t = r->t;
    tocsin_code rc;
    if (r->saw_scenario)
        return fail(r, TOCSIN_E_PARSE, r->line, "a second scenario line");
    r->saw_scenario = 1;
    if ((rc = need_str(r, o, "scenario", &t->scenario)) || (rc = need_str(r, o, "actor", &t->actor)) ||
        (rc = need_uint(r, o, "users", &t->users)) || (rc = need_uint(r, o, "days", &t->days)) ||
        (rc = need_time(r, o, "start", &t->start_ns)) || (rc = need_time(r, o, "end", &t->end_ns)))
        return rc;
    json_t *seed = json_object_get(o, "seed");
    if (json_is_integer(seed))
        t->seed = (uint64_t)json_integer_value(seed);
    if (t->users == 0 || t->days == 0)
        return fail(r, TOCSIN_E_PARSE, r->line, "\"users\" and \"days\" must be above 0");
    return split_aliases(t, get_str(o, "aliases"));
}

/* The index of a step name among those mentioned so far, adding it if new. */
static long step_index(reader *r, const char *name)
{
    for (size_t i = r->n_names; i-- > 0;)
        if (strcmp(r->names[i].name, name) == 0)
            return (long)i;
    if (!ts_vec_grow(r->names, r->cap_names, r->n_names + 1, TS_VEC_NOCAP))
        return -1;
    pending *p = &r->names[r->n_names];
    if (!(p->name = strdup(name)))
        return -1;
    p->first_line = r->line;
    return (long)r->n_names++;
}

/* The index of s (n bytes) in a small table of distinct names, adding it if new. */
static long intern(char ***tab, size_t *n, size_t *cap, const char *s, size_t len)
{
    for (size_t i = *n; i-- > 0;)
        if (strlen((*tab)[i]) == len && memcmp((*tab)[i], s, len) == 0)
            return (long)i;
    if (!ts_vec_grow(*tab, *cap, *n + 1, TS_VEC_NOCAP))
        return -1;
    char **v = *tab;
    if (!(v[*n] = strndup(s, len)))
        return -1;
    return (long)(*n)++;
}

/* The host an event's id names: Windows "host#EventRecordID", syslog "host:pid". Zeek
 * uids, Suricata flow ids and Message-IDs name none. */
static size_t id_host(const char *id)
{
    size_t n = strcspn(id, "#:<@");
    if (!n || (id[n] != '#' && id[n] != ':'))
        return 0;
    const char *rest = id + n + 1;
    if (id[n] == ':' && (!*rest || strspn(rest, "0123456789") != strlen(rest)))
        return 0;
    return n;
}

static tocsin_code event_line(reader *r, json_t *o)
{
    const char *step = get_str(o, "step"), *file = get_str(o, "file"), *ts = get_str(o, "ts");
    uint64_t line;
    int64_t ns;
    tocsin_code rc;
    if (!step || !*step)
        return fail(r, TOCSIN_E_PARSE, r->line, "an event without its \"step\"");
    if (!file || !*file)
        return fail(r, TOCSIN_E_PARSE, r->line, "an event without its \"file\"");
    if ((rc = need_uint(r, o, "line", &line)) != TOCSIN_OK)
        return rc;
    if (line == 0)
        return fail(r, TOCSIN_E_PARSE, r->line, "\"line\" must be 1 or more");
    if (!ts || ev_parse_time(ts, &ns) != 0)
        return fail(r, TOCSIN_E_PARSE, r->line, "\"ts\" is missing or not a time like 2014-09-01T00:00:00Z");
    const char *id = get_str(o, "id");
    size_t hl = id ? id_host(id) : 0;
    long s = step_index(r, step),
         f = intern(&r->t->files, &r->t->n_files, &r->t->cap_files, file, strlen(file));
    long h = hl ? intern(&r->t->hosts, &r->t->n_hosts, &r->t->cap_hosts, id, hl) : 0;
    if (s < 0 || f < 0 || h < 0 || !ts_vec_grow(r->ev, r->cap_ev, r->n_ev + 1, TS_VEC_NOCAP))
        return TOCSIN_E_NOMEM;
    r->ev[r->n_ev++] = (ev_event){(uint32_t)s, (uint32_t)f, hl ? (uint32_t)h : EV_NO_HOST, line, ns};
    return TOCSIN_OK;
}

static long lookalike_index(ev_truth *t, const char *name)
{
    for (size_t i = 0; i < t->n_lookalikes; i++)
        if (strcmp(t->lookalikes[i].name, name) == 0)
            return (long)i;
    if (!ts_vec_grow(t->lookalikes, t->cap_lookalikes, t->n_lookalikes + 1, TS_VEC_NOCAP))
        return -1;
    ev_lookalike *v = t->lookalikes;
    v[t->n_lookalikes] = (ev_lookalike){strdup(name), 0, 0};
    if (!v[t->n_lookalikes].name)
        return -1;
    return (long)t->n_lookalikes++;
}

/* {"type":"benign","lookalike":K,"file":F,"line":N,...}: a record of routine activity
 * made to look like an attack; {"type":"lookalike","lookalike":K,...} sums one up. */
static tocsin_code benign_line(reader *r, json_t *o, int summary)
{
    ev_truth *t = r->t;
    const char *kind = get_str(o, "lookalike"), *file = get_str(o, "file");
    uint64_t line = 0;
    tocsin_code rc;
    if (!kind || !*kind)
        return fail(r, TOCSIN_E_PARSE, r->line, "a %s line without its \"lookalike\"",
                    summary ? "lookalike" : "benign");
    long k = lookalike_index(t, kind);
    if (k < 0)
        return TOCSIN_E_NOMEM;
    if (summary)
        return TOCSIN_OK;
    if (!file || !*file)
        return fail(r, TOCSIN_E_PARSE, r->line, "a benign line without its \"file\"");
    if ((rc = need_uint(r, o, "line", &line)) != TOCSIN_OK)
        return rc;
    long f = intern(&t->files, &t->n_files, &t->cap_files, file, strlen(file));
    if (f < 0 || !ts_vec_grow(t->benign, t->cap_benign, t->n_benign + 1, TS_VEC_NOCAP))
        return TOCSIN_E_NOMEM;
    t->benign[t->n_benign++] = (ev_benign){(uint32_t)f, (uint32_t)k, line};
    t->lookalikes[k].events++;
    return TOCSIN_OK;
}

static int benign_order(const void *a, const void *b)
{
    const ev_benign *x = a, *y = b;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

long ev_lookalike_at(const ev_truth *t, const char *file, uint64_t line)
{
    if (!file || !t->n_benign)
        return -1;
    size_t f = 0;
    while (f < t->n_files && strcmp(t->files[f], file) != 0)
        f++;
    if (f == t->n_files)
        return -1;
    ev_benign key = {(uint32_t)f, 0, line};
    const ev_benign *hit = bsearch(&key, t->benign, t->n_benign, sizeof key, benign_order);
    return hit ? (long)hit->kind : -1;
}

static tocsin_code step_line(reader *r, json_t *o)
{
    ev_truth *t = r->t;
    tocsin_code rc;
    if (!ts_vec_grow(t->steps, t->cap_steps, t->n_steps + 1, TS_VEC_NOCAP))
        return TOCSIN_E_NOMEM;
    ev_step *s = memset(&t->steps[t->n_steps++], 0, sizeof *s);
    s->line = r->line;
    s->detected_ns = EV_NEVER;
    if ((rc = need_str(r, o, "step", &s->name)) || (rc = need_str(r, o, "action", &s->action)) ||
        (rc = need_time(r, o, "start", &s->start_ns)) || (rc = need_time(r, o, "end", &s->end_ns)) ||
        (rc = str_array(r, o, "hosts", &s->hosts, &s->n_hosts)) ||
        (rc = str_array(r, o, "users", &s->users, &s->n_users)))
        return rc;
    for (size_t i = 0; i + 1 < t->n_steps; i++)
        if (strcmp(t->steps[i].name, s->name) == 0)
            return fail(r, TOCSIN_E_PARSE, r->line, "step \"%s\" is described twice", s->name);
    const char *actor = get_str(o, "actor"), *about = get_str(o, "about");
    if ((actor && !(s->actor = strdup(actor))) || (about && !(s->about = strdup(about))))
        return TOCSIN_E_NOMEM;
    json_t *ev = json_object_get(o, "events");
    if (json_is_integer(ev) && json_integer_value(ev) > 0)
        s->declared_events = (uint64_t)json_integer_value(ev);
    char **tech;
    size_t n_tech, len = 1;
    if ((rc = str_array(r, o, "techniques", &tech, &n_tech)) == TOCSIN_OK) {
        for (size_t i = 0; i < n_tech; i++)
            len += strlen(tech[i]) + 1;
        if ((s->techniques = malloc(len))) {
            size_t at = 0;
            for (size_t i = 0; i < n_tech; i++) {
                size_t l = strlen(tech[i]);
                if (i)
                    s->techniques[at++] = ',';
                memcpy(s->techniques + at, tech[i], l);
                at += l;
            }
            s->techniques[at] = 0;
        } else {
            rc = TOCSIN_E_NOMEM;
        }
    }
    for (size_t i = 0; i < n_tech; i++)
        free(tech[i]);
    free(tech);
    if (s->end_ns < s->start_ns && rc == TOCSIN_OK)
        rc = fail(r, TOCSIN_E_PARSE, r->line, "step \"%s\" ends before it starts", s->name);
    return rc;
}

static tocsin_code one_line(reader *r, const char *buf, size_t len)
{
    json_error_t je;
    json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    tocsin_code rc;
    if (!o)
        return fail(r, TOCSIN_E_PARSE, r->line, "not JSON: %s", je.text);
    const char *type = json_is_object(o) ? get_str(o, "type") : NULL;
    if (!type)
        rc = fail(r, TOCSIN_E_PARSE, r->line, "a line that is not an object with a \"type\"");
    else if (!r->saw_scenario && strcmp(type, "scenario") != 0)
        rc = fail(r, TOCSIN_E_PARSE, r->line, "the first line must be the \"scenario\" line");
    else if (strcmp(type, "scenario") == 0)
        rc = scenario_line(r, o);
    else if (strcmp(type, "event") == 0)
        rc = event_line(r, o);
    else if (strcmp(type, "step") == 0)
        rc = step_line(r, o);
    else if (strcmp(type, "benign") == 0 || strcmp(type, "lookalike") == 0)
        rc = benign_line(r, o, type[0] == 'l');
    else
        rc =
            fail(r, TOCSIN_E_PARSE, r->line, "unknown \"type\" (scenario, event, step, benign or lookalike)");
    json_decref(o);
    return rc;
}

/* ---- after the last line ---------------------------------------------------------------- */

static int by_place(const void *a, const void *b)
{
    const ev_event *x = a, *y = b;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->step < y->step ? -1 : x->step > y->step;
}

static int by_time(const void *a, const void *b)
{
    const ev_event *x = a, *y = b;
    if (x->step != y->step)
        return x->step < y->step ? -1 : 1;
    return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

/* Events name steps by name; give each the index of its step line, and index them. */
static tocsin_code link_events(reader *r)
{
    ev_truth *t = r->t;
    size_t *map = calloc(r->n_names + 1, sizeof *map);
    if (!map)
        return TOCSIN_E_NOMEM;
    for (size_t i = 0; i < r->n_names; i++) {
        size_t s = 0;
        while (s < t->n_steps && strcmp(t->steps[s].name, r->names[i].name) != 0)
            s++;
        if (s == t->n_steps) {
            free(map);
            return fail(r, TOCSIN_E_PARSE, r->names[i].first_line,
                        "event of step \"%s\", which no step line describes", r->names[i].name);
        }
        map[i] = s;
    }
    for (size_t i = 0; i < r->n_ev; i++) {
        r->ev[i].step = (uint32_t)map[r->ev[i].step];
        t->steps[r->ev[i].step].events++;
    }
    free(map);
    t->n_events = r->n_ev;
    t->by_place = r->ev;
    r->ev = NULL;
    t->by_time = malloc((t->n_events ? t->n_events : 1) * sizeof *t->by_time);
    t->step_first = calloc(t->n_steps + 1, sizeof *t->step_first);
    if (!t->by_time || !t->step_first)
        return TOCSIN_E_NOMEM;
    if (t->n_events) { /* a scenario without a campaign has none, and by_place is NULL */
        memcpy(t->by_time, t->by_place, t->n_events * sizeof *t->by_time);
        qsort(t->by_place, t->n_events, sizeof *t->by_place, by_place);
        qsort(t->by_time, t->n_events, sizeof *t->by_time, by_time);
    }
    for (size_t i = 0, s = 0; s <= t->n_steps; s++) {
        while (i < t->n_events && t->by_time[i].step < s)
            i++;
        t->step_first[s] = i;
    }
    return TOCSIN_OK;
}

tocsin_code ev_truth_read(FILE *f, const char *name, ev_truth *t, ts_diag_fn diag, void *ud)
{
    reader r = {.t = t, .name = name, .diag = diag, .ud = ud};
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    tocsin_code rc = TOCSIN_OK;
    memset(t, 0, sizeof *t);
    while (rc == TOCSIN_OK && (n = getline(&buf, &cap, f)) >= 0) {
        r.line++;
        if ((size_t)n > MAX_LINE)
            rc = fail(&r, TOCSIN_E_TOOLONG, r.line, "line longer than %u bytes", MAX_LINE);
        else if (n > 0 && buf[n - 1] == '\n' && (n == 1 || (n == 2 && buf[0] == '\r')))
            continue; /* a blank line */
        else
            rc = one_line(&r, buf, (size_t)n);
    }
    free(buf);
    if (rc == TOCSIN_OK && ferror(f))
        rc = fail(&r, TOCSIN_E_IO, r.line, "cannot read further");
    if (rc == TOCSIN_OK && !r.saw_scenario)
        rc = fail(&r, TOCSIN_E_PARSE, r.line, "no \"scenario\" line: not a truth file");
    if (rc == TOCSIN_OK)
        rc = link_events(&r);
    if (rc == TOCSIN_OK && t->n_benign)
        qsort(t->benign, t->n_benign, sizeof *t->benign, benign_order);
    for (size_t i = 0; i < r.n_names; i++)
        free(r.names[i].name);
    free(r.names);
    free(r.ev);
    if (rc != TOCSIN_OK) {
        if (rc == TOCSIN_E_NOMEM)
            ts_diag_say(diag, ud, name, r.line, 0, rc, "out of memory");
        ev_truth_free(t);
    }
    return rc;
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void ev_truth_free(ev_truth *t)
{
    for (size_t i = 0; i < t->n_steps; i++) {
        ev_step *s = &t->steps[i];
        free(s->name), free(s->action), free(s->actor), free(s->about), free(s->techniques);
        free(s->first_title), free(s->first_detector);
        free_strv(s->hosts, s->n_hosts);
        free_strv(s->users, s->n_users);
    }
    free(t->steps);
    free(t->scenario), free(t->actor);
    free_strv(t->aliases, t->n_aliases);
    free_strv(t->files, t->n_files);
    free_strv(t->hosts, t->n_hosts);
    free(t->by_place), free(t->by_time), free(t->step_first);
    for (size_t i = 0; i < t->n_lookalikes; i++)
        free(t->lookalikes[i].name);
    free(t->lookalikes), free(t->benign);
    memset(t, 0, sizeof *t);
}

int ev_is_actor(const ev_truth *t, const char *name)
{
    if (!name || !t->actor)
        return 0;
    if (strcasecmp(name, t->actor) == 0)
        return 1;
    for (size_t i = 0; i < t->n_aliases; i++)
        if (strcasecmp(name, t->aliases[i]) == 0)
            return 1;
    return 0;
}
