/* The gnuplot driver (SPEC §8 plots/, issue 6). It reads an output folder and writes into DIR/plots/, for each
 * plot kind, the data it plots (NAME.dat), the filled template (NAME.gp, which reruns with plain `gnuplot
 * NAME.gp` from inside DIR/plots) and NAME.png, drawn by running gnuplot (pngcairo) as a subprocess. The folder's
 * kind is summary.json's "command": none (or run, compare), sweep or optimize.
 *
 * Kinds of a run or compare folder (summary.json, bands.csv, runs.csv, events.csv): fan (N(t)/P(t) over
 * replications), exposure (exposed and harmed users), harm (histogram with VaR and CVaR), and with two policies
 * or more pareto (harm vs time to full) and risk (P(escape | bad), P(false rollback | good)).
 * Of a sweep folder (summary.json): with one key, or more than two, sweep (P(escape | bad), P(false rollback |
 * good), mean excess harm and mean time to full against the key's values or the points, with 95 % intervals);
 * with two keys sweep_heat (the same four as heat maps). Of an optimize folder (summary.json, optimize.csv,
 * best.json): optimize (the objective of each evaluation, feasible or not, the best so far, and each parameter's
 * value). A kind is one template plots/NAME.gp.in plus one data writer in plot.c; the kinds that do not apply
 * to the folder are removed from DIR/plots/.
 *
 * Templates are read from the source tree's plots/ folder (known at build time), else from the installed
 * share/rollsim/plots/, else from the copy embedded in the program. */
#ifndef RS_PLOT_H
#define RS_PLOT_H

#include "status.h"

/* Draws every plot that applies to the output folder dir into dir/plots/ (created if needed). Files are
 * written atomically. verbose: print the list of files written on stdout.
 *
 * Returns RS_OK when all plots were drawn, and also when gnuplot is not on PATH: then the .dat and .gp files
 * are written, and one warning is printed on stderr. RS_ERR_INPUT when dir has no readable summary.json or a
 * file of it cannot be read; RS_ERR_RUNTIME when gnuplot fails on a script (err names it; gnuplot's own
 * messages are on stderr) or a file cannot be written. A summary.json whose "command" has no plots is
 * RS_ERR_INPUT. */
rs_status rs_plot_dir(const char *dir, int verbose, rs_error *err);

#endif
