-- expect: rollsim: tests/bad/bandit_share_above_one.lua: policy.min_share: expected a value in [0, 1], got 1.2
-- The bandit (issue 12): a share outside [0, 1].
return {
  horizon = 10,
  population = { { name = "users", users = 100, rate = 1 } },
  versions = { { name = "A", baseline = true, error_rate = 0.01 }, { name = "B", error_rate = 0.01 } },
  policy = { name = "bandit", min_share = 1.2 },
}
