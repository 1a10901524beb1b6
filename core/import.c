#include "import.h"

#include <ctype.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "help.h"
#include "import_sys.h"
#include "output.h"
#include "runner.h"
#include "scenario.h"
#include "value.h"

/* rollsim's metric names, as gates.c's `metrics` entries take them. */
static const char *const metric_names[] = {"error_rate",  "success_rate", "latency_mean", "latency_p50",
                                           "latency_p90", "latency_p95",  "latency_p99"};
#define N_METRICS (sizeof metric_names / sizeof *metric_names)

/* Kinds that often sit in the same files as a rollout and mean nothing to the simulation. */
static const char *const plumbing_kinds[] = {"Service", "Deployment", "Ingress", "ConfigMap", "Secret",
                                             "HorizontalPodAutoscaler", "VirtualService", "DestinationRule",
                                             "MetricTemplate", "AlertProvider", "Namespace", "ServiceAccount"};

int rs_import_is_manifest(const char *path)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    return dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml") || !strcmp(dot, ".json"));
}

const char *rs_imp_kind(const rs_mnode *doc)
{
    return rs_mnode_text(rs_mnode_get(doc, "kind"));
}

const char *rs_imp_name(const rs_mnode *doc)
{
    const char *s = rs_mnode_text(rs_mnode_get(rs_mnode_get(doc, "metadata"), "name"));
    return s ? s : "";
}

void rs_imp_warn(rs_imp *im, const rs_mnode *at, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(im->warnings, "rollsim: warning: %s:%d: %s\n", at->file, at->line, msg);
    fprintf(im->skipped, "%s:%d: %s\n", at->file, at->line, msg);
}

rs_status rs_imp_fail(rs_imp *im, const rs_mnode *at, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    RS_FAIL(im->err, RS_ERR_INPUT, "%s:%d: %s", at->file, at->line, msg);
}

const char *rs_import_metric_name(const rs_import_options *opt, const char *name, const char **asked)
{
    static _Thread_local char norm[128];
    const char *want = NULL;
    size_t len = strlen(name);
    for (size_t i = 0; opt && i < opt->n_maps; i++) {
        const char *m = opt->maps[i];
        if (!strncmp(m, name, len) && m[len] == '=')
            want = m + len + 1;
    }
    if (!want) {
        size_t i = 0;
        for (; name[i] && i + 1 < sizeof norm; i++)
            norm[i] = name[i] == '-' ? '_' : (char)tolower((unsigned char)name[i]);
        norm[i] = '\0';
        want = norm;
    }
    if (asked)
        *asked = want;
    for (size_t i = 0; i < N_METRICS; i++)
        if (!strcmp(want, metric_names[i]))
            return metric_names[i];
    return NULL;
}

rs_status rs_imp_metric(rs_imp *im, const rs_mnode *at, const char *name, const char **out)
{
    const char *want;
    if ((*out = rs_import_metric_name(im->opt, name, &want))) {
        im->latency |= strncmp(*out, "latency", 7) == 0;
        return RS_OK;
    }
    int mapped = 0;
    for (size_t i = 0; i < im->opt->n_maps; i++)
        mapped |= !strncmp(im->opt->maps[i], name, strlen(name)) && im->opt->maps[i][strlen(name)] == '=';
    char list[256] = "";
    for (size_t i = 0; i < N_METRICS; i++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", metric_names[i]);
    }
    if (mapped)
        return rs_imp_fail(im, at, "--map %s=%s: no rollsim metric \"%s\" (rollsim metrics: %s)", name, want, want,
                           list);
    return rs_imp_fail(im, at,
                       "metric \"%s\": rollsim cannot run its query; say which rollsim metric it measures with --map "
                       "%s=METRIC (rollsim metrics: %s)",
                       name, name, list);
}

rs_status rs_imp_int(rs_imp *im, const rs_mnode *n, const char *what, long lo, long hi, long *out)
{
    const char *t = rs_mnode_text(n);
    char *end = NULL;
    long x = t ? strtol(t, &end, 10) : 0;
    if (!t || end == t || *end || x < lo || x > hi) {
        if (t && strstr(t, "{{"))
            return rs_imp_fail(im, n, "%s: \"%s\": a templated value (args) cannot be resolved by rollsim; write the "
                                      "number", what, t);
        return rs_imp_fail(im, n, "%s: expected a whole number in [%ld, %ld], got %s%s%s", what, lo, hi,
                           t ? "\"" : "a ", t ? t : (n->kind == RS_MNODE_MAP ? "table" : "list"), t ? "\"" : "");
    }
    *out = x;
    return RS_OK;
}

