"""The custody ledger: canonical entries, signed heads, and that every kind of tampering is
found and named by ``verify_ledger``."""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import types
import unicodedata
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tribunal.archive import ledger, merkle, signing


def make_case(tmp_path: Path, n: int = 0, sign_every: int = 1) -> types.SimpleNamespace:
    """A minimal stand-in for archive.case.Case: ``root`` with keys and an open ``db``."""
    signing.generate_keypair(tmp_path / "keys")
    db = sqlite3.connect(tmp_path / "case.sqlite", isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")  # tests need no durability; fsyncs dominate otherwise
    ledger.ensure_schema(db)
    case = types.SimpleNamespace(root=tmp_path, db=db)
    for i in range(n):
        db.execute("BEGIN IMMEDIATE")
        ledger.append(db, "ingest", {"item": f"E-{i:04d}", "sha256": hashlib.sha256(str(i).encode()).hexdigest()})
        if (i + 1) % sign_every == 0 or i == n - 1:
            ledger.sign_head(case)
        db.execute("COMMIT")
    return case


def public(case) -> object:
    return signing.load_public_key(Path(case.root) / "keys")


def kinds(problems) -> set[str]:
    return {p.kind for p in problems}


def test_entries_are_canonical_and_indexed(tmp_path: Path) -> None:
    case = make_case(tmp_path)
    db = case.db
    assert ledger.append(db, "ingest", {"item": "A", "name_c": "x", "zh": "器官"}) == 0
    assert ledger.append(db, "derive", {"item": "B", "parent": "A"}) == 1
    e = ledger.entry_at(db, 0)
    assert e is not None
    data = json.loads(e.entry)
    assert set(data) == {"v", "seq", "action", "time", "fields"}
    assert data["seq"] == 0 and data["action"] == "ingest" and data["time"].endswith("Z")
    assert e.entry == json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert "器官".encode() in e.entry  # UTF-8, not \\u escapes
    assert e.leaf_hash == merkle.leaf_hash(e.entry)
    assert [x.seq for x in ledger.entries_for(db, item="B")] == [1]
    assert [x.seq for x in ledger.entries_for(db, action="ingest", item="A")] == [0]
    assert ledger.entries_for(db, action="derive", item="A") == []
    assert [x.seq for x in ledger.entries_for(db, parent="A")] == [1]
    assert ledger.tree_size(db) == 2


@pytest.mark.parametrize("bad", [b"raw", float("nan"), {1: "x"}, {"s": {1, 2}}])
def test_refuses_values_json_cannot_carry(tmp_path: Path, bad) -> None:
    case = make_case(tmp_path)
    with pytest.raises(ValueError):
        ledger.append(case.db, "ingest", {"x": bad})
    with pytest.raises(ValueError):
        ledger.append(case.db, "", {})
    assert ledger.tree_size(case.db) == 0


def test_frontier_root_matches_merkle_for_every_size(tmp_path: Path) -> None:
    case = make_case(tmp_path)
    leaves = []
    for i in range(70):
        ledger.append(case.db, "annotate", {"i": i})
        leaves.append(ledger.entry_at(case.db, i).leaf_hash)
        assert ledger.current_root(case.db) == (i + 1, merkle.root(leaves))
    # the frontier is a cache: losing or damaging it must not change the root
    case.db.execute("DELETE FROM ledger_frontier")
    assert ledger.current_root(case.db) == (70, merkle.root(leaves))
    case.db.execute("DELETE FROM ledger_frontier WHERE height = 1")
    ledger.append(case.db, "annotate", {"i": 70})
    leaves.append(ledger.entry_at(case.db, 70).leaf_hash)
    assert ledger.current_root(case.db) == (71, merkle.root(leaves))


def test_sign_head_chain_and_idempotence(tmp_path: Path) -> None:
    case = make_case(tmp_path, n=5)
    heads = ledger.heads(case.db)
    assert [h.tree_size for h in heads] == [1, 2, 3, 4, 5]
    assert heads[0].prev_hash == bytes(32)
    for a, b in zip(heads, heads[1:], strict=False):
        assert b.prev_hash == hashlib.sha256(a.message()).digest()
    again = ledger.sign_head(case)
    assert again == heads[-1] and len(ledger.heads(case.db)) == 5
    assert ledger.head_for_size(case.db, 3) == heads[2]
    assert ledger.head_for_size(case.db, 9) is None
    assert heads[-1].message().startswith(b"tribunal-tree-head/v1\ntree_size=5\nroot=")
    assert ledger.verify_ledger(case.db, public(case)) == []


def test_empty_ledger_head(tmp_path: Path) -> None:
    case = make_case(tmp_path)
    head = ledger.sign_head(case)
    assert head.tree_size == 0 and head.root_hash == merkle.EMPTY_ROOT
    assert ledger.verify_ledger(case.db, public(case)) == []


def _flip(value: bytes, rng: random.Random, *, text: bool = False) -> bytes:
    b = bytearray(value)
    i = rng.randrange(len(b))
    if text:  # stay within printable ASCII so the column is still valid text
        choices = [c for c in b"0123456789abcdefZT:.-" if c != b[i]]
        b[i] = rng.choice(choices)
    else:
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def test_random_single_byte_flips_are_all_detected(tmp_path: Path) -> None:
    case = make_case(tmp_path, n=23, sign_every=4)
    db, pub = case.db, public(case)
    assert ledger.verify_ledger(db, pub) == []
    rng = random.Random(20191217)
    targets = [
        ("ledger", "entry", "seq", False),
        ("ledger", "leaf_hash", "seq", False),
        ("heads", "root_hash", "id", False),
        ("heads", "signature", "id", False),
        ("heads", "prev_hash", "id", False),
        ("heads", "timestamp", "id", True),
        ("heads", "key_id", "id", True),
    ]
    trials = 0
    for table, column, key, text in targets:
        rows = db.execute(f"SELECT {key}, {column} FROM {table}").fetchall()
        for _ in range(100):
            k, original = rng.choice(rows)
            raw = original.encode() if isinstance(original, str) else original
            damaged = _flip(raw, rng, text=text)
            stored = damaged.decode() if text else damaged
            db.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?", (stored, k))
            problems = ledger.verify_ledger(db, pub)
            assert problems, f"flip in {table}.{column} of {k} not detected"
            if table == "ledger":
                assert any(p.seq == k for p in problems)
            else:
                assert any(p.head == k for p in problems)
            db.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?", (original, k))
            trials += 1
    assert ledger.verify_ledger(db, pub) == []
    assert trials == 700


def test_tree_size_change_detected(tmp_path: Path) -> None:
    case = make_case(tmp_path, n=6, sign_every=2)
    case.db.execute("UPDATE heads SET tree_size = 3 WHERE id = 2")
    assert "head-signature" in kinds(ledger.verify_ledger(case.db, public(case)))
    case.db.execute("UPDATE heads SET tree_size = 'x' WHERE id = 2")
    assert "head-signature" in kinds(ledger.verify_ledger(case.db, public(case)))


def test_entry_removed_in_the_middle(tmp_path: Path) -> None:
    case = make_case(tmp_path, n=8, sign_every=8)
    case.db.execute("DELETE FROM ledger WHERE seq = 3")
    problems = ledger.verify_ledger(case.db, public(case))
    assert ("missing-entries", 3) in {(p.kind, p.seq) for p in problems}
    assert "head-root" in kinds(problems)


def test_entry_removed_at_the_end(tmp_path: Path) -> None:
    case = make_case(tmp_path, n=8, sign_every=8)
    case.db.execute("DELETE FROM ledger WHERE seq = 7")
    problems = ledger.verify_ledger(case.db, public(case))
    assert "head-size" in kinds(problems)
    assert "entries 7..7" in next(p.message for p in problems if p.kind == "head-size")


def test_entries_reordered(tmp_path: Path) -> None:
    case = make_case(tmp_path, n=6, sign_every=6)
    a = ledger.entry_at(case.db, 1)
    b = ledger.entry_at(case.db, 4)
    for seq, e in ((1, b), (4, a)):
        case.db.execute("UPDATE ledger SET entry = ?, leaf_hash = ? WHERE seq = ?", (e.entry, e.leaf_hash, seq))
    problems = ledger.verify_ledger(case.db, public(case))
    assert {(p.kind, p.seq) for p in problems} >= {("entry-seq", 1), ("entry-seq", 4)}
    assert "head-root" in kinds(problems)


def test_entry_added_without_key(tmp_path: Path) -> None:
    case = make_case(tmp_path, n=4)
    ledger.append(case.db, "ingest", {"item": "FORGED"})
    problems = ledger.verify_ledger(case.db, public(case))
    assert [(p.kind, p.seq) for p in problems] == [("unsigned-entries", 4)]


def test_entry_rewritten_consistently_still_breaks_heads(tmp_path: Path) -> None:
    """An attacker without the key who rewrites an entry and its leaf hash is caught by heads."""
    case = make_case(tmp_path, n=5)
    e = ledger.entry_at(case.db, 2)
    forged = e.entry.replace(b"E-0002", b"E-9999")
    case.db.execute(
        "UPDATE ledger SET entry = ?, leaf_hash = ? WHERE seq = 2", (forged, merkle.leaf_hash(forged))
    )
    problems = ledger.verify_ledger(case.db, public(case))
    assert kinds(problems) == {"head-root"}
    assert {p.head for p in problems} == {3, 4, 5}


def test_heads_removed_or_reordered(tmp_path: Path) -> None:
    case = make_case(tmp_path, n=5)
    case.db.execute("DELETE FROM heads WHERE id = 3")
    problems = ledger.verify_ledger(case.db, public(case))
    assert ("head-chain", 4) in {(p.kind, p.head) for p in problems}

    case2 = make_case(tmp_path / "b", n=5)
    rows = case2.db.execute("SELECT * FROM heads WHERE id IN (2, 3) ORDER BY id").fetchall()
    case2.db.execute("DELETE FROM heads WHERE id IN (2, 3)")
    for row, new_id in ((rows[0], 3), (rows[1], 2)):
        case2.db.execute("INSERT INTO heads VALUES (?, ?, ?, ?, ?, ?, ?)", (new_id, *row[1:]))
    problems = ledger.verify_ledger(case2.db, public(case2))
    assert {"head-chain", "head-inconsistent"} <= kinds(problems)


def test_head_signed_by_another_key(tmp_path: Path) -> None:
    case = make_case(tmp_path, n=3)
    intruder = Ed25519PrivateKey.generate()
    ledger.append(case.db, "ingest", {"item": "X"})
    ledger.sign_head_with(case.db, intruder)
    problems = ledger.verify_ledger(case.db, public(case))
    assert [(p.kind, p.head) for p in problems] == [("head-key", 4)]
    # and a forged head claiming the case key id fails its signature
    case.db.execute("UPDATE heads SET key_id = ? WHERE id = 4", (signing.key_id(public(case)),))
    assert [(p.kind, p.head) for p in ledger.verify_ledger(case.db, public(case))] == [
        ("head-signature", 4)
    ]


def test_damaged_entry_text_does_not_crash(tmp_path: Path) -> None:
    case = make_case(tmp_path, n=3)
    case.db.execute("UPDATE ledger SET entry = 'not json' WHERE seq = 1")
    problems = ledger.verify_ledger(case.db, public(case))
    assert ("entry-format", 1) in {(p.kind, p.seq) for p in problems}
    assert [e.seq for e in ledger.entries_for(case.db, item="E-0002")] == [2]


def test_progress_callback(tmp_path: Path) -> None:
    case = make_case(tmp_path, n=3)
    calls = []
    ledger.verify_ledger(case.db, public(case), on_progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (3, 3)


def test_commitment() -> None:
    key = bytes(range(32))
    name = "张伟"
    c = ledger.commitment(name, key)
    assert len(c) == 64 and c == ledger.commitment(name, key)
    # it is not the plain hash a dictionary attack would test
    assert c != hashlib.sha256(name.encode()).hexdigest()
    assert c != ledger.commitment(name, bytes(32))
    assert c != ledger.commitment("张伟 ", key)
    # NFC: the same name typed with a combining accent commits the same
    assert ledger.commitment("Zoë", key) == ledger.commitment(unicodedata.normalize("NFD", "Zoë"), key)
    with pytest.raises(ValueError):
        ledger.commitment(name, b"short")
    # contexts separate commitments; an opening key opens its own context only
    c_a = ledger.commitment(name, key, context="E-0001")
    c_b = ledger.commitment(name, key, context="E-0002")
    assert len({c, c_a, c_b}) == 3
    open_a = ledger.opening_key(key, "E-0001")
    assert ledger.verify_commitment(name, open_a, c_a)
    assert not ledger.verify_commitment(name, open_a, c_b)
    assert not ledger.verify_commitment("李娜", open_a, c_a)
    assert ledger.verify_commitment(name, ledger.opening_key(key), c)
    # the RFC 2104 construction, spelled out
    import hmac as _hmac

    k = _hmac.new(key, b"tribunal-commitment-v1\x00E-0001", hashlib.sha256).digest()
    assert c_a == _hmac.new(k, name.encode(), hashlib.sha256).hexdigest()


def test_problems_name_the_item(tmp_path: Path) -> None:
    case = make_case(tmp_path, n=4)
    case.db.execute("UPDATE ledger SET leaf_hash = ? WHERE seq = 2", (bytes(32),))
    (problem,) = ledger.verify_ledger(case.db, public(case))
    assert (problem.kind, problem.seq, problem.item) == ("entry-hash", 2, "E-0002")
    assert "item E-0002" in problem.message
    assert problem.to_dict()["item"] == "E-0002"


def test_damaged_columns_never_crash_verification(tmp_path: Path) -> None:
    """Seeded: any column set to any SQLite type gives problems, never an exception."""
    from tribunal.archive.custody_log import ledger_log

    case = make_case(tmp_path, n=9, sign_every=3)
    db, pub = case.db, public(case)
    rng = random.Random(31)
    junk = [0, -5, 2**62, 1.5, "", "text", "日本", "\n=", b"", b"\xff" * 3, b"\x00" * 32, b"\x00" * 64]
    columns = {
        "ledger": ("seq", ["entry", "leaf_hash"]),
        "heads": ("id", ["tree_size", "root_hash", "timestamp", "key_id", "prev_hash", "signature"]),
    }
    for _ in range(150):
        table = rng.choice(list(columns))
        key, cols = columns[table]
        column = rng.choice(cols)
        k, original = rng.choice(db.execute(f"SELECT {key}, {column} FROM {table}").fetchall())
        db.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?", (rng.choice(junk), k))
        problems = ledger.verify_ledger(db, pub)
        assert problems, f"{table}.{column} of {k} damaged but not reported"
        ledger_log(db, limit=0)
        ledger.entries_for(db, item="E-0001")
        db.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?", (original, k))
    assert ledger.verify_ledger(db, pub) == []


def _writer(case_dir: str, name: str, n: int) -> None:
    from tribunal.archive.case import open_case

    with open_case(case_dir) as case:
        for i in range(n):
            with case.transaction():
                ledger.append(case.db, "annotate", {"item": f"{name}-{i}"})
                ledger.sign_head(case)


def test_concurrent_writers_keep_one_valid_ledger(tmp_path: Path) -> None:
    """Two processes appending and signing in IMMEDIATE transactions: no seq is taken twice,
    no head is lost, and the result verifies."""
    import multiprocessing

    pytest.importorskip("tribunal.archive.case")
    from tribunal.archive.case import Case, open_case

    Case.init(tmp_path / "case").close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path / "case"), name, 60)) for name in "AB"]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with open_case(tmp_path / "case") as case:
        assert ledger.tree_size(case.db) == 120
        assert len(ledger.entries_for(case.db, action="annotate")) == 120
        assert ledger.verify_ledger(case.db, signing.load_public_key(case.keys_dir)) == []
        assert ledger.latest_head(case.db).tree_size == 120
