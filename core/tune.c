#include "tune.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expr.h"
#include "optimize.h"
#include "dist.h"
#include "output.h"
#include "planner.h"
#include "report.h"
#include "rng.h"
#include "scenario.h"
#include "value.h"

#define BOOTSTRAP 200 /* resamples for the Monte Carlo noise of the objective and the constraints */

typedef struct tparam {
    const char *arg; /* as given */
    char *key;
    double lo, hi;
    int log, integer;
} tparam;

/* One evaluation. */
typedef struct eval_row {
    double *value;   /* [dim] the keys' values */
    double *u;       /* [dim] in the unit cube */
    size_t reps;     /* replications finished */
    double y, y_sd;  /* objective and its bootstrap standard error */
    double *c, *c_sd; /* [n_constraints]: g (<= 0 holds) and its standard error */
    double y_noise;   /* the objective's noise relative to the other evaluations (paired), told to the GP */
    double *c_noise;  /* [n_constraints] the same for the constraints */
    int *holds;      /* [n_constraints] */
    int feasible;    /* every constraint holds */
    double *est;     /* [names.n] */
    json_t *estimates;
    json_t *params;
    char *plugin;
} eval_row;

typedef struct tune {
    const rs_tune_options *t;
    const rs_run_options *opt;
    size_t dim, nc;
    tparam p[RS_TUNE_MAX_PARAMS];
    rs_planner_names nm;
    rs_expr *obj;
    rs_expr *con[RS_TUNE_MAX_CONSTRAINTS];
    rs_expr *all[RS_TUNE_MAX_CONSTRAINTS + 1]; /* obj, then the constraints */
    uint64_t seed;
    rs_point ref;  /* the first evaluation's replications: the others' noise is measured against it */
    int have_ref;
    eval_row *rows;
    size_t n_rows;
} tune;

/* A range end: a number, or a duration ("30m", "6h", "2d": hours). */
static int parse_end(const char *text, size_t len, double *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    return rs_parse_duration(buf, out) == 0 && isfinite(*out) ? 0 : -1;
}

static rs_status parse_param(const char *arg, tparam *p, rs_error *err)
{
    memset(p, 0, sizeof *p);
    p->arg = arg;
    const char *range;
    if (rs_planner_split(arg, &p->key, &range) || !*range)
        RS_FAIL(err, RS_ERR_INPUT, "--param %s: expected KEY=LO:HI[:log|:int] (e.g. policy.bake=2h:48h:log)", arg);
    const char *c1 = strchr(range, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1)
        RS_FAIL(err, RS_ERR_INPUT, "--param %s: expected a range LO:HI after '=' (e.g. 0.01:0.2)", arg);
    if (parse_end(range, (size_t)(c1 - range), &p->lo))
        RS_FAIL(err, RS_ERR_INPUT, "--param %s: LO \"%.*s\" is not a number or a duration", arg, (int)(c1 - range),
                range);
    size_t hl = c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1);
    if (parse_end(c1 + 1, hl, &p->hi))
        RS_FAIL(err, RS_ERR_INPUT, "--param %s: HI \"%.*s\" is not a number or a duration", arg, (int)hl, c1 + 1);
    if (c2) {
        if (!strcmp(c2 + 1, "log"))
            p->log = 1;
        else if (!strcmp(c2 + 1, "int"))
            p->integer = 1;
        else
            RS_FAIL(err, RS_ERR_INPUT, "--param %s: unknown scale '%s' (expected log or int)", arg, c2 + 1);
    }
    if (!(p->lo < p->hi))
        RS_FAIL(err, RS_ERR_INPUT, "--param %s: LO (%g) must be below HI (%g)", arg, p->lo, p->hi);
    if (p->log && p->lo <= 0)
        RS_FAIL(err, RS_ERR_INPUT, "--param %s: a log range needs LO > 0, got %g", arg, p->lo);
    if (p->integer && ceil(p->lo) > floor(p->hi))
        RS_FAIL(err, RS_ERR_INPUT, "--param %s: no integer lies in [%g, %g]", arg, p->lo, p->hi);
    return RS_OK;
}

/* The value of a unit coordinate: log or linear, integers rounded, others to 6 significant digits (so that the
 * values written in optimize.csv and best.lua are exactly the ones evaluated). */
