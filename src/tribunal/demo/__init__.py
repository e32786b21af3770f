"""``tribunal demo``: build an example case from shipped material and run every analysis.

Each area contributes one step module with a ``run(ctx: DemoContext) -> None`` function;
steps run in the order of :data:`STEPS`. A step prints what it did and where to look, and
records files it wrote in ``ctx.outputs`` so the closing summary can list them.
"""

from __future__ import annotations

import importlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from tribunal.errors import TribunalError

STEPS: list[str] = [
    "tribunal.demo.archive_step",
    "tribunal.demo.custody_step",
    "tribunal.demo.mse_step",
    "tribunal.demo.mse_dga_step",
    "tribunal.demo.mse_lcmcr_step",
    "tribunal.demo.forensics_step",
    "tribunal.demo.linkage_step",
]

MARKER = ".tribunal-demo"


@dataclass
class DemoContext:
    """What a demo step needs: where to write, how to print, and a seed."""

    out_dir: Path
    console: Console
    seed: int = 20191217
    quick: bool = False
    outputs: dict[str, Path] = field(default_factory=dict)
    summary: dict[str, object] = field(default_factory=dict)

    @property
    def case_dir(self) -> Path:
        return self.out_dir / "case"

    @property
    def plots_dir(self) -> Path:
        path = self.out_dir / "plots"
        path.mkdir(parents=True, exist_ok=True)
        return path


def prepare_out_dir(out_dir: Path) -> None:
    """Create ``out_dir``, replacing an earlier demo there but never other data."""
    if out_dir.exists():
        if not (out_dir / MARKER).exists() and any(out_dir.iterdir()):
            raise TribunalError(
                f"{out_dir} exists and is not an earlier demo folder",
                hint="choose another place with --out, or empty that folder",
            )
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    (out_dir / MARKER).write_text("created by tribunal demo; safe to delete\n")


def run_demo(ctx: DemoContext, steps: list[str] | None = None) -> DemoContext:
    """Run the demo steps in order and return the context with their outputs."""
    prepare_out_dir(ctx.out_dir)
    for name in steps or STEPS:
        module = importlib.import_module(name)
        module.run(ctx)
    return ctx
