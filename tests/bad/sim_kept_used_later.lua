-- expect: rollsim: tests/bad/sim_kept_used_later.lua: events.2: run at t = 2 h: tests/bad/sim_kept_used_later.lua:14: sim.set: this sim belongs to an event that has returned (use the sim that each run event gets)
-- exit: 1
-- The issue's example: a `run` event keeps `sim` and a later event calls saved.set (a pointer into a returned frame).
local saved
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
  events = {
    { at = 1, run = function(sim) saved = sim end },
    { at = 2, run = function(sim) saved.set{ version = "new", key = "error_rate", value = 0.5 } end },
  },
}
