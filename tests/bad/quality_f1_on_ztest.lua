-- expect: rollsim: tests/bad/quality_f1_on_ztest.lua: policy: metric: the ztest gate tests a proportion of independent requests: error_rate, accuracy, precision, recall or feedback_rate, not "f1" (f1 is a ratio of three counts; judge it with threshold, flagger, argo or kayenta)
-- F1 is not a binomial proportion: the z-test would be wrong on it.
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
  policy = { name = "fixed_stages", gate = "ztest", metric = "f1", steps = { 0.1, 1 }, bake = 4 },
}
