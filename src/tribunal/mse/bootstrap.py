"""BCa bootstrap intervals for N that redo the model selection in every resample.

As in Chan, Silverman & Vincent (2021, JASA 116:1297, Sec. 3.3; SparseMSE's
``estimatepopulation``): resample the observed cases (a multinomial draw of n cases over the
observed patterns), rerun the whole estimator (search included) on each resample, estimate
the acceleration by the jackknife that removes one case of each pattern in turn, and take
the bias-corrected and accelerated percentiles (Efron 1987, JASA 82:171; DiCiccio & Efron
1996, Stat. Sci. 11:189) with type-8 quantiles (Hyndman & Fan 1996).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from tribunal.errors import TribunalError
from tribunal.mse.table import CaptureTable

ProgressCallback = Callable[[int, int], None]
Estimator = Callable[[CaptureTable], float]


@dataclass
class BootstrapResult:
    """The BCa interval and what it was built from."""

    estimate: float
    interval: tuple[float, float]
    replicates: np.ndarray
    z0: float
    acceleration: float
    n_failed: int
    level: float

    def summary(self) -> dict[str, object]:
        reps = self.replicates[np.isfinite(self.replicates)]
        return {
            "interval": list(self.interval),
            "level": self.level,
            "resamples": int(len(self.replicates)),
            "failed_resamples": self.n_failed,
            "bias_correction_z0": self.z0,
            "acceleration": self.acceleration,
            "replicate_median": float(np.median(reps)) if reps.size else None,
        }


def _safe(estimator: Estimator, table: CaptureTable) -> float:
    try:
        value = float(estimator(table))
    except (TribunalError, np.linalg.LinAlgError, FloatingPointError, ValueError):
        return math.nan
    return value if math.isfinite(value) else math.nan


def with_counts(table: CaptureTable, counts: np.ndarray) -> CaptureTable:
    return dataclasses.replace(table, counts=np.asarray(counts, dtype=np.int64), warnings=())


def bca_quantiles(
    replicates: np.ndarray, estimate: float, acceleration: float, probs: np.ndarray
) -> tuple[np.ndarray, float]:
    """BCa percentiles of the replicates (SparseMSE's bcaconfvalues, written anew)."""
    reps = replicates[np.isfinite(replicates)]
    prop = float(np.mean(reps < estimate))
    prop = min(max(prop, 0.5 / reps.size), 1 - 0.5 / reps.size)
    z0 = float(norm.ppf(prop))
    za = norm.ppf(probs) + z0
    adjusted = norm.cdf(z0 + za / (1 - acceleration * za))
    return np.quantile(reps, adjusted, method="median_unbiased"), z0


def bca_bootstrap(
    table: CaptureTable,
    estimator: Estimator,
    *,
    n_boot: int = 1000,
    seed: int | None = None,
    level: float = 0.95,
    on_progress: ProgressCallback | None = None,
) -> BootstrapResult:
    """BCa interval for ``estimator(table)`` with ``n_boot`` multinomial resamples.

    ``estimator`` must run the whole procedure (model search and fit) and return N. A
    resample on which it fails (for example no model with an existing MLE) is counted in
    ``n_failed`` and left out; the caller should warn when that is more than a few.
    """
    if n_boot < 10:
        raise TribunalError("a bootstrap needs at least 10 resamples",
                            hint="use 1,000 or more for a published interval; 0 for none")
    if seed is not None and (not isinstance(seed, (int, np.integer)) or seed < 0):
        raise TribunalError(f"the seed must be a whole number >= 0, not {seed!r}")
    rng = np.random.default_rng(seed)
    counts = table.counts.astype(np.int64)
    n = int(counts.sum())
    probs = counts / n
    estimate = float(estimator(table))
    draws = rng.multinomial(n, probs, size=n_boot)
    positive = np.flatnonzero(counts > 0)
    total = n_boot + positive.size
    reps = np.empty(n_boot)
    for b in range(n_boot):
        reps[b] = _safe(estimator, with_counts(table, draws[b]))
        if on_progress is not None and (b % 10 == 9 or b == n_boot - 1):
            on_progress(b + 1, total)
    jack = np.zeros(len(counts))
    for k, i in enumerate(positive):
        reduced = counts.copy()
        reduced[i] -= 1
        jack[i] = _safe(estimator, with_counts(table, reduced))
        if on_progress is not None:
            on_progress(n_boot + k + 1, total)
    w = counts.astype(float)
    ok = np.isfinite(jack) | (w == 0)
    jack = np.where(ok, jack, estimate)
    resid = (w @ jack) / w.sum() - jack
    denom = 6.0 * (w @ resid**2) ** 1.5
    accel = float((w @ resid**3) / denom) if denom > 0 else 0.0
    n_failed = int(np.sum(~np.isfinite(reps)))
    if n_boot - n_failed < 10:
        raise TribunalError(
            f"the estimator failed on {n_failed} of {n_boot} bootstrap resamples",
            hint="the table is too sparse for this search; fix a model with --model",
        )
    alpha = (1 - level) / 2
    q, z0 = bca_quantiles(reps, estimate, accel, np.array([alpha, 1 - alpha]))
    return BootstrapResult(estimate, (float(q[0]), float(q[1])), reps, z0, accel, n_failed, level)
