-- expect: rollsim: tests/hostile/budget_pcall_in_value_function.lua: events.1.set.value(1): scenario stopped: it ran more than 200 million Lua instructions (an endless loop?)
-- A value function of time (evaluated at load) with pcall around an endless loop.
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
  events = { { at = 1, every = 1, set = { version = "new", key = "error_rate", value = function(t) while true do pcall(function() while true do end end) end end } } },
}
