-- expect: rollsim: tests/bad/policy_param_out_of_range.lua: policy.alpha: expected a value in [1e-12, 0.5], got 5
-- A policy parameter outside the range the plugin declares (alpha is a test level, a probability; 5 is
-- probably 5 % written as a percentage).
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1, alpha = 5 },
}
