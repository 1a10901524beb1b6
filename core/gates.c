#include "gates.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <limits.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eventlog.h"
#include "host.h"
#include "plugin.h"
#include "prodgates.h"
#include "seqtest.h"
#include "sim.h"
#include "suggest.h"
#include "value.h"

rs_gate_result rs_gate_ztest(const rs_ztest_input *in, double *z_out)
{
    double nc = (double)in->cand_requests, nb = (double)in->base_requests;
    double xc = (double)in->cand_errors, xb = (double)in->base_errors;
    if (z_out)
        *z_out = NAN;
    if (nc <= 0 || nb <= 0 || xc + xb <= 0 || xc + xb >= nc + nb || !(in->alpha > 0 && in->alpha < 1))
        return RS_GATE_NO_DATA;
    double p = (xc + xb) / (nc + nb);
    double z = (xc / nc - xb / nb) / sqrt(p * (1 - p) * (1 / nc + 1 / nb));
    if (z_out)
        *z_out = z;
    return z > gsl_cdf_ugaussian_Qinv(in->alpha) ? RS_GATE_FAIL : RS_GATE_PASS;
}

/* ---- the catalogue ------------------------------------------------------------------------------------- */

enum { GK_NONE, GK_ZTEST, GK_BAYES, GK_MSPRT, GK_CONFSEQ, GK_FLAGGER, GK_ARGO, GK_THRESHOLD, GK_KAYENTA };
const char *const rs_gate_names[] = {"none",    "ztest", "bayes",     "msprt",  "confseq",
                                     "flagger", "argo",  "threshold", "kayenta"};
const size_t rs_gate_count = sizeof rs_gate_names / sizeof *rs_gate_names;
const char *const rs_gate_about[][2] = {
    {"no gate: every stage passes", ""},
    {"one-sided pooled two-proportion z-test on the window's counts of `metric` (errors by default)", "alpha, two_sided, check_every, window, metric, min_n"},
    {"exact Beta-Binomial posterior P(p_cand - p_base > delta) (uniform priors) above level rolls back",
     "delta, level, check_every, window, metric, min_n"},
    {"normal-mixture sequential probability ratio test, always-valid p-value below alpha rolls back",
     "alpha, tau2, check_every, window, metric, min_n"},
    {"GrowthBook's asymptotic confidence sequence on the difference; lower bound above 0 rolls back",
     "alpha, n_star, check_every, window, metric, min_n"},
    {"Flagger's canary analysis: a detection tick, metrics in range each interval, failed checks cumulative, "
     "weight held on a failure, rollback at the tick after `threshold` failures, stepping by steps "
     "(stepWeights) or step_weight, then the Promoting and Finalising ticks",
     "steps, step_weight, max_weight, step_weight_promotion, canary_ready, bake, check_every, threshold, window, "
     "metrics"},
    {"an Argo Rollouts AnalysisRun: an inline analysis step after each stage's pause (the stage waits for it: "
     "Successful -> next stage) or one background run from starting_step; Failed/Error rolls back, "
     "Inconclusive pauses (the rollout stops)",
     "analysis, starting_step, no_data, check_every, window, metrics"},
    {"rollsim's plain limit (absolute, or relative to the baseline) with `consecutive` failures in a row (the "
     "streak runs on across stages)",
     "check_every, window, metrics"},
    {"Kayenta's NetflixACAJudge per stage: Mann-Whitney at 98 % on each metric's time series (one value per "
     "check_every step) vs the baseline's, score = 100 Pass / all; at or below marginal_score rolls back, a "
     "final score below pass_score rolls back",
     "check_every, intervals, pass_score, marginal_score, begin_after, lookback, baseline_offset, "
     "baseline_traffic, window, metrics"},
};

/* What a metric measures, over a window, for one version. Latencies are in ms, from the reservoirs. */
enum { MK_ERROR_RATE, MK_SUCCESS_RATE, MK_LATENCY_MEAN, MK_P50, MK_P90, MK_P95, MK_P99,
       MK_ACCURACY, MK_PRECISION, MK_RECALL, MK_F1, MK_FEEDBACK_RATE }; /* the last five: issue 16, on labels */
static const char *const metric_names[] = {"error_rate",  "success_rate", "latency_mean", "latency_p50",
                                           "latency_p90", "latency_p95",  "latency_p99",  "accuracy",
                                           "precision",   "recall",       "f1",           "feedback_rate"};
static const double metric_quantile[] = {0, 0, 0, 0.5, 0.9, 0.95, 0.99, 0, 0, 0, 0, 0};
#define N_METRIC_KINDS (sizeof metric_names / sizeof *metric_names)
#define METRIC_CHOICES                                                                                     \
    "error_rate|success_rate|latency_mean|latency_p50|latency_p90|latency_p95|latency_p99|accuracy|precision|" \
    "recall|f1|feedback_rate"

#define NAME_KEY                                                                                           \
    {"name", RS_PARAM_STRING, NULL, 0, 0, METRIC_CHOICES,                                                  \
     "what is measured over the window: errors / requests, successes / requests, the mean or a "          \
     "quantile of the latencies (ms, from a uniform sample of at most 2048 requests), or on the labels "   \
     "arrived in the window: accuracy, precision, recall, f1, feedback_rate (thumbs up / feedback)"}

static const rs_param_spec flagger_keys[] = {
    NAME_KEY,
    {"min", RS_PARAM_NUMBER, NULL, -1e300, 1e300, NULL, "thresholdRange.min: the check fails below it"},
    {"max", RS_PARAM_NUMBER, NULL, -1e300, 1e300, NULL, "thresholdRange.max: the check fails above it"},
};
static const rs_param_spec argo_keys[] = {
    NAME_KEY,
    {"success", RS_PARAM_STRING, NULL, 0, 0, NULL, "successCondition, as \"<= 0.01\" (<, <=, >, >= a number)"},
    {"failure", RS_PARAM_STRING, NULL, 0, 0, NULL, "failureCondition, as \"> 0.02\""},
    {"failure_limit", RS_PARAM_INTEGER, "0", -1, 1e6, NULL,
     "the run fails when failed measurements > failure_limit (strictly; -1: never)"},
    {"inconclusive_limit", RS_PARAM_INTEGER, "0", 0, 1e6, NULL,
     "the run is Inconclusive (the rollout pauses) when inconclusive measurements > it"},
    {"consecutive_error_limit", RS_PARAM_INTEGER, "4", 0, 1e6, NULL,
     "the run errs (rolls back) when measurements without data in a row > it"},
    {"consecutive_success_limit", RS_PARAM_INTEGER, "0", 0, 1e6, NULL,
     "the run succeeds after this many successes in a row (0: off)"},
    {"count", RS_PARAM_INTEGER, "0", 0, 1e6, NULL,
     "measurements after which the metric ends (0: not given: 1 without an interval, none with one)"},
    {"interval", RS_PARAM_DURATION, NULL, 0, 1e7, NULL,
     "time between measurements (default: check_every; errors are retried after 10 s instead)"},
    {"initial_delay", RS_PARAM_DURATION, "0", 0, 1e7, NULL, "initialDelay: from the run's start to the first measurement"},
};
static const rs_param_spec threshold_keys[] = {
    NAME_KEY,
    {"max", RS_PARAM_NUMBER, NULL, -1e300, 1e300, NULL, "fails when the candidate is above it"},
    {"min", RS_PARAM_NUMBER, NULL, -1e300, 1e300, NULL, "fails when the candidate is below it"},
    {"max_increase", RS_PARAM_NUMBER, NULL, 0, 1e300, NULL,
     "fails when the candidate is above baseline * (1 + max_increase) over the same window"},
    {"max_decrease", RS_PARAM_NUMBER, NULL, 0, 1, NULL,
     "fails when the candidate is below baseline * (1 - max_decrease)"},
    {"consecutive", RS_PARAM_INTEGER, "1", 1, 1e6, NULL, "failed checks in a row that roll back"},
    {"nodata", RS_PARAM_STRING, "ignore", 0, 0, "ignore|fail|pass",
     "a check with no data: neither counts nor breaks the streak, counts as a failure, or as a pass"},
};
static const rs_param_spec kayenta_keys[] = {
    NAME_KEY,
    {"group", RS_PARAM_STRING, NULL, 0, 0, NULL, "the metric's group (default: its name)"},
    {"weight", RS_PARAM_NUMBER, NULL, 0, 100, NULL,
     "the group's weight in the score (percent; groups without one share what is left)"},
    {"direction", RS_PARAM_STRING, "either", 0, 0, "either|increase|decrease", "which change is bad"},
    {"critical", RS_PARAM_BOOL, "false", 0, 0, NULL, "a failure sets the score to 0"},
    {"must_have_data", RS_PARAM_BOOL, "false", 0, 0, NULL, "no data counts as a failure"},
    {"nan", RS_PARAM_STRING, "remove", 0, 0, "remove|replace", "steps without data: removed or replaced by 0"},
    {"allowed_increase", RS_PARAM_NUMBER, "1", 0, 1e300, NULL,
     "High also needs mean(canary) / mean(baseline) >= it"},
    {"allowed_decrease", RS_PARAM_NUMBER, "1", 0, 1e300, NULL, "Low also needs the ratio <= it"},
    {"critical_increase", RS_PARAM_NUMBER, "1", 0, 1e300, NULL, "a critical High needs the ratio >= it"},
    {"critical_decrease", RS_PARAM_NUMBER, "1", 0, 1e300, NULL, "a critical Low needs the ratio <= it"},
    {"scale", RS_PARAM_NUMBER, "1", 1e-12, 1e12, NULL,
     "the query's unit: values are multiplied by it (100 for percent); Kayenta's solver works to an absolute "
     "1e-4, so the verdict depends on it"},
};