rs_status rs_imp_number(rs_imp *im, const rs_mnode *n, const char *what, double *out)
{
    const char *t = rs_mnode_text(n);
    char *end = NULL;
    double x = t ? strtod(t, &end) : NAN;
    if (!t || end == t || *end || !isfinite(x))
        return rs_imp_fail(im, n, "%s: expected a number, got %s%s%s", what, t ? "\"" : "a ",
                           t ? t : (n->kind == RS_MNODE_MAP ? "table" : "list"), t ? "\"" : "");
    *out = x;
    return RS_OK;
}

void rs_imp_duration(FILE *f, double hours)
{
    double s = hours * 3600;
    if (s >= 3600 && fabs(s - 3600 * round(s / 3600)) < 1e-6)
        fprintf(f, "hours(%.10g)", round(s / 3600));
    else if (fabs(s - 60 * round(s / 60)) < 1e-6)
        fprintf(f, "minutes(%.10g)", round(s / 60));
    else
        fprintf(f, "minutes(%.10g / 60)", s); /* seconds, written exactly */
}

/* Copies a stream's text into the scenario as comment lines. */
static void comment_block(FILE *out, char *text, const char *indent)
{
    for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        fprintf(out, "--%s%s\n", indent, line);
    }
}

static rs_status write_scenario(rs_imp *im, const char *const *paths, size_t n, char *notes, char *skipped,
                                char *policy, char **lua)
{
    size_t len = 0;
    FILE *f = open_memstream(lua, &len);
    if (!f)
        RS_FAIL(im->err, RS_ERR_RUNTIME, "out of memory");
    fprintf(f, "-- %s, imported by `rollsim import", im->what);
    for (size_t i = 0; i < n; i++)
        fprintf(f, " %s", paths[i]);
    fprintf(f, "` (rollsim %s).\n--\n", ROLLSIM_VERSION);
    fprintf(f, "-- The policy reproduces the manifest with rollsim's gates, which follow each system's code (see\n"
               "-- docs/gates.md). The traffic is NOT in the manifest: every value marked FILL IN is a placeholder\n"
               "-- for your own figures. Provider queries (PromQL, ...) are not run: each metric is rollsim's metric\n"
               "-- of the same name (or the one given with --map), measured over the same window.\n--\n"
               "-- How the manifest maps:\n");
    comment_block(f, notes, "   ");
    if (*skipped) {
        fprintf(f, "--\n-- Not simulated (rollsim import printed each as a warning):\n");
        comment_block(f, skipped, "   ");
    }
    double horizon = ceil(fmax(2 * im->duration, 1.0));
    fprintf(f, "\n-- FILL IN: your traffic.\n"
               "local users = 10000              -- FILL IN: users (or clients) behind the service\n"
               "local requests_per_second = 10   -- FILL IN: requests per second reaching the service\n"
               "local current_error_rate = 0.005 -- FILL IN: error rate of the current (stable) version\n"
               "local bad_share = 0.2            -- FILL IN: how many candidates are bad\n"
               "local bad_error_rate = 0.02      -- FILL IN: the error rate of a bad candidate\n");
    if (im->latency)
        fprintf(f, "local current_latency_ms = 100   -- FILL IN: median latency of the current version (ms; sigma 0.6\n"
                   "                                 -- of the log-normal puts its P99 at about 4 times the median)\n");
    if (im->canary_weight)
        fprintf(f, "local canary_weight = 0.1        -- FILL IN: the canary cluster's share of the traffic\n");
    if (im->manual_pause) {
        fprintf(f, "local manual_pause = ");
        rs_imp_duration(f, im->opt->manual_pause);
        fprintf(f, " -- FILL IN: how long your team takes to promote a paused rollout\n");
    }
    fprintf(f, "\nreturn scenario {\n"
               "  name = \"%s\",\n"
               "  seed = 1,\n"
               "  replications = 200,\n"
               "  horizon = hours(%.10g), -- twice the rollout's length when every check passes\n"
               "  sample_every = %s,\n"
               "  population = { { name = \"users\", users = users, rate = requests_per_second * 3600 / users } },\n"
               "  versions = {\n"
               "    { name = \"current\", baseline = true, error_rate = current_error_rate%s },\n"
               "    { name = \"candidate\", error_rate = choice{ {1 - bad_share, current_error_rate}, "
               "{bad_share, bad_error_rate} }%s },\n"
               "  },\n"
               "  policy = %s,\n"
               "}\n",
               im->what, horizon, horizon > 24 ? "hours(1)" : "minutes(10)",
               im->latency ? ", latency = { median = current_latency_ms, sigma = 0.6 }" : "",
               im->latency ? ", latency = { median = current_latency_ms, sigma = 0.6 }" : "", policy);
    if (fclose(f))
        RS_FAIL(im->err, RS_ERR_RUNTIME, "out of memory");
    return RS_OK;
}

