"""Splink's candidate pairs as SQL (tribunal.linkage.candidate_pairs): plain rules joined
straight from the records give Splink's own blocked pairs."""

import logging

import duckdb
import pandas as pd
import pytest
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from tribunal.linkage.candidate_pairs import enqueue_blocked_pairs, plain_rules, plain_rules_sql


def _linker(rules) -> Linker:
    # ids that sort differently as text and as numbers; a NULL in each rule's column
    frame = pd.DataFrame({
        "unique_id": ["a:10", "a:9", "a:2", "b:1", "b:11", "c:3", "c:30"],
        "surname": ["li", "li", "wang", "li", None, "wang", "li"],
        "year": [1970, 1970, 1970, None, 1970, 1981, 1981],
        "city": ["x", "y", "x", "x", "x", None, "y"],
        "tags": [["p"], ["q"], ["p", "q"], [], None, ["q"], ["r"]],
    })
    settings = SettingsCreator(link_type="dedupe_only", comparisons=[],
                               blocking_rules_to_generate_predictions=rules)
    records = DuckDBAPI(duckdb.connect()).register(frame, table_name="records")
    return Linker(records, settings, log_level=logging.ERROR)


def _splink_pairs(linker: Linker) -> set[tuple[str, str]]:
    from splink.internals.pipeline import CTEPipeline

    pipe = CTEPipeline()
    clean = enqueue_blocked_pairs(linker, pipe)
    try:
        pipe.enqueue_sql("select join_key_l, join_key_r from __splink__blocked_id_pairs",
                         "__pairs")
        frame = linker._db_api.sql_pipeline_to_splink_dataframe(pipe).as_pandas_dataframe()
    finally:
        clean()
    pairs = list(zip(frame["join_key_l"], frame["join_key_r"], strict=True))
    assert len(pairs) == len(set(pairs))  # each pair once
    return set(pairs)


@pytest.mark.parametrize("rules", [
    [block_on("surname"), block_on("year"), "l.city = r.city and l.year <> r.year"],
    [block_on("substr(surname, 1, 1)", "city")],
    [],
])
def test_plain_rules_give_splinks_pairs_on_the_same_sides(rules):
    linker = _linker(rules)
    got_rules, columns = plain_rules(linker)
    assert got_rules
    con = linker._db_api._con
    con.execute("create table recs as select unique_id as __jk, "
                + ", ".join(["unique_id", *columns]) + " from records")
    sql = plain_rules_sql(got_rules, "recs", ["l.__jk as a", "r.__jk as b"])
    rows = con.execute(sql).fetchall()
    assert len(rows) == len(set(rows))
    assert set(rows) == _splink_pairs(linker)
    assert all(a < b for a, b in rows)


def test_other_rules_take_splinks_own_blocking():
    linker = _linker([block_on("surname"), block_on("tags", arrays_to_explode=["tags"])])
    assert plain_rules(linker) == ([], [])
    # still blocked, by Splink's SQL: the surname pairs and those sharing a tag
    assert {("a:10", "a:9"), ("a:2", "a:9"), ("a:2", "c:3")} <= _splink_pairs(linker)
