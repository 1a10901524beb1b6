/* Status codes and the error buffer every fallible function fills. */
#ifndef RS_STATUS_H
#define RS_STATUS_H

#include <stdarg.h>

typedef enum rs_status {
    RS_OK = 0,          /* success */
    RS_ERR_INPUT = 2,   /* bad usage or bad input: the message names the file, line or key (exit 2) */
    RS_ERR_RUNTIME = 1, /* simulation or system failure, e.g. an invalid plugin action (exit 1) */
    RS_ERR_INTERRUPTED = 130 /* stopped by a signal (exit 130) */
} rs_status;

/* A message for the user plus where in rollsim's source it was raised (for debugging only). */
typedef struct rs_error {
    char msg[1024];
    const char *src_file;
    int src_line;
} rs_error;

/* Records a formatted message and the source position; returns code. */
rs_status rs_error_set(rs_error *err, rs_status code, const char *src_file, int src_line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Prepends "prefix: " to err->msg. */
void rs_error_prefix(rs_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes list items in a message the way keys are written on the command line (--set, --grid, --param):
 * "stages[2].bake" becomes "stages.2.bake". Only an index of digits right after a name is rewritten. */
void rs_error_dot_indices(char *msg);

/* Sets err and returns code from the calling function. */
#define RS_FAIL(err, code, ...) return rs_error_set((err), (code), __FILE__, __LINE__, __VA_ARGS__)
/* Sets err without returning (for cleanup paths). */
#define RS_SET(err, code, ...) rs_error_set((err), (code), __FILE__, __LINE__, __VA_ARGS__)

#endif
