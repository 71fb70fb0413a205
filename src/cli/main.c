/* main.c: the tocsin command line, a thin layer over include/tocsin.h. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tocsin.h"

/* Exit statuses. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_REJECTED = 3, EXIT_MISSED = 4 };

static const char usage[] =
    "usage: tocsin COMMAND [OPTIONS]\n"
    "\n"
    "  hunt LOGS... [--intel FEED]...   read logs (files or directories, .gz too), detect,\n"
    "                                   correlate, attribute, store and report\n"
    "  incidents [--actor NAME]         list the stored incidents (those NAME is the verdict\n"
    "                                   or a candidate of 20% or more of)\n"
    "  actor NAME                       an actor's sightings: incidents, indicators, first\n"
    "                                   and last seen\n"
    "  show INCIDENT                    show one incident with its evidence\n"
    "  intel load FEED [--actor NAME]   load a feed (STIX 2.1, MISP, CSV, list, warninglist)\n"
    "                                   and keep it in the store\n"
    "  intel stats                      what intelligence is loaded\n"
    "  intel lookup VALUE...            indicators and actors matching an IP, domain, URL,\n"
    "                                   hash, mail address, or an actor name or alias\n"
    "  rules check DIR                  load a Sigma rule tree and say, rule by rule,\n"
    "                                   whether it loaded or why it was refused\n"
    "  rules coverage DIR LOGS...       which rules could ever fire on those logs, and the\n"
    "                                   ATT&CK techniques they cover\n"
    "  attribute [FILE]                 rank the actors that explain evidence read from FILE\n"
    "                                   (or standard input): indicators, T-ids, software\n"
    "  simulate --scenario NAME --out DIR [--users N] [--days D] [--seed S] [--start DATE]\n"
    "           [--formats LIST] [--rates FILE]\n"
    "                                   write an organisation's logs with a campaign inside\n"
    "                                   (sony-2014, insider, false-flag, none) and its truth\n"
    "  eval DIR [THRESHOLDS]            hunt a simulated DIR into a fresh store (DIR/eval.db, or\n"
    "                                   --db FILE, which must be new) and score it against\n"
    "                                   DIR/truth.jsonl: steps detected and when, false alerts,\n"
    "                                   attribution (docs/eval.md). Thresholds, each optional:\n"
    "           --min-detected SHARE    at least this share (0..1) of the steps detected\n"
    "           --max-false-per-kuserday N   at most N false alerts per 1,000 user-days\n"
    "           --max-first-alert DURATION   first campaign alert within DURATION (e.g. 1h,\n"
    "                                   2d) of the first click, else of the first step\n"
    "           --expect-actor NAME     the main campaign incident's top hypothesis is NAME\n"
    "           --expect-unattributed   no incident blames an outside actor (p >= 0.5)\n"
    "  version\n"
    "\n"
    "options:\n"
    "  --db FILE          the store (default tocsin.db)\n"
    "  --json             NDJSON output for tools\n"
    "  --watch LIST       watched home networks, countries and ASNs (default KP,AS131279)\n"
    "  --internal CIDRS   more internal networks, comma-separated\n"
    "  --rules DIR        add a Sigma rule tree to the hunt (repeatable)\n"
    "  --placeholders F   values of Sigma expand placeholders (YAML map)\n"
    "  --detectors LIST   run only these detectors, comma-separated (default: all of\n"
    "                     intel, home-network, sigma, credential, lateral, destruction,\n"
    "                     phishing, beacon, exfil, collection)\n"
    "  --window DURATION  correlation window, e.g. 12h, 7d (default 7d)\n"
    "  --config FILE      detector tunables (default: detect.conf in the data directory)\n"
    "  --no-defaults      do not load the bundled intelligence\n"
    "  --data-dir DIR     where the bundled defaults are\n"
    "  --progress, --no-progress   force progress on stderr on or off\n"
    "\n"
    "exit status: 0 done, 1 failed, 2 usage, 3 done but some input was rejected,\n"
    "             4 eval: a threshold was missed\n";

typedef struct args {
    tocsin_options o;
    tocsin_sim_options sim;
    const char *users, *days, *seed, *formats;
    const char **pos;  /* positional arguments */
    size_t n_pos;
    const char **intel;
    size_t n_intel;
    const char **rules;
    size_t n_rules;
    const char *actor;
    tocsin_eval_options eval;
} args;

