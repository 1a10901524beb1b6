-- expect: rollsim: tests/hostile/mt_sim_set_table.lua: events.1: run at t = 1 h: tests/hostile/mt_sim_set_table.lua:11: sim.set: expected { version = "name" or segment = "name", key = "...", value = number }
-- exit: 1
-- sim.set gets a table whose __index raises: read raw, the fields are missing.
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
  events = { { at = 1, run = function(sim) sim.set(setmetatable({}, { __index = function() error("boom") end })) end } },
}
