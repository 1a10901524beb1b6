-- expect: rollsim: tests/bad/sandbox_os.lua:3: os.execute is not available: scenarios run in a sandbox with only the base, table, string, math and utf8 libraries
-- The sandbox (SPEC §5, §10): no processes. os does not exist in a scenario; touching it is a clear error.
os.execute("touch /tmp/rollsim-sandbox-escaped")
return {}
