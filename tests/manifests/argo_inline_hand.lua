-- argo_inline_rollout.yaml + argo_inline_template.yaml written by hand with the existing argo gate (inline
-- analysis after each stage's pause; the manual pause as one hour). The traffic is the import's placeholders.
return scenario {
  name = "argo inline by hand",
  seed = 1,
  replications = 200,
  horizon = hours(5),
  sample_every = minutes(10),
  population = { { name = "users", users = 10000, rate = 3.6 } },
  versions = {
    { name = "current", baseline = true, error_rate = 0.005 },
    { name = "candidate", error_rate = choice{ {0.8, 0.005}, {0.2, 0.02} } },
  },
  policy = { name = "fixed_stages", gate = "argo", complete = true,
             stages = { { weight = 0.1, bake = minutes(30) }, { weight = 0.5, bake = hours(1) } },
             metrics = { { name = "error_rate", success = "<= 0.015", failure = "> 0.02", failure_limit = 1,
                           inconclusive_limit = 1, consecutive_error_limit = 2, count = 5,
                           interval = minutes(5) } } },
}
