/* The declared command-line tables and what is generated from them (see help.h). */
#include "help.h"

#include <string.h>

#include "runner.h" /* ROLLSIM_VERSION */

const rs_cli_option rs_cli_options[] = {
    {"out", 1, OPT_OUT, "DIR", "output folder (default: rollsim-out); import: the scenario file to write (default: "
     "print it)", CMD_SIM | CMD_IMPORT},
    {"reps", 1, OPT_REPS, "N", "replications (default: the scenario's `replications`, else 1)", CMD_SIM},
    {"seed", 1, OPT_SEED, "S", "master seed (default: the scenario's `seed`, else 1)", CMD_SIM},
    {"jobs", 1, OPT_JOBS, "J", "run replications on J threads (same results whatever J; default 1)", CMD_SIM},
    {"set", 1, OPT_SET, "KEY=VALUE", "override a scenario key, e.g. policy.bake=6h (repeatable)",
     CMD_SIM | CMD_CHECK},
    {"policy", 1, OPT_POLICY, "SPEC",
     "a policy, PLUGIN[:KEY=VALUE;KEY=VALUE...], e.g. fixed_stages:steps=0.01,0.1,1;bake=6h "
     "(repeatable; default: the scenario's `policies`)", CMD_COMPARE},
    {"grid", 1, OPT_GRID, "KEY=V1,V2,...",
     "the values of a scenario key (repeatable: the full factorial); KEY=A;B;C when a value is a list",
     CMD_SWEEP},
    {"param", 1, OPT_PARAM, "KEY=LO:HI[:log|:int]",
     "a scenario key to tune over [LO, HI] (repeatable), e.g. policy.bake=2h:48h:log", CMD_OPTIMIZE},
    {"objective", 1, OPT_OBJECTIVE, "EXPR",
     "what to minimise, over the summary's estimates, e.g. 'excess_harm.mean + 5 * time_to_full.mean'",
     CMD_OPTIMIZE},
    {"constraint", 1, OPT_CONSTRAINT, "EXPR", "a condition to respect, e.g. 'p_escape.hi <= 0.05' (repeatable)",
     CMD_OPTIMIZE},
    {"budget", 1, OPT_BUDGET, "N", "evaluations, each a batch of replications (default 30)", CMD_OPTIMIZE},
    {"final-reps", 1, OPT_FINAL_REPS, "N",
     "replications of the re-evaluation of the best point on fresh streams (default: as --reps)", CMD_OPTIMIZE},
    {"plot", 0, OPT_PLOT, NULL,
     "then draw the plots into DIR/plots/ (PNG with gnuplot, its scripts and their data)", CMD_SIM},
    {"force", 0, OPT_FORCE, NULL,
     "write into DIR even when it holds files that are not a rollsim output (they are left as they are)", CMD_SIM},
    {"map", 1, OPT_MAP, "NAME=METRIC",
     "the manifest's metric NAME is rollsim's METRIC (error_rate, success_rate, latency_mean, latency_p50, "
     "latency_p90, latency_p95, latency_p99; repeatable)", CMD_IMPORT | CMD_REPLAY},
    {"manual-pause", 1, OPT_MANUAL_PAUSE, "D",
     "how long a human takes to promote an Argo pause without a duration (default 1h)", CMD_IMPORT},
    {"metrics", 1, OPT_METRICS, "FILE.csv",
     "the recorded series: time,metric,value (Spinnaker: time,metric,value,baseline); time in hours or a "
     "duration (90s, 10m) from the release; an empty value is no data", CMD_REPLAY},
    {"quiet", 0, OPT_QUIET, NULL, "print nothing but errors (no progress bar; import: no warnings)",
     CMD_SIM | CMD_PLOT | CMD_CHECK | CMD_IMPORT},
    {"help", 0, OPT_HELP, NULL, "show this help", CMD_ALL},
    {"version", 0, OPT_VERSION, NULL, "show the version", CMD_SIM},
};
const size_t rs_cli_n_options = sizeof rs_cli_options / sizeof *rs_cli_options;

