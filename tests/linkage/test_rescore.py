"""One comparison of the candidate pairs, re-scored per round, equals a fresh prediction
per round (tribunal.linkage.rescore, scoring.predict_calibrated)."""

import duckdb
import numpy as np
import pandas as pd
import pytest
from splink import block_on

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


@pytest.mark.parametrize(("rules", "direct"), [
    # a rule on a column no comparison reads, one with a function, and a third rule
    (lambda: [block_on("sex"), block_on("birth_year", "substr(name_key, 1, 1)"),
              "l.place_leaf = r.place_leaf and l.name_key <> r.name_key"], True),
    (lambda: [], True),  # no rule: every pair
    (lambda: [block_on("name_tokens", arrays_to_explode=["name_tokens"])], False),
])
def test_pairs_joined_from_the_records_equal_splinks_blocking(records, rules, direct,
                                                             scored_pairs):
    """The candidate pairs joined straight from the numbered records (plain rules) and
    those from Splink's blocking SQL (exploding rules) both equal Splink's own predictions:
    the same pairs, ids on the same sides, the same weights."""
    small = records.iloc[:120] if not rules() else records
    options = ModelOptions(u_max_pairs=5e4, u_chunks=2, em_iterations=8, blocking=rules())
    from splink import DuckDBAPI

    model = train(DuckDBAPI(duckdb.connect()), small, present_columns(small), options)
    vectors = CandidateVectors(model.linker, model.table, ["name_key"])
    try:
        assert bool(vectors._rules) is direct
        got = scored_pairs(vectors, 0.0)
    finally:
        vectors.drop()
    expected = predict(model, 0.0)
    assert len(expected) > 50 and len(got) == len(expected)
    both = _joined(expected, got)
    assert (both["_merge"] == "both").all(), both["_merge"].value_counts()
    assert np.allclose(both["match_weight_a"], both["match_weight_b"], atol=1e-9)


def test_rescoring_follows_new_frequency_tables(records, scored_pairs):
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
        got = scored_pairs(vectors, 0.01)
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


def test_frame_sorted_by_the_database_as_by_pandas():
    """The scored pairs come out in the order pandas' sort gives, ids with characters
    beyond ASCII included (ties between equal scores resolve by this order)."""
    from splink import DuckDBAPI

    from tribunal.linkage.scoring import _frame

    rng = np.random.default_rng(3)
    ids = ["a:10", "a:9", "a:1", "Z:2", "王:1", "é:3", "e:3", "a", "ａ:1", "😀:1"]
    left = rng.choice(ids, size=300)
    right = rng.choice(ids, size=300)
    pairs = pd.DataFrame({"unique_id_l": left, "unique_id_r": right,
                          "match_weight": rng.normal(size=300)})
    pairs = pairs.drop_duplicates(["unique_id_l", "unique_id_r"], ignore_index=True)
    pairs["match_probability"] = rng.random(len(pairs))
    scored = DuckDBAPI(duckdb.connect()).register(pairs)
    got = _frame(scored)
    expected = pairs[["unique_id_l", "unique_id_r", "match_probability", "match_weight"]]
    expected = expected.sort_values(["unique_id_l", "unique_id_r"], kind="stable",
                                    ignore_index=True)
    pd.testing.assert_frame_equal(got, expected)


