-- expect: rollsim: tests/bad/bayesopt_unknown_acquisition.lua: policy.acquisition: expected one of ucb|ei, got "pi"
-- bayesopt's acquisition functions are ucb and ei (probability of improvement is not one of them).
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "bayesopt", acquisition = "pi" },
}
