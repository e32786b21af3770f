"""Priors over partitions of records into people, for the second pass
(:mod:`tribunal.linkage.assign`): the Chinese restaurant process, kept as a cheap gate, and
the exchangeable-sequences-of-clusters prior with negative binomial sizes (ESC-NB) that
weighs the pass's moves."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["crp_alpha", "esc_log_weights"]


def crp_alpha(n_records: int, n_people: int) -> float:
    """Concentration alpha of a Chinese restaurant process expecting ``n_people`` tables
    after ``n_records`` customers: solves sum_{i<n} alpha/(alpha+i) = k (Antoniak 1974)."""
    from scipy.special import digamma

    n, k = int(n_records), int(n_people)
    if k <= 1:
        return 1e-9
    if k >= n:
        return 1e12

    def expected(a: float) -> float:
        return a * (digamma(a + n) - digamma(a))

    lo, hi = 1e-9, 1.0
    while expected(hi) < k:
        hi *= 2
    for _ in range(100):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if expected(mid) < k else (lo, mid)
    return math.sqrt(lo * hi)


def esc_log_weights(size: np.ndarray) -> tuple[np.ndarray, float]:
    """Log prior weights of a record joining a person of n records (indexed by n) and of
    it starting a new person, under the exchangeable-sequences-of-clusters prior with
    negative binomial sizes (ESC-NB) of Betancourt, Zanella & Steorts ("Random partition
    models for microclustering tasks", JASA 117, 2022): with mu the zero-truncated
    NB(r, p) distribution of people's sizes, join ~ (n+1) mu(n+1)/mu(n) = (n + r) p and
    new ~ (K+1) mu(1). r and p are fitted by maximum likelihood to the sizes of the
    current partition (K people). Unlike the CRP's n against alpha, the prior follows the
    sizes people have: with r large a person's size barely raises its weight."""
    from scipy.optimize import minimize
    from scipy.special import gammaln

    counts = np.bincount(size)
    s = np.nonzero(counts)[0]
    c = counts[s].astype(float)

    def nll(theta: np.ndarray) -> float:
        r, p = math.exp(theta[0]), 1 / (1 + math.exp(-theta[1]))
        logpmf = (gammaln(s + r) - gammaln(r) - gammaln(s + 1) + r * math.log1p(-p)
                  + s * math.log(p))
        return -float(c @ (logpmf - math.log(-math.expm1(r * math.log1p(-p)))))

    mean = float((s * c).sum() / c.sum())
    fit = minimize(nll, np.array([0.0, math.log(max(mean, 1.01))]), method="Nelder-Mead",
                   options={"xatol": 1e-6, "fatol": 1e-6, "maxiter": 2000})
    r, p = math.exp(fit.x[0]), 1 / (1 + math.exp(-fit.x[1]))
    n = np.arange(int(size.max()) + 1, dtype=float)
    join = np.log(np.maximum(n + r, 1e-300) * p)
    join[0] = -np.inf
    mu1 = r * p * (1 - p) ** r / (1 - (1 - p) ** r)
    return join, float(math.log((len(size) + 1) * mu1))
