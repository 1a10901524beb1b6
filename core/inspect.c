/* `rollsim check` and `rollsim plugins`: what a scenario resolves to, and which policies exist. */
#include "inspect.h"

#include "gates.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "luapolicy.h"
#include "plugin.h"
#include "sim.h"

/* s as a Lua string literal that loads back to the same bytes: quotes, backslashes and control characters
 * escaped (names are valid UTF-8, checked at load, and are kept as they are). */
static void put_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(f, "\\%c", *c);
        else if (*c < 32 || *c == 127)
            fprintf(f, "\\%03d", *c);
        else
            fputc(*c, f);
    }
    fputc('"', f);
}

static void print_dist(FILE *f, const rs_dist *d)
{
    switch (d->kind) {
    case RS_DIST_FIXED: fprintf(f, "%.10g", d->a); return;
    case RS_DIST_BETA: fprintf(f, "beta(%.10g, %.10g)", d->a, d->b); break;
    case RS_DIST_UNIFORM: fprintf(f, "uniform(%.10g, %.10g)", d->a, d->b); break;
    case RS_DIST_NORMAL: fprintf(f, "normal(%.10g, %.10g)", d->a, d->b); break;
    case RS_DIST_LOGNORMAL: fprintf(f, "lognormal(%.10g, %.10g)", d->a, d->b); break;
    case RS_DIST_EXPONENTIAL: fprintf(f, "exponential(%.10g)", d->a); break;
    case RS_DIST_CHOICE:
        fprintf(f, "choice{ ");
        for (size_t i = 0; i < d->n; i++)
            fprintf(f, "{%.10g, %.10g}%s", d->p[i], d->v[i], i + 1 < d->n ? ", " : " ");
        fprintf(f, "}");
        break;
    }
    fprintf(f, " --[[ mean %.6g ]]", rs_dist_mean(d));
}

static void print_params(FILE *f, const rs_value *params)
{
    for (size_t i = 0; i < params->len; i++) {
        char buf[2048];
        rs_value_format(&params->items[i], buf, sizeof buf);
        fprintf(f, "    %s = %s,\n", params->keys[i], buf);
    }
}

/* Loads a policy and resolves its parameters against the declared table (defaults filled), and lets the
 * plugin judge them once. On success prints the policy table. */
static rs_status check_policy(FILE *f, const rs_scenario *sc, const char *label, const char *key,
                              const char *plugin, const rs_value *raw, double *dt /* out, may be NULL */,
                              rs_error *err)
{
    rs_plugin p = {0};
    rs_value params = {0};
    rs_status st;
    char prefix[512];
    snprintf(prefix, sizeof prefix, "%s: %s", sc->file, label);
    if (!strcmp(plugin, RS_LUA_POLICY_NAME)) {
        p.type = rs_lua_policy_type();
    } else if ((st = rs_plugin_load(plugin, &p, err))) {
        rs_error_prefix(err, "%s.name", prefix);
        return st;
    }
    st = rs_plugin_resolve_params(p.type, raw, prefix, &params, err);
    rs_sim *sim = NULL;
    if (!st)
        st = rs_sim_alloc(sc, p.type, &params, &sim, err);
    if (!st)
        st = rs_sim_check_policy(sim, err);
    if (!st && dt)
        *dt = rs_sim_step(sim); /* cohort mode's step, as resolved with this policy's durations */
    rs_sim_free(sim);
    if (!st) {
        if (!strcmp(plugin, RS_LUA_POLICY_NAME))
            fprintf(f, "  %s = function(obs, state) ... end, -- the scenario's own Lua policy\n", key);
        else {
            fprintf(f, "  %s = {\n    name = \"%s\", -- %s\n", key, p.type->name, p.path ? p.path : "built in");
            print_params(f, &params);
            fprintf(f, "  },\n");
        }
    }
    rs_value_clear(&params);
    rs_plugin_unload(&p);
    return st;
}

