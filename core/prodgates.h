/* The production gates of SPEC §7 as pure state machines: Flagger's canary analysis, an Argo Rollouts
 * AnalysisRun, a plain threshold with `consecutive`, and Kayenta's NetflixACAJudge with the Spinnaker canary
 * stage around it. Each behaves as that system's *code* does (not its docs, where they differ); the comment
 * above each function in prodgates.c names the upstream file it mirrors.
 *
 * Nothing here touches the simulator: a caller feeds one measurement per check and acts on the returned
 * action. No function allocates except rs_kayenta_judge / rs_kayenta_check (scratch, freed before return);
 * configs are read-only and borrowed for the duration of the call only; states are plain structs the caller
 * owns (initialise with the *_init function, copy freely). */
#ifndef RS_PRODGATES_H
#define RS_PRODGATES_H

#include <stddef.h>

#include "status.h"

/* Most metrics a flagger, argo or threshold gate takes (their states are fixed-size). */
#define RS_PG_MAX_METRICS 16
/* Size of the detail text, as events.csv keeps it (rs_log_entry.detail). */
#define RS_PG_DETAIL 176

/* What the caller should do after a check. */
typedef enum rs_pg_action {
    RS_PG_CONTINUE = 0, /* keep going; advance when the stage's time is up (Argo run still Running) */
    RS_PG_HOLD,         /* do not advance the weight this interval (Flagger's failed check; a threshold
                           failure short of `consecutive`) */
    RS_PG_ROLLBACK,     /* roll back: Flagger failed checks >= threshold, Argo run Failed or Error, threshold
                           fired, Kayenta score at or below marginal (or final score below pass) */
    RS_PG_ADVANCE,      /* step on now: Flagger's weight went up (see rs_pg_result.weight), Argo run Successful
                           (consecutive successes or count reached), Kayenta's last interval passed */
    RS_PG_PAUSE,        /* Argo run Inconclusive: the rollout waits for a human */
    RS_PG_PROMOTE       /* Flagger promotes: analysis passed at max weight, route everything to the candidate */
} rs_pg_action;

/* The name of an action ("continue", "hold", ...). */
const char *rs_pg_action_name(rs_pg_action a);

/* What every check returns besides the action. */
typedef struct rs_pg_result {
    rs_pg_action action;
    double statistic;  /* what decided: the deciding metric's value (flagger, argo), the candidate's value or
                          relative change (threshold), the score (kayenta); NaN when nothing was measured */
    int metric;        /* index of the deciding metric, -1 when none */
    unsigned weight;   /* flagger: the canary weight (%) after this check; 0 for the others */
    char detail[RS_PG_DETAIL]; /* short text for events.csv (no commas, no newlines) */
} rs_pg_result;

/* One metric's value over the current interval, or "no data" (a query that found no series). */
typedef struct rs_metric_value {
    double value;
    int has_data; /* 0: no data; the value is ignored */
} rs_metric_value;

/* A metric checked against a range, as Flagger's thresholdRange: it fails when value < min or value > max
 * (bounds themselves pass). NaN (or -INFINITY / +INFINITY) leaves a bound unset. */
typedef struct rs_metric_range {
    const char *name;
    double min, max;
} rs_metric_range;

/* ---- flagger -------------------------------------------------------------------------------------------- */

typedef struct rs_flagger_config {
    const rs_metric_range *metrics; /* checked in order; the first failing one fails the check */
    size_t n_metrics;               /* 1..RS_PG_MAX_METRICS */
    unsigned threshold;             /* failed checks that roll back; 0 means Flagger's default 1 */
    unsigned step_weight;           /* percent added per passed check (used when > 0 or no step_weights) */
    const unsigned *step_weights;   /* explicit ladder (percent, increasing), used when step_weight == 0 */
    size_t n_step_weights;
    unsigned max_weight;            /* promote once a check passes at or above it; 0 means 100 (or the last
                                       step weight when step_weights is given, capped at 100) */
    unsigned step_weight_promotion; /* percent moved from canary to primary per Promoting tick; 0: all at once */
    unsigned ready_ticks;           /* ticks after the detection tick at which the canary is not ready yet
                                       (IsCanaryReady fails, retriable): the first weight waits for them */
} rs_flagger_config;

