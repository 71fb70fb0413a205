/* cachedir.h: the directory where tocsin keeps what it can always rebuild (the compiled
 * location table, compiled rule databases). */
#ifndef TS_CACHEDIR_H
#define TS_CACHEDIR_H

#include <stdbool.h>
#include <stddef.h>

/* The cache directory: $TOCSIN_CACHE_DIR, else $XDG_CACHE_HOME/tocsin, else
 * $HOME/.cache/tocsin, with sub ("sigma") appended when not NULL; false when none can be
 * named, it does not fit cap, or TOCSIN_CACHE_DIR is "off" (no cache: everything is built
 * afresh each time). */
bool ts_cache_dir(const char *sub, char *buf, size_t cap);

/* Creates dir and the parents it needs (~/.cache may not exist yet) with mode 0700;
 * false when that fails, which only costs a rebuild later. */
bool ts_cache_mkdir(const char *dir);

#endif