static int known_plumbing(const char *kind)
{
    for (size_t i = 0; i < sizeof plumbing_kinds / sizeof *plumbing_kinds; i++)
        if (!strcmp(kind, plumbing_kinds[i]))
            return 1;
    return 0;
}

rs_status rs_import(const char *const *paths, size_t n, const rs_import_options *opt, FILE *warn, char **lua,
                    rs_error *err)
{
    *lua = NULL;
    rs_imp im = {.opt = opt, .warn = warn, .err = err};
    char *notes = NULL, *skipped = NULL, *policy = NULL, *warnings = NULL;
    size_t ln = 0, ls = 0, lp = 0, lw = 0;
    rs_status st = RS_OK;
    if (!(im.files = calloc(n ? n : 1, sizeof *im.files)))
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    im.notes = open_memstream(&notes, &ln);
    im.skipped = open_memstream(&skipped, &ls);
    im.policy = open_memstream(&policy, &lp);
    im.warnings = open_memstream(&warnings, &lw);
    if (!im.notes || !im.skipped || !im.policy || !im.warnings)
        st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
    for (size_t i = 0; i < opt->n_maps && !st; i++) {
        const char *eq = strchr(opt->maps[i], '=');
        if (!eq || eq == opt->maps[i] || !eq[1])
            st = RS_SET(err, RS_ERR_INPUT, "--map %s: expected NAME=METRIC, e.g. --map success-rate=success_rate",
                        opt->maps[i]);
    }
    for (size_t i = 0; i < n && !st; i++) {
        st = rs_manifest_read(paths[i], &im.files[i], err);
        im.n_files += !st;
    }
    const rs_mnode *main_doc = NULL, *spin_config = NULL, *spin_stage = NULL;
    for (size_t i = 0; i < im.n_files && !st; i++)
        for (size_t d = 0; d < im.files[i].n_docs && !st; d++) {
            const rs_mnode *doc = im.files[i].docs[d];
            const char *kind = rs_imp_kind(doc);
            int is_config;
            if (!kind && rs_imp_is_spinnaker(doc, &is_config)) {
                const rs_mnode **slot = is_config ? &spin_config : &spin_stage;
                if (*slot)
                    st = rs_imp_fail(&im, doc, "a second Spinnaker %s (the first is at %s:%d): import one canary at a "
                                               "time", is_config ? "canary config" : "kayentaCanary stage",
                                     (*slot)->file, (*slot)->line);
                *slot = doc;
            } else if (doc->kind != RS_MNODE_MAP || !kind) {
                st = rs_imp_fail(&im, doc, "expected a Kubernetes object with a `kind` (Rollout, AnalysisTemplate, "
                                           "ClusterAnalysisTemplate, Canary), a Kayenta canary config or a Spinnaker "
                                           "kayentaCanary stage");
            } else if (!strcmp(kind, "Rollout") || !strcmp(kind, "Canary")) {
                if (main_doc)
                    st = rs_imp_fail(&im, doc, "a second rollout (%s \"%s\"; the first is %s \"%s\" at %s:%d): import "
                                               "one rollout at a time", kind, rs_imp_name(doc), rs_imp_kind(main_doc),
                                     rs_imp_name(main_doc), main_doc->file, main_doc->line);
                main_doc = doc;
            } else if (!strcmp(kind, "AnalysisTemplate") || !strcmp(kind, "ClusterAnalysisTemplate")) {
                /* read by the rollout that names it */
            } else if (known_plumbing(kind)) {
                /* Services, Deployments and the like route nothing rollsim simulates */
            } else {
                st = rs_imp_fail(&im, rs_mnode_get(doc, "kind"),
                                 "unknown kind \"%s\": rollsim imports Argo Rollouts (Rollout, AnalysisTemplate, "
                                 "ClusterAnalysisTemplate) and Flagger (Canary)", kind);
            }
        }
    if (!st && main_doc && (spin_config || spin_stage))
        st = rs_imp_fail(&im, spin_config ? spin_config : spin_stage, "a Spinnaker canary beside %s \"%s\" (%s:%d): "
                         "import one rollout at a time", rs_imp_kind(main_doc), rs_imp_name(main_doc), main_doc->file,
                         main_doc->line);
    if (!st && !main_doc && spin_stage && !spin_config)
        st = rs_imp_fail(&im, spin_stage, "a kayentaCanary stage without its canary config: give the canary config "
                                          "JSON too (its metrics and classifier)");
    if (!st && !main_doc && spin_config)
        st = rs_import_spinnaker(&im, spin_config, spin_stage);
    else if (!st && !main_doc)
        st = RS_SET(err, RS_ERR_INPUT, "%s: no Rollout (Argo Rollouts), Canary (Flagger) or Spinnaker canary to "
                                       "import", paths[0]);
    else if (!st) {
        if (!strcmp(rs_imp_kind(main_doc), "Rollout"))
            st = rs_import_argo(&im, main_doc);
        else
            st = rs_import_flagger(&im, main_doc);
    }
    if (im.notes && fclose(im.notes) && !st)
        st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
    if (im.skipped && fclose(im.skipped) && !st)
        st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
    if (im.policy && fclose(im.policy) && !st)
        st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
    if (im.warnings && fclose(im.warnings) && !st)
        st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
    if (!st)
        st = write_scenario(&im, paths, n, notes, skipped, policy, lua);
    if (st) {
        free(*lua);
        *lua = NULL;
    } else if (warn && warnings) {
        fputs(warnings, warn); /* a failed import prints its one error only */
    }
    free(warnings);
    free(notes);
    free(skipped);
    free(policy);
    for (size_t i = 0; i < im.n_files; i++)
        rs_manifest_free(&im.files[i]);
    free(im.files);
    return st;
}

