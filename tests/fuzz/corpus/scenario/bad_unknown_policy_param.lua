-- expect: rollsim: tests/bad/unknown_policy_param.lua: policy.alpah: unknown parameter of policy 'fixed_stages' (did you mean 'alpha'?)
-- A misspelt policy parameter, checked against the parameters the plugin declares.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1, alpah = 0.01 },
}
