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


def test_series_checks_and_cli(tmp_path) -> None:
    import json

    from click.testing import CliRunner

    from tribunal.cli import cli

    p = tmp_path / "c.csv"
    p.write_text("series,period,value\n"
                 "total,2016,11620\nkl,2016,10481\nlung,2016,204\nheart,2016,380\n"
                 "cum,2016,9996\nyr,2010,34\nyr,2015,2766\nyr,2016,4080\n"
                 "cum2,2011,100\nyr2,2010,40\nyr2,2011,60\n")
    res = CliRunner().invoke(cli, ["forensics", "consistency", str(p), "--total", "total",
                                   "--parts", "kl,lung,heart", "--json"])
    assert res.exit_code == 0, res.output
    (f,) = json.loads(res.output)
    assert f["effect_size"] == 555 and f["flag"] is True
    res = CliRunner().invoke(cli, ["forensics", "consistency", str(p), "--cumulative", "cum",
                                   "--yearly", "yr", "--json"])
    (g,) = json.loads(res.output)
    assert g["status"] == "insufficient" and "2011, 2012, 2013, 2014" in g["explanation"]
    res = CliRunner().invoke(cli, ["forensics", "consistency", str(p), "--cumulative", "cum2",
                                   "--yearly", "yr2", "--json"])
    (h,) = json.loads(res.output)
    assert h["effect_size"] == 0 and h["status"] == "descriptive"
    res = CliRunner().invoke(cli, ["forensics", "consistency", str(p), "--compare", "total", "nope"])
    assert res.exit_code != 0
