"""Checks of the inputs and settings of the Madigan-York model average (tribunal.mse.dga).

Everything here turns a setting that would crash the exact computation, exhaust memory or
give a silently meaningless posterior into an :class:`~tribunal.errors.InputError` with a
hint, before any work is done.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tribunal.errors import InputError
from tribunal.mse.table import CaptureTable

MIN_LISTS, MAX_LISTS = 3, 5
DEFAULT_GRID_FACTOR = 20
# Points on the grid of missing counts. The subset table alone holds (2^J - 1) x points
# doubles: 500 MB for 5 lists at this size, which takes about two minutes on 2 cores.
MAX_GRID_POINTS = 2_000_001
MAX_MISSING = 10**12  # beyond this N! and the prior lose all precision in float64


def resolve_grid(n_obs: int, max_missing: int | None, grid: Any) -> np.ndarray:
    """The grid of missing counts: an explicit consecutive ``grid`` or 0..``max_missing``
    (default ``DEFAULT_GRID_FACTOR`` x the observed cases, capped at ``MAX_GRID_POINTS``)."""
    if grid is not None:
        m = np.asarray(grid)
        if m.ndim != 1 or m.size == 0:
            raise InputError("the grid of missing counts must be a non-empty 1-D sequence")
        if not np.all(np.equal(np.floor(m), m)) or (m < 0).any():
            raise InputError("the grid of missing counts must hold whole numbers >= 0")
        if (m > MAX_MISSING).any():
            raise InputError(f"the grid of missing counts must stay below {MAX_MISSING:.0e}")
        m = np.unique(m.astype(np.int64))
        _check_grid_size(int(m.size))
        if m.size > 1 and np.any(np.diff(m) != 1):
            raise InputError(
                "the grid of missing counts must be consecutive integers",
                hint="posterior quantiles assume no gaps; give e.g. range(0, 3001)",
            )
        return m
    if max_missing is None:
        if n_obs > MAX_GRID_POINTS - 1:
            # The grid could not even reach as many unseen as seen: a posterior cut there
            # can look tight and still be wrong by orders of magnitude.
            raise InputError(
                f"{n_obs:,} observed cases is too many for dga's exact grid of missing counts "
                f"(at most {MAX_GRID_POINTS - 1:,} unseen)",
                hint="use --method loglinear or lcmcr, or give --max-missing if you know the "
                "number unseen is smaller",
            )
        # capped so that a large table still runs; dga.py warns when the cap applied
        max_missing = min(DEFAULT_GRID_FACTOR * n_obs, MAX_GRID_POINTS - 1)
    if int(max_missing) != max_missing or max_missing < 1:
        raise InputError("max_missing must be a whole number >= 1")
    _check_grid_size(int(max_missing) + 1)
    return np.arange(0, int(max_missing) + 1, dtype=np.int64)


def default_grid_capped(n_obs: int, max_missing: int | None, grid: Any) -> bool:
    """Whether the default grid (20 x observed) was cut to fit in memory."""
    return grid is None and max_missing is None and DEFAULT_GRID_FACTOR * n_obs >= MAX_GRID_POINTS


def checked_model_prior(values: Any, n_graphs: int) -> np.ndarray:
    """Log prior weights: one per graph, finite or -inf (graph excluded), not all excluded."""
    try:
        lp = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError("log_model_prior must be numbers (log prior weights)") from None
    if lp.shape != (n_graphs,):
        raise InputError(f"log_model_prior needs one value per graph ({n_graphs})")
    if np.isnan(lp).any() or (lp == np.inf).any() or not np.isfinite(lp).any():
        raise InputError(
            "log_model_prior must be finite log weights (-inf leaves a graph out), with at "
            "least one graph left in"
        )
    return lp


def _check_grid_size(points: int) -> None:
    if points > MAX_GRID_POINTS:
        raise InputError(
            f"a grid of {points:,} missing counts is more than this exact computation can "
            f"hold in memory (at most {MAX_GRID_POINTS:,} points)",
            hint=f"give max_missing (--max-missing) of at most {MAX_GRID_POINTS - 1:,}; if the "
            "posterior still reaches the cap, the lists say too little about the unseen",
        )


def check_table(table: CaptureTable) -> list[str]:
    """Refuse tables dga cannot average over; return warnings about lists that never meet."""
    j = table.n_lists
    if not MIN_LISTS <= j <= MAX_LISTS:
        raise InputError(
            f"dga averages over decomposable graphs for 3 to 5 lists; this table has {j}",
            hint="merge or drop lists, or use --method loglinear or lcmcr",
        )
    warnings = list(table.warnings)
    both = table.patterns.T @ (table.patterns * table.counts[:, None])
    with_cases = int((np.diag(both) > 0).sum())
    if with_cases < MIN_LISTS:
        # Practitioners' rule (e.g. HRDAG): a stratum needs cases on at least 3 lists.
        raise InputError(
            f"only {with_cases} of the {j} lists hold cases"
            + (f" in stratum {table.stratum!r}" if table.stratum else ""),
            hint="estimate needs cases on at least 3 lists; merge strata or drop empty lists",
        )
    apart = [
        f"{table.lists[a]}/{table.lists[b]}"
        for a in range(j)
        for b in range(a + 1, j)
        if both[a, b] == 0
    ]
    if apart:
        warnings.append(
            "lists that never overlap: "
            + ", ".join(apart)
            + "; their dependence is informed by the prior alone, so the estimate leans "
            "on delta and the prior on N"
        )
    return warnings
