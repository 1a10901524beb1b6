#include "cli.h"
#include "dist.h"

int main(int argc, char **argv)
{
    int rc = rs_dist_init(&argc, &argv); /* MPI, when built with it and started by mpirun or srun */
    if (rc >= 0)
        return rc;
    rc = rs_cli_main(argc, argv);
    rs_dist_finalize();
    return rc;
}
