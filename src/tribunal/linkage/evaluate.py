"""Accuracy of a clustering against known truth: pairwise and B-cubed scores.

Pairwise precision/recall count record pairs placed together (Christen, *Data Matching*,
Springer 2012, ch. 7). B-cubed averages, per record, the precision and recall of the
cluster it sits in (Bagga & Baldwin, "Entity-based cross-document coreferencing using the
vector space model", COLING-ACL 1998), which weights every person equally rather than
every pair, so a few large clusters cannot dominate it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Scores:
    """Precision, recall and F1 of one kind (pairwise or B-cubed)."""

    precision: float
    recall: float
    f1: float

    def to_dict(self) -> dict[str, float]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1}


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def _pairs_within(sizes: np.ndarray) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise_scores(predicted: Iterable, truth: Iterable) -> Scores:
    """Pairwise precision, recall and F1 of ``predicted`` cluster labels against ``truth``.

    Both are sequences of labels, one per record, in the same record order. Counting uses
    cluster sizes (sum of n*(n-1)/2 over the cross-tabulation), so it is O(n) in memory
    and never enumerates pairs. With no true or no predicted pairs the corresponding
    ratio is defined as 1.0 (nothing to find / nothing claimed).
    """
    frame = pd.DataFrame({"p": list(predicted), "t": list(truth)})
    tp = _pairs_within(frame.groupby(["p", "t"]).size().to_numpy())
    pred_pairs = _pairs_within(frame.groupby("p").size().to_numpy())
    true_pairs = _pairs_within(frame.groupby("t").size().to_numpy())
    precision = tp / pred_pairs if pred_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    return Scores(precision, recall, _f1(precision, recall))


def bcubed_scores(predicted: Iterable, truth: Iterable) -> Scores:
    """B-cubed precision, recall and F1 (Bagga & Baldwin 1998).

    For each record r: precision_r = |C(r) ∩ T(r)| / |C(r)|, recall_r = |C(r) ∩ T(r)| / |T(r)|,
    averaged over records.
    """
    frame = pd.DataFrame({"p": list(predicted), "t": list(truth)})
    if frame.empty:
        return Scores(1.0, 1.0, 1.0)
    inter = frame.groupby(["p", "t"])["p"].transform("size").to_numpy(dtype=float)
    psize = frame.groupby("p")["p"].transform("size").to_numpy(dtype=float)
    tsize = frame.groupby("t")["t"].transform("size").to_numpy(dtype=float)
    precision = float(np.mean(inter / psize))
    recall = float(np.mean(inter / tsize))
    return Scores(precision, recall, _f1(precision, recall))


def pair_set_scores(
    predicted_pairs: set[tuple[str, str]], true_pairs: set[tuple[str, str]]
) -> Scores:
    """Precision, recall, F1 of a set of predicted links against true links.

    Pairs are normalised so that (a, b) and (b, a) are the same link.
    """

    def norm(pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
        return {(a, b) if a <= b else (b, a) for a, b in pairs}

    pred, true = norm(predicted_pairs), norm(true_pairs)
    tp = len(pred & true)
    precision = tp / len(pred) if pred else 1.0
    recall = tp / len(true) if true else 1.0
    return Scores(precision, recall, _f1(precision, recall))


@dataclass(frozen=True)
class ClusterEvaluation:
    """Scores of one clustering against truth, with the entity-count error."""

    n_records: int
    n_clusters: int
    n_true: int
    pairwise: Scores
    bcubed: Scores

    @property
    def count_error(self) -> float:
        """Relative error of the number of people found: (found - true) / true."""
        return (self.n_clusters - self.n_true) / self.n_true if self.n_true else 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "n_records": self.n_records,
            "n_clusters": self.n_clusters,
            "n_true": self.n_true,
            "count_error": self.count_error,
            "pairwise": self.pairwise.to_dict(),
            "bcubed": self.bcubed.to_dict(),
        }


def evaluate_clusters(predicted: Iterable, truth: Iterable) -> ClusterEvaluation:
    """Pairwise and B-cubed scores plus cluster counts of ``predicted`` against ``truth``."""
    pred, true = list(predicted), list(truth)
    if len(pred) != len(true):
        raise ValueError("predicted and truth must label the same records")
    return ClusterEvaluation(
        n_records=len(pred),
        n_clusters=len(set(pred)),
        n_true=len(set(true)),
        pairwise=pairwise_scores(pred, true),
        bcubed=bcubed_scores(pred, true),
    )
