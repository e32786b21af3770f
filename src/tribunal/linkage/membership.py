"""Withholding who is in a protected list: the per-record outputs keep public records only.

Withholding a protected list's names and dates is not enough: a row saying that
``registry:21`` and ``E-...:8`` are one person tells whoever holds the public registry who
is on the witness list. Unless the run is told ``--include-protected``, the per-record
outputs (``clusters.csv``, ``pairs.parquet``, ``review_queue.csv``) therefore hold no
record of a protected list and nothing derived from one; the counts by capture pattern
(``capture_history.csv``, ``band/``, ``sensitivity.csv``) stay complete.

Person ids are numbered by first appearance over all records (:func:`cluster`), so a public
record's id would say whether its person was first seen in a protected list; the public
rows are numbered again by first appearance among themselves. What remains visible is
stated in docs/linkage.md (a protected record that joins two public records into one
person still joins them).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import pyarrow as pa

from tribunal.linkage.capture import person_ids


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
