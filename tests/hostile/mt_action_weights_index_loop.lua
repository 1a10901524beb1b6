-- expect: rollsim: policy lua failed at t = 0 h: action.weights: no version named "nope"
-- exit: 1
-- An action whose weights table has an endless __index: read raw, the unknown version is named.
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = function(obs, state) return { weights = setmetatable({ nope = 1 }, { __index = function() while true do end end }), next = obs.t + 1 } end,
}
