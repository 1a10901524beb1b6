/* The rollsim command line. */
#ifndef RS_CLI_H
#define RS_CLI_H

/* Runs the command line; returns the process exit code (0, 1, 2 or 130). */
int rs_cli_main(int argc, char **argv);

#include "scenario.h"
#include "value.h"

/* Parses a --policy SPEC (PLUGIN[:KEY=VALUE;...]) against scenario sc: *plugin (caller frees with free) and
 * *params (caller clears with rs_value_clear, also on failure). For the fuzz target of tests/fuzz. */
rs_status rs_cli_policy_spec(const char *spec, const rs_scenario *sc, char **plugin, rs_value *params, rs_error *err);

#endif
