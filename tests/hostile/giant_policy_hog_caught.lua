-- expect: rollsim: policy lua failed at t = 0 h: action.verdict: expected "continue", "promote", "rollback" or "stop"
-- exit: 1
-- A Lua policy that fills its memory cap inside pcall, then returns: no abort when the host next allocates.
local hog = {}
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = function(obs, state) pcall(function() while true do hog[#hog + 1] = ("x"):rep(1000000) .. #hog end end) return { verdict = "bogus" } end,
}
