/* beacon_stats.h: the regularity scores of one source-destination pair (internal to src/detect/). */
#ifndef TS_BEACON_STATS_H
#define TS_BEACON_STATS_H

#include <stdbool.h>
#include <stddef.h>

/* How the duration score is judged, in hours. */
typedef struct bc_params {
    double dur_min_hours;   /* fewer hours with connections than this: duration score 0 */
    double dur_ideal_hours; /* this many consecutive hours with connections score 1 */
    /* active periods (bc_active): an interval over gap_factor periods and gap_min_s
       seconds is a pause (a night, a weekend), not counted against regularity */
    double gap_factor, gap_min_s;
    double burst_share_max; /* at most this share of connections set aside as bursts */
    double burst_ratio;     /* a connection closer than this many periods to the last call is a burst */
    /* fast runs (bc_fast_run): at least fast_min connections within fast_window_s seconds,
       their period between fast_min_interval_s and fast_max_interval_s */
    double fast_min, fast_window_s, fast_min_interval_s, fast_max_interval_s;
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

/* Scores n connections (ts ascending, seconds; sz bytes, not changed) on their active
 * periods only, for implants that keep office hours or mix their calls with interactive
 * bursts. The period is the time-weighted median of the intervals up to gap_min_s (bursts
 * of short intervals cover little time, so they cannot drag it down); an interval over
 * gap_factor periods (and gap_min_s) is a pause between active periods; connections
 * closer than burst_ratio periods to the previous one kept are a burst and set aside.
 * Then: ts and ds as bc_score on what is kept, hist the share of the periods expected over
 * the active time that hold a call, dur the active hours over dur_ideal_hours; the score
 * is (2 ts + ds + hist) / 4 (without sizes (2 ts + hist) / 3). scratch holds
 * 4 * n doubles. False when too few are kept, more than burst_share_max of the connections
 * are bursts, or what is kept spans under dur_min_hours of activity. */
bool bc_active(const double *ts, size_t n, const double *sz, const bc_params *p, double *scratch,
               bc_scores *out);

/* The best fast run of n connections (ts ascending): at least fast_min of them within
 * fast_window_s whose kept period (bursts set aside as in bc_active) lies between
 * fast_min_interval_s and fast_max_interval_s; scored on intervals and sizes only (ts, ds;
 * hist and dur are 1). *first and *count say which connections. scratch holds 4 * n
 * doubles. False when there is none. */
bool bc_fast_run(const double *ts, size_t n, const double *sz, const bc_params *p, double *scratch,
                 bc_scores *out, size_t *first, size_t *count);

/* The median of sorted x[0..n), n > 0. */
double bc_median(const double *x, size_t n);

#endif
