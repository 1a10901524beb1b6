/* Monte Carlo validations of the exact-mode engine against values computed independently here (SPEC §2, §7):
 * the power and the exact size of a single-stage pooled z-test gate (exact sums over the Poisson request counts
 * and binomial error counts), harm and excess harm under a fixed weight (closed forms), the coverage of the
 * Wilson interval (exact binomial sum), and priors drawn once per replication (Beta moments and tails).
 *
 * Every comparison has a fixed seed and a tolerance of 4 Monte Carlo standard errors unless a comment argues
 * otherwise: for a normal estimate that is a two-sided false-failure probability of 6e-5 per check, so a
 * failure means a bug rather than bad luck, while a bias of a few standard errors is still caught. */
#include "simtest.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <stdio.h>
#include <stdlib.h>

#include "stats.h"

/* --- The exact law of a single-stage z-test gate ------------------------------------------------------------ */

/* The one-sided pooled two-proportion z-test of §7, written out here rather than taken from gates.c: defined
 * when both arms have requests and 0 < x_c + x_b < n_c + n_b; fires when z > zc. */
static int z_fires(unsigned xc, unsigned nc, unsigned xb, unsigned nb, double zc)
{
    double x = (double)xc + xb, n = (double)nc + nb;
    if (nc == 0 || nb == 0 || x <= 0 || x >= n)
        return 0;
    double p = x / n;
    double z = ((double)xc / nc - (double)xb / nb) / sqrt(p * (1 - p) * (1.0 / nc + 1.0 / nb));
    return z > zc;
}

/* A Poisson(mu) range holding all but ~1e-17 of the mass: 9 sd either side, widened for the skew. */
static unsigned poisson_lo(double mu)
{
    double lo = mu - 9 * sqrt(mu) - 5;
    return lo > 0 ? (unsigned)lo : 0;
}

static unsigned poisson_hi(double mu)
{
    return (unsigned)ceil(mu + 9 * sqrt(mu) + 10);
}

/* Largest error count of a Binomial(n <= n_max, p) that matters: the mean plus 10 sd plus 10, beyond which the
 * mass is below 1e-15 (Chernoff) for the n p of a few hundred at most used here. */
static unsigned binomial_top(unsigned n_max, double p)
{
    double m = n_max * p, top = ceil(m + 10 * sqrt(m) + 10);
    return top < n_max ? (unsigned)top : n_max;
}

/* The law of one stage's counts: n_c ~ Poisson(mu_c) and n_b ~ Poisson(mu_b), independent (a Poisson stream
 * thinned by a fixed routing), x_c ~ Binomial(n_c, p_c) and x_b ~ Binomial(n_b, p_b) errors, tabulated over
 * the ranges that hold all but ~1e-15 of the mass. */
typedef struct stage_law {
    unsigned c_lo, c_hi, b_lo, b_hi, kc, kb;
    double *pois_c, *pois_b; /* [n - lo] */
    double *pmf_c, *pmf_b;   /* [(n - lo) * (k + 1) + x] */
} stage_law;

static void stage_law_init(stage_law *l, double mu_c, double mu_b, double pc, double pb)
{
    l->c_lo = poisson_lo(mu_c), l->c_hi = poisson_hi(mu_c), l->b_lo = poisson_lo(mu_b), l->b_hi = poisson_hi(mu_b);
    l->kc = binomial_top(l->c_hi, pc), l->kb = binomial_top(l->b_hi, pb);
    size_t nnc = l->c_hi - l->c_lo + 1, nnb = l->b_hi - l->b_lo + 1;
    l->pois_c = calloc(nnc, sizeof *l->pois_c);
    l->pois_b = calloc(nnb, sizeof *l->pois_b);
    l->pmf_c = calloc(nnc * (l->kc + 1), sizeof *l->pmf_c);
    l->pmf_b = calloc(nnb * (l->kb + 1), sizeof *l->pmf_b);
    assert_true(l->pois_c && l->pois_b && l->pmf_c && l->pmf_b);
    for (size_t i = 0; i < nnc; i++) {
        unsigned n = l->c_lo + (unsigned)i;
        l->pois_c[i] = gsl_ran_poisson_pdf(n, mu_c);
        for (unsigned x = 0; x <= l->kc && x <= n; x++)
            l->pmf_c[i * (l->kc + 1) + x] = gsl_ran_binomial_pdf(x, pc, n);
    }
    for (size_t i = 0; i < nnb; i++) {
        unsigned n = l->b_lo + (unsigned)i;
        l->pois_b[i] = gsl_ran_poisson_pdf(n, mu_b);
        for (unsigned x = 0; x <= l->kb && x <= n; x++)
            l->pmf_b[i * (l->kb + 1) + x] = gsl_ran_binomial_pdf(x, pb, n);
    }
}

