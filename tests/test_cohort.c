/* Cohort mode (SPEC §9, issue 11) against exact computations and against exact mode.
 *
 *   big_count_draws          the 64-bit Poisson, binomial and hypergeometric draws (chi-square against the exact
 *                            pmf; moments at counts beyond 2^32)
 *   sticky_exposure          exposed and harmed users under a weight raised, lowered and raised again, with a daily
 *                            cycle: the closed form of §2 per band (w N_T (1 - e^{-Lambda}) with Lambda the
 *                            integrated rate over the time the band was routed), in both modes
 *   step_resolution          the default dt, and the messages when dt does not fit a decision time
 *   exact_refuses_big        exact mode refuses up front a population whose flags exceed the memory limit
 *   agreement_w1             exact and cohort agree in distribution on W1 at 1000 users (and cohort with
 *                            dt = 12 h against dt = 1 h: steps are exact whatever their length)
 *   agreement_segments       the same on two segments with daily cycles, a latency gate and a random candidate
 *
 * Tolerances: means within 4 Monte Carlo standard errors (a two-sided false failure of 6e-5 per check); the
 * agreement tests at level 0.001 each (see agree() for the tests and their power). Fixed seeds throughout. */
#include "simtest.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"
#include "rng.h"

/* ---- big-count draws ---------------------------------------------------------------------------------------- */

/* Pearson's chi-square of counts against probabilities, tail cells merged until each expects >= 5; returns the
 * p-value. */
static double chisq_gof(const double *count, const double *p, size_t k, double n, size_t *df)
{
    double x2 = 0, oc = 0, ep = 0;
    size_t cells = 0;
    for (size_t i = 0; i < k; i++) {
        oc += count[i];
        ep += p[i];
        if (ep * n >= 5 || i + 1 == k) {
            x2 += (oc - ep * n) * (oc - ep * n) / (ep * n);
            cells++;
            oc = ep = 0;
        }
    }
    *df = cells - 1;
    return gsl_cdf_chisq_Q(x2, (double)*df);
}

static void big_count_draws(void **state)
{
    (void)state;
    gsl_rng *r = rs_rng_alloc(2024, 0, 0);
    /* Hypergeometric at small counts against the exact pmf: 200 000 draws, p-value above 1e-4. */
    const unsigned N = 60, K = 25, n = 20;
    double count[21] = {0}, p[21];
    for (unsigned x = 0; x <= 20; x++)
        p[x] = gsl_ran_hypergeometric_pdf(x, K, N - K, n);
    const int R = 200000;
    for (int i = 0; i < R; i++)
        count[rs_draw_hypergeometric(r, N, K, n)]++;
    size_t df;
    double pv = chisq_gof(count, p, 21, R, &df);
    print_message("hypergeometric(60, 25, 20): chi-square p = %.3g on %zu df\n", pv, df);
    assert_true(pv > 1e-4);
    /* Edge cases: all or none of the successes drawn. */
    assert_int_equal(rs_draw_hypergeometric(r, 10, 10, 4), 4);
    assert_int_equal(rs_draw_hypergeometric(r, 10, 0, 4), 0);
    assert_int_equal(rs_draw_hypergeometric(r, 10, 7, 10), 7);

    /* Beyond 32 bits: mean and variance of M draws, the mean within 4 sd / sqrt(M), the variance within
     * 4 var sqrt(2 / M) (normal fourth moment; these laws are near normal at these sizes). */
    const int M = 4000;
    const double HN = 3e9, HK = 1.2e9, Hn = 2e9;
    double mh = Hn * HK / HN, vh = mh * (1 - HK / HN) * (HN - Hn) / (HN - 1);
    double mb = 6e9 * 0.3, vb = mb * 0.7, mp = 3.7e9, vp = mp;
    double s[3] = {0}, s2[3] = {0};
    for (int i = 0; i < M; i++) {
        double x[3] = {(double)rs_draw_hypergeometric(r, (uint64_t)HN, (uint64_t)HK, (uint64_t)Hn),
                       (double)rs_draw_binomial(r, 0.3, UINT64_C(6000000000)), (double)rs_draw_poisson(r, mp)};
        double mu[3] = {mh, mb, mp};
        for (int j = 0; j < 3; j++) {
            s[j] += x[j] - mu[j];
            s2[j] += (x[j] - mu[j]) * (x[j] - mu[j]);
        }
    }
    double var[3] = {vh, vb, vp};
    const char *name[3] = {"hypergeometric(3e9, 1.2e9, 2e9)", "binomial(6e9, 0.3)", "poisson(3.7e9)"};
    for (int j = 0; j < 3; j++) {
        double dm = s[j] / M, v = s2[j] / M - dm * dm;
        print_message("%s: mean - exact %.1f (4 se %.1f), var/exact %.4f (4 se %.4f)\n", name[j], dm,
                      4 * sqrt(var[j] / M), v / var[j], 4 * sqrt(2.0 / M));
        assert_near(dm, 0, 4 * sqrt(var[j] / M));
        assert_near(v / var[j], 1, 4 * sqrt(2.0 / M));
    }
    gsl_rng_free(r);
}

