"""verify: every change, removal, addition or reordering is caught and located."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3

import pytest
from archive_core_helpers import fake_extract, make_corpus

from tribunal.archive.case import Case
from tribunal.archive.ingest import ingest_paths
from tribunal.archive.items import Capture
from tribunal.archive.verify import verify_case

SEED = 20191217


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A closed case with two ingest commands (two signed heads) to copy and tamper with."""
    base = tmp_path_factory.mktemp("pristine")
    src = make_corpus(base, n=10)
    case = Case.init(base / "case")
    ingest_paths(case, [src], Capture(notes="first", sensitivity="protected"), extractor=fake_extract, index=False)
    more = base / "more"
    more.mkdir()
    (more / "x.txt").write_text("另一份 文件 肝臟")
    ingest_paths(case, [more, src / "doc001.txt"], extractor=fake_extract, index=False)
    assert verify_case(case).ok
    case.close()
    return base / "case"


def _copy(pristine, tmp_path):
    dst = tmp_path / "case"
    shutil.copytree(pristine, dst)
    return dst


def _verify(path):
    case = Case.open(path)
    try:
        return verify_case(case)
    finally:
        case.close()


def _sql(path, sql, args=()):
    db = sqlite3.connect(path / "case.sqlite")
    db.execute(sql, args)
    db.commit()
    db.close()


def _kinds(report):
    return {p.kind for p in report.problems}


def test_pristine_copy_is_intact(pristine, tmp_path):
    report = _verify(_copy(pristine, tmp_path))
    assert report.ok, report.problems
    assert report.items > 10 and report.heads >= 2


def test_changed_blob_names_the_item(pristine, tmp_path):
    path = _copy(pristine, tmp_path)
    sha, item = sqlite3.connect(path / "case.sqlite").execute(
        "SELECT sha256, id FROM items WHERE parent_id IS NULL LIMIT 1").fetchone()  # fmt: skip
    blob = path / "blobs" / sha[:2] / sha[2:]
    os.chmod(blob, 0o644)
    blob.write_bytes(blob.read_bytes() + b"!")
    report = _verify(path)
    assert not report.ok
    assert any(p.kind == "blob-changed" and p.item == item for p in report.problems)


def test_removed_blob_and_stray_blob(pristine, tmp_path):
    path = _copy(pristine, tmp_path)
    sha = sqlite3.connect(path / "case.sqlite").execute("SELECT sha256 FROM items LIMIT 1").fetchone()[0]
    os.unlink(path / "blobs" / sha[:2] / sha[2:])
    (path / "blobs" / "00").mkdir(exist_ok=True)
    (path / "blobs" / "00" / ("1" * 62)).write_bytes(b"planted")
    kinds = _kinds(_verify(path))
    assert {"blob-missing", "blob-stray"} <= kinds


def test_valid_unreferenced_blob_is_only_a_note(pristine, tmp_path):
    path = _copy(pristine, tmp_path)
    case = Case.open(path)
    case.blobs.put_bytes(b"left by an interrupted ingest")
    report = verify_case(case)
    case.close()
    assert report.ok and report.notes


def test_row_changes_removals_and_additions(pristine, tmp_path):
    path = _copy(pristine, tmp_path)
    db = sqlite3.connect(path / "case.sqlite")
    ids = [r[0] for r in db.execute("SELECT id FROM items WHERE parent_id IS NULL ORDER BY rowid")]
    db.execute("UPDATE items SET notes = 'edited' WHERE id = ?", (ids[0],))
    db.execute("DELETE FROM ingests WHERE item_id = ?", (ids[1],))
    db.execute("DELETE FROM items WHERE parent_id = ?", (ids[1],))
    db.execute(
        "INSERT INTO items SELECT 'E-PLANTED000', sha256, size, mime, kind, filename, parent_id,"
        " relation, source_url, captured_at, collector, method, language, notes, sensitivity,"
        " metadata, created_at, nonce, ledger_index FROM items WHERE id = ?", (ids[2],))  # fmt: skip
    db.commit()
    db.close()
    report = _verify(path)
    by_kind = {}
    for p in report.problems:
        by_kind.setdefault(p.kind, []).append(p)
    assert any(p.item == ids[0] for p in by_kind["item-changed"])
    assert by_kind["event-removed"] and by_kind["item-removed"]
    assert any(p.item == "E-PLANTED000" for p in by_kind["item-added"])


