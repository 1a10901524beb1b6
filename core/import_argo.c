/* Argo Rollouts → fixed_stages with gate = "argo". A canary's steps become stages: each setWeight opens a
 * stage, its pauses are the stage's bake, an inline analysis step after them is the argo gate's inline run
 * (gates.c: setWeight, pause, analysis); a background analysis (strategy.canary.analysis) is one run from the
 * stage of its startingStep. The AnalysisTemplates' metrics become the gate's metrics, field by field. */
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "import_sys.h"
#include "prodgates.h"

#define MAX_STAGES 256

typedef struct argo_stage {
    long weight;                /* percent */
    double seconds;             /* the pauses with a duration */
    int manual;                 /* pauses without one (a human promotes) */
    const rs_mnode *at;         /* the setWeight step (or the first step of a weight-0 stage) */
    const rs_mnode *analysis;   /* the inline analysis step, NULL when none */
    size_t first_step, last_step;
    int kept;                   /* written as a stage */
} argo_stage;

/* Argo's RolloutPause.DurationSeconds (pkg/apis/rollouts/v1alpha1/types.go): an int is seconds; a string is
 * first tried as an integer of seconds (strconv.ParseInt), else time.ParseDuration, truncated to whole
 * seconds by int32(d.Seconds()); -1 (refused by validation) when neither parses. */
static rs_status pause_seconds(rs_imp *im, const rs_mnode *d, double *seconds)
{
    const char *t = rs_mnode_text(d);
    char *end = NULL;
    double hours;
    if (t && *t) {
        long x = strtol(t, &end, 10);
        if (!*end && x >= 0) {
            *seconds = (double)x;
            return RS_OK;
        }
        if (!rs_go_duration(t, &hours) && hours >= 0) {
            *seconds = trunc(hours * 3600 + 1e-9);
            return RS_OK;
        }
    }
    return rs_imp_fail(im, d, "pause.duration \"%s\": Argo cannot parse this duration (DurationSeconds is -1): give "
                              "seconds (60) or a Go duration (30s, 10m, 1h, 1h30m)", t ? t : "");
}

/* A metric's interval or initialDelay: Argo's DurationString goes through time.ParseDuration alone. */
static rs_status go_duration(rs_imp *im, const rs_mnode *d, const char *what, double *hours)
{
    const char *t = rs_mnode_text(d);
    if (!t || rs_go_duration(t, hours) || *hours < 0)
        return rs_imp_fail(im, d, "%s \"%s\": Argo refuses it (time.ParseDuration: a Go duration such as 30s, 5m, "
                                  "1h)", what, t ? t : "");
    return RS_OK;
}

/* "result[0] >= 0.95" → ">= 0.95" into out; -1 when rollsim's argo gate cannot evaluate it (gates.c
 * parse_condition reads the same forms). */
static int condition(const char *s, char *out, size_t len)
{
    while (*s == ' ')
        s++;
    if (!strncmp(s, "result[0]", 9))
        s += 9;
    else if (!strncmp(s, "result", 6))
        s += 6;
    else
        return -1;
    while (*s == ' ')
        s++;
    const char *op = s[0] == '<' || s[0] == '>' ? s : NULL;
    if (!op)
        return -1;
    int oplen = 1 + (s[1] == '=');
    s += oplen;
    char *end;
    double x = strtod(s, &end);
    while (*end == ' ')
        end++;
    if (end == s || *end || !isfinite(x) || strpbrk(s, "xXpP"))
        return -1;
    while (*s == ' ')
        s++;
    int numlen = 0; /* the number as written: the gate reads it with strtod as Argo's expr does */
    while (s[numlen] && s[numlen] != ' ')
        numlen++;
    snprintf(out, len, "%.*s %.*s", oplen, op, numlen, s);
    return 0;
}

/* The template `name` (a ClusterAnalysisTemplate when cluster) among the files. */
static const rs_mnode *find_template(rs_imp *im, const char *name, int cluster)
{
    for (size_t i = 0; i < im->n_files; i++)
        for (size_t d = 0; d < im->files[i].n_docs; d++) {
            const rs_mnode *doc = im->files[i].docs[d];
            const char *kind = rs_imp_kind(doc);
            if (kind && !strcmp(kind, cluster ? "ClusterAnalysisTemplate" : "AnalysisTemplate") &&
                !strcmp(rs_imp_name(doc), name))
                return doc;
        }
    return NULL;
}

