#include "gates.h"

#include <gsl/gsl_cdf.h>
#include <math.h>

rs_gate_result rs_gate_ztest(const rs_ztest_input *in, double *z_out)
{
    double nc = (double)in->cand_requests, nb = (double)in->base_requests;
    double xc = (double)in->cand_errors, xb = (double)in->base_errors;
    if (z_out)
        *z_out = NAN;
    if (nc <= 0 || nb <= 0 || xc + xb <= 0 || xc + xb >= nc + nb || !(in->alpha > 0 && in->alpha < 1))
        return RS_GATE_NO_DATA;
    double p = (xc + xb) / (nc + nb);
    double z = (xc / nc - xb / nb) / sqrt(p * (1 - p) * (1 / nc + 1 / nb));
    if (z_out)
        *z_out = z;
    return z > gsl_cdf_ugaussian_Qinv(in->alpha) ? RS_GATE_FAIL : RS_GATE_PASS;
}
