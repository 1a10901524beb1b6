-- expect: rollsim: tests/bad/unknown_plugin_listing.lua: policy.name: policy plugin 'cxx_plugn' not found (did you mean 'cxx_plugin'?); available: @AVAILABLE_ALL@ (searched @TEST_PLUGIN_DIR@:@SEARCHED@)
-- env: ROLLSIM_PLUGIN_PATH=@TEST_PLUGIN_DIR@
-- A missing plugin when several are installed, in several folders: the list of those available must come in
-- a stable (alphabetical) order, so that the message is the same on every machine and easy to scan.
return {
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "cxx_plugn" },
}
