"""Every option of a command appears in its user documentation (in the spirit of datasette's
test that the docs cover the CLI): an option added to the code but not to docs/ fails here.

``CHECKED`` and ``OTHERS`` together name every command with the document that must describe
it and each of its options; a command missing from both fails ``test_every_command_listed``.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from tribunal.cli import COMMANDS

# (command path as typed after `tribunal`, document under docs/)
CHECKED: list[tuple[str, str]] = [
    ("proof", "custody.md"),
    ("verify-proof", "custody.md"),
    ("consistency", "custody.md"),
    ("log", "custody.md"),
    ("forensics", "forensics.md"),  # a group: every subcommand and its options
]

# Every other command, with the document that must describe it.
OTHERS: list[tuple[str, str]] = [
    ("init", "archive.md"),
    ("ingest", "archive.md"),
    ("items", "archive.md"),
    ("show", "archive.md"),
    ("export-key", "archive.md"),
    ("verify", "archive.md"),
    ("search", "search.md"),
    ("reindex", "search.md"),
    ("mse", "mse.md"),
    ("link", "linkage.md"),
    ("demo", "demo.md"),
]

# The dga settings of `tribunal mse estimate` (the rest of `mse` is in OTHERS).
DGA_OPTIONS = ("--delta", "--prior", "--max-missing")


def _command(path: str) -> click.Command:
    first, *rest = path.split()
    module, attr = COMMANDS[first].split(":")
    command = getattr(importlib.import_module(module), attr)
    for name in rest:
        assert isinstance(command, click.Group), f"{path}: {name} is not a subcommand"
        command = command.commands[name]
    return command


def _walk(path: str, command: click.Command) -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _walk(f"{path} {name}", sub)


def _long_options(command: click.Command) -> list[str]:
    opts = []
    for param in command.params:
        if isinstance(param, click.Option):
            opts += [o for o in (*param.opts, *param.secondary_opts) if o.startswith("--")]
    return [o for o in opts if o != "--help"]


def _mentions(doc: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", doc) is not None


def _cases(entries: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    out = []
    for top, doc in entries:
        for path, command in _walk(top, _command(top)):
            out += [(path, doc, opt) for opt in _long_options(command)]
            out.append((path, doc, ""))  # the command itself
    return out


@pytest.mark.parametrize(("path", "doc", "option"), _cases(CHECKED + OTHERS))
def test_documented(repo_root: Path, path: str, doc: str, option: str) -> None:
    text = (repo_root / "docs" / doc).read_text(encoding="utf-8")
    if not option:
        shown = re.search(rf"tribunal (--case \S+ )?{re.escape(path)}(?![\w-])", text)
        assert shown, f"`tribunal {path}` is not in docs/{doc}"
    else:
        assert _mentions(text, option), f"`tribunal {path} {option}` is not in docs/{doc}"


def test_checked_commands_exist() -> None:
    # a renamed command must not silently drop out of the check
    for top, _ in CHECKED + OTHERS:
        assert top.split()[0] in COMMANDS, top


def test_every_command_listed() -> None:
    listed = {top.split()[0] for top, _ in CHECKED + OTHERS}
    assert set(COMMANDS) == listed, set(COMMANDS) ^ listed


@pytest.mark.parametrize("option", DGA_OPTIONS)
def test_dga_options_documented(repo_root: Path, option: str) -> None:
    assert option in _long_options(_command("mse estimate"))
    text = (repo_root / "docs" / "mse.md").read_text(encoding="utf-8")
    assert _mentions(text, option), f"`tribunal mse estimate {option}` is not in docs/mse.md"
