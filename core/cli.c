/* The command line (SPEC §4). Options are a declared table, so --help and parsing come from one place. */
#include "cli.h"

#include <getopt.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "scenario.h"
#include "status.h"
#include "suggest.h"

typedef struct cli_option {
    const char *name;
    int has_arg;
    int short_name;
    const char *arg_name;
    const char *help;
} cli_option;

enum { OPT_OUT = 'o', OPT_SEED = 's', OPT_SET = 'S', OPT_REPS = 'r', OPT_QUIET = 'q', OPT_HELP = 'h',
       OPT_VERSION = 'V' };

static const cli_option run_options[] = {
    {"out", 1, OPT_OUT, "DIR", "output folder (default: rollsim-out)"},
    {"reps", 1, OPT_REPS, "N", "replications (default: the scenario's `replications`, else 1)"},
    {"seed", 1, OPT_SEED, "S", "master seed (default: the scenario's `seed`, else 1)"},
    {"set", 1, OPT_SET, "KEY=VALUE", "override a scenario key, e.g. policy.bake=6h (repeatable)"},
    {"quiet", 0, OPT_QUIET, NULL, "print nothing but errors"},
    {"help", 0, OPT_HELP, NULL, "show this help"},
    {"version", 0, OPT_VERSION, NULL, "show the version"},
};
#define N_RUN_OPTIONS (sizeof run_options / sizeof *run_options)

static void usage(FILE *f)
{
    fprintf(f, "usage: rollsim run [SCENARIO] [options]   simulate a rollout (no SCENARIO: the built-in quick start)\n"
               "       rollsim --help | --version\n\noptions of run:\n");
    for (size_t i = 0; i < N_RUN_OPTIONS; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", run_options[i].name, run_options[i].arg_name ? " " : "",
                 run_options[i].arg_name ? run_options[i].arg_name : "");
        fprintf(f, "  %-22s %s\n", left, run_options[i].help);
    }
    fprintf(f, "\nexit codes: 0 success, 1 runtime failure, 2 bad usage or input, 130 interrupted\n"
               "plugins are found by name in $ROLLSIM_PLUGIN_PATH, then the build's and the installed plugin "
               "folders\n");
}

static int parse_u64(const char *text, double max, unsigned long long *out)
{
    char *end;
    double x = strtod(text, &end);
    if (end == text || *end || !(x >= 0) || x > max || x != floor(x))
        return -1;
    *out = (unsigned long long)x;
    return 0;
}

static void print_summary(const rs_scenario *sc, const rs_run_options *opt, const rs_run_report *r)
{
    printf("rollsim %s: %s (%zu replication%s, seed %llu, %llu users, horizon %g h)\n", ROLLSIM_VERSION, sc->name,
           r->reps, r->reps == 1 ? "" : "s", (unsigned long long)sc->seed, (unsigned long long)sc->total_users,
           sc->horizon);
    if (r->reps == 1) {
        const rs_rep_result *x = &r->first;
        if (x->outcome == RS_OUTCOME_ROLLED_BACK)
            printf("  outcome:  rolled back at t = %g h (stage %d, P = %.4g)%s\n", x->rollback_time,
                   x->stage_reached, x->p_at_rollback, x->bad ? ", the candidate was bad" : ", a false rollback");
        else if (x->outcome == RS_OUTCOME_PROMOTED)
            printf("  outcome:  promoted, full at t = %g h (stage %d)%s\n", x->time_to_full, x->stage_reached,
                   x->bad ? ": the bad candidate ESCAPED" : "");
        else
            printf("  outcome:  incomplete at the horizon (stage %d)\n", x->stage_reached);
        printf("  harm:     %llu candidate errors (%+.1f over the baseline's rate) to %llu users; %llu users "
               "exposed\n",
               (unsigned long long)x->harm, x->excess_harm, (unsigned long long)x->harmed_users,
               (unsigned long long)x->exposed);
    } else {
        printf("  outcomes: %zu promoted, %zu rolled back, %zu incomplete; %zu escapes of %zu bad, %zu false "
               "rollbacks\n",
               r->promoted, r->rolled_back, r->incomplete, r->escapes, r->bad, r->false_rollbacks);
        printf("  harm:     mean %.1f candidate errors (p95 %.0f); exposed users mean %.1f\n", r->harm.mean,
               r->harm.p95, r->exposed.mean);
    }
    printf("  simulated %llu requests in %.3f s", (unsigned long long)r->requests, r->seconds);
    if (r->seconds > 0)
        printf(" (%.3g requests/s)", (double)r->requests / r->seconds);
    printf("\n  files in %s/: summary.json runs.csv curves.csv events.csv\n", opt->out_dir);
}

