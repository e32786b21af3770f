"""Clerical review: pairs near the threshold, human decisions, and what they say about accuracy.

The model is least sure about pairs whose match weight is close to the threshold's, so those
are shown first (uncertainty sampling; Sariyar, Borg & Pommerening, "Active learning
strategies for the deduplication of electronic patient data using classification trees",
J. Biomed. Inform. 45(5), 2012). Decisions ("match", "non-match", "unsure") are appended to
a CSV with who decided and when; the latest decision on a pair wins. They are fed back as
labels for training, as overrides when clustering, and as an accuracy estimate.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tribunal.errors import InputError

DECISIONS = ("match", "non-match", "unsure")
DECISION_COLUMNS = ("unique_id_l", "unique_id_r", "decision", "reviewer", "decided_at", "note")
SHOW_COLUMNS = ("source", "row", "name", "sex", "birth_date", "birth_ym", "birth_year",
                "place_leaf", "id_number")


def _weight(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log2(p / (1 - p))


def _probability(weight: float) -> float:
    """The probability of a match weight in bits (the inverse of :func:`_weight`)."""
    return 1 / (1 + 2.0 ** -weight) if weight > -1000 else 0.0


def review_queue(
    pairs: pd.DataFrame,
    records: pd.DataFrame,
    threshold: float,
    *,
    limit: int = 200,
    decisions: pd.DataFrame | None = None,
    width: float = 3.0,
) -> pd.DataFrame:
    """Pairs whose match weight lies within ``width`` bits of the threshold's, closest first,
    with both records side by side (``*_l`` / ``*_r``). Already decided pairs are left out.
    """
    if pairs.empty:
        return pd.DataFrame()
    near = queue_pairs(pairs, threshold, limit=limit, decisions=decisions, width=width)
    return side_by_side(near, records)


def queue_pairs(
    pairs: pd.DataFrame,
    threshold: float,
    *,
    limit: int = 200,
    decisions: pd.DataFrame | None = None,
    width: float = 3.0,
) -> pd.DataFrame:
    """The pairs of :func:`review_queue` (``unique_id_l``, ``unique_id_r``,
    ``match_probability``, ``distance`` in bits), without the records: a run reads the
    records of these pairs alone."""
    if pairs.empty:
        return pairs.assign(distance=pd.Series(dtype=float))
    target = _weight(threshold)
    # weights are monotone in the probability: the pairs between the probabilities of
    # the band's edges (a millionth of a bit wider, for rounding) are the only ones to weigh
    lo, hi = (_probability(target - width - 1e-6), _probability(target + width + 1e-6))
    weights = pairs["match_probability"].clip(1e-12, 1 - 1e-12)
    inside = (weights >= lo) & (weights <= hi)
    pairs, weights = pairs[inside], weights[inside]
    w = (weights / (1 - weights)).map(math.log2)
    near = pairs.assign(distance=(w - target).abs())
    near = near[near["distance"] <= width]
    if decisions is not None and not decisions.empty:
        done = set(zip(decisions["unique_id_l"], decisions["unique_id_r"], strict=True))
        done |= {(b, a) for a, b in done}
        keep = [(a, b) not in done for a, b in zip(near["unique_id_l"], near["unique_id_r"],
                                                   strict=True)]
        near = near[pd.Series(keep, index=near.index, dtype=bool)]  # [] would drop columns
    if len(near) > limit > 0:
        # the queue ends at the limit-th distance: only pairs up to it need ordering by id
        last = np.partition(near["distance"].to_numpy(), limit - 1)[limit - 1]
        near = near[near["distance"] <= last]
    # ties (pairs alike) in record id order, so the queue is the same on every run
    return near.sort_values(["distance", "unique_id_l", "unique_id_r"],
                            kind="stable").head(limit)


def side_by_side(near: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """The pairs of :func:`queue_pairs` with both records' fields (``*_l`` / ``*_r``) from
    ``records`` (``unique_id`` and any of :data:`SHOW_COLUMNS` and ``attr_*``)."""
    cols = [c for c in SHOW_COLUMNS if c in records.columns]
    cols += [c for c in records.columns if c.startswith("attr_")]  # postcode, address ...
    info = records.set_index("unique_id")[cols]
    left = info.add_suffix("_l").reindex(near["unique_id_l"]).reset_index(drop=True)
    right = info.add_suffix("_r").reindex(near["unique_id_r"]).reset_index(drop=True)
    base = near[["unique_id_l", "unique_id_r", "match_probability"]].reset_index(drop=True)
    return pd.concat([base, left, right], axis=1)


# A cell starting with one of these is a formula to a spreadsheet program (=HYPERLINK(...)
# exfiltrates, =cmd|... runs a program); tab and CR do the same after some CSV importers
# strip them. OWASP, "CSV Injection": prefix such a cell with an apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ID_COLUMNS = ("unique_id", "source", "row")


def spreadsheet_safe(queue: pd.DataFrame) -> pd.DataFrame:
    """The review queue with every record value that a spreadsheet would run as a formula
    prefixed by ``'`` (shown as text). Record ids, list names and rows stay as they are, so
    decisions still name the records; names and places come from the lists, which anyone
    may have written."""
    out = queue.copy()
    for col in out.columns:
        base = col[:-2] if col.endswith(("_l", "_r")) else None
        if base is None or base in _ID_COLUMNS or out[col].dtype != object:
            continue
        text = out[col].astype(object)
        risky = text.map(lambda v: isinstance(v, str) and v.startswith(_FORMULA_START))
        out[col] = text.where(~risky, "'" + text.astype(str))
    return out


def record_decision(
    path: str | Path,
    unique_id_l: str,
    unique_id_r: str,
    decision: str,
    reviewer: str,
    note: str = "",
    *,
    when: dt.datetime | None = None,
) -> dict[str, str]:
    """Append one decision to the decisions CSV (created with a header if new)."""
    if decision not in DECISIONS:
        raise InputError(f"unknown decision {decision!r}", hint=f"use one of {', '.join(DECISIONS)}")
    if not reviewer.strip():
        raise InputError("a decision needs the reviewer's name", hint="pass --reviewer NAME")
    if unique_id_l == unique_id_r:
        raise InputError("a record cannot be reviewed against itself")
    path = Path(path)
    stamp = (when or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    row = {"unique_id_l": unique_id_l, "unique_id_r": unique_id_r, "decision": decision,
           "reviewer": reviewer.strip(), "decided_at": stamp, "note": note}
    new = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=DECISION_COLUMNS)
        if new:
            writer.writeheader()
        writer.writerow(row)
    return row


def load_decisions(path: str | Path | None) -> pd.DataFrame:
    """Decisions from a CSV, latest per (unordered) pair; empty frame if no file."""
    if path is None or not Path(path).exists():
        return pd.DataFrame(columns=list(DECISION_COLUMNS))
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in DECISION_COLUMNS[:3] if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: not a decisions file (missing {', '.join(missing)})")
    bad = frame[~frame["decision"].isin(DECISIONS)]
    if not bad.empty:
        raise InputError(f"{path}: unknown decision {bad['decision'].iloc[0]!r}",
                         hint=f"use one of {', '.join(DECISIONS)}")
    lo = frame[["unique_id_l", "unique_id_r"]].min(axis=1)
    hi = frame[["unique_id_l", "unique_id_r"]].max(axis=1)
    frame = frame.assign(unique_id_l=lo, unique_id_r=hi)
    return frame.drop_duplicates(["unique_id_l", "unique_id_r"], keep="last").reset_index(
        drop=True)


def decisions_as_labels(decisions: pd.DataFrame) -> pd.DataFrame:
    """Decided pairs as Splink labels (``clerical_match_score`` 1 or 0; unsure left out)."""
    dec = decisions[decisions["decision"].isin(["match", "non-match"])]
    return pd.DataFrame({
        "unique_id_l": dec["unique_id_l"].to_numpy(),
        "unique_id_r": dec["unique_id_r"].to_numpy(),
        "clerical_match_score": (dec["decision"] == "match").astype(float).to_numpy(),
    })


@dataclass(frozen=True)
class ReviewAccuracy:
    """What the reviewed pairs say about the model at a threshold.

    ``precision`` is the share of reviewed pairs the model accepted that reviewers called
    matches; ``missed_rate`` the share of reviewed pairs the model rejected that were
    matches. Reviewed pairs are chosen near the threshold, so these describe the uncertain
    zone (a pessimistic bound), not all pairs.
    """

    threshold: float
    n_reviewed: int
    n_accepted: int
    precision: float | None
    n_rejected: int
    missed_rate: float | None

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


def review_accuracy(
    pairs: pd.DataFrame, decisions: pd.DataFrame, threshold: float
) -> ReviewAccuracy:
    """Agreement between model decisions at ``threshold`` and reviewed decisions."""
    dec = decisions[decisions["decision"].isin(["match", "non-match"])]
    p = pairs.assign(
        l=pairs[["unique_id_l", "unique_id_r"]].min(axis=1),
        r=pairs[["unique_id_l", "unique_id_r"]].max(axis=1),
    )[["l", "r", "match_probability"]]
    merged = dec.merge(p, left_on=["unique_id_l", "unique_id_r"], right_on=["l", "r"],
                       how="left")
    merged["match_probability"] = merged["match_probability"].fillna(0.0)
    accepted = merged[merged["match_probability"] >= threshold]
    rejected = merged[merged["match_probability"] < threshold]
    return ReviewAccuracy(
        threshold=threshold,
        n_reviewed=len(merged),
        n_accepted=len(accepted),
        precision=float((accepted["decision"] == "match").mean()) if len(accepted) else None,
        n_rejected=len(rejected),
        missed_rate=float((rejected["decision"] == "match").mean()) if len(rejected) else None,
    )
