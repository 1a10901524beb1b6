/* The production gates wired into fixed_stages, through the simulator (core/gates.c + plugins/fixed_stages.c):
 * each semantic of SPEC §7 pinned on a scenario whose outcome is certain — error rates of exactly 0 or 1,
 * error rates switched by scripted events so that whole check windows fail or pass, latencies 10x apart — so
 * the expected times are worked out from the semantics alone (in each test's comment), not read from a run.
 * (test_prodgates pins the same state machines on hand-made sequences; test_prodgate_risk their
 * probabilities.) */
#include "simtest.h"

#include <math.h>
#include <stdio.h>

#include "eventlog.h"

/* One segment of `users` users at 10 requests per user-hour; baseline error rate 0, the candidate `cand`
 * (a Lua table body: error rate, latency), `extra` top-level keys (events), the policy's keys. */
static void run_one(const char *cand, const char *base_latency, const char *extra, int users, const char *policy,
                    rs_rep_result *res, simtest *t)
{
    static char text[4096];
    snprintf(text, sizeof text,
             "return { name = 'wiring', seed = 5, horizon = 40, sample_every = 1,\n"
             "  population = { { name = 'all', users = %d, rate = 10 } },\n"
             "  versions = { { name = 'base', baseline = true, error_rate = 0%s }, { name = 'cand', %s } },\n"
             "  %s\n"
             "  policy = { name = 'fixed_stages', %s } }\n",
             users, base_latency, cand, extra, policy);
    simtest_open(t, text, NULL, 0);
    simtest_run(t, 0, res);
}

/* The gate entries of the last run's event log, in order. */
static size_t gate_events(const simtest *t, const rs_log_entry **out, size_t max)
{
    const rs_run_log *log = rs_sim_log(t->sim);
    size_t n = 0;
    for (size_t i = 0; i < log->len && n < max; i++)
        if (!strcmp(log->entries[i].kind, "gate"))
            out[n++] = &log->entries[i];
    return n;
}

static void print_gates(const simtest *t)
{
    const rs_log_entry *e[64];
    size_t n = gate_events(t, e, 64);
    for (size_t i = 0; i < n; i++)
        print_message("  t=%g value=%g %s\n", e[i]->t, e[i]->value, e[i]->detail);
}

/* Flagger, a candidate failing every check (error rate 1 > max 0.5), threshold 3, interval 1 h: t = 0 starts
 * the analysis at 10 % without checking; checks at 1, 2, 3 fail (failed checks 1, 2, 3; weight held at
 * 10 %); the check at 4 finds failed checks >= threshold and rolls back. So the rollback is at
 * (threshold + 1) intervals, not at threshold intervals as Flagger's docs reckon. */
static void flagger_rolls_back_one_interval_after_threshold(void **state)
{
    (void)state;
    simtest t;
    rs_rep_result res;
    run_one("error_rate = 1", "", "", 1000,
            "gate = 'flagger', steps = { 0.1, 0.2, 0.3 }, bake = 1, threshold = 3,"
            " metrics = { { name = 'error_rate', max = 0.5 } }",
            &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_ROLLED_BACK);
    assert_near(res.rollback_time, 4, 1e-12);
    assert_near(res.p_at_rollback, 0.1, 1e-12); /* the weight was held at the first rung */
    const rs_log_entry *e[16];
    assert_int_equal(gate_events(&t, e, 16), 5);
    for (int i = 1; i <= 3; i++) {
        assert_near(e[i]->value, 1, 0); /* the statistic logged: the failing metric's value */
        char want[64];
        snprintf(want, sizeof want, "failed checks %d/3", i);
        assert_true(strstr(e[i]->detail, want) != NULL);
    }
    assert_true(strstr(e[4]->detail, "failed checks 3 >= threshold 3") != NULL);
    simtest_close(&t);
}

/* The candidate's error rate is 1 on [0, 1), 0 on [1, 2), 1 on [2, 3), ... (scripted events just after each
 * check, 0.0001 h, so each hour's window is all one or all the other up to 0.01 %). Flagger (threshold 3):
 * t=1 fail (1, held at 10 %), t=2 pass (-> 20 %), t=3 fail (2), t=4 pass (-> 30 %), t=5 fail (3), t=6
 * rollback — its counter is cumulative. The threshold gate with consecutive = 3 on the same candidate never
 * sees 3 failures in a row and promotes. */
static const char alternating[] =
    "events = { { at = 1.0001, set = { version = 'cand', key = 'error_rate', value = 0 } },"
    "           { at = 2.0001, set = { version = 'cand', key = 'error_rate', value = 1 } },"
    "           { at = 3.0001, set = { version = 'cand', key = 'error_rate', value = 0 } },"
    "           { at = 4.0001, set = { version = 'cand', key = 'error_rate', value = 1 } },"
    "           { at = 5.0001, set = { version = 'cand', key = 'error_rate', value = 0 } },"
    "           { at = 6.0001, set = { version = 'cand', key = 'error_rate', value = 1 } },"
    "           { at = 7.0001, set = { version = 'cand', key = 'error_rate', value = 0 } } },";

