"""Coverage of log-linear intervals on simulated tables with known N.

Truth: the Western U.S. fit with A:E (N = 2,483; 5 lists) and the Korea fit with b:c, c:d
(N = 157). Each simulation draws every cell of the full 2**J table (the unseen cell
included) as Poisson with the fitted means, hides the unseen cell, and estimates N (a) with
the true model held fixed and its profile-likelihood interval, (b) with the model chosen
by BIC and that model's profile interval (ignores selection), and optionally (c) with BIC
and a BCa bootstrap that redoes the selection (slow: --boot N). Prints the share of 95%
intervals covering the truth (nominal 0.95) and the median relative error.

    .venv/bin/python bench/mse_loglinear_coverage.py [--sims 200] [--boot 0] [--seed 1]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from tribunal.errors import TribunalError
from tribunal.mse.hierarchy import parse_model
from tribunal.mse.intervals import profile_interval
from tribunal.mse.loglinear import fit_loglinear
from tribunal.mse.loglinear_estimate import estimate_loglinear
from tribunal.mse.table import CaptureTable, read_table

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mse"


def simulate(fit, table: CaptureTable, rng) -> tuple[CaptureTable, float]:
    means = np.concatenate([[fit.unobserved], fit.fitted])
    draw = rng.poisson(means)
    pats = fit.patterns
    sim = CaptureTable(table.lists, np.asarray(pats, dtype=np.int64), draw[1:].astype(np.int64))
    return sim, float(draw.sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=200)
    parser.add_argument("--boot", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    for name, model in (("western_us", "A:E"), ("korea_palembang", "b:c,c:d")):
        table = read_table(DATA / f"{name}.csv")[None]
        truth_model = parse_model(model, table.lists)
        truth = fit_loglinear(table, truth_model)
        rows: dict[str, list[tuple[bool, float]]] = {"true model, profile": [],
                                                       "BIC choice, profile": []}
        if args.boot:
            rows[f"BIC choice, BCa {args.boot}"] = []
        failed = 0
        for _ in range(args.sims):
            sim, n_true = simulate(truth, table, rng)
            try:
                f = fit_loglinear(sim, truth_model)
                lo, hi = profile_interval(f)
                rows["true model, profile"].append((lo <= n_true <= hi, f.estimate / n_true))
                r = estimate_loglinear(sim, search="exhaustive", criterion="bic")
                lo, hi = r.interval
                rows["BIC choice, profile"].append((lo <= n_true <= hi, r.estimate / n_true))
                if args.boot:
                    r = estimate_loglinear(sim, search="exhaustive", criterion="bic",
                                           bootstrap=args.boot, seed=int(rng.integers(1e9)))
                    lo, hi = r.interval
                    rows[f"BIC choice, BCa {args.boot}"].append(
                        (lo <= n_true <= hi, r.estimate / n_true))
            except (TribunalError, ValueError, RuntimeError):
                failed += 1
        print(f"{name}: truth [{model}] N = {truth.estimate:,.1f}; {args.sims} simulations, "
              f"{failed} failed (no existing MLE)")
        for label, values in rows.items():
            cover = np.mean([c for c, _ in values])
            rel = np.median([e for _, e in values])
            print(f"  {label:<24} coverage {cover:.3f} (nominal 0.95)  median N/truth {rel:.3f}")


if __name__ == "__main__":
    main()
