"""Log-linear fits against published and package values (../shared/data/mse/*.md)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tribunal.errors import InputError
from tribunal.mse.hierarchy import parse_model
from tribunal.mse.loglinear import fit_loglinear
from tribunal.mse.table import CaptureTable, read_table

REL = 1e-6


def load(shared_data, name: str) -> CaptureTable:
    return read_table(shared_data / "mse" / f"{name}.csv")[None]


@pytest.mark.parametrize(
    ("name", "model", "expected"),
    [
        ("korea_palembang", None, 141.9926),
        ("korea_palembang", "12,23", 157.1667),
        ("korea_palembang", "12", 268.7778),
        ("korea_palembang", "23", 126.1944),
        ("korea_palembang", "13", 126.9394),
        ("korea_palembang", "13,23", 123.4630),
        ("western_us", "A:E", 2483.384),
        ("new_orleans_8", "D:E", 1110.488),
        ("new_orleans_8", None, 949.4707),
        ("new_orleans_5", None, 981.4314),
        ("uk_2013_6lists", "12,13,25,35,36,45", 12349.59),
        ("uk_2013_5lists", "LA:NG,LA:PFNCA,NG:PFNCA,NG:GP,PFNCA:GO", 22991.33),
    ],
)
def test_fixed_models_match_published(shared_data, name, model, expected):
    table = load(shared_data, name)
    fit = fit_loglinear(table, parse_model(model, table.lists))
    # published values are rounded: compare to their last printed digit
    digits = len(str(expected).split(".")[1])
    assert fit.estimate == pytest.approx(expected, abs=0.51 * 10**-digits)
    assert fit.converged


def test_korea_bic_matches_package(shared_data):
    table = load(shared_data, "korea_palembang")
    fit = fit_loglinear(table, parse_model("b:c,c:d", table.lists))
    assert fit.bic == pytest.approx(57.14, abs=0.005)
    assert fit.estimate == pytest.approx(157.16666666, rel=REL)


def test_simulated_independent_lists_recover_truth():
    # Expected counts under independence with N = 10,000: the MLE is exact on the means.
    p = np.array([0.3, 0.2, 0.4])
    pats = np.array([[(i >> s) & 1 for s in (2, 1, 0)] for i in range(1, 8)])
    mean = 10_000 * np.prod(np.where(pats == 1, p, 1 - p), axis=1)
    table = CaptureTable(("A", "B", "C"), pats, np.round(mean * 1000).astype(np.int64))
    fit = fit_loglinear(table)
    assert fit.estimate / 1000 == pytest.approx(10_000, rel=1e-4)


def test_non_overlapping_pair_gets_minus_infinity(shared_data):
    table = load(shared_data, "uk_2013_6lists")
    fit = fit_loglinear(table, parse_model("LA:GP,LA:NG", table.lists))
    assert fit.coef["LA:GP"] == -math.inf
    assert fit.n_params == 1 + 6 + 2
    assert np.all(fit.fitted[(fit.patterns[:, 0] == 1) & (fit.patterns[:, 4] == 1)] == 0)


def test_unknown_term_is_a_clear_error(shared_data):
    table = load(shared_data, "korea_palembang")
    with pytest.raises(InputError, match="unknown list"):
        parse_model("b:z", table.lists)
