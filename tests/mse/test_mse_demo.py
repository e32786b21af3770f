"""The log-linear demo step runs on its own and prints published figures beside ours."""

from __future__ import annotations

from rich.console import Console

from tribunal.demo import DemoContext


def test_mse_step_runs(tmp_path):
    from tribunal.demo import mse_step

    console = Console(record=True, width=160)
    ctx = DemoContext(out_dir=tmp_path, console=console, quick=True)
    mse_step.run(ctx)
    text = console.export_text()
    assert "157.1667" in text and "2,483.384" in text and "81.1" in text
    for path in ctx.outputs.values():
        assert path.exists() and path.stat().st_size > 1000
    summary = ctx.summary["mse_loglinear"]
    assert abs(summary["uk5_bic"] - 22991.3) < 0.05
