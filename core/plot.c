/* The gnuplot driver: reads an output folder, writes per plot kind NAME.dat (the data), NAME.gp (the filled
 * template) and NAME.png (gnuplot, pngcairo) into DIR/plots/. See plot.h.
 *
 * Adding a plot kind = one template plots/NAME.gp.in and one data writer here, listed in `kinds` below (with
 * the folders it applies to: kind_applies). A writer writes the data blocks of NAME.dat and sets the template's
 * @PLACEHOLDERS@: global ones, and per-section ones for the template's section between the lines
 * @FOR_EACH_POLICY@ (or @FOR_EACH_PANEL@) and @END_FOR@, which is repeated once per policy of a run or compare,
 * per measure of a sweep, per parameter of an optimize (kind_sections). Strings that land in gnuplot code are
 * quoted with gp_quote (no text from the output folder is ever run as a command: gnuplot gets the script's file
 * name only). */
#define _GNU_SOURCE /* posix_spawn_file_actions_addchdir_np (glibc 2.29) */
#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csvread.h"
#include "htmlreport.h"
#include "output.h"
#include "paths.h"
#include "runner.h" /* ROLLSIM_VERSION */
#include "stats.h"  /* rs_stats_quantile_sorted */

extern char **environ;

/* The templates embedded in the program (generated from plots/ by core/plot_embed.cmake), NULL-terminated. */
struct rs_plot_template {
    const char *name;
    const char *text;
};
extern const struct rs_plot_template rs_plot_templates[];

/* ---------------------------------------------------------------------------------------------------------- */
/* What the plots are drawn from: summary.json, bands.csv, runs.csv, events.csv of one output folder.         */

typedef struct band_row {
    double t;
    double p[5];       /* P quantiles 5/25/50/75/95 % (a fraction of the users) */
    double exposed[5]; /* exposed users, same quantiles */
    double harmed[5];  /* harmed users */
    double regret[6];  /* cumulative pseudo-regret: mean, then the same quantiles (NaN in older folders) */
} band_row;

typedef struct xy {
    double x, y;
} xy;

/* Issue 16: one sample of the candidates' labels (curves.csv, the first replication written). */
typedef struct quality_row {
    double t, tp, fn, in_flight, true_recall;
} quality_row;
/* One decision of a safe policy (bayesopt's "safeset" lines of events.csv). */
typedef struct safe_row {
    long long rep;
    double t, w;  /* the weight served from t on */
    double lo, hi; /* the safe interval (the seed weight alone when no grid weight is safe yet) */
    int end;       /* 1: promoted, -1: rolled back (the policy decides no more), 0: goes on */
} safe_row;

/* Issue 19's fan chart: one candidate weight change of one replication (events.csv "weight" lines). */
typedef struct weight_ev {
    long long rep;
    double t, w;     /* the version's share of the users from t on */
    size_t version;  /* its slot in policy_data.versions */
    size_t order;    /* its place in the file: ties of (rep, t) keep the file's order */
} weight_ev;

/* One replication's end (runs.csv). */
typedef struct rep_end {
    long long rep;
    int outcome;      /* 1 promoted, -1 rolled back, 0 neither by the horizon */
    int bad;          /* the candidate was bad */
    double rb_t, rb_p; /* rollback time and P just before (NaN unless rolled back) */
} rep_end;

typedef struct policy_data {
    char *label;
    size_t reps;                          /* replications finished */
    double esc[3], fr[3];                 /* P(escape | bad), P(false rollback | good): estimate, lo, hi */
    double n_bad, n_good;                 /* their denominators */
    double harm_mean, harm_lo, harm_hi, harm_var95, harm_cvar95;
    double excess_mean, excess_lo, excess_hi; /* excess harm: errors above the baseline's rate */
    double excess_var95, excess_cvar95;
    double ttf_mean, ttf_lo, ttf_hi, ttf_n; /* time to full over the promoted replications */
    band_row *bands;
    size_t n_bands, cap_bands;
    xy *harm; /* per replication (runs.csv): (excess harm, 1 when the candidate is bad else 0) */
    size_t n_harm, cap_harm;
    double *ttf_rows; /* per replication, in the same order: time to full, NaN when never full */
    size_t n_ttf_rows, cap_ttf_rows;
    xy *rollbacks; /* (time, P before) of every rolled-back replication */
    size_t n_rollbacks, cap_rollbacks;
    long long rep0; /* the first replication in events.csv (-1: none seen) */
    xy *stages;     /* (start time, stage number) of rep0 */
    size_t n_stages, cap_stages;
    double rep0_rollback; /* rep0's rollback time, NaN if none */
    safe_row *safe;       /* every "safeset" line of the policy, in file order */
    size_t n_safe, cap_safe;
    size_t cell;          /* sweep: the point's place in the grid (last key fastest); SIZE_MAX: not in it */
    quality_row *quality; /* issue 16: the candidates' labels over time in one replication (curves.csv) */
    size_t n_quality, cap_quality;
    long long quality_rep;
    weight_ev *wev; /* every replication's candidate weight changes */
    size_t n_wev, cap_wev;
    char **versions; /* the candidate versions named in events.csv (weight_ev.version indexes this) */
    size_t n_versions, cap_versions;
    rep_end *ends; /* every replication's outcome */
    size_t n_ends, cap_ends;
} policy_data;

/* The folder's command: run and compare (summary.json without "command") share the policy plots. */
enum { CMD_RUN, CMD_SWEEP, CMD_OPTIMIZE };

/* One --grid key of a sweep. */
typedef struct sweep_axis {
    char *key;
    size_t n;
    char **text;  /* [n] each value as given on the command line ("6h"), else as summary.json has it */
    double *num;  /* [n] each value's number (NaN: not a number) */
    int numeric;  /* every value is a number */
} sweep_axis;

/* One --param of an optimize, and one evaluation of its trace (optimize.csv). */
typedef struct opt_param {
    char *key;
    double lo, hi;
    int log; /* searched on a log scale */
} opt_param;

typedef struct opt_eval {
    double eval, obj, se, best; /* number, objective, its standard error, best feasible so far (NaN: none) */
    int initial, feasible;
    double *x; /* [n_params] the parameter values */
} opt_eval;

typedef struct plot_input {
    int command; /* CMD_* */
    char *scenario;
    double users, horizon, reps;
    int partial;
    size_t n;
    policy_data *p;
    /* sweep */
    sweep_axis *axes;
    size_t n_axes, n_grid; /* n_grid: the points of the full grid */
    /* optimize */
    char *objective, *constraints; /* constraints: joined by "; " ("" if none) */
    opt_param *params;
    size_t n_params;
    long best_eval;   /* the best evaluation's number (0: none) */
    int any_feasible; /* summary.json's optimize.feasible */
    opt_eval *evals;
    size_t n_evals, cap_evals;
    double rerun[3]; /* best.json: the best point re-evaluated on fresh streams: objective, lo, hi (NaN: none) */
    int has_quality; /* issue 16: curves.csv has the candidates' labels */
} plot_input;

static void input_free(plot_input *in)
{
    for (size_t i = 0; i < in->n; i++) {
        policy_data *p = &in->p[i];
        free(p->label);
        free(p->bands);
        free(p->harm);
        free(p->ttf_rows);
        free(p->rollbacks);
        free(p->stages);
        free(p->quality);
        free(p->safe);
        free(p->wev);
        free(p->ends);
        for (size_t v = 0; v < p->n_versions; v++)
            free(p->versions[v]);
        free(p->versions);
    }
    for (size_t k = 0; k < in->n_axes; k++) {
        sweep_axis *a = &in->axes[k];
        for (size_t v = 0; a->text && v < a->n; v++)
            free(a->text[v]);
        free(a->key);
        free(a->text);
        free(a->num);
    }
    for (size_t k = 0; k < in->n_params; k++)
        free(in->params[k].key);
    for (size_t i = 0; i < in->n_evals; i++)
        free(in->evals[i].x);
    free(in->axes);
    free(in->params);
    free(in->evals);
    free(in->objective);
    free(in->constraints);
    free(in->p);
    free(in->scenario);
    memset(in, 0, sizeof *in);
}

/* Appends one item to a growing array; -1 when out of memory. */
static int push(void *arr_, size_t *n, size_t *cap, size_t size, const void *item)
{
    void **arr = arr_;
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 64;
        void *q = realloc(*arr, c * size);
        if (!q)
            return -1;
        *arr = q;
        *cap = c;
    }
    memcpy((char *)*arr + *n * size, item, size);
    (*n)++;
    return 0;
}

static double jnum(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static void jprob(json_t *est, const char *key, double out[3], double *n)
{
    json_t *o = json_object_get(est, key);
    out[0] = jnum(o, "estimate");
    out[1] = jnum(o, "lo");
    out[2] = jnum(o, "hi");
    *n = jnum(o, "n");
}

static char *one_line(const char *s);

/* A value of summary.json as short text: a number, true/false, a string as is, anything else as JSON. Caller
 * frees. */
static char *json_text(json_t *x)
{
    char *s = NULL;
    if (json_is_number(x))
        return asprintf(&s, "%.6g", json_number_value(x)) < 0 ? NULL : s;
    if (json_is_boolean(x))
        return strdup(json_is_true(x) ? "true" : "false");
    if (json_is_string(x))
        return strdup(json_string_value(x));
    s = json_dumps(x, JSON_COMPACT | JSON_ENCODE_ANY);
    return s ? s : strdup("?");
}

/* The text of key k's value in a sweep point's label "KEY1=TEXT1, KEY2=TEXT2" (as typed: "6h"), or NULL.
 * Caller frees. */
static char *label_value(const char *label, const plot_input *in, size_t k)
{
    char *pat = NULL;
    const char *start = NULL, *end = NULL;
    size_t len = strlen(in->axes[k].key);
    if (k == 0 && !strncmp(label, in->axes[0].key, len) && label[len] == '=') {
        start = label + len + 1;
    } else if (k > 0 && asprintf(&pat, ", %s=", in->axes[k].key) >= 0) {
        start = strstr(label, pat);
        start = start ? start + strlen(pat) : NULL;
    }
    free(pat);
    pat = NULL;
    if (!start)
        return NULL;
    if (k + 1 < in->n_axes && asprintf(&pat, ", %s=", in->axes[k + 1].key) >= 0)
        end = strstr(start, pat);
    free(pat);
    return strndup(start, end ? (size_t)(end - start) : strlen(start));
}

static int json_same(json_t *a, json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    return json_equal(a, b);
}

/* sweep.grid of summary.json into in->axes. */
static rs_status read_grid(json_t *root, const char *path, plot_input *in, rs_error *err)
{
    json_t *grid = json_object_get(json_object_get(root, "sweep"), "grid");
    if (!json_is_array(grid) || !json_array_size(grid))
        RS_FAIL(err, RS_ERR_INPUT, "%s: no \"sweep\": {\"grid\": [...]}", path);
    in->axes = calloc(json_array_size(grid), sizeof *in->axes);
    if (!in->axes)
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    in->n_grid = 1;
    for (size_t k = 0; k < json_array_size(grid); k++) {
        json_t *g = json_array_get(grid, k), *vals = json_object_get(g, "values");
        const char *key = json_string_value(json_object_get(g, "key"));
        if (!key || !json_is_array(vals) || !json_array_size(vals))
            RS_FAIL(err, RS_ERR_INPUT, "%s: sweep.grid[%zu] has no \"key\" or \"values\"", path, k);
        sweep_axis *a = &in->axes[in->n_axes++];
        a->n = json_array_size(vals);
        a->key = strdup(key);
        a->text = calloc(a->n, sizeof *a->text);
        a->num = calloc(a->n, sizeof *a->num);
        if (!a->key || !a->text || !a->num)
            RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
        a->numeric = 1;
        for (size_t v = 0; v < a->n; v++) {
            json_t *x = json_array_get(vals, v);
            a->num[v] = json_is_number(x) ? json_number_value(x) : NAN;
            a->numeric &= json_is_number(x) && isfinite(a->num[v]);
        }
        in->n_grid = in->n_grid > SIZE_MAX / a->n ? SIZE_MAX : in->n_grid * a->n;
    }
    return RS_OK;
}

/* A sweep point's place in the grid from its "values" (SIZE_MAX: not a point of the grid); the texts of its
 * values, from its label, for the axes that have none yet. */
static size_t grid_cell(plot_input *in, json_t *grid, json_t *values, const char *label)
{
    size_t cell = 0;
    for (size_t k = 0; k < in->n_axes; k++) {
        sweep_axis *a = &in->axes[k];
        json_t *x = json_object_get(values, a->key), *vals = json_object_get(json_array_get(grid, k), "values");
        size_t v = 0;
        while (x && v < a->n && !json_same(x, json_array_get(vals, v)))
            v++;
        if (!x || v == a->n)
            return SIZE_MAX;
        if (!a->text[v])
            a->text[v] = label_value(label, in, k);
        cell = cell * a->n + v;
    }
    return cell;
}

/* optimize.{objective, constraints, params, best_evaluation, feasible} of summary.json. */
static rs_status read_optimize(json_t *root, const char *path, plot_input *in, rs_error *err)
{
    json_t *o = json_object_get(root, "optimize"), *params = json_object_get(o, "params");
    if (!json_is_array(params) || !json_array_size(params))
        RS_FAIL(err, RS_ERR_INPUT, "%s: no \"optimize\": {\"params\": [...]}", path);
    const char *obj = json_string_value(json_object_get(o, "objective"));
    in->objective = strdup(obj ? obj : "?");
    char *cons = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&cons, &len);
    json_t *cs = json_object_get(o, "constraints");
    for (size_t k = 0; m && k < json_array_size(cs); k++) {
        const char *t = json_string_value(json_array_get(cs, k));
        fprintf(m, "%s%s", k ? "; " : "", t ? t : "?");
    }
    if (!m || fclose(m)) {
        free(cons);
        cons = NULL;
    }
    in->constraints = cons;
    double best = jnum(o, "best_evaluation");
    in->best_eval = isfinite(best) && best >= 1 ? (long)best : 0;
    in->any_feasible = json_is_true(json_object_get(o, "feasible"));
    in->params = calloc(json_array_size(params), sizeof *in->params);
    if (!in->objective || !in->constraints || !in->params)
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    for (size_t k = 0; k < json_array_size(params); k++) {
        json_t *pj = json_array_get(params, k);
        const char *key = json_string_value(json_object_get(pj, "key")),
                   *scale = json_string_value(json_object_get(pj, "scale"));
        opt_param *p = &in->params[in->n_params];
        p->lo = jnum(pj, "lo");
        p->hi = jnum(pj, "hi");
        if (!key || !isfinite(p->lo) || !isfinite(p->hi))
            RS_FAIL(err, RS_ERR_INPUT, "%s: optimize.params[%zu] has no \"key\", \"lo\" or \"hi\"", path, k);
        p->log = scale && !strcmp(scale, "log") && p->lo > 0;
        p->key = strdup(key);
        if (!p->key)
            RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
        in->n_params++;
    }
    return RS_OK;
}

