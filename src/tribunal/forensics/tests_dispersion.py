"""Under-dispersion: less year-to-year noise than counts of independent events allow.

Counts of donors or transplants are at least as variable as a Poisson count around their
trend; real registries are over-dispersed (negative binomial). A series whose residuals
around a smooth trend are far below Poisson noise looks drawn from a formula or smoothed
by hand. The index is the Pearson dispersion of the residuals from a quadratic trend,
``phi = Σ (y - ŷ)² / ((n - 3) · mean(ŷ))`` (McCullagh & Nelder, Generalized Linear Models,
2nd ed., §4.5.2): about 1 for Poisson counts on a quadratic trend, above 1 for
over-dispersed counts or trends that are not quadratic, well below 1 for manufactured
figures. The statistic is ``-log10(phi)``.
"""

from __future__ import annotations

import numpy as np

from tribunal.forensics.spec import TestSpec, nan_to_floor


def dispersion_index(Y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Pearson dispersion of residuals from a quadratic trend, per row of ``Y``."""
    x = np.asarray(x, float)
    t = (x - x.mean()) / max(float(np.ptp(x)), 1.0)
    X = np.vander(t, 3, increasing=True)
    coef = np.linalg.pinv(X) @ Y.T  # tiny pseudo-inverse, one product for all rows
    fitted = (X @ coef).T
    ssr = ((Y - fitted) ** 2).sum(axis=1)
    level = np.maximum(fitted.mean(axis=1), 1.0)
    return ssr / ((x.size - 3) * level)


def stat_dispersion(Y: np.ndarray, x: np.ndarray) -> np.ndarray:
    return nan_to_floor(-np.log10(np.clip(dispersion_index(Y, x), 1e-12, None)))


def _effect(y: np.ndarray, x: np.ndarray) -> tuple[float, str]:
    return float(dispersion_index(y[None, :], x)[0]), "dispersion index (1 = Poisson noise)"


def _applicable(y: np.ndarray) -> str | None:
    if np.ptp(y) == 0:
        return "the series is constant; the repeat test covers that"
    if y.mean() < 5:
        return "counts average below 5; Poisson noise cannot be told from rounding at that scale"
    return None


DISPERSION = TestSpec(
    name="underdispersion",
    stat=stat_dispersion,
    effect=_effect,
    finding="varies less around its trend",
    min_points=5,
    applicable=_applicable,
)
