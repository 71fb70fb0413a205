/* main.c: the tocsin command line, a thin layer over include/tocsin.h. Commands are one
 * table (name, what they do with the store, arguments, function); options are args.c's. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/esc.h"
#include "store/store.h"

/* What a command does with the store. A command that only reads never creates one: a
 * typo or "incidents" in the wrong folder must not leave a tocsin.db behind. */
typedef enum store_use {
    STORE_NONE,     /* needs no session (simulate, eval makes its own, version) */
    STORE_EXISTING, /* reads a store that must exist: incidents, show */
    STORE_READ,     /* reads the store if there is one: intel lookups, rules, attribute */
    STORE_WRITE,    /* creates or changes it: hunt, intel load, suppress */
    STORE_CHANGE,   /* changes a store that must exist: close */
} store_use;

typedef struct command {
    const char *name; /* "hunt", "intel load" */
    unsigned bit;     /* CMD_* */
    store_use store;
    size_t min_pos, max_pos; /* positional arguments after the name; MANY: no limit */
    const char *synopsis;    /* the arguments, for usage */
    const char *summary;
    int (*run)(tocsin *t, args *a); /* t is NULL for STORE_NONE */
} command;
#define MANY ((size_t)-1)

static int status_of(tocsin *t, tocsin_code rc)
{
    if (rc == TOCSIN_OK)
        return EXIT_OK;
    if (rc == TOCSIN_E_PARTIAL) {
        fputs("tocsin: some input was rejected (see the messages above)\n", stderr);
        return EXIT_REJECTED;
    }
    const char *msg = t ? tocsin_last_error(t) : NULL;
    fprintf(stderr, "tocsin: %s\n", msg && *msg ? msg : tocsin_strerror(rc));
    return rc == TOCSIN_E_ARG ? EXIT_USAGE : EXIT_FAIL; /* a bad option value is a usage error */
}

/* Every diagnostic of the library, one line on standard error: "tocsin: [COMMAND: ]FILE:LINE:
 * record N: MESSAGE (KIND)", each part there when known (ud: the command's name, or NULL); a
 * note (TOCSIN_OK) names no kind. File names and messages carry text from input: escaped for
 * the terminal. */
static void print_diag(void *ud, const tocsin_diag *d)
{
    fputs("tocsin: ", stderr);
    if (ud)
        fprintf(stderr, "%s: ", (const char *)ud);
    if (d->file) {
        ts_fputs_term(d->file, stderr);
        if (d->line)
            fprintf(stderr, ":%llu", (unsigned long long)d->line);
        fputs(": ", stderr);
    }
    if (d->record)
        fprintf(stderr, "record %llu: ", (unsigned long long)d->record);
    if (!d->msg || !*d->msg)
        fputs(tocsin_strerror(d->code), stderr);
    else {
        ts_fputs_term(d->msg, stderr);
        if (d->code != TOCSIN_OK)
            fprintf(stderr, " (%s)", tocsin_strerror(d->code));
    }
    fputc('\n', stderr);
}

/* The worst status of running fn over each positional argument. */
static int each_pos(tocsin *t, args *a, tocsin_code (*fn)(tocsin *, const char *), int notfound_ok)
{
    int status = EXIT_OK;
    for (size_t i = 0; i < a->n_pos; i++) {
        tocsin_code rc = fn(t, a->pos[i]);
        int s = notfound_ok && rc == TOCSIN_E_NOTFOUND ? EXIT_OK : status_of(t, rc);
        if (s > status)
            status = s;
    }
    return status;
}

/* The library hunts and stores; the report is the command line's to ask for. */
static int run_hunt(tocsin *t, args *a)
{
    if (a->alerts_to && tocsin_alerts_to(t, a->alerts_to) != TOCSIN_OK)
        return status_of(t, TOCSIN_E_ARG);
    tocsin_code rc = tocsin_hunt_view(t, &a->timeline);
    if (rc == TOCSIN_OK)
        rc = tocsin_hunt(t, a->pos, a->n_pos, a->intel, a->n_intel);
    if (rc == TOCSIN_OK || rc == TOCSIN_E_PARTIAL) { /* rejected input: the rest was stored */
        tocsin_code report = tocsin_report_run(t, tocsin_last_run(t));
        if (report != TOCSIN_OK)
            rc = report;
    }
    return status_of(t, rc);
}