/* Flagger's canary phases (pkg/apis/flagger/v1beta1/status.go) from the moment the new revision exists. */
typedef enum rs_flagger_phase {
    RS_FLAGGER_INITIALIZED = 0, /* the revision is not detected yet: the first tick detects it */
    RS_FLAGGER_PROGRESSING,     /* analysis running */
    RS_FLAGGER_PROMOTING,       /* analysis passed, primary spec copied: traffic goes back to the primary */
    RS_FLAGGER_FINALISING,      /* all traffic on the primary: the next tick scales the canary down */
    RS_FLAGGER_PROMOTED,        /* Succeeded: PROMOTE was returned */
    RS_FLAGGER_FAILED           /* ROLLBACK was returned */
} rs_flagger_phase;

typedef struct rs_flagger_state {
    unsigned weight;        /* canary weight in percent (Flagger's status.canaryWeight) */
    unsigned failed_checks; /* status.failedChecks: cumulative, never reset within an analysis */
    unsigned checks;        /* calls so far */
    unsigned waited;        /* ticks spent waiting for the canary to be ready */
    unsigned primary;       /* primary weight during the Promoting ticks */
    rs_flagger_phase phase;
} rs_flagger_state;

void rs_flagger_init(rs_flagger_state *st);
/* RS_OK, or RS_ERR_INPUT with a message naming the bad field. */
rs_status rs_flagger_validate(const rs_flagger_config *cfg, rs_error *err);
/* One Flagger tick (analysis.interval, default 1 min). values[i] is metric i as its query returns it at this
 * tick: over the metric's own window (metric interval, default 1 min, ending now), which need not match the
 * analysis interval. n_metrics entries; read only on the ticks that run the analysis (not the detection tick,
 * the readiness waits, the tick that starts the analysis, the Promoting / Finalising ticks, the rollback).
 * The first call is the tick that detects the new revision (CONTINUE, weight 0); PROMOTE comes on the tick
 * that finds the canary Finalising (phase Succeeded). */
rs_pg_action rs_flagger_check(const rs_flagger_config *cfg, rs_flagger_state *st, const rs_metric_value *values,
                              rs_pg_result *out);

/* ---- argo ----------------------------------------------------------------------------------------------- */

/* A condition "result <op> x"; op RS_ARGO_UNSET means the condition is not given. */
typedef enum rs_argo_op { RS_ARGO_UNSET = 0, RS_ARGO_LT, RS_ARGO_LE, RS_ARGO_GT, RS_ARGO_GE } rs_argo_op;
typedef struct rs_argo_cond {
    rs_argo_op op;
    double x;
} rs_argo_cond;

#define RS_ARGO_DEFAULT_CONSECUTIVE_ERROR_LIMIT 4

typedef struct rs_argo_metric {
    const char *name;
    rs_argo_cond success, failure; /* successCondition, failureCondition */
    int failure_limit;             /* failed > failure_limit fails the metric; -1 disables (default 0) */
    int inconclusive_limit;        /* inconclusive > limit: Inconclusive (default 0) */
    int consecutive_error_limit;   /* consecutive errors > limit: Error (default 4; zero-initialised is 0!) */
    int consecutive_success_limit; /* consecutive successes >= limit: Successful; 0 disables (default) */
    unsigned count;                /* measurements (errors excluded) after which the metric ends; 0 = not
                                      given: Argo's EffectiveCount is then 1 without an interval, and none
                                      (the metric runs until the run is terminated) with one */
    double interval;               /* hours between measurements (metric.interval); 0: not given */
    double initial_delay;          /* hours from the run's start to the first measurement (initialDelay) */
} rs_argo_metric;

/* Fills *m with Argo's defaults (failure_limit 0, inconclusive_limit 0, consecutive_error_limit 4,
 * consecutive_success_limit 0, count, interval and initial delay not given, no conditions). */
void rs_argo_metric_init(rs_argo_metric *m, const char *name);

/* Argo's DefaultErrorRetryInterval (analysis/analysis.go): a measurement that errs is retried after 10 s,
 * whatever the metric's interval. In hours. */
#define RS_ARGO_ERROR_RETRY (10.0 / 3600.0)

typedef struct rs_argo_config {
    const rs_argo_metric *metrics;
    size_t n_metrics; /* 1..RS_PG_MAX_METRICS */
    int background;   /* the run is a background analysis (validation then allows metrics that run
                         indefinitely); 0: an inline analysis step, which Argo refuses them for */
} rs_argo_config;

/* Phases of a measurement, a metric and the run (Argo's AnalysisPhase). */
typedef enum rs_argo_phase {
    RS_ARGO_RUNNING = 0,
    RS_ARGO_SUCCESSFUL,
    RS_ARGO_FAILED,
    RS_ARGO_INCONCLUSIVE,
    RS_ARGO_ERROR
} rs_argo_phase;

const char *rs_argo_phase_name(rs_argo_phase p);

