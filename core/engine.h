/* Simulation engines (SPEC §9): how the traffic of one replication is produced between two instants. The rest of
 * a replication -- the clock of decisions, samples, scripted events and releases, the observation a policy
 * sees, action validation, sticky routing bands, gates, latency windows, the result -- is the same for every
 * engine and lives in core/sim.c, which drives an engine through the table below (in the manner of GSL's
 * algorithm types: a const table per engine, chosen by name; the framework owns the shared state and calls
 * the engine's operations on it).
 *
 *   exact  (core/exact.c)  every request an event, every user its own flags; users superposed per segment.
 *   cohort (core/cohort.c) per step of dt hours and per (segment, version) cell, the counts drawn from their
 *                          exact distributions; users tracked by class, not one by one.
 *
 * Internal to the core: nothing here is part of the plugin ABI. */
#ifndef RS_ENGINE_H
#define RS_ENGINE_H

#include <gsl/gsl_rng.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "eventlog.h"
#include "host.h"
#include "labels.h"
#include "plugin.h"
#include "queue.h"
#include "reservoir.h"
#include "routing.h"
#include "scenario.h"
#include "sim.h"
#include "status.h"

/* Per-user state, shared by both engines: one exposure bit per candidate (candidate ordinal k -> bit k, so
 * each version's distinct exposed users are exact), plus "exposed to any candidate" and "harmed". Exact mode
 * keeps one per user (two bytes); cohort mode counts the users of each value per class. */
typedef uint16_t rs_user_flags;
#define RS_FLAG_EXPOSED_ANY ((rs_user_flags)0x8000u)
#define RS_FLAG_HARMED ((rs_user_flags)0x4000u)
#define RS_MAX_CANDIDATES 14

typedef struct rs_engine_type {
    const char *name;
    /* Allocates the engine's state for sim (its scenario, sizes and streams are set); *state is freed with
     * free_state. RS_ERR_INPUT for a scenario the engine refuses (with the reason), RS_ERR_RUNTIME when out of
     * memory. */
    rs_status (*alloc)(rs_sim *sim, void **state, rs_error *err);
    void (*free_state)(void *state);
    /* Start of a replication, after the shared state was reset and the versions drawn: clears per-user state
     * and starts the traffic at t = 0. */
    rs_status (*start)(rs_sim *sim, void *state, rs_error *err);
    /* Simulates the traffic of [now, until): counts into sim->cells, exposure and harm into sim->exposed_cell,
     * sim->exposed_any, sim->harmed_any, latencies into the reservoirs (rs_sim_latency_*). */
    rs_status (*advance)(rs_sim *sim, void *state, double until, rs_error *err);
    /* The routing bands changed at `now` (sim->routing is the new one). May be NULL. */
    void (*routed)(rs_sim *sim, void *state, double now);
    /* Segment s's request rate changed at `now` (sim->seg_rate[s] is the new one). May be NULL. */
    rs_status (*rate_changed)(rs_sim *sim, void *state, size_t s, double now, rs_error *err);
} rs_engine_type;

extern const rs_engine_type *const rs_engine_exact;
extern const rs_engine_type *const rs_engine_cohort;

/* The shared state of one simulation. Engines read the scenario, routing, thresholds and rates, and write the
 * counters, exposure totals and latency reservoirs; everything else belongs to core/sim.c. */
struct rs_sim {
    const rs_scenario *sc;
    const rs_policy_type *type;
    const rs_value *params;
    const rs_engine_type *engine;
    void *engine_state;
    size_t nv, ns, nc; /* versions, segments, candidates */
    size_t n_cells;
    double dt; /* cohort mode's step (hours); 0 in exact mode */