const rs_param_spec *rs_gate_metric_keys(size_t gate, size_t *n)
{
#define KEYS(a) (*n = sizeof a / sizeof *a, a)
    switch (gate) {
    case GK_FLAGGER: return KEYS(flagger_keys);
    case GK_ARGO: return KEYS(argo_keys);
    case GK_THRESHOLD: return KEYS(threshold_keys);
    case GK_KAYENTA: return KEYS(kayenta_keys);
    }
#undef KEYS
    *n = 0;
    return NULL;
}

/* ---- the gate ------------------------------------------------------------------------------------------ */

struct rs_gate {
    int kind;
    const rs_scenario *scenario; /* for what the scenario models (labels); NULL in some unit tests */
    int window_stage; /* judge on the stage's data (else on the data since the previous check) */
    size_t cand, base;
    rs_run_log *log;
    double check_every, stage_start, stage_length;
    unsigned stage_no;
    double alpha, delta, level, tau2, rho2;
    int two_sided;
    rs_counts snap_c, snap_b; /* the candidate's and baseline's totals when the window began */
    rs_confusion lsnap_c, lsnap_b; /* issue 16: their labels arrived when the window began */
    int test_metric;               /* ztest, bayes, msprt, confseq: MK_ERROR_RATE or a label metric */
    double min_n;                  /* ztest, bayes, msprt, confseq: fewer in an arm's window is no data */
    int any_label_metric;          /* some metric is judged on labels */

    size_t n_metrics;
    int metric[RS_PG_MAX_METRICS]; /* MK_* */
    double *scratch;               /* RS_LATENCY_CAPACITY values, for quantiles; NULL when none is used */

    rs_flagger_config flagger;
    rs_flagger_state flagger_st;
    rs_metric_range ranges[RS_PG_MAX_METRICS];
    unsigned *step_weights;

    rs_argo_config argo;
    rs_argo_state argo_st;
    rs_argo_metric argo_m[RS_PG_MAX_METRICS];
    unsigned argo_starting; /* background: the stage that starts the run */
    int argo_started;       /* the run exists */
    int argo_empty;         /* no_data = "empty": a window without traffic has no data (Error), else NaN */

    rs_threshold_config threshold;
    rs_threshold_state threshold_st;
    rs_threshold_metric threshold_m[RS_PG_MAX_METRICS];

    rs_kayenta_config kayenta;
    rs_kayenta_state kayenta_st;
    rs_kayenta_metric kayenta_m[RS_PG_MAX_METRICS];
    rs_kayenta_group_weight kayenta_w[RS_PG_MAX_METRICS];
    rs_kayenta_metric_result kayenta_res[RS_PG_MAX_METRICS];
    double *series;       /* per metric, canary then baseline: series[(2 m + arm) * series_cap + i]; then rows
                           * 2 n: each step's end, 2 n + 1 and 2 n + 2: the labels each arm's step stood on */
    size_t series_cap, series_n, series_from; /* samples this stage; the first of the judged window */
    double next_judgment; /* kayenta: time of the next judgment */
    double begin_after, lookback, baseline_offset; /* kayenta: orca's warm-up, lookback, baseline offset */
    double last_judgment; /* kayenta: the previous judgment (or the warm-up's end) */
    unsigned judgments;           /* kayenta: judgment times reached this stage */
    int matched;                  /* kayenta: compare with a baseline of the canary's size (baseline_traffic) */
    gsl_rng *rng;                 /* the replication's policy stream (kayenta's matched baseline) */
    double *sub;                  /* RS_LATENCY_CAPACITY values: the matched baseline's latencies */
    rs_value metric_params[RS_PG_MAX_METRICS]; /* each entry of `metrics`, checked, defaults filled (owned) */
    uint64_t stage_base_requests; /* the baseline's requests when the stage began */
};

void rs_gate_free(rs_gate *g)
{
    if (!g)
        return;
    free(g->scratch);
    free(g->step_weights);
    free(g->series);
    free(g->sub);
    for (size_t i = 0; i < RS_PG_MAX_METRICS; i++)
        rs_value_clear(&g->metric_params[i]);
    free(g);
}

#define FAIL(...)                                                                                          \
    do {                                                                                                   \
        snprintf(err, err_len, __VA_ARGS__);                                                               \
        goto fail;                                                                                         \
    } while (0)

/* The policy's gate parameters, read with the defaults of rollsim's own RS_GATE_PARAMS: a plugin may declare
 * only some of them (or an older set), and then gets the defaults rollsim documents. */
static const rs_param_spec gate_params[] = {RS_GATE_PARAMS};

int rs_gate_param_used(const char *gate, const char *key)
{
    size_t g = 0, k = 0, n = sizeof gate_params / sizeof *gate_params;
    while (k < n && strcmp(gate_params[k].name, key))
        k++;
    if (k == n || !strcmp(key, "gate"))
        return 1; /* not a gate parameter: the policy's own */
    while (g < rs_gate_count && strcmp(rs_gate_names[g], gate))
        g++;
    if (g == rs_gate_count)
        return 1;
    /* rs_gate_about's list ("alpha, two_sided, ...") is what the gate reads: the one statement of it */
    size_t len = strlen(key);
    for (const char *p = rs_gate_about[g][1]; (p = strstr(p, key)); p += len)
        if ((p == rs_gate_about[g][1] || p[-1] == ' ') && (p[len] == ',' || p[len] == '\0'))
            return 1;
    return 0;
}

static const char *param_default(const char *key)
{
    for (size_t i = 0; i < sizeof gate_params / sizeof *gate_params; i++)
        if (!strcmp(gate_params[i].name, key))
            return gate_params[i].default_value;
    return NULL;
}

/* A number or duration (hours); NaN when absent with no default. */
static double param_number(const rs_value *params, const char *key)
{
    double x = NAN;
    if (!rs_value_duration(rs_value_get(params, key), &x))
        return x;
    const char *d = param_default(key);
    if (d && rs_parse_duration(d, &x))
        x = NAN;
    return x;
}

static const char *param_string(const rs_value *params, const char *key)
{
    const char *s = rs_value_string(rs_value_get(params, key));
    if (!s)
        s = param_default(key);
    return s ? s : "";
}

