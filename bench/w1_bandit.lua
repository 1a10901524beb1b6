-- W1's traffic (bench/w1.lua: 100 000 users, 1 request per user-hour, 72 h) under a batched bandit: Thompson
-- sampling over the baseline and the candidate, updated every hour, users sticky. bench/bandit.sh times it
-- against W1 itself under fixed_stages (gate none), to give the cost of a request in a batched bandit.
return scenario {
  name = "W1 under a batched bandit",
  seed = 1,
  replications = 1,
  horizon = 72,
  sample_every = 1,
  population = { { name = "all", users = 100000, rate = 1 } },
  versions = {
    { name = "base", baseline = true, error_rate = 0.01, success_rate = 0.5 },
    { name = "new", error_rate = 0.02, success_rate = 0.5 },
  },
  policy = { name = "bandit", algorithm = "thompson", update_every = 1 },
}
