from __future__ import annotations

import numpy as np
import pytest

from tribunal.forensics.calibration import combine, holm, loo_flags, rank_p


def test_rank_p_is_monte_carlo_rank() -> None:
    ref = np.arange(99, dtype=float)  # 0..98
    assert rank_p(98.0, ref) == pytest.approx(2 / 100)
    assert rank_p(1000.0, ref) == pytest.approx(1 / 100)
    assert rank_p(-np.inf, ref) == 1.0
    assert rank_p(1.0, np.array([])) is None


def test_combine_takes_the_larger() -> None:
    assert combine(0.001, 0.2) == 0.2 and combine(None, 0.03) == 0.03 and combine(None, None) is None


def test_holm_matches_hand_computation() -> None:
    # p sorted 0.01, 0.02, 0.04 -> 3*0.01, max(0.03, 2*0.02), max(0.04, 0.04)
    assert holm([0.04, 0.01, 0.02]) == pytest.approx([0.04, 0.03, 0.04])


def test_leave_one_country_out_is_at_or_below_level_on_exchangeable_data() -> None:
    rng = np.random.default_rng(0)
    n_countries, per = 400, 5
    stats = rng.normal(size=n_countries * per)
    country = np.repeat(np.arange(n_countries), per)
    latest = np.tile(np.r_[np.zeros(per - 1, bool), True], n_countries)
    k, n, p = loo_flags(stats, country, latest, 0.05)
    assert n == n_countries and k / n <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / n)
    assert np.all((p > 0) & (p <= 1))
