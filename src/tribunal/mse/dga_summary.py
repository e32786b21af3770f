"""Summaries and warnings for a posterior of N on a grid (tribunal.mse.dga).

Quantiles, Madigan & York's (1997) Bayes estimate E[1/N]/E[1/N^2], separate modes, and the
checks that posterior mass does not press against the ends of the grid of missing counts.
"""

from __future__ import annotations

import numpy as np


def posterior_quantile(n_total: np.ndarray, prob: np.ndarray, q: float) -> int:
    """Smallest N on the grid whose posterior cumulative probability reaches ``q``."""
    cdf = np.cumsum(prob)
    idx = int(np.searchsorted(cdf, q * cdf[-1] - 1e-12))
    return int(n_total[min(idx, n_total.size - 1)])


def bayes_estimate(n_total: np.ndarray, prob: np.ndarray) -> float:
    """E[1/N] / E[1/N^2]: Madigan & York's estimator under relative squared-error loss."""
    inv = prob / n_total
    return float(inv.sum() / (inv / n_total).sum())


def summaries(n_total: np.ndarray, prob: np.ndarray) -> dict[str, float]:
    return {
        "median": posterior_quantile(n_total, prob, 0.5),
        "lower_95": posterior_quantile(n_total, prob, 0.025),
        "upper_95": posterior_quantile(n_total, prob, 0.975),
        "mode": int(n_total[int(np.argmax(prob))]),
        "mean": float((prob * n_total).sum() / prob.sum()),
        "bayes_estimate": bayes_estimate(n_total, prob),
    }



def posterior_modes(n_total: np.ndarray, prob: np.ndarray, *, floor: float = 0.05) -> list[int]:
    """Separate modes of the posterior of N, highest first.

    A local maximum counts when its height is at least ``floor`` times the highest and the
    posterior dips below half the lower of two neighbouring peaks between them; otherwise
    the two are one mode (the higher is kept).
    """
    inner = (prob[1:-1] > prob[:-2]) & (prob[1:-1] >= prob[2:])
    peaks = [i + 1 for i in np.flatnonzero(inner)]
    if prob.size > 1 and prob[0] > prob[1]:
        peaks.insert(0, 0)
    if prob.size > 1 and prob[-1] > prob[-2]:
        peaks.append(prob.size - 1)
    peaks = [i for i in peaks if prob[i] >= floor * prob.max()] or [int(np.argmax(prob))]
    kept = [peaks[0]]
    for i in peaks[1:]:
        last = kept[-1]
        if prob[last : i + 1].min() < 0.5 * min(prob[last], prob[i]):
            kept.append(i)
        elif prob[i] > prob[last]:
            kept[-1] = i
    return [int(n_total[i]) for i in sorted(kept, key=lambda i: -prob[i])]


def mode_warnings(
    n_total: np.ndarray, prob: np.ndarray, median: int, n_observed: int
) -> list[str]:
    modes = posterior_modes(n_total, prob)
    if len(modes) < 2:
        return []
    at_median = prob[int(np.searchsorted(n_total, median))]
    lowest_peak = min(prob[int(np.searchsorted(n_total, m))] for m in modes)
    where = " and ".join(f"{m:,}" for m in sorted(modes))
    text = f"the posterior of N has {len(modes)} separate modes (near {where})"
    if at_median < 0.5 * lowest_peak:
        text += " and the median falls in a trough between them"
    text += (
        ": competing models explain the overlaps differently; report the interval and the "
        "model probabilities, not a single number"
    )
    if n_observed in modes and n_total[0] == n_observed:
        text += (
            f". The mode at {n_observed:,} (no one missing) comes from models that leave the "
            "unseen cell unidentified, such as the saturated model; it reflects delta and "
            "the prior on N more than the data"
        )
    return [text]


def cap_warnings(missing: np.ndarray, prob: np.ndarray) -> tuple[list[str], float]:
    """Warn when posterior mass presses against either end of the grid of missing counts."""
    warnings = []
    top_zone = missing >= missing[0] + 0.9 * (missing[-1] - missing[0])
    near_cap = float(prob[top_zone].sum())
    # A tail as dense as at the cap and as long as the grid would hold this much more mass.
    beyond = float(prob[-1] * missing.size)
    if near_cap > 0.005 or beyond > 0.01:
        warnings.append(
            f"{near_cap:.1%} of the posterior of N lies in the top tenth of the grid "
            f"(missing counts up to {int(missing[-1])}): the upper tail is cut by the cap; "
            "raise max_missing and check that the estimate and interval stay put"
        )
    if missing[0] > 0 and prob[0] > 1e-2 * prob.max():
        warnings.append(
            f"the posterior of N is not negligible at the grid's lower end "
            f"({int(missing[0])} missing); start the grid at 0"
        )
    return warnings, near_cap


