-- expect: rollsim: policy lua failed at t = 0 h: tests/hostile/global_set_in_policy.lua:10: global 'counter' cannot be set while the simulation runs (keep state in the policy's second argument)
-- exit: 1
-- A policy that sets a global during the run: refused (state belongs in the second argument).
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = function(obs, state) counter = (counter or 0) + 1 return { next = obs.t + 1 } end,
}
