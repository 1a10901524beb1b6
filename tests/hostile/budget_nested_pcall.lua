-- expect: rollsim: tests/hostile/budget_nested_pcall.lua: scenario stopped: it ran more than 200 million Lua instructions (an endless loop?)
-- Endless loops nested in pcall three deep: each level is left in turn.
pcall(function() while true do pcall(function() while true do pcall(function() while true do end end) end end) end end)
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