rs_status rs_import_load(const char *path, const char *const *sets, size_t n_sets, FILE *warn, rs_scenario *out,
                         rs_error *err)
{
    rs_import_options opt = {.manual_pause = 1};
    char *lua = NULL;
    rs_status st = rs_import(&path, 1, &opt, warn, &lua, err);
    if (!st) {
        char chunk[4200];
        snprintf(chunk, sizeof chunk, "%s (imported)", path);
        st = rs_scenario_load_string(lua, strlen(lua), chunk, sets, n_sets, out, err);
    }
    free(lua);
    return st;
}

int rs_import_main(int argc, char **argv)
{
    struct option longs[RS_CLI_MAX_OPTIONS + 1];
    char shorts[3 * RS_CLI_MAX_OPTIONS + 2];
    rs_cli_getopt_tables(CMD_IMPORT, longs, shorts); /* the declared tables of core/help.c */
    const char **maps = calloc((size_t)argc + 1, sizeof *maps);
    const char *out = NULL;
    rs_import_options opt = {.maps = maps, .manual_pause = 1};
    int c, quiet = 0, rc = -1;
    if (!maps)
        return 1;
    opterr = 0;
    optind = 1;
    while (rc < 0 && (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        switch (c) {
        case OPT_OUT: out = optarg; break;
        case OPT_MAP: maps[opt.n_maps++] = optarg; break;
        case OPT_MANUAL_PAUSE:
            if (rs_parse_duration(optarg, &opt.manual_pause) || !(opt.manual_pause > 0)) {
                fprintf(stderr, "rollsim: --manual-pause %s: expected a positive duration (hours, or \"30m\", \"2h\")\n",
                        optarg);
                rc = 2;
            }
            break;
        case OPT_QUIET: quiet = 1; break;
        case OPT_HELP: rs_help_command(stdout, rs_help_find("import")); rc = 0; break;
        case ':': fprintf(stderr, "rollsim: option %s needs a value (see rollsim import --help)\n", argv[optind - 1]); rc = 2; break;
        default: fprintf(stderr, "rollsim: import: unknown option %s (see rollsim import --help)\n", argv[optind - 1]); rc = 2; break;
        }
    }
    if (rc < 0 && optind == argc) {
        fprintf(stderr, "rollsim: import needs a manifest: rollsim import FILE... (see rollsim import --help)\n");
        rc = 2;
    }
    if (rc >= 0) {
        free(maps);
        return rc;
    }
    char *lua = NULL;
    rs_error err = {0};
    rs_status st = rs_import((const char *const *)argv + optind, (size_t)(argc - optind), &opt,
                             quiet ? NULL : stderr, &lua, &err);
    if (!st && !out) {
        fputs(lua, stdout);
    } else if (!st) {
        /* written atomically beside its destination */
        char dir[4096], *slash;
        snprintf(dir, sizeof dir, "%s", out);
        slash = strrchr(dir, '/');
        const char *name = slash ? slash + 1 : out;
        if (slash)
            *slash = '\0';
        rs_atomic_file af;
        st = rs_output_prepare_dir(slash ? (dir[0] ? dir : "/") : ".", NULL, &err);
        if (!st)
            st = rs_atomic_open(&af, slash ? (dir[0] ? dir : "/") : ".", name, &err);
        if (!st) {
            fputs(lua, af.f);
            st = rs_atomic_commit(&af, &err);
        }
    }
    if (st)
        fprintf(stderr, "rollsim: %s\n", err.msg);
    free(lua);
    free(maps);
    return (int)st;
}
