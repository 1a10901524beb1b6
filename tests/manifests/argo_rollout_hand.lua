-- argo_rollout.yaml written by hand with the existing argo gate (tests/import.sh runs it beside the imported
-- scenario on the same seeds and requires identical outputs). The traffic is the import's placeholders.
return scenario {
  name = "argo by hand",
  seed = 1,
  replications = 200,
  horizon = hours(8),
  sample_every = minutes(10),
  population = { { name = "users", users = 10000, rate = 10 * 3600 / 10000 } },
  versions = {
    { name = "current", baseline = true, error_rate = 0.005 },
    { name = "candidate", error_rate = choice{ {0.8, 0.005}, {0.2, 0.02} } },
  },
  policy = { name = "fixed_stages", gate = "argo", analysis = "background", starting_step = 2, complete = true,
             stages = { { weight = 0.2, bake = hours(1) }, { weight = 0.4, bake = hours(1) },
                        { weight = 0.6, bake = hours(1) }, { weight = 0.8, bake = hours(1) } },
             metrics = { { name = "success_rate", success = ">= 0.95", failure_limit = 3, interval = minutes(10) } } },
}
