/* libFuzzer target: the --set KEY=VALUE parser, applied to a fixed valid scenario. The input holds up to four
 * overrides, one a line (cut at a NUL, as a command line would be). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char scenario[] =
    "return { name = 'fuzz', horizon = 10, sample_every = 1,\n"
    "  population = { { name = 'all', users = 100, rate = 1 }, { name = 'eu', users = 50, rate = 2 } },\n"
    "  versions = { { name = 'old', baseline = true, error_rate = 0.01 }, { name = 'new', error_rate = 0.01 } },\n"
    "  policy = { name = 'fixed_stages', steps = { 0.5, 1 }, bake = 1 },\n"
    "  events = { { at = 1, set = { version = 'new', key = 'error_rate', value = 0.02 } } } }\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    const char *sets[4];
    size_t n = 0;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line && n < 4; line = strtok_r(NULL, "\n", &save))
        sets[n++] = line;
    rs_scenario sc;
    rs_error err = {0};
    if (rs_scenario_load_string(scenario, sizeof scenario - 1, "fuzz.lua", sets, n, &sc, &err) == RS_OK)
        rs_scenario_free(&sc);
    free(text);
    return 0;
}
