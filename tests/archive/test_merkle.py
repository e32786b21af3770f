"""RFC 6962 Merkle tree: checked against a naive recursive transcription of the RFC and
against published test vectors."""

from __future__ import annotations

import hashlib
import random

import pytest

from tribunal.archive import merkle
from tribunal.archive.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)


# --- an independent, deliberately naive transcription of RFC 6962 §2.1 -------------------
def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(entries: list[bytes]) -> bytes:
    n = len(entries)
    if n == 0:
        return _h(b"")
    if n == 1:
        return _h(b"\x00" + entries[0])
    k = _k(n)
    return _h(b"\x01" + naive_mth(entries[:k]) + naive_mth(entries[k:]))


def naive_path(m: int, entries: list[bytes]) -> list[bytes]:
    n = len(entries)
    if n <= 1:
        return []
    k = _k(n)
    if m < k:
        return naive_path(m, entries[:k]) + [naive_mth(entries[k:])]
    return naive_path(m - k, entries[k:]) + [naive_mth(entries[:k])]


def naive_subproof(m: int, entries: list[bytes], b: bool) -> list[bytes]:
    n = len(entries)
    if m == n:
        return [] if b else [naive_mth(entries)]
    k = _k(n)
    if m <= k:
        return naive_subproof(m, entries[:k], b) + [naive_mth(entries[k:])]
    return naive_subproof(m - k, entries[k:], False) + [naive_mth(entries[:k])]


def naive_proof(m: int, entries: list[bytes]) -> list[bytes]:
    if m == 0 or m == len(entries):
        return []
    return naive_subproof(m, entries, True)


def _entries(n: int) -> list[bytes]:
    return [f"entry {i}".encode() * (i % 3 + 1) for i in range(n)]


# --- RFC 6962 test vectors (certificate-transparency / Go and C++ merkle tests) -------------
# Leaves of the reference test tree and the roots of its first 1..8 leaves.
VECTOR_LEAVES = [
    bytes.fromhex(x)
    for x in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
]
VECTOR_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