typedef struct rs_argo_metric_state {
    unsigned count, successful, failed, inconclusive, error; /* Argo's MetricResult counters */
    unsigned consecutive_error, consecutive_success;
    rs_argo_phase phase;     /* RUNNING until the metric completes */
    rs_argo_phase last;      /* phase of the last measurement */
} rs_argo_metric_state;

typedef struct rs_argo_state {
    rs_argo_metric_state metrics[RS_PG_MAX_METRICS];
    double next_at[RS_PG_MAX_METRICS]; /* rs_argo_measure: when each metric measures next (hours) */
    double started;                    /* rs_argo_start: the run's start */
    rs_argo_phase phase; /* the AnalysisRun's phase */
    unsigned checks;
} rs_argo_state;

void rs_argo_init(rs_argo_state *st);
/* Starts a run at time t (hours): each metric's first measurement is due at t + initial_delay. */
void rs_argo_start(const rs_argo_config *cfg, rs_argo_state *st, double t);
/* The earliest time a metric of a running run is due (INFINITY when none is, or the run is over). */
double rs_argo_next(const rs_argo_config *cfg, const rs_argo_state *st);
/* Effective count of a metric, as Metric.EffectiveCount(): count, else 1 without an interval, else 0 (none). */
unsigned rs_argo_effective_count(const rs_argo_metric *m);
rs_status rs_argo_validate(const rs_argo_config *cfg, rs_error *err);
/* Evaluates a measurement's phase from its value as Argo's EvaluateResult does (no data: Error). */
rs_argo_phase rs_argo_evaluate(const rs_argo_metric *m, rs_metric_value v);
/* Argo's assessMetricStatus(metric, result, terminating) (analysis/analysis.go) on a metric's counters: its
 * phase (FAILED, INCONCLUSIVE, ERROR, SUCCESSFUL, or RUNNING while it goes on; Argo's Pending, no measurement
 * yet, is RUNNING here). A completed metric (ms->phase not RUNNING) keeps its phase. `why` (may be NULL) gets
 * the reason Argo logs, "" when none. */
rs_argo_phase rs_argo_assess(const rs_argo_metric *m, const rs_argo_metric_state *ms, int terminating, char *why,
                             size_t whylen);
/* One round of measurements: values[i] for metric i (ignored for metrics already completed). */
rs_pg_action rs_argo_check(const rs_argo_config *cfg, rs_argo_state *st, const rs_metric_value *values,
                           rs_pg_result *out);
/* The same at time t, measuring only the metrics due by then (after rs_argo_start), and scheduling each
 * one's next measurement as the controller does: interval after it, or 10 s after an Error. */
rs_pg_action rs_argo_measure(const rs_argo_config *cfg, rs_argo_state *st, double t, const rs_metric_value *values,
                             rs_pg_result *out);

/* ---- threshold ------------------------------------------------------------------------------------------ */

typedef enum rs_threshold_mode {
    RS_THRESHOLD_ABSOLUTE = 0, /* candidate vs `limit` */
    RS_THRESHOLD_RELATIVE      /* candidate vs baseline · (1 ± limit) */
} rs_threshold_mode;

typedef enum rs_threshold_nodata {
    RS_THRESHOLD_NODATA_IGNORE = 0, /* a check without data neither counts nor breaks the streak */
    RS_THRESHOLD_NODATA_FAIL,       /* counts as a failure (Flagger's way) */
    RS_THRESHOLD_NODATA_PASS        /* counts as a pass: breaks the streak */
} rs_threshold_nodata;

typedef struct rs_threshold_metric {
    const char *name;
    rs_threshold_mode mode;
    int lower_is_worse;           /* 0: fails when the candidate is too high (errors, latency); 1: too low */
    double limit;                 /* absolute: the bound; relative: allowed relative change (0.2 = 20 %) */
    unsigned consecutive;         /* failed checks in a row that fire; 0 or 1: the first fires */
    rs_threshold_nodata nodata;
} rs_threshold_metric;

typedef struct rs_threshold_config {
    const rs_threshold_metric *metrics;
    size_t n_metrics; /* 1..RS_PG_MAX_METRICS */
} rs_threshold_config;

typedef struct rs_threshold_state {
    unsigned streak[RS_PG_MAX_METRICS];   /* current run of failures per metric */
    unsigned failures[RS_PG_MAX_METRICS]; /* all failures per metric */
    unsigned checks;
    int fired; /* ROLLBACK was returned */
} rs_threshold_state;

