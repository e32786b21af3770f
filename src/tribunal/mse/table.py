"""Capture-history tables: validation and the forms every estimator needs.

A capture-history table has one 0/1 column per list and a ``count`` column giving how many
people have that pattern of list membership (as in Rcapture's ``dfreq = TRUE`` form), or one
row per person with no ``count`` column. An optional stratum column splits it into
independent tables.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tribunal.errors import InputError

COUNT_COLUMN = "count"
# Above this, cell counts and log-likelihoods lose digits in float64 (and int64 overflows
# near 9.2e18): refuse rather than return a number with hidden rounding error.
MAX_CASES = 10**12
# Spellings of membership accepted in list columns besides 0/1 (documented in docs/mse.md).
LIST_SYNONYMS = {"true": 1, "false": 0, "yes": 1, "no": 0}
SEPARATORS = (",", ";", "\t")


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
    frame = _alias_count(frame, count_column)
    has_count = count_column is not None and count_column in frame.columns
    if lists is None:
        lists = [c for c in frame.columns if c != count_column]
    _check_lists(frame, lists)
    patterns = _patterns(frame, lists, has_count, count_column)
    # without a count column each row is one case
    ones = np.ones(len(frame), dtype=np.int64)
    counts = _counts(frame, str(count_column)) if has_count else ones
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


def _check_lists(frame: pd.DataFrame, lists: list[str]) -> None:
    missing = [c for c in lists if c not in frame.columns]
    if missing:
        raise InputError(f"list columns not in the table: {', '.join(missing)}")
    if len(lists) < 2:
        raise InputError(
            f"multiple systems estimation needs at least two lists; found {len(lists)}",
            hint="give one 0/1 column per list plus a 'count' column"
            + ("; a table from one deduplicated list (tribunal link run with one list) says "
               "nothing about who no list saw: link two or more lists" if len(lists) == 1
               else ""),
        )
    clash = [str(c) for c in lists if ":" in str(c) or "," in str(c)]
    if clash:
        raise InputError(
            f"list name(s) with ':' or ',': {', '.join(clash)}; model terms such as 'A:B,B:C' "
            "would be ambiguous",
            hint="rename those columns (e.g. 'a_1' for 'a:1')",
        )


def _patterns(
    frame: pd.DataFrame, lists: list[str], has_count: bool, count_column: str | None
) -> np.ndarray:
    """The list columns as a 0/1 integer array; anything else is refused with its line."""
    values = frame[lists]
    numeric = values.apply(_as_01)
    bad = ~numeric.isin([0, 1])
    if bad.to_numpy().any():
        col = str(bad.any()[bad.any()].index[0])
        row = int(np.flatnonzero(bad[col].to_numpy())[0])
        raise InputError(
            f"list column {col!r} {_describe(values[col].iloc[row])} in {_line(frame, row)}; "
            "list columns must be 0 or 1",
            hint=_bad_list_hint(col, numeric[col], has_count, count_column),
        )
    return numeric.to_numpy(dtype=np.int64)


def _counts(frame: pd.DataFrame, count_column: str) -> np.ndarray:
    """The count column as whole, non-negative numbers (3.0 is 3) with a sane total."""
    raw = pd.to_numeric(frame[count_column], errors="coerce").to_numpy(dtype=float)
    problems = [
        (np.isnan(raw), "is empty or non-numeric", "give every pattern a count"),
        (raw < 0, "is negative", "counts are numbers of people"),
        (np.isfinite(raw) & (np.floor(raw) != raw), "has a fractional value",
         "counts are numbers of people; round or check the source"),
    ]
    for mask, what, hint in problems:
        if mask.any():
            row = int(np.flatnonzero(mask)[0])
            raise InputError(
                f"the {count_column!r} column {what} in {_line(frame, row)} "
                f"({_shown(frame[count_column].iloc[row])})",
                hint=hint,
            )
    if raw.sum() > MAX_CASES:
        raise InputError(
            f"the {count_column!r} column adds up to {raw.sum():.4g} cases, more than "
            f"{MAX_CASES:.0e}",
            hint="check the count column (a misplaced column or a units error?); "
            "estimates beyond this lose precision",
        )
    return raw.astype(np.int64)


def _as_01(column: pd.Series) -> pd.Series:
    """A list column as numbers, with true/false and yes/no (any case) read as 1/0."""
    if column.dtype == bool:
        return column.astype(int)
    if column.dtype == object:
        low = column.map(lambda v: str(v).strip().lower() if isinstance(v, str) else v)
        column = low.map(lambda v: LIST_SYNONYMS.get(v, v) if isinstance(v, str) else v)
    return pd.to_numeric(column, errors="coerce")


def _line(frame: pd.DataFrame, row: int) -> str:
    """Where a row sits in the CSV file (header on line 1), for error messages; the frame
    keeps read_csv's index through filtering and stratum splits."""
    label = frame.index[row]
    return f"line {int(label) + 2}" if isinstance(label, (int, np.integer)) else f"row {label!r}"


