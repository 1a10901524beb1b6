-- expect: rollsim: policy lua failed at t = 0 h: tests/hostile/pattern_in_policy.lua:10: string.find: a pattern with 3 repetition(s) on a subject of 30000 bytes could run for hours (the sandbox allows length^(repetitions + 1) <= 10^9): shorten the subject or the pattern, or search plain text
-- exit: 1
-- The pattern bound also holds in a Lua policy during the run.
return {
  name = "hostile",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = function(obs, state) local s = ("a"):rep(30000):find(".-.-.-b") return { next = obs.t + 1 } end,
}
