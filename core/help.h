/* The command line's declared tables — commands and options — and everything generated from them: the global
 * and per-command --help, the man page (rollsim --man) and bash completion (rollsim --bash-completion). One
 * source of truth: to add a command, add a CMD_ bit, a row to rs_cli_commands (help.c) and the bit to the
 * `commands` of each option it takes; its help, man page section and completion follow. */
#ifndef RS_HELP_H
#define RS_HELP_H

#include <getopt.h>
#include <stdio.h>

/* Option ids: each option's short letter (getopt_long returns it for the long name too). */
enum { OPT_OUT = 'o', OPT_SEED = 's', OPT_SET = 'S', OPT_REPS = 'r', OPT_JOBS = 'j', OPT_POLICY = 'p',
       OPT_PLOT = 'P', OPT_QUIET = 'q', OPT_HELP = 'h', OPT_VERSION = 'V', OPT_GRID = 'g', OPT_PARAM = 'x',
       OPT_OBJECTIVE = 'O', OPT_CONSTRAINT = 'C', OPT_BUDGET = 'b', OPT_FINAL_REPS = 'F', OPT_FORCE = 'f', OPT_MAP = 'm', OPT_METRICS = 'M',
       OPT_MANUAL_PAUSE = 'W' };

/* Command bits: the commands an option belongs to. A new command takes the next free bit (256, 512, ...);
 * CMD_ALL covers it already. */
enum { CMD_RUN = 1, CMD_COMPARE = 2, CMD_PLOT = 4, CMD_CHECK = 8, CMD_SWEEP = 16, CMD_OPTIMIZE = 32,
       CMD_PLUGINS = 64, CMD_HELP = 128, CMD_IMPORT = 256, CMD_REPLAY = 512, CMD_PLAN = CMD_SWEEP | CMD_OPTIMIZE,
       CMD_SIM = CMD_RUN | CMD_COMPARE | CMD_PLAN, CMD_ALL = 0xffff };

typedef struct rs_cli_option {
    const char *name;
    int has_arg;
    int short_name;
    const char *arg_name; /* NULL for a flag */
    const char *help;     /* one line */
    unsigned commands;    /* CMD_ bits of the commands that take it */
} rs_cli_option;

typedef struct rs_cli_command {
    const char *name;
    unsigned bit;
    const char *synopsis;    /* what follows "rollsim NAME" */
    const char *summary;     /* one line */
    const char *description; /* a paragraph (help and man page) */
    const char *operand;     /* how bash completes its operand: "scenario", "manifest", "dir", "command" or NULL */
} rs_cli_command;

extern const rs_cli_option rs_cli_options[];
extern const size_t rs_cli_n_options;
extern const rs_cli_command rs_cli_commands[];
extern const size_t rs_cli_n_commands;

/* At most this many options in a command's getopt tables. */
#define RS_CLI_MAX_OPTIONS 64

/* getopt_long's tables for the options that command (a CMD_ bit) takes: longs[RS_CLI_MAX_OPTIONS + 1],
 * shorts[3 * RS_CLI_MAX_OPTIONS + 2] (starting with ':' so that a missing value is reported as ':'). */
void rs_cli_getopt_tables(unsigned command, struct option *longs, char *shorts);

/* The command called name, or NULL. */
const rs_cli_command *rs_help_find(const char *name);

/* rollsim --help: every command and every option. */
void rs_help_usage(FILE *f);
/* rollsim COMMAND --help: its synopsis, description and options. */
void rs_help_command(FILE *f, const rs_cli_command *c);
/* The man page rollsim(1), in roff. */
void rs_help_man(FILE *f);
/* A bash completion script (complete -F _rollsim rollsim). */
void rs_help_bash(FILE *f);

#endif