static void stage_law_free(stage_law *l)
{
    free(l->pois_c);
    free(l->pois_b);
    free(l->pmf_c);
    free(l->pmf_b);
}

/* Pairs (n_c, n_b) of probability below this are skipped: at most ~1e6 of them, < 1e-16 in all. */
#define PAIR_MIN 1e-22

/* P(the gate fires) at the end of one stage: the exact sum over (n_c, n_b, x_c, x_b) of the law above, both
 * request counts summed (no fixed-n_b approximation). For given (n_c, n_b, x_c) the test fires iff x_b <=
 * L(x_c): while the pooled p = (x_c + x_b) / (n_c + n_b) stays below 1/2 (asserted for every pair summed), z
 * falls as x_b grows (numerator down, p (1 - p) up) once z > 0, so the baseline's part is one binomial CDF.
 * L is found by walking from the previous x_c's boundary, which is exact from any start and cheap because L
 * moves little. *mass gets the Poisson mass summed over, so the caller can bound the truncation. */
static double ztest_fire_probability(double mu_c, double mu_b, double pc, double pb, double alpha, double *mass)
{
    const double zc = gsl_cdf_ugaussian_Qinv(alpha);
    stage_law l;
    stage_law_init(&l, mu_c, mu_b, pc, pb);
    double *cdf_b = calloc(l.kb + 1, sizeof *cdf_b);
    assert_non_null(cdf_b);
    double fire = 0, m = 0;
    for (unsigned nb = l.b_lo; nb <= l.b_hi; nb++) {
        const double *pmf_b = &l.pmf_b[(size_t)(nb - l.b_lo) * (l.kb + 1)];
        const unsigned top_b = nb < l.kb ? nb : l.kb;
        double c = 0;
        for (unsigned xb = 0; xb <= top_b; xb++)
            cdf_b[xb] = c += pmf_b[xb];
        for (unsigned nc = l.c_lo; nc <= l.c_hi; nc++) {
            const double *pmf_c = &l.pmf_c[(size_t)(nc - l.c_lo) * (l.kc + 1)];
            const unsigned top_c = nc < l.kc ? nc : l.kc;
            double w = l.pois_b[nb - l.b_lo] * l.pois_c[nc - l.c_lo];
            m += w;
            if (w < PAIR_MIN || nb == 0)
                continue;
            assert_true(2.0 * (top_c + top_b) < (double)nc + nb); /* pooled p < 1/2: z monotone in x_b */
            long L = -1;
            double f = 0;
            for (unsigned xc = 1; xc <= top_c; xc++) { /* x_c = 0 gives z <= 0: never fires */
                while (L + 1 <= (long)top_b && z_fires(xc, nc, (unsigned)(L + 1), nb, zc))
                    L++;
                while (L >= 0 && !z_fires(xc, nc, (unsigned)L, nb, zc))
                    L--;
                if (L >= 0)
                    f += pmf_c[xc] * cdf_b[L];
            }
            fire += w * f;
        }
    }
    free(cdf_b);
    stage_law_free(&l);
    *mass = m;
    return fire;
}

