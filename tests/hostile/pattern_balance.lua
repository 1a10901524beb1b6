-- expect: rollsim: tests/hostile/pattern_balance.lua:3: string.find: a pattern with 1 repetition(s) on a subject of 100000 bytes could run for hours (the sandbox allows length^(repetitions + 1) <= 10^9): shorten the subject or the pattern, or search plain text
-- %b on a long subject with no closing bracket: quadratic.
local s = ("("):rep(100000):find("%b()")
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
