/* Size and power of two gates at the level of their statistics functions, against exact computations:
 *
 *  A. Kayenta's Mann-Whitney interval (core/prodgates.c, after kayenta-mannwhitney MannWhitney.scala, i.e. R's
 *     wilcox.test(exact = FALSE, correct = TRUE, conf.int = TRUE) at confidence 0.98). Its decision "the
 *     interval excludes 0" is a test of U at the normal approximation (plus, at tiny sizes where the level is
 *     not achievable, "the samples do not overlap"); its exact size under A/A comes from the exact null
 *     distribution of U (the counting recursion), its exact power under a Lehmann alternative (canary ~ F^2)
 *     from Lehmann's (1953) probability of each rank configuration. Then the whole judge (tolerance band,
 *     mean-ratio thresholds) under A/A, which may only be stricter.
 *  B. The bayes gate (core/seqtest.c) on a fixed sample of n requests per arm: its exact firing probability is a
 *     double binomial sum over the counts, cut to one threshold per baseline count by the gate's monotonicity.
 *
 * Monte Carlo tolerances are 4 standard errors of a binomial proportion at the exact value, sqrt(p (1 - p) / R)
 * (a two-sided false-failure probability of 6e-5 per comparison); the numbers are in the comments next to each
 * comparison. Seeds are fixed. Each comparison prints simulated vs exact. */
#include "check.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eventlog.h"
#include "prodgates.h"
#include "rng.h"
#include "seqtest.h"
#include "simtest.h"

/* --- helpers ------------------------------------------------------------------------------------------------- */

