-- expect: rollsim: tests/bad/plugin_failing_create.lua: policy: threshold: failing_create refuses every configuration (a test plugin)
-- env: ROLLSIM_PLUGIN_PATH=@TEST_PLUGIN_DIR@
-- A plugin whose create() refuses its parameters (tests/plugins/failing_create.c): bad input, exit 2, with
-- the plugin's own message.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "failing_create", threshold = 4 },
}
