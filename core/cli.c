/* The command line. Commands and options are declared tables (core/help.c), so parsing, --help, the man page and
 * the bash completion come from one place. */
#include "cli.h"

#include <getopt.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "dist.h"
#include "help.h"
#include "import.h"
#include "replay.h"
#include "inspect.h"
#include "output.h"
#include "plot.h"
#include "runner.h"
#include "scenario.h"
#include "status.h"
#include "suggest.h"
#include "sweep.h"
#include "tune.h"

static int parse_u64(const char *text, double max, unsigned long long *out)
{
    char *end;
    double x = strtod(text, &end);
    if (end == text || *end || !(x >= 0) || x > max || x != floor(x))
        return -1;
    *out = (unsigned long long)x;
    return 0;
}

static volatile sig_atomic_t stop_requested;

static void on_interrupt(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void print_one(const rs_policy_report *p, size_t reps)
{
    if (reps == 1 && p->reps_done == 1) {
        const rs_rep_result *x = &p->first;
        const char *cand = x->bad ? "bad" : "good";
        if (x->outcome == RS_OUTCOME_ROLLED_BACK)
            printf("  outcome:  rolled back at t = %g h (stage %d, P = %.4g)%s\n", x->rollback_time,
                   x->stage_reached, x->p_at_rollback, x->bad ? ", the candidate was bad" : ", a false rollback");
        else if (x->outcome == RS_OUTCOME_PROMOTED)
            printf("  outcome:  promoted, full at t = %g h (stage %d)%s\n", x->time_to_full, x->stage_reached,
                   x->bad ? ": the bad candidate ESCAPED" : ", the candidate was good");
        else
            printf("  outcome:  incomplete at the horizon (stage %d), the candidate was %s\n", x->stage_reached, cand);
        printf("  harm:     %llu candidate errors, %+.1f over the baseline's rate (excess harm), to %llu users; %llu "
               "users exposed\n",
               (unsigned long long)x->harm, x->excess_harm, (unsigned long long)x->harmed_users,
               (unsigned long long)x->exposed);
        return;
    }
    printf("  outcomes: %zu promoted, %zu rolled back, %zu incomplete of %zu; %zu escapes of %zu bad, %zu false "
           "rollbacks\n",
           p->promoted, p->rolled_back, p->incomplete, p->reps_done, p->escapes, p->bad, p->false_rollbacks);
    printf("  harm:     mean %.1f candidate errors (p95 %.0f); exposed users mean %.1f\n", p->harm_mean, p->harm_p95,
           p->exposed_mean);
    if (isfinite(p->excess_lo))
        printf("  excess:   mean %+.1f errors over the baseline's rate, 95 %% interval [%+.1f, %+.1f]\n",
               p->excess_mean, p->excess_lo, p->excess_hi);
    else
        printf("  excess:   mean %+.1f errors over the baseline's rate\n", p->excess_mean);
}

static void print_summary(const rs_scenario *sc, const rs_run_options *opt, const rs_run_report *r)
{
    printf("rollsim %s: %s (%zu replication%s, seed %llu, %llu users, horizon %g h)%s\n", ROLLSIM_VERSION, sc->name,
           r->reps, r->reps == 1 ? "" : "s", (unsigned long long)sc->seed, (unsigned long long)sc->total_users,
           sc->horizon, r->partial ? " -- PARTIAL: interrupted" : "");
    for (size_t p = 0; p < r->n_policies; p++) {
        if (r->n_policies > 1)
            printf(" policy %s:\n", r->policy[p].label);
        print_one(&r->policy[p], r->reps);
    }
    printf("  simulated %llu requests in %.3f s", (unsigned long long)r->requests, r->seconds);
    if (r->seconds > 0)
        printf(" (%.3g requests/s)", (double)r->requests / r->seconds);
    if (r->ranks > 1)
        printf("\n  MPI: %d ranks; gathering their results and rows on rank 0 took %.3f s (%.3g ms per replication)",
               r->ranks, r->gather_seconds, 1e3 * r->gather_seconds / (double)(r->reps * r->n_policies));
    printf("\n  files in %s/: summary.json runs.csv curves.csv bands.csv events.csv segments.csv\n", opt->out_dir);
}

/* A --policy SPEC: PLUGIN[:KEY=VALUE;KEY=VALUE...]. Overrides apply on top of the scenario's own policy
 * parameters when it uses the same plugin. */
static rs_status parse_policy_spec(const char *spec, const rs_scenario *sc, char **plugin, rs_value *params,
                                   rs_error *err)
{
    const char *colon = strchr(spec, ':');
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    memset(params, 0, sizeof *params);
    params->kind = RS_VALUE_TABLE;
    if (len == 0)
        RS_FAIL(err, RS_ERR_INPUT, "--policy %s: expected PLUGIN[:KEY=VALUE;...]", spec);
    *plugin = strndup(spec, len);
    if (!*plugin)
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    if (!strcmp(*plugin, sc->policy_name) && rs_value_copy(params, &sc->policy))
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    if (!colon || !colon[1])
        return RS_OK;
    char *copy = strdup(colon + 1);
    if (!copy)
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    rs_status st = RS_OK;
    char *save = NULL;
    for (char *kv = strtok_r(copy, ";", &save); kv && !st; kv = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq || eq == kv) {
            st = RS_SET(err, RS_ERR_INPUT, "--policy %s: \"%s\": expected KEY=VALUE", spec, kv);
            break;
        }
        *eq = '\0';
        rs_value v;
        if (rs_value_parse_text(eq + 1, &v) || rs_value_set(params, kv, &v))
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
        rs_value_clear(&v);
    }
    free(copy);
    return st;
}