static rs_status read_summary(const char *dir, plot_input *in, rs_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root) {
        if (access(path, F_OK))
            RS_FAIL(err, RS_ERR_INPUT, "%s has no summary.json (not an output folder of rollsim run, compare, sweep "
                                       "or optimize)", dir);
        RS_FAIL(err, RS_ERR_INPUT, "%s:%d: %s", path, jerr.line, jerr.text);
    }
    json_t *pols = json_object_get(root, "policies"), *cmd = json_object_get(root, "command");
    const char *command = json_string_value(cmd);
    rs_status st = RS_OK;
    if (!cmd || (command && (!strcmp(command, "run") || !strcmp(command, "compare")))) {
        in->command = CMD_RUN;
    } else if (command && !strcmp(command, "sweep")) {
        in->command = CMD_SWEEP;
    } else if (command && !strcmp(command, "optimize")) {
        in->command = CMD_OPTIMIZE;
    } else {
        char *c = json_text(cmd), *line = c ? one_line(c) : NULL;
        st = RS_SET(err, RS_ERR_INPUT, "%s: \"command\": %s has no plots", path, line ? line : "?");
        free(line);
        free(c);
        goto done;
    }
    if (in->command != CMD_OPTIMIZE && (!json_is_array(pols) || json_array_size(pols) == 0)) {
        st = RS_SET(err, RS_ERR_INPUT, "%s: no \"policies\" list", path);
        goto done;
    }
    json_t *grid = json_object_get(json_object_get(root, "sweep"), "grid");
    if (in->command == CMD_SWEEP && (st = read_grid(root, path, in, err)))
        goto done;
    if (in->command == CMD_OPTIMIZE && (st = read_optimize(root, path, in, err)))
        goto done;
    const char *name = json_string_value(json_object_get(root, "scenario"));
    in->scenario = strdup(name ? name : "?");
    in->users = jnum(root, "users");
    in->horizon = jnum(root, "horizon");
    in->reps = jnum(root, "replications");
    in->partial = json_is_true(json_object_get(root, "partial"));
    in->p = calloc(json_array_size(pols) + 1, sizeof *in->p);
    if (!in->scenario || !in->p) {
        st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < json_array_size(pols); i++) {
        json_t *pj = json_array_get(pols, i), *est = json_object_get(pj, "estimates");
        const char *label = json_string_value(json_object_get(pj, "label"));
        if (!label || !json_is_object(est)) {
            st = RS_SET(err, RS_ERR_INPUT, "%s: policy %zu has no \"label\" or \"estimates\"", path, i + 1);
            goto done;
        }
        policy_data *p = &in->p[in->n++];
        p->rep0 = -1;
        p->rep0_rollback = NAN;
        p->quality_rep = -1;
        p->label = strdup(label);
        if (!p->label) {
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
            goto done;
        }
        p->cell = in->command == CMD_SWEEP ? grid_cell(in, grid, json_object_get(pj, "values"), label) : SIZE_MAX;
        double reps = jnum(pj, "replications");
        p->reps = (size_t)(isfinite(reps) ? reps : in->reps);
        jprob(est, "p_escape", p->esc, &p->n_bad);
        jprob(est, "p_false_rollback", p->fr, &p->n_good);
        json_t *h = json_object_get(est, "harm"), *t = json_object_get(est, "time_to_full");
        p->harm_mean = jnum(h, "mean");
        p->harm_lo = jnum(h, "lo");
        p->harm_hi = jnum(h, "hi");
        json_t *x = json_object_get(est, "excess_harm");
        p->excess_mean = jnum(x, "mean");
        p->excess_lo = jnum(x, "lo");
        p->excess_hi = jnum(x, "hi");
        p->harm_var95 = jnum(h, "var95");
        p->harm_cvar95 = jnum(h, "cvar95");
        p->excess_var95 = jnum(x, "var95");
        p->excess_cvar95 = jnum(x, "cvar95");
        p->ttf_mean = jnum(t, "mean");
        p->ttf_lo = jnum(t, "lo");
        p->ttf_hi = jnum(t, "hi");
        p->ttf_n = jnum(t, "n");
    }
    for (size_t k = 0; k < in->n_axes; k++) { /* values of no point (an interrupted sweep): as summary.json has them */
        json_t *vals = json_object_get(json_array_get(grid, k), "values");
        for (size_t v = 0; v < in->axes[k].n; v++)
            if (!in->axes[k].text[v] && !(in->axes[k].text[v] = json_text(json_array_get(vals, v)))) {
                st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
                goto done;
            }
    }
    if (in->command == CMD_RUN && (!isfinite(in->horizon) || !(in->horizon > 0))) {
        st = RS_SET(err, RS_ERR_INPUT, "%s: no \"horizon\"", path);
        goto done;
    }
done:
    json_decref(root);
    return st;
}

static policy_data *find_policy(plot_input *in, const char *label)
{
    for (size_t i = 0; i < in->n; i++)
        if (!strcmp(in->p[i].label, label))
            return &in->p[i];
    return NULL; /* a row of a policy the summary does not list: not plotted */
}

static rs_status read_bands(const char *dir, plot_input *in, rs_error *err)
{
    static const char *const names[] = {
        "t",          "P_p5",        "P_p25",       "P_p50",       "P_p75",       "P_p95",     "exposed_p5",
        "exposed_p25", "exposed_p50", "exposed_p75", "exposed_p95", "harmed_p5",  "harmed_p25", "harmed_p50",
        "harmed_p75", "harmed_p95",  "policy"};
    int col[17];
    rs_csv c;
    rs_status st = rs_csv_open(&c, dir, "bands.csv", names, col, 17, err);
    /* the regret columns (issue 12) are optional: folders written before them have none */
    static const char *const rnames[] = {"regret_mean", "regret_p5", "regret_p25", "regret_p50", "regret_p75",
                                         "regret_p95"};
    int rcol[6];
    for (int k = 0; k < 6; k++) {
        rcol[k] = -1;
        for (size_t j = 0; !st && j < c.nf; j++)
            if (!strcmp(rs_csv_get(&c, (int)j), rnames[k]))
                rcol[k] = (int)j;
    }
    int r = 0;
    while (!st && (r = rs_csv_next(&c)) > 0) {
        policy_data *p = find_policy(in, rs_csv_get(&c, col[16]));
        if (!p)
            continue;
        band_row b = {.t = rs_csv_num(&c, col[0])};
        for (int k = 0; k < 6; k++)
            b.regret[k] = rcol[k] >= 0 ? rs_csv_num(&c, rcol[k]) : NAN;
        for (int k = 0; k < 5; k++) {
            b.p[k] = rs_csv_num(&c, col[1 + k]);
            b.exposed[k] = rs_csv_num(&c, col[6 + k]);
            b.harmed[k] = rs_csv_num(&c, col[11 + k]);
        }
        if (isfinite(b.t) && push(&p->bands, &p->n_bands, &p->cap_bands, sizeof b, &b))
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
    }
    if (!st && r < 0)
        st = RS_SET(err, RS_ERR_INPUT, "%s:%zu: cannot read this row", c.path, c.line);
    rs_csv_close(&c);
    return st;
}

static rs_status read_runs(const char *dir, plot_input *in, rs_error *err)
{
    static const char *const names[] = {"outcome", "excess_harm", "rollback_time", "p_at_rollback", "policy", "bad",
                                        "time_to_full", "rep"};
    int col[8];
    rs_csv c;
    rs_status st = rs_csv_open(&c, dir, "runs.csv", names, col, 8, err);
    int r = 0;
    while (!st && (r = rs_csv_next(&c)) > 0) {
        policy_data *p = find_policy(in, rs_csv_get(&c, col[4]));
        if (!p)
            continue;
        xy h = {rs_csv_num(&c, col[1]), rs_csv_num(&c, col[5]) == 1};
        double ttf = rs_csv_num(&c, col[6]);
        if (isfinite(h.x) && push(&p->ttf_rows, &p->n_ttf_rows, &p->cap_ttf_rows, sizeof ttf, &ttf))
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
        if (!st && isfinite(h.x) && push(&p->harm, &p->n_harm, &p->cap_harm, sizeof h, &h))
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
        xy rb = {rs_csv_num(&c, col[2]), rs_csv_num(&c, col[3])};
        if (!st && !strcmp(rs_csv_get(&c, col[0]), "rolled_back") && isfinite(rb.x) && isfinite(rb.y) &&
            push(&p->rollbacks, &p->n_rollbacks, &p->cap_rollbacks, sizeof rb, &rb))
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
        const char *outcome = rs_csv_get(&c, col[0]);
        rep_end e = {(long long)rs_csv_num(&c, col[7]),
                     !strcmp(outcome, "promoted") ? 1 : !strcmp(outcome, "rolled_back") ? -1 : 0,
                     rs_csv_num(&c, col[5]) == 1, rb.x, rb.y};
        if (!st && isfinite(rs_csv_num(&c, col[7])) && push(&p->ends, &p->n_ends, &p->cap_ends, sizeof e, &e))
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
    }
    if (!st && r < 0)
        st = RS_SET(err, RS_ERR_INPUT, "%s:%zu: cannot read this row", c.path, c.line);
    rs_csv_close(&c);
    return st;
}

/* Issue 16: the candidates' labels over time in each policy's first replication of curves.csv, when the scenario
 * gave labels (the columns are there); in->has_quality says so. */
static rs_status read_quality(const char *dir, plot_input *in, rs_error *err)
{
    static const char *const names[] = {"rep", "t", "policy"};
    static const char *const qnames[] = {"cand_tp", "cand_fn", "cand_in_flight", "true_recall"};
    int col[3], qcol[4];
    rs_csv c;
    rs_status st = rs_csv_open(&c, dir, "curves.csv", names, col, 3, err);
    if (st) { /* a folder without curves (outputs.curves = 0) simply has no quality plot */
        rs_csv_close(&c);
        return RS_OK;
    }
    int all = 1;
    for (int k = 0; k < 4; k++) {
        qcol[k] = -1;
        for (size_t j = 0; j < c.nf; j++)
            if (!strcmp(rs_csv_get(&c, (int)j), qnames[k]))
                qcol[k] = (int)j;
        all &= qcol[k] >= 0;
    }
    int r = 0;
    while (all && !st && (r = rs_csv_next(&c)) > 0) {
        policy_data *p = find_policy(in, rs_csv_get(&c, col[2]));
        double rep = rs_csv_num(&c, col[0]);
        if (!p || !isfinite(rep))
            continue;
        if (p->quality_rep < 0)
            p->quality_rep = (long long)rep;
        if ((long long)rep != p->quality_rep)
            continue;
        quality_row q = {rs_csv_num(&c, col[1]), rs_csv_num(&c, qcol[0]), rs_csv_num(&c, qcol[1]), rs_csv_num(&c, qcol[2]),
                         rs_csv_num(&c, qcol[3])};
        if (push(&p->quality, &p->n_quality, &p->cap_quality, sizeof q, &q))
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
        in->has_quality = 1;
    }
    if (!st && r < 0)
        st = RS_SET(err, RS_ERR_INPUT, "%s:%zu: cannot read this row", c.path, c.line);
    rs_csv_close(&c);
    return st;
}

/* A "weight" line of events.csv (a candidate's share of the users from t on) into p->wev. */
static rs_status push_weight(policy_data *p, const rs_csv *c, const int *col, long long rep, double t, rs_error *err)
{
    const char *name = rs_csv_get(c, col[6]);
    double w = rs_csv_num(c, col[3]);
    if (!isfinite(w))
        return RS_OK;
    size_t v = 0;
    while (v < p->n_versions && strcmp(p->versions[v], name))
        v++;
    if (v == p->n_versions) {
        char *copy = strdup(name);
        if (!copy || push(&p->versions, &p->n_versions, &p->cap_versions, sizeof copy, &copy)) {
            free(copy);
            RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
        }
    }
    weight_ev e = {rep, t, w, v, p->n_wev};
    if (push(&p->wev, &p->n_wev, &p->cap_wev, sizeof e, &e))
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    return RS_OK;
}

/* Stage starts and the rollback of each policy's first replication in events.csv; every replication's weight
 * changes (the fan chart's per-outcome bands). */
static rs_status read_events(const char *dir, plot_input *in, rs_error *err)
{
    static const char *const names[] = {"rep", "t", "kind", "value", "policy", "detail", "version"};
    int col[7];
    rs_csv c;
    rs_status st = rs_csv_open(&c, dir, "events.csv", names, col, 7, err);
    int r = 0;
    while (!st && (r = rs_csv_next(&c)) > 0) {
        policy_data *p = find_policy(in, rs_csv_get(&c, col[4]));
        double rep = rs_csv_num(&c, col[0]), t = rs_csv_num(&c, col[1]);
        if (!p || !isfinite(rep) || !isfinite(t))
            continue;
        if (!strcmp(rs_csv_get(&c, col[2]), "safeset")) {
            /* "WHAT w=W safe=LO..HI seed=S ...", as plugins/bayesopt.c writes it; a line it cannot read is skipped */
            char what[16];
            double w, lo, hi, seed;
            if (sscanf(rs_csv_get(&c, col[5]), "%15s w=%lf safe=%lf..%lf seed=%lf", what, &w, &lo, &hi, &seed) == 5 &&
                isfinite(w) && isfinite(seed)) {
                safe_row s = {(long long)rep, t, w, isnan(lo) ? seed : fmin(lo, seed),
                              isnan(hi) ? seed : fmax(hi, seed),
                              !strcmp(what, "promote") ? 1 : !strcmp(what, "rollback") ? -1 : 0};
                if (push(&p->safe, &p->n_safe, &p->cap_safe, sizeof s, &s))
                    st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
            }
        }
        if (!strcmp(rs_csv_get(&c, col[2]), "weight") && (st = push_weight(p, &c, col, (long long)rep, t, err)))
            break;
        if (p->rep0 < 0)
            p->rep0 = (long long)rep;
        if ((long long)rep != p->rep0)
            continue;
        const char *kind = rs_csv_get(&c, col[2]);
        if (!strcmp(kind, "stage")) {
            xy s = {t, rs_csv_num(&c, col[3])};
            if (push(&p->stages, &p->n_stages, &p->cap_stages, sizeof s, &s))
                st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
        } else if (!strcmp(kind, "rollback") && isnan(p->rep0_rollback)) {
            p->rep0_rollback = t;
        }
    }
    if (!st && r < 0)
        st = RS_SET(err, RS_ERR_INPUT, "%s:%zu: cannot read this row", c.path, c.line);
    rs_csv_close(&c);
    return st;
}

/* optimize.csv: every evaluation's number, phase, parameter values, objective and its standard error,
 * feasibility and the best feasible objective so far. */
static rs_status read_trace(const char *dir, plot_input *in, rs_error *err)
{
    enum { EVAL, PHASE, OBJ, SE, FEASIBLE, BEST, N_FIXED };
    static const char *const fixed[N_FIXED] = {"eval", "phase", "objective", "objective_se", "feasible",
                                               "best_so_far"};
    size_t n_names = N_FIXED + in->n_params;
    const char **names = calloc(n_names, sizeof *names);
    int *col = calloc(n_names, sizeof *col);
    if (!names || !col) {
        free(names);
        free(col);
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    }
    for (size_t k = 0; k < n_names; k++)
        names[k] = k < N_FIXED ? fixed[k] : in->params[k - N_FIXED].key;
    rs_csv c;
    rs_status st = rs_csv_open(&c, dir, "optimize.csv", names, col, n_names, err);
    int r = 0;
    while (!st && (r = rs_csv_next(&c)) > 0) {
        opt_eval e = {.eval = rs_csv_num(&c, col[EVAL]), .obj = rs_csv_num(&c, col[OBJ]), .se = rs_csv_num(&c, col[SE]),
                      .best = rs_csv_num(&c, col[BEST]), .initial = !strcmp(rs_csv_get(&c, col[PHASE]), "initial"),
                      .feasible = rs_csv_num(&c, col[FEASIBLE]) == 1};
        if (!isfinite(e.eval))
            continue;
        e.x = calloc(in->n_params, sizeof *e.x);
        for (size_t k = 0; e.x && k < in->n_params; k++)
            e.x[k] = rs_csv_num(&c, col[N_FIXED + k]);
        if (!e.x || push(&in->evals, &in->n_evals, &in->cap_evals, sizeof e, &e)) {
            free(e.x);
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
        }
    }
    if (!st && r < 0)
        st = RS_SET(err, RS_ERR_INPUT, "%s:%zu: cannot read this row", c.path, c.line);
    rs_csv_close(&c);
    free(names);
    free(col);
    return st;
}

/* best.json's objective (the best point re-evaluated on fresh streams), when the folder has one. */
static rs_status read_best(const char *dir, plot_input *in, rs_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/best.json", dir);
    in->rerun[0] = in->rerun[1] = in->rerun[2] = NAN;
    if (access(path, F_OK))
        return RS_OK; /* an interrupted optimize writes none */
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root)
        RS_FAIL(err, RS_ERR_INPUT, "%s:%d: %s", path, jerr.line, jerr.text);
    json_t *o = json_object_get(root, "objective");
    in->rerun[0] = jnum(o, "value");
    in->rerun[1] = jnum(o, "lo");
    in->rerun[2] = jnum(o, "hi");
    json_decref(root);
    return RS_OK;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Placeholder values and the template filler.                                                               */

typedef struct var {
    char name[32];
    char *value;
} var;

typedef struct vars {
    var *v;
    size_t n, cap;
    int oom; /* a set failed for lack of memory: reported once by the driver */
} vars;

static void vars_free(vars *vs)
{
    for (size_t i = 0; vs && i < vs->n; i++)
        free(vs->v[i].value);
    if (vs)
        free(vs->v);
}

static const char *vars_get(const vars *vs, const char *name, size_t len)
{
    for (size_t i = 0; vs && i < vs->n; i++)
        if (strlen(vs->v[i].name) == len && !strncmp(vs->v[i].name, name, len))
            return vs->v[i].value;
    return NULL;
}

static void vars_put(vars *vs, const char *name, char *value)
{
    if (!value) {
        vs->oom = 1;
        return;
    }
    for (size_t i = 0; i < vs->n; i++)
        if (!strcmp(vs->v[i].name, name)) {
            free(vs->v[i].value);
            vs->v[i].value = value;
            return;
        }
    var v = {.value = value};
    snprintf(v.name, sizeof v.name, "%s", name);
    if (push(&vs->v, &vs->n, &vs->cap, sizeof v, &v)) {
        free(value);
        vs->oom = 1;
    }
}

