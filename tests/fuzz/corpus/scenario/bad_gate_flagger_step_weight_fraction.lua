-- expect: rollsim: tests/bad/gate_flagger_step_weight_fraction.lua: policy: step_weight: flagger weights are whole percents from 0.01 to 1, got 0.015
-- Flagger's weights are whole percents: 1.5 % cannot be set.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", step_weight = 0.015, gate = "flagger", metrics = { { name = "error_rate", max = 0.02 } } },
}
