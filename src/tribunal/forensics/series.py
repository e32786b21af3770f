"""Official series in long format: loading and validation.

A series file is a CSV with one row per observation and the columns ``series``,
``period`` and ``value``; ``group``, ``unit`` and ``source`` are optional. Periods are
years (``2015``) or months (``2015-03``); one series uses one kind. Problems a user can
fix (duplicate periods, negative values, mixed units, text in ``value``) raise
:class:`~tribunal.errors.InputError` naming the rows; gaps between periods are kept and
reported, because some tests can judge gappy series and others cannot.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tribunal.errors import InputError

REQUIRED = ("series", "period", "value")
# Counts of donors or transplants; past this the Poisson simulations cannot follow, and such a
# figure is a unit or typing mistake, not a count.
MAX_VALUE = 1e15
_YEAR = re.compile(r"^\s*(\d{4})(?:\.0)?\s*$")
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_DATE = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")


@dataclass
class Series:
    """One named series of non-negative values indexed by integer periods.

    ``periods`` are years, or for monthly data ``12 * year + month - 1`` so that
    consecutive months differ by one; ``labels`` keep the periods as written.
    """

    name: str
    periods: np.ndarray
    values: np.ndarray
    labels: list[str]
    frequency: str = "year"
    group: str | None = None
    unit: str | None = None
    sources: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.periods = np.asarray(self.periods, dtype=int)
        self.values = np.asarray(self.values, dtype=float)
        order = np.argsort(self.periods)
        self.periods = self.periods[order]
        self.values = self.values[order]
        self.labels = [self.labels[i] for i in order]

    def __len__(self) -> int:
        return int(self.values.size)

    @property
    def offsets(self) -> tuple[int, ...]:
        """Periods relative to the first one: the pattern a reference window must match."""
        return tuple(int(p - self.periods[0]) for p in self.periods)

    @property
    def gaps(self) -> list[str]:
        """Human-readable list of missing periods inside the series' span."""
        missing = []
        for a, b in zip(self.periods[:-1], self.periods[1:], strict=False):
            if b - a > 1:
                missing.append(f"{period_label(a + 1, self.frequency)}–{period_label(b - 1, self.frequency)}")
        return missing

    @property
    def contiguous(self) -> bool:
        return not self.gaps

    @property
    def source(self) -> str:
        return "; ".join(self.sources)


def period_label(period: int, frequency: str) -> str:
    """A period as written: ``2015`` or ``2015-03``."""
    if frequency == "month":
        return f"{period // 12}-{period % 12 + 1:02d}"
    return str(period)


def parse_period(text: object) -> tuple[int, str]:
    """Parse ``2015`` or ``2015-03`` into (integer period, frequency)."""
    raw = str(text)
    m = _YEAR.match(raw)
    if m:
        return int(m.group(1)), "year"
    m = _MONTH.match(raw)
    if m and 1 <= int(m.group(2)) <= 12:
        return 12 * int(m.group(1)) + int(m.group(2)) - 1, "month"
    if _DATE.match(raw):
        hint = ("write months as 2015-03; a spreadsheet may have turned them into dates: "
                "format the period column as text before saving")
    else:
        hint = "write one period per row; ranges such as 2010-2013 belong in a note, not a row"
    raise InputError(f"period {raw!r} is neither a year (2015) nor a month (2015-03)", hint=hint)


def series_from_frame(frame: pd.DataFrame, *, where: str = "table") -> list[Series]:
    """Validate a long-format frame and split it into :class:`Series` (in file order)."""
    df = _checked_rows(frame, where)
    return [_one_series(str(name), rows, where)
            for name, rows in df.groupby("series", sort=False)]


