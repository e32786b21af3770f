"""Custody ledger speed: our RFC 6962 tree and ledger beside the bounds and a peer library.

Prints, from one run (medians of repeats):

- tree hash over N entries: ours vs the bare hashing bound (the 2N-1 SHA-256 calls any
  RFC 6962 implementation must make, in a plain loop) and vs pymerkle (RFC 9162 in-memory
  tree), if installed; the roots must agree;
- one inclusion proof and its verification on the N-leaf tree: ours vs pymerkle;
- the ledger in SQLite: appending N entries, signing a head, ``verify_ledger`` over N
  entries and N/100 heads, and an inclusion proof document, beside the SHA-256 bound of
  re-hashing the same entries.

Usage: python bench/custody_ledger.py [N]   (default 100000)
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path

from tribunal.archive import ledger, merkle, proofs, signing


def timed(fn: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def bare_bound(entries: list[bytes]) -> bytes:
    """Exactly the hashing RFC 6962 requires, with no tree bookkeeping at all."""
    sha = hashlib.sha256
    level = [sha(b"\x00" + e).digest() for e in entries]
    while len(level) > 1:
        nxt = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def bare_nodes(hashes: list[bytes]) -> None:
    """The N-1 node hashes alone (leaf hashes given), in a plain loop."""
    sha = hashlib.sha256
    level = hashes
    while len(level) > 1:
        level = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]


def row(label: str, ours: float, other: float | None, other_name: str, unit: str = "s") -> None:
    if other is None:
        print(f"{label:<44} ours {ours:10.4f} {unit}   {other_name}: not available")
    else:
        print(
            f"{label:<44} ours {ours:10.4f} {unit}   {other_name} {other:10.4f} {unit}"
            f"   ratio {ours / other:5.2f}"
        )


def tree_bench(n: int) -> None:
    rng = random.Random(1)
    entries = [rng.randbytes(100) for _ in range(n)]
    print(f"\n== RFC 6962 tree, {n} entries of 100 bytes ==")
    t_ours, r_ours = timed(lambda: merkle.root(merkle.leaf_hash(e) for e in entries))
    t_bound, r_bound = timed(lambda: bare_bound(entries))
    assert r_ours == r_bound
    row("root from entries (streaming)", t_ours, t_bound, "bare-hash bound")
    hashes = [merkle.leaf_hash(e) for e in entries]
    t_build, tree = timed(lambda: merkle.MerkleTree(hashes))
    t_nodes, _ = timed(lambda: bare_nodes(hashes))
    row("MerkleTree build from leaf hashes", t_build, t_nodes, "bare node-hash bound")
    try:
        from pymerkle import InmemoryTree
        from pymerkle import verify_inclusion as pm_verify
    except ImportError:
        InmemoryTree = None
    pm_tree = None
    if InmemoryTree is not None:
        def build_pm():
            t = InmemoryTree(algorithm="sha256")
            for e in entries:
                t.append_entry(e)
            return t, t.get_root()

        t_pm, (pm_tree, pm_root) = timed(build_pm, repeat=1)
        assert pm_root == r_ours, "pymerkle disagrees with our root"
        row("root from entries", t_ours, t_pm, "pymerkle 7")
    else:
        row("root from entries", t_ours, None, "pymerkle")

    indices = [rng.randrange(n) for _ in range(200)]
    assert isinstance(tree, merkle.MerkleTree)
    t0 = time.perf_counter()
    paths = [tree.inclusion_proof(i) for i in indices]
    t_proof = (time.perf_counter() - t0) / len(indices) * 1e6
    root_hash = tree.root()
    t0 = time.perf_counter()
    assert all(merkle.verify_inclusion(hashes[i], i, n, p, root_hash) for i, p in zip(indices, paths, strict=True))
    t_verify = (time.perf_counter() - t0) / len(indices) * 1e6
    t_proof_pm = t_verify_pm = None
    if pm_tree is not None:
        few = indices[:20]
        t0 = time.perf_counter()
        pm_proofs = [pm_tree.prove_inclusion(i + 1) for i in few]  # pymerkle counts from 1
        t_proof_pm = (time.perf_counter() - t0) / len(few) * 1e6
        t0 = time.perf_counter()
        for i, p in zip(few, pm_proofs, strict=True):
            pm_verify(hashes[i], root_hash, p)
        t_verify_pm = (time.perf_counter() - t0) / len(few) * 1e6
        # pymerkle lists the leaf first, then the same audit path as RFC 6962
        pm_path = [x if isinstance(x, bytes) else bytes.fromhex(x) for x in pm_proofs[0].path[1:]]
        assert pm_path == paths[0], "pymerkle disagrees with our audit path"
    row("inclusion proof, per proof", t_proof, t_proof_pm, "pymerkle 7", "µs")
    row("inclusion verification, per proof", t_verify, t_verify_pm, "pymerkle 7", "µs")
    m = n // 3
    t0 = time.perf_counter()
    cproof = tree.consistency_proof(m)
    t_cons = (time.perf_counter() - t0) * 1e6
    assert merkle.verify_consistency(m, n, tree.root(m), root_hash, cproof)
    print(f"{'consistency proof ' + str(m) + ' -> ' + str(n):<44} ours {t_cons:10.1f} µs   ({len(cproof)} hashes)")


def ledger_bench(n: int) -> None:
    print(f"\n== ledger in SQLite, {n} entries, a head every 100 ==")
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        signing.generate_keypair(root / "keys")
        db = sqlite3.connect(root / "case.sqlite", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        ledger.ensure_schema(db)
        case = types.SimpleNamespace(root=root, db=db)
        key = signing.load_private_key(root / "keys")
        t0 = time.perf_counter()
        for start in range(0, n, 100):
            db.execute("BEGIN IMMEDIATE")
            for i in range(start, min(n, start + 100)):
                ledger.append(db, "ingest", {"item": f"E-{i:08d}", "sha256": f"{i:064x}", "size": i})
            ledger.sign_head_with(db, key)  # in the same transaction: never an unsigned tail
            db.execute("COMMIT")
        t_append = time.perf_counter() - t0
        print(f"{'append + sign every 100, in transactions':<44} ours {n / t_append:10.0f} entries/s")
        db.execute("BEGIN IMMEDIATE")
        ledger.append(db, "annotate", {"item": "E-00000001"})
        t_sign, _ = timed(lambda: ledger.sign_head(case), repeat=1)
        db.execute("COMMIT")
        print(f"{'sign one head at ' + str(n + 1) + ' entries':<44} ours {t_sign * 1e3:10.2f} ms")
        ledger.append(db, "annotate", {"item": "E-00000002"})
        ledger.sign_head(case)
        pub = signing.load_public_key(root / "keys")
        t_verify, problems = timed(lambda: ledger.verify_ledger(db, pub), repeat=3)
        assert problems == [], problems
        raw = [bytes(e) for (e,) in db.execute("SELECT entry FROM ledger")]
        t_bound, _ = timed(lambda: [hashlib.sha256(b"\x00" + e).digest() for e in raw] and bare_bound(raw))
        n_heads = len(ledger.heads(db))
        row(f"verify_ledger ({n_heads} heads)", t_verify, t_bound, "re-hash bound")
        t_doc, doc = timed(lambda: proofs.inclusion_proof_document(case, n // 2), repeat=3)
        assert proofs.verify_proof_document(doc) == []
        print(f"{'inclusion proof document at ' + str(n) + ' entries':<44} ours {t_doc:10.4f} s")
        t_find, found = timed(lambda: ledger.entries_for(db, action="ingest", item=f"E-{n // 2:08d}"))
        assert len(found) == 1
        print(f"{'entries_for(item=...) scan':<44} ours {t_find:10.4f} s")
        db.close()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    tree_bench(n)
    ledger_bench(n)


if __name__ == "__main__":
    main()
