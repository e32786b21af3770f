"""Self-contained proof documents: inclusion of a ledger entry, consistency of two heads.

A proof document is JSON that a stranger can check with nothing but the document, SHA-256
and Ed25519 (docs/custody.md shows a 30-line checker):

- *inclusion*: the entry's exact bytes, its leaf index, the RFC 6962 audit path, the signed
  tree head the path leads to, and the case's public key;
- *consistency*: two signed heads and the RFC 6962 consistency proof that the older tree is
  a prefix of the newer one (nothing was rewritten in between).

The public key inside a document only shows the document is self-consistent; that it is
*the case's* key must be established by comparing its ``key_id`` with one published
independently (``verify_proof_document(doc, trusted_key_id=...)``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from pathlib import Path
from typing import Any

from tribunal.archive import ledger, merkle, signing
from tribunal.archive.custody_types import HEAD_FORMAT, TreeHead
from tribunal.errors import CaseError

INCLUSION_FORMAT = "tribunal-inclusion-proof"
CONSISTENCY_FORMAT = "tribunal-consistency-proof"
VERSION = 1

ALGORITHMS = {
    "leaf_hash": "SHA-256(0x00 || entry)",
    "node_hash": "SHA-256(0x01 || left || right)",
    "tree": "RFC 6962 section 2.1",
    "inclusion_verification": "RFC 9162 section 2.1.3.2",
    "consistency_verification": "RFC 9162 section 2.1.4.2",
    "signature": "Ed25519 (RFC 8032) over the tree head message",
    "head_message": HEAD_FORMAT,
    "key_id": "SHA-256(raw 32-byte public key)",
}


def _public_key_dict(public_key: Any) -> dict[str, str]:
    return {
        "algorithm": signing.ALGORITHM,
        "raw": signing.public_key_hex(public_key),
        "key_id": signing.key_id(public_key),
    }


def _case_parts(case: Any) -> tuple[Any, Any]:
    return case.db, signing.load_public_key(Path(case.root) / "keys")


def _checked_tree(db: Any, head: TreeHead) -> merkle.MerkleTree:
    tree = merkle.MerkleTree(ledger.leaf_hashes(db))
    if head.tree_size > tree.size or tree.root(head.tree_size) != head.root_hash:
        raise CaseError(
            f"the ledger does not match its signed tree head {head.id}",
            hint="run `tribunal verify` to see what was changed",
        )
    return tree


def inclusion_proof_document(case: Any, seq: int, head: TreeHead | None = None) -> dict[str, Any]:
    """Inclusion proof of ledger entry ``seq`` in the latest signed head (or ``head``)."""
    db, public_key = _case_parts(case)
    entry = ledger.entry_at(db, seq)
    if entry is None:
        raise CaseError(f"there is no ledger entry {seq}")
    head = head or ledger.latest_head(db)
    if head is None or head.tree_size <= seq:
        raise CaseError(
            f"ledger entry {seq} is not yet covered by a signed tree head",
            hint="the next command that changes the case signs one",
        )
    tree = _checked_tree(db, head)
    path = tree.inclusion_proof(seq, head.tree_size)
    return {
        "format": INCLUSION_FORMAT,
        "version": VERSION,
        "algorithms": ALGORITHMS,
        "leaf_index": seq,
        "tree_size": head.tree_size,
        "entry_base64": base64.b64encode(entry.entry).decode("ascii"),
        "entry": entry.data,
        "leaf_hash": merkle.leaf_hash(entry.entry).hex(),
        "audit_path": [p.hex() for p in path],
        "head": head.to_dict(),
        "public_key": _public_key_dict(public_key),
    }


def consistency_proof_document(
    case: Any, old_size: int, new_size: int | None = None
) -> dict[str, Any]:
    """Consistency proof between the signed heads of ``old_size`` and ``new_size`` leaves.

    ``new_size`` defaults to the latest head. Both sizes must have a signed head.
    """
    db, public_key = _case_parts(case)
    new = ledger.latest_head(db) if new_size is None else ledger.head_for_size(db, new_size)
    old = ledger.head_for_size(db, old_size)
    sizes = sorted({h.tree_size for h in ledger.heads(db)})
    for size, head in ((old_size, old), (new_size, new)):
        if head is None:
            raise CaseError(
                f"no signed tree head has {size if size is not None else 'any'} leaves",
                hint=f"signed sizes: {', '.join(map(str, sizes[-20:])) or 'none'} (see `tribunal log`)",
            )
    assert old is not None and new is not None
    if old.tree_size > new.tree_size:
        raise CaseError(f"the old size {old.tree_size} is larger than the new {new.tree_size}")
    tree = _checked_tree(db, new)
    proof = tree.consistency_proof(old.tree_size, new.tree_size)
    return {
        "format": CONSISTENCY_FORMAT,
        "version": VERSION,
        "algorithms": ALGORITHMS,
        "old_head": old.to_dict(),
        "new_head": new.to_dict(),
        "proof": [p.hex() for p in proof],
        "public_key": _public_key_dict(public_key),
    }


# --- verification (needs nothing but the document) ----------------------------------------


class _Bad(Exception):
    pass


def _hexes(values: Any, name: str) -> list[bytes]:
    if not isinstance(values, list):
        raise _Bad(f"{name} must be a list of hex strings")
    try:
        out = [bytes.fromhex(v) for v in values]
    except (TypeError, ValueError):
        raise _Bad(f"{name} holds something that is not hex") from None
    if any(len(p) != merkle.HASH_SIZE for p in out):
        raise _Bad(f"{name} holds a value that is not 32 bytes")
    return out


def _public_key(doc: dict[str, Any]) -> tuple[Any, str]:
    pk = doc.get("public_key")
    if not isinstance(pk, dict) or pk.get("algorithm") != signing.ALGORITHM:
        raise _Bad("public_key must be an Ed25519 key")
    try:
        raw = bytes.fromhex(pk["raw"])
        key = signing.public_key_from_bytes(raw)
    except (KeyError, TypeError, ValueError):
        raise _Bad("public_key.raw is not a 32-byte Ed25519 key in hex") from None
    kid = hashlib.sha256(raw).hexdigest()
    if pk.get("key_id") != kid:
        raise _Bad("public_key.key_id is not the SHA-256 of the public key")
    return key, kid


def _head(data: Any, name: str, key: Any, kid: str) -> tuple[TreeHead, list[str]]:
    if not isinstance(data, dict):
        raise _Bad(f"{name} must be a JSON object (a signed tree head)")
    try:
        head = TreeHead.from_dict(data)
    except KeyError as exc:
        raise _Bad(f"{name} lacks the field {exc}") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise _Bad(f"{name} is malformed: {exc}") from None
    errors = []
    if head.key_id != kid:
        errors.append(f"{name} names key {head.key_id!r}, not the document's public key")
    try:
        message = head.message()
    except ValueError as exc:
        raise _Bad(f"{name} is malformed: {exc}") from None
    if not signing.verify_signature(key, head.signature, message):
        errors.append(f"{name}: the Ed25519 signature does not match the tree head")
    return head, errors


def _verify_inclusion(doc: dict[str, Any], key: Any, kid: str) -> list[str]:
    errors: list[str] = []
    head, head_errors = _head(doc.get("head"), "head", key, kid)
    errors += head_errors
    try:
        entry = base64.b64decode(doc["entry_base64"], validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise _Bad("entry_base64 is missing or not base64") from None
    index, size = doc.get("leaf_index"), doc.get("tree_size")
    if not isinstance(index, int) or not isinstance(size, int) or isinstance(index, bool):
        raise _Bad("leaf_index and tree_size must be integers")
    if size != head.tree_size:
        errors.append(f"tree_size {size} differs from the signed head's {head.tree_size}")
    leaf = merkle.leaf_hash(entry)
    if "leaf_hash" in doc and doc["leaf_hash"] != leaf.hex():
        errors.append("leaf_hash is not SHA-256(0x00 || entry)")
    try:
        content = json.loads(entry)
    except ValueError:
        content = None
    if "entry" in doc and doc["entry"] != content:
        errors.append("the readable entry differs from the signed entry bytes")
    if not isinstance(content, dict) or content.get("seq") != index:
        errors.append(f"the entry does not record leaf index {index}")
    path = _hexes(doc.get("audit_path"), "audit_path")
    if not merkle.verify_inclusion(leaf, index, head.tree_size, path, head.root_hash):
        # the decisive failure goes first; the others explain it
        errors.insert(
            0,
            f"the entry and audit path do not lead to the signed root of {head.tree_size} "
            f"leaves (entry {index} or the path was altered)",
        )
    return errors


def _verify_consistency(doc: dict[str, Any], key: Any, kid: str) -> list[str]:
    old, errors = _head(doc.get("old_head"), "old_head", key, kid)
    new, new_errors = _head(doc.get("new_head"), "new_head", key, kid)
    errors += new_errors
    proof = _hexes(doc.get("proof"), "proof")
    if not merkle.verify_consistency(old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof):
        errors.append(
            f"the proof does not show the tree of {old.tree_size} leaves is a prefix of the "
            f"tree of {new.tree_size} leaves"
        )
    return errors


def verify_proof_document(
    doc: Any,
    *,
    trusted_key_id: str | None = None,
    known_heads: list[dict[str, Any]] | None = None,
) -> list[str]:
    """Reasons ``doc`` is not a valid proof; an empty list means valid.

    Checks an inclusion or consistency document (by its ``format``) using only its own
    contents. With ``trusted_key_id`` the document's key must also be that key. With
    ``known_heads`` (heads from proofs received earlier, see :func:`document_heads`), any
    head in ``doc`` for the same tree size must have the same root: two different signed
    roots for one size mean the log was rewritten and shown differently to different people
    (a "split view", RFC 9162 §8.2).
    """
    if not isinstance(doc, dict):
        return ["not a proof document (expected a JSON object)"]
    fmt = doc.get("format")
    if fmt not in (INCLUSION_FORMAT, CONSISTENCY_FORMAT):
        return [f"unknown proof format {fmt!r}"]
    if doc.get("version") != VERSION:
        return [f"unsupported version {doc.get('version')!r} (this tool reads {VERSION})"]
    try:
        key, kid = _public_key(doc)
        errors = []
        if trusted_key_id is not None and kid != trusted_key_id.strip().lower():
            errors.append(f"signed by key {kid}, not the trusted key {trusted_key_id}")
        if fmt == INCLUSION_FORMAT:
            errors += _verify_inclusion(doc, key, kid)
        else:
            errors += _verify_consistency(doc, key, kid)
        errors += _compare_known(document_heads(doc), known_heads or [])
    except _Bad as exc:
        return [str(exc)]
    return errors


def document_heads(doc: Any) -> list[dict[str, Any]]:
    """The signed heads a proof document carries (one for inclusion, two for consistency)."""
    if not isinstance(doc, dict):
        return []
    names = ("head",) if doc.get("format") == INCLUSION_FORMAT else ("old_head", "new_head")
    return [doc[n] for n in names if isinstance(doc.get(n), dict)]


def _compare_known(heads: list[dict[str, Any]], known: list[dict[str, Any]]) -> list[str]:
    errors = []
    for head in heads:
        for other in known:
            same_key = head.get("key_id") == other.get("key_id")
            if (
                same_key
                and head.get("tree_size") == other.get("tree_size")
                and head.get("root_hash") != other.get("root_hash")
            ):
                errors.append(
                    f"the signed root for {head.get('tree_size')} entries differs from the one "
                    "in an earlier proof: the ledger was rewritten (split view)"
                )
    return errors