typedef struct argo_metrics {
    size_t n;
    int failure_limit_note, no_condition_note;
    char names[512]; /* the templates, for the notes */
} argo_metrics;

/* One AnalysisTemplate metric as an entry of the gate's `metrics`. */
static rs_status write_metric(rs_imp *im, const rs_mnode *m, argo_metrics *am, double *run_hours)
{
    const rs_mnode *name = rs_mnode_get(m, "name");
    if (!rs_mnode_text(name))
        return rs_imp_fail(im, m, "metrics: expected a name");
    const char *metric;
    if (rs_imp_metric(im, name, name->text, &metric))
        return RS_ERR_INPUT;
    FILE *p = im->policy;
    fprintf(p, "      { name = \"%s\",", metric);
    static const char *const ints[][2] = {{"failureLimit", "failure_limit"},
                                          {"inconclusiveLimit", "inconclusive_limit"},
                                          {"consecutiveErrorLimit", "consecutive_error_limit"},
                                          {"consecutiveSuccessLimit", "consecutive_success_limit"},
                                          {"count", "count"}};
    static const char *const conds[][2] = {{"successCondition", "success"}, {"failureCondition", "failure"}};
    static const char *const known[] = {"name", "interval", "initialDelay", "provider", "failureLimit",
                                        "inconclusiveLimit", "consecutiveErrorLimit", "consecutiveSuccessLimit",
                                        "count", "successCondition", "failureCondition"};
    int n_conditions = 0;
    for (size_t c = 0; c < 2; c++) {
        const rs_mnode *x = rs_mnode_get(m, conds[c][0]);
        if (!x)
            continue;
        char cond[96];
        if (!rs_mnode_text(x) || condition(x->text, cond, sizeof cond))
            return rs_imp_fail(im, x, "%s \"%s\": rollsim evaluates only result[0] (or result) compared with a "
                                      "number by <, <=, > or >=, e.g. result[0] >= 0.95", conds[c][0],
                               rs_mnode_text(x) ? x->text : "");
        fprintf(p, " %s = \"%s\",", conds[c][1], cond);
        n_conditions++;
    }
    long count = 0;
    for (size_t k = 0; k < sizeof ints / sizeof *ints; k++) {
        const rs_mnode *x = rs_mnode_get(m, ints[k][0]);
        long v;
        if (!x)
            continue;
        if (rs_imp_int(im, x, ints[k][0], k == 0 ? -1 : 0, 1000000, &v))
            return RS_ERR_INPUT;
        fprintf(p, " %s = %ld,", ints[k][1], v);
        if (k == 0 && v > 0)
            am->failure_limit_note = (int)v;
        if (k == 4)
            count = v;
    }
    double interval = 0, delay = 0;
    const rs_mnode *iv = rs_mnode_get(m, "interval"), *dl = rs_mnode_get(m, "initialDelay");
    if (iv && go_duration(im, iv, "interval", &interval))
        return RS_ERR_INPUT;
    if (dl && go_duration(im, dl, "initialDelay", &delay))
        return RS_ERR_INPUT;
    if (iv) {
        fprintf(p, " interval = ");
        rs_imp_duration(p, interval);
        fprintf(p, ",");
    }
    if (dl) {
        fprintf(p, " initial_delay = ");
        rs_imp_duration(p, delay);
        fprintf(p, ",");
    }
    /* EffectiveCount (analysis_types.go): 1 without an interval, none (until terminated) with one */
    double hours = delay + (count > 0 ? (double)(count - 1) * interval : 0);
    if (hours > *run_hours)
        *run_hours = hours;
    fprintf(p, " }, -- %s (%s:%d)\n", name->text, m->file, m->line);
    if (!n_conditions)
        am->no_condition_note = 1;
    const rs_mnode *prov = rs_mnode_get(m, "provider");
    if (prov && prov->n && prov->kind == RS_MNODE_MAP)
        fprintf(im->notes, "metric %s: its %s query is not run: it is rollsim's %s over the window since the "
                           "previous measurement\n", name->text, prov->items[0]->key, metric);
    for (size_t i = 0; m->kind == RS_MNODE_MAP && i < m->n; i++) {
        size_t k = 0;
        while (k < sizeof known / sizeof *known && strcmp(known[k], m->items[i]->key))
            k++;
        if (k == sizeof known / sizeof *known)
            rs_imp_warn(im, m->items[i], "metric %s: %s is not simulated (left out)", name->text, m->items[i]->key);
    }
    am->n++;
    return RS_OK;
}

