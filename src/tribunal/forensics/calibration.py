"""Calibrated p-values, comparator flag rates and the multiplicity correction.

The calibrated p-value of a statistic s against reference statistics r_1..r_N is the
Monte Carlo rank p-value ``(1 + #{r_i >= s}) / (1 + N)`` (Davison & Hinkley, Bootstrap
Methods and their Application, 1997, §4.2.1). It is computed twice, against comparator
windows (``p_real``) and against simulated genuine series (``p_sim``), and the reported
p-value is the larger of the two, so a flag needs the series to be extreme against both
the real registries and the generous simulated null. Because ``p >= p_real`` and
``p_real`` is a valid rank p-value when the series is exchangeable with the comparators,
the false-positive rate on genuine comparator data is at most the level. Comparators are
judged leaving their own country out.

Several tests on one series are combined with Holm's step-down procedure (Holm, Scand. J.
Statistics 1979, 6:65-70), which controls the family-wise error rate at the level
without assuming independence between tests.
"""

from __future__ import annotations

import numpy as np


def rank_p(stat: float, reference: np.ndarray) -> float | None:
    """Monte Carlo p-value of ``stat`` among ``reference`` (larger = more extreme)."""
    ref = np.asarray(reference, float)
    if ref.size == 0:
        return None
    if not np.isfinite(stat) and stat < 0:
        return 1.0
    return float((1 + np.sum(ref >= stat)) / (1 + ref.size))


def combine(p_real: float | None, p_sim: float | None) -> float | None:
    """The reported p-value: the larger of the available ones."""
    have = [p for p in (p_real, p_sim) if p is not None]
    return max(have) if have else None


def loo_flags(stats: np.ndarray, country: np.ndarray, latest: np.ndarray,
              level: float, sim_p: np.ndarray | None = None) -> tuple[int, int, np.ndarray]:
    """Flag each comparator series' latest window against the other countries' windows.

    Returns (number flagged, number of comparator series, their leave-one-country-out
    p-values). ``sim_p`` optionally gives each latest window's p-value against its own
    simulated series, combined as in :func:`combine`.
    """
    stats = np.asarray(stats, float)
    order = np.sort(stats)
    idx = np.flatnonzero(latest)
    pvals = np.empty(idx.size)
    by_country = {c: np.sort(stats[country == c]) for c in np.unique(country[idx])}
    for j, i in enumerate(idx):
        s = stats[i]
        ge_all = order.size - np.searchsorted(order, s, side="left")
        own = by_country[country[i]]
        ge_own = own.size - np.searchsorted(own, s, side="left")
        n_other = order.size - own.size
        pvals[j] = (1 + ge_all - ge_own) / (1 + n_other) if n_other > 0 else 1.0
    if sim_p is not None:
        pvals = np.maximum(pvals, sim_p)
    return int(np.sum(pvals <= level)), int(idx.size), pvals


def holm(pvalues: list[float]) -> list[float]:
    """Holm-adjusted p-values (same order as given)."""
    p = np.asarray(pvalues, float)
    m = p.size
    if m == 0:
        return []
    order = np.argsort(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted.tolist()


def percentile_phrase(p: float) -> str:
    """"more closely than 98.5%" from a p-value (share of the reference less extreme)."""
    share = 100.0 * (1.0 - p)
    return f"{share:.1f}%" if share < 99.95 else ">99.9%"


def window_pvalues(real: np.ndarray) -> np.ndarray:
    """Each reference window's own rank p-value among all windows (itself included)."""
    order = np.sort(real)
    return (order.size - np.searchsorted(order, real, side="left")) / max(order.size, 1)


def combined_min_p(query_p: dict[str, float],
                   real: dict[str, np.ndarray],
                   sims: dict[str, np.ndarray],
                   sim_calibrated: dict[str, bool],
                   exclude: np.ndarray | None = None) -> float | None:
    """Calibrated p-value of the smallest per-test p-value (min-p; Westfall & Young,
    Resampling-Based Multiple Testing, Wiley 1993, §2.6).

    ``query_p`` holds the series' calibrated p-values for the tests in the block;
    ``real[t]`` the statistic of test t on every comparator window (same windows in every
    test) and ``sims[t]`` on every simulated series (same simulations in every test).
    The smallest p-value of the series is ranked among the smallest p-values of the
    comparator windows (each test ranked among the windows) and of the simulations (each
    test ranked among the windows and, where ``sim_calibrated[t]``, the simulations, as
    for the series itself); the larger of the two ranks is returned. Windows get no
    simulation p-value, which makes their minima smaller and the result conservative.
    ``exclude`` masks windows (e.g. the series' own country) out of the comparison.
    """
    tests = [t for t in query_p if t in real]
    if not tests:
        return None
    m_q = min(query_p[t] for t in tests)
    n_real = len(next(iter(real[t] for t in tests)))
    m_w = np.ones(n_real)
    for t in tests:
        m_w = np.minimum(m_w, window_pvalues(real[t]))
    keep = np.ones(n_real, bool) if exclude is None else ~exclude
    p_real = float((1 + np.sum(m_w[keep] <= m_q)) / (1 + keep.sum()))
    sim_tests = [t for t in tests if t in sims]
    if not sim_tests:
        return p_real
    n_sim = len(sims[sim_tests[0]])
    m_s = np.ones(n_sim)
    for t in sim_tests:
        r = np.sort(real[t][keep])
        s = sims[t]
        p = (1 + r.size - np.searchsorted(r, s, side="left")) / (1 + r.size)
        if sim_calibrated.get(t, False):
            ss = np.sort(s)
            p = np.maximum(p, (ss.size - np.searchsorted(ss, s, side="left")) / ss.size)
        m_s = np.minimum(m_s, p)
    p_sim = float((1 + np.sum(m_s <= m_q)) / (1 + n_sim))
    return max(p_real, p_sim)
