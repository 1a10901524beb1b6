/* report.html: one self-contained page per output folder of run or compare, drawn with its plots — the scenario,
 * each policy's estimates with their 95 % intervals, the paired differences, and the plots inlined (base64 PNG) —
 * that a planner can send to their team. Everything comes from the folder's summary.json and plots/. */
#ifndef RS_HTMLREPORT_H
#define RS_HTMLREPORT_H

#include "status.h"

/* Writes DIR/report.html (atomically) from DIR/summary.json and the PNGs in DIR/plots/. */
rs_status rs_html_report(const char *dir, rs_error *err);

#endif
