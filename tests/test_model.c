/* The time-varying parts of the model (SPEC §5, issue 5) against closed forms: the daily cycle, per-segment
 * effects, release times, and scripted changes of rates (events), including excess harm across a change of
 * the baseline's error rate. Tolerances are 4 Monte Carlo standard errors, derived in each test. */
#include "simtest.h"

#include <stdio.h>

/* Requests of one segment over [0, T] with a daily cycle: the integral of users * rate * (1 + a cos(2 pi
 * (t - peak) / 24)) dt, a Poisson mean. */
static double daily_mean(double users, double rate, double a, double peak, double T)
{
    const double w = 2 * M_PI / 24;
    return users * rate * (T + a / w * (sin(w * (T - peak)) - sin(w * (0 - peak))));
}

static void daily_cycle_thinning(void **state)
{
    (void)state;
    /* Over [0, 6) h with the peak at 3 h and amplitude 0.8 the mean is far from the flat users x rate x 6,
     * so a wrong cycle (or none) is caught: 1000 x 1 x (6 + 0.8 x 24/2pi x 2 sin(pi/4)) = 10321.5 against
     * 6000 flat. Over R replications the mean request count has SE sqrt(mu / R). The samples at each hour
     * also check the shape: requests are counted per replication from the cells at the horizon only, so the
     * shape is checked through two horizons. */
    static const char text[] =
        "return { name = 'daily', seed = 3, horizon = 6, sample_every = 1,\n"
        "  population = { { name = 'u', users = 1000, rate = 1, daily = { amplitude = 0.8, peak = 3 } } },\n"
        "  versions = { { name = 'b', baseline = true, error_rate = 0.01 }, { name = 'c', error_rate = 0.01 } },\n"
        "  policy = { name = 'fixed_stages', gate = 'none', steps = { 0.5 }, bake = 100 } }\n";
    const char *horizons[] = {"horizon=6", "horizon=3"};
    for (int h = 0; h < 2; h++) {
        simtest t;
        simtest_open(&t, text, &horizons[h], 1);
        double T = h == 0 ? 6 : 3, mu = daily_mean(1000, 1, 0.8, 3, T), sum = 0;
        const int R = 400;
        for (int r = 0; r < R; r++) {
            rs_rep_result res;
            simtest_run(&t, (uint32_t)r, &res);
            sum += (double)res.requests;
        }
        print_message("daily cycle over [0, %g): %.1f requests on average, closed form %.1f\n", T, sum / R, mu);
        assert_near(sum / R, mu, 4 * sqrt(mu / R));
        simtest_close(&t);
    }
}

static void effects_per_segment(void **state)
{
    (void)state;
    /* The candidate is 3x worse in segment 'b' only. With both versions at 1 % and weight 1, the candidate's
     * error rate is 0.01 in 'a' and 0.03 in 'b': over R replications the error counts are Poisson-thinned
     * binomials with means p x requests; SE of the pooled rate is sqrt(p (1 - p) / n). */
    static const char text[] =
        "return { name = 'effects', seed = 4, horizon = 10, sample_every = 1,\n"
        "  population = { { name = 'a', users = 500, rate = 1 },\n"
        "                 { name = 'b', users = 500, rate = 1, effects = { c = { error_rate = 3 } } } },\n"
        "  versions = { { name = 'base', baseline = true, error_rate = 0.01 }, { name = 'c', error_rate = 0.01 } },\n"
        "  policy = { name = 'fixed_stages', gate = 'none', steps = { 1 }, bake = 100 } }\n";
    simtest t;
    simtest_open(&t, text, NULL, 0);
    double req[2] = {0}, err[2] = {0};
    for (int r = 0; r < 100; r++) {
        rs_rep_result res;
        simtest_run(&t, (uint32_t)r, &res);
        const rs_counts *cells = rs_sim_cells(t.sim, NULL, NULL);
        for (int s = 0; s < 2; s++) { /* version c is index 1: cells 2, 3 */
            req[s] += (double)cells[1 * 2 + s].requests;
            err[s] += (double)cells[1 * 2 + s].errors;
        }
    }
    for (int s = 0; s < 2; s++) {
        double p = s == 0 ? 0.01 : 0.03;
        print_message("segment %c: candidate error rate %.5f, expected %.2f\n", 'a' + s, err[s] / req[s], p);
        assert_near(err[s] / req[s], p, 4 * sqrt(p * (1 - p) / req[s]));
    }
    simtest_close(&t);
}

