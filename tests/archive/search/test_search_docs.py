"""Every option of ``search`` and ``reindex`` is documented in docs/search.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from tribunal.cli.search_cmds import reindex, search


@pytest.mark.parametrize("command", [search, reindex], ids=["search", "reindex"])
def test_every_option_is_documented(repo_root: Path, command) -> None:  # type: ignore[no-untyped-def]
    text = (repo_root / "docs" / "search.md").read_text(encoding="utf-8")
    assert f"tribunal {command.name}" in text
    for param in command.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--"):
                assert opt in text, f"{command.name} {opt} is not in docs/search.md"
