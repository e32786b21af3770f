"""Rcapture's closed-population models on the hare data (Rcapture's documented results)."""

from __future__ import annotations

import pytest

from tribunal.errors import InputError
from tribunal.mse.closed import closedp, fit_closed
from tribunal.mse.table import read_table


@pytest.fixture(scope="module")
def hare(shared_data):
    return read_table(shared_data / "mse" / "hare_6occasions.csv")[None]


@pytest.mark.parametrize(
    ("model", "h", "estimate", "se"),
    [
        ("Mth", "Poisson2", 81.1, 5.6),
        ("Mh", "Poisson2", 81.5, 5.7),
        ("M0", None, 75.4, None),
        ("Mt", None, 75.1, None),
    ],
)
def test_hare_published(hare, model, h, estimate, se):
    fit = fit_closed(hare, model, h)
    assert fit.estimate == pytest.approx(estimate, abs=0.05)
    if se is not None:
        assert fit.se == pytest.approx(se, abs=0.05)


def test_hare_best_aic_is_mth_poisson2(hare):
    fits = closedp(hare)
    best = min(fits, key=lambda f: f.aic)
    assert best.name == "Mth Poisson2"
    assert round(best.aic) == 146


def test_chao_drops_negative_eta(hare):
    fit = fit_closed(hare, "Mh", "Chao")
    assert fit.dropped == ["eta5"]


def test_heterogeneity_needs_three_occasions():
    import numpy as np

    from tribunal.mse.table import CaptureTable

    t = CaptureTable(("a", "b"), np.array([[1, 0], [0, 1], [1, 1]]), np.array([5, 6, 3]))
    with pytest.raises(InputError):
        fit_closed(t, "Mh", "Poisson2")
    assert fit_closed(t, "Mt").estimate == pytest.approx(8 * 9 / 3)
