-- expect: rollsim: tests/bad/sandbox_io.lua:5: io.open is not available: scenarios run in a sandbox with only the base, table, string, math and utf8 libraries
-- The sandbox (SPEC §5): a scenario cannot reach files or processes; `io`, `os`, `require`, `dofile` and
-- `loadfile` do not exist in it. Reading a file is a plain Lua error at the line that tries, and nothing is
-- read.
local f = io.open("/etc/passwd")
return {}
