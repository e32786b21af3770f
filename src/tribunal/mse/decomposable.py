"""Decomposable (chordal) undirected graphs on a few vertices, with cliques and separators.

Madigan & York (1997, Biometrika 84:19-31) average capture-recapture estimates over every
decomposable graphical model for the lists. A graph is decomposable exactly when it is
chordal (Lauritzen 1996, *Graphical Models*, Prop. 2.5); its likelihood and conjugate
hyper-Dirichlet prior (Dawid & Lauritzen 1993, Ann. Statist. 21:1272) factorise over the
maximal cliques divided by the separators of a junction tree. This module enumerates those
graphs by brute force, which is instant for the 3-5 lists the method is meant for (8, 61
and 822 graphs; OEIS A058862).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

MAX_VERTICES = 6


@dataclass(frozen=True)
class DecomposableGraph:
    """A chordal graph on vertices 0..p-1.

    ``edges`` are pairs (i, j) with i < j; ``cliques`` the maximal cliques and
    ``separators`` the (possibly empty) intersections along a junction tree, each as a
    sorted tuple of vertices. Separators form a multiset: the same set may occur twice.
    """

    n_vertices: int
    edges: tuple[tuple[int, int], ...]
    cliques: tuple[tuple[int, ...], ...]
    separators: tuple[tuple[int, ...], ...]

    def label(self, names: tuple[str, ...] | list[str]) -> str:
        """The generating class in bracket notation, e.g. ``[A,B][C]`` (cliques)."""
        return "".join("[" + ",".join(names[v] for v in c) + "]" for c in self.cliques)

    def edge_labels(self, names: tuple[str, ...] | list[str]) -> list[str]:
        """Edges as "A:B" strings (the interaction terms of the log-linear model)."""
        return [f"{names[i]}:{names[j]}" for i, j in self.edges]


def _adjacency(p: int, edges: tuple[tuple[int, int], ...]) -> list[int]:
    """Neighbour sets as bitmasks, one per vertex."""
    adj = [0] * p
    for i, j in edges:
        adj[i] |= 1 << j
        adj[j] |= 1 << i
    return adj


def _is_complete(mask: int, adj: list[int]) -> bool:
    # Complete when every member's other members are all its neighbours.
    return all(not (mask >> v & 1) or not (mask & ~(1 << v) & ~adj[v]) for v in range(len(adj)))


def is_chordal(p: int, edges: tuple[tuple[int, int], ...]) -> bool:
    """True when every cycle of length four or more has a chord.

    Uses the characterisation by simplicial elimination (Fulkerson & Gross 1965): a graph
    is chordal iff vertices can be removed one by one, each having a complete neighbourhood
    among the vertices still present.
    """
    adj = _adjacency(p, edges)
    remaining = (1 << p) - 1
    while remaining:
        for v in range(p):
            if remaining >> v & 1 and _is_complete(adj[v] & remaining, adj):
                remaining &= ~(1 << v)
                break
        else:
            return False
    return True


def _members(mask: int) -> tuple[int, ...]:
    return tuple(v for v in range(mask.bit_length()) if mask >> v & 1)


def maximal_cliques(p: int, edges: tuple[tuple[int, int], ...]) -> list[int]:
    """Maximal complete vertex sets as bitmasks (brute force; p is small)."""
    adj = _adjacency(p, edges)
    complete = [m for m in range(1, 1 << p) if _is_complete(m, adj)]
    maximal = [m for m in complete if not any(o != m and o & m == m for o in complete)]
    # Largest first, then by vertex order, so that labels read naturally.
    return sorted(maximal, key=lambda m: (-bin(m).count("1"), _members(m)))


def junction_separators(cliques: list[int]) -> list[int]:
    """Separators of a junction tree of a chordal graph's cliques (as bitmasks).

    A maximum-weight spanning tree of the clique graph, weighted by intersection size, is
    a junction tree when the graph is chordal (Jensen & Jensen 1994); Kruskal's algorithm
    over all pairs, zero weights included, joins disconnected components with empty
    separators.
    """
    parent = list(range(len(cliques)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pairs = sorted(
        combinations(range(len(cliques)), 2),
        key=lambda ij: -bin(cliques[ij[0]] & cliques[ij[1]]).count("1"),
    )
    seps: list[int] = []
    for i, j in pairs:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[ri] = rj
            seps.append(cliques[i] & cliques[j])
    return seps


@lru_cache(maxsize=8)
def decomposable_graphs(p: int) -> tuple[DecomposableGraph, ...]:
    """All decomposable graphs on ``p`` labelled vertices (8, 61, 822 for p = 3, 4, 5).

    Ordered by number of edges and then lexicographically, so the independence model comes
    first and the saturated model last.
    """
    if not 1 <= p <= MAX_VERTICES:
        raise ValueError(f"enumerating decomposable graphs needs 1..{MAX_VERTICES} vertices")
    all_pairs = list(combinations(range(p), 2))
    out = []
    for k in range(len(all_pairs) + 1):
        for edges in combinations(all_pairs, k):
            if not is_chordal(p, edges):
                continue
            cliques = maximal_cliques(p, edges)
            seps = junction_separators(cliques)
            out.append(
                DecomposableGraph(
                    n_vertices=p,
                    edges=edges,
                    cliques=tuple(_members(c) for c in cliques),
                    separators=tuple(sorted(_members(s) for s in seps)),
                )
            )
    return tuple(out)


def subset_mask(vertices: tuple[int, ...]) -> int:
    """Bitmask of a vertex set (bit v set for vertex v)."""
    mask = 0
    for v in vertices:
        mask |= 1 << v
    return mask
