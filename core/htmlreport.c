#include "htmlreport.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvread.h"
#include "output.h"
#include "report.h"
#include "runner.h" /* ROLLSIM_VERSION */

/* Text escaped for HTML. */
static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* A number for the eye: 3 significant digits, and no exponent below 10^9 (counts of errors and users read
 * better whole: 1794, not 1.79e+03). */
static void shown(FILE *f, const json_t *v)
{
    if (!json_is_number(v)) {
        fputs("–", f);
        return;
    }
    double x = json_number_value(v);
    if ((x == floor(x) || fabs(x) >= 100) && fabs(x) < 1e9)
        fprintf(f, "%.0f", x == 0 ? 0.0 : x);
    else
        fprintf(f, "%.3g", x);
}

/* A table cell holding a value of summary.json: its path and exact value in data- attributes (what the test and
 * a script read), the value with its interval for the eye. */
static void cell_with(FILE *f, const char *path, const json_t *o, const char *value_key, const char *attrs)
{
    const json_t *v = json_object_get(o, value_key), *lo = json_object_get(o, "lo"), *hi = json_object_get(o, "hi");
    fprintf(f, "<td data-key=\"%s.%s\"%s data-value=\"", path, value_key, attrs);
    if (json_is_number(v))
        rs_report_number(f, json_number_value(v));
    else
        fputs("null", f);
    fputs("\">", f);
    shown(f, v);
    if (json_is_number(lo) && json_is_number(hi)) {
        fputs(" <span class=\"ci\">[", f);
        shown(f, lo);
        fputs(", ", f);
        shown(f, hi);
        fputs("]</span>", f);
    }
    fputs("</td>", f);
}

static void cell(FILE *f, const char *path, const json_t *o, const char *value_key)
{
    cell_with(f, path, o, value_key, "");
}

static const char *const probabilities[][2] = {
    {"p_escape", "P(escape | bad): a bad candidate promoted"},
    {"p_false_rollback", "P(false rollback | good): a good candidate rolled back"},
    {"p_promote", "P(promoted)"},
    {"p_rollback", "P(rolled back)"},
    {"p_incomplete", "P(neither by the horizon)"},
};
static const char *const measures[][2] = {
    {"excess_harm", "excess harm: candidate errors above the baseline's rate"},
    {"harm", "harm: candidate errors"},
    {"harmed_users", "users with a candidate error"},
    {"exposed", "users exposed to the candidate"},
    {"time_to_full", "time to full (h), when promoted"},
    {"rollback_time", "rollback time (h), when rolled back"},
    {"regret", "pseudo-regret"},
};
#define N_OF(a) (sizeof a / sizeof *a)