static int cmd_run(int argc, char **argv)
{
    struct option longs[N_RUN_OPTIONS + 1];
    char shorts[2 * N_RUN_OPTIONS + 2] = ":";
    for (size_t i = 0; i < N_RUN_OPTIONS; i++) {
        longs[i] = (struct option){run_options[i].name, run_options[i].has_arg, NULL, run_options[i].short_name};
        size_t len = strlen(shorts);
        shorts[len] = (char)run_options[i].short_name;
        shorts[len + 1] = run_options[i].has_arg ? ':' : '\0';
        shorts[len + 2] = '\0';
    }
    longs[N_RUN_OPTIONS] = (struct option){0, 0, 0, 0};
    const char **sets = calloc((size_t)argc + 2, sizeof *sets);
    char seed_set[64], reps_set[64];
    size_t n_sets = 0;
    int quiet = 0;
    rs_run_options opt = {"rollsim-out", 10};
    if (!sets) {
        fprintf(stderr, "rollsim: out of memory\n");
        return 1;
    }
    unsigned long long u;
    int c, rc = -1;
    opterr = 0;
    while (rc < 0 && (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        switch (c) {
        case OPT_OUT:
            if (optarg[0] == '-' && optarg[1] == '-') { /* "--out --quiet": the value is missing */
                fprintf(stderr, "rollsim: --out needs a folder name, got the option %s\n", optarg);
                rc = 2;
                break;
            }
            opt.out_dir = optarg;
            break;
        case OPT_SET: sets[n_sets++] = optarg; break;
        case OPT_QUIET: quiet = 1; break;
        case OPT_SEED:
            if (parse_u64(optarg, 9007199254740991.0, &u)) {
                fprintf(stderr, "rollsim: --seed %s: expected an integer in [0, 2^53)\n", optarg);
                rc = 2;
                break;
            }
            snprintf(seed_set, sizeof seed_set, "seed=%llu", u);
            sets[n_sets++] = seed_set;
            break;
        case OPT_REPS:
            if (parse_u64(optarg, 16777216, &u) || u == 0) {
                fprintf(stderr, "rollsim: --reps %s: expected an integer in [1, 2^24 = 16777216]\n", optarg);
                rc = 2;
                break;
            }
            snprintf(reps_set, sizeof reps_set, "replications=%llu", u);
            sets[n_sets++] = reps_set;
            break;
        case OPT_HELP: usage(stdout); rc = 0; break;
        case OPT_VERSION: printf("rollsim %s\n", ROLLSIM_VERSION); rc = 0; break;
        case ':': fprintf(stderr, "rollsim: option %s needs a value (see rollsim --help)\n", argv[optind - 1]); rc = 2; break;
        default: fprintf(stderr, "rollsim: unknown option %s (see rollsim --help)\n", argv[optind - 1]); rc = 2; break;
        }
    }
    if (rc < 0 && argc - optind > 1) {
        fprintf(stderr, "rollsim: run takes one scenario, got %d (%s, %s, ...)\n", argc - optind, argv[optind],
                argv[optind + 1]);
        rc = 2;
    }
    if (rc >= 0) {
        free(sets);
        return rc;
    }
    const char *path = optind < argc ? argv[optind] : NULL;
    rs_scenario sc;
    rs_error err = {0};
    rs_status st = rs_scenario_load(path, sets, n_sets, &sc, &err);
    free(sets);
    if (st) {
        fprintf(stderr, "rollsim: %s\n", err.msg);
        return (int)st;
    }
    rs_run_report report;
    st = rs_run(&sc, &opt, &report, &err);
    if (st)
        fprintf(stderr, "rollsim: %s\n", err.msg);
    else if (!quiet)
        print_summary(&sc, &opt, &report);
    rs_scenario_free(&sc);
    return (int)st;
}

int rs_cli_main(int argc, char **argv)
{
    gsl_set_error_handler_off(); /* GSL's default handler aborts; we check return values instead */
    static const char *const commands[] = {"run", "compare", "sweep", "optimize", "check", "plugins", "plot"};
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("rollsim %s\n", ROLLSIM_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1);
    for (size_t i = 1; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(cmd, commands[i])) {
            fprintf(stderr, "rollsim: '%s' is not implemented in this version yet (see rollsim --help)\n", cmd);
            return 2;
        }
    char hint[96];
    rs_suggest_hint(cmd, commands, sizeof commands / sizeof *commands, hint, sizeof hint);
    fprintf(stderr, "rollsim: unknown command '%s'%s (see rollsim --help)\n", cmd, hint);
    return 2;
}
