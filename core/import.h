/* rollsim import (issue 15): an Argo Rollouts Rollout with its AnalysisTemplates, or a Flagger Canary, read
 * from its YAML manifests and written as a commented Lua scenario whose policy reproduces it with the gates
 * of core/prodgates.c (through fixed_stages). What rollsim does not simulate is named in one warning each;
 * what it cannot express is refused with the file and line. */
#ifndef RS_IMPORT_H
#define RS_IMPORT_H

#include <stddef.h>
#include <stdio.h>

#include "status.h"

typedef struct rs_import_options {
    const char *const *maps; /* "NAME=METRIC": the manifest's metric NAME is rollsim's METRIC */
    size_t n_maps;
    double manual_pause; /* hours a human takes to promote an Argo pause without duration (default 1) */
} rs_import_options;

/* Imports the manifests in paths[0..n-1] (one rollout, with its templates in the same or other files) into
 * the text of a Lua scenario, *lua (caller frees with free). Warnings go to warn (one line each, may be NULL).
 * RS_ERR_INPUT names the file and line of what cannot be imported. */
rs_status rs_import(const char *const *paths, size_t n, const rs_import_options *opt, FILE *warn, char **lua,
                    rs_error *err);

/* `rollsim run MANIFEST`: imports path with the default options (warnings to warn) and loads the scenario
 * in memory as rs_scenario_load does (the caller frees *out with rs_scenario_free). */
struct rs_scenario;
rs_status rs_import_load(const char *path, const char *const *sets, size_t n_sets, FILE *warn,
                         struct rs_scenario *out, rs_error *err);

/* The rollsim metric a manifest's metric `name` stands for: --map NAME=METRIC in opt (may be NULL), else the
 * name in lower case with '-' as '_' (success-rate: success_rate); NULL when that is no rollsim metric.
 * *asked (may be NULL) gets the name looked for (thread-local storage, valid until the next call). */
const char *rs_import_metric_name(const rs_import_options *opt, const char *name, const char **asked);

/* True when path names a manifest (.yaml, .yml, .json) rather than a Lua scenario. */
int rs_import_is_manifest(const char *path);

/* `rollsim import FILE... [--out scenario.lua] [--map NAME=METRIC]... [--manual-pause D]`: argv[0] is
 * "import". Returns the exit code. */
int rs_import_main(int argc, char **argv);

#endif
