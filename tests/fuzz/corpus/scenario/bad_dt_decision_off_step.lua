-- expect: rollsim: tests/bad/dt_decision_off_step.lua: dt: policy fixed_stages asked for a decision at t = 0.75 h, which is not a multiple of the cohort step dt = 0.5 h; set dt = 0.25 h, or use mode = "exact"
-- Decisions happen at step boundaries in cohort mode: a policy asking for one in between (its stages bake
-- 45 minutes, the step is 30) stops the run as bad input, naming a step that would do.
return {
  horizon = 24,
  sample_every = 1,
  population = { { name = "users", users = 1000, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  mode = "cohort",
  dt = minutes(30),
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = minutes(45) },
}
