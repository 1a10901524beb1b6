-- expect: rollsim: tests/bad/bandit_unknown_algorithm.lua: policy.algorithm: expected one of eps_greedy|ucb1|kl_ucb|thompson, got "softmax"
-- The bandit (issue 12): an unknown algorithm is answered with the list of valid ones.
return {
  horizon = 10,
  population = { { name = "users", users = 100, rate = 1 } },
  versions = { { name = "A", baseline = true, error_rate = 0.01 }, { name = "B", error_rate = 0.01 } },
  policy = { name = "bandit", algorithm = "softmax" },
}