/* ---- exposure and harm under sticky routing ------------------------------------------------------------- */

/* 2000 users at 0.5 requests/h with a daily cycle (amplitude 0.6, peak at 3 h); the candidate (error 0.05)
 * holds 50 % for [0, 4), 20 % for [4, 8), 50 % again for [8, 12). */
static const char sticky[] =
    "return { name = 'sticky', seed = 31, horizon = 12, sample_every = 1,\n"
    "  population = { { name = 'all', users = 2000, rate = 0.5, daily = { amplitude = 0.6, peak = 3 } } },\n"
    "  versions = { { name = 'b', baseline = true, error_rate = 0.01 }, { name = 'c', error_rate = 0.05 } },\n"
    "  policy = { name = 'fixed_stages', gate = 'none', stages = { { weight = 0.5, bake = 4 },\n"
    "             { weight = 0.2, bake = 4 }, { weight = 0.5, bake = 4 } } } }\n";

/* Requests per user over [a, b) at rate 0.5 with the daily cycle above. */
static double lambda_int(double a, double b)
{
    const double w = 2 * M_PI / 24, amp = 0.6, peak = 3;
    return 0.5 * ((b - a) + amp / w * (sin(w * (b - peak)) - sin(w * (a - peak))));
}

static void sticky_exposure_mode(const char *mode)
{
    /* Users [0, 400) are on the candidate all along: exposed by t with probability 1 - exp(-Lambda(0, t)).
     * Users [400, 1000) only during [0, 4) and [8, 12): the same with Lambda over those parts of [0, t) (they
     * keep their exposure while away; when they come back, only the unexposed can be newly exposed). Harmed:
     * the same with Lambda p_c. Each count is a sum of two independent binomials: mean and variance exact;
     * the mean over R replications within 4 sqrt(var / R). */
    const char *sets[] = {mode};
    simtest t;
    simtest_open(&t, sticky, sets, 1);
    const int R = 3000;
    double se[13] = {0}, sh[13] = {0};
    for (int r = 0; r < R; r++) {
        rs_rep_result res;
        simtest_run(&t, (uint32_t)r, &res);
        size_t n;
        const rs_sample *smp = rs_sim_samples(t.sim, &n, NULL);
        assert_int_equal(n, 13);
        for (size_t i = 0; i < n; i++) {
            uint64_t routed = (i >= 4 && i < 8) ? 400 : 1000; /* the sample at 4 shows the weight set at 4 */
            assert_int_equal(smp[i].n, routed);
            se[i] += (double)smp[i].exposed;
            sh[i] += (double)smp[i].harmed;
        }
        const uint64_t *exposed;
        rs_sim_cells(t.sim, &exposed, NULL);
        assert_int_equal(exposed[1], res.exposed); /* one candidate, one segment: its cell is everyone exposed */
    }
    for (int i = 1; i <= 12; i++) {
        double ti = i, l1 = lambda_int(0, ti);
        double l2 = lambda_int(0, fmin(ti, 4)) + (ti > 8 ? lambda_int(8, ti) : 0);
        double m_e = 0, v_e = 0, m_h = 0, v_h = 0;
        double nb[2] = {400, 600}, lam[2] = {l1, l2};
        for (int b = 0; b < 2; b++) {
            double q = -expm1(-lam[b]), qh = -expm1(-lam[b] * 0.05);
            m_e += nb[b] * q, v_e += nb[b] * q * (1 - q);
            m_h += nb[b] * qh, v_h += nb[b] * qh * (1 - qh);
        }
        if (i == 4 || i == 8 || i == 12)
            print_message("%s t = %2d: exposed %.2f (closed form %.2f), harmed %.2f (%.2f)\n", mode, i, se[i] / R,
                          m_e, sh[i] / R, m_h);
        assert_near(se[i] / R, m_e, 4 * sqrt(v_e / R) + 1e-9);
        assert_near(sh[i] / R, m_h, 4 * sqrt(v_h / R) + 1e-9);
    }
    simtest_close(&t);
}

