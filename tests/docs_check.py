#!/usr/bin/env python3
"""Docs that cannot drift (issue 19): runs the commands the README and the tutorial show, and checks every figure
they quote against what those commands wrote or printed. Runs are deterministic (fixed seeds, results independent
of --jobs), so a figure is checked exactly, at the precision the text quotes it with.

Markers in the markdown (HTML comments, invisible when rendered):

  <!-- docs-run ID: COMMAND -->   COMMAND must appear verbatim in the document (it is a command the reader is
                                  shown); it is run without a shell.
  <!-- docs-run ID -->            the code block right after the marker (fenced, or indented up to a blank line)
                                  is run as it is shown, by bash (every command must exit 0: `set -e -o pipefail`).
                                  In a block whose lines start with a prompt `$ `, only those lines (and their `\\`
                                  continuations) are run; the other lines are the output they print, checked as a
                                  `block` (below).
  FIGURE<!--= ID EXPR -->         the number right before the marker is what EXPR gives over ID's output, rounded
                                  to as many decimals as the text shows (thousands may be spaced: "5 000").
  `LINE`<!--= ID text EXPR -->    the code span right before the marker is EXPR's text (a line quoted whole).
  <!--= ID block -->              right after a code block: the block is what ID printed — each of its lines is a
                                  whole line of ID's output, in order ("..." stands for lines left out; a line
                                  ending in "..." is a line that starts so).

Commands run in a scratch folder holding links to the source's scenarios/, tests/ and bench/, as a reader in a
clone's top folder would (`rollsim` and `./build/rollsim` are the program under test); what they write goes
under out/, as the docs ask. ID's output folder is the command's (the block's last) `--out`.

EXPR is Python over these helpers, applied to ID's output folder:
  j("policies.0.estimates.p_escape.hi")    a value of summary.json by its dotted path (of another JSON file:
                                           j("objective.value", "best.json"))
  est("argo", "p_escape.hi")                        an estimate of the policy labelled so
  count("runs.csv", outcome="rolled_back", bad=1)   rows of a CSV file matching every KEY=VALUE
  col("segments.csv", "errors", segment="beta")     a column as numbers, over the matching rows
  reps(bad=1)                                       the replications (runs.csv) matching; as a filter value:
                                                    col("segments.csv", "errors", rep=reps(bad=1))
  by("curves.csv", "rep", policy="p")               the matching rows grouped by a column's value: {value: rows}
  at("out/x")                                       the same helpers over another folder: at("out/x").j("...")
  stdout()                                          what ID printed on stdout (a string); grab(REGEX) its
                                                    first match's first group, as a number when it reads as one
  abtest(A, B)                                      section 6's test of B's successes against A's, per replication
  mean(xs), quantile(xs, q) (interpolated, numpy's default), pct(x) = 100 x, and Python's own (len, sum, min,
  max, round, abs, zip, sorted, ...)

Usage: docs_check.py ROLLSIM SOURCE_DIR FILE.md[@SECTIONS]...   (exit 1 listing every figure that differs)
@SECTIONS keeps only some `## N.` sections of a file (`@1-4`, `@0,5`; 0 is what comes before section 1), so
that ctest can run a long document as several tests in parallel; a section's figures use its own runs only.
ROLLSIM_DOCS_WORK=DIR (when editing the docs): run in DIR and keep it; a command already run there (same text)
is not run again (so a block that reads another command's output is stale when that command changes: delete
DIR/.docs then). Each command's wall and CPU time is printed: the whole suite must stay cheap on 2 cores.
"""
import csv
import hashlib
import json
import os
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import time
import types

RUN = re.compile(r"<!--\s*docs-run\s+(\w[\w-]*)(?::\s*(.*?))?\s*-->")
FIG = re.compile(r"<!--=\s*(\w[\w-]*)\s+(.*?)\s*-->")
NUM = re.compile(r"([-\u2212]?\d{1,3}(?:[ \u2009\u202f]\d{3})+(?:\.\d+)?|[-\u2212]?\d+(?:\.\d+)?)\s*%?\)?\s*$")
SECTION = re.compile(r"^## (\d+)\.", re.M)
CSV = {}  # the CSV files read, by path: a figure's expression may read one many times


