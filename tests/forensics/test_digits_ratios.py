from __future__ import annotations

import numpy as np
import pytest

from tribunal.forensics.battery import run_ratio, run_single
from tribunal.forensics.reference import ReferenceSet
from tribunal.forensics.result import NOT_APPLICABLE, OK
from tribunal.forensics.series import Series
from tribunal.forensics.tests_digits import BENFORD, ROUND, TERMINAL, roundness


def s(name, years, values, group=None) -> Series:
    years = list(years)
    return Series(name, np.array(years), np.array(values, float), [str(y) for y in years],
                  group=group)


def test_roundness_units() -> None:
    assert roundness(np.array([9700.0]))[0] == pytest.approx(2.0)  # 100 <= 970
    assert roundness(np.array([4577.0]))[0] == 0.0
    assert roundness(np.array([10000.0]), allow_self=True)[0] == pytest.approx(4.0)
    assert roundness(np.array([2750.0]))[0] == pytest.approx(np.log10(50))


def test_china_godt_2004_2009_round_numbers_flagged(godt_ref: ReferenceSet) -> None:
    kid = s("dd kidney", range(2004, 2017),
            [9700, 7800, 5900, 4500, 3500, 3500, 4577, 4577, 4577, 4577, 4577, 4931, 7224])
    f = run_single(ROUND, kid, godt_ref, level=0.01, n_sim=499, rng=np.random.default_rng(0))
    assert f.status == OK and f.flag


def test_benford_refuses_one_order_of_magnitude(godt_ref: ReferenceSet) -> None:
    rng = np.random.default_rng(1)
    vals = rng.integers(1000, 9000, size=60)
    f = run_single(BENFORD, s("m", range(1950, 2010), vals), godt_ref, level=0.01, n_sim=99,
                   rng=rng)
    assert f.status == NOT_APPLICABLE and "orders of magnitude" in f.explanation
    assert not f.flag


def test_terminal_digit_detects_heaping_on_monthly_length(godt_ref: ReferenceSet) -> None:
    rng = np.random.default_rng(2)
    vals = rng.poisson(800, size=36).astype(float)
    heaped = np.round(vals / 5) * 5
    years = range(1980, 2016)
    f = run_single(TERMINAL, s("h", years, heaped), godt_ref, level=0.01, n_sim=499, rng=rng)
    g = run_single(TERMINAL, s("g", years, vals), godt_ref, level=0.01, n_sim=499, rng=rng)
    assert f.flag and not g.flag


def test_fixed_ratio_is_flagged_and_real_ratio_is_not(godt_ref: ReferenceSet) -> None:
    donors = [2766, 3100, 3500, 4080, 4500, 5146, 5600, 6316]
    organs = np.round(2.75 * np.array(donors))
    years = range(2009, 2017)
    f = run_ratio(s("organs", years, organs), s("donors", years, donors), godt_ref, level=0.01)
    assert f.status == OK and f.flag and f.details["mean_ratio"] == pytest.approx(2.75, abs=1e-3)
    rng = np.random.default_rng(3)
    real = rng.poisson(2.75 * np.array(donors) * rng.normal(1, 0.05, 8))
    g = run_ratio(s("o", years, real), s("d", years, donors), godt_ref, level=0.01)
    assert not g.flag
