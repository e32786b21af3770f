"""Check a custody ledger and its signed heads from scratch, naming every problem found.

Nothing stored is trusted: each leaf hash is recomputed from its entry, the Merkle tree is
rebuilt from those (RFC 6962 §2.1), and every head is checked against the recomputed root of
its first ``tree_size`` leaves, its Ed25519 signature and the hash chain of heads.

What each kind of tampering produces:

- an entry changed: ``entry-hash`` for that seq (its stored leaf hash no longer matches),
  and ``head-root`` for every head covering it (unless the leaf hash was rewritten too, then
  only ``head-root``);
- a stored leaf hash changed: ``entry-hash``;
- entries removed: ``missing-entries`` (a gap in seq) or ``head-size`` (removed at the end),
  and ``head-root``;
- entries reordered or copied: ``entry-seq`` (an entry's own seq differs from its row);
- entries added after the last head: ``unsigned-entries``; added in the middle: ``entry-seq``
  and ``head-root``;
- a head changed: ``head-signature``; removed, inserted or reordered: ``head-chain``;
- a head for a shorter or different tree after a longer one: ``head-inconsistent``.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

from tribunal.archive import merkle, signing
from tribunal.archive.custody_types import ZERO_HASH, Problem, TreeHead, as_bytes
from tribunal.archive.ledger import CANONICAL_ENCODER, ENTRY_VERSION, heads

_encode = CANONICAL_ENCODER.encode


def _check_entry(seq: int, entry: bytes, stored_leaf: bytes, leaf: bytes) -> list[Problem]:
    try:
        data = json.loads(entry)
        # the same serialisation as ledger.canonical_json; values came from JSON, so only
        # NaN/Infinity (which json.loads accepts) need refusing
        canonical = isinstance(data, dict) and _encode(data).encode("utf-8") == entry
    except (ValueError, UnicodeDecodeError):
        data, canonical = None, False
    fields = data.get("fields") if isinstance(data, dict) else None
    item = fields.get("item") if isinstance(fields, dict) else None
    item = item if isinstance(item, str) else None
    where = f"ledger entry {seq}" + (f" (item {item})" if item else "")
    problems: list[Problem] = []

    def add(kind: str, what: str) -> None:
        problems.append(Problem(kind, f"{where}: {what}", seq=seq, item=item))

    if leaf != stored_leaf:
        add("entry-hash", "leaf hash does not match its entry")
    if not isinstance(data, dict) or not canonical:
        add("entry-format", "not a canonical JSON entry")
        return problems
    if data.get("seq") != seq:
        add("entry-seq", f"records seq {data.get('seq')!r} (moved, copied or inserted)")
    if data.get("v") != ENTRY_VERSION or not isinstance(data.get("action"), str):
        add("entry-format", "unknown version or no action")
    return problems


def verify_ledger(
    db: sqlite3.Connection, public_key: Any, on_progress: Any = None
) -> list[Problem]:
    """Every problem in the ``ledger`` and ``heads`` tables; an empty list means intact.

    ``public_key`` is the case's Ed25519 public key (from ``keys/ed25519.pub`` or, better, a
    copy kept outside the case). ``on_progress(done, total)`` is called while entries are
    re-hashed.
    """
    problems: list[Problem] = []
    total = int(db.execute("SELECT COUNT(*) FROM ledger").fetchone()[0])
    leaves: list[bytes] = []
    expected = 0
    rows = db.execute(
        "SELECT seq, CAST(entry AS BLOB), CAST(leaf_hash AS BLOB), typeof(entry),"
        " typeof(leaf_hash) FROM ledger ORDER BY seq"
    )
    for seq, entry, stored, entry_type, leaf_type in rows:
        if entry_type != "blob" or leaf_type != "blob":
            problems.append(
                Problem("entry-format", f"ledger entry {seq}: a column is not a BLOB", seq=seq)
            )
        seq = int(seq)
        if seq != expected:
            if seq < expected:  # only possible with a corrupted primary key
                problems.append(Problem("entry-seq", f"ledger entry {seq}: out of order", seq=seq))
                continue
            first, last = expected, seq - 1
            span = f"{first}" if first == last else f"{first}..{last}"
            problems.append(
                Problem("missing-entries", f"ledger entries {span} are missing", seq=first)
            )
        expected = seq + 1
        entry, stored = as_bytes(entry), as_bytes(stored)
        leaf = merkle.leaf_hash(entry)
        problems.extend(_check_entry(seq, entry, stored, leaf))
        leaves.append(leaf)
        if on_progress is not None and len(leaves) % 4096 == 0:
            on_progress(len(leaves), total)
    if on_progress is not None:
        on_progress(len(leaves), total)

    tree = merkle.MerkleTree(leaves)
    del leaves  # the tree holds them packed (32 bytes each); free the per-hash objects
    problems.extend(_check_heads(heads(db), tree, expected, public_key))
    return problems


def _message(head: TreeHead) -> bytes:
    """The head's signed message; a damaged head that cannot form one yields b"" (fails)."""
    try:
        return head.message()
    except ValueError:
        return b""


