"""The custody ledger: an append-only RFC 6962 Merkle log of every action on a case.

Each action (ingest, derive, annotate, export, redact, ...) becomes one entry, a canonical
JSON object (sorted keys, no whitespace, UTF-8)::

    {"action":"ingest","fields":{...},"seq":0,"time":"2026-01-01T00:00:00.000000Z","v":1}

stored in the ``ledger`` table with its leaf hash ``SHA-256(0x00 || entry)``. Entry ``seq``
is its leaf index (from 0). After every command that changes the case, :func:`sign_head`
signs the root of all leaves with the case's Ed25519 key (a signed tree head, as in
Certificate Transparency, RFC 6962 §3.5). A leaf can never be removed without breaking every
later head, so leaves hold hashes and commitments, never a protected person's name: use
:func:`commitment`.

To sign a head in O(log n), the ledger keeps its *frontier*
(:mod:`tribunal.archive.custody_frontier`).
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tribunal.archive import merkle, signing
from tribunal.archive.custody_commit import commitment, opening_key, verify_commitment
from tribunal.archive.custody_frontier import current_root, push_frontier
from tribunal.archive.custody_types import (
    ZERO_HASH,
    Problem,
    TreeHead,
    as_bytes,
    head_message,
    utc_now,
)

__all__ = [
    "ENTRY_VERSION",
    "LedgerEntry",
    "Problem",
    "TreeHead",
    "append",
    "canonical_json",
    "commitment",
    "opening_key",
    "verify_commitment",
    "current_root",
    "ensure_schema",
    "entries",
    "entries_for",
    "entry_at",
    "head_for_size",
    "heads",
    "latest_head",
    "leaf_hashes",
    "sign_head",
    "sign_head_with",
    "tree_size",
    "verify_ledger",
]

ENTRY_VERSION = 1

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS ledger (
        seq INTEGER PRIMARY KEY,
        entry BLOB NOT NULL,
        leaf_hash BLOB NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS heads (
        id INTEGER PRIMARY KEY,
        tree_size INTEGER NOT NULL,
        root_hash BLOB NOT NULL,
        timestamp TEXT NOT NULL,
        key_id TEXT NOT NULL,
        prev_hash BLOB NOT NULL,
        signature BLOB NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS ledger_frontier (
        height INTEGER PRIMARY KEY,
        hash BLOB NOT NULL
    )""",
]


def ensure_schema(db: sqlite3.Connection) -> None:
    """Create the ``ledger``, ``heads`` and ``ledger_frontier`` tables if missing.

    Plain statements, not ``executescript``, so a caller's open transaction is not committed.
    """
    for statement in _SCHEMA:
        db.execute(statement)