static void release_at_holds_traffic(void **state)
{
    (void)state;
    /* The policy asks for the candidate at weight 1 from t = 0, but it is released at t = 5: no user is on
     * it before (N = 0 in every sample before 5 h), everyone from 5 h (the sample at 5 shows the state after
     * the release), time to full 5 h, and no candidate request before 5 h. */
    static const char text[] =
        "return { name = 'release', seed = 5, horizon = 10, sample_every = 1,\n"
        "  population = { { name = 'u', users = 300, rate = 2 } },\n"
        "  versions = { { name = 'b', baseline = true, error_rate = 0.01 },\n"
        "               { name = 'c', error_rate = 0.01, release_at = hours(5) } },\n"
        "  policy = { name = 'fixed_stages', gate = 'none', steps = { 1 }, bake = 100 } }\n";
    simtest t;
    simtest_open(&t, text, NULL, 0);
    rs_rep_result res;
    simtest_run(&t, 0, &res);
    size_t n;
    const rs_sample *smp = rs_sim_samples(t.sim, &n, NULL);
    assert_int_equal(n, 11);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(smp[i].n, smp[i].t < 5 ? 0 : 300);
    assert_near(res.time_to_full, 5, 0);
    assert_int_equal(res.outcome, RS_OUTCOME_PROMOTED);
    /* candidate requests happen only in [5, 10): Poisson(300 x 2 x 5 = 3000); 4 SE = 219 */
    assert_near((double)res.cand_requests, 3000, 4 * sqrt(3000.0));
    simtest_close(&t);
}

static void scripted_changes(void **state)
{
    (void)state;
    /* At t = 4 an incident sets the candidate's error rate to 0.2 and the baseline's to 0.02; at t = 6 a
     * traffic surge sets the segment's rate to 3. The candidate holds half of 1000 users throughout.
     * Expected over [0, 10): requests 1000 x (6 x 1 + 4 x 3) = 18000; candidate requests half of that;
     * harm = 0.01 x 500 x 4 + 0.2 x (500 x 2 + 500 x 3 x 4) = 20 + 1400 = 1420; the baseline's expected
     * errors on the candidate's requests 0.01 x 2000 + 0.02 x 7000 = 160, so excess harm 1260.
     * SEs over R replications: requests sqrt(18000 / R); harm, a Poisson sum, sqrt(1420 / R); excess
     * harm = harm - (0.01 n1 + 0.02 n2) with n1, n2 Poisson: variance 1420 + 0.01^2 2000 + ... ~ 1420 + 3. */
    static const char text[] =
        "return { name = 'incident', seed = 6, horizon = 10, sample_every = 1,\n"
        "  population = { { name = 'u', users = 1000, rate = 1 } },\n"
        "  versions = { { name = 'b', baseline = true, error_rate = 0.01 }, { name = 'c', error_rate = 0.01 } },\n"
        "  events = { { at = 6, set = { segment = 'u', key = 'rate', value = 3 } },\n"
        "             { at = 4, set = { version = 'c', key = 'error_rate', value = 0.2 } },\n"
        "             { at = 4, set = { version = 'b', key = 'error_rate', value = 0.02 } } },\n"
        "  policy = { name = 'fixed_stages', gate = 'none', steps = { 0.5 }, bake = 100 } }\n";
    simtest t;
    simtest_open(&t, text, NULL, 0);
    const int R = 200;
    double req = 0, harm = 0, excess = 0;
    for (int r = 0; r < R; r++) {
        rs_rep_result res;
        simtest_run(&t, (uint32_t)r, &res);
        req += (double)res.requests, harm += (double)res.harm, excess += res.excess_harm;
    }
    print_message("requests %.1f (18000), harm %.2f (1420), excess harm %.2f (1260)\n", req / R, harm / R,
                  excess / R);
    assert_near(req / R, 18000, 4 * sqrt(18000.0 / R));
    assert_near(harm / R, 1420, 4 * sqrt(1420.0 / R));
    assert_near(excess / R, 1260, 4 * sqrt(1425.0 / R));
    /* events.csv lines: the three changes in time order (the two at t = 4 in the order written) */
    const rs_run_log *log = rs_sim_log(t.sim);
    const char *seen[3];
    size_t k = 0;
    for (size_t i = 0; i < log->len && k < 3; i++)
        if (!strcmp(log->entries[i].kind, "event"))
            seen[k++] = log->entries[i].detail;
    assert_int_equal(k, 3);
    assert_string_equal(seen[0], "c.error_rate = 0.2");
    assert_string_equal(seen[1], "b.error_rate = 0.02");
    assert_string_equal(seen[2], "u.rate = 3");
    simtest_close(&t);
}