static double to_value(const tparam *p, double u)
{
    u = u < 0 ? 0 : u > 1 ? 1 : u;
    double v = p->log ? exp(log(p->lo) + u * (log(p->hi) - log(p->lo))) : p->lo + u * (p->hi - p->lo);
    if (p->integer) {
        v = round(v);
        v = fmax(ceil(p->lo), fmin(floor(p->hi), v));
    } else {
        char buf[32];
        snprintf(buf, sizeof buf, "%.6g", v);
        v = fmax(p->lo, fmin(p->hi, strtod(buf, NULL)));
    }
    return v;
}

static double to_unit(const tparam *p, double v)
{
    double u = p->log ? (log(v) - log(p->lo)) / (log(p->hi) - log(p->lo)) : (v - p->lo) / (p->hi - p->lo);
    return u < 0 ? 0 : u > 1 ? 1 : u;
}

static void snap(double *x, void *ctx)
{
    const tune *T = ctx;
    for (size_t k = 0; k < T->dim; k++)
        x[k] = to_unit(&T->p[k], to_value(&T->p[k], x[k]));
}

/* "KEY=VALUE" texts of a point (caller frees each). */
static int point_sets(const tune *T, const double *value, char **sets)
{
    for (size_t k = 0; k < T->dim; k++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%.15g", value[k]);
        size_t len = strlen(T->p[k].key) + strlen(buf) + 2;
        if (!(sets[k] = malloc(len)))
            return -1;
        snprintf(sets[k], len, "%s=%s", T->p[k].key, buf);
    }
    return 0;
}

static void row_free(eval_row *r)
{
    free(r->value);
    free(r->u);
    free(r->c);
    free(r->c_sd);
    free(r->c_noise);
    free(r->holds);
    free(r->est);
    free(r->plugin);
    json_decref(r->estimates);
    json_decref(r->params);
    memset(r, 0, sizeof *r);
}

/* Evaluates the point value[] with extra overrides (seed and replications of a re-evaluation) into *row. */
static rs_status evaluate(tune *T, const double *value, const char *const *extra, size_t n_extra, uint64_t bseed,
                          eval_row *row, rs_error *err)
{
    memset(row, 0, sizeof *row);
    char *sets[RS_TUNE_MAX_PARAMS + 2] = {0};
    row->value = calloc(T->dim, sizeof *row->value);
    row->u = calloc(T->dim, sizeof *row->u);
    row->c = calloc(T->nc + 1, sizeof *row->c);
    row->c_sd = calloc(T->nc + 1, sizeof *row->c_sd);
    row->c_noise = calloc(T->nc + 1, sizeof *row->c_noise);
    row->holds = calloc(T->nc + 1, sizeof *row->holds);
    row->est = calloc(T->nm.n + 1, sizeof *row->est);
    if (!row->value || !row->u || !row->c || !row->c_sd || !row->c_noise || !row->holds || !row->est ||
        point_sets(T, value, sets)) {
        rs_planner_free_sets(sets, T->dim);
        row_free(row);
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    }
    for (size_t k = 0; k < T->dim; k++) {
        row->value[k] = value[k];
        row->u[k] = to_unit(&T->p[k], value[k]);
    }
    for (size_t k = 0; k < n_extra; k++)
        sets[T->dim + k] = (char *)extra[k]; /* not freed below: only the first dim are ours */
    size_t n_base = T->t->n_base;
    rs_point pt;
    rs_status st = rs_point_run(T->t->path, T->t->base, n_base, (const char *const *)sets, T->dim + n_extra,
                                T->opt, &T->nm, &pt, err);
    if (st) {
        rs_planner_free_sets(sets, T->dim);
        row_free(row);
        return st;
    }
    rs_planner_free_sets(sets, T->dim);
    row->reps = pt.reps_done;
    memcpy(row->est, pt.values, T->nm.n * sizeof *row->est);
    /* Two noises: the standard error of each figure (reported), and its noise relative to the first evaluation
     * (told to the Gaussian processes, bounded by the former). Every evaluation of the search runs on the same replications, so what
     * they have in common (which replications drew a bad candidate, their traffic) shifts all points alike and
     * does not blur their comparison; only the paired part does. The first evaluation is the reference (0). */
    double sd[RS_TUNE_MAX_CONSTRAINTS + 1], noise[RS_TUNE_MAX_CONSTRAINTS + 1];
    rs_point_bootstrap_sd(&pt, &T->nm, T->all, T->nc + 1, bseed, BOOTSTRAP, sd);
    int search = n_extra == 0;
    if (search && T->have_ref)
        rs_point_bootstrap_paired_sd(&pt, &T->ref, &T->nm, T->all, T->nc + 1, bseed, BOOTSTRAP, noise);
    /* The paired figure also carries the reference's own noise (half of it): where that makes it larger than
     * the point's own standard error, the latter is the better bound. */
    for (size_t k = 0; k <= T->nc; k++)
        noise[k] = !search ? sd[k] : !T->have_ref ? 0 : isnan(noise[k]) ? sd[k] : isnan(sd[k]) ? noise[k]
                 : fmin(noise[k], sd[k]);
    row->y = rs_expr_eval(T->obj, row->est);
    row->y_sd = sd[0];
    row->y_noise = noise[0];
    row->feasible = isfinite(row->y);
    for (size_t k = 0; k < T->nc; k++) {
        row->c[k] = rs_expr_eval(T->con[k], row->est);
        row->c_sd[k] = sd[k + 1];
        row->c_noise[k] = noise[k + 1];
        row->holds[k] = rs_expr_holds(T->con[k], row->est);
        row->feasible &= row->holds[k];
    }
    row->estimates = json_incref(pt.estimates);
    row->params = json_incref(pt.params);
    row->plugin = strdup(pt.plugin);
    if (search && !T->have_ref) {
        T->ref = pt; /* kept: the reference of the later evaluations */
        T->have_ref = 1;
    } else {
        rs_point_free(&pt);
    }
    return RS_OK;
}

