"""From scored pairs to people, and from people to capture histories.

Records joined by a pair at or above the threshold are one person (connected components,
as Splink's own clustering does; Hopcroft & Tarjan, CACM 16(6), 1973); a record left alone
then joins its most probable person when that pair is more likely a match than not. A
person's capture
history has a 1 for every list holding at least one of their records. Because the choice of
threshold moves both the number of people and the overlaps, the tables are produced at
several thresholds (the *sensitivity band*), so an estimate can show how far linkage
uncertainty moves it (cf. Sadinle, "Detecting duplicates in a homicide registry using a
Bayesian partitioning approach", Annals of Applied Statistics 8(4), 2014, on propagating
linkage uncertainty into counts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import pyarrow as pa

DEFAULT_BAND: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95, 0.99)
# A second pass over a clustering: (labels in records order, threshold) -> labels, such as
# tribunal.linkage.assign's matching of lone records against whole people.
Refine = Callable[[np.ndarray, float], np.ndarray]


def connected_components(
    ids: Sequence[str] | pd.Series, left: Sequence[str], right: Sequence[str]
) -> np.ndarray:
    """Component label (0..k-1) for each id, given undirected edges ``left[i]-right[i]``."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components as cc

    index = pd.Index(ids)
    n = len(index)
    li = index.get_indexer(pd.Index(left))
    ri = index.get_indexer(pd.Index(right))
    ok = (li >= 0) & (ri >= 0)
    graph = coo_matrix((np.ones(int(ok.sum()), dtype=np.int8), (li[ok], ri[ok])), shape=(n, n))
    _, labels = cc(graph, directed=False)
    return labels


def apply_decisions(pairs: pd.DataFrame, decisions: pd.DataFrame | None) -> pd.DataFrame:
    """Overrule scored pairs with reviewed decisions: a reviewed match scores 1, a reviewed
    non-match 0; 'unsure' leaves the model's score. Reviewed pairs missing from ``pairs``
    are added."""
    if decisions is None or decisions.empty:
        return pairs
    dec = decisions[decisions["decision"].isin(["match", "non-match"])]
    if dec.empty:
        return pairs
    a = dec[["unique_id_l", "unique_id_r"]].min(axis=1)
    b = dec[["unique_id_l", "unique_id_r"]].max(axis=1)
    score = pd.Series(np.where(dec["decision"] == "match", 1.0, 0.0), index=dec.index)
    overrule = pd.DataFrame({"l": a.to_numpy(), "r": b.to_numpy(), "p": score.to_numpy()})
    base = pairs.copy()
    base["l"] = base[["unique_id_l", "unique_id_r"]].min(axis=1)
    base["r"] = base[["unique_id_l", "unique_id_r"]].max(axis=1)
    merged = base.merge(overrule, on=["l", "r"], how="outer")
    merged["match_probability"] = merged["p"].where(merged["p"].notna(),
                                                     merged["match_probability"])
    merged["unique_id_l"] = merged["l"]
    merged["unique_id_r"] = merged["r"]
    return merged.drop(columns=["l", "r", "p"])


# A record left alone at the threshold joins the person of its best partner when that pair
# is more likely a match than not (see cluster_labels).
ATTACH = 0.5
# Pairs at or above this probability always join; weaker pairs must be backed by others.
CORE = 0.99
# Share of the smaller group's records that must have a pair with the other group.
SUPPORT = 0.5


Edges = tuple[np.ndarray, np.ndarray, np.ndarray]


def pair_edges(records: pd.DataFrame, pairs: pd.DataFrame) -> Edges:
    """The scored pairs as record positions in ``records`` and probabilities, for
    :func:`cluster_labels` at several thresholds (looking the ids up once)."""
    return _edges(records["unique_id"], pairs)


def _edges(ids: pd.Series, pairs: pd.DataFrame) -> Edges:
    index = pd.Index(ids)
    li = index.get_indexer(pd.Index(pairs["unique_id_l"]))
    ri = index.get_indexer(pd.Index(pairs["unique_id_r"]))
    p = pairs["match_probability"].to_numpy(dtype=float)
    ok = (li >= 0) & (ri >= 0)
    return li[ok], ri[ok], p[ok]


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components as cc

    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    return cc(graph, directed=False)[1]