static int bad_usage(const char *fmt, const char *what)
{
    fputs("tocsin: ", stderr);
    fprintf(stderr, fmt, what);
    fputs("\n(tocsin --help for usage)\n", stderr);
    return EXIT_USAGE;
}

/* "90s", "15m", "12h", "7d" to nanoseconds; 0 on error. */
static long long parse_duration(const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 10), unit;
    if (end == s || v <= 0)
        return 0;
    switch (*end) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return 0;
    }
    if (end[1] || v > 365LL * 86400 * 100 / unit)
        return 0;
    return v * unit * 1000000000LL;
}

/* A number in [lo, hi] into *out; -1 when it is not one. */
static int parse_real(const char *s, double lo, double hi, double *out)
{
    char *end;
    if (!s || !*s)
        return -1;
    double v = strtod(s, &end);
    if (*end || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

/* The options of eval; returns 1 when s was one of them, -1 on a bad value, 0 otherwise. */
static int eval_option(const char *s, const char *val, args *a, int *takes)
{
    if (strcmp(s, "--expect-unattributed") == 0) {
        a->eval.expect_unattributed = 1, *takes = 0;
    } else if (strcmp(s, "--expect-actor") == 0) {
        a->eval.expect_actor = val;
    } else if (strcmp(s, "--min-detected") == 0) {
        if (val && parse_real(val, 0, 1, &a->eval.min_detected))
            return bad_usage("--min-detected: '%s' is not a share between 0 and 1", val), -1;
    } else if (strcmp(s, "--max-false-per-kuserday") == 0) {
        if (val && parse_real(val, 0, 1e12, &a->eval.max_false_per_kuserday))
            return bad_usage("--max-false-per-kuserday: '%s' is not a number of 0 or more", val), -1;
    } else if (strcmp(s, "--max-first-alert") == 0) {
        if (val && !(a->eval.max_first_alert_ns = parse_duration(val)))
            return bad_usage("--max-first-alert: '%s' is not a duration like 1h or 2d", val), -1;
    } else {
        return 0;
    }
    return 1;
}

static int parse_args(int argc, char **argv, args *a)
{
    a->o.progress = -1;
    tocsin_eval_options_init(&a->eval);
    a->pos = calloc((size_t)argc, sizeof *a->pos);
    a->intel = calloc((size_t)argc, sizeof *a->intel);
    a->rules = calloc((size_t)argc, sizeof *a->rules);
    if (!a->pos || !a->intel || !a->rules)
        return bad_usage("%s", "out of memory");
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1, ev = eval_option(s, val, a, &takes);
        if (ev < 0) {
            return EXIT_USAGE;
        } else if (ev > 0) {
            /* an eval threshold */
        } else if (strcmp(s, "--json") == 0) {
            a->o.json = 1, takes = 0;
        } else if (strcmp(s, "--no-defaults") == 0) {
            a->o.no_defaults = 1, takes = 0;
        } else if (strcmp(s, "--progress") == 0) {
            a->o.progress = 1, takes = 0;
        } else if (strcmp(s, "--no-progress") == 0) {
            a->o.progress = 0, takes = 0;
        } else if (strcmp(s, "--db") == 0) {
            a->o.db_path = val;
        } else if (strcmp(s, "--data-dir") == 0) {
            a->o.data_dir = val;
        } else if (strcmp(s, "--config") == 0) {
            a->o.config = val;
        } else if (strcmp(s, "--watch") == 0) {
            a->o.watch = val;
        } else if (strcmp(s, "--internal") == 0) {
            a->o.internal = val;
        } else if (strcmp(s, "--intel") == 0) {
            if (val)
                a->intel[a->n_intel++] = val;
        } else if (strcmp(s, "--rules") == 0) {
            if (val)
                a->rules[a->n_rules++] = val;
        } else if (strcmp(s, "--detectors") == 0) {
            a->o.detectors = val;
        } else if (strcmp(s, "--placeholders") == 0) {
            a->o.sigma_placeholders = val;
        } else if (strcmp(s, "--scenario") == 0) {
            a->sim.scenario = val;
        } else if (strcmp(s, "--out") == 0) {
            a->sim.out_dir = val;
        } else if (strcmp(s, "--start") == 0) {
            a->sim.start = val;
        } else if (strcmp(s, "--rates") == 0) {
            a->sim.conf = val;
        } else if (strcmp(s, "--users") == 0) {
            a->users = val;
        } else if (strcmp(s, "--days") == 0) {
            a->days = val;
        } else if (strcmp(s, "--seed") == 0) {
            a->seed = val;
        } else if (strcmp(s, "--formats") == 0) {
            a->formats = val;
        } else if (strcmp(s, "--actor") == 0) {
            a->actor = val;
        } else if (strcmp(s, "--window") == 0) {
            if (val && !(a->o.window_ns = parse_duration(val)))
                return bad_usage("--window: '%s' is not a duration like 12h or 7d", val);
        } else if (s[0] == '-' && s[1] == '-' && s[2]) {
            return bad_usage("unknown option %s", s);
        } else {
            a->pos[a->n_pos++] = s, takes = 0;
        }
        if (takes) {
            if (!val)
                return bad_usage("%s needs a value", s);
            i++;
        }
    }
    a->o.rules_dirs = a->rules;
    a->o.n_rules_dirs = a->n_rules;
    return EXIT_OK;
}

static int status_of(tocsin *t, tocsin_code rc)
{
    if (rc == TOCSIN_OK)
        return EXIT_OK;
    if (rc == TOCSIN_E_PARTIAL) {
        fputs("tocsin: some input was rejected (see the messages above)\n", stderr);
        return EXIT_REJECTED;
    }
    const char *msg = tocsin_last_error(t);
    fprintf(stderr, "tocsin: %s\n", msg && *msg ? msg : tocsin_strerror(rc));
    return EXIT_FAIL;
}

static int run_intel(tocsin *t, args *a)
{
    const char *sub = a->n_pos > 1 ? a->pos[1] : "";
    if (strcmp(sub, "load") == 0) {
        if (a->n_pos < 3)
            return bad_usage("%s", "intel load needs a FEED");
        int status = EXIT_OK;
        for (size_t i = 2; i < a->n_pos; i++) {
            int s = status_of(t, tocsin_intel_load(t, a->pos[i], a->actor));
            if (s > status)
                status = s;
        }
        return status;
    }
    if (strcmp(sub, "stats") == 0)
        return status_of(t, tocsin_intel_stats(t));
    if (strcmp(sub, "lookup") == 0) {
        if (a->n_pos < 3)
            return bad_usage("%s", "intel lookup needs a VALUE");
        int status = EXIT_OK;
        for (size_t i = 2; i < a->n_pos; i++) {
            tocsin_code rc = tocsin_intel_lookup(t, a->pos[i]);
            if (rc != TOCSIN_OK && rc != TOCSIN_E_NOTFOUND)
                status = status_of(t, rc);
        }
        return status;
    }
    return bad_usage("intel: unknown subcommand '%s' (load, stats, lookup)", sub);
}

static int run_rules(tocsin *t, args *a)
{
    const char *sub = a->n_pos > 1 ? a->pos[1] : "";
    if (strcmp(sub, "coverage") == 0) {
        if (a->n_pos < 4)
            return bad_usage("%s", "rules coverage needs a DIR and LOGS");
        return status_of(t, tocsin_rules_coverage(t, a->pos[2], a->pos + 3, a->n_pos - 3));
    }
    if (strcmp(sub, "check") != 0)
        return bad_usage("rules: unknown subcommand '%s' (check, coverage)", sub);
    if (a->n_pos < 3)
        return bad_usage("%s", "rules check needs a DIR");
    int status = EXIT_OK;
    for (size_t i = 2; i < a->n_pos; i++) {
        int s = status_of(t, tocsin_rules_check(t, a->pos[i]));
        if (s > status)
            status = s;
    }
    return status;
}

static int run_attribute(tocsin *t, args *a)
{
    FILE *in = stdin;
    if (a->n_pos > 1 && strcmp(a->pos[1], "-") != 0) {
        in = fopen(a->pos[1], "r");
        if (!in) {
            perror(a->pos[1]);
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
    static const struct { const char *name; unsigned bit; } names[] = {
        {"windows", TOCSIN_SIM_WINDOWS}, {"zeek", TOCSIN_SIM_ZEEK_TSV}, {"zeek-json", TOCSIN_SIM_ZEEK_JSON},
        {"suricata", TOCSIN_SIM_SURICATA}, {"mail", TOCSIN_SIM_MAIL}, {"linux", TOCSIN_SIM_LINUX},
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

static int run_simulate(args *a)
{
    char err[512] = "";
    long long users = a->users ? parse_count(a->users, 100000) : 0;
    long long days = a->days ? parse_count(a->days, 36500) : 0;
    long long seed = a->seed ? parse_count(a->seed, (unsigned long long)LLONG_MAX) : 1;
    if (!a->sim.scenario || !a->sim.out_dir)
        return bad_usage("%s", "simulate needs --scenario NAME and --out DIR");
    if (users < 0 || days < 0 || seed < 0)
        return bad_usage("%s", "--users, --days and --seed take whole numbers (users up to 100000)");
    if (a->formats && parse_formats(a->formats, &a->sim.formats) != 0)
        return bad_usage("--formats: '%s' (windows, zeek, zeek-json, suricata, mail, linux, intel)", a->formats);
    a->sim.users = (uint32_t)users;
    a->sim.days = (uint32_t)days;
    a->sim.seed = (uint64_t)seed;
    a->sim.data_dir = a->o.data_dir;
    a->sim.progress = a->o.progress;
    tocsin_code rc = tocsin_simulate(&a->sim, err, sizeof err);
    if (rc != TOCSIN_OK) {
        fprintf(stderr, "tocsin: simulate: %s\n", *err ? err : tocsin_strerror(rc));
        return rc == TOCSIN_E_ARG ? EXIT_USAGE : EXIT_FAIL;
    }
    return EXIT_OK;
}

static int run_eval(args *a)
{
    char err[1024] = "";
    tocsin_eval_result r;
    if (a->n_pos != 2)
        return bad_usage("%s", "eval needs one DIR (written by tocsin simulate)");
    a->eval.db_path = a->o.db_path;
    tocsin_code rc = tocsin_eval(&a->o, a->pos[1], &a->eval, &r, err, sizeof err);
    if (rc != TOCSIN_OK && rc != TOCSIN_E_PARTIAL) {
        fprintf(stderr, "tocsin: eval: %s\n", *err ? err : tocsin_strerror(rc));
        return rc == TOCSIN_E_ARG ? EXIT_USAGE : EXIT_FAIL;
    }
    if (r.failed) {
        fprintf(stderr, "tocsin: eval: %zu of %zu thresholds missed\n", r.failed, r.checks);
        return EXIT_MISSED;
    }
    return rc == TOCSIN_E_PARTIAL ? EXIT_REJECTED : EXIT_OK;
}

static int run(args *a)
{
    const char *cmd = a->pos[0];
    tocsin *t;
    int status;
    if (strcmp(cmd, "simulate") == 0)
        return run_simulate(a); /* needs no store */
    if (strcmp(cmd, "eval") == 0)
        return run_eval(a); /* makes its own */
    if (strcmp(cmd, "hunt") == 0 && a->n_pos < 2)
        return bad_usage("%s", "hunt needs LOGS (files or directories)");
    if (strcmp(cmd, "show") == 0 && a->n_pos != 2)
        return bad_usage("%s", "show needs one INCIDENT id");
    tocsin_code rc = tocsin_open(&a->o, &t);
    if (rc != TOCSIN_OK) {
        fprintf(stderr, "tocsin: cannot open the store: %s\n", tocsin_strerror(rc));
        return EXIT_FAIL;
    }
    if (strcmp(cmd, "hunt") == 0)
        status = status_of(t, tocsin_hunt(t, a->pos + 1, a->n_pos - 1, a->intel, a->n_intel));
    else if (strcmp(cmd, "incidents") == 0)
        status = status_of(t, a->actor ? tocsin_incidents_of(t, a->actor) : tocsin_incidents(t));
    else if (strcmp(cmd, "actor") == 0)
        status = a->n_pos == 2 ? status_of(t, tocsin_actor(t, a->pos[1])) : bad_usage("%s", "actor needs one NAME");
    else if (strcmp(cmd, "show") == 0)
        status = status_of(t, tocsin_show(t, a->pos[1]));
    else if (strcmp(cmd, "intel") == 0)
        status = run_intel(t, a);
    else if (strcmp(cmd, "rules") == 0)
        status = run_rules(t, a);
    else if (strcmp(cmd, "attribute") == 0)
        status = run_attribute(t, a);
    else
        status = bad_usage("unknown command '%s'", cmd);
    tocsin_close(t);
    return status;
}

int main(int argc, char **argv)
{
    args a = {0};
    int status;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("tocsin %s\n", TOCSIN_VERSION);
        return EXIT_OK;
    }
    status = parse_args(argc - 1, argv + 1, &a);
    if (status == EXIT_OK)
        status = a.n_pos ? run(&a) : bad_usage("%s", "no command");
    free(a.pos);
    free(a.intel);
    free(a.rules);
    return status;
}
