-- expect: rollsim: tests/bad/dt_too_many_steps.lua: dt: 1e-06 h gives more than 10^7 steps over a horizon of 24 h
-- A step so small that the horizon would take more than 10^7 of them is refused up front (the cost of a
-- cohort replication grows with its steps).
return {
  horizon = 24,
  sample_every = 1,
  population = { { name = "users", users = 1000, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  mode = "cohort",
  dt = 1e-6,
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 6 },
}