const rs_cli_command rs_cli_commands[] = {
    {"run", CMD_RUN, "[SCENARIO] [options]", "simulate a rollout (no SCENARIO: the built-in quick start)",
     "Simulates the scenario's policy over its replications and writes summary.json, runs.csv, curves.csv, "
     "bands.csv, events.csv and segments.csv into the output folder (docs/data.md says what each holds).",
     "scenario"},
    {"compare", CMD_COMPARE, "SCENARIO [--policy SPEC]... [options]", "policies on the same replications",
     "Runs several policies on the same replications (same traffic, same version draws) and reports each one's "
     "estimates and their paired differences. Without --policy the scenario's `policies` table is compared.",
     "scenario"},
    {"sweep", CMD_SWEEP, "SCENARIO --grid KEY=V1,V2,... [--grid ...] [options]", "the full factorial of keys",
     "Runs the scenario at every point of the grid of the given keys' values, every point on the same "
     "replications, and writes sweep.csv and summary.json.", "scenario"},
    {"optimize", CMD_OPTIMIZE, "SCENARIO --param KEY=LO:HI ... --objective EXPR [--constraint EXPR]... [options]",
     "Bayesian optimisation of scenario keys",
     "Searches the given keys' ranges for the point minimising the objective under the constraints, with "
     "Gaussian processes over batches of replications, and writes optimize.csv, best.json and best.lua.",
     "scenario"},
    {"plot", CMD_PLOT, "DIR [--quiet]", "(re)draw the plots of an output folder into DIR/plots/",
     "Draws the plots of an output folder written by run, compare, sweep or optimize (gnuplot on PATH), and "
     "removes the plots of kinds that do not apply to it.", "dir"},
    {"check", CMD_CHECK, "[SCENARIO] [--set KEY=VALUE]...", "validate and print the resolved scenario",
     "Loads the scenario, validates every key and each policy's parameters, and prints it resolved as Lua "
     "(defaults filled, durations in hours).", "scenario"},
    {"plugins", CMD_PLUGINS, "", "list the policies found, with their parameters and defaults",
     "Lists the policy plugins found on the search path with their parameters (type, range, default, help), "
     "and the gates' parameters.", NULL},
    {"import", CMD_IMPORT, "MANIFEST... [--out SCENARIO.lua] [--map NAME=METRIC]... [options]",
     "an Argo, Flagger or Spinnaker manifest as a Lua scenario",
     "Reads an Argo Rollouts Rollout with its AnalysisTemplates, a Flagger Canary (YAML), or a Spinnaker canary "
     "config with its canary stage (JSON) and writes a commented Lua scenario whose policy reproduces the "
     "manifest with rollsim's gates; the traffic is a section to fill in. rollsim run and check also take a "
     "manifest directly. docs/tutorial.md, section 19.", "manifest"},
    {"replay", CMD_REPLAY, "MANIFEST... --metrics FILE.csv [--map NAME=METRIC]...",
     "recorded metrics through the manifest's gate",
     "Feeds a recorded metric series through the gate of the imported manifest and prints the verdict of every "
     "check with the gate's own detail (t,kind,value,detail): deterministic, no simulation.", "manifest"},
    {"help", CMD_HELP, "[COMMAND]", "this help, or a command's", "Prints the help of COMMAND, or this overview.",
     "command"},
};
const size_t rs_cli_n_commands = sizeof rs_cli_commands / sizeof *rs_cli_commands;

static const char exit_codes[] =
    "0 success, 1 runtime failure, 2 bad usage or input, 130 interrupted (the finished replications are written "
    "and summary.json says \"partial\": true)";
static const char plugin_search[] =
    "Plugins are found by name in $ROLLSIM_PLUGIN_PATH (folders separated by ':'), then in lib/rollsim/plugins "
    "beside the program's bin/ folder (the build tree's plugins/ when it runs from there).";

void rs_cli_getopt_tables(unsigned command, struct option *longs, char *shorts)
{
    size_t n_long = 0;
    strcpy(shorts, ":");
    for (size_t i = 0; i < rs_cli_n_options && n_long < RS_CLI_MAX_OPTIONS; i++) {
        const rs_cli_option *o = &rs_cli_options[i];
        if (!(o->commands & command))
            continue;
        longs[n_long++] = (struct option){o->name, o->has_arg, NULL, o->short_name};
        size_t len = strlen(shorts);
        shorts[len] = (char)o->short_name;
        shorts[len + 1] = o->has_arg ? ':' : '\0';
        shorts[len + 2] = '\0';
    }
    longs[n_long] = (struct option){0, 0, 0, 0};
}

const rs_cli_command *rs_help_find(const char *name)
{
    for (size_t i = 0; i < rs_cli_n_commands; i++)
        if (!strcmp(rs_cli_commands[i].name, name))
            return &rs_cli_commands[i];
    return NULL;
}

