"""LCMCR on the internal-consistency benchmark (known truth) beside Binette & Steorts (2021).

Run: python bench/mse_lcmcr_internal_consistency.py
Each sub-problem drops one list L and estimates |L| from the cases on L seen by the other
lists (../shared/data/mse/internal_consistency/README.md). Binette & Steorts' LCMCR row
(K=10, 200 chains x 100 draws): mean LRB -0.52, sd 0.52, RMSE 0.72, median -0.50, coverage
0.60, over the 10 sub-problems they kept. Ours: K=10, 4 chains x (10,000 burn-in, 1,000
draws, thin 100). LRB = log(estimate / true N).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tribunal.mse.lcmcr import estimate_lcmcr
from tribunal.mse.table import read_table

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mse"
PUBLISHED = {"mean": -0.52, "sd": 0.52, "rmse": 0.72, "median": -0.50, "coverage": 0.60}


def main() -> int:
    folder = SHARED / "internal_consistency"
    index = pd.read_csv(folder / "index.csv")
    rows = []
    for rec in index.itertuples():
        table = read_table(folder / rec.file)[None]
        res = estimate_lcmcr(table, K=10, chains=4, burnin=10_000, samples=1000, thin=100, seed=7)
        lo, hi = res.interval
        rows.append(dict(
            file=rec.file, true_N=rec.true_N, n_obs=table.n_observed, estimate=res.estimate,
            lower=lo, upper=hi, lrb=float(np.log(res.estimate / rec.true_N)),
            covered=bool(lo <= rec.true_N <= hi), agree=res.diagnostics["chains_agree"],
            used=bool(rec.used_in_Binette_Steorts_summary),
        ))  # fmt: skip
        r = rows[-1]
        print(f"{r['file']:34s} N={r['true_N']:5d} n={r['n_obs']:4d} est {r['estimate']:7.0f} "
              f"[{lo:7.0f}, {hi:7.0f}] LRB {r['lrb']:+.2f} {'cov' if r['covered'] else '   '} "
              f"{'' if r['agree'] else 'CHAINS DISAGREE'}")  # fmt: skip
    frame = pd.DataFrame(rows)
    used = frame[frame.used]
    lrb = used.lrb.to_numpy()
    ours = {
        "mean": lrb.mean(), "sd": lrb.std(ddof=1), "rmse": np.sqrt(np.mean(lrb**2)),
        "median": np.median(lrb), "coverage": used.covered.mean(),
    }  # fmt: skip
    print(f"\n{len(used)} sub-problems used by Binette & Steorts:")
    print(f"{'':10s} {'mean LRB':>9s} {'sd':>6s} {'RMSE':>6s} {'median':>7s} {'coverage':>9s}")
    for label, v in (("ours", ours), ("published", PUBLISHED)):
        print(f"{label:10s} {v['mean']:9.2f} {v['sd']:6.2f} {v['rmse']:6.2f} "
              f"{v['median']:7.2f} {v['coverage']:9.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
