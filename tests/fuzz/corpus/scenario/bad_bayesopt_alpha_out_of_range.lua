-- expect: rollsim: tests/bad/bayesopt_alpha_out_of_range.lua: policy.alpha: expected a value in [1e-12, 0.5], got 5
-- alpha is the error probability of bayesopt's confidence sequences; 5 is probably 5 % as a percentage.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "bayesopt", alpha = 5 },
}
