-- expect: rollsim: tests/bad/quality_metric_without_labels.lua: policy: metric: recall is measured on labels, and the scenario gives none (labels = { fraction = ..., delay = ... }, with versions' recall and specificity)
-- A gate on recall needs labels.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  prevalence = 0.3,
  versions = {
    { name = "current", baseline = true, error_rate = 0.01, recall = 0.9, specificity = 0.95 },
    { name = "candidate", error_rate = 0.01, recall = 0.85, specificity = 0.95 },
  },
  policy = { name = "fixed_stages", gate = "ztest", metric = "recall", steps = { 0.1, 1 }, bake = 4 },
}