static void sticky_exposure(void **state)
{
    (void)state;
    sticky_exposure_mode("mode=cohort");
    sticky_exposure_mode("mode=exact"); /* the closed form is the referee of both engines */
}

/* ---- the step -------------------------------------------------------------------------------------------------- */

static const char w1[] =
    "return { name = 'W1', seed = 1, horizon = 72, sample_every = 1,\n"
    "  population = { { name = 'users', users = 1000, rate = 1 } },\n"
    "  versions = { { name = 'baseline', baseline = true, error_rate = 0.01 },\n"
    "               { name = 'candidate', error_rate = 0.02 } },\n"
    "  policy = { name = 'fixed_stages', steps = { 0.01, 0.05, 0.25, 0.5, 1 }, bake = 12,\n"
    "             gate = 'ztest', alpha = 0.05 } }\n";

static void step_resolution(void **state)
{
    (void)state;
    simtest t;
    const char *cohort[] = {"mode=cohort"};
    simtest_open(&t, w1, cohort, 1);
    assert_near(rs_sim_step(t.sim), 1, 0); /* gcd(sample_every 1, bake 12) */
    simtest_close(&t);
    /* sample_every 30 minutes, stages of 20 and 40 minutes: the largest common step is 10 minutes. */
    const char *fine[] = {"mode=cohort", "sample_every=30m", "policy.bake=20m", "horizon=6"};
    simtest_open(&t, w1, fine, 4);
    assert_near(rs_sim_step(t.sim), 1.0 / 6, 1e-15);
    simtest_close(&t);
    /* Exact mode has no step. */
    simtest_open(&t, w1, NULL, 0);
    assert_near(rs_sim_step(t.sim), 0, 0);
    simtest_close(&t);

    /* A decision that is not on the step: bad input, naming a step that would do. */
    const char *off[] = {"mode=cohort", "dt=30m", "policy.bake=45m"};
    simtest_open(&t, w1, off, 3);
    rs_rep_result res;
    rs_error err = {0};
    assert_int_equal(rs_sim_run(t.sim, 0, &res, &err), RS_ERR_INPUT);
    print_message("%s\n", err.msg);
    assert_non_null(strstr(err.msg, "dt: policy fixed_stages asked for a decision at t = 0.75 h, which is not a "
                                    "multiple of the cohort step dt = 0.5 h; set dt = 0.25 h"));
    simtest_close(&t);

    /* A sample time that is not on the given step: refused when the simulation is set up. */
    rs_scenario sc;
    const char *bad[] = {"mode=cohort", "dt=0.4"};
    assert_int_equal(rs_scenario_load_string(w1, strlen(w1), "w1.lua", bad, 2, &sc, &err), RS_OK);
    rs_plugin plugin;
    rs_value params;
    assert_int_equal(rs_plugin_load(sc.policy_name, &plugin, &err), RS_OK);
    assert_int_equal(rs_plugin_resolve_params(plugin.type, &sc.policy, "policy", &params, &err), RS_OK);
    rs_sim *sim = NULL;
    assert_int_equal(rs_sim_alloc(&sc, plugin.type, &params, &sim, &err), RS_ERR_INPUT);
    assert_string_equal(err.msg, "w1.lua: dt: 0.4 h does not divide sample_every (1 h); dt = 0.2 h would, or use "
                                 "mode = \"exact\"");
    rs_value_clear(&params);
    rs_plugin_unload(&plugin);
    rs_scenario_free(&sc);
}

/* ---- exact mode's memory limit ----------------------------------------------------------------------------- */

