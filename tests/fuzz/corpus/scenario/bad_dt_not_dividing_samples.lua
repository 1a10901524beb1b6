-- expect: rollsim: tests/bad/dt_not_dividing_samples.lua: dt: 0.4 h does not divide sample_every (1 h); dt = 0.2 h would, or use mode = "exact"
-- Samples must fall on step boundaries; the message names a step that would do.
return {
  horizon = 24,
  sample_every = 1,
  population = { { name = "users", users = 1000, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  mode = "cohort",
  dt = 0.4,
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 6 },
}
