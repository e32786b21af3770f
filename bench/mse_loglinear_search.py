"""Exhaustive log-linear model search: our time beside R's Rcapture closedpMS.t.

Fits every hierarchical model of order <= 2 on the 6-list UK 2013 table (32,768 models;
R 4.2.2 Rcapture: 109.5 s on this project's machines, PEERS.md) and every model of order
<= 3 on the 4-list UK table (113 models; R: 0.19 s for a 4-list table), and prints the
median of several runs, the ratio, and the best model (published: BIC best
[12,13,25,35,36,45], N = 12,349.59).

    .venv/bin/python bench/mse_loglinear_search.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from tribunal.mse.selection import exhaustive_search
from tribunal.mse.table import read_table

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mse"
CASES = [
    ("uk_2013_6lists", 2, 109.5, 12349.59),
    ("uk_2013_4lists", 3, 0.19, None),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; wall time grows "
          "with the load, CPU time much less")
    print(f"{'table':<16} {'order':>5} {'models':>7} {'ours s (median)':>16} {'R s':>7} "
          f"{'R/ours':>7}  best N (ours / published)")
    for name, order, r_seconds, published in CASES:
        table = read_table(DATA / f"{name}.csv")[None]
        times, cpu = [], []
        for _ in range(args.repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            res = exhaustive_search(table, max_order=order, criterion="bic")
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        med = statistics.median(times)
        pub = f"{published:,.2f}" if published else "n/a"
        print(f"{name:<16} {order:>5} {res.n_models:>7,} {med:>16.2f} {r_seconds:>7.2f} "
              f"{r_seconds / med:>7.1f}  {res.best.estimate:,.2f} / {pub}  "
              f"[{', '.join(res.best.terms)}]  (CPU {statistics.median(cpu):.2f} s)")


if __name__ == "__main__":
    main()
