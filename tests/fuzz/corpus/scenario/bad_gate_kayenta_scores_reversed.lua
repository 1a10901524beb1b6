-- expect: rollsim: tests/bad/gate_kayenta_scores_reversed.lua: policy: marginal_score: kayenta's marginal score (80) must not be above its pass score (60)
-- Kayenta's marginal score cannot be above its pass score.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 1 }, gate = "kayenta", pass_score = 60, marginal_score = 80, metrics = { { name = "error_rate" } } },
}
