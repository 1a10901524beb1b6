-- expect: rollsim: tests/bad/dt_infinite.lua: dt: expected a value in [1e-09, 10000000], got inf
-- Cohort mode's step must be finite.
return {
  horizon = 24,
  sample_every = 1,
  population = { { name = "users", users = 1000, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  mode = "cohort",
  dt = math.huge,
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 6 },
}