def helpers(work, out, stdout=""):
    def j(path, name="summary.json"):
        v = json.load(open(os.path.join(out, name)))
        for k in path.split("."):
            v = v[int(k)] if isinstance(v, list) else v[k]
        return v

    def rows(name, **want):
        path = os.path.join(out, name)
        if path not in CSV:
            with open(path, newline="") as f:
                CSV[path] = list(csv.DictReader(f))
        return [r for r in CSV[path]
                if all(r[k] in v if isinstance(v, (set, list)) else r[k] == str(v) for k, v in want.items())]

    def by(name, key, **want):
        groups = {}
        for r in rows(name, **want):
            groups.setdefault(r[key], []).append(r)
        return groups

    def est(label, path):
        """An estimate of the policy labelled so: est("argo", "p_escape.hi")."""
        for p in j("policies"):
            if p.get("label") == label or p.get("plugin") == label:
                v = p["estimates"]
                for k in path.split("."):
                    v = v[k]
                return v
        raise KeyError(label)

    def grab(regex):
        m = re.search(regex, stdout, re.M)
        if not m:
            raise ValueError(f"{regex!r} not in the output")
        try:
            return float(m.group(1))
        except ValueError:
            return m.group(1)

    def abtest(a, b):
        """Section 6's two-proportion z-test on successes, per replication: (reps, mean rate a, mean rate b, b better
        at z > 1.96, b worse at z < -1.96) -- computed here again, to check the tables quoting the awk's output."""
        n, s = {}, {}
        for r in rows("segments.csv"):
            k = (r["rep"], r["version"])
            n[k] = n.get(k, 0) + float(r["requests"])
            s[k] = s.get(k, 0) + float(r["successes"])
        reps_ = sorted({k[0] for k in n})
        pa = [s[r, a] / n[r, a] for r in reps_]
        pb = [s[r, b] / n[r, b] for r in reps_]
        p = [(s[r, a] + s[r, b]) / (n[r, a] + n[r, b]) for r in reps_]
        z = [(y - x) / (q * (1 - q) * (1 / n[r, a] + 1 / n[r, b])) ** 0.5 for x, y, q, r in zip(pa, pb, p, reps_)]
        return (len(reps_), sum(pa) / len(pa), sum(pb) / len(pb), sum(v > 1.96 for v in z), sum(v < -1.96 for v in z))

    return {
        "j": j,
        "abtest": abtest,
        "rows": rows,
        "est": est,
        "by": by,
        "count": lambda name, **want: len(rows(name, **want)),
        "reps": lambda **want: {r["rep"] for r in rows("runs.csv", **want)},
        "col": lambda name, c, **want: [float(r[c]) for r in rows(name, **want)],
        "at": lambda d: types.SimpleNamespace(**helpers(work, os.path.join(work, d))),
        "stdout": lambda: stdout,
        "grab": grab,
        "mean": lambda xs: sum(xs) / len(xs),
        "quantile": quantile,
        "pct": lambda x: 100 * x,
        "len": len, "sum": sum, "min": min, "max": max, "round": round, "abs": abs, "float": float, "str": str,
        "int": int, "zip": zip, "sorted": sorted, "set": set, "any": any, "all": all, "dict": dict,
    }


def quantile(xs, q):
    """The q-quantile of xs, interpolated between order statistics (R's type 7, numpy's default)."""
    xs = sorted(xs)
    h = (len(xs) - 1) * q
    lo = int(h)
    return xs[lo] + (h - lo) * (xs[min(lo + 1, len(xs) - 1)] - xs[lo])


def code_block(lines, i):
    """The code block starting at line i or after blank lines: (its lines, the line after it), or (None, i)."""
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i < len(lines) and lines[i].lstrip().startswith("```"):
        fence, j = lines[i].lstrip()[:3], i + 1
        while j < len(lines) and not lines[j].lstrip().startswith(fence):
            j += 1
        return lines[i + 1:j], j + 1
    if i < len(lines) and lines[i].startswith("    "):  # an indented block ends at a blank line here
        j = i
        while j < len(lines) and lines[j].startswith("    ") and lines[j].strip():
            j += 1
        return [line[4:] for line in lines[i:j]], j
    return None, i