static int param_bool(const rs_value *params, const char *key)
{
    int b;
    if (!rs_value_bool(rs_value_get(params, key), &b))
        return b;
    const char *d = param_default(key);
    return d && !strcmp(d, "true");
}

/* A resolved metric key: a number (NaN when absent with no default), a string, a boolean. */
static double key_number(const rs_value *t, const char *key)
{
    double x;
    return rs_value_number(rs_value_get(t, key), &x) ? NAN : x;
}

static double key_duration(const rs_value *t, const char *key)
{
    double x;
    return rs_value_duration(rs_value_get(t, key), &x) ? NAN : x;
}

static const char *key_string(const rs_value *t, const char *key)
{
    const char *str = rs_value_string(rs_value_get(t, key));
    return str ? str : "";
}

static int key_bool(const rs_value *t, const char *key)
{
    int v = 0;
    rs_value_bool(rs_value_get(t, key), &v);
    return v;
}

/* Parses an Argo condition "<= 0.01" (or as Argo writes it, "result <= 0.01", "result[0] <= 0.01") into *c;
 * 0 or -1. Decimal numbers only. */
static int parse_condition(const char *s, rs_argo_cond *c)
{
    while (*s == ' ')
        s++;
    if (!strncmp(s, "result[0]", 9))
        s += 9;
    else if (!strncmp(s, "result", 6))
        s += 6;
    while (*s == ' ')
        s++;
    if (strpbrk(s, "xXpP"))
        return -1;
    if (s[0] == '<')
        c->op = s[1] == '=' ? RS_ARGO_LE : RS_ARGO_LT;
    else if (s[0] == '>')
        c->op = s[1] == '=' ? RS_ARGO_GE : RS_ARGO_GT;
    else
        return -1;
    s += 1 + (s[1] == '=');
    char *end;
    c->x = strtod(s, &end);
    while (*end == ' ')
        end++;
    return end == s || *end || !isfinite(c->x) ? -1 : 0;
}

/* Reads the `metrics` list for the production gates into g->metric and the gate's own configuration. */
static int read_metrics(rs_gate *g, const rs_value *params, int latency_modelled, char *err, size_t err_len)
{
    const char *gate = rs_gate_names[g->kind];
    const rs_value *list = rs_value_get(params, "metrics");
    size_t n = rs_value_len(list), nk;
    const rs_param_spec *spec = rs_gate_metric_keys((size_t)g->kind, &nk);
    if (n == 0) {
        const char *example = g->kind == GK_ARGO      ? "success = \"<= 0.01\""
                              : g->kind == GK_KAYENTA ? "direction = \"increase\""
                                                      : "max = 0.01";
        snprintf(err, err_len, "metrics: the %s gate needs metrics, e.g. metrics = { { name = \"error_rate\", %s } }",
                 gate, example);
        return -1;
    }
    if (n > RS_PG_MAX_METRICS) {
        snprintf(err, err_len, "metrics: at most %d metrics, got %zu", RS_PG_MAX_METRICS, n);
        return -1;
    }
    g->n_metrics = n;
    int n_groups_weighted = 0;
    char unknown[320], list_keys[256] = "";
    for (size_t k = 0; k < nk; k++) {
        size_t used = strlen(list_keys);
        snprintf(list_keys + used, sizeof list_keys - used, "%s%s", k ? ", " : "", spec[k].name);
    }
    snprintf(unknown, sizeof unknown, "not a key of the %s gate's metrics (keys: %s)", gate, list_keys);
    for (size_t i = 0; i < n; i++) {
        const rs_value *raw = rs_value_at(list, i);
        char prefix[32];
        snprintf(prefix, sizeof prefix, "metrics[%zu]", i + 1);
        rs_value *t = &g->metric_params[i];
        rs_error e;
        if (rs_value_kind_of(raw) != RS_VALUE_TABLE) {
            snprintf(err, err_len, "%s: expected a table such as { name = \"error_rate\", ... }", prefix);
            return -1;
        }
        if (rs_params_resolve(spec, nk, raw, prefix, unknown, t, &e)) {
            snprintf(err, err_len, "%s", e.msg);
            return -1;
        }
        const char *name = rs_value_string(rs_value_get(t, "name"));
        if (!name) {
            snprintf(err, err_len, "%s: expected name = one of %s", prefix, METRIC_CHOICES);
            return -1;
        }
        size_t mk = 0;
        while (strcmp(metric_names[mk], name))
            mk++;
        g->metric[i] = (int)mk;
        if (mk >= MK_ACCURACY) {
            const rs_scenario *sc = g->scenario;
            g->any_label_metric = 1;
            if (sc && !sc->has_labels) {
                snprintf(err, err_len, "metrics[%zu]: %s is measured on labels, and the scenario gives none (labels = "
                         "{ fraction = ..., delay = ... }, with versions' recall and specificity)", i + 1, name);
                return -1;
            }
        } else if (mk >= MK_LATENCY_MEAN && !latency_modelled) {
            snprintf(err, err_len, "metrics[%zu]: %s needs latencies, and no version of the scenario has one (give "
                     "versions a latency = { median = ms, sigma = s })", i + 1, name);
            return -1;
        }
        if (metric_quantile[mk] > 0 && !g->scratch &&
            !(g->scratch = malloc(RS_LATENCY_CAPACITY * sizeof *g->scratch))) {
            snprintf(err, err_len, "out of memory");
            return -1;
        }
        switch (g->kind) {
        case GK_FLAGGER: {
            rs_metric_range *r = &g->ranges[i];
            r->name = name;
            r->min = key_number(t, "min");
            r->max = key_number(t, "max");
            if (isnan(r->min) && isnan(r->max)) {
                snprintf(err, err_len, "metrics[%zu]: expected min or max (Flagger's thresholdRange)", i + 1);
                return -1;
            }
            break;
        }
        case GK_ARGO: {
            rs_argo_metric *m = &g->argo_m[i];
            rs_argo_metric_init(m, name);
            const char *which[2] = {"success", "failure"};
            rs_argo_cond *cond[2] = {&m->success, &m->failure};
            for (int c = 0; c < 2; c++) {
                const char *text = rs_value_string(rs_value_get(t, which[c]));
                if (text && parse_condition(text, cond[c])) {
                    snprintf(err, err_len, "metrics[%zu].%s: expected a comparison such as \"<= 0.01\" or \"result <= "
                             "0.01\" (<, <=, >, >= a decimal number), got \"%s\"", i + 1, which[c], text);
                    return -1;
                }
            }
            m->failure_limit = (int)key_number(t, "failure_limit");
            m->inconclusive_limit = (int)key_number(t, "inconclusive_limit");
            m->consecutive_error_limit = (int)key_number(t, "consecutive_error_limit");
            m->consecutive_success_limit = (int)key_number(t, "consecutive_success_limit");
            m->count = (unsigned)key_number(t, "count");
            double iv = key_duration(t, "interval"), delay = key_duration(t, "initial_delay");
            m->interval = !isnan(iv) ? iv : g->check_every > 0 ? g->check_every : 0;
            m->initial_delay = isnan(delay) ? 0 : delay;
            break;
        }
        case GK_THRESHOLD: {
            rs_threshold_metric *m = &g->threshold_m[i];
            memset(m, 0, sizeof *m);
            m->name = name;
            static const char *const bounds[] = {"max", "min", "max_increase", "max_decrease"};
            int given = 0;
            for (int b = 0; b < 4; b++) {
                double x = key_number(t, bounds[b]);
                if (isnan(x))
                    continue;
                given++;
                m->limit = x;
                m->lower_is_worse = b == 1 || b == 3;
                m->mode = b >= 2 ? RS_THRESHOLD_RELATIVE : RS_THRESHOLD_ABSOLUTE;
            }
            if (given != 1) {
                snprintf(err, err_len, "metrics[%zu]: expected exactly one of max, min, max_increase, max_decrease",
                         i + 1);
                return -1;
            }
            m->consecutive = (unsigned)key_number(t, "consecutive");
            const char *nd = key_string(t, "nodata");
            m->nodata = !strcmp(nd, "fail") ? RS_THRESHOLD_NODATA_FAIL
                        : !strcmp(nd, "pass") ? RS_THRESHOLD_NODATA_PASS
                                              : RS_THRESHOLD_NODATA_IGNORE;
            break;
        }
        default: { /* GK_KAYENTA */
            rs_kayenta_metric *m = &g->kayenta_m[i];
            const char *group = rs_value_string(rs_value_get(t, "group"));
            rs_kayenta_metric_init(m, name, group ? group : name);
            const char *dir = key_string(t, "direction");
            m->direction = !strcmp(dir, "increase") ? RS_KAYENTA_INCREASE
                           : !strcmp(dir, "decrease") ? RS_KAYENTA_DECREASE
                                                      : RS_KAYENTA_EITHER;
            m->critical = key_bool(t, "critical");
            m->must_have_data = key_bool(t, "must_have_data");
            m->nan_strategy = !strcmp(key_string(t, "nan"), "replace") ? RS_KAYENTA_NAN_REPLACE : RS_KAYENTA_NAN_REMOVE;
            m->allowed_increase = key_number(t, "allowed_increase");
            m->allowed_decrease = key_number(t, "allowed_decrease");
            m->critical_increase = key_number(t, "critical_increase");
            m->critical_decrease = key_number(t, "critical_decrease");
            m->scale = key_number(t, "scale");
            double w;
            if (!rs_value_number(rs_value_get(t, "weight"), &w)) {
                int seen = 0;
                for (int k = 0; k < n_groups_weighted; k++) {
                    if (strcmp(g->kayenta_w[k].group, m->group))
                        continue;
                    if (g->kayenta_w[k].weight != w) {
                        snprintf(err, err_len, "metrics[%zu].weight: group \"%s\" already has weight %g", i + 1,
                                 m->group, g->kayenta_w[k].weight);
                        return -1;
                    }
                    seen = 1;
                }
                if (!seen) {
                    g->kayenta_w[n_groups_weighted].group = m->group;
                    g->kayenta_w[n_groups_weighted++].weight = w;
                }
            }
        }
        }
    }
    g->kayenta.n_weights = (size_t)n_groups_weighted;
    return 0;
}

