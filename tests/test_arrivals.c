/* The exact-mode engine against closed forms: Poisson request counts, exposure under a fixed weight, and the
 * W1 workload of shared/W1.md (its gate at 100 000 users; its stage-by-stage outcome law at 1 000 users). */
#include "simtest.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <stdlib.h>

/* One segment, a fixed weight held for the whole horizon, no gate. */
static const char fixed_weight[] =
    "return { name = 'fixed', seed = 7, horizon = 10, sample_every = 0.5,\n"
    "  population = { { name = 'all', users = 200, rate = 0.5 } },\n"
    "  versions = { { name = 'b', baseline = true, error_rate = 0.01 }, { name = 'c', error_rate = 0.01 } },\n"
    "  policy = { name = 'fixed_stages', gate = 'none', steps = { 0.3 }, bake = 1000 } }\n";

static void poisson_counts(void **state)
{
    (void)state;
    /* Requests in [0, 10) of 200 users at 0.5/h: Poisson with lambda = 1000. Over R replications the mean has
     * standard error sqrt(lambda / R) and the sample variance sqrt((lambda + 2 lambda^2) / R) (Poisson
     * fourth central moment lambda (1 + 3 lambda)); tolerance 4 standard errors each. */
    simtest t;
    simtest_open(&t, fixed_weight, NULL, 0);
    const int R = 4000;
    const double lambda = 1000;
    double s = 0, s2 = 0;
    for (int r = 0; r < R; r++) {
        rs_rep_result res;
        simtest_run(&t, (uint32_t)r, &res);
        s += (double)res.requests;
        s2 += (double)res.requests * (double)res.requests;
    }
    double mean = s / R, var = (s2 - R * mean * mean) / (R - 1);
    assert_near(mean, lambda, 4 * sqrt(lambda / R));
    assert_near(var, lambda, 4 * sqrt((lambda + 2 * lambda * lambda) / R));
    simtest_close(&t);
}

static void exposure_closed_form(void **state)
{
    (void)state;
    /* With weight w held from t = 0, each of the w N_T candidate users is exposed by t iff it sent >= 1
     * request: probability q = 1 - exp(-rate t), independently. So exposed(t) ~ Binomial(w N_T, q): mean
     * w N_T q, sd sqrt(w N_T q (1 - q)). One replication must be within 3.5 sd at every sample; the mean over
     * R replications within 3.5 sd / sqrt(R). */
    const char *sets[] = {"population.1.users=10000", "population.1.rate=1"};
    simtest t;
    simtest_open(&t, fixed_weight, sets, 2);
    const int R = 100;
    const double w = 0.3, n = 10000 * w;
    double sum[21] = {0};
    size_t ns = 0;
    for (int r = 0; r < R; r++) {
        rs_rep_result res;
        simtest_run(&t, (uint32_t)r, &res);
        const rs_sample *smp = rs_sim_samples(t.sim, &ns, NULL);
        assert_int_equal(ns, 21);
        for (size_t i = 0; i < ns; i++) {
            double q = 1 - exp(-smp[i].t), sd = sqrt(n * q * (1 - q));
            assert_int_equal(smp[i].n, 3000);
            if (r == 0)
                assert_near((double)smp[i].exposed, n * q, 3.5 * sd);
            sum[i] += (double)smp[i].exposed;
        }
    }
    for (size_t i = 1; i < ns; i++) {
        double q = 1 - exp(-0.5 * (double)i), sd = sqrt(n * q * (1 - q));
        assert_near(sum[i] / R, n * q, 3.5 * sd / sqrt(R));
    }
    simtest_close(&t);
}

static const char w1[] =
    "return { name = 'W1', seed = 1, horizon = 72, sample_every = 1,\n"
    "  population = { { name = 'users', users = 100000, rate = 1 } },\n"
    "  versions = { { name = 'baseline', baseline = true, error_rate = 0.01 },\n"
    "               { name = 'candidate', error_rate = 0.02 } },\n"
    "  policy = { name = 'fixed_stages', steps = { 0.01, 0.05, 0.25, 0.5, 1 }, bake = 12,\n"
    "             gate = 'ztest', alpha = 0.05 } }\n";

static void w1_rolls_back_at_first_gate(void **state)
{
    (void)state;
    /* Stage 1: 1000 candidate users, 99 000 baseline users, 12 h at 1 request/h: n_c = 12 000, n_b = 1 188 000
     * expected requests, error rates 0.02 and 0.01. The pooled z at those expectations is the closed form
     * below (about 10.9); its sampling sd is about sqrt(p_c q_c / n_c + p_b q_b / n_b) / se_pooled = 1.39,
     * so each replication's z must lie within 4 of those sds, and every replication rolls back at t = 12. */
    simtest t;
    simtest_open(&t, w1, NULL, 0);
    double nc = 12000, nb = 1188000, pc = 0.02, pb = 0.01;
    double p = (pc * nc + pb * nb) / (nc + nb), se = sqrt(p * (1 - p) * (1 / nc + 1 / nb));
    double z_expected = (pc - pb) / se, z_sd = sqrt(pc * (1 - pc) / nc + pb * (1 - pb) / nb) / se;
    for (uint32_t r = 0; r < 3; r++) {
        rs_rep_result res;
        simtest_run(&t, r, &res);
        assert_int_equal(res.outcome, RS_OUTCOME_ROLLED_BACK);
        assert_near(res.rollback_time, 12, 0);
        assert_int_equal(res.stage_reached, 1);
        assert_near(res.p_at_rollback, 0.01, 0);
        const rs_run_log *log = rs_sim_log(t.sim);
        double z = NAN;
        for (size_t i = 0; i < log->len; i++)
            if (!strcmp(log->entries[i].kind, "gate"))
                z = log->entries[i].value;
        assert_near(z, z_expected, 4 * z_sd);
        /* all 72 h are simulated: 7.2 M requests expected, Poisson sd 2683 */
        assert_near((double)res.requests, 7.2e6, 4 * sqrt(7.2e6));
    }
    simtest_close(&t);
}

