/* The planner as a user drives it (issue 10): sweep and optimize give byte-identical files whatever --jobs; a
 * sweep point is exactly the run of the scenario with that point's keys set (common random numbers: the same
 * seed for every point); best.lua reproduces best.json's figures; a problem with no feasible point is a result
 * with "feasible": false; an interrupted sweep keeps its finished points. */
#include "check.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"
#include "sweep.h"
#include "tune.h"

/* A small scenario: 2000 users, a candidate that is bad in a third of the replications, a two-stage ladder. */
static const char scenario_text[] =
    "return {\n"
    "  name = \"planner test\", seed = 11, replications = 40, horizon = 48, sample_every = 4,\n"
    "  population = { { name = \"all\", users = 2000, rate = 0.5 } },\n"
    "  versions = {\n"
    "    { name = \"old\", baseline = true, error_rate = 0.01 },\n"
    "    { name = \"new\", error_rate = choice{ {0.67, 0.01}, {0.33, 0.02} } },\n"
    "  },\n"
    "  policy = { name = \"fixed_stages\", steps = { 0.1, 1 }, bake = 8, gate = \"ztest\", alpha = 0.05 },\n"
    "}\n";

static char scenario_path[4096];
static char tmpdir[4096];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "%s/rs_planner_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(scenario_path, sizeof scenario_path, "%s/scenario.lua", tmpdir);
    FILE *f = fopen(scenario_path, "w");
    if (!f)
        return -1;
    fputs(scenario_text, f);
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void same_file(const char *a, const char *b, const char *name)
{
    size_t la, lb;
    char *x = slurp(a, name, &la), *y = slurp(b, name, &lb);
    if (la != lb || memcmp(x, y, la))
        fail_msg("%s differs between %s and %s", name, a, b);
    free(x);
    free(y);
}

