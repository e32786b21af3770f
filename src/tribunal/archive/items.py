"""Items: citable ids, capture metadata, rows and their committed digests.

An *item* is one piece of content in the case. An original's id is derived from its
SHA-256 alone (``E-`` + the first 50 bits in Crockford base32), so anyone holding the file
can recompute its citation; a derived item (extracted text, a table, later a translation or
redaction) gets a ``D-`` id derived from its parent, its relation and its content. On the
rare collision of two prefixes the id is lengthened by three characters until unique.

Each row is committed to the custody ledger as the SHA-256 of its canonical JSON form
(RFC 8785-style: sorted keys, no whitespace, UTF-8). The row carries a random ``nonce``
so the digest is a hiding commitment: a leaf reveals nothing about a protected item's
names or notes even to someone guessing them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import Any

SENSITIVITIES = ("public", "restricted", "protected")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_LENGTH = 10
# What a protected item's free text reads as wherever it is hidden.
PROTECTED = "[protected]"

ITEM_COLUMNS = (
    "id", "sha256", "size", "mime", "kind", "filename", "parent_id", "relation",
    "source_url", "captured_at", "collector", "method", "language", "notes",
    "sensitivity", "metadata", "created_at", "nonce",
)  # fmt: skip
INGEST_COLUMNS = (
    "id", "item_id", "new_item", "path", "filename", "source_url", "captured_at",
    "collector", "method", "language", "notes", "sensitivity", "ingested_at", "nonce",
)  # fmt: skip


@dataclass
class Capture:
    """Capture metadata after the Berkeley Protocol on Digital Open Source Investigations
    (OHCHR & UC Berkeley HRC, 2022, ch. 6 "Preservation"): where, when, by whom and how an
    item was collected, in which language, with notes and a sensitivity class."""

    source_url: str | None = None
    captured_at: str | None = None
    collector: str | None = None
    method: str | None = None
    language: str | None = None
    notes: str | None = None
    sensitivity: str = "public"

    def __post_init__(self) -> None:
        from tribunal.errors import InputError

        if self.sensitivity not in SENSITIVITIES:
            raise InputError(
                f"unknown sensitivity {self.sensitivity!r}",
                hint="use one of: " + ", ".join(SENSITIVITIES),
            )
        if self.captured_at:
            self.captured_at = normalise_utc(self.captured_at)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Item:
    """One row of ``items`` as the library hands it out."""

    id: str
    sha256: str
    size: int
    mime: str | None
    kind: str
    filename: str | None
    parent_id: str | None
    relation: str | None
    source_url: str | None
    captured_at: str | None
    collector: str | None
    method: str | None
    language: str | None
    notes: str | None
    sensitivity: str
    metadata: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""

    def to_dict(self, *, reveal: bool = True) -> dict[str, Any]:
        """The item as a dict; with ``reveal=False`` a protected item's free text is hidden:
        names and notes, the name part of its relation (``attachment:[protected]``) and
        every metadata value that is text (e-mail senders, document titles, warnings
        naming attachments); numbers such as page counts stay."""
        out = asdict(self)
        if not reveal and self.sensitivity == "protected":
            for key in ("filename", "source_url", "collector", "notes"):
                if out[key] is not None:
                    out[key] = PROTECTED
            if out["relation"] and ":" in out["relation"]:
                out["relation"] = out["relation"].split(":", 1)[0] + ":" + PROTECTED
            out["metadata"] = {
                k: v for k, v in out["metadata"].items()
                if isinstance(v, (int, float, bool)) or v is None
            }  # fmt: skip
        return out


def normalise_utc(value: str | dt.datetime) -> str:
    """Parse an ISO 8601 time and return it in UTC as ``YYYY-MM-DDTHH:MM:SSZ``.

    A time without an offset is taken as UTC (the Berkeley Protocol asks for UTC).
    """
    from tribunal.errors import InputError

    if isinstance(value, dt.datetime):  # from Python: a datetime is as good as its text
        value = value.isoformat()
    if not isinstance(value, str):
        raise InputError(f"capture time {value!r} is not text", hint="pass an ISO 8601 string or a datetime")
    text = value.strip()
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    try:
        when = dt.datetime.fromisoformat(text)
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        # Years 1 and 9999 with an offset fall outside what datetime can hold in UTC.
        return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError):
        raise InputError(
            f"capture time {value!r} is not an ISO 8601 date/time in years 1-9999",
            hint="write it like 2019-06-17T14:03:00Z or 2019-06-17T22:03:00+08:00",
        ) from None


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _base32(digest: bytes, length: int) -> str:
    bits = int.from_bytes(digest, "big")
    total = len(digest) * 8
    return "".join(CROCKFORD[(bits >> (total - 5 * (i + 1))) & 31] for i in range(length))


def original_id(sha256: str, length: int = ID_LENGTH) -> str:
    """The citable id of an original: ``E-`` + Crockford base32 of its SHA-256's prefix."""
    return "E-" + _base32(bytes.fromhex(sha256), length)


def derived_id(parent_id: str, relation: str, sha256: str, length: int = ID_LENGTH) -> str:
    """The id of a derived item, from its parent, its relation and its content."""
    key = hashlib.sha256(f"{parent_id}\0{relation}\0{sha256}".encode()).digest()
    return "D-" + _base32(key, length)


def canonical_json(row: dict[str, Any]) -> bytes:
    """Canonical bytes of a row: sorted keys, compact separators, UTF-8.

    A value SQLite hands back as bytes (a damaged or hand-edited TEXT cell) is written as
    ``{"$bytes": hex}`` so that it hashes differently from any text instead of failing.
    """
    return json.dumps(
        row, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    ).encode("utf-8", "surrogatepass")