# Published audit paths and consistency proofs over the same leaves (the
# certificate-transparency / transparency-dev "testonly" reference vectors), used as data.
VECTOR_INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]  # fmt: skip
VECTOR_CONSISTENCY = [
    (2, 8, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip


def test_published_proofs() -> None:
    hashes = [leaf_hash(e) for e in VECTOR_LEAVES]
    tree = MerkleTree(hashes)
    for index, size, expected in VECTOR_INCLUSION:
        assert [p.hex() for p in tree.inclusion_proof(index, size)] == expected
        proof = [bytes.fromhex(p) for p in expected]
        assert verify_inclusion(hashes[index], index, size, proof, bytes.fromhex(VECTOR_ROOTS[size - 1]))
    for m, n, expected in VECTOR_CONSISTENCY:
        assert [p.hex() for p in tree.consistency_proof(m, n)] == expected
        proof = [bytes.fromhex(p) for p in expected]
        root_m, root_n = (bytes.fromhex(VECTOR_ROOTS[s - 1]) for s in (m, n))
        assert verify_consistency(m, n, root_m, root_n, proof)


def test_empty_tree_is_hash_of_empty_string() -> None:
    assert root([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_published_roots() -> None:
    hashes = [leaf_hash(e) for e in VECTOR_LEAVES]
    tree = MerkleTree(hashes)
    for size, expected in enumerate(VECTOR_ROOTS, start=1):
        assert root(hashes[:size]).hex() == expected
        assert tree.root(size).hex() == expected


def test_leaf_and_node_prefixes() -> None:
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    assert node_hash(a, b) != node_hash(b, a)


@pytest.mark.parametrize("n", range(1, 71))
def test_against_naive_rfc_all_sizes(n: int) -> None:
    entries = _entries(n)
    hashes = [leaf_hash(e) for e in entries]
    expected_root = naive_mth(entries)
    assert root(hashes) == expected_root
    tree = MerkleTree(hashes)
    assert tree.root() == expected_root
    for i in range(n):
        path = tree.inclusion_proof(i)
        assert path == naive_path(i, entries)
        assert verify_inclusion(hashes[i], i, n, path, expected_root)
        # the same path must not prove a neighbouring index or another leaf
        if n > 1:
            assert not verify_inclusion(hashes[i], (i + 1) % n, n, path, expected_root)
            assert not verify_inclusion(hashes[(i + 1) % n], i, n, path, expected_root)
    for m in range(0, n + 1):
        proof = tree.consistency_proof(m)
        assert proof == naive_proof(m, entries)
        root_m = naive_mth(entries[:m])
        assert verify_consistency(m, n, root_m, expected_root, proof)
        if 0 < m < n:
            assert not verify_consistency(m, n, expected_root, expected_root, proof)
            assert not verify_consistency(m, n, root_m, root_m, proof)


def test_prefix_roots_and_proofs_of_older_trees() -> None:
    entries = _entries(37)
    hashes = [leaf_hash(e) for e in entries]
    tree = MerkleTree(hashes)
    for size in range(1, 38):
        assert tree.root(size) == naive_mth(entries[:size])
        for i in range(0, size, 5):
            assert tree.inclusion_proof(i, size) == naive_path(i, entries[:size])
        for m in range(0, size + 1, 3):
            assert tree.consistency_proof(m, size) == naive_proof(m, entries[:size])


def test_module_functions_match_tree() -> None:
    hashes = [leaf_hash(e) for e in _entries(11)]
    assert inclusion_proof(6, hashes) == MerkleTree(hashes).inclusion_proof(6)
    assert consistency_proof(4, hashes) == MerkleTree(hashes).consistency_proof(4)


def test_tampered_proofs_rejected() -> None:
    rng = random.Random(6962)
    entries = _entries(50)
    hashes = [leaf_hash(e) for e in entries]
    tree = MerkleTree(hashes)
    r = tree.root()
    for _ in range(300):
        i = rng.randrange(50)
        path = tree.inclusion_proof(i)
        j = rng.randrange(len(path))
        bad = bytearray(path[j])
        bad[rng.randrange(32)] ^= 1 << rng.randrange(8)
        forged = path[:j] + [bytes(bad)] + path[j + 1 :]
        assert not verify_inclusion(hashes[i], i, 50, forged, r)
        assert not verify_inclusion(hashes[i], i, 50, path[:-1], r)
        assert not verify_inclusion(hashes[i], i, 50, path + [r], r)
        # (the tree size alone is not bound by a path; the signed head binds it)
        m = rng.randrange(1, 50)
        proof = tree.consistency_proof(m)
        j = rng.randrange(len(proof))
        bad = bytearray(proof[j])
        bad[rng.randrange(32)] ^= 1 << rng.randrange(8)
        forged = proof[:j] + [bytes(bad)] + proof[j + 1 :]
        assert not verify_consistency(m, 50, tree.root(m), r, forged)
        assert not verify_consistency(m, 50, tree.root(m), r, proof + [r])


def test_bad_arguments() -> None:
    hashes = [leaf_hash(e) for e in _entries(4)]
    tree = MerkleTree(hashes)
    with pytest.raises(ValueError):
        tree.inclusion_proof(4)
    with pytest.raises(ValueError):
        tree.root(5)
    with pytest.raises(ValueError):
        tree.consistency_proof(5)
    assert not verify_inclusion(hashes[0], 0, 0, [], EMPTY_ROOT)
    assert not verify_inclusion(hashes[0], -1, 4, [], EMPTY_ROOT)
    assert not verify_consistency(3, 2, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 4, EMPTY_ROOT, tree.root(), [])
    assert not verify_consistency(2, 4, tree.root(2), tree.root(), [])
    assert verify_consistency(4, 4, tree.root(), tree.root(), [])
    assert not verify_consistency(4, 4, tree.root(), tree.root(), [tree.root()])
    assert not verify_inclusion(hashes[0], 0, 4, [b"short"], tree.root())


def test_large_tree_root_streams() -> None:
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(100_003)]
    tree = MerkleTree(hashes)
    assert tree.root() == root(iter(hashes))
    i = 77_777
    assert verify_inclusion(hashes[i], i, len(hashes), tree.inclusion_proof(i), tree.root())
    assert verify_consistency(65_536, 100_003, tree.root(65_536), tree.root(), tree.consistency_proof(65_536))
    assert merkle.HASH_SIZE == 32


def test_random_larger_trees_against_naive() -> None:
    """Seeded random sizes up to 600: proofs for random indices and prefixes match the RFC."""
    rng = random.Random(9162)
    for _ in range(25):
        n = rng.randrange(71, 600)
        entries = [rng.randbytes(rng.randrange(0, 40)) for _ in range(n)]
        hashes = [leaf_hash(e) for e in entries]
        tree = MerkleTree(hashes)
        assert tree.root() == naive_mth(entries) == root(hashes)
        for _ in range(5):
            i = rng.randrange(n)
            assert tree.inclusion_proof(i) == naive_path(i, entries)
            m = rng.randrange(n + 1)
            proof = tree.consistency_proof(m)
            assert proof == naive_proof(m, entries)
            assert verify_consistency(m, n, tree.root(m), tree.root(), proof)
