-- expect: rollsim: tests/bad/not_a_table.lua: the scenario must return a table (got string)
-- A scenario returns its table; this one returns text.
return "horizon = 10, sample_every = 1"