/* Reads the policy's `steps` as Flagger's stepWeights (whole percents). */
static int read_step_weights(rs_gate *g, const rs_value *params, char *err, size_t err_len)
{
    const rs_value *steps = rs_value_get(params, "steps");
    size_t n = rs_value_len(steps);
    if (rs_value_get(params, "stages")) {
        snprintf(err, err_len, "stages: the flagger gate steps the weight itself; give steps = { 0.1, 0.2, ... } "
                 "(its stepWeights) or step_weight");
        return -1;
    }
    if (n == 0) {
        if (!g->flagger.step_weight) {
            snprintf(err, err_len, "steps: the flagger gate needs steps = { 0.1, 0.2, ... } (its stepWeights) or "
                     "step_weight");
            return -1;
        }
        return 0;
    }
    if (!(g->step_weights = malloc(n * sizeof *g->step_weights))) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        double w = 0;
        rs_value_number(rs_value_at(steps, i), &w);
        double pct = w * 100;
        if (fabs(pct - round(pct)) > 1e-9 * 100 || round(pct) < 1) { /* above 1 is capped, as Flagger does */
            snprintf(err, err_len, "steps[%zu]: flagger weights are whole percents from 0.01, got %g", i + 1, w);
            return -1;
        }
        g->step_weights[i] = (unsigned)round(pct);
    }
    g->flagger.step_weights = g->step_weights;
    g->flagger.n_step_weights = n;
    return 0;
}

/* Kayenta judges time series: each judgment needs enough steps for its Mann-Whitney interval to mean
 * anything (below 5 per arm the 98 % level cannot be reached and it alarms whenever the samples do not
 * overlap, see prodgates.c). Checked against the shortest stage the policy declares (`bake`, `stages[i].bake`). */
static int check_kayenta_steps(const rs_gate *g, const rs_value *params, char *err, size_t err_len)
{
    double bake = param_number(params, "bake");
    const rs_value *stages = rs_value_get(params, "stages");
    for (size_t i = 0; i < rs_value_len(stages); i++) {
        double b;
        if (!rs_value_duration(rs_value_get(rs_value_at(stages, i), "bake"), &b) && (isnan(bake) || b < bake))
            bake = b;
    }
    if (isnan(bake))
        return 0;
    if (g->begin_after >= bake) {
        snprintf(err, err_len, "begin_after: kayenta's warm-up (%g h) must be shorter than the stage (%g h)",
                 g->begin_after, bake);
        return -1;
    }
    bake -= g->begin_after;
    double steps = bake / g->kayenta.intervals / g->check_every;
    if (steps < 5 - 1e-9) {
        snprintf(err, err_len, "check_every: kayenta judges %u times a stage of %g h, each on its time series of "
                 "one value per check_every (%g h): %.3g values per judgment and arm, and at least 5 are "
                 "needed (fewer intervals or a shorter check_every)",
                 g->kayenta.intervals, bake, g->check_every, steps);
        return -1;
    }
    return 0;
}

