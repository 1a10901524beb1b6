-- expect: rollsim: tests/bad/error_object.lua:6: the scenario raised an error that is not a message (a table)
-- error() called with a table rather than a string (as some Lua libraries do): there is no message to show,
-- so rollsim must say so plainly, and its output must not change from one run to the next.
local cfg = { users = 100 }
if cfg.users < 1000 then
  error({ code = "too_small", users = cfg.users })
end
return {}
