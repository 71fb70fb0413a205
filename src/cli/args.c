/* args.c: the command line's options as one table (name, value, the commands that take it,
 * where it goes), so that each command accepts only its own options and --help lists them. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "cli/cli.h"

typedef enum opt_kind {
    OPT_FLAG,     /* sets an int to 1 (or to .flag_value) */
    OPT_STR,      /* a const char * */
    OPT_LIST,     /* appended to a list: --intel, --rules */
    OPT_DURATION, /* "90s", "15m", "12h", "7d" into an int64_t of nanoseconds */
    OPT_SHARE,    /* a number in [0, 1] into a double */
    OPT_AMOUNT,   /* a number of 0 or more into a double */
    OPT_COUNT,    /* a whole number from 1 to 1024 into an int */
} opt_kind;

typedef struct option {
    const char *name;
    const char *value; /* what the value is, for --help; NULL for a flag */
    opt_kind kind;
    size_t offset; /* of the field in args */
    int flag_value;
    unsigned cmds; /* CMD_* bits of the commands that take it */
    const char *help;
} option;

#define STORE_CMDS                                                                                  \
    (CMD_HUNT | CMD_INCIDENTS | CMD_SHOW | CMD_INTEL_LOAD | CMD_INTEL_STATS | CMD_INTEL_LOOKUP |    \
     CMD_RULES_CHECK | CMD_RULES_COVERAGE | CMD_ATTRIBUTE | CMD_REPORT | CMD_TIMELINE | CMD_ACTOR | \
     CMD_SUPPRESS | CMD_CLOSE)
#define HUNTING (CMD_HUNT | CMD_EVAL | CMD_WATCH)
#define ALL_BUT_VERSION (~(CMD_VERSION | CMD_EVENTS)) /* events reads logs only */
#define AT(field) offsetof(args, field)

