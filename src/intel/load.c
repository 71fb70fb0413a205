/* load.c: loading feeds by content: one buffer (the best-scoring loader reads it), one
 * file (gzip read transparently) or a directory (a MISP feed, or every file under it). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/input.h"
#include "intel/loaders.h"

/* Feeds larger than this are refused rather than read into memory. */
#define TS_FEED_MAX_BYTES ((size_t)4 << 30)

static void diag(const ts_feed_opts *o, const char *feed, tocsin_code code, const char *fmt, const char *arg)
{
    if (o && o->diag) {
        char msg[512];
        snprintf(msg, sizeof msg, fmt, arg);
        ts_diag_say(o->diag, o->ud, feed, 0, 0, code, msg);
    }
}

tocsin_code ts_intel_load_buffer(ts_intel *ti, const char *name, const char *kind_hint, const char *data,
                                 size_t len, const ts_feed_opts *o)
{
    const ts_loader *best = NULL;
    if (!ti || (!data && len))
        return TOCSIN_E_ARG;
    if (kind_hint) {
        best = ts_loader_find(kind_hint);
        if (!best) {
            diag(o, name, TOCSIN_E_ARG, "no feed loader is called \"%s\"", kind_hint);
            return TOCSIN_E_ARG;
        }
    } else {
        int score = 0;
        for (size_t i = 0; ts_loaders[i]; i++) {
            int s = ts_loaders[i]->sniff(data, len);
            if (s > score) {
                score = s;
                best = ts_loaders[i];
            }
        }
        if (!best) {
            diag(o, name, TOCSIN_E_FORMAT, "%s", "not in a feed format tocsin reads");
            return TOCSIN_E_FORMAT;
        }
    }
    tocsin_code rc = best->load(ti, name ? name : "(feed)", data, len, o);
    if ((rc == TOCSIN_OK || rc == TOCSIN_E_PARTIAL) && o && o->loaded)
        o->loaded(o->ud, best->name, name, data, len);
    return rc;
}

static tocsin_code load_file(ts_intel *ti, const char *path, const ts_feed_opts *o)
{
    char *data;
    size_t len;
    tocsin_code rc = ts_input_slurp_path(path, TS_FEED_MAX_BYTES, &data, &len);
    if (rc != TOCSIN_OK) {
        diag(o, path, rc, "cannot read: %s", tocsin_strerror(rc));
        return rc;
    }
    rc = ts_intel_load_buffer(ti, path, NULL, data, len, o);
    free(data);
    return rc;
}

/* Keeps the worse of two results: any failure makes the whole load partial. */
static tocsin_code merge(tocsin_code all, tocsin_code one)
{
    return one == TOCSIN_OK || all == TOCSIN_E_NOMEM ? all : one == TOCSIN_E_NOMEM ? one : TOCSIN_E_PARTIAL;
}

static int skip_dots(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

static tocsin_code load_dir(ts_intel *ti, const char *dir, const ts_feed_opts *o, int depth)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        return ts_misp_load_feed_dir(ti, dir, o);
    struct dirent **ents;
    int n = scandir(dir, &ents, skip_dots, alphasort);
    if (n < 0) {
        diag(o, dir, TOCSIN_E_IO, "cannot list: %s", strerror(errno));
        return TOCSIN_E_IO;
    }
    tocsin_code all = TOCSIN_OK;
    for (int i = 0; i < n; i++) {
        size_t dl = strlen(dir);
        int w =
            snprintf(path, sizeof path, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", ents[i]->d_name);
        free(ents[i]);
        if (w < 0 || (size_t)w >= sizeof path || stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode) && depth < 16)
            all = merge(all, load_dir(ti, path, o, depth + 1));
        else if (S_ISREG(st.st_mode))
            all = merge(all, load_file(ti, path, o));
    }
    free(ents);
    return all;
}

tocsin_code ts_intel_load_path(ts_intel *ti, const char *path, const ts_feed_opts *o)
{
    struct stat st;
    if (!ti || !path)
        return TOCSIN_E_ARG;
    if (stat(path, &st) != 0) {
        diag(o, path, errno == ENOENT ? TOCSIN_E_NOTFOUND : TOCSIN_E_IO, "cannot open: %s", strerror(errno));
        return TOCSIN_E_IO;
    }
    return S_ISDIR(st.st_mode) ? load_dir(ti, path, o, 0) : load_file(ti, path, o);
}
