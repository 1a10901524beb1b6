-- expect: rollsim: tests/bad/stage_weight_above_one.lua: policy: stages.2.weight: expected a number in [0, 1], got 1.5
-- A stage's weight is the candidate's share of users: at most 1. Found by the fixed_stages plugin's
-- create(), reported as bad input.
return {
  horizon = 48,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = {
    name = "fixed_stages",
    stages = {
      { weight = 0.1, bake = 12 },
      { weight = 1.5, bake = 12 },
    },
  },
}
