-- expect: rollsim: tests/bad/name_invalid_utf8.lua: name: is not valid UTF-8 (byte 4 is 0xff)
-- A scenario name that is not UTF-8 would vanish from summary.json: refused, naming the key.
return {
  name = "bad\255name",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
