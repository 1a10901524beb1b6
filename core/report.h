/* The output files of SPEC §8: curves.csv, runs.csv, events.csv, bands.csv and summary.json. Rows are
 * formatted per replication (in whatever thread ran it) and written in replication order, so the files do not
 * depend on --jobs. */
#ifndef RS_REPORT_H
#define RS_REPORT_H

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "scenario.h"
#include "sim.h"
#include "stats.h"

enum { RS_FILE_CURVES, RS_FILE_RUNS, RS_FILE_EVENTS, RS_FILE_SEGMENTS, RS_FILE_BANDS, RS_FILE_SUMMARY,
       RS_FILE_COUNT };
extern const char *const rs_report_file_names[RS_FILE_COUNT];

/* Column headers of the CSV files. */
void rs_report_headers(FILE *const *f, const rs_scenario *sc);

/* The rows of one replication: runs.csv, events.csv and segments.csv always, curves.csv when with_curves.
 * f is indexed by RS_FILE_CURVES .. RS_FILE_SEGMENTS. */
void rs_report_rep(FILE *const *f, const rs_scenario *sc, const rs_sim *sim, uint32_t rep, const rs_rep_result *r,
                   int with_curves, const char *label);

/* bands.csv rows for one policy: per sample time, quantiles over the replications in done[] of the values
 * stored rep-major in n/exposed/harmed/regret ([rep * n_samples + i]); the cumulative pseudo-regret's mean and
 * quantiles too (regret holds the bits of floats, as rs_report_band_float packs them; its columns are empty when
 * it is NULL). */
void rs_report_bands(FILE *f, const rs_scenario *sc, size_t n_samples, size_t reps, const unsigned char *done,
                     const uint32_t *n, const uint32_t *exposed, const uint32_t *harmed, const uint32_t *regret,
                     const char *label);

/* The estimates object of one policy over the finished replications (done[r] != 0). Fills the counts used by
 * the human summary into *desc_harm etc. when not NULL. Returns a new reference. */
json_t *rs_report_estimates(const rs_rep_result *res, const unsigned char *done, size_t reps);

/* Paired differences a - b over replications finished by both, with the unpaired interval beside them for
 * comparison. Returns a new reference. */
json_t *rs_report_paired(const rs_rep_result *a, const rs_rep_result *b, const unsigned char *done_a,
                         const unsigned char *done_b, size_t reps);

/* A parameter tree as JSON. Returns a new reference. */
json_t *rs_report_value(const rs_value *v);

/* A policy's parameters as JSON, without the knobs of gates other than its `gate` (a z-test policy does not list
 * flagger's). Returns a new reference. */
json_t *rs_report_params(const rs_value *params);

/* The version of the layout of summary.json (and best.json): its "format" key. Keys are only ever added. */
#define RS_SUMMARY_FORMAT 1

/* Writes j and a newline as every JSON file of rollsim is written: indented by 2 as jansson's JSON_INDENT(2),
 * integers (and reals with an integral value below 2^53) as integers, other reals as the shortest text that
 * reads back as the same double, non-finite reals as null. Returns 0, or -1 on a write error (or j NULL). */
int rs_report_json_write(FILE *f, const json_t *j);

/* A number as rs_report_json_write writes it. */
void rs_report_number(FILE *f, double x);

/* A band sample of cumulative regret as the 32 bits of a float (the band arrays are uint32_t). */
static inline uint32_t rs_report_band_float(double x)
{
    float f = (float)x;
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* Writes a CSV field, quoted when needed. */
void rs_csv_field(FILE *f, const char *s);

#endif
