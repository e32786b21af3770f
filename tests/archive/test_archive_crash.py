"""Crash safety: kill -9 in the middle of an ingest batch, then verify and re-run."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tribunal.archive.case import Case
from tribunal.archive.ingest import ingest_paths
from tribunal.archive.verify import verify_case

CHILD = """
import sys, time
from tribunal.archive.case import Case
from tribunal.archive.extract import extract
from tribunal.archive.ingest import ingest_paths

def slow(path):
    time.sleep(0.004)  # widen the window in which a batch is half written
    return extract(path)

case = Case.open(sys.argv[1])
if sys.argv[3] == "pool":  # the default extractor in worker processes
    ingest_paths(case, [sys.argv[2]], batch_files=25, workers=2)
else:
    ingest_paths(case, [sys.argv[2]], extractor=slow, batch_files=25)
"""

N = 400


def _children(pid):
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(x) for x in (task / "children").read_text().split()]
    return found


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def _count(db_path, sql):
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    try:
        return db.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


@pytest.mark.parametrize("mode", ["inline", "pool"])
def test_kill_9_mid_batch_leaves_a_verifiable_case_and_rerun_completes(tmp_path, mode):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(N):
        body = f"文件 {i} 器官移植 肝脏 供体\n" if i % 2 else f"document {i} about organ transplants\n"
        (src / f"f{i:04d}.txt").write_text(body * 50, encoding="utf-8")
    case_dir = tmp_path / "case"
    Case.init(case_dir).close()
    db_path = case_dir / "case.sqlite"

    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(case_dir), str(src), mode])
    deadline = time.monotonic() + 60
    while _count(db_path, "SELECT COUNT(*) FROM ingests") < 60:
        assert proc.poll() is None, "ingest finished before it could be killed"
        assert time.monotonic() < deadline, "ingest made no progress"
        time.sleep(0.005)
    # Keep going a little so the kill lands inside the next batch, not on a boundary.
    time.sleep(0.03)
    assert proc.poll() is None, "ingest finished before it could be killed"
    workers = _children(proc.pid)
    if mode == "pool":
        assert any("spawn_main" in _cmdline(p) for p in workers), "no extraction workers seen"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    # Extraction workers must not outlive a killed ingest.
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    lingering = [pid for pid in workers if _alive(pid)]
    for pid in lingering:
        os.kill(pid, signal.SIGKILL)
    assert not [p for p in lingering if "spawn_main" in _cmdline(p)], "orphan extraction workers"

    case = Case.open(case_dir)
    partial = case.db.execute("SELECT COUNT(*) FROM items WHERE parent_id IS NULL").fetchone()[0]
    assert 0 < partial < N
    report = verify_case(case)
    assert report.ok, [p.message for p in report.problems]

    rerun = ingest_paths(case, [src], index=True)
    assert not rerun.failures
    originals = case.db.execute(
        "SELECT COUNT(*), COUNT(DISTINCT sha256) FROM items WHERE parent_id IS NULL"
    ).fetchone()
    assert originals == (N, N), "every file stored exactly once"
    dup_derived = case.db.execute(
        "SELECT COUNT(*) FROM (SELECT 1 FROM items WHERE parent_id IS NOT NULL"
        " GROUP BY parent_id, relation HAVING COUNT(*) > 1)"
    ).fetchone()[0]
    assert dup_derived == 0
    assert rerun.new_items == N - partial
    assert not [p for p in (case.root / "tmp").iterdir()], "orphan temp files were cleaned"
    assert case.db.execute("SELECT COUNT(*) FROM index_queue").fetchone()[0] == 0
    final = verify_case(case)
    assert final.ok, [p.message for p in final.problems]
    case.close()
