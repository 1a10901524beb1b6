-- expect: rollsim: tests/hostile/segment_name_invalid_utf8.lua: population.1.name: is not valid UTF-8 (byte 2 is 0xed)
-- A segment name that is not UTF-8.
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "a\237\160\128", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
