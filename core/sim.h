/* The simulation of one replication (SPEC §2, §9): the clock of decisions, samples, scripted events and
 * releases, the policy's observations and actions, routing and the results, driving one of two engines for the
 * traffic (core/engine.h), chosen by the scenario's `mode`: exact (every request an event, every user its own
 * flags; core/exact.c) or cohort (counts per cell drawn per step of dt hours; core/cohort.c). An rs_sim is
 * allocated once and reused for any number of replications; running one allocates nothing per event. */
#ifndef RS_SIM_H
#define RS_SIM_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "eventlog.h"
#include "plugin.h"
#include "scenario.h"
#include "status.h"

/* Latency samples kept per version and window (rs_observation.latency_*). */
#define RS_LATENCY_CAPACITY 2048

typedef enum rs_outcome {
    RS_OUTCOME_PROMOTED = 0, /* a candidate reached every user and was not rolled back */
    RS_OUTCOME_ROLLED_BACK,
    RS_OUTCOME_INCOMPLETE /* the horizon came mid-rollout */
} rs_outcome;

const char *rs_outcome_name(rs_outcome o);

typedef struct rs_rep_result {
    rs_outcome outcome;
    int bad;               /* some candidate is bad (§2) */
    int promoted_bad;      /* the promoted candidate is bad: an escape */
    double time_to_full;   /* first time a candidate covered every user, or NaN */
    double rollback_time;  /* or NaN */
    double p_at_rollback;  /* P(t) just before the rollback, or NaN */
    int stage_reached;     /* the policy's stage when it stopped, or at the horizon */
    uint64_t harm;         /* candidate error responses */
    double excess_harm;    /* harm minus the baseline's expected errors on the same requests */
    uint64_t harmed_users; /* distinct users with >= 1 candidate error */
    uint64_t exposed;      /* distinct users with >= 1 candidate response */
    uint64_t requests;     /* all requests simulated */
    uint64_t cand_requests;
    double regret;         /* pseudo-regret: sum over requests of (mu* - mu of the version served), see engine.h */
    /* Issue 16, NaN unless the scenario models quality: the candidates' wrong answers (false positives and
     * negatives, on every request, labelled or not) beyond what the baseline's accuracy would give on the same
     * requests, in expectation; and the candidates' labels arrived by the horizon, and still in flight. */
    double excess_wrong;
    double cand_labels, cand_labels_in_flight;
    /* the first candidate's true recall, precision, accuracy, F1 (at the scenario's prevalence), NaN unless the
     * scenario models quality */
    double true_recall, true_precision, true_accuracy, true_f1;
} rs_rep_result;

/* One row of curves.csv (the weights per candidate are kept beside, see rs_sim_samples). */
typedef struct rs_sample {
    double t;
    uint64_t n;       /* users routed to a candidate */
    uint64_t exposed; /* distinct users exposed so far */
    uint64_t harmed;  /* distinct users harmed so far */
    int stage;
    double regret;    /* pseudo-regret so far */
    /* issue 16 (scenarios with labels): the candidates' labels arrived by t, and those in flight */
    uint64_t lab_tp, lab_fp, lab_fn, lab_tn, lab_in_flight;
} rs_sample;

typedef struct rs_sim rs_sim;

/* Prepares a simulation of scenario s with the policy type t and its resolved parameters (both must outlive
 * the simulation; nothing is copied). Caller frees with rs_sim_free. RS_ERR_INPUT when the engine refuses the
 * scenario: exact mode with more users than memory holds, cohort mode with no step fitting its times. */
rs_status rs_sim_alloc(const rs_scenario *s, const rs_policy_type *t, const rs_value *params, rs_sim **out,
                       rs_error *err);
void rs_sim_free(rs_sim *sim);

/* While *stop is non-zero, a running replication ends early with RS_ERR_INTERRUPTED. stop may be NULL. */
void rs_sim_set_stop(rs_sim *sim, const volatile sig_atomic_t *stop);

/* Creates and destroys the policy once, so that bad parameters are reported before a run writes anything.
 * RS_ERR_INPUT with the plugin's message on failure. */
rs_status rs_sim_check_policy(rs_sim *sim, rs_error *err);

/* Runs replication rep (streams derived from (s->seed, rep)). Invalid plugin actions and plugin failures are
 * RS_ERR_RUNTIME, bad parameters found by the plugin's create() RS_ERR_INPUT, each naming the plugin. */
rs_status rs_sim_run(rs_sim *sim, uint32_t rep, rs_rep_result *res, rs_error *err);

/* The samples of the last replication: *n rows; weights holds n_candidates values per row (candidate
 * order = version order without the baseline): each candidate's share of all users. Owned by sim. */
const rs_sample *rs_sim_samples(const rs_sim *sim, size_t *n, const double **weights);
/* The per-(version, segment) counters of the last replication (index v * n_segments + s): requests, errors,
 * successes; *exposed the distinct users of the segment exposed to the version; *routed the users routed to it
 * at the end. Owned by sim. */
const rs_counts *rs_sim_cells(const rs_sim *sim, const uint64_t **exposed, const uint64_t **routed);

/* Cohort mode's step dt in hours (the scenario's, or the default worked out from the times it asks for);
 * 0 in exact mode. */
double rs_sim_step(const rs_sim *sim);

/* The event log of the last replication. Owned by sim. */
const rs_run_log *rs_sim_log(const rs_sim *sim);

/* Issue 16: the labels and feedback of the last replication that arrived by the horizon, per (version,
 * segment) cell, and *in_flight per version those that had not; NULL when the scenario gives no labels. Owned
 * by sim. */
const rs_confusion *rs_sim_labels(const rs_sim *sim, const uint64_t **in_flight);
/* Issue 16: labels and feedback sent per cell (arrived or not) in the last replication; NULL without labels. */
const uint64_t *rs_sim_labels_sent(const rs_sim *sim);

#endif
