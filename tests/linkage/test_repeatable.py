"""Repeatable linkage (tribunal.linkage.repeatable): the same lists give the same files,
run after run and whatever the lists are called."""

import itertools
import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from tribunal.linkage.capture import cluster_labels
from tribunal.linkage.repeatable import ORIGINAL_ID, content_keyed, exact_sum_sql, one_thread

SAME_FILES = ("clusters.csv", "capture_history.csv", "sensitivity.csv", "model.json",
              "pairs.parquet", "review_queue.csv")


def _link(lists: dict[str, pd.DataFrame], folder: Path, prefix: str = "") -> Path:
    from tribunal.linkage.link import run_linkage

    folder.mkdir()
    paths = []
    for name, frame in lists.items():
        path = folder / f"{prefix}{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    run_linkage(paths, folder / "out")
    return folder / "out"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from tribunal.linkage.synth import make_lists

    lists, _ = make_lists(300, seed=3)
    base = tmp_path_factory.mktemp("repeatable")
    return (_link(lists, base / "first"), _link(lists, base / "again"),
            _link(lists, base / "renamed", prefix="renamed_"))


def test_same_lists_give_byte_identical_outputs(runs):
    # On a list this small DuckDB rarely splits work between threads, so the people came
    # out the same before too (the model's file and the pairs' order did not); on
    # historical_50k they differed. The tests below check each cause directly.
    first, again, _ = runs
    for name in SAME_FILES:
        assert (first / name).read_bytes() == (again / name).read_bytes(), name


def test_renaming_a_list_changes_names_only(runs):
    # Splink samples pairs by a hash of the record id, and the id holds the list's name:
    # training on name-free ids must give the same model, people and counts
    first, _, renamed = runs
    a = pd.read_csv(first / "clusters.csv")
    b = pd.read_csv(renamed / "clusters.csv")
    assert (b["source"] == "renamed_" + a["source"]).all()
    assert a["person_id"].tolist() == b["person_id"].tolist()
    ca = pd.read_csv(first / "capture_history.csv")
    cb = pd.read_csv(renamed / "capture_history.csv")
    assert list(cb.columns) == [f"renamed_{c}" for c in ca.columns[:-1]] + ["count"]
    assert ca.to_numpy().tolist() == cb.to_numpy().tolist()
    sa = pd.read_csv(first / "sensitivity.csv")
    sb = pd.read_csv(renamed / "sensitivity.csv")
    assert sa["n_people"].tolist() == sb["n_people"].tolist()
    assert (first / "model.json").read_bytes() == (renamed / "model.json").read_bytes()


def test_a_lone_record_between_equal_partners_goes_the_same_way_whatever_the_pair_order():
    # x scores the same with a1 (person A) and b1 (person B): the tie goes to the partner
    # first in the records, not to the pair Splink happened to return first
    records = pd.DataFrame({"unique_id": ["a1", "a2", "b1", "b2", "x"]})
    pairs = pd.DataFrame({"unique_id_l": ["a1", "b1", "b1", "a1"],
                          "unique_id_r": ["a2", "b2", "x", "x"],
                          "match_probability": [0.999, 0.999, 0.7, 0.7]})
    forward = cluster_labels(records, pairs, 0.8)
    backward = cluster_labels(records, pairs.iloc[::-1].reset_index(drop=True), 0.8)
    assert forward[4] == forward[0] != forward[2]
    assert backward.tolist() == forward.tolist()


def test_exact_sum_does_not_depend_on_row_order():
    rng = np.random.default_rng(1)
    values = rng.random(7) ** 8  # probabilities of very different sizes
    con = duckdb.connect()
    sums, plain = set(), set()
    for perm in itertools.permutations(range(len(values))):
        con.execute("create or replace table p as select unnest(?::double[]) as x",
                    [values[list(perm)].tolist()])
        sums.add(con.execute(f"select {exact_sum_sql('x')} from p").fetchall()[0][0])
        plain.add(sum(values[list(perm)].tolist()))
    assert len(plain) > 1  # float addition in another order gives another sum
    assert len(sums) == 1
    assert sums.pop() == pytest.approx(math.fsum(values), abs=len(values) * 2.0**-52)


def test_training_ids_depend_on_content_only():
    con = duckdb.connect()
    rows = [("kim:1", "kim", 1, "li wei", 1970), ("kim:2", "kim", 2, "wang fang", None),
            ("kim:3", "kim", 3, "li wei", 1970)]  # rows 1 and 3 alike
    con.execute("create table a (unique_id varchar, source varchar, row integer, "
                "name_key varchar, birth_year integer)")
    con.executemany("insert into a values (?, ?, ?, ?, ?)", rows)
    con.execute("create table b as select 'other:' || (4 - row) as unique_id, 'other' as source, "
                "4 - row as row, name_key, birth_year from a order by row desc")
    content_keyed(con, "a", "ta")
    content_keyed(con, "b", "tb")
    ta = con.execute("select * exclude (" + ORIGINAL_ID + ") from ta order by 1").fetchall()
    tb = con.execute("select * exclude (" + ORIGINAL_ID + ") from tb order by 1").fetchall()
    assert ta == tb
    assert len({r[0] for r in ta}) == 3  # alike records keep distinct ids
    assert {r[0] for r in ta}.isdisjoint({r[0] for r in rows})
    assert [c[0] for c in con.execute("describe ta").fetchall()] == [
        "unique_id", ORIGINAL_ID, "name_key", "birth_year"]


