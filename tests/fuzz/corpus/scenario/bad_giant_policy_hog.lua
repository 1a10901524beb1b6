-- expect: rollsim: policy lua failed at t = 0 h: the scenario's policy function ran out of its memory budget (256 MiB for the scenario's Lua state)
-- exit: 1
-- A Lua policy that fills its memory cap: the host's next allocation (building obs) must not abort.
local hog = {}
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = function(obs, state) while true do hog[#hog + 1] = ("x"):rep(1000000) .. #hog end end,
}