static void drift_events_from_a_function(void **state)
{
    (void)state;
    /* every = 2 from t = 1 to 9 gives changes at 1, 3, 5, 7, 9, each with value(t) computed at load; a fixed
     * event at t = 3 written after them keeps its place after the drift step at the same time. */
    static const char text[] =
        "return { name = 'drift', horizon = 10,\n"
        "  population = { { name = 'u', users = 10, rate = 1 } },\n"
        "  versions = { { name = 'b', baseline = true, error_rate = 0.01 }, { name = 'c', error_rate = 0.01 } },\n"
        "  events = { { at = 1, every = 2, to = 9,\n"
        "               set = { version = 'c', key = 'error_rate', value = function(t) return t / 100 end } },\n"
        "             { at = 3, set = { segment = 'u', key = 'rate', value = 5 } } },\n"
        "  policy = { name = 'fixed_stages', gate = 'none', steps = { 1 }, bake = 100 } }\n";
    rs_scenario sc;
    rs_error err = {0};
    if (rs_scenario_load_string(text, strlen(text), "drift.lua", NULL, 0, &sc, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(sc.n_events, 6);
    static const double at[] = {1, 3, 3, 5, 7, 9};
    for (size_t i = 0; i < 6; i++) {
        assert_near(sc.events[i].at, at[i], 0);
        if (i == 2) {
            assert_int_equal(sc.events[i].key, RS_KEY_RATE);
            assert_near(sc.events[i].value, 5, 0);
        } else {
            assert_int_equal(sc.events[i].key, RS_KEY_ERROR_RATE);
            assert_near(sc.events[i].value, at[i] / 100, 1e-15);
        }
    }
    rs_scenario_free(&sc);
}

static void run_events_equal_set_events(void **state)
{
    (void)state;
    /* The incident of scripted_changes written as run = function(sim) events must give exactly the same
     * replications as the declarative `set` events: same changes at the same times, same random streams. */
    static const char with_set[] =
        "return { name = 'incident', seed = 6, horizon = 10, sample_every = 1,\n"
        "  population = { { name = 'u', users = 1000, rate = 1 } },\n"
        "  versions = { { name = 'b', baseline = true, error_rate = 0.01 }, { name = 'c', error_rate = 0.01 } },\n"
        "  events = { { at = 4, set = { version = 'c', key = 'error_rate', value = 0.2 } },\n"
        "             { at = 4, set = { version = 'b', key = 'error_rate', value = 0.02 } },\n"
        "             { at = 6, set = { segment = 'u', key = 'rate', value = 3 } } },\n"
        "  policy = { name = 'fixed_stages', gate = 'none', steps = { 0.5 }, bake = 100 } }\n";
    static const char with_run[] =
        "return { name = 'incident', seed = 6, horizon = 10, sample_every = 1,\n"
        "  population = { { name = 'u', users = 1000, rate = 1 } },\n"
        "  versions = { { name = 'b', baseline = true, error_rate = 0.01 }, { name = 'c', error_rate = 0.01 } },\n"
        "  events = { { at = 4, run = function(sim)\n"
        "                 sim.set{ version = 'c', key = 'error_rate', value = 0.2 }\n"
        "                 sim.set{ version = 'b', key = 'error_rate', value = 0.02 }\n"
        "                 sim.log('incident at ' .. sim.t) end },\n"
        "             { at = 6, run = function(sim) sim.set{ segment = 'u', key = 'rate', value = 3 } end } },\n"
        "  policy = { name = 'fixed_stages', gate = 'none', steps = { 0.5 }, bake = 100 } }\n";
    simtest a, b;
    simtest_open(&a, with_set, NULL, 0);
    simtest_open(&b, with_run, NULL, 0);
    for (uint32_t r = 0; r < 5; r++) {
        rs_rep_result x, y;
        simtest_run(&a, r, &x);
        simtest_run(&b, r, &y);
        assert_int_equal(x.requests, y.requests);
        assert_int_equal(x.harm, y.harm);
        assert_int_equal(x.harmed_users, y.harmed_users);
        assert_near(x.excess_harm, y.excess_harm, 1e-9);
    }
    const rs_run_log *log = rs_sim_log(b.sim);
    int logged = 0;
    for (size_t i = 0; i < log->len; i++)
        logged |= !strcmp(log->entries[i].kind, "log") && !strcmp(log->entries[i].detail, "incident at 4.0");
    assert_true(logged);
    simtest_close(&a);
    simtest_close(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(daily_cycle_thinning),
        cmocka_unit_test(effects_per_segment),
        cmocka_unit_test(release_at_holds_traffic),
        cmocka_unit_test(scripted_changes),
        cmocka_unit_test(drift_events_from_a_function),
        cmocka_unit_test(run_events_equal_set_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
