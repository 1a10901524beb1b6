-- expect: rollsim: tests/hostile/pattern_match_backtracking.lua:3: string.match: a pattern with 2 repetition(s) on a subject of 100000 bytes could run for hours (the sandbox allows length^(repetitions + 1) <= 10^9): shorten the subject or the pattern
-- string.match with nested repetitions on a long subject.
local m = string.match(("a"):rep(100000), "(a*)*b")
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
