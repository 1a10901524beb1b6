#!/usr/bin/env python3
"""Docs that cannot drift (issue 19): runs the commands the README and the tutorial show, and checks every figure
they quote against what those commands wrote. Runs are deterministic (fixed seeds, results independent of
--jobs), so a figure is checked exactly, at the precision the text quotes it with.

Markers in the markdown (HTML comments, invisible when rendered):

  <!-- docs-run ID: COMMAND -->   COMMAND must appear verbatim in the document (it is a command the reader is
                                  shown); it is run in a scratch folder holding scenarios/ (a link to the
                                  source's), with `rollsim` / `./build/rollsim` the program under test. ID names
                                  its output folder (its --out) for the figures.
  FIGURE<!--= ID EXPR -->         the number right before the marker is what EXPR gives over ID's output, rounded
                                  to as many decimals as the text shows (thousands may be spaced: "5 000").

EXPR is Python over these helpers, applied to ID's output folder:
  j("policies.0.estimates.p_escape.hi")    a value of summary.json by its dotted path
  count("runs.csv", outcome="rolled_back", bad=1)   rows of a CSV file matching every KEY=VALUE
  col("segments.csv", "errors", segment="beta")     a column as numbers, over the matching rows
  reps(bad=1)                                       the replications (runs.csv) matching; as a filter value:
                                                    col("segments.csv", "errors", rep=reps(bad=1))
  mean(xs), pct(x) = 100 x, and Python's own (len, sum, min, max, round, abs)
A marker "<!--= ID text EXPR -->" checks instead that the `code span` right before it is EXPR's text (a line
of output quoted whole).

Usage: docs_check.py ROLLSIM SOURCE_DIR FILE.md...   (exit 1 listing every figure that differs)
ROLLSIM_DOCS_WORK=DIR (when editing the docs): run in DIR and keep it; a command whose output folder already
holds a summary.json is not run again.
"""
import csv
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

RUN = re.compile(r"<!--\s*docs-run\s+(\w[\w-]*):\s*(.*?)\s*-->")
FIG = re.compile(r"<!--=\s*(\w[\w-]*)\s+(.*?)\s*-->")
NUM = re.compile(r"([-\u2212]?\d{1,3}(?:[ \u2009\u202f]\d{3})+(?:\.\d+)?|[-\u2212]?\d+(?:\.\d+)?)\s*%?\)?\s*$")


def helpers(out):
    def j(path):
        v = json.load(open(os.path.join(out, "summary.json")))
        for k in path.split("."):
            v = v[int(k)] if isinstance(v, list) else v[k]
        return v

    def rows(name, **want):
        with open(os.path.join(out, name), newline="") as f:
            return [r for r in csv.DictReader(f)
                    if all(r[k] in v if isinstance(v, (set, list)) else r[k] == str(v) for k, v in want.items())]

    return {
        "j": j,
        "rows": rows,
        "count": lambda name, **want: len(rows(name, **want)),
        "reps": lambda **want: {r["rep"] for r in rows("runs.csv", **want)},
        "col": lambda name, c, **want: [float(r[c]) for r in rows(name, **want)],
        "mean": lambda xs: sum(xs) / len(xs),
        "pct": lambda x: 100 * x,
        "len": len, "sum": sum, "min": min, "max": max, "round": round, "abs": abs, "float": float, "str": str,
    }


def main():
    rollsim, src, docs = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3:]
    keep = os.environ.get("ROLLSIM_DOCS_WORK")  # for editing the docs: reuse the outputs found there
    work = keep or tempfile.mkdtemp(prefix="rollsim-docs.")
    if not os.path.exists(os.path.join(work, "scenarios")):
        os.symlink(os.path.join(src, "scenarios"), os.path.join(work, "scenarios"))
    failures, checked, outs = [], 0, {}
    for doc in docs:
        text = open(doc, encoding="utf-8").read()
        for m in RUN.finditer(text):
            ident, cmd = m.group(1), m.group(2)
            shown = text[: m.start()] + text[m.end():]
            if cmd not in shown:
                failures.append(f"{doc}: docs-run {ident}: the command is not shown in the document: {cmd}")
                continue
            argv = shlex.split(cmd)
            if argv[0] in ("rollsim", "./build/rollsim"):
                argv[0] = rollsim
            out = argv[argv.index("--out") + 1] if "--out" in argv else "rollsim-out"
            if keep and os.path.exists(os.path.join(work, out, "summary.json")):
                outs[ident] = os.path.join(work, out)
                continue
            r = subprocess.run(argv, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if r.returncode != 0:
                failures.append(f"{doc}: {cmd}: exit {r.returncode}: {r.stderr.strip()}")
            outs[ident] = os.path.join(work, out)
        for lineno, line in enumerate(text.splitlines(), 1):
            for m in FIG.finditer(line):
                ident, expr = m.group(1), m.group(2)
                before = FIG.sub("", line[: m.start()])
                n = NUM.search(before)
                where = f"{doc}:{lineno}"
                if ident in outs and expr.startswith("text "):  # a quoted line of output: `...` right before
                    checked += 1
                    q = re.search(r"`([^`]*)`\W*$", before)
                    try:
                        value = str(eval(expr[5:], {"__builtins__": {}, **helpers(outs[ident])}))
                    except Exception as e:
                        failures.append(f"{where}: {expr}: {type(e).__name__}: {e}")
                        continue
                    if not q or q.group(1) != value:
                        failures.append(f"{where}: the text quotes {q.group(1) if q else '(nothing)'}, {ident} gives {value}")
                    continue
                if not n:
                    failures.append(f"{where}: no figure right before the marker <!--= {ident} {expr} -->")
                    continue
                if ident not in outs:
                    failures.append(f"{where}: no docs-run {ident} before this figure")
                    continue
                quoted = re.sub(r"[ \u2009\u202f]", "", n.group(1)).replace("\u2212", "-")
                decimals = len(quoted.split(".")[1]) if "." in quoted else 0
                try:
                    value = eval(expr, {"__builtins__": {}, **helpers(outs[ident])})
                    got = f"{float(value):.{decimals}f}"
                except Exception as e:  # a broken expression is a failure of the doc, said as such
                    failures.append(f"{where}: {expr}: {type(e).__name__}: {e}")
                    continue
                if got == "-0" or re.fullmatch(r"-0\.0*", got):
                    got = got[1:]
                checked += 1
                if got != quoted:
                    failures.append(f"{where}: the text says {n.group(1).strip()}, {ident} gives {got} ({expr} = {value})")
    for f in failures:
        print("docs_check: DRIFT " + f)
    print(f"docs_check: {checked} figures checked in {len(outs)} runs, {len(failures)} differ")
    if not keep:
        subprocess.run(["rm", "-rf", work])
    sys.exit(1 if failures or not checked else 0)


main()