def cluster_labels(
    records: pd.DataFrame, pairs: pd.DataFrame, threshold: float,
    attach: float | None = ATTACH, core: float | None = CORE, support: float = SUPPORT,
    cannot_link: pd.DataFrame | None = None, edges: Edges | None = None,
) -> np.ndarray:
    """Integer person label per record at ``threshold`` (cheap; for counting); ``edges``
    are :func:`pair_edges` of ``records`` and ``pairs`` when already computed.

    Three steps. (1) Records joined by pairs scoring at least ``max(core, threshold)`` form
    groups (connected components). (2) Two groups are merged when the pairs between them
    scoring at least ``threshold`` number at least ``support`` times the records of the
    smaller group: plain connected components let one chance pair bridge two people of
    many records each, and the chains it builds grow with the list (the single-linkage
    chaining effect; Jain, Murty & Flynn, "Data clustering: a review", ACM Computing
    Surveys 31(3), 1999). Groups of one or two records need a single pair, so on lists
    with few records per person this is connected components. (3) Each record that is
    still alone joins the person of its best-scoring partner if that pair scores at least
    ``attach`` and the partner's person has two or more records: a record with missing
    fields rarely reaches a strict threshold, but it must be somebody, and assigning it to
    its most probable person when that is more likely than not (``attach`` = 0.5) is the
    record's maximum a posteriori choice between "this person" and "nobody else in the
    lists". Attached records join no one else, so they cannot chain two people.
    ``core=None, attach=None`` gives plain connected components at ``threshold``.

    ``cannot_link`` (pairs ``unique_id_l``, ``unique_id_r``; reviewed non-matches) are
    never put in one person, in any step (:mod:`tribunal.linkage.constraints`): step 1
    takes strong pairs by decreasing probability, step 2 group merges by decreasing share
    of the smaller group backed by pairs, step 3 attaches a lone record to the best
    person it may join.
    """
    return _cluster_labels(records, pairs, threshold, attach, core, support, cannot_link,
                           edges, _Shared())


@dataclass
class _Shared:
    """What clusterings of the same pairs at several thresholds compute once: the
    positions of the cannot-linked records, and step 1's groups per strict threshold (the
    same ``max(core, threshold)`` for every threshold below ``core``)."""

    cannot: tuple[np.ndarray, np.ndarray] | None = None
    cores: dict[float, np.ndarray] = field(default_factory=dict)


def _cluster_labels(
    records: pd.DataFrame, pairs: pd.DataFrame, threshold: float, attach: float | None,
    core: float | None, support: float, cannot_link: pd.DataFrame | None,
    edges: Edges | None, shared: _Shared,
) -> np.ndarray:
    from tribunal.linkage.constraints import (
        attach_allowed,
        constrained_components,
        index_pairs,
    )

    n = len(records)
    li, ri, p = edges if edges is not None else pair_edges(records, pairs)
    if shared.cannot is None:
        shared.cannot = index_pairs(records["unique_id"], cannot_link)
    ca, cb = shared.cannot
    strict = threshold if core is None else max(core, threshold)
    keep = p >= strict
    if strict not in shared.cores:  # never changed in place below: shared as it is
        shared.cores[strict] = (
            constrained_components(n, li[keep], ri[keep], p[keep], ca, cb) if len(ca)
            else _components(n, li[keep], ri[keep]))
    labels = shared.cores[strict]
    if strict > threshold:
        weak = (p >= threshold) & ~keep & (labels[li] != labels[ri])
        a, b = labels[li[weak]], labels[ri[weak]]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        if len(lo):
            links = pd.DataFrame({"lo": lo, "hi": hi}).value_counts().reset_index(name="n")
            size = np.bincount(labels)
            smaller = np.minimum(size[links["lo"]], size[links["hi"]])
            need = np.maximum(1, np.ceil(support * smaller))
            ok = links["n"].to_numpy() >= need
            glo, ghi = links["lo"].to_numpy()[ok], links["hi"].to_numpy()[ok]
            groups = (constrained_components(len(size), glo, ghi,
                                             links["n"].to_numpy()[ok] / smaller[ok],
                                             labels[ca], labels[cb]) if len(ca)
                      else _components(len(size), glo, ghi))
            labels = groups[labels]
    if attach is None or attach >= threshold or not len(p):
        return labels
    ok = (p >= attach) & (p < threshold)
    li, ri, p = li[ok], ri[ok], p[ok]
    size = np.bincount(labels)
    lone = np.concatenate([li, ri])
    other = np.concatenate([ri, li])
    score = np.concatenate([p, p])
    keep = (size[labels[lone]] == 1) & (size[labels[other]] > 1)
    lone, other, score = lone[keep], other[keep], score[keep]
    if not len(lone):
        return labels
    # best partner per lone record: sort by score descending, keep the first per record;
    # equal scores (records alike) go to the partner first in the records, whatever the
    # order in which the pairs came (it varies from run to run)
    order = np.lexsort((other, -score, lone))
    lone, other = lone[order], other[order]
    out = labels.copy()
    if len(ca):
        attach_allowed(out, labels, lone, other, score[order], ca, cb)
        return out
    first = np.r_[True, lone[1:] != lone[:-1]]
    out[lone[first]] = labels[other[first]]
    return out