rs_gate *rs_gate_create(const rs_policy_ctx *ctx, const rs_value *params, size_t candidate, char *err,
                        size_t err_len)
{
    rs_gate *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    g->cand = candidate;
    g->base = ctx->baseline;
    g->scenario = ctx->host_private; /* rollsim's own context always carries its scenario */
    g->log = ctx->log;
    const char *kind = param_string(params, "gate");
    for (g->kind = 0; (size_t)g->kind < rs_gate_count && strcmp(kind, rs_gate_names[g->kind]); g->kind++)
        ;
    if ((size_t)g->kind == rs_gate_count)
        FAIL("gate: unknown gate \"%s\"", kind);
    g->check_every = param_number(params, "check_every");
    const char *window = param_string(params, "window");
    int query_window = g->kind == GK_FLAGGER || g->kind == GK_ARGO || g->kind == GK_THRESHOLD;
    g->window_stage = !strcmp(window, "stage") ? 1 : !strcmp(window, "interval") ? 0 : !query_window;
    g->alpha = param_number(params, "alpha");
    g->delta = param_number(params, "delta");
    g->level = param_number(params, "level");
    g->tau2 = param_number(params, "tau2");
    g->two_sided = param_bool(params, "two_sided");
    if (g->kind == GK_CONFSEQ)
        g->rho2 = rs_confseq_rho2(g->alpha, param_number(params, "n_star"), 1);
    if (g->kind < GK_FLAGGER) {
        if (rs_value_len(rs_value_get(params, "metrics")))
            FAIL("metrics: the %s gate judges one proportion (metric = error_rate by default); metrics are for "
                 "flagger, argo, threshold and kayenta", kind);
        g->min_n = param_number(params, "min_n");
        if (isnan(g->min_n))
            g->min_n = 0;
        const char *metric = param_string(params, "metric");
        if (!*metric)
            metric = "error_rate";
        for (g->test_metric = 0; (size_t)g->test_metric < N_METRIC_KINDS &&
                                 strcmp(metric, metric_names[g->test_metric]); g->test_metric++)
            ;
        if (g->test_metric != MK_ERROR_RATE && g->test_metric != MK_ACCURACY && g->test_metric != MK_PRECISION &&
            g->test_metric != MK_RECALL && g->test_metric != MK_FEEDBACK_RATE)
            FAIL("metric: the %s gate tests a proportion of independent requests: error_rate, accuracy, precision, "
                 "recall or feedback_rate, not \"%s\"%s", kind, metric,
                 g->test_metric == MK_F1 ? " (f1 is a ratio of three counts; judge it with threshold, flagger, "
                                           "argo or kayenta)" : "");
        if (g->test_metric != MK_ERROR_RATE && g->scenario && !g->scenario->has_labels)
            FAIL("metric: %s is measured on labels, and the scenario gives none (labels = { fraction = ..., delay = "
                 "... }, with versions' recall and specificity)", metric);
        return g;
    }
    if (read_metrics(g, params, ctx->latency_modelled, err, err_len))
        goto fail;
    rs_error e;
    rs_status st = RS_OK;
    double x;
    switch (g->kind) {
    case GK_FLAGGER:
        g->flagger.metrics = g->ranges;
        g->flagger.n_metrics = g->n_metrics;
        g->flagger.threshold = (unsigned)param_number(params, "threshold");
        static const char *const pct_keys[] = {"step_weight", "max_weight"};
        unsigned *pct[] = {&g->flagger.step_weight, &g->flagger.max_weight};
        for (int k = 0; k < 2; k++) {
            x = param_number(params, pct_keys[k]);
            if (isnan(x))
                continue;
            if (fabs(x * 100 - round(x * 100)) > 1e-7 || x < 0.01 || x > 1)
                FAIL("%s: flagger weights are whole percents from 0.01 to 1, got %g", pct_keys[k], x);
            *pct[k] = (unsigned)lround(x * 100);
        }
        if (rs_value_len(rs_value_get(params, "steps")) && (g->flagger.step_weight || g->flagger.max_weight))
            FAIL("steps: give either steps (Flagger's stepWeights, the last one its max weight) or step_weight "
                 "with max_weight, not both");
        if (read_step_weights(g, params, err, err_len))
            goto fail;
        x = param_number(params, "step_weight_promotion");
        if (x > 0 && fabs(x * 100 - round(x * 100)) > 1e-7)
            FAIL("step_weight_promotion: flagger weights are whole percents, got %g", x);
        g->flagger.step_weight_promotion = x > 0 ? (unsigned)lround(x * 100) : 0;
        x = param_number(params, "canary_ready");
        if (x > 0) { /* ticks k >= 1 after the detection tick with k * interval < canary_ready wait */
            double iv = g->check_every > 0 ? g->check_every : param_number(params, "bake");
            g->flagger.ready_ticks = (unsigned)(ceil(x / iv - 1e-9) - 1);
        }
        st = rs_flagger_validate(&g->flagger, &e);
        break;
    case GK_ARGO:
        g->argo.metrics = g->argo_m;
        g->argo.n_metrics = g->n_metrics;
        g->argo.background = !strcmp(param_string(params, "analysis"), "background");
        g->argo_starting = (unsigned)param_number(params, "starting_step");
        g->argo_empty = !strcmp(param_string(params, "no_data"), "empty");
        st = rs_argo_validate(&g->argo, &e);
        break;
    case GK_THRESHOLD:
        g->threshold.metrics = g->threshold_m;
        g->threshold.n_metrics = g->n_metrics;
        st = rs_threshold_validate(&g->threshold, &e);
        break;
    default:
        g->kayenta.metrics = g->kayenta_m;
        g->kayenta.n_metrics = g->n_metrics;
        g->kayenta.weights = g->kayenta_w;
        g->kayenta.pass_score = rs_kayenta_int_threshold(param_number(params, "pass_score"));
        g->kayenta.marginal_score = rs_kayenta_int_threshold(param_number(params, "marginal_score"));
        g->kayenta.intervals = (unsigned)param_number(params, "intervals");
        g->begin_after = param_number(params, "begin_after");
        g->lookback = param_number(params, "lookback");
        g->baseline_offset = param_number(params, "baseline_offset");
        if (g->kayenta.marginal_score > g->kayenta.pass_score)
            FAIL("marginal_score: kayenta's marginal score (%g) must not be above its pass score (%g)",
                 g->kayenta.marginal_score, g->kayenta.pass_score);
        st = rs_kayenta_validate(&g->kayenta, &e);
        if (g->check_every <= 0)
            g->check_every = 1.0 / 60; /* Kayenta's Prometheus step: 60 s */
        g->matched = strcmp(param_string(params, "baseline_traffic"), "all") != 0;
        if (check_kayenta_steps(g, params, err, err_len))
            goto fail;
        g->rng = ctx->rng->g;
        if (g->matched && !(g->sub = malloc(RS_LATENCY_CAPACITY * sizeof *g->sub)))
            FAIL("out of memory");
        break;
    }
    if (st != RS_OK)
        FAIL("%s", e.msg);
    return g;
fail:
    rs_gate_free(g);
    return NULL;
}

static void counts_now(const rs_observation *obs, size_t v, rs_counts *out) { *out = obs->versions[v].total; }

/* Issue 16: version v's labels arrived (none when the observation has no labels, or predates them). */
static rs_confusion labels_now(const rs_observation *obs, size_t v)
{
    return obs->labels ? obs->labels[v] : (rs_confusion){0};
}

/* The labels of version v that arrived in the window (whose start saw *snap). */
static rs_confusion label_window(const rs_observation *obs, size_t v, const rs_confusion *snap)
{
    rs_confusion t = labels_now(obs, v);
    return (rs_confusion){t.tp - snap->tp, t.fp - snap->fp, t.fn - snap->fn, t.tn - snap->tn,
                          t.thumbs_up - snap->thumbs_up, t.thumbs_down - snap->thumbs_down};
}

/* A label metric as a proportion of "bad" outcomes, *bad of *n: wrong labels (accuracy), false positives of
 * the predicted positives (precision), missed positives (recall), thumbs down (feedback_rate). */
static void label_bad(int mk, const rs_confusion *q, uint64_t *bad, uint64_t *n)
{
    switch (mk) {
    case MK_ACCURACY: *bad = q->fp + q->fn, *n = q->tp + q->fp + q->fn + q->tn; break;
    case MK_PRECISION: *bad = q->fp, *n = q->tp + q->fp; break;
    case MK_RECALL: *bad = q->fn, *n = q->tp + q->fn; break;
    case MK_F1: *bad = q->fp + q->fn, *n = 2 * q->tp + q->fp + q->fn; break;
    default: *bad = q->thumbs_down, *n = q->thumbs_up + q->thumbs_down; break;
    }
}

/* The window's counts of version v (whose totals were *snap when it began). */
static rs_counts window_counts(const rs_observation *obs, size_t v, const rs_counts *snap)
{
    const rs_counts *t = &obs->versions[v].total;
    return (rs_counts){t->requests - snap->requests, t->errors - snap->errors, t->successes - snap->successes};
}

static void mark(rs_gate *g, const rs_observation *obs)
{
    counts_now(obs, g->cand, &g->snap_c);
    counts_now(obs, g->base, &g->snap_b);
    g->lsnap_c = labels_now(obs, g->cand);
    g->lsnap_b = labels_now(obs, g->base);
}

void rs_gate_stage(rs_gate *g, const rs_observation *obs, double stage_length)
{
    mark(g, obs);
    g->stage_no++;
    g->stage_start = obs->t;
    g->stage_length = stage_length;
    g->stage_base_requests = obs->versions[g->base].total.requests;
    if (g->kind == GK_ARGO && !g->argo.background) {
        /* setWeight, pause (the stage's bake), then the inline analysis step: a new run, which the stage
         * waits for (rollout/analysis.go reconcileStepBasedAnalysisRun) */
        rs_argo_start(&g->argo, &g->argo_st, obs->t + stage_length);
        g->argo_started = 1;
    } else if (g->kind == GK_ARGO && g->stage_no == g->argo_starting) {
        /* the background run starts with its startingStep and lives across every later stage
         * (reconcileBackgroundAnalysisRun: never recreated for the same revision) */
        rs_argo_start(&g->argo, &g->argo_st, obs->t);
        g->argo_started = 1;
    }
    if (g->kind == GK_KAYENTA) {
        rs_kayenta_init(&g->kayenta_st); /* a canary analysis per stage, lifetime = the stage after warm-up */
        g->series_n = g->series_from = 0;
        g->judgments = 0;
        g->next_judgment = obs->t + g->begin_after + (stage_length - g->begin_after) / g->kayenta.intervals;
        g->last_judgment = obs->t + g->begin_after;
    }
}

