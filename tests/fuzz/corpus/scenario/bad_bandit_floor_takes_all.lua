-- expect: rollsim: tests/bad/bandit_floor_takes_all.lua: policy: min_share: 1 leaves the candidates no traffic: the baseline's floor plus any candidate's share must sum to 1 (use min_share < 1)
-- The bandit (issue 12): the baseline's floor leaves nothing for the candidates.
return {
  horizon = 10,
  population = { { name = "users", users = 100, rate = 1 } },
  versions = { { name = "A", baseline = true, error_rate = 0.01 }, { name = "B", error_rate = 0.01 } },
  policy = { name = "bandit", min_share = 1 },
}
