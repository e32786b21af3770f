"""``tribunal search`` and ``tribunal reindex`` on a real case folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tribunal.archive.search import SearchIndex
from tribunal.cli import cli
from tribunal.errors import CaseError


@pytest.fixture
def case(tmp_path: Path) -> Path:
    from tribunal.archive.case import Case

    root = tmp_path / "case"
    Case.init(root).close()
    return root


def _run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), catch_exceptions=True)


def test_search_without_index_is_a_clear_error(case: Path) -> None:
    (case / "search.sqlite").unlink(missing_ok=True)
    result = _run("--case", str(case), "search", "器官")
    assert isinstance(result.exception, CaseError)
    assert "no search index" in result.exception.message
    assert "reindex" in (result.exception.hint or "")


def test_search_outside_a_case(tmp_path: Path) -> None:
    result = _run("--case", str(tmp_path / "nowhere"), "search", "x")
    assert isinstance(result.exception, CaseError)


def test_search_json_and_text(case: Path) -> None:
    with SearchIndex(case / "search.sqlite") as ix:
        ix.add("D-1", "中國的器官移植等待時間很短。", title="醫院", kind="html", language="zh",
               date="2006-03-01")  # fmt: skip
        ix.add("D-2", "The witness named the surgeon.", title="Statement", kind="docx",
               language="en", sensitivity="protected")  # fmt: skip
    result = _run("--case", str(case), "search", "器官", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["count"] == 1
    hit = data["hits"][0]
    assert hit["doc_id"] == "D-1" and hit["snippet"] == "中國的[器官]移植等待時間很短。"
    assert hit["highlights"] == [[3, 5]]
    text = _run("--case", str(case), "search", "surgeon")
    assert "D-2" not in text.output and "surgeon" not in text.output.replace("'surgeon'", "")
    shown = _run("--case", str(case), "search", "surgeon", "--include-protected")
    assert "[surgeon]" in shown.output and "Statement" in shown.output
    filtered = _run("--case", str(case), "search", "器官", "--from", "2007-01-01", "--json")
    assert json.loads(filtered.output)["count"] == 0
    empty = _run("--case", str(case), "search", "()*")
    assert "no letters" in empty.output


def test_reindex_rebuilds_from_text_items(case: Path, tmp_path: Path) -> None:
    from tribunal.archive.case import open_case
    from tribunal.archive.ingest import ingest_paths

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_bytes("肝臟移植等待時間很短".encode("big5"))
    (src / "b.html").write_text("<title>t</title><p>Livers transplanted weekly</p>", "utf-8")
    with open_case(case) as c:
        ingest_paths(c, [src])
    for suffix in ("", "-wal", "-shm"):
        Path(str(case / "search.sqlite") + suffix).unlink(missing_ok=True)
    result = _run("--case", str(case), "reindex", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["indexed"] == 2
    found = json.loads(_run("--case", str(case), "search", "肝脏", "--json").output)
    assert found["count"] == 1 and "[肝臟]" in found["hits"][0]["snippet"]
    found = json.loads(_run("--case", str(case), "search", "transplant", "--json").output)
    assert found["count"] == 1


def test_hostile_queries_on_the_command_line(case: Path) -> None:
    with SearchIndex(case / "search.sqlite") as ix:
        ix.add("D-1", "The liver -liver and 肝脏.", title="Note")
    dash = _run("--case", str(case), "search", "-liver")
    assert dash.exit_code == 2 and "tribunal search -- -liver" in dash.output
    assert _run("--case", str(case), "search", "--", "-liver").exit_code == 0
    emoji = _run("--case", str(case), "search", "😀")
    assert emoji.exit_code == 0 and "emoji are not indexed" in emoji.output
    for query in ("a" * 10_001, " ".join(f"w{i}" for i in range(100))):
        long = _run("--case", str(case), "search", query, "--json")
        assert long.exit_code != 0 and long.exception is not None
        assert "at most" in str(long.exception)