/* The help of the command with that bit. */
static int command_help(unsigned bit)
{
    for (size_t i = 0; i < rs_cli_n_commands; i++)
        if (rs_cli_commands[i].bit == bit)
            rs_help_command(stdout, &rs_cli_commands[i]);
    return 0;
}

/* What the simulating commands (run, compare, sweep, optimize) read from their command line. */
typedef struct sim_args {
    const char **sets, **specs, **grids, **params, **constraints;
    size_t n_sets, n_specs, n_grids, n_params, n_constraints;
    const char *objective;
    unsigned long long budget, final_reps;
    int quiet, plot, force;
    rs_run_options opt;
    char seed_set[64], reps_set[64];
} sim_args;

static void sim_args_free(sim_args *a)
{
    free(a->sets);
    free(a->specs);
    free(a->grids);
    free(a->params);
    free(a->constraints);
}

static const char *command_name(unsigned command)
{
    switch (command) {
    case CMD_COMPARE: return "compare";
    case CMD_SWEEP: return "sweep";
    case CMD_OPTIMIZE: return "optimize";
    default: return "run";
    }
}

/* Parses the options of a simulating command; returns -1 to go on, else the exit code (help, bad usage). */
static int parse_sim_args(int argc, char **argv, unsigned command, sim_args *a)
{
    struct option longs[RS_CLI_MAX_OPTIONS + 1];
    char shorts[3 * RS_CLI_MAX_OPTIONS + 2];
    rs_cli_getopt_tables(command, longs, shorts);
    memset(a, 0, sizeof *a);
    a->opt = (rs_run_options){.out_dir = "rollsim-out", .jobs = 1, .stop = &stop_requested};
    size_t n = (size_t)argc + 2;
    a->sets = calloc(n, sizeof *a->sets);
    a->specs = calloc(n, sizeof *a->specs);
    a->grids = calloc(n, sizeof *a->grids);
    a->params = calloc(n, sizeof *a->params);
    a->constraints = calloc(n, sizeof *a->constraints);
    if (!a->sets || !a->specs || !a->grids || !a->params || !a->constraints) {
        fprintf(stderr, "rollsim: out of memory\n");
        return 1;
    }
    unsigned long long u;
    int c, rc = -1;
    opterr = 0;
    optind = 1;
    while (rc < 0 && (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        switch (c) {
        case OPT_OUT:
            if (optarg[0] == '-' && optarg[1] == '-') { /* "--out --quiet": the value is missing */
                fprintf(stderr, "rollsim: --out needs a folder name, got the option %s\n", optarg);
                rc = 2;
                break;
            }
            a->opt.out_dir = optarg;
            break;
        case OPT_SET: a->sets[a->n_sets++] = optarg; break;
        case OPT_POLICY: a->specs[a->n_specs++] = optarg; break;
        case OPT_GRID: a->grids[a->n_grids++] = optarg; break;
        case OPT_PARAM: a->params[a->n_params++] = optarg; break;
        case OPT_CONSTRAINT: a->constraints[a->n_constraints++] = optarg; break;
        case OPT_OBJECTIVE:
            if (a->objective) {
                fprintf(stderr, "rollsim: --objective is given twice ('%s', '%s'): one objective, and --constraint "
                                "for the conditions\n", a->objective, optarg);
                rc = 2;
            }
            a->objective = optarg;
            break;
        case OPT_QUIET: a->quiet = 1; break;
        case OPT_PLOT: a->plot = 1; break;
        case OPT_FORCE: a->force = 1; break;
        case OPT_SEED:
            if (parse_u64(optarg, 9007199254740991.0, &u)) {
                fprintf(stderr, "rollsim: --seed %s: expected an integer in [0, 2^53)\n", optarg);
                rc = 2;
                break;
            }
            snprintf(a->seed_set, sizeof a->seed_set, "seed=%llu", u);
            a->sets[a->n_sets++] = a->seed_set;
            break;
        case OPT_REPS:
            if (parse_u64(optarg, 16777216, &u) || u == 0) {
                fprintf(stderr, "rollsim: --reps %s: expected an integer in [1, 2^24 = 16777216]\n", optarg);
                rc = 2;
                break;
            }
            snprintf(a->reps_set, sizeof a->reps_set, "replications=%llu", u);
            a->sets[a->n_sets++] = a->reps_set;
            break;
        case OPT_BUDGET:
            if (parse_u64(optarg, 500, &u) || u < 2) {
                fprintf(stderr, "rollsim: --budget %s: expected an integer in [2, 500]\n", optarg);
                rc = 2;
                break;
            }
            a->budget = u;
            break;
        case OPT_FINAL_REPS:
            if (parse_u64(optarg, 16777216, &u) || u < 2) {
                fprintf(stderr, "rollsim: --final-reps %s: expected an integer in [2, 2^24 = 16777216]\n", optarg);
                rc = 2;
                break;
            }
            a->final_reps = u;
            break;
        case OPT_JOBS:
            if (parse_u64(optarg, 1024, &u) || u == 0) {
                fprintf(stderr, "rollsim: --jobs %s: expected an integer in [1, 1024]\n", optarg);
                rc = 2;
                break;
            }
            a->opt.jobs = (unsigned)u;
            break;
        case OPT_HELP: rc = command_help(command); break;
        case OPT_VERSION: printf("rollsim %s\n", ROLLSIM_VERSION); rc = 0; break;
        case ':':
            fprintf(stderr, "rollsim: option %s needs a value (see rollsim %s --help)\n", argv[optind - 1],
                    command_name(command));
            rc = 2;
            break;
        default:
            fprintf(stderr, "rollsim: unknown option %s (see rollsim %s --help)\n", argv[optind - 1],
                    command_name(command));
            rc = 2;
            break;
        }
    }
    if (rc < 0 && argc - optind > 1) {
        fprintf(stderr, "rollsim: %s takes one scenario, got %d (%s, %s%s)\n", command_name(command), argc - optind,
                argv[optind], argv[optind + 1], argc - optind > 2 ? ", ..." : "");
        rc = 2;
    }
    if (rc < 0 && command != CMD_RUN && optind == argc) {
        fprintf(stderr, "rollsim: %s needs a scenario (see rollsim %s --help)\n", command_name(command),
                command_name(command));
        rc = 2;
    }
    if (rc < 0 && command == CMD_SWEEP && a->n_grids == 0) {
        fprintf(stderr, "rollsim: sweep needs at least one --grid KEY=V1,V2,... (see rollsim sweep --help)\n");
        rc = 2;
    }
    if (rc < 0 && command == CMD_OPTIMIZE && (a->n_params == 0 || !a->objective)) {
        fprintf(stderr, "rollsim: optimize needs %s (see rollsim optimize --help)\n",
                a->n_params ? "an --objective EXPR" : "at least one --param KEY=LO:HI");
        rc = 2;
    }
    a->opt.progress = !a->quiet && isatty(STDERR_FILENO);
    a->plot &= rs_dist_rank() == 0; /* under MPI rank 0 alone writes files, plots included */
    return rc;
}

/* SIGINT, SIGTERM and SIGHUP (a closed terminal or ssh session) set the stop flag (the finished work is kept
 * and written) until restore_interrupts. */
static struct sigaction old_hup;
static void catch_interrupts(struct sigaction *old_int, struct sigaction *old_term)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, old_int);
    sigaction(SIGTERM, &sa, old_term);
    sigaction(SIGHUP, &sa, &old_hup);
}

