"""Shared output helpers for commands: JSON for scripts, rich text for people."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from tribunal.jsonutil import dumps

console = Console()
err_console = Console(stderr=True)

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print machine-readable JSON on stdout."
)


def emit(result: Any, as_json: bool, human: Callable[[Any], None]) -> None:
    """Print ``result`` as JSON when asked, otherwise through ``human``."""
    if as_json:
        click.echo(dumps(result))
    else:
        human(result)


def case_dir(ctx: click.Context) -> Path:
    """The case folder chosen by ``--case`` / ``TRIBUNAL_CASE``."""
    return Path(ctx.find_root().obj["case_dir"])
