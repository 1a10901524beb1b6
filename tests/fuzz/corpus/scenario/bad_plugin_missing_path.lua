-- expect: rollsim: tests/bad/plugin_missing_path.lua: policy.name: plugin /nonexistent/rollsim/my_policy.so: cannot load: /nonexistent/rollsim/my_policy.so: cannot open shared object file: No such file or directory
-- A policy plugin named by a path that does not exist.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "/nonexistent/rollsim/my_policy.so" },
}
