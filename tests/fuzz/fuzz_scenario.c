/* libFuzzer target: the scenario loader (Lua text -> rs_scenario), with the sandbox's budgets, raw reads and
 * protected calls. Any input must give RS_OK or one error message; never a crash, a leak or an abort. */
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rs_scenario sc;
    rs_error err = {0};
    if (rs_scenario_load_string((const char *)data, size, "fuzz.lua", NULL, 0, &sc, &err) == RS_OK)
        rs_scenario_free(&sc);
    return 0;
}
