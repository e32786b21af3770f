"""A run's per-record outputs: the fast paths give what the plain pandas computations give."""

import math

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from tribunal.linkage.capture import (
    capture_history,
    cluster,
    cluster_labels,
    first_appearance,
    pair_edges,
    person_id_array,
    person_ids,
    person_ranks,
    sensitivity_band,
)
from tribunal.linkage.outputs import (
    clusters_table,
    pair_positions,
    record_ids,
    records_by_id,
    write_csv,
)
from tribunal.linkage.review import queue_pairs, review_queue

HOSTILE = ["plain", "with,comma", 'a "quote"', "two\nlines", "carriage\rreturn", "", None,
           " spaced ", "tab\there", "王秀英", "=SUM(A1)", "Мемет"]


@pytest.mark.parametrize("value", HOSTILE)
def test_write_csv_writes_what_pandas_writes(tmp_path, value):
    frame = pd.DataFrame({"unique_id": ["a:1", value, "b:2"], "row": [1, 2, 30],
                          "item_id": ["", "x", value]})
    frame.to_csv(tmp_path / "pandas.csv", index=False)
    write_csv(frame, tmp_path / "frame.csv")
    write_csv(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "arrow.csv")
    expected = (tmp_path / "pandas.csv").read_bytes()
    assert (tmp_path / "frame.csv").read_bytes() == expected
    assert (tmp_path / "arrow.csv").read_bytes() == expected


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"a": ["x", ""]}),  # one column: the csv module quotes a lone empty field
    pd.DataFrame({"a,b": ["x", "y"], "c": [1, 2]}),  # a header to quote
    pd.DataFrame({"p": [0.1, 1 / 3], "q": ["x", "y"]}),  # floats are spelled differently
    pd.DataFrame({"b": [True, False], "q": ["x", "y"]}),
    pd.DataFrame({"m": ["x", 3], "q": ["x", "y"]}),  # mixed object column
    pd.DataFrame({"n": pd.array([1, None], dtype="Int64"), "q": ["x", None]}),
    pd.DataFrame({"a": pd.Series([], dtype=object), "b": pd.Series([], dtype="int64")}),
])
def test_write_csv_other_frames_as_pandas(tmp_path, frame):
    frame.to_csv(tmp_path / "pandas.csv", index=False)
    write_csv(frame, tmp_path / "ours.csv")
    assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def test_person_id_array_is_person_ids():
    for ranks in (np.array([0, 1, 2, 1, 0]), np.arange(1_000_001)[::-1], np.array([], int)):
        assert person_id_array(ranks).to_pylist() == person_ids(ranks)
    assert person_ids(np.array([1_000_000]))[0] == "P1000001"  # wider past a million


def test_first_appearance_is_factorize():
    rng = np.random.default_rng(3)
    for trial in range(2000):
        labels = rng.integers(-1 if trial % 3 == 0 else 0, 5, size=int(rng.integers(0, 12)))
        if trial % 2:
            labels = pd.factorize(labels)[0]  # already numbered: the check's fast path
        got = first_appearance(labels)
        assert got.dtype == np.int64
        assert np.array_equal(got, pd.factorize(labels)[0])
    assert np.array_equal(first_appearance(np.array(["b", "a", "b"], dtype=object)), [0, 1, 0])


def _patterns(records, person, lists):
    """Capture patterns counted the plain way: each person's set of lists."""
    sets = pd.Series(records["source"].to_numpy()).groupby(person.to_numpy()).agg(set)
    rows = pd.DataFrame([[int(name in s) for name in lists] for s in sets], columns=lists)
    table = rows.value_counts().reset_index(name="count")
    return table.sort_values(lists, ascending=False).reset_index(drop=True)


@pytest.mark.parametrize("n_lists", [1, 3, 8, 11])  # a list at a time up to 8, then ufunc.at
def test_capture_history_counts_each_persons_lists(n_lists):
    rng = np.random.default_rng(n_lists)
    lists = [f"l{k}" for k in range(n_lists)]
    records = pd.DataFrame({"source": rng.choice(lists, size=400)})
    person = pd.Series(rng.integers(0, 150, size=400))
    got = capture_history(records, person, lists)
    assert got.equals(_patterns(records, person, lists))
    # labels by name, a categorical list column: the same table
    named = pd.Series([f"P{x}" for x in person])
    records["source"] = records["source"].astype("category")
    assert capture_history(records, named, lists).equals(got)


def test_capture_history_paths_agree_on_lists_left_out(monkeypatch):
    import tribunal.linkage.capture as capture

    rng = np.random.default_rng(5)
    records = pd.DataFrame({"source": rng.choice(["a", "b", "c", "other"], size=300)})
    person = pd.Series(rng.integers(0, 100, size=300))
    few = capture_history(records, person, ["a", "b", "c"])
    monkeypatch.setattr(capture, "_FEW_LISTS", 0)
    assert capture_history(records, person, ["a", "b", "c"]).equals(few)