static void restore_interrupts(const struct sigaction *old_int, const struct sigaction *old_term)
{
    sigaction(SIGINT, old_int, NULL);
    sigaction(SIGTERM, old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
}

/* rollsim sweep SCENARIO --grid KEY=V1,V2,... */
static int cmd_sweep(sim_args *a, const char *path)
{
    rs_grid_axis axes[RS_SWEEP_MAX_AXES];
    size_t n_axes = 0;
    rs_error err = {0};
    rs_status st = RS_OK;
    if (a->n_grids > RS_SWEEP_MAX_AXES)
        st = RS_SET(&err, RS_ERR_INPUT, "sweep takes at most %d --grid keys, got %zu", RS_SWEEP_MAX_AXES,
                    a->n_grids);
    for (size_t i = 0; i < a->n_grids && !st; i++) {
        st = rs_grid_axis_parse(a->grids[i], &axes[i], &err);
        n_axes += !st;
    }
    if (!st) {
        struct sigaction old_int, old_term;
        catch_interrupts(&old_int, &old_term);
        st = rs_sweep(path, a->sets, a->n_sets, axes, n_axes, &a->opt, !a->quiet, &err);
        restore_interrupts(&old_int, &old_term);
    }
    if (!st || st == RS_ERR_INTERRUPTED)
        rs_output_clear_plots(a->opt.out_dir); /* the plots of an earlier run would describe other data */
    if (!st && !a->quiet)
        printf("  files in %s/: sweep.csv summary.json\n", a->opt.out_dir);
    if (!st && a->plot)
        st = rs_plot_dir(a->opt.out_dir, !a->quiet, &err);
    if (st)
        fprintf(stderr, "rollsim: %s\n", err.msg);
    for (size_t i = 0; i < n_axes; i++)
        rs_grid_axis_free(&axes[i]);
    return (int)st;
}

/* rollsim optimize SCENARIO --param KEY=LO:HI ... --objective EXPR */
static int cmd_optimize(sim_args *a, const char *path)
{
    rs_tune_options t = {.path = path, .base = a->sets, .n_base = a->n_sets, .params = a->params,
                         .n_params = a->n_params, .objective = a->objective, .constraints = a->constraints,
                         .n_constraints = a->n_constraints, .budget = a->budget ? (size_t)a->budget : 30,
                         .final_reps = (size_t)a->final_reps, .verbose = !a->quiet};
    rs_error err = {0};
    struct sigaction old_int, old_term;
    catch_interrupts(&old_int, &old_term);
    rs_status st = rs_tune(&t, &a->opt, &err);
    restore_interrupts(&old_int, &old_term);
    if (!st || st == RS_ERR_INTERRUPTED)
        rs_output_clear_plots(a->opt.out_dir);
    if ((!st || st == RS_ERR_INTERRUPTED) && a->plot) {
        rs_error perr = {0};
        rs_status pst = rs_plot_dir(a->opt.out_dir, !a->quiet, &perr);
        if (pst && !st) {
            st = pst;
            err = perr;
        }
    }
    if (st)
        fprintf(stderr, "rollsim: %s\n", err.msg);
    return (int)st;
}

static int cmd_run(int argc, char **argv, unsigned command)
{
    sim_args a;
    int rc = parse_sim_args(argc, argv, command, &a);
    if (rc >= 0) {
        sim_args_free(&a);
        return rc;
    }
    const char *path = optind < argc ? argv[optind] : NULL;
    rs_error ferr = {0};
    if (rs_dist_agree(rs_output_check_dir(a.opt.out_dir, a.force, &ferr), &ferr)) {
        fprintf(stderr, "rollsim: %s\n", ferr.msg);
        sim_args_free(&a);
        return 2;
    }
    if (command == CMD_SWEEP || command == CMD_OPTIMIZE) {
        rc = command == CMD_SWEEP ? cmd_sweep(&a, path) : cmd_optimize(&a, path);
        sim_args_free(&a);
        return rc;
    }
    int compare = command == CMD_COMPARE;
    rs_run_options opt = a.opt;
    int quiet = a.quiet, plot = a.plot;
    const char **specs = a.specs;
    size_t n_specs = a.n_specs;
    rs_scenario sc;
    rs_error err = {0};
    rs_status loaded = rs_import_is_manifest(path) ? rs_import_load(path, a.sets, a.n_sets, quiet ? NULL : stderr, &sc, &err)
                                                   : rs_scenario_load(path, a.sets, a.n_sets, &sc, &err);
    rs_status st = rs_dist_agree(loaded, &err); /* under MPI: a scenario one rank cannot load fails them all */
    if (st) {
        if (!loaded)
            rs_scenario_free(&sc);
        sim_args_free(&a);
        fprintf(stderr, "rollsim: %s\n", err.msg);
        return (int)st;
    }
    rs_policy_choice choice[RS_MAX_POLICIES];
    char *plugins[RS_MAX_POLICIES] = {0};
    rs_value params[RS_MAX_POLICIES];
    size_t n_choice = 0, n_params = 0;
    if (!compare) {
        choice[n_choice++] = (rs_policy_choice){sc.policy_name, sc.policy_name, &sc.policy};
        if (sc.n_policies && !quiet && rs_dist_rank() == 0)
            fprintf(stderr, "rollsim: note: %s has a `policies` table (%zu policies, from '%s'); run simulates its "
                            "`policy` only, `rollsim compare %s` runs them all on the same replications\n",
                    sc.file, sc.n_policies, sc.policy_labels[0], sc.file);
    } else if (n_specs) {
        if (n_specs > RS_MAX_POLICIES)
            st = RS_SET(&err, RS_ERR_INPUT, "compare takes at most %d policies, got %zu", RS_MAX_POLICIES, n_specs);
        for (size_t i = 0; i < n_specs && !st; i++) {
            st = parse_policy_spec(specs[i], &sc, &plugins[i], &params[i], &err);
            n_params = i + 1;
            choice[n_choice++] = (rs_policy_choice){specs[i], plugins[i], &params[i]};
        }
    } else if (sc.n_policies) {
        if (sc.n_policies > RS_MAX_POLICIES)
            st = RS_SET(&err, RS_ERR_INPUT, "%s: policies: at most %d, got %zu", sc.file, RS_MAX_POLICIES,
                        sc.n_policies);
        for (size_t i = 0; i < sc.n_policies && !st; i++)
            choice[n_choice++] = (rs_policy_choice){sc.policy_labels[i], sc.policy_plugins[i], &sc.policy_params[i]};
    } else {
        st = RS_SET(&err, RS_ERR_INPUT, "%s: nothing to compare: give --policy SPEC twice or more, or a `policies` "
                                        "table in the scenario", sc.file);
    }
    rs_run_report report;
    if (!st) {
        struct sigaction old_int, old_term;
        catch_interrupts(&old_int, &old_term);
        st = rs_run(&sc, choice, n_choice, &opt, &report, &err);
        restore_interrupts(&old_int, &old_term);
    }
    if (!st || st == RS_ERR_INTERRUPTED)
        rs_output_clear_plots(opt.out_dir);
    if ((!st || st == RS_ERR_INTERRUPTED) && !quiet)
        print_summary(&sc, &opt, &report);
    if (!st && plot)
        st = rs_plot_dir(opt.out_dir, !quiet, &err);
    if (st)
        fprintf(stderr, "rollsim: %s\n", err.msg);
    for (size_t i = 0; i < n_params; i++) {
        free(plugins[i]);
        rs_value_clear(&params[i]);
    }
    rs_scenario_free(&sc);
    sim_args_free(&a);
    return (int)st;
}

/* rollsim plot DIR: (re)draws the plots of an output folder. */
static int cmd_plot(int argc, char **argv)
{
    struct option longs[RS_CLI_MAX_OPTIONS + 1];
    char shorts[3 * RS_CLI_MAX_OPTIONS + 2];
    rs_cli_getopt_tables(CMD_PLOT, longs, shorts);
    int c, quiet = 0;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        switch (c) {
        case OPT_QUIET: quiet = 1; break;
        case OPT_HELP: return command_help(CMD_PLOT);
        default: fprintf(stderr, "rollsim: plot: unknown option %s (see rollsim plot --help)\n", argv[optind - 1]); return 2;
        }
    }
    if (argc - optind != 1) {
        if (optind == argc)
            fprintf(stderr, "rollsim: plot needs an output folder: rollsim plot DIR (see rollsim plot --help)\n");
        else
            fprintf(stderr, "rollsim: plot takes one output folder, got %d (%s, %s%s)\n", argc - optind,
                    argv[optind], argv[optind + 1], argc - optind > 2 ? ", ..." : "");
        return 2;
    }
    rs_error err = {0};
    rs_status st = rs_plot_dir(argv[optind], !quiet, &err);
    if (st)
        fprintf(stderr, "rollsim: %s\n", err.msg);
    return (int)st;
}