def test_training_ids_match_numbering_every_record():
    # the reference: every record numbered within its content by a window over all rows;
    # content_keyed numbers only repeated content, and must give the same rows, also past
    # nine copies (":10" sorts before ":2")
    con = duckdb.connect()
    con.execute("create table r as select 'l:' || i as unique_id, 'l' as source, i as row, "
                "case when i % 3 = 0 then 'li wei' else 'p' || i end as name_key, "
                "case when i % 7 = 0 then null else 1970 end as birth_year "
                "from range(60) t(i)")
    content_keyed(con, "r", "t")
    reference = con.execute(f"""
        with hashed as (
            select unique_id as {ORIGINAL_ID}, name_key, birth_year,
                   md5(cast(struct_pack(name_key := name_key, birth_year := birth_year)
                            as varchar)) as h
            from r)
        select h || ':' || row_number() over (partition by h order by {ORIGINAL_ID}),
               {ORIGINAL_ID}, name_key, birth_year
        from hashed order by 1""").fetchall()
    got = con.execute("select * from t order by 1").fetchall()
    assert got == reference
    assert max(int(r[0].split(":")[1]) for r in got) >= 10


def test_training_does_not_read_rows_in_order():
    """The training copy's rows are in no set order: the same records in another order
    train the same model."""
    from splink import DuckDBAPI

    from tribunal.linkage.mapping import recognise
    from tribunal.linkage.model import ModelOptions, present_columns, train
    from tribunal.linkage.records import standardise
    from tribunal.linkage.synth import make_lists

    lists, _ = make_lists(200, seed=5)
    records = pd.concat([standardise(f, recognise(list(f.columns)), n)
                         for n, f in lists.items()], ignore_index=True)
    options = ModelOptions(u_max_pairs=5e4, u_chunks=2, em_iterations=6)
    models = []
    for frame in (records, records.iloc[::-1].reset_index(drop=True),
                  records.sample(frac=1.0, random_state=1).reset_index(drop=True)):
        model = train(DuckDBAPI(duckdb.connect()), frame, present_columns(frame), options)
        saved = model.linker.misc.save_model_to_json()
        saved.pop("linker_uid", None)
        models.append(saved)
    assert models[0] == models[1] == models[2]


def _train_small_on_two_threads() -> duckdb.DuckDBPyConnection:
    """Train on small generated lists on a connection set to two threads; the connection."""
    from splink import DuckDBAPI

    from tribunal.linkage.mapping import recognise
    from tribunal.linkage.model import ModelOptions, present_columns, train
    from tribunal.linkage.records import standardise
    from tribunal.linkage.synth import make_lists

    lists, _ = make_lists(40, seed=2)
    records = pd.concat([standardise(f, recognise(list(f.columns)), n)
                         for n, f in lists.items()], ignore_index=True)
    con = duckdb.connect()
    con.execute("set threads = 2")
    train(DuckDBAPI(con), records, present_columns(records),
          ModelOptions(u_max_pairs=2e4, u_chunks=1, em_iterations=4))
    return con


def test_em_runs_on_one_thread(monkeypatch):
    # EM re-weights a table of agreement patterns that parallel aggregation returns in
    # varying order; on one thread the order, and so the float sums, are fixed
    from splink.internals.linker_components.training import LinkerTraining

    seen: list[int] = []
    em = LinkerTraining.estimate_parameters_using_expectation_maximisation

    def spy(self, *args, **kwargs):
        con = self._linker._db_api.duckdb_con
        seen.append(int(con.execute("select current_setting('threads')").fetchall()[0][0]))
        return em(self, *args, **kwargs)

    monkeypatch.setattr(LinkerTraining, "estimate_parameters_using_expectation_maximisation",
                        spy)
    con = _train_small_on_two_threads()
    assert seen and set(seen) == {1}
    assert con.execute("select current_setting('threads')").fetchall()[0][0] == 2


def test_one_thread_restores_the_setting_after_an_error():
    con = duckdb.connect()
    con.execute("set threads = 2")
    with pytest.raises(RuntimeError), one_thread(con):
        assert con.execute("select current_setting('threads')").fetchall()[0][0] == 1
        raise RuntimeError
    assert con.execute("select current_setting('threads')").fetchall()[0][0] == 2


def test_em_compares_pairs_on_every_thread_and_counts_patterns_on_one(monkeypatch):
    # the comparison of the sampled pairs (most of EM's cost) runs in parallel; its table
    # is sorted by agreement pattern, so the one-thread count sees the patterns in order

    from tribunal.linkage.repeatable import training_api_class

    api = training_api_class()
    seen: list[tuple[str, int]] = []
    orders: list[bool] = []
    cleanup = api._cleanup_for_execute_sql

    def spy(self, table, templated_name, physical_name):
        con = self._con
        seen.append((templated_name,
                     int(con.execute("select current_setting('threads')").fetchall()[0][0])))
        out = cleanup(self, table, templated_name, physical_name)
        if templated_name == "__splink__df_comparison_vectors" and self.em_threads:
            cols = [r[0] for r in con.execute(f"describe {physical_name}").fetchall()]
            gammas = [c for c in cols if c.startswith("gamma_")]
            rows = con.execute(f"select {', '.join(gammas)} from {physical_name}").fetchall()
            # the patterns alone (all the count reads), in order
            orders.append(rows == sorted(rows) and gammas == cols and len(rows) > 1)
        return out

    monkeypatch.setattr(api, "_cleanup_for_execute_sql", spy)
    con = _train_small_on_two_threads()
    threads = {}
    for name, n in seen:
        threads.setdefault(name, set()).add(n)
    assert threads["__splink__df_comparison_vectors"] == {2}
    assert threads["__splink__agreement_pattern_counts"] == {1}
    assert threads["__splink__m_u_counts"] >= {1}  # u sampling runs before EM, in parallel
    assert orders and all(orders)
    assert con.execute("select current_setting('threads')").fetchall()[0][0] == 2
