"""Coverage of LCMCR's 95% interval on tables simulated from latent class models.

Run: python bench/mse_lcmcr_coverage.py [--sims 200] [--N 2000]
Design (as tests/mse/test_lcmcr.py, longer chains): 5 lists, 2 latent classes with weights
~ Dirichlet(1, 1) and capture probabilities ~ Uniform(0.05, 0.5), N = 2,000; LCMCR with K=5,
2 chains x (burn-in 2,000, 500 draws every 10 sweeps). Nominal coverage: 0.95.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from tribunal.mse.lcmcr import estimate_lcmcr
from tribunal.mse.table import from_frame


def simulate_lc(rng: np.random.Generator, n_total: int, lists: int = 5, classes: int = 2):
    weights = rng.dirichlet(np.ones(classes))
    lam = rng.uniform(0.05, 0.5, size=(classes, lists))
    z = rng.choice(classes, size=n_total, p=weights)
    x = (rng.random((n_total, lists)) < lam[z]).astype(int)
    x = x[x.sum(axis=1) > 0]
    return from_frame(pd.DataFrame(x, columns=[f"L{j}" for j in range(lists)]), count_column=None)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sims", type=int, default=200)
    ap.add_argument("--N", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=20160101)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    covered, rel_err, widths, seen = 0, [], [], []
    t0 = time.perf_counter()
    for i in range(args.sims):
        table = simulate_lc(rng, args.N)
        res = estimate_lcmcr(table, K=5, chains=2, burnin=2000, samples=500, thin=10, seed=i)
        lo, hi = res.interval
        covered += lo <= args.N <= hi
        rel_err.append(res.estimate / args.N - 1)
        widths.append((hi - lo) / args.N)
        seen.append(table.n_observed / args.N)
    cov = covered / args.sims
    se = np.sqrt(cov * (1 - cov) / args.sims)
    print(f"{args.sims} simulations, N={args.N}, share seen {np.median(seen):.2f} (median)")
    print(f"95% interval coverage: {cov:.3f} (+- {se:.3f} s.e.); nominal 0.95")
    print(f"median relative error of the posterior median {np.median(rel_err):+.3f}; "
          f"median relative interval width {np.median(widths):.3f}")
    print(f"{time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
