-- expect: rollsim: tests/bad/infinite_loop.lua: scenario stopped: it ran more than 200 million Lua instructions (an endless loop?)
-- The sandbox (SPEC §5, §10): a scenario that never ends is stopped after a bounded number of instructions.
local n = 0
while n >= 0 do
  n = n + 1
end
return {}
