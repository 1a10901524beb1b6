/* Loading policy plugins (SPEC §6): dlopen by name or path, check the ABI, validate parameters against the
 * plugin's declared table. */
#ifndef RS_PLUGIN_H
#define RS_PLUGIN_H

#include "rollsim/policy.h"
#include "status.h"
#include "value.h"

typedef struct rs_plugin {
    void *handle;               /* from dlopen; NULL for a policy linked into the program */
    const rs_policy_type *type; /* owned by the plugin */
    char *path;                 /* where it was found */
} rs_plugin;

/* Finds and loads a plugin. spec is a path (contains '/') or a name looked up as NAME.so in each folder of
 * $ROLLSIM_PLUGIN_PATH (':'-separated), then the build's plugin folder, then the installed one. A missing
 * plugin, a failed dlopen, a missing entry symbol or an ABI mismatch is RS_ERR_INPUT with a message naming
 * the plugin and, for the ABI, both versions. On success the caller releases it with rs_plugin_unload. */
rs_status rs_plugin_load(const char *spec, rs_plugin *out, rs_error *err);
void rs_plugin_unload(rs_plugin *p);

/* Checks a loaded type's ABI fields (exported for tests). */
rs_status rs_plugin_check_type(const rs_policy_type *t, const char *path, rs_error *err);

/* Validates raw (a TABLE of the scenario's policy parameters) against the plugin's declared parameters and
 * writes into *out a copy with durations converted to hours and every declared default filled in. Unknown
 * keys get a "did you mean". key_prefix is used in messages ("scenarios/x.lua: policy"). Caller frees *out
 * with rs_value_clear. */
rs_status rs_plugin_resolve_params(const rs_policy_type *t, const rs_value *raw, const char *key_prefix,
                                   rs_value *out, rs_error *err);

/* The same for any table against any declared specs (a gate's metric entries): unknown keys are reported as
 * "KEY_PREFIX.key: UNKNOWN (did you mean ...)". Caller frees *out with rs_value_clear. */
rs_status rs_params_resolve(const rs_param_spec *specs, size_t n, const rs_value *raw, const char *key_prefix,
                            const char *unknown, rs_value *out, rs_error *err);

/* Lists the plugin names found on the search path into a newly allocated, NULL-terminated array of strings.
 * Caller frees each string and the array. */
char **rs_plugin_list(void);

/* The folders searched, in order, separated by ':' (for messages). Writes into buf. */
const char *rs_plugin_search_path(char *buf, size_t len);

#endif
