"""Consistency checks against the figures of Robertson, Hinde & Lavee (2019) and officials."""

from __future__ import annotations

import pytest

from tribunal.forensics.china import consistency_findings, organs_per_donor
from tribunal.forensics.tests_consistency import comparator_total_gaps, parts_vs_total


def test_table7_remainder_is_555_and_rare_among_comparators() -> None:
    f = parts_vs_total("t7", 11620, {"kidney+liver": 10481, "lung": 204, "heart": 380})
    assert f.effect_size == 555 and f.details["relative_gap"] == pytest.approx(555 / 11620)
    assert f.p_value < 0.05


def test_comparator_totals_mostly_add_up() -> None:
    gaps = comparator_total_gaps()
    assert gaps.size > 1000 and (gaps == 0).mean() > 0.9


def test_china_consistency_findings() -> None:
    by = {f.series: f for f in consistency_findings()}
    nre = by["Deceased donors 2015-2019 (Nre 2018 figure)"]
    assert nre.details["sum"] == 24112 and nre.effect_size == 0
    cot = by["Deceased donors 2015-2019 (COTRS 2018 figure as cited)"]
    assert cot.effect_size == -14
    liver = by["Deceased liver donations 2011-2014 (Huang Jiefu)"]
    assert liver.effect_size == 2342 - 1910


def test_organs_per_donor_near_2_75_until_2016() -> None:
    f = organs_per_donor()
    ratios = f.details["ratios"]
    assert ratios["2010-2013"] == pytest.approx(3903 / 1441)
    assert 2.70 < f.effect_size < 2.77 and ratios["to 2020-10-31"] == pytest.approx(92685 / 31610)