static char *vformat(const char *fmt, va_list ap)
{
    char *s = NULL;
    return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

/* Sets @NAME@ to the formatted text, as is (gnuplot code or a number). */
static void vars_set(vars *vs, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void vars_set(vars *vs, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vars_put(vs, name, vformat(fmt, ap));
    va_end(ap);
}

/* The text as a gnuplot string expression: single-quoted, because gnuplot runs `commands` in backquotes inside
 * double-quoted strings (and expands backslash escapes there), never inside single-quoted ones. A quote is
 * doubled; a newline (a line break in titles) becomes '...'."\n".'...'; other control characters become
 * spaces. Caller frees. */
static char *gp_quote(const char *s)
{
    size_t n = strlen(s);
    char *q = malloc(8 * n + 3), *o = q;
    if (!q)
        return NULL;
    *o++ = '\'';
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '\'') {
            *o++ = '\'';
            *o++ = '\'';
        } else if (ch == '\n') {
            memcpy(o, "'.\"\\n\".'", 8);
            o += 8;
        } else {
            *o++ = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return q;
}

/* Sets @NAME@ to the formatted text as a gnuplot string literal. */
static void vars_setq(vars *vs, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void vars_setq(vars *vs, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = vformat(fmt, ap);
    va_end(ap);
    vars_put(vs, name, text ? gp_quote(text) : NULL);
    free(text);
}

/* User text (a label, a scenario name) on one line: control characters become spaces. Caller frees. */
static char *one_line(const char *s)
{
    char *q = strdup(s);
    for (char *o = q; o && *o; o++)
        if ((unsigned char)*o < 0x20 || *o == 0x7f)
            *o = ' ';
    return q;
}

/* A label (a policy SPEC can be long) broken into lines of at most width characters where possible, after a
 * ';', ',' or ':' or at a space; *lines gets the number of lines. Caller frees. */
static char *wrap_label(const char *s, size_t width, int *lines)
{
    char *q = one_line(s);
    *lines = 1;
    if (!q)
        return NULL;
    size_t start = 0, brk = 0; /* the current line's start, the last place it may break (0: none) */
    for (size_t i = 0; q[i]; i++) {
        if (q[i] == ';' || q[i] == ',' || q[i] == ':' || q[i] == ' ')
            brk = q[i] == ' ' ? i : i + 1;
        if (i - start + 1 > width && brk > start && q[brk]) {
            if (q[brk] == ' ') { /* break at the space itself */
                q[brk] = '\n';
                start = brk + 1;
            } else { /* insert a newline after the separator */
                char *r = malloc(strlen(q) + 2);
                if (!r)
                    return q;
                memcpy(r, q, brk);
                r[brk] = '\n';
                strcpy(r + brk + 1, q + brk);
                free(q);
                q = r;
                start = brk + 1;
                i++;
            }
            brk = 0;
            (*lines)++;
        }
    }
    return q;
}

static int is_name_char(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
}

/* Copies text[0..len) to out with every @NAME@ replaced by its value in local (may be NULL), else global. */
static rs_status substitute(const char *text, size_t len, const vars *local, const vars *global, FILE *out,
                            const char *tpl, rs_error *err)
{
    for (size_t i = 0; i < len; i++) {
        size_t k = i + 1;
        while (k < len && is_name_char(text[k]))
            k++;
        if (text[i] != '@' || k == i + 1 || k >= len || text[k] != '@') {
            fputc(text[i], out);
            continue;
        }
        const char *v = vars_get(local, text + i + 1, k - i - 1);
        if (!v)
            v = vars_get(global, text + i + 1, k - i - 1);
        if (!v)
            RS_FAIL(err, RS_ERR_RUNTIME, "plot template %s: no value for %.*s", tpl, (int)(k - i + 1), text + i);
        fputs(v, out);
        i = k;
    }
    return RS_OK;
}

/* A line of text equal to marker once leading and trailing blanks are removed. */
static int line_is(const char *line, size_t len, const char *marker)
{
    while (len && (*line == ' ' || *line == '\t'))
        line++, len--;
    while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
        len--;
    return len == strlen(marker) && !strncmp(line, marker, len);
}

/* Writes the template filled in: the lines between @FOR_EACH_POLICY@ (or @FOR_EACH_PANEL@) and @END_FOR@ once
 * per section (policy, measure or parameter: kind_sections) with that section's values (per[i]), everything else
 * with the global ones. */
static rs_status fill_template(const char *tpl_text, const char *tpl, const vars *global, const vars *per,
                               size_t n_per, FILE *out, rs_error *err)
{
    const char *s = tpl_text;
    rs_status st = RS_OK;
    while (*s && !st) {
        const char *eol = strchr(s, '\n');
        size_t len = eol ? (size_t)(eol - s) + 1 : strlen(s);
        size_t ll = len - (eol != NULL);
        if (!line_is(s, ll, "@FOR_EACH_POLICY@") && !line_is(s, ll, "@FOR_EACH_PANEL@")) {
            st = substitute(s, len, NULL, global, out, tpl, err);
            s += len;
            continue;
        }
        const char *body = s + len, *end = body;
        while (*end) {
            const char *e = strchr(end, '\n');
            size_t l = e ? (size_t)(e - end) + 1 : strlen(end);
            if (line_is(end, l - (e != NULL), "@END_FOR@"))
                break;
            end += l;
        }
        if (!*end)
            RS_FAIL(err, RS_ERR_RUNTIME, "plot template %s: @FOR_EACH_POLICY@ or @FOR_EACH_PANEL@ without @END_FOR@",
                    tpl);
        for (size_t i = 0; i < n_per && !st; i++)
            st = substitute(body, (size_t)(end - body), &per[i], global, out, tpl, err);
        const char *e = strchr(end, '\n');
        s = e ? e + 1 : end + strlen(end);
    }
    return st;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Data writers: one per plot kind. Each writes NAME.dat and sets the placeholders of its template.           */

typedef struct plot_ctx {
    const plot_input *in;
    FILE *dat;
    vars *global;
    vars *per; /* [in->n] */
    int block; /* data blocks written so far (gnuplot's `index` of the next one) */
} plot_ctx;

typedef void (*plot_writer)(plot_ctx *c);

/* Starts a data block (blocks are separated by two blank lines; gnuplot numbers only non-empty ones, so a
 * writer calls this only for a block it fills). Returns its index. */
static int begin_block(plot_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int begin_block(plot_ctx *c, const char *fmt, ...)
{
    if (c->block)
        fputs("\n\n", c->dat);
    fprintf(c->dat, "# index %d: ", c->block);
    va_list ap;
    va_start(ap, fmt);
    char *text = vformat(fmt, ap);
    va_end(ap);
    char *line = text ? one_line(text) : NULL;
    fprintf(c->dat, "%s\n", line ? line : "");
    free(line);
    free(text);
    return c->block++;
}

static void put_num(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, " %.10g", x);
    else
        fputs(" NaN", f);
}

/* The largest of 1, 2, 2.5, 5 times a power of ten that is <= x (> 0). */
static double nice_floor(double x)
{
    if (!(x > 0) || !isfinite(x))
        return 1;
    double e = pow(10, floor(log10(x))), m = x / e;
    return (m >= 5 ? 5 : m >= 2.5 ? 2.5 : m >= 2 ? 2 : 1) * e;
}

/* The smallest of 1, 2, 2.5, 5 times a power of ten that is >= x (> 0). */
static double nice_ceil(double x)
{
    if (!(x > 0) || !isfinite(x))
        return 1;
    double e = pow(10, floor(log10(x))), m = x / e;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * e;
}

/* One panel per policy: a column up to three policies, then two columns. */
static void set_panel_layout(plot_ctx *c, int panels_per_policy)
{
    size_t n = c->in->n, rows, cols, w, h;
    if (panels_per_policy == 2) {
        rows = n, cols = 2, w = 900;
    } else if (n <= 3) {
        rows = n, cols = 1, w = 900;
    } else {
        rows = (n + 1) / 2, cols = 2, w = 1500;
    }
    h = n == 1 ? 560 : 80 + 330 * rows;
    vars_set(c->global, "ROWS", "%zu", rows);
    vars_set(c->global, "COLS", "%zu", cols);
    vars_set(c->global, "WIDTH", "%zu", w);
    vars_set(c->global, "HEIGHT", "%zu", h);
}

static void set_single_layout(plot_ctx *c)
{
    vars_set(c->global, "WIDTH", "900");
    vars_set(c->global, "HEIGHT", "560");
}

/* "N replications" and the scenario's name, for the second line of a title. */
static void set_title(plot_ctx *c, const char *what)
{
    char *name = one_line(c->in->scenario);
    vars_setq(c->global, "TITLE", "%s\n%s, %.0f replication%s%s", what, name ? name : "", c->in->reps,
              c->in->reps == 1 ? "" : "s", c->in->partial ? " (PARTIAL: the run was interrupted)" : "");
    free(name);
}

static void set_panel_title(plot_ctx *c, size_t i, const char *name, const char *prefix)
{
    char *label = one_line(c->in->p[i].label);
    if (c->in->n > 1)
        vars_setq(&c->per[i], name, "%s%s", prefix, label ? label : "");
    else if (*prefix)
        vars_setq(&c->per[i], name, "%s", prefix);
    else
        vars_setq(&c->per[i], name, "policy %s", label ? label : "");
    free(label);
}

/* By x, then y. */
static int cmp_xy(const void *a, const void *b)
{
    const xy *p = a, *q = b;
    int by_x = (p->x > q->x) - (p->x < q->x);
    return by_x ? by_x : (p->y > q->y) - (p->y < q->y);
}

static int cmp_double(const void *a, const void *b);

/* By replication, then time, then place in the file. */
static int cmp_wev(const void *a, const void *b)
{
    const weight_ev *p = a, *q = b;
    if (p->rep != q->rep)
        return (p->rep > q->rep) - (p->rep < q->rep);
    if (p->t != q->t)
        return (p->t > q->t) - (p->t < q->t);
    return (p->order > q->order) - (p->order < q->order);
}

static int cmp_end(const void *a, const void *b)
{
    const rep_end *p = a, *q = b;
    return (p->rep > q->rep) - (p->rep < q->rep);
}

/* The fan's replication groups, by how each replication ended. */
enum { FAN_PROMOTED, FAN_ROLLED_BACK, FAN_NEITHER, FAN_GROUPS };

/* Per group and sample time: how many replications it holds and the 5/25/50/75/95 % quantiles of their P (%). */
typedef struct fan_stats {
    size_t *count; /* [FAN_GROUPS * n] */
    double *q;     /* [FAN_GROUPS * n * 5] */
} fan_stats;

/* The quantiles of P(t) at each of p's sample times (p->bands' times) over each outcome group, from every
 * replication's weight changes: P(t) sums the candidates' latest weights at or before t (what bands.csv samples).
 * A rolled-back replication counts while it is still rolling out (t < its rollback), so that its group shows
 * the shares it ran at rather than the zeros after it. 0, or -1 when out of memory. */
static int fan_quantiles(policy_data *p, fan_stats *fs)
{
    size_t n = p->n_bands, nr = p->n_ends;
    fs->count = calloc(FAN_GROUPS * n + 1, sizeof *fs->count);
    fs->q = calloc(FAN_GROUPS * n * 5 + 1, sizeof *fs->q);
    double *share = calloc(nr * n + 1, sizeof *share), *w = calloc(p->n_versions + 1, sizeof *w),
           *col = calloc(nr + 1, sizeof *col);
    if (!fs->count || !fs->q || !share || !w || !col) {
        free(share);
        free(w);
        free(col);
        return -1;
    }
    qsort(p->wev, p->n_wev, sizeof *p->wev, cmp_wev);
    qsort(p->ends, nr, sizeof *p->ends, cmp_end);
    size_t j = 0;
    for (size_t r = 0; r < nr; r++) { /* both sorted by replication: one walk */
        while (j < p->n_wev && p->wev[j].rep < p->ends[r].rep)
            j++;
        memset(w, 0, (p->n_versions + 1) * sizeof *w);
        for (size_t k = 0; k < n; k++) {
            for (; j < p->n_wev && p->wev[j].rep == p->ends[r].rep && p->wev[j].t <= p->bands[k].t; j++)
                w[p->wev[j].version] = p->wev[j].w;
            double sum = 0;
            for (size_t v = 0; v < p->n_versions; v++)
                sum += w[v];
            share[r * n + k] = 100 * sum;
        }
    }
    static const double qs[5] = {0.05, 0.25, 0.5, 0.75, 0.95};
    for (int g = 0; g < FAN_GROUPS; g++) {
        int want = g == FAN_PROMOTED ? 1 : g == FAN_ROLLED_BACK ? -1 : 0;
        for (size_t k = 0; k < n; k++) {
            size_t m = 0;
            for (size_t r = 0; r < nr; r++) /* a rolled-back replication counts only until its rollback */
                if (p->ends[r].outcome == want && (want != -1 || p->ends[r].rb_t > p->bands[k].t))
                    col[m++] = share[r * n + k];
            qsort(col, m, sizeof *col, cmp_double);
            fs->count[g * n + k] = m;
            for (int i = 0; i < 5; i++)
                fs->q[(g * n + k) * 5 + i] = m ? rs_stats_quantile_sorted(col, m, qs[i]) : NAN;
        }
    }
    free(share);
    free(w);
    free(col);
    return 0;
}

/* "set AXIStics (...)": a tic at 1, 2 and 5 times each power of ten in [lo, hi] (> 0), each written as a plain
 * number of the axis (value * scale). Caller frees. NULL when out of memory. */
static char *log_tics(const char *axis, double lo, double hi, double scale)
{
    char *tics = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&tics, &len);
    if (!m)
        return NULL;
    fprintf(m, "set %stics (", axis);
    int first = 1;
    for (double e = pow(10, floor(log10(lo * scale))); e <= hi * scale * 1.0001; e *= 10)
        for (int f = 0; f < 3; f++) {
            double v = e * (f == 0 ? 1 : f == 1 ? 2 : 5);
            if (v >= lo * scale * 0.9999 && v <= hi * scale * 1.0001) {
                fprintf(m, "%s\"%.10g\" %.10g", first ? "" : ", ", v, v);
                first = 0;
            }
        }
    fputs(")", m);
    if (fclose(m)) {
        free(tics);
        return NULL;
    }
    return tics;
}

/* fan: P(t) of the replications split by outcome (each group's median and 5-95 % band, on a log P axis), the
 * stage starts of the first replication, every rollback marked by whether its candidate was bad. Why so: see
 * plots/fan.gp.in. */
static void write_fan(plot_ctx *c)
{
    const plot_input *in = c->in;
    static const char *const group_name[FAN_GROUPS] = {"promoted", "rolled back (while still rolling out)",
                                                       "neither by the horizon"};
    fan_stats *fs = calloc(in->n + 1, sizeof *fs);
    if (!fs) {
        c->global->oom = 1;
        return;
    }
    double pmin = INFINITY, pmax = 0;
    for (size_t i = 0; i < in->n; i++) {
        policy_data *p = &in->p[i];
        if (fan_quantiles(p, &fs[i])) {
            c->per[i].oom = 1;
            continue;
        }
        for (size_t k = 0; k < FAN_GROUPS * p->n_bands * 5; k++)
            if (fs[i].q[k] > 0) {
                pmin = fmin(pmin, fs[i].q[k]);
                pmax = fmax(pmax, fs[i].q[k]);
            }
        for (size_t r = 0; r < p->n_ends; r++)
            if (p->ends[r].outcome == -1 && p->ends[r].rb_p > 0) {
                pmin = fmin(pmin, 100 * p->ends[r].rb_p);
                pmax = fmax(pmax, 100 * p->ends[r].rb_p);
            }
    }
    /* a log axis from just under the smallest share drawn (the first stages get as much height per factor as the
     * last) to just over the largest; a share of 0 sits on the floor */
    double ymax = pmax > 55 || !(pmax > 0) ? 100 : nice_ceil(pmax * 1.3);
    double ymin = isfinite(pmin) ? nice_floor(pmin * 0.7) : ymax / 1000;
    if (ymin >= ymax)
        ymin = ymax / 10;
    set_panel_layout(c, 1);
    set_title(c, "Share P(t) and number N(t) of users on the candidate over time, by how each replication ended");
    vars_set(c->global, "YMAX", "%.10g", ymax);
    vars_set(c->global, "YMIN", "%.10g", ymin);
    vars_set(c->global, "XMAX", "%.10g", in->horizon);
    {
        char *tics = log_tics("y", ymin, ymax, 1);
        if (!tics)
            c->global->oom = 1;
        vars_put(c->global, "YTICS", tics);
    }
    vars_setq(c->global, "YLABEL", "%s",
              in->n == 1 ? "P(t): share of users on the candidate (%, log; 0 at the floor)"
                         : "P(t) (%, log; 0 at the floor)");
    char *n_tics = isfinite(in->users) && in->users > 0 ? log_tics("y2", ymin, ymax, in->users / 100) : NULL;
    if (n_tics)
        vars_set(c->global, "N_AXIS",
                 "USERS = %.10g  # N = P * USERS / 100\n"
                 "set logscale y2\n"
                 "set y2range [YMIN*USERS/100:YMAX*USERS/100]\n"
                 "%s\n"
                 "set y2tics out nomirror\n"
                 "set y2label \"%s\"",
                 in->users, n_tics, in->n == 1 ? "N(t): users on the candidate (users, log scale)" : "N(t) (users)");
    else
        vars_set(c->global, "N_AXIS", "unset y2tics");
    free(n_tics);
    enum { N_FAN_KEYS = 9 };
    int any[N_FAN_KEYS] = {0}; /* which legend entries some panel draws */
    long long rep0 = 0;
    for (size_t i = 0; i < in->n; i++) {
        const policy_data *p = &in->p[i];
        for (size_t r = 0; r < p->n_ends; r++) {
            int o = p->ends[r].outcome, g = o == 1 ? FAN_PROMOTED : o == -1 ? FAN_ROLLED_BACK : FAN_NEITHER;
            any[2 * g] = any[2 * g + 1] = 1;
            if (o == -1 && isfinite(p->ends[r].rb_t) && isfinite(p->ends[r].rb_p))
                any[p->ends[r].bad ? 6 : 7] = 1;
        }
        if (p->n_stages && !any[8]) {
            any[8] = 1;
            rep0 = p->rep0;
        }
    }
    for (size_t i = 0; i < in->n; i++) {
        policy_data *p = &in->p[i];
        vars *pv = &c->per[i];
        if (pv->oom)
            continue;
        size_t n_out[FAN_GROUPS] = {0}, rb_bad = 0;
        for (size_t r = 0; r < p->n_ends; r++) {
            int o = p->ends[r].outcome;
            n_out[o == 1 ? FAN_PROMOTED : o == -1 ? FAN_ROLLED_BACK : FAN_NEITHER]++;
            rb_bad += o == -1 && p->ends[r].bad;
        }
        { /* the panel's own counts in its title: one legend (the last panel's) serves every panel */
            char *label = one_line(p->label);
            char neither[64] = "";
            if (n_out[FAN_NEITHER])
                snprintf(neither, sizeof neither, ", %zu neither", n_out[FAN_NEITHER]);
            vars_setq(pv, "PANEL_TITLE", "%s%s%zu promoted, %zu rolled back (%zu bad, %zu good)%s", label ? label : "",
                      label ? ": " : "", n_out[FAN_PROMOTED], n_out[FAN_ROLLED_BACK], rb_bad,
                      n_out[FAN_ROLLED_BACK] - rb_bad, neither);
            free(label);
        }
        char *plot = NULL;
        size_t plen = 0;
        FILE *m = open_memstream(&plot, &plen);
        if (!m) {
            pv->oom = 1;
            continue;
        }
        const char *sep = "";
        size_t n = p->n_bands;
        for (int g = 0; g < FAN_GROUPS; g++) {
            if (!n_out[g])
                continue;
            int b = begin_block(c, "policy %s: the %zu replications %s: t (hours), P(t) quantiles 5 25 50 75 95 %% "
                                   "(percent of users), replications counted; each time twice (just before, at) so "
                                   "that lines draw the staircase",
                                p->label, n_out[g], group_name[g]);
            for (size_t k = 0; k < n; k++)
                for (int twice = k > 0 ? 0 : 1; twice < 2; twice++) {
                    size_t at = g * n + k - (twice == 0);
                    fprintf(c->dat, "%.10g", p->bands[k].t);
                    for (int q = 0; q < 5; q++)
                        put_num(c->dat, fs[i].q[at * 5 + q]);
                    fprintf(c->dat, " %zu\n", fs[i].count[at]);
                }
            if (!n)
                fprintf(c->dat, "0 NaN NaN NaN NaN NaN 0\n");
            /* the band first, its median over it; ls 1-2 promoted, 3-4 rolled back, 5-6 neither */
            fprintf(m,
                    "%sDAT index %d using 1:(clip($2)):(clip($6)) with filledcurves ls %d notitle, \\\n"
                    "     DAT index %d using 1:(clip($4)) with lines ls %d notitle",
                    sep, b, 2 * g + 1, b, 2 * g + 2);
            sep = ", \\\n     ";
        }
        if (p->n_stages) {
            int s = begin_block(c, "policy %s: stage starts of replication %lld: t (hours), stage", p->label, p->rep0);
            for (size_t k = 0; k < p->n_stages; k++)
                fprintf(c->dat, "%.10g %.10g\n", p->stages[k].x, p->stages[k].y);
            fprintf(m,
                    "%sDAT index %d using 1:(YMIN):(0):(YMAX-YMIN) with vectors nohead ls 7 notitle"
                    ", \\\n     DAT index %d using 1:(YMAX):(sprintf(\"%%d\", $2)) with labels left offset 0.3,-0.7 "
                    "tc ls 7 notitle",
                    sep, s, s);
            sep = ", \\\n     ";
        }
        for (int bad = 1; bad >= 0; bad--) { /* rollbacks of bad candidates (caught), then of good ones (false) */
            xy *pts = calloc(p->n_ends + 1, sizeof *pts);
            size_t np = 0;
            for (size_t r = 0; pts && r < p->n_ends; r++)
                if (p->ends[r].outcome == -1 && p->ends[r].bad == bad && isfinite(p->ends[r].rb_t) &&
                    isfinite(p->ends[r].rb_p))
                    pts[np++] = (xy){p->ends[r].rb_t, 100 * p->ends[r].rb_p};
            if (!pts)
                pv->oom = 1;
            if (np) {
                qsort(pts, np, sizeof *pts, cmp_xy);
                int s = begin_block(c, "policy %s: rollbacks of %s candidates: t (hours), P just before (percent), "
                                       "replications rolled back there",
                                    p->label, bad ? "bad" : "good");
                for (size_t k = 0; k < np;) {
                    size_t j = k;
                    while (j < np && !cmp_xy(&pts[j], &pts[k]))
                        j++;
                    fprintf(c->dat, "%.10g %.10g %zu\n", pts[k].x, pts[k].y, j - k);
                    k = j;
                }
                fprintf(m,
                        "%sDAT index %d using 1:(clip($2)):(msize($3)) with points ls %d ps variable notitle, \\\n"
                        "     DAT index %d using 1:(clip($2)):($3 > 1 ? sprintf(\"%%d\", $3) : \"\") with labels offset 1.2,%s "
                        "left tc ls %d notitle",
                        sep, s, bad ? 8 : 9, s, bad ? "0.7" : "-0.7", bad ? 8 : 9);
                sep = ", \\\n     ";
            }
            free(pts);
        }
        if (i + 1 == in->n) { /* the legend, once: every entry any panel has, whatever this panel holds */
            static const char *const entries[] = {
                "keyentry with filledcurves ls 1 title \"promoted: 5–95 %% band\"",
                "keyentry with lines ls 2 title \"promoted: median\"",
                "keyentry with filledcurves ls 3 title \"rolled back (while rolling out): 5–95 %%\"",
                "keyentry with lines ls 4 title \"rolled back: median\"",
                "keyentry with filledcurves ls 5 title \"neither by the horizon: 5–95 %%\"",
                "keyentry with lines ls 6 title \"neither: median\"",
                "keyentry with points ls 8 title \"bad candidate rolled back (n if > 1)\"",
                "keyentry with points ls 9 title \"good one rolled back (false alarm)\"",
                "keyentry with lines ls 7 title \"stage starts (replication %lld)\""};
            for (size_t e = 0; e < N_FAN_KEYS; e++)
                if (any[e]) {
                    fprintf(m, "%s", sep);
                    fprintf(m, entries[e], rep0);
                    sep = ", \\\n     ";
                }
        }
        if (fclose(m))
            pv->oom = 1;
        vars_put(pv, "PLOT", plot);
    }
    for (size_t i = 0; i < in->n; i++) {
        free(fs[i].count);
        free(fs[i].q);
    }
    free(fs);
}

/* exposure: exposed and harmed users over time (median and 5-95 % band), two panels per policy. */
static void write_exposure(plot_ctx *c)
{
    const plot_input *in = c->in;
    double emax = 0, hmax = 0;
    for (size_t i = 0; i < in->n; i++)
        for (size_t k = 0; k < in->p[i].n_bands; k++) {
            emax = fmax(emax, in->p[i].bands[k].exposed[4]);
            hmax = fmax(hmax, in->p[i].bands[k].harmed[4]);
        }
    set_panel_layout(c, 2);
    set_title(c, "Users exposed to and harmed by the candidate over time");
    vars_set(c->global, "XMAX", "%.10g", in->horizon);
    vars_set(c->global, "YMAX_EXPOSED", "%.10g", emax > 0 ? emax * 1.06 : 1);
    vars_set(c->global, "YMAX_HARMED", "%.10g", hmax > 0 ? hmax * 1.06 : 1);
    for (size_t i = 0; i < in->n; i++) {
        const policy_data *p = &in->p[i];
        set_panel_title(c, i, "EXPOSED_TITLE",
                        in->n == 1 ? "exposed: users with ≥ 1 response from the candidate" : "exposed users: ");
        set_panel_title(c, i, "HARMED_TITLE",
                        in->n == 1 ? "harmed: users with ≥ 1 error from the candidate" : "harmed users: ");
        vars_set(&c->per[i], "KEY", "%s", i + 1 == in->n ? "set key" : "unset key"); /* one legend: the last row's */
        int b = begin_block(c, "policy %s: t (hours), exposed users 5 50 95 %%, harmed users 5 50 95 %% (quantiles "
                               "over replications)",
                            p->label);
        for (size_t k = 0; k < p->n_bands; k++) {
            const band_row *r = &p->bands[k];
            fprintf(c->dat, "%.10g", r->t);
            put_num(c->dat, r->exposed[0]);
            put_num(c->dat, r->exposed[2]);
            put_num(c->dat, r->exposed[4]);
            put_num(c->dat, r->harmed[0]);
            put_num(c->dat, r->harmed[2]);
            put_num(c->dat, r->harmed[4]);
            fputc('\n', c->dat);
        }
        if (!p->n_bands)
            fprintf(c->dat, "0 0 0 0 0 0 0\n%.10g 0 0 0 0 0 0\n", in->horizon);
        vars_set(&c->per[i], "I", "%d", b);
    }
}

static double or_else_nan(double x)
{
    return isfinite(x) ? x : 0;
}

static int cmp_double(const void *a, const void *b);

/* Whether a policy has a safe set to draw (it logged "safeset" lines and the run has sample times). */
static int has_safeset(const policy_data *p)
{
    return p->n_safe > 0 && p->n_bands > 0;
}

/* By replication, then time; stable (a replication's lines keep their file order). */
static int cmp_safe(const void *a, const void *b)
{
    const safe_row *p = a, *q = b;
    if (p->rep != q->rep)
        return (p->rep > q->rep) - (p->rep < q->rep);
    if (p->t != q->t)
        return (p->t > q->t) - (p->t < q->t);
    return (p > q) - (p < q);
}

/* safeset: for a policy that keeps a safe set (bayesopt, issue 13), one panel: at each sample time, over the
 * replications still deciding (neither promoted nor rolled back), the safe interval between the medians of its
 * edges (shaded), the median weight served and its 25-75 % band; the number still deciding (right axis); and
 * the first replication's own weight and safe interval as staircases, so one rollout can be followed. The
 * bands are left blank where fewer than 5 replications are still deciding (1 when the run has fewer than 20). */
static void write_safeset(plot_ctx *c)
{
    const plot_input *in = c->in;
    size_t n_panels = 0, width = 900;
    for (size_t i = 0; i < in->n; i++)
        n_panels += has_safeset(&in->p[i]);
    vars_set(c->global, "ROWS", "%zu", n_panels);
    vars_set(c->global, "WIDTH", "%zu", width);
    vars_set(c->global, "HEIGHT", "%zu", n_panels == 1 ? (size_t)560 : 80 + 330 * n_panels);
    vars_set(c->global, "XMAX", "%.10g", in->horizon);
    set_title(c, "Safe set and weight served over time");
    size_t j = 0;
    for (size_t i = 0; i < in->n; i++) {
        policy_data *p = &in->p[i];
        if (!has_safeset(p))
            continue;
        vars *pv = &c->per[j++];
        char *label = one_line(p->label);
        vars_setq(pv, "PANEL_TITLE", "policy %s", label ? label : "");
        free(label);
        /* The lines are in replication order already (events.csv is); the sort makes sure of it. */
        qsort(p->safe, p->n_safe, sizeof *p->safe, cmp_safe);
        size_t n_reps = 1;
        for (size_t k = 1; k < p->n_safe; k++)
            n_reps += p->safe[k].rep != p->safe[k - 1].rep;
        size_t *first = calloc(n_reps + 1, sizeof *first), *cur = calloc(n_reps, sizeof *cur);
        double *w = calloc(n_reps, sizeof *w), *lo = calloc(n_reps, sizeof *lo), *hi = calloc(n_reps, sizeof *hi);
        if (!first || !cur || !w || !lo || !hi) {
            pv->oom = 1;
            goto next;
        }
        for (size_t k = 1, g = 1; k < p->n_safe; k++)
            if (p->safe[k].rep != p->safe[k - 1].rep)
                first[g++] = k;
        first[n_reps] = p->n_safe;
        for (size_t g = 0; g < n_reps; g++)
            cur[g] = first[g];
        int b = begin_block(c, "policy %s: t (hours); over the replications still deciding at t: weight served 25 "
                               "50 75 %% quantiles, safe interval's lower and upper edge (medians; percent of "
                               "traffic), replications still deciding; each time twice (just before, at) so that "
                               "lines draw the staircase", p->label);
        /* Quantiles of a handful of replications are noise: blank below 5 still deciding (1 in short runs). */
        size_t min_deciding = n_reps >= 20 ? 5 : 1;
        double prev[6] = {NAN, NAN, NAN, NAN, NAN, 0};
        for (size_t k = 0; k < p->n_bands; k++) {
            double t = p->bands[k].t;
            size_t n = 0;
            for (size_t g = 0; g < n_reps; g++) {
                while (cur[g] + 1 < first[g + 1] && p->safe[cur[g] + 1].t <= t)
                    cur[g]++;
                const safe_row *s = &p->safe[cur[g]];
                if (s->t > t || s->end)
                    continue; /* not begun yet, or promoted / rolled back */
                w[n] = 100 * s->w, lo[n] = 100 * s->lo, hi[n] = 100 * s->hi;
                n++;
            }
            qsort(w, n, sizeof *w, cmp_double);
            qsort(lo, n, sizeof *lo, cmp_double);
            qsort(hi, n, sizeof *hi, cmp_double);
            double now[6] = {NAN, NAN, NAN, NAN, NAN, (double)n};
            if (n >= min_deciding) {
                now[0] = rs_stats_quantile_sorted(w, n, 0.25);
                now[1] = rs_stats_quantile_sorted(w, n, 0.50);
                now[2] = rs_stats_quantile_sorted(w, n, 0.75);
                now[3] = rs_stats_quantile_sorted(lo, n, 0.50);
                now[4] = rs_stats_quantile_sorted(hi, n, 0.50);
            }
            for (int twice = k > 0 ? 0 : 1; twice < 2; twice++) {
                fprintf(c->dat, "%.10g", t);
                for (int q = 0; q < 6; q++)
                    put_num(c->dat, twice ? now[q] : prev[q]);
                fputc('\n', c->dat);
            }
            memcpy(prev, now, sizeof prev);
        }
        vars_set(pv, "BANDS", "%d", b);
        /* The first replication: its decisions as a staircase, held to the horizon after the last one. */
        int r0 = begin_block(c, "policy %s: replication %lld: t (hours), weight served, safe interval lower and "
                                "upper edge (percent; NaN once promoted or rolled back)",
                             p->label, p->safe[0].rep);
        for (size_t k = first[0]; k < first[1]; k++) {
            const safe_row *s = &p->safe[k];
            fprintf(c->dat, "%.10g", s->t);
            put_num(c->dat, 100 * s->w);
            put_num(c->dat, s->end ? NAN : 100 * s->lo);
            put_num(c->dat, s->end ? NAN : 100 * s->hi);
            fputc('\n', c->dat);
        }
        const safe_row *last = &p->safe[first[1] - 1];
        fprintf(c->dat, "%.10g", fmax(in->horizon, last->t));
        put_num(c->dat, 100 * last->w);
        put_num(c->dat, last->end ? NAN : 100 * last->lo);
        put_num(c->dat, last->end ? NAN : 100 * last->hi);
        fputc('\n', c->dat);
        vars_set(pv, "REP0", "%d", r0);
        vars_set(pv, "REP0_NAME", "%lld", p->safe[0].rep);
        vars_set(pv, "N_REPS", "%zu", n_reps);
    next:
        free(first);
        free(cur);
        free(w);
        free(lo);
        free(hi);
    }
}

/* regret: the cumulative pseudo-regret over time, one line per policy (its mean over the replications), with
 * its 25-75 % and 5-95 % bands (issue 12). */
static void write_regret(plot_ctx *c)
{
    const plot_input *in = c->in;
    double ymax = 0;
    for (size_t i = 0; i < in->n; i++)
        for (size_t k = 0; k < in->p[i].n_bands; k++)
            for (int q = 0; q < 6; q++)
                ymax = fmax(ymax, or_else_nan(in->p[i].bands[k].regret[q]));
    set_single_layout(c);
    set_title(c, "Cumulative regret over time: sum over requests of (mu* - mu of the version served)");
    vars_set(c->global, "XMAX", "%.10g", in->horizon);
    vars_set(c->global, "YMAX", "%.10g", ymax > 0 ? ymax * 1.06 : 1);
    vars_set(c->global, "N", "%zu", in->n);
    for (size_t i = 0; i < in->n; i++) {
        const policy_data *p = &in->p[i];
        char *label = one_line(p->label);
        vars_setq(&c->per[i], "LABEL", "%s", label ? label : "");
        free(label);
        int b = begin_block(c, "policy %s: t (hours), regret mean, 5 25 50 75 95 %% (over replications)", p->label);
        size_t rows = 0;
        for (size_t k = 0; k < p->n_bands; k++) {
            const band_row *r = &p->bands[k];
            if (isnan(r->regret[0]))
                continue;
            fprintf(c->dat, "%.10g", r->t);
            for (int q = 0; q < 6; q++)
                put_num(c->dat, r->regret[q]);
            fputc('\n', c->dat);
            rows++;
        }
        if (!rows)
            fprintf(c->dat, "0 0 0 0 0 0 0\n%.10g 0 0 0 0 0 0\n", in->horizon);
        vars_set(&c->per[i], "I", "%d", b);
    }
}

/* quality (issue 16): in each policy's first replication, the candidate's recall measured on the labels
 * arrived by t with its Wilson 95 % interval, against its true recall; the labels in flight shaded (right
 * axis). */
static void write_quality(plot_ctx *c)
{
    const plot_input *in = c->in;
    double fmax_ = 1;
    for (size_t i = 0; i < in->n; i++)
        for (size_t k = 0; k < in->p[i].n_quality; k++)
            fmax_ = fmax(fmax_, or_else_nan(in->p[i].quality[k].in_flight));
    set_single_layout(c);
    set_title(c, "The candidate's recall as its labels arrive (one replication), against its true recall");
    vars_set(c->global, "XMAX", "%.10g", in->horizon);
    vars_set(c->global, "Y2MAX", "%.10g", fmax_ * 1.6);
    vars_set(c->global, "N", "%zu", in->n);
    for (size_t i = 0; i < in->n; i++) {
        const policy_data *p = &in->p[i];
        char *label = one_line(p->label);
        vars_setq(&c->per[i], "LABEL", "%s (replication %lld)", label ? label : "", p->quality_rep);
        free(label);
        int b = begin_block(c, "policy %s: t (hours), measured recall, Wilson 95 %% lo, hi, true recall, labels "
                               "in flight, labelled positives arrived", p->label);
        for (size_t k = 0; k < p->n_quality; k++) {
            const quality_row *q = &p->quality[k];
            double n = q->tp + q->fn, est = NAN, lo = NAN, hi = NAN;
            if (n > 0)
                rs_stats_wilson((size_t)q->tp, (size_t)n, &est, &lo, &hi);
            fprintf(c->dat, "%.10g", q->t);
            put_num(c->dat, est);
            put_num(c->dat, lo);
            put_num(c->dat, hi);
            put_num(c->dat, q->true_recall);
            put_num(c->dat, q->in_flight);
            put_num(c->dat, n);
            fputc('\n', c->dat);
        }
        if (!p->n_quality)
            fprintf(c->dat, "0 NaN NaN NaN NaN 0 0\n");
        vars_set(&c->per[i], "I", "%d", b);
    }
}

/* A finite value or the fallback. */
static double or_else(double x, double fallback)
{
    return isfinite(x) ? x : fallback;
}

/* harm: histogram of harm per replication on bins shared by all policies, with mean, VaR95 and CVaR95. */
static void write_harm(plot_ctx *c)
{
    const plot_input *in = c->in;
    double lo = INFINITY, hi = -INFINITY;
    size_t most = 0;
    for (size_t i = 0; i < in->n; i++) {
        for (size_t k = 0; k < in->p[i].n_harm; k++) {
            lo = fmin(lo, in->p[i].harm[k].x);
            hi = fmax(hi, in->p[i].harm[k].x);
        }
        most = in->p[i].n_harm > most ? in->p[i].n_harm : most;
    }
    if (!(lo <= hi))
        lo = hi = 0;
    /* twice Rice's rule for the number of bins (harm is often multimodal: rollbacks early, promotions late), a
     * round bin width (harm counts errors: at least 1) */
    double bins = fmin(fmax(ceil(4 * cbrt((double)most)), 10), 80);
    double width = fmax(1, ceil(nice_floor((hi - lo) / bins)));
    double start = floor(lo / width) * width;
    size_t nb = (size_t)floor((hi - start) / width) + 1;
    size_t *count = calloc(2 * nb, sizeof *count);
    size_t ymax = 1;
    set_panel_layout(c, 1);
    set_title(c, "Excess harm: candidate errors above the baseline's rate, bad and good candidates");
    vars_set(c->global, "BIN", "%.10g", width);
    vars_set(c->global, "XMIN", "%.10g", fmin(start, 0));
    vars_set(c->global, "XMAX", "%.10g", fmax(start + (double)nb * width, 0));
    for (size_t i = 0; i < in->n && count; i++) {
        const policy_data *p = &in->p[i];
        memset(count, 0, 2 * nb * sizeof *count);
        size_t n_bad = 0;
        for (size_t k = 0; k < p->n_harm; k++) {
            size_t b = (size_t)floor((p->harm[k].x - start) / width);
            int bad = p->harm[k].y != 0;
            count[2 * (b < nb ? b : nb - 1) + (size_t)bad]++;
            n_bad += (size_t)bad;
        }
        int b = begin_block(c, "policy %s: bin centre (errors of excess harm), replications in the bin [centre - "
                               "%g/2, centre + %g/2) with a bad candidate, with a good one, both",
                            p->label, width, width);
        for (size_t k = 0; k < nb; k++) {
            fprintf(c->dat, "%.10g %zu %zu %zu\n", start + ((double)k + 0.5) * width, count[2 * k + 1], count[2 * k],
                    count[2 * k] + count[2 * k + 1]);
            ymax = count[2 * k] + count[2 * k + 1] > ymax ? count[2 * k] + count[2 * k + 1] : ymax;
        }
        vars *pv = &c->per[i];
        double mean = or_else(p->excess_mean, 0), var = or_else(p->excess_var95, mean);
        double cvar = or_else(p->excess_cvar95, var);
        /* the numbers in the panel's title: one legend serves every panel */
        char *label = one_line(p->label);
        vars_setq(pv, "PANEL_TITLE", "%s%smean %.0f, VaR95 %.0f, CVaR95 %.0f errors; %zu bad and %zu good candidates",
                  in->n > 1 && label ? label : "", in->n > 1 ? ": " : "", mean, var, cvar, n_bad, p->n_harm - n_bad);
        free(label);
        vars_set(pv, "I", "%d", b);
        vars_set(pv, "MEAN", "%.10g", mean);
        vars_set(pv, "VAR95", "%.10g", var);
        vars_set(pv, "CVAR95", "%.10g", cvar);
        vars_set(pv, "KEY", "%s", i + 1 == in->n ? "set key" : "unset key"); /* under the last panel */
    }
    if (!count)
        c->global->oom = 1;
    free(count);
    vars_set(c->global, "YMAX", "%.10g", ceil((double)ymax * 1.12));
}

/* P(non-dominated) of each policy from the paired replications: the replications are resampled with replacement
 * (the same draw for every policy: they ran on the same replications), each resample's mean excess harm and mean
 * time to full (over its promoted replications) per policy, and the share of resamples in which no other policy
 * that reached everyone is at least as good on both and better on one. A policy never full in a resample is not on
 * its front. Fills prob[] (NaN when the policies' runs.csv rows do not pair up); deterministic (fixed seed). */
#define PARETO_RESAMPLES 2000
static void pareto_probabilities(const plot_input *in, double *prob)
{
    size_t n = in->n, reps = n ? in->p[0].n_harm : 0;
    for (size_t i = 0; i < n; i++) {
        prob[i] = NAN;
        if (in->p[i].n_harm != reps || in->p[i].n_ttf_rows != reps)
            return;
    }
    size_t *idx = malloc(reps * sizeof *idx);
    double *x = malloc(2 * n * sizeof *x);
    size_t *nd = calloc(n, sizeof *nd);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (reps < 2 || !idx || !x || !nd || !rng)
        goto done;
    gsl_rng_set(rng, 19);
    for (int b = 0; b < PARETO_RESAMPLES; b++) {
        for (size_t r = 0; r < reps; r++)
            idx[r] = (size_t)gsl_rng_uniform_int(rng, reps);
        for (size_t i = 0; i < n; i++) {
            double ex = 0, tt = 0;
            size_t full = 0;
            for (size_t r = 0; r < reps; r++) {
                ex += in->p[i].harm[idx[r]].x;
                double t = in->p[i].ttf_rows[idx[r]];
                if (isfinite(t)) {
                    tt += t;
                    full++;
                }
            }
            x[2 * i] = full ? tt / (double)full : NAN;
            x[2 * i + 1] = ex / (double)reps;
        }
        for (size_t i = 0; i < n; i++) {
            int dominated = isnan(x[2 * i]);
            for (size_t j = 0; j < n && !dominated; j++)
                dominated = j != i && !isnan(x[2 * j]) && x[2 * j] <= x[2 * i] && x[2 * j + 1] <= x[2 * i + 1] &&
                            (x[2 * j] < x[2 * i] || x[2 * j + 1] < x[2 * i + 1]);
            nd[i] += !dominated;
        }
    }
    for (size_t i = 0; i < n; i++)
        prob[i] = (double)nd[i] / PARETO_RESAMPLES;
done:
    gsl_rng_free(rng);
    free(idx);
    free(x);
    free(nd);
}

/* pareto: mean excess harm (the errors a candidate served above the baseline's rate: a good candidate
 * that is promoted fast serves many errors, but no more than the baseline would have) against mean time to
 * full per policy, with their 95 % intervals, and the non-dominated
 * policies joined. A policy that never reached everyone sits at the horizon. */
static void write_pareto(plot_ctx *c)
{
    const plot_input *in = c->in;
    set_single_layout(c);
    set_title(c, "Policies compared: excess harm against time to full (lower left is better)");
    double *prob = malloc((in->n + 1) * sizeof *prob);
    if (!prob) {
        c->global->oom = 1;
        return;
    }
    pareto_probabilities(in, prob);
    int b = begin_block(c, "one row per policy: row, mean time to full (hours; the horizon when never full), its 95 "
                           "%% interval lo hi, mean excess harm (errors above the baseline's rate), its lo hi, reached full (1/0)");
    xy *pt = malloc(in->n * sizeof *pt);
    if (!pt) {
        free(prob);
        c->global->oom = 1;
        return;
    }
    double xmax = 0, ymax = 0, ymin = 0;
    size_t n_full = 0, n_never = 0;
    for (size_t i = 0; i < in->n; i++) {
        const policy_data *p = &in->p[i];
        xmax = fmax(xmax, isfinite(p->ttf_mean) ? or_else(p->ttf_hi, p->ttf_mean) : in->horizon);
        ymax = fmax(ymax, or_else(p->excess_hi, or_else(p->excess_mean, 0)));
        ymin = fmin(ymin, or_else(p->excess_lo, or_else(p->excess_mean, 0)));
    }
    /* the y range follows the data, whiskers included: mean excess harm may be negative (a candidate better
     * than the baseline), and a range clipped at 0 hid those points and failed when all were below it */
    double pad = 0.12 * fmax(ymax - ymin, 1);
    vars_set(c->global, "YMIN", "%.10g", ymin < 0 ? ymin - pad : 0);
    vars_set(c->global, "YMAX", "%.10g", ymax + pad);
    for (size_t i = 0; i < in->n; i++) {
        const policy_data *p = &in->p[i];
        int full = isfinite(p->ttf_mean);
        double x = full ? p->ttf_mean : in->horizon, y = or_else(p->excess_mean, 0);
        if (full)
            pt[n_full++] = (xy){x, y};
        else
            n_never++;
        fprintf(c->dat, "%zu", i);
        put_num(c->dat, x);
        put_num(c->dat, full ? or_else(p->ttf_lo, x) : x);
        put_num(c->dat, full ? or_else(p->ttf_hi, x) : x);
        put_num(c->dat, y);
        put_num(c->dat, or_else(p->excess_lo, y));
        put_num(c->dat, or_else(p->excess_hi, y));
        fprintf(c->dat, " %d\n", full);
        vars *pv = &c->per[i];
        char *label = one_line(p->label);
        vars_set(pv, "ROW", "%zu", i);
        vars_set(pv, "LS", "%zu", 10 + i % 8);
        vars_set(pv, "X", "%.10g", x);
        vars_set(pv, "Y", "%.10g", y);
        int lines;
        char *wrapped = wrap_label(p->label, 30, &lines);
        vars_setq(pv, "LABEL", "%s", wrapped ? wrapped : "");
        /* right of the point in the left part, else left of it: below, or above when near the axis; a point
         * close to an odd number of earlier ones (within 3 % of both ranges) takes the other side vertically, so
         * that the labels of near-identical policies do not print over each other */
        int near = 0;
        for (size_t j = 0; j < i; j++) {
            const policy_data *q = &in->p[j];
            double qx = isfinite(q->ttf_mean) ? q->ttf_mean : in->horizon, qy = or_else(q->excess_mean, 0);
            near += fabs(qx - x) <= 0.03 * fmax(xmax, 1) && fabs(qy - y) <= 0.03 * fmax(ymax - ymin, 1);
        }
        int below = x > 0.55 * xmax && y > 0.15 * ymax;
        if (near % 2)
            below = !below;
        vars_set(pv, "ALIGN", "%s %s", x <= 0.55 * xmax ? "left offset char 1.2," : "right offset char -1.2,",
                 below ? "-1.1" : "0.9");
        free(wrapped);
        char pnd[64] = "";
        if (isfinite(prob[i]))
            snprintf(pnd, sizeof pnd, ", P(non-dominated) %.2f", prob[i]);
        vars_setq(pv, "KEY", "%s%s%s", label ? label : "", full ? "" : " (never full: drawn at the horizon)", pnd);
        free(label);
    }
    /* the non-dominated set among the policies that reached everyone: no other is at least as good on both
     * and better on one */
    if (n_full) {
        int f = begin_block(c, "Pareto front: time to full (hours), excess harm (errors) of the non-dominated policies that "
                               "reached everyone");
        qsort(pt, n_full, sizeof *pt, cmp_xy);
        double best = INFINITY;
        for (size_t i = 0; i < n_full; i++)
            if (pt[i].y < best) {
                fprintf(c->dat, "%.10g %.10g\n", pt[i].x, pt[i].y);
                best = pt[i].y;
            }
        vars_set(c->global, "FRONT", "DAT index %d using 1:2 with lines ls 20 title \"front of the means (each policy's "
                                     "P(non-dominated) over resampled replications in its key)\"", f);
    } else {
        vars_set(c->global, "FRONT", "keyentry with lines ls 20 title \"Pareto front: none (no policy reached "
                                     "everyone)\"");
    }
    free(pt);
    free(prob);
    vars_set(c->global, "POINTS", "%d", b);
    if (n_never)
        vars_set(c->global, "HORIZON_MARK",
                 "set arrow 1 from first %.10g, graph 0 to first %.10g, graph 1 nohead ls 21 back\n"
                 "set label 1 \"horizon\" at first %.10g, graph 1 right offset char -0.5,-1 tc ls 21",
                 in->horizon, in->horizon, in->horizon);
    else
        vars_set(c->global, "HORIZON_MARK", "# (every policy reached everyone: no horizon mark)");
}

/* risk: P(escape | bad) and P(false rollback | good) per policy, Wilson 95 % intervals as error bars. */
static void write_risk(plot_ctx *c)
{
    const plot_input *in = c->in;
    const double off = 0.19;
    set_single_layout(c);
    set_title(c, "Policies compared: how often a bad candidate escapes, a good one is rolled back");
    double ymax = 0;
    char *xtics = NULL, *bars = NULL, *na = NULL;
    size_t lx, lb, ln;
    int n_bars = 0, tic_lines = 1, has_series = 0;
    FILE *tx = open_memstream(&xtics, &lx), *tb = open_memstream(&bars, &lb), *tn = open_memstream(&na, &ln);
    if (!tx || !tb || !tn) {
        c->global->oom = 1;
        if (tx)
            fclose(tx);
        if (tb)
            fclose(tb);
        if (tn)
            fclose(tn);
        free(xtics);
        free(bars);
        free(na);
        return;
    }
    for (int which = 0; which < 2; which++) {
        size_t rows = 0;
        for (size_t i = 0; i < in->n; i++)
            rows += isfinite((which ? in->p[i].fr : in->p[i].esc)[0]);
        if (!rows)
            continue;
        has_series |= 1 << which;
        int b = begin_block(c, "%s per policy with a defined estimate: x position, estimate, Wilson 95 %% lo, hi",
                            which ? "P(false rollback | good)" : "P(escape | bad)");
        for (size_t i = 0; i < in->n; i++) {
            const double *e = which ? in->p[i].fr : in->p[i].esc;
            if (!isfinite(e[0]))
                continue;
            fprintf(c->dat, "%.10g", (double)i + (which ? off : -off));
            put_num(c->dat, e[0]);
            put_num(c->dat, or_else(e[1], e[0]));
            put_num(c->dat, or_else(e[2], e[0]));
            fputc('\n', c->dat);
            ymax = fmax(ymax, or_else(e[2], e[0]));
        }
        fprintf(tb, "%sDAT index %d using 1:2 with boxes ls %d fs %s title %s, \\\n"
                    "     DAT index %d using 1:2:3:4 with yerrorbars ls 3 notitle, \\\n"
                    "     DAT index %d using 1:4:(sprintf(\"%%.3g\", $2)) with labels offset 0,0.8 notitle",
                n_bars++ ? ", \\\n     " : "", b, which ? 2 : 1, which ? "pattern 4 border" : "solid 1.0 border",
                which ? "\"P(false rollback | good candidate)\"" : "\"P(escape | bad candidate)\"", b, b);
    }
    for (int which = 0; which < 2; which++) /* a series with no estimate at all keeps its key entry */
        if (!(has_series & (1 << which)))
            fprintf(tb, "%skeyentry with boxes ls %d fs %s title %s", n_bars++ ? ", \\\n     " : "", which + 1,
                    which ? "pattern 4 border" : "solid 1.0 border",
                    which ? "\"P(false rollback | good candidate)\"" : "\"P(escape | bad candidate)\"");
    for (size_t i = 0; i < in->n; i++) {
        const policy_data *p = &in->p[i];
        int lines;
        char *label = wrap_label(p->label, in->n > 10 ? 12 : 120 / in->n, &lines), *tic = NULL;
        if (asprintf(&tic, "%s\n%.0f bad, %.0f good", label ? label : "", or_else(p->n_bad, 0),
                     or_else(p->n_good, 0)) < 0)
            tic = NULL;
        tic_lines = lines + 1 > tic_lines ? lines + 1 : tic_lines;
        char *q = tic ? gp_quote(tic) : NULL;
        fprintf(tx, "%s%s %zu", i ? ", " : "", q ? q : "\"\"", i);
        free(q);
        free(tic);
        free(label);
        for (int which = 0; which < 2; which++)
            if (!isfinite((which ? p->fr : p->esc)[0]))
                fprintf(tn, "set label \"n/a: no %s\\ncandidate\" at %.10g, graph 0.09 center tc ls 3 front\n",
                        which ? "good" : "bad", (double)i + (which ? off : -off));
    }
    int bad = fclose(tx) | fclose(tb) | fclose(tn);
    if (bad)
        c->global->oom = 1;
    vars_put(c->global, "XTICS", xtics);
    vars_put(c->global, "BARS", bars);
    vars_put(c->global, "NA_LABELS", na);
    vars_set(c->global, "BMARGIN", "%d", tic_lines + 4);
    vars_set(c->global, "XMAX", "%.10g", (double)in->n - 0.5);
    double top = fmax(ymax, 0.01) * 1.15, step = nice_floor(top / 5);
    vars_set(c->global, "YMAX", "%.10g", fmin(1, ceil(top / step) * step));
}

/* ---------------------------------------------------------------------------------------------------------- */
/* sweep and optimize folders.                                                                                */

/* The measures of a sweep, one panel each; lower is better for all four. */
enum { M_ESC, M_FR, M_EXCESS, M_TTF, N_MEASURES };

static const struct {
    const char *title, *ylabel, *counted, *na;
    int prob;
} measures[N_MEASURES] = {
    {"P(escape | bad): a bad candidate reached everyone", "probability (Wilson 95 % interval)", "bad candidate",
     "n/a: no bad\\ncandidate", 1},
    {"P(false rollback | good): a good candidate was rolled back", "probability (Wilson 95 % interval)",
     "good candidate", "n/a: no good\\ncandidate", 1},
    {"mean excess harm: candidate errors above the baseline rate", "errors (95 % interval)", "replication",
     "n/a", 0},
    {"mean time to full: until everyone had the candidate", "hours (95 % interval)", "promoted replication",
     "n/a: never\\npromoted", 0},
};

/* Measure m of a point: estimate, lo, hi (NaN: none), and how many replications it counts. */
static void measure_get(const policy_data *p, int m, double v[3], double *n)
{
    const double ex[3] = {p->excess_mean, p->excess_lo, p->excess_hi}, tf[3] = {p->ttf_mean, p->ttf_lo, p->ttf_hi};
    const double *src = m == M_ESC ? p->esc : m == M_FR ? p->fr : m == M_EXCESS ? ex : tf;
    for (int k = 0; k < 3; k++)
        v[k] = src[k];
    *n = m == M_ESC ? p->n_bad : m == M_FR ? p->n_good : m == M_EXCESS ? (double)p->reps : p->ttf_n;
    if (isfinite(v[0])) { /* an interval that is not there is drawn as none */
        v[1] = or_else(v[1], v[0]);
        v[2] = or_else(v[2], v[0]);
    }
}

/* A panel title: the measure and how many replications each point counts ("7 bad candidates per point"). */
static void set_measure_title(plot_ctx *c, vars *pv, int m)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < c->in->n; i++) {
        double v[3], n;
        measure_get(&c->in->p[i], m, v, &n);
        if (isfinite(n)) {
            lo = fmin(lo, n);
            hi = fmax(hi, n);
        }
    }
    if (!isfinite(lo))
        vars_setq(pv, "PANEL_TITLE", "%s", measures[m].title);
    else if (lo == hi)
        vars_setq(pv, "PANEL_TITLE", "%s\nover %.0f %s%s per point", measures[m].title, lo, measures[m].counted,
                  lo == 1 ? "" : "s");
    else
        vars_setq(pv, "PANEL_TITLE", "%s\nover %.0f to %.0f %ss per point", measures[m].title, lo, hi,
                  measures[m].counted);
}

/* A y range with round ends that holds [a, b] and zero, with room on top for the value labels; probabilities
 * stay within [0, 1]. */
static void y_range(double a, double b, int prob, double headroom, double *lo, double *hi)
{
    if (!isfinite(a) || !isfinite(b))
        a = 0, b = prob ? 1 : 1;
    a = fmin(a, 0);
    b = fmax(b, 0);
    double span = b - a;
    if (!(span > 0))
        span = prob ? 0.01 : 1;
    b += headroom * span;
    if (a < 0)
        a -= 0.05 * span;
    double step = nice_floor((b - a) / 5);
    *lo = floor(a / step) * step;
    *hi = ceil(b / step) * step;
    if (prob) {
        *lo = fmax(*lo, 0);
        *hi = fmin(*hi, 1);
    }
}

/* The sweep in "title" form: "policy.bake = 3h, policy.alpha = 0.05" of a grid cell; "\n" between keys when
 * sep is "\n". Caller frees. */
static char *cell_text(const plot_input *in, size_t cell, const char *sep, int with_keys)
{
    size_t idx[64] = {0};
    for (size_t k = in->n_axes; k-- > 0 && k < 64;) {
        idx[k] = cell % in->axes[k].n;
        cell /= in->axes[k].n;
    }
    char *s = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&s, &len);
    for (size_t k = 0; m && k < in->n_axes && k < 64; k++) {
        char *t = one_line(in->axes[k].text[idx[k]]);
        if (with_keys)
            fprintf(m, "%s%s = %s", k ? sep : "", in->axes[k].key, t ? t : "?");
        else
            fprintf(m, "%s%s", k ? sep : "", t ? t : "?");
        free(t);
    }
    if (!m || fclose(m)) {
        free(s);
        return NULL;
    }
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Whether a numeric key's values spread more evenly on a log axis (3h, 6h, 12h, 24h) than on a linear one. */
static int prefer_log(const sweep_axis *a)
{
    double x[256];
    size_t n = a->n < 256 ? a->n : 256;
    if (n < 3)
        return 0;
    for (size_t v = 0; v < n; v++) {
        if (!(a->num[v] > 0))
            return 0;
        x[v] = a->num[v];
    }
    qsort(x, n, sizeof *x, cmp_double);
    if (!(x[n - 1] / x[0] >= 4))
        return 0;
    double gap_lin = INFINITY, gap_log = INFINITY;
    for (size_t v = 0; v + 1 < n; v++) {
        gap_lin = fmin(gap_lin, (x[v + 1] - x[v]) / (x[n - 1] - x[0]));
        gap_log = fmin(gap_log, log(x[v + 1] / x[v]) / log(x[n - 1] / x[0]));
    }
    return gap_log > gap_lin;
}

/* @MARGINS@ and @SPACING@ of a 2 x 2 multiplot (screen fractions) from pixel sizes, and the figure's size. */
static void set_grid_layout(plot_ctx *c, double w, double h, double left, double bottom, double xspace,
                            double yspace)
{
    vars_set(c->global, "WIDTH", "%.0f", w);
    vars_set(c->global, "HEIGHT", "%.0f", h);
    vars_set(c->global, "MARGINS", "%.4f,%.4f,%.4f,%.4f", left / w, 1 - 30 / w, bottom / h, 1 - 108 / h);
    vars_set(c->global, "SPACING", "%.4f,%.4f", xspace / w, yspace / h);
}

/* "set xtics (...)" (or ytics) with labels from user text at the given positions; every: label each such one. */
static void put_tics(FILE *m, const char *axis, char *const *text, const double *pos, size_t n, size_t every)
{
    fprintf(m, "set %s (", axis);
    for (size_t i = 0, first = 1; i < n; i++) {
        if (every > 1 && i % every)
            continue;
        char *q = gp_quote(text[i] ? text[i] : "?");
        fprintf(m, "%s%s %.10g", first ? "" : ", ", q ? q : "''", pos[i]);
        first = 0;
        free(q);
    }
    fputs(")", m);
}

/* sweep: one key (or more than two) -- each measure against the key's values (or the point), with its 95 %
 * interval as error bars; a point without an estimate is marked n/a, not drawn as zero. */
static void write_sweep(plot_ctx *c)
{
    const plot_input *in = c->in;
    int one = in->n_axes == 1;
    const sweep_axis *a = &in->axes[0];
    int numeric = one && a->numeric, logx = numeric && prefer_log(a);
    size_t n_x = one ? a->n : in->n_grid;
    if (n_x > 4096)
        n_x = 4096;
    double *pos = calloc(n_x, sizeof *pos);
    char **text = calloc(n_x, sizeof *text);
    char *tics = NULL;
    size_t tlen = 0;
    FILE *m = open_memstream(&tics, &tlen);
    if (!pos || !text || !m) {
        c->global->oom = 1;
        goto out;
    }
    /* the x axis: the key's numbers, else one place per value or point */
    double tic_px = 15, xmin = -0.5, xmax = (double)n_x - 0.5;
    size_t every = 1;
    for (size_t x = 0; x < n_x; x++) {
        pos[x] = numeric ? a->num[x] : (double)x;
        text[x] = one ? strdup(a->text[x]) : cell_text(in, x, n_x <= 12 ? "\n" : " / ", 0);
        if (!text[x])
            c->global->oom = 1;
    }
    if (numeric) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t x = 0; x < n_x; x++) {
            lo = fmin(lo, pos[x]);
            hi = fmax(hi, pos[x]);
        }
        if (logx) {
            double f = pow(hi / lo, 0.06);
            xmin = lo / f, xmax = hi * f;
        } else {
            double pad = hi > lo ? 0.06 * (hi - lo) : fmax(fabs(hi) * 0.1, 1);
            xmin = lo - pad, xmax = hi + pad;
        }
    }
    if (!one && n_x > 12) { /* labels "3h / 0.05 / sprt" turned upright; one in `every` when crowded */
        every = (n_x + 39) / 40;
        size_t longest = 0;
        for (size_t x = 0; x < n_x; x++)
            longest = text[x] && strlen(text[x]) > longest ? strlen(text[x]) : longest;
        tic_px = fmin(8 + 6.5 * (double)longest, 220);
    } else if (!one) {
        tic_px = 15 * (double)in->n_axes;
    }
    vars_set(c->global, "XLABEL_OFFSET", "0,%.1f", -(tic_px - 15) / 15);
    put_tics(m, "xtics", text, pos, n_x, every);
    fprintf(m, " out nomirror%s\n", !one && n_x > 12 ? " rotate by 90 right" : "");
    fputs(logx ? "set logscale x" : "unset logscale x", m);
    if (fclose(m))
        c->global->oom = 1;
    m = NULL;
    vars_put(c->global, "XTICS", tics);
    tics = NULL;
    vars_set(c->global, "XMIN", "%.10g", xmin);
    vars_set(c->global, "XMAX", "%.10g", xmax);
    if (one) {
        vars_setq(c->global, "XLABEL", "%s%s", a->key, logx ? " (log scale)" : "");
    } else {
        char *keys = NULL;
        size_t klen = 0;
        FILE *k = open_memstream(&keys, &klen);
        for (size_t j = 0; k && j < in->n_axes; j++)
            fprintf(k, "%s%s", j ? " / " : "", in->axes[j].key);
        if (!k || fclose(k))
            c->global->oom = 1;
        vars_setq(c->global, "XLABEL", "sweep point: %s%s", keys ? keys : "",
                  n_x <= 12 ? " (top to bottom)" : "");
        free(keys);
    }
    set_grid_layout(c, 1500, 740 + 2 * (tic_px - 15), 90, 50 + tic_px + 30, 115, tic_px + 30 + 76);
    char *title = NULL;
    if (one)
        title = strdup("The sweep: risk, harm and speed of the rollout against ");
    else if (asprintf(&title, "The sweep: risk, harm and speed of the rollout at each of its %zu points",
                      in->n_grid) < 0)
        title = NULL;
    char *name = one_line(in->scenario), *key = one ? one_line(a->key) : NULL;
    vars_setq(c->global, "TITLE", "%s%s\n%s, %.0f replications per point%s", title ? title : "", key ? key : "",
              name ? name : "", in->reps, in->partial ? " (PARTIAL: the sweep was interrupted)" : "");
    free(title);
    free(name);
    free(key);

    /* the points in the order of the x axis; at[x]: the policy drawn there (SIZE_MAX: not run) */
    xy *order = calloc(n_x, sizeof *order);
    size_t *at = calloc(n_x, sizeof *at);
    if (!order || !at) {
        c->global->oom = 1;
        free(order);
        free(at);
        goto out;
    }
    for (size_t x = 0; x < n_x; x++) {
        order[x] = (xy){pos[x], (double)x};
        at[x] = SIZE_MAX;
    }
    qsort(order, n_x, sizeof *order, cmp_xy);
    for (size_t i = 0; i < in->n; i++)
        if (in->p[i].cell < n_x)
            at[in->p[i].cell] = i;

    /* one panel per measure */
    for (int mi = 0; mi < N_MEASURES; mi++) {
        vars *pv = &c->per[mi];
        set_measure_title(c, pv, mi);
        vars_setq(pv, "YLABEL", "%s", measures[mi].ylabel);
        char *marks = NULL, *plot = NULL;
        size_t ml = 0, pl = 0;
        FILE *mk = open_memstream(&marks, &ml), *pm = open_memstream(&plot, &pl);
        if (!mk || !pm) {
            pv->oom = 1;
            if (mk)
                fclose(mk);
            if (pm)
                fclose(pm);
            free(marks);
            free(plot);
            continue;
        }
        size_t n_pt = 0;
        double lo = INFINITY, hi = -INFINITY, v[3], n;
        for (size_t x = 0; x < n_x; x++) {
            if (at[x] == SIZE_MAX) {
                fprintf(mk, "set label \"not run\" at first %.10g, graph 0.1 center tc ls 3 front\n", pos[x]);
                continue;
            }
            measure_get(&in->p[at[x]], mi, v, &n);
            if (!isfinite(v[0])) {
                fprintf(mk, "set label \"%s\" at first %.10g, graph 0.1 center tc ls 3 front\n", measures[mi].na,
                        pos[x]);
                continue;
            }
            n_pt++;
            lo = fmin(lo, v[1]);
            hi = fmax(hi, v[2]);
        }
        if (!measures[mi].prob && isfinite(lo) && lo < 0)
            fputs("set arrow from graph 0, first 0 to graph 1, first 0 nohead ls 4 back\n", mk);
        int labels = n_x <= 12;
        double ymin, ymax;
        y_range(lo, hi, measures[mi].prob, labels ? 0.12 : 0.02, &ymin, &ymax);
        vars_set(pv, "YMIN", "%.10g", ymin);
        vars_set(pv, "YMAX", "%.10g", ymax);
        if (n_pt) {
            int b = begin_block(c, "%s: x (the key's value or the point's place), estimate, 95 %% lo, hi; a blank "
                                   "line where a point has no estimate (the line breaks there)",
                                measures[mi].title);
            int gap = 0;
            for (size_t k = 0, drawn = 0; k < n_x; k++) {
                size_t x = (size_t)order[k].y;
                if (at[x] != SIZE_MAX)
                    measure_get(&in->p[at[x]], mi, v, &n);
                if (at[x] == SIZE_MAX || !isfinite(v[0])) {
                    gap = drawn > 0;
                    continue;
                }
                if (gap)
                    fputc('\n', c->dat);
                gap = 0;
                drawn++;
                fprintf(c->dat, "%.10g", pos[x]);
                for (int j = 0; j < 3; j++)
                    put_num(c->dat, v[j]);
                fputc('\n', c->dat);
            }
            fprintf(pm, "DAT index %d using 1:2:3:4 with yerrorbars ls 2 notitle, \\\n"
                        "     DAT index %d using 1:2 with %s ls 1 notitle",
                    b, b, one ? "linespoints" : "points");
            if (labels)
                fprintf(pm, ", \\\n     DAT index %d using 1:4:(%s($2)) with labels offset 0,0.8 tc ls 3 notitle", b,
                        measures[mi].prob ? "fmt_p" : "fmt_x");
        } else {
            fputs("NaN notitle", pm);
        }
        if (mi == N_MEASURES - 1) /* the figure's one key, below the panels */
            fprintf(pm, ", \\\n     keyentry with %s ls 1 title \"%s\", \\\n"
                        "     keyentry with errorbars ls 2 title \"95 %% interval\"",
                    one ? "linespoints" : "points", one ? "estimate (joined by a line)" : "estimate");
        if (fclose(mk) | fclose(pm))
            pv->oom = 1;
        vars_put(pv, "MARKS", marks);
        vars_put(pv, "PLOT", plot);
    }
    free(order);
    free(at);