static double var_of(double sd)
{
    return isfinite(sd) ? sd * sd : 0;
}

/* The best feasible objective among rows[0..n-1] (NaN if none). */
static double best_so_far(const eval_row *rows, size_t n)
{
    double b = NAN;
    for (size_t i = 0; i < n; i++)
        if (rows[i].feasible && (isnan(b) || rows[i].y < b))
            b = rows[i].y;
    return b;
}

static void write_trace(tune *T, FILE *f, size_t n_initial)
{
    fputs("eval,phase", f);
    for (size_t k = 0; k < T->dim; k++) {
        fputc(',', f);
        rs_csv_field(f, T->p[k].key);
    }
    fputs(",replications,objective,objective_se,objective_noise", f);
    for (size_t k = 0; k < T->nc; k++)
        fprintf(f, ",constraint_%zu,constraint_%zu_se,constraint_%zu_holds", k + 1, k + 1, k + 1);
    fputs(",feasible,best_so_far", f);
    for (size_t c = 0; c < T->nm.n_columns; c++)
        fprintf(f, ",%s", T->nm.name[c]);
    fputc('\n', f);
    for (size_t i = 0; i < T->n_rows; i++) {
        const eval_row *r = &T->rows[i];
        fprintf(f, "%zu,%s", i + 1, i < n_initial ? "initial" : "search");
        for (size_t k = 0; k < T->dim; k++) {
            fputc(',', f);
            rs_planner_csv_number(f, r->value[k]);
        }
        fprintf(f, ",%zu,", r->reps);
        rs_planner_csv_number(f, r->y);
        fputc(',', f);
        rs_planner_csv_number(f, r->y_sd);
        fputc(',', f);
        rs_planner_csv_number(f, r->y_noise);
        for (size_t k = 0; k < T->nc; k++) {
            fputc(',', f);
            rs_planner_csv_number(f, r->c[k]);
            fputc(',', f);
            rs_planner_csv_number(f, r->c_sd[k]);
            fprintf(f, ",%d", r->holds[k]);
        }
        fprintf(f, ",%d,", r->feasible);
        rs_planner_csv_number(f, best_so_far(T->rows, i + 1));
        for (size_t c = 0; c < T->nm.n_columns; c++) {
            fputc(',', f);
            rs_planner_csv_number(f, r->est[c]);
        }
        fputc('\n', f);
    }
}