static volatile int watch_stop; /* sig_atomic_t is int on the platforms tocsin builds on */
static void on_stop_signal(int sig)
{
    (void)sig;
    watch_stop = 1;
}

/* SIGINT and SIGTERM end the watch after one last checkpoint: nothing read is lost. */
static int run_watch(tocsin *t, args *a)
{
    struct sigaction sa = {.sa_handler = on_stop_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (a->alerts_to && tocsin_alerts_to(t, a->alerts_to) != TOCSIN_OK)
        return status_of(t, TOCSIN_E_ARG);
    if (a->redis) {
        tocsin_stream_options so = {a->redis,
                                    a->stream,
                                    a->group,
                                    a->consumer,
                                    (unsigned)a->partitions,
                                    a->claim_idle,
                                    a->lease,
                                    (unsigned)a->max_deliveries,
                                    (unsigned)a->max_entry,
                                    &watch_stop,
                                    a->drain};
        return status_of(t, tocsin_watch_stream(t, &so));
    }
    tocsin_watch_options wo = {a->interval, &watch_stop};
    return status_of(t, tocsin_watch(t, a->pos, a->n_pos, &wo));
}

/* SIGINT and SIGTERM end the shipper after its batch is in: nothing read is lost. */
static int run_ship(tocsin *t, args *a)
{
    (void)t;
    struct sigaction sa = {.sa_handler = on_stop_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    tocsin_ship_options so = {a->redis,    a->stream,   (unsigned)a->partitions,
                              a->interval, &watch_stop, a->once};
    tocsin_code rc = tocsin_ship(a->pos, a->n_pos, &so);
    return rc == TOCSIN_E_ARG ? EXIT_USAGE : rc == TOCSIN_OK ? EXIT_OK : EXIT_FAIL;
}

static int run_incidents(tocsin *t, args *a)
{
    return status_of(t, a->actor ? tocsin_incidents_of(t, a->actor) : tocsin_incidents(t));
}

static int run_actor(tocsin *t, args *a)
{
    return status_of(t, tocsin_actor(t, a->pos[0]));
}

static int run_show(tocsin *t, args *a)
{
    return status_of(t, tocsin_show(t, a->pos[0]));
}

static const char *load_actor; /* --actor of intel load, for each_pos's one-argument calls */
static tocsin_code load_one(tocsin *t, const char *feed)
{
    return tocsin_intel_load(t, feed, load_actor);
}

static int run_intel_load(tocsin *t, args *a)
{
    load_actor = a->actor;
    return each_pos(t, a, load_one, 0);
}

static int run_intel_stats(tocsin *t, args *a)
{
    (void)a;
    return status_of(t, tocsin_intel_stats(t));
}

static int run_intel_lookup(tocsin *t, args *a)
{
    return each_pos(t, a, tocsin_intel_lookup, 1);
}

static int run_rules_check(tocsin *t, args *a)
{
    return each_pos(t, a, tocsin_rules_check, 0);
}

static int run_rules_coverage(tocsin *t, args *a)
{
    return status_of(t, tocsin_rules_coverage(t, a->pos[0], a->pos + 1, a->n_pos - 1));
}

static int run_attribute(tocsin *t, args *a)
{
    FILE *in = stdin;
    if (a->n_pos && strcmp(a->pos[0], "-") != 0) {
        in = fopen(a->pos[0], "r");
        if (!in) {
            perror(a->pos[0]);
            return EXIT_FAIL;
        }
    }
    int status = status_of(t, tocsin_attribute(t, in));
    if (in != stdin)
        fclose(in);
    return status;
}

/* A whole decimal number in [0, max], or -1. */
static long long parse_count(const char *s, unsigned long long max)
{
    char *end;
    if (!s || !*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    return *end || v > max ? -1 : (long long)v;
}

static int parse_formats(const char *list, unsigned *out)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {
        {"windows", TOCSIN_SIM_WINDOWS},   {"zeek", TOCSIN_SIM_ZEEK_TSV}, {"zeek-json", TOCSIN_SIM_ZEEK_JSON},
        {"suricata", TOCSIN_SIM_SURICATA}, {"mail", TOCSIN_SIM_MAIL},     {"linux", TOCSIN_SIM_LINUX},
        {"intel", TOCSIN_SIM_INTEL},
    };
    *out = 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ","), i;
        for (i = 0; i < sizeof names / sizeof *names; i++)
            if (strlen(names[i].name) == n && strncmp(p, names[i].name, n) == 0)
                break;
        if (i == sizeof names / sizeof *names)
            return -1;
        *out |= names[i].bit;
        p += n + (p[n] == ',');
    }
    return 0;
}

