#include "manifest.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <yaml.h>

static void node_free(rs_mnode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++)
        node_free(n->items[i]);
    free(n->items);
    free(n->key);
    free(n->text);
    free(n);
}

void rs_manifest_free(rs_manifest *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_docs; i++)
        node_free(m->docs[i]);
    free(m->docs);
    free(m->path);
    memset(m, 0, sizeof *m);
}

static int push(rs_mnode ***items, size_t *n, rs_mnode *x)
{
    rs_mnode **grown = realloc(*items, (*n + 1) * sizeof *grown);
    if (!grown)
        return -1;
    grown[(*n)++] = x;
    *items = grown;
    return 0;
}

typedef struct reader {
    yaml_parser_t parser;
    const char *path; /* the manifest's own copy: every node points to it */
    rs_error *err;
} reader;

static rs_status parse_error(reader *r)
{
    const yaml_parser_t *p = &r->parser;
    const yaml_mark_t *m = &p->problem_mark; /* libyaml's marks are 0-based */
    if (p->context)
        RS_FAIL(r->err, RS_ERR_INPUT, "%s:%zu:%zu: YAML syntax error: %s (%s that starts at line %zu)", r->path,
                m->line + 1, m->column + 1, p->problem ? p->problem : "malformed", p->context,
                p->context_mark.line + 1);
    RS_FAIL(r->err, RS_ERR_INPUT, "%s:%zu:%zu: YAML syntax error: %s", r->path, m->line + 1, m->column + 1,
            p->problem ? p->problem : "malformed");
}

/* Reads the node whose first event is *ev (consumed here) and everything inside it. */
static rs_status read_node(reader *r, yaml_event_t *ev, rs_mnode **out)
{
    rs_mnode *n = calloc(1, sizeof *n);
    if (!n) {
        yaml_event_delete(ev);
        RS_FAIL(r->err, RS_ERR_RUNTIME, "out of memory");
    }
    n->file = r->path;
    n->line = (int)ev->start_mark.line + 1;
    n->col = (int)ev->start_mark.column + 1;
    rs_status st = RS_OK;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        n->kind = RS_MNODE_SCALAR;
        n->text = strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
        n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
        if (!n->text)
            st = RS_SET(r->err, RS_ERR_RUNTIME, "out of memory");
        yaml_event_delete(ev);
        break;
    case YAML_ALIAS_EVENT:
        st = RS_SET(r->err, RS_ERR_INPUT, "%s:%d:%d: YAML aliases (*%s) are not supported: write the value out",
                    r->path, n->line, n->col, (const char *)ev->data.alias.anchor);
        yaml_event_delete(ev);
        break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        int is_map = ev->type == YAML_MAPPING_START_EVENT;
        yaml_event_type_t end = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
        n->kind = is_map ? RS_MNODE_MAP : RS_MNODE_SEQ;
        yaml_event_delete(ev);
        for (;;) {
            yaml_event_t e;
            if (!yaml_parser_parse(&r->parser, &e)) {
                st = parse_error(r);
                break;
            }
            if (e.type == end) {
                yaml_event_delete(&e);
                break;
            }
            char *key = NULL;
            if (is_map) {
                if (e.type != YAML_SCALAR_EVENT) {
                    st = RS_SET(r->err, RS_ERR_INPUT, "%s:%zu:%zu: expected a plain key, got a %s", r->path,
                                e.start_mark.line + 1, e.start_mark.column + 1,
                                e.type == YAML_ALIAS_EVENT ? "YAML alias" : "table or list as a key");
                    yaml_event_delete(&e);
                    break;
                }
                key = strndup((const char *)e.data.scalar.value, e.data.scalar.length);
                yaml_event_delete(&e);
                if (!key || !yaml_parser_parse(&r->parser, &e)) {
                    free(key);
                    st = key ? parse_error(r) : RS_SET(r->err, RS_ERR_RUNTIME, "out of memory");
                    break;
                }
            }
            rs_mnode *child = NULL;
            st = read_node(r, &e, &child);
            if (child)
                child->key = key;
            else
                free(key);
            if (!st && push(&n->items, &n->n, child)) {
                node_free(child);
                st = RS_SET(r->err, RS_ERR_RUNTIME, "out of memory");
            }
            if (st)
                break;
        }
        break;
    }
    default:
        st = RS_SET(r->err, RS_ERR_INPUT, "%s:%d:%d: unexpected YAML event", r->path, n->line, n->col);
        yaml_event_delete(ev);
        break;
    }
    if (st) {
        node_free(n);
        n = NULL;
    }
    *out = n;
    return st;
}

