-- expect: rollsim: tests/bad/budget_pcall_in_run_event.lua: events.1: run at t = 1 h: scenario stopped: it ran more than 200 million Lua instructions (an endless loop?)
-- exit: 1
-- The issue's example inside a `run` event: the budget cannot be escaped there either.
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
  events = { { at = 1, run = function(sim) while true do pcall(function() while true do end end) end end } },
}
