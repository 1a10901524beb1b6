-- expect: rollsim: policy lua failed at t = 0 h: scenario stopped: it ran more than 200 million Lua instructions (an endless loop?)
-- exit: 1
-- A Lua policy that never returns is stopped by the same instruction budget as the scenario (per call), and
-- the run fails as a runtime failure (exit 1) with nothing written.
return { name = 'loop', horizon = 5, population = { { name = 'u', users = 10, rate = 1 } },
  versions = { { name = 'b', baseline = true, error_rate = 0.01 }, { name = 'c', error_rate = 0.01 } },
  policy = function(obs, state) while true do end end }
