"""Model searches against published selections."""

from __future__ import annotations

import pytest

from tribunal.mse.hierarchy import count_hierarchical
from tribunal.mse.selection import exhaustive_search, stepwise_bhs, stepwise_csv
from tribunal.mse.table import read_table


def load(shared_data, name):
    return read_table(shared_data / "mse" / f"{name}.csv")[None]


def test_model_counts_match_rcapture():
    assert count_hierarchical(4, 3) == 113
    assert count_hierarchical(6, 2) == 32768


def test_korea_bic_best(shared_data):
    res = exhaustive_search(load(shared_data, "korea_palembang"), criterion="bic")
    assert res.best.terms == ["b:c", "c:d"]
    assert res.best.estimate == pytest.approx(157.1667, abs=5e-5)


def test_uk5_order2_bic_best(shared_data):
    res = exhaustive_search(load(shared_data, "uk_2013_5lists"), max_order=2, criterion="bic")
    assert res.best.estimate == pytest.approx(22991.3, abs=0.05)
    assert res.best.terms == ["LA:NG", "LA:PFNCA", "NG:PFNCA", "NG:GP", "PFNCA:GO"]
    assert res.ranked[1].estimate == pytest.approx(12262.4, abs=0.05)


def test_uk6_order2_exhaustive(shared_data):
    res = exhaustive_search(load(shared_data, "uk_2013_6lists"), max_order=2, criterion="bic")
    assert res.n_models == 32768
    assert res.best.estimate == pytest.approx(12349.59, abs=0.005)


def test_batch_fit_agrees_with_single_fits(shared_data):
    from tribunal.mse.loglinear import fit_loglinear

    table = load(shared_data, "western_us")
    res = exhaustive_search(table, max_order=2, criterion="aic")
    for row in res.ranked[:: max(1, len(res.ranked) // 40)]:
        if not row.converged:
            continue
        single = fit_loglinear(table, row.model)
        assert row.estimate == pytest.approx(single.estimate, rel=1e-6)
        assert row.aic == pytest.approx(single.aic, abs=1e-6)


@pytest.mark.parametrize(
    ("name", "terms", "expected"),
    [
        ("korea_palembang", ["b:c"], 268.7778),
        ("western_us", ["A:E"], 2483.384),
        ("new_orleans_8", ["D:E"], 1110.488),
        ("new_orleans_5", [], 981.4314),
    ],
)
def test_csv_stepwise(shared_data, name, terms, expected):
    fit = stepwise_csv(load(shared_data, name))
    assert fit.terms == terms
    digits = len(str(expected).split(".")[1])
    assert fit.estimate == pytest.approx(expected, abs=0.51 * 10**-digits)


def test_bhs_stepwise_uk6(shared_data):
    fit = stepwise_bhs(load(shared_data, "uk_2013_6lists"))
    assert sorted(fit.terms) == sorted(
        ["PF:NCA", "LA:NG", "NG:GP", "LA:PF", "PF:GP", "GO:GP", "NG:GO"]
    )
    assert fit.estimate == pytest.approx(11417.99, abs=0.005)


def test_uk5_all_hierarchical_models_bic(shared_data):
    # Silverman, Chan & Vincent (2024, Table 6): min-BIC over all hierarchical models 25,311
    res = exhaustive_search(load(shared_data, "uk_2013_5lists"), max_order=4, criterion="bic")
    assert res.n_models == 6893
    assert round(res.best.estimate) == 25311


def test_model_weights_sum_to_one(shared_data):
    from tribunal.mse.selection import model_weights

    table = load(shared_data, "uk_2013_5lists")
    res = exhaustive_search(table, max_order=2, criterion="bic")
    weighted, averaged = model_weights(table, res)
    weights = [w for _, w in weighted]
    assert sum(weights) == pytest.approx(1.0)
    assert weighted[0][0].estimate == pytest.approx(22991.3, abs=0.05)
    ests = [r.estimate for r, _ in weighted]
    assert min(ests) < averaged < max(ests)
