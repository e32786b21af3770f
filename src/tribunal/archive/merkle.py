"""RFC 6962 Merkle trees: tree hash, inclusion (audit) paths and consistency proofs.

Follows RFC 6962 §2.1 (Certificate Transparency) exactly; the verification algorithms are
those of RFC 9162 §2.1.3.2 and §2.1.4.2, which check the same proofs without recursion.

- leaf hash  ``SHA-256(0x00 || entry)``
- node hash  ``SHA-256(0x01 || left || right)``
- the tree over ``n > 1`` leaves splits at ``k``, the largest power of two smaller than ``n``;
  the hash of the empty tree is ``SHA-256("")``.

The 0x00/0x01 prefixes keep a leaf from being passed off as an inner node (a second-preimage
attack on the tree). Everything here is iterative, so 100,000+ leaves need neither deep
recursion nor more memory than two hashes per leaf.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF = b"\x00"
_NODE = b"\x01"
_sha256 = hashlib.sha256


def leaf_hash(entry: bytes) -> bytes:
    """``SHA-256(0x00 || entry)`` (RFC 6962 §2.1)."""
    return _sha256(_LEAF + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)`` (RFC 6962 §2.1)."""
    return _sha256(_NODE + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """The ``k`` of RFC 6962: the largest power of two strictly smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Iterable[bytes]) -> bytes:
    """Merkle tree hash MTH(D[n]) of RFC 6962 §2.1 over already-hashed leaves.

    Streams the leaves through a stack of perfect subtrees (at most log2(n) hashes held),
    which gives the same tree as RFC 6962's split at the largest power of two: the left
    parts are always perfect subtrees, the right edge is folded in last.
    """
    stack: list[tuple[int, bytes]] = []  # (height, hash), heights strictly decreasing
    for h in leaf_hashes:
        height, node = 0, h
        while stack and stack[-1][0] == height:
            _, left = stack.pop()
            node = node_hash(left, node)
            height += 1
        stack.append((height, node))
    if not stack:
        return EMPTY_ROOT
    acc = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        acc = node_hash(left, acc)
    return acc


class MerkleTree:
    """A Merkle tree with every level kept, so proofs for any prefix take O(log n) hashes.

    ``node(h, i)`` is the root of the perfect subtree over leaves ``[i*2^h, (i+1)*2^h)``.
    Every subtree that RFC 6962's recursion visits is either such a perfect subtree or a
    run of them along the right edge, so roots of any prefix ``D[0:m]`` (old tree heads)
    and every proof node come straight from the table. Each level is one contiguous
    ``bytes`` (32 bytes per node), so the whole tree costs about 64 bytes per leaf, and a
    pair of siblings is hashed from a single slice.
    """

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        if any(len(h) != HASH_SIZE for h in leaf_hashes):
            raise ValueError("every leaf hash must be 32 bytes")
        level = b"".join(leaf_hashes)
        self._size = len(leaf_hashes)
        self.levels: list[bytes] = [level]
        sha = _sha256
        pair = 2 * HASH_SIZE
        while len(level) > HASH_SIZE:
            end = (len(level) // pair) * pair
            level = b"".join(sha(_NODE + level[j : j + pair]).digest() for j in range(0, end, pair))
            self.levels.append(level)

    @property
    def size(self) -> int:
        return self._size

    def node(self, height: int, index: int) -> bytes:
        """Root of the perfect subtree of height ``height`` at position ``index``."""
        start = index * HASH_SIZE
        return self.levels[height][start : start + HASH_SIZE]

    def _subroot(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) where ``lo`` is aligned as in RFC 6962's recursion.

        The range splits into perfect subtrees of decreasing size (the binary digits of
        ``hi - lo``), which are folded right to left.
        """
        if hi <= lo:
            return EMPTY_ROOT
        parts: list[bytes] = []
        pos, remaining = lo, hi - lo
        while remaining:
            height = remaining.bit_length() - 1
            parts.append(self.node(height, pos >> height))
            pos += 1 << height
            remaining -= 1 << height
        acc = parts[-1]
        for left in reversed(parts[:-1]):
            acc = node_hash(left, acc)
        return acc

    def root(self, size: int | None = None) -> bytes:
        """Root of the first ``size`` leaves (all leaves by default)."""
        n = self.size if size is None else size
        _check_size(n, self.size)
        return self._subroot(0, n)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Audit path PATH(index, D[0:size]) of RFC 6962 §2.1.1, leaf to root order."""
        n = self.size if size is None else size
        _check_size(n, self.size)
        if not 0 <= index < n:
            raise ValueError(f"leaf index {index} outside a tree of {n} leaves")
        path: list[bytes] = []
        lo, hi, m = 0, n, index
        # Walk from the root down, then reverse: RFC 6962 lists the path bottom-up.
        while hi - lo > 1:
            k = _largest_power_of_two_below(hi - lo)
            if m < k:
                path.append(self._subroot(lo + k, hi))
                hi = lo + k
            else:
                path.append(self._subroot(lo, lo + k))
                lo, m = lo + k, m - k
        path.reverse()
        return path

    def consistency_proof(self, old_size: int, size: int | None = None) -> list[bytes]:
        """PROOF(m, D[0:n]) of RFC 6962 §2.1.2 between the first ``old_size`` and ``size`` leaves."""
        n = self.size if size is None else size
        _check_size(n, self.size)
        m = old_size
        if not 0 <= m <= n:
            raise ValueError(f"old tree size {m} outside 0..{n}")
        if m == 0 or m == n:
            return []
        proof: list[bytes] = []
        lo, hi, complete = 0, n, True
        # SUBPROOF(m, D[lo:hi], complete), unrolled; nodes are collected top-down.
        while True:
            if m == hi - lo:
                if not complete:
                    proof.append(self._subroot(lo, hi))
                break
            k = _largest_power_of_two_below(hi - lo)
            if m <= k:
                proof.append(self._subroot(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self._subroot(lo, lo + k))
                lo, m, complete = lo + k, m - k, False
        proof.reverse()
        return proof


def _check_size(size: int, available: int) -> None:
    if not 0 <= size <= available:
        raise ValueError(f"tree size {size} outside 0..{available}")


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Audit path for leaf ``index`` in the tree over ``leaf_hashes`` (RFC 6962 §2.1.1)."""
    return MerkleTree(leaf_hashes).inclusion_proof(index)


def consistency_proof(m: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Proof that the first ``m`` leaves are a prefix of ``leaf_hashes`` (RFC 6962 §2.1.2)."""
    return MerkleTree(leaf_hashes).consistency_proof(m)


def root_from_inclusion(
    leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes]
) -> bytes | None:
    """The root implied by an audit path, or None if the path has the wrong shape.

    RFC 9162 §2.1.3.2 steps 1-4.
    """
    if not 0 <= index < tree_size:
        return None
    fn, sn = index, tree_size - 1
    r = leaf
    for p in proof:
        if len(p) != HASH_SIZE or sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                # fn is the last node of its level: skip the levels where it has no sibling.
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(
    leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    """True if ``proof`` shows leaf hash ``leaf`` at ``index`` in the tree with ``root_hash``.

    RFC 9162 §2.1.3.2.
    """
    r = root_from_inclusion(leaf, index, tree_size, proof)
    return r is not None and r == root_hash


def verify_consistency(
    m: int, n: int, root_m: bytes, root_n: bytes, proof: Sequence[bytes]
) -> bool:
    """True if ``proof`` shows the tree of size ``m`` (root_m) is a prefix of size ``n`` (root_n).

    RFC 9162 §2.1.4.2, with the trivial cases m == n (empty proof, equal roots) and
    m == 0 (empty proof; the empty tree is a prefix of every tree) made explicit.
    """
    if not 0 <= m <= n:
        return False
    if any(len(p) != HASH_SIZE for p in proof):
        return False
    if m == n:
        return not proof and root_m == root_n
    if m == 0:
        return not proof and root_m == EMPTY_ROOT
    path = list(proof)
    if m & (m - 1) == 0:
        path.insert(0, root_m)
    if not path:
        return False
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root_m and sr == root_n
