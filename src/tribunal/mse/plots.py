"""Figures for MSE results, written as PNG with matplotlib's Agg backend.

- :func:`plot_observed_fitted`: observed against fitted counts of every capture pattern of
  a log-linear fit (on log scales; a good model keeps points near the diagonal).
- :func:`plot_posterior`: histogram of posterior draws of N (for dga and LCMCR; any
  estimator may call it), with the median, 95% interval and an optional published value.
- :func:`plot_model_weights`: the best models of a search with their AIC/BIC weights
  (Burnham & Anderson 2002, 2.9) and estimates.
- :func:`plot_strata`: each stratum's estimate and interval beside its observed count, and
  the total (a forest plot).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from tribunal.errors import InputError  # noqa: E402


def _save(fig, path: str | Path) -> Path:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.tight_layout()
        fig.savefig(path, dpi=120, format="png")
    except OSError as exc:
        raise InputError(f"cannot write the plot to {path}: {exc.strerror or exc}",
                         hint="give a writable file path ending in .png") from exc
    finally:
        plt.close(fig)
    return path


def plot_strata(rows: Sequence[dict], total: dict, path: str | Path) -> Path:
    """Forest plot of a stratified estimate: for each stratum (and the total, last) the
    estimate with its 95% interval as a bar, and the observed count as an open mark, so
    the share of unseen cases shows at a glance. ``rows`` and ``total`` are result dicts
    (``MSEResult.to_dict()``) with ``stratum``, ``estimate``, ``interval``, ``n_observed``."""
    items = [*rows, total]
    fig, ax = plt.subplots(figsize=(7, 1.2 + 0.45 * len(items)))
    for i, r in enumerate(items):
        y = len(items) - 1 - i
        color = "#8b1f1f" if r is total else "#1f5f8b"
        interval = r.get("interval")
        if interval and all(v is not None and np.isfinite(v) for v in interval):
            ax.plot(interval, [y, y], color=color, lw=2)
        ax.plot([r["estimate"]], [y], "o", color=color)
        ax.plot([r["n_observed"]], [y], "|", color="0.3", ms=12)
    ax.set_yticks(range(len(items)))
    ax.set_yticklabels([str(r.get("stratum")) for r in reversed(items)])
    ax.set_xlabel("N (dot: estimate, bar: 95% interval, tick: observed)")
    ax.set_title("Estimates by stratum and total")
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)


def plot_observed_fitted(fit, path: str | Path, *, title: str | None = None) -> Path:
    """Observed vs fitted pattern counts of a :class:`~tribunal.mse.loglinear.LoglinearFit`.

    Axes are log(1 + count) so zero cells show; observed patterns are labelled (1 = on that
    list, in column order) when there are few patterns.
    """
    obs, fitted = np.asarray(fit.observed), np.asarray(fit.fitted)
    fig, ax = plt.subplots(figsize=(6, 5.5))
    ax.scatter(fitted + 1, obs + 1, s=22, color="#1f5f8b", alpha=0.8)
    top = max(obs.max(), fitted.max()) + 1
    ax.plot([1, top * 1.5], [1, top * 1.5], color="grey", lw=1, ls="--")
    ax.set_xscale("log")
    ax.set_yscale("log")
    if len(obs) <= 31:
        for pat, o, f in zip(fit.patterns, obs, fitted, strict=True):
            if o == 0:  # unlabelled: the empty cells crowd the corner
                continue
            label = "".join(str(int(v)) for v in pat)
            ax.annotate(label, (f + 1, o + 1), fontsize=7, xytext=(3, 2),
                        textcoords="offset points", color="#444")
    ax.set_xlabel("fitted count + 1")
    ax.set_ylabel("observed count + 1")
    terms = ", ".join(fit.terms) or "main effects"
    ax.set_title(title or f"Observed vs fitted patterns [{terms}]\nN = {fit.estimate:,.1f}",
                 fontsize=10)
    return _save(fig, path)


def plot_posterior(
    draws: Sequence[float] | np.ndarray,
    path: str | Path,
    published: float | None = None,
    *,
    title: str = "Posterior of N",
    weights: Sequence[float] | np.ndarray | None = None,
) -> Path:
    """Histogram of posterior draws of N (or of a grid with ``weights``), with median,
    equal-tailed 95% interval and, if given, a published figure for comparison."""
    x = np.asarray(draws, dtype=float).ravel()
    w = None if weights is None else np.asarray(weights, dtype=float).ravel()
    if w is None:
        x = x[np.isfinite(x)]
        med, lo, hi = np.quantile(x, [0.5, 0.025, 0.975])
    else:
        order = np.argsort(x)
        x, w = x[order], w[order]
        cdf = np.cumsum(w) / w.sum()
        med, lo, hi = (float(x[np.searchsorted(cdf, q)]) for q in (0.5, 0.025, 0.975))
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.hist(x, bins=60, weights=w, color="#7aa6c2", edgecolor="white", density=True)
    ax.axvline(med, color="#1f5f8b", lw=2, label=f"median {med:,.0f}")
    ax.axvspan(lo, hi, color="#1f5f8b", alpha=0.08, label=f"95% [{lo:,.0f}, {hi:,.0f}]")
    if published is not None:
        ax.axvline(published, color="#c0392b", lw=1.5, ls="--",
                   label=f"published {published:,.0f}")
    ax.set_xlabel("N")
    ax.set_ylabel("density")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_model_weights(
    labels: Sequence[str],
    scores: Sequence[float],
    estimates: Sequence[float],
    path: str | Path,
    *,
    criterion: str = "BIC",
    top: int = 15,
) -> Path:
    """Bar chart of the ``top`` models' weights exp(-score/2), normalised over those shown."""
    s = np.asarray(scores, dtype=float)[:top]
    w = np.exp(-(s - s.min()) / 2)
    w /= w.sum()
    labels = [lab or "main effects" for lab in list(labels)[:top]]
    est = list(estimates)[:top]
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(w) + 1.5))
    y = np.arange(len(w))[::-1]
    ax.barh(y, w, color="#7aa6c2")
    for yi, wi, e in zip(y, w, est, strict=True):
        ax.text(wi, yi, f"  N={e:,.0f}", va="center", fontsize=7)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_xlabel(f"{criterion} weight (among the models shown)")
    ax.set_xlim(0, min(1.0, w.max() * 1.35 + 0.05))
    ax.set_title(f"Best models by {criterion}", fontsize=10)
    return _save(fig, path)