/* The same probability by brute force, every (x_c, x_b) tested, no boundary and no monotonicity: a check of
 * the function above at small counts (same law and truncation, so the two agree to rounding). */
static double ztest_fire_probability_naive(double mu_c, double mu_b, double pc, double pb, double alpha)
{
    const double zc = gsl_cdf_ugaussian_Qinv(alpha);
    stage_law l;
    stage_law_init(&l, mu_c, mu_b, pc, pb);
    double fire = 0;
    for (unsigned nb = l.b_lo; nb <= l.b_hi; nb++)
        for (unsigned nc = l.c_lo; nc <= l.c_hi; nc++) {
            double w = l.pois_b[nb - l.b_lo] * l.pois_c[nc - l.c_lo];
            if (w < PAIR_MIN)
                continue;
            for (unsigned xc = 0; xc <= l.kc && xc <= nc; xc++)
                for (unsigned xb = 0; xb <= l.kb && xb <= nb; xb++)
                    if (z_fires(xc, nc, xb, nb, zc))
                        fire += w * l.pmf_c[(size_t)(nc - l.c_lo) * (l.kc + 1) + xc] *
                                l.pmf_b[(size_t)(nb - l.b_lo) * (l.kb + 1) + xb];
        }
    stage_law_free(&l);
    return fire;
}

/* One segment of 1000 users at 1 request/h; the candidate holds the first 25 % of them (250 users) from t = 0
 * for one stage of 4 h, judged once at its end by the z-test; the horizon is just past the check (so the check
 * and the horizon never tie). */
static const char one_stage[] =
    "return { name = 'one_stage', seed = 20240601, horizon = 4.01, sample_every = 4.01,\n"
    "  population = { { name = 'all', users = 1000, rate = 1 } },\n"
    "  versions = { { name = 'b', baseline = true, error_rate = 0.01 }, { name = 'c', error_rate = 0.01 } },\n"
    "  policy = { name = 'fixed_stages', gate = 'ztest', alpha = 0.05, steps = { 0.25 }, bake = 4 } }\n";

/* Runs replications 0..R-1 of one_stage with the candidate's error rate pc (bad under the default rule, > 1.1 x
 * baseline, or not) and returns the rollback count; every replication must be judged once, at t = 4, and end
 * rolled back there or stopped (incomplete). */
static int count_rollbacks(const char *pc, int bad, int R)
{
    char set[64];
    snprintf(set, sizeof set, "versions.2.error_rate=%s", pc);
    const char *sets[] = {set};
    simtest t;
    simtest_open(&t, one_stage, sets, 1);
    int k = 0;
    for (int r = 0; r < R; r++) {
        rs_rep_result res;
        simtest_run(&t, (uint32_t)r, &res);
        assert_int_equal(res.stage_reached, 1);
        assert_int_equal(res.bad, bad);
        if (res.outcome == RS_OUTCOME_ROLLED_BACK) {
            assert_near(res.rollback_time, 4, 0);
            assert_near(res.p_at_rollback, 0.25, 0);
            k++;
        } else {
            assert_int_equal(res.outcome, RS_OUTCOME_INCOMPLETE); /* a last stage below weight 1 stops */
        }
    }
    simtest_close(&t);
    return k;
}

/* one_stage's expected request counts: 250 candidate and 750 baseline users for 4 h at 1 request/h. */
#define MU_C 1000.0
#define MU_B 3000.0

