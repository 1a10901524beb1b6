-- expect: rollsim: policy lua asked for its next decision at t = 1.001e-06 h, less than 1e-06 h after now (t = 1e-06 h), 1001 times in a row: a policy decides at most about 10^7 times over the horizon (steps of at least horizon / 10^7)
-- exit: 1
-- The issue's example: a policy whose `next` advances by 1e-9 h would run forever.
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = function(obs, state) return { weights = { new = 0.5 }, next = obs.t + 1e-9 } end,
}