def _checked_rows(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """The rows with a name and a usable value (missing values dropped, never read as 0)."""
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(
            f"{where} lacks the column(s) {', '.join(missing)}",
            hint="a series file needs the columns series, period, value "
            "(optional: group, unit, source)",
        )
    if frame.empty:
        raise InputError(f"{where} has no rows")
    df = frame.copy()
    unnamed = df.index[df["series"].isna()].tolist()
    if unnamed:
        raise InputError(
            f"{where}: the series name is empty in row(s) {_rows(unnamed)}",
            hint="every row names its series in the column 'series'",
        )
    df["series"] = df["series"].astype(str).str.strip()
    values = pd.to_numeric(df["value"], errors="coerce")
    bad = df.index[values.isna() & df["value"].notna()].tolist()
    if bad:
        raise InputError(
            f"{where}: value is not a number in row(s) {_rows(bad)}",
            hint="use plain numbers with '.' as the decimal point, without thousands "
            "separators or notes",
        )
    df["value"] = values
    df = df[df["value"].notna()]
    unusable = df.index[~np.isfinite(df["value"]) | (df["value"] > MAX_VALUE)].tolist()
    if unusable:
        raise InputError(
            f"{where}: value is infinite or implausibly large (over {MAX_VALUE:.0e}) in "
            f"row(s) {_rows(unusable)}",
            hint="these tests take counts; check the unit and the figure",
        )
    negative = df.index[df["value"] < 0].tolist()
    if negative:
        raise InputError(
            f"{where}: negative value in row(s) {_rows(negative)}",
            hint="counts of donors or transplants cannot be negative; fix or drop those rows",
        )
    return df


def _one_series(name: str, rows: pd.DataFrame, where: str) -> Series:
    """One series' rows as a :class:`Series`, refusing mixed kinds, duplicates and units."""
    try:
        parsed = [parse_period(p) for p in rows["period"]]
    except InputError as exc:
        raise InputError(f"{where}: series {name!r}: {exc.message}", hint=exc.hint) from None
    freqs = {f for _, f in parsed}
    if len(freqs) > 1:
        raise InputError(
            f"{where}: series {name!r} mixes years and months",
            hint="split it into a yearly and a monthly series",
        )
    periods = [p for p, _ in parsed]
    seen = Counter(periods)  # a Counter, not list.count: long series stay linear
    dup = sorted({str(rows["period"].iloc[i]) for i, p in enumerate(periods) if seen[p] > 1})
    if dup:
        raise InputError(
            f"{where}: series {name!r} has duplicate period(s) {', '.join(dup)}",
            hint="keep one value per period, or give the second publisher its own series name",
        )
    units = _texts(rows, "unit")
    if len(units) > 1:
        raise InputError(
            f"{where}: series {name!r} mixes units ({', '.join(sorted(units))})",
            hint="convert to one unit or split the series",
        )
    groups = _texts(rows, "group")
    return Series(
        name=name,
        periods=np.array(periods),
        values=rows["value"].to_numpy(float),
        labels=[str(p) for p in rows["period"]],
        frequency=freqs.pop(),
        group=", ".join(sorted(groups)) if groups else None,
        unit=units[0] if units else None,
        sources=_texts(rows, "source"),
    )


def _texts(rows: pd.DataFrame, column: str) -> list[str]:
    """The distinct non-empty texts of an optional column, in order of appearance."""
    if column not in rows.columns:
        return []
    stripped = (str(v).strip() for v in rows[column].dropna())
    return list(dict.fromkeys(t for t in stripped if t))


_FIELDS_HINT = (
    "a series file needs the header line series,period,value and as many fields in every "
    "row; a thousands separator (1,234) splits a number in two: remove it or quote the number"
)


def _delimiter(path: Path) -> str:
    """',' unless the header line is split by ';' or tabs instead (spreadsheet exports in
    locales whose decimal mark is a comma write ';')."""
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        header = fh.readline()
    if "," not in header:
        for sep in (";", "\t"):
            if sep in header:
                return sep
    return ","


def load_series_csv(path: str | Path) -> list[Series]:
    """Read a long-format series CSV (see module docstring) and validate it.

    UTF-8 with or without a byte-order mark; commas, semicolons or tabs between fields.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    try:
        frame = pd.read_csv(path, sep=_delimiter(path), dtype={"period": str},
                            keep_default_na=True, encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})",
            hint="save it as 'CSV UTF-8' in the spreadsheet, or convert it, e.g. "
            "iconv -f GB18030 -t UTF-8 in.csv > out.csv",
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path} is not a readable CSV file: {str(exc).strip()}",
                         hint=_FIELDS_HINT) from None
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas takes the leading fields of rows longer than the header as an index
        raise InputError(f"{path}: the data rows have more fields than the header",
                         hint=_FIELDS_HINT)
    frame.index = frame.index + 2  # row numbers as a spreadsheet shows them (header is row 1)
    return series_from_frame(frame, where=path.name)


def _rows(idx: list[int]) -> str:
    shown = ", ".join(str(i) for i in idx[:8])
    return shown + (f" and {len(idx) - 8} more" if len(idx) > 8 else "")
