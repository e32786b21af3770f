"""Totals over strata for dga (tribunal.mse.dga_strata) and the stratum rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tribunal.errors import InputError
from tribunal.mse.dga import estimate_dga
from tribunal.mse.dga_strata import total_over_strata
from tribunal.mse.table import from_frame


def _stratum(seed: int, n: int, name: str):
    rng = np.random.default_rng(seed)
    a = rng.random(n) < 0.35
    b = rng.random(n) < np.where(a, 0.5, 0.25)
    c = rng.random(n) < 0.3
    frame = pd.DataFrame({"A": a, "B": b, "C": c}).astype(int)
    return from_frame(frame[frame.sum(axis=1) > 0], count_column=None, stratum=name)


def test_total_is_the_convolution_of_strata() -> None:
    parts = [estimate_dga(_stratum(s, 400, f"s{s}")) for s in (1, 2)]
    total = total_over_strata(parts)
    # Monte Carlo check of the convolution: add independent draws from each posterior.
    rng = np.random.default_rng(0)
    draws = sum(
        rng.choice(p.details["posterior_N"]["N"], size=200_000, p=p.details["posterior_N"]["probability"])
        for p in parts
    )
    assert total.estimate == pytest.approx(np.median(draws), abs=2)
    assert total.interval[0] == pytest.approx(np.quantile(draws, 0.025), abs=4)
    assert total.interval[1] == pytest.approx(np.quantile(draws, 0.975), abs=6)
    assert total.n_observed == sum(p.n_observed for p in parts)
    assert sum(total.details["posterior_N"]["probability"]) == pytest.approx(1.0)
    # The total's interval is narrower than the sum of the strata's interval ends.
    assert total.interval[1] < sum(p.interval[1] for p in parts)
    assert total.interval[0] > sum(p.interval[0] for p in parts)


def test_stratum_with_cases_on_fewer_than_three_lists_is_refused() -> None:
    frame = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "C": [0, 0, 0], "count": [5, 6, 7]})
    table = from_frame(frame, stratum="1999")
    with pytest.raises(InputError, match="only 2 of the 3 lists hold cases in stratum '1999'"):
        estimate_dga(table)


def test_only_dga_results_combine() -> None:
    part = estimate_dga(_stratum(1, 300, "a"))
    part.method = "loglinear"
    with pytest.raises(InputError, match="estimate_dga only"):
        total_over_strata([part])
    with pytest.raises(InputError, match="no strata"):
        total_over_strata([])