/* rollsim check [SCENARIO] [--set ...]: validates a scenario and prints it resolved. */
static int cmd_check(int argc, char **argv)
{
    struct option longs[RS_CLI_MAX_OPTIONS + 1];
    char shorts[3 * RS_CLI_MAX_OPTIONS + 2];
    rs_cli_getopt_tables(CMD_CHECK, longs, shorts);
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    size_t n_sets = 0;
    int c, rc = -1;
    opterr = 0;
    optind = 1;
    if (!sets)
        return 1;
    while (rc < 0 && (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        switch (c) {
        case OPT_SET: sets[n_sets++] = optarg; break;
        case OPT_QUIET: break;
        case OPT_HELP: rc = command_help(CMD_CHECK); break;
        case ':': fprintf(stderr, "rollsim: option %s needs a value (see rollsim check --help)\n", argv[optind - 1]); rc = 2; break;
        default: fprintf(stderr, "rollsim: check: unknown option %s (see rollsim check --help)\n", argv[optind - 1]); rc = 2; break;
        }
    }
    if (rc < 0 && argc - optind > 1) {
        fprintf(stderr, "rollsim: check takes one scenario, got %d (%s, %s%s)\n", argc - optind, argv[optind],
                argv[optind + 1], argc - optind > 2 ? ", ..." : "");
        rc = 2;
    }
    if (rc >= 0) {
        free(sets);
        return rc;
    }
    rs_scenario sc;
    rs_error err = {0};
    const char *path = optind < argc ? argv[optind] : NULL;
    rs_status st = rs_import_is_manifest(path) ? rs_import_load(path, sets, n_sets, stderr, &sc, &err)
                                               : rs_scenario_load(path, sets, n_sets, &sc, &err);
    free(sets);
    if (!st) {
        st = rs_inspect_check(stdout, &sc, &err);
        rs_scenario_free(&sc);
    }
    if (st)
        fprintf(stderr, "rollsim: %s\n", err.msg);
    return (int)st;
}

/* rollsim plugins [--help] */
static int cmd_plugins(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) { /* in order, as getopt would: --help, or the first thing it takes not */
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return command_help(CMD_PLUGINS);
        fprintf(stderr, "rollsim: plugins takes no arguments, got %s (see rollsim plugins --help)\n", argv[i]);
        return 2;
    }
    rs_error err = {0};
    rs_status st = rs_inspect_plugins(stdout, &err);
    if (st)
        fprintf(stderr, "rollsim: %s\n", err.msg);
    return (int)st;
}

