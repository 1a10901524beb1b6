/* What `rollsim check` and `rollsim plugins` print. */
#ifndef RS_INSPECT_H
#define RS_INSPECT_H

#include <stdio.h>

#include "scenario.h"
#include "status.h"

/* Prints the resolved scenario as a Lua table (defaults filled in, durations in hours), after loading each
 * policy and checking its parameters against the plugin's declared table and its create(). */
rs_status rs_inspect_check(FILE *f, const rs_scenario *sc, rs_error *err);

/* Lists the policies found on the search path, with their parameters (type, range, default, help). */
rs_status rs_inspect_plugins(FILE *f, rs_error *err);

#endif
