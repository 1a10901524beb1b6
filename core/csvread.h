/* A CSV reader for rollsim's own output files (runs.csv, events.csv, sweep.csv, optimize.csv ...): RFC 4180
 * quoting (a label may contain commas, quotes or newlines), one record at a time. Used by the plots and the
 * HTML report, which both read an output folder back. */
#ifndef ROLLSIM_CSVREAD_H
#define ROLLSIM_CSVREAD_H

#include <stddef.h>
#include <stdio.h>

#include "status.h"

typedef struct rs_csv {
    FILE *f;
    char path[4096];
    char *buf;
    size_t len, cap;
    size_t *start; /* field offsets into buf */
    size_t nf, fcap;
    size_t line;
} rs_csv;

/* Opens DIR/NAME and reads its header; cols[i] gets the index of column names[i] (all must be there, else
 * RS_ERR_INPUT naming the file and column). Call rs_csv_close whatever it returns. */
rs_status rs_csv_open(rs_csv *c, const char *dir, const char *name, const char *const *names, int *cols,
                      size_t n_names, rs_error *err);
/* Reads one record: 1, or 0 at the end of the file, or -1 (out of memory, unterminated quote). */
int rs_csv_next(rs_csv *c);
/* Field col of the current record ("" when the record has no such field); valid until the next rs_csv_next. */
const char *rs_csv_get(const rs_csv *c, int col);
/* Field col as a number; NaN when it is empty or not wholly a number. */
double rs_csv_num(const rs_csv *c, int col);
/* The header's index of column name, or -1. Only right after rs_csv_open. */
int rs_csv_column(const rs_csv *c, const char *name);
void rs_csv_close(rs_csv *c);

#endif
