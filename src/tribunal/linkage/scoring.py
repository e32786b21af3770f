"""Scoring the candidate pairs: the final scored pairs, and the calibration rounds before
them that re-estimate the prior match probability and the name term frequencies from the
pairs' expected matches (Winkler 1988; :mod:`tribunal.linkage.frequencies`), from one
comparison of the pairs (:mod:`tribunal.linkage.rescore`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from tribunal.linkage.model import NAME_TF_COLUMNS, TrainedModel


def predict(model: TrainedModel, floor: float) -> pd.DataFrame:
    """Scored candidate pairs with match probability >= ``floor`` as a pandas frame."""
    pred = model.linker.inference.predict(threshold_match_probability=floor)
    frame = pred.as_pandas_dataframe()
    keep = ["unique_id_l", "unique_id_r", "match_probability", "match_weight"]
    return frame[[c for c in keep if c in frame.columns]]


def _frame(scored: Any) -> pd.DataFrame:
    """A scored-pairs Splink data frame as pandas in a fixed order (not the engine's, which
    varies with threads), so that ties between equally scored partners resolve the same
    way in every run."""
    keep = ["unique_id_l", "unique_id_r", "match_probability", "match_weight"]
    if hasattr(scored, "as_duckdbpyrelation"):
        # DuckDB sorts strings by their bytes, which in UTF-8 is the order of code points,
        # Python's order: the same rows in the same order as the pandas sort below,
        # sorted in parallel and without a second copy
        return scored.as_duckdbpyrelation().select(", ".join(keep)).order(
            "unique_id_l, unique_id_r").df()
    frame = scored.as_pandas_dataframe()
    return frame[keep].sort_values(["unique_id_l", "unique_id_r"], kind="stable",
                                   ignore_index=True)


def predict_calibrated(model: TrainedModel, n_records: int, floor: float,
                       rounds: int = 2) -> pd.DataFrame:
    """:func:`calibrate_prior` for ``rounds`` rounds, then the scored pairs with match
    probability >= ``floor`` (as :func:`predict`), all from one comparison of the candidate
    pairs (:class:`tribunal.linkage.rescore.CandidateVectors`).

    Each round re-scores the kept comparison vectors with the current prior and name term
    frequencies, which equals a fresh prediction: the comparisons are computed once instead
    of once per round plus once for the result. On backends other than DuckDB each round
    predicts afresh.
    """
    from tribunal.linkage.rescore import CandidateVectors

    if model.linker._sql_dialect_str != "duckdb":
        # On Spark each re-scoring would extend one query plan (the kept vectors are not
        # a table Splink cuts the lineage at): score afresh per round there.
        if rounds > 0:
            calibrate_prior(model, n_records, rounds)
        return _taken(model.linker.inference.predict(threshold_match_probability=floor))
    vectors = CandidateVectors(model.linker, model.table, _name_tf_columns(model))
    try:
        if rounds > 0:
            # the rounds read pairs and records by number: no id is looked up for them
            _calibrate(model, n_records, rounds, vectors.score_numbers,
                       records=(vectors.numbered, "__rid"))
        return _taken(vectors.score(floor))
    finally:
        vectors.drop()


def _taken(scored: Any) -> pd.DataFrame:
    """:func:`_frame` of ``scored``, whose table is then dropped."""
    try:
        return _frame(scored)
    finally:
        scored.drop_table_from_database_and_remove_from_cache()


def _name_tf_columns(model: TrainedModel) -> list[str]:
    if model.table is None:
        return []
    settings = model.linker._settings_obj
    return sorted({c.unquote().name for c in settings._term_frequency_columns}
                  & set(NAME_TF_COLUMNS))


# Pairs below this match probability are not counted as expected matches.
_COUNT_FLOOR = 0.001


def _calibrate(model: TrainedModel, n_records: int, rounds: int,
               score: Callable[[float], Any],
               records: tuple[Any, str] | None = None) -> float:
    """The rounds of :func:`calibrate_prior`; ``score(floor)`` gives the pairs scored with
    the model's current prior and frequency tables as a Splink data frame; ``records`` the
    records the pairs name and their id column (default: the model's table by
    ``unique_id``)."""
    from tribunal.linkage.frequencies import reweight_term_frequencies
    from tribunal.linkage.repeatable import exact_sum_sql

    settings = model.linker._settings_obj
    prior = settings._probability_two_random_records_match
    total = n_records * (n_records - 1) / 2
    if total <= 0:
        return prior
    tf_columns = _name_tf_columns(model)
    for _ in range(rounds):
        scored = score(_COUNT_FLOOR)
        expected = float(model.linker.misc.query_sql(
            f"select coalesce({exact_sum_sql('match_probability')}, 0) as s "
            f"from {scored.physical_name}", output_type="pandas")["s"].iloc[0])
        if tf_columns:
            table, uid = records or (model.table, "unique_id")
            reweight_term_frequencies(model.linker, table, scored, tf_columns, uid)
        scored.drop_table_from_database_and_remove_from_cache()
        new = min(expected / total, prior * 10, 0.5)
        if new <= prior:
            continue
        settings._probability_two_random_records_match = new
        model.notes.append(f"prior match probability {prior:.3g} -> {new:.3g} "
                           "(expected matches among scored pairs)")
        prior = new
    if tf_columns:
        model.notes.append("name term frequencies counted over other people: "
                           + ", ".join(tf_columns))
    return settings._probability_two_random_records_match


def calibrate_prior(model: TrainedModel, n_records: int, rounds: int = 2) -> float:
    """Re-estimate the prior match probability as the expected number of matches among
    the scored pairs divided by all pairs, and the name term frequencies as frequencies
    among other people (:mod:`tribunal.linkage.frequencies`); repeat ``rounds`` times (a
    fixed-point iteration). Each round runs a fresh prediction; :func:`predict_calibrated`
    does the same from one comparison of the pairs.

    The rule-based estimate assumes a recall for its deterministic rules that is often
    wrong by a factor of two or more when names vary; the expected count sum(p) is what EM
    itself would use (Winkler 1988). Matches outside the blocking are not counted and true
    matches score below 1, so this estimate errs low too: the prior is therefore only ever
    raised (the larger of the two low estimates), by at most a factor of 10 per round.
    """
    return _calibrate(model, n_records, rounds,
                      lambda floor: model.linker.inference.predict(
                          threshold_match_probability=floor))
