-- expect: rollsim: tests/hostile/sim_kept_log_later.lua: events.2: run at t = 2 h: tests/hostile/sim_kept_log_later.lua:14: sim.log: this sim belongs to an event that has returned (use the sim that each run event gets)
-- exit: 1
-- A kept sim.log function (not the table) called by a later event.
local log
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
  events = {
    { at = 1, run = function(sim) log = sim.log end },
    { at = 2, run = function(sim) log("late") end },
  },
}
