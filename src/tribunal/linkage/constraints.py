"""Cannot-link constraints: a reviewed non-match keeps two records apart whatever path joins them.

Cutting a reviewed non-match's edge is not enough: a third record that scores high with both
still joins them (the path a-c-b). Clustering with cannot-link constraints (Wagstaff,
Cardie, Rogers & Schroedl, "Constrained k-means clustering with background knowledge",
ICML 2001) refuses every merge that would put two cannot-linked records in one group.

Merges are considered greedily, strongest evidence first (Kruskal's order, as in
single-linkage clustering; Gower & Ross, "Minimum spanning trees and single linkage cluster
analysis", Applied Statistics 18(1), 1969): a merge that would join a cannot-linked pair is
refused and the next is tried. Only connected components that hold a cannot-linked pair
are re-examined this way; every other component is left exactly as plain connected
components gave it, so lists without reviewed non-matches cluster as before.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd


def cannot_link_pairs(decisions: pd.DataFrame | None) -> pd.DataFrame:
    """The reviewed non-matches (``unique_id_l``, ``unique_id_r``) of a decisions frame
    (latest decision per pair, as :func:`tribunal.linkage.review.load_decisions` gives)."""
    cols = ["unique_id_l", "unique_id_r"]
    if decisions is None or decisions.empty:
        return pd.DataFrame(columns=cols)
    return decisions.loc[decisions["decision"] == "non-match", cols].reset_index(drop=True)


def contradicted_matches(decisions: pd.DataFrame, ids: pd.Series, person: pd.Series) -> list[str]:
    """A warning when reviewed matches ended in different people: the reviewed non-matches
    (constraints, which win) and matches contradict each other through other records."""
    if decisions.empty:
        return []
    dec = decisions[decisions["decision"] == "match"]
    who = pd.Series(person.to_numpy(), index=ids.to_numpy())
    left = who.reindex(dec["unique_id_l"]).to_numpy()
    right = who.reindex(dec["unique_id_r"]).to_numpy()
    split = int(((left != right) & pd.notna(left) & pd.notna(right)).sum())
    if not split:
        return []
    return [f"{split} reviewed match(es) kept apart: joining them would also join a pair "
            "reviewed as a non-match; check these decisions with tribunal link review"]


def index_pairs(ids: pd.Series | pd.Index, pairs: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """Positions in ``ids`` of each pair's two records (pairs naming unknown records dropped)."""
    if pairs is None or pairs.empty:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    index = pd.Index(ids)
    a = index.get_indexer(pd.Index(pairs["unique_id_l"]))
    b = index.get_indexer(pd.Index(pairs["unique_id_r"]))
    ok = (a >= 0) & (b >= 0) & (a != b)
    return a[ok].astype(np.int64), b[ok].astype(np.int64)


def _plain(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def constrained_components(
    n: int, a: np.ndarray, b: np.ndarray, weight: np.ndarray,
    ca: np.ndarray, cb: np.ndarray,
) -> np.ndarray:
    """Component label per node for edges ``a[i]-b[i]``, never joining ``ca[j]`` and ``cb[j]``.

    Components without a cannot-linked pair are plain connected components. Inside the
    others, edges are taken by decreasing ``weight`` (ties by node order) with a union-find
    that refuses a union bringing a cannot-linked pair together.
    """
    labels = _plain(n, a, b)
    if not len(ca):
        return labels
    clash = labels[ca] == labels[cb]
    if not clash.any():
        return labels
    bad = np.zeros(labels.max() + 1, dtype=bool)
    bad[labels[ca[clash]]] = True
    sel = bad[labels[a]]
    ea, eb, w = a[sel], b[sel], np.asarray(weight, dtype=float)[sel]
    parent: dict[int, int] = {}
    banned: dict[int, set[int]] = defaultdict(set)
    for x, y in zip(ca.tolist(), cb.tolist(), strict=True):
        banned[x].add(y)
        banned[y].add(x)

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:  # path compression
            parent[x], x = root, parent.get(x, x)
        return root

    for k in np.lexsort((eb, ea, -w)).tolist():
        ra, rb = find(int(ea[k])), find(int(eb[k]))
        if ra == rb:
            continue
        small, large = (ra, rb) if len(banned.get(ra, ())) <= len(banned.get(rb, ())) else (rb, ra)
        if any(find(x) == large for x in banned.get(small, ())):
            continue  # would put a cannot-linked pair in one group
        parent[small] = large
        if small in banned:
            banned[large] |= banned.pop(small)
    # nodes of re-examined components take their root as label, then labels are made dense
    nodes = np.flatnonzero(bad[labels])
    out = labels.astype(np.int64).copy()
    out[nodes] = labels.max() + 1 + np.array([find(int(x)) for x in nodes], dtype=np.int64)
    return np.unique(out, return_inverse=True)[1]


def attach_allowed(
    out: np.ndarray, labels: np.ndarray, lone: np.ndarray, other: np.ndarray,
    score: np.ndarray, ca: np.ndarray, cb: np.ndarray,
) -> None:
    """Attach lone records to their best partner's group, skipping groups they cannot join.

    ``lone``/``other``/``score`` are candidate attachments sorted by ``lone`` and, within
    it, best score first. Records without constraints take their best partner's group
    (``labels``); constrained records go next, best score first, each to the best group
    holding none of its cannot-linked partners at that moment (``out`` as updated so far,
    so two cannot-linked records never attach to the same person). ``out`` is changed in
    place.
    """
    first = np.r_[True, lone[1:] != lone[:-1]] if len(lone) else np.zeros(0, dtype=bool)
    partners: dict[int, list[int]] = defaultdict(list)
    for x, y in zip(ca.tolist(), cb.tolist(), strict=True):
        partners[x].append(y)
        partners[y].append(x)
    constrained = np.isin(lone, np.fromiter(partners, dtype=np.int64, count=len(partners)))
    free = first & ~constrained
    out[lone[free]] = labels[other[free]]
    starts = np.flatnonzero(first & constrained)
    if not len(starts):
        return
    ends = np.r_[np.flatnonzero(first)[1:], len(lone)]
    end_of = dict(zip(np.flatnonzero(first).tolist(), ends.tolist(), strict=True))
    for s in sorted(starts.tolist(), key=lambda s: -score[s]):
        r = int(lone[s])
        for k in range(s, end_of[s]):
            target = labels[other[k]]
            if all(out[c] != target for c in partners[r]):
                out[r] = target
                break
