-- expect: rollsim: policy lua failed at t = 0 h: tests/hostile/sim_kept_used_in_policy.lua:11: sim.log: this sim belongs to an event that has returned (use the sim that each run event gets)
-- exit: 1
-- A kept `sim` used from the policy function.
local saved
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = function(obs, state) if saved then saved.log("x") end return { next = obs.t + 1 } end,
  events = { { at = 0, run = function(sim) saved = sim end } },
}
