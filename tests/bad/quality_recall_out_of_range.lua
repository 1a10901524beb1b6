-- expect: rollsim: tests/bad/quality_recall_out_of_range.lua: versions.1.recall: expected a value in [0, 1], got 1.2
-- A recall is a probability.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  prevalence = 0.3,
  labels = { fraction = 0.05, delay = hours(24) },
  versions = {
    { name = "current", baseline = true, error_rate = 0.01, recall = 1.2, specificity = 0.95 },
    { name = "candidate", error_rate = 0.01, recall = 0.85, specificity = 0.95 },
  },
  policy = { name = "fixed_stages", gate = "ztest", metric = "recall", steps = { 0.1, 1 }, bake = 4 },
}
