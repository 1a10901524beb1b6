-- expect: rollsim: tests/bad/dt_zero.lua: dt: expected a value in [1e-09, 10000000], got 0
-- Cohort mode's step must be a positive duration.
return {
  horizon = 24,
  sample_every = 1,
  population = { { name = "users", users = 1000, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  mode = "cohort",
  dt = 0,
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 6 },
}
