"""The ledger's frontier: what signing a tree head needs, kept up to date in O(log n).

A tree of n leaves (RFC 6962 §2.1) is a run of perfect subtrees, one per set bit of n, largest
on the left. Their roots (the *frontier*, table ``ledger_frontier(height, hash)``) are all a
new leaf or a tree head needs: adding a leaf is a binary increment in which equal-height
subtrees merge like carries, and the root folds the frontier from right to left. The table is
a cache: it is rebuilt from the entries when it does not fit the ledger's size, and any
tampering with it yields heads that ``verify_ledger`` rejects.
"""

from __future__ import annotations

import sqlite3

from tribunal.archive import merkle
from tribunal.archive.custody_types import as_bytes


def _load_frontier(db: sqlite3.Connection) -> dict[int, bytes]:
    return {int(h): as_bytes(x) for h, x in db.execute("SELECT height, CAST(hash AS BLOB) FROM ledger_frontier")}


def _frontier_matches(frontier: dict[int, bytes], size: int) -> bool:
    return set(frontier) == {h for h in range(size.bit_length()) if size >> h & 1}


def push_frontier(db: sqlite3.Connection, old_size: int, leaf: bytes) -> None:
    """Add leaf hash ``leaf`` (the leaf at index ``old_size``) to the stored frontier."""
    frontier = _load_frontier(db)
    if not _frontier_matches(frontier, old_size):
        frontier = _rebuild_frontier(db, old_size)
    # Adding a leaf is binary increment: equal-height subtrees merge like carries.
    node, height = leaf, 0
    while old_size >> height & 1:
        node = merkle.node_hash(frontier.pop(height), node)
        db.execute("DELETE FROM ledger_frontier WHERE height = ?", (height,))
        height += 1
    db.execute(
        "INSERT OR REPLACE INTO ledger_frontier (height, hash) VALUES (?, ?)", (height, node)
    )


def _rebuild_frontier(db: sqlite3.Connection, size: int) -> dict[int, bytes]:
    """Recompute the frontier from the entries themselves (after an upgrade or damage)."""
    hashes = [
        merkle.leaf_hash(as_bytes(e))
        for (e,) in db.execute("SELECT CAST(entry AS BLOB) FROM ledger WHERE seq < ? ORDER BY seq", (size,))
    ]
    tree = merkle.MerkleTree(hashes)
    frontier: dict[int, bytes] = {}
    pos = 0
    for height in reversed(range(size.bit_length())):
        if size >> height & 1:
            frontier[height] = tree.node(height, pos >> height)
            pos += 1 << height
    db.execute("DELETE FROM ledger_frontier")
    db.executemany("INSERT INTO ledger_frontier (height, hash) VALUES (?, ?)", frontier.items())
    return frontier


def current_root(db: sqlite3.Connection) -> tuple[int, bytes]:
    """(tree size, root) of the whole ledger, from the frontier in O(log n)."""
    row = db.execute("SELECT MAX(seq) FROM ledger").fetchone()
    size = 0 if row[0] is None else int(row[0]) + 1
    frontier = _load_frontier(db)
    if not _frontier_matches(frontier, size):
        frontier = _rebuild_frontier(db, size)
    if size == 0:
        return 0, merkle.EMPTY_ROOT
    acc: bytes | None = None
    for height in sorted(frontier):  # smallest (rightmost) subtree first
        acc = frontier[height] if acc is None else merkle.node_hash(frontier[height], acc)
    assert acc is not None
    return size, acc