/* a <= b, printing both when it fails. */
#define assert_le(a, b)                                                                                        \
    do {                                                                                                       \
        double a_ = (a), b_ = (b);                                                                             \
        if (!(a_ <= b_))                                                                                       \
            fail_msg("%s = %.12g, expected <= %s = %.12g", #a, a_, #b, b_);                                    \
    } while (0)

static double now_s(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Simulated rate hits/R against the exact probability p: prints both and asserts |rate - p| <= 4 SE with
 * SE = sqrt(p (1 - p) / R). Returns the rate. */
static double check_rate(const char *what, unsigned long hits, unsigned long R, double p)
{
    double rate = (double)hits / (double)R, se = sqrt(p * (1 - p) / (double)R);
    printf("  %-44s simulated %.5f  exact %.5f  R %lu  SE %.2e  (%+.2f SE)\n", what, rate, p, R, se,
           (rate - p) / se);
    assert_near(rate, p, 4 * se);
    return rate;
}

/* ==== A. Kayenta's Mann-Whitney ================================================================================ */

/* The 98 % two-sided quantile exactly as prodgates.c computes it: -qnorm(0.01) = 2.3263478740. */
static double mw_zq(void) { return -gsl_cdf_ugaussian_Pinv((1 - 0.98) / 2); }

/* The rejection region of the interval, as a function of U (pairs canary > baseline; no ties here).
 *
 * Why this is exactly "the interval excludes 0". prodgates.c's interval ends are roots in mu of
 *     f(mu; zq) = (dz(mu) - sgn(dz(mu)) / 2) / sigma - zq,  dz(mu) = U(mu) - mn/2,
 * U(mu) = #{(i, j): x_i - mu > y_j} (a tie counting 1/2), sigma = sqrt(mn (m + n + 1) / 12) away from ties; the
 * lower end solves f(.; +z) = 0, the upper end f(.; -z) = 0. With continuous data U(mu) is a non-increasing step
 * function jumping only at the pairwise differences, none of which is 0, so f is constant near mu = 0 with value
 * g(U) -+ z, g(U) = (dz - sgn(dz)/2) / sigma, dz = U - mn/2. The lower end is the midpoint of the last point
 * where f > 0 and the first where f < 0 (snapped to pairwise differences): if g(U) > z both are > 0 (f > 0 on a
 * neighbourhood of 0), so ci_lower > 0; if g(U) < z both are < 0, so ci_lower < 0. Likewise ci_upper < 0 iff
 * g(U) < -z. Since |g(U)| = (|dz| - 1/2) / sigma for dz != 0 (and g = 0 at dz = 0), the interval excludes 0 iff
 *     |U - mn/2| - 1/2 > z sigma                                                              (the statistic)
 * except for two boundary cases:
 *  - g(U) = +-z exactly: mw_region_margin checks that no U comes within 1e-6 of it;
 *  - the end checks of findRoot (R's wilcox.test has the same): an end is mu_min = min x - max y when
 *    f(mu_min; zq) <= 0, else mu_max = max x - min y when f(mu_max; zq) >= 0, without solving. At mu_min one pair
 *    ties, so U(mu_min) = mn - 1/2 and sigma has the tie term 2^3 - 2 = 6 (sigma_t); at mu_max U = 1/2. So
 *    f(mu_min; zq) = c - zq and f(mu_max; zq) = -c - zq with c = (mn/2 - 1) / sigma_t, a constant of (m, n):
 *    f(mu_min; -z) > 0 and f(mu_max; +z) < 0 always, and the other two checks fire exactly when c <= z, for
 *    every data set. That happens when the confidence level is not achievable (for m <= n: m = 1 at any n,
 *    m = 2 with n <= 47, m = 3 with n <= 9, m = 4 with n <= 5): the interval is then [mu_min, mu_max], which
 *    excludes 0 exactly when the samples do not overlap, U = 0 or U = mn. The statistic's region is then at
 *    most {0, mn} ((mn/2 - 3/2) / sigma < c <= z), so the exact size is 2 / C(m + n, m) (1/3 at m = n = 2,
 *    2/70 = 0.029 at m = n = 4): tested in kayenta_tiny_samples. At the other sizes no end check fires.
 * Every simulated replication below asserts that the interval's decision is this region on its own U. */
static int mw_stat_reject(double u, unsigned m, unsigned n)
{
    double mn = (double)m * n;
    return fabs(u - mn / 2) - 0.5 > mw_zq() * sqrt(mn * (m + n + 1) / 12.0);
}

/* (mn/2 - 1) / sigma_t - z: <= 0 when the end checks return the range [mu_min, mu_max] (see above). */
static double mw_end_check(unsigned m, unsigned n)
{
    double mn = (double)m * n, N = (double)m + n;
    return (mn / 2 - 1) / sqrt(mn / 12 * (N + 1 - 6 / (N * (N - 1)))) - mw_zq();
}

static int mw_reject(double u, unsigned m, unsigned n)
{
    return mw_stat_reject(u, m, n) || (mw_end_check(m, n) <= 0 && (u == 0 || u == (double)m * n));
}

/* Smallest distance of the two boundaries from the data: over u = 0..mn, of |u - mn/2| - 1/2 from z sigma, and
 * of the end-check constant from 0. */
static double mw_region_margin(unsigned m, unsigned n)
{
    double mn = (double)m * n, b = mw_zq() * sqrt(mn * (m + n + 1) / 12.0), d = fabs(mw_end_check(m, n));
    for (unsigned u = 0; u <= m * n; u++)
        d = fmin(d, fabs(fabs(u - mn / 2) - 0.5 - b));
    return d;
}

/* C(m + n, m) in integers (exact below 2^64 for the sizes here: C(40, 20) = 137846528820). */
static uint64_t choose_u64(unsigned m, unsigned n)
{
    uint64_t c = 1;
    for (unsigned k = 1; k <= m; k++)
        c = c * (n + k) / k; /* c * (n + k) is C(n + k - 1, k - 1) (n + k), divisible by k */
    return c;
}

/* Exact null distribution of U: c(m, n, u) = number of orderings of m canaries and n baselines with U = u, by the
 * counting recursion on the largest observation (Mann & Whitney 1947): if it is a canary it beats all n
 * baselines, c(m, n, u) = c(m - 1, n, u - n) + c(m, n - 1, u), c(m, 0, 0) = c(0, n, 0) = 1. Fills p[0..mn] with
 * c / C(m + n, m); checks the total, the symmetry c(u) = c(mn - u) and the mean mn/2. */
static void mw_null_dist(unsigned m, unsigned n, double *p)
{
    size_t W = (size_t)m * n + 1;
    uint64_t *c = calloc((size_t)(m + 1) * (n + 1) * W, sizeof *c);
    assert_non_null(c);
#define C_(i, j, u) c[((size_t)(i) * (n + 1) + (j)) * W + (u)]
    for (unsigned i = 0; i <= m; i++)
        for (unsigned j = 0; j <= n; j++) {
            if (i == 0 || j == 0) {
                C_(i, j, 0) = 1;
                continue;
            }
            for (unsigned u = 0; u <= i * j; u++)
                C_(i, j, u) = (u >= j ? C_(i - 1, j, u - j) : 0) + C_(i, j - 1, u);
        }
    uint64_t total = 0, tot = choose_u64(m, n);
    double mean = 0;
    for (unsigned u = 0; u <= m * n; u++) {
        total += C_(m, n, u);
        assert_int_equal(C_(m, n, u), C_(m, n, m * n - u));
        p[u] = (double)C_(m, n, u) / (double)tot;
        mean += u * p[u];
    }
#undef C_
    free(c);
    assert_int_equal(total, tot);
    assert_near(mean, m * n / 2.0, 1e-9 * m * n);
}

/* Sum of p[u] over the rejection region. */
static double region_prob(const double *p, unsigned m, unsigned n)
{
    double s = 0;
    for (unsigned u = 0; u <= m * n; u++)
        if (mw_reject(u, m, n))
            s += p[u];
    return s;
}

/* Exact size of the interval's test at (m, n). */
static double mw_exact_size(unsigned m, unsigned n)
{
    double *p = malloc(((size_t)m * n + 1) * sizeof *p);
    assert_non_null(p);
    mw_null_dist(m, n, p);
    double s = region_prob(p, m, n);
    free(p);
    assert_le(1e-6, mw_region_margin(m, n));
    return s;
}

typedef enum { DIST_NORMAL, DIST_LOGNORMAL } dist_kind;

static double draw(gsl_rng *r, dist_kind d)
{
    return d == DIST_NORMAL ? 100 + 10 * gsl_ran_gaussian_ziggurat(r, 1.0) : gsl_ran_lognormal(r, 0.0, 1.0);
}

/* R replications of rs_kayenta_mann_whitney on m canaries from G and n baselines from F (canary_k = 1: G = F,
 * A/A; 2: the canary is the larger of two draws from F, G = F^2). Returns how many intervals excluded 0; asserts
 * that in every replication the decision is mw_reject on the replication's U, and that ci_lower > 0 only on the
 * high side (U > mn/2). */
static unsigned long mw_simulate(unsigned m, unsigned n, dist_kind d, int canary_k, unsigned R, uint64_t seed)
{
    gsl_rng *r = rs_rng_alloc(seed, 0, 0);
    assert_non_null(r);
    double x[64], y[64];
    assert_true(m <= 64 && n <= 64);
    unsigned long hits = 0, mismatches = 0;
    for (unsigned rep = 0; rep < R; rep++) {
        rs_rng_reset(r, seed, rep, 0);
        for (unsigned i = 0; i < m; i++) {
            x[i] = draw(r, d);
            for (int k = 1; k < canary_k; k++)
                x[i] = fmax(x[i], draw(r, d));
        }
        for (unsigned j = 0; j < n; j++)
            y[j] = draw(r, d);
        rs_kayenta_metric_result res;
        assert_int_equal(rs_kayenta_mann_whitney(x, m, y, n, 0.98, &res), 0);
        int excl = res.ci_lower > 0 || res.ci_upper < 0;
        hits += excl;
        /* Kayenta's BrentSolver places an end only within 1e-4 (absolute) of the exact one, so an end that
         * close to 0 may fall on either side of it: only those may disagree with the exact test. */
        int near0 = fabs(res.ci_lower) < 1e-4 || fabs(res.ci_upper) < 1e-4;
        mismatches += !near0 && (excl != mw_reject(res.u, m, n) || (res.ci_lower > 0 && !(res.u > m * n / 2.0)) ||
                                 (res.ci_upper < 0 && !(res.u < m * n / 2.0)));
    }
    gsl_rng_free(r);
    assert_int_equal(mismatches, 0);
    return hits;
}

/* 1. Type-I error under A/A against the exact size of the asymptotic test, at one size. The test is
 * distribution-free under A/A, so normal and lognormal samples estimate the same rate; both are run (different
 * seeds) because the interval's root finding sees different scales, each checked on its own and then pooled.
 * R = 60 000 each (one call costs ~55 us: prodgates.c's bisections evaluate the rank sum ~345 times), pooled
 * 120 000. */
static void aa_size_case(unsigned m, unsigned n, uint64_t seed, double quoted)
{
    const unsigned R = 60000;
    double t0 = now_s();
    double exact = mw_exact_size(m, n);
    printf("  exact size m=%u n=%u: %.9f\n", m, n, exact);
    assert_near(exact, quoted, 1e-9);
    assert_le(1e-6, mw_end_check(m, n)); /* no end check fires: the region is the statistic's */
    char name[64];
    snprintf(name, sizeof name, "A/A m=%u n=%u normal", m, n);
    unsigned long h1 = mw_simulate(m, n, DIST_NORMAL, 1, R, seed);
    check_rate(name, h1, R, exact);
    snprintf(name, sizeof name, "A/A m=%u n=%u lognormal", m, n);
    unsigned long h2 = mw_simulate(m, n, DIST_LOGNORMAL, 1, R, seed + 1);
    check_rate(name, h2, R, exact);
    snprintf(name, sizeof name, "A/A m=%u n=%u pooled", m, n);
    double rate = check_rate(name, h1 + h2, 2ul * R, exact);
    printf("    (nominal 0.02 is %.1f pooled SE away; %.2f s)\n",
           (0.02 - rate) / sqrt(0.02 * 0.98 / (2.0 * R)), now_s() - t0);
}

/* m = n = 20: exact size 0.018093579 (not 0.02: the normal approximation with continuity correction is
 * conservative here). SE = sqrt(0.0181 * 0.9819 / 6e4) = 5.4e-4 per run (tolerance 2.2e-3), 3.8e-4 pooled
 * (tolerance 1.5e-3, while 0.02 - 0.0181 = 1.9e-3). */
static void kayenta_aa_size_20_20(void **state)
{
    (void)state;
    aa_size_case(20, 20, 7001, 0.018093579);
}

/* m = 12, n = 30: exact size 0.017138997. SE = 5.3e-4 per run (tolerance 2.1e-3), 3.7e-4 pooled (tolerance
 * 1.5e-3, while 0.02 - 0.0171 = 2.9e-3). */
static void kayenta_aa_size_12_30(void **state)
{
    (void)state;
    aa_size_case(12, 30, 7003, 0.017138997);
}

/* --- Lehmann alternatives ----------------------------------------------------------------------------------------
 * Canary X ~ G = F^k, baseline Y ~ F, F continuous. After the probability transform t = F(.) the baselines are
 * uniform and the canaries have density k t^(k-1). A pattern z_1..z_N (N = m + n, z_i = 1 when the i-th smallest
 * observation is a canary) arises from m! n! labelled orders, each of probability
 *     int_{0 < t_1 < ... < t_N < 1} prod_i h(z_i, t_i) dt,   h(1, t) = k t^(k-1), h(0, t) = 1.
 * Integrating t_1, then t_2, ...: int_0^{t_2} t_1^{a_1} dt_1 = t_2^{a_1 + 1} / (a_1 + 1), and so on, with
 * a_i = (k - 1) z_i, gives prod_i 1 / (i + A_i), A_i = a_1 + ... + a_i = (k - 1) X_i, X_i the canaries among the
 * i smallest. Hence (Lehmann 1953, "The power of rank tests")
 *     P(z) = k^m m! n! / prod_{i=1}^N (i + (k - 1) X_i),
 * free of F. Writing m! n! as the product over positions of X_i (canary) or Y_i (baseline), the factor of
 * position i is k X_i / (i + (k-1) X_i) for a canary and Y_i / (i + (k-1) X_i) for a baseline, all <= 1, so the
 * product is computed without overflow. k = 1 gives 1 / C(N, m), the null. Checked below: the probabilities sum
 * to 1; E U = mn P(X > Y) = 2mn/3 for k = 2; Var U = mn [p1 (1 - p1) + (n - 1)(p2 - p1^2) + (m - 1)(p3 - p1^2)]
 * with p1 = P(X > Y) = 2/3, p2 = P(X > Y, X > Y') = E F(X)^2 = 1/2, p3 = P(X > Y, X' > Y) = E (1 - F(Y)^2)^2 =
 * 8/15; the closed forms P(U = mn) = P(min X > max Y) = int n t^(n-1) (1 - t^2)^m dt = (n/2) B(n/2, m + 1) and
 * P(U = 0) = P(max X < min Y) = int 2m t^(2m-1) (1 - t)^n dt = 2m B(2m, n + 1) (1/3 and 1/15 at m = n = 2); and a
 * simulation of all 20 patterns at m = n = 3 (lehmann_formula_simulated). */

/* P(pattern) under G = F^k; bit i of mask (i = 0 for the smallest) set when that observation is a canary. U is
 * returned in *u. */
static double lehmann_pattern(unsigned mask, unsigned N, double k, unsigned *u)
{
    double p = 1;
    unsigned X = 0, Y = 0, uu = 0;
    for (unsigned i = 1; i <= N; i++) {
        if (mask >> (i - 1) & 1) {
            X++;
            uu += Y;
            p *= k * X / (i + (k - 1) * X);
        } else {
            Y++;
            p *= Y / (i + (k - 1) * X);
        }
    }
    *u = uu;
    return p;
}

/* P(U = u), u = 0..mn, under G = F^k by enumerating all C(N, m) patterns (N <= 24). */
static void lehmann_enumerate(unsigned m, unsigned n, double k, double *pu)
{
    unsigned N = m + n;
    memset(pu, 0, ((size_t)m * n + 1) * sizeof *pu);
    unsigned long patterns = 0;
    for (unsigned mask = 0; mask < 1u << N; mask++) {
        if ((unsigned)__builtin_popcount(mask) != m)
            continue;
        unsigned u;
        double p = lehmann_pattern(mask, N, k, &u);
        pu[u] += p;
        patterns++;
    }
    assert_int_equal(patterns, choose_u64(m, n));
}

/* The same distribution by dynamic programming over the positions, state (X_i, U so far): the pattern
 * probability is a product of per-position factors that depend only on (i, X_i), so summing over patterns
 * position by position is exact. Used for sizes too large to enumerate. */
static void lehmann_dp(unsigned m, unsigned n, double k, double *pu)
{
    size_t W = (size_t)m * n + 1;
    double *cur = calloc((m + 1) * W, sizeof *cur), *nxt = calloc((m + 1) * W, sizeof *nxt);
    assert_non_null(cur);
    assert_non_null(nxt);
    cur[0] = 1; /* X = 0, U = 0 before any position */
    for (unsigned i = 0; i < m + n; i++) {
        memset(nxt, 0, (m + 1) * W * sizeof *nxt);
        for (unsigned X = 0; X <= m && X <= i; X++) {
            unsigned Y = i - X;
            if (Y > n)
                continue;
            for (size_t u = 0; u <= (size_t)X * Y; u++) {
                double v = cur[X * W + u];
                if (v == 0)
                    continue;
                if (X < m) /* position i + 1 is a canary: it beats the Y baselines below it */
                    nxt[(X + 1) * W + u + Y] += v * k * (X + 1) / (i + 1 + (k - 1) * (X + 1));
                if (Y < n)
                    nxt[X * W + u] += v * (Y + 1) / (i + 1 + (k - 1) * X);
            }
        }
        double *t = cur;
        cur = nxt;
        nxt = t;
    }
    memcpy(pu, cur + (size_t)m * W, W * sizeof *pu);
    free(cur);
    free(nxt);
}

/* Checks of the Lehmann formula (k = 2) at one size: total 1, mean, variance and the two end probabilities
 * against their closed forms (see the block comment above). */
static void lehmann_closed_forms(unsigned m, unsigned n, const double *pu)
{
    double tot = 0, mean = 0, m2 = 0;
    for (unsigned u = 0; u <= m * n; u++) {
        tot += pu[u];
        mean += u * pu[u];
        m2 += (double)u * u * pu[u];
    }
    double mn = (double)m * n, p1 = 2.0 / 3, p2 = 0.5, p3 = 8.0 / 15;
    double var = mn * (p1 * (1 - p1) + (n - 1) * (p2 - p1 * p1) + (m - 1) * (p3 - p1 * p1));
    assert_near(tot, 1.0, 1e-12);
    assert_near(mean, mn * p1, 1e-10 * mn);
    assert_near(m2 - mean * mean, var, 1e-9 * mn * mn);
    assert_near(pu[m * n], n / 2.0 * gsl_sf_beta(n / 2.0, m + 1.0), 1e-14);
    assert_near(pu[0], 2.0 * m * gsl_sf_beta(2.0 * m, n + 1.0), 1e-14);
}

/* The formula against exact closed forms and the DP, at several sizes. m = n = 2 by hand: yyxx has factors
 * 1/1, 2/2 (baselines), 2/(3+1), 4/(4+2): 1/3 = P(min X > max Y) = int 2t (1 - t^2)^2 dt; xxyy has 2/2, 4/4, 1/5,
 * 2/6: 1/15 = int 4 t^3 (1 - t)^2 dt. */
static void lehmann_formula_exact_checks(void **state)
{
    (void)state;
    unsigned u;
    assert_near(lehmann_pattern(0xC, 4, 2, &u), 1.0 / 3, 1e-15); /* yyxx: bits 2, 3 */
    assert_int_equal(u, 4);
    assert_near(lehmann_pattern(0x3, 4, 2, &u), 1.0 / 15, 1e-15); /* xxyy */
    assert_int_equal(u, 0);
    const unsigned sizes[][2] = {{1, 1}, {2, 2}, {3, 3}, {2, 5}, {6, 6}, {8, 8}, {5, 9}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        unsigned m = sizes[s][0], n = sizes[s][1];
        double pe[100], pd[100], p0[100], pn[100];
        lehmann_enumerate(m, n, 2, pe);
        lehmann_dp(m, n, 2, pd);
        lehmann_closed_forms(m, n, pe);
        for (unsigned v = 0; v <= m * n; v++)
            assert_near(pd[v], pe[v], 1e-14);
        /* k = 1 is the null: the DP against the counting recursion */
        lehmann_dp(m, n, 1, p0);
        mw_null_dist(m, n, pn);
        for (unsigned v = 0; v <= m * n; v++)
            assert_near(p0[v], pn[v], 1e-15);
    }
    /* the DP at the larger sizes of the power test */
    double *pd = malloc(401 * sizeof *pd);
    assert_non_null(pd);
    lehmann_dp(20, 20, 2, pd);
    lehmann_closed_forms(20, 20, pd);
    lehmann_dp(12, 30, 2, pd);
    lehmann_closed_forms(12, 30, pd);
    free(pd);
}

/* The formula against a simulation: m = n = 3, canaries max(U1, U2), baselines U3, uniform. Each of the 20
 * patterns' frequency is within 4 SE of its probability; R = 400 000, so SE <= sqrt(0.25 / 4e5) = 7.9e-4 (the
 * largest pattern probability, yyyxxx, is (3/2) B(3/2, 4) = 0.3048, SE 7.3e-4). */
static void lehmann_formula_simulated(void **state)
{
    (void)state;
    const unsigned R = 400000, N = 6, seed = 7101;
    unsigned long count[64] = {0};
    gsl_rng *r = rs_rng_alloc(seed, 0, 0);
    assert_non_null(r);
    for (unsigned rep = 0; rep < R; rep++) {
        rs_rng_reset(r, seed, rep, 0);
        double v[6];
        for (unsigned i = 0; i < 3; i++)
            v[i] = fmax(rs_rng_uniform(r), rs_rng_uniform(r));
        for (unsigned i = 3; i < 6; i++)
            v[i] = rs_rng_uniform(r);
        unsigned mask = 0;
        for (unsigned i = 0; i < N; i++) { /* rank of v[i] among the six */
            unsigned rank = 0;
            for (unsigned j = 0; j < N; j++)
                rank += v[j] < v[i];
            if (i < 3)
                mask |= 1u << rank;
        }
        count[mask]++;
    }
    gsl_rng_free(r);
    double worst = 0;
    unsigned long total = 0;
    for (unsigned mask = 0; mask < 64; mask++) {
        if (__builtin_popcount(mask) != 3) {
            assert_int_equal(count[mask], 0);
            continue;
        }
        unsigned u;
        double p = lehmann_pattern(mask, N, 2, &u), f = (double)count[mask] / R, se = sqrt(p * (1 - p) / R);
        worst = fmax(worst, fabs(f - p) / se);
        assert_near(f, p, 4 * se);
        total += count[mask];
    }
    assert_int_equal(total, R);
    printf("  Lehmann patterns m=n=3: largest deviation over the 20 patterns %.2f SE (R %u)\n", worst, R);
}

/* 2. Power under the Lehmann alternative G = F^2 (canary = the larger of two baseline draws, F standard normal
 * shifted to 100 with sd 10): exact P(U in the region) by enumerating the 924 (m = n = 6) and 12 870 (m = n = 8)
 * patterns, and by the DP at m = n = 20 and m = 12, n = 30 (the regions: U <= 2 or >= 34 of 36; U <= 9 or
 * >= 55 of 64; U <= 113 or >= 287 of 400; U <= 95 or >= 265 of 360). Exact powers 0.039924128, 0.086401478,
 * 0.291683737 and 0.227032217 (the null sizes at these sizes are 0.008658, 0.010412, 0.018094, 0.017139);
 * R = 40 000 each: SE 9.8e-4, 1.40e-3, 2.27e-3, 2.09e-3, tolerances 3.9e-3, 5.6e-3, 9.1e-3, 8.4e-3. */
static void kayenta_lehmann_power(void **state)
{
    (void)state;
    const unsigned R = 40000;
    const struct {
        unsigned m, n;
        int enumerate;
        unsigned lo, hi; /* the rejection region U <= lo or U >= hi */
        uint64_t seed;
        double exact; /* the value computed below, quoted */
        const char *name;
    } cases[] = {
        {6, 6, 1, 2, 34, 7201, 0.039924128, "G=F^2 m=6 n=6 (enumerated)"},
        {8, 8, 1, 9, 55, 7202, 0.086401478, "G=F^2 m=8 n=8 (enumerated)"},
        {20, 20, 0, 113, 287, 7203, 0.291683737, "G=F^2 m=20 n=20 (DP)"},
        {12, 30, 0, 95, 265, 7204, 0.227032217, "G=F^2 m=12 n=30 (DP)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned m = cases[i].m, n = cases[i].n;
        double t0 = now_s();
        double *pu = malloc(((size_t)m * n + 1) * sizeof *pu);
        assert_non_null(pu);
        if (cases[i].enumerate)
            lehmann_enumerate(m, n, 2, pu);
        else
            lehmann_dp(m, n, 2, pu);
        double exact = region_prob(pu, m, n);
        free(pu);
        unsigned lo = 0, hi = m * n; /* the region is u <= lo or u >= hi */
        while (mw_reject(lo + 1, m, n))
            lo++;
        while (mw_reject(hi - 1, m, n))
            hi--;
        assert_true(mw_reject(lo, m, n) && !mw_reject(lo + 1, m, n) && mw_reject(hi, m, n) && !mw_reject(hi - 1, m, n));
        assert_int_equal(lo, cases[i].lo);
        assert_int_equal(hi, cases[i].hi);
        printf("  exact power m=%u n=%u: %.9f (region U <= %u or U >= %u; null size %.6f)\n", m, n, exact, lo, hi,
               mw_exact_size(m, n));
        assert_le(1e-6, mw_region_margin(m, n));
        assert_le(1e-6, mw_end_check(m, n));
        assert_near(exact, cases[i].exact, 1e-9);
        unsigned long hits = mw_simulate(m, n, DIST_NORMAL, 2, R, cases[i].seed);
        check_rate(cases[i].name, hits, R, exact);
        printf("    (%.2f s)\n", now_s() - t0);
    }
}

/* 3. The whole judge under A/A: one metric, Kayenta's defaults (tolerance 0.25, confidence 0.98, allowed
 * increase and decrease 1.0 on the mean ratio). High needs ci_lower > 0.25 |HL| >= 0 and Low ci_upper < -0.25 |HL|
 * <= 0, each on top of the interval excluding 0, so the rate of High or Low is at most the exact size of (1):
 * asserted in every replication (High or Low implies the interval excludes 0) and on the rate, which must be
 * below exact size + 4 SE (m = n = 20, lognormal, positive as a latency; R = 100 000, exact 0.018093579,
 * SE 4.2e-4, bound 0.01978). The rate comes out near 0.0018, a tenth of the size, as the band predicts: with
 * the interval roughly HL +- 2.33 s, High needs HL - 2.33 s > HL/4, i.e. HL/s > 3.1, and 2 Phi(-3.1) = 0.0019.
 * The interval's own exclusion rate on the same draws is also checked against the exact size. */
/* R A/A replications of rs_kayenta_judge on one metric with Kayenta's defaults, m canaries and n baselines
 * lognormal (positive, as a latency). Returns how many were High or Low; *excluded gets how many intervals
 * excluded 0. Asserts in every replication: the interval was computed, High or Low implies the interval
 * excludes 0, the exclusion is mw_reject on U, the class is Pass, High or Low, and the score is 0 or 100. */
static unsigned long judge_simulate(unsigned m, unsigned n, unsigned R, uint64_t seed, unsigned long *excluded)
{
    rs_kayenta_metric metric;
    rs_kayenta_metric_init(&metric, "latency", "latency");
    rs_kayenta_config cfg = {.metrics = &metric, .n_metrics = 1, .pass_score = NAN, .marginal_score = NAN};
    rs_error err = {0};
    assert_int_equal(rs_kayenta_validate(&cfg, &err), RS_OK);
    gsl_rng *r = rs_rng_alloc(seed, 0, 0);
    assert_non_null(r);
    double x[64], y[64];
    assert_true(m <= 64 && n <= 64);
    unsigned long flagged = 0, excl_n = 0, bad = 0;
    for (unsigned rep = 0; rep < R; rep++) {
        rs_rng_reset(r, seed, rep, 0);
        for (unsigned i = 0; i < m; i++)
            x[i] = draw(r, DIST_LOGNORMAL);
        for (unsigned j = 0; j < n; j++)
            y[j] = draw(r, DIST_LOGNORMAL);
        rs_kayenta_samples s = {x, m, y, n};
        rs_kayenta_metric_result res;
        rs_kayenta_judgment j;
        assert_int_equal(rs_kayenta_judge(&cfg, &s, &res, &j, &err), RS_OK);
        int hl = res.cls == RS_KAYENTA_HIGH || res.cls == RS_KAYENTA_LOW;
        int excl = res.ci_lower > 0 || res.ci_upper < 0;
        flagged += hl;
        excl_n += excl;
        int near0 = fabs(res.ci_lower) < 1e-4 || fabs(res.ci_upper) < 1e-4; /* BrentSolver's 1e-4, as above */
        bad += !res.tested || (hl && !excl) || (!near0 && excl != mw_reject(res.u, m, n)) ||
               !(res.cls == RS_KAYENTA_PASS || hl) || j.score != (hl ? 0.0 : 100.0);
    }
    gsl_rng_free(r);
    assert_int_equal(bad, 0);
    *excluded = excl_n;
    return flagged;
}

static void kayenta_judge_aa(void **state)
{
    (void)state;
    const unsigned m = 20, n = 20, R = 100000;
    double t0 = now_s();
    double exact = mw_exact_size(m, n);
    unsigned long excluded, flagged = judge_simulate(m, n, R, 7301, &excluded);
    double se = sqrt(exact * (1 - exact) / R), rate = (double)flagged / R;
    printf("  judge A/A m=20 n=20 lognormal: High/Low %.5f, interval excludes 0 %.5f, exact size %.5f, "
           "bound %.5f (R %u, SE %.2e) (%.2f s)\n",
           rate, (double)excluded / R, exact, exact + 4 * se, R, se, now_s() - t0);
    assert_le(rate, exact + 4 * se);
    check_rate("judge A/A: interval excludes 0", excluded, R, exact);
}

/* 1c. Kayenta through the simulator, A/A. 600 users at 2 requests per user-hour, a 10 % canary for 6 hours
 * (60 users: about 40 requests per 20-minute step), both versions with the same lognormal latency; the gate
 * judges the P99 of each 20-minute step once, at the stage's end: m = n = 18 samples per arm (a step without
 * requests has probability e^-40 and is neglected). With baseline_traffic = "matched" the baseline's step
 * traffic is thinned to a cluster of the canary's size (requests Poisson(40) as the canary's, latencies a
 * uniform subset of the baseline's iid ones), so the 72 step P99s are iid: U has its exact null distribution,
 * and the rate at which the logged 98 % interval excludes 0 must be the exact size at (18, 18); R = 6000,
 * SE = sqrt(p (1 - p) / R) ~ 1.7e-3 at p ~ 0.018. Each replication is one judgment, whose rollback (High or
 * Low, direction either) may only be rarer. Sensitivity: with baseline_traffic = "all" the baseline's steps
 * hold 9x the requests, their P99 is another distribution, and the same rate must be far above the exact
 * size (here by more than 10 SE). */
static unsigned long kayenta_sim_excludes(const char *traffic, unsigned R, unsigned long *rollbacks)
{
    char text[1024];
    snprintf(text, sizeof text,
             "return { name = 'kayenta aa', seed = 17, horizon = 6, sample_every = 6,\n"
             "  population = { { name = 'all', users = 600, rate = 2 } },\n"
             "  versions = { { name = 'base', baseline = true, error_rate = 0.01, latency = { median = 100, sigma = 0.5 } },\n"
             "               { name = 'cand', error_rate = 0.01, latency = { median = 100, sigma = 0.5 } } },\n"
             "  policy = { name = 'fixed_stages', gate = 'kayenta', steps = { 0.1 }, bake = 6, check_every = '20m',\n"
             "             baseline_traffic = '%s', metrics = { { name = 'latency_p99' } } } }\n",
             traffic);
    simtest t;
    simtest_open(&t, text, NULL, 0);
    unsigned long excl = 0, judged = 0;
    *rollbacks = 0;
    for (unsigned rep = 0; rep < R; rep++) {
        rs_rep_result res;
        simtest_run(&t, rep, &res);
        *rollbacks += res.outcome == RS_OUTCOME_ROLLED_BACK;
        const rs_run_log *log = rs_sim_log(t.sim);
        for (size_t i = 0; i < log->len; i++) {
            const char *hl = strstr(log->entries[i].detail, " HL ");
            double est, lo, hi;
            if (strcmp(log->entries[i].kind, "gate") || !hl || sscanf(hl, " HL %lf [%lf, %lf]", &est, &lo, &hi) != 3)
                continue;
            judged++;
            excl += lo > 0 || hi < 0;
        }
    }
    simtest_close(&t);
    assert_int_equal(judged, R); /* one judgment per replication, each with its interval */
    return excl;
}

static void kayenta_aa_through_simulator(void **state)
{
    (void)state;
    double t0 = now_s();
    const unsigned R = 6000, R_all = 1500;
    double exact = mw_exact_size(18, 18);
    unsigned long rollbacks, excl = kayenta_sim_excludes("matched", R, &rollbacks);
    check_rate("simulator A/A, matched baseline: excludes 0", excl, R, exact);
    double se = sqrt(exact * (1 - exact) / R);
    printf("  simulator A/A, matched baseline: rollbacks %.5f (<= %.5f) (%.2f s)\n", (double)rollbacks / R,
           exact + 4 * se, now_s() - t0);
    assert_le((double)rollbacks / R, exact + 4 * se);
    unsigned long rb_all, excl_all = kayenta_sim_excludes("all", R_all, &rb_all);
    double se_all = sqrt(exact * (1 - exact) / R_all);
    printf("  simulator A/A, all baseline traffic: excludes 0 %.5f, rollbacks %.5f (exact size %.5f)\n",
           (double)excl_all / R_all, (double)rb_all / R_all, exact);
    assert_true((double)excl_all / R_all > exact + 10 * se_all);
}

/* 1b. Tiny samples (a Kayenta interval of a few time-series steps), where the 98 % level is not achievable and
 * findRoot's end checks return the range of the pairwise differences (see mw_reject): under A/A the interval
 * excludes 0 exactly when the samples do not overlap, U = 0 or U = mn, an exact size of 2 / C(m + n, m):
 * 1/3 at m = n = 2, 1/10 at 3, 2/70 = 0.028571 at 4, 2/28 = 0.071429 at m = 2, n = 6 -- above the nominal
 * 0.02. m = n = 5 is the control: the end checks do not fire and the statistic's region is U = 0 or 25,
 * 2/252 = 0.0079365. R = 30 000 each: SE from 2.7e-3 (1/3) down to 5.1e-4 (0.0079). The judge on the same
 * sizes (its own draws) is printed and held under the same bound: the tolerance band removes part of it. */
static void kayenta_tiny_samples(void **state)
{
    (void)state;
    const unsigned R = 30000;
    const struct {
        unsigned m, n;
        double exact;
    } cases[] = {{2, 2, 1.0 / 3}, {3, 3, 0.1}, {4, 4, 2.0 / 70}, {2, 6, 2.0 / 28}, {5, 5, 2.0 / 252}};
    double t0 = now_s();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned m = cases[i].m, n = cases[i].n;
        double exact = mw_exact_size(m, n);
        assert_near(exact, cases[i].exact, 1e-12);
        assert_int_equal(mw_end_check(m, n) <= 0, i < 4);
        char name[64];
        snprintf(name, sizeof name, "A/A m=%u n=%u (end checks %s)", m, n, i < 4 ? "fire" : "do not fire");
        check_rate(name, mw_simulate(m, n, DIST_NORMAL, 1, R, 7050 + i), R, exact);
        unsigned long excluded, flagged = judge_simulate(m, n, R, 7060 + i, &excluded);
        double se = sqrt(exact * (1 - exact) / R);
        printf("    judge: High/Low %.5f (interval excludes 0 %.5f)\n", (double)flagged / R, (double)excluded / R);
        assert_le((double)flagged / R, exact + 4 * se);
        check_rate("    judge's interval excludes 0", excluded, R, exact);
    }
    printf("    (%.2f s)\n", now_s() - t0);
}

/* ==== B. The bayes gate ========================================================================================== */

/* For a fixed sample of n requests per arm, delta, uniform priors and a level: thr[xb] is the smallest x_c with
 * which the gate fires (n + 1 when none), for each baseline count xb in [lo, hi]. The gate's probability
 * P(p_c - p_b > delta | data) increases with x_c: the candidate's posterior Beta(1 + x_c, 1 + n - x_c) increases
 * in the likelihood-ratio order with x_c, hence stochastically, and the baseline's does not change. So the gate
 * fires exactly for x_c >= thr[xb], found by bisection (~9 evaluations for n = 300). The bisection's invariant
 * is that lo was evaluated as not firing and hi as firing, so thr - 1 and thr are checked by construction; the
 * monotonicity itself is checked on the six counts either side of each threshold, and the probability at those two
 * counts is asserted away from the level by more than the quadrature's 1e-9. */
typedef struct bayes_table {
    unsigned n, lo, hi;
    unsigned *thr; /* thr[xb - lo] */
    double margin; /* smallest |prob - level| at thr - 1 and thr */
} bayes_table;

static int bayes_fires(unsigned xc, unsigned xb, unsigned n, double level, double *prob)
{
    rs_gate_result g = rs_bayes_gate(xc, n, xb, n, 0.0, 1, 1, level, prob);
    if (g != RS_GATE_FAIL && g != RS_GATE_PASS)
        fail_msg("rs_bayes_gate(%u, %u, %u, %u) gave %d, p = %g", xc, n, xb, n, (int)g, *prob);
    return g == RS_GATE_FAIL;
}

static void bayes_thresholds(bayes_table *t, unsigned n, unsigned lo, unsigned hi, double level)
{
    t->n = n;
    t->lo = lo;
    t->hi = hi;
    t->thr = malloc((hi - lo + 1) * sizeof *t->thr);
    assert_non_null(t->thr);
    t->margin = INFINITY;
    for (unsigned xb = lo; xb <= hi; xb++) {
        int a = -1, b = (int)n + 1; /* a: does not fire (or -1), b: fires (or n + 1) */
        double pa = NAN, pb = NAN, p;
        while (b - a > 1) {
            int mid = a + (b - a) / 2;
            if (bayes_fires((unsigned)mid, xb, n, level, &p))
                b = mid, pb = p;
            else
                a = mid, pa = p;
        }
        t->thr[xb - lo] = (unsigned)b;
        if (a >= 0)
            t->margin = fmin(t->margin, level - pa);
        if (b <= (int)n)
            t->margin = fmin(t->margin, pb - level);
        for (int xc = b - 6; xc <= b + 5; xc++)
            if (xc >= 0 && xc <= (int)n)
                assert_int_equal(bayes_fires((unsigned)xc, xb, n, level, &p), xc >= b);
    }
    assert_le(1e-8, t->margin);
}

/* Exact P(gate fires) = sum_xb Bin(xb; n, pb) P(Bin(n, pc) >= thr[xb]); *omitted gets the baseline mass outside
 * the table's range (bounds the error). */
static double bayes_exact(const bayes_table *t, double pc, double pb, double *omitted)
{
    double s = 0, inside = 0;
    for (unsigned xb = t->lo; xb <= t->hi; xb++) {
        double w = gsl_ran_binomial_pdf(xb, pb, t->n);
        unsigned th = t->thr[xb - t->lo];
        double tail = th == 0 ? 1.0 : th > t->n ? 0.0 : gsl_cdf_binomial_Q(th - 1, pc, t->n); /* P(X > th - 1) */
        s += w * tail;
        inside += w;
    }
    *omitted = 1 - inside;
    return s;
}

/* R draws of (x_c, x_b) from Bin(n, pc) x Bin(n, pb) through the gate; every firing must agree with the table
 * when x_b is inside it. The gate is a pure function of (x_c, x_b) (n, delta, priors and level fixed) and costs
 * ~100 us of quadrature, so its answer is memoised per pair: each distinct pair drawn is put through
 * rs_bayes_gate once (about a thousand pairs), which lets R be 10^6. */
static unsigned long bayes_simulate(const bayes_table *t, double pc, double pb, double level, unsigned R,
                                    uint64_t seed)
{
    gsl_rng *r = rs_rng_alloc(seed, 0, 0);
    assert_non_null(r);
    size_t side = (size_t)t->n + 1;
    signed char *memo = malloc(side * side);
    assert_non_null(memo);
    memset(memo, -1, side * side);
    unsigned long hits = 0, mismatches = 0, calls = 0;
    for (unsigned rep = 0; rep < R; rep++) {
        rs_rng_reset(r, seed, rep, 0);
        unsigned xc = gsl_ran_binomial(r, pc, t->n), xb = gsl_ran_binomial(r, pb, t->n);
        signed char *f_ = &memo[(size_t)xc * side + xb];
        if (*f_ < 0) {
            double p;
            *f_ = (signed char)bayes_fires(xc, xb, t->n, level, &p);
            calls++;
        }
        int f = *f_;
        hits += f;
        if (xb >= t->lo && xb <= t->hi)
            mismatches += f != (xc >= t->thr[xb - t->lo]);
    }
    gsl_rng_free(r);
    free(memo);
    printf("    (%lu distinct (x_c, x_b) pairs through the gate)\n", calls);
    assert_int_equal(mismatches, 0);
    return hits;
}

/* n = 300 per arm, p_b = 0.05, delta = 0, level 0.95, Beta(1, 1) priors. The table covers the baseline counts
 * x_b in [0, 60]: P(Bin(300, 0.05) > 60) = 9.2e-21 is left out (asserted < 1e-15); the candidate's tail
 * P(x_c >= thr) is summed by GSL over all of [thr, n]. */
#define BAYES_N 300
#define BAYES_XB_HI 60

/* Exact size of the pooled one-sided two-proportion z-test at alpha on n per arm, both arms at p (for
 * comparison only): z = (x_c - x_b) / sqrt(n pbar (1 - pbar) 2), pbar = (x_c + x_b) / 2n. */
static double ztest_exact_size(unsigned n, double p, double alpha)
{
    double za = gsl_cdf_ugaussian_Qinv(alpha), s = 0;
    for (unsigned xb = 0; xb <= BAYES_XB_HI; xb++)
        for (unsigned xc = 0; xc <= n; xc++) {
            double pbar = (xc + xb) / (2.0 * n), v = 2.0 * n * pbar * (1 - pbar);
            if (v > 0 && ((double)xc - xb) / sqrt(v) > za)
                s += gsl_ran_binomial_pdf(xb, p, n) * gsl_ran_binomial_pdf(xc, p, n);
        }
    return s;
}

/* 4. Exact A/A type-I error of the bayes gate on a fixed sample, and the Monte Carlo of the gate against it.
 * Why near 0.05: with flat priors and n = 300 the posteriors of p_c and p_b are close to normal around x/n
 * (Bernstein-von Mises), so P(p_c > p_b | data) ~ Phi((p^_c - p^_b) / se) and "> 0.95" is about the one-sided
 * z-test at 0.05 (z > 1.645). It is not exactly 0.05: the region is a set of lattice points whose boundary
 * moves in whole counts (about 15 errors per arm here, so one count is a quarter of a standard deviation), the
 * prior adds a pseudo-count to each side, and the posteriors are skewed at these counts; each moves the size by
 * a few thousandths, hence the band [0.03, 0.07] for the exact value, which is what the simulation is tested
 * against. For comparison the exact size of the pooled one-sided z-test at 0.05 on the same counts is printed
 * (0.0509). Exact 0.046367943 (computed below; x_b = 15 fires from x_c = 26 on); R = 1 000 000: SE = 2.1e-4,
 * tolerance 8.4e-4 (0.05 is 17 SE away: the MC tells the two apart). */
static void bayes_aa_size(void **state)
{
    (void)state;
    const unsigned R = 1000000;
    const double p = 0.05, level = 0.95;
    double t0 = now_s();
    bayes_table t;
    bayes_thresholds(&t, BAYES_N, 0, BAYES_XB_HI, level);
    double omitted, exact = bayes_exact(&t, p, p, &omitted);
    printf("  exact bayes size %.9f\n", exact);
    assert_le(omitted, 1e-15);
    double t1 = now_s();
    printf("  bayes n=%u p=%.2f: thresholds for x_b in [0, %u] (x_b = 15: x_c >= %u), margin %.2e, %.2f s\n",
           BAYES_N, p, BAYES_XB_HI, t.thr[15], t.margin, t1 - t0);
    assert_le(0.03, exact);
    assert_le(exact, 0.07);
    assert_near(exact, 0.046367943, 1e-9);
    unsigned long hits = bayes_simulate(&t, p, p, level, R, 7401);
    check_rate("bayes A/A n=300 p=0.05 size", hits, R, exact);
    printf("    (exact vs nominal 0.05: %+.5f; pooled one-sided z-test at 0.05, exact size %.5f) (%.2f s)\n",
           exact - 0.05, ztest_exact_size(BAYES_N, p, 0.05), now_s() - t1);
    free(t.thr);
}

/* 5. Power at p_c = 0.08, p_b = 0.05, same thresholds. Exact 0.434383258 (computed below); R = 1 000 000:
 * SE = 5.0e-4, tolerance 2.0e-3. */
static void bayes_power(void **state)
{
    (void)state;
    const unsigned R = 1000000;
    const double level = 0.95;
    double t0 = now_s();
    bayes_table t;
    bayes_thresholds(&t, BAYES_N, 0, BAYES_XB_HI, level);
    double omitted, exact = bayes_exact(&t, 0.08, 0.05, &omitted);
    printf("  exact bayes power %.9f\n", exact);
    assert_le(omitted, 1e-15);
    assert_near(exact, 0.434383258, 1e-9);
    unsigned long hits = bayes_simulate(&t, 0.08, 0.05, level, R, 7501);
    check_rate("bayes power n=300 pc=0.08 pb=0.05", hits, R, exact);
    printf("    (%.2f s)\n", now_s() - t0);
    free(t.thr);
}

int main(void)
{
    gsl_set_error_handler_off(); /* as the program does at start-up (rs_cli_main) */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kayenta_aa_size_20_20),
        cmocka_unit_test(kayenta_aa_size_12_30),
        cmocka_unit_test(kayenta_tiny_samples),
        cmocka_unit_test(lehmann_formula_exact_checks),
        cmocka_unit_test(lehmann_formula_simulated),
        cmocka_unit_test(kayenta_lehmann_power),
        cmocka_unit_test(kayenta_judge_aa),
        cmocka_unit_test(kayenta_aa_through_simulator),
        cmocka_unit_test(bayes_aa_size),
        cmocka_unit_test(bayes_power),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
