/* Model quality that users feel (issue 16): each request has a true class (positive with probability pi, the
 * prevalence), each version predicts it with its recall (true-positive rate) and specificity (true-negative
 * rate); a fraction of requests gets a label after a random delay, so a gate sees the confusion counts of what
 * has arrived by now. This module holds the closed forms (expected precision, recall, accuracy, F1; the labels
 * arrived by t under a delay law) and the conversions between the parameterisations a scenario may give. */
#ifndef RS_QUALITY_H
#define RS_QUALITY_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

#include "scenario.h"

/* The categories of a label (rs_confusion's fields, in order) and of user feedback. */
enum { RS_LABEL_TP = 0, RS_LABEL_FP, RS_LABEL_FN, RS_LABEL_TN, RS_LABEL_UP, RS_LABEL_DOWN, RS_LABEL_KINDS };

/* Probabilities of TP, FP, FN, TN of one request, from pi, recall r and specificity sp. */
void rs_quality_cells(double pi, double r, double sp, double p[4]);

/* The expected values of the metrics measured on many labels (ratios of expected counts: the limits as the
 * number of labels grows). Precision, F1: NaN when the version never predicts positive and pi r = 0. */
double rs_quality_precision(double pi, double r, double sp);
double rs_quality_accuracy(double pi, double r, double sp);
double rs_quality_f1(double pi, double r, double sp);

/* The specificity that another key determines with pi and recall r (versions.N.precision, accuracy, f1,
 * false_positive_rate: see docs/tutorial.md §18). kind is the rs_quality_param; returns NaN when no
 * specificity in [0, 1] gives it. */
double rs_quality_specificity(int kind, double pi, double r, double x);

/* The delay law of labels (an rs_dist: FIXED d, EXPONENTIAL mean a, LOGNORMAL mu a sigma b, CHOICE of fixed
 * delays): its CDF F(x), and G(x) = integral of F from 0 to x (so that the expected labels arrived by t from
 * a constant rate lambda of labelled requests since 0 is lambda G(t)). A delay is drawn by rs_dist_draw. */
double rs_delay_cdf(const rs_dist *d, double x);
double rs_delay_integral(const rs_dist *d, double x);
/* A time by which labels have arrived with probability q (used to size the labels in flight). */
double rs_delay_quantile(const rs_dist *d, double q);

#endif
