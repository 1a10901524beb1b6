/* Latency (issue 4 groundwork): the reservoir keeps a uniform sample of a stream, and the simulation hands a
 * policy the per-request latencies of each window, lognormal with the version's median and log-sd and the
 * segment's effect. Tolerances are 4 standard errors, derived in each test. */
#include "simtest.h"

#include <gsl/gsl_statistics_double.h>
#include <stdlib.h>

#include "reservoir.h"

static void reservoir_is_uniform(void **state)
{
    (void)state;
    /* Feed 1..N into a reservoir of K, R times. Each value is kept with probability K/N, so the number of kept
     * values from the first half is hypergeometric-like with mean K/2: over R runs the mean count has SE
     * sqrt(K/4 / R) at most (the binomial bound). The mean kept value is (N+1)/2 with SE
     * sqrt((N^2-1)/12 / K / R) at most. */
    const size_t N = 10000, K = 100;
    const int R = 2000;
    rs_reservoir res;
    assert_int_equal(rs_reservoir_init(&res, K), 0);
    gsl_rng *rng = rs_rng_alloc(5, 0, 0);
    double first_half = 0, mean = 0;
    for (int r = 0; r < R; r++) {
        rs_reservoir_clear(&res);
        for (size_t i = 1; i <= N; i++)
            rs_reservoir_add(&res, (double)i, rng);
        assert_int_equal(res.n, K);
        assert_int_equal(res.seen, N);
        for (size_t j = 0; j < K; j++) {
            first_half += res.values[j] <= N / 2;
            mean += res.values[j];
        }
    }
    assert_near(first_half / R, K / 2.0, 4 * sqrt(K / 4.0 / R));
    assert_near(mean / R / K, (N + 1) / 2.0, 4 * sqrt(((double)N * N - 1) / 12 / K / R));
    /* fewer values than slots: all kept, in order */
    rs_reservoir_clear(&res);
    for (int i = 0; i < 10; i++)
        rs_reservoir_add(&res, i, rng);
    assert_int_equal(res.n, 10);
    for (int i = 0; i < 10; i++)
        assert_near(res.values[i], i, 0);
    rs_reservoir_free(&res);
    gsl_rng_free(rng);
}

/* A policy written here: holds the candidate at 0.5 and records the latency windows it is shown. */
static double seen_log_mean[2][8], seen_log_sd[2][8];
static size_t seen_n[2][8], seen_stage_n[2][8];
static int seen_calls;

static int rec_create(void *state, const rs_policy_ctx *ctx, char *err, size_t len)
{
    (void)state, (void)ctx, (void)err, (void)len;
    return 0;
}

static int rec_decide(void *state, const rs_observation *obs, rs_action *act, char *err, size_t len)
{
    (void)state, (void)err, (void)len;
    int k = seen_calls++;
    if (k < 8)
        for (size_t v = 0; v < 2; v++) {
            size_t n = obs->n_latency_interval[v];
            double *logs = malloc((n ? n : 1) * sizeof *logs);
            for (size_t i = 0; i < n; i++)
                logs[i] = log(obs->latency_interval[v][i]);
            seen_n[v][k] = n;
            seen_stage_n[v][k] = obs->n_latency_stage[v];
            seen_log_mean[v][k] = n ? gsl_stats_mean(logs, 1, n) : NAN;
            seen_log_sd[v][k] = n > 1 ? gsl_stats_sd(logs, 1, n) : NAN;
            free(logs);
        }
    rs_action_set_weight(act, obs->n_segments, 1, 0.5);
    act->next_decision = obs->t + 1;
    act->stage = k < 3 ? 1 : 2; /* a new stage from the fourth decision on */
    return 0;
}

static const rs_policy_type recorder = {RS_POLICY_TYPE_HEADER, "recorder", "test", NULL, 0, 0,
                                        rec_create, rec_decide, NULL};

static void latency_windows(void **state)
{
    (void)state;
    /* Baseline: median 100 ms, log-sd 0.5; candidate: median 150 ms, log-sd 0.3. 4000 users at 1 request an
     * hour, half on each version: about 2000 requests per version per hour, so each hourly window's reservoir
     * (2048 slots) holds all of them (n = requests, a Poisson count: 4 SE = 180). The log-latencies are
     * normal: their sample mean has SE sigma / sqrt(n) (0.011 for the baseline) and their sample sd has SE
     * sigma / sqrt(2 (n - 1)) (0.008). The stage window keeps growing until the policy's stage changes. */
    static const char text[] =
        "return { name = 'latency', seed = 12, horizon = 6, sample_every = 1,\n"
        "  population = { { name = 'u', users = 4000, rate = 1 } },\n"
        "  versions = { { name = 'b', baseline = true, error_rate = 0.01, latency = { median = 100, sigma = 0.5 } },\n"
        "               { name = 'c', error_rate = 0.01, latency = { median = 150, sigma = 0.3 } } },\n"
        "  policy = { name = 'fixed_stages', steps = { 1 }, bake = 100 } }\n";
    rs_scenario sc;
    rs_error err = {0};
    if (rs_scenario_load_string(text, strlen(text), "latency.lua", NULL, 0, &sc, &err))
        fail_msg("%s", err.msg);
    rs_value params = {.kind = RS_VALUE_TABLE};
    rs_sim *sim;
    assert_int_equal(rs_sim_alloc(&sc, &recorder, &params, &sim, &err), RS_OK);
    seen_calls = 0;
    rs_rep_result res;
    if (rs_sim_run(sim, 0, &res, &err))
        fail_msg("%s", err.msg);
    assert_true(seen_calls >= 6);
    static const double median[2] = {100, 150}, sigma[2] = {0.5, 0.3};
    for (int k = 1; k < 6; k++)
        for (int v = 0; v < 2; v++) {
            double n = (double)seen_n[v][k];
            assert_near(n, 2000, 4 * sqrt(2000.0));
            assert_near(seen_log_mean[v][k], log(median[v]), 4 * sigma[v] / sqrt(n));
            assert_near(seen_log_sd[v][k], sigma[v], 4 * sigma[v] / sqrt(2 * (n - 1)));
            /* the stage window: hours 1-3 accumulate (capped at the capacity), reset when stage 2 starts at
             * the fourth decision (t = 3), so at t = 4 it holds one hour again */
            if (k == 4)
                assert_int_equal(seen_stage_n[v][k], seen_n[v][k]);
            if (k == 2)
                assert_int_equal(seen_stage_n[v][k], RS_LATENCY_CAPACITY);
        }
    print_message("hour 1: baseline log-latency mean %.4f sd %.4f (n %zu); candidate %.4f %.4f (n %zu)\n",
                  seen_log_mean[0][1], seen_log_sd[0][1], seen_n[0][1], seen_log_mean[1][1], seen_log_sd[1][1],
                  seen_n[1][1]);
    rs_sim_free(sim);
    rs_scenario_free(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reservoir_is_uniform),
        cmocka_unit_test(latency_windows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