out:
    if (m)
        fclose(m);
    free(tics);
    for (size_t x = 0; text && x < n_x; x++)
        free(text[x]);
    free(text);
    free(pos);
}

/* sweep_heat: two keys -- one heat map per measure, the first key across, the second up, each cell annotated
 * with its estimate (and 95 % interval when the cells are large enough); the lowest cell framed. */
static void write_sweep_heat(plot_ctx *c)
{
    const plot_input *in = c->in;
    const sweep_axis *ax = &in->axes[0], *ay = &in->axes[1];
    size_t nx = ax->n, ny = ay->n;
    char *tics = NULL;
    size_t tlen = 0;
    double *px = calloc(nx, sizeof *px), *py = calloc(ny, sizeof *py);
    FILE *m = open_memstream(&tics, &tlen);
    if (!px || !py || !m) {
        c->global->oom = 1;
        if (m)
            fclose(m);
        free(tics);
        free(px);
        free(py);
        return;
    }
    size_t ylong = 1;
    for (size_t v = 0; v < nx; v++)
        px[v] = (double)v;
    for (size_t v = 0; v < ny; v++) {
        py[v] = (double)v;
        ylong = strlen(ay->text[v]) > ylong ? strlen(ay->text[v]) : ylong;
    }
    put_tics(m, "xtics", ax->text, px, nx, 1);
    fputs(" out nomirror scale 0\n", m);
    put_tics(m, "ytics", ay->text, py, ny, 1);
    fputs(" out nomirror scale 0", m);
    if (fclose(m))
        c->global->oom = 1;
    vars_put(c->global, "TICS", tics);
    free(px);
    free(py);
    vars_set(c->global, "XMAX", "%.10g", (double)nx - 0.5);
    vars_set(c->global, "YMAX", "%.10g", (double)ny - 0.5);
    vars_setq(c->global, "XLABEL", "%s", ax->key);
    vars_setq(c->global, "YLABEL", "%s", ay->key);
    char *name = one_line(in->scenario), *kx = one_line(ax->key), *ky = one_line(ay->key);
    vars_setq(c->global, "TITLE",
              "The sweep: risk, harm and speed of the rollout over %s (across) and %s (up); lower is better, lighter "
              "cells are lower\n%s, %.0f replications per point%s",
              kx ? kx : "", ky ? ky : "", name ? name : "", in->reps,
              in->partial ? " (PARTIAL: the sweep was interrupted)" : "");
    free(name);
    free(kx);
    free(ky);
    /* the cell text: estimate and interval on two lines, the estimate alone, or nothing when cells are small */
    int detail = nx <= 6 && ny <= 6 ? 2 : nx <= 14 && ny <= 20 ? 1 : 0;
    double ytic_px = fmin(8 + 6.5 * (double)ylong, 200);
    double h = 740 + (ny > 6 ? 2 * 22 * (double)(ny - 6) : 0);
    set_grid_layout(c, 1500, fmin(h, 1600), 60 + ytic_px, 56 + 15 + 30, 75 + ytic_px, 15 + 30 + 62);

    int any_na = in->n < nx * ny; /* a cell without an estimate in some panel: its key entry */
    for (int mi = 0; mi < N_MEASURES; mi++)
        for (size_t i = 0; i < in->n; i++) {
            double v[3], n;
            measure_get(&in->p[i], mi, v, &n);
            any_na |= !isfinite(v[0]);
        }
    for (int mi = 0; mi < N_MEASURES; mi++) {
        vars *pv = &c->per[mi];
        set_measure_title(c, pv, mi);
        const char *fmt = measures[mi].prob ? "fmt_p" : "fmt_x";
        double lo = INFINITY, hi = -INFINITY, v[3], n;
        int *cell_pol = malloc(nx * ny * sizeof *cell_pol);
        char *plot = NULL;
        size_t pl = 0;
        FILE *pm = open_memstream(&plot, &pl);
        if (!cell_pol || !pm) {
            pv->oom = 1;
            if (pm)
                fclose(pm);
            free(plot);
            free(cell_pol);
            continue;
        }
        for (size_t k = 0; k < nx * ny; k++)
            cell_pol[k] = -1;
        for (size_t i = 0; i < in->n; i++)
            if (in->p[i].cell < nx * ny)
                cell_pol[in->p[i].cell] = (int)i;
        size_t n_ok = 0, n_na = 0;
        for (size_t k = 0; k < nx * ny; k++) {
            if (cell_pol[k] < 0)
                continue;
            measure_get(&in->p[cell_pol[k]], mi, v, &n);
            if (isfinite(v[0])) {
                n_ok++;
                lo = fmin(lo, v[0]);
                hi = fmax(hi, v[0]);
            }
        }
        n_na = nx * ny - n_ok;
        const char *sep = "";
        if (n_ok) {
            int b = begin_block(c, "%s: x (place of the first key's value), y (of the second key's), estimate, 95 %% "
                                   "lo, hi",
                                measures[mi].title);
            for (size_t k = 0; k < nx * ny; k++) {
                if (cell_pol[k] < 0)
                    continue;
                measure_get(&in->p[cell_pol[k]], mi, v, &n);
                if (!isfinite(v[0]))
                    continue;
                fprintf(c->dat, "%zu %zu", k / ny, k % ny);
                for (int j = 0; j < 3; j++)
                    put_num(c->dat, v[j]);
                fputc('\n', c->dat);
            }
            int best = begin_block(c, "%s: the lowest cells: x, y", measures[mi].title);
            for (size_t k = 0; k < nx * ny; k++) {
                if (cell_pol[k] < 0)
                    continue;
                measure_get(&in->p[cell_pol[k]], mi, v, &n);
                if (isfinite(v[0]) && v[0] == lo)
                    fprintf(c->dat, "%zu %zu\n", k / ny, k % ny);
            }
            fprintf(pm, "DAT index %d using 1:2:(0.5):(0.5):3 with boxxyerror fc palette fs solid 1.0 border "
                        "lc rgb \"#ffffff\" notitle, \\\n"
                        "     DAT index %d using 1:2:(0.44):(0.44) with boxxyerror ls 2 fs empty notitle",
                    b, best);
            if (detail == 2)
                fprintf(pm, ", \\\n     DAT index %d using 1:2:(%s($3).\"\\n[\".%s($4).\", \".%s($5).\"]\") with "
                            "labels tc ls 3 notitle",
                        b, fmt, fmt, fmt);
            else if (detail == 1)
                fprintf(pm, ", \\\n     DAT index %d using 1:2:(%s($3)) with labels tc ls 3 notitle", b, fmt);
            sep = ", \\\n     ";
        }
        if (n_na) {
            int b = begin_block(c, "%s: cells without an estimate: x, y, why", measures[mi].title);
            for (size_t k = 0; k < nx * ny; k++) {
                int ok = 0;
                if (cell_pol[k] >= 0) {
                    measure_get(&in->p[cell_pol[k]], mi, v, &n);
                    ok = isfinite(v[0]);
                }
                if (!ok)
                    fprintf(c->dat, "%zu %zu \"%s\"\n", k / ny, k % ny, cell_pol[k] < 0 ? "not run" : measures[mi].na);
            }
            fprintf(pm, "%sDAT index %d using 1:2:(0.5):(0.5) with boxxyerror ls 4 fs solid 1.0 border lc rgb "
                        "\"#ffffff\" notitle, \\\n     DAT index %d using 1:2:3 with labels tc ls 5 notitle",
                    sep, b, b);
        }
        if (mi == N_MEASURES - 1) { /* the figure's one key, below the panels */
            fputs(", \\\n     keyentry with boxes ls 2 fs empty title \"the lowest (best) cell of the panel\"", pm);
            if (any_na)
                fputs(", \\\n     keyentry with boxes ls 4 fs solid 1.0 title \"no estimate (n/a) or not run\"", pm);
        }
        if (fclose(pm))
            pv->oom = 1;
        vars_put(pv, "PLOT", plot);
        /* colours over the panel's own range, with zero in it: lighter is lower */
        if (!isfinite(lo))
            lo = 0, hi = 1;
        lo = fmin(lo, 0);
        hi = fmax(hi, 0);
        if (!(hi > lo))
            hi = lo + (measures[mi].prob ? 0.01 : 1);
        vars_set(pv, "CBMIN", "%.10g", lo);
        vars_set(pv, "CBMAX", "%.10g", hi);
        free(cell_pol);
    }
}

