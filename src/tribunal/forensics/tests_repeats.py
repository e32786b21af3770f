"""Repeated identical values and copied rows.

Genuine counts in the hundreds or thousands almost never repeat exactly from one period
to the next; carried-forward figures do. The GODT export repeats China's transplant rows
(4,577 deceased-donor kidney and 963 living-donor kidney transplants, and the rest of the
row) for the five years 2010-2014, and 2008 equals 2009. Each repeat scores how unlikely
an exact repeat of a count of that size is; values below ``MIN_VALUE`` are ignored
because small counts repeat by chance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tribunal.forensics.spec import TestSpec

if TYPE_CHECKING:
    from tribunal.forensics.reference import ReferenceSet

MIN_VALUE = 10.0


NOISE_CV = 0.05  # median extra-Poisson variation of the GODT comparator series


def repeat_surprise(v: np.ndarray) -> np.ndarray:
    """-log10 of the chance that a count near ``v`` repeats exactly next period.

    Two independent counts with standard deviation sd (Poisson plus NOISE_CV extra
    variation) coincide with probability about 1 / (2 sqrt(pi) sd); a repeated 4,577 is
    far rarer than a repeated 12, which is why the statistic is not a plain count.
    """
    sd = np.sqrt(v + (NOISE_CV * v) ** 2)
    return -np.log10(np.clip(1.0 / (2.0 * np.sqrt(np.pi) * np.maximum(sd, 1e-9)), None, 1.0))


def repeat_count(Y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Sum of :func:`repeat_surprise` over values (>= MIN_VALUE) equal to the one before."""
    x = np.asarray(x)
    adjacent = np.diff(x) == 1
    same = (Y[:, 1:] == Y[:, :-1]) & (Y[:, 1:] >= MIN_VALUE) & adjacent[None, :]
    return np.where(same, repeat_surprise(Y[:, 1:]), 0.0).sum(axis=1)


def longest_run(y: np.ndarray, x: np.ndarray) -> tuple[int, float, int, int]:
    """(length, value, first period index, last period index) of the longest repeat run."""
    best = (1, float(y[0]), 0, 0)
    start = 0
    for i in range(1, len(y) + 1):
        if i < len(y) and y[i] == y[i - 1] and x[i] - x[i - 1] == 1 and y[i] >= MIN_VALUE:
            continue
        if i - start > best[0]:
            best = (i - start, float(y[start]), start, i - 1)
        start = i
    return best


def _effect(y: np.ndarray, x: np.ndarray) -> tuple[float, str]:
    length, value, _, _ = longest_run(y, np.asarray(x))
    return float(length), f"longest run of one value ({value:,.0f})" if length > 1 else (
        "longest run of one value"
    )


REPEATS = TestSpec(
    name="repeated_values",
    stat=repeat_count,
    effect=_effect,
    finding="repeats identical values from one period to the next more often",
    min_points=4,
    use_sim=False,  # simulated counts at this scale practically never repeat; real data do
)


def copied_rows(table: np.ndarray) -> int:
    """Number of periods whose whole row (>= 2 values >= MIN_VALUE) equals an earlier row.

    ``table`` has periods as rows and related series (kidney, liver, heart, ...) as
    columns; NaN marks a missing value and must match NaN in the copied row.
    """
    seen: set[tuple] = set()
    copies = 0
    for row in table:
        if np.sum(np.nan_to_num(row, nan=0.0) >= MIN_VALUE) < 2:
            continue
        key = tuple("NA" if np.isnan(v) else float(v) for v in row)
        if key in seen:
            copies += 1
        seen.add(key)
    return copies


def comparator_copied_rows(reference: ReferenceSet) -> np.ndarray:
    """:func:`copied_rows` for every comparator country's table of GODT measures."""
    by_country: dict[str, dict[str, dict[int, float]]] = {}
    for s in reference.series:
        by_country.setdefault(s.country, {})[s.measure] = dict(
            zip(s.years.tolist(), s.values.tolist(), strict=True))
    out = []
    for measures in by_country.values():
        years = sorted({y for m in measures.values() for y in m})
        table = np.array([[m.get(y, np.nan) for m in measures.values()] for y in years])
        out.append(copied_rows(table))
    return np.array(out, float)
