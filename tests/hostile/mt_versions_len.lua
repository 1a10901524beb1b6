-- expect: rollsim: tests/hostile/mt_versions_len.lua: versions: expected a non-empty list of versions
-- A versions list whose __len claims a billion items: the host uses the raw length.
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = setmetatable({}, { __len = function() return 1e9 end }),
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
