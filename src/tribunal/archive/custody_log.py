"""A readable listing of the custody ledger and its signed heads (``tribunal log``).

Entries only ever hold ids, hashes and commitments, so listing them reveals nothing
protected; the listing still shows only each entry's recorded fields, never row contents.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tribunal.archive import ledger


def ledger_log(
    db: sqlite3.Connection,
    *,
    item: str | None = None,
    limit: int = 50,
    heads_only: bool = False,
) -> dict[str, Any]:
    """The last ``limit`` entries (only ``item``'s if given) and heads; ``limit=0``: all."""
    size = ledger.tree_size(db)
    if heads_only:
        chosen: list[ledger.LedgerEntry] = []
    elif item is not None:
        chosen = ledger.entries_for(db, item=item)
        if limit > 0:
            chosen = chosen[-limit:]
    else:
        start = 0 if limit <= 0 else max(0, size - limit)
        chosen = list(ledger.entries(db, start=start))
    all_heads = ledger.heads(db)
    if limit > 0:
        all_heads = all_heads[-limit:]
    return {
        "tree_size": size,
        "shown": len(chosen),
        "entries": [_entry_dict(e) for e in chosen],
        "heads": [_head_dict(h) for h in all_heads],
    }


def _entry_dict(entry: ledger.LedgerEntry) -> dict[str, Any]:
    try:
        return entry.to_dict()
    except ValueError:  # a damaged entry is still listed, as what it is
        return {
            "seq": entry.seq,
            "action": None,
            "time": None,
            "fields": None,
            "leaf_hash": entry.leaf_hash.hex(),
            "damaged": True,
        }


def _head_dict(head: ledger.TreeHead) -> dict[str, Any]:
    d = head.to_dict()
    d.pop("format", None)
    return d
