-- expect: rollsim: policy lua failed at t = 0 h: the scenario's policy function ran out of its memory budget (256 MiB for the scenario's Lua state)
-- exit: 1
-- A Lua policy that allocates without bound hits the scenario's memory cap.
return { name = 'bomb', horizon = 5, population = { { name = 'u', users = 10, rate = 1 } },
  versions = { { name = 'b', baseline = true, error_rate = 0.01 }, { name = 'c', error_rate = 0.01 } },
  policy = function(obs, state) local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 1000) .. i end end }
