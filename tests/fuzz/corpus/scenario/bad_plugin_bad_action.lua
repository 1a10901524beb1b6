-- expect: rollsim: policy bad_action returned an invalid weight 1.5 for version new in segment all at t = 0 h (expected a number in [0, 1])
-- exit: 1
-- env: ROLLSIM_PLUGIN_PATH=@TEST_PLUGIN_DIR@
-- A plugin that returns an invalid action (tests/plugins/bad_action.c sets a weight of 1.5): a runtime
-- failure, exit 1, naming the plugin (SPEC §6), and no output file, not even a partial one.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "bad_action" },
}