def split_prompt(block):
    """A block with `$ ` prompts: (the commands, the output lines shown); else (the block, None)."""
    if not any(line.startswith("$ ") for line in block):
        return block, None
    cmds, shown, cont = [], [], False
    for line in block:
        if line.startswith("$ ") or cont:
            cmds.append(line[2:] if line.startswith("$ ") else line)
            cont = line.rstrip().endswith("\\")
        elif line.strip():
            shown.append(line)
    return cmds, shown


def missing_lines(shown, printed):
    """The first line of `shown` that `printed` does not have in order (None when all are there)."""
    printed, k = printed.splitlines(), 0
    for line in shown:
        if line.strip() == "...":
            continue
        want = line.rstrip()
        match = (lambda p: p.startswith(want[:-3])) if want.endswith("...") else (lambda p: p.rstrip() == want)
        while k < len(printed) and not match(printed[k]):
            k += 1
        if k == len(printed):
            return line
        k += 1
    return None


def sections(text, spec):
    """The lines of `text` outside the `## N.` sections that spec does not name are blanked (line numbers kept)."""
    if not spec:
        return text
    keep = set()
    for part in spec.split(","):
        a, _, b = part.partition("-")
        keep.update(range(int(a), int(b or a) + 1))
    out, current = [], 0
    for line in text.split("\n"):
        m = SECTION.match(line)
        if m:
            current = int(m.group(1))
        out.append(line if current in keep else "")
    return "\n".join(out)