def _shown(value: object) -> str:
    """A cell as a user wrote it, for messages ('empty' for a missing cell)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "empty"
    return repr(str(value))


def _describe(value: object) -> str:
    shown = _shown(value)
    return "is empty" if shown == "empty" else f"holds {shown}"


def _bad_list_hint(col: str, numeric: pd.Series, has_count: bool, count_column: str | None) -> str:
    whole = numeric.dropna()
    if not has_count and count_column and (whole > 1).any() and (whole >= 0).all() and (
        whole == np.floor(whole)
    ).all():
        return (f"if {col!r} holds the number of people with each pattern, name that column "
                f"{count_column!r}; if it identifies records, remove it; list columns hold "
                "0/1 (or true/false, yes/no)")
    return ("one 0/1 column per list (true/false and yes/no are read as 1/0); a stratum "
            "column is named with `tribunal mse estimate --stratum COLUMN` (models and "
            "closed take one stratum's rows)")


def _alias_count(frame: pd.DataFrame, count_column: str | None) -> pd.DataFrame:
    """Accept 'Count' or 'COUNT' for the count column (spreadsheets capitalise headers)."""
    if count_column is None or count_column in frame.columns:
        return frame
    alias = [c for c in frame.columns if str(c).strip().lower() == count_column]
    return frame.rename(columns={alias[0]: count_column}) if len(alias) == 1 else frame


def _header(text: str) -> tuple[str, list[str]]:
    """The separator (',' unless the header has none and has ';' or a tab) and the header
    cells, so a semicolon CSV from a European spreadsheet is read rather than taken as one
    column."""
    first = text.splitlines()[0] if text else ""
    sep = next((s for s in SEPARATORS if s in first), ",")
    return sep, [c.strip() for c in next(csv.reader([first], delimiter=sep), [])]


def _read_csv(path: Path, data: bytes) -> pd.DataFrame:
    """The CSV as a frame: UTF-8 (a BOM is fine), separator detected, header cells
    stripped; columns with no header and no values and fully empty rows (spreadsheet
    exports leave them) are dropped; repeated column names are refused."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})",
                         hint="save the table as CSV UTF-8") from exc
    if not text.strip():
        raise InputError(f"{path} is empty", hint="give a header line and one row per pattern")
    sep, header = _header(text)
    repeated = sorted({c for c in header if header.count(c) > 1 and c})
    if repeated:
        raise InputError(f"repeated column name(s) in {path}: {', '.join(repeated)}",
                         hint="give every list a distinct name")
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot read {path} as CSV: {exc}",
                         hint="one header line, then rows of the same number of fields") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    blank = [c for c, h in zip(frame.columns, header + [""] * len(frame.columns), strict=False)
             if not h and frame[c].isna().all()]
    return frame.drop(columns=blank).dropna(how="all")


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
    frame = _read_csv(path, data)
    if stratum_column is None:
        return {None: from_frame(frame, lists=lists, input_sha256=digest)}
    stratum_column = stratum_column.strip()
    if stratum_column not in frame.columns:
        raise InputError(f"no stratum column {stratum_column!r} in {path}",
                         hint=f"the columns are: {', '.join(frame.columns)}")
    empty = np.flatnonzero(frame[stratum_column].isna().to_numpy())
    if empty.size:
        raise InputError(
            f"the stratum column {stratum_column!r} is empty in {empty.size} row(s), first "
            f"in {_line(frame, int(empty[0]))}",
            hint="give every row a stratum (e.g. 'unknown'); rows without one would be "
            "left out of every stratum and of the total",
        )
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