void rs_threshold_init(rs_threshold_state *st);
rs_status rs_threshold_validate(const rs_threshold_config *cfg, rs_error *err);
/* cand[i], base[i]: metric i for the candidate and the baseline (base may be NULL when no metric is
 * relative). */
rs_pg_action rs_threshold_check(const rs_threshold_config *cfg, rs_threshold_state *st, const rs_metric_value *cand,
                                const rs_metric_value *base, rs_pg_result *out);

/* ---- kayenta -------------------------------------------------------------------------------------------- */

/* Most distinct groups a kayenta config may use. */
#define RS_KAYENTA_MAX_GROUPS 64

typedef enum rs_kayenta_direction {
    RS_KAYENTA_EITHER = 0,
    RS_KAYENTA_INCREASE,
    RS_KAYENTA_DECREASE
} rs_kayenta_direction;
typedef enum rs_kayenta_nan { RS_KAYENTA_NAN_REMOVE = 0, RS_KAYENTA_NAN_REPLACE } rs_kayenta_nan;
typedef enum rs_kayenta_effect { RS_KAYENTA_MEAN_RATIO = 0, RS_KAYENTA_CLES } rs_kayenta_effect;

typedef struct rs_kayenta_metric {
    const char *name;
    const char *group;              /* the metric's group; NULL: in no group (it then counts in no score, as in
                                       Kayenta, though a critical failure still zeroes the score) */
    rs_kayenta_direction direction; /* which change is bad (default either) */
    rs_kayenta_nan nan_strategy;    /* NaN samples removed (default) or replaced by 0 */
    int critical;                   /* a critical metric failing sets the score to 0 */
    int must_have_data;             /* no data: NodataFailMetric (counts against the score) */
    int muted;                      /* classified but left out of the score */
    rs_kayenta_effect effect;       /* effect-size measure (default mean ratio canary/baseline) */
    double allowed_increase;        /* High also needs effect >= this (Kayenta default 1.0; 0.5 for CLES) */
    double allowed_decrease;        /* Low also needs effect <= this (default 1.0; 0.5 for CLES) */
    double critical_increase;       /* critical High needs effect >= this (default 1.0; 0.5 for CLES) */
    double critical_decrease;       /* critical Low needs effect <= this (default 1.0; 0.5 for CLES) */
    double scale;                   /* the query's unit: values are multiplied by it before judging (100 for a
                                       query returning percent); 0 means 1. Kayenta's root solver works to an
                                       absolute 1e-4, so the verdict depends on it */
} rs_kayenta_metric;

/* Fills *m with Kayenta's defaults (group as given, direction either, NaN removed, effect thresholds 1.0). */
void rs_kayenta_metric_init(rs_kayenta_metric *m, const char *name, const char *group);

typedef struct rs_kayenta_group_weight {
    const char *group;
    double weight; /* percent; groups without a weight share what the weights leave of 100 */
} rs_kayenta_group_weight;

typedef struct rs_kayenta_config {
    const rs_kayenta_metric *metrics;
    size_t n_metrics;
    const rs_kayenta_group_weight *weights;
    size_t n_weights;
    double pass_score;     /* final score >= pass_score succeeds; NaN: not given */
    double marginal_score; /* any interval's score <= marginal_score stops the canary; NaN: not given */
    double confidence;     /* 0 means Kayenta's 0.98 */
    double tolerance;      /* 0 means Kayenta's 0.25 */
    unsigned intervals;    /* judgments in the canary stage (lifetime / interval); 0 means 1 */
} rs_kayenta_config;

/* A metric's samples over the judged window: one value per time-series step, not per request. */
typedef struct rs_kayenta_samples {
    const double *canary;
    size_t n_canary;
    const double *baseline;
    size_t n_baseline;
} rs_kayenta_samples;

typedef enum rs_kayenta_class {
    RS_KAYENTA_PASS = 0,
    RS_KAYENTA_HIGH,
    RS_KAYENTA_LOW,
    RS_KAYENTA_NODATA,
    RS_KAYENTA_NODATA_FAIL, /* NodataFailMetric */
    RS_KAYENTA_ERROR        /* the Mann-Whitney interval could not be computed */
} rs_kayenta_class;

const char *rs_kayenta_class_name(rs_kayenta_class c);

