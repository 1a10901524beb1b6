-- expect: rollsim: tests/bad/gate_flagger_steps_and_step_weight.lua: policy: steps: give either steps (Flagger's stepWeights, the last one its max weight) or step_weight with max_weight, not both
-- Flagger's code silently prefers stepWeight when both are set; rollsim asks for one of them.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 0.1, 0.5 }, step_weight = 0.1, gate = "flagger", metrics = { { name = "error_rate", max = 0.02 } } },
}