static void single_stage_detection_power(void **state)
{
    (void)state;
    /* Baseline 1 %, candidate 1.7 %: at these counts the gate's exact power is near 1/2, where a rollback
     * frequency is most sensitive to a wrong count or threshold (d power / d p_c is largest). Over R
     * replications the frequency has standard error sqrt(pi (1 - pi) / R) <= 0.5 / sqrt(R) = 0.0018 for
     * R = 80 000; tolerance 4 of them. The exact sum's own error is the truncated Poisson mass (asserted
     * below 1e-9) plus binomial tails below 1e-15, far under that. */
    const double pc = 0.017, pb = 0.01;
    /* First the boundary-walking sum against brute force at small counts (they differ only by rounding in
     * the order of ~1e5 additions). */
    double mass, small = ztest_fire_probability(100, 300, 0.04, 0.02, 0.05, &mass);
    assert_near(small, ztest_fire_probability_naive(100, 300, 0.04, 0.02, 0.05), 1e-9);
    double power = ztest_fire_probability(MU_C, MU_B, pc, pb, 0.05, &mass);
    assert_true(mass > 1 - 1e-9 && mass <= 1 + 1e-9);
    assert_true(power > 0.35 && power < 0.65); /* the design point: informative */
    const int R = 80000;
    int k = count_rollbacks("0.017", 1, R);
    double f = (double)k / R, se = sqrt(power * (1 - power) / R);
    print_message("power p_c=%.3f p_b=%.3f n_c~Poi(%g) n_b~Poi(%g): simulated %.4f (%d/%d), exact %.4f, 4 se %.4f\n",
                  pc, pb, MU_C, MU_B, f, k, R, power, 4 * se);
    assert_near(f, power, 4 * se);
}

static void aa_rollback_rate_matches_alpha(void **state)
{
    (void)state;
    /* A/A (both 1 %): the rollback frequency against the test's exact size at these counts, computed by the
     * same sum (the discrete, normal-approximation test does not have size exactly alpha). Standard error
     * sqrt(size (1 - size) / R) = 0.0008 at R = 80 000, tolerance 4 of them, small enough to tell the exact
     * size (0.0551) from alpha itself (6 standard errors apart).
     * Then, loosely, the nominal level: alpha must lie in the simulated frequency's Wilson 95 % interval
     * widened by 0.01 on each side, 0.01 being a bound on |exact size - alpha| at these counts (asserted):
     * with the widening, a correct simulator fails this only if its frequency is off by ~6 standard errors. */
    const double p = 0.01, alpha = 0.05;
    double mass, size = ztest_fire_probability(MU_C, MU_B, p, p, alpha, &mass);
    assert_true(mass > 1 - 1e-9 && mass <= 1 + 1e-9);
    assert_true(fabs(size - alpha) < 0.01);
    const int R = 80000;
    int k = count_rollbacks("0.01", 0, R);
    double f = (double)k / R, se = sqrt(size * (1 - size) / R), est, lo, hi;
    rs_stats_wilson((size_t)k, (size_t)R, &est, &lo, &hi);
    print_message("A/A size: simulated %.4f (%d/%d, Wilson [%.4f, %.4f]), exact size %.4f, alpha %.2f, 4 se %.4f\n",
                  f, k, R, lo, hi, size, alpha, 4 * se);
    assert_near(f, size, 4 * se);
    assert_true(lo - 0.01 <= alpha && alpha <= hi + 0.01);
}

/* --- Harm under a fixed weight ------------------------------------------------------------------------------- */

static const char fixed_weight[] =
    "return { name = 'fixed', seed = 99, horizon = 10, sample_every = 1,\n"
    "  population = { { name = 'all', users = 400, rate = 0.5 } },\n"
    "  versions = { { name = 'b', baseline = true, error_rate = 0.01 }, { name = 'c', error_rate = 0.02 } },\n"
    "  policy = { name = 'fixed_stages', gate = 'none', steps = { 0.5 }, bake = 1000 } }\n";