static const option options[] = {
    {"--db", "STORE", OPT_STR, AT(o.db_path), 0, STORE_CMDS | CMD_EVAL | CMD_WATCH,
     "the store: an SQLite file (default tocsin.db) or a postgresql:// URL (eval: a new file, default "
     "DIR/eval.db)"},
    {"--json", NULL, OPT_FLAG, AT(o.json), 1, ALL_BUT_VERSION & ~(CMD_SIMULATE | CMD_TIMELINE),
     "NDJSON output for tools"},
    {"--intel", "FEED", OPT_LIST, AT(intel), 0, CMD_HUNT,
     "an extra intelligence feed for this hunt (repeatable)"},
    {"--rules", "DIR", OPT_LIST, AT(rules), 0, HUNTING, "add a Sigma rule tree (repeatable)"},
    {"--placeholders", "FILE", OPT_STR, AT(o.sigma_placeholders), 0,
     HUNTING | CMD_RULES_CHECK | CMD_RULES_COVERAGE, "values of Sigma expand placeholders (YAML map)"},
    {"--detectors", "LIST", OPT_STR, AT(o.detectors), 0, HUNTING,
     "run only these detectors, comma-separated (default: all)"},
    {"--watch", "LIST", OPT_STR, AT(o.watch), 0, HUNTING | CMD_INTEL_LOOKUP,
     "watched home networks, countries and ASNs (default KP,AS131279)"},
    {"--internal", "CIDRS", OPT_STR, AT(o.internal), 0, HUNTING | CMD_INTEL_LOOKUP,
     "more internal networks, comma-separated"},
    {"--window", "DURATION", OPT_DURATION, AT(o.window_ns), 0, HUNTING,
     "correlation window, e.g. 12h, 7d (default 7d)"},
    {"--jobs", "N", OPT_COUNT, AT(o.jobs), 0, CMD_HUNT | CMD_EVAL,
     "threads working at once (default: one per core); the same findings for any N"},
    {"--config", "FILE", OPT_STR, AT(o.config), 0, HUNTING,
     "detector tunables (default: detect.conf in the data directory)"},
    {"--no-defaults", NULL, OPT_FLAG, AT(o.no_defaults), 1, STORE_CMDS | CMD_EVAL | CMD_WATCH,
     "do not load the bundled intelligence"},
    {"--data-dir", "DIR", OPT_STR, AT(o.data_dir), 0, ALL_BUT_VERSION, "where the bundled defaults are"},
    {"--progress", NULL, OPT_FLAG, AT(o.progress), 1,
     HUNTING | CMD_SIMULATE | CMD_RULES_COVERAGE | CMD_INTEL_LOAD,
     "show progress on stderr even when it is not a terminal"},
    {"--no-progress", NULL, OPT_FLAG, AT(o.progress), 0,
     HUNTING | CMD_SIMULATE | CMD_RULES_COVERAGE | CMD_INTEL_LOAD, "never show progress"},
    {"--interval", "S", OPT_AMOUNT, AT(interval), 0, CMD_WATCH | CMD_SHIP,
     "seconds between looks at idle files (default 0.2)"},
    {"--redis", "URL", OPT_STR, AT(redis), 0, CMD_WATCH | CMD_SHIP,
     "a Redis server, redis://HOST[:PORT][/DB]: watch consumes its stream"},
    {"--stream", "KEY", OPT_STR, AT(stream), 0, CMD_WATCH | CMD_SHIP,
     "the stream's key (partitions: KEY:p0 ...)"},
    {"--group", "NAME", OPT_STR, AT(group), 0, CMD_WATCH, "watch --redis: the consumer group"},
    {"--consumer", "NAME", OPT_STR, AT(consumer), 0, CMD_WATCH,
     "watch --redis: this worker's name in the group"},
    {"--partitions", "N", OPT_AMOUNT, AT(partitions), 0, CMD_WATCH | CMD_SHIP,
     "streams the records are split over by entity (default 1;\nwatch: what the shipper set)"},
    {"--lease", "S", OPT_AMOUNT, AT(lease), 0, CMD_WATCH,
     "seconds a partition stays owned unrenewed (default 10)"},
    {"--claim-idle", "S", OPT_AMOUNT, AT(claim_idle), 0, CMD_WATCH,
     "seconds another consumer's pending entry idles before it is\nclaimed (default: the lease)"},
    {"--max-deliveries", "N", OPT_AMOUNT, AT(max_deliveries), 0, CMD_WATCH,
     "deliveries without a commit before an entry goes to\nKEY:dead (default 5)"},
    {"--max-entry", "BYTES", OPT_AMOUNT, AT(max_entry), 0, CMD_WATCH,
     "larger entries go to KEY:dead (default 1048576)"},
    {"--drain", NULL, OPT_FLAG, AT(drain), 1, CMD_WATCH,
     "watch --redis: stop once the stream is read to its end"},
    {"--once", NULL, OPT_FLAG, AT(once), 1, CMD_SHIP, "ship what the files hold now, then stop"},
    {"--alerts-to", "TARGETS", OPT_STR, AT(alerts_to), 0, CMD_HUNT | CMD_WATCH,
     "also send alerts to ndjson, redis://HOST/KEY, syslog or\nsyslog://HOST:PORT (comma-separated)"},
    {"--actor", "NAME", OPT_STR, AT(actor), 0, CMD_INTEL_LOAD | CMD_INCIDENTS,
     "intel load: the actor of a plain list or CSV that names none; incidents: only NAME's"},
    {"--scenario", "NAME", OPT_STR, AT(sim.scenario), 0, CMD_SIMULATE,
     "sony-2014, insider, false-flag, none, or a .playbook file"},
    {"--out", "DIR", OPT_STR, AT(sim.out_dir), 0, CMD_SIMULATE, "where the logs and the truth go"},
    {"--users", "N", OPT_STR, AT(users), 0, CMD_SIMULATE,
     "people in the organisation (default 200, up to 100000)"},
    {"--days", "D", OPT_STR, AT(days), 0, CMD_SIMULATE, "length of the period (default 90)"},
    {"--seed", "S", OPT_STR, AT(seed), 0, CMD_SIMULATE, "same seed and options, same bytes (default 1)"},
    {"--start", "DATE", OPT_STR, AT(sim.start), 0, CMD_SIMULATE,
     "first day, YYYY-MM-DD (default 2014-09-01)"},
    {"--formats", "LIST", OPT_STR, AT(formats), 0, CMD_SIMULATE,
     "only these outputs: windows, zeek, zeek-json, suricata, mail, linux, intel"},
    {"--rates", "FILE", OPT_STR, AT(sim.conf), 0, CMD_SIMULATE, "rates of ordinary activity"},
    {"--min-detected", "SHARE", OPT_SHARE, AT(eval.min_detected), 0, CMD_EVAL,
     "at least this share (0..1) of the steps detected"},
    {"--max-false-per-kuserday", "N", OPT_AMOUNT, AT(eval.max_false_per_kuserday), 0, CMD_EVAL,
     "at most N false alerts per 1,000 user-days"},
    {"--max-first-alert", "DURATION", OPT_DURATION, AT(eval.max_first_alert_ns), 0, CMD_EVAL,
     "first campaign alert within DURATION of the first click, else of the first step"},
    {"--expect-actor", "NAME", OPT_STR, AT(eval.expect_actor), 0, CMD_EVAL,
     "the main campaign incident's top hypothesis is NAME"},
    {"--expect-unattributed", NULL, OPT_FLAG, AT(eval.expect_unattributed), 1, CMD_EVAL,
     "no incident blames an outside actor (p >= 0.5)"},
    {"--attribution", NULL, OPT_FLAG, AT(eval.attribution), 1, CMD_EVAL,
     "score attribution alone over every DIR given: top-1, top-3, calibration"},
    {"--stix", "FILE", OPT_STR, AT(stix), 0, CMD_REPORT,
     "a STIX 2.1 bundle of the incidents (- for standard output)"},
    {"--misp", "FILE", OPT_STR, AT(misp), 0, CMD_REPORT,
     "MISP events, one JSON object a line (- for standard output)"},
    {"--csv", NULL, OPT_FLAG, AT(timeline.jsonl), 0, CMD_TIMELINE, "CSV with a header (the default)"},
    {"--jsonl", NULL, OPT_FLAG, AT(timeline.jsonl), 1, CMD_TIMELINE, "JSON lines instead of CSV"},
    {"-o", "FILE", OPT_STR, AT(timeline.path), 0, CMD_TIMELINE | CMD_HUNT,
     "write the report (hunt) or rows (timeline) to FILE"},
    {"--min-level", "LEVEL", OPT_STR, AT(timeline.min_level), 0, CMD_TIMELINE | CMD_HUNT,
     "leave out alerts (timeline) or incidents (hunt's report) below LEVEL:\nlow, medium, high, critical"},
    {"--since", "TIME", OPT_STR, AT(timeline.since), 0, CMD_TIMELINE | CMD_HUNT,
     "leave out events (timeline) or incidents (hunt's report)\nbefore TIME (2014-11-24 or ISO 8601)"},
    {"--until", "TIME", OPT_STR, AT(timeline.until), 0, CMD_TIMELINE | CMD_HUNT,
     "leave out events or incidents after TIME (a date: its end)"},
    {"--detector", "NAME", OPT_STR, AT(sup.detector), 0, CMD_SUPPRESS,
     "alerts of this detector (conditions are globs; all must hold)"},
    {"--rule", "ID|TITLE", OPT_STR, AT(sup.rule), 0, CMD_SUPPRESS,
     "alerts of this Sigma rule, by id or title"},
    {"--host", "NAME|ADDR", OPT_STR, AT(sup.host), 0, CMD_SUPPRESS,
     "alerts on this internal host (name, address or CIDR)"},
    {"--user", "NAME", OPT_STR, AT(sup.user), 0, CMD_SUPPRESS,
     "alerts of this account (alice matches CORP\\alice)"},
    {"--ip", "ADDR|CIDR", OPT_STR, AT(sup.ip), 0, CMD_SUPPRESS, "alerts with this address on either side"},
    {"--indicator", "VALUE", OPT_STR, AT(sup.indicator), 0, CMD_SUPPRESS,
     "alerts on this indicator, observed value or outside name"},
    {"--field", "NAME=VALUE", OPT_STR, AT(sup.field), 0, CMD_SUPPRESS,
     "alerts whose field has this value (title, dataset, remote_cc ...)"},
    {"--reason", "TEXT", OPT_STR, AT(sup.reason), 0, CMD_SUPPRESS, "why (required to add one)"},
    {"--expires", "WHEN", OPT_STR, AT(sup.expires), 0, CMD_SUPPRESS,
     "a duration (12h, 30d, 2w) or a UTC date (2027-01-31); default never"},
    {"--list", NULL, OPT_FLAG, AT(list), 1, CMD_SUPPRESS, "list the suppressions, expired ones too"},
    {"--remove", "ID", OPT_STR, AT(remove), 0, CMD_SUPPRESS, "remove a suppression by its number"},
    {"--benign", NULL, OPT_FLAG, AT(benign), 1, CMD_CLOSE, "a false alarm or expected activity"},
    {"--malicious", NULL, OPT_FLAG, AT(malicious), 1, CMD_CLOSE, "a real attack, handled"},
    {"--note", "TEXT", OPT_STR, AT(note), 0, CMD_CLOSE, "what was found, for whoever reads it later"},
    {"--html", "FILE", OPT_STR, AT(html), 0, CMD_REPORT,
     "one self-contained HTML page for people (- for standard output)"},
    {"--help", NULL, OPT_FLAG, AT(help), 1, ~0u, "this help"},
};