rs_status rs_manifest_read(const char *path, rs_manifest *out, rs_error *err)
{
    memset(out, 0, sizeof *out);
    const char *dot = strrchr(path, '.');
    if (dot && !strcmp(dot, ".json")) {
        /* strict JSON first (jansson); the tree is then read by libyaml, which keeps each value's line */
        json_error_t je;
        json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
        if (!j) {
            if (je.line < 0)
                RS_FAIL(err, RS_ERR_INPUT, "%s: cannot read manifest: %s", path, je.text);
            RS_FAIL(err, RS_ERR_INPUT, "%s:%d:%d: JSON syntax error: %s", path, je.line, je.column, je.text);
        }
        json_decref(j);
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        RS_FAIL(err, RS_ERR_INPUT, "%s: cannot open manifest: %s", path, strerror(errno));
    reader r = {.path = NULL, .err = err};
    if (!yaml_parser_initialize(&r.parser)) {
        fclose(f);
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    }
    yaml_parser_set_input_file(&r.parser, f);
    rs_status st = RS_OK;
    if (!(out->path = strdup(path)))
        st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
    r.path = out->path ? out->path : path;
    while (!st) {
        yaml_event_t e;
        if (!yaml_parser_parse(&r.parser, &e)) {
            st = parse_error(&r);
            break;
        }
        yaml_event_type_t type = e.type;
        if (type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&e);
            break;
        }
        if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT || type == YAML_SCALAR_EVENT ||
            type == YAML_ALIAS_EVENT) {
            rs_mnode *doc = NULL;
            st = read_node(&r, &e, &doc);
            if (!st && doc->kind == RS_MNODE_SCALAR && !doc->quoted && !doc->text[0]) {
                node_free(doc); /* an empty document (a trailing ---, or only comments): kubectl skips it too */
                continue;
            }
            if (!st && push(&out->docs, &out->n_docs, doc)) {
                node_free(doc);
                st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
            }
        } else {
            yaml_event_delete(&e);
        }
    }
    if (!st && ferror(f))
        st = RS_SET(err, RS_ERR_INPUT, "%s: cannot read manifest: %s", path, strerror(errno));
    yaml_parser_delete(&r.parser);
    fclose(f);
    if (st)
        rs_manifest_free(out);
    return st;
}

const rs_mnode *rs_mnode_get(const rs_mnode *n, const char *key)
{
    if (!n || n->kind != RS_MNODE_MAP)
        return NULL;
    for (size_t i = 0; i < n->n; i++)
        if (!strcmp(n->items[i]->key, key))
            return n->items[i];
    return NULL;
}

const char *rs_mnode_text(const rs_mnode *n)
{
    return n && n->kind == RS_MNODE_SCALAR ? n->text : NULL;
}

/* Go's time.ParseDuration, by its grammar (time/format.go): no whitespace, no days, "0" alone allowed. */
int rs_go_duration(const char *text, double *hours)
{
    static const struct {
        const char *unit;
        double seconds;
    } units[] = {{"ns", 1e-9}, {"us", 1e-6}, {"\xc2\xb5s", 1e-6}, {"\xce\xbcs", 1e-6}, {"ms", 1e-3},
                 {"s", 1},     {"m", 60},    {"h", 3600}};
    const char *s = text;
    double sign = 1, total = 0;
    if (*s == '-' || *s == '+')
        sign = *s++ == '-' ? -1 : 1;
    if (!strcmp(s, "0")) {
        *hours = 0;
        return 0;
    }
    if (!*s)
        return -1;
    while (*s) {
        const char *start = s;
        while (*s >= '0' && *s <= '9')
            s++;
        int lead = s > start;
        if (*s == '.') {
            s++;
            const char *frac = s;
            while (*s >= '0' && *s <= '9')
                s++;
            if (!lead && s == frac)
                return -1;
        } else if (!lead) {
            return -1;
        }
        double x = strtod(start, NULL);
        size_t best = 0, best_len = 0;
        for (size_t u = 0; u < sizeof units / sizeof *units; u++) {
            size_t len = strlen(units[u].unit);
            if (!strncmp(s, units[u].unit, len) && len > best_len) { /* longest: "ms" before "m" */
                best = u;
                best_len = len;
            }
        }
        if (!best_len)
            return -1; /* Go: "missing unit in duration" or "unknown unit" */
        s += best_len;
        total += x * units[best].seconds;
    }
    *hours = sign * total / 3600.0;
    return isfinite(*hours) ? 0 : -1;
}
