-- expect: rollsim: tests/hostile/budget_sort_comparator.lua: scenario stopped: it ran more than 200 million Lua instructions (an endless loop?)
-- table.sort with a comparator that never returns: a Lua function, so the budget applies.
local t = {} for i = 1, 100 do t[i] = i end
table.sort(t, function(a, b) while true do end end)
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
