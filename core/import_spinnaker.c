/* Spinnaker → fixed_stages with gate = "kayenta": a Kayenta canaryConfig (its metrics' analysisConfigurations,
 * classifier.groupWeights) and the pipeline's kayentaCanary stage (lifetime, interval, warm-up, lookback,
 * scoreThresholds, the scope's step) become one canary stage judged as orca-kayenta and NetflixACAJudge do;
 * a stage that passes promotes. The share of traffic the canary cluster takes is not in either file: it is a
 * FILL IN of the scenario (`canary_weight`). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "import_sys.h"
#include "prodgates.h"

/* java.time.Duration.parse as orca reads lifetimeDuration: PnDTnHnMn.nS (sign and fractions of seconds
 * allowed). Minutes into *min; -1 when Java would refuse it. */
static int iso_duration(const char *t, double *min)
{
    double total = 0;
    int in_time = 0, any = 0;
    if (*t == '+' || *t == '-')
        t++;
    if (*t != 'P' && *t != 'p')
        return -1;
    t++;
    while (*t) {
        if (*t == 'T' || *t == 't') {
            if (in_time)
                return -1;
            in_time = 1;
            t++;
            continue;
        }
        char *end;
        double x = strtod(t, &end);
        if (end == t)
            return -1;
        char u = *end;
        if (u == 'D' || u == 'd')
            total += in_time ? NAN : x * 1440;
        else if ((u == 'H' || u == 'h') && in_time)
            total += x * 60;
        else if ((u == 'M' || u == 'm') && in_time)
            total += x;
        else if ((u == 'S' || u == 's') && in_time)
            total += x / 60;
        else
            return -1;
        any = 1;
        t = end + 1;
    }
    if (!any || !isfinite(total))
        return -1;
    *min = total;
    return 0;
}

/* The kayentaCanary stage in a document: the stage itself, a pipeline's stage, or NULL. */
static const rs_mnode *find_stage(const rs_mnode *doc)
{
    const char *type = rs_mnode_text(rs_mnode_get(doc, "type"));
    if (type && !strcmp(type, "kayentaCanary"))
        return doc;
    const rs_mnode *stages = rs_mnode_get(doc, "stages");
    for (size_t i = 0; stages && stages->kind == RS_MNODE_SEQ && i < stages->n; i++) {
        type = rs_mnode_text(rs_mnode_get(stages->items[i], "type"));
        if (type && !strcmp(type, "kayentaCanary"))
            return stages->items[i];
    }
    return NULL;
}

int rs_imp_is_spinnaker(const rs_mnode *doc, int *is_config)
{
    if (doc->kind != RS_MNODE_MAP)
        return 0;
    if (rs_mnode_get(doc, "metrics") && (rs_mnode_get(doc, "classifier") || rs_mnode_get(doc, "judge"))) {
        *is_config = 1;
        return 1;
    }
    *is_config = 0;
    return find_stage(doc) != NULL;
}

static rs_status stage_int(rs_imp *im, const rs_mnode *cc, const char *key, long *out, int *given)
{
    const rs_mnode *x = rs_mnode_get(cc, key);
    *given = x != NULL;
    return x ? rs_imp_int(im, x, key, 0, 10000000, out) : RS_OK;
}

