"""Constant or arbitrary ratios between related series.

Related counts (kidney transplants and deceased donors, liver and kidney grafts) move
together, but their ratio still wanders from year to year because each is a separate
count. Robertson, Hinde & Lavee (2019) found China's official ratios nearly constant
(about 2.75 organs per donor). The statistic is ``-log10`` of the coefficient of variation
of the ratio over the common periods; it is calibrated on pairs of related GODT measures
in the comparator countries over windows of the same periods.
"""

from __future__ import annotations

import numpy as np

from tribunal.forensics.spec import nan_to_floor

MIN_POINTS = 4


def ratio_cv(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Coefficient of variation of A/B along each row."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = A / B
        return r.std(axis=1, ddof=1) / r.mean(axis=1)


def stat_ratio(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return nan_to_floor(-np.log10(np.clip(ratio_cv(A, B), 1e-12, None)))


def ratio_summary(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    r = a / b
    return {"mean_ratio": float(r.mean()), "min_ratio": float(r.min()),
            "max_ratio": float(r.max()), "cv": float(ratio_cv(a[None], b[None])[0])}
