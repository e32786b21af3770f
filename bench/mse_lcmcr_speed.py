"""LCMCR time per Gibbs sweep beside R's LCMCR C++ sampler (figures from PEERS.md).

Run: python bench/mse_lcmcr_speed.py [--sweeps 20000]
One chain, one thread, after a warm-up run (compilation is cached by numba); the figure is
the median of 3 runs of burn-in sweeps plus recording every 10th sweep.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tribunal.mse.lcmcr import run_chain
from tribunal.mse.table import CaptureTable, from_frame, read_table

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mse"

# R 4.2.2 LCMCR, us/sweep on this project's machines (PEERS.md).
R_US = {
    ("kosovo-like", 10): 11.0,
    ("kosovo-like", 15): 14.4,
    ("uk_2013_6lists", 10): 12.1,
    ("uk_2013_6lists", 15): 16.6,
    ("colombia_reclutamiento_R1_hombre_1999", 10): 46.4,
    ("colombia_reclutamiento_R1_hombre_1999", 15): 68.8,
}


def kosovo_like(seed: int = 1) -> CaptureTable:
    """A 4-list table of about 4,400 observed cases (15 patterns) from a 2-class model."""
    rng = np.random.default_rng(seed)
    n_total = 10_400
    cls = rng.random(n_total) < 0.3
    p = np.where(cls[:, None], [0.55, 0.45, 0.35, 0.25], [0.25, 0.15, 0.12, 0.08])
    x = (rng.random((n_total, 4)) < p).astype(int)
    x = x[x.sum(axis=1) > 0]
    return from_frame(pd.DataFrame(x, columns=["A", "B", "C", "D"]), count_column=None)


def time_table(table: CaptureTable, K: int, sweeps: int) -> tuple[float, float]:
    """Median over 3 runs of (wall, CPU) microseconds per sweep.

    CPU time is reported too because shared machines are noisy: on a loaded machine the
    wall time measures the neighbours, the CPU time the sampler.
    """
    rng = np.random.default_rng(0)
    run_chain(table, rng, K=K, burnin=100, samples=10, thin=10)  # warm-up / load cache
    wall, cpu = [], []
    for rep in range(3):
        rng = np.random.default_rng(rep)
        t0, c0 = time.perf_counter(), time.process_time()
        run_chain(table, rng, K=K, burnin=sweeps // 2, samples=sweeps // 20, thin=10,
                  init="prior")  # no warm-up, so exactly `sweeps` sweeps are timed
        wall.append((time.perf_counter() - t0) / sweeps * 1e6)
        cpu.append((time.process_time() - c0) / sweeps * 1e6)
    return statistics.median(wall), statistics.median(cpu)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sweeps", type=int, default=20_000)
    args = ap.parse_args()
    tables = {"kosovo-like": kosovo_like()}
    for name in ("uk_2013_6lists", "colombia_reclutamiento_R1_hombre_1999"):
        path = SHARED / f"{name}.csv"
        if not path.exists():
            print(f"skip {name}: {path} not found", file=sys.stderr)
            continue
        tables[name] = read_table(path)[None]
    print(f"{'table':40s} {'J':>3s} {'pat':>4s} {'K':>3s} {'wall us':>8s} {'cpu us':>7s} "
          f"{'R us':>6s} {'R/ours(cpu)':>11s}")  # fmt: skip
    for name, table in tables.items():
        for K in (10, 15):
            wall, cpu = time_table(table, K, args.sweeps)
            r = R_US[(name, K)]
            print(
                f"{name:40s} {table.n_lists:3d} {len(table.counts):4d} {K:3d} "
                f"{wall:8.1f} {cpu:7.1f} {r:6.1f} {r / cpu:10.2f}x"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