# One encoder for every call: json.dumps with non-default options builds a new one each time.
CANONICAL_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_json(value: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no whitespace, UTF-8, no NaN/Infinity.

    Refuses values JSON cannot carry exactly (bytes, sets, non-string keys, non-finite
    floats) rather than converting them silently.
    """
    _check_jsonable(value, "entry")
    return CANONICAL_ENCODER.encode(value).encode("utf-8")


def _check_jsonable(value: Any, where: str) -> None:
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: non-finite number {value!r} cannot enter the ledger")
        return
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_jsonable(v, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ValueError(f"{where}: key {k!r} is not a string")
            _check_jsonable(v, f"{where}.{k}")
        return
    raise ValueError(
        f"{where}: {type(value).__name__} cannot enter the ledger (pass hashes as hex strings)"
    )


@dataclass(frozen=True)
class LedgerEntry:
    """One ledger row: its leaf index, exact bytes, stored leaf hash and parsed content."""

    seq: int
    entry: bytes
    leaf_hash: bytes

    @property
    def data(self) -> dict[str, Any]:
        """The parsed entry; ``ValueError`` when it is not a JSON object (damaged)."""
        value = json.loads(self.entry)
        if not isinstance(value, dict):
            raise ValueError(f"ledger entry {self.seq} is not a JSON object")
        return value

    @property
    def action(self) -> str:
        return str(self.data.get("action"))

    @property
    def fields(self) -> dict[str, Any]:
        fields = self.data.get("fields")
        return dict(fields) if isinstance(fields, dict) else {}

    def to_dict(self) -> dict[str, Any]:
        data = self.data
        return {
            "seq": self.seq,
            "action": data.get("action"),
            "time": data.get("time"),
            "fields": data.get("fields"),
            "leaf_hash": self.leaf_hash.hex(),
        }


# --- appending ---------------------------------------------------------------------------


def tree_size(db: sqlite3.Connection) -> int:
    """Number of leaves: one more than the highest ``seq`` (0 for an empty ledger)."""
    row = db.execute("SELECT MAX(seq) FROM ledger").fetchone()
    return 0 if row[0] is None else int(row[0]) + 1


def append(db: sqlite3.Connection, action: str, fields: dict[str, Any]) -> int:
    """Add one entry for ``action`` with ``fields``; return its leaf index (``seq``).

    Runs inside the caller's transaction (nothing is committed here), so an item row and its
    custody entry are stored together or not at all. When several processes may write, the
    caller should hold a write lock (``BEGIN IMMEDIATE``) so two appends cannot take the same
    seq. ``fields`` must hold only hashes, ids, commitments and public metadata.
    """
    if not isinstance(action, str) or not action:
        raise ValueError("action must be a non-empty string")
    if not isinstance(fields, dict):
        raise ValueError("fields must be a dict")
    seq = tree_size(db)
    entry = canonical_json(
        {"v": ENTRY_VERSION, "seq": seq, "action": action, "time": utc_now(), "fields": fields}
    )
    leaf = merkle.leaf_hash(entry)
    db.execute("INSERT INTO ledger (seq, entry, leaf_hash) VALUES (?, ?, ?)", (seq, entry, leaf))
    push_frontier(db, seq, leaf)
    return seq


# --- signed tree heads -------------------------------------------------------------------


def _int(value: Any) -> int:
    """A stored count; -1 (which no valid head has) when the column was damaged."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _head_from_row(row: tuple[Any, ...]) -> TreeHead:
    return TreeHead(
        id=int(row[0]),
        tree_size=_int(row[1]),
        root_hash=as_bytes(row[2]),
        timestamp=as_bytes(row[3]).decode("utf-8", "replace"),
        key_id=as_bytes(row[4]).decode("utf-8", "replace"),
        prev_hash=as_bytes(row[5]),
        signature=as_bytes(row[6]),
    )


# Read as BLOBs and decode leniently, so a damaged row yields a failed check, not a crash.
_HEAD_COLUMNS = (
    "id, tree_size, CAST(root_hash AS BLOB), CAST(timestamp AS BLOB), CAST(key_id AS BLOB),"
    " CAST(prev_hash AS BLOB), CAST(signature AS BLOB)"
)


def heads(db: sqlite3.Connection) -> list[TreeHead]:
    """Every signed tree head, oldest first."""
    return [_head_from_row(r) for r in db.execute(f"SELECT {_HEAD_COLUMNS} FROM heads ORDER BY id")]


def latest_head(db: sqlite3.Connection) -> TreeHead | None:
    """The most recent signed tree head, or None before the first."""
    row = db.execute(f"SELECT {_HEAD_COLUMNS} FROM heads ORDER BY id DESC LIMIT 1").fetchone()
    return None if row is None else _head_from_row(row)


def head_for_size(db: sqlite3.Connection, size: int) -> TreeHead | None:
    """The latest signed head whose tree has exactly ``size`` leaves, if any."""
    row = db.execute(
        f"SELECT {_HEAD_COLUMNS} FROM heads WHERE tree_size = ? ORDER BY id DESC LIMIT 1", (size,)
    ).fetchone()
    return None if row is None else _head_from_row(row)


def sign_head_with(
    db: sqlite3.Connection, private_key: Any, *, timestamp: str | None = None
) -> TreeHead:
    """Sign and store a head over all current leaves (RFC 6962 §3.5, our message format).

    Returns the latest head unchanged when no entry was added since it was signed, so
    calling this at the end of every command is cheap and idempotent. Runs in the caller's
    transaction, like :func:`append`.
    """
    size, root_hash = current_root(db)
    previous = latest_head(db)
    if previous is not None and previous.tree_size == size and previous.root_hash == root_hash:
        return previous
    kid = signing.key_id(private_key)
    ts = timestamp or utc_now()
    prev_hash = ZERO_HASH if previous is None else previous.digest()
    signature = signing.sign(private_key, head_message(size, root_hash, ts, kid, prev_hash))
    cur = db.execute(
        "INSERT INTO heads (tree_size, root_hash, timestamp, key_id, prev_hash, signature)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (size, root_hash, ts, kid, prev_hash, signature),
    )
    return TreeHead(int(cur.lastrowid or 0), size, root_hash, ts, kid, prev_hash, signature)


def sign_head(case: Any) -> TreeHead:
    """Sign a head for ``case`` (any object with ``.db`` and ``.root``; keys in ``root/keys``)."""
    key = signing.load_private_key(Path(case.root) / "keys")
    return sign_head_with(case.db, key)


# --- reading entries ---------------------------------------------------------------------


def entries(db: sqlite3.Connection, *, start: int = 0, stop: int | None = None) -> Iterator[LedgerEntry]:
    """Ledger rows in seq order, from ``start`` (inclusive) to ``stop`` (exclusive)."""
    sql = "SELECT seq, CAST(entry AS BLOB), CAST(leaf_hash AS BLOB) FROM ledger WHERE seq >= ?"
    args: list[Any] = [start]
    if stop is not None:
        sql += " AND seq < ?"
        args.append(stop)
    for seq, entry, leaf in db.execute(sql + " ORDER BY seq", args):
        yield LedgerEntry(int(seq), as_bytes(entry), as_bytes(leaf))


def entry_at(db: sqlite3.Connection, seq: int) -> LedgerEntry | None:
    """The entry with leaf index ``seq``, or None."""
    row = db.execute("SELECT seq, CAST(entry AS BLOB), CAST(leaf_hash AS BLOB) FROM ledger WHERE seq = ?", (seq,)).fetchone()
    return None if row is None else LedgerEntry(int(row[0]), as_bytes(row[1]), as_bytes(row[2]))


def _json_at(path: str) -> str:
    # CASE guarantees a damaged (non-JSON) entry is skipped instead of aborting the query
    text = "CAST(entry AS TEXT)"
    return f"(CASE WHEN json_valid({text}) THEN json_extract({text}, '{path}') END) = ?"


_SIMPLE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def entries_for(
    db: sqlite3.Connection, *, action: str | None = None, **fields: Any
) -> list[LedgerEntry]:
    """Entries whose ``action`` and ``fields`` match, e.g. ``entries_for(db, item="A1B2")``.

    SQLite's JSON functions narrow the scan; the match is then checked exactly in Python.
    """
    sql = "SELECT seq, CAST(entry AS BLOB), CAST(leaf_hash AS BLOB) FROM ledger"
    where: list[str] = []
    args: list[Any] = []
    if action is not None:
        where.append(_json_at("$.action"))
        args.append(action)
    for key, value in fields.items():
        if _SIMPLE_KEY.match(key) and isinstance(value, str):
            where.append(_json_at(f"$.fields.{key}"))
            args.append(value)
    if where:
        sql += " WHERE " + " AND ".join(where)
    found = []
    for seq, entry, leaf in db.execute(sql + " ORDER BY seq", args):
        e = LedgerEntry(int(seq), as_bytes(entry), as_bytes(leaf))
        try:
            data = e.data
        except ValueError:
            continue
        if action is not None and data.get("action") != action:
            continue
        got = data.get("fields")
        got = got if isinstance(got, dict) else {}
        if all(k in got and got[k] == v for k, v in fields.items()):
            found.append(e)
    return found


def leaf_hashes(db: sqlite3.Connection, *, recompute: bool = True) -> list[bytes]:
    """Leaf hashes in seq order: recomputed from the entries (default) or as stored."""
    if recompute:
        return [merkle.leaf_hash(as_bytes(e)) for (e,) in db.execute("SELECT CAST(entry AS BLOB) FROM ledger ORDER BY seq")]
    return [as_bytes(h) for (h,) in db.execute("SELECT CAST(leaf_hash AS BLOB) FROM ledger ORDER BY seq")]


def verify_ledger(db: sqlite3.Connection, public_key: Any, on_progress: Any = None) -> list[Problem]:
    """Everything wrong with the ledger and its heads; empty when intact.

    See :func:`tribunal.archive.custody_verify.verify_ledger`.
    """
    from tribunal.archive.custody_verify import verify_ledger as _verify

    return _verify(db, public_key, on_progress=on_progress)
