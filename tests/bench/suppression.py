"""Benchmark 5: deciding which counts a council may not read exactly (二次秘匿), per week.

    python -m tests.bench.suppression                  # 10, 40 and 60 districts
    python -m tests.bench.suppression --districts 40 --weeks 20

Generates a city's weeks with realistic small counts (each district: 0-6 new needs a week,
each in one or two of the ten categories, most of them shopping, talk, health or meals;
0-6 taken, referred, resolved, open, watching alerts raised and resolved) and times
``decide_week`` — the whole decision for one week of a municipality, as a city's digest
(or a council member's /digest) makes it four times, once per week it shows — with its
cache emptied before each week. Prints the machine, the median and the slowest week per
size and the share of the cells hidden. Not part of the test suite (the file name does not
start with ``test_``).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import time

from models.needs import Category
from scheduler.digests.aggregate import Figures
from scheduler.digests.suppression import COLUMNS, _decide, decide_week

TARGET_SECONDS = 1.0  # per week, with 60 districts
COMMON = ["shopping", "talk", "health", "meals"]
SMALL = [0, 0, 0, 1, 1, 1, 2, 2, 3, 4, 6]


def _district_week(rng: random.Random) -> Figures:
    one = Figures(needs_taken=rng.choice(SMALL), needs_referred=rng.choice(SMALL),
                  needs_resolved=rng.choice(SMALL), needs_open=rng.choice(SMALL),
                  alerts_raised=rng.choice(SMALL), alerts_resolved=rng.choice(SMALL))
    for _need in range(rng.choice(SMALL)):
        one.needs_raised += 1
        pool = COMMON if rng.random() < 0.7 else [c.value for c in Category]
        one.needs_by_category.update(set(rng.sample(pool, rng.choice([1, 1, 1, 2]))))
    return one


def _cpu() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown CPU"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def run(districts: int, weeks: int, threshold: int, seed: int) -> tuple[float, float, float]:
    """Median and slowest seconds per week, and the share of cells hidden."""
    rng = random.Random(seed * 1000 + districts)
    seconds, hidden, cells = [], 0, 0
    for _week in range(weeks):
        rows = {d: _district_week(rng) for d in range(1, districts + 1)}
        _decide.cache_clear()
        began = time.perf_counter()
        marks = decide_week(rows, threshold)
        seconds.append(time.perf_counter() - began)
        hidden += len(marks)
        cells += (districts + 1) * len(COLUMNS)
    return statistics.median(seconds), max(seconds), hidden / cells


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, nargs="+", default=[10, 40, 60])
    parser.add_argument("--weeks", type=int, default=10, help="weeks timed per size")
    parser.add_argument("--threshold", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(f"Suppression decision on {_cpu()} ({os.cpu_count()} cores, {platform.machine()}, "
          f"Python {platform.python_version()}), threshold {args.threshold}, "
          f"{args.weeks} weeks each; load average "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"{'districts':>9} {'median s':>9} {'slowest s':>10} {'hidden':>7}")
    ok = True
    for districts in args.districts:
        median, slowest, share = run(districts, args.weeks, args.threshold, args.seed)
        print(f"{districts:>9} {median:>9.3f} {slowest:>10.3f} {share:>6.0%}", flush=True)
        if districts <= 60:
            ok = ok and slowest < TARGET_SECONDS
    print(f"target: every week under {TARGET_SECONDS:.0f} s up to 60 districts — "
          f"{'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
