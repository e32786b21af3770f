"""Fit statistics against published and exact values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tribunal.forensics.tests_fit import (
    one_parameter_r2,
    out_of_sample_error,
    poly_r2,
    stat_quadratic,
)

YEARS = np.arange(2010, 2017, dtype=float)


def godt_donors(path: Path, country: str) -> np.ndarray:
    df = pd.read_csv(path)
    rows = df[(df["COUNTRY"] == country) & df["REPORTYEAR"].between(2010, 2016)]
    return rows.sort_values("REPORTYEAR")["TOTAL Actual DD"].to_numpy(float)


@pytest.mark.parametrize(("country", "published"), [("Thailand", 0.9966), ("Brazil", 0.9918)])
def test_naive_r2_of_comparators_matches_issue(shared_data: Path, country: str,
                                               published: float) -> None:
    # issue 4: a plain quadratic fits Thailand's 2010-2016 donors with R² 0.9966, Brazil's 0.9918
    y = godt_donors(shared_data / "official" / "godt_2000_2017_all_countries.csv", country)
    assert y.size == 7
    assert poly_r2(y[None, :], YEARS)[0] == pytest.approx(published, abs=5e-5)


def test_exact_quadratic_is_perfect_and_stat_is_capped() -> None:
    y = 3 * (YEARS - 2009) ** 2 + 2 * (YEARS - 2009) + 7
    assert poly_r2(y[None, :], YEARS)[0] == pytest.approx(1.0, abs=1e-12)
    assert stat_quadratic(y[None, :], YEARS)[0] == pytest.approx(12.0, abs=0.5)


def test_one_parameter_form_recovers_power() -> None:
    t = YEARS - YEARS[0] + 1
    r2, k = one_parameter_r2((117.0 * t**2)[None, :], YEARS)
    assert r2[0] == pytest.approx(1.0) and k[0] == 2


def test_out_of_sample_exact_for_formula_and_not_for_noise() -> None:
    x = np.arange(9, dtype=float)
    formula = 50 * x**2 + 30 * x + 34
    assert out_of_sample_error(formula[None, :], x)[0] < 1e-9
    rng = np.random.default_rng(3)
    noisy = rng.poisson(formula + 200).astype(float)
    assert out_of_sample_error(noisy[None, :], x)[0] > 1e-3


def test_constant_series_is_not_suspicious_for_fit() -> None:
    assert stat_quadratic(np.full((1, 7), 5.0), YEARS)[0] == -np.inf
