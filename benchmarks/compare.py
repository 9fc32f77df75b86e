"""Before/after: the rows of ``run.py`` for two builds of jitufunc, measured
alternately in one session (best and median of N runs each).

    # a build of the older commit, e.g. in a worktree:
    git worktree add /tmp/base <commit>
    cp python/jitufunc/_core*.so /tmp/base/python/jitufunc/   # or build it there
    .venv/bin/python benchmarks/compare.py /tmp/base --runs 3

The older build is imported through ``PYTHONPATH=<base>/python`` with its
own ``benchmarks/run.py``; this checkout's build is the one installed in
``.venv``. The order alternates between runs (which goes first changes
memory-bound rows by a few percent).
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GROUPS = ["vectorize", "gufunc", "compile", "startup", "lazy", "parallel", "fastmath"]
ROW = re.compile(r"^(\d+)\s+(.*?)\s{2,}([\d.]+) (ms|us)\s")


def run(base, group):
    env = dict(os.environ)
    script = ROOT / "benchmarks" / "run.py"
    if base is not None:
        env["PYTHONPATH"] = str(base / "python")
        script = base / "benchmarks" / "run.py"
    out = subprocess.run([sys.executable, str(script), "--only", group],
                         capture_output=True, text=True, env=env, cwd=ROOT).stdout
    rows = {}
    for line in out.splitlines():
        m = ROW.match(line)
        if m:
            rows[m.group(2)] = (float(m.group(3)), m.group(4))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path, help="checkout of the older commit, with its _core built")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=GROUPS, action="append")
    args = parser.parse_args()
    print(f"{'benchmark':58} {'after best':>11} {'(median)':>9} {'before best':>12} {'(median)':>9}")
    for group in args.only or GROUPS:
        times = {}
        for i in range(args.runs):
            order = [None, args.base] if i % 2 == 0 else [args.base, None]
            for who in order:
                for label, (t, unit) in run(who, group).items():
                    times.setdefault(label, {"unit": unit, None: [], "base": []})
                    times[label][None if who is None else "base"].append(t)
        for label, d in times.items():
            new, old = d[None], d["base"]
            if not new or not old:
                print(f"{label[:58]:58} (missing in one build)")
                continue
            u = d["unit"]
            print(f"{label[:58]:58} {min(new):8.3f} {u} {statistics.median(new):9.3f} "
                  f"{min(old):9.3f} {u} {statistics.median(old):9.3f}")


if __name__ == "__main__":
    main()
