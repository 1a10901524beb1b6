#include "stats.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>

#define Z975 1.959963984540054 /* standard normal 97.5 % quantile */

void rs_stats_wilson(size_t k, size_t n, double *estimate, double *lo, double *hi)
{
    if (n == 0) {
        *estimate = *lo = *hi = NAN;
        return;
    }
    double p = (double)k / (double)n, z2 = Z975 * Z975, nn = (double)n;
    double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
    double half = Z975 / (1 + z2 / nn) * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
    *estimate = p;
    /* At k = 0 (k = n) the Wilson bound is exactly 0 (1); computed, it comes out as 1e-19, not 0. */
    *lo = k == 0 ? 0 : fmax(0, centre - half);
    *hi = k == n ? 1 : fmin(1, centre + half);
}

double rs_stats_quantile_sorted(const double *sorted, size_t n, double p)
{
    return n ? gsl_stats_quantile_from_sorted_data(sorted, 1, n, p) : NAN;
}

/* Conditional value at risk: the mean of the outcomes at or above the p-quantile (the worst tail). */
static double cvar(const double *sorted, size_t n, double var)
{
    double sum = 0;
    size_t m = 0;
    for (size_t i = n; i-- > 0 && sorted[i] >= var;) {
        sum += sorted[i];
        m++;
    }
    return m ? sum / (double)m : var;
}

void rs_stats_describe(double *x, size_t n, rs_describe *out)
{
    out->n = n;
    out->mean = out->lo = out->hi = NAN;
    out->p50 = out->p95 = out->p99 = out->var95 = out->cvar95 = out->var99 = out->cvar99 = NAN;
    if (n == 0)
        return;
    gsl_sort(x, 1, n);
    out->mean = gsl_stats_mean(x, 1, n);
    if (n >= 2) {
        double half = gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * gsl_stats_sd_m(x, 1, n, out->mean) / sqrt((double)n);
        out->lo = out->mean - half;
        out->hi = out->mean + half;
    }
    out->p50 = rs_stats_quantile_sorted(x, n, 0.50);
    out->p95 = out->var95 = rs_stats_quantile_sorted(x, n, 0.95);
    out->p99 = out->var99 = rs_stats_quantile_sorted(x, n, 0.99);
    out->cvar95 = cvar(x, n, out->var95);
    out->cvar99 = cvar(x, n, out->var99);
}
