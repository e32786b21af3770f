"""The case folder: creation, opening, keys, blob store."""

from __future__ import annotations

import io
import os
import stat
import tracemalloc

import pytest

from tribunal.archive.blobstore import BlobStore
from tribunal.archive.case import Case
from tribunal.archive.items import derived_id, normalise_utc, original_id
from tribunal.errors import CaseError, InputError


def test_init_creates_layout_with_private_key_0600(tmp_path):
    case = Case.init(tmp_path / "c")
    try:
        root = case.root
        assert (root / "case.sqlite").is_file()
        assert (root / "blobs").is_dir()
        key = root / "keys" / "ed25519.key"
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert case.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert case.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        case.close()


def test_init_refuses_existing_case_and_nonempty_folder(tmp_path):
    Case.init(tmp_path / "c").close()
    with pytest.raises(CaseError):
        Case.init(tmp_path / "c")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x").write_text("x")
    with pytest.raises(CaseError):
        Case.init(tmp_path / "d")


def test_open_non_case_hints_at_init(tmp_path):
    with pytest.raises(CaseError) as err:
        Case.open(tmp_path / "nothing")
    assert "tribunal" in (err.value.hint or "") and "init" in (err.value.hint or "")


def test_transaction_rolls_back_on_error(tmp_path):
    case = Case.init(tmp_path / "c")
    with pytest.raises(RuntimeError), case.transaction():
        case.db.execute("INSERT INTO case_info VALUES ('x', 'y')")
        raise RuntimeError("boom")
    assert case.db.execute("SELECT COUNT(*) FROM case_info WHERE key='x'").fetchone()[0] == 0
    case.close()


def test_blob_stored_once_read_only_and_addressed_by_sha256(tmp_path):
    (tmp_path / "tmp").mkdir()
    store = BlobStore(tmp_path / "blobs", tmp_path / "tmp")
    (tmp_path / "blobs").mkdir()
    a = store.put_bytes(b"abc")
    b = store.put_stream(io.BytesIO(b"abc"))
    assert a.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # FIPS 180-2
    assert a.new and not b.new
    path = store.path(a.sha256)
    assert path.parent.name == a.sha256[:2] and path.name == a.sha256[2:]
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert list(os.listdir(tmp_path / "tmp")) == []


def test_large_stream_uses_bounded_memory(tmp_path):
    (tmp_path / "tmp").mkdir()
    (tmp_path / "blobs").mkdir()
    store = BlobStore(tmp_path / "blobs", tmp_path / "tmp")
    big = tmp_path / "big.bin"
    with open(big, "wb") as fh:
        for i in range(48):
            fh.write(bytes([i]) * (1 << 20))
    tracemalloc.start()
    stored = store.put_file(big)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert stored.size == 48 << 20
    assert peak < 8 << 20, f"peak {peak} bytes while storing 48 MiB"


def test_ids_are_short_stable_and_distinct():
    sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert original_id(sha) == original_id(sha)
    assert len(original_id(sha)) == 12 and original_id(sha).startswith("E-")
    assert derived_id("E-X", "text", sha) != derived_id("E-Y", "text", sha)
    assert len(original_id(sha, 13)) == 15


def test_capture_time_normalised_to_utc():
    assert normalise_utc("2020-01-01T10:00+08:00") == "2020-01-01T02:00:00Z"
    assert normalise_utc("2020-01-01 10:00") == "2020-01-01T10:00:00Z"
    with pytest.raises(InputError):
        normalise_utc("yesterday")


def test_second_writer_is_refused_while_the_lock_is_held(tmp_path):
    a = Case.init(tmp_path / "c")
    b = Case.open(tmp_path / "c")
    try:
        with a.write_lock():
            with pytest.raises(CaseError) as err, b.write_lock():
                pass
            assert "another tribunal command" in err.value.message
        with b.write_lock():
            pass
    finally:
        a.close()
        b.close()
