"""BCa bootstrap with model selection in every resample: our time and interval beside R's.

SparseMSE's estimatepopulation (stepwise p 0.02, nboot 1000, iseed 1234) on this project's
machines (PEERS.md): western_us 23.8 s, [1,293.2, 3,672.0]; korea_palembang 5.6 s,
[123.3, 440.3]; new_orleans_5 14.5 s, [578.6, 1,532.0]; and MultipleSystemsEstimation's
BCa for the BIC model [12,23] of korea_palembang held fixed: 3.6 s, [130.8, 248.8]. R's random numbers cannot be
reproduced, so the endpoints differ by Monte Carlo error; the script runs several seeds
and prints the spread of our endpoints beside the published ones.

    .venv/bin/python bench/mse_loglinear_bootstrap.py [--seeds 5] [--nboot 1000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from tribunal.mse.bootstrap import bca_bootstrap
from tribunal.mse.loglinear_estimate import choose
from tribunal.mse.table import read_table

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mse"
CASES = [
    ("western_us", {"search": "csv"}, 23.8, (1293.2, 3672.0)),
    ("korea_palembang", {"search": "csv"}, 5.6, (123.3, 440.3)),
    ("new_orleans_5", {"search": "csv"}, 14.5, (578.6, 1532.0)),
    # MultipleSystemsEstimation, BIC model [12,23] held fixed (model-conditional BCa)
    ("korea_palembang", {"model": "b:c,c:d"}, 3.6, (130.8, 248.8)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--nboot", type=int, default=1000)
    args = parser.parse_args()
    for name, how, r_seconds, (plo, phi) in CASES:
        table = read_table(DATA / f"{name}.csv")[None]
        choice = choose(table, **how)
        times, los, his = [], [], []
        for seed in range(args.seeds):
            t0 = time.perf_counter()
            res = bca_bootstrap(table, lambda t, c=choice: c.select(t).estimate,
                                n_boot=args.nboot, seed=1234 + seed)
            times.append(time.perf_counter() - t0)
            los.append(res.interval[0])
            his.append(res.interval[1])
        med = statistics.median(times)
        lo, hi = statistics.median(los), statistics.median(his)
        print(f"{name} {how}: N = {res.estimate:,.3f}; {args.nboot} resamples")
        print(f"  time  ours {med:.1f} s (median of {args.seeds})   R {r_seconds:.1f} s   "
              f"R/ours {r_seconds / med:.1f}")
        print(f"  lower ours median {lo:,.1f} (range {min(los):,.1f}-{max(los):,.1f})   "
              f"published {plo:,.1f}   diff {100 * (lo / plo - 1):+.1f}%")
        print(f"  upper ours median {hi:,.1f} (range {min(his):,.1f}-{max(his):,.1f})   "
              f"published {phi:,.1f}   diff {100 * (hi / phi - 1):+.1f}%")


if __name__ == "__main__":
    main()