/* The first point of the grid stage_start + k * step after now: anchored to the stage's start, so that 240
 * one-minute steps end at 4 h, not at 3.9999999999999907. */
static double grid_next(double start, double step, double now)
{
    double k = floor((now - start) / step + 1e-9) + 1;
    return start + k * step;
}

double rs_gate_next(const rs_gate *g, double now)
{
    if (g->kind == GK_FLAGGER) /* Flagger's analysis interval */
        return grid_next(g->stage_start, g->check_every > 0 ? g->check_every : g->stage_length, now);
    if (g->kind == GK_ARGO) { /* each metric's own schedule: interval, initialDelay, 10 s after an Error */
        double next = g->argo_started ? rs_argo_next(&g->argo, &g->argo_st) : INFINITY;
        double eps = 1e-9 * (fabs(now) > 1 ? fabs(now) : 1);
        return next > now + eps ? next : now + 2 * eps;
    }
    double next = g->check_every > 0 ? grid_next(g->stage_start, g->check_every, now) : INFINITY;
    if (g->kind == GK_KAYENTA && g->next_judgment < next)
        next = g->next_judgment;
    return next;
}

/* Metric mk over counts *w and latencies x[0..n-1]. */
static rs_metric_value metric_of(rs_gate *g, int mk, const rs_counts *w, const rs_confusion *q, const double *x,
                                 size_t n)
{
    rs_metric_value out = {NAN, 0};
    if (mk >= MK_ACCURACY) { /* on the labels arrived: no labels, no data */
        uint64_t bad, m;
        label_bad(mk, q, &bad, &m);
        if (m > 0)
            out = (rs_metric_value){mk == MK_F1 ? 2.0 * (double)q->tp / (double)m : 1 - (double)bad / (double)m, 1};
        return out;
    }
    if (mk == MK_ERROR_RATE || mk == MK_SUCCESS_RATE) {
        if (w->requests > 0)
            out = (rs_metric_value){(double)(mk == MK_ERROR_RATE ? w->errors : w->successes) / (double)w->requests, 1};
        return out;
    }
    if (n == 0)
        return out;
    if (mk == MK_LATENCY_MEAN)
        return (rs_metric_value){gsl_stats_mean(x, 1, n), 1};
    if (n > RS_LATENCY_CAPACITY)
        n = RS_LATENCY_CAPACITY;
    memcpy(g->scratch, x, n * sizeof *x);
    gsl_sort(g->scratch, 1, n);
    return (rs_metric_value){gsl_stats_quantile_from_sorted_data(g->scratch, 1, n, metric_quantile[mk]), 1};
}

/* The latency sample of version v over the stage or since the previous decision. */
static const double *latencies(const rs_observation *obs, size_t v, int stage_window, size_t *n)
{
    *n = 0;
    if (!obs->latency_interval || !obs->latency_stage)
        return NULL;
    *n = stage_window ? obs->n_latency_stage[v] : obs->n_latency_interval[v];
    return stage_window ? obs->latency_stage[v] : obs->latency_interval[v];
}

/* Metric mk of version v over the window: counts *w, latencies from the stage or interval reservoir. */
static rs_metric_value measure(rs_gate *g, const rs_observation *obs, int mk, size_t v, const rs_counts *w,
                               const rs_confusion *q, int stage_window)
{
    size_t n;
    const double *x = latencies(obs, v, stage_window, &n);
    return metric_of(g, mk, w, q, x, n);
}

static const char *result_name(rs_gate_result r)
{
    return r == RS_GATE_PASS           ? "pass"
           : r == RS_GATE_FAIL         ? "fail"
           : r == RS_GATE_INCONCLUSIVE ? "inconclusive"
                                       : "no data";
}

static void log_report(rs_gate *g, const rs_gate_report *r)
{
    if (g->log)
        rs_log_add(g->log, g->log->now, "gate", (int)g->cand, r->statistic, r->detail);
}

/* ztest, bayes, msprt, confseq: a test on the window's error counts. */
static void check_error_test(rs_gate *g, const rs_observation *obs, rs_gate_report *out)
{
    rs_counts c = window_counts(obs, g->cand, &g->snap_c), b = window_counts(obs, g->base, &g->snap_b);
    if (g->test_metric != MK_ERROR_RATE) { /* issue 16: the same tests on a label metric's "bad" proportion */
        rs_confusion lc = label_window(obs, g->cand, &g->lsnap_c), lb = label_window(obs, g->base, &g->lsnap_b);
        c.successes = b.successes = 0;
        label_bad(g->test_metric, &lc, &c.errors, &c.requests);
        label_bad(g->test_metric, &lb, &b.errors, &b.requests);
    }
    rs_ztest_input in = {c.errors, c.requests, b.errors, b.requests, g->two_sided ? g->alpha / 2 : g->alpha};
    double stat = NAN;
    rs_gate_result r = RS_GATE_PASS;
    switch ((double)c.requests < g->min_n || (double)b.requests < g->min_n ? -1 : g->kind) {
    case -1: /* min_n: too few to judge (a small-sample z-test is not at its level) */
        r = RS_GATE_NO_DATA;
        break;
    case GK_ZTEST:
        r = rs_gate_ztest(&in, &stat);
        if (g->two_sided && r == RS_GATE_PASS) { /* the other tail: the same test with the arms swapped */
            rs_ztest_input swapped = {in.base_errors, in.base_requests, in.cand_errors, in.cand_requests, in.alpha};
            r = rs_gate_ztest(&swapped, NULL);
        }
        break;
    case GK_BAYES:
        r = rs_bayes_gate(c.errors, c.requests, b.errors, b.requests, g->delta, 1, 1, g->level, &stat);
        break;
    case GK_MSPRT:
        r = rs_msprt_gate(c.errors, c.requests, b.errors, b.requests, g->tau2, g->alpha, &stat);
        break;
    default: /* GK_CONFSEQ: fire when the lower bound of the difference is above 0 */
        stat = rs_confseq_lower(c.errors, c.requests, b.errors, b.requests, g->alpha, g->rho2);
        r = isnan(stat) ? RS_GATE_NO_DATA : stat > 0 ? RS_GATE_FAIL : RS_GATE_PASS;
        break;
    }
    out->result = r;
    out->statistic = stat;
    out->action = r == RS_GATE_FAIL ? RS_GATE_ROLLBACK : RS_GATE_CONTINUE;
    if (g->test_metric == MK_ERROR_RATE)
        snprintf(out->detail, sizeof out->detail, "%s stage %u: %s (cand %llu/%llu, base %llu/%llu)",
                 rs_gate_names[g->kind], g->stage_no, result_name(r),
                 (unsigned long long)c.errors, (unsigned long long)c.requests, (unsigned long long)b.errors,
                 (unsigned long long)b.requests);
    else /* the metric, its value and the labels it stands on */
        snprintf(out->detail, sizeof out->detail, "%s stage %u: %s: %s cand %.4g base %.4g (%s: cand %llu/%llu "
                 "base %llu/%llu labels)", rs_gate_names[g->kind], g->stage_no, result_name(r),
                 metric_names[g->test_metric], c.requests ? 1 - (double)c.errors / (double)c.requests : NAN,
                 b.requests ? 1 - (double)b.errors / (double)b.requests : NAN,
                 g->test_metric == MK_ACCURACY ? "wrong" : g->test_metric == MK_PRECISION ? "false positives"
                 : g->test_metric == MK_RECALL ? "missed" : "thumbs down",
                 (unsigned long long)c.errors, (unsigned long long)c.requests, (unsigned long long)b.errors,
                 (unsigned long long)b.requests);
}

/* Spinnaker compares the canary with a *baseline cluster of the same size* deployed beside it, not with the
 * production fleet (whose larger samples give each step's metric another distribution, e.g. a higher
 * sample P99). The step's baseline traffic is thinned to such a cluster: each baseline request comes from
 * one of canary-many baseline users with probability users_cand / users_base (requests binomial, errors and
 * successes hypergeometric among them — exact, users being iid Poisson sources), and its latencies are as
 * many drawn without replacement from the baseline's uniform sample. Draws from the policy stream. Updates
 * *b and returns the latencies (*n of them). */
