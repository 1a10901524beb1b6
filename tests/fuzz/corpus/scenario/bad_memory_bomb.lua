-- expect: rollsim: tests/bad/memory_bomb.lua: scenario stopped: it used more than 256 MiB of memory
-- The sandbox (SPEC §5, §10): a scenario that allocates without bound is stopped at the memory cap, with a
-- message, before it can hurt the machine.
local s = "rollout"
while true do
  s = s .. s
end
