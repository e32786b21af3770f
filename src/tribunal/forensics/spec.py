"""What a forensic test is: a vectorised statistic plus the words to report it.

Every single-series test computes a *suspicion statistic* oriented so that larger values
are more suspicious, for many series of equal length at once (rows of a matrix). The same
function scores the series under study, every comparator window and every simulated
genuine series, so the calibrated p-value is a plain rank (see
:mod:`tribunal.forensics.calibration`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

BatchStat = Callable[[np.ndarray, np.ndarray], np.ndarray]
Effect = Callable[[np.ndarray, np.ndarray], tuple[float, str]]


@dataclass(frozen=True)
class TestSpec:
    """A single-series test.

    ``stat(Y, x)`` scores each row of ``Y`` (series values at periods ``x``);
    ``effect(y, x)`` gives an interpretable effect size and its label; ``finding`` is a
    sentence fragment naming what the statistic measures ("fits a quadratic more closely");
    ``min_points`` below which the test says it cannot judge; ``contiguous`` whether gaps
    stop it; ``applicable(y)`` returns a reason when the data cannot support the test.
    """

    name: str
    stat: BatchStat
    effect: Effect
    finding: str
    min_points: int
    contiguous: bool = False
    applicable: Callable[[np.ndarray], str | None] | None = None
    use_real: bool = True
    use_sim: bool = True
    analytic_p: Callable[[np.ndarray, np.ndarray], float] | None = None


def nan_to_floor(a: np.ndarray) -> np.ndarray:
    """Undefined statistics (e.g. R² of a constant series) count as not suspicious."""
    return np.where(np.isfinite(a), a, -np.inf)
