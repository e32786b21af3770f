"""Every option of `tribunal mse estimate|models|closed` is in the synopsis of docs/mse.md's
"Command" section, under its own command, and has help text: an option added to the code
but not to the document fails here (datasette's documented-CLI test, in spirit)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from tribunal.cli.mse_cmds import mse

COMMANDS = ("estimate", "models", "closed")


def _options(name: str) -> list[click.Option]:
    command = mse.commands[name]
    return [p for p in command.params if isinstance(p, click.Option)]


def _long(option: click.Option) -> list[str]:
    return [o for o in (*option.opts, *option.secondary_opts) if o.startswith("--")]


def _synopsis(repo_root: Path) -> dict[str, str]:
    """The code block of the Command section, split into one text per command."""
    text = (repo_root / "docs" / "mse.md").read_text(encoding="utf-8")
    section = text.split("\n## Command\n", 1)
    assert len(section) == 2, "docs/mse.md has no '## Command' section"
    block = re.search(r"```\n(.*?)```", section[1], re.S)
    assert block, "the Command section has no synopsis code block"
    parts = re.split(r"^tribunal mse (\w+)", block.group(1), flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


@pytest.mark.parametrize(
    ("command", "option"),
    [(c, o) for c in COMMANDS for opt in _options(c) for o in _long(opt)],
)
def test_option_in_command_synopsis(repo_root: Path, command: str, option: str) -> None:
    synopsis = _synopsis(repo_root)
    assert command in synopsis, f"`tribunal mse {command}` is missing from the synopsis"
    assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", synopsis[command]), (
        f"`tribunal mse {command} {option}` is not in the Command section of docs/mse.md"
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_options_have_help(command: str) -> None:
    missing = [o.opts[0] for o in _options(command) if not (o.help or "").strip()]
    assert not missing, f"`tribunal mse {command}`: options without help text: {missing}"


def test_choices_documented(repo_root: Path) -> None:
    """Every value of a choice option (methods, searches, criteria) is in the synopsis."""
    synopsis = _synopsis(repo_root)
    for command in COMMANDS:
        for option in _options(command):
            if isinstance(option.type, click.Choice):
                for value in option.type.choices:
                    assert value in synopsis[command], (command, option.opts[0], value)


def test_synopsis_names_only_real_options(repo_root: Path) -> None:
    """The reverse: an option removed from the code must leave the document too."""
    for command, text in _synopsis(repo_root).items():
        real = {o for opt in _options(command) for o in _long(opt)}
        written = set(re.findall(r"(?<![\w-])--[\w-]+", text))
        assert written <= real, f"`tribunal mse {command}`: {sorted(written - real)}"
