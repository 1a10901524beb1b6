/* Flagger → fixed_stages with gate = "flagger": the Canary's analysis (interval, threshold, stepWeight or
 * stepWeights, maxWeight, stepWeightPromotion) and its metrics' thresholdRange become the gate's keys; the
 * built-in request-success-rate (percent) and request-duration (P99, ms) become rollsim's success_rate
 * (fraction) and latency_p99. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "import_sys.h"
#include "prodgates.h"

/* Flagger's GetAnalysisInterval (pkg/apis/flagger/v1beta1/canary.go): empty or unparsable: 60 s; below 10 s:
 * 10 s. In hours. */
static double analysis_interval(rs_imp *im, const rs_mnode *n)
{
    const char *t = rs_mnode_text(n);
    double h;
    if (!t || !*t)
        return 60.0 / 3600;
    if (rs_go_duration(t, &h)) {
        rs_imp_warn(im, n, "analysis.interval \"%s\" is not a Go duration: Flagger silently uses 60s "
                           "(GetAnalysisInterval), and so does rollsim", t);
        return 60.0 / 3600;
    }
    if (h < 10.0 / 3600) {
        rs_imp_warn(im, n, "analysis.interval %s is below 10s: Flagger uses 10s (GetAnalysisInterval)", t);
        return 10.0 / 3600;
    }
    return h;
}

