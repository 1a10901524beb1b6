-- expect: rollsim: tests/bad/dt_in_exact_mode.lua: dt: the step applies to mode = "cohort" only (this scenario runs in mode "exact")
-- dt without mode = "cohort": exact mode has no step, so the key is a mistake, not silently ignored.
return {
  horizon = 24,
  sample_every = 1,
  population = { { name = "users", users = 1000, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  dt = 1,
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 6 },
}