/* optimize: the objective of every evaluation (+-1.96 se), feasible and infeasible apart, the initial design
 * shaded, the best feasible so far as a step line, the best evaluation ringed and its re-run on fresh streams;
 * below, one panel per parameter: its value at each evaluation. */
static void write_optimize(plot_ctx *c)
{
    const plot_input *in = c->in;
    size_t n = in->n_evals, n_init = 0, np = in->n_params;
    for (size_t i = 0; i < n; i++)
        n_init += in->evals[i].initial;
    int rerun = isfinite(in->rerun[0]) && in->best_eval > 0;
    double xmax = (double)n + (rerun ? 1.6 : 0.5);
    /* the figure: the objective panel on top, a shorter one per parameter under it, the key at the bottom */
    double panel = np > 3 ? 170 : 210, w = 900, top_px = 128, obj_px = 330, key_px = 118, gap_px = 76,
           obj_gap = 100;
    double h = top_px + obj_px + obj_gap + (double)np * panel + (double)(np ? np - 1 : 0) * gap_px + key_px;
    vars_set(c->global, "WIDTH", "%.0f", w);
    vars_set(c->global, "HEIGHT", "%.0f", h);
    vars_set(c->global, "LMARGIN", "%.4f", 95 / w);
    vars_set(c->global, "RMARGIN", "%.4f", 1 - 25 / w);
    vars_set(c->global, "OBJ_TOP", "%.4f", 1 - top_px / h);
    vars_set(c->global, "OBJ_BOTTOM", "%.4f", 1 - (top_px + obj_px) / h);
    vars_set(c->global, "XMAX", "%.10g", xmax);
    char *tics = NULL;
    size_t tl = 0;
    FILE *m = open_memstream(&tics, &tl);
    if (m) {
        if (n <= 30)
            fprintf(m, "set xtics 1, 1, %zu out nomirror", n ? n : 1);
        else
            fputs("set xtics out nomirror", m);
    }
    if (!m || fclose(m))
        c->global->oom = 1;
    vars_put(c->global, "XTICS", tics);
    if (rerun)
        vars_set(c->global, "RERUN_TIC", "set xtics add (\"best,\\nre-run\" %.10g)", (double)n + 1);
    else
        vars_set(c->global, "RERUN_TIC", "# (no re-run of the best point: best.json is missing)");
    if (n_init)
        vars_set(c->global, "INITIAL",
                 "set object 1 rect from first 0.5, graph 0 to first %.10g, graph 1 behind fc ls 7 fs solid 1.0 "
                 "noborder\nset label 1 \"initial design\" at first %.10g, graph 1 center offset 0,-0.8 tc ls 6 front",
                 (double)n_init + 0.5, ((double)n_init + 1) / 2);
    else
        vars_set(c->global, "INITIAL", "# (no initial design in the trace)");
    char *name = one_line(in->scenario), *obj = wrap_label(in->objective, 100, &(int){0}),
         *cons = wrap_label(*in->constraints ? in->constraints : "none", 100, &(int){0});
    vars_setq(c->global, "TITLE",
              "The optimisation: the objective of each evaluation (lower is better)\n%s, %.0f replications per "
              "evaluation%s\nminimise %s   subject to %s",
              name ? name : "", in->reps, in->partial ? " (PARTIAL: interrupted)" : "", obj ? obj : "",
              cons ? cons : "");
    free(name);
    free(obj);
    free(cons);

    /* data: feasible and infeasible evaluations, the best so far, the best one, its re-run */
    double lo = INFINITY, hi = -INFINITY;
    int blk[2] = {-1, -1};
    for (int feas = 1; feas >= 0; feas--) {
        size_t rows = 0;
        for (size_t i = 0; i < n; i++)
            rows += in->evals[i].feasible == feas && isfinite(in->evals[i].obj);
        if (!rows)
            continue;
        blk[feas] = begin_block(c, "%s evaluations: number, objective, -1.96 se, +1.96 se, then the parameters (%s"
                                   "...)",
                                feas ? "feasible" : "infeasible", in->params[0].key);
        for (size_t i = 0; i < n; i++) {
            const opt_eval *e = &in->evals[i];
            if (e->feasible != feas || !isfinite(e->obj))
                continue;
            double se = or_else(e->se, 0);
            fprintf(c->dat, "%.10g", e->eval);
            put_num(c->dat, e->obj);
            put_num(c->dat, e->obj - 1.96 * se);
            put_num(c->dat, e->obj + 1.96 * se);
            for (size_t k = 0; k < np; k++)
                put_num(c->dat, e->x[k]);
            fputc('\n', c->dat);
            lo = fmin(lo, e->obj - 1.96 * se);
            hi = fmax(hi, e->obj + 1.96 * se);
        }
    }
    int steps = -1, best = -1, re = -1;
    size_t first = n;
    for (size_t i = 0; i < n && first == n; i++)
        if (isfinite(in->evals[i].best))
            first = i;
    if (first < n) {
        steps = begin_block(c, "best feasible objective so far: evaluation (from 0.5 before it), objective");
        double last = NAN;
        for (size_t i = first; i < n; i++)
            if (isfinite(in->evals[i].best)) {
                fprintf(c->dat, "%.10g %.10g\n", in->evals[i].eval - 0.5, in->evals[i].best);
                last = in->evals[i].best;
            }
        fprintf(c->dat, "%.10g %.10g\n", (double)n + 0.5, last);
    }
    const opt_eval *be = NULL;
    for (size_t i = 0; i < n; i++)
        if (in->best_eval > 0 && in->evals[i].eval == (double)in->best_eval)
            be = &in->evals[i];
    if (be && isfinite(be->obj)) {
        best = begin_block(c, "the best evaluation (%ld): number, objective, then the parameters", in->best_eval);
        fprintf(c->dat, "%.10g", be->eval);
        put_num(c->dat, be->obj);
        for (size_t k = 0; k < np; k++)
            put_num(c->dat, be->x[k]);
        fputc('\n', c->dat);
    }
    if (rerun) {
        re = begin_block(c, "the best point re-evaluated on fresh streams (best.json): x, objective, 95 %% lo, hi");
        fprintf(c->dat, "%.10g", (double)n + 1);
        for (int j = 0; j < 3; j++)
            put_num(c->dat, j ? or_else(in->rerun[j], in->rerun[0]) : in->rerun[0]);
        fputc('\n', c->dat);
        lo = fmin(lo, or_else(in->rerun[1], in->rerun[0]));
        hi = fmax(hi, or_else(in->rerun[2], in->rerun[0]));
    }
    if (isfinite(lo)) {
        double pad = hi > lo ? 0.06 * (hi - lo) : fmax(fabs(hi) * 0.1, 1);
        vars_set(c->global, "OBJ_YRANGE", "[%.10g:%.10g]", lo - pad, hi + pad);
    } else {
        vars_set(c->global, "OBJ_YRANGE", "[0:1]");
    }

    /* the objective panel's title: which evaluation is best, and what its re-run found */
    char *vals = NULL;
    size_t vl = 0;
    FILE *vm = open_memstream(&vals, &vl);
    for (size_t k = 0; vm && be && k < np; k++) {
        char *key = one_line(in->params[k].key);
        fprintf(vm, "%s%s = %.4g", k ? ", " : "", key ? key : "", be->x[k]);
        free(key);
    }
    if (!vm || fclose(vm))
        c->global->oom = 1;
    char rr[160] = "";
    if (rerun)
        snprintf(rr, sizeof rr, "\nthe best point re-run on fresh streams: %.4g, 95 %% interval [%.4g, %.4g]",
                 in->rerun[0], or_else(in->rerun[1], in->rerun[0]), or_else(in->rerun[2], in->rerun[0]));
    if (be)
        vars_setq(c->global, "OBJ_TITLE", "%s: evaluation %ld (%s), objective %.4g%s",
                  in->any_feasible ? "best feasible" : "no evaluation feasible; the least infeasible", in->best_eval,
                  vals ? vals : "", be->obj, rr);
    else
        vars_setq(c->global, "OBJ_TITLE", "%s", n ? "no best evaluation yet" : "no evaluation in optimize.csv");
    free(vals);

    char *plot = NULL;
    size_t pl = 0;
    FILE *pm = open_memstream(&plot, &pl);
    if (!pm) {
        c->global->oom = 1;
        return;
    }
    fputs("NaN notitle", pm);
    if (blk[1] >= 0)
        fprintf(pm, ", \\\n     DAT index %d using 1:2:3:4 with yerrorbars ls 1 title \"feasible (objective "
                    "±1.96 se)\"",
                blk[1]);
    else
        fputs(", \\\n     keyentry with points ls 1 title \"feasible: none\"", pm);
    if (blk[0] >= 0)
        fprintf(pm, ", \\\n     DAT index %d using 1:2:3:4 with yerrorbars ls 2 title \"infeasible (a constraint "
                    "fails)\"",
                blk[0]);
    else
        fputs(", \\\n     keyentry with points ls 2 title \"infeasible: none\"", pm);
    if (steps >= 0)
        fprintf(pm, ", \\\n     DAT index %d using 1:2 with steps ls 3 title \"best feasible so far\"", steps);
    else
        fputs(", \\\n     keyentry with lines ls 3 title \"best feasible so far: none\"", pm);
    if (best >= 0)
        fprintf(pm, ", \\\n     DAT index %d using 1:2 with points ls 4 title \"%s (%ld)\"", best,
                in->any_feasible ? "best evaluation" : "least infeasible evaluation", in->best_eval);
    if (re >= 0)
        fprintf(pm, ", \\\n     DAT index %d using 1:2:3:4 with yerrorbars ls 5 title \"best point re-run on fresh "
                    "streams (95 %%)\"",
                re);
    if (n_init)
        fputs(", \\\n     keyentry with boxes ls 7 fs solid 1.0 title \"initial design\"", pm);
    if (fclose(pm))
        c->global->oom = 1;
    vars_put(c->global, "OBJ_PLOT", plot);

    /* one panel per parameter */
    for (size_t k = 0; k < np; k++) {
        vars *pv = &c->per[k];
        const opt_param *p = &in->params[k];
        double top = top_px + obj_px + obj_gap + (double)k * (panel + gap_px);
        vars_set(pv, "TOP", "%.4f", 1 - top / h);
        vars_set(pv, "BOTTOM", "%.4f", 1 - (top + panel) / h);
        char *key = one_line(p->key);
        vars_setq(pv, "PANEL_TITLE", "%s: searched from %.4g to %.4g%s", key ? key : "", p->lo, p->hi,
                  p->log ? " on a log scale" : "");
        vars_setq(pv, "YLABEL", "%s", key ? key : "");
        free(key);
        if (p->log) {
            double f = pow(p->hi / p->lo, 0.05);
            vars_set(pv, "YAXIS", "set logscale y\nset yrange [%.10g:%.10g]", p->lo / f, p->hi * f);
        } else {
            double pad = p->hi > p->lo ? 0.05 * (p->hi - p->lo) : fmax(fabs(p->hi) * 0.1, 1);
            vars_set(pv, "YAXIS", "unset logscale y\nset yrange [%.10g:%.10g]", p->lo - pad, p->hi + pad);
        }
        vars_set(pv, "PXLABEL", "%s", k + 1 == np ? "\"evaluation\"" : "\"\"");
        char *pp = NULL;
        size_t ppl = 0;
        FILE *q = open_memstream(&pp, &ppl);
        if (!q) {
            pv->oom = 1;
            continue;
        }
        fputs("NaN notitle", q);
        for (int feas = 1; feas >= 0; feas--)
            if (blk[feas] >= 0)
                fprintf(q, ", \\\n     DAT index %d using 1:%zu with points ls %d notitle", blk[feas], 5 + k,
                        feas ? 1 : 2);
        if (best >= 0)
            fprintf(q, ", \\\n     DAT index %d using 1:%zu with points ls 4 notitle", best, 3 + k);
        if (fclose(q))
            pv->oom = 1;
        vars_put(pv, "PLOT", pp);
    }
}

