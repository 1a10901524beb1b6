#include "status.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

rs_status rs_error_set(rs_error *err, rs_status code, const char *src_file, int src_line, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    /* printf writes a NaN as "nan" or "-nan" (the sign of a NaN means nothing): say NaN */
    for (char *p = err->msg; (p = strstr(p, "nan")) != NULL; p++) {
        char *from = p > err->msg && p[-1] == '-' ? p - 1 : p;
        int word = (from == err->msg || !(isalnum((unsigned char)from[-1]) || from[-1] == '_' || from[-1] == '.')) &&
                   !(isalnum((unsigned char)p[3]) || p[3] == '_');
        if (word) {
            memmove(from + 3, p + 3, strlen(p + 3) + 1);
            memcpy(from, "NaN", 3);
            p = from + 2;
        }
    }
    err->src_file = src_file;
    err->src_line = src_line;
    return code;
}

void rs_error_prefix(rs_error *err, const char *fmt, ...)
{
    char head[512], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t n = strlen(head);
    if (n > sizeof err->msg - 3)
        n = sizeof err->msg - 3;
    memcpy(err->msg, head, n);
    memcpy(err->msg + n, ": ", 2);
    size_t rest = sizeof err->msg - n - 3;
    size_t m = strnlen(old, rest);
    memcpy(err->msg + n + 2, old, m);
    err->msg[n + 2 + m] = '\0';
}

void rs_error_dot_indices(char *msg)
{
    char *w = msg;
    for (const char *r = msg; *r;) {
        int name_before = w > msg && (isalnum((unsigned char)w[-1]) || w[-1] == '_');
        if (*r == '[' && name_before && isdigit((unsigned char)r[1])) {
            const char *d = r + 1;
            while (isdigit((unsigned char)*d))
                d++;
            if (*d == ']') { /* "[12]" -> ".12" */
                *w++ = '.';
                for (const char *c = r + 1; c < d; c++)
                    *w++ = *c;
                r = d + 1;
                continue;
            }
        }
        *w++ = *r++;
    }
    *w = '\0';
}
