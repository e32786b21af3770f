"""dga at its limits: grids too large for memory, non-finite settings, huge tables. Each is a
clear InputError (exit 2 on the command line), never a crash, an out-of-memory kill or a
NumPy warning on the terminal."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from tribunal.errors import InputError
from tribunal.mse import dga_inputs as dga
from tribunal.mse.dga import estimate_dga
from tribunal.mse.table import from_frame


def _table(scale: int = 1):
    frame = pd.DataFrame(
        {
            "A": [1, 0, 0, 1, 1, 0, 1],
            "B": [0, 1, 0, 1, 0, 1, 1],
            "C": [0, 0, 1, 0, 1, 1, 1],
            "count": [60 * scale, 49 * scale, 4 * scale, 247 * scale, 112 * scale,
                      142 * scale, 12 * scale],
        }
    )
    return from_frame(frame)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"delta": float("nan")}, "finite number > 0"),
        ({"delta": float("inf")}, "finite number > 0"),
        ({"prior": "negbin:nan,1"}, "finite a > 0"),
        ({"prior": "negbin:inf,1"}, "finite a > 0"),
        ({"prior": "negbin:1,inf"}, "finite a > 0"),
        ({"max_missing": 10**20}, "at most 2,000,000"),
        ({"max_missing": dga.MAX_GRID_POINTS}, "at most 2,000,000"),
        ({"grid": range(0, dga.MAX_GRID_POINTS + 1)}, "more than this exact computation"),
    ],
)
def test_unusable_settings_are_refused_before_any_work(kwargs, message) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning reaches the user either
        with pytest.raises(InputError, match=message):
            estimate_dga(_table(), **kwargs)


def test_default_grid_of_a_huge_table_is_capped(monkeypatch) -> None:
    # 20 x 6,260 observed would be 125,200 points; with the cap at 20,001 the default stops
    # there, and says so
    monkeypatch.setattr(dga, "MAX_GRID_POINTS", 20_001)
    r = estimate_dga(_table(scale=10))
    assert r.diagnostics["grid"]["n_points"] == 20_001
    assert r.n_observed == 6_260
    assert any("grid of missing counts stops at 20,000" in w for w in r.warnings)
    # more observed cases than the grid can hold unseen: refused, never a cut-off posterior
    with pytest.raises(InputError, match="too many for dga"):
        estimate_dga(_table(scale=1000))
    # an explicit grid within the cap is the user's informed choice
    assert estimate_dga(_table(scale=1000), max_missing=20_000).n_observed == 626_000
    # the explicit setting past the cap is refused, not silently shortened
    with pytest.raises(InputError, match="at most 20,000"):
        estimate_dga(_table(), max_missing=20_001)


def test_cli_grid_too_large_exits_2(tmp_path: Path, capsys) -> None:
    from tribunal.cli import main

    path = tmp_path / "t.csv"
    _table().to_frame().to_csv(path, index=False)
    with pytest.raises(SystemExit) as exc:
        main(["mse", "estimate", str(path), "--method", "dga", "--max-missing", "9" * 20])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "--max-missing" in err


@pytest.mark.parametrize(
    "log_model_prior",
    [[float("nan")] * 8, [float("inf")] + [0.0] * 7, [float("-inf")] * 8, ["abc"] * 8, "abc"],
)
def test_model_prior_must_be_usable_log_weights(log_model_prior) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError, match="log_model_prior"):
            estimate_dga(_table(), log_model_prior=log_model_prior)


def test_model_prior_may_exclude_graphs() -> None:
    # -inf leaves a graph out; the rest share the posterior
    r = estimate_dga(_table(), log_model_prior=[float("-inf")] + [0.0] * 7)
    probs = {m["model"]: m["probability"] for m in r.details["models"]}
    assert min(probs.values()) == 0.0 and sum(probs.values()) == pytest.approx(1.0)


def test_grid_values_beyond_float_precision_are_refused() -> None:
    with pytest.raises(InputError, match="below 1e"):
        estimate_dga(_table(), grid=[10**19])


def test_plot_axis_shows_the_mass_not_the_whole_grid(tmp_path: Path, shared_data: Path) -> None:
    from tribunal.mse.dga_plot import axis_limits, plot_dga_posterior
    from tribunal.mse.table import read_table

    table = read_table(shared_data / "mse" / "spina_bifida_3.csv")[None]
    r = estimate_dga(table)  # grid 0..12,520 missing; the mass lies near 700-800
    post = r.details["posterior_N"]
    lo, hi, cut = axis_limits(post["N"], post["probability"])
    assert cut and lo < r.interval[0] and r.interval[1] < hi < 1500
    assert plot_dga_posterior(r, tmp_path / "p.png").stat().st_size > 10_000


def test_cli_dga_plot_uses_the_model_weight_figure(tmp_path: Path, capsys, monkeypatch) -> None:
    from tribunal.cli import main
    from tribunal.mse import dga_plot

    calls = []
    real = dga_plot.plot_dga_posterior
    monkeypatch.setattr(dga_plot, "plot_dga_posterior", lambda r, p: calls.append(p) or real(r, p))
    path = tmp_path / "t.csv"
    _table().to_frame().to_csv(path, index=False)
    png = tmp_path / "post.png"
    main(["mse", "estimate", str(path), "--method", "dga", "--plot", str(png)])
    assert calls == [png] and png.stat().st_size > 1000
