-- expect: rollsim: tests/bad/bandit_shares_cannot_sum.lua: policy: max_share: 0 caps every candidate at no traffic until it has min_samples = 100 observations, which it can then never get; the shares (min_share = 0 for the baseline, at most 0 for the others) cannot move; give max_share > 0 or min_samples = 0
-- The bandit (issue 12): a floor and caps with which the shares cannot move (the candidates could never be served).
return {
  horizon = 10,
  population = { { name = "users", users = 100, rate = 1 } },
  versions = { { name = "A", baseline = true, error_rate = 0.01 }, { name = "B", error_rate = 0.01 } },
  policy = { name = "bandit", max_share = 0, min_samples = 100 },
}
