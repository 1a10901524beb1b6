/* The per-replication event log behind events.csv: stage changes, gate results, rollbacks, promotions.
 * Written at decisions only, never per request. */
#ifndef RS_EVENTLOG_H
#define RS_EVENTLOG_H

#include <stddef.h>

#include "rollsim/policy.h"

typedef struct rs_log_entry {
    double t;
    int version; /* -1 when not about one version */
    double value;
    char kind[16];
    char detail[176];
} rs_log_entry;

struct rs_run_log {
    rs_log_entry *entries;
    size_t len, cap;
    double now; /* time stamped on entries added through the plugin callback */
    int oom;    /* an entry was dropped for lack of memory */
};

/* Appends an entry (the log grows as needed; free with rs_log_free). */
void rs_log_add(rs_run_log *log, double t, const char *kind, int version, double value, const char *detail);
void rs_log_clear(rs_run_log *log);
void rs_log_free(rs_run_log *log);

#endif
