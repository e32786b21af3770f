"""BCa bootstrap with model selection in every resample: our time and interval beside R's.

SparseMSE's estimatepopulation (stepwise p 0.02, nboot 1000, iseed 1234) on this project's
machines (PEERS.md): western_us 23.8 s, [1,293.2, 3,672.0]; korea_palembang 5.6 s,
[123.3, 440.3]; new_orleans_5 14.5 s, [578.6, 1,532.0]; and MultipleSystemsEstimation's
BCa for the BIC model [12,23] of korea_palembang held fixed: 3.6 s, [130.8, 248.8]. R's random numbers cannot be
reproduced, so the endpoints differ by Monte Carlo error; the script runs several seeds
and prints the spread of our endpoints beside the published ones.

    .venv/bin/python bench/mse_loglinear_bootstrap.py [--seeds 5] [--nboot 1000] [--slow]

--slow adds the UK 5-list table with the order-2 BIC search redone in every resample
(published: 22,991, BCa [11,456, 43,894]; Silverman, Chan & Vincent 2024, Table 6).
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
# Silverman, Chan & Vincent (2024, Stat. Comput. 34:44, Table 6): BIC over order-2 models
# with the search redone in each of 1,000 resamples; no R timing recorded (None).
SLOW = [
    ("uk_2013_5lists", {"search": "exhaustive", "criterion": "bic"}, None, (11456.0, 43894.0)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--nboot", type=int, default=1000)
    parser.add_argument("--slow", action="store_true",
                        help="also the UK 5-list BIC search (minutes per seed)")
    args = parser.parse_args()
    for name, how, r_seconds, (plo, phi) in CASES + (SLOW if args.slow else []):
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
        r_text = f"R {r_seconds:.1f} s   R/ours {r_seconds / med:.1f}" if r_seconds else "R n/a"
        print(f"  time  ours {med:.1f} s (median of {args.seeds})   {r_text}")
        print(f"  lower ours median {lo:,.1f} (range {min(los):,.1f}-{max(los):,.1f})   "
              f"published {plo:,.1f}   diff {100 * (lo / plo - 1):+.1f}%")
        print(f"  upper ours median {hi:,.1f} (range {min(his):,.1f}-{max(his):,.1f})   "
              f"published {phi:,.1f}   diff {100 * (hi / phi - 1):+.1f}%")


if __name__ == "__main__":
    main()
