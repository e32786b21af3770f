"""Splink's comparison SQL rewritten for speed gives the same levels
(tribunal.linkage.compare_sql, rescore.CandidateVectors)."""

import duckdb
import numpy as np
import pandas as pd
import pytest

from tribunal.linkage.compare_sql import cheaper_sql, guard_edit_distance, guard_list_intersect
from tribunal.linkage.mapping import recognise
from tribunal.linkage.model import ModelOptions, present_columns, train
from tribunal.linkage.records import standardise
from tribunal.linkage.rescore import CandidateVectors
from tribunal.linkage.scoring import predict
from tribunal.linkage.synth import make_lists


def _strings(rng: np.random.Generator, n: int) -> list[str | None]:
    """Short strings over a small alphabet (so that many pairs are one edit apart), with
    multi-byte characters, empty strings and NULLs."""
    alphabet = list("ab1-é王")
    out: list[str | None] = []
    for _ in range(n):
        k = int(rng.integers(0, 8))
        out.append(None if k == 7 else "".join(rng.choice(alphabet, size=k)))
    base = "1987-03-14"
    for i in range(len(base)):  # every one-edit neighbour of a date, and near misses
        out += [base[:i] + "9" + base[i + 1:], base[:i] + base[i + 1:],
                base[:i] + "x" + base[i:], base[:i] + base[i + 1:i + 2] + base[i] + base[i + 2:],
                base[:i] + "99" + base[i + 2:]]
    return out


@pytest.mark.parametrize("test", ["damerau_levenshtein(a_l, a_r) <= 1",
                                  "levenshtein(a_l, a_r) <= 1",
                                  "damerau_levenshtein(a_l, a_r) < 2"])
def test_guarded_one_edit_test_gives_the_same_answer(test):
    values = _strings(np.random.default_rng(5), 160)
    con = duckdb.connect()
    con.execute("create table s as select unnest(?) as a", [values])
    case = f"CASE WHEN a_l IS NULL THEN -1 WHEN ({test}) AND a_l <> 'b' THEN 2 ELSE 0 END as g"
    guarded = guard_edit_distance(case)
    assert guarded != case and "left(" in guarded.lower()
    rows = con.execute(f"""
        select {case}, {guarded.replace(' AS g', ' AS h').replace(' as g', ' as h')}
        from (select l.a as a_l, r.a as a_r from s as l cross join s as r)""").fetchall()
    assert len(rows) == len(values) ** 2
    assert all(g == h for g, h in rows)
    assert sum(g == 2 for g, _ in rows) > len(values)  # many pairs one edit apart


def test_sql_without_edit_tests_is_left_alone():
    sql = 'CASE WHEN "x_l" = "x_r" THEN 1 WHEN levenshtein("x_l", "x_r") <= 2 THEN 0 END'
    assert guard_edit_distance(sql) == sql


@pytest.mark.parametrize("grouped", [True, False])
def test_names_compared_once_per_distinct_pair_score_as_splink(grouped, monkeypatch,
                                                              scored_pairs):
    """A list whose names repeat (each person written four times, ids differing): the
    name is compared once per distinct pair of names, and the scores equal Splink's; and
    equal them too when every pair is compared (as when names rarely repeat)."""
    if not grouped:
        monkeypatch.setattr(CandidateVectors, "_values_repeat", lambda self, i: False)
    lists, _truth = make_lists(80, seed=4)
    one = pd.concat([standardise(f, recognise(list(f.columns)), n) for n, f in lists.items()],
                    ignore_index=True)
    records = pd.concat([one.assign(unique_id=one["unique_id"] + f"~{k}") for k in range(4)],
                        ignore_index=True)
    from splink import DuckDBAPI

    options = ModelOptions(u_max_pairs=5e4, u_chunks=2, em_iterations=5)
    model = train(DuckDBAPI(duckdb.connect()), records, present_columns(records), options)
    vectors = CandidateVectors(model.linker, model.table, ["name_key"])
    try:
        n_pairs = len(vectors)
        if grouped:
            assert vectors._grouped == [0]  # the name comparison reads list columns
            n_names = int(model.linker.misc.query_sql(
                f"select count(*) as n from {vectors._gammas[0].physical_name}",
                output_type="pandas")["n"].iloc[0])
            assert 0 < n_names < n_pairs / 2
        else:
            assert vectors._grouped == []
        got = scored_pairs(vectors, 0.0)
    finally:
        vectors.drop()
    expected = predict(model, 0.0)
    both = expected.merge(got, on=["unique_id_l", "unique_id_r"], how="outer",
                          suffixes=("_a", "_b"), indicator=True)
    assert len(both) == n_pairs
    assert (both["_merge"] == "both").all(), both["_merge"].value_counts()
    assert np.allclose(both["match_weight_a"], both["match_weight_b"], atol=1e-9)


def _lists(rng: np.random.Generator, n: int) -> list[list[str | None] | None]:
    """Short lists over a small alphabet, with repeats, NULL elements, empty and NULL lists."""
    out: list[list[str | None] | None] = [None, [], [None], [None, "a"], ["a", "a"]]
    for _ in range(n):
        k = int(rng.integers(0, 5))
        out.append([None if v == "-" else str(v) for v in rng.choice(list("abc-"), size=k)])
    return out


@pytest.mark.parametrize("k", [1, 2, 3])
def test_list_has_any_gives_the_same_answer_as_counting_the_intersection(k):
    values = _lists(np.random.default_rng(7), 60)
    con = duckdb.connect()
    con.execute("create table s as select unnest(?::varchar[][]) as a", [values])
    test = f'array_length(list_intersect("a_l", "a_r")) >= {k}'
    case = f"CASE WHEN {test} THEN 2 WHEN a_l IS NULL THEN -1 ELSE 0 END as g"
    rewritten = guard_list_intersect(case)
    assert "list_has_any" in rewritten.lower()
    assert ("list_intersect" in rewritten.lower()) == (k > 1)
    rows = con.execute(f"""
        select {case}, {rewritten.replace(' AS g', ' AS h').replace(' as g', ' as h')},
               {test} as plain, {guard_list_intersect(test)} as fast
        from (select l.a as a_l, r.a as a_r from s as l cross join s as r)""").fetchall()
    assert len(rows) == len(values) ** 2
    assert all(g == h and p is f or p == f for g, h, p, f in rows)  # NULL stays NULL
    assert {g for g, *_ in rows} >= {2, 0, -1}
    assert sum(p is None for *_, p, _f in rows) > 0


def test_sql_without_list_intersections_is_left_alone():
    sql = 'CASE WHEN array_length(list_intersect("x_l", "x_r")) >= 0 THEN 1 END'
    assert guard_list_intersect(sql) == sql


def test_cheaper_sql_applies_both_rewrites():
    """The scoring's comparisons get both rewrites, not only the one-edit guard."""
    sql = ('CASE WHEN array_length(list_intersect("a_l", "a_r")) >= 1 THEN 2 '
           'WHEN damerau_levenshtein("d_l", "d_r") <= 1 THEN 1 ELSE 0 END')
    out = cheaper_sql(sql).lower()
    assert "list_has_any" in out and "list_intersect" not in out
    assert out == guard_list_intersect(guard_edit_distance(sql)).lower()
    assert "left(" in out
