"""The dga demo step runs on a temporary folder and reproduces the published figures."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from tribunal.demo import STEPS, DemoContext, mse_dga_step


def test_demo_step_writes_plot_and_matches_published(tmp_path: Path) -> None:
    console = Console(record=True, width=120)
    ctx = DemoContext(out_dir=tmp_path, console=console, quick=True)
    mse_dga_step.run(ctx)
    text = console.export_text()
    assert "NO" not in text.split()
    plot = ctx.outputs["MSE dga posterior of N (spina bifida)"]
    assert plot.is_file() and plot.stat().st_size > 10_000
    assert ctx.summary["mse_dga_spina_bifida"]["bayes_estimate"] == 731
    assert ctx.summary["mse_dga_spina_bifida"]["interval"] == [682, 797]
    assert "tribunal.demo.mse_dga_step" in STEPS