static void exact_refuses_big(void **state)
{
    (void)state;
#if defined(__SANITIZE_ADDRESS__)
    skip(); /* the sanitizer's shadow memory does not live with an address-space limit */
#else
    /* In a child limited to 4 GB of address space (limit for per-user state: half of it), 2^31 - 1 users need
     * 4.3 GB of flags: refused before anything is allocated, with the limit and the way out in the message. */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {(rlim_t)4 << 30, (rlim_t)4 << 30};
        if (setrlimit(RLIMIT_AS, &rl))
            _exit(3);
        rs_scenario sc;
        rs_error err = {0};
        /* A low rate keeps the requests (about 1.5e7) under the limit of requests a replication (issue 18), which
         * is checked at load: this test is about the memory limit, checked when the simulator is allocated. */
        const char *sets[] = {"population.1.users=2147483647", "population.1.rate=0.0001"};
        if (rs_scenario_load_string(w1, strlen(w1), "w1.lua", sets, 2, &sc, &err))
            _exit(4);
        rs_plugin plugin;
        rs_value params;
        if (rs_plugin_load(sc.policy_name, &plugin, &err) ||
            rs_plugin_resolve_params(plugin.type, &sc.policy, "policy", &params, &err))
            _exit(5);
        rs_sim *sim = NULL;
        rs_status st = rs_sim_alloc(&sc, plugin.type, &params, &sim, &err);
        fprintf(stderr, "%s\n", err.msg);
        _exit(st == RS_ERR_INPUT && strstr(err.msg, "w1.lua: population: 2147483647 users need 4.29 GB of per-user "
                                                     "state in exact mode (2 bytes each), over this machine's limit "
                                                     "of 2.15 GB; run it with mode = \"cohort\"")
                  ? 0
                  : 6);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
#endif
}

/* ---- agreement in distribution ------------------------------------------------------------------------------- */

#define LEVEL 0.001 /* per test; 20 tests in all, so a correct simulator fails this file with probability <= 2 % */
/* Replications per mode in the agreement tests: 24 000 give the power asserted below. The sanitized build (CI
 * runs the whole suite under ASan and UBSan, several times slower) runs the same comparisons on 2000 to check the
 * code paths, without the power assertion; the power is the normal build's to show. */
#if defined(__SANITIZE_ADDRESS__)
#define AGREE_REPS 2000
#define CHECK_POWER 0
#else
#define AGREE_REPS 24000
#define CHECK_POWER 1
#endif

/* Chi-square test of homogeneity of two samples over k categories (categories expecting < 5 in either sample
 * merged into one). Returns the p-value. */
static double chisq_two(const double *a, const double *b, size_t k, size_t *df)
{
    double na = 0, nb = 0;
    for (size_t i = 0; i < k; i++)
        na += a[i], nb += b[i];
    double x2 = 0, oa = 0, ob = 0;
    size_t cells = 0;
    for (size_t i = 0; i <= k; i++) {
        double ca = i < k ? a[i] : oa, cb = i < k ? b[i] : ob;
        if (i == k && ca + cb == 0)
            break;
        double tot = ca + cb, ea = tot * na / (na + nb), eb = tot * nb / (na + nb);
        if (i < k && (ea < 5 || eb < 5)) { /* into the merged category */
            oa += ca, ob += cb;
            continue;
        }
        if (ea > 0 && eb > 0) {
            x2 += (ca - ea) * (ca - ea) / ea + (cb - eb) * (cb - eb) / eb;
            cells++;
        }
    }
    *df = cells > 1 ? cells - 1 : 1;
    return cells > 1 ? gsl_cdf_chisq_Q(x2, (double)*df) : 1;
}

/* Two-sample Kolmogorov-Smirnov p-value (asymptotic; conservative for discrete data, whose ties only lower D). */
static double ks_two(double *a, size_t na, double *b, size_t nb)
{
    gsl_sort(a, 1, na);
    gsl_sort(b, 1, nb);
    size_t i = 0, j = 0;
    double d = 0;
    while (i < na && j < nb) {
        double x = a[i] < b[j] ? a[i] : b[j];
        while (i < na && a[i] == x)
            i++;
        while (j < nb && b[j] == x)
            j++;
        double diff = fabs((double)i / na - (double)j / nb);
        if (diff > d)
            d = diff;
    }
    double ne = (double)na * nb / ((double)na + nb), lam = (sqrt(ne) + 0.12 + 0.11 / sqrt(ne)) * d, p = 0;
    for (int k = 1; k <= 100; k++)
        p += 2 * (k % 2 ? 1 : -1) * exp(-2.0 * k * k * lam * lam);
    return lam < 0.2 ? 1 : fmin(1, fmax(0, p));
}