static const char *out(const char *name)
{
    static char buf[4][4096];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static rs_status sweep(const char *dir, unsigned jobs, const char *const *grids, size_t n, const char *const *base,
                       size_t n_base, const volatile sig_atomic_t *stop)
{
    rs_grid_axis axes[RS_SWEEP_MAX_AXES];
    rs_error err = {0};
    for (size_t i = 0; i < n; i++)
        if (rs_grid_axis_parse(grids[i], &axes[i], &err))
            fail_msg("%s", err.msg);
    rs_run_options opt = {.out_dir = dir, .jobs = jobs, .stop = stop};
    rs_status st = rs_sweep(scenario_path, base, n_base, axes, n, &opt, 0, &err);
    if (st && st != RS_ERR_INTERRUPTED)
        fail_msg("sweep: %s", err.msg);
    for (size_t i = 0; i < n; i++)
        rs_grid_axis_free(&axes[i]);
    return st;
}

static void optimize(const char *dir, unsigned jobs, const char *constraint, size_t budget)
{
    static const char *const params[] = {"policy.steps.1=0.02:0.5:log", "policy.bake=2:16:int"};
    const char *cons[1] = {constraint};
    rs_tune_options t = {.path = scenario_path, .params = params, .n_params = 2,
                         .objective = "excess_harm.mean + 0.5 * time_to_full.mean", .constraints = cons,
                         .n_constraints = constraint ? 1 : 0, .budget = budget, .final_reps = 30};
    rs_run_options opt = {.out_dir = dir, .jobs = jobs};
    rs_error err = {0};
    if (rs_tune(&t, &opt, &err))
        fail_msg("optimize: %s", err.msg);
}

static json_t *load_json(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    if (!j)
        fail_msg("%s: %s", path, e.text);
    return j;
}

static void sweep_same_whatever_jobs(void **state)
{
    (void)state;
    static const char *const grids[] = {"policy.bake=4h,8h", "policy.alpha=0.01,0.1"};
    sweep(out("sw1"), 1, grids, 2, NULL, 0, NULL);
    sweep(out("sw2"), 2, grids, 2, NULL, 0, NULL);
    same_file(out("sw1"), out("sw2"), "sweep.csv");
    same_file(out("sw1"), out("sw2"), "summary.json");
}

/* Every point is run on the scenario's own seed: point k is exactly `run` with its keys set (the replications
 * of every point are paired with those of every other). */
static void sweep_point_is_the_run_with_its_keys(void **state)
{
    (void)state;
    static const char *const grids[] = {"policy.bake=4h,8h"};
    sweep(out("sw3"), 2, grids, 1, NULL, 0, NULL);
    const char *sets[] = {"policy.bake=8h"};
    rs_scenario sc;
    rs_error err = {0};
    if (rs_scenario_load(scenario_path, sets, 1, &sc, &err))
        fail_msg("%s", err.msg);
    rs_policy_choice c = {sc.policy_name, sc.policy_name, &sc.policy};
    rs_run_options opt = {.out_dir = out("run8"), .jobs = 1};
    rs_run_report rep;
    if (rs_run(&sc, &c, 1, &opt, &rep, &err))
        fail_msg("%s", err.msg);
    rs_scenario_free(&sc);
    json_t *a = load_json(out("sw3"), "summary.json"), *b = load_json(out("run8"), "summary.json");
    json_t *pa = json_array_get(json_object_get(a, "policies"), 1);
    json_t *pb = json_array_get(json_object_get(b, "policies"), 0);
    assert_true(json_equal(json_object_get(pa, "estimates"), json_object_get(pb, "estimates")));
    assert_true(json_equal(json_object_get(pa, "params"), json_object_get(pb, "params")));
    assert_int_equal(json_integer_value(json_object_get(a, "seed")), 11);
    json_decref(a);
    json_decref(b);
}

static void optimize_same_whatever_jobs(void **state)
{
    (void)state;
    optimize(out("op1"), 1, "p_escape <= 0.5", 8);
    optimize(out("op2"), 2, "p_escape <= 0.5", 8);
    static const char *const files[] = {"optimize.csv", "best.json", "best.lua", "summary.json"};
    for (size_t i = 0; i < 4; i++)
        same_file(out("op1"), out("op2"), files[i]);
}

/* best.lua is the scenario with the best point, and the re-evaluation's seed and replications: running it gives
 * best.json's estimates exactly. */
static void best_lua_reproduces_best_json(void **state)
{
    (void)state;
    optimize(out("op3"), 2, "p_escape <= 0.5", 8);
    char path[4096];
    snprintf(path, sizeof path, "%s/best.lua", out("op3"));
    rs_scenario sc;
    rs_error err = {0};
    if (rs_scenario_load(path, NULL, 0, &sc, &err))
        fail_msg("%s", err.msg);
    rs_policy_choice c = {sc.policy_name, sc.policy_name, &sc.policy};
    rs_run_options opt = {.out_dir = out("op3run"), .jobs = 2};
    rs_run_report rep;
    if (rs_run(&sc, &c, 1, &opt, &rep, &err))
        fail_msg("%s", err.msg);
    rs_scenario_free(&sc);
    json_t *best = load_json(out("op3"), "best.json"), *run = load_json(out("op3run"), "summary.json");
    assert_true(json_is_true(json_object_get(best, "reevaluated")));
    assert_true(json_equal(json_object_get(best, "estimates"),
                           json_object_get(json_array_get(json_object_get(run, "policies"), 0), "estimates")));
    /* the re-evaluation is on other streams than the search: its seed is not the scenario's */
    json_int_t seed = json_integer_value(json_object_get(json_object_get(best, "reevaluation"), "seed"));
    assert_true(seed != 11);
    assert_int_equal(json_integer_value(json_object_get(run, "seed")), seed);
    json_decref(best);
    json_decref(run);
}

/* No point can promote more than every replication: the search reports the least-violating point. */
static void infeasible_is_a_result(void **state)
{
    (void)state;
    optimize(out("op4"), 2, "p_promote.estimate >= 1.5", 6);
    json_t *best = load_json(out("op4"), "best.json");
    assert_true(json_is_false(json_object_get(best, "feasible")));
    json_t *c = json_array_get(json_object_get(best, "constraints"), 0);
    assert_true(json_is_false(json_object_get(c, "holds")));
    /* the least violating point is the one promoting most often among those evaluated: its violation is
     * 1.5 - p_promote of the search's evaluation */
    json_t *search = json_object_get(best, "search");
    double v = json_number_value(json_object_get(json_array_get(json_object_get(search, "constraints"), 0), "value"));
    double p = json_number_value(json_object_get(json_object_get(json_object_get(search, "estimates"), "p_promote"),
                                                 "estimate"));
    assert_near(v, 1.5 - p, 1e-12);
    json_decref(best);
}

/* Stopped before the first point ends: the points finished (none after the first) are written, marked partial. */
static void interrupted_sweep_is_partial(void **state)
{
    (void)state;
    static const char *const grids[] = {"policy.bake=4h,8h,12h"};
    static volatile sig_atomic_t stop = 0;
    /* A stop flag already set: the first point's batch stops at once, nothing finishes. */
    stop = 1;
    rs_status st = sweep(out("sw4"), 1, grids, 1, NULL, 0, &stop);
    assert_int_equal(st, RS_ERR_INTERRUPTED);
    json_t *s = load_json(out("sw4"), "summary.json");
    assert_true(json_is_true(json_object_get(s, "partial")));
    assert_int_equal(json_array_size(json_object_get(s, "policies")), 0);
    json_decref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sweep_same_whatever_jobs),
        cmocka_unit_test(sweep_point_is_the_run_with_its_keys),
        cmocka_unit_test(optimize_same_whatever_jobs),
        cmocka_unit_test(best_lua_reproduces_best_json),
        cmocka_unit_test(infeasible_is_a_result),
        cmocka_unit_test(interrupted_sweep_is_partial),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
