-- expect: rollsim: policy lua failed at t = 0 h: action.next: expected the time of the next decision (hours), got nil
-- exit: 1
-- A Lua policy's action whose metatable raises: the action is read raw.
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = function(obs, state) return setmetatable({}, { __index = function(_, k) error("boom " .. k) end }) end,
}