static void flagger_counter_is_cumulative(void **state)
{
    (void)state;
    simtest t;
    rs_rep_result res;
    run_one("error_rate = 1", "", alternating, 1000,
            "gate = 'flagger', steps = { 0.1, 0.2, 0.3, 0.4, 0.5 }, bake = 1, threshold = 3,"
            " metrics = { { name = 'error_rate', max = 0.5 } }",
            &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_ROLLED_BACK);
    assert_near(res.rollback_time, 6, 1e-12);
    assert_near(res.p_at_rollback, 0.3, 1e-12);
    simtest_close(&t);
}

static void threshold_needs_consecutive_failures(void **state)
{
    (void)state;
    simtest t;
    rs_rep_result res;
    /* same alternation: stages 0.1 / 0.3 / 1 of 3 h, a check every hour; never 3 failures in a row */
    run_one("error_rate = 1", "", alternating, 1000,
            "gate = 'threshold', steps = { 0.1, 0.3, 1 }, bake = 3, check_every = 1,"
            " metrics = { { name = 'error_rate', max = 0.5, consecutive = 3 } }",
            &res, &t);
    assert_int_equal(res.outcome, RS_OUTCOME_PROMOTED);
    assert_near(res.time_to_full, 6, 1e-12);
    simtest_close(&t);
    /* a candidate failing every check: rollback at the third check */
    run_one("error_rate = 1", "", "", 1000,
            "gate = 'threshold', steps = { 0.1, 0.3, 1 }, bake = 3, check_every = 1,"
            " metrics = { { name = 'error_rate', max = 0.5, consecutive = 3 } }",
            &res, &t);
    assert_int_equal(res.outcome, RS_OUTCOME_ROLLED_BACK);
    assert_near(res.rollback_time, 3, 1e-12);
    simtest_close(&t);
}

/* No data is a failed check in Flagger: 1 % of 50 users is 0 users, so the candidate gets no request. With
 * threshold 2: t=1, t=2 fail on no data, t=3 rolls back. */
static void flagger_no_data_is_a_failure(void **state)
{
    (void)state;
    simtest t;
    rs_rep_result res;
    run_one("error_rate = 0", "", "", 50,
            "gate = 'flagger', steps = { 0.01, 0.5 }, bake = 1, threshold = 2,"
            " metrics = { { name = 'error_rate', max = 0.5 } }",
            &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_ROLLED_BACK);
    assert_near(res.rollback_time, 3, 1e-12);
    assert_int_equal(res.cand_requests, 0);
    const rs_log_entry *e[8];
    assert_int_equal(gate_events(&t, e, 8), 4);
    assert_true(strstr(e[1]->detail, "no values found for error_rate") != NULL);
    simtest_close(&t);
}

/* A perfect candidate: 10 % at t=0, passes at 1 (-> 20 %), 2 (-> 30 %), and at 3 passes at the max weight
 * (the last step): promoted, everyone on the candidate at t=3. With step_weight 0.2 and max_weight 0.5
 * instead: 20 % at 0, 40 % at 1, 60 % at 2 (Flagger overshoots maxWeight by up to one step), promoted at 3. */
static void flagger_promotes_at_max_weight(void **state)
{
    (void)state;
    simtest t;
    rs_rep_result res;
    run_one("error_rate = 0", "", "", 1000,
            "gate = 'flagger', steps = { 0.1, 0.2, 0.3 }, bake = 1, metrics = { { name = 'error_rate', max = 0.5 } }",
            &res, &t);
    assert_int_equal(res.outcome, RS_OUTCOME_PROMOTED);
    assert_near(res.time_to_full, 3, 1e-12);
    simtest_close(&t);
    run_one("error_rate = 0", "", "", 1000,
            "gate = 'flagger', step_weight = 0.2, max_weight = 0.5, check_every = 2,"
            " metrics = { { name = 'error_rate', max = 0.5 } }",
            &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_PROMOTED);
    assert_near(res.time_to_full, 6, 1e-12); /* check_every 2 h is the interval: promoted at the third check */
    size_t n;
    const double *w;
    const rs_sample *s = rs_sim_samples(t.sim, &n, &w);
    assert_true(n > 5);
    assert_near(s[1].t, 1, 1e-12);
    assert_near(w[1], 0.2, 1e-12);
    assert_near(w[3], 0.4, 1e-12);
    assert_near(w[5], 0.6, 1e-12); /* 60 % > max_weight 50 % */
    simtest_close(&t);
}

/* Argo: failure_limit 2 fails the run on the third failed measurement (3 > 2, strictly), measurements every
 * hour: rollback at t = 3. */
