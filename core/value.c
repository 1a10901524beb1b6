#include "value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rs_value_clear(rs_value *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->len; i++) {
        if (v->items)
            rs_value_clear(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    memset(v, 0, sizeof *v);
}

int rs_value_copy(rs_value *dst, const rs_value *src)
{
    memset(dst, 0, sizeof *dst);
    dst->kind = src->kind;
    dst->num = src->num;
    if (src->str && !(dst->str = strdup(src->str)))
        goto oom;
    if (src->len) {
        dst->items = calloc(src->len, sizeof *dst->items);
        if (!dst->items)
            goto oom;
        if (src->keys && !(dst->keys = calloc(src->len, sizeof *dst->keys)))
            goto oom;
        for (size_t i = 0; i < src->len; i++) {
            dst->len = i + 1;
            if (src->keys && !(dst->keys[i] = strdup(src->keys[i])))
                goto oom;
            if (rs_value_copy(&dst->items[i], &src->items[i]))
                goto oom;
        }
    }
    return 0;
oom:
    rs_value_clear(dst);
    return -1;
}

static size_t find_key(const rs_value *table, const char *key, int *found)
{
    size_t lo = 0, hi = table->len;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(table->keys[mid], key);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

const rs_value *rs_value_get(const rs_value *table, const char *key)
{
    if (!table || table->kind != RS_VALUE_TABLE)
        return NULL;
    int found;
    size_t i = find_key(table, key, &found);
    return found ? &table->items[i] : NULL;
}

int rs_value_set(rs_value *table, const char *key, rs_value *val)
{
    int found;
    size_t i = find_key(table, key, &found);
    if (found) {
        rs_value_clear(&table->items[i]);
        table->items[i] = *val;
        memset(val, 0, sizeof *val);
        return 0;
    }
    char *k = strdup(key);
    rs_value *items = realloc(table->items, (table->len + 1) * sizeof *items);
    if (items)
        table->items = items;
    char **keys = realloc(table->keys, (table->len + 1) * sizeof *keys);
    if (keys)
        table->keys = keys;
    if (!k || !items || !keys) {
        free(k);
        return -1;
    }
    memmove(&items[i + 1], &items[i], (table->len - i) * sizeof *items);
    memmove(&keys[i + 1], &keys[i], (table->len - i) * sizeof *keys);
    items[i] = *val;
    keys[i] = k;
    table->len++;
    memset(val, 0, sizeof *val);
    return 0;
}

static size_t format_into(const rs_value *v, char *buf, size_t len)
{
    size_t n = 0;
#define PUT(...)                                                                                         \
    do {                                                                                                 \
        int w_ = snprintf(buf + (n < len ? n : len), n < len ? len - n : 0, __VA_ARGS__);                \
        if (w_ > 0)                                                                                      \
            n += (size_t)w_;                                                                             \
    } while (0)
    switch (v ? v->kind : RS_VALUE_NONE) {
    case RS_VALUE_NONE: PUT("nil"); break;
    case RS_VALUE_NUMBER: PUT("%.15g", v->num); break;
    case RS_VALUE_BOOL: PUT("%s", v->num != 0 ? "true" : "false"); break;
    case RS_VALUE_STRING: PUT("\"%s\"", v->str); break;
    case RS_VALUE_LIST:
    case RS_VALUE_TABLE:
        PUT("{");
        for (size_t i = 0; i < v->len; i++) {
            if (i)
                PUT(", ");
            if (v->kind == RS_VALUE_TABLE)
                PUT("%s = ", v->keys[i]);
            n += format_into(&v->items[i], buf + (n < len ? n : len), n < len ? len - n : 0);
        }
        PUT("}");
        break;
    }
#undef PUT
    return n;
}

void rs_value_format(const rs_value *v, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    format_into(v, buf, len);
}

int rs_parse_duration(const char *text, double *hours)
{
    char *end;
    double x = strtod(text, &end);
    if (end == text || !isfinite(x))
        return -1;
    double unit = 1;
    if (*end) {
        switch (*end) {
        case 's': unit = 1.0 / 3600; break;
        case 'm': unit = 1.0 / 60; break;
        case 'h': unit = 1; break;
        case 'd': unit = 24; break;
        case 'w': unit = 24 * 7; break;
        default: return -1;
        }
        if (end[1])
            return -1;
    }
    *hours = x * unit;
    return 0;
}

rs_value_kind rs_value_kind_of(const rs_value *v)
{
    return v ? v->kind : RS_VALUE_NONE;
}

size_t rs_value_len(const rs_value *v)
{
    return v && (v->kind == RS_VALUE_LIST || v->kind == RS_VALUE_TABLE) ? v->len : 0;
}

const rs_value *rs_value_at(const rs_value *v, size_t i)
{
    return i < rs_value_len(v) ? &v->items[i] : NULL;
}

const char *rs_value_key_at(const rs_value *v, size_t i)
{
    return v && v->kind == RS_VALUE_TABLE && i < v->len ? v->keys[i] : NULL;
}

int rs_value_number(const rs_value *v, double *out)
{
    if (!v || v->kind != RS_VALUE_NUMBER)
        return -1;
    *out = v->num;
    return 0;
}

int rs_value_duration(const rs_value *v, double *hours)
{
    if (v && v->kind == RS_VALUE_STRING)
        return rs_parse_duration(v->str, hours);
    return rs_value_number(v, hours);
}

int rs_value_bool(const rs_value *v, int *out)
{
    if (!v || v->kind != RS_VALUE_BOOL)
        return -1;
    *out = v->num != 0;
    return 0;
}

const char *rs_value_string(const rs_value *v)
{
    return v && v->kind == RS_VALUE_STRING ? v->str : NULL;
}

int rs_value_parse_text(const char *text, rs_value *out)
{
    memset(out, 0, sizeof *out);
    const char *comma = strchr(text, ',');
    if (comma) {
        out->kind = RS_VALUE_LIST;
        for (const char *item = text;;) {
            size_t len = comma ? (size_t)(comma - item) : strlen(item);
            char *one = strndup(item, len);
            rs_value *items = realloc(out->items, (out->len + 1) * sizeof *items);
            if (items)
                out->items = items;
            if (!one || !items || rs_value_parse_text(one, &out->items[out->len])) {
                free(one);
                rs_value_clear(out);
                return -1;
            }
            free(one);
            out->len++;
            if (!comma)
                return 0;
            item = comma + 1;
            comma = strchr(item, ',');
        }
    }
    double x;
    char *end;
    x = strtod(text, &end);
    if (*text && !*end && isfinite(x)) {
        out->kind = RS_VALUE_NUMBER;
        out->num = x;
        return 0;
    }
    if (rs_parse_duration(text, &x) == 0) {
        out->kind = RS_VALUE_NUMBER;
        out->num = x;
        return 0;
    }
    if (!strcmp(text, "true") || !strcmp(text, "false")) {
        out->kind = RS_VALUE_BOOL;
        out->num = text[0] == 't';
        return 0;
    }
    out->kind = RS_VALUE_STRING;
    return (out->str = strdup(text)) ? 0 : -1;
}