typedef struct rs_kayenta_metric_result {
    rs_kayenta_class cls;
    int critical;         /* a critical failure (zeroes the score) */
    int tested;           /* the Mann-Whitney interval was computed (the fields below are set) */
    size_t n_canary, n_baseline; /* samples after NaN handling */
    double u;             /* Mann-Whitney U of the canary (pairs canary > baseline, ties half) */
    double p_value;       /* two-sided, normal approximation with continuity and tie correction (R's
                             wilcox.test exact = FALSE); reported only: Kayenta's decision does not use it */
    double estimate;      /* Hodges-Lehmann shift canary - baseline */
    double ci_lower, ci_upper; /* its interval at `confidence` */
    double tolerance_band;     /* tolerance · |estimate|: High needs ci_lower above it, Low ci_upper below -it */
    double effect_size;   /* mean ratio (or CLES); NaN when a mean is 0 */
    double deviation;     /* mean ratio canary/baseline (Kayenta's "ratio"); 1 when not tested */
} rs_kayenta_metric_result;

typedef enum rs_kayenta_verdict {
    RS_KAYENTA_VERDICT_PASS = 0,
    RS_KAYENTA_VERDICT_MARGINAL,
    RS_KAYENTA_VERDICT_FAIL
} rs_kayenta_verdict;

typedef struct rs_kayenta_judgment {
    double score;               /* 0..100, rounded to 2 decimals (half up) as Kayenta */
    rs_kayenta_verdict verdict; /* the judge's classification: >= pass Pass, >= marginal Marginal, else Fail
                                   (a NaN threshold is never reached) */
    int n_pass, n_high, n_low, n_nodata, n_nodata_fail, n_error; /* over the unmuted metrics */
    int critical_failure;       /* the score is 0 because a critical metric failed */
    int too_many_nodata;        /* the score is 0 because >= 50 % of the metrics had no data */
} rs_kayenta_judgment;

rs_status rs_kayenta_validate(const rs_kayenta_config *cfg, rs_error *err);

/* Kayenta's NetflixACAJudge on one window: classifies each metric (samples[i] for metric i; results must
 * have n_metrics entries) and scores them. RS_ERR_RUNTIME only when out of memory (err says so). */
rs_status rs_kayenta_judge(const rs_kayenta_config *cfg, const rs_kayenta_samples *samples,
                           rs_kayenta_metric_result *results, rs_kayenta_judgment *out, rs_error *err);

/* Mann-Whitney comparison of canary x[0..m-1] with baseline y[0..n-1] as Kayenta's MannWhitney.scala (no NaN
 * allowed): fills u, p_value, estimate, ci_lower, ci_upper, the interval's ends and the estimate found by
 * Kayenta's BrentSolver (absolute tolerance 1e-4) as Kayenta finds them. Returns 0; -1 when a sample is
 * empty or all observations tie at a root (Kayenta's IllegalArgumentException); -2 when out of memory. */
int rs_kayenta_mann_whitney(const double *x, size_t m, const double *y, size_t n, double confidence,
                            rs_kayenta_metric_result *out);

/* Kayenta's wilcoxonDiff(mu, quantile, x, y) (MannWhitney.scala) on unsorted samples; 0, or -1 when all
 * observations tie (sigma 0), -2 when out of memory. */
int rs_kayenta_wilcoxon_diff(double mu, double quantile, const double *x, size_t m, const double *y, size_t n,
                             double *out);
/* Kayenta's BrentSolver.solve(ax, bx, fa, fb, f) (R's zeroin, absolute tolerance 1e-4, at most 1000
 * iterations) on f(x) = f(x, ctx). */
double rs_kayenta_brent(double ax, double bx, double fa, double fb, double (*f)(double, void *), void *ctx);
/* Orca's score thresholds are Ints (KayentaService.kt Thresholds): a fractional value given in a pipeline
 * is truncated toward zero when it is read (Jackson's float-to-int coercion). NaN stays NaN. */
double rs_kayenta_int_threshold(double x);

/* The Spinnaker canary stage around the judge. */
typedef struct rs_kayenta_state {
    unsigned judged;  /* intervals judged so far */
    double last_score;
    int done;         /* ROLLBACK or ADVANCE was returned */
    rs_pg_action final_action;
} rs_kayenta_state;

void rs_kayenta_init(rs_kayenta_state *st);
/* Judges one interval (samples over the interval's window: from the stage's start, or the lookback) and
 * decides: score <= marginal stops the canary (ROLLBACK); after the last interval, a final score below pass
 * fails (ROLLBACK), else ADVANCE; otherwise CONTINUE. judgment/results may be NULL (results then scratch). */
rs_status rs_kayenta_check(const rs_kayenta_config *cfg, rs_kayenta_state *st, const rs_kayenta_samples *samples,
                           rs_kayenta_metric_result *results, rs_kayenta_judgment *judgment, rs_pg_result *out,
                           rs_error *err);

#endif
