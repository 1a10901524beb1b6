-- expect: rollsim: tests/bad/sandbox_load_binary.lua:4: load: binary chunks are refused (scenarios run in a sandbox with only the base, table, string, math and utf8 libraries, and text only)
-- The sandbox: load() takes text only; a binary (bytecode) chunk, which could break the interpreter, is
-- refused at once.
local f = load("\27Lua\84\0\25\147\13\10\26\10\4\8\8", "x", "b")
return f()
