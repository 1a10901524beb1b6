-- expect: rollsim: tests/hostile/budget_xpcall_handler.lua: scenario stopped: it ran more than 200 million Lua instructions (an endless loop?)
-- xpcall whose message handler loops forever, in a loop.
while true do xpcall(function() error('x') end, function() while true do end end) end
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
