-- expect: rollsim: tests/hostile/mt_string_metatable.lua:3: attempt to index a boolean value
-- The string metatable is locked: a scenario cannot replace string methods for the host or others.
getmetatable("").__index = function() while true do end end
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
