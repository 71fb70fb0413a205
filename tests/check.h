/* check.h: the assertions every test program uses; prints "NAME: N passed, N failed". */
#ifndef TS_CHECK_H
#define TS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int check_passed, check_failed, check_skipped;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (cond) {                                                                  \
            check_passed++;                                                          \
        } else {                                                                     \
            check_failed++;                                                          \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

#define CHECK_INT(got, want)                                                                     \
    do {                                                                                         \
        long long g_ = (long long)(got), w_ = (long long)(want);                                 \
        if (g_ == w_) {                                                                          \
            check_passed++;                                                                      \
        } else {                                                                                 \
            check_failed++;                                                                      \
            fprintf(stderr, "%s:%d: %s is %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_); \
        }                                                                                        \
    } while (0)

#define CHECK_STR(got, want)                                                                \
    do {                                                                                    \
        const char *g_ = (got), *w_ = (want);                                               \
        if (g_ && w_ && strcmp(g_, w_) == 0) {                                              \
            check_passed++;                                                                 \
        } else {                                                                            \
            check_failed++;                                                                 \
            fprintf(stderr, "%s:%d: %s is \"%s\", want \"%s\"\n", __FILE__, __LINE__, #got, \
                    g_ ? g_ : "(null)", w_ ? w_ : "(null)");                                \
        }                                                                                   \
    } while (0)

/* Compares a borrowed view with a C string. */
#define CHECK_VIEW(view, want)                                                                            \
    do {                                                                                                  \
        ts_str v_ = (view);                                                                               \
        const char *w_ = (want);                                                                          \
        if (v_.n == strlen(w_) && (v_.n == 0 || memcmp(v_.p, w_, v_.n) == 0)) {                           \
            check_passed++;                                                                               \
        } else {                                                                                          \
            check_failed++;                                                                               \
            fprintf(stderr, "%s:%d: %s is \"%.*s\", want \"%s\"\n", __FILE__, __LINE__, #view, (int)v_.n, \
                    v_.p ? v_.p : "", w_);                                                                \
        }                                                                                                 \
    } while (0)

/* The public data beside the project (../shared/data), or NULL when it is absent: tests
 * that need it then say so and count as skipped. Override with TOCSIN_SHARED_DATA. */
static inline const char *shared_data(const char *what)
{
    const char *d = getenv("TOCSIN_SHARED_DATA");
    struct stat st;
    if (!d)
        d = "../shared/data";
    if (stat(d, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("SKIP %s: %s is absent (real public data, not shipped)\n", what, d);
        check_skipped++;
        return NULL;
    }
    return d;
}

static inline int check_done(const char *name)
{
    printf("%s: %d passed, %d failed, %d skipped\n", name, check_passed, check_failed, check_skipped);
    return check_failed ? 1 : 0;
}

#endif
