-- expect: rollsim: tests/hostile/pattern_gsub_quadratic.lua:3: string.gsub: a pattern with 1 repetition(s) on a subject of 50000 bytes could run for hours (the sandbox allows length^(repetitions + 1) <= 10^9): shorten the subject or the pattern
-- gsub with a repetition that never matches, over 50000 bytes.
local s = ("x"):rep(50000):gsub(".-y", "")
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