rs_status rs_import_flagger(rs_imp *im, const rs_mnode *canary)
{
    snprintf(im->what, sizeof im->what, "Flagger Canary '%s'", rs_imp_name(canary));
    const rs_mnode *spec = rs_mnode_get(canary, "spec");
    const rs_mnode *an = rs_mnode_get(spec, "analysis");
    if (!an && (an = rs_mnode_get(spec, "canaryAnalysis")))
        fprintf(im->notes, "spec.canaryAnalysis (the older name of spec.analysis) read as the analysis\n");
    if (!an || an->kind != RS_MNODE_MAP)
        return rs_imp_fail(im, spec ? spec : canary, "expected spec.analysis");
    const rs_mnode *x;
    if ((x = rs_mnode_get(an, "iterations")))
        return rs_imp_fail(im, x, "analysis.iterations: Flagger's A/B testing and blue/green analyses (iterations, "
                                  "no weights) are not simulated; rollsim simulates the progressive canary "
                                  "(stepWeight or stepWeights, maxWeight)");
    static const char *const warned[][2] = {
        {"match", "header or cookie matching (A/B routing)"},
        {"mirror", "traffic mirroring"},
        {"mirrorWeight", "traffic mirroring"},
        {"sessionAffinity", "session affinity"},
        {"alerts", "alerts (they notify, they do not decide)"},
        {"primaryReadyThreshold", "the primary's readiness threshold"},
        {"canaryReadyThreshold", "the canary's readiness threshold"}};
    static const char *const known[] = {"interval", "threshold", "maxWeight", "stepWeight", "stepWeights",
                                        "stepWeightPromotion", "metrics", "webhooks"};
    for (size_t i = 0; i < an->n; i++) {
        const char *key = an->items[i]->key;
        size_t k = 0;
        while (k < sizeof warned / sizeof *warned && strcmp(key, warned[k][0]))
            k++;
        if (k < sizeof warned / sizeof *warned) {
            rs_imp_warn(im, an->items[i], "analysis.%s: %s is not simulated", key, warned[k][1]);
            continue;
        }
        k = 0;
        while (k < sizeof known / sizeof *known && strcmp(key, known[k]))
            k++;
        if (k == sizeof known / sizeof *known)
            rs_imp_warn(im, an->items[i], "analysis.%s is not simulated", key);
    }
    const rs_mnode *hooks = rs_mnode_get(an, "webhooks");
    for (size_t i = 0; hooks && i < hooks->n; i++) {
        const char *name = rs_mnode_text(rs_mnode_get(hooks->items[i], "name"));
        const char *type = rs_mnode_text(rs_mnode_get(hooks->items[i], "type"));
        rs_imp_warn(im, hooks->items[i], "webhook %s (%s) is not simulated", name ? name : "?",
                    type ? type : "rollout");
    }
    if ((x = rs_mnode_get(spec, "skipAnalysis")) && rs_mnode_text(x) && !strcmp(x->text, "true"))
        rs_imp_warn(im, x, "skipAnalysis: true promotes without any check; rollsim runs the analysis anyway");
    if ((x = rs_mnode_get(spec, "progressDeadlineSeconds")))
        rs_imp_warn(im, x, "progressDeadlineSeconds is not simulated (rollsim's canary is always ready in time)");

    double interval = analysis_interval(im, rs_mnode_get(an, "interval"));
    long threshold = 1, step = 0, max = 0, promo = 0;
    rs_status st = RS_OK;
    if ((x = rs_mnode_get(an, "threshold")) && (st = rs_imp_int(im, x, "analysis.threshold", 0, 1000000, &threshold)))
        return st;
    if (threshold < 1)
        threshold = 1; /* GetAnalysisThreshold */
    if ((x = rs_mnode_get(an, "stepWeight")) && (st = rs_imp_int(im, x, "analysis.stepWeight", 0, 100, &step)))
        return st;
    if ((x = rs_mnode_get(an, "maxWeight")) && (st = rs_imp_int(im, x, "analysis.maxWeight", 0, 100, &max)))
        return st;
    if ((x = rs_mnode_get(an, "stepWeightPromotion")) &&
        (st = rs_imp_int(im, x, "analysis.stepWeightPromotion", 0, 100, &promo)))
        return st;
    const rs_mnode *sw = rs_mnode_get(an, "stepWeights");
    if (sw && (sw->kind != RS_MNODE_SEQ || !sw->n))
        return rs_imp_fail(im, sw, "analysis.stepWeights: expected a list of percents");
    if (!sw && step <= 0)
        return rs_imp_fail(im, an, "analysis: expected stepWeight or stepWeights (rollsim simulates the progressive "
                                   "canary)");

    FILE *p = im->policy;
    fprintf(p, "{\n    name = \"fixed_stages\", gate = \"flagger\",\n    bake = ");
    rs_imp_duration(p, interval);
    fprintf(p, ", -- analysis.interval: one tick each (advanceCanary)\n    threshold = %ld,\n", threshold);
    size_t rungs = 0;
    long top = 0;
    if (sw) {
        fprintf(p, "    steps = {");
        long prev = 0;
        for (size_t i = 0; i < sw->n; i++) {
            long w;
            if ((st = rs_imp_int(im, sw->items[i], "analysis.stepWeights", 1, 1000, &w)))
                return st;
            if (w <= prev)
                return rs_imp_fail(im, sw->items[i], "analysis.stepWeights: expected increasing percents, got %ld "
                                                     "after %ld", w, prev);
            prev = w;
            fprintf(p, "%s%.10g", i ? ", " : " ", (double)w / 100);
        }
        fprintf(p, " }, -- stepWeights\n");
        top = max > 0 ? max : prev > 100 ? 100 : prev;
        for (size_t i = 0; i < sw->n; i++) {
            long w;
            rs_imp_int(im, sw->items[i], "analysis.stepWeights", 1, 1000, &w);
            rungs++;
            if (w >= top)
                break;
        }
    } else {
        fprintf(p, "    step_weight = %.10g, -- stepWeight %ld\n", (double)step / 100, step);
        top = max > 0 ? max : 100;
        rungs = (size_t)((top + step - 1) / step);
    }
    if (max > 0)
        fprintf(p, "    max_weight = %.10g, -- maxWeight %ld\n", (double)max / 100, max);
    if (promo > 0)
        fprintf(p, "    step_weight_promotion = %.10g, -- stepWeightPromotion %ld\n", (double)promo / 100, promo);

    const rs_mnode *metrics = rs_mnode_get(an, "metrics");
    if (!metrics || metrics->kind != RS_MNODE_SEQ || !metrics->n)
        return rs_imp_fail(im, an, "analysis: expected metrics (without them Flagger promotes every canary)");
    if (metrics->n > RS_PG_MAX_METRICS)
        return rs_imp_fail(im, metrics, "more than %d metrics", RS_PG_MAX_METRICS);
    fprintf(p, "    metrics = {\n");
    for (size_t i = 0; i < metrics->n; i++) {
        const rs_mnode *m = metrics->items[i];
        const rs_mnode *name = rs_mnode_get(m, "name");
        if (!rs_mnode_text(name))
            return rs_imp_fail(im, m, "analysis.metrics: expected a name");
        const char *metric = NULL;
        double scale = 1;
        int mapped = 0;
        size_t len = strlen(name->text);
        for (size_t k = 0; k < im->opt->n_maps; k++)
            mapped |= !strncmp(im->opt->maps[k], name->text, len) && im->opt->maps[k][len] == '=';
        if (!mapped && !strcmp(name->text, "request-success-rate") && !rs_mnode_get(m, "templateRef")) {
            metric = "success_rate";
            scale = 0.01; /* Flagger's built-in query returns percent */
        } else if (!mapped && !strcmp(name->text, "request-duration") && !rs_mnode_get(m, "templateRef")) {
            metric = "latency_p99"; /* histogram_quantile(0.99, ...) in milliseconds */
            im->latency = 1;
        } else if ((st = rs_imp_metric(im, name, name->text, &metric))) {
            return st;
        }
        const rs_mnode *range = rs_mnode_get(m, "thresholdRange");
        double lo = NAN, hi = NAN;
        if ((x = rs_mnode_get(range, "min")) && (st = rs_imp_number(im, x, "thresholdRange.min", &lo)))
            return st;
        if ((x = rs_mnode_get(range, "max")) && (st = rs_imp_number(im, x, "thresholdRange.max", &hi)))
            return st;
        if (isnan(lo) && isnan(hi))
            return rs_imp_fail(im, m, "metric %s: expected thresholdRange.min or .max", name->text);
        fprintf(p, "      { name = \"%s\",", metric);
        if (!isnan(lo))
            fprintf(p, " min = %.10g,", lo * scale);
        if (!isnan(hi))
            fprintf(p, " max = %.10g,", hi * scale);
        fprintf(p, " }, -- %s (%s:%d)\n", name->text, m->file, m->line);
        if (scale != 1)
            fprintf(im->notes, "metric %s: Flagger's built-in query returns percent; rollsim's success_rate is a "
                               "fraction, so thresholdRange is divided by 100\n", name->text);
        const char *mi = rs_mnode_text(rs_mnode_get(m, "interval"));
        double mh = 60.0 / 3600; /* GetMetricInterval: 1m */
        if (mi && rs_go_duration(mi, &mh))
            return rs_imp_fail(im, rs_mnode_get(m, "interval"), "metric %s: interval \"%s\": not a Go duration "
                                                                 "(30s, 1m, 5m)", name->text, mi);
        if (fabs(mh - interval) > 1e-9)
            rs_imp_warn(im, m, "metric %s queries the last %g s, rollsim judges the %g s since the previous tick "
                               "(analysis.interval)", name->text, mh * 3600, interval * 3600);
    }
    fprintf(p, "    },\n  }");
    size_t k = promo > 0 ? (size_t)((top + promo - 1) / promo) : 1;
    im->duration = (double)(rungs + 2 + k) * interval;
    fprintf(im->notes,
            "one tick per analysis.interval: a detection tick, a tick that starts the analysis, then a check per tick; "
            "a failed check holds the weight and adds to failedChecks, cumulative (never reset); at threshold %ld "
            "the next tick rolls back; a pass at maxWeight sets Promoting, then Finalising, then Succeeded: %zu "
            "ticks when every check passes (pkg/controller/scheduler.go; the docs' interval x maxWeight / stepWeight "
            "leaves out the detection, start, Promoting and Finalising ticks)\n",
            threshold, rungs + 2 + k);
    return RS_OK;
}
