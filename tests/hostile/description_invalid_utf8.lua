-- expect: rollsim: tests/hostile/description_invalid_utf8.lua: description: is not valid UTF-8 (byte 4 is 0xe9)
-- A description that is not UTF-8.
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
  description = "caf\233",
}
