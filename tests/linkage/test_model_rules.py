"""Blocking rules and comparison levels of the linkage model, including records with
missing fields and names that differ by an English diminutive."""

import pandas as pd

from tribunal.linkage.model import ModelOptions, blocking_rules, build_settings


def _sql(rules):
    return [r.get_blocking_rule("duckdb").blocking_rule_sql for r in rules]


def test_rules_without_a_name_column_when_names_fail():
    present = {"name_key", "name_tokens", "name_canon", "birth_year", "place_leaf",
               "attr_postcode"}
    sql = _sql(blocking_rules(present, selective=["attr_postcode"]))
    no_name = [s for s in sql if "name" not in s]
    assert any("birth_year" in s and "place_leaf" in s for s in no_name)
    assert any("attr_postcode" in s for s in no_name)
    assert any("name_canon" in s for s in sql)


def test_rules_use_only_present_columns():
    sql = _sql(blocking_rules({"name_key", "name_tokens"}))
    assert not any("birth_year" in s or "place_leaf" in s or "name_canon" in s for s in sql)


def test_diminutive_level_in_name_comparison():
    settings = build_settings({"name_key", "name_canon", "birth_year"}, ModelOptions())
    name = settings.comparisons[0].get_comparison("duckdb").as_dict()
    labels = [lv.get("label_for_charts", "") for lv in name["comparison_levels"]]
    assert any("diminutive" in lb for lb in labels)


def test_records_carry_canonical_keys():
    from tribunal.linkage.mapping import ColumnMapping
    from tribunal.linkage.records import standardise

    frame = pd.DataFrame({"name": ["Tom Chudleigh", "Thomas Chudleigh", "王秀英"]})
    rec = standardise(frame, ColumnMapping({"name": ["name"]}), "a")
    assert rec["name_canon"][0] == rec["name_canon"][1] == ["chudleigh thomas"]
    assert rec["name_canon"][2] is None


def _birth_level(left: str, right: str) -> str:
    """The birth comparison's level a pair of ISO dates falls in, evaluated by DuckDB."""
    import duckdb

    from tribunal.linkage.model import _birth_comparison

    levels = _birth_comparison().get_comparison("duckdb").comparison_levels
    row = {}
    for side, d in (("l", left), ("r", right)):
        row[f"birth_date_{side}"] = d
        row[f"birth_ym_{side}"] = d[:7]
        row[f"birth_year_{side}"] = int(d[:4])
    con = duckdb.connect()
    con.execute("CREATE TABLE p AS SELECT " + ", ".join(
        f"{v!r} AS {k}" if isinstance(v, str) else f"{v} AS {k}" for k, v in row.items()))
    for level in levels:
        cond = level.sql_condition
        if cond == "ELSE" or con.execute(f"SELECT count(*) FROM p WHERE {cond}").fetchone()[0]:
            return level.label_for_charts
    raise AssertionError("no level")


def test_a_typo_in_the_day_is_not_a_typo_in_the_year():
    # 1630-08-11 for 1630-08-01 is the same birthday mistyped; 1631-08-01 is a neighbouring
    # year shared by many strangers and must not earn the same evidence.
    assert _birth_level("1630-08-01", "1630-08-11") == "same year, day or month within one typo"
    assert _birth_level("1630-08-01", "1631-08-01") == "one typo in the year"
    assert _birth_level("1630-08-01", "1630-08-01") == "Exact match on birth_date"


def test_block_keys_computed_only_for_rules_that_read_them():
    from splink import block_on

    from tribunal.linkage.blocking import uses_block_keys

    assert uses_block_keys(None)  # the default rules read them
    assert not uses_block_keys([block_on("name_key"),
                                block_on("birth_date", "substr(name_key, 1, 1)")])
    assert uses_block_keys([block_on("name_key"),
                            block_on("name_rare", arrays_to_explode=["name_rare"])])
    assert uses_block_keys(["l.block_year_place = r.block_year_place"])


def test_an_engine_error_is_noted_by_its_first_sentence():
    from tribunal.linkage.model import _first_sentence

    msg = ("Training rule `l.\"birth_year\" = r.\"birth_year\"` resulted in no record pairs.  "
           "This means that in the supplied data set there were no pairs\nmore text")
    assert _first_sentence(msg) == ("Training rule `l.\"birth_year\" = r.\"birth_year\"` "
                                    "resulted in no record pairs.")
    long = _first_sentence("x" * 500)
    assert len(long) == 200 and long.endswith("…")
