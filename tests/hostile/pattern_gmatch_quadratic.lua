-- expect: rollsim: tests/hostile/pattern_gmatch_quadratic.lua:3: string.gmatch: a pattern with 1 repetition(s) on a subject of 100000 bytes could run for hours (the sandbox allows length^(repetitions + 1) <= 10^9): shorten the subject or the pattern
-- gmatch with a lazy repetition over 100000 bytes (about 10^10 steps).
for w in ("a"):rep(100000):gmatch("a-b") do end
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
