-- expect: rollsim: tests/hostile/version_name_invalid_utf8.lua: versions.2.name: is not valid UTF-8 (byte 2 is 0xc0)
-- A version name that is not UTF-8.
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "n\192ew", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
