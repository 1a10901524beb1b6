-- expect: rollsim: tests/bad/sandbox_string_dump.lua:3: string.dump is not available: scenarios run in a sandbox with only the base, table, string, math and utf8 libraries
-- The sandbox: string.dump (which makes bytecode) is gone too.
local bytes = string.dump(function() return 1 end)
return {}
