-- expect: rollsim: policy lua failed at t = 0 h: scenario stopped: it ran more than 200 million Lua instructions (an endless loop?)
-- exit: 1
-- A Lua policy that escapes nothing with pcall around an endless loop.
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = function(obs, state) while true do pcall(function() while true do end end) end end,
}
