"""R-hat, ESS and mode detection against chains with known behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from tribunal.mse import diagnostics as diag


def _ar1(rng: np.random.Generator, n: int, rho: float, shift: float = 0.0) -> np.ndarray:
    x = np.empty(n)
    x[0] = rng.normal() / np.sqrt(1 - rho**2)
    noise = rng.normal(size=n)
    for t in range(1, n):
        x[t] = rho * x[t - 1] + noise[t]
    return x + shift


def test_rhat_near_one_for_iid_chains() -> None:
    rng = np.random.default_rng(1)
    draws = rng.normal(size=(4, 1000))
    assert diag.split_rhat(draws) == pytest.approx(1.0, abs=0.01)


def test_rhat_flags_a_shifted_chain() -> None:
    rng = np.random.default_rng(2)
    draws = rng.normal(size=(4, 1000))
    draws[3] += 1.0
    assert diag.split_rhat(draws) > 1.05


def test_rhat_flags_a_trend_within_chains() -> None:
    # Split R-hat catches chains that drift even if all chains drift the same way.
    rng = np.random.default_rng(3)
    draws = rng.normal(size=(4, 1000)) + np.linspace(0, 3, 1000)
    assert diag.split_rhat(draws) > 1.05


def test_rhat_flags_different_spread() -> None:
    # The folded R-hat sees chains with the same centre but different scales.
    rng = np.random.default_rng(4)
    draws = rng.normal(size=(4, 2000))
    draws[0] *= 4
    assert diag.split_rhat(draws) > 1.05


def test_ess_of_iid_draws_is_about_the_number_of_draws() -> None:
    rng = np.random.default_rng(5)
    draws = rng.normal(size=(4, 1000))
    assert diag.ess(draws) == pytest.approx(4000, rel=0.1)


def test_ess_of_ar1_matches_its_integrated_autocorrelation_time() -> None:
    # For AR(1) with coefficient rho, tau = (1 + rho) / (1 - rho).
    rng = np.random.default_rng(6)
    rho = 0.9
    draws = np.stack([_ar1(rng, 20_000, rho) for _ in range(4)])
    expected = 4 * 20_000 * (1 - rho) / (1 + rho)
    assert diag.ess(draws) == pytest.approx(expected, rel=0.2)


def test_chain_modes_separates_overlapping_intervals() -> None:
    # Colombia-like: a narrow low mode inside the lower tail of a wide upper mode; the
    # 95% intervals overlap, the chains still must land in different groups.
    rng = np.random.default_rng(7)
    low = [rng.normal(1410, 47, 1000) for _ in range(3)]
    high = [rng.lognormal(np.log(2068), 0.23, 1000) for _ in range(2)]
    draws = [low[0], high[0], low[1], high[1], low[2]]
    groups = diag.chain_modes(draws)
    assert groups == [[0, 2, 4], [1, 3]]


def test_chain_modes_keeps_agreeing_chains_together() -> None:
    rng = np.random.default_rng(8)
    draws = [_ar1(rng, 2000, 0.8) for _ in range(6)]
    assert diag.chain_modes(draws) == [[0, 1, 2, 3, 4, 5]]


def test_summarize_chain() -> None:
    x = np.arange(1, 1001, dtype=float)
    s = diag.summarize_chain(2, x)
    assert s.chain == 2
    assert s.median == pytest.approx(500.5)
    assert s.lower == pytest.approx(np.quantile(x, 0.025))
    assert s.first_half_median < s.second_half_median


def test_chain_modes_separates_wide_modes_with_different_medians() -> None:
    # Colombia at production length: chains near 1,600 and near 2,080 whose central halves
    # overlap; they are different laws (KS p < 0.001) and must not be pooled.
    rng = np.random.default_rng(9)
    a = [rng.lognormal(np.log(1610), 0.2, 1000) for _ in range(2)]
    b = [rng.lognormal(np.log(2080), 0.2, 1000) for _ in range(2)]
    assert diag.chain_modes([a[0], b[0], a[1], b[1]]) == [[0, 2], [1, 3]]
