/* libFuzzer target: the --policy SPEC parser (PLUGIN[:KEY=VALUE;...]) against a fixed valid scenario. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char scenario[] =
    "return { name = 'fuzz', horizon = 10, sample_every = 1,\n"
    "  population = { { name = 'all', users = 100, rate = 1 } },\n"
    "  versions = { { name = 'old', baseline = true, error_rate = 0.01 }, { name = 'new', error_rate = 0.01 } },\n"
    "  policy = { name = 'fixed_stages', steps = { 0.5, 1 }, bake = 1, gate_opts = { alpha = 0.05 } } }\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rs_scenario sc;
    static int loaded;
    rs_error err = {0};
    if (!loaded) {
        if (rs_scenario_load_string(scenario, sizeof scenario - 1, "fuzz.lua", NULL, 0, &sc, &err) != RS_OK)
            abort(); /* the fixed scenario is valid: a failure here is a bug */
        loaded = 1;
    }
    char *spec = malloc(size + 1);
    if (!spec)
        return 0;
    memcpy(spec, data, size);
    spec[size] = '\0';
    char *plugin = NULL;
    rs_value params;
    rs_cli_policy_spec(spec, &sc, &plugin, &params, &err);
    free(plugin);
    rs_value_clear(&params);
    free(spec);
    return 0;
}
