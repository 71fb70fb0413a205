/* cachedir.c: where rebuildable files go, and making that folder. */
#include "core/cachedir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool ts_cache_dir(const char *sub, char *buf, size_t cap)
{
    const char *dir = getenv("TOCSIN_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    const char *sep = sub ? "/" : "", *tail = sub ? sub : "";
    int w;
    if (dir && strcmp(dir, "off") == 0)
        return false;
    if (dir && *dir)
        w = snprintf(buf, cap, "%s%s%s", dir, sep, tail);
    else if (xdg && *xdg == '/')
        w = snprintf(buf, cap, "%s/tocsin%s%s", xdg, sep, tail);
    else if (home && *home)
        w = snprintf(buf, cap, "%s/.cache/tocsin%s%s", home, sep, tail);
    else
        return false;
    return w > 0 && (size_t)w < cap;
}

bool ts_cache_mkdir(const char *dir)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path)
        return false;
    memcpy(path, dir, n + 1);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return false;
        *p = '/';
    }
    return mkdir(path, 0700) == 0 || errno == EEXIST;
}
