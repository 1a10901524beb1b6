#include "host.h"

#include <gsl/gsl_randist.h>

#include "eventlog.h"
#include "gates.h"
#include "gp.h"
#include "rng.h"
#include "seqtest.h"
#include "value.h"

static double host_uniform(rs_rng *r)
{
    return rs_rng_uniform(r->g);
}

static double host_gaussian(rs_rng *r, double sigma)
{
    return gsl_ran_gaussian_ziggurat(r->g, sigma);
}

static double host_beta(rs_rng *r, double a, double b)
{
    return gsl_ran_beta(r->g, a, b);
}

static void host_log_event(rs_run_log *log, const char *kind, int version, double value, const char *detail)
{
    if (log)
        rs_log_add(log, log->now, kind, version, value, detail);
}

static const rs_host host = {
    .abi_version = RS_POLICY_ABI_VERSION,
    .struct_size = sizeof(rs_host),
    .value_kind = rs_value_kind_of,
    .value_get = rs_value_get,
    .value_len = rs_value_len,
    .value_at = rs_value_at,
    .value_key_at = rs_value_key_at,
    .value_number = rs_value_number,
    .value_duration = rs_value_duration,
    .value_string = rs_value_string,
    .rng_uniform = host_uniform,
    .rng_gaussian = host_gaussian,
    .rng_beta = host_beta,
    .gate_ztest = rs_gate_ztest,
    .log_event = host_log_event,
    .value_bool = rs_value_bool,
    .gate_bayes = rs_bayes_gate,
    .gate_msprt = rs_msprt_gate,
    .confseq_lower = rs_confseq_lower,
    .confseq_rho2 = rs_confseq_rho2,
    .gate_create = rs_gate_create,
    .gate_stage = rs_gate_stage,
    .gate_next = rs_gate_next,
    .gate_check = rs_gate_check,
    .gate_free = rs_gate_free,
    .gp_alloc = rs_gp_alloc,
    .gp_free = rs_gp_free,
    .gp_add = rs_gp_add,
    .gp_set_hyper = rs_gp_set_hyper,
    .gp_fit = rs_gp_fit,
    .gp_predict = rs_gp_predict,
    .gp_ei = rs_gp_ei,
    .gp_lml = rs_gp_lml,
};

const rs_host *rs_host_table(void)
{
    return &host;
}
