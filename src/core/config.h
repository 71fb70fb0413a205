/* config.h: tunables from an INI-style file ("[section]" and "key = value" lines, "#"
 * comments), so detectors can be tuned without rebuilding. */
#ifndef TS_CONFIG_H
#define TS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "tocsin.h"

typedef struct ts_config ts_config;

/* Reads path. A line that is neither "[section]" nor "key = value" goes to diag and is
 * skipped. A missing file gives TOCSIN_E_IO and *out NULL. */
tocsin_code ts_config_load(const char *path, ts_config **out, ts_diag_fn diag, void *ud);
void ts_config_free(ts_config *c);

/* The value of key in section, or NULL (also when c is NULL). Valid as long as c. */
const char *ts_config_get(const ts_config *c, const char *section, const char *key);
/* A number (integer or decimal, with an optional unit suffix s/m/h/d turned into seconds),
 * or def when absent or not a number: for tools and tests peeking at a file. Detectors
 * and stages read through their table (ts_tune_read), which refuses a bad value. */
double ts_config_num(const ts_config *c, const char *section, const char *key, double def);

/* ---- tunables as tables ----------------------------------------------------------------
 * A detector (or stage) keeps its tunables in a settings struct and declares them in a
 * table, so one loader reads them, one check holds a file against every table, and a test
 * holds data/detect.conf against them (tests/test_toolkit.c). */

typedef enum ts_tune_type {
    TS_TUNE_NUM = 1, /* a decimal number, into a double */
    TS_TUNE_COUNT,   /* a whole number, into a double */
    TS_TUNE_SECONDS, /* a duration, into a double of seconds: "90s", "15m", "12h", "7d" or "3600" */
    TS_TUNE_TEXT,    /* a path or a comma-separated list, into a const char * borrowed from the
                        config (valid as long as it) */
} ts_tune_type;

typedef struct ts_tunable {
    const char *key; /* NULL ends a table */
    size_t offset;   /* of its field in the settings struct */
    ts_tune_type type;
    double def, min, max; /* numbers: the default and the bounds, both allowed */
    const char *text;     /* TEXT: the default (NULL: none) */
} ts_tunable;

/* A number: key, settings struct, field (named as the key), type, default, min, max. */
#define TS_TUNE(st, field, type, def, min, max)                \
    {                                                          \
#field, offsetof(st, field), type, def, min, max, NULL \
    }
/* A text: key, settings struct, field (named as the key), default (NULL: none). */
#define TS_TUNE_STR(st, field, def)                             \
    {                                                           \
#field, offsetof(st, field), TS_TUNE_TEXT, 0, 0, 0, def \
    }

/* A [name] section of the configuration and its table. */
typedef struct ts_tune_section {
    const char *name;
    const ts_tunable *keys;
} ts_tune_section;

/* Fills settings from table's defaults, then from section's values in c (NULL: the
 * defaults alone). False when c holds a value ts_config_check refuses (it keeps its
 * default); an init then fails with TOCSIN_E_ARG. */
bool ts_tune_read(const ts_config *c, const char *section, const ts_tunable *table, void *settings);

/* Holds every line of c against the tables of sections[0..n): a section or key in no table,
 * a value not of its type or out of its bounds is reported to diag (file, line, message
 * naming the key). Returns the number of problems (0: all good). */
size_t ts_config_check(const ts_config *c, const ts_tune_section *sections, size_t n, ts_diag_fn diag,
                       void *ud);

/* The table's entry for key, or NULL. */
const ts_tunable *ts_tune_find(const ts_tunable *table, const char *key);

#endif
