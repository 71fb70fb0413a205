/* beacon_stats.c: the regularity scores of one source-destination pair, after RITA's beacon analysis. */
#include "detect/beacon_stats.h"

#include <math.h>
#include <stdlib.h>

/*
 * Malware calling home does so on a timer, often with jitter, and sends much the same
 * request each time; people do neither. Four measures, each 0..1, are averaged:
 *  - intervals between connections: a symmetric distribution (Bowley skewness near 0,
 *    robust to outliers since it uses quartiles) that is tight around its median (the
 *    median absolute deviation small next to the median). Uniform jitter of +-20 % keeps
 *    a high score: it is symmetric and its MAD is a tenth of the median.
 *  - sizes of the connections, the same two measures;
 *  - the hourly histogram over the window is flat (coefficient of variation of the
 *    per-hour counts); over a long window the bins widen to four median intervals and
 *    span the pair's own first to last connection, so that a beacon calling every 17
 *    hours, started mid-month, is judged on its own rhythm;
 *  - duration: the pair spans most of the window, or holds a long run of consecutive
 *    bins, provided it shows up in enough bins at all.
 * A spread under 10 units (seconds, bytes) between the quartiles is treated as
 * symmetric: the skewness of a near-constant series is noise. When every size is zero
 * the sizes are unknown (a TLS or HTTP record whose connection record was not joined),
 * not regular: the score is then the mean of the other three.
 */

#define MAX_BINS 744 /* a month of hours; longer windows get wider bins */
#define MIN_SPREAD 10.0

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bc_median(const double *x, size_t n)
{
    return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2.0;
}

/* 1 - |Bowley skewness| of sorted x (n >= 3), quartiles as medians of the halves. */
static double skew_score(const double *x, size_t n)
{
    double q1 = bc_median(x, n / 2), q2 = bc_median(x, n), q3 = bc_median(x + (n + 1) / 2, n / 2);
    double den = q3 - q1;
    if (den < MIN_SPREAD || q2 == q1 || q2 == q3)
        return 1.0;
    double s = fabs((q1 + q3 - 2 * q2) / den);
    return s > 1 ? 0 : 1 - s;
}

/* (median - MAD) / median of sorted x; def when the median is under 1 (nothing to scale
 * by: a zero interval is no evidence either way, zero bytes are no beacon). */
static double mad_score(const double *x, size_t n, double *dev, double def)
{
    double med = bc_median(x, n);
    for (size_t i = 0; i < n; i++)
        dev[i] = fabs(x[i] - med);
    qsort(dev, n, sizeof *dev, cmp_double);
    double mad = bc_median(dev, n);
    if (med < 1)
        return def;
    double s = (med - mad) / med;
    return s > 0 ? s : 0;
}

static double stat_score(const double *sorted, size_t n, double *dev, double def)
{
    return (skew_score(sorted, n) + mad_score(sorted, n, dev, def)) / 2.0;
}

/* Counts per bin; returns the number of bins. */
static size_t histogram(const double *ts, size_t n, double start, double end, double width, unsigned *bins)
{
    if ((end - start) / width > MAX_BINS)
        width = (end - start) / MAX_BINS;
    size_t nb = (size_t)ceil((end - start) / width);
    if (nb < 1)
        nb = 1;
    if (nb > MAX_BINS)
        nb = MAX_BINS;
    for (size_t i = 0; i < nb; i++)
        bins[i] = 0;
    for (size_t i = 0; i < n; i++) {
        double off = (ts[i] - start) / width;
        size_t b = off < 0 ? 0 : (size_t)off;
        bins[b < nb ? b : nb - 1]++;
    }
    return nb;
}

/* 1 - coefficient of variation of the bin counts, clamped to 0..1. */
static double flat_score(const unsigned *bins, size_t nb)
{
    double sum = 0, sq = 0;
    for (size_t i = 0; i < nb; i++)
        sum += bins[i];
    double mean = sum / (double)nb;
    for (size_t i = 0; i < nb; i++)
        sq += (bins[i] - mean) * (bins[i] - mean);
    if (mean <= 0)
        return 0;
    double cv = sqrt(sq / (double)nb) / mean;
    return cv >= 1 ? 0 : 1 - cv;
}