rs_status rs_import_spinnaker(rs_imp *im, const rs_mnode *config, const rs_mnode *stage_doc)
{
    const char *cname = rs_mnode_text(rs_mnode_get(config, "name"));
    snprintf(im->what, sizeof im->what, "Spinnaker canary config '%s'", cname ? cname : "?");
    if (!stage_doc)
        return rs_imp_fail(im, config, "a canary config without the pipeline's kayentaCanary stage: give the stage "
                                       "(or the pipeline) JSON too, it holds the lifetime and the score thresholds");
    const rs_mnode *stage = find_stage(stage_doc);
    const rs_mnode *cc = rs_mnode_get(stage, "canaryConfig");
    if (!cc)
        return rs_imp_fail(im, stage, "kayentaCanary stage: expected canaryConfig");
    const char *atype = rs_mnode_text(rs_mnode_get(stage, "analysisType"));
    if (atype && strcmp(atype, "realTime") && strcmp(atype, "realTimeAutomatic"))
        return rs_imp_fail(im, rs_mnode_get(stage, "analysisType"), "analysisType %s: rollsim simulates a real-time "
                                                                   "canary (realTime)", atype);
    rs_status st;
    /* KayentaCanaryContext.kt: lifetimeDuration (ISO-8601), else the older lifetimeHours */
    double lifetime = NAN;
    const rs_mnode *x;
    if ((x = rs_mnode_get(cc, "lifetimeDuration"))) {
        if (!rs_mnode_text(x) || iso_duration(x->text, &lifetime) || !(lifetime > 0))
            return rs_imp_fail(im, x, "lifetimeDuration \"%s\": expected an ISO-8601 duration such as PT2H or PT30M "
                                      "(java.time.Duration)", rs_mnode_text(x) ? x->text : "");
    } else if ((x = rs_mnode_get(cc, "lifetimeHours"))) {
        long h;
        if ((st = rs_imp_int(im, x, "lifetimeHours", 1, 1000000, &h)))
            return st;
        lifetime = 60.0 * (double)h;
    } else {
        return rs_imp_fail(im, cc, "canaryConfig: expected lifetimeDuration (or lifetimeHours)");
    }
    long interval = 0, begin = 0, lookback = 0, offset = 0;
    int has_interval, has_begin, has_lookback, has_offset;
    if ((st = stage_int(im, cc, "canaryAnalysisIntervalMins", &interval, &has_interval)) ||
        (st = stage_int(im, cc, "beginCanaryAnalysisAfterMins", &begin, &has_begin)) ||
        (st = stage_int(im, cc, "lookbackMins", &lookback, &has_lookback)) ||
        (st = stage_int(im, cc, "baselineAnalysisOffsetInMins", &offset, &has_offset)))
        return st;
    /* RunCanaryIntervalsStage.kt: no interval, 0, or one longer than the lifetime is the lifetime; then
     * lifetime / interval judgments (whole minutes, integer division), each after an Interval Wait */
    long life_min = (long)floor(lifetime);
    if (!has_interval || interval <= 0 || interval > life_min) {
        if (has_interval && interval > life_min)
            fprintf(im->notes, "canaryAnalysisIntervalMins %ld is longer than the lifetime (%ld min): orca judges "
                               "once, at the lifetime's end (RunCanaryIntervalsStage.kt)\n", interval, life_min);
        interval = life_min;
    }
    long n = life_min / interval;
    double judged = (double)(n * interval);
    if (judged < lifetime)
        fprintf(im->notes, "the lifetime (%g min) is not a whole number of intervals: orca judges %ld intervals of "
                           "%ld min and the stage ends with the last\n", lifetime, n, interval);
    double pass = 75, marginal = 50; /* KayentaCanaryContext.kt defaults */
    const rs_mnode *th = rs_mnode_get(cc, "scoreThresholds");
    if (th && (x = rs_mnode_get(th, "pass")) && (st = rs_imp_number(im, x, "scoreThresholds.pass", &pass)))
        return st;
    if (th && (x = rs_mnode_get(th, "marginal")) && (st = rs_imp_number(im, x, "scoreThresholds.marginal", &marginal)))
        return st;
    const rs_mnode *cth = rs_mnode_get(rs_mnode_get(config, "classifier"), "scoreThresholds");
    if (cth)
        rs_imp_warn(im, cth, "the canary config's classifier.scoreThresholds are not what the pipeline uses: orca "
                             "judges with the stage's scoreThresholds (pass %g, marginal %g%s)", pass, marginal,
                    th ? "" : ": its defaults");
    long step = 60;
    const rs_mnode *scopes = rs_mnode_get(cc, "scopes");
    if (scopes && scopes->kind == RS_MNODE_SEQ && scopes->n) {
        if ((x = rs_mnode_get(scopes->items[0], "step")) && (st = rs_imp_int(im, x, "scopes.step", 1, 86400, &step)))
            return st;
        if (scopes->n > 1)
            rs_imp_warn(im, scopes->items[1], "a second scope is not simulated (rollsim judges one canary against "
                                              "one baseline)");
    }

    FILE *p = im->policy;
    im->canary_weight = 1;
    double bake_min = (double)begin + judged;
    fprintf(p, "{\n    name = \"fixed_stages\", gate = \"kayenta\", complete = true,\n"
               "    stages = { { weight = canary_weight, bake = ");
    rs_imp_duration(p, bake_min / 60);
    fprintf(p, " } }, -- warm-up + %ld judged interval%s\n    intervals = %ld,\n    check_every = ", n,
            n == 1 ? "" : "s", n);
    rs_imp_duration(p, (double)step / 3600);
    fprintf(p, ", -- scopes.step: one value of each metric per step\n");
    if (has_begin) {
        fprintf(p, "    begin_after = ");
        rs_imp_duration(p, (double)begin / 60);
        fprintf(p, ", -- beginCanaryAnalysisAfterMins %ld\n", begin);
    }
    if (has_lookback && lookback > 0) {
        fprintf(p, "    lookback = ");
        rs_imp_duration(p, (double)lookback / 60);
        fprintf(p, ", -- lookbackMins %ld\n", lookback);
    }
    if (has_offset && offset > 0) {
        fprintf(p, "    baseline_offset = ");
        rs_imp_duration(p, (double)offset / 60);
        fprintf(p, ", -- baselineAnalysisOffsetInMins %ld\n", offset);
    }
    fprintf(p, "    pass_score = %.10g, marginal_score = %.10g,%s\n", pass, marginal,
            th ? " -- the stage's scoreThresholds" : " -- orca's defaults (KayentaCanaryContext.kt)");
    im->duration = bake_min / 60;

    const rs_mnode *metrics = rs_mnode_get(config, "metrics");
    if (!metrics || metrics->kind != RS_MNODE_SEQ || !metrics->n)
        return rs_imp_fail(im, config, "canary config: expected metrics");
    if (metrics->n > RS_PG_MAX_METRICS)
        return rs_imp_fail(im, metrics, "more than %d metrics", RS_PG_MAX_METRICS);
    const rs_mnode *weights = rs_mnode_get(rs_mnode_get(config, "classifier"), "groupWeights");
    fprintf(p, "    metrics = {\n");
    const char *seen[RS_PG_MAX_METRICS];
    size_t n_seen = 0;
    for (size_t i = 0; i < metrics->n; i++) {
        const rs_mnode *m = metrics->items[i];
        const rs_mnode *name = rs_mnode_get(m, "name");
        const char *metric;
        if (!rs_mnode_text(name))
            return rs_imp_fail(im, m, "metrics: expected a name");
        if ((st = rs_imp_metric(im, name, name->text, &metric)))
            return st;
        fprintf(p, "      { name = \"%s\",", metric);
        const rs_mnode *groups = rs_mnode_get(m, "groups");
        const char *group = groups && groups->n ? rs_mnode_text(groups->items[0]) : NULL;
        if (groups && groups->n > 1)
            rs_imp_warn(im, groups->items[1], "metric %s: only its first group (%s) counts in rollsim's score",
                        name->text, group ? group : "?");
        if (group) {
            fprintf(p, " group = \"%s\",", group);
            int first = 1;
            for (size_t k = 0; k < n_seen; k++)
                first &= strcmp(seen[k], group) != 0;
            const rs_mnode *w = rs_mnode_get(weights, group);
            double wv;
            if (first && w) {
                if ((st = rs_imp_number(im, w, "classifier.groupWeights", &wv)))
                    return st;
                fprintf(p, " weight = %.10g,", wv);
            }
            if (first)
                seen[n_seen++] = group;
        }
        const rs_mnode *c = rs_mnode_get(rs_mnode_get(m, "analysisConfigurations"), "canary");
        const char *dir = rs_mnode_text(rs_mnode_get(c, "direction"));
        if (dir) {
            if (strcmp(dir, "increase") && strcmp(dir, "decrease") && strcmp(dir, "either"))
                return rs_imp_fail(im, rs_mnode_get(c, "direction"), "direction \"%s\": expected increase, decrease "
                                                                     "or either", dir);
            fprintf(p, " direction = \"%s\",", dir);
        }
        static const char *const bools[][2] = {{"critical", "critical"}, {"mustHaveData", "must_have_data"}};
        for (int b = 0; b < 2; b++) {
            const char *v = rs_mnode_text(rs_mnode_get(c, bools[b][0]));
            if (v && !strcmp(v, "true"))
                fprintf(p, " %s = true,", bools[b][1]);
        }
        const char *nan = rs_mnode_text(rs_mnode_get(c, "nanStrategy"));
        if (nan) {
            if (strcmp(nan, "remove") && strcmp(nan, "replace"))
                return rs_imp_fail(im, rs_mnode_get(c, "nanStrategy"), "nanStrategy \"%s\": expected remove or "
                                                                       "replace", nan);
            fprintf(p, " nan = \"%s\",", nan);
        }
        const rs_mnode *es = rs_mnode_get(c, "effectSize");
        const char *measure = rs_mnode_text(rs_mnode_get(es, "measure"));
        if (measure && strcmp(measure, "meanRatio"))
            return rs_imp_fail(im, rs_mnode_get(es, "measure"), "effectSize.measure %s: rollsim's kayenta gate "
                                                                "measures the mean ratio (meanRatio) only", measure);
        static const char *const effects[][2] = {{"allowedIncrease", "allowed_increase"},
                                                 {"allowedDecrease", "allowed_decrease"},
                                                 {"criticalIncrease", "critical_increase"},
                                                 {"criticalDecrease", "critical_decrease"}};
        for (int e = 0; e < 4; e++) {
            double v;
            if ((x = rs_mnode_get(es, effects[e][0]))) {
                if ((st = rs_imp_number(im, x, effects[e][0], &v)))
                    return st;
                fprintf(p, " %s = %.10g,", effects[e][1], v);
            }
        }
        if ((x = rs_mnode_get(c, "outliers")))
            rs_imp_warn(im, x, "metric %s: outlier removal is not simulated", name->text);
        fprintf(p, " }, -- %s (%s:%d)\n", name->text, m->file, m->line);
    }
    fprintf(p, "    },\n  }");
    fprintf(im->notes,
            "one canary stage: a warm-up of beginCanaryAnalysisAfterMins, then %ld judgment%s (lifetime / "
            "canaryAnalysisIntervalMins, RunCanaryIntervalsStage.kt), each a Mann-Whitney test at 98 %% per metric on "
            "one value per scopes.step (NetflixACAJudge); a score at or below marginal stops the canary at once "
            "(MonitorKayentaCanaryTask.kt: the judge calls a score equal to marginal Marginal, the stage fails it), "
            "the last score below pass fails it (AggregateCanaryResultsTask.kt); passed, the candidate is promoted "
            "(complete = true)\n", n, n == 1 ? "" : "s");
    fprintf(im->notes, "the baseline is a cluster of the canary's size (Spinnaker deploys one), as the gate's "
                       "baseline_traffic = \"matched\"\n");
    return RS_OK;
}