/* Whether metricName matches one of the template's dryRun entries (Argo matches them as regular expressions). */
static int dry_run(const rs_mnode *tmpl_spec, const char *metric)
{
    const rs_mnode *dr = rs_mnode_get(tmpl_spec, "dryRun");
    for (size_t i = 0; dr && dr->kind == RS_MNODE_SEQ && i < dr->n; i++) {
        const char *pat = rs_mnode_text(rs_mnode_get(dr->items[i], "metricName"));
        if (!pat)
            continue;
        char anchored[512];
        snprintf(anchored, sizeof anchored, "^(%s)$", pat);
        regex_t re;
        if (regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB))
            continue;
        int hit = !regexec(&re, metric, 0, NULL, 0);
        regfree(&re);
        if (hit)
            return 1;
    }
    return 0;
}

/* The metrics of the templates an analysis (step or background) names. */
static rs_status write_metrics(rs_imp *im, const rs_mnode *analysis, double *run_hours)
{
    const rs_mnode *templates = rs_mnode_get(analysis, "templates");
    if (!templates || templates->kind != RS_MNODE_SEQ || !templates->n)
        return rs_imp_fail(im, analysis, "analysis: expected templates: [{templateName: ...}]");
    argo_metrics am = {0};
    fprintf(im->policy, "    metrics = {\n");
    for (size_t t = 0; t < templates->n; t++) {
        const rs_mnode *ref = templates->items[t];
        const rs_mnode *tn = rs_mnode_get(ref, "templateName");
        const char *cs = rs_mnode_text(rs_mnode_get(ref, "clusterScope"));
        int cluster = cs && !strcmp(cs, "true");
        if (!rs_mnode_text(tn))
            return rs_imp_fail(im, ref, "analysis.templates: expected templateName");
        const rs_mnode *doc = find_template(im, tn->text, cluster);
        if (!doc)
            return rs_imp_fail(im, tn, "%s \"%s\" is not in the files given: add the file that defines it",
                               cluster ? "ClusterAnalysisTemplate" : "AnalysisTemplate", tn->text);
        const rs_mnode *spec = rs_mnode_get(doc, "spec");
        const rs_mnode *metrics = rs_mnode_get(spec, "metrics");
        if (!metrics || metrics->kind != RS_MNODE_SEQ || !metrics->n)
            return rs_imp_fail(im, doc, "AnalysisTemplate \"%s\": expected spec.metrics", tn->text);
        size_t used = strlen(am.names);
        snprintf(am.names + used, sizeof am.names - used, "%s%s", used ? ", " : "", tn->text);
        for (size_t i = 0; i < metrics->n; i++) {
            const char *mname = rs_mnode_text(rs_mnode_get(metrics->items[i], "name"));
            if (mname && dry_run(spec, mname)) {
                rs_imp_warn(im, metrics->items[i], "metric %s is a dryRun metric: Argo measures it but it never "
                                                   "decides the run; left out", mname);
                continue;
            }
            if (am.n == RS_PG_MAX_METRICS)
                return rs_imp_fail(im, metrics->items[i], "more than %d metrics: rollsim's argo gate takes at most %d",
                                   RS_PG_MAX_METRICS, RS_PG_MAX_METRICS);
            if (write_metric(im, metrics->items[i], &am, run_hours))
                return RS_ERR_INPUT;
        }
        if (rs_mnode_get(spec, "measurementRetention"))
            rs_imp_warn(im, rs_mnode_get(spec, "measurementRetention"),
                        "measurementRetention is not simulated (it keeps history only)");
        if (rs_mnode_get(spec, "args"))
            fprintf(im->notes, "AnalysisTemplate %s: its args feed only the provider queries, which rollsim does "
                               "not run\n", tn->text);
    }
    fprintf(im->policy, "    },\n");
    if (!am.n)
        return rs_imp_fail(im, templates, "every metric of %s is dryRun: the analysis can never fail (drop it, or "
                                          "import without it)", am.names);
    fprintf(im->notes, "metrics of %s: Argo's fields as the gate's keys (failureLimit -> failure_limit, ...)\n",
            am.names);
    if (am.failure_limit_note)
        fprintf(im->notes, "failureLimit %d: the run fails at failed measurement %d (failed > failureLimit, "
                           "analysis/analysis.go assessMetricStatus; the docs read \"after %d\"), failures counted "
                           "across the run, not in a row\n", am.failure_limit_note, am.failure_limit_note + 1,
                am.failure_limit_note);
    if (am.no_condition_note)
        fprintf(im->notes, "a metric without successCondition or failureCondition: every measurement is Successful "
                           "(utils/evaluate/evaluate.go EvaluateResult)\n");
    return RS_OK;
}

