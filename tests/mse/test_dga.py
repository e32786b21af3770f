"""Madigan-York Bayesian model averaging over decomposable graphs (tribunal.mse.dga).

Reference values: Madigan & York (1997, Biometrika 84:19-31) as asserted in HRDAG dga's
tests (spina bifida, 3 lists) and re-derivations recorded in ../shared/data/mse/*.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tribunal.errors import InputError
from tribunal.mse.dga import estimate_dga, negative_binomial_prior, posterior_modes
from tribunal.mse.result import MSEResult
from tribunal.mse.table import from_frame, read_table


def _table(shared: Path, name: str):
    return read_table(shared / "mse" / f"{name}.csv")[None]


@pytest.fixture(scope="module")
def spina(shared_data: Path) -> MSEResult:
    # Madigan & York's settings: delta 1, negative-binomial prior (a 13.14, b 55.17),
    # 1..300 unseen cases.
    return estimate_dga(
        _table(shared_data, "spina_bifida_3"),
        delta=1.0,
        prior=negative_binomial_prior(13.14, 55.17),
        grid=range(1, 301),
    )


def test_spina_bifida_top_model_matches_madigan_york(spina: MSEResult) -> None:
    top = spina.diagnostics["top_models"][0]
    assert round(top["probability"], 2) == 0.37
    assert top["probability"] == pytest.approx(0.374, abs=5e-4)
    assert round(top["bayes_estimate"]) == 731
    assert top["mode"] == 729
    assert spina.diagnostics["top_model"] == "[L1,L2][L3]"


def test_spina_bifida_model_average_matches_madigan_york(spina: MSEResult) -> None:
    assert round(spina.diagnostics["bayes_estimate"]) == 731
    assert spina.diagnostics["mode"] == 728
    assert spina.estimate == 731
    assert spina.interval == (682, 797)
    probs = [m["probability"] for m in spina.details["models"]]
    assert len(probs) == 8
    assert sum(probs) == pytest.approx(1.0, abs=1e-12)
    post = spina.details["posterior_N"]
    assert sum(post["probability"]) == pytest.approx(1.0, abs=1e-9)


def test_spina_records_prior_grid_and_delta(spina: MSEResult) -> None:
    assert spina.parameters["prior"] == {"name": "negative-binomial", "a": 13.14, "b": 55.17}
    assert spina.parameters["grid"] == {"min_missing": 1, "max_missing": 300}
    assert spina.diagnostics["delta"] == 1.0
    assert spina.method == "dga"
    assert spina.to_dict()["interval"] == [682.0, 797.0]


def test_korea_rederived(shared_data: Path) -> None:
    # korea_palembang.md: delta 1/8, 1/N prior, grid 0..20n -> median 159, 95% [123, 422].
    r = estimate_dga(_table(shared_data, "korea_palembang"), delta=1 / 8)
    assert r.estimate == 159
    assert r.interval == (123, 422)
    assert r.parameters["grid"] == {"min_missing": 0, "max_missing": 20 * 123}
    assert r.parameters["delta"] == 1 / 8  # also dga's default 2^-J
    assert estimate_dga(_table(shared_data, "korea_palembang")).estimate == 159


def test_madigan_york_five_lists_readme_setting(shared_data: Path) -> None:
    # madigan_york_5.md: delta 0.5, Nmissing 1:300, 1/N prior -> 616 [588, 655], mode 614.
    r = estimate_dga(_table(shared_data, "madigan_york_5"), delta=0.5, grid=range(1, 301))
    assert r.diagnostics["n_models"] == 822
    assert r.estimate == 616
    assert r.interval == (588, 655)
    assert r.diagnostics["mode"] == 614
    r2 = estimate_dga(_table(shared_data, "madigan_york_5"), delta=2**-5)
    assert (r2.estimate, r2.interval) == (618, (590, 656))


def test_uk_five_lists_rederived_and_warns_about_non_overlap(shared_data: Path) -> None:
    r = estimate_dga(_table(shared_data, "uk_2013_5lists"), delta=2**-5)
    assert r.estimate == 22990
    assert r.interval == (10387, 33508)
    assert any("never overlap: LA/GP" in w for w in r.warnings)
    # Two groups of graphs explain the overlaps differently: a bimodal posterior, flagged.
    assert r.diagnostics["modes"] == [11718, 24307]
    assert any("2 separate modes (near 11,718 and 24,307)" in w for w in r.warnings)


def test_posterior_modes_merges_shoulders_and_ignores_small_bumps() -> None:
    n = np.arange(100)
    two = np.exp(-0.5 * ((n - 30) / 4.0) ** 2) + 0.6 * np.exp(-0.5 * ((n - 70) / 4.0) ** 2)
    assert posterior_modes(n, two) == [30, 70]
    tiny = two + 0.0  # a bump below 5% of the peak is not a mode
    tiny[90] = 0.01
    assert posterior_modes(n, tiny) == [30, 70]
    close = np.exp(-0.5 * ((n - 30) / 6.0) ** 2) + 0.9 * np.exp(-0.5 * ((n - 36) / 6.0) ** 2)
    assert len(posterior_modes(n, close)) == 1


def test_list_order_does_not_matter(shared_data: Path) -> None:
    table = _table(shared_data, "madigan_york_5")
    frame = table.to_frame()
    shuffled = from_frame(frame[["L4", "L2", "L5", "L1", "L3", "count"]])
    a = estimate_dga(table, max_missing=2000)
    b = estimate_dga(shuffled, max_missing=2000)
    assert (a.estimate, a.interval) == (b.estimate, b.interval)
    pa = {frozenset(m["edges"]): m["probability"] for m in a.details["models"]}
    pb = {frozenset(m["edges"]): m["probability"] for m in b.details["models"]}
    for key in pa:
        norm = frozenset(":".join(sorted(e.split(":"))) for e in key)
        match = next(v for k, v in pb.items() if frozenset(":".join(sorted(e.split(":"))) for e in k) == norm)
        assert pa[key] == pytest.approx(match, rel=1e-9, abs=1e-15)


def test_netherlands_heavy_tail_warns_about_the_cap(shared_data: Path) -> None:
    r = estimate_dga(_table(shared_data, "netherlands_5"))
    assert r.estimate == 49385
    assert r.interval == (41405, 168992)
    assert any("top tenth of the grid" in w for w in r.warnings)
    assert r.diagnostics["grid"]["mass_in_top_tenth"] > 0.05


def _simulate(n: int, rng: np.random.Generator):
    # Truth: decomposable model [A,B][C] (A and B dependent, C independent).
    a = rng.random(n) < 0.3
    b = rng.random(n) < np.where(a, 0.5, 0.2)
    c = rng.random(n) < 0.35
    frame = pd.DataFrame({"A": a, "B": b, "C": c}).astype(int)
    return from_frame(frame[frame.sum(axis=1) > 0], count_column=None)


def test_simulated_coverage_near_nominal() -> None:
    rng = np.random.default_rng(20240601)
    truth, sims = 500, 60
    covered, medians = 0, []
    for _ in range(sims):
        r = estimate_dga(_simulate(truth, rng))
        covered += r.interval[0] <= truth <= r.interval[1]
        medians.append(r.estimate)
    # 95% nominal; 60 draws give sd ~0.028, so 0.85 is >3 sd below nominal.
    assert covered / sims >= 0.85
    assert abs(np.median(medians) - truth) < 0.05 * truth


def test_posterior_concentrates_on_the_true_graph() -> None:
    r = estimate_dga(_simulate(20000, np.random.default_rng(7)))
    assert r.diagnostics["top_model"] == "[A,B][C]"
    assert r.diagnostics["model_probabilities"][0]["probability"] > 0.5


def test_priors_and_progress() -> None:
    t = _simulate(500, np.random.default_rng(3))
    calls: list[tuple[int, int]] = []
    flat = estimate_dga(t, prior="uniform", on_progress=lambda d, n: calls.append((d, n)))
    inv = estimate_dga(t, prior="1/N")
    assert calls and calls[-1][0] == calls[-1][1]
    assert flat.estimate >= inv.estimate  # 1/N pulls towards small N
    assert flat.parameters["prior"] == {"name": "uniform"}
    nb = estimate_dga(t, prior="negbin:13.14,55.17")
    assert nb.parameters["prior"] == {"name": "negative-binomial", "a": 13.14, "b": 55.17}
    with pytest.raises(InputError, match="negbin:13.14,55.17"):
        estimate_dga(t, prior="negbin:13.14")
    with pytest.raises(InputError, match="a > 0"):
        estimate_dga(t, prior="negbin:-1,2")


def test_small_grid_cap_warns() -> None:
    t = _simulate(500, np.random.default_rng(3))
    r = estimate_dga(t, max_missing=20)
    assert any("cut by the cap" in w for w in r.warnings)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"delta": 0}, "delta"),
        ({"delta": -1}, "delta"),
        ({"prior": "rissanen"}, "unknown prior"),
        ({"grid": [0, 2, 4]}, "consecutive"),
        ({"grid": [-1, 0, 1]}, "whole numbers"),
        ({"max_missing": 0}, "max_missing"),
        ({"log_model_prior": np.zeros(3)}, "one value per graph"),
    ],
)
def test_bad_settings_raise(kwargs: dict, message: str) -> None:
    t = _simulate(300, np.random.default_rng(0))
    with pytest.raises(InputError, match=message):
        estimate_dga(t, **kwargs)


def test_wrong_number_of_lists_raises() -> None:
    two = from_frame(pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [5, 6, 7]}))
    with pytest.raises(InputError, match="3 to 5 lists"):
        estimate_dga(two)
    cols = {f"L{i}": [1, 0, 0, 0, 0, 0] for i in range(6)}
    cols["L0"] = [1, 1, 0, 0, 0, 0]
    frame = pd.DataFrame(cols)
    frame.iloc[1:, 1:] = np.eye(5, dtype=int)
    with pytest.raises(InputError, match="3 to 5 lists"):
        estimate_dga(from_frame(frame, count_column=None))
