-- expect: rollsim: tests/bad/sandbox_debug.lua:3: debug.sethook is not available: scenarios run in a sandbox with only the base, table, string, math and utf8 libraries
-- The sandbox: no debug library (it could remove the instruction budget).
debug.sethook()
return {}