def _check_heads(
    all_heads: list[TreeHead], tree: merkle.MerkleTree, ledger_size: int, public_key: Any
) -> list[Problem]:
    problems: list[Problem] = []
    expected_kid = signing.key_id(public_key)
    previous: TreeHead | None = None
    for head in all_heads:
        problems += _check_signature_and_chain(head, previous, public_key, expected_kid)
        problems += _check_coverage(head, previous, tree, ledger_size)
        previous = head
    signed = 0 if previous is None else previous.tree_size
    if ledger_size > signed:
        span = f"{signed}" if signed == ledger_size - 1 else f"{signed}..{ledger_size - 1}"
        problems.append(
            Problem(
                "unsigned-entries",
                f"ledger entries {span} are not covered by any signed tree head",
                seq=signed,
            )
        )
    return problems


def _check_signature_and_chain(
    head: TreeHead, previous: TreeHead | None, public_key: Any, expected_kid: str
) -> list[Problem]:
    """The head is signed by the case key and names the head before it."""
    problems: list[Problem] = []
    hid = head.id
    if head.key_id != expected_kid:
        problems.append(
            Problem(
                "head-key",
                f"tree head {hid}: signed by key {head.key_id[:16]}…, not the case key "
                f"{expected_kid[:16]}…",
                head=hid,
            )
        )
    elif not signing.verify_signature(public_key, head.signature, _message(head)):
        problems.append(
            Problem("head-signature", f"tree head {hid}: signature is not valid", head=hid)
        )
    want_prev = ZERO_HASH if previous is None else hashlib.sha256(_message(previous)).digest()
    if head.prev_hash != want_prev:
        problems.append(
            Problem(
                "head-chain",
                f"tree head {hid}: does not follow the head before it "
                "(a head was removed, inserted or reordered)",
                head=hid,
            )
        )
    return problems


def _check_coverage(
    head: TreeHead, previous: TreeHead | None, tree: merkle.MerkleTree, ledger_size: int
) -> list[Problem]:
    """The head extends the one before it and its root is that of the ledger's prefix."""
    problems: list[Problem] = []
    hid = head.id
    if previous is not None and (
        head.tree_size < previous.tree_size
        or (head.tree_size == previous.tree_size and head.root_hash != previous.root_hash)
    ):
        problems.append(
            Problem(
                "head-inconsistent",
                f"tree head {hid} ({head.tree_size} leaves) cannot extend tree head "
                f"{previous.id} ({previous.tree_size} leaves)",
                head=hid,
            )
        )
    if head.tree_size < 0:
        problems.append(
            Problem("head-format", f"tree head {hid}: tree size is not a count", head=hid)
        )
    elif head.tree_size > ledger_size:
        problems.append(
            Problem(
                "head-size",
                f"tree head {hid}: covers {head.tree_size} entries but the ledger holds "
                f"{ledger_size}: entries {ledger_size}..{head.tree_size - 1} are missing",
                head=hid,
                seq=ledger_size,
            )
        )
    elif head.tree_size > tree.size or tree.root(head.tree_size) != head.root_hash:
        problems.append(
            Problem(
                "head-root",
                f"tree head {hid}: root does not match the first {head.tree_size} ledger "
                "entries (an entry it covers was changed, removed, added or reordered)",
                head=hid,
            )
        )
    return problems
