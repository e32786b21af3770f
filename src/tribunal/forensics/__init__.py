"""Forensic tests for official statistics, calibrated on comparator countries.

Each test scores one property that manufactured figures tend to have (too good a fit to a
simple formula, too little noise, repeated or round numbers, constant ratios,
inconsistencies between publishers) and reports its rank among genuine series: GODT
comparator countries and simulated negative-binomial counts. See ``docs/forensics.md``.

Entry points: :func:`tribunal.forensics.series.load_series_csv`,
:func:`tribunal.forensics.battery.run_battery`,
:class:`tribunal.forensics.reference.ReferenceSet`.
"""

from tribunal.forensics.battery import run_battery
from tribunal.forensics.reference import ReferenceSet
from tribunal.forensics.result import BatteryResult, Finding, SeriesSummary
from tribunal.forensics.series import Series, load_series_csv, series_from_frame

__all__ = [
    "BatteryResult",
    "Finding",
    "ReferenceSet",
    "Series",
    "SeriesSummary",
    "load_series_csv",
    "run_battery",
    "series_from_frame",
]
