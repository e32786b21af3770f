"""Partial dates: a year only, a year and month, or a full date, in the forms lists use.

A list may record "1968", "1968-03", "1968年3月", "03/1968" or "12.03.1968". Keeping the
precision explicit (rather than inventing 1 January) lets the model compare at the level
both records support: same day, same month, same year, or years close together.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

MIN_YEAR = 1000  # historical lists (and the historical_50k benchmark) reach back centuries
MAX_YEAR = 2100


@dataclass(frozen=True)
class PartialDate:
    """A date known to year, month or day precision; ``approximate`` for 约/c./about."""

    year: int
    month: int | None = None
    day: int | None = None
    approximate: bool = False

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    def iso(self) -> str:
        """ISO 8601 at the known precision: 1968, 1968-03 or 1968-03-12."""
        if self.day and self.month:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    @property
    def year_month(self) -> str | None:
        return f"{self.year:04d}-{self.month:02d}" if self.month else None

    @property
    def full(self) -> str | None:
        return self.iso() if self.day else None


_APPROX = re.compile(r"^(约|大约|左右|c\.|ca\.?|circa|about|approx\.?|~)\s*", re.I)
_CN = re.compile(r"(\d{4})\s*年\s*(?:(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号])?)?")
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?:[ T].*)?$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_MY = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")
# Full English month names, their first three letters, and "sept".
MONTHS: dict[str, int] = {
    **{m: i + 1 for i, m in enumerate(_MONTH_NAMES)},
    **{m[:3]: i + 1 for i, m in enumerate(_MONTH_NAMES)}, "sept": 9,
}
_WORDY = re.compile(r"[a-z]", re.I)


def _named_month(s: str) -> tuple[int | None, int | None, int | None] | None:
    """(year, month, day) of a date written with a month name: 12 April 1956, 12-Apr-1956,
    April 12, 1956, 12th Apr. 1956, April 1956; None when it is not one."""
    tokens = re.findall(r"[a-z]+|\d+", s.lower())
    tokens = [t for t in tokens if t not in ("st", "nd", "rd", "th", "of")]
    months = [MONTHS[t] for t in tokens if t in MONTHS]
    numbers = [t for t in tokens if t.isdigit()]
    if len(months) != 1 or len(tokens) != len(numbers) + 1:
        return None
    years = [int(t) for t in numbers if len(t) == 4]
    days = [int(t) for t in numbers if len(t) <= 2]
    if len(years) != 1 or len(days) > 1 or len(years) + len(days) != len(numbers):
        return None
    return years[0], months[0], days[0] if days else None


def infer_day_first(values: Iterable[object]) -> bool:
    """Whether the numeric dates of one column put the day first (12/04/1956) or the
    month (04/12/1956, as US lists do). A number above 12 can only be the day, so
    31/01/1960 says day first and 01/31/1960 month first. Day first unless only
    month-first dates are seen: a column that cannot tell keeps the default of
    :func:`parse_partial_date`, and one whose dates contradict each other (typos) too."""
    day_first = month_first = 0
    for v in values:
        if isinstance(v, str) and (m := _DMY.match(v.strip())):
            a, b = int(m.group(1)), int(m.group(2))
            day_first += a > 12 >= b
            month_first += b > 12 >= a
    return not (month_first and not day_first)


def _valid(y: int, m: int | None, d: int | None) -> bool:
    if not MIN_YEAR <= y <= MAX_YEAR:
        return False
    if m is None:
        return d is None
    if not 1 <= m <= 12:
        return False
    if d is None:
        return True
    try:
        dt.date(y, m, d)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=100_000)
def parse_partial_date(text: object, *, day_first: bool = True) -> PartialDate | None:
    """Parse a possibly partial date; None when empty or not a plausible date.

    Accepted: ISO (1968, 1968-03, 1968-03-12, with / or . too), Chinese (1968年3月12日),
    compact 19680312, day-first 12/03/1968 (``day_first=False`` for US month-first, see
    :func:`infer_day_first`), 03/1968, English month names (12 March 1968, 12-Mar-1968,
    March 12, 1968, March 1968), and prefixes marking an approximate date (约, c., about). Two-digit years are
    refused: they cannot be placed in a century without guessing. Months or days of 0
    and 00 mean "unknown", and an impossible month or day (a typo) is dropped, lowering
    the precision rather than losing the year.
    """
    if text is None:
        return None
    if isinstance(text, (dt.date, dt.datetime)):
        return PartialDate(text.year, text.month, text.day)
    s = str(text).strip()
    if not s or s.lower() in ("nan", "nat", "none", "null", "不详", "unknown"):
        return None
    approx = bool(_APPROX.match(s))
    s = _APPROX.sub("", s).strip()
    s = re.sub(r"(左右|前后|\?)$", "", s).strip()
    y = m = d = None
    if (match := _CN.search(s)) or (match := _YMD.match(s)):
        y, m, d = (int(g) if g else None for g in match.groups())
    elif match := _DMY.match(s):
        a, b, y = (int(g) for g in match.groups())
        d, m = (a, b) if day_first else (b, a)
    elif match := _MY.match(s):
        m, y = int(match.group(1)), int(match.group(2))
    elif match := _COMPACT.match(s):
        y, m, d = (int(g) for g in match.groups())
    elif match := _YEAR.match(s):
        y = int(match.group(1))
    elif _WORDY.search(s) and (named := _named_month(s)):
        y, m, d = named
    elif re.fullmatch(r"\d{4}\.0", s):  # a year read as a float by a spreadsheet
        y = int(s[:4])
    else:
        return None
    if m == 0:
        m, d = None, None
    if d == 0:
        d = None
    if y is None or not MIN_YEAR <= y <= MAX_YEAR:
        return None
    if not _valid(y, m, d):
        # A typo in the month or day (1968-02-30, 1835-81-01) still leaves the year.
        if m is not None and 1 <= m <= 12 and _valid(y, m, None):
            return PartialDate(y, m, None, approx)
        return PartialDate(y, None, None, approx)
    return PartialDate(y, m, d, approx)


def year_from(value: object) -> int | None:
    """A plausible birth year from a number or text (``1968``, ``1968.0``), else None."""
    parsed = parse_partial_date(value if not isinstance(value, float) else f"{value:.1f}")
    return parsed.year if parsed else None