    double *seg_rate; /* current mean requests per user per hour, per segment (scripted events change it) */
    uint64_t *segment_users;
    const char **version_names, **segment_names;
    int *cand_of;        /* version -> candidate ordinal, -1 for the baseline */
    double *err_thr;     /* per cell: error iff u < err_thr (the error probability) */
    double *succ_thr;    /* per cell: success iff err_thr <= u < succ_thr */
    rs_counts *cells;    /* cumulative counters per cell */
    rs_counts *snapshot; /* cells at the previous decision */
    rs_counts *since;
    rs_version_obs *vobs;
    uint64_t *exposed_cell; /* distinct users of a segment exposed to a version, per cell */
    double *req_weights;    /* the policy's weights; routed weights are these with unreleased versions at 0 */
    unsigned char *released;
    double *cur_error, *cur_success; /* this replication's version rates, after scripted changes */
    uint64_t *prev_users;  /* users per version before the decision being applied */
    uint64_t *excess_snap; /* candidate requests per segment at the last excess-harm checkpoint */
    double expected_base;  /* the baseline's expected errors on the candidates' requests so far */
    uint64_t exposed_any, harmed_any;

    rs_routing routing;
    double *act_weights;
    rs_queue queue;
    gsl_rng *arrivals, *outcomes, *policy_rng, *versions_rng, *latency_rng;
    /* Latency (only when some version has one): per cell the lognormal's median (ms) with the segment's effect,
     * per version its log-sd, and per version two reservoirs: since the last decision, since the stage began. */
    int has_latency;
    double *lat_median, *lat_sigma;
    rs_reservoir *lat_interval, *lat_stage;
    const double **lat_interval_ptr, **lat_stage_ptr;
    size_t *lat_interval_n, *lat_stage_n;
    rs_version_draw *draws; /* this replication's version parameters */
    struct rs_rng policy_stream;
    rs_run_log log;

    /* Per-request routing (rs_action.route / observe, exact mode only): while per_request is set the engine asks
     * route() for each request's version and reports the outcome to observe(), the functions the policy's last
     * action gave. A route() answer that is not a released version is served by the
     * baseline and remembered in bad_route (version + 1) for core/sim.c to report. Other policies' hot path never
     * sees these: the engine picks its loop once per advance(). */
    int per_request;
    uint32_t (*route)(void *state, size_t segment, uint64_t user);
    void (*observe)(void *state, uint32_t version, size_t segment, int error, int success);
    uint64_t bad_route;

    /* Pseudo-regret (SPEC §2, issue 12): sum over requests of (mu* - mu of the version served), mu = P(success)
     * = (1 - error) * success of the cell, mu* the best released version's in the segment at that time. Kept
     * per cell from the counters, at checkpoints (rate changes, releases, samples, the end), so no engine pays
     * for it per request. */
    double regret;
    double *mu_star;        /* per segment */
    uint64_t *regret_snap;  /* requests per cell at the last checkpoint */

    /* Labels and feedback (issue 16), only when the scenario gives some (has_labels): the exact engine
     * compiles its request loop with them only then, so other scenarios pay nothing. */
    int has_labels;
    rs_labels_rt labels;

    rs_sample *samples;
    double *sample_w; /* n_samples * nc */
    size_t n_samples, max_samples;
    void *state;
    const volatile sig_atomic_t *stop;
    unsigned tiny_steps; /* decisions in a row less than horizon / 10^7 after the one before (core/sim.c) */
};

/* k requests of cell c (version v) at once: each window's reservoir becomes what it would be after k more
 * requests, in law (core/cohort.c). */
void rs_sim_latency_batch(rs_sim *sim, size_t v, size_t c, uint64_t k);

/* Big-count draws for the cohort engine, exact for any count (GSL's take 32-bit counts): Poisson(mu),
 * Binomial(n, p), and Hypergeometric: successes among n draws without replacement from N items of which K are
 * successes. */
uint64_t rs_draw_poisson(gsl_rng *r, double mu);
uint64_t rs_draw_binomial(gsl_rng *r, double p, uint64_t n);
uint64_t rs_draw_hypergeometric(gsl_rng *r, uint64_t N, uint64_t K, uint64_t n);

#endif