/* "-o, --out DIR" */
static void option_left(const rs_cli_option *o, char *buf, size_t len)
{
    snprintf(buf, len, "-%c, --%s%s%s", o->short_name, o->name, o->arg_name ? " " : "", o->arg_name ? o->arg_name : "");
}

/* Prints text wrapped at width, each line after the first indented by indent. */
static void wrap(FILE *f, const char *text, size_t indent, size_t first_col, size_t width)
{
    size_t col = first_col;
    while (*text) {
        size_t word = strcspn(text, " ");
        if (col > indent && col + 1 + word > width) {
            fprintf(f, "\n%*s", (int)indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fwrite(text, 1, word, f);
        col += word;
        text += word;
        while (*text == ' ')
            text++;
    }
    fputc('\n', f);
}

static void list_options(FILE *f, unsigned bit)
{
    for (size_t i = 0; i < rs_cli_n_options; i++) {
        const rs_cli_option *o = &rs_cli_options[i];
        if (!(o->commands & bit))
            continue;
        char left[64], text[512];
        option_left(o, left, sizeof left);
        fprintf(f, "  %-28s", left);
        const rs_cli_command *only = NULL; /* in the overview, an option of one command says which */
        for (size_t c = 0; c < rs_cli_n_commands; c++)
            if (o->commands == rs_cli_commands[c].bit)
                only = &rs_cli_commands[c];
        snprintf(text, sizeof text, "%s%s%s", bit == CMD_ALL && only ? only->name : "",
                 bit == CMD_ALL && only ? ": " : "", o->help);
        wrap(f, text, 30, 30, 110);
    }
}

void rs_help_usage(FILE *f)
{
    fprintf(f, "usage: rollsim COMMAND [ARGS] [options]    (rollsim help COMMAND, or rollsim COMMAND --help)\n\n"
               "commands:\n");
    for (size_t i = 0; i < rs_cli_n_commands; i++) {
        const rs_cli_command *c = &rs_cli_commands[i];
        fprintf(f, "  rollsim %s %s\n", c->name, c->synopsis);
        fprintf(f, "      %s\n", c->summary);
    }
    fprintf(f, "  rollsim --help | --version | --man | --bash-completion\n\noptions (the commands that take each: "
               "rollsim help COMMAND):\n");
    list_options(f, CMD_ALL);
    fprintf(f, "\nexit codes:");
    wrap(f, exit_codes, 0, 11, 110);
    wrap(f, plugin_search, 0, 0, 110);
}

void rs_help_command(FILE *f, const rs_cli_command *c)
{
    fprintf(f, "usage: rollsim %s %s\n\n", c->name, c->synopsis);
    wrap(f, c->description, 0, 0, 110);
    fprintf(f, "\noptions:\n");
    list_options(f, c->bit);
    fprintf(f, "\nexit codes:");
    wrap(f, exit_codes, 0, 11, 110);
    if (c->bit & (CMD_SIM | CMD_CHECK | CMD_PLUGINS))
        wrap(f, plugin_search, 0, 0, 110);
}

/* Text for roff: a leading '.' or '\'' escaped, backslashes and '-' escaped. */
static void roff(FILE *f, const char *text)
{
    if (*text == '.' || *text == '\'')
        fputs("\\&", f);
    for (; *text; text++) {
        if (*text == '\\')
            fputs("\\e", f);
        else if (*text == '-')
            fputs("\\-", f);
        else
            fputc(*text, f);
    }
}

static void man_options(FILE *f, unsigned bit)
{
    for (size_t i = 0; i < rs_cli_n_options; i++) {
        const rs_cli_option *o = &rs_cli_options[i];
        if (!(o->commands & bit))
            continue;
        fprintf(f, ".TP\n\\fB\\-%c\\fR, \\fB\\-\\-", o->short_name);
        roff(f, o->name);
        fputs("\\fR", f);
        if (o->arg_name) {
            fputs(" \\fI", f);
            roff(f, o->arg_name);
            fputs("\\fR", f);
        }
        fputs("\n", f);
        roff(f, o->help);
        fputs("\n", f);
    }
}

void rs_help_man(FILE *f)
{
    fprintf(f, ".\\\" Generated by rollsim --man from its option tables (core/help.c); do not edit.\n"
               ".TH ROLLSIM 1 \"\" \"rollsim %s\" \"User Commands\"\n.SH NAME\nrollsim \\- simulate gradual "
               "releases (canary and staged rollouts) of model versions\n.SH SYNOPSIS\n", ROLLSIM_VERSION);
    for (size_t i = 0; i < rs_cli_n_commands; i++) {
        fprintf(f, ".B rollsim %s\n", rs_cli_commands[i].name);
        if (*rs_cli_commands[i].synopsis) {
            roff(f, rs_cli_commands[i].synopsis);
            fputs("\n", f);
        }
        fputs(".br\n", f);
    }
    fputs(".SH DESCRIPTION\nrollsim simulates the gradual release of a model version \\(em staged, canary and gray "
          "releases, rollbacks \\(em described by a scenario in Lua, over many replications, and estimates how "
          "likely a bad version is to reach all users, how many users are hurt on the way, and how often a good "
          "one is rolled back for nothing. The tutorial, the scenario language and the output files are described "
          "in the documentation installed with rollsim (share/doc/rollsim).\n.SH COMMANDS\n", f);
    for (size_t i = 0; i < rs_cli_n_commands; i++) {
        const rs_cli_command *c = &rs_cli_commands[i];
        fprintf(f, ".SS \"rollsim %s\"\n", c->name);
        roff(f, c->description);
        fputs("\n.PP\nOptions:\n.RS\n", f);
        man_options(f, c->bit);
        fputs(".RE\n", f);
    }
    fputs(".SH OPTIONS\n", f);
    man_options(f, CMD_ALL);
    fputs(".TP\n\\fB\\-\\-man\\fR\nprint this manual page (roff)\n"
          ".TP\n\\fB\\-\\-bash\\-completion\\fR\nprint the bash completion script\n.SH \"EXIT STATUS\"\n", f);
    roff(f, exit_codes);
    fputs("\n.SH ENVIRONMENT\n.TP\n.B ROLLSIM_PLUGIN_PATH\n", f);
    roff(f, plugin_search);
    fputs("\n.SH \"SEE ALSO\"\n.BR gnuplot (1)\n", f);
}

void rs_help_bash(FILE *f)
{
    fputs("# bash completion for rollsim, generated by rollsim --bash-completion from its option tables.\n"
          "_rollsim() {\n"
          "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd=${COMP_WORDS[1]}\n"
          "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
          "    COMPREPLY=($(compgen -W '", f);
    for (size_t i = 0; i < rs_cli_n_commands; i++)
        fprintf(f, "%s ", rs_cli_commands[i].name);
    fputs("--help --version --man --bash-completion' -- \"$cur\")); return\n  fi\n  case $prev in\n", f);
    /* options with a value: a folder for --out, else nothing to offer */
    for (size_t i = 0; i < rs_cli_n_options; i++) {
        const rs_cli_option *o = &rs_cli_options[i];
        if (o->has_arg)
            fprintf(f, "    --%s|-%c) %s; return ;;\n", o->name, o->short_name,
                    o->short_name == OPT_OUT ? "COMPREPLY=($(compgen -d -- \"$cur\"))" : "COMPREPLY=()");
    }
    fputs("  esac\n  local opts operand\n  case $cmd in\n", f);
    for (size_t i = 0; i < rs_cli_n_commands; i++) {
        const rs_cli_command *c = &rs_cli_commands[i];
        fprintf(f, "    %s) operand=%s; opts='", c->name, c->operand ? c->operand : "none");
        for (size_t j = 0; j < rs_cli_n_options; j++)
            if (rs_cli_options[j].commands & c->bit)
                fprintf(f, "--%s -%c ", rs_cli_options[j].name, rs_cli_options[j].short_name);
        fputs("' ;;\n", f);
    }
    fputs("    *) return ;;\n  esac\n"
          "  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\")); return; fi\n"
          "  case $operand in\n"
          "    scenario) COMPREPLY=($(compgen -f -X '!*.lua' -- \"$cur\") $(compgen -d -- \"$cur\")) ;;\n"
          "    manifest) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
          "    dir) COMPREPLY=($(compgen -d -- \"$cur\")) ;;\n    command) COMPREPLY=($(compgen -W '", f);
    for (size_t i = 0; i < rs_cli_n_commands; i++)
        fprintf(f, "%s ", rs_cli_commands[i].name);
    fputs("' -- \"$cur\")) ;;\n  esac\n}\ncomplete -F _rollsim rollsim\n", f);
}
