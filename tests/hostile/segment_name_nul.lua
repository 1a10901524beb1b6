-- expect: rollsim: tests/hostile/segment_name_nul.lua: population.1.name: contains a NUL byte (at byte 2)
-- A segment name with a NUL byte (C would cut it short).
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "a\0b", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
