/* rollsim replay (issue 15): a recorded metric series through the gate of an imported manifest, with no
 * simulation: the state machines of prodgates.c (Flagger's ticks, one Argo AnalysisRun, the Spinnaker canary
 * stage's judgments) fed the recorded values at the times the system would query them, each check printed
 * with the gate's own detail. */
#ifndef RS_REPLAY_H
#define RS_REPLAY_H

#include <stdio.h>

#include "import.h"
#include "status.h"

/* Replays the CSV at metrics_path (header time,metric,value[,baseline]) through the gate imported from
 * paths[0..n-1] (opt as rs_import's); writes one CSV line per check to out. RS_ERR_INPUT names file and line. */
rs_status rs_replay(const char *const *paths, size_t n, const rs_import_options *opt, const char *metrics_path,
                    FILE *out, rs_error *err);

/* `rollsim replay MANIFEST... --metrics FILE.csv [--map NAME=METRIC]...`: argv[0] is "replay". */
int rs_replay_main(int argc, char **argv);

#endif
