-- expect: rollsim: tests/bad/error_rate_above_one.lua: versions.2.error_rate: expected a value in [0, 1], got 1.5
-- An error rate is a probability per request: 1.5 (150 %) is impossible. (A percentage written as a whole
-- number, e.g. 2 for 2 %, is caught the same way.)
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 1.5 },
  },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
