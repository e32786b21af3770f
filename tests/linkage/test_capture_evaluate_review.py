"""Clustering, capture histories, accuracy measures and the review queue."""

import pandas as pd
import pytest

from tribunal.errors import InputError
from tribunal.linkage.capture import (
    apply_decisions,
    capture_history,
    cluster,
    cluster_labels,
    sensitivity_band,
)
from tribunal.linkage.evaluate import bcubed_scores, evaluate_clusters, pairwise_scores
from tribunal.linkage.review import (
    decisions_as_labels,
    load_decisions,
    record_decision,
    review_accuracy,
    review_queue,
)

RECORDS = pd.DataFrame({
    "unique_id": ["a:1", "a:2", "b:1", "b:2", "c:1"],
    "source": ["a", "a", "b", "b", "c"],
    "name": ["王伟", "李明", "Wang Wei", "Li Ming", "Wang Wei"],
})
PAIRS = pd.DataFrame({"unique_id_l": ["a:1", "a:2", "b:2"], "unique_id_r": ["b:1", "c:1", "c:1"],
                      "match_probability": [0.99, 0.6, 0.3]})


def test_cluster_and_capture_history():
    person = cluster(RECORDS, PAIRS, 0.5)
    assert person.nunique() == 3
    table = capture_history(RECORDS, person, ["a", "b", "c"])
    assert table.to_dict(orient="records") == [
        {"a": 1, "b": 1, "c": 0, "count": 1}, {"a": 1, "b": 0, "c": 1, "count": 1},
        {"a": 0, "b": 1, "c": 0, "count": 1}]
    assert table["count"].sum() == person.nunique()


def test_capture_table_feeds_mse_table():
    from tribunal.mse.table import from_frame

    table = capture_history(RECORDS, cluster(RECORDS, PAIRS, 0.5), ["a", "b", "c"])
    ct = from_frame(table)
    assert ct.n_observed == 3 and ct.lists == ("a", "b", "c")


def test_band_is_monotone():
    band = sensitivity_band(RECORDS, PAIRS, [0.2, 0.5, 0.9, 0.999])
    assert [b.n_people for b in band] == [2, 3, 4, 5]


def test_band_takes_known_people_as_they_are():
    thresholds = [0.2, 0.5, 0.9, 0.999]
    fresh = sensitivity_band(RECORDS, PAIRS, thresholds, ["a", "b", "c"])
    known = sensitivity_band(RECORDS, PAIRS, thresholds, ["a", "b", "c"],
                             known={0.5: cluster(RECORDS, PAIRS, 0.5)})
    assert [b.n_people for b in known] == [b.n_people for b in fresh]
    for a, b in zip(known, fresh, strict=True):
        pd.testing.assert_frame_equal(a.table, b.table)


def test_within_list_duplicate_counts_once():
    pairs = pd.DataFrame({"unique_id_l": ["a:1"], "unique_id_r": ["a:2"],
                          "match_probability": [0.99]})
    table = capture_history(RECORDS, cluster(RECORDS, pairs, 0.5), ["a", "b", "c"])
    assert table[(table.a == 1) & (table.b == 0) & (table.c == 0)]["count"].item() == 1


def test_scores_against_hand_counts():
    pred, truth = [1, 1, 2, 2, 3], [1, 1, 1, 2, 2]
    # predicted pairs {01, 23}; true pairs {01, 02, 12, 34}; tp = 1
    s = pairwise_scores(pred, truth)
    assert s.precision == pytest.approx(0.5) and s.recall == pytest.approx(0.25)
    b = bcubed_scores(pred, truth)
    # per-record precision: 1,1,.5,.5,1 ; recall: 2/3,2/3,1/3,1/2,1/2
    assert b.precision == pytest.approx(0.8)
    assert b.recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 0.5 + 0.5) / 5)
    ev = evaluate_clusters(pred, truth)
    assert ev.n_clusters == 3 and ev.n_true == 2 and ev.count_error == pytest.approx(0.5)
    perfect = evaluate_clusters(truth, truth)
    assert perfect.pairwise.f1 == 1.0 and perfect.bcubed.f1 == 1.0


