/* Statistics for summaries: intervals and tail measures over replications (SPEC §2). */
#ifndef RS_STATS_H
#define RS_STATS_H

#include <stddef.h>

/* Wilson score interval for k successes in n trials at 95 %. n = 0 gives NaN everywhere. */
void rs_stats_wilson(size_t k, size_t n, double *estimate, double *lo, double *hi);

typedef struct rs_describe {
    size_t n;
    double mean, lo, hi; /* mean and its 95 % t interval (NaN when n < 2) */
    double p50, p95, p99;
    double var95, cvar95, var99, cvar99;
} rs_describe;

/* Describes x[0..n-1]; sorts x in place. NaN entries are not allowed (filter them first). */
void rs_stats_describe(double *x, size_t n, rs_describe *out);

/* Quantile of sorted data (type 7, as R's default and GSL's gsl_stats_quantile_from_sorted_data). */
double rs_stats_quantile_sorted(const double *sorted, size_t n, double p);

#endif
