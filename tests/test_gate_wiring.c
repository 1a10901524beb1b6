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

/* Flagger (scheduler.go advanceCanary), a candidate failing every check (error rate 1 > max 0.5), threshold
 * 3, interval 1 h: t = 0 detects the revision (weight 0), t = 1 starts the analysis at 10 % without checking;
 * checks at 2, 3, 4 fail (failedChecks 1, 2, 3; weight held at 10 %); the tick at 5 finds failedChecks >=
 * threshold and rolls back. So the rollback is at (threshold + 2) intervals, not at the docs' interval *
 * threshold. */
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
    assert_near(res.rollback_time, 5, 1e-12);
    assert_near(res.p_at_rollback, 0.1, 1e-12); /* the weight was held at the first rung */
    const rs_log_entry *e[16];
    assert_int_equal(gate_events(&t, e, 16), 6);
    assert_true(strstr(e[0]->detail, "new revision detected") != NULL);
    for (int i = 1; i <= 3; i++) {
        assert_near(e[i + 1]->value, 1, 0); /* the statistic logged: the failing metric's value */
        char want[64];
        snprintf(want, sizeof want, "failedChecks %d/3", i);
        assert_true(strstr(e[i + 1]->detail, want) != NULL);
        assert_true(strstr(e[i + 1]->detail, "> thresholdRange.max 0.5") != NULL);
    }
    assert_true(strstr(e[5]->detail, "failedChecks 3 >= threshold 3") != NULL);
    simtest_close(&t);
}

/* The candidate's error rate is 1 on [0, 1), 0 on [1, 2), 1 on [2, 3), ... (scripted events just after each
 * check, 0.0001 h, so each hour's window is all one or all the other up to 0.01 %). Flagger (threshold 3):
 * t=0 detection, t=1 start (10 %, nothing checked), t=2 pass (-> 20 %), t=3 fail (1), t=4 pass (-> 30 %),
 * t=5 fail (2), t=6 pass (-> 40 %), t=7 fail (3), t=8 rollback — its counter is cumulative. The threshold gate with consecutive = 3 on the same candidate never
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
    assert_near(res.rollback_time, 8, 1e-12);
    assert_near(res.p_at_rollback, 0.4, 1e-12);
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
 * threshold 2: t=0 detection, t=1 start, t=2, t=3 fail on no data, t=4 rolls back. */
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
    assert_near(res.rollback_time, 4, 1e-12);
    assert_int_equal(res.cand_requests, 0);
    const rs_log_entry *e[8];
    assert_int_equal(gate_events(&t, e, 8), 5);
    assert_true(strstr(e[2]->detail, "no values found for error_rate") != NULL);
    simtest_close(&t);
}

/* A perfect candidate (scheduler.go, worked by hand): detection at t=0, 10 % at 1, 20 % at 2, 30 % at 3, a
 * pass at the max weight at 4 (Promoting), all traffic to the primary at 5 (Finalising), Succeeded at 6:
 * time to full = interval * (n + 3) with n = 3 rungs, where the docs' interval * (maxWeight / stepWeight)
 * says 3. With step_weight 0.2 and max_weight 0.5, interval 2 h: 20 % at 2, 40 % at 4, 60 % at 6 (Flagger
 * overshoots maxWeight by up to one step), Promoting at 8, Finalising at 10, Succeeded at 12. */
static void flagger_promotes_at_max_weight(void **state)
{
    (void)state;
    simtest t;
    rs_rep_result res;
    run_one("error_rate = 0", "", "", 1000,
            "gate = 'flagger', steps = { 0.1, 0.2, 0.3 }, bake = 1, metrics = { { name = 'error_rate', max = 0.5 } }",
            &res, &t);
    assert_int_equal(res.outcome, RS_OUTCOME_PROMOTED);
    assert_near(res.time_to_full, 6, 1e-12);
    simtest_close(&t);
    run_one("error_rate = 0", "", "", 1000,
            "gate = 'flagger', step_weight = 0.2, max_weight = 0.5, check_every = 2,"
            " metrics = { { name = 'error_rate', max = 0.5 } }",
            &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_PROMOTED);
    assert_near(res.time_to_full, 12, 1e-12); /* check_every 2 h is the interval */
    size_t n;
    const double *w;
    const rs_sample *s = rs_sim_samples(t.sim, &n, &w);
    assert_true(n > 11);
    assert_near(s[1].t, 1, 1e-12);
    assert_near(w[1], 0, 1e-12); /* the detection tick moves nothing */
    assert_near(w[2], 0.2, 1e-12);
    assert_near(w[4], 0.4, 1e-12);
    assert_near(w[6], 0.6, 1e-12);  /* 60 % > max_weight 50 % */
    assert_near(w[11], 0.6, 1e-12); /* Promoting and Finalising: rollsim keeps the canary's weight ... */
    assert_near(w[12], 1, 1e-12);   /* ... until the phase is Succeeded */
    simtest_close(&t);
}

