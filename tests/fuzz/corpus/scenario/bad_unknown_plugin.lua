-- expect: rollsim: tests/bad/unknown_plugin.lua: policy.name: policy plugin 'fixed_stage' not found (did you mean 'fixed_stages'?); available: @AVAILABLE@ (searched @SEARCHED@)
-- A policy plugin that does not exist: the message suggests the nearest name, lists the plugins found (in
-- alphabetical order) and the folders searched. (@AVAILABLE@ and @SEARCHED@ are filled in by
-- tests/bad_input.sh from this build's plugin folders, with ROLLSIM_PLUGIN_PATH unset.)
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stage", steps = { 0.5, 1 }, bake = 1 },
}
