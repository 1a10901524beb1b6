#include "plugin.h"

#include <dirent.h>
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"
#include "suggest.h"

const char *rs_plugin_search_path(char *buf, size_t len)
{
    const char *env = getenv("ROLLSIM_PLUGIN_PATH");
    char own[4096];
    /* The program's own plugins: the build tree's when it runs from there, else lib/rollsim/plugins beside
     * its bin/ (wherever the install was put). */
    const char *dir = rs_paths_plugin_dir(own, sizeof own);
    snprintf(buf, len, "%s%s%s", env && *env ? env : "", env && *env && dir ? ":" : "", dir ? dir : "");
    return buf;
}

rs_status rs_plugin_check_type(const rs_policy_type *t, const char *path, rs_error *err)
{
    if (!t)
        RS_FAIL(err, RS_ERR_INPUT, "plugin %s: its entry %s returned no policy type", path, RS_POLICY_ENTRY_SYMBOL);
    if (t->abi_version != RS_POLICY_ABI_VERSION)
        RS_FAIL(err, RS_ERR_INPUT,
                "plugin %s: built for policy ABI version %u, but this rollsim supports ABI version %u; rebuild it "
                "against this rollsim's headers",
                path, t->abi_version, RS_POLICY_ABI_VERSION);
    /* Sizes, as Lua's luaL_checkversion does: a plugin built against other headers is refused, not run. */
    if (t->struct_size < sizeof(rs_policy_type) || t->observation_size > sizeof(rs_observation) ||
        t->action_size > sizeof(rs_action))
        RS_FAIL(err, RS_ERR_INPUT,
                "plugin %s: built against incompatible headers (policy type %u bytes, observation %u, action %u; "
                "this rollsim has %zu, %zu, %zu)",
                path, t->struct_size, t->observation_size, t->action_size, sizeof(rs_policy_type),
                sizeof(rs_observation), sizeof(rs_action));
    if (!t->name || !*t->name || !t->create || !t->decide || (t->n_params && !t->params))
        RS_FAIL(err, RS_ERR_INPUT, "plugin %s: its policy type lacks a name, create() or decide()", path);
    for (size_t i = 0; i < t->n_params; i++)
        if (!t->params[i].name || t->params[i].type < RS_PARAM_NUMBER || t->params[i].type > RS_PARAM_TABLE_LIST)
            RS_FAIL(err, RS_ERR_INPUT, "plugin %s: parameter %zu has no name or an unknown type", path, i + 1);
    return RS_OK;
}