/* The plot kinds. */
enum {
    PLOT_ALWAYS,     /* run and compare */
    PLOT_COMPARE,    /* run and compare with two policies or more */
    PLOT_SWEEP_LINE, /* sweep over one key, or over more than two */
    PLOT_SWEEP_HEAT, /* sweep over two keys */
    PLOT_OPTIMIZE,
    PLOT_QUALITY, /* run and compare of a scenario with labels (issue 16) */
    PLOT_SAFESET, /* run and compare, when a policy logged its safe set */
};
typedef struct plot_kind {
    const char *name;     /* NAME.dat, NAME.gp, NAME.png */
    const char *template; /* in plots/ */
    plot_writer write;
    int when;
} plot_kind;

static const plot_kind kinds[] = {
    {"fan", "fan.gp.in", write_fan, PLOT_ALWAYS},
    {"exposure", "exposure.gp.in", write_exposure, PLOT_ALWAYS},
    {"harm", "harm.gp.in", write_harm, PLOT_ALWAYS},
    {"regret", "regret.gp.in", write_regret, PLOT_ALWAYS},
    {"quality", "quality.gp.in", write_quality, PLOT_QUALITY},
    {"pareto", "pareto.gp.in", write_pareto, PLOT_COMPARE},
    {"risk", "risk.gp.in", write_risk, PLOT_COMPARE},
    {"sweep", "sweep.gp.in", write_sweep, PLOT_SWEEP_LINE},
    {"sweep_heat", "sweep_heat.gp.in", write_sweep_heat, PLOT_SWEEP_HEAT},
    {"optimize", "optimize.gp.in", write_optimize, PLOT_OPTIMIZE},
    {"safeset", "safeset.gp.in", write_safeset, PLOT_SAFESET},
};

