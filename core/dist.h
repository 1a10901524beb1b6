/* Distribution over MPI ranks (issue 17, SPEC §4, §9): `mpirun -n K rollsim ...` splits the replications of a
 * run (and of each sweep point or optimisation batch) into K contiguous slices, one per rank; the results come
 * back to rank 0 (run, compare), which alone writes files and prints, or to every rank (sweep, optimize: every
 * rank follows the same planner loop and must see the same estimates to make the same next choice).
 *
 * This is the only module that knows MPI, and only when built with -DROLLSIM_MPI=ON. Otherwise, and in a
 * program that never called rs_dist_init (the unit tests), there is one rank: rank 0 of 1, every collective a
 * no-op, so callers need no #ifdef. Every function marked "collective" must be called by every rank in the
 * same order; callers agree on failures (rs_dist_agree) before they take a different path. */
#ifndef RS_DIST_H
#define RS_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Starts MPI when built with it (threads: only the main thread calls MPI). Returns -1 to go on, else an exit
 * code (a plain build started by mpirun as one of several ranks refuses to run: each would write the same
 * files). Ranks other than 0 have their stdout and stderr sent to /dev/null: rank 0 speaks for the run. */
int rs_dist_init(int *argc, char ***argv);
/* Ends MPI (after every rank agreed on the exit code). */
void rs_dist_finalize(void);

int rs_dist_rank(void);
int rs_dist_size(void);

/* Rank k's slice [*lo, *hi) of n items: contiguous, sizes differing by at most one. */
void rs_dist_slice(size_t n, int rank, size_t *lo, size_t *hi);

/* Collective: the status of the lowest rank that failed (RS_OK if none), with that rank's message copied into
 * err on every rank ("rank K: " put before it when K is not 0). */
rs_status rs_dist_agree(rs_status st, rs_error *err);

/* Collective: 1 on every rank when flag is non-zero on any. */
int rs_dist_any(int flag);

/* Collective: the sum over ranks. */
uint64_t rs_dist_sum(uint64_t x);

/* Collective: base holds n items of size bytes; each rank owns its slice (rs_dist_slice) and afterwards every
 * rank holds every slice. */
void rs_dist_share(void *base, size_t size, size_t n);

/* Collective: len bytes from root to every rank. */
void rs_dist_bcast(void *buf, size_t len, int root);

/* Point to point, any length (sent in pieces below MPI's int counts). */
void rs_dist_send(int to, const void *buf, size_t len);
void rs_dist_recv(int from, void *buf, size_t len);

#endif
