-- expect: rollsim: tests/bad/sandbox_require.lua:3: require is not available: scenarios run in a sandbox with only the base, table, string, math and utf8 libraries
-- The sandbox: no modules from outside (require, package).
local socket = require("socket")
return {}
