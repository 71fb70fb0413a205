/* sigma.h: the Sigma rule engine: loads rule trees, compiles them once, matches events. */
#ifndef TS_SIGMA_H
#define TS_SIGMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "core/event.h"
#include "tocsin.h"

typedef struct ts_sigma ts_sigma;
typedef struct ts_sigma_scratch ts_sigma_scratch;

/* What the engine knows of one loaded rule; valid as long as the set. */
typedef struct ts_sigma_rule_info {
    const char *id; /* the rule's id, or its file name when it has none */
    const char *title;
    const char *level;      /* "informational" .. "critical", or "" */
    const char *techniques; /* "T1059.001,T1027,G0032" from attack.tNNNN/gNNNN/sNNNN tags, or "" */
    const char *file;
    uint64_t line;
} ts_sigma_rule_info;

/* The fate of one rule document: loaded, or refused and why. at is where it is (file,
 * line); a refusal is a problem like any other (core/diag.h), so at may go as it is to a
 * ts_diag_fn: its code says what kind (TOCSIN_E_PARSE: the rule; TOCSIN_E_IO: its file
 * could not be read; TOCSIN_E_NOMEM) and msg why. Loaded: code TOCSIN_OK, msg NULL. */
typedef struct ts_sigma_status {
    ts_diag at;
    const char *id;    /* "" when unknown */
    const char *title; /* "" when unknown */
    bool loaded;
} ts_sigma_status;

typedef void (*ts_sigma_status_fn)(void *ud, const ts_sigma_status *st);
typedef void (*ts_sigma_hit_fn)(void *ud, const ts_sigma_rule_info *rule, const ts_event *ev);

/* An empty set that uses the log source mapping at logsources_path (the TSV described in
 * data/sigma/logsources.tsv). NULL when that file is unusable, after saying why to diag
 * (may be NULL) with the file and the line. */
ts_sigma *ts_sigma_new(const char *logsources_path, ts_diag_fn diag, void *ud);
void ts_sigma_free(ts_sigma *s);

/* Loads placeholder values for the expand modifier from a YAML map of name -> list. Not
 * TOCSIN_OK: the problem, with the file and its line, went to diag (may be NULL). */
tocsin_code ts_sigma_load_placeholders(ts_sigma *s, const char *path, ts_diag_fn diag, void *ud);

/* Loads every .yml/.yaml file under path (a file or a directory, recursively). Each rule
 * document is reported to fn (may be NULL). Returns TOCSIN_E_IO if path cannot be read;
 * refused rules are not an error here. */
tocsin_code ts_sigma_load_path(ts_sigma *s, const char *path, ts_sigma_status_fn fn, void *ud);
/* At most n threads (the caller's among them) read and parse the files of a rule tree at
 * once in ts_sigma_load_path; the rules are built, and reported, in the walk's order
 * whatever n. Default 1. */
void ts_sigma_set_threads(ts_sigma *s, unsigned n);
/* Loads the rule documents of one YAML text (name is used in messages). */
tocsin_code ts_sigma_load_text(ts_sigma *s, const char *name, const char *text, size_t n,
                               ts_sigma_status_fn fn, void *ud);

/* Compiles all loaded rules; after this no more rules may be loaded. Not TOCSIN_OK: the
 * problem went to diag (may be NULL); file is NULL, as it is the set's, not a file's. */
tocsin_code ts_sigma_compile(ts_sigma *s, ts_diag_fn diag, void *ud);
size_t ts_sigma_rule_count(const ts_sigma *s);
/* After compile: calls fn (may be NULL) for every loaded correlation rule that cannot run,
 * with loaded false and the reason (it names a rule that is not loaded, is part of a cycle,
 * ...); such a correlation stays idle and the rules it names alert on their own. Returns how
 * many there are. */
size_t ts_sigma_idle_correlations(const ts_sigma *s, ts_sigma_status_fn fn, void *ud);
/* After compile: how many (filter, rule) pairs were left unfiltered because the filter's
 * detection could not be built for the rule's log source. */
size_t ts_sigma_filters_failed(const ts_sigma *s);

/* Per-thread match state for a compiled set. */
ts_sigma_scratch *ts_sigma_scratch_new(const ts_sigma *s);
void ts_sigma_scratch_free(ts_sigma_scratch *sc);