static int run_simulate(tocsin *t, args *a)
{
    long long users = a->users ? parse_count(a->users, 100000) : 0;
    long long days = a->days ? parse_count(a->days, 36500) : 0;
    long long seed = a->seed ? parse_count(a->seed, (unsigned long long)LLONG_MAX) : 1;
    (void)t;
    if (!a->sim.scenario || !a->sim.out_dir)
        return bad_usage("simulate", "%s", "simulate needs --scenario NAME and --out DIR");
    if (users < 0 || days < 0 || seed < 0)
        return bad_usage("simulate", "%s",
                         "--users, --days and --seed take whole numbers (users up to 100000)");
    if (a->formats && parse_formats(a->formats, &a->sim.formats) != 0)
        return bad_usage("simulate",
                         "--formats: '%s' (windows, zeek, zeek-json, suricata, mail, linux, intel)",
                         a->formats);
    a->sim.users = (uint32_t)users;
    a->sim.days = (uint32_t)days;
    a->sim.seed = (uint64_t)seed;
    a->sim.data_dir = a->o.data_dir;
    a->sim.progress = a->o.progress;
    a->sim.diag = print_diag; /* the library tells every failure there */
    a->sim.diag_ud = "simulate";
    tocsin_code rc = tocsin_simulate(&a->sim);
    if (rc != TOCSIN_OK)
        return rc == TOCSIN_E_ARG ? EXIT_USAGE : EXIT_FAIL;
    return EXIT_OK;
}

static int run_eval(tocsin *t, args *a)
{
    tocsin_eval_result r;
    (void)t;
    a->o.diag_ud = "eval"; /* failures reach print_diag through a->o.diag, with the file at fault */
    if (a->eval.attribution) {
        tocsin_code rc = tocsin_eval_attribution(&a->o, a->pos, a->n_pos);
        if (rc != TOCSIN_OK && rc != TOCSIN_E_PARTIAL)
            return rc == TOCSIN_E_ARG ? EXIT_USAGE : EXIT_FAIL;
        return rc == TOCSIN_E_PARTIAL ? EXIT_REJECTED : EXIT_OK;
    }
    if (a->n_pos != 1)
        return bad_usage("eval", "%s", "eval takes one DIR (several only with --attribution)");
    a->eval.db_path = a->o.db_path;
    tocsin_code rc = tocsin_eval(&a->o, a->pos[0], &a->eval, &r);
    if (rc != TOCSIN_OK && rc != TOCSIN_E_PARTIAL)
        return rc == TOCSIN_E_ARG ? EXIT_USAGE : EXIT_FAIL;
    if (r.failed) {
        fprintf(stderr, "tocsin: eval: %zu of %zu thresholds missed\n", r.failed, r.checks);
        return EXIT_MISSED;
    }
    return rc == TOCSIN_E_PARTIAL ? EXIT_REJECTED : EXIT_OK;
}

static int run_report(tocsin *t, args *a)
{
    if (!a->stix && !a->misp && !a->html)
        return bad_usage("report", "%s", "report needs --html FILE, --stix FILE or --misp FILE");
    int status = EXIT_OK;
    if (a->stix)
        status = status_of(t, tocsin_export(t, a->pos, a->n_pos, TOCSIN_EXPORT_STIX, a->stix));
    if (a->misp && status == EXIT_OK)
        status = status_of(t, tocsin_export(t, a->pos, a->n_pos, TOCSIN_EXPORT_MISP, a->misp));
    if (a->html && status == EXIT_OK)
        status = status_of(t, tocsin_export(t, a->pos, a->n_pos, TOCSIN_EXPORT_HTML, a->html));
    return status;
}