def test_frequencies_from_pairs_by_number_equal_those_by_id(records):
    """A calibration round reads pairs and records by number: the name frequencies it
    gives equal those from the same pairs by record id."""
    from tribunal.linkage.frequencies import person_frequency_sql

    model = _trained(records)
    linker = model.linker
    vectors = CandidateVectors(linker, model.table, ["name_key"])
    try:
        assert vectors._fixed  # the other frequencies are kept in the vectors
        by_id, by_number = vectors.score(0.001), vectors.score_numbers(0.001)
        try:
            def frequencies(recs: str, pairs: str, uid: str) -> pd.DataFrame:
                sql = person_frequency_sql(recs, pairs, "name_key", uid=uid)
                return linker.misc.query_sql(sql, output_type="pandas").sort_values(
                    "name_key", ignore_index=True)

            a = frequencies(model.table.physical_name, by_id.physical_name, "unique_id")
            b = frequencies(vectors.numbered.physical_name, by_number.physical_name, "__rid")
        finally:
            by_id.drop_table_from_database_and_remove_from_cache()
            by_number.drop_table_from_database_and_remove_from_cache()
    finally:
        vectors.drop()
    assert len(a) > 10 and (a["tf_name_key"] < a["tf_name_key"].max()).any()
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("floor", [0.001, 0.05, 0.5, 0.95])
def test_scoring_only_reachable_patterns_equals_scoring_all(records, floor):
    """Pairs of comparison patterns whose bound lies below the floor are skipped; the
    scored pairs are exactly those of a fresh Splink prediction, also after the name
    frequencies changed (rarer names lift pairs above the bound made with the old ones)."""
    from tribunal.linkage.reachable import reachable_patterns

    model = _trained(records)
    linker = model.linker
    vectors = CandidateVectors(linker, model.table, ["name_key"])
    try:
        got = []
        for divide in (1.0, 40.0):
            if divide != 1.0:
                tf = linker.table_management.compute_tf_table("name_key").as_pandas_dataframe()
                tf["tf_name_key"] = tf["tf_name_key"] / divide
                linker.table_management.register_term_frequency_lookup(
                    linker._db_api.register(tf), "name_key")
            skipped = vectors._reachable(floor)
            assert skipped is not None  # some pattern cannot reach the floor
            kept = len(skipped.as_pandas_dataframe())
            skipped.drop_table_from_database_and_remove_from_cache()
            assert 0 < kept < vectors._n_patterns
            scored = vectors.score(floor)
            got.append((scored.as_pandas_dataframe(), predict(model, floor)))
            scored.drop_table_from_database_and_remove_from_cache()
        # a floor no pair can miss keeps every pattern
        assert reachable_patterns(linker, vectors._patterns, vectors._n_patterns,
                                  vectors._kept, [], 0.0) is None
    finally:
        vectors.drop()
    for mine, fresh in got:
        assert len(mine) == len(fresh) > 0
        both = _joined(fresh, mine)
        assert (both["_merge"] == "both").all(), both["_merge"].value_counts()
        assert np.allclose(both["match_weight_a"], both["match_weight_b"], atol=1e-9)


def test_pattern_bounds_hold_every_pair_of_the_pattern(records):
    """No pair scores above its pattern's bound, with the name frequencies as estimated
    and after they changed; and the bound is reached by some pattern (it is not loose)."""
    from tribunal.linkage.reachable import pattern_bounds

    model = _trained(records)
    linker = model.linker
    vectors = CandidateVectors(linker, model.table, ["name_key"])
    try:
        vectors._reachable(0.5)  # makes the patterns table
        P, V = vectors._patterns.physical_name, vectors.vectors.physical_name
        on = " and ".join(f'p."{c}" = v."{c}"' for c in vectors._kept)
        for divide in (1.0, 0.2, 40.0):
            if divide != 1.0:
                tf = linker.table_management.compute_tf_table("name_key").as_pandas_dataframe()
                tf["tf_name_key"] = tf["tf_name_key"] / divide
                linker.table_management.register_term_frequency_lookup(
                    linker._db_api.register(tf), "name_key")
            frequencies = [*((c, vectors._keys) for c in vectors._fixed),
                           *((c, linker.table_management.compute_tf_table(c))
                             for c in vectors._looked_up)]
            bounds = pattern_bounds(linker, vectors._patterns, vectors._n_patterns,
                                    vectors._kept, frequencies).set_index("__pattern")["bound"]
            scored = vectors.score_numbers(0.0)
            try:
                real = linker.misc.query_sql(
                    f"select p.__pattern, max(s.match_probability) as p from "
                    f"{scored.physical_name} as s join {V} as v on v.__rid_l = s.unique_id_l "
                    f"and v.__rid_r = s.unique_id_r join {P} as p on {on} group by 1",
                    output_type="pandas").set_index("__pattern")["p"]
            finally:
                scored.drop_table_from_database_and_remove_from_cache()
            bound_p = 1 / (1 + 2.0 ** -bounds.loc[real.index])
            assert (real <= bound_p + 1e-12).all(), (real - bound_p).max()
            assert np.isclose(real, bound_p, rtol=1e-9).any()
    finally:
        vectors.drop()
