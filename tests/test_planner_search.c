/* Issue 10, acceptance 2: on scenarios/size_my_canary.lua, `optimize` with a budget of 20 % of a dense `sweep`
 * over the same ranges reaches an objective within 5 % of the sweep's best: the scenario's own question, minimise
 * excess harm + 10 x time to full subject to P(escape | bad) <= 5 % and P(false rollback | good) <= 10 %.
 *
 * The sweep is a 5 x 5 x 4 grid (first stage's weight, bake, gate level: 100 points) and the search gets 20
 * evaluations. Both run on the scenario's seed (common random numbers), so the objective of the search's best
 * point and the sweep's best are figures on the same replications; the test also reports their paired
 * difference with a 95 % interval from a paired bootstrap (replications resampled jointly for both points). */
#include "check.h"

#include <gsl/gsl_rng.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expr.h"
#include "planner.h"
#include "report.h"
#include "runner.h"
#include "sweep.h"
#include "tune.h"

#define OBJECTIVE "excess_harm.mean + 10 * time_to_full.mean"
#define CONSTRAINT "p_escape <= 0.05"
#define CONSTRAINT2 "p_false_rollback <= 0.1"

static char tmpdir[4096], scenario[4096];

/* The scenario as shipped (20 000 users), in cohort mode so that 120 batches of 300 replications take seconds
 * (cohort and exact mode agree in distribution: tests/test_cohort.c). */
static const char *const base[] = {"mode=cohort", "replications=300"};
#define N_BASE (sizeof base / sizeof *base)

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

static double est(json_t *estimates, const char *group, const char *field)
{
    json_t *v = json_object_get(json_object_get(estimates, group), field);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static double objective_of(json_t *estimates)
{
    return est(estimates, "excess_harm", "mean") + 10 * est(estimates, "time_to_full", "mean");
}

/* The objective's paired difference a - b (95 % percentile interval) over B joint resamples of replications. */
static void paired_bootstrap(const rs_point *a, const rs_point *b, double *lo, double *hi)
{
    const size_t B = 400, n = a->reps;
    double *d = malloc(B * sizeof *d);
    rs_rep_result *ra = malloc(n * sizeof *ra), *rb = malloc(n * sizeof *rb);
    unsigned char *done = malloc(n);
    memset(done, 1, n);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 2024);
    size_t m = 0;
    for (size_t k = 0; k < B; k++) {
        for (size_t i = 0; i < n; i++) {
            size_t j = gsl_rng_uniform_int(r, n);
            ra[i] = a->res[j];
            rb[i] = b->res[j];
        }
        json_t *ea = rs_report_estimates(ra, done, n), *eb = rs_report_estimates(rb, done, n);
        double x = objective_of(ea) - objective_of(eb);
        if (isfinite(x))
            d[m++] = x;
        json_decref(ea);
        json_decref(eb);
    }
    for (size_t i = 1; i < m; i++) /* insertion sort: a few hundred values */
        for (size_t j = i; j > 0 && d[j - 1] > d[j]; j--) {
            double t = d[j];
            d[j] = d[j - 1];
            d[j - 1] = t;
        }
    *lo = m ? d[(size_t)(0.025 * (double)(m - 1))] : NAN;
    *hi = m ? d[(size_t)(0.975 * (double)(m - 1))] : NAN;
    gsl_rng_free(r);
    free(d);
    free(ra);
    free(rb);
    free(done);
}

static void run_point(const char *const *sets, size_t n, rs_point *p)
{
    rs_planner_names nm;
    rs_error err = {0};
    if (rs_planner_names_init(&nm, &err))
        fail_msg("%s", err.msg);
    rs_run_options opt = {.out_dir = tmpdir, .jobs = 2};
    if (rs_point_run(scenario, base, N_BASE, sets, n, &opt, &nm, p, &err))
        fail_msg("%s", err.msg);
    rs_planner_names_free(&nm);
}

