-- expect: rollsim: tests/hostile/giant_table_at_load.lua: scenario stopped: it used more than 256 MiB of memory
-- A table of a billion integers: stopped by the memory cap.
local t = {} for i = 1, 1e9 do t[i] = i end
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
