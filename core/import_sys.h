/* What import.c shares with the per-system importers (import_argo.c, import_flagger.c): the documents, the
 * streams a scenario is written into, metric mapping and warnings. Internal to rollsim's import. */
#ifndef RS_IMPORT_SYS_H
#define RS_IMPORT_SYS_H

#include <stdio.h>

#include "import.h"
#include "manifest.h"

typedef struct rs_imp {
    const rs_import_options *opt;
    rs_manifest *files;
    size_t n_files;
    FILE *warn;        /* the user's warnings (may be NULL): written there only when the import succeeds */
    FILE *warnings;    /* the warnings until then */
    FILE *notes;       /* "how the manifest maps" comment lines of the scenario, without "-- " */
    FILE *skipped;     /* the "not simulated" comment lines */
    FILE *policy;      /* the policy table's text */
    char what[256];    /* e.g. Argo Rollouts Rollout "demo" */
    double duration;   /* hours the rollout takes when every check passes (sets the horizon) */
    int latency;       /* a latency metric is used: the versions need latencies */
    int manual_pause;  /* the scenario defines `manual_pause` */
    int canary_weight; /* the scenario defines `canary_weight` (Spinnaker: the canary cluster's share) */
    rs_error *err;
} rs_imp;

/* A document's kind, apiVersion-independent ("Rollout", "Canary", ...), or NULL. */
const char *rs_imp_kind(const rs_mnode *doc);
/* metadata.name, or "" */
const char *rs_imp_name(const rs_mnode *doc);

/* One warning: printed as "rollsim: warning: FILE:LINE: ..." and kept for the scenario's comment. */
void rs_imp_warn(rs_imp *im, const rs_mnode *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Sets im->err to "FILE:LINE: ..." (RS_ERR_INPUT) and returns RS_ERR_INPUT. */
rs_status rs_imp_fail(rs_imp *im, const rs_mnode *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The rollsim metric for the manifest's metric `name` (--map, else the name with '-' as '_', lower case);
 * RS_ERR_INPUT naming it and listing rollsim's metrics when there is none. *out is static storage. */
rs_status rs_imp_metric(rs_imp *im, const rs_mnode *at, const char *name, const char **out);

/* A scalar as a whole number (plain or quoted digits): 0, or RS_ERR_INPUT naming `what`. */
rs_status rs_imp_int(rs_imp *im, const rs_mnode *n, const char *what, long lo, long hi, long *out);
/* A number: 0, or RS_ERR_INPUT. */
rs_status rs_imp_number(rs_imp *im, const rs_mnode *n, const char *what, double *out);

/* Writes hours as rollsim's helpers write them: hours(2), minutes(5), minutes(0.5). */
void rs_imp_duration(FILE *f, double hours);

rs_status rs_import_argo(rs_imp *im, const rs_mnode *rollout);
rs_status rs_import_flagger(rs_imp *im, const rs_mnode *canary);
/* Whether doc is a Kayenta canary config (*is_config 1) or holds a kayentaCanary stage (a stage, a pipeline). */
int rs_imp_is_spinnaker(const rs_mnode *doc, int *is_config);
/* config: the canary config; stage_doc: the document holding the stage (NULL: refused, naming what is missing). */
rs_status rs_import_spinnaker(rs_imp *im, const rs_mnode *config, const rs_mnode *stage_doc);

#endif