/* Probability that the stage gate fires for N candidate users of U, 12 h at rate 1: exact sum over the
 * candidate's Poisson request count and binomial error count, with the baseline's request count held at its
 * mean (W1.md's "fixed" mode, which moves pi by about 1e-4, far below the Monte Carlo error here), and the
 * baseline's errors summed through the binomial CDF. */
static double gate_fire_probability(double N, double U, double pc, double pb, double zc)
{
    unsigned nb = (unsigned)lround(12 * (U - N));
    if (nb == 0)
        return 0;
    double mu = 12 * N, pi = 0;
    unsigned hi_nc = (unsigned)(mu + 12 * sqrt(mu) + 20);
    for (unsigned nc = 1; nc <= hi_nc; nc++) {
        double pn = gsl_ran_poisson_pdf(nc, mu);
        for (unsigned xc = 0; xc <= nc; xc++) {
            double px = gsl_ran_binomial_pdf(xc, pc, nc);
            if (px * pn < 1e-16)
                continue;
            /* z decreases in xb: find the largest xb that still fires. */
            long last = -1;
            for (unsigned xb = 0; xb <= nb; xb++) {
                double x = xc + xb, n = nc + nb;
                if (x <= 0 || x >= n)
                    continue; /* no test: not significant */
                double p = x / n, z = ((double)xc / nc - (double)xb / nb) / sqrt(p * (1 - p) * (1.0 / nc + 1.0 / nb));
                if (z > zc)
                    last = xb;
                else
                    break;
            }
            double fire = 0;
            if (last >= 0) {
                fire = gsl_cdf_binomial_P((unsigned)last, pb, nb);
                if (xc == 0) /* xb = 0 with xc = 0 has no test */
                    fire -= gsl_ran_binomial_pdf(0, pb, nb);
            }
            pi += pn * px * fire;
        }
    }
    return pi;
}

static void w1_outcome_law_at_1000_users(void **state)
{
    (void)state;
    /* W1 at U = 1000 with exact-count routing: N_k = 10, 50, 250, 500, 1000. P(rollback at k) =
     * pi_k prod_{j<k} (1 - pi_j) (independent Poisson counts on disjoint stages). Simulated frequencies over
     * R replications must be within 4 binomial standard errors sqrt(P (1 - P) / R) (+1e-3 for the fixed-n_b
     * approximation). */
    /* First the exact computation itself, against W1.md's reference table for its bucket routing
     * (N_k = 13, 60, 277, 537, 1000 at U = 1000; "full" mode, which differs from ours by about 1e-4). */
    const double Nb[4] = {13, 60, 277, 537}, table[4] = {0.360661, 0.473938, 0.164214, 0.001185};
    double surv = 1;
    for (int k = 0; k < 4; k++) {
        double pi = gate_fire_probability(Nb[k], 1000, 0.02, 0.01, 1.6448536269514722);
        assert_near(surv * pi, table[k], 5e-4);
        surv *= 1 - pi;
    }

    const char *sets[] = {"population.1.users=1000"};
    simtest t;
    simtest_open(&t, w1, sets, 1);
    const double N[5] = {10, 50, 250, 500, 1000}, zc = 1.6448536269514722;
    double expect[6], survive = 1;
    for (int k = 0; k < 5; k++) {
        double pi = gate_fire_probability(N[k], 1000, 0.02, 0.01, zc);
        expect[k] = survive * pi;
        survive *= 1 - pi;
    }
    expect[5] = survive;
    const int R = 3000;
    int count[6] = {0};
    for (int r = 0; r < R; r++) {
        rs_rep_result res;
        simtest_run(&t, (uint32_t)r, &res);
        if (res.outcome == RS_OUTCOME_ROLLED_BACK) {
            int k = (int)lround(res.rollback_time / 12) - 1;
            assert_true(k >= 0 && k < 5);
            assert_int_equal(res.stage_reached, k + 1);
            count[k]++;
        } else {
            assert_int_equal(res.outcome, RS_OUTCOME_PROMOTED);
            assert_near(res.time_to_full, 48, 0);
            count[5]++;
        }
    }
    for (int k = 0; k < 6; k++) {
        double f = (double)count[k] / R, se = sqrt(expect[k] * (1 - expect[k]) / R);
        print_message("W1 U=1000 %s %d: simulated %.4f, exact %.4f\n", k < 5 ? "rollback at stage" : "complete",
                      k + 1, f, expect[k]);
        assert_near(f, expect[k], 4 * se + 1e-3);
    }
    simtest_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(poisson_counts),
        cmocka_unit_test(exposure_closed_form),
        cmocka_unit_test(w1_rolls_back_at_first_gate),
        cmocka_unit_test(w1_outcome_law_at_1000_users),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
