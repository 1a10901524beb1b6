-- expect: rollsim: tests/bad/syntax_error.lua:9: '}' expected (to close '{' at line 7) near 'sample_every'
-- A Lua syntax error (a missing comma after `horizon = 10`): the message must give the file and the line
-- of the error, as Lua reports it.
--
-- (The lines above and below are part of the test: the expected line numbers count them.)

return {
  horizon = 10
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