static const double *matched_baseline(rs_gate *g, const rs_observation *obs, rs_counts *b, const double *x,
                                      size_t *n)
{
    double uc = (double)obs->versions[g->cand].users_routed, ub = (double)obs->versions[g->base].users_routed;
    double share = ub > 0 && uc < ub ? uc / ub : 1;
    if (share >= 1 || b->requests > UINT_MAX)
        return x;
    unsigned req = (unsigned)b->requests, err = (unsigned)b->errors, suc = (unsigned)b->successes;
    unsigned k = gsl_ran_binomial(g->rng, share, req);
    unsigned ke = k ? gsl_ran_hypergeometric(g->rng, err, req - err, k) : 0;
    unsigned ks = k > ke ? gsl_ran_hypergeometric(g->rng, suc, req - err - suc, k - ke) : 0;
    *b = (rs_counts){k, ke, ks};
    size_t keep = *n < k ? *n : k; /* the cluster's sample: min(its requests, what the baseline's holds) */
    memcpy(g->sub, x, *n * sizeof *x);
    for (size_t i = 0; i < keep; i++) { /* partial Fisher-Yates: the first `keep` are a uniform subset */
        size_t j = i + gsl_rng_uniform_int(g->rng, *n - i);
        double t = g->sub[i];
        g->sub[i] = g->sub[j];
        g->sub[j] = t;
    }
    *n = keep;
    return g->sub;
}

/* Kayenta between judgments: one sample per metric and arm over the step just ended. */
static int kayenta_sample(rs_gate *g, const rs_observation *obs, char *err, size_t err_len)
{
    if (g->series_n == g->series_cap) { /* grows geometrically; kept across stages */
        size_t cap = g->series_cap ? 2 * g->series_cap : 256;
        double *s = malloc((2 * g->n_metrics + 3) * cap * sizeof *s);
        if (!s) {
            snprintf(err, err_len, "kayenta: out of memory for the metrics' time series");
            return -1;
        }
        for (size_t k = 0; k < 2 * g->n_metrics + 3 && g->series; k++)
            memcpy(&s[k * cap], &g->series[k * g->series_cap], g->series_n * sizeof *s);
        free(g->series);
        g->series = s;
        g->series_cap = cap;
    }
    rs_counts c = window_counts(obs, g->cand, &g->snap_c), b = window_counts(obs, g->base, &g->snap_b);
    /* labels: the baseline's are all of them (a matched cluster would see as many labels in proportion) */
    rs_confusion lc = label_window(obs, g->cand, &g->lsnap_c), lb = label_window(obs, g->base, &g->lsnap_b);
    size_t nb;
    const double *xb = latencies(obs, g->base, 0, &nb);
    if (g->matched)
        xb = matched_baseline(g, obs, &b, xb, &nb);
    for (size_t m = 0; m < g->n_metrics; m++) {
        rs_metric_value vc = measure(g, obs, g->metric[m], g->cand, &c, &lc, 0);
        rs_metric_value vb = metric_of(g, g->metric[m], &b, &lb, xb, nb);
        g->series[(2 * m) * g->series_cap + g->series_n] = vc.has_data ? vc.value : NAN;
        g->series[(2 * m + 1) * g->series_cap + g->series_n] = vb.has_data ? vb.value : NAN;
    }
    g->series[2 * g->n_metrics * g->series_cap + g->series_n] = obs->t;
    g->series[(2 * g->n_metrics + 1) * g->series_cap + g->series_n] = (double)(lc.tp + lc.fp + lc.fn + lc.tn);
    g->series[(2 * g->n_metrics + 2) * g->series_cap + g->series_n] = (double)(lb.tp + lb.fp + lb.fn + lb.tn);
    g->series_n++;
    return 0;
}

static rs_gate_result result_of_class(rs_kayenta_verdict v)
{
    return v == RS_KAYENTA_VERDICT_PASS ? RS_GATE_PASS : v == RS_KAYENTA_VERDICT_FAIL ? RS_GATE_FAIL
                                                                                       : RS_GATE_INCONCLUSIVE;
}

static int gate_check(rs_gate *g, const rs_observation *obs, int stage_end, rs_gate_report *out, char *err,
                      size_t err_len);

int rs_gate_check(rs_gate *g, const rs_observation *obs, int stage_end, rs_gate_report *report, char *err,
                  size_t err_len)
{
    /* the caller's report may be an older, shorter one: fill a whole one, copy what it has room for */
    rs_gate_report full;
    int rc = gate_check(g, obs, stage_end, &full, err, err_len);
    size_t n = report->struct_size >= offsetof(rs_gate_report, result) && report->struct_size < sizeof full
                   ? report->struct_size
                   : sizeof full;
    full.struct_size = (uint32_t)n;
    memcpy(report, &full, n);
    return rc;
}

