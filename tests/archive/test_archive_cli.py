"""The archive commands through the real command line: exit codes and --json."""

from __future__ import annotations

import json
import os
import sqlite3
import stat

import pytest
from click.testing import CliRunner

from tribunal.cli import cli


def run(args, **kw):
    return CliRunner().invoke(cli, args, catch_exceptions=False, **kw)


@pytest.fixture()
def case_dir(tmp_path):
    path = tmp_path / "case"
    result = run(["--case", str(path), "init", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["public_key"]) == 64 and data["head"]["tree_size"] == 0
    return path


def test_init_ingest_items_show_verify_json(case_dir, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("器官 移植 organ transplant")
    (src / "b.html").write_text("<p>肝臟 liver</p><script>x=1</script>")
    result = run(["--case", str(case_dir), "ingest", str(src), "--json", "--collector", "me",
                  "--captured-at", "2019-01-02T03:04:05+08:00", "--sensitivity", "restricted"])  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ingested"] == 2 and report["failed"] == 0 and report["new_items"] == 2
    items = json.loads(run(["--case", str(case_dir), "items", "--json"]).output)
    assert {i["kind"] for i in items} >= {"document", "html", "text"}
    first = report["files"][0]["item_id"]
    shown = json.loads(run(["--case", str(case_dir), "show", first, "--json"]).output)
    assert shown["item"]["captured_at"] == "2019-01-01T19:04:05Z"
    assert shown["item"]["sensitivity"] == "restricted" and shown["derived"] and shown["ledger"]
    verified = run(["--case", str(case_dir), "verify", "--json"])
    assert verified.exit_code == 0
    assert json.loads(verified.output)["ok"] is True
    human = run(["--case", str(case_dir), "verify"])
    assert human.exit_code == 0 and "intact" in human.output


def test_verify_exits_nonzero_with_located_problem(case_dir, tmp_path):
    src = tmp_path / "f.txt"
    src.write_text("evidence")
    run(["--case", str(case_dir), "ingest", str(src)])
    db = sqlite3.connect(case_dir / "case.sqlite")
    item = db.execute("SELECT id FROM items WHERE parent_id IS NULL").fetchone()[0]
    db.execute("UPDATE items SET collector = 'someone else' WHERE id = ?", (item,))
    db.commit()
    db.close()
    result = run(["--case", str(case_dir), "verify", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["ok"] is False and any(p["item"] == item for p in data["problems"])


def test_ingest_failure_exit_code_and_summary(case_dir, tmp_path):
    result = run(["--case", str(case_dir), "ingest", str(tmp_path / "missing"), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["failures"][0]["reason"] == "no such file or folder"


def test_export_key_writes_pem(case_dir, tmp_path):
    out = tmp_path / "case.pub"
    result = run(["--case", str(case_dir), "export-key", "--out", str(out)])
    assert result.exit_code == 0 and out.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert stat.S_IMODE(os.stat(case_dir / "keys" / "ed25519.key").st_mode) == 0o600
    printed = run(["--case", str(case_dir), "export-key"])
    assert printed.output == out.read_text()


def test_user_errors_exit_2_without_traceback(tmp_path):
    from tribunal.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["--case", str(tmp_path / "nothing"), "verify"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["--case", str(tmp_path / "nothing"), "show", "E-NOPE"])
    assert exc.value.code == 2


def test_unknown_item_is_a_user_error(case_dir):
    from tribunal.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["--case", str(case_dir), "show", "E-0000000000"])
    assert exc.value.code == 2


def test_case_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIBUNAL_CASE", str(tmp_path / "envcase"))
    result = run(["init"])
    assert result.exit_code == 0 and (tmp_path / "envcase" / "case.sqlite").is_file()
