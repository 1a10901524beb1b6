-- expect: rollsim: tests/bad/quality_recall_alone.lua: versions.2: recall alone leaves the false positives open; give specificity (or false_positive_rate, precision, accuracy, f1) too
-- Recall alone does not say how often the version predicts positive on negatives.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  prevalence = 0.3,
  labels = { fraction = 0.05, delay = hours(24) },
  versions = {
    { name = "current", baseline = true, error_rate = 0.01, recall = 0.9, specificity = 0.95 },
    { name = "candidate", error_rate = 0.01, recall = 0.85 },
  },
  policy = { name = "fixed_stages", gate = "ztest", metric = "recall", steps = { 0.1, 1 }, bake = 4 },
}