typedef struct sample {
    size_t n;
    double *harm, *exposed, *harmed, *excess;
    double outcome[3];  /* promoted, rolled back, incomplete */
    double stage[3][8]; /* outcome x stage reached (1..7, 0 for beyond) */
} sample;

static void draw_sample(sample *s, const char *text, const char *const *sets, size_t n_sets, size_t R)
{
    memset(s, 0, sizeof *s);
    s->n = R;
    s->harm = calloc(R, sizeof(double)), s->exposed = calloc(R, sizeof(double));
    s->harmed = calloc(R, sizeof(double)), s->excess = calloc(R, sizeof(double));
    assert_true(s->harm && s->exposed && s->harmed && s->excess);
    simtest t;
    simtest_open(&t, text, sets, n_sets);
    for (size_t r = 0; r < R; r++) {
        rs_rep_result res;
        simtest_run(&t, (uint32_t)r, &res);
        s->harm[r] = (double)res.harm;
        s->exposed[r] = (double)res.exposed;
        s->harmed[r] = (double)res.harmed_users;
        s->excess[r] = res.excess_harm;
        s->outcome[res.outcome]++;
        s->stage[res.outcome][res.stage_reached >= 1 && res.stage_reached < 8 ? res.stage_reached : 0]++;
    }
    simtest_close(&t);
}

static void sample_free(sample *s)
{
    free(s->harm), free(s->exposed), free(s->harmed), free(s->excess);
}

/* Exact mode's sample a against cohort mode's b:
 *   - outcome frequencies, and outcome x stage-reached frequencies: chi-square tests of homogeneity;
 *   - harm, excess harm, exposed and harmed users: Welch's two-sample z-test on the means and the two-sample
 *     Kolmogorov-Smirnov test on the whole distributions;
 * each at LEVEL. The z-tests must have power >= 0.9 to see a 5 % shift of the mean at that level: with the
 * standard error se of the difference of means, power = Phi(0.05 |mean| / se - z_{1 - LEVEL/2}) (asserted, so
 * that agreement is not the result of too few replications). */
static void agree(const char *what, sample *a, sample *b)
{
    size_t df;
    double p = chisq_two(a->outcome, b->outcome, 3, &df);
    print_message("%s outcome: exact %.0f/%.0f/%.0f, cohort %.0f/%.0f/%.0f (promoted/rolled back/incomplete); "
                  "chi-square p = %.3g (%zu df)\n",
                  what, a->outcome[0], a->outcome[1], a->outcome[2], b->outcome[0], b->outcome[1], b->outcome[2], p,
                  df);
    assert_true(p > LEVEL);
    p = chisq_two(&a->stage[0][0], &b->stage[0][0], 24, &df);
    print_message("%s outcome x stage: chi-square p = %.3g (%zu df); rollbacks by stage 1..5, exact:", what, p, df);
    for (int k = 1; k <= 5; k++)
        print_message(" %.4f", a->stage[1][k] / a->n);
    print_message(", cohort:");
    for (int k = 1; k <= 5; k++)
        print_message(" %.4f", b->stage[1][k] / b->n);
    print_message("\n");
    assert_true(p > LEVEL);
    const char *names[4] = {"harm", "excess harm", "exposed users", "harmed users"};
    double *xa[4] = {a->harm, a->excess, a->exposed, a->harmed}, *xb[4] = {b->harm, b->excess, b->exposed, b->harmed};
    const double zc = gsl_cdf_ugaussian_Qinv(LEVEL / 2);
    for (int m = 0; m < 4; m++) {
        double ma = 0, mb = 0, va = 0, vb = 0;
        for (size_t i = 0; i < a->n; i++)
            ma += xa[m][i];
        for (size_t i = 0; i < b->n; i++)
            mb += xb[m][i];
        ma /= a->n, mb /= b->n;
        for (size_t i = 0; i < a->n; i++)
            va += (xa[m][i] - ma) * (xa[m][i] - ma);
        for (size_t i = 0; i < b->n; i++)
            vb += (xb[m][i] - mb) * (xb[m][i] - mb);
        va /= a->n - 1, vb /= b->n - 1;
        double se = sqrt(va / a->n + vb / b->n), z = (ma - mb) / se, pz = 2 * gsl_cdf_ugaussian_Q(fabs(z));
        double power = gsl_cdf_ugaussian_P(0.05 * fabs(0.5 * (ma + mb)) / se - zc);
        double pk = ks_two(xa[m], a->n, xb[m], b->n);
        print_message("%s %s: exact %.3f, cohort %.3f (se of the difference %.3f): z p = %.3g, KS p = %.3g; power "
                      "for a 5 %% shift %.3f\n",
                      what, names[m], ma, mb, se, pz, pk, power);
        assert_true(pz > LEVEL);
        assert_true(pk > LEVEL);
        if (CHECK_POWER)
            assert_true(power >= 0.9);
    }
}

