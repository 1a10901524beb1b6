#include "eventlog.h"

#include <stdio.h>
#include <stdlib.h>

void rs_log_add(rs_run_log *log, double t, const char *kind, int version, double value, const char *detail)
{
    if (log->len == log->cap) {
        size_t cap = log->cap ? 2 * log->cap : 64;
        rs_log_entry *e = realloc(log->entries, cap * sizeof *e);
        if (!e) {
            log->oom = 1;
            return;
        }
        log->entries = e;
        log->cap = cap;
    }
    rs_log_entry *e = &log->entries[log->len++];
    e->t = t;
    e->version = version;
    e->value = value;
    snprintf(e->kind, sizeof e->kind, "%s", kind ? kind : "");
    snprintf(e->detail, sizeof e->detail, "%s", detail ? detail : "");
}

void rs_log_clear(rs_run_log *log)
{
    log->len = 0;
    log->oom = 0;
}

void rs_log_free(rs_run_log *log)
{
    if (!log)
        return;
    free(log->entries);
    log->entries = NULL;
    log->len = log->cap = 0;
}
