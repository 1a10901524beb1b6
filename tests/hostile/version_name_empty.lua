-- expect: rollsim: tests/hostile/version_name_empty.lua: versions.2.name: is empty (expected a name)
-- An empty version name.
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
