#include "sweep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "dist.h"
#include "output.h"
#include "planner.h"
#include "report.h"

void rs_grid_axis_free(rs_grid_axis *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++)
        free(a->values[i]);
    free(a->values);
    free(a->key);
    memset(a, 0, sizeof *a);
}

rs_status rs_grid_axis_parse(const char *arg, rs_grid_axis *out, rs_error *err)
{
    memset(out, 0, sizeof *out);
    const char *value;
    if (rs_planner_split(arg, &out->key, &value) || !*value)
        RS_FAIL(err, RS_ERR_INPUT, "--grid %s: expected KEY=V1,V2,... (e.g. policy.bake=6h,12h,24h)", arg);
    /* Values are separated by ';' when there is one (each value may then be a list), else by ','. */
    char sep = strchr(value, ';') ? ';' : ',';
    size_t cap = 1;
    for (const char *c = value; *c; c++)
        cap += *c == sep;
    out->values = calloc(cap, sizeof *out->values);
    if (!out->values) {
        rs_grid_axis_free(out);
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    }
    for (const char *item = value;;) {
        const char *end = strchr(item, sep);
        size_t len = end ? (size_t)(end - item) : strlen(item);
        if (len == 0) {
            size_t which = out->n + 1;
            rs_grid_axis_free(out);
            RS_FAIL(err, RS_ERR_INPUT, "--grid %s: value %zu is empty", arg, which);
        }
        if (!(out->values[out->n++] = strndup(item, len))) {
            rs_grid_axis_free(out);
            RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
        }
        if (!end)
            break;
        item = end + 1;
    }
    return RS_OK;
}

/* The KEY=VALUE texts of point i (the first axis varies slowest), into sets[n_axes] (caller frees each). */
static int point_sets(const rs_grid_axis *axes, size_t n_axes, size_t i, char **sets)
{
    for (size_t k = n_axes; k-- > 0;) {
        size_t v = i % axes[k].n;
        i /= axes[k].n;
        size_t len = strlen(axes[k].key) + strlen(axes[k].values[v]) + 2;
        if (!(sets[k] = malloc(len)))
            return -1;
        snprintf(sets[k], len, "%s=%s", axes[k].key, axes[k].values[v]);
    }
    return 0;
}

/* A point's label: "policy.bake=6h, policy.alpha=0.05". */
static void point_label(char *const *sets, size_t n, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t k = 0; k < n; k++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", k ? ", " : "", sets[k]);
    }
}

/* The value of a key in sweep.csv: the number the scenario reads (durations in hours), else the text. */
static void csv_value(FILE *f, const char *text)
{
    json_t *j = rs_planner_value_json(text);
    if (json_is_number(j))
        rs_planner_csv_number(f, json_number_value(j));
    else if (json_is_boolean(j))
        fputs(json_is_true(j) ? "true" : "false", f);
    else
        rs_csv_field(f, text);
    json_decref(j);
}