int bad_usage(const char *cmd_name, const char *fmt, const char *what)
{
    fputs("tocsin: ", stderr);
    fprintf(stderr, fmt, what);
    if (cmd_name)
        fprintf(stderr, "\n(tocsin %s --help for usage)\n", cmd_name);
    else
        fputs("\n(tocsin --help for usage)\n", stderr);
    return EXIT_USAGE;
}

/* A number in [lo, hi] into *out; -1 when it is not one. The CLI runs in the "C" locale
 * (no setlocale), so strtod reads a point as the decimal mark whatever the user's locale. */
static int parse_real(const char *s, double lo, double hi, double *out)
{
    char *end;
    if (!*s)
        return -1;
    double v = strtod(s, &end);
    if (*end || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

static const option *find(const char *name)
{
    for (size_t i = 0; i < sizeof options / sizeof *options; i++)
        if (strcmp(options[i].name, name) == 0)
            return &options[i];
    return NULL;
}

static int set(const option *op, const char *val, args *a, const char *cmd_name)
{
    char *field = (char *)a + op->offset;
    switch (op->kind) {
    case OPT_FLAG:
        *(int *)field = op->flag_value;
        return EXIT_OK;
    case OPT_STR:
        *(const char **)field = val;
        return EXIT_OK;
    case OPT_LIST:
        if (op->offset == AT(intel))
            a->intel[a->n_intel++] = val;
        else
            a->rules[a->n_rules++] = val;
        return EXIT_OK;
    case OPT_DURATION:
        if (!ts_parse_duration_ns(ts_str_c(val), (int64_t *)field))
            return bad_usage(cmd_name, "'%s' is not a duration like 90s, 15m, 12h or 7d", val);
        return EXIT_OK;
    case OPT_SHARE:
        if (parse_real(val, 0, 1, (double *)field))
            return bad_usage(cmd_name, "'%s' is not a share between 0 and 1", val);
        return EXIT_OK;
    case OPT_AMOUNT:
        if (parse_real(val, 0, 1e12, (double *)field))
            return bad_usage(cmd_name, "'%s' is not a number of 0 or more", val);
        return EXIT_OK;
    case OPT_COUNT: {
        double v;
        if (parse_real(val, 1, 1024, &v) || v != (double)(int)v)
            return bad_usage(cmd_name, "'%s' is not a whole number from 1 to 1024", val);
        *(int *)field = (int)v;
        return EXIT_OK;
    }
    }
    return EXIT_USAGE;
}

int args_parse(int argc, char **argv, unsigned cmd, const char *cmd_name, args *a)
{
    a->o.progress = -1;
    tocsin_eval_options_init(&a->eval);
    size_t n = (size_t)argc + 1;
    a->pos = calloc(n, sizeof *a->pos);
    a->intel = calloc(n, sizeof *a->intel);
    a->rules = calloc(n, sizeof *a->rules);
    if (!a->pos || !a->intel || !a->rules)
        return bad_usage(NULL, "%s", "out of memory");
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (s[0] != '-' || strcmp(s, "-") == 0) { /* "-" is standard input */
            a->pos[a->n_pos++] = s;
            continue;
        }
        if (strcmp(s, "--") == 0) { /* the rest are paths, even those that start with '-' */
            while (++i < argc)
                a->pos[a->n_pos++] = argv[i];
            break;
        }
        if (strcmp(s, "-h") == 0)
            s = "--help";
        const option *op = find(s);
        if (!op)
            return bad_usage(cmd_name, "unknown option %s", s);
        if (!(op->cmds & cmd))
            return bad_usage(cmd_name, "%s does not apply to this command", s);
        const char *val = NULL;
        if (op->value) {
            /* A value that looks like an option is a forgotten value: "--intel --db x.db"
               must not read "--db" as the feed. */
            if (i + 1 >= argc || (argv[i + 1][0] == '-' && argv[i + 1][1] == '-'))
                return bad_usage(cmd_name, "%s needs a value", s);
            val = argv[++i];
        }
        int rc = set(op, val, a, cmd_name);
        if (rc != EXIT_OK)
            return rc;
    }
    a->o.rules_dirs = a->rules;
    a->o.n_rules_dirs = a->n_rules;
    return EXIT_OK;
}

void args_free(args *a)
{
    free(a->pos);
    free(a->intel);
    free(a->rules);
}

void args_print_options(unsigned cmd, FILE *f)
{
    int any = 0;
    for (size_t i = 0; i < sizeof options / sizeof *options; i++) {
        const option *op = &options[i];
        if (!(op->cmds & cmd))
            continue;
        if (!any++)
            fputs("\noptions:\n", f);
        char head[64];
        snprintf(head, sizeof head, "%s%s%s", op->name, op->value ? " " : "", op->value ? op->value : "");
        fprintf(f, "  %-30s %s\n", head, op->help);
    }
}