static const char *const step_types[] = {"setWeight", "pause", "analysis"};
static const char *const unsimulated_steps[][2] = {
    {"experiment", "an experiment step (its ReplicaSets and analyses are not run)"},
    {"setCanaryScale", "setCanaryScale (rollsim routes by weight, not by pods)"},
    {"setHeaderRoute", "setHeaderRoute (header-based routing)"},
    {"setMirrorRoute", "setMirrorRoute (traffic mirroring)"},
    {"plugin", "a step plugin"}};

rs_status rs_import_argo(rs_imp *im, const rs_mnode *ro)
{
    snprintf(im->what, sizeof im->what, "Argo Rollouts Rollout '%s'", rs_imp_name(ro));
    const rs_mnode *spec = rs_mnode_get(ro, "spec");
    const rs_mnode *strategy = rs_mnode_get(spec, "strategy");
    if (rs_mnode_get(strategy, "blueGreen"))
        return rs_imp_fail(im, rs_mnode_get(strategy, "blueGreen"),
                           "strategy.blueGreen: rollsim simulates canary rollouts (strategy.canary)");
    const rs_mnode *canary = rs_mnode_get(strategy, "canary");
    if (!canary)
        return rs_imp_fail(im, strategy ? strategy : ro, "expected spec.strategy.canary");
    const rs_mnode *steps = rs_mnode_get(canary, "steps");
    if (!steps || steps->kind != RS_MNODE_SEQ || !steps->n)
        return rs_imp_fail(im, canary, "strategy.canary: expected steps (a canary without steps goes to 100 %% at "
                                       "once: nothing to simulate)");
    static const char *const canary_known[] = {"steps", "analysis", "trafficRouting", "canaryService",
                                               "stableService", "maxSurge", "maxUnavailable", "canaryMetadata",
                                               "stableMetadata"};
    for (size_t i = 0; i < canary->n; i++) {
        size_t k = 0;
        while (k < sizeof canary_known / sizeof *canary_known && strcmp(canary_known[k], canary->items[i]->key))
            k++;
        if (k == sizeof canary_known / sizeof *canary_known)
            rs_imp_warn(im, canary->items[i], "strategy.canary.%s is not simulated", canary->items[i]->key);
    }
    if (!rs_mnode_get(canary, "trafficRouting")) {
        const char *replicas = rs_mnode_text(rs_mnode_get(spec, "replicas"));
        rs_imp_warn(im, canary, "no trafficRouting: Argo reaches a weight by counting pods (spec.replicas %s), "
                                "rollsim routes exactly that share of users", replicas ? replicas : "not given");
    }

    argo_stage *stg = calloc(MAX_STAGES, sizeof *stg);
    if (!stg)
        RS_FAIL(im->err, RS_ERR_RUNTIME, "out of memory");
    size_t ns = 0;
    rs_status st = RS_OK;
    const rs_mnode *first_analysis = NULL;
    for (size_t i = 0; i < steps->n && !st; i++) {
        const rs_mnode *step = steps->items[i];
        if (step->kind != RS_MNODE_MAP || step->n != 1) {
            st = rs_imp_fail(im, step, "steps[%zu]: expected one step such as {setWeight: 20} or {pause: {duration: "
                                       "1h}}", i + 1);
            break;
        }
        const rs_mnode *body = step->items[0];
        const char *type = body->key;
        size_t t = 0;
        while (t < 3 && strcmp(type, step_types[t]))
            t++;
        if (t == 3) {
            size_t u = 0;
            while (u < 5 && strcmp(type, unsimulated_steps[u][0]))
                u++;
            if (u < 5)
                rs_imp_warn(im, body, "steps[%zu]: %s is not simulated", i + 1, unsimulated_steps[u][1]);
            else
                st = rs_imp_fail(im, body, "steps[%zu]: step type \"%s\" cannot be simulated (rollsim simulates "
                                           "setWeight, pause and analysis)", i + 1, type);
            continue;
        }
        if (t == 0) {
            long w;
            if ((st = rs_imp_int(im, body, "setWeight", 0, 100, &w)))
                break;
            if (ns == MAX_STAGES) {
                st = rs_imp_fail(im, body, "more than %d setWeight steps", MAX_STAGES);
                break;
            }
            stg[ns++] = (argo_stage){.weight = w, .at = body, .first_step = i, .last_step = i};
            continue;
        }
        if (!ns) /* a pause or analysis before any setWeight: the canary has weight 0 */
            stg[ns++] = (argo_stage){.weight = 0, .at = body, .first_step = i};
        argo_stage *s = &stg[ns - 1];
        s->last_step = i;
        if (t == 1) {
            if (s->analysis) {
                st = rs_imp_fail(im, body, "steps[%zu]: a pause after the analysis step of setWeight %ld: rollsim's "
                                           "argo stage is setWeight, pause, then the analysis", i + 1, s->weight);
                break;
            }
            const rs_mnode *d = rs_mnode_get(body, "duration");
            if (!d) {
                s->manual++;
                im->manual_pause = 1;
                rs_imp_warn(im, body, "steps[%zu]: a pause without duration waits for a human to promote: simulated "
                                      "as `manual_pause` (--manual-pause, default 1h)", i + 1);
            } else {
                double sec = 0;
                if ((st = pause_seconds(im, d, &sec)))
                    break;
                s->seconds += sec;
            }
        } else {
            if (s->analysis) {
                st = rs_imp_fail(im, body, "steps[%zu]: a second analysis step at setWeight %ld (rollsim's argo stage "
                                           "runs one)", i + 1, s->weight);
                break;
            }
            s->analysis = body;
            if (!first_analysis)
                first_analysis = body;
            for (size_t k = 0; k < body->n; k++)
                if (!strcmp(body->items[k]->key, "dryRun") || !strcmp(body->items[k]->key, "measurementRetention"))
                    rs_imp_warn(im, body->items[k], "steps[%zu].analysis.%s is not simulated", i + 1,
                                body->items[k]->key);
        }
    }
    const rs_mnode *background = rs_mnode_get(canary, "analysis");
    if (!st && background && first_analysis)
        st = rs_imp_fail(im, first_analysis, "an inline analysis step and a background analysis (line %d): rollsim's "
                                             "argo gate runs one or the other", background->line);
    if (!st && !background && !first_analysis)
        st = rs_imp_fail(im, steps, "no analysis (no analysis step, no strategy.canary.analysis): nothing judges the "
                                    "candidate; rollsim would only replay the weights");
    /* inline: every stage runs the same analysis (gates.c starts one run per stage) */
    char key0[512] = "";
    for (size_t k = 0; k < ns && !st && first_analysis; k++) {
        char key[512] = "";
        const rs_mnode *tl = stg[k].analysis ? rs_mnode_get(stg[k].analysis, "templates") : NULL;
        for (size_t j = 0; tl && j < tl->n; j++) {
            const char *name = rs_mnode_text(rs_mnode_get(tl->items[j], "templateName"));
            size_t used = strlen(key);
            snprintf(key + used, sizeof key - used, "%s,", name ? name : "?");
        }
        if (!stg[k].analysis) {
            if (stg[k].seconds == 0 && !stg[k].manual)
                continue; /* left out below */
            st = rs_imp_fail(im, stg[k].at, "setWeight %ld has no analysis step while setWeight %s does: rollsim's argo "
                                            "gate runs the inline analysis in every stage (give each the same analysis "
                                            "step, or use a background analysis)", stg[k].weight,
                             first_analysis == stg[0].analysis ? "of the first stage" : "of another stage");
        } else if (!key0[0]) {
            snprintf(key0, sizeof key0, "%s", key);
        } else if (strcmp(key, key0)) {
            st = rs_imp_fail(im, stg[k].analysis, "this analysis step runs templates %s, an earlier one %s: rollsim's "
                                                  "argo gate runs the same analysis in every stage", key, key0);
        }
    }
    size_t kept = 0;
    for (size_t k = 0; k < ns && !st; k++) {
        if (stg[k].seconds == 0 && !stg[k].manual && !stg[k].analysis) {
            rs_imp_warn(im, stg[k].at, "setWeight %ld is followed by no pause: Argo moves on at once, so rollsim "
                                       "leaves it out", stg[k].weight);
            continue;
        }
        stg[k].kept = 1;
        kept++;
    }
    if (!st && !kept)
        st = rs_imp_fail(im, steps, "no step lasts any time (no pause, no analysis): nothing to simulate");
    if (st) {
        free(stg);
        return st;
    }

    /* the policy */
    FILE *p = im->policy;
    fprintf(p, "{\n    name = \"fixed_stages\", gate = \"argo\", complete = true,\n");
    long starting_stage = 1;
    if (background) {
        long start = 0;
        const rs_mnode *ss = rs_mnode_get(background, "startingStep");
        if (ss && (st = rs_imp_int(im, ss, "analysis.startingStep", 0, (long)steps->n - 1, &start))) {
            free(stg);
            return st;
        }
        /* the stage in effect at step `start` (BeforeStartingStep: the run starts once currentStepIndex >=
         * startingStep); a stage left out lasts no time, so its steps happen when the next kept one starts */
        size_t k = 0;
        while (k + 1 < ns && stg[k + 1].first_step <= (size_t)start)
            k++;
        while (k < ns && !stg[k].kept)
            k++;
        if (k == ns) {
            free(stg);
            return rs_imp_fail(im, ss ? ss : background, "analysis.startingStep %ld: no stage lasts any time from there on, so the "
                                       "background analysis would never judge", start);
        }
        starting_stage = 0;
        for (size_t j = 0; j <= k; j++)
            starting_stage += stg[j].kept;
        fprintf(p, "    analysis = \"background\", starting_step = %ld, -- startingStep %ld", starting_stage, start);
        fprintf(p, " (steps[%ld]: utils/replicaset/canary.go BeforeStartingStep)\n", start + 1);
        if (rs_mnode_get(background, "dryRun"))
            rs_imp_warn(im, rs_mnode_get(background, "dryRun"), "analysis.dryRun is not simulated");
    }
    fprintf(p, "    stages = {\n");
    long number = 0;
    for (size_t k = 0; k < ns; k++) {
        if (!stg[k].kept)
            continue;
        number++;
        double sec = stg[k].seconds;
        if (sec == 0 && !stg[k].manual)
            sec = 1; /* setWeight then analysis: the run starts at the next reconcile; fixed_stages needs a bake */
        fprintf(p, "      { weight = %.10g, bake = ", (double)stg[k].weight / 100);
        if (stg[k].manual)
            fprintf(p, "%d * manual_pause%s", stg[k].manual, sec > 0 ? " + " : "");
        if (sec > 0 || !stg[k].manual)
            rs_imp_duration(p, sec / 3600);
        fprintf(p, " }, -- stage %ld: steps[%zu..%zu], setWeight %ld (%s:%d)\n", number, stg[k].first_step + 1,
                stg[k].last_step + 1, stg[k].weight, stg[k].at->file, stg[k].at->line);
        im->duration += sec / 3600 + stg[k].manual * im->opt->manual_pause;
    }
    fprintf(p, "    },\n");
    double run_hours = 0;
    st = write_metrics(im, background ? background : first_analysis, &run_hours);
    if (first_analysis)
        im->duration += (double)kept * run_hours;
    fprintf(p, "  }");
    fprintf(im->notes,
            "steps: each setWeight opens a stage, its pauses are the stage's bake%s; after the last step Argo sets "
            "the canary to 100 %% (complete = true)\n",
            first_analysis ? ", then the inline analysis step, which the stage waits for (Successful: next stage; "
                             "Inconclusive: paused, rollsim stops there; Failed/Error: abort = rollback)"
                           : "");
    if (background)
        fprintf(im->notes, "background analysis: one AnalysisRun from stage %ld to the end, its counters never "
                           "reset; Failed/Error aborts (rollback), Inconclusive pauses (rollsim stops there)\n",
                starting_stage);
    if (im->manual_pause)
        fprintf(im->notes, "a pause without duration is a manual promotion: rollsim waits `manual_pause` (below) "
                           "and promotes, as if the human always said yes\n");
    free(stg);
    return st;
}