/* Argo: failure_limit 2 fails the run on the third failed measurement (3 > 2, strictly). Inline step after
 * a 1 h pause, measurements every hour from its start: at 1, 2, 3: rollback at t = 3. */
static void argo_failure_limit_is_strict(void **state)
{
    (void)state;
    simtest t;
    rs_rep_result res;
    run_one("error_rate = 1", "", "", 1000,
            "gate = 'argo', steps = { 0.1, 1 }, bake = 1, check_every = 1,"
            " metrics = { { name = 'error_rate', success = '<= 0.5', failure = '> 0.5', failure_limit = 2,"
            " count = 5 } }",
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
            " metrics = { { name = 'error_rate', success = '<= 0.1', failure = '> 0.5', count = 3 } }",
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

/* Argo: consecutive_success_limit 2 ends the run after two successes: stage 1 (10 %, pause 1 h, then
 * measurements at 1 and 2) ends at t = 2 and the full stage begins — time to full 2 h; the second run
 * (pause to 3, measurements at 3, 4) succeeds at t = 4 and the rollout completes. */
static void argo_consecutive_successes_end_the_stage(void **state)
{
    (void)state;
    simtest t;
    rs_rep_result res;
    run_one("error_rate = 0", "", "", 1000,
            "gate = 'argo', steps = { 0.1, 1 }, bake = 1, check_every = 1, metrics = { { name = 'error_rate',"
            " success = '<= 0.1', failure = '> 0.5', consecutive_success_limit = 2, count = 4 } }",
            &res, &t);
    assert_int_equal(res.outcome, RS_OUTCOME_PROMOTED);
    assert_near(res.time_to_full, 2, 1e-12);
    assert_int_equal(res.stage_reached, 2);
    simtest_close(&t);
}

/* Kayenta on P99 latency, 10-minute steps, 3 judgments per 6-hour stage (at 2, 4, 6 h). A candidate 10x
 * slower (lognormal, sigma 0.1: no overlap) is High on its only metric at the first judgment: score 0 <=
 * marginal 50 (orca's default), rollback at t = 2. A candidate 2x faster with direction = "increase" is Low, which that
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

/* Acceptance: Argo's inline analysis step, times worked by hand from rollout/analysis.go (the step blocks
 * until its AnalysisRun completes) and analysis/analysis.go (first measurement at the run's start, then every
 * interval; count measurements; Error retried after DefaultErrorRetryInterval = 10 s). Steps 20 %, 50 %,
 * 100 %; each stage is setWeight, pause 1 h (bake), then the step: interval 30 min, count 3.
 *  - good candidate: run k measures at pause end + 0, 0.5, 1 h -> Successful; each stage lasts 1 + 2 * 0.5 =
 *    2 h: 50 % at 2, 100 % at 4 (time to full 4 h), the last run Successful at 6.
 *  - bad candidate, failureLimit 1: failures at 1 and 1.5 (2 > 1): aborted at 1.5 = pause + failureLimit *
 *    interval.
 *  - a candidate without traffic (1 % of 50 users = 0) and no_data = "empty" (an empty vector: Error):
 *    errors at 1 h + 0, 10, 20, 30, 40 s; the fifth (5 > consecutiveErrorLimit 4) aborts at 1 h 40 s.
 *    With no_data = "nan" (a ratio's 0/0) the successCondition is not met: Failed at 1 h (failureLimit 0). */
static void argo_inline_times(void **state)
{
    (void)state;
    simtest t;
    rs_rep_result res;
    const char *pol = "gate = 'argo', steps = { 0.2, 0.5, 1 }, bake = 1, metrics = { { name = 'error_rate',"
                      " success = '<= 0.5', interval = '30m', count = 3, failure_limit = 1 } }";
    run_one("error_rate = 0", "", "", 1000, pol, &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_PROMOTED);
    assert_near(res.time_to_full, 4, 1e-9);
    const rs_log_entry *e[16];
    size_t n = gate_events(&t, e, 16);
    assert_true(n >= 9);
    assert_near(e[8]->t, 6, 1e-9); /* the third run completes at 6 h */
    assert_true(strstr(e[2]->detail, "count 3 reached; run Successful") != NULL);
    simtest_close(&t);
    run_one("error_rate = 1", "", "", 1000, pol, &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_ROLLED_BACK);
    assert_near(res.rollback_time, 1.5, 1e-9);
    assert_near(res.p_at_rollback, 0.2, 1e-12);
    n = gate_events(&t, e, 16);
    assert_true(strstr(e[n - 1]->detail, "failed 2 > failureLimit 1") != NULL);
    simtest_close(&t);
    run_one("error_rate = 0", "", "", 50,
            "gate = 'argo', steps = { 0.01, 1 }, bake = 1, no_data = 'empty', metrics = { { name = 'error_rate',"
            " success = '<= 0.5' } }",
            &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_ROLLED_BACK);
    assert_near(res.rollback_time, 1 + 40.0 / 3600, 1e-9);
    n = gate_events(&t, e, 16);
    assert_int_equal(n, 5);
    assert_true(strstr(e[4]->detail, "consecutiveErrors 5 > consecutiveErrorLimit 4") != NULL);
    simtest_close(&t);
    run_one("error_rate = 0", "", "", 50,
            "gate = 'argo', steps = { 0.01, 1 }, bake = 1, metrics = { { name = 'error_rate', success = '<= 0.5' } }",
            &res, &t);
    assert_int_equal(res.outcome, RS_OUTCOME_ROLLED_BACK);
    assert_near(res.rollback_time, 1, 1e-9);
    simtest_close(&t);
}

/* Acceptance: Argo's background analysis (rollout/analysis.go reconcileBackgroundAnalysisRun): one run from
 * startingStep across all later steps, its counters never reset. Steps 20 %, 50 %, 100 % of 2 h each;
 * initialDelay 1 h, interval 1 h, no count (runs until the rollout completes), failureLimit 1.
 *  - good candidate: the stages run their bake: 100 % at 4 h (time to full), promoted at 6 h.
 *  - error rate 1 on [0, 1) and [2, 3), 0 otherwise: measurements at 1 (window (0, 1]: Failed, 1), 2
 *    (Successful), 3 (Failed, 2 > 1): aborted at 3 h in stage 2 — a per-stage run would have reset its
 *    counter at 2 h and let it through.
 *  - starting_step = 2: no run in stage 1 (the error rate 1 there is never measured); it starts at 2 h and
 *    measures at 3 h (Failed, 1), 4 h (Successful), 5 h (Successful): promoted at 6 h. */
static void argo_background_times(void **state)
{
    (void)state;
    simtest t;
    rs_rep_result res;
    const char *pol = "gate = 'argo', analysis = 'background', steps = { 0.2, 0.5, 1 }, bake = 2,"
                      " metrics = { { name = 'error_rate', success = '<= 0.5', interval = 1, initial_delay = 1,"
                      " failure_limit = 1 } }";
    run_one("error_rate = 0", "", "", 1000, pol, &res, &t);
    assert_int_equal(res.outcome, RS_OUTCOME_PROMOTED);
    assert_near(res.time_to_full, 4, 1e-9);
    simtest_close(&t);
    static const char twice[] =
        "events = { { at = 1.0001, set = { version = 'cand', key = 'error_rate', value = 0 } },"
        "           { at = 2.0001, set = { version = 'cand', key = 'error_rate', value = 1 } },"
        "           { at = 3.0001, set = { version = 'cand', key = 'error_rate', value = 0 } } },";
    run_one("error_rate = 1", "", twice, 1000, pol, &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_ROLLED_BACK);
    assert_near(res.rollback_time, 3, 1e-9);
    assert_near(res.p_at_rollback, 0.5, 1e-12);
    const rs_log_entry *e[16];
    size_t n = gate_events(&t, e, 16);
    assert_true(strstr(e[n - 1]->detail, "failed 2 > failureLimit 1") != NULL);
    simtest_close(&t);
    char pol2[512];
    snprintf(pol2, sizeof pol2, "%s, starting_step = 2", pol);
    run_one("error_rate = 1", "", twice, 1000, pol2, &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_PROMOTED);
    assert_near(res.time_to_full, 4, 1e-9);
    simtest_close(&t);
}

/* Acceptance: a Flagger canary with stepWeightPromotion and a canary that takes 1.5 h to be ready, interval
 * 1 h, stepWeight 50 (scheduler.go, worked by hand; TestScheduler_DeploymentAnalysisPhases has the same
 * phase sequence): detection at 0; at 1 the canary is not ready (1 < 1.5); at 2 the analysis starts (50 %);
 * 100 % at 3; the pass at maxWeight 100 at 4 (Promoting); the primary gains 25 a tick: 25 at 5, 50 at 6, 75
 * at 7, 100 at 8 (Finalising); Succeeded at 9. Everyone is on the new version from 3 on (the canary has 100 %,
 * then the primary runs the canary's spec): time to full 3, the rollout complete at 9. A failing canary
 * (threshold 2): start at 2, failures at 3 and 4, rolled back at 5. */
static void flagger_canary_times(void **state)
{
    (void)state;
    simtest t;
    rs_rep_result res;
    const char *pol = "gate = 'flagger', step_weight = 0.5, step_weight_promotion = 0.25, canary_ready = 1.5,"
                      " check_every = 1, threshold = 2, metrics = { { name = 'error_rate', max = 0.5 } }";
    run_one("error_rate = 0", "", "", 1000, pol, &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_PROMOTED);
    assert_near(res.time_to_full, 3, 1e-9);
    const rs_log_entry *e[16];
    assert_int_equal(gate_events(&t, e, 16), 10);
    assert_near(e[9]->t, 9, 1e-9);
    assert_true(strstr(e[9]->detail, "phase Succeeded") != NULL);
    assert_true(strstr(e[1]->detail, "waiting for canary to be ready") != NULL);
    assert_true(strstr(e[5]->detail, "primary weight 25") != NULL);
    simtest_close(&t);
    run_one("error_rate = 1", "", "", 1000, pol, &res, &t);
    assert_int_equal(res.outcome, RS_OUTCOME_ROLLED_BACK);
    assert_near(res.rollback_time, 5, 1e-9);
    simtest_close(&t);
}

/* Argo's rollout controller tests on the analysis lifetimes (rollout/analysis_test.go), each played through the
 * simulator; times worked by hand from rollout/analysis.go and analysis/analysis.go (first measurement at the
 * run's start, then every interval; Error retried after 10 s):
 *  - TestDoNothingWhileStepBasedAnalysisRunRunning, TestIncrementStepAfterSuccessfulAnalysisRun: steps 20 %,
 *    100 %, pause 1 h, an inline run measuring at 1, 1.5, 2 h (count 3): the step holds while the run is
 *    Running (1 and 1.5 h) and the next step starts when it is Successful, at 2 h (time to full 2 h).
 *  - TestPausedOnInconclusiveBackgroundAnalysisRun: a background run whose first measurement (initialDelay
 *    1 h: at 1 h) is Inconclusive pauses the rollout: the weight stays at 10 %, outcome incomplete. (Without
 *    the delay the measurement at 0 finds no traffic yet: NaN, which meets neither condition — Inconclusive
 *    too, and with only a successCondition Failed: why Argo users set initialDelay.)
 *  - TestErrorConditionAfterErrorAnalysisRunBackground: a background run on a metric without data
 *    (no_data = "empty": Error) errs at 0, 10, 20, 30, 40 s; the fifth in a row aborts the rollout at 40 s.
 *  - TestCancelBackgroundAnalysisRunWhenRolloutIsCompleted, TestCreateBackgroundAnalysisRun: a background run
 *    (no count: it runs until terminated) starts with the rollout (initialDelay 1 h) and is terminated when
 *    the rollout completes (steps 20 %, 50 %, 100 % of 2 h: at 6 h): measurements at 1, 2, ..., 6 h (the one
 *    due at the completion instant is taken) and none after; the run never holds the rollout.
 * (TestPausedStepAfterInconclusiveAnalysisRun and TestErrorConditionAfterErrorAnalysisRunStep, the inline
 * counterparts, are argo_inconclusive_pauses and the no_data = "empty" case of argo_inline_times.) */
static void argo_rollout_analysis_lifetimes(void **state)
{
    (void)state;
    simtest t;
    rs_rep_result res;
    const rs_log_entry *e[32];
    run_one("error_rate = 0", "", "", 1000,
            "gate = 'argo', steps = { 0.2, 1 }, bake = 1, metrics = { { name = 'error_rate', success = '<= 0.5',"
            " interval = '30m', count = 3 } }",
            &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_PROMOTED);
    assert_near(res.time_to_full, 2, 1e-9);
    size_t n = gate_events(&t, e, 32);
    assert_true(n >= 3);
    for (int i = 0; i < 2; i++) {
        assert_near(e[i]->t, 1 + 0.5 * i, 1e-9);
        assert_true(strstr(e[i]->detail, "run Running") != NULL);
    }
    assert_near(e[2]->t, 2, 1e-9);
    assert_true(strstr(e[2]->detail, "run Successful") != NULL);
    simtest_close(&t);

    run_one("error_rate = 0.3", "", "", 1000,
            "gate = 'argo', analysis = 'background', steps = { 0.1, 0.2, 1 }, bake = 2, metrics = {"
            " { name = 'error_rate', success = '<= 0.1', failure = '> 0.5', interval = 1, initial_delay = 1 } }",
            &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_INCOMPLETE);
    size_t ns;
    const double *w;
    rs_sim_samples(t.sim, &ns, &w);
    assert_near(w[ns - 1], 0.1, 1e-12);
    n = gate_events(&t, e, 32);
    assert_int_equal(n, 1);
    assert_near(e[0]->t, 1, 1e-9);
    assert_true(strstr(e[0]->detail, "run Inconclusive") != NULL);
    simtest_close(&t);

    run_one("error_rate = 0", "", "", 50,
            "gate = 'argo', analysis = 'background', no_data = 'empty', steps = { 0.01, 1 }, bake = 2, metrics = {"
            " { name = 'error_rate', success = '<= 0.5', interval = 1 } }",
            &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_ROLLED_BACK);
    assert_near(res.rollback_time, 40.0 / 3600, 1e-8); /* the first measurement is scheduled 2e-9 h after 0 */
    simtest_close(&t);

    run_one("error_rate = 0", "", "", 1000,
            "gate = 'argo', analysis = 'background', steps = { 0.2, 0.5, 1 }, bake = 2, metrics = {"
            " { name = 'error_rate', success = '<= 0.5', interval = 1, initial_delay = 1 } }",
            &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_PROMOTED);
    assert_near(res.time_to_full, 4, 1e-9);
    n = gate_events(&t, e, 32);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++)
        assert_near(e[i]->t, (double)(i + 1), 1e-9);
    simtest_close(&t);
}

/* Acceptance: the Spinnaker canary stage's window keys, times worked by hand from orca-kayenta's
 * RunCanaryIntervalsStage.kt: a "Warmup Wait" of beginCanaryAnalysisAfter, then per interval i an "Interval
 * Wait" and a judgment whose canary scope is [start + warm-up, start + warm-up + i * interval] (growing), or
 * [end - lookback, end] when lookbackMins is set, and whose control (baseline) scope is the same shifted back
 * by baselineAnalysisOffset. rollsim's `bake` is the whole stage (warm-up + lifetime). The error rates here
 * are exactly 0 or 1 per 10-minute step (scripted events), so each judgment's class is certain: identical
 * series Pass; a constant canary above a constant baseline High (below: Low) — score 0 <= marginal 50 (orca's
 * default) rolls back at once. Steps 10 % then 100 %, bake 6 h, check_every 10 min. */
static const char kayenta_pol[] = "gate = 'kayenta', steps = { 0.1, 1 }, bake = 6, check_every = '10m',"
                                  " metrics = { { name = 'error_rate' } }";

/* begin_after (beginCanaryAnalysisAfterMins) 3 h, intervals 3: judgments at 3 + 1, 3 + 2, 3 + 3 h over (3, 4],
 * (3, 5], (3, 6]. A candidate failing only during the warm-up (error rate 1 on [0, 3)) is never seen: three
 * scores of 100, the stage passes at 6 h. Without the warm-up the judgments fall at 2, 4, 6 on (0, 2], ...: the
 * first sees the failures, rollback at 2 h. A candidate failing throughout, with the warm-up: rollback at the
 * first judgment, 4 h (= warm-up + lifetime / intervals). */
static void kayenta_begin_after(void **state)
{
    (void)state;
    simtest t;
    rs_rep_result res;
    char pol[512];
    static const char warmup_only[] =
        "events = { { at = 2.9999, set = { version = 'cand', key = 'error_rate', value = 0 } } },";
    snprintf(pol, sizeof pol, "%s, intervals = 3, begin_after = 3", kayenta_pol);
    run_one("error_rate = 1", "", warmup_only, 1000, pol, &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_PROMOTED);
    assert_near(res.time_to_full, 6, 1e-9);
    const rs_log_entry *e[8];
    assert_true(gate_events(&t, e, 8) >= 3);
    for (int i = 0; i < 3; i++) {
        assert_near(e[i]->t, 4 + i, 1e-9);
        assert_near(e[i]->value, 100, 0);
    }
    simtest_close(&t);
    snprintf(pol, sizeof pol, "%s, intervals = 3", kayenta_pol);
    run_one("error_rate = 1", "", warmup_only, 1000, pol, &res, &t);
    assert_int_equal(res.outcome, RS_OUTCOME_ROLLED_BACK);
    assert_near(res.rollback_time, 2, 1e-9);
    simtest_close(&t);
    snprintf(pol, sizeof pol, "%s, intervals = 3, begin_after = 3", kayenta_pol);
    run_one("error_rate = 1", "", "", 1000, pol, &res, &t);
    assert_int_equal(res.outcome, RS_OUTCOME_ROLLED_BACK);
    assert_near(res.rollback_time, 4, 1e-9);
    simtest_close(&t);
}

/* lookback (lookbackMins): one judgment at 6 h; the candidate fails only in the last half hour (error rate 1
 * from 5.5 h). The growing window (0, 6] holds 33 steps at 0 and 3 at 1 against 36 baseline zeros: at mu = 0
 * the tie-corrected score is (54 - 0.5) / sqrt(945) = 1.74 < qnorm(0.99) = 2.33, so the interval's lower end
 * is muMin = 0, not above 0.25 |estimate| (estimate within the solver's 1e-4 of 0): Pass, score 100, promoted
 * at 6 h. A 30-minute lookback judges (5.5, 6]: 3 steps at 1 against 3 at 0, High: rollback at 6 h. */
static void kayenta_lookback(void **state)
{
    (void)state;
    simtest t;
    rs_rep_result res;
    char pol[512];
    static const char late[] =
        "events = { { at = 5.4999, set = { version = 'cand', key = 'error_rate', value = 1 } } },";
    run_one("error_rate = 0", "", late, 1000, kayenta_pol, &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_PROMOTED);
    assert_near(res.time_to_full, 6, 1e-9);
    const rs_log_entry *e[8];
    assert_true(gate_events(&t, e, 8) >= 1);
    assert_near(e[0]->value, 100, 0);
    simtest_close(&t);
    snprintf(pol, sizeof pol, "%s, lookback = '30m'", kayenta_pol);
    run_one("error_rate = 0", "", late, 1000, pol, &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_ROLLED_BACK);
    assert_near(res.rollback_time, 6, 1e-9);
    assert_int_equal(gate_events(&t, e, 8), 1);
    assert_near(e[0]->value, 0, 0);
    assert_true(strstr(e[0]->detail, "error_rate High") != NULL);
    simtest_close(&t);
}

/* baseline_offset (baselineAnalysisOffsetInMins): one judgment at 6 h with a 1 h lookback; the baseline fails
 * (error rate 1) on [0, 2), the candidate never. Offset 0: both scopes (5, 6], all zeros, identical: Pass,
 * promoted at 6 h. Offset 4.5 h: the control scope is (0.5, 1.5], all ones, against the canary's zeros: Low
 * (direction either counts it), score 0, rollback at 6 h. */
static void kayenta_baseline_offset(void **state)
{
    (void)state;
    simtest t;
    rs_rep_result res;
    char pol[512];
    static const char base_burst[] =
        "events = { { at = 0.0001, set = { version = 'base', key = 'error_rate', value = 1 } },"
        "           { at = 1.9999, set = { version = 'base', key = 'error_rate', value = 0 } } },";
    snprintf(pol, sizeof pol, "%s, lookback = 1", kayenta_pol);
    run_one("error_rate = 0", "", base_burst, 1000, pol, &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_PROMOTED);
    assert_near(res.time_to_full, 6, 1e-9);
    simtest_close(&t);
    snprintf(pol, sizeof pol, "%s, lookback = 1, baseline_offset = 4.5", kayenta_pol);
    run_one("error_rate = 0", "", base_burst, 1000, pol, &res, &t);
    print_gates(&t);
    assert_int_equal(res.outcome, RS_OUTCOME_ROLLED_BACK);
    assert_near(res.rollback_time, 6, 1e-9);
    const rs_log_entry *e[8];
    assert_int_equal(gate_events(&t, e, 8), 1);
    assert_true(strstr(e[0]->detail, "error_rate Low") != NULL);
    simtest_close(&t);
}

/* Issue 16: a gate judged on labels says on how many labels each arm stood. Every request is labelled at once
 * (fraction 1, no delay) and traffic stops at 5.5 h, so a check at the stage's end (6 h) that sees the whole
 * stage stands on every label the replication has: the counts in its line are the run's label totals. The
 * threshold gate checks once, at the stage's end; kayenta judges once (intervals = 1) on the stage's hourly
 * series. */
static void gate_lines_count_labels(void **state)
{
    (void)state;
    static const char *const gates[] = {
        "gate = 'threshold', metrics = { { name = 'recall', min = 0.5 } }",
        "gate = 'kayenta', check_every = '1h', intervals = 1, metrics = { { name = 'recall' } }",
    };
    for (size_t k = 0; k < 2; k++) {
        char text[2048];
        snprintf(text, sizeof text,
                 "return { name = 'label counts', seed = 3, horizon = 7, sample_every = 1, prevalence = 0.3,\n"
                 "  labels = { fraction = 1, delay = 0 },\n"
                 "  population = { { name = 'all', users = 200, rate = 1 } },\n"
                 "  versions = { { name = 'base', baseline = true, error_rate = 0, recall = 0.9, specificity = 0.95 },\n"
                 "               { name = 'cand', error_rate = 0, recall = 0.9, specificity = 0.95 } },\n"
                 "  events = { { at = 5.5, set = { segment = 'all', key = 'rate', value = 0 } } },\n"
                 "  policy = { name = 'fixed_stages', steps = { 0.5 }, bake = 6, %s } }\n",
                 gates[k]);
        simtest t;
        rs_rep_result res;
        simtest_open(&t, text, NULL, 0);
        simtest_run(&t, 0, &res);
        print_gates(&t);
        const rs_confusion *q = rs_sim_labels(t.sim, NULL);
        unsigned long long n[2];
        for (int v = 0; v < 2; v++)
            n[v] = q[v].tp + q[v].fp + q[v].fn + q[v].tn;
        char want[96];
        snprintf(want, sizeof want, "[labels cand %llu base %llu]", n[1], n[0]);
        const rs_log_entry *e[16];
        size_t ne = gate_events(&t, e, 16), found = 0;
        for (size_t i = 0; i < ne; i++)
            found += fabs(e[i]->t - 6) < 1e-9 && strstr(e[i]->detail, want) != NULL;
        if (found != 1)
            fail_msg("%s: no gate line at 6 h ends with %s", gates[k], want);
        assert_true(n[0] > 300 && n[1] > 300); /* about 550 requests an arm */
        simtest_close(&t);
    }
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
        cmocka_unit_test(argo_inline_times),
        cmocka_unit_test(argo_background_times),
        cmocka_unit_test(flagger_canary_times),
        cmocka_unit_test(argo_rollout_analysis_lifetimes),
        cmocka_unit_test(kayenta_begin_after),
        cmocka_unit_test(kayenta_lookback),
        cmocka_unit_test(kayenta_baseline_offset),
        cmocka_unit_test(gate_lines_count_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
