-- expect: rollsim: tests/bad/plugin_no_entry.lua: policy.name: plugin @TEST_PLUGIN_DIR@/no_entry.so: no entry symbol rs_policy_entry (is it a rollsim policy plugin?)
-- env: ROLLSIM_PLUGIN_PATH=@TEST_PLUGIN_DIR@
-- A shared object that is not a policy plugin (tests/plugins/no_entry.c exports no rs_policy_entry).
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "no_entry" },
}
