-- expect: rollsim: tests/hostile/mt_error_object_tostring.lua:3: the scenario raised an error that is not a message (a table)
-- An error object whose __tostring never returns: the host does not call it.
error(setmetatable({}, { __tostring = function() while true do end end }))
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
