-- expect: rollsim: tests/bad/runtime_error.lua:7: attempt to perform arithmetic on a nil value (field 'user')
-- A Lua runtime error while the scenario runs: the message gives the file and line, as Lua reports it.
local segments = {
  { name = "internal", users = 10, rate = 2 },
  { name = "general", users = 100, rate = 1 },
}
local total = segments[1].users + segments[2].user
return {
  horizon = 10,
  sample_every = 1,
  population = segments,
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 10 / total, 1 }, bake = 1 },
}