static int run_timeline(tocsin *t, args *a)
{
    return status_of(t, tocsin_timeline(t, a->pos, a->n_pos, &a->timeline));
}

/* suppress: add one (conditions and --reason), --list them, or --remove one. */
static int run_suppress(tocsin *t, args *a)
{
    const tocsin_suppression *s = &a->sup;
    int conditions = s->detector || s->rule || s->host || s->user || s->ip || s->indicator || s->field ||
                     s->reason || s->expires;
    if (a->list + (a->remove != NULL) + (conditions != 0) != 1)
        return bad_usage("suppress", "%s",
                         "suppress takes conditions with --reason TEXT, or --list, or --remove ID");
    if (a->list)
        return status_of(t, tocsin_suppress_list(t));
    tocsin_code rc = a->remove ? tocsin_suppress_remove(t, a->remove) : tocsin_suppress(t, s);
    if (rc == TOCSIN_E_ARG) {
        fprintf(stderr, "tocsin: %s\n(tocsin suppress --help for usage)\n", tocsin_last_error(t));
        return EXIT_USAGE;
    }
    return status_of(t, rc);
}

static int run_close(tocsin *t, args *a)
{
    if (a->benign == a->malicious)
        return bad_usage("close", "%s", "close takes --benign or --malicious (one of them)");
    return status_of(t, tocsin_close_incident(t, a->pos[0], a->benign ? "benign" : "malicious", a->note));
}

static int run_events(tocsin *t, args *a)
{
    return status_of(t, tocsin_events(a->pos, a->n_pos, stdout, print_diag, NULL));
}

static int run_version(tocsin *t, args *a)
{
    (void)t, (void)a;
    printf("tocsin %s\n", TOCSIN_VERSION);
    return EXIT_OK;
}

