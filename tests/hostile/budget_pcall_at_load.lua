-- expect: rollsim: tests/hostile/budget_pcall_at_load.lua: scenario stopped: it ran more than 200 million Lua instructions (an endless loop?)
-- A pcall around an endless loop, in an endless loop, while the scenario loads: the budget error must not be swallowed.
while true do pcall(function() while true do end end) end
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
