/* attack.h: ATT&CK technique ids across versions. Techniques that were revoked or moved
 * (data/attack/technique_moves.tsv, written by scripts/attack_moves.py) are compared and
 * printed by their current ids, so "T1562.002" in older data and "T1685.001" in a newer
 * rule are the same technique. */
#ifndef TS_ATTACK_H
#define TS_ATTACK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/str.h"
#include "tocsin.h"

typedef struct ts_attack_map ts_attack_map;

/* Loads the moves table (lines "old<TAB>current<TAB>why", '#' comments). A missing file
 * gives an empty map (ids compare as written) and TOCSIN_E_IO; a bad line is an error
 * said to diag (may be NULL) with the file and the line. *out is always usable afterwards
 * (possibly empty). */
tocsin_code ts_attack_map_load(const char *path, ts_attack_map **out, ts_diag_fn diag, void *ud);
void ts_attack_map_free(ts_attack_map *m);

/* The current id of a technique id ("t1562.002", "attack.t1562.002" and " T1562.002 " are
 * read too) into out (upper case, NUL-terminated); returns its length, 0 when id is not a
 * technique id or out is too small. m may be NULL (no moves). */
size_t ts_attack_current(const ts_attack_map *m, ts_str id, char *out, size_t cap);

/* Whether a and b name the same technique, or one is the other's parent or sub-technique,
 * once both are current ids. */
bool ts_attack_related(const ts_attack_map *m, ts_str a, ts_str b);

/* The table of the data directory ($TOCSIN_DATA, else the one built in), loaded on first use
 * and kept for the process: what intelligence, rules and alerts compare techniques with.
 * NULL when it cannot be read (ids then compare as written). Thread-safe. */
const ts_attack_map *ts_attack_default(void);

/* The comma-separated technique list with current ids, repeats dropped
 * ("T1562.002,T1685.001" -> "T1685.001"; entries that are not technique ids stay as written),
 * malloc'ed; NULL for a NULL list or on allocation failure. */
char *ts_attack_current_list(const ts_attack_map *m, const char *list);

/* Whether any id of the comma-separated list is related to id. */
bool ts_attack_list_related(const ts_attack_map *m, const char *list, ts_str id);

#endif
