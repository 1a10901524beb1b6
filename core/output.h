/* Output files written atomically (SPEC §8): each file is written under a temporary name in its folder and
 * renamed into place only when the whole run succeeded, so a failed or interrupted run never leaves a
 * truncated file (and an earlier complete file stays as it was). Under MPI only rank 0 writes: on the other
 * ranks these functions create nothing (a file opens on /dev/null), so every writer is rank 0's alone. */
#ifndef RS_OUTPUT_H
#define RS_OUTPUT_H

#include <stdio.h>

#include "status.h"

typedef struct rs_atomic_file {
    FILE *f;           /* write here */
    char tmp[4096];    /* temporary path */
    char final[4096];  /* destination */
} rs_atomic_file;

/* Creates dir and its parents if needed and checks it is writable; RS_ERR_INPUT naming the folder if not.
 * *created (may be NULL) tells whether dir itself was made here, so a failed run can remove it again. */
rs_status rs_output_prepare_dir(const char *dir, int *created, rs_error *err);

/* Whether rollsim may write into dir: it does not exist, is empty, holds only what rollsim writes (and their
 * temporary files), or holds a summary.json of rollsim's. Anything else is someone's folder: RS_ERR_INPUT with
 * one message naming a foreign entry, unless force. */
rs_status rs_output_check_dir(const char *dir, int force, rs_error *err);

/* Removes the plots of an earlier run: from DIR/plots/ the files rollsim draws there (.png, .svg, .pdf, .gp,
 * .dat and their temporary files; the folder itself when it is then empty), and DIR/report.html. The plots in a
 * folder belong to the run that wrote its data. */
void rs_output_clear_plots(const char *dir);

/* Opens DIR/NAME for writing under a temporary name. */
rs_status rs_atomic_open(rs_atomic_file *af, const char *dir, const char *name, rs_error *err);
/* Flushes, syncs and renames into place; closes the file either way. */
rs_status rs_atomic_commit(rs_atomic_file *af, rs_error *err);
/* Closes and removes the temporary file (no-op on a file already committed or aborted). */
void rs_atomic_abort(rs_atomic_file *af);

#endif
