-- The textbook example of a staged release: 100 features (units) released 10 at a time.
--
-- N(t) is the number of units on the new version at time t, P(t) = N(t) / N_T its share. With N_0 = 10
-- units at t = 0 and 10 more at every step (one step per hour), N(t) = N_0 + sum of the increments so far:
-- 10, 20, ..., 100, and P(t) = 0.1, 0.2, ..., 1.0 at t = 0, 1, ..., 9. No gate: this scenario is about the
-- shape of the curve. Look at curves.csv (columns t, N, P).
return scenario {
  name = "seed example: 100 features, 10 per step",
  seed = 1,
  horizon = 10,
  sample_every = 1,
  population = { { name = "features", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new",                  error_rate = 0.01 },
  },
  policy = {
    name = "fixed_stages",
    gate = "none",
    steps = { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0 },
    bake = hours(1),
  },
}
