-- expect: rollsim: policy lua asked for its next decision at t = NaN h, not after now (t = 0 h)
-- exit: 1
-- A policy whose `next` is NaN.
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = function(obs, state) return { weights = { new = 0.5 }, next = 0/0 } end,
}
