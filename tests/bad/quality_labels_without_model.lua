-- expect: rollsim: tests/bad/quality_labels_without_model.lua: prevalence: no version models quality (give each version recall and specificity)
-- Labels and prevalence measure quality; without recall and specificity there is nothing to measure.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  prevalence = 0.3,
  labels = { fraction = 0.05, delay = hours(24) },
  versions = {
    { name = "current", baseline = true, error_rate = 0.01 },
    { name = "candidate", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", gate = "ztest", metric = "recall", steps = { 0.1, 1 }, bake = 4 },
}