def test_decisions_roundtrip_and_feedback(tmp_path):
    path = tmp_path / "decisions.csv"
    record_decision(path, "c:1", "a:2", "non-match", "analyst A", "different fathers")
    record_decision(path, "b:2", "c:1", "match", "analyst B")
    record_decision(path, "a:2", "c:1", "unsure", "analyst A")  # latest wins
    dec = load_decisions(path)
    assert len(dec) == 2
    assert set(dec["decision"]) == {"match", "unsure"}
    assert set(dec.columns) >= {"reviewer", "decided_at"}
    labels = decisions_as_labels(dec)
    assert labels["clerical_match_score"].tolist() == [1.0]
    changed = apply_decisions(PAIRS, dec)
    assert cluster(RECORDS, changed, 0.5).nunique() == 2  # b:2-c:1 forced, a:2-c:1 unsure


def test_decision_validation(tmp_path):
    with pytest.raises(InputError):
        record_decision(tmp_path / "d.csv", "a:1", "b:1", "maybe", "x")
    with pytest.raises(InputError):
        record_decision(tmp_path / "d.csv", "a:1", "b:1", "match", " ")


def test_non_match_decision_removes_edge(tmp_path):
    path = tmp_path / "d.csv"
    record_decision(path, "a:1", "b:1", "non-match", "x")
    changed = apply_decisions(PAIRS, load_decisions(path))
    assert cluster(RECORDS, changed, 0.5).nunique() == 4


def test_review_queue_orders_by_closeness_to_threshold():
    q = review_queue(PAIRS, RECORDS, 0.6, width=5)
    assert q.iloc[0]["unique_id_l"] == "a:2" and "name_l" in q.columns and "name_r" in q.columns
    acc = review_accuracy(PAIRS, pd.DataFrame({"unique_id_l": ["a:1", "a:2"],
                                               "unique_id_r": ["b:1", "c:1"],
                                               "decision": ["match", "non-match"]}), 0.5)
    assert acc.n_accepted == 2 and acc.precision == 0.5


def test_lone_record_joins_its_most_probable_person_without_chaining():
    records = pd.DataFrame({"unique_id": ["a", "b", "c", "d", "e", "f"]})
    pairs = pd.DataFrame({
        "unique_id_l": ["a", "c", "c", "e", "f"],
        "unique_id_r": ["b", "a", "d", "d", "e"],
        "match_probability": [0.99, 0.7, 0.6, 0.99, 0.55],
    })
    # at 0.95: {a,b}, {d,e}; c alone, best partner a (0.7) -> joins {a,b}; f alone, best
    # partner e (0.55) -> joins {d,e}; c's weaker pair to d does not chain the two people
    lab = cluster(records, pairs, 0.95)
    assert lab.nunique() == 2
    assert lab[2] == lab[0] == lab[1] and lab[5] == lab[4] == lab[3] and lab[0] != lab[3]
    # plain connected components leave c and f alone
    assert len(set(cluster_labels(records, pairs, 0.95, attach=None))) == 4
    # below 0.5 nothing attaches: two records alone stay alone
    pairs2 = pairs.assign(match_probability=[0.99, 0.4, 0.3, 0.99, 0.2])
    assert cluster(records, pairs2, 0.95).nunique() == 4


def test_one_chance_pair_does_not_bridge_two_large_people():
    # two people of four records each, joined inside by strong pairs (0.999), and one
    # moderate pair (0.85) between them: plain components chain them, support does not
    ids = [f"a{i}" for i in range(4)] + [f"b{i}" for i in range(4)]
    records = pd.DataFrame({"unique_id": ids})
    inner = [(f"{g}{i}", f"{g}{i + 1}", 0.999) for g in "ab" for i in range(3)]
    bridge = [("a0", "b0", 0.85)]
    pairs = pd.DataFrame(inner + bridge,
                         columns=["unique_id_l", "unique_id_r", "match_probability"])
    assert len(set(cluster_labels(records, pairs, 0.8, core=None, attach=None))) == 1
    assert cluster(records, pairs, 0.8).nunique() == 2
    # two records of each backed by a pair (half the smaller person): they merge
    more = pd.concat([pairs, pd.DataFrame([("a1", "b1", 0.9)], columns=pairs.columns)])
    assert cluster(records, more, 0.8).nunique() == 1
    # at or above the core probability a single pair joins, as before
    strong = pairs.assign(match_probability=[0.999] * 7)
    assert cluster(records, strong, 0.8).nunique() == 1