static json_t *jnum(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

/* An expression's result as JSON: value, its standard error and a 95 % normal interval. */
static json_t *expr_json(const char *text, double v, double se)
{
    json_t *o = json_pack("{s:s,s:o,s:o}", "expr", text, "value", jnum(v), "se", jnum(se));
    json_object_set_new(o, "lo", jnum(v - 1.959963984540054 * se));
    json_object_set_new(o, "hi", jnum(v + 1.959963984540054 * se));
    return o;
}

static json_t *row_json(const tune *T, const eval_row *r)
{
    json_t *values = json_object();
    for (size_t k = 0; k < T->dim; k++)
        json_object_set_new(values, T->p[k].key, T->p[k].integer ? json_integer((json_int_t)r->value[k])
                                                                   : json_real(r->value[k]));
    json_t *cons = json_array();
    for (size_t k = 0; k < T->nc; k++) {
        json_t *c = expr_json(T->t->constraints[k], r->c[k], r->c_sd[k]);
        json_object_set_new(c, "holds", json_boolean(r->holds[k]));
        json_array_append_new(cons, c);
    }
    return json_pack("{s:o,s:I,s:o,s:o,s:b,s:O}", "values", values, "replications", (json_int_t)r->reps,
                     "objective", expr_json(T->t->objective, r->y, r->y_sd), "constraints", cons, "feasible",
                     r->feasible, "estimates", r->estimates);
}

/* A Lua literal of a command-line value as the loader reads it. */
static void lua_literal(FILE *f, const char *text)
{
    json_t *j = rs_planner_value_json(text);
    if (json_is_array(j)) {
        fputs("{ ", f);
        size_t i;
        json_t *item;
        json_array_foreach(j, i, item) {
            if (json_is_number(item))
                fprintf(f, "%s%.15g", i ? ", " : "", json_number_value(item));
            else if (json_is_boolean(item))
                fprintf(f, "%s%s", i ? ", " : "", json_is_true(item) ? "true" : "false");
            else
                fprintf(f, "%s%s", i ? ", " : "", "nil");
        }
        fputs(" }", f);
    } else if (json_is_number(j)) {
        fprintf(f, "%.15g", json_number_value(j));
    } else if (json_is_boolean(j)) {
        fputs(json_is_true(j) ? "true" : "false", f);
    } else {
        fputc('"', f);
        for (const char *c = text; *c; c++) {
            if (*c == '"' || *c == '\\')
                fputc('\\', f);
            if ((unsigned char)*c < 32)
                fprintf(f, "\\%03d", (unsigned char)*c);
            else
                fputc(*c, f);
        }
        fputc('"', f);
    }
    json_decref(j);
}

static void lua_set_line(FILE *f, const char *set)
{
    const char *eq = strchr(set, '=');
    fputs("set(\"", f);
    fwrite(set, 1, (size_t)(eq - set), f);
    fputs("\", ", f);
    lua_literal(f, eq + 1);
    fputs(")\n", f);
}

/* Reads the scenario's source text (the embedded quick start when path is NULL). Caller frees. */
static char *scenario_text(const char *path)
{
    if (!path)
        return strndup(rs_builtin_quickstart, rs_builtin_quickstart_len);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *b = realloc(buf, 2 * cap + 1);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* best.lua: the scenario's own text, wrapped, with the best values (and the command line's --set) applied in the
 * way --set applies them, and the re-evaluation's seed and replications. */
static rs_status write_best_lua(tune *T, FILE *f, const eval_row *best, uint64_t seed, size_t reps, int feasible,
                                rs_error *err)
{
    char *text = scenario_text(T->t->path);
    if (!text)
        RS_FAIL(err, RS_ERR_RUNTIME, "cannot read %s again to write best.lua: %s", T->t->path, strerror(errno));
    /* A first line "#!..." is not Lua inside a function body. */
    const char *body = text;
    if (body[0] == '#')
        body += strcspn(body, "\n");
    fprintf(f, "-- Written by rollsim optimize from %s: that scenario with the best point found%s.\n",
            T->t->path ? T->t->path : "the built-in quick start",
            feasible ? "" : " (NO point met every constraint: this is the least-violating one)");
    fprintf(f, "-- objective: %s = %.6g (search); constraints:", T->t->objective, best->y);
    for (size_t k = 0; k < T->nc; k++)
        fprintf(f, " %s%s", T->t->constraints[k], k + 1 < T->nc ? ";" : "");
    fprintf(f, "%s\n", T->nc ? "" : " none");
    fprintf(f, "-- seed and replications are those of the re-evaluation on fresh streams: `rollsim run best.lua` "
               "reproduces best.json.\n");
    fputs("local function original_scenario(...)\n", f);
    fputs(body, f);
    fputs("\nend\nlocal s = original_scenario(...)\n", f);
    fputs("-- KEY=VALUE as --set applies it: a number in the path is a list index; missing tables are created.\n"
          "local function set(path, value)\n"
          "  local t, last = s, nil\n"
          "  for part in path:gmatch(\"[^.]+\") do\n"
          "    if last ~= nil then\n"
          "      if t[last] == nil then t[last] = {} end\n"
          "      t = t[last]\n"
          "    end\n"
          "    last = tonumber(part) or part\n"
          "  end\n"
          "  t[last] = value\n"
          "end\n", f);
    for (size_t i = 0; i < T->t->n_base; i++) {
        const char *b = T->t->base[i];
        if (!strncmp(b, "seed=", 5) || !strncmp(b, "replications=", 13))
            continue;
        lua_set_line(f, b);
    }
    char *sets[RS_TUNE_MAX_PARAMS] = {0};
    if (point_sets(T, best->value, sets)) {
        free(text);
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    }
    for (size_t k = 0; k < T->dim; k++)
        lua_set_line(f, sets[k]);
    rs_planner_free_sets(sets, T->dim);
    fprintf(f, "s.seed = %llu\ns.replications = %zu\nreturn s\n", (unsigned long long)seed, reps);
    free(text);
    return RS_OK;
}

static void progress(const tune *T, size_t k, size_t budget, double t0)
{
    if (!T->opt->progress)
        return;
    double el = rs_planner_now() - t0, eta = k ? el / (double)k * (double)(budget - k) : 0;
    double b = best_so_far(T->rows, T->n_rows);
    fprintf(stderr, "\roptimize: evaluation %zu of %zu, best feasible %s%.6g, %.0f s, ETA %.0f s   ", k, budget,
            isnan(b) ? "(none yet) " : "", b, el, eta);
    if (k == budget)
        fputc('\n', stderr);
    fflush(stderr);
}

static void print_result(const tune *T, const eval_row *r, int feasible, int reevaluated, uint64_t seed)
{
    printf("rollsim %s optimize: %zu evaluations; best point%s:\n", ROLLSIM_VERSION, T->n_rows,
           feasible ? "" : " (NO point met every constraint: the least-violating one)");
    for (size_t k = 0; k < T->dim; k++)
        printf("  %s = %.6g\n", T->p[k].key, r->value[k]);
    printf("  %s: objective %s = %.6g (95 %% interval %.6g to %.6g)\n",
           reevaluated ? "re-evaluated on fresh replications" : "from the search (not re-evaluated)",
           T->t->objective, r->y, r->y - 1.96 * r->y_sd, r->y + 1.96 * r->y_sd);
    for (size_t k = 0; k < T->nc; k++)
        printf("  constraint %s: %s (margin %.4g)\n", T->t->constraints[k], r->holds[k] ? "holds" : "VIOLATED",
               -r->c[k]);
    if (reevaluated)
        printf("  re-evaluation: %zu replications, seed %llu\n", r->reps, (unsigned long long)seed);
    printf("  files in %s/: optimize.csv best.json best.lua summary.json\n", T->opt->out_dir);
}

rs_status rs_tune(const rs_tune_options *t, const rs_run_options *opt, rs_error *err)
{
    tune T;
    memset(&T, 0, sizeof T);
    T.t = t;
    T.opt = opt;
    T.dim = t->n_params;
    T.nc = t->n_constraints;
    if (T.dim == 0 || T.dim > RS_TUNE_MAX_PARAMS)
        RS_FAIL(err, RS_ERR_INPUT, "optimize takes 1 to %d --param, got %zu", RS_TUNE_MAX_PARAMS, T.dim);
    if (T.nc > RS_TUNE_MAX_CONSTRAINTS)
        RS_FAIL(err, RS_ERR_INPUT, "optimize takes at most %d --constraint, got %zu", RS_TUNE_MAX_CONSTRAINTS, T.nc);
    if (t->budget < 2 || t->budget > 500)
        RS_FAIL(err, RS_ERR_INPUT, "--budget %zu: expected 2 to 500 evaluations", t->budget);
    rs_status st = RS_OK;
    size_t parsed = 0;
    for (; parsed < T.dim && !st; parsed++)
        st = parse_param(t->params[parsed], &T.p[parsed], err);
    for (size_t k = 0; k < T.dim && !st; k++)
        for (size_t q = 0; q < k && !st; q++)
            if (!strcmp(T.p[k].key, T.p[q].key))
                st = RS_SET(err, RS_ERR_INPUT, "--param %s: the key %s is given twice", t->params[k], T.p[k].key);
    if (!st)
        st = rs_planner_names_init(&T.nm, err);
    if (!st)
        st = rs_expr_parse(t->objective, "--objective", (const char *const *)T.nm.name, T.nm.n, &T.obj, err);
    if (!st && rs_expr_is_comparison(T.obj))
        st = RS_SET(err, RS_ERR_INPUT, "--objective '%s': a comparison is a constraint: give it with --constraint, "
                    "and an objective to minimise", t->objective);
    for (size_t k = 0; k < T.nc && !st; k++) {
        st = rs_expr_parse(t->constraints[k], "--constraint", (const char *const *)T.nm.name, T.nm.n, &T.con[k], err);
        if (!st && !rs_expr_is_comparison(T.con[k]))
            st = RS_SET(err, RS_ERR_INPUT, "--constraint '%s': expected a comparison such as 'p_escape.hi <= 0.05'",
                        t->constraints[k]);
    }
    T.all[0] = T.obj;
    for (size_t k = 0; k < T.nc; k++)
        T.all[k + 1] = T.con[k];

    /* Every key is checked at both ends of its range (the others at their middle) before anything runs. */
    for (size_t k = 0; k < T.dim && !st; k++)
        for (int end = 0; end < 2 && !st; end++) {
            double value[RS_TUNE_MAX_PARAMS];
            for (size_t q = 0; q < T.dim; q++)
                value[q] = to_value(&T.p[q], q == k ? end : 0.5);
            char *sets[RS_TUNE_MAX_PARAMS] = {0};
            if (point_sets(&T, value, sets))
                st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
            else
                st = rs_point_check(t->path, t->base, t->n_base, (const char *const *)sets, T.dim, err);
            if (st) {
                char arg[512];
                snprintf(arg, sizeof arg, "%s (at %s = %g)", T.p[k].arg, T.p[k].key, value[k]);
                rs_planner_error_option(err, "--param", arg);
            }
            rs_planner_free_sets(sets, T.dim);
        }
    json_t *head = NULL;
    if (!st)
        st = rs_planner_head(t->path, t->base, t->n_base, &head, err);
    int created = 0;
    if (!st)
        st = rs_output_prepare_dir(opt->out_dir, &created, err);
    if (!st) {
        T.seed = (uint64_t)json_integer_value(json_object_get(head, "seed"));
        T.rows = calloc(t->budget + 1, sizeof *T.rows);
        if (!T.rows)
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
    }

    size_t n_initial = 2 * T.dim + 1 > 5 ? 2 * T.dim + 1 : 5;
    if (n_initial > t->budget)
        n_initial = t->budget;
    rs_bo_options bo_opt = {.dim = T.dim, .n_constraints = T.nc, .budget = t->budget, .n_initial = n_initial,
                            .seed = T.seed, .kernel = RS_GP_MATERN52, .snap = snap, .snap_ctx = &T,
                            .min_separation = 0.01};
    rs_bo *bo = st ? NULL : rs_bo_alloc(&bo_opt);
    if (!st && !bo)
        st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
    st = rs_dist_agree(st, err); /* under MPI: a key that fails its check on one rank stops every rank */
    int interrupted = 0;
    double t0 = rs_planner_now();
    while (!st && T.n_rows < t->budget) {
        double u[RS_TUNE_MAX_PARAMS], value[RS_TUNE_MAX_PARAMS];
        int exhausted = rs_bo_ask(bo, u);
        /* Every rank runs this loop; rank 0's proposal is everyone's, so that nodes whose maths libraries round
         * differently still evaluate the same points (the results they share keep the models equal). */
        rs_dist_bcast(&exhausted, sizeof exhausted, 0);
        rs_dist_bcast(u, T.dim * sizeof *u, 0);
        if (exhausted)
            break; /* the (integer) space is exhausted */
        for (size_t k = 0; k < T.dim; k++)
            value[k] = to_value(&T.p[k], u[k]);
        eval_row *r = &T.rows[T.n_rows];
        st = evaluate(&T, value, NULL, 0, T.seed ^ rs_splitmix64(T.n_rows + 1), r, err);
        if (st == RS_ERR_INTERRUPTED) {
            st = RS_OK;
            interrupted = 1;
            break;
        }
        if (st) {
            rs_error_prefix(err, "optimize evaluation %zu", T.n_rows + 1);
            break;
        }
        T.n_rows++;
        double c_var[RS_TUNE_MAX_CONSTRAINTS + 1];
        for (size_t k = 0; k < T.nc; k++)
            c_var[k] = var_of(r->c_noise[k]);
        if (rs_bo_tell(bo, u, r->y, var_of(r->y_noise), r->c, c_var) != 0) {
            st = RS_SET(err, RS_ERR_RUNTIME, "optimize: the optimiser refused evaluation %zu", T.n_rows);
            break;
        }
        progress(&T, T.n_rows, t->budget, t0);
        if (rs_dist_any(opt->stop && *opt->stop)) { /* every rank stops after the same evaluation */
            interrupted = 1;
            break;
        }
    }

    /* The best point, re-evaluated on fresh streams (a seed derived from the search's) unless interrupted. */
    int feasible = 0;
    size_t bi = (!st && T.n_rows) ? rs_bo_best(bo, &feasible) : (size_t)-1;
    eval_row final_row;
    memset(&final_row, 0, sizeof final_row);
    const eval_row *best = NULL;
    uint64_t fresh = rs_splitmix64(T.seed ^ 0x6f7074696d697a65ULL) & ((1ULL << 53) - 1);
    size_t final_reps = t->final_reps ? t->final_reps : (size_t)json_integer_value(json_object_get(head, "replications"));
    if (!st && bi != (size_t)-1 && !interrupted) {
        char seed_set[64], reps_set[64];
        snprintf(seed_set, sizeof seed_set, "seed=%llu", (unsigned long long)fresh);
        snprintf(reps_set, sizeof reps_set, "replications=%zu", final_reps);
        const char *extra[2] = {seed_set, reps_set};
        st = evaluate(&T, T.rows[bi].value, extra, 2, fresh, &final_row, err);
        if (st == RS_ERR_INTERRUPTED) {
            st = RS_OK;
            interrupted = 1;
        } else if (st) {
            rs_error_prefix(err, "optimize: re-evaluating the best point");
        } else {
            best = &final_row;
        }
    }
    if (!st && bi != (size_t)-1 && !best)
        best = &T.rows[bi];

    /* optimize.csv, best.json, best.lua, summary.json: all or nothing */
    static const char *const names[] = {"optimize.csv", "best.json", "best.lua", "summary.json"};
    rs_atomic_file af[4];
    memset(af, 0, sizeof af);
    if (!st && !best)
        st = RS_SET(err, interrupted ? RS_ERR_INTERRUPTED : RS_ERR_RUNTIME,
                    "optimize: %s before any evaluation finished", interrupted ? "interrupted" : "stopped");
    for (int i = 0; i < 4 && !st; i++)
        st = rs_atomic_open(&af[i], opt->out_dir, names[i], err);
    if (!st) {
        write_trace(&T, af[0].f, n_initial);
        json_t *trace_best = row_json(&T, &T.rows[bi]);
        json_t *jb = row_json(&T, best);
        json_object_set_new(jb, "feasible", json_boolean(feasible));
        json_object_set_new(jb, "partial", json_boolean(interrupted));
        json_object_set_new(jb, "evaluation", json_integer((json_int_t)(bi + 1)));
        json_object_set_new(jb, "evaluations", json_integer((json_int_t)T.n_rows));
        json_object_set_new(jb, "reevaluated", json_boolean(best == &final_row));
        if (best == &final_row)
            json_object_set_new(jb, "reevaluation", json_pack("{s:I,s:I}", "seed", (json_int_t)fresh,
                                                              "replications", (json_int_t)final_row.reps));
        json_object_set_new(jb, "search", trace_best);
        json_t *params = json_array();
        for (size_t k = 0; k < T.dim; k++)
            json_array_append_new(params, json_pack("{s:s,s:f,s:f,s:s}", "key", T.p[k].key, "lo", T.p[k].lo, "hi",
                                                    T.p[k].hi, "scale",
                                                    T.p[k].log ? "log" : T.p[k].integer ? "int" : "linear"));
        json_object_set_new(jb, "params", params);
        json_object_set_new(jb, "format", json_integer(RS_SUMMARY_FORMAT));
        errno = 0; /* a failure below names its own reason, not an older one */
        if (rs_report_json_write(af[1].f, jb))
            st = RS_SET(err, RS_ERR_RUNTIME, "cannot write %s/best.json: %s", opt->out_dir, strerror(errno ? errno : EIO));
        if (!st)
            st = write_best_lua(&T, af[2].f, &T.rows[bi], best == &final_row ? fresh : T.seed,
                                best == &final_row ? final_reps : T.rows[bi].reps, feasible, err);
        if (!st) {
            char label[64];
            snprintf(label, sizeof label, "best (evaluation %zu)", bi + 1);
            json_t *pol = json_pack("{s:s,s:s,s:O,s:I,s:O,s:O}", "label", label, "plugin", best->plugin, "params",
                                    best->params, "replications", (json_int_t)best->reps, "values",
                                    json_object_get(jb, "values"), "estimates", best->estimates);
            json_t *j = json_pack("{s:s,s:s,s:O,s:O,s:I,s:I,s:b,s:O,s:O,s:[o],s:[]}", "rollsim", ROLLSIM_VERSION,
                                  "command", "optimize", "scenario", json_object_get(head, "scenario"),
                                  "scenario_file", json_object_get(head, "scenario_file"), "seed",
                                  (json_int_t)(best == &final_row ? fresh : T.seed), "replications",
                                  (json_int_t)best->reps, "partial", interrupted, "horizon",
                                  json_object_get(head, "horizon"), "users", json_object_get(head, "users"),
                                  "policies", pol, "paired");
            json_object_set_new(j, "optimize", json_pack("{s:s,s:O,s:I,s:b,s:I}", "objective", t->objective,
                                                         "params", params, "evaluations", (json_int_t)T.n_rows,
                                                         "feasible", feasible, "best_evaluation",
                                                         (json_int_t)(bi + 1)));
            json_t *cons = json_array();
            for (size_t k = 0; k < T.nc; k++)
                json_array_append_new(cons, json_string(t->constraints[k]));
            json_object_set_new(json_object_get(j, "optimize"), "constraints", cons);
            if (j)
                json_object_set_new(j, "format", json_integer(RS_SUMMARY_FORMAT));
            errno = 0; /* a failure below names its own reason, not an older one */
            if (rs_report_json_write(af[3].f, j))
                st = RS_SET(err, RS_ERR_RUNTIME, "cannot write %s/summary.json: %s", opt->out_dir, strerror(errno ? errno : EIO));
            json_decref(j);
        }
        json_decref(jb);
    }
    for (int i = 0; i < 4; i++) {
        if (!st)
            st = rs_atomic_commit(&af[i], err);
        rs_atomic_abort(&af[i]);
    }
    st = rs_dist_agree(st, err); /* rank 0 wrote the files: its verdict is every rank's exit code */
    if (!st && t->verbose)
        print_result(&T, best, feasible, best == &final_row, fresh);
    if (st && st != RS_ERR_INTERRUPTED && created)
        rmdir(opt->out_dir);

    json_decref(head);
    rs_bo_free(bo);
    if (T.have_ref)
        rs_point_free(&T.ref);
    row_free(&final_row);
    for (size_t i = 0; i < T.n_rows; i++)
        row_free(&T.rows[i]);
    free(T.rows);
    rs_expr_free(T.obj);
    for (size_t k = 0; k < T.nc; k++)
        rs_expr_free(T.con[k]);
    rs_planner_names_free(&T.nm);
    for (size_t k = 0; k < parsed; k++)
        free(T.p[k].key);
    if (!st && interrupted)
        RS_FAIL(err, RS_ERR_INTERRUPTED, "interrupted after %zu evaluations: wrote them to %s/ (best.json is the best "
                "of the search, not re-evaluated; \"partial\": true)", T.n_rows, opt->out_dir);
    return st;
}