/* What a scratch has done so far: events seen, rules evaluated (the candidates that
 * routing and triggers left), matcher scans of fields (per-field and short-literal), and
 * how many scans were answered from the memory of earlier values or not; rule evaluations
 * that gave up (a regex they needed went over its budget), and regex tests that did. */
typedef struct ts_sigma_stats {
    uint64_t events, rules_evaluated, scans, short_scans;
    uint64_t remembered, not_remembered;
    uint64_t gave_up, regex_gave_up;
} ts_sigma_stats;
void ts_sigma_scratch_stats(const ts_sigma_scratch *sc, ts_sigma_stats *out);
/* The correlations' per-group state of a scratch: groups held, the most it holds, hits
 * dropped for want of a group (the table full of live groups), memory held and at most. */
void ts_sigma_scratch_corr_use(const ts_sigma_scratch *sc, uint64_t *groups, uint64_t *max, uint64_t *dropped,
                               uint64_t *bytes, uint64_t *bound);

/* The budget of the regexes only PCRE2 can run (Hyperscan's scans are linear and need
 * none): at most steps backtracking steps per match, and at most give_ups such regexes
 * over budget per event, after which the event's other PCRE2 regexes give up unrun. A
 * rule whose result depends on a regex that gave up neither fires nor counts as a miss:
 * it "gave up" on the event (ts_sigma_gave_up). False when out of memory. */
bool ts_sigma_scratch_budget(ts_sigma_scratch *sc, uint32_t steps, uint32_t give_ups);

/* A rule that could not finish on some events. */
typedef struct ts_sigma_gave_up_info {
    const ts_sigma_rule_info *rule;
    uint64_t events;
    const char *file; /* where the first was; NULL if the event had no file */
    uint64_t line, record;
} ts_sigma_gave_up_info;
typedef void (*ts_sigma_gave_up_fn)(void *ud, const ts_sigma_gave_up_info *g);
/* Calls fn (may be NULL) for every rule that gave up on an event of this scratch, in rule
 * order; returns how many rules did. Valid while sc lives. */
size_t ts_sigma_gave_up(const ts_sigma_scratch *sc, ts_sigma_gave_up_fn fn, void *ud);

/* Calls fn once for every rule that fires on ev. */
void ts_sigma_match(const ts_sigma *s, ts_sigma_scratch *sc, const ts_event *ev, ts_sigma_hit_fn fn,
                    void *ud);

/* Matching in two steps, so that worker threads match events ahead of the one thread that
 * keeps the correlations and the give-ups. ts_sigma_prepare runs the rules on ev with a
 * worker's own scratch and returns what they came to: NULL when nothing (most events), else
 * a record to pass once to ts_sigma_replay or ts_sigma_prep_free. ts_sigma_replay, called
 * in the events' order with the keeping scratch, then calls fn, feeds the correlations and
 * counts give-ups exactly as ts_sigma_match would have there; it frees p. A worker's
 * scratch gathers no give-ups or correlations; its counters count the matching it did. */
typedef struct ts_sigma_prep ts_sigma_prep;
ts_sigma_prep *ts_sigma_prepare(const ts_sigma *s, ts_sigma_scratch *sc, const ts_event *ev);
void ts_sigma_replay(const ts_sigma *s, ts_sigma_scratch *sc, const ts_event *ev, ts_sigma_prep *p,
                     ts_sigma_hit_fn fn, void *ud);
void ts_sigma_prep_free(ts_sigma_prep *p);

/* Coverage: which rules could ever fire on a body of logs, because events of their log
 * source were seen with the fields their detection needs. */
typedef struct ts_sigma_coverage ts_sigma_coverage;
typedef void (*ts_sigma_cover_fn)(void *ud, const ts_sigma_rule_info *rule, bool could_fire, const char *why);

/* For a compiled set; NULL on allocation failure. */
ts_sigma_coverage *ts_sigma_coverage_new(const ts_sigma *s);
void ts_sigma_coverage_free(ts_sigma_coverage *c);
/* Notes ev's log sources and fields. */
void ts_sigma_coverage_event(ts_sigma_coverage *c, const ts_event *ev);
/* Calls fn for every rule and correlation: could it fire, and if not why. */
void ts_sigma_coverage_report(const ts_sigma_coverage *c, ts_sigma_cover_fn fn, void *ud);

#endif