static rs_status open_at(const char *path, rs_plugin *out, rs_error *err)
{
    dlerror();
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        RS_FAIL(err, RS_ERR_INPUT, "plugin %s: cannot load: %s", path, dlerror());
    void *sym = dlsym(h, RS_POLICY_ENTRY_SYMBOL);
    if (!sym) {
        dlclose(h);
        RS_FAIL(err, RS_ERR_INPUT, "plugin %s: no entry symbol %s (is it a rollsim policy plugin?)", path,
                RS_POLICY_ENTRY_SYMBOL);
    }
    rs_policy_entry_fn entry;
    memcpy(&entry, &sym, sizeof entry); /* ISO C has no object-to-function pointer cast */
    const rs_policy_type *t = entry();
    rs_status st = rs_plugin_check_type(t, path, err);
    if (st) {
        dlclose(h);
        return st;
    }
    out->handle = h;
    out->type = t;
    if (!(out->path = strdup(path))) {
        dlclose(h);
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    }
    return RS_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **rs_plugin_list(void)
{
    char search[4096];
    rs_plugin_search_path(search, sizeof search);
    size_t n = 0, cap = 8;
    char **names = calloc(cap + 1, sizeof *names);
    if (!names)
        return NULL;
    char *save = NULL;
    for (char *dir = strtok_r(search, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *e;
        while ((e = readdir(d))) {
            size_t len = strlen(e->d_name);
            if (len < 4 || strcmp(e->d_name + len - 3, ".so"))
                continue;
            int dup = 0;
            for (size_t i = 0; i < n; i++)
                dup |= !strncmp(names[i], e->d_name, len - 3) && names[i][len - 3] == '\0';
            if (dup)
                continue;
            if (n == cap) {
                char **more = realloc(names, (2 * cap + 1) * sizeof *names);
                if (!more)
                    break;
                names = more;
                cap *= 2;
            }
            names[n] = strndup(e->d_name, len - 3);
            if (names[n])
                n++;
            names[n] = NULL;
        }
        closedir(d);
    }
    qsort(names, n, sizeof *names, cmp_names); /* the same listing on every machine */
    return names;
}

rs_status rs_plugin_load(const char *spec, rs_plugin *out, rs_error *err)
{
    memset(out, 0, sizeof *out);
    if (strchr(spec, '/'))
        return open_at(spec, out, err);
    char search[4096], path[4352];
    rs_plugin_search_path(search, sizeof search);
    char *save = NULL;
    for (char *dir = strtok_r(search, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        snprintf(path, sizeof path, "%s/%s.so", dir, spec);
        if (access(path, F_OK) == 0)
            return open_at(path, out, err);
    }
    char **names = rs_plugin_list();
    char known[1024] = "", hint[128] = "";
    size_t n = 0;
    for (; names && names[n]; n++) {
        size_t used = strlen(known);
        snprintf(known + used, sizeof known - used, "%s%s", n ? ", " : "", names[n]);
    }
    if (names)
        rs_suggest_hint(spec, (const char *const *)names, n, hint, sizeof hint);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    RS_FAIL(err, RS_ERR_INPUT, "policy plugin '%s' not found%s; available: %s (searched %s)", spec, hint,
            *known ? known : "none", rs_plugin_search_path(search, sizeof search));
}

void rs_plugin_unload(rs_plugin *p)
{
    if (!p)
        return;
    if (p->handle)
        dlclose(p->handle);
    free(p->path);
    memset(p, 0, sizeof *p);
}

static const char *type_name(rs_param_type t)
{
    switch (t) {
    case RS_PARAM_NUMBER: return "a number";
    case RS_PARAM_INTEGER: return "an integer";
    case RS_PARAM_DURATION: return "a duration";
    case RS_PARAM_BOOL: return "true or false";
    case RS_PARAM_STRING: return "a string";
    case RS_PARAM_NUMBER_LIST: return "a list of numbers";
    case RS_PARAM_TABLE_LIST: return "a list of tables";
    }
    return "?";
}

static const char *kind_name(rs_value_kind k)
{
    switch (k) {
    case RS_VALUE_NUMBER: return "number";
    case RS_VALUE_STRING: return "string";
    case RS_VALUE_BOOL: return "boolean";
    case RS_VALUE_LIST: return "list";
    case RS_VALUE_TABLE: return "table";
    default: return "nothing";
    }
}

static rs_status check_range(const rs_param_spec *p, double x, const char *where, rs_error *err)
{
    if (!isfinite(x) || x < p->min || x > p->max)
        RS_FAIL(err, RS_ERR_INPUT, "%s: expected a value in [%g, %g], got %.10g", where, p->min, p->max, x);
    if (p->type == RS_PARAM_INTEGER && x != floor(x))
        RS_FAIL(err, RS_ERR_INPUT, "%s: expected an integer, got %.10g", where, x);
    return RS_OK;
}

/* Checks one value against its declared type and normalises it in place (durations to hours). */
static rs_status check_value(const rs_param_spec *p, rs_value *v, const char *where, rs_error *err)
{
    double x;
    switch (p->type) {
    case RS_PARAM_NUMBER:
    case RS_PARAM_INTEGER:
        if (v->kind != RS_VALUE_NUMBER)
            break;
        return check_range(p, v->num, where, err);
    case RS_PARAM_DURATION:
        if (v->kind == RS_VALUE_STRING) {
            if (rs_parse_duration(v->str, &x))
                RS_FAIL(err, RS_ERR_INPUT,
                        "%s: bad duration \"%s\" (expected hours, or a number with s, m, h, d or w, e.g. \"6h\")",
                        where, v->str);
            free(v->str);
            v->str = NULL;
            v->kind = RS_VALUE_NUMBER;
            v->num = x;
        }
        if (v->kind != RS_VALUE_NUMBER)
            break;
        return check_range(p, v->num, where, err);
    case RS_PARAM_BOOL:
        if (v->kind != RS_VALUE_BOOL)
            break;
        return RS_OK;
    case RS_PARAM_STRING:
        if (v->kind != RS_VALUE_STRING)
            break;
        if (p->choices) {
            size_t len = strlen(v->str);
            for (const char *c = p->choices; *c;) {
                const char *bar = strchr(c, '|');
                size_t clen = bar ? (size_t)(bar - c) : strlen(c);
                if (clen == len && !strncmp(c, v->str, len))
                    return RS_OK;
                c += clen + (bar != NULL);
            }
            const char *names[64]; /* the choices as words, for a "did you mean" */
            char words[1024], hint[128];
            size_t n = 0;
            snprintf(words, sizeof words, "%s", p->choices);
            for (char *save = NULL, *w = strtok_r(words, "|", &save); w && n < 64; w = strtok_r(NULL, "|", &save))
                names[n++] = w;
            rs_suggest_hint(v->str, names, n, hint, sizeof hint);
            RS_FAIL(err, RS_ERR_INPUT, "%s: expected one of %s, got \"%s\"%s", where, p->choices, v->str, hint);
        }
        return RS_OK;
    case RS_PARAM_NUMBER_LIST:
        if (v->kind == RS_VALUE_NUMBER) { /* a single number is a list of one */
            rs_value one = *v;
            memset(v, 0, sizeof *v);
            v->kind = RS_VALUE_LIST;
            if (!(v->items = malloc(sizeof *v->items)))
                RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
            v->items[0] = one;
            v->len = 1;
        }
        if (v->kind != RS_VALUE_LIST)
            break;
        for (size_t i = 0; i < v->len; i++) {
            char sub[320];
            snprintf(sub, sizeof sub, "%s.%zu", where, i + 1);
            if (v->items[i].kind != RS_VALUE_NUMBER)
                RS_FAIL(err, RS_ERR_INPUT, "%s: expected a number, got %s", sub, kind_name(v->items[i].kind));
            rs_status st = check_range(p, v->items[i].num, sub, err);
            if (st)
                return st;
        }
        return RS_OK;
    case RS_PARAM_TABLE_LIST:
        if (v->kind != RS_VALUE_LIST)
            break;
        for (size_t i = 0; i < v->len; i++)
            if (v->items[i].kind != RS_VALUE_TABLE)
                RS_FAIL(err, RS_ERR_INPUT, "%s.%zu: expected a table, got %s", where, i + 1,
                        kind_name(v->items[i].kind));
        return RS_OK;
    }
    RS_FAIL(err, RS_ERR_INPUT, "%s: expected %s, got %s", where, type_name(p->type), kind_name(v->kind));
}

/* Parses a declared default's text into a value of the declared type. */
static rs_status parse_default(const rs_param_spec *p, rs_value *v, const char *where, rs_error *err)
{
    memset(v, 0, sizeof *v);
    const char *text = p->default_value;
    double x;
    switch (p->type) {
    case RS_PARAM_STRING:
        v->kind = RS_VALUE_STRING;
        if (!(v->str = strdup(text)))
            RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
        return RS_OK;
    case RS_PARAM_BOOL:
        v->kind = RS_VALUE_BOOL;
        v->num = !strcmp(text, "true");
        return RS_OK;
    case RS_PARAM_NUMBER_LIST:
    case RS_PARAM_TABLE_LIST:
        v->kind = RS_VALUE_LIST; /* list defaults are empty; the text is for display */
        return RS_OK;
    default:
        if (rs_parse_duration(text, &x))
            RS_FAIL(err, RS_ERR_INPUT, "%s: the plugin's default \"%s\" is not a number", where, text);
        v->kind = RS_VALUE_NUMBER;
        v->num = x;
        return RS_OK;
    }
}

rs_status rs_params_resolve(const rs_param_spec *specs, size_t n, const rs_value *raw, const char *key_prefix,
                            const char *unknown, rs_value *out, rs_error *err)
{
    memset(out, 0, sizeof *out);
    out->kind = RS_VALUE_TABLE;
    const char **names = calloc(n + 1, sizeof *names);
    if (!names)
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    for (size_t i = 0; i < n; i++)
        names[i] = specs[i].name;
    rs_status st = RS_OK;
    char where[320];
    for (size_t k = 0; raw && k < raw->len && !st; k++) {
        const char *key = raw->keys[k];
        size_t i;
        for (i = 0; i < n; i++)
            if (!strcmp(key, names[i]))
                break;
        if (i == n) {
            char hint[128];
            rs_suggest_hint(key, names, n, hint, sizeof hint);
            st = RS_SET(err, RS_ERR_INPUT, "%s.%s: %s%s", key_prefix, key, unknown, hint);
            break;
        }
        rs_value v;
        snprintf(where, sizeof where, "%s.%s", key_prefix, key);
        if (rs_value_copy(&v, &raw->items[k])) {
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
            break;
        }
        st = check_value(&specs[i], &v, where, err);
        if (!st && rs_value_set(out, key, &v))
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
        rs_value_clear(&v);
    }
    for (size_t i = 0; i < n && !st; i++) {
        const rs_param_spec *p = &specs[i];
        if (rs_value_get(out, p->name) || !p->default_value)
            continue;
        rs_value v;
        snprintf(where, sizeof where, "%s.%s", key_prefix, p->name);
        st = parse_default(p, &v, where, err);
        if (!st && rs_value_set(out, p->name, &v))
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
        rs_value_clear(&v);
    }
    free(names);
    if (st)
        rs_value_clear(out);
    return st;
}

rs_status rs_plugin_resolve_params(const rs_policy_type *t, const rs_value *raw, const char *key_prefix,
                                   rs_value *out, rs_error *err)
{
    char unknown[160];
    snprintf(unknown, sizeof unknown, "unknown parameter of policy '%s'", t->name);
    return rs_params_resolve(t->params, t->n_params, raw, key_prefix, unknown, out, err);
}
