/* The table of services the core hands to policy plugins (rs_host of include/rollsim/policy.h). */
#ifndef RS_HOST_H
#define RS_HOST_H

#include <gsl/gsl_rng.h>

#include "rollsim/policy.h"

struct rs_rng {
    gsl_rng *g; /* the replication's policy stream; owned by the simulation */
};

/* The one host table; static storage, never freed. */
const rs_host *rs_host_table(void);

#endif
