"""Every archive command and option is documented in docs/archive.md."""

from __future__ import annotations

import importlib

import pytest

from tribunal.cli import COMMANDS

ARCHIVE_COMMANDS = ["init", "ingest", "items", "show", "export-key", "verify"]


@pytest.mark.parametrize("name", ARCHIVE_COMMANDS)
def test_command_and_options_are_documented(repo_root, name):
    doc = (repo_root / "docs" / "archive.md").read_text(encoding="utf-8")
    module, attr = COMMANDS[name].split(":")
    command = getattr(importlib.import_module(module), attr)
    assert f"`{name}" in doc, f"command {name} is not in docs/archive.md"
    for param in command.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--"):
                assert f"`{opt}" in doc, f"{name} {opt} is not in docs/archive.md"
