-- expect: rollsim: tests/bad/gate_flagger_fraction_of_percent.lua: policy: steps.1: flagger weights are whole percents from 0.01, got 0.105
-- Flagger's weights are whole percents; 10.5 % is not one.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 0.105, 0.5 }, gate = "flagger", metrics = { { name = "error_rate", max = 0.02 } } },
}