static int gate_check(rs_gate *g, const rs_observation *obs, int stage_end, rs_gate_report *out, char *err,
                      size_t err_len)
{
    memset(out, 0, sizeof *out);
    out->statistic = NAN;
    out->weight = NAN;
    out->judged = 1;
    out->result = RS_GATE_PASS;
    if (g->kind == GK_NONE) {
        out->judged = 0;
        return 0;
    }
    if (g->kind < GK_FLAGGER) {
        check_error_test(g, obs, out);
        if (!g->window_stage)
            mark(g, obs);
        log_report(g, out);
        return 0;
    }
    const char *name = rs_gate_names[g->kind];
    char label_note[64] = "";
    rs_pg_result r;
    if (g->kind == GK_KAYENTA) {
        if (kayenta_sample(g, obs, err, err_len))
            return -1;
        mark(g, obs);
        double eps = 1e-9 * (fabs(g->next_judgment) > 1 ? fabs(g->next_judgment) : 1);
        if (!stage_end && obs->t < g->next_judgment - eps) {
            out->judged = 0;
            return 0;
        }
        g->judgments++;
        double warm = g->begin_after, life = g->stage_length - warm;
        g->next_judgment = g->stage_start + warm + life * (g->judgments + 1) / g->kayenta.intervals;
        /* RunCanaryIntervalsStage.buildRequestScopes: the canary's scope runs from the warm-up's end (growing)
         * or from `lookback` before the judgment, to the judgment; the baseline's is the same shifted back by
         * baselineAnalysisOffset (here: within the stage's series). window = "interval" judges only what
         * came since the previous judgment. */
        double end = obs->t, start = g->lookback > 0 ? end - g->lookback
                                    : g->window_stage ? g->stage_start + warm
                                                      : g->last_judgment;
        g->last_judgment = end;
        const double *tt = &g->series[2 * g->n_metrics * g->series_cap];
        double eps2 = 1e-9 * (fabs(end) > 1 ? fabs(end) : 1);
        size_t c0 = 0, c1 = 0, b0 = 0, b1 = 0; /* [c0, c1): the canary's steps, [b0, b1): the baseline's */
        for (size_t i = 0; i < g->series_n; i++) {
            double s0 = i ? tt[i - 1] : g->stage_start, s1 = tt[i]; /* step i covers (s0, s1] */
            if (s0 < start - eps2)
                c0 = i + 1;
            if (s1 <= end + eps2)
                c1 = i + 1;
            if (s0 < start - g->baseline_offset - eps2)
                b0 = i + 1;
            if (s1 <= end - g->baseline_offset + eps2)
                b1 = i + 1;
        }
        c1 = c1 > c0 ? c1 : c0;
        b1 = b1 > b0 ? b1 : b0;
        rs_kayenta_samples smp[RS_PG_MAX_METRICS];
        for (size_t m = 0; m < g->n_metrics; m++)
            smp[m] = (rs_kayenta_samples){&g->series[(2 * m) * g->series_cap + c0], c1 - c0,
                                          &g->series[(2 * m + 1) * g->series_cap + b0], b1 - b0};
        if (obs->versions[g->base].total.requests == g->stage_base_requests) {
            /* Kayenta compares with a baseline; a stage where the candidate serves every user has none, and
             * Spinnaker runs no canary analysis there: nothing is judged, the stage runs its time. */
            out->result = RS_GATE_NO_DATA;
            snprintf(out->detail, sizeof out->detail,
                     "%s stage %u: no data: no baseline traffic in this stage: not judged",
                     name, g->stage_no);
            log_report(g, out);
            return 0;
        }
        rs_kayenta_judgment j;
        rs_error e;
        if (stage_end)
            g->kayenta_st.judged = g->kayenta.intervals > 0 ? g->kayenta.intervals - 1 : 0; /* the last one */
        if (rs_kayenta_check(&g->kayenta, &g->kayenta_st, smp, g->kayenta_res, &j, &r, &e)) {
            snprintf(err, err_len, "%s", e.msg);
            return -1;
        }
        /* an intermediate judgment is pass, fail or (marginal) inconclusive; the one that decides is pass or fail */
        out->result = r.action == RS_PG_ROLLBACK ? RS_GATE_FAIL
                      : r.action == RS_PG_ADVANCE ? RS_GATE_PASS
                                                  : result_of_class(j.verdict);
        /* the deciding metric (else the first): its class and Hodges-Lehmann shift with the 98 % interval */
        size_t m = r.metric >= 0 ? (size_t)r.metric : 0;
        const rs_kayenta_metric_result *mr = &g->kayenta_res[m];
        size_t used = strlen(r.detail);
        if (mr->tested)
            snprintf(r.detail + used, sizeof r.detail - used, "; %s %s HL %.4g [%.4g, %.4g]", g->kayenta_m[m].name,
                     rs_kayenta_class_name(mr->cls), mr->estimate, mr->ci_lower, mr->ci_upper);
        if (g->any_label_metric) { /* issue 16: the labels the judged series stood on, as the other gates say */
            double nc = 0, nb = 0;
            for (size_t i = c0; i < c1; i++)
                nc += g->series[(2 * g->n_metrics + 1) * g->series_cap + i];
            for (size_t i = b0; i < b1; i++)
                nb += g->series[(2 * g->n_metrics + 2) * g->series_cap + i];
            snprintf(label_note, sizeof label_note, " [labels cand %.0f base %.0f]", nc, nb);
        }
    } else {
        rs_counts c = window_counts(obs, g->cand, &g->snap_c), b = window_counts(obs, g->base, &g->snap_b);
        rs_confusion lc = label_window(obs, g->cand, &g->lsnap_c), lb = label_window(obs, g->base, &g->lsnap_b);
        rs_metric_value vc[RS_PG_MAX_METRICS], vb[RS_PG_MAX_METRICS];
        int any_data = 0;
        for (size_t m = 0; m < g->n_metrics; m++) {
            vc[m] = measure(g, obs, g->metric[m], g->cand, &c, &lc, g->window_stage);
            any_data |= vc[m].has_data;
            if (g->kind == GK_THRESHOLD)
                vb[m] = measure(g, obs, g->metric[m], g->base, &b, &lb, g->window_stage);
        }
        if (g->any_label_metric) /* issue 16: how many labels the check saw */
            snprintf(label_note, sizeof label_note, " [labels cand %llu base %llu]",
                     (unsigned long long)(lc.tp + lc.fp + lc.fn + lc.tn),
                     (unsigned long long)(lb.tp + lb.fp + lb.fn + lb.tn));
        if (!g->window_stage && !(g->kind == GK_ARGO && g->argo_started &&
                                  rs_argo_next(&g->argo, &g->argo_st) > obs->t + 1e-9 * (obs->t > 1 ? obs->t : 1)))
            mark(g, obs); /* argo: the window is since the previous measurement; not restarted between them */
        if (g->kind == GK_FLAGGER) {
            unsigned before = g->flagger_st.weight;
            rs_flagger_phase phase = g->flagger_st.phase;
            unsigned checks = g->flagger_st.checks, waited = g->flagger_st.waited;
            rs_flagger_check(&g->flagger, &g->flagger_st, vc, &r);
            /* a metric check ran: a HOLD, a passed tick with traffic, the rollback decision */
            int analysed = r.action == RS_PG_HOLD || r.action == RS_PG_ROLLBACK ||
                           (phase == RS_FLAGGER_PROGRESSING && before > 0 && g->flagger_st.checks > checks &&
                            g->flagger_st.waited == waited && (r.action == RS_PG_ADVANCE ||
                                                               g->flagger_st.phase == RS_FLAGGER_PROMOTING));
            if (analysed && r.action != RS_PG_HOLD && r.action != RS_PG_ROLLBACK) /* log what passed */
                r.statistic = vc[0].has_data ? vc[0].value : NAN;
            out->weight = r.weight / 100.0;
            out->stepping = 1;
            int no_values = r.metric >= 0 && isnan(r.statistic); /* Flagger's "no values found" */
            out->result = r.action == RS_PG_HOLD ? (no_values ? RS_GATE_NO_DATA : RS_GATE_FAIL)
                          : r.action == RS_PG_ROLLBACK ? RS_GATE_FAIL
                                                       : RS_GATE_PASS;
            out->judged = analysed;
        } else if (g->kind == GK_ARGO) {
            if (!g->argo_started) {
                memset(&r, 0, sizeof r); /* no run yet: no metric decided (r.metric was read uninitialised) */
                r.metric = -1;
                out->judged = 0;
                snprintf(r.detail, sizeof r.detail, "background run starts at stage %u (startingStep)",
                         g->argo_starting);
                r.action = RS_PG_CONTINUE;
                r.statistic = NAN;
            } else {
                for (size_t m = 0; m < g->n_metrics; m++) /* what the query returns on a window without traffic */
                    if (!vc[m].has_data && !g->argo_empty)
                        vc[m] = (rs_metric_value){NAN, 1};
                unsigned before = g->argo_st.checks;
                rs_argo_measure(&g->argo, &g->argo_st, obs->t, vc, &r);
                out->judged = g->argo_st.checks > before;
                if (g->argo.background && r.action == RS_PG_ADVANCE) { /* a Successful background run moves nothing */
                    r.action = RS_PG_CONTINUE;
                    size_t used = strlen(r.detail);
                    snprintf(r.detail + used, sizeof r.detail - used, " (background: the steps go on)");
                }
            }
            rs_argo_phase last = r.metric >= 0 ? g->argo_st.metrics[r.metric].last : RS_ARGO_SUCCESSFUL;
            out->result = last == RS_ARGO_FAILED         ? RS_GATE_FAIL
                          : last == RS_ARGO_INCONCLUSIVE ? RS_GATE_INCONCLUSIVE
                          : last == RS_ARGO_ERROR        ? RS_GATE_NO_DATA
                                                         : RS_GATE_PASS;
        } else {
            rs_threshold_check(&g->threshold, &g->threshold_st, vc, vb, &r);
            out->result = r.action == RS_PG_HOLD || r.action == RS_PG_ROLLBACK ? RS_GATE_FAIL
                          : any_data                                          ? RS_GATE_PASS
                                                                              : RS_GATE_NO_DATA;
        }
    }
    _Static_assert((int)RS_GATE_PROMOTE == (int)RS_PG_PROMOTE && (int)RS_GATE_HOLD == (int)RS_PG_HOLD,
                   "rs_gate_action mirrors rs_pg_action");
    out->action = (rs_gate_action)r.action;
    out->statistic = r.statistic;
    if (out->judged)
        snprintf(out->detail, sizeof out->detail, "%s stage %u: %s: %s%s", name, g->stage_no,
                 result_name(out->result), r.detail, label_note);
    else
        snprintf(out->detail, sizeof out->detail, "%s stage %u: %s%s", name, g->stage_no, r.detail, label_note);
    log_report(g, out);
    return 0;
}
