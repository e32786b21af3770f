"""Withholding who is in a protected list: the per-record outputs keep public records only.

Withholding a protected list's names and dates is not enough: a row saying that
``registry:21`` and ``E-...:8`` are one person tells whoever holds the public registry who
is on the witness list. Unless the run is told ``--include-protected``, the per-record
outputs (``clusters.csv``, ``pairs.parquet``, ``review_queue.csv``) therefore hold no
record of a protected list and nothing derived from one; the counts by capture pattern
(``capture_history.csv``, ``band/``, ``sensitivity.csv``) stay complete.

Nor is leaving the protected rows out of the full clustering enough: a protected record
that joins two public records into one person would still show them as one, telling
whoever links the public lists alone that some protected record bridges them. The public
records are therefore clustered again on their own (:func:`public_clusters`: the pairs
between two public records, the same threshold, reviewed non-matches and second pass),
as if the protected lists had not been given; the counts still come from the full
clustering. Person ids are numbered by first appearance among the public records, so no
id says whether its person was first seen in a protected list. What remains visible is
stated in docs/linkage.md.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from tribunal.linkage.capture import Refine, person_ids, person_ranks


@dataclass
class Membership:
    """The per-record outputs with protected records left out, and what was left out."""

    clusters: pd.DataFrame | pa.Table
    pairs: pd.DataFrame
    withheld: list[str] = field(default_factory=list)
    n_review_withheld: int = 0


def protected_ids(records: pd.DataFrame, protected: Collection[str]) -> pd.Index:
    """Record ids of the protected lists' records."""
    return pd.Index(records.loc[records["source"].isin(list(protected)), "unique_id"])


def without_protected_pairs(pairs: pd.DataFrame, hidden: pd.Index) -> pd.DataFrame:
    """``pairs`` (any frame with ``unique_id_l``/``unique_id_r``) without a pair touching a
    record in ``hidden``."""
    if pairs.empty or not len(hidden):
        return pairs
    touch = pairs["unique_id_l"].isin(hidden) | pairs["unique_id_r"].isin(hidden)
    return pairs[~touch].reset_index(drop=True)


def withhold_membership(
    clusters: pd.DataFrame | pa.Table, pairs: pd.DataFrame, hidden: pd.Index
) -> Membership:
    """``clusters`` (record -> ``person_id``, in record order; pandas or Arrow) and scored
    ``pairs`` without the records in ``hidden``; the remaining people are numbered again
    (``P000001``...) by first appearance among the remaining records, so no id depends on
    a hidden record. With nothing hidden both come back as they are."""
    if not len(hidden):
        return Membership(clusters, pairs)
    if not isinstance(clusters, pd.DataFrame):
        clusters = clusters.to_pandas()
    public = clusters[~clusters["unique_id"].isin(hidden)].reset_index(drop=True)
    public["person_id"] = person_ids(pd.factorize(public["person_id"])[0])
    kept = without_protected_pairs(pairs, hidden)
    return Membership(public, kept, ["clusters.csv", "pairs.parquet"])


def public_clusters(records: pd.DataFrame, ids: pa.Table, pairs: pd.DataFrame,
                    hidden: pd.Index, threshold: float, item_of: Mapping[str, str], *,
                    cannot_link: pd.DataFrame | None = None,
                    refiner: Callable[[pd.Series], Refine] | None = None) -> pa.Table:
    """``clusters.csv``'s rows (:func:`tribunal.linkage.outputs.clusters_table`) of the
    records not in ``hidden``, clustered on their own: by the scored ``pairs`` between two
    of them at ``threshold``, with ``cannot_link`` and the second pass ``refiner(ids)``
    makes for their ids. ``records`` and ``ids`` are every record in the same order (as
    :func:`tribunal.linkage.outputs.record_ids` reads them)."""
    from tribunal.linkage.outputs import clusters_table

    public = ~records["unique_id"].isin(hidden).to_numpy()
    kept = records[public].reset_index(drop=True)
    refine = refiner(kept["unique_id"]) if refiner is not None else None
    ranks = person_ranks(kept, without_protected_pairs(pairs, hidden), threshold,
                         cannot_link=cannot_link, refine=refine)
    return clusters_table(ids.filter(pa.array(public)), ranks, item_of)
