-- expect: rollsim: tests/bad/pattern_find_backtracking.lua:4: string.find: a pattern with 4 repetition(s) on a subject of 30000 bytes could run for hours (the sandbox allows length^(repetitions + 1) <= 10^9): shorten the subject or the pattern, or search plain text
-- The issue's example: CPU spent inside the C pattern matcher, where the instruction hook never fires.
local s = ("a"):rep(30000)
local found = s:find(".-.-.-.-b")
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
