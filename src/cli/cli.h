/* cli.h: the command line's tables: commands (cli main.c) and options (args.c). */
#ifndef TS_CLI_H
#define TS_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "tocsin.h"

/* Exit statuses. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_REJECTED = 3, EXIT_MISSED = 4 };

/* The commands, as bits, so an option can say which commands take it. */
enum {
    CMD_HUNT = 1u << 0,
    CMD_INCIDENTS = 1u << 1,
    CMD_SHOW = 1u << 2,
    CMD_INTEL_LOAD = 1u << 3,
    CMD_INTEL_STATS = 1u << 4,
    CMD_INTEL_LOOKUP = 1u << 5,
    CMD_RULES_CHECK = 1u << 6,
    CMD_RULES_COVERAGE = 1u << 7,
    CMD_ATTRIBUTE = 1u << 8,
    CMD_SIMULATE = 1u << 9,
    CMD_EVAL = 1u << 10,
    CMD_VERSION = 1u << 11,
    CMD_REPORT = 1u << 12,
    CMD_TIMELINE = 1u << 13,
    CMD_ACTOR = 1u << 14,
    CMD_SUPPRESS = 1u << 15,
    CMD_CLOSE = 1u << 16,
    CMD_EVENTS = 1u << 17,
    CMD_WATCH = 1u << 18,
    CMD_SHIP = 1u << 19,
};

/* What a command was given. Strings borrow argv. */
typedef struct args {
    tocsin_options o;
    tocsin_sim_options sim;
    tocsin_eval_options eval;
    const char *users, *days, *seed, *formats, *actor;
    const char **pos; /* the command's own positional arguments (after its name) */
    size_t n_pos;
    const char **intel;
    size_t n_intel;
    const char **rules;
    size_t n_rules;
    const char *stix, *misp, *html; /* report: where the exports go */
    tocsin_timeline_options timeline;
    tocsin_suppression sup; /* suppress: the conditions, --reason, --expires */
    const char *remove;     /* suppress --remove ID */
    int list;               /* suppress --list */
    int benign, malicious;  /* close */
    const char *note;       /* close --note */
    double interval;        /* watch --interval, seconds */
    /* ship and watch --redis (docs/live.md) */
    const char *redis, *stream, *group, *consumer, *alerts_to;
    double partitions, claim_idle, lease, max_deliveries, max_entry;
    int drain, once;
    int help; /* --help was given */
} args;

/* Parses argv[0..argc) (the words after the command's name) for the command cmd (a CMD_*
 * bit) into a, whose arrays it allocates (args_free frees them). Returns EXIT_OK, or
 * EXIT_USAGE after saying why on stderr. */
int args_parse(int argc, char **argv, unsigned cmd, const char *cmd_name, args *a);
void args_free(args *a);

/* Prints the options cmd takes, one per line with its help, to f. */
void args_print_options(unsigned cmd, FILE *f);

/* Says "tocsin: <fmt with what>" and how to get help on stderr; returns EXIT_USAGE. */
int bad_usage(const char *cmd_name, const char *fmt, const char *what);

#endif
