"""Digit tests: round numbers, round targets, terminal digits, and Benford where it applies.

*Roundness* of a value v is ``log10`` of the largest unit u in {5, 10, 50, 100, 500, ...}
that divides it, using only units u <= v/10 so that a value keeps at least one digit
beyond the unit; a random count is divisible by u with probability 1/u, so roundness is
comparable across scales. The round-number statistic is the mean roundness; the target
statistic is the larger roundness of the final value and the final running total (a
"10,000 transplants this year" or "30,000 donors since 2010" hit exactly), where the
unit may equal the value itself. Only the final figures are scored: a round number
somewhere among many intermediate totals is common by chance (a 9-year series has 17
of them, so one multiple of 1,000 turns up in about 2% of genuine series).

Terminal digits of counts in the hundreds are uniform; a chi-square against uniform is
calibrated on simulated genuine counts (yearly comparator series are too short).
First-digit (Benford) tests are only meaningful for data spanning several orders of
magnitude (Nigrini, Benford's Law, Wiley 2012, ch. 1); the test refuses otherwise.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from tribunal.forensics.spec import TestSpec

UNITS = np.array([5, 10, 50, 100, 500, 1_000, 5_000, 10_000, 50_000, 100_000, 500_000,
                  1_000_000], dtype=float)


def roundness(V: np.ndarray, *, allow_self: bool = False) -> np.ndarray:
    """log10 of the largest unit dividing each (integer) value; 0 when none does."""
    V = np.asarray(V, float)
    out = np.zeros(V.shape)
    limit = V if allow_self else V / 10.0
    for u in UNITS:
        hit = (V >= 1) & (np.mod(V, u) == 0) & (u <= limit)
        out = np.where(hit, np.log10(u), out)
    return out


def stat_round(Y: np.ndarray, x: np.ndarray) -> np.ndarray:
    return roundness(Y).mean(axis=1)


def stat_target(Y: np.ndarray, x: np.ndarray) -> np.ndarray:
    final = np.stack([Y[:, -1], Y.sum(axis=1)], axis=1)
    return roundness(final, allow_self=True).max(axis=1)


def _eff_round(y: np.ndarray, x: np.ndarray) -> tuple[float, str]:
    share = float(np.mean(roundness(y) >= 1.0))
    return 100.0 * share, "% of values divisible by 10 or a rounder unit (random: about 10%)"


def _eff_target(y: np.ndarray, x: np.ndarray) -> tuple[float, str]:
    final = np.array([y[-1], y.sum()])
    r = roundness(final, allow_self=True)
    i = int(np.argmax(r))
    return float(final[i]), ("final value" if i == 0 else "running total at the end")


def _round_applicable(y: np.ndarray) -> str | None:
    if np.sum(y >= 50) < 4:
        return "fewer than 4 values of 50 or more; roundness needs at least two digits"
    if np.any(np.mod(y, 1) != 0):
        return "values are not whole counts"
    return None


def stat_terminal(Y: np.ndarray, x: np.ndarray) -> np.ndarray:
    digits = np.mod(np.abs(np.round(Y)), 10).astype(int)
    n = Y.shape[1]
    counts = np.stack([(digits == d).sum(axis=1) for d in range(10)], axis=1)
    expected = n / 10.0
    return ((counts - expected) ** 2 / expected).sum(axis=1)


def _eff_terminal(y: np.ndarray, x: np.ndarray) -> tuple[float, str]:
    digits = np.mod(np.round(y), 10).astype(int)
    share = float(np.mean((digits == 0) | (digits == 5)))
    return 100.0 * share, "% of values ending in 0 or 5 (random: 20%)"


def _terminal_applicable(y: np.ndarray) -> str | None:
    if np.sum(y >= 100) < len(y):
        return "terminal digits are only uniform for counts of 100 or more"
    return None


def _terminal_analytic(y: np.ndarray, x: np.ndarray) -> float:
    return float(stats.chi2.sf(stat_terminal(y[None, :], x)[0], df=9))


BENFORD_P = np.log10(1 + 1 / np.arange(1, 10))


def stat_benford(Y: np.ndarray, x: np.ndarray) -> np.ndarray:
    first = np.floor(Y / 10 ** np.floor(np.log10(np.maximum(Y, 1)))).astype(int)
    n = Y.shape[1]
    counts = np.stack([(first == d).sum(axis=1) for d in range(1, 10)], axis=1)
    expected = n * BENFORD_P
    return ((counts - expected) ** 2 / expected).sum(axis=1)


def _benford_applicable(y: np.ndarray) -> str | None:
    pos = y[y >= 1]
    if len(pos) < len(y):
        return "zeros have no first digit"
    span = np.log10(pos.max() / pos.min())
    if span < 2:
        return (f"the values span {span:.1f} orders of magnitude; first-digit (Benford) tests "
                "need at least 2, or they only measure the series' level")
    return None


def _benford_analytic(y: np.ndarray, x: np.ndarray) -> float:
    return float(stats.chi2.sf(stat_benford(y[None, :], x)[0], df=8))


def _eff_benford(y: np.ndarray, x: np.ndarray) -> tuple[float, str]:
    first = np.floor(y / 10 ** np.floor(np.log10(y))).astype(int)
    return 100.0 * float(np.mean(first == 1)), "% of first digits equal to 1 (Benford: 30.1%)"


ROUND = TestSpec(
    name="round_numbers",
    stat=stat_round,
    effect=_eff_round,
    finding="uses round numbers more often",
    min_points=5,
    applicable=_round_applicable,
)
TARGET = TestSpec(
    name="round_target",
    stat=stat_target,
    effect=_eff_target,
    finding="ends on a rounder figure (final value or running total)",
    min_points=3,
    applicable=_round_applicable,
)
TERMINAL = TestSpec(
    name="terminal_digit",
    stat=stat_terminal,
    effect=_eff_terminal,
    finding="has less uniform last digits",
    min_points=20,
    applicable=_terminal_applicable,
    use_real=False,  # yearly comparator series are shorter than 20 periods
    analytic_p=_terminal_analytic,
)
BENFORD = TestSpec(
    name="benford_first_digit",
    stat=stat_benford,
    effect=_eff_benford,
    finding="departs more from Benford's first-digit law",
    min_points=50,
    applicable=_benford_applicable,
    use_real=False,
    use_sim=False,
    analytic_p=_benford_analytic,
)