/* The longest run of non-empty bins, wrapping from the last to the first (a daily
 * beacon that stops at midnight and resumes continues one run). */
static size_t longest_run(const unsigned *bins, size_t nb, size_t *nonempty)
{
    size_t best = 0, run = 0, filled = 0;
    for (size_t i = 0; i < nb; i++)
        filled += bins[i] != 0;
    *nonempty = filled;
    if (filled == nb)
        return nb;
    for (size_t i = 0; i < 2 * nb; i++) {
        run = bins[i % nb] ? run + 1 : 0;
        if (run > best)
            best = run;
    }
    return best > nb ? nb : best;
}

bool bc_score(const double *ts, size_t n, double *sz, double win_start, double win_end, double bin_s,
              const bc_params *p, double *scratch, bc_scores *out)
{
    if (n < 4 || win_end <= win_start)
        return false;
    double *iv = scratch, *dev = scratch + n;
    size_t ni = 0;
    for (size_t i = 1; i < n; i++)
        if (ts[i] > ts[i - 1])
            iv[ni++] = ts[i] - ts[i - 1];
    if (ni < 3)
        return false;
    qsort(iv, ni, sizeof *iv, cmp_double);
    out->interval = bc_median(iv, ni);
    out->ts = stat_score(iv, ni, dev, 1.0);
    qsort(sz, n, sizeof *sz, cmp_double);
    out->ds = stat_score(sz, n, dev, 0.0);

    unsigned bins[MAX_BINS];
    /* adaptive (long window): judged on the pair's own active span, since the duration
       score already says how much of the window that is */
    double h_start = win_start, h_end = win_end;
    if (bin_s <= 0) {
        bin_s = fmax(3600.0, 4 * out->interval);
        h_start = ts[0];
        h_end = ts[n - 1];
    }
    size_t nb = histogram(ts, n, h_start, h_end, bin_s, bins), filled;
    out->hist = flat_score(bins, nb);
    size_t run = longest_run(bins, nb, &filled);
    out->hours = filled;
    out->dur = 0;
    if ((double)filled >= p->dur_min_hours) {
        double coverage = (ts[n - 1] - ts[0]) / (win_end - win_start);
        double consistency = (double)run / (p->dur_ideal_hours > 0 ? p->dur_ideal_hours : 1);
        out->dur = fmin(1.0, fmax(coverage, consistency));
    }
    out->sizes = sz[n - 1] > 0;
    out->score = out->sizes ? (out->ts + out->ds + out->hist + out->dur) / 4.0
                            : (out->ts + out->hist + out->dur) / 3.0;
    return true;
}

/* The interval at which half the time covered by the intervals of sorted iv[0..n) up to
 * limit is reached: a period that many short intervals cannot drag down. 0 if none. */
static double weighted_median(const double *iv, size_t n, double limit)
{
    double total = 0, acc = 0;
    for (size_t i = 0; i < n && iv[i] <= limit; i++)
        total += iv[i];
    for (size_t i = 0; i < n && iv[i] <= limit; i++) {
        acc += iv[i];
        if (acc >= total / 2)
            return iv[i];
    }
    return 0;
}

/* Keeps the connections of ts[0..n) that are at least burst periods after the previous
 * one kept; writes the kept intervals that are not pauses to kiv (and the sizes of the
 * connections ending them to ksz when sz is given). Returns the number of intervals;
 * *active gets the time they cover. */
static size_t thin(const double *ts, size_t n, const double *sz, double period, double burst, double pause,
                   double *kiv, double *ksz, double *active)
{
    size_t k = 0;
    double last = ts[0];
    *active = 0;
    for (size_t i = 1; i < n; i++) {
        double d = ts[i] - last;
        if (d < period * burst)
            continue;
        last = ts[i];
        if (d > pause)
            continue;
        kiv[k] = d;
        if (ksz)
            ksz[k] = sz[i];
        *active += d;
        k++;
    }
    return k;
}

/* The period of ts[0..n) judged by the intervals up to limit; iv is scratch for n. */
static double period_of(const double *ts, size_t n, double limit, double *iv)
{
    size_t ni = 0;
    for (size_t i = 1; i < n; i++)
        if (ts[i] > ts[i - 1])
            iv[ni++] = ts[i] - ts[i - 1];
    if (ni < 3)
        return 0;
    qsort(iv, ni, sizeof *iv, cmp_double);
    return weighted_median(iv, ni, limit);
}