static void harm_equals_rate_times_candidate_requests(void **state)
{
    (void)state;
    /* Weight w = 0.5 of N = 400 users held over [0, 10) at 0.5 requests/h, no gate: candidate requests are
     * Poisson(mu) with mu = w N rate t = 1000 (closed form of §2), candidate errors Binomial(n, p_c) given
     * n, so harm ~ Poisson(p_c mu). Excess harm = harm - p_b n has mean (p_c - p_b) mu and variance
     * p_c (1 - p_c) mu + (p_c - p_b)^2 mu (law of total variance). Each mean over R replications is checked
     * within 4 of its exact standard error sqrt(var / R). Per replication, excess harm must be exactly harm -
     * p_b * candidate requests (the rates are constant, so "expected baseline errors" is that product). */
    const double w = 0.5, N = 400, rate = 0.5, T = 10, pc = 0.02, pb = 0.01, mu = w * N * rate * T;
    const int R = 40000;
    simtest t;
    simtest_open(&t, fixed_weight, NULL, 0);
    double s_n = 0, s_h = 0, s_e = 0;
    for (int r = 0; r < R; r++) {
        rs_rep_result res;
        simtest_run(&t, (uint32_t)r, &res);
        assert_int_equal(res.outcome, RS_OUTCOME_INCOMPLETE);
        assert_true(res.harm <= res.cand_requests && res.cand_requests <= res.requests);
        assert_near(res.excess_harm, (double)res.harm - pb * (double)res.cand_requests, 1e-9);
        s_n += (double)res.cand_requests;
        s_h += (double)res.harm;
        s_e += res.excess_harm;
    }
    simtest_close(&t);
    double m_n = s_n / R, m_h = s_h / R, m_e = s_e / R;
    double se_n = sqrt(mu / R), se_h = sqrt(pc * mu / R),
           se_e = sqrt((pc * (1 - pc) + (pc - pb) * (pc - pb)) * mu / R);
    print_message("E[cand requests]: simulated %.2f, w N rate t = %.2f (4 se %.2f)\n", m_n, mu, 4 * se_n);
    print_message("E[harm]: simulated %.3f, p_c E[cand requests] = %.3f (4 se %.3f)\n", m_h, pc * mu, 4 * se_h);
    print_message("E[excess harm]: simulated %.3f, (p_c - p_b) E[cand requests] = %.3f (4 se %.3f)\n", m_e,
                  (pc - pb) * mu, 4 * se_e);
    assert_near(m_n, mu, 4 * se_n);
    assert_near(m_h, pc * mu, 4 * se_h);
    assert_near(m_e, (pc - pb) * mu, 4 * se_e);
}

/* --- Wilson interval coverage -------------------------------------------------------------------------------- */

/* The Wilson score interval at 95 %, written out here (Wilson 1927), clipped to [0, 1]. */
static void wilson(unsigned k, unsigned n, double *lo, double *hi)
{
    const double z = 1.959963984540054, z2 = z * z;
    double p = (double)k / n, d = 1 + z2 / n;
    double centre = (p + z2 / (2.0 * n)) / d, half = z / d * sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
    *lo = fmax(0, centre - half);
    *hi = fmin(1, centre + half);
}

/* A candidate whose error rate is 2 % with probability q, else 1 %, against a 1 % baseline: under the default
 * rule (> 1.1 x baseline) a replication is bad with probability exactly q. One user and a short horizon: the
 * traffic does not matter here. */
static const char coin[] =
    "return { name = 'coin', seed = 5, horizon = 1, sample_every = 1,\n"
    "  population = { { name = 'all', users = 1, rate = 1 } },\n"
    "  versions = { { name = 'b', baseline = true, error_rate = 0.01 },\n"
    "               { name = 'c', error_rate = choice{ {0.2, 0.02}, {0.8, 0.01} } } },\n"
    "  policy = { name = 'fixed_stages', gate = 'none', steps = { 1 }, bake = 1000 } }\n";

