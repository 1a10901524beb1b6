-- expect: rollsim: tests/bad/quality_unknown_metric.lua: policy.metric: expected one of error_rate|accuracy|precision|recall|f1|feedback_rate, got "recal" (did you mean 'recall'?)
-- A metric the proportion tests do not know.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  prevalence = 0.3,
  labels = { fraction = 0.05, delay = hours(24) },
  versions = {
    { name = "current", baseline = true, error_rate = 0.01, recall = 0.9, specificity = 0.95 },
    { name = "candidate", error_rate = 0.01, recall = 0.85, specificity = 0.95 },
  },
  policy = { name = "fixed_stages", gate = "ztest", metric = "recal", steps = { 0.1, 1 }, bake = 4 },
}