def _scored(n=300, seed=0):
    rng = np.random.default_rng(seed)
    ids = [f"s{k % 3}:{k}" for k in range(n)]
    left, right = rng.integers(0, n, size=(2, 4 * n))
    keep = left != right
    pairs = pd.DataFrame({"unique_id_l": np.array(ids)[left[keep]],
                          "unique_id_r": np.array(ids)[right[keep]],
                          "match_probability": rng.choice([0.3, 0.6, 0.85, 0.9, 0.97, 0.995],
                                                          size=int(keep.sum()))})
    records = pd.DataFrame({"unique_id": ids, "source": [i.split(":")[0] for i in ids]})
    return records, pairs


def test_band_counts_people_as_clustering_each_threshold():
    records, pairs = _scored()
    cannot = pairs.iloc[::7][["unique_id_l", "unique_id_r"]].reset_index(drop=True)
    thresholds = [0.5, 0.8, 0.9, 0.95, 0.99, 0.999]
    for cannot_link in (None, cannot):
        band = sensitivity_band(records, pairs, thresholds, ["s0", "s1", "s2"],
                                cannot_link=cannot_link)
        for row, t in zip(band, thresholds, strict=True):
            lab = cluster_labels(records, pairs, t, cannot_link=cannot_link)
            assert row.n_people == len(set(lab.tolist()))
            assert row.table.equals(capture_history(records, pd.Series(lab), ["s0", "s1", "s2"]))


def test_person_ranks_number_cluster_ids():
    records, pairs = _scored(seed=1)
    ranks = person_ranks(records, pairs, 0.8)
    assert person_ids(ranks) == cluster(records, pairs, 0.8).tolist()


def _queue_reference(pairs, threshold, limit, width=3.0):
    """The queue as first written: every pair weighed, all near pairs sorted."""
    def weight(p):
        p = min(max(p, 1e-12), 1 - 1e-12)
        return math.log2(p / (1 - p))
    p = pairs["match_probability"].clip(1e-12, 1 - 1e-12)
    near = pairs.assign(distance=((p / (1 - p)).map(math.log2) - weight(threshold)).abs())
    near = near[near["distance"] <= width]
    return near.sort_values(["distance", "unique_id_l", "unique_id_r"],
                            kind="stable").head(limit)


def test_queue_pairs_as_weighing_every_pair():
    records, pairs = _scored(n=500, seed=2)
    pairs["match_probability"] = np.r_[pairs["match_probability"].to_numpy()[:-3],
                                       [0.0, 1.0, np.nan]]  # clipped ends and a gap
    for threshold in (0.01, 0.5, 0.8, 0.99):
        for limit in (0, 1, 7, 200, 10_000):
            got = queue_pairs(pairs, threshold, limit=limit)
            assert got.equals(_queue_reference(pairs, threshold, limit))
    queue = review_queue(pairs, records, 0.8, limit=5)
    assert queue["unique_id_l"].tolist() == _queue_reference(pairs, 0.8, 5)[
        "unique_id_l"].tolist()
    assert queue["source_l"].tolist() == [i.split(":")[0] for i in queue["unique_id_l"]]


@pytest.fixture()
def con():
    c = duckdb.connect()
    c.execute("""create table records as select 's' || (k % 3) || ':' || k as unique_id,
                 's' || (k % 3) as source, k as "row", 'name ' || k as name,
                 case when k % 4 = 0 then null else 1950 + k % 30 end as birth_year
                 from range(200) t(k) order by k desc""")
    yield c
    c.close()


def test_pair_positions_is_pair_edges(con):
    ids, records = record_ids(con, "records")
    assert records["unique_id"].tolist() == [f"s{k % 3}:{k}" for k in range(199, -1, -1)]
    rng = np.random.default_rng(4)
    named = records["unique_id"].to_numpy()
    left, right = rng.integers(0, len(named), size=(2, 500))
    pairs = pd.DataFrame({"unique_id_l": named[left], "unique_id_r": named[right],
                          "match_probability": rng.random(500)})
    pairs.loc[[3, 40], "unique_id_l"] = "gone:1"  # a record the table does not hold
    pairs = pd.concat([pairs, pairs.iloc[:5]], ignore_index=True)  # a pair twice
    got, expected = pair_positions(con, "records", ids, pairs), pair_edges(records, pairs)
    assert all(np.array_equal(a, b) for a, b in zip(got, expected, strict=True))


def test_clusters_table_and_queue_records(con):
    ids, records = record_ids(con, "records")
    ranks = first_appearance(np.arange(200) // 2)
    table = clusters_table(ids, ranks, {"s0": "item-0", "s1": ""})
    assert table.column_names == ["unique_id", "source", "row", "person_id", "item_id"]
    assert table.column("person_id").to_pylist() == person_ids(ranks)
    items = table.column("item_id").to_pylist()
    expected = [{"s0": "item-0", "s1": ""}.get(s) for s in records["source"]]
    assert items == expected
    shown = records_by_id(con, "records", ["s1:1", "s1:1", "s2:5", "s0:0", "nobody"],
                          ["unique_id", "name", "birth_year"])
    assert sorted(shown["unique_id"]) == ["s0:0", "s1:1", "s2:5"]
    assert shown.set_index("unique_id").loc["s0:0", "birth_year"] is pd.NA