static void progress(const rs_run_options *opt, size_t done, size_t total, double t0, const char *label)
{
    if (!opt->progress)
        return;
    double el = rs_planner_now() - t0;
    double eta = done ? el / (double)done * (double)(total - done) : 0;
    fprintf(stderr, "\rsweep: point %zu of %zu done (%.40s), %.0f s, ETA %.0f s   ", done, total, label, el, eta);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

/* Prints one row of the terminal table. */
static void print_row(size_t i, const char *label, const rs_point *p, const rs_planner_names *nm)
{
    double v[4];
    static const char *const cols[] = {"p_escape", "p_false_rollback", "harm", "time_to_full"};
    for (int c = 0; c < 4; c++) {
        v[c] = NAN;
        for (size_t k = nm->n_columns; k < nm->n; k++)
            if (!strcmp(nm->name[k], cols[c]))
                v[c] = p->values[k];
    }
    printf("  %4zu  %-44.44s %8.4f %8.4f %10.1f %8.1f\n", i + 1, label, v[0], v[1], v[2], v[3]);
}

rs_status rs_sweep(const char *path, const char *const *base, size_t n_base, const rs_grid_axis *axes,
                   size_t n_axes, const rs_run_options *opt, int verbose, rs_error *err)
{
    if (n_axes == 0)
        RS_FAIL(err, RS_ERR_INPUT, "sweep needs at least one --grid KEY=V1,V2,...");
    if (n_axes > RS_SWEEP_MAX_AXES)
        RS_FAIL(err, RS_ERR_INPUT, "sweep takes at most %d --grid keys, got %zu", RS_SWEEP_MAX_AXES, n_axes);
    double n_points_d = 1;
    for (size_t k = 0; k < n_axes; k++) {
        n_points_d *= (double)axes[k].n;
        for (size_t q = 0; q < k; q++)
            if (!strcmp(axes[q].key, axes[k].key))
                RS_FAIL(err, RS_ERR_INPUT, "--grid %s: the key is given twice", axes[k].key);
    }
    if (n_points_d > RS_SWEEP_MAX_POINTS)
        RS_FAIL(err, RS_ERR_INPUT, "sweep: the grid has %.0f points, more than %d; use fewer values or `rollsim "
                "optimize`", n_points_d, RS_SWEEP_MAX_POINTS);
    size_t n_points = (size_t)n_points_d;
    rs_planner_names nm;
    rs_status st = rs_planner_names_init(&nm, err);
    if (st)
        return st;
    char *sets[RS_SWEEP_MAX_AXES] = {0};
    json_t *head = NULL;
    rs_point *pts = calloc(n_points, sizeof *pts);
    if (!pts)
        st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
    if (!st)
        st = rs_planner_head(path, base, n_base, &head, err);

    /* Every point is checked before the first runs: a bad value in the last row of a long sweep must not cost
     * the hours before it. */
    for (size_t i = 0; i < n_points && !st; i++) {
        if (point_sets(axes, n_axes, i, sets)) {
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
            break;
        }
        st = rs_point_check(path, base, n_base, (const char *const *)sets, n_axes, err);
        if (st) {
            char label[1024];
            point_label(sets, n_axes, label, sizeof label);
            /* name the grid key the message is about when it names one, else the whole point */
            size_t which = n_axes;
            for (size_t k = 0; k < n_axes && which == n_axes; k++)
                if (strstr(err->msg, axes[k].key))
                    which = k;
            if (which < n_axes)
                rs_planner_error_option(err, "--grid", sets[which]);
            else
                rs_error_prefix(err, "sweep point %zu (%s)", i + 1, label);
        }
        rs_planner_free_sets(sets, n_axes);
    }
    int created = 0;
    if (!st)
        st = rs_output_prepare_dir(opt->out_dir, &created, err);
    st = rs_dist_agree(st, err); /* under MPI: a point that fails its check on one rank stops every rank */

    size_t finished = 0;
    int interrupted = 0;
    double t0 = rs_planner_now();
    for (size_t i = 0; i < n_points && !st; i++) {
        if (point_sets(axes, n_axes, i, sets)) {
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
            break;
        }
        char label[1024];
        point_label(sets, n_axes, label, sizeof label);
        st = rs_point_run(path, base, n_base, (const char *const *)sets, n_axes, opt, &nm, &pts[i], err);
        rs_planner_free_sets(sets, n_axes);
        if (st == RS_ERR_INTERRUPTED) {
            st = RS_OK;
            interrupted = 1;
            break;
        }
        if (st) {
            rs_error_prefix(err, "sweep point %zu (%s)", i + 1, label);
            break;
        }
        finished++;
        progress(opt, finished, n_points, t0, label);
        if (rs_dist_any(opt->stop && *opt->stop)) { /* every rank stops after the same point */
            interrupted = finished < n_points;
            break;
        }
    }

    /* sweep.csv and summary.json, all or nothing */
    rs_atomic_file csv = {0}, sum = {0};
    json_t *j_pol = json_array(), *j_grid = json_array();
    if (!st)
        st = rs_atomic_open(&csv, opt->out_dir, "sweep.csv", err);
    if (!st)
        st = rs_atomic_open(&sum, opt->out_dir, "summary.json", err);
    if (!st) {
        fputs("point", csv.f);
        for (size_t k = 0; k < n_axes; k++) {
            fputc(',', csv.f);
            rs_csv_field(csv.f, axes[k].key);
            json_t *vals = json_array();
            for (size_t v = 0; v < axes[k].n; v++)
                json_array_append_new(vals, rs_planner_value_json(axes[k].values[v]));
            json_array_append_new(j_grid, json_pack("{s:s,s:o}", "key", axes[k].key, "values", vals));
        }
        fputs(",replications", csv.f);
        for (size_t c = 0; c < nm.n_columns; c++)
            fprintf(csv.f, ",%s", nm.name[c]);
        fputc('\n', csv.f);
        if (verbose)
            printf("  point  %-44s %8s %8s %10s %8s\n", "settings", "P(esc)", "P(f.rb)", "harm", "ttf (h)");
        for (size_t i = 0; i < finished; i++) {
            point_sets(axes, n_axes, i, sets);
            char label[1024];
            point_label(sets, n_axes, label, sizeof label);
            fprintf(csv.f, "%zu", i + 1);
            json_t *values = json_object();
            for (size_t k = 0; k < n_axes; k++) {
                fputc(',', csv.f);
                csv_value(csv.f, strchr(sets[k], '=') + 1);
                json_object_set_new(values, axes[k].key, rs_planner_value_json(strchr(sets[k], '=') + 1));
            }
            fprintf(csv.f, ",%zu", pts[i].reps_done);
            for (size_t c = 0; c < nm.n_columns; c++) {
                fputc(',', csv.f);
                rs_planner_csv_number(csv.f, pts[i].values[c]);
            }
            fputc('\n', csv.f);
            json_array_append_new(j_pol, json_pack("{s:s,s:s,s:O,s:I,s:I,s:o,s:O}", "label", label, "plugin",
                                                   pts[i].plugin, "params", pts[i].params, "replications",
                                                   (json_int_t)pts[i].reps_done, "point", (json_int_t)(i + 1),
                                                   "values", values, "estimates", pts[i].estimates));
            if (verbose)
                print_row(i, label, &pts[i], &nm);
            rs_planner_free_sets(sets, n_axes);
        }
        json_t *j = json_pack("{s:s,s:s,s:O,s:O,s:O,s:O,s:b,s:o,s:o,s:o}", "rollsim", ROLLSIM_VERSION,
                              "command", "sweep", "scenario", json_object_get(head, "scenario"), "scenario_file",
                              json_object_get(head, "scenario_file"), "seed", json_object_get(head, "seed"),
                              "replications", json_object_get(head, "replications"), "partial", interrupted,
                              "sweep", json_pack("{s:o,s:I}", "grid", j_grid, "points", (json_int_t)n_points),
                              "policies", j_pol, "paired", json_array());
        j_grid = j_pol = NULL; /* stolen by the pack */
        if (j)
            json_object_set_new(j, "format", json_integer(RS_SUMMARY_FORMAT));
        errno = 0; /* a failure below names its own reason, not an older one */
        if (rs_report_json_write(sum.f, j))
            st = RS_SET(err, RS_ERR_RUNTIME, "cannot write %s/summary.json: %s", opt->out_dir, strerror(errno ? errno : EIO));
        json_decref(j);
    }
    json_decref(head);
    json_decref(j_pol);
    json_decref(j_grid);
    if (!st) {
        st = rs_atomic_commit(&csv, err);
        if (!st)
            st = rs_atomic_commit(&sum, err);
    }
    rs_atomic_abort(&csv);
    rs_atomic_abort(&sum);
    st = rs_dist_agree(st, err); /* rank 0 wrote the files: its verdict is every rank's exit code */
    if (st && created)
        rmdir(opt->out_dir);
    for (size_t i = 0; pts && i < n_points; i++)
        rs_point_free(&pts[i]);
    free(pts);
    rs_planner_names_free(&nm);
    if (!st && interrupted)
        RS_FAIL(err, RS_ERR_INTERRUPTED, "interrupted: wrote the %zu points that had finished to %s/ (summary.json "
                "says \"partial\": true)", finished, opt->out_dir);
    return st;
}
