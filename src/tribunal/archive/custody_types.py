"""Value types of the custody ledger: signed tree heads and verification problems.

A tree head commits to the whole ledger at one moment: its size, the RFC 6962 root of its
first ``tree_size`` leaves, a UTC timestamp, the signing key's id, and the hash of the
previous head (so deleting, inserting or reordering heads breaks a chain). The signed
message is a fixed, versioned ASCII text, simple to rebuild in any language::

    tribunal-tree-head/v1
    tree_size=<decimal>
    root=<64 hex digits>
    timestamp=<YYYY-MM-DDTHH:MM:SS.ffffffZ>
    key_id=<64 hex digits: SHA-256 of the raw Ed25519 public key>
    prev=<64 hex digits: SHA-256 of the previous head's message, zeros for the first>

lines joined by a single LF, no trailing newline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

HEAD_FORMAT = "tribunal-tree-head/v1"
ZERO_HASH = bytes(32)


def as_bytes(value: Any) -> bytes:
    """A SQLite value as bytes, whatever type tampering or a foreign tool left in the column.

    Text is taken as UTF-8 and numbers by their decimal text, so a damaged row is reported
    as a mismatch instead of crashing verification.
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if value is None:
        return b""
    return str(value).encode("utf-8", "surrogatepass")


def utc_now() -> str:
    """The current UTC time as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (sorts as text)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def head_message(
    tree_size: int, root_hash: bytes, timestamp: str, key_id: str, prev_hash: bytes
) -> bytes:
    """The exact bytes an Ed25519 tree-head signature covers (format above)."""
    if tree_size < 0:
        raise ValueError("tree size must be non-negative")
    lines = [
        HEAD_FORMAT,
        f"tree_size={int(tree_size)}",
        f"root={root_hash.hex()}",
        f"timestamp={timestamp}",
        f"key_id={key_id}",
        f"prev={prev_hash.hex()}",
    ]
    if any(c in timestamp or c in key_id for c in "\n\r="):
        raise ValueError("timestamp and key id must not contain line breaks or '='")
    # ASCII for every head this tool writes; UTF-8 only so a damaged head fails its check
    return "\n".join(lines).encode("utf-8")


@dataclass(frozen=True)
class TreeHead:
    """A signed tree head (STH) as stored in the ``heads`` table."""

    id: int
    tree_size: int
    root_hash: bytes
    timestamp: str
    key_id: str
    prev_hash: bytes
    signature: bytes

    def message(self) -> bytes:
        """The signed bytes (see module docstring)."""
        return head_message(
            self.tree_size, self.root_hash, self.timestamp, self.key_id, self.prev_hash
        )

    def digest(self) -> bytes:
        """SHA-256 of :meth:`message`: what the next head's ``prev`` must equal."""
        return hashlib.sha256(self.message()).digest()

    def to_dict(self) -> dict[str, Any]:
        """JSON form with hex-encoded bytes, as used in proof documents."""
        return {
            "format": HEAD_FORMAT,
            "id": self.id,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "timestamp": self.timestamp,
            "key_id": self.key_id,
            "prev_hash": self.prev_hash.hex(),
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TreeHead:
        """Inverse of :meth:`to_dict`; raises ``ValueError``/``KeyError``/``TypeError`` on bad input."""
        if data.get("format", HEAD_FORMAT) != HEAD_FORMAT:
            raise ValueError(f"unknown tree head format {data.get('format')!r}")
        tree_size = data["tree_size"]
        if not isinstance(tree_size, int) or isinstance(tree_size, bool) or tree_size < 0:
            raise ValueError("tree_size must be a non-negative integer")
        return cls(
            id=int(data.get("id", 0)),
            tree_size=tree_size,
            root_hash=_hex32(data["root_hash"], "root_hash"),
            timestamp=str(data["timestamp"]),
            key_id=str(data["key_id"]),
            prev_hash=_hex32(data["prev_hash"], "prev_hash"),
            signature=_hex(data["signature"], "signature"),
        )


def _hex(value: Any, name: str) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a hex string")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise ValueError(f"{name} is not hex") from None


def _hex32(value: Any, name: str) -> bytes:
    raw = _hex(value, name)
    if len(raw) != 32:
        raise ValueError(f"{name} must be 32 bytes (64 hex digits)")
    return raw


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a ledger, precise enough to act on.

    ``kind`` is a stable code (e.g. ``entry-hash``, ``head-root``); ``seq`` names the ledger
    entry and ``head`` the tree head concerned, where there is one; ``item`` is the item id
    the damaged entry records (as read from it, so itself possibly altered).
    """

    kind: str
    message: str
    seq: int | None = None
    head: int | None = None
    item: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "seq": self.seq,
            "head": self.head,
            "item": self.item,
        }

    def __str__(self) -> str:
        return self.message
