"""Profile-likelihood intervals for the population size of a log-linear model.

For a trial number ``n0`` of unseen cases the complete 2**J table (with ``n0`` in the
all-zero cell) is fitted by the same log-linear model; the multinomial log-likelihood of N
is then ``log N! - log n0! + sum_i y_i log(mu_i / N)`` (Cormack 1992, Biometrics 48:567;
the construction of Rcapture's closedpCI.t, Baillargeon & Rivest 2007). The interval
holds every N whose profile log-likelihood is within ``chi2_1(level) / 2`` of the maximum.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.special import gammaln
from scipy.stats import chi2

from tribunal.mse.loglinear import (
    LoglinearFit,
    design_matrix,
    poisson_glm,
    term_column,
)


class _Profile:
    def __init__(self, fit: LoglinearFit) -> None:
        j = len(fit.lists)
        patterns = np.vstack([np.zeros((1, j), dtype=np.int8), fit.patterns])
        y = np.concatenate([[0.0], fit.observed])
        keep = np.ones(len(y), dtype=bool)
        for t in fit.empty_terms:
            keep &= term_column(patterns, t) == 0
        live = tuple(t for t in fit.model if t not in fit.empty_terms)
        self.x = design_matrix(patterns[keep], live)
        self.y = y[keep]
        self.n = float(fit.n_observed)
        self.start: np.ndarray | None = None
        self.const = float(gammaln(self.y[1:] + 1).sum())

    def __call__(self, n0: float) -> float:
        y = self.y.copy()
        y[0] = n0
        glm = poisson_glm(self.x, y, start=self.start)
        self.start = glm.coef
        big_n = self.n + n0
        pos = y > 0
        return float(
            gammaln(big_n + 1)
            - gammaln(n0 + 1)
            + np.sum(y[pos] * np.log(glm.fitted[pos] / big_n))
        )


def profile_interval(fit: LoglinearFit, level: float = 0.95) -> tuple[float, float]:
    """The profile-likelihood interval for N; the upper end is ``inf`` when unbounded."""
    prof = _Profile(fit)
    cut = chi2.ppf(level, 1) / 2.0
    m0 = max(fit.unobserved, 1e-9)
    hi_search = max(10.0 * m0, m0 + 50.0)
    opt = minimize_scalar(lambda v: -prof(v), bounds=(0.0, hi_search), method="bounded",
                          options={"xatol": 1e-6 * (m0 + 1)})
    n0_hat, l_max = float(opt.x), -float(opt.fun)
    if prof(0.0) > l_max:
        n0_hat, l_max = 0.0, prof(0.0)
    target = l_max - cut

    def g(v: float) -> float:
        return prof(v) - target

    lower = 0.0
    if n0_hat > 0 and g(0.0) < 0:
        lower = brentq(g, 0.0, n0_hat, xtol=1e-6 * (m0 + 1))
    upper = math.inf
    b = max(n0_hat * 2.0, n0_hat + 10.0)
    for _ in range(60):
        if g(b) < 0:
            upper = brentq(g, n0_hat, b, xtol=1e-6 * (m0 + 1))
            break
        b *= 2.0
    return fit.n_observed + lower, fit.n_observed + upper
