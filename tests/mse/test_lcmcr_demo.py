"""The LCMCR demo step runs on a temporary folder, prints R's figures and writes its plot."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from tribunal.demo import STEPS, DemoContext, mse_lcmcr_step


def test_demo_step_runs_quick(tmp_path: Path) -> None:
    console = Console(record=True, width=160)
    ctx = DemoContext(out_dir=tmp_path, console=console, quick=True)
    mse_lcmcr_step.run(ctx)
    text = console.export_text()
    assert "137 [124, 197]" in text  # R's figure printed beside ours
    plot = ctx.outputs["MSE LCMCR posterior of N per chain (Korea)"]
    assert plot.is_file() and plot.stat().st_size > 10_000
    assert ctx.outputs["MSE LCMCR result (Korea)"].is_file()
    korea = ctx.summary["mse_lcmcr"]["korea_palembang"]
    assert korea["estimate"] == pytest.approx(137, rel=0.04)
    assert korea["chains_agree"]
    assert "tribunal.demo.mse_lcmcr_step" in STEPS