rs_status rs_inspect_check(FILE *f, const rs_scenario *sc, rs_error *err)
{
    fprintf(f, "-- %s, resolved: every default filled in, durations in hours, the policy's parameters checked\n",
            sc->file);
    fprintf(f, "-- keys for --set, --grid and --param are these names joined by dots, list items by position: "
               "population.1.rate, versions.2.error_rate, policy.steps.1, policy.stages.2.bake\n");
    fprintf(f, "return {\n  name = ");
    put_string(f, sc->name);
    fprintf(f, ",\n");
    if (*sc->description) {
        fprintf(f, "  description = ");
        put_string(f, sc->description);
        fprintf(f, ",\n");
    }
    fprintf(f, "  seed = %llu,\n  replications = %llu,\n  horizon = %.10g,\n  sample_every = %.10g,\n",
            (unsigned long long)sc->seed, (unsigned long long)sc->replications, sc->horizon, sc->sample_every);
    fprintf(f, "  mode = \"%s\",\n", sc->mode == RS_MODE_COHORT ? "cohort" : "exact");
    if (sc->quality)
        fprintf(f, "  prevalence = %.10g, -- share of positive requests (issue 16)\n", sc->prevalence);
    fprintf(f, "  population = { -- %llu users in all\n", (unsigned long long)sc->total_users);
    for (size_t g = 0; g < sc->n_segments; g++) {
        const rs_segment *s = &sc->segments[g];
        fprintf(f, "    { name = ");
        put_string(f, s->name);
        fprintf(f, ", users = %llu, rate = %.10g", (unsigned long long)s->users, s->rate);
        if (s->daily > 0)
            fprintf(f, ", daily = { amplitude = %.10g, peak = %.10g }", s->daily, s->peak);
        int any = 0;
        for (size_t v = 0; v < sc->n_versions; v++)
            any |= s->error_effect[v] != 1 || s->success_effect[v] != 1 || s->latency_effect[v] != 1;
        if (any) {
            fprintf(f, ", effects = {");
            for (size_t v = 0; v < sc->n_versions; v++)
                if (s->error_effect[v] != 1 || s->success_effect[v] != 1 || s->latency_effect[v] != 1) {
                    fprintf(f, " [");
                    put_string(f, sc->versions[v].name);
                    fprintf(f, "] = { error_rate = %.10g, success_rate = %.10g, latency = %.10g },",
                            s->error_effect[v], s->success_effect[v], s->latency_effect[v]);
                }
            fprintf(f, " }");
        }
        if (sc->quality) /* issue 16 */
            fprintf(f, ", prevalence = %.10g", s->prevalence);
        if (s->labels.fraction > 0 || s->labels.feedback > 0) {
            fprintf(f, ", labels = { fraction = %.10g, delay = ", s->labels.fraction);
            print_dist(f, &s->labels.delay);
            if (s->labels.feedback > 0) {
                fprintf(f, ", feedback = { fraction = %.10g, delay = ", s->labels.feedback);
                print_dist(f, &s->labels.feedback_delay);
                fprintf(f, ", up_if_right = %.10g, up_if_wrong = %.10g }", s->labels.up_if_right,
                        s->labels.up_if_wrong);
            }
            fprintf(f, " }");
        }
        fprintf(f, " }, -- population.%zu\n", g + 1);
    }
    fprintf(f, "  },\n  versions = {\n");
    for (size_t v = 0; v < sc->n_versions; v++) {
        const rs_version *ver = &sc->versions[v];
        fprintf(f, "    { name = ");
        put_string(f, ver->name);
        fprintf(f, ",%s error_rate = ", ver->baseline ? " baseline = true," : "");
        print_dist(f, &ver->error_rate);
        fprintf(f, ", success_rate = ");
        print_dist(f, &ver->success_rate);
        if (ver->release_at > 0)
            fprintf(f, ", release_at = %.10g", ver->release_at);
        if (sc->quality) { /* issue 16 */
            static const char *const qk[] = {"specificity", "false_positive_rate", "precision", "accuracy", "f1"};
            fprintf(f, ", recall = ");
            print_dist(f, &ver->recall);
            fprintf(f, ", %s = ", qk[ver->quality_key]);
            print_dist(f, &ver->quality_x);
        }
        if (ver->latency_median > 0)
            fprintf(f, ", latency = { median = %.10g, sigma = %.10g }", ver->latency_median, ver->latency_sigma);
        if (!ver->baseline)
            fprintf(f, ", bad = %s", ver->bad == 2   ? "function(v, baseline) ... end"
                                     : ver->bad == 1 ? "true"
                                     : ver->bad == 0 ? "false"
                                                     : "nil --[[ error rate above 1.1 x the baseline's ]]");
        fprintf(f, " }, -- versions.%zu\n", v + 1);
    }
    fprintf(f, "  },\n");
    if (sc->n_events) {
        fprintf(f, "  events = {\n");
        static const char *const keys[] = {"error_rate", "success_rate", "rate"};
        for (size_t i = 0; i < sc->n_events; i++) {
            const rs_scripted *e = &sc->events[i];
            fprintf(f, "    { at = %.17g, set = { %s = ", e->at, e->is_segment ? "segment" : "version");
            put_string(f, e->is_segment ? sc->segments[e->index].name : sc->versions[e->index].name);
            fprintf(f, ", key = \"%s\", value = %.17g } },\n", keys[e->key], e->value);
        }
        fprintf(f, "  },\n");
    }
    double dt = 0;
    rs_status st = check_policy(f, sc, "policy", "policy", sc->policy_name, &sc->policy, &dt, err);
    if (!st && sc->n_policies) {
        fprintf(f, "  policies = {\n");
        for (size_t i = 0; i < sc->n_policies && !st; i++) {
            char label[300], key[1024] = "";
            snprintf(label, sizeof label, "policies.%s", sc->policy_labels[i]);
            FILE *k = fmemopen(key, sizeof key, "w"); /* the label escaped as put_string does */
            if (k) {
                fputs("  [", k);
                put_string(k, sc->policy_labels[i]);
                fputs("]", k);
                fclose(k);
            }
            st = check_policy(f, sc, label, key, sc->policy_plugins[i], &sc->policy_params[i], NULL, err);
        }
        fprintf(f, "  },\n");
    }
    if (!st && sc->mode == RS_MODE_COHORT)
        fprintf(f, "  dt = %.17g, -- hours per step of cohort mode (given, or the largest dividing every time asked "
                   "for)\n", dt);
    if (sc->curves_reps == UINT64_MAX)
        fprintf(f, "  outputs = { curves = \"all\" },\n}\n");
    else
        fprintf(f, "  outputs = { curves = %llu },\n}\n", (unsigned long long)sc->curves_reps);
    return st;
}