static void wilson_coverage(void **state)
{
    (void)state;
    /* M batches of n replications each; a batch's bad count is Binomial(n, q) and its Wilson interval covers q
     * with probability C = sum of the Binomial(n, q) pmf over the k whose interval contains q: the exact
     * coverage, which at n = 25, q = 0.2 is about 0.926, not 0.95 (the point of using it). The covered
     * fraction over M independent batches has standard error sqrt(C (1 - C) / M) = 0.0019 at M = 20 000;
     * tolerance 4 of them, which also tells C from 0.95 (13 of them away). The mean bad frequency over all
     * M n replications is checked against q too (standard error sqrt(q (1 - q) / (M n))). */
    const unsigned n = 25, M = 20000;
    const double q = 0.2;
    double C = 0;
    for (unsigned k = 0; k <= n; k++) {
        double lo, hi, est, lo2, hi2;
        wilson(k, n, &lo, &hi);
        rs_stats_wilson(k, n, &est, &lo2, &hi2); /* rollsim's Wilson interval is this one */
        assert_near(lo2, lo, 1e-12);
        assert_near(hi2, hi, 1e-12);
        if (lo <= q && q <= hi)
            C += gsl_ran_binomial_pdf(k, q, n);
    }
    simtest t;
    simtest_open(&t, coin, NULL, 0);
    unsigned covered = 0, bad = 0;
    for (unsigned b = 0; b < M; b++) {
        unsigned k = 0;
        for (unsigned i = 0; i < n; i++) {
            rs_rep_result res;
            simtest_run(&t, b * n + i, &res);
            k += (unsigned)res.bad;
        }
        double est, lo, hi;
        rs_stats_wilson(k, n, &est, &lo, &hi);
        covered += lo <= q && q <= hi;
        bad += k;
    }
    simtest_close(&t);
    double f = (double)covered / M, se = sqrt(C * (1 - C) / M);
    double fb = (double)bad / ((double)M * n), se_b = sqrt(q * (1 - q) / ((double)M * n));
    print_message("Wilson coverage n=%u q=%.2f over %u batches: simulated %.4f, exact %.4f (4 se %.4f)\n", n, q, M,
                  f, C, 4 * se);
    print_message("P(bad): simulated %.4f, q = %.4f (4 se %.4f)\n", fb, q, 4 * se_b);
    assert_near(fb, q, 4 * se_b);
    assert_near(f, C, 4 * se);
}

/* --- Priors drawn per replication ---------------------------------------------------------------------------- */

/* The candidate's error rate is Beta(2, 98) (mean 2 %), drawn once per replication; it holds half of 400 users
 * for 10 h at 0.5 requests/h (Poisson(1000) candidate requests). `bad` exposes the draw: error rate > 3 %. */
static const char prior[] =
    "return { name = 'prior', seed = 1, horizon = 10, sample_every = 1,\n"
    "  population = { { name = 'all', users = 400, rate = 0.5 } },\n"
    "  versions = { { name = 'b', baseline = true, error_rate = 0.01 },\n"
    "               { name = 'c', error_rate = beta(2, 98),\n"
    "                 bad = function(v, base) return v.error_rate > 0.03 end } },\n"
    "  policy = { name = 'fixed_stages', gate = 'none', steps = { 0.5 }, bake = 1000 } }\n";