/* Whether a kind is drawn for this folder. */
static int kind_applies(const plot_kind *k, const plot_input *in)
{
    switch (k->when) {
    case PLOT_ALWAYS: return in->command == CMD_RUN;
    case PLOT_COMPARE: return in->command == CMD_RUN && in->n >= 2;
    case PLOT_SWEEP_LINE: return in->command == CMD_SWEEP && in->n_axes != 2;
    case PLOT_SWEEP_HEAT: return in->command == CMD_SWEEP && in->n_axes == 2;
    case PLOT_QUALITY: return in->command == CMD_RUN && in->has_quality;
    case PLOT_SAFESET:
        for (size_t i = 0; in->command == CMD_RUN && i < in->n; i++)
            if (has_safeset(&in->p[i]))
                return 1;
        return 0;
    default: return in->command == CMD_OPTIMIZE;
    }
}

/* How many times the template's @FOR_EACH_POLICY@ / @FOR_EACH_PANEL@ section is repeated: once per policy of a
 * run or compare, per measure of a sweep, per parameter of an optimize. */
static size_t kind_sections(const plot_kind *k, const plot_input *in)
{
    if (k->when == PLOT_SAFESET) {
        size_t n = 0;
        for (size_t i = 0; i < in->n; i++)
            n += has_safeset(&in->p[i]);
        return n;
    }
    return k->when == PLOT_SWEEP_LINE || k->when == PLOT_SWEEP_HEAT ? N_MEASURES
           : k->when == PLOT_OPTIMIZE                              ? in->n_params
                                                                   : in->n;
}
#define N_KINDS (sizeof kinds / sizeof *kinds)

