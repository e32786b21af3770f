"""Result types of the forensic tests: one finding per series and test, and the battery."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

OK = "ok"
INSUFFICIENT = "insufficient"  # too few points: the test cannot judge and never flags
NOT_APPLICABLE = "not_applicable"  # the data cannot support the test (e.g. Benford on one decade)
DESCRIPTIVE = "descriptive"  # a measured discrepancy without a calibrated reference


@dataclass
class Finding:
    """What one test says about one series.

    ``statistic`` is oriented so that larger means more suspicious; ``p_value`` is the
    calibrated p-value (share of genuine reference series at least as extreme, see
    :mod:`tribunal.forensics.calibration`); ``flag`` is ``p_value <= level``.
    ``reference_flag_rate`` is the share of comparator series the same test flags at the same
    level when each is judged against the others (leave one country out).
    """

    series: str
    test: str
    status: str
    level: float
    statistic: float | None = None
    p_value: float | None = None
    flag: bool = False
    effect_size: float | None = None
    effect_label: str = ""
    explanation: str = ""
    n_reference: int = 0
    reference_flag_rate: float | None = None
    n_reference_flagged: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    # reference statistics kept for plots; not part of the JSON
    reference_real: np.ndarray | None = field(default=None, repr=False)
    reference_sim: np.ndarray | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "series": self.series,
            "test": self.test,
            "status": self.status,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "flag": self.flag,
            "level": self.level,
            "effect_size": self.effect_size,
            "effect_label": self.effect_label,
            "explanation": self.explanation,
            "n_reference": self.n_reference,
            "reference_flag_rate": self.reference_flag_rate,
            "n_reference_flagged": self.n_reference_flagged,
            "details": self.details,
        }


@dataclass
class SeriesSummary:
    """The combined flag for one series over the tests that ran.

    ``holm_p`` is the family-wise p-value: the calibrated min-p over the tests calibrated
    on comparators, Holm-adjusted together with any other tests' p-values.
    """

    series: str
    level: float
    n_tests: int
    min_p: float | None
    holm_p: float | None
    flag: bool
    flagged_tests: list[str]
    source: str = ""
    explanation: str = ""


@dataclass
class BatteryResult:
    """All findings of a battery run, with the per-series combined flags."""

    level: float
    findings: list[Finding]
    summaries: list[SeriesSummary]
    reference: dict[str, Any]
    seconds: float

    def flagged(self) -> list[Finding]:
        return [f for f in self.findings if f.flag]

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "findings": [f.to_dict() for f in self.findings],
            "series": [s.__dict__ for s in self.summaries],
            "reference": self.reference,
            "seconds": self.seconds,
        }