static void agreement_w1(void **state)
{
    (void)state;
    /* W1 at 1000 users (N_k = 10, 50, 250, 500, 1000): the outcome spreads over stages 1-4. Different seeds for
     * the two samples, so that they are independent (the version stream would otherwise be shared). */
    const size_t R = AGREE_REPS;
    const char *exact[] = {"seed=101"}, *cohort[] = {"seed=202", "mode=cohort"};
    sample a, b;
    draw_sample(&a, w1, exact, 1, R);
    draw_sample(&b, w1, cohort, 2, R);
    agree("W1 U=1000", &a, &b);
    sample_free(&b);
    /* Cohort mode with one step per stage (dt = 12 h) against hourly steps: the same law. */
    const char *coarse[] = {"seed=303", "mode=cohort", "dt=12", "sample_every=12"};
    draw_sample(&b, w1, coarse, 4, R);
    agree("W1 U=1000, cohort dt = 12 h vs exact", &a, &b);
    sample_free(&a);
    sample_free(&b);
}

/* Two segments with daily cycles at different peaks, per-segment effects on the candidate's error rate and
 * latency, a candidate whose error rate is drawn per replication, a first stage on the internal segment only,
 * and a threshold gate on the candidate's P99 latency and its error rate relative to the baseline's, checked
 * every 2 hours on the interval's data. The latency reservoirs overflow (more than 2048 requests per interval)
 * in the last stage. */
static const char segments[] =
    "return { name = 'segments', seed = 5, horizon = 30, sample_every = 1,\n"
    "  population = {\n"
    "    { name = 'internal', users = 150, rate = 2, daily = { amplitude = 0.5, peak = 14 } },\n"
    "    { name = 'general', users = 1500, rate = 0.5, daily = { amplitude = 0.8, peak = 20 },\n"
    "      effects = { cand = { latency = 1.3, error_rate = 1.5 } } } },\n"
    "  versions = {\n"
    "    { name = 'base', baseline = true, error_rate = 0.01, success_rate = 0.9,\n"
    "      latency = { median = 100, sigma = 0.5 } },\n"
    "    { name = 'cand', error_rate = choice{ {0.7, 0.01}, {0.3, 0.025} }, success_rate = 0.92,\n"
    "      latency = { median = 100, sigma = 0.5 } } },\n"
    "  policy = { name = 'fixed_stages', gate = 'threshold', check_every = 2,\n"
    "    stages = { { weight = 1, bake = 6, segments = { 'internal' } }, { weight = 0.1, bake = 6 },\n"
    "               { weight = 0.4, bake = 6 }, { weight = 1, bake = 8 } },\n"
    "    metrics = { { name = 'latency_p99', max = 380, consecutive = 2 },\n"
    "                { name = 'error_rate', max_increase = 0.6, consecutive = 2 } } } }\n";

static void agreement_segments(void **state)
{
    (void)state;
    const size_t R = AGREE_REPS;
    const char *exact[] = {"seed=11"}, *cohort[] = {"seed=22", "mode=cohort"};
    sample a, b;
    draw_sample(&a, segments, exact, 1, R);
    draw_sample(&b, segments, cohort, 2, R);
    agree("segments", &a, &b);
    sample_free(&a);
    sample_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(big_count_draws),  cmocka_unit_test(sticky_exposure),    cmocka_unit_test(step_resolution),
        cmocka_unit_test(exact_refuses_big), cmocka_unit_test(agreement_w1),      cmocka_unit_test(agreement_segments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
