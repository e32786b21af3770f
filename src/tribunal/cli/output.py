"""Shared output helpers for commands: JSON for scripts, rich text for people."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from tribunal.jsonutil import dumps

console = Console()
err_console = Console(stderr=True)

# C0 controls, DEL and C1 controls (ESC starts terminal sequences; CSI is 0x9b).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_KEEP_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text: str, *, keep_lines: bool = False) -> str:
    """Text from files or users with control characters shown as ``\\xNN``: a name holding
    ESC sequences or a newline could otherwise repaint the terminal or forge a line."""
    pattern = _CONTROL_KEEP_LINES if keep_lines else _CONTROL
    return pattern.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def safe_text(text: str, *, keep_lines: bool = False) -> str:
    """:func:`plain` text with rich markup escaped, for ``console.print``."""
    from rich.markup import escape

    return escape(plain(text, keep_lines=keep_lines))

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


def refuse_inside_case(out: Path | None, ctx: click.Context, what: str) -> None:
    """Refuse an output path inside the case folder: it could replace the database or a key."""
    from tribunal.errors import InputError

    if out is None:
        return
    root = case_dir(ctx).resolve()
    target = out.resolve()
    if target == root or root in target.parents:
        raise InputError(
            f"{out} is inside the case folder {case_dir(ctx)}; {what} written there could "
            "replace the case's database or keys",
            hint="write it outside the case folder",
        )
