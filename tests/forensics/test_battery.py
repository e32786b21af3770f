"""The battery on known truth: China's GODT repeats, formula-made series, short series."""

from __future__ import annotations

import numpy as np
import pytest

from tribunal.forensics.battery import run_battery, run_single
from tribunal.forensics.china import godt_series, naive_rule_comparison
from tribunal.forensics.reference import ReferenceSet
from tribunal.forensics.result import INSUFFICIENT, OK
from tribunal.forensics.series import Series
from tribunal.forensics.tests_fit import QUADRATIC
from tribunal.forensics.tests_repeats import REPEATS


def series(name: str, years, values) -> Series:
    years = list(years)
    return Series(name, np.array(years), np.array(values, float), [str(y) for y in years])


def test_repeats_find_china_godt_2010_2014(godt_ref: ReferenceSet) -> None:
    # the GODT export repeats 4,577 (DD kidney) and 963 (LD kidney) for China 2010-2014
    rng = np.random.default_rng(0)
    for measure, value in (("dd_kidney_tx", 4577), ("ld_kidney_tx", 963)):
        wide_rows = godt_series("China", measure, 2004, 2016)
        f = run_single(REPEATS, wide_rows, godt_ref, level=0.01, n_sim=99, rng=rng)
        run = f.details["longest_run"]
        assert (run["value"], run["length"], run["from"], run["to"]) == (value, 5, "2010", "2014")
        assert f.flag and f.p_value <= 0.01


def test_china_excluded_from_its_own_reference(godt_ref: ReferenceSet) -> None:
    assert "China" not in godt_ref.countries and len(godt_ref.countries) >= 100


def test_too_few_points_cannot_judge_and_never_flags(godt_ref: ReferenceSet) -> None:
    s = series("short", [2015, 2016, 2017], [1, 1, 1])
    res = run_battery([s], godt_ref, n_sim=99)
    assert all(f.status != OK for f in res.findings if f.test != "round_target")
    assert not any(f.flag for f in res.findings)
    assert all(f.explanation.startswith("cannot judge") for f in res.findings if f.status == INSUFFICIENT)
    assert res.summaries[0].flag is False


def test_formula_generated_series_is_flagged_and_genuine_mostly_not(godt_ref: ReferenceSet) -> None:
    years = np.arange(2010, 2019)
    t = years - 2009.0
    made = np.round(78.0 * t**2 + 3.0 * t + 30.0)
    rng = np.random.default_rng(5)
    res = run_battery([series("made", years, made)], godt_ref, n_sim=999, seed=1)
    quad = next(f for f in res.findings if f.test == "fit_quadratic")
    assert quad.flag and res.summaries[0].flag
    # genuine: negative-binomial counts around the same curve with 10% extra variation
    flags = 0
    for i in range(10):
        lam = rng.gamma(100.0, (78.0 * t**2 + 3 * t + 30) / 100.0)
        g = run_battery([series(f"g{i}", years, rng.poisson(lam))], godt_ref, n_sim=199, seed=i)
        flags += g.summaries[0].flag
    assert flags <= 2


def test_calibrated_test_does_not_flag_thailand_or_brazil(godt_ref: ReferenceSet) -> None:
    rows = {r["series"].split()[0]: r for r in naive_rule_comparison(godt_ref, n_sim=499, seed=3)}
    assert rows["Thailand"]["naive_flag"] and rows["Brazil"]["naive_flag"]
    assert rows["Thailand"]["r2"] == pytest.approx(0.9966, abs=5e-5)
    assert rows["Brazil"]["r2"] == pytest.approx(0.9918, abs=5e-5)
    assert not rows["Thailand"]["combined_flag"] and not rows["Brazil"]["combined_flag"]
    assert rows["Brazil"]["p_value"] > 0.05


def test_json_shape(godt_ref: ReferenceSet) -> None:
    s = series("x", range(2005, 2015), [100, 120, 150, 160, 170, 210, 230, 260, 255, 300])
    d = run_battery([s], godt_ref, n_sim=99).to_dict()
    f = d["findings"][0]
    for key in ("series", "test", "statistic", "p_value", "flag", "level", "explanation",
                "n_reference", "reference_flag_rate"):
        assert key in f
    assert 0 < f["p_value"] <= 1 and isinstance(f["flag"], bool)


def test_gappy_series_uses_windows_with_the_same_gaps(godt_ref: ReferenceSet) -> None:
    s = series("cited", [2010, 2015, 2016, 2017, 2018], [34, 2766, 4080, 5146, 6316])
    f = run_single(QUADRATIC, s, godt_ref, level=0.01, n_sim=99, rng=np.random.default_rng(0))
    assert f.status == OK and f.details["n_comparator_windows"] > 100
    assert f.effect_size == pytest.approx(0.9977, abs=1e-4)


def test_constant_or_tiny_series_is_not_flagged_by_fit_tests(godt_ref: ReferenceSet) -> None:
    zeros = series("zeros", range(2010, 2018), [0] * 8)
    tiny = series("tiny", range(2010, 2018), [1, 0, 2, 1, 3, 2, 1, 2])
    res = run_battery([zeros, tiny], godt_ref, n_sim=199)
    assert not any(f.flag for f in res.findings)
    fit = [f for f in res.findings if f.test.startswith("fit_")]
    assert fit and all(f.status != OK for f in fit)
