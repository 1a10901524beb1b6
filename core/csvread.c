/* A CSV reader for rollsim's own output files (see csvread.h). */
#include "csvread.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int csv_put(rs_csv *c, char ch)
{
    if (c->len == c->cap) {
        size_t n = c->cap ? 2 * c->cap : 256;
        char *q = realloc(c->buf, n);
        if (!q)
            return -1;
        c->buf = q;
        c->cap = n;
    }
    c->buf[c->len++] = ch;
    return 0;
}

static int csv_field_start(rs_csv *c)
{
    if (c->nf == c->fcap) {
        size_t n = c->fcap ? 2 * c->fcap : 64;
        size_t *q = realloc(c->start, n * sizeof *q);
        if (!q)
            return -1;
        c->start = q;
        c->fcap = n;
    }
    c->start[c->nf++] = c->len;
    return 0;
}

/* Reads one record: 1, or 0 at the end of the file, or -1 (out of memory, unterminated quote). */
int rs_csv_next(rs_csv *c)
{
    int ch = getc(c->f);
    if (ch == EOF)
        return 0;
    c->len = c->nf = 0;
    c->line++;
    if (csv_field_start(c))
        return -1;
    int quoted = 0;
    for (; ch != EOF; ch = getc(c->f)) {
        if (quoted) {
            if (ch == '"') {
                int next = getc(c->f);
                if (next != '"') {
                    quoted = 0;
                    if (next != EOF)
                        ungetc(next, c->f);
                    continue;
                }
            } else if (ch == '\n') {
                c->line++;
            }
            if (csv_put(c, (char)ch))
                return -1;
            continue;
        }
        if (ch == '\n')
            break;
        if (ch == '\r')
            continue;
        if (ch == '"') {
            quoted = 1;
        } else if (ch == ',') {
            if (csv_put(c, '\0') || csv_field_start(c))
                return -1;
        } else if (csv_put(c, (char)ch)) {
            return -1;
        }
    }
    if (quoted)
        return -1;
    return csv_put(c, '\0') ? -1 : 1;
}

const char *rs_csv_get(const rs_csv *c, int col)
{
    return col >= 0 && (size_t)col < c->nf ? c->buf + c->start[col] : "";
}

double rs_csv_num(const rs_csv *c, int col)
{
    const char *s = rs_csv_get(c, col);
    char *end;
    double x = strtod(s, &end);
    return *s && end != s && !*end ? x : NAN;
}

void rs_csv_close(rs_csv *c)
{
    if (c->f)
        fclose(c->f);
    free(c->buf);
    free(c->start);
}

rs_status rs_csv_open(rs_csv *c, const char *dir, const char *name, const char *const *names, int *cols,
                      size_t n_names, rs_error *err)
{
    memset(c, 0, sizeof *c);
    snprintf(c->path, sizeof c->path, "%s/%s", dir, name);
    c->f = fopen(c->path, "r");
    if (!c->f)
        RS_FAIL(err, RS_ERR_INPUT, "%s: cannot open: %s", c->path, strerror(errno));
    int r = rs_csv_next(c);
    if (r < 0)
        RS_FAIL(err, RS_ERR_INPUT, "%s: cannot read its header", c->path);
    for (size_t i = 0; i < n_names; i++) {
        cols[i] = -1;
        for (size_t k = 0; r > 0 && k < c->nf; k++)
            if (!strcmp(rs_csv_get(c, (int)k), names[i]))
                cols[i] = (int)k;
        if (cols[i] < 0)
            RS_FAIL(err, RS_ERR_INPUT, "%s: no column \"%s\"", c->path, names[i]);
    }
    return RS_OK;
}


int rs_csv_column(const rs_csv *c, const char *name)
{
    for (size_t k = 0; k < c->nf; k++)
        if (!strcmp(rs_csv_get(c, (int)k), name))
            return (int)k;
    return -1;
}
