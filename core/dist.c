#include "dist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef ROLLSIM_MPI
#include <mpi.h>
#endif

static int dist_rank = 0, dist_size = 1;
#ifdef ROLLSIM_MPI
static int dist_on; /* MPI_Init_thread was called */
#define RS_DIST_PIECE ((size_t)1 << 30) /* bytes per MPI call: counts are ints */
#endif

/* How many processes a launcher (mpirun, srun) started, from the variables Open MPI and PMI-2 give them; 1 when
 * none. */
static int launched_size(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (v && atoi(v) > 1)
            return atoi(v);
    }
    return 1;
}

int rs_dist_init(int *argc, char ***argv)
{
#ifdef ROLLSIM_MPI
    /* Started alone (no launcher), rollsim is the plain program: no MPI start-up cost, no singleton runtime. */
    if (launched_size() <= 1 && !getenv("PMIX_RANK")) /* PMIx (srun --mpi=pmix) gives the rank, not the size */
        return -1;
    int provided;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "rollsim: cannot start MPI\n");
        return 1;
    }
    dist_on = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &dist_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &dist_size);
    if (dist_rank != 0) { /* rank 0 speaks for the run: the others' messages reach it through rs_dist_agree */
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            return 1;
    }
    return -1;
#else
    (void)argc;
    (void)argv;
    int n = launched_size();
    if (n > 1) {
        fprintf(stderr, "rollsim: started by an MPI launcher as one of %d processes, but this rollsim was built "
                        "without MPI (each would run everything and write the same files); build with "
                        "-DROLLSIM_MPI=ON (see docs/cluster.md)\n", n);
        return 2;
    }
    return -1;
#endif
}

void rs_dist_finalize(void)
{
#ifdef ROLLSIM_MPI
    if (dist_on)
        MPI_Finalize();
    dist_on = 0;
#endif
}

int rs_dist_rank(void)
{
    return dist_rank;
}

int rs_dist_size(void)
{
    return dist_size;
}

void rs_dist_slice(size_t n, int rank, size_t *lo, size_t *hi)
{
    /* n * rank / K in 128 bits: n may be large and K too */
    size_t k = (size_t)dist_size;
    *lo = (size_t)((unsigned __int128)n * (size_t)rank / k);
    *hi = (size_t)((unsigned __int128)n * ((size_t)rank + 1) / k);
}

rs_status rs_dist_agree(rs_status st, rs_error *err)
{
#ifdef ROLLSIM_MPI
    if (!dist_on || dist_size == 1)
        return st;
    int mine = (int)st, *all = malloc((size_t)dist_size * sizeof *all);
    if (!all) /* cannot agree without memory: end the whole job, not only this rank */
        MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Allgather(&mine, 1, MPI_INT, all, 1, MPI_INT, MPI_COMM_WORLD);
    /* A failure wins over an interruption (the failure is what the user must fix), then the lowest rank. */
    int who = -1;
    for (int k = 0; k < dist_size && who < 0; k++)
        if (all[k] != RS_OK && all[k] != RS_ERR_INTERRUPTED)
            who = k;
    for (int k = 0; k < dist_size && who < 0; k++)
        if (all[k] != RS_OK)
            who = k;
    rs_status agreed = who < 0 ? RS_OK : (rs_status)all[who];
    free(all);
    if (who < 0)
        return RS_OK;
    char msg[sizeof err->msg];
    if (who == dist_rank)
        memcpy(msg, err->msg, sizeof msg);
    MPI_Bcast(msg, (int)sizeof msg, MPI_CHAR, who, MPI_COMM_WORLD);
    msg[sizeof msg - 1] = '\0';
    if (who == dist_rank) {
        if (who != 0)
            rs_error_prefix(err, "rank %d", who);
    } else {
        rs_error_set(err, agreed, __FILE__, __LINE__, "%s", msg);
        if (who != 0)
            rs_error_prefix(err, "rank %d", who);
    }
    return agreed;
#else
    (void)err;
    return st;
#endif
}

int rs_dist_any(int flag)
{
#ifdef ROLLSIM_MPI
    if (dist_on && dist_size > 1) {
        int in = flag != 0, out = 0;
        MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        return out;
    }
#endif
    return flag != 0;
}

uint64_t rs_dist_sum(uint64_t x)
{
#ifdef ROLLSIM_MPI
    if (dist_on && dist_size > 1) {
        uint64_t out = 0;
        MPI_Allreduce(&x, &out, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
        return out;
    }
#endif
    return x;
}

void rs_dist_bcast(void *buf, size_t len, int root)
{
#ifdef ROLLSIM_MPI
    if (!dist_on || dist_size == 1)
        return;
    for (size_t off = 0; off < len; off += RS_DIST_PIECE) {
        size_t n = len - off < RS_DIST_PIECE ? len - off : RS_DIST_PIECE;
        MPI_Bcast((char *)buf + off, (int)n, MPI_BYTE, root, MPI_COMM_WORLD);
    }
#else
    (void)buf;
    (void)len;
    (void)root;
#endif
}

void rs_dist_share(void *base, size_t size, size_t n)
{
    for (int k = 0; k < dist_size; k++) {
        size_t lo, hi;
        rs_dist_slice(n, k, &lo, &hi);
        rs_dist_bcast((char *)base + lo * size, (hi - lo) * size, k);
    }
}

void rs_dist_send(int to, const void *buf, size_t len)
{
#ifdef ROLLSIM_MPI
    if (!dist_on)
        return;
    for (size_t off = 0; off < len; off += RS_DIST_PIECE) {
        size_t n = len - off < RS_DIST_PIECE ? len - off : RS_DIST_PIECE;
        MPI_Send((const char *)buf + off, (int)n, MPI_BYTE, to, 0, MPI_COMM_WORLD);
    }
#else
    (void)to;
    (void)buf;
    (void)len;
#endif
}

void rs_dist_recv(int from, void *buf, size_t len)
{
#ifdef ROLLSIM_MPI
    if (!dist_on)
        return;
    for (size_t off = 0; off < len; off += RS_DIST_PIECE) {
        size_t n = len - off < RS_DIST_PIECE ? len - off : RS_DIST_PIECE;
        MPI_Recv((char *)buf + off, (int)n, MPI_BYTE, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
#else
    (void)from;
    (void)buf;
    (void)len;
#endif
}
