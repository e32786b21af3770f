"""Benchmark: Madigan-York model averaging (tribunal.mse.dga) beside published figures.

Prints, for each benchmark table, our posterior summary beside the published (or recorded
re-derived) figure and the median wall time of 3 runs; then the coverage of the 95%
interval on simulated tables with known N. Run: .venv/bin/python bench/mse_dga.py [--sims N]
Reference data: ../shared/data/mse (beside the repository).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tribunal.mse.dga import estimate_dga, negative_binomial_prior
from tribunal.mse.table import from_frame, read_table

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mse"

# (table, settings, reference text from the table's .md)
CASES = [
    (
        "spina_bifida_3",
        {"delta": 1.0, "prior": negative_binomial_prior(13.14, 55.17), "grid": range(1, 301)},
        "M&Y 1997 / dga tests: Bayes 731, mode 728 (median 731 [682, 797] re-derived)",
    ),
    ("korea_palembang", {"delta": 1 / 8}, "re-derived: 159 [123, 422]"),
    (
        "madigan_york_5",
        {"delta": 0.5, "grid": range(1, 301)},
        "re-derived (dga README setting): 616 [588, 655], mode 614",
    ),
    ("madigan_york_5", {"delta": 2**-5}, "re-derived: 618 [590, 656]"),
    ("western_us", {"delta": 2**-5}, "re-derived: 2,132 [1,343, 3,848]"),
    ("new_orleans_5", {"delta": 2**-5}, "re-derived: 847 [529, 1,589]"),
    ("uk_2013_5lists", {"delta": 2**-5}, "re-derived: 22,990 [10,387, 33,508]"),
    ("netherlands_5", {"delta": 2**-5}, "re-derived: 49,385 [41,405, 168,992]"),
]


def bench_tables() -> None:
    print(f"{'table':16} {'grid':>8} {'ours: median [95%] (mode)':>36} {'time':>8}  reference")
    for name, kw, ref in CASES:
        table = read_table(SHARED / f"{name}.csv")[None]
        times = []
        for _ in range(3):
            start = time.perf_counter()
            r = estimate_dga(table, **kw)
            times.append(time.perf_counter() - start)
        lo, hi = r.interval
        ours = f"{r.estimate:,.0f} [{lo:,.0f}, {hi:,.0f}] ({r.diagnostics['mode']:,})"
        points = r.diagnostics["grid"]["n_points"]
        print(f"{name:16} {points:>8,} {ours:>36} {statistics.median(times):7.2f}s  {ref}")


def _simulate(rng: np.random.Generator, n: int, lists: int) -> pd.DataFrame:
    # Truth: [L1,L2][L2,L3][L4]...: a chain of dependences plus independent lists.
    cols = {}
    cols["L1"] = rng.random(n) < 0.3
    cols["L2"] = rng.random(n) < np.where(cols["L1"], 0.5, 0.2)
    cols["L3"] = rng.random(n) < np.where(cols["L2"], 0.45, 0.25)
    for k in range(4, lists + 1):
        cols[f"L{k}"] = rng.random(n) < 0.2
    frame = pd.DataFrame(cols).astype(int)
    return frame[frame.sum(axis=1) > 0]


def bench_coverage(sims: int) -> None:
    print(f"\nCoverage of the 95% interval on simulated tables ({sims} each, default settings)")
    for lists, truth in ((3, 500), (3, 3000), (4, 800), (5, 1000)):
        rng = np.random.default_rng(1000 + lists)
        covered, rel, start = 0, [], time.perf_counter()
        for _ in range(sims):
            r = estimate_dga(from_frame(_simulate(rng, truth, lists), count_column=None))
            covered += r.interval[0] <= truth <= r.interval[1]
            rel.append(r.estimate / truth - 1)
        print(
            f"  {lists} lists, N = {truth}: coverage {covered / sims:.3f} (nominal 0.95), "
            f"median relative error of the median {np.median(rel):+.3f}, "
            f"{(time.perf_counter() - start) / sims:.3f} s per table"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sims", type=int, default=200)
    args = parser.parse_args()
    bench_tables()
    bench_coverage(args.sims)