def main():
    rollsim, src, docs = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3:]
    keep = os.environ.get("ROLLSIM_DOCS_WORK")  # for editing the docs: reuse the outputs found there
    work = os.path.abspath(keep) if keep else tempfile.mkdtemp(prefix="rollsim-docs.")
    os.makedirs(os.path.join(work, "build"), exist_ok=True)
    os.makedirs(os.path.join(work, ".docs"), exist_ok=True)
    for name in ("scenarios", "tests", "bench"):
        if not os.path.lexists(os.path.join(work, name)):
            os.symlink(os.path.join(src, name), os.path.join(work, name))
    if not os.path.lexists(os.path.join(work, "build", "rollsim")):
        os.symlink(rollsim, os.path.join(work, "build", "rollsim"))
    env = dict(os.environ, PATH=os.path.join(work, "build") + os.pathsep + os.environ.get("PATH", ""))
    failures, checked, outs, expect = [], 0, {}, {}

    def run(doc, ident, argv, shell, shown_cmd):
        """Runs one command (or block), unless the same text already ran in a kept folder; returns its stdout."""
        key = hashlib.sha1(repr((argv, shell)).encode()).hexdigest()[:16]
        saved = os.path.join(work, ".docs", key)
        if keep and os.path.exists(saved):
            return open(saved, encoding="utf-8").read()
        start, used = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
        if shell:
            r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", argv], cwd=work, env=env,
                               capture_output=True, text=True)
        else:
            r = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True)
        now = resource.getrusage(resource.RUSAGE_CHILDREN)  # CPU time is what the suite's budget is about
        cpu = now.ru_utime + now.ru_stime - used.ru_utime - used.ru_stime
        print(f"docs_check: {doc}: {ident}: {time.monotonic() - start:.1f} s, {cpu:.1f} s CPU", flush=True)
        if r.returncode != 0:
            failures.append(f"{doc}: {ident}: `{shown_cmd}` exits {r.returncode}: {r.stderr.strip()[-600:]}")
        elif keep:
            open(saved, "w", encoding="utf-8").write(r.stdout)
        return r.stdout

    for arg in docs:
        doc, _, spec = arg.partition("@")
        text = sections(open(doc, encoding="utf-8").read(), spec)
        lines = text.split("\n")
        for m in RUN.finditer(text):
            ident, cmd = m.group(1), m.group(2)
            if cmd is not None:  # the one-line form: the command is in the marker and must be in the text
                shown = text[: m.start()] + text[m.end():]
                if cmd not in shown:
                    failures.append(f"{doc}: docs-run {ident}: the command is not shown in the document: {cmd}")
                    continue
                argv = shlex.split(cmd)
                if argv[0] in ("rollsim", "./build/rollsim"):
                    argv[0] = rollsim
                stdout = run(doc, ident, argv, False, cmd)
                script = cmd
            else:  # the code block after the marker
                block, _ = code_block(lines, text.count("\n", 0, m.end()) + 1)
                if block is None:
                    failures.append(f"{doc}: docs-run {ident}: no code block right after the marker")
                    continue
                cmds, shown_out = split_prompt(block)
                script = "\n".join(cmds)
                stdout = run(doc, ident, script, True, script.splitlines()[0] + (" ..." if len(cmds) > 1 else ""))
                if shown_out is not None:
                    expect[ident] = shown_out
            dirs = re.findall(r"--out\s+(\S+)", script)
            out = os.path.join(work, dirs[-1] if dirs else "rollsim-out")
            outs[ident] = (out, stdout)
        CSV.clear()  # the runs above may have rewritten them
        for lineno, line in enumerate(lines, 1):
            for m in FIG.finditer(line):
                ident, expr = m.group(1), m.group(2)
                where = f"{doc}:{lineno}"
                if ident not in outs:
                    failures.append(f"{where}: no docs-run {ident} before this figure")
                    continue
                if expr == "block":  # the code block that ends right before the marker
                    j = lineno - 2
                    while j >= 0 and not lines[j].strip():
                        j -= 1
                    k = j
                    fenced = lines[j].lstrip().startswith("```")
                    if fenced:
                        k -= 1
                        while k >= 0 and not lines[k].lstrip().startswith("```"):
                            k -= 1
                        shown = lines[k + 1:j]
                    else:
                        while k >= 0 and lines[k].startswith("    ") and lines[k].strip():
                            k -= 1
                        shown = [x[4:] for x in lines[k + 1:j + 1]]
                    expect.pop(ident, None)
                    checked += 1
                    miss = missing_lines(split_prompt(shown)[1] or shown, outs[ident][1])
                    if miss is not None:
                        failures.append(f"{where}: {ident} did not print the quoted line: {miss}")
                    continue
                env_h = helpers(work, *outs[ident])
                before = FIG.sub("", line[: m.start()])
                if expr.startswith("text "):  # a quoted line of output: `...` right before
                    checked += 1
                    q = re.search(r"`([^`]*)`\W*$", before)
                    try:
                        value = str(eval(expr[5:], {"__builtins__": {}, **env_h}))
                    except Exception as e:
                        failures.append(f"{where}: {expr}: {type(e).__name__}: {e}")
                        continue
                    if not q or q.group(1) != value:
                        failures.append(f"{where}: the text quotes {q.group(1) if q else '(nothing)'}, {ident} gives {value}")
                    continue
                n = NUM.search(before)
                if not n:
                    failures.append(f"{where}: no figure right before the marker <!--= {ident} {expr} -->")
                    continue
                quoted = re.sub(r"[ \u2009\u202f]", "", n.group(1)).replace("\u2212", "-")
                decimals = len(quoted.split(".")[1]) if "." in quoted else 0
                try:
                    value = eval(expr, {"__builtins__": {}, **env_h})
                    got = f"{float(value):.{decimals}f}"
                except Exception as e:  # a broken expression is a failure of the doc, said as such
                    failures.append(f"{where}: {expr}: {type(e).__name__}: {e}")
                    continue
                if got == "-0" or re.fullmatch(r"-0\.0*", got):
                    got = got[1:]
                checked += 1
                if got != quoted:
                    failures.append(f"{where}: the text says {n.group(1).strip()}, {ident} gives {got} ({expr} = {value})")
        for ident, shown in expect.items():  # a prompt block checks its own output lines
            checked += 1
            miss = missing_lines(shown, outs[ident][1])
            if miss is not None:
                failures.append(f"{doc}: {ident} did not print the quoted line: {miss}")
        expect.clear()
    for f in failures:
        print("docs_check: DRIFT " + f)
    print(f"docs_check: {checked} figures checked in {len(outs)} runs, {len(failures)} differ")
    if not keep:
        subprocess.run(["rm", "-rf", work])
    sys.exit(1 if failures or not checked else 0)


main()