def cluster(
    records: pd.DataFrame, pairs: pd.DataFrame, threshold: float,
    cannot_link: pd.DataFrame | None = None, refine: Refine | None = None,
    edges: Edges | None = None,
) -> pd.Series:
    """Person id (``P000001``...) for each record at ``threshold``, in ``records`` order.

    Person ids are numbered by first appearance so the same input gives the same ids.
    ``cannot_link`` pairs (reviewed non-matches) are never one person. ``refine`` is an
    optional second pass applied to the clustering (it must respect the same pairs).
    """
    ranks = person_ranks(records, pairs, threshold, cannot_link=cannot_link, refine=refine,
                         edges=edges)
    return pd.Series(person_ids(ranks), index=records.index, name="person_id")


def person_ranks(
    records: pd.DataFrame, pairs: pd.DataFrame, threshold: float,
    cannot_link: pd.DataFrame | None = None, refine: Refine | None = None,
    edges: Edges | None = None,
) -> np.ndarray:
    """The people of :func:`cluster` as integers: person ``k`` (0-based) is the ``k``-th
    to appear in ``records``, so ``person_ids`` of these are :func:`cluster`'s ids."""
    labels = cluster_labels(records, pairs, threshold, cannot_link=cannot_link, edges=edges)
    if refine is not None:
        labels = refine(labels, threshold)
    return first_appearance(labels)


def first_appearance(labels: np.ndarray | Sequence[object]) -> np.ndarray:
    """``labels`` numbered 0, 1, ... by first appearance (``pd.factorize``'s codes), as
    int64. Labels already so numbered (a sweep's output, numbered again) are returned after
    one linear check instead of a hash table of every label."""
    labels = np.asarray(labels)
    if labels.dtype.kind in "iu" and len(labels) and labels[0] == 0:
        # numbered by first appearance iff each label is at most one above all before it
        # (then every label not above them has been seen)
        seen = np.maximum.accumulate(labels)
        if (labels[1:] <= seen[:-1] + 1).all() and labels.min() >= 0:
            return labels.astype(np.int64, copy=False)
    return pd.factorize(labels)[0].astype(np.int64)


def _id_width(ranks: np.ndarray) -> int:
    return max(6, len(str(int(ranks.max()) + 1 if len(ranks) else 0)))


def person_ids(ranks: np.ndarray) -> list[str]:
    """``P000001``... for 0-based ranks (wider when there are more than a million)."""
    ranks = np.asarray(ranks)
    # one bound format over Python ints: half the time of an f-string per numpy integer
    return list(map(f"P{{:0{_id_width(ranks)}d}}".format, (ranks + 1).tolist()))