static const char *type_name(rs_param_type t)
{
    switch (t) {
    case RS_PARAM_NUMBER: return "number";
    case RS_PARAM_INTEGER: return "integer";
    case RS_PARAM_DURATION: return "duration";
    case RS_PARAM_BOOL: return "boolean";
    case RS_PARAM_STRING: return "string";
    case RS_PARAM_NUMBER_LIST: return "list of numbers";
    case RS_PARAM_TABLE_LIST: return "list of tables";
    }
    return "?";
}

/* One parameter per line, its help below: name, type, range or choices, default. */
static void print_params_spec(FILE *f, const rs_param_spec *ps, size_t n, const char *indent)
{
    for (size_t i = 0; i < n; i++) {
        const rs_param_spec *p = &ps[i];
        char range[160] = "";
        if (p->type == RS_PARAM_NUMBER || p->type == RS_PARAM_INTEGER || p->type == RS_PARAM_DURATION ||
            p->type == RS_PARAM_NUMBER_LIST) {
            if (p->min <= -1e300 && p->max >= 1e300)
                snprintf(range, sizeof range, " (any)");
            else if (p->max >= 1e300)
                snprintf(range, sizeof range, " >= %.10g", p->min);
            else
                snprintf(range, sizeof range, " in [%.10g, %.10g]", p->min, p->max);
        } else if (p->choices) {
            snprintf(range, sizeof range, " one of %s", p->choices);
        }
        fprintf(f, "%s%-26s %s%s, default %s\n", indent, p->name, type_name(p->type), range,
                p->default_value ? p->default_value : "none");
        if (p->help)
            fprintf(f, "%s    %s\n", indent, p->help);
    }
}

static void print_type(FILE *f, const rs_policy_type *t, const char *where)
{
    fprintf(f, "%s  (%s)\n  %s\n", t->name, where, t->description ? t->description : "");
    print_params_spec(f, t->params, t->n_params, "    ");
}

/* The gates a policy reaches through rs_host.gate_* (RS_GATE_PARAMS), with the keys of their metrics. */
static void print_gates(FILE *f)
{
    fprintf(f, "gates (the `gate` parameter of fixed_stages, and of any policy declaring RS_GATE_PARAMS):\n\n");
    for (size_t g = 0; g < rs_gate_count; g++) {
        fprintf(f, "  %s: %s\n", rs_gate_names[g], rs_gate_about[g][0]);
        if (*rs_gate_about[g][1])
            fprintf(f, "    parameters: %s\n", rs_gate_about[g][1]);
        size_t n;
        const rs_param_spec *keys = rs_gate_metric_keys(g, &n);
        if (keys) {
            fprintf(f, "    each entry of metrics:\n");
            print_params_spec(f, keys, n, "      ");
        }
        fputc('\n', f);
    }
}

rs_status rs_inspect_plugins(FILE *f, rs_error *err)
{
    char **names = rs_plugin_list();
    if (!names)
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    char search[4096];
    fprintf(f, "policies (searched %s):\n\n", rs_plugin_search_path(search, sizeof search));
    for (size_t i = 0; names[i]; i++) {
        rs_plugin p;
        rs_error e = {0};
        if (rs_plugin_load(names[i], &p, &e)) {
            fprintf(f, "%s  (not loadable: %s)\n\n", names[i], e.msg);
        } else {
            print_type(f, p.type, p.path);
            fputc('\n', f);
            rs_plugin_unload(&p);
        }
        free(names[i]);
    }
    free(names);
    print_type(f, rs_lua_policy_type(), "built in: a scenario whose policy is a Lua function");
    fputc('\n', f);
    print_gates(f);
    return RS_OK;
}
