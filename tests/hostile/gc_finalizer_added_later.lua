-- expect: rollsim: tests/hostile/gc_finalizer_added_later.lua:7: finished
-- __gc added to a metatable after setmetatable: Lua never marks the object, so nothing runs (the script then fails on purpose).
local mt = {}
local t = setmetatable({}, mt)
mt.__gc = function() while true do end end
t = nil
error("finished")
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
