"""Plot the Madigan-York posterior of N with the model weights behind it (matplotlib, PNG)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tribunal.mse.dga_summary import posterior_quantile
from tribunal.mse.result import MSEResult

_TAIL = 0.0005  # posterior mass left off each end of the plotted axis


def plot_dga_posterior(result: MSEResult, path: str | Path, *, top: int = 8) -> Path:
    """Write a PNG: the model-averaged posterior of N, the best models' contributions, and
    the posterior model probabilities (like dga's plotPosteriorN and plotTopModels).

    Each model's curve is its conditional posterior of N scaled by its posterior probability,
    so the curves add up to the averaged one.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    post = result.details["posterior_N"]
    curves = result.details.get("top_models_posterior_N", {"N": [], "models": {}})
    models = result.details["models"]
    weight = {m["model"]: m["probability"] for m in models}
    fig, (ax, bx) = plt.subplots(
        1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1.6, 1]}, layout="constrained"
    )
    ax.plot(post["N"], post["probability"], color="black", lw=2.2, label="model average")
    for label, prob in curves["models"].items():
        w = weight[label]
        if w < 1e-3:
            continue
        ax.plot(
            curves["N"],
            [p * w for p in prob],
            ls="--",
            lw=1.2,
            label=f"{label} ({w:.2f})",
        )
    lo, hi = result.interval or (None, None)
    if lo is not None:
        ax.axvspan(lo, hi, color="0.85", zorder=0, label="95% interval")
    ax.axvline(result.estimate, color="tab:red", lw=1, label=f"median {result.estimate:,.0f}")
    left, right, cut = axis_limits(post["N"], post["probability"])
    ax.set_xlim(left, right)
    ax.set_xlabel("population size N" + (
        f" (axis cut at the {100 * _TAIL:g}% and {100 * (1 - _TAIL):g}% quantiles)" if cut else ""
    ))
    ax.set_ylabel("posterior probability")
    ax.set_title("Posterior of N (decomposable graphical models)")
    ax.legend(fontsize=7, loc="upper right")
    shown = models[:top]
    bx.barh(
        [m["model"] for m in shown][::-1], [m["probability"] for m in shown][::-1], color="0.4"
    )
    bx.set_xlabel("posterior model probability")
    bx.tick_params(axis="y", labelsize=7)
    bx.set_title(f"Top {len(shown)} of {len(models)} models")
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def axis_limits(n_values: Any, probability: Any) -> tuple[float, float, bool]:
    """The N range to plot and whether it cuts the grid.

    A long grid (20 x the observed cases) would squeeze the peak into one pixel, so the axis
    spans the 0.05% to 99.95% posterior quantiles with a 10% margin.
    """
    grid = np.asarray(n_values, dtype=float)
    mass = np.asarray(probability, dtype=float)
    left, right = (posterior_quantile(grid, mass, q) for q in (_TAIL, 1 - _TAIL))
    pad = max(1.0, 0.1 * (right - left))
    lo, hi = max(grid[0], left - pad), min(grid[-1], right + pad)
    return float(lo), float(hi), bool(lo > grid[0] or hi < grid[-1])