/* ---------------------------------------------------------------------------------------------------------- */
/* Templates, gnuplot, the driver.                                                                            */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    char buf[4096];
    size_t got;
    while (m && (got = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, got, m);
    int bad = ferror(f);
    fclose(f);
    if (!m || fclose(m) || bad) {
        free(text);
        return NULL;
    }
    return text;
}

/* The template's text (caller frees) and where it came from, or NULL. */
static char *load_template(const char *name, char *from, size_t from_size)
{
    /* The source tree's plots/ when running from the build tree, else share/rollsim/plots beside bin/. */
    char dir[4096];
    if (rs_paths_plots_dir(dir, sizeof dir)) {
        snprintf(from, from_size, "%s/%s", dir, name);
        char *text = read_file(from);
        if (text)
            return text;
    }
    for (size_t i = 0; rs_plot_templates[i].name; i++)
        if (!strcmp(rs_plot_templates[i].name, name)) {
            snprintf(from, from_size, "plots/%s (built in)", name);
            return strdup(rs_plot_templates[i].text);
        }
    return NULL;
}

/* gnuplot's path on PATH into path (1), or 0 when it is not there. */
static int find_gnuplot(char *path, size_t size)
{
    const char *env = getenv("PATH");
    if (!env)
        env = "/usr/local/bin:/usr/bin:/bin";
    while (1) {
        const char *colon = strchr(env, ':');
        size_t len = colon ? (size_t)(colon - env) : strlen(env);
        if (len == 0)
            snprintf(path, size, "./gnuplot");
        else
            snprintf(path, size, "%.*s/gnuplot", (int)len, env);
        struct stat st;
        if (!stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK))
            return 1;
        if (!colon)
            return 0;
        env = colon + 1;
    }
}

/* Runs `gnuplot -e 'rs_png = "<temporary>"' NAME.gp` inside plots_dir, then renames the temporary PNG to
 * NAME.png. The -e text holds only our own file name, never text from the output folder. */
/* Runs NAME.gp in plots_dir into NAME.EXT (ext "png", or "svg": the script's SVG terminal, rs_svg = 1). */
static rs_status run_gnuplot(const char *gnuplot, const char *plots_dir, const char *name, const char *ext,
                             rs_error *err)
{
    char script[64], png[64], tmp[96], setvar[160], tmp_path[4200], png_path[4200];
    snprintf(script, sizeof script, "%s.gp", name);
    snprintf(png, sizeof png, "%s.%s", name, ext);
    snprintf(tmp, sizeof tmp, ".%s.%s.%ld.tmp", name, ext, (long)getpid());
    snprintf(setvar, sizeof setvar, "rs_png = \"%s\"%s", tmp, strcmp(ext, "svg") ? "" : "; rs_svg = 1");
    snprintf(tmp_path, sizeof tmp_path, "%s/%s", plots_dir, tmp);
    snprintf(png_path, sizeof png_path, "%s/%s", plots_dir, png);
    char *argv[] = {"gnuplot", "-e", setvar, script, NULL};
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa))
        RS_FAIL(err, RS_ERR_RUNTIME, "cannot run gnuplot: out of memory");
    int rc = posix_spawn_file_actions_addchdir_np(&fa, plots_dir);
    if (!rc)
        rc = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    pid_t pid;
    if (!rc)
        rc = posix_spawn(&pid, gnuplot, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc)
        RS_FAIL(err, RS_ERR_RUNTIME, "cannot run %s on %s/%s: %s", gnuplot, plots_dir, script, strerror(rc));
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            unlink(tmp_path);
            RS_FAIL(err, RS_ERR_RUNTIME, "gnuplot on %s/%s: %s", plots_dir, script, strerror(errno));
        }
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        unlink(tmp_path);
        if (WIFSIGNALED(status))
            RS_FAIL(err, RS_ERR_RUNTIME, "gnuplot failed on %s/%s (killed by signal %d)", plots_dir, script,
                    WTERMSIG(status));
        RS_FAIL(err, RS_ERR_RUNTIME, "gnuplot failed on %s/%s (exit status %d; its messages are above)", plots_dir,
                script, WEXITSTATUS(status));
    }
    struct stat st;
    if (stat(tmp_path, &st) || st.st_size == 0) {
        unlink(tmp_path);
        RS_FAIL(err, RS_ERR_RUNTIME, "gnuplot wrote no image for %s/%s", plots_dir, script);
    }
    if (!strcmp(ext, "svg")) { /* a template without the rs_svg terminal switch drew a PNG: no SVG, no failure */
        char head[6] = "";
        FILE *f = fopen(tmp_path, "rb");
        size_t got = f ? fread(head, 1, 5, f) : 0;
        if (f)
            fclose(f);
        if (got < 5 || (memcmp(head, "<?xml", 5) && memcmp(head, "<svg", 4))) {
            unlink(tmp_path);
            return RS_OK;
        }
    }
    if (rename(tmp_path, png_path)) {
        int e = errno;
        unlink(tmp_path);
        RS_FAIL(err, RS_ERR_RUNTIME, "cannot rename into %s: %s", png_path, strerror(e));
    }
    return RS_OK;
}

/* Writes NAME.dat and NAME.gp of one kind into plots_dir. */
static rs_status write_kind(const plot_kind *k, const plot_input *in, const char *plots_dir, rs_error *err)
{
    char from[4200], file[64];
    char *tpl = load_template(k->template, from, sizeof from);
    if (!tpl)
        RS_FAIL(err, RS_ERR_RUNTIME, "plot template %s not found (looked in the source and installed plots/ "
                                     "folders and in the program)", k->template);
    vars global = {0};
    size_t n_per = kind_sections(k, in);
    vars *per = calloc(n_per + 1, sizeof *per);
    rs_atomic_file dat = {0}, gp = {0};
    snprintf(file, sizeof file, "%s.dat", k->name);
    rs_status st = per ? rs_atomic_open(&dat, plots_dir, file, err) : RS_SET(err, RS_ERR_RUNTIME, "out of memory");
    if (!st) {
        fprintf(dat.f, "# rollsim %s: data of %s.png, plotted by %s.gp. Blocks are separated by two blank lines and "
                       "numbered from 0 (gnuplot's `index`).\n",
                ROLLSIM_VERSION, k->name, k->name);
        plot_ctx c = {in, dat.f, &global, per, 0};
        k->write(&c);
        vars_set(&global, "NAME", "%s", k->name);
        vars_setq(&global, "DAT", "%s.dat", k->name);
        vars_setq(&global, "PNG", "%s.png", k->name);
        vars_set(&global, "VERSION", "%s", ROLLSIM_VERSION);
        vars_set(&global, "TEMPLATE", "%s", k->template);
        int oom = global.oom;
        for (size_t i = 0; i < n_per; i++)
            oom |= per[i].oom;
        if (oom)
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
    }
    if (!st)
        st = rs_atomic_commit(&dat, err);
    snprintf(file, sizeof file, "%s.gp", k->name);
    if (!st)
        st = rs_atomic_open(&gp, plots_dir, file, err);
    if (!st)
        st = fill_template(tpl, from, &global, per, n_per, gp.f, err);
    if (!st)
        st = rs_atomic_commit(&gp, err);
    rs_atomic_abort(&dat);
    rs_atomic_abort(&gp);
    vars_free(&global);
    for (size_t i = 0; per && i < n_per; i++)
        vars_free(&per[i]);
    free(per);
    free(tpl);
    return st;
}

/* Removes NAME.{png,svg,gp,dat} of a kind that does not apply (e.g. left by an earlier compare in the folder). */
static void remove_kind(const plot_kind *k, const char *plots_dir)
{
    static const char *const ext[] = {"png", "svg", "gp", "dat"};
    char path[4200];
    for (int e = 0; e < 4; e++) {
        snprintf(path, sizeof path, "%s/%s.%s", plots_dir, k->name, ext[e]);
        unlink(path);
    }
}

rs_status rs_plot_dir(const char *dir, int verbose, rs_error *err)
{
    plot_input in = {0};
    rs_status st = read_summary(dir, &in, err);
    if (!st && in.command == CMD_RUN) {
        st = read_bands(dir, &in, err);
        if (!st)
            st = read_runs(dir, &in, err);
        if (!st)
            st = read_events(dir, &in, err);
        if (!st)
            st = read_quality(dir, &in, err);
    }
    if (!st && in.command == CMD_OPTIMIZE) {
        st = read_trace(dir, &in, err);
        if (!st)
            st = read_best(dir, &in, err);
    }
    char plots_dir[4096];
    if (!st && snprintf(plots_dir, sizeof plots_dir, "%s/plots", dir) >= (int)sizeof plots_dir)
        st = RS_SET(err, RS_ERR_INPUT, "output folder %s: path too long", dir);
    if (!st)
        st = rs_output_prepare_dir(plots_dir, NULL, err);
    if (st) {
        input_free(&in);
        return st;
    }
    char gnuplot[4096];
    int have_gnuplot = find_gnuplot(gnuplot, sizeof gnuplot);
    if (!have_gnuplot)
        fprintf(stderr, "rollsim: warning: gnuplot not found on PATH; plots skipped (install gnuplot-nox)\n");
    char done[256] = "";
    size_t n_done = 0;
    for (size_t i = 0; i < N_KINDS; i++) {
        const plot_kind *k = &kinds[i];
        if (!kind_applies(k, &in)) {
            remove_kind(k, plots_dir);
            continue;
        }
        rs_error e = {0};
        rs_status s = write_kind(k, &in, plots_dir, &e);
        if (!s && have_gnuplot)
            s = run_gnuplot(gnuplot, plots_dir, k->name, "png", &e);
        if (!s && have_gnuplot) /* the vector figure beside it, for papers */
            s = run_gnuplot(gnuplot, plots_dir, k->name, "svg", &e);
        if (s && !st) { /* keep the first failure, draw the other plots */
            st = s;
            *err = e;
        }
        if (!s) {
            size_t len = strlen(done);
            snprintf(done + len, sizeof done - len, " %s.%s", k->name, have_gnuplot ? "png" : "gp");
            n_done++;
        }
    }
    if (verbose && n_done)
        printf(have_gnuplot ? "  plots in %s/:%s, each also as SVG (rerun there: gnuplot NAME.gp)\n"
                            : "  plot scripts in %s/:%s (no PNG: gnuplot not found)\n",
               plots_dir, done);
    { /* the page to send: run and compare, sweep and optimize */
        rs_error e = {0};
        rs_status s = rs_html_report(dir, &e);
        if (s && !st) {
            st = s;
            *err = e;
        }
        if (!s && verbose)
            printf("  report: %s/report.html\n", dir);
    }
    input_free(&in);
    return st;
}