def test_swapped_metadata_between_rows_is_caught(pristine, tmp_path):
    path = _copy(pristine, tmp_path)
    db = sqlite3.connect(path / "case.sqlite")
    (a, na), (b, nb) = db.execute("SELECT id, notes FROM items WHERE parent_id IS NULL LIMIT 2").fetchall()
    db.execute("UPDATE items SET created_at = (SELECT created_at FROM items WHERE id = ?) WHERE id = ?", (b, a))
    db.commit()
    db.close()
    assert "item-changed" in _kinds(_verify(path))


def test_ledger_reorder_removal_and_head_tampering(pristine, tmp_path):
    # reorder two entries
    path = _copy(pristine, tmp_path / "a")
    db = sqlite3.connect(path / "case.sqlite")
    (e1, h1), (e2, h2) = db.execute("SELECT entry, leaf_hash FROM ledger WHERE seq IN (1, 2) ORDER BY seq").fetchall()
    db.execute("UPDATE ledger SET entry = ?, leaf_hash = ? WHERE seq = 1", (e2, h2))
    db.execute("UPDATE ledger SET entry = ?, leaf_hash = ? WHERE seq = 2", (e1, h1))
    db.commit()
    db.close()
    report = _verify(path)
    assert not report.ok and any(p.seq in (1, 2) for p in report.problems)
    # remove the last entry
    path = _copy(pristine, tmp_path / "b")
    _sql(path, "DELETE FROM ledger WHERE seq = (SELECT MAX(seq) FROM ledger)")
    assert not _verify(path).ok
    # remove a signed head
    path = _copy(pristine, tmp_path / "c")
    _sql(path, "DELETE FROM heads WHERE id = (SELECT MIN(id) FROM heads)")
    report = _verify(path)
    assert not report.ok


def _flip(data: bytes, rng: random.Random) -> bytes:
    pos = rng.randrange(len(data))
    return data[:pos] + bytes([data[pos] ^ rng.randrange(1, 256)]) + data[pos + 1 :]


def _flip_value(value, rng):
    if isinstance(value, int):
        raw = _flip(value.to_bytes(8, "little", signed=True), rng)
        return int.from_bytes(raw, "little", signed=True)
    raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    flipped = _flip(raw, rng)
    if isinstance(value, str):
        try:
            return flipped.decode("utf-8")
        except UnicodeDecodeError:
            return flipped  # stored as a BLOB: a damaged TEXT cell
    return flipped


@pytest.mark.parametrize("target", ["blob", "items", "ingests", "ledger", "heads"])
def test_random_single_byte_flips_are_all_caught(pristine, tmp_path, target):
    """Flip one byte at a random position, 50 times per target (seeded); verify must fail."""
    rng = random.Random(f"{SEED}-{target}")
    missed = []
    for trial in range(50):
        path = _copy(pristine, tmp_path / str(trial))
        db = sqlite3.connect(path / "case.sqlite")
        if target == "blob":
            blobs = sorted(p for p in (path / "blobs").rglob("*") if p.is_file() and p.stat().st_size)
            blob = rng.choice(blobs)
            os.chmod(blob, 0o644)
            blob.write_bytes(_flip(blob.read_bytes(), rng))
            what = blob.name
        else:
            key = {"items": "rowid", "ingests": "rowid", "ledger": "seq", "heads": "id"}[target]
            cur = db.execute(f"SELECT {key}, * FROM {target}")
            names = [d[0] for d in cur.description][1:]
            rows = cur.fetchall()
            row = rng.choice(rows)
            # A head's row id is a storage detail outside the signed message; every other
            # column of every table is fair game.
            cols = [
                (n, v)
                for n, v in zip(names, row[1:], strict=True)
                if v is not None and not (target == "heads" and n == "id")
            ]
            col, value = rng.choice(cols)
            new = _flip_value(value, rng)
            try:
                db.execute(f"UPDATE {target} SET {col} = ? WHERE {key} = ?", (new, row[0]))
                db.commit()
            except sqlite3.IntegrityError:
                continue  # the schema itself refused the change (e.g. a duplicate primary key)
            what = f"{target}.{col} of row {row[0]}"
        db.close()
        report = _verify(path)
        if report.ok:
            missed.append(what)
        shutil.rmtree(path)
    assert not missed, f"verify missed flips in: {missed}"
