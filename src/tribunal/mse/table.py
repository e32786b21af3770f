"""Capture-history tables: validation and the forms every estimator needs.

A capture-history table has one 0/1 column per list and a ``count`` column giving how many
people have that pattern of list membership (as in Rcapture's ``dfreq = TRUE`` form), or one
row per person with no ``count`` column. An optional stratum column splits it into
independent tables.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tribunal.errors import InputError

COUNT_COLUMN = "count"


@dataclass(frozen=True)
class CaptureTable:
    """Observed capture patterns with their counts.

    ``patterns`` is an (n_patterns, n_lists) 0/1 integer array holding each distinct observed
    pattern once (the all-zero pattern is never included); ``counts`` holds how many cases
    show each pattern. Patterns with a zero count may be present when the input listed them.
    """

    lists: tuple[str, ...]
    patterns: np.ndarray
    counts: np.ndarray
    input_sha256: str = ""
    stratum: str | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_lists(self) -> int:
        return len(self.lists)

    @property
    def n_observed(self) -> int:
        """Number of distinct cases seen on at least one list."""
        return int(self.counts.sum())

    def full_table(self) -> np.ndarray:
        """Counts for all 2**J patterns in binary order (list 0 is the most significant bit).

        Entry 0 is the unobserved all-zero cell and is set to 0 here.
        """
        j = self.n_lists
        weights = 1 << np.arange(j - 1, -1, -1)
        index = self.patterns @ weights
        full = np.zeros(2**j, dtype=np.int64)
        np.add.at(full, index, self.counts)
        return full

    def list_sizes(self) -> dict[str, int]:
        """How many cases each list holds."""
        sizes = (self.patterns * self.counts[:, None]).sum(axis=0)
        return {name: int(s) for name, s in zip(self.lists, sizes, strict=True)}

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.patterns, columns=list(self.lists))
        frame[COUNT_COLUMN] = self.counts
        return frame

    def individual_records(self) -> np.ndarray:
        """One row per observed case (patterns repeated by their counts)."""
        return np.repeat(self.patterns, self.counts, axis=0)


def frame_sha256(frame: pd.DataFrame) -> str:
    """A hash of a table's content that does not depend on row order or file formatting."""
    canonical = frame.sort_values(list(frame.columns)).to_csv(index=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def from_frame(
    frame: pd.DataFrame,
    *,
    lists: list[str] | None = None,
    count_column: str | None = COUNT_COLUMN,
    stratum: str | None = None,
    input_sha256: str | None = None,
) -> CaptureTable:
    """Validate a capture-history frame and collapse it into a :class:`CaptureTable`.

    ``lists`` defaults to every column except the count column. Without a count column
    (or when ``count_column`` is None) each row is one case. Raises :class:`InputError`
    with a hint for anything that would give a silently wrong estimate: non-0/1 list
    columns, negative or fractional counts, a positive count on the all-zero pattern,
    fewer than two lists, or no cases at all.
    """
    if frame.empty:
        raise InputError("the capture-history table has no rows", hint="check the file")
    has_count = count_column is not None and count_column in frame.columns
    if lists is None:
        lists = [c for c in frame.columns if c != count_column]
    missing = [c for c in lists if c not in frame.columns]
    if missing:
        raise InputError(f"list columns not in the table: {', '.join(missing)}")
    if len(lists) < 2:
        raise InputError(
            f"multiple systems estimation needs at least two lists; found {len(lists)}",
            hint="give one 0/1 column per list plus a 'count' column",
        )
    values = frame[lists]
    numeric = values.apply(pd.to_numeric, errors="coerce")
    bad = ~numeric.isin([0, 1])
    if bad.to_numpy().any():
        col = str(bad.any()[bad.any()].index[0])
        row = int(np.flatnonzero(bad[col].to_numpy())[0])
        raise InputError(
            f"list column {col!r} holds {values[col].iloc[row]!r} in row {row + 2}; "
            "list columns must be 0 or 1",
            hint="one 0/1 column per list; a stratum column must be named with --stratum",
        )
    patterns = numeric.to_numpy(dtype=np.int64)
    if has_count:
        counts_raw = pd.to_numeric(frame[count_column], errors="coerce").to_numpy(dtype=float)
        if np.isnan(counts_raw).any():
            raise InputError("the 'count' column has empty or non-numeric values")
        if (counts_raw < 0).any():
            raise InputError("the 'count' column has negative values")
        if not np.all(np.equal(np.floor(counts_raw), counts_raw)):
            raise InputError(
                "the 'count' column has fractional values",
                hint="counts are numbers of people; round or check the source",
            )
        counts = counts_raw.astype(np.int64)
    else:
        counts = np.ones(len(frame), dtype=np.int64)
    zero_rows = patterns.sum(axis=1) == 0
    if counts[zero_rows].sum() > 0:
        raise InputError(
            "the table gives a count for the all-zero pattern (people on no list)",
            hint="that cell is what is being estimated; remove the row or set its count to 0",
        )
    patterns, counts = patterns[~zero_rows], counts[~zero_rows]
    # Collapse repeated patterns (individual records, or a table listing a pattern twice).
    uniq, inverse = np.unique(patterns, axis=0, return_inverse=True)
    summed = np.zeros(len(uniq), dtype=np.int64)
    np.add.at(summed, inverse.ravel(), counts)
    if summed.sum() == 0:
        raise InputError("the table holds no observed cases")
    warnings = []
    sizes = (uniq * summed[:, None]).sum(axis=0)
    empty = [name for name, s in zip(lists, sizes, strict=True) if s == 0]
    if empty:
        warnings.append(f"lists with no cases: {', '.join(empty)}")
    digest = input_sha256 or frame_sha256(frame[[*lists] + ([count_column] if has_count else [])])
    return CaptureTable(
        lists=tuple(str(c) for c in lists),
        patterns=uniq,
        counts=summed,
        input_sha256=digest,
        stratum=stratum,
        warnings=tuple(warnings),
    )


def read_table(
    path: str | Path, *, stratum_column: str | None = None, lists: list[str] | None = None
) -> dict[str | None, CaptureTable]:
    """Read a capture-history CSV into tables keyed by stratum (``None`` when unstratified).

    ``input_sha256`` is the hash of the file's bytes, so an estimate can be traced to the
    exact file it was computed from.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot read {path} as CSV: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if stratum_column is None:
        return {None: from_frame(frame, lists=lists, input_sha256=digest)}
    if stratum_column not in frame.columns:
        raise InputError(f"no stratum column {stratum_column!r} in {path}")
    list_cols = lists or [c for c in frame.columns if c not in (COUNT_COLUMN, stratum_column)]
    out: dict[str | None, CaptureTable] = {}
    for key, part in frame.groupby(stratum_column, sort=True):
        out[str(key)] = from_frame(
            part.drop(columns=[stratum_column]),
            lists=list_cols,
            stratum=str(key),
            input_sha256=digest,
        )
    return out
