"""One comparison of the candidate pairs, re-scored per round, equals a fresh prediction
per round (tribunal.linkage.rescore, scoring.predict_calibrated)."""

import duckdb
import numpy as np
import pandas as pd
import pytest

from tribunal.linkage.mapping import recognise
from tribunal.linkage.model import ModelOptions, present_columns, train
from tribunal.linkage.records import standardise
from tribunal.linkage.rescore import CandidateVectors
from tribunal.linkage.scoring import calibrate_prior, predict, predict_calibrated
from tribunal.linkage.synth import make_lists


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    lists, _truth = make_lists(150, seed=11)
    return pd.concat([standardise(f, recognise(list(f.columns)), n) for n, f in lists.items()],
                     ignore_index=True)


def _trained(records: pd.DataFrame):
    from splink import DuckDBAPI

    options = ModelOptions(u_max_pairs=5e4, u_chunks=2, em_iterations=8)
    model = train(DuckDBAPI(duckdb.connect()), records, present_columns(records), options)
    # A prior well below the scored pairs' share, so that the rounds raise it (on these
    # small lists the rule-based estimate is already high).
    model.linker._settings_obj._probability_two_random_records_match /= 50
    return model


def _joined(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    return a.merge(b, on=["unique_id_l", "unique_id_r"], how="outer", suffixes=("_a", "_b"),
                   indicator=True)


def test_one_comparison_equals_fresh_predictions(records):
    n = len(records)
    fresh = _trained(records)
    calibrate_prior(fresh, n, rounds=2)
    expected = predict(fresh, 0.05)
    once = _trained(records)
    got = predict_calibrated(once, n, 0.05, rounds=2)
    prior_fresh = fresh.linker._settings_obj._probability_two_random_records_match
    prior_once = once.linker._settings_obj._probability_two_random_records_match
    # the rounds did something, or the test would compare two untouched models
    assert any("prior match probability" in note for note in once.notes)
    assert any("name term frequencies" in note for note in once.notes)
    assert prior_once == pytest.approx(prior_fresh, rel=1e-9)
    both = _joined(expected, got)
    assert (both["_merge"] == "both").all(), both["_merge"].value_counts()
    assert np.allclose(both["match_weight_a"], both["match_weight_b"], atol=1e-9)
    assert np.allclose(both["match_probability_a"], both["match_probability_b"], atol=1e-12)
    assert list(got.columns) == ["unique_id_l", "unique_id_r", "match_probability",
                                 "match_weight"]


def test_rescoring_follows_new_frequency_tables(records):
    """Registering another frequency table and raising the prior changes a re-scoring
    exactly as it changes a fresh prediction."""
    model = _trained(records)
    linker = model.linker
    vectors = CandidateVectors(linker, model.table, ["name_key"])
    try:
        assert len(vectors) > 0
        tf = linker.table_management.compute_tf_table("name_key").as_pandas_dataframe()
        tf["tf_name_key"] = tf["tf_name_key"] / 7.0  # every name key rarer
        linker.table_management.register_term_frequency_lookup(
            linker._db_api.register(tf), "name_key")
        linker._settings_obj._probability_two_random_records_match *= 3
        scored = vectors.score(0.01)
        got = scored.as_pandas_dataframe()
        scored.drop_table_from_database_and_remove_from_cache()
    finally:
        vectors.drop()
    expected = predict(model, 0.01)
    both = _joined(expected, got)
    assert (both["_merge"] == "both").all(), both["_merge"].value_counts()
    assert np.allclose(both["match_weight_a"], both["match_weight_b"], atol=1e-9)


def test_frequency_sql_quotes_for_the_backend():
    """Spark reads "name_key" as a string literal: its identifiers take backticks."""
    from tribunal.linkage.frequencies import person_frequency_sql

    spark = person_frequency_sql("records", "pairs", "name_key", "spark")
    assert "`name_key`" in spark and '"name_key"' not in spark
    assert '"name_key"' in person_frequency_sql("records", "pairs", "name_key")