static void optimize_within_5_percent_of_dense_sweep(void **state)
{
    (void)state;
    rs_error err = {0};
    /* The dense sweep: the same ranges as the search, evenly spaced on the search's scales (log for the weight
     * and the level, whole hours for the bake). */
    static const char *const grid_text[] = {"policy.steps.1=0.005,0.0106,0.0224,0.0473,0.1",
                                            "policy.bake=2,7,13,18,24", "policy.alpha=0.005,0.0171,0.0585,0.2"};
    rs_grid_axis axes[3];
    for (int k = 0; k < 3; k++)
        if (rs_grid_axis_parse(grid_text[k], &axes[k], &err))
            fail_msg("%s", err.msg);
    char sweep_dir[4200], opt_dir[4200];
    snprintf(sweep_dir, sizeof sweep_dir, "%s/sweep", tmpdir);
    snprintf(opt_dir, sizeof opt_dir, "%s/opt", tmpdir);
    rs_run_options opt = {.out_dir = sweep_dir, .jobs = 2};
    if (rs_sweep(scenario, base, N_BASE, axes, 3, &opt, 0, &err))
        fail_msg("sweep: %s", err.msg);
    for (int k = 0; k < 3; k++)
        rs_grid_axis_free(&axes[k]);
    json_t *sw = load_json(sweep_dir, "summary.json");
    json_t *points = json_object_get(sw, "policies");
    size_t n_points = json_array_size(points), best_i = (size_t)-1, n_feasible = 0;
    double best = INFINITY;
    for (size_t i = 0; i < n_points; i++) {
        json_t *e = json_object_get(json_array_get(points, i), "estimates");
        double y = objective_of(e), pe = est(e, "p_escape", "estimate"), fr = est(e, "p_false_rollback", "estimate");
        if (!(pe <= 0.05) || !(fr <= 0.1) || !isfinite(y))
            continue;
        n_feasible++;
        if (y < best) {
            best = y;
            best_i = i;
        }
    }
    assert_int_equal(n_points, 100);
    if (best_i == (size_t)-1)
        fail_msg("no feasible point in the sweep");

    static const char *const params[] = {"policy.steps.1=0.005:0.1:log", "policy.bake=2:24:int",
                                         "policy.alpha=0.005:0.2:log"};
    const char *cons[] = {CONSTRAINT, CONSTRAINT2};
    rs_tune_options t = {.path = scenario, .base = base, .n_base = N_BASE, .params = params, .n_params = 3,
                         .objective = OBJECTIVE, .constraints = cons, .n_constraints = 2, .budget = 20};
    rs_run_options oopt = {.out_dir = opt_dir, .jobs = 2};
    if (rs_tune(&t, &oopt, &err))
        fail_msg("optimize: %s", err.msg);
    /* What the search reached: its best feasible objective (optimize.csv's best_so_far at the end), observed on
     * the same replications as every sweep point, as the sweep's best is. */
    json_t *bj = load_json(opt_dir, "best.json");
    assert_true(json_is_true(json_object_get(bj, "feasible")));
    char trace[4300];
    snprintf(trace, sizeof trace, "%s/optimize.csv", opt_dir);
    FILE *tf = fopen(trace, "r");
    assert_non_null(tf);
    char line[16384];
    int col_best = -1, col_y = -1, col_feasible = -1, cols[3] = {-1, -1, -1};
    static const char *const keys[] = {"policy.steps.1", "policy.bake", "policy.alpha"};
    double found = INFINITY, found_at[3] = {NAN, NAN, NAN};
    size_t n_eval = 0;
    for (int row = 0; fgets(line, sizeof line, tf); row++) {
        char *save = NULL;
        int c = 0;
        double v[64];
        int feasible = 0;
        for (char *tok = strtok_r(line, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save), c++) {
            if (row == 0) {
                if (!strcmp(tok, "best_so_far"))
                    col_best = c;
                if (!strcmp(tok, "objective"))
                    col_y = c;
                if (!strcmp(tok, "feasible"))
                    col_feasible = c;
                for (int k = 0; k < 3; k++)
                    if (!strcmp(tok, keys[k]))
                        cols[k] = c;
            } else if (c < 64) {
                v[c] = strtod(tok, NULL);
                if (c == col_feasible)
                    feasible = v[c] != 0;
            }
        }
        if (row == 0 || col_y < 0)
            continue;
        n_eval++;
        if (feasible && v[col_y] < found) {
            found = v[col_y];
            for (int k = 0; k < 3; k++)
                found_at[k] = v[cols[k]];
        }
    }
    fclose(tf);
    assert_true(col_best >= 0 && col_feasible >= 0);
    assert_int_equal(n_eval, 20);
    assert_true(isfinite(found));

    /* Both points again, to pair their replications. */
    char s1[3][128], s2[3][128];
    const char *p1[3], *p2[3];
    json_t *sv = json_object_get(json_array_get(points, best_i), "values");
    for (int k = 0; k < 3; k++) {
        snprintf(s1[k], sizeof s1[k], "%s=%.15g", keys[k], json_number_value(json_object_get(sv, keys[k])));
        snprintf(s2[k], sizeof s2[k], "%s=%.15g", keys[k], found_at[k]);
        p1[k] = s1[k];
        p2[k] = s2[k];
    }
    rs_point a, b;
    run_point(p2, 3, &a);
    run_point(p1, 3, &b);
    assert_near(objective_of(a.estimates), found, 1e-9 * fabs(found)); /* the same replications, again */
    assert_near(objective_of(b.estimates), best, 1e-9 * fabs(best));
    double lo, hi;
    paired_bootstrap(&a, &b, &lo, &hi);
    printf("sweep: %zu points, %zu feasible; best %.4g at %s, %s, %s\n", n_points, n_feasible, best, s1[0], s1[1],
           s1[2]);
    printf("optimize (20 evaluations): best feasible %.4g at %s, %s, %s; ratio %.4f; paired difference %.4g (95 %% "
           "bootstrap interval %.4g to %.4g)\n", found, s2[0], s2[1], s2[2], found / best, found - best, lo, hi);
    json_t *re = json_object_get(bj, "objective");
    printf("optimize's recommended point (best posterior mean), re-evaluated on fresh replications: %.4g (95 %% "
           "interval %.4g to %.4g)\n", json_number_value(json_object_get(re, "value")),
           json_number_value(json_object_get(re, "lo")), json_number_value(json_object_get(re, "hi")));
    /* within 5 % of the sweep's best (the objective is positive: hours plus errors) */
    assert_true(best > 0);
    assert_true(found <= 1.05 * best);
    rs_point_free(&a);
    rs_point_free(&b);
    json_decref(bj);
    json_decref(sw);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s/rs_search_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir))
        return 1;
    snprintf(scenario, sizeof scenario, "%s/scenarios/size_my_canary.lua",
             getenv("ROLLSIM_SOURCE_DIR") ? getenv("ROLLSIM_SOURCE_DIR") : "..");
    const struct CMUnitTest tests[] = {cmocka_unit_test(optimize_within_5_percent_of_dense_sweep)};
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        return 1;
    return rc;
}
