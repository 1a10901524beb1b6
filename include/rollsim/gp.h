/* rollsim's Gaussian-process regression, as plugins see it: an opaque model and its kernels. The functions
 * themselves come through the rs_host table of rollsim/policy.h (gp_alloc, gp_add, ...), so a plugin never
 * links against rollsim's symbols. Inputs are meant to lie in [0, 1]^dim (the hyper-parameter bounds of
 * gp_fit assume so).
 *
 * This header compiles as C (C99 or later) and as C++. */
#ifndef ROLLSIM_GP_H
#define ROLLSIM_GP_H

#ifdef __cplusplus
extern "C" {
#endif

/* Covariance functions, each with a length scale per input (ARD). */
typedef enum rs_gp_kernel {
    RS_GP_SE = 0,      /* squared exponential: s2 exp(-r^2 / 2) */
    RS_GP_MATERN52 = 1 /* Matern 5/2: s2 (1 + sqrt5 r + 5 r^2 / 3) exp(-sqrt5 r) */
} rs_gp_kernel;

/* Opaque: a GP model with its observations and hyper-parameters. */
typedef struct rs_gp rs_gp;

#ifdef __cplusplus
}
#endif

#endif /* ROLLSIM_GP_H */