def _json_default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": bytes(value).hex()}
    return {"$repr": repr(value)}


def row_digest(row: dict[str, Any]) -> str:
    """SHA-256 of a row's canonical JSON; ``ledger_index`` is not part of it."""
    return hashlib.sha256(canonical_json({k: v for k, v in row.items() if k != "ledger_index"})).hexdigest()


def metadata_json(metadata: dict[str, Any]) -> str:
    """Technical metadata as canonical JSON (sorted keys), so a row's digest is stable."""
    from tribunal.jsonutil import to_jsonable

    return json.dumps(to_jsonable(metadata), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def new_nonce() -> str:
    """128 random bits: makes the committed digest hiding (see module docstring)."""
    return os.urandom(16).hex()


def display_name(raw: str | bytes) -> str:
    """A file name as text: undecodable bytes become ``\\xNN`` so it fits a TEXT column."""
    data = raw if isinstance(raw, bytes) else os.fsencode(raw)
    return data.decode("utf-8", "backslashreplace")


def row_dict(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {d[0]: v for d, v in zip(cursor.description, row, strict=True)}


def fetch_item_row(db: sqlite3.Connection, item_id: str) -> dict[str, Any] | None:
    cur = db.execute("SELECT * FROM items WHERE id = ?", (item_id,))
    row = cur.fetchone()
    return None if row is None else row_dict(cur, row)


def find_item_id(
    db: sqlite3.Connection, sha256: str, parent_id: str | None = None, relation: str | None = None
) -> str | None:
    """The id of the existing item for this content (and derivation), if any."""
    if parent_id is None:
        cur = db.execute(
            "SELECT id FROM items WHERE sha256 = ? AND parent_id IS NULL ORDER BY rowid LIMIT 1",
            (sha256,),
        )
    else:
        cur = db.execute(
            "SELECT id FROM items WHERE sha256 = ? AND parent_id = ? AND relation = ? LIMIT 1",
            (sha256, parent_id, relation),
        )
    hit = cur.fetchone()
    return None if hit is None else hit[0]


def allocate_id(db: sqlite3.Connection, make: Any) -> str:
    """The shortest id from ``make(length)`` not taken in ``items``."""
    length = ID_LENGTH
    while True:
        candidate = make(length)
        if db.execute("SELECT 1 FROM items WHERE id = ?", (candidate,)).fetchone() is None:
            return candidate
        length += 3


def insert_item(db: sqlite3.Connection, row: dict[str, Any]) -> str:
    """Insert an item row (all :data:`ITEM_COLUMNS`) and return its digest."""
    values = [row[c] for c in ITEM_COLUMNS]
    db.execute(
        f"INSERT INTO items ({', '.join(ITEM_COLUMNS)}) VALUES ({', '.join('?' * len(values))})",
        values,
    )
    return row_digest(row)


def insert_ingest(db: sqlite3.Connection, row: dict[str, Any]) -> tuple[int, str]:
    """Insert an ingest event (``id`` chosen here) and return ``(id, digest)``."""
    next_id = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM ingests").fetchone()[0]
    row = dict(row, id=next_id)
    values = [row[c] for c in INGEST_COLUMNS]
    db.execute(
        f"INSERT INTO ingests ({', '.join(INGEST_COLUMNS)}) VALUES ({', '.join('?' * len(values))})",
        values,
    )
    return next_id, row_digest(row)


def to_item(row: dict[str, Any]) -> Item:
    """An :class:`Item` from a database row."""
    data = {k: row[k] for k in ITEM_COLUMNS if k not in ("nonce", "metadata")}
    try:
        meta = json.loads(row["metadata"] or "{}")
    except (ValueError, TypeError):
        meta = {"_unreadable": str(row["metadata"])}
    return Item(**data, metadata=meta)


def get_item(db: sqlite3.Connection, item_id: str) -> Item:
    """The item with this id; :class:`InputError` when there is none."""
    from tribunal.errors import InputError

    row = fetch_item_row(db, item_id.strip().upper())
    if row is None:
        raise InputError(f"no item {item_id!r} in this case", hint="list items with: tribunal items")
    return to_item(row)


def list_items(
    db: sqlite3.Connection,
    *,
    kind: str | None = None,
    originals_only: bool = False,
    parent_id: str | None = None,
    limit: int | None = None,
) -> list[Item]:
    """Items in the order they entered the case, optionally filtered."""
    sql = "SELECT * FROM items WHERE 1=1"
    args: list[Any] = []
    if kind:
        sql += " AND kind = ?"
        args.append(kind)
    if originals_only:
        sql += " AND parent_id IS NULL"
    if parent_id:
        sql += " AND parent_id = ?"
        args.append(parent_id)
    sql += " ORDER BY rowid"
    if limit is not None:
        if limit < 0:
            raise ValueError(f"limit must be 0 or more, not {limit}")
        sql += " LIMIT ?"
        args.append(limit)
    cur = db.execute(sql, args)
    return [to_item(row_dict(cur, r)) for r in cur.fetchall()]


def ingest_events(db: sqlite3.Connection, item_id: str) -> list[dict[str, Any]]:
    """Every recorded ingest of an item, oldest first (nonce omitted)."""
    cur = db.execute("SELECT * FROM ingests WHERE item_id = ? ORDER BY id", (item_id,))
    return [
        {k: v for k, v in row_dict(cur, r).items() if k != "nonce"} for r in cur.fetchall()
    ]