/* An unknown command's message, with the nearest command's name when one is near. */
static int unknown_command(const char *cmd)
{
    const char *names[32];
    size_t n = 0;
    for (size_t i = 0; i < rs_cli_n_commands && n < 32; i++)
        names[n++] = rs_cli_commands[i].name;
    char hint[96];
    rs_suggest_hint(cmd, names, n, hint, sizeof hint);
    fprintf(stderr, "rollsim: unknown command '%s'%s (see rollsim --help)\n", cmd, hint);
    return 2;
}

/* rollsim help [COMMAND] */
static int cmd_help(int argc, char **argv)
{
    if (argc == 1) {
        rs_help_usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
        return command_help(CMD_HELP);
    if (argc > 2) {
        fprintf(stderr, "rollsim: help takes one command, got %d (see rollsim --help)\n", argc - 1);
        return 2;
    }
    const rs_cli_command *c = rs_help_find(argv[1]);
    if (!c)
        return unknown_command(argv[1]);
    rs_help_command(stdout, c);
    return 0;
}

int rs_cli_main(int argc, char **argv)
{
    gsl_set_error_handler_off(); /* GSL's default handler aborts; we check return values instead */
    if (argc < 2) {
        rs_help_usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        rs_help_usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("rollsim %s\n", ROLLSIM_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "--man")) {
        rs_help_man(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--bash-completion")) {
        rs_help_bash(stdout);
        return 0;
    }
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1, CMD_RUN);
    if (!strcmp(cmd, "compare"))
        return cmd_run(argc - 1, argv + 1, CMD_COMPARE);
    if (!strcmp(cmd, "sweep"))
        return cmd_run(argc - 1, argv + 1, CMD_SWEEP);
    if (!strcmp(cmd, "optimize"))
        return cmd_run(argc - 1, argv + 1, CMD_OPTIMIZE);
    if (!strcmp(cmd, "import"))
        return rs_import_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "replay"))
        return rs_replay_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "plot"))
        return cmd_plot(argc - 1, argv + 1);
    if (!strcmp(cmd, "check"))
        return cmd_check(argc - 1, argv + 1);
    if (!strcmp(cmd, "plugins"))
        return cmd_plugins(argc - 1, argv + 1);
    if (!strcmp(cmd, "help"))
        return cmd_help(argc - 1, argv + 1);
    return unknown_command(cmd);
}

rs_status rs_cli_policy_spec(const char *spec, const rs_scenario *sc, char **plugin, rs_value *params, rs_error *err)
{
    return parse_policy_spec(spec, sc, plugin, params, err);
}
