-- expect: rollsim: tests/bad/plugin_wrong_abi.lua: policy.name: plugin @TEST_PLUGIN_DIR@/wrong_abi.so: built for policy ABI version 99, but this rollsim supports ABI version 1; rebuild it against this rollsim's headers
-- env: ROLLSIM_PLUGIN_PATH=@TEST_PLUGIN_DIR@
-- A plugin built for another policy ABI (tests/plugins/wrong_abi.c says 99) is refused before any of its
-- code runs, with both versions named (SPEC §6).
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "wrong_abi" },
}