static void estimates_table(FILE *f, const json_t *pols)
{
    size_t n = json_array_size(pols);
    fputs("<table class=\"est\"><thead><tr><th>estimate (95 % interval)</th>", f);
    for (size_t p = 0; p < n; p++) {
        fputs("<th>", f);
        esc(f, json_string_value(json_object_get(json_array_get(pols, p), "label")));
        fputs("</th>", f);
    }
    fputs("</tr></thead><tbody>\n", f);
    char path[128];
    for (size_t k = 0; k < N_OF(probabilities) + N_OF(measures); k++) {
        int prob = k < N_OF(probabilities);
        const char *key = prob ? probabilities[k][0] : measures[k - N_OF(probabilities)][0];
        const char *what = prob ? probabilities[k][1] : measures[k - N_OF(probabilities)][1];
        fputs("<tr><th>", f);
        esc(f, what);
        fputs(" <code>", f);
        esc(f, key);
        fputs("</code></th>", f);
        for (size_t p = 0; p < n; p++) {
            const json_t *o = json_object_get(json_object_get(json_array_get(pols, p), "estimates"), key);
            snprintf(path, sizeof path, "policies.%zu.estimates.%s", p, key);
            cell(f, path, o, prob ? "estimate" : "mean");
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

static void paired_table(FILE *f, const json_t *paired)
{
    size_t n = json_array_size(paired);
    fputs("<h2>Paired differences (a − b, on the same replications)</h2>\n<p>The mean difference of each measure "
          "over the replications both policies have it, with its 95 % interval from the paired differences: "
          "an interval that excludes 0 says the policies differ.</p>\n<table class=\"est\"><thead><tr><th>a − b</th>",
          f);
    for (size_t i = 0; i < n; i++) {
        const json_t *d = json_array_get(paired, i);
        fputs("<th>", f);
        esc(f, json_string_value(json_object_get(d, "a")));
        fputs(" − ", f);
        esc(f, json_string_value(json_object_get(d, "b")));
        fputs("</th>", f);
    }
    fputs("</tr></thead><tbody>\n", f);
    static const char *const keys[] = {"p_rollback", "p_promote", "p_escape_and_bad", "excess_harm", "harm",
                                       "harmed_users", "exposed", "time_to_full", "rollback_time", "regret"};
    char path[128];
    for (size_t k = 0; k < N_OF(keys); k++) {
        fprintf(f, "<tr><th><code>%s</code></th>", keys[k]);
        for (size_t i = 0; i < n; i++) {
            snprintf(path, sizeof path, "paired.%zu.%s", i, keys[k]);
            cell(f, path, json_object_get(json_array_get(paired, i), keys[k]), "mean_diff");
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

/* The file's bytes base64-encoded into f; 0, or -1 when it cannot be read. */
static int base64_file(FILE *f, const char *path)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    FILE *in = fopen(path, "rb");
    if (!in)
        return -1;
    unsigned char b[3];
    size_t got;
    while ((got = fread(b, 1, 3, in)) > 0) {
        if (got < 3)
            memset(b + got, 0, 3 - got);
        char out[4] = {tab[b[0] >> 2], tab[((b[0] & 3) << 4) | (b[1] >> 4)], tab[((b[1] & 15) << 2) | (b[2] >> 6)],
                       tab[b[2] & 63]};
        if (got < 3)
            out[3] = '=';
        if (got < 2)
            out[2] = '=';
        fwrite(out, 1, 4, f);
    }
    int bad = ferror(in);
    fclose(in);
    return bad ? -1 : 0;
}

static void plots(FILE *f, const char *dir)
{
    static const char *const kinds[][2] = {
        {"fan", "The share of users on the candidate over time, by how each replication ended"},
        {"exposure", "Users exposed to and harmed by the candidate"},
        {"harm", "Harm per replication"},
        {"risk", "Risk: P(escape | bad) and P(false rollback | good)"},
        {"pareto", "Excess harm against time to full"},
        {"regret", "Pseudo-regret over time"},
        {"safeset", "The safe set (bayesopt)"},
        {"quality", "Quality"},
        {"sweep", "Each measure against the swept key, one line per value of the others"},
        {"sweep_heat", "Each measure over the two swept keys"},
        {"optimize", "The search: each evaluation's objective, and each parameter's values tried"},
    };
    fputs("<h2>Plots</h2>\n", f);
    int any = 0;
    char path[4200];
    for (size_t i = 0; i < N_OF(kinds); i++) {
        snprintf(path, sizeof path, "%s/plots/%s.png", dir, kinds[i][0]);
        FILE *probe = fopen(path, "rb");
        if (!probe)
            continue;
        fclose(probe);
        fprintf(f, "<figure><img alt=\"%s\" src=\"data:image/png;base64,", kinds[i][1]);
        base64_file(f, path);
        fprintf(f, "\"><figcaption>%s (<code>plots/%s.png</code>)</figcaption></figure>\n", kinds[i][1],
                kinds[i][0]);
        any = 1;
    }
    if (!any)
        fputs("<p>No plots were drawn (gnuplot not found).</p>\n", f);
}

/* The page's head and first paragraph: the scenario and how it was run (the keys the folder's summary.json has). */
static void page_head(FILE *f, const json_t *s, const char *kind)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>rollsim: ", f);
    esc(f, json_string_value(json_object_get(s, "scenario")));
    fputs("</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
          "table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}"
          "td{text-align:right;white-space:nowrap}thead th{background:#f2f2f2}.ci{color:#666}"
          "figure{margin:1.5em 0}img{max-width:100%;border:1px solid #eee}.warn{color:#b00}"
          "tr.best td,tr.best th{background:#e5f5e0;font-weight:bold}td.best{font-weight:bold;background:#e5f5e0}"
          "tr.infeasible td{color:#999}code{font-size:90%}.wide{overflow-x:auto}.wide table{font-size:90%}</style></head><body>\n<h1>", f);
    esc(f, json_string_value(json_object_get(s, "scenario")));
    fputs("</h1>\n<p>", f);
    esc(f, kind);
    fputs(" of scenario <code>", f);
    esc(f, json_string_value(json_object_get(s, "scenario_file")));
    fprintf(f, "</code>: %lld replications", (long long)json_integer_value(json_object_get(s, "replications")));
    if (json_is_integer(json_object_get(s, "seed")))
        fprintf(f, ", seed %lld", (long long)json_integer_value(json_object_get(s, "seed")));
    if (json_is_number(json_object_get(s, "users")))
        fprintf(f, ", %.0f users", json_number_value(json_object_get(s, "users")));
    if (json_is_number(json_object_get(s, "horizon")))
        fprintf(f, ", horizon %g h", json_number_value(json_object_get(s, "horizon")));
    fprintf(f, ". Written by rollsim %s (summary.json format %lld).</p>\n", ROLLSIM_VERSION,
            (long long)json_integer_value(json_object_get(s, "format")));
    if (json_is_true(json_object_get(s, "partial")))
        fputs("<p class=\"warn\">PARTIAL: the run was interrupted; only the finished replications are "
              "summarised.</p>\n", f);
}

static void page_foot(FILE *f, const char *sources)
{
    fputs("<p><small>Every figure comes from ", f);
    fputs(sources, f);
    fputs(" in the same folder; <code>docs/data.md</code> says what each means.</small></p>\n</body></html>\n", f);
}

/* run and compare: each policy's estimates, the paired differences, each policy's parameters. */
static void run_body(FILE *f, const json_t *s)
{
    const json_t *pols = json_object_get(s, "policies"), *paired = json_object_get(s, "paired");
    fputs("<h2>Estimates</h2>\n<p>Probabilities with their 95 % Wilson intervals, measures as the mean per "
          "replication with its 95 % t interval. A bad candidate is one whose error rate the scenario calls bad; "
          "excess harm counts the candidate's errors beyond what the current version would have served on the same "
          "requests (the real cost of the rollout).</p>\n", f);
    estimates_table(f, pols);
    if (json_array_size(paired))
        paired_table(f, paired);
    fputs("<h2>Policies</h2>\n", f);
    for (size_t p = 0; p < json_array_size(pols); p++) {
        const json_t *pol = json_array_get(pols, p);
        fputs("<details><summary>", f);
        esc(f, json_string_value(json_object_get(pol, "label")));
        fputs(" (plugin <code>", f);
        esc(f, json_string_value(json_object_get(pol, "plugin")));
        fputs("</code>): parameters</summary><pre>", f);
        char *text = json_dumps(json_object_get(pol, "params"), JSON_INDENT(2));
        esc(f, text);
        free(text);
        fputs("</pre></details>\n", f);
    }
}

/* The columns of the sweep table: what a planner weighs (a probability's estimate, a measure's mean), and
 * whether lower is better (all are: risk, cost, delay). */
static const char *const sweep_cols[][2] = {
    {"p_escape", "estimate"},     {"p_false_rollback", "estimate"}, {"p_rollback", "estimate"},
    {"excess_harm", "mean"},      {"harmed_users", "mean"},         {"time_to_full", "mean"},
};

/* A grid value of summary.json as text: a number as rs_report_number writes it, a string as it is. */
static void value_text(FILE *f, const json_t *v)
{
    if (json_is_number(v))
        rs_report_number(f, json_number_value(v));
    else if (json_is_string(v))
        esc(f, json_string_value(v));
    else {
        char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        esc(f, t);
        free(t);
    }
}

/* sweep: the grid, then one row per point with its estimates and intervals; the best value of each column
 * marked (a sweep has no objective: the planner weighs the columns, or asks optimize for one). Each cell names
 * its value in summary.json (data-key) and in sweep.csv (data-row: the point, data-col), for the test. */
static void sweep_body(FILE *f, const json_t *s)
{
    const json_t *sw = json_object_get(s, "sweep"), *grid = json_object_get(sw, "grid");
    const json_t *pols = json_object_get(s, "policies");
    size_t n = json_array_size(pols), nk = json_array_size(grid);
    fputs("<h2>Grid</h2>\n<ul>\n", f);
    for (size_t k = 0; k < nk; k++) {
        const json_t *g = json_array_get(grid, k), *vals = json_object_get(g, "values");
        fputs("<li><code>", f);
        esc(f, json_string_value(json_object_get(g, "key")));
        fputs("</code> = ", f);
        for (size_t v = 0; v < json_array_size(vals); v++) {
            fputs(v ? ", " : "", f);
            value_text(f, json_array_get(vals, v));
        }
        fputs("</li>\n", f);
    }
    fprintf(f, "</ul>\n<p>%zu points, each on the same replications (paired evidence: a point is exactly "
               "<code>rollsim run --set KEY=V</code> of it). Estimates with their 95 %% intervals; in each column "
               "the lowest estimate is bold. A sweep has no objective: weigh the columns, or let "
               "<code>rollsim optimize</code> pick a plan under constraints.</p>\n", n);
    /* the best (lowest) point of each column */
    size_t best[sizeof sweep_cols / sizeof *sweep_cols];
    for (size_t c = 0; c < sizeof sweep_cols / sizeof *sweep_cols; c++) {
        best[c] = SIZE_MAX;
        double bv = INFINITY;
        for (size_t p = 0; p < n; p++) {
            const json_t *o = json_object_get(json_object_get(json_array_get(pols, p), "estimates"), sweep_cols[c][0]);
            const json_t *v = json_object_get(o, sweep_cols[c][1]);
            if (json_is_number(v) && json_number_value(v) < bv) {
                bv = json_number_value(v);
                best[c] = p;
            }
        }
    }
    fputs("<div class=\"wide\"><table class=\"est\" id=\"sweep\"><thead><tr><th>point</th>", f);
    for (size_t k = 0; k < nk; k++) {
        fputs("<th><code>", f);
        esc(f, json_string_value(json_object_get(json_array_get(grid, k), "key")));
        fputs("</code></th>", f);
    }
    for (size_t c = 0; c < sizeof sweep_cols / sizeof *sweep_cols; c++)
        fprintf(f, "<th><code>%s</code></th>", sweep_cols[c][0]);
    fputs("</tr></thead><tbody>\n", f);
    char path[160];
    for (size_t p = 0; p < n; p++) {
        const json_t *pol = json_array_get(pols, p), *values = json_object_get(pol, "values");
        fprintf(f, "<tr data-point=\"%zu\"><th>%zu</th>", p + 1, p + 1);
        for (size_t k = 0; k < nk; k++) {
            const char *key = json_string_value(json_object_get(json_array_get(grid, k), "key"));
            fputs("<td data-grid=\"", f);
            esc(f, key);
            fputs("\" data-value=\"", f);
            value_text(f, json_object_get(values, key ? key : ""));
            fputs("\">", f);
            value_text(f, json_object_get(values, key ? key : ""));
            fputs("</td>", f);
        }
        for (size_t c = 0; c < sizeof sweep_cols / sizeof *sweep_cols; c++) {
            snprintf(path, sizeof path, "policies.%zu.estimates.%s", p, sweep_cols[c][0]);
            char attrs[192];
            snprintf(attrs, sizeof attrs, " data-file=\"sweep.csv\" data-row=\"%zu\" data-col=\"%s.%s\"%s", p + 1,
                     sweep_cols[c][0], sweep_cols[c][1], best[c] == p ? " class=\"best\"" : "");
            cell_with(f, path, json_object_get(json_object_get(pol, "estimates"), sweep_cols[c][0]),
                      sweep_cols[c][1], attrs);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div>\n<p>Every point's other estimates are in <code>sweep.csv</code> (one row per point) and "
          "<code>summary.json</code>.</p>\n", f);
}

/* One cell of the trace: optimize.csv's own text in data-value (the test compares it as it is), %.4g for the eye,
 * then what follows (the standard error, whether a constraint holds). */
static void trace_cell(FILE *f, const rs_csv *c, int col, const char *eval, const char *name, const char *after)
{
    fputs("<td data-file=\"optimize.csv\" data-row=\"", f);
    esc(f, eval);
    fputs("\" data-col=\"", f);
    esc(f, name);
    fputs("\" data-value=\"", f);
    esc(f, rs_csv_get(c, col));
    fputs("\">", f);
    double x = rs_csv_num(c, col);
    if (isfinite(x))
        fprintf(f, "%.4g", x);
    else
        fputs("–", f);
    if (after)
        fputs(after, f);
    fputs("</td>", f);
}

/* optimize: the search (objective, constraints, parameters), the best plan and its re-evaluation on fresh
 * replications (best.json), the estimates of the best plan, and the trace: one row per evaluation of
 * optimize.csv, the best marked. The trace's cells carry optimize.csv's own text (data-row: the evaluation,
 * data-col), the re-evaluation's its path in best.json, for the test. */
static rs_status optimize_body(FILE *f, const char *dir, const json_t *s, rs_error *err)
{
    const json_t *o = json_object_get(s, "optimize"), *params = json_object_get(o, "params");
    const json_t *cons = json_object_get(o, "constraints");
    long long best_eval = json_is_integer(json_object_get(o, "best_evaluation"))
                              ? (long long)json_integer_value(json_object_get(o, "best_evaluation"))
                              : -1;
    fputs("<h2>Search</h2>\n<p>Minimise <code>", f);
    esc(f, json_string_value(json_object_get(o, "objective")));
    fputs("</code>", f);
    for (size_t k = 0; k < json_array_size(cons); k++) {
        fputs(k ? ", " : " subject to ", f);
        fputs("<code>", f);
        esc(f, json_string_value(json_array_get(cons, k)));
        fputs("</code>", f);
    }
    fprintf(f, ", over %zu parameter%s:</p>\n<ul>\n", json_array_size(params),
            json_array_size(params) == 1 ? "" : "s");
    for (size_t k = 0; k < json_array_size(params); k++) {
        const json_t *p = json_array_get(params, k);
        fputs("<li><code>", f);
        esc(f, json_string_value(json_object_get(p, "key")));
        fputs("</code> from ", f);
        value_text(f, json_object_get(p, "lo"));
        fputs(" to ", f);
        value_text(f, json_object_get(p, "hi"));
        fputs(" (", f);
        esc(f, json_string_value(json_object_get(p, "scale")));
        fputs(")</li>\n", f);
    }
    fprintf(f, "</ul>\n<p>%lld evaluations; ", (long long)json_integer_value(json_object_get(o, "evaluations")));
    if (best_eval > 0)
        fprintf(f, "%s is evaluation %lld (highlighted below; chosen on the Gaussian process's posterior mean "
                   "of the objective, which smooths each evaluation's noise).</p>\n",
                json_is_true(json_object_get(o, "feasible")) ? "the best feasible plan"
                                                             : "no plan met every constraint; the least infeasible",
                best_eval);
    else
        fputs("no best plan (the search was interrupted before one).</p>\n", f);

    char path[4200];
    snprintf(path, sizeof path, "%s/best.json", dir);
    json_error_t jerr;
    json_t *best = json_load_file(path, 0, &jerr);
    if (best) {
        const json_t *obj = json_object_get(best, "objective"), *bc = json_object_get(best, "constraints");
        fprintf(f, "<h2>The best plan, re-evaluated</h2>\n<p>Evaluation %lld's plan run again on %lld fresh "
                   "replications (<code>best.json</code>), so that it is not judged on the draw that made it win; "
                   "<code>rollsim run best.lua</code> reproduces it.</p>\n<table class=\"est\" id=\"best\"><tbody>\n",
                best_eval, (long long)json_integer_value(json_object_get(best, "replications")));
        const json_t *values = json_object_get(best, "values");
        const char *key;
        const json_t *v;
        json_object_foreach((json_t *)values, key, v) {
            fputs("<tr><th><code>", f);
            esc(f, key);
            fputs("</code></th><td>", f);
            value_text(f, v);
            fputs("</td></tr>\n", f);
        }
        fputs("<tr><th>objective (95 % interval)</th>", f);
        cell_with(f, "objective", obj, "value", " data-file=\"best.json\"");
        fputs("</tr>\n", f);
        for (size_t k = 0; k < json_array_size(bc); k++) {
            const json_t *c = json_array_get(bc, k);
            fputs("<tr><th><code>", f);
            esc(f, json_string_value(json_object_get(c, "expr")));
            fprintf(f, "</code>: %s (value − bound, 95 %% interval)</th>",
                    json_is_true(json_object_get(c, "holds")) ? "holds" : "does not hold");
            snprintf(path, sizeof path, "constraints.%zu", k);
            cell_with(f, path, c, "value", " data-file=\"best.json\"");
            fputs("</tr>\n", f);
        }
        fputs("</tbody></table>\n", f);
        json_decref(best);
    }
    if (json_array_size(json_object_get(s, "policies"))) {
        fputs("<h2>Estimates of the best plan (on the search's replications)</h2>\n", f);
        estimates_table(f, json_object_get(s, "policies"));
    }

    /* the trace */
    size_t np = json_array_size(params), nc = json_array_size(cons);
    size_t nn = 6 + np + 2 * nc;
    const char **names = calloc(nn, sizeof *names);
    char **owned = calloc(2 * nc + 1, sizeof *owned);
    int *col = calloc(nn, sizeof *col);
    rs_status st = RS_OK;
    if (!names || !col || !owned) {
        st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
        goto done;
    }
    static const char *const fixed[6] = {"eval", "phase", "objective", "objective_se", "feasible", "best_so_far"};
    for (size_t k = 0; k < 6; k++)
        names[k] = fixed[k];
    for (size_t k = 0; k < np; k++)
        names[6 + k] = json_string_value(json_object_get(json_array_get(params, k), "key"));
    for (size_t k = 0; k < nc; k++) {
        char b[64];
        snprintf(b, sizeof b, "constraint_%zu", k + 1);
        owned[2 * k] = strdup(b);
        snprintf(b, sizeof b, "constraint_%zu_holds", k + 1);
        owned[2 * k + 1] = strdup(b);
        names[6 + np + 2 * k] = owned[2 * k];
        names[6 + np + 2 * k + 1] = owned[2 * k + 1];
    }
    for (size_t k = 0; k < nn; k++)
        if (!names[k]) {
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
            goto done;
        }
    fputs("<h2>Every evaluation</h2>\n<p>The trace of the search (<code>optimize.csv</code>): each plan tried, its "
          "objective with its standard error on the search's replications, each constraint's value minus its bound "
          "(≤ 0 holds), and the best feasible objective so far. Grey rows are infeasible.</p>\n"
          "<div class=\"wide\"><table class=\"est\" id=\"trace\"><thead><tr><th>eval</th><th>phase</th>", f);
    for (size_t k = 0; k < np; k++) {
        fputs("<th><code>", f);
        esc(f, names[6 + k]);
        fputs("</code></th>", f);
    }
    fputs("<th>objective ± se</th>", f);
    for (size_t k = 0; k < nc; k++) {
        fputs("<th><code>", f);
        esc(f, json_string_value(json_array_get(cons, k)));
        fputs("</code></th>", f);
    }
    fputs("<th>feasible</th><th>best so far</th></tr></thead><tbody>\n", f);
    rs_csv c;
    st = rs_csv_open(&c, dir, "optimize.csv", names, col, nn, err);
    int r = 0;
    while (!st && (r = rs_csv_next(&c)) > 0) {
        const char *ev = rs_csv_get(&c, col[0]);
        int is_best = best_eval > 0 && rs_csv_num(&c, col[0]) == (double)best_eval;
        int feasible = rs_csv_num(&c, col[4]) == 1;
        fputs("<tr data-eval=\"", f);
        esc(f, ev);
        fprintf(f, "\"%s><th>", is_best ? " class=\"best\"" : feasible ? "" : " class=\"infeasible\"");
        esc(f, ev);
        fputs(is_best ? " (best)" : "", f);
        fputs("</th><td>", f);
        esc(f, rs_csv_get(&c, col[1]));
        fputs("</td>", f);
        for (size_t k = 0; k < np; k++)
            trace_cell(f, &c, col[6 + k], ev, names[6 + k], NULL);
        if (isfinite(rs_csv_num(&c, col[3]))) {
            char se[48];
            snprintf(se, sizeof se, " <span class=\"ci\">± %.2g</span>", rs_csv_num(&c, col[3]));
            trace_cell(f, &c, col[2], ev, "objective", se);
        } else {
            trace_cell(f, &c, col[2], ev, "objective", NULL);
        }
        for (size_t k = 0; k < nc; k++)
            trace_cell(f, &c, col[6 + np + 2 * k], ev, names[6 + np + 2 * k],
                       rs_csv_num(&c, col[6 + np + 2 * k + 1]) == 1 ? " ✓" : " ✗");
        fprintf(f, "<td>%s</td>", feasible ? "yes" : "no");
        trace_cell(f, &c, col[5], ev, "best_so_far", NULL);
        fputs("</td></tr>\n", f);
    }
    if (!st && r < 0)
        st = RS_SET(err, RS_ERR_INPUT, "%s:%zu: cannot read this row", c.path, c.line);
    rs_csv_close(&c);
    fputs("</tbody></table></div>\n", f);
done:
    for (size_t k = 0; owned && k < 2 * nc; k++)
        free(owned[k]);
    free(owned);
    free(names);
    free(col);
    return st;
}

rs_status rs_html_report(const char *dir, rs_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    json_error_t jerr;
    json_t *s = json_load_file(path, 0, &jerr);
    if (!s)
        RS_FAIL(err, RS_ERR_INPUT, "%s: %s (line %d)", path, jerr.text, jerr.line);
    const char *command = json_string_value(json_object_get(s, "command"));
    int sweep = command && !strcmp(command, "sweep"), optimize = command && !strcmp(command, "optimize");
    rs_atomic_file af;
    rs_status st = rs_atomic_open(&af, dir, "report.html", err);
    if (st) {
        json_decref(s);
        return st;
    }
    FILE *f = af.f;
    page_head(f, s, sweep ? "A sweep" : optimize ? "A search (optimize)" : "A run");
    if (sweep)
        sweep_body(f, s);
    else if (optimize)
        st = optimize_body(f, dir, s, err);
    else
        run_body(f, s);
    plots(f, dir);
    page_foot(f, sweep      ? "<code>summary.json</code> and <code>sweep.csv</code>"
                 : optimize ? "<code>summary.json</code>, <code>optimize.csv</code> and <code>best.json</code>"
                            : "<code>summary.json</code>");
    json_decref(s);
    if (st) {
        rs_atomic_abort(&af);
        return st;
    }
    return rs_atomic_commit(&af, err);
}
