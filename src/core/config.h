/* config.h: tunables from an INI-style file ("[section]" and "key = value" lines, "#"
 * comments), so detectors can be tuned without rebuilding. */
#ifndef TS_CONFIG_H
#define TS_CONFIG_H

#include <stddef.h>

#include "tocsin.h"

typedef struct ts_config ts_config;

/* Reads path. Problems go to diag (file, line, message) and the line is skipped. A missing
 * file gives TOCSIN_E_IO and *out NULL. */
tocsin_code ts_config_load(const char *path, ts_config **out,
                           void (*diag)(void *ud, const char *file, unsigned line, const char *msg),
                           void *ud);
void ts_config_free(ts_config *c);

/* The value of key in section, or NULL (also when c is NULL). Valid as long as c. */
const char *ts_config_get(const ts_config *c, const char *section, const char *key);
/* A number (integer or decimal, with an optional unit suffix s/m/h/d turned into seconds),
 * or def when absent or not a number. */
double ts_config_num(const ts_config *c, const char *section, const char *key, double def);

#endif
