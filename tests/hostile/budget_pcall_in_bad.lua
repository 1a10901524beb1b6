-- expect: rollsim: tests/hostile/budget_pcall_in_bad.lua: versions.2.bad: scenario stopped: it ran more than 200 million Lua instructions (an endless loop?)
-- A `bad` function with pcall around an endless loop.
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01, bad = function(v, b) while true do pcall(function() while true do end end) end end } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