static void argo_failure_limit_is_strict(void **state)
{
    (void)state;
    simtest t;
    rs_rep_result res;
    run_one("error_rate = 1", "", "", 1000,
            "gate = 'argo', steps = { 0.1, 1 }, bake = 10, check_every = 1,"
            " metrics = { { name = 'error_rate', success = '<= 0.5', failure = '> 0.5', failure_limit = 2 } }",
            &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_ROLLED_BACK);
    assert_near(res.rollback_time, 3, 1e-12);
    simtest_close(&t);
}

/* Argo: an error rate of 0.3 meets neither success (<= 0.1) nor failure (> 0.5): the first measurement is
 * Inconclusive, 1 > inconclusive_limit 0, the run is Inconclusive and the rollout pauses — the policy stops
 * with the weight held at 10 %: no rollback, no promotion (outcome incomplete). */
static void argo_inconclusive_pauses(void **state)
{
    (void)state;
    simtest t;
    rs_rep_result res;
    run_one("error_rate = 0.3", "", "", 1000,
            "gate = 'argo', steps = { 0.1, 1 }, bake = 10, check_every = 1,"
            " metrics = { { name = 'error_rate', success = '<= 0.1', failure = '> 0.5' } }",
            &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_INCOMPLETE);
    assert_true(isnan(res.rollback_time));
    size_t n;
    const double *w;
    rs_sim_samples(t.sim, &n, &w);
    assert_near(w[n - 1], 0.1, 1e-12); /* still at 10 % at the horizon */
    simtest_close(&t);
}

/* Argo: consecutive_success_limit 2 ends the run after two successes: stage 1 (10 %, bake 10 h) ends at t = 2
 * and the full stage begins — time to full 2 h, then the second run succeeds at t = 4 and promotes. */
static void argo_consecutive_successes_end_the_stage(void **state)
{
    (void)state;
    simtest t;
    rs_rep_result res;
    run_one("error_rate = 0", "", "", 1000,
            "gate = 'argo', steps = { 0.1, 1 }, bake = 10, check_every = 1, metrics = { { name = 'error_rate',"
            " success = '<= 0.1', failure = '> 0.5', consecutive_success_limit = 2 } }",
            &res, &t);
    assert_int_equal(res.outcome, RS_OUTCOME_PROMOTED);
    assert_near(res.time_to_full, 2, 1e-12);
    assert_int_equal(res.stage_reached, 2);
    simtest_close(&t);
}

/* Kayenta on P99 latency, 10-minute steps, 3 judgments per 6-hour stage (at 2, 4, 6 h). A candidate 10x
 * slower (lognormal, sigma 0.1: no overlap) is High on its only metric at the first judgment: score 0 <=
 * marginal 75, rollback at t = 2. A candidate 2x faster with direction = "increase" is Low, which that
 * direction ignores (Pass): score 100 at each judgment, the stage passes at 6 h and the full stage begins
 * (not judged: with every user on the candidate there is no baseline to compare with). */
static void kayenta_judges_on_schedule(void **state)
{
    (void)state;
    simtest t;
    rs_rep_result res;
    const char *pol = "gate = 'kayenta', steps = { 0.1, 1 }, bake = 6, check_every = '10m', intervals = 3,"
                      " metrics = { { name = 'latency_p99', direction = 'increase' } }";
    run_one("error_rate = 0, latency = { median = 1000, sigma = 0.1 }", ", latency = { median = 100, sigma = 0.1 }",
            "", 1000, pol, &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_ROLLED_BACK);
    assert_near(res.rollback_time, 2, 1e-9);
    const rs_log_entry *e[8];
    assert_int_equal(gate_events(&t, e, 8), 1);
    assert_near(e[0]->value, 0, 0); /* the score */
    simtest_close(&t);
    run_one("error_rate = 0, latency = { median = 50, sigma = 0.1 }", ", latency = { median = 100, sigma = 0.1 }",
            "", 1000, pol, &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_PROMOTED);
    assert_near(res.time_to_full, 6, 1e-9);
    /* 3 judgments in stage 1, all scoring 100; stage 2 serves everyone from the candidate, so there is no
     * baseline to compare with: its 3 judgment times are logged as not judged */
    assert_int_equal(gate_events(&t, e, 8), 6);
    for (int i = 0; i < 3; i++)
        assert_near(e[i]->value, 100, 0);
    for (int i = 3; i < 6; i++)
        assert_true(isnan(e[i]->value) && strstr(e[i]->detail, "not judged"));
    simtest_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flagger_rolls_back_one_interval_after_threshold),
        cmocka_unit_test(flagger_counter_is_cumulative),
        cmocka_unit_test(threshold_needs_consecutive_failures),
        cmocka_unit_test(flagger_no_data_is_a_failure),
        cmocka_unit_test(flagger_promotes_at_max_weight),
        cmocka_unit_test(argo_failure_limit_is_strict),
        cmocka_unit_test(argo_inconclusive_pauses),
        cmocka_unit_test(argo_consecutive_successes_end_the_stage),
        cmocka_unit_test(kayenta_judges_on_schedule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