static const command commands[] = {
    {"hunt", CMD_HUNT, STORE_WRITE, 1, MANY, "LOGS...",
     "read logs (files, directories, .gz, - for standard\n"
     "input), detect, correlate, attribute, store, report",
     run_hunt},
    {"watch", CMD_WATCH, STORE_WRITE, 0, MANY, "PATH... | --redis URL --stream KEY --group G --consumer C",
     "follow growing logs (files, directories) through rotation,\nprinting alerts and incidents as they "
     "happen; resumes\nwhere it stopped; or consume a shared Redis stream as one\nworker of a group "
     "(docs/live.md)",
     run_watch},
    {"ship", CMD_SHIP, STORE_NONE, 1, MANY, "PATH... --redis URL --stream KEY",
     "follow growing logs like watch and add each record to a\nRedis stream, positions kept in Redis "
     "(docs/live.md)",
     run_ship},
    {"incidents", CMD_INCIDENTS, STORE_EXISTING, 0, 0, "",
     "list the stored incidents (--actor NAME: those NAME is\nthe verdict or a candidate of 20% or more of)",
     run_incidents},
    {"show", CMD_SHOW, STORE_EXISTING, 1, 1, "INCIDENT", "show one incident with its evidence", run_show},
    {"actor", CMD_ACTOR, STORE_EXISTING, 1, 1, "NAME",
     "an actor's sightings over time: incidents, indicators,\nfirst and last seen", run_actor},
    {"report", CMD_REPORT, STORE_EXISTING, 0, MANY, "[INCIDENT...]",
     "export incidents (default: all): --html FILE (a page\nfor people), --stix FILE (STIX 2.1 bundle), "
     "--misp\nFILE (MISP events)",
     run_report},
    {"timeline", CMD_TIMELINE, STORE_EXISTING, 0, MANY, "[INCIDENT...]",
     "one row per event behind the incidents' alerts (default:\nall), oldest first: CSV for Timesketch or "
     "Timeline\nExplorer, or --jsonl",
     run_timeline},
    {"intel load", CMD_INTEL_LOAD, STORE_WRITE, 1, MANY, "FEED...",
     "load feeds (STIX 2.1, MISP, CSV, list, warninglist)\nand keep them in the store", run_intel_load},
    {"intel stats", CMD_INTEL_STATS, STORE_READ, 0, 0, "", "what intelligence is loaded", run_intel_stats},
    {"intel lookup", CMD_INTEL_LOOKUP, STORE_READ, 1, MANY, "VALUE...",
     "indicators and actors matching an IP, domain, URL,\nhash, mail address, or an actor name or alias",
     run_intel_lookup},
    {"rules check", CMD_RULES_CHECK, STORE_READ, 1, MANY, "DIR...",
     "load Sigma rule trees and say, rule by rule, whether\neach loaded or why it was refused",
     run_rules_check},
    {"rules coverage", CMD_RULES_COVERAGE, STORE_READ, 2, MANY, "DIR LOGS...",
     "which rules could ever fire on those logs, and the\nATT&CK techniques they cover", run_rules_coverage},
    {"attribute", CMD_ATTRIBUTE, STORE_READ, 0, 1, "[FILE]",
     "rank the actors that explain evidence read from FILE\n"
     "(or standard input), one per line: indicators, T-ids,\nsoftware",
     run_attribute},
    {"suppress", CMD_SUPPRESS, STORE_WRITE, 0, 0, "CONDITION... --reason TEXT [--expires WHEN]",
     "keep alerts that match from being raised by every\n"
     "later hunt (still stored, counted, shown as\n"
     "suppressed); --list them, --remove ID one",
     run_suppress},
    {"close", CMD_CLOSE, STORE_CHANGE, 1, 1, "INCIDENT --benign|--malicious",
     "record the verdict on an incident, with --note TEXT;\n"
     "a later hunt reopens it when new alerts call for\n"
     "another look (docs/store.md)",
     run_close},
    {"simulate", CMD_SIMULATE, STORE_NONE, 0, 0, "--scenario NAME --out DIR",
     "write an organisation's logs with a campaign inside\nand its truth", run_simulate},
    {"eval", CMD_EVAL, STORE_NONE, 1, MANY, "DIR",
     "hunt a simulated DIR into a fresh store and score it\n"
     "against DIR/truth.jsonl: steps detected and when,\nfalse alerts, attribution (docs/eval.md);\n"
     "--attribution DIR...: attribution alone over several,\ntop-1, top-3 and calibration",
     run_eval},
    {"events", CMD_EVENTS, STORE_NONE, 1, MANY, "LOGS...",
     "print each event the readers make of LOGS as NDJSON\n(typed fields, provenance, raw fields): no store",
     run_events},
    {"version", CMD_VERSION, STORE_NONE, 0, 0, "", "print the version", run_version},
};
#define N_COMMANDS (sizeof commands / sizeof *commands)

/* Prints text with every line after the first indented by indent columns. */
static void print_indented(const char *text, int indent, FILE *f)
{
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        fprintf(f, "%.*s", (int)n, p);
        p += n;
        if (*p == '\n' && *++p)
            fprintf(f, "\n%*s", indent, "");
    }
    fputc('\n', f);
}

static void print_usage(FILE *f)
{
    fputs("usage: tocsin COMMAND [OPTIONS]   (tocsin COMMAND --help for its options)\n\n", f);
    for (size_t i = 0; i < N_COMMANDS; i++) {
        char head[64];
        snprintf(head, sizeof head, "%s %s", commands[i].name, commands[i].synopsis);
        if (strlen(head) > 30) /* a long synopsis gets a line of its own */
            fprintf(f, "  %s\n%33s", head, "");
        else
            fprintf(f, "  %-30s ", head);
        print_indented(commands[i].summary, 33, f);
    }
    fputs("\nexit status: 0 done, 1 failed, 2 usage, 3 done but some input was rejected,\n"
          "             4 eval: a threshold was missed\n",
          f);
}

