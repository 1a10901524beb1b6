-- expect: rollsim: tests/hostile/coroutine_unavailable.lua:3: attempt to index a nil value (global 'coroutine')
-- The coroutine library is not opened (a coroutine would carry its own hook settings).
local co = coroutine.wrap(function() while true do end end)
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
