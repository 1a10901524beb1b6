-- expect: rollsim: tests/bad/helper_bad_argument.lua:8: bad argument #1 to 'days' (number expected, got string)
-- A scenario helper (minutes, hours, days) called with something that is not a number. The message must
-- point at the scenario's own line, where the mistake is, not into rollsim's helper code, and say what the
-- helper expected, as Lua's own functions do.
return {
  name = "helper called with text",
  sample_every = 1,
  horizon = days("two"),
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
