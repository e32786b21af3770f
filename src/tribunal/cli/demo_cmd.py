"""``tribunal demo``."""

from __future__ import annotations

from pathlib import Path

import click

from tribunal.cli.output import console, json_option
from tribunal.demo import DemoContext, run_demo
from tribunal.jsonutil import dumps


@click.command()
@click.option(
    "--out",
    "out_dir",
    default="tribunal-demo",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the example case, plots and tables (an earlier demo there is replaced).",
)
@click.option("--seed", default=20191217, show_default=True, help="Seed for every random step.")
@click.option("--quick", is_flag=True, help="Shorter sampler runs (for tests and slow machines).")
@json_option
def demo(out_dir: Path, seed: int, quick: bool, as_json: bool) -> None:
    """Build an example case from shipped public material and run every analysis on it.

    The demo ingests the official transplant statistics that ship with the package and a
    few generated documents, verifies the custody ledger, searches in Chinese and English,
    and runs the statistical analyses on published benchmark tables, printing the
    published figure beside ours. Everything it writes goes under --out.
    """
    ctx = DemoContext(out_dir=out_dir, console=console, seed=seed, quick=quick)
    if as_json:
        ctx.console = console.__class__(quiet=True)
    run_demo(ctx)
    if as_json:
        click.echo(dumps({"out_dir": out_dir, "outputs": ctx.outputs, "summary": ctx.summary}))
        return
    console.rule("[bold]Where to look next")
    for label, path in ctx.outputs.items():
        console.print(f"  {label}: {path}")
    console.print(f"\n  Try: tribunal --case {ctx.case_dir} search 器官")
