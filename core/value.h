/* Parameter value trees (rs_value of include/rollsim/policy.h): what a scenario's policy table becomes once
 * it leaves Lua, so that plugins never touch Lua. A tree owns all its nodes and strings. */
#ifndef RS_VALUE_H
#define RS_VALUE_H

#include <stddef.h>

#include "rollsim/policy.h"

struct rs_value {
    rs_value_kind kind;
    double num;      /* NUMBER, BOOL (0/1) */
    char *str;       /* STRING */
    size_t len;      /* LIST, TABLE */
    char **keys;     /* TABLE: sorted keys */
    rs_value *items; /* LIST, TABLE: len nodes */
};

/* Frees the children and strings of v (not v itself). NULL does nothing. */
void rs_value_clear(rs_value *v);

/* Deep copy of src into *dst. Returns 0, -1 when out of memory (dst is then cleared). */
int rs_value_copy(rs_value *dst, const rs_value *src);

/* Returns the node for key in a table, or NULL. */
const rs_value *rs_value_get(const rs_value *table, const char *key);
/* Adds or replaces key in a table (keeps keys sorted); takes ownership of *val's contents. -1 on OOM. */
int rs_value_set(rs_value *table, const char *key, rs_value *val);

/* Renders v compactly ("0.05", "{0.01, 0.05, 1}", "{bake = 12, weight = 0.5}") into buf. */
void rs_value_format(const rs_value *v, char *buf, size_t len);

/* Parses a duration or number: "6" (hours), "30m", "6h", "2d", "45s". Returns 0 and *hours, or -1. */
int rs_parse_duration(const char *text, double *hours);

/* Parses text as a command-line value: "0.05" (number), "6h" (duration -> hours), "true"/"false",
 * "0.01,0.1,1" (a list of such values), anything else a string. Fills *out (free with rs_value_clear);
 * returns -1 when out of memory. */
int rs_value_parse_text(const char *text, rs_value *out);

/* The accessors handed to plugins through rs_host. */
rs_value_kind rs_value_kind_of(const rs_value *v);
size_t rs_value_len(const rs_value *v);
const rs_value *rs_value_at(const rs_value *v, size_t i);
const char *rs_value_key_at(const rs_value *v, size_t i);
int rs_value_number(const rs_value *v, double *out);
int rs_value_duration(const rs_value *v, double *hours);
const char *rs_value_string(const rs_value *v);
int rs_value_bool(const rs_value *v, int *out);

#endif
