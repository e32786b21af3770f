"""Strata rules and totals; plots are written."""

from __future__ import annotations

import numpy as np
import pytest

from tribunal.errors import InputError
from tribunal.mse.hierarchy import closure, count_hierarchical, enumerate_hierarchical, parse_model
from tribunal.mse.loglinear import fit_loglinear
from tribunal.mse.plots import plot_model_weights, plot_observed_fitted, plot_posterior
from tribunal.mse.result import MSEResult
from tribunal.mse.strata import combine, estimate_strata, stratum_problems
from tribunal.mse.table import CaptureTable, read_table


def _result(est, lo, hi, draws=None):
    return MSEResult("x", est, (lo, hi), 10, ["a", "b"], "", details=(
        {"draws": draws} if draws is not None else {}))


def test_combine_delta_and_draws():
    a, b = _result(100, 80.4, 119.6), _result(200, 160.8, 239.2)
    out = combine([a, b])
    assert out["estimate"] == 300
    # sd 10 and 20 -> total sd sqrt(500); unseen 280; log-normal interval for the unseen
    c = np.exp(1.959964 * np.sqrt(np.log(1 + 500 / 280**2)))
    assert out["interval"] == pytest.approx([20 + 280 / c, 20 + 280 * c], rel=1e-6)
    rng = np.random.default_rng(0)
    c = _result(100, 0, 0, rng.normal(100, 10, 4000))
    d = _result(200, 0, 0, rng.normal(200, 20, 4000))
    out = combine([c, d], seed=1)
    assert out["interval_method"].startswith("percentiles")
    assert out["interval"][1] - 300 == pytest.approx(1.96 * np.sqrt(500), rel=0.08)


def test_stratum_rules():
    two = CaptureTable(("a", "b", "c"), np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0]]),
                       np.array([5, 6, 3]))
    skip, _ = stratum_problems(two)
    assert skip and "at least 3" in skip[0]


def test_estimate_strata_known_truth():
    # Two strata with expected counts under independence (exact MLE) and known N.
    def table(n, p, key):
        pats = np.array([[(i >> s) & 1 for s in (2, 1, 0)] for i in range(1, 8)])
        mean = n * np.prod(np.where(pats == 1, p, 1 - p), axis=1)
        return CaptureTable(("a", "b", "c"), pats, np.round(mean).astype(np.int64),
                            stratum=key)

    tables = {"s1": table(100_000, np.array([0.3, 0.2, 0.4]), "s1"),
              "s2": table(50_000, np.array([0.5, 0.1, 0.2]), "s2")}
    res = estimate_strata(tables, "loglinear", {"search": "exhaustive"})
    assert res.estimate == pytest.approx(150_000, rel=2e-3)
    lo, hi = res.interval
    assert lo < 150_000 < hi


def test_estimate_strata_all_skipped():
    t = CaptureTable(("a", "b", "c"), np.array([[1, 0, 0], [0, 1, 0]]), np.array([5, 6]))
    with pytest.raises(InputError):
        estimate_strata({"x": t}, "loglinear")


def test_hierarchy_helpers():
    assert closure([(0, 1, 2)]) == ((0, 1), (0, 2), (1, 2), (0, 1, 2))
    assert count_hierarchical(3, 2) == 8
    assert all(len(m) <= 3 for m in enumerate_hierarchical(3, 2))
    assert parse_model("A:B:C", ["A", "B", "C"]) == ((0, 1), (0, 2), (1, 2), (0, 1, 2))


def test_plots(shared_data, tmp_path):
    table = read_table(shared_data / "mse" / "western_us.csv")[None]
    fit = fit_loglinear(table, parse_model("A:E", table.lists))
    assert plot_observed_fitted(fit, tmp_path / "a.png").stat().st_size > 1000
    draws = np.random.default_rng(0).gamma(20, 100, 2000)
    assert plot_posterior(draws, tmp_path / "b.png", published=2000).stat().st_size > 1000
    assert plot_model_weights(["A:B", ""], [10.0, 12.0], [100, 120],
                              tmp_path / "c.png").stat().st_size > 1000