static void print_command_help(const command *c, FILE *f)
{
    fprintf(f, "usage: tocsin %s %s [OPTIONS]\n\n", c->name, c->synopsis);
    print_indented(c->summary, 0, f);
    args_print_options(c->bit, f);
}

/* The command named by argv[1] (and argv[2] for "intel" and "rules"); *words says how many
 * words its name took. NULL when there is none. */
static const command *find_command(int argc, char **argv, int *words)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const char *name = commands[i].name, *space = strchr(name, ' ');
        if (!space) {
            if (strcmp(argv[1], name) == 0)
                return *words = 1, &commands[i];
        } else if (strlen(argv[1]) == (size_t)(space - name) &&
                   strncmp(argv[1], name, (size_t)(space - name)) == 0 && argc > 2 &&
                   strcmp(argv[2], space + 1) == 0) {
            return *words = 2, &commands[i];
        }
    }
    return NULL;
}

/* "intel" or "rules" alone or with an unknown subcommand: say which there are. */
static int bad_subcommand(const char *group, const char *sub)
{
    char known[256] = "";
    size_t gl = strlen(group), used = 0;
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strncmp(commands[i].name, group, gl) == 0 && commands[i].name[gl] == ' ') {
            int w = snprintf(known + used, sizeof known - used, "%s%s", used ? ", " : "",
                             commands[i].name + gl + 1);
            if (w > 0 && (size_t)w < sizeof known - used)
                used += (size_t)w;
        }
    if (!used)
        return bad_usage(NULL, "unknown command '%s'", group);
    fprintf(stderr, "tocsin: %s: ", group);
    if (sub && sub[0] != '-')
        fprintf(stderr, "unknown subcommand '%s' ", sub);
    else
        fputs("needs a subcommand ", stderr);
    fprintf(stderr, "(%s)\n(tocsin --help for usage)\n", known);
    return EXIT_USAGE;
}

static int open_session(const command *c, args *a, tocsin **t)
{
    const char *db = a->o.db_path ? a->o.db_path : "tocsin.db";
    store_use use = c->store;
    if (c->bit == CMD_SUPPRESS && (a->list || a->remove)) /* only adding one may create the store */
        use = a->list ? STORE_EXISTING : STORE_CHANGE;
    if ((use == STORE_EXISTING || use == STORE_CHANGE) && !ts_store_is_url(db) && access(db, F_OK) != 0) {
        fprintf(stderr, "tocsin: no store at %s (a hunt makes one; --db FILE names another)\n", db);
        return EXIT_FAIL;
    }
    a->o.read_only = use != STORE_WRITE && use != STORE_CHANGE;
    tocsin_code rc = tocsin_open(&a->o, t);
    if (rc != TOCSIN_OK) {
        if (rc == TOCSIN_E_NOMEM) /* every other failure was told, with its path and reason */
            fprintf(stderr, "tocsin: %s\n", tocsin_strerror(rc));
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0)
        return run_version(NULL, NULL);
    int words = 0;
    const command *c = find_command(argc, argv, &words);
    if (!c)
        return bad_subcommand(argv[1], argc > 2 ? argv[2] : NULL);
    args a = {0};
    int status = args_parse(argc - 1 - words, argv + 1 + words, c->bit, c->name, &a);
    a.o.diag = print_diag;
    if (status == EXIT_OK && a.help) {
        print_command_help(c, stdout);
    } else if (status == EXIT_OK && (a.n_pos < c->min_pos || a.n_pos > c->max_pos ||
                                     (c->bit == CMD_WATCH && !a.redis != (a.n_pos > 0)))) {
        char what[160];
        snprintf(what, sizeof what, "%s takes %s", c->name,
                 c->min_pos || c->max_pos ? c->synopsis : "no arguments (only options)");
        status = bad_usage(c->name, "%s", what);
    } else if (status == EXIT_OK) {
        tocsin *t = NULL;
        if (c->store != STORE_NONE)
            status = open_session(c, &a, &t);
        if (status == EXIT_OK)
            status = c->run(t, &a);
        tocsin_close(t);
    }
    args_free(&a);
    return status;
}
