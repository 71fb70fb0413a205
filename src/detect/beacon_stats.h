/* beacon_stats.h: the regularity scores of one source-destination pair (internal to src/detect/). */
#ifndef TS_BEACON_STATS_H
#define TS_BEACON_STATS_H

#include <stdbool.h>
#include <stddef.h>

/* How the duration score is judged, in hours. */
typedef struct bc_params {
    double dur_min_hours;   /* fewer hours with connections than this: duration score 0 */
    double dur_ideal_hours; /* this many consecutive hours with connections score 1 */
} bc_params;

/* Each score is in 0..1, 1 the most machine-like. */
typedef struct bc_scores {
    double score;    /* the mean of the four below (of three when the sizes are unknown) */
    bool sizes;      /* some size was above zero: ds means something */
    double ts;       /* intervals: symmetric (Bowley skewness) and tight (MAD / median) */
    double ds;       /* sizes: the same measures */
    double hist;     /* connections spread evenly over the hours of the window */
    double dur;      /* the pair covers the window, or many consecutive hours of it */
    double interval; /* the median interval, seconds */
    size_t hours;    /* histogram bins holding a connection */
} bc_scores;

/* Scores n connections at times ts[] (seconds, ascending, any origin) with sizes sz[]
 * (bytes; sorted in place) inside the window [win_start, win_end] (same origin as ts).
 * The histogram's bins are bin_s seconds wide over the window, or with bin_s 0 an hour
 * or four median intervals, whichever is longer, over the span of ts. scratch holds 2 * n doubles. False when
 * there are too few to judge: under 4 connections or under 3 non-zero intervals. */
bool bc_score(const double *ts, size_t n, double *sz, double win_start, double win_end, double bin_s,
              const bc_params *p, double *scratch, bc_scores *out);

/* The median of sorted x[0..n), n > 0. */
double bc_median(const double *x, size_t n);

#endif