static void priors_are_drawn_per_replication(void **state)
{
    (void)state;
    /* Per replication, with e the drawn rate and n the candidate requests: the ratio h/n has E[h/n | e, n] = e,
     * so E[h/n] = a/(a+b); Var(h/n) = Var(e) + E[e (1 - e)] E[1/n] (total variance), which is what tells a
     * per-replication draw from a single draw shared by all replications (that would leave only the second,
     * binomial, term: 10x smaller here). bad = 1{e > c}: P(bad) = Q_Beta(a,b)(c) and E[(h/n) bad] =
     * E[e 1{e > c}] = a/(a+b) Q_Beta(a+1,b)(c) — the traffic and the bad rule see the same draw.
     * Standard errors of the means from the sample variances (R = 20 000, so the estimate is good to ~1 %); of
     * the sample variance from the sample fourth central moment, sqrt((m4 - s^4) / R). 4 of each. */
    const double a = 2, b = 98, c = 0.03, mu = 1000;
    const int R = 20000;
    simtest t;
    simtest_open(&t, prior, NULL, 0);
    double *x = calloc((size_t)R, sizeof *x);
    assert_non_null(x);
    double s = 0, s_bad = 0, s_xb = 0, s_xb2 = 0;
    for (int r = 0; r < R; r++) {
        rs_rep_result res;
        simtest_run(&t, (uint32_t)r, &res);
        assert_true(res.cand_requests > 0);
        x[r] = (double)res.harm / (double)res.cand_requests;
        s += x[r];
        s_bad += res.bad;
        s_xb += x[r] * res.bad;
        s_xb2 += x[r] * x[r] * res.bad;
    }
    /* The same replication twice is the same; two replications differ, in their traffic and in their draws
     * (some replications are bad and some are not). */
    rs_rep_result r0, r0b, r1;
    simtest_run(&t, 0, &r0);
    simtest_run(&t, 0, &r0b);
    simtest_run(&t, 1, &r1);
    simtest_close(&t);
    assert_true(r0.harm == r0b.harm && r0.cand_requests == r0b.cand_requests && r0.bad == r0b.bad);
    assert_true(r0.harm != r1.harm || r0.cand_requests != r1.cand_requests);
    assert_true(x[0] != x[1]);
    assert_true(s_bad > 0 && s_bad < R);

    double m = s / R, m2 = 0, m4 = 0;
    for (int r = 0; r < R; r++) {
        double d = x[r] - m;
        m2 += d * d;
        m4 += d * d * d * d;
    }
    free(x);
    double var = m2 / (R - 1);
    m4 /= R;
    double mean_e = a / (a + b), var_e = a * b / ((a + b) * (a + b) * (a + b + 1)),
           e_e2 = var_e + mean_e * mean_e;
    /* E[1/n | n > 0] for n ~ Poisson(mu), summed (P(n = 0) = e^-1000 is nil). */
    double inv_n = 0;
    for (unsigned k = poisson_lo(mu); k <= poisson_hi(mu); k++)
        inv_n += gsl_ran_poisson_pdf(k, mu) / (k ? k : 1);
    double var_expected = var_e + (mean_e - e_e2) * inv_n;
    double p_bad = gsl_cdf_beta_Q(c, a, b), m_bad = s_bad / R;
    double xb_expected = mean_e * gsl_cdf_beta_Q(c, a + 1, b), m_xb = s_xb / R;
    double se_m = sqrt(var / R), se_var = sqrt((m4 - var * var) / R), se_bad = sqrt(p_bad * (1 - p_bad) / R),
           se_xb = sqrt((s_xb2 / R - m_xb * m_xb) / R);
    print_message("E[harm/n]: simulated %.5f, a/(a+b) = %.5f (4 se %.5f)\n", m, mean_e, 4 * se_m);
    print_message("Var[harm/n]: simulated %.3e, Var(e) + E[e(1-e)] E[1/n] = %.3e (4 se %.1e; binomial part "
                  "alone %.1e)\n", var, var_expected, 4 * se_var, (mean_e - e_e2) * inv_n);
    print_message("P(bad = e > %.2f): simulated %.4f, Beta tail %.4f (4 se %.4f)\n", c, m_bad, p_bad, 4 * se_bad);
    print_message("E[harm/n; bad]: simulated %.5f, a/(a+b) Q_Beta(a+1,b) = %.5f (4 se %.5f)\n", m_xb, xb_expected,
                  4 * se_xb);
    assert_near(m, mean_e, 4 * se_m);
    assert_near(var, var_expected, 4 * se_var);
    assert_near(m_bad, p_bad, 4 * se_bad);
    assert_near(m_xb, xb_expected, 4 * se_xb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(single_stage_detection_power),
        cmocka_unit_test(aa_rollback_rate_matches_alpha),
        cmocka_unit_test(harm_equals_rate_times_candidate_requests),
        cmocka_unit_test(wilson_coverage),
        cmocka_unit_test(priors_are_drawn_per_replication),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