bool bc_active(const double *ts, size_t n, const double *sz, const bc_params *p, double *scratch,
               bc_scores *out)
{
    if (n < 4)
        return false;
    double *iv = scratch, *ksz = scratch + n, *dev = scratch + 2 * n, *kiv = scratch + 3 * n;
    double period = period_of(ts, n, p->gap_min_s, iv);
    if (period <= 0)
        return false;
    double pause = fmax(p->gap_factor * period, p->gap_min_s), active;
    size_t k = thin(ts, n, sz, period, p->burst_ratio, pause, kiv, ksz, &active);
    /* a pair that is mostly bursts is a person with a few regular habits, not a timer */
    if (k < 3 || active <= 0 || (double)(k + 1) < (1 - p->burst_share_max) * (double)n)
        return false;
    qsort(kiv, k, sizeof *kiv, cmp_double);
    out->interval = bc_median(kiv, k);
    out->ts = stat_score(kiv, k, dev, 1.0);
    qsort(ksz, k, sizeof *ksz, cmp_double);
    out->sizes = ksz[k - 1] > 0;
    out->ds = stat_score(ksz, k, dev, 0.0);
    /* calls made over calls expected: a missed call leaves an interval of two periods */
    double expected = active / out->interval;
    out->hist = expected > 0 ? fmin(1.0, (double)k / expected) : 0;
    double hours = active / 3600.0;
    if (hours < p->dur_min_hours)
        return false; /* short lives are for the windows and fast runs to judge */
    out->hours = (size_t)hours;
    out->dur = fmin(1.0, hours / (p->dur_ideal_hours > 0 ? p->dur_ideal_hours : 1));
    /* Timing is the evidence here and counts twice; the duration is only a gate. Random
       (Poisson) requests of constant size would otherwise pass on sizes, fill and duration
       alone: their intervals score about 0.5, a jittered timer's over 0.9. */
    out->score = out->sizes ? (2 * out->ts + out->ds + out->hist) / 4.0 : (2 * out->ts + out->hist) / 3.0;
    return true;
}

bool bc_fast_run(const double *ts, size_t n, const double *sz, const bc_params *p, double *scratch,
                 bc_scores *out, size_t *first, size_t *count)
{
    size_t need = p->fast_min >= 4 ? (size_t)p->fast_min : 4;
    if (n < need)
        return false;
    double *iv = scratch, *ksz = scratch + n, *dev = scratch + 2 * n, *kiv = scratch + 3 * n;
    bool found = false;
    size_t j = 0;
    for (size_t i = 0; i + need <= n;) {
        if (j < i)
            j = i;
        while (j + 1 < n && ts[j + 1] - ts[i] <= p->fast_window_s)
            j++;
        size_t m = j - i + 1;
        if (m < need) {
            i++;
            continue;
        }
        double period = period_of(ts + i, m, p->fast_window_s, iv), active;
        if (period >= p->fast_min_interval_s && period <= p->fast_max_interval_s) {
            size_t k = thin(ts + i, m, sz + i, period, p->burst_ratio, p->fast_window_s, kiv, ksz, &active);
            if (k + 1 >= need) {
                qsort(kiv, k, sizeof *kiv, cmp_double);
                qsort(ksz, k, sizeof *ksz, cmp_double);
                bc_scores sc = {0};
                sc.interval = bc_median(kiv, k);
                sc.ts = stat_score(kiv, k, dev, 1.0);
                sc.sizes = ksz[k - 1] > 0;
                sc.ds = stat_score(ksz, k, dev, 0.0);
                sc.hist = sc.dur = 1;
                sc.score = sc.sizes ? (sc.ts + sc.ds) / 2.0 : sc.ts;
                /* the longer of two runs scoring about the same: the run, not a slice of it */
                if (!found || sc.score > out->score + 0.02 || (sc.score > out->score - 0.02 && m > *count)) {
                    *out = sc;
                    *first = i;
                    *count = m;
                    found = true;
                }
            }
        }
        /* windows overlapping by half: each run is seen whole in one of them */
        i += m / 2 ? m / 2 : 1;
    }
    return found;
}