def person_id_array(ranks: np.ndarray) -> pa.Array:
    """:func:`person_ids` as an Arrow string array, formatted by Arrow's kernels (a
    tenth of the time of Python's format for a million people)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ranks = np.asarray(ranks, dtype=np.int64)
    digits = pc.cast(pa.array(ranks + 1), pa.string())
    return pc.binary_join_element_wise("P", pc.utf8_lpad(digits, _id_width(ranks), "0"), "")


# Up to this many lists capture patterns are found a list at a time (a pass per list).
_FEW_LISTS = 8


def capture_history(
    records: pd.DataFrame, person: pd.Series, lists: Sequence[str] | None = None
) -> pd.DataFrame:
    """Capture-history table: one 0/1 column per list and ``count`` (people per pattern).

    ``lists`` fixes the column order (default: order of first appearance in ``records``).
    """
    lists = list(lists) if lists is not None else list(pd.unique(records["source"]))
    j = len(lists)
    src = pd.Categorical(records["source"], categories=lists).codes.astype(np.int64)
    pid = _dense(person.to_numpy())
    # Each person's pattern as a bit mask (list 0 = most significant bit), then count masks.
    masks = np.zeros(pid.max() + 1 if len(pid) else 0, dtype=np.int64)
    if j <= _FEW_LISTS:
        # per list, who has a record in it: a count per person, faster than ufunc.at
        for k in range(-1, j):  # -1: a list outside ``lists``, bit j
            has = np.bincount(pid[src == k], minlength=len(masks)) > 0
            masks |= has.astype(np.int64) << (j - 1 - k)
    else:
        np.bitwise_or.at(masks, pid, np.left_shift(1, (j - 1 - src)).astype(np.int64))
    # every person's mask has a bit (a list outside ``lists`` sets bit j): a label no
    # record carries keeps 0 and is no person
    values, counts = np.unique(masks[masks != 0], return_counts=True)
    patterns = (values[:, None] >> np.arange(j - 1, -1, -1)) & 1
    table = pd.DataFrame(patterns, columns=lists)
    table["count"] = counts
    return table.sort_values(lists, ascending=False).reset_index(drop=True)


def _dense(labels: np.ndarray) -> np.ndarray:
    """Labels as integers in [0, k) for k not much above the number of labels: integer
    labels of that range as they are (a clustering's), others numbered by factorize."""
    if (labels.dtype.kind in "iu" and len(labels)
            and labels.min() >= 0 and labels.max() < 2 * len(labels)):
        return labels.astype(np.int64, copy=False)
    return pd.factorize(labels)[0]


@dataclass(frozen=True)
class BandRow:
    """People and capture table at one threshold."""

    threshold: float
    n_people: int
    table: pd.DataFrame

    def to_dict(self) -> dict[str, object]:
        return {"threshold": self.threshold, "n_people": self.n_people,
                "table": self.table.to_dict(orient="records")}


def sensitivity_band(
    records: pd.DataFrame,
    pairs: pd.DataFrame,
    thresholds: Sequence[float] = DEFAULT_BAND,
    lists: Sequence[str] | None = None,
    cannot_link: pd.DataFrame | None = None,
    refine: Refine | None = None, edges: Edges | None = None,
    known: Mapping[float, pd.Series] | None = None,
) -> list[BandRow]:
    """Capture-history tables and people counts at each threshold (``refine``: an
    optional second pass applied to each clustering; ``edges``: :func:`pair_edges`;
    ``known``: people already found at some thresholds, by :func:`cluster` with the same
    ``refine`` and ``cannot_link``, taken as they are rather than clustered again)."""
    out = []
    edges = edges if edges is not None else pair_edges(records, pairs)
    known = known or {}
    shared = _Shared()
    for t in sorted(set(thresholds)):
        if t in known:
            labels = known[t]
        else:
            lab = _cluster_labels(records, pairs, t, ATTACH, CORE, SUPPORT, cannot_link,
                                  edges, shared)
            labels = pd.Series(lab if refine is None else refine(lab, t))
        table = capture_history(records, labels, lists)
        # one count per person and pattern: their sum is the number of people
        out.append(BandRow(float(t), int(table["count"].sum()), table))
    return out
